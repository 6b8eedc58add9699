//! The intake use case: leads in one unit of work, whatever door they came through (staff,
//! integration JSON with a mapping, ADF XML, batch). Dedupe, attach to the customer or create
//! a prospect, score, route, open the first-response task, announce; set-based, so that a
//! batch of 500 costs a handful of statements more than one lead.

use std::collections::{BTreeMap, HashMap};

use autocrm_domain::access::Role;
use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{CustomerKind, LifecycleStage, Needs};
use autocrm_domain::leads::routing::{LeadRoutingFacts, RoutingDecision};
use autocrm_domain::leads::scoring::{ContactData, LeadScore};
use autocrm_domain::leads::{LeadNeeds, LeadStatus, SourceChannel};
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{
    Customer, CustomerLookup, Lead, LeadHistoryEntry, LookupKind, Store, StoreFilter,
};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult};
use crate::customers::personal::{indexes_of, wechat_value};
use crate::customers::service::{self as customers, NewCustomer, ProfileChanges};
use crate::events::catalogue::LeadCreated;
use crate::leads::routing::service as routing;
use crate::leads::scoring::service as scoring;
use crate::leads::service::{
    HistoryNote, OwnerMove, history_entry, owner_placed_unwritten, place_owner,
};

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
#[derive(Debug, Clone)]
pub struct Intaken {
    pub lead: Lead,
    /// The lead existed already under its `(source, source_lead_id)`: nothing was written.
    pub duplicate: bool,
    pub customer_created: bool,
    /// The customer's name and masked phone, when intake had the customer at hand (what the
    /// answer shows; `None` for a lead found on file).
    pub customer_shown: Option<(String, Option<String>)>,
}

/// Takes one lead in. A repeated `(source, source_lead_id)` answers the existing lead with
/// `duplicate` and writes nothing. Emits `lead.created`, `customer.created` for a new
/// prospect, `lead.assigned` when routed, and opens the first-response task.
pub fn intake(ctx: &mut Ctx, new: NewLead) -> ServiceResult<Intaken> {
    intake_many(ctx, vec![new])?
        .pop()
        .ok_or(ServiceError::Internal)?
}

/// Whom a lead attaches to.
#[derive(Clone, Copy)]
enum Attach {
    /// A customer on file (index into the customers read).
    Known(usize),
    /// A prospect this batch creates (index into the prospects), first named by `creator`.
    New { prospect: usize, creator: bool },
}

/// A lead on its way in: what the read phase decided for it.
struct Pending {
    index: usize,
    store_id: Option<String>,
    attach: Attach,
    scored: LeadScore,
    owner: Option<String>,
    decision: Option<RoutingDecision>,
}

/// A prospect the batch creates: the needs its leads stated, where it lives, how to reach it.
struct Prospect {
    needs: Option<Needs>,
    city: Option<String>,
    contact: ContactData,
}

