//! Duplicate customers: how strongly two records look like one person, and why.
//!
//! A shared phone, WeChat id or identity document number makes a definite duplicate, which
//! refuses the creation of a second record (409). An email is shared by families and by a
//! company's contacts, and a name and city by strangers, so they only make a candidate that a
//! person reviews before merging.

use std::collections::BTreeSet;

use serde::Serialize;

use super::names::{NameSimilarity, compare_names};
use super::text::half_width;

/// What duplicate detection compares for one customer. Phones, identity numbers and WeChat
/// ids arrive as keyed blind indexes: opaque strings compared only for equality, made by the
/// service with the same key for both sides. Blank strings never match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchFacts {
    /// Every phone of the customer, primary and others.
    pub phone_indexes: BTreeSet<String>,
    /// The resident ID number and other identity documents; the service puts the document
    /// type into what it indexes, so a passport never equals an ID number.
    pub id_number_indexes: BTreeSet<String>,
    /// WeChat openid and unionid.
    pub wechat_indexes: BTreeSet<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub city: Option<String>,
}

crate::text_enum! {
    /// Why two records may be one person, strongest first.
    pub enum MatchReason {
        SameIdNumber = "same_id_number",
        SamePhone = "same_phone",
        SameWechatId = "same_wechat_id",
        SameEmail = "same_email",
        SameNameSameCity = "same_name_same_city",
        /// One character apart (张伟 / 张玮, Jon / John), in the same city.
        SimilarNameSameCity = "similar_name_same_city",
    }
}

impl MatchReason {
    /// How sure the reason alone makes a match, out of 100.
    pub fn weight(self) -> u8 {
        match self {
            Self::SameIdNumber => 100,
            Self::SamePhone | Self::SameWechatId => 95,
            Self::SameEmail => 60,
            Self::SameNameSameCity => 50,
            Self::SimilarNameSameCity => 35,
        }
    }

    /// Reasons that identify one person on their own.
    pub fn is_definite(self) -> bool {
        matches!(
            self,
            Self::SameIdNumber | Self::SamePhone | Self::SameWechatId
        )
    }
}

crate::text_enum! {
    pub enum DuplicateVerdict {
        /// The same person: creating a second record is refused.
        Definite = "definite",
        /// Possibly the same person: listed for review.
        Candidate = "candidate",
    }
}

/// How strongly two records match, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateMatch {
    /// 0 to 100: reasons combine as independent evidence, `100 − Π(100 − weight)`, so each
    /// adds to the score without ever passing 100.
    pub score: u8,
    pub verdict: DuplicateVerdict,
    /// Strongest first.
    pub reasons: Vec<MatchReason>,
}

impl DuplicateMatch {
    /// Compares two customers; `None` when nothing matches. Symmetric.
    pub fn assess(subject: &MatchFacts, other: &MatchFacts) -> Option<Self> {
        let mut reasons = Vec::new();
        let shares = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
            a.iter()
                .any(|index| !index.trim().is_empty() && b.contains(index))
        };
        if shares(&subject.id_number_indexes, &other.id_number_indexes) {
            reasons.push(MatchReason::SameIdNumber);
        }
        if shares(&subject.phone_indexes, &other.phone_indexes) {
            reasons.push(MatchReason::SamePhone);
        }
        if shares(&subject.wechat_indexes, &other.wechat_indexes) {
            reasons.push(MatchReason::SameWechatId);
        }
        if let (Some(a), Some(b)) = (
            normalised_email(subject.email.as_deref()),
            normalised_email(other.email.as_deref()),
        ) && a == b
        {
            reasons.push(MatchReason::SameEmail);
        }
        if let (Some(a), Some(b)) = (
            normalised_city(subject.city.as_deref()),
            normalised_city(other.city.as_deref()),
        ) && a == b
            && let (Some(a), Some(b)) = (&subject.name, &other.name)
        {
            match compare_names(a, b) {
                NameSimilarity::Same => reasons.push(MatchReason::SameNameSameCity),
                NameSimilarity::Similar => reasons.push(MatchReason::SimilarNameSameCity),
                NameSimilarity::Different => {}
            }
        }
        if reasons.is_empty() {
            return None;
        }
        let verdict = if reasons.iter().any(|r| r.is_definite()) {
            DuplicateVerdict::Definite
        } else {
            DuplicateVerdict::Candidate
        };
        Some(Self {
            score: combined_score(&reasons),
            verdict,
            reasons,
        })
    }

    /// True when the match refuses the creation of a second record.
    pub fn blocks_creation(&self) -> bool {
        self.verdict == DuplicateVerdict::Definite
    }
}

