#!/usr/bin/env bash
# Webhook benchmark (issue #7): (1) deliveries per second from one node to a fast loopback
# receiver, and (2) create-request throughput with no subscription and jobs off versus an
# active subscription delivering every event. PostgreSQL; release build.
#
#   PG=postgres://postgres@127.0.0.1:5432 scripts/webhook-bench.sh [EVENTS] [CREATES]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENTS="${1:-3000}"
CREATES="${2:-2000}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${AUTOCRM_BIN:-$REPO_ROOT/target/release/autocrm}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"; hook_port="$(free_port)"
base="http://127.0.0.1:$port"
dbname="autocrm_bench_$$"
psql "$PG/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
server_pid=""; receiver_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null || true
    [ -n "${KEEP_DB:-}" ] && echo "kept database $dbname" || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$PG/$dbname" AUTOCRM_LISTEN="127.0.0.1:$port" \
    AUTOCRM_DATA_DIR="$work/data" AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS=true AUTOCRM_LOG=warn
"$BIN" migrate >/dev/null
AUTOCRM_ADMIN_PASSWORD=bench-pass-123 "$BIN" bootstrap --org "Bench Motors" --admin-email admin@bench.test >/dev/null

start_server() {
    "$BIN" serve >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do curl -fsS --max-time 1 "$base/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
    cat "$work/server.log"; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
login() {
    curl -fsS "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"login": "admin@bench.test", "password": "bench-pass-123"}' |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
creates() { # N label [clients] -> prints requests/s
    python3 - "$base" "$token" "$1" "$2" "${3:-8}" <<'PY'
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, token, n, label, clients = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def create(i):
    req = urllib.request.Request(f"{base}/api/v1/customers", method="POST",
        data=json.dumps({"name": f"{label}客户{i}"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201
t = time.time()
with ThreadPoolExecutor(clients) as pool:
    list(pool.map(create, range(n)))
print(round(n / (time.time() - t), 1))
PY
}

python3 "$REPO_ROOT/scripts/fast_receiver.py" "$hook_port" "$work/state" &
receiver_pid=$!

# (2a) creates with no subscription and no background jobs (the outbox row is still written).
AUTOCRM_RUN_JOBS=false start_server
token="$(login)"
creates 200 warm >/dev/null
metric() { curl -fsS "$base/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
route='autocrm_http_request_duration_seconds_sum{route="/api/v1/customers"}'
route_n='autocrm_http_request_duration_seconds_count{route="/api/v1/customers"}'
before=("$(metric autocrm_event_write_seconds_total)" "$(metric autocrm_event_writes_total)" "$(metric "$route")" "$(metric "$route_n")")
creates 1000 s 1 >/dev/null
after=("$(metric autocrm_event_write_seconds_total)" "$(metric autocrm_event_writes_total)" "$(metric "$route")" "$(metric "$route_n")")
# The event's share of a create request, measured inside the server: the envelope and the
# outbox row (timed around both in the change's transaction) against the request's latency.
python3 - "${before[@]}" "${after[@]}" <<'PY'
import sys
b, a = [float(x) for x in sys.argv[1:5]], [float(x) for x in sys.argv[5:9]]
ev_s, ev_n, rq_s, rq_n = (a[i] - b[i] for i in range(4))
print(f"event write: {1e6 * ev_s / ev_n:.0f} µs per event ({ev_n:.0f} events); create request: "
      f"{1e6 * rq_s / rq_n:.0f} µs mean ({rq_n:.0f} requests, one client); "
      f"the event's share: {100 * ev_s / rq_s:.1f} %")
PY
plain="$(creates "$CREATES" a)"
stop_server

# (1) deliveries/s: queue EVENTS deliveries at once by replaying published events.
start_server
token="$(login)"
hook="$(curl -fsS "$base/api/v1/webhooks" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:$hook_port/hooks\", \"active\": false}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["webhook"]["id"])')"
have="$(psql "$PG/$dbname" -tAc 'SELECT count(*) FROM outbox_events')"
[ "$have" -lt "$EVENTS" ] && creates "$((EVENTS - have))" b >/dev/null
# Wait for the relay to publish them all.
for _ in $(seq 1 120); do
    left="$(psql "$PG/$dbname" -tAc 'SELECT count(*) FROM outbox_events WHERE published_at IS NULL')"
    [ "$left" -eq 0 ] && break; sleep 0.5
done
curl -fsS -X PATCH "$base/api/v1/webhooks/$hook" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"active": true}' >/dev/null
t0="$(python3 -c 'import time; print(time.time())')"
python3 - "$base" "$token" "$hook" "$EVENTS" "$PG/$dbname" <<'PY'
import json, subprocess, sys, urllib.request
base, token, hook, n, db = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ids = subprocess.run(["psql", db, "-tAc", f"SELECT id FROM outbox_events ORDER BY feed_position LIMIT {n}"],
                     capture_output=True, text=True, check=True).stdout.split()
# Replay in ranges of creation time, at most 1,000 events each.
rows = subprocess.run(["psql", db, "-tAc",
    f"SELECT to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM outbox_events ORDER BY created_at LIMIT {n}"],
    capture_output=True, text=True, check=True).stdout.split()
queued = 0
for i in range(0, len(rows), 1000):
    chunk = rows[i:i + 1000]
    since = chunk[0]
    until = rows[i + 1000] if i + 1000 < len(rows) else "2100-01-01T00:00:00Z"
    req = urllib.request.Request(f"{base}/api/v1/webhooks/{hook}/replay", method="POST",
        data=json.dumps({"since": since, "until": until}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        queued += json.load(r)["queued"]
print(queued, file=open("/dev/stderr", "w"))
PY
for _ in $(seq 1 600); do
    read -r count unique first last <"$work/state" || true
    [ "${count:-0}" -ge "$EVENTS" ] && break; sleep 0.2
done
read -r count unique first last <"$work/state"
rate="$(python3 -c "print(round($count / ($last - $t0), 1))")"
burst="$(python3 -c "print(round($count / ($last - $first), 1))")"
echo "deliveries: $count ($unique distinct) in $(python3 -c "print(round($last - $t0, 2))") s from the first replay request: $rate/s (first to last arrival: $burst/s)"

# (2b) creates while an active subscription gets every event.
relayed_before="$count"
with_hooks="$(creates "$CREATES" c)"
echo "create requests/s: $plain with no subscription and jobs off; $with_hooks with jobs on and every event delivered"
python3 -c "print('added cost: ' + str(round(100 * (1 - $with_hooks / $plain), 1)) + ' %')"
