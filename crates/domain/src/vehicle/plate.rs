//! Licence plates as they are stored and searched: one form for every way a plate is typed
//! (`沪A·12345`, `沪a 12345`, full-width `沪Ａ１２３４５` are all `沪A12345`).

use std::fmt;

use serde::{Serialize, Serializer};

/// Fewest and most characters of a plate, once normalised.
pub const PLATE_MIN_CHARS: usize = 2;
pub const PLATE_MAX_CHARS: usize = 12;

/// A normalised plate: upper-case ASCII letters and digits, and CJK characters (a
/// province's abbreviation, `学`, `警`, `挂`, `使`, `领`), without spaces or separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Plate(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error(
        "a plate has {PLATE_MIN_CHARS} to {PLATE_MAX_CHARS} letters, digits or Chinese characters"
    )]
    Length,
    #[error("a plate holds letters, digits and Chinese characters only, not '{0}'")]
    Character(char),
}

impl PlateError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length => "invalid_length",
            Self::Character(_) => "invalid_character",
        }
    }
}

/// The separators people type between a plate's parts.
const SEPARATORS: [char; 5] = ['-', '·', '•', '.', '・'];

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

impl Plate {
    pub fn parse(input: &str) -> Result<Self, PlateError> {
        let mut plate = String::new();
        for c in input.chars().map(half_width) {
            if c.is_whitespace() || SEPARATORS.contains(&c) {
                continue;
            }
            if c.is_ascii_alphanumeric() || is_cjk(c) {
                plate.push(c.to_ascii_uppercase());
            } else {
                return Err(PlateError::Character(c));
            }
        }
        if (PLATE_MIN_CHARS..=PLATE_MAX_CHARS).contains(&plate.chars().count()) {
            Ok(Self(plate))
        } else {
            Err(PlateError::Length)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Plate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_typing_a_plate_gives_one_form() {
        for typed in [
            "沪A12345",
            "沪a 12345",
            "沪A·12345",
            "沪Ａ１２３４５",
            " 沪A-12345 ",
        ] {
            assert_eq!(Plate::parse(typed).unwrap().as_str(), "沪A12345", "{typed}");
        }
        assert_eq!(Plate::parse("粤B D12345").unwrap().as_str(), "粤BD12345");
        assert_eq!(Plate::parse("ab-123-cd").unwrap().as_str(), "AB123CD");
    }

    #[test]
    fn what_is_not_a_plate_is_refused() {
        assert_eq!(Plate::parse(""), Err(PlateError::Length));
        assert_eq!(Plate::parse("A"), Err(PlateError::Length));
        assert_eq!(Plate::parse("沪A1234567890123"), Err(PlateError::Length));
        assert_eq!(Plate::parse("沪A12#45"), Err(PlateError::Character('#')));
    }
}
