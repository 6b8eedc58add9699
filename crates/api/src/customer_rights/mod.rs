//! Customer merge and the person's rights under PIPL (issue 8, items 10 and 11): merging
//! duplicates into one survivor, the export of all personal data held on a customer, and
//! its irreversible erasure.

pub mod dto;
pub mod handlers;
pub mod service;

pub use handlers::endpoints;
