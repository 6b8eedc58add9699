//! Quote use cases: a new version (superseding the deal's open ones), reads with the status
//! as of now, acceptance (the deal to contract, a financing application for the plan), the
//! customer declining one (with a reason), and the organisation's quote and purchase-tax
//! settings.
//!
//! A version is never changed once written: the persistence model has no changeset, only
//! status updates (`Quote::set_status`, `Quote::accept`). Expiry is computed when read
//! (`QuoteStatus::at`): a sent quote past `valid_until` shows, and is refused, as expired;
//! no job has to run for it.

use std::collections::BTreeMap;

use autocrm_domain::financing::{LoanQuote, Method};
use autocrm_domain::leads::{LostReason, reason_note};
use autocrm_domain::sales::deals::{AttachmentKind, DealStage};
use autocrm_domain::sales::purchase_tax::{PurchaseTax, PurchaseTaxRules, TaxedVehicle};
use autocrm_domain::sales::quotes::{
    QuoteConfig, QuoteFinancing, QuoteInput, QuoteLine, QuoteLineInput, QuoteLineKind, QuoteStatus,
    QuoteStatusError, expires_at, price_quote,
};
use autocrm_domain::vehicle::{Condition, EnergyType};
use autocrm_persistence::db::{lock_row, new_id};
use autocrm_persistence::models::{Deal, Quote, TenantRecord};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::{QuoteAccepted, QuoteCreated, QuoteDeclined};
use crate::financing::dto::calculator::CalculateRequest;
use crate::financing::service::applications::{self, NewApplication};
use crate::financing::stored::QuoteDto as LoanScheduleDto;
use crate::inventory::vehicles::service as vehicles;
use crate::organization::settings::{change_sections, sections};
use crate::sales::deals::service as deals;
use crate::sales::lost_requests::service::refused;

/// A financing plan as requested: the calculator's request (its price is set to the quote's
/// vehicle price net of discounts, its start date to today when not given) and the lender.
#[derive(Debug, Clone)]
pub struct FinancingRequest {
    pub lender: Option<String>,
    pub plan: CalculateRequest,
}

/// A new version, as its request's rules accepted it.
#[derive(Debug, Clone)]
pub struct NewQuote {
    /// The car; without it, the deal's.
    pub vehicle_id: Option<String>,
    /// Without a `vehicle_price` line, the car's asking price is the first line.
    pub lines: Vec<QuoteLineInput>,
    /// The expected invoice date (the tax rules of that day); default today.
    pub purchase_date: Option<NaiveDate>,
    /// Listed in the purchase-tax relief catalogue; default true for a new-energy car.
    pub in_relief_catalogue: Option<bool>,
    pub financing: Option<FinancingRequest>,
}

/// The stored financing: the plan as priced (what an application is opened with) and its
/// schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFinancing {
    pub lender: Option<String>,
    pub method: Method,
    pub term_months: u32,
    pub annual_rate_percent: Decimal,
    pub plan: CalculateRequest,
    pub schedule: LoanScheduleDto,
}

/// What the tax column keeps: the facts the tax was computed from and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTax {
    pub vehicle: TaxedVehicle,
    pub purchase_date: NaiveDate,
    pub tax: PurchaseTax,
}

/// A version as answered: the row, its status as of now, its lines and tax read back.
pub struct Shown {
    pub quote: Quote,
    pub status: QuoteStatus,
    pub lines: Vec<QuoteLine>,
    pub by_kind: BTreeMap<QuoteLineKind, i64>,
    pub tax: StoredTax,
    pub financing: Option<StoredFinancing>,
}

fn stored<T: for<'de> Deserialize<'de>>(text: &str) -> ServiceResult<T> {
    serde_json::from_str(text).map_err(ServiceError::internal)
}

fn to_json<T: Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

fn status_of(quote: &Quote) -> ServiceResult<QuoteStatus> {
    quote.status.parse().map_err(ServiceError::internal)
}

