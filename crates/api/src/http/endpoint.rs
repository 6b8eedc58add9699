//! Every endpoint declared once. A handler carries its `#[utoipa::path]` (method, path,
//! responses, description) and names its permission in its signature; `endpoints!` lists a
//! module's handlers, and from that one list come the actix routes, the OpenAPI operations
//! and their `security`, read from the handler's own `Authorized<P>`: never typed twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, HttpRequest, Responder, Route, web};
use autocrm_domain::access::{MachineAccess, Permission, Role};
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{RefOr, Schema};
use validator::Validate;

use super::authorized::{Authorized, Public, RequiresPermission};
use super::extract::{Json, PathId};
use super::versioning::IfMatch;
use crate::app::FieldError;

/// Checks a JSON value against a request body type: its shape and its field rules.
pub type BodyCheck = fn(&serde_json::Value) -> Result<(), Vec<FieldError>>;

/// What an extractor tells the registry about its endpoint.
pub trait EndpointArg {
    /// The permission it demands, if it is `Authorized<P>`.
    const PERMISSION: Option<Permission> = None;
    /// The body's checks, if it is a JSON body.
    const BODY: Option<BodyCheck> = None;
}

impl<T: 'static> EndpointArg for web::Data<T> {}
impl<T> EndpointArg for web::Path<T> {}
impl<T> EndpointArg for web::Query<T> {}
impl EndpointArg for HttpRequest {}
impl EndpointArg for web::Bytes {}
impl EndpointArg for web::Payload {}
impl EndpointArg for PathId {}
impl EndpointArg for IfMatch {}
impl EndpointArg for Public {}

impl<P: RequiresPermission> EndpointArg for Authorized<P> {
    const PERMISSION: Option<Permission> = Some(P::PERMISSION);
}

impl<T: DeserializeOwned + Validate + 'static> EndpointArg for Json<T> {
    const BODY: Option<BodyCheck> = Some(check_body::<T>);
}

fn check_body<T: DeserializeOwned + Validate>(
    value: &serde_json::Value,
) -> Result<(), Vec<FieldError>> {
    let body: T = serde_json::from_value(value.clone())
        .map_err(|e| vec![FieldError::new("body", "invalid_type", e.to_string())])?;
    crate::validate::check(&body).map_err(|e| match e {
        crate::app::ServiceError::Invalid(errors) => errors,
        other => vec![FieldError::new("body", "invalid_value", other.to_string())],
    })
}

/// The arguments of a handler, as a tuple of extractors.
pub trait EndpointArgs {
    const PERMISSION: Option<Permission>;
    const BODY: Option<BodyCheck>;
}

const fn first<T: Copy>(items: &[Option<T>]) -> Option<T> {
    let mut i = 0;
    while i < items.len() {
        if let Some(item) = items[i] {
            return Some(item);
        }
        i += 1;
    }
    None
}

macro_rules! tuple_args {
    ($($arg:ident),*) => {
        impl<$($arg: EndpointArg),*> EndpointArgs for ($($arg,)*) {
            const PERMISSION: Option<Permission> = first(&[$($arg::PERMISSION),*]);
            const BODY: Option<BodyCheck> = first(&[$($arg::BODY),*]);
        }
    };
}

tuple_args!();
tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, G);
tuple_args!(A, B, C, D, E, G, H);

/// One operation of the API: its routes, its OpenAPI operation, its permission.
#[derive(Clone)]
pub struct Endpoint {
    pub methods: Vec<Method>,
    /// As in the OpenAPI document: `/api/v1/customers/{id}`.
    pub path: String,
    /// `None` for public operations (sign-in, probes).
    pub permission: Option<Permission>,
    /// The request body's checks, for the test that holds documented limits to them.
    pub body: Option<BodyCheck>,
    pub operation: Operation,
    pub schemas: Vec<(String, RefOr<Schema>)>,
    route: Arc<dyn Fn(Method) -> Route + Send + Sync>,
}

impl Endpoint {
    /// `Doc` is the `__path_<handler>` type that `#[utoipa::path]` makes; use `endpoints!`.
    pub fn new<Doc, F, Args>(handler: F) -> Self
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
        F: Handler<Args> + Send + Sync,
        Args: FromRequest + EndpointArgs + 'static,
        F::Output: Responder + 'static,
    {
        let permission = Args::PERMISSION;
        let mut operation = Doc::operation();
        // `operation()` leaves the `tag` of `#[utoipa::path]` to the `OpenApi` derive.
        let tags = <Doc as utoipa::__dev::Tags>::tags();
        if !tags.is_empty() {
            operation
                .tags
                .get_or_insert_with(Vec::new)
                .extend(tags.into_iter().map(str::to_owned));
        }
        operation.security = Some(vec![security(permission)]);
        let who = who_may_call(permission);
        operation.description = Some(match operation.description.take() {
            Some(text) if !text.is_empty() => format!("{text}\n\n{who}"),
            _ => who,
        });
        let mut schemas = Vec::new();
        <Doc as utoipa::__dev::SchemaReferences>::schemas(&mut schemas);
        Endpoint {
            methods: Doc::methods().into_iter().map(actix_method).collect(),
            path: Doc::path(),
            permission,
            body: Args::BODY,
            operation,
            schemas,
            route: Arc::new(move |method| web::method(method).to(handler.clone())),
        }
    }

