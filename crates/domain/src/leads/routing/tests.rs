use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
}

fn source(name: &str) -> SourceChannel {
    SourceChannel::parse(name).unwrap()
}

fn lead() -> LeadRoutingFacts {
    LeadRoutingFacts {
        store_id: Some("store-1".into()),
        region: Some("east".into()),
        brand: Some("BYD".into()),
        condition: Some(Condition::New),
        source: source("autohome"),
        grade: LeadGrade::A,
    }
}

fn rule(name: &str, team: &[&str], strategy: RoutingStrategy) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        store_ids: BTreeSet::new(),
        regions: BTreeSet::new(),
        brands: BTreeSet::new(),
        conditions: BTreeSet::new(),
        sources: BTreeSet::new(),
        grades: BTreeSet::new(),
        team: team.iter().map(|s| s.to_string()).collect(),
        strategy,
        when_nobody_on_shift: WhenNobodyOnShift::NextRule,
    }
}

fn candidate(id: &str, on_shift: bool, open: u32, last: Option<i64>) -> Candidate {
    Candidate {
        user_id: id.into(),
        active: true,
        on_shift,
        open_leads: open,
        last_assigned_at: last.map(|m| now() - TimeDelta::minutes(m)),
    }
}

fn assigned(decision: RoutingDecision) -> Assignment {
    match decision {
        RoutingDecision::Assigned(a) => a,
        other => panic!("expected an assignment, got {other:?}"),
    }
}

#[test]
fn rules_match_on_every_criterion() {
    let mut r = rule("east byd", &["u1"], RoutingStrategy::RoundRobin);
    assert!(r.matches(&lead()), "empty criteria accept anything");
    r.brands = BTreeSet::from(["byd".to_owned()]);
    r.regions = BTreeSet::from(["east".to_owned()]);
    r.store_ids = BTreeSet::from(["store-1".to_owned(), "store-2".to_owned()]);
    r.conditions = BTreeSet::from([Condition::New]);
    r.sources = BTreeSet::from([source("autohome")]);
    r.grades = BTreeSet::from([LeadGrade::H, LeadGrade::A]);
    assert!(r.matches(&lead()));
    let checks: [fn(&mut LeadRoutingFacts); 6] = [
        |l| l.store_id = Some("store-9".into()),
        |l| l.region = None,
        |l| l.brand = Some("BMW".into()),
        |l| l.condition = Some(Condition::Used),
        |l| l.source = SourceChannel::parse("yiche").unwrap(),
        |l| l.grade = LeadGrade::C,
    ];
    for change in checks {
        let mut other = lead();
        change(&mut other);
        assert!(!r.matches(&other), "{other:?}");
    }
}

#[test]
fn round_robin_picks_the_least_recently_assigned() {
    let config = RoutingConfig {
        rules: vec![rule("all", &["a", "b", "c"], RoutingStrategy::RoundRobin)],
    };
    let candidates = [
        candidate("a", true, 0, Some(5)),
        candidate("b", true, 9, Some(50)),
        candidate("c", true, 0, Some(10)),
    ];
    let a = assigned(route(&config, &lead(), &candidates, now()));
    assert_eq!(a.user_id, "b");
    assert_eq!(
        a.chosen_because,
        ChosenBecause::LeastRecentlyAssigned {
            last_assigned_at: Some(now() - TimeDelta::minutes(50))
        }
    );
    assert_eq!(
        a.rule,
        RuleRef {
            index: 0,
            name: "all".into()
        }
    );
    assert_eq!(a.eligible, 3);
    assert_eq!(a.last_assigned_at, now());

    let never = [
        candidate("z", true, 0, Some(500)),
        candidate("y", true, 0, None),
    ];
    let config = RoutingConfig {
        rules: vec![rule("all", &["z", "y"], RoutingStrategy::RoundRobin)],
    };
    assert_eq!(
        assigned(route(&config, &lead(), &never, now())).user_id,
        "y"
    );
}