/// A candidate that matched, with the caller's key for it (its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedDuplicate<K> {
    pub key: K,
    #[serde(flatten)]
    pub matched: DuplicateMatch,
}

/// The candidates that match `subject`, highest score first, ties by key, so that the list
/// is the same on every call.
pub fn rank_duplicates<'a, K: Ord>(
    subject: &MatchFacts,
    candidates: impl IntoIterator<Item = (K, &'a MatchFacts)>,
) -> Vec<RankedDuplicate<K>> {
    let mut ranked: Vec<_> = candidates
        .into_iter()
        .filter_map(|(key, facts)| {
            DuplicateMatch::assess(subject, facts).map(|matched| RankedDuplicate { key, matched })
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.matched
            .score
            .cmp(&a.matched.score)
            .then_with(|| a.key.cmp(&b.key))
    });
    ranked
}

fn combined_score(reasons: &[MatchReason]) -> u8 {
    // Exact in integers: the chance that every reason is a coincidence, in units of 1/100^n.
    let (doubt, scale) = reasons.iter().fold((1u128, 1u128), |(doubt, scale), r| {
        (doubt * u128::from(100 - r.weight()), scale * 100)
    });
    let score = (100 * (scale - doubt) + scale / 2) / scale;
    u8::try_from(score).unwrap_or(100)
}

