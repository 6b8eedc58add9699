//! Demo data: quotes on the demo deals that have a car, written as rows (the demo runs
//! without a caller): two versions on the quote-stage deal (the customer declined the first
//! over the price, the second has the larger discount), and on
//! the contract-stage deal an accepted quote with a financing plan and its application.

use autocrm_domain::financing::{self as fin, ApplicationStatus};
use autocrm_domain::leads::LostReason;
use autocrm_domain::sales::deals::DealStage;
use autocrm_domain::sales::purchase_tax::PurchaseTaxRules;
use autocrm_domain::sales::quotes::{
    QuoteConfig, QuoteFinancing, QuoteInput, QuoteLineInput, QuoteLineKind, QuoteStatus,
    expires_at, price_quote,
};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Deal, DealFilter, DealScope, FinancingApplication, Quote, TenantRecord, Vehicle,
};
use chrono::NaiveDateTime;

use super::service::{StoredFinancing, StoredTax, taxed};
use crate::app::{ServiceError, ServiceResult};
use crate::financing::dto::calculator::{CalculateRequest, MethodDto};
use crate::financing::stored::QuoteDto as LoanScheduleDto;

fn line(kind: QuoteLineKind, label: &str, amount_cents: i64) -> QuoteLineInput {
    QuoteLineInput {
        kind,
        label: Some(label.to_owned()),
        amount_cents,
    }
}

fn json<T: serde::Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

/// One version's row, priced by the domain with the default tax rules.
fn priced_row(
    deal: &Deal,
    car: &Vehicle,
    version_number: i64,
    discount_cents: i64,
    plan: Option<CalculateRequest>,
    status: QuoteStatus,
    at: NaiveDateTime,
) -> ServiceResult<Quote> {
    let vehicle = taxed(car, None);
    let mut input = QuoteInput {
        lines: vec![
            line(
                QuoteLineKind::VehiclePrice,
                &format!("{} {}", car.brand, car.model),
                car.asking_price_cents,
            ),
            line(QuoteLineKind::Discount, "年终限时优惠", discount_cents),
            line(QuoteLineKind::Accessory, "隐形车衣+行车记录仪", 420_000),
            line(QuoteLineKind::Insurance, "交强险+商业险（首年）", 560_000),
            line(QuoteLineKind::RegistrationFee, "上牌服务费", 50_000),
        ],
        vehicle,
        purchase_date: at.date(),
        financing: None,
    };
    let rules = PurchaseTaxRules::default();
    let net = price_quote(&input, &rules)?.totals.vehicle_net_cents;
    let financing = match plan {
        Some(mut plan) => {
            plan.vehicle_price_cents = net;
            plan.start_date = Some(at.date());
            let loan_request = plan.to_loan()?;
            let loan = fin::calculate(&loan_request).map_err(ServiceError::internal)?;
            input.financing = Some(QuoteFinancing {
                lender: Some("比亚迪汽车金融".into()),
                method: loan_request.method,
                term_months: loan_request.term_months,
                annual_rate_percent: loan_request.annual_rate_percent,
                loan: loan.clone(),
            });
            Some(StoredFinancing {
                lender: Some("比亚迪汽车金融".into()),
                method: loan_request.method,
                term_months: loan_request.term_months,
                annual_rate_percent: loan_request.annual_rate_percent,
                plan,
                schedule: LoanScheduleDto::from(&loan),
            })
        }
        None => None,
    };
    let priced = price_quote(&input, &rules)?;
    let valid_until = expires_at(at.and_utc(), &QuoteConfig::default()).naive_utc();
    let by = deal
        .owner_id
        .clone()
        .unwrap_or_else(|| deal.created_by.clone());
    let accepted = status == QuoteStatus::Accepted;
    Ok(Quote {
        id: new_id(),
        org_id: deal.org_id.clone(),
        deal_id: deal.id.clone(),
        version_number,
        status: status.as_str().to_owned(),
        valid_until,
        vehicle_id: car.id.clone(),
        vin: car.vin.clone(),
        lines: json(&priced.lines)?,
        tax: json(&StoredTax {
            vehicle,
            purchase_date: at.date(),
            tax: priced.purchase_tax,
        })?,
        vehicle_net_cents: priced.totals.vehicle_net_cents,
        purchase_tax_cents: priced.purchase_tax.payable_cents,
        total_cents: priced.totals.total_cents,
        financing: financing.as_ref().map(json).transpose()?,
        financing_application_id: None,
        created_by: by.clone(),
        accepted_at: accepted.then_some(at),
        accepted_by: accepted.then_some(by),
        version: 1,
        created_at: at,
        updated_at: at,
        declined_at: None,
        declined_by: None,
        decline_reason: None,
        decline_note: None,
    })
}

