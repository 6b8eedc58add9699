//! `autocrm seed-bulk`: many more customers in the demo organisation, for the benchmarks
//! (a million in minutes on PostgreSQL). Each batch is one transaction with multi-row
//! inserts; every customer is stored as the service stores one (encrypted phone and
//! personal data, keyed lookups), so search, masking and reveal work on them. Stage
//! history, contact persons and timelines are left to `seed-demo`, except for one customer
//! who gets a long timeline, the subject of the 360° view's benchmark.

use autocrm_domain::contact::Phone;
use autocrm_domain::customer::{ActivityKind, ActivityOutcome};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{new_id, write_tx};
use autocrm_persistence::models::{
    Activity, Customer, CustomerLookup, CustomerNeedIndex, Organization, Store, TenantRecord, User,
    UserFilter,
};
use chrono::{NaiveDateTime, TimeDelta};
use diesel::connection::SimpleConnection;

use super::personal::{self, PersonalData};
use crate::app::{ServiceError, ServiceResult};
use crate::organization::demo::{DEMO_ORG, DemoCustomer, demo_customer};
use crate::pii::PiiCipher;

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
/// Characters of given names: one or two of them, about 1,600 given names in all.
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "浩", "然", "宇", "轩", "子", "涵", "欣", "怡",
    "梓", "晨", "俊", "博", "文", "佳", "嘉", "鑫",
];
const SOURCES: [&str; 9] = [
    "walk_in",
    "website",
    "wechat",
    "autohome",
    "dongchedi",
    "referral",
    "phone",
    "mini_program",
    "yiche",
];

pub struct BulkSummary {
    pub customers: usize,
    pub total_in_org: i64,
    /// The customer with the long timeline, when one was asked for.
    pub timeline_customer: Option<String>,
}

/// What `autocrm seed-bulk` was asked to make.
pub struct BulkRequest {
    pub customers: usize,
    pub batch: usize,
    /// Activities on the first new customer's timeline.
    pub timeline_entries: usize,
}

/// Adds customers to the demo organisation (which `seed-demo` makes first), numbered after
/// the ones it has, so running it twice adds more rather than the same again.
pub fn seed(
    conn: &mut DbConn,
    pii: &PiiCipher,
    at: NaiveDateTime,
    request: &BulkRequest,
    mut progress: impl FnMut(usize),
) -> ServiceResult<BulkSummary> {
    let org = Organization::find_by_name(conn, DEMO_ORG)?.ok_or_else(|| {
        ServiceError::internal(
            "the demo organisation does not exist: run `autocrm seed-demo` first",
        )
    })?;
    let consultants = User::list(
        conn,
        &org.id,
        &UserFilter {
            role: Some("sales_consultant".into()),
            store_id: None,
            active: Some(true),
            after_id: None,
            limit: 100,
        },
    )?;
    if consultants.is_empty() {
        return Err(ServiceError::internal(
            "the demo organisation has no active consultant",
        ));
    }
    let mut cities: Vec<Option<String>> = Vec::with_capacity(consultants.len());
    for user in &consultants {
        let store = match user.store_id.as_deref() {
            Some(id) => Store::find(conn, &org.id, id)?,
            None => None,
        };
        cities.push(store.map(|s| s.city));
    }
    let offset = Customer::count_in_org(conn, &org.id)? as usize;
    let batch = request.batch.clamp(1, 10_000);
    let mut timeline_customer = None;
    let mut done = 0;
    while done < request.customers {
        let size = batch.min(request.customers - done);
        let mut customers = Vec::with_capacity(size);
        let mut lookups = Vec::with_capacity(size * 3);
        for k in 0..size {
            let n = offset + done + k;
            let owner_at = n % consultants.len();
            let phone = Phone::parse(&format!("+86188{:08}", n % 100_000_000))
                .map_err(|_| ServiceError::internal("bulk phone"))?;
            let customer = demo_customer(
                pii,
                DemoCustomer {
                    org_id: &org.id,
                    owner: &consultants[owner_at],
                    city: cities[owner_at].clone(),
                    name: name_of(n),
                    phone: &phone,
                    source: SOURCES[n % SOURCES.len()],
                    // Spread over about three years, newest last.
                    created: at - TimeDelta::seconds(((request.customers - done - k) * 97) as i64),
                },
                n,
            )?;
            let data = PersonalData::read(pii, &customer)?;
            lookups.extend(personal::lookups(
                pii,
                &customer,
                &data,
                Some(phone.as_str()),
            ));
            customers.push(customer);
        }
        let first = customers[0].id.clone();
        write_tx(conn, |conn| {
            Customer::insert_many(conn, &customers)?;
            CustomerLookup::insert_many(conn, &lookups)?;
            let needs: Vec<CustomerNeedIndex> = customers
                .iter()
                .filter_map(|c| {
                    c.stated_needs()
                        .map(|n| CustomerNeedIndex::of(&c.org_id, &c.id, &n))
                })
                .collect();
            CustomerNeedIndex::insert_many(conn, &needs)?;
            if timeline_customer.is_none() && request.timeline_entries > 0 {
                let owner = customers[0].owner_id.clone().unwrap_or_default();
                let rows = long_timeline(&customers[0], &owner, request.timeline_entries, at);
                Activity::insert_many(conn, &rows)?;
            }
            Ok::<_, ServiceError>(())
        })?;
        if timeline_customer.is_none() && request.timeline_entries > 0 {
            timeline_customer = Some(first);
        }
        done += size;
        progress(done);
    }
    // Fresh statistics for the planner, and on PostgreSQL the trigram indexes' pending
    // lists merged (until then every name search reads them through).
    // One statement each: several in one string run as one transaction block on
    // PostgreSQL, where VACUUM refuses to run.
    let tidy: &[&str] = match conn {
        DbConn::Postgres(_) => &["VACUUM ANALYZE customers", "ANALYZE"],
        DbConn::Sqlite(_) => &["ANALYZE"],
    };
    for statement in tidy {
        conn.batch_execute(statement).map_err(ServiceError::from)?;
    }
    Ok(BulkSummary {
        customers: done,
        total_in_org: Customer::count_in_org(conn, &org.id)?,
        timeline_customer,
    })
}

