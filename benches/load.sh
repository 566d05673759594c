#!/usr/bin/env bash
# Load-generator benchmark: perfdsl vs oha (and wrk when present) on the same local target,
# same concurrency and duration, each pinned to its own core (the target gets the other).
# Prints requests/s, CPU seconds per request and peak RSS, and the ratios.
#
#   benches/load.sh [CONCURRENCY] [SECONDS]        (defaults: 32 10)
#   OHA=/path/to/oha  WRK=/path/to/wrk  RSS_REQUESTS=1000000  benches/load.sh
#   BASE=/path/to/an/older/perfdsl benches/load.sh    (adds its rows and the head/base ratios)
#
# oha: `cargo install oha --locked --root DIR` (about 6 minutes); wrk: `apt-get install wrk`.
set -euo pipefail
cd "$(dirname "$0")/.."

conc=${1:-32}
secs=${2:-10}
rss_requests=${RSS_REQUESTS:-1000000}
oha=${OHA:-$(command -v oha || echo /work/tools/bin/oha)}
wrk=${WRK:-$(command -v wrk || true)}
base=${BASE:-}
time_bin=/usr/bin/time
[ -x "$time_bin" ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 2; }

echo "building release binaries..." >&2
cargo build --release --quiet --bin perfdsl --example testsvc
perfdsl=${CARGO_TARGET_DIR:-$PWD/target}/release/perfdsl
testsvc=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/testsvc

work=$(mktemp -d)
trap 'kill "$svc_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c 0 "$testsvc" --port 0 --threads 1 >"$work/svc.out" 2>&1 &
svc_pid=$!
for _ in $(seq 50); do grep -q listening "$work/svc.out" 2>/dev/null && break; sleep 0.1; done
url=$(head -1 "$work/svc.out" | sed 's/^listening on //')
[ -n "$url" ] || { echo "test server did not start" >&2; exit 3; }

# Runs a command pinned to core 1 under GNU time; prints "cpu_seconds max_rss_kib".
measure() {
  taskset -c 1 "$time_bin" -f '%U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    echo "failed: $*" >&2; cat "$work/err" >&2; exit 1; }
  awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$work/time"
}

perf_file() { # name load-line step-body
  cat >"$work/$1.perf" <<EOF
target "$url"

scenario $1 {
  load $2
$3
}
EOF
}

perf_file plain "vus $conc for ${secs}s" '  step get: GET /hello'
perf_file full "vus $conc for ${secs}s" '  step order: POST /orders {
    header X-Request "vu-{{ vu }}-{{ iteration }}"
    json { "qty": 3, "customer": "c-{{ vu }}", "items": [{ "sku": "a-{{ iteration }}", "n": 1 }] }
    expect status == 201
    expect json "$.total" == 30
    capture order_id = json "$.id"
    after rhai ```
      if response.json.total > 20 { metric("big_orders", 1); }
    ```
  }'
perf_file rss_small "iterations $((rss_requests / 10)) with $conc vus" '  step get: GET /hello'
perf_file rss_big "iterations $rss_requests with $conc vus" '  step get: GET /hello'

# perfdsl run SCENARIO [BINARY] → "requests cpu rss secs"
run_perfdsl() {
  local bin=${2:-$perfdsl}
  # From the work folder: the repository's perf_config.json and history stay out of it.
  read -r cpu rss < <(cd "$work" && measure "$bin" run "$work/$1.perf" --quiet --threads 1 --json "$work/$1.json" --no-report)
  req=$(python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['scenarios'][0]['metrics']['requests']))" "$work/$1.json")
  wall=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['scenarios'][0]['measured_secs'])" "$work/$1.json")
  echo "$req $cpu $rss $wall"
}

row() { # tool scenario requests cpu rss secs
  awk -v t="$1" -v s="$2" -v r="$3" -v c="$4" -v m="$5" -v d="$6" 'BEGIN {
    printf "| %-8s | %-10s | %10d | %10.0f | %8.2f | %10.2f | %8.1f |\n", t, s, r, r / d, c, c / r * 1e6, m / 1024 }'
}

