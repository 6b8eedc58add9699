use chrono::NaiveDate;
use rust_decimal_macros::dec;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn due_dates(start: NaiveDate, term: u32) -> Vec<NaiveDate> {
    let r = LoanRequest {
        start_date: Some(start),
        ..req(10_000_000, 0, term, dec!(4.85), Method::EqualInstallment)
    };
    checked(&r)
        .schedule
        .iter()
        .map(|row| row.due_date.unwrap())
        .collect()
}

#[test]
fn month_end_start_clamps_without_drifting() {
    // Leap year: Feb 29, then back to the 31st.
    assert_eq!(
        due_dates(d(2024, 1, 31), 4),
        vec![
            d(2024, 2, 29),
            d(2024, 3, 31),
            d(2024, 4, 30),
            d(2024, 5, 31)
        ]
    );
    assert_eq!(
        due_dates(d(2023, 1, 31), 2),
        vec![d(2023, 2, 28), d(2023, 3, 31)]
    );
    let dates = due_dates(d(2023, 8, 31), 13);
    assert_eq!(
        &dates[..3],
        &[d(2023, 9, 30), d(2023, 10, 31), d(2023, 11, 30)]
    );
    assert_eq!(dates[5], d(2024, 2, 29));
    assert_eq!(dates[12], d(2024, 9, 30));
}

#[test]
fn leap_day_start() {
    let dates = due_dates(d(2024, 2, 29), 48);
    assert_eq!(dates[0], d(2024, 3, 29));
    assert_eq!(dates[11], d(2025, 2, 28));
    assert_eq!(dates[47], d(2028, 2, 29));
}

#[test]
fn ordinary_start_and_ten_years() {
    let dates = due_dates(d(2025, 3, 15), 120);
    assert_eq!(dates[0], d(2025, 4, 15));
    assert_eq!(dates[119], d(2035, 3, 15));
}

#[test]
fn no_start_date_no_due_dates() {
    let q = checked(&req(
        10_000_000,
        0,
        12,
        dec!(4.85),
        Method::EqualInstallment,
    ));
    assert!(q.schedule.iter().all(|row| row.due_date.is_none()));
}
