//! Customer use cases. Each runs in the caller's unit of work and records its change (audit
//! line and outbox event) through the context.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_domain::access::{CustomerScope, Permission, Role};
use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{
    CustomerKind, CustomerStatus, Gender, IdDocumentType, LifecycleStage, MatchFacts, Needs,
    OtherIdDocument, RankedDuplicate, ResidentIdNumber, SourceChannel, UnifiedSocialCreditCode,
    rank_duplicates,
};
use autocrm_domain::vehicle::{Plate, Vin};
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id};
use autocrm_persistence::models::{
    Customer, CustomerContact, CustomerFilter, CustomerLookup, CustomerMerge, CustomerNeedIndex,
    CustomerSort, KeysetAfter, LifecycleChangeRow, LookupKind, Store, TenantRecord, User,
    reveals_since,
};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::dto::BusinessDto;
use super::personal::{self, Document, LabelledPhone, PersonalData};
use crate::app::{Actor, Change, Ctx, Invalid, Limit, ServiceError, ServiceResult, records};
use crate::events::catalogue as events;
use crate::pii::PiiCipher;

/// The audit action of a reveal; the daily cap counts them.
pub const REVEAL_ACTION: &str = "customer.pii_revealed";

/// A phone and what it is, as a request's rules accepted it.
#[derive(Debug, Clone)]
pub struct PhoneEntry {
    pub phone: Phone,
    pub label: Option<String>,
}

/// An identity document as sent (its number is checked by the service).
#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub document_type: IdDocumentType,
    pub number: String,
}

/// A business customer's registration and pricing.
#[derive(Debug, Clone)]
pub struct BusinessInput {
    pub registered_name: Option<String>,
    pub credit_code: Option<UnifiedSocialCreditCode>,
    pub trade_buyer: bool,
}

/// A contact person of a business customer.
#[derive(Debug, Clone)]
pub struct ContactInput {
    pub name: String,
    pub role: Option<String>,
    pub phones: Vec<PhoneEntry>,
}

/// The profile beyond the first fields: `None` leaves a field, `Some(None)` (or an empty
/// list) clears it. On creation, `None` is simply absent.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    pub gender: Option<Option<Gender>>,
    pub birthday: Option<Option<NaiveDate>>,
    pub phones: Option<Vec<PhoneEntry>>,
    pub wechat_openid: Option<Option<String>>,
    pub wechat_unionid: Option<Option<String>>,
    /// As typed; checked (GB 11643) against the organisation's date by the service.
    pub id_card_number: Option<Option<String>>,
    pub other_id_documents: Option<Vec<DocumentInput>>,
    pub address: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub source_detail: Option<Option<String>>,
    pub referrer_id: Option<Option<String>>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub custom_attributes: Option<Option<serde_json::Map<String, serde_json::Value>>>,
    pub needs: Option<Option<Needs>>,
    pub business: Option<Option<BusinessInput>>,
    pub contacts: Option<Vec<ContactInput>>,
}

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
    pub profile: ProfileChanges,
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
    pub profile: ProfileChanges,
}

/// One customer with what its single-record answers show beside the row.
pub struct CustomerView {
    pub customer: Customer,
    pub contacts: Vec<CustomerContact>,
    pub lifecycle: Vec<LifecycleChangeRow>,
}

/// A page request of the customer list, in the caller's scope.
#[derive(Debug, Clone)]
pub struct CustomerQuery {
    /// A full phone, four digits (last four of a phone), or a name / email text.
    pub text: Option<String>,
    pub kind: Option<CustomerKind>,
    pub stage: Option<LifecycleStage>,
    pub source_channel: Option<SourceChannel>,
    pub city: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    /// `None`: every status.
    pub status: Option<CustomerStatus>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub last_activity_from: Option<NaiveDateTime>,
    pub last_activity_to: Option<NaiveDateTime>,
    pub marketing_consent: Option<bool>,
    /// A tag name, manual or dynamic.
    pub tag: Option<String>,
    pub sort: CustomerSort,
    pub after: Option<KeysetAfter>,
    /// Rows to read: the page size and one more, to learn whether another page follows.
    pub limit: i64,
}

/// What a reveal asks for: which values (all when `None`), and why.
#[derive(Debug, Clone, Default)]
pub struct RevealCommand {
    pub fields: Option<BTreeSet<String>>,
    pub reason: Option<String>,
    /// The caller's daily cap (`AUTOCRM_REVEAL_DAILY_LIMIT`).
    pub daily_limit: u32,
}