/// The row shown with its status as of now.
pub fn show(ctx: &Ctx, quote: Quote) -> ServiceResult<Shown> {
    let status = status_of(&quote)?.at(Some(quote.valid_until.and_utc()), ctx.now_utc());
    let lines: Vec<QuoteLine> = stored(&quote.lines)?;
    let mut by_kind = BTreeMap::new();
    for line in &lines {
        *by_kind.entry(line.kind).or_insert(0) += line.amount_cents;
    }
    let tax = stored(&quote.tax)?;
    let financing = quote.financing.as_deref().map(stored).transpose()?;
    Ok(Shown {
        quote,
        status,
        lines,
        by_kind,
        tax,
        financing,
    })
}

/// The organisation's quote settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<QuoteConfig> {
    Ok(sections(ctx)?.quotes.unwrap_or_default())
}

/// Replaces the quote settings (422 with every problem). Audited
/// (`organization.quotes_changed`).
pub fn put_config(ctx: &mut Ctx, new: QuoteConfig) -> ServiceResult<QuoteConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.quotes_changed", detail, |s| {
        s.quotes = Some(stored)
    })?;
    Ok(new)
}

/// The organisation's purchase-tax rules (the legal defaults until set).
pub fn tax_rules(ctx: &mut Ctx) -> ServiceResult<PurchaseTaxRules> {
    Ok(sections(ctx)?.purchase_tax.unwrap_or_default())
}

/// Replaces the purchase-tax rules (422 with every problem). Audited
/// (`organization.purchase_tax_changed`).
pub fn put_tax_rules(ctx: &mut Ctx, new: PurchaseTaxRules) -> ServiceResult<PurchaseTaxRules> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.purchase_tax_changed", detail, |s| {
        s.purchase_tax = Some(stored)
    })?;
    Ok(new)
}

/// What the tax depends on, from the stock row.
pub(crate) fn taxed(
    vehicle: &autocrm_persistence::models::Vehicle,
    listed: Option<bool>,
) -> TaxedVehicle {
    TaxedVehicle {
        condition: vehicle.condition.parse().unwrap_or(Condition::New),
        energy: vehicle
            .energy_type
            .as_deref()
            .and_then(|e| e.parse().ok())
            .unwrap_or(EnergyType::Gasoline),
        // The relief catalogue is not kept per car: a new-energy car counts as listed unless
        // the quote says otherwise.
        in_relief_catalogue: listed.unwrap_or(true),
    }
}

fn open_stage(stage: DealStage) -> bool {
    !matches!(stage, DealStage::Won | DealStage::Lost)
}

