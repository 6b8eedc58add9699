//! The OpenAPI document, built from the same endpoint list as the routes. Error responses
//! that every operation shares are added in one place (`StandardErrors`), so no handler can
//! forget its 401, 422 or 500.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::http::Endpoint;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AutoCRM API",
        description = "Customer-relationship backend for car dealerships and used-car platforms. \
Money is integer minor units (fen) in `_cents` fields; times are RFC 3339 UTC; errors are RFC 9457 \
`application/problem+json` with a stable `code`. Send `Accept-Language: zh-CN` for Chinese messages.",
        license(name = "Proprietary"),
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Sign-in, tokens and the caller"),
        (name = "organization", description = "The organisation's name, currency, time zone and settings"),
        (name = "stores", description = "Stores (门店) of the organisation"),
        (name = "users", description = "Staff accounts and roles"),
        (name = "api clients", description = "Machine clients with scopes"),
        (name = "customers", description = "Customer profiles"),
        (name = "customer-auth", description = "Customers sign in from mini-programs and apps (SMS code, WeChat) and see and change their own record, consents, garage and behaviour events with a `customer` token"),
        (name = "financing", description = "Instalment calculators: schedules, APR, affordability, comparison"),
        (name = "finance products", description = "Lender offers with rates by term and promotions"),
        (name = "financing applications", description = "Applications from draft to funded"),
        (name = "attachments", description = "Files of records (ID scans, contracts, photos, call recordings): encrypted at rest, typed by their content"),
        (name = "audit log", description = "Who saw or changed what, and when: read and export (CSV)"),
        (name = "events", description = "The events feed: every published event, oldest first, for integrators that cannot receive webhooks"),
        (name = "webhooks", description = "Webhook subscriptions (Standard Webhooks): signed deliveries of events, delivery log, tests and replays. Each event type's body is in the top-level `webhooks` section"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "activities", description = "Calls, WeChat, SMS, email, store visits, test drives and notes with a customer"),
        (name = "behavior events", description = "Events posted by apps and mini-programs, linked to customers through their devices, summarised per customer"),
        (name = "timeline", description = "Everything that happened with a customer, newest first"),
        (name = "consents", description = "PIPL consent records: grants and withdrawals per purpose"),
        (name = "garage", description = "Vehicles a customer owns, and their mileage over time"),
        (name = "inspections", description = "Inspection reports of the cars in inventory (车况检测) and the standard checklist"),
        (name = "inventory-alerts", description = "Stock and aging alert rules (库存预警, 库龄预警) and the alerts they open"),
        (name = "tags", description = "Manual tags (the organisation's vocabulary) and dynamic tags set by rules"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from /api/v1/auth/login or /api/v1/auth/token. \
Scopes listed on an operation are what a machine client needs; people need a role allowed by it.",
                    ))
                    .build(),
            ),
        );
    }
}

struct StandardErrors;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Repeat a POST safely: the same key and body replay the first answer (kept 48 h); \
the same key with another body answers 422.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                // What an HTTP header value may hold as text: visible ASCII and spaces.
                .pattern(Some("^[ -~]+$")),
        ))
        .build()
}

/// What `http::versioning::if_match` accepts.
fn if_match_schema() -> utoipa::openapi::ObjectBuilder {
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r#"^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$"#))
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| problem(description).into());
}

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for op in [
                item.get.as_mut(),
                item.head.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let secured = op
                    .security
                    .as_ref()
                    .is_some_and(|reqs| reqs.iter().any(|r| r != &Default::default()));
                if secured {
                    add(op, "401", "Missing, expired or invalid token");
                    add(op, "403", "The caller's role or scopes do not allow this");
                    add(
                        op,
                        "429",
                        "Rate limited: too many requests from this caller (when \
AUTOCRM_RATE_LIMIT_PER_MINUTE is set); retry after `Retry-After` seconds",
                    );
                }
                if crate::http::rate_limit::SIGN_IN_PATHS.contains(&path.as_str()) {
                    add(
                        op,
                        "429",
                        "Rate limited: too many sign-in requests from this IP address; retry \
after `Retry-After` seconds",
                    );
                }
                for param in op.parameters.iter_mut().flatten() {
                    if param.name == "If-Match" {
                        param.schema = Some(if_match_schema().into());
                    }
                }
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if op.request_body.is_some() || has_params {
                    add(op, "400", "Malformed JSON, query or header");
                }
                if op.request_body.is_some() {
                    add(op, "413", "Request body too large");
                    add(op, "415", "Content type is not JSON");
                    add(op, "422", "Invalid fields; see `errors`");
                }
                if has_path_params {
                    add(op, "404", "Not found, or not visible to the caller");
                }
                add(
                    op,
                    "500",
                    "Unexpected server error (logged with the request id)",
                );
            }
            if let Some(op) = item.post.as_mut() {
                let secured = op
                    .security
                    .as_ref()
                    .is_some_and(|reqs| reqs.iter().any(|r| r != &Default::default()));
                if secured {
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_key());
                    add(op, "400", "Malformed JSON, query or header");
                    add(
                        op,
                        "409",
                        "Conflict; also a request with the same Idempotency-Key still in progress \
(`conflict`), or applied before a restart lost its answer (`already_applied`, the record in \
`existing_id`)",
                    );
                    add(
                        op,
                        "422",
                        "Invalid fields; also an Idempotency-Key reused with another body",
                    );
                }
            }
        }
    }
}

/// The document of these endpoints: their operations (with the security their permissions
/// give them), the schemas they use, and the shared parts.
pub fn document_of(endpoints: &[Endpoint]) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for endpoint in endpoints {
        for (name, schema) in &endpoint.schemas {
            components.schemas.insert(name.clone(), schema.clone());
        }
        let methods: Vec<_> = endpoint.operations().map(|(m, _)| m).collect();
        doc.paths
            .add_path_operation(&endpoint.path, methods, endpoint.operation.clone());
    }
    BearerAuth.modify(&mut doc);
    StandardErrors.modify(&mut doc);
    crate::events::openapi::add_webhooks(&mut doc);
    doc
}

/// The whole API's document.
pub fn document() -> utoipa::openapi::OpenApi {
    document_of(&crate::routes::all())
}

#[cfg(test)]
mod tests {
    /// The checked-in spec is what integrators generate clients from: it must not drift.
    #[test]
    fn checked_in_openapi_matches_the_code() {
        let generated = super::document().to_pretty_json().unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            generated == checked_in,
            "openapi/openapi.json is stale: run `make openapi` and commit the result"
        );
    }
}
