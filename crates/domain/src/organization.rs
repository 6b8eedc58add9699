//! An organisation's own settings: its currency and its time zone (see `time`), and the typed
//! settings sections that capabilities add.

use serde::{Deserialize, Serialize};

/// Active ISO 4217 alphabetic codes.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SYP", "SZL", "THB", "TJS",
    "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// An ISO 4217 currency code (`CNY`), in which the organisation's `_cents` amounts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency(&'static str);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 4217 currency code (e.g. CNY)")]
pub struct UnknownCurrency;

impl Currency {
    pub const CNY: Currency = Currency("CNY");

    pub fn parse(code: &str) -> Result<Self, UnknownCurrency> {
        let code = code.trim();
        ISO_4217
            .iter()
            .find(|c| c.eq_ignore_ascii_case(code))
            .map(|c| Currency(c))
            .ok_or(UnknownCurrency)
    }

    pub fn code(self) -> &'static str {
        self.0
    }
}

/// The settings sections of an organisation. Each capability adds its own typed section
/// (lead scoring weights, matching weights, ...), never free JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSettings {
    /// Customer–vehicle matching weights and the transfer cost model; the defaults when
    /// absent (`GET/PUT /api/v1/settings/vehicle-matching`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_matching: Option<crate::vehicle::MatchSettings>,
    /// Lead scoring weights, bands and grade moves (`/api/v1/settings/lead-scoring`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_scoring: Option<crate::leads::scoring::LeadScoringConfig>,
    /// Lead routing rules, in order (`/api/v1/settings/lead-routing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_routing: Option<crate::leads::routing::RoutingConfig>,
    /// Lead pool return times, claim cap and reclaim ban (`/api/v1/settings/lead-pool`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_pool: Option<crate::leads::pool::PoolConfig>,
    /// First-response times, follow-up cadences, the escalation ladder
    /// (`/api/v1/settings/lead-sla`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_sla: Option<crate::leads::sla::SlaConfig>,
    /// Behaviour trigger rules (`/api/v1/settings/lead-triggers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_triggers: Option<crate::leads::triggers::TriggerConfig>,
    /// Whether lost requests wait for a manager (`/api/v1/settings/lost-policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_policy: Option<crate::leads::LostPolicy>,
    /// Stage gates and probabilities (`/api/v1/settings/deals`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deals: Option<crate::sales::deals::DealConfig>,
    /// Quote validity (`/api/v1/settings/quotes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes: Option<crate::sales::quotes::QuoteConfig>,
    /// Vehicle purchase tax rules (`/api/v1/settings/purchase-tax`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_tax: Option<crate::sales::purchase_tax::PurchaseTaxRules>,
    /// JSON lead intake field mappings, per API client id
    /// (`/api/v1/api-clients/{id}/lead-mapping`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub lead_intake_mappings:
        std::collections::BTreeMap<String, crate::leads::intake_mapping::IntakeMapping>,
    /// Test drive slots and opening hours (`/api/v1/settings/test-drives`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_drives: Option<crate::sales::test_drives::TestDriveConfig>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_codes() {
        assert_eq!(Currency::parse(" cny ").unwrap(), Currency::CNY);
        assert_eq!(Currency::parse("HKD").unwrap().code(), "HKD");
        assert!(Currency::parse("RMB").is_err());
        assert!(Currency::parse("").is_err());
        let mut sorted = ISO_4217.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ISO_4217.len());
    }
}
