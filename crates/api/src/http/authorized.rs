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
        CustomersImport,
        CustomersExport,
        CustomersReveal,
        CustomersMerge,
        CustomersDataRights,
        FinancingCalculate,
        FinanceProductsRead,
        FinanceProductsWrite,
        FinancingApplicationsRead,
        FinancingApplicationsWrite,
        FinancingStatusChange,
        AttachmentsRead,
        AttachmentsWrite,
        AuditRead,
        EventsRead,
        WebhooksManage,
        NotificationsOwn,
        NotificationGatewaysManage,
        BehaviorEventsWrite,
        TagsManage,
        InventoryRead,
        InventoryWrite,
        InventoryCostRead,
        MarketPricesWrite,
        InventorySettingsManage,
        VehicleReservationsWrite,
        VehicleTransfersManage,
        LeadsRead,
        LeadsWrite,
        LeadsIntake,
        LeadsManage,
        LeadSettingsManage,
        TasksRead,
        TasksWrite,
        DealsRead,
        DealsWrite,
        CustomerSelf,
    );
}

/// Who runs a request's use cases: an actor, the request, and the application. `read` and
/// `write` open the unit of work as that actor, for that request.
pub struct Caller {
    actor: Actor,
    request: RequestMeta,
    state: web::Data<AppState>,
}

impl Caller {
    /// The shared state, to move into a use case that needs the token keys.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Who acts: for use cases run beyond the handler (a streamed answer's later pages, an
    /// upload's steps), through `App::read` and `App::write`.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The request the use cases serve (for their audit lines).
    pub fn request(&self) -> &RequestMeta {
        &self.request
    }

    /// Runs a read use case on one connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (actor, request) = (self.actor.clone(), self.request.clone());
        Ok(self.state.app.read(actor, request, f).await?)
    }

    /// Runs a use case in one write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (actor, request) = (self.actor.clone(), self.request.clone());
        Ok(self.state.app.write(actor, request, f).await?)
    }

    /// Runs CPU-heavy work (argon2) on the blocking pool, before the unit of work.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self.state.app.blocking(f).await??)
    }

    fn of(req: &HttpRequest, actor: Actor) -> Result<Caller, ApiError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("application state missing"))?;
        let extensions = req.extensions();
        let request = RequestMeta {
            request_id: extensions.get::<RequestId>().map(|r| r.0.clone()),
            idempotency_key: extensions.get::<IdempotencyKey>().map(|k| k.0.clone()),
        };
        Ok(Caller {
            actor,
            request,
            state,
        })
    }
}

/// A caller holding permission `P`: 401 without a valid token, 403 without the permission.
/// Its use cases run as this principal.
pub struct Authorized<P: RequiresPermission> {
    caller: Caller,
    principal: Arc<Principal>,
    _permission: PhantomData<P>,
}

impl<P: RequiresPermission> Authorized<P> {
    pub fn principal(&self) -> &Principal {
        &self.principal
    }
}

impl<P: RequiresPermission> std::ops::Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// A caller without a token, for the operations that need none (signing in): its use cases
/// run as `Actor::Anonymous`.
pub struct Public(Caller);

impl std::ops::Deref for Public {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl FromRequest for Public {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Caller::of(req, Actor::Anonymous).map(Public))
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
    Ok(Authorized {
        caller: Caller::of(req, Actor::Principal(principal.clone()))?,
        principal,
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