/// Makes a new version of a deal's quote: priced by the domain (the total is the sum of the
/// lines to the fen), valid for the organisation's validity days, `sent`. The deal's earlier
/// open versions become `superseded` (nothing else of them changes). 409 when the deal is
/// closed or has an accepted quote. Emits `quote.created`.
pub fn create(ctx: &mut Ctx, deal_id: &str, new: NewQuote) -> ServiceResult<Quote> {
    let deal = deals::find_visible(ctx, deal_id)?;
    // One writer per deal at a time: the version numbers follow each other.
    lock_row(ctx.conn, Deal::TABLE, &deal.id)?;
    let deal = deals::find_visible(ctx, &deal.id)?;
    if !open_stage(deals::stage_of(&deal)?) {
        return Err(ServiceError::InvalidTransition(
            "the deal is closed: it takes no new quote".into(),
        ));
    }
    let vehicle_id = new.vehicle_id.or(deal.vehicle_id.clone()).ok_or_else(|| {
        ServiceError::invalid(
            "vehicle_id",
            "required",
            "name the car, or set the deal's car first",
        )
    })?;
    let vehicle = vehicles::find(ctx, &vehicle_id).map_err(|e| match e {
        ServiceError::NotFound => ServiceError::invalid("vehicle_id", "not_found", "no such car"),
        other => other,
    })?;
    let mut lines = new.lines;
    // From stock: appended, so that a problem with an entered line keeps its index; shown
    // first once priced.
    let from_stock = !lines.iter().any(|l| l.kind == QuoteLineKind::VehiclePrice);
    if from_stock {
        lines.push(QuoteLineInput {
            kind: QuoteLineKind::VehiclePrice,
            label: Some(format!("{} {}", vehicle.brand, vehicle.model)),
            amount_cents: vehicle.asking_price_cents,
        });
    }
    let today = ctx.today()?;
    let purchase_date = new.purchase_date.unwrap_or(today);
    let vehicle_facts = taxed(&vehicle, new.in_relief_catalogue);
    let rules = tax_rules(ctx)?;
    let mut input = QuoteInput {
        lines,
        vehicle: vehicle_facts,
        purchase_date,
        financing: None,
    };
    // Priced once without the plan, to learn the net price the loan is on.
    let priced = price_quote(&input, &rules)?;
    let financing = match new.financing {
        Some(request) => {
            let mut plan = request.plan;
            plan.vehicle_price_cents = priced.totals.vehicle_net_cents;
            plan.start_date = Some(plan.start_date.unwrap_or(today));
            let loan_request = plan.to_loan().map_err(|e| e.prefixed("financing."))?;
            let loan: LoanQuote =
                crate::financing::service::calculator::calculate(ctx, loan_request.clone())
                    .map_err(|e| e.prefixed("financing."))?;
            input.financing = Some(QuoteFinancing {
                lender: request.lender.clone(),
                method: loan_request.method,
                term_months: loan_request.term_months,
                annual_rate_percent: loan_request.annual_rate_percent,
                loan: loan.clone(),
            });
            Some(StoredFinancing {
                lender: request.lender,
                method: loan_request.method,
                term_months: loan_request.term_months,
                annual_rate_percent: loan_request.annual_rate_percent,
                plan,
                schedule: LoanScheduleDto::from(&loan),
            })
        }
        None => None,
    };
    let mut priced = price_quote(&input, &rules)?;
    if from_stock {
        // The entered lines, the stock price, the tax: the price moves to the front.
        let at = input.lines.len() - 1;
        let price = priced.lines.remove(at);
        priced.lines.insert(0, price);
    }
    let earlier = Quote::of_deal(ctx.conn, ctx.org_id(), &deal.id)?;
    if earlier
        .iter()
        .any(|q| q.status == QuoteStatus::Accepted.as_str())
    {
        return Err(ServiceError::InvalidTransition(
            "the deal has an accepted quote".into(),
        ));
    }
    let now = ctx.now();
    let mut superseded = None;
    for old in &earlier {
        let status = status_of(old)?;
        if matches!(status, QuoteStatus::Draft | QuoteStatus::Sent) {
            status
                .transition(
                    QuoteStatus::Superseded,
                    Some(old.valid_until.and_utc()),
                    ctx.now_utc(),
                )
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            Quote::set_status(
                ctx.conn,
                ctx.org_id(),
                &old.id,
                status.as_str(),
                QuoteStatus::Superseded.as_str(),
                now,
            )?;
            superseded = Some(old.id.clone());
        }
    }
    let version_number = earlier.iter().map(|q| q.version_number).max().unwrap_or(0) + 1;
    let valid_until = expires_at(ctx.now_utc(), &config(ctx)?);
    let tax_cents = priced.purchase_tax.payable_cents;
    let quote = Quote {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        deal_id: deal.id.clone(),
        version_number,
        status: QuoteStatus::Sent.as_str().to_owned(),
        valid_until: valid_until.naive_utc(),
        vehicle_id: vehicle.id.clone(),
        vin: vehicle.vin.clone(),
        lines: to_json(&priced.lines)?,
        tax: to_json(&StoredTax {
            vehicle: vehicle_facts,
            purchase_date,
            tax: priced.purchase_tax,
        })?,
        vehicle_net_cents: priced.totals.vehicle_net_cents,
        purchase_tax_cents: tax_cents,
        total_cents: priced.totals.total_cents,
        financing: financing.as_ref().map(to_json).transpose()?,
        financing_application_id: None,
        created_by: ctx.actor_id(),
        accepted_at: None,
        accepted_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
        declined_at: None,
        declined_by: None,
        decline_reason: None,
        decline_note: None,
    };
    quote.insert(ctx.conn)?;
    ctx.record(
        Change::new("quote.created", "quote", &quote.id)
            .detail(
                serde_json::json!({"deal_id": deal.id, "version_number": version_number,
                "total_cents": quote.total_cents, "superseded": superseded}),
            )
            .event(QuoteCreated {
                quote_id: quote.id.clone(),
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                version_number,
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                vehicle_net_cents: quote.vehicle_net_cents,
                purchase_tax_cents: tax_cents,
                total_cents: quote.total_cents,
                valid_until,
                financed: financing.is_some(),
                superseded_quote_id: superseded,
            }),
    )?;
    Ok(quote)
}

