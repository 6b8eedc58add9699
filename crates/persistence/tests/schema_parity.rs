//! Both migration sets must yield the schema that `schema.rs` describes (DESIGN.md §3).
//!
//! Always: `schema.rs` against a migrated SQLite database (tables, columns, nullability, type
//! family), and SQLite's own keys and indexes. With `AUTOCRM_TEST_POSTGRES_URL` set, also
//! `schema.rs` against PostgreSQL and SQLite against PostgreSQL, including primary keys, unique
//! constraints, indexes and foreign keys. Only PostgreSQL's B-tree indexes on plain columns are
//! compared: its GIN and expression indexes (trigram indexes for name search) have no SQLite
//! counterpart.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_persistence::db::{DbConn, PoolOptions, open_pool};
use autocrm_persistence::schema;
use autocrm_persistence::test_db::TestDatabase;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

/// A column as far as both backends can agree on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ColumnShape {
    /// text, int32, int64, bool or timestamp; anything else is reported as `other:<type>`.
    family: String,
    nullable: bool,
}

/// (columns in key order, unique, primary key).
type IndexShape = (Vec<String>, bool, bool);
/// (column, referenced table, referenced column).
type ForeignKey = (String, String, String);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct TableShape {
    columns: BTreeMap<String, ColumnShape>,
    indexes: BTreeSet<IndexShape>,
    foreign_keys: BTreeSet<ForeignKey>,
}

type DbShape = BTreeMap<String, TableShape>;

// ---- schema.rs, read through diesel's own types -------------------------------------------

trait Family {
    const FAMILY: &'static str;
    const NULLABLE: bool = false;
}
impl Family for Text {
    const FAMILY: &'static str = "text";
}
impl Family for Integer {
    const FAMILY: &'static str = "int32";
}
impl Family for BigInt {
    const FAMILY: &'static str = "int64";
}
impl Family for Bool {
    const FAMILY: &'static str = "bool";
}
impl Family for Timestamp {
    const FAMILY: &'static str = "timestamp";
}
impl<T: Family> Family for Nullable<T> {
    const FAMILY: &'static str = T::FAMILY;
    const NULLABLE: bool = true;
}

/// Implemented for the `all_columns` tuple of every table.
trait Columns {
    fn describe(out: &mut BTreeMap<String, ColumnShape>);
}

macro_rules! columns_for_tuples {
    ($($c:ident)+) => {
        impl<$($c),+> Columns for ($($c,)+)
        where
            $($c: diesel::Column, <$c as Expression>::SqlType: Family,)+
        {
            fn describe(out: &mut BTreeMap<String, ColumnShape>) {
                $(
                    out.insert(
                        <$c as diesel::Column>::NAME.to_owned(),
                        ColumnShape {
                            family: <<$c as Expression>::SqlType as Family>::FAMILY.to_owned(),
                            nullable: <<$c as Expression>::SqlType as Family>::NULLABLE,
                        },
                    );
                )+
            }
        }
    };
}
macro_rules! all_tuples {
    ($first:ident $($rest:ident)*) => {
        columns_for_tuples!($first $($rest)*);
        all_tuples!($($rest)*);
    };
    () => {};
}
all_tuples!(C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11 C12 C13 C14 C15 C16 C17 C18 C19 C20 C21 C22 C23 C24 C25 C26 C27 C28 C29 C30 C31 C32);

fn columns_of<T>() -> BTreeMap<String, ColumnShape>
where
    T: diesel::Table,
    T::AllColumns: Columns,
{
    let mut out = BTreeMap::new();
    T::AllColumns::describe(&mut out);
    out
}

