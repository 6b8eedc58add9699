//! Repayment schedules for the four methods.
//!
//! The payment formulas live on [`Pricing`] so that the affordability search and the schedule use
//! the very same arithmetic: the price found there always reproduces the payment it promised.

use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

use super::validate::{Loan, to_fen};
use super::{FinancingError, Installment, Method, calendar, code};

/// Per-(term, rate) constants.
///
/// The monthly rate is r = annual / 100 / 12 = `rate_units` / 12,000,000 exactly, because the
/// annual rate has at most four decimals. Per-period interest round(balance · r) and the other
/// integer quotients are therefore computed exactly in `i128`: a `Decimal` r is cut to 26
/// significant digits (0.0058333…33 for 7 %), which turns exact midpoints (balance ≡ 600 mod 1200
/// at 7 %, one balance in 1200) into x.4999… and rounds them down, where any exact or
/// higher-precision reference rounds them up. Only the annuity payment, whose exact value would
/// need big integers, is computed in `Decimal`.
pub(crate) struct Pricing {
    n: u32,
    /// The annual rate in units of 0.0001 %.
    rate_units: i64,
    /// r as a `Decimal` (not rounded further), for the annuity formula.
    r: Decimal,
    /// (1 + r)^−n.
    vn: Decimal,
    /// 1 − (1 + r)^−n; zero when r = 0.
    one_minus_vn: Decimal,
}

/// r = rate_units / MONTHLY_RATE_DENOMINATOR.
const MONTHLY_RATE_DENOMINATOR: i128 = 12 * 100 * 10_000;

