//! What `/api/v1/financing-applications` reads and writes, and how requests become commands.

use autocrm_domain::financing::ApplicationStatus;
use autocrm_persistence::models::{ApplicationEvent, FinancingApplication};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::calculator::CalculateRequest;
use crate::app::{ServiceError, ServiceResult};
use crate::error::ApiError;
use crate::financing::service::applications::{ApplicationWithHistory, NewApplication, Step};
use crate::financing::stored::{DocumentRef, QuoteDto, example_loan, example_quote_of};
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::{Id, OptionalText, UuidText, string_enum};

string_enum!(StatusSchema = ApplicationStatus::NAMES);

/// The plan of the examples, as a request states it (see `stored::example_loan`).
fn example_plan() -> serde_json::Value {
    serde_json::json!({
        "vehicle_price_cents": 15000000, "down_payment_cents": null, "down_payment_percent": 30,
        "term_months": 12, "annual_rate_percent": 3.5, "method": "equal_installment",
        "balloon_cents": null, "fees_cents": 0, "fees_financed": false,
        "start_date": "2026-12-15"
    })
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10",
    "plan": {
        "vehicle_price_cents": 15000000, "down_payment_percent": 30, "term_months": 12,
        "annual_rate_percent": 3.5, "method": "equal_installment", "start_date": "2026-12-15"
    },
    "documents": [{"kind": "id_card", "name": "身份证.pdf", "uri": "s3://autocrm-docs/2026/12/id-card-li-na.pdf"}],
    "note": "客户希望12期，月供控制在9000元以内"
}))]
pub struct CreateApplication {
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Id, inline)]
    pub customer_id: String,
    /// Price with this product's rate and limits; without it, `plan.annual_rate_percent` is used.
    #[validate(custom(function = "rules::id"))]
    #[schema(value_type = Option<Id>, inline)]
    pub product_id: Option<String>,
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub deal_id: Option<String>,
    #[validate(length(max = 64), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub quote_id: Option<String>,
    pub plan: CalculateRequest,
    /// At most 50.
    #[serde(default)]
    #[validate(
        length(max = 50, code = "out_of_range", message = "at most 50 documents"),
        nested
    )]
    #[schema(max_items = 50)]
    pub documents: Vec<DocumentRef>,
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
}

impl CreateApplication {
    /// The command, from a body its rules accepted; the plan's own errors are named under
    /// `plan.`.
    pub fn to_command(&self) -> ServiceResult<NewApplication> {
        let loan = self.plan.to_loan().map_err(|e| e.prefixed("plan."))?;
        let requested_plan = serde_json::to_string(&self.plan).map_err(ServiceError::internal)?;
        Ok(NewApplication {
            customer_id: rules::normalised_id(&self.customer_id).unwrap_or_default(),
            product_id: self.product_id.as_deref().and_then(rules::normalised_id),
            deal_id: rules::trimmed(self.deal_id.as_deref()),
            quote_id: rules::trimmed(self.quote_id.as_deref()),
            requested_plan,
            loan,
            documents: self.documents.clone(),
            note: rules::trimmed(self.note.as_deref()),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "more_info_needed", "note": "请补充近6个月银行流水",
    "documents": [{"kind": "bank_statement", "name": "银行流水.pdf", "uri": "s3://autocrm-docs/2026/12/bank-statement-li-na.pdf"}]
}))]
pub struct StatusChange {
    /// submitted, approved, rejected, more_info_needed, signed, funded or cancelled
    /// (`draft` is never a valid target: 409).
    #[validate(custom(function = "rules::one_of::<ApplicationStatus>"))]
    #[schema(value_type = StatusSchema, inline)]
    pub status: String,
    #[validate(length(max = 2000), custom(function = "rules::optional_text"))]
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
    /// Documents to add (e.g. what the lender asked for); at most 50 in all.
    #[serde(default)]
    #[validate(
        length(max = 50, code = "out_of_range", message = "at most 50 documents"),
        nested
    )]
    #[schema(max_items = 50)]
    pub documents: Vec<DocumentRef>,
}

