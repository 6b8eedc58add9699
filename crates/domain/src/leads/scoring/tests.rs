use chrono::{NaiveDate, TimeZone};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - TimeDelta::days(days)
}

fn event(kind: EventKind, days: i64, subject: Option<&str>) -> CustomerEvent {
    let at = days_ago(days);
    CustomerEvent {
        kind,
        at,
        local_date: at.date_naive(),
        subject: subject.map(str::to_owned),
    }
}

fn source(name: &str) -> SourceChannel {
    SourceChannel::parse(name).unwrap()
}

fn signals<'a>(
    timeframe: Option<PurchaseTimeframe>,
    source: &'a SourceChannel,
    events: &'a [CustomerEvent],
) -> LeadSignals<'a> {
    LeadSignals {
        timeframe,
        cars_in_budget: None,
        source,
        contact: ContactData::default(),
        events,
        active_since: days_ago(1),
    }
}

fn reason(score: &LeadScore, factor: ScoreFactor) -> &ScoreReason {
    score.reasons.iter().find(|r| r.factor == factor).unwrap()
}

#[test]
fn the_default_config_is_valid_and_round_trips() {
    let config = LeadScoringConfig::default();
    config.validate().unwrap();
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<LeadScoringConfig>(&json).unwrap(),
        config
    );
    let partial: LeadScoringConfig =
        serde_json::from_str(r#"{"engagement_window_days": 14}"#).unwrap();
    assert_eq!(partial.engagement_window_days, 14);
    assert_eq!(partial.weights, config.weights);
    assert!(serde_json::from_str::<LeadScoringConfig>(r#"{"engagement_window": 14}"#).is_err());
}

#[test]
fn invalid_configs_name_every_field() {
    let mut config = LeadScoringConfig::default();
    config.weights.insert(ScoreFactor::Contact, 20);
    config.bands.a = 20;
    config.recency_full_days = 40;
    config.grade_moves.max_raise = 4;
    config
        .source_quality_percent
        .insert(source("autohome"), 120);
    let fields: Vec<String> = config
        .validate()
        .unwrap_err()
        .issues
        .into_iter()
        .map(|i| i.field)
        .collect();
    assert_eq!(
        fields,
        [
            "weights",
            "bands",
            "source_quality_percent.autohome",
            "recency_full_days",
            "grade_moves.max_raise"
        ]
    );
}

#[test]
fn a_bare_lead_is_graded_by_its_stated_window() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    for (timeframe, grade) in [
        (PurchaseTimeframe::Within7Days, LeadGrade::H),
        (PurchaseTimeframe::Within15Days, LeadGrade::A),
        (PurchaseTimeframe::Within30Days, LeadGrade::B),
        (PurchaseTimeframe::Later, LeadGrade::C),
    ] {
        let score = score_lead(&signals(Some(timeframe), &web, &[]), now(), &config);
        assert_eq!(score.grade, grade);
        assert_eq!(
            score.grade_reasons,
            [GradeReason {
                step: GradeStep::StatedTimeframe {
                    timeframe: Some(timeframe)
                },
                grade
            }]
        );
    }
}

#[test]
fn points_follow_the_factors_and_add_up() {
    let config = LeadScoringConfig::default();
    let walk_in = source("walk_in");
    let events = [
        event(EventKind::StoreVisit, 0, None),
        event(EventKind::TestDrive, 0, None),
        event(EventKind::CustomerReply, 2, None),
        event(EventKind::ModelViewed, 1, Some("汉 EV")),
        event(EventKind::ModelViewed, 3, Some("汉 EV")),
        event(EventKind::ModelViewed, 3, Some("秦 PLUS")),
    ];
    let lead = LeadSignals {
        cars_in_budget: Some(2),
        contact: ContactData {
            phone: true,
            wechat: true,
            email: false,
            name: true,
        },
        ..signals(Some(PurchaseTimeframe::Within15Days), &walk_in, &events)
    };
    let score = score_lead(&lead, now(), &config);
    let points = |f| reason(&score, f).points;
    assert_eq!(points(ScoreFactor::Timeframe), 20, "80 % of 25");
    assert_eq!(points(ScoreFactor::BudgetFit), 10, "2 of 3 cars: 10 of 15");
    assert_eq!(points(ScoreFactor::Source), 9, "90 % of 10");
    assert_eq!(points(ScoreFactor::StoreVisits), 5, "1 of 2 days");
    assert_eq!(points(ScoreFactor::TestDrive), 10);
    assert_eq!(points(ScoreFactor::QuoteRequest), 0);
    assert_eq!(
        points(ScoreFactor::Replies),
        2,
        "1 of 3 replies: 1.67 rounds to 2"
    );
    assert_eq!(points(ScoreFactor::Recency), 8);
    assert_eq!(
        points(ScoreFactor::RepeatViews),
        3,
        "2 of 3 days: 2.67 rounds to 3"
    );
    assert_eq!(points(ScoreFactor::Contact), 7, "90 % of 8: 7.2");
    assert_eq!(
        reason(&score, ScoreFactor::RepeatViews).observed,
        Observed::RepeatViews {
            subject: Some("汉 EV".into()),
            days: 2
        }
    );
    let total: u32 = score.reasons.iter().map(|r| u32::from(r.points)).sum();
    assert_eq!(u32::from(score.factor_points), total);
    assert_eq!(score.factor_points, 74);
    // A within 15 days, raised by the test drive to H: band 75–100.
    assert_eq!(score.grade, LeadGrade::H);
    assert_eq!(score.score, 93, "75 + 74 × 25 / 100 = 93.5, rounded down");
}

#[test]
fn engagement_raises_the_grade_up_to_the_cap() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let events = [
        event(EventKind::TestDrive, 3, None),
        event(EventKind::QuoteRequested, 2, None),
        event(EventKind::StoreVisit, 3, None),
        event(EventKind::StoreVisit, 1, None),
    ];
    let score = score_lead(&signals(None, &web, &events), now(), &config);
    let steps: Vec<(GradeStep, LeadGrade)> = score
        .grade_reasons
        .iter()
        .map(|r| (r.step.clone(), r.grade))
        .collect();
    assert_eq!(
        steps,
        [
            (GradeStep::StatedTimeframe { timeframe: None }, LeadGrade::C),
            (GradeStep::TestDrive, LeadGrade::B),
            (GradeStep::QuoteRequest, LeadGrade::A),
            (GradeStep::RepeatVisits { visit_days: 2 }, LeadGrade::A),
        ]
    );
}

