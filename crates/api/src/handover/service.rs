//! The handover use case (离职交接): everything a user holds that is still in progress goes to
//! one or several colleagues in one unit of work, through the services that own each record,
//! so that each move is recorded as it is anywhere else.
//!
//! What moves: the customers the user owns (not merged, not erased), their open leads (with
//! [`leads::hand_over`]: history, open tasks follow, `lead.assigned`), their open tasks,
//! their open deals, their booked test drives that have not started and their store-visit
//! invitations still waiting for an outcome. Closed leads and deals, done tasks, past test
//! drives and settled invitations stay with who worked them.
//!
//! The split: records are grouped by customer, and each customer's group goes to one
//! colleague, so that a customer keeps one contact for leads, deals, tasks and drives. Groups
//! are dealt out in turn, weighted by each colleague's `share` (equal shares: round robin).
//! A group belongs to its customer's store (else to the store of its first record with one);
//! it goes only to a colleague of that store; a group without a store to any colleague.
//!
//! Test drives: a colleague already booked at an overlapping time cannot take a drive. The
//! dry run lists those clashes; the real run refuses (409 naming each) and writes nothing, so
//! that the manager picks other colleagues or leaves test drives out (`include`).

use std::collections::{BTreeSet, HashMap};

use autocrm_domain::access::Role;
use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    Customer, Handover, HandoverFilter, StoreVisitInvitation, TenantRecord, TestDrive,
    TestDriveFilter, User, Versioned, owned,
};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::{Actor, Change, Ctx, FieldError, ServiceError, ServiceResult, records};
use crate::customers::service::{self as customers, CustomerChanges};
use crate::events::catalogue::UserHandedOver;
use crate::leads::service as leads;
use crate::notifications::service::{Notification, notify};
use crate::sales::deals::service::{self as deals, DealChanges};

/// What a handover can move, as `include` names it.
pub const KINDS: [&str; 6] = [
    "customers",
    "leads",
    "tasks",
    "deals",
    "test_drives",
    "invitations",
];

/// Records moved (or that would move) per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"customers": 12, "leads": 9, "tasks": 15, "deals": 3, "test_drives": 2, "invitations": 1}))]
pub struct HandoverCounts {
    pub customers: i64,
    pub leads: i64,
    /// Open tasks, those that follow their lead included.
    pub tasks: i64,
    /// Open deals.
    pub deals: i64,
    /// Booked test drives that have not started.
    pub test_drives: i64,
    /// Store-visit invitations (邀约到店) still waiting for their outcome. Absent from
    /// handovers recorded before invitations moved.
    #[serde(default)]
    pub invitations: i64,
}

impl HandoverCounts {
    fn total(&self) -> i64 {
        self.customers + self.leads + self.tasks + self.deals + self.test_drives + self.invitations
    }

    fn add(&mut self, kind: Kind) {
        match kind {
            Kind::Customer => self.customers += 1,
            Kind::Lead => self.leads += 1,
            Kind::Task => self.tasks += 1,
            Kind::Deal => self.deals += 1,
            Kind::TestDrive => self.test_drives += 1,
            Kind::Invitation => self.invitations += 1,
        }
    }
}

/// One colleague: their share and what they receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "share": 1,
    "counts": {"customers": 6, "leads": 5, "tasks": 8, "deals": 2, "test_drives": 1}}))]
pub struct HandoverTargetCounts {
    pub user_id: String,
    /// The colleague's weight in the split (1 unless given).
    pub share: u32,
    pub counts: HandoverCounts,
}

/// A test drive a colleague cannot take: they are booked at an overlapping time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"test_drive_id": "0193a5d8-1c2b-7a00-9e1f-3b4c5d6e7f81",
    "target_user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13",
    "clashing_test_drive_id": "0193a5d8-1c2b-7a00-9e1f-3b4c5d6e7f99",
    "starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T03:00:00Z"}))]
