//! The application layer: use cases run here, in a unit of work that opens one transaction at
//! the boundary and hands the services a context. Services never begin a transaction, so one
//! use case can call another inside the same one, on both databases. Nothing here knows HTTP:
//! handlers, jobs and importers all come through `App`.

mod context;
mod error;
pub mod records;

use std::sync::Arc;

use autocrm_domain::access::{Principal, PrincipalKind};
use autocrm_domain::time::{Clock, TimeZone};
use autocrm_persistence::db::write_tx;
use autocrm_persistence::models::SubjectState;
use autocrm_persistence::{DbConn, DbPool};

pub use context::{Actor, Change, Ctx, RequestMeta};
pub use error::{FieldError, Invalid, Limit, ServiceError, ServiceResult};

use crate::attachments::Files;
use crate::pii::PiiCipher;

/// What every use case needs from the process: the pool, the clock, the PII cipher, and the
/// file stores (attachment contents live outside the database).
#[derive(Clone)]
pub struct App {
    pub pool: DbPool,
    pub clock: Arc<dyn Clock>,
    pub pii: Arc<PiiCipher>,
    pub files: Arc<Files>,
    /// Outbound deliveries (webhooks): settings, the guarded HTTP client, counters.
    pub outbound: Arc<crate::outbound::Outbound>,
    /// One permit per pooled connection: database work waits for a permit on the async
    /// side, so no more blocking threads wake than there are connections to give them (a
    /// crowd of threads parked on the pool's lock costs more than the queries).
    db_permits: Arc<tokio::sync::Semaphore>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

impl App {
    pub fn new(
        pool: DbPool,
        clock: Arc<dyn Clock>,
        pii: Arc<PiiCipher>,
        files: Arc<crate::attachments::Files>,
    ) -> Self {
        let permits = pool.max_size() as usize;
        Self {
            pool,
            clock,
            pii,
            files,
            outbound: crate::outbound::Outbound::new(Default::default()),
            db_permits: Arc::new(tokio::sync::Semaphore::new(permits.max(1))),
        }
    }

    /// The same application with these outbound settings.
    pub fn with_outbound(mut self, settings: crate::outbound::OutboundSettings) -> Self {
        self.outbound = crate::outbound::Outbound::new(settings);
        self
    }

    /// Runs blocking database work once a connection is free for it.
    async fn with_connection<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce() -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .db_permits
            .acquire()
            .await
            .map_err(ServiceError::internal)?;
        self.blocking(f).await?
    }

    /// Runs `f` in one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, actor: Actor, request: RequestMeta, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let app = self.clone();
        self.with_connection(move || app.run(Mode::Write, &actor, &request, f))
            .await
    }

    /// Runs `f` on one connection without a transaction (reads only).
    pub async fn read<T, F>(&self, actor: Actor, request: RequestMeta, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut Ctx) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let app = self.clone();
        self.with_connection(move || app.run(Mode::Read, &actor, &request, f))
            .await
    }

    /// Plumbing (middleware, housekeeping, probes) on one pooled connection, off the
    /// executor. Use cases go through `read` and `write`.
    pub async fn connection<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce(&mut DbConn) -> ServiceResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        self.with_connection(move || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "database pool exhausted");
                ServiceError::Unavailable
            })?;
            let result = f(&mut conn);
            if matches!(result, Err(ServiceError::Internal)) {
                conn.mark_suspect();
            }
            result
        })
        .await
    }

    /// The write unit of work for callers already on a blocking thread (jobs, the CLI).
    pub fn write_now<T>(
        &self,
        actor: &Actor,
        request: &RequestMeta,
        f: impl FnOnce(&mut Ctx) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        self.run(Mode::Write, actor, request, f)
    }

    /// Runs CPU-heavy or blocking work (argon2, diesel) off the async executor, inside the
    /// caller's span. A panic in `f` is re-raised here rather than turned into an error.
    pub async fn blocking<T, F>(&self, f: F) -> ServiceResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            f()
        })
        .await;
        match joined {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(ServiceError::internal(e)),
        }
    }

    fn run<T>(
        &self,
        mode: Mode,
        actor: &Actor,
        request: &RequestMeta,
        f: impl FnOnce(&mut Ctx) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let mut conn = self.pool.get().map_err(|e| {
            tracing::warn!(error = %e, "database pool exhausted");
            ServiceError::Unavailable
        })?;
        let now = self.clock.now();
        let result = match mode {
            Mode::Write => write_tx(&mut conn, |conn| {
                in_context(conn, mode, actor, request, &self.pii, now, f)
            }),
            Mode::Read => in_context(&mut conn, mode, actor, request, &self.pii, now, f),
        };
        if matches!(result, Err(ServiceError::Internal)) {
            // Maybe the database went away: check this connection before reuse.
            conn.mark_suspect();
        }
        result
    }
}

/// Runs the use case with a check that the principal still stands (active, same role and
/// store, client not revoked): before a write, so a refused caller changes nothing (and on
/// PostgreSQL a failed statement cannot abort the check); after a read, unless the read
/// already answered it in one of its own statements. A principal that no longer stands gets
/// `Unauthorized` whatever the use case answered.
fn in_context<T>(
    conn: &mut DbConn,
    mode: Mode,
    actor: &Actor,
    request: &RequestMeta,
    pii: &PiiCipher,
    now: chrono::DateTime<chrono::Utc>,
    f: impl FnOnce(&mut Ctx) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let mut ctx = Ctx::new(conn, actor, request, pii, now);
    if mode == Mode::Write {
        ctx.verify_principal()?;
    }
    let result = f(&mut ctx);
    // A failed write rolls back, and what it recorded with it; a read records only what
    // stands (an audited reveal), as its statements autocommit.
    if result.is_ok() || mode == Mode::Read {
        ctx.flush()?;
    }
    ctx.verify_principal()?;
    result
}

/// The database's word on a token's subject: its organisation's time zone if it still
/// stands, `Unauthorized` if not. A demoted manager must not keep the old rights for the
/// token's lifetime (the client refreshes and gets the new ones).
pub fn verify_principal(conn: &mut DbConn, principal: &Principal) -> ServiceResult<TimeZone> {
    let refused = |detail: &str| Err(ServiceError::Unauthorized(detail.to_owned()));
    let (org, id) = (&principal.org_id, &principal.id);
    let zone = |name: &str| TimeZone::parse(name).unwrap_or_default();
    match principal.kind {
        PrincipalKind::User => match SubjectState::of_user(conn, org, id)? {
            Some(SubjectState::User { active: false, .. }) => refused("the account is deactivated"),
            Some(SubjectState::User {
                role,
                store_id,
                time_zone,
                ..
            }) => {
                if role != principal.role.as_str() || store_id != principal.store_id {
                    refused("the account's role or store changed; refresh the token")
                } else {
                    Ok(zone(&time_zone))
                }
            }
            _ => refused("the access token is invalid"),
        },
        PrincipalKind::ApiClient => match SubjectState::of_api_client(conn, org, id)? {
            Some(SubjectState::ApiClient {
                revoked: false,
                time_zone,
            }) => Ok(zone(&time_zone)),
            Some(_) => refused("the client is revoked"),
            None => refused("the access token is invalid"),
        },
        // A customer signs in again after an archive, merge or erasure: the old token ends.
        PrincipalKind::Customer => match SubjectState::of_customer(conn, org, id)? {
            Some(SubjectState::Customer {
                active: true,
                time_zone,
            }) => Ok(zone(&time_zone)),
            Some(_) => refused("the customer record is no longer active"),
            None => refused("the access token is invalid"),
        },
    }
}
