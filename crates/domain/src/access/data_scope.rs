//! Data scopes (DESIGN §1): which records a permitted caller sees. Each scope is one value
//! that the repositories turn into a filter and `admits` checks on a row, so a list and a
//! single read can never disagree.

use super::{Principal, Role};

/// The customers a caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerScope {
    /// The whole organisation.
    All,
    /// One store's customers.
    Store(String),
    /// The customers a consultant owns.
    Owner(String),
    /// Customers who agreed to marketing contact (PIPL).
    MarketingConsent,
    /// One customer: a signed-in customer sees their own record only.
    Itself(String),
    Nothing,
}

/// What a customer scope looks at on a customer row.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFacts<'a> {
    pub id: &'a str,
    pub store_id: Option<&'a str>,
    pub owner_id: Option<&'a str>,
    pub marketing_consent: bool,
}

impl CustomerScope {
    pub fn of(principal: &Principal) -> Self {
        match principal.role {
            Role::Admin | Role::GeneralManager | Role::Integration => CustomerScope::All,
            Role::SalesManager | Role::ServiceAdvisor => match &principal.store_id {
                Some(store) => CustomerScope::Store(store.clone()),
                None => CustomerScope::Nothing,
            },
            Role::SalesConsultant => CustomerScope::Owner(principal.id.clone()),
            Role::Marketing => CustomerScope::MarketingConsent,
            Role::Finance => CustomerScope::Nothing,
            Role::Customer => CustomerScope::Itself(principal.id.clone()),
        }
    }

    pub fn admits(&self, customer: &CustomerFacts<'_>) -> bool {
        match self {
            CustomerScope::All => true,
            CustomerScope::Store(store) => customer.store_id == Some(store.as_str()),
            CustomerScope::Owner(owner) => customer.owner_id == Some(owner.as_str()),
            CustomerScope::MarketingConsent => customer.marketing_consent,
            CustomerScope::Itself(id) => customer.id == id,
            CustomerScope::Nothing => false,
        }
    }
}

/// The financing applications a caller sees: everything for those who work the whole
/// organisation's financing, otherwise the applications they created and those of the
/// customers in their customer scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationScope {
    All,
    CreatedByOrCustomer {
        created_by: String,
        customers: CustomerScope,
    },
}

/// What an application scope looks at: who created the application, and its customer.
#[derive(Debug, Clone, Copy)]
pub struct ApplicationFacts<'a> {
    pub created_by: &'a str,
    pub customer: CustomerFacts<'a>,
}

impl ApplicationScope {
    pub fn of(principal: &Principal) -> Self {
        match principal.role {
            Role::Admin | Role::GeneralManager | Role::Finance | Role::Integration => {
                ApplicationScope::All
            }
            _ => ApplicationScope::CreatedByOrCustomer {
                created_by: principal.id.clone(),
                customers: CustomerScope::of(principal),
            },
        }
    }

    pub fn admits(&self, application: &ApplicationFacts<'_>) -> bool {
        match self {
            ApplicationScope::All => true,
            ApplicationScope::CreatedByOrCustomer {
                created_by,
                customers,
            } => application.created_by == created_by || customers.admits(&application.customer),
        }
    }

    /// Whether the caller may open an application for this customer.
    pub fn admits_customer(&self, customer: &CustomerFacts<'_>) -> bool {
        match self {
            ApplicationScope::All => true,
            ApplicationScope::CreatedByOrCustomer { customers, .. } => customers.admits(customer),
        }
    }
}

/// The leads (and their tasks) a caller sees. A consultant sees their own leads and the pool
/// (公海) of their store, from which they claim; an unowned lead of an organisation without
/// stores sits in the organisation's pool, which every consultant sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadScope {
    All,
    /// One store's leads, owned or in its pool.
    Store(String),
    /// The consultant's own leads, and the unowned ones of their store's pool (`None`: the
    /// organisation's pool, for a consultant without a store).
    OwnerOrPool {
        owner: String,
        store: Option<String>,
    },
    /// The leads a marketer entered (campaign follow-through), whoever works them.
    CreatedBy(String),
    Nothing,
}

/// What a lead scope looks at on a lead row.
#[derive(Debug, Clone, Copy)]
pub struct LeadFacts<'a> {
    pub store_id: Option<&'a str>,
    pub owner_id: Option<&'a str>,
    pub created_by: &'a str,
}

impl LeadScope {
    pub fn of(principal: &Principal) -> Self {
        match principal.role {
            Role::Admin | Role::GeneralManager | Role::Integration => LeadScope::All,
            Role::SalesManager => match &principal.store_id {
                Some(store) => LeadScope::Store(store.clone()),
                None => LeadScope::Nothing,
            },
            Role::SalesConsultant => LeadScope::OwnerOrPool {
                owner: principal.id.clone(),
                store: principal.store_id.clone(),
            },
            Role::Marketing => LeadScope::CreatedBy(principal.id.clone()),
            Role::ServiceAdvisor | Role::Finance | Role::Customer => LeadScope::Nothing,
        }
    }