fn normalised_email(email: Option<&str>) -> Option<String> {
    let email = email?.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

/// `上海市`, `上海` and `上 海` are one city; so are `Shanghai` and `SHANGHAI`.
fn normalised_city(city: Option<&str>) -> Option<String> {
    let city: String = city?
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let city = match city.strip_suffix('市') {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => city,
    };
    (!city.is_empty()).then_some(city)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn zhang_wei() -> MatchFacts {
        MatchFacts {
            phone_indexes: set(&["bi:7f3a91c2", "bi:02cd44e8"]),
            id_number_indexes: set(&["bi:resident_id:9b1e07aa"]),
            wechat_indexes: set(&["bi:oUpF8uMuAJO"]),
            email: Some("zhangwei@example.com".into()),
            name: Some("张伟".into()),
            city: Some("上海市".into()),
        }
    }

    #[test]
    fn a_shared_phone_is_a_definite_duplicate() {
        let other = MatchFacts {
            phone_indexes: set(&["bi:02cd44e8"]),
            name: Some("张先生".into()),
            ..MatchFacts::default()
        };
        let found = DuplicateMatch::assess(&zhang_wei(), &other).unwrap();
        assert_eq!(found.reasons, [MatchReason::SamePhone]);
        assert_eq!(found.score, 95);
        assert!(found.blocks_creation());
    }

    #[test]
    fn identity_numbers_and_wechat_ids_are_definite_too() {
        let by_id = MatchFacts {
            id_number_indexes: set(&["bi:resident_id:9b1e07aa"]),
            ..MatchFacts::default()
        };
        let found = DuplicateMatch::assess(&zhang_wei(), &by_id).unwrap();
        assert_eq!(
            (found.score, found.verdict),
            (100, DuplicateVerdict::Definite)
        );
        let by_wechat = MatchFacts {
            wechat_indexes: set(&["bi:oUpF8uMuAJO"]),
            ..MatchFacts::default()
        };
        assert!(
            DuplicateMatch::assess(&zhang_wei(), &by_wechat)
                .unwrap()
                .blocks_creation()
        );
    }

    #[test]
    fn a_shared_email_is_only_a_candidate() {
        let wife = MatchFacts {
            email: Some(" ZhangWei@Example.com".into()),
            name: Some("李娜".into()),
            city: Some("上海".into()),
            ..MatchFacts::default()
        };
        let found = DuplicateMatch::assess(&zhang_wei(), &wife).unwrap();
        assert_eq!(found.reasons, [MatchReason::SameEmail]);
        assert_eq!(
            (found.score, found.verdict),
            (60, DuplicateVerdict::Candidate)
        );
        assert!(!found.blocks_creation());
    }

    #[test]
    fn names_count_only_in_the_same_city() {
        let namesake = |name: &str, city: &str| MatchFacts {
            name: Some(name.into()),
            city: Some(city.into()),
            ..MatchFacts::default()
        };
        let same = DuplicateMatch::assess(&zhang_wei(), &namesake("张 伟", "上海")).unwrap();
        assert_eq!(
            (same.reasons.as_slice(), same.score),
            ([MatchReason::SameNameSameCity].as_slice(), 50)
        );
        let similar = DuplicateMatch::assess(&zhang_wei(), &namesake("张玮", "上海市")).unwrap();
        assert_eq!(similar.reasons, [MatchReason::SimilarNameSameCity]);
        assert_eq!(
            DuplicateMatch::assess(&zhang_wei(), &namesake("张伟", "北京")),
            None
        );
        assert_eq!(
            DuplicateMatch::assess(&zhang_wei(), &namesake("李伟", "上海")),
            None
        );
        let latin = |name: &str| MatchFacts {
            name: Some(name.into()),
            city: Some("Shanghai".into()),
            ..MatchFacts::default()
        };
        let found = DuplicateMatch::assess(&latin("Wei ZHANG"), &latin("zhang wei")).unwrap();
        assert_eq!(found.reasons, [MatchReason::SameNameSameCity]);
    }

    #[test]
    fn reasons_add_up() {
        let same_person = MatchFacts {
            phone_indexes: set(&["bi:7f3a91c2"]),
            email: Some("zhangwei@example.com".into()),
            name: Some("张伟".into()),
            city: Some("上海".into()),
            ..MatchFacts::default()
        };
        let found = DuplicateMatch::assess(&zhang_wei(), &same_person).unwrap();
        assert_eq!(
            found.reasons,
            [
                MatchReason::SamePhone,
                MatchReason::SameEmail,
                MatchReason::SameNameSameCity
            ]
        );
        // 100 − 5 × 40 × 50 / 10 000 = 99.
        assert_eq!(found.score, 99);
        assert_eq!(
            combined_score(&[MatchReason::SameEmail, MatchReason::SameNameSameCity]),
            80
        );
    }

    #[test]
    fn blanks_never_match() {
        let blank = MatchFacts {
            phone_indexes: set(&[""]),
            email: Some(" ".into()),
            name: Some("".into()),
            city: Some("".into()),
            ..MatchFacts::default()
        };
        assert_eq!(DuplicateMatch::assess(&blank, &blank.clone()), None);
    }

    #[test]
    fn ranking_is_by_score_then_key() {
        let by_email = MatchFacts {
            email: Some("zhangwei@example.com".into()),
            ..MatchFacts::default()
        };
        let by_phone = MatchFacts {
            phone_indexes: set(&["bi:7f3a91c2"]),
            ..MatchFacts::default()
        };
        let stranger = MatchFacts::default();
        let ranked = rank_duplicates(
            &zhang_wei(),
            [
                ("c3", &by_email),
                ("c2", &by_phone),
                ("c1", &by_email),
                ("c0", &stranger),
            ],
        );
        let keys: Vec<_> = ranked.iter().map(|r| r.key).collect();
        assert_eq!(keys, ["c2", "c1", "c3"]);
        let json = serde_json::to_value(&ranked[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"key": "c2", "score": 95, "verdict": "definite", "reasons": ["same_phone"]})
        );
    }

    fn facts() -> impl Strategy<Value = MatchFacts> {
        let index = prop::collection::btree_set("bi:[ab]", 0..2);
        (
            index.clone(),
            index.clone(),
            index,
            prop::option::of("[ab]@x\\.cn"),
            prop::option::of("[张李][伟玮]{1,2}"),
            prop::option::of("(上海|北京)市?"),
        )
            .prop_map(
                |(phone_indexes, id_number_indexes, wechat_indexes, email, name, city)| {
                    MatchFacts {
                        phone_indexes,
                        id_number_indexes,
                        wechat_indexes,
                        email,
                        name,
                        city,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn assessment_is_symmetric_and_bounded(a in facts(), b in facts()) {
            let ab = DuplicateMatch::assess(&a, &b);
            prop_assert_eq!(&ab, &DuplicateMatch::assess(&b, &a));
            if let Some(found) = ab {
                prop_assert!(found.score <= 100);
                let strongest = found.reasons.iter().map(|r| r.weight()).max().unwrap();
                prop_assert!(found.score >= strongest);
                prop_assert_eq!(found.blocks_creation(), found.reasons.iter().any(|r| r.is_definite()));
                prop_assert!(found.reasons.windows(2).all(|w| w[0] < w[1]));
            }
        }

        #[test]
        fn another_reason_never_lowers_the_score(a in facts(), b in facts()) {
            let before = DuplicateMatch::assess(&a, &b).map_or(0, |m| m.score);
            let mut b = b;
            b.phone_indexes.insert("bi:shared".into());
            let mut a = a;
            a.phone_indexes.insert("bi:shared".into());
            let after = DuplicateMatch::assess(&a, &b).unwrap();
            prop_assert!(after.score >= before.max(95));
        }
    }
}
