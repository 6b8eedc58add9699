//! Explainable customer–vehicle matching (DESIGN §5 "Vehicle matching").
//!
//! A [`Matcher`] holds one customer's [`Needs`] prepared for scoring. Each criterion the
//! customer expressed yields a fit from 0 to 100; the score is the weighted mean of the fits,
//! 0–100. Criteria named in `needs.must_have` are hard filters: a car that fails one is never
//! offered ([`Matcher::score`] answers `None`). [`HardFilter`] is the same hard part as plain
//! data, for a repository to run in SQL on indexed columns before the few candidates left are
//! scored. A vehicle attribute that is not recorded fails a hard filter (nothing can be
//! promised about it) and scores a neutral 50 as a preference.
//!
//! [`top_n`] ranks cars for one customer with a bounded heap and writes reasons only for the
//! winners; [`customers_for_vehicle`] runs the same scoring the other way round.

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, BinaryHeap};

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::catalog;
use super::geo::{GeoPoint, Location, TransferCostModel, TransferEstimate, TransferModelError};
use super::money::{km_en, km_zh, yuan_en, yuan_zh};
use super::{BodyType, ColourFamily, Condition, EnergyType, Paint, Transmission};
use crate::customer::{NeedCriterion, Needs};

/// A car in stock as matching sees it. Build it with [`VehicleFacts::new`], which derives the
/// catalogue keys, then set what is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleFacts {
    /// As the organisation writes it; shown in messages.
    pub brand: String,
    /// [`catalog::brand_key`] of `brand` (borrowed from the catalogue for known brands, so
    /// comparing it touches no per-car memory). Repositories store it in an indexed column.
    pub brand_key: Cow<'static, str>,
    pub model: String,
    /// [`catalog::model_key`] of `model` within the brand.
    pub model_key: Cow<'static, str>,
    pub condition: Condition,
    pub body_type: Option<BodyType>,
    pub energy_type: Option<EnergyType>,
    pub transmission: Option<Transmission>,
    pub seats: Option<u8>,
    pub model_year: Option<i32>,
    pub first_registration: Option<NaiveDate>,
    pub mileage_km: i64,
    pub colour: Option<Paint>,
    pub asking_price_cents: i64,
    /// The store's coordinates, or its city's.
    pub location: Option<Location>,
}

impl VehicleFacts {
    pub fn new(brand: &str, model: &str, condition: Condition, asking_price_cents: i64) -> Self {
        let brand_key = catalog::brand_key_ref(brand);
        Self {
            model_key: catalog::model_key_ref(&brand_key, model),
            brand_key,
            brand: brand.trim().to_owned(),
            model: model.trim().to_owned(),
            condition,
            body_type: None,
            energy_type: None,
            transmission: None,
            seats: None,
            model_year: None,
            first_registration: None,
            mileage_km: 0,
            colour: None,
            asking_price_cents,
            location: None,
        }
    }

    /// From when the car's age counts: its first registration; a new car never registered is
    /// of age zero; otherwise 1 January of its model year.
    pub fn age_reference(&self) -> AgeReference {
        match (self.first_registration, self.condition, self.model_year) {
            (Some(date), ..) => AgeReference::Since(date),
            (None, Condition::New, _) => AgeReference::NewUnregistered,
            (None, Condition::Used, Some(year)) => NaiveDate::from_ymd_opt(year, 1, 1)
                .map_or(AgeReference::Unknown, AgeReference::Since),
            (None, Condition::Used, None) => AgeReference::Unknown,
        }
    }
}

/// See [`VehicleFacts::age_reference`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeReference {
    NewUnregistered,
    Since(NaiveDate),
    Unknown,
}

/// How much each criterion counts, per organisation. Only criteria the customer expressed
/// count, so the weights need not sum to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchWeights {
    pub budget: u16,
    pub body_type: u16,
    pub brand: u16,
    pub energy_type: u16,
    pub condition: u16,
    pub seats: u16,
    pub age: u16,
    pub mileage: u16,
    pub transmission: u16,
    pub colour: u16,
    pub distance: u16,
}

impl Default for MatchWeights {
    /// Price first, then what kind of car; colour and gearbox matter least.
    fn default() -> Self {
        Self {
            budget: 25,
            body_type: 12,
            brand: 12,
            energy_type: 10,
            condition: 5,
            seats: 6,
            age: 8,
            mileage: 8,
            transmission: 4,
            colour: 3,
            distance: 7,
        }
    }
}

/// The largest weight one criterion may have.
pub const MAX_WEIGHT: u16 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MatchWeightsError {
    #[error("the weight of {0} must be at most {MAX_WEIGHT}")]
    TooHeavy(NeedCriterion),
    #[error("at least one weight must be above zero")]
    AllZero,
}

impl MatchWeights {
    pub fn weight(&self, criterion: NeedCriterion) -> u16 {
        match criterion {
            NeedCriterion::Budget => self.budget,
            NeedCriterion::BodyType => self.body_type,
            NeedCriterion::Brand => self.brand,
            NeedCriterion::EnergyType => self.energy_type,
            NeedCriterion::Condition => self.condition,
            NeedCriterion::Seats => self.seats,
            NeedCriterion::Age => self.age,
            NeedCriterion::Mileage => self.mileage,
            NeedCriterion::Transmission => self.transmission,
            NeedCriterion::Colour => self.colour,
            NeedCriterion::Distance => self.distance,
        }
    }

