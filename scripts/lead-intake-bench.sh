#!/usr/bin/env bash
# Lead intake benchmark (issue #10): sustained single-lead intake (each request one unit of
# work: dedupe, customer attach or create, scoring, routing, first-response task, outbox) and
# batch intake (500 leads per request), against a release build on a fresh database.
#
#   cargo build --release -p autocrm-api --bin autocrm
#   scripts/lead-intake-bench.sh [LEADS] [CLIENTS] [BATCHES]          # PostgreSQL
#   DB=sqlite scripts/lead-intake-bench.sh [LEADS] [CLIENTS] [BATCHES]
#
# Half of the leads name a phone already on file (attach), half a new one (create). Prints
# leads/s with client-side latency percentiles, then batch leads/s; BATCH_CLIENTS=n posts the
# batches from n connections at once (several integrations pushing), 1 by default.
#
# On PostgreSQL the database is ANALYZEd after the customers on file are seeded, as a database
# in service would be (NO_ANALYZE=1 skips it and measures a fresh database's first minute).
#
# Single intake is driven by wrk (`apt-get install wrk`; scripts/lead-intake-wrk.lua) for DURATION
# seconds (20 by default) when it is installed, else by the Python client over LEADS requests
# (LOAD=python forces it): the client shares the two cores with server and database, so it
# must be light: wrk takes about 3 % of one core at 350 leads/s.
# LEADS/2 customers are on file.
#
# PG_PARAMS is appended to the database URL: `PG_PARAMS='?sslmode=disable'` measures a
# single-box install without TLS on loopback (libpq's default, sslmode=prefer, encrypts it).
#
# STATEMENTS=1 (PostgreSQL) logs every statement of the benchmark's database and prints the
# statements per lead of each phase (run it small: `STATEMENTS=1 LOAD=python scripts/lead-intake-bench.sh 40 1 1`;
# the log is PG_LOG, the Debian cluster's by default). SLOW_MS=n logs the statements slower than
# n ms with their durations. KEEP_DB=1 keeps the PostgreSQL database for a look afterwards.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LEADS="${1:-3000}"
CLIENTS="${2:-16}"
BATCHES="${3:-10}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${AUTOCRM_BIN:-$REPO_ROOT/target/release/autocrm}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
base="http://127.0.0.1:$port"
dbname="autocrm_leadbench_$$"
if [ "${DB:-postgres}" = sqlite ]; then
    url="sqlite://$work/bench.db"
else
    psql "$PG/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
    url="$PG/$dbname${PG_PARAMS:-}"
    [ -n "${NO_ANALYZE:-}" ] || export BENCH_ANALYZE="$url"
fi
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ "${DB:-postgres}" = sqlite ] || [ -n "${KEEP_DB:-}" ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    [ -z "${KEEP_DB:-}" ] || echo "kept database $dbname" >&2
    rm -rf "$work"
}
trap cleanup EXIT
export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$url" AUTOCRM_LISTEN="127.0.0.1:$port" \
    AUTOCRM_DATA_DIR="$work/data" AUTOCRM_LOG=warn AUTOCRM_RUN_JOBS=false \
    AUTOCRM_RATE_LIMIT_PER_MINUTE="${AUTOCRM_RATE_LIMIT_PER_MINUTE:-1000000}" \
    AUTOCRM_RATE_LIMIT_BURST="${AUTOCRM_RATE_LIMIT_BURST:-100000}"
"$BIN" migrate >/dev/null
if [ -n "${SLOW_MS:-}" ]; then
    psql "$PG/postgres" -qc "ALTER DATABASE $dbname SET log_min_duration_statement = ${SLOW_MS}" >/dev/null
fi
if [ -n "${STATEMENTS:-}" ]; then
    psql "$PG/postgres" -qc "ALTER DATABASE $dbname SET log_statement = 'all'" >/dev/null
    export BENCH_PG_LOG="${PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log | head -1)}" BENCH_DB="$dbname"
fi
AUTOCRM_ADMIN_PASSWORD=bench-pass-123 "$BIN" bootstrap --org "Bench Motors" --admin-email admin@bench.test >/dev/null
"$BIN" serve >>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS --max-time 1 "$base/ready" >/dev/null 2>&1 && break; sleep 0.1; done

REPO_ROOT="$REPO_ROOT" python3 - "$base" "$LEADS" "$CLIENTS" "$BATCHES" <<'PY'
import http.client, json, os, sys, threading, time, urllib.parse
base, n, clients, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
host = urllib.parse.urlsplit(base)
LOG, DBNAME = os.environ.get("BENCH_PG_LOG"), os.environ.get("BENCH_DB")
def log_mark():
    return os.path.getsize(LOG) if LOG else 0
def statements_since(mark, leads, phase):
    if not LOG:
        return
    time.sleep(0.5)  # the server's log lines reach the file asynchronously
    with open(LOG, "rb") as f:
        f.seek(mark)
        tag = f"@{DBNAME} LOG:  ".encode()
        count = sum(1 for line in f if tag + b"statement:" in line or tag + b"execute" in line)
    print(f"{phase}: {count} statements, {count / leads:.1f} per lead")
