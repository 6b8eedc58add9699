#!/usr/bin/env python3
"""Customer list and search latency through the API (issue #8's benchmark).

Runs each scenario as one client, one request after another (latency, not queueing), with a
different value per request, and prints p50 / p95 / p99 in milliseconds. Meant for a server
whose demo organisation was filled by `autocrm seed-bulk` (phones +86 188 nnnnnnnn); see
scripts/customer-search-bench.sh, which builds the whole setup.

    python3 scripts/customer-search-bench.py BASE_URL [REQUESTS] [BULK_CUSTOMERS] [TIMELINE_CUSTOMER_ID]

BULK_CUSTOMERS is how many `seed-bulk` added (phone searches pick numbers among them).
"""

import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
REQUESTS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
BULK = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
SUBJECT = sys.argv[4] if len(sys.argv) > 4 else ""
url = urllib.parse.urlsplit(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


status, body = call(
    "POST",
    "/api/v1/auth/login",
    {"login": "admin@demo.autocrm.dev", "password": "demo2026pass"},
)
assert status == 200, (status, body)
token = json.loads(body)["access_token"]
status, body = call("GET", "/api/v1/customers?limit=1", token=token)
assert status == 200, (status, body)

rng = random.Random(20261206)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂浩然宇轩子涵欣怡梓晨俊博文佳嘉鑫"
CITIES = ["上海", "北京"]
STAGES = ["prospect", "customer", "owner", "lost"]
SOURCES = ["walk_in", "website", "wechat", "autohome", "dongchedi", "referral", "phone"]


def q(params):
    return "/api/v1/customers?" + urllib.parse.urlencode(params)


scenarios = {
    "list, filters (kind, stage, city, source)": lambda: q(
        {
            "limit": 20,
            "kind": "individual",
            "stage": rng.choice(STAGES),
            "city": rng.choice(CITIES),
            "source_channel": rng.choice(SOURCES),
        }
    ),
    "q = full phone": lambda: q({"q": f"188{rng.randrange(0, BULK):08d}", "limit": 20}),
    "q = last 4 digits": lambda: q({"q": f"{rng.randrange(0, 10_000):04d}", "limit": 20}),
    "q = name prefix (2 characters)": lambda: q(
        {"q": rng.choice(SURNAMES) + rng.choice(GIVEN), "limit": 20}
    ),
    "q = full name (3 characters)": lambda: q(
        {"q": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), "limit": 20}
    ),
}
if SUBJECT:
    scenarios["360° view (1,000 timeline entries)"] = lambda: f"/api/v1/customers/{SUBJECT}/360"

print(f"{'scenario':<44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'rows':>6}")
for name, make in scenarios.items():
    status, _ = call("GET", make(), token=token)
    if status == 404 and name.startswith("360"):
        print(f"{name:<44} skipped: this build has no 360° view")
        continue
    for _ in range(10):  # warm-up
        call("GET", make(), token=token)
    timings = []
    rows = 0
    for _ in range(REQUESTS):
        path = make()
        started = time.perf_counter()
        status, body = call("GET", path, token=token)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            print(f"  {path}: HTTP {status} {body[:200]!r}")
            sys.exit(1)
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            rows += len(data["items"])
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"{name:<44} {REQUESTS:>5} {statistics.median(timings):>8.2f} {cuts[94]:>8.2f} "
        f"{cuts[98]:>8.2f} {rows / REQUESTS:>6.1f}"
    )