impl StatusChange {
    /// The step, from a body its rules accepted.
    pub fn to_step(&self) -> ServiceResult<Step> {
        let status = self.status.parse().map_err(|_| {
            ServiceError::invalid("status", "not_allowed", "not an application status")
        })?;
        Ok(Step {
            status,
            note: rules::trimmed(self.note.as_deref()),
            documents: self.documents.clone(),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApplicationListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    #[param(value_type = Option<StatusSchema>, inline)]
    pub status: Option<String>,
    #[param(value_type = Option<UuidText>, inline)]
    pub customer_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "from_status": "submitted", "to_status": "approved",
    "actor_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a40", "actor_role": "finance",
    "note": "征信良好，批准", "at": "2026-12-03T06:45:00Z"
}))]
pub struct ApplicationEventDto {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: String,
    pub actor_role: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<ApplicationEvent> for ApplicationEventDto {
    fn from(e: ApplicationEvent) -> Self {
        Self {
            from_status: e.from_status,
            to_status: e.to_status,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            note: e.note,
            at: e.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = ApplicationDto::example)]
pub struct ApplicationDto {
    pub id: String,
    pub customer_id: String,
    pub product_id: Option<String>,
    pub deal_id: Option<String>,
    pub quote_id: Option<String>,
    pub status: String,
    /// The plan as requested.
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
    /// The schedule exactly as quoted to the customer.
    pub quote: QuoteDto,
    /// Dealer subsidy (贴息) owed to the lender for a promotional rate.
    pub subsidy_cents: i64,
    pub documents: Vec<DocumentRef>,
    pub note: Option<String>,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Status changes, oldest first (only on single reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<ApplicationEventDto>>,
}

impl ApplicationDto {
    /// An application as a list shows it (without its history).
    pub fn from_row(a: FinancingApplication) -> Result<Self, ApiError> {
        let stored = |e: serde_json::Error| ApiError::internal(e);
        Ok(Self {
            plan: serde_json::from_str(&a.plan).map_err(stored)?,
            quote: serde_json::from_str(&a.quote).map_err(stored)?,
            documents: serde_json::from_str(&a.documents).map_err(stored)?,
            id: a.id,
            customer_id: a.customer_id,
            product_id: a.product_id,
            deal_id: a.deal_id,
            quote_id: a.quote_id,
            status: a.status,
            subsidy_cents: a.subsidy_cents,
            note: a.note,
            created_by: a.created_by,
            version: a.version,
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
            history: None,
        })
    }

    /// An application as a single read shows it, with its history.
    pub fn with_history(a: ApplicationWithHistory) -> Result<Self, ApiError> {
        Ok(Self {
            history: Some(a.history.into_iter().map(Into::into).collect()),
            ..Self::from_row(a.application)?
        })
    }

    /// The example plan, submitted and approved at 3.5 % by the lender.
    fn example() -> serde_json::Value {
        let consultant = "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a11";
        let finance = "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a40";
        serde_json::json!({
            "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a50",
            "customer_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10",
            "product_id": null, "deal_id": "D-20261201-0042", "quote_id": null,
            "status": "approved",
            "plan": example_plan(),
            "quote": example_quote_of(&example_loan()),
            "subsidy_cents": 0,
            "documents": [{"kind": "id_card", "name": "身份证.pdf", "uri": "s3://autocrm-docs/2026/12/id-card-li-na.pdf"}],
            "note": "客户希望12期，月供控制在9000元以内",
            "created_by": consultant, "version": 3,
            "created_at": "2026-12-01T02:10:00Z", "updated_at": "2026-12-03T06:45:00Z",
            "history": [
                {"from_status": null, "to_status": "draft", "actor_id": consultant,
                 "actor_role": "sales_consultant", "note": "客户希望12期，月供控制在9000元以内",
                 "at": "2026-12-01T02:10:00Z"},
                {"from_status": "draft", "to_status": "submitted", "actor_id": consultant,
                 "actor_role": "sales_consultant", "note": null, "at": "2026-12-01T03:00:00Z"},
                {"from_status": "submitted", "to_status": "approved", "actor_id": finance,
                 "actor_role": "finance", "note": "征信良好，批准", "at": "2026-12-03T06:45:00Z"}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::validate::check;

    fn field_errors<T: Validate + serde::de::DeserializeOwned>(value: &T) -> Vec<(String, String)> {
        match check(value) {
            Err(ServiceError::Invalid(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("expected field errors, got {other:?}"),
            Ok(()) => vec![],
        }
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    fn document() -> Value {
        json!({"kind": "id_card", "name": "身份证.pdf", "uri": "s3://docs/id.pdf"})
    }

    fn create(changes: Value) -> CreateApplication {
        let mut body = json!({"customer_id": " 0193A5C4-6F1E-7CC0-9D2A-4B1F0E3C2A10 ",
            "plan": {"vehicle_price_cents": 10_000_000, "down_payment_cents": 0,
                     "term_months": 36, "annual_rate_percent": 4.85, "method": "flat_rate"}});
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn every_bad_field_of_an_application_at_once() {
        let mut long_uri = document();
        long_uri["uri"] = json!("x".repeat(1001));
        let request = create(json!({
            "customer_id": "42", "product_id": "p-1", "deal_id": "d".repeat(65),
            "note": "a\u{0}b", "documents": [document(), long_uri, {"kind": " ", "name": "n", "uri": "u"}]
        }));
        assert_eq!(
            field_errors(&request),
            [
                pair("customer_id", "invalid_format"),
                pair("product_id", "invalid_format"),
                pair("deal_id", "too_long"),
                pair("documents[1].uri", "too_long"),
                pair("documents[2].kind", "required"),
                pair("note", "invalid_format"),
            ]
        );
        let request = create(json!({"documents": vec![document(); 51]}));
        assert_eq!(field_errors(&request), [pair("documents", "out_of_range")]);
    }

    #[test]
    fn an_application_command_is_normalised_and_keeps_the_plan_as_sent() {
        let request = create(json!({"deal_id": "  ", "note": " 客户希望36期 ",
                                    "documents": [document()]}));
        assert!(field_errors(&request).is_empty());
        let command = request.to_command().unwrap();
        assert_eq!(command.customer_id, "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a10");
        assert_eq!(command.deal_id, None);
        assert_eq!(command.note.as_deref(), Some("客户希望36期"));
        let plan: Value = serde_json::from_str(&command.requested_plan).unwrap();
        assert_eq!(plan["annual_rate_percent"], json!(4.85));
        assert_eq!(plan["fees_cents"], json!(0));
        assert_eq!(plan["start_date"], Value::Null);
        // The plan's own errors are named under `plan.`.
        let request = create(json!({"plan": {"vehicle_price_cents": 1, "term_months": 1,
            "annual_rate_percent": 1, "method": "flat_rate"}}));
        match request.to_command() {
            Err(ServiceError::Invalid(errors)) => {
                assert_eq!(errors[0].field, "plan.down_payment_cents");
            }
            _ => panic!("a plan without a down payment"),
        }
    }

    #[test]
    fn a_status_must_be_one_of_the_process() {
        let change: StatusChange = serde_json::from_value(json!({"status": "paid"})).unwrap();
        assert_eq!(field_errors(&change), [pair("status", "not_allowed")]);
        for status in ApplicationStatus::ALL {
            let change: StatusChange =
                serde_json::from_value(json!({"status": status, "note": "  "})).unwrap();
            assert!(field_errors(&change).is_empty());
            let step = change.to_step().unwrap();
            assert_eq!((step.status, step.note), (*status, None));
        }
    }
}
