//! Customer use cases, each in one transaction with its audit line and outbox event.

use autocrm_domain::access::Role;
use autocrm_domain::contact::Phone;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id, now, write_tx};
use autocrm_persistence::models::{Customer, CustomerFilter, CustomerSort, Store, User};

use super::dto::{CreateCustomer, CustomerListQuery, KINDS, PatchCustomer, SOURCE_CHANNELS};
use super::scope;
use crate::audit;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::http::pagination;
use crate::pii::PiiCipher;
use crate::validate::Checks;

/// The stored forms of a phone: ciphertext, blind index and masked display.
pub struct ProtectedPhone {
    pub ciphertext: String,
    pub blind_index: String,
    pub masked: String,
}

pub fn protect_phone(pii: &PiiCipher, phone: &Phone) -> Result<ProtectedPhone, ApiError> {
    Ok(ProtectedPhone {
        ciphertext: pii.encrypt(phone.as_str())?,
        blind_index: pii.blind_index(phone.as_str()),
        masked: phone.masked(),
    })
}

fn set_phone(customer: &mut Customer, phone: Option<ProtectedPhone>) {
    match phone {
        Some(p) => {
            customer.phone_ciphertext = Some(p.ciphertext);
            customer.phone_blind_index = Some(p.blind_index);
            customer.phone_masked = Some(p.masked);
        }
        None => {
            customer.phone_ciphertext = None;
            customer.phone_blind_index = None;
            customer.phone_masked = None;
        }
    }
}

fn duplicate(existing: &Customer) -> ApiError {
    ApiError::conflict(
        "duplicate",
        "a customer with this phone number already exists",
        Some(existing.id.clone()),
    )
}

/// The owner and store must be live records of the caller's organisation.
fn check_assignment(
    conn: &mut DbConn,
    org_id: &str,
    owner_id: Option<&str>,
    store_id: Option<&str>,
) -> Result<(), ApiError> {
    let mut checks = Checks::new();
    if let Some(owner) = owner_id
        && !User::find(conn, org_id, owner)?.is_some_and(|u| u.active)
    {
        checks.add("owner_id", "not_found", "no such active user");
    }
    if let Some(store) = store_id
        && !Store::find(conn, org_id, store)?.is_some_and(|s| s.active)
    {
        checks.add("store_id", "not_found", "no such active store");
    }
    checks.finish()
}

pub fn create(
    conn: &mut DbConn,
    principal: &Principal,
    pii: &PiiCipher,
    req: CreateCustomer,
) -> Result<Customer, ApiError> {
    let mut checks = Checks::new();
    let kind = req.kind.unwrap_or_else(|| "individual".into());
    checks.one_of("kind", &kind, &KINDS);
    let name = checks.text("name", &req.name, 100);
    let phone = checks.phone("phone", req.phone.as_deref());
    let email = checks.email("email", req.email.as_deref());
    let city = checks.optional_text("city", req.city.as_deref(), 100);
    let source = checks.optional_text("source_channel", req.source_channel.as_deref(), 40);
    if let Some(s) = &source {
        checks.one_of("source_channel", s, &SOURCE_CHANNELS);
    }
    let notes = checks.optional_text("notes", req.notes.as_deref(), 4000);
    let mut owner_id = checks.id("owner_id", req.owner_id.as_deref());
    let mut store_id = checks.id("store_id", req.store_id.as_deref());
    checks.finish()?;

    // Store staff create within their own store; consultants for themselves.
    match principal.role {
        Role::SalesConsultant => {
            if owner_id.as_ref().is_some_and(|o| *o != principal.id) {
                return Err(ApiError::Forbidden);
            }
            owner_id = Some(principal.id.clone());
            store_id = pin_to_own_store(principal, store_id)?;
        }
        Role::SalesManager => store_id = pin_to_own_store(principal, store_id)?,
        _ => {}
    }
    let phone = phone.map(|p| protect_phone(pii, &p)).transpose()?;

    write_tx(conn, |conn| {
        check_assignment(
            conn,
            &principal.org_id,
            owner_id.as_deref(),
            store_id.as_deref(),
        )?;
        if let Some(p) = &phone
            && let Some(existing) =
                Customer::find_by_phone(conn, &principal.org_id, &p.blind_index)?
        {
            return Err(duplicate(&existing));
        }
        let at = now();
        let mut customer = Customer {
            id: new_id(),
            org_id: principal.org_id.clone(),
            store_id,
            owner_id,
            kind,
            name,
            phone_ciphertext: None,
            phone_blind_index: None,
            phone_masked: None,
            email: email.map(|e| e.as_str().to_owned()),
            city,
            source_channel: source,
            notes,
            marketing_consent: req.marketing_consent,
            status: "active".into(),
            version: 1,
            created_at: at,
            updated_at: at,
            archived_at: None,
        };
        set_phone(&mut customer, phone);
        customer.insert(conn).map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::conflict(
                    "duplicate",
                    "a customer with this phone number already exists",
                    None,
                )
            } else {
                e.into()
            }
        })?;
        audit::record(
            conn,
            principal,
            "customer.created",
            "customer",
            Some(&customer.id),
            serde_json::json!({}),
        )?;
        audit::emit(
            conn,
            &customer.org_id,
            "customer.created",
            "customer",
            &customer.id,
            event_data(&customer),
        )?;
        Ok(customer)
    })
}

