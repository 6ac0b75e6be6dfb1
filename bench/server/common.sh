# Shared by the server benches (source it from the repository root): builds vigie and picks a
# data directory and a free port. Sets $bin, $data, $port, $base; `serve` starts the server
# (after the tokens are made), stops it on exit and waits until it answers.
cargo build --release --quiet -p vigie
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/vigie"
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

serve() {
  "$bin" serve --listen "127.0.0.1:$port" --data "$data" --rate-per-second 0 > "$data/server.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
}
