//! Repository tests on the backend that `AUTOCRM_TEST_BACKEND` selects (SQLite by default;
//! `postgres` with `AUTOCRM_TEST_POSTGRES_URL`), each on its own fresh database.

use autocrm_domain::access::CustomerScope;
use autocrm_domain::time::{Clock, SystemClock};
use autocrm_persistence::db::{self, DbPool, PoolOptions, PooledConn, new_id, open_pool};
use autocrm_persistence::models::{
    AuditEntry, Customer, CustomerFilter, CustomerSort, KeysetAfter, Organization, OutboxEvent,
    RefreshToken, TenantRecord, User, Versioned,
};
use autocrm_persistence::test_db::TestDatabase;
use autocrm_persistence::{DbConn, DbError};
use chrono::{NaiveDateTime, TimeDelta};

fn now() -> NaiveDateTime {
    SystemClock.now().naive_utc()
}

/// Fields drop in order: connection, pool, then the database itself.
struct Fixture {
    conn: PooledConn,
    pool: DbPool,
    _db: TestDatabase,
}

impl Fixture {
    fn new() -> Self {
        let db = TestDatabase::create();
        let pool = open_pool(
            &db.url,
            &PoolOptions {
                max_size: 3,
                ..PoolOptions::default()
            },
        )
        .expect("open the test database");
        let conn = pool.get().expect("a connection");
        Fixture {
            conn,
            pool,
            _db: db,
        }
    }

    fn conn(&mut self) -> &mut DbConn {
        &mut self.conn
    }

    /// A second connection, to see what is committed.
    fn other(&self) -> PooledConn {
        self.pool.get().expect("a second connection")
    }

    fn org(&mut self, name: &str) -> String {
        let org = Organization::new(name, now());
        org.insert(self.conn()).expect("insert organisation");
        org.id
    }
}

fn customer(org_id: &str, name: &str) -> Customer {
    let at = now();
    Customer {
        id: new_id(),
        org_id: org_id.to_owned(),
        store_id: None,
        owner_id: None,
        kind: "individual".into(),
        name: name.to_owned(),
        phone_ciphertext: None,
        phone_blind_index: None,
        phone_masked: None,
        email: None,
        city: None,
        source_channel: None,
        notes: None,
        marketing_consent: false,
        status: "active".into(),
        version: 1,
        created_at: at,
        updated_at: at,
        archived_at: None,
        needs: None,
        gender: None,
        birthday: None,
        personal_ciphertext: None,
        personal_masked: None,
        region: None,
        source_detail: None,
        referrer_id: None,
        lifecycle_stage: "prospect".into(),
        custom_attributes: None,
        business: None,
    }
}

fn user(org_id: &str, email: &str) -> User {
    User::new(
        org_id,
        None,
        "测试".into(),
        email.to_owned(),
        None,
        "sales_consultant",
        "$argon2id$not-a-real-hash".into(),
        now(),
    )
}

fn filter(sort: CustomerSort, limit: i64) -> CustomerFilter {
    CustomerFilter::new(CustomerScope::All, sort, limit)
}

/// Debug text compares every field, timestamps included.
fn same(a: &Customer, b: &Customer) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

