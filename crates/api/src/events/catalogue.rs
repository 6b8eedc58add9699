//! The event catalogue: every event type the system emits, with its typed payload. An event
//! reaches the outbox only through `Change::event(payload)`, and only the payload types listed
//! here implement [`Event`] (the trait is sealed), so an uncatalogued type cannot be emitted.
//! Payloads carry ids, names and changed fields, never a clear phone, ID number or address
//! (the masked phone only); a receiver that needs more fetches it through the API.
//!
//! Every later capability adds its events here (and its read scope for integrators).

use serde::Serialize;
use utoipa::ToSchema;

mod sealed {
    pub trait Sealed {}
}

/// A catalogued event payload.
pub trait Event: Serialize + ToSchema + sealed::Sealed {
    /// The event's type, e.g. `customer.created`.
    const TYPE: &'static str;
}

/// A new customer profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "王建国",
    "phone_masked": "138****5678", "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "source_channel": "walk_in",
    "status": "active", "version": 1, "lifecycle_stage": "prospect", "source_detail": "2026上海车展", "referrer_id": null, "registered_name": null, "trade_buyer": false
}))]
pub struct CustomerCreated {
    pub customer_id: String,
    pub kind: String,
    pub name: String,
    /// The masked phone (`138****5678`); never the number in clear.
    pub phone_masked: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub source_channel: Option<String>,
    pub status: String,
    pub version: i64,
    /// prospect, customer, owner or lost.
    pub lifecycle_stage: String,
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    pub referrer_id: Option<String>,
    /// Business customers: the name on the licence.
    pub registered_name: Option<String>,
    /// Buys at trade prices.
    pub trade_buyer: bool,
}

/// A customer profile changed; `changed_fields` names what the change touched.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "王建国",
    "phone_masked": "139****1234", "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "source_channel": "walk_in",
    "status": "active", "version": 2, "lifecycle_stage": "customer", "source_detail": "2026上海车展", "referrer_id": null, "registered_name": null, "trade_buyer": false, "changed_fields": ["phone", "city", "lifecycle_stage"]
}))]
pub struct CustomerUpdated {
    pub customer_id: String,
    pub kind: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub source_channel: Option<String>,
    pub status: String,
    pub version: i64,
    /// prospect, customer, owner or lost.
    pub lifecycle_stage: String,
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    pub referrer_id: Option<String>,
    /// Business customers: the name on the licence.
    pub registered_name: Option<String>,
    /// Buys at trade prices.
    pub trade_buyer: bool,
    /// The fields the change set (a changed phone or city is named, not shown).
    pub changed_fields: Vec<String>,
}

/// A customer taken out of daily lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "individual", "name": "王建国",
    "phone_masked": "138****5678", "owner_id": null,
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13", "source_channel": "walk_in",
    "status": "archived", "version": 3, "lifecycle_stage": "lost", "source_detail": "2026上海车展", "referrer_id": null, "registered_name": null, "trade_buyer": false
}))]
pub struct CustomerArchived {
    pub customer_id: String,
    pub kind: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub source_channel: Option<String>,
    pub status: String,
    pub version: i64,
    /// prospect, customer, owner or lost.
    pub lifecycle_stage: String,
    pub source_detail: Option<String>,
    /// The customer who referred this one.
    pub referrer_id: Option<String>,
    /// Business customers: the name on the licence.
    pub registered_name: Option<String>,
    /// Buys at trade prices.
    pub trade_buyer: bool,
}

/// A financing application moved in its life (opened as `draft`, submitted, approved...).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "application_id": "0193a5c4-8c3f-7a10-9b2c-3d4e5f6a7b80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "product_id": "0193a5c4-5d0e-7bb0-8c19-3a0e1d2c1b01",
    "from_status": "submitted", "to_status": "approved",
    "actor_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a14"
}))]
pub struct FinancingStatusChanged {
    pub application_id: String,
    pub customer_id: String,
    pub product_id: Option<String>,
    /// Null when the application was just opened.
    pub from_status: Option<String>,
    pub to_status: String,
    /// The user or API client who changed it.
    pub actor_id: String,
}

/// Sent by `POST /api/v1/webhooks/{id}/test` to that subscription only (not in the feed).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "webhook_id": "0193a5c4-9d40-7b20-8c3d-4e5f6a7b8c90", "message": "AutoCRM 测试事件"
}))]
pub struct WebhookTest {
    pub webhook_id: String,
    pub message: String,
}

