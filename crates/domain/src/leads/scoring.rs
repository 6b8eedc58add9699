//! Lead scoring (DESIGN §5): a grade, how soon the customer buys, and a score from 0 to 100 that
//! ranks leads, each with the reasons behind it.
//!
//! # Grade and score
//! The grade starts from the stated purchase window (H within 7 days, A 15, B 30, C later or
//! unknown), is raised by engagement (a test drive, a quote asked for, store visits on several
//! days; at most `max_raise` grades) and lowered by silence (one grade per
//! `silence_days_per_step` days without any customer engagement).
//!
//! The score ranks leads within and across grades: each grade owns a band of scores (by default
//! C 0–24, B 25–49, A 50–74, H 75–100), so sorting by score alone puts every H above every A.
//! Within the band the factors place the lead: their points add up to `factor_points` (0–100,
//! because the weights sum to 100), and
//! `score = band low + factor_points × (band high − band low) / 100`, rounded down.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::events::{CustomerEvent, EventKind};
use super::grade::{LeadGrade, PerGrade};
use super::source::SourceChannel;
use super::validation::{Invalid, IssueCode, Issues};
use crate::customer::PurchaseTimeframe;

crate::text_enum! {
    /// What the score is made of. Each factor earns up to its weight in points.
    pub enum ScoreFactor {
        /// The stated purchase window.
        Timeframe = "timeframe",
        /// Cars in stock within the customer's budget.
        BudgetFit = "budget_fit",
        /// How good leads from this channel usually are.
        Source = "source",
        /// Store visits, counted on different local days.
        StoreVisits = "store_visits",
        TestDrive = "test_drive",
        QuoteRequest = "quote_request",
        /// Answers to calls and messages.
        Replies = "replies",
        /// Days since the customer last engaged.
        Recency = "recency",
        /// The same model viewed on different days.
        RepeatViews = "repeat_views",
        /// Phone, WeChat, name and email known.
        Contact = "contact",
    }
}

/// What grades move on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradeMoves {
    pub test_drive_raises: bool,
    pub quote_request_raises: bool,
    /// Store visits on this many different days raise the grade; 0 turns it off.
    pub repeat_visit_days: u32,
    /// The most grades engagement can add together.
    pub max_raise: u8,
    /// One grade lower per this many days of silence; 0 turns it off.
    pub silence_days_per_step: u32,
}

impl Default for GradeMoves {
    fn default() -> Self {
        GradeMoves {
            test_drive_raises: true,
            quote_request_raises: true,
            repeat_visit_days: 2,
            max_raise: 2,
            silence_days_per_step: 14,
        }
    }
}

/// An organisation's scoring settings (`GET/PUT /api/v1/settings/lead-scoring`). Absent fields
/// take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadScoringConfig {
    /// Points each factor can earn; they must add up to 100. A factor left out weighs 0.
    pub weights: BTreeMap<ScoreFactor, u8>,
    /// The lowest score of each grade's band; `c` is 0 and `c < b < a < h <= 100`.
    pub bands: PerGrade<u8>,
    pub grade_moves: GradeMoves,
    /// Quality of each channel's leads, in percent of the source weight.
    pub source_quality_percent: BTreeMap<SourceChannel, u8>,
    /// For channels not listed.
    pub default_source_quality_percent: u8,
    /// Visits, test drives, quote requests and replies count when this recent.
    pub engagement_window_days: u32,
    pub cars_in_budget_for_full_points: u32,
    pub visit_days_for_full_points: u32,
    pub replies_for_full_points: u32,
    /// Recency earns full points up to this many days after the last engagement…
    pub recency_full_days: u32,
    /// …and none from this many days on, linearly in between.
    pub recency_zero_days: u32,
    /// Repeat views count over this many days.
    pub repeat_view_window_days: u32,
    pub repeat_view_days_for_full_points: u32,
}

