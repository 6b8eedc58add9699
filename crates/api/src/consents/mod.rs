//! Consent records under PIPL: grants and withdrawals per purpose, only ever added. The
//! customer's `marketing_consent` flag is their derived cache, kept in the same transaction.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