/// Takes leads in together, [`intake`] for each, in order: the reads (dedupe, stores,
/// customers, events, the routing board) and the writes (prospects, leads, history, tasks)
/// are a handful of multi-row statements for the whole batch, and scoring and routing run
/// in memory (round-robin rotates through the batch). Leads of one new customer share the
/// prospect the first of them creates, as they would one after the other; a source id
/// repeated within the batch answers the first lead as a duplicate. A lead refused (its
/// checks, its store) answers its error and the rest go in. A failure that cannot be put on
/// one lead (a race lost on a unique index, a database error) fails the whole batch: the
/// door then takes the leads one at a time.
pub fn intake_many(
    ctx: &mut Ctx,
    news: Vec<NewLead>,
) -> ServiceResult<Vec<ServiceResult<Intaken>>> {
    let mut results: Vec<Option<ServiceResult<Intaken>>> = news.iter().map(|_| None).collect();
    let mut stores = Stores::default();
    let mut store_ids: Vec<Option<String>> = vec![None; news.len()];
    for (i, new) in news.iter().enumerate() {
        match check(new).and_then(|()| stores.placement(ctx, &new.store)) {
            Ok(store) => store_ids[i] = store,
            Err(e) => results[i] = Some(Err(e)),
        }
    }
    let duplicate_of = already_taken(ctx, &news, &mut results)?;
    let live: Vec<usize> = (0..news.len())
        .filter(|&i| results[i].is_none() && duplicate_of[i].is_none())
        .collect();
    let mut matched = match_customers(ctx, &news, &live)?;

    // Scoring, in order: a lead sees the needs the leads before it left on its customer.
    let config = scoring::config(ctx)?;
    let since = ctx.now_utc() - config.lookback();
    let known_ids: Vec<String> = matched.customers.iter().map(|c| c.id.clone()).collect();
    let events = if known_ids.is_empty() {
        HashMap::new()
    } else {
        scoring::customers_events(ctx, &known_ids, since)?
    };
    let mut counts = scoring::BudgetCounts::default();
    let mut prospects: Vec<Prospect> = Vec::new();
    let mut pending: Vec<Pending> = Vec::with_capacity(live.len());
    let mut facts: Vec<LeadRoutingFacts> = Vec::with_capacity(live.len());
    for &i in &live {
        let new = &news[i];
        let attach = matched.attach(i, new, &prospects);
        let (customer_needs, contact, region, customer_events) = match attach {
            Attach::Known(k) => {
                let c = &matched.customers[k];
                (
                    c.stated_needs(),
                    scoring::contact_of(c),
                    c.region.clone().or_else(|| c.city.clone()),
                    events.get(&c.id).map_or(&[][..], Vec::as_slice),
                )
            }
            Attach::New { prospect, .. } => match prospects.get(prospect) {
                Some(p) => (p.needs.clone(), p.contact, p.city.clone(), &[][..]),
                // The first lead naming it: the prospect is still to be made of it.
                None => (
                    None,
                    ContactData {
                        phone: new.contact.phone.is_some(),
                        wechat: new.contact.wechat_id.is_some(),
                        email: new.contact.email.is_some(),
                        name: new.contact.name.is_some(),
                    },
                    new.contact.city.clone(),
                    &[][..],
                ),
            },
        };
        let scored = scoring::score(
            ctx,
            &scoring::Facts {
                needs: &new.needs,
                customer_needs: customer_needs.as_ref(),
                source: &new.source,
                contact,
                events: customer_events,
                active_since: ctx.now_utc(),
            },
            &config,
            &mut counts,
        )?;
        // The lead's needs join its customer's, for the leads after it.
        match attach {
            Attach::Known(k) if !new.needs.is_empty() => {
                matched.customers[k] =
                    customers::absorb_lead_needs(ctx, &matched.customers[k], &new.needs)?;
            }
            Attach::Known(_) => {}
            Attach::New { prospect, creator } => {
                if creator {
                    prospects.push(Prospect {
                        needs: (!new.needs.is_empty()).then(|| new.needs.merged_into(None)),
                        city: new.contact.city.clone(),
                        // As stored: a prospect without a name gets `UNNAMED`.
                        contact: ContactData {
                            name: true,
                            ..contact
                        },
                    });
                } else if !new.needs.is_empty() {
                    let p = &mut prospects[prospect];
                    p.needs = Some(new.needs.merged_into(p.needs.as_ref()));
                }
            }
        }
        facts.push(LeadRoutingFacts {
            store_id: store_ids[i].clone(),
            region: region.or_else(|| new.contact.city.clone()),
            brand: new.needs.wanted.brand.clone(),
            condition: new.needs.wanted.condition,
            source: new.source.clone(),
            grade: scored.grade,
        });
        pending.push(Pending {
            index: i,
            store_id: store_ids[i].clone(),
            attach,
            scored,
            owner: None,
            decision: None,
        });
    }

    // Routing: one read of the board for the batch. A consultant entering a lead works it.
    let entered_by_consultant = match ctx.actor() {
        Actor::Principal(p) if p.role == Role::SalesConsultant => Some(p.id.clone()),
        _ => None,
    };
    match &entered_by_consultant {
        Some(me) => pending.iter_mut().for_each(|p| p.owner = Some(me.clone())),
        None if !pending.is_empty() => {
            let rules = routing::config(ctx)?;
            let all: Vec<&LeadRoutingFacts> = facts.iter().collect();
            let mut board = routing::Board::load(ctx, &rules, &all)?;
            for (p, facts) in pending.iter_mut().zip(&facts) {
                let decision = board.decide(&rules, facts);
                if let RoutingDecision::Assigned(a) = &decision {
                    p.owner = Some(a.user_id.clone());
                }
                p.decision = Some(decision);
            }
        }
        None => {}
    }

    // Writes: the prospects, then the leads, their history and first-response tasks.
    let creators: Vec<&Pending> = pending
        .iter()
        .filter(|p| matches!(p.attach, Attach::New { creator: true, .. }))
        .collect();
    // The n-th creator made the n-th prospect.
    let new_customers = creators
        .iter()
        .zip(&prospects)
        .map(|(p, prospect)| {
            prospect_of(
                &news[p.index],
                prospect,
                p.owner.clone(),
                p.store_id.clone(),
            )
        })
        .collect();
    let created = if creators.is_empty() {
        Vec::new()
    } else {
        customers::create_many_vetted(ctx, new_customers)?
    };
    let now = ctx.now();
    let mut leads = Vec::with_capacity(pending.len());
    let mut history = Vec::with_capacity(pending.len() * 2);
    let mut tasks = Vec::with_capacity(pending.len());
    for p in &pending {
        let new = &news[p.index];
        let (customer, customer_created) = match p.attach {
            Attach::Known(k) => (&matched.customers[k], false),
            Attach::New { prospect, creator } => (&created[prospect], creator),
        };
        let customer_id = customer.id.clone();
        let shown = (customer.name.clone(), customer.phone_masked.clone());
        let mut lead = lead_row(ctx, new, p.store_id.clone(), customer_id, now)?;
        scoring::apply(&mut lead, &p.scored)?;
        // The owner is placed before the row is written (one insert, no update), and
        // announced with it: a new lead has no tasks to move yet.
        let placed = match &p.owner {
            None => None,
            Some(owner) => {
                let (why, detail, at) = match &p.decision {
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
        history.push(history_entry(
            ctx,
            &lead,
            now,
            HistoryNote {
                kind: "created",
                to_value: Some(lead.grade.clone()),
                reason: new.note.clone(),
                detail: Some(serde_json::json!({
                    "customer_created": customer_created,
                    "routing": p.decision,
                })),
                ..HistoryNote::default()
            },
        ));
        announce_created(ctx, &lead, new, customer_created, p.owner.clone())?;
        if let Some((from, why, detail, at)) = placed {
            history.push(owner_placed_unwritten(
                ctx, &lead, from, why, None, detail, at,
            )?);
        }
        tasks.push(crate::tasks::sla::first_response(ctx, &lead)?);
        leads.push((p.index, lead, customer_created, shown));
    }
    let rows: Vec<Lead> = leads.iter().map(|(_, lead, _, _)| lead.clone()).collect();
    if !rows.is_empty() {
        Lead::insert_many(ctx.conn, &rows).map_err(|e| {
            // A concurrent push of a source id in this batch won the race.
            if is_unique_violation(&e) {
                ServiceError::duplicate("this source already sent this lead", None)
            } else {
                e.into()
            }
        })?;
        LeadHistoryEntry::insert_many(ctx.conn, &history)?;
        crate::tasks::service::open_new(ctx, tasks)?;
    }
    let mut by_index: HashMap<usize, (Lead, (String, Option<String>))> = HashMap::new();
    for (index, lead, customer_created, shown) in leads {
        by_index.insert(index, (lead.clone(), shown.clone()));
        results[index] = Some(Ok(Intaken {
            lead,
            duplicate: false,
            customer_created,
            customer_shown: Some(shown),
        }));
    }
    for (i, first) in duplicate_of.iter().enumerate() {
        if let Some(first) = first {
            let (lead, shown) = by_index.get(first).cloned().ok_or(ServiceError::Internal)?;
            results[i] = Some(Ok(Intaken {
                lead,
                duplicate: true,
                customer_created: false,
                customer_shown: Some(shown),
            }));
        }
    }
    results
        .into_iter()
        .map(|r| r.ok_or(ServiceError::Internal))
        .collect()
}

/// A lead's row before scoring and routing.
fn lead_row(
    ctx: &Ctx,
    new: &NewLead,
    store_id: Option<String>,
    customer_id: String,
    now: chrono::NaiveDateTime,
) -> ServiceResult<Lead> {
    let raw_ciphertext = new
        .raw
        .as_deref()
        .map(|raw| ctx.pii().encrypt(raw))
        .transpose()?;
    Ok(Lead {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        customer_id,
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
    })
}

/// Audits and announces `lead.created`.
fn announce_created(
    ctx: &mut Ctx,
    lead: &Lead,
    new: &NewLead,
    customer_created: bool,
    owner: Option<String>,
) -> ServiceResult<()> {
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
                owner_id: owner,
                wanted: serde_json::json!({
                    "brand": new.needs.wanted.brand,
                    "model": new.needs.wanted.model,
                    "condition": new.needs.wanted.condition,
                }),
            }),
    )
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

/// Marks the leads whose `(source, source_lead_id)` is on file (answered as duplicates) and
/// answers, for a later lead of the batch repeating an earlier one's, the earlier one's index.
fn already_taken(
    ctx: &mut Ctx,
    news: &[NewLead],
    results: &mut [Option<ServiceResult<Intaken>>],
) -> ServiceResult<Vec<Option<usize>>> {
    let mut ids_by_source: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, new) in news.iter().enumerate() {
        if let (None, Some(id)) = (&results[i], &new.source_lead_id) {
            ids_by_source
                .entry(new.source.as_str())
                .or_default()
                .push(id.clone());
        }
    }
    let mut on_file: HashMap<(String, String), Lead> = HashMap::new();
    for (source, ids) in ids_by_source {
        for lead in Lead::by_sources(ctx.conn, ctx.org_id(), source, &ids)? {
            let key = (
                lead.source.clone(),
                lead.source_lead_id.clone().unwrap_or_default(),
            );
            on_file.insert(key, lead);
        }
    }
    let mut first_of: HashMap<(String, String), usize> = HashMap::new();
    let mut duplicate_of = vec![None; news.len()];
    for (i, new) in news.iter().enumerate() {
        let (None, Some(id)) = (&results[i], &new.source_lead_id) else {
            continue;
        };
        let key = (new.source.as_str().to_owned(), id.clone());
        if let Some(lead) = on_file.get(&key) {
            results[i] = Some(Ok(Intaken {
                lead: lead.clone(),
                duplicate: true,
                customer_created: false,
                customer_shown: None,
            }));
        } else if let Some(&first) = first_of.get(&key) {
            duplicate_of[i] = Some(first);
        } else {
            first_of.insert(key, i);
        }
    }
    Ok(duplicate_of)
}

