//! Builds the pool, the state and the actix server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::HeaderName;
use actix_web::middleware::from_fn;
use actix_web::{HttpServer, web};
use autocrm_domain::time::{Clock, SystemClock};
use autocrm_persistence::{DbPool, PoolOptions, db};
use utoipa_swagger_ui::SwaggerUi;

use crate::app::App;
use crate::auth::jwt::JwtKeys;
use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::error::ApiError;
use crate::http::endpoint::{self, Endpoint};
use crate::http::metrics::Metrics;
use crate::http::rate_limit::{RateLimiter, RateLimits};
use crate::http::{extract, middleware};
use crate::jobs::{JobMetrics, Runner, RunnerOptions};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Database(#[from] autocrm_persistence::PoolError),
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
}

/// The application of these settings on this pool and clock: PII cipher and file stores.
pub fn application(
    settings: &Settings,
    pool: DbPool,
    clock: Arc<dyn Clock>,
) -> Result<App, StartError> {
    let pii = Arc::new(settings.pii_cipher()?);
    let files = Arc::new(crate::attachments::Files::from_settings(settings, &pii)?);
    Ok(App::new(pool, clock, pii, files).with_outbound(settings.outbound()?))
}

pub fn open_database(settings: &Settings) -> Result<DbPool, StartError> {
    let options = PoolOptions {
        max_size: settings.pool_size,
        ..PoolOptions::default()
    };
    let pool = db::open_pool(&settings.database_url, &options)?;
    let mut conn = pool.get().map_err(autocrm_persistence::PoolError::from)?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    Ok(pool)
}

/// What a server runs on besides its settings: the clock and the password hasher. Production
/// uses the defaults; tests pass a clock they move and a cheap hasher.
pub struct Runtime {
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
}

impl Default for Runtime {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            passwords: PasswordHasher::production(),
        }
    }
}

pub struct Application {
    port: u16,
    server: Server,
    runner: Arc<Runner>,
    run_jobs: bool,
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}

/// The jobs every node knows, and the periodic ones among them. They live here, where the
/// application is assembled, so that `jobs` (the runner) imports no capability.
pub fn job_catalogue() -> (Vec<Arc<dyn crate::jobs::Job>>, Vec<crate::jobs::Periodic>) {
    use crate::attachments::sweep::SweepOrphans;
    use crate::inventory::reservations::release::ReleaseExpiredReservations;
    use crate::outbound::{deliver::Deliver, relay::Relay};
    (
        vec![
            Arc::new(crate::jobs::housekeeping::Housekeeping),
            Arc::new(SweepOrphans),
            Arc::new(Relay),
            Arc::new(Deliver),
            Arc::new(crate::customer_transfer::import::ImportCustomers),
            Arc::new(crate::inventory::alerts::job::EvaluateAlerts),
            Arc::new(ReleaseExpiredReservations),
            Arc::new(crate::leads::intake::retention::ClearExpiredLeadPayloads),
            Arc::new(crate::tasks::escalation::EscalateOverdueTasks),
            Arc::new(crate::leads::pool::job::ReturnUnworkedLeads),
            Arc::new(crate::sales::showroom::no_shows::SettleNoShows),
        ],
        vec![
            crate::jobs::housekeeping::Housekeeping::every_hour(),
            SweepOrphans::every_hour(),
            Relay::every_second(),
            crate::inventory::alerts::job::EvaluateAlerts::every_hour(),
            ReleaseExpiredReservations::every_minute(),
            crate::leads::intake::retention::ClearExpiredLeadPayloads::hourly(),
            crate::tasks::escalation::EscalateOverdueTasks::every_minute(),
            crate::leads::pool::job::ReturnUnworkedLeads::every_ten_minutes(),
            crate::sales::showroom::no_shows::SettleNoShows::every_hour(),
        ],
    )
}

/// The background-job runner of an application, on its own (for `autocrm worker`).
pub fn job_runner(app: App) -> Arc<Runner> {
    let (jobs, periodic) = job_catalogue();
    Arc::new(Runner::new(
        app,
        jobs,
        periodic,
        RunnerOptions::default(),
        Arc::new(JobMetrics::default()),
    ))
}

impl Application {
    /// Checks secrets, migrates, binds the listener; the server runs when awaited.
    pub fn build(settings: Settings) -> Result<Self, StartError> {
        settings.check_secrets()?;
        let pool = open_database(&settings)?;
        Self::build_with(settings, pool, Runtime::default())
    }