#[test]
fn a_customer_round_trips_and_saves_only_at_its_version() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let other_org = f.org("Other");
    let mut c = customer(&org, "张伟");
    c.phone_ciphertext = Some("ciphertext".into());
    c.phone_blind_index = Some("blind-1".into());
    c.phone_masked = Some("138****5678".into());
    c.email = Some("zhang.wei@example.com".into());
    c.notes = Some("想要 SUV".into());
    c.archived_at = Some(now());
    c.insert(f.conn()).unwrap();

    let found = Customer::find(f.conn(), &org, &c.id).unwrap().unwrap();
    assert!(same(&found, &c), "{found:?} != {c:?}");
    assert!(
        Customer::find(f.conn(), &other_org, &c.id)
            .unwrap()
            .is_none()
    );
    assert!(Customer::find(f.conn(), &org, &new_id()).unwrap().is_none());
    let by_phone = Customer::find_by_phone(f.conn(), &org, &["blind-1".to_owned()]).unwrap();
    assert_eq!(by_phone.map(|x| x.id), Some(c.id.clone()));
    assert!(
        Customer::find_by_phone(f.conn(), &other_org, &["blind-1".to_owned()])
            .unwrap()
            .is_none()
    );
    assert_eq!(Customer::count_in_org(f.conn(), &org).unwrap(), 1);
    assert_eq!(Customer::count_in_org(f.conn(), &other_org).unwrap(), 0);

    // Save at the right version: stored, and the version moves on.
    let mut changed = found.clone();
    changed.name = "张伟（VIP）".into();
    changed.notes = None; // None is written as NULL, not skipped.
    changed.updated_at = now();
    assert!(changed.save(f.conn(), 1).unwrap());
    assert_eq!(changed.version, 2);
    let stored = Customer::find(f.conn(), &org, &c.id).unwrap().unwrap();
    assert!(same(&stored, &changed), "{stored:?} != {changed:?}");
    assert_eq!(stored.notes, None);

    // A stale writer still at version 1 changes nothing.
    let mut stale = found.clone();
    stale.name = "覆盖".into();
    assert!(!stale.save(f.conn(), 1).unwrap());
    let stored = Customer::find(f.conn(), &org, &c.id).unwrap().unwrap();
    assert_eq!(stored.name, "张伟（VIP）");
    assert_eq!(stored.version, 2);
    // Nor may another organisation's id save it.
    let mut foreign = stored.clone();
    foreign.org_id = other_org.clone();
    assert!(!foreign.save(f.conn(), 2).unwrap());
    // The current version works again.
    let mut next = stored.clone();
    next.city = Some("上海".into());
    assert!(next.save(f.conn(), 2).unwrap());
    let stored = Customer::find(f.conn(), &org, &c.id).unwrap().unwrap();
    assert_eq!((stored.version, stored.city.as_deref()), (3, Some("上海")));
}

/// Walks every page of `sort` with `limit` rows each, through the keyset of the last row.
fn all_pages(
    conn: &mut DbConn,
    org: &str,
    base: &CustomerFilter,
    sort: CustomerSort,
    limit: i64,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<KeysetAfter> = None;
    for _ in 0..100 {
        let page = Customer::list(
            conn,
            org,
            &CustomerFilter {
                sort,
                limit,
                after: after.clone(),
                ..base.clone()
            },
        )
        .unwrap()
        .expect("a valid keyset");
        assert!(page.len() as i64 <= limit);
        seen.extend(page.iter().map(|c| c.id.clone()));
        match page.last() {
            Some(last) if page.len() as i64 == limit => after = Some(last.keyset(sort)),
            _ => return seen,
        }
    }
    panic!("pagination does not end");
}

