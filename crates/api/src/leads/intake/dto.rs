//! The lead body every intake door reads (staff JSON, integration JSON after its mapping,
//! each ADF prospect), and the intake answers.

use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{PaymentMethod, PurchaseTimeframe, TradeIn};
use autocrm_domain::leads::{LeadNeeds, SourceChannel, WantedVehicle};
use autocrm_domain::vehicle::{BodyType, Condition, EnergyType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::service::{Contact, NewLead, StoreRef, Utm};
use crate::leads::dto::LeadDto;
use crate::validate::rules;
use crate::validate::schema::{self, Id, OptionalText, string_enum};

string_enum!(ConditionSchema = Condition::NAMES);
string_enum!(BodySchema = BodyType::NAMES);
string_enum!(EnergySchema = EnergyType::NAMES);
string_enum!(TimeframeSchema = PurchaseTimeframe::NAMES);
string_enum!(PaymentSchema = PaymentMethod::NAMES);

fn source(value: &str) -> Result<(), ValidationError> {
    SourceChannel::parse(value)
        .map(drop)
        .map_err(|e| ValidationError::new("invalid_value").with_message(e.to_string().into()))
}

fn money(value: i64) -> Result<(), ValidationError> {
    if (0..=100_000_000_000).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new("out_of_range").with_message("from 0 to 100000000000 fen".into()))
    }
}

/// Who the lead is. At least one way to reach them: phone, WeChat id or email.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "王磊", "phone": "13812345678", "city": "杭州"}))]
pub struct LeadCustomerIn {
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub name: Option<String>,
    /// E.164, or an 11-digit Chinese mobile. Attaches the lead to the customer with this
    /// phone (any of their phones), by blind index.
    #[validate(custom(function = "rules::phone"))]
    #[schema(value_type = Option<schema::Phone>, inline)]
    pub phone: Option<String>,
    /// A WeChat openid or unionid (mini-program and official-account leads).
    #[validate(length(max = 128), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<128>>, inline)]
    pub wechat_id: Option<String>,
    #[validate(custom(function = "rules::email"))]
    #[schema(value_type = Option<schema::OptionalEmail>, inline)]
    pub email: Option<String>,
    #[validate(length(max = 50), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<50>>, inline)]
    pub city: Option<String>,
}

/// The car the lead asks about.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"condition": "new", "brand": "比亚迪", "model": "汉EV", "body_type": "sedan", "energy_type": "bev", "budget_min_cents": 20000000, "budget_max_cents": 26000000}))]
pub struct WantedIn {
    #[validate(custom(function = "rules::one_of::<Condition>"))]
    #[schema(value_type = Option<ConditionSchema>, inline)]
    pub condition: Option<String>,
    #[validate(length(max = 50), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<50>>, inline)]
    pub stock_number: Option<String>,
    #[validate(length(max = 17), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<17>>, inline)]
    pub vin: Option<String>,
    #[validate(length(max = 50), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<50>>, inline)]
    pub brand: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub model: Option<String>,
    #[validate(custom(function = "rules::one_of::<BodyType>"))]
    #[schema(value_type = Option<BodySchema>, inline)]
    pub body_type: Option<String>,
    #[validate(custom(function = "rules::one_of::<EnergyType>"))]
    #[schema(value_type = Option<EnergySchema>, inline)]
    pub energy_type: Option<String>,
    /// Fen.
    #[validate(custom(function = "money"))]
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub budget_min_cents: Option<i64>,
    #[validate(custom(function = "money"))]
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub budget_max_cents: Option<i64>,
}

/// The car the customer would trade in (置换).
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"brand": "大众", "model": "朗逸", "year": 2017, "mileage_km": 98000}))]
pub struct TradeInIn {
    #[validate(length(max = 50), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<50>>, inline)]
    pub brand: Option<String>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub model: Option<String>,
    #[validate(range(min = 1950, max = 2100))]
    pub year: Option<i32>,
    #[validate(range(min = 0, max = 5_000_000))]
    pub mileage_km: Option<i64>,
}

/// Campaign parameters of the page the lead came from.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"source": "baidu", "medium": "cpc", "campaign": "2026双十二购车节"}))]
pub struct UtmIn {
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub source: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub medium: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub campaign: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub term: Option<String>,
    #[validate(length(max = 200), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<200>>, inline)]
    pub content: Option<String>,
}

