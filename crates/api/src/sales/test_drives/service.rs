//! Test-drive use cases. Booking locks the car's row, then the consultant's, then checks
//! the overlap and inserts one slot row per grid slot per resource: the row locks serialise
//! bookings of one car or one consultant on PostgreSQL (SQLite serialises every write), and
//! the slot rows' primary key is the database's own guarantee on the same grid.
//!
//! Which cars can be booked: a car on the lot (`in_stock` or `reserved`: a reserved car is
//! still shown and driven), or a demo car (试驾车: `demo_car` among its features) whatever its
//! sale status, unless it left the organisation (`transferred_out`).
//!
//! Who sees a test drive: admins, general managers, finance and machine clients every one; a
//! sales manager those of their store (the car's store); a consultant their own
//! appointments; a customer their own.

use std::collections::BTreeMap;

use autocrm_domain::access::Role;
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::sales::test_drives::{
    AppointmentError, Interval, OpeningHours, TestDriveConfig, TestDriveStatus, check_appointment,
};
use autocrm_domain::vehicle::VehicleStatus;
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    Lead, TenantRecord, TestDrive, TestDriveFilter, TestDriveSlot, User, UserFilter, Vehicle,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::app::{Actor, Change, Ctx, FieldError, ServiceError, ServiceResult, records};
use crate::events::catalogue::TestDriveBooked;
use crate::inventory::vehicles::service as vehicles;
use crate::notifications::service::{Notification, notify};

/// The hours test drives are booked in, in the organisation's time zone (stores have no
/// opening hours of their own yet).
pub const OPENING: OpeningHours = OpeningHours {
    opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
    closes: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
};

/// The feature that marks a demo car (试驾车).
pub const DEMO_FEATURE: &str = "demo_car";

/// How a booking came in.
pub const VIA_STAFF: &str = "staff";
pub const VIA_CUSTOMER: &str = "customer";

/// A booking as its request's rules accepted it.
pub struct NewTestDrive {
    pub vehicle_id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    /// `None`: the caller (staff), or the chosen consultant (customer).
    pub consultant_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub licence_number: Option<String>,
    pub note: Option<String>,
}

/// A customer's feedback after the drive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub liked: Vec<String>,
    pub disliked: Vec<String>,
    pub ratings: BTreeMap<String, u8>,
    pub comment: Option<String>,
}

/// What may be rated, 1 to 5.
pub const RATING_KEYS: [&str; 8] = [
    "overall",
    "comfort",
    "handling",
    "acceleration",
    "braking",
    "quietness",
    "space",
    "technology",
];

/// A test drive as its caller is shown it (the licence number masked only).
pub struct Shown {
    pub drive: TestDrive,
    pub feedback: Option<Feedback>,
}

/// The organisation's test-drive settings (the defaults until set).
pub fn config(ctx: &mut Ctx) -> ServiceResult<TestDriveConfig> {
    Ok(crate::organization::settings::sections(ctx)?
        .test_drives
        .unwrap_or_default())
}

/// Replaces the settings after validating them. Audited `organization.test_drives_changed`.
pub fn put_config(ctx: &mut Ctx, new: TestDriveConfig) -> ServiceResult<TestDriveConfig> {
    new.validate()?;
    let detail = serde_json::to_value(&new).map_err(ServiceError::internal)?;
    let stored = new.clone();
    crate::organization::settings::change_sections(
        ctx,
        "organization.test_drives_changed",
        detail,
        |s| s.test_drives = Some(stored),
    )?;
    Ok(new)
}

/// Which test drives the caller sees.
enum Scope {
    All,
    Store(String),
    Consultant(String),
    Customer(String),
    Nothing,
}

fn scope(ctx: &Ctx) -> Scope {
    match ctx.actor() {
        Actor::System { .. } => Scope::All,
        Actor::Anonymous => Scope::Nothing,
        Actor::Principal(p) => match p.role {
            Role::Admin | Role::GeneralManager | Role::Finance | Role::Integration => Scope::All,
            Role::SalesManager => match &p.store_id {
                Some(s) => Scope::Store(s.clone()),
                None => Scope::All,
            },
            Role::SalesConsultant => Scope::Consultant(p.id.clone()),
            Role::Customer => Scope::Customer(p.id.clone()),
            _ => Scope::Nothing,
        },
    }
}

