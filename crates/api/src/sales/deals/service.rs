//! Deal use cases: opening a deal from a lead or a customer, the board, changes, stage moves
//! under the organisation's gates (documents or waivers), winning (the car sold, the customer
//! an owner with the car in the garage, `deal.won` for invoicing), losing (through an approved
//! lost request), collaborators and comments with @mentions.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_domain::access::Role;
use autocrm_domain::customer::{LifecycleStage, PaymentMethod};
use autocrm_domain::leads::{LeadStatus, LostReason};
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::sales::deals::{
    AttachmentKind, DealConfig, DealStage, Evidence, StageMove, check_move, check_transition,
    probability,
};
use autocrm_domain::sales::purchase_tax::{TaxBasis, purchase_tax};
use autocrm_domain::sales::quotes::QuoteLineKind;
use autocrm_domain::vehicle::{VehicleStatus, Vin};
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{
    Attachment, Customer, Deal, DealCollaborator, DealComment, DealDocument, DealFilter, DealScope,
    DealStageChange, TenantRecord, User, Vehicle,
};
use chrono::NaiveDate;

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::{
    DealBuyer, DealCreated, DealExtras, DealLost, DealStageChanged, DealTax, DealWon,
};
use crate::inventory::vehicles::service as vehicles;
use crate::leads::service as leads;
use crate::notifications::service::{Notification, notify};
use crate::organization::settings::{change_sections, sections};

/// The deals the caller sees: everything for admins, general managers and machine clients;
/// a sales manager's store; a consultant's own; and for everyone, the deals they collaborate
/// on (finance sees only those).
pub fn scope(ctx: &Ctx) -> DealScope {
    match ctx.actor() {
        Actor::Principal(p) => match p.role {
            Role::Admin | Role::GeneralManager | Role::Integration => DealScope::All,
            Role::SalesManager => match &p.store_id {
                Some(store) => DealScope::Store {
                    store: store.clone(),
                    user: p.id.clone(),
                },
                None => DealScope::Collaborator(p.id.clone()),
            },
            Role::SalesConsultant => DealScope::Owner(p.id.clone()),
            Role::Finance => DealScope::Collaborator(p.id.clone()),
            _ => DealScope::Nothing,
        },
        Actor::System { .. } => DealScope::All,
        Actor::Anonymous => DealScope::Nothing,
    }
}

/// Whether a scope admits a deal (the collaborators' table answers for the rest).
fn admits(ctx: &mut Ctx, scope: &DealScope, deal: &Deal) -> ServiceResult<bool> {
    let user = match scope {
        DealScope::All => return Ok(true),
        DealScope::Nothing => return Ok(false),
        DealScope::Store { store, user } => {
            if deal.store_id.as_deref() == Some(store.as_str()) {
                return Ok(true);
            }
            user
        }
        DealScope::Owner(user) => {
            if deal.owner_id.as_deref() == Some(user.as_str()) {
                return Ok(true);
            }
            user
        }
        DealScope::Collaborator(user) => user,
    };
    Ok(DealCollaborator::exists(
        ctx.conn,
        &deal.org_id,
        &deal.id,
        user,
    )?)
}

/// One deal in the caller's scope; `NotFound` for anything else.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<Deal> {
    let deal = records::find(ctx, id, |_: &Deal| true)?;
    let scope = scope(ctx);
    if admits(ctx, &scope, &deal)? {
        Ok(deal)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// A visible deal, locked and changed under its version (`If-Match` when given).
pub fn update_visible(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    change: impl FnOnce(&mut Ctx, &mut Deal) -> ServiceResult<()>,
) -> ServiceResult<Deal> {
    find_visible(ctx, id)?;
    records::update(ctx, id, expected, |_: &Deal| true, change)
}

pub fn stage_of(deal: &Deal) -> ServiceResult<DealStage> {
    deal.stage.parse().map_err(ServiceError::internal)
}

fn payment_of(deal: &Deal) -> Option<PaymentMethod> {
    deal.payment.as_deref().and_then(|p| p.parse().ok())
}

/// The organisation's pipeline settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<DealConfig> {
    Ok(sections(ctx)?.deals.unwrap_or_default())
}

