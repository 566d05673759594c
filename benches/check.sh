#!/usr/bin/env bash
# Benchmark of `perfdsl check`: 100 realistic files in one folder, and one file alone
# (start-up cost). Prints a table; asserts nothing about speed.
#
#   bash benches/check.sh            # from anywhere inside the repository
#   RUNS=50 bash benches/check.sh    # more runs
#   NO_HYPERFINE=1 bash benches/check.sh   # time with a shell loop instead
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-20}"
files_wanted=100

echo "== building the release binary"
cargo build --release --quiet
bin="$root/target/release/perfdsl"

work="$(mktemp -d "${TMPDIR:-/tmp}/perfdsl-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
corpus="$work/corpus"
mkdir -p "$corpus"

# ---------------------------------------------------------------- the corpus
# The repository's own files come first (shop imports mocks, so they travel together),
# then stand-alone valid fixtures, then generated files up to 100. Each generated file is
# self-contained: a service, two mocks, two scenarios of 3-4 steps, hooks and limits;
# its names carry the file's number so every file is distinct.

cp scenarios/*.perf "$corpus/"
if [ -d tests/fixtures/valid ]; then
    for f in tests/fixtures/valid/*.perf; do
        [ -e "$f" ] || continue
        grep -q '^[[:space:]]*import' "$f" && continue # imports would not resolve here
        cp "$f" "$corpus/fixture_$(basename "$f")"
    done
fi

template() {
    local n="$1"
    cat <<PERF
# Generated benchmark file $n: the shop service, its upstreams and two scenarios.

service shop_$n {
  run "target/release/shop" "--workers" "4"
  env {
    DATABASE_URL = env("DATABASE_URL", "sqlite::memory:")
    SHOP_LOG = "info"
  }
  port auto
  base_url "http://127.0.0.1:{{ port }}"
  ready GET /health within 30s
  grace 5s
}

mock payments_$n {
  latency lognormal(p50: 20ms, p99: 80ms)
  fail 0.5% with 503
  seed $n

  on POST /v1/charges {
    when json "\$.amount" > 0
    status 201
    header "content-type" "application/json"
    json { "id": "ch_{{ uuid }}", "amount": {{ request.json.amount }}, "status": "succeeded" }
  }
  on POST /v1/charges {
    status 402
    json { "error": "card_declined", "retry": false }
  }
  expect calls >= 1
}

mock inventory_$n {
  latency uniform(2ms, 8ms)

  on POST /v1/reservations/:sku {
    call 1 {
      status 503
    }
    status 200
    json { "sku": "{{ request.params.sku }}", "reserved": true, "n": {{ counter }} }
  }
  on GET /v1/stock/:sku {
    status 200
    json { "sku": "{{ request.params.sku }}", "available": [1, 2, 3] }
  }
}

scenario browse_$n {
  load vus 8 for 10s, warmup 2s
  think uniform(5ms, 20ms)
  vars {
    page_size = 20
    region = "eu-west"
  }

  before iteration rhai \`\`\`
    // Spread the load over regions.
    vars.region = if rand() % 2 == 0 { "eu-west" } else { "us-east" };
  \`\`\`

  step home: GET / {
    expect status == 200
  }
  step list: GET /products?limit={{ page_size }} {
    header "x-region" "{{ region }}"
    expect status == 200
    expect header "content-type" contains "json"
    expect json "\$.items" exists
    capture product_id = json "\$.items[0].id"
  }
  step detail: GET /products/{{ product_id }} {
    expect status == 200
    expect json "\$.id" == "{{ product_id }}"
    expect duration < 250ms
  }
  step stock: GET /products/{{ product_id }}/stock {
    expect status in [200, 404]
  }

  limits {
    latency.p95 < 150ms
    latency.p99 < 400ms
    error_rate < 1%
  }
}

scenario checkout_$n {
  load rate 50/s for 20s, warmup 3s, max_vus 64
  data csv "fixtures/users.csv" sequential

  step login: POST /sessions {
    json { "email": "{{ row.email }}", "password": "{{ row.password }}" }
    expect status == 200
    capture token = json "\$.token"
  }
  step products: GET /products?limit=5 {
    header Authorization "Bearer {{ token }}"
    expect status == 200
    capture product_id = json "\$.items[0].id"
  }
  step order: POST /orders {
    header Authorization "Bearer {{ token }}"
    json { "product_id": {{ product_id }}, "qty": 1, "customer": "{{ row.email }}" }
    expect status == 201
    expect duration < 500ms
    capture order_id = json "\$.id"
    after rhai \`\`\`
      // Orders above 1000 are rare; count them.
      if response.json.total > 1000 { metric("big_orders", 1); }
    \`\`\`
    limits {
      latency.p99 < 300ms
    }
  }

  limits {
    latency.p95 < 200ms
    error_rate < 1%
    upstream.payments_$n.calls_per_iteration <= 1
    upstream.inventory_$n.calls_per_iteration <= 1
  }
}
PERF
}

have=$(find "$corpus" -name '*.perf' | wc -l)
for n in $(seq 1 $((files_wanted - have))); do
    template "$n" >"$corpus/gen_$(printf %03d "$n").perf"
done
mkdir -p "$corpus/fixtures"
cp scenarios/fixtures/* "$corpus/fixtures/" 2>/dev/null || true

# A benchmark of failing checks would measure error rendering: insist on a valid corpus.
if ! "$bin" --color never check "$corpus" >"$work/check.out" 2>&1; then
    echo "error: the generated corpus does not pass \`perfdsl check\`:" >&2
    tail -n 40 "$work/check.out" >&2
    exit 1
fi
files=$(find "$corpus" -name '*.perf' | wc -l)
bytes=$(find "$corpus" -name '*.perf' -exec cat {} + | wc -c)
single="$corpus/gen_001.perf"
single_bytes=$(wc -c <"$single")

# ---------------------------------------------------------------- measuring

use_hyperfine() { [ -z "${NO_HYPERFINE:-}" ] && command -v hyperfine >/dev/null; }

if [ -z "${NO_HYPERFINE:-}" ] && ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing hyperfine"
    apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
        echo "   (not available; timing with a shell loop)"
fi

# measure NAME COMMAND... → "mean min max" in milliseconds
measure() {
    local name="$1"
    shift
    if use_hyperfine; then
        local csv="$work/$name.csv" quoted
        quoted="$(printf '%q ' "$@")"
        hyperfine --style none --shell=none --warmup 3 --runs "$runs" --export-csv "$csv" \
            --output null "$quoted" >/dev/null 2>"$work/$name.err" ||
            { cat "$work/$name.err" >&2; exit 1; }
        # command,mean,stddev,median,user,system,min,max (seconds)
        awk -F, 'NR == 2 { printf "%.2f %.2f %.2f\n", $2 * 1000, $7 * 1000, $8 * 1000 }' "$csv"
    else
        local i t0 t1
        "$@" >/dev/null 2>&1 # warm-up
        for i in $(seq 1 "$runs"); do
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1
            t1=$(date +%s%N)
            echo $(((t1 - t0) / 1000))
        done | awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
                    END { printf "%.2f %.2f %.2f\n", s / NR / 1000, lo / 1000, hi / 1000 }'
    fi
}

tool=$(use_hyperfine && hyperfine --version || echo "a bash loop (date +%s%N)")
echo "== measuring with $tool, $runs runs each, $(nproc) cores"
dir_stats=$(measure dir "$bin" --color never check "$corpus")
one_stats=$(measure one "$bin" --color never check "$single")
read -r dir_mean dir_min dir_max <<<"$dir_stats"
read -r one_mean one_min one_max <<<"$one_stats"

echo
printf '%-22s %6s %11s %9s %9s %9s %9s\n' case files bytes "mean ms" "min ms" "max ms" "ms/file"
printf '%-22s %6s %11s %9s %9s %9s %9s\n' ---- ----- ----- ------- ------ ------ -------
row() {
    printf '%-22s %6d %11d %9.2f %9.2f %9.2f %9.3f\n' "$1" "$2" "$3" "$4" "$5" "$6" \
        "$(awk -v m="$4" -v f="$2" 'BEGIN { print m / f }')"
}
row "check <dir>" "$files" "$bytes" "$dir_mean" "$dir_min" "$dir_max"
row "check <one file>" 1 "$single_bytes" "$one_mean" "$one_min" "$one_max"
