//! Store use cases: open, change, close. Admins manage; everyone reads.

use autocrm_domain::contact::Phone;
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{Store, StoreFilter, TenantRecord};

use autocrm_domain::vehicle::{GeoError, GeoPoint, Location, find_city};

use crate::app::{Change, Ctx, FieldError, ServiceError, ServiceResult, records};

pub struct NewStore {
    pub name: String,
    pub city: String,
    pub region: Option<String>,
    pub address: Option<String>,
    pub phone: Option<Phone>,
    /// The store's own coordinates (latitude, longitude in degrees), both or neither.
    pub coordinates: Option<(f64, f64)>,
}

/// A merge patch: `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct StoreChanges {
    pub name: Option<String>,
    pub city: Option<String>,
    pub region: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub phone: Option<Option<Phone>>,
    pub active: Option<bool>,
    /// `Some(None)` clears the coordinates (the store is then placed at its city's).
    pub coordinates: Option<Option<(f64, f64)>>,
}

/// Coordinates checked by `GeoPoint::new`, as stored micro-degrees.
fn micro_degrees(coordinates: Option<(f64, f64)>) -> ServiceResult<(Option<i32>, Option<i32>)> {
    let Some((lat, lon)) = coordinates else {
        return Ok((None, None));
    };
    let point = GeoPoint::new(lat, lon).map_err(|e| {
        let field = match e {
            GeoError::Latitude => "latitude",
            GeoError::Longitude => "longitude",
        };
        ServiceError::Invalid(vec![FieldError::new(field, "out_of_range", e.to_string())])
    })?;
    let e6 = |degrees: f64| (degrees * 1_000_000.0).round() as i32;
    Ok((Some(e6(point.lat())), Some(e6(point.lon()))))
}

/// Where a store is for matching: its own coordinates, else its city's seat from the built-in
/// city table; `None` when neither is known.
pub fn location_of(store: &Store) -> Option<Location> {
    let city = find_city(&store.city);
    match (store.latitude_e6, store.longitude_e6) {
        (Some(lat), Some(lon)) => {
            GeoPoint::new(f64::from(lat) / 1_000_000.0, f64::from(lon) / 1_000_000.0)
                .ok()
                .map(|point| Location::at(point, city))
        }
        _ => city.map(Location::of_city),
    }
}

fn name_taken(e: diesel::result::Error) -> ServiceError {
    if is_unique_violation(&e) {
        ServiceError::duplicate("a store with this name already exists", None)
    } else {
        e.into()
    }
}

pub fn create(ctx: &mut Ctx, new: NewStore) -> ServiceResult<Store> {
    let at = ctx.now();
    let (latitude_e6, longitude_e6) = micro_degrees(new.coordinates)?;
    let store = Store {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        name: new.name,
        city: new.city,
        region: new.region,
        address: new.address,
        phone: new.phone.map(|p| p.as_str().to_owned()),
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
        latitude_e6,
        longitude_e6,
    };
    store.insert(ctx.conn).map_err(name_taken)?;
    ctx.record(
        Change::new("store.created", "store", &store.id)
            .detail(serde_json::json!({"name": store.name})),
    )?;
    Ok(store)
}

pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<Store> {
    records::find(ctx, id, |_: &Store| true)
}

pub fn list(ctx: &mut Ctx, filter: StoreFilter) -> ServiceResult<Vec<Store>> {
    Ok(Store::list(ctx.conn, ctx.org_id(), &filter)?)
}

pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: StoreChanges,
) -> ServiceResult<Store> {
    let coordinates = changes.coordinates.map(micro_degrees).transpose()?;
    let store = records::update(
        ctx,
        id,
        expected,
        |_: &Store| true,
        |_, store| {
            if let Some(name) = changes.name {
                store.name = name;
            }
            if let Some(city) = changes.city {
                store.city = city;
            }
            if let Some(region) = changes.region {
                store.region = region;
            }
            if let Some(address) = changes.address {
                store.address = address;
            }
            if let Some(phone) = changes.phone {
                store.phone = phone.map(|p| p.as_str().to_owned());
            }
            if let Some(active) = changes.active {
                store.active = active;
            }
            if let Some((lat, lon)) = coordinates {
                store.latitude_e6 = lat;
                store.longitude_e6 = lon;
            }
            Ok(())
        },
    )
    .map_err(|e| match e {
        ServiceError::Duplicate { .. } => {
            ServiceError::duplicate("a store with this name already exists", None)
        }
        other => other,
    })?;
    ctx.record(
        Change::new("store.updated", "store", &store.id)
            .detail(serde_json::json!({"active": store.active})),
    )?;
    Ok(store)
}