/// The organisation's active stores, read once when a lead names one.
#[derive(Default)]
struct Stores(Option<Vec<Store>>);

impl Stores {
    fn active(&mut self, ctx: &mut Ctx) -> ServiceResult<&[Store]> {
        if self.0.is_none() {
            let all_active = StoreFilter {
                active: Some(true),
                limit: 10_000,
                ..StoreFilter::default()
            };
            self.0 = Some(Store::list(ctx.conn, ctx.org_id(), &all_active)?);
        }
        Ok(self.0.as_deref().unwrap_or_default())
    }

    /// The lead's store: the one named (an active store of the organisation), or by a
    /// feed's vendor name (trimmed, ignoring case, if exactly one store has it), or none.
    /// Store staff enter leads into their own store.
    fn placement(&mut self, ctx: &mut Ctx, store: &StoreRef) -> ServiceResult<Option<String>> {
        let own_store = match ctx.actor() {
            Actor::Principal(p) if matches!(p.role, Role::SalesConsultant | Role::SalesManager) => {
                p.store_id.clone()
            }
            _ => None,
        };
        let asked = match store {
            StoreRef::None => None,
            StoreRef::Id(id) => {
                if !self.active(ctx)?.iter().any(|s| s.id == *id) {
                    return Err(ServiceError::invalid(
                        "store_id",
                        "not_found",
                        "no such active store",
                    ));
                }
                Some(id.clone())
            }
            StoreRef::Name(name) => {
                let wanted = name.trim().to_lowercase();
                if wanted.is_empty() {
                    None
                } else {
                    let mut named = self
                        .active(ctx)?
                        .iter()
                        .filter(|s| s.name.trim().to_lowercase() == wanted);
                    match (named.next(), named.next()) {
                        (Some(store), None) => Some(store.id.clone()),
                        _ => None,
                    }
                }
            }
        };
        match (own_store, asked) {
            (Some(own), Some(asked)) if own != asked => Err(ServiceError::Forbidden),
            (Some(own), _) => Ok(Some(own)),
            (None, asked) => Ok(asked),
        }
    }
}

