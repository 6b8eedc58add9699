use autocrm_domain::access::{CustomerFacts, CustomerScope};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::KeysetAfter;
use crate::DbConn;
use crate::db::Db;
use crate::schema::{customer_activities, customer_lookups, customers};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customers, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Customer {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub kind: String,
    pub name: String,
    /// AES-GCM ciphertext of the E.164 phone; never stored in clear.
    pub phone_ciphertext: Option<String>,
    /// Keyed hash of the E.164 phone, for exact lookup and dedupe without decrypting.
    pub phone_blind_index: Option<String>,
    pub phone_masked: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub source_channel: Option<String>,
    pub notes: Option<String>,
    pub marketing_consent: bool,
    pub status: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub archived_at: Option<chrono::NaiveDateTime>,
    /// JSON of [`autocrm_domain::customer::Needs`]; `None` until anything is stated.
    pub needs: Option<String>,
    /// `male` or `female`.
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// AES-GCM ciphertext of the JSON of the other personal values (other phones, WeChat
    /// ids, identity documents, address); never stored in clear.
    pub personal_ciphertext: Option<String>,
    /// The same values, masked (JSON), for answers.
    pub personal_masked: Option<String>,
    pub region: Option<String>,
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    pub referrer_id: Option<String>,
    /// prospect, customer, owner or lost (`autocrm_domain::customer::LifecycleStage`).
    pub lifecycle_stage: String,
    /// The organisation's own fields (a JSON object).
    pub custom_attributes: Option<String>,
    /// Business customers: registered name, credit code, trade-buyer flag (JSON).
    pub business: Option<String>,
}

super::record::versioned_record!(Customer, customers);
super::record::checked_find!(Customer, customers);

autocrm_domain::text_enum! {
    /// The orders a customer list can come in (`-` for descending).
    #[derive(Default)]
    pub enum CustomerSort {
        CreatedAsc = "created_at",
        #[default]
        CreatedDesc = "-created_at",
        NameAsc = "name",
        NameDesc = "-name",
        UpdatedAsc = "updated_at",
        UpdatedDesc = "-updated_at",
    }
}

/// What a list may return: the caller's data scope and the request's own filters, ANDed.
#[derive(Debug, Clone)]
pub struct CustomerFilter {
    pub scope: CustomerScope,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub source_channel: Option<String>,
    /// Exact city.
    pub city: Option<String>,
    /// Matches name or email (substring, ignoring case).
    pub text: Option<String>,
    /// Matches any phone of the customer exactly, by blind index (one per key of the ring).
    pub phone_blind_indexes: Vec<String>,
    /// Matches the last four digits of any phone, by their own keyed index.
    pub last4_indexes: Vec<String>,
    /// With `text`: also customers owning a vehicle with this normalised plate (exact).
    pub vehicle_plate: Option<String>,
    /// With `text`: also customers owning a vehicle with this VIN (exact).
    pub vehicle_vin: Option<String>,
    pub created_from: Option<chrono::NaiveDateTime>,
    pub created_to: Option<chrono::NaiveDateTime>,
    /// The customer's latest activity is at or after this time.
    pub last_activity_from: Option<chrono::NaiveDateTime>,
    /// The customer has activities, and the latest is before this time.
    pub last_activity_to: Option<chrono::NaiveDateTime>,
    pub marketing_consent: Option<bool>,
    /// A tag name, manual or dynamic.
    pub tag: Option<String>,
    pub sort: CustomerSort,
    pub after: Option<KeysetAfter>,
    pub limit: i64,
}

impl CustomerFilter {
    /// A filter of this scope only: every status, no search, first page.
    pub fn new(scope: CustomerScope, sort: CustomerSort, limit: i64) -> Self {
        Self {
            scope,
            owner_id: None,
            store_id: None,
            status: None,
            kind: None,
            lifecycle_stage: None,
            source_channel: None,
            city: None,
            text: None,
            phone_blind_indexes: Vec::new(),
            last4_indexes: Vec::new(),
            vehicle_plate: None,
            vehicle_vin: None,
            created_from: None,
            created_to: None,
            last_activity_from: None,
            last_activity_to: None,
            marketing_consent: None,
            tag: None,
            sort,
            after: None,
            limit,
        }
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`: ASCII case folding on SQLite, Unicode on PostgreSQL.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()` of a nullable column.
    #[sql_name = "lower"]
    fn lower_nullable(
        text: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

const TIMESTAMP_KEY: &str = "%Y-%m-%dT%H:%M:%S%.6f";

impl Customer {
    /// Inserts many customers in multi-row statements (bulk seeding, imports).
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, customers::table, rows)
    }

    /// What the customer wants, as last stated (written only through the customer service,
    /// which checks it; a value that no longer parses reads as nothing stated).
    pub fn stated_needs(&self) -> Option<autocrm_domain::customer::Needs> {
        serde_json::from_str(self.needs.as_deref()?).ok()
    }

    /// `(id, name, masked phone)` of these customers: what lists of their records show.
    pub fn names_of(
        conn: &mut DbConn,
        org_id: &str,
        ids: &[String],
    ) -> QueryResult<Vec<(String, String, Option<String>)>> {
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::id.eq_any(ids))
            .select((customers::id, customers::name, customers::phone_masked))
            .load(conn)
    }

