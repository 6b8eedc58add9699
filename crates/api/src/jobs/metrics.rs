//! Job metrics for `/metrics`: runs and failures by kind; queue depth and the age of the
//! oldest due job are read from the database when scraped.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use autocrm_persistence::models::QueueDepth;

#[derive(Default)]
pub struct JobMetrics {
    /// kind → (runs, failures)
    by_kind: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl JobMetrics {
    pub fn ran(&self, kind: &str, succeeded: bool) {
        if let Ok(mut by_kind) = self.by_kind.lock() {
            let entry = by_kind.entry(kind.to_owned()).or_default();
            entry.0 += 1;
            if !succeeded {
                entry.1 += 1;
            }
        }
    }

    pub fn render(&self, out: &mut String, depth: QueueDepth, now: chrono::NaiveDateTime) {
        out.push_str("# HELP autocrm_jobs_run_total Background jobs run, by kind.\n");
        out.push_str("# TYPE autocrm_jobs_run_total counter\n");
        out.push_str(
            "# HELP autocrm_jobs_failed_total Background job runs that failed, by kind.\n",
        );
        out.push_str("# TYPE autocrm_jobs_failed_total counter\n");
        if let Ok(by_kind) = self.by_kind.lock() {
            for (kind, (runs, failures)) in by_kind.iter() {
                let _ = writeln!(out, "autocrm_jobs_run_total{{kind=\"{kind}\"}} {runs}");
                let _ = writeln!(
                    out,
                    "autocrm_jobs_failed_total{{kind=\"{kind}\"}} {failures}"
                );
            }
        }
        out.push_str(
            "# HELP autocrm_jobs_due Jobs whose time has come and that wait for a node.\n",
        );
        out.push_str("# TYPE autocrm_jobs_due gauge\n");
        let _ = writeln!(out, "autocrm_jobs_due {}", depth.due);
        out.push_str(
            "# HELP autocrm_jobs_oldest_due_seconds How long the oldest due job has waited.\n",
        );
        out.push_str("# TYPE autocrm_jobs_oldest_due_seconds gauge\n");
        let age = depth
            .oldest_due
            .map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
        let _ = writeln!(out, "autocrm_jobs_oldest_due_seconds {age}");
    }
}
