//! Business customers' identity: the unified social credit code (统一社会信用代码, GB 32100-2015)
//! printed on every business licence since 2015.
//!
//! Not masked: the code is public by law (on the licence displayed at the premises and in the
//! national enterprise credit register), so hiding it would protect nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::identity::is_mainland_province;
use super::text::compact_upper;

/// The 31 characters of GB 32100: digits and capitals without I, O, Z, S and V.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight i is 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

crate::text_enum! {
    /// The registration authority, the code's first character (登记管理部门).
    pub enum RegistrationAuthority {
        /// 1 机构编制: government bodies and public institutions.
        StaffingOffice = "staffing_office",
        /// 2 外交.
        ForeignAffairs = "foreign_affairs",
        /// 3 司法行政: law firms, notaries, arbitration.
        JusticeAdministration = "justice_administration",
        /// 4 文化.
        Culture = "culture",
        /// 5 民政: associations, private non-enterprise units, foundations.
        CivilAffairs = "civil_affairs",
        /// 6 旅游.
        Tourism = "tourism",
        /// 7 宗教.
        ReligiousAffairs = "religious_affairs",
        /// 8 工会.
        TradeUnion = "trade_union",
        /// 9 工商 (now market regulation): companies, sole traders, co-operatives.
        MarketRegulation = "market_regulation",
        /// A 中央军委改革和编制办公室.
        MilitaryStaffing = "military_staffing",
        /// N 农业: rural collective economic organisations.
        Agriculture = "agriculture",
        /// Y 其他.
        Other = "other",
    }
}

/// An organisation category's code character and its name in the standard.
type Categories = &'static [(u8, &'static str)];

/// Each authority's code character and its organisation categories (机构类别, the second
/// character), as GB 32100-2015 and its registration practice list them.
const AUTHORITIES: [(u8, RegistrationAuthority, Categories); 12] = [
    (
        b'1',
        RegistrationAuthority::StaffingOffice,
        &[
            (b'1', "机关"),
            (b'2', "事业单位"),
            (b'3', "中央编办直接管理机构编制的群众团体"),
            (b'9', "其他"),
        ],
    ),
    (
        b'2',
        RegistrationAuthority::ForeignAffairs,
        &[(b'1', "外国常驻新闻机构"), (b'9', "其他")],
    ),
    (
        b'3',
        RegistrationAuthority::JusticeAdministration,
        &[
            (b'1', "律师执业机构"),
            (b'2', "公证处"),
            (b'3', "基层法律服务所"),
            (b'4', "司法鉴定机构"),
            (b'5', "仲裁委员会"),
            (b'9', "其他"),
        ],
    ),
    (
        b'4',
        RegistrationAuthority::Culture,
        &[(b'1', "外国在华文化中心"), (b'9', "其他")],
    ),
    (
        b'5',
        RegistrationAuthority::CivilAffairs,
        &[
            (b'1', "社会团体"),
            (b'2', "民办非企业单位"),
            (b'3', "基金会"),
            (b'9', "其他"),
        ],
    ),
    (
        b'6',
        RegistrationAuthority::Tourism,
        &[
            (b'1', "外国旅游部门常驻代表机构"),
            (b'2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            (b'9', "其他"),
        ],
    ),
    (
        b'7',
        RegistrationAuthority::ReligiousAffairs,
        &[(b'1', "宗教活动场所"), (b'2', "宗教院校"), (b'9', "其他")],
    ),
    (
        b'8',
        RegistrationAuthority::TradeUnion,
        &[(b'1', "基层工会"), (b'9', "其他")],
    ),
    (
        b'9',
        RegistrationAuthority::MarketRegulation,
        &[
            (b'1', "企业"),
            (b'2', "个体工商户"),
            (b'3', "农民专业合作社"),
        ],
    ),
    (
        b'A',
        RegistrationAuthority::MilitaryStaffing,
        &[(b'1', "军队事业单位"), (b'9', "其他")],
    ),
    (
        b'N',
        RegistrationAuthority::Agriculture,
        &[
            (b'1', "组级集体经济组织"),
            (b'2', "村级集体经济组织"),
            (b'3', "乡镇级集体经济组织"),
            (b'9', "其他"),
        ],
    ),
    (b'Y', RegistrationAuthority::Other, &[(b'1', "其他")]),
];

/// Why a unified social credit code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters")]
    WrongLength,
    #[error("only digits and capital letters other than I, O, Z, S and V are allowed")]
    InvalidCharacter,
    #[error("the check character does not match; the code is mistyped")]
    ChecksumMismatch,
    #[error("the first character is not a registration authority")]
    UnknownAuthority,
    #[error("the second character is not an organisation category of its authority")]
    UnknownCategory,
    #[error("characters 3 to 8 are not a region code")]
    InvalidRegion,
}

