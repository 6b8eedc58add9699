//! The sales pipeline (issue 10): deals and their stage gates, quotes with purchase tax, test
//! drive slots, showroom traffic and store-visit invitations.
//!
//! Like [`crate::leads`], every rule is a pure function: the caller passes `now` or the local
//! date, and the facts it read.

pub mod deals;
pub mod purchase_tax;
pub mod quotes;
pub mod test_drives;
pub mod visits;
