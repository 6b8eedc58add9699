//! Transfer use cases. Who acts: the origin store's sales managers approve and dispatch,
//! the destination's receive, either side requests, tracks and cancels; general managers,
//! admins and machine clients (`inventory:write`) act everywhere. A step that skips a state
//! is `InvalidTransition`. Steps that move the car lock the car's row first, then the
//! transfer's.

use autocrm_domain::access::Role;
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::vehicle::{
    TransferCostModel, TransferEstimate, TransferStatus, VehicleStatus, find_city, transition,
};
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{
    Store, TenantRecord, TransferFilter, TransferTracking, User, UserFilter, Vehicle,
    VehicleTransfer,
};
use chrono::{DateTime, Utc};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::{
    TransferApproved, TransferCancelled, TransferDispatched, TransferReceived, TransferRequested,
};
use crate::inventory::vehicles::service as vehicles;
use crate::notifications::service::{Notification, notify};

pub struct NewTransfer {
    pub vehicle_id: String,
    pub to_store_id: String,
    pub reason: String,
}

pub struct Dispatch {
    pub carrier: String,
    pub waybill_no: String,
    pub estimated_arrival: Option<DateTime<Utc>>,
}

pub struct NewTracking {
    pub at: Option<DateTime<Utc>>,
    pub position: String,
    pub city: Option<String>,
    pub note: Option<String>,
}

/// A transfer with its car and, when asked, its tracking entries.
pub struct TransferView {
    pub transfer: VehicleTransfer,
    pub vehicle: Vehicle,
    pub tracking: Option<Vec<TransferTracking>>,
}

/// Which store must act for a step.
#[derive(Clone, Copy)]
enum Side {
    Origin,
    Destination,
    Either,
}

/// Whether the caller acts for the stores a step needs: `Forbidden` otherwise.
fn may_act(ctx: &Ctx, from: &str, to: &str, side: Side) -> ServiceResult<()> {
    let Actor::Principal(p) = ctx.actor() else {
        return Ok(());
    };
    let allowed = match p.role {
        Role::Admin | Role::GeneralManager | Role::Integration => true,
        Role::SalesManager => p.store_id.as_deref().is_some_and(|s| match side {
            Side::Origin => s == from,
            Side::Destination => s == to,
            Side::Either => s == from || s == to,
        }),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn invalid_transition<S: autocrm_domain::vehicle::StatusMachine>(
    e: autocrm_domain::vehicle::TransitionError<S>,
) -> ServiceError {
    ServiceError::InvalidTransition(e.to_string())
}

fn status_of(t: &VehicleTransfer) -> ServiceResult<TransferStatus> {
    t.status
        .parse()
        .map_err(|_| ServiceError::internal(format!("transfer {} has status {}", t.id, t.status)))
}

/// The estimate between two stores' cities, when both are in the city table.
pub fn estimate(from_city: &str, to_city: &str) -> Option<TransferEstimate> {
    let (a, b) = (find_city(from_city)?, find_city(to_city)?);
    Some(TransferCostModel::default().estimate(a.point().distance_km(b.point())))
}

fn active_store(ctx: &mut Ctx, id: &str) -> ServiceResult<Option<Store>> {
    Ok(Store::find(ctx.conn, ctx.org_id(), id)?.filter(|s| s.active))
}

/// Requests moving a car in stock to another store of the organisation. The car must be in
/// stock (a reserved, sold or travelling car is `InvalidTransition`) and have no other open
/// transfer (`Duplicate`, naming it). Emits `transfer.requested`; notifies both stores'
/// managers.
pub fn request(ctx: &mut Ctx, new: NewTransfer) -> ServiceResult<VehicleTransfer> {
    let vehicle = vehicles::find(ctx, &new.vehicle_id).map_err(|e| match e {
        ServiceError::NotFound => {
            ServiceError::invalid("vehicle_id", "not_found", "no such vehicle")
        }
        other => other,
    })?;
    let Some(from_id) = vehicle.store_id.clone() else {
        return Err(ServiceError::invalid(
            "vehicle_id",
            "no_store",
            "the car belongs to no store; set its store first",
        ));
    };
    let to = active_store(ctx, &new.to_store_id)?
        .ok_or_else(|| ServiceError::invalid("to_store_id", "not_found", "no such active store"))?;
    if to.id == from_id {
        return Err(ServiceError::invalid(
            "to_store_id",
            "same_store",
            "the car is at this store already",
        ));
    }
    may_act(ctx, &from_id, &to.id, Side::Either)?;
    autocrm_persistence::db::lock_row(ctx.conn, Vehicle::TABLE, &vehicle.id)?;
    let vehicle = vehicles::find(ctx, &vehicle.id)?;
    transition(vehicles::status_of(&vehicle)?, VehicleStatus::InTransit)
        .map_err(invalid_transition)?;
    if let Some(open) = open_transfer(ctx, &vehicle.id)? {
        return Err(ServiceError::duplicate(
            "the car has an open transfer",
            Some(open.id),
        ));
    }
    let from = Store::find(ctx.conn, ctx.org_id(), &from_id)?.ok_or(ServiceError::Internal)?;
    let estimate = estimate(&from.city, &to.city);
    let now = ctx.now();
    let transfer = VehicleTransfer {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        vehicle_id: vehicle.id.clone(),
        from_store_id: from_id,
        to_store_id: to.id.clone(),
        status: TransferStatus::Requested.as_str().to_owned(),
        reason: new.reason,
        requested_by: ctx.actor_id(),
        distance_km: estimate.map(|e| i64::from(e.distance_km)),
        road_km: estimate.map(|e| i64::from(e.road_km)),
        estimated_days: estimate.map(|e| i32::try_from(e.days).unwrap_or(i32::MAX)),
        estimated_cost_cents: estimate.map(|e| e.cost_cents),
        approved_by: None,
        approved_at: None,
        dispatched_by: None,
        dispatched_at: None,
        carrier: None,
        waybill_no: None,
        estimated_arrival: None,
        received_by: None,
        received_at: None,
        cancelled_by: None,
        cancelled_at: None,
        cancel_reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    transfer.insert(ctx.conn).map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::duplicate("the car has an open transfer", None)
        } else {
            e.into()
        }
    })?;
    announce(ctx, &transfer, &vehicle)?;
    Ok(transfer)
}

