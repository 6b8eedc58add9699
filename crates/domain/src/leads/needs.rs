//! What a lead asks for: the wanted car, the purchase window, payment and trade-in. A lead's
//! needs update its customer's needs (matching and scoring read the customer's).

use serde::{Deserialize, Serialize};

use crate::customer::{Needs, NeedsError, PaymentMethod, PurchaseTimeframe, TradeIn};
use crate::vehicle::{BodyType, Condition, EnergyType};

/// The car a lead asks about. Each part optional: a platform lead often names only a model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WantedVehicle {
    pub condition: Option<Condition>,
    /// The dealer's stock number, when the enquiry was about one car.
    pub stock_number: Option<String>,
    pub vin: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub body_type: Option<BodyType>,
    pub energy_type: Option<EnergyType>,
    /// Fen.
    pub budget_min_cents: Option<i64>,
    pub budget_max_cents: Option<i64>,
}

/// What a lead states.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadNeeds {
    #[serde(default)]
    pub wanted: WantedVehicle,
    pub timeframe: Option<PurchaseTimeframe>,
    pub payment: Option<PaymentMethod>,
    pub trade_in: Option<TradeIn>,
}

impl LeadNeeds {
    pub fn is_empty(&self) -> bool {
        *self == LeadNeeds::default()
    }

    /// No negative amount, no inverted budget.
    pub fn check(&self) -> Result<(), NeedsError> {
        self.merged_into(None).check()
    }

    /// The customer's needs with this lead's stated on top: a newer statement of the same
    /// thing replaces the older (budget, condition, window, payment, trade-in); a named
    /// brand, body or energy is added to those the customer already named (most recent
    /// first). Hard filters (`must_have`) stay as the customer set them.
    pub fn merged_into(&self, customer: Option<&Needs>) -> Needs {
        let mut needs = customer.cloned().unwrap_or_default();
        let w = &self.wanted;
        if w.budget_min_cents.is_some() || w.budget_max_cents.is_some() {
            needs.budget_min_cents = w.budget_min_cents;
            needs.budget_max_cents = w.budget_max_cents;
        }
        if let Some(brand) = w.brand.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            needs.brands.retain(|b| !b.eq_ignore_ascii_case(brand));
            needs.brands.insert(0, brand.to_owned());
        }
        needs.body_types.extend(w.body_type);
        needs.energy_types.extend(w.energy_type);
        if w.condition.is_some() {
            needs.condition = w.condition;
        }
        if self.timeframe.is_some() {
            needs.timeframe = self.timeframe;
        }
        if self.payment.is_some() {
            needs.payment = self.payment;
        }
        if self.trade_in.is_some() {
            needs.trade_in = self.trade_in.clone();
        }
        needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_updates_what_it_states_and_keeps_the_rest() {
        let customer = Needs {
            budget_max_cents: Some(20_000_000),
            brands: vec!["宝马".into(), "BYD".into()],
            seats_min: Some(7),
            timeframe: Some(PurchaseTimeframe::Later),
            ..Needs::default()
        };
        let lead = LeadNeeds {
            wanted: WantedVehicle {
                brand: Some("byd".into()),
                body_type: Some(BodyType::Suv),
                budget_min_cents: Some(15_000_000),
                budget_max_cents: Some(18_000_000),
                ..WantedVehicle::default()
            },
            timeframe: Some(PurchaseTimeframe::Within7Days),
            ..LeadNeeds::default()
        };
        let merged = lead.merged_into(Some(&customer));
        assert_eq!(merged.brands, vec!["byd".to_owned(), "宝马".to_owned()]);
        assert_eq!(merged.budget_min_cents, Some(15_000_000));
        assert_eq!(merged.budget_max_cents, Some(18_000_000));
        assert_eq!(merged.seats_min, Some(7));
        assert!(merged.body_types.contains(&BodyType::Suv));
        assert_eq!(merged.timeframe, Some(PurchaseTimeframe::Within7Days));
    }

    #[test]
    fn an_inverted_budget_is_refused() {
        let lead = LeadNeeds {
            wanted: WantedVehicle {
                budget_min_cents: Some(2),
                budget_max_cents: Some(1),
                ..WantedVehicle::default()
            },
            ..LeadNeeds::default()
        };
        assert!(lead.check().is_err());
        assert!(LeadNeeds::default().check().is_ok());
        assert!(LeadNeeds::default().is_empty());
    }
}
