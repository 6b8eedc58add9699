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

impl CustomerEvent {
    /// What scoring and triggers read of a behaviour event from an app or mini-program; `None`
    /// for events they do not count (searches, page views, sessions...). A model view names
    /// its model (`brand model`) as the subject.
    pub fn from_behavior(event: &crate::customer::BehaviorEvent) -> Option<CustomerEvent> {
        use crate::customer::BehaviorEventType as B;
        let kind = match event.event_type {
            B::VehicleViewed | B::VehicleFavorited => EventKind::ModelViewed,
            B::FinancingCalculated => EventKind::FinancingCalculatorUsed,
            B::PriceInquired => EventKind::QuoteRequested,
            B::TestDriveRequested => EventKind::TestDriveBooked,
            _ => return None,
        };
        Some(CustomerEvent {
            kind,
            at: event.occurred_at,
            local_date: event.local_date,
            subject: event
                .models
                .first()
                .map(|m| format!("{} {}", m.brand(), m.model())),
        })
    }

    /// What scoring and triggers read of an activity staff logged: a visit or a test drive as
    /// such; a call or message as the customer's reply when they were reached, else as an
    /// attempt; notes not at all.
    pub fn from_activity(
        kind: crate::customer::ActivityKind,
        outcome: Option<crate::customer::ActivityOutcome>,
        at: DateTime<Utc>,
        local_date: NaiveDate,
    ) -> Option<CustomerEvent> {
        use crate::customer::{ActivityKind as K, ActivityOutcome as O};
        let kind = match kind {
            K::StoreVisit => EventKind::StoreVisit,
            K::TestDrive => EventKind::TestDrive,
            K::Note => return None,
            K::Call | K::Wechat | K::Sms | K::Email => match outcome {
                Some(
                    O::Reached
                    | O::Interested
                    | O::NotInterested
                    | O::AppointmentBooked
                    | O::Completed
                    | O::Ordered,
                ) => EventKind::CustomerReply,
                _ => EventKind::ContactAttempt,
            },
        };
        Some(CustomerEvent {
            kind,
            at,
            local_date,
            subject: None,
        })
    }
}