fn open_transfer(ctx: &mut Ctx, vehicle_id: &str) -> ServiceResult<Option<VehicleTransfer>> {
    let mut open = Vec::new();
    for status in [
        TransferStatus::Requested,
        TransferStatus::Approved,
        TransferStatus::InTransit,
    ] {
        open.extend(VehicleTransfer::list(
            ctx.conn,
            ctx.org_id(),
            &TransferFilter {
                status: Some(status.as_str().to_owned()),
                vehicle_id: Some(vehicle_id.to_owned()),
                limit: 1,
                ..Default::default()
            },
        )?);
    }
    Ok(open.into_iter().next())
}

/// Moves a transfer (found by the caller) to `to` under the status machine, with its car's
/// row locked first; `change` sets the step's own fields and may change the car.
fn step(
    ctx: &mut Ctx,
    id: &str,
    to: TransferStatus,
    side: impl Fn(TransferStatus) -> Side,
    change: impl FnOnce(
        &mut Ctx,
        &mut VehicleTransfer,
        &mut Vehicle,
        TransferStatus,
    ) -> ServiceResult<()>,
) -> ServiceResult<(VehicleTransfer, Vehicle)> {
    let found = records::find(ctx, id, |_: &VehicleTransfer| true)?;
    may_act(
        ctx,
        &found.from_store_id,
        &found.to_store_id,
        side(status_of(&found)?),
    )?;
    let mut moved = None;
    let vehicle = records::update(
        ctx,
        &found.vehicle_id,
        None,
        |_: &Vehicle| true,
        |ctx, vehicle| {
            let transfer = records::update(
                ctx,
                id,
                None,
                |_: &VehicleTransfer| true,
                |ctx, t| {
                    let from = status_of(t)?;
                    transition(from, to).map_err(invalid_transition)?;
                    t.status = to.as_str().to_owned();
                    change(ctx, t, vehicle, from)
                },
            )?;
            moved = Some(transfer);
            Ok(())
        },
    )?;
    let transfer = moved.ok_or(ServiceError::Internal)?;
    announce(ctx, &transfer, &vehicle)?;
    Ok((transfer, vehicle))
}

