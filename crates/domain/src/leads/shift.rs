//! When a consultant works: a weekly pattern of local time spans plus an on-duty switch.

use chrono::{Datelike, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::validation::{Invalid, IssueCode, Issues};

crate::text_enum! {
    pub enum DayOfWeek {
        Mon = "mon",
        Tue = "tue",
        Wed = "wed",
        Thu = "thu",
        Fri = "fri",
        Sat = "sat",
        Sun = "sun",
    }
}

impl From<Weekday> for DayOfWeek {
    fn from(day: Weekday) -> Self {
        DayOfWeek::ALL[day.num_days_from_monday() as usize]
    }
}

/// A span of work that starts on `day` at `start` (local time). It ends at `end` the same day,
/// or, when `end` is not after `start`, at `end` the next day (a night shift `22:00`–`02:00`).
/// Start and end may not be equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpan {
    pub day: DayOfWeek,
    /// `"09:00"` or `"09:00:00"`.
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl ShiftSpan {
    fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    fn covers(&self, local: NaiveDateTime) -> bool {
        let day = DayOfWeek::from(local.weekday());
        let time = local.time();
        let yesterday = DayOfWeek::from(local.weekday().pred());
        if self.crosses_midnight() {
            (self.day == day && time >= self.start) || (self.day == yesterday && time < self.end)
        } else {
            self.day == day && self.start <= time && time < self.end
        }
    }
}

/// A consultant's weekly working pattern. An empty pattern is never on shift.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShiftPattern {
    pub spans: Vec<ShiftSpan>,
}

impl ShiftPattern {
    /// Every day, all day: for organisations that do not plan shifts.
    pub fn always() -> ShiftPattern {
        let midnight = NaiveTime::MIN;
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("noon");
        ShiftPattern {
            spans: DayOfWeek::ALL
                .iter()
                .flat_map(|&day| {
                    [
                        ShiftSpan {
                            day,
                            start: midnight,
                            end: noon,
                        },
                        ShiftSpan {
                            day,
                            start: noon,
                            end: midnight,
                        },
                    ]
                })
                .collect(),
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for (i, span) in self.spans.iter().enumerate() {
            if span.start == span.end {
                issues.push(
                    format!("[{i}].end"),
                    IssueCode::OutOfRange,
                    "a span cannot start and end at the same time; split a 24-hour day in two",
                );
            }
        }
        issues.finish()
    }

    /// Whether some span covers this local date and time (start included, end excluded).
    pub fn covers(&self, local: NaiveDateTime) -> bool {
        self.spans.iter().any(|span| span.covers(local))
    }
}

/// On shift: switched on duty (not on leave, checked in) and inside the weekly pattern. Both
/// must hold, so a consultant on leave gets no leads during their usual hours.
pub fn is_on_shift(pattern: &ShiftPattern, on_duty: bool, local: NaiveDateTime) -> bool {
    on_duty && pattern.covers(local)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(day: u32, hh: u32, mm: u32) -> NaiveDateTime {
        // 2025-06-02 is a Monday.
        NaiveDate::from_ymd_opt(2025, 6, day)
            .unwrap()
            .and_hms_opt(hh, mm, 0)
            .unwrap()
    }

    fn pattern(json: &str) -> ShiftPattern {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn day_spans_include_the_start_and_exclude_the_end() {
        let p = pattern(r#"[{"day":"mon","start":"09:00","end":"18:00"}]"#);
        assert!(!p.covers(at(2, 8, 59)));
        assert!(p.covers(at(2, 9, 0)));
        assert!(p.covers(at(2, 17, 59)));
        assert!(!p.covers(at(2, 18, 0)));
        assert!(!p.covers(at(3, 10, 0)), "Tuesday");
    }

    #[test]
    fn night_spans_run_into_the_next_day() {
        let p = pattern(r#"[{"day":"sun","start":"22:00","end":"02:00"}]"#);
        // Sunday 2025-06-08 22:30 and Monday 2025-06-09 01:59.
        assert!(p.covers(at(8, 22, 30)));
        assert!(p.covers(at(9, 1, 59)));
        assert!(!p.covers(at(9, 2, 0)));
        assert!(
            !p.covers(at(8, 1, 0)),
            "Sunday early morning belongs to Saturday's night"
        );
        assert!(
            !p.covers(at(9, 22, 30)),
            "Monday night is not in the pattern"
        );
    }

    #[test]
    fn a_span_ending_at_midnight_covers_the_evening() {
        let p = pattern(r#"[{"day":"fri","start":"12:00","end":"00:00"}]"#);
        assert!(p.covers(at(6, 23, 59)));
        assert!(!p.covers(at(7, 0, 0)));
    }

    #[test]
    fn the_duty_switch_and_the_pattern_must_both_hold() {
        let always = ShiftPattern::always();
        assert!(always.validate().is_ok());
        for day in 2..=8 {
            for hour in [0, 11, 12, 23] {
                assert!(is_on_shift(&always, true, at(day, hour, 30)));
                assert!(!is_on_shift(&always, false, at(day, hour, 30)));
            }
        }
        assert!(!is_on_shift(&ShiftPattern::default(), true, at(2, 10, 0)));
    }

    #[test]
    fn empty_spans_are_refused() {
        let p = pattern(
            r#"[{"day":"mon","start":"09:00","end":"18:00"},{"day":"tue","start":"09:00","end":"09:00"}]"#,
        );
        let issues = p.validate().unwrap_err().issues;
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].field, "[1].end");
        assert!(
            serde_json::from_str::<ShiftPattern>(
                r#"[{"day":"monday","start":"09:00","end":"18:00"}]"#
            )
            .is_err()
        );
    }
}
