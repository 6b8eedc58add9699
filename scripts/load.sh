#!/usr/bin/env bash
# Load-test a running AutoCRM server on this machine with wrk (or oha as a fallback).
#
#   make run            # in another terminal: a dev server with the demo organisation
#   scripts/load.sh     # or: make load
#
# Environment:
#   BASE_URL     server to test; loopback only (default http://127.0.0.1:8080)
#   DURATION     seconds per run (default 10)
#   CONNECTIONS  concurrent connections (default 32)
#   THREADS      wrk threads (default 1)
#   LOGIN, PASSWORD   account to test with (default the demo admin)
#   RESULTS_DIR  where raw outputs are kept (default .load/ in the repository)
#   LABEL        a name for this run in the summary (default: the base URL)
#   WRITES       0 skips the write scenarios (creating and editing customers; on by default)
#
# Each run is bounded by DURATION (and a hard timeout); the script stops by itself.
# Access tokens live AUTOCRM_ACCESS_TOKEN_TTL_SECS (900 s by default): keep DURATION below that.
set -euo pipefail

BASE_URL="${BASE_URL:-http://127.0.0.1:8080}"
BASE_URL="${BASE_URL%/}"
DURATION="${DURATION:-10}"
DURATION="${DURATION%s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
LOGIN="${LOGIN:-admin@demo.autocrm.dev}"
PASSWORD="${PASSWORD:-demo2026pass}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="${RESULTS_DIR:-$REPO_ROOT/.load}"
LABEL="${LABEL:-$BASE_URL}"

die() { echo "load.sh: $*" >&2; exit 1; }

for n in "$DURATION" "$CONNECTIONS" "$THREADS"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "DURATION, CONNECTIONS and THREADS must be positive integers"
done
[ "$DURATION" -le 600 ] || die "DURATION is capped at 600 s"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS must be at least THREADS"
command -v python3 >/dev/null || die "python3 is needed to read JSON"
command -v curl >/dev/null || die "curl is needed"

# Only ever aim at this machine.
python3 - "$BASE_URL" <<'PY' || die "refusing $BASE_URL: only loopback targets (127.0.0.0/8, localhost, [::1]) are allowed"
import ipaddress, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
if u.scheme not in ("http", "https") or not u.hostname:
    sys.exit(1)
host = u.hostname.lower()
if host == "localhost":
    sys.exit(0)
try:
    sys.exit(0 if ipaddress.ip_address(host).is_loopback else 1)
except ValueError:
    sys.exit(1)
PY

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

TOOL=""
if command -v wrk >/dev/null; then
    TOOL=wrk
else
    echo "==> wrk not found; installing it from Debian's packages"
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk &&
        command -v wrk >/dev/null; then
        TOOL=wrk
    elif command -v oha >/dev/null; then
        TOOL=oha
    else
        echo "==> wrk could not be installed; falling back to: cargo install oha --locked"
        cargo install oha --locked
        export PATH="$HOME/.cargo/bin:$PATH"
        TOOL=oha
    fi
fi

curl -fsS --max-time 5 "$BASE_URL/health" >/dev/null ||
    die "no server answers $BASE_URL/health (start one with: make run)"

echo "==> logging in as $LOGIN"
login_body="$(python3 -c 'import json,sys; print(json.dumps({"login": sys.argv[1], "password": sys.argv[2]}))' "$LOGIN" "$PASSWORD")"
TOKEN="$(curl -fsS --max-time 10 -X POST "$BASE_URL/api/v1/auth/login" \
    -H 'Content-Type: application/json' --data "$login_body" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" ||
    die "login failed (is the demo organisation seeded? make demo)"
AUTH="Authorization: Bearer $TOKEN"

CUSTOMER_ID="$(curl -fsS --max-time 10 -H "$AUTH" "$BASE_URL/api/v1/customers?limit=1" |
    python3 -c 'import json,sys; items=json.load(sys.stdin)["items"]; print(items[0]["id"] if items else "")')"
[ -n "$CUSTOMER_ID" ] || die "no customers to read (seed the demo data: make demo)"
status="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H "$AUTH" "$BASE_URL/api/v1/customers/$CUSTOMER_ID")"
[ "$status" = 200 ] || die "GET /api/v1/customers/$CUSTOMER_ID answered $status"

mkdir -p "$RESULTS_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
summary=()

