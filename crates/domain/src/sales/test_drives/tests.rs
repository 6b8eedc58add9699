use chrono::TimeZone;

use super::*;

fn at(hh: u32, mm: u32) -> NaiveDateTime {
    day().and_hms_opt(hh, mm, 0).unwrap()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 20).unwrap()
}

fn hours() -> OpeningHours {
    OpeningHours {
        opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        closes: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    }
}

fn utc(hh: u32, mm: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, hh, mm, 0).unwrap()
}

fn booking(
    id: &str,
    car: &str,
    consultant: &str,
    from: (u32, u32),
    to: (u32, u32),
) -> ExistingBooking {
    ExistingBooking {
        id: id.into(),
        car_id: car.into(),
        consultant_id: consultant.into(),
        interval: Interval::new(utc(from.0, from.1), utc(to.0, to.1)).unwrap(),
        status: TestDriveStatus::Booked,
    }
}

#[test]
fn appointments_sit_on_the_grid_within_opening_hours() {
    let config = TestDriveConfig::default();
    config.validate().unwrap();
    let ok = check_appointment(at(10, 0), at(10, 30), Some(hours()), &config).unwrap();
    assert_eq!((ok.start(), ok.end()), (at(10, 0), at(10, 30)));
    assert!(check_appointment(at(17, 0), at(18, 0), Some(hours()), &config).is_ok());
    assert_eq!(
        check_appointment(at(10, 15), at(10, 45), Some(hours()), &config),
        Err(AppointmentError::OffGrid { slot_minutes: 30 })
    );
    assert_eq!(
        check_appointment(at(10, 0), at(10, 0), None, &config),
        Err(AppointmentError::EndNotAfterStart)
    );
    assert_eq!(
        check_appointment(at(10, 0), at(12, 30), None, &config),
        Err(AppointmentError::TooLong { max_minutes: 120 })
    );
    assert!(matches!(
        check_appointment(at(8, 30), at(9, 30), Some(hours()), &config),
        Err(AppointmentError::OutsideOpeningHours { .. })
    ));
    assert!(check_appointment(at(8, 30), at(9, 30), None, &config).is_ok());
    let seconds = day().and_hms_opt(10, 0, 5).unwrap();
    assert!(check_appointment(seconds, at(10, 30), None, &config).is_err());
}

#[test]
fn back_to_back_bookings_do_not_overlap() {
    let a = Interval::new(at(10, 0), at(10, 30)).unwrap();
    let b = Interval::new(at(10, 30), at(11, 0)).unwrap();
    let c = Interval::new(at(10, 29), at(10, 31)).unwrap();
    assert!(!a.overlaps(&b) && !b.overlaps(&a));
    assert!(a.overlaps(&c) && c.overlaps(&b));
    assert!(a.overlaps(&a));
    assert_eq!(Interval::new(at(11, 0), at(10, 0)), Err(EndNotAfterStart));
}

#[test]
fn conflicts_name_the_car_and_the_consultant() {
    let existing = [
        booking("b1", "car-1", "alice", (10, 0), (10, 30)),
        booking("b2", "car-2", "bob", (10, 0), (11, 0)),
        booking("b3", "car-1", "bob", (10, 30), (11, 0)),
        ExistingBooking {
            status: TestDriveStatus::Cancelled,
            ..booking("b4", "car-1", "bob", (10, 0), (11, 0))
        },
    ];
    let wanted = Interval::new(utc(10, 0), utc(10, 30)).unwrap();
    let found = conflicts(&wanted, "car-1", "bob", &existing);
    assert_eq!(
        found,
        [
            Conflict {
                booking_id: "b1".into(),
                resource: BookedResource::Car
            },
            Conflict {
                booking_id: "b2".into(),
                resource: BookedResource::Consultant
            },
        ]
    );
    let later = Interval::new(utc(11, 0), utc(11, 30)).unwrap();
    assert!(conflicts(&later, "car-1", "bob", &existing).is_empty());
}

#[test]
fn free_slots_skip_what_is_taken() {
    let config = TestDriveConfig::default();
    let taken = [Interval::new(at(9, 30), at(10, 30)).unwrap()];
    let short_day = OpeningHours {
        opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        closes: NaiveTime::from_hms_opt(11, 15, 0).unwrap(),
    };
    let free: Vec<(NaiveDateTime, NaiveDateTime)> = free_slots(day(), short_day, &taken, &config)
        .iter()
        .map(|s| (s.start(), s.end()))
        .collect();
    assert_eq!(free, [(at(9, 0), at(9, 30)), (at(10, 30), at(11, 0))]);
    assert_eq!(free_slots(day(), hours(), &[], &config).len(), 18);
}

#[test]
fn statuses_move_forward_only() {
    use TestDriveStatus::*;
    assert_eq!(Booked.transition(InProgress), Ok(InProgress));
    assert_eq!(InProgress.transition(Completed), Ok(Completed));
    assert_eq!(Booked.transition(NoShow), Ok(NoShow));
    assert!(InProgress.transition(Cancelled).is_err());
    assert!(Completed.transition(Booked).is_err());
    assert!(Booked.holds_slot() && InProgress.holds_slot());
    assert!(!Completed.holds_slot() && !Cancelled.holds_slot() && !NoShow.holds_slot());
}

#[test]
fn slot_lengths_must_divide_a_day() {
    let config = TestDriveConfig {
        slot_minutes: 35,
        max_slots: 0,
    };
    let fields: Vec<(String, IssueCode)> = config
        .validate()
        .unwrap_err()
        .issues
        .into_iter()
        .map(|i| (i.field, i.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("slot_minutes".to_owned(), IssueCode::NotAllowed),
            ("max_slots".to_owned(), IssueCode::OutOfRange)
        ]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Overlap is symmetric, and two intervals overlap exactly when some minute lies in both.
        #[test]
        fn overlap_is_sharing_a_minute(a in 0u32..48, la in 1u32..6, b in 0u32..48, lb in 1u32..6) {
            let minute = |m: u32| at(0, 0) + TimeDelta::minutes(i64::from(m) * 10);
            let x = Interval::new(minute(a), minute(a + la)).unwrap();
            let y = Interval::new(minute(b), minute(b + lb)).unwrap();
            let shared = (a..a + la).any(|m| (b..b + lb).contains(&m));
            prop_assert_eq!(x.overlaps(&y), shared);
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
        }
    }
}
