//! Vehicle identification numbers (ISO 3779 / GB 16735): a [`Vin`] that cannot hold a malformed
//! value, and [`decode`], which reads what it can from any input and says what is wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::wmi;

/// A well-formed VIN: 17 characters from `0-9 A-Z` without `I`, `O` and `Q`, upper case.
///
/// [`Vin::parse`] also verifies the check digit. [`Vin::parse_overriding_check_digit`] accepts
/// a failing one, for the cars on Chinese roads whose plate carries such a VIN; the caller
/// records the override and its reason beside the vehicle.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vin(String);

/// Why a text is not a VIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("a VIN has 17 characters, this has {found}")]
    Length { found: usize },
    #[error("{}", character_message(*.position, *.found))]
    Character {
        /// 1-based.
        position: u8,
        found: char,
    },
    #[error("the check digit (position 9) is {found}, the other characters give {expected}")]
    CheckDigit { expected: char, found: char },
}

fn character_message(position: u8, found: char) -> String {
    if matches!(found, 'I' | 'O' | 'Q') {
        format!("position {position} is '{found}'; VINs never use I, O or Q")
    } else {
        format!("position {position} is '{found}', which is not a VIN character")
    }
}

impl VinError {
    /// A stable machine code, the same as the [`VinProblem`] codes.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => vin_problem::LENGTH,
            Self::Character { .. } => vin_problem::CHARACTER,
            Self::CheckDigit { .. } => vin_problem::CHECK_DIGIT,
        }
    }

    /// The message in Chinese, for `Accept-Language: zh-CN`.
    pub fn message_zh(&self) -> String {
        match *self {
            Self::Length { found } => format!("车架号应为17位，此处为{found}位"),
            Self::Character { position, found } if matches!(found, 'I' | 'O' | 'Q') => {
                format!("第{position}位为“{found}”；车架号不使用字母I、O、Q")
            }
            Self::Character { position, found } => {
                format!("第{position}位“{found}”不是车架号允许的字符")
            }
            Self::CheckDigit { expected, found } => {
                format!("第9位校验位为{found}，按其余字符计算应为{expected}")
            }
        }
    }
}

pub const VIN_LENGTH: usize = 17;
/// Position 9 (1-based) holds the check digit.
const CHECK_POSITION: usize = 8;
/// ISO 3779 position weights; the check digit's own weight is 0.
const WEIGHTS: [u32; VIN_LENGTH] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The value a character contributes to the check sum, or `None` when it is no VIN character.
fn transliterate(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

fn is_vin_char(c: char) -> bool {
    c.is_ascii() && transliterate(c as u8).is_some()
}

/// The check digit of 17 VIN characters (position 9 itself is ignored).
fn expected_check_digit(bytes: &[u8]) -> char {
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, weight)| transliterate(c).unwrap_or(0) * weight)
        .sum();
    match sum % 11 {
        10 => 'X',
        digit => char::from(b'0' + digit as u8),
    }
}

/// Trims and upper-cases; the only normalisation a scanner or a typist needs.
fn normalise(input: &str) -> String {
    input.trim().to_uppercase()
}

/// Checks the length and the alphabet of a normalised text.
fn check_form(text: &str) -> Result<(), VinError> {
    let found = text.chars().count();
    if found != VIN_LENGTH {
        return Err(VinError::Length { found });
    }
    match text.chars().zip(1u8..).find(|(c, _)| !is_vin_char(*c)) {
        Some((found, position)) => Err(VinError::Character { position, found }),
        None => Ok(()),
    }
}

impl Vin {
    /// Accepts a VIN only when its form and its check digit are right.
    pub fn parse(input: &str) -> Result<Self, VinError> {
        let vin = Self::parse_overriding_check_digit(input)?;
        let expected = vin.expected_check_digit();
        let found = vin.check_digit();
        if expected == found {
            Ok(vin)
        } else {
            Err(VinError::CheckDigit { expected, found })
        }
    }

    /// Accepts a well-formed VIN whatever its check digit: the import override. Never returns
    /// [`VinError::CheckDigit`]; [`Vin::check_digit_ok`] still tells.
    pub fn parse_overriding_check_digit(input: &str) -> Result<Self, VinError> {
        let text = normalise(input);
        check_form(&text)?;
        Ok(Self(text))
    }

