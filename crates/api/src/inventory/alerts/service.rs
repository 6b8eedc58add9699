//! Alert rule use cases and the evaluation the periodic job runs per organisation.

use std::collections::{HashMap, HashSet};

use autocrm_domain::access::Role;
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::vehicle::alerts::{self, AlertKind, AlertStatus};
use autocrm_domain::vehicle::{BodyType, catalog};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    AlertFilter, AlertRule, InventoryAlert, Store, TenantRecord, User, UserFilter,
};
use chrono::TimeDelta;

use crate::app::{Change, Ctx, Invalid, ServiceError, ServiceResult, records};
use crate::events::catalogue::InventoryAlertOpened;
use crate::notifications::{Notification, notify};

/// Subject of a low-stock rule's alert (one per rule).
pub const STOCK_SUBJECT: &str = "stock";
/// Most users one alert notifies per role.
const MAX_RECIPIENTS: i64 = 1000;

/// A rule as the request's rules accepted it.
pub struct NewRule {
    pub name: String,
    pub kind: AlertKind,
    pub threshold: i64,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub body_type: Option<BodyType>,
    pub store_id: Option<String>,
    pub notify_roles: Vec<Role>,
    pub active: bool,
}

/// A merge patch: `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct RuleChanges {
    pub name: Option<String>,
    pub threshold: Option<i64>,
    pub brand: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub body_type: Option<Option<BodyType>>,
    pub store_id: Option<Option<String>>,
    pub notify_roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

fn roles_json(roles: &[Role]) -> ServiceResult<String> {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    serde_json::to_string(&names).map_err(ServiceError::internal)
}

/// The roles a rule notifies.
pub fn roles_of(rule: &AlertRule) -> Vec<String> {
    serde_json::from_str(&rule.notify_roles).unwrap_or_default()
}

/// Sets the catalogue keys from the names, and checks what needs the database: a model needs
/// its brand, a store is one of the organisation's.
fn settle(ctx: &mut Ctx, rule: &mut AlertRule) -> ServiceResult<()> {
    let mut invalid = Invalid::new();
    rule.brand_key = rule.brand.as_deref().map(catalog::brand_key);
    rule.model_key = match (&rule.brand_key, &rule.model) {
        (Some(brand), Some(model)) => Some(catalog::model_key(brand, model)),
        (None, Some(_)) => {
            invalid.add("model", "requires_brand", "a model needs its brand");
            None
        }
        _ => None,
    };
    if let Some(store) = &rule.store_id
        && Store::find(ctx.conn, ctx.org_id(), store)?.is_none()
    {
        invalid.add(
            "store_id",
            "not_found",
            "no store of the organisation has this id",
        );
    }
    invalid.finish()
}

fn detail(rule: &AlertRule) -> serde_json::Value {
    serde_json::json!({"name": rule.name, "kind": rule.kind, "threshold": rule.threshold})
}

/// Adds a rule. Audited (`inventory_alert_rule.created`).
pub fn create(ctx: &mut Ctx, new: NewRule) -> ServiceResult<AlertRule> {
    let now = ctx.now();
    let mut rule = AlertRule {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        name: new.name,
        kind: new.kind.as_str().to_owned(),
        threshold: new.threshold,
        brand: new.brand,
        brand_key: None,
        model: new.model,
        model_key: None,
        body_type: new.body_type.map(|b| b.as_str().to_owned()),
        store_id: new.store_id,
        notify_roles: roles_json(&new.notify_roles)?,
        active: new.active,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    settle(ctx, &mut rule)?;
    rule.insert(ctx.conn)?;
    ctx.record(
        Change::new(
            "inventory_alert_rule.created",
            "inventory_alert_rule",
            &rule.id,
        )
        .detail(detail(&rule)),
    )?;
    Ok(rule)
}

/// The organisation's rules, oldest first. Changes nothing.
pub fn list(ctx: &mut Ctx) -> ServiceResult<Vec<AlertRule>> {
    Ok(AlertRule::list(ctx.conn, ctx.org_id())?)
}

/// Changes a rule (merge patch), under its version. Its open alerts stay until the next
/// evaluation decides. Audited (`inventory_alert_rule.updated`).
pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: RuleChanges,
) -> ServiceResult<AlertRule> {
    let rule = records::update(
        ctx,
        id,
        expected,
        |_: &AlertRule| true,
        |ctx, r| {
            if let Some(name) = changes.name {
                r.name = name;
            }
            if let Some(threshold) = changes.threshold {
                r.threshold = threshold;
            }
            if let Some(brand) = changes.brand {
                r.brand = brand;
            }
            if let Some(model) = changes.model {
                r.model = model;
            }
            if let Some(body) = changes.body_type {
                r.body_type = body.map(|b| b.as_str().to_owned());
            }
            if let Some(store) = changes.store_id {
                r.store_id = store;
            }
            if let Some(roles) = changes.notify_roles {
                r.notify_roles = roles_json(&roles)?;
            }
            if let Some(active) = changes.active {
                r.active = active;
            }
            settle(ctx, r)
        },
    )?;
    ctx.record(
        Change::new(
            "inventory_alert_rule.updated",
            "inventory_alert_rule",
            &rule.id,
        )
        .detail(detail(&rule)),
    )?;
    Ok(rule)
}

