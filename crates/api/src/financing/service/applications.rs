//! Financing applications: a customer's chosen plan, kept exactly as quoted, moving
//! draft → submitted → approved / rejected / more_info_needed → signed → funded (the process
//! is `ApplicationStatus::transition`). Who sees an application is `ApplicationScope`: the
//! same rule for the list and for a single read.

use autocrm_domain::access::ApplicationScope;
use autocrm_domain::financing::{self as fin, ApplicationStatus, LoanRequest};
use autocrm_persistence::db::{lock_row, new_id};
use autocrm_persistence::models::{
    ApplicationEvent, ApplicationFilter, Customer, FinancingApplication, TenantRecord,
};

use super::products::{active_product, stored_terms};
use super::{domain_errors, start_date};
use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::financing::stored::{DocumentRef, MAX_DOCUMENTS, QuoteDto};

/// A new application, as its request's rules accepted it.
pub struct NewApplication {
    pub customer_id: String,
    /// Price with this product's rate, fees and limits; without it, at the loan's own rate.
    pub product_id: Option<String>,
    pub deal_id: Option<String>,
    pub quote_id: Option<String>,
    /// The plan as requested, as JSON text with its defaults spelled out: kept as sent.
    pub requested_plan: String,
    /// The same plan, to price. Without a start date, the schedule starts today.
    pub loan: LoanRequest,
    pub documents: Vec<DocumentRef>,
    pub note: Option<String>,
}

/// A step of the process, with what the step brings.
pub struct Step {
    pub status: ApplicationStatus,
    pub note: Option<String>,
    /// Added to the application's documents.
    pub documents: Vec<DocumentRef>,
}

/// A page request of the application list, in the caller's scope.
pub struct ApplicationQuery {
    pub status: Option<ApplicationStatus>,
    pub customer_id: Option<String>,
    pub after_id: Option<String>,
    /// Rows to read: the page size and one more, to learn whether another page follows.
    pub limit: i64,
}

/// An application with its status changes, oldest first.
pub struct ApplicationWithHistory {
    pub application: FinancingApplication,
    pub history: Vec<ApplicationEvent>,
}

/// The caller's application scope; the system itself (jobs, importers) sees every one.
fn scope(ctx: &Ctx) -> ServiceResult<ApplicationScope> {
    match ctx.actor() {
        Actor::Principal(p) => Ok(ApplicationScope::of(p)),
        Actor::System { .. } => Ok(ApplicationScope::All),
        Actor::Anonymous => Err(ServiceError::Forbidden),
    }
}

/// Whether the scope admits the application (which looks at its customer's row).
fn admits(
    ctx: &mut Ctx,
    scope: &ApplicationScope,
    application: &FinancingApplication,
) -> ServiceResult<bool> {
    if *scope == ApplicationScope::All {
        return Ok(true);
    }
    // The customer is a foreign key: it exists.
    let customer = Customer::find(ctx.conn, ctx.org_id(), &application.customer_id)?;
    Ok(customer.is_some_and(|c| scope.admits(&application.facts(&c))))
}

/// One application in the caller's scope; `NotFound` for anything else.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<FinancingApplication> {
    let scope = scope(ctx)?;
    let application = records::find(ctx, id, |_: &FinancingApplication| true)?;
    if !admits(ctx, &scope, &application)? {
        return Err(ServiceError::NotFound);
    }
    Ok(application)
}

