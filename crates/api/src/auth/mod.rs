//! Identity: access tokens, passwords, secrets, and the sign-in use cases. The HTTP side
//! (the `Authorized` extractor, the sign-in endpoints) builds on this, never the reverse.

pub mod jwt;
pub mod password;
pub mod secret;
pub mod service;
