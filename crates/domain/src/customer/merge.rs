//! Merge planning: which profile fields of a survivor and its merge sources conflict, and the
//! merged profile once every conflict has a choice. Generic over the field enum, so the
//! service maps its own columns ([`CustomerField`] names the customer's); values are text,
//! normalised by the service (E.164 phones, ISO dates) so that equal means equal.
//!
//! Multi-valued data (other phones, documents, tags, related records) is not planned here:
//! it is the union of all records.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// The customer's single-valued profile fields that a merge reconciles.
    pub enum CustomerField {
        Name = "name",
        Gender = "gender",
        Birthday = "birthday",
        Phone = "phone",
        Email = "email",
        WechatOpenid = "wechat_openid",
        WechatUnionid = "wechat_unionid",
        IdCardNumber = "id_card_number",
        Address = "address",
        City = "city",
        Region = "region",
        SourceChannel = "source_channel",
        SourceDetail = "source_detail",
        ReferrerId = "referrer_id",
        RegisteredName = "registered_name",
        CreditCode = "credit_code",
        OwnerId = "owner_id",
        StoreId = "store_id",
        /// The stated needs, as one value (their JSON).
        Needs = "needs",
    }
}

/// One record's side of a merge: its id and its field values. A blank value is no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeProfile<F> {
    pub id: String,
    pub fields: BTreeMap<F, String>,
}

impl<F: Ord + Copy> MergeProfile<F> {
    fn value(&self, field: F) -> Option<&str> {
        self.fields
            .get(&field)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// A source's value for a conflicting field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceValue {
    pub source_id: String,
    pub value: String,
}

/// A field whose records hold two or more different values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldConflict<F> {
    pub field: F,
    pub survivor: Option<String>,
    /// Every source with a value for the field, in the order of the sources.
    pub sources: Vec<SourceValue>,
}

/// How a conflict is resolved. As text: `survivor` or `source:<id>`; an explicit value as
/// `{"value": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldChoice {
    #[serde(with = "choice_text")]
    Survivor,
    #[serde(with = "source_text")]
    Source(String),
    Value {
        value: String,
    },
}

/// A [`FieldChoice`] text that is neither `survivor` nor `source:<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a choice is \"survivor\" or \"source:<id>\"")]
pub struct InvalidChoice;

impl FromStr for FieldChoice {
    type Err = InvalidChoice;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.strip_prefix("source:") {
            _ if text == "survivor" => Ok(Self::Survivor),
            Some(id) if !id.trim().is_empty() => Ok(Self::Source(id.trim().to_owned())),
            _ => Err(InvalidChoice),
        }
    }
}

mod choice_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("survivor")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        match String::deserialize(d)?.as_str() {
            "survivor" => Ok(()),
            _ => Err(D::Error::custom("not \"survivor\"")),
        }
    }
}

mod source_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::FieldChoice;

    pub fn serialize<S: Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("source:{id}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        match String::deserialize(d)?.parse() {
            Ok(FieldChoice::Source(id)) => Ok(id),
            _ => Err(D::Error::custom("not \"source:<id>\"")),
        }
    }
}

/// Why a merged field differs from the survivor's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Resolution {
    /// The survivor had no value and the sources agreed on one.
    FilledFromSource {
        source_id: String,
    },
    ChosenSource {
        source_id: String,
    },
    ExplicitValue,
}

/// A field the merge changes on the survivor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange<F> {
    pub field: F,
    pub before: Option<String>,
    pub after: String,
    #[serde(flatten)]
    pub resolution: Resolution,
}

/// The survivor's profile after the merge, and what changed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergePlan<F: Ord> {
    /// Every field with a value after the merge.
    pub merged: BTreeMap<F, String>,
    /// In field order.
    pub changes: Vec<FieldChange<F>>,
}

/// One thing wrong with the choices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeProblem<F: fmt::Display> {
    #[error("{0}: the records conflict and no choice was given")]
    Unresolved(F),
    #[error("{0}: the records agree, so there is nothing to choose")]
    UnexpectedChoice(F),
    #[error("{field}: {source_id} is not one of the merge sources")]
    UnknownSource { field: F, source_id: String },
    #[error("{0}: the chosen value is empty")]
    EmptyChoice(F),
}

