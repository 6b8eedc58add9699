#!/usr/bin/env python3
"""Check POST /api/v1/financing/calculate against an independent reference.

The reference below is written from the rules in the financing issue alone, in exact rational
arithmetic (fractions.Fraction), with no code shared with the Rust calculator. For random plans it
compares every schedule row, the totals, the APR and the effective annual rate with the server.

    make run                                  # a dev server with the demo organisation
    scripts/crosscheck_financing.py           # or: BASE_URL=... CASES=2000 SEED=7 ...

Exits 1 on the first disagreement, printing the request and both answers.
"""

import calendar
import datetime as dt
import json
import os
import random
import sys
import urllib.request
from decimal import ROUND_HALF_UP, Decimal, getcontext
from fractions import Fraction

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
LOGIN = os.environ.get("LOGIN", "admin@demo.autocrm.dev")
PASSWORD = os.environ.get("PASSWORD", "demo2026pass")
CASES = int(os.environ.get("CASES", "1000"))
SEED = int(os.environ.get("SEED", "20261123"))

getcontext().prec = 60


def round_half_up(x: Fraction) -> int:
    """Half-up to the fen for non-negative amounts."""
    assert x >= 0
    return int((x + Fraction(1, 2)) // 1)


def add_months(start: dt.date, k: int) -> dt.date:
    month0 = start.month - 1 + k
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def schedule(req):
    price = req["vehicle_price_cents"]
    if "down_payment_cents" in req:
        down = req["down_payment_cents"]
    else:
        down = round_half_up(Fraction(str(req["down_payment_percent"])) * price / 100)
    fees = req.get("fees_cents", 0)
    financed = price - down + (fees if req.get("fees_financed") else 0)
    n = req["term_months"]
    annual = Fraction(str(req["annual_rate_percent"])) / 100
    r = annual / 12
    method = req["method"]

    def annuity(present):
        if r == 0:
            return round_half_up(Fraction(present) / n)
        return round_half_up(present * r / (1 - (1 + r) ** -n))

    rows, balance = [], financed
    if method in ("equal_installment", "balloon"):
        present = financed
        if method == "balloon":
            present = financed - req["balloon_cents"] * (1 + r) ** -n
        payment = annuity(present)
        for k in range(1, n + 1):
            interest = round_half_up(balance * r)
            principal = balance if k == n else payment - interest
            rows.append((principal + interest, principal, interest))
            balance -= principal
    else:
        share = round_half_up(Fraction(financed, n))
        if method == "flat_rate":
            total_interest = round_half_up(financed * annual * Fraction(n, 12))
            each_interest = round_half_up(Fraction(total_interest, n))
        for k in range(1, n + 1):
            principal = balance if k == n else share
            if method == "equal_principal":
                interest = round_half_up(balance * r)
            else:
                interest = (
                    total_interest - each_interest * (n - 1) if k == n else each_interest
                )
            rows.append((principal + interest, principal, interest))
            balance -= principal

    payments = [p for p, _, _ in rows]
    net = financed - fees
    irr = monthly_irr(net, payments)
    apr = (Decimal(12) * irr * 100).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    ear = (((1 + irr) ** 12 - 1) * 100).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return {
        "down_payment_cents": down,
        "financed_amount_cents": financed,
        "monthly_payment_cents": payments[0],
        "total_interest_cents": sum(i for _, _, i in rows),
        "total_payment_cents": sum(payments),
        "apr_percent": apr,
        "effective_annual_rate_percent": ear,
        "rows": rows,
    }


def monthly_irr(net, payments) -> Decimal:
    """The i with sum(p_k / (1+i)^k) = net, by bisection in 60-digit decimals."""
    net = Decimal(net)
    pays = [Decimal(p) for p in payments]

    def npv(i):
        f, acc = Decimal(1) / (1 + i), Decimal(0)
        d = Decimal(1)
        for p in pays:
            d *= f
            acc += p * d
        return acc - net

    lo, hi = Decimal("-0.99"), Decimal("1")
    while npv(hi) > 0:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if npv(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def post(path, body, token=None):
    req = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def random_request(rng):
    price = rng.choice([rng.randint(1, 10_000_00), rng.randint(5_000_000, 200_000_000),
                        rng.randint(1, 10_000_000_000)])
    n = rng.choice([1, 2, 3, 12, 24, 36, 48, 60, 72, 84, 96, 119, 120, rng.randint(1, 120)])
    rate = rng.choice(["0", "0.01", "3.5", "4.85", "5.99", "12", "35.9999",
                       f"{rng.randint(0, 360000) / 10000:.4f}"])
    method = rng.choice(["equal_installment", "equal_principal", "flat_rate", "balloon"])
    req = {"vehicle_price_cents": price, "term_months": n, "annual_rate_percent": float(rate),
           "method": method,
           "start_date": (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))).isoformat()}
    if rng.random() < 0.5:
        req["down_payment_cents"] = rng.randint(0, price * 9 // 10)
    else:
        req["down_payment_percent"] = rng.choice([0, 10, 20, 30, 33.33, 50, 90])
    financed_guess = price - req.get("down_payment_cents", price * 9 // 10)
    if rng.random() < 0.4 and financed_guess > 100:
        req["fees_cents"] = rng.randint(0, financed_guess // 20)
        req["fees_financed"] = rng.random() < 0.5
    if method == "balloon":
        req["balloon_cents"] = max(1, rng.randint(0, max(1, financed_guess // 2)))
    return req


def main():
    token = post("/api/v1/auth/login", {"login": LOGIN, "password": PASSWORD})["access_token"]
    rng = random.Random(SEED)
    checked = refused = 0
    for _ in range(CASES):
        req = random_request(rng)
        try:
            got = post("/api/v1/financing/calculate", req, token)
        except urllib.error.HTTPError as e:
            if e.code == 422:  # the server found the plan invalid (e.g. balloon too large)
                refused += 1
                continue
            raise
        want = schedule(req)
        problems = []
        for key in ("down_payment_cents", "financed_amount_cents", "monthly_payment_cents",
                    "total_interest_cents", "total_payment_cents"):
            if got[key] != want[key]:
                problems.append(f"{key}: server {got[key]}, reference {want[key]}")
        for key in ("apr_percent", "effective_annual_rate_percent"):
            if Decimal(str(got[key])) != want[key]:
                problems.append(f"{key}: server {got[key]}, reference {want[key]}")
        start = dt.date.fromisoformat(req["start_date"])
        for k, (row, (pay, prin, intr)) in enumerate(zip(got["schedule"], want["rows"]), 1):
            if (row["payment_cents"], row["principal_cents"], row["interest_cents"]) != (pay, prin, intr):
                problems.append(f"period {k}: server {row}, reference {(pay, prin, intr)}")
                break
            if row["due_date"] != add_months(start, k).isoformat():
                problems.append(f"period {k}: due {row['due_date']}, reference {add_months(start, k)}")
                break
        if len(got["schedule"]) != len(want["rows"]):
            problems.append("schedule length differs")
        if problems:
            print("MISMATCH for", json.dumps(req))
            print("\n".join(problems))
            sys.exit(1)
        checked += 1
    print(f"{checked} plans agree with the reference ({refused} refused as invalid by the server)")
    check_affordability(token, rng)


def check_affordability(token, rng):
    """The price found must fit the budget, and one fen more must not."""
    checked = refused = 0
    for _ in range(max(1, CASES // 5)):
        req = {
            "monthly_budget_cents": rng.randint(10_000, 2_000_000),
            "down_payment_cents": rng.randint(0, 5_000_000),
            "term_months": rng.choice([12, 24, 36, 60, 120, rng.randint(1, 120)]),
            "annual_rate_percent": float(rng.choice(["0", "2.99", "4.85", "7.5", "18"])),
            "method": rng.choice(["equal_installment", "equal_principal", "flat_rate"]),
        }
        try:
            got = post("/api/v1/financing/affordability", req, token)
        except urllib.error.HTTPError as e:
            if e.code == 422:
                refused += 1
                continue
            raise
        price = got["vehicle_price_cents"]

        def payment(p):
            plan = {k: req[k] for k in ("down_payment_cents", "term_months",
                                        "annual_rate_percent", "method")}
            return schedule({**plan, "vehicle_price_cents": p})["monthly_payment_cents"]

        if not (payment(price) <= req["monthly_budget_cents"] < payment(price + 1)):
            print("AFFORDABILITY MISMATCH for", json.dumps(req), "->", price,
                  payment(price), payment(price + 1))
            sys.exit(1)
        checked += 1
    print(f"{checked} affordability answers are the highest price within budget "
          f"({refused} refused)")


if __name__ == "__main__":
    main()