fn round_fen(value: Decimal) -> i64 {
    to_fen(value.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
}

/// round(numerator / denominator), half-up, for numerator >= 0 and denominator > 0.
fn div_round(numerator: i128, denominator: i128) -> i64 {
    debug_assert!(numerator >= 0 && denominator > 0);
    let quotient = (2 * numerator + denominator) / (2 * denominator);
    i64::try_from(quotient).expect("amounts are bounded by MAX_AMOUNT_CENTS, far inside i64")
}

impl Pricing {
    /// `annual_rate_percent` must be validated: 0 ..= 36 with at most four decimals.
    pub fn new(n: u32, annual_rate_percent: Decimal) -> Self {
        let rate_units = to_fen((annual_rate_percent * Decimal::from(10_000)).trunc());
        let r = annual_rate_percent / Decimal::ONE_HUNDRED / Decimal::from(12);
        let (vn, one_minus_vn) = if r.is_zero() {
            (Decimal::ONE, Decimal::ZERO)
        } else {
            // (1 + 0.03)^120 ≈ 35, so this cannot overflow.
            let vn = Decimal::ONE / (Decimal::ONE + r).powu(u64::from(n));
            (vn, Decimal::ONE - vn)
        };
        Self {
            n,
            rate_units,
            r,
            vn,
            one_minus_vn,
        }
    }

    /// Regular annuity payment: round((P − B·(1+r)^−n)·r / (1 − (1+r)^−n)), or
    /// round((P − B)/n) at r = 0. B = 0 gives the plain equal-installment payment.
    fn annuity_payment(&self, financed: i64, balloon: i64) -> i64 {
        if self.rate_units == 0 {
            return div_round(i128::from(financed - balloon), i128::from(self.n));
        }
        let p = Decimal::from(financed);
        let b = Decimal::from(balloon);
        round_fen((p - b * self.vn) * self.r / self.one_minus_vn)
    }

    /// Starting point for the IRR search.
    pub fn monthly_rate_f64(&self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.r.to_f64().unwrap_or(0.0)
    }

    /// round(balance · r), exact.
    fn interest_on(&self, balance: i64) -> i64 {
        div_round(
            i128::from(balance) * i128::from(self.rate_units),
            MONTHLY_RATE_DENOMINATOR,
        )
    }

    /// round(P / n): the fixed principal of equal-principal and flat-rate loans.
    fn principal_share(&self, financed: i64) -> i64 {
        div_round(i128::from(financed), i128::from(self.n))
    }

    /// round(P · annual% / 100 · n / 12), exact.
    fn flat_total_interest(&self, financed: i64) -> i64 {
        div_round(
            i128::from(financed) * i128::from(self.rate_units) * i128::from(self.n),
            MONTHLY_RATE_DENOMINATOR,
        )
    }

    /// round(total flat interest / n): each period's share.
    fn flat_interest_share(&self, total: i64) -> i64 {
        div_round(i128::from(total), i128::from(self.n))
    }

    /// The first scheduled payment, exactly as [`build`] computes it; monotone in `financed`.
    pub fn first_payment(&self, method: Method, financed: i64, balloon: i64) -> i64 {
        if self.n == 1 {
            // The only period is the last one: everything plus its interest.
            return financed
                + match method {
                    Method::FlatRate => self.flat_total_interest(financed),
                    _ => self.interest_on(financed),
                };
        }
        match method {
            Method::EqualInstallment => self.annuity_payment(financed, 0),
            Method::Balloon => self.annuity_payment(financed, balloon),
            Method::EqualPrincipal => self.principal_share(financed) + self.interest_on(financed),
            Method::FlatRate => {
                self.principal_share(financed)
                    + self.flat_interest_share(self.flat_total_interest(financed))
            }
        }
    }
}

/// Builds the schedule. Principal always sums to the amount financed (the last period takes the
/// remainder) and no amount is negative; inputs that would break that are refused.
pub(crate) fn build(loan: &Loan, pricing: &Pricing) -> Result<Vec<Installment>, FinancingError> {
    let n = loan.term_months;
    let financed = loan.financed_cents;
    let mut rows = Vec::with_capacity(n as usize);
    let mut balance = financed;

    // Method-specific constants; the loop below is shared.
    let annuity = match loan.method {
        Method::EqualInstallment => pricing.annuity_payment(financed, 0),
        Method::Balloon => pricing.annuity_payment(financed, loan.balloon_cents),
        _ => 0,
    };
    let share = pricing.principal_share(financed);
    let (flat_total, flat_per) = if loan.method == Method::FlatRate {
        let total = pricing.flat_total_interest(financed);
        (total, pricing.flat_interest_share(total))
    } else {
        (0, 0)
    };

    for period in 1..=n {
        let last = period == n;
        let (principal, interest) = match loan.method {
            Method::EqualInstallment | Method::Balloon => {
                let interest = pricing.interest_on(balance);
                let principal = if last { balance } else { annuity - interest };
                (principal, interest)
            }
            Method::EqualPrincipal => {
                let interest = pricing.interest_on(balance);
                (if last { balance } else { share }, interest)
            }
            Method::FlatRate => {
                let interest = if last {
                    flat_total - flat_per * i64::from(n - 1)
                } else {
                    flat_per
                };
                (if last { balance } else { share }, interest)
            }
        };
        if principal < 0 || principal > balance {
            return Err(shape_error(loan, principal < 0));
        }
        if interest < 0 {
            // Flat rate only: the evenly spread interest shares, rounded up, overshoot the total.
            return Err(FinancingError::one(
                "term_months",
                code::OUT_OF_RANGE,
                format!(
                    "the flat interest ({flat_total} fen) is too small to spread evenly over {n} \
                     months; choose a shorter term"
                ),
            ));
        }
        balance -= principal;
        rows.push(Installment {
            period,
            due_date: loan
                .start_date
                .and_then(|start| calendar::due_date(start, period)),
            payment_cents: principal + interest,
            principal_cents: principal,
            interest_cents: interest,
            balance_cents: balance,
        });
    }
    Ok(rows)
}

/// With the balloon below the amount financed the annuity payment always exceeds the first
/// month's interest, so negative amortisation cannot actually occur; what can happen is that a
/// tiny amount spread over many months rounds each share up so far that the balance would go
/// negative before the last period (e.g. 100 fen over 120 months). Both are refused rather than
/// emitting negative amounts.
fn shape_error(loan: &Loan, negative_amortisation: bool) -> FinancingError {
    if negative_amortisation && loan.method == Method::Balloon {
        FinancingError::one(
            "balloon_cents",
            code::OUT_OF_RANGE,
            "the balloon is too large for this rate and term: the regular payment would not cover \
             the interest",
        )
    } else {
        FinancingError::one(
            "term_months",
            code::OUT_OF_RANGE,
            format!(
                "the amount financed ({} fen) is too small to spread over {} months without \
                 rounding overpaying it; choose a shorter term",
                loan.financed_cents, loan.term_months
            ),
        )
    }
}
