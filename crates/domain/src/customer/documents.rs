//! Identity documents other than the mainland resident ID: passports, the travel permits of
//! Hong Kong, Macau and Taiwan residents, and the foreigner's permanent residence card.

use std::fmt;

use super::identity::mod11_2_check;
use super::masking;
use super::text::{compact_upper, half_width};

crate::text_enum! {
    pub enum IdDocumentType {
        /// Any country's passport (护照).
        Passport = "passport",
        /// 港澳居民来往内地通行证 (回乡证): `H` or `M` and 8 digits, or 10 on cards that
        /// print the issue count.
        HkMacauTravelPermit = "hk_macau_travel_permit",
        /// 台湾居民来往大陆通行证 (台胞证): 8 digits since 2015; older booklets and one-time
        /// permits have 10 characters, sometimes with the issue letter in brackets.
        TaiwanTravelPermit = "taiwan_travel_permit",
        /// 外国人永久居留身份证: 3 letters and 12 digits before December 2023, then 18
        /// characters starting with 9 and checked as a resident ID number is.
        ForeignPermanentResidenceCard = "foreign_permanent_residence_card",
        /// Anything else (military ID, a foreign identity card): free text, checked only for
        /// length and control characters.
        Other = "other",
    }
}

/// Longest number accepted for a passport or another document.
pub const MAX_DOCUMENT_NUMBER_CHARS: usize = 40;

/// Why a document number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdDocumentError {
    #[error("the document number is empty")]
    Empty,
    #[error("not the number format of a {0}")]
    InvalidFormat(IdDocumentType),
    #[error("the check character does not match; the number is mistyped")]
    ChecksumMismatch,
}

impl IdDocumentError {
    /// Stable machine code for API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::InvalidFormat(_) => "invalid_format",
            Self::ChecksumMismatch => "checksum_mismatch",
        }
    }
}

/// A typed identity document number in its normal form: half-width, without spaces, and
/// upper-case for every type but `other`. `Debug` prints only the masked number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OtherIdDocument {
    document_type: IdDocumentType,
    number: String,
}

impl OtherIdDocument {
    pub fn parse(document_type: IdDocumentType, number: &str) -> Result<Self, IdDocumentError> {
        let number = match document_type {
            IdDocumentType::Other => number.trim().chars().map(half_width).collect::<String>(),
            _ => compact_upper(number),
        };
        if number.is_empty() {
            return Err(IdDocumentError::Empty);
        }
        let valid = match document_type {
            IdDocumentType::Passport => is_passport(&number),
            IdDocumentType::HkMacauTravelPermit => is_hk_macau_permit(&number),
            IdDocumentType::TaiwanTravelPermit => is_taiwan_permit(&number),
            IdDocumentType::ForeignPermanentResidenceCard => {
                return check_permanent_residence(&number).map(|()| Self {
                    document_type,
                    number,
                });
            }
            IdDocumentType::Other => {
                number.chars().count() <= MAX_DOCUMENT_NUMBER_CHARS
                    && !number.chars().any(char::is_control)
            }
        };
        if valid {
            Ok(Self {
                document_type,
                number,
            })
        } else {
            Err(IdDocumentError::InvalidFormat(document_type))
        }
    }

    pub fn document_type(&self) -> IdDocumentType {
        self.document_type
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    /// `E*****678`: never more than half of the number, and at most four characters.
    pub fn masked(&self) -> String {
        masking::document_number(&self.number)
    }
}

impl fmt::Debug for OtherIdDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtherIdDocument")
            .field("document_type", &self.document_type)
            .field("number", &self.masked())
            .finish()
    }
}

fn all(text: &str, accept: fn(&u8) -> bool) -> bool {
    text.as_bytes().iter().all(accept)
}

/// ICAO 9303 numbers are up to 9 characters in the machine-readable zone, but issuers print
/// longer ones; only the alphabet and a sane length are common to all.
fn is_passport(number: &str) -> bool {
    (5..=20).contains(&number.len())
        && all(number, u8::is_ascii_alphanumeric)
        && number.bytes().any(|b| b.is_ascii_digit())
}

fn is_hk_macau_permit(number: &str) -> bool {
    matches!(number.as_bytes().first(), Some(b'H' | b'M'))
        && matches!(number.len(), 9 | 11)
        && all(&number[1..], u8::is_ascii_digit)
}

fn is_taiwan_permit(number: &str) -> bool {
    // An older number may end with its issue letter in brackets: `1234567890(B)`.
    let (base, issue_letter) = match number.strip_suffix(')').and_then(|n| n.rsplit_once('(')) {
        Some((base, letter)) => (base, Some(letter)),
        None => (number, None),
    };
    let current_card = base.len() == 8 && all(base, u8::is_ascii_digit);
    let older = base.len() == 10 && all(base, u8::is_ascii_alphanumeric);
    match issue_letter {
        None => current_card || older,
        Some(letter) => older && letter.len() == 1 && all(letter, u8::is_ascii_uppercase),
    }
}

