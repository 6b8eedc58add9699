//! Personal names, Chinese and Latin: the surname, a normal form for comparing, and how alike
//! two names are. Duplicate detection and masking read these.

use serde::Serialize;

use super::text::{half_width, is_cjk};

/// Two-character surnames (复姓) common enough to be typed into a CRM. A name starting with
/// one keeps both characters as its surname.
const COMPOUND_SURNAMES: [&str; 30] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史",
    "申屠", "闻人", "万俟", "钟离", "宗政", "拓跋",
];

/// Separators inside transliterated and Western names (`买买提·艾力`, `Jean-Luc`), ignored
/// when comparing.
const SEPARATORS: &str = "·•・‧.-_'’,";

/// How many leading characters of a Chinese name are its surname: 2 for a compound surname,
/// otherwise 1 (0 for an empty name).
pub(crate) fn surname_len(name: &[char]) -> usize {
    let is_compound = COMPOUND_SURNAMES.iter().any(|s| {
        let mut surname = s.chars();
        name.len() > 2 && name.iter().take(2).all(|c| surname.next() == Some(*c))
    });
    if is_compound { 2 } else { name.len().min(1) }
}

/// The form in which two names are compared: half-width and lower-cased, without spaces or
/// separators; a Latin name's words are sorted, since `Zhang Wei` and `Wei Zhang` are one
/// person written in two orders.
pub fn normalise_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(half_width)
        .flat_map(char::to_lowercase)
        .map(|c| if SEPARATORS.contains(c) { ' ' } else { c })
        .collect();
    if cleaned.chars().any(is_cjk) {
        return cleaned.chars().filter(|c| !c.is_whitespace()).collect();
    }
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ")
}

/// How alike two names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSimilarity {
    Different,
    /// One character apart: a homophone picked by the input method (张伟 / 张玮), a missing or
    /// extra character (王小明 / 王明), a typo in a Latin name (Jon / John). A Chinese name must
    /// keep its surname.
    Similar,
    /// Equal once normalised.
    Same,
}

/// Compares two names as [`NameSimilarity`] describes. Symmetric; a Chinese name and a Latin
/// one are always different, since telling 张伟 from Zhang Wei needs more than spelling.
pub fn compare_names(a: &str, b: &str) -> NameSimilarity {
    let (a, b) = (normalise_name(a), normalise_name(b));
    if a.is_empty() || b.is_empty() {
        return NameSimilarity::Different;
    }
    if a == b {
        return NameSimilarity::Same;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (a_cjk, b_cjk) = (a.iter().any(|c| is_cjk(*c)), b.iter().any(|c| is_cjk(*c)));
    let similar = match (a_cjk, b_cjk) {
        (true, true) => {
            let surname = surname_len(&a);
            a.len() >= 2
                && b.len() >= 2
                && surname == surname_len(&b)
                && a[..surname] == b[..surname]
                && edit_distance(&a, &b) <= 1
        }
        (false, false) => {
            let allowed = if a.len().max(b.len()) > 10 { 2 } else { 1 };
            a.len().min(b.len()) >= 3 && edit_distance(&a, &b) <= allowed
        }
        _ => false,
    };
    if similar {
        NameSimilarity::Similar
    } else {
        NameSimilarity::Different
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::NameSimilarity::{Different, Same, Similar};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn surnames() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(surname_len(&chars("张伟")), 1);
        assert_eq!(surname_len(&chars("欧阳娜娜")), 2);
        assert_eq!(surname_len(&chars("诸葛亮")), 2);
        // Two characters starting like a compound surname are a surname and a given name.
        assert_eq!(surname_len(&chars("欧阳")), 1);
        assert_eq!(surname_len(&[]), 0);
    }

    #[test]
    fn normal_forms() {
        assert_eq!(normalise_name(" 张 伟 "), "张伟");
        assert_eq!(normalise_name("买买提·艾力"), "买买提艾力");
        assert_eq!(normalise_name("ＺＨＡＮＧ　Ｗｅｉ"), "wei zhang");
        assert_eq!(normalise_name("Wei  ZHANG"), "wei zhang");
        assert_eq!(normalise_name("Jean-Luc Picard"), "jean luc picard");
    }

    #[test]
    fn chinese_names() {
        assert_eq!(compare_names("张伟", "张 伟"), Same);
        assert_eq!(compare_names("张伟", "张玮"), Similar);
        assert_eq!(compare_names("王小明", "王晓明"), Similar);
        assert_eq!(compare_names("王小明", "王明"), Similar);
        assert_eq!(compare_names("张伟", "李伟"), Different);
        assert_eq!(compare_names("欧阳娜娜", "欧阳娜"), Similar);
        assert_eq!(compare_names("欧阳娜娜", "欧娜娜娜"), Different);
        assert_eq!(compare_names("张伟", "张小伟伟"), Different);
        assert_eq!(compare_names("张", "张伟"), Different);
    }

    #[test]
    fn latin_names() {
        assert_eq!(compare_names("Zhang Wei", "wei zhang"), Same);
        assert_eq!(compare_names("Jon Smith", "John Smith"), Similar);
        assert_eq!(
            compare_names("Alexander Hamilton", "Alexandre Hamilton"),
            Similar
        );
        assert_eq!(compare_names("Ann", "Bob"), Different);
        assert_eq!(compare_names("Al", "Ali"), Different);
        assert_eq!(compare_names("张伟", "Zhang Wei"), Different);
        assert_eq!(compare_names("", ""), Different);
    }

    #[test]
    fn edit_distances() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("王小明", "王晓明"), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn comparison_is_symmetric(a in "[张王李 ·a-zA-Z\u{4E00}-\u{4E20}]{0,6}", b in "[张王李 ·a-zA-Z\u{4E00}-\u{4E20}]{0,6}") {
            prop_assert_eq!(compare_names(&a, &b), compare_names(&b, &a));
        }

        #[test]
        fn normalising_is_idempotent(name in "[张王李 ·a-zA-Zａ-ｚ\u{3000}\u{4E00}-\u{4E20}]{0,8}") {
            let once = normalise_name(&name);
            prop_assert_eq!(normalise_name(&once), once.clone());
            if !once.is_empty() {
                prop_assert_eq!(compare_names(&name, &once), Same);
            }
        }
    }
}
