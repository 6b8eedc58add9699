//! Access tokens: HS256 JWTs with tenant, role, store and scopes.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::app::ServiceError;

pub const ISSUER: &str = "autocrm";
const LEEWAY_SECS: i64 = 30;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub org: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// Space-separated scopes, for machine clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &str, access_ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        // Expiry is checked against the application's clock (tests move it), not here.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            access_ttl_secs,
        }
    }

    pub fn issue(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        sub: &str,
        org: &str,
        role: &str,
        store: Option<&str>,
        scope: Option<&str>,
    ) -> Result<String, ServiceError> {
        self.issue_for(now, self.access_ttl_secs, sub, org, role, store, scope)
    }

    /// A customer's token (role `customer`, subject the customer's id), living `ttl_secs`.
    pub fn issue_customer(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        ttl_secs: i64,
        customer_id: &str,
        org: &str,
    ) -> Result<String, ServiceError> {
        self.issue_for(now, ttl_secs, customer_id, org, "customer", None, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn issue_for(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        ttl_secs: i64,
        sub: &str,
        org: &str,
        role: &str,
        store: Option<&str>,
        scope: Option<&str>,
    ) -> Result<String, ServiceError> {
        let now = now.timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            org: org.to_owned(),
            role: role.to_owned(),
            store: store.map(str::to_owned),
            scope: scope.map(str::to_owned),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ServiceError::internal)
    }

    /// Verifies signature, algorithm (HS256 only, so `none` and key confusion fail), issuer,
    /// and expiry at `now` (with 30 s of leeway for clocks that differ between nodes).
    pub fn verify(
        &self,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Claims, &'static str> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| "the access token is invalid")?;
        if claims.exp + LEEWAY_SECS < now.timestamp() {
            return Err("the access token has expired");
        }
        Ok(claims)
    }
}