fn check_permanent_residence(number: &str) -> Result<(), IdDocumentError> {
    let invalid = IdDocumentError::InvalidFormat(IdDocumentType::ForeignPermanentResidenceCard);
    let bytes = number.as_bytes();
    match bytes.len() {
        15 if all(&number[..3], u8::is_ascii_uppercase)
            && all(&number[3..], u8::is_ascii_digit) =>
        {
            Ok(())
        }
        18 if bytes[0] == b'9'
            && all(&number[..17], u8::is_ascii_digit)
            && matches!(bytes[17], b'0'..=b'9' | b'X') =>
        {
            if mod11_2_check(&bytes[..17]) == bytes[17] {
                Ok(())
            } else {
                Err(IdDocumentError::ChecksumMismatch)
            }
        }
        _ => Err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::IdDocumentType::*;
    use super::*;
    use proptest::prelude::*;

    fn parse(document_type: IdDocumentType, number: &str) -> Result<String, IdDocumentError> {
        OtherIdDocument::parse(document_type, number).map(|d| d.number().to_owned())
    }

    #[test]
    fn passports() {
        assert_eq!(parse(Passport, "e12345678").as_deref(), Ok("E12345678"));
        assert_eq!(parse(Passport, "EA 1234567").as_deref(), Ok("EA1234567"));
        assert_eq!(parse(Passport, "533380006").as_deref(), Ok("533380006"));
        for bad in ["E123", "ABCDEFGHI", "E1234-5678", "E1234567890123456789012"] {
            assert_eq!(
                parse(Passport, bad),
                Err(IdDocumentError::InvalidFormat(Passport)),
                "{bad}"
            );
        }
        assert_eq!(parse(Passport, "  "), Err(IdDocumentError::Empty));
    }

    #[test]
    fn hong_kong_and_macau_permits() {
        assert_eq!(
            parse(HkMacauTravelPermit, "h12345678").as_deref(),
            Ok("H12345678")
        );
        assert_eq!(
            parse(HkMacauTravelPermit, "M1234567801").as_deref(),
            Ok("M1234567801")
        );
        for bad in [
            "12345678",
            "H1234567",
            "H123456789",
            "X12345678",
            "HA2345678",
        ] {
            assert!(parse(HkMacauTravelPermit, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn taiwan_permits() {
        assert_eq!(
            parse(TaiwanTravelPermit, "07257456").as_deref(),
            Ok("07257456")
        );
        assert_eq!(
            parse(TaiwanTravelPermit, "1234567890（b）").as_deref(),
            Ok("1234567890(B)")
        );
        assert_eq!(
            parse(TaiwanTravelPermit, "F290299977").as_deref(),
            Ok("F290299977")
        );
        for bad in [
            "1234567",
            "123456789",
            "12345678(B)",
            "1234567890(1)",
            "(B)",
            "A)",
        ] {
            assert!(parse(TaiwanTravelPermit, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn permanent_residence_cards() {
        let card = ForeignPermanentResidenceCard;
        assert_eq!(
            parse(card, "usa310085120012").as_deref(),
            Ok("USA310085120012")
        );
        let body = "93184019850615001";
        let new = format!("{body}{}", char::from(mod11_2_check(body.as_bytes())));
        assert_eq!(parse(card, &new), Ok(new.clone()));
        let mut mistyped = new.clone().into_bytes();
        mistyped[16] = if mistyped[16] == b'2' { b'3' } else { b'2' };
        let mistyped = String::from_utf8(mistyped).unwrap();
        assert_eq!(
            parse(card, &mistyped),
            Err(IdDocumentError::ChecksumMismatch)
        );
        for bad in ["US3100851200123", "110101199003071233", "USA31008512001"] {
            assert_eq!(
                parse(card, bad),
                Err(IdDocumentError::InvalidFormat(card)),
                "{bad}"
            );
        }
    }

    #[test]
    fn other_documents_are_free_text() {
        assert_eq!(
            parse(Other, " 军字第 20231234 号 ").as_deref(),
            Ok("军字第 20231234 号")
        );
        assert!(parse(Other, "a\u{7}b").is_err());
        assert!(parse(Other, &"1".repeat(41)).is_err());
    }

    #[test]
    fn masked_and_debug() {
        let passport = OtherIdDocument::parse(Passport, "E12345678").unwrap();
        assert_eq!(passport.masked(), "E*****678");
        let debug = format!("{passport:?}");
        assert!(!debug.contains("12345678"), "{debug}");
        assert_eq!(passport.document_type(), Passport);
        assert_eq!(
            IdDocumentError::InvalidFormat(Passport).to_string(),
            "not the number format of a passport"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn parsed_numbers_round_trip(
            (document_type, number) in prop_oneof![
                "[EGD][0-9]{8}".prop_map(|n| (Passport, n)),
                "[HM][0-9]{8}([0-9]{2})?".prop_map(|n| (HkMacauTravelPermit, n)),
                "[0-9]{8}".prop_map(|n| (TaiwanTravelPermit, n)),
                "[A-Z]{3}[0-9]{12}".prop_map(|n| (ForeignPermanentResidenceCard, n)),
            ]
        ) {
            let document = OtherIdDocument::parse(document_type, &number).unwrap();
            prop_assert_eq!(document.number(), number.as_str());
            let again = OtherIdDocument::parse(document_type, &number.to_lowercase()).unwrap();
            prop_assert_eq!(again, document);
        }
    }
}
