//! Gathering a lead's signals and scoring it with the domain's `score_lead`.

use autocrm_domain::customer::{ActivityKind, ActivityOutcome, Needs};
use autocrm_domain::leads::scoring::{
    ContactData, LeadScore, LeadScoringConfig, LeadSignals, score_lead,
};
use autocrm_domain::leads::{CustomerEvent, LeadGrade, LeadNeeds, SourceChannel};
use autocrm_persistence::models::{Activity, BehaviorEventRow, Customer, Lead, Vehicle};
use std::collections::HashMap;

use autocrm_domain::time::TimeZone;
use chrono::{DateTime, Utc};

use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::LeadGradeChanged;
use crate::leads::service::{HistoryNote, record_history, status_of};
use crate::organization::settings::{change_sections, sections};

/// Most events of each kind read for one score (newest first): far more than any rule counts.
const EVENTS_READ: i64 = 500;
/// Cars in budget are counted up to this many (full points come far earlier).
const CARS_COUNTED: i64 = 100;

/// The organisation's scoring settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<LeadScoringConfig> {
    Ok(sections(ctx)?.lead_scoring.unwrap_or_default())
}

/// Replaces the scoring settings after checking them (422 with every problem). Audited
/// (`organization.lead_scoring_changed`); leads are scored with them from their next change.
pub fn put_config(ctx: &mut Ctx, new: LeadScoringConfig) -> ServiceResult<LeadScoringConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.lead_scoring_changed", detail, |s| {
        s.lead_scoring = Some(stored);
    })?;
    Ok(new)
}

/// The customer's behaviour events and activities since `since`, as scoring and triggers
/// read them.
pub fn customer_events(
    ctx: &mut Ctx,
    customer_id: &str,
    since: DateTime<Utc>,
) -> ServiceResult<Vec<CustomerEvent>> {
    let since = since.naive_utc();
    let behavior =
        BehaviorEventRow::for_customer(ctx.conn, ctx.org_id(), customer_id, None, EVENTS_READ)?;
    let activities =
        Activity::for_customer(ctx.conn, ctx.org_id(), customer_id, None, EVENTS_READ)?;
    let zone = ctx.time_zone()?;
    Ok(events_of(zone, &behavior, &activities, since))
}

/// [`customer_events`] of several customers in two statements (batch intake).
pub fn customers_events(
    ctx: &mut Ctx,
    customer_ids: &[String],
    since: DateTime<Utc>,
) -> ServiceResult<HashMap<String, Vec<CustomerEvent>>> {
    let since = since.naive_utc();
    let org = ctx.org_id().to_owned();
    let mut behavior: HashMap<String, Vec<BehaviorEventRow>> = HashMap::new();
    for row in BehaviorEventRow::for_customers_since(ctx.conn, &org, customer_ids, since)? {
        if let Some(id) = row.customer_id.clone() {
            behavior.entry(id).or_default().push(row);
        }
    }
    let mut activities: HashMap<String, Vec<Activity>> = HashMap::new();
    for row in Activity::for_customers_since(ctx.conn, &org, customer_ids, since)? {
        activities
            .entry(row.customer_id.clone())
            .or_default()
            .push(row);
    }
    let zone = ctx.time_zone()?;
    Ok(customer_ids
        .iter()
        .map(|id| {
            let b = behavior.get(id).map_or(&[][..], Vec::as_slice);
            let a = activities.get(id).map_or(&[][..], Vec::as_slice);
            (id.clone(), events_of(zone, b, a, since))
        })
        .collect())
}

/// The scoring events among a customer's rows (each list newest first) since `since`.
fn events_of(
    zone: TimeZone,
    behavior: &[BehaviorEventRow],
    activities: &[Activity],
    since: chrono::NaiveDateTime,
) -> Vec<CustomerEvent> {
    let mut events = Vec::new();
    for row in behavior {
        if row.occurred_at < since {
            break;
        }
        if let Some(e) = crate::behavior::service::domain_event(row)
            .as_ref()
            .and_then(CustomerEvent::from_behavior)
        {
            events.push(e);
        }
    }
    for row in activities {
        if row.occurred_at < since {
            break;
        }
        let Ok(kind) = row.kind.parse::<ActivityKind>() else {
            continue;
        };
        let outcome = row
            .outcome
            .as_deref()
            .and_then(|o| o.parse::<ActivityOutcome>().ok());
        let at = row.occurred_at.and_utc();
        if let Some(e) = CustomerEvent::from_activity(kind, outcome, at, zone.date_of(at)) {
            events.push(e);
        }
    }
    events
}

/// What is known of a lead, for scoring.
pub struct Facts<'a> {
    pub needs: &'a LeadNeeds,
    /// The customer's needs, when attached to one (the lead's own come first).
    pub customer_needs: Option<&'a Needs>,
    pub source: &'a SourceChannel,
    pub contact: ContactData,
    /// The customer's events (empty for a customer created with the lead).
    pub events: &'a [CustomerEvent],
    pub active_since: DateTime<Utc>,
}

/// The cars in stock within each budget asked about, counted once (a batch of leads often
/// names the same budget).
#[derive(Default)]
pub struct BudgetCounts(HashMap<(i64, i64), u32>);

