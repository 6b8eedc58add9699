//! The OpenAPI 3.1 `webhooks` section: one entry per catalogued event type, each a `POST`
//! whose body is the envelope with that type's payload, so integrators generate types for
//! what they receive. utoipa 5 has no `webhooks` field: it is added as a top-level key.

use serde_json::json;
use utoipa::openapi::{OpenApi, RefOr, schema::Schema};

use super::catalogue::payload_schemas;

fn header(name: &str, description: &str, example: serde_json::Value) -> serde_json::Value {
    json!({
        "name": name, "in": "header", "required": true, "description": description,
        "schema": {"type": "string"}, "example": example
    })
}

/// Adds each event's payload and envelope schemas to the components and the `webhooks`
/// section to the document.
pub fn add_webhooks(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut webhooks = serde_json::Map::new();
    for (event_type, summary, payload_name, payload_schema) in payload_schemas() {
        components
            .schemas
            .insert(payload_name.clone(), payload_schema);
        let envelope_name = format!("{payload_name}Envelope");
        let envelope = json!({
            "type": "object",
            "description": format!("The envelope of a `{event_type}` event."),
            "required": ["id", "type", "timestamp", "org_id", "data"],
            "properties": {
                "id": {"type": "string", "description": "The event id (UUIDv7), also the `webhook-id` header; stable across retries and replays: dedupe on it."},
                "type": {"type": "string", "enum": [event_type]},
                "timestamp": {"type": "string", "format": "date-time", "description": "When the change committed (UTC)."},
                "org_id": {"type": "string"},
                "data": {"$ref": format!("#/components/schemas/{payload_name}")}
            }
        });
        if let Ok(schema) = serde_json::from_value::<RefOr<Schema>>(envelope) {
            components.schemas.insert(envelope_name.clone(), schema);
        }
        webhooks.insert(
            event_type.to_owned(),
            json!({"post": {
                "summary": summary,
                "description": format!(
                    "`{event_type}`: {summary}. Sent to every active subscription whose \
`event_types` is empty or names it, at least once (dedupe on `webhook-id`); order is not \
promised. Verify `webhook-signature` (Standard Webhooks: `v1,` + base64 HMAC-SHA256 of \
`{{webhook-id}}.{{webhook-timestamp}}.{{body}}` under the base64-decoded part of the `whsec_` \
secret; during a rotation two signatures, space-separated). Answer 2xx to acknowledge; \
anything else (or no answer within 10 s) is retried; 410 Gone disables the subscription."
                ),
                "operationId": format!("webhook_{}", event_type.replace('.', "_")),
                "tags": ["webhooks"],
                "parameters": [
                    header("webhook-id", "The event id", json!("0193a5c4-7b2f-7000-9a1b-2c3d4e5f6a71")),
                    header("webhook-timestamp", "Unix seconds of this attempt", json!("1764728130")),
                    header("webhook-signature", "`v1,<base64>` (space-separated during a rotation)", json!("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")),
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "$ref": format!("#/components/schemas/{envelope_name}")
                }}}},
                "responses": {
                    "200": {"description": "Received (any 2xx)"},
                    "410": {"description": "Gone: the subscription is disabled"}
                }
            }}),
        );
    }
    let extensions = doc.extensions.get_or_insert_with(Default::default);
    extensions.insert("webhooks".to_owned(), serde_json::Value::Object(webhooks));
}