/// Replaces the pipeline settings after checking them (422 with every problem). Audited
/// (`organization.deals_changed`).
pub fn put_config(ctx: &mut Ctx, new: DealConfig) -> ServiceResult<DealConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.deals_changed", detail, |s| {
        s.deals = Some(stored)
    })?;
    Ok(new)
}

/// How a request names the car a deal sells.
#[derive(Debug, Clone)]
pub enum VehicleRef {
    Id(String),
    StockNumber(String),
    Vin(String),
}

/// The car a reference names in the organisation's stock; 422 on `field` when none.
fn resolve_vehicle(ctx: &mut Ctx, reference: &VehicleRef, field: &str) -> ServiceResult<Vehicle> {
    let found = match reference {
        VehicleRef::Id(id) => match vehicles::find(ctx, id) {
            Ok(v) => Some(v),
            Err(ServiceError::NotFound) => None,
            Err(e) => return Err(e),
        },
        VehicleRef::StockNumber(n) => vehicles::find_by_stock_number(ctx, n)?,
        VehicleRef::Vin(vin) => vehicles::find_by_vin(ctx, vin)?,
    };
    found.ok_or_else(|| ServiceError::invalid(field, "not_found", "no such car in stock"))
}

/// A deal as its request's rules accepted it: from a lead or from a customer.
#[derive(Debug, Clone)]
pub struct NewDeal {
    pub lead_id: Option<String>,
    pub customer_id: Option<String>,
    pub title: Option<String>,
    pub payment: Option<PaymentMethod>,
    pub amount_cents: Option<i64>,
    pub expected_close_date: Option<NaiveDate>,
    pub vehicle: Option<VehicleRef>,
    pub note: Option<String>,
}

fn not_found_as(field: &str) -> impl Fn(ServiceError) -> ServiceError + '_ {
    move |e| match e {
        ServiceError::NotFound => ServiceError::invalid(field, "not_found", "not found"),
        other => other,
    }
}

