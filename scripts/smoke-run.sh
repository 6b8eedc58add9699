#!/usr/bin/env bash
# Proves the README's first promise: `make run` on a fresh checkout serves the demo.
# Starts `make run` on a scratch SQLite file and a free port, logs in as the demo admin,
# lists customers, and stops the server. Used by .ci/run after `make test`.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$work/run.log"

cd "$REPO_ROOT"
AUTOCRM_DATA_DIR="$work/data" setsid make run DATABASE_URL="sqlite://$work/demo.db" LISTEN="127.0.0.1:$port" DEMO_CUSTOMERS=50 \
    >"$log" 2>&1 </dev/null &
pid=$!
stop() {
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT

for _ in $(seq 1 300); do
    curl -fsS --max-time 2 "$base/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "make run exited early" >&2; exit 1; }
    sleep 1
done
curl -fsS --max-time 2 "$base/ready" >/dev/null || { cat "$log"; echo "not ready after 300 s" >&2; exit 1; }

token="$(curl -fsS --max-time 10 "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"login": "admin@demo.autocrm.dev", "password": "demo2026pass"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
count="$(curl -fsS --max-time 10 "$base/api/v1/customers?limit=200" -H "Authorization: Bearer $token" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"
# The 50 seeded customers, and the prospects the demo leads brought in.
[ "$count" -gt 50 ] || { echo "expected the 50 demo customers and the demo leads' prospects, got $count" >&2; exit 1; }
leads="$(curl -fsS --max-time 10 "$base/api/v1/leads?status=all&limit=200" -H "Authorization: Bearer $token" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"
[ "$leads" -ge 36 ] || { echo "expected the demo leads, got $leads" >&2; exit 1; }
# The newest demo customer has a contract and an ID photo; the contract comes back as a PDF.
first="$(curl -fsS --max-time 10 "$base/api/v1/customers?limit=1" -H "Authorization: Bearer $token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"
files="$(curl -fsS --max-time 10 "$base/api/v1/attachments?owner_type=customer&owner_id=$first" \
    -H "Authorization: Bearer $token")"
pdf="$(python3 -c 'import json, sys; print([i["content_url"] for i in json.loads(sys.argv[1])["items"] if i["content_type"] == "application/pdf"][0])' "$files")"
curl -fsS --max-time 10 "$base$pdf" -H "Authorization: Bearer $token" -o "$work/contract.pdf"
head="$(head -c 5 "$work/contract.pdf")"
[ "$head" = "%PDF-" ] || { echo "the demo contract did not come back as a PDF" >&2; exit 1; }
entries="$(curl -fsS --max-time 10 "$base/api/v1/audit-log?limit=200" -H "Authorization: Bearer $token" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"
[ "$entries" -gt 50 ] || { echo "expected the demo audit trail, got $entries entries" >&2; exit 1; }
echo "make run: demo server on $base answered the login, listed $count customers and $leads leads, served a demo attachment and $entries audit entries"
