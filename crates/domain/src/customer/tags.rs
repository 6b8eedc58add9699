//! Tags: the organisation's manual vocabulary, and dynamic tags computed by rules over a
//! customer's needs, behaviour and history. Rules are data, so an organisation can keep its
//! own set as JSON; every tag names the rule that set it and the facts that satisfied it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::text::half_width;
use super::{
    ActivityKind, BehaviorEventType, BehaviorSummary, LifecycleStage, ModelRef, Needs,
    PaymentMethod, PurchaseTimeframe, SourceChannel,
};
use crate::vehicle::{BodyType, Condition, EnergyType};

pub const MAX_TAG_NAME_CHARS: usize = 30;
pub const MAX_RULE_ID_CHARS: usize = 64;
/// Most rules in one set.
pub const MAX_RULES: usize = 200;
/// Deepest nesting of `all_of` and `any_of`, counting the rule's own condition as 1.
pub const MAX_CONDITION_DEPTH: usize = 4;
/// Most conditions in one rule, counting every nested one.
pub const MAX_CONDITIONS_PER_RULE: usize = 32;

/// Why a tag name, colour or rule id was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("a tag name is 1 to {MAX_TAG_NAME_CHARS} characters without control characters")]
    InvalidName,
    #[error("a tag colour is written #RRGGBB")]
    InvalidColour,
    #[error(
        "a rule id is 1 to {MAX_RULE_ID_CHARS} lower-case letters, digits, hyphens and underscores"
    )]
    InvalidRuleId,
}

/// A tag's name, trimmed (`预算10-15万`, `VIP`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

