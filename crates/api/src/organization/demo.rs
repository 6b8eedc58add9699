//! `autocrm seed-demo`: a realistic demo dealer group to click through.

use autocrm_domain::access::Role;
use autocrm_domain::contact::Phone;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, write_tx};
use autocrm_persistence::models::{Customer, Organization, Store, TenantRecord, User};
use diesel::connection::SimpleConnection;

use crate::app::{ServiceError, ServiceResult};
use crate::auth::password::PasswordHasher;
use crate::customers::service::store_phone;
use crate::pii::PiiCipher;

pub const DEMO_ORG: &str = "AutoCRM 演示汽车集团";
pub const DEMO_PASSWORD: &str = "demo2026pass";

/// (email, name, role, store index)
pub const DEMO_USERS: [(&str, &str, Role, Option<usize>); 9] = [
    ("admin@demo.autocrm.dev", "系统管理员", Role::Admin, None),
    ("gm@demo.autocrm.dev", "周总", Role::GeneralManager, None),
    (
        "manager.sh@demo.autocrm.dev",
        "陈经理",
        Role::SalesManager,
        Some(0),
    ),
    (
        "consultant.sh@demo.autocrm.dev",
        "李娜",
        Role::SalesConsultant,
        Some(0),
    ),
    (
        "consultant.bj@demo.autocrm.dev",
        "王强",
        Role::SalesConsultant,
        Some(1),
    ),
    (
        "manager.bj@demo.autocrm.dev",
        "赵经理",
        Role::SalesManager,
        Some(1),
    ),
    (
        "service.sh@demo.autocrm.dev",
        "刘师傅",
        Role::ServiceAdvisor,
        Some(0),
    ),
    ("marketing@demo.autocrm.dev", "孙悦", Role::Marketing, None),
    ("finance@demo.autocrm.dev", "钱敏", Role::Finance, None),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "浩然",
];
const SOURCES: [&str; 7] = [
    "walk_in",
    "website",
    "wechat",
    "autohome",
    "dongchedi",
    "referral",
    "phone",
];

/// A tiny deterministic generator, so every demo database looks the same.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// Cars in the demo stock.
const DEMO_VEHICLES: usize = 300;

pub struct DemoSummary {
    pub created: bool,
    pub customers: usize,
}

