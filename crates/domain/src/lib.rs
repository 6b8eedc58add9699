//! AutoCRM domain rules and value types: pure functions, no I/O.

pub mod access;
pub mod contact;
pub mod financing;
