//! The access matrix: for each permission, the human roles that hold it and what a machine
//! client needs. One table; handlers name a permission, the OpenAPI document shows it.

use super::{Principal, Role, Scope};

/// What a machine client (role `integration`) needs for a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineAccess {
    /// Machine clients never may.
    Never,
    /// Any signed-in machine client may.
    AnyClient,
    /// Machine clients granted this scope may.
    Scope(Scope),
}

macro_rules! matrix {
    ($(
        $(#[$doc:meta])*
        $name:ident = $wire:literal, $machine:expr, [$($role:ident),* $(,)?];
    )+) => {
        crate::text_enum! {
            /// Something a caller may be allowed to do.
            pub enum Permission {
                $($(#[$doc])* $name = $wire,)+
            }
        }

        impl Permission {
            /// The human roles that hold this permission.
            pub const fn roles(self) -> &'static [Role] {
                match self {
                    $(Permission::$name => &[$(Role::$role),*],)+
                }
            }

            /// What a machine client needs for it.
            pub const fn machine(self) -> MachineAccess {
                match self {
                    $(Permission::$name => $machine,)+
                }
            }
        }
    };
}

matrix! {
    /// Any signed-in person or machine client: the caller's own account, the VIN decoder.
    SignedIn = "signed_in", MachineAccess::AnyClient,
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    /// Organisation settings, stores, users and API clients.
    ManageOrganization = "manage_organization", MachineAccess::Never, [Admin];
    /// The store list (every person needs it to pick a store).
    ReadStores = "read_stores", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    CustomersRead = "customers_read", MachineAccess::Scope(Scope::CustomersRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing];
    CustomersWrite = "customers_write", MachineAccess::Scope(Scope::CustomersWrite),
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// Moving a customer to another consultant or store is a manager's decision.
    CustomersReassign = "customers_reassign", MachineAccess::Scope(Scope::CustomersWrite),
        [Admin, GeneralManager, SalesManager];
    /// Archiving takes a customer out of daily work: managers only.
    CustomersArchive = "customers_archive", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// Merging duplicate customers into one: managers (their own store's customers), the
    /// general manager and admins.
    CustomersMerge = "customers_merge", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// The person's rights under PIPL: the export of all personal data held on a customer,
    /// and its irreversible erasure.
    CustomersDataRights = "customers_data_rights", MachineAccess::Never, [Admin, GeneralManager];
    /// Importing customers from a CSV file (managers import into their own store).
    CustomersImport = "customers_import", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// Exporting a filtered customer list as CSV or XLSX (masked values, audited): managers
    /// only, each within their data scope; a bulk copy of the customer base is a manager's
    /// decision, not a consultant's.
    CustomersExport = "customers_export", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// Seeing personal data in clear, which is audited.
    CustomersReveal = "customers_reveal", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// The financing calculators: any signed-in person or machine client.
    FinancingCalculate = "financing_calculate", MachineAccess::AnyClient,
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    FinanceProductsRead = "finance_products_read", MachineAccess::Scope(Scope::FinancingRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    FinanceProductsWrite = "finance_products_write", MachineAccess::Never, [Admin, Finance];
    FinancingApplicationsRead = "financing_applications_read", MachineAccess::Scope(Scope::FinancingRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    FinancingApplicationsWrite = "financing_applications_write", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    /// Moving an application along; which steps a caller may take is decided per step
    /// (`financing::ApplicationStatus::transition`).
    FinancingStatusChange = "financing_status_change", MachineAccess::Scope(Scope::FinancingWrite),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    /// Attachments (files) of records: besides this, the caller needs the owning record's
    /// own read permission and must see that record (`attachments::owners` in the API).
    AttachmentsRead = "attachments_read", MachineAccess::Scope(Scope::AttachmentsRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    /// Uploading and deleting attachments: besides this, the owning record's own write
    /// permission, on a record the caller sees.
    AttachmentsWrite = "attachments_write", MachineAccess::Scope(Scope::AttachmentsWrite),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    /// The audit log (who saw or changed what), and its export. Nothing changes an entry.
    AuditRead = "audit_read", MachineAccess::Scope(Scope::AuditRead), [Admin, GeneralManager];
    /// The events feed: every published event of the organisation, in feed order.
    EventsRead = "events_read", MachineAccess::Scope(Scope::EventsRead), [Admin, GeneralManager];
    /// Webhook subscriptions, their secrets, deliveries, tests and replays.
    WebhooksManage = "webhooks_manage", MachineAccess::Scope(Scope::WebhooksManage), [Admin];
    /// One's own notifications, their live stream and one's notification preferences: people
    /// only (a machine client has no inbox).
    NotificationsOwn = "notifications_own", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    /// The organisation's outbound notification gateways (SMS, email, app push, WeChat).
    NotificationGatewaysManage = "notification_gateways_manage", MachineAccess::Never, [Admin];
    /// Posting behaviour events (apps and mini-programs; staff apps too).
    BehaviorEventsWrite = "behavior_events_write", MachineAccess::Scope(Scope::EventsWrite),
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// The organisation's manual tag vocabulary: create, rename, recolour, delete.
    TagsManage = "tags_manage", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// Vehicle inventory: the cars, their inspection reports, matches, price suggestions,
    /// reservations, transfers and stock alerts. Every staff role reads stock.
    InventoryRead = "inventory_read", MachineAccess::Scope(Scope::InventoryRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance];
    /// Adding and changing cars (by hand or by ERP sync), inspection reports, alert rules.
    InventoryWrite = "inventory_write", MachineAccess::Scope(Scope::InventoryWrite),
        [Admin, GeneralManager, SalesManager];
    /// Seeing what a car cost and its floor price. Not a handler's permission: every vehicle
    /// answer, event and export leaves both out for a caller without it.
    InventoryCostRead = "inventory_cost_read", MachineAccess::Scope(Scope::InventoryCost),
        [Admin, GeneralManager, SalesManager];
    /// Importing market reference prices (from a valuation service).
    MarketPricesWrite = "market_prices_write", MachineAccess::Scope(Scope::MarketPricesWrite),
        [Admin, GeneralManager];
    /// The organisation's inventory settings: matching weights and the transfer cost model.
    InventorySettingsManage = "inventory_settings_manage", MachineAccess::Never,
        [Admin, GeneralManager];
    /// Holding a car for a customer until an expiry, and releasing it.
    VehicleReservationsWrite = "vehicle_reservations_write", MachineAccess::Scope(Scope::InventoryWrite),
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// Moving cars between stores: request, approve, dispatch, track, receive, cancel.
    VehicleTransfersManage = "vehicle_transfers_manage", MachineAccess::Scope(Scope::InventoryWrite),
        [Admin, GeneralManager, SalesManager];
    /// Leads: read them (within the caller's lead scope), with history, score and matches.
    LeadsRead = "leads_read", MachineAccess::Scope(Scope::LeadsRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Marketing];
    /// Entering leads by hand (`POST /api/v1/leads`, batch), working them (needs, status,
    /// claiming from the pool): people only; machines use the intake.
    LeadsWrite = "leads_write", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant, Marketing];
    /// Lead intake from lead platforms and web forms (JSON with a per-client mapping, ADF XML).
    LeadsIntake = "leads_intake", MachineAccess::Scope(Scope::LeadsWrite), [Admin];
    /// Assigning leads by hand, deciding lost requests, shifts of the team, handovers.
    LeadsManage = "leads_manage", MachineAccess::Never, [Admin, GeneralManager, SalesManager];
    /// The organisation's lead rules: scoring weights, routing rules, pool times, SLA and
    /// escalation, behaviour triggers, lost policy, stage gates.
    LeadSettingsManage = "lead_settings_manage", MachineAccess::Never, [Admin, GeneralManager];
    /// Tasks: the consultant's day and the manager's board.
    TasksRead = "tasks_read", MachineAccess::Scope(Scope::TasksRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// Opening and completing tasks.
    TasksWrite = "tasks_write", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant];
    /// Deals, quotes, test drives, showroom traffic and invitations.
    DealsRead = "deals_read", MachineAccess::Scope(Scope::DealsRead),
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    /// Working deals, quotes, test drives, showroom traffic and invitations.
    DealsWrite = "deals_write", MachineAccess::Never,
        [Admin, GeneralManager, SalesManager, SalesConsultant, Finance];
    /// A signed-in customer's own profile (mini-programs and apps): customers only; staff
    /// work on customers through the customer permissions above.
    CustomerSelf = "customer_self", MachineAccess::Never, [Customer];
}

impl Permission {
    /// Whether `principal` holds this permission.
    pub fn allows(self, principal: &Principal) -> bool {
        match principal.role {
            Role::Integration => match self.machine() {
                MachineAccess::Never => false,
                MachineAccess::AnyClient => true,
                MachineAccess::Scope(scope) => principal.has_scope(scope),
            },
            role => self.roles().contains(&role),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::PrincipalKind;

    fn principal(role: Role, scopes: Vec<Scope>) -> Principal {
        Principal {
            id: "u".into(),
            org_id: "o".into(),
            role,
            store_id: None,
            scopes,
            kind: if role == Role::Integration {
                PrincipalKind::ApiClient
            } else {
                PrincipalKind::User
            },
        }
    }

    #[test]
    fn no_permission_lists_the_machine_role_as_a_human_role() {
        for p in Permission::ALL {
            assert!(!p.roles().contains(&Role::Integration), "{p}");
            if p.roles() == [Role::Customer] {
                continue;
            }
            assert!(
                p.roles().contains(&Role::Admin),
                "admins may do everything staff do: {p}"
            );
            assert!(
                !p.roles().contains(&Role::Customer),
                "a customer holds no staff permission: {p}"
            );
        }
    }

    #[test]
    fn machine_clients_need_their_scope() {
        let reader = principal(Role::Integration, vec![Scope::CustomersRead]);
        assert!(Permission::CustomersRead.allows(&reader));
        assert!(!Permission::CustomersWrite.allows(&reader));
        assert!(!Permission::ManageOrganization.allows(&reader));
        assert!(Permission::SignedIn.allows(&reader));
        let bare = principal(Role::Integration, vec![]);
        assert!(Permission::FinancingCalculate.allows(&bare));
        assert!(!Permission::CustomersRead.allows(&bare));
    }

    #[test]
    fn people_need_a_listed_role_whatever_their_scopes() {
        let finance = principal(Role::Finance, vec![Scope::CustomersRead]);
        assert!(!Permission::CustomersRead.allows(&finance));
        assert!(Permission::FinanceProductsWrite.allows(&finance));
        let consultant = principal(Role::SalesConsultant, vec![]);
        assert!(Permission::CustomersReveal.allows(&consultant));
        assert!(!Permission::CustomersArchive.allows(&consultant));
    }
}
