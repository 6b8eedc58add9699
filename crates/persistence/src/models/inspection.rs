//! Inspection reports (车况检测) of the cars in inventory. A report is written once and never
//! changed: a new inspection is a new report.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::inspection_reports;

/// One inspection of a car. `items` is a JSON array of checklist results and `maintenance`
/// a JSON array of maintenance history entries; `summary` is the Chinese verdict computed
/// when the report was made (`autocrm_domain::vehicle::inspection::summary`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inspection_reports, treat_none_as_default_value = false)]
pub struct InspectionReport {
    pub id: String,
    pub org_id: String,
    pub vehicle_id: String,
    pub inspector_name: String,
    pub inspector_user_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub inspected_on: String,
    pub mileage_km: i64,
    pub accident: bool,
    pub flood: bool,
    pub fire: bool,
    /// `autocrm_domain::vehicle::inspection::OdometerCheck`.
    pub odometer_check: String,
    /// `autocrm_domain::vehicle::inspection::Grade`.
    pub grade: String,
    pub summary: String,
    /// No accident, flood or fire, a believed odometer and no major defect.
    pub clean: bool,
    pub items: String,
    pub maintenance: String,
    pub notes: Option<String>,
    /// The user or API client that submitted it.
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

super::record::tenant_record!(InspectionReport, inspection_reports);

impl InspectionReport {
    /// A car's reports, newest first (by inspection date, then when they were written).
    pub fn for_vehicle(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_id: &str,
    ) -> QueryResult<Vec<Self>> {
        use inspection_reports as r;
        r::table
            .filter(r::org_id.eq(org_id))
            .filter(r::vehicle_id.eq(vehicle_id))
            .order((r::inspected_on.desc(), r::created_at.desc(), r::id.desc()))
            .select(Self::as_select())
            .load(conn)
    }

    /// The latest report of each of these cars that has one.
    pub fn latest_for_vehicles(
        conn: &mut DbConn,
        org_id: &str,
        vehicle_ids: &[String],
    ) -> QueryResult<Vec<Self>> {
        use inspection_reports as r;
        if vehicle_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut latest: Vec<Self> = Vec::with_capacity(vehicle_ids.len());
        for chunk in vehicle_ids.chunks(500) {
            let rows = r::table
                .filter(r::org_id.eq(org_id))
                .filter(r::vehicle_id.eq_any(chunk))
                .order((
                    r::vehicle_id.asc(),
                    r::inspected_on.desc(),
                    r::created_at.desc(),
                    r::id.desc(),
                ))
                .select(Self::as_select())
                .load::<Self>(conn)?;
            for row in rows {
                if latest.last().is_none_or(|l| l.vehicle_id != row.vehicle_id) {
                    latest.push(row);
                }
            }
        }
        Ok(latest)
    }
}

impl super::Vehicle {
    /// Cars in stock (in stock or reserved) of these catalogue (brand key, model key) pairs,
    /// at most `limit`, in the order of the pairs (then newest first): the cars a customer
    /// who looked at those models may want to see.
    pub fn in_stock_of_models(
        conn: &mut DbConn,
        org_id: &str,
        keys: &[(String, String)],
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        use crate::schema::vehicles as v;
        let mut cars = Vec::new();
        for (brand, model) in keys {
            let left = limit - cars.len() as i64;
            if left <= 0 {
                break;
            }
            cars.extend(
                v::table
                    .filter(v::org_id.eq(org_id))
                    .filter(v::status.eq_any(super::IN_STOCK))
                    .filter(v::brand_key.eq(brand))
                    .filter(v::model_key.eq(model))
                    .order(v::id.desc())
                    .limit(left)
                    .select(Self::as_select())
                    .load::<Self>(conn)?,
            );
        }
        Ok(cars)
    }
}
