//! The SLA: the organisation's first-response times, follow-up cadences and escalation
//! ladders (section `lead_sla`), the first-response task every new lead opens, and the next
//! follow-up a completed task opens.

use autocrm_domain::leads::SourceChannel;
use autocrm_domain::leads::sla::{
    SlaConfig, TaskKind as LadderKind, first_response_due, next_follow_up_due,
};
use autocrm_persistence::models::{Lead, Task};

use super::service::{NewTask, TaskKind, open};
use crate::app::{Ctx, ServiceError, ServiceResult};
use crate::leads::service::{grade_of, status_of};
use crate::organization::settings::{change_sections, sections};

/// The organisation's SLA settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<SlaConfig> {
    Ok(sections(ctx)?.lead_sla.unwrap_or_default())
}

/// Replaces the SLA settings after checking every field. Audited as
/// `organization.lead_sla_changed`.
pub fn put_config(ctx: &mut Ctx, new: SlaConfig) -> ServiceResult<SlaConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    change_sections(ctx, "organization.lead_sla_changed", detail, |s| {
        s.lead_sla = Some(stored)
    })?;
    Ok(new)
}

/// Which ladder a task climbs: its kind's own (a complaint's reaches the general manager),
/// else the default.
pub fn ladder_kind(task: &Task) -> LadderKind {
    task.kind.parse().unwrap_or(LadderKind::Other)
}

/// The first-response task of a new lead (intake opens it for every lead): due within the
/// minutes the SLA gives its source and grade, owned by the lead's owner (none while in the
/// pool), keyed once per lead.
pub fn first_response(ctx: &mut Ctx, lead: &Lead) -> ServiceResult<NewTask> {
    let config = config(ctx)?;
    let grade = grade_of(lead)?;
    let source = SourceChannel::parse(&lead.source)
        .or_else(|_| SourceChannel::parse("other"))
        .map_err(ServiceError::internal)?;
    let due = first_response_due(lead.created_at.and_utc(), &source, grade, &config);
    Ok(NewTask {
        kind: TaskKind::FirstResponse,
        title: format!(
            "首次响应：{}级线索（{}分钟内）",
            grade.as_str().to_uppercase(),
            due.minutes
        ),
        note: None,
        owner_id: lead.owner_id.clone(),
        store_id: lead.store_id.clone(),
        lead_id: Some(lead.id.clone()),
        deal_id: None,
        customer_id: Some(lead.customer_id.clone()),
        due_at: due.due_at,
        dedupe_key: Some(format!("first_response:{}", lead.id)),
    })
}

/// Opens the lead's next follow-up by its grade's cadence, counted from now (the contact
/// just made): round n+1 after n follow-ups done. Once per lead and round, also when two
/// completions race. `None` for a closed lead, or when the round is open already.
pub fn open_next_follow_up(ctx: &mut Ctx, lead: &Lead) -> ServiceResult<Option<Task>> {
    if !status_of(lead)?.is_open() {
        return Ok(None);
    }
    let config = config(ctx)?;
    let grade = grade_of(lead)?;
    let done = Task::count_of_lead(
        ctx.conn,
        &lead.org_id,
        &lead.id,
        TaskKind::FollowUp.as_str(),
        autocrm_domain::leads::sla::TaskStatus::Done.as_str(),
    )?;
    let done = u32::try_from(done).unwrap_or(u32::MAX);
    let due = next_follow_up_due(grade, ctx.now_utc(), done, &config);
    let round = done.saturating_add(1);
    open(
        ctx,
        NewTask {
            kind: TaskKind::FollowUp,
            title: format!("第{round}次跟进：{}级线索", grade.as_str().to_uppercase()),
            note: None,
            owner_id: lead.owner_id.clone(),
            store_id: lead.store_id.clone(),
            lead_id: Some(lead.id.clone()),
            deal_id: None,
            customer_id: Some(lead.customer_id.clone()),
            due_at: due.due_at,
            dedupe_key: Some(format!("follow_up:{}:{round}", lead.id)),
        },
    )
}
