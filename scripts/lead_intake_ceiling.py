#!/usr/bin/env python3
"""PostgreSQL's own ceiling for one single-lead intake (issue #10's benchmark).

Reads a PostgreSQL statement log written with `log_statement = 'all'` while the server took
single leads in (scripts/lead-intake-ceiling.sh does that), picks the last single intake that
created its customer, and writes it out as pgbench scripts that replay the same statements with
fresh ids, phones and source ids on every run. pgbench (C, prepared statements) then drives
PostgreSQL with no application server at all: what it measures is the most any server could
get out of this database for this transaction on this machine.

    python3 scripts/lead_intake_ceiling.py STATEMENT_LOG DATABASE OUT_DIR

Writes three scripts to OUT_DIR:
- as-is.sql: the transaction as the server runs it, statement by statement;
- folded.sql: the same reads, then every write in one statement (data-modifying CTEs), to
  show what fewer round trips would give;
- without-audit-outbox.sql: as-is without the audit lines and outbox events, to show what
  writing fewer rows per lead would give.
"""

import re
import sys
from datetime import datetime, timezone

LINE = re.compile(
    r"^(\S+ \S+) UTC \[(\d+)\] \S+@(\S+) (LOG|DETAIL):  (.*)$"
)
PARAM = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")
PARAM_REF = re.compile(r"\$(\d+)")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
HEX64 = re.compile(r"[0-9a-f]{64}")


def transactions(path, database):
    """Each transaction of `database` in the log: its BEGIN time and its statements with their
    parameters as SQL literals, per backend (the log interleaves backends)."""
    entries, last = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = LINE.match(line)
            if m:
                last = [m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)]
                entries.append(last)
            elif last is not None and line.startswith("\t"):
                last[4] += "\n" + line[1:]
    open_tx, done = {}, []
    for when, pid, db, kind, text in entries:
        if db != database:
            continue
        if kind == "LOG" and text == "statement: BEGIN":
            open_tx[pid] = (when, [])
        elif kind == "LOG" and text == "statement: COMMIT":
            if pid in open_tx:
                done.append(open_tx.pop(pid))
        elif pid in open_tx:
            statements = open_tx[pid][1]
            if kind == "LOG":
                m = re.match(r"(?:execute [^:]+|statement): (.*)$", text, re.S)
                if m:
                    statements.append([m.group(1), {}])
            elif statements and text.startswith("parameters:"):
                statements[-1][1] = {int(p.group(1)): p.group(2) for p in PARAM.finditer(text)}
    return done


def is_single_create(statements):
    """A single lead (no savepoint of the batch door) that created its customer."""
    sql = [s for s, _ in statements]
    return (
        not any(s.startswith("SAVEPOINT") for s in sql)
        and any(s.startswith('INSERT INTO "customers"') for s in sql)
        and sum(s.startswith('INSERT INTO "leads"') for s in sql) == 1
        and sql[-1].startswith('INSERT INTO "notifications"')
    )


def uuid_ms(u):
    return int(u.replace("-", "")[:12], 16)


def literal(value):
    """A parameter as a pgbench-safe literal: pgbench reads `:name` as a variable even inside
    quotes, so colons are written as escapes."""
    if value == "NULL" or ":" not in value:
        return value
    inner = value[1:-1].replace("\\", "\\\\").replace(":", "\\x3a")
    return "E'" + inner + "'"


