//! Leads, their history and the facts routing reads (issue 10).

use autocrm_domain::access::{LeadFacts, LeadScope};
use diesel::prelude::*;

use crate::DbConn;
use crate::db::Db;
use crate::schema::{lead_history, leads};

/// One enquiry of one customer. `owner_id` is `None` while it waits in the pool of
/// `store_id` (the organisation's pool when that is `None` too). `score_detail` is the
/// domain's `LeadScore` as JSON; `needs` the lead's wanted vehicle and terms; `utm` the
/// campaign parameters; `raw_ciphertext` the sealed payload as received (cleared after
/// `raw_expires_at`).
#[derive(
    Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = leads, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Lead {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub status: String,
    pub grade: String,
    pub score: i32,
    pub score_detail: String,
    pub source: String,
    pub source_lead_id: Option<String>,
    pub campaign_id: Option<String>,
    pub utm: Option<String>,
    pub referrer: Option<String>,
    pub needs: Option<String>,
    pub raw_ciphertext: Option<String>,
    pub raw_expires_at: Option<chrono::NaiveDateTime>,
    pub created_by: String,
    /// Since when silence counts (created, or reactivated from lost).
    pub active_since: chrono::NaiveDateTime,
    /// The last activity on the lead; the pool clock counts from it.
    pub last_worked_at: Option<chrono::NaiveDateTime>,
    /// When the current owner got it.
    pub assigned_at: Option<chrono::NaiveDateTime>,
    /// When it last entered the pool (`None` while owned).
    pub pool_since: Option<chrono::NaiveDateTime>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(Lead, leads);

impl Lead {
    pub fn facts(&self) -> LeadFacts<'_> {
        LeadFacts {
            store_id: self.store_id.as_deref(),
            owner_id: self.owner_id.as_deref(),
            created_by: &self.created_by,
        }
    }

    /// The leads a source already pushed under any of these ids (batch intake's dedupe).
    pub fn by_sources(
        conn: &mut DbConn,
        org_id: &str,
        source: &str,
        source_lead_ids: &[String],
    ) -> QueryResult<Vec<Self>> {
        if source_lead_ids.is_empty() {
            return Ok(Vec::new());
        }
        // The plans of these lookups are meant to probe the unique index `(org_id, source,
        // source_lead_id)` once per id. PostgreSQL otherwise picks its plan from statistics,
        // and for a source they do not know yet (a new feed, a fresh database) it scans all of
        // the source's leads and compares each with every id of the batch: 24 ms a batch of 500
        // after 5,000 leads, growing with both.
        if let (DbConn::Postgres(pg), 2..) = (&mut *conn, source_lead_ids.len()) {
            // A `LIMIT` keeps the lateral subquery from being flattened into a join the
            // planner could turn into that scan: it runs once per id, on an index. Which
            // index is still the planner's: statistics taken while `leads` held one row make
            // every index of `org_id` look as cheap, and one may be picked that filters the
            // organisation's leads per id, until autovacuum's next ANALYZE (BENCHMARKS.md).
            return diesel::sql_query(
                "SELECT l.* FROM unnest($3::text[]) AS wanted(id) CROSS JOIN LATERAL \
                 (SELECT * FROM leads WHERE org_id = $1 AND source = $2 \
                  AND source_lead_id = wanted.id LIMIT 1) AS l",
            )
            .bind::<diesel::sql_types::Text, _>(org_id)
            .bind::<diesel::sql_types::Text, _>(source)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(source_lead_ids)
            .load(pg);
        }
        // One id (every single intake) is compared with `=`, in a prepared statement diesel
        // keeps, which probes the index whatever plan is cached; SQLite probes the index for
        // each member of an `IN` list.
        let query = leads::table
            .filter(leads::org_id.eq(org_id))
            .filter(leads::source.eq(source))
            .select(Self::as_select())
            .into_boxed();
        let query = match source_lead_ids {
            [one] => query.filter(leads::source_lead_id.eq(one)),
            many => query.filter(leads::source_lead_id.eq_any(many)),
        };
        query.load(conn)
    }

    /// New leads in multi-row statements. A `(source, source_lead_id)` already taken fails
    /// the whole statement with a unique violation.
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, leads::table, rows)
    }

    /// The customer's leads, newest first.
    pub fn of_customer(
        conn: &mut DbConn,
        org_id: &str,
        customer_id: &str,
    ) -> QueryResult<Vec<Self>> {
        leads::table
            .filter(leads::org_id.eq(org_id))
            .filter(leads::customer_id.eq(customer_id))
            .order(leads::created_at.desc())
            .select(Self::as_select())
            .load(conn)
    }

    pub fn list(conn: &mut DbConn, org_id: &str, filter: &LeadFilter) -> QueryResult<Vec<Self>> {
        let query = leads::table
            .filter(leads::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        let Some(mut query) = restrict_to(query, &filter.scope) else {
            return Ok(Vec::new());
        };
        if !filter.statuses.is_empty() {
            query = query.filter(leads::status.eq_any(filter.statuses.clone()));
        }
        if let Some(grade) = &filter.grade {
            query = query.filter(leads::grade.eq(grade.clone()));
        }
        if let Some(source) = &filter.source {
            query = query.filter(leads::source.eq(source.clone()));
        }
        if let Some(store) = &filter.store_id {
            query = query.filter(leads::store_id.eq(store.clone()));
        }
        match &filter.owner {
            OwnerFilter::Any => {}
            OwnerFilter::User(owner) => query = query.filter(leads::owner_id.eq(owner.clone())),
            OwnerFilter::Pool => query = query.filter(leads::owner_id.is_null()),
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(leads::customer_id.eq(customer.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(leads::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(leads::id.asc()), filter.limit)
    }

    /// Clears the sealed payloads whose retention ended (every organisation); answers how many.
    pub fn clear_expired_payloads(
        conn: &mut DbConn,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            leads::table
                .filter(leads::raw_ciphertext.is_not_null())
                .filter(leads::raw_expires_at.le(now)),
        )
        .set((
            leads::raw_ciphertext.eq(None::<String>),
            leads::raw_expires_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
    }

    /// Open leads per owner, for least-loaded routing and the board.
    pub fn open_counts(
        conn: &mut DbConn,
        org_id: &str,
        owners: &[String],
        open_statuses: &[&str],
    ) -> QueryResult<Vec<(String, i64)>> {
        use diesel::dsl::count_star;
        let rows: Vec<(Option<String>, i64)> = leads::table
            .filter(leads::org_id.eq(org_id))
            .filter(leads::owner_id.eq_any(owners))
            .filter(leads::status.eq_any(open_statuses))
            .group_by(leads::owner_id)
            .select((leads::owner_id, count_star()))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(owner, n)| owner.map(|o| (o, n)))
            .collect())
    }
}

/// Whose leads a list shows.
#[derive(Debug, Clone, Default)]
pub enum OwnerFilter {
    #[default]
    Any,
    User(String),
    /// Unowned: waiting in a pool.
    Pool,
}

/// Which leads a list shows, by id.
#[derive(Debug, Clone)]
pub struct LeadFilter {
    pub scope: LeadScope,
    pub statuses: Vec<String>,
    pub grade: Option<String>,
    pub source: Option<String>,
    pub store_id: Option<String>,
    pub owner: OwnerFilter,
    pub customer_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl LeadFilter {
    pub fn new(scope: LeadScope, limit: i64) -> Self {
        Self {
            scope,
            statuses: Vec::new(),
            grade: None,
            source: None,
            store_id: None,
            owner: OwnerFilter::Any,
            customer_id: None,
            after_id: None,
            limit,
        }
    }
}

/// Narrows a query of leads to a lead scope: the SQL side of `LeadScope::admits`. `None`
/// when the scope admits nothing.
pub fn restrict_to<'a, ST: 'a>(
    query: leads::BoxedQuery<'a, Db, ST>,
    scope: &LeadScope,
) -> Option<leads::BoxedQuery<'a, Db, ST>> {
    Some(match scope {
        LeadScope::All => query,
        LeadScope::Store(store) => query.filter(leads::store_id.eq(store.clone())),
        LeadScope::OwnerOrPool { owner, store } => {
            let pool = leads::owner_id.is_null();
            match store {
                Some(store) => query.filter(
                    leads::owner_id
                        .eq(owner.clone())
                        .or(pool.and(leads::store_id.eq(store.clone()))),
                ),
                None => query.filter(
                    leads::owner_id
                        .eq(owner.clone())
                        .or(pool.and(leads::store_id.is_null())),
                ),
            }
        }
        LeadScope::CreatedBy(id) => query.filter(leads::created_by.eq(id.clone())),
        LeadScope::Nothing => return None,
    })
}

/// One thing that happened to a lead. Never changed once written.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = lead_history, treat_none_as_default_value = false)]
pub struct LeadHistoryEntry {
    pub id: String,
    pub org_id: String,
    pub lead_id: String,
    /// `created`, `assigned`, `reassigned`, `claimed`, `returned_to_pool`, `grade_changed`,
    /// `status_changed`, `lost_requested`, `lost_decided`, `reactivated`, `handed_over`.
    pub kind: String,
    pub from_user_id: Option<String>,
    pub to_user_id: Option<String>,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub reason: Option<String>,
    /// JSON: the routing decision, the rule, the escalation step.
    pub detail: Option<String>,
    /// The user, API client or `system:<job>` that did it.
    pub actor: String,
    pub created_at: chrono::NaiveDateTime,
}

impl LeadHistoryEntry {
    pub const ASSIGNED: &'static str = "assigned";
    pub const REASSIGNED: &'static str = "reassigned";
    pub const CLAIMED: &'static str = "claimed";
    pub const RETURNED_TO_POOL: &'static str = "returned_to_pool";

    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(lead_history::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, lead_history::table, rows)
    }

    /// The lead's history, oldest first.
    pub fn of_lead(
        conn: &mut DbConn,
        org_id: &str,
        lead_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = lead_history::table
            .filter(lead_history::org_id.eq(org_id))
            .filter(lead_history::lead_id.eq(lead_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(lead_history::id.gt(after.to_owned()));
        }
        crate::db::first_rows(conn, query.order(lead_history::id.asc()), limit)
    }

    /// When each of these users last got a lead (by rule, by hand or from the pool): the
    /// round-robin state, read from the history so that no shared counter row exists. One
    /// statement for the team: per user and kind, the newest entry from
    /// `lead_history_to_user_idx`, so the cost does not grow with the history (a grouped `max`
    /// walked every entry of the team). The users come as a `VALUES` list and the lookups as
    /// correlated subqueries, so PostgreSQL plans three of them whatever the team's size
    /// (thirty scalar subqueries in one statement took 1.5 ms to plan, at every intake).
    pub fn last_assigned(
        conn: &mut DbConn,
        org_id: &str,
        users: &[String],
    ) -> QueryResult<Vec<(String, chrono::NaiveDateTime)>> {
        use diesel::sql_types::{Nullable, Text, Timestamp};

        #[derive(QueryableByName)]
        struct Turns {
            #[diesel(sql_type = Text)]
            user_id: String,
            #[diesel(sql_type = Nullable<Timestamp>)]
            assigned: Option<chrono::NaiveDateTime>,
            #[diesel(sql_type = Nullable<Timestamp>)]
            reassigned: Option<chrono::NaiveDateTime>,
            #[diesel(sql_type = Nullable<Timestamp>)]
            claimed: Option<chrono::NaiveDateTime>,
        }
        // Numbered placeholders (`$n` on PostgreSQL, `?n` on SQLite) so that the organisation
        // and the kinds are bound once and named in all three subqueries.
        let sql = |sigil: char, team: usize| {
            let newest = |kind: usize| {
                format!(
                    "(SELECT h.created_at FROM lead_history h WHERE h.org_id = {sigil}1 \
                     AND h.to_user_id = u.column1 AND h.kind = {sigil}{kind} \
                     ORDER BY h.created_at DESC LIMIT 1)"
                )
            };
            let values = (0..team)
                .map(|i| format!("({sigil}{})", i + 5))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT u.column1 AS user_id, {} AS assigned, {} AS reassigned, {} AS claimed \
                 FROM (VALUES {values}) AS u",
                newest(2),
                newest(3),
                newest(4)
            )
        };
        let mut latest = Vec::with_capacity(users.len());
        for chunk in users.chunks(100) {
            macro_rules! newest_turns {
                ($c:expr, $sigil:expr) => {{
                    let mut query = diesel::sql_query(sql($sigil, chunk.len()))
                        .into_boxed()
                        .bind::<Text, _>(org_id)
                        .bind::<Text, _>(Self::ASSIGNED)
                        .bind::<Text, _>(Self::REASSIGNED)
                        .bind::<Text, _>(Self::CLAIMED);
                    for user in chunk {
                        query = query.bind::<Text, _>(user);
                    }
                    query.load::<Turns>($c)
                }};
            }
            let rows = match &mut *conn {
                DbConn::Postgres(c) => newest_turns!(c, '$')?,
                DbConn::Sqlite(c) => newest_turns!(c, '?')?,
            };
            for row in rows {
                if let Some(at) = row.assigned.max(row.reassigned).max(row.claimed) {
                    latest.push((row.user_id, at));
                }
            }
        }
        Ok(latest)
    }

    /// How many entries of `kind` name `user_id` as the new owner since `since` (claims
    /// today, for the daily cap).
    pub fn count_to_user_since(
        conn: &mut DbConn,
        org_id: &str,
        user_id: &str,
        kind: &str,
        since: chrono::NaiveDateTime,
    ) -> QueryResult<i64> {
        lead_history::table
            .filter(lead_history::org_id.eq(org_id))
            .filter(lead_history::to_user_id.eq(user_id))
            .filter(lead_history::kind.eq(kind))
            .filter(lead_history::created_at.ge(since))
            .count()
            .get_result(conn)
    }

    /// When `user_id` last lost this lead to the pool, if ever.
    pub fn last_returned_from(
        conn: &mut DbConn,
        org_id: &str,
        lead_id: &str,
        user_id: &str,
    ) -> QueryResult<Option<chrono::NaiveDateTime>> {
        use diesel::dsl::max;
        lead_history::table
            .filter(lead_history::org_id.eq(org_id))
            .filter(lead_history::lead_id.eq(lead_id))
            .filter(lead_history::from_user_id.eq(user_id))
            .filter(lead_history::kind.eq(Self::RETURNED_TO_POOL))
            .select(max(lead_history::created_at))
            .get_result(conn)
    }
}