#[test]
fn customer_pages_follow_their_sort_order_without_gaps_or_repeats() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let other = f.org("Other");
    // Lower-case ASCII names sort alike under every collation; "li" three times tests the
    // id tie-breaker.
    let names = ["li", "wang", "li", "chen", "zhao", "li", "an", "sun"];
    let base = now();
    let mut rows = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut c = customer(&org, name);
        // Updated times with ties, in an order unrelated to creation.
        c.updated_at = base + TimeDelta::seconds([3, 1, 2, 1, 3, 0, 2, 1][i]);
        if i == 4 {
            c.status = "archived".into();
        }
        c.insert(f.conn()).unwrap();
        rows.push(c);
        customer(&other, name).insert(f.conn()).unwrap();
    }
    // The order each sort promises, computed here: (key, id), ascending or descending.
    let by = |key: fn(&Customer) -> (String, String), desc: bool| {
        let mut v: Vec<&Customer> = rows.iter().collect();
        v.sort_by_key(|c| key(c));
        if desc {
            v.reverse();
        }
        v.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    let created = |c: &Customer| (String::new(), c.id.clone());
    let name = |c: &Customer| (c.name.clone(), c.id.clone());
    let updated = |c: &Customer| {
        let micros = c.updated_at.and_utc().timestamp_micros();
        (format!("{micros:020}"), c.id.clone())
    };
    let expected = [
        (CustomerSort::CreatedAsc, by(created, false)),
        (CustomerSort::CreatedDesc, by(created, true)),
        (CustomerSort::NameAsc, by(name, false)),
        (CustomerSort::NameDesc, by(name, true)),
        (CustomerSort::UpdatedAsc, by(updated, false)),
        (CustomerSort::UpdatedDesc, by(updated, true)),
    ];
    // Ids are time-ordered: creation order is id order.
    assert_eq!(
        expected[0].1,
        rows.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    );
    let everything = filter(CustomerSort::default(), 50);
    for (sort, want) in &expected {
        for limit in [1, 2, 3, 8, 50] {
            let got = all_pages(f.conn(), &org, &everything, *sort, limit);
            assert_eq!(&got, want, "{sort:?} in pages of {limit}");
        }
    }
    // Filters hold across pages.
    let active = CustomerFilter {
        status: Some("active".into()),
        ..filter(CustomerSort::default(), 50)
    };
    let got = all_pages(f.conn(), &org, &active, CustomerSort::NameAsc, 2);
    let want: Vec<String> = expected[2]
        .1
        .iter()
        .filter(|id| **id != rows[4].id)
        .cloned()
        .collect();
    assert_eq!(got, want);

    // A forged keyset for a time sort is refused, not an error.
    let forged = CustomerFilter {
        after: Some(KeysetAfter {
            key: "yesterday".into(),
            id: rows[0].id.clone(),
        }),
        ..filter(CustomerSort::UpdatedDesc, 10)
    };
    assert!(Customer::list(f.conn(), &org, &forged).unwrap().is_none());
    // The keyset of a time sort round-trips at microsecond precision.
    let key = rows[1].keyset(CustomerSort::UpdatedAsc).key;
    assert_eq!(
        NaiveDateTime::parse_from_str(&key, "%Y-%m-%dT%H:%M:%S%.6f").unwrap(),
        rows[1].updated_at
    );
}

#[test]
fn text_search_treats_like_wildcards_as_plain_characters() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    for (name, email) in [
        ("100% 满意", None),
        ("100 分满意", None),
        ("a_b", None),
        ("axb", None),
        ("c\\d", None),
        ("cxd", None),
        ("王芳", Some("fang_w@example.com")),
        ("李娜", Some("fangxw@example.com")),
        ("Zhang Wei", Some("Wei.Zhang@Example.COM")),
        ("ZHANG_LI", None),
    ] {
        let mut c = customer(&org, name);
        c.email = email.map(str::to_owned);
        c.insert(f.conn()).unwrap();
    }
    let mut search = |text: &str| -> Vec<String> {
        let filter = CustomerFilter {
            text: Some(text.to_owned()),
            ..filter(CustomerSort::NameAsc, 50)
        };
        let mut found: Vec<String> = Customer::list(f.conn(), &org, &filter)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        found.sort();
        found
    };
    assert_eq!(search("100%"), ["100% 满意"]);
    assert_eq!(search("%"), ["100% 满意"]);
    assert_eq!(search("a_b"), ["a_b"]);
    assert_eq!(
        search("_"),
        ["ZHANG_LI", "a_b", "王芳"],
        "王芳 by her email fang_w@"
    );
    assert_eq!(search("c\\d"), ["c\\d"]);
    assert_eq!(search("\\"), ["c\\d"]);
    assert_eq!(search("fang_"), ["王芳"], "the email is searched too");
    assert_eq!(search("满意"), ["100 分满意", "100% 满意"]);
    assert_eq!(search("xd"), ["cxd"]);
    assert!(search("%%").is_empty());
    // Case is ignored alike on both backends (SQLite's LIKE ignores it, PostgreSQL's does not).
    assert_eq!(search("zhang"), ["ZHANG_LI", "Zhang Wei"]);
    assert_eq!(search("ZHANG WEI"), ["Zhang Wei"]);
    assert_eq!(search("example.com"), ["Zhang Wei", "李娜", "王芳"]);
    assert_eq!(search("g_l"), ["ZHANG_LI"]);
    assert_eq!(search("A_B"), ["a_b"]);
    assert!(search("nobody").is_empty());
}

