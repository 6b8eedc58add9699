//! The organisation's own set-up: its settings, stores, users, API clients, bootstrap and
//! demo data.

pub mod api_clients;
pub mod bootstrap;
pub mod demo;
pub mod settings;
pub mod stores;
pub mod users;

use crate::http::Endpoint;

pub fn endpoints() -> Vec<Endpoint> {
    [
        settings::endpoints(),
        stores::endpoints(),
        users::endpoints(),
        api_clients::endpoints(),
    ]
    .concat()
}
