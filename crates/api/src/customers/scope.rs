//! Which customers a caller may see and change (DESIGN §1 data scopes).

use autocrm_domain::access::Role;
use autocrm_persistence::models::{Customer, CustomerFilter};

use crate::auth::Principal;

/// Narrows a list to the caller's scope. `false` means the caller can see nothing.
pub fn restrict(principal: &Principal, filter: &mut CustomerFilter) -> bool {
    match principal.role {
        Role::Admin | Role::GeneralManager | Role::Integration => true,
        Role::SalesManager | Role::ServiceAdvisor => match &principal.store_id {
            Some(store) => intersect(&mut filter.store_id, store),
            None => false,
        },
        Role::SalesConsultant => intersect(&mut filter.owner_id, &principal.id),
        Role::Marketing => {
            filter.marketing_consent = Some(true);
            true
        }
        Role::Finance => false,
    }
}

/// Sets `slot` to `required`, unless the request already asked for another value.
fn intersect(slot: &mut Option<String>, required: &str) -> bool {
    match slot {
        Some(asked) if asked != required => false,
        _ => {
            *slot = Some(required.to_owned());
            true
        }
    }
}

pub fn can_see(principal: &Principal, customer: &Customer) -> bool {
    match principal.role {
        Role::Admin | Role::GeneralManager | Role::Integration => true,
        Role::SalesManager | Role::ServiceAdvisor => {
            principal.store_id.is_some() && customer.store_id == principal.store_id
        }
        Role::SalesConsultant => customer.owner_id.as_deref() == Some(principal.id.as_str()),
        Role::Marketing => customer.marketing_consent,
        Role::Finance => false,
    }
}

/// Moving a customer between consultants or stores is a manager's decision.
pub fn can_reassign(principal: &Principal) -> bool {
    principal.is(&[
        Role::Admin,
        Role::GeneralManager,
        Role::SalesManager,
        Role::Integration,
    ])
}