impl Scope {
    fn admits(&self, d: &TestDrive) -> bool {
        match self {
            Scope::All => true,
            Scope::Store(s) => d.store_id.as_deref() == Some(s),
            Scope::Consultant(u) => &d.consultant_id == u,
            Scope::Customer(c) => &d.customer_id == c,
            Scope::Nothing => false,
        }
    }

    fn narrow(&self, f: &mut TestDriveFilter) -> bool {
        match self {
            Scope::All => {}
            Scope::Store(s) => f.store_id = Some(s.clone()),
            Scope::Consultant(u) => {
                if f.consultant_id.as_ref().is_some_and(|c| c != u) {
                    return false;
                }
                f.consultant_id = Some(u.clone());
            }
            Scope::Customer(c) => {
                if f.customer_id.as_ref().is_some_and(|x| x != c) {
                    return false;
                }
                f.customer_id = Some(c.clone());
            }
            Scope::Nothing => return false,
        }
        true
    }
}

/// A test drive of the organisation that the caller sees; `NotFound` otherwise.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<TestDrive> {
    let scope = scope(ctx);
    records::find(ctx, id, |d: &TestDrive| scope.admits(d))
}

fn feedback_of(d: &TestDrive) -> Option<Feedback> {
    d.feedback
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
}

pub fn present(drive: TestDrive) -> Shown {
    Shown {
        feedback: feedback_of(&drive),
        drive,
    }
}

/// One test drive.
pub fn get(ctx: &mut Ctx, id: &str) -> ServiceResult<Shown> {
    find_visible(ctx, id).map(present)
}

/// The caller's test drives under the filter (narrowed to their scope).
pub fn list(ctx: &mut Ctx, mut filter: TestDriveFilter) -> ServiceResult<Vec<Shown>> {
    if !scope(ctx).narrow(&mut filter) {
        return Ok(Vec::new());
    }
    Ok(TestDrive::list(ctx.conn, ctx.org_id(), &filter)?
        .into_iter()
        .map(present)
        .collect())
}

/// A driving licence number (驾驶证号: in China the holder's ID number; foreign licences
/// differ): 6 to 30 letters and digits, upper-cased.
pub fn parse_licence(raw: &str) -> Result<String, ServiceError> {
    let value: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(6..=30).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ServiceError::invalid(
            "driving_licence_number",
            "invalid_format",
            "6 to 30 letters and digits",
        ));
    }
    Ok(value)
}

/// `**************1234`: the last four characters only.
pub fn mask_licence(value: &str) -> String {
    let n = value.chars().count();
    let shown = if n >= 8 { 4 } else { 2 };
    let tail: String = value.chars().skip(n - shown).collect();
    format!("{}{tail}", "*".repeat(n - shown))
}

fn appointment_error(e: AppointmentError) -> ServiceError {
    let (field, code) = match e {
        AppointmentError::EndNotAfterStart => ("ends_at", "end_not_after_start"),
        AppointmentError::OffGrid { .. } => ("starts_at", "off_grid"),
        AppointmentError::TooLong { .. } => ("ends_at", "too_long"),
        AppointmentError::OutsideOpeningHours { .. } => ("starts_at", "outside_opening_hours"),
    };
    ServiceError::invalid(field, code, e.to_string())
}

/// Whether the car can be test driven (see the module's documentation).
pub fn bookable(vehicle: &Vehicle) -> ServiceResult<bool> {
    let status = vehicles::status_of(vehicle)?;
    let demo = serde_json::from_str::<Vec<String>>(&vehicle.features)
        .unwrap_or_default()
        .iter()
        .any(|f| f == DEMO_FEATURE);
    Ok(match status {
        VehicleStatus::InStock | VehicleStatus::Reserved => true,
        VehicleStatus::TransferredOut => false,
        VehicleStatus::Sold | VehicleStatus::InTransit => demo,
    })
}

fn not_found(field: &str) -> impl Fn(ServiceError) -> ServiceError + '_ {
    move |e| match e {
        ServiceError::NotFound => ServiceError::invalid(field, "not_found", "no such record"),
        other => other,
    }
}

/// The grid slots of `[start, end)` (UTC), `slot` long.
fn slots_of(start: NaiveDateTime, end: NaiveDateTime, slot: TimeDelta) -> Vec<NaiveDateTime> {
    let mut at = start;
    let mut out = Vec::new();
    while at < end {
        out.push(at);
        at += slot;
    }
    out
}

