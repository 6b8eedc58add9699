//! A staff member's appointments as an iCalendar feed at a secret, revocable URL (calendar
//! apps cannot send a bearer header): `POST/DELETE /api/v1/me/calendar-feed` and
//! `GET /api/v1/calendar/{feed_token}.ics`.

pub mod handlers;
pub mod ical;
pub mod service;

pub use handlers::endpoints;
