//! Who may do what (DESIGN §1): roles, machine scopes, the permission matrix, and the data
//! scopes that narrow what a permitted caller sees. Each rule is written once, here, and both
//! the API's checks and the repositories' filters read it.

mod data_scope;
mod permission;

pub use data_scope::{
    ApplicationFacts, ApplicationScope, CustomerFacts, CustomerScope, LeadFacts, LeadScope,
};
pub use permission::{MachineAccess, Permission};

crate::text_enum! {
    /// A person's role in an organisation, or `integration` for a machine client.
    pub enum Role {
        Admin = "admin",
        GeneralManager = "general_manager",
        SalesManager = "sales_manager",
        SalesConsultant = "sales_consultant",
        ServiceAdvisor = "service_advisor",
        Marketing = "marketing",
        Finance = "finance",
        /// A machine client (ERP, finance system, lead platform); acts only within its scopes.
        Integration = "integration",
        /// A customer signed in from a mini-program or app (`POST /api/v1/customer-auth/*`);
        /// acts only on their own record. Never a staff account.
        Customer = "customer",
    }
}

impl Role {
    /// The roles a person can hold; `integration` belongs to API clients only.
    pub const HUMAN: [Role; 7] = [
        Role::Admin,
        Role::GeneralManager,
        Role::SalesManager,
        Role::SalesConsultant,
        Role::ServiceAdvisor,
        Role::Marketing,
        Role::Finance,
    ];

    /// Roles whose data scope is one store, so their users must belong to a store.
    pub fn needs_store(self) -> bool {
        matches!(
            self,
            Role::SalesManager | Role::SalesConsultant | Role::ServiceAdvisor
        )
    }

    /// A staff member's role (not a machine client, not a customer).
    pub fn is_human(self) -> bool {
        Role::HUMAN.contains(&self)
    }
}

crate::text_enum! {
    /// What an API client may be granted. Each names the data it reaches and the access;
    /// every capability adds its own read scope for integrators.
    pub enum Scope {
        CustomersRead = "customers:read",
        CustomersWrite = "customers:write",
        FinancingRead = "financing:read",
        FinancingWrite = "financing:write",
        AttachmentsRead = "attachments:read",
        AttachmentsWrite = "attachments:write",
        AuditRead = "audit:read",
        /// The events feed (`GET /api/v1/events`).
        EventsRead = "events:read",
        /// Posting behaviour events from apps and mini-programs.
        EventsWrite = "events:write",
        /// Webhook subscriptions: create, change, rotate, test, replay, read deliveries.
        WebhooksManage = "webhooks:manage",
        /// Vehicle inventory, inspection reports, matches, price suggestions, alerts.
        InventoryRead = "inventory:read",
        /// ERP sync: vehicles (upsert by VIN, bulk), inspection reports, reservations, transfers.
        InventoryWrite = "inventory:write",
        /// Acquisition cost and floor price in vehicle answers, events and exports.
        InventoryCost = "inventory:cost",
        /// Importing market reference prices.
        MarketPricesWrite = "market-prices:write",
        /// Leads, their history, scores and matches.
        LeadsRead = "leads:read",
        /// Lead intake from lead platforms and web forms (`POST /api/v1/intake/leads`).
        LeadsWrite = "leads:write",
        /// Deals, quotes, test drives and showroom traffic.
        DealsRead = "deals:read",
        /// Tasks (first responses, follow-ups) and their escalations.
        TasksRead = "tasks:read",
    }
}

crate::text_enum! {
    /// Whether a principal is a person or a machine client.
    pub enum PrincipalKind {
        User = "user",
        ApiClient = "api_client",
        /// A customer of the organisation, signed in for themselves.
        Customer = "customer",
    }
}

/// Who is calling: the identity a verified access token names. Request metadata (request
/// id, idempotency key) is not identity and travels separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user id, or the API client's record id.
    pub id: String,
    pub org_id: String,
    pub role: Role,
    pub store_id: Option<String>,
    /// Granted scopes (machine clients only).
    pub scopes: Vec<Scope>,
    pub kind: PrincipalKind,
}

impl Principal {
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    pub fn may(&self, permission: Permission) -> bool {
        permission.allows(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!(Role::HUMAN.iter().all(|r| r.is_human()));
        assert_eq!(Role::HUMAN.len() + 2, Role::ALL.len());
        assert!(!Role::Customer.is_human() && !Role::Integration.is_human());
    }
}