    pub fn check(&self) -> Result<(), MatchWeightsError> {
        if let Some(c) = NeedCriterion::ALL
            .iter()
            .find(|c| self.weight(**c) > MAX_WEIGHT)
        {
            return Err(MatchWeightsError::TooHeavy(*c));
        }
        if NeedCriterion::ALL.iter().all(|c| self.weight(*c) == 0) {
            return Err(MatchWeightsError::AllZero);
        }
        Ok(())
    }
}

/// An organisation's matching configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchSettings {
    pub weights: MatchWeights,
    /// Prices transfers, and its `local_radius_km` decides which cars count as near.
    pub transfer: TransferCostModel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchSettingsError {
    #[error("weights: {0}")]
    Weights(#[from] MatchWeightsError),
    #[error("transfer.{0}")]
    Transfer(#[from] TransferModelError),
}

impl MatchSettings {
    pub fn check(&self) -> Result<(), MatchSettingsError> {
        self.weights.check()?;
        self.transfer.check()?;
        Ok(())
    }
}

/// One criterion's part in a match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchReason {
    pub criterion: NeedCriterion,
    /// A must-have: a car reaching the results always meets it.
    pub hard: bool,
    pub weight: u16,
    /// How well the car meets the criterion, 0–100.
    pub fit: u8,
    /// weight × fit / 100, to one decimal.
    pub points: f64,
    pub met: bool,
    pub message_zh: String,
    pub message_en: String,
}

/// A car scored against one customer's needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VehicleMatch {
    /// 0–100.
    pub score: u8,
    /// One per criterion the customer expressed, in criterion order.
    pub reasons: Vec<MatchReason>,
    /// When the car is outside the customer's area: moving it there.
    pub transfer: Option<TransferEstimate>,
}

/// The score without the reasons, cheap enough to compute for every car in stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evaluation {
    /// The weighted mean fit in thousandths: ranks finer than `score`.
    pub per_mille: u16,
    /// 0–100.
    pub score: u8,
}

/// A ranked result: the caller's key for the car (or customer) and its match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked<K> {
    pub key: K,
    #[serde(flatten)]
    pub matched: VehicleMatch,
}

/// Colours a customer named: by family where the name has one, otherwise by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ColourFilter {
    pub families: BTreeSet<ColourFamily>,
    /// [`catalog::normalise`]d names without a family.
    pub names: BTreeSet<String>,
}

impl ColourFilter {
    fn from_names<'s>(names: impl IntoIterator<Item = &'s String>) -> Self {
        let mut filter = Self::default();
        for name in names {
            match ColourFamily::of(name) {
                Some(family) => {
                    filter.families.insert(family);
                }
                None => {
                    let key = catalog::normalise(name);
                    if !key.is_empty() {
                        filter.names.insert(key);
                    }
                }
            }
        }
        filter
    }

    fn is_empty(&self) -> bool {
        self.families.is_empty() && self.names.is_empty()
    }

    /// True when a paint is one of the wanted colours.
    pub fn accepts(&self, paint: &Paint) -> bool {
        match paint.family() {
            Some(family) if self.families.contains(&family) => true,
            _ => !self.names.is_empty() && self.names.contains(&catalog::normalise(paint.name())),
        }
    }
}

/// A circle around the customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Radius {
    pub centre: GeoPoint,
    pub km: f64,
}

/// The hard constraints on cars as plain data. Each `None` means "no constraint". A
/// repository turns the fields into `WHERE` clauses on indexed columns; [`HardFilter::admits`]
/// is the exact rule, and the SQL must keep its edge cases:
///
/// - a constraint on an attribute the car does not record excludes the car (`NULL` fails);
/// - `registered_on_or_after`: a car passes when its first registration is on or after the
///   date; an unregistered new car always passes; an unregistered used car passes when
///   1 January of its model year is on or after the date:
///   `COALESCE(first_registration_date, make_date(model_year, 1, 1)) >= :date OR
///   (first_registration_date IS NULL AND condition = 'new')`;
/// - `colours`: a car passes when its [`Paint::family`] is among `families` or its
///   [`catalog::normalise`]d name among `names`; store the family in its own column;
/// - `within`: narrow with [`GeoPoint::bounding_box`], then check the great-circle distance.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct HardFilter {
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub body_types: Option<BTreeSet<BodyType>>,
    pub energy_types: Option<BTreeSet<EnergyType>>,
    /// [`catalog::brand_key`]s.
    pub brand_keys: Option<BTreeSet<String>>,
    /// [`catalog::model_key`]s.
    pub model_keys: Option<BTreeSet<String>>,
    pub condition: Option<Condition>,
    pub min_seats: Option<u8>,
    pub registered_on_or_after: Option<NaiveDate>,
    pub min_model_year: Option<i32>,
    pub max_model_year: Option<i32>,
    pub max_mileage_km: Option<i64>,
    pub transmission: Option<Transmission>,
    pub colours: Option<ColourFilter>,
    pub within: Option<Radius>,
}

fn within_set<T: Ord>(allowed: &Option<BTreeSet<T>>, value: Option<&T>) -> bool {
    allowed
        .as_ref()
        .is_none_or(|set| value.is_some_and(|v| set.contains(v)))
}

