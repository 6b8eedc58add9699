#!/usr/bin/env bash
# The single read against the stack's ceiling, measured in one run (DESIGN's item "the single
# read at the speed of the stack"): a bare actix + diesel server reading one row by id
# (CEILING_BIN, built from ../shared/perf-ceiling) and one or more AutoCRM builds
# (`GET /api/v1/customers/{id}` and a 20-row customer page, as the demo admin), on SQLite and
# on PostgreSQL, with the same pool size and wrk flags, ROUNDS times each, interleaved so that
# the machine's mood hits every server alike. Prints the median req/s and the ratio to the
# ceiling.
#
# Environment:
#   CEILING_BIN     the perf-ceiling `api` binary (required)
#   AUTOCRM_BINS    space-separated NAME=PATH pairs, e.g. "before=/tmp/a after=target/release/autocrm"
#   ROUNDS          measurements per server and scenario (default 3)
#   DURATION        seconds per measurement (default 10)
#   CONNECTIONS     wrk connections (default 32), POOL_SIZE (default 4)
#   PG_ADMIN_URL    a PostgreSQL URL allowed to CREATE DATABASE
#   BACKENDS        default "sqlite postgres"
set -euo pipefail

: "${CEILING_BIN:?set CEILING_BIN to the perf-ceiling api binary}"
: "${AUTOCRM_BINS:?set AUTOCRM_BINS to NAME=PATH pairs}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
POOL_SIZE="${POOL_SIZE:-4}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BACKENDS="${BACKENDS:-sqlite postgres}"
WORK="$(mktemp -d -t autocrm-single-read.XXXXXX)"
PIDS=()
DBS=()

pg() { PGOPTIONS="-c client_min_messages=warning" psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 "$@" </dev/null; }
pg_url() { python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN_URL" "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for db in "${DBS[@]}"; do pg -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

wait_up() {
    for _ in $(seq 1 120); do
        curl -fsS --max-time 1 "$1" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "single-read.sh: $1 never answered" >&2
    exit 1
}

# rps URL [TOKEN]: requests per second of one wrk run.
rps() {
    local header=()
    [ -n "${2:-}" ] && header=(-H "Authorization: Bearer $2")
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" "$1" | awk '/Requests\/sec/ {print $2}'
}

database_for() { # backend name -> URL (a fresh database)
    local backend="$1" name="$2"
    case "$backend" in
        sqlite) echo "sqlite://$WORK/$name.db" ;;
        postgres)
            local db="single_read_${name//[^a-z0-9]/_}"
            pg -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
            DBS+=("$db")
            pg_url "$db"
            ;;
    esac
}

RESULTS="$WORK/results.txt"
for backend in $BACKENDS; do
    declare -A URL=() TOKEN=()
    # The ceiling: a file path for SQLite, a URL for PostgreSQL; it seeds 1,000 rows itself.
    port="$(free_port)"
    ceiling_db="$(database_for "$backend" ceiling)"
    [ "$backend" = sqlite ] && ceiling_db="$WORK/ceiling.sqlite"
    DATABASE_URL="$ceiling_db" BIND="127.0.0.1:$port" POOL_SIZE="$POOL_SIZE" "$CEILING_BIN" >"$WORK/ceiling.log" 2>&1 &
    PIDS+=($!)
    wait_up "http://127.0.0.1:$port/health"
    URL[ceiling]="http://127.0.0.1:$port/products/500"
    for pair in $AUTOCRM_BINS; do
        name="${pair%%=*}" bin="${pair#*=}"
        url="$(database_for "$backend" "$name")"
        port="$(free_port)"
        export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$url" AUTOCRM_LISTEN="127.0.0.1:$port" \
            AUTOCRM_LOG=warn AUTOCRM_POOL_SIZE="$POOL_SIZE" AUTOCRM_ACCESS_TOKEN_TTL_SECS=3600
        "$bin" migrate >/dev/null
        "$bin" seed-demo --customers 1000 >/dev/null
        "$bin" serve >"$WORK/$name.log" 2>&1 &
        PIDS+=($!)
        wait_up "http://127.0.0.1:$port/ready"
        base="http://127.0.0.1:$port"
        token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
            -d '{"login":"admin@demo.autocrm.dev","password":"demo2026pass"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
        id="$(curl -fsS "$base/api/v1/customers?limit=1&sort=name" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
        URL["$name"]="$base/api/v1/customers/$id"
        URL["$name list"]="$base/api/v1/customers?limit=20"
        TOKEN["$name"]="$token"
        TOKEN["$name list"]="$token"
    done
    unset AUTOCRM_DEV AUTOCRM_DATABASE_URL AUTOCRM_LISTEN AUTOCRM_LOG AUTOCRM_POOL_SIZE AUTOCRM_ACCESS_TOKEN_TTL_SECS
    for round in $(seq 1 "$ROUNDS"); do
        for key in "${!URL[@]}"; do
            echo "$backend|$key|$(rps "${URL[$key]}" "${TOKEN[$key]:-}")" | tee -a "$RESULTS"
        done
    done
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
    unset URL TOKEN
done

python3 - "$RESULTS" <<'PY'
import statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    backend, key, rps = line.strip().split("|")
    runs[(backend, key)].append(float(rps))
print(f"\n{'backend':<9} {'server':<14} {'median req/s':>13} {'runs':<30} {'of ceiling':>10}")
for backend in sorted({b for b, _ in runs}):
    ceiling = statistics.median(runs[(backend, "ceiling")])
    for (b, key), values in sorted(runs.items()):
        if b != backend:
            continue
        median = statistics.median(values)
        ratio = "" if key.endswith("list") else f"{100 * median / ceiling:.0f} %"
        print(f"{backend:<9} {key:<14} {median:>13,.0f} {', '.join(f'{v:,.0f}' for v in values):<30} {ratio:>10}")
PY
