//! Lead scoring (issue 10 item 3): the grade H/A/B/C and the 0–100 score with their reasons,
//! from the lead's needs, the customer's behaviour and activities, and the stock. Recomputed
//! when needs, activities or behaviour change; grade changes are kept on the lead's history.

pub mod handlers;
pub mod service;

pub use handlers::endpoints;
