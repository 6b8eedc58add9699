//! The demo's inventory records that go through use cases (they need a unit of work):
//! inspection reports of the demo stock. The cars themselves are written with the demo
//! organisation (`vehicles::demo`).

use autocrm_persistence::models::{VehicleSearch, VehicleSort};

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
    super::inspections::demo::seed(ctx, &cars)
}
