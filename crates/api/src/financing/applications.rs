//! Financing applications: a customer's chosen plan, kept exactly as quoted, moving
//! draft → submitted → approved / rejected / more_info_needed → signed → funded.

use autocrm_domain::access::Role;
use autocrm_domain::financing as fin;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{lock_row, new_id, now, write_tx};
use autocrm_persistence::models::{
    ApplicationEvent, ApplicationFilter, Customer, FinanceProduct, FinancingApplication,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::calculator::today;
use super::dto::{CalculateRequest, QuoteDto, domain_errors};
use super::products::{prefixed, stored_terms};
use crate::audit;
use crate::auth::{Principal, PrincipalKind};
use crate::customers::scope;
use crate::error::ApiError;
use crate::http::pagination::Cursor;
use crate::validate::Checks;
use crate::validate::schema::{Id, OptionalText, Text, UuidText, string_enum};

pub const STATUSES: [&str; 8] = [
    "draft",
    "submitted",
    "more_info_needed",
    "approved",
    "rejected",
    "signed",
    "funded",
    "cancelled",
];

/// Who may move an application from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    /// Dealership staff preparing and closing the deal.
    Staff,
    /// The lender's decision: finance staff, or the finance system itself.
    Lender,
}

fn transition(from: &str, to: &str) -> Option<Actor> {
    use Actor::*;
    Some(match (from, to) {
        ("draft", "submitted") | ("more_info_needed", "submitted") => Staff,
        ("draft" | "submitted" | "more_info_needed" | "approved", "cancelled") => Staff,
        ("submitted", "approved" | "rejected" | "more_info_needed") => Lender,
        ("approved", "signed") => Staff,
        ("signed", "funded") => Lender,
        _ => return None,
    })
}

fn may_act(principal: &Principal, actor: Actor) -> bool {
    match actor {
        Actor::Staff => principal.is(&[
            Role::Admin,
            Role::GeneralManager,
            Role::SalesManager,
            Role::SalesConsultant,
            Role::Finance,
        ]),
        Actor::Lender => match principal.kind {
            PrincipalKind::ApiClient => principal.has_scope("financing:write"),
            PrincipalKind::User => principal.is(&[Role::Admin, Role::Finance]),
        },
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    /// e.g. id_card, driving_licence, income_proof, bank_statement, contract.
    #[schema(value_type = Text<40>, inline)]
    pub kind: String,
    #[schema(value_type = Text<200>, inline)]
    pub name: String,
    /// Where the file lives (object storage key or URL).
    #[schema(value_type = Text<1000>, inline)]
    pub uri: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    #[schema(value_type = Id, inline)]
    pub customer_id: String,
    /// Price with this product's rate and limits; without it, `plan.annual_rate_percent` is used.
    #[schema(value_type = Option<Id>, inline)]
    pub product_id: Option<String>,
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub deal_id: Option<String>,
    #[schema(value_type = Option<OptionalText<64>>, inline)]
    pub quote_id: Option<String>,
    pub plan: CalculateRequest,
    /// At most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub documents: Vec<DocumentRef>,
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
}

string_enum!(StatusSchema = STATUSES);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// submitted, approved, rejected, more_info_needed, signed, funded or cancelled
    /// (`draft` is never a valid target: 409).
    #[schema(value_type = StatusSchema, inline)]
    pub status: String,
    #[schema(value_type = Option<OptionalText<2000>>, inline)]
    pub note: Option<String>,
    /// Documents to add (e.g. what the lender asked for); at most 50 in all.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub documents: Vec<DocumentRef>,
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
pub struct ApplicationEventDto {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: String,
    pub actor_role: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
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
    pub fn from_row(
        a: FinancingApplication,
        history: Option<Vec<ApplicationEvent>>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            plan: serde_json::from_str(&a.plan).map_err(ApiError::internal)?,
            quote: serde_json::from_str(&a.quote).map_err(ApiError::internal)?,
            documents: serde_json::from_str(&a.documents).map_err(ApiError::internal)?,
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
            history: history.map(|events| {
                events
                    .into_iter()
                    .map(|e| ApplicationEventDto {
                        from_status: e.from_status,
                        to_status: e.to_status,
                        actor_id: e.actor_id,
                        actor_role: e.actor_role,
                        note: e.note,
                        at: e.created_at.and_utc(),
                    })
                    .collect()
            }),
        })
    }
}