/// Opens a deal, at `qualified`. From a lead the caller sees (it must be open: it becomes
/// `converted`, with a `status_changed` entry on its history), or from a customer the caller
/// sees. The owner is the calling consultant, else the lead's or customer's owner; the store
/// the lead's, else the customer's, else the caller's. Emits `deal.created`.
pub fn create(ctx: &mut Ctx, new: NewDeal) -> ServiceResult<Deal> {
    let principal = ctx.principal()?.clone();
    let (customer, lead) = match (&new.lead_id, &new.customer_id) {
        (Some(lead_id), customer_id) => {
            let lead = leads::update_visible(ctx, lead_id, None, |ctx, lead| {
                // A lead waiting in the pool is claimed before anyone works it.
                if lead.owner_id.is_none() && principal.role == Role::SalesConsultant {
                    return Err(ServiceError::InvalidTransition(
                        "the lead waits in the pool: claim it first".into(),
                    ));
                }
                let from = leads::status_of(lead)?;
                let to = from.transition(LeadStatus::Converted).map_err(|e| {
                    ServiceError::InvalidTransition(format!("{e}: only an open lead converts"))
                })?;
                lead.status = to.as_str().to_owned();
                lead.updated_at = ctx.now();
                leads::record_history(
                    ctx,
                    lead,
                    leads::HistoryNote {
                        kind: "status_changed",
                        from_value: Some(from.as_str().to_owned()),
                        to_value: Some(to.as_str().to_owned()),
                        reason: Some("deal opened".into()),
                        ..Default::default()
                    },
                )
            })
            .map_err(not_found_as("lead_id"))?;
            if customer_id.as_ref().is_some_and(|c| *c != lead.customer_id) {
                return Err(ServiceError::invalid(
                    "customer_id",
                    "mismatch",
                    "the lead belongs to another customer",
                ));
            }
            let customer = Customer::find(ctx.conn, ctx.org_id(), &lead.customer_id)?
                .ok_or(ServiceError::Internal)?;
            (customer, Some(lead))
        }
        (None, Some(customer_id)) => {
            let customer = crate::customers::service::find_visible(ctx, customer_id)
                .map_err(not_found_as("customer_id"))?;
            (customer, None)
        }
        (None, None) => {
            return Err(ServiceError::invalid(
                "lead_id",
                "required",
                "name the lead (lead_id) or the customer (customer_id) the deal is for",
            ));
        }
    };
    crate::customers::service::refuse_merged(ctx, &customer)?;
    let vehicle = new
        .vehicle
        .as_ref()
        .map(|r| resolve_vehicle(ctx, r, "vehicle"))
        .transpose()?;
    let owner_id = if principal.role == Role::SalesConsultant {
        Some(principal.id.clone())
    } else {
        lead.as_ref()
            .and_then(|l| l.owner_id.clone())
            .or_else(|| customer.owner_id.clone())
    };
    let store_id = lead
        .as_ref()
        .and_then(|l| l.store_id.clone())
        .or_else(|| customer.store_id.clone())
        .or_else(|| principal.store_id.clone());
    let title = new.title.unwrap_or_else(|| match &vehicle {
        Some(v) => format!("{} {} {}", customer.name, v.brand, v.model),
        None => format!("{} 购车", customer.name),
    });
    let now = ctx.now();
    let deal = Deal {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        customer_id: customer.id.clone(),
        lead_id: lead.as_ref().map(|l| l.id.clone()),
        owner_id,
        title,
        stage: DealStage::Qualified.as_str().to_owned(),
        payment: new.payment.map(|p| p.as_str().to_owned()),
        amount_cents: new
            .amount_cents
            .or_else(|| vehicle.as_ref().map(|v| v.asking_price_cents)),
        expected_close_date: new.expected_close_date.map(|d| d.to_string()),
        vehicle_id: vehicle.map(|v| v.id),
        note: new.note,
        lost_reason: None,
        closed_at: None,
        created_by: ctx.actor_id(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    deal.insert(ctx.conn)?;
    DealStageChange {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        from_stage: None,
        to_stage: deal.stage.clone(),
        waivers: None,
        actor: ctx.actor_id(),
        created_at: now,
    }
    .insert(ctx.conn)?;
    ctx.record(
        Change::new("deal.created", "deal", &deal.id)
            .detail(serde_json::json!({"customer_id": deal.customer_id, "lead_id": deal.lead_id}))
            .event(DealCreated {
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                lead_id: deal.lead_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                title: deal.title.clone(),
                stage: deal.stage.clone(),
                amount_cents: deal.amount_cents,
            }),
    )?;
    Ok(deal)
}

/// A merge patch of a deal: `None` leaves a field, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct DealChanges {
    pub title: Option<String>,
    pub payment: Option<Option<PaymentMethod>>,
    pub amount_cents: Option<Option<i64>>,
    pub expected_close_date: Option<Option<NaiveDate>>,
    pub vehicle: Option<Option<VehicleRef>>,
    pub note: Option<Option<String>>,
    /// A colleague to own it: managers only (403 otherwise); a user of the organisation.
    pub owner_id: Option<String>,
}

/// Changes an open deal the caller sees. Audited (`deal.updated`).
pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: DealChanges,
) -> ServiceResult<Deal> {
    let principal = ctx.principal()?.clone();
    let vehicle = match &changes.vehicle {
        Some(Some(r)) => Some(Some(resolve_vehicle(ctx, r, "vehicle")?)),
        Some(None) => Some(None),
        None => None,
    };
    if let Some(owner) = &changes.owner_id {
        if !matches!(
            principal.role,
            Role::Admin | Role::GeneralManager | Role::SalesManager
        ) {
            return Err(ServiceError::Forbidden);
        }
        let user = User::find(ctx.conn, ctx.org_id(), owner)?.filter(|u| u.active);
        if user.is_none() {
            return Err(ServiceError::invalid(
                "owner_id",
                "not_found",
                "no such active user",
            ));
        }
    }
    let mut fields = Vec::new();
    let deal = update_visible(ctx, id, expected, |ctx, deal| {
        if !stage_of(deal)?.is_open() {
            return Err(ServiceError::InvalidTransition(format!(
                "the deal is {} and can no longer change",
                deal.stage
            )));
        }
        if let Some(title) = changes.title {
            deal.title = title;
            fields.push("title");
        }
        if let Some(payment) = changes.payment {
            deal.payment = payment.map(|p| p.as_str().to_owned());
            fields.push("payment");
        }
        if let Some(amount) = changes.amount_cents {
            deal.amount_cents = amount;
            fields.push("amount_cents");
        }
        if let Some(date) = changes.expected_close_date {
            deal.expected_close_date = date.map(|d| d.to_string());
            fields.push("expected_close_date");
        }
        if let Some(vehicle) = vehicle {
            deal.vehicle_id = vehicle.map(|v| v.id);
            fields.push("vehicle_id");
        }
        if let Some(note) = changes.note {
            deal.note = note;
            fields.push("note");
        }
        if let Some(owner) = changes.owner_id {
            deal.owner_id = Some(owner);
            fields.push("owner_id");
        }
        deal.updated_at = ctx.now();
        Ok(())
    })?;
    ctx.record(
        Change::new("deal.updated", "deal", &deal.id).detail(serde_json::json!({"fields": fields})),
    )?;
    Ok(deal)
}