impl HardFilter {
    /// The must-haves of a customer's needs. Same as `Matcher::new(..).hard_filter()`.
    pub fn for_needs(
        needs: &Needs,
        customer: Option<Location>,
        settings: &MatchSettings,
        today: NaiveDate,
    ) -> Self {
        Matcher::new(needs, customer, settings, today).hard_filter()
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// True when the car meets every constraint.
    pub fn admits(&self, car: &VehicleFacts) -> bool {
        let price = car.asking_price_cents;
        self.min_price_cents.is_none_or(|min| price >= min)
            && self.max_price_cents.is_none_or(|max| price <= max)
            && within_set(&self.body_types, car.body_type.as_ref())
            && within_set(&self.energy_types, car.energy_type.as_ref())
            && self
                .brand_keys
                .as_ref()
                .is_none_or(|keys| keys.contains(car.brand_key.as_ref()))
            && self
                .model_keys
                .as_ref()
                .is_none_or(|keys| keys.contains(car.model_key.as_ref()))
            && self.condition.is_none_or(|c| c == car.condition)
            && self
                .min_seats
                .is_none_or(|min| car.seats.is_some_and(|s| s >= min))
            && self
                .registered_on_or_after
                .is_none_or(|date| match car.age_reference() {
                    AgeReference::NewUnregistered => true,
                    AgeReference::Since(since) => since >= date,
                    AgeReference::Unknown => false,
                })
            && self
                .min_model_year
                .is_none_or(|min| car.model_year.is_some_and(|y| y >= min))
            && self
                .max_model_year
                .is_none_or(|max| car.model_year.is_some_and(|y| y <= max))
            && self.max_mileage_km.is_none_or(|max| car.mileage_km <= max)
            && self
                .transmission
                .is_none_or(|t| car.transmission == Some(t))
            && self
                .colours
                .as_ref()
                .is_none_or(|wanted| car.colour.as_ref().is_some_and(|c| wanted.accepts(c)))
            && self.within.is_none_or(|radius| {
                car.location
                    .is_some_and(|at| radius.centre.distance_km(at.point) <= radius.km)
            })
    }
}

/// How a soft criterion fares for a car whose attribute is not recorded.
const UNKNOWN_FIT: u8 = 50;
/// Over budget by this share, a car fits not at all.
const BUDGET_OVER_ZERO_PERCENT: i64 = 20;
/// Under the budget floor by this share, a car fits not at all.
const BUDGET_UNDER_ZERO_PERCENT: i64 = 50;
/// Over the age limit by this many months, a car fits not at all.
const AGE_OVER_ZERO_MONTHS: u32 = 24;
/// Over the mileage limit by this share, a car fits not at all.
const MILEAGE_OVER_ZERO_PERCENT: i64 = 50;
/// Beyond the local radius by this far, a car fits not at all.
const DISTANCE_ZERO_KM: f64 = 1500.0;
/// Another new-energy type than the one asked for is a near miss.
const NEW_ENERGY_NEAR_FIT: u8 = 60;
/// One seat short.
const ONE_SEAT_SHORT_FIT: u8 = 30;

const CRITERIA: usize = NeedCriterion::ALL.len();

/// What a criterion found, as numbers; messages are written only for cars that are shown.
#[derive(Debug, Clone, Copy)]
enum Detail {
    Budget { price: i64 },
    Body(Option<BodyType>),
    Brand,
    Energy(Option<EnergyType>),
    Condition(Condition),
    Seats(Option<u8>),
    Age(AgeReference),
    Mileage(i64),
    Transmission(Option<Transmission>),
    Colour,
    Distance(Option<f64>),
}

#[derive(Debug, Clone, Copy)]
struct Outcome {
    met: bool,
    fit: u8,
    detail: Detail,
}

fn outcome(met: bool, fit: u8, detail: Detail) -> Option<Outcome> {
    Some(Outcome { met, fit, detail })
}

/// Linear fall from 100 at the limit to 0 at `zero_at_percent` beyond it.
fn fade(excess: i64, limit: i64, zero_at_percent: i64) -> u8 {
    let lost = match (
        excess.checked_mul(10_000),
        limit.checked_mul(zero_at_percent),
    ) {
        (Some(scaled), Some(span)) if span > 0 => scaled / span,
        _ => 100,
    };
    (100 - lost.clamp(0, 100)) as u8
}

/// Whole months from `since` to `today`; zero for a date in the future.
fn months_between(since: NaiveDate, today: NaiveDate) -> u32 {
    let months = (today.year() - since.year()) * 12 + today.month() as i32
        - since.month() as i32
        - i32::from(today.day() < since.day());
    months.max(0) as u32
}

/// One customer's needs, prepared for scoring many cars.
#[derive(Debug, Clone)]
pub struct Matcher<'a> {
    needs: &'a Needs,
    customer: Option<Location>,
    settings: &'a MatchSettings,
    today: NaiveDate,
    brand_keys: Vec<Cow<'static, str>>,
    colours: ColourFilter,
    registered_cutoff: Option<NaiveDate>,
    applies: [bool; CRITERIA],
    /// The criteria that apply, must-haves first so a failing car is dropped early: the first
    /// `active_len` entries.
    active: [Active; CRITERIA],
    active_len: usize,
    total_weight: u32,
    /// The wanted bodies, energies and colour families as bits, for the per-car checks.
    body_bits: u16,
    energy_bits: u16,
    colour_bits: u16,
    wants_new_energy: bool,
}

