//! Demo data: a few days of showroom traffic (new walk-ins that became prospects with
//! `walk_in` leads, a repeat visit), invitations with every outcome (so 到店率 has figures),
//! and a behaviour trigger firing (a model viewed on three days). Runs as the system through
//! the real use cases, after the demo leads (`seed-demo`).

use autocrm_domain::access::{LeadScope, Role};
use autocrm_domain::contact::Phone;
use autocrm_domain::sales::visits::InvitationStatus;
use autocrm_persistence::models::{Lead, LeadFilter, User};
use chrono::{SecondsFormat, TimeDelta};

use super::service::{
    NewInvitation, NewVisit, Outcome, insert_invitation, invite, record_outcome, register,
};
use crate::app::{Ctx, ServiceResult};
use crate::behavior::service::{PostedEvent, ingest};

pub fn seed(ctx: &mut Ctx) -> ServiceResult<()> {
    let consultants = User::active_with_roles(
        ctx.conn,
        ctx.org_id(),
        &[Role::SalesConsultant.as_str()],
        None,
    )?;
    let Some(first) = consultants.first() else {
        return Ok(());
    };
    let now = ctx.now_utc();
    // New walk-ins over the last days: prospects and walk_in leads are created with them.
    let walk_ins = [
        ("13661230001", "陈先生", 3, 2, 50),
        ("13661230002", "林女士", 2, 1, 35),
        ("13661230003", "黄先生", 1, 0, 70),
    ];
    let mut repeat_phone = None;
    for (i, (phone, name, days_ago, party, stay)) in walk_ins.into_iter().enumerate() {
        let consultant = &consultants[i % consultants.len()];
        let arrived = now - TimeDelta::days(days_ago) - TimeDelta::hours(3);
        let phone = Phone::parse(phone).ok();
        repeat_phone = repeat_phone.or(phone.clone());
        register(
            ctx,
            NewVisit {
                customer_id: None,
                phone,
                name: Some(name.to_owned()),
                store_id: consultant.store_id.clone(),
                consultant_id: Some(consultant.id.clone()),
                arrived_at: Some(arrived),
                departed_at: Some(arrived + TimeDelta::minutes(stay)),
                party_size: party + 1,
                invitation_id: None,
                note: Some("看车比价，关注置换补贴".to_owned()),
            },
        )?;
    }
    // The first of them came back today: a repeat visit.
    register(
        ctx,
        NewVisit {
            customer_id: None,
            phone: repeat_phone,
            name: None,
            store_id: first.store_id.clone(),
            consultant_id: Some(first.id.clone()),
            arrived_at: Some(now - TimeDelta::hours(1)),
            departed_at: None,
            party_size: 2,
            invitation_id: None,
            note: Some("二次到店，谈价格和金融方案".to_owned()),
        },
    )?;
    // Invitations of owned demo leads: showed, no-show, rescheduled, cancelled, scheduled, and
    // one whose day passed unsettled (the no-show job settles it and opens a task to invite
    // again).
    let leads: Vec<Lead> = Lead::list(
        ctx.conn,
        ctx.org_id(),
        &LeadFilter::new(LeadScope::All, 200),
    )?
    .into_iter()
    .filter(|l| l.owner_id.is_some() && l.status != "invalid")
    .take(7)
    .collect();
    let past = [
        (InvitationStatus::NoShow, 3),
        (InvitationStatus::NoShow, 2),
        (InvitationStatus::Rescheduled, 1),
        (InvitationStatus::Cancelled, 1),
        (InvitationStatus::Scheduled, 3),
    ];
    for (lead, (status, days_ago)) in leads.iter().zip(past) {
        let owner = lead.owner_id.clone().unwrap_or_default();
        let inv = insert_invitation(
            ctx,
            NewInvitation {
                customer_id: lead.customer_id.clone(),
                lead_id: Some(lead.id.clone()),
                consultant_id: None,
                store_id: None,
                appointment_at: now - TimeDelta::days(days_ago),
                note: Some("邀约到店试驾，谈置换方案".to_owned()),
            },
            owner,
            lead.store_id.clone(),
            None,
        )?;
        if status == InvitationStatus::Scheduled {
            continue;
        }
        record_outcome(
            ctx,
            &inv.id,
            Outcome {
                status,
                new_appointment_at: (status == InvitationStatus::Rescheduled)
                    .then(|| now + TimeDelta::days(2)),
                visit_id: None,
                note: None,
            },
        )?;
    }
    // Two that showed: their customers walked in on the day.
    for lead in leads.iter().skip(past.len()) {
        let owner = lead.owner_id.clone().unwrap_or_default();
        let inv = invite(
            ctx,
            NewInvitation {
                customer_id: lead.customer_id.clone(),
                lead_id: Some(lead.id.clone()),
                consultant_id: Some(owner.clone()),
                store_id: lead.store_id.clone(),
                appointment_at: now + TimeDelta::hours(2),
                note: Some("周末到店看车".to_owned()),
            },
        )?;
        register(
            ctx,
            NewVisit {
                customer_id: Some(lead.customer_id.clone()),
                phone: None,
                name: None,
                store_id: lead.store_id.clone(),
                consultant_id: Some(owner),
                arrived_at: Some(now - TimeDelta::minutes(20)),
                departed_at: None,
                party_size: 2,
                invitation_id: Some(inv.id),
                note: None,
            },
        )?;
    }
    // A customer who viewed the same model on three days: 到店议价提醒 for the owner.
    if let Some(lead) = leads.first() {
        let batch = (0..3)
            .map(|d| PostedEvent {
                event_type: "vehicle_viewed".into(),
                occurred_at: (now - TimeDelta::days(2 - d) - TimeDelta::hours(1))
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                device_id: None,
                customer_id: Some(lead.customer_id.clone()),
                models: vec![("比亚迪".into(), "汉EV".into())],
                page: None,
            })
            .collect();
        ingest(ctx, batch)?;
    }
    Ok(())
}