echo
echo "target: $url (testsvc, 1 thread, core 0); load tools pinned to core 1; $conc connections, ${secs}s"
echo
echo "| tool     | scenario   |   requests |    req/s   |  CPU s   | CPU µs/req | RSS MiB  |"
echo "|----------|------------|------------|------------|----------|------------|----------|"

read -r p_req p_cpu p_rss p_wall < <(run_perfdsl plain)
row perfdsl "plain GET" "$p_req" "$p_cpu" "$p_rss" "$p_wall"

read -r f_req f_cpu f_rss f_wall < <(run_perfdsl full)
row perfdsl "full step" "$f_req" "$f_cpu" "$f_rss" "$f_wall"

if [ -n "$base" ]; then
  read -r bp_req bp_cpu bp_rss bp_wall < <(run_perfdsl plain "$base")
  row base "plain GET" "$bp_req" "$bp_cpu" "$bp_rss" "$bp_wall"
  read -r bf_req bf_cpu bf_rss bf_wall < <(run_perfdsl full "$base")
  row base "full step" "$bf_req" "$bf_cpu" "$bf_rss" "$bf_wall"
fi

o_req=0
if [ -x "$oha" ]; then
  read -r o_cpu o_rss < <(measure "$oha" -c "$conc" -z "${secs}s" --no-tui --output-format json "$url/hello")
  o_req=$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
print(sum(d.get('statusCodeDistribution', {}).values()))" "$work/out")
  row oha "plain GET" "$o_req" "$o_cpu" "$o_rss" "$secs"
else
  echo "| oha      | (not installed: set OHA=...)                                         |"
fi

w_req=0
if [ -n "$wrk" ] && [ -x "$wrk" ]; then
  read -r w_cpu w_rss < <(measure "$wrk" -t1 -c "$conc" -d "${secs}s" "$url/hello")
  w_req=$(awk '/requests in/ { print $1 }' "$work/out")
  row wrk "plain GET" "$w_req" "$w_cpu" "$w_rss" "$secs"
fi

read -r s_req s_cpu s_rss s_wall < <(run_perfdsl rss_small)
row perfdsl "$((rss_requests / 10)) req" "$s_req" "$s_cpu" "$s_rss" "$s_wall"
read -r b_req b_cpu b_rss b_wall < <(run_perfdsl rss_big)
row perfdsl "$rss_requests req" "$b_req" "$b_cpu" "$b_rss" "$b_wall"

echo
awk -v pr="$p_req" -v pc="$p_cpu" -v pw="$p_wall" -v fr="$f_req" -v fc="$f_cpu" \
    -v or="$o_req" -v oc="${o_cpu:-0}" -v wr="$w_req" -v wc="${w_cpu:-0}" -v secs="$secs" \
    -v sr="$s_rss" -v br="$b_rss" 'BEGIN {
  p = pc / pr
  printf "full step vs plain GET, CPU per request: %.2fx (goal <= 1.5x)\n", (fc / fr) / p
  if (or > 0) {
    printf "perfdsl vs oha, CPU per request: %.2fx (goal <= 1.0x); throughput: %.2fx (goal >= 1.0x)\n", p / (oc / or), (pr / pw) / (or / secs)
  }
  if (wr > 0) {
    printf "perfdsl vs wrk, CPU per request: %.2fx; throughput: %.2fx\n", p / (wc / wr), (pr / pw) / (wr / secs)
  }
  printf "peak RSS: %.1f MiB for the small run, %.1f MiB for the big one (goal <= 64 MiB, flat)\n", sr / 1024, br / 1024
}'
if [ -n "$base" ]; then
  awk -v pr="$p_req" -v pc="$p_cpu" -v fr="$f_req" -v fc="$f_cpu" \
      -v br="$bp_req" -v bc="$bp_cpu" -v bfr="$bf_req" -v bfc="$bf_cpu" 'BEGIN {
    printf "this build vs base, CPU per request: plain GET %.2fx, full step %.2fx\n", (pc / pr) / (bc / br), (fc / fr) / (bfc / bfr)
  }'
fi