fn check_documents(checks: &mut Checks, docs: &[DocumentRef]) {
    if docs.len() > 50 {
        checks.add("documents", "out_of_range", "at most 50 documents");
    }
    for (i, d) in docs.iter().enumerate() {
        checks.text(&format!("documents[{i}].kind"), &d.kind, 40);
        checks.text(&format!("documents[{i}].name"), &d.name, 200);
        checks.text(&format!("documents[{i}].uri"), &d.uri, 1000);
    }
}

/// Sales staff see the applications of customers in their scope; finance and managers, all.
fn visible(
    principal: &Principal,
    conn: &mut DbConn,
    app: &FinancingApplication,
) -> Result<bool, ApiError> {
    if principal.is(&[
        Role::Admin,
        Role::GeneralManager,
        Role::Finance,
        Role::Integration,
    ]) {
        return Ok(true);
    }
    if app.created_by == principal.id {
        return Ok(true);
    }
    Ok(Customer::find(conn, &principal.org_id, &app.customer_id)?
        .is_some_and(|c| scope::can_see(principal, &c)))
}

pub fn find_visible(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
) -> Result<FinancingApplication, ApiError> {
    let app = FinancingApplication::find(conn, &principal.org_id, id)?.ok_or(ApiError::NotFound)?;
    if !visible(principal, conn, &app)? {
        return Err(ApiError::NotFound);
    }
    Ok(app)
}

pub fn history(
    conn: &mut DbConn,
    org_id: &str,
    id: &str,
) -> Result<Vec<ApplicationEvent>, ApiError> {
    Ok(ApplicationEvent::list(conn, org_id, id)?)
}

fn record_event(
    conn: &mut DbConn,
    principal: &Principal,
    app: &FinancingApplication,
    from: Option<&str>,
    note: Option<&str>,
) -> Result<(), ApiError> {
    ApplicationEvent {
        id: new_id(),
        org_id: app.org_id.clone(),
        application_id: app.id.clone(),
        from_status: from.map(str::to_owned),
        to_status: app.status.clone(),
        actor_id: principal.id.clone(),
        actor_role: principal.role.as_str().to_owned(),
        note: note.map(str::to_owned),
        created_at: now(),
    }
    .insert(conn)?;
    let detail = serde_json::json!({"from": from, "to": app.status});
    audit::record(
        conn,
        principal,
        "financing.status_changed",
        "financing_application",
        Some(&app.id),
        detail,
    )?;
    audit::emit(
        conn,
        &app.org_id,
        "financing.status_changed",
        "financing_application",
        &app.id,
        serde_json::json!({
            "application_id": app.id,
            "customer_id": app.customer_id,
            "product_id": app.product_id,
            "from_status": from,
            "to_status": app.status,
            "actor_id": principal.id,
            "note": note,
        }),
    )
}

