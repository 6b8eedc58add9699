//! Lead benchmarks: scoring one lead with a month of events, and routing one lead among 50
//! consultants. Both run once per intake, so they must stay far below the intake budget.

use std::collections::BTreeSet;
use std::hint::black_box;

use autocrm_domain::customer::PurchaseTimeframe;
use autocrm_domain::leads::routing::{
    Candidate, LeadRoutingFacts, RoutingConfig, RoutingRule, RoutingStrategy, WhenNobodyOnShift,
    route,
};
use autocrm_domain::leads::scoring::{ContactData, LeadScoringConfig, LeadSignals, score_lead};
use autocrm_domain::leads::{CustomerEvent, EventKind, LeadGrade, SourceChannel};
use autocrm_domain::vehicle::Condition;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
}

/// 30 events over 30 days: views of three models, replies, visits, a test drive.
fn events() -> Vec<CustomerEvent> {
    let kinds = [
        EventKind::ModelViewed,
        EventKind::ModelViewed,
        EventKind::CustomerReply,
        EventKind::ContactAttempt,
        EventKind::ModelViewed,
        EventKind::StoreVisit,
    ];
    let models = ["汉 EV", "唐 DM-i", "海豹"];
    let mut events: Vec<CustomerEvent> = (0..30)
        .map(|i| {
            let at = now() - TimeDelta::hours(i * 23);
            CustomerEvent {
                kind: kinds[i as usize % kinds.len()],
                at,
                local_date: at.date_naive(),
                subject: Some(models[i as usize % models.len()].to_owned()),
            }
        })
        .collect();
    events[3].kind = EventKind::TestDrive;
    events
}

fn scoring(c: &mut Criterion) {
    let config = LeadScoringConfig::default();
    let source = SourceChannel::parse("autohome").unwrap();
    let events = events();
    let signals = LeadSignals {
        timeframe: Some(PurchaseTimeframe::Within15Days),
        cars_in_budget: Some(4),
        source: &source,
        contact: ContactData {
            phone: true,
            wechat: true,
            email: false,
            name: true,
        },
        events: &events,
        active_since: now() - TimeDelta::days(20),
    };
    c.bench_function("leads/score_one_lead_30_events", |b| {
        b.iter(|| score_lead(black_box(&signals), now(), &config))
    });
}

fn routing(c: &mut Criterion) {
    let members: Vec<String> = (0..50)
        .map(|i| format!("0190f0a2-0000-7000-8000-{i:012}"))
        .collect();
    // Three rules that do not match come first, as in an organisation with several brands.
    let rule = |name: &str, brand: &str, strategy| RoutingRule {
        name: name.to_owned(),
        store_ids: BTreeSet::new(),
        regions: BTreeSet::new(),
        brands: BTreeSet::from([brand.to_owned()]),
        conditions: BTreeSet::from([Condition::New]),
        sources: BTreeSet::new(),
        grades: BTreeSet::new(),
        team: members.clone(),
        strategy,
        when_nobody_on_shift: WhenNobodyOnShift::NextRule,
    };
    let candidates: Vec<Candidate> = members
        .iter()
        .enumerate()
        .map(|(i, id)| Candidate {
            user_id: id.clone(),
            active: i % 10 != 0,
            on_shift: i % 7 != 0,
            open_leads: (i as u32 * 37) % 23,
            last_assigned_at: Some(now() - TimeDelta::minutes((i as i64 * 53) % 480)),
        })
        .collect();
    let lead = LeadRoutingFacts {
        store_id: Some("store-1".into()),
        region: Some("east".into()),
        brand: Some("BYD".into()),
        condition: Some(Condition::New),
        source: SourceChannel::parse("autohome").unwrap(),
        grade: LeadGrade::A,
    };
    let mut group = c.benchmark_group("leads/route_one_lead_50_candidates");
    for strategy in [RoutingStrategy::RoundRobin, RoutingStrategy::LeastLoaded] {
        let config = RoutingConfig {
            rules: vec![
                rule("BMW", "BMW", strategy),
                rule("Audi", "Audi", strategy),
                rule("Volvo", "Volvo", strategy),
                rule("BYD", "byd", strategy),
            ],
        };
        group.bench_function(strategy.as_str(), |b| {
            b.iter(|| route(&config, black_box(&lead), black_box(&candidates), now()))
        });
    }
    group.finish();
}

criterion_group!(benches, scoring, routing);
criterion_main!(benches);
