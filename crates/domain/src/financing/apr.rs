//! Effective APR: the monthly internal rate of return of the customer's real cash flows.
//!
//! The customer receives `net` (amount financed − fees) at signing and pays `p_k` at month k;
//! the monthly IRR i solves Σ p_k·(1+i)^−k = net. Since every payment is ≥ 0 and
//! Σ p_k ≥ financed ≥ net > 0, the left side is strictly decreasing and convex in i, the root is
//! unique and i ≥ 0.
//!
//! The root is a rate, not money, so it is searched in `f64`: Newton steps on the Horner form in
//! v = 1/(1+i) (one division per evaluation instead of one per term), safeguarded by a bracket
//! with bisection. The f64 root is accurate to about 1e-15 relative, far below the 4-decimal
//! rounding of the APR in percent; it is then converted to `Decimal`, and all further arithmetic
//! and the half-up rounding happen there. Two cases are exact instead of searched: Σ p_k = net
//! gives exactly 0 (a 0 % loan without fees shows 0.0000, never 0.0001 or −0.0000), and a single
//! payment gives i = p/net − 1 exactly, where the APR can land exactly on a rounding midpoint.

use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

pub(crate) struct Rates {
    pub apr_percent: Decimal,
    pub effective_annual_rate_percent: Decimal,
}

/// `guess`: a monthly rate near the root (the nominal one) to start the search from.
/// `None` when the effective annual rate is too large for `Decimal` (fees eating almost all of
/// the amount financed).
pub(crate) fn rates(net_received_cents: i64, payments: &[i64], guess: f64) -> Option<Rates> {
    let monthly = monthly_irr(net_received_cents, payments, guess)?;
    let apr = monthly.checked_mul(Decimal::from(1200))?;
    let ear = (Decimal::ONE + monthly)
        .checked_powu(12)?
        .checked_sub(Decimal::ONE)?
        .checked_mul(Decimal::ONE_HUNDRED)?;
    Some(Rates {
        apr_percent: round4(apr),
        effective_annual_rate_percent: round4(ear),
    })
}

/// Half-up to four decimals, always shown with four (0 → 0.0000).
fn round4(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(4);
    rounded
}

fn monthly_irr(net: i64, payments: &[i64], guess: f64) -> Option<Decimal> {
    debug_assert!(net > 0, "validation guarantees a positive net amount");
    let total: i64 = payments.iter().sum();
    if total <= net {
        // total < net cannot happen (interest is never negative); total == net is exactly 0.
        return Some(Decimal::ZERO);
    }
    let last_paying = payments.iter().rposition(|&p| p != 0)?;
    if last_paying == 0 {
        let net = Decimal::from(net);
        return Some((Decimal::from(payments[0]) - net) / net);
    }
    Decimal::from_f64_retain(solve(net as f64, payments, guess)?)
}

/// f(i) = Σ p_k (1+i)^−k − net and df/di, by Horner in v = 1/(1+i).
fn eval(i: f64, net: f64, payments: &[i64]) -> (f64, f64) {
    let v = 1.0 / (1.0 + i);
    // t = Σ p_k v^(k−1), dt = dt/dv.
    let (mut t, mut dt) = (0.0_f64, 0.0_f64);
    for &p in payments.iter().rev() {
        dt = dt * v + t;
        t = t * v + p as f64;
    }
    // s = v·t; ds/di = (t + v·dt) · dv/di, with dv/di = −v².
    (v * t - net, -(t + v * dt) * v * v)
}

/// Safeguarded Newton (rtsafe): f(lo) > 0 > f(hi) always holds.
fn solve(net: f64, payments: &[i64], guess: f64) -> Option<f64> {
    let mut lo = 0.0_f64;
    let mut hi = 0.05_f64;
    loop {
        let (f, _) = eval(hi, net, payments);
        if f < 0.0 {
            break;
        }
        if f == 0.0 {
            return Some(hi);
        }
        lo = hi;
        hi *= 4.0;
        if hi > 1e12 {
            return None;
        }
    }
    let mut x = if guess > lo && guess < hi {
        guess
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..200 {
        let (f, df) = eval(x, net, payments);
        if f == 0.0 {
            return Some(x);
        }
        if f > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - f / df;
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-15 * next || next == lo || next == hi {
            return Some(next);
        }
        x = next;
    }
    Some(x)
}
