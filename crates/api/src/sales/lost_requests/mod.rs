//! Lost requests (战败申请) of leads and deals, decided by the store's sales manager under
//! the organisation's lost policy; reactivating a lost lead into its pool.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
