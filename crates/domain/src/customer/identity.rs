//! The mainland resident ID number (公民身份号码, GB 11643-1999): 17 digits and an ISO 7064
//! MOD 11-2 check character, so that a typo is caught before it reaches the database.

use std::fmt;

use chrono::{Months, NaiveDate};

use super::masking;
use super::text::compact_upper;

crate::text_enum! {
    /// As printed on identity documents.
    pub enum Gender {
        Male = "male",
        Female = "female",
    }
}

/// Older than this on the day of entry, a birth date is a typo rather than a customer.
pub const MAX_AGE_YEARS: u32 = 130;

/// Mainland province-level codes (GB/T 2260), the first two digits of a resident ID number
/// and of the region in a unified social credit code.
const MAINLAND_PROVINCES: [&str; 31] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];

pub(crate) fn is_mainland_province(code: &str) -> bool {
    MAINLAND_PROVINCES.contains(&code)
}

/// Where the holder of a resident ID number is registered. Residence permits of Hong Kong,
/// Macau and Taiwan residents (港澳台居民居住证, since 2018) carry GB 11643 numbers that start
/// with 81, 82 and 83.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdHolderOrigin {
    Mainland,
    HongKong,
    Macau,
    Taiwan,
}

/// Why a resident ID number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("an ID number has 18 characters")]
    WrongLength,
    #[error("an ID number is 17 digits followed by a digit or X")]
    InvalidCharacter,
    #[error("the check character does not match; the number is mistyped")]
    ChecksumMismatch,
    #[error("the first two digits are not a province-level region code")]
    UnknownRegion,
    #[error("digits 7 to 14 are not a calendar date")]
    InvalidBirthDate,
    #[error("the birth date is in the future")]
    BirthDateInFuture,
    #[error("the birth date is more than {MAX_AGE_YEARS} years ago")]
    BirthDateTooEarly,
}

impl ResidentIdError {
    /// Stable machine code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::WrongLength => "wrong_length",
            Self::InvalidCharacter => "invalid_character",
            Self::ChecksumMismatch => "checksum_mismatch",
            Self::UnknownRegion => "unknown_region",
            Self::InvalidBirthDate => "invalid_birth_date",
            Self::BirthDateInFuture => "birth_date_in_future",
            Self::BirthDateTooEarly => "birth_date_too_early",
        }
    }
}

/// A resident ID number whose format, check character, region and birth date were verified.
/// Stored with an upper-case `X`. `Debug` prints only the masked form, so a log line never
/// holds the clear number; [`as_str`](Self::as_str) and `Display` give it in clear.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentIdNumber {
    number: String,
    birth_date: NaiveDate,
}

impl ResidentIdNumber {
    /// Accepts the number as typed: surrounding and inner spaces, full-width digits and a
    /// lower-case `x` are normalised. `today` (the organisation's local date) bounds the
    /// birth date.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let number = compact_upper(input);
        if number.chars().count() != 18 {
            return Err(ResidentIdError::WrongLength);
        }
        let bytes = number.as_bytes();
        let (body, check) = bytes.split_at(17);
        if !body.iter().all(u8::is_ascii_digit) || !matches!(check[0], b'0'..=b'9' | b'X') {
            return Err(ResidentIdError::InvalidCharacter);
        }
        if mod11_2_check(body) != check[0] {
            return Err(ResidentIdError::ChecksumMismatch);
        }
        if origin(&number[..2]).is_none() {
            return Err(ResidentIdError::UnknownRegion);
        }
        let birth_date = parse_yyyymmdd(&number[6..14]).ok_or(ResidentIdError::InvalidBirthDate)?;
        check_birth_date(birth_date, today)?;
        Ok(Self { number, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// From the 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.number.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The six-digit administrative division where the number was first issued.
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    pub fn holder_origin(&self) -> IdHolderOrigin {
        origin(&self.number[..2]).unwrap_or(IdHolderOrigin::Mainland)
    }

    /// `110101********123X`: the region and the last four characters.
    pub fn masked(&self) -> String {
        masking::keep_ends(&self.number, 6, 4)
    }

    /// What the customer stated that contradicts the number; empty when all agrees or
    /// nothing was stated.
    pub fn cross_check(
        &self,
        stated_birthday: Option<NaiveDate>,
        stated_gender: Option<Gender>,
    ) -> Vec<IdentityMismatch> {
        let mut mismatches = Vec::new();
        if let Some(stated) = stated_birthday
            && stated != self.birth_date
        {
            mismatches.push(IdentityMismatch::Birthday {
                stated,
                on_id: self.birth_date,
            });
        }
        if let Some(stated) = stated_gender
            && stated != self.gender()
        {
            mismatches.push(IdentityMismatch::Gender {
                stated,
                on_id: self.gender(),
            });
        }
        mismatches
    }
}

impl fmt::Display for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl fmt::Debug for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentIdNumber")
            .field(&self.masked())
            .finish()
    }
}

