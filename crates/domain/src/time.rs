//! Time from one injectable clock, and "today" in the organisation's own time zone.
//!
//! Rules never read the system time: callers pass `now`. The application holds one `Clock`,
//! the system clock in production and a `ManualClock` in tests, which tests move instead of
//! sleeping.

use std::sync::Mutex;

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};

pub trait Clock: Send + Sync {
    /// The current instant, truncated to microseconds (what both databases store exactly).
    fn now(&self) -> DateTime<Utc>;
}

fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock for tests: the real time shifted by an offset that tests set or advance, so time
/// passes as usual between requests and a test jumps ahead (a day, an SLA, a token's life)
/// without sleeping.
#[derive(Debug, Default)]
pub struct ManualClock {
    offset: Mutex<TimeDelta>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on, the clock reads `to` (and runs on from there).
    pub fn set(&self, to: DateTime<Utc>) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = to - Utc::now();
    }

    pub fn advance(&self, by: TimeDelta) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        to_micros(Utc::now() + offset)
    }
}

/// An IANA time zone name (`Asia/Shanghai`), validated against the tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IANA time zone name (e.g. Asia/Shanghai)")]
pub struct UnknownTimeZone;

impl TimeZone {
    /// China Standard Time, the default for a new organisation.
    pub const SHANGHAI: TimeZone = TimeZone(chrono_tz::Asia::Shanghai);

    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        name.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| UnknownTimeZone)
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The calendar date at `instant` in this zone: "today" for the organisation.
    pub fn date_of(self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    pub fn local(self, instant: DateTime<Utc>) -> chrono::NaiveDateTime {
        instant.with_timezone(&self.0).naive_local()
    }

    /// The instant of a local wall-clock time in this zone (the earlier one when a clock
    /// change repeats it; `None` when a clock change skips it).
    pub fn utc_of(self, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
        use chrono::TimeZone as _;
        self.0
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::SHANGHAI
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_local_date_not_the_utc_one() {
        // 01:00 in Beijing is 17:00 the day before in UTC.
        let instant = "2026-03-10T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            TimeZone::SHANGHAI.date_of(instant),
            NaiveDate::from_ymd_opt(2026, 3, 11).unwrap()
        );
        let london = TimeZone::parse("Europe/London").unwrap();
        assert_eq!(
            london.date_of(instant),
            NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
        );
    }

    #[test]
    fn zone_names_are_validated() {
        assert_eq!(
            TimeZone::parse(" Asia/Shanghai ").unwrap().name(),
            "Asia/Shanghai"
        );
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
    }

    #[test]
    fn the_manual_clock_jumps_when_told() {
        let clock = ManualClock::new();
        let before = clock.now();
        clock.advance(TimeDelta::days(2));
        let jumped = clock.now() - before;
        assert!(
            jumped >= TimeDelta::days(2) && jumped < TimeDelta::days(2) + TimeDelta::minutes(1)
        );
        let target = "2030-01-01T01:00:00Z".parse::<DateTime<Utc>>().unwrap();
        clock.set(target);
        assert!((clock.now() - target).abs() < TimeDelta::minutes(1));
        assert_eq!(clock.now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
