//! Test drives (issue 10 item 10): a car from stock (or a demo car) booked with a
//! consultant for a customer on the organisation's slot grid, never twice at once; the
//! customer books for itself from the app; feedback after the drive; the signed agreement as
//! an attachment (owner type `test_drive`). The consultant's calendar feed is in
//! `crate::calendar`.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
