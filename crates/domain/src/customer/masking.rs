//! Masked forms of personal data for roles without the right to see it (DESIGN §1). Each rule
//! lives in one place: phones in [`Phone::masked`](crate::contact::Phone::masked), emails in
//! [`Email::masked`](crate::contact::Email::masked), ID numbers in
//! [`ResidentIdNumber::masked`](super::ResidentIdNumber::masked), other documents in
//! [`OtherIdDocument::masked`](super::OtherIdDocument::masked); names, addresses and WeChat ids
//! here.

use super::names;
use super::text::{half_width, is_cjk};

/// What replaces the hidden part of a value whose length should not show.
const HIDDEN: &str = "****";

/// `张*`, `张**`, `欧阳**` (the surname stays, every other character is a star); Latin names
/// keep each word's initial (`J*** S****`).
pub fn name(full_name: &str) -> String {
    let trimmed = full_name.trim();
    if trimmed.chars().any(is_cjk) {
        let chars: Vec<char> = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        let keep = names::surname_len(&chars);
        if chars.len() <= keep {
            return "*".repeat(chars.len());
        }
        let mut masked: String = chars[..keep].iter().collect();
        masked.push_str(&"*".repeat(chars.len() - keep));
        return masked;
    }
    trimmed
        .split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            let initial = chars.next().map(String::from).unwrap_or_default();
            initial + &"*".repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Keeps the province, city and district (`广东省深圳市南山区****`) and hides the rest. What
/// cannot be recognised as administrative divisions is hidden entirely, so a street or a
/// house number never shows. A foreign address keeps its last comma-separated part when it
/// holds no digits (`****, London`).
pub fn address(address: &str) -> String {
    let normalised: String = address.trim().chars().map(half_width).collect();
    if normalised.is_empty() {
        return String::new();
    }
    if normalised.chars().any(is_cjk) {
        let kept = divisions_prefix(&normalised);
        return if kept.is_empty() {
            HIDDEN.to_owned()
        } else if kept.len() == normalised.len() {
            normalised
        } else {
            format!("{kept}{HIDDEN}")
        };
    }
    match normalised.rsplit_once(',') {
        Some((_, last)) if !last.trim().is_empty() && !last.chars().any(|c| c.is_ascii_digit()) => {
            format!("{HIDDEN}, {}", last.trim())
        }
        _ => HIDDEN.to_owned(),
    }
}

/// A WeChat openid, unionid or WeChat ID (微信号): two characters at each end of 8 or more,
/// one of 4 to 7, nothing of shorter.
pub fn wechat_id(id: &str) -> String {
    let id = id.trim();
    match id.chars().count() {
        n if n >= 8 => keep_ends(id, 2, 2),
        n if n >= 4 => keep_ends(id, 1, 1),
        n => "*".repeat(n),
    }
}

/// A document number: the first character and the last three of 8 or more, one at each end
/// of 4 to 7, nothing of shorter; never more than half of it.
pub(crate) fn document_number(number: &str) -> String {
    match number.chars().count() {
        n if n >= 8 => keep_ends(number, 1, 3),
        n if n >= 4 => keep_ends(number, 1, 1),
        n => "*".repeat(n),
    }
}

/// Stars in place of all but `head` leading and `tail` trailing characters; the length
/// stays visible, as on a printed receipt (`110101********123X`).
pub(crate) fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut masked: String = chars[..head].iter().collect();
    masked.push_str(&"*".repeat(chars.len() - head - tail));
    masked.extend(&chars[chars.len() - tail..]);
    masked
}

/// Province-level names (GB/T 2260) as addresses begin with them.
const PROVINCES: [&str; 34] = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
];
/// Longest first, so `维吾尔自治区` wins over `自治区`.
const PROVINCE_SUFFIXES: [&str; 7] = [
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
];
const CITY_SUFFIXES: [&str; 4] = ["地区", "市", "州", "盟"];
const DISTRICT_SUFFIXES: [&str; 4] = ["区", "县", "旗", "市"];
/// Characters of streets, buildings and villages: a segment holding one is no division.
const BELOW_DISTRICT: &str = "路街道号巷弄村组楼栋幢室座层";
/// Longest division name considered, in characters (`黔东南苗族侗族自治州` is 10).
const MAX_DIVISION_CHARS: usize = 12;

/// The leading province, city and district of a Chinese address; empty unless it starts with
/// a province or a city, since a lone district name could as well be a street.
fn divisions_prefix(address: &str) -> &str {
    let mut end = 0;
    let mut anchored = false;
    if let Some(province) = PROVINCES.iter().find(|p| address.starts_with(*p)) {
        end = province.len();
        if let Some(suffix) = PROVINCE_SUFFIXES
            .iter()
            .find(|s| address[end..].starts_with(*s))
        {
            end += suffix.len();
        }
        anchored = true;
    }
    if let Some(len) = division(&address[end..], &CITY_SUFFIXES, "区县旗") {
        end += len;
        // 苏州市: the 州 of the name is not the suffix of an autonomous prefecture.
        if address[..end].ends_with('州') && address[end..].starts_with('市') {
            end += '市'.len_utf8();
        }
        anchored = true;
    }
    if !anchored {
        return "";
    }
    if let Some(len) = division(&address[end..], &DISTRICT_SUFFIXES, "") {
        end += len;
    }
    &address[..end]
}

