//! Customers in and out in bulk: CSV import (UTF-8 or GBK, column mapping, dry run, a
//! report per row, a background job that creates the valid rows) and CSV/XLSX export of a
//! filtered list (masked, audited).

pub mod dto;
pub mod export;
pub mod handlers;
pub mod import;
pub mod reading;

pub use handlers::endpoints;
