//! The lead pool (公海): leads nobody works fall back to it, and consultants claim from it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::grade::{LeadGrade, PerGrade};
use super::status::LeadStatus;
use super::validation::{Invalid, Issues};

/// An organisation's pool settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    /// Days without work after which an owned lead returns to the pool; hot leads sooner.
    pub return_after_days: PerGrade<u32>,
    /// Claims per consultant per local day.
    pub daily_claim_cap: u32,
    /// Days before the owner a lead was taken from may claim it again.
    pub reclaim_cooldown_days: u32,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            return_after_days: PerGrade {
                h: 1,
                a: 3,
                b: 7,
                c: 15,
            },
            daily_claim_cap: 10,
            reclaim_cooldown_days: 7,
        }
    }
}

impl PoolConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for (grade, &days) in self.return_after_days.iter() {
            issues.range(&format!("return_after_days.{grade}"), days, 1, 365);
        }
        issues.range("daily_claim_cap", self.daily_claim_cap, 1, 1000);
        issues.range("reclaim_cooldown_days", self.reclaim_cooldown_days, 0, 365);
        issues.finish()
    }
}

/// When an owned open lead returns to the pool unless someone works it first. `last_worked_at`
/// is the later of its assignment and its owner's last activity on it; a job can store this
/// time and select the leads whose time has come.
pub fn pool_return_at(
    grade: LeadGrade,
    last_worked_at: DateTime<Utc>,
    config: &PoolConfig,
) -> DateTime<Utc> {
    last_worked_at + TimeDelta::days(i64::from(*config.return_after_days.get(grade)))
}

/// Whether an owned open lead stays with its owner at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PoolCheck {
    Keep {
        returns_at: DateTime<Utc>,
    },
    /// Unworked for `limit_days` or more: back to the pool.
    Return {
        grade: LeadGrade,
        last_worked_at: DateTime<Utc>,
        limit_days: u32,
    },
}

pub fn check_pool_return(
    grade: LeadGrade,
    last_worked_at: DateTime<Utc>,
    now: DateTime<Utc>,
    config: &PoolConfig,
) -> PoolCheck {
    let returns_at = pool_return_at(grade, last_worked_at, config);
    if now >= returns_at {
        PoolCheck::Return {
            grade,
            last_worked_at,
            limit_days: *config.return_after_days.get(grade),
        }
    } else {
        PoolCheck::Keep { returns_at }
    }
}

/// The owner a lead was last taken from, by return to the pool or by release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousOwner {
    pub user_id: String,
    pub released_at: DateTime<Utc>,
}

/// What a claim is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub status: LeadStatus,
    /// The lead has no owner.
    pub in_pool: bool,
    /// Claims the claimant made on the organisation's local today (counted by the caller
    /// between the UTC instants of local midnight and the next).
    pub claims_today: u32,
    pub previous_owner: Option<PreviousOwner>,
}

/// Why a claim is refused, in the order checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ClaimRefusal {
    #[error("the lead has an owner")]
    NotInPool,
    #[error("the lead is {status}")]
    Closed { status: LeadStatus },
    #[error("you owned this lead until {released_at}; you can claim it again from {until}")]
    RecentlyReleased {
        released_at: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    #[error("you have claimed {cap} leads today, the daily cap")]
    DailyCapReached { cap: u32 },
}

/// A granted claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClaimGranted {
    /// Claims left today after this one.
    pub claims_left_today: u32,
}