/// Every table of `schema.rs`, by name. A table added there must be added here too: the
/// comparison with the databases fails otherwise.
fn schema_rs() -> BTreeMap<String, BTreeMap<String, ColumnShape>> {
    macro_rules! tables {
        ($($t:ident),+ $(,)?) => {
            BTreeMap::from([$((stringify!($t).to_owned(), columns_of::<schema::$t::table>())),+])
        };
    }
    tables!(
        wechat_mini_programs,
        customer_sign_in_codes,
        organizations,
        stores,
        users,
        refresh_tokens,
        api_clients,
        customers,
        audit_log,
        outbox_events,
        idempotency_keys,
        finance_products,
        financing_applications,
        financing_application_events,
        jobs,
        attachments,
        webhook_subscriptions,
        deliveries,
        delivery_attempts,
        notifications,
        notification_counters,
        notification_preferences,
        notification_gateways,
        notification_stream_tickets,
        customer_activities,
        behavior_events,
        device_links,
        consent_records,
        customer_vehicles,
        vehicle_mileage_readings,
        tags,
        customer_tags,
        customer_dynamic_tags,
        customer_lookups,
        customer_contacts,
        customer_lifecycle_changes,
        customer_merges,
        customer_imports,
        vehicles,
        vehicle_costs,
        market_prices,
        customer_need_index,
        inspection_reports,
        inventory_alert_rules,
        inventory_alerts,
        vehicle_reservations,
        vehicle_transfers,
        vehicle_transfer_tracking,
        leads,
        lead_history,
        tasks,
        user_shifts,
        deals,
        deal_stage_changes,
        deal_documents,
        deal_collaborators,
        deal_comments,
        lost_requests,
        test_drives,
        test_drive_slots,
        calendar_feeds,
        task_escalations,
        quotes,
        handovers,
        lead_trigger_firings,
        showroom_visits,
        store_visit_invitations,
    )
}

// ---- what the databases say --------------------------------------------------------------

/// Backend type names to the families above.
fn family(declared: &str) -> String {
    let t = declared.trim().to_ascii_lowercase();
    match t.as_str() {
        "text" | "varchar" | "character varying" => "text",
        "integer" | "int" | "int4" => "int32",
        "bigint" | "int8" => "int64",
        "boolean" | "bool" => "bool",
        "timestamp" | "timestamp without time zone" => "timestamp",
        _ => return format!("other:{t}"),
    }
    .to_owned()
}

/// Diesel's own bookkeeping table is not part of the logical schema.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_column: String,
}

fn sqlite_shape(conn: &mut diesel::SqliteConnection) -> DbShape {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .load(conn)
    .expect("list SQLite tables");
    let mut shape = DbShape::new();
    for Name { name: table } in tables {
        if table == MIGRATIONS_TABLE {
            continue;
        }
        let mut t = TableShape::default();
        let columns: Vec<SqliteColumn> = diesel::sql_query(
            "SELECT name, type AS declared, \"notnull\" AS not_null FROM pragma_table_info(?)",
        )
        .bind::<Text, _>(&table)
        .load(conn)
        .expect("SQLite columns");
        for c in columns {
            t.columns.insert(
                c.name,
                ColumnShape {
                    family: family(&c.declared),
                    nullable: c.not_null == 0,
                },
            );
        }
        let indexes: Vec<SqliteIndex> = diesel::sql_query(
            "SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list(?)",
        )
        .bind::<Text, _>(&table)
        .load(conn)
        .expect("SQLite indexes");
        for index in indexes {
            let columns: Vec<Name> =
                diesel::sql_query("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind::<Text, _>(&index.name)
                    .load(conn)
                    .expect("SQLite index columns");
            t.indexes.insert((
                columns.into_iter().map(|c| c.name).collect(),
                index.is_unique != 0,
                index.origin == "pk",
            ));
        }
        let fks: Vec<SqliteForeignKey> = diesel::sql_query(
            "SELECT \"from\" AS column_name, \"table\" AS ref_table, \"to\" AS ref_column \
             FROM pragma_foreign_key_list(?)",
        )
        .bind::<Text, _>(&table)
        .load(conn)
        .expect("SQLite foreign keys");
        t.foreign_keys = fks
            .into_iter()
            .map(|f| (f.column_name, f.ref_table, f.ref_column))
            .collect();
        shape.insert(table, t);
    }
    shape
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    is_primary: bool,
}

#[derive(QueryableByName)]
struct PgForeignKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_column: String,
}