/// One version whose deal the caller sees; `NotFound` for anything else.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<Quote> {
    let quote = records::find(ctx, id, |_: &Quote| true)?;
    deals::find_visible(ctx, &quote.deal_id)?;
    Ok(quote)
}

/// The deal's accepted version, read back, if it has one (the caller has the deal).
pub fn accepted_of(ctx: &mut Ctx, deal_id: &str) -> ServiceResult<Option<Shown>> {
    let accepted = Quote::of_deal(ctx.conn, ctx.org_id(), deal_id)?
        .into_iter()
        .rev()
        .find(|q| q.status == QuoteStatus::Accepted.as_str());
    accepted.map(|q| show(ctx, q)).transpose()
}

/// A deal's versions, oldest first (the deal must be one the caller sees).
pub fn of_deal(ctx: &mut Ctx, deal_id: &str) -> ServiceResult<Vec<Quote>> {
    let deal = deals::find_visible(ctx, deal_id)?;
    Ok(Quote::of_deal(ctx.conn, ctx.org_id(), &deal.id)?)
}

fn status_error(e: QuoteStatusError) -> ServiceError {
    ServiceError::InvalidTransition(e.to_string())
}

/// A version about to take its final status `to`, read again under its deal's row lock (one
/// writer per deal), with the status it leaves and its deal; 409 when it cannot go to `to`.
fn closing(ctx: &mut Ctx, id: &str, to: QuoteStatus) -> ServiceResult<(Quote, QuoteStatus, Deal)> {
    let quote = find_visible(ctx, id)?;
    lock_row(ctx.conn, Deal::TABLE, &quote.deal_id)?;
    let quote = find_visible(ctx, &quote.id)?;
    let from = status_of(&quote)?;
    from.transition(to, Some(quote.valid_until.and_utc()), ctx.now_utc())
        .map_err(status_error)?;
    let deal = deals::find_visible(ctx, &quote.deal_id)?;
    Ok((quote, from, deal))
}

/// Declines a sent, unexpired version for the customer (客户拒绝报价): a reason from the
/// lost reasons' list (`other` needs a note). The deal stays where it is, for a new version
/// or a lost request; 409 for a quote that is not `sent` or has expired. Emits
/// `quote.declined`.
pub fn decline(
    ctx: &mut Ctx,
    id: &str,
    reason: LostReason,
    note: Option<&str>,
) -> ServiceResult<Quote> {
    let note = reason_note(reason, note).map_err(refused)?;
    let (quote, from, deal) = closing(ctx, id, QuoteStatus::Declined)?;
    let now = ctx.now();
    let actor = ctx.actor_id();
    let declined = Quote::decline(
        ctx.conn,
        ctx.org_id(),
        &quote.id,
        from.as_str(),
        QuoteStatus::Declined.as_str(),
        &actor,
        reason.as_str(),
        note.as_deref(),
        now,
    )?;
    if !declined {
        return Err(ServiceError::Conflict("the quote changed meanwhile".into()));
    }
    ctx.record(
        Change::new("quote.declined", "quote", &quote.id)
            .detail(serde_json::json!({"deal_id": deal.id,
                "version_number": quote.version_number, "reason": reason.as_str(),
                "note": note}))
            .event(QuoteDeclined {
                quote_id: quote.id.clone(),
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                version_number: quote.version_number,
                total_cents: quote.total_cents,
                reason: reason.as_str().to_owned(),
                declined_by: actor,
                declined_at: now.and_utc(),
            }),
    )?;
    Quote::find(ctx.conn, ctx.org_id(), &quote.id)?.ok_or(ServiceError::NotFound)
}