/// The byte length of a division name at the start of `rest`: up to the first of `suffixes`,
/// made only of CJK characters, none of them a street character or one of `excluded`.
fn division(rest: &str, suffixes: &[&str], excluded: &str) -> Option<usize> {
    let mut chars = 0;
    for (at, c) in rest.char_indices() {
        chars += 1;
        if chars > MAX_DIVISION_CHARS
            || !is_cjk(c)
            || BELOW_DISTRICT.contains(c)
            || excluded.contains(c)
        {
            return None;
        }
        if chars >= 2
            && let Some(suffix) = suffixes.iter().find(|s| rest[at..].starts_with(*s))
        {
            return Some(at + suffix.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_names_keep_the_surname() {
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name(" 欧阳娜娜 "), "欧阳**");
        assert_eq!(name("司马光"), "司马*");
        assert_eq!(name("张"), "*");
        assert_eq!(name("买买提·艾力"), "买*****");
        assert_eq!(name(""), "");
    }

    #[test]
    fn latin_names_keep_initials() {
        assert_eq!(name("John Smith"), "J*** S****");
        assert_eq!(name("  Li  "), "L*");
    }

    #[test]
    fn addresses_keep_their_divisions() {
        for (address, masked) in [
            (
                "广东省深圳市南山区科技园南区深南大道10000号",
                "广东省深圳市南山区****",
            ),
            (
                "上海市浦东新区世纪大道100号环球金融中心",
                "上海市浦东新区****",
            ),
            ("北京市朝阳区建国路88号SOHO现代城", "北京市朝阳区****"),
            ("北京朝阳区建国路88号", "北京朝阳区****"),
            (
                "新疆维吾尔自治区乌鲁木齐市天山区解放北路1号",
                "新疆维吾尔自治区乌鲁木齐市天山区****",
            ),
            (
                "贵州省黔东南苗族侗族自治州凯里市北京东路3号",
                "贵州省黔东南苗族侗族自治州凯里市****",
            ),
            ("江苏省苏州市昆山市前进中路", "江苏省苏州市昆山市****"),
            ("深圳市南山区粤海街道科苑路15号", "深圳市南山区****"),
            ("浙江省杭州市", "浙江省杭州市"),
            ("杭州市西湖区文三路90号", "杭州市西湖区****"),
            ("北京市朝阳区市场街1号", "北京市朝阳区****"),
        ] {
            assert_eq!(super::address(address), masked, "{address}");
        }
    }

    #[test]
    fn unrecognised_addresses_are_hidden_whole() {
        assert_eq!(address("中山路市场旁88号"), "****");
        assert_eq!(address("浦东新区世纪大道100号"), "****");
        assert_eq!(address("221B Baker Street, London"), "****, London");
        assert_eq!(address("10 Downing St, London SW1A 2AA"), "****");
        assert_eq!(address("somewhere"), "****");
        assert_eq!(address("  "), "");
    }

    #[test]
    fn wechat_ids() {
        assert_eq!(
            wechat_id("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
            "oU************************6o"
        );
        assert_eq!(wechat_id("wxid_ab"), "w*****b");
        assert_eq!(wechat_id("abc"), "***");
    }

    fn revealed(masked: &str) -> usize {
        masked.chars().filter(|c| *c != '*').count()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn document_numbers_show_at_most_half(number in "[A-Z0-9]{0,24}") {
            let masked = document_number(&number);
            prop_assert_eq!(masked.chars().count(), number.chars().count());
            prop_assert!(revealed(&masked) * 2 <= number.len());
            prop_assert!(revealed(&masked) <= 4);
        }

        #[test]
        fn wechat_ids_show_at_most_four_characters(id in "[A-Za-z0-9_-]{0,40}") {
            let masked = wechat_id(&id);
            prop_assert!(revealed(&masked) <= 4);
            prop_assert!(revealed(&masked) * 2 <= id.len());
        }

        #[test]
        fn chinese_names_show_only_the_surname(given in "[\u{4E00}-\u{9FA5}]{1,3}", surname in "[王李张刘陈]") {
            let full = format!("{surname}{given}");
            let masked = name(&full);
            prop_assert_eq!(masked, format!("{surname}{}", "*".repeat(given.chars().count())));
        }

        #[test]
        fn addresses_never_show_a_digit_or_a_street(
            head in prop::sample::select(vec!["广东省深圳市南山区", "上海市", "北京", "", "中山路", "XX区"]),
            street in "[\u{4E00}-\u{9FA5}]{0,6}(路|街|号|巷)?[0-9]{0,4}号?",
        ) {
            let masked = address(&format!("{head}{street}"));
            let shown = masked.trim_end_matches(HIDDEN);
            prop_assert!(!shown.chars().any(|c| c.is_ascii_digit() || "路街号巷".contains(c)), "{}", masked);
        }
    }
}
