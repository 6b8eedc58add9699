//! Staff notifications: the in-app list and its live stream (Server-Sent Events), each
//! person's channel preferences, and the organisation's outbound gateways (SMS, e-mail, app
//! push, WeChat template messages). Capabilities raise notifications through
//! [`notify`], inside their own unit of work.

pub mod demo;
pub mod dto;
pub mod handlers;
pub mod service;
pub mod stream;
pub mod watch;

pub use handlers::endpoints;
pub use service::{Notification, enqueue_outbound, notify};
