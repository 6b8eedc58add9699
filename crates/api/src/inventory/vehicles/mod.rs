//! The cars in inventory: add, change, search, VIN decoding and ERP sync by VIN.

pub mod service;
pub mod view;
