//! Deals (opportunities, issue 10): the stages from qualified to won or lost, gates that
//! read the deal's documents (attachments with a kind) or waivers with a reason, the stage
//! history, winning (the car sold, the customer an owner with the car in the garage,
//! `deal.won` for invoicing), collaborators (专家会诊) and comments with @mentions.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
