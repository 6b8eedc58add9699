#!/usr/bin/env bash
# Customer–vehicle matching at scale (issue #9): a fresh database, the demo organisation plus
# `autocrm seed-bulk --vehicles` cars in stock and bulk customers, a release server, then
# scripts/vehicle-matching-bench.py (p50/p95/p99 of top-20 matches for customers with needs,
# and of reverse matching for cars).
#
#   scripts/vehicle-matching-bench.sh postgres [VEHICLES] [CUSTOMERS] [REQUESTS]
#   scripts/vehicle-matching-bench.sh sqlite   [VEHICLES] [CUSTOMERS] [REQUESTS]
#
# PG (default postgres://postgres@127.0.0.1:5432) is the PostgreSQL server; KEEP=1 keeps the
# database (PostgreSQL) or the directory (SQLite) for another run with SKIP_SEED=1 DB=...
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="${1:-postgres}"
VEHICLES="${2:-100000}"
CUSTOMERS="${3:-1000000}"
REQUESTS="${4:-200}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${AUTOCRM_BIN:-$REPO_ROOT/target/release/autocrm}"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
case "$BACKEND" in
    postgres)
        dbname="${DB:-autocrm_matching_$$}"
        [ -n "${SKIP_SEED:-}" ] || psql "$PG/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
        url="$PG/$dbname" ;;
    sqlite) url="sqlite://$work/autocrm.db" ;;
    *) echo "backend: postgres or sqlite" >&2; exit 2 ;;
esac
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    if [ -z "${KEEP:-}" ]; then
        [ "$BACKEND" = postgres ] && psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
        [ -z "${WORK:-}" ] && rm -rf "$work"
    else
        echo "kept: ${dbname:-$work}"
    fi
}
trap cleanup EXIT
export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$url" AUTOCRM_LISTEN="127.0.0.1:$port" \
    AUTOCRM_DATA_DIR="$work/data" AUTOCRM_LOG=warn AUTOCRM_RUN_JOBS=false
if [ -z "${SKIP_SEED:-}" ]; then
    "$BIN" migrate >/dev/null
    "$BIN" seed-demo --customers 300 >/dev/null
    /usr/bin/time -f "seed-bulk: %e s wall, %U s user" \
        "$BIN" seed-bulk --vehicles "$VEHICLES" --customers "$CUSTOMERS" --timeline-entries 0 | tee "$work/seed.txt"
fi
"$BIN" serve >>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS --max-time 1 "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
python3 "$REPO_ROOT/scripts/vehicle-matching-bench.py" "http://127.0.0.1:$port" "$REQUESTS"