#[test]
fn unique_violations_are_recognised_and_other_errors_are_not() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let other = f.org("Other");

    let mut first = customer(&org, "甲");
    first.phone_blind_index = Some("same-phone".into());
    first.insert(f.conn()).unwrap();
    let mut second = customer(&org, "乙");
    second.phone_blind_index = Some("same-phone".into());
    let err = second.insert(f.conn()).unwrap_err();
    assert!(db::is_unique_violation(&err), "{err:?}");
    // The same phone in another organisation is fine, and so are many customers without one.
    second.org_id = other.clone();
    second.insert(f.conn()).unwrap();
    customer(&org, "丙").insert(f.conn()).unwrap();
    customer(&org, "丁").insert(f.conn()).unwrap();
    // A duplicate primary key.
    let err = first.insert(f.conn()).unwrap_err();
    assert!(db::is_unique_violation(&err), "{err:?}");
    // A duplicate organisation name.
    let err = Organization::new("Acme", now())
        .insert(f.conn())
        .unwrap_err();
    assert!(db::is_unique_violation(&err), "{err:?}");

    // A missing organisation is a foreign-key violation, not a duplicate.
    let err = customer(&new_id(), "无主").insert(f.conn()).unwrap_err();
    assert!(!db::is_unique_violation(&err), "{err:?}");
    assert!(
        matches!(
            err,
            DbError::DatabaseError(
                autocrm_persistence::DatabaseErrorKind::ForeignKeyViolation,
                _
            )
        ),
        "{err:?}"
    );
    assert!(!db::is_unique_violation(&DbError::NotFound));
    assert_eq!(Customer::count_in_org(f.conn(), &org).unwrap(), 3);
}

#[derive(Debug)]
enum TxError {
    Db(DbError),
    Refused,
}

impl From<DbError> for TxError {
    fn from(e: DbError) -> Self {
        TxError::Db(e)
    }
}

#[test]
fn write_tx_commits_everything_or_nothing() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let mut other = f.other();

    // Success: both rows, visible to other connections once committed, not before.
    let (a, b) = (customer(&org, "甲"), customer(&org, "乙"));
    db::write_tx(f.conn(), |conn| -> Result<(), TxError> {
        a.insert(conn)?;
        b.insert(conn)?;
        assert!(
            Customer::find(&mut other, &org, &a.id).unwrap().is_none(),
            "uncommitted rows are invisible to other connections"
        );
        Ok(())
    })
    .unwrap();
    assert!(Customer::find(&mut other, &org, &a.id).unwrap().is_some());
    assert!(Customer::find(&mut other, &org, &b.id).unwrap().is_some());

    // The closure refuses after a write: the write is gone.
    let c = customer(&org, "丙");
    let result = db::write_tx(f.conn(), |conn| -> Result<(), TxError> {
        c.insert(conn)?;
        Err(TxError::Refused)
    });
    assert!(matches!(result, Err(TxError::Refused)));
    assert!(Customer::find(f.conn(), &org, &c.id).unwrap().is_none());
    assert!(Customer::find(&mut other, &org, &c.id).unwrap().is_none());

    // A database error halfway (a duplicate) undoes the first half, and reports the error.
    let d = customer(&org, "丁");
    let result = db::write_tx(f.conn(), |conn| -> Result<(), TxError> {
        d.insert(conn)?;
        a.insert(conn)?; // already there
        Ok(())
    });
    match result {
        Err(TxError::Db(e)) => assert!(db::is_unique_violation(&e), "{e:?}"),
        other => panic!("expected the unique violation, got {other:?}"),
    }
    assert!(Customer::find(f.conn(), &org, &d.id).unwrap().is_none());

    // An update and an event together, rolled back together.
    let mut renamed = Customer::find(f.conn(), &org, &a.id).unwrap().unwrap();
    let result = db::write_tx(f.conn(), |conn| -> Result<(), TxError> {
        renamed.name = "改名".into();
        assert!(renamed.save(conn, 1)?);
        event(&org, &a.id, "customer.updated").insert(conn)?;
        Err(TxError::Refused)
    });
    assert!(result.is_err());
    let stored = Customer::find(f.conn(), &org, &a.id).unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.version), ("甲", 1));
    assert!(
        OutboxEvent::list_for_aggregate(f.conn(), &org, &a.id)
            .unwrap()
            .is_empty()
    );

    // The connection is clean afterwards: the next transaction commits normally.
    db::write_tx(f.conn(), |conn| -> Result<(), TxError> {
        d.insert(conn)?;
        Ok(())
    })
    .unwrap();
    assert!(Customer::find(&mut other, &org, &d.id).unwrap().is_some());
    assert_eq!(Customer::count_in_org(&mut other, &org).unwrap(), 3);
}

