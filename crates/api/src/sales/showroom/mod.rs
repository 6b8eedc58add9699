//! Showroom traffic (展厅客流登记) and store-visit invitations (邀约到店), issue 10 item 8: the
//! reception registers each walk-in (arrival, departure, party size, first or repeat visit,
//! the consultant who received them) against a customer and lead, created when new; the
//! consultants' invitations get their outcome (showed, no-show, rescheduled), a visit
//! settling its invitation as showed and a job settling the rest as no-shows once their day
//! has passed, so that 到店率 is counted from the rows.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod no_shows;
pub mod service;

pub use handlers::endpoints;