pub fn check_claim(
    claimant: &str,
    facts: &ClaimFacts,
    now: DateTime<Utc>,
    config: &PoolConfig,
) -> Result<ClaimGranted, ClaimRefusal> {
    if !facts.in_pool {
        return Err(ClaimRefusal::NotInPool);
    }
    if !facts.status.is_open() {
        return Err(ClaimRefusal::Closed {
            status: facts.status,
        });
    }
    if let Some(previous) = &facts.previous_owner
        && previous.user_id == claimant
    {
        let until = previous.released_at + TimeDelta::days(i64::from(config.reclaim_cooldown_days));
        if now < until {
            return Err(ClaimRefusal::RecentlyReleased {
                released_at: previous.released_at,
                until,
            });
        }
    }
    if facts.claims_today >= config.daily_claim_cap {
        return Err(ClaimRefusal::DailyCapReached {
            cap: config.daily_claim_cap,
        });
    }
    Ok(ClaimGranted {
        claims_left_today: config.daily_claim_cap - facts.claims_today - 1,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
    }

    fn pooled(claims_today: u32, previous_owner: Option<PreviousOwner>) -> ClaimFacts {
        ClaimFacts {
            status: LeadStatus::Contacted,
            in_pool: true,
            claims_today,
            previous_owner,
        }
    }

    #[test]
    fn hot_leads_return_sooner() {
        let config = PoolConfig::default();
        config.validate().unwrap();
        let worked = now() - TimeDelta::hours(30);
        assert_eq!(
            check_pool_return(LeadGrade::H, worked, now(), &config),
            PoolCheck::Return {
                grade: LeadGrade::H,
                last_worked_at: worked,
                limit_days: 1
            }
        );
        assert_eq!(
            check_pool_return(LeadGrade::A, worked, now(), &config),
            PoolCheck::Keep {
                returns_at: worked + TimeDelta::days(3)
            }
        );
        let exactly = now() - TimeDelta::days(15);
        assert!(matches!(
            check_pool_return(LeadGrade::C, exactly, now(), &config),
            PoolCheck::Return { .. }
        ));
    }

    #[test]
    fn claims_are_capped_per_day() {
        let config = PoolConfig::default();
        assert_eq!(
            check_claim("u1", &pooled(0, None), now(), &config),
            Ok(ClaimGranted {
                claims_left_today: 9
            })
        );
        assert_eq!(
            check_claim("u1", &pooled(9, None), now(), &config),
            Ok(ClaimGranted {
                claims_left_today: 0
            })
        );
        assert_eq!(
            check_claim("u1", &pooled(10, None), now(), &config),
            Err(ClaimRefusal::DailyCapReached { cap: 10 })
        );
    }

    #[test]
    fn the_previous_owner_waits_out_the_cooldown() {
        let config = PoolConfig::default();
        let released_at = now() - TimeDelta::days(6);
        let previous = Some(PreviousOwner {
            user_id: "u1".into(),
            released_at,
        });
        assert_eq!(
            check_claim("u1", &pooled(0, previous.clone()), now(), &config),
            Err(ClaimRefusal::RecentlyReleased {
                released_at,
                until: released_at + TimeDelta::days(7)
            })
        );
        assert!(check_claim("u2", &pooled(0, previous.clone()), now(), &config).is_ok());
        let later = now() + TimeDelta::days(1);
        assert!(check_claim("u1", &pooled(0, previous), later, &config).is_ok());
    }

    #[test]
    fn only_open_leads_in_the_pool_can_be_claimed() {
        let config = PoolConfig::default();
        let owned = ClaimFacts {
            in_pool: false,
            ..pooled(0, None)
        };
        assert_eq!(
            check_claim("u1", &owned, now(), &config),
            Err(ClaimRefusal::NotInPool)
        );
        let lost = ClaimFacts {
            status: LeadStatus::Lost,
            ..pooled(0, None)
        };
        let refusal = check_claim("u1", &lost, now(), &config).unwrap_err();
        assert_eq!(refusal.to_string(), "the lead is lost");
        assert_eq!(
            serde_json::to_value(&refusal).unwrap(),
            serde_json::json!({"code": "closed", "status": "lost"})
        );
    }

    #[test]
    fn settings_are_checked_per_grade() {
        let config: PoolConfig =
            serde_json::from_str(r#"{"return_after_days": {"h": 0, "a": 3, "b": 7, "c": 400}}"#)
                .unwrap();
        let fields: Vec<String> = config
            .validate()
            .unwrap_err()
            .issues
            .into_iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(fields, ["return_after_days.h", "return_after_days.c"]);
    }
}
