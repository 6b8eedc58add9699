//! Per-client field mappings for JSON lead intake: the push formats of Autohome, Dongchedi,
//! Yiche or a dealer's web form are reshaped into AutoCRM's lead body without code. A mapping
//! names, for each of our fields, where its value sits in the client's payload (a JSON
//! pointer), or a constant; optionally a table translating their values into ours
//! (`"一周内"` → `within_7_days`) and a multiplier for amounts (`万元` → fen).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::validation::{Invalid, IssueCode, Issues};

/// The fields of the lead body a mapping may fill, as dotted paths.
pub const TARGETS: &[&str] = &[
    "source",
    "source_lead_id",
    "store_id",
    "store_name",
    "customer.name",
    "customer.phone",
    "customer.wechat_id",
    "customer.email",
    "customer.city",
    "wanted.condition",
    "wanted.stock_number",
    "wanted.vin",
    "wanted.brand",
    "wanted.model",
    "wanted.body_type",
    "wanted.energy_type",
    "wanted.budget_min_cents",
    "wanted.budget_max_cents",
    "timeframe",
    "payment",
    "trade_in.brand",
    "trade_in.model",
    "trade_in.year",
    "trade_in.mileage_km",
    "campaign_id",
    "utm.source",
    "utm.medium",
    "utm.campaign",
    "utm.term",
    "utm.content",
    "referrer",
    "note",
];

/// The targets that take numbers; every other target takes text, so a platform's numeric id
/// becomes its text.
const NUMERIC: &[&str] = &[
    "wanted.budget_min_cents",
    "wanted.budget_max_cents",
    "trade_in.year",
    "trade_in.mileage_km",
];

/// Most entries in one part of a mapping.
pub const MAPPING_ENTRIES_MAX: usize = 100;

/// One client's mapping. Fields not mapped are left out of the body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeMapping {
    /// Our field → a JSON pointer into their payload (`/clue/mobile`).
    pub fields: BTreeMap<String, String>,
    /// Our field → a fixed value (`"source": "autohome"`).
    pub constants: BTreeMap<String, Value>,
    /// Our field → their value → ours. A value without an entry passes unchanged.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Our field → a whole-number factor their number (or numeric text) is multiplied by:
    /// budgets in 万元 are `1000000` fen.
    pub multipliers: BTreeMap<String, i64>,
}

impl IntakeMapping {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        let known = |target: &str| TARGETS.contains(&target);
        for (part, keys) in [
            ("fields", self.fields.keys().collect::<Vec<_>>()),
            ("constants", self.constants.keys().collect()),
            ("values", self.values.keys().collect()),
            ("multipliers", self.multipliers.keys().collect()),
        ] {
            if keys.len() > MAPPING_ENTRIES_MAX {
                issues.push(
                    part,
                    IssueCode::OutOfRange,
                    format!("at most {MAPPING_ENTRIES_MAX} entries"),
                );
            }
            for key in keys {
                if !known(key) {
                    issues.push(
                        format!("{part}.{key}"),
                        IssueCode::NotAllowed,
                        "not a field of the lead body",
                    );
                }
            }
        }
        for (target, pointer) in &self.fields {
            if !(pointer.is_empty() || pointer.starts_with('/')) || pointer.len() > 200 {
                issues.push(
                    format!("fields.{target}"),
                    IssueCode::NotAllowed,
                    "a JSON pointer (RFC 6901) such as /clue/mobile, at most 200 characters",
                );
            }
        }
        for (target, table) in &self.values {
            if table.len() > MAPPING_ENTRIES_MAX {
                issues.push(
                    format!("values.{target}"),
                    IssueCode::OutOfRange,
                    format!("at most {MAPPING_ENTRIES_MAX} entries"),
                );
            }
        }
        for (target, &factor) in &self.multipliers {
            if !(1..=100_000_000).contains(&factor) {
                issues.push(
                    format!("multipliers.{target}"),
                    IssueCode::OutOfRange,
                    "from 1 to 100000000",
                );
            }
        }
        issues.finish()
    }

    /// Their payload reshaped into our lead body (still to be validated as any body is).
    /// Constants come first and a mapped value that is present overrides them; a pointer that
    /// finds nothing, or `null`, leaves the field out.
    pub fn apply(&self, payload: &Value) -> Value {
        let mut body = Value::Object(Map::new());
        for (target, value) in &self.constants {
            set_path(&mut body, target, value.clone());
        }
        for (target, pointer) in &self.fields {
            let Some(found) = payload.pointer(pointer).filter(|v| !v.is_null()) else {
                continue;
            };
            let mut value = found.clone();
            if let Some(table) = self.values.get(target) {
                let key = match &value {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                if let Some(ours) = key.and_then(|k| table.get(&k)) {
                    value = Value::String(ours.clone());
                }
            }
            if let Some(&factor) = self.multipliers.get(target) {
                value = multiplied(&value, factor).unwrap_or(value);
            }
            if let Value::Number(n) = &value
                && !NUMERIC.contains(&target.as_str())
            {
                value = Value::String(n.to_string());
            }
            set_path(&mut body, target, value);
        }
        body
    }
}

