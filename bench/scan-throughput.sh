#!/usr/bin/env bash
# `vigie scan` throughput on 100,000 items built from the example batch (each example repeated
# 1,000 times with a fresh id), on one core and on all cores, in one run.
#
#   bench/scan-throughput.sh            # 100,000 items
#   N=20000 bench/scan-throughput.sh    # fewer
#
# Prints items/s per core. The per-stage costs are in `cargo bench -p vigie-engine`.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
examples=$(grep -c . examples/batch.jsonl)
repeat=$(( (n + examples - 1) / examples ))
for r in $(seq 1 "$repeat"); do
  sed "s/\"id\": *\"\([^\"]*\)\"/\"id\": \"\1-$r\"/" examples/batch.jsonl
done | head -n "$n" > "$work/items.jsonl"
echo "items: $(wc -l < "$work/items.jsonl"), $(du -h "$work/items.jsonl" | cut -f1), cores: $(nproc)"
run() {
  local threads=$1
  local start end
  start=$(date +%s.%N)
  RAYON_NUM_THREADS=$threads ./target/release/vigie scan "$work/items.jsonl" --quiet --out "$work/decisions.jsonl"
  end=$(date +%s.%N)
  python3 - "$n" "$start" "$end" "$threads" <<'PY'
import sys
n, start, end, threads = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
secs = end - start
print(f"{threads} thread(s): {secs:.2f}s, {n/secs:,.0f} items/s, {n/secs/threads:,.0f} items/s per core")
PY
}
run 1
run "$(nproc)"
test "$(wc -l < "$work/decisions.jsonl")" -eq "$n"