/// A consultant recorded an activity with a customer. The activity's free text stays out:
/// it is personal data; fetch the activity through the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "activity_id": "0193a5c4-8c3d-7a10-9b2c-3d4e5f6a7b80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "kind": "test_drive",
    "outcome": "completed", "occurred_at": "2026-11-28T06:30:00Z",
    "next_follow_up_at": "2026-11-30T02:00:00Z", "attachment_count": 1,
    "created_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12"
}))]
pub struct ActivityCreated {
    pub activity_id: String,
    pub customer_id: String,
    /// call, wechat, sms, email, store_visit, test_drive, note.
    pub kind: String,
    pub outcome: Option<String>,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub next_follow_up_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attachment_count: usize,
    /// The user or API client that recorded it.
    pub created_by: String,
}

/// A customer granted or withdrew a consent (PIPL); `marketing_consent` is the customer's
/// derived flag afterwards.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "consent_id": "0193a5c4-9d4e-7b20-8c3d-4e5f6a7b8c90",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "purpose": "marketing",
    "action": "withdrawn", "channel": "sms", "method": "sms_reply",
    "at": "2026-11-29T08:15:00Z", "text_version": "marketing-2026-01",
    "marketing_consent": false
}))]
pub struct ConsentChanged {
    pub consent_id: String,
    pub customer_id: String,
    /// marketing, data_sharing_finance, sensitive_data.
    pub purpose: String,
    /// granted or withdrawn.
    pub action: String,
    pub channel: String,
    pub method: String,
    /// When the customer made the choice.
    pub at: chrono::DateTime<chrono::Utc>,
    pub text_version: Option<String>,
    pub marketing_consent: bool,
}

/// Duplicate customers were merged into one: the sources' records (activities, behaviour
/// events, consents, vehicles, tags, contacts, financing applications, attachments, ...) now
/// belong to the survivor, and the sources answer 410 `merged` with the survivor's id.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "survivor_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "source_ids": ["0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a71"],
    "moved": {"customer_activities": 12, "behavior_events": 48, "consent_records": 2,
              "customer_vehicles": 1, "customer_tags": 1, "financing_applications": 1,
              "attachments": 3, "customer_contacts": 0, "customer_lifecycle_changes": 2,
              "device_links": 1, "customers.referrer_id": 0},
    "changed_fields": ["email", "birthday"], "version": 5
}))]
pub struct CustomerMerged {
    pub survivor_id: String,
    pub source_ids: Vec<String>,
    /// Rows moved to the survivor, per table (`customers.referrer_id`: customers referred
    /// by a source, now by the survivor).
    pub moved: std::collections::BTreeMap<String, i64>,
    /// The survivor's profile fields the merge changed (names only).
    pub changed_fields: Vec<String>,
    /// The survivor's version after the merge.
    pub version: i64,
}

/// A customer's personal data was erased for good on the person's request (PIPL): the
/// record stays, anonymised (`已删除客户`), with its non-personal history and amounts.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70"}))]
pub struct CustomerErased {
    pub customer_id: String,
}

/// A car was added to inventory (by hand, by ERP upsert or bulk sync). Never carries the
/// acquisition cost or floor price.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "stock_number": "SZ-2026-0412", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "condition": "used", "brand": "比亚迪", "model": "汉", "model_year": 2023,
    "asking_price_cents": 15980000, "status": "in_stock"
}))]
pub struct VehicleCreated {
    pub vehicle_id: String,
    pub vin: String,
    pub stock_number: Option<String>,
    pub store_id: Option<String>,
    /// new or used.
    pub condition: String,
    pub brand: String,
    pub model: String,
    pub model_year: Option<i32>,
    pub asking_price_cents: i64,
    pub status: String,
}

/// A car's asking price changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "old_price_cents": 15980000, "new_price_cents": 15580000
}))]
pub struct VehiclePriceChanged {
    pub vehicle_id: String,
    pub vin: String,
    pub old_price_cents: i64,
    pub new_price_cents: i64,
}

/// A car's status changed (in_transit, in_stock, reserved, sold, transferred_out), by hand,
/// by ERP sync, by a reservation or a transfer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "old_status": "in_stock", "new_status": "sold", "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60"
}))]
pub struct VehicleStatusChanged {
    pub vehicle_id: String,
    pub vin: String,
    pub old_status: String,
    pub new_status: String,
    pub store_id: Option<String>,
}

