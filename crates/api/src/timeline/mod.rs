//! A customer's timeline: activities, behaviour events, consent changes, vehicles added to
//! the garage and the changes of the customer record, merged newest first.

pub mod cursor;
pub mod demo;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