    /// Puts the right check digit into position 9 of a well-formed VIN: for demo data, tests,
    /// and correcting a digit a person mistyped.
    pub fn with_computed_check_digit(input: &str) -> Result<Self, VinError> {
        let mut vin = Self::parse_overriding_check_digit(input)?;
        let digit = vin.expected_check_digit();
        vin.0.replace_range(
            CHECK_POSITION..=CHECK_POSITION,
            digit.encode_utf8(&mut [0; 4]),
        );
        Ok(vin)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// World manufacturer identifier, positions 1–3.
    pub fn wmi(&self) -> &str {
        &self.0[..3]
    }

    /// Vehicle descriptor section, positions 4–9 (the check digit included).
    pub fn vds(&self) -> &str {
        &self.0[3..9]
    }

    /// Vehicle identifier section, positions 10–17.
    pub fn vis(&self) -> &str {
        &self.0[9..]
    }

    pub fn check_digit(&self) -> char {
        char::from(self.0.as_bytes()[CHECK_POSITION])
    }

    pub fn expected_check_digit(&self) -> char {
        expected_check_digit(self.0.as_bytes())
    }

    pub fn check_digit_ok(&self) -> bool {
        self.check_digit() == self.expected_check_digit()
    }

    /// Position 10.
    pub fn model_year_code(&self) -> char {
        char::from(self.0.as_bytes()[9])
    }

    /// Position 11.
    pub fn plant_code(&self) -> char {
        char::from(self.0.as_bytes()[10])
    }

    /// Positions 12–17.
    pub fn serial(&self) -> &str {
        &self.0[11..]
    }

    /// The model years position 10 can stand for, newest first, none after `current_year + 1`.
    pub fn model_years(&self, current_year: i32) -> Vec<i32> {
        model_years(self.model_year_code(), current_year)
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Vin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Vin {
    type Err = VinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Vin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Model-year codes (position 10) in the order of the 30-year cycle that starts with `A` = 1980.
/// `I`, `O`, `Q`, `U`, `Z` and `0` are never used.
const YEAR_CODES: &[u8; 30] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
const FIRST_MODEL_YEAR: i32 = 1980;

/// Every year a model-year code can stand for from 1980 up to `current_year + 1` (makers sell
/// next year's models from mid-year), newest first; empty for a character that is no year code.
pub fn model_years(code: char, current_year: i32) -> Vec<i32> {
    let Some(offset) = YEAR_CODES.iter().position(|&c| char::from(c) == code) else {
        return Vec::new();
    };
    let latest = current_year.saturating_add(1);
    let mut years: Vec<i32> = (0..)
        .map(|cycle| FIRST_MODEL_YEAR + offset as i32 + 30 * cycle)
        .take_while(|year| *year <= latest)
        .collect();
    years.reverse();
    years
}

/// Stable codes of [`VinProblem`].
pub mod vin_problem {
    /// Not 17 characters.
    pub const LENGTH: &str = "vin_length";
    /// A character outside the VIN alphabet (I, O, Q, punctuation, letters of other scripts).
    pub const CHARACTER: &str = "vin_character";
    /// The check digit disagrees with the other characters.
    pub const CHECK_DIGIT: &str = "vin_check_digit";
    /// The manufacturer code is not in the table; the country may still be known.
    pub const WMI_UNKNOWN: &str = "wmi_unknown";
    /// Position 10 is no model-year code.
    pub const MODEL_YEAR_CODE: &str = "model_year_code";
}

/// One thing wrong with, or unknown about, a VIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VinProblem {
    /// One of [`vin_problem`].
    pub code: &'static str,
    pub message: String,
    pub message_zh: String,
}

impl From<VinError> for VinProblem {
    fn from(error: VinError) -> Self {
        Self {
            code: error.code(),
            message: error.to_string(),
            message_zh: error.message_zh(),
        }
    }
}

/// What a VIN says, read from any input. The API answers it as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VinDecode {
    /// The input trimmed and upper-cased (at most 40 characters are echoed).
    pub vin: String,
    /// False when the length or a character is wrong.
    pub valid: bool,
    /// True only for a valid VIN whose check digit agrees.
    pub check_digit_ok: bool,
    /// Positions 1–3, when they are VIN characters.
    pub wmi: Option<String>,
    pub maker: Option<&'static str>,
    pub maker_zh: Option<&'static str>,
    /// Catalogue brand keys the maker sells under this code.
    pub brands: &'static [&'static str],
    /// English short name: `China`.
    pub country: Option<&'static str>,
    /// ISO 3166-1 alpha-2: `CN`.
    pub country_code: Option<&'static str>,
    pub region: Option<&'static str>,
    /// Candidates from position 10, newest first; two where the 30-year cycle leaves it open.
    pub model_years: Vec<i32>,
    pub problems: Vec<VinProblem>,
}

/// Longest echo of the input in [`VinDecode::vin`], so garbage input cannot bloat an answer.
const ECHO_LIMIT: usize = 40;
/// At most this many character problems are listed; the rest add nothing.
const CHARACTER_PROBLEM_LIMIT: usize = 5;

/// Reads everything a text says as a VIN, and never fails: a scanner shows what it can
/// before the car exists. `current_year` bounds the model years.
pub fn decode(input: &str, current_year: i32) -> VinDecode {
    let text = normalise(input);
    let chars: Vec<char> = text.chars().take(ECHO_LIMIT + 1).collect();
    let length = if chars.len() > ECHO_LIMIT {
        text.chars().count()
    } else {
        chars.len()
    };
    let mut problems = Vec::new();
    if length != VIN_LENGTH {
        problems.push(VinError::Length { found: length }.into());
    }
    problems.extend(
        chars
            .iter()
            .take(VIN_LENGTH)
            .zip(1u8..)
            .filter(|(c, _)| !is_vin_char(**c))
            .take(CHARACTER_PROBLEM_LIMIT)
            .map(|(&found, position)| VinError::Character { position, found }.into()),
    );
    let valid = problems.is_empty();

    let vin_char_at = |i: usize| chars.get(i).copied().filter(|c| is_vin_char(*c));
    let head: Option<[u8; 3]> = match (vin_char_at(0), vin_char_at(1), vin_char_at(2)) {
        (Some(a), Some(b), Some(c)) => Some([a as u8, b as u8, c as u8]),
        _ => None,
    };
    let wmi_code = head.map(|h| String::from_utf8_lossy(&h).into_owned());
    let entry = wmi_code.as_deref().and_then(wmi::wmi);
    if wmi_code.is_some() && entry.is_none() {
        problems.push(VinProblem {
            code: vin_problem::WMI_UNKNOWN,
            message: "the manufacturer code (positions 1-3) is not in the table".into(),
            message_zh: "未能识别制造厂代码（第1-3位）".into(),
        });
    }
    let country = entry
        .and_then(|e| e.country_override)
        .and_then(wmi::country_by_code)
        .or_else(|| match (vin_char_at(0), vin_char_at(1)) {
            (Some(a), Some(b)) => wmi::country(a as u8, b as u8),
            _ => None,
        });
    let region = vin_char_at(0).and_then(|c| wmi::region(c as u8));

    let model_years = match vin_char_at(9) {
        Some(code) => {
            let years = model_years(code, current_year);
            if years.is_empty() {
                problems.push(VinProblem {
                    code: vin_problem::MODEL_YEAR_CODE,
                    message: format!("position 10 ('{code}') is no model-year code"),
                    message_zh: format!("第10位“{code}”不是年份代码"),
                });
            }
            years
        }
        None => Vec::new(),
    };

    let mut check_digit_ok = false;
    if valid {
        let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
        let expected = expected_check_digit(&bytes);
        let found = chars[CHECK_POSITION];
        check_digit_ok = expected == found;
        if !check_digit_ok {
            problems.push(VinError::CheckDigit { expected, found }.into());
        }
    }

    VinDecode {
        vin: chars.iter().take(ECHO_LIMIT).collect(),
        valid,
        check_digit_ok,
        wmi: wmi_code,
        maker: entry.map(|e| e.maker),
        maker_zh: entry.map(|e| e.maker_zh),
        brands: entry.map_or(&[], |e| e.brands),
        country: country.map(|c| c.name),
        country_code: country.map(|c| c.code),
        region,
        model_years,
        problems,
    }
}

#[cfg(test)]
mod tests;