/// A car was inspected (车况检测): a new inspection report, with its verdict. Never carries
/// costs.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "report_id": "0193a5d1-2c3d-7b00-8e1f-4a5b6c7d8e90",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "inspected_on": "2026-10-08", "grade": "A", "accident": false, "flood": false,
    "fire": false, "odometer_check": "ok", "summary": "无重大事故、无泡水、无火烧、里程真实"
}))]
pub struct InspectionCompleted {
    pub report_id: String,
    pub vehicle_id: String,
    pub vin: String,
    /// YYYY-MM-DD.
    pub inspected_on: String,
    /// A, B, C or D.
    pub grade: String,
    pub accident: bool,
    pub flood: bool,
    pub fire: bool,
    /// ok, suspected or not_checked.
    pub odometer_check: String,
    pub summary: String,
}

/// An inventory alert opened (库存预警: fewer cars in stock than a rule asks; 库龄预警: a car
/// too long in stock). Never carries costs.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "alert_id": "0193a5d2-3d4e-7c00-8f2a-5b6c7d8e9f01",
    "rule_id": "0193a5d2-1b2c-7a00-8d1e-3f4a5b6c7d80", "rule_name": "长库龄车辆",
    "kind": "aging", "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60", "threshold": 90, "observed": 91,
    "message": "库龄预警：比亚迪 汉 SZ-2026-0412已在库91天，超过90天"
}))]
pub struct InventoryAlertOpened {
    pub alert_id: String,
    pub rule_id: String,
    pub rule_name: String,
    /// low_stock or aging.
    pub kind: String,
    /// The car (aging alerts).
    pub vehicle_id: Option<String>,
    pub store_id: Option<String>,
    /// Cars (low stock) or days (aging).
    pub threshold: i64,
    /// Cars in stock (low stock) or days in stock (aging) when it opened.
    pub observed: i64,
    pub message: String,
}

/// A car was reserved for a customer until `expires_at` (besides its `vehicle.status_changed`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "reservation_id": "0193a5d2-3c4d-7e00-8f1a-2b3c4d5e6f70",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "reserved_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60", "expires_at": "2026-12-09T10:00:00Z"
}))]
pub struct VehicleReserved {
    pub reservation_id: String,
    pub vehicle_id: String,
    pub vin: String,
    pub customer_id: String,
    pub reserved_by: String,
    pub store_id: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A reservation ended before its expiry: cancelled by a person (`cancelled`), or because
/// the car was sold (`vehicle_sold`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "reservation_id": "0193a5d2-3c4d-7e00-8f1a-2b3c4d5e6f70",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "reserved_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "reason": "vehicle_sold"
}))]
pub struct ReservationCancelled {
    pub reservation_id: String,
    pub vehicle_id: String,
    pub vin: String,
    pub customer_id: String,
    pub reserved_by: String,
    /// cancelled, vehicle_sold or vehicle_released (the car was put back in stock).
    pub reason: String,
}

/// A reservation reached its expiry and the car went back to stock.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "reservation_id": "0193a5d2-3c4d-7e00-8f1a-2b3c4d5e6f70",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "reserved_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "expired_at": "2026-12-09T10:00:00Z"
}))]
pub struct ReservationExpired {
    pub reservation_id: String,
    pub vehicle_id: String,
    pub vin: String,
    pub customer_id: String,
    pub reserved_by: String,
    pub expired_at: chrono::DateTime<chrono::Utc>,
}

/// The payload of each `transfer.*` event: the transfer as it now stands.
macro_rules! transfer_event {
    ($(#[$meta:meta])* $name:ident, $status:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, ToSchema)]
        #[schema(example = json!({
            "transfer_id": "0193a5d3-4d5e-7f00-9a1b-3c4d5e6f7a80",
            "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
            "from_store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
            "to_store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d61",
            "status": $status, "carrier": "安吉物流", "waybill_no": "AJ20261207001",
            "estimated_arrival": "2026-12-10T08:00:00Z"
        }))]
        pub struct $name {
            pub transfer_id: String,
            pub vehicle_id: String,
            pub vin: String,
            pub from_store_id: String,
            pub to_store_id: String,
            pub status: String,
            pub carrier: Option<String>,
            pub waybill_no: Option<String>,
            pub estimated_arrival: Option<chrono::DateTime<chrono::Utc>>,
        }
    };
}

transfer_event!(
    /// A transfer of a car to another store was requested.
    TransferRequested, "requested"
);
transfer_event!(
    /// The origin store approved a transfer.
    TransferApproved, "approved"
);
transfer_event!(
    /// The car was handed to the carrier (the car is in transit).
    TransferDispatched, "in_transit"
);
transfer_event!(
    /// The destination store received the car (it now belongs to that store).
    TransferReceived, "received"
);
transfer_event!(
    /// A transfer was cancelled (a car on the road goes back to its origin store).
    TransferCancelled, "cancelled"
);