def replay(begin, statements):
    """The statements with their parameters inlined: rows the transaction created get ids
    fresh on each run (`:r`), phones are new (so the customer is created again), and the
    notification goes to a random member of the routing team as the real rotation does."""
    begin_ms = int(
        datetime.strptime(begin, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
        * 1000
    )
    reads = [p for s, p in statements if not s.startswith("INSERT")]
    read_values = {v for p in reads for v in p.values()}
    team = []
    for s, p in statements:
        if "user_shifts" in s:
            team = [u for v in p.values() if v.startswith("'{") for u in UUID.findall(v)]
    member = "(ARRAY[%s])[:u]" % ", ".join("'%s'" % u for u in team)
    dedupe = next(p for s, p in statements if 'FROM "leads"' in s and len(p) == 3)
    source_lead_id = dedupe[3]
    fresh = {}

    def made_here(u):
        # UUIDv7 carries its creation time: ids younger than the transaction are its own rows
        return uuid_ms(u) >= begin_ms - 500

    def fresh_expr(value):
        return fresh.setdefault(value, "('%d-' || :r::text)" % len(fresh))

    def substitute(sql, params, writing):
        def one(m):
            v = params[int(m.group(1))]
            bare = v[1:-1] if v.startswith("'") else v
            if v == source_lead_id:
                return "('%s-' || :r::text)" % bare.split("-")[0]
            if writing and UUID.fullmatch(bare) and v not in read_values and made_here(bare):
                return fresh_expr(v)
            if writing and HEX64.fullmatch(bare):
                return fresh_expr(v)
            if not writing and HEX64.search(bare):
                # the phone's blind index: a phone nobody has, as a new lead's
                return "ARRAY[md5(:r::text)]" if bare.startswith("{") else "md5(:r::text)"
            if writing and not bare.startswith("{"):
                ids = [u for u in UUID.findall(bare) if made_here(u)]
                if ids:  # a dedupe key such as first_response:<lead id>
                    prefix = bare.split(ids[0])[0]
                    return "(%s || %s)" % (literal("'%s'" % prefix), fresh_expr("'%s'" % ids[0]))
            return literal(v)

        return PARAM_REF.sub(one, sql).replace("\n", " ")

    out = []
    for sql, params in statements:
        writing = sql.startswith("INSERT") or sql.startswith("UPDATE")
        text = substitute(sql, params, writing)
        if sql.startswith('INSERT INTO "notification_counters"'):
            text = re.sub(r"VALUES \('[^']+'", "VALUES (" + member, text, count=1)
            out.append(text + " \\gset")
            continue
        if sql.startswith('INSERT INTO "notifications"'):
            text = re.sub(
                r"^(.*? VALUES \([^,]+, [^,]+, )'[^']+', '\d+'",
                lambda m: m.group(1) + member + ", :last_position",
                text,
                count=1,
            )
        out.append(text + ";")
    head = ["\\set r random(1, 9000000000000)", "\\set u random(1, %d)" % max(1, len(team))]
    return head, out, team


def folded(head, body):
    """Reads as they are; then every write as one statement (the counter's position feeds
    the notification through a CTE instead of a round trip)."""
    reads = [s for s in body if not s.startswith("INSERT")]
    writes = [s for s in body if s.startswith("INSERT")]
    counter = next(s for s in writes if "notification_counters" in s).replace(" \\gset", "")
    notification = next(s for s in writes if s.startswith('INSERT INTO "notifications"'))
    others = [s.rstrip(";") for s in writes if "notification" not in s]
    ctes = ["w%d AS (%s RETURNING 1)" % (i, s) for i, s in enumerate(others)]
    ctes.append("c AS (%s)" % counter)
    last = notification.rstrip(";").replace(":last_position", "(SELECT last_position FROM c)")
    last = last.replace(" VALUES (", " SELECT ", 1)
    last = last[: last.rfind(")")]
    return head + ["BEGIN;"] + reads + ["WITH " + ", ".join(ctes) + " " + last + ";", "COMMIT;"]


def main():
    log, database, out_dir = sys.argv[1:4]
    candidates = [t for t in transactions(log, database) if is_single_create(t[1])]
    if not candidates:
        sys.exit("no single intake that created its customer in the log")
    begin, statements = candidates[-1]
    head, body, team = replay(begin, statements)
    scripts = {
        "as-is.sql": head + ["BEGIN;"] + body + ["COMMIT;"],
        "folded.sql": folded(head, body),
        "without-audit-outbox.sql": head
        + ["BEGIN;"]
        + [s for s in body if not re.match(r'INSERT INTO "(audit_log|outbox_events)"', s)]
        + ["COMMIT;"],
    }
    for name, lines in scripts.items():
        with open(f"{out_dir}/{name}", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(f"{len(statements) + 2} statements in the transaction replayed "
          f"({sum(s.startswith('INSERT') for s, _ in statements)} inserts), "
          f"the notification to one of {len(team)} consultants")


if __name__ == "__main__":
    main()