#[test]
fn least_loaded_picks_the_fewest_open_leads_then_the_least_recent() {
    let config = RoutingConfig {
        rules: vec![rule("all", &["a", "b", "c"], RoutingStrategy::LeastLoaded)],
    };
    let candidates = [
        candidate("a", true, 3, Some(5)),
        candidate("b", true, 2, Some(1)),
        candidate("c", true, 2, Some(9)),
    ];
    let a = assigned(route(&config, &lead(), &candidates, now()));
    assert_eq!(a.user_id, "c");
    assert_eq!(
        a.chosen_because,
        ChosenBecause::FewestOpenLeads { open_leads: 2 }
    );
}

#[test]
fn ties_go_to_the_lowest_id() {
    let config = RoutingConfig {
        rules: vec![rule("all", &["m", "k"], RoutingStrategy::RoundRobin)],
    };
    let candidates = [
        candidate("m", true, 0, Some(5)),
        candidate("k", true, 0, Some(5)),
    ];
    assert_eq!(
        assigned(route(&config, &lead(), &candidates, now())).user_id,
        "k"
    );
}

#[test]
fn inactive_off_shift_and_unknown_members_are_excluded_with_reasons() {
    let config = RoutingConfig {
        rules: vec![rule(
            "all",
            &["a", "b", "c", "ghost"],
            RoutingStrategy::RoundRobin,
        )],
    };
    let mut inactive = candidate("a", true, 0, None);
    inactive.active = false;
    let candidates = [
        inactive,
        candidate("b", false, 0, None),
        candidate("c", true, 0, Some(1)),
    ];
    let a = assigned(route(&config, &lead(), &candidates, now()));
    assert_eq!(a.user_id, "c");
    let why: Vec<(&str, Exclusion)> = a
        .excluded
        .iter()
        .map(|e| (e.user_id.as_str(), e.why))
        .collect();
    assert_eq!(
        why,
        [
            ("a", Exclusion::Inactive),
            ("b", Exclusion::OffShift),
            ("ghost", Exclusion::Unknown)
        ]
    );
}

#[test]
fn a_rule_with_nobody_on_shift_falls_through_unless_told_to_stop() {
    let mut first = rule("night team", &["n"], RoutingStrategy::RoundRobin);
    let second = rule("everyone", &["d"], RoutingStrategy::RoundRobin);
    let candidates = [
        candidate("n", false, 0, None),
        candidate("d", true, 0, None),
    ];
    let config = RoutingConfig {
        rules: vec![first.clone(), second.clone()],
    };
    let a = assigned(route(&config, &lead(), &candidates, now()));
    assert_eq!(a.user_id, "d");
    assert_eq!(
        a.passed_over,
        [RuleRef {
            index: 0,
            name: "night team".into()
        }]
    );

    first.when_nobody_on_shift = WhenNobodyOnShift::LeaveInPool;
    let config = RoutingConfig {
        rules: vec![first, second],
    };
    assert_eq!(
        route(&config, &lead(), &candidates, now()),
        RoutingDecision::Unassigned(Unassigned::NobodyOnShift {
            rules: vec![RuleRef {
                index: 0,
                name: "night team".into()
            }],
            excluded: vec![Excluded {
                user_id: "n".into(),
                why: Exclusion::OffShift
            }],
        })
    );
}

#[test]
fn unassigned_decisions_read_back_from_json() {
    let decision = RoutingDecision::Unassigned(Unassigned::NoRuleMatched);
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"outcome": "unassigned", "kind": "no_rule_matched"})
    );
    assert_eq!(
        serde_json::from_value::<RoutingDecision>(json).unwrap(),
        decision
    );
}

#[test]
fn no_rule_no_assignment() {
    let mut only_used = rule("used", &["a"], RoutingStrategy::RoundRobin);
    only_used.conditions = BTreeSet::from([Condition::Used]);
    let config = RoutingConfig {
        rules: vec![only_used],
    };
    let candidates = [candidate("a", true, 0, None)];
    assert_eq!(
        route(&config, &lead(), &candidates, now()),
        RoutingDecision::Unassigned(Unassigned::NoRuleMatched)
    );
    assert_eq!(
        route(&RoutingConfig::default(), &lead(), &candidates, now()),
        RoutingDecision::Unassigned(Unassigned::NoRuleMatched)
    );
}