/// A deal (opportunity) was opened, from a lead (which became `converted`) or a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "title": "王先生 比亚迪汉 EV 购车", "stage": "qualified", "amount_cents": 21980000
}))]
pub struct DealCreated {
    pub deal_id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub title: String,
    pub stage: String,
    pub amount_cents: Option<i64>,
}

/// A deal moved to another stage of the pipeline, with the waivers that stood in for missing
/// documents (document kind → reason).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "from_stage": "quote", "to_stage": "contract", "probability_percent": 75,
    "waivers": {"test_drive_agreement": "客户已有同款车，无需试驾"}
}))]
pub struct DealStageChanged {
    pub deal_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub from_stage: String,
    pub to_stage: String,
    pub probability_percent: u8,
    #[schema(value_type = Object)]
    pub waivers: std::collections::BTreeMap<String, String>,
}

/// The purchase tax on a won deal (车辆购置税), as the organisation's rules compute it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "taxable_price_cents": 19451327, "tax_before_relief_cents": 1945133,
    "relief_cents": 972566, "payable_cents": 972567, "basis": "nev_relief"
}))]
pub struct DealTax {
    /// The price net of VAT.
    pub taxable_price_cents: i64,
    pub tax_before_relief_cents: i64,
    pub relief_cents: i64,
    pub payable_cents: i64,
    /// `standard`, `nev_relief`, `nev_not_in_catalogue` or `used_vehicle`.
    pub basis: String,
}

/// Who bought: ids, name and the masked phone only.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "name": "王建国", "phone_masked": "138****5678"}))]
pub struct DealBuyer {
    pub customer_id: String,
    pub name: String,
    pub phone_masked: Option<String>,
}

/// A deal was won: what a finance system needs to invoice. The car was marked sold, the
/// customer became an owner with the car in their garage.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "buyer": {"customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "name": "王建国",
              "phone_masked": "138****5678"},
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB0P2000017",
    "brand": "比亚迪", "model": "汉", "condition": "new",
    "price_cents": 21980000,
    "purchase_tax": {"taxable_price_cents": 19451327, "tax_before_relief_cents": 1945133,
                     "relief_cents": 972566, "payable_cents": 972567, "basis": "nev_relief"},
    "fees_cents": 50000,
    "extras": {"accessories_cents": 350000, "insurance_cents": 580000,
               "extended_warranty_cents": 300000, "trade_in_allowance_cents": 3000000},
    "total_cents": 21232567, "quote_id": "0193a5f1-3c4d-7e00-8f1a-4b5c6d7e8f90",
    "won_at": "2026-12-08T09:30:00Z"
}))]
pub struct DealWon {
    pub deal_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub buyer: DealBuyer,
    pub vehicle_id: String,
    pub vin: String,
    pub brand: String,
    pub model: String,
    pub condition: String,
    /// The price invoiced, VAT included, in fen.
    pub price_cents: i64,
    pub purchase_tax: DealTax,
    /// Licence plate and registration fees: the accepted quote's (0 without one).
    pub fees_cents: i64,
    /// The accepted quote's other lines (all 0 without one).
    pub extras: DealExtras,
    /// What the customer pays: price, purchase tax, fees and extras, less the trade-in
    /// allowance. The accepted quote's total when the tax is as it quoted.
    pub total_cents: i64,
    /// The accepted quote the price, fees and extras come from, when the deal has one for
    /// this car; without one the price is the deal's amount, else the car's.
    pub quote_id: Option<String>,
    pub won_at: chrono::DateTime<chrono::Utc>,
}

/// What the accepted quote adds to the car, in fen.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"accessories_cents": 350000, "insurance_cents": 580000,
    "extended_warranty_cents": 300000, "trade_in_allowance_cents": 3000000}))]
pub struct DealExtras {
    pub accessories_cents: i64,
    pub insurance_cents: i64,
    pub extended_warranty_cents: i64,
    /// What the dealer allows for the customer's old car (置换): subtracted from the total.
    pub trade_in_allowance_cents: i64,
}

/// A deal was lost (战败): its lost request was approved, or made where no approval is needed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "from_stage": "quote", "reason": "competitor",
    "lost_request_id": "0193a5f2-4d5e-7f00-8a1b-5c6d7e8f9a00"
}))]
pub struct DealLost {
    pub deal_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub from_stage: String,
    /// price, competitor, financing_refused, no_stock, timing or other.
    pub reason: String,
    pub lost_request_id: String,
}

