//! Leads (issue 10): one enquiry of one customer, from intake to conversion or loss.
//!
//! `service` holds what every lead capability shares: the caller's lead scope, finding a
//! visible lead, the lead's history, and moving a lead between owners and the pool (with its
//! open tasks, the event and the new owner's notification). The capabilities live beside
//! it, each in its own folder.

pub mod pool;
pub mod service;
