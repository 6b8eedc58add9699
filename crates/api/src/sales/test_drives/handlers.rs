//! `/api/v1/test-drives`, `/api/v1/vehicles/{id}/test-drive-slots`, `/api/v1/me/test-drives`
//! and `/api/v1/settings/test-drives`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use autocrm_domain::sales::test_drives::TestDriveStatus;
use autocrm_persistence::models::TestDriveFilter;

use super::dto::{
    CreateOwnTestDrive, CreateTestDrive, FeedbackBody, FreeSlotsDto, PageQuery, SlotsQuery,
    TestDriveDto, TestDriveListQuery, TestDriveSettingsDto,
};
use super::service;
use crate::error::{ApiError, Problem};
use crate::http::pagination::{IdWindow, Page};
use crate::http::query::uuid_param;
use crate::http::versioning::versioned;
use crate::http::{Authorized, Json, PathId, perm};

fn answer(status: StatusCode, shown: service::Shown) -> HttpResponse {
    let dto = TestDriveDto::from(shown);
    versioned(status, dto.version, dto)
}

/// Book a test drive.
///
/// Books a car for a customer the caller sees, with a consultant (the caller by default),
/// from `starts_at` to `ends_at` on the organisation's slot grid (30 minutes unless
/// `/api/v1/settings/test-drives` says otherwise), 09:00–20:00 local time, in the future.
/// A car or a consultant already booked at an overlapping time is 409 `conflict`, also when
/// many ask at once (the car's and the consultant's rows are locked, and the database holds
/// one row per booked slot of each). A car that cannot be driven (sold, in transit, left
/// the organisation, and not a demo car) is 409 `invalid_transition`. The driving licence
/// number is stored encrypted and answered masked. Consultants, managers, general managers,
/// admins and finance. Emits `test_drive.booked`; notifies the consultant (when someone else
/// booked for them).
#[utoipa::path(
    post, path = "/api/v1/test-drives", tag = "test-drives",
    request_body = CreateTestDrive,
    responses(
        (status = 201, description = "Booked", body = TestDriveDto),
        (status = 409, description = "The car or the consultant is booked then, or the car cannot be driven", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn book_test_drive(
    caller: Authorized<perm::DealsWrite>,
    body: Json<CreateTestDrive>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_command();
    let shown = caller
        .write(move |ctx| service::book(ctx, new, service::VIA_STAFF).map(service::present))
        .await?;
    Ok(answer(StatusCode::CREATED, shown))
}

/// List test drives.
///
/// The test drives the caller sees (admins, general managers and finance: all; a sales
/// manager: their store's; a consultant: their own), oldest booking first, cursor-paged;
/// filtered by car, consultant, customer and time (`from`/`to`: those overlapping the
/// window). Licence numbers masked. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/test-drives", tag = "test-drives",
    params(TestDriveListQuery),
    responses((status = 200, description = "A page of test drives", body = Page<TestDriveDto>))
)]
pub async fn list_test_drives(
    caller: Authorized<perm::DealsRead>,
    query: web::Query<TestDriveListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = TestDriveFilter {
        vehicle_id: uuid_param(q.vehicle_id, "vehicle_id")?,
        consultant_id: uuid_param(q.consultant_id, "consultant_id")?,
        customer_id: uuid_param(q.customer_id, "customer_id")?,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        after_id: window.after_id.clone(),
        limit: window.rows(),
        ..Default::default()
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |s| &s.drive.id, TestDriveDto::from)))
}

/// Get one test drive.
///
/// One the caller sees (see the list); another's, or another organisation's, is 404.
/// Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/test-drives/{id}", tag = "test-drives",
    params(("id" = String, Path, description = "Test drive id")),
    responses((status = 200, description = "The test drive", body = TestDriveDto))
)]
pub async fn get_test_drive(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let shown = caller.read(move |ctx| service::get(ctx, &id.0)).await?;
    Ok(answer(StatusCode::OK, shown))
}