macro_rules! catalogue {
    ($($payload:ident = $name:literal, $summary:literal;)+) => {
        $(
            impl sealed::Sealed for $payload {}
            impl Event for $payload {
                const TYPE: &'static str = $name;
            }
        )+

        /// Every event type, with what it means.
        pub const TYPES: &[(&str, &str)] = &[$(($name, $summary)),+];

        /// Each type's name, summary, payload schema name and payload schema.
        pub fn payload_schemas() -> Vec<(
            &'static str,
            &'static str,
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )> {
            vec![$((
                $name,
                $summary,
                <$payload as ToSchema>::name().into_owned(),
                <$payload as utoipa::PartialSchema>::schema(),
            )),+]
        }
    };
}

/// A lead came in (by hand, from an integration, ADF XML or a batch): its customer
/// (attached or created), source, grade and score. Followed by `lead.assigned` when a rule
/// routed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70", "customer_created": false,
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60", "source": "autohome",
    "source_lead_id": "AH20261207000123", "campaign_id": null, "grade": "a", "score": 68,
    "owner_id": null, "wanted": {"brand": "比亚迪", "model": "汉EV", "condition": "new"}
}))]
pub struct LeadCreated {
    pub lead_id: String,
    pub customer_id: String,
    /// Whether intake created the customer (a prospect) rather than attaching to one.
    pub customer_created: bool,
    pub store_id: Option<String>,
    pub source: String,
    pub source_lead_id: Option<String>,
    pub campaign_id: Option<String>,
    /// H, A, B or C, lower case.
    pub grade: String,
    pub score: i32,
    /// The consultant it went to at once, if a rule routed it.
    pub owner_id: Option<String>,
    /// Brand, model and condition of the wanted car, when stated.
    #[schema(value_type = Object)]
    pub wanted: serde_json::Value,
}

/// A lead got an owner: routed by a rule (`why: routed`, with the rule's name), reassigned
/// by a manager, claimed from the pool, handed over, or moved by the escalation ladder.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "previous_owner_id": null,
    "why": "routed", "rule": "浦东店新车线索轮询", "grade": "h"
}))]
pub struct LeadAssigned {
    pub lead_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: String,
    pub previous_owner_id: Option<String>,
    /// `routed`, `reassigned`, `claimed`, `handed_over` or `escalated`.
    pub why: String,
    /// The routing rule's name, when a rule assigned it.
    pub rule: Option<String>,
    pub grade: String,
}

/// A lead went back to its store's pool (公海): not worked in time, or given up.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "previous_owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12", "grade": "b",
    "reason": "7 天未跟进，退回公海"
}))]
pub struct LeadReturnedToPool {
    pub lead_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub previous_owner_id: Option<String>,
    pub grade: String,
    pub reason: Option<String>,
}

/// A lead's grade changed (engagement, silence, new needs); the score's reasons are on the
/// lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "from": "b", "to": "a", "score": 71
}))]
pub struct LeadGradeChanged {
    pub lead_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub from: String,
    pub to: String,
    pub score: i32,
}

/// A test drive was booked (by staff, or by the customer for itself: `booked_via`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "test_drive_id": "0193a5e1-2b3c-7d00-8e1f-4a5b6c7d8e90",
    "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80", "vin": "LGXCE6CB8P0123456",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5c9-4d5e-7f00-8a1b-2c3d4e5f6a71",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T02:30:00Z",
    "booked_via": "staff"
}))]
pub struct TestDriveBooked {
    pub test_drive_id: String,
    pub vehicle_id: String,
    pub vin: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: String,
    pub store_id: Option<String>,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    /// `staff`, or `customer` (booked from the customer's app).
    pub booked_via: String,
}

/// An open task passed its due time unfinished: the escalation ladder took its first step.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "task_id": "0193a5e2-4b5c-7d00-8e1f-3a4b5c6d7e80",
    "kind": "first_response", "title": "首次响应：汽车之家H级线索",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "due_at": "2026-12-08T02:30:00Z"
}))]
pub struct TaskOverdue {
    pub task_id: String,
    /// first_response, follow_up, trigger, manual.
    pub kind: String,
    pub title: String,
    pub lead_id: Option<String>,
    pub customer_id: Option<String>,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub due_at: chrono::DateTime<chrono::Utc>,
}

/// One step of the escalation ladder was taken on an overdue task: the owner reminded, the
/// store's sales managers told, the task and its lead reassigned, or the general managers
/// told (总经理督办).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "task_id": "0193a5e2-4b5c-7d00-8e1f-3a4b5c6d7e80",
    "step": "reassign", "step_index": 2,
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "store_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a05",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "reassigned_to": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13",
    "notified": ["0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13"],
    "due_at": "2026-12-08T02:30:00Z", "overdue_minutes": 125
}))]
pub struct TaskEscalated {
    pub task_id: String,
    /// notify_owner, notify_store_manager, reassign, notify_general_manager.
    pub step: String,
    pub step_index: i32,
    pub lead_id: Option<String>,
    pub store_id: Option<String>,
    /// The owner when the step was taken.
    pub owner_id: Option<String>,
    /// The new owner (reassign step; null when nobody else was available).
    pub reassigned_to: Option<String>,
    /// The users told.
    pub notified: Vec<String>,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub overdue_minutes: i64,
}