/// Seeds the demo organisation unless it exists.
pub fn seed(
    conn: &mut DbConn,
    pii: &PiiCipher,
    hasher: &PasswordHasher,
    at: chrono::NaiveDateTime,
    customers: usize,
) -> ServiceResult<DemoSummary> {
    if Organization::find_by_name(conn, DEMO_ORG)?.is_some() {
        return Ok(DemoSummary {
            created: false,
            customers: 0,
        });
    }
    let password_hash = hasher.hash(DEMO_PASSWORD)?;
    let summary = write_tx(conn, |conn| {
        let org = Organization::new(DEMO_ORG, at);
        org.insert(conn)?;
        let stores: Vec<Store> = [
            (
                "上海浦东旗舰店",
                "上海",
                "华东",
                "上海市浦东新区张杨路 1000 号",
                "021-58881234",
            ),
            (
                "北京朝阳4S店",
                "北京",
                "华北",
                "北京市朝阳区东三环北路 88 号",
                "010-65001234",
            ),
        ]
        .into_iter()
        .map(|(name, city, region, address, phone)| Store {
            id: new_id(),
            org_id: org.id.clone(),
            name: name.into(),
            city: city.into(),
            region: Some(region.into()),
            address: Some(address.into()),
            phone: Phone::parse(phone).ok().map(|p| p.as_str().to_owned()),
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
            latitude_e6: None,
            longitude_e6: None,
        })
        .collect();
        for store in &stores {
            store.insert(conn)?;
        }
        let mut users = Vec::new();
        for (email, name, role, store) in DEMO_USERS {
            let user = User::new(
                &org.id,
                store.map(|i| stores[i].id.clone()),
                name.into(),
                email.into(),
                None,
                role.as_str(),
                password_hash.clone(),
                at,
            );
            user.insert(conn)?;
            users.push(user);
        }
        let consultants: Vec<&User> = users
            .iter()
            .filter(|u| u.role == "sales_consultant")
            .collect();
        let mut rng = Lcg(20261123);
        let mut seeded = Vec::with_capacity(customers);
        for i in 0..customers {
            let owner = consultants[i % consultants.len()];
            let name = format!(
                "{}{}",
                SURNAMES[rng.next(SURNAMES.len() as u64) as usize],
                GIVEN[rng.next(GIVEN.len() as u64) as usize]
            );
            // Distinct numbers: a fixed prefix per index keeps the demo free of duplicates.
            let phone = Phone::parse(&format!(
                "1{}{:09}",
                3 + rng.next(7),
                100_000_000 + i as u64 * 7919 % 899_999_999
            ))
            .map_err(|_| ServiceError::internal("demo phone"))?;
            let city = stores
                .iter()
                .find(|s| s.id == owner.store_id.clone().unwrap_or_default())
                .map(|s| s.city.clone());
            let created = at - chrono::TimeDelta::minutes((customers - i) as i64 * 37);
            let customer = demo_customer(
                pii,
                DemoCustomer {
                    org_id: &org.id,
                    owner,
                    city,
                    name,
                    phone: &phone,
                    source: SOURCES[rng.next(SOURCES.len() as u64) as usize],
                    created,
                },
                i,
            )?;
            customer.insert(conn)?;
            crate::customers::demo::after_insert(pii, conn, &customer, i)?;
            seeded.push(customer);
        }
        crate::timeline::demo::seed(conn, &seeded, &users, at)?;
        let mut cars =
            crate::inventory::vehicles::demo::seed(conn, &org.id, &stores, at, DEMO_VEHICLES)?;
        crate::inventory::reservations::demo::seed(conn, &mut cars, &seeded, 3, at)?;
        crate::sales::test_drives::demo::seed(conn, &cars, &seeded, &users, at)?;
        crate::tasks::demo::seed(conn, &seeded, &users, 2, 4, at)?;
        if let (Some(from), Some(to), Some(manager)) = (
            stores.first(),
            stores.get(1),
            users.iter().find(|u| u.role == "sales_manager"),
        ) {
            crate::inventory::transfers::demo::seed(conn, &mut cars, from, to, &manager.id, at)?;
        }
        crate::sales::deals::demo::seed(conn, &seeded, &cars, at)?;
        crate::sales::quotes::demo::seed(conn, &org.id, &cars, at)?;
        crate::inventory::pricing::service::seed_demo_market_prices(conn, &org.id, at)?;
        // An inactive webhook subscription, so the webhooks screens show one; it sends
        // nothing until someone points it at a real receiver and turns it on.
        let secret = crate::outbound::signing::new_secret().map_err(ServiceError::internal)?;
        autocrm_persistence::models::WebhookSubscription {
            id: new_id(),
            org_id: org.id.clone(),
            url: "https://erp.demo-motors.cn/hooks/autocrm".into(),
            event_types: r#"["customer.created","customer.updated"]"#.into(),
            description: Some("金蝶ERP 客户同步（演示，未启用）".into()),
            active: false,
            secret_ciphertext: pii.encrypt(&secret).map_err(ServiceError::internal)?,
            previous_secret_ciphertext: None,
            previous_secret_until: None,
            disabled_reason: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
        .insert(conn)?;
        crate::notifications::demo::seed(conn, &users, at)?;
        Ok::<_, ServiceError>(DemoSummary {
            created: true,
            customers,
        })
    })?;
    // Fresh statistics: before autovacuum gets to it, PostgreSQL plans the customer list
    // for an empty table (a sort of every row, ~1 ms instead of 0.06 ms).
    conn.batch_execute("ANALYZE").map_err(ServiceError::from)?;
    Ok(summary)
}

/// What varies between demo customers.
pub(crate) struct DemoCustomer<'a> {
    pub org_id: &'a str,
    pub owner: &'a User,
    pub city: Option<String>,
    pub name: String,
    pub phone: &'a Phone,
    pub source: &'a str,
    pub created: chrono::NaiveDateTime,
}

/// The `i`-th demo customer, stored as the service stores one (encrypted phone, profile
/// from `customers::demo::enrich`); `seed-bulk` makes its million with it too.
pub(crate) fn demo_customer(
    pii: &PiiCipher,
    demo: DemoCustomer<'_>,
    i: usize,
) -> ServiceResult<Customer> {
    let DemoCustomer {
        org_id,
        owner,
        city,
        name,
        phone,
        source,
        created,
    } = demo;
    let mut customer = Customer {
        id: new_id(),
        org_id: org_id.to_owned(),
        store_id: owner.store_id.clone(),
        owner_id: Some(owner.id.clone()),
        kind: if i.is_multiple_of(17) {
            "business".into()
        } else {
            "individual".into()
        },
        name,
        phone_ciphertext: None,
        phone_blind_index: None,
        phone_masked: None,
        email: i
            .is_multiple_of(3)
            .then(|| format!("customer{i}@example.cn")),
        city,
        source_channel: Some(source.into()),
        notes: None,
        marketing_consent: i.is_multiple_of(2),
        status: "active".into(),
        version: 1,
        created_at: created,
        updated_at: created,
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
    };
    store_phone(pii, &mut customer, Some(phone))?;
    crate::customers::demo::enrich(pii, &mut customer, i, created.date())?;
    Ok(customer)
}
