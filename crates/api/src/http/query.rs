//! Reading query parameters that the typed query struct keeps as text: one answer for every
//! list endpoint when a value is not what it should be (400 `invalid_query`, naming it).

use crate::error::{ApiError, Code};

/// An id parameter: a UUID (normalised), or 400 naming the parameter.
pub fn uuid_param(value: Option<String>, name: &str) -> Result<Option<String>, ApiError> {
    value
        .map(|v| {
            uuid::Uuid::parse_str(&v)
                .map(|u| u.to_string())
                .map_err(|_| {
                    ApiError::bad_request(Code::InvalidQuery, format!("{name} must be a UUID"))
                })
        })
        .transpose()
}

/// A parameter naming one value of an enumeration (`text_enum!`), or 400 naming it.
pub fn enum_param<E: std::str::FromStr>(
    value: Option<&str>,
    name: &str,
) -> Result<Option<E>, ApiError> {
    value
        .map(|v| {
            v.trim().parse::<E>().map_err(|_| {
                ApiError::bad_request(
                    Code::InvalidQuery,
                    format!("{name} is not one of its values: {v}"),
                )
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised_and_bad_ones_named() {
        let upper = "0193A5C4-6F1E-7CC0-9D2A-4B1F0E3C2A12".to_owned();
        assert_eq!(
            uuid_param(Some(upper), "owner_id").unwrap().as_deref(),
            Some("0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12")
        );
        assert_eq!(uuid_param(None, "owner_id").unwrap(), None);
        assert!(uuid_param(Some("x".into()), "owner_id").is_err());
        assert_eq!(enum_param::<u8>(Some(" 7 "), "n").unwrap(), Some(7));
        assert!(enum_param::<u8>(Some("seven"), "n").is_err());
    }
}
