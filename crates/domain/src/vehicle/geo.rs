//! Where customers and cars are: coordinates, the built-in city table, great-circle distance,
//! and what moving a car from one store's city to a customer's costs in money and days.

use serde::{Deserialize, Serialize};

use super::cities::City;

/// A point on the earth in degrees (WGS-84, or GCJ-02 as Chinese maps give it; the
/// difference does not matter at the distances matching uses).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "RawPoint")]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
    /// Worked out once: matching measures one customer against every car in stock.
    lat_radians: f64,
    cos_lat: f64,
}

#[derive(Serialize, Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl Serialize for GeoPoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawPoint {
            lat: self.lat,
            lon: self.lon,
        }
        .serialize(s)
    }
}

impl TryFrom<RawPoint> for GeoPoint {
    type Error = GeoError;
    fn try_from(raw: RawPoint) -> Result<Self, GeoError> {
        GeoPoint::new(raw.lat, raw.lon)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    #[error("latitude must be between -90 and 90")]
    Latitude,
    #[error("longitude must be between -180 and 180")]
    Longitude,
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude);
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude);
        }
        Ok(Self::checked(lat, lon))
    }

    /// For coordinates already known to be in range.
    fn checked(lat: f64, lon: f64) -> Self {
        let lat_radians = lat.to_radians();
        Self {
            lat,
            lon,
            lat_radians,
            cos_lat: lat_radians.cos(),
        }
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance in km (haversine on the mean earth radius).
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let d_lat = other.lat_radians - self.lat_radians;
        let d_lon = (other.lon - self.lon).to_radians();
        let h = (d_lat / 2.0).sin().powi(2)
            + self.cos_lat * other.cos_lat * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }

    /// The latitude and longitude bounds of every point within `km`: a repository narrows a
    /// radius query with them on indexed columns before the exact check.
    pub fn bounding_box(self, km: f64) -> BoundingBox {
        const KM_PER_DEGREE: f64 = 111.19;
        let d_lat = km / KM_PER_DEGREE;
        let cos = self.lat.to_radians().cos();
        let d_lon = if cos < 1e-6 {
            180.0
        } else {
            (km / (KM_PER_DEGREE * cos)).min(180.0)
        };
        BoundingBox {
            min_lat: (self.lat - d_lat).max(-90.0),
            max_lat: (self.lat + d_lat).min(90.0),
            min_lon: (self.lon - d_lon).max(-180.0),
            max_lon: (self.lon + d_lon).min(180.0),
        }
    }
}

/// A latitude/longitude rectangle; see [`GeoPoint::bounding_box`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

/// A city's government seat as a point.
impl City {
    pub fn point(&self) -> GeoPoint {
        GeoPoint::checked(self.lat, self.lon)
    }
}

/// Where a customer or a car is, for distance and transfer reasons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    pub point: GeoPoint,
    /// Names the place in messages; `None` for bare coordinates.
    pub city: Option<&'static City>,
}

impl Location {
    pub fn of_city(city: &'static City) -> Self {
        Self {
            point: city.point(),
            city: Some(city),
        }
    }

    /// A store with its own coordinates, in `city` when known.
    pub fn at(point: GeoPoint, city: Option<&'static City>) -> Self {
        Self { point, city }
    }
}

/// How an organisation prices and times moving a car to another city (调车). Road distance is
/// taken as the great-circle distance times a detour factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransferCostModel {
    /// Fixed cost per transfer: loading, paperwork, insurance.
    pub base_cents: i64,
    /// Cost per road kilometre.
    pub per_km_cents: i64,
    /// Road kilometres per 100 straight-line kilometres.
    pub road_factor_percent: u32,
    /// Road kilometres a carrier covers per day.
    pub km_per_day: u32,
    /// Days for booking and handover on top of the drive.
    pub handling_days: u32,
    /// Within this straight-line distance a car needs no transfer: the customer comes to it.
    pub local_radius_km: u32,
}