/// The live customers the batch's phones (blind index), WeChat ids and emails name, read in
/// at most four statements, and which lead names which.
struct Matched {
    customers: Vec<Customer>,
    /// Per lead: the customer (index into `customers`) its contact names, if any.
    by_lead: HashMap<usize, usize>,
    /// The new customers' contact keys, to the prospect that has them.
    new_phones: HashMap<String, usize>,
    new_wechats: HashMap<String, usize>,
    new_emails: HashMap<String, usize>,
}

impl Matched {
    /// Whom lead `i` attaches to: the customer on file its contact names, else a prospect
    /// an earlier lead of the batch creates with the same phone, WeChat id or email (in
    /// that order), else a new prospect (registered under its keys).
    fn attach(&mut self, i: usize, new: &NewLead, prospects: &[Prospect]) -> Attach {
        if let Some(&k) = self.by_lead.get(&i) {
            return Attach::Known(k);
        }
        let c = &new.contact;
        let earlier = c
            .phone
            .as_ref()
            .and_then(|p| self.new_phones.get(p.as_str()))
            .or_else(|| c.wechat_id.as_ref().and_then(|w| self.new_wechats.get(w)))
            .or_else(|| {
                c.email
                    .as_ref()
                    .and_then(|e| self.new_emails.get(e.as_str()))
            });
        if let Some(&prospect) = earlier {
            return Attach::New {
                prospect,
                creator: false,
            };
        }
        let prospect = prospects.len();
        if let Some(p) = &c.phone {
            self.new_phones.insert(p.as_str().to_owned(), prospect);
        }
        if let Some(w) = &c.wechat_id {
            self.new_wechats.insert(w.clone(), prospect);
        }
        if let Some(e) = &c.email {
            self.new_emails.insert(e.as_str().to_owned(), prospect);
        }
        Attach::New {
            prospect,
            creator: true,
        }
    }
}

