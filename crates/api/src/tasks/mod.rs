//! Tasks (issue 10): first responses, follow-ups, trigger and manual tasks, the SLA clock
//! and the escalation ladder. `service` opens and moves them for every capability.

pub mod service;
