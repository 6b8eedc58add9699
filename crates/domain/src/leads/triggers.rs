//! Behaviour triggers: an organisation's rules over a customer's recent events that open a task
//! for the lead's owner, e.g. the same model viewed on 3 different days within 7 days → invite
//! to the store for a price talk (到店议价提醒).
//!
//! # Once per window
//! The events that make a rule fire form its window; the firing's [`WindowKey`] names the rule,
//! the subject and the window's first event. The caller stores the key (unique) and passes the
//! past firings back as [`PastFiring`]s: events up to a firing's `covered_until` are spent, so
//! the rule fires again only on new events. Two evaluations that race over the same events
//! compute the same key, so the unique key lets one of them through.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::events::{CustomerEvent, EventKind};
use super::sla::TaskKind;
use super::source::is_slug;
use super::validation::{Invalid, IssueCode, Issues};

/// When a rule's events are enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Threshold {
    /// At least this many events.
    Events { count: u32 },
    /// Events on at least this many different local days.
    DistinctDays { days: u32 },
}

/// The task a firing opens for the lead's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerTask {
    pub kind: TaskKind,
    /// The task is due this long after the firing.
    pub due_in_minutes: u32,
}

/// Longest rule key and name.
pub const TRIGGER_KEY_MAX: usize = 64;
pub const TRIGGER_NAME_MAX: usize = 100;
/// Longest window, in days.
pub const TRIGGER_WINDOW_MAX_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerRule {
    /// Stable id (`a-z 0-9 _ - .`): firing keys start with it, so changing it starts over.
    pub key: String,
    /// Shown on the task (`到店议价提醒`).
    pub name: String,
    pub event: EventKind,
    /// Count each subject (each model) on its own.
    #[serde(default)]
    pub per_subject: bool,
    pub threshold: Threshold,
    /// Only events this recent count.
    pub within_days: u32,
    pub task: TriggerTask,
}

/// An organisation's behaviour triggers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriggerConfig {
    pub rules: Vec<TriggerRule>,
}

impl Default for TriggerConfig {
    fn default() -> Self {
        TriggerConfig {
            rules: vec![
                TriggerRule {
                    key: "repeat_model_views".into(),
                    name: "到店议价提醒".into(),
                    event: EventKind::ModelViewed,
                    per_subject: true,
                    threshold: Threshold::DistinctDays { days: 3 },
                    within_days: 7,
                    task: TriggerTask {
                        kind: TaskKind::PriceTalk,
                        due_in_minutes: 240,
                    },
                },
                TriggerRule {
                    key: "financing_calculator_twice".into(),
                    name: "金融方案咨询".into(),
                    event: EventKind::FinancingCalculatorUsed,
                    per_subject: false,
                    threshold: Threshold::Events { count: 2 },
                    within_days: 7,
                    task: TriggerTask {
                        kind: TaskKind::FinanceConsultation,
                        due_in_minutes: 240,
                    },
                },
            ],
        }
    }
}

impl TriggerConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = |field: &str| format!("rules[{i}].{field}");
            if !is_slug(&rule.key, TRIGGER_KEY_MAX) {
                issues.push(
                    at("key"),
                    IssueCode::NotAllowed,
                    format!("1 to {TRIGGER_KEY_MAX} characters of a-z, 0-9, '_', '-' and '.'"),
                );
            } else if self.rules[..i].iter().any(|r| r.key == rule.key) {
                issues.push(at("key"), IssueCode::Duplicate, "another rule has this key");
            }
            let name = rule.name.trim();
            if name.is_empty() {
                issues.push(at("name"), IssueCode::Required, "must not be empty");
            } else if name.chars().count() > TRIGGER_NAME_MAX {
                issues.push(
                    at("name"),
                    IssueCode::TooLong,
                    format!("must be at most {TRIGGER_NAME_MAX} characters"),
                );
            }
            issues.range(
                &at("within_days"),
                rule.within_days,
                1,
                TRIGGER_WINDOW_MAX_DAYS,
            );
            match rule.threshold {
                Threshold::Events { count } => {
                    issues.range(&at("threshold.count"), count, 1, 1000);
                }
                Threshold::DistinctDays { days } => {
                    issues.range(&at("threshold.days"), days, 1, rule.within_days.max(1));
                }
            }
            issues.range(
                &at("task.due_in_minutes"),
                rule.task.due_in_minutes,
                0,
                7 * 24 * 60,
            );
        }
        issues.finish()
    }

    /// How far back the events passed to [`evaluate_triggers`] must reach.
    pub fn lookback(&self) -> TimeDelta {
        let days = self.rules.iter().map(|r| r.within_days).max().unwrap_or(0);
        TimeDelta::days(i64::from(days))
    }
}