    /// The operation under each of its OpenAPI methods.
    pub fn operations(&self) -> impl Iterator<Item = (HttpMethod, &Operation)> {
        self.methods
            .iter()
            .filter_map(|m| Some((openapi_method(m)?, &self.operation)))
    }
}

/// Lists a module's handlers as endpoints: `endpoints![create_customer, get_customer]`.
#[macro_export]
macro_rules! endpoints {
    ($($handler:ident),+ $(,)?) => {
        pub fn endpoints() -> Vec<$crate::http::endpoint::Endpoint> {
            paste::paste! {
                vec![$(
                    $crate::http::endpoint::Endpoint::new::<[<__path_ $handler>], _, _>($handler)
                ),+]
            }
        }
    };
}

/// The OpenAPI security of an operation, from its permission: the scope a machine client
/// needs (`*`: any client; none: machine clients never may). Public operations: `{}`.
fn security(permission: Option<Permission>) -> SecurityRequirement {
    let Some(permission) = permission else {
        return SecurityRequirement::default();
    };
    let scopes: Vec<&str> = match permission.machine() {
        MachineAccess::Never => vec![],
        MachineAccess::AnyClient => vec!["*"],
        MachineAccess::Scope(scope) => vec![scope.as_str()],
    };
    SecurityRequirement::new("bearer", scopes)
}

fn who_may_call(permission: Option<Permission>) -> String {
    let Some(permission) = permission else {
        return "**Who may call:** anyone; no token is needed.".to_owned();
    };
    let roles = if permission.roles().len() == Role::HUMAN.len() {
        "every staff role".to_owned()
    } else {
        permission
            .roles()
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let machines = match permission.machine() {
        MachineAccess::Never => "no machine client".to_owned(),
        MachineAccess::AnyClient => "any machine client".to_owned(),
        MachineAccess::Scope(scope) => format!("machine clients with scope `{scope}`"),
    };
    format!("**Who may call:** {roles}; {machines}.")
}

fn actix_method(method: HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

fn openapi_method(method: &Method) -> Option<HttpMethod> {
    Some(match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::OPTIONS => HttpMethod::Options,
        Method::HEAD => HttpMethod::Head,
        Method::PATCH => HttpMethod::Patch,
        Method::TRACE => HttpMethod::Trace,
        _ => return None,
    })
}

/// Registers the routes: one resource per path (so another method on a known path answers
/// 405), grouped in a scope per first segment under `/api/v1`, so that matching a request
/// compares a few static prefixes before any pattern, however many routes there are.
pub fn configure(cfg: &mut web::ServiceConfig, endpoints: &[Endpoint]) {
    const API: &str = "/api/v1";
    let mut top: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    let mut scoped: BTreeMap<String, BTreeMap<String, Vec<&Endpoint>>> = BTreeMap::new();
    for endpoint in endpoints {
        match endpoint
            .path
            .strip_prefix(API)
            .and_then(|p| p.strip_prefix('/'))
        {
            Some(rest) => {
                let (first, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                scoped
                    .entry(format!("/{first}"))
                    .or_default()
                    .entry(tail.to_owned())
                    .or_default()
                    .push(endpoint);
            }
            None => top.entry(&endpoint.path).or_default().push(endpoint),
        }
    }
    for (path, endpoints) in top {
        cfg.service(resource(path, &endpoints));
    }
    let mut api = web::scope(API);
    for (prefix, resources) in scoped {
        let mut scope = web::scope(&prefix);
        for (tail, endpoints) in resources {
            scope = scope.service(resource(&tail, &endpoints));
        }
        api = api.service(scope);
    }
    cfg.service(api);
}

fn resource(path: &str, endpoints: &[&Endpoint]) -> actix_web::Resource {
    let label = super::metrics::RouteLabel(endpoints[0].path.as_str().into());
    let mut resource = web::resource(path).app_data(label);
    for endpoint in endpoints {
        for method in &endpoint.methods {
            resource = resource.route((endpoint.route)(method.clone()));
        }
    }
    resource
}