/// The documents of a deal as its gates read them.
fn evidence(
    ctx: &mut Ctx,
    deal: &Deal,
    waivers: BTreeMap<AttachmentKind, String>,
) -> ServiceResult<Evidence> {
    let attachments: BTreeSet<AttachmentKind> =
        DealDocument::of_deal(ctx.conn, &deal.org_id, &deal.id)?
            .into_iter()
            .filter_map(|d| d.kind.parse().ok())
            .collect();
    Ok(Evidence {
        attachments,
        waivers,
    })
}

fn write_stage_change(
    ctx: &mut Ctx,
    deal: &Deal,
    from: DealStage,
    to: DealStage,
    waivers: &BTreeMap<String, String>,
) -> ServiceResult<()> {
    DealStageChange {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        from_stage: Some(from.as_str().to_owned()),
        to_stage: to.as_str().to_owned(),
        waivers: (!waivers.is_empty())
            .then(|| serde_json::to_string(waivers))
            .transpose()
            .map_err(ServiceError::internal)?,
        actor: ctx.actor_id(),
        created_at: ctx.now(),
    }
    .insert(ctx.conn)?;
    Ok(())
}

/// Moves a deal to another stage: legal moves only (forward over optional stages, one back),
/// and forward only when the target's gate is met by the deal's documents or, where the gate
/// allows, a waiver with a reason (409 naming what is missing otherwise). `lost` is reached
/// through a lost request only. Entering `won` sells the car, makes the customer an owner
/// with the car in the garage and emits `deal.won`. Emits `deal.stage_changed`.
pub fn move_stage(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    to: DealStage,
    waivers: BTreeMap<AttachmentKind, String>,
) -> ServiceResult<Deal> {
    if to == DealStage::Lost {
        return Err(ServiceError::InvalidTransition(
            "a deal is marked lost through a lost request (POST /api/v1/deals/{id}/lost-requests)"
                .into(),
        ));
    }
    let config = config(ctx)?;
    let mut used: BTreeMap<String, String> = BTreeMap::new();
    let mut from = DealStage::Qualified;
    let deal = update_visible(ctx, id, expected, |ctx, deal| {
        from = stage_of(deal)?;
        let evidence = evidence(ctx, deal, waivers)?;
        let stage_move = check_move(from, to, payment_of(deal), &evidence, &config)
            .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
        if let StageMove::Forward { .. } = stage_move {
            // Only the waivers that stood in for a missing document are recorded.
            for req in config.gates.get(&to).into_iter().flatten() {
                if !evidence.attachments.contains(&req.attachment)
                    && let Some(reason) = evidence.waivers.get(&req.attachment)
                {
                    used.insert(req.attachment.as_str().to_owned(), reason.clone());
                }
            }
        }
        deal.stage = to.as_str().to_owned();
        deal.updated_at = ctx.now();
        if to == DealStage::Won {
            deal.closed_at = Some(ctx.now());
        }
        Ok(())
    })?;
    write_stage_change(ctx, &deal, from, to, &used)?;
    ctx.record(
        Change::new("deal.stage_changed", "deal", &deal.id)
            .detail(serde_json::json!({"from": from.as_str(), "to": to.as_str(), "waivers": used}))
            .event(DealStageChanged {
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                from_stage: from.as_str().to_owned(),
                to_stage: to.as_str().to_owned(),
                probability_percent: probability(to, &config),
                waivers: used,
            }),
    )?;
    if to == DealStage::Won {
        win(ctx, &deal)?;
    }
    Ok(deal)
}