fn pin_to_own_store(
    principal: &Principal,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (&principal.store_id, asked) {
        (Some(own), Some(asked)) if *own != asked => Err(ApiError::Forbidden),
        (own, _) => Ok(own.clone()),
    }
}

/// What integrators receive: no personal data beyond the masked phone.
fn event_data(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "customer_id": c.id,
        "kind": c.kind,
        "name": c.name,
        "owner_id": c.owner_id,
        "store_id": c.store_id,
        "source_channel": c.source_channel,
        "status": c.status,
        "version": c.version,
    })
}

pub fn find_visible(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
) -> Result<Customer, ApiError> {
    Customer::find(conn, &principal.org_id, id)?
        .filter(|c| scope::can_see(principal, c))
        .ok_or(ApiError::NotFound)
}

pub fn update(
    conn: &mut DbConn,
    principal: &Principal,
    pii: &PiiCipher,
    id: &str,
    expected: Option<i64>,
    patch: PatchCustomer,
) -> Result<Customer, ApiError> {
    let mut checks = Checks::new();
    let kind = checks.not_null("kind", patch.kind);
    if let Some(kind) = &kind {
        checks.one_of("kind", kind, &KINDS);
    }
    let name = checks
        .not_null("name", patch.name)
        .map(|n| checks.text("name", &n, 100));
    let consent = checks.not_null("marketing_consent", patch.marketing_consent);
    let phone = patch
        .phone
        .as_ref()
        .map(|p| checks.phone("phone", p.as_deref()));
    let email = patch.email.as_ref().map(|e| {
        checks
            .email("email", e.as_deref())
            .map(|e| e.as_str().to_owned())
    });
    let city = patch
        .city
        .as_ref()
        .map(|c| checks.optional_text("city", c.as_deref(), 100));
    let source = patch.source_channel.as_ref().map(|s| {
        let s = checks.optional_text("source_channel", s.as_deref(), 40);
        if let Some(v) = &s {
            checks.one_of("source_channel", v, &SOURCE_CHANNELS);
        }
        s
    });
    let notes = patch
        .notes
        .as_ref()
        .map(|n| checks.optional_text("notes", n.as_deref(), 4000));
    let owner = patch
        .owner_id
        .as_ref()
        .map(|o| o.as_deref().and_then(|o| checks.id("owner_id", Some(o))));
    let store = patch
        .store_id
        .as_ref()
        .map(|s| s.as_deref().and_then(|s| checks.id("store_id", Some(s))));
    checks.finish()?;
    let phone = match phone {
        Some(Some(p)) => Some(Some(protect_phone(pii, &p)?)),
        Some(None) => Some(None),
        None => None,
    };

    write_tx(conn, |conn| {
        lock_row(conn, "customers", id)?;
        let mut customer = find_visible(conn, principal, id)?;
        let version = customer.version;
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        if (owner.is_some() || store.is_some()) && !scope::can_reassign(principal) {
            return Err(ApiError::Forbidden);
        }
        if let Some(kind) = kind {
            customer.kind = kind;
        }
        if let Some(name) = name {
            customer.name = name;
        }
        if let Some(email) = email {
            customer.email = email;
        }
        if let Some(city) = city {
            customer.city = city;
        }
        if let Some(source) = source {
            customer.source_channel = source;
        }
        if let Some(notes) = notes {
            customer.notes = notes;
        }
        if let Some(consent) = consent {
            customer.marketing_consent = consent;
        }
        if let Some(owner) = owner {
            customer.owner_id = owner;
        }
        if let Some(store) = store {
            if principal.role == Role::SalesManager && store != principal.store_id {
                return Err(ApiError::Forbidden);
            }
            customer.store_id = store;
        }
        check_assignment(
            conn,
            &principal.org_id,
            customer.owner_id.as_deref(),
            customer.store_id.as_deref(),
        )?;
        if let Some(phone) = phone {
            if let Some(p) = &phone
                && let Some(existing) =
                    Customer::find_by_phone(conn, &principal.org_id, &p.blind_index)?
                && existing.id != customer.id
            {
                return Err(duplicate(&existing));
            }
            set_phone(&mut customer, phone);
        }
        customer.updated_at = now();
        if !customer.save(conn, version)? {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        audit::record(
            conn,
            principal,
            "customer.updated",
            "customer",
            Some(&customer.id),
            serde_json::json!({}),
        )?;
        audit::emit(
            conn,
            &customer.org_id,
            "customer.updated",
            "customer",
            &customer.id,
            event_data(&customer),
        )?;
        Ok(customer)
    })
}

pub fn archive(conn: &mut DbConn, principal: &Principal, id: &str) -> Result<Customer, ApiError> {
    write_tx(conn, |conn| {
        lock_row(conn, "customers", id)?;
        let mut customer = find_visible(conn, principal, id)?;
        if customer.status == "archived" {
            return Ok(customer);
        }
        let version = customer.version;
        let at = now();
        customer.status = "archived".into();
        customer.archived_at = Some(at);
        customer.updated_at = at;
        if !customer.save(conn, version)? {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        audit::record(
            conn,
            principal,
            "customer.archived",
            "customer",
            Some(&customer.id),
            serde_json::json!({}),
        )?;
        audit::emit(
            conn,
            &customer.org_id,
            "customer.archived",
            "customer",
            &customer.id,
            event_data(&customer),
        )?;
        Ok(customer)
    })
}

/// Decrypts the phone for a caller allowed to see it, and writes that to the audit log.
pub fn reveal(
    conn: &mut DbConn,
    principal: &Principal,
    pii: &PiiCipher,
    id: &str,
) -> Result<(String, Option<String>), ApiError> {
    write_tx(conn, |conn| {
        let customer = find_visible(conn, principal, id)?;
        let phone = customer
            .phone_ciphertext
            .as_deref()
            .map(|c| pii.decrypt(c))
            .transpose()?;
        audit::record(
            conn,
            principal,
            "customer.pii_revealed",
            "customer",
            Some(&customer.id),
            serde_json::json!({"fields": ["phone"]}),
        )?;
        Ok((customer.id, phone))
    })
}

pub fn sort_of(value: Option<&str>) -> Result<(CustomerSort, &'static str), ApiError> {
    Ok(match value.unwrap_or("-created_at") {
        "created_at" => (CustomerSort::CreatedAsc, "created_at"),
        "-created_at" => (CustomerSort::CreatedDesc, "-created_at"),
        "name" => (CustomerSort::NameAsc, "name"),
        "-name" => (CustomerSort::NameDesc, "-name"),
        "updated_at" => (CustomerSort::UpdatedAsc, "updated_at"),
        "-updated_at" => (CustomerSort::UpdatedDesc, "-updated_at"),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "sort must be one of created_at, -created_at, name, -name, updated_at, -updated_at",
            ));
        }
    })
}

