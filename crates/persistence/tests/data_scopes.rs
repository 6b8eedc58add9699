//! A data scope is one rule with two faces: the SQL filter a list runs and the `admits` check
//! a single read runs. For random customers and applications, every principal of every role
//! sees in a list exactly the rows that `admits` lets through. On SQLite, and on PostgreSQL
//! with `AUTOCRM_TEST_BACKEND=postgres`.

use std::collections::BTreeSet;

use autocrm_domain::access::{
    ApplicationScope, CustomerScope, Principal, PrincipalKind, Role, Scope,
};
use autocrm_domain::time::{Clock, SystemClock};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{PoolOptions, new_id, open_pool};
use autocrm_persistence::models::{
    ApplicationFilter, Customer, CustomerFilter, CustomerSort, FinancingApplication, Organization,
    Store, TenantRecord, User,
};
use autocrm_persistence::test_db::TestDatabase;
use proptest::prelude::*;

const STORES: usize = 3;
const USERS: usize = 4;

/// (store, owner, marketing consent) of a customer, and (customer index, creator) of an
/// application, as indexes into the tables above (`None` = unset).
type CustomerSpec = (Option<usize>, Option<usize>, bool);
type ApplicationSpec = (usize, usize);

/// The stores' and users' ids of one seeded organisation.
struct People {
    org: String,
    stores: Vec<String>,
    users: Vec<String>,
}

fn principals(people: &People) -> Vec<Principal> {
    let mut all = Vec::new();
    for role in Role::ALL {
        for store in [None, Some(0), Some(1)] {
            for user in [0, 1] {
                all.push(Principal {
                    id: people.users[user].clone(),
                    org_id: people.org.clone(),
                    role: *role,
                    store_id: store.map(|s| people.stores[s].clone()),
                    scopes: vec![Scope::CustomersRead, Scope::FinancingRead],
                    kind: if *role == Role::Integration {
                        PrincipalKind::ApiClient
                    } else {
                        PrincipalKind::User
                    },
                });
            }
        }
    }
    all
}

fn seed(
    conn: &mut DbConn,
    customers: &[CustomerSpec],
    applications: &[ApplicationSpec],
) -> (People, Vec<Customer>, Vec<FinancingApplication>) {
    let at = SystemClock.now().naive_utc();
    let org = Organization::new(&format!("范围 {}", new_id()), at);
    org.insert(conn).unwrap();
    let stores: Vec<String> = (0..STORES)
        .map(|i| {
            let store = Store {
                id: new_id(),
                org_id: org.id.clone(),
                name: format!("门店{i}"),
                city: "上海".into(),
                region: None,
                address: None,
                phone: None,
                active: true,
                version: 1,
                created_at: at,
                updated_at: at,
                latitude_e6: None,
                longitude_e6: None,
            };
            store.insert(conn).unwrap();
            store.id
        })
        .collect();
    let users: Vec<String> = (0..USERS)
        .map(|i| {
            let user = User::new(
                &org.id,
                None,
                format!("顾问{i}"),
                format!("u{i}.{}@scope.test", new_id()),
                None,
                "sales_consultant",
                "$argon2id$not-a-real-hash".into(),
                at,
            );
            user.insert(conn).unwrap();
            user.id
        })
        .collect();
    let rows: Vec<Customer> = customers
        .iter()
        .enumerate()
        .map(|(i, (store, owner, consent))| Customer {
            id: new_id(),
            org_id: org.id.clone(),
            store_id: store.map(|s| stores[s].clone()),
            owner_id: owner.map(|u| users[u].clone()),
            kind: "individual".into(),
            name: format!("客户{i}"),
            phone_ciphertext: None,
            phone_blind_index: None,
            phone_masked: None,
            email: None,
            city: None,
            source_channel: None,
            notes: None,
            marketing_consent: *consent,
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
        })
        .collect();
    for c in &rows {
        c.insert(conn).unwrap();
    }
    let apps: Vec<FinancingApplication> = applications
        .iter()
        .map(|(customer, creator)| FinancingApplication {
            id: new_id(),
            org_id: org.id.clone(),
            customer_id: rows[customer % rows.len()].id.clone(),
            product_id: None,
            deal_id: None,
            quote_id: None,
            status: "draft".into(),
            plan: "{}".into(),
            quote: "{}".into(),
            subsidy_cents: 0,
            documents: "[]".into(),
            note: None,
            created_by: users[*creator].clone(),
            version: 1,
            created_at: at,
            updated_at: at,
        })
        .collect();
    for a in &apps {
        a.insert(conn).unwrap();
    }
    let people = People {
        org: org.id,
        stores,
        users,
    };
    (people, rows, apps)
}

fn ids<'a>(rows: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    rows.into_iter().cloned().collect()
}

fn check(conn: &mut DbConn, customers: &[CustomerSpec], applications: &[ApplicationSpec]) {
    let (people, rows, apps) = seed(conn, customers, applications);
    let org = people.org.clone();
    for principal in principals(&people) {
        let scope = CustomerScope::of(&principal);
        let filter = CustomerFilter::new(scope.clone(), CustomerSort::CreatedAsc, 1000);
        let listed = Customer::list(conn, &org, &filter).unwrap().unwrap();
        let admitted = rows.iter().filter(|c| scope.admits(&c.facts()));
        assert_eq!(
            ids(listed.iter().map(|c| &c.id)),
            ids(admitted.map(|c| &c.id)),
            "customers of {principal:?}"
        );

        let scope = ApplicationScope::of(&principal);
        let filter = ApplicationFilter {
            scope: scope.clone(),
            status: None,
            customer_id: None,
            after_id: None,
            limit: 1000,
        };
        let listed = FinancingApplication::list(conn, &org, &filter).unwrap();
        let admitted = apps.iter().filter(|a| {
            let customer = rows.iter().find(|c| c.id == a.customer_id).unwrap();
            scope.admits(&a.facts(customer))
        });
        assert_eq!(
            ids(listed.iter().map(|a| &a.id)),
            ids(admitted.map(|a| &a.id)),
            "applications of {principal:?}"
        );
    }
}

fn customer_spec() -> impl Strategy<Value = CustomerSpec> {
    (
        proptest::option::of(0..STORES),
        proptest::option::of(0..USERS),
        any::<bool>(),
    )
}

proptest! {
    // Each case seeds a fresh organisation in one database: a few dozen cases cover the
    // combinations without making the suite slow.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn list_filters_and_row_checks_agree_for_every_role(
        customers in proptest::collection::vec(customer_spec(), 1..12),
        applications in proptest::collection::vec((0usize..12, 0..USERS), 0..12),
    ) {
        let db = shared_database();
        let pool = open_pool(&db.url, &PoolOptions { max_size: 1, ..PoolOptions::default() })
            .expect("open the test database");
        let mut conn = pool.get().unwrap();
        check(&mut conn, &customers, &applications);
    }
}

fn shared_database() -> &'static TestDatabase {
    static DB: std::sync::OnceLock<TestDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(TestDatabase::create)
}
