//! Black-box API tests: one binary, each test on its own fresh database.
//! Set AUTOCRM_TEST_BACKEND=postgres (and AUTOCRM_TEST_POSTGRES_URL) to run them on PostgreSQL.

mod access;
mod attachments;
mod audit_log;
mod auth;
mod customer_360;
mod customer_auth;
mod customer_import_export;
mod customer_profile;
mod customer_rights;
mod customer_search;
mod customer_self;
mod customer_timeline;
mod customer_wechat;
mod customers;
mod errors;
mod events_feed;
mod financing;
mod helpers;
mod idempotency;
mod inspections;
mod inventory_alerts;
mod jobs;
mod notifications;
mod openapi_doc;
mod organization;
mod price_suggestions;
mod rate_limits;
mod reservations;
mod s3;
mod smoke;
mod test_drives;
mod vehicle_matching;
mod vehicle_transfers;
mod vehicles;
mod webhooks;
