//! The intake use case: one lead in one unit of work, whatever door it came through (staff,
//! integration JSON with a mapping, ADF XML, batch). Dedupe, attach to the customer or create
//! a prospect, score, route, open the first-response task, announce.

use autocrm_domain::access::Role;
use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{CustomerKind, LifecycleStage};
use autocrm_domain::leads::routing::{LeadRoutingFacts, RoutingDecision};
use autocrm_domain::leads::{LeadNeeds, LeadStatus, SourceChannel};
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{
    Customer, CustomerLookup, Lead, LookupKind, Store, StoreFilter, TenantRecord,
};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult};
use crate::customers::personal::indexes_of;
use crate::customers::service::{self as customers, NewCustomer, ProfileChanges};
use crate::events::catalogue::LeadCreated;
use crate::leads::routing::service as routing;
use crate::leads::scoring::service as scoring;
use crate::leads::service::{HistoryNote, OwnerMove, owner_placed, place_owner, record_history};

/// How long the payload as received is kept (sealed).
pub const RAW_RETENTION_DAYS: i64 = 90;
/// The name given to a prospect whose lead carried none.
pub const UNNAMED: &str = "未留名客户";

/// Campaign parameters of the page the lead came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

/// Who the lead is, as it says.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<Phone>,
    /// A WeChat openid or unionid (mini-programs and official accounts).
    pub wechat_id: Option<String>,
    pub email: Option<Email>,
    pub city: Option<String>,
}

/// Where the lead goes.
#[derive(Debug, Clone, Default)]
pub enum StoreRef {
    #[default]
    None,
    /// A store id: must be one of the organisation's active stores.
    Id(String),
    /// A store's name from a feed (ADF `<vendor>`): picks the store of that name when one
    /// matches, else none.
    Name(String),
}

/// A lead as its door's rules accepted it.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub source: SourceChannel,
    pub source_lead_id: Option<String>,
    pub store: StoreRef,
    pub contact: Contact,
    pub needs: LeadNeeds,
    pub campaign_id: Option<String>,
    pub utm: Option<Utm>,
    pub referrer: Option<String>,
    /// The consultant's note (staff intake).
    pub note: Option<String>,
    /// The payload as received, to be sealed and kept for `RAW_RETENTION_DAYS`.
    pub raw: Option<String>,
}

/// What intake did.
pub struct Intaken {
    pub lead: Lead,
    /// The lead existed already under its `(source, source_lead_id)`: nothing was written.
    pub duplicate: bool,
    pub customer_created: bool,
}

