#!/usr/bin/env bash
# Seeds the fuzz corpus (gitignored) with every `.perf` file of the repository.
# Run from anywhere: bash fuzz/seed.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/fuzz/corpus/check"
mkdir -p "$dest"
n=0
while IFS= read -r -d '' f; do
    rel="${f#"$root"/}"
    cp "$f" "$dest/seed-${rel//\//_}"
    n=$((n + 1))
done < <(find "$root/scenarios" "$root/tests/fixtures" -name '*.perf' -type f -print0 2>/dev/null)
echo "seeded $n files into ${dest#"$root"/}"
