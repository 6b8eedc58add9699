//! Tasks and their SLA: when the first response and each follow-up fall due, and the
//! escalation ladder an overdue task climbs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::grade::{LeadGrade, PerGrade};
use super::source::SourceChannel;
use super::validation::{Invalid, IssueCode, Issues};

crate::text_enum! {
    pub enum TaskKind {
        /// The first contact with a new lead.
        FirstResponse = "first_response",
        FollowUp = "follow_up",
        /// 邀约到店: invite the customer to the store.
        StoreVisitInvitation = "store_visit_invitation",
        /// 到店议价提醒: invite the customer to talk price in the store.
        PriceTalk = "price_talk",
        FinanceConsultation = "finance_consultation",
        TestDriveFollowUp = "test_drive_follow_up",
        Complaint = "complaint",
        Other = "other",
    }
}

crate::text_enum! {
    pub enum TaskStatus {
        Open = "open",
        /// Completed, with the activity that did it.
        Done = "done",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a task cannot go from {from} to {to}")]
pub struct IllegalTaskTransition {
    pub from: TaskStatus,
    pub to: TaskStatus,
}

impl TaskStatus {
    /// Only an open task moves, to done or cancelled; both are final.
    pub fn transition(self, to: TaskStatus) -> Result<TaskStatus, IllegalTaskTransition> {
        if self == TaskStatus::Open && to != TaskStatus::Open {
            Ok(to)
        } else {
            Err(IllegalTaskTransition { from: self, to })
        }
    }
}

/// An open task is overdue once its due time has passed.
pub fn is_overdue(status: TaskStatus, due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == TaskStatus::Open && now > due_at
}

crate::text_enum! {
    pub enum EscalationAction {
        NotifyOwner = "notify_owner",
        /// Copy the store's sales manager.
        NotifyStoreManager = "notify_store_manager",
        /// Give the task (and its lead) to another consultant.
        Reassign = "reassign",
        /// 总经理督办.
        NotifyGeneralManager = "notify_general_manager",
    }
}

/// Most minutes a step may wait after the due time (30 days).
pub const ESCALATION_DELAY_MAX_MINUTES: u32 = 30 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    pub action: EscalationAction,
    /// Minutes after the task's due time. Counting from the due time, not from the previous
    /// step, lets a job that ran late catch up on every step whose time has come.
    pub after_minutes: u32,
}

/// The steps an overdue task climbs, in order; each action at most once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EscalationLadder {
    pub steps: Vec<EscalationStep>,
}

impl EscalationLadder {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for (i, step) in self.steps.iter().enumerate() {
            let field = format!("[{i}].after_minutes");
            issues.range(&field, step.after_minutes, 0, ESCALATION_DELAY_MAX_MINUTES);
            if i > 0 && step.after_minutes < self.steps[i - 1].after_minutes {
                issues.push(
                    field,
                    IssueCode::NotSorted,
                    "steps must not wait less than the one before",
                );
            }
            if self.steps[..i].iter().any(|s| s.action == step.action) {
                issues.push(
                    format!("[{i}].action"),
                    IssueCode::Duplicate,
                    "each action at most once",
                );
            }
        }
        issues.finish()
    }
}

/// A step whose time has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueEscalation {
    pub action: EscalationAction,
    /// When it fell due: the task's due time plus the step's delay.
    pub due_at: DateTime<Utc>,
}

/// The steps to take now for an open task due at `due_at`, in ladder order, leaving out the
/// actions in `taken`. A job calls it repeatedly and records each step it takes (with a unique
/// key on task and action, so that two nodes escalate a task once): no step is returned twice,
/// and steps whose time came while the job was down are all returned.
pub fn due_escalations(
    due_at: DateTime<Utc>,
    taken: &[EscalationAction],
    now: DateTime<Utc>,
    ladder: &EscalationLadder,
) -> Vec<DueEscalation> {
    ladder
        .steps
        .iter()
        .filter(|step| !taken.contains(&step.action))
        .map(|step| DueEscalation {
            action: step.action,
            due_at: due_at + TimeDelta::minutes(i64::from(step.after_minutes)),
        })
        .filter(|step| now > due_at && now >= step.due_at)
        .collect()
}

/// A first-response time for some sources and grades; empty sets accept any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstResponseRule {
    #[serde(default)]
    pub sources: BTreeSet<SourceChannel>,
    #[serde(default)]
    pub grades: BTreeSet<LeadGrade>,
    pub minutes: u32,
}

/// How often a lead of a grade is followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    /// The first follow-up, this long after the first contact.
    pub first_after_hours: u32,
    /// Each later one, this long after the previous.
    pub then_every_hours: u32,
}

/// Longest first-response time (7 days).
pub const FIRST_RESPONSE_MAX_MINUTES: u32 = 7 * 24 * 60;
/// Longest follow-up interval (90 days).
pub const FOLLOW_UP_MAX_HOURS: u32 = 90 * 24;

