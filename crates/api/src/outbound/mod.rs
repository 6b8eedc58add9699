//! Outbound deliveries: signed HTTP POSTs to targets outside the system, with an SSRF guard,
//! a retry schedule and a log of every attempt. Webhook subscriptions are the first kind of
//! target (`target_kind = 'webhook'`); notification gateways are meant to use the same
//! tables (`deliveries`, `delivery_attempts`), signing, guard and schedule.
//!
//! The path of an event: a change commits its outbox row (`Ctx::record`); the relay job
//! (periodic, every second, on whichever node claims it) stamps it with its organisation's
//! next feed position, marks it published and creates one delivery, and one
//! `outbound.deliver` job, per matching active subscription; the runner claims that job
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so one node sends it) and POSTs. Delivery is at
//! least once (a node that dies mid-send leaves its job to be claimed again when its lease
//! runs out), in no promised order; receivers dedupe on `webhook-id`.

pub mod deliver;
pub mod guard;
pub mod relay;
pub mod signing;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::TimeDelta;

/// The Standard Webhooks retry schedule: the wait after each failed attempt.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// The limit on one attempt (connect, send, answer).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer the log keeps.
pub const RESPONSE_KEPT_BYTES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundSettings {
    pub retry_schedule: Vec<Duration>,
    pub allow_private_targets: bool,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        Self {
            retry_schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            allow_private_targets: false,
        }
    }
}

/// Parses a schedule such as `1s,2s,5s` or `5s,5m,30m,2h` (units s, m, h; ms for tests).
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (digits, unit) = part.split_at(
                part.find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(part.len()),
            );
            let n: u64 = digits
                .parse()
                .map_err(|_| format!("{part}: not a duration"))?;
            let secs = match unit {
                "ms" => return Ok(Duration::from_millis(n)),
                "s" | "" => n,
                "m" => n * 60,
                "h" => n * 3600,
                _ => return Err(format!("{part}: unit must be ms, s, m or h")),
            };
            Ok(Duration::from_secs(secs))
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|s| {
            if s.is_empty() {
                Err("the schedule needs at least one wait".into())
            } else {
                Ok(s)
            }
        })
}

/// The wait before the next attempt after `attempts` failed ones, with up to 10 % jitter
/// (at most 30 s) so that receivers coming back are not hit all at once; `None`: give up.
pub fn retry_after(schedule: &[Duration], attempts: usize) -> Option<TimeDelta> {
    let wait = *schedule.get(attempts.checked_sub(1)?)?;
    let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
    let max_jitter = (wait_ms / 10).min(30_000);
    let mut bytes = [0u8; 8];
    let jitter = if max_jitter > 0 && getrandom::fill(&mut bytes).is_ok() {
        i64::try_from(u64::from_le_bytes(bytes) % (max_jitter as u64 + 1)).unwrap_or(0)
    } else {
        0
    };
    Some(TimeDelta::milliseconds(wait_ms.saturating_add(jitter)))
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct OutboundMetrics {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
}

/// What the delivery jobs share: settings, one HTTP client (its resolver enforces the SSRF
/// guard), counters.
pub struct Outbound {
    pub settings: OutboundSettings,
    pub client: reqwest::Client,
    pub metrics: OutboundMetrics,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Outbound {
    pub fn new(settings: OutboundSettings) -> Arc<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(ATTEMPT_TIMEOUT)
            .pool_max_idle_per_host(32)
            .user_agent("AutoCRM-Webhooks/1")
            .dns_resolver(Arc::new(guard::GuardedResolver {
                allow_private: settings.allow_private_targets,
            }))
            .build()
            .unwrap_or_default();
        Arc::new(Self {
            settings,
            client,
            metrics: OutboundMetrics::default(),
        })
    }

    pub fn sent(&self) -> u64 {
        self.metrics.sent.load(Ordering::Relaxed)
    }

    pub fn failed(&self) -> u64 {
        self.metrics.failed.load(Ordering::Relaxed)
    }

    /// Prometheus text: deliveries sent and failed by this node.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str(
            "# HELP autocrm_webhook_deliveries_total Webhook delivery attempts by this node, by outcome.\n",
        );
        out.push_str("# TYPE autocrm_webhook_deliveries_total counter\n");
        let _ = writeln!(
            out,
            "autocrm_webhook_deliveries_total{{outcome=\"succeeded\"}} {}",
            self.sent()
        );
        let _ = writeln!(
            out,
            "autocrm_webhook_deliveries_total{{outcome=\"failed\"}} {}",
            self.failed()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse() {
        assert_eq!(
            parse_schedule("1s,2s,5s").unwrap(),
            vec![
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_secs(5)
            ]
        );
        assert_eq!(
            parse_schedule("5s, 5m, 2h").unwrap(),
            vec![
                Duration::from_secs(5),
                Duration::from_secs(300),
                Duration::from_secs(7200)
            ]
        );
        assert!(parse_schedule("").is_err());
        assert!(parse_schedule("5x").is_err());
    }

    #[test]
    fn the_standard_schedule_then_dead() {
        let s = DEFAULT_RETRY_SCHEDULE;
        let first = retry_after(&s, 1).unwrap().num_milliseconds();
        assert!((5000..=5500).contains(&first), "{first}");
        let last = retry_after(&s, 7).unwrap().num_seconds();
        assert!((36000..=36030).contains(&last), "{last}");
        assert!(retry_after(&s, 8).is_none());
        assert!(retry_after(&s, 0).is_none());
    }
}