impl TagName {
    pub fn parse(input: &str) -> Result<Self, TagError> {
        let name = input.trim();
        let length = name.chars().count();
        if (1..=MAX_TAG_NAME_CHARS).contains(&length) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(TagError::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag's display colour, `#RRGGBB`, kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagColour(String);

impl TagColour {
    /// Accepts either case and full-width characters.
    pub fn parse(input: &str) -> Result<Self, TagError> {
        let colour: String = input
            .trim()
            .chars()
            .map(half_width)
            .collect::<String>()
            .to_ascii_lowercase();
        match colour.strip_prefix('#') {
            Some(hex) if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Self(colour))
            }
            _ => Err(TagError::InvalidColour),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rule's stable identifier (`budget_10_15w`), which tags keep to say where they came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RuleId(String);

impl RuleId {
    pub fn parse(input: &str) -> Result<Self, TagError> {
        let valid = (1..=MAX_RULE_ID_CHARS).contains(&input.len())
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if valid {
            Ok(Self(input.to_owned()))
        } else {
            Err(TagError::InvalidRuleId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_newtype_conversions {
    ($($name:ident),+) => {$(
        impl TryFrom<String> for $name {
            type Error = TagError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}
text_newtype_conversions!(TagName, TagColour, RuleId);

/// What a rule asks of a customer. Serialised with a `type` field:
/// `{"type": "compare_count_at_least", "count": 3}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TagCondition {
    /// The budget lies in `(above_cents, up_to_cents]`; no upper bound when `up_to_cents` is
    /// absent. The budget is the middle of a stated range, or its maximum when only that was
    /// stated ("15万以内"); a budget with only a minimum ("10万以上") falls in no band.
    BudgetBand {
        above_cents: i64,
        up_to_cents: Option<i64>,
    },
    /// The customer wants this body type, among others.
    BodyType {
        body_type: BodyType,
    },
    /// The customer wants at least one of these energy types.
    EnergyTypeAnyOf {
        energy_types: BTreeSet<EnergyType>,
    },
    /// The stated purchase timeframe is one of these.
    TimeframeIn {
        timeframes: BTreeSet<PurchaseTimeframe>,
    },
    Payment {
        payment: PaymentMethod,
    },
    /// New or used.
    Condition {
        condition: Condition,
    },
    /// The customer named this brand (compared ignoring case and surrounding spaces).
    Brand {
        brand: String,
    },
    HasTradeIn,
    /// Comparisons made, of any models.
    CompareCountAtLeast {
        count: u32,
    },
    /// Views of the single most viewed model.
    ModelViewsAtLeast {
        views: u32,
    },
    EventCountAtLeast {
        event_type: BehaviorEventType,
        count: u32,
    },
    DaysActiveAtLeast {
        days: u32,
    },
    /// Active on one of the last `days` local days, today included.
    ActiveWithinDays {
        days: u32,
    },
    SourceIn {
        channels: BTreeSet<SourceChannel>,
    },
    StageIn {
        stages: BTreeSet<LifecycleStage>,
    },
    /// Activities of a kind that took place (see [`CustomerHistory::activity_counts`]).
    ActivityCountAtLeast {
        kind: ActivityKind,
        count: u32,
    },
    AllOf {
        conditions: Vec<TagCondition>,
    },
    AnyOf {
        conditions: Vec<TagCondition>,
    },
}

/// One fact that satisfied a condition; a tag carries all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TagEvidence {
    Budget {
        budget_min_cents: Option<i64>,
        budget_max_cents: Option<i64>,
    },
    BodyType {
        body_type: BodyType,
    },
    EnergyTypes {
        energy_types: Vec<EnergyType>,
    },
    Timeframe {
        timeframe: PurchaseTimeframe,
    },
    Payment {
        payment: PaymentMethod,
    },
    Condition {
        condition: Condition,
    },
    Brand {
        brand: String,
    },
    TradeIn {
        brand: Option<String>,
        model: Option<String>,
    },
    Comparisons {
        count: u32,
    },
    ModelViews {
        model: ModelRef,
        views: u32,
    },
    Events {
        event_type: BehaviorEventType,
        count: u32,
    },
    DaysActive {
        days: u32,
    },
    LastActive {
        on: NaiveDate,
        days_ago: i64,
    },
    Source {
        channel: SourceChannel,
    },
    Stage {
        stage: LifecycleStage,
    },
    Activities {
        kind: ActivityKind,
        count: u32,
    },
}

/// A rule: when its condition holds, the customer gets its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRule {
    pub id: RuleId,
    pub tag: TagName,
    pub condition: TagCondition,
}

/// What a rule set may be wrong about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    #[error("the rule id is used by an earlier rule")]
    DuplicateId,
    #[error("the tag is set by an earlier rule; combine the conditions with any_of")]
    DuplicateTag,
    #[error("a budget band needs 0 <= above_cents < up_to_cents")]
    InvalidBudgetBand,
    #[error("a set of values is empty")]
    EmptySet,
    #[error("a count or number of days must be at least 1")]
    ZeroThreshold,
    #[error("the brand is blank")]
    BlankBrand,
    #[error("all_of and any_of need at least one condition")]
    EmptyGroup,
    #[error("conditions nest more than {MAX_CONDITION_DEPTH} deep")]
    TooDeep,
    #[error("a rule has more than {MAX_CONDITIONS_PER_RULE} conditions")]
    TooManyConditions,
}

/// Why a rule set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagRuleError {
    #[error("a rule set has at most {MAX_RULES} rules")]
    TooManyRules,
    #[error("rule {index} ({id}): {problem}")]
    Rule {
        index: usize,
        id: RuleId,
        problem: RuleProblem,
    },
}

/// A checked list of rules. Travels as the JSON array of its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<TagRule>", into = "Vec<TagRule>")]
pub struct TagRuleSet(Vec<TagRule>);

impl TryFrom<Vec<TagRule>> for TagRuleSet {
    type Error = TagRuleError;
    fn try_from(rules: Vec<TagRule>) -> Result<Self, Self::Error> {
        Self::new(rules)
    }
}

impl From<TagRuleSet> for Vec<TagRule> {
    fn from(set: TagRuleSet) -> Self {
        set.0
    }
}

/// What the rules read besides needs and behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerHistory {
    pub stage: Option<LifecycleStage>,
    pub source: Option<SourceChannel>,
    /// Activities that took place, by kind: the service decides what counts (a test drive
    /// with outcome `completed`, say).
    pub activity_counts: BTreeMap<ActivityKind, u32>,
}

/// Everything a rule may read about one customer.
#[derive(Debug, Clone, Copy)]
pub struct TagInputs<'a> {
    pub needs: &'a Needs,
    pub behavior: &'a BehaviorSummary,
    pub history: &'a CustomerHistory,
    /// The organisation's local date, for recency.
    pub today: NaiveDate,
}

/// A tag a rule set on a customer, with the rule and the facts behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DynamicTag {
    pub name: TagName,
    pub rule_id: RuleId,
    pub reasons: Vec<TagEvidence>,
}

impl TagRuleSet {
    /// Refuses duplicate ids or tags, empty or nonsensical conditions, and sets too large or
    /// too deep to evaluate cheaply for every customer.
    pub fn new(rules: Vec<TagRule>) -> Result<Self, TagRuleError> {
        if rules.len() > MAX_RULES {
            return Err(TagRuleError::TooManyRules);
        }
        let mut ids = BTreeSet::new();
        let mut tags = BTreeSet::new();
        for (index, rule) in rules.iter().enumerate() {
            let problem = if !ids.insert(&rule.id) {
                Some(RuleProblem::DuplicateId)
            } else if !tags.insert(&rule.tag) {
                Some(RuleProblem::DuplicateTag)
            } else {
                let mut conditions = 0;
                check_condition(&rule.condition, 1, &mut conditions).err()
            };
            if let Some(problem) = problem {
                return Err(TagRuleError::Rule {
                    index,
                    id: rule.id.clone(),
                    problem,
                });
            }
        }
        Ok(Self(rules))
    }

    pub fn rules(&self) -> &[TagRule] {
        &self.0
    }

    /// The tags whose rules hold, in the order of the rules.
    pub fn evaluate(&self, inputs: &TagInputs<'_>) -> Vec<DynamicTag> {
        self.0
            .iter()
            .filter_map(|rule| {
                let mut reasons = Vec::new();
                holds(&rule.condition, inputs, &mut reasons).then(|| DynamicTag {
                    name: rule.tag.clone(),
                    rule_id: rule.id.clone(),
                    reasons,
                })
            })
            .collect()
    }

    /// The rules an organisation starts with.
    pub fn standard() -> Self {
        use TagCondition as C;
        const WAN: i64 = 1_000_000; // 万元 in fen
        let band = |above: i64, up_to: Option<i64>| C::BudgetBand {
            above_cents: above * WAN,
            up_to_cents: up_to.map(|u| u * WAN),
        };
        let timeframes = |t: &[PurchaseTimeframe]| C::TimeframeIn {
            timeframes: t.iter().copied().collect(),
        };
        use PurchaseTimeframe::{Within7Days, Within15Days, Within30Days};
        let rules = [
            ("budget_under_10w", "预算10万以下", band(0, Some(10))),
            ("budget_10_15w", "预算10-15万", band(10, Some(15))),
            ("budget_15_20w", "预算15-20万", band(15, Some(20))),
            ("budget_20_30w", "预算20-30万", band(20, Some(30))),
            ("budget_30_50w", "预算30-50万", band(30, Some(50))),
            ("budget_over_50w", "预算50万以上", band(50, None)),
            (
                "prefers_suv",
                "偏好SUV",
                C::BodyType {
                    body_type: BodyType::Suv,
                },
            ),
            (
                "prefers_mpv",
                "偏好MPV",
                C::BodyType {
                    body_type: BodyType::Mpv,
                },
            ),
            (
                "prefers_sedan",
                "偏好轿车",
                C::BodyType {
                    body_type: BodyType::Sedan,
                },
            ),
            (
                "buying_soon",
                "近期购车",
                timeframes(&[Within7Days, Within15Days, Within30Days]),
            ),
            (
                "new_energy_interest",
                "新能源意向",
                C::EnergyTypeAnyOf {
                    energy_types: EnergyType::ALL
                        .iter()
                        .copied()
                        .filter(|e| e.is_new_energy())
                        .collect(),
                },
            ),
            (
                "used_car_interest",
                "二手车意向",
                C::Condition {
                    condition: Condition::Used,
                },
            ),
            ("trade_in", "置换客户", C::HasTradeIn),
            (
                "loan_purchase",
                "贷款购车",
                C::Payment {
                    payment: PaymentMethod::Loan,
                },
            ),
            (
                "compared_3_times",
                "对比车型3次以上",
                C::CompareCountAtLeast { count: 3 },
            ),
            (
                "repeat_model_views",
                "反复浏览同一车型",
                C::ModelViewsAtLeast { views: 5 },
            ),
            (
                "financing_interest",
                "关注金融方案",
                C::EventCountAtLeast {
                    event_type: BehaviorEventType::FinancingCalculated,
                    count: 1,
                },
            ),
            (
                "test_driven",
                "已试驾",
                C::ActivityCountAtLeast {
                    kind: ActivityKind::TestDrive,
                    count: 1,
                },
            ),
            (
                "active_last_7_days",
                "近7天活跃",
                C::ActiveWithinDays { days: 7 },
            ),
            (
                "high_intent",
                "高意向",
                C::AllOf {
                    conditions: vec![
                        timeframes(&[Within7Days, Within15Days]),
                        C::AnyOf {
                            conditions: vec![
                                C::ActivityCountAtLeast {
                                    kind: ActivityKind::TestDrive,
                                    count: 1,
                                },
                                C::CompareCountAtLeast { count: 3 },
                                C::EventCountAtLeast {
                                    event_type: BehaviorEventType::PriceInquired,
                                    count: 1,
                                },
                            ],
                        },
                    ],
                },
            ),
        ];
        Self(
            rules
                .into_iter()
                .map(|(id, tag, condition)| TagRule {
                    id: RuleId(id.to_owned()),
                    tag: TagName(tag.to_owned()),
                    condition,
                })
                .collect(),
        )
    }
}

fn check_condition(
    condition: &TagCondition,
    depth: usize,
    conditions: &mut usize,
) -> Result<(), RuleProblem> {
    use TagCondition as C;
    *conditions += 1;
    if depth > MAX_CONDITION_DEPTH {
        return Err(RuleProblem::TooDeep);
    }
    if *conditions > MAX_CONDITIONS_PER_RULE {
        return Err(RuleProblem::TooManyConditions);
    }
    match condition {
        C::BudgetBand {
            above_cents,
            up_to_cents,
        } if *above_cents < 0 || up_to_cents.is_some_and(|up| up <= *above_cents) => {
            return Err(RuleProblem::InvalidBudgetBand);
        }
        C::EnergyTypeAnyOf { energy_types } if energy_types.is_empty() => {
            return Err(RuleProblem::EmptySet);
        }
        C::TimeframeIn { timeframes } if timeframes.is_empty() => {
            return Err(RuleProblem::EmptySet);
        }
        C::SourceIn { channels } if channels.is_empty() => return Err(RuleProblem::EmptySet),
        C::StageIn { stages } if stages.is_empty() => return Err(RuleProblem::EmptySet),
        C::Brand { brand } if brand.trim().is_empty() => return Err(RuleProblem::BlankBrand),
        C::CompareCountAtLeast { count: 0 }
        | C::ModelViewsAtLeast { views: 0 }
        | C::EventCountAtLeast { count: 0, .. }
        | C::DaysActiveAtLeast { days: 0 }
        | C::ActiveWithinDays { days: 0 }
        | C::ActivityCountAtLeast { count: 0, .. } => return Err(RuleProblem::ZeroThreshold),
        C::AllOf { conditions: nested } | C::AnyOf { conditions: nested } => {
            if nested.is_empty() {
                return Err(RuleProblem::EmptyGroup);
            }
            for condition in nested {
                check_condition(condition, depth + 1, conditions)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `condition` holds; when it does, its evidence is appended to `reasons`.
fn holds(condition: &TagCondition, inputs: &TagInputs<'_>, reasons: &mut Vec<TagEvidence>) -> bool {
    use TagCondition as C;
    let needs = inputs.needs;
    let behavior = inputs.behavior;
    let history = inputs.history;
    let evidence =
        match condition {
            C::BudgetBand {
                above_cents,
                up_to_cents,
            } => budget_reference(needs)
                .filter(|b| b > above_cents && up_to_cents.is_none_or(|up| *b <= up))
                .map(|_| TagEvidence::Budget {
                    budget_min_cents: needs.budget_min_cents,
                    budget_max_cents: needs.budget_max_cents,
                }),
            C::BodyType { body_type } => {
                needs
                    .body_types
                    .contains(body_type)
                    .then_some(TagEvidence::BodyType {
                        body_type: *body_type,
                    })
            }
            C::EnergyTypeAnyOf { energy_types } => {
                let matched: Vec<EnergyType> = needs
                    .energy_types
                    .intersection(energy_types)
                    .copied()
                    .collect();
                (!matched.is_empty()).then_some(TagEvidence::EnergyTypes {
                    energy_types: matched,
                })
            }
            C::TimeframeIn { timeframes } => needs
                .timeframe
                .filter(|t| timeframes.contains(t))
                .map(|timeframe| TagEvidence::Timeframe { timeframe }),
            C::Payment { payment } => (needs.payment == Some(*payment))
                .then_some(TagEvidence::Payment { payment: *payment }),
            C::Condition { condition } => {
                (needs.condition == Some(*condition)).then_some(TagEvidence::Condition {
                    condition: *condition,
                })
            }
            C::Brand { brand } => needs
                .brands
                .iter()
                .find(|named| named.trim().to_lowercase() == brand.trim().to_lowercase())
                .map(|named| TagEvidence::Brand {
                    brand: named.clone(),
                }),
            C::HasTradeIn => needs.trade_in.as_ref().map(|t| TagEvidence::TradeIn {
                brand: t.brand.clone(),
                model: t.model.clone(),
            }),
            C::CompareCountAtLeast { count } => {
                let made = behavior.count(BehaviorEventType::VehicleCompared);
                (made >= *count).then_some(TagEvidence::Comparisons { count: made })
            }
            C::ModelViewsAtLeast { views } => behavior
                .most_viewed()
                .filter(|m| m.views >= *views)
                .map(|m| TagEvidence::ModelViews {
                    model: m.model.clone(),
                    views: m.views,
                }),
            C::EventCountAtLeast { event_type, count } => {
                let made = behavior.count(*event_type);
                (made >= *count).then_some(TagEvidence::Events {
                    event_type: *event_type,
                    count: made,
                })
            }
            C::DaysActiveAtLeast { days } => {
                (behavior.days_active >= *days).then_some(TagEvidence::DaysActive {
                    days: behavior.days_active,
                })
            }
            C::ActiveWithinDays { days } => behavior.last_active_on.and_then(|on| {
                let days_ago = (inputs.today - on).num_days().max(0);
                (days_ago < i64::from(*days)).then_some(TagEvidence::LastActive { on, days_ago })
            }),
            C::SourceIn { channels } => history
                .source
                .filter(|c| channels.contains(c))
                .map(|channel| TagEvidence::Source { channel }),
            C::StageIn { stages } => history
                .stage
                .filter(|s| stages.contains(s))
                .map(|stage| TagEvidence::Stage { stage }),
            C::ActivityCountAtLeast { kind, count } => {
                let done = history.activity_counts.get(kind).copied().unwrap_or(0);
                (done >= *count).then_some(TagEvidence::Activities {
                    kind: *kind,
                    count: done,
                })
            }
            C::AllOf { conditions } => {
                let mut all = Vec::new();
                if !conditions.iter().all(|c| holds(c, inputs, &mut all)) {
                    return false;
                }
                reasons.extend(all);
                return true;
            }
            C::AnyOf { conditions } => return conditions.iter().any(|c| holds(c, inputs, reasons)),
        };
    match evidence {
        Some(evidence) => {
            reasons.push(evidence);
            true
        }
        None => false,
    }
}

/// The middle of a stated range, or its maximum when only that was stated.
fn budget_reference(needs: &Needs) -> Option<i64> {
    match (needs.budget_min_cents, needs.budget_max_cents) {
        (Some(min), Some(max)) => i64::try_from((i128::from(min) + i128::from(max)) / 2).ok(),
        (None, Some(max)) => Some(max),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{BehaviorEvent, TradeIn};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    const WAN: i64 = 1_000_000;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 10).unwrap()
    }

    fn behavior(views_of_han: u32, comparisons: u32, last_day: u32) -> BehaviorSummary {
        let han = ModelRef::new("比亚迪", "汉").unwrap();
        let song = ModelRef::new("比亚迪", "宋PLUS").unwrap();
        let event = |event_type, day: u32, models: Vec<ModelRef>| BehaviorEvent {
            event_type,
            occurred_at: Utc.with_ymd_and_hms(2025, 6, day, 3, 0, 0).unwrap(),
            local_date: NaiveDate::from_ymd_opt(2025, 6, day).unwrap(),
            models,
        };
        let mut events: Vec<_> = (0..views_of_han)
            .map(|_| event(BehaviorEventType::VehicleViewed, 1, vec![han.clone()]))
            .collect();
        events.extend((0..comparisons).map(|_| {
            event(
                BehaviorEventType::VehicleCompared,
                2,
                vec![han.clone(), song.clone()],
            )
        }));
        events.push(event(
            BehaviorEventType::FinancingCalculated,
            last_day,
            vec![],
        ));
        BehaviorSummary::of(&events)
    }

    fn keen_buyer() -> Needs {
        Needs {
            budget_min_cents: Some(10 * WAN),
            budget_max_cents: Some(15 * WAN),
            body_types: [BodyType::Suv].into(),
            energy_types: [EnergyType::Bev, EnergyType::Gasoline].into(),
            brands: vec!["比亚迪".into()],
            timeframe: Some(PurchaseTimeframe::Within15Days),
            payment: Some(PaymentMethod::Loan),
            trade_in: Some(TradeIn {
                brand: Some("大众".into()),
                model: Some("朗逸".into()),
                year: Some(2016),
                mileage_km: Some(98_000),
            }),
            ..Needs::default()
        }
    }

    fn tags(
        rules: &TagRuleSet,
        needs: &Needs,
        behavior: &BehaviorSummary,
        history: &CustomerHistory,
    ) -> Vec<DynamicTag> {
        rules.evaluate(&TagInputs {
            needs,
            behavior,
            history,
            today: today(),
        })
    }

    fn names(tags: &[DynamicTag]) -> Vec<&str> {
        tags.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn the_standard_rules_describe_a_keen_buyer() {
        let history = CustomerHistory {
            activity_counts: [(ActivityKind::TestDrive, 1)].into(),
            ..CustomerHistory::default()
        };
        let found = tags(
            &TagRuleSet::standard(),
            &keen_buyer(),
            &behavior(5, 3, 9),
            &history,
        );
        assert_eq!(
            names(&found),
            [
                "预算10-15万",
                "偏好SUV",
                "近期购车",
                "新能源意向",
                "置换客户",
                "贷款购车",
                "对比车型3次以上",
                "反复浏览同一车型",
                "关注金融方案",
                "已试驾",
                "近7天活跃",
                "高意向",
            ]
        );
        let by_rule = |id: &str| found.iter().find(|t| t.rule_id.as_str() == id).unwrap();
        assert_eq!(
            by_rule("budget_10_15w").reasons,
            [TagEvidence::Budget {
                budget_min_cents: Some(10 * WAN),
                budget_max_cents: Some(15 * WAN)
            }]
        );
        assert_eq!(
            by_rule("new_energy_interest").reasons,
            [TagEvidence::EnergyTypes {
                energy_types: vec![EnergyType::Bev]
            }]
        );
        assert_eq!(
            by_rule("repeat_model_views").reasons,
            [TagEvidence::ModelViews {
                model: ModelRef::new("比亚迪", "汉").unwrap(),
                views: 5
            }]
        );
        assert_eq!(
            by_rule("active_last_7_days").reasons,
            [TagEvidence::LastActive {
                on: NaiveDate::from_ymd_opt(2025, 6, 9).unwrap(),
                days_ago: 1
            }]
        );
        // The first alternative that holds explains the any_of.
        assert_eq!(
            by_rule("high_intent").reasons,
            [
                TagEvidence::Timeframe {
                    timeframe: PurchaseTimeframe::Within15Days
                },
                TagEvidence::Activities {
                    kind: ActivityKind::TestDrive,
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn an_empty_customer_gets_no_tag() {
        let found = tags(
            &TagRuleSet::standard(),
            &Needs::default(),
            &BehaviorSummary::default(),
            &CustomerHistory::default(),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn thresholds_are_inclusive_and_recency_counts_today() {
        let found = tags(
            &TagRuleSet::standard(),
            &Needs::default(),
            &behavior(4, 2, 3),
            &CustomerHistory::default(),
        );
        assert_eq!(names(&found), ["关注金融方案"]);
        let on_the_edge = tags(
            &TagRuleSet::standard(),
            &Needs::default(),
            &behavior(5, 3, 4),
            &CustomerHistory::default(),
        );
        assert_eq!(
            names(&on_the_edge),
            [
                "对比车型3次以上",
                "反复浏览同一车型",
                "关注金融方案",
                "近7天活跃"
            ]
        );
    }

    fn budget_tags(min: Option<i64>, max: Option<i64>) -> Vec<String> {
        let needs = Needs {
            budget_min_cents: min.map(|m| m * WAN / 10),
            budget_max_cents: max.map(|m| m * WAN / 10),
            ..Needs::default()
        };
        tags(
            &TagRuleSet::standard(),
            &needs,
            &BehaviorSummary::default(),
            &CustomerHistory::default(),
        )
        .into_iter()
        .map(|t| t.name.as_str().to_owned())
        .collect()
    }

    #[test]
    fn budgets_fall_in_one_band() {
        // Amounts in thousands of yuan (千元) for readability.
        assert_eq!(budget_tags(Some(100), Some(150)), ["预算10-15万"]);
        assert_eq!(budget_tags(None, Some(150)), ["预算10-15万"]);
        assert_eq!(budget_tags(None, Some(100)), ["预算10万以下"]);
        assert_eq!(budget_tags(Some(150), Some(250)), ["预算15-20万"]);
        assert_eq!(budget_tags(Some(400), Some(800)), ["预算50万以上"]);
        assert!(budget_tags(Some(100), None).is_empty());
    }

    #[test]
    fn brands_match_ignoring_case() {
        let rules = TagRuleSet::new(vec![TagRule {
            id: RuleId::parse("bmw_fan").unwrap(),
            tag: TagName::parse("宝马意向").unwrap(),
            condition: TagCondition::Brand {
                brand: "bmw".into(),
            },
        }])
        .unwrap();
        let needs = Needs {
            brands: vec![" BMW ".into()],
            ..Needs::default()
        };
        let found = tags(
            &rules,
            &needs,
            &BehaviorSummary::default(),
            &CustomerHistory::default(),
        );
        assert_eq!(
            found[0].reasons,
            [TagEvidence::Brand {
                brand: " BMW ".into()
            }]
        );
    }

    #[test]
    fn rules_travel_as_json() {
        let json = serde_json::to_string(&TagRuleSet::standard()).unwrap();
        let back: TagRuleSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, TagRuleSet::standard());

        let rules: TagRuleSet = serde_json::from_str(
            r#"[{"id": "wechat_owner", "tag": "微信车主",
                 "condition": {"type": "all_of", "conditions": [
                    {"type": "source_in", "channels": ["wechat", "mini_program"]},
                    {"type": "stage_in", "stages": ["owner"]}]}}]"#,
        )
        .unwrap();
        let history = CustomerHistory {
            stage: Some(LifecycleStage::Owner),
            source: Some(SourceChannel::MiniProgram),
            ..CustomerHistory::default()
        };
        let found = tags(
            &rules,
            &Needs::default(),
            &BehaviorSummary::default(),
            &history,
        );
        assert_eq!(names(&found), ["微信车主"]);

        for bad in [
            r#"[{"id": "x", "tag": "x", "condition": {"type": "payment", "payment": "loan", "x": 1}}]"#,
            r#"[{"id": "x", "tag": "x", "condition": {"type": "unknown"}}]"#,
            r#"[{"id": "X!", "tag": "x", "condition": {"type": "has_trade_in"}}]"#,
            r#"[{"id": "x", "tag": " ", "condition": {"type": "has_trade_in"}}]"#,
            r#"[{"id": "x", "tag": "x", "condition": {"type": "compare_count_at_least", "count": 0}}]"#,
        ] {
            assert!(serde_json::from_str::<TagRuleSet>(bad).is_err(), "{bad}");
        }
    }

    fn rule(id: &str, tag: &str, condition: TagCondition) -> TagRule {
        TagRule {
            id: RuleId::parse(id).unwrap(),
            tag: TagName::parse(tag).unwrap(),
            condition,
        }
    }

    fn problem(rules: Vec<TagRule>) -> Option<RuleProblem> {
        match TagRuleSet::new(rules) {
            Err(TagRuleError::Rule { problem, .. }) => Some(problem),
            _ => None,
        }
    }

    #[test]
    fn rule_sets_are_checked() {
        use TagCondition as C;
        let ok = rule("a", "甲", C::HasTradeIn);
        assert_eq!(
            problem(vec![ok.clone(), rule("a", "乙", C::HasTradeIn)]),
            Some(RuleProblem::DuplicateId)
        );
        assert_eq!(
            problem(vec![ok.clone(), rule("b", "甲", C::HasTradeIn)]),
            Some(RuleProblem::DuplicateTag)
        );
        let band = |above, up_to| C::BudgetBand {
            above_cents: above,
            up_to_cents: up_to,
        };
        assert_eq!(
            problem(vec![rule("b", "乙", band(10, Some(10)))]),
            Some(RuleProblem::InvalidBudgetBand)
        );
        assert_eq!(
            problem(vec![rule("b", "乙", band(-1, None))]),
            Some(RuleProblem::InvalidBudgetBand)
        );
        assert_eq!(
            problem(vec![rule(
                "b",
                "乙",
                C::StageIn {
                    stages: BTreeSet::new()
                }
            )]),
            Some(RuleProblem::EmptySet)
        );
        assert_eq!(
            problem(vec![rule("b", "乙", C::Brand { brand: " ".into() })]),
            Some(RuleProblem::BlankBrand)
        );
        assert_eq!(
            problem(vec![rule("b", "乙", C::AnyOf { conditions: vec![] })]),
            Some(RuleProblem::EmptyGroup)
        );
        let mut deep = C::HasTradeIn;
        for _ in 0..MAX_CONDITION_DEPTH {
            deep = C::AllOf {
                conditions: vec![deep],
            };
        }
        assert_eq!(
            problem(vec![rule("b", "乙", deep)]),
            Some(RuleProblem::TooDeep)
        );
        let wide = C::AnyOf {
            conditions: vec![C::HasTradeIn; MAX_CONDITIONS_PER_RULE],
        };
        assert_eq!(
            problem(vec![rule("b", "乙", wide)]),
            Some(RuleProblem::TooManyConditions)
        );
        let many: Vec<_> = (0..=MAX_RULES)
            .map(|i| rule(&format!("r{i}"), &format!("t{i}"), C::HasTradeIn))
            .collect();
        assert_eq!(TagRuleSet::new(many), Err(TagRuleError::TooManyRules));
        assert!(TagRuleSet::new(TagRuleSet::standard().rules().to_vec()).is_ok());
    }

    #[test]
    fn names_colours_and_ids() {
        assert_eq!(TagName::parse("  VIP客户 ").unwrap().as_str(), "VIP客户");
        assert!(TagName::parse(&"新".repeat(30)).is_ok());
        assert_eq!(TagName::parse(&"新".repeat(31)), Err(TagError::InvalidName));
        assert_eq!(TagName::parse("a\nb"), Err(TagError::InvalidName));
        assert_eq!(TagName::parse(""), Err(TagError::InvalidName));
        assert_eq!(TagColour::parse("#1A2B3C").unwrap().as_str(), "#1a2b3c");
        assert_eq!(TagColour::parse("＃FF0000").unwrap().to_string(), "#ff0000");
        for bad in ["1a2b3c", "#12345", "#1234567", "#GGGGGG", "red"] {
            assert_eq!(TagColour::parse(bad), Err(TagError::InvalidColour), "{bad}");
        }
        assert!(RuleId::parse("budget_10-15w").is_ok());
        assert!(RuleId::parse("Budget").is_err());
        assert!(RuleId::parse("").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn at_most_one_budget_band_and_the_same_answer_twice(min in prop::option::of(0i64..100_000_000), span in 0i64..50_000_000, max_only: bool) {
            let needs = Needs {
                budget_min_cents: if max_only { None } else { min },
                budget_max_cents: min.map(|m| m + span),
                ..Needs::default()
            };
            let inputs = TagInputs {
                needs: &needs,
                behavior: &BehaviorSummary::default(),
                history: &CustomerHistory::default(),
                today: today(),
            };
            let rules = TagRuleSet::standard();
            let found = rules.evaluate(&inputs);
            prop_assert_eq!(&found, &rules.evaluate(&inputs));
            let bands = found.iter().filter(|t| t.rule_id.as_str().starts_with("budget_")).count();
            prop_assert_eq!(bands, usize::from(needs.budget_max_cents.is_some_and(|m| m > 0)));
        }
    }
}