fn postgres_shape(conn: &mut diesel::PgConnection) -> DbShape {
    let mut shape = DbShape::new();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(conn)
    .expect("list PostgreSQL tables");
    for Name { name } in tables {
        if name != MIGRATIONS_TABLE {
            shape.insert(name, TableShape::default());
        }
    }
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(conn)
    .expect("PostgreSQL columns");
    for c in columns {
        if let Some(t) = shape.get_mut(&c.table_name) {
            t.columns.insert(
                c.column_name,
                ColumnShape {
                    family: family(&c.data_type),
                    nullable: c.is_nullable == "YES",
                },
            );
        }
    }
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, ix.indisunique AS is_unique, \
                ix.indisprimary AS is_primary, \
                array_to_string(ARRAY( \
                    SELECT a.attname::text \
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                    ORDER BY k.ord), ',') AS columns \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_am am ON am.oid = i.relam \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND am.amname = 'btree' \
           AND NOT (0 = ANY(ix.indkey::int2[]))",
    )
    .load(conn)
    .expect("PostgreSQL indexes");
    for index in indexes {
        if let Some(t) = shape.get_mut(&index.table_name) {
            t.indexes.insert((
                index.columns.split(',').map(str::to_owned).collect(),
                index.is_unique,
                index.is_primary,
            ));
        }
    }
    let fks: Vec<PgForeignKey> = diesel::sql_query(
        "SELECT cl.relname::text AS table_name, a.attname::text AS column_name, \
                rcl.relname::text AS ref_table, ra.attname::text AS ref_column \
         FROM pg_constraint c \
         JOIN pg_class cl ON cl.oid = c.conrelid \
         JOIN pg_class rcl ON rcl.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, ref_col) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.ref_col \
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .load(conn)
    .expect("PostgreSQL foreign keys");
    for f in fks {
        if let Some(t) = shape.get_mut(&f.table_name) {
            t.foreign_keys
                .insert((f.column_name, f.ref_table, f.ref_column));
        }
    }
    shape
}

fn shape_of(db: &TestDatabase) -> DbShape {
    let pool = open_pool(
        &db.url,
        &PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        },
    )
    .expect("open the test database");
    let mut conn = pool.get().expect("a connection");
    match &mut **conn {
        DbConn::Sqlite(c) => sqlite_shape(c),
        DbConn::Postgres(c) => postgres_shape(c),
    }
}

// ---- the comparisons -------------------------------------------------------------------

fn assert_matches_schema_rs(backend: &str, db: &DbShape) {
    let expected = schema_rs();
    let db_tables: BTreeSet<&String> = db.keys().collect();
    let rs_tables: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(
        db_tables, rs_tables,
        "{backend}: the migrated tables differ from schema.rs (left: database)"
    );
    for (table, columns) in &expected {
        assert_eq!(
            &db[table].columns, columns,
            "{backend}: columns of {table} differ from schema.rs (left: database)"
        );
    }
}

/// What every backend must have, whatever the other one says.
fn assert_keys_are_sound(backend: &str, db: &DbShape) {
    let rs = schema_rs();
    for (table, t) in db {
        let primary: Vec<&IndexShape> = t.indexes.iter().filter(|i| i.2).collect();
        assert_eq!(primary.len(), 1, "{backend}: {table} needs one primary key");
        for column in &primary[0].0 {
            assert!(
                !t.columns[column].nullable,
                "{backend}: primary key column {table}.{column} must be NOT NULL"
            );
        }
        for (column, ref_table, ref_column) in &t.foreign_keys {
            assert!(
                t.columns.contains_key(column),
                "{backend}: {table}.{column}"
            );
            assert!(
                rs.get(ref_table)
                    .is_some_and(|cols| cols.contains_key(ref_column)),
                "{backend}: {table}.{column} references {ref_table}.{ref_column}, unknown to schema.rs"
            );
        }
    }
    let fk = |table: &str, column: &str, ref_table: &str| {
        assert!(
            db[table]
                .foreign_keys
                .contains(&(column.into(), ref_table.into(), "id".into())),
            "{backend}: {table}.{column} must reference {ref_table}.id"
        );
    };
    fk("customers", "org_id", "organizations");
    fk("customers", "owner_id", "users");
    fk("financing_applications", "customer_id", "customers");
    fk(
        "financing_application_events",
        "application_id",
        "financing_applications",
    );
    // The indexes behind keyset pagination.
    let index = |table: &str, cols: &[&str]| {
        let cols: Vec<String> = cols.iter().map(|c| (*c).to_owned()).collect();
        assert!(
            db[table].indexes.iter().any(|(c, _, _)| *c == cols),
            "{backend}: {table} needs an index on {cols:?}"
        );
    };
    index("customers", &["org_id", "name", "id"]);
    index("customers", &["org_id", "owner_id", "id"]);
    index("audit_log", &["org_id", "entity_type", "entity_id"]);
    index("outbox_events", &["published_at", "id"]);
    // The uniqueness the code relies on (duplicate detection answers 409).
    let unique = |table: &str, cols: &[&str]| {
        let cols: Vec<String> = cols.iter().map(|c| (*c).to_owned()).collect();
        assert!(
            db[table].indexes.iter().any(|(c, u, _)| *u && *c == cols),
            "{backend}: {table} must be unique on {cols:?}"
        );
    };
    unique("organizations", &["name"]);
    unique("users", &["email"]);
    unique("users", &["phone"]);
    unique("stores", &["org_id", "name"]);
    unique("customers", &["org_id", "phone_blind_index"]);
    unique("refresh_tokens", &["token_hash"]);
    unique("api_clients", &["client_id"]);
    unique("finance_products", &["org_id", "name"]);
    unique(
        "idempotency_keys",
        &["org_id", "principal_id", "idempotency_key"],
    );
    unique("notifications", &["user_id", "position"]);
    unique("notification_gateways", &["org_id", "channel"]);
    unique("notification_stream_tickets", &["ticket_hash"]);
    unique("device_links", &["org_id", "device_id"]);
    unique("customer_vehicles", &["customer_id", "vin"]);
    unique("tags", &["org_id", "name"]);
    unique("customer_tags", &["customer_id", "tag_id"]);
    unique("customer_dynamic_tags", &["customer_id", "rule_id"]);
    unique("customer_merges", &["source_id"]);
    unique("inventory_alerts", &["rule_id", "open_subject"]);
    index("customer_activities", &["customer_id", "occurred_at", "id"]);
    index("behavior_events", &["customer_id", "occurred_at", "id"]);
    index("consent_records", &["customer_id", "given_at", "id"]);
}

