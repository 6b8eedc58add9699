//! Evaluating behaviour triggers and reading their firings.
//!
//! Why inline: the rules read at most `within_days` (≤ 90) of one customer's events, which
//! scoring reads in the same unit of work anyway, and the firing must not be lost or doubled:
//! in the transaction that stored the event, the task's dedupe key and the firing's unique
//! window key let exactly one of two racing evaluations through (`ON CONFLICT DO NOTHING`,
//! which neither aborts a PostgreSQL transaction nor waits past the winner's commit).

use autocrm_domain::leads::triggers::{PastFiring, TriggerConfig, evaluate_triggers};
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Lead, LeadTriggerFiring};

use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::events::catalogue::LeadTriggerFired;
use crate::leads::scoring::service::customer_events;
use crate::leads::service::{find_visible, status_of};
use crate::notifications::service::{Notification, notify};
use crate::organization::settings::{change_sections, sections};
use crate::tasks::service::{NewTask, open};

/// The organisation's behaviour triggers (the two defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<TriggerConfig> {
    Ok(sections(ctx)?.lead_triggers.unwrap_or_default())
}

/// Replaces the rules after checking them (422 with every problem). Audited
/// (`organization.lead_triggers_changed`). A rule whose key changes starts over.
pub fn put_config(ctx: &mut Ctx, new: TriggerConfig) -> ServiceResult<TriggerConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.lead_triggers_changed", detail, |s| {
        s.lead_triggers = Some(stored);
    })?;
    Ok(new)
}

/// The lead a firing works: the customer's newest open lead.
pub fn working_lead(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<Option<Lead>> {
    Ok(Lead::of_customer(ctx.conn, ctx.org_id(), customer_id)?
        .into_iter()
        .filter(|l| status_of(l).is_ok_and(|s| s.is_open()))
        .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id))))
}

/// Evaluates the rules over the customer's recent events (called where an event or an
/// activity was just recorded, in that unit of work). Each window that is met and has not
/// fired opens a task for the owner of the customer's newest open lead (notified), is kept
/// as a firing, and emits `lead.trigger_fired`. A customer without an open lead fires
/// nothing. Answers the firings written.
pub fn evaluate(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<Vec<LeadTriggerFiring>> {
    let config = config(ctx)?;
    if config.rules.is_empty() {
        return Ok(Vec::new());
    }
    let Some(lead) = working_lead(ctx, customer_id)? else {
        return Ok(Vec::new());
    };
    let now = ctx.now_utc();
    let since = now - config.lookback();
    let events = customer_events(ctx, customer_id, since)?;
    let past: Vec<PastFiring> = LeadTriggerFiring::of_customer_since(
        ctx.conn,
        ctx.org_id(),
        customer_id,
        since.naive_utc(),
    )?
    .into_iter()
    .map(|f| PastFiring {
        rule_key: f.rule_key,
        subject: f.subject,
        covered_until: f.covered_until.and_utc(),
    })
    .collect();
    let mut written = Vec::new();
    for firing in evaluate_triggers(&config, &events, &past, now) {
        let window_key = firing.key.to_string();
        let subject = firing.key.subject.clone();
        let title = match &subject {
            Some(model) => format!("{}：{}", firing.rule_name, model),
            None => firing.rule_name.clone(),
        };
        let note = format!(
            "客户{}天内{}次（{}个不同日期），请跟进。",
            config
                .rules
                .iter()
                .find(|r| r.key == firing.key.rule_key)
                .map_or(0, |r| r.within_days),
            firing.events,
            firing.days
        );
        let task = open(
            ctx,
            NewTask {
                kind: firing.task.kind,
                title: title.clone(),
                note: Some(note),
                owner_id: lead.owner_id.clone(),
                store_id: lead.store_id.clone(),
                lead_id: Some(lead.id.clone()),
                deal_id: None,
                customer_id: Some(customer_id.to_owned()),
                due_at: firing.due_at,
                dedupe_key: Some(format!("trigger:{customer_id}:{window_key}")),
            },
        )?;
        // Another evaluation of the same events fired this window first.
        let Some(task) = task else { continue };
        let row = LeadTriggerFiring {
            id: new_id(),
            org_id: ctx.org_id().to_owned(),
            rule_key: firing.key.rule_key.clone(),
            rule_name: firing.rule_name.clone(),
            lead_id: lead.id.clone(),
            customer_id: customer_id.to_owned(),
            subject: subject.clone(),
            window_key,
            window_start: firing.key.window_start.naive_utc(),
            covered_until: firing.covered_until.naive_utc(),
            event_count: i32::try_from(firing.events).unwrap_or(i32::MAX),
            day_count: i32::try_from(firing.days).unwrap_or(i32::MAX),
            task_id: Some(task.id.clone()),
            fired_at: ctx.now(),
        };
        if !row.insert_unless_fired(ctx.conn)? {
            continue;
        }
        ctx.record(
            Change::new("lead.trigger_fired", "lead", &lead.id)
                .detail(serde_json::json!({
                    "rule_key": row.rule_key, "subject": row.subject,
                    "events": row.event_count, "days": row.day_count, "task_id": task.id,
                }))
                .event(LeadTriggerFired {
                    firing_id: row.id.clone(),
                    lead_id: lead.id.clone(),
                    customer_id: customer_id.to_owned(),
                    owner_id: lead.owner_id.clone(),
                    rule_key: row.rule_key.clone(),
                    rule_name: row.rule_name.clone(),
                    subject: row.subject.clone(),
                    events: firing.events,
                    days: firing.days,
                    window_start: firing.key.window_start,
                    covered_until: firing.covered_until,
                    task_id: task.id.clone(),
                }),
        )?;
        if let Some(owner) = &lead.owner_id {
            notify(
                ctx,
                owner,
                Notification {
                    kind: NotificationKind::TaskAssigned,
                    title: format!("行为提醒：{title}"),
                    body: format!(
                        "客户近期{}次相关行为（{}天），已为你生成跟进任务。",
                        firing.events, firing.days
                    ),
                    link: Some(format!("/api/v1/tasks/{}", task.id)),
                },
            )?;
        }
        written.push(row);
    }
    Ok(written)
}

/// The firings of a lead the caller sees (404 otherwise), oldest first, paged by id.
pub fn of_lead(
    ctx: &mut Ctx,
    lead_id: &str,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<LeadTriggerFiring>> {
    let lead = find_visible(ctx, lead_id)?;
    Ok(LeadTriggerFiring::of_lead(
        ctx.conn,
        ctx.org_id(),
        &lead.id,
        after_id.as_deref(),
        limit,
    )?)
}