/// What winning does: the car sold at the deal's price (the accepted quote's net price when
/// it quoted this car), the customer an owner with the car in the garage, `deal.won` with
/// what invoicing needs: the purchase tax as of today, and the quote's fees and other lines.
fn win(ctx: &mut Ctx, deal: &Deal) -> ServiceResult<()> {
    let Some(vehicle_id) = deal.vehicle_id.clone() else {
        return Err(ServiceError::invalid(
            "vehicle",
            "required",
            "a deal is won with the car it sells: set its vehicle first",
        ));
    };
    let quoted = crate::sales::quotes::service::accepted_of(ctx, &deal.id)?
        .filter(|q| q.quote.vehicle_id == vehicle_id);
    let price = match &quoted {
        Some(q) => Some(q.quote.vehicle_net_cents),
        None => deal.amount_cents,
    };
    let vehicle = records::update(
        ctx,
        &vehicle_id,
        None,
        |_: &Vehicle| true,
        |ctx, v| {
            if let Some(price) = price {
                v.sold_price_cents = Some(price);
            }
            vehicles::apply_status(ctx, v, VehicleStatus::Sold)
        },
    )?;
    let customer = crate::customers::service::find_visible(ctx, &deal.customer_id)?;
    let stage: LifecycleStage = customer
        .lifecycle_stage
        .parse()
        .unwrap_or(LifecycleStage::Prospect);
    if matches!(stage, LifecycleStage::Prospect | LifecycleStage::Customer) {
        crate::customers::service::update(
            ctx,
            &customer.id,
            None,
            crate::customers::service::CustomerChanges {
                profile: crate::customers::service::ProfileChanges {
                    lifecycle_stage: Some(LifecycleStage::Owner),
                    ..Default::default()
                },
                ..Default::default()
            },
        )?;
    }
    let today = ctx.today()?;
    let added = crate::garage::service::add(
        ctx,
        &customer.id,
        crate::garage::service::NewVehicle {
            vin: Vin::parse(&vehicle.vin).ok(),
            plate: None,
            brand: vehicle.brand.clone(),
            model: vehicle.model.clone(),
            year: vehicle.model_year,
            purchase_date: Some(today),
        },
    );
    match added {
        Ok(_) | Err(ServiceError::Duplicate { .. }) => {}
        Err(e) => return Err(e),
    }
    let price_cents = price
        .or(vehicle.sold_price_cents)
        .unwrap_or(vehicle.asking_price_cents);
    let rules = sections(ctx)?.purchase_tax.unwrap_or_default();
    let taxed = match &quoted {
        // As the quote described the car (its relief catalogue entry included).
        Some(q) => q.tax.vehicle,
        None => crate::sales::quotes::service::taxed(&vehicle, None),
    };
    let tax = purchase_tax(price_cents, &taxed, today, &rules)
        .map_err(|e| ServiceError::invalid("amount_cents", "out_of_range", e.to_string()))?;
    let basis = match tax.basis {
        TaxBasis::Standard => "standard",
        TaxBasis::NevRelief { .. } => "nev_relief",
        TaxBasis::NevNotInCatalogue => "nev_not_in_catalogue",
        TaxBasis::UsedVehicle => "used_vehicle",
    };
    // The quote's lines other than the car, its discounts and its tax, by kind.
    let line = |kind: QuoteLineKind| -> i64 {
        quoted
            .as_ref()
            .and_then(|q| q.by_kind.get(&kind).copied())
            .unwrap_or(0)
    };
    let fees_cents = line(QuoteLineKind::RegistrationFee);
    let extras = DealExtras {
        accessories_cents: line(QuoteLineKind::Accessory),
        insurance_cents: line(QuoteLineKind::Insurance),
        extended_warranty_cents: line(QuoteLineKind::ExtendedWarranty),
        // Stored negative, as a deduction; told as the amount allowed.
        trade_in_allowance_cents: -line(QuoteLineKind::TradeInAllowance),
    };
    let total_cents = price_cents
        + tax.payable_cents
        + fees_cents
        + extras.accessories_cents
        + extras.insurance_cents
        + extras.extended_warranty_cents
        - extras.trade_in_allowance_cents;
    ctx.record(
        Change::new("deal.won", "deal", &deal.id)
            .detail(serde_json::json!({"vehicle_id": vehicle.id, "price_cents": price_cents}))
            .event(DealWon {
                deal_id: deal.id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                buyer: DealBuyer {
                    customer_id: customer.id.clone(),
                    name: customer.name.clone(),
                    phone_masked: customer.phone_masked.clone(),
                },
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                brand: vehicle.brand.clone(),
                model: vehicle.model.clone(),
                condition: vehicle.condition.clone(),
                price_cents,
                purchase_tax: DealTax {
                    taxable_price_cents: tax.taxable_price_cents,
                    tax_before_relief_cents: tax.tax_before_relief_cents,
                    relief_cents: tax.relief_cents,
                    payable_cents: tax.payable_cents,
                    basis: basis.to_owned(),
                },
                fees_cents,
                extras,
                total_cents,
                quote_id: quoted.as_ref().map(|q| q.quote.id.clone()),
                won_at: ctx.now_utc(),
            }),
    )
}

