//! Lead routing: an organisation's rules, tried in order, pick a team and a strategy; the
//! strategy picks one consultant who is active and on shift.
//!
//! # Round-robin without a counter
//! Round-robin picks the team member assigned **least recently** (never assigned first, then
//! the oldest `last_assigned_at`, ties by user id). The only state is each consultant's own
//! `last_assigned_at`, which the caller reads with the candidates and writes back for the
//! assignee as [`Assignment::last_assigned_at`]. There is no shared "next index" row that every
//! intake must lock, so concurrent intakes never queue behind one another. Two intakes that read
//! the same state at the same moment may pick the same person; the next pick sees that and
//! evens it out, so under concurrency the rotation is fair to within the number of concurrent
//! intakes rather than exact.
//!
//! The stamp written back is `now`, or one microsecond after the latest stamp among the eligible
//! candidates when that is not earlier, so that leads routed within one instant (a batch shares
//! one clock reading) still rotate.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::grade::LeadGrade;
use super::source::SourceChannel;
use super::validation::{Invalid, IssueCode, Issues};
use crate::vehicle::Condition;

crate::text_enum! {
    pub enum RoutingStrategy {
        /// The team member assigned least recently.
        RoundRobin = "round_robin",
        /// The team member with the fewest open leads; then least recently assigned.
        LeastLoaded = "least_loaded",
    }
}

crate::text_enum! {
    /// What a matching rule does when nobody in its team can take the lead.
    pub enum WhenNobodyOnShift {
        /// Try the following rules.
        NextRule = "next_rule",
        /// Stop: the lead waits unassigned in the pool.
        LeaveInPool = "leave_in_pool",
    }
}

/// Longest rule name, in characters.
pub const RULE_NAME_MAX: usize = 100;
/// Most members in one team.
pub const TEAM_MAX: usize = 500;

/// One routing rule. Each criterion is a set of accepted values; an empty set accepts any
/// value, and a non-empty one rejects a lead that lacks the fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub name: String,
    #[serde(default)]
    pub store_ids: BTreeSet<String>,
    #[serde(default)]
    pub regions: BTreeSet<String>,
    /// Compared ignoring ASCII case (`BMW` = `bmw`).
    #[serde(default)]
    pub brands: BTreeSet<String>,
    #[serde(default)]
    pub conditions: BTreeSet<Condition>,
    #[serde(default)]
    pub sources: BTreeSet<SourceChannel>,
    #[serde(default)]
    pub grades: BTreeSet<LeadGrade>,
    /// User ids of the consultants who share the rule's leads.
    pub team: Vec<String>,
    pub strategy: RoutingStrategy,
    #[serde(default = "next_rule")]
    pub when_nobody_on_shift: WhenNobodyOnShift,
}

fn next_rule() -> WhenNobodyOnShift {
    WhenNobodyOnShift::NextRule
}

/// An organisation's routing rules, tried in order. Without rules every lead lands in the pool.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    pub rules: Vec<RoutingRule>,
}

impl RoutingConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = |field: &str| format!("rules[{i}].{field}");
            let name = rule.name.trim();
            if name.is_empty() {
                issues.push(at("name"), IssueCode::Required, "must not be empty");
            } else if name.chars().count() > RULE_NAME_MAX {
                issues.push(
                    at("name"),
                    IssueCode::TooLong,
                    format!("must be at most {RULE_NAME_MAX} characters"),
                );
            } else if self.rules[..i].iter().any(|r| r.name.trim() == name) {
                issues.push(
                    at("name"),
                    IssueCode::Duplicate,
                    "another rule has this name",
                );
            }
            if rule.team.is_empty() {
                issues.push(
                    at("team"),
                    IssueCode::Required,
                    "name at least one consultant",
                );
            } else if rule.team.len() > TEAM_MAX {
                issues.push(
                    at("team"),
                    IssueCode::OutOfRange,
                    format!("at most {TEAM_MAX} members"),
                );
            }
            for (j, member) in rule.team.iter().enumerate() {
                if member.trim().is_empty() {
                    issues.push(
                        at(&format!("team[{j}]")),
                        IssueCode::Required,
                        "empty user id",
                    );
                } else if rule.team[..j].contains(member) {
                    issues.push(
                        at(&format!("team[{j}]")),
                        IssueCode::Duplicate,
                        "listed twice",
                    );
                }
            }
        }
        issues.finish()
    }
}

/// What routing rules match on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRoutingFacts {
    pub store_id: Option<String>,
    pub region: Option<String>,
    pub brand: Option<String>,
    pub condition: Option<Condition>,
    pub source: SourceChannel,
    pub grade: LeadGrade,
}

/// What routing needs to know of a consultant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub user_id: String,
    /// The account is enabled and may take leads; off when disabled or leaving (离职交接).
    pub active: bool,
    /// See [`super::is_on_shift`].
    pub on_shift: bool,
    pub open_leads: u32,
    pub last_assigned_at: Option<DateTime<Utc>>,
}

crate::text_enum! {
    pub enum Exclusion {
        Inactive = "inactive",
        OffShift = "off_shift",
        /// A team member the caller passed no facts for (a deleted user).
        Unknown = "unknown",
    }
}

/// A team member who could not take the lead, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub user_id: String,
    pub why: Exclusion,
}

/// A rule, by position and name, as recorded with the assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub index: usize,
    pub name: String,
}