/// A stated fact about the customer that the ID number contradicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityMismatch {
    #[error("the birthday does not match the ID number")]
    Birthday { stated: NaiveDate, on_id: NaiveDate },
    #[error("the gender does not match the ID number")]
    Gender { stated: Gender, on_id: Gender },
}

impl IdentityMismatch {
    /// The customer field that disagrees with the ID number.
    pub fn field(self) -> &'static str {
        match self {
            Self::Birthday { .. } => "birthday",
            Self::Gender { .. } => "gender",
        }
    }

    /// Stable machine code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::Birthday { .. } => "birthday_mismatch",
            Self::Gender { .. } => "gender_mismatch",
        }
    }
}

/// The ISO 7064 MOD 11-2 check character of 17 ASCII digits, as GB 11643 defines it; the
/// 18-digit foreign permanent residence card uses it too.
pub(crate) fn mod11_2_check(body: &[u8]) -> u8 {
    // Weight i is 2^(17 - i) mod 11.
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn origin(province: &str) -> Option<IdHolderOrigin> {
    match province {
        "81" => Some(IdHolderOrigin::HongKong),
        "82" => Some(IdHolderOrigin::Macau),
        "83" => Some(IdHolderOrigin::Taiwan),
        code if is_mainland_province(code) => Some(IdHolderOrigin::Mainland),
        _ => None,
    }
}

fn parse_yyyymmdd(digits: &str) -> Option<NaiveDate> {
    let year = digits[..4].parse().ok()?;
    let month = digits[4..6].parse().ok()?;
    let day = digits[6..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn check_birth_date(birth_date: NaiveDate, today: NaiveDate) -> Result<(), ResidentIdError> {
    if birth_date > today {
        return Err(ResidentIdError::BirthDateInFuture);
    }
    let earliest = today
        .checked_sub_months(Months::new(MAX_AGE_YEARS * 12))
        .unwrap_or(NaiveDate::MIN);
    if birth_date < earliest {
        return Err(ResidentIdError::BirthDateTooEarly);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_standards_example_parses() {
        // GB 11643-1999's own example: a woman born in Beijing's Chaoyang district.
        let id = ResidentIdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.holder_origin(), IdHolderOrigin::Mainland);
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn typed_forms_normalise() {
        for typed in [
            "310115198506154525",
            " 310115 19850615 4525 ",
            "３１０１１５１９８５０６１５４５２５",
        ] {
            let id = ResidentIdNumber::parse(typed, today()).unwrap();
            assert_eq!(id.as_str(), "310115198506154525", "{typed}");
            assert_eq!(id.gender(), Gender::Female);
        }
        let man = ResidentIdNumber::parse("510107197811033319", today()).unwrap();
        assert_eq!(man.gender(), Gender::Male);
        assert_eq!(man.birth_date(), date(1978, 11, 3));
    }

    #[test]
    fn a_leap_day_birth_parses() {
        let id = ResidentIdNumber::parse("440305199202298767", today()).unwrap();
        assert_eq!(id.birth_date(), date(1992, 2, 29));
    }

    #[test]
    fn residence_permits_of_hong_kong_macau_and_taiwan_residents() {
        let id = ResidentIdNumber::parse("810000199001010027", today()).unwrap();
        assert_eq!(id.holder_origin(), IdHolderOrigin::HongKong);
    }

    #[test]
    fn refusals() {
        use ResidentIdError::*;
        for (input, error) in [
            ("", WrongLength),
            ("11010519491231002", WrongLength),
            ("11010519491231002XX", WrongLength),
            ("1101051949123100XX", InvalidCharacter),
            ("11010519491231002A", InvalidCharacter),
            ("11010519491231002１", ChecksumMismatch),
            ("110105194912310021", ChecksumMismatch),
            ("110105194912310120", ChecksumMismatch),
            // Well-formed with a valid check character, but impossible in other ways.
            (&with_check("99010519491231002"), UnknownRegion),
            (&with_check("71010519491231002"), UnknownRegion),
            (&with_check("11010519490231002"), InvalidBirthDate),
            (&with_check("11010519491301002"), InvalidBirthDate),
            (&with_check("11010520250602002"), BirthDateInFuture),
            // GB 11643's other example, born in 1880.
            ("440524188001010014", BirthDateTooEarly),
        ] {
            assert_eq!(
                ResidentIdNumber::parse(input, today()),
                Err(error),
                "{input}"
            );
        }
        assert!(ResidentIdNumber::parse(&with_check("11010519950601002"), today()).is_ok());
        assert!(ResidentIdNumber::parse(&with_check("11010520250601002"), today()).is_ok());
        assert_eq!(
            ResidentIdError::ChecksumMismatch.code(),
            "checksum_mismatch"
        );
    }

    #[test]
    fn cross_check_reports_each_contradiction() {
        let id = ResidentIdNumber::parse("110101199003071233", today()).unwrap();
        assert_eq!(id.gender(), Gender::Male);
        assert!(id.cross_check(None, None).is_empty());
        assert!(
            id.cross_check(Some(date(1990, 3, 7)), Some(Gender::Male))
                .is_empty()
        );
        let problems = id.cross_check(Some(date(1990, 7, 3)), Some(Gender::Female));
        assert_eq!(
            problems,
            vec![
                IdentityMismatch::Birthday {
                    stated: date(1990, 7, 3),
                    on_id: date(1990, 3, 7)
                },
                IdentityMismatch::Gender {
                    stated: Gender::Female,
                    on_id: Gender::Male
                },
            ]
        );
        assert_eq!(problems[0].field(), "birthday");
        assert_eq!(problems[1].code(), "gender_mismatch");
    }

    #[test]
    fn debug_never_prints_the_clear_number() {
        let id = ResidentIdNumber::parse("110101199003071233", today()).unwrap();
        let debug = format!("{id:?}");
        assert!(!debug.contains("19900307"), "{debug}");
        assert_eq!(id.to_string(), "110101199003071233");
    }

    fn with_check(body: &str) -> String {
        format!("{body}{}", char::from(mod11_2_check(body.as_bytes())))
    }

    prop_compose! {
        fn valid_number()(
            province in prop::sample::select(MAINLAND_PROVINCES.to_vec()),
            area in 0u32..10_000,
            days_old in 0i64..(i64::from(MAX_AGE_YEARS) * 365),
            sequence in 0u32..1000,
        ) -> String {
            let birth = today() - chrono::Duration::days(days_old);
            with_check(&format!("{province}{area:04}{}{sequence:03}", birth.format("%Y%m%d")))
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn valid_numbers_parse_and_round_trip(number in valid_number()) {
            let id = ResidentIdNumber::parse(&number, today()).unwrap();
            prop_assert_eq!(id.as_str(), number.as_str());
            prop_assert_eq!(ResidentIdNumber::parse(id.as_str(), today()).unwrap(), id.clone());
            prop_assert_eq!(id.birth_date().format("%Y%m%d").to_string(), &number[6..14]);
            let odd = (number.as_bytes()[16] - b'0') % 2 == 1;
            prop_assert_eq!(id.gender() == Gender::Male, odd);
        }

        #[test]
        fn one_changed_character_is_refused(number in valid_number(), at in 0usize..18, to in "[0-9X]") {
            let mut changed = number.clone().into_bytes();
            changed[at] = to.as_bytes()[0];
            prop_assume!(changed != number.as_bytes());
            let changed = String::from_utf8(changed).unwrap();
            let expected = if at < 17 && to == "X" {
                ResidentIdError::InvalidCharacter
            } else {
                ResidentIdError::ChecksumMismatch
            };
            prop_assert_eq!(ResidentIdNumber::parse(&changed, today()), Err(expected));
        }

        #[test]
        fn swapping_two_neighbours_is_refused(number in valid_number(), at in 0usize..17) {
            let mut swapped = number.clone().into_bytes();
            swapped.swap(at, at + 1);
            prop_assume!(swapped != number.as_bytes());
            prop_assert!(ResidentIdNumber::parse(&String::from_utf8(swapped).unwrap(), today()).is_err());
        }

        #[test]
        fn masking_shows_only_region_and_last_four(number in valid_number()) {
            let masked = ResidentIdNumber::parse(&number, today()).unwrap().masked();
            prop_assert_eq!(&masked[..6], &number[..6]);
            prop_assert_eq!(&masked[6..14], "********");
            prop_assert_eq!(&masked[14..], &number[14..]);
        }
    }
}
