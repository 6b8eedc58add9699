//! One unit of work, many use cases: a use case that calls others inside one transaction
//! commits or rolls back all of them together, on SQLite and on PostgreSQL (set
//! `AUTOCRM_TEST_BACKEND=postgres`). On SQLite a nested `BEGIN IMMEDIATE` would have failed.

use std::sync::Arc;

use autocrm_api::app::{Actor, App, Ctx, RequestMeta, ServiceError, ServiceResult};
use autocrm_api::customers::service::{self, NewCustomer};
use autocrm_api::pii::PiiCipher;
use autocrm_api::startup::open_database;
use autocrm_domain::contact::Phone;
use autocrm_domain::customer::CustomerKind;
use autocrm_domain::time::{Clock, SystemClock};
use autocrm_persistence::models::{AuditEntry, Customer, Organization, OutboxEvent};
use autocrm_persistence::test_db::TestDatabase;

struct Fixture {
    app: App,
    org_id: String,
    _db: TestDatabase,
}

fn fixture() -> Fixture {
    let db = TestDatabase::create();
    let settings = autocrm_api::config::Settings {
        database_url: db.url.clone(),
        ..Default::default()
    };
    let pool = open_database(&settings).expect("open the test database");
    let org = Organization::new("两段用例汽车", SystemClock.now().naive_utc());
    org.insert(&mut pool.get().unwrap()).unwrap();
    Fixture {
        app: App::new(
            pool,
            Arc::new(SystemClock),
            Arc::new(PiiCipher::new("unit-of-work-test-key-0123456789abcdef")),
            // These tests store no files: a store nothing writes to.
            Arc::new(autocrm_api::attachments::Files::new(
                vec![Arc::new(
                    autocrm_api::attachments::storage::LocalStore::new(
                        std::env::temp_dir().join("autocrm-no-files"),
                    ),
                )],
                &PiiCipher::new("unit-of-work-test-key-0123456789abcdef"),
                0,
                Vec::new(),
            )),
        ),
        org_id: org.id,
        _db: db,
    }
}

fn new_customer(name: &str, phone: &str) -> NewCustomer {
    NewCustomer {
        kind: CustomerKind::Individual,
        name: name.into(),
        phone: Some(Phone::parse(phone).unwrap()),
        email: None,
        city: Some("杭州".into()),
        source_channel: None,
        owner_id: None,
        store_id: None,
        notes: None,
        marketing_consent: false,
        profile: Default::default(),
    }
}

/// A use case made of two others: a customer and the referral it brings, together or not
/// at all.
fn create_pair(ctx: &mut Ctx, second_phone: &str) -> ServiceResult<(Customer, Customer)> {
    let first = service::create(ctx, new_customer("陈静", "13900001111"))?;
    let second = service::create(ctx, new_customer("陈静的朋友", second_phone))?;
    Ok((first, second))
}

fn stored(f: &Fixture) -> (usize, usize, usize) {
    let mut conn = f.app.pool.get().unwrap();
    let customers = Customer::count_in_org(&mut conn, &f.org_id).unwrap() as usize;
    let mut audits = 0;
    let mut events = 0;
    for c in autocrm_persistence::models::Customer::list(
        &mut conn,
        &f.org_id,
        &autocrm_persistence::models::CustomerFilter::new(
            autocrm_domain::access::CustomerScope::All,
            Default::default(),
            100,
        ),
    )
    .unwrap()
    .unwrap()
    {
        audits += AuditEntry::list_for_entity(&mut conn, &f.org_id, "customer", &c.id)
            .unwrap()
            .len();
        events += OutboxEvent::list_for_aggregate(&mut conn, &f.org_id, &c.id)
            .unwrap()
            .len();
    }
    (customers, audits, events)
}

fn system(f: &Fixture) -> Actor {
    Actor::System {
        org_id: f.org_id.clone(),
        name: "test",
    }
}

#[test]
fn use_cases_inside_one_unit_of_work_commit_together() {
    let f = fixture();
    let (a, b) = f
        .app
        .write_now(&system(&f), &RequestMeta::default(), |ctx| {
            create_pair(ctx, "13900002222")
        })
        .expect("both created");
    assert_ne!(a.id, b.id);
    // Two customers, each with its audit line and its outbox event.
    assert_eq!(stored(&f), (2, 2, 2));
}

#[test]
fn use_cases_inside_one_unit_of_work_roll_back_together() {
    let f = fixture();
    // The second customer has the first one's phone: the second use case fails, and the
    // first, which had succeeded inside the same transaction, is undone with it.
    let err = f
        .app
        .write_now(&system(&f), &RequestMeta::default(), |ctx| {
            create_pair(ctx, "13900001111")
        })
        .expect_err("the duplicate phone is refused");
    assert!(matches!(err, ServiceError::Duplicate { .. }), "{err:?}");
    assert_eq!(stored(&f), (0, 0, 0));
}
