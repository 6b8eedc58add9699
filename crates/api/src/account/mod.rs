//! The caller's side of identity: signing in and out, client tokens, and one's own account.

pub mod handlers;

pub use handlers::endpoints;
