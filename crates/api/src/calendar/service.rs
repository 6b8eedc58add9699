//! Calendar feeds: the token is shown once; only its SHA-256 is stored.

use autocrm_domain::customer::masking;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    CalendarFeed, Customer, TenantRecord, TestDrive, TestDriveFilter, User, Vehicle,
};
use chrono::TimeDelta;

use super::ical::{self, Event};
use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::auth::secret;

/// The prefix of a feed token.
pub const PREFIX: &str = "cal_";

/// Creates the caller's feed, or replaces its token (the old URL stops working). Answers
/// the new token. Audited `calendar_feed.rotated`.
pub fn rotate(ctx: &mut Ctx) -> ServiceResult<String> {
    let user_id = ctx.principal()?.id.clone();
    let token = secret::generate(PREFIX);
    let now = ctx.now();
    CalendarFeed::put(
        ctx.conn,
        &CalendarFeed {
            id: new_id(),
            org_id: ctx.org_id().to_owned(),
            user_id: user_id.clone(),
            token_hash: secret::digest(&token),
            created_at: now,
            updated_at: now,
        },
    )?;
    ctx.record(Change::new("calendar_feed.rotated", "user", &user_id))?;
    Ok(token)
}

/// Revokes the caller's feed (`NotFound` when there is none). Audited
/// `calendar_feed.revoked`.
pub fn revoke(ctx: &mut Ctx) -> ServiceResult<()> {
    let user_id = ctx.principal()?.id.clone();
    if CalendarFeed::revoke(ctx.conn, ctx.org_id(), &user_id)? == 0 {
        return Err(ServiceError::NotFound);
    }
    ctx.record(Change::new("calendar_feed.revoked", "user", &user_id))
}

/// The feed a token opens, if any (any organisation): its organisation and user.
pub fn open(conn: &mut autocrm_persistence::DbConn, token: &str) -> ServiceResult<CalendarFeed> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Err(ServiceError::NotFound);
    }
    CalendarFeed::by_hash(conn, &secret::digest(token))?.ok_or(ServiceError::NotFound)
}

/// The user's test drives from 30 days ago to 90 days ahead as an iCalendar document, run
/// as the system in the feed's organisation. No clear phone or licence number: the
/// customer's name is masked. A deactivated user's feed is `NotFound`.
pub fn render(ctx: &mut Ctx, user_id: &str) -> ServiceResult<String> {
    let user = User::find(ctx.conn, ctx.org_id(), user_id)?
        .filter(|u| u.active)
        .ok_or(ServiceError::NotFound)?;
    let now = ctx.now();
    let drives = TestDrive::list(
        ctx.conn,
        ctx.org_id(),
        &TestDriveFilter {
            consultant_id: Some(user.id.clone()),
            from: Some(now - TimeDelta::days(30)),
            to: Some(now + TimeDelta::days(90)),
            limit: 2000,
            ..Default::default()
        },
    )?;
    let mut events = Vec::with_capacity(drives.len());
    for d in drives {
        let car = Vehicle::find(ctx.conn, ctx.org_id(), &d.vehicle_id)?;
        let customer = Customer::find(ctx.conn, ctx.org_id(), &d.customer_id)?;
        let (car_name, vin) = car
            .map(|v| (format!("{} {}", v.brand, v.model), v.vin))
            .unwrap_or_default();
        let who = customer.map(|c| masking::name(&c.name)).unwrap_or_default();
        let status = match d.status.as_str() {
            "cancelled" | "no_show" => "CANCELLED",
            _ => "CONFIRMED",
        };
        events.push(Event {
            uid: format!("test-drive-{}@autocrm", d.id),
            stamp: d.updated_at.and_utc(),
            start: d.starts_at.and_utc(),
            end: d.ends_at.and_utc(),
            summary: format!("试驾：{car_name}（{who}）"),
            description: format!(
                "客户：{who}\n车辆：{car_name}，VIN {vin}\n状态：{}\n/api/v1/test-drives/{}",
                d.status, d.id
            ),
            location: None,
            status,
            sequence: d.version - 1,
        });
    }
    Ok(ical::calendar(
        &format!("{} 的试驾日程", user.name),
        &events,
    ))
}
