//! The lead pool (公海, issue 10): owned leads not worked within their grade's time return to
//! their store's pool (the organisation's for leads without a store) by a periodic job;
//! consultants claim from it with a daily cap, and the previous owner waits out a ban before
//! reclaiming. Every move goes through `leads::service::set_owner`, so it is on the lead's
//! history.

pub mod dto;
pub mod handlers;
pub mod job;
pub mod service;

pub use handlers::endpoints;
