//! The cars in inventory: add, change, search (with the free query), VIN decoding, and the
//! ERP's sync by VIN.

pub mod demo;
pub mod dto;
pub mod export;
pub mod handlers;
pub mod search;
pub mod service;
pub mod view;

pub use handlers::endpoints;
