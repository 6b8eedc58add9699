//! What the quote endpoints read and write.

use std::collections::BTreeMap;

use autocrm_domain::financing as fin;
use autocrm_domain::leads::LostReason;
use autocrm_domain::sales::deals::AttachmentKind;
use autocrm_domain::sales::purchase_tax::{NevRelief, PurchaseTaxRules, TaxBasis};
use autocrm_domain::sales::quotes::{QuoteConfig, QuoteLineInput, QuoteLineKind, QuoteStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::service::{FinancingRequest, NewQuote, Shown};
use crate::app::ServiceError;
use crate::financing::dto::calculator::{CalculateRequest, MethodDto};
use crate::financing::stored::QuoteDto as LoanScheduleDto;
use crate::sales::deals::dto::WaiverDto;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, string_enum};

string_enum!(LineKindSchema = QuoteLineKind::NAMES);
string_enum!(QuoteStatusSchema = QuoteStatus::NAMES);
string_enum!(DeclineReasonSchema = LostReason::NAMES);

/// One line as entered: the amount is never negative (discounts and the trade-in allowance
/// are subtracted by their kind).
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "accessory", "label": "隐形车衣", "amount_cents": 350000}))]
pub struct QuoteLineBody {
    /// vehicle_price (one at most), discount, accessory, insurance, extended_warranty,
    /// registration_fee or trade_in_allowance; `purchase_tax` is computed, never entered.
    #[validate(custom(function = "rules::one_of::<QuoteLineKind>"))]
    #[schema(value_type = LineKindSchema, inline)]
    pub kind: String,
    /// What it is (`贴膜`, `三年延保`); without one, clients show the kind.
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub label: Option<String>,
    /// In fen, 0 to 10^13.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub amount_cents: i64,
}

/// A financing plan for the quote, priced by the financing calculator on the vehicle price
/// net of discounts.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"lender": "比亚迪汽车金融", "down_payment_percent": 30,
    "term_months": 36, "annual_rate_percent": 3.5, "method": "equal_installment"}))]
pub struct QuoteFinancingBody {
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub lender: Option<String>,
    /// Exactly one of this and `down_payment_percent`; at most the net price.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub down_payment_cents: Option<i64>,
    /// 0 to 100; exactly one of this and `down_payment_cents`.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub down_payment_percent: Option<serde_json::Number>,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 1, max = "fin::MAX_TERM_MONTHS"))]
    #[schema(minimum = 1, maximum = 120)]
    pub term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[schema(value_type = f64, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
    pub method: MethodDto,
    /// Only for `balloon`: less than the financed amount.
    #[serde(default, deserialize_with = "crate::validate::optional_integer")]
    #[validate(range(min = 1, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000i64)]
    pub balloon_cents: Option<i64>,
    /// Lender fees paid at signing; default 0.
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = "fin::MAX_AMOUNT_CENTS"))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
    /// Period k is due k months after this date; default today.
    pub start_date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "purchase_date": "2026-12-20", "in_relief_catalogue": true,
    "lines": [
        {"kind": "vehicle_price", "label": "比亚迪 汉 EV 荣耀版", "amount_cents": 21980000},
        {"kind": "discount", "label": "年终限时优惠", "amount_cents": 800000},
        {"kind": "accessory", "label": "隐形车衣", "amount_cents": 350000},
        {"kind": "insurance", "label": "商业险+交强险", "amount_cents": 580000},
        {"kind": "extended_warranty", "label": "三年延保", "amount_cents": 300000},
        {"kind": "registration_fee", "label": "上牌服务费", "amount_cents": 50000},
        {"kind": "trade_in_allowance", "label": "旧车置换 大众朗逸 2018款", "amount_cents": 3000000}
    ],
    "financing": {"lender": "比亚迪汽车金融", "down_payment_percent": 30, "term_months": 36,
        "annual_rate_percent": 3.5, "method": "equal_installment"}
}))]
pub struct CreateQuote {
    /// A car of the organisation (422 `not_found`); without it, the deal's car (422
    /// `required` when the deal has none).
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub vehicle_id: Option<String>,
    /// The expected invoice date, which decides the purchase-tax rules; default today.
    pub purchase_date: Option<NaiveDate>,
    /// Whether the car is in the purchase-tax relief catalogue (new-energy cars); default
    /// true.
    pub in_relief_catalogue: Option<bool>,
    /// At most 100. Without a `vehicle_price` line, the car's asking price comes first. The
    /// purchase tax line is added, computed. 422 on `lines` when discounts exceed the price
    /// or the trade-in exceeds what the customer pays.
    #[validate(nested, length(max = 100))]
    #[schema(max_items = 100)]
    #[serde(default)]
    pub lines: Vec<QuoteLineBody>,
    /// A financing plan; its problems are named under `financing.`.
    #[validate(nested)]
    pub financing: Option<QuoteFinancingBody>,
}

