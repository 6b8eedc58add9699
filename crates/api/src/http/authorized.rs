//! Permissions as types: a handler names the permission it needs in its signature
//! (`Authorized<perm::CustomersRead>`), the endpoint registry reads the same type for the
//! operation's OpenAPI `security`, and the domain's access matrix decides.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use autocrm_domain::access::{Permission, Principal};

use super::authenticate::Authentication;
use super::idempotency::IdempotencyKey;
use super::middleware::RequestId;
use crate::app::{Actor, Ctx, RequestMeta, ServiceResult};
use crate::error::{ApiError, Code};
use crate::state::AppState;

/// A type that names one permission of the domain's access matrix.
pub trait RequiresPermission: 'static {
    const PERMISSION: Permission;
}

/// Marker types, one per permission of `autocrm_domain::access::Permission`.
pub mod perm {
    use super::{Permission, RequiresPermission};

    macro_rules! markers {
        ($($name:ident),+ $(,)?) => {
            $(
                pub struct $name;
                impl RequiresPermission for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
            /// How many permissions have a marker (a test holds it to the matrix).
            pub const COUNT: usize = [$(stringify!($name)),+].len();
        };
    }

    markers!(
        SignedIn,
        ManageOrganization,
        ReadStores,
        CustomersRead,
        CustomersWrite,
        CustomersReassign,
        CustomersArchive,
        CustomersReveal,
        FinancingCalculate,
        FinanceProductsRead,
        FinanceProductsWrite,
        FinancingApplicationsRead,
        FinancingApplicationsWrite,
        FinancingStatusChange,
    );
}

/// A caller holding permission `P`: 401 without a valid token, 403 without the permission.
/// It runs the caller's use cases: `read` and `write` open the unit of work as this
/// principal, for this request.
pub struct Authorized<P: RequiresPermission> {
    principal: Arc<Principal>,
    request: RequestMeta,
    state: web::Data<AppState>,
    _permission: PhantomData<P>,
}

impl<P: RequiresPermission> Authorized<P> {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The shared state, to move into a use case that needs the token keys.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    fn actor(&self) -> Actor {
        Actor::Principal(self.principal.clone())
    }

    /// Runs a read use case on one connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .state
            .app
            .read(self.actor(), self.request.clone(), f)
            .await?)
    }

    /// Runs a use case in one write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .state
            .app
            .write(self.actor(), self.request.clone(), f)
            .await?)
    }

    /// Runs CPU-heavy work (argon2) on the blocking pool, before the unit of work.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self.state.app.blocking(f).await??)
    }
}

/// A caller without a token, for the operations that need none (signing in): its use cases
/// run as `Actor::Anonymous`.
pub struct Public {
    request: RequestMeta,
    state: web::Data<AppState>,
}

impl Public {
    /// The shared state, to move into a use case that needs the token keys.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .state
            .app
            .read(Actor::Anonymous, self.request.clone(), f)
            .await?)
    }

    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self
            .state
            .app
            .write(Actor::Anonymous, self.request.clone(), f)
            .await?)
    }
}

impl FromRequest for Public {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<web::Data<AppState>>()
                .cloned()
                .map(|state| Public {
                    request: request_meta(req),
                    state,
                })
                .ok_or_else(|| ApiError::internal("application state missing")),
        )
    }
}

fn request_meta(req: &HttpRequest) -> RequestMeta {
    let extensions = req.extensions();
    RequestMeta {
        request_id: extensions.get::<RequestId>().map(|r| r.0.clone()),
        idempotency_key: extensions.get::<IdempotencyKey>().map(|k| k.0.clone()),
    }
}

impl<P: RequiresPermission> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorize(req))
    }
}

fn authorize<P: RequiresPermission>(req: &HttpRequest) -> Result<Authorized<P>, ApiError> {
    let principal = match Authentication::of(req) {
        Some(Authentication::Verified(principal)) => principal,
        Some(Authentication::Refused(detail)) => return Err(ApiError::unauthorized(detail)),
        None => return Err(ApiError::unauthorized("missing bearer token")),
    };
    if !P::PERMISSION.allows(&principal) {
        return Err(ApiError::new(Code::Forbidden));
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    Ok(Authorized {
        principal,
        request: request_meta(req),
        state,
        _permission: PhantomData,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_permission_has_a_marker() {
        assert_eq!(
            super::perm::COUNT,
            autocrm_domain::access::Permission::ALL.len()
        );
    }
}
