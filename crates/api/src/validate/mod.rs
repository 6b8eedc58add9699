//! Validation at the boundary: field rules on request types (the `validator` crate, with
//! custom rules in `rules` that call the domain's newtypes), the one conversion of their
//! errors to our field errors, OpenAPI schemas that state the same rules (`schema`), and the
//! serde helpers request types share.
//!
//! A limit stands once, on its field: the `#[validate(...)]` rule and the
//! `#[schema(value_type = ...)]` beside it, and a test holds every documented limit to its
//! rule.

pub mod rules;
pub mod schema;

use std::borrow::Cow;

use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::app::{FieldError, ServiceError};
use crate::error::{ApiError, Code};

/// The longest email address, as `Email::parse` also limits it (there in bytes).
pub const EMAIL_MAX: usize = 254;

/// Runs a request type's rules; every invalid field at once, in the order the type declares
/// its fields (a form shows them in that order).
pub fn check<T: Validate + serde::de::DeserializeOwned>(value: &T) -> Result<(), ServiceError> {
    value.validate().map_err(|errors| {
        let order = field_order::<T>();
        let mut errors = field_errors(&errors);
        let rank = |e: &FieldError| {
            let top = e.field.split(['.', '[']).next().unwrap_or_default();
            order.iter().position(|f| *f == top).unwrap_or(usize::MAX)
        };
        errors.sort_by_key(rank);
        ServiceError::Invalid(errors)
    })
}

/// Flattens validator's nested errors into our field errors, named by path
/// (`plans[1].term_months`), sorted by path, with stable codes.
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field).then_with(|| a.code.cmp(&b.code)));
    out
}

/// The field names of a struct in declaration order, as serde's derive hands them to a
/// deserializer (empty for anything that is not a struct).
fn field_order<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut Fields {
        type Error = serde::de::value::Error;
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("only the field names were wanted"))
        }
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields = Fields(&[]);
    let _ = T::deserialize(&mut fields);
    fields.0
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| field_error(&path, e)));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn field_error(path: &str, error: &ValidationError) -> FieldError {
    let param = |name: &str| error.params.get(name).and_then(serde_json::Value::as_u64);
    let (code, message): (&str, Cow<str>) = match error.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(n)) => (
                "out_of_range",
                format!("must have exactly {n} items").into(),
            ),
            (Some(min), _, _) if length_of(error) < min => {
                ("too_short", format!("must be at least {min} long").into())
            }
            (_, Some(max), _) => ("too_long", format!("must be at most {max} long").into()),
            _ => ("out_of_range", "has the wrong length".into()),
        },
        "range" => ("out_of_range", "is out of range".into()),
        code => (code, "is invalid".into()),
    };
    let message = error.message.clone().unwrap_or(message);
    FieldError::new(path, code, message)
}

/// The length of the value a `length` rule refused (characters, or items).
fn length_of(error: &ValidationError) -> u64 {
    match error.params.get("value") {
        Some(serde_json::Value::String(s)) => s.chars().count() as u64,
        Some(serde_json::Value::Array(items)) => items.len() as u64,
        _ => 0,
    }
}

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
            Code::InvalidQuery,
            format!("{name} must not contain control characters"),
        )),
        other => Ok(other),
    }
}
