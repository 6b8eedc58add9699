//! The customer profile in the demo organisation (`autocrm seed-demo`): stages with their
//! history, other phones, WeChat ids, addresses, needs, business registration and contact
//! persons, all stored as the service stores them (encrypted, indexed).

use autocrm_domain::customer::{LifecycleStage, Needs, PurchaseTimeframe};
use autocrm_domain::vehicle::{BodyType, EnergyType};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Customer, CustomerContact, CustomerNeedIndex, LifecycleChangeRow,
};
use chrono::{NaiveDate, NaiveDateTime};

use super::dto::BusinessDto;
use super::personal::{self, LabelledPhone, PersonalData};
use super::service::reindex;
use crate::app::{ServiceError, ServiceResult};
use crate::pii::PiiCipher;

const STREETS: [&str; 4] = [
    "上海市浦东新区张杨路",
    "北京市朝阳区建国路",
    "广东省深圳市南山区科技园路",
    "浙江省杭州市西湖区文三路",
];

fn json<T: serde::Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

/// Fills the profile of the `i`-th demo customer before it is inserted.
pub fn enrich(
    pii: &PiiCipher,
    customer: &mut Customer,
    i: usize,
    today: NaiveDate,
) -> ServiceResult<()> {
    customer.lifecycle_stage = match i % 7 {
        0..=2 => LifecycleStage::Prospect,
        3 => LifecycleStage::Customer,
        4..=5 => LifecycleStage::Owner,
        _ => LifecycleStage::Lost,
    }
    .as_str()
    .to_owned();
    customer.region = Some(
        if i.is_multiple_of(2) {
            "华东"
        } else {
            "华北"
        }
        .to_owned(),
    );
    if i.is_multiple_of(3) {
        let needs = Needs {
            budget_min_cents: Some(10_000_000 + (i as i64 % 5) * 2_000_000),
            budget_max_cents: Some(15_000_000 + (i as i64 % 5) * 3_000_000),
            body_types: [if i.is_multiple_of(2) {
                BodyType::Suv
            } else {
                BodyType::Sedan
            }]
            .into(),
            energy_types: [if i.is_multiple_of(4) {
                EnergyType::Bev
            } else {
                EnergyType::Phev
            }]
            .into(),
            timeframe: Some(match i % 4 {
                0 => PurchaseTimeframe::Within7Days,
                1 => PurchaseTimeframe::Within30Days,
                _ => PurchaseTimeframe::Within90Days,
            }),
            ..Needs::default()
        };
        customer.needs = Some(json(&needs)?);
    }
    if customer.kind == "business" {
        customer.business = Some(json(&BusinessDto {
            registered_name: Some(format!("{}汽车服务有限公司", customer.name)),
            credit_code: None,
            trade_buyer: i.is_multiple_of(2),
        })?);
    } else if i.is_multiple_of(4) {
        let data = PersonalData {
            phones: vec![LabelledPhone {
                number: format!("+86137{:08}", 10_000_000 + i),
                label: Some("工作".into()),
            }],
            wechat_openid: Some(format!("oDemo{:012}", i * 7919)),
            address: Some(format!("{}{}号", STREETS[i % STREETS.len()], 100 + i % 400)),
            ..PersonalData::default()
        };
        data.store(pii, customer, today)?;
    }
    Ok(())
}

/// What belongs to an inserted demo customer: its lookups, the stages it went through, and
/// a business's contact person.
pub fn after_insert(
    pii: &PiiCipher,
    conn: &mut DbConn,
    customer: &Customer,
    i: usize,
) -> ServiceResult<()> {
    reindex(pii, conn, customer)?;
    CustomerNeedIndex::sync(
        conn,
        &customer.org_id,
        &customer.id,
        customer.stated_needs().as_ref(),
    )?;
    let mut stages = vec![LifecycleStage::Prospect];
    match customer.lifecycle_stage.as_str() {
        "customer" => stages.push(LifecycleStage::Customer),
        "owner" => stages.extend([LifecycleStage::Customer, LifecycleStage::Owner]),
        "lost" => stages.push(LifecycleStage::Lost),
        _ => {}
    }
    let mut at: NaiveDateTime = customer.created_at;
    for (n, stage) in stages.iter().enumerate() {
        let from = n.checked_sub(1).map(|p| stages[p]);
        let change = from
            .map(|f| f.move_to(*stage).map(|m| m.change.as_str().to_owned()))
            .transpose()
            .map_err(ServiceError::internal)?;
        LifecycleChangeRow {
            id: new_id(),
            org_id: customer.org_id.clone(),
            customer_id: customer.id.clone(),
            from_stage: from.map(|s| s.as_str().to_owned()),
            to_stage: stage.as_str().to_owned(),
            change_reason: change,
            actor_id: customer.owner_id.clone(),
            changed_at: at,
        }
        .insert(conn)?;
        at += chrono::TimeDelta::days(9);
    }
    if customer.kind == "business" {
        let phones = [LabelledPhone {
            number: format!("+86135{:08}", 20_000_000 + i),
            label: Some("手机".into()),
        }];
        let (phones_ciphertext, phones_masked) = personal::store_phones(pii, &phones)?;
        CustomerContact::replace_for(
            conn,
            &customer.id,
            &[CustomerContact {
                id: new_id(),
                org_id: customer.org_id.clone(),
                customer_id: customer.id.clone(),
                ordinal: 0,
                name: "刘经理".into(),
                role: Some("采购负责人".into()),
                phones_ciphertext,
                phones_masked,
                created_at: customer.created_at,
            }],
        )?;
    }
    Ok(())
}
