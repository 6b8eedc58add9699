//! Permissions as types: a handler names the one it needs in its signature, and the
//! same name is the scope in its OpenAPI `security`.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use autocrm_domain::access::Role;

use super::principal::{Principal, PrincipalKind};
use crate::error::ApiError;
use crate::state::AppState;

pub trait Permission {
    /// The scope an API client needs; `None` means machine clients never may.
    const SCOPE: Option<&'static str>;
    /// The human roles that may.
    const ROLES: &'static [Role];

    fn allows(principal: &Principal) -> bool {
        match principal.role {
            // `*` means any machine client.
            Role::Integration => Self::SCOPE.is_some_and(|s| s == "*" || principal.has_scope(s)),
            role => Self::ROLES.contains(&role),
        }
    }
}

/// A caller holding permission `P`: 401 without a valid token, 403 without the permission.
pub struct Authorized<P: Permission> {
    pub principal: Principal,
    _permission: PhantomData<P>,
}

impl<P: Permission> std::ops::Deref for Authorized<P> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<P: Permission + 'static> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let request_id = req
            .extensions()
            .get::<crate::http::middleware::RequestId>()
            .map(|r| r.0.clone());
        let idempotency_key = crate::http::idempotency::key_of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let mut principal = authenticate(&state, token?).await?;
            principal.request_id = request_id;
            principal.idempotency_key = idempotency_key;
            if !P::allows(&principal) {
                return Err(ApiError::Forbidden);
            }
            Ok(Authorized {
                principal,
                _permission: PhantomData,
            })
        })
    }
}

/// The token of an `Authorization: Bearer` header (the scheme is case-insensitive).
pub(crate) fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("missing bearer token".into()))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("malformed Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("expected a Bearer token".into()));
    }
    Ok(token.trim().to_owned())
}

/// Verifies the token, then that its user or client is still allowed in: a deactivated
/// user or a revoked client is locked out at once, not when the token expires. So is a
/// token whose role or store is no longer the user's: a demoted manager must not keep
/// the old rights for the token's lifetime (the client refreshes and gets the new ones).
async fn authenticate(state: &AppState, token: String) -> Result<Principal, ApiError> {
    let claims = state.jwt.verify(&token)?;
    let role: Role = claims
        .role
        .parse()
        .map_err(|_| ApiError::Unauthorized("the access token is invalid".into()))?;
    let kind = if role == Role::Integration {
        PrincipalKind::ApiClient
    } else {
        PrincipalKind::User
    };
    let principal = Principal {
        id: claims.sub,
        org_id: claims.org,
        role,
        store_id: claims.store,
        scopes: claims
            .scope
            .map(|s| s.split_whitespace().map(String::from).collect())
            .unwrap_or_default(),
        kind,
        request_id: None,
        idempotency_key: None,
    };
    let (org, id) = (principal.org_id.clone(), principal.id.clone());
    let (role, store) = (principal.role, principal.store_id.clone());
    let refusal = state
        .db(move |conn| {
            Ok(match kind {
                PrincipalKind::User => {
                    match autocrm_persistence::models::User::find(conn, &org, &id)? {
                        Some(user) if !user.active => Some("the account is deactivated"),
                        Some(user) if user.role != role.as_str() || user.store_id != store => {
                            Some("the account's role or store changed; refresh the token")
                        }
                        Some(_) => None,
                        None => Some("the access token is invalid"),
                    }
                }
                PrincipalKind::ApiClient => {
                    (!autocrm_persistence::models::ApiClient::is_active(conn, &org, &id)?)
                        .then_some("the client is revoked")
                }
            })
        })
        .await?;
    if let Some(detail) = refusal {
        return Err(ApiError::Unauthorized(detail.into()));
    }
    Ok(principal)
}

/// Declares a permission type: the scope machine clients need, and the human roles.
macro_rules! permission {
    ($(#[$doc:meta])* $name:ident, $scope:expr, [$($role:ident),* $(,)?]) => {
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const SCOPE: Option<&'static str> = $scope;
            const ROLES: &'static [Role] = &[$(Role::$role),*];
        }
    };
}

permission!(
    /// Any signed-in person or machine client.
    AnyRole, Some("*"),
    [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance]
);
permission!(
    /// Organisation settings: stores, users, API clients.
    ManageOrganization, None, [Admin]
);
permission!(
    /// Read the store list (every person needs it to pick a store).
    ReadStores, None,
    [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance]
);
permission!(
    CustomersRead,
    Some("customers:read"),
    [
        Admin,
        GeneralManager,
        SalesManager,
        SalesConsultant,
        ServiceAdvisor,
        Marketing
    ]
);
permission!(
    CustomersWrite,
    Some("customers:write"),
    [Admin, GeneralManager, SalesManager, SalesConsultant]
);
permission!(
    /// Archiving removes a customer from daily work: managers only.
    CustomersArchive, None, [Admin, GeneralManager, SalesManager]
);
permission!(
    /// Seeing personal data in clear, which is audited.
    CustomersReveal, None, [Admin, GeneralManager, SalesManager, SalesConsultant]
);
permission!(
    /// Any signed-in person or machine client may use the calculators.
    FinancingCalculate, Some("*"),
    [Admin, GeneralManager, SalesManager, SalesConsultant, ServiceAdvisor, Marketing, Finance]
);
permission!(
    FinanceProductsRead,
    Some("financing:read"),
    [
        Admin,
        GeneralManager,
        SalesManager,
        SalesConsultant,
        Finance
    ]
);
permission!(FinanceProductsWrite, None, [Admin, Finance]);
permission!(
    FinancingApplicationsRead,
    Some("financing:read"),
    [
        Admin,
        GeneralManager,
        SalesManager,
        SalesConsultant,
        Finance
    ]
);
permission!(
    FinancingApplicationsWrite,
    None,
    [
        Admin,
        GeneralManager,
        SalesManager,
        SalesConsultant,
        Finance
    ]
);
permission!(
    /// Moving an application along; which steps a caller may take is decided per step.
    FinancingStatusChange, Some("financing:write"),
    [Admin, GeneralManager, SalesManager, SalesConsultant, Finance]
);