/// An organisation's SLA settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    /// When no rule matches.
    pub first_response_minutes: u32,
    /// Tried in order; the first that matches the lead's source and grade decides.
    pub first_response_rules: Vec<FirstResponseRule>,
    pub follow_up: PerGrade<Cadence>,
    /// For task kinds without their own ladder.
    pub escalation: EscalationLadder,
    pub escalation_by_kind: BTreeMap<TaskKind, EscalationLadder>,
}

impl Default for SlaConfig {
    fn default() -> Self {
        use EscalationAction::*;
        let ladder = |steps: &[(EscalationAction, u32)]| EscalationLadder {
            steps: steps
                .iter()
                .map(|&(action, after_minutes)| EscalationStep {
                    action,
                    after_minutes,
                })
                .collect(),
        };
        let cadence = |first_after_hours, then_every_hours| Cadence {
            first_after_hours,
            then_every_hours,
        };
        SlaConfig {
            first_response_minutes: 30,
            first_response_rules: Vec::new(),
            follow_up: PerGrade {
                h: cadence(24, 48),
                a: cadence(48, 72),
                b: cadence(72, 120),
                c: cadence(168, 168),
            },
            escalation: ladder(&[
                (NotifyOwner, 0),
                (NotifyStoreManager, 30),
                (Reassign, 120),
                (NotifyGeneralManager, 240),
            ]),
            escalation_by_kind: BTreeMap::from([(
                TaskKind::Complaint,
                ladder(&[
                    (NotifyOwner, 0),
                    (NotifyStoreManager, 60),
                    (NotifyGeneralManager, 240),
                ]),
            )]),
        }
    }
}

impl SlaConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        issues.range(
            "first_response_minutes",
            self.first_response_minutes,
            1,
            FIRST_RESPONSE_MAX_MINUTES,
        );
        for (i, rule) in self.first_response_rules.iter().enumerate() {
            issues.range(
                &format!("first_response_rules[{i}].minutes"),
                rule.minutes,
                1,
                FIRST_RESPONSE_MAX_MINUTES,
            );
        }
        for (grade, cadence) in self.follow_up.iter() {
            for (name, hours) in [
                ("first_after_hours", cadence.first_after_hours),
                ("then_every_hours", cadence.then_every_hours),
            ] {
                issues.range(
                    &format!("follow_up.{grade}.{name}"),
                    hours,
                    1,
                    FOLLOW_UP_MAX_HOURS,
                );
            }
        }
        issues.nest("escalation", self.escalation.validate());
        for (kind, ladder) in &self.escalation_by_kind {
            issues.nest(&format!("escalation_by_kind.{kind}"), ladder.validate());
        }
        issues.finish()
    }

    /// The ladder a task of this kind climbs.
    pub fn ladder(&self, kind: TaskKind) -> &EscalationLadder {
        self.escalation_by_kind
            .get(&kind)
            .unwrap_or(&self.escalation)
    }
}

/// A due time and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstResponseDue {
    pub due_at: DateTime<Utc>,
    pub minutes: u32,
    /// The matching rule's position; `None`: the organisation's default.
    pub rule_index: Option<usize>,
}

/// When the first response to a lead created at `created_at` is due.
pub fn first_response_due(
    created_at: DateTime<Utc>,
    source: &SourceChannel,
    grade: LeadGrade,
    config: &SlaConfig,
) -> FirstResponseDue {
    let matched = config.first_response_rules.iter().position(|rule| {
        (rule.sources.is_empty() || rule.sources.contains(source))
            && (rule.grades.is_empty() || rule.grades.contains(&grade))
    });
    let minutes = matched.map_or(config.first_response_minutes, |i| {
        config.first_response_rules[i].minutes
    });
    FirstResponseDue {
        due_at: created_at + TimeDelta::minutes(i64::from(minutes)),
        minutes,
        rule_index: matched,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpDue {
    pub due_at: DateTime<Utc>,
    pub grade: LeadGrade,
    /// The interval applied: the grade's first or its repeating one.
    pub hours: u32,
}

/// When the next follow-up is due: `first_after_hours` after the last contact when none has been
/// done yet, else `then_every_hours` after the last. Uses the grade at the time of the call, so
/// a lead that heats up is followed more often from its next task on.
pub fn next_follow_up_due(
    grade: LeadGrade,
    last_contact_at: DateTime<Utc>,
    follow_ups_done: u32,
    config: &SlaConfig,
) -> FollowUpDue {
    let cadence = config.follow_up.get(grade);
    let hours = if follow_ups_done == 0 {
        cadence.first_after_hours
    } else {
        cadence.then_every_hours
    };
    FollowUpDue {
        due_at: last_contact_at + TimeDelta::hours(i64::from(hours)),
        grade,
        hours,
    }
}

#[cfg(test)]
mod tests;