fn postgres_configured() -> bool {
    std::env::var("AUTOCRM_TEST_POSTGRES_URL").is_ok_and(|u| !u.trim().is_empty())
}

#[test]
fn sqlite_migrations_yield_the_schema_rs_schema() {
    let db = TestDatabase::create_for(false);
    let shape = shape_of(&db);
    assert_matches_schema_rs("sqlite", &shape);
    assert_keys_are_sound("sqlite", &shape);
}

#[test]
fn postgres_migrations_yield_the_same_schema_as_sqlite() {
    if !postgres_configured() {
        eprintln!(
            "AUTOCRM_TEST_POSTGRES_URL is not set: only SQLite was checked against schema.rs"
        );
        return;
    }
    let sqlite = shape_of(&TestDatabase::create_for(false));
    let postgres = shape_of(&TestDatabase::create_for(true));
    assert_matches_schema_rs("postgres", &postgres);
    assert_keys_are_sound("postgres", &postgres);
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "table names (left: SQLite, right: PostgreSQL)"
    );
    for (table, s) in &sqlite {
        let p = &postgres[table];
        assert_eq!(
            s.columns, p.columns,
            "{table}: columns (left: SQLite, right: PostgreSQL)"
        );
        assert_eq!(
            s.indexes, p.indexes,
            "{table}: keys and indexes as (columns, unique, primary) (left: SQLite, right: PostgreSQL)"
        );
        assert_eq!(
            s.foreign_keys, p.foreign_keys,
            "{table}: foreign keys (left: SQLite, right: PostgreSQL)"
        );
    }
}

/// The comparison itself must be able to fail: a drifted column is caught.
#[test]
fn a_drifted_column_is_detected() {
    let db = TestDatabase::create_for(false);
    {
        let pool = open_pool(&db.url, &PoolOptions::default()).unwrap();
        let mut conn = pool.get().unwrap();
        use diesel::connection::SimpleConnection;
        conn.batch_execute("ALTER TABLE customers ADD COLUMN nickname TEXT")
            .unwrap();
    }
    let shape = shape_of(&db);
    let result = std::panic::catch_unwind(|| assert_matches_schema_rs("sqlite", &shape));
    assert!(result.is_err(), "an extra column must fail the comparison");
    assert_eq!(
        shape["customers"].columns["nickname"],
        ColumnShape {
            family: "text".into(),
            nullable: true
        }
    );
    assert_eq!(family("TIMESTAMPTZ"), "other:timestamptz");
}