/// Books a test drive: the car (bookable, not booked then), the customer (one the caller
/// sees), the consultant (an active user of the organisation, free then), on the slot grid
/// within the opening hours, in the future. Emits `test_drive.booked`; notifies the
/// consultant when someone else booked for them.
pub fn book(ctx: &mut Ctx, new: NewTestDrive, via: &'static str) -> ServiceResult<TestDrive> {
    let config = config(ctx)?;
    let zone = ctx.time_zone()?;
    check_appointment(
        zone.local(new.starts_at),
        zone.local(new.ends_at),
        Some(OPENING),
        &config,
    )
    .map_err(appointment_error)?;
    if new.starts_at <= ctx.now_utc() {
        return Err(ServiceError::invalid(
            "starts_at",
            "in_past",
            "a test drive is booked ahead",
        ));
    }
    let customer = crate::customers::service::find_visible(ctx, &new.customer_id)
        .map_err(not_found("customer_id"))?;
    let vehicle = vehicles::find(ctx, &new.vehicle_id).map_err(not_found("vehicle_id"))?;
    let consultant_id = match new.consultant_id {
        Some(c) => c,
        None => ctx.principal()?.id.clone(),
    };
    let consultant = User::find(ctx.conn, ctx.org_id(), &consultant_id)?
        .filter(|u| u.active)
        .ok_or_else(|| {
            ServiceError::invalid("consultant_id", "not_found", "no such active user")
        })?;
    if let Some(lead_id) = &new.lead_id {
        let lead = Lead::find(ctx.conn, ctx.org_id(), lead_id)?;
        if lead.is_none_or(|l| l.customer_id != customer.id) {
            return Err(ServiceError::invalid(
                "lead_id",
                "not_found",
                "no such lead of this customer",
            ));
        }
    }
    let licence = new
        .licence_number
        .as_deref()
        .map(parse_licence)
        .transpose()?;
    // The car first, then the consultant: every booking takes the locks in this order.
    lock_row(ctx.conn, Vehicle::TABLE, &vehicle.id)?;
    lock_row(ctx.conn, User::TABLE, &consultant.id)?;
    let vehicle = vehicles::find(ctx, &vehicle.id)?;
    if !bookable(&vehicle)? {
        return Err(ServiceError::InvalidTransition(
            "the car cannot be test driven (not on the lot, and not a demo car)".into(),
        ));
    }
    let (start, end) = (new.starts_at.naive_utc(), new.ends_at.naive_utc());
    let taken = TestDrive::overlapping(
        ctx.conn,
        ctx.org_id(),
        &vehicle.id,
        &consultant.id,
        start,
        end,
    )?;
    if let Some(other) = taken.first() {
        return Err(ServiceError::Conflict(if other.vehicle_id == vehicle.id {
            "the car is booked at that time".into()
        } else {
            "the consultant is booked at that time".into()
        }));
    }
    let now = ctx.now();
    let drive = TestDrive {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        vehicle_id: vehicle.id.clone(),
        customer_id: customer.id.clone(),
        lead_id: new.lead_id,
        consultant_id: consultant.id.clone(),
        store_id: vehicle.store_id.clone(),
        starts_at: start,
        ends_at: end,
        status: TestDriveStatus::Booked.as_str().to_owned(),
        licence_ciphertext: licence
            .as_deref()
            .map(|l| ctx.pii().encrypt(l))
            .transpose()?,
        licence_masked: licence.as_deref().map(mask_licence),
        note: new.note,
        feedback: None,
        booked_by: ctx.actor_id(),
        booked_via: via.to_owned(),
        closed_at: None,
        closed_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    drive.insert(ctx.conn)?;
    let slot = TimeDelta::minutes(i64::from(config.slot_minutes));
    let mut rows = Vec::new();
    for at in slots_of(start, end, slot) {
        for (resource, id) in [("car", &vehicle.id), ("consultant", &consultant.id)] {
            rows.push(TestDriveSlot {
                resource: resource.to_owned(),
                resource_id: id.clone(),
                slot_start: at,
                org_id: ctx.org_id().to_owned(),
                test_drive_id: drive.id.clone(),
            });
        }
    }
    TestDriveSlot::insert_all(ctx.conn, &rows).map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::Conflict("the car or the consultant is booked at that time".into())
        } else {
            e.into()
        }
    })?;
    if drive.lead_id.is_some() {
        crate::leads::service::mark_worked(ctx, &customer.id)?;
    }
    ctx.record(
        Change::new("test_drive.booked", "test_drive", &drive.id)
            .detail(serde_json::json!({"vehicle_id": drive.vehicle_id,
                "customer_id": drive.customer_id, "consultant_id": drive.consultant_id,
                "starts_at": new.starts_at, "ends_at": new.ends_at, "via": via}))
            .event(TestDriveBooked {
                test_drive_id: drive.id.clone(),
                vehicle_id: vehicle.id.clone(),
                vin: vehicle.vin.clone(),
                customer_id: drive.customer_id.clone(),
                lead_id: drive.lead_id.clone(),
                consultant_id: drive.consultant_id.clone(),
                store_id: drive.store_id.clone(),
                starts_at: new.starts_at,
                ends_at: new.ends_at,
                booked_via: via.to_owned(),
            }),
    )?;
    if ctx.actor_id() != consultant.id {
        let local = zone.local(new.starts_at);
        notify(
            ctx,
            &consultant.id,
            Notification {
                kind: NotificationKind::TestDriveBooked,
                title: format!("新试驾预约：{} {}", vehicle.brand, vehicle.model),
                body: format!(
                    "{} {}–{} 试驾 {} {}（VIN {}）。",
                    local.format("%m月%d日"),
                    local.format("%H:%M"),
                    zone.local(new.ends_at).format("%H:%M"),
                    vehicle.brand,
                    vehicle.model,
                    vehicle.vin
                ),
                link: Some(format!("/api/v1/test-drives/{}", drive.id)),
            },
        )?;
    }
    Ok(drive)
}

