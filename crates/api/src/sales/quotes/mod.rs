//! Quotes (issue 10 item 11): a deal's priced offer, version by version: the vehicle price
//! (from stock by default), discounts, accessories, insurance, extended warranty,
//! registration fees, the purchase tax (the organisation's rules), the trade-in allowance and
//! an optional financing plan priced by the financing calculator, all in fen. A sent quote
//! expires; accepting one moves the deal to contract (under its gates) and opens a financing
//! application when it carries a plan; the customer may decline one instead, with a reason.
//! Emits `quote.created`, `quote.accepted` and `quote.declined`.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