impl CreateQuote {
    pub fn into_command(self) -> NewQuote {
        NewQuote {
            vehicle_id: self
                .vehicle_id
                .as_deref()
                .map(|s| rules::normalised_id(s).unwrap_or_default()),
            lines: self
                .lines
                .into_iter()
                .map(|l| QuoteLineInput {
                    kind: l.kind.parse().unwrap_or(QuoteLineKind::Accessory),
                    label: rules::trimmed(l.label.as_deref()),
                    amount_cents: l.amount_cents,
                })
                .collect(),
            purchase_date: self.purchase_date,
            in_relief_catalogue: self.in_relief_catalogue,
            financing: self.financing.map(|f| FinancingRequest {
                lender: rules::trimmed(f.lender.as_deref()),
                plan: CalculateRequest {
                    // Set by the service to the quote's net vehicle price.
                    vehicle_price_cents: 0,
                    down_payment_cents: f.down_payment_cents,
                    down_payment_percent: f.down_payment_percent,
                    term_months: f.term_months,
                    annual_rate_percent: f.annual_rate_percent,
                    method: f.method,
                    balloon_cents: f.balloon_cents,
                    fees_cents: f.fees_cents,
                    fees_financed: f.fees_financed,
                    start_date: f.start_date,
                },
            }),
        }
    }
}

/// Why the customer turned the quote down.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "price", "note": "客户对比了竞品报价，希望再多优惠三万"}))]
pub struct DeclineQuote {
    /// price, competitor, financing_refused, no_stock, timing or other (`other` needs a
    /// note): the list a lost deal's reason comes from.
    #[validate(custom(function = "rules::one_of::<LostReason>"))]
    #[schema(value_type = DeclineReasonSchema, inline)]
    pub reason: String,
    #[validate(length(max = 1000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<1000>>, inline)]
    pub note: Option<String>,
}

impl DeclineQuote {
    /// The reason and note (validated: the reason is one of the list).
    pub fn into_command(self) -> Result<(LostReason, Option<String>), ServiceError> {
        let reason = self.reason.parse().map_err(|_| {
            ServiceError::invalid("reason", "not_allowed", "not one of the lost reasons")
        })?;
        Ok((reason, self.note))
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "waivers": [{"gate": "test_drive_agreement", "reason": "客户已有同款车，无需试驾"}]}))]
pub struct AcceptQuote {
    /// For the deal's move to contract: documents its gate asks for that a reason stands in
    /// for (where the gate allows).
    #[validate(nested, length(max = 10))]
    #[schema(max_items = 10)]
    pub waivers: Option<Vec<WaiverDto>>,
}

impl AcceptQuote {
    pub fn into_waivers(self) -> BTreeMap<AttachmentKind, String> {
        self.waivers
            .unwrap_or_default()
            .into_iter()
            .filter_map(|w| Some((w.gate.parse().ok()?, w.reason.trim().to_owned())))
            .collect()
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"kind": "discount", "label": "年终限时优惠", "amount_cents": -800000}))]
pub struct QuoteLineDto {
    #[schema(value_type = LineKindSchema, inline)]
    pub kind: String,
    pub label: Option<String>,
    /// In fen; deductions (discount, trade_in_allowance) are negative.
    pub amount_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"vehicle_net_cents": 21180000,
    "by_kind": {"vehicle_price": 21980000, "discount": -800000, "accessory": 350000,
        "insurance": 580000, "extended_warranty": 300000, "registration_fee": 50000,
        "purchase_tax": 937168, "trade_in_allowance": -3000000},
    "total_cents": 20397168}))]