/// Seeds the quotes; answers how many rows.
pub fn seed(
    conn: &mut DbConn,
    org_id: &str,
    cars: &[Vehicle],
    at: NaiveDateTime,
) -> ServiceResult<usize> {
    let deals = Deal::list(
        conn,
        org_id,
        &DealFilter {
            scope: DealScope::All,
            stage: None,
            owner_id: None,
            store_id: None,
            customer_id: None,
            lead_id: None,
            after_id: None,
            limit: 100,
        },
    )?;
    let car_of = |deal: &Deal| {
        deal.vehicle_id
            .as_ref()
            .and_then(|id| cars.iter().find(|c| &c.id == id))
    };
    let mut written = 0;
    for deal in &deals {
        let Some(car) = car_of(deal) else { continue };
        let stage: DealStage = deal.stage.parse().map_err(ServiceError::internal)?;
        match stage {
            DealStage::Quote => {
                let earlier = at - chrono::TimeDelta::days(2);
                let mut first =
                    priced_row(deal, car, 1, 300_000, None, QuoteStatus::Declined, earlier)?;
                first.declined_at = Some(earlier + chrono::TimeDelta::hours(20));
                first.declined_by = Some(first.created_by.clone());
                first.decline_reason = Some(LostReason::Price.as_str().to_owned());
                first.decline_note = Some("客户对比了竞品报价，希望再多优惠三万".to_owned());
                first.insert(conn)?;
                priced_row(deal, car, 2, 600_000, None, QuoteStatus::Sent, at)?.insert(conn)?;
                written += 2;
            }
            DealStage::Contract => {
                let plan = CalculateRequest {
                    vehicle_price_cents: 0,
                    down_payment_cents: None,
                    down_payment_percent: Some(serde_json::Number::from(30)),
                    term_months: 36,
                    annual_rate_percent: serde_json::Number::from_f64(3.5)
                        .ok_or_else(|| ServiceError::internal("a rate"))?,
                    method: MethodDto::EqualInstallment,
                    balloon_cents: None,
                    fees_cents: 0,
                    fees_financed: false,
                    start_date: None,
                };
                let mut quote =
                    priced_row(deal, car, 1, 500_000, Some(plan), QuoteStatus::Accepted, at)?;
                let stored: StoredFinancing =
                    serde_json::from_str(quote.financing.as_deref().unwrap_or_default())
                        .map_err(ServiceError::internal)?;
                let application = FinancingApplication {
                    id: new_id(),
                    org_id: deal.org_id.clone(),
                    customer_id: deal.customer_id.clone(),
                    product_id: None,
                    deal_id: Some(deal.id.clone()),
                    quote_id: Some(quote.id.clone()),
                    status: ApplicationStatus::Draft.as_str().to_owned(),
                    plan: json(&stored.plan)?,
                    quote: json(&stored.schedule)?,
                    subsidy_cents: 0,
                    documents: "[]".into(),
                    note: None,
                    created_by: quote.created_by.clone(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                };
                application.insert(conn)?;
                quote.financing_application_id = Some(application.id.clone());
                quote.insert(conn)?;
                written += 1;
            }
            _ => {}
        }
    }
    Ok(written)
}