/// Marks a deal lost (an approved lost request; the caller holds the request). Emits
/// `deal.stage_changed` and `deal.lost`.
pub fn mark_lost(
    ctx: &mut Ctx,
    deal_id: &str,
    reason: LostReason,
    lost_request_id: &str,
) -> ServiceResult<Deal> {
    let mut from = DealStage::Qualified;
    let deal = records::update(
        ctx,
        deal_id,
        None,
        |_: &Deal| true,
        |ctx, deal| {
            from = stage_of(deal)?;
            let config = config(ctx)?;
            check_transition(from, DealStage::Lost, payment_of(deal), &config)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            deal.stage = DealStage::Lost.as_str().to_owned();
            deal.lost_reason = Some(reason.as_str().to_owned());
            deal.closed_at = Some(ctx.now());
            deal.updated_at = ctx.now();
            Ok(())
        },
    )?;
    let none = BTreeMap::new();
    write_stage_change(ctx, &deal, from, DealStage::Lost, &none)?;
    ctx.record(
        Change::new("deal.stage_changed", "deal", &deal.id)
            .detail(serde_json::json!({"from": from.as_str(), "to": "lost"}))
            .event(DealStageChanged {
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                from_stage: from.as_str().to_owned(),
                to_stage: DealStage::Lost.as_str().to_owned(),
                probability_percent: 0,
                waivers: none,
            }),
    )?;
    ctx.record(
        Change::new("deal.lost", "deal", &deal.id)
            .detail(
                serde_json::json!({"reason": reason.as_str(), "lost_request_id": lost_request_id}),
            )
            .event(DealLost {
                deal_id: deal.id.clone(),
                customer_id: deal.customer_id.clone(),
                store_id: deal.store_id.clone(),
                owner_id: deal.owner_id.clone(),
                from_stage: from.as_str().to_owned(),
                reason: reason.as_str().to_owned(),
                lost_request_id: lost_request_id.to_owned(),
            }),
    )?;
    Ok(deal)
}