/// Takes one lead in. A repeated `(source, source_lead_id)` answers the existing lead with
/// `duplicate` and writes nothing. Emits `lead.created`, `customer.created` for a new
/// prospect, `lead.assigned` when routed, and opens the first-response task.
pub fn intake(ctx: &mut Ctx, new: NewLead) -> ServiceResult<Intaken> {
    check(&new)?;
    if let Some(existing) = already_taken(ctx, &new)? {
        return Ok(existing);
    }
    let store_id = placement(ctx, &new.store)?;
    let existing = match_customer(ctx, &new.contact)?;
    let config = scoring::config(ctx)?;
    let now = ctx.now();
    let events = match &existing {
        Some(c) => scoring::customer_events(ctx, &c.id, ctx.now_utc() - config.lookback())?,
        None => Vec::new(),
    };
    let customer_needs = existing.as_ref().and_then(Customer::stated_needs);
    let contact = existing.as_ref().map_or_else(
        || autocrm_domain::leads::scoring::ContactData {
            phone: new.contact.phone.is_some(),
            wechat: new.contact.wechat_id.is_some(),
            email: new.contact.email.is_some(),
            name: new.contact.name.is_some(),
        },
        scoring::contact_of,
    );
    let scored = scoring::score(
        ctx,
        &scoring::Facts {
            needs: &new.needs,
            customer_needs: customer_needs.as_ref(),
            source: &new.source,
            contact,
            events: &events,
            active_since: ctx.now_utc(),
        },
        &config,
    )?;
    // Who works it: a consultant entering a lead works it; otherwise the rules decide.
    let entered_by_consultant = match ctx.actor() {
        Actor::Principal(p) if p.role == Role::SalesConsultant => Some(p.id.clone()),
        _ => None,
    };
    let decision = match &entered_by_consultant {
        Some(_) => None,
        None => {
            let rules = routing::config(ctx)?;
            let facts = LeadRoutingFacts {
                store_id: store_id.clone(),
                region: existing
                    .as_ref()
                    .and_then(|c| c.region.clone().or_else(|| c.city.clone()))
                    .or_else(|| new.contact.city.clone()),
                brand: new.needs.wanted.brand.clone(),
                condition: new.needs.wanted.condition,
                source: new.source.clone(),
                grade: scored.grade,
            };
            Some(routing::decide(ctx, &rules, &facts)?)
        }
    };
    let owner = match (&entered_by_consultant, &decision) {
        (Some(me), _) => Some(me.clone()),
        (None, Some(RoutingDecision::Assigned(a))) => Some(a.user_id.clone()),
        _ => None,
    };
    let (customer, customer_created) = match existing {
        Some(c) => {
            let c = if new.needs.is_empty() {
                c
            } else {
                customers::absorb_lead_needs(ctx, &c, &new.needs)?
            };
            (c, false)
        }
        None => (
            create_prospect(ctx, &new, owner.clone(), store_id.clone())?,
            true,
        ),
    };
    let raw_ciphertext = new
        .raw
        .as_deref()
        .map(|raw| ctx.pii().encrypt(raw))
        .transpose()?;
    let mut lead = Lead {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id: store_id.clone(),
        customer_id: customer.id.clone(),
        owner_id: None,
        status: LeadStatus::New.as_str().to_owned(),
        grade: String::new(),
        score: 0,
        score_detail: String::new(),
        source: new.source.as_str().to_owned(),
        source_lead_id: new.source_lead_id.clone(),
        campaign_id: new.campaign_id.clone(),
        utm: new
            .utm
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(ServiceError::internal)?,
        referrer: new.referrer.clone(),
        needs: (!new.needs.is_empty())
            .then(|| serde_json::to_string(&new.needs))
            .transpose()
            .map_err(ServiceError::internal)?,
        raw_expires_at: raw_ciphertext
            .as_ref()
            .map(|_| now + TimeDelta::days(RAW_RETENTION_DAYS)),
        raw_ciphertext,
        created_by: ctx.actor_id(),
        active_since: now,
        last_worked_at: None,
        assigned_at: None,
        pool_since: Some(now),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    scoring::apply(&mut lead, &scored)?;
    // The owner is placed before the row is written (one insert, no update), and announced
    // after it: a new lead has no tasks to move yet.
    let placed = match &owner {
        None => None,
        Some(owner) => {
            let (why, detail, at) = match &decision {
                Some(RoutingDecision::Assigned(a)) => (
                    OwnerMove::Routed,
                    Some(serde_json::to_value(a).map_err(ServiceError::internal)?),
                    a.last_assigned_at.naive_utc(),
                ),
                _ => (OwnerMove::Entered, None, now),
            };
            let from = place_owner(&mut lead, Some(owner), at);
            Some((from, why, detail, at))
        }
    };
    insert(ctx, &lead)?;
    record_history(
        ctx,
        &lead,
        HistoryNote {
            kind: "created",
            to_value: Some(lead.grade.clone()),
            reason: new.note.clone(),
            detail: Some(serde_json::json!({
                "customer_created": customer_created,
                "routing": decision,
            })),
            ..HistoryNote::default()
        },
    )?;
    ctx.record(
        Change::new("lead.created", "lead", &lead.id)
            .detail(
                serde_json::json!({"source": lead.source, "grade": lead.grade,
                "customer_id": lead.customer_id, "customer_created": customer_created}),
            )
            .event(LeadCreated {
                lead_id: lead.id.clone(),
                customer_id: lead.customer_id.clone(),
                customer_created,
                store_id: lead.store_id.clone(),
                source: lead.source.clone(),
                source_lead_id: lead.source_lead_id.clone(),
                campaign_id: lead.campaign_id.clone(),
                grade: lead.grade.clone(),
                score: lead.score,
                owner_id: owner.clone(),
                wanted: serde_json::json!({
                    "brand": new.needs.wanted.brand,
                    "model": new.needs.wanted.model,
                    "condition": new.needs.wanted.condition,
                }),
            }),
    )?;
    if let Some((from, why, detail, at)) = placed {
        owner_placed(ctx, &lead, from, why, None, detail, at)?;
    }
    crate::tasks::sla::first_response_task(ctx, &lead)?;
    Ok(Intaken {
        lead,
        duplicate: false,
        customer_created,
    })
}

/// What every door must bring: a way to reach the customer, and needs that hold together.
fn check(new: &NewLead) -> ServiceResult<()> {
    let c = &new.contact;
    if c.phone.is_none() && c.wechat_id.is_none() && c.email.is_none() {
        return Err(ServiceError::invalid(
            "customer",
            "required",
            "a lead needs a phone, a WeChat id or an email",
        ));
    }
    new.needs.check().map_err(|e| {
        ServiceError::invalid("wanted.budget_min_cents", "out_of_range", e.to_string())
    })
}

fn already_taken(ctx: &mut Ctx, new: &NewLead) -> ServiceResult<Option<Intaken>> {
    let Some(source_id) = &new.source_lead_id else {
        return Ok(None);
    };
    Ok(
        Lead::by_source(ctx.conn, ctx.org_id(), new.source.as_str(), source_id)?.map(|lead| {
            Intaken {
                lead,
                duplicate: true,
                customer_created: false,
            }
        }),
    )
}

/// A concurrent push of the same `(source, source_lead_id)` that won the race makes this
/// one a duplicate: the unit of work fails with `Duplicate`, and the door answers it.
fn insert(ctx: &mut Ctx, lead: &Lead) -> ServiceResult<()> {
    lead.insert(ctx.conn).map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::duplicate("this source already sent this lead", None)
        } else {
            e.into()
        }
    })
}