#[test]
fn the_stamp_moves_past_equal_clocks() {
    let config = RoutingConfig {
        rules: vec![rule("all", &["a", "b"], RoutingStrategy::RoundRobin)],
    };
    let candidates = [
        Candidate {
            last_assigned_at: Some(now()),
            ..candidate("a", true, 0, None)
        },
        candidate("b", true, 0, Some(0)),
    ];
    let a = assigned(route(&config, &lead(), &candidates, now()));
    assert_eq!(a.last_assigned_at, now() + TimeDelta::microseconds(1));
}

#[test]
fn validation_reports_each_broken_rule() {
    let mut dup_member = rule("b", &["u1", "u1"], RoutingStrategy::RoundRobin);
    dup_member.name = "dup".into();
    let config = RoutingConfig {
        rules: vec![
            rule("a", &["u1"], RoutingStrategy::RoundRobin),
            rule(" a ", &[], RoutingStrategy::LeastLoaded),
            dup_member,
            rule("", &[""], RoutingStrategy::RoundRobin),
        ],
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
            ("rules[1].name".to_owned(), IssueCode::Duplicate),
            ("rules[1].team".to_owned(), IssueCode::Required),
            ("rules[2].team[1]".to_owned(), IssueCode::Duplicate),
            ("rules[3].name".to_owned(), IssueCode::Required),
            ("rules[3].team[0]".to_owned(), IssueCode::Required),
        ]
    );
}

#[test]
fn rules_read_from_settings_json() {
    let config: RoutingConfig = serde_json::from_str(
        r#"{"rules": [{"name": "BYD new", "brands": ["BYD"], "conditions": ["new"],
            "sources": ["Autohome"], "grades": ["h", "a"], "team": ["u1", "u2"],
            "strategy": "least_loaded"}]}"#,
    )
    .unwrap();
    config.validate().unwrap();
    let r = &config.rules[0];
    assert_eq!(r.when_nobody_on_shift, WhenNobodyOnShift::NextRule);
    assert!(r.matches(&lead()));
    let decision = route(&config, &lead(), &[candidate("u2", true, 0, None)], now());
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["outcome"], "assigned");
    assert_eq!(json["chosen_because"]["kind"], "fewest_open_leads");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Over any sequence of leads arriving at non-decreasing times (often the same
        /// instant), round-robin keeps the on-shift members within one lead of each other and
        /// never gives one to a member off shift.
        #[test]
        fn round_robin_is_even_and_skips_the_off_shift(
            on_shift in 1usize..8,
            off_shift in 0usize..4,
            gaps in proptest::collection::vec(0i64..3, 1..120),
            history in proptest::collection::vec(proptest::option::of(0i64..1000), 12),
        ) {
            let members: Vec<String> = (0..on_shift + off_shift).map(|i| format!("u{i:02}")).collect();
            let team: Vec<&str> = members.iter().map(String::as_str).collect();
            let config = RoutingConfig {
                rules: vec![rule("all", &team, RoutingStrategy::RoundRobin)],
            };
            let mut candidates: Vec<Candidate> = members
                .iter()
                .enumerate()
                .map(|(i, id)| candidate(id, i < on_shift, 0, history[i]))
                .collect();
            let mut counts = vec![0u32; members.len()];
            let mut clock = now();
            for gap in gaps {
                clock += TimeDelta::seconds(gap);
                let a = assigned(route(&config, &lead(), &candidates, clock));
                let i = members.iter().position(|m| *m == a.user_id).unwrap();
                prop_assert!(i < on_shift, "{} is off shift", a.user_id);
                counts[i] += 1;
                candidates[i].last_assigned_at = Some(a.last_assigned_at);
                let worked = &counts[..on_shift];
                let spread = worked.iter().max().unwrap() - worked.iter().min().unwrap();
                prop_assert!(spread <= 1, "{:?}", counts);
            }
        }
    }
}
