//! Quotes (issue 10 item 11): one row per version of a deal's priced offer.
//!
//! A version, once written, is never re-priced: `Quote` derives no `AsChangeset`, so nothing
//! can save a changed row through it; the only UPDATEs are [`Quote::set_status`] and
//! [`Quote::accept`], which touch the status columns (and the row version) alone.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::quotes;

/// One version of a quote. `status` is the domain's `QuoteStatus` as stored (a sent quote
/// past `valid_until` reads as expired); `lines`, `tax` and `financing` are JSON.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = quotes, treat_none_as_default_value = false)]
pub struct Quote {
    pub id: String,
    pub org_id: String,
    pub deal_id: String,
    pub version_number: i64,
    pub status: String,
    pub valid_until: chrono::NaiveDateTime,
    pub vehicle_id: String,
    pub vin: String,
    /// JSON: the priced lines, deductions negative, the purchase tax last.
    pub lines: String,
    /// JSON: the taxed vehicle, the purchase date and the computed tax.
    pub tax: String,
    pub vehicle_net_cents: i64,
    pub purchase_tax_cents: i64,
    /// The sum of the lines, to the fen.
    pub total_cents: i64,
    /// JSON: the financing plan as requested and as priced.
    pub financing: Option<String>,
    pub financing_application_id: Option<String>,
    pub created_by: String,
    pub accepted_at: Option<chrono::NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Turned down by the customer: when, recorded by whom, why (a `LostReason`), the note.
    pub declined_at: Option<chrono::NaiveDateTime>,
    pub declined_by: Option<String>,
    pub decline_reason: Option<String>,
    pub decline_note: Option<String>,
}

super::record::tenant_record!(Quote, quotes);

impl Quote {
    /// The deal's versions, oldest first.
    pub fn of_deal(conn: &mut DbConn, org_id: &str, deal_id: &str) -> QueryResult<Vec<Self>> {
        quotes::table
            .filter(quotes::org_id.eq(org_id))
            .filter(quotes::deal_id.eq(deal_id))
            .order(quotes::version_number.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Moves a version from `from` to `to` (superseded, expired); false when it was no
    /// longer at `from`. Nothing else of the row changes.
    pub fn set_status(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        from: &str,
        to: &str,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            quotes::table
                .filter(quotes::org_id.eq(org_id))
                .filter(quotes::id.eq(id))
                .filter(quotes::status.eq(from)),
        )
        .set((
            quotes::status.eq(to),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    /// Declines a version that is still `from` (sent): the status, who and when, the reason
    /// and its note. False when it was no longer at `from`.
    pub fn decline(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        reason: &str,
        note: Option<&str>,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            quotes::table
                .filter(quotes::org_id.eq(org_id))
                .filter(quotes::id.eq(id))
                .filter(quotes::status.eq(from)),
        )
        .set((
            quotes::status.eq(to),
            quotes::declined_at.eq(Some(at)),
            quotes::declined_by.eq(Some(by)),
            quotes::decline_reason.eq(Some(reason)),
            quotes::decline_note.eq(note),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    /// Accepts a version that is still `from` (sent): the status, who and when, and the
    /// financing application opened with it. False when it was no longer at `from`.
    pub fn accept(
        conn: &mut DbConn,
        org_id: &str,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        financing_application_id: Option<&str>,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            quotes::table
                .filter(quotes::org_id.eq(org_id))
                .filter(quotes::id.eq(id))
                .filter(quotes::status.eq(from)),
        )
        .set((
            quotes::status.eq(to),
            quotes::accepted_at.eq(Some(at)),
            quotes::accepted_by.eq(Some(by)),
            quotes::financing_application_id.eq(financing_application_id),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}