    pub fn admits(&self, lead: &LeadFacts<'_>) -> bool {
        match self {
            LeadScope::All => true,
            LeadScope::Store(store) => lead.store_id == Some(store.as_str()),
            LeadScope::OwnerOrPool { owner, store } => {
                lead.owner_id == Some(owner.as_str())
                    || (lead.owner_id.is_none() && lead.store_id == store.as_deref())
            }
            LeadScope::CreatedBy(id) => lead.created_by == id,
            LeadScope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{PrincipalKind, Scope};

    fn principal(role: Role, store: Option<&str>) -> Principal {
        Principal {
            id: "me".into(),
            org_id: "org".into(),
            role,
            store_id: store.map(str::to_owned),
            scopes: vec![Scope::CustomersRead],
            kind: PrincipalKind::User,
        }
    }

    fn customer<'a>(
        store: Option<&'a str>,
        owner: Option<&'a str>,
        consent: bool,
    ) -> CustomerFacts<'a> {
        CustomerFacts {
            id: "c1",
            store_id: store,
            owner_id: owner,
            marketing_consent: consent,
        }
    }

    #[test]
    fn each_role_sees_its_customers() {
        let theirs = customer(Some("s2"), Some("other"), false);
        let mine = customer(Some("s1"), Some("me"), false);
        let consenting = customer(Some("s2"), None, true);
        let cases = [
            (Role::Admin, Some("s1"), [true, true, true]),
            (Role::GeneralManager, None, [true, true, true]),
            (Role::SalesManager, Some("s1"), [false, true, false]),
            (Role::SalesManager, None, [false, false, false]),
            (Role::ServiceAdvisor, Some("s2"), [true, false, true]),
            (Role::SalesConsultant, Some("s1"), [false, true, false]),
            (Role::Marketing, None, [false, false, true]),
            (Role::Finance, None, [false, false, false]),
            (Role::Customer, None, [false, false, false]),
        ];
        for (role, store, expected) in cases {
            let scope = CustomerScope::of(&principal(role, store));
            let seen = [&theirs, &mine, &consenting].map(|c| scope.admits(c));
            assert_eq!(seen, expected, "{role} in {store:?}");
        }
    }

    #[test]
    fn a_customer_sees_only_their_own_record() {
        let scope = CustomerScope::of(&principal(Role::Customer, None));
        let own = CustomerFacts {
            id: "me",
            ..customer(None, None, true)
        };
        assert!(scope.admits(&own));
        assert!(!scope.admits(&customer(None, None, true)));
    }

    #[test]
    fn consultants_see_applications_they_created_or_whose_customer_they_own() {
        let scope = ApplicationScope::of(&principal(Role::SalesConsultant, Some("s1")));
        let owned = customer(Some("s1"), Some("me"), false);
        let foreign = customer(Some("s1"), Some("other"), false);
        let app = |created_by, customer| ApplicationFacts {
            created_by,
            customer,
        };
        assert!(scope.admits(&app("me", foreign)));
        assert!(scope.admits(&app("other", owned)));
        assert!(!scope.admits(&app("other", foreign)));
        assert!(scope.admits_customer(&owned));
        assert!(!scope.admits_customer(&foreign));
        let finance = ApplicationScope::of(&principal(Role::Finance, None));
        assert!(finance.admits(&app("other", foreign)));
        assert!(finance.admits_customer(&foreign));
    }

    #[test]
    fn a_consultant_sees_own_leads_and_the_store_pool() {
        let scope = LeadScope::of(&principal(Role::SalesConsultant, Some("s1")));
        let lead = |store: Option<&'static str>, owner: Option<&'static str>| LeadFacts {
            store_id: store,
            owner_id: owner,
            created_by: "x",
        };
        assert!(scope.admits(&lead(Some("s2"), Some("me"))));
        assert!(scope.admits(&lead(Some("s1"), None)));
        assert!(!scope.admits(&lead(Some("s2"), None)));
        assert!(!scope.admits(&lead(Some("s1"), Some("other"))));
        let storeless = LeadScope::of(&principal(Role::SalesConsultant, None));
        assert!(storeless.admits(&lead(None, None)));
        assert!(!storeless.admits(&lead(Some("s1"), None)));
        let manager = LeadScope::of(&principal(Role::SalesManager, Some("s1")));
        assert!(manager.admits(&lead(Some("s1"), Some("other"))));
        assert!(!manager.admits(&lead(Some("s2"), Some("me"))));
        assert!(!LeadScope::of(&principal(Role::Finance, None)).admits(&lead(None, None)));
        let marketer = LeadScope::of(&principal(Role::Marketing, None));
        assert!(!marketer.admits(&lead(None, None)));
        assert!(marketer.admits(&LeadFacts {
            created_by: "me",
            ..lead(Some("s1"), Some("u"))
        }));
    }
}