/// One lead.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "source": "autohome", "source_lead_id": "AH20261207000123",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "customer": {"name": "王磊", "phone": "13812345678", "city": "杭州"},
    "wanted": {"condition": "new", "brand": "比亚迪", "model": "汉EV", "budget_max_cents": 26000000},
    "timeframe": "within_15_days", "payment": "loan",
    "trade_in": {"brand": "大众", "model": "朗逸", "year": 2017, "mileage_km": 98000},
    "campaign_id": "2026-1212-byd", "utm": {"source": "autohome", "medium": "cpl"},
    "note": "客户想周末带家人到店看车"
}))]
pub struct LeadIn {
    /// The channel (`autohome`, `dongchedi`, `yiche`, `web_form`, `walk_in`, `phone`, ...):
    /// 1 to 64 of a–z, 0–9, `_ - .`; routing, SLA and scoring rules name it.
    #[validate(length(max = 64), custom(function = "source"))]
    #[schema(max_length = 64, pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub source: String,
    /// The source's own id of the lead: a repeated `(source, source_lead_id)` creates
    /// nothing and answers the existing lead with `duplicate: true`.
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub source_lead_id: Option<String>,
    /// One of the organisation's active stores; store staff enter leads into their own.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub store_id: Option<String>,
    /// A store by name (feeds that know names, not ids); ignored when no store has it.
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub store_name: Option<String>,
    #[validate(nested)]
    pub customer: LeadCustomerIn,
    #[serde(default)]
    #[validate(nested)]
    pub wanted: WantedIn,
    #[validate(custom(function = "rules::one_of::<PurchaseTimeframe>"))]
    #[schema(value_type = Option<TimeframeSchema>, inline)]
    pub timeframe: Option<String>,
    #[validate(custom(function = "rules::one_of::<PaymentMethod>"))]
    #[schema(value_type = Option<PaymentSchema>, inline)]
    pub payment: Option<String>,
    #[validate(nested)]
    pub trade_in: Option<TradeInIn>,
    #[validate(length(max = 100), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<100>>, inline)]
    pub campaign_id: Option<String>,
    #[validate(nested)]
    pub utm: Option<UtmIn>,
    /// The page or person that referred the lead.
    #[validate(length(max = 500), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<500>>, inline)]
    pub referrer: Option<String>,
    /// Kept on the lead's history.
    #[validate(length(max = 1000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<1000>>, inline)]
    pub note: Option<String>,
}

fn parsed<T: std::str::FromStr>(value: Option<&str>) -> Option<T> {
    value.and_then(|v| v.trim().parse().ok())
}

impl LeadIn {
    /// The command, with `raw` (the payload as received) to seal.
    pub fn into_command(self, raw: Option<String>) -> NewLead {
        let t = |v: &Option<String>| rules::trimmed(v.as_deref());
        let c = &self.customer;
        let w = &self.wanted;
        NewLead {
            source: SourceChannel::parse(&self.source).expect("validated"),
            source_lead_id: t(&self.source_lead_id),
            store: match (&self.store_id, t(&self.store_name)) {
                (Some(id), _) => StoreRef::Id(rules::normalised_id(id).unwrap_or_default()),
                (None, Some(name)) => StoreRef::Name(name),
                (None, None) => StoreRef::None,
            },
            contact: Contact {
                name: t(&c.name),
                phone: c.phone.as_deref().and_then(|p| Phone::parse(p).ok()),
                wechat_id: t(&c.wechat_id),
                email: c.email.as_deref().and_then(|e| Email::parse(e).ok()),
                city: t(&c.city),
            },
            needs: LeadNeeds {
                wanted: WantedVehicle {
                    condition: parsed(w.condition.as_deref()),
                    stock_number: t(&w.stock_number),
                    vin: t(&w.vin).map(|v| v.to_uppercase()),
                    brand: t(&w.brand),
                    model: t(&w.model),
                    body_type: parsed(w.body_type.as_deref()),
                    energy_type: parsed(w.energy_type.as_deref()),
                    budget_min_cents: w.budget_min_cents,
                    budget_max_cents: w.budget_max_cents,
                },
                timeframe: parsed(self.timeframe.as_deref()),
                payment: parsed(self.payment.as_deref()),
                trade_in: self.trade_in.as_ref().map(|ti| TradeIn {
                    brand: t(&ti.brand),
                    model: t(&ti.model),
                    year: ti.year,
                    mileage_km: ti.mileage_km,
                }),
            },
            campaign_id: t(&self.campaign_id),
            utm: self.utm.as_ref().map(|u| Utm {
                source: t(&u.source),
                medium: t(&u.medium),
                campaign: t(&u.campaign),
                term: t(&u.term),
                content: t(&u.content),
            }),
            referrer: t(&self.referrer),
            note: t(&self.note),
            raw,
        }
    }
}

/// Up to 500 leads, each taken in on its own.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{"source": "car_show", "source_lead_id": "CS-2026-0001",
    "customer": {"name": "赵敏", "phone": "13900001111"},
    "wanted": {"brand": "理想", "model": "L6"}, "timeframe": "within_30_days"}]}))]
pub struct LeadBatchIn {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_items = 1, max_items = 500)]
    pub items: Vec<serde_json::Value>,
}

/// What happened to one lead of a batch or an ADF document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"index": 0, "status": 201, "result": "created", "lead": null, "problem": null}))]
pub struct ItemResult {
    /// Its position in the request.
    pub index: usize,
    /// The status it would have had alone: 201 created, 200 duplicate, 4xx refused.
    pub status: u16,
    /// `created`, `duplicate` or `refused`.
    pub result: &'static str,
    pub lead: Option<LeadDto>,
    /// Whether a prospect customer was created for it (`null` when refused). Leads of one
    /// batch naming the same new phone, WeChat id or email share one prospect: the first
    /// answers `true`, the others `false`.
    pub customer_created: Option<bool>,
    /// The problem (as `application/problem+json` would carry it) when refused.
    #[schema(value_type = Option<Object>)]
    pub problem: Option<serde_json::Value>,
}

/// A result per lead, and the counts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 1, "duplicates": 0, "refused": 0, "results": [{"index": 0, "status": 201, "result": "created", "lead": null, "customer_created": true, "problem": null}]}))]
pub struct BatchResult {
    pub created: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub results: Vec<ItemResult>,
}
