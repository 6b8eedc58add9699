//! AutoCRM domain rules and value types: pure functions, no I/O.

pub mod access;
pub mod attachment;
pub mod contact;
pub mod customer;
pub mod financing;
pub mod leads;
pub mod notification;
pub mod organization;
pub mod sales;
pub mod text_enum;
pub mod time;
pub mod vehicle;

#[doc(hidden)]
pub mod __private {
    pub use serde;
}
