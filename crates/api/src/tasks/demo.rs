//! Demo data: consultants find tasks due today and overdue on their day, and a few leads
//! wait in their stores' pools. Called by the organisation's demo seed once its customers
//! exist.

use autocrm_domain::leads::sla::TaskStatus;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{Customer, Lead, Task, TenantRecord, User};
use chrono::{NaiveDateTime, TimeDelta};

use super::service::TaskKind;
use crate::app::ServiceResult;

fn lead(
    customer: &Customer,
    store_id: Option<String>,
    owner: Option<&str>,
    grade: &str,
    source: &str,
    at: NaiveDateTime,
    worked_days_ago: i64,
) -> Lead {
    let worked = at - TimeDelta::days(worked_days_ago);
    Lead {
        id: new_id(),
        org_id: customer.org_id.clone(),
        store_id,
        customer_id: customer.id.clone(),
        owner_id: owner.map(str::to_owned),
        status: "contacted".into(),
        grade: grade.into(),
        score: match grade {
            "h" => 86,
            "a" => 72,
            "b" => 58,
            _ => 35,
        },
        score_detail: "{}".into(),
        source: source.into(),
        source_lead_id: None,
        campaign_id: None,
        utm: None,
        referrer: None,
        needs: None,
        raw_ciphertext: None,
        raw_expires_at: None,
        created_by: "system:demo".into(),
        active_since: worked - TimeDelta::days(2),
        last_worked_at: Some(worked),
        assigned_at: owner.map(|_| worked - TimeDelta::days(2)),
        pool_since: owner.is_none().then_some(at - TimeDelta::hours(6)),
        version: 1,
        created_at: worked - TimeDelta::days(2),
        updated_at: at,
    }
}

/// Per consultant (up to `per_consultant` of their customers): a lead with a follow-up due
/// later today and one with a first response overdue; then `pooled` leads of other
/// customers in their store's pool.
pub fn seed(
    conn: &mut DbConn,
    customers: &[Customer],
    users: &[User],
    per_consultant: usize,
    pooled: usize,
    at: NaiveDateTime,
) -> ServiceResult<()> {
    let store_of = |owner: &str| {
        users
            .iter()
            .find(|u| u.id == owner)
            .and_then(|u| u.store_id.clone())
    };
    let mut used = std::collections::HashSet::new();
    for consultant in users.iter().filter(|u| u.role == "sales_consultant") {
        let own = customers
            .iter()
            .filter(|c| c.owner_id.as_deref() == Some(consultant.id.as_str()))
            .take(per_consultant);
        for (i, customer) in own.enumerate() {
            used.insert(customer.id.clone());
            let (grade, source, kind, title, due) = if i % 2 == 0 {
                (
                    "a",
                    "autohome",
                    TaskKind::FollowUp,
                    "第1次跟进：A级线索",
                    at + TimeDelta::hours(3),
                )
            } else {
                (
                    "h",
                    "dongchedi",
                    TaskKind::FirstResponse,
                    "首次响应：H级线索（30分钟内）",
                    at - TimeDelta::minutes(45),
                )
            };
            let l = lead(
                customer,
                consultant.store_id.clone(),
                Some(&consultant.id),
                grade,
                source,
                at,
                0,
            );
            l.insert(conn)?;
            Task {
                id: new_id(),
                org_id: l.org_id.clone(),
                store_id: l.store_id.clone(),
                owner_id: l.owner_id.clone(),
                lead_id: Some(l.id.clone()),
                deal_id: None,
                customer_id: Some(customer.id.clone()),
                kind: kind.as_str().into(),
                title: title.into(),
                note: Some("客户关注比亚迪汉EV续航，约周末到店试驾".into()),
                status: TaskStatus::Open.as_str().into(),
                due_at: due,
                escalation_step: 0,
                dedupe_key: Some(match kind {
                    TaskKind::FirstResponse => format!("first_response:{}", l.id),
                    _ => format!("follow_up:{}:1", l.id),
                }),
                activity_id: None,
                completed_at: None,
                completed_by: None,
                created_by: "system:demo".into(),
                version: 1,
                created_at: at - TimeDelta::hours(2),
                updated_at: at - TimeDelta::hours(2),
            }
            .insert(conn)?;
        }
    }
    let waiting = customers
        .iter()
        .filter(|c| !used.contains(&c.id))
        .filter(|c| c.owner_id.is_some())
        .take(pooled);
    for (i, customer) in waiting.enumerate() {
        let store = customer.owner_id.as_deref().and_then(store_of);
        let grade = ["b", "c", "a"][i % 3];
        lead(customer, store, None, grade, "yiche", at, 8).insert(conn)?;
    }
    Ok(())
}
