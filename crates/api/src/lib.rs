//! The AutoCRM HTTP API: configuration, the application layer (use cases in a unit of work),
//! identity, the HTTP plumbing, the capabilities, the OpenAPI document and the server.

pub mod account;
pub mod activities;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod behavior;
pub mod config;
pub mod consents;
pub mod customer360;
pub mod customer_auth;
pub mod customer_rights;
pub mod customer_transfer;
pub mod customers;
pub mod error;
pub mod events;
pub mod financing;
pub mod garage;
pub mod http;
pub mod inventory;
pub mod jobs;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod organization;
pub mod outbound;
pub mod pii;
pub mod routes;
pub mod startup;
pub mod state;
pub mod tags;
pub mod telemetry;
pub mod timeline;
pub mod validate;
pub mod webhooks;
