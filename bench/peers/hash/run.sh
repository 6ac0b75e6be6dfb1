#!/usr/bin/env bash
# PDQ hashing speed side by side: Vigie's hash_rgb versus PyPI pdqhash 0.2.8 (Meta's C++ core), on
# the same decoded pixels (every image of shared/anchors/pdq/{images,lossless}), one core; then end
# to end (decode + hash) from the files. Results and method: bench/peers/hash/README.md.
#
#   bash bench/peers/hash/run.sh [--rounds 5] [--reps 3] [--e2e-rounds 3] [--no-e2e]
#
# Honours CARGO_TARGET_DIR. Pins everything to CPU 0 with taskset when it is available.
set -euo pipefail
cd "$(dirname "$0")/../../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
py="${PYTHON:-python3}"
if ! "$py" -c "import pdqhash, numpy, PIL" 2>/dev/null; then
  "$py" -m pip install --quiet --disable-pip-version-check "pdqhash==0.2.8" numpy pillow
fi
cargo build --release --quiet --example hash_bench -p vigie-media
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: nproc $(nproc), CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "rustc: $(rustc --version); pinned: ${pin[*]:-no (taskset not found)}"
exec "${pin[@]}" "$py" -u bench/peers/hash/hash_peer.py --bin "$target/release/examples/hash_bench" "$@"