/// A deal with what its answers show beside the row.
pub struct DealView {
    pub deal: Deal,
    pub probability_percent: u8,
    pub documents: Vec<DealDocument>,
    pub collaborators: Vec<DealCollaborator>,
    pub stage_changes: Vec<DealStageChange>,
}

/// One deal with its documents, collaborators and stage history.
pub fn view(ctx: &mut Ctx, deal: Deal) -> ServiceResult<DealView> {
    let config = config(ctx)?;
    let stage = stage_of(&deal)?;
    Ok(DealView {
        probability_percent: probability(stage, &config),
        documents: DealDocument::of_deal(ctx.conn, &deal.org_id, &deal.id)?,
        collaborators: DealCollaborator::of_deal(ctx.conn, &deal.org_id, &deal.id)?,
        stage_changes: DealStageChange::of_deal(ctx.conn, &deal.org_id, &deal.id)?,
        deal,
    })
}

pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<DealView> {
    let deal = find_visible(ctx, id)?;
    view(ctx, deal)
}

/// The board: deals in the caller's scope, by the filter; with each one's probability.
pub fn list(ctx: &mut Ctx, mut filter: DealFilter) -> ServiceResult<Vec<(Deal, u8)>> {
    filter.scope = scope(ctx);
    let config = config(ctx)?;
    let rows = Deal::list(ctx.conn, ctx.org_id(), &filter)?;
    rows.into_iter()
        .map(|d| {
            let p = probability(stage_of(&d)?, &config);
            Ok((d, p))
        })
        .collect()
}

/// Files an attachment of the deal (uploaded with owner type `deal`) as a kind of document.
/// Audited (`deal.document_added`).
pub fn add_document(
    ctx: &mut Ctx,
    deal_id: &str,
    attachment_id: &str,
    kind: AttachmentKind,
) -> ServiceResult<DealDocument> {
    let deal = find_visible(ctx, deal_id)?;
    let attachment = Attachment::find(ctx.conn, ctx.org_id(), attachment_id)?
        .filter(|a| a.owner_type == "deal" && a.owner_id == deal.id && a.is_stored())
        .ok_or_else(|| {
            ServiceError::invalid(
                "attachment_id",
                "not_found",
                "no stored attachment of this deal (upload it with owner_type=deal)",
            )
        })?;
    let document = DealDocument {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        attachment_id: attachment.id,
        kind: kind.as_str().to_owned(),
        added_by: ctx.actor_id(),
        created_at: ctx.now(),
    };
    document.insert(ctx.conn).map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::duplicate("this attachment is filed already", None)
        } else {
            e.into()
        }
    })?;
    ctx.record(Change::new("deal.document_added", "deal", &deal.id).detail(
        serde_json::json!({"attachment_id": document.attachment_id, "kind": document.kind}),
    ))?;
    Ok(document)
}

