//! Demo data: the demo stores route their leads round-robin to their consultants, and a
//! month of leads from every channel came in through the real intake (scored, routed, with
//! their first-response tasks), some of them worked since. Runs as the system after the
//! organisation's rows exist (`seed-demo`).

use autocrm_domain::access::Role;
use autocrm_domain::contact::Phone;
use autocrm_domain::customer::{PaymentMethod, PurchaseTimeframe};
use autocrm_domain::leads::routing::{
    RoutingConfig, RoutingRule, RoutingStrategy, WhenNobodyOnShift,
};
use autocrm_domain::leads::{LeadNeeds, LeadStatus, SourceChannel, WantedVehicle};
use autocrm_domain::vehicle::{BodyType, Condition, EnergyType};
use autocrm_persistence::models::{Lead, Store, StoreFilter, User};

use super::intake::service::{Contact, NewLead, StoreRef, Utm, intake};
use super::routing::service as routing;
use super::service::{LeadChanges, change};
use crate::app::{Ctx, ServiceResult};

const SURNAMES: [&str; 12] = [
    "赵", "钱", "孙", "李", "周", "吴", "郑", "王", "冯", "陈", "褚", "卫",
];
const GIVEN: [&str; 8] = ["先生", "女士", "伟", "芳", "强", "静", "磊", "婷"];
const CARS: [(&str, &str, BodyType, EnergyType, i64); 8] = [
    (
        "比亚迪",
        "汉EV",
        BodyType::Sedan,
        EnergyType::Bev,
        22_000_000,
    ),
    ("理想", "L6", BodyType::Suv, EnergyType::Erev, 26_000_000),
    (
        "丰田",
        "凯美瑞",
        BodyType::Sedan,
        EnergyType::Hev,
        19_000_000,
    ),
    (
        "大众",
        "途观L",
        BodyType::Suv,
        EnergyType::Gasoline,
        23_000_000,
    ),
    (
        "宝马",
        "3系",
        BodyType::Sedan,
        EnergyType::Gasoline,
        30_000_000,
    ),
    (
        "特斯拉",
        "Model Y",
        BodyType::Suv,
        EnergyType::Bev,
        25_000_000,
    ),
    (
        "别克",
        "GL8",
        BodyType::Mpv,
        EnergyType::Gasoline,
        32_000_000,
    ),
    (
        "吉利",
        "星越L",
        BodyType::Suv,
        EnergyType::Gasoline,
        15_000_000,
    ),
];
const SOURCES: [&str; 8] = [
    "autohome",
    "dongchedi",
    "yiche",
    "web_form",
    "phone",
    "walk_in",
    "referral",
    "wechat",
];
const WINDOWS: [Option<PurchaseTimeframe>; 6] = [
    Some(PurchaseTimeframe::Within7Days),
    Some(PurchaseTimeframe::Within15Days),
    Some(PurchaseTimeframe::Within30Days),
    Some(PurchaseTimeframe::Within90Days),
    Some(PurchaseTimeframe::Later),
    None,
];

/// How many leads the demo takes in.
pub const DEMO_LEADS: usize = 36;

pub fn seed(ctx: &mut Ctx) -> ServiceResult<()> {
    let all_active = StoreFilter {
        active: Some(true),
        limit: 100,
        ..StoreFilter::default()
    };
    let stores = Store::list(ctx.conn, ctx.org_id(), &all_active)?;
    let mut rules = Vec::new();
    for store in &stores {
        let team: Vec<String> = User::active_with_roles(
            ctx.conn,
            ctx.org_id(),
            &[Role::SalesConsultant.as_str()],
            Some(&store.id),
        )?
        .into_iter()
        .map(|u| u.id)
        .collect();
        if team.is_empty() {
            continue;
        }
        rules.push(RoutingRule {
            name: format!("{}线索轮询", store.name),
            store_ids: [store.id.clone()].into(),
            regions: Default::default(),
            brands: Default::default(),
            conditions: Default::default(),
            sources: Default::default(),
            grades: Default::default(),
            team,
            strategy: RoutingStrategy::RoundRobin,
            when_nobody_on_shift: WhenNobodyOnShift::LeaveInPool,
        });
    }
    routing::put_config(ctx, RoutingConfig { rules })?;
    for i in 0..DEMO_LEADS {
        let (brand, model, body, energy, price) = CARS[i % CARS.len()];
        let source = SOURCES[i % SOURCES.len()];
        let store = stores.get(i % stores.len().max(1)).map(|s| s.id.clone());
        let phone = Phone::parse(&format!("1770{:03}{:04}", 100 + i, 2026 + i)).ok();
        let new = NewLead {
            source: SourceChannel::parse(source).expect("a demo channel"),
            source_lead_id: matches!(source, "autohome" | "dongchedi" | "yiche")
                .then(|| format!("{}-2026{:06}", source.to_uppercase(), 120_000 + i)),
            store: store.map_or(StoreRef::None, StoreRef::Id),
            contact: Contact {
                name: Some(format!(
                    "{}{}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN[(i / 3) % GIVEN.len()]
                )),
                phone,
                wechat_id: None,
                email: None,
                city: Some(if i % 2 == 0 { "上海" } else { "北京" }.to_owned()),
            },
            needs: LeadNeeds {
                wanted: WantedVehicle {
                    condition: Some(if i % 3 == 0 {
                        Condition::Used
                    } else {
                        Condition::New
                    }),
                    brand: Some(brand.to_owned()),
                    model: Some(model.to_owned()),
                    body_type: Some(body),
                    energy_type: Some(energy),
                    budget_max_cents: Some(price),
                    ..WantedVehicle::default()
                },
                timeframe: WINDOWS[i % WINDOWS.len()],
                payment: (i % 4 == 0).then_some(PaymentMethod::Loan),
                trade_in: None,
            },
            campaign_id: (i % 5 == 0).then(|| "2026-双十二购车节".to_owned()),
            utm: (source == "web_form").then(|| Utm {
                source: Some("baidu".into()),
                medium: Some("cpc".into()),
                campaign: Some("双十二".into()),
                ..Utm::default()
            }),
            referrer: None,
            note: None,
            raw: None,
        };
        let lead = intake(ctx, new)?.lead;
        // Some have been worked since: reached, qualified, or found to be a wrong number.
        let to = match i % 9 {
            1 | 4 => Some(LeadStatus::Contacted),
            2 | 7 => Some(LeadStatus::Qualified),
            8 => Some(LeadStatus::Invalid),
            _ => None,
        };
        if let Some(status) = to.filter(|_| lead.owner_id.is_some()) {
            change(
                ctx,
                &lead.id,
                None,
                LeadChanges {
                    status: Some(status),
                    needs: None,
                    reason: (status == LeadStatus::Invalid).then(|| "空号，无法联系".to_owned()),
                },
            )?;
        }
    }
    // Leads the other capabilities' demos wrote directly get their real scores.
    let customers: std::collections::BTreeSet<String> = Lead::list(
        ctx.conn,
        ctx.org_id(),
        &autocrm_persistence::models::LeadFilter::new(autocrm_domain::access::LeadScope::All, 1000),
    )?
    .into_iter()
    .filter(|l| l.score_detail == "{}")
    .map(|l| l.customer_id)
    .collect();
    for customer in customers {
        super::scoring::service::rescore_customer(ctx, &customer)?;
    }
    Ok(())
}
