//! Customer use cases. Each runs in the caller's unit of work and records its change (audit
//! line and outbox event) through the context.

use autocrm_domain::access::{CustomerScope, Permission, Role};
use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{CustomerKind, CustomerStatus, SourceChannel};
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    Customer, CustomerFilter, CustomerSort, KeysetAfter, Store, TenantRecord, User,
};
use chrono::NaiveDateTime;

use crate::app::{Actor, Change, Ctx, Invalid, ServiceError, ServiceResult, records};
use crate::events::catalogue as events;
use crate::pii::PiiCipher;

/// A new customer, as its request's rules accepted it.
pub struct NewCustomer {
    pub kind: CustomerKind,
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub city: Option<String>,
    pub source_channel: Option<SourceChannel>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub notes: Option<String>,
    pub marketing_consent: bool,
}

/// A merge patch: `None` leaves a field, `Some(None)` clears it.
#[derive(Default)]
pub struct CustomerChanges {
    pub kind: Option<CustomerKind>,
    pub name: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub email: Option<Option<Email>>,
    pub city: Option<Option<String>>,
    pub source_channel: Option<Option<SourceChannel>>,
    pub owner_id: Option<Option<String>>,
    pub store_id: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub marketing_consent: Option<bool>,
}

/// A page request of the customer list, in the caller's scope.
pub struct CustomerQuery {
    /// Name or email contains it; a phone number in it matches exactly.
    pub text: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    /// `None`: every status.
    pub status: Option<CustomerStatus>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub marketing_consent: Option<bool>,
    /// A tag name, manual or dynamic.
    pub tag: Option<String>,
    pub sort: CustomerSort,
    pub after: Option<KeysetAfter>,
    /// Rows to read: the page size and one more, to learn whether another page follows.
    pub limit: i64,
}

/// Stores a phone the only way it may be: encrypted, with its keyed blind index (for exact
/// lookups and duplicate checks) and its masked form.
pub fn store_phone(
    pii: &PiiCipher,
    customer: &mut Customer,
    phone: Option<&Phone>,
) -> ServiceResult<()> {
    customer.phone_ciphertext = phone.map(|p| pii.encrypt(p.as_str())).transpose()?;
    customer.phone_blind_index = phone.map(|p| pii.blind_index(p.as_str()));
    customer.phone_masked = phone.map(Phone::masked);
    Ok(())
}

fn duplicate(existing_id: Option<String>) -> ServiceError {
    ServiceError::duplicate(
        "a customer with this phone number already exists",
        existing_id,
    )
}

/// The phone must not be another customer's.
fn check_phone_is_free(ctx: &mut Ctx, phone: &Phone, own_id: &str) -> ServiceResult<()> {
    let indexes = ctx.pii().blind_indexes(phone.as_str());
    match Customer::find_by_phone(ctx.conn, ctx.org_id(), &indexes)? {
        Some(existing) if existing.id != own_id => Err(duplicate(Some(existing.id))),
        _ => Ok(()),
    }
}

/// The owner and store must be live records of the caller's organisation.
fn check_assignment(
    ctx: &mut Ctx,
    owner_id: Option<&str>,
    store_id: Option<&str>,
) -> ServiceResult<()> {
    let mut invalid = Invalid::new();
    if let Some(owner) = owner_id
        && !User::find(ctx.conn, ctx.org_id(), owner)?.is_some_and(|u| u.active)
    {
        invalid.add("owner_id", "not_found", "no such active user");
    }
    if let Some(store) = store_id
        && !Store::find(ctx.conn, ctx.org_id(), store)?.is_some_and(|s| s.active)
    {
        invalid.add("store_id", "not_found", "no such active store");
    }
    invalid.finish()
}

/// Store staff create within their own store; consultants for themselves.
fn placement(
    ctx: &Ctx,
    mut owner_id: Option<String>,
    mut store_id: Option<String>,
) -> ServiceResult<(Option<String>, Option<String>)> {
    let Actor::Principal(principal) = ctx.actor() else {
        return Ok((owner_id, store_id));
    };
    let pin_to_own_store = |asked: Option<String>| match (&principal.store_id, asked) {
        (Some(own), Some(asked)) if *own != asked => Err(ServiceError::Forbidden),
        (own, _) => Ok(own.clone()),
    };
    match principal.role {
        Role::SalesConsultant => {
            if owner_id.as_ref().is_some_and(|o| *o != principal.id) {
                return Err(ServiceError::Forbidden);
            }
            owner_id = Some(principal.id.clone());
            store_id = pin_to_own_store(store_id)?;
        }
        Role::SalesManager => store_id = pin_to_own_store(store_id)?,
        _ => {}
    }
    Ok((owner_id, store_id))
}

