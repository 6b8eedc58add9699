//! Lead intake (issue 10 item 1): staff entry, integrations (JSON through a per-client field
//! mapping, or ADF XML), batches. Every door reads the same lead body and runs the same use
//! case (`service::intake`), one unit of work per lead.

pub mod adf;
pub mod dto;
pub mod handlers;
pub mod mapping;
pub mod retention;
pub mod service;

pub use handlers::endpoints;
