//! The sales pipeline (issue 10): deals with stage gates and lost requests, quotes, test
//! drives, showroom traffic and store-visit invitations. Each capability in its own folder.

pub mod deals;
pub mod lost_requests;
pub mod quotes;
pub mod showroom;
pub mod test_drives;
