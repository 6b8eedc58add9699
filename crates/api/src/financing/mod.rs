//! Financing over HTTP: the calculators, finance products and applications.

pub mod applications;
pub mod calculator;
pub mod dto;
pub mod handlers;
pub mod products;
