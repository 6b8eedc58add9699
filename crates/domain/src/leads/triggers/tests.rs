use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
}

fn event(kind: EventKind, hours_ago: i64, subject: Option<&str>) -> CustomerEvent {
    let at = now() - TimeDelta::hours(hours_ago);
    CustomerEvent {
        kind,
        at,
        local_date: at.date_naive(),
        subject: subject.map(str::to_owned),
    }
}

fn view(days_ago: i64, model: &str) -> CustomerEvent {
    event(EventKind::ModelViewed, days_ago * 24, Some(model))
}

fn fire(events: &[CustomerEvent], past: &[PastFiring]) -> Vec<Firing> {
    evaluate_triggers(&TriggerConfig::default(), events, past, now())
}

fn kept(firing: &Firing) -> PastFiring {
    PastFiring {
        rule_key: firing.key.rule_key.clone(),
        subject: firing.key.subject.clone(),
        covered_until: firing.covered_until,
    }
}

#[test]
fn the_defaults_are_valid() {
    let config = TriggerConfig::default();
    config.validate().unwrap();
    assert_eq!(config.lookback(), TimeDelta::days(7));
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<TriggerConfig>(&json).unwrap(),
        config
    );
}

#[test]
fn the_same_model_on_three_days_asks_for_a_price_talk() {
    let events = [
        view(6, "汉"),
        view(3, "汉"),
        view(3, "汉"),
        view(0, "汉"),
        view(1, "唐"),
    ];
    let firings = fire(&events, &[]);
    assert_eq!(firings.len(), 1);
    let f = &firings[0];
    assert_eq!(f.key.rule_key, "repeat_model_views");
    assert_eq!(f.key.subject.as_deref(), Some("汉"));
    assert_eq!(f.key.window_start, now() - TimeDelta::days(6));
    assert_eq!((f.events, f.days), (4, 3));
    assert_eq!(f.task.kind, TaskKind::PriceTalk);
    assert_eq!(f.due_at, now() + TimeDelta::hours(4));
    assert_eq!(f.covered_until, now());
    assert_eq!(f.rule_name, "到店议价提醒");
}

#[test]
fn three_views_on_two_days_or_over_eight_days_do_not_fire() {
    assert!(fire(&[view(2, "汉"), view(2, "汉"), view(0, "汉")], &[]).is_empty());
    assert!(fire(&[view(8, "汉"), view(4, "汉"), view(0, "汉")], &[]).is_empty());
    assert!(fire(&[view(2, "汉"), view(1, "唐"), view(0, "宋")], &[]).is_empty());
}

#[test]
fn a_window_fires_once_and_new_events_open_the_next() {
    let events = vec![view(6, "汉"), view(5, "汉"), view(4, "汉")];
    let first = fire(&events, &[]);
    assert_eq!(first.len(), 1);
    let past = [kept(&first[0])];
    let mut more = events.clone();
    more.push(view(0, "汉"));
    assert!(fire(&more, &past).is_empty(), "one new day is not three");
    more.extend([view(1, "汉"), view(2, "汉")]);
    let second = fire(&more, &past);
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].key.window_start, now() - TimeDelta::days(2));
    assert_ne!(second[0].key, first[0].key);
}

#[test]
fn racing_evaluations_compute_the_same_key() {
    let seen_by_one = [view(6, "汉"), view(3, "汉"), view(0, "汉")];
    let mut seen_by_other = seen_by_one.to_vec();
    seen_by_other.push(event(EventKind::ModelViewed, 0, Some("汉")));
    assert_eq!(
        fire(&seen_by_one, &[])[0].key,
        fire(&seen_by_other, &[])[0].key
    );
}

#[test]
fn the_calculator_used_twice_asks_for_a_finance_consultation() {
    let calc = |h| event(EventKind::FinancingCalculatorUsed, h, Some("汉"));
    assert!(fire(&[calc(5)], &[]).is_empty());
    let firings = fire(
        &[calc(5), event(EventKind::FinancingCalculatorUsed, 1, None)],
        &[],
    );
    assert_eq!(firings.len(), 1);
    assert_eq!(firings[0].key.subject, None, "not counted per subject");
    assert_eq!(firings[0].task.kind, TaskKind::FinanceConsultation);
    assert!(
        fire(&[calc(-1), calc(5)], &[]).is_empty(),
        "future events wait"
    );
}

#[test]
fn window_keys_are_one_stable_text() {
    let key = WindowKey {
        rule_key: "repeat_model_views".into(),
        subject: Some("汉 EV".into()),
        window_start: now(),
    };
    assert_eq!(
        key.to_string(),
        "repeat_model_views|汉 EV|2025-06-20T10:00:00.000000Z"
    );
    let none = WindowKey {
        subject: None,
        ..key
    };
    assert_eq!(
        none.to_string(),
        "repeat_model_views||2025-06-20T10:00:00.000000Z"
    );
}

#[test]
fn broken_rules_are_reported() {
    let mut config = TriggerConfig::default();
    config.rules[1].key = "repeat_model_views".into();
    config.rules[0].threshold = Threshold::DistinctDays { days: 8 };
    config.rules[0].name = " ".into();
    let mut bad_key = config.rules[0].clone();
    bad_key.key = "Bad Key".into();
    bad_key.name = "ok".into();
    bad_key.threshold = Threshold::Events { count: 0 };
    config.rules.push(bad_key);
    let issues: Vec<(String, IssueCode)> = config
        .validate()
        .unwrap_err()
        .issues
        .into_iter()
        .map(|i| (i.field, i.code))
        .collect();
    assert_eq!(
        issues,
        [
            ("rules[0].name".to_owned(), IssueCode::Required),
            ("rules[0].threshold.days".to_owned(), IssueCode::OutOfRange),
            ("rules[1].key".to_owned(), IssueCode::Duplicate),
            ("rules[2].key".to_owned(), IssueCode::NotAllowed),
            ("rules[2].threshold.count".to_owned(), IssueCode::OutOfRange),
        ]
    );
}

#[test]
fn rules_read_from_settings_json() {
    let config: TriggerConfig = serde_json::from_str(
        r#"{"rules": [{"key": "three_replies", "name": "热线回访", "event": "customer_reply",
            "threshold": {"kind": "events", "count": 3}, "within_days": 3,
            "task": {"kind": "store_visit_invitation", "due_in_minutes": 60}}]}"#,
    )
    .unwrap();
    config.validate().unwrap();
    assert!(!config.rules[0].per_subject);
    let replies: Vec<CustomerEvent> = (0..3)
        .map(|h| event(EventKind::CustomerReply, h, None))
        .collect();
    let firings = evaluate_triggers(&config, &replies, &[], now());
    assert_eq!(firings[0].task.kind, TaskKind::StoreVisitInvitation);
}
