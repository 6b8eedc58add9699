//! What the pool endpoints read and write.

use autocrm_domain::leads::PerGrade;
use autocrm_domain::leads::pool::PoolConfig;
use autocrm_persistence::models::Lead;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::service::Claimed;
use crate::http::pagination::Cursor;
use crate::validate::schema::UuidText;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PoolQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    /// Only this store's pool (within what the caller sees).
    #[param(value_type = Option<UuidText>, inline)]
    pub store_id: Option<String>,
}

/// A lead waiting in a pool, as a claimant sees it before claiming.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05", "owner_id": null,
    "status": "contacted", "grade": "b", "score": 58, "source": "autohome",
    "pool_since": "2026-12-07T02:00:00Z", "last_worked_at": "2026-11-30T06:10:00Z",
    "created_at": "2026-11-28T03:00:00Z", "version": 4
}))]
pub struct PoolLeadDto {
    pub id: String,
    pub customer_id: String,
    /// Null: the organisation's pool.
    pub store_id: Option<String>,
    /// The claimant after a claim; null while in the pool.
    pub owner_id: Option<String>,
    pub status: String,
    /// h, a, b, c.
    pub grade: String,
    pub score: i32,
    pub source: String,
    /// When it last entered the pool.
    pub pool_since: Option<DateTime<Utc>>,
    pub last_worked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Lead> for PoolLeadDto {
    fn from(l: Lead) -> Self {
        Self {
            id: l.id,
            customer_id: l.customer_id,
            store_id: l.store_id,
            owner_id: l.owner_id,
            status: l.status,
            grade: l.grade,
            score: l.score,
            source: l.source,
            pool_since: l.pool_since.map(|t| t.and_utc()),
            last_worked_at: l.last_worked_at.map(|t| t.and_utc()),
            created_at: l.created_at.and_utc(),
            version: l.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "lead": {"id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
        "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
        "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05",
        "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "status": "contacted",
        "grade": "b", "score": 58, "source": "autohome", "pool_since": null,
        "last_worked_at": "2026-12-08T02:00:00Z", "created_at": "2026-11-28T03:00:00Z",
        "version": 5},
    "claims_left_today": 7
}))]
pub struct ClaimedDto {
    pub lead: PoolLeadDto,
    /// Claims the caller has left today (the daily cap counts from local midnight).
    pub claims_left_today: u32,
}

impl From<Claimed> for ClaimedDto {
    fn from(c: Claimed) -> Self {
        Self {
            lead: c.lead.into(),
            claims_left_today: c.claims_left_today,
        }
    }
}

/// The organisation's pool rules.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "return_after_days": {"h": 1, "a": 3, "b": 7, "c": 15},
    "daily_claim_cap": 10, "reclaim_cooldown_days": 7
}))]
pub struct LeadPoolSettings {
    /// Per grade (h, a, b, c): days without an activity after which an owned lead returns to
    /// its pool (1–365).
    #[schema(value_type = Object)]
    pub return_after_days: PerGrade<u32>,
    /// Leads one consultant may claim per day, counted from local midnight.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub daily_claim_cap: i64,
    /// Days before the owner a lead returned from may claim it again.
    #[validate(range(min = 0, max = 365))]
    #[schema(minimum = 0, maximum = 365)]
    pub reclaim_cooldown_days: i64,
}

impl From<PoolConfig> for LeadPoolSettings {
    fn from(c: PoolConfig) -> Self {
        Self {
            return_after_days: c.return_after_days,
            daily_claim_cap: i64::from(c.daily_claim_cap),
            reclaim_cooldown_days: i64::from(c.reclaim_cooldown_days),
        }
    }
}

impl From<LeadPoolSettings> for PoolConfig {
    fn from(s: LeadPoolSettings) -> Self {
        Self {
            return_after_days: s.return_after_days,
            // Validated: within u32.
            daily_claim_cap: u32::try_from(s.daily_claim_cap).unwrap_or(0),
            reclaim_cooldown_days: u32::try_from(s.reclaim_cooldown_days).unwrap_or(0),
        }
    }
}
