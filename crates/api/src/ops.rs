//! Liveness, readiness and metrics for load balancers and Prometheus.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::ServiceError;
use crate::error::ApiError;
use crate::http::metrics::Metrics;
use crate::jobs::JobMetrics;
use crate::state::AppState;
use autocrm_persistence::models::JobRow;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "version": "0.1.0"}))]
pub struct HealthStatus {
    /// `ok` when healthy.
    pub status: String,
    pub version: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "postgres"}))]
pub struct ReadyStatus {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Liveness: the process answers.
#[utoipa::path(
    method(get, head), path = "/health", tag = "operations",
    responses((status = 200, description = "Alive", body = HealthStatus))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    method(get, head), path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = ReadyStatus),
        (status = 503, description = "The database is unreachable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let database = state
        .app
        .connection(|conn| {
            conn.batch_execute("SELECT 1").map_err(|e| {
                tracing::warn!(error = %e, "readiness query failed");
                ServiceError::Unavailable
            })?;
            Ok(match conn {
                autocrm_persistence::DbConn::Postgres(_) => "postgres",
                autocrm_persistence::DbConn::Sqlite(_) => "sqlite",
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReadyStatus {
        status: "ready".into(),
        database: database.into(),
    }))
}

/// Prometheus text exposition.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
pub async fn metrics(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    jobs: web::Data<JobMetrics>,
) -> Result<HttpResponse, ApiError> {
    let now = state.app.clock.now().naive_utc();
    let depth = state
        .app
        .connection(move |conn| Ok(JobRow::depth(conn, now)?))
        .await?;
    let mut body = metrics.render(&state.app.pool);
    jobs.render(&mut body, depth, now);
    state.app.outbound.render(&mut body);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body))
}

crate::endpoints![health, ready, metrics];