/// `value × factor` as a whole number, from a number or numeric text ("12.5" 万 → 125000000
/// fen); `None` when it is not a number or overflows.
fn multiplied(value: &Value, factor: i64) -> Option<Value> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let scale = 10_i64.pow(u32::try_from(fraction.len()).ok()?);
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let total = whole
        .checked_mul(factor)?
        .checked_add(fraction.checked_mul(factor)? / scale)?;
    Some(Value::from(total))
}

fn set_path(body: &mut Value, path: &str, value: Value) {
    let mut at = body;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Value::Object(map) = at else { return };
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return;
        }
        at = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn autohome() -> IntakeMapping {
        serde_json::from_value(json!({
            "fields": {
                "source_lead_id": "/clueId",
                "customer.name": "/userName",
                "customer.phone": "/mobile",
                "customer.city": "/cityName",
                "wanted.brand": "/series/brandName",
                "wanted.model": "/series/seriesName",
                "wanted.budget_max_cents": "/budgetMax",
                "timeframe": "/buyTime"
            },
            "constants": {"source": "autohome"},
            "values": {"timeframe": {"一周内": "within_7_days", "一个月内": "within_30_days"}},
            "multipliers": {"wanted.budget_max_cents": 1000000}
        }))
        .unwrap()
    }

    #[test]
    fn a_platform_push_becomes_a_lead_body() {
        let push = json!({
            "clueId": 8812345, "userName": "王先生", "mobile": "13800138000", "cityName": "杭州",
            "series": {"brandName": "比亚迪", "seriesName": "汉EV"}, "budgetMax": "25.5",
            "buyTime": "一周内", "extra": {"ignored": true}
        });
        let body = autohome().apply(&push);
        assert_eq!(
            body,
            json!({
                "source": "autohome", "source_lead_id": "8812345",
                "customer": {"name": "王先生", "phone": "13800138000", "city": "杭州"},
                "wanted": {"brand": "比亚迪", "model": "汉EV", "budget_max_cents": 25500000},
                "timeframe": "within_7_days"
            })
        );
        assert!(autohome().validate().is_ok());
    }

    #[test]
    fn missing_and_null_values_are_left_out_and_unknown_values_pass() {
        let body = autohome().apply(&json!({"mobile": null, "buyTime": "半年内"}));
        assert_eq!(body, json!({"source": "autohome", "timeframe": "半年内"}));
    }

    #[test]
    fn a_mapping_names_only_lead_fields_and_pointers() {
        let bad: IntakeMapping = serde_json::from_value(json!({
            "fields": {"customer.salary": "/x", "customer.name": "name"},
            "multipliers": {"wanted.budget_max_cents": 0}
        }))
        .unwrap();
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .issues
            .into_iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(
            fields,
            [
                "fields.customer.salary",
                "fields.customer.name",
                "multipliers.wanted.budget_max_cents"
            ]
        );
    }

    #[test]
    fn amounts_scale_exactly() {
        assert_eq!(
            multiplied(&json!("12.5"), 1_000_000),
            Some(json!(12_500_000))
        );
        assert_eq!(multiplied(&json!(30), 1_000_000), Some(json!(30_000_000)));
        assert_eq!(multiplied(&json!("abc"), 10), None);
        assert_eq!(multiplied(&json!("-1"), 10), None);
        assert_eq!(multiplied(&json!(i64::MAX), 10), None);
    }
}