/// Clear values of one customer, as a reveal answers them (`None`: not asked for).
#[derive(Debug, Default)]
pub struct Revealed {
    pub customer_id: String,
    pub phone: Option<String>,
    pub phones: Option<Vec<LabelledPhone>>,
    pub wechat_openid: Option<String>,
    pub wechat_unionid: Option<String>,
    pub id_card_number: Option<String>,
    pub other_id_documents: Option<Vec<Document>>,
    pub address: Option<String>,
    /// (contact id, name, phones).
    pub contacts: Option<Vec<(String, String, Vec<LabelledPhone>)>>,
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

/// Rewrites a customer's lookup rows from its stored values (current key): after a change,
/// after key rotation, and for rows written before the lookups existed.
pub fn reindex(
    pii: &PiiCipher,
    conn: &mut autocrm_persistence::DbConn,
    customer: &Customer,
) -> ServiceResult<()> {
    let data = PersonalData::read(pii, customer)?;
    let primary = customer
        .phone_ciphertext
        .as_deref()
        .map(|c| pii.decrypt(c))
        .transpose()?;
    let rows = personal::lookups(pii, customer, &data, primary.as_deref());
    CustomerLookup::replace_for(conn, &customer.id, &rows)?;
    Ok(())
}

fn duplicate(what: &str, existing_id: Option<String>) -> ServiceError {
    ServiceError::duplicate(
        format!("a customer with this {what} already exists"),
        existing_id,
    )
}

/// None of these values may be another customer's (phones, identity documents, WeChat ids);
/// the last four digits of a phone are only for search.
fn check_values_are_free(
    ctx: &mut Ctx,
    values: &[(LookupKind, String)],
    own_id: &str,
) -> ServiceResult<()> {
    for (kind, value) in values {
        let what = match kind {
            LookupKind::PhoneLast4 => continue,
            LookupKind::Phone => "phone number",
            LookupKind::IdNumber => "identity document number",
            LookupKind::Wechat => "WeChat id",
        };
        let indexes = personal::indexes_of(ctx.pii(), *kind, value);
        if *kind == LookupKind::Phone
            && let Some(existing) = Customer::find_by_phone(ctx.conn, ctx.org_id(), &indexes)?
            && existing.id != own_id
        {
            return Err(duplicate(what, Some(existing.id)));
        }
        if let Some(existing) =
            CustomerLookup::matching(ctx.conn, ctx.org_id(), *kind, &indexes, own_id, 1)?
                .into_iter()
                .next()
        {
            return Err(duplicate(what, Some(existing.customer_id)));
        }
    }
    Ok(())
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

fn business_of(c: &Customer) -> Option<BusinessDto> {
    c.business
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

/// What integrators receive: ids, names and non-personal fields; the masked phone only.
fn created_event(c: &Customer) -> events::CustomerCreated {
    let business = business_of(c);
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
        lifecycle_stage: c.lifecycle_stage.clone(),
        source_detail: c.source_detail.clone(),
        referrer_id: c.referrer_id.clone(),
        registered_name: business.as_ref().and_then(|b| b.registered_name.clone()),
        trade_buyer: business.is_some_and(|b| b.trade_buyer),
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
        lifecycle_stage: e.lifecycle_stage,
        source_detail: e.source_detail,
        referrer_id: e.referrer_id,
        registered_name: e.registered_name,
        trade_buyer: e.trade_buyer,
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
        lifecycle_stage: e.lifecycle_stage,
        source_detail: e.source_detail,
        referrer_id: e.referrer_id,
        registered_name: e.registered_name,
        trade_buyer: e.trade_buyer,
    }
}

impl ProfileChanges {
    fn field_names(&self) -> Vec<(&'static str, bool)> {
        vec![
            ("gender", self.gender.is_some()),
            ("birthday", self.birthday.is_some()),
            ("phones", self.phones.is_some()),
            ("wechat_openid", self.wechat_openid.is_some()),
            ("wechat_unionid", self.wechat_unionid.is_some()),
            ("id_card_number", self.id_card_number.is_some()),
            ("other_id_documents", self.other_id_documents.is_some()),
            ("address", self.address.is_some()),
            ("region", self.region.is_some()),
            ("source_detail", self.source_detail.is_some()),
            ("referrer_id", self.referrer_id.is_some()),
            ("lifecycle_stage", self.lifecycle_stage.is_some()),
            ("custom_attributes", self.custom_attributes.is_some()),
            ("needs", self.needs.is_some()),
            ("business", self.business.is_some()),
            ("contacts", self.contacts.is_some()),
        ]
    }

    fn touches_personal(&self) -> bool {
        self.phones.is_some()
            || self.wechat_openid.is_some()
            || self.wechat_unionid.is_some()
            || self.id_card_number.is_some()
            || self.other_id_documents.is_some()
            || self.address.is_some()
    }
}

impl CustomerChanges {
    /// The names of the fields this patch sets.
    fn field_names(&self) -> Vec<String> {
        let mut fields = vec![
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
        ];
        fields.extend(self.profile.field_names());
        fields
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name.to_owned())
            .collect()
    }
}

/// The caller's customer scope; the system itself (jobs, importers) sees every customer.
pub fn scope(ctx: &Ctx) -> ServiceResult<CustomerScope> {
    Ok(match ctx.actor() {
        Actor::Principal(p) => CustomerScope::of(p),
        Actor::System { .. } => CustomerScope::All,
        Actor::Anonymous => CustomerScope::Nothing,
    })
}

/// What applying a profile change leaves to do once the row is written.
struct Applied {
    /// The lookup values, when any of them changed (to check, then to index).
    lookups: Option<Vec<(LookupKind, String)>>,
    /// The stage move, if any: (from, to, change name).
    stage_move: Option<(Option<LifecycleStage>, LifecycleStage, Option<&'static str>)>,
}

fn to_json<T: serde::Serialize>(value: &T) -> ServiceResult<String> {
    serde_json::to_string(value).map_err(ServiceError::internal)
}

/// Applies the profile fields to a row (the primary phone and the first fields are set by
/// the caller), checking what needs the organisation's date or other rows: the ID number
/// and its agreement with birthday and gender, other documents, the referrer, B2B fields.
fn apply_profile(
    ctx: &mut Ctx,
    customer: &mut Customer,
    p: &ProfileChanges,
    creating: bool,
    primary_phone_changed: bool,
) -> ServiceResult<Applied> {
    let today = ctx.today()?;
    let mut invalid = Invalid::new();
    if let Some(gender) = p.gender {
        customer.gender = gender.map(|g| g.as_str().to_owned());
    }
    if let Some(birthday) = p.birthday {
        if birthday.is_some_and(|b| b > today) {
            invalid.add("birthday", "in_future", "the birthday is in the future");
        }
        customer.birthday = birthday.map(|b| b.format("%Y-%m-%d").to_string());
    }
    if let Some(region) = &p.region {
        customer.region = region.clone();
    }
    if let Some(detail) = &p.source_detail {
        customer.source_detail = detail.clone();
    }
    if let Some(referrer) = &p.referrer_id {
        if let Some(id) = referrer {
            if *id == customer.id {
                invalid.add(
                    "referrer_id",
                    "invalid",
                    "a customer cannot refer themselves",
                );
            } else if Customer::find(ctx.conn, ctx.org_id(), id)?.is_none() {
                invalid.add("referrer_id", "not_found", "no such customer");
            }
        }
        customer.referrer_id = referrer.clone();
    }
    if let Some(attributes) = &p.custom_attributes {
        customer.custom_attributes = attributes.as_ref().map(to_json).transpose()?;
    }
    if let Some(needs) = &p.needs {
        customer.needs = needs.as_ref().map(to_json).transpose()?;
    }
    let is_business = customer.kind == CustomerKind::Business.as_str();
    match &p.business {
        Some(Some(b)) => {
            if !is_business {
                invalid.add(
                    "business",
                    "not_business",
                    "only business customers have registration details",
                );
            }
            customer.business = Some(to_json(&BusinessDto {
                registered_name: b.registered_name.clone(),
                credit_code: b.credit_code.as_ref().map(|c| c.as_str().to_owned()),
                trade_buyer: b.trade_buyer,
            })?);
        }
        Some(None) => customer.business = None,
        // A customer that is no longer a business keeps no registration.
        None if !is_business => customer.business = None,
        None => {}
    }
    if p.contacts.as_ref().is_some_and(|c| !c.is_empty()) && !is_business {
        invalid.add(
            "contacts",
            "not_business",
            "only business customers have contact persons",
        );
    }

    // Personal values: decrypted only when something about them changes.
    let identity_facts_changed = p.gender.is_some() || p.birthday.is_some();
    let mut personal = None;
    if p.touches_personal() || (identity_facts_changed && customer.personal_ciphertext.is_some()) {
        let mut data = PersonalData::read(ctx.pii(), customer)?;
        if let Some(phones) = &p.phones {
            data.phones = phones
                .iter()
                .map(|e| LabelledPhone {
                    number: e.phone.as_str().to_owned(),
                    label: e.label.clone(),
                })
                .collect();
        }
        if let Some(openid) = &p.wechat_openid {
            data.wechat_openid = openid.clone();
        }
        if let Some(unionid) = &p.wechat_unionid {
            data.wechat_unionid = unionid.clone();
        }
        if let Some(address) = &p.address {
            data.address = address.clone();
        }
        if let Some(number) = &p.id_card_number {
            data.id_card_number = match number {
                None => None,
                Some(raw) => match ResidentIdNumber::parse(raw, today) {
                    Ok(id) => Some(id.as_str().to_owned()),
                    Err(e) => {
                        invalid.add("id_card_number", e.code(), e.to_string());
                        None
                    }
                },
            };
        }
        if let Some(documents) = &p.other_id_documents {
            let mut parsed = Vec::new();
            for (i, d) in documents.iter().enumerate() {
                match OtherIdDocument::parse(d.document_type, &d.number) {
                    Ok(doc) => parsed.push(Document {
                        document_type: doc.document_type().as_str().to_owned(),
                        number: doc.number().to_owned(),
                    }),
                    Err(e) => invalid.add(
                        &format!("other_id_documents[{i}].number"),
                        e.code(),
                        e.to_string(),
                    ),
                }
            }
            data.other_id_documents = parsed;
        }
        if let Some(id) = data
            .id_card_number
            .as_deref()
            .and_then(|n| ResidentIdNumber::parse(n, today).ok())
        {
            let birthday = customer.birthday.as_deref().and_then(|b| b.parse().ok());
            let gender = customer.gender.as_deref().and_then(|g| g.parse().ok());
            for mismatch in id.cross_check(birthday, gender) {
                invalid.add(mismatch.field(), mismatch.code(), mismatch.to_string());
            }
        }
        if invalid.is_empty() {
            data.store(ctx.pii(), customer, today)?;
        }
        personal = Some(data);
    }
    invalid.finish()?;

    let lookups = if personal.is_some() || primary_phone_changed || creating {
        let data = match &personal {
            Some(d) => d.clone(),
            None => PersonalData::read(ctx.pii(), customer)?,
        };
        let primary = customer
            .phone_ciphertext
            .as_deref()
            .map(|c| ctx.pii().decrypt(c))
            .transpose()?;
        Some(personal::lookup_values(primary.as_deref(), &data))
    } else {
        None
    };

    let stage_move = if creating {
        let stage = p.lifecycle_stage.unwrap_or(LifecycleStage::INITIAL);
        customer.lifecycle_stage = stage.as_str().to_owned();
        Some((None, stage, None))
    } else {
        match p.lifecycle_stage {
            Some(to) => {
                let from: LifecycleStage = customer
                    .lifecycle_stage
                    .parse()
                    .unwrap_or(LifecycleStage::INITIAL);
                if from == to {
                    None
                } else {
                    let step = from
                        .move_to(to)
                        .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
                    customer.lifecycle_stage = to.as_str().to_owned();
                    Some((Some(from), to, Some(step.change.as_str())))
                }
            }
            None => None,
        }
    };
    Ok(Applied {
        lookups,
        stage_move,
    })
}

/// Writes what belongs to the row once it is stored: lookups, contacts, the stage entered.
fn write_related(
    ctx: &mut Ctx,
    customer: &Customer,
    applied: &Applied,
    contacts: Option<&Vec<ContactInput>>,
    fresh: bool,
) -> ServiceResult<()> {
    let mut related = Related::default();
    related.gather(ctx, customer, applied, contacts, fresh)?;
    related.write(ctx)
}

/// The lookups of new customers and the stages entered, gathered from several rows to be
/// written in one statement each.
#[derive(Default)]
struct Related {
    lookups: Vec<CustomerLookup>,
    stages: Vec<LifecycleChangeRow>,
}

impl Related {
    /// Gathers what belongs to one stored row; replaces a known customer's lookups and
    /// writes contacts at once.
    fn gather(
        &mut self,
        ctx: &mut Ctx,
        customer: &Customer,
        applied: &Applied,
        contacts: Option<&Vec<ContactInput>>,
        fresh: bool,
    ) -> ServiceResult<()> {
        if let Some(values) = &applied.lookups {
            let rows: Vec<CustomerLookup> = values
                .iter()
                .map(|(kind, value)| CustomerLookup {
                    org_id: customer.org_id.clone(),
                    kind: kind.as_str().to_owned(),
                    blind_index: personal::index_of(ctx.pii(), *kind, value),
                    customer_id: customer.id.clone(),
                })
                .collect();
            if fresh {
                self.lookups.extend(rows);
            } else {
                CustomerLookup::replace_for(ctx.conn, &customer.id, &rows)?;
            }
        }
        if let Some(contacts) = contacts {
            let mut rows = Vec::with_capacity(contacts.len());
            for (i, c) in contacts.iter().enumerate() {
                let phones: Vec<LabelledPhone> = c
                    .phones
                    .iter()
                    .map(|e| LabelledPhone {
                        number: e.phone.as_str().to_owned(),
                        label: e.label.clone(),
                    })
                    .collect();
                let (phones_ciphertext, phones_masked) =
                    personal::store_phones(ctx.pii(), &phones)?;
                rows.push(CustomerContact {
                    id: new_id(),
                    org_id: customer.org_id.clone(),
                    customer_id: customer.id.clone(),
                    ordinal: i32::try_from(i).unwrap_or(i32::MAX),
                    name: c.name.clone(),
                    role: c.role.clone(),
                    phones_ciphertext,
                    phones_masked,
                    created_at: ctx.now(),
                });
            }
            CustomerContact::replace_for(ctx.conn, &customer.id, &rows)?;
        }
        if let Some((from, to, change)) = applied.stage_move {
            let actor_id = match ctx.actor() {
                Actor::Principal(p) => Some(p.id.clone()),
                _ => None,
            };
            self.stages.push(LifecycleChangeRow {
                id: new_id(),
                org_id: customer.org_id.clone(),
                customer_id: customer.id.clone(),
                from_stage: from.map(|s| s.as_str().to_owned()),
                to_stage: to.as_str().to_owned(),
                change_reason: change.map(str::to_owned),
                actor_id,
                changed_at: ctx.now(),
            });
        }
        Ok(())
    }

