//! Cursors of the lists that run newest first by a time and then by id (the timeline and
//! the activities): opaque to clients, a (time, id) position inside.

use autocrm_persistence::models::{KeysetAfter, TimelineBefore};
use chrono::NaiveDateTime;

use crate::error::ApiError;
use crate::http::pagination;

const TIME_KEY: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// The cursor that continues after the entry at `at` with `id`, for the list `sort`.
pub fn encode(sort: &str, at: NaiveDateTime, id: &str) -> String {
    pagination::encode_cursor(
        sort,
        &KeysetAfter {
            key: at.format(TIME_KEY).to_string(),
            id: id.to_owned(),
        },
    )
}

/// The position a cursor of `sort` names; 400 for anything this list did not issue.
pub fn decode(sort: &str, cursor: Option<&str>) -> Result<Option<TimelineBefore>, ApiError> {
    let Some(after) = pagination::decode_cursor(sort, cursor)? else {
        return Ok(None);
    };
    let at = NaiveDateTime::parse_from_str(&after.key, TIME_KEY)
        .map_err(|_| pagination::invalid_cursor())?;
    Ok(Some(TimelineBefore { at, id: after.id }))
}