    pub fn build_with(
        settings: Settings,
        pool: DbPool,
        runtime: Runtime,
    ) -> Result<Self, StartError> {
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| StartError::Listen(settings.listen.clone(), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError::Listen(settings.listen.clone(), e))?
            .port();
        let settings = Arc::new(settings);
        let state = web::Data::new(AppState {
            app: application(&settings, pool, runtime.clock)?,
            jwt: JwtKeys::new(&settings.jwt_secret, settings.access_token_ttl_secs),
            passwords: runtime.passwords,
            settings: settings.clone(),
            notifications: Default::default(),
            wechat: Arc::new(crate::customer_auth::wechat::CodeExchange::new(
                &settings.wechat_api_base,
            )),
        });
        let runner = job_runner(state.app.clone());
        let job_metrics = web::Data::from(runner.metrics());
        let endpoints = Arc::new(crate::routes::all());
        let docs = crate::openapi::document_of(&endpoints);
        let metrics = web::Data::new(Metrics::default());
        let rate_limits = web::Data::new(RateLimits {
            sign_in: RateLimiter::new(settings.sign_in_rate_per_minute, settings.sign_in_burst),
            per_caller: RateLimiter::new(settings.rate_limit_per_minute, settings.rate_limit_burst),
            // `Settings::load` refuses an invalid name.
            client_ip_header: settings
                .client_ip_header
                .as_deref()
                .and_then(|h| HeaderName::try_from(h).ok()),
        });
        let workers = if settings.workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            settings.workers
        };
        let timeout = Duration::from_secs(settings.request_timeout_secs.max(1));
        let app_settings = settings.clone();
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(rate_limits.clone())
                .app_data(job_metrics.clone())
                .app_data(web::PayloadConfig::new(app_settings.max_body_bytes))
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .configure(|cfg| routes(cfg, &endpoints, &docs))
                .default_service(web::to(not_found))
                .wrap(from_fn(crate::http::idempotency::idempotent_posts))
                // Outside idempotency: a refused request must not claim its key.
                .wrap(from_fn(crate::http::rate_limit::limit_requests))
                // Verifies the token once; everything inside reads the outcome.
                .wrap(from_fn(crate::http::authenticate::authenticate))
                .wrap(from_fn(middleware::problem_details))
                .wrap(cors(&app_settings.cors_allowed_origins))
                .wrap(from_fn(middleware::normalize_path))
                .wrap(from_fn(middleware::record_metrics))
                .wrap(from_fn(middleware::request_context))
        })
        .workers(workers)
        .client_request_timeout(timeout)
        .shutdown_timeout(10)
        .listen(listener)
        .map_err(|e| StartError::Listen(settings.listen.clone(), e))?
        .run();
        Ok(Self {
            port,
            server,
            runner,
            run_jobs: settings.run_jobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The job runner, for tests that run due jobs themselves.
    pub fn runner(&self) -> Arc<Runner> {
        self.runner.clone()
    }

    /// Runs until SIGINT or SIGTERM, then drains in-flight requests; the job runner (unless
    /// turned off) runs beside the server and stops after it, handing back what it could
    /// not finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop = Arc::new(tokio::sync::Notify::new());
        let jobs = self.run_jobs.then(|| {
            let stop = stop.clone();
            tokio::spawn(
                self.runner
                    .clone()
                    .run(async move { stop.notified().await }),
            )
        });
        let result = self.server.await;
        stop.notify_one();
        if let Some(jobs) = jobs {
            let _ = jobs.await;
        }
        result
    }
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::ACCEPT_LANGUAGE,
        ])
        .allowed_header("idempotency-key")
        .allowed_header("x-request-id")
        // EventSource sends it when it reconnects to the notification stream.
        .allowed_header("last-event-id")
        // Downloads name their file and digest; uploads answer with their location.
        .expose_headers([
            "etag",
            "x-request-id",
            "retry-after",
            "content-disposition",
            "location",
            "repr-digest",
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The API's routes, and the documentation routes beside them.
pub fn routes(
    cfg: &mut web::ServiceConfig,
    endpoints: &[Endpoint],
    docs: &utoipa::openapi::OpenApi,
) {
    endpoint::configure(cfg, endpoints);
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", docs.clone()))
        .service(web::redirect("/docs", "/docs/index.html"));
}
