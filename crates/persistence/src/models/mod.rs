//! Row models and their queries, one file per table group.

mod activity;
mod api_client;
mod attachment;
mod audit;
mod behavior;
mod consent;
mod customer;
mod customer_import;
mod customer_profile;
mod customer_rights;
mod customer_sign_in;
mod deal;
mod delivery;
mod financing;
mod garage;
mod handover;
mod idempotency;
mod inspection;
mod inventory_alert;
mod job;
mod lead;
mod lead_trigger;
mod market_price;
mod notification;
mod organization;
mod outbox;
mod principal;
mod quote;
pub(crate) mod record;
mod refresh_token;
mod reservation;
mod showroom;
mod store;
mod tag;
mod task;
mod task_board;
mod test_drive;
mod timeline;
mod user;
mod user_shift;
mod vehicle;
mod vehicle_matching;
mod vehicle_transfer;
mod webhook;

pub use activity::Activity;
pub use api_client::ApiClient;
pub use attachment::{Attachment, AttachmentStatus};
pub use audit::{AuditEntry, AuditFilter};
pub use behavior::{BehaviorEventRow, DeviceLink};
pub use consent::ConsentRow;
pub use customer::{Customer, CustomerFilter, CustomerSort};
pub use customer_import::{CustomerImport, ImportStatus};
pub use customer_profile::{
    CustomerContact, CustomerLookup, LifecycleChangeRow, LookupKind, reveals_since,
};
pub use customer_rights::{
    CustomerMerge, PayloadTable, RelatedCounts, applications_of, count_related,
    delete_sign_in_codes, devices_of, erase_related, event_payloads, forget_stored_answers,
    live_attachments_of, move_related, set_event_payload,
};
pub use customer_sign_in::{SignInCode, WechatMiniProgram};
pub use deal::{
    Deal, DealCollaborator, DealComment, DealDocument, DealFilter, DealScope, DealStageChange,
    LostRequestFilter, LostRequestRow,
};
pub use delivery::{Delivery, DeliveryAttempt, DeliveryStatus};
pub use financing::{ApplicationEvent, ApplicationFilter, FinanceProduct, FinancingApplication};
pub use garage::{MileageReading, OwnedVehicle};
pub use handover::{Handover, HandoverFilter, owned};
pub use idempotency::IdempotencyRecord;
pub use inspection::InspectionReport;
pub use inventory_alert::{AlertFilter, AlertRule, IN_STOCK, InventoryAlert};
pub use job::{JobRow, JobStatus, QueueDepth};
pub use lead::{Lead, LeadFilter, LeadHistoryEntry, OwnerFilter};
pub use market_price::MarketPrice;
pub use notification::{
    NotificationFilter, NotificationGateway, NotificationPreferences, NotificationRow, StreamTicket,
};
pub use organization::Organization;
pub use outbox::{FeedFilter, OutboxEvent};
pub use principal::SubjectState;
pub use quote::Quote;
pub use record::{CheckedFind, Subject, TenantRecord, Versioned};
pub use refresh_token::RefreshToken;
pub use reservation::{ReservationFilter, VehicleReservation};
pub use store::{Store, StoreFilter};
pub use tag::{CustomerTag, DynamicTagRow, Tag, tagged};
pub use task::Task;
pub use task_board::{TaskEscalation, TaskFilter, TaskScopeFilter};
pub use test_drive::{CalendarFeed, TestDrive, TestDriveFilter, TestDriveSlot};
pub use timeline::{TimelineBefore, customer_changes};
pub use user::{User, UserFilter};
pub use user_shift::{RoutingMember, UserShift};
pub use vehicle::{Vehicle, VehicleCost, VehicleSearch, VehicleSort, admitted_by};

pub use lead_trigger::LeadTriggerFiring;
pub use showroom::{ShowroomFilter, ShowroomVisit, StoreVisitInvitation};
pub use vehicle_matching::{CandidateCar, CarKeys, CustomerNeedIndex, VehicleCandidates};
pub use vehicle_transfer::{TransferFilter, TransferTracking, VehicleTransfer};
pub use webhook::WebhookSubscription;

/// A keyset position: the sort key of the last row seen, and its id as tie-breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysetAfter {
    pub key: String,
    pub id: String,
}
