//! Tasks (issue 10): first responses, follow-ups, trigger and manual tasks, the SLA clock
//! and the escalation ladder. `service` opens and moves them for every capability; `board`
//! holds the task endpoints' use cases, `sla` the SLA settings and the first-response and
//! follow-up tasks, `escalation` the ladder's job.

pub mod board;
pub mod demo;
pub mod dto;
pub mod escalation;
pub mod handlers;
pub mod service;
pub mod sla;

pub use handlers::endpoints;