/// Why the strategy picked this person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChosenBecause {
    /// Round-robin: nobody eligible was assigned longer ago.
    LeastRecentlyAssigned {
        last_assigned_at: Option<DateTime<Utc>>,
    },
    /// Least-loaded: nobody eligible has fewer open leads.
    FewestOpenLeads { open_leads: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub user_id: String,
    pub rule: RuleRef,
    pub strategy: RoutingStrategy,
    pub chosen_because: ChosenBecause,
    /// How many team members were eligible.
    pub eligible: usize,
    /// Team members of the rule who could not take it.
    pub excluded: Vec<Excluded>,
    /// Earlier rules that matched but had nobody to take it.
    pub passed_over: Vec<RuleRef>,
    /// Store this as the assignee's `last_assigned_at` (see the module documentation).
    pub last_assigned_at: DateTime<Utc>,
}

/// Why a lead stays unassigned, in the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unassigned {
    NoRuleMatched,
    /// Rules matched, and none had an active consultant on shift.
    NobodyOnShift {
        rules: Vec<RuleRef>,
        excluded: Vec<Excluded>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RoutingDecision {
    Assigned(Assignment),
    Unassigned(Unassigned),
}

impl RoutingRule {
    pub fn matches(&self, lead: &LeadRoutingFacts) -> bool {
        fn accepts(set: &BTreeSet<String>, value: Option<&str>) -> bool {
            set.is_empty() || value.is_some_and(|v| set.contains(v))
        }
        accepts(&self.store_ids, lead.store_id.as_deref())
            && accepts(&self.regions, lead.region.as_deref())
            && (self.brands.is_empty()
                || lead
                    .brand
                    .as_deref()
                    .is_some_and(|b| self.brands.iter().any(|r| r.eq_ignore_ascii_case(b))))
            && (self.conditions.is_empty()
                || lead.condition.is_some_and(|c| self.conditions.contains(&c)))
            && (self.sources.is_empty() || self.sources.contains(&lead.source))
            && (self.grades.is_empty() || self.grades.contains(&lead.grade))
    }
}

/// Routes one lead: the first matching rule whose team has an eligible consultant assigns it.
/// `candidates` holds the facts of (at least) every team member of the rules; members without
/// facts are excluded as unknown.
pub fn route(
    config: &RoutingConfig,
    lead: &LeadRoutingFacts,
    candidates: &[Candidate],
    now: DateTime<Utc>,
) -> RoutingDecision {
    let mut passed_over = Vec::new();
    let mut all_excluded = Vec::new();
    // Sorted once, so each team member is found by binary search rather than a scan.
    let mut by_id: Vec<&Candidate> = Vec::new();
    for (index, rule) in config.rules.iter().enumerate() {
        if !rule.matches(lead) {
            continue;
        }
        if by_id.is_empty() {
            by_id = candidates.iter().collect();
            by_id.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        }
        let rule_ref = RuleRef {
            index,
            name: rule.name.clone(),
        };
        let mut eligible = Vec::with_capacity(rule.team.len());
        let mut excluded = Vec::new();
        for member in &rule.team {
            let first = by_id.partition_point(|c| c.user_id < *member);
            match by_id.get(first).copied().filter(|c| c.user_id == *member) {
                None => excluded.push((member, Exclusion::Unknown)),
                Some(c) if !c.active => excluded.push((member, Exclusion::Inactive)),
                Some(c) if !c.on_shift => excluded.push((member, Exclusion::OffShift)),
                Some(c) => eligible.push(c),
            }
        }
        let excluded: Vec<Excluded> = excluded
            .into_iter()
            .map(|(user_id, why)| Excluded {
                user_id: user_id.clone(),
                why,
            })
            .collect();
        if let Some(chosen) = pick(rule.strategy, &eligible) {
            let latest = eligible.iter().filter_map(|c| c.last_assigned_at).max();
            return RoutingDecision::Assigned(Assignment {
                user_id: chosen.user_id.clone(),
                rule: rule_ref,
                strategy: rule.strategy,
                chosen_because: match rule.strategy {
                    RoutingStrategy::RoundRobin => ChosenBecause::LeastRecentlyAssigned {
                        last_assigned_at: chosen.last_assigned_at,
                    },
                    RoutingStrategy::LeastLoaded => ChosenBecause::FewestOpenLeads {
                        open_leads: chosen.open_leads,
                    },
                },
                eligible: eligible.len(),
                excluded,
                passed_over,
                last_assigned_at: match latest {
                    Some(latest) if latest >= now => latest + TimeDelta::microseconds(1),
                    _ => now,
                },
            });
        }
        passed_over.push(rule_ref);
        all_excluded.extend(excluded);
        if rule.when_nobody_on_shift == WhenNobodyOnShift::LeaveInPool {
            break;
        }
    }
    RoutingDecision::Unassigned(if passed_over.is_empty() {
        Unassigned::NoRuleMatched
    } else {
        Unassigned::NobodyOnShift {
            rules: passed_over,
            excluded: all_excluded,
        }
    })
}

fn pick<'a>(strategy: RoutingStrategy, eligible: &[&'a Candidate]) -> Option<&'a Candidate> {
    // `None` sorts before every `Some`: the never-assigned go first.
    fn recency(c: &Candidate) -> (Option<DateTime<Utc>>, &str) {
        (c.last_assigned_at, &c.user_id)
    }
    eligible.iter().copied().min_by(|a, b| match strategy {
        RoutingStrategy::RoundRobin => recency(a).cmp(&recency(b)),
        RoutingStrategy::LeastLoaded => (a.open_leads, recency(a)).cmp(&(b.open_leads, recency(b))),
    })
}

#[cfg(test)]
mod tests;
