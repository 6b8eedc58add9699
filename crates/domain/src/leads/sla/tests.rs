use chrono::TimeZone;

use super::*;
use EscalationAction::*;

fn due() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
}

fn minutes_after_due(m: i64) -> DateTime<Utc> {
    due() + TimeDelta::minutes(m)
}

fn actions(steps: &[DueEscalation]) -> Vec<EscalationAction> {
    steps.iter().map(|s| s.action).collect()
}

#[test]
fn the_default_config_is_valid() {
    let config = SlaConfig::default();
    config.validate().unwrap();
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<SlaConfig>(&json).unwrap(), config);
}

#[test]
fn an_overdue_task_climbs_the_ladder_step_by_step() {
    let ladder = SlaConfig::default().escalation;
    let mut taken = Vec::new();
    let mut log = Vec::new();
    for m in [-5, 0, 1, 29, 30, 31, 119, 120, 240, 1000] {
        let steps = due_escalations(due(), &taken, minutes_after_due(m), &ladder);
        for step in &steps {
            taken.push(step.action);
            log.push((m, step.action));
        }
    }
    assert_eq!(
        log,
        [
            (1, NotifyOwner),
            (30, NotifyStoreManager),
            (120, Reassign),
            (240, NotifyGeneralManager)
        ]
    );
}

#[test]
fn a_late_run_catches_up_and_repeats_nothing() {
    let ladder = SlaConfig::default().escalation;
    let now = minutes_after_due(150);
    let steps = due_escalations(due(), &[NotifyOwner], now, &ladder);
    assert_eq!(actions(&steps), [NotifyStoreManager, Reassign]);
    assert_eq!(steps[0].due_at, minutes_after_due(30));
    let again = due_escalations(
        due(),
        &[NotifyOwner, NotifyStoreManager, Reassign],
        now,
        &ladder,
    );
    assert!(again.is_empty());
}

#[test]
fn complaints_go_to_the_general_manager() {
    let config = SlaConfig::default();
    let steps = due_escalations(
        due(),
        &[],
        minutes_after_due(300),
        config.ladder(TaskKind::Complaint),
    );
    assert_eq!(
        actions(&steps),
        [NotifyOwner, NotifyStoreManager, NotifyGeneralManager]
    );
    assert_eq!(config.ladder(TaskKind::FollowUp), &config.escalation);
}

#[test]
fn ladders_must_be_ordered_and_unique() {
    let ladder: EscalationLadder = serde_json::from_str(
        r#"[{"action": "notify_owner", "after_minutes": 60},
            {"action": "notify_store_manager", "after_minutes": 30},
            {"action": "notify_owner", "after_minutes": 90}]"#,
    )
    .unwrap();
    let config = SlaConfig {
        escalation: ladder,
        ..SlaConfig::default()
    };
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
            (
                "escalation[1].after_minutes".to_owned(),
                IssueCode::NotSorted
            ),
            ("escalation[2].action".to_owned(), IssueCode::Duplicate),
        ]
    );
}

#[test]
fn first_response_uses_the_first_matching_rule() {
    let config: SlaConfig = serde_json::from_str(
        r#"{"first_response_rules": [
              {"sources": ["autohome"], "grades": ["h"], "minutes": 10},
              {"grades": ["h", "a"], "minutes": 20}
           ]}"#,
    )
    .unwrap();
    config.validate().unwrap();
    let created = due();
    let autohome = SourceChannel::parse("autohome").unwrap();
    let web = SourceChannel::parse("web_form").unwrap();
    let due = |source, grade| first_response_due(created, source, grade, &config);
    assert_eq!(due(&autohome, LeadGrade::H).rule_index, Some(0));
    assert_eq!(
        due(&autohome, LeadGrade::H).due_at,
        created + TimeDelta::minutes(10)
    );
    assert_eq!(due(&web, LeadGrade::H).minutes, 20);
    assert_eq!(due(&autohome, LeadGrade::A).rule_index, Some(1));
    let default = due(&web, LeadGrade::C);
    assert_eq!((default.minutes, default.rule_index), (30, None));
}

#[test]
fn follow_ups_follow_the_grade_cadence() {
    let config = SlaConfig::default();
    let contact = due();
    let first = next_follow_up_due(LeadGrade::H, contact, 0, &config);
    assert_eq!(first.due_at, contact + TimeDelta::hours(24));
    let then = next_follow_up_due(LeadGrade::H, contact, 3, &config);
    assert_eq!(then.due_at, contact + TimeDelta::days(2));
    let weekly = next_follow_up_due(LeadGrade::C, contact, 5, &config);
    assert_eq!((weekly.hours, weekly.grade), (168, LeadGrade::C));
}

#[test]
fn tasks_close_once() {
    use TaskStatus::*;
    assert_eq!(Open.transition(Done), Ok(Done));
    assert_eq!(Open.transition(Cancelled), Ok(Cancelled));
    assert!(Open.transition(Open).is_err());
    assert!(Done.transition(Open).is_err());
    assert!(Cancelled.transition(Done).is_err());
    assert!(is_overdue(Open, due(), minutes_after_due(1)));
    assert!(!is_overdue(Open, due(), due()));
    assert!(!is_overdue(Done, due(), minutes_after_due(1)));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// However often and whenever a job calls it, each step is taken exactly once, never
        /// before its time, and in ladder order.
        #[test]
        fn every_step_is_taken_once_and_on_time(
            calls in proptest::collection::vec(-60i64..600, 1..30),
        ) {
            let ladder = SlaConfig::default().escalation;
            let mut sorted = calls.clone();
            sorted.sort();
            let mut taken: Vec<(EscalationAction, i64)> = Vec::new();
            for m in sorted {
                let done: Vec<EscalationAction> = taken.iter().map(|t| t.0).collect();
                for step in due_escalations(due(), &done, minutes_after_due(m), &ladder) {
                    prop_assert!(minutes_after_due(m) >= step.due_at && m > 0);
                    taken.push((step.action, m));
                }
            }
            let order: Vec<EscalationAction> = taken.iter().map(|t| t.0).collect();
            let expected: Vec<EscalationAction> = ladder.steps.iter().map(|s| s.action).take(order.len()).collect();
            prop_assert_eq!(order, expected);
        }
    }
}
