//! Reservation use cases. The car's row is always locked first (through
//! `records::update` on the vehicle), then the reservation's: every path takes the locks in
//! the same order, so a sale, a cancel and the release job never deadlock.

use autocrm_domain::access::{CustomerScope, Role};
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::vehicle::{HoldState, ReservationPolicy, ReservationTimes, VehicleStatus};
use autocrm_persistence::db::{lock_row, new_id};
use autocrm_persistence::models::{
    Customer, ReservationFilter, TenantRecord, User, Vehicle, VehicleReservation,
};
use chrono::{DateTime, Utc};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::events::catalogue::{ReservationCancelled, ReservationExpired, VehicleReserved};
use crate::inventory::vehicles::service as vehicles;
use crate::notifications::service::{Notification, notify};

/// Why a reservation ended early.
pub const REASON_CANCELLED: &str = "cancelled";
pub const REASON_SOLD: &str = "vehicle_sold";
/// The reason of a reservation ended because its car was put back in stock by hand or by
/// the ERP.
pub const REASON_RELEASED: &str = "vehicle_released";

autocrm_domain::text_enum! {
    /// Where a reservation stands.
    pub enum ReservationStatus {
        /// Holds its car until `expires_at`.
        Active = "active",
        /// Ended early: by a person, or because the car was sold (`release_reason`).
        Cancelled = "cancelled",
        /// Reached its expiry; the release job put the car back in stock.
        Expired = "expired",
    }
}