pub struct QuoteTotalsDto {
    /// Vehicle price less discounts: what the purchase tax and the loan are computed on.
    pub vehicle_net_cents: i64,
    /// The sum of the lines of each kind present.
    #[schema(value_type = Object)]
    pub by_kind: BTreeMap<String, i64>,
    /// The sum of all lines, to the fen: what the customer pays.
    pub total_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"purchase_date": "2026-12-20", "condition": "new",
    "energy_type": "bev", "in_relief_catalogue": true, "taxable_price_cents": 18743363,
    "tax_before_relief_cents": 1874336, "relief_cents": 937168, "payable_cents": 937168,
    "basis": "nev_relief", "relief_capped": false}))]
pub struct QuoteTaxDto {
    pub purchase_date: NaiveDate,
    pub condition: String,
    pub energy_type: String,
    pub in_relief_catalogue: bool,
    /// The net price without VAT.
    pub taxable_price_cents: i64,
    pub tax_before_relief_cents: i64,
    pub relief_cents: i64,
    pub payable_cents: i64,
    /// `standard`, `nev_relief`, `nev_not_in_catalogue` or `used_vehicle`.
    pub basis: String,
    /// The relief was limited by its cap (30,000 CNY in 2024–2025, 15,000 in 2026–2027).
    pub relief_capped: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"lender": "比亚迪汽车金融", "method": "equal_installment",
    "term_months": 36, "annual_rate_percent": 3.5,
    "plan": {"vehicle_price_cents": 21180000, "down_payment_percent": 30, "term_months": 36,
        "annual_rate_percent": 3.5, "method": "equal_installment", "fees_cents": 0,
        "fees_financed": false, "start_date": "2026-12-10"},
    "schedule": {"down_payment_cents": 6354000, "fees_cents": 0,
        "financed_amount_cents": 14826000, "monthly_payment_cents": 434443,
        "total_interest_cents": 813948, "total_payment_cents": 15639948, "apr_percent": 3.5,
        "effective_annual_rate_percent": 3.5567, "schedule": []}}))]
