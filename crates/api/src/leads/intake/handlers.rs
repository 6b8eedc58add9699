//! `POST /api/v1/leads`, `POST /api/v1/leads/batch`, `POST /api/v1/intake/leads`.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use autocrm_persistence::models::{ApiClient, TenantRecord};

use super::dto::{BatchResult, ItemResult, LeadBatchIn, LeadIn};
use super::service::{self, Intaken, NewLead};
use super::{adf, mapping};
use crate::app::{Actor, Ctx, ServiceError, ServiceResult};
use crate::error::{ApiError, Code, Lang, Problem};
use crate::http::authorized::Caller;
use crate::http::extract::{from_value, parse_json};
use crate::http::{Authorized, Json, perm};
use crate::leads::dto::{IntakeDto, LeadDto, ShownLead};

/// Takes one lead in, in its own unit of work. A concurrent push that won a race on the
/// source id or on the new customer's phone fails this unit of work with `Duplicate`; run
/// again, the lead finds the winner's lead (a duplicate) or customer (attached to it).
async fn take_in(caller: &Caller, command: NewLead) -> Result<IntakeDto, ApiError> {
    let again = command.clone();
    let once = |command: NewLead| {
        move |ctx: &mut Ctx| {
            let taken = service::intake(ctx, command)?;
            shown(ctx, vec![Ok(taken)])?
                .pop()
                .ok_or(ServiceError::Internal)?
        }
    };
    match caller.write(once(command)).await {
        Err(e) if e.code == Code::Duplicate => caller.write(once(again)).await,
        other => other,
    }
}

/// The answers of leads taken in, with their customers' names (read in one statement for
/// the leads whose customer intake did not have at hand).
fn shown(
    ctx: &mut Ctx,
    taken: Vec<ServiceResult<Intaken>>,
) -> ServiceResult<Vec<ServiceResult<IntakeDto>>> {
    let unread: Vec<_> = taken
        .iter()
        .filter_map(|t| t.as_ref().ok())
        .filter(|t| t.customer_shown.is_none())
        .map(|t| t.lead.clone())
        .collect();
    let mut read = if unread.is_empty() {
        Vec::new()
    } else {
        crate::leads::service::shown(ctx, unread)?
    }
    .into_iter();
    Ok(taken
        .into_iter()
        .map(|t| {
            let t = t?;
            let lead = match t.customer_shown {
                Some((name, phone)) => ShownLead {
                    lead: t.lead,
                    customer_name: Some(name),
                    customer_phone: phone,
                },
                None => read.next().ok_or(ServiceError::Internal)?,
            };
            Ok(IntakeDto {
                duplicate: t.duplicate,
                customer_created: t.customer_created,
                lead: LeadDto::from(lead),
            })
        })
        .collect())
}

/// Takes a batch in set-based ([`service::intake_many`]); when the batch fails on something
/// it cannot put on one lead (a race lost on a source id or a phone), each lead is taken in
/// on its own instead, in its own savepoint, and once more after a lost race (as `take_in`).
fn take_in_all(
    ctx: &mut Ctx,
    commands: Vec<NewLead>,
) -> ServiceResult<Vec<ServiceResult<IntakeDto>>> {
    let together = commands.clone();
    match ctx.savepoint(|ctx| service::intake_many(ctx, together)) {
        Ok(taken) => shown(ctx, taken),
        Err(e @ (ServiceError::Internal | ServiceError::Unavailable)) => Err(e),
        Err(_) => {
            let mut out = Vec::with_capacity(commands.len());
            for command in commands {
                let mut once = || ctx.savepoint(|ctx| service::intake(ctx, command.clone()));
                let outcome = match once() {
                    Err(ServiceError::Duplicate { .. }) => once(),
                    other => other,
                };
                out.push(match outcome {
                    Ok(taken) => shown(ctx, vec![Ok(taken)])?.remove(0),
                    Err(e @ (ServiceError::Internal | ServiceError::Unavailable)) => {
                        return Err(e);
                    }
                    Err(e) => Err(e),
                });
            }
            Ok(out)
        }
    }
}