fn with_history(
    ctx: &mut Ctx,
    application: FinancingApplication,
) -> ServiceResult<ApplicationWithHistory> {
    let history = ApplicationEvent::list(ctx.conn, ctx.org_id(), &application.id)?;
    Ok(ApplicationWithHistory {
        application,
        history,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

/// Writes the step to the application's history, its audit line and its
/// `financing.status_changed` event, in this unit of work.
fn record_step(
    ctx: &mut Ctx,
    application: &FinancingApplication,
    from: Option<ApplicationStatus>,
    note: Option<&str>,
) -> ServiceResult<()> {
    let principal = ctx.principal()?;
    let from = from.map(ApplicationStatus::as_str);
    ApplicationEvent {
        id: new_id(),
        org_id: application.org_id.clone(),
        application_id: application.id.clone(),
        from_status: from.map(str::to_owned),
        to_status: application.status.clone(),
        actor_id: principal.id.clone(),
        actor_role: principal.role.as_str().to_owned(),
        note: note.map(str::to_owned),
        created_at: ctx.now(),
    }
    .insert(ctx.conn)?;
    ctx.record(
        Change::new(
            "financing.status_changed",
            "financing_application",
            &application.id,
        )
        .detail(serde_json::json!({"from": from, "to": application.status}))
        // The note is free text and may name a person: the audit line and the
        // application's history keep it, the event does not.
        .event(crate::events::catalogue::FinancingStatusChanged {
            application_id: application.id.clone(),
            customer_id: application.customer_id.clone(),
            product_id: application.product_id.clone(),
            from_status: from.map(str::to_owned),
            to_status: application.status.clone(),
            actor_id: principal.id.clone(),
        }),
    )
}

/// Opens an application for a customer in the caller's scope, with the plan priced (under
/// the product, when one is named) and stored as quoted. Emits `financing.status_changed`
/// (to `draft`).
pub fn create(ctx: &mut Ctx, new: NewApplication) -> ServiceResult<ApplicationWithHistory> {
    let scope = scope(ctx)?;
    let principal = ctx.principal()?;
    let customer = Customer::find(ctx.conn, ctx.org_id(), &new.customer_id)?
        .filter(|c| scope.admits_customer(&c.facts()))
        .ok_or_else(|| ServiceError::invalid("customer_id", "not_found", "no such customer"))?;
    let mut loan = new.loan;
    loan.start_date = start_date(ctx, loan.start_date)?;
    let (quote, subsidy_cents) = match &new.product_id {
        Some(product_id) => {
            let product = active_product(ctx, product_id)?.ok_or_else(|| {
                ServiceError::invalid("product_id", "not_found", "no such active finance product")
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
                .map_err(|e| domain_errors(e).prefixed("plan."))?;
            (planned.quote, planned.subsidy_cents)
        }
        None => (
            fin::calculate(&loan).map_err(|e| domain_errors(e).prefixed("plan."))?,
            0,
        ),
    };
    let at = ctx.now();
    let application = FinancingApplication {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        customer_id: customer.id,
        product_id: new.product_id,
        deal_id: new.deal_id,
        quote_id: new.quote_id,
        status: ApplicationStatus::Draft.as_str().to_owned(),
        plan: new.requested_plan,
        quote: to_json(&QuoteDto::from(&quote))?,
        subsidy_cents,
        documents: to_json(&new.documents)?,
        note: new.note,
        created_by: principal.id.clone(),
        version: 1,
        created_at: at,
        updated_at: at,
    };
    application.insert(ctx.conn)?;
    record_step(ctx, &application, None, application.note.as_deref())?;
    with_history(ctx, application)
}

/// One application in the caller's scope, with its history.
pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<ApplicationWithHistory> {
    let application = find_visible(ctx, id)?;
    with_history(ctx, application)
}

/// A page of applications in the caller's scope (and one more row, if there is one).
pub fn list(ctx: &mut Ctx, query: ApplicationQuery) -> ServiceResult<Vec<FinancingApplication>> {
    let filter = ApplicationFilter {
        scope: scope(ctx)?,
        status: query.status.map(|s| s.as_str().to_owned()),
        customer_id: query.customer_id,
        after_id: query.after_id,
        limit: query.limit,
    };
    Ok(FinancingApplication::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// Takes one step of the process: `InvalidTransition` for a step that is not part of it,
/// `Forbidden` when the step is not the caller's to take (lender decisions are for finance
/// staff and clients with `financing:write`). Emits `financing.status_changed`, and notifies
/// the application's creator (`financing.status_changed` notification) when someone else
/// took the step.
pub fn change_status(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    change: Step,
) -> ServiceResult<ApplicationWithHistory> {
    let principal = ctx.principal()?;
    lock_row(ctx.conn, FinancingApplication::TABLE, id)?;
    find_visible(ctx, id)?;
    let mut from = None;
    let application = records::update(
        ctx,
        id,
        expected,
        |_: &FinancingApplication| true,
        |_, application| {
            let current: ApplicationStatus = application
                .status
                .parse()
                .map_err(|_| ServiceError::internal("an application has an unknown status"))?;
            let actor = current
                .transition(change.status)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            if !actor.admits(principal) {
                return Err(ServiceError::Forbidden);
            }
            if !change.documents.is_empty() {
                let mut documents: Vec<DocumentRef> =
                    serde_json::from_str(&application.documents).map_err(ServiceError::internal)?;
                documents.extend(change.documents);
                if documents.len() > MAX_DOCUMENTS {
                    return Err(ServiceError::invalid(
                        "documents",
                        "out_of_range",
                        format!("at most {MAX_DOCUMENTS} documents"),
                    ));
                }
                application.documents = to_json(&documents)?;
            }
            application.status = change.status.as_str().to_owned();
            from = Some(current);
            Ok(())
        },
    )?;
    record_step(ctx, &application, from, change.note.as_deref())?;
    notify_creator(ctx, &application, change.status)?;
    with_history(ctx, application)
}

/// Tells the person who opened the application that someone else moved it on (in-app, and
/// on the channels they chose), in this unit of work.
fn notify_creator(
    ctx: &mut Ctx,
    application: &FinancingApplication,
    to: ApplicationStatus,
) -> ServiceResult<()> {
    if application.created_by == ctx.principal()?.id {
        return Ok(());
    }
    let status = match to {
        ApplicationStatus::Draft => "草稿",
        ApplicationStatus::Submitted => "已提交",
        ApplicationStatus::MoreInfoNeeded => "需补充材料",
        ApplicationStatus::Approved => "已批准",
        ApplicationStatus::Rejected => "已拒绝",
        ApplicationStatus::Signed => "已签约",
        ApplicationStatus::Funded => "已放款",
        ApplicationStatus::Cancelled => "已取消",
    };
    crate::notifications::notify(
        ctx,
        &application.created_by,
        crate::notifications::Notification {
            kind: autocrm_domain::notification::NotificationKind::FinancingStatusChanged,
            title: format!("贷款申请{status}"),
            body: format!(
                "您提交的贷款申请状态已更新为“{status}”（{}）。",
                to.as_str()
            ),
            link: Some(format!("/api/v1/financing-applications/{}", application.id)),
        },
    )
}
