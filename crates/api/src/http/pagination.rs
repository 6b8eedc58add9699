//! Keyset cursor pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use autocrm_persistence::models::KeysetAfter;

use crate::error::{ApiError, Code};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The schema of a `cursor` parameter: unpadded base64url, as [`encode_cursor`] writes it
/// (that is all a schema can say: only cursors this list issued are accepted).
pub enum Cursor {}
crate::validate::schema::schema_marker!(
    Cursor,
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .pattern(Some("^[A-Za-z0-9_-]+$"))
        .build()
        .into()
);

/// The `limit` parameter; declare it with `#[param(minimum = 1, maximum = 200)]`.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(
            Code::InvalidQuery,
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// The sort the cursor was made for; a cursor is only valid for the same sort.
    s: String,
    k: String,
    i: String,
}

pub fn encode_cursor(sort: &str, after: &KeysetAfter) -> String {
    let body = CursorBody {
        s: sort.to_owned(),
        k: after.key.clone(),
        i: after.id.clone(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

pub fn decode_cursor(sort: &str, cursor: Option<&str>) -> Result<Option<KeysetAfter>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = invalid_cursor;
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let control = |s: &str| s.chars().any(char::is_control);
    if body.s != sort
        || body.i.len() > 64
        || body.k.len() > 1024
        || control(&body.i)
        || control(&body.k)
    {
        return Err(bad());
    }
    Ok(Some(KeysetAfter {
        key: body.k,
        id: body.i,
    }))
}

pub fn invalid_cursor() -> ApiError {
    ApiError::bad_request(
        Code::InvalidCursor,
        "the cursor is not one this list issued",
    )
}

/// The keyset position of a list ordered by id alone (ids are UUIDv7: creation order).
pub fn keyset_by_id(id: &str) -> KeysetAfter {
    KeysetAfter {
        key: String::new(),
        id: id.to_owned(),
    }
}

/// A page request of a list ordered by id, oldest first.
pub struct IdWindow {
    pub limit: i64,
    pub after_id: Option<String>,
}

impl IdWindow {
    /// From `?limit=&cursor=`.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        Ok(Self {
            limit: self::limit(limit)?,
            after_id: decode_cursor("id", cursor)?.map(|a| a.id),
        })
    }

    /// Rows to read: the page and one more, to learn whether another page follows.
    pub fn rows(&self) -> i64 {
        self.limit + 1
    }

    /// The page of `rows` (read with [`rows`](Self::rows)), its cursor by id.
    pub fn page<R, T: ToSchema>(
        &self,
        rows: Vec<R>,
        id: impl Fn(&R) -> &str,
        map: impl FnMut(R) -> T,
    ) -> Page<T> {
        page(
            rows,
            self.limit,
            |r| encode_cursor("id", &keyset_by_id(id(r))),
            map,
        )
    }
}

/// Cuts the extra row fetched to learn whether another page exists.
pub fn page<R, T: ToSchema>(
    rows: Vec<R>,
    limit: i64,
    cursor_of: impl Fn(&R) -> String,
    mut map: impl FnMut(R) -> T,
) -> Page<T> {
    match try_page(rows, limit, cursor_of, |r| Ok(map(r))) {
        Ok(page) => page,
        Err(_) => unreachable!("an infallible conversion failed"),
    }
}

/// As [`page`], for rows whose conversion can fail (stored JSON).
pub fn try_page<R, T: ToSchema>(
    rows: Vec<R>,
    limit: i64,
    cursor_of: impl Fn(&R) -> String,
    map: impl FnMut(R) -> Result<T, ApiError>,
) -> Result<Page<T>, ApiError> {
    let mut rows = rows;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(&cursor_of)
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(map).collect::<Result<_, _>>()?,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let after = KeysetAfter {
            key: "王".into(),
            id: "0190".into(),
        };
        let c = encode_cursor("name", &after);
        assert_eq!(decode_cursor("name", Some(&c)).unwrap(), Some(after));
        assert!(decode_cursor("-name", Some(&c)).is_err());
        assert!(decode_cursor("name", Some("!!")).is_err());
        assert!(decode_cursor("name", Some("e30")).is_err());
        let nul = KeysetAfter {
            key: "\0".into(),
            id: "0190".into(),
        };
        assert!(decode_cursor("name", Some(&encode_cursor("name", &nul))).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 50);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
    }
}
