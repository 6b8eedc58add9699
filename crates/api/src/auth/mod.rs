//! Authentication (tokens, passwords) and authorisation (roles, scopes, data scope).

pub mod jwt;
pub mod password;
pub mod permission;
pub mod principal;
pub mod secret;

pub use permission::{Authorized, Permission};
pub use principal::{Principal, PrincipalKind};
pub mod handlers;
pub mod service;