fn event(org: &str, aggregate_id: &str, event_type: &str) -> OutboxEvent {
    OutboxEvent {
        id: new_id(),
        org_id: org.to_owned(),
        event_type: event_type.to_owned(),
        aggregate_type: "customer".into(),
        aggregate_id: aggregate_id.to_owned(),
        payload: "{}".into(),
        created_at: now(),
        published_at: None,
        feed_position: None,
    }
}

#[test]
fn outbox_and_audit_read_back_per_aggregate_in_order() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let other = f.org("Other");
    let target = new_id();
    let kinds = ["customer.created", "customer.updated", "customer.archived"];
    for kind in kinds {
        event(&org, &target, kind).insert(f.conn()).unwrap();
        event(&org, &new_id(), kind).insert(f.conn()).unwrap();
        event(&other, &target, kind).insert(f.conn()).unwrap();
        AuditEntry {
            id: new_id(),
            org_id: org.clone(),
            actor_id: None,
            actor_role: "system".into(),
            action: kind.into(),
            entity_type: "customer".into(),
            entity_id: Some(target.clone()),
            detail: "{}".into(),
            request_id: None,
            idempotency_key: None,
            created_at: now(),
        }
        .insert(f.conn())
        .unwrap();
    }
    let events = OutboxEvent::list_for_aggregate(f.conn(), &org, &target).unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, kinds);
    assert!(events.iter().all(|e| e.org_id == org));
    let audit = AuditEntry::list_for_entity(f.conn(), &org, "customer", &target).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, kinds);
    assert!(
        AuditEntry::list_for_entity(f.conn(), &org, "user", &target)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_refresh_token_is_marked_used_only_once() {
    let mut f = Fixture::new();
    let org = f.org("Acme");
    let u = user(&org, "li.na@acme.test");
    u.insert(f.conn()).unwrap();
    let family = new_id();
    let token = |hash: &str| RefreshToken {
        id: new_id(),
        org_id: org.clone(),
        user_id: u.id.clone(),
        family_id: family.clone(),
        token_hash: hash.to_owned(),
        expires_at: now() + TimeDelta::days(30),
        used_at: None,
        revoked_at: None,
        created_at: now(),
    };
    let first = token("hash-1");
    first.insert(f.conn()).unwrap();
    let err = token("hash-1").insert(f.conn()).unwrap_err();
    assert!(db::is_unique_violation(&err), "token hashes are unique");

    let at = now();
    assert!(RefreshToken::mark_used(f.conn(), &first.id, at).unwrap());
    assert!(
        !RefreshToken::mark_used(f.conn(), &first.id, now()).unwrap(),
        "a second use must be detected"
    );
    let stored = RefreshToken::find_by_hash(f.conn(), "hash-1")
        .unwrap()
        .unwrap();
    assert_eq!(stored.used_at, Some(at), "the first use's time stays");
    assert!(!RefreshToken::mark_used(f.conn(), &new_id(), now()).unwrap());
    assert!(
        RefreshToken::find_by_hash(f.conn(), "no-such-hash")
            .unwrap()
            .is_none()
    );

    // Two connections using the same token: only the first succeeds.
    let second = token("hash-2");
    second.insert(f.conn()).unwrap();
    let mut other = f.other();
    let wins = [
        RefreshToken::mark_used(f.conn(), &second.id, now()).unwrap(),
        RefreshToken::mark_used(&mut other, &second.id, now()).unwrap(),
    ];
    assert_eq!(wins, [true, false]);

    // Revoking the family revokes each live token once.
    assert_eq!(
        RefreshToken::revoke_family(f.conn(), &family, now()).unwrap(),
        2
    );
    assert_eq!(
        RefreshToken::revoke_family(f.conn(), &family, now()).unwrap(),
        0
    );
    let third = token("hash-3");
    third.insert(f.conn()).unwrap();
    assert_eq!(
        RefreshToken::revoke_user(f.conn(), &u.id, now()).unwrap(),
        1
    );
    assert!(
        RefreshToken::find_by_hash(f.conn(), "hash-3")
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
}