/// A customer books for itself: the consultant is its owner when free, else the first
/// free active consultant of the car's store (409 `conflict` when nobody is free).
pub fn book_for_customer(
    ctx: &mut Ctx,
    customer_id: &str,
    mut new: NewTestDrive,
) -> ServiceResult<TestDrive> {
    new.customer_id = customer_id.to_owned();
    new.lead_id = None;
    let customer = crate::customers::service::find_visible(ctx, customer_id)?;
    let vehicle = vehicles::find(ctx, &new.vehicle_id).map_err(not_found("vehicle_id"))?;
    let mut candidates: Vec<String> = customer.owner_id.into_iter().collect();
    if let Some(store) = &vehicle.store_id {
        let users = User::list(
            ctx.conn,
            ctx.org_id(),
            &UserFilter {
                role: Some(Role::SalesConsultant.as_str().to_owned()),
                store_id: Some(store.clone()),
                active: Some(true),
                after_id: None,
                limit: 200,
            },
        )?;
        candidates.extend(users.into_iter().map(|u| u.id));
    }
    let (start, end) = (new.starts_at.naive_utc(), new.ends_at.naive_utc());
    for candidate in candidates {
        let active = User::find(ctx.conn, ctx.org_id(), &candidate)?.is_some_and(|u| u.active);
        if !active {
            continue;
        }
        let busy = TestDrive::list(
            ctx.conn,
            ctx.org_id(),
            &TestDriveFilter {
                consultant_id: Some(candidate.clone()),
                from: Some(start),
                to: Some(end),
                holding_only: true,
                limit: 1,
                ..Default::default()
            },
        )?;
        if busy.is_empty() {
            new.consultant_id = Some(candidate);
            return book(ctx, new, VIA_CUSTOMER);
        }
    }
    Err(ServiceError::Conflict(
        "no consultant is free at that time".into(),
    ))
}

/// Whether the caller may move this test drive: its consultant, a sales manager of its
/// store, general managers and admins.
fn may_change(ctx: &Ctx, d: &TestDrive) -> bool {
    match ctx.actor() {
        Actor::System { .. } => true,
        Actor::Anonymous => false,
        Actor::Principal(p) => match p.role {
            Role::Admin | Role::GeneralManager => true,
            Role::SalesManager => {
                p.store_id.is_none() || p.store_id == d.store_id || p.id == d.consultant_id
            }
            _ => p.id == d.consultant_id,
        },
    }
}

