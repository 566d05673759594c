#!/usr/bin/env bash
# Mock-server benchmark: `perfdsl mock` serving a templated JSON route (path param, JSON
# body fields, uuid, counter) and a bare `text "hello"` route, measured with oha:
#   1. peak requests/s, p99 and the server's CPU time per request (user + system, from
#      /proc: steadier than requests/s when other processes share the cores) of each
#      route at CONCURRENCY connections;
#   2. p99 of each route at 50% of the bare route's peak rate, and the templated route's
#      added p99 over the bare one.
# Goals: templated >= 0.8x bare throughput; added p99 < 1 ms at 50% of peak.
# The mock is pinned to core 0, oha to core 1. Mountebank (`mb`, npm package
# `mountebank`) gets the same rows with an equivalent imposter when it is installed.
#
#   benches/mock.sh [CONCURRENCY] [SECONDS]        (defaults: 32 10)
#   OHA=/path/to/oha  MB=/path/to/mb  benches/mock.sh
#   BASE=/path/to/an/older/perfdsl benches/mock.sh    (adds its row, measured the same way)
set -euo pipefail
cd "$(dirname "$0")/.."

conc=${1:-32}
secs=${2:-10}
oha=${OHA:-$(command -v oha || echo /work/tools/bin/oha)}
mb=${MB:-$(command -v mb || true)}
base=${BASE:-}
[ -x "$oha" ] || { echo "needs oha (cargo install oha --locked), or OHA=/path/to/oha" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq: apt-get install jq" >&2; exit 2; }

echo "building release binary..." >&2
cargo build --release --quiet --bin perfdsl
perfdsl=${CARGO_TARGET_DIR:-$PWD/target}/release/perfdsl

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/bench.perf" <<'EOF'
mock bench {
  on POST /v1/accounts/:account/charges {
    status 201
    json { "id": "ch_{{ uuid }}", "account": "{{ request.params.account }}", "amount": {{ request.json.amount }}, "currency": "{{ request.json.currency }}", "n": {{ counter }} }
  }
  on GET /hello {
    text "hello"
  }
}
EOF
body='{"amount": 1250, "currency": "eur", "customer": {"id": 7}}'

# CPU time (user + system) of a process so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# oha against the server (pid $server) → "rps p50_ms p99_ms non_2xx_share server_cpu_us_per_request"
oha_run() { # url extra-args...
  local url=$1; shift
  local t0 t1
  t0=$(cpu_ticks "$server")
  taskset -c 1 "$oha" -c "$conc" -z "${secs}s" --no-tui --output-format json "$@" "$url" >"$work/oha.json" 2>"$work/oha.err" || {
    echo "oha failed on $url" >&2; cat "$work/oha.err" >&2; exit 1; }
  t1=$(cpu_ticks "$server")
  jq -r --argjson ticks "$((t1 - t0))" --argjson hz "$(getconf CLK_TCK)" '
    ([.statusCodeDistribution[]] | add // 0) as $all
    | ((([.statusCodeDistribution | to_entries[] | select(.key | test("^2")) | .value] | add) // 0)) as $ok
    | [.summary.requestsPerSec,
       (.latencyPercentiles.p50 * 1000), (.latencyPercentiles.p99 * 1000),
       (if $all > 0 then 1 - $ok / $all else 1 end),
       (if $all > 0 then $ticks / $hz * 1e6 / $all else 0 end)] | @tsv' "$work/oha.json"
}

rows=()
bench_server() { # label templated-url bare-url
  local label=$1 turl=$2 burl=$3
  local post=(-m POST -H "content-type: application/json" -d "$body")
  read -r b_rps b_p50 b_p99 b_err b_cpu <<<"$(oha_run "$burl")"
  read -r t_rps t_p50 t_p99 t_err t_cpu <<<"$(oha_run "$turl" "${post[@]}")"
  local rate
  rate=$(awk -v r="$b_rps" 'BEGIN { printf "%d", r / 2 }')
  read -r hb_rps hb_p50 hb_p99 hb_err hb_cpu <<<"$(oha_run "$burl" -q "$rate")"
  read -r ht_rps ht_p50 ht_p99 ht_err ht_cpu <<<"$(oha_run "$turl" -q "$rate" "${post[@]}")"
  rows+=("$(awk -v l="$label" -v br="$b_rps" -v bp="$b_p99" -v tr="$t_rps" -v tp="$t_p99" \
      -v bc="$b_cpu" -v tc="$t_cpu" -v rate="$rate" -v hb="$hb_p99" -v ht="$ht_p99" \
      -v be="$b_err" -v te="$t_err" 'BEGIN {
    printf "| %s | %.0f | %.2f | %.1f | %.0f | %.2f | %.1f | %.2fx | %.2fx | %d | %.2f | %.2f | %+.2f | %.1f%% / %.1f%% |",
      l, br, bp, bc, tr, tp, tc, tr / br, bc / tc, rate, hb, ht, ht - hb, be * 100, te * 100 }')")
}

wait_for() { # file pattern
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server did not start:" >&2; cat "$1" >&2; exit 3
}

# --- perfdsl mock (one worker thread on core 0)
bench_perfdsl() { # binary label
  taskset -c 0 "$1" --color never mock "$work/bench.perf" >"$work/perfdsl.out" 2>"$work/perfdsl.err" &
  server=$!
  pids+=($server)
  wait_for "$work/perfdsl.out" '^bench '
  url=$(awk '$1 == "bench" { print $2 }' "$work/perfdsl.out")
  echo "$2 at $url" >&2
  bench_server "$2" "$url/v1/accounts/acc_42/charges" "$url/hello"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
bench_perfdsl "$perfdsl" "perfdsl mock"
if [ -n "$base" ]; then
  bench_perfdsl "$base" "base perfdsl mock"
fi

# --- mountebank, when installed: the same two routes as an imposter
if [ -n "$mb" ]; then
  mb_port=$((20000 + RANDOM % 20000)); imp_port=$((mb_port + 1))
  taskset -c 0 "$mb" start --port "$mb_port" --allowInjection --logfile "$work/mb.log" --loglevel warn \
    >"$work/mb.out" 2>&1 &
  server=$!
  pids+=($server)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$mb_port/imposters" >/dev/null && break; sleep 0.2; done
  inject='function (config) {
    config.state.n = (config.state.n || 0) + 1;
    var account = config.request.path.split("/")[3];
    var req = JSON.parse(config.request.body || "{}");
    var hex = function (n) { var s = ""; for (var i = 0; i < n; i++) { s += Math.floor(Math.random() * 16).toString(16); } return s; };
    var id = hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12);
    return { statusCode: 201, headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "ch_" + id, account: account, amount: req.amount, currency: req.currency, n: config.state.n }) };
  }'
  jq -n --argjson port "$imp_port" --arg inject "$inject" '{
    port: $port, protocol: "http", recordRequests: false,
    stubs: [
      { predicates: [{ equals: { method: "GET", path: "/hello" } }],
        responses: [{ is: { statusCode: 200, headers: { "content-type": "text/plain" }, body: "hello" } }] },
      { predicates: [{ matches: { method: "POST", path: "^/v1/accounts/[^/]+/charges$" } }],
        responses: [{ inject: $inject }] }
    ] }' >"$work/imposter.json"
  if curl -sf -X POST -H 'content-type: application/json' --data @"$work/imposter.json" \
      "http://127.0.0.1:$mb_port/imposters" >/dev/null; then
    murl="http://127.0.0.1:$imp_port"
    check=$(curl -s -X POST -H 'content-type: application/json' -d "$body" "$murl/v1/accounts/acc_42/charges")
    echo "mountebank at $murl: $check" >&2
    bench_server "mountebank $("$mb" --version 2>/dev/null || echo)" "$murl/v1/accounts/acc_42/charges" "$murl/hello"
  else
    echo "mountebank did not accept the imposter; no mountebank row" >&2
  fi
else
  echo "mountebank (mb) not installed: no mountebank row (npm install -g mountebank)" >&2
fi

echo
echo "mock servers, $conc connections, ${secs}s per measurement; server on core 0, oha on core 1"
echo
echo "| server | bare rps | bare p99 ms | bare CPU µs/req | templated rps | templated p99 ms | templated CPU µs/req | templated/bare rps | templated/bare by CPU | rate at 50% (req/s) | bare p99 ms @50% | templated p99 ms @50% | added p99 ms | non-2xx bare / templated |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

# In-process costs (release): route lookup among 1000 routes, and the handler's
# synchronous work (match, count, render) per route. Skip with MICRO=0.
if [ "${MICRO:-1}" != 0 ]; then
  echo
  echo "in-process (release build, no network):"
  cargo test --release --quiet --lib -- --nocapture --test-threads=1 \
      mock::router::tests::a_thousand_routes mock::server::tests::handler_cost 2>&1 \
    | grep -E 'per (match|call)' | sed -E 's/^(test [^ ]* \.\.\. |\.+)//; s/^/  /'
fi
