//! The demo's inventory records that go through use cases (they need a unit of work):
//! inspection reports of the demo stock, and two alert rules evaluated once, so that a
//! manager who logs in finds open 库龄预警 and 库存预警. The cars themselves are written with
//! the demo organisation (`vehicles::demo`).

use autocrm_persistence::models::{VehicleSearch, VehicleSort};

use autocrm_domain::access::Role;
use autocrm_domain::vehicle::BodyType;
use autocrm_domain::vehicle::alerts::AlertKind;

use super::alerts::service::{self as alerts, NewRule};
use crate::app::{Ctx, ServiceResult};

/// Seeds what builds on the demo stock; answers how many inspection reports were written.
pub fn seed(ctx: &mut Ctx) -> ServiceResult<usize> {
    let search = VehicleSearch {
        hard: Default::default(),
        statuses: Vec::new(),
        store_ids: None,
        features: Vec::new(),
        sort: VehicleSort::CreatedDesc,
        after: None,
        limit: 10_000,
    };
    let cars: Vec<_> = super::vehicles::service::search(ctx, &search)?
        .unwrap_or_default()
        .into_iter()
        .map(|view| view.vehicle)
        .collect();
    let reports = super::inspections::demo::seed(ctx, &cars)?;
    let manager_roles = vec![Role::SalesManager, Role::GeneralManager];
    for rule in [
        NewRule {
            name: "库龄超过120天".into(),
            kind: AlertKind::Aging,
            threshold: 120,
            brand: None,
            model: None,
            body_type: None,
            store_id: None,
            notify_roles: manager_roles.clone(),
            active: true,
        },
        NewRule {
            name: "MPV 库存不足".into(),
            kind: AlertKind::LowStock,
            threshold: 20,
            brand: None,
            model: None,
            body_type: Some(BodyType::Mpv),
            store_id: None,
            notify_roles: manager_roles,
            active: true,
        },
    ] {
        alerts::create(ctx, rule)?;
    }
    alerts::evaluate(ctx)?;
    Ok(reports)
}