/// For each lead, the live customer its phone (the customer's main phone, then any other
/// phone on file), WeChat id or email names, in that order.
fn match_customers(ctx: &mut Ctx, news: &[NewLead], live: &[usize]) -> ServiceResult<Matched> {
    let pii = ctx.pii();
    let org = ctx.org_id().to_owned();
    let is_live = |c: &Customer| c.status == "active" || c.status == "archived";
    let phone_indexes: HashMap<usize, Vec<String>> = live
        .iter()
        .filter_map(|&i| {
            let phone = news[i].contact.phone.as_ref()?;
            Some((i, indexes_of(pii, LookupKind::Phone, phone.as_str())))
        })
        .collect();
    let wechat_indexes: HashMap<usize, Vec<String>> = live
        .iter()
        .filter_map(|&i| {
            let wechat = news[i].contact.wechat_id.as_ref()?;
            Some((
                i,
                indexes_of(pii, LookupKind::Wechat, &wechat_value(wechat)),
            ))
        })
        .collect();
    let mut customers: Vec<Customer> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut keep = |customers: &mut Vec<Customer>, c: Customer| -> usize {
        *position.entry(c.id.clone()).or_insert_with(|| {
            customers.push(c);
            customers.len() - 1
        })
    };
    let mut by_lead: HashMap<usize, usize> = HashMap::new();

    // 1. The customers' main phones.
    let all_phones: Vec<String> = phone_indexes.values().flatten().cloned().collect();
    let mut main_phone: HashMap<String, usize> = HashMap::new();
    for c in Customer::by_phone_indexes(ctx.conn, &org, &all_phones)? {
        if is_live(&c)
            && let Some(index) = c.phone_blind_index.clone()
        {
            let k = keep(&mut customers, c);
            main_phone.insert(index, k);
        }
    }
    for (&i, indexes) in &phone_indexes {
        if let Some(&k) = indexes.iter().find_map(|x| main_phone.get(x)) {
            by_lead.insert(i, k);
        }
    }

    // 2. Other phones and WeChat ids, from the lookups.
    let mut wanted: Vec<String> = Vec::new();
    let mut kinds = Vec::new();
    let unmatched_phones: Vec<(&usize, &Vec<String>)> = phone_indexes
        .iter()
        .filter(|(i, _)| !by_lead.contains_key(i))
        .collect();
    if !unmatched_phones.is_empty() {
        kinds.push(LookupKind::Phone);
        wanted.extend(unmatched_phones.iter().flat_map(|(_, x)| x.iter().cloned()));
    }
    let unmatched_wechats: Vec<(&usize, &Vec<String>)> = wechat_indexes
        .iter()
        .filter(|(i, _)| !by_lead.contains_key(i))
        .collect();
    if !unmatched_wechats.is_empty() {
        kinds.push(LookupKind::Wechat);
        wanted.extend(
            unmatched_wechats
                .iter()
                .flat_map(|(_, x)| x.iter().cloned()),
        );
    }
    let hits = CustomerLookup::matching_any(ctx.conn, &org, &kinds, &wanted)?;
    if !hits.is_empty() {
        let ids: Vec<String> = hits.iter().map(|h| h.customer_id.clone()).collect();
        let found: HashMap<String, Customer> = Customer::find_many(ctx.conn, &org, &ids)?
            .into_iter()
            .filter(is_live)
            .map(|c| (c.id.clone(), c))
            .collect();
        let owner_of = |kind: LookupKind, indexes: &[String]| -> Option<String> {
            hits.iter()
                .filter(|h| h.kind == kind.as_str() && indexes.contains(&h.blind_index))
                .find(|h| found.contains_key(&h.customer_id))
                .map(|h| h.customer_id.clone())
        };
        let mut attach = Vec::new();
        for &i in live {
            let by_phone = phone_indexes
                .get(&i)
                .filter(|_| !by_lead.contains_key(&i))
                .and_then(|x| owner_of(LookupKind::Phone, x));
            let by_wechat = || {
                wechat_indexes
                    .get(&i)
                    .and_then(|x| owner_of(LookupKind::Wechat, x))
            };
            if !by_lead.contains_key(&i)
                && let Some(id) = by_phone.or_else(by_wechat)
            {
                attach.push((i, id));
            }
        }
        for (i, id) in attach {
            if let Some(c) = found.get(&id) {
                let k = keep(&mut customers, c.clone());
                by_lead.insert(i, k);
            }
        }
    }

    // 3. Emails: the oldest live customer with it.
    let emails: Vec<String> = live
        .iter()
        .filter(|i| !by_lead.contains_key(i))
        .filter_map(|&i| {
            news[i]
                .contact
                .email
                .as_ref()
                .map(|e| e.as_str().to_owned())
        })
        .collect();
    if !emails.is_empty() {
        let mut oldest: HashMap<String, usize> = HashMap::new();
        for c in Customer::by_emails(ctx.conn, &org, &emails)? {
            let Some(email) = c.email.clone() else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = oldest.entry(email) {
                slot.insert(keep(&mut customers, c));
            }
        }
        for &i in live {
            if by_lead.contains_key(&i) {
                continue;
            }
            if let Some(&k) = news[i]
                .contact
                .email
                .as_ref()
                .and_then(|e| oldest.get(e.as_str()))
            {
                by_lead.insert(i, k);
            }
        }
    }
    Ok(Matched {
        customers,
        by_lead,
        new_phones: HashMap::new(),
        new_wechats: HashMap::new(),
        new_emails: HashMap::new(),
    })
}

/// A new prospect (潜客) from the lead's contact (with the needs of the batch's leads that
/// named it), owned by whoever works the lead.
fn prospect_of(
    new: &NewLead,
    prospect: &Prospect,
    owner: Option<String>,
    store_id: Option<String>,
) -> NewCustomer {
    let source_channel = new
        .source
        .as_str()
        .parse::<autocrm_domain::customer::SourceChannel>()
        .unwrap_or(autocrm_domain::customer::SourceChannel::Other);
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
            needs: prospect.needs.clone().map(Some),
            ..ProfileChanges::default()
        },
    }
}