impl Default for LeadScoringConfig {
    fn default() -> Self {
        use ScoreFactor::*;
        let source = |name: &str| SourceChannel::parse(name).expect("valid default channel");
        LeadScoringConfig {
            weights: BTreeMap::from([
                (Timeframe, 25),
                (BudgetFit, 15),
                (Source, 10),
                (StoreVisits, 10),
                (TestDrive, 10),
                (QuoteRequest, 5),
                (Replies, 5),
                (Recency, 8),
                (RepeatViews, 4),
                (Contact, 8),
            ]),
            bands: PerGrade {
                h: 75,
                a: 50,
                b: 25,
                c: 0,
            },
            grade_moves: GradeMoves::default(),
            source_quality_percent: BTreeMap::from([
                (source("referral"), 90),
                (source("walk_in"), 90),
                (source("phone"), 80),
                (source("wechat"), 70),
                (source("web_form"), 70),
                (source("autohome"), 60),
                (source("dongchedi"), 60),
                (source("yiche"), 60),
            ]),
            default_source_quality_percent: 50,
            engagement_window_days: 30,
            cars_in_budget_for_full_points: 3,
            visit_days_for_full_points: 2,
            replies_for_full_points: 3,
            recency_full_days: 1,
            recency_zero_days: 30,
            repeat_view_window_days: 7,
            repeat_view_days_for_full_points: 3,
        }
    }
}

impl LeadScoringConfig {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        let total: u32 = self.weights.values().map(|&w| u32::from(w)).sum();
        if total != 100 {
            issues.push(
                "weights",
                IssueCode::OutOfRange,
                format!("the weights must add up to 100, not {total}"),
            );
        }
        let b = &self.bands;
        if !(b.c == 0 && b.c < b.b && b.b < b.a && b.a < b.h && b.h <= 100) {
            issues.push(
                "bands",
                IssueCode::NotSorted,
                "bands must satisfy 0 = c < b < a < h <= 100",
            );
        }
        for (source, &percent) in &self.source_quality_percent {
            issues.range(&format!("source_quality_percent.{source}"), percent, 0, 100);
        }
        issues.range(
            "default_source_quality_percent",
            self.default_source_quality_percent,
            0,
            100,
        );
        issues.range(
            "engagement_window_days",
            self.engagement_window_days,
            1,
            365,
        );
        for (field, value) in [
            (
                "cars_in_budget_for_full_points",
                self.cars_in_budget_for_full_points,
            ),
            (
                "visit_days_for_full_points",
                self.visit_days_for_full_points,
            ),
            ("replies_for_full_points", self.replies_for_full_points),
        ] {
            issues.range(field, value, 1, 1000);
        }
        issues.range("recency_zero_days", self.recency_zero_days, 1, 365);
        if self.recency_full_days >= self.recency_zero_days {
            issues.push(
                "recency_full_days",
                IssueCode::OutOfRange,
                "must be less than recency_zero_days",
            );
        }
        issues.range(
            "repeat_view_window_days",
            self.repeat_view_window_days,
            1,
            90,
        );
        issues.range(
            "repeat_view_days_for_full_points",
            self.repeat_view_days_for_full_points,
            1,
            self.repeat_view_window_days.max(1),
        );
        let moves = &self.grade_moves;
        issues.range(
            "grade_moves.repeat_visit_days",
            moves.repeat_visit_days,
            0,
            365,
        );
        issues.range("grade_moves.max_raise", moves.max_raise, 0, 3);
        issues.range(
            "grade_moves.silence_days_per_step",
            moves.silence_days_per_step,
            0,
            365,
        );
        issues.finish()
    }

    /// How far back the events given to [`score_lead`] must reach for every rule to see all it
    /// reads; silence beyond it already lowers any grade to C.
    pub fn lookback(&self) -> TimeDelta {
        let days = self
            .engagement_window_days
            .max(self.recency_zero_days)
            .max(self.repeat_view_window_days)
            .max(self.grade_moves.silence_days_per_step.saturating_mul(3));
        TimeDelta::days(i64::from(days))
    }

    fn weight(&self, factor: ScoreFactor) -> u8 {
        self.weights.get(&factor).copied().unwrap_or(0)
    }
}

