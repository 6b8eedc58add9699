//! The demo organisation's audit trail: what its people would have left behind setting it
//! up and working its customers (stores and accounts made by the admin, each customer
//! created by its consultant, some phone numbers revealed, some profiles updated), with the
//! same actions and details the real use cases write.

use autocrm_domain::access::CustomerScope;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::write_tx;
use autocrm_persistence::models::{
    AuditEntry, Customer, CustomerFilter, CustomerSort, Store, StoreFilter, User, UserFilter,
};
use chrono::{NaiveDateTime, TimeDelta};

use crate::app::{ServiceError, ServiceResult};

/// A UUIDv7 of `at`, so that the log's id order is its time order, as in real use.
fn id_at(at: NaiveDateTime) -> String {
    let t = at.and_utc();
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(t.timestamp()).unwrap_or_default(),
        t.timestamp_subsec_nanos(),
    );
    uuid::Uuid::new_v7(ts).to_string()
}

struct Line {
    at: NaiveDateTime,
    actor: (String, String),
    action: &'static str,
    entity: (&'static str, String),
    detail: serde_json::Value,
}

/// Writes the trail of the organisation's existing records; returns how many entries.
pub fn seed_trail(conn: &mut DbConn, org_id: &str) -> ServiceResult<usize> {
    let users = User::list(
        conn,
        org_id,
        &UserFilter {
            role: None,
            store_id: None,
            active: None,
            after_id: None,
            limit: 1000,
        },
    )?;
    let admin = users
        .iter()
        .find(|u| u.role == "admin")
        .ok_or_else(|| ServiceError::internal("the demo has no admin"))?;
    let stores = Store::list(
        conn,
        org_id,
        &StoreFilter {
            limit: 100,
            ..StoreFilter::default()
        },
    )?;
    let customers = Customer::list(
        conn,
        org_id,
        &CustomerFilter::new(CustomerScope::All, CustomerSort::CreatedAsc, 100_000),
    )?
    .unwrap_or_default();
    let Some(first) = customers.first().map(|c| c.created_at) else {
        return Ok(0);
    };
    let as_actor = |u: &User| (u.id.clone(), u.role.clone());
    let setup = first - TimeDelta::days(2);
    let mut lines = Vec::new();
    for (i, store) in stores.iter().enumerate() {
        lines.push(Line {
            at: setup + TimeDelta::minutes(i as i64 * 5),
            actor: as_actor(admin),
            action: "store.created",
            entity: ("store", store.id.clone()),
            detail: serde_json::json!({"name": store.name}),
        });
    }
    for (i, user) in users.iter().filter(|u| u.id != admin.id).enumerate() {
        lines.push(Line {
            at: setup + TimeDelta::hours(1) + TimeDelta::minutes(i as i64 * 3),
            actor: as_actor(admin),
            action: "user.created",
            entity: ("user", user.id.clone()),
            detail: serde_json::json!({"role": user.role}),
        });
    }
    for (i, customer) in customers.iter().enumerate() {
        let owner = customer
            .owner_id
            .as_ref()
            .and_then(|o| users.iter().find(|u| u.id == *o))
            .unwrap_or(admin);
        let actor = as_actor(owner);
        lines.push(Line {
            at: customer.created_at,
            actor: actor.clone(),
            action: "customer.created",
            entity: ("customer", customer.id.clone()),
            detail: serde_json::json!({}),
        });
        if i % 7 == 3 {
            lines.push(Line {
                at: customer.created_at + TimeDelta::minutes(25),
                actor: actor.clone(),
                action: "customer.pii_revealed",
                entity: ("customer", customer.id.clone()),
                detail: serde_json::json!({"fields": ["phone"]}),
            });
        }
        if i % 11 == 5 {
            lines.push(Line {
                at: customer.created_at + TimeDelta::minutes(90),
                actor,
                action: "customer.updated",
                entity: ("customer", customer.id.clone()),
                detail: serde_json::json!({}),
            });
        }
    }
    let latest = customers.last().map_or(setup, |c| c.created_at);
    lines.retain(|l| l.at <= latest + TimeDelta::hours(2));
    lines.sort_by_key(|l| l.at);
    let count = lines.len();
    write_tx(conn, |conn| {
        for line in lines {
            AuditEntry {
                id: id_at(line.at),
                org_id: org_id.to_owned(),
                actor_id: Some(line.actor.0),
                actor_role: line.actor.1,
                action: line.action.to_owned(),
                entity_type: line.entity.0.to_owned(),
                entity_id: Some(line.entity.1),
                detail: line.detail.to_string(),
                request_id: Some(id_at(line.at)),
                created_at: line.at,
                idempotency_key: None,
            }
            .insert(conn)?;
        }
        Ok::<_, ServiceError>(())
    })?;
    Ok(count)
}