impl CreditCodeError {
    /// Stable machine code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongLength => "wrong_length",
            Self::InvalidCharacter => "invalid_character",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::UnknownAuthority => "unknown_authority",
            Self::UnknownCategory => "unknown_category",
            Self::InvalidRegion => "unknown_region",
        }
    }
}

/// A unified social credit code whose alphabet, check character, authority, category and
/// region were verified. Travels as its 18-character text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnifiedSocialCreditCode(String);

impl UnifiedSocialCreditCode {
    /// Accepts lower case, spaces and full-width characters as typed.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = compact_upper(input);
        if code.chars().count() != 18 {
            return Err(CreditCodeError::WrongLength);
        }
        let values: Vec<u32> = code
            .bytes()
            .map(value_of)
            .collect::<Option<_>>()
            .ok_or(CreditCodeError::InvalidCharacter)?;
        if check_value(&values[..17]) != values[17] {
            return Err(CreditCodeError::ChecksumMismatch);
        }
        let bytes = code.as_bytes();
        let (_, _, categories) = AUTHORITIES
            .iter()
            .find(|(c, _, _)| *c == bytes[0])
            .ok_or(CreditCodeError::UnknownAuthority)?;
        if !categories.iter().any(|(c, _)| *c == bytes[1]) {
            return Err(CreditCodeError::UnknownCategory);
        }
        let region = &code[2..8];
        // 100000 marks national-level registrations.
        if !region.bytes().all(|b| b.is_ascii_digit())
            || !(region == "100000" || is_mainland_province(&region[..2]))
        {
            return Err(CreditCodeError::InvalidRegion);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn authority(&self) -> RegistrationAuthority {
        self.entry().0
    }

    /// The organisation category in Chinese, as the standard names it (`企业`, `个体工商户`).
    pub fn category_label_zh(&self) -> &'static str {
        let category = self.0.as_bytes()[1];
        self.entry()
            .1
            .iter()
            .find(|(c, _)| *c == category)
            .map_or("", |(_, label)| label)
    }

    /// The region code of the registering authority (GB/T 2260), `100000` for national.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The organisation code (组织机构代码, GB 11714) embedded in characters 9 to 17.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    fn entry(&self) -> (RegistrationAuthority, Categories) {
        let first = self.0.as_bytes()[0];
        AUTHORITIES
            .iter()
            .find(|(c, _, _)| *c == first)
            .map(|(_, authority, categories)| (*authority, *categories))
            .unwrap_or((RegistrationAuthority::Other, &[]))
    }
}

impl fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnifiedSocialCreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<UnifiedSocialCreditCode> for String {
    fn from(code: UnifiedSocialCreditCode) -> Self {
        code.0
    }
}

fn value_of(byte: u8) -> Option<u32> {
    CHARSET.iter().position(|c| *c == byte).map(|v| v as u32)
}

