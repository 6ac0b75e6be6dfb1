#!/usr/bin/env bash
# The reviewer console under load: pages a reviewer opens, over loopback, with a real session.
#   1. GET /console                          (queue summaries)
#   2. GET /console/queues/extortion.ransom  (200 waiting cases, each with its item)
#   3. GET /console/cases/N                  (item, decision, author history, linked items,
#                                             audit trail, evidence re-analysed and highlighted)
#   4. GET /console/search?by=phone&q=...    (items sharing a number)
# on a store holding CASES ransom cases (default 5,000) that share a few phone numbers.
#
#   bash bench/server/console.sh [SECONDS] [CASES]
#
# Needs wrk (apt-get install wrk). Server and load generator share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-10}"
cases="${2:-5000}"
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 2; }
. bench/server/common.sh
ingest=$("$bin" token create --data "$data" --scope ingest --name platform)
review=$("$bin" token create --data "$data" --scope review --name bench-reviewer)
serve

# Invented ransom messages in three languages, 50 phone numbers shared between them.
python3 - "$cases" > "$data/items.jsonl" <<'PY'
import json, sys
texts = [
    "أخوك عندنا في بني وليد. ادفع {n} دولار خلال ثلاثة أيام وإلا سنقتله. اتصل على +218 91 234 {p:04d}",
    "Votre frère est avec nous à Sabha. Payez {n} euros la rançon sinon il va mourir. Appelez le +218 92 555 {p:04d}",
    "Your son is with us. Pay the ransom of {n} dollars or we kill him. Send it by Western Union, call +218 94 111 {p:04d}",
]
for i in range(int(sys.argv[1])):
    text = texts[i % 3].format(n=1000 + i % 4000, p=i % 50)
    print(json.dumps({"id": f"c-{i}", "kind": "message", "text": text, "author": {"id": f"acct-{i % 300}"}}, ensure_ascii=False))
PY
split -l 1000 "$data/items.jsonl" "$data/batch-"
for f in "$data"/batch-*; do
  curl -sf -H "Authorization: Bearer $ingest" -H "Content-Type: application/x-ndjson" \
    --data-binary @"$f" "$base/v1/items:batch" > /dev/null
done

# Sign in as a browser does: the form's CSRF and its double-submit cookie, then the session
# cookie (read from the headers: the cookies are Secure, and curl keeps those for HTTPS only).
login=$(curl -sf -D - "$base/console/login")
csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<< "$login" | cut -d'"' -f4)
pre=$(grep -io 'set-cookie: vigie_login=[0-9a-f]*' <<< "$login" | cut -d' ' -f2)
session=$(curl -s -o /dev/null -D - -H "Cookie: $pre" --data-urlencode "token=$review" \
  --data "csrf=$csrf" "$base/console/login" | grep -io 'set-cookie: vigie_session=vgs_[0-9a-f]*' \
  | cut -d= -f2)
[ -n "$session" ] || { echo "sign-in failed" >&2; exit 1; }
case_id=$(curl -sf -H "Authorization: Bearer $review" "$base/v1/cases?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cases"][0]["id"])')

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); nproc $(nproc); $cases cases stored"
for path in "/console" "/console/queues/extortion.ransom" "/console/cases/$case_id" \
    "/console/search?by=phone&q=%2B218912340007"; do
  echo
  echo "== GET $path ($secs s, 2 threads, 16 connections)"
  wrk -t2 -c16 -d"${secs}s" --latency -H "Cookie: vigie_session=$session" "$base$path" \
    | grep -E "Requests/sec|50%|99%|Non-2xx"
done
