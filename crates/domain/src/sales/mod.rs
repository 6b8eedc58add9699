//! The sales pipeline (issue 10): deals and their stage gates, quotes with purchase tax, test
//! drive slots, showroom traffic and store-visit invitations.

pub mod deals;
pub mod purchase_tax;
pub mod quotes;
