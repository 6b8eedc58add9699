//! HTTP plumbing shared by every route: authentication and permissions, the endpoint
//! registry, extractor errors, middleware, paging, versions, idempotency, rate limits.

pub mod authenticate;
pub mod authorized;
pub mod csv_download;
pub mod endpoint;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod pagination;
pub mod query;
pub mod rate_limit;
pub mod versioning;

pub use authorized::{Authorized, Public, perm};
pub use endpoint::Endpoint;
pub use extract::{Json, PathId};
pub use versioning::IfMatch;