impl BudgetCounts {
    fn count(&mut self, ctx: &mut Ctx, min: i64, max: i64) -> ServiceResult<u32> {
        if let Some(&n) = self.0.get(&(min, max)) {
            return Ok(n);
        }
        let n = Vehicle::count_offerable_priced(ctx.conn, ctx.org_id(), min, max, CARS_COUNTED)?;
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.0.insert((min, max), n);
        Ok(n)
    }
}

/// Scores a lead from its facts at the unit of work's time, counting cars in budget through
/// `counts` (one count per budget for all the leads scored with it).
pub fn score(
    ctx: &mut Ctx,
    facts: &Facts<'_>,
    config: &LeadScoringConfig,
    counts: &mut BudgetCounts,
) -> ServiceResult<LeadScore> {
    let needs = facts.needs.merged_into(facts.customer_needs);
    let cars_in_budget = match needs.budget_max_cents {
        Some(max) => Some(counts.count(ctx, needs.budget_min_cents.unwrap_or(0), max)?),
        None => None,
    };
    let signals = LeadSignals {
        timeframe: needs.timeframe,
        cars_in_budget,
        source: facts.source,
        contact: facts.contact,
        events: facts.events,
        active_since: facts.active_since,
    };
    Ok(score_lead(&signals, ctx.now_utc(), config))
}

/// Which ways to reach a customer are on file.
pub fn contact_of(customer: &Customer) -> ContactData {
    ContactData {
        phone: customer.phone_blind_index.is_some(),
        wechat: customer
            .personal_masked
            .as_deref()
            .is_some_and(|m| m.contains("\"wechat_")),
        email: customer.email.is_some(),
        name: !customer.name.trim().is_empty(),
    }
}

/// The lead's stored needs.
pub fn needs_of(lead: &Lead) -> ServiceResult<LeadNeeds> {
    match lead.needs.as_deref() {
        None => Ok(LeadNeeds::default()),
        Some(json) => serde_json::from_str(json).map_err(ServiceError::internal),
    }
}

/// Writes a score onto a lead row (the caller saves it); answers the grade it had.
pub fn apply(lead: &mut Lead, score: &LeadScore) -> ServiceResult<String> {
    let before = std::mem::replace(&mut lead.grade, score.grade.as_str().to_owned());
    lead.score = i32::from(score.score);
    lead.score_detail = serde_json::to_string(score).map_err(ServiceError::internal)?;
    Ok(before)
}

/// Records a grade change on the lead's history and emits `lead.grade_changed`.
pub fn grade_changed(ctx: &mut Ctx, lead: &Lead, from: &str) -> ServiceResult<()> {
    record_history(
        ctx,
        lead,
        HistoryNote {
            kind: "grade_changed",
            from_value: Some(from.to_owned()),
            to_value: Some(lead.grade.clone()),
            ..HistoryNote::default()
        },
    )?;
    ctx.record(
        Change::new("lead.grade_changed", "lead", &lead.id)
            .detail(serde_json::json!({"from": from, "to": lead.grade, "score": lead.score}))
            .event(LeadGradeChanged {
                lead_id: lead.id.clone(),
                customer_id: lead.customer_id.clone(),
                owner_id: lead.owner_id.clone(),
                from: from.to_owned(),
                to: lead.grade.clone(),
                score: lead.score,
            }),
    )
}

/// Scores the customer's open leads again (their needs, activities or behaviour changed):
/// each lead's score is rewritten, and a changed grade is recorded and announced.
pub fn rescore_customer(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<()> {
    let open: Vec<Lead> = Lead::of_customer(ctx.conn, ctx.org_id(), customer_id)?
        .into_iter()
        .filter(|l| status_of(l).is_ok_and(|s| s.is_open()))
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let config = config(ctx)?;
    let customer = records::find(ctx, customer_id, |_: &Customer| true)?;
    let since = ctx.now_utc() - config.lookback();
    let events = customer_events(ctx, customer_id, since)?;
    let customer_needs = customer.stated_needs();
    let mut counts = BudgetCounts::default();
    for lead in open {
        let needs = needs_of(&lead)?;
        let source = SourceChannel::parse(&lead.source).map_err(ServiceError::internal)?;
        let facts = Facts {
            needs: &needs,
            customer_needs: customer_needs.as_ref(),
            source: &source,
            contact: contact_of(&customer),
            events: &events,
            active_since: lead.active_since.and_utc(),
        };
        let scored = score(ctx, &facts, &config, &mut counts)?;
        let detail = serde_json::to_string(&scored).map_err(ServiceError::internal)?;
        if lead.score_detail == detail {
            continue;
        }
        let mut before = None;
        let lead = records::update(
            ctx,
            &lead.id,
            None,
            |_: &Lead| true,
            |_, lead| {
                let from = apply(lead, &scored)?;
                if from != lead.grade {
                    before = Some(from);
                }
                Ok(())
            },
        )?;
        if let Some(from) = before {
            grade_changed(ctx, &lead, &from)?;
        }
    }
    Ok(())
}

/// The grade of a stored lead.
pub fn grade(lead: &Lead) -> ServiceResult<LeadGrade> {
    lead.grade.parse().map_err(ServiceError::internal)
}
