//! CSV downloads: UTF-8 with a byte-order mark (so that Excel reads Chinese text as UTF-8),
//! cells that a spreadsheet would run as a formula defused, and an answer streamed page by
//! page, each page its own read. The audit-log and customer exports both answer through it.

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::{Stream, stream};

use crate::error::ApiError;

/// The UTF-8 byte-order mark.
pub const BOM: &str = "\u{feff}";

/// A text for a CSV cell that a spreadsheet will not run as a formula (OWASP: CSV injection).
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// One piece of a CSV file: the byte-order mark and `header` first (when given), then the
/// rows.
pub fn chunk<R, T>(
    header: Option<&[&str]>,
    rows: impl IntoIterator<Item = R>,
) -> Result<Bytes, ApiError>
where
    R: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut out = Vec::new();
    if header.is_some() {
        out.extend_from_slice(BOM.as_bytes());
    }
    let mut writer = csv::Writer::from_writer(out);
    if let Some(header) = header {
        writer.write_record(header).map_err(ApiError::internal)?;
    }
    for row in rows {
        writer.write_record(row).map_err(ApiError::internal)?;
    }
    let out = writer.into_inner().map_err(ApiError::internal)?;
    Ok(Bytes::from(out))
}

/// A CSV file streamed page by page: `next(state)` reads one page and says where the next
/// one starts (`None` after the last). The header comes first, also when there are no rows.
pub fn pages<S, F, Fut, R>(
    header: &'static [&'static str],
    start: S,
    next: F,
) -> impl Stream<Item = Result<Bytes, ApiError>> + 'static
where
    S: 'static,
    F: FnMut(S) -> Fut + 'static,
    Fut: Future<Output = Result<(Vec<R>, Option<S>), ApiError>> + 'static,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    stream::try_unfold(
        (Some(start), true, next),
        move |(state, first, mut next)| async move {
            let Some(state) = state else {
                return Ok(None);
            };
            let (rows, following) = next(state).await?;
            let bytes = chunk(first.then_some(header), rows)?;
            Ok(Some((bytes, (following, false, next))))
        },
    )
}

/// A download answer: its type, a file name, never cached.
pub fn download(content_type: &str, filename: &str) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("李娜"), "李娜");
        assert_eq!(cell("{\"a\":1}"), "{\"a\":1}");
    }

    #[test]
    fn the_first_chunk_has_the_mark_and_the_header() {
        let first = chunk(Some(&["id", "name"]), [["1", "张伟"]]).unwrap();
        assert_eq!(&first[..], "\u{feff}id,name\n1,张伟\n".as_bytes());
        let later = chunk(None, [["2", "李娜"]]).unwrap();
        assert_eq!(&later[..], "2,李娜\n".as_bytes());
    }
}