/// Accepts a sent, unexpired version: the deal moves to `contract` through the deals
/// service (by way of `quote` when it is before it; the gates: documents or `waivers`; 409
/// when they refuse, and nothing is written), unless it is there already; a plan opens a financing application (draft) for
/// the deal's customer, linked both ways. Emits `deal.stage_changed`,
/// `financing.status_changed` and `quote.accepted`.
pub fn accept(
    ctx: &mut Ctx,
    id: &str,
    waivers: BTreeMap<AttachmentKind, String>,
) -> ServiceResult<Quote> {
    let (quote, from, deal) = closing(ctx, id, QuoteStatus::Accepted)?;
    let stage = deals::stage_of(&deal)?;
    let deal = match stage {
        DealStage::Contract => deal,
        DealStage::Quote => deals::move_stage(ctx, &deal.id, None, DealStage::Contract, waivers)?,
        DealStage::Qualified | DealStage::StoreVisit | DealStage::TestDrive => {
            // A quote stage is not skipped: through it, then to contract, each under its gate.
            deals::move_stage(ctx, &deal.id, None, DealStage::Quote, waivers.clone())?;
            deals::move_stage(ctx, &deal.id, None, DealStage::Contract, waivers)?
        }
        _ => {
            return Err(ServiceError::InvalidTransition(format!(
                "the deal is at {}: a quote is accepted before contract",
                stage.as_str()
            )));
        }
    };
    let financing: Option<StoredFinancing> = quote.financing.as_deref().map(stored).transpose()?;
    let application_id = match &financing {
        Some(f) => {
            let loan = f.plan.to_loan().map_err(|e| e.prefixed("financing."))?;
            let opened = applications::create(
                ctx,
                NewApplication {
                    customer_id: deal.customer_id.clone(),
                    product_id: None,
                    deal_id: Some(deal.id.clone()),
                    quote_id: Some(quote.id.clone()),
                    requested_plan: to_json(&f.plan)?,
                    loan,
                    documents: Vec::new(),
                    note: f
                        .lender
                        .as_ref()
                        .map(|l| format!("报价第{}版，{l}", quote.version_number)),
                },
            )?;
            Some(opened.application.id)
        }
        None => None,
    };
    let now = ctx.now();
    let actor = ctx.actor_id();
    let accepted = Quote::accept(
        ctx.conn,
        ctx.org_id(),
        &quote.id,
        from.as_str(),
        QuoteStatus::Accepted.as_str(),
        &actor,
        application_id.as_deref(),
        now,
    )?;
    if !accepted {
        return Err(ServiceError::Conflict("the quote changed meanwhile".into()));
    }
    ctx.record(
        Change::new("quote.accepted", "quote", &quote.id)
            .detail(serde_json::json!({"deal_id": deal.id,
                "version_number": quote.version_number, "total_cents": quote.total_cents,
                "financing_application_id": application_id}))
            .event(QuoteAccepted {
                quote_id: quote.id.clone(),
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                version_number: quote.version_number,
                vehicle_id: quote.vehicle_id.clone(),
                vin: quote.vin.clone(),
                total_cents: quote.total_cents,
                purchase_tax_cents: quote.purchase_tax_cents,
                financing_application_id: application_id,
                accepted_by: actor,
                accepted_at: DateTime::<Utc>::from_naive_utc_and_offset(now, Utc),
            }),
    )?;
    Quote::find(ctx.conn, ctx.org_id(), &quote.id)?.ok_or(ServiceError::NotFound)
}
