//! Attachments: files that belong to a record (ID scans and licences of a customer, a
//! financing application's documents, call recordings). Access follows the owner
//! (`owners`); the content streams in and out (`upload`, the download handler), is encrypted
//! at rest in chunks (`crypto`) and lives in a file store behind a trait (`storage`: local
//! disk, or S3-compatible); a periodic job sweeps what uploads and owners left behind
//! (`sweep`).

pub mod crypto;
pub mod demo;
pub mod dto;
pub mod handlers;
pub mod owners;
pub mod service;
pub mod storage;
pub mod sweep;
pub mod upload;

pub use handlers::endpoints;
pub use storage::Files;
