//! Customer sign-in for mini-programs and apps (`/api/v1/customer-auth/*`) and the signed-in
//! customer's own record (`/api/v1/me/customer`). A customer token has the role `customer`:
//! it acts on one customer record and holds no staff permission.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