/// A text enum's variant as a bit in a `u16` set.
trait Bit: Copy {
    fn bit(self) -> u16;
}

macro_rules! bit_for {
    ($($t:ty),+) => {$(
        impl Bit for $t {
            fn bit(self) -> u16 {
                1 << (self as u16)
            }
        }
    )+};
}

bit_for!(BodyType, EnergyType, ColourFamily);

fn bit(value: impl Bit) -> u16 {
    value.bit()
}

fn bits<T: Bit>(values: impl IntoIterator<Item = T>) -> u16 {
    values.into_iter().fold(0, |acc, v| acc | v.bit())
}

#[derive(Debug, Clone, Copy)]
struct Active {
    criterion: NeedCriterion,
    weight: u32,
    hard: bool,
}

impl<'a> Matcher<'a> {
    /// `customer`: where the customer is (their city); `today`: the organisation's date.
    pub fn new(
        needs: &'a Needs,
        customer: Option<Location>,
        settings: &'a MatchSettings,
        today: NaiveDate,
    ) -> Self {
        let mut brand_keys: Vec<Cow<'static, str>> = needs
            .brands
            .iter()
            .map(|b| catalog::brand_key_ref(b))
            .filter(|k| !k.is_empty())
            .collect();
        brand_keys.sort();
        brand_keys.dedup();
        let colours = ColourFilter::from_names(&needs.colours);
        let colour_bits = bits(colours.families.iter().copied());
        let registered_cutoff = needs.max_age_years.map(|years| {
            today
                .checked_sub_months(Months::new(12 * u32::from(years)))
                .unwrap_or(NaiveDate::MIN)
        });
        let mut applies = [false; CRITERIA];
        for criterion in NeedCriterion::ALL {
            applies[*criterion as usize] = match criterion {
                NeedCriterion::Budget => {
                    needs.budget_min_cents.is_some() || needs.budget_max_cents.is_some()
                }
                NeedCriterion::BodyType => !needs.body_types.is_empty(),
                NeedCriterion::Brand => !brand_keys.is_empty(),
                NeedCriterion::EnergyType => !needs.energy_types.is_empty(),
                NeedCriterion::Condition => needs.condition.is_some(),
                NeedCriterion::Seats => needs.seats_min.is_some(),
                NeedCriterion::Age => needs.max_age_years.is_some(),
                NeedCriterion::Mileage => needs.max_mileage_km.is_some(),
                NeedCriterion::Transmission => needs.transmission.is_some(),
                NeedCriterion::Colour => !colours.is_empty(),
                NeedCriterion::Distance => customer.is_some(),
            };
        }
        let mut active = [Active {
            criterion: NeedCriterion::Budget,
            weight: 0,
            hard: false,
        }; CRITERIA];
        let mut active_len = 0;
        for hard_pass in [true, false] {
            for c in NeedCriterion::ALL {
                let hard = needs.requires(*c);
                if applies[*c as usize] && hard == hard_pass {
                    active[active_len] = Active {
                        criterion: *c,
                        weight: u32::from(settings.weights.weight(*c)),
                        hard,
                    };
                    active_len += 1;
                }
            }
        }
        let total_weight = active[..active_len].iter().map(|a| a.weight).sum();
        Self {
            needs,
            customer,
            settings,
            today,
            brand_keys,
            colours,
            registered_cutoff,
            applies,
            active,
            active_len,
            total_weight,
            body_bits: bits(needs.body_types.iter().copied()),
            energy_bits: bits(needs.energy_types.iter().copied()),
            colour_bits,
            wants_new_energy: needs.energy_types.iter().any(|e| e.is_new_energy()),
        }
    }

    fn is_hard(&self, criterion: NeedCriterion) -> bool {
        self.applies[criterion as usize] && self.needs.requires(criterion)
    }

    /// The must-haves as plain data, for SQL.
    pub fn hard_filter(&self) -> HardFilter {
        let needs = self.needs;
        let hard = |c| self.is_hard(c);
        HardFilter {
            min_price_cents: needs
                .budget_min_cents
                .filter(|_| hard(NeedCriterion::Budget)),
            max_price_cents: needs
                .budget_max_cents
                .filter(|_| hard(NeedCriterion::Budget)),
            body_types: hard(NeedCriterion::BodyType).then(|| needs.body_types.clone()),
            energy_types: hard(NeedCriterion::EnergyType).then(|| needs.energy_types.clone()),
            brand_keys: hard(NeedCriterion::Brand)
                .then(|| self.brand_keys.iter().map(|k| k.to_string()).collect()),
            model_keys: None,
            condition: needs.condition.filter(|_| hard(NeedCriterion::Condition)),
            min_seats: needs.seats_min.filter(|_| hard(NeedCriterion::Seats)),
            registered_on_or_after: self.registered_cutoff.filter(|_| hard(NeedCriterion::Age)),
            min_model_year: None,
            max_model_year: None,
            max_mileage_km: needs
                .max_mileage_km
                .filter(|_| hard(NeedCriterion::Mileage)),
            transmission: needs
                .transmission
                .filter(|_| hard(NeedCriterion::Transmission)),
            colours: hard(NeedCriterion::Colour).then(|| self.colours.clone()),
            within: self
                .customer
                .filter(|_| hard(NeedCriterion::Distance))
                .map(|at| Radius {
                    centre: at.point,
                    km: f64::from(self.settings.transfer.local_radius_km),
                }),
        }
    }

