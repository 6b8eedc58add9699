//! What every handler shares: the pool, keys, and settings.

use std::sync::Arc;

use autocrm_persistence::{DbConn, DbPool};

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::error::ApiError;
use crate::pii::PiiCipher;

pub struct AppState {
    pub pool: DbPool,
    pub jwt: JwtKeys,
    pub pii: Arc<PiiCipher>,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Runs blocking diesel work off the async executor, inside the request's span.
    /// A panic in `f` is re-raised here rather than turned into an error.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "database pool exhausted");
                ApiError::Unavailable
            })?;
            let result = f(&mut conn);
            if matches!(result, Err(ApiError::Internal)) {
                // Maybe the database went away: check this connection before reuse.
                conn.mark_suspect();
            }
            result
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(ApiError::internal(e)),
        }
    }
}
