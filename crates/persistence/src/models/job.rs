use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::DbConn;
use crate::schema::jobs;

autocrm_domain::text_enum! {
    /// Where a job is in its life.
    pub enum JobStatus {
        /// Waiting for `run_at`.
        Pending = "pending",
        /// Claimed by a node until `locked_until`; past that the node is taken to be dead.
        Running = "running",
        Done = "done",
        /// Failed `max_attempts` times; kept for inspection.
        Dead = "dead",
    }
}

/// A unit of background work.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
pub struct JobRow {
    pub id: String,
    pub org_id: Option<String>,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub status: String,
    pub run_at: chrono::NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub finished_at: Option<chrono::NaiveDateTime>,
}

/// How much work waits: for the queue-depth and oldest-pending metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub due: i64,
    pub oldest_due: Option<chrono::NaiveDateTime>,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    oldest: Option<chrono::NaiveDateTime>,
}

impl JobRow {
    /// A job to run at `run_at` (from `max_attempts` tries).
    pub fn new(
        org_id: Option<&str>,
        kind: &str,
        payload: String,
        run_at: chrono::NaiveDateTime,
        max_attempts: i32,
        now: chrono::NaiveDateTime,
    ) -> Self {
        Self {
            id: crate::db::new_id(),
            org_id: org_id.map(str::to_owned),
            kind: kind.to_owned(),
            payload,
            dedupe_key: None,
            status: JobStatus::Pending.as_str().to_owned(),
            run_at,
            attempts: 0,
            max_attempts,
            locked_by: None,
            locked_until: None,
            last_error: None,
            created_at: now,
            finished_at: None,
        }
    }

    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(jobs::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// Inserts the job unless one with its `dedupe_key` exists; returns whether it did. Run
    /// it outside a transaction that must survive (on PostgreSQL a refused insert aborts it).
    pub fn insert_once(&self, conn: &mut DbConn) -> QueryResult<bool> {
        match self.insert(conn) {
            Ok(()) => Ok(true),
            Err(e) if crate::db::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Claims up to `limit` due jobs for `node` until `lease_until`: pending ones whose time
    /// has come, and running ones whose lease ran out (their node died). On PostgreSQL the
    /// rows are taken with `FOR UPDATE SKIP LOCKED`, so nodes claiming at once never share a
    /// job; on SQLite one node runs jobs, and its write lock serialises claims.
    pub fn claim_due(
        conn: &mut DbConn,
        node: &str,
        now: chrono::NaiveDateTime,
        lease_until: chrono::NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        const DUE: &str = "(status = 'pending' AND run_at <= $3) \
             OR (status = 'running' AND locked_until < $3)";
        let lock = match conn {
            DbConn::Postgres(_) => "FOR UPDATE SKIP LOCKED",
            DbConn::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
             attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM jobs WHERE {DUE} ORDER BY run_at LIMIT $4 {lock}) \
             RETURNING *"
        );
        diesel::sql_query(sql)
            .bind::<Text, _>(node)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(conn)
    }

    /// Marks a job done, if `node` still holds it.
    pub fn finish(
        conn: &mut DbConn,
        id: &str,
        node: &str,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::locked_by.eq(node)),
        )
        .set((
            jobs::status.eq(JobStatus::Done.as_str()),
            jobs::finished_at.eq(Some(now)),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Puts a job back to wait until `run_at` after a failure, or kills it when it has had
    /// all its attempts.
    pub fn fail(
        conn: &mut DbConn,
        id: &str,
        node: &str,
        error: &str,
        retry_at: Option<chrono::NaiveDateTime>,
        now: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        let target = jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::locked_by.eq(node));
        let error = Some(error.chars().take(2000).collect::<String>());
        let n = match retry_at {
            Some(at) => diesel::update(target)
                .set((
                    jobs::status.eq(JobStatus::Pending.as_str()),
                    jobs::run_at.eq(at),
                    jobs::last_error.eq(error),
                    jobs::locked_by.eq(None::<String>),
                    jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?,
            None => diesel::update(target)
                .set((
                    jobs::status.eq(JobStatus::Dead.as_str()),
                    jobs::finished_at.eq(Some(now)),
                    jobs::last_error.eq(error),
                    jobs::locked_by.eq(None::<String>),
                    jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?,
        };
        Ok(n == 1)
    }

    /// Hands a claimed job back untouched (a node shutting down): its attempt does not count.
    pub fn release(conn: &mut DbConn, id: &str, node: &str) -> QueryResult<bool> {
        diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::locked_by.eq(node)),
        )
        .set((
            jobs::status.eq(JobStatus::Pending.as_str()),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Self>> {
        jobs::table
            .find(id)
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    pub fn list_of_kind(conn: &mut DbConn, kind: &str) -> QueryResult<Vec<Self>> {
        jobs::table
            .filter(jobs::kind.eq(kind))
            .order(jobs::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Due work and the time the oldest of it was due.
    pub fn depth(conn: &mut DbConn, now: chrono::NaiveDateTime) -> QueryResult<QueueDepth> {
        let row: Counted = diesel::sql_query(
            "SELECT COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs \
             WHERE status = 'pending' AND run_at <= $1",
        )
        .bind::<Timestamp, _>(now)
        .get_result(conn)?;
        Ok(QueueDepth {
            due: row.n,
            oldest_due: row.oldest,
        })
    }

    /// Forgets finished jobs older than `cutoff`.
    pub fn purge_finished(conn: &mut DbConn, cutoff: chrono::NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(
            jobs::table
                .filter(jobs::status.eq_any([JobStatus::Done.as_str(), JobStatus::Dead.as_str()]))
                .filter(jobs::finished_at.lt(cutoff)),
        )
        .execute(conn)
    }

    /// The attempts a job has had, for retry schedules.
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.attempts).unwrap_or(0)
    }
}
