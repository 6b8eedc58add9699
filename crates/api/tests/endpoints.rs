//! The endpoint registry's promises, checked over every operation: its OpenAPI `security`
//! is its permission's, and every limit its request schema documents is the limit its
//! validation rules enforce.

use autocrm_api::http::Endpoint;
use autocrm_domain::access::MachineAccess;
use serde_json::{Value, json};

fn endpoints() -> Vec<Endpoint> {
    autocrm_api::routes::all()
}

fn document() -> Value {
    serde_json::to_value(autocrm_api::openapi::document_of(&endpoints())).unwrap()
}

#[test]
fn every_operation_has_the_security_of_its_permission() {
    let doc = document();
    for endpoint in endpoints() {
        for method in &endpoint.methods {
            let op = &doc["paths"][&endpoint.path][method.as_str().to_lowercase()];
            let name = format!("{method} {}", endpoint.path);
            let expected = match endpoint.permission {
                None => json!([{}]),
                Some(p) => {
                    let scopes: Vec<&str> = match p.machine() {
                        MachineAccess::Never => vec![],
                        MachineAccess::AnyClient => vec!["*"],
                        MachineAccess::Scope(s) => vec![s.as_str()],
                    };
                    json!([{"bearer": scopes}])
                }
            };
            assert_eq!(op["security"], expected, "{name}");
            let description = op["description"].as_str().unwrap_or_default();
            assert!(description.contains("**Who may call:**"), "{name}");
        }
    }
}

#[test]
fn only_sign_in_and_probes_are_public() {
    let mut public: Vec<String> = endpoints()
        .iter()
        .filter(|e| e.permission.is_none())
        .map(|e| e.path.clone())
        .collect();
    public.sort();
    assert_eq!(
        public,
        [
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/auth/refresh",
            "/api/v1/auth/token",
            // The token in the path is the credential (calendar apps send no header).
            "/api/v1/calendar/{feed_token}.ics",
            "/api/v1/customer-auth/sms",
            "/api/v1/customer-auth/sms/code",
            "/api/v1/customer-auth/wechat",
            "/health",
            "/metrics",
            "/ready",
        ]
    );
}

#[test]
fn every_operation_is_routed_once() {
    let mut seen = std::collections::BTreeSet::new();
    for endpoint in endpoints() {
        for method in &endpoint.methods {
            assert!(
                seen.insert(format!("{method} {}", endpoint.path)),
                "{method} {} is declared twice",
                endpoint.path
            );
        }
    }
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => value,
    }
}

/// The codes a rule answers when a value is past a documented limit.
const PAST_LIMIT: [&str; 4] = ["too_long", "too_short", "out_of_range", "required"];

fn fails_on(check: autocrm_api::http::endpoint::BodyCheck, body: &Value, field: &str) -> bool {
    match check(body) {
        Ok(()) => false,
        Err(errors) => errors
            .iter()
            .any(|e| e.field == field && PAST_LIMIT.contains(&e.code.as_str())),
    }
}

#[test]
fn documented_limits_are_the_enforced_limits() {
    let doc = document();
    let mut checked = 0;
    for endpoint in endpoints() {
        let Some(check) = endpoint.body else { continue };
        let method = endpoint.methods[0].as_str().to_lowercase();
        let op = &doc["paths"][&endpoint.path][&method];
        let name = format!("{method} {}", endpoint.path);
        let content = &op["requestBody"]["content"];
        let media = content
            .as_object()
            .and_then(|c| c.values().next())
            .unwrap_or_else(|| panic!("{name}: no request body"));
        let schema = resolve(&doc, &media["schema"]);
        let example = schema
            .get("example")
            .or_else(|| media.get("example"))
            .unwrap_or_else(|| panic!("{name}: the request schema has no example"));
        assert!(
            check(example).is_ok(),
            "{name}: its own example is refused: {:?}",
            check(example)
        );
        let Some(properties) = schema["properties"].as_object() else {
            continue;
        };
        for (field, property) in properties {
            let property = resolve(&doc, property);
            let variants: Vec<&Value> = match property["oneOf"].as_array() {
                Some(list) => list.iter().map(|v| resolve(&doc, v)).collect(),
                None => vec![property],
            };
            for p in variants {
                let with = |value: Value| {
                    let mut body = example.clone();
                    body[field] = value;
                    body
                };
                if let Some(max) = p["maxLength"].as_u64() {
                    let at = with(json!("八".repeat(max as usize)));
                    let past = with(json!("八".repeat(max as usize + 1)));
                    assert!(
                        fails_on(check, &past, field),
                        "{name}: {field} maxLength {max} is not enforced"
                    );
                    assert!(
                        !fails_on(check, &at, field),
                        "{name}: {field} refuses {max} characters"
                    );
                    checked += 1;
                }
                if let Some(min) = p["minLength"].as_u64().filter(|m| *m > 0) {
                    let past = with(json!("八".repeat(min as usize - 1)));
                    assert!(
                        fails_on(check, &past, field),
                        "{name}: {field} minLength {min} is not enforced"
                    );
                    checked += 1;
                }
                if let Some(max) = p["maximum"].as_i64() {
                    assert!(
                        fails_on(check, &with(json!(max + 1)), field),
                        "{name}: {field} maximum {max} is not enforced"
                    );
                    assert!(
                        !fails_on(check, &with(json!(max)), field),
                        "{name}: {field} refuses its maximum {max}"
                    );
                    checked += 1;
                }
                if let Some(min) = p["minimum"].as_i64() {
                    assert!(
                        fails_on(check, &with(json!(min - 1)), field),
                        "{name}: {field} minimum {min} is not enforced"
                    );
                    assert!(
                        !fails_on(check, &with(json!(min)), field),
                        "{name}: {field} refuses its minimum {min}"
                    );
                    checked += 1;
                }
                if let Some(max) = p["maxItems"].as_u64() {
                    let items = p["items"].clone();
                    let sample = items.get("example").cloned().unwrap_or(json!("x"));
                    let past = with(Value::Array(vec![sample; max as usize + 1]));
                    assert!(
                        check(&past).is_err(),
                        "{name}: {field} maxItems {max} is not enforced"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} limits were checked");
}