    fn write(self, ctx: &mut Ctx) -> ServiceResult<()> {
        if !self.lookups.is_empty() {
            CustomerLookup::insert_many(ctx.conn, &self.lookups)?;
        }
        if !self.stages.is_empty() {
            LifecycleChangeRow::insert_many(ctx.conn, &self.stages)?;
        }
        Ok(())
    }
}

/// A new customer's row, checked as `create` checks it (placement, assignment, profile
/// rules, values already on file), with what is left to write once it is inserted.
struct Prepared {
    customer: Customer,
    applied: Applied,
    contacts: Option<Vec<ContactInput>>,
}

/// How much of a new customer [`prepare`] checks against the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    All,
    /// The caller chose the owner and store among active ones and found no customer with
    /// these contact values in this unit of work (intake).
    Vetted,
}

fn prepare(ctx: &mut Ctx, new: NewCustomer, checks: Checks) -> ServiceResult<Prepared> {
    let (owner_id, store_id) = placement(ctx, new.owner_id, new.store_id)?;
    if checks == Checks::All {
        check_assignment(ctx, owner_id.as_deref(), store_id.as_deref())?;
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
        gender: None,
        birthday: None,
        personal_ciphertext: None,
        personal_masked: None,
        region: None,
        source_detail: None,
        referrer_id: None,
        lifecycle_stage: LifecycleStage::INITIAL.as_str().to_owned(),
        custom_attributes: None,
        business: None,
    };
    store_phone(ctx.pii(), &mut customer, new.phone.as_ref())?;
    let applied = apply_profile(ctx, &mut customer, &new.profile, true, true)?;
    if let Some(values) = &applied.lookups
        && checks == Checks::All
    {
        check_values_are_free(ctx, values, &customer.id)?;
    }
    Ok(Prepared {
        customer,
        applied,
        contacts: new.profile.contacts,
    })
}

/// Checks a new customer exactly as [`create`] would, and writes nothing: an import's
/// validation (and its dry run) runs this on every row.
pub fn check_new(ctx: &mut Ctx, new: NewCustomer) -> ServiceResult<()> {
    prepare(ctx, new, Checks::All).map(drop)
}

pub fn create(ctx: &mut Ctx, new: NewCustomer) -> ServiceResult<Customer> {
    insert_new(ctx, new, Checks::All)
}

/// [`create`] for lead intake, which routed the owner among active consultants of an active
/// store and found no customer by the lead's phone, WeChat id or email: neither is read
/// again. A concurrent create of the same phone still fails on the unique index.
pub fn create_vetted(ctx: &mut Ctx, new: NewCustomer) -> ServiceResult<Customer> {
    insert_new(ctx, new, Checks::Vetted)
}

/// [`create_vetted`] for many customers (batch intake), in one statement per table. One
/// customer refused fails them all (the caller knows them all to be new and free).
pub fn create_many_vetted(ctx: &mut Ctx, new: Vec<NewCustomer>) -> ServiceResult<Vec<Customer>> {
    let prepared = new
        .into_iter()
        .map(|n| prepare(ctx, n, Checks::Vetted))
        .collect::<ServiceResult<Vec<_>>>()?;
    insert_prepared(ctx, prepared)
}

fn insert_new(ctx: &mut Ctx, new: NewCustomer, checks: Checks) -> ServiceResult<Customer> {
    let prepared = prepare(ctx, new, checks)?;
    let mut inserted = insert_prepared(ctx, vec![prepared])?;
    inserted.pop().ok_or(ServiceError::Internal)
}

fn insert_prepared(ctx: &mut Ctx, prepared: Vec<Prepared>) -> ServiceResult<Vec<Customer>> {
    let customers: Vec<Customer> = prepared.iter().map(|p| p.customer.clone()).collect();
    Customer::insert_many(ctx.conn, &customers).map_err(|e| {
        // A concurrent create with the same phone won the race.
        if is_unique_violation(&e) {
            duplicate("phone number", None)
        } else {
            e.into()
        }
    })?;
    let mut related = Related::default();
    let mut needs = Vec::new();
    for p in &prepared {
        related.gather(ctx, &p.customer, &p.applied, p.contacts.as_ref(), true)?;
        if let Some(stated) = p.customer.stated_needs() {
            needs.push(CustomerNeedIndex::of(
                &p.customer.org_id,
                &p.customer.id,
                &stated,
            ));
        }
    }
    related.write(ctx)?;
    if !needs.is_empty() {
        CustomerNeedIndex::insert_many(ctx.conn, &needs)?;
    }
    for customer in &customers {
        ctx.record(
            Change::new("customer.created", "customer", &customer.id)
                .event(created_event(customer)),
        )?;
        if customer.marketing_consent {
            crate::consents::service::record_marketing_flag(ctx, &customer.id, true)?;
        }
    }
    Ok(customers)
}

/// One customer in the caller's scope; `NotFound` for anything else, `Merged` (410, with
/// the survivor) for a customer merged into another.
pub fn find_visible(ctx: &mut Ctx, id: &str) -> ServiceResult<Customer> {
    let scope = scope(ctx)?;
    let customer = records::find_checked(ctx, id, |c: &Customer| scope.admits(&c.facts()))?;
    refuse_merged(ctx, &customer)?;
    Ok(customer)
}

/// A merged customer answers `Merged` with the customer it went into.
pub fn refuse_merged(ctx: &mut Ctx, customer: &Customer) -> ServiceResult<()> {
    if customer.status != CustomerStatus::Merged.as_str() {
        return Ok(());
    }
    match CustomerMerge::survivor_of(ctx.conn, ctx.org_id(), &customer.id)? {
        Some(survivor_id) => Err(ServiceError::Merged { survivor_id }),
        None => Err(ServiceError::internal(
            "a merged customer without its merge record",
        )),
    }
}

/// An erased customer's record changes no more.
fn refuse_erased(customer: &Customer) -> ServiceResult<()> {
    if customer.status == CustomerStatus::Erased.as_str() {
        return Err(ServiceError::Conflict(
            "the customer's personal data was erased; the record changes no more".into(),
        ));
    }
    Ok(())
}

/// A customer with its contacts and lifecycle, as single-record answers show it.
pub fn view(ctx: &mut Ctx, customer: Customer) -> ServiceResult<CustomerView> {
    let contacts = CustomerContact::of_customer(ctx.conn, &customer.id)?;
    let lifecycle = LifecycleChangeRow::of_customer(ctx.conn, &customer.id)?;
    Ok(CustomerView {
        customer,
        contacts,
        lifecycle,
    })
}

/// [`find_visible`] with what single-record answers show.
pub fn find_view(ctx: &mut Ctx, id: &str) -> ServiceResult<CustomerView> {
    let customer = find_visible(ctx, id)?;
    view(ctx, customer)
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
    let needs_changed = changes.profile.needs.is_some();
    let customer = records::update(
        ctx,
        id,
        expected,
        |c: &Customer| scope.admits(&c.facts()),
        |ctx, customer| {
            refuse_merged(ctx, customer)?;
            refuse_erased(customer)?;
            let reassigning = changes.owner_id.is_some() || changes.store_id.is_some();
            if reassigning && !Permission::CustomersReassign.allows(principal) {
                return Err(ServiceError::Forbidden);
            }
            if let Some(kind) = changes.kind {
                customer.kind = kind.as_str().to_owned();
            }
            if let Some(name) = &changes.name {
                customer.name = name.clone();
            }
            if let Some(email) = &changes.email {
                customer.email = email.as_ref().map(|e| e.as_str().to_owned());
            }
            if let Some(city) = &changes.city {
                customer.city = city.clone();
            }
            if let Some(source) = changes.source_channel {
                customer.source_channel = source.map(|s| s.as_str().to_owned());
            }
            if let Some(notes) = &changes.notes {
                customer.notes = notes.clone();
            }
            if let Some(consent) = changes.marketing_consent {
                customer.marketing_consent = consent;
            }
            if let Some(owner) = &changes.owner_id {
                customer.owner_id = owner.clone();
            }
            if let Some(store) = &changes.store_id {
                if principal.role == Role::SalesManager && *store != principal.store_id {
                    return Err(ServiceError::Forbidden);
                }
                customer.store_id = store.clone();
            }
            check_assignment(
                ctx,
                customer.owner_id.as_deref(),
                customer.store_id.as_deref(),
            )?;
            if let Some(phone) = &changes.phone {
                store_phone(ctx.pii(), customer, phone.as_ref())?;
            }
            let applied = apply_profile(
                ctx,
                customer,
                &changes.profile,
                false,
                changes.phone.is_some(),
            )?;
            if let Some(values) = &applied.lookups {
                check_values_are_free(ctx, values, &customer.id)?;
            }
            write_related(
                ctx,
                customer,
                &applied,
                changes.profile.contacts.as_ref(),
                false,
            )?;
            Ok(())
        },
    )?;
    if needs_changed {
        index_needs(ctx, &customer)?;
        crate::leads::scoring::service::rescore_customer(ctx, &customer.id)?;
    }
    ctx.record(
        Change::new("customer.updated", "customer", &customer.id)
            .event(updated_event(&customer, changed_fields)),
    )?;
    if let Some(granted) = marketing_flag {
        crate::consents::service::record_marketing_flag(ctx, &customer.id, granted)?;
    }
    Ok(customer)
}

/// Keeps the customer's indexed needs (reverse vehicle matching filters on them) in step with
/// the needs stored on the row. Call it in the same unit of work whenever the needs change.
pub fn index_needs(ctx: &mut Ctx, customer: &Customer) -> ServiceResult<()> {
    CustomerNeedIndex::sync(
        ctx.conn,
        &customer.org_id,
        &customer.id,
        customer.stated_needs().as_ref(),
    )?;
    Ok(())
}

/// Takes what a lead of the customer stated into the customer's needs (`LeadNeeds::merged_into`).
/// Intake works for the whole organisation, so the caller need not see the customer. Re-indexes
/// matching and emits `customer.updated` (`needs`); nothing when the needs do not change.
pub fn absorb_lead_needs(
    ctx: &mut Ctx,
    current: &Customer,
    lead: &autocrm_domain::leads::LeadNeeds,
) -> ServiceResult<Customer> {
    let customer_id = current.id.as_str();
    if lead.merged_into(current.stated_needs().as_ref())
        == current.stated_needs().unwrap_or_default()
        && current.needs.is_some()
    {
        return Ok(current.clone());
    }
    let mut changed = false;
    let customer = records::update(
        ctx,
        customer_id,
        None,
        |_: &Customer| true,
        |_, c| {
            let merged = lead.merged_into(c.stated_needs().as_ref());
            let json = serde_json::to_string(&merged).map_err(ServiceError::internal)?;
            changed = c.needs.as_deref() != Some(json.as_str());
            c.needs = Some(json);
            Ok(())
        },
    )?;
    if changed {
        index_needs(ctx, &customer)?;
        ctx.record(
            Change::new("customer.updated", "customer", &customer.id)
                .event(updated_event(&customer, vec!["needs".to_owned()])),
        )?;
    }
    Ok(customer)
}

/// Replaces what the customer wants (`None` clears it); a customer update.
pub fn set_needs(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    needs: Option<Needs>,
) -> ServiceResult<Customer> {
    let changes = CustomerChanges {
        profile: ProfileChanges {
            needs: Some(needs),
            ..ProfileChanges::default()
        },
        ..CustomerChanges::default()
    };
    update(ctx, id, expected, changes)
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
    refuse_erased(&current)?;
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

/// The start of the caller's day (organisation time zone) in UTC, and the seconds until
/// the next one.
fn day_bounds(ctx: &mut Ctx) -> ServiceResult<(NaiveDateTime, u64)> {
    let zone = ctx.time_zone()?;
    let now = ctx.now_utc();
    let local = zone.local(now);
    let midnight = local.date().and_time(chrono::NaiveTime::MIN);
    let since_midnight = local - midnight;
    let start = now.naive_utc() - since_midnight;
    let left = (TimeDelta::days(1) - since_midnight).num_seconds().max(1);
    Ok((start, u64::try_from(left).unwrap_or(1)))
}

/// Decrypts what a caller allowed to see it asks for, within the daily cap, and writes
/// that (with the reason) to the audit log.
pub fn reveal(ctx: &mut Ctx, id: &str, command: RevealCommand) -> ServiceResult<Revealed> {
    let principal = ctx.principal()?;
    let customer = find_visible(ctx, id)?;
    // One reveal at a time per user, so that the cap holds across nodes.
    lock_row(ctx.conn, User::TABLE, &principal.id)?;
    let (day_start, retry_after_secs) = day_bounds(ctx)?;
    let used = reveals_since(
        ctx.conn,
        ctx.org_id(),
        &principal.id,
        REVEAL_ACTION,
        day_start,
    )?;
    if used >= i64::from(command.daily_limit) {
        return Err(ServiceError::Limited {
            limit: Limit::RevealDailyLimit,
            detail: format!(
                "at most {} reveals of personal data per user and day",
                command.daily_limit
            ),
            retry_after_secs,
        });
    }
    let out = clear_values(ctx, &customer, command.fields.as_ref())?;
    let mut fields = Vec::new();
    // The audit names the values actually shown (those on file among the ones asked for).
    for (field, present) in [
        ("phone", out.phone.is_some()),
        ("phones", out.phones.as_ref().is_some_and(|p| !p.is_empty())),
        ("wechat_openid", out.wechat_openid.is_some()),
        ("wechat_unionid", out.wechat_unionid.is_some()),
        ("id_card_number", out.id_card_number.is_some()),
        (
            "other_id_documents",
            out.other_id_documents
                .as_ref()
                .is_some_and(|d| !d.is_empty()),
        ),
        ("address", out.address.is_some()),
        (
            "contacts",
            out.contacts.as_ref().is_some_and(|c| !c.is_empty()),
        ),
    ] {
        if present {
            fields.push(field);
        }
    }
    let mut detail = serde_json::json!({ "fields": fields });
    if let Some(reason) = command.reason {
        detail["reason"] = serde_json::Value::String(reason);
    }
    ctx.record(Change::new(REVEAL_ACTION, "customer", &customer.id).detail(detail))?;
    Ok(out)
}

/// The clear personal values of a customer (those in `fields`, every one when `None`):
/// what a reveal shows and a personal-data export holds. The caller audits.
pub fn clear_values(
    ctx: &mut Ctx,
    customer: &Customer,
    fields: Option<&BTreeSet<String>>,
) -> ServiceResult<Revealed> {
    let wants = |field: &str| fields.is_none_or(|f| f.contains(field));
    let pii = ctx.pii();
    let data = PersonalData::read(pii, customer)?;
    let mut out = Revealed {
        customer_id: customer.id.clone(),
        ..Revealed::default()
    };
    if wants("phone") {
        out.phone = customer
            .phone_ciphertext
            .as_deref()
            .map(|c| pii.decrypt(c))
            .transpose()?;
    }
    if wants("phones") {
        out.phones = Some(data.phones.clone());
    }
    if wants("wechat_openid") {
        out.wechat_openid = data.wechat_openid.clone();
    }
    if wants("wechat_unionid") {
        out.wechat_unionid = data.wechat_unionid.clone();
    }
    if wants("id_card_number") {
        out.id_card_number = data.id_card_number.clone();
    }
    if wants("other_id_documents") {
        out.other_id_documents = Some(data.other_id_documents.clone());
    }
    if wants("address") {
        out.address = data.address.clone();
    }
    if wants("contacts") {
        let mut contacts = Vec::new();
        for c in CustomerContact::of_customer(ctx.conn, &customer.id)? {
            let phones = personal::read_phones(pii, c.phones_ciphertext.as_deref())?;
            contacts.push((c.id, c.name, phones));
        }
        out.contacts = Some(contacts);
    }
    Ok(out)
}

/// What duplicate detection knows of a customer: its lookup indexes (under every key of the
/// ring for the subject, as stored for the others), email, name and city.
fn facts_of(customer: &Customer, lookups: &[CustomerLookup]) -> MatchFacts {
    let mut facts = MatchFacts {
        email: customer.email.clone(),
        name: Some(customer.name.clone()),
        city: customer.city.clone(),
        ..MatchFacts::default()
    };
    if let Some(index) = &customer.phone_blind_index {
        facts.phone_indexes.insert(index.clone());
    }
    for l in lookups {
        let set = match l.kind.parse() {
            Ok(LookupKind::Phone) => &mut facts.phone_indexes,
            Ok(LookupKind::IdNumber) => &mut facts.id_number_indexes,
            Ok(LookupKind::Wechat) => &mut facts.wechat_indexes,
            _ => continue,
        };
        set.insert(l.blind_index.clone());
    }
    facts
}

/// Customers in the caller's scope that may be the same person, best match first.
pub fn duplicates(
    ctx: &mut Ctx,
    id: &str,
) -> ServiceResult<Vec<(Customer, RankedDuplicate<String>)>> {
    const MAX_CANDIDATES: i64 = 200;
    let scope = scope(ctx)?;
    let customer = find_visible(ctx, id)?;
    let pii = ctx.pii();
    let data = PersonalData::read(pii, &customer)?;
    let primary = customer
        .phone_ciphertext
        .as_deref()
        .map(|c| pii.decrypt(c))
        .transpose()?;
    let mut subject = facts_of(&customer, &[]);
    let mut candidate_ids = BTreeSet::new();
    for (kind, value) in personal::lookup_values(primary.as_deref(), &data) {
        let indexes = personal::indexes_of(pii, kind, &value);
        let set = match kind {
            LookupKind::Phone => &mut subject.phone_indexes,
            LookupKind::IdNumber => &mut subject.id_number_indexes,
            LookupKind::Wechat => &mut subject.wechat_indexes,
            LookupKind::PhoneLast4 => continue,
        };
        set.extend(indexes.iter().cloned());
        for hit in CustomerLookup::matching(
            ctx.conn,
            ctx.org_id(),
            kind,
            &indexes,
            &customer.id,
            MAX_CANDIDATES,
        )? {
            candidate_ids.insert(hit.customer_id);
        }
        if kind == LookupKind::Phone
            && let Some(other) = Customer::find_by_phone(ctx.conn, ctx.org_id(), &indexes)?
            && other.id != customer.id
        {
            candidate_ids.insert(other.id);
        }
    }
    let mut candidates: BTreeMap<String, Customer> = BTreeMap::new();
    for other in Customer::same_email_or_city(
        ctx.conn,
        ctx.org_id(),
        customer.email.as_deref(),
        customer.city.as_deref(),
        &customer.id,
        MAX_CANDIDATES,
    )? {
        candidates.insert(other.id.clone(), other);
    }
    for other_id in candidate_ids {
        if !candidates.contains_key(&other_id)
            && let Some(other) = Customer::find(ctx.conn, ctx.org_id(), &other_id)?
        {
            candidates.insert(other_id, other);
        }
    }
    let active = [
        CustomerStatus::Active.as_str(),
        CustomerStatus::Archived.as_str(),
    ];
    candidates.retain(|_, c| scope.admits(&c.facts()) && active.contains(&c.status.as_str()));
    let mut facts = BTreeMap::new();
    for (other_id, other) in &candidates {
        let lookups = CustomerLookup::of_customer(ctx.conn, other_id)?;
        facts.insert(other_id.clone(), facts_of(other, &lookups));
    }
    let ranked = rank_duplicates(&subject, facts.iter().map(|(id, f)| (id.clone(), f)));
    Ok(ranked
        .into_iter()
        .filter_map(|r| candidates.remove(&r.key).map(|c| (c, r)))
        .collect())
}

/// Four ASCII digits: the last four of a phone.
fn is_last4(text: &str) -> bool {
    text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A page of customers in the caller's scope (and one more row, if there is one).
/// `None` when the cursor's key does not fit the sort (a forged cursor).
pub fn list(ctx: &mut Ctx, query: CustomerQuery) -> ServiceResult<Option<Vec<Customer>>> {
    let pii = ctx.pii();
    let mut text = query.text;
    let mut phone_blind_indexes = Vec::new();
    let mut last4_indexes = Vec::new();
    if let Some(t) = text.as_deref() {
        if is_last4(t) {
            last4_indexes = personal::indexes_of(pii, LookupKind::PhoneLast4, t);
            text = None;
        } else if let Ok(phone) = Phone::parse(t) {
            phone_blind_indexes = pii.blind_indexes(phone.as_str());
            text = None;
        }
    }
    // Text that reads as a plate or a VIN also finds the owners of that vehicle.
    let vehicle_plate = text
        .as_deref()
        .and_then(|t| Plate::parse(t).ok())
        .map(|p| p.as_str().to_owned());
    let vehicle_vin = text
        .as_deref()
        .and_then(|t| Vin::parse(t).ok())
        .map(|v| v.as_str().to_owned());
    let filter = CustomerFilter {
        scope: scope(ctx)?,
        owner_id: query.owner_id,
        store_id: query.store_id,
        status: query.status.map(|s| s.as_str().to_owned()),
        kind: query.kind.map(|k| k.as_str().to_owned()),
        lifecycle_stage: query.stage.map(|s| s.as_str().to_owned()),
        source_channel: query.source_channel.map(|s| s.as_str().to_owned()),
        city: query.city,
        text,
        phone_blind_indexes,
        last4_indexes,
        vehicle_plate,
        vehicle_vin,
        created_from: query.created_from,
        created_to: query.created_to,
        last_activity_from: query.last_activity_from,
        last_activity_to: query.last_activity_to,
        marketing_consent: query.marketing_consent,
        tag: query.tag,
        sort: query.sort,
        after: query.after,
        limit: query.limit,
    };
    Ok(Customer::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// Re-encrypts one customer's personal values and contacts under the current key and then
/// rebuilds its lookups (also when `reindex_anyway`: rows written before lookups existed).
/// True when a ciphertext was rewritten.
pub fn rotate_customer(
    pii: &PiiCipher,
    conn: &mut autocrm_persistence::DbConn,
    customer: &mut Customer,
    reindex_anyway: bool,
) -> ServiceResult<bool> {
    let mut changed = false;
    if let Some(stored) = customer.phone_ciphertext.clone()
        && pii.needs_rotation(&stored)
    {
        let clear = pii.decrypt(&stored)?;
        customer.phone_ciphertext = Some(pii.encrypt(&clear)?);
        customer.phone_blind_index = Some(pii.blind_index(&clear));
        changed = true;
    }
    if let Some(stored) = customer.personal_ciphertext.clone()
        && pii.needs_rotation(&stored)
    {
        let clear = pii.decrypt(&stored)?;
        customer.personal_ciphertext = Some(pii.encrypt(&clear)?);
        changed = true;
    }
    if changed {
        customer.rewrite_ciphertexts(conn)?;
    }
    for contact in CustomerContact::of_customer(conn, &customer.id)? {
        if let Some(stored) = contact.phones_ciphertext.as_deref()
            && pii.needs_rotation(stored)
        {
            let clear = pii.decrypt(stored)?;
            CustomerContact::set_phones(conn, &contact.id, Some(&pii.encrypt(&clear)?))?;
            changed = true;
        }
    }
    if changed || reindex_anyway {
        reindex(pii, conn, customer)?;
    }
    Ok(changed)
}

impl Default for NewCustomer {
    fn default() -> Self {
        Self {
            kind: CustomerKind::Individual,
            name: String::new(),
            phone: None,
            email: None,
            city: None,
            source_channel: None,
            owner_id: None,
            store_id: None,
            notes: None,
            marketing_consent: false,
            profile: ProfileChanges::default(),
        }
    }
}