/// A new version of a deal's quote was made (sent); the earlier open version, if any, was
/// superseded.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "quote_id": "0193a601-4d5e-7f00-8a1b-5c6d7e8f9a01",
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "version_number": 2, "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "vin": "LGXCE6CB0P2000017", "vehicle_net_cents": 21180000, "purchase_tax_cents": 937168,
    "total_cents": 22917168, "valid_until": "2026-12-15T09:30:00Z", "financed": true,
    "superseded_quote_id": "0193a600-3c4d-7e00-8f1a-4b5c6d7e8f90"
}))]
pub struct QuoteCreated {
    pub quote_id: String,
    pub deal_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub version_number: i64,
    pub vehicle_id: String,
    pub vin: String,
    /// Vehicle price less discounts, in fen.
    pub vehicle_net_cents: i64,
    pub purchase_tax_cents: i64,
    /// The sum of the quote's lines, in fen.
    pub total_cents: i64,
    pub valid_until: chrono::DateTime<chrono::Utc>,
    /// Whether the quote carries a financing plan.
    pub financed: bool,
    pub superseded_quote_id: Option<String>,
}

/// The customer accepted a quote: the deal moved to contract, and a financing application
/// was opened when the quote carries a plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "quote_id": "0193a601-4d5e-7f00-8a1b-5c6d7e8f9a01",
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "version_number": 2, "vehicle_id": "0193a5d0-1c2b-7a00-9e1f-3b4c5d6e7f80",
    "vin": "LGXCE6CB0P2000017", "total_cents": 22917168, "purchase_tax_cents": 937168,
    "financing_application_id": "0193a602-5e6f-7a00-9b2c-6d7e8f9a0b12",
    "accepted_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "accepted_at": "2026-12-10T06:45:00Z"
}))]
pub struct QuoteAccepted {
    pub quote_id: String,
    pub deal_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub version_number: i64,
    pub vehicle_id: String,
    pub vin: String,
    /// The sum of the quote's lines, in fen.
    pub total_cents: i64,
    pub purchase_tax_cents: i64,
    /// The application opened for the quote's plan (draft); null without a plan.
    pub financing_application_id: Option<String>,
    pub accepted_by: String,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
}

/// The customer turned a quote down (客户拒绝报价), with a reason from the lost reasons' list;
/// the deal stays where it is, for a new version or a lost request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "quote_id": "0193a600-3c4d-7e00-8f1a-4b5c6d7e8f90",
    "deal_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "version_number": 1, "total_cents": 23217168, "reason": "price",
    "declined_by": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "declined_at": "2026-12-09T08:20:00Z"
}))]
pub struct QuoteDeclined {
    pub quote_id: String,
    pub deal_id: String,
    pub customer_id: String,
    pub store_id: Option<String>,
    pub owner_id: Option<String>,
    pub version_number: i64,
    /// The sum of the quote's lines, in fen.
    pub total_cents: i64,
    /// price, competitor, financing_refused, no_stock, timing or other.
    pub reason: String,
    pub declined_by: String,
    pub declined_at: chrono::DateTime<chrono::Utc>,
}

/// A user's customers, open leads, open tasks, open deals and future test drives were handed
/// over (离职交接) to colleagues in one step: the totals and what each colleague received.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "handover_id": "0193a5f0-2b3c-7d00-8e1f-3a4b5c6d7e90",
    "from_user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "counts": {"customers": 12, "leads": 9, "tasks": 15, "deals": 3, "test_drives": 2, "invitations": 1},
    "targets": [
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a13",
         "counts": {"customers": 6, "leads": 5, "tasks": 8, "deals": 2, "test_drives": 1, "invitations": 1}},
        {"user_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a14",
         "counts": {"customers": 6, "leads": 4, "tasks": 7, "deals": 1, "test_drives": 1, "invitations": 0}}
    ]
}))]
pub struct UserHandedOver {
    pub handover_id: String,
    /// The user whose records moved.
    pub from_user_id: String,
    pub counts: crate::handover::service::HandoverCounts,
    pub targets: Vec<crate::handover::service::HandoverTargetCounts>,
}