/// The origin approves. Emits `transfer.approved`.
pub fn approve(ctx: &mut Ctx, id: &str) -> ServiceResult<VehicleTransfer> {
    let who = ctx.actor_id();
    step(
        ctx,
        id,
        TransferStatus::Approved,
        |_| Side::Origin,
        |ctx, t, _, _| {
            t.approved_by = Some(who);
            t.approved_at = Some(ctx.now());
            Ok(())
        },
    )
    .map(|(t, _)| t)
}

/// The origin hands the car to the carrier: the car goes in transit. Emits
/// `transfer.dispatched` and `vehicle.status_changed`.
pub fn dispatch(ctx: &mut Ctx, id: &str, d: Dispatch) -> ServiceResult<VehicleTransfer> {
    let who = ctx.actor_id();
    step(
        ctx,
        id,
        TransferStatus::InTransit,
        |_| Side::Origin,
        |ctx, t, v, _| {
            if let Some(at) = d.estimated_arrival
                && at <= ctx.now_utc()
            {
                return Err(ServiceError::invalid(
                    "estimated_arrival",
                    "not_in_future",
                    "the estimated arrival must be later than now",
                ));
            }
            t.dispatched_by = Some(who);
            t.dispatched_at = Some(ctx.now());
            t.carrier = Some(d.carrier);
            t.waybill_no = Some(d.waybill_no);
            t.estimated_arrival = d.estimated_arrival.map(|a| a.naive_utc());
            vehicles::apply_status(ctx, v, VehicleStatus::InTransit)
        },
    )
    .map(|(t, _)| t)
}

/// The destination receives the car: it now belongs to that store and is in stock again
/// (its days in stock start anew). Emits `transfer.received` and `vehicle.status_changed`.
pub fn receive(ctx: &mut Ctx, id: &str) -> ServiceResult<VehicleTransfer> {
    let who = ctx.actor_id();
    step(
        ctx,
        id,
        TransferStatus::Received,
        |_| Side::Destination,
        |ctx, t, v, _| {
            t.received_by = Some(who);
            t.received_at = Some(ctx.now());
            v.store_id = Some(t.to_store_id.clone());
            vehicles::apply_status(ctx, v, VehicleStatus::InStock)
        },
    )
    .map(|(t, _)| t)
}

/// Either store cancels; a car on the road goes back in stock at its origin. Emits
/// `transfer.cancelled` (and `vehicle.status_changed` for a car on the road).
pub fn cancel(ctx: &mut Ctx, id: &str, reason: Option<String>) -> ServiceResult<VehicleTransfer> {
    let who = ctx.actor_id();
    step(
        ctx,
        id,
        TransferStatus::Cancelled,
        |_| Side::Either,
        |ctx, t, v, from| {
            t.cancelled_by = Some(who);
            t.cancelled_at = Some(ctx.now());
            t.cancel_reason = reason;
            if from == TransferStatus::InTransit
                && vehicles::status_of(v)? == VehicleStatus::InTransit
            {
                vehicles::apply_status(ctx, v, VehicleStatus::InStock)?;
            }
            Ok(())
        },
    )
    .map(|(t, _)| t)
}

/// Adds a logistics tracking entry to a transfer on the road (409 otherwise). Either store.
/// Audited (`transfer.tracked`).
pub fn track(ctx: &mut Ctx, id: &str, new: NewTracking) -> ServiceResult<()> {
    let t = records::find(ctx, id, |_: &VehicleTransfer| true)?;
    may_act(ctx, &t.from_store_id, &t.to_store_id, Side::Either)?;
    if status_of(&t)? != TransferStatus::InTransit {
        return Err(ServiceError::InvalidTransition(format!(
            "tracking entries are for a car in transit; the transfer is {}",
            t.status
        )));
    }
    let now = ctx.now();
    let at = new.at.map(|a| a.naive_utc()).unwrap_or(now);
    if at > now {
        return Err(ServiceError::invalid(
            "at",
            "in_future",
            "a position cannot be seen later than now",
        ));
    }
    let entry = TransferTracking {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        transfer_id: t.id.clone(),
        at,
        position: new.position,
        city: new.city,
        note: new.note,
        recorded_by: ctx.actor_id(),
        created_at: now,
    };
    entry.insert(ctx.conn)?;
    ctx.record(
        Change::new("transfer.tracked", "vehicle_transfer", &t.id)
            .detail(serde_json::json!({"position": entry.position, "city": entry.city})),
    )
}

