//! A customer's (or a lead's) needs: what matching, lead scoring and tags read.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::vehicle::{BodyType, Condition, EnergyType, Transmission};

crate::text_enum! {
    /// When the customer means to buy. Lead grades read it (DESIGN §5: H within 7 days, A
    /// within 15, B within 30, C later or unknown).
    pub enum PurchaseTimeframe {
        Within7Days = "within_7_days",
        Within15Days = "within_15_days",
        Within30Days = "within_30_days",
        Within90Days = "within_90_days",
        Later = "later",
        Unknown = "unknown",
    }
}

crate::text_enum! {
    pub enum PaymentMethod {
        Cash = "cash",
        Loan = "loan",
        Lease = "lease",
    }
}

crate::text_enum! {
    /// One thing a customer can ask of a car. Named in `Needs::must_have` it is a hard
    /// filter: a car that fails it is never offered. Otherwise it is a soft preference.
    pub enum NeedCriterion {
        Budget = "budget",
        BodyType = "body_type",
        Brand = "brand",
        EnergyType = "energy_type",
        Condition = "condition",
        Seats = "seats",
        Age = "age",
        Mileage = "mileage",
        Transmission = "transmission",
        Colour = "colour",
        Distance = "distance",
    }
}

/// The car a customer trades in (置换).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TradeIn {
    pub brand: Option<String>,
    pub model: Option<String>,
    pub year: Option<i32>,
    pub mileage_km: Option<i64>,
}

/// What a customer wants. Every field is optional: an empty `Needs` matches every car
/// equally and says nothing about the purchase window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Needs {
    /// Lowest and highest price, in fen.
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
    #[serde(default)]
    pub body_types: BTreeSet<BodyType>,
    /// Brand names as the organisation writes them (`比亚迪`, `BMW`).
    #[serde(default)]
    pub brands: Vec<String>,
    #[serde(default)]
    pub energy_types: BTreeSet<EnergyType>,
    /// New or used; `None` for either.
    pub condition: Option<Condition>,
    /// At least this many seats.
    pub seats_min: Option<u8>,
    /// Used cars no older than this many years since first registration.
    pub max_age_years: Option<u8>,
    pub max_mileage_km: Option<i64>,
    pub transmission: Option<Transmission>,
    #[serde(default)]
    pub colours: Vec<String>,
    pub timeframe: Option<PurchaseTimeframe>,
    pub payment: Option<PaymentMethod>,
    pub trade_in: Option<TradeIn>,
    /// Criteria that are hard filters; the rest are preferences.
    #[serde(default)]
    pub must_have: BTreeSet<NeedCriterion>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NeedsError {
    #[error("budget_min_cents is above budget_max_cents")]
    BudgetInverted,
    #[error("{0} must not be negative")]
    Negative(&'static str),
}

impl Needs {
    /// The rules a stored `Needs` always keeps: no negative amount, no inverted range.
    pub fn check(&self) -> Result<(), NeedsError> {
        for (field, value) in [
            ("budget_min_cents", self.budget_min_cents),
            ("budget_max_cents", self.budget_max_cents),
            ("max_mileage_km", self.max_mileage_km),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(NeedsError::Negative(field));
            }
        }
        if let (Some(min), Some(max)) = (self.budget_min_cents, self.budget_max_cents)
            && min > max
        {
            return Err(NeedsError::BudgetInverted);
        }
        Ok(())
    }

    /// True when a criterion is a hard filter.
    pub fn requires(&self, criterion: NeedCriterion) -> bool {
        self.must_have.contains(&criterion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inverted_budget_is_refused() {
        let needs = Needs {
            budget_min_cents: Some(20_000_000),
            budget_max_cents: Some(10_000_000),
            ..Needs::default()
        };
        assert_eq!(needs.check(), Err(NeedsError::BudgetInverted));
        assert!(Needs::default().check().is_ok());
    }

    #[test]
    fn needs_read_from_json_with_wire_names() {
        let needs: Needs = serde_json::from_str(
            r#"{"budget_max_cents": 15000000, "body_types": ["suv"], "energy_types": ["bev", "phev"],
                "timeframe": "within_15_days", "must_have": ["budget"]}"#,
        )
        .unwrap();
        assert!(needs.body_types.contains(&BodyType::Suv));
        assert_eq!(needs.timeframe, Some(PurchaseTimeframe::Within15Days));
        assert!(needs.requires(NeedCriterion::Budget));
        assert!(!needs.requires(NeedCriterion::Brand));
    }
}
