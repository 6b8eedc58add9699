//! Inspection reports (车况检测): the standard checklist, reports of a car (written once,
//! never changed), and the latest report's summary that vehicle answers and the customer
//! 360° view show. Photos are attachments owned by a report (`inspection_report`).

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