/// A user of the organisation, active; 422 on `field` otherwise.
fn colleague(ctx: &mut Ctx, user_id: &str, field: &str) -> ServiceResult<User> {
    User::find(ctx.conn, ctx.org_id(), user_id)?
        .filter(|u| u.active)
        .ok_or_else(|| ServiceError::invalid(field, "not_found", "no such active user"))
}

/// Invites a colleague to a deal (专家会诊): they see it from now on, and are notified
/// (`deal.mention`). Audited (`deal.collaborator_added`).
pub fn add_collaborator(
    ctx: &mut Ctx,
    deal_id: &str,
    user_id: &str,
    role_note: Option<String>,
) -> ServiceResult<DealCollaborator> {
    let deal = find_visible(ctx, deal_id)?;
    let user = colleague(ctx, user_id, "user_id")?;
    let row = DealCollaborator {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        user_id: user.id.clone(),
        role_note,
        added_by: ctx.actor_id(),
        created_at: ctx.now(),
    };
    let mut duplicate = false;
    ctx.savepoint(|ctx| {
        row.insert(ctx.conn).map_err(|e| {
            duplicate = is_unique_violation(&e);
            e.into()
        })
    })
    .map_err(|e| {
        if duplicate {
            ServiceError::duplicate("already a collaborator", None)
        } else {
            e
        }
    })?;
    ctx.record(
        Change::new("deal.collaborator_added", "deal", &deal.id)
            .detail(serde_json::json!({"user_id": user.id})),
    )?;
    notify(
        ctx,
        &user.id,
        Notification {
            kind: NotificationKind::DealMention,
            title: format!("邀请您协助商机：{}", deal.title),
            body: format!(
                "同事邀请您参与商机「{}」的专家会诊{}。",
                deal.title,
                row.role_note
                    .as_deref()
                    .map(|n| format!("（{n}）"))
                    .unwrap_or_default()
            ),
            link: Some(format!("/api/v1/deals/{}", deal.id)),
        },
    )?;
    Ok(row)
}

/// The deal's comments, oldest first.
pub fn comments(
    ctx: &mut Ctx,
    deal_id: &str,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<DealComment>> {
    let deal = find_visible(ctx, deal_id)?;
    Ok(DealComment::of_deal(
        ctx.conn,
        &deal.org_id,
        &deal.id,
        after_id.as_deref(),
        limit,
    )?)
}

/// Comments on a deal; each mentioned user (a user of the organisation, 422 otherwise) is
/// notified (`deal.mention`). Audited (`deal.commented`).
pub fn add_comment(
    ctx: &mut Ctx,
    deal_id: &str,
    body: String,
    mentions: Vec<String>,
) -> ServiceResult<DealComment> {
    let deal = find_visible(ctx, deal_id)?;
    let mut unique: Vec<String> = Vec::new();
    for (i, user_id) in mentions.iter().enumerate() {
        let user = colleague(ctx, user_id, &format!("mentions[{i}]"))?;
        if !unique.contains(&user.id) {
            unique.push(user.id);
        }
    }
    let comment = DealComment {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        author_id: ctx.actor_id(),
        body: Some(body),
        mentions: serde_json::to_string(&unique).map_err(ServiceError::internal)?,
        created_at: ctx.now(),
    };
    comment.insert(ctx.conn)?;
    ctx.record(
        Change::new("deal.commented", "deal", &deal.id)
            .detail(serde_json::json!({"comment_id": comment.id, "mentions": unique})),
    )?;
    for user_id in &unique {
        notify(
            ctx,
            user_id,
            Notification {
                kind: NotificationKind::DealMention,
                title: format!("有人在商机中提到了您：{}", deal.title),
                body: format!("商机「{}」有一条新评论提到了您，请查看。", deal.title),
                link: Some(format!("/api/v1/deals/{}/comments", deal.id)),
            },
        )?;
    }
    Ok(comment)
}