/// What integrators receive: no personal data beyond the masked phone.
/// The payload of a `customer.created` event: ids, names, the masked phone only.
fn created_event(c: &Customer) -> events::CustomerCreated {
    events::CustomerCreated {
        customer_id: c.id.clone(),
        kind: c.kind.clone(),
        name: c.name.clone(),
        phone_masked: c.phone_masked.clone(),
        owner_id: c.owner_id.clone(),
        store_id: c.store_id.clone(),
        source_channel: c.source_channel.clone(),
        status: c.status.clone(),
        version: c.version,
    }
}

fn updated_event(c: &Customer, changed_fields: Vec<String>) -> events::CustomerUpdated {
    let e = created_event(c);
    events::CustomerUpdated {
        customer_id: e.customer_id,
        kind: e.kind,
        name: e.name,
        phone_masked: e.phone_masked,
        owner_id: e.owner_id,
        store_id: e.store_id,
        source_channel: e.source_channel,
        status: e.status,
        version: e.version,
        changed_fields,
    }
}

fn archived_event(c: &Customer) -> events::CustomerArchived {
    let e = created_event(c);
    events::CustomerArchived {
        customer_id: e.customer_id,
        kind: e.kind,
        name: e.name,
        phone_masked: e.phone_masked,
        owner_id: e.owner_id,
        store_id: e.store_id,
        source_channel: e.source_channel,
        status: e.status,
        version: e.version,
    }
}

impl CustomerChanges {
    /// The names of the fields this patch sets.
    fn field_names(&self) -> Vec<String> {
        [
            ("kind", self.kind.is_some()),
            ("name", self.name.is_some()),
            ("phone", self.phone.is_some()),
            ("email", self.email.is_some()),
            ("city", self.city.is_some()),
            ("source_channel", self.source_channel.is_some()),
            ("owner_id", self.owner_id.is_some()),
            ("store_id", self.store_id.is_some()),
            ("notes", self.notes.is_some()),
            ("marketing_consent", self.marketing_consent.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name.to_owned())
        .collect()
    }
}

/// The caller's customer scope; the system itself (jobs, importers) sees every customer.
fn scope(ctx: &Ctx) -> ServiceResult<CustomerScope> {
    Ok(match ctx.actor() {
        Actor::Principal(p) => CustomerScope::of(p),
        Actor::System { .. } => CustomerScope::All,
        Actor::Anonymous => CustomerScope::Nothing,
    })
}

pub fn create(ctx: &mut Ctx, new: NewCustomer) -> ServiceResult<Customer> {
    let (owner_id, store_id) = placement(ctx, new.owner_id, new.store_id)?;
    check_assignment(ctx, owner_id.as_deref(), store_id.as_deref())?;
    if let Some(p) = &new.phone {
        check_phone_is_free(ctx, p, "")?;
    }
    let at = ctx.now();
    let mut customer = Customer {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        owner_id,
        kind: new.kind.as_str().to_owned(),
        name: new.name,
        phone_ciphertext: None,
        phone_blind_index: None,
        phone_masked: None,
        email: new.email.map(|e| e.as_str().to_owned()),
        city: new.city,
        source_channel: new.source_channel.map(|s| s.as_str().to_owned()),
        notes: new.notes,
        marketing_consent: new.marketing_consent,
        status: CustomerStatus::Active.as_str().to_owned(),
        version: 1,
        created_at: at,
        updated_at: at,
        archived_at: None,
        needs: None,
    };
    store_phone(ctx.pii(), &mut customer, new.phone.as_ref())?;
    customer.insert(ctx.conn).map_err(|e| {
        // A concurrent create with the same phone won the race.
        if is_unique_violation(&e) {
            duplicate(None)
        } else {
            e.into()
        }
    })?;
    ctx.record(
        Change::new("customer.created", "customer", &customer.id).event(created_event(&customer)),
    )?;
    if customer.marketing_consent {
        crate::consents::service::record_marketing_flag(ctx, &customer.id, true)?;
    }
    Ok(customer)
}

/// One customer in the caller's scope; `NotFound` for anything else.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<Customer> {
    let scope = scope(ctx)?;
    records::find_checked(ctx, id, |c: &Customer| scope.admits(&c.facts()))
}

pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: CustomerChanges,
) -> ServiceResult<Customer> {
    let scope = scope(ctx)?;
    let principal = ctx.principal()?;
    let changed_fields = changes.field_names();
    let marketing_flag = changes.marketing_consent;
    let customer = records::update(
        ctx,
        id,
        expected,
        |c: &Customer| scope.admits(&c.facts()),
        |ctx, customer| {
            let reassigning = changes.owner_id.is_some() || changes.store_id.is_some();
            if reassigning && !Permission::CustomersReassign.allows(principal) {
                return Err(ServiceError::Forbidden);
            }
            if let Some(kind) = changes.kind {
                customer.kind = kind.as_str().to_owned();
            }
            if let Some(name) = changes.name {
                customer.name = name;
            }
            if let Some(email) = changes.email {
                customer.email = email.map(|e| e.as_str().to_owned());
            }
            if let Some(city) = changes.city {
                customer.city = city;
            }
            if let Some(source) = changes.source_channel {
                customer.source_channel = source.map(|s| s.as_str().to_owned());
            }
            if let Some(notes) = changes.notes {
                customer.notes = notes;
            }
            if let Some(consent) = changes.marketing_consent {
                customer.marketing_consent = consent;
            }
            if let Some(owner) = changes.owner_id {
                customer.owner_id = owner;
            }
            if let Some(store) = changes.store_id {
                if principal.role == Role::SalesManager && store != principal.store_id {
                    return Err(ServiceError::Forbidden);
                }
                customer.store_id = store;
            }
            check_assignment(
                ctx,
                customer.owner_id.as_deref(),
                customer.store_id.as_deref(),
            )?;
            if let Some(phone) = &changes.phone {
                if let Some(p) = phone {
                    check_phone_is_free(ctx, p, &customer.id)?;
                }
                store_phone(ctx.pii(), customer, phone.as_ref())?;
            }
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("customer.updated", "customer", &customer.id)
            .event(updated_event(&customer, changed_fields)),
    )?;
    if let Some(granted) = marketing_flag {
        crate::consents::service::record_marketing_flag(ctx, &customer.id, granted)?;
    }
    Ok(customer)
}

/// Takes a customer out of daily lists; archiving twice changes nothing.
pub fn archive(ctx: &mut Ctx, id: &str) -> ServiceResult<Customer> {
    let scope = scope(ctx)?;
    let archived = CustomerStatus::Archived.as_str();
    lock_row(ctx.conn, Customer::TABLE, id)?;
    let current = find_visible(ctx, id)?;
    if current.status == archived {
        return Ok(current);
    }
    let customer = records::update(
        ctx,
        id,
        None,
        |c: &Customer| scope.admits(&c.facts()),
        |ctx, customer| {
            customer.status = archived.to_owned();
            customer.archived_at = Some(ctx.now());
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("customer.archived", "customer", &customer.id).event(archived_event(&customer)),
    )?;
    Ok(customer)
}

/// Decrypts the phone for a caller allowed to see it, and writes that to the audit log.
pub fn reveal(ctx: &mut Ctx, id: &str) -> ServiceResult<(String, Option<String>)> {
    let customer = find_visible(ctx, id)?;
    let phone = customer
        .phone_ciphertext
        .as_deref()
        .map(|c| ctx.pii().decrypt(c))
        .transpose()?;
    ctx.record(
        Change::new("customer.pii_revealed", "customer", &customer.id)
            .detail(serde_json::json!({"fields": ["phone"]})),
    )?;
    Ok((customer.id, phone))
}

/// A page of customers in the caller's scope (and one more row, if there is one).
/// `None` when the cursor's key does not fit the sort (a forged cursor).
pub fn list(ctx: &mut Ctx, query: CustomerQuery) -> ServiceResult<Option<Vec<Customer>>> {
    let phone_blind_indexes = query
        .text
        .as_deref()
        .and_then(|t| Phone::parse(t).ok())
        .map(|p| ctx.pii().blind_indexes(p.as_str()))
        .unwrap_or_default();
    let filter = CustomerFilter {
        scope: scope(ctx)?,
        owner_id: query.owner_id,
        store_id: query.store_id,
        status: query.status.map(|s| s.as_str().to_owned()),
        text: query.text,
        phone_blind_indexes,
        created_from: query.created_from,
        created_to: query.created_to,
        marketing_consent: query.marketing_consent,
        tag: query.tag,
        sort: query.sort,
        after: query.after,
        limit: query.limit,
    };
    Ok(Customer::list(ctx.conn, ctx.org_id(), &filter)?)
}
