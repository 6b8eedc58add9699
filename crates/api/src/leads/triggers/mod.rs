//! Behaviour triggers (issue 10 item 7): the organisation's rules over a customer's
//! behaviour events and activities (the same model viewed on 3 days within 7 → 到店议价提醒;
//! the financing calculator used twice → a finance consultation). Evaluated inline, in the
//! unit of work that records the event or the activity; each window fires once (its key is
//! unique per customer) and opens a task for the owner of the customer's open lead.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