    /// These customers (any status), in no order.
    pub fn find_many(conn: &mut DbConn, org_id: &str, ids: &[String]) -> QueryResult<Vec<Self>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::id.eq_any(ids))
            .select(Self::as_select())
            .load(conn)
    }

    /// The live (active or archived) customers with any of these emails, oldest first.
    pub fn by_emails(conn: &mut DbConn, org_id: &str, emails: &[String]) -> QueryResult<Vec<Self>> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::email.eq_any(emails))
            .filter(customers::status.eq_any(["active", "archived"]))
            .order((customers::created_at.asc(), customers::id.asc()))
            .select(Self::as_select())
            .load(conn)
    }

    /// The customers whose phone has any of these blind indexes.
    pub fn by_phone_indexes(
        conn: &mut DbConn,
        org_id: &str,
        blind_indexes: &[String],
    ) -> QueryResult<Vec<Self>> {
        if blind_indexes.is_empty() {
            return Ok(Vec::new());
        }
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::phone_blind_index.eq_any(blind_indexes))
            .select(Self::as_select())
            .load(conn)
    }

    /// The customer whose phone has one of these blind indexes (one per key of the ring).
    pub fn find_by_phone(
        conn: &mut DbConn,
        org_id: &str,
        blind_indexes: &[String],
    ) -> QueryResult<Option<Self>> {
        customers::table
            .filter(customers::org_id.eq(org_id))
            .filter(customers::phone_blind_index.eq_any(blind_indexes))
            .select(Self::as_select())
            .get_result(conn)
            .optional()
    }

    /// Customers other than `except` with this email (ignoring case) or in this city, at most
    /// `limit`: the candidates duplicate detection compares beyond exact lookups.
    pub fn same_email_or_city(
        conn: &mut DbConn,
        org_id: &str,
        email: Option<&str>,
        city: Option<&str>,
        except: &str,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut out = Vec::new();
        if let Some(email) = email {
            out.extend(
                customers::table
                    .filter(customers::org_id.eq(org_id))
                    .filter(customers::email.eq(email))
                    .filter(customers::id.ne(except))
                    .select(Self::as_select())
                    .limit(limit)
                    .load(conn)?,
            );
        }
        if let Some(city) = city {
            // `上海` and `上海市` are one city.
            let base = city.trim().trim_end_matches('市');
            let forms = [base.to_owned(), format!("{base}市")];
            out.extend(
                customers::table
                    .filter(customers::org_id.eq(org_id))
                    .filter(customers::city.eq_any(forms))
                    .filter(customers::id.ne(except))
                    .order(customers::id.desc())
                    .select(Self::as_select())
                    .limit(limit)
                    .load(conn)?,
            );
        }
        Ok(out)
    }

    /// The next customers of every organisation after `after` (by id), for maintenance
    /// that walks them all (key rotation), resumable from the last id seen.
    pub fn page_all(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<Self>> {
        let mut query = customers::table
            .select(Self::as_select())
            .order(customers::id.asc())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(customers::id.gt(after.to_owned()));
        }
        query.load(conn)
    }

    /// Writes this row's ciphertexts and phone index alone (key rotation: the version and
    /// the rest of the row stay as they are).
    pub fn rewrite_ciphertexts(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::update(customers::table.filter(customers::id.eq(&self.id)))
            .set((
                customers::phone_ciphertext.eq(&self.phone_ciphertext),
                customers::phone_blind_index.eq(&self.phone_blind_index),
                customers::personal_ciphertext.eq(&self.personal_ciphertext),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn count_in_org(conn: &mut DbConn, org_id: &str) -> QueryResult<i64> {
        customers::table
            .filter(customers::org_id.eq(org_id))
            .count()
            .get_result(conn)
    }

    /// What a data scope looks at on this row.
    pub fn facts(&self) -> CustomerFacts<'_> {
        CustomerFacts {
            id: &self.id,
            store_id: self.store_id.as_deref(),
            owner_id: self.owner_id.as_deref(),
            marketing_consent: self.marketing_consent,
        }
    }

    /// The keyset position of this row under `sort`, for the next page's cursor.
    pub fn keyset(&self, sort: CustomerSort) -> KeysetAfter {
        let key = match sort {
            CustomerSort::CreatedAsc | CustomerSort::CreatedDesc => String::new(),
            CustomerSort::NameAsc | CustomerSort::NameDesc => self.name.clone(),
            CustomerSort::UpdatedAsc | CustomerSort::UpdatedDesc => {
                self.updated_at.format(TIMESTAMP_KEY).to_string()
            }
        };
        KeysetAfter {
            key,
            id: self.id.clone(),
        }
    }

    /// One page of customers. An `after` whose key does not parse for the sort
    /// yields `Ok(None)`, so the API can answer 400 for a forged cursor.
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        filter: &CustomerFilter,
    ) -> QueryResult<Option<Vec<Self>>> {
        use customers::dsl as c;
        let query = c::customers
            .filter(c::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        let Some(mut query) = restrict_to(query, &filter.scope) else {
            return Ok(Some(Vec::new()));
        };
        if let Some(owner) = &filter.owner_id {
            query = query.filter(c::owner_id.eq(owner.clone()));
        }
        if let Some(store) = &filter.store_id {
            query = query.filter(c::store_id.eq(store.clone()));
        }
        match &filter.status {
            Some(status) => query = query.filter(c::status.eq(status.clone())),
            // Every status but merge sources, which live on in their survivor.
            None => query = query.filter(c::status.ne("merged")),
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(c::kind.eq(kind.clone()));
        }
        if let Some(stage) = &filter.lifecycle_stage {
            query = query.filter(c::lifecycle_stage.eq(stage.clone()));
        }
        if let Some(source) = &filter.source_channel {
            query = query.filter(c::source_channel.eq(source.clone()));
        }
        if let Some(city) = &filter.city {
            query = query.filter(c::city.eq(city.clone()));
        }
        // Case-insensitive on both backends: SQLite's LIKE ignores ASCII case, PostgreSQL's
        // does not, so both sides are folded with lower() (ASCII on SQLite, Unicode on PG).
        let indexes = &filter.phone_blind_indexes;
        match &filter.text {
            Some(text) => {
                let pattern = crate::db::like_pattern(text);
                // A plate or VIN: the owners' ids first (one index lookup), as for phones.
                let owners = if filter.vehicle_plate.is_some() || filter.vehicle_vin.is_some() {
                    super::garage::OwnedVehicle::owners(
                        conn,
                        org_id,
                        filter.vehicle_plate.as_deref(),
                        filter.vehicle_vin.as_deref(),
                    )?
                } else {
                    Vec::new()
                };
                let others = lower_nullable(c::email)
                    .like(lower_nullable(pattern.clone()))
                    .escape('\\')
                    .or(c::phone_blind_index.eq_any(indexes.clone()))
                    .or(c::id.eq_any(owners));
                query = if text
                    .chars()
                    .any(|ch| ch.is_lowercase() || ch.is_uppercase())
                {
                    query.filter(lower(c::name).like(lower(pattern)).escape('\\').or(others))
                } else {
                    // Nothing to fold (Chinese, digits): the name as stored matches the same
                    // rows, costs less per row, and PostgreSQL's trigram index on it serves.
                    query.filter(c::name.like(pattern).escape('\\').or(others))
                };
            }
            None if !indexes.is_empty() => {
                // Any phone: the primary one's own column, or the lookups of every phone.
                // The ids are read first (two index lookups), so that the list itself is a
                // plain `id IN (...)` whatever the table's size.
                let mut ids = lookup_ids(conn, org_id, "phone", indexes)?;
                ids.extend(
                    c::customers
                        .filter(c::org_id.eq(org_id))
                        .filter(c::phone_blind_index.eq_any(indexes))
                        .select(c::id)
                        .load::<String>(conn)?,
                );
                query = query.filter(c::id.eq_any(ids));
            }
            None => {}
        }
        if !filter.last4_indexes.is_empty() {
            let ids = lookup_ids(conn, org_id, "phone_last4", &filter.last4_indexes)?;
            query = query.filter(c::id.eq_any(ids));
        }
        if let Some(from) = filter.created_from {
            query = query.filter(c::created_at.ge(from));
        }
        if let Some(to) = filter.created_to {
            query = query.filter(c::created_at.lt(to));
        }
        // Last activity: EXISTS on the activities of the row's customer (index on
        // customer_id, occurred_at).
        if let Some(from) = filter.last_activity_from {
            query = query.filter(diesel::dsl::exists(
                customer_activities::table
                    .filter(customer_activities::customer_id.eq(c::id))
                    .filter(customer_activities::occurred_at.ge(from)),
            ));
        }
        if let Some(to) = filter.last_activity_to {
            query = query
                .filter(diesel::dsl::exists(
                    customer_activities::table.filter(customer_activities::customer_id.eq(c::id)),
                ))
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    customer_activities::table
                        .filter(customer_activities::customer_id.eq(c::id))
                        .filter(customer_activities::occurred_at.ge(to)),
                )));
        }
        if let Some(consent) = filter.marketing_consent {
            query = query.filter(c::marketing_consent.eq(consent));
        }
        if let Some(tag) = &filter.tag {
            query = query.filter(super::tag::tagged(org_id, tag.trim()));
        }

        // Ids are UUIDv7, so id order is creation order and the tie-breaker for the rest.
        let after = filter.after.clone();
        query = match filter.sort {
            CustomerSort::CreatedAsc => {
                if let Some(a) = after {
                    query = query.filter(c::id.gt(a.id));
                }
                query.order(c::id.asc())
            }
            CustomerSort::CreatedDesc => {
                if let Some(a) = after {
                    query = query.filter(c::id.lt(a.id));
                }
                query.order(c::id.desc())
            }
            CustomerSort::NameAsc => {
                if let Some(a) = after {
                    query = query.filter(
                        c::name
                            .gt(a.key.clone())
                            .or(c::name.eq(a.key).and(c::id.gt(a.id))),
                    );
                }
                query.order((c::name.asc(), c::id.asc()))
            }
            CustomerSort::NameDesc => {
                if let Some(a) = after {
                    query = query.filter(
                        c::name
                            .lt(a.key.clone())
                            .or(c::name.eq(a.key).and(c::id.lt(a.id))),
                    );
                }
                query.order((c::name.desc(), c::id.desc()))
            }
            CustomerSort::UpdatedAsc | CustomerSort::UpdatedDesc => {
                if let Some(a) = after {
                    let Ok(at) = chrono::NaiveDateTime::parse_from_str(&a.key, TIMESTAMP_KEY)
                    else {
                        return Ok(None);
                    };
                    query = if filter.sort == CustomerSort::UpdatedAsc {
                        query.filter(
                            c::updated_at
                                .gt(at)
                                .or(c::updated_at.eq(at).and(c::id.gt(a.id))),
                        )
                    } else {
                        query.filter(
                            c::updated_at
                                .lt(at)
                                .or(c::updated_at.eq(at).and(c::id.lt(a.id))),
                        )
                    };
                }
                if filter.sort == CustomerSort::UpdatedAsc {
                    query.order((c::updated_at.asc(), c::id.asc()))
                } else {
                    query.order((c::updated_at.desc(), c::id.desc()))
                }
            }
        };
        if filter.text.is_some() && matches!(conn, DbConn::Postgres(_)) {
            // How to find a text depends on the text: a rare one through the trigram
            // indexes, a common one by walking the customers in order. A cached generic
            // plan would pick one way for all (after five short texts, the walk, which reads
            // a million rows for a rare name), and a parallel walk costs more than it saves
            // here; so this statement is planned for its own text, in one process.
            return conn.transaction(|conn| {
                conn.batch_execute(
                    "SET LOCAL plan_cache_mode = force_custom_plan; \
                     SET LOCAL max_parallel_workers_per_gather = 0",
                )?;
                crate::db::first_rows(conn, query, filter.limit).map(Some)
            });
        }
        crate::db::first_rows(conn, query, filter.limit).map(Some)
    }
}

