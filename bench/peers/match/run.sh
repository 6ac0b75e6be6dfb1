#!/usr/bin/env bash
# PDQ matching at radius 31 on one core: Vigie's HammingIndex versus faiss IndexBinaryFlat and
# IndexBinaryMultiHash(256, 16, 16) with nflip = 1 (what HMA / python-threatexchange use), on the
# same clustered bank of near-duplicates built from real PDQ hashes. Prints queries/s (wall and
# per CPU-second), recall against brute force, memory per hash, build time and the ratios.
#
#   bench/peers/match/run.sh                       # 10,000,000 hashes, 10,000 queries (~8 min)
#   N=1000000 QUERIES=2000 bench/peers/match/run.sh
#
# FLAT_QUERIES (default 200) and MH_QUERIES (default 2,000) are the first queries faiss runs:
# one thread of IndexBinaryFlat scans the whole bank per query. The workload and its brute-force
# truth are cached in target/match-bench/. Installs faiss-cpu and numpy from PyPI into
# target/match-venv when python3 lacks them.
set -euo pipefail
cd "$(dirname "$0")/../../.."
n=${N:-10000000}
queries=${QUERIES:-10000}
seed=${SEED:-31}
dir=target/match-bench
mkdir -p "$dir"
py=python3
if ! "$py" -c "import faiss, numpy" 2>/dev/null; then
  if [ ! -x target/match-venv/bin/python ]; then
    python3 -m venv target/match-venv
  fi
  target/match-venv/bin/pip install --quiet --disable-pip-version-check faiss-cpu numpy
  py=target/match-venv/bin/python
fi
here=bench/peers/match
work="$dir/workload-$n-$queries-$seed.bin"
truth="$dir/truth-$n-$queries-$seed.bin"
if [ ! -f "$work" ]; then
  "$py" "$here/match.py" gen --n "$n" --queries "$queries" --seed "$seed" --out "$work.tmp"
  mv "$work.tmp" "$work"
fi
cargo build --release --quiet -p vigie-index --example match_bench
cargo run --release --quiet -p vigie-index --example match_bench -- \
  "$work" "$truth" --json "$dir/vigie.json"
"$py" "$here/match.py" faiss "$work" "$truth" --flat-queries "${FLAT_QUERIES:-200}" \
  --mh-queries "${MH_QUERIES:-2000}" --json "$dir/faiss.json"
"$py" "$here/match.py" report "$dir/vigie.json" "$dir/faiss.json"