# run NAME PATH [auth [WRK_LUA_SCRIPT]]   (a script makes the requests: writes, wrk only)
run() {
    local name="$1" path="$2" use_auth="${3:-}" script="${4:-}"
    local url="$BASE_URL$path" out="$RESULTS_DIR/$stamp-$name.txt"
    local -a headers=() extra=()
    [ -n "$use_auth" ] && headers=(-H "$AUTH")
    if [ -n "$script" ]; then
        if [ "$TOOL" != wrk ]; then
            echo "==> $name: skipped (write scenarios need wrk's Lua scripts)"
            return
        fi
        extra=(-s "$script")
    fi
    echo
    echo "==> $name: ${script:+scripted }$path  ($TOOL, ${CONNECTIONS} connections, ${DURATION} s)"
    if [ "$TOOL" = wrk ]; then
        timeout --kill-after=5 $((DURATION + 30)) \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
            "${headers[@]}" "${extra[@]}" "$url" | tee "$out"
        summary+=("$(awk -v name="$name" '
            /Requests\/sec:/ { rps = $2 }
            $1 == "50%" { p50 = $2 } $1 == "90%" { p90 = $2 } $1 == "99%" { p99 = $2 }
            /Non-2xx or 3xx responses:/ { bad = $NF }
            /Socket errors:/ { errs = $0; sub(/.*Socket errors: */, "", errs) }
            END { printf "%-18s %12s %9s %9s %9s  non-2xx=%s%s\n", name, rps, p50, p90, p99, (bad == "" ? 0 : bad), (errs == "" ? "" : "  socket errors: " errs) }
        ' "$out")")
    else
        timeout --kill-after=5 $((DURATION + 30)) \
            oha --no-tui -z "${DURATION}s" -c "$CONNECTIONS" "${headers[@]}" "$url" | tee "$out"
        summary+=("$(awk -v name="$name" '
            /Requests\/sec:/ { rps = $2 }
            /50.00% in/ { p50 = $3 $4 } /90.00% in/ { p90 = $3 $4 } /99.00% in/ { p99 = $3 $4 }
            END { printf "%-18s %12s %9s %9s %9s  (see status codes above)\n", name, rps, p50, p90, p99 }
        ' "$out")")
    fi
}

# Writes: each request creates a customer with a phone number of its own (encrypted,
# blind-indexed, audited, with an outbox event), or edits one customer over and over
# (every connection contends for the same row).
lua_dir="$(mktemp -d)"
trap 'rm -rf "$lua_dir"' EXIT
# wrk.format replaces the -H headers (the token) with the table it is given: copy them.
cat > "$lua_dir/common.lua" <<'LUA'
function with_json(content_type)
    local h = {}
    for k, v in pairs(wrk.headers) do h[k] = v end
    h["Content-Type"] = content_type
    return h
end
LUA
{ cat "$lua_dir/common.lua"; cat <<'LUA'
-- Phone 13 RR T NNNNNN: RR random per run, T the wrk thread, N a counter (unique numbers).
local threads = 0
function setup(thread)
    thread:set("tid", threads % 10)
    threads = threads + 1
end
math.randomseed(os.time())
local run = math.random(0, 99)
local n = 0
request = function()
    n = n + 1
    local body = string.format('{"name":"压测客户 %d","phone":"13%02d%d%06d","source_channel":"walk_in"}',
        n, run, tid or 0, n % 1000000)
    return wrk.format("POST", nil, with_json("application/json"), body)
end
LUA
} > "$lua_dir/create.lua"
{ cat "$lua_dir/common.lua"; cat <<'LUA'
request = function()
    return wrk.format("PATCH", nil, with_json("application/merge-patch+json"), '{"notes":"load test"}')
end
LUA
} > "$lua_dir/patch.lua"

run health /health
run customer_get "/api/v1/customers/$CUSTOMER_ID" auth
run customer_list "/api/v1/customers?limit=20" auth
if [ "${WRITES:-1}" != 0 ]; then
    run customer_create "/api/v1/customers" auth "$lua_dir/create.lua"
    run customer_patch "/api/v1/customers/$CUSTOMER_ID" auth "$lua_dir/patch.lua"
fi

echo
echo "==> summary: $LABEL  ($TOOL -t$THREADS -c$CONNECTIONS -d${DURATION}s; raw output in $RESULTS_DIR/$stamp-*.txt)"
{
    echo "# $LABEL  ($TOOL -t$THREADS -c$CONNECTIONS -d${DURATION}s)"
    printf '%-18s %12s %9s %9s %9s\n' endpoint "requests/s" p50 p90 p99
    printf '%s\n' "${summary[@]}"
} | tee "$RESULTS_DIR/$stamp-summary.txt"