/// A behaviour trigger fired for a lead's customer: the rule, the window it saw, and the task
/// it opened for the lead's owner. Once per window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "firing_id": "0193a5f2-3c4d-7e00-8f1a-5b6c7d8e9f01",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "owner_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "rule_key": "repeat_model_views", "rule_name": "到店议价提醒", "subject": "比亚迪 汉EV",
    "events": 3, "days": 3,
    "window_start": "2026-12-03T11:20:00Z", "covered_until": "2026-12-05T12:41:00Z",
    "task_id": "0193a5f2-3c4d-7e00-8f1a-5b6c7d8e9f02"
}))]
pub struct LeadTriggerFired {
    pub firing_id: String,
    pub lead_id: String,
    pub customer_id: String,
    pub owner_id: Option<String>,
    pub rule_key: String,
    pub rule_name: String,
    /// The model of a rule counted per model.
    pub subject: Option<String>,
    pub events: u32,
    pub days: u32,
    pub window_start: chrono::DateTime<chrono::Utc>,
    pub covered_until: chrono::DateTime<chrono::Utc>,
    pub task_id: String,
}

/// A walk-in was registered at the showroom (展厅客流登记): first or repeat visit, the
/// consultant who received them, and whether the customer and lead were created with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "visit_id": "0193a600-1a2b-7c00-8d1e-2f3a4b5c6d80",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "lead_id": "0193a5e0-1a2b-7c00-8d1e-2f3a4b5c6d70",
    "store_id": "0193a5c4-5a1b-7c00-8d2e-1f2a3b4c5d60",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "arrived_at": "2026-12-06T02:30:00Z", "party_size": 3, "kind": "first_visit",
    "customer_created": true, "invitation_id": null
}))]
pub struct ShowroomVisitRegistered {
    pub visit_id: String,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub store_id: Option<String>,
    pub consultant_id: Option<String>,
    pub arrived_at: chrono::DateTime<chrono::Utc>,
    pub party_size: i32,
    /// first_visit or repeat_visit.
    pub kind: String,
    pub customer_created: bool,
    /// The invitation this visit settled as showed.
    pub invitation_id: Option<String>,
}

/// A store-visit invitation (邀约到店) got its outcome: showed, no_show, rescheduled (with
/// the invitation that carries it on) or cancelled.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "invitation_id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d81",
    "customer_id": "0193a5c4-7b2e-7f00-8a1b-2c3d4e5f6a70",
    "consultant_id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a12",
    "appointment_at": "2026-12-06T06:00:00Z", "status": "rescheduled",
    "visit_id": null, "rescheduled_to_id": "0193a601-1a2b-7c00-8d1e-2f3a4b5c6d82"
}))]
pub struct StoreVisitInvitationSettled {
    pub invitation_id: String,
    pub customer_id: String,
    pub consultant_id: String,
    pub appointment_at: chrono::DateTime<chrono::Utc>,
    pub status: String,
    pub visit_id: Option<String>,
    pub rescheduled_to_id: Option<String>,
}