pub struct QuoteFinancingDto {
    pub lender: Option<String>,
    pub method: MethodDto,
    pub term_months: u32,
    #[schema(value_type = f64)]
    pub annual_rate_percent: serde_json::Number,
    /// The plan as priced (the price is the quote's net vehicle price): what acceptance opens
    /// a financing application with.
    pub plan: CalculateRequest,
    pub schedule: LoanScheduleDto,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a601-4d5e-7f00-8a1b-5c6d7e8f9a01",
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80", "version_number": 2,
    "status": "sent", "valid_until": "2026-12-17T02:00:00Z",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB0P2000017",
    "lines": [
        {"kind": "vehicle_price", "label": "比亚迪 汉 EV 荣耀版", "amount_cents": 21980000},
        {"kind": "discount", "label": "年终限时优惠", "amount_cents": -800000},
        {"kind": "accessory", "label": "隐形车衣", "amount_cents": 350000},
        {"kind": "insurance", "label": "商业险+交强险", "amount_cents": 580000},
        {"kind": "extended_warranty", "label": "三年延保", "amount_cents": 300000},
        {"kind": "registration_fee", "label": "上牌服务费", "amount_cents": 50000},
        {"kind": "trade_in_allowance", "label": "旧车置换 大众朗逸 2018款", "amount_cents": -3000000},
        {"kind": "purchase_tax", "label": null, "amount_cents": 937168}
    ],
    "totals": {"vehicle_net_cents": 21180000,
        "by_kind": {"vehicle_price": 21980000, "discount": -800000, "accessory": 350000,
            "insurance": 580000, "extended_warranty": 300000, "registration_fee": 50000,
            "purchase_tax": 937168, "trade_in_allowance": -3000000},
        "total_cents": 20397168},
    "purchase_tax": {"purchase_date": "2026-12-20", "condition": "new", "energy_type": "bev",
        "in_relief_catalogue": true, "taxable_price_cents": 18743363,
        "tax_before_relief_cents": 1874336, "relief_cents": 937168, "payable_cents": 937168,
        "basis": "nev_relief", "relief_capped": false},
    "financing": null, "financing_application_id": null,
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "accepted_at": null, "accepted_by": null,
    "declined_at": null, "declined_by": null, "decline_reason": null, "decline_note": null,
    "version": 1, "created_at": "2026-12-10T02:00:00Z", "updated_at": "2026-12-10T02:00:00Z"
}))]
pub struct QuoteDto {
    pub id: String,
    pub deal_id: String,
    /// 1, 2, … per deal; a new version never changes an earlier one.
    pub version_number: i64,
    /// As of now: a sent quote past `valid_until` is `expired`.
    #[schema(value_type = QuoteStatusSchema, inline)]
    pub status: String,
    pub valid_until: DateTime<Utc>,
    pub vehicle_id: String,
    pub vin: String,
    /// The lines in their order, then the computed purchase tax.
    pub lines: Vec<QuoteLineDto>,
    pub totals: QuoteTotalsDto,
    pub purchase_tax: QuoteTaxDto,
    pub financing: Option<QuoteFinancingDto>,
    /// The application opened when the quote was accepted with a plan.
    pub financing_application_id: Option<String>,
    pub created_by: String,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
    /// When a `declined` quote was turned down, who recorded it, why (price, competitor,
    /// financing_refused, no_stock, timing or other) and the note.
    pub declined_at: Option<DateTime<Utc>>,
    pub declined_by: Option<String>,
    pub decline_reason: Option<String>,
    pub decline_note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn basis_name(basis: &TaxBasis) -> (&'static str, bool) {
    match basis {
        TaxBasis::Standard => ("standard", false),
        TaxBasis::NevRelief { capped, .. } => ("nev_relief", *capped),
        TaxBasis::NevNotInCatalogue => ("nev_not_in_catalogue", false),
        TaxBasis::UsedVehicle => ("used_vehicle", false),
    }
}

impl From<Shown> for QuoteDto {
    fn from(s: Shown) -> Self {
        let q = s.quote;
        let (basis, capped) = basis_name(&s.tax.tax.basis);
        Self {
            id: q.id,
            deal_id: q.deal_id,
            version_number: q.version_number,
            status: s.status.as_str().to_owned(),
            valid_until: q.valid_until.and_utc(),
            vehicle_id: q.vehicle_id,
            vin: q.vin,
            lines: s
                .lines
                .into_iter()
                .map(|l| QuoteLineDto {
                    kind: l.kind.as_str().to_owned(),
                    label: l.label,
                    amount_cents: l.amount_cents,
                })
                .collect(),
            totals: QuoteTotalsDto {
                vehicle_net_cents: q.vehicle_net_cents,
                by_kind: s
                    .by_kind
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v))
                    .collect(),
                total_cents: q.total_cents,
            },
            purchase_tax: QuoteTaxDto {
                purchase_date: s.tax.purchase_date,
                condition: s.tax.vehicle.condition.as_str().to_owned(),
                energy_type: s.tax.vehicle.energy.as_str().to_owned(),
                in_relief_catalogue: s.tax.vehicle.in_relief_catalogue,
                taxable_price_cents: s.tax.tax.taxable_price_cents,
                tax_before_relief_cents: s.tax.tax.tax_before_relief_cents,
                relief_cents: s.tax.tax.relief_cents,
                payable_cents: s.tax.tax.payable_cents,
                basis: basis.to_owned(),
                relief_capped: capped,
            },
            financing: s.financing.map(|f| QuoteFinancingDto {
                lender: f.lender,
                method: f.method.into(),
                term_months: f.term_months,
                annual_rate_percent: f.plan.annual_rate_percent.clone(),
                plan: f.plan,
                schedule: f.schedule,
            }),
            financing_application_id: q.financing_application_id,
            created_by: q.created_by,
            accepted_at: q.accepted_at.map(|t| t.and_utc()),
            accepted_by: q.accepted_by,
            declined_at: q.declined_at.map(|t| t.and_utc()),
            declined_by: q.declined_by,
            decline_reason: q.decline_reason,
            decline_note: q.decline_note,
            version: q.version,
            created_at: q.created_at.and_utc(),
            updated_at: q.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"validity_days": 7}))]
