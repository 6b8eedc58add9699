//! Price suggestions (DESIGN §5 "Pricing"): a range and a point for a car in stock, from
//! comparable cars listed and sold, market reference prices imported from outside, and the days
//! the car has stood. Every figure comes with its reasons; with too few comparables and no
//! market reference the answer says so instead of guessing.
//!
//! Money is integer fen; the arithmetic runs in `rust_decimal`. Adjusted comparable prices are
//! rounded half-up to the fen; the final low, point and high are rounded half-up to the
//! policy's `rounding_cents` (default ¥100) as the very last step, so rounding never
//! compounds.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::Condition;
use super::money::{yuan_en, yuan_zh};

crate::text_enum! {
    /// Where a comparable price comes from.
    pub enum ComparableSource {
        /// An asking price of a car listed now (ours or a competitor's).
        Listed = "listed",
        /// The price a car was actually sold for.
        Sold = "sold",
    }
}

/// The car to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingSubject {
    /// [`catalog::brand_key`](super::catalog::brand_key).
    pub brand_key: String,
    /// [`catalog::model_key`](super::catalog::model_key).
    pub model_key: String,
    pub condition: Condition,
    pub model_year: i32,
    pub mileage_km: i64,
    pub days_in_stock: u32,
}

/// A comparable car's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparable {
    /// The caller's reference (vehicle or deal id), echoed in the answer.
    pub reference: String,
    pub source: ComparableSource,
    pub brand_key: String,
    pub model_key: String,
    pub condition: Condition,
    pub model_year: i32,
    pub mileage_km: i64,
    /// The asking price for a listing, the deal price for a sale.
    pub price_cents: i64,
    /// Listed since, or sold on.
    pub date: NaiveDate,
}

/// A price quoted by an outside valuation service (`POST /api/v1/market-prices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketReference {
    /// Who quoted it, e.g. `che300`.
    pub source: String,
    pub brand_key: String,
    pub model_key: String,
    pub model_year: i32,
    /// The mileage the quote assumes, when it names one.
    pub mileage_km: Option<i64>,
    pub price_cents: i64,
    pub observed_on: NaiveDate,
}

/// A discount for standing in stock: from `after_days` on, `discount_bp` basis points off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgingStep {
    pub after_days: u32,
    pub discount_bp: u32,
}

/// How an organisation prices; rates in basis points (1 bp = 0.01 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PricingPolicy {
    /// Value per model year of difference.
    pub year_rate_bp: u32,
    /// Value per 10,000 km of difference.
    pub mileage_rate_bp_per_10k_km: u32,
    /// Cap on one comparable's combined adjustment, either way.
    pub max_adjustment_bp: u32,
    /// Weight of a sale against a listing: what buyers paid says more than what sellers ask.
    pub sold_weight: u32,
    pub listed_weight: u32,
    /// Fewer usable comparables than this do not make a range.
    pub min_comparables: u32,
    /// Sales older than this are stale.
    pub sold_max_age_days: u32,
    /// Market quotes older than this are stale.
    pub market_max_age_days: u32,
    /// Share of the market reference in the point when there are enough comparables too.
    pub market_weight_bp: u32,
    /// The range spans at least this much either side of the point.
    pub min_spread_bp: u32,
    /// In ascending `after_days`; the last step reached applies.
    pub aging: Vec<AgingStep>,
    /// Suggested prices are rounded half-up to a multiple of this.
    pub rounding_cents: i64,
}