pub struct ListRequest {
    pub filter: CustomerFilter,
    pub sort_name: &'static str,
    pub limit: i64,
    /// False when the caller's scope and the asked filters cannot overlap.
    pub visible: bool,
}

pub fn list_request(
    principal: &Principal,
    pii: &PiiCipher,
    q: CustomerListQuery,
) -> Result<ListRequest, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let (sort, sort_name) = sort_of(q.sort.as_deref())?;
    let after = pagination::decode_cursor(sort_name, q.cursor.as_deref())?;
    let bad = |m: &str| ApiError::bad_request("invalid_query", m.to_owned());
    let status = match q.status.as_deref().unwrap_or("active") {
        "active" => Some("active".to_owned()),
        "archived" => Some("archived".to_owned()),
        "all" => None,
        _ => return Err(bad("status must be active, archived or all")),
    };
    let uuid_param = |v: Option<String>, name: &str| -> Result<Option<String>, ApiError> {
        v.map(|v| {
            uuid::Uuid::parse_str(&v)
                .map(|u| u.to_string())
                .map_err(|_| bad(&format!("{name} must be a UUID")))
        })
        .transpose()
    };
    let text = crate::validate::query_text("q", q.q)?
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(bad("q must be at most 100 characters"));
    }
    let phone_blind_index = text
        .as_deref()
        .and_then(|t| Phone::parse(t).ok())
        .map(|p| pii.blind_index(p.as_str()));
    let mut filter = CustomerFilter {
        owner_id: uuid_param(q.owner_id, "owner_id")?,
        store_id: uuid_param(q.store_id, "store_id")?,
        marketing_consent: None,
        status,
        text,
        phone_blind_index,
        created_from: q.created_from.map(|t| t.naive_utc()),
        created_to: q.created_to.map(|t| t.naive_utc()),
        sort,
        after,
        limit: limit + 1,
    };
    let visible = scope::restrict(principal, &mut filter);
    Ok(ListRequest {
        filter,
        sort_name,
        limit,
        visible,
    })
}

pub fn list(conn: &mut DbConn, org_id: &str, req: &ListRequest) -> Result<Vec<Customer>, ApiError> {
    if !req.visible {
        return Ok(Vec::new());
    }
    Customer::list(conn, org_id, &req.filter)?.ok_or_else(|| {
        ApiError::bad_request("invalid_cursor", "the cursor is not one this list issued")
    })
}