/// Moves a test drive to `to` (the domain's status machine): cancel before its end,
/// complete or no-show once it has started. Frees its slots when it stops holding them.
pub fn transition(ctx: &mut Ctx, id: &str, to: TestDriveStatus) -> ServiceResult<TestDrive> {
    let scope = scope(ctx);
    let current = records::find(ctx, id, |d: &TestDrive| scope.admits(d))?;
    if !may_change(ctx, &current) {
        return Err(ServiceError::Forbidden);
    }
    let now = ctx.now();
    let actor = ctx.actor_id();
    let drive = records::update(
        ctx,
        id,
        None,
        |_: &TestDrive| true,
        |ctx, d| {
            let from: TestDriveStatus = d
                .status
                .parse()
                .map_err(|_| ServiceError::internal("unknown test drive status"))?;
            let next = from
                .transition(to)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            match next {
                TestDriveStatus::Completed | TestDriveStatus::NoShow if d.starts_at > now => {
                    return Err(ServiceError::InvalidTransition(
                        "the test drive has not started yet".into(),
                    ));
                }
                TestDriveStatus::Cancelled if d.ends_at <= now => {
                    return Err(ServiceError::InvalidTransition(
                        "the test drive is over".into(),
                    ));
                }
                _ => {}
            }
            d.status = next.as_str().to_owned();
            if !next.holds_slot() {
                d.closed_at = Some(now);
                d.closed_by = Some(actor.clone());
                TestDriveSlot::release(ctx.conn, &d.id)?;
            }
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("test_drive.status_changed", "test_drive", &drive.id)
            .detail(serde_json::json!({"status": drive.status})),
    )?;
    Ok(drive)
}

/// Records the customer's feedback on a completed test drive (replacing an earlier one).
pub fn put_feedback(ctx: &mut Ctx, id: &str, feedback: Feedback) -> ServiceResult<TestDrive> {
    let mut errors = Vec::new();
    for (key, value) in &feedback.ratings {
        if !RATING_KEYS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                format!("ratings.{key}"),
                "unknown_rating",
                format!("rated are: {}", RATING_KEYS.join(", ")),
            ));
        } else if !(1..=5).contains(value) {
            errors.push(FieldError::new(
                format!("ratings.{key}"),
                "out_of_range",
                "from 1 to 5",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let scope = scope(ctx);
    let current = records::find(ctx, id, |d: &TestDrive| scope.admits(d))?;
    if !may_change(ctx, &current) {
        return Err(ServiceError::Forbidden);
    }
    let text = serde_json::to_string(&feedback).map_err(ServiceError::internal)?;
    let drive = records::update(
        ctx,
        id,
        None,
        |_: &TestDrive| true,
        |_, d| {
            if d.status != TestDriveStatus::Completed.as_str() {
                return Err(ServiceError::InvalidTransition(
                    "feedback is given on a completed test drive".into(),
                ));
            }
            d.feedback = Some(text);
            Ok(())
        },
    )?;
    ctx.record(Change::new(
        "test_drive.feedback_given",
        "test_drive",
        &drive.id,
    ))?;
    Ok(drive)
}

/// The free slots of a car on a day (organisation's time zone): grid slots within the
/// opening hours that no booking holding its slot overlaps, and not yet begun.
pub fn free_slots(
    ctx: &mut Ctx,
    vehicle_id: &str,
    day: NaiveDate,
) -> ServiceResult<Vec<Interval<DateTime<Utc>>>> {
    let vehicle = vehicles::find(ctx, vehicle_id)?;
    let config = config(ctx)?;
    let zone = ctx.time_zone()?;
    let bookings = TestDrive::list(
        ctx.conn,
        ctx.org_id(),
        &TestDriveFilter {
            vehicle_id: Some(vehicle.id.clone()),
            from: Some((day - TimeDelta::days(1)).and_time(NaiveTime::MIN)),
            to: Some((day + TimeDelta::days(2)).and_time(NaiveTime::MIN)),
            holding_only: true,
            limit: 1000,
            ..Default::default()
        },
    )?;
    let taken: Vec<Interval<NaiveDateTime>> = bookings
        .iter()
        .filter_map(|b| {
            Interval::new(
                zone.local(b.starts_at.and_utc()),
                zone.local(b.ends_at.and_utc()),
            )
            .ok()
        })
        .collect();
    let now = ctx.now_utc();
    Ok(
        autocrm_domain::sales::test_drives::free_slots(day, OPENING, &taken, &config)
            .into_iter()
            .filter_map(|s| {
                let start = zone.utc_of(s.start())?;
                let end = zone.utc_of(s.end())?;
                Interval::new(start, end).ok()
            })
            .filter(|s| s.start() > now)
            .collect(),
    )
}
