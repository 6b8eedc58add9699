//! Field checks that collect every problem of a request before answering 422.

use autocrm_domain::contact::{Email, Phone};

use crate::error::{ApiError, FieldError};

/// The longest email address, as `Email::parse` also limits it (there in bytes).
pub const EMAIL_MAX: usize = 254;

#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A required text: at most `max` characters as sent, then trimmed: non-empty, no
    /// control characters but tab and line feed. [`schema::Text`] declares the same.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "required", "must not be empty");
        } else {
            self.check_text(field, value, trimmed, max);
        }
        trimmed.to_owned()
    }

    /// An optional text; empty (after trimming) means absent. [`schema::OptionalText`].
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let raw = value?;
        let value = raw.trim();
        self.check_text(field, raw, value, max);
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// The length counts the text as sent (as JSON Schema's `maxLength` does), the
    /// character rule the trimmed text that is kept.
    fn check_text(&mut self, field: &str, raw: &str, value: &str, max: usize) {
        if raw.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            );
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.add(
                field,
                "invalid_format",
                "must not contain control characters",
            );
        }
    }

    pub fn phone(&mut self, field: &str, value: Option<&str>) -> Option<Phone> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match Phone::parse(value) {
            Ok(phone) => Some(phone),
            Err(e) => {
                self.add(field, "invalid_format", e.to_string());
                None
            }
        }
    }

    /// An optional email address; blank means absent. At most [`EMAIL_MAX`] characters as
    /// sent, so that [`schema::Email`] can say it with `maxLength`.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> Option<Email> {
        if value.is_some_and(|v| v.chars().count() > EMAIL_MAX) {
            self.add(
                field,
                "too_long",
                format!("must be at most {EMAIL_MAX} characters"),
            );
            return None;
        }
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match Email::parse(value) {
            Ok(email) => Some(email),
            Err(e) => {
                self.add(field, "invalid_format", e.to_string());
                None
            }
        }
    }

    /// An id that must be a UUID; returns it normalised.
    pub fn id(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value?;
        match uuid::Uuid::parse_str(value.trim()) {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                self.add(field, "invalid_format", "must be a UUID");
                None
            }
        }
    }

    pub fn one_of<'a>(&mut self, field: &str, value: &'a str, allowed: &[&str]) -> &'a str {
        if !allowed.contains(&value) {
            self.add(
                field,
                "not_allowed",
                format!("must be one of: {}", allowed.join(", ")),
            );
        }
        value
    }

    /// A merge-patch field that may be absent but not `null`: the record always has it.
    pub fn not_null<T>(&mut self, field: &str, value: Option<Option<T>>) -> Option<T> {
        match value {
            Some(None) => {
                self.add(field, "required", "must not be null");
                None
            }
            Some(Some(v)) => Some(v),
            None => None,
        }
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

/// Deserialises a present field into `Some(value)`, keeping `null` as `Some(None)`,
/// so a merge patch can tell "clear it" from "leave it".
pub fn patch_field<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An integer field that also reads a JSON number with a zero fraction (`36.0`), since
/// JSON Schema's `integer` admits it; anything else is refused as serde would for `T`.
/// For `#[serde(deserialize_with = "…")]`, as are [`optional_integer`] and [`integers`].
pub fn integer<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    Whole::<T>::deserialize(deserializer).map(|w| w.0)
}

pub fn optional_integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    Option::<Whole<T>>::deserialize(deserializer).map(|w| w.map(|w| w.0))
}

pub fn integers<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::Deserialize;
    Vec::<Whole<T>>::deserialize(deserializer).map(|v| v.into_iter().map(|w| w.0).collect())
}

