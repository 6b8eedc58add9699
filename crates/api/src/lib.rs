//! The AutoCRM HTTP API: configuration, auth, handlers, OpenAPI and the server.

pub mod audit;
pub mod auth;
pub mod config;
pub mod customers;
pub mod error;
pub mod financing;
pub mod http;
pub mod openapi;
pub mod ops;
pub mod organization;
pub mod pii;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod validate;
