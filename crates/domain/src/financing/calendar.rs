//! Due dates.

use chrono::{Months, NaiveDate};

/// Period `k` falls due `k` months after `start`, clamped to the end of shorter months
/// (Jan 31 → Feb 28/29 → Mar 31). Always counted from `start`, never chained from the previous
/// due date, so a clamp in February does not drag every later date to the 28th.
pub(crate) fn due_date(start: NaiveDate, k: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(k))
}
