#!/usr/bin/env bash
# Load-test a release build on SQLite and on PostgreSQL, one after the other, with scripts/load.sh.
#
# Starts each server itself on a free loopback port (dev mode, demo data), runs the load, stops it.
# SQLite lives in a temporary directory; PostgreSQL gets a fresh database that is dropped afterwards.
#
# Environment:
#   PG_ADMIN_URL     a PostgreSQL URL allowed to CREATE DATABASE (default postgres://postgres@127.0.0.1:5432/postgres)
#   LOAD_DB          the scratch database's name (default autocrm_load; dropped and recreated)
#   LOAD_CUSTOMERS   demo customers to seed (default 1000)
#   BACKENDS         which to run (default "sqlite postgres")
#   AUTOCRM_BIN      use this binary instead of building target/release/autocrm
#   DURATION, CONNECTIONS, THREADS   passed to scripts/load.sh
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
LOAD_DB="${LOAD_DB:-autocrm_load}"
LOAD_CUSTOMERS="${LOAD_CUSTOMERS:-1000}"
BACKENDS="${BACKENDS:-sqlite postgres}"

die() { echo "load-both.sh: $*" >&2; exit 1; }
[[ "$LOAD_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "LOAD_DB must be a plain lower-case identifier"

BUILD_KIND="given binary"
if [ -z "${AUTOCRM_BIN:-}" ]; then
    BUILD_KIND=release
    echo "==> cargo build --release -p autocrm-api"
    (cd "$REPO_ROOT" && cargo build --release -p autocrm-api --bin autocrm)
    AUTOCRM_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/autocrm"
fi
[ -x "$AUTOCRM_BIN" ] || die "no binary at $AUTOCRM_BIN"

WORK="$(mktemp -d -t autocrm-load.XXXXXX)"
RESULTS="$REPO_ROOT/.load/both-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
SERVER_PID=""
PG_CREATED=""

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

drop_pg() {
    if [ -n "$PG_CREATED" ]; then
        pg -c "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" || true
        PG_CREATED=""
    fi
}

cleanup() {
    stop_server
    drop_pg
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg() {
    PGOPTIONS="-c client_min_messages=warning" psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 "$@" </dev/null
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# load_backend NAME DATABASE_URL
load_backend() {
    local name="$1" url="$2" port log
    port="$(free_port)"
    log="$WORK/$name-server.log"
    echo
    echo "======== $name ========"
    export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$url" AUTOCRM_LISTEN="127.0.0.1:$port" AUTOCRM_LOG=warn
    "$AUTOCRM_BIN" migrate
    "$AUTOCRM_BIN" seed-demo --customers "$LOAD_CUSTOMERS" >"$WORK/$name-seed.txt"
    head -n 1 "$WORK/$name-seed.txt"
    "$AUTOCRM_BIN" serve >"$log" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 60); do
        curl -fsS --max-time 1 "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "$name server exited"; }
        sleep 0.5
    done
    curl -fsS --max-time 2 "http://127.0.0.1:$port/ready" >/dev/null || { cat "$log" >&2; die "$name server not ready"; }
    BASE_URL="http://127.0.0.1:$port" LABEL="$name ($BUILD_KIND, $LOAD_CUSTOMERS customers)" \
        RESULTS_DIR="$RESULTS/$name" "$REPO_ROOT/scripts/load.sh"
    stop_server
    unset AUTOCRM_DEV AUTOCRM_DATABASE_URL AUTOCRM_LISTEN AUTOCRM_LOG
}

for backend in $BACKENDS; do
    case "$backend" in
        sqlite)
            load_backend sqlite "sqlite://$WORK/autocrm.db"
            ;;
        postgres)
            command -v psql >/dev/null || die "psql is needed for the PostgreSQL run"
            pg -c "DROP DATABASE IF EXISTS $LOAD_DB WITH (FORCE)" -c "CREATE DATABASE $LOAD_DB"
            PG_CREATED=1
            pg_url="$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN_URL" "$LOAD_DB")"
            load_backend postgres "$pg_url"
            drop_pg
            ;;
        *)
            die "unknown backend $backend (sqlite or postgres)"
            ;;
    esac
done

echo
echo "======== results ========"
cat "$RESULTS"/*/*-summary.txt
echo "(raw output in $RESULTS)"
