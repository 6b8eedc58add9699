//! Financing calculator benchmarks: a full 120-month schedule with its APR, per method, plus the
//! affordability search. Target: under 20 µs for 120 months with APR.

use std::hint::black_box;

use autocrm_domain::financing::{
    AffordabilityRequest, DownPayment, LoanRequest, Method, affordability, calculate,
};
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal_macros::dec;

fn request(method: Method) -> LoanRequest {
    LoanRequest {
        vehicle_price_cents: 25_000_000,
        down_payment: DownPayment::Percent(dec!(20)),
        term_months: 120,
        annual_rate_percent: dec!(4.85),
        method,
        balloon_cents: (method == Method::Balloon).then_some(6_000_000),
        fees_cents: 150_000,
        fees_financed: false,
        start_date: NaiveDate::from_ymd_opt(2025, 1, 31),
    }
}

fn schedules(c: &mut Criterion) {
    let mut group = c.benchmark_group("financing/calculate_120m_with_apr");
    for method in [
        Method::EqualInstallment,
        Method::EqualPrincipal,
        Method::FlatRate,
        Method::Balloon,
    ] {
        let req = request(method);
        group.bench_function(method.as_str(), |b| {
            b.iter(|| calculate(black_box(&req)).expect("valid"))
        });
    }
    let no_dates = LoanRequest {
        start_date: None,
        ..request(Method::EqualInstallment)
    };
    group.bench_function("equal_installment_no_dates", |b| {
        b.iter(|| calculate(black_box(&no_dates)).expect("valid"))
    });
    group.finish();
}

fn affordability_search(c: &mut Criterion) {
    let req = AffordabilityRequest {
        monthly_budget_cents: 350_000,
        down_payment_cents: 5_000_000,
        term_months: 120,
        annual_rate_percent: dec!(4.85),
        method: Method::EqualInstallment,
        balloon_cents: None,
        fees_cents: 150_000,
        fees_financed: true,
        start_date: NaiveDate::from_ymd_opt(2025, 1, 31),
    };
    c.bench_function("financing/affordability_120m", |b| {
        b.iter(|| affordability(black_box(&req)).expect("valid"))
    });
}

criterion_group!(benches, schedules, affordability_search);
criterion_main!(benches);