pub fn create(
    conn: &mut DbConn,
    principal: &Principal,
    req: CreateApplication,
) -> Result<FinancingApplication, ApiError> {
    let mut checks = Checks::new();
    let customer_id = checks.id("customer_id", Some(&req.customer_id));
    let product_id = checks.id("product_id", req.product_id.as_deref());
    let deal_id = checks.optional_text("deal_id", req.deal_id.as_deref(), 64);
    let quote_id = checks.optional_text("quote_id", req.quote_id.as_deref(), 64);
    let note = checks.optional_text("note", req.note.as_deref(), 2000);
    check_documents(&mut checks, &req.documents);
    checks.finish()?;
    let customer_id = customer_id.unwrap_or_default();
    write_tx(conn, |conn| {
        let customer = Customer::find(conn, &principal.org_id, &customer_id)?
            .filter(|c| {
                principal.is(&[
                    Role::Admin,
                    Role::GeneralManager,
                    Role::Finance,
                    Role::Integration,
                ]) || scope::can_see(principal, c)
            })
            .ok_or_else(|| ApiError::invalid("customer_id", "not_found", "no such customer"))?;
        let loan = req.plan.to_domain(today()).map_err(|e| match e {
            ApiError::Validation(errs) => ApiError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("plan.{}", e.field);
                        e
                    })
                    .collect(),
            ),
            other => other,
        })?;
        let (quote, subsidy_cents) = match &product_id {
            Some(pid) => {
                let product = FinanceProduct::find(conn, &principal.org_id, pid)?
                    .filter(|p| p.active)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "product_id",
                            "not_found",
                            "no such active finance product",
                        )
                    })?;
                let planned = stored_terms(&product)?
                    .plan(
                        loan.vehicle_price_cents,
                        loan.down_payment,
                        loan.term_months,
                        loan.method,
                        loan.balloon_cents,
                        loan.start_date,
                    )
                    .map_err(|e| prefixed(e, "plan."))?;
                (planned.quote, planned.subsidy_cents)
            }
            None => (
                fin::calculate(&loan).map_err(|e| match domain_errors(e) {
                    ApiError::Validation(errs) => prefixed_errors(errs, "plan."),
                    other => other,
                })?,
                0,
            ),
        };
        let at = now();
        let app = FinancingApplication {
            id: new_id(),
            org_id: principal.org_id.clone(),
            customer_id: customer.id.clone(),
            product_id: product_id.clone(),
            deal_id: deal_id.clone(),
            quote_id: quote_id.clone(),
            status: "draft".into(),
            plan: serde_json::to_string(&req.plan).map_err(ApiError::internal)?,
            quote: serde_json::to_string(&QuoteDto::from(&quote)).map_err(ApiError::internal)?,
            subsidy_cents,
            documents: serde_json::to_string(&req.documents).map_err(ApiError::internal)?,
            note: note.clone(),
            created_by: principal.id.clone(),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        app.insert(conn)?;
        record_event(conn, principal, &app, None, note.as_deref())?;
        Ok(app)
    })
}

fn prefixed_errors(mut errs: Vec<crate::error::FieldError>, prefix: &str) -> ApiError {
    for e in &mut errs {
        e.field = format!("{prefix}{}", e.field);
    }
    ApiError::Validation(errs)
}

pub fn change_status(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    change: StatusChange,
) -> Result<FinancingApplication, ApiError> {
    let mut checks = Checks::new();
    checks.one_of("status", &change.status, &STATUSES);
    let note = checks.optional_text("note", change.note.as_deref(), 2000);
    check_documents(&mut checks, &change.documents);
    checks.finish()?;
    write_tx(conn, |conn| {
        lock_row(conn, "financing_applications", id)?;
        let mut app = find_visible(conn, principal, id)?;
        let version = app.version;
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        let from = app.status.clone();
        let Some(actor) = transition(&from, &change.status) else {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!("an application cannot go from {from} to {}", change.status),
                None,
            ));
        };
        if !may_act(principal, actor) {
            return Err(ApiError::Forbidden);
        }
        if !change.documents.is_empty() {
            let mut docs: Vec<DocumentRef> =
                serde_json::from_str(&app.documents).map_err(ApiError::internal)?;
            docs.extend(change.documents.iter().cloned());
            if docs.len() > 50 {
                return Err(ApiError::invalid(
                    "documents",
                    "out_of_range",
                    "at most 50 documents",
                ));
            }
            app.documents = serde_json::to_string(&docs).map_err(ApiError::internal)?;
        }
        app.status = change.status.clone();
        app.updated_at = now();
        if !app.save(conn, version)? {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        record_event(conn, principal, &app, Some(&from), note.as_deref())?;
        Ok(app)
    })
}

pub fn list(
    conn: &mut DbConn,
    principal: &Principal,
    mut filter: ApplicationFilter,
) -> Result<Vec<FinancingApplication>, ApiError> {
    // Consultants list what they created; managers their store's customers' applications.
    match principal.role {
        Role::SalesConsultant => filter.created_by = Some(principal.id.clone()),
        Role::SalesManager => match &principal.store_id {
            Some(store) => filter.customer_store_id = Some(store.clone()),
            None => filter.created_by = Some(principal.id.clone()),
        },
        _ => {}
    }
    Ok(FinancingApplication::list(
        conn,
        &principal.org_id,
        &filter,
    )?)
}