async fn move_to(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    to: TestDriveStatus,
) -> Result<HttpResponse, ApiError> {
    let shown = caller
        .write(move |ctx| service::transition(ctx, &id.0, to).map(service::present))
        .await?;
    Ok(answer(StatusCode::OK, shown))
}

/// Cancel a test drive.
///
/// A booked test drive that has not ended; frees the car and the consultant at once. Its
/// consultant, a sales manager of its store, general managers and admins (another
/// consultant: 403). Otherwise 409 `invalid_transition`. Audited
/// `test_drive.status_changed`.
#[utoipa::path(
    post, path = "/api/v1/test-drives/{id}/cancel", tag = "test-drives",
    params(("id" = String, Path, description = "Test drive id")),
    responses(
        (status = 200, description = "Cancelled", body = TestDriveDto),
        (status = 409, description = "Not booked, or over", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_test_drive(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    move_to(caller, id, TestDriveStatus::Cancelled).await
}

/// Mark a test drive completed.
///
/// Once it has started; frees the slots. Who: as for cancel. Otherwise 409
/// `invalid_transition`. Audited `test_drive.status_changed`.
#[utoipa::path(
    post, path = "/api/v1/test-drives/{id}/complete", tag = "test-drives",
    params(("id" = String, Path, description = "Test drive id")),
    responses(
        (status = 200, description = "Completed", body = TestDriveDto),
        (status = 409, description = "Not started, or final already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complete_test_drive(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    move_to(caller, id, TestDriveStatus::Completed).await
}

/// Mark a test drive as a no-show.
///
/// A booked test drive whose start has passed without the customer; frees the slots.
/// Who: as for cancel. Otherwise 409 `invalid_transition`. Audited
/// `test_drive.status_changed`.
#[utoipa::path(
    post, path = "/api/v1/test-drives/{id}/no-show", tag = "test-drives",
    params(("id" = String, Path, description = "Test drive id")),
    responses(
        (status = 200, description = "Marked no-show", body = TestDriveDto),
        (status = 409, description = "Not started, or not booked", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn no_show_test_drive(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    move_to(caller, id, TestDriveStatus::NoShow).await
}

/// Record the feedback of a test drive.
///
/// What the customer liked and disliked, ratings 1–5 and a comment, on a completed test
/// drive (409 `invalid_transition` otherwise); replaces earlier feedback. Who: as for
/// cancel. Audited `test_drive.feedback_given`.
#[utoipa::path(
    put, path = "/api/v1/test-drives/{id}/feedback", tag = "test-drives",
    params(("id" = String, Path, description = "Test drive id")),
    request_body = FeedbackBody,
    responses(
        (status = 200, description = "The test drive with its feedback", body = TestDriveDto),
        (status = 409, description = "Not completed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_test_drive_feedback(
    caller: Authorized<perm::DealsWrite>,
    id: PathId,
    body: Json<FeedbackBody>,
) -> Result<HttpResponse, ApiError> {
    let feedback = body.into_inner().into_feedback();
    let shown = caller
        .write(move |ctx| service::put_feedback(ctx, &id.0, feedback).map(service::present))
        .await?;
    Ok(answer(StatusCode::OK, shown))
}

/// A car's free test-drive slots on a day.
///
/// The grid slots of the day (organisation's time zone, 09:00–20:00) that no booking of the
/// car holds and that have not begun. Every staff role that reads deals. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/vehicles/{id}/test-drive-slots", tag = "test-drives",
    params(("id" = String, Path, description = "Vehicle id"), SlotsQuery),
    responses((status = 200, description = "The free slots", body = FreeSlotsDto))
)]
pub async fn vehicle_test_drive_slots(
    caller: Authorized<perm::DealsRead>,
    id: PathId,
    query: web::Query<SlotsQuery>,
) -> Result<HttpResponse, ApiError> {
    let date = query.into_inner().date;
    let (slots, config) = caller
        .read(move |ctx| {
            let slots = service::free_slots(ctx, &id.0, date)?;
            Ok((slots, service::config(ctx)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(FreeSlotsDto {
        date,
        slot_minutes: config.slot_minutes,
        slots: slots.into_iter().map(Into::into).collect(),
    }))
}

/// Book a test drive for myself (customers).
///
/// A signed-in customer books a car: the consultant is the customer's own when free, else a
/// free consultant of the car's store (409 `conflict` when nobody is, or the car is booked
/// then). Same rules as `POST /api/v1/test-drives`. Emits `test_drive.booked`; notifies the
/// consultant.
#[utoipa::path(
    post, path = "/api/v1/me/test-drives", tag = "customer-self",
    request_body = CreateOwnTestDrive,
    responses(
        (status = 201, description = "Booked", body = TestDriveDto),
        (status = 409, description = "Nobody free, or the car is booked then", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn book_own_test_drive(
    caller: Authorized<perm::CustomerSelf>,
    body: Json<CreateOwnTestDrive>,
) -> Result<HttpResponse, ApiError> {
    let me = caller.principal().id.clone();
    let new = body.into_inner().into_command();
    let shown = caller
        .write(move |ctx| service::book_for_customer(ctx, &me, new).map(service::present))
        .await?;
    Ok(answer(StatusCode::CREATED, shown))
}

/// My test drives (customers).
///
/// The signed-in customer's own test drives, oldest first, cursor-paged. Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/me/test-drives", tag = "customer-self",
    params(PageQuery),
    responses((status = 200, description = "A page of test drives", body = Page<TestDriveDto>))
)]
pub async fn list_own_test_drives(
    caller: Authorized<perm::CustomerSelf>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let window = IdWindow::parse(q.limit, q.cursor.as_deref())?;
    let filter = TestDriveFilter {
        customer_id: Some(caller.principal().id.clone()),
        after_id: window.after_id.clone(),
        limit: window.rows(),
        ..Default::default()
    };
    let items = caller.read(move |ctx| service::list(ctx, filter)).await?;
    Ok(HttpResponse::Ok().json(window.page(items, |s| &s.drive.id, TestDriveDto::from)))
}

/// The organisation's test-drive settings.
///
/// Slot length and the longest appointment (the defaults, 30 minutes and 4 slots, until
/// set). Changes nothing.
#[utoipa::path(
    get, path = "/api/v1/settings/test-drives", tag = "test-drives",
    responses((status = 200, description = "The settings", body = TestDriveSettingsDto))
)]
pub async fn get_test_drive_settings(
    caller: Authorized<perm::DealsRead>,
) -> Result<HttpResponse, ApiError> {
    let config = caller.read(service::config).await?;
    Ok(HttpResponse::Ok().json(TestDriveSettingsDto::from(config)))
}

/// Replace the organisation's test-drive settings.
///
/// Every problem listed at once (422). Bookings made before keep their times. Admins and
/// general managers. Audited `organization.test_drives_changed`.
#[utoipa::path(
    put, path = "/api/v1/settings/test-drives", tag = "test-drives",
    request_body = TestDriveSettingsDto,
    responses(
        (status = 200, description = "The settings as stored", body = TestDriveSettingsDto),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put_test_drive_settings(
    caller: Authorized<perm::LeadSettingsManage>,
    body: Json<TestDriveSettingsDto>,
) -> Result<HttpResponse, ApiError> {
    let config = body.into_inner().into();
    let stored = caller
        .write(move |ctx| service::put_config(ctx, config))
        .await?;
    Ok(HttpResponse::Ok().json(TestDriveSettingsDto::from(stored)))
}

crate::endpoints![
    book_test_drive,
    list_test_drives,
    get_test_drive,
    cancel_test_drive,
    complete_test_drive,
    no_show_test_drive,
    put_test_drive_feedback,
    vehicle_test_drive_slots,
    book_own_test_drive,
    list_own_test_drives,
    get_test_drive_settings,
    put_test_drive_settings,
];
