//! Leads (issue 10): one enquiry of one customer, from intake to conversion or loss.
//!
//! `service` holds what every lead capability shares: the caller's lead scope, finding a
//! visible lead, the lead's history, moving a lead between owners and the pool (with its
//! open tasks, the event and the new owner's notification), reading and working leads. The
//! capabilities live beside it, each in its own folder: `intake`, `scoring`, `routing`,
//! `pool`.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod intake;
pub mod pool;
pub mod routing;
pub mod scoring;
pub mod service;
pub mod triggers;

/// Every lead endpoint.
pub fn endpoints() -> Vec<crate::http::Endpoint> {
    let mut all = handlers::endpoints();
    all.extend(intake::endpoints());
    all.extend(intake::mapping::endpoints());
    all.extend(scoring::endpoints());
    all.extend(routing::endpoints());
    all.extend(pool::endpoints());
    all.extend(triggers::endpoints());
    all
}