/// A reservation as its request's rules accepted it.
pub struct NewReservation {
    pub customer_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// A reservation with whether the caller may read its free texts (they may name the
/// customer: only callers who see the customer read them).
pub struct Shown {
    pub reservation: VehicleReservation,
    pub texts_visible: bool,
    /// Whether it holds its car now, and why not.
    pub hold: HoldState,
}

/// Reserves a car in stock for a customer the caller sees, until the requested expiry
/// (within `ReservationPolicy`) or the default hold. The car becomes `reserved`; a car that
/// is not in stock (reserved already, sold, in transit) is `InvalidTransition`. Emits
/// `vehicle.status_changed` and `vehicle.reserved`.
pub fn reserve(
    ctx: &mut Ctx,
    vehicle_id: &str,
    new: NewReservation,
) -> ServiceResult<VehicleReservation> {
    // Another tenant's car is 404 whatever the body says.
    vehicles::find(ctx, vehicle_id)?;
    let customer =
        crate::customers::service::find_visible(ctx, &new.customer_id).map_err(|e| match e {
            ServiceError::NotFound => {
                ServiceError::invalid("customer_id", "not_found", "no such customer")
            }
            other => other,
        })?;
    let expires_at = ReservationPolicy::default()
        .expiry(ctx.now_utc(), new.expires_at)
        .map_err(|e| ServiceError::invalid("expires_at", e.code(), e.to_string()))?;
    let reserved_by = ctx.actor_id();
    let vehicle = records::update(
        ctx,
        vehicle_id,
        None,
        |_: &Vehicle| true,
        |ctx, v| vehicles::apply_status(ctx, v, VehicleStatus::Reserved),
    )?;
    let now = ctx.now();
    let reservation = VehicleReservation {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        vehicle_id: vehicle.id.clone(),
        customer_id: customer.id,
        reserved_by,
        status: ReservationStatus::Active.as_str().to_owned(),
        note: new.note,
        expires_at: expires_at.naive_utc(),
        released_at: None,
        released_by: None,
        release_reason: None,
        release_note: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    reservation.insert(ctx.conn).map_err(|e| {
        if autocrm_persistence::db::is_unique_violation(&e) {
            ServiceError::InvalidTransition("the car is reserved already".into())
        } else {
            e.into()
        }
    })?;
    ctx.record(
        Change::new("vehicle.reserved", "vehicle_reservation", &reservation.id)
            .detail(
                serde_json::json!({"vehicle_id": vehicle.id, "customer_id": reservation.customer_id,
                "expires_at": expires_at}),
            )
            .event(VehicleReserved {
                reservation_id: reservation.id.clone(),
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                customer_id: reservation.customer_id.clone(),
                reserved_by: reservation.reserved_by.clone(),
                store_id: vehicle.store_id.clone(),
                expires_at,
            }),
    )?;
    Ok(reservation)
}

/// Whether the caller sees this customer (and so the reservation's free texts).
fn customer_checker(ctx: &mut Ctx) -> impl FnMut(&mut Ctx, &str) -> ServiceResult<bool> + use<> {
    let scope = match ctx.actor() {
        Actor::Principal(p) => CustomerScope::of(p),
        Actor::System { .. } => CustomerScope::All,
        Actor::Anonymous => CustomerScope::Nothing,
    };
    let mut seen: std::collections::HashMap<String, bool> = Default::default();
    move |ctx: &mut Ctx, customer_id: &str| {
        if let Some(v) = seen.get(customer_id) {
            return Ok(*v);
        }
        let visible = Customer::find(ctx.conn, ctx.org_id(), customer_id)?
            .is_some_and(|c| scope.admits(&c.facts()));
        seen.insert(customer_id.to_owned(), visible);
        Ok(visible)
    }
}

fn shown(ctx: &mut Ctx, rows: Vec<VehicleReservation>) -> ServiceResult<Vec<Shown>> {
    let mut check = customer_checker(ctx);
    let now = ctx.now_utc();
    rows.into_iter()
        .map(|reservation| {
            let texts_visible = check(ctx, &reservation.customer_id)?;
            let hold = ReservationTimes {
                reserved_at: reservation.created_at.and_utc(),
                expires_at: reservation.expires_at.and_utc(),
                released_at: reservation.released_at.map(|t| t.and_utc()),
            }
            .state_at(now);
            Ok(Shown {
                reservation,
                texts_visible,
                hold,
            })
        })
        .collect()
}

/// A reservation as the caller is shown it.
pub fn present(ctx: &mut Ctx, reservation: VehicleReservation) -> ServiceResult<Shown> {
    Ok(shown(ctx, vec![reservation])?.remove(0))
}

/// A car's reservations, oldest first (every staff role reads cars).
pub fn for_vehicle(
    ctx: &mut Ctx,
    vehicle_id: &str,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<Shown>> {
    let vehicle = vehicles::find(ctx, vehicle_id)?;
    let rows = VehicleReservation::list(
        ctx.conn,
        ctx.org_id(),
        &ReservationFilter {
            vehicle_id: Some(vehicle.id),
            after_id,
            limit,
            ..Default::default()
        },
    )?;
    shown(ctx, rows)
}

/// Reservations of the organisation, by status and customer; a named customer must be one
/// the caller sees (`NotFound` otherwise).
pub fn list(ctx: &mut Ctx, filter: ReservationFilter) -> ServiceResult<Vec<Shown>> {
    if let Some(customer_id) = &filter.customer_id {
        crate::customers::service::find_visible(ctx, customer_id)?;
    }
    let rows = VehicleReservation::list(ctx.conn, ctx.org_id(), &filter)?;
    shown(ctx, rows)
}

/// One reservation.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<Shown> {
    let reservation = records::find(ctx, id, |_: &VehicleReservation| true)?;
    present(ctx, reservation)
}

/// Whether the caller may cancel a reservation: the consultant who made it, a sales manager
/// of the car's store or of the consultant's store, a general manager or admin, or a
/// machine client.
fn may_cancel(ctx: &mut Ctx, r: &VehicleReservation, vehicle: &Vehicle) -> ServiceResult<bool> {
    let Actor::Principal(p) = ctx.actor() else {
        return Ok(true);
    };
    let p = p.clone();
    if p.id == r.reserved_by {
        return Ok(true);
    }
    Ok(match p.role {
        Role::Admin | Role::GeneralManager | Role::Integration => true,
        Role::SalesManager => {
            let Some(store) = p.store_id.as_deref() else {
                return Ok(false);
            };
            if vehicle.store_id.as_deref() == Some(store) {
                return Ok(true);
            }
            User::find(ctx.conn, ctx.org_id(), &r.reserved_by)?
                .is_some_and(|u| u.store_id.as_deref() == Some(store))
        }
        _ => false,
    })
}

/// Ends an active reservation (the car row is locked and changed by the caller): status,
/// who, when and why.
fn end(
    ctx: &mut Ctx,
    reservation_id: &str,
    status: ReservationStatus,
    reason: Option<&str>,
    note: Option<String>,
) -> ServiceResult<Option<VehicleReservation>> {
    lock_row(ctx.conn, VehicleReservation::TABLE, reservation_id)?;
    let mut r = records::find(ctx, reservation_id, |_: &VehicleReservation| true)?;
    if r.status != ReservationStatus::Active.as_str() {
        return Ok(None);
    }
    let version = r.version;
    r.status = status.as_str().to_owned();
    r.released_at = Some(ctx.now());
    r.released_by = Some(ctx.actor_id());
    r.release_reason = reason.map(str::to_owned);
    r.release_note = note;
    r.updated_at = ctx.now();
    use autocrm_persistence::models::Versioned;
    if !r.save(ctx.conn, version)? {
        return Err(ServiceError::Stale {
            current_version: version + 1,
        });
    }
    Ok(Some(r))
}

/// Cancels an active reservation; the car goes back in stock. Emits
/// `vehicle.status_changed` and `reservation.cancelled`.
pub fn cancel(
    ctx: &mut Ctx,
    id: &str,
    reason: Option<String>,
) -> ServiceResult<VehicleReservation> {
    let found = records::find(ctx, id, |_: &VehicleReservation| true)?;
    let mut ended = None;
    let vehicle = records::update(
        ctx,
        &found.vehicle_id,
        None,
        |_: &Vehicle| true,
        |ctx, v| {
            if !may_cancel(ctx, &found, v)? {
                return Err(ServiceError::Forbidden);
            }
            let Some(r) = end(
                ctx,
                id,
                ReservationStatus::Cancelled,
                Some(REASON_CANCELLED),
                reason,
            )?
            else {
                return Err(ServiceError::InvalidTransition(
                    "the reservation is no longer active".into(),
                ));
            };
            if vehicles::status_of(v)? == VehicleStatus::Reserved {
                vehicles::apply_status(ctx, v, VehicleStatus::InStock)?;
            }
            ended = Some(r);
            Ok(())
        },
    )?;
    let r = ended.ok_or(ServiceError::Internal)?;
    record_cancelled(ctx, &r, &vehicle, REASON_CANCELLED)?;
    Ok(r)
}

fn record_cancelled(
    ctx: &mut Ctx,
    r: &VehicleReservation,
    vehicle: &Vehicle,
    reason: &str,
) -> ServiceResult<()> {
    ctx.record(
        Change::new("reservation.cancelled", "vehicle_reservation", &r.id)
            .detail(serde_json::json!({"vehicle_id": r.vehicle_id, "reason": reason}))
            .event(ReservationCancelled {
                reservation_id: r.id.clone(),
                vehicle_id: r.vehicle_id.clone(),
                vin: vehicle.vin.clone(),
                customer_id: r.customer_id.clone(),
                reserved_by: r.reserved_by.clone(),
                reason: reason.to_owned(),
            }),
    )
}

/// Called by `vehicles::service::apply_status` when a reserved car leaves `reserved` (sold,
/// or put back in stock by hand or by the ERP), inside its unit of work with the car's row
/// locked: the car's active reservation, if one is left, is cancelled
/// (`reservation.cancelled`, reason `vehicle_sold` or `vehicle_released`) and the consultant
/// who made it is notified.
pub fn on_reservation_lifted(
    ctx: &mut Ctx,
    vehicle: &Vehicle,
    to: VehicleStatus,
) -> ServiceResult<()> {
    let Some(active) = VehicleReservation::active_for_vehicle(ctx.conn, ctx.org_id(), &vehicle.id)?
    else {
        return Ok(());
    };
    let (reason, why) = if to == VehicleStatus::Sold {
        (REASON_SOLD, "已售出")
    } else {
        (REASON_RELEASED, "已被放回库存")
    };
    let Some(r) = end(
        ctx,
        &active.id,
        ReservationStatus::Cancelled,
        Some(reason),
        None,
    )?
    else {
        return Ok(());
    };
    record_cancelled(ctx, &r, vehicle, reason)?;
    notify(
        ctx,
        &r.reserved_by,
        Notification {
            kind: NotificationKind::ReservationCancelled,
            title: format!("预订已取消：{} {} {why}", vehicle.brand, vehicle.model),
            body: format!(
                "您为客户预订的车辆 {} {}（VIN {}）{why}，预订自动取消。",
                vehicle.brand, vehicle.model, vehicle.vin
            ),
            link: Some(format!("/api/v1/reservations/{}", r.id)),
        },
    )
}

/// Releases one expired reservation (the release job, as the system): the car goes back in
/// stock if it is still reserved. Answers whether this call released it; a reservation
/// already released (by another node, a cancel or a sale) is left alone.
pub fn release_expired(ctx: &mut Ctx, id: &str) -> ServiceResult<bool> {
    let Some(found) = VehicleReservation::find(ctx.conn, ctx.org_id(), id)? else {
        return Ok(false);
    };
    let now = ctx.now();
    if found.status != ReservationStatus::Active.as_str() || found.expires_at > now {
        return Ok(false);
    }
    let mut ended = None;
    let updated = records::update(
        ctx,
        &found.vehicle_id,
        None,
        |_: &Vehicle| true,
        |ctx, v| {
            // Checked again under the locks: another node may have released it meanwhile
            // (then nothing is written).
            let Some(r) = end(ctx, id, ReservationStatus::Expired, None, None)? else {
                return Err(ServiceError::Conflict("released already".into()));
            };
            if vehicles::status_of(v)? == VehicleStatus::Reserved {
                vehicles::apply_status(ctx, v, VehicleStatus::InStock)?;
            }
            ended = Some(r);
            Ok(())
        },
    );
    let vehicle = match updated {
        Err(ServiceError::Conflict(_)) => return Ok(false),
        other => other?,
    };
    let Some(r) = ended else {
        return Ok(false);
    };
    ctx.record(
        Change::new("reservation.expired", "vehicle_reservation", &r.id)
            .detail(serde_json::json!({"vehicle_id": r.vehicle_id}))
            .event(ReservationExpired {
                reservation_id: r.id.clone(),
                vehicle_id: r.vehicle_id.clone(),
                vin: vehicle.vin.clone(),
                customer_id: r.customer_id.clone(),
                reserved_by: r.reserved_by.clone(),
                expired_at: r.expires_at.and_utc(),
            }),
    )?;
    Ok(true)
}
