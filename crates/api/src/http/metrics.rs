//! Prometheus text metrics: requests by route and status, a latency histogram, pool use.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::Method;

/// A route's pattern (`/api/v1/customers/{id}`), attached to its resource once at start-up so
/// that counting a request neither matches the route again nor allocates a label.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub Arc<str>);

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// A request counter's labels: method, route pattern, status.
type RequestKey = (Method, Arc<str>, u16);

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<RequestKey, u64>>,
    latency: Mutex<HashMap<Arc<str>, Histogram>>,
}

impl Metrics {
    pub fn record(&self, method: &Method, route: &Arc<str>, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.clone(), route.clone(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let h = latency.entry(route.clone()).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        }
    }

    pub fn render(&self, pool: &autocrm_persistence::DbPool) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP autocrm_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE autocrm_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            let sorted: BTreeMap<_, _> = requests
                .iter()
                .map(|((m, r, s), n)| ((m.as_str(), r.clone(), *s), *n))
                .collect();
            for ((method, route, status), n) in sorted {
                let _ = writeln!(
                    out,
                    "autocrm_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(&route)
                );
            }
        }
        out.push_str("# HELP autocrm_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE autocrm_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            let sorted: BTreeMap<_, _> = latency.iter().collect();
            for (route, h) in sorted {
                let route = escape(route);
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "autocrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "autocrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "autocrm_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "autocrm_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        let (seconds, events) = crate::events::WRITE_COST.totals();
        out.push_str(
            "# HELP autocrm_event_write_seconds_total Time spent writing events (envelope and outbox row) inside the transactions of the changes that raise them.\n",
        );
        out.push_str("# TYPE autocrm_event_write_seconds_total counter\n");
        let _ = writeln!(out, "autocrm_event_write_seconds_total {seconds}");
        out.push_str("# HELP autocrm_event_writes_total Events written to the outbox.\n");
        out.push_str("# TYPE autocrm_event_writes_total counter\n");
        let _ = writeln!(out, "autocrm_event_writes_total {events}");
        let state = pool.state();
        out.push_str("# HELP autocrm_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE autocrm_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "autocrm_db_pool_connections{{state=\"idle\"}} {}",
            state.idle_connections
        );
        let _ = writeln!(
            out,
            "autocrm_db_pool_connections{{state=\"in_use\"}} {}",
            state.connections - state.idle_connections
        );
        let _ = writeln!(out, "autocrm_db_pool_max_connections {}", pool.max_size());
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
