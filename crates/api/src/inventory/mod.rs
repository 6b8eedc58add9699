//! Vehicle inventory (issue 9): the cars, VIN decoding, ERP sync and search (`vehicles`), and
//! the capabilities built on them, each in its own folder.

pub mod alerts;
pub mod demo;
pub mod inspections;
pub mod matching;
pub mod pricing;
pub mod reservations;
pub mod transfers;
pub mod vehicles;
