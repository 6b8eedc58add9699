#!/usr/bin/env bash
# PostgreSQL's own ceiling for single-lead intake (issue #10): how many of our intake
# transactions per second the database can run on this machine when no application server
# takes any CPU. Compare it with scripts/lead-intake-bench.sh run right before or after.
#
#   cargo build --release -p autocrm-api --bin autocrm
#   scripts/lead-intake-ceiling.sh [CLIENTS] [DURATION] [ROUNDS]
#
# How: scripts/lead-intake-bench.sh takes a few hundred leads in with every statement logged
# (STATEMENTS=1, KEEP_DB=1); scripts/lead_intake_ceiling.py turns the last single intake that
# created its customer into pgbench scripts with fresh ids each run; pgbench (C, prepared
# statements, CLIENTS connections, 16 by default) replays them on that database for DURATION
# seconds (15), alternating the variants for ROUNDS rounds (2):
#   as-is                 the transaction as the server runs it (22 statements)
#   folded                the same reads, every write in one statement
#   without-audit-outbox  as-is without the audit lines and outbox events
# Needs pgbench (Debian: postgresql-client) and the cluster's log file readable (PG_LOG).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENTS="${1:-16}"
DURATION="${2:-15}"
ROUNDS="${3:-2}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
PG_LOG="${PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log | head -1)}"
command -v pgbench >/dev/null || { echo "pgbench not found (apt-get install postgresql-client)" >&2; exit 2; }
work="$(mktemp -d)"
dbname=""
cleanup() {
    [ -z "$dbname" ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

mark="$(stat -c %s "$PG_LOG")"
STATEMENTS=1 KEEP_DB=1 LOAD=python PG_PARAMS='?sslmode=disable' \
    "$REPO_ROOT/scripts/lead-intake-bench.sh" "${LEADS:-400}" 1 1 >"$work/bench.out" 2>&1
dbname="$(sed -n 's/^kept database //p' "$work/bench.out")"
[ -n "$dbname" ] || { cat "$work/bench.out" >&2; exit 1; }
sleep 1  # the last statements reach the log asynchronously
tail -c +"$((mark + 1))" "$PG_LOG" >"$work/statements.log"
# pgbench must not be logged statement by statement, and the planner needs statistics.
psql "$PG/postgres" -qc "ALTER DATABASE $dbname RESET log_statement" >/dev/null
psql "$PG/$dbname" -qc "ANALYZE" >/dev/null
python3 "$REPO_ROOT/scripts/lead_intake_ceiling.py" "$work/statements.log" "$dbname" "$work"

conn="host=127.0.0.1 user=postgres dbname=$dbname sslmode=disable"
for variant in as-is folded without-audit-outbox; do
    pgbench -n -M prepared -c1 -t3 -f "$work/$variant.sql" "$conn" >"$work/check.out" 2>&1 ||
        { cat "$work/check.out" >&2; exit 1; }
done
for round in $(seq 1 "$ROUNDS"); do
    for variant in as-is folded without-audit-outbox; do
        tps="$(pgbench -n -M prepared -c"$CLIENTS" -j2 -T"$DURATION" -f "$work/$variant.sql" "$conn" 2>&1 |
            sed -n 's/^tps = \([0-9.]*\).*/\1/p')"
        printf 'round %s  %-22s %6.0f transactions/s\n' "$round" "$variant" "$tps"
    done
done
