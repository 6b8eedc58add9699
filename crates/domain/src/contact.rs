//! Contact data that cannot exist in an invalid form: phones and emails.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("not a valid phone number; use +<country code><number>, or an 11-digit Chinese mobile")]
    InvalidPhone,
    #[error("not a valid email address")]
    InvalidEmail,
}

/// A phone number in E.164 form (`+8613812345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts E.164 (`+86 138-1234-5678`), the `00` international prefix, an 11-digit
    /// Chinese mobile, or a Chinese landline with its trunk `0` (`010-12345678`).
    pub fn parse(input: &str) -> Result<Self, ContactError> {
        let trimmed = input.trim();
        let (international, rest) = if let Some(r) = trimmed.strip_prefix('+') {
            (true, r)
        } else if let Some(r) = trimmed.strip_prefix("00") {
            (true, r)
        } else {
            (false, trimmed)
        };
        let mut digits = String::with_capacity(rest.len());
        for ch in rest.chars() {
            match ch {
                '0'..='9' => digits.push(ch),
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(ContactError::InvalidPhone),
            }
        }
        let e164 = if international {
            digits
        } else if is_cn_mobile(&digits) {
            format!("86{digits}")
        } else if let Some(national) = digits.strip_prefix('0') {
            if !is_cn_landline(national) {
                return Err(ContactError::InvalidPhone);
            }
            format!("86{national}")
        } else {
            return Err(ContactError::InvalidPhone);
        };
        if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
            return Err(ContactError::InvalidPhone);
        }
        if let Some(national) = e164.strip_prefix("86")
            && !is_cn_mobile(national)
            && !is_cn_landline(national)
        {
            return Err(ContactError::InvalidPhone);
        }
        Ok(Phone(format!("+{e164}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown to roles without the right to see it: `138****5678` for a
    /// Chinese mobile, otherwise all but the country code's first digits and the last four.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        if let Some(national) = digits.strip_prefix("86")
            && is_cn_mobile(national)
        {
            return format!("{}****{}", &national[..3], &national[7..]);
        }
        let keep_head = 3.min(digits.len().saturating_sub(4));
        let head = &digits[..keep_head];
        let tail = &digits[digits.len() - 4..];
        let stars = "*".repeat(digits.len() - keep_head - 4);
        format!("+{head}{stars}{tail}")
    }

    /// The last four digits, which customers quote and search by ("尾号5678"); kept under
    /// their own keyed index, never in plaintext.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_cn_mobile(national: &str) -> bool {
    let b = national.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn is_cn_landline(national: &str) -> bool {
    // Area codes are 10 (Beijing), 2x, or three digits from 3 to 9.
    (9..=11).contains(&national.len())
        && (national.starts_with("10") || matches!(national.as_bytes()[0], b'2'..=b'9'))
}

/// An email address, lower-cased so that it can serve as a login.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ContactError> {
        let value = input.trim().to_lowercase();
        let (local, domain) = value.split_once('@').ok_or(ContactError::InvalidEmail)?;
        let valid = !local.is_empty()
            && local.len() <= 64
            && value.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c));
        if valid {
            Ok(Email(value))
        } else {
            Err(ContactError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `z***@example.com`: the first character of the local part, when it has more than one,
    /// and the domain; the stars do not tell the length.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let mut chars = local.chars();
        match (chars.next(), chars.next()) {
            (Some(first), Some(_)) => format!("{first}***@{domain}"),
            _ => format!("***@{domain}"),
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobiles_normalise_to_e164() {
        for input in [
            "13812345678",
            "+86 138 1234 5678",
            "008613812345678",
            "138-1234-5678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "+8613812345678",
                "{input}"
            );
        }
    }

    #[test]
    fn landlines_and_foreign_numbers() {
        assert_eq!(
            Phone::parse("010-12345678").unwrap().as_str(),
            "+861012345678"
        );
        assert_eq!(
            Phone::parse("+1 (415) 555-2671").unwrap().as_str(),
            "+14155552671"
        );
        assert_eq!(
            Phone::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn rejects_garbage() {
        for input in [
            "",
            "12345",
            "12812345678",
            "+86 0138",
            "abc",
            "+1234567890123456",
            "138123456789",
            "+86 12812345678",
            "1381234567x",
        ] {
            assert_eq!(
                Phone::parse(input),
                Err(ContactError::InvalidPhone),
                "{input}"
            );
        }
    }

    #[test]
    fn masks() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(
            Phone::parse("+14155552671").unwrap().masked(),
            "+141****2671"
        );
    }

    #[test]
    fn last_four_digits() {
        assert_eq!(Phone::parse("138-1234-5678").unwrap().last4(), "5678");
        assert_eq!(Phone::parse("010-12345678").unwrap().last4(), "5678");
    }

    #[test]
    fn masked_emails() {
        let masked = |e: &str| Email::parse(e).unwrap().masked();
        assert_eq!(masked("zhangwei@example.com"), "z***@example.com");
        assert_eq!(masked("z@example.com"), "***@example.com");
        assert_eq!(masked("王伟@例子.中国"), "王***@例子.中国");
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Li.Wei@Example.COM ").unwrap().as_str(),
            "li.wei@example.com"
        );
        for bad in [
            "", "a", "a@b", "@b.cn", "a@@b.cn", "a b@c.cn", "a@.cn", "a@b..cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