struct Whole<T>(T);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> serde::Deserialize<'de> for Whole<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Unexpected, Visitor};

        struct WholeVisitor<T>(std::marker::PhantomData<T>);

        impl<T: TryFrom<i64> + TryFrom<u64>> Visitor<'_> for WholeVisitor<T> {
            type Value = Whole<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(std::any::type_name::<T>())
            }

            fn visit_i64<E: Error>(self, v: i64) -> Result<Self::Value, E> {
                T::try_from(v)
                    .map(Whole)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
            }

            fn visit_u64<E: Error>(self, v: u64) -> Result<Self::Value, E> {
                T::try_from(v)
                    .map(Whole)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }

            fn visit_f64<E: Error>(self, v: f64) -> Result<Self::Value, E> {
                // i64's range as floats: within it, a float with no fraction converts exactly.
                if v.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)
                {
                    self.visit_i64(v as i64)
                } else {
                    Err(E::invalid_type(Unexpected::Float(v), &self))
                }
            }
        }

        deserializer.deserialize_any(WholeVisitor(std::marker::PhantomData))
    }
}

/// A free-text query parameter: control characters (NUL above all, which PostgreSQL
/// refuses in text) are a malformed query, not a database error.
pub fn query_text(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::bad_request(
            "invalid_query",
            format!("{name} must not contain control characters"),
        )),
        other => Ok(other),
    }
}

/// A path id: anything that is not a UUID cannot name a record.
pub fn path_id(value: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(value)
        .map(|id| id.to_string())
        .map_err(|_| ApiError::NotFound)
}

/// OpenAPI schemas that state exactly what the checks above accept, for
/// `#[schema(value_type = …, inline)]` (or `#[param(…)]`) on the fields they check: the
/// document must promise neither more nor less than the server enforces.
///
/// The types are never built; they only carry a schema. Patterns are ECMA-262 regular
/// expressions whose character ranges spell out Rust's character classes.
pub mod schema {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    // The character classes hold the characters themselves, not `\uXXXX` escapes: those
    // are ECMA-262 only, and Go's RE2 or PHP's PCRE would refuse the document.

    /// What `str::trim` strips: `char::is_whitespace` (Unicode White_Space).
    const WS: &str = "\u{9}-\u{D}\u{20}\u{85}\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}";
    /// White_Space that is not a control character.
    const WS_PRINTABLE: &str =
        "\u{20}\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}";
    /// `char::is_control` (Unicode Cc).
    const CONTROL: &str = "\u{0}-\u{1F}\u{7F}-\u{9F}";
    /// Cc except tab and line feed, which [`Checks::text`](super::Checks::text) allows.
    const CONTROL_BUT_TAB_LF: &str = "\u{0}-\u{8}\u{B}-\u{1F}\u{7F}-\u{9F}";
    /// `CONTROL` and `WS` together: what cannot start or end a trimmed text.
    const BLANK: &str = "\u{0}-\u{20}\u{7F}-\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}";
    /// Every form `uuid::Uuid::parse_str` reads: simple, hyphenated, braced and URN.
    const UUID: &str = concat!(
        "[0-9A-Fa-f]{32}",
        "|(?:urn:uuid:)?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
        r"|\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}",
    );

