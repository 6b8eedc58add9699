//! Handover (离职交接, issue 10 item 12): when a consultant leaves or changes store, a
//! manager moves all of their customers, open leads, open tasks, open deals, future test
//! drives and pending store-visit invitations to one or several colleagues in one audited
//! step, with a dry run that counts what would move.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
