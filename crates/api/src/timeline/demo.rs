//! Demo data around the demo customers: activities, behaviour events, consents, vehicles
//! with mileage, manual tags and the dynamic tags the standard rules give them, so that a
//! manager who signs in sees full timelines.

use std::collections::BTreeMap;

use autocrm_domain::customer::{
    ActivityKind, BehaviorEvent, BehaviorSummary, CustomerHistory, ModelRef, Needs, TagInputs,
    TagRuleSet,
};
use autocrm_domain::vehicle::Vin;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Activity, BehaviorEventRow, ConsentRow, Customer, CustomerTag, DynamicTagRow, MileageReading,
    OwnedVehicle, Tag, TenantRecord, User,
};
use chrono::{NaiveDateTime, TimeDelta};

use crate::app::{ServiceError, ServiceResult};

const MODELS: [(&str, &str); 5] = [
    ("比亚迪", "汉EV"),
    ("比亚迪", "唐DM-i"),
    ("理想", "L6"),
    ("特斯拉", "Model Y"),
    ("吉利", "星越L"),
];

/// Seeds what surrounds the first customers of the demo organisation.
pub fn seed(
    conn: &mut DbConn,
    customers: &[Customer],
    users: &[User],
    at: NaiveDateTime,
) -> ServiceResult<()> {
    let Some(first) = customers.first() else {
        return Ok(());
    };
    let org_id = first.org_id.clone();
    let admin = users
        .iter()
        .find(|u| u.role == "admin")
        .map(|u| u.id.clone())
        .unwrap_or_default();
    let tags: Vec<Tag> = [
        ("VIP客户", "#e4393c"),
        ("老客户推荐", "#1677ff"),
        ("企业采购", "#52c41a"),
    ]
    .into_iter()
    .map(|(name, colour)| Tag {
        id: new_id(),
        org_id: org_id.clone(),
        name: name.into(),
        colour: colour.into(),
        version: 1,
        created_at: at,
        updated_at: at,
    })
    .collect();
    for tag in &tags {
        tag.insert(conn)?;
    }
    for (i, customer) in customers.iter().enumerate() {
        let staff = customer.owner_id.clone().unwrap_or_else(|| admin.clone());
        if customer.marketing_consent {
            ConsentRow {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: customer.id.clone(),
                purpose: "marketing".into(),
                action: "granted".into(),
                channel: "crm".into(),
                method: "staff_entry".into(),
                given_at: customer.created_at,
                text_version: None,
                recorded_by: staff.clone(),
                created_at: customer.created_at,
            }
            .insert(conn)?;
        }
        if i >= 12 {
            continue;
        }
        if i % 4 == 0 {
            CustomerTag {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: customer.id.clone(),
                tag_id: tags[i / 4 % tags.len()].id.clone(),
                assigned_by: staff.clone(),
                assigned_at: at,
            }
            .insert(conn)?;
        }
        let (brand, model) = MODELS[i % MODELS.len()];
        let activities = [
            (
                ActivityKind::Call,
                Some("appointment_booked"),
                "电话邀约周末到店看车",
                72,
            ),
            (
                ActivityKind::StoreVisit,
                Some("interested"),
                "到店看车，关注续航与落地价",
                48,
            ),
            (
                ActivityKind::TestDrive,
                Some("completed"),
                "试驾结束，对动力满意，等待报价",
                47,
            ),
        ];
        for (kind, outcome, content, hours_ago) in activities.iter().take(1 + i % 3) {
            let occurred_at = at - TimeDelta::hours(*hours_ago);
            Activity {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: customer.id.clone(),
                kind: kind.as_str().into(),
                outcome: outcome.map(str::to_owned),
                occurred_at,
                next_follow_up_at: Some(at + TimeDelta::hours(24)),
                content: Some(format!("{content}（{brand}{model}）")),
                attachment_ids: "[]".into(),
                created_by: staff.clone(),
                created_at: occurred_at,
            }
            .insert(conn)?;
        }
        let device = format!("wxmp-demo-{i:03}");
        let mut events = Vec::new();
        for n in 0..(2 + i % 5) {
            let occurred_at = at - TimeDelta::hours(30 - n as i64 * 5);
            let compared = n % 3 == 2;
            let models: Vec<(&str, &str)> = if compared {
                vec![(brand, model), MODELS[(i + 1) % MODELS.len()]]
            } else {
                vec![(brand, model)]
            };
            let refs: Vec<ModelRef> = models
                .iter()
                .filter_map(|(b, m)| ModelRef::new(b, m).ok())
                .collect();
            let event_type = if compared {
                autocrm_domain::customer::BehaviorEventType::VehicleCompared
            } else {
                autocrm_domain::customer::BehaviorEventType::VehicleViewed
            };
            let local_date = (occurred_at + TimeDelta::hours(8)).date();
            BehaviorEventRow {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: Some(customer.id.clone()),
                device_id: Some(device.clone()),
                event_type: event_type.as_str().into(),
                occurred_at,
                local_date: local_date.to_string(),
                models: serde_json::to_string(&refs).map_err(ServiceError::internal)?,
                page: None,
                posted_by: "demo".into(),
                created_at: occurred_at,
            }
            .insert(conn)?;
            events.push(BehaviorEvent {
                event_type,
                occurred_at: occurred_at.and_utc(),
                local_date,
                models: refs,
            });
        }
        if i % 3 == 1 {
            let vin = Vin::with_computed_check_digit(&format!("LGXCE4CB0N{:07}", 120_000 + i))
                .map_err(ServiceError::internal)?;
            let vehicle = OwnedVehicle {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: customer.id.clone(),
                vin: Some(vin.as_str().to_owned()),
                plate: Some(format!("沪A{:05}", 10_000 + i * 37)),
                brand: "大众".into(),
                model: "朗逸".into(),
                model_year: Some(2019),
                purchase_date: Some("2019-06-18".into()),
                version: 1,
                created_at: at - TimeDelta::days(2),
                updated_at: at - TimeDelta::days(2),
            };
            vehicle.insert(conn)?;
            MileageReading {
                id: new_id(),
                org_id: org_id.clone(),
                vehicle_id: vehicle.id.clone(),
                mileage_km: 68_000 + i as i64 * 1_000,
                read_at: at - TimeDelta::days(2),
                recorded_by: staff.clone(),
                created_at: at - TimeDelta::days(2),
            }
            .insert(conn)?;
        }
        // The dynamic tags the standard rules give it, as the tag service would store them.
        let needs = match customer.stated_needs() {
            Some(needs) => needs,
            None => {
                let needs = Needs {
                    budget_min_cents: Some(15_000_000),
                    budget_max_cents: Some(20_000_000),
                    body_types: if i % 2 == 0 {
                        [autocrm_domain::vehicle::BodyType::Suv].into()
                    } else {
                        [autocrm_domain::vehicle::BodyType::Sedan].into()
                    },
                    ..Needs::default()
                };
                set_needs(conn, &customer.id, &needs)?;
                needs
            }
        };
        let mut activity_counts = BTreeMap::new();
        for (kind, _, _, _) in activities.iter().take(1 + i % 3) {
            *activity_counts.entry(*kind).or_insert(0) += 1;
        }
        let history = CustomerHistory {
            stage: None,
            source: customer
                .source_channel
                .as_deref()
                .and_then(|s| s.parse().ok()),
            activity_counts,
        };
        let behavior = BehaviorSummary::of(&events);
        let today = (at + TimeDelta::hours(8)).date();
        for tag in TagRuleSet::standard().evaluate(&TagInputs {
            needs: &needs,
            behavior: &behavior,
            history: &history,
            today,
        }) {
            DynamicTagRow {
                id: new_id(),
                org_id: org_id.clone(),
                customer_id: customer.id.clone(),
                name: tag.name.as_str().into(),
                rule_id: tag.rule_id.as_str().into(),
                reasons: serde_json::to_string(&tag.reasons).map_err(ServiceError::internal)?,
                computed_at: at,
            }
            .insert(conn)?;
        }
    }
    Ok(())
}

/// States the demo customer's needs, when the profile's own demo did not.
fn set_needs(conn: &mut DbConn, customer_id: &str, needs: &Needs) -> ServiceResult<()> {
    use autocrm_persistence::schema::customers;
    use diesel::prelude::*;
    let json = serde_json::to_string(needs).map_err(ServiceError::internal)?;
    diesel::update(customers::table.filter(customers::id.eq(customer_id)))
        .set(customers::needs.eq(Some(json)))
        .execute(conn)?;
    Ok(())
}