#[test]
fn old_engagement_neither_raises_nor_scores() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let events = [event(EventKind::TestDrive, 31, None)];
    let lead = LeadSignals {
        active_since: days_ago(40),
        ..signals(Some(PurchaseTimeframe::Within30Days), &web, &events)
    };
    let score = score_lead(&lead, now(), &config);
    assert_eq!(reason(&score, ScoreFactor::TestDrive).points, 0);
    assert_eq!(reason(&score, ScoreFactor::Recency).points, 0);
    // B, then 31 silent days: two steps of 14 days, down to C.
    assert_eq!(score.grade, LeadGrade::C);
    assert_eq!(
        score.grade_reasons.last().unwrap().step,
        GradeStep::Silence { silent_days: 31 }
    );
}

#[test]
fn silence_counts_from_activation_when_the_customer_never_engaged() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let lead = LeadSignals {
        active_since: days_ago(13),
        ..signals(Some(PurchaseTimeframe::Within7Days), &web, &[])
    };
    assert_eq!(score_lead(&lead, now(), &config).grade, LeadGrade::H);
    let lead = LeadSignals {
        active_since: days_ago(14),
        ..lead
    };
    assert_eq!(score_lead(&lead, now(), &config).grade, LeadGrade::A);
    // Staff calling does not break the customer's silence.
    let calls = [event(EventKind::ContactAttempt, 0, None)];
    let lead = LeadSignals {
        events: &calls,
        ..lead
    };
    assert_eq!(score_lead(&lead, now(), &config).grade, LeadGrade::A);
}

#[test]
fn recency_fades_linearly() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    for (days, points) in [(0, 8), (1, 8), (2, 8), (15, 4), (29, 0), (30, 0)] {
        let events = [event(EventKind::CustomerReply, days, None)];
        let score = score_lead(&signals(None, &web, &events), now(), &config);
        assert_eq!(
            reason(&score, ScoreFactor::Recency).points,
            points,
            "{days} days"
        );
    }
}

#[test]
fn events_after_now_are_ignored() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let events = [event(EventKind::TestDrive, -1, None)];
    let score = score_lead(&signals(None, &web, &events), now(), &config);
    assert_eq!(score.grade, LeadGrade::C);
    assert_eq!(reason(&score, ScoreFactor::TestDrive).points, 0);
}

#[test]
fn unknown_sources_take_the_default_quality() {
    let config = LeadScoringConfig::default();
    let odd = source("flyer");
    let score = score_lead(&signals(None, &odd, &[]), now(), &config);
    assert_eq!(
        reason(&score, ScoreFactor::Source).observed,
        Observed::SourceQuality {
            source: odd.clone(),
            quality_percent: 50
        }
    );
    assert_eq!(reason(&score, ScoreFactor::Source).points, 5);
}