/// Deletes a rule and resolves its open alerts. Audited (`inventory_alert_rule.deleted`).
pub fn delete(ctx: &mut Ctx, id: &str) -> ServiceResult<()> {
    let rule = records::find(ctx, id, |_: &AlertRule| true)?;
    let now = ctx.now();
    for alert in InventoryAlert::open_for_rule(ctx.conn, ctx.org_id(), &rule.id)? {
        InventoryAlert::resolve(ctx.conn, ctx.org_id(), &alert.id, now)?;
    }
    AlertRule::delete(ctx.conn, ctx.org_id(), &rule.id)?;
    ctx.record(
        Change::new(
            "inventory_alert_rule.deleted",
            "inventory_alert_rule",
            &rule.id,
        )
        .detail(detail(&rule)),
    )
}

/// Alerts, newest first. Changes nothing.
pub fn list_alerts(ctx: &mut Ctx, filter: AlertFilter) -> ServiceResult<Vec<InventoryAlert>> {
    Ok(InventoryAlert::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// What one evaluation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Evaluated {
    pub opened: usize,
    pub resolved: usize,
}

/// A firing condition: the subject and what to say.
struct Firing {
    subject: String,
    vehicle_id: Option<String>,
    store_id: Option<String>,
    observed: i64,
    message: String,
}

/// Evaluates every active rule of the caller's organisation at the clock's today: opens an
/// alert per rule and subject that fires and has none open (the unique index makes a second
/// node's attempt a no-op), emitting `inventory.alert` and notifying the rule's roles; and
/// resolves open alerts whose condition cleared. Run by the periodic job as the system.
pub fn evaluate(ctx: &mut Ctx) -> ServiceResult<Evaluated> {
    let today = ctx.today()?;
    let now = ctx.now();
    let mut done = Evaluated::default();
    for rule in AlertRule::list(ctx.conn, ctx.org_id())? {
        let Ok(kind) = rule.kind.parse::<AlertKind>() else {
            continue;
        };
        let firing: Vec<Firing> = if !rule.active {
            Vec::new()
        } else {
            match kind {
                AlertKind::LowStock => {
                    let count = rule.count_in_stock(ctx.conn)?;
                    if alerts::low_stock_fires(count, rule.threshold) {
                        let scope = alerts::scope_label(&[
                            rule.brand.as_deref(),
                            rule.model.as_deref(),
                            rule.body_type.as_deref(),
                        ]);
                        vec![Firing {
                            subject: STOCK_SUBJECT.to_owned(),
                            vehicle_id: None,
                            store_id: rule.store_id.clone(),
                            observed: count,
                            message: alerts::low_stock_message(&scope, count, rule.threshold),
                        }]
                    } else {
                        Vec::new()
                    }
                }
                AlertKind::Aging => {
                    let cutoff = today - TimeDelta::days(rule.threshold + 1);
                    rule.stock_since(ctx.conn, &cutoff.to_string())?
                        .into_iter()
                        .filter_map(|(id, store, brand, model, stock, since)| {
                            let days = alerts::days_in_stock(today, since.parse().ok()?);
                            alerts::aging_fires(days, rule.threshold).then(|| {
                                let car = [Some(brand), Some(model), stock]
                                    .into_iter()
                                    .flatten()
                                    .collect::<Vec<_>>()
                                    .join(" ");
                                Firing {
                                    subject: id.clone(),
                                    vehicle_id: Some(id),
                                    store_id: store,
                                    observed: days,
                                    message: alerts::aging_message(&car, days, rule.threshold),
                                }
                            })
                        })
                        .collect()
                }
            }
        };
        let open = InventoryAlert::open_for_rule(ctx.conn, ctx.org_id(), &rule.id)?;
        let firing_subjects: HashSet<&str> = firing.iter().map(|f| f.subject.as_str()).collect();
        for alert in &open {
            if !firing_subjects.contains(alert.subject.as_str())
                && InventoryAlert::resolve(ctx.conn, ctx.org_id(), &alert.id, now)?
            {
                done.resolved += 1;
                ctx.record(
                    Change::new("inventory_alert.resolved", "inventory_alert", &alert.id)
                        .detail(serde_json::json!({"rule_id": rule.id, "subject": alert.subject})),
                )?;
            }
        }
        let already: HashSet<&str> = open.iter().map(|a| a.subject.as_str()).collect();
        let mut recipients: HashMap<Option<String>, Vec<String>> = HashMap::new();
        for f in firing
            .iter()
            .filter(|f| !already.contains(f.subject.as_str()))
        {
            let alert = InventoryAlert {
                id: new_id(),
                org_id: ctx.org_id().to_owned(),
                rule_id: rule.id.clone(),
                kind: rule.kind.clone(),
                subject: f.subject.clone(),
                open_subject: Some(f.subject.clone()),
                vehicle_id: f.vehicle_id.clone(),
                store_id: f.store_id.clone(),
                threshold: rule.threshold,
                observed: f.observed,
                message: f.message.clone(),
                status: AlertStatus::Open.as_str().to_owned(),
                opened_at: now,
                resolved_at: None,
            };
            if !alert.open(ctx.conn)? {
                continue;
            }
            done.opened += 1;
            ctx.record(
                Change::new("inventory.alert", "inventory_alert", &alert.id)
                    .detail(serde_json::json!({"rule_id": rule.id, "subject": alert.subject}))
                    .event(InventoryAlertOpened {
                        alert_id: alert.id.clone(),
                        rule_id: rule.id.clone(),
                        rule_name: rule.name.clone(),
                        kind: alert.kind.clone(),
                        vehicle_id: alert.vehicle_id.clone(),
                        store_id: alert.store_id.clone(),
                        threshold: alert.threshold,
                        observed: alert.observed,
                        message: alert.message.clone(),
                    }),
            )?;
            let users = match recipients.get(&alert.store_id) {
                Some(users) => users.clone(),
                None => {
                    let users = recipients_of(ctx, &rule, alert.store_id.as_deref())?;
                    recipients.insert(alert.store_id.clone(), users.clone());
                    users
                }
            };
            for user in users {
                notify(
                    ctx,
                    &user,
                    Notification {
                        kind: NotificationKind::InventoryAlert,
                        title: format!("{}：{}", rule.name, alert.message),
                        body: alert.message.clone(),
                        link: Some(format!("/api/v1/inventory-alerts/{}", alert.id)),
                    },
                )?;
            }
        }
    }
    Ok(done)
}

/// The active users holding a role the rule names; a store-scoped role's users only of the
/// alert's store (all of them when the alert has no store).
fn recipients_of(
    ctx: &mut Ctx,
    rule: &AlertRule,
    store: Option<&str>,
) -> ServiceResult<Vec<String>> {
    let mut users = Vec::new();
    for role in roles_of(rule) {
        let Ok(parsed) = role.parse::<Role>() else {
            continue;
        };
        let filter = UserFilter {
            role: Some(role.clone()),
            store_id: store.filter(|_| parsed.needs_store()).map(str::to_owned),
            active: Some(true),
            after_id: None,
            limit: MAX_RECIPIENTS,
        };
        users.extend(
            User::list(ctx.conn, ctx.org_id(), &filter)?
                .into_iter()
                .map(|u| u.id),
        );
    }
    users.sort();
    users.dedup();
    Ok(users)
}

/// One alert of the caller's organisation. Changes nothing.
pub fn get_alert(ctx: &mut Ctx, id: &str) -> ServiceResult<InventoryAlert> {
    records::find(ctx, id, |_: &InventoryAlert| true)
}
