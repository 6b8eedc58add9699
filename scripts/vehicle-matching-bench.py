#!/usr/bin/env python3
"""Customer–vehicle matching latency through the API (issue #9's benchmark).

One client, one request after another (latency, not queueing); prints p50 / p95 / p99 in
milliseconds and the mean candidates scored. Meant for a server whose demo organisation was
filled by `autocrm seed-bulk --vehicles N --customers M`; see scripts/vehicle-matching-bench.sh.

    python3 scripts/vehicle-matching-bench.py BASE_URL [REQUESTS]

Scenarios: top-20 cars for customers who stated needs (a budget window narrows in SQL), for
customers who stated none (every offerable car is a candidate, up to the cap), and the
customers for a car (reverse) as admin (whole organisation) and as a consultant (own customers).
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
url = urllib.parse.urlsplit(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def login(email):
    status, body = call("POST", "/api/v1/auth/login", {"login": email, "password": "demo2026pass"})
    assert status == 200, (email, status, body)
    return json.loads(body)["access_token"]


admin = login("admin@demo.autocrm.dev")
rng = random.Random(20261207)

# Customers with and without stated needs, from the first pages of the list.
with_needs, without_needs = [], []
path = "/api/v1/customers?limit=200"
for _ in range(10):
    status, body = call("GET", path, token=admin)
    assert status == 200, (status, body)
    page = json.loads(body)
    for c in page["items"]:
        (with_needs if c.get("needs") else without_needs).append(c["id"])
    if not page.get("next_cursor"):
        break
    path = "/api/v1/customers?limit=200&cursor=" + urllib.parse.quote(page["next_cursor"])
assert with_needs, "no customer with needs"

# Cars: those the customers' matches name.
cars = set()
for cid in with_needs[:20]:
    status, body = call("GET", f"/api/v1/customers/{cid}/vehicle-matches?limit=20", token=admin)
    assert status == 200, (status, body)
    cars.update(i["vehicle"]["id"] for i in json.loads(body)["items"])
cars = sorted(cars)
assert cars, "no car in stock"

# A consultant of the demo organisation, by the users list.
status, body = call("GET", "/api/v1/users?role=sales_consultant&limit=1", token=admin)
consultant = None
if status == 200 and json.loads(body)["items"]:
    consultant = login(json.loads(body)["items"][0]["email"])

scenarios = [
    ("top-20 cars, customer with needs", admin,
     lambda: f"/api/v1/customers/{rng.choice(with_needs)}/vehicle-matches?limit=20"),
    ("top-20 cars, customer without needs", admin,
     lambda: f"/api/v1/customers/{rng.choice(without_needs or with_needs)}/vehicle-matches?limit=20"),
    ("top-20 customers for a car (admin)", admin,
     lambda: f"/api/v1/vehicles/{rng.choice(cars)}/customer-matches?limit=20"),
]
if consultant:
    scenarios.append(("top-20 customers for a car (consultant)", consultant,
                      lambda: f"/api/v1/vehicles/{rng.choice(cars)}/customer-matches?limit=20"))

print(f"{'scenario':<42} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'cands':>7}")
for name, token, make in scenarios:
    for _ in range(10):  # warm-up
        call("GET", make(), token=token)
    timings, candidates = [], 0
    for _ in range(REQUESTS):
        path = make()
        started = time.perf_counter()
        status, body = call("GET", path, token=token)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            print(f"  {path}: HTTP {status} {body[:200]!r}")
            sys.exit(1)
        candidates += json.loads(body)["candidates"]
    cuts = statistics.quantiles(timings, n=100)
    print(f"{name:<42} {REQUESTS:>5} {statistics.median(timings):>8.2f} {cuts[94]:>8.2f} "
          f"{cuts[98]:>8.2f} {candidates / REQUESTS:>7.0f}")