    fn judge(&self, criterion: NeedCriterion, car: &VehicleFacts) -> Option<Outcome> {
        let needs = self.needs;
        match criterion {
            NeedCriterion::Budget => {
                let price = car.asking_price_cents;
                let detail = Detail::Budget { price };
                if let Some(max) = needs.budget_max_cents.filter(|max| price > *max) {
                    let fit = fade(price.saturating_sub(max), max, BUDGET_OVER_ZERO_PERCENT);
                    return outcome(false, fit, detail);
                }
                if let Some(min) = needs.budget_min_cents.filter(|min| price < *min) {
                    let fit = fade(min.saturating_sub(price), min, BUDGET_UNDER_ZERO_PERCENT);
                    return outcome(false, fit, detail);
                }
                outcome(true, 100, detail)
            }
            NeedCriterion::BodyType => {
                let detail = Detail::Body(car.body_type);
                match car.body_type {
                    Some(body) if self.body_bits & bit(body) != 0 => outcome(true, 100, detail),
                    Some(_) => outcome(false, 0, detail),
                    None => outcome(false, UNKNOWN_FIT, detail),
                }
            }
            NeedCriterion::Brand => {
                let met = self.brand_keys.contains(&car.brand_key);
                outcome(met, if met { 100 } else { 0 }, Detail::Brand)
            }
            NeedCriterion::EnergyType => {
                let detail = Detail::Energy(car.energy_type);
                match car.energy_type {
                    Some(energy) if self.energy_bits & bit(energy) != 0 => {
                        outcome(true, 100, detail)
                    }
                    Some(energy) if energy.is_new_energy() && self.wants_new_energy => {
                        outcome(false, NEW_ENERGY_NEAR_FIT, detail)
                    }
                    Some(_) => outcome(false, 0, detail),
                    None => outcome(false, UNKNOWN_FIT, detail),
                }
            }
            NeedCriterion::Condition => {
                let met = needs.condition == Some(car.condition);
                outcome(
                    met,
                    if met { 100 } else { 0 },
                    Detail::Condition(car.condition),
                )
            }
            NeedCriterion::Seats => {
                let min = needs.seats_min?;
                let detail = Detail::Seats(car.seats);
                match car.seats {
                    Some(seats) if seats >= min => outcome(true, 100, detail),
                    Some(seats) if min.checked_sub(1) == Some(seats) => {
                        outcome(false, ONE_SEAT_SHORT_FIT, detail)
                    }
                    Some(_) => outcome(false, 0, detail),
                    None => outcome(false, UNKNOWN_FIT, detail),
                }
            }
            NeedCriterion::Age => {
                let cutoff = self.registered_cutoff?;
                let reference = car.age_reference();
                let detail = Detail::Age(reference);
                match reference {
                    AgeReference::NewUnregistered => outcome(true, 100, detail),
                    AgeReference::Since(since) if since >= cutoff => outcome(true, 100, detail),
                    AgeReference::Since(since) => {
                        let over = months_between(since, cutoff);
                        let fit = 100 - (over * 100 / AGE_OVER_ZERO_MONTHS).min(100);
                        outcome(false, fit as u8, detail)
                    }
                    AgeReference::Unknown => outcome(false, UNKNOWN_FIT, detail),
                }
            }
            NeedCriterion::Mileage => {
                let max = needs.max_mileage_km?;
                let km = car.mileage_km;
                let detail = Detail::Mileage(km);
                if km <= max {
                    outcome(true, 100, detail)
                } else {
                    let fit = fade(km.saturating_sub(max), max, MILEAGE_OVER_ZERO_PERCENT);
                    outcome(false, fit, detail)
                }
            }
            NeedCriterion::Transmission => {
                let detail = Detail::Transmission(car.transmission);
                match car.transmission {
                    Some(t) if Some(t) == needs.transmission => outcome(true, 100, detail),
                    Some(_) => outcome(false, 0, detail),
                    None => outcome(false, UNKNOWN_FIT, detail),
                }
            }
            NeedCriterion::Colour => match &car.colour {
                Some(paint)
                    if paint
                        .family()
                        .is_some_and(|f| self.colour_bits & bit(f) != 0)
                        || self.colours.accepts(paint) =>
                {
                    outcome(true, 100, Detail::Colour)
                }
                Some(_) => outcome(false, 0, Detail::Colour),
                None => outcome(false, UNKNOWN_FIT, Detail::Colour),
            },
            NeedCriterion::Distance => {
                let customer = self.customer?;
                let Some(at) = car.location else {
                    return outcome(false, UNKNOWN_FIT, Detail::Distance(None));
                };
                let km = customer.point.distance_km(at.point);
                let detail = Detail::Distance(Some(km));
                let radius = f64::from(self.settings.transfer.local_radius_km);
                if km <= radius {
                    outcome(true, 100, detail)
                } else {
                    let lost = ((km - radius) / DISTANCE_ZERO_KM * 100.0).clamp(0.0, 100.0);
                    outcome(false, (100.0 - lost).round() as u8, detail)
                }
            }
        }
    }