def conn():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=60)
def call(c, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)
c = conn()
_, t = call(c, "POST", "/api/v1/auth/login", {"login": "admin@bench.test", "password": "bench-pass-123"})
token = t["access_token"]
_, store = call(c, "POST", "/api/v1/stores", {"name": "压测店", "city": "上海"}, token)
team = []
for i in range(6):
    s, u = call(c, "POST", "/api/v1/users", {"name": f"顾问{i}", "email": f"c{i}@bench.test",
        "role": "sales_consultant", "store_id": store["id"], "password": "bench-pass-123"}, token)
    team.append(u["id"])
s, _ = call(c, "PUT", "/api/v1/settings/lead-routing", {"rules": [{"name": "轮询", "team": team,
    "strategy": "round_robin"}]}, token)
assert s == 200, s
# Customers already on file, for half of the leads to attach to.
existing = n // 2
for i in range(0, existing, 500):
    items = [{"source": "erp_import", "customer": {"name": f"老客户{j}", "phone": f"1380{j:07d}"}}
             for j in range(i, min(existing, i + 500))]
    s, _ = call(c, "POST", "/api/v1/leads/batch", {"items": items}, token)
    assert s == 200, s
if os.environ.get("BENCH_ANALYZE"):
    # A database in service has planner statistics. A fresh one gets them from autovacuum only
    # after a minute or so, and until then each connection keeps the plans it made for empty
    # tables, foreign-key checks included (a sequential scan of `customers` for every row
    # inserted); those would be measured instead of intake. NO_ANALYZE=1 shows that state.
    import subprocess
    subprocess.run(["psql", os.environ["BENCH_ANALYZE"], "-qc", "ANALYZE"], check=True)

def lead(i):
    phone = f"1380{i // 2:07d}" if i % 2 == 0 else f"1390{i:07d}"
    return {"source": "autohome", "source_lead_id": f"AH-{i}", "store_id": store["id"],
            "customer": {"name": f"客户{i}", "phone": phone},
            "wanted": {"condition": "new", "brand": "比亚迪", "model": "汉EV", "budget_max_cents": 25_000_000},
            "timeframe": ["within_7_days", "within_15_days", "within_30_days", "later"][i % 4]}

latencies, errors, lock = [], [], threading.Lock()
def worker(k):
    c = conn()
    for i in range(k, n, clients):
        t0 = time.perf_counter()
        s, body = call(c, "POST", "/api/v1/leads", lead(i), token)
        dt = time.perf_counter() - t0
        with lock:
            latencies.append(dt)
            if s != 201:
                errors.append((s, body))
import shutil, subprocess
load = os.environ.get("LOAD") or ("wrk" if shutil.which("wrk") else "python")
mark = log_mark()
if load == "wrk":
    # wrk (C, LuaJIT) spends a small fraction of the CPU the Python client does per request,
    # and this machine's two cores are shared by client, server and PostgreSQL.
    duration = int(os.environ.get("DURATION", "20"))
    lua = os.path.join(os.environ["REPO_ROOT"], "scripts", "lead-intake-wrk.lua")
    env = dict(os.environ, TOKEN=token, STORE=store["id"], EXISTING=str(existing))
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{duration}s", "--timeout", "10s",
                          "-s", lua, f"{base}/api/v1/leads"], env=env, capture_output=True,
                         text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK "))
    f = line.split()
    stats = dict(zip(f[1::2], f[2::2]))
    done = int(stats["requests"])
    print(f"single intake (wrk, {duration} s): {done} leads, {clients} clients: {stats['rate']} leads/s; "
          f"p50 {stats['p50']} ms, p95 {stats['p95']} ms, p99 {stats['p99']} ms, max {stats['max']} ms; "
          f"errors {int(stats['errors']) + int(stats['non2xx'])}")
    if int(stats["errors"]) or int(stats["non2xx"]):
        print(out)
    statements_since(mark, done, "single intake")
else:
    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for th in threads: th.start()
    for th in threads: th.join()
    elapsed = time.time() - t0
    latencies.sort()
    pct = lambda p: 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]
    print(f"single intake: {n} leads, {clients} clients: {n / elapsed:.0f} leads/s; "
          f"p50 {pct(0.50):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms; errors {len(errors)}")
    if errors: print(errors[:3])
    statements_since(mark, n, "single intake")

batch_clients = int(os.environ.get("BATCH_CLIENTS", "1"))
bodies = [{"items": [{"source": "car_show", "source_lead_id": f"CS-{b}-{j}", "store_id": store["id"],
                      "customer": {"name": f"车展{b}-{j}", "phone": f"137{b:02d}{j:06d}"},
                      "timeframe": "within_30_days"} for j in range(500)]} for b in range(batches)]
def batch_worker(k):
    c = conn()
    for b in range(k, batches, batch_clients):
        s, body = call(c, "POST", "/api/v1/leads/batch", bodies[b], token)
        with lock:
            if not (s == 200 and body["created"] == 500):
                errors.append((s, body and {k: body.get(k) for k in ("created", "refused")}))
errors = []
mark = log_mark()
t0 = time.time()
threads = [threading.Thread(target=batch_worker, args=(k,)) for k in range(batch_clients)]
for th in threads: th.start()
for th in threads: th.join()
elapsed = time.time() - t0
total = 500 * batches
assert not errors, errors[:3]
print(f"batch intake: {batches} batches of 500 from {batch_clients} client(s): {total / elapsed:.0f} leads/s "
      f"({elapsed / batches * batch_clients * 1000:.0f} ms per batch)")
statements_since(mark, total, "batch intake")
PY