/// Which ways to reach the customer are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactData {
    pub phone: bool,
    pub wechat: bool,
    pub email: bool,
    pub name: bool,
}

/// What is known of a lead, as the service gathers it.
#[derive(Debug, Clone, Copy)]
pub struct LeadSignals<'a> {
    /// From the lead's needs.
    pub timeframe: Option<PurchaseTimeframe>,
    /// Cars in stock priced within the budget; `None` when no budget was stated.
    pub cars_in_budget: Option<u32>,
    pub source: &'a SourceChannel,
    pub contact: ContactData,
    /// The customer's events of at least [`LeadScoringConfig::lookback`]; any order. Events
    /// after `now` are ignored.
    pub events: &'a [CustomerEvent],
    /// When the lead was created or last reactivated: silence counts from here until the
    /// customer first engages.
    pub active_since: DateTime<Utc>,
}

/// What a factor looked at, for the consultant to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    Timeframe {
        timeframe: Option<PurchaseTimeframe>,
    },
    CarsInBudget {
        cars: Option<u32>,
    },
    SourceQuality {
        source: SourceChannel,
        quality_percent: u8,
    },
    /// Visit days, test drives, quote requests or replies within the engagement window.
    Count {
        count: u32,
    },
    DaysSinceEngagement {
        days: Option<i64>,
    },
    RepeatViews {
        subject: Option<String>,
        days: u32,
    },
    Contact {
        contact: ContactData,
    },
}

/// One factor's contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreReason {
    pub factor: ScoreFactor,
    pub points: u8,
    /// The factor's weight.
    pub max_points: u8,
    pub observed: Observed,
}

