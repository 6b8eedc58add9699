#!/usr/bin/env bash
# Fuzzes every operation of the OpenAPI document, as an integrator's tooling or an outside tester
# would: schemathesis generates requests from each operation's schema (valid ones, and the edge
# cases of each field) and sends them to a server on a fresh demo database: as the demo admin,
# and the customer self-service operations as a demo customer.
# Fails on any 5xx answer or panic. Used by .ci/run after `make test`.
#
#   scripts/fuzz-openapi.sh [sqlite|postgres]
#
# EXAMPLES (default 10) requests per operation and phase; SEED fixes the generation (a failure
# prints the seed and a curl line to replay it); AUTOCRM_BIN the server (target/debug/autocrm,
# built when missing); PG the PostgreSQL server for `postgres` (a scratch database, dropped).
# FUZZ_LOG=path keeps schemathesis' report. schemathesis is installed with pip into
# target/fuzz-venv on first use.
#
# Left out, with tests of their own for their input:
# - POST /api/v1/customer-auth/wechat answers 503 when WeChat's API cannot be reached, which is
#   this sandbox's normal state (no internet): the truth about a gateway, not about the input;
# - GET /api/v1/me/notifications/stream is an event stream that stays open while the token
#   lives: every request would wait out the timeout.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND="${1:-sqlite}"
EXAMPLES="${EXAMPLES:-10}"
SEED="${SEED:-20261208}"
SCHEMATHESIS_VERSION=4.32.5
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${AUTOCRM_BIN:-$REPO_ROOT/target/debug/autocrm}"
venv="$REPO_ROOT/target/fuzz-venv"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
[ -x "$BIN" ] || (cd "$REPO_ROOT" && cargo build -q -p autocrm-api --bin autocrm)

dbname="autocrm_fuzz_$$"
case "$BACKEND" in
    sqlite) url="sqlite://$work/fuzz.db" ;;
    postgres)
        psql "$PG/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
        url="$PG/$dbname" ;;
    *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
server_pid=""
cleanup() {
    [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }
    [ "$BACKEND" != postgres ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# The fuzzer is one busy client: the rate limit would answer most of its requests with 429 and
# leave the operations behind it untested, and the admin's token must outlive the run.
export AUTOCRM_DEV=true AUTOCRM_DATABASE_URL="$url" AUTOCRM_LISTEN="127.0.0.1:$port" \
    AUTOCRM_DATA_DIR="$work/data" AUTOCRM_LOG=warn \
    AUTOCRM_RATE_LIMIT_PER_MINUTE=1000000 AUTOCRM_RATE_LIMIT_BURST=100000 \
    AUTOCRM_ACCESS_TOKEN_TTL_SECS=7200
"$BIN" migrate >/dev/null 2>&1
"$BIN" seed-demo --customers 50 >/dev/null 2>&1
"$BIN" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS --max-time 1 "$base/ready" >/dev/null 2>&1 && break; sleep 0.2; done
token="$(curl -fsS --max-time 30 "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"login": "admin@demo.autocrm.dev", "password": "demo2026pass"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

# The customer self-service operations (/api/v1/me/... of mini-programs) take a customer token,
# which comes from an SMS or WeChat sign-in; on this dev server one is signed for a demo customer
# instead, with the secret the server uses: the marked dev default unless the environment sets one.
rust_const() { sed -n "s/^pub const $2: &str = \"\(.*\)\";$/\1/p" "$REPO_ROOT/$1"; }
secret="${AUTOCRM_JWT_SECRET:-$(rust_const crates/api/src/config.rs DEV_JWT_SECRET)}"
issuer="$(rust_const crates/api/src/auth/jwt.rs ISSUER)"
[ -n "$secret" ] && [ -n "$issuer" ] || { echo "DEV_JWT_SECRET or ISSUER not found in the source" >&2; exit 1; }
customer_token="$(curl -fsS --max-time 30 "$base/api/v1/customers?limit=1" -H "Authorization: Bearer $token" |
    python3 -c '
import base64, hashlib, hmac, json, sys, time, uuid
token, secret, issuer = sys.argv[1:4]
admin = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
customer = json.load(sys.stdin)["items"][0]["id"]
now = int(time.time())
claims = {"sub": customer, "org": admin["org"], "role": "customer", "iss": issuer,
          "iat": now, "exp": now + 7200, "jti": str(uuid.uuid4())}
b64 = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).rstrip(b"=")
signing = b64({"alg": "HS256", "typ": "JWT"}) + b"." + b64(claims)
signature = hmac.new(secret.encode(), signing, hashlib.sha256).digest()
print((signing + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode())
' "$token" "$secret" "$issuer")"
curl -fsS --max-time 30 -o /dev/null "$base/api/v1/me/customer" -H "Authorization: Bearer $customer_token" ||
    { echo "the customer token was refused" >&2; exit 1; }

self_service='^/api/v1/me/(customer|garage|consents|test-drives|behavior-events)'
fuzz() (
    # schemathesis keeps a cache in the working directory: the scratch one, not the checkout.
    cd "$work" && "$venv/bin/st" run "$base/api-docs/openapi.json" \
        --checks not_a_server_error \
        --exclude-path /api/v1/customer-auth/wechat \
        --exclude-path /api/v1/me/notifications/stream \
        --max-examples "$EXAMPLES" --seed "$SEED" --workers 1 --request-timeout 60 \
        --continue-on-failure --no-color "$@" 2>&1 || true
)
{
    fuzz --header "Authorization: Bearer $token" --exclude-path-regex "$self_service"
    fuzz --header "Authorization: Bearer $customer_token" --include-path-regex "$self_service"
} >"$work/fuzz.log"
[ -z "${FUZZ_LOG:-}" ] || cp "$work/fuzz.log" "$FUZZ_LOG"
# A failed check is ours; an error inside the tool (it has crashed in its own schema walking)
# leaves an operation less tested and is reported, not failed on.
failed=0
grep -q "^=* FAILURES =*$" "$work/fuzz.log" && failed=1
[ "$(grep -cE "^ *[0-9]+ generated" "$work/fuzz.log")" -eq 2 ] || failed=1  # a pass ended before its summary
if grep -q "panicked" "$work/server.log"; then
    grep -B2 -A10 "panicked" "$work/server.log" >&2
    failed=1
fi
if [ "$failed" -ne 0 ]; then
    cat "$work/fuzz.log"
    echo "fuzzing the OpenAPI operations on $BACKEND failed" >&2
    exit 1
fi
if grep -q "^=* ERRORS =*$" "$work/fuzz.log"; then
    echo "schemathesis reported errors of its own (not failures of the API):"
    sed -n '/^=* ERRORS =*$/,/^Traceback/p' "$work/fuzz.log" | grep -v '^Traceback'
fi
summary="$(grep -E "^ *[0-9]+ generated" "$work/fuzz.log" | sed 's/^ *//' | paste -sd ';' | sed 's/;/ as staff; /; s/$/ as a customer/')"
echo "fuzzed every operation on $BACKEND (seed $SEED, $EXAMPLES examples): $summary"