/// The customers whose lookups of `kind` have one of these indexes.
fn lookup_ids(
    conn: &mut DbConn,
    org_id: &str,
    kind: &str,
    indexes: &[String],
) -> QueryResult<Vec<String>> {
    customer_lookups::table
        .filter(customer_lookups::org_id.eq(org_id))
        .filter(customer_lookups::kind.eq(kind))
        .filter(customer_lookups::blind_index.eq_any(indexes))
        .select(customer_lookups::customer_id)
        .distinct()
        .load(conn)
}

/// Narrows a query of customers to a data scope: the SQL side of `CustomerScope::admits`.
/// `None` when the scope admits nothing.
pub(crate) fn restrict_to<'a, ST: 'a>(
    query: customers::BoxedQuery<'a, Db, ST>,
    scope: &CustomerScope,
) -> Option<customers::BoxedQuery<'a, Db, ST>> {
    Some(match scope {
        CustomerScope::All => query,
        CustomerScope::Store(store) => query.filter(customers::store_id.eq(store.clone())),
        CustomerScope::Owner(owner) => query.filter(customers::owner_id.eq(owner.clone())),
        CustomerScope::MarketingConsent => query.filter(customers::marketing_consent.eq(true)),
        CustomerScope::Itself(id) => query.filter(customers::id.eq(id.clone())),
        CustomerScope::Nothing => return None,
    })
}