/// A firing the database keeps: its events up to `covered_until` are spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastFiring {
    pub rule_key: String,
    pub subject: Option<String>,
    pub covered_until: DateTime<Utc>,
}

/// Names one window of one rule; unique per firing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WindowKey {
    pub rule_key: String,
    pub subject: Option<String>,
    /// The window's first event.
    pub window_start: DateTime<Utc>,
}

/// One text column: `rule_key|subject|window start (RFC 3339, µs, UTC)`. The rule key has no
/// `|` and the time has a fixed form, so the key parses back unambiguously.
impl fmt::Display for WindowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}|{}",
            self.rule_key,
            self.subject.as_deref().unwrap_or(""),
            self.window_start
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        )
    }
}

/// A rule that fired: open `task` for the lead's owner, due at `due_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    pub key: WindowKey,
    pub rule_name: String,
    pub task: TriggerTask,
    pub due_at: DateTime<Utc>,
    /// What it saw: events and different local days in the window.
    pub events: u32,
    pub days: u32,
    /// The window's last event; store it with the key as the firing's `covered_until`.
    pub covered_until: DateTime<Utc>,
}

/// The rules that fire at `now` over a customer's events (of at least
/// [`TriggerConfig::lookback`]; any order), given the firings already kept.
pub fn evaluate_triggers(
    config: &TriggerConfig,
    events: &[CustomerEvent],
    past: &[PastFiring],
    now: DateTime<Utc>,
) -> Vec<Firing> {
    let mut firings = Vec::new();
    for rule in &config.rules {
        let window_from = now - TimeDelta::days(i64::from(rule.within_days));
        let mut groups: BTreeMap<Option<&str>, Window> = BTreeMap::new();
        for event in events {
            if event.kind != rule.event || event.at > now || event.at < window_from {
                continue;
            }
            let subject = if rule.per_subject {
                match event.subject.as_deref() {
                    Some(subject) => Some(subject),
                    None => continue,
                }
            } else {
                None
            };
            if spent(past, &rule.key, subject).is_some_and(|until| event.at <= until) {
                continue;
            }
            groups.entry(subject).or_default().add(event);
        }
        for (subject, window) in groups {
            let (Some(first), Some(last)) = (window.first, window.last) else {
                continue;
            };
            let events = window.events;
            let days = window.days.len() as u32;
            let met = match rule.threshold {
                Threshold::Events { count } => events >= count,
                Threshold::DistinctDays { days: needed } => days >= needed,
            };
            if met {
                firings.push(Firing {
                    key: WindowKey {
                        rule_key: rule.key.clone(),
                        subject: subject.map(str::to_owned),
                        window_start: first,
                    },
                    rule_name: rule.name.clone(),
                    task: rule.task,
                    due_at: now + TimeDelta::minutes(i64::from(rule.task.due_in_minutes)),
                    events,
                    days,
                    covered_until: last,
                });
            }
        }
    }
    firings
}

/// The latest `covered_until` of a rule's past firings for a subject.
fn spent(past: &[PastFiring], rule_key: &str, subject: Option<&str>) -> Option<DateTime<Utc>> {
    past.iter()
        .filter(|p| p.rule_key == rule_key && p.subject.as_deref() == subject)
        .map(|p| p.covered_until)
        .max()
}

#[derive(Default)]
struct Window {
    events: u32,
    days: Vec<NaiveDate>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Window {
    fn add(&mut self, event: &CustomerEvent) {
        self.events += 1;
        if !self.days.contains(&event.local_date) {
            self.days.push(event.local_date);
        }
        self.first = Some(self.first.map_or(event.at, |t| t.min(event.at)));
        self.last = Some(self.last.map_or(event.at, |t| t.max(event.at)));
    }
}

#[cfg(test)]
mod tests;
