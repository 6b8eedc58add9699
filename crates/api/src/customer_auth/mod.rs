//! Customer sign-in for mini-programs and apps (`/api/v1/customer-auth/*`: SMS code and
//! WeChat) and the signed-in customer's own data (`/api/v1/me/customer`, consents, garage,
//! behaviour events). A customer token has the role `customer`: it acts on one customer
//! record and holds no staff permission.

pub mod dto;
pub mod handlers;
pub mod own;
pub mod service;
pub mod wechat;

use crate::http::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    [handlers::endpoints(), own::endpoints()].concat()
}
