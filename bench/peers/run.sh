#!/usr/bin/env bash
# Side by side on the same corpus split: Vigie's model versus fastText and scikit-learn.
# F1 on the test split (by family), and prediction throughput on the same 100,000 texts on one
# core. Installs the peers into target/peers-venv, or $PEERS_VENV (PyPI: fasttext-wheel,
# scikit-learn); Vigie is built (profile release-lto) into $CARGO_TARGET_DIR when set.
#
#   bench/peers/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${PEERS_VENV:-target/peers-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# fasttext-wheel's predict() breaks on NumPy 2 (np.array(copy=False)): pin NumPy 1.
"$venv/bin/pip" install --quiet --disable-pip-version-check fasttext-wheel scikit-learn "numpy<2"
# The distribution build (Cargo.toml: profile release-lto), as users get in a release.
cargo build --profile release-lto --quiet -p vigie
exec "$venv/bin/python" bench/peers/peers.py