/// One step in working out the grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GradeStep {
    StatedTimeframe {
        timeframe: Option<PurchaseTimeframe>,
    },
    TestDrive,
    QuoteRequest,
    RepeatVisits {
        visit_days: u32,
    },
    Silence {
        silent_days: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeReason {
    pub step: GradeStep,
    /// The grade after this step; unchanged when a raise was past `max_raise` or at H.
    pub grade: LeadGrade,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadScore {
    pub grade: LeadGrade,
    /// 0–100; see the module documentation.
    pub score: u8,
    /// The sum of the reasons' points.
    pub factor_points: u8,
    /// One per factor with a weight, in [`ScoreFactor`] order.
    pub reasons: Vec<ScoreReason>,
    /// In the order they were applied.
    pub grade_reasons: Vec<GradeReason>,
}

/// Grades and scores one lead at `now`. The config is expected to be validated; an invalid one
/// still yields a score within 0–100.
pub fn score_lead(
    signals: &LeadSignals<'_>,
    now: DateTime<Utc>,
    config: &LeadScoringConfig,
) -> LeadScore {
    let tally = Tally::count(signals.events, now, config);
    let (grade, grade_reasons) = grade(signals, &tally, now, config);
    let reasons = factor_reasons(signals, &tally, now, config);
    let factor_points = reasons
        .iter()
        .map(|r| u32::from(r.points))
        .sum::<u32>()
        .min(100) as u8;
    LeadScore {
        grade,
        score: banded_score(grade, factor_points, &config.bands),
        factor_points,
        reasons,
        grade_reasons,
    }
}

/// Engagement facts read from the events.
struct Tally {
    visit_days: u32,
    test_drives: u32,
    quote_requests: u32,
    replies: u32,
    last_engagement: Option<DateTime<Utc>>,
    repeat_views: Option<(String, u32)>,
}

impl Tally {
    fn count(events: &[CustomerEvent], now: DateTime<Utc>, config: &LeadScoringConfig) -> Tally {
        let window_start = now - TimeDelta::days(i64::from(config.engagement_window_days));
        let views_start = now - TimeDelta::days(i64::from(config.repeat_view_window_days));
        let mut visit_dates = BTreeSet::new();
        let mut views: BTreeMap<&str, BTreeSet<NaiveDate>> = BTreeMap::new();
        let mut tally = Tally {
            visit_days: 0,
            test_drives: 0,
            quote_requests: 0,
            replies: 0,
            last_engagement: None,
            repeat_views: None,
        };
        for event in events.iter().filter(|e| e.at <= now) {
            if event.kind.is_customer_engagement() {
                tally.last_engagement = tally.last_engagement.max(Some(event.at));
            }
            if event.kind == EventKind::ModelViewed
                && event.at >= views_start
                && let Some(model) = &event.subject
            {
                views.entry(model).or_default().insert(event.local_date);
            }
            if event.at < window_start {
                continue;
            }
            match event.kind {
                EventKind::StoreVisit => {
                    visit_dates.insert(event.local_date);
                }
                EventKind::TestDrive => tally.test_drives += 1,
                EventKind::QuoteRequested => tally.quote_requests += 1,
                EventKind::CustomerReply => tally.replies += 1,
                _ => {}
            }
        }
        tally.visit_days = visit_dates.len() as u32;
        // The most-viewed model; the first by name on a tie, so the reason is stable.
        tally.repeat_views = views
            .into_iter()
            .map(|(model, days)| (model, days.len() as u32))
            .fold(
                None,
                |best: Option<(&str, u32)>, (model, days)| match best {
                    Some((_, best_days)) if best_days >= days => best,
                    _ => Some((model, days)),
                },
            )
            .map(|(model, days)| (model.to_owned(), days));
        tally
    }
}

fn grade(
    signals: &LeadSignals<'_>,
    tally: &Tally,
    now: DateTime<Utc>,
    config: &LeadScoringConfig,
) -> (LeadGrade, Vec<GradeReason>) {
    let moves = &config.grade_moves;
    let mut grade = LeadGrade::from_timeframe(signals.timeframe);
    let mut reasons = vec![GradeReason {
        step: GradeStep::StatedTimeframe {
            timeframe: signals.timeframe,
        },
        grade,
    }];
    let raises = [
        (moves.test_drive_raises && tally.test_drives > 0).then_some(GradeStep::TestDrive),
        (moves.quote_request_raises && tally.quote_requests > 0).then_some(GradeStep::QuoteRequest),
        (moves.repeat_visit_days > 0 && tally.visit_days >= moves.repeat_visit_days).then_some(
            GradeStep::RepeatVisits {
                visit_days: tally.visit_days,
            },
        ),
    ];
    let mut raised = 0;
    for step in raises.into_iter().flatten() {
        if raised < moves.max_raise {
            raised += 1;
            grade = grade.raised(1);
        }
        reasons.push(GradeReason { step, grade });
    }
    if moves.silence_days_per_step > 0 {
        let quiet_since = tally
            .last_engagement
            .map_or(signals.active_since, |at| at.max(signals.active_since));
        let silent_days = (now - quiet_since).num_days().max(0);
        let steps = silent_days / i64::from(moves.silence_days_per_step);
        if steps > 0 {
            grade = grade.lowered(u8::try_from(steps).unwrap_or(u8::MAX));
            reasons.push(GradeReason {
                step: GradeStep::Silence { silent_days },
                grade,
            });
        }
    }
    (grade, reasons)
}

fn factor_reasons(
    signals: &LeadSignals<'_>,
    tally: &Tally,
    now: DateTime<Utc>,
    config: &LeadScoringConfig,
) -> Vec<ScoreReason> {
    let mut reasons = Vec::with_capacity(ScoreFactor::ALL.len());
    for &factor in ScoreFactor::ALL {
        let weight = config.weight(factor);
        if weight == 0 {
            continue;
        }
        let (num, den, observed) = match factor {
            ScoreFactor::Timeframe => (
                timeframe_percent(signals.timeframe),
                100,
                Observed::Timeframe {
                    timeframe: signals.timeframe,
                },
            ),
            ScoreFactor::BudgetFit => (
                signals.cars_in_budget.unwrap_or(0),
                config.cars_in_budget_for_full_points,
                Observed::CarsInBudget {
                    cars: signals.cars_in_budget,
                },
            ),
            ScoreFactor::Source => {
                let quality = config
                    .source_quality_percent
                    .get(signals.source)
                    .copied()
                    .unwrap_or(config.default_source_quality_percent);
                (
                    u32::from(quality),
                    100,
                    Observed::SourceQuality {
                        source: signals.source.clone(),
                        quality_percent: quality,
                    },
                )
            }
            ScoreFactor::StoreVisits => count(tally.visit_days, config.visit_days_for_full_points),
            ScoreFactor::TestDrive => count(tally.test_drives, 1),
            ScoreFactor::QuoteRequest => count(tally.quote_requests, 1),
            ScoreFactor::Replies => count(tally.replies, config.replies_for_full_points),
            ScoreFactor::Recency => {
                let days = tally.last_engagement.map(|at| (now - at).num_days());
                let (num, den) = recency_share(days, config);
                (num, den, Observed::DaysSinceEngagement { days })
            }
            ScoreFactor::RepeatViews => {
                let (subject, days) = tally
                    .repeat_views
                    .clone()
                    .map_or((None, 0), |(model, days)| (Some(model), days));
                (
                    days,
                    config.repeat_view_days_for_full_points,
                    Observed::RepeatViews { subject, days },
                )
            }
            ScoreFactor::Contact => {
                let c = signals.contact;
                let percent = [(c.phone, 50), (c.wechat, 30), (c.name, 10), (c.email, 10)]
                    .iter()
                    .filter(|(known, _)| *known)
                    .map(|(_, p)| p)
                    .sum();
                (percent, 100, Observed::Contact { contact: c })
            }
        };
        reasons.push(ScoreReason {
            factor,
            points: share(weight, num, den),
            max_points: weight,
            observed,
        });
    }
    reasons
}

fn count(count: u32, full_at: u32) -> (u32, u32, Observed) {
    (count, full_at, Observed::Count { count })
}

fn timeframe_percent(timeframe: Option<PurchaseTimeframe>) -> u32 {
    match timeframe {
        Some(PurchaseTimeframe::Within7Days) => 100,
        Some(PurchaseTimeframe::Within15Days) => 80,
        Some(PurchaseTimeframe::Within30Days) => 60,
        Some(PurchaseTimeframe::Within90Days) => 30,
        Some(PurchaseTimeframe::Later) => 10,
        Some(PurchaseTimeframe::Unknown) | None => 0,
    }
}

/// Full share up to `recency_full_days`, none from `recency_zero_days`, linear between.
fn recency_share(days: Option<i64>, config: &LeadScoringConfig) -> (u32, u32) {
    let full = i64::from(config.recency_full_days);
    let zero = i64::from(config.recency_zero_days);
    match days {
        None => (0, 1),
        Some(d) if d <= full => (1, 1),
        Some(d) if d >= zero => (0, 1),
        Some(d) => ((zero - d) as u32, (zero - full) as u32),
    }
}

/// `weight × min(num, den) / den`, rounded half-up.
fn share(weight: u8, num: u32, den: u32) -> u8 {
    if den == 0 {
        return 0;
    }
    let num = u64::from(num.min(den));
    let den = u64::from(den);
    ((u64::from(weight) * num * 2 + den) / (2 * den)) as u8
}

fn banded_score(grade: LeadGrade, factor_points: u8, bands: &PerGrade<u8>) -> u8 {
    let low = *bands.get(grade);
    let high = match grade {
        LeadGrade::H => 100,
        LeadGrade::A => bands.h.saturating_sub(1),
        LeadGrade::B => bands.a.saturating_sub(1),
        LeadGrade::C => bands.b.saturating_sub(1),
    }
    .max(low);
    let width = u32::from(high - low);
    (u32::from(low) + u32::from(factor_points.min(100)) * width / 100).min(100) as u8
}

#[cfg(test)]
mod tests;