pub struct QuoteSettingsDto {
    /// How many days a sent quote holds, 1 to 90.
    #[validate(range(min = 1, max = 90))]
    #[schema(minimum = 1, maximum = 90)]
    pub validity_days: u32,
}

impl From<QuoteConfig> for QuoteSettingsDto {
    fn from(c: QuoteConfig) -> Self {
        Self {
            validity_days: c.validity_days,
        }
    }
}

impl From<QuoteSettingsDto> for QuoteConfig {
    fn from(d: QuoteSettingsDto) -> Self {
        QuoteConfig {
            validity_days: d.validity_days,
        }
    }
}

/// A period of new-energy relief.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-01-01", "until": "2027-12-31",
    "relief_basis_points": 5000, "cap_cents": 1500000}))]
pub struct NevReliefDto {
    /// First and last purchase dates, both included.
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Share of the tax waived, 1 to 10000 (10000 exempts, 5000 halves).
    pub relief_basis_points: u32,
    /// Most tax waived per car, in fen.
    pub cap_cents: i64,
}

/// The purchase-tax rules: a change in law is a settings change.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rate_basis_points": 1000, "vat_basis_points": 1300,
    "nev_reliefs": [
        {"from": "2024-01-01", "until": "2025-12-31", "relief_basis_points": 10000,
         "cap_cents": 3000000},
        {"from": "2026-01-01", "until": "2027-12-31", "relief_basis_points": 5000,
         "cap_cents": 1500000}]}))]
pub struct PurchaseTaxSettingsDto {
    /// The tax rate in basis points (1000 = 10 %), 0 to 10000.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = 10_000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub rate_basis_points: i64,
    /// The VAT included in invoice prices, removed before the tax (1300 = 13 %), 0 to 10000.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[validate(range(min = 0, max = 10_000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub vat_basis_points: i64,
    /// In date order, not overlapping; at most 20.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub nev_reliefs: Vec<NevReliefDto>,
}

impl From<PurchaseTaxRules> for PurchaseTaxSettingsDto {
    fn from(r: PurchaseTaxRules) -> Self {
        Self {
            rate_basis_points: i64::from(r.rate_basis_points),
            vat_basis_points: i64::from(r.vat_basis_points),
            nev_reliefs: r
                .nev_reliefs
                .into_iter()
                .map(|n| NevReliefDto {
                    from: n.from,
                    until: n.until,
                    relief_basis_points: n.relief_basis_points,
                    cap_cents: n.cap_cents,
                })
                .collect(),
        }
    }
}

impl PurchaseTaxSettingsDto {
    /// The rules (the ranges were validated; the domain checks the rest).
    pub fn into_rules(self) -> PurchaseTaxRules {
        let bp = |v: i64| u32::try_from(v.clamp(0, 10_000)).unwrap_or(0);
        PurchaseTaxRules {
            rate_basis_points: bp(self.rate_basis_points),
            vat_basis_points: bp(self.vat_basis_points),
            nev_reliefs: self
                .nev_reliefs
                .into_iter()
                .map(|n| NevRelief {
                    from: n.from,
                    until: n.until,
                    relief_basis_points: n.relief_basis_points,
                    cap_cents: n.cap_cents,
                })
                .collect(),
        }
    }
}