fn check_value(body: &[u32]) -> u32 {
    let sum: u32 = body.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(body: &str) -> String {
        let values: Vec<u32> = body.bytes().map(|b| value_of(b).unwrap()).collect();
        format!(
            "{body}{}",
            char::from(CHARSET[check_value(&values) as usize])
        )
    }

    #[test]
    fn real_format_codes_parse() {
        // A company registered in Fuzhou, as printed on its licence.
        let company = UnifiedSocialCreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(company.authority(), RegistrationAuthority::MarketRegulation);
        assert_eq!(company.category_label_zh(), "企业");
        assert_eq!(company.region_code(), "350100");
        assert_eq!(company.organisation_code(), "M000100Y4");

        let dealer = UnifiedSocialCreditCode::parse(" 91310115ma1h7k2c3e ").unwrap();
        assert_eq!(dealer.as_str(), "91310115MA1H7K2C3E");

        let sole_trader = UnifiedSocialCreditCode::parse("92440300L12345678R").unwrap();
        assert_eq!(sole_trader.category_label_zh(), "个体工商户");

        let foundation = UnifiedSocialCreditCode::parse("521100005000187468").unwrap();
        assert_eq!(foundation.authority(), RegistrationAuthority::CivilAffairs);
        assert_eq!(foundation.category_label_zh(), "民办非企业单位");

        let national = UnifiedSocialCreditCode::parse(&with_check("11100000000013338")).unwrap();
        assert_eq!(national.region_code(), "100000");
        assert_eq!(national.category_label_zh(), "机关");
    }

    #[test]
    fn refusals() {
        use CreditCodeError::*;
        for (input, error) in [
            ("", WrongLength),
            ("91350100M000100Y4", WrongLength),
            ("91350100M000100Y4I", InvalidCharacter),
            ("91350100M000100YO3", InvalidCharacter),
            ("91350100m000100y4-", InvalidCharacter),
            ("91350100M000100Y44", ChecksumMismatch),
            ("91350100M000100Y34", ChecksumMismatch),
            (&with_check("B1350100M000100Y4"), UnknownAuthority),
            (&with_check("94350100M000100Y4"), UnknownCategory),
            (&with_check("Y2350100M000100Y4"), UnknownCategory),
            (&with_check("91990100M000100Y4"), InvalidRegion),
            (&with_check("9135A100M000100Y4"), InvalidRegion),
        ] {
            assert_eq!(UnifiedSocialCreditCode::parse(input), Err(error), "{input}");
        }
        assert_eq!(UnknownCategory.code(), "unknown_category");
    }

    #[test]
    fn travels_as_text() {
        let code = UnifiedSocialCreditCode::parse("91350100M000100Y43").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        assert_eq!(
            serde_json::from_str::<UnifiedSocialCreditCode>(&json).unwrap(),
            code
        );
        assert!(serde_json::from_str::<UnifiedSocialCreditCode>("\"91350100M000100Y44\"").is_err());
    }

    prop_compose! {
        fn valid_code()(
            (authority, category) in prop::sample::select(
                AUTHORITIES.iter()
                    .flat_map(|(a, _, cs)| cs.iter().map(move |(c, _)| (*a, *c)))
                    .collect::<Vec<_>>()
            ),
            province in prop::sample::select(vec!["11", "31", "32", "44", "51", "65"]),
            area in 0u32..10_000,
            organisation in "[0-9A-HJ-NPQRTUWXY]{9}",
        ) -> String {
            with_check(&format!("{}{}{province}{area:04}{organisation}", authority as char, category as char))
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn valid_codes_parse_and_round_trip(code in valid_code()) {
            let parsed = UnifiedSocialCreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(UnifiedSocialCreditCode::parse(&code.to_lowercase()).unwrap(), parsed.clone());
            prop_assert!(!parsed.category_label_zh().is_empty());
        }

        #[test]
        fn one_changed_character_fails_the_checksum(code in valid_code(), at in 0usize..18, to in 0usize..31) {
            let mut changed = code.clone().into_bytes();
            changed[at] = CHARSET[to];
            prop_assume!(changed != code.as_bytes());
            let changed = String::from_utf8(changed).unwrap();
            prop_assert_eq!(UnifiedSocialCreditCode::parse(&changed), Err(CreditCodeError::ChecksumMismatch));
        }
    }
}
