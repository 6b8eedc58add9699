//! The 360° view: the customer found once in the caller's scope, then each capability's
//! own read of its records for that customer (indexed by customer id).

use autocrm_domain::access::Permission;
use autocrm_domain::customer::{BehaviorSummary, ConsentCheck};
use autocrm_persistence::models::{DynamicTagRow, FinancingApplication, Tag};

use crate::activities::service::{self as activities, ActivitySummary};
use crate::app::{Actor, Ctx, ServiceResult};
use crate::customers::service::{self as customers, CustomerView};
use crate::financing::service::applications::{self as financing, ApplicationQuery};
use crate::garage::service::{self as garage, VehicleWithMileage};

/// Most financing applications the view lists (oldest first); the financing list has the
/// rest.
pub const MAX_APPLICATIONS: i64 = 100;

/// One customer and what every capability holds on them. `None` for a section the caller
/// may not read.
pub struct Customer360 {
    /// The record with its contacts and lifecycle changes (needs are on the record).
    pub profile: CustomerView,
    pub manual_tags: Vec<Tag>,
    pub dynamic_tags: Vec<DynamicTagRow>,
    pub activities: ActivitySummary,
    pub behavior: BehaviorSummary,
    pub vehicles: Vec<VehicleWithMileage>,
    /// Cars in stock of the models the customer looked at (behaviour events), each with its
    /// latest inspection; `None` when the caller may not read inventory.
    pub viewed_cars: Option<Vec<crate::inventory::inspections::service::ViewedCar>>,
    pub financing_applications: Option<Vec<FinancingApplication>>,
    pub consents: Vec<ConsentCheck>,
}

/// Whether the caller may read a capability besides the customer (the system may).
fn may(ctx: &Ctx, permission: Permission) -> bool {
    match ctx.actor() {
        Actor::Principal(p) => permission.allows(p),
        Actor::System { .. } => true,
        Actor::Anonymous => false,
    }
}

/// The 360° view of a customer in the caller's scope (`NotFound` otherwise). Changes
/// nothing.
pub fn view(ctx: &mut Ctx, id: &str) -> ServiceResult<Customer360> {
    let customer = customers::find_visible(ctx, id)?;
    let id = customer.id.clone();
    let profile = customers::view(ctx, customer)?;
    let (manual_tags, dynamic_tags) = crate::tags::service::tags_of(ctx, &id)?;
    let activities = activities::summary_of(ctx, &id)?;
    let behavior = crate::behavior::service::summary_of(ctx, &id)?;
    let vehicles = garage::vehicles_of(ctx, &id)?;
    let viewed_cars = if may(ctx, Permission::InventoryRead) {
        Some(crate::inventory::inspections::service::viewed_cars(
            ctx, &behavior,
        )?)
    } else {
        None
    };
    // The financing list's own scope decides which applications show.
    let financing_applications = if may(ctx, Permission::FinancingApplicationsRead) {
        Some(financing::list(
            ctx,
            ApplicationQuery {
                status: None,
                customer_id: Some(id.clone()),
                after_id: None,
                limit: MAX_APPLICATIONS,
            },
        )?)
    } else {
        None
    };
    let (_, consents) = crate::consents::service::consents_of(ctx, &id)?;
    Ok(Customer360 {
        profile,
        manual_tags,
        dynamic_tags,
        activities,
        behavior,
        vehicles,
        viewed_cars,
        financing_applications,
        consents,
    })
}
