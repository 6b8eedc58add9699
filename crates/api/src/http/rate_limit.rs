//! Token buckets: a burst, then a steady rate; beyond it 429 `rate_limited` with Retry-After.
//!
//! Two limits, each off when its rate is 0:
//! - sign-in (`/auth/login`, `/auth/token`, `/auth/refresh`) per client IP, against password
//!   guessing across many accounts (the per-account lockout cannot see that);
//! - every authenticated request per caller (user or API client), so that one runaway
//!   integration cannot starve the others.
//!
//! Buckets live in this process: with several API nodes each node enforces its own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::HeaderName;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::authenticate::Authentication;
use crate::error::{ApiError, Code};

/// Past this many callers, buckets that have refilled completely are dropped (a full
/// bucket is the same as no bucket).
const PRUNE_ABOVE: usize = 10_000;

pub const SIGN_IN_PATHS: [&str; 6] = [
    "/api/v1/auth/login",
    "/api/v1/auth/token",
    "/api/v1/auth/refresh",
    "/api/v1/customer-auth/sms/code",
    "/api/v1/customer-auth/sms",
    "/api/v1/customer-auth/wechat",
];

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    by_key: HashMap<String, Bucket>,
    /// Prune when the map grows past this, then set it to twice what is left, so that
    /// many callers with partly spent buckets cost one sweep per doubling, not one per
    /// request.
    prune_at: usize,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `None` when `per_minute` is 0: no limit.
    pub fn new(per_minute: u32, burst: u32) -> Option<Self> {
        (per_minute > 0).then(|| RateLimiter {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
        })
    }

    /// Takes one request's token for `key`, or says in how many seconds one is due.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut guard = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let buckets = &mut *guard;
        if buckets.by_key.len() > buckets.prune_at.max(PRUNE_ABOVE) {
            buckets
                .by_key
                .retain(|_, b| self.refilled(b, now) < self.burst);
            buckets.prune_at = buckets.by_key.len() * 2;
        }
        let bucket = buckets.by_key.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        bucket.tokens = self.refilled(bucket, now);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

/// Both limits, made once per process and shared by every worker.
pub struct RateLimits {
    pub sign_in: Option<RateLimiter>,
    pub per_caller: Option<RateLimiter>,
    /// Where a trusted reverse proxy puts the client's address; `None`: the TCP peer.
    pub client_ip_header: Option<HeaderName>,
}

impl RateLimits {
    /// The client's address: the last entry of the proxy's header (the one the proxy
    /// itself added; earlier ones are whatever the client sent), else the TCP peer.
    fn client_ip(&self, req: &ServiceRequest) -> Option<String> {
        let forwarded = self.client_ip_header.as_ref().and_then(|name| {
            req.headers()
                .get_all(name)
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
                .map(str::to_owned)
        });
        forwarded.or_else(|| req.peer_addr().map(|peer| peer.ip().to_string()))
    }
}

pub async fn limit_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if let Err(retry_after_secs) = check(&req) {
        let error = ApiError::too_many(
            Code::RateLimited,
            format!("too many requests; retry in {retry_after_secs} s"),
            retry_after_secs,
        );
        return Ok(req.error_response(error).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn check(req: &ServiceRequest) -> Result<(), u64> {
    let Some(limits) = req.app_data::<web::Data<RateLimits>>() else {
        return Ok(());
    };
    let now = Instant::now();
    if req.method() == Method::POST && SIGN_IN_PATHS.contains(&req.path()) {
        if let (Some(limiter), Some(ip)) = (&limits.sign_in, limits.client_ip(req)) {
            return limiter.check(&ip, now);
        }
        return Ok(());
    }
    let Some(limiter) = &limits.per_caller else {
        return Ok(());
    };
    // Only a verified token names a caller: a forged one must not drain someone else's
    // bucket. Requests without one are answered 401 by the handler anyway.
    match Authentication::of(req.request()).and_then(|a| a.principal().cloned()) {
        Some(caller) => limiter.check(&format!("{}/{}", caller.org_id, caller.id), now),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RateLimiter;

    #[test]
    fn a_burst_then_the_steady_rate() {
        let limiter = RateLimiter::new(60, 3).unwrap();
        let start = std::time::Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("a", start), Ok(()));
        }
        assert_eq!(limiter.check("a", start), Err(1));
        // Another caller has a bucket of its own.
        assert_eq!(limiter.check("b", start), Ok(()));
        // One token per second comes back.
        assert_eq!(
            limiter.check("a", start + Duration::from_millis(1000)),
            Ok(())
        );
        assert_eq!(
            limiter.check("a", start + Duration::from_millis(1100)),
            Err(1)
        );
    }

    #[test]
    fn retry_after_counts_the_seconds_to_the_next_token() {
        let limiter = RateLimiter::new(6, 1).unwrap();
        let start = std::time::Instant::now();
        assert_eq!(limiter.check("a", start), Ok(()));
        assert_eq!(limiter.check("a", start), Err(10));
        assert_eq!(limiter.check("a", start + Duration::from_secs(4)), Err(6));
    }

    #[test]
    fn full_buckets_are_forgotten_and_spent_ones_kept() {
        let limiter = RateLimiter::new(60, 2).unwrap();
        let start = std::time::Instant::now();
        // Past the threshold with every bucket partly spent: the sweep frees nothing, and
        // the next one waits until the map has doubled.
        for i in 0..=super::PRUNE_ABOVE + 1 {
            assert_eq!(limiter.check(&format!("caller {i}"), start), Ok(()));
        }
        let swept_at = limiter.buckets.lock().unwrap().prune_at;
        assert_eq!(swept_at, 2 * (super::PRUNE_ABOVE + 1));
        // Ten seconds on, those have refilled: the sweep at the doubling drops them and
        // keeps the buckets in use.
        let later = start + Duration::from_secs(10);
        let mut i = 0;
        while limiter
            .buckets
            .lock()
            .unwrap()
            .by_key
            .contains_key("caller 0")
        {
            assert_eq!(limiter.check(&format!("newcomer {i}"), later), Ok(()));
            i += 1;
        }
        assert!(i <= swept_at, "swept only after {i} newcomers");
        let buckets = limiter.buckets.lock().unwrap();
        assert!(buckets.by_key.keys().all(|k| k.starts_with("newcomer")));
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(RateLimiter::new(0, 10).is_none());
    }
}