#[test]
fn zero_weights_leave_their_factor_out() {
    let mut config = LeadScoringConfig::default();
    config.weights.remove(&ScoreFactor::Contact);
    config.weights.insert(ScoreFactor::Timeframe, 33);
    config.validate().unwrap();
    let web = source("web_form");
    let score = score_lead(&signals(None, &web, &[]), now(), &config);
    assert!(
        score
            .reasons
            .iter()
            .all(|r| r.factor != ScoreFactor::Contact)
    );
    assert_eq!(score.reasons.len(), ScoreFactor::ALL.len() - 1);
}

#[test]
fn the_lookback_covers_every_rule() {
    let config = LeadScoringConfig::default();
    assert_eq!(config.lookback(), TimeDelta::days(42));
}

#[test]
fn reasons_serialise_with_wire_names() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let score = score_lead(
        &signals(Some(PurchaseTimeframe::Within7Days), &web, &[]),
        now(),
        &config,
    );
    let json = serde_json::to_value(&score).unwrap();
    assert_eq!(json["grade"], "h");
    assert_eq!(json["reasons"][0]["factor"], "timeframe");
    assert_eq!(json["reasons"][0]["observed"]["kind"], "timeframe");
    assert_eq!(json["reasons"][0]["observed"]["timeframe"], "within_7_days");
    assert_eq!(json["grade_reasons"][0]["step"]["kind"], "stated_timeframe");
    let back: LeadScore = serde_json::from_value(json).unwrap();
    assert_eq!(back, score);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn any_timeframe() -> impl Strategy<Value = Option<PurchaseTimeframe>> {
        proptest::option::of(proptest::sample::select(PurchaseTimeframe::ALL))
    }

    fn any_events() -> impl Strategy<Value = Vec<CustomerEvent>> {
        proptest::collection::vec(
            (
                proptest::sample::select(EventKind::ALL),
                -2i64..60,
                proptest::option::of(proptest::sample::select(&["汉", "唐", "宋"][..])),
            )
                .prop_map(|(kind, days, subject)| event(kind, days, subject)),
            0..40,
        )
    }

    proptest! {
        #[test]
        fn scores_stay_in_their_grade_band(
            timeframe in any_timeframe(),
            events in any_events(),
            cars in proptest::option::of(0u32..10),
            phone: bool, wechat: bool, email: bool, name: bool,
            active_days in 0i64..90,
        ) {
            let config = LeadScoringConfig::default();
            let web = source("autohome");
            let lead = LeadSignals {
                timeframe,
                cars_in_budget: cars,
                source: &web,
                contact: ContactData { phone, wechat, email, name },
                events: &events,
                active_since: days_ago(active_days),
            };
            let score = score_lead(&lead, now(), &config);
            let sum: u32 = score.reasons.iter().map(|r| u32::from(r.points)).sum();
            prop_assert_eq!(sum, u32::from(score.factor_points));
            prop_assert!(score.reasons.iter().all(|r| r.points <= r.max_points));
            let (low, high) = match score.grade {
                LeadGrade::H => (75, 100),
                LeadGrade::A => (50, 74),
                LeadGrade::B => (25, 49),
                LeadGrade::C => (0, 24),
            };
            prop_assert!((low..=high).contains(&score.score), "{} in {:?}", score.score, score.grade);
            prop_assert_eq!(score.grade_reasons.last().unwrap().grade, score.grade);
        }

        #[test]
        fn more_factor_points_never_lower_the_score(points_a in 0u8..=100, points_b in 0u8..=100) {
            let bands = LeadScoringConfig::default().bands;
            for &grade in LeadGrade::ALL {
                let (lo, hi) = (points_a.min(points_b), points_a.max(points_b));
                prop_assert!(banded_score(grade, lo, &bands) <= banded_score(grade, hi, &bands));
            }
        }
    }
}

#[test]
fn local_days_decide_distinct_days() {
    let config = LeadScoringConfig::default();
    let web = source("web_form");
    let day = NaiveDate::from_ymd_opt(2025, 6, 19).unwrap();
    let visit = |hours: i64| CustomerEvent {
        kind: EventKind::StoreVisit,
        at: now() - TimeDelta::hours(hours),
        local_date: day,
        subject: None,
    };
    let events = [visit(30), visit(20)];
    let score = score_lead(&signals(None, &web, &events), now(), &config);
    assert_eq!(
        reason(&score, ScoreFactor::StoreVisits).observed,
        Observed::Count { count: 1 }
    );
}