    /// Every expressed criterion judged, in criterion order, or `None` when a must-have fails.
    fn judge_all(&self, car: &VehicleFacts) -> Option<[Option<Outcome>; CRITERIA]> {
        let mut outcomes = [None; CRITERIA];
        for a in &self.active[..self.active_len] {
            let Some(judged) = self.judge(a.criterion, car) else {
                continue;
            };
            if a.hard && !judged.met {
                return None;
            }
            outcomes[a.criterion as usize] = Some(judged);
        }
        Some(outcomes)
    }

    /// `earned`: the sum of weight × fit over the criteria that apply.
    fn evaluation_of(&self, earned: u32) -> Evaluation {
        if self.total_weight == 0 {
            return Evaluation {
                per_mille: 1000,
                score: 100,
            };
        }
        let per_mille = (earned * 10 + self.total_weight / 2) / self.total_weight;
        Evaluation {
            per_mille: per_mille as u16,
            score: ((per_mille + 5) / 10) as u8,
        }
    }

    /// The score alone, or `None` when a must-have fails. Runs for every car in stock, so it
    /// keeps no per-criterion record.
    pub fn evaluate(&self, car: &VehicleFacts) -> Option<Evaluation> {
        let mut earned = 0;
        for a in &self.active[..self.active_len] {
            let Some(judged) = self.judge(a.criterion, car) else {
                continue;
            };
            if a.hard && !judged.met {
                return None;
            }
            earned += a.weight * u32::from(judged.fit);
        }
        Some(self.evaluation_of(earned))
    }

    /// The score with its reasons, or `None` when a must-have fails.
    pub fn score(&self, car: &VehicleFacts) -> Option<VehicleMatch> {
        let outcomes = self.judge_all(car)?;
        let earned = self.active[..self.active_len]
            .iter()
            .filter_map(|a| outcomes[a.criterion as usize].map(|o| a.weight * u32::from(o.fit)))
            .sum();
        let evaluation = self.evaluation_of(earned);
        let mut transfer = None;
        let reasons = NeedCriterion::ALL
            .iter()
            .filter_map(|criterion| {
                let o = outcomes[*criterion as usize]?;
                let weight = self.settings.weights.weight(*criterion);
                if let Detail::Distance(Some(km)) = o.detail
                    && !o.met
                {
                    transfer = Some(self.settings.transfer.estimate(km));
                }
                let (message_zh, message_en) = self.explain(o.detail, o.met, car);
                Some(MatchReason {
                    criterion: *criterion,
                    hard: self.needs.requires(*criterion),
                    weight,
                    fit: o.fit,
                    points: f64::from((u32::from(weight) * u32::from(o.fit) + 5) / 10) / 10.0,
                    met: o.met,
                    message_zh,
                    message_en,
                })
            })
            .collect();
        Some(VehicleMatch {
            score: evaluation.score,
            reasons,
            transfer,
        })
    }