impl Default for TransferCostModel {
    /// ¥500 base plus ¥2.00 per road km (a single car on a carrier), 500 km a day, one day of
    /// handling, 50 km local radius.
    fn default() -> Self {
        Self {
            base_cents: 50_000,
            per_km_cents: 200,
            road_factor_percent: 125,
            km_per_day: 500,
            handling_days: 1,
            local_radius_km: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TransferModelError {
    pub field: &'static str,
    pub message: &'static str,
}

/// What moving one car costs, in money and days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransferEstimate {
    /// Straight-line distance, rounded to the km.
    pub distance_km: u32,
    /// Estimated road distance the cost and days are based on.
    pub road_km: u32,
    pub days: u32,
    pub cost_cents: i64,
}

impl TransferCostModel {
    pub fn check(&self) -> Result<(), TransferModelError> {
        let fail = |field, message| Err(TransferModelError { field, message });
        if !(0..=100_000_000).contains(&self.base_cents) {
            return fail("base_cents", "must be between 0 and 100000000");
        }
        if !(0..=100_000).contains(&self.per_km_cents) {
            return fail("per_km_cents", "must be between 0 and 100000");
        }
        if !(100..=300).contains(&self.road_factor_percent) {
            return fail("road_factor_percent", "must be between 100 and 300");
        }
        if !(1..=5_000).contains(&self.km_per_day) {
            return fail("km_per_day", "must be between 1 and 5000");
        }
        if self.handling_days > 60 {
            return fail("handling_days", "must be at most 60");
        }
        if self.local_radius_km > 1_000 {
            return fail("local_radius_km", "must be at most 1000");
        }
        Ok(())
    }

    /// True when a car this far away needs no transfer.
    pub fn is_local(&self, distance_km: f64) -> bool {
        distance_km <= f64::from(self.local_radius_km)
    }

    /// The cost and time of moving a car over a straight-line distance. Kilometres are
    /// rounded half-up to whole km before pricing, days up to whole days.
    pub fn estimate(&self, distance_km: f64) -> TransferEstimate {
        let straight = distance_km.max(0.0).round() as u32;
        let road = (distance_km.max(0.0) * f64::from(self.road_factor_percent) / 100.0).round();
        let road_km = road as u32;
        let km_per_day = self.km_per_day.max(1);
        TransferEstimate {
            distance_km: straight,
            road_km,
            days: self.handling_days + road_km.div_ceil(km_per_day),
            cost_cents: self.base_cents + self.per_km_cents * i64::from(road_km),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::vehicle::cities::{CITIES, city_by_code, find_city};

    #[test]
    fn the_table_has_every_prefecture_level_division_once() {
        assert_eq!(CITIES.len(), 337);
        let municipalities = CITIES.iter().filter(|c| c.is_municipality()).count();
        assert_eq!(municipalities, 4);
        for pair in CITIES.windows(2) {
            assert!(pair[0].code < pair[1].code);
        }
        let mut names = HashSet::new();
        for city in CITIES {
            assert!(names.insert(city.name_zh), "{}", city.name_zh);
            assert!(city.code % 100 == 0, "{}", city.code);
            assert_eq!(city.province().code_prefix, city.code / 10_000);
            // Inside China's extent (三沙 lies at 16.8° N).
            assert!((16.0..=54.0).contains(&city.lat), "{}", city.name_zh);
            assert!((73.0..=135.5).contains(&city.lon), "{}", city.name_zh);
            assert_eq!(find_city(city.name_zh), Some(city));
            assert_eq!(find_city(city.short_zh), Some(city), "{}", city.short_zh);
        }
        // Merged away or renamed divisions are gone.
        assert!(find_city("莱芜").is_none());
        assert_eq!(find_city("那曲").map(|c| c.code), Some(540600));
        assert_eq!(find_city("哈密").map(|c| c.code), Some(650500));
    }

    #[test]
    fn cities_are_found_by_the_names_people_use() {
        assert_eq!(find_city("杭州").map(|c| c.code), Some(330100));
        assert_eq!(find_city(" 杭州市 ").map(|c| c.code), Some(330100));
        assert_eq!(find_city("Hangzhou").map(|c| c.code), Some(330100));
        assert_eq!(find_city("xi'an").map(|c| c.code), Some(610100));
        assert_eq!(find_city("XIAN").map(|c| c.code), Some(610100));
        assert_eq!(find_city("延边州").map(|c| c.code), Some(222400));
        assert_eq!(find_city("Lvliang").map(|c| c.code), Some(141100));
        // 海南 is the province; the Qinghai prefecture is 海南州.
        assert!(find_city("海南").is_none());
        assert_eq!(find_city("海南州").map(|c| c.code), Some(632500));
        // Shared English names need the Chinese one.
        assert!(find_city("Suzhou").is_none());
        assert_eq!(find_city("宿州").map(|c| c.code), Some(341300));
        assert!(find_city("").is_none());
        let beijing = city_by_code(110000).unwrap();
        assert_eq!(beijing.province().name_en, "Beijing");
        assert_eq!(city_by_code(330100).unwrap().province().name_zh, "浙江省");
        assert!(city_by_code(330101).is_none());
    }

    #[test]
    fn distances_match_known_values() {
        let city = |name| find_city(name).unwrap().point();
        let cases = [
            ("北京", "上海", 1068.0),
            ("杭州", "上海", 165.0),
            ("广州", "深圳", 104.0),
            ("乌鲁木齐", "哈尔滨", 3056.0),
        ];
        for (a, b, km) in cases {
            let d = city(a).distance_km(city(b));
            assert!((d - km).abs() / km < 0.03, "{a}-{b}: {d}");
            assert!((d - city(b).distance_km(city(a))).abs() < 1e-9);
        }
        assert_eq!(city("杭州").distance_km(city("杭州")), 0.0);
    }

    #[test]
    fn bounding_boxes_contain_the_circle() {
        let hangzhou = find_city("杭州").unwrap().point();
        let bbox = hangzhou.bounding_box(200.0);
        for city in CITIES {
            let inside = hangzhou.distance_km(city.point()) <= 200.0;
            let in_box = (bbox.min_lat..=bbox.max_lat).contains(&city.lat)
                && (bbox.min_lon..=bbox.max_lon).contains(&city.lon);
            assert!(!inside || in_box, "{}", city.name_zh);
        }
    }

    #[test]
    fn points_are_validated() {
        assert_eq!(GeoPoint::new(91.0, 0.0), Err(GeoError::Latitude));
        assert_eq!(GeoPoint::new(0.0, -181.0), Err(GeoError::Longitude));
        assert_eq!(GeoPoint::new(f64::NAN, 0.0), Err(GeoError::Latitude));
        assert!(serde_json::from_str::<GeoPoint>(r#"{"lat": 95, "lon": 0}"#).is_err());
        let point: GeoPoint = serde_json::from_str(r#"{"lat": 30.27, "lon": 120.15}"#).unwrap();
        assert_eq!((point.lat(), point.lon()), (30.27, 120.15));
        assert_eq!(
            serde_json::to_string(&point).unwrap(),
            r#"{"lat":30.27,"lon":120.15}"#
        );
    }

    #[test]
    fn transfers_cost_base_plus_road_kilometres() {
        let model = TransferCostModel::default();
        model.check().unwrap();
        let estimate = model.estimate(165.4);
        assert_eq!(
            estimate,
            TransferEstimate {
                distance_km: 165,
                road_km: 207,
                days: 2,
                cost_cents: 50_000 + 200 * 207,
            }
        );
        assert_eq!(model.estimate(1068.0).days, 1 + 3);
        assert!(model.is_local(50.0) && !model.is_local(50.1));
        let bad = TransferCostModel {
            road_factor_percent: 90,
            ..model
        };
        assert_eq!(bad.check().unwrap_err().field, "road_factor_percent");
        let parsed: TransferCostModel = serde_json::from_str(r#"{"per_km_cents": 300}"#).unwrap();
        assert_eq!(parsed.per_km_cents, 300);
        assert_eq!(parsed.base_cents, 50_000);
    }
}
