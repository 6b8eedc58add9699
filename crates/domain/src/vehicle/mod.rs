//! Vehicles: what kind of car it is, where it is in stock, and the inventory rules (VIN,
//! matching, pricing, free-text search).

pub mod alerts;
pub mod catalog;
mod cities;
mod geo;
pub mod inspection;
mod kinds;
mod matching;
mod money;
mod plate;
mod pricing;
mod query;
mod status;
mod vin;
mod wmi;

pub use cities::{City, Province, cities, city_by_code, find_city};
pub use geo::{
    BoundingBox, GeoError, GeoPoint, Location, TransferCostModel, TransferEstimate,
    TransferModelError,
};
pub use kinds::{
    BodyType, ColourFamily, Condition, Drivetrain, EmissionStandard, EnergyType, Paint,
    Transmission,
};
pub use matching::{
    AgeReference, ColourFilter, Evaluation, HardFilter, MAX_WEIGHT, MatchReason, MatchSettings,
    MatchSettingsError, MatchWeights, MatchWeightsError, Matcher, Prospect, Radius, Ranked,
    VehicleFacts, VehicleMatch, customers_for_vehicle, top_n,
};
pub use plate::{PLATE_MAX_CHARS, PLATE_MIN_CHARS, Plate, PlateError};
pub use pricing::{
    AdjustedComparable, AgingStep, Comparable, ComparableSource, MarketReference, PriceReason,
    PriceSuggestion, PricingPolicy, PricingPolicyError, PricingSubject, price_reason,
    suggest_price,
};
pub use query::{Meaning, QueryTerm, VehicleQuery, parse_query};
pub use status::{
    HoldState, ReservationError, ReservationPolicy, ReservationTimes, StatusMachine,
    TransferStatus, TransitionError, VehicleStatus, transition,
};
pub use vin::{VIN_LENGTH, Vin, VinDecode, VinError, VinProblem, decode, model_years, vin_problem};
