//! Customer sign-in for mini-programs and apps (`/api/v1/customer-auth/*`: SMS code and
//! WeChat) and the signed-in customer's own record (`/api/v1/me/customer`). A customer token
//! has the role `customer`: it acts on one customer record and holds no staff permission.

pub mod dto;
pub mod handlers;
pub mod service;
pub mod wechat;

pub use handlers::endpoints;