fn answer(dto: IntakeDto) -> HttpResponse {
    let status = if dto.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    HttpResponse::build(status).json(dto)
}

/// A body already parsed as JSON, read and checked as a lead body.
fn lead_body(value: serde_json::Value) -> Result<LeadIn, ApiError> {
    let body: LeadIn = from_value(value)?;
    crate::validate::check(&body)?;
    Ok(body)
}

/// Takes the items in together: a refused item answers its problem, the rest land.
fn each(
    ctx: &mut Ctx,
    lang: Lang,
    items: Vec<Result<(LeadIn, Option<String>), ApiError>>,
) -> ServiceResult<BatchResult> {
    let mut outcomes: Vec<Option<Result<IntakeDto, ApiError>>> = Vec::with_capacity(items.len());
    let mut commands = Vec::new();
    for item in items {
        match item {
            Ok((body, raw)) => {
                commands.push(body.into_command(raw));
                outcomes.push(None);
            }
            Err(e) => outcomes.push(Some(Err(e))),
        }
    }
    let mut taken = take_in_all(ctx, commands)?.into_iter();
    let mut results = Vec::with_capacity(outcomes.len());
    for (index, outcome) in outcomes.into_iter().enumerate() {
        let outcome = match outcome {
            Some(refused) => refused,
            None => taken
                .next()
                .ok_or(ServiceError::Internal)?
                .map_err(ApiError::from),
        };
        results.push(match outcome {
            Ok(dto) => ItemResult {
                index,
                status: if dto.duplicate { 200 } else { 201 },
                result: if dto.duplicate {
                    "duplicate"
                } else {
                    "created"
                },
                lead: Some(dto.lead),
                customer_created: Some(dto.customer_created),
                problem: None,
            },
            Err(e) => {
                let problem = e.problem(lang);
                if problem.status >= 500 {
                    return Err(ServiceError::internal(problem.title));
                }
                ItemResult {
                    index,
                    status: problem.status,
                    result: "refused",
                    lead: None,
                    customer_created: None,
                    problem: serde_json::to_value(&problem).ok(),
                }
            }
        });
    }
    let count = |r: &str| results.iter().filter(|i| i.result == r).count();
    Ok(BatchResult {
        created: count("created"),
        duplicates: count("duplicate"),
        refused: count("refused"),
        results,
    })
}

