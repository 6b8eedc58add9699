//! What a customer did, as the CRM learns it: behaviour events from apps and mini-programs, and
//! activities that staff log. Scoring and behaviour triggers read the same list.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    pub enum EventKind {
        /// Opened a model's page; `subject` names the model.
        ModelViewed = "model_viewed",
        FinancingCalculatorUsed = "financing_calculator_used",
        QuoteRequested = "quote_requested",
        TestDriveBooked = "test_drive_booked",
        /// Came to the showroom (展厅到店).
        StoreVisit = "store_visit",
        /// Drove a car (试驾), as the consultant recorded it.
        TestDrive = "test_drive",
        /// Answered a call, message or WeChat.
        CustomerReply = "customer_reply",
        /// A consultant called or wrote, whether or not the customer answered.
        ContactAttempt = "contact_attempt",
    }
}

impl EventKind {
    /// Whether the customer, not staff, acted: engagement counts these, and silence is the
    /// time without them.
    pub fn is_customer_engagement(self) -> bool {
        self != EventKind::ContactAttempt
    }
}

/// One behaviour event or activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerEvent {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// The organisation's local date of `at`: "different days" are local days, and the domain
    /// has no time-zone database.
    pub local_date: NaiveDate,
    /// What the event was about when it matters (the model viewed); compared exactly.
    pub subject: Option<String>,
}
