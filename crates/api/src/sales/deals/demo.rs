//! Demo data: a deal in every stage for the demo stores' customers, and a lost request
//! waiting for the store manager, so a manager who signs in sees a real board. Called by
//! the organisation's demo seed once its customers and cars exist.

use autocrm_domain::leads::{LostReason, LostRequestStatus};
use autocrm_domain::sales::deals::DealStage;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Customer, Deal, DealStageChange, LostRequestRow, TenantRecord, Vehicle,
};

use crate::app::ServiceResult;

const STAGES: [DealStage; 9] = [
    DealStage::Qualified,
    DealStage::StoreVisit,
    DealStage::TestDrive,
    DealStage::Quote,
    DealStage::Contract,
    DealStage::FinancingApproval,
    DealStage::Delivery,
    DealStage::Won,
    DealStage::Lost,
];

const NOTES: [&str; 9] = [
    "客户关注续航和充电便利性",
    "周末带家人到店看车",
    "试驾后对底盘表现满意",
    "已报价，客户在对比竞品",
    "合同待签，客户要求赠送贴膜",
    "贷款资料已提交银行审批",
    "车况确认单待客户签字",
    "已交车，客户很满意",
    "客户预算不足，暂缓购车",
];

/// Opens a deal in each stage for owned customers (cars in stock for the open ones), and a
/// lost request waiting on the quote-stage deal. Answers the deals' ids.
pub fn seed(
    conn: &mut DbConn,
    customers: &[Customer],
    cars: &[Vehicle],
    at: chrono::NaiveDateTime,
) -> ServiceResult<Vec<String>> {
    let owned: Vec<&Customer> = customers.iter().filter(|c| c.owner_id.is_some()).collect();
    let mut in_stock = cars.iter().filter(|v| v.status == "in_stock");
    let mut ids = Vec::new();
    for (i, (stage, customer)) in STAGES.iter().zip(owned.iter().rev()).enumerate() {
        let created = at - chrono::TimeDelta::days(30 - i as i64 * 3);
        let car = if stage.is_open() {
            in_stock.next()
        } else {
            None
        };
        let title = match car {
            Some(v) => format!("{} {} {}", customer.name, v.brand, v.model),
            None => format!("{} 购车", customer.name),
        };
        let deal = Deal {
            id: new_id(),
            org_id: customer.org_id.clone(),
            store_id: customer.store_id.clone(),
            customer_id: customer.id.clone(),
            lead_id: None,
            owner_id: customer.owner_id.clone(),
            title,
            stage: stage.as_str().to_owned(),
            payment: Some(if i % 3 == 0 { "loan" } else { "cash" }.to_owned()),
            amount_cents: Some(car.map_or(18_980_000, |v| v.asking_price_cents)),
            expected_close_date: Some(
                (at.date() + chrono::TimeDelta::days(14 + i as i64)).to_string(),
            ),
            vehicle_id: car.map(|v| v.id.clone()),
            note: Some(NOTES[i].to_owned()),
            lost_reason: (*stage == DealStage::Lost).then(|| LostReason::Price.as_str().to_owned()),
            closed_at: (!stage.is_open()).then_some(at),
            created_by: customer.owner_id.clone().unwrap_or_default(),
            version: 1,
            created_at: created,
            updated_at: at,
        };
        deal.insert(conn)?;
        DealStageChange {
            id: new_id(),
            org_id: deal.org_id.clone(),
            deal_id: deal.id.clone(),
            from_stage: None,
            to_stage: DealStage::Qualified.as_str().to_owned(),
            waivers: None,
            actor: deal.created_by.clone(),
            created_at: created,
        }
        .insert(conn)?;
        if *stage != DealStage::Qualified {
            DealStageChange {
                id: new_id(),
                org_id: deal.org_id.clone(),
                deal_id: deal.id.clone(),
                from_stage: Some(DealStage::Qualified.as_str().to_owned()),
                to_stage: stage.as_str().to_owned(),
                waivers: None,
                actor: deal.created_by.clone(),
                created_at: at,
            }
            .insert(conn)?;
        }
        if *stage == DealStage::Quote {
            LostRequestRow {
                id: new_id(),
                org_id: deal.org_id.clone(),
                store_id: deal.store_id.clone(),
                customer_id: deal.customer_id.clone(),
                lead_id: None,
                deal_id: Some(deal.id.clone()),
                reason: LostReason::Competitor.as_str().to_owned(),
                note: Some("客户在对比理想L6，倾向竞品".into()),
                status: LostRequestStatus::Requested.as_str().to_owned(),
                requested_by: deal.created_by.clone(),
                decided_by: None,
                decided_at: None,
                decision_note: None,
                version: 1,
                created_at: at,
                updated_at: at,
            }
            .insert(conn)?;
        }
        ids.push(deal.id);
    }
    Ok(ids)
}