    fn string(pattern: String) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
    }

    /// A string that, trimmed, is empty or one of `values` (what `optional_text` followed by
    /// `one_of` accepts), at most `max` characters as sent.
    pub fn trimmed_one_of(values: &[&str], max: usize) -> RefOr<Schema> {
        let words: Vec<String> = values.iter().map(|v| escape(v)).collect();
        string(format!("^[{WS}]*(?:(?:{})[{WS}]*)?$", words.join("|")))
            .max_length(Some(max))
            .build()
            .into()
    }

    /// Exactly one of `values`, as [`Checks::one_of`](super::Checks::one_of) compares them.
    pub fn one_of(values: &[&str]) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build()
            .into()
    }

    fn escape(value: &str) -> String {
        value
            .chars()
            .flat_map(|c| {
                let special = r"\^$.|?*+()[]{}/".contains(c);
                special.then_some('\\').into_iter().chain([c])
            })
            .collect()
    }

    /// Gives a type-only marker (an empty enum) the schema `$schema`, for
    /// `#[schema(value_type = Marker, inline)]`.
    macro_rules! schema_marker {
        ($name:ident $(<const $n:ident: usize>)?, $schema:expr) => {
            impl$(<const $n: usize>)? utoipa::PartialSchema for $name$(<$n>)? {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    $schema
                }
            }
            impl$(<const $n: usize>)? utoipa::ToSchema for $name$(<$n>)? {}
        };
    }
    pub(crate) use schema_marker;

    /// Declares a marker whose schema is the string enum `$values`, for a field checked with
    /// [`Checks::one_of`](super::Checks::one_of) (or compared) against the same list.
    macro_rules! string_enum {
        ($(#[$meta:meta])* $name:ident = $values:expr) => {
            $(#[$meta])*
            pub enum $name {}
            $crate::validate::schema::schema_marker!(
                $name,
                $crate::validate::schema::one_of(&$values)
            );
        };
    }
    pub(crate) use string_enum;

    /// [`Checks::text`](super::Checks::text): at most `MAX` characters; trimmed, not empty
    /// and without control characters other than tab and line feed.
    pub enum Text<const MAX: usize> {}
    schema_marker!(Text<const MAX: usize>, {
        let edge = format!("[^{BLANK}]");
        string(format!(
            "^[{WS}]*{edge}(?:[^{CONTROL_BUT_TAB_LF}]*{edge})?[{WS}]*$"
        ))
        .min_length(Some(1))
        .max_length(Some(MAX))
        .build()
        .into()
    });

    /// [`Checks::optional_text`](super::Checks::optional_text): as [`Text`], but blank is
    /// allowed (and means absent).
    pub enum OptionalText<const MAX: usize> {}
    schema_marker!(OptionalText<const MAX: usize>, {
        let edge = format!("[^{BLANK}]");
        string(format!(
            "^[{WS}]*(?:{edge}(?:[^{CONTROL_BUT_TAB_LF}]*{edge})?[{WS}]*)?$"
        ))
        .max_length(Some(MAX))
        .build()
        .into()
    });

    /// Any text whose trimmed form has at most `MAX` characters (blank allowed).
    pub enum TrimmedMax<const MAX: usize> {}
    schema_marker!(TrimmedMax<const MAX: usize>, {
        let inner = MAX.saturating_sub(2);
        string(format!(
            r"^[{WS}]*(?:[^{WS}](?:[\s\S]{{0,{inner}}}[^{WS}])?[{WS}]*)?$"
        ))
        .build()
        .into()
    });

    /// A query text for [`query_text`](super::query_text): no control characters.
    pub enum QueryText {}
    schema_marker!(QueryText, string(format!("^[^{CONTROL}]*$")).build().into());

    /// A search query: no control characters; trimmed, at most `MAX` characters (blank
    /// allowed: no filter).
    pub enum SearchText<const MAX: usize> {}
    schema_marker!(SearchText<const MAX: usize>, {
        let edge = format!("[^{BLANK}]");
        let inner = MAX.saturating_sub(2);
        string(format!(
            "^[{WS_PRINTABLE}]*(?:{edge}(?:[^{CONTROL}]{{0,{inner}}}{edge})?[{WS_PRINTABLE}]*)?$"
        ))
        .build()
        .into()
    });

    /// [`Checks::id`](super::Checks::id): a UUID, surrounding whitespace allowed.
    pub enum Id {}
    schema_marker!(
        Id,
        string(format!("^[{WS}]*(?:{UUID})[{WS}]*$")).build().into()
    );

    /// A UUID as `uuid::Uuid::parse_str` reads it, nothing around it.
    pub enum UuidText {}
    schema_marker!(UuidText, string(format!("^(?:{UUID})$")).build().into());

    /// [`Checks::phone`](super::Checks::phone) with `Phone::parse`: blank (absent), E.164
    /// (`+` or `00`, 8 to 15 digits; `+86` only with a Chinese mobile or landline), an
    /// 11-digit Chinese mobile or a Chinese landline with its trunk `0`; spaces, `-`, `(`,
    /// `)` and `.` may separate the digits.
    pub enum Phone {}
    schema_marker!(Phone, {
        let s = r"[ ().\-]*";
        let d = |class: &str| format!("{s}{class}");
        let digits = |min: u32, max: u32| format!("(?:{s}[0-9]){{{min},{max}}}");
        let mobile = format!("{}{}{}", d("1"), d("[3-9]"), digits(9, 9));
        let landline = format!(
            "(?:{}{}{}|{}{})",
            d("1"),
            d("0"),
            digits(7, 9),
            d("[2-9]"),
            digits(8, 10)
        );
        let international = format!(
            r"(?:\+|00)(?:{}{}(?:{mobile}|{landline})|{}{}|{}{}{})",
            d("8"),
            d("6"),
            d("[1-79]"),
            digits(7, 14),
            d("8"),
            d("[0-57-9]"),
            digits(6, 13),
        );
        let national = format!("{mobile}|{}{landline}", d("0"));
        string(format!(
            "^[{WS}]*(?:(?:{international}|{national}){s}[{WS}]*)?$"
        ))
        .build()
        .into()
    });

    /// The characters `Email::parse` allows, less `@` and (for domains) `.`.
    fn email_pattern(optional: bool) -> String {
        let allowed = format!(r#"[^{BLANK}<>(),;:"\[\]\\@]"#);
        let label = format!(r#"[^{BLANK}<>(),;:"\[\]\\@.]+"#);
        let email = format!(r"{allowed}{{1,64}}@{label}(?:\.{label})+[{WS}]*");
        let optional = if optional { "?" } else { "" };
        format!("^[{WS}]*(?:{email}){optional}$")
    }

    /// [`Checks::email`](super::Checks::email) on a required field: one `@` after 1 to 64
    /// characters, a dotted domain, no spaces, control characters or `<>(),;:"[]\`. The
    /// server counts the local part's 64 and the trimmed address's 254 in UTF-8 bytes, which
    /// JSON Schema cannot: beyond ASCII, it is stricter than this.
    pub enum Email {}
    schema_marker!(
        Email,
        string(email_pattern(false))
            .max_length(Some(super::EMAIL_MAX))
            .build()
            .into()
    );

    /// As [`Email`], where blank means absent.
    pub enum OptionalEmail {}
    schema_marker!(
        OptionalEmail,
        string(email_pattern(true))
            .max_length(Some(super::EMAIL_MAX))
            .build()
            .into()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_all_errors() {
        let mut c = Checks::new();
        c.text("name", "  ", 10);
        c.phone("phone", Some("123"));
        c.optional_text("city", Some(&"x".repeat(11)), 10);
        assert!(!c.is_ok());
        let Err(ApiError::Validation(errors)) = c.finish() else {
            panic!("expected validation errors")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "city"]);
    }

    #[test]
    fn lengths_count_the_text_as_sent() {
        let padded = format!(" {} ", "x".repeat(9));
        for (value, ok) in [(&padded[1..], true), (&padded[..], false), ("", true)] {
            let mut c = Checks::new();
            c.optional_text("city", Some(value), 10);
            assert_eq!(c.is_ok(), ok, "{value:?}");
        }
        let mut c = Checks::new();
        assert_eq!(c.text("name", " 张伟\t", 4), "张伟");
        assert!(c.is_ok());
        let long = format!("{}@example.com", "a".repeat(64));
        assert!(c.email("email", Some(&long)).is_some());
        c.email("email", Some(&format!("{long}{}", " ".repeat(200))));
        assert!(!c.is_ok());
    }

    #[test]
    fn integers_also_read_whole_floats() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(deserialize_with = "integer")]
            n: u32,
            #[serde(default, deserialize_with = "optional_integer")]
            o: Option<i64>,
            #[serde(default, deserialize_with = "integers")]
            v: Vec<u32>,
        }
        let t: T = serde_json::from_str(r#"{"n": 36.0, "o": -2.0, "v": [1, 2.0]}"#).unwrap();
        assert_eq!((t.n, t.o, t.v), (36, Some(-2), vec![1, 2]));
        let t: T = serde_json::from_str(r#"{"n": 36, "o": null}"#).unwrap();
        assert_eq!((t.n, t.o, t.v), (36, None, vec![]));
        for bad in [
            r#"{"n": 36.5}"#,
            r#"{"n": -1}"#,
            r#"{"n": -1.0}"#,
            r#"{"n": 5e9}"#,
            r#"{"n": 1e300}"#,
            r#"{"n": "36"}"#,
            r#"{"n": 1, "o": 0.5}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }
}