/// The lead's store: the one named (an active store of the organisation), or by a feed's
/// vendor name, or none. Store staff enter leads into their own store.
fn placement(ctx: &mut Ctx, store: &StoreRef) -> ServiceResult<Option<String>> {
    let own_store = match ctx.actor() {
        Actor::Principal(p) if matches!(p.role, Role::SalesConsultant | Role::SalesManager) => {
            p.store_id.clone()
        }
        _ => None,
    };
    let asked = match store {
        StoreRef::None => None,
        StoreRef::Id(id) => {
            if !Store::find(ctx.conn, ctx.org_id(), id)?.is_some_and(|s| s.active) {
                return Err(ServiceError::invalid(
                    "store_id",
                    "not_found",
                    "no such active store",
                ));
            }
            Some(id.clone())
        }
        StoreRef::Name(name) => store_named(ctx, name)?,
    };
    match (own_store, asked) {
        (Some(own), Some(asked)) if own != asked => Err(ServiceError::Forbidden),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

/// The active store whose name is `name` (trimmed, ignoring case), if exactly one is.
fn store_named(ctx: &mut Ctx, name: &str) -> ServiceResult<Option<String>> {
    let wanted = name.trim().to_lowercase();
    if wanted.is_empty() {
        return Ok(None);
    }
    let all_active = StoreFilter {
        active: Some(true),
        limit: 10_000,
        ..StoreFilter::default()
    };
    let stores = Store::list(ctx.conn, ctx.org_id(), &all_active)?;
    let mut named = stores
        .into_iter()
        .filter(|s| s.name.trim().to_lowercase() == wanted);
    Ok(match (named.next(), named.next()) {
        (Some(store), None) => Some(store.id),
        _ => None,
    })
}

/// The live customer the lead's phone (blind index), WeChat id or email names, in that order.
fn match_customer(ctx: &mut Ctx, contact: &Contact) -> ServiceResult<Option<Customer>> {
    let pii = ctx.pii();
    let live = |c: &Customer| c.status == "active" || c.status == "archived";
    if let Some(phone) = &contact.phone {
        let indexes = indexes_of(pii, LookupKind::Phone, phone.as_str());
        if let Some(c) = Customer::find_by_phone(ctx.conn, ctx.org_id(), &indexes)?.filter(live) {
            return Ok(Some(c));
        }
        if let Some(c) = by_lookup(ctx, LookupKind::Phone, &indexes)? {
            return Ok(Some(c));
        }
    }
    if let Some(wechat) = &contact.wechat_id {
        let indexes = indexes_of(pii, LookupKind::Wechat, wechat);
        if let Some(c) = by_lookup(ctx, LookupKind::Wechat, &indexes)? {
            return Ok(Some(c));
        }
    }
    if let Some(email) = &contact.email {
        return Ok(Customer::by_email(ctx.conn, ctx.org_id(), email.as_str())?);
    }
    Ok(None)
}

fn by_lookup(
    ctx: &mut Ctx,
    kind: LookupKind,
    indexes: &[String],
) -> ServiceResult<Option<Customer>> {
    for hit in CustomerLookup::matching(ctx.conn, ctx.org_id(), kind, indexes, "", 5)? {
        if let Some(c) = Customer::find(ctx.conn, ctx.org_id(), &hit.customer_id)?
            && (c.status == "active" || c.status == "archived")
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// A new prospect (潜客) from the lead's contact, owned by whoever works the lead.
fn create_prospect(
    ctx: &mut Ctx,
    new: &NewLead,
    owner: Option<String>,
    store_id: Option<String>,
) -> ServiceResult<Customer> {
    let source_channel = new
        .source
        .as_str()
        .parse::<autocrm_domain::customer::SourceChannel>()
        .unwrap_or(autocrm_domain::customer::SourceChannel::Other);
    let needs = (!new.needs.is_empty()).then(|| new.needs.merged_into(None));
    customers::create_vetted(
        ctx,
        NewCustomer {
            kind: CustomerKind::Individual,
            name: new
                .contact
                .name
                .clone()
                .unwrap_or_else(|| UNNAMED.to_owned()),
            phone: new.contact.phone.clone(),
            email: new.contact.email.clone(),
            city: new.contact.city.clone(),
            source_channel: Some(source_channel),
            owner_id: owner,
            store_id,
            notes: None,
            marketing_consent: false,
            profile: ProfileChanges {
                wechat_openid: new.contact.wechat_id.clone().map(Some),
                lifecycle_stage: Some(LifecycleStage::Prospect),
                source_detail: Some(Some(format!("线索：{}", new.source))),
                needs: needs.map(Some),
                ..ProfileChanges::default()
            },
        },
    )
}
