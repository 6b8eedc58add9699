//! The organisation's own set-up: stores, users, API clients, bootstrap and demo data.

pub mod api_clients;
pub mod bootstrap;
pub mod demo;
pub mod stores;
pub mod users;