    fn explain(&self, detail: Detail, met: bool, car: &VehicleFacts) -> (String, String) {
        let needs = self.needs;
        match detail {
            Detail::Budget { price } => budget_message(price, needs, met),
            Detail::Body(body) => {
                let wanted_zh = join(needs.body_types.iter().map(|b| b.label_zh()), "、");
                let wanted_en = join(needs.body_types.iter().map(|b| b.label_en()), ", ");
                match body {
                    Some(b) if met => (
                        format!("车型相符（{}）", b.label_zh()),
                        format!("Body type matches ({})", b.label_en()),
                    ),
                    Some(b) => (
                        format!("车型不符（{}，想要{wanted_zh}）", b.label_zh()),
                        format!("Body type differs ({}; wanted {wanted_en})", b.label_en()),
                    ),
                    None => unknown("车型", "Body type"),
                }
            }
            Detail::Brand => {
                let (zh, en) = match catalog::brand_by_key(&car.brand_key) {
                    Some(brand) => (brand.name_zh, brand.name_en),
                    None => (car.brand.as_str(), car.brand.as_str()),
                };
                if met {
                    (
                        format!("意向品牌（{zh}）"),
                        format!("A wanted brand ({en})"),
                    )
                } else {
                    (
                        format!("非意向品牌（{zh}）"),
                        format!("Not a wanted brand ({en})"),
                    )
                }
            }
            Detail::Energy(energy) => match energy {
                Some(e) if met => (
                    format!("能源类型相符（{}）", e.label_zh()),
                    format!("Energy type matches ({})", e.label_en()),
                ),
                Some(e) => {
                    let wanted_zh = join(needs.energy_types.iter().map(|e| e.label_zh()), "、");
                    let wanted_en = join(needs.energy_types.iter().map(|e| e.label_en()), ", ");
                    (
                        format!("能源类型为{}，想要{wanted_zh}", e.label_zh()),
                        format!("{} rather than {wanted_en}", capitalise(e.label_en())),
                    )
                }
                None => unknown("能源类型", "Energy type"),
            },
            Detail::Condition(condition) => {
                if met {
                    (
                        format!("{}，符合", condition.label_zh()),
                        format!("{}, as wanted", capitalise(condition.label_en())),
                    )
                } else {
                    (
                        format!(
                            "{}，想要{}",
                            condition.label_zh(),
                            wanted_condition_zh(needs)
                        ),
                        format!(
                            "{}; {} wanted",
                            capitalise(condition.label_en()),
                            needs.condition.map_or("other", |c| c.label_en())
                        ),
                    )
                }
            }
            Detail::Seats(seats) => {
                let min = needs.seats_min.unwrap_or(0);
                match seats {
                    Some(s) if met => (
                        format!("{s}座，满足至少{min}座"),
                        format!("{s} seats, at least {min} wanted"),
                    ),
                    Some(s) => (
                        format!("{s}座，少于{min}座"),
                        format!("{s} seats, fewer than the {min} wanted"),
                    ),
                    None => unknown("座位数", "Seat count"),
                }
            }
            Detail::Age(reference) => {
                let max = needs.max_age_years.unwrap_or(0);
                match reference {
                    AgeReference::NewUnregistered => (
                        "新车未上牌，车龄为零".into(),
                        "New and never registered".into(),
                    ),
                    AgeReference::Since(since) => {
                        let months = months_between(since, self.today);
                        let (zh, en) = (age_zh(months), age_en(months));
                        if met {
                            (
                                format!("车龄{zh}，不超过{max}年"),
                                format!("{en} old, within {max} years"),
                            )
                        } else {
                            (
                                format!("车龄{zh}，超过{max}年"),
                                format!("{en} old, over {max} years"),
                            )
                        }
                    }
                    AgeReference::Unknown => unknown("车龄", "Age"),
                }
            }
            Detail::Mileage(km) => {
                let max = needs.max_mileage_km.unwrap_or(0);
                if met {
                    (
                        format!("里程{}，不超过{}", km_zh(km), km_zh(max)),
                        format!("{}, within {}", km_en(km), km_en(max)),
                    )
                } else {
                    (
                        format!("里程{}，超过{}", km_zh(km), km_zh(max)),
                        format!("{}, over {}", km_en(km), km_en(max)),
                    )
                }
            }
            Detail::Transmission(transmission) => match transmission {
                Some(t) if met => (
                    format!("{}，符合", t.label_zh()),
                    format!("{}, as wanted", capitalise(t.label_en())),
                ),
                Some(t) => (
                    format!(
                        "{}，想要{}",
                        t.label_zh(),
                        needs.transmission.map_or("", |w| w.label_zh())
                    ),
                    format!(
                        "{}; {} wanted",
                        capitalise(t.label_en()),
                        needs.transmission.map_or("", |w| w.label_en())
                    ),
                ),
                None => unknown("变速箱", "Transmission"),
            },
            Detail::Colour => match car.colour.as_ref().map(Paint::name) {
                Some(paint) if met => (
                    format!("颜色相符（{paint}）"),
                    format!("Colour matches ({paint})"),
                ),
                Some(paint) => (
                    format!("颜色不在意向内（{paint}）"),
                    format!("Not a wanted colour ({paint})"),
                ),
                None => unknown("颜色", "Colour"),
            },
            Detail::Distance(km) => match (km, self.customer, car.location) {
                (Some(km), Some(customer), Some(at)) => {
                    let whole = km.round() as i64;
                    if met {
                        (
                            format!("就近门店，距您约{}", km_zh(whole)),
                            format!("Nearby, about {}", km_en(whole)),
                        )
                    } else {
                        let t = self.settings.transfer.estimate(km);
                        let from_zh = at.city.map_or("门店所在地", |c| c.short_zh);
                        let to_zh = customer.city.map_or("您所在地", |c| c.short_zh);
                        let from_en = at.city.map_or("the store", |c| c.name_en);
                        let to_en = customer.city.map_or("you", |c| c.name_en);
                        (
                            format!(
                                "需跨城调车：{from_zh}→{to_zh}约{}，预计{}天，调车费约{}",
                                km_zh(i64::from(t.distance_km)),
                                t.days,
                                yuan_zh(t.cost_cents)
                            ),
                            format!(
                                "Transfer needed: {from_en} to {to_en}, about {}, about {} days, \
                                 about {}",
                                km_en(i64::from(t.distance_km)),
                                t.days,
                                yuan_en(t.cost_cents)
                            ),
                        )
                    }
                }
                _ => unknown("门店位置", "Store location"),
            },
        }
    }
}

fn budget_message(price: i64, needs: &Needs, met: bool) -> (String, String) {
    let (min, max) = (needs.budget_min_cents, needs.budget_max_cents);
    if met {
        return match (min, max) {
            (Some(min), Some(max)) => (
                format!(
                    "预算内（{}–{}，售价{}）",
                    yuan_zh(min),
                    yuan_zh(max),
                    yuan_zh(price)
                ),
                format!(
                    "Within budget ({}–{}, priced {})",
                    yuan_en(min),
                    yuan_en(max),
                    yuan_en(price)
                ),
            ),
            (None, Some(max)) => (
                format!("预算内（{} ≤ {}）", yuan_zh(price), yuan_zh(max)),
                format!("Within budget ({} ≤ {})", yuan_en(price), yuan_en(max)),
            ),
            (Some(min), None) => (
                format!("符合预算（{} ≥ {}）", yuan_zh(price), yuan_zh(min)),
                format!("Within budget ({} ≥ {})", yuan_en(price), yuan_en(min)),
            ),
            (None, None) => ("预算内".into(), "Within budget".into()),
        };
    }
    match (min, max) {
        (_, Some(max)) if price > max => (
            format!(
                "超出预算{}（{} > {}）",
                yuan_zh(price - max),
                yuan_zh(price),
                yuan_zh(max)
            ),
            format!(
                "{} over budget ({} > {})",
                yuan_en(price - max),
                yuan_en(price),
                yuan_en(max)
            ),
        ),
        (Some(min), _) => (
            format!("低于预算下限（{} < {}）", yuan_zh(price), yuan_zh(min)),
            format!(
                "Below the budget floor ({} < {})",
                yuan_en(price),
                yuan_en(min)
            ),
        ),
        _ => ("不在预算内".into(), "Outside the budget".into()),
    }
}

