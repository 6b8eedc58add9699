//! Test drives: appointments on a grid of slots, within opening hours, and the overlap rule that
//! keeps a car or a consultant from being booked twice.
//!
//! # Overlap
//! Appointments are half-open intervals `[start, end)`: back-to-back bookings (10:00–10:30 and
//! 10:30–11:00) do not overlap. Only bookings whose status holds the slot (booked, in progress)
//! block others. The database enforces the same rule under concurrency (PostgreSQL: an
//! exclusion constraint on `tstzrange(start, end, '[)')` per car and per consultant; SQLite: a
//! check inside the write transaction); [`conflicts`] gives the reasons beforehand.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::leads::{Invalid, IssueCode, Issues};

/// A half-open time interval `[start, end)` with `end > start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Interval<T> {
    start: T,
    end: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the end must be after the start")]
pub struct EndNotAfterStart;

impl<T: Ord + Copy> Interval<T> {
    pub fn new(start: T, end: T) -> Result<Self, EndNotAfterStart> {
        if end > start {
            Ok(Interval { start, end })
        } else {
            Err(EndNotAfterStart)
        }
    }

    pub fn start(&self) -> T {
        self.start
    }

    pub fn end(&self) -> T {
        self.end
    }

    pub fn overlaps(&self, other: &Interval<T>) -> bool {
        self.start < other.end && other.start < self.end
    }
}

crate::text_enum! {
    pub enum TestDriveStatus {
        Booked = "booked",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
        NoShow = "no_show",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a test drive cannot go from {from} to {to}")]
pub struct IllegalTestDriveTransition {
    pub from: TestDriveStatus,
    pub to: TestDriveStatus,
}

impl TestDriveStatus {
    /// Whether the booking keeps its car and consultant from other bookings.
    pub fn holds_slot(self) -> bool {
        matches!(self, TestDriveStatus::Booked | TestDriveStatus::InProgress)
    }

    /// Booked → in progress, completed (started without being marked), cancelled or no-show;
    /// in progress → completed. The rest are final.
    pub fn transition(
        self,
        to: TestDriveStatus,
    ) -> Result<TestDriveStatus, IllegalTestDriveTransition> {
        use TestDriveStatus::*;
        match (self, to) {
            (Booked, InProgress | Completed | Cancelled | NoShow) | (InProgress, Completed) => {
                Ok(to)
            }
            (from, to) => Err(IllegalTestDriveTransition { from, to }),
        }
    }
}

/// An organisation's test-drive settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TestDriveConfig {
    /// Slot length; divides a day, so every day has the same grid from midnight.
    pub slot_minutes: u32,
    /// The longest appointment, in slots.
    pub max_slots: u32,
}

impl Default for TestDriveConfig {
    fn default() -> Self {
        TestDriveConfig {
            slot_minutes: 30,
            max_slots: 4,
        }
    }
}

impl TestDriveConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        issues.range("slot_minutes", self.slot_minutes, 5, 240);
        if !(24 * 60_u32).is_multiple_of(self.slot_minutes) {
            issues.push(
                "slot_minutes",
                IssueCode::NotAllowed,
                "must divide a day (5, 10, 15, 20, 30, 60, … minutes)",
            );
        }
        issues.range("max_slots", self.max_slots, 1, 16);
        issues.finish()
    }

    fn slot(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.slot_minutes))
    }

    fn on_grid(&self, time: NaiveTime) -> bool {
        self.slot_minutes > 0
            && time.second() == 0
            && time.nanosecond() == 0
            && (time.num_seconds_from_midnight() / 60).is_multiple_of(self.slot_minutes)
    }
}

/// A store's opening hours on one day (local time, closing after opening).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppointmentError {
    #[error("the end must be after the start")]
    EndNotAfterStart,
    #[error("appointments start and end on the {slot_minutes}-minute grid")]
    OffGrid { slot_minutes: u32 },
    #[error("an appointment lasts at most {max_minutes} minutes")]
    TooLong { max_minutes: u32 },
    #[error("the store is open from {opens} to {closes}")]
    OutsideOpeningHours { opens: NaiveTime, closes: NaiveTime },
}

/// Checks an appointment in the store's local time: on the slot grid, at most `max_slots` long,
/// and within the day's opening hours when they are given. Returns it as an interval.
pub fn check_appointment(
    start: NaiveDateTime,
    end: NaiveDateTime,
    opening: Option<OpeningHours>,
    config: &TestDriveConfig,
) -> Result<Interval<NaiveDateTime>, AppointmentError> {
    let interval = Interval::new(start, end).map_err(|_| AppointmentError::EndNotAfterStart)?;
    if !config.on_grid(start.time()) || !config.on_grid(end.time()) {
        return Err(AppointmentError::OffGrid {
            slot_minutes: config.slot_minutes,
        });
    }
    let max_minutes = config.slot_minutes * config.max_slots;
    if end - start > TimeDelta::minutes(i64::from(max_minutes)) {
        return Err(AppointmentError::TooLong { max_minutes });
    }
    if let Some(hours) = opening {
        let within =
            end.date() == start.date() && hours.opens <= start.time() && end.time() <= hours.closes;
        if !within {
            return Err(AppointmentError::OutsideOpeningHours {
                opens: hours.opens,
                closes: hours.closes,
            });
        }
    }
    Ok(interval)
}

/// The free slots of a day: grid slots wholly within the opening hours that overlap none of
/// `taken` (the car's or the consultant's bookings that hold their slot, in local time).
pub fn free_slots(
    day: NaiveDate,
    opening: OpeningHours,
    taken: &[Interval<NaiveDateTime>],
    config: &TestDriveConfig,
) -> Vec<Interval<NaiveDateTime>> {
    let mut slots = Vec::new();
    if config.slot_minutes == 0 {
        return slots;
    }
    let closes = day.and_time(opening.closes);
    let mut start = day.and_time(NaiveTime::MIN);
    while start < closes {
        let end = start + config.slot();
        if start.time() >= opening.opens
            && end <= closes
            && let Ok(slot) = Interval::new(start, end)
            && !taken.iter().any(|t| t.overlaps(&slot))
        {
            slots.push(slot);
        }
        start = end;
    }
    slots
}

/// What a booking holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExistingBooking {
    pub id: String,
    pub car_id: String,
    pub consultant_id: String,
    pub interval: Interval<DateTime<Utc>>,
    pub status: TestDriveStatus,
}

crate::text_enum! {
    pub enum BookedResource {
        Car = "car",
        Consultant = "consultant",
    }
}

/// A booking in the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub booking_id: String,
    pub resource: BookedResource,
}

/// The bookings a new appointment of this car with this consultant would overlap. Leave the
/// appointment's own booking out of `existing` when moving it.
pub fn conflicts(
    interval: &Interval<DateTime<Utc>>,
    car_id: &str,
    consultant_id: &str,
    existing: &[ExistingBooking],
) -> Vec<Conflict> {
    let mut found = Vec::new();
    for booking in existing
        .iter()
        .filter(|b| b.status.holds_slot() && b.interval.overlaps(interval))
    {
        if booking.car_id == car_id {
            found.push(Conflict {
                booking_id: booking.id.clone(),
                resource: BookedResource::Car,
            });
        }
        if booking.consultant_id == consultant_id {
            found.push(Conflict {
                booking_id: booking.id.clone(),
                resource: BookedResource::Consultant,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests;