fn lang(request: &HttpRequest) -> Lang {
    Lang::from_accept_language(
        request
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Enter a lead.
///
/// Staff enter a lead (a call, a walk-in, a car show): consultants (the lead is theirs),
/// managers and general managers (routed by the organisation's rules), admins, marketing.
/// The customer is found by phone (any of their phones, by blind index), WeChat id or email,
/// or created as a prospect, in the same transaction; the lead is scored (grade and score
/// with reasons), routed, and gets its first-response task. A repeated `(source,
/// source_lead_id)` answers 200 with the existing lead and `duplicate: true`, writing
/// nothing; a repeated `Idempotency-Key` replays the first answer. A lead that no rule
/// routes, or finds nobody on shift, lands unassigned in its store's pool. Emits
/// `lead.created`, `customer.created` (a new prospect), `lead.assigned` (routed).
#[utoipa::path(
    post, path = "/api/v1/leads", tag = "leads",
    request_body = LeadIn,
    responses(
        (status = 201, description = "Taken in", body = IntakeDto),
        (status = 200, description = "The source sent this lead already: nothing written", body = IntakeDto),
        (status = 403, description = "A store other than the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_lead(
    caller: Authorized<perm::LeadsWrite>,
    body: Json<LeadIn>,
) -> Result<HttpResponse, ApiError> {
    let dto = take_in(&caller, body.into_inner().into_command(None)).await?;
    Ok(answer(dto))
}

/// Enter up to 500 leads.
///
/// Each item is a `POST /api/v1/leads` body; the batch is taken in together (one
/// transaction, a handful of multi-row statements): a refused item answers its problem, the
/// rest land. Items repeating a source id answer the first as a duplicate; items naming the
/// same new phone, WeChat id or email share one new prospect. A result per item, in order, with the
/// counts. Who may call, and the events, as for one lead.
#[utoipa::path(
    post, path = "/api/v1/leads/batch", tag = "leads",
    request_body = LeadBatchIn,
    responses((status = 200, description = "A result per item", body = BatchResult))
)]
pub async fn create_leads_batch(
    caller: Authorized<perm::LeadsWrite>,
    request: HttpRequest,
    body: Json<LeadBatchIn>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang(&request);
    let items: Vec<_> = body
        .into_inner()
        .items
        .into_iter()
        .map(|item| lead_body(item).map(|b| (b, None)))
        .collect();
    let result = caller.write(move |ctx| each(ctx, lang, items)).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Largest ADF document kept whole with each of its leads.
const RAW_DOCUMENT_MAX: usize = 64 * 1024;

enum Format {
    Json,
    Xml,
}

fn format_of(request: &HttpRequest) -> Result<Format, ApiError> {
    let mime = request
        .mime_type()
        .map_err(|_| ApiError::new(Code::UnsupportedMediaType))?
        .ok_or_else(|| ApiError::new(Code::UnsupportedMediaType))?;
    let sub = mime.subtype().as_str().to_ascii_lowercase();
    let suffix = mime.suffix().map(|s| s.as_str().to_ascii_lowercase());
    match (mime.type_().as_str(), sub.as_str(), suffix.as_deref()) {
        (_, "json", _) | (_, _, Some("json")) => Ok(Format::Json),
        ("application" | "text", "xml", _) | (_, _, Some("xml")) => Ok(Format::Xml),
        _ => Err(ApiError::new(Code::UnsupportedMediaType)),
    }
}

/// Push leads from a lead platform or web form.
///
/// For integration clients with `leads:write`, and admins. JSON (`application/json`): one
/// lead, in the lead body's shape, or in the client's own shape when the organisation has
/// set a field mapping for the client (`PUT /api/v1/api-clients/{id}/lead-mapping`: the
/// push formats of Autohome, Dongchedi, Yiche or a web form map without code); answers as
/// `POST /api/v1/leads`. ADF XML 1.0 (`application/xml`, `text/xml`,
/// `application/vnd.adf+xml`): read leniently (any element order, optional parts missing,
/// several `<prospect>`s), answered with a result per prospect; the `<id>` whose `source`
/// is the client's name is the source lead id (else the first); `<vendor><vendorname>`
/// picks the store of that name. The payload as received is kept sealed for 90 days.
/// Malformed JSON or XML is 400 naming the position; a DTD (entity bombs, external
/// entities) is refused with 400. Events as for `POST /api/v1/leads`.
#[utoipa::path(
    post, path = "/api/v1/intake/leads", tag = "leads",
    request_body(content(
        (LeadIn = "application/json"),
        (String = "application/xml", example = json!("<?xml version=\"1.0\"?><?adf version=\"1.0\"?><adf><prospect><id source=\"Autohome\">AH-777</id><customer><contact><name part=\"full\">张伟</name><phone>13812345678</phone></contact></customer><vehicle interest=\"buy\" status=\"new\"><make>比亚迪</make><model>汉EV</model></vehicle><vendor><vendorname>浦东店</vendorname></vendor></prospect></adf>")),
        (String = "application/vnd.adf+xml", example = json!("<?xml version=\"1.0\"?><?adf version=\"1.0\"?><adf><prospect><id source=\"Autohome\">AH-777</id><customer><contact><name part=\"full\">张伟</name><phone>13812345678</phone></contact></customer><vehicle interest=\"buy\" status=\"new\"><make>比亚迪</make><model>汉EV</model></vehicle><vendor><vendorname>浦东店</vendorname></vendor></prospect></adf>")),
        (String = "text/xml", example = json!("<?xml version=\"1.0\"?><?adf version=\"1.0\"?><adf><prospect><id source=\"Autohome\">AH-777</id><customer><contact><name part=\"full\">张伟</name><phone>13812345678</phone></contact></customer><vehicle interest=\"buy\" status=\"new\"><make>比亚迪</make><model>汉EV</model></vehicle><vendor><vendorname>浦东店</vendorname></vendor></prospect></adf>")),
    )),
    responses(
        (status = 201, description = "JSON: taken in", body = IntakeDto),
        (status = 200, description = "JSON: a duplicate (nothing written); XML: a result per prospect", body = BatchResult),
        (status = 400, description = "Malformed JSON or XML, or a DTD", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor XML", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn intake_leads(
    caller: Authorized<perm::LeadsIntake>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let format = format_of(&request)?;
    let lang = lang(&request);
    let text = String::from_utf8(body.to_vec()).map_err(|_| match format {
        Format::Json => ApiError::bad_request(Code::MalformedJson, "the body is not UTF-8"),
        Format::Xml => ApiError::bad_request(Code::MalformedXml, "the body is not UTF-8"),
    })?;
    let (client, today) = caller
        .read(|ctx| Ok((client_of(ctx)?, ctx.today()?)))
        .await?;
    match format {
        Format::Json => {
            let value: serde_json::Value = parse_json(text.as_bytes())?;
            let value = match client.as_ref().and_then(|c| c.mapping.as_ref()) {
                Some(m) => m.apply(&value),
                None => value,
            };
            let command = lead_body(value)?.into_command(Some(text));
            let dto = take_in(&caller, command).await?;
            Ok(answer(dto))
        }
        Format::Xml => {
            let prospects = adf::parse(&text, today)
                .map_err(|e| ApiError::bad_request(Code::MalformedXml, e.to_string()))?;
            let name = client.as_ref().map_or("", |c| c.name.as_str());
            let items = prospects
                .into_iter()
                .map(|p| {
                    let mut body = p.body.clone();
                    let source = client
                        .as_ref()
                        .and_then(|c| c.source.clone())
                        .or_else(|| slug(p.provider.as_deref()))
                        .or_else(|| slug(client.as_ref().map(|c| c.name.as_str())))
                        .unwrap_or_else(|| "adf".to_owned());
                    body["source"] = serde_json::json!(source);
                    if let Some(id) = p.source_lead_id(name) {
                        body["source_lead_id"] = serde_json::json!(id);
                    }
                    // The document as received, unless it is large: then this prospect's part.
                    let raw = if text.len() <= RAW_DOCUMENT_MAX {
                        text.clone()
                    } else {
                        body.to_string()
                    };
                    lead_body(body).map(|b| (b, Some(raw)))
                })
                .collect();
            let result = caller.write(move |ctx| each(ctx, lang, items)).await?;
            Ok(HttpResponse::Ok().json(result))
        }
    }
}

/// A channel name made of a provider's or client's name (`Autohome` → `autohome`).
fn slug(name: Option<&str>) -> Option<String> {
    let name: String = name?
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' { '_' } else { c })
        .collect();
    autocrm_domain::leads::SourceChannel::parse(&name)
        .ok()
        .map(|s| s.as_str().to_owned())
}

struct Client {
    name: String,
    mapping: Option<autocrm_domain::leads::intake_mapping::IntakeMapping>,
    /// The mapping's constant `source`, if it sets one.
    source: Option<String>,
}

/// The calling API client's name and field mapping (`None` for a person).
fn client_of(ctx: &mut Ctx) -> ServiceResult<Option<Client>> {
    let Actor::Principal(p) = ctx.actor() else {
        return Ok(None);
    };
    if p.kind != autocrm_domain::access::PrincipalKind::ApiClient {
        return Ok(None);
    }
    let id = p.id.clone();
    let client = ApiClient::find(ctx.conn, ctx.org_id(), &id)?.ok_or(ServiceError::NotFound)?;
    let mapping = mapping::of_client(ctx, &id)?;
    let source = mapping
        .as_ref()
        .and_then(|m| m.constants.get("source"))
        .and_then(|s| s.as_str())
        .map(str::to_owned);
    Ok(Some(Client {
        name: client.name,
        mapping,
        source,
    }))
}

crate::endpoints![create_lead, create_leads_batch, intake_leads];
