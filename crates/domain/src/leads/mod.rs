//! Leads (DESIGN §5, issue 10): grades and scores with their reasons, routing to consultants on
//! shift, the lead pool (公海), SLA tasks and escalation, behaviour triggers, and the lead's
//! lifecycle with lost requests (战败).
//!
//! Everything here is a pure function of its inputs: the caller passes `now`, the organisation's
//! local date or time where a rule needs one, and the facts it read from the database. Settings
//! are serde types with `Default` and a `validate` that reports every problem by field.

mod events;
mod grade;
pub mod intake_mapping;
mod lost;
mod needs;
pub mod pool;
pub mod routing;
pub mod scoring;
mod shift;
pub mod sla;
mod source;
mod status;
pub mod triggers;
mod validation;

pub use events::{CustomerEvent, EventKind};
pub use grade::{LeadGrade, PerGrade};
pub use lost::{
    LOST_NOTE_MAX, LostDecision, LostPolicy, LostReason, LostRequest, LostRequestError,
    LostRequestStatus, reason_note,
};
pub use needs::{LeadNeeds, WantedVehicle};
pub use shift::{DayOfWeek, ShiftPattern, ShiftSpan, is_on_shift};
pub use source::{InvalidSourceChannel, SOURCE_CHANNEL_MAX, SourceChannel};
pub use status::{IllegalLeadTransition, LeadStatus};
pub(crate) use validation::Issues;
pub use validation::{FieldIssue, Invalid, IssueCode};
