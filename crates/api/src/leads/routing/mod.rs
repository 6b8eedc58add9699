//! Lead routing (issue 10 item 4): the organisation's rules, tried in order, give a lead to a
//! consultant of the rule's team who is active and on shift (round-robin or least-loaded);
//! managers reassign by hand with a reason; shifts and the on-duty switch.

pub mod handlers;
pub mod service;

pub use handlers::endpoints;
