//! The API surface: every capability's endpoints, in one list that both the server's routes
//! and the OpenAPI document are built from.

use crate::http::Endpoint;

pub fn all() -> Vec<Endpoint> {
    [
        crate::ops::endpoints(),
        crate::account::endpoints(),
        crate::organization::endpoints(),
        crate::customers::endpoints(),
        crate::customer360::endpoints(),
        crate::customer_transfer::endpoints(),
        crate::financing::endpoints(),
        crate::attachments::endpoints(),
        crate::audit::endpoints(),
        crate::events::endpoints(),
        crate::webhooks::endpoints(),
        crate::notifications::endpoints(),
        crate::activities::endpoints(),
        crate::behavior::endpoints(),
        crate::timeline::endpoints(),
        crate::consents::endpoints(),
        crate::garage::endpoints(),
        crate::tags::endpoints(),
        crate::customer_auth::endpoints(),
        crate::customer_rights::endpoints(),
        crate::inventory::vehicles::endpoints(),
        crate::inventory::matching::endpoints(),
        crate::inventory::pricing::endpoints(),
        crate::inventory::inspections::endpoints(),
        crate::inventory::alerts::endpoints(),
        crate::inventory::reservations::endpoints(),
        crate::inventory::transfers::endpoints(),
        crate::leads::endpoints(),
        crate::sales::deals::endpoints(),
        crate::sales::lost_requests::endpoints(),
        crate::sales::test_drives::endpoints(),
        crate::calendar::endpoints(),
        crate::tasks::endpoints(),
        crate::sales::quotes::endpoints(),
        crate::handover::endpoints(),
        crate::sales::showroom::endpoints(),
    ]
    .concat()
}