catalogue! {
    CustomerCreated = "customer.created", "A customer profile was created";
    CustomerUpdated = "customer.updated", "A customer profile was changed";
    CustomerArchived = "customer.archived", "A customer was archived";
    FinancingStatusChanged = "financing.status_changed", "A financing application changed status (or was opened as draft)";
    WebhookTest = "webhook.test", "A test sent to one subscription on request";
    ActivityCreated = "activity.created", "An activity with a customer was recorded (call, visit, test drive, …)";
    ConsentChanged = "consent.changed", "A customer granted or withdrew a consent";
    CustomerMerged = "customer.merged", "Duplicate customers were merged into one (the survivor)";
    CustomerErased = "customer.erased", "A customer's personal data was erased on the person's request (PIPL)";
    VehicleCreated = "vehicle.created", "A car was added to inventory";
    VehiclePriceChanged = "vehicle.price_changed", "A car's asking price changed";
    VehicleStatusChanged = "vehicle.status_changed", "A car's status changed (in stock, reserved, sold, ...)";
    InspectionCompleted = "inspection.completed", "A car was inspected: a new inspection report with its verdict";
    InventoryAlertOpened = "inventory.alert", "An inventory alert opened (low stock or a car too long in stock)";
    VehicleReserved = "vehicle.reserved", "A car was reserved for a customer until an expiry";
    ReservationCancelled = "reservation.cancelled", "A car's reservation was cancelled (by a person, or because the car was sold)";
    ReservationExpired = "reservation.expired", "A car's reservation expired and the car went back to stock";
    TransferRequested = "transfer.requested", "A transfer of a car between stores was requested";
    TransferApproved = "transfer.approved", "A transfer of a car between stores was approved";
    TransferDispatched = "transfer.dispatched", "A car left for another store (in transit)";
    TransferReceived = "transfer.received", "A car arrived at the store it was transferred to";
    TransferCancelled = "transfer.cancelled", "A transfer of a car between stores was cancelled";
    LeadCreated = "lead.created", "A lead came in (by hand, integration, ADF XML or batch), attached to or creating its customer";
    LeadAssigned = "lead.assigned", "A lead got an owner: routed by a rule, reassigned, claimed from the pool or handed over";
    LeadReturnedToPool = "lead.returned_to_pool", "A lead went back to its store's pool (公海), unworked in time or given up";
    LeadGradeChanged = "lead.grade_changed", "A lead's grade (H/A/B/C) changed";
    DealCreated = "deal.created", "A deal was opened from a lead (now converted) or a customer";
    DealStageChanged = "deal.stage_changed", "A deal moved to another stage, with the waivers that stood in for missing documents";
    DealWon = "deal.won", "A deal was won: buyer, VIN, price, purchase tax and fees for invoicing";
    DealLost = "deal.lost", "A deal was lost (战败) with its reason, once its lost request was approved";
    TestDriveBooked = "test_drive.booked", "A test drive was booked: a car, a consultant and a time";
    TaskOverdue = "task.overdue", "An open task passed its due time unfinished (the escalation ladder's first step)";
    TaskEscalated = "task.escalated", "An escalation step was taken on an overdue task: owner reminded, manager told, reassigned, or general manager told";
    QuoteCreated = "quote.created", "A new version of a deal's quote was sent (the earlier open one superseded)";
    QuoteAccepted = "quote.accepted", "A quote was accepted: the deal moved to contract, a financing application opened for its plan";
    QuoteDeclined = "quote.declined", "The customer turned a quote down, with a reason; the deal stays where it is";
    UserHandedOver = "user.handed_over", "A user's customers, open leads, open tasks, open deals, future test drives and pending store-visit invitations were handed over to colleagues (离职交接)";
    LeadTriggerFired = "lead.trigger_fired", "A behaviour trigger fired for a lead's customer (e.g. the same model viewed on 3 days) and opened a task for the owner";
    ShowroomVisitRegistered = "showroom.visit_registered", "A walk-in was registered at the showroom (展厅客流登记): first or repeat visit, with its customer and lead";
    StoreVisitInvitationSettled = "store_visit_invitation.settled", "A store-visit invitation (邀约到店) got its outcome: showed, no-show (entered, or settled by the system once the appointment's day and the next have passed), rescheduled or cancelled";
}

/// Whether `event_type` is in the catalogue.
pub fn is_known(event_type: &str) -> bool {
    TYPES.iter().any(|(name, _)| *name == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_unique_and_well_formed() {
        let mut names: Vec<&str> = TYPES.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TYPES.len());
        for name in names {
            assert!(
                name.split('.').count() == 2
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_'),
                "{name}"
            );
        }
    }

    #[test]
    fn every_payload_schema_has_an_example() {
        for (name, _, _, schema) in payload_schemas() {
            let json = serde_json::to_value(&schema).unwrap();
            assert!(
                json.get("example").is_some() || json.get("examples").is_some(),
                "{name}"
            );
        }
    }

    /// Every `Change::new("x.y", ...)` in the code that carries an event names a catalogued
    /// type: the compiler ties the payload to its type, and `Ctx::record` refuses an action
    /// that is not its payload's type; this also reads the sources, so that a new event is
    /// added here in the same change.
    #[test]
    fn every_emitted_type_is_catalogued() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut emitted = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    // This file and the context's own definition of `event` emit nothing.
                    && !path.ends_with("events/catalogue.rs")
                    && !path.ends_with("app/context.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (i, _) in text.match_indices(".event(") {
                        // The action of the nearest `Change::new("...")` before the call.
                        let before = &text[..i];
                        if let Some(start) = before.rfind("Change::new(") {
                            let rest = &before[start + "Change::new(".len()..];
                            let action = rest.trim_start().trim_start_matches('"');
                            let action = &action[..action.find('"').unwrap_or(0)];
                            // A macro's body names its action `$action`; its call sites pass
                            // literals, and `Ctx::record` refuses one that is not the
                            // payload's own type.
                            if rest.trim_start().starts_with('$') {
                                continue;
                            }
                            emitted.push((path.display().to_string(), action.to_owned()));
                        }
                    }
                }
            }
        }
        assert!(!emitted.is_empty());
        for (file, action) in emitted {
            assert!(
                is_known(&action),
                "{file} emits {action}, which is not catalogued"
            );
        }
    }
}
