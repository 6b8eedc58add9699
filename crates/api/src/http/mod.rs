//! HTTP plumbing shared by every route: extractor errors, middleware, paging, versions.

pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod pagination;
pub mod rate_limit;
pub mod versioning;