impl Default for PricingPolicy {
    /// 8 % a model year, 1.5 % per 10,000 km, adjustments capped at 30 %; sales count twice;
    /// three comparables; sales within 180 days, quotes within 90; market 30 % of the point;
    /// range at least ±3 %; 2 % off after 30 days in stock, 5 % after 60, 8 % after 90;
    /// rounded to ¥100.
    fn default() -> Self {
        Self {
            year_rate_bp: 800,
            mileage_rate_bp_per_10k_km: 150,
            max_adjustment_bp: 3000,
            sold_weight: 2,
            listed_weight: 1,
            min_comparables: 3,
            sold_max_age_days: 180,
            market_max_age_days: 90,
            market_weight_bp: 3000,
            min_spread_bp: 300,
            aging: vec![
                AgingStep {
                    after_days: 30,
                    discount_bp: 200,
                },
                AgingStep {
                    after_days: 60,
                    discount_bp: 500,
                },
                AgingStep {
                    after_days: 90,
                    discount_bp: 800,
                },
            ],
            rounding_cents: 10_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PricingPolicyError {
    pub field: &'static str,
    pub message: &'static str,
}

impl PricingPolicy {
    pub fn check(&self) -> Result<(), PricingPolicyError> {
        let fail = |field, message| Err(PricingPolicyError { field, message });
        let bounds: [(&'static str, u32, u32, &'static str); 9] = [
            (
                "year_rate_bp",
                self.year_rate_bp,
                3000,
                "must be at most 3000",
            ),
            (
                "mileage_rate_bp_per_10k_km",
                self.mileage_rate_bp_per_10k_km,
                2000,
                "must be at most 2000",
            ),
            (
                "max_adjustment_bp",
                self.max_adjustment_bp,
                9000,
                "must be at most 9000",
            ),
            ("sold_weight", self.sold_weight, 100, "must be at most 100"),
            (
                "listed_weight",
                self.listed_weight,
                100,
                "must be at most 100",
            ),
            (
                "min_comparables",
                self.min_comparables,
                1000,
                "must be at most 1000",
            ),
            (
                "market_weight_bp",
                self.market_weight_bp,
                10_000,
                "must be at most 10000",
            ),
            (
                "min_spread_bp",
                self.min_spread_bp,
                5000,
                "must be at most 5000",
            ),
            (
                "sold_max_age_days",
                self.sold_max_age_days,
                3660,
                "must be at most 3660",
            ),
        ];
        for (field, value, max, message) in bounds {
            if value > max {
                return fail(field, message);
            }
        }
        if self.market_max_age_days > 3660 {
            return fail("market_max_age_days", "must be at most 3660");
        }
        if self.min_comparables == 0 {
            return fail("min_comparables", "must be at least 1");
        }
        if self.sold_weight == 0 && self.listed_weight == 0 {
            return fail(
                "sold_weight",
                "sold_weight and listed_weight cannot both be 0",
            );
        }
        if !(1..=1_000_000).contains(&self.rounding_cents) {
            return fail("rounding_cents", "must be between 1 and 1000000");
        }
        if self.aging.iter().any(|s| s.discount_bp > 5000) {
            return fail("aging", "a discount must be at most 5000 bp");
        }
        if self
            .aging
            .windows(2)
            .any(|w| w[0].after_days >= w[1].after_days)
        {
            return fail("aging", "steps must be in ascending after_days");
        }
        Ok(())
    }

    /// The aging discount for a car this many days in stock, with its step.
    pub fn aging_discount(&self, days_in_stock: u32) -> Option<AgingStep> {
        self.aging
            .iter()
            .rev()
            .find(|step| days_in_stock >= step.after_days && step.discount_bp > 0)
            .copied()
    }
}

/// One reason behind a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceReason {
    /// A stable code: see [`price_reason`].
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
    /// The amount the reason is about, when there is one.
    pub amount_cents: Option<i64>,
}

/// Stable codes of [`PriceReason`].
pub mod price_reason {
    pub const COMPARABLES: &str = "comparables";
    pub const MARKET_REFERENCE: &str = "market_reference";
    pub const BLEND: &str = "blend";
    pub const AGING_DISCOUNT: &str = "aging_discount";
    pub const IGNORED: &str = "ignored";
    pub const INSUFFICIENT_COMPARABLES: &str = "insufficient_comparables";
    pub const NO_MARKET_REFERENCE: &str = "no_market_reference";
    pub const ROUNDING: &str = "rounding";
}

/// A comparable as it entered the suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdjustedComparable {
    pub reference: String,
    pub source: ComparableSource,
    pub price_cents: i64,
    /// For the subject's model year, in basis points.
    pub year_adjustment_bp: i64,
    /// For the subject's mileage, in basis points (rounded for display; the price uses the
    /// exact value).
    pub mileage_adjustment_bp: i64,
    /// Whether the cap on the adjustment applied.
    pub capped: bool,
    pub adjusted_cents: i64,
    pub weight: u32,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PriceSuggestion {
    Suggested {
        low_cents: i64,
        point_cents: i64,
        high_cents: i64,
        comparables: Vec<AdjustedComparable>,
        reasons: Vec<PriceReason>,
    },
    /// Too few comparables and no market reference: no number is better than a guess.
    InsufficientData { reasons: Vec<PriceReason> },
}

impl PriceSuggestion {
    pub fn reasons(&self) -> &[PriceReason] {
        match self {
            Self::Suggested { reasons, .. } | Self::InsufficientData { reasons } => reasons,
        }
    }
}

const BP: i64 = 10_000;

fn bp(n: i64) -> Decimal {
    Decimal::new(n, 4)
}

/// Rounds half-up (away from zero) to a whole number: fen for amounts, bp for rates.
fn round_i64(value: Decimal) -> i64 {
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

fn round_to(cents: i64, unit: i64) -> i64 {
    round_i64(Decimal::from(cents) / Decimal::from(unit)) * unit
}

/// "5" for 500 bp, "2.5" for 250.
fn percent(bp: u32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => whole.to_string(),
        f if f.is_multiple_of(10) => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The adjustment that brings a price for `(year, km)` to the subject, exact, in a fraction of
/// the price; with the two parts in whole basis points and whether the cap applied.
fn adjustment(
    subject: &PricingSubject,
    year: i32,
    km: Option<i64>,
    policy: &PricingPolicy,
) -> (Decimal, i64, i64, bool) {
    let year_bp = i64::from(policy.year_rate_bp) * i64::from(subject.model_year - year);
    let mileage = km.map_or(Decimal::ZERO, |km| {
        -Decimal::from(policy.mileage_rate_bp_per_10k_km) * Decimal::from(subject.mileage_km - km)
            / Decimal::from(10_000)
    });
    let total = Decimal::from(year_bp) + mileage;
    let cap = Decimal::from(policy.max_adjustment_bp);
    let capped = total.abs() > cap;
    let total = total.clamp(-cap, cap);
    (
        total / Decimal::from(BP),
        year_bp,
        round_i64(mileage),
        capped,
    )
}

/// The weighted `num/den` quantile of sorted `(value, weight)` pairs: the first value whose
/// running weight reaches the share, the midpoint with the next when it lands exactly on it.
fn quantile(sorted: &[(i64, u32)], num: u64, den: u64) -> i64 {
    let total: u64 = sorted.iter().map(|(_, w)| u64::from(*w)).sum();
    let target = total * num;
    let mut running = 0u64;
    for (i, (value, weight)) in sorted.iter().enumerate() {
        running += u64::from(*weight);
        if running * den >= target {
            if running * den == target
                && let Some((next, _)) = sorted.get(i + 1)
            {
                return round_i64((Decimal::from(*value) + Decimal::from(*next)) / Decimal::TWO);
            }
            return *value;
        }
    }
    sorted.last().map_or(0, |(v, _)| *v)
}

fn same_line(subject: &PricingSubject, brand: &str, model: &str, year: i32) -> bool {
    brand == subject.brand_key
        && model == subject.model_key
        && (year - subject.model_year).abs() <= 1
}

fn within_days(date: NaiveDate, today: NaiveDate, days: u32) -> bool {
    date <= today && (today - date).num_days() <= i64::from(days)
}

/// Suggests a price range for `subject`. Comparables and quotes of other lines, other years
/// (beyond ±1), another condition, stale dates or non-positive prices are left out and counted.
pub fn suggest_price(
    subject: &PricingSubject,
    comparables: &[Comparable],
    market: &[MarketReference],
    policy: &PricingPolicy,
    today: NaiveDate,
) -> PriceSuggestion {
    let mut reasons = Vec::new();
    let usable = |c: &&Comparable| {
        same_line(subject, &c.brand_key, &c.model_key, c.model_year)
            && c.condition == subject.condition
            && c.price_cents > 0
            && match c.source {
                ComparableSource::Sold => within_days(c.date, today, policy.sold_max_age_days),
                ComparableSource::Listed => c.date <= today,
            }
    };
    let mut adjusted: Vec<AdjustedComparable> = comparables
        .iter()
        .filter(usable)
        .map(|c| {
            let (factor, year_bp, mileage_bp, capped) =
                adjustment(subject, c.model_year, Some(c.mileage_km), policy);
            let price = Decimal::from(c.price_cents);
            AdjustedComparable {
                reference: c.reference.clone(),
                source: c.source,
                price_cents: c.price_cents,
                year_adjustment_bp: year_bp,
                mileage_adjustment_bp: mileage_bp,
                capped,
                adjusted_cents: round_i64(price + price * factor),
                weight: match c.source {
                    ComparableSource::Sold => policy.sold_weight,
                    ComparableSource::Listed => policy.listed_weight,
                },
            }
        })
        .filter(|c| c.weight > 0)
        .collect();
    adjusted.sort_by(|a, b| {
        a.adjusted_cents
            .cmp(&b.adjusted_cents)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    let fresh: Vec<(&MarketReference, i64)> = market
        .iter()
        .filter(|m| {
            same_line(subject, &m.brand_key, &m.model_key, m.model_year)
                && m.price_cents > 0
                && within_days(m.observed_on, today, policy.market_max_age_days)
        })
        .map(|m| {
            let (factor, ..) = adjustment(subject, m.model_year, m.mileage_km, policy);
            let price = Decimal::from(m.price_cents);
            (m, round_i64(price + price * factor))
        })
        .collect();
    let mut quotes: Vec<i64> = fresh.iter().map(|(_, q)| *q).collect();
    quotes.sort_unstable();
    let mut sources: Vec<&str> = fresh.iter().map(|(m, _)| m.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let ignored = comparables.len() - adjusted.len() + market.len() - quotes.len();
    if ignored > 0 {
        reasons.push(PriceReason {
            code: price_reason::IGNORED,
            message_zh: format!("{ignored}条记录因车系、年份、车况、价格或时效不符未采用"),
            message_en: format!(
                "{ignored} records left out: another model, year, condition, no price, or too old"
            ),
            amount_cents: None,
        });
    }

    let enough = adjusted.len() >= policy.min_comparables as usize;
    let market_value = (!quotes.is_empty()).then(|| {
        let pairs: Vec<(i64, u32)> = quotes.iter().map(|q| (*q, 1)).collect();
        quantile(&pairs, 1, 2)
    });
    let (mut low, mut point, mut high) = match (enough, market_value) {
        (false, None) => {
            reasons.push(PriceReason {
                code: price_reason::INSUFFICIENT_COMPARABLES,
                message_zh: format!(
                    "可比车源不足：{}辆，至少需要{}辆",
                    adjusted.len(),
                    policy.min_comparables
                ),
                message_en: format!(
                    "Too few comparable cars: {}, at least {} needed",
                    adjusted.len(),
                    policy.min_comparables
                ),
                amount_cents: None,
            });
            reasons.push(PriceReason {
                code: price_reason::NO_MARKET_REFERENCE,
                message_zh: "没有近期的市场参考价".into(),
                message_en: "No recent market reference price".into(),
                amount_cents: None,
            });
            return PriceSuggestion::InsufficientData { reasons };
        }
        (true, _) => {
            let pairs: Vec<(i64, u32)> = adjusted
                .iter()
                .map(|c| (c.adjusted_cents, c.weight))
                .collect();
            let median = quantile(&pairs, 1, 2);
            let sold = adjusted
                .iter()
                .filter(|c| c.source == ComparableSource::Sold)
                .count();
            reasons.push(PriceReason {
                code: price_reason::COMPARABLES,
                message_zh: format!(
                    "可比车源{}辆（成交{}辆、在售{}辆），按年份、里程调整后加权中位价{}",
                    adjusted.len(),
                    sold,
                    adjusted.len() - sold,
                    yuan_zh(median)
                ),
                message_en: format!(
                    "{} comparable cars ({} sold, {} listed); weighted median after year and \
                     mileage adjustment {}",
                    adjusted.len(),
                    sold,
                    adjusted.len() - sold,
                    yuan_en(median)
                ),
                amount_cents: Some(median),
            });
            let (q1, q3) = (quantile(&pairs, 1, 4), quantile(&pairs, 3, 4));
            let point = match market_value {
                Some(value) => {
                    market_reason(&mut reasons, value, quotes.len(), &sources);
                    let w = bp(i64::from(policy.market_weight_bp));
                    let blended = round_i64(
                        Decimal::from(median) * (Decimal::ONE - w) + Decimal::from(value) * w,
                    );
                    reasons.push(PriceReason {
                        code: price_reason::BLEND,
                        message_zh: format!(
                            "可比车源与市场参考价按{}%比{}%综合：{}",
                            percent(10_000 - policy.market_weight_bp),
                            percent(policy.market_weight_bp),
                            yuan_zh(blended)
                        ),
                        message_en: format!(
                            "comparables and market reference weighed {}% to {}%: {}",
                            percent(10_000 - policy.market_weight_bp),
                            percent(policy.market_weight_bp),
                            yuan_en(blended)
                        ),
                        amount_cents: Some(blended),
                    });
                    blended
                }
                None => median,
            };
            (q1, point, q3)
        }
        (false, Some(value)) => {
            reasons.push(PriceReason {
                code: price_reason::INSUFFICIENT_COMPARABLES,
                message_zh: format!(
                    "可比车源仅{}辆（至少需要{}辆），按市场参考价估算",
                    adjusted.len(),
                    policy.min_comparables
                ),
                message_en: format!(
                    "Only {} comparable cars ({} needed); based on the market reference",
                    adjusted.len(),
                    policy.min_comparables
                ),
                amount_cents: None,
            });
            market_reason(&mut reasons, value, quotes.len(), &sources);
            let lowest = quotes.first().copied().unwrap_or(value);
            let highest = quotes.last().copied().unwrap_or(value);
            (lowest, value, highest)
        }
    };

    let spread = bp(i64::from(policy.min_spread_bp));
    low = low.min(round_i64(Decimal::from(point) * (Decimal::ONE - spread)));
    high = high.max(round_i64(Decimal::from(point) * (Decimal::ONE + spread)));

    if let Some(step) = policy.aging_discount(subject.days_in_stock) {
        let keep = Decimal::ONE - bp(i64::from(step.discount_bp));
        let discounted = round_i64(Decimal::from(point) * keep);
        reasons.push(PriceReason {
            code: price_reason::AGING_DISCOUNT,
            message_zh: format!(
                "在库{}天（超过{}天），建议让价{}%（约{}）",
                subject.days_in_stock,
                step.after_days,
                percent(step.discount_bp),
                yuan_zh(point - discounted)
            ),
            message_en: format!(
                "{} days in stock (over {}): {}% aging discount (about {})",
                subject.days_in_stock,
                step.after_days,
                percent(step.discount_bp),
                yuan_en(point - discounted)
            ),
            amount_cents: Some(point - discounted),
        });
        low = round_i64(Decimal::from(low) * keep);
        point = discounted;
        high = round_i64(Decimal::from(high) * keep);
    }

    let unit = policy.rounding_cents;
    reasons.push(PriceReason {
        code: price_reason::ROUNDING,
        message_zh: format!("金额按{}四舍五入取整", yuan_zh(unit)),
        message_en: format!("amounts rounded half-up to {}", yuan_en(unit)),
        amount_cents: Some(unit),
    });
    PriceSuggestion::Suggested {
        low_cents: round_to(low, unit),
        point_cents: round_to(point, unit),
        high_cents: round_to(high, unit),
        comparables: adjusted,
        reasons,
    }
}

fn market_reason(reasons: &mut Vec<PriceReason>, value: i64, count: usize, sources: &[&str]) {
    reasons.push(PriceReason {
        code: price_reason::MARKET_REFERENCE,
        message_zh: format!(
            "市场参考价{}（{}条，来源：{}）",
            yuan_zh(value),
            count,
            sources.join("、")
        ),
        message_en: format!(
            "market reference {} ({} quotes from {})",
            yuan_en(value),
            count,
            sources.join(", ")
        ),
        amount_cents: Some(value),
    });
}

#[cfg(test)]
mod tests;
