//! OpenAPI schemas that state exactly what the validation rules accept, for
//! `#[schema(value_type = …, inline)]` (or `#[param(…)]`) on the fields they check: the
//! document must promise neither more nor less than the server enforces.
//!
//! The types are never built; they only carry a schema. Patterns are ECMA-262 regular
//! expressions whose character ranges spell out Rust's character classes.

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
/// Cc except tab and line feed, which [`rules::text`](super::rules::text) allows.
const CONTROL_BUT_TAB_LF: &str = "\u{0}-\u{8}\u{B}-\u{1F}\u{7F}-\u{9F}";
/// `CONTROL` and `WS` together: what cannot start or end a trimmed text.
const BLANK: &str =
    "\u{0}-\u{20}\u{7F}-\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}";
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

/// Exactly one of `values`, as [`rules::one_of`](super::rules::one_of) compares them.
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

/// An object whose fields the domain type defines and checks (settings sections), described
/// and with its example: for DTOs that wrap a domain type as it is (`#[serde(transparent)]`).
pub fn domain_object(description: &str, example: serde_json::Value) -> RefOr<Schema> {
    // Derived schemas carry `example` too; `examples` would be the 3.1 spelling.
    #[allow(deprecated)]
    let object = utoipa::openapi::ObjectBuilder::new()
        .description(Some(description))
        .example(Some(example));
    object.into()
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
/// [`rules::one_of`](super::rules::one_of) (or compared) against the same list.
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

/// [`rules::text`](super::rules::text): at most `MAX` characters; trimmed, not empty
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

/// [`rules::optional_text`](super::rules::optional_text): as [`Text`], but blank is
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

/// [`rules::id`](super::rules::id): a UUID, surrounding whitespace allowed.
pub enum Id {}
schema_marker!(
    Id,
    string(format!("^[{WS}]*(?:{UUID})[{WS}]*$")).build().into()
);

/// A UUID as `uuid::Uuid::parse_str` reads it, nothing around it.
pub enum UuidText {}
schema_marker!(UuidText, string(format!("^(?:{UUID})$")).build().into());

/// [`rules::phone`](super::rules::phone) with `Phone::parse`: blank (absent), E.164
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

/// [`rules::email`](super::rules::email) on a required field: one `@` after 1 to 64
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
