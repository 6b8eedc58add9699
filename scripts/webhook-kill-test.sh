#!/usr/bin/env bash
# Kill test of webhook delivery (issue #7): with the receiver down and a short retry
# schedule, create N customers (default 1,000), kill -9 the server, restart it, bring the
# receiver up, and check that every customer.created event arrives at least once with a
# valid signature. SQLite by default; DATABASE_URL=postgres://... for PostgreSQL.
# Deliveries that were in flight at the kill stay claimed by the dead node until the job
# lease (5 min) runs out: expect the last few events about 300 s after the restart.
#
#   scripts/webhook-kill-test.sh [N]        (needs target/debug/autocrm: make build)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-1000}"
BIN="${AUTOCRM_BIN:-$REPO_ROOT/target/debug/autocrm}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
hook_port="$(free_port)"
base="http://127.0.0.1:$port"
db="${DATABASE_URL:-sqlite://$work/kill.db}"
server_pid=""
receiver_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
    [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$db" AUTOCRM_LISTEN="127.0.0.1:$port" \
    AUTOCRM_DATA_DIR="$work/data" AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS=true \
    AUTOCRM_WEBHOOK_RETRY_SCHEDULE="${RETRY_SCHEDULE:-1s,2s,5s,10s,20s,30s,60s,120s}" \
    AUTOCRM_LOG=warn
"$BIN" migrate >/dev/null
AUTOCRM_ADMIN_PASSWORD=kill-test-pass-1 "$BIN" bootstrap --org "Kill Test Motors" \
    --admin-email admin@kill.test >/dev/null

start_server() {
    "$BIN" serve >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fsS --max-time 1 "$base/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$work/server.log"; echo "server not ready" >&2; exit 1
}

start_server
token="$(curl -fsS "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"login": "admin@kill.test", "password": "kill-test-pass-1"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
secret="$(curl -fsS "$base/api/v1/webhooks" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:$hook_port/hooks\", \"event_types\": [\"customer.created\"]}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"

started=$(date +%s.%N)
python3 - "$base" "$token" "$N" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def create(i):
    req = urllib.request.Request(f"{base}/api/v1/customers", method="POST",
        data=json.dumps({"name": f"压测客户{i}"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201
with ThreadPoolExecutor(8) as pool:
    list(pool.map(create, range(n)))
PY
created=$(date +%s.%N)
echo "created $N customers in $(python3 -c "print(round($created - $started, 1))") s; receiver down; kill -9 the server"
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

start_server
touch "$work/received.log"
python3 "$REPO_ROOT/scripts/webhook_receiver.py" "$hook_port" "$secret" "$work/received.log" &
receiver_pid=$!
up=$(date +%s.%N)
deadline=$(( $(date +%s) + ${WAIT_SECS:-420} ))
unique=0
elapsed=0
timeline=""
while [ "$(date +%s)" -lt "$deadline" ]; do
    unique="$(cut -d' ' -f1 "$work/received.log" | sort -u | wc -l)" || true
    case "$elapsed" in 5|15|30|60|120|240) timeline="$timeline ${elapsed}s:$unique" ;; esac
    [ "$unique" -ge "$N" ] && break
    sleep 1
    elapsed=$((elapsed + 1))
done
echo "arrived by time after the receiver came up:$timeline"
done_at=$(date +%s.%N)
total="$(wc -l <"$work/received.log")"
bad="$(grep -c ' bad$' "$work/received.log" || true)"
echo "after restart: $unique of $N events arrived ($total deliveries, $((total - unique)) duplicates, $bad bad signatures) $(python3 -c "print(round($done_at - $up, 1))") s after the receiver came up"
[ "$unique" -ge "$N" ] && [ "$bad" -eq 0 ] || { echo "FAILED: events lost or badly signed" >&2; exit 1; }
echo "OK: every event arrived at least once"
