//! Who is calling: a verified access token, checked against the database.

use autocrm_domain::access::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    ApiClient,
}

#[derive(Debug, Clone)]
pub struct Principal {
    /// The user id, or the API client's record id.
    pub id: String,
    pub org_id: String,
    pub role: Role,
    pub store_id: Option<String>,
    pub scopes: Vec<String>,
    pub kind: PrincipalKind,
    /// The request this principal acts in, for the audit trail.
    pub request_id: Option<String>,
    /// That request's `Idempotency-Key`, recorded with its changes (see `http::idempotency`).
    pub idempotency_key: Option<String>,
}

impl Principal {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }
}
