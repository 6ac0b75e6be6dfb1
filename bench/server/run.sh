#!/usr/bin/env bash
# Load on `vigie serve` over loopback, durability on (WAL, synchronous=FULL: a 2xx is on disk):
#   1. POST /v1/items, a fresh item per request (wrk + items.lua): items/s and latency percentiles;
#   2. POST /v1/search:check at a fixed rate (oha -q): p50/p99 latency at that rate.
# Goals (issue 6, 2 cores): >= 10,000 items/s durable; search check p99 <= 5 ms at 20,000 req/s.
#
#   bash bench/server/run.sh [SECONDS] [SEARCH_RATE]      (CONNECTIONS="64 512" by default)
#
# Concurrent requests are group-committed (one transaction and one sync for all waiting), so
# throughput grows with the number of connections.
#
# Needs wrk (apt-get install wrk) and oha (cargo install oha). The server and the load generator
# share the machine's cores: figures are for both on one box.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-10}"
rate="${2:-20000}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 2; }
command -v oha >/dev/null || { echo "oha not found: cargo install oha" >&2; exit 2; }
. bench/server/common.sh
token=$("$bin" token create --data "$data" --scope admin --name load)
serve
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo
for conns in ${CONNECTIONS:-64 512}; do
  echo "== POST /v1/items, durable, fresh ids ($secs s, 2 threads, $conns connections)"
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/server/items.lua -H "Authorization: Bearer $token" \
    -H "Content-Type: application/json" "http://127.0.0.1:$port" | sed -n '/Latency Distribution/,$p'
done
echo
echo "== POST /v1/search:check at $rate requests/s ($secs s)"
oha --no-tui -z "${secs}s" -q "$rate" -c 64 -m POST -H "Authorization: Bearer $token" \
  -H "Content-Type: application/json" -d '{"id":"q1","query":"passeur libye italie prix","locale":"fr"}' \
  "http://127.0.0.1:$port/v1/search:check" | sed -n '/Summary/,/Requests\/sec/p;/Response time distribution/,/99.99/p;/Status code distribution/,$p'