impl<F: fmt::Display> MergeProblem<F> {
    /// Stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unresolved(_) => "unresolved_conflict",
            Self::UnexpectedChoice(_) => "not_a_conflict",
            Self::UnknownSource { .. } => "unknown_source",
            Self::EmptyChoice(_) => "empty_choice",
        }
    }

    pub fn field(&self) -> &F {
        match self {
            Self::Unresolved(f) | Self::UnexpectedChoice(f) | Self::EmptyChoice(f) => f,
            Self::UnknownSource { field, .. } => field,
        }
    }
}

/// Why a merge plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError<F: fmt::Display> {
    #[error("a merge needs at least one source")]
    NoSources,
    #[error("the survivor cannot also be a source")]
    SurvivorAmongSources,
    #[error("source {0} is listed twice")]
    DuplicateSource(String),
    /// Every problem with the choices, in field order.
    #[error("the choices do not resolve the merge: {}", list(.0))]
    Invalid(Vec<MergeProblem<F>>),
}

fn list<F: fmt::Display>(problems: &[MergeProblem<F>]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The fields on which the survivor and the sources hold different values, in field order.
/// A field only one record fills is no conflict: the merge fills it.
pub fn find_merge_conflicts<F: Ord + Copy>(
    survivor: &MergeProfile<F>,
    sources: &[MergeProfile<F>],
) -> Vec<FieldConflict<F>> {
    all_fields(survivor, sources)
        .into_iter()
        .filter_map(|field| {
            let survivor_value = survivor.value(field);
            let source_values: Vec<SourceValue> = sources
                .iter()
                .filter_map(|s| {
                    s.value(field).map(|value| SourceValue {
                        source_id: s.id.clone(),
                        value: value.to_owned(),
                    })
                })
                .collect();
            let distinct: BTreeSet<&str> = survivor_value
                .into_iter()
                .chain(source_values.iter().map(|s| s.value.as_str()))
                .collect();
            (distinct.len() > 1).then(|| FieldConflict {
                field,
                survivor: survivor_value.map(str::to_owned),
                sources: source_values,
            })
        })
        .collect()
}

/// The merged profile: the survivor's values, empty fields filled from the sources, and each
/// conflict resolved by its choice. Refused, with every problem listed, unless each conflict
/// has exactly one usable choice and no choice names a field without conflict.
pub fn plan_merge<F: Ord + Copy + fmt::Display>(
    survivor: &MergeProfile<F>,
    sources: &[MergeProfile<F>],
    choices: &BTreeMap<F, FieldChoice>,
) -> Result<MergePlan<F>, MergeError<F>> {
    if sources.is_empty() {
        return Err(MergeError::NoSources);
    }
    let mut ids = BTreeSet::new();
    for source in sources {
        if source.id == survivor.id {
            return Err(MergeError::SurvivorAmongSources);
        }
        if !ids.insert(source.id.as_str()) {
            return Err(MergeError::DuplicateSource(source.id.clone()));
        }
    }
    let conflicts: BTreeSet<F> = find_merge_conflicts(survivor, sources)
        .into_iter()
        .map(|c| c.field)
        .collect();
    let mut plan = MergePlan {
        merged: BTreeMap::new(),
        changes: Vec::new(),
    };
    let mut problems = Vec::new();
    for field in all_fields(survivor, sources) {
        let before = survivor.value(field);
        let decided = if conflicts.contains(&field) {
            match choices.get(&field) {
                None => Err(MergeProblem::Unresolved(field)),
                Some(choice) => chosen(field, choice, survivor, sources).map(Some),
            }
        } else {
            match (choices.contains_key(&field), before) {
                (true, _) => Err(MergeProblem::UnexpectedChoice(field)),
                (false, Some(value)) => Ok(Some((value.to_owned(), None))),
                (false, None) => Ok(filled(field, sources)),
            }
        };
        match decided {
            Ok(None) => {}
            Ok(Some((after, resolution))) => {
                if let Some(resolution) = resolution
                    && before != Some(after.as_str())
                {
                    plan.changes.push(FieldChange {
                        field,
                        before: before.map(str::to_owned),
                        after: after.clone(),
                        resolution,
                    });
                }
                plan.merged.insert(field, after);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let fields = all_fields(survivor, sources);
    problems.extend(
        choices
            .keys()
            .filter(|f| !fields.contains(f))
            .map(|f| MergeProblem::UnexpectedChoice(*f)),
    );
    if problems.is_empty() {
        Ok(plan)
    } else {
        problems.sort_by_key(|p| *p.field());
        Err(MergeError::Invalid(problems))
    }
}

fn all_fields<F: Ord + Copy>(
    survivor: &MergeProfile<F>,
    sources: &[MergeProfile<F>],
) -> BTreeSet<F> {
    std::iter::once(survivor)
        .chain(sources)
        .flat_map(|p| p.fields.keys().copied().filter(|f| p.value(*f).is_some()))
        .collect()
}

/// A merged value, and why it differs from the survivor's (`None`: it is the survivor's).
type Decided = (String, Option<Resolution>);

fn filled<F: Ord + Copy>(field: F, sources: &[MergeProfile<F>]) -> Option<Decided> {
    sources.iter().find_map(|s| {
        s.value(field).map(|value| {
            let resolution = Resolution::FilledFromSource {
                source_id: s.id.clone(),
            };
            (value.to_owned(), Some(resolution))
        })
    })
}

fn chosen<F: Ord + Copy + fmt::Display>(
    field: F,
    choice: &FieldChoice,
    survivor: &MergeProfile<F>,
    sources: &[MergeProfile<F>],
) -> Result<Decided, MergeProblem<F>> {
    match choice {
        FieldChoice::Survivor => survivor
            .value(field)
            .map(|v| (v.to_owned(), None))
            .ok_or(MergeProblem::EmptyChoice(field)),
        FieldChoice::Source(id) => {
            let source = sources.iter().find(|s| &s.id == id).ok_or_else(|| {
                MergeProblem::UnknownSource {
                    field,
                    source_id: id.clone(),
                }
            })?;
            let value = source
                .value(field)
                .ok_or(MergeProblem::EmptyChoice(field))?;
            let resolution = Resolution::ChosenSource {
                source_id: id.clone(),
            };
            Ok((value.to_owned(), Some(resolution)))
        }
        FieldChoice::Value { value } => match value.trim() {
            "" => Err(MergeProblem::EmptyChoice(field)),
            value => Ok((value.to_owned(), Some(Resolution::ExplicitValue))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::CustomerField::*;
    use super::*;
    use proptest::prelude::*;

    fn profile(id: &str, fields: &[(CustomerField, &str)]) -> MergeProfile<CustomerField> {
        MergeProfile {
            id: id.into(),
            fields: fields.iter().map(|(f, v)| (*f, v.to_string())).collect(),
        }
    }

    fn survivor() -> MergeProfile<CustomerField> {
        profile(
            "c-0193a1",
            &[
                (Name, "张伟"),
                (Phone, "+8613912345678"),
                (City, "上海"),
                (Email, ""),
            ],
        )
    }

    fn sources() -> Vec<MergeProfile<CustomerField>> {
        vec![
            profile(
                "c-0193b2",
                &[
                    (Name, "张玮"),
                    (Phone, "+8613912345678"),
                    (Email, "zhangwei@example.com"),
                    (City, " 上海 "),
                ],
            ),
            profile(
                "c-0193c3",
                &[
                    (Name, "Zhang Wei"),
                    (Birthday, "1990-03-07"),
                    (City, "苏州"),
                ],
            ),
        ]
    }

    #[test]
    fn conflicts_are_the_fields_with_different_values() {
        let conflicts = find_merge_conflicts(&survivor(), &sources());
        let fields: Vec<_> = conflicts.iter().map(|c| c.field).collect();
        assert_eq!(fields, [Name, City]);
        assert_eq!(conflicts[0].survivor.as_deref(), Some("张伟"));
        assert_eq!(
            conflicts[0].sources,
            [
                SourceValue {
                    source_id: "c-0193b2".into(),
                    value: "张玮".into()
                },
                SourceValue {
                    source_id: "c-0193c3".into(),
                    value: "Zhang Wei".into()
                },
            ]
        );
    }

    #[test]
    fn a_plan_applies_each_choice_and_fills_the_gaps() {
        let choices = [
            (Name, FieldChoice::Survivor),
            (City, FieldChoice::Source("c-0193c3".into())),
        ]
        .into();
        let plan = plan_merge(&survivor(), &sources(), &choices).unwrap();
        assert_eq!(
            plan.merged,
            [
                (Name, "张伟".to_string()),
                (Birthday, "1990-03-07".into()),
                (Phone, "+8613912345678".into()),
                (Email, "zhangwei@example.com".into()),
                (City, "苏州".into()),
            ]
            .into()
        );
        assert_eq!(
            plan.changes,
            [
                FieldChange {
                    field: Birthday,
                    before: None,
                    after: "1990-03-07".into(),
                    resolution: Resolution::FilledFromSource {
                        source_id: "c-0193c3".into()
                    },
                },
                FieldChange {
                    field: Email,
                    before: None,
                    after: "zhangwei@example.com".into(),
                    resolution: Resolution::FilledFromSource {
                        source_id: "c-0193b2".into()
                    },
                },
                FieldChange {
                    field: City,
                    before: Some("上海".into()),
                    after: "苏州".into(),
                    resolution: Resolution::ChosenSource {
                        source_id: "c-0193c3".into()
                    },
                },
            ]
        );
    }

    #[test]
    fn an_explicit_value_resolves_a_conflict() {
        let choices = [
            (
                Name,
                FieldChoice::Value {
                    value: " 张伟 ".into(),
                },
            ),
            (
                City,
                FieldChoice::Value {
                    value: "上海".into(),
                },
            ),
        ]
        .into();
        let plan = plan_merge(&survivor(), &sources(), &choices).unwrap();
        assert_eq!(plan.merged[&City], "上海");
        // The explicit value equals the survivor's, so nothing changes there.
        assert!(
            plan.changes
                .iter()
                .all(|c| c.field != Name && c.field != City)
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let choices = [
            (City, FieldChoice::Source("c-unknown".into())),
            (Phone, FieldChoice::Survivor),
            (Region, FieldChoice::Survivor),
        ]
        .into();
        let Err(MergeError::Invalid(problems)) = plan_merge(&survivor(), &sources(), &choices)
        else {
            panic!("the plan should be refused");
        };
        assert_eq!(
            problems,
            [
                MergeProblem::Unresolved(Name),
                MergeProblem::UnexpectedChoice(Phone),
                MergeProblem::UnknownSource {
                    field: City,
                    source_id: "c-unknown".into()
                },
                MergeProblem::UnexpectedChoice(Region),
            ]
        );
        assert_eq!(problems[0].code(), "unresolved_conflict");
        assert_eq!(
            problems[0].to_string(),
            "name: the records conflict and no choice was given"
        );
    }

    #[test]
    fn empty_choices_are_refused() {
        let survivor = profile("a", &[(Email, "")]);
        let sources = [
            profile("b", &[(Email, "b@x.cn")]),
            profile("c", &[(Email, "c@x.cn")]),
        ];
        for choice in [
            FieldChoice::Survivor,
            FieldChoice::Value { value: " ".into() },
        ] {
            assert_eq!(
                plan_merge(&survivor, &sources, &[(Email, choice)].into()),
                Err(MergeError::Invalid(vec![MergeProblem::EmptyChoice(Email)]))
            );
        }
        let sources = [
            profile("b", &[(Name, "王方")]),
            profile("c", &[(Name, "王芳")]),
        ];
        let choices = [(Name, FieldChoice::Source("c".into()))].into();
        // Choosing a source that holds the survivor's own value changes nothing.
        let plan = plan_merge(&profile("a", &[(Name, "王芳")]), &sources, &choices).unwrap();
        assert!(plan.changes.is_empty());
    }

    #[test]
    fn the_parties_are_checked() {
        let none = BTreeMap::new();
        assert_eq!(
            plan_merge(&survivor(), &[], &none),
            Err(MergeError::NoSources)
        );
        assert_eq!(
            plan_merge(&survivor(), &[survivor()], &none),
            Err(MergeError::SurvivorAmongSources)
        );
        let twice = [profile("b", &[]), profile("b", &[])];
        assert_eq!(
            plan_merge(&survivor(), &twice, &none),
            Err(MergeError::DuplicateSource("b".into()))
        );
    }

    #[test]
    fn choices_travel_as_text_or_a_value() {
        let choices: BTreeMap<CustomerField, FieldChoice> = serde_json::from_str(
            r#"{"name": "survivor", "city": "source:c-0193c3", "email": {"value": "zw@example.com"}}"#,
        )
        .unwrap();
        assert_eq!(choices[&Name], FieldChoice::Survivor);
        assert_eq!(choices[&City], FieldChoice::Source("c-0193c3".into()));
        assert_eq!(
            choices[&Email],
            FieldChoice::Value {
                value: "zw@example.com".into()
            }
        );
        assert_eq!(
            serde_json::to_string(&choices).unwrap(),
            r#"{"name":"survivor","email":{"value":"zw@example.com"},"city":"source:c-0193c3"}"#
        );
        for bad in [r#""keep""#, r#""source:""#, r#"{"val": "x"}"#, "1"] {
            assert!(serde_json::from_str::<FieldChoice>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            "source: c-1 ".parse(),
            Ok(FieldChoice::Source("c-1".into()))
        );
        assert_eq!("Survivor".parse::<FieldChoice>(), Err(InvalidChoice));
    }

    #[test]
    fn a_change_serialises_with_its_reason() {
        let change = FieldChange {
            field: City,
            before: Some("上海".into()),
            after: "苏州".into(),
            resolution: Resolution::ChosenSource {
                source_id: "c-2".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(change).unwrap(),
            serde_json::json!({"field": "city", "before": "上海", "after": "苏州",
                "because": "chosen_source", "source_id": "c-2"})
        );
    }

    fn side(id: &'static str) -> impl Strategy<Value = MergeProfile<CustomerField>> {
        prop::collection::btree_map(
            prop::sample::select(vec![Name, Phone, Email, City]),
            prop::sample::select(vec!["", "甲", "乙", "丙"]).prop_map(String::from),
            0..4,
        )
        .prop_map(move |fields| MergeProfile {
            id: id.into(),
            fields,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn keeping_the_survivor_everywhere_loses_none_of_its_values(
            survivor in side("a"), b in side("b"), c in side("c"),
        ) {
            let sources = [b, c];
            let conflicts = find_merge_conflicts(&survivor, &sources);
            // Only conflicts the survivor holds a value for can keep it.
            let choices: BTreeMap<_, _> = conflicts
                .iter()
                .map(|c| (c.field, match &c.survivor {
                    Some(_) => FieldChoice::Survivor,
                    None => FieldChoice::Source(c.sources[0].source_id.clone()),
                }))
                .collect();
            let plan = plan_merge(&survivor, &sources, &choices).unwrap();
            for (field, value) in &survivor.fields {
                if !value.trim().is_empty() {
                    prop_assert_eq!(&plan.merged[field], value);
                }
            }
            for (field, value) in &plan.merged {
                let held = std::iter::once(&survivor).chain(&sources).any(|p| p.fields.get(field) == Some(value));
                prop_assert!(held, "{} = {} comes from no record", field, value);
            }
            for change in &plan.changes {
                prop_assert_eq!(change.before.as_deref(), survivor.fields.get(&change.field).map(String::as_str).filter(|v| !v.is_empty()));
            }
        }

        #[test]
        fn without_choices_each_conflict_is_unresolved(survivor in side("a"), b in side("b")) {
            let sources = [b];
            let conflicts: Vec<_> = find_merge_conflicts(&survivor, &sources).into_iter().map(|c| c.field).collect();
            match plan_merge(&survivor, &sources, &BTreeMap::new()) {
                Ok(_) => prop_assert!(conflicts.is_empty()),
                Err(MergeError::Invalid(problems)) => {
                    let unresolved: Vec<_> = problems.iter().map(|p| *p.field()).collect();
                    prop_assert_eq!(unresolved, conflicts);
                }
                Err(other) => prop_assert!(false, "{}", other),
            }
        }
    }
}