fn wanted_condition_zh(needs: &Needs) -> &'static str {
    needs.condition.map_or("其他", |c| c.label_zh())
}

fn unknown(zh: &str, en: &str) -> (String, String) {
    (format!("{zh}未知"), format!("{en} not recorded"))
}

fn join<'s>(items: impl Iterator<Item = &'s str>, separator: &str) -> String {
    items.collect::<Vec<_>>().join(separator)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn age_zh(months: u32) -> String {
    match (months / 12, months % 12) {
        (0, m) => format!("{m}个月"),
        (y, 0) => format!("{y}年"),
        (y, m) => format!("{y}年{m}个月"),
    }
}

fn age_en(months: u32) -> String {
    let plural = |n: u32, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (months / 12, months % 12) {
        (0, m) => plural(m, "month"),
        (y, 0) => plural(y, "year"),
        (y, m) => format!("{} {}", plural(y, "year"), plural(m, "month")),
    }
}

/// A candidate in a bounded heap; greater is better: a higher score, then the smaller key.
struct Candidate<K, P> {
    per_mille: u16,
    key: K,
    payload: P,
}

impl<K: Ord, P> Ord for Candidate<K, P> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.per_mille
            .cmp(&other.per_mille)
            .then_with(|| other.key.cmp(&self.key))
    }
}

impl<K: Ord, P> PartialOrd for Candidate<K, P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, P> PartialEq for Candidate<K, P> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, P> Eq for Candidate<K, P> {}

/// Keeps the `n` best of a stream in O(n) memory: a min-heap whose top is the worst kept.
struct Best<K, P> {
    n: usize,
    heap: BinaryHeap<Reverse<Candidate<K, P>>>,
}

impl<K: Ord, P> Best<K, P> {
    fn new(n: usize) -> Self {
        Self {
            n,
            heap: BinaryHeap::with_capacity(n.min(1024) + 1),
        }
    }

    fn offer(&mut self, per_mille: u16, key: K, payload: P) {
        let candidate = Candidate {
            per_mille,
            key,
            payload,
        };
        if self.heap.len() < self.n {
            self.heap.push(Reverse(candidate));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate > worst.0
        {
            *worst = Reverse(candidate);
        }
    }

    /// Best first.
    fn into_sorted(self) -> impl Iterator<Item = Candidate<K, P>> {
        self.heap.into_sorted_vec().into_iter().map(|r| r.0)
    }
}

/// The `n` cars that match a customer best, best first; ties go to the smaller key (pass the
/// car's id). Cars failing a must-have never appear. Reasons are written for the winners only.
pub fn top_n<'v, K: Ord>(
    matcher: &Matcher<'_>,
    cars: impl IntoIterator<Item = (K, &'v VehicleFacts)>,
    n: usize,
) -> Vec<Ranked<K>> {
    if n == 0 {
        return Vec::new();
    }
    let mut best = Best::new(n);
    for (key, car) in cars {
        if let Some(evaluation) = matcher.evaluate(car) {
            best.offer(evaluation.per_mille, key, car);
        }
    }
    best.into_sorted()
        .filter_map(|c| {
            matcher.score(c.payload).map(|matched| Ranked {
                key: c.key,
                matched,
            })
        })
        .collect()
}

/// One customer (or open lead) for reverse matching.
#[derive(Debug, Clone)]
pub struct Prospect<'c, K> {
    /// The caller's id for the customer.
    pub key: K,
    pub needs: &'c Needs,
    /// Where the customer is, when known.
    pub location: Option<Location>,
}

/// The `n` customers whose needs a car fits best, best first, scored exactly as [`top_n`]
/// scores cars, seen from each customer. Customers whose must-haves the car fails never
/// appear; ties go to the smaller key.
pub fn customers_for_vehicle<'c, K: Ord>(
    car: &VehicleFacts,
    prospects: impl IntoIterator<Item = Prospect<'c, K>>,
    n: usize,
    settings: &MatchSettings,
    today: NaiveDate,
) -> Vec<Ranked<K>> {
    if n == 0 {
        return Vec::new();
    }
    let mut best = Best::new(n);
    for Prospect {
        key,
        needs,
        location,
    } in prospects
    {
        let matcher = Matcher::new(needs, location, settings, today);
        if let Some(evaluation) = matcher.evaluate(car) {
            best.offer(evaluation.per_mille, key, (needs, location));
        }
    }
    best.into_sorted()
        .filter_map(|c| {
            let (needs, location) = c.payload;
            Matcher::new(needs, location, settings, today)
                .score(car)
                .map(|matched| Ranked {
                    key: c.key,
                    matched,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests;