/// One transfer with its car and tracking entries.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<TransferView> {
    let transfer = records::find(ctx, id, |_: &VehicleTransfer| true)?;
    view(ctx, transfer, true)
}

/// A transfer as shown, with its car (and its tracking entries when `with_tracking`).
pub fn view(
    ctx: &mut Ctx,
    transfer: VehicleTransfer,
    with_tracking: bool,
) -> ServiceResult<TransferView> {
    let vehicle = vehicles::find(ctx, &transfer.vehicle_id)?;
    let tracking = if with_tracking {
        Some(TransferTracking::of_transfer(
            ctx.conn,
            ctx.org_id(),
            &transfer.id,
        )?)
    } else {
        None
    };
    Ok(TransferView {
        transfer,
        vehicle,
        tracking,
    })
}

/// The organisation's transfers, by status and store (from or to it), oldest first.
pub fn list(ctx: &mut Ctx, filter: TransferFilter) -> ServiceResult<Vec<TransferView>> {
    let rows = VehicleTransfer::list(ctx.conn, ctx.org_id(), &filter)?;
    rows.into_iter().map(|t| view(ctx, t, false)).collect()
}

macro_rules! transfer_change {
    ($payload:ident, $action:literal, $t:expr, $v:expr) => {
        Change::new($action, "vehicle_transfer", &$t.id)
            .detail(serde_json::json!({"vehicle_id": $t.vehicle_id, "status": $t.status}))
            .event($payload {
                transfer_id: $t.id.clone(),
                vehicle_id: $t.vehicle_id.clone(),
                vin: $v.vin.clone(),
                from_store_id: $t.from_store_id.clone(),
                to_store_id: $t.to_store_id.clone(),
                status: $t.status.clone(),
                carrier: $t.carrier.clone(),
                waybill_no: $t.waybill_no.clone(),
                estimated_arrival: $t.estimated_arrival.map(|a| a.and_utc()),
            })
    };
}

/// The event of the transfer's new status, and a notification to the managers of both
/// stores (but the one who acted).
fn announce(ctx: &mut Ctx, t: &VehicleTransfer, v: &Vehicle) -> ServiceResult<()> {
    let (change, what) = match status_of(t)? {
        TransferStatus::Requested => (
            transfer_change!(TransferRequested, "transfer.requested", t, v),
            "已申请",
        ),
        TransferStatus::Approved => (
            transfer_change!(TransferApproved, "transfer.approved", t, v),
            "已批准",
        ),
        TransferStatus::InTransit => (
            transfer_change!(TransferDispatched, "transfer.dispatched", t, v),
            "已发车",
        ),
        TransferStatus::Received => (
            transfer_change!(TransferReceived, "transfer.received", t, v),
            "已到店",
        ),
        TransferStatus::Cancelled => (
            transfer_change!(TransferCancelled, "transfer.cancelled", t, v),
            "已取消",
        ),
    };
    ctx.record(change)?;
    let acting = ctx.actor_id();
    let mut recipients = Vec::new();
    for store in [&t.from_store_id, &t.to_store_id] {
        let managers = User::list(
            ctx.conn,
            ctx.org_id(),
            &UserFilter {
                role: Some(Role::SalesManager.as_str().to_owned()),
                store_id: Some(store.clone()),
                active: Some(true),
                after_id: None,
                limit: 50,
            },
        )?;
        recipients.extend(managers.into_iter().map(|u| u.id));
    }
    recipients.sort();
    recipients.dedup();
    for user in recipients.into_iter().filter(|u| *u != acting) {
        notify(
            ctx,
            &user,
            Notification {
                kind: NotificationKind::TransferUpdated,
                title: format!("调车单{what}：{} {}", v.brand, v.model),
                body: format!(
                    "车辆 {} {}（VIN {}）的调车单{what}。",
                    v.brand, v.model, v.vin
                ),
                link: Some(format!("/api/v1/vehicle-transfers/{}", t.id)),
            },
        )?;
    }
    Ok(())
}