/// A deterministic name: a surname and one or two given-name characters.
fn name_of(n: usize) -> String {
    let mixed = n.wrapping_mul(2_654_435_761) >> 7;
    let surname = SURNAMES[mixed % SURNAMES.len()];
    let first = GIVEN[(mixed / 31) % GIVEN.len()];
    if mixed.is_multiple_of(5) {
        format!("{surname}{first}")
    } else {
        let second = GIVEN[(mixed / 1_301) % GIVEN.len()];
        format!("{surname}{first}{second}")
    }
}

/// `entries` activities, a few hours apart, the newest now.
fn long_timeline(
    customer: &Customer,
    owner: &str,
    entries: usize,
    at: NaiveDateTime,
) -> Vec<Activity> {
    const KINDS: [(ActivityKind, ActivityOutcome, &str); 4] = [
        (
            ActivityKind::Call,
            ActivityOutcome::Reached,
            "电话回访，客户关注二手车置换补贴",
        ),
        (
            ActivityKind::Wechat,
            ActivityOutcome::Interested,
            "微信发送了车型配置表和金融方案",
        ),
        (
            ActivityKind::StoreVisit,
            ActivityOutcome::Completed,
            "到店看车，试乘了新能源SUV",
        ),
        (
            ActivityKind::Note,
            ActivityOutcome::Completed,
            "客户预算约15万，倾向分期",
        ),
    ];
    (0..entries)
        .map(|i| {
            let (kind, outcome, content) = KINDS[i % KINDS.len()];
            let occurred = at - TimeDelta::hours(5 * i as i64);
            Activity {
                id: new_id(),
                org_id: customer.org_id.clone(),
                customer_id: customer.id.clone(),
                kind: kind.as_str().to_owned(),
                outcome: Some(outcome.as_str().to_owned()),
                occurred_at: occurred,
                next_follow_up_at: None,
                content: Some(content.to_owned()),
                attachment_ids: "[]".into(),
                created_by: owner.to_owned(),
                created_at: occurred,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_vary() {
        let names: std::collections::HashSet<String> = (0..100_000).map(name_of).collect();
        assert!(names.len() > 10_000, "only {} distinct names", names.len());
        assert!(names.iter().all(|n| (2..=3).contains(&n.chars().count())));
    }
}
