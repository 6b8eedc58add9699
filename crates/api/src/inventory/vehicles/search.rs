//! `GET /vehicles`: the list's parameters read into one search, with the free query parsed
//! by the domain (`parse_query`) into the same hard filter matching uses.

use std::collections::BTreeSet;

use autocrm_domain::text_enum::TextEnum;
use autocrm_domain::vehicle::{
    BodyType, Condition, EnergyType, HardFilter, VehicleQuery, VehicleStatus, catalog, parse_query,
};
use autocrm_persistence::models::{KeysetAfter, VehicleSearch, VehicleSort};
use chrono::{Datelike, Months, NaiveDate};

use super::dto::VehicleListQuery;
use crate::error::{ApiError, Code};
use crate::http::pagination;

/// The list's parameters, checked; what needs the clock or the database waits for the
/// service.
pub struct SearchRequest {
    pub text: Option<String>,
    pub explicit: HardFilter,
    pub age_max_years: Option<u32>,
    pub statuses: Vec<String>,
    pub store_id: Option<String>,
    pub city: Option<String>,
    pub features: Vec<String>,
    pub sort: VehicleSort,
    pub sort_name: String,
    pub after: Option<KeysetAfter>,
    pub limit: i64,
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(Code::InvalidQuery, message)
}

fn list(value: Option<String>, name: &str) -> Result<Vec<String>, ApiError> {
    let Some(value) = crate::validate::query_text(name, value)? else {
        return Ok(Vec::new());
    };
    if value.chars().count() > 500 {
        return Err(bad(format!("{name} must be at most 500 characters")));
    }
    Ok(value
        .split([',', '，'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect())
}

fn enum_set<T: TextEnum + Ord>(
    value: Option<String>,
    name: &str,
) -> Result<Option<BTreeSet<T>>, ApiError> {
    let names = list(value, name)?;
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|n| {
            n.parse::<T>()
                .map_err(|_| bad(format!("{name}: {n} is not one of {}", T::NAMES.join(", "))))
        })
        .collect::<Result<BTreeSet<T>, _>>()
        .map(Some)
}

fn sort_of(name: Option<&str>) -> Result<(VehicleSort, String), ApiError> {
    let name = name.unwrap_or("-created");
    let sort = match name {
        "-created" => VehicleSort::CreatedDesc,
        "price" => VehicleSort::PriceAsc,
        "-price" => VehicleSort::PriceDesc,
        "mileage" => VehicleSort::MileageAsc,
        "-mileage" => VehicleSort::MileageDesc,
        "year" => VehicleSort::YearAsc,
        "-year" => VehicleSort::YearDesc,
        "days_in_stock" => VehicleSort::DaysInStockAsc,
        "-days_in_stock" => VehicleSort::DaysInStockDesc,
        _ => {
            return Err(bad(
                "sort must be one of -created, price, -price, mileage, -mileage, year, -year, days_in_stock, -days_in_stock".into(),
            ));
        }
    };
    Ok((sort, name.to_owned()))
}

fn range<T: PartialOrd + std::fmt::Display + Copy>(
    value: Option<T>,
    name: &str,
    min: T,
    max: T,
) -> Result<Option<T>, ApiError> {
    match value {
        Some(v) if v < min || v > max => {
            Err(bad(format!("{name} must be between {min} and {max}")))
        }
        other => Ok(other),
    }
}

impl SearchRequest {
    /// Reads the list's parameters: 400 for a malformed one.
    pub fn parse(q: VehicleListQuery) -> Result<Self, ApiError> {
        let limit = pagination::limit(q.limit)?;
        let (sort, sort_name) = sort_of(q.sort.as_deref())?;
        let after = pagination::decode_cursor(&sort_name, q.cursor.as_deref())?;
        let text = crate::validate::query_text("q", q.q)?
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(bad("q must be at most 200 characters".into()));
        }
        let brand_keys: BTreeSet<String> = list(q.brand, "brand")?
            .iter()
            .map(|b| catalog::brand_key(b))
            .collect();
        let model_names = list(q.model, "model")?;
        let model_keys: BTreeSet<String> = model_names
            .iter()
            .flat_map(|m| {
                // A model is named within its brand: with brands given, within each.
                if brand_keys.is_empty() {
                    catalog::find_model(None, m)
                        .map(|found| vec![found.key.to_string()])
                        .unwrap_or_default()
                } else {
                    brand_keys
                        .iter()
                        .map(|b| catalog::model_key(b, m))
                        .collect()
                }
            })
            .collect();
        if !model_names.is_empty() && model_keys.is_empty() {
            return Err(bad(
                "model: name a brand too, or a model the catalogue knows".into(),
            ));
        }
        let condition = q
            .condition
            .map(|c| {
                c.parse::<Condition>()
                    .map_err(|_| bad("condition must be new or used".into()))
            })
            .transpose()?;
        let statuses: Vec<String> = enum_set::<VehicleStatus>(q.status, "status")?
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        let store_id = q
            .store_id
            .map(|s| {
                uuid::Uuid::parse_str(&s)
                    .map(|u| u.to_string())
                    .map_err(|_| bad("store_id must be a UUID".into()))
            })
            .transpose()?;
        let city = crate::validate::query_text("city", q.city)?
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if city.as_ref().is_some_and(|c| c.chars().count() > 50) {
            return Err(bad("city must be at most 50 characters".into()));
        }
        let explicit = HardFilter {
            min_price_cents: range(q.price_min, "price_min", 0, i64::MAX)?,
            max_price_cents: range(q.price_max, "price_max", 0, i64::MAX)?,
            body_types: enum_set::<BodyType>(q.body_type, "body_type")?,
            energy_types: enum_set::<EnergyType>(q.energy_type, "energy_type")?,
            brand_keys: (!brand_keys.is_empty()).then_some(brand_keys),
            model_keys: (!model_keys.is_empty()).then_some(model_keys),
            condition,
            min_seats: range(q.seats_min, "seats_min", 1, 60)?.map(|s| s as u8),
            min_model_year: range(q.year_min, "year_min", 1950, 2100)?,
            max_model_year: range(q.year_max, "year_max", 1950, 2100)?,
            max_mileage_km: range(q.mileage_max, "mileage_max", 0, i64::MAX)?,
            ..HardFilter::default()
        };
        Ok(Self {
            text,
            explicit,
            age_max_years: range(q.age_max_years, "age_max_years", 0, 60)?.map(|a| a as u32),
            statuses,
            store_id,
            city,
            features: list(q.features, "features")?,
            sort,
            sort_name,
            after,
            limit,
        })
    }

    /// The search, with the free query read as of `today`: an explicit parameter wins
    /// over what the query says about the same attribute. `city_stores` are the stores of
    /// the `city` parameter.
    pub fn search(
        &self,
        today: NaiveDate,
        city_stores: Option<Vec<String>>,
    ) -> (VehicleSearch, Option<VehicleQuery>) {
        let parsed = self.text.as_deref().map(|t| parse_query(t, today.year()));
        let mut hard = parsed
            .as_ref()
            .map(VehicleQuery::hard_filter)
            .unwrap_or_default();
        let e = self.explicit.clone();
        macro_rules! prefer {
            ($($field:ident),+) => { $(if e.$field.is_some() { hard.$field = e.$field; })+ };
        }
        prefer!(
            min_price_cents,
            max_price_cents,
            body_types,
            energy_types,
            brand_keys,
            model_keys,
            condition,
            min_seats,
            min_model_year,
            max_model_year,
            max_mileage_km
        );
        if let Some(years) = self.age_max_years {
            hard.registered_on_or_after = today.checked_sub_months(Months::new(years * 12));
        }
        let store_ids = match (&self.store_id, city_stores) {
            (Some(store), Some(stores)) => {
                Some(stores.into_iter().filter(|s| s == store).collect())
            }
            (Some(store), None) => Some(vec![store.clone()]),
            (None, stores) => stores,
        };
        let search = VehicleSearch {
            hard,
            statuses: self.statuses.clone(),
            store_ids,
            features: self.features.clone(),
            sort: self.sort,
            after: self.after.clone(),
            limit: self.limit + 1,
        };
        (search, parsed)
    }
}