pub struct HandoverClash {
    pub test_drive_id: String,
    pub target_user_id: String,
    /// The colleague's own booking at that time.
    pub clashing_test_drive_id: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
}

/// A colleague asked for.
#[derive(Debug, Clone)]
pub struct Target {
    pub user_id: String,
    pub share: u32,
}

/// A handover as its request's rules accepted it.
#[derive(Debug, Clone)]
pub struct HandoverCommand {
    pub targets: Vec<Target>,
    pub dry_run: bool,
    pub reason: String,
    /// The kinds to move (all of [`KINDS`] unless narrowed).
    pub include: BTreeSet<String>,
}

/// What a handover did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `None` in a dry run.
    pub id: Option<String>,
    pub dry_run: bool,
    pub from_user_id: String,
    pub reason: String,
    pub counts: HandoverCounts,
    pub targets: Vec<HandoverTargetCounts>,
    pub clashes: Vec<HandoverClash>,
    pub created_by: Option<String>,
    pub created_at: Option<NaiveDateTime>,
}

impl TryFrom<Handover> for Outcome {
    type Error = ServiceError;

    fn try_from(h: Handover) -> ServiceResult<Self> {
        Ok(Outcome {
            counts: serde_json::from_str(&h.counts).map_err(ServiceError::internal)?,
            targets: serde_json::from_str(&h.targets).map_err(ServiceError::internal)?,
            id: Some(h.id),
            dry_run: false,
            from_user_id: h.from_user_id,
            reason: h.reason,
            clashes: Vec::new(),
            created_by: Some(h.created_by),
            created_at: Some(h.created_at),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Customer,
    Lead,
    Task,
    Deal,
    TestDrive,
    Invitation,
}

/// One record to move: its kind, id, group (its customer) and store.
#[derive(Debug, Clone)]
struct Item {
    kind: Kind,
    id: String,
    group: String,
    store: Option<String>,
}

/// The store a sales manager is limited to (`None`: the whole organisation).
fn manager_store(ctx: &Ctx) -> ServiceResult<Option<Option<String>>> {
    Ok(match ctx.actor() {
        Actor::Principal(p) if p.role == Role::SalesManager => Some(p.store_id.clone()),
        Actor::Principal(p) if matches!(p.role, Role::Admin | Role::GeneralManager) => None,
        Actor::System { .. } => None,
        _ => return Err(ServiceError::Forbidden),
    })
}

/// The user whose records move: of the organisation (active or not); a sales manager hands
/// over people of their own store only (404 otherwise).
fn source(ctx: &mut Ctx, id: &str) -> ServiceResult<User> {
    let limited = manager_store(ctx)?;
    let user = User::find(ctx.conn, ctx.org_id(), id)?.ok_or(ServiceError::NotFound)?;
    match limited {
        Some(store) if store.is_none() || user.store_id != store => Err(ServiceError::NotFound),
        _ => Ok(user),
    }
}

/// The colleagues: users of the organisation (404 otherwise), active, working leads
/// (consultants and sales managers), not the source, each once; a sales manager's of their
/// own store (422 otherwise).
fn targets(ctx: &mut Ctx, from: &User, asked: &[Target]) -> ServiceResult<Vec<(User, u32)>> {
    let limited = manager_store(ctx)?;
    let mut errors = Vec::new();
    let mut out: Vec<(User, u32)> = Vec::new();
    for (i, t) in asked.iter().enumerate() {
        let field = format!("targets[{i}].user_id");
        let user = User::find(ctx.conn, ctx.org_id(), &t.user_id)?.ok_or(ServiceError::NotFound)?;
        if user.id == from.id {
            errors.push(FieldError::new(
                field,
                "not_allowed",
                "the user handed over cannot receive",
            ));
        } else if out.iter().any(|(u, _)| u.id == user.id) {
            errors.push(FieldError::new(field, "duplicate", "each colleague once"));
        } else if !user.active {
            errors.push(FieldError::new(
                field,
                "inactive",
                "the user is deactivated",
            ));
        } else if !matches!(
            user.role.parse::<Role>(),
            Ok(Role::SalesConsultant | Role::SalesManager)
        ) {
            errors.push(FieldError::new(
                field,
                "not_allowed",
                "records go to consultants and sales managers",
            ));
        } else if limited.as_ref().is_some_and(|s| *s != user.store_id) {
            errors.push(FieldError::new(
                field,
                "not_allowed",
                "the colleague works in another store",
            ));
        } else {
            out.push((user, t.share.max(1)));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// Everything of `from` that the handover moves, in the order they are moved.
fn gather(ctx: &mut Ctx, from: &str, include: &BTreeSet<String>) -> ServiceResult<Vec<Item>> {
    let org = ctx.org_id().to_owned();
    let now = ctx.now();
    let wants = |k: &str| include.contains(k);
    let mut items = Vec::new();
    if wants("customers") {
        for c in owned::customers(ctx.conn, &org, from)? {
            items.push(Item {
                kind: Kind::Customer,
                group: c.id.clone(),
                id: c.id,
                store: c.store_id,
            });
        }
    }
    // The customer of each lead, for tasks that name only their lead.
    let mut lead_customer: HashMap<String, String> = HashMap::new();
    let leads = owned::open_leads(ctx.conn, &org, from)?;
    for l in &leads {
        lead_customer.insert(l.id.clone(), l.customer_id.clone());
    }
    if wants("leads") {
        for l in leads {
            items.push(Item {
                kind: Kind::Lead,
                id: l.id,
                group: l.customer_id,
                store: l.store_id,
            });
        }
    }
    if wants("tasks") {
        for t in owned::open_tasks(ctx.conn, &org, from)? {
            let group = t
                .customer_id
                .clone()
                .or_else(|| {
                    t.lead_id
                        .as_ref()
                        .and_then(|l| lead_customer.get(l).cloned())
                })
                .unwrap_or_else(|| format!("task:{}", t.id));
            items.push(Item {
                kind: Kind::Task,
                id: t.id,
                group,
                store: t.store_id,
            });
        }
    }
    if wants("deals") {
        for d in owned::open_deals(ctx.conn, &org, from)? {
            items.push(Item {
                kind: Kind::Deal,
                id: d.id,
                group: d.customer_id,
                store: d.store_id,
            });
        }
    }
    if wants("test_drives") {
        for d in owned::future_test_drives(ctx.conn, &org, from, now)? {
            items.push(Item {
                kind: Kind::TestDrive,
                id: d.id,
                group: d.customer_id,
                store: d.store_id,
            });
        }
    }
    if wants("invitations") {
        for i in owned::scheduled_invitations(ctx.conn, &org, from)? {
            items.push(Item {
                kind: Kind::Invitation,
                id: i.id,
                group: i.customer_id,
                store: i.store_id,
            });
        }
    }
    Ok(items)
}

/// The colleague of each group (index into `targets`): its customer's store decides who may
/// take it; groups are dealt out by share (see the module's documentation).
fn split(
    ctx: &mut Ctx,
    items: &[Item],
    targets: &[(User, u32)],
) -> ServiceResult<HashMap<String, usize>> {
    // Each group's store, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut stores: HashMap<String, Option<String>> = HashMap::new();
    for item in items {
        if !stores.contains_key(&item.group) {
            order.push(item.group.clone());
            let customer_store = if item.kind == Kind::Customer {
                item.store.clone()
            } else if item.group.starts_with("task:") {
                None
            } else {
                Customer::find(ctx.conn, ctx.org_id(), &item.group)?.and_then(|c| c.store_id)
            };
            stores.insert(item.group.clone(), customer_store);
        }
        let store = stores.get_mut(&item.group).expect("inserted above");
        if store.is_none() {
            store.clone_from(&item.store);
        }
    }
    let mut dealt = vec![0u64; targets.len()];
    let mut plan = HashMap::new();
    let mut missing = BTreeSet::new();
    for group in order {
        let store = stores.get(&group).cloned().flatten();
        let eligible = |u: &User| store.is_none() || u.store_id == store;
        // The colleague furthest below their share: least (dealt + 1) / share.
        let mut best: Option<usize> = None;
        for (i, (user, share)) in targets.iter().enumerate() {
            if !eligible(user) {
                continue;
            }
            let better = best.is_none_or(|b| {
                (dealt[i] + 1) * u64::from(targets[b].1) < (dealt[b] + 1) * u64::from(*share)
            });
            if better {
                best = Some(i);
            }
        }
        match best {
            Some(i) => {
                dealt[i] += 1;
                plan.insert(group, i);
            }
            None => {
                missing.insert(store.unwrap_or_default());
            }
        }
    }
    if !missing.is_empty() {
        return Err(ServiceError::invalid(
            "targets",
            "no_colleague_in_store",
            format!(
                "records of store {} need a colleague of that store among the targets",
                missing.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(plan)
}

/// The test drives a colleague cannot take (booked then themselves).
fn clashes(
    ctx: &mut Ctx,
    items: &[Item],
    plan: &HashMap<String, usize>,
    targets: &[(User, u32)],
) -> ServiceResult<Vec<HandoverClash>> {
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.kind == Kind::TestDrive) {
        let to = &targets[plan[&item.group]].0.id;
        let Some(drive) = TestDrive::find(ctx.conn, ctx.org_id(), &item.id)? else {
            continue;
        };
        let taken = TestDrive::list(
            ctx.conn,
            ctx.org_id(),
            &TestDriveFilter {
                consultant_id: Some(to.clone()),
                from: Some(drive.starts_at),
                to: Some(drive.ends_at),
                holding_only: true,
                limit: 1,
                ..Default::default()
            },
        )?;
        if let Some(other) = taken.first() {
            out.push(HandoverClash {
                test_drive_id: drive.id.clone(),
                target_user_id: to.clone(),
                clashing_test_drive_id: other.id.clone(),
                starts_at: drive.starts_at.and_utc(),
                ends_at: drive.ends_at.and_utc(),
            });
        }
    }
    Ok(out)
}

/// Hands over everything `from_user_id` holds (see the module's documentation), or in a dry
/// run answers what would move and to whom, writing nothing (no audit line either). The real
/// run writes one `handovers` row, audits `user.handed_over` with the counts (each moved
/// record is also recorded by its own service: `customer.updated`, `lead.assigned` with the
/// lead's history, `deal.updated`, `task.handed_over`, `test_drive.handed_over`), emits
/// `user.handed_over`, and sends each colleague who received something one summary.
pub fn hand_over(
    ctx: &mut Ctx,
    from_user_id: &str,
    cmd: HandoverCommand,
) -> ServiceResult<Outcome> {
    let from = source(ctx, from_user_id)?;
    let targets = targets(ctx, &from, &cmd.targets)?;
    if !cmd.dry_run {
        // Colleagues' rows in id order: a booking locks the car, then the consultant, so a
        // handover that locks only consultants never waits in a cycle with one.
        let mut ids: Vec<&str> = targets.iter().map(|(u, _)| u.id.as_str()).collect();
        ids.sort_unstable();
        for id in ids {
            lock_row(ctx.conn, User::TABLE, id)?;
        }
    }
    let items = gather(ctx, &from.id, &cmd.include)?;
    let plan = split(ctx, &items, &targets)?;
    let clashes = clashes(ctx, &items, &plan, &targets)?;
    let mut counts = HandoverCounts::default();
    let mut per_target = vec![HandoverCounts::default(); targets.len()];
    for item in &items {
        counts.add(item.kind);
        per_target[plan[&item.group]].add(item.kind);
    }
    let target_counts: Vec<HandoverTargetCounts> = targets
        .iter()
        .zip(per_target)
        .map(|((u, share), counts)| HandoverTargetCounts {
            user_id: u.id.clone(),
            share: *share,
            counts,
        })
        .collect();
    let mut outcome = Outcome {
        id: None,
        dry_run: cmd.dry_run,
        from_user_id: from.id.clone(),
        reason: cmd.reason.clone(),
        counts,
        targets: target_counts,
        clashes,
        created_by: None,
        created_at: None,
    };
    if cmd.dry_run {
        return Ok(outcome);
    }
    if !outcome.clashes.is_empty() {
        let named: Vec<String> = outcome
            .clashes
            .iter()
            .map(|c| {
                format!(
                    "test drive {} ({}) clashes with {}'s test drive {}",
                    c.test_drive_id,
                    c.starts_at.to_rfc3339(),
                    c.target_user_id,
                    c.clashing_test_drive_id
                )
            })
            .collect();
        return Err(ServiceError::Conflict(format!(
            "a colleague is booked when a test drive takes place: {}; choose other colleagues \
             or leave test_drives out",
            named.join("; ")
        )));
    }
    let handover_id = new_id();
    let detail = serde_json::json!({"handover_id": handover_id});
    let reason = format!("离职交接：{}", cmd.reason);
    for item in &items {
        let to = targets[plan[&item.group]].0.id.clone();
        move_one(ctx, item, &from.id, &to, &reason, &detail)?;
    }
    let now = ctx.now();
    let actor = ctx.actor_id();
    let row = Handover {
        id: handover_id.clone(),
        org_id: ctx.org_id().to_owned(),
        from_user_id: from.id.clone(),
        reason: cmd.reason.clone(),
        targets: serde_json::to_string(&outcome.targets).map_err(ServiceError::internal)?,
        counts: serde_json::to_string(&outcome.counts).map_err(ServiceError::internal)?,
        created_by: actor.clone(),
        created_at: now,
    };
    row.insert(ctx.conn)?;
    ctx.record(
        Change::new("user.handed_over", "user", &from.id)
            .detail(serde_json::json!({
                "handover_id": handover_id,
                "reason": cmd.reason,
                "counts": outcome.counts,
                "targets": outcome.targets,
            }))
            .event(UserHandedOver {
                handover_id: handover_id.clone(),
                from_user_id: from.id.clone(),
                counts: outcome.counts,
                targets: outcome.targets.clone(),
            }),
    )?;
    for target in &outcome.targets {
        let c = target.counts;
        if c.total() == 0 {
            continue;
        }
        notify(
            ctx,
            &target.user_id,
            Notification {
                kind: NotificationKind::HandoverReceived,
                title: format!("{}的客户已交接给您", from.name),
                // The reason is free text: it stays on the record, off outbound gateways.
                body: format!(
                    "交接给您：客户 {} 位、线索 {} 条、待办任务 {} 项、商机 {} 个、试驾 {} 场、到店邀约 {} 个。",
                    c.customers, c.leads, c.tasks, c.deals, c.test_drives, c.invitations
                ),
                link: Some(format!("/api/v1/handovers/{handover_id}")),
            },
        )?;
    }
    outcome.id = Some(handover_id);
    outcome.created_by = Some(actor);
    outcome.created_at = Some(now);
    Ok(outcome)
}

/// Moves one record to `to` through the service that owns it.
fn move_one(
    ctx: &mut Ctx,
    item: &Item,
    from: &str,
    to: &str,
    reason: &str,
    detail: &serde_json::Value,
) -> ServiceResult<()> {
    match item.kind {
        Kind::Customer => {
            customers::update(
                ctx,
                &item.id,
                None,
                CustomerChanges {
                    owner_id: Some(Some(to.to_owned())),
                    ..CustomerChanges::default()
                },
            )?;
        }
        Kind::Lead => {
            leads::update_visible(ctx, &item.id, None, |ctx, lead| {
                leads::hand_over(ctx, lead, to, Some(reason.to_owned()), Some(detail.clone()))
            })?;
        }
        Kind::Task => {
            // A task that followed its lead is no longer the source's.
            let mut moved = false;
            records::update(
                ctx,
                &item.id,
                None,
                |_: &autocrm_persistence::models::Task| true,
                |ctx, task| {
                    if task.owner_id.as_deref() == Some(from) && task.status == "open" {
                        task.owner_id = Some(to.to_owned());
                        task.touch(ctx.now());
                        moved = true;
                    }
                    Ok(())
                },
            )?;
            if moved {
                ctx.record(
                    Change::new("task.handed_over", "task", &item.id)
                        .detail(serde_json::json!({"from": from, "to": to, "detail": detail})),
                )?;
            }
        }
        Kind::Deal => {
            deals::update(
                ctx,
                &item.id,
                None,
                DealChanges {
                    owner_id: Some(to.to_owned()),
                    ..DealChanges::default()
                },
            )?;
        }
        Kind::TestDrive => {
            records::update(
                ctx,
                &item.id,
                None,
                |_: &TestDrive| true,
                |ctx, drive| {
                    drive.consultant_id = to.to_owned();
                    drive.updated_at = ctx.now();
                    owned::move_consultant_slots(ctx.conn, &drive.id, to).map_err(|e| {
                        if is_unique_violation(&e) {
                            ServiceError::Conflict(format!(
                                "{to} is booked when test drive {} takes place",
                                drive.id
                            ))
                        } else {
                            e.into()
                        }
                    })?;
                    Ok(())
                },
            )?;
            ctx.record(
                Change::new("test_drive.handed_over", "test_drive", &item.id)
                    .detail(serde_json::json!({"from": from, "to": to, "detail": detail})),
            )?;
        }
        Kind::Invitation => {
            records::update(
                ctx,
                &item.id,
                None,
                |_: &StoreVisitInvitation| true,
                |ctx, invitation| {
                    invitation.consultant_id = to.to_owned();
                    invitation.touch(ctx.now());
                    Ok(())
                },
            )?;
            ctx.record(
                Change::new(
                    "store_visit_invitation.handed_over",
                    "store_visit_invitation",
                    &item.id,
                )
                .detail(serde_json::json!({"from": from, "to": to, "detail": detail})),
            )?;
        }
    }
    Ok(())
}

/// The handovers the caller may see (a sales manager: of their store's people), oldest first.
pub fn list(ctx: &mut Ctx, mut filter: HandoverFilter) -> ServiceResult<Vec<Outcome>> {
    if let Some(store) = manager_store(ctx)? {
        match store {
            Some(s) => filter.from_store_id = Some(s),
            None => return Ok(Vec::new()),
        }
    }
    Handover::list(ctx.conn, ctx.org_id(), &filter)?
        .into_iter()
        .map(Outcome::try_from)
        .collect()
}

/// One handover the caller may see; 404 otherwise.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<Outcome> {
    let row = records::find(ctx, id, |_: &Handover| true)?;
    source(ctx, &row.from_user_id)?;
    Outcome::try_from(row)
}

/// The kinds named, or all of them.
pub fn kinds(include: Option<Vec<String>>) -> BTreeSet<String> {
    match include {
        Some(kinds) => kinds.into_iter().collect(),
        None => KINDS.iter().map(|k| (*k).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_total_every_kind() {
        let mut c = HandoverCounts::default();
        for k in [
            Kind::Customer,
            Kind::Lead,
            Kind::Task,
            Kind::Task,
            Kind::Deal,
            Kind::TestDrive,
            Kind::Invitation,
        ] {
            c.add(k);
        }
        assert_eq!(c.total(), 7);
        assert_eq!(c.tasks, 2);
    }
}
