//! Consent use cases.

use autocrm_domain::customer::{ConsentCheck, ConsentRecord};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{ConsentRow, TenantRecord};

use crate::app::{Change, Ctx, Invalid, ServiceResult};
use crate::customers::service::find_visible;
use crate::events::catalogue as events;

/// The domain's view of a stored record (a row that no longer parses is left out).
pub fn domain_record(row: &ConsentRow) -> Option<ConsentRecord> {
    Some(ConsentRecord {
        purpose: row.purpose.parse().ok()?,
        action: row.action.parse().ok()?,
        channel: row.channel.parse().ok()?,
        method: row.method.parse().ok()?,
        at: row.given_at.and_utc(),
        text_version: row.text_version.clone(),
    })
}

/// Adds a record for a customer already found in the caller's scope, sets the customer's
/// derived `marketing_consent` flag from all its records, audits it and emits
/// `consent.changed`.
fn add(ctx: &mut Ctx, customer_id: &str, record: ConsentRecord) -> ServiceResult<ConsentRow> {
    let mut invalid = Invalid::new();
    if let Err(e) = record.check() {
        invalid.add("text_version", "invalid_format", e.to_string());
    }
    if record.at > ctx.now_utc() {
        invalid.add("at", "in_future", "a choice cannot be made later than now");
    }
    invalid.finish()?;
    let row = ConsentRow {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        customer_id: customer_id.to_owned(),
        purpose: record.purpose.as_str().to_owned(),
        action: record.action.as_str().to_owned(),
        channel: record.channel.as_str().to_owned(),
        method: record.method.as_str().to_owned(),
        given_at: record.at.naive_utc(),
        text_version: record.text_version.clone(),
        recorded_by: ctx.actor_id(),
        created_at: ctx.now(),
    };
    row.insert(ctx.conn)?;
    let records: Vec<ConsentRecord> =
        ConsentRow::all_for_customer(ctx.conn, ctx.org_id(), customer_id)?
            .iter()
            .filter_map(domain_record)
            .collect();
    let marketing = ConsentCheck::marketing(&records).allowed;
    ConsentRow::set_marketing_flag(ctx.conn, ctx.org_id(), customer_id, marketing, ctx.now())?;
    ctx.record(
        Change::new("consent.changed", "consent", &row.id)
            .detail(serde_json::json!({
                "customer_id": customer_id, "purpose": row.purpose, "action": row.action,
                "channel": row.channel, "method": row.method,
            }))
            .event(events::ConsentChanged {
                consent_id: row.id.clone(),
                customer_id: customer_id.to_owned(),
                purpose: row.purpose.clone(),
                action: row.action.clone(),
                channel: row.channel.clone(),
                method: row.method.clone(),
                at: record.at,
                text_version: row.text_version.clone(),
                marketing_consent: marketing,
            }),
    )?;
    Ok(row)
}

/// Records a customer's grant or withdrawal (the customer in the caller's scope).
pub fn record(
    ctx: &mut Ctx,
    customer_id: &str,
    record: ConsentRecord,
) -> ServiceResult<ConsentRow> {
    let customer = find_visible(ctx, customer_id)?;
    add(ctx, &customer.id, record)
}

/// What setting the customer's `marketing_consent` flag on create or patch records: a
/// marketing grant or withdrawal entered by staff (`staff_entry`), now. For the customer
/// service, inside its own unit of work, on a customer it has just written.
pub fn record_marketing_flag(ctx: &mut Ctx, customer_id: &str, granted: bool) -> ServiceResult<()> {
    let record = ConsentRecord::from_marketing_flag(granted, ctx.now_utc());
    add(ctx, customer_id, record).map(drop)
}

/// A customer's records (oldest first) and where each purpose stands.
pub fn list(
    ctx: &mut Ctx,
    customer_id: &str,
) -> ServiceResult<(Vec<ConsentRow>, Vec<ConsentCheck>)> {
    let customer = find_visible(ctx, customer_id)?;
    consents_of(ctx, &customer.id)
}

/// [`list`] without the scope check: for callers that already found the customer.
pub fn consents_of(
    ctx: &mut Ctx,
    customer_id: &str,
) -> ServiceResult<(Vec<ConsentRow>, Vec<ConsentCheck>)> {
    let rows = ConsentRow::all_for_customer(ctx.conn, ctx.org_id(), customer_id)?;
    let records: Vec<ConsentRecord> = rows.iter().filter_map(domain_record).collect();
    Ok((rows, ConsentCheck::all(&records)))
}
