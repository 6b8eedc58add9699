//! Who a user is in an organisation (DESIGN §1), and the machine-client scopes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    GeneralManager,
    SalesManager,
    SalesConsultant,
    ServiceAdvisor,
    Marketing,
    Finance,
    /// A machine client (ERP, finance system, lead platform); acts only within its scopes.
    Integration,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::GeneralManager,
        Role::SalesManager,
        Role::SalesConsultant,
        Role::ServiceAdvisor,
        Role::Marketing,
        Role::Finance,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::GeneralManager => "general_manager",
            Role::SalesManager => "sales_manager",
            Role::SalesConsultant => "sales_consultant",
            Role::ServiceAdvisor => "service_advisor",
            Role::Marketing => "marketing",
            Role::Finance => "finance",
            Role::Integration => "integration",
        }
    }

    /// Roles whose data scope is one store, so their users must belong to a store.
    pub fn needs_store(self) -> bool {
        matches!(
            self,
            Role::SalesManager | Role::SalesConsultant | Role::ServiceAdvisor
        )
    }

    /// Roles a person can hold; `integration` belongs to API clients only.
    pub fn is_human(self) -> bool {
        self != Role::Integration
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(UnknownRole)
    }
}

/// Scopes an API client can be granted. Each names the data it reaches and the access.
pub const SCOPES: &[&str] = &[
    "customers:read",
    "customers:write",
    "financing:read",
    "financing:write",
];

pub fn is_known_scope(scope: &str) -> bool {
    SCOPES.contains(&scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
