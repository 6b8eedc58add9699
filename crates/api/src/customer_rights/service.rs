//! Merging duplicate customers, and the person's rights under PIPL: the export of all
//! personal data held on a customer, and its irreversible erasure. Each runs in the
//! caller's unit of work (a dry run in a read one) and records its change.

use std::collections::{BTreeMap, BTreeSet};

use autocrm_domain::contact::{Email, Phone};
use autocrm_domain::customer::{
    ConsentCheck, ConsentRecord, CustomerField, CustomerKind, CustomerStatus, FieldChange,
    FieldChoice, FieldConflict, Gender, MergeError, MergeProfile, ResidentIdNumber, Resolution,
    SourceChannel, UnifiedSocialCreditCode, find_merge_conflicts, masking, plan_merge,
};
use autocrm_persistence::db::{lock_row, new_id};
use autocrm_persistence::models::{
    Activity, Attachment, BehaviorEventRow, ConsentRow, Customer, CustomerContact, CustomerMerge,
    DeviceLink, DynamicTagRow, FinancingApplication, LifecycleChangeRow, RelatedCounts, Tag,
    TenantRecord, applications_of, count_related, delete_sign_in_codes, devices_of, erase_related,
    event_payloads, forget_stored_answers, live_attachments_of, move_related, set_event_payload,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::app::{Actor, Change, Ctx, Invalid, ServiceError, ServiceResult, records};
use crate::attachments::owners::OwnerType;
use crate::attachments::service::AttachmentInfo;
use crate::customers::dto::BusinessDto;
use crate::customers::personal::{Document, LabelledPhone, PersonalData};
use crate::customers::service::{self as customers, CustomerView, Revealed};
use crate::events::catalogue as events;
use crate::garage::service::VehicleWithMileage;

/// The audit action of a personal-data export.
pub const EXPORT_ACTION: &str = "customer.personal_data_exported";
/// The name an erased customer keeps.
pub const ERASED_NAME: &str = "已删除客户";
/// The most sources one merge takes.
pub const MAX_SOURCES: usize = 10;

/// A merge into a survivor, as its request's rules accepted it.
#[derive(Debug, Clone)]
pub struct MergeCommand {
    /// Normalised ids, in the order sent.
    pub source_ids: Vec<String>,
    pub choices: BTreeMap<CustomerField, FieldChoice>,
    /// The survivor's `If-Match`.
    pub expected: Option<i64>,
}

/// A conflicting field (values as an answer may show them: personal ones masked) and how it
/// was decided.
#[derive(Debug, Clone)]
pub struct MergeConflict {
    pub conflict: FieldConflict<CustomerField>,
    pub chosen: FieldChoice,
    /// No choice was sent: the survivor's value (or the first source's) was kept.
    pub defaulted: bool,
}

/// What a merge did, or a dry run would do.
pub struct MergeOutcome {
    /// After the merge (dry run: as it would be).
    pub survivor: CustomerView,
    pub source_ids: Vec<String>,
    pub conflicts: Vec<MergeConflict>,
    /// The survivor's fields that change (values masked where personal).
    pub changes: Vec<FieldChange<CustomerField>>,
    /// Rows moved to the survivor per table.
    pub moved: RelatedCounts,
}

/// A merge checked and planned, nothing written yet.
struct Prepared {
    survivor: Customer,
    /// The survivor with the plan applied (in memory).
    merged: Customer,
    sources: Vec<Customer>,
    conflicts: Vec<MergeConflict>,
    changes: Vec<FieldChange<CustomerField>>,
    /// The choices in force (sent, or defaulted).
    choices: BTreeMap<CustomerField, FieldChoice>,
}

/// The fields whose values are personal data: answers show them masked.
fn shown(field: CustomerField, value: &str, today: NaiveDate) -> String {
    match field {
        CustomerField::Phone => Phone::parse(value)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "****".into()),
        CustomerField::IdCardNumber => ResidentIdNumber::parse(value, today)
            .map(|id| id.masked())
            .unwrap_or_else(|_| "*".repeat(value.chars().count())),
        CustomerField::WechatOpenid | CustomerField::WechatUnionid => masking::wechat_id(value),
        CustomerField::Address => masking::address(value),
        _ => value.to_owned(),
    }
}

fn business_of(c: &Customer) -> Option<BusinessDto> {
    c.business
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

/// One record's side of a merge, with its clear personal values; references to the parties
/// themselves (a source referred by the survivor) are no value.
fn profile_of(
    ctx: &Ctx,
    c: &Customer,
    parties: &BTreeSet<String>,
    business: bool,
) -> ServiceResult<(MergeProfile<CustomerField>, PersonalData, Option<String>)> {
    use CustomerField as F;
    let pii = ctx.pii();
    let data = PersonalData::read(pii, c)?;
    let primary = c
        .phone_ciphertext
        .as_deref()
        .map(|p| pii.decrypt(p))
        .transpose()?;
    let mut fields = BTreeMap::new();
    let mut put = |field: F, value: Option<String>| {
        if let Some(v) = value {
            fields.insert(field, v);
        }
    };
    put(F::Name, Some(c.name.clone()));
    put(F::Gender, c.gender.clone());
    put(F::Birthday, c.birthday.clone());
    put(F::Phone, primary.clone());
    put(F::Email, c.email.clone());
    put(F::WechatOpenid, data.wechat_openid.clone());
    put(F::WechatUnionid, data.wechat_unionid.clone());
    put(F::IdCardNumber, data.id_card_number.clone());
    put(F::Address, data.address.clone());
    put(F::City, c.city.clone());
    put(F::Region, c.region.clone());
    put(F::SourceChannel, c.source_channel.clone());
    put(F::SourceDetail, c.source_detail.clone());
    put(
        F::ReferrerId,
        c.referrer_id.clone().filter(|r| !parties.contains(r)),
    );
    put(F::OwnerId, c.owner_id.clone());
    put(F::StoreId, c.store_id.clone());
    // Needs compare as their canonical JSON.
    put(
        F::Needs,
        c.needs
            .as_deref()
            .and_then(|n| serde_json::from_str::<serde_json::Value>(n).ok())
            .map(|v| v.to_string()),
    );
    if business && let Some(b) = business_of(c) {
        put(F::RegisteredName, b.registered_name);
        put(F::CreditCode, b.credit_code);
    }
    Ok((
        MergeProfile {
            id: c.id.clone(),
            fields,
        },
        data,
        primary,
    ))
}

/// A value of one's own for a field, checked and normalised as the field's own rules do.
fn own_value(field: CustomerField, value: &str, today: NaiveDate) -> Result<String, String> {
    use CustomerField as F;
    let bad = |e: &dyn std::fmt::Display| e.to_string();
    Ok(match field {
        F::Phone => Phone::parse(value)
            .map_err(|e| bad(&e))?
            .as_str()
            .to_owned(),
        F::Email => Email::parse(value)
            .map_err(|e| bad(&e))?
            .as_str()
            .to_owned(),
        F::Gender => value
            .parse::<Gender>()
            .map_err(|_| "not a gender".to_owned())?
            .as_str()
            .to_owned(),
        F::Birthday => {
            let date: NaiveDate = value.parse().map_err(|_| "not a date".to_owned())?;
            if date > today {
                return Err("the birthday is in the future".into());
            }
            date.format("%Y-%m-%d").to_string()
        }
        F::IdCardNumber => ResidentIdNumber::parse(value, today)
            .map_err(|e| bad(&e))?
            .as_str()
            .to_owned(),
        F::SourceChannel => value
            .parse::<SourceChannel>()
            .map_err(|_| "not a source channel".to_owned())?
            .as_str()
            .to_owned(),
        F::CreditCode => UnifiedSocialCreditCode::parse(value)
            .map_err(|e| bad(&e))?
            .as_str()
            .to_owned(),
        F::OwnerId | F::StoreId | F::ReferrerId | F::Needs => {
            return Err("choose one of the records' values".into());
        }
        F::Name
        | F::WechatOpenid
        | F::WechatUnionid
        | F::Address
        | F::City
        | F::Region
        | F::SourceDetail
        | F::RegisteredName => value.to_owned(),
    })
}

fn merge_refused(e: MergeError<CustomerField>) -> ServiceError {
    match e {
        MergeError::Invalid(problems) => {
            let mut invalid = Invalid::new();
            for p in problems {
                invalid.add(&format!("fields.{}", p.field()), p.code(), p.to_string());
            }
            invalid.finish().err().unwrap_or(ServiceError::Internal)
        }
        other => ServiceError::invalid("source_ids", "invalid_value", other.to_string()),
    }
}

/// `survivor`, `source:<id>` or `value`: how a choice is kept on record (never the value).
fn choice_name(choice: &FieldChoice) -> String {
    match choice {
        FieldChoice::Survivor => "survivor".into(),
        FieldChoice::Source(id) => format!("source:{id}"),
        FieldChoice::Value { .. } => "value".into(),
    }
}

/// Checks the parties and plans the merge; writes nothing.
fn prepare(ctx: &mut Ctx, survivor_id: &str, command: &MergeCommand) -> ServiceResult<Prepared> {
    let survivor = customers::find_visible(ctx, survivor_id)?;
    let mut invalid = Invalid::new();
    let mut seen = BTreeSet::new();
    if command.source_ids.is_empty() || command.source_ids.len() > MAX_SOURCES {
        invalid.add(
            "source_ids",
            "out_of_range",
            format!("1 to {MAX_SOURCES} customers"),
        );
    }
    for (i, id) in command.source_ids.iter().enumerate() {
        if *id == survivor.id {
            invalid.add(
                &format!("source_ids[{i}]"),
                "invalid_value",
                "the survivor cannot also be a source",
            );
        } else if !seen.insert(id.as_str()) {
            invalid.add(&format!("source_ids[{i}]"), "duplicate", "listed twice");
        }
    }
    invalid.finish()?;
    refuse_erased(&survivor)?;
    let mut sources = Vec::with_capacity(command.source_ids.len());
    for id in &command.source_ids {
        // Another tenant's or out of the caller's scope: 404; merged already: 410.
        let source = customers::find_visible(ctx, id)?;
        refuse_erased(&source)?;
        sources.push(source);
    }
    let today = ctx.today()?;
    let parties: BTreeSet<String> = std::iter::once(survivor.id.clone())
        .chain(sources.iter().map(|s| s.id.clone()))
        .collect();
    let business = survivor.kind == CustomerKind::Business.as_str();
    let (survivor_profile, survivor_data, survivor_primary) =
        profile_of(ctx, &survivor, &parties, business)?;
    let mut source_profiles = Vec::new();
    let mut source_personal = Vec::new();
    for s in &sources {
        let (profile, data, primary) = profile_of(ctx, s, &parties, business)?;
        source_profiles.push(profile);
        source_personal.push((primary, data));
    }

    // A conflict without a choice keeps the survivor's value, or the first source's.
    let conflicts = find_merge_conflicts(&survivor_profile, &source_profiles);
    let mut choices = command.choices.clone();
    let mut defaulted = BTreeSet::new();
    for c in &conflicts {
        if choices.contains_key(&c.field) {
            continue;
        }
        let choice = match (&c.survivor, c.sources.first()) {
            (Some(_), _) | (None, None) => FieldChoice::Survivor,
            (None, Some(first)) => FieldChoice::Source(first.source_id.clone()),
        };
        choices.insert(c.field, choice);
        defaulted.insert(c.field);
    }
    let mut plan =
        plan_merge(&survivor_profile, &source_profiles, &choices).map_err(merge_refused)?;
    // Values of one's own follow the field's rules.
    let mut invalid = Invalid::new();
    for change in &mut plan.changes {
        if change.resolution != Resolution::ExplicitValue {
            continue;
        }
        match own_value(change.field, &change.after, today) {
            Ok(value) => {
                change.after = value.clone();
                plan.merged.insert(change.field, value);
            }
            Err(message) => invalid.add(
                &format!("fields.{}", change.field),
                "invalid_value",
                message,
            ),
        }
    }
    invalid.finish()?;

    // The merged row, in memory.
    use CustomerField as F;
    let get = |field: F| plan.merged.get(&field).cloned();
    let mut merged = survivor.clone();
    merged.name = get(F::Name).unwrap_or_else(|| survivor.name.clone());
    merged.gender = get(F::Gender);
    merged.birthday = get(F::Birthday);
    merged.email = get(F::Email);
    merged.city = get(F::City);
    merged.region = get(F::Region);
    merged.source_channel = get(F::SourceChannel);
    merged.source_detail = get(F::SourceDetail);
    merged.referrer_id = get(F::ReferrerId);
    merged.owner_id = get(F::OwnerId);
    merged.store_id = get(F::StoreId);
    merged.needs = get(F::Needs);
    if business {
        let mut b = std::iter::once(&survivor)
            .chain(&sources)
            .find_map(business_of)
            .unwrap_or_default();
        b.registered_name = get(F::RegisteredName);
        b.credit_code = get(F::CreditCode);
        b.trade_buyer = std::iter::once(&survivor)
            .chain(&sources)
            .filter_map(business_of)
            .any(|b| b.trade_buyer);
        merged.business = Some(serde_json::to_string(&b).map_err(ServiceError::internal)?);
    }

    // Personal values: the chosen single values; every phone and document of every record.
    let primary = get(F::Phone);
    let mut data = PersonalData {
        wechat_openid: get(F::WechatOpenid),
        wechat_unionid: get(F::WechatUnionid),
        id_card_number: get(F::IdCardNumber),
        address: get(F::Address),
        ..PersonalData::default()
    };
    let mut numbers: BTreeSet<String> = primary.iter().cloned().collect();
    let mut documents: BTreeSet<(String, String)> = BTreeSet::new();
    let records = std::iter::once((&survivor_primary, &survivor_data)).chain(
        source_personal
            .iter()
            .map(|(primary, data)| (primary, data)),
    );
    for (record_primary, record_data) in records {
        if let Some(p) = record_primary
            && numbers.insert(p.clone())
        {
            data.phones.push(LabelledPhone {
                number: p.clone(),
                label: None,
            });
        }
        for p in &record_data.phones {
            if numbers.insert(p.number.clone()) {
                data.phones.push(p.clone());
            }
        }
        for d in &record_data.other_id_documents {
            if documents.insert((d.document_type.clone(), d.number.clone())) {
                data.other_id_documents.push(Document {
                    document_type: d.document_type.clone(),
                    number: d.number.clone(),
                });
            }
        }
    }
    // The ID number must agree with the birthday and gender kept.
    if let Some(id) = data
        .id_card_number
        .as_deref()
        .and_then(|n| ResidentIdNumber::parse(n, today).ok())
    {
        let birthday = merged.birthday.as_deref().and_then(|b| b.parse().ok());
        let gender = merged.gender.as_deref().and_then(|g| g.parse().ok());
        let mut invalid = Invalid::new();
        for mismatch in id.cross_check(birthday, gender) {
            invalid.add(
                &format!("fields.{}", mismatch.field()),
                mismatch.code(),
                mismatch.to_string(),
            );
        }
        invalid.finish()?;
    }
    let phone = primary
        .as_deref()
        .map(Phone::parse)
        .transpose()
        .map_err(ServiceError::internal)?;
    customers::store_phone(ctx.pii(), &mut merged, phone.as_ref())?;
    data.store(ctx.pii(), &mut merged, today)?;

    // Marketing consent stays derived from every record's consents.
    let mut consents: Vec<ConsentRecord> = Vec::new();
    for id in &parties {
        consents.extend(
            ConsentRow::all_for_customer(ctx.conn, ctx.org_id(), id)?
                .iter()
                .filter_map(crate::consents::service::domain_record),
        );
    }
    consents.sort_by_key(|c| c.at);
    merged.marketing_consent = ConsentCheck::marketing(&consents).allowed;

    let masked = |field: F, value: &str| shown(field, value, today);
    let conflicts = conflicts
        .into_iter()
        .map(|mut c| {
            c.survivor = c.survivor.map(|v| masked(c.field, &v));
            for s in &mut c.sources {
                s.value = masked(c.field, &s.value);
            }
            MergeConflict {
                chosen: choices
                    .get(&c.field)
                    .cloned()
                    .unwrap_or(FieldChoice::Survivor),
                defaulted: defaulted.contains(&c.field),
                conflict: c,
            }
        })
        .collect();
    let changes = plan
        .changes
        .into_iter()
        .map(|mut c| {
            c.before = c.before.map(|v| masked(c.field, &v));
            c.after = masked(c.field, &c.after);
            c
        })
        .collect();
    Ok(Prepared {
        survivor,
        merged,
        sources,
        conflicts,
        changes,
        choices,
    })
}

/// An erased customer takes part in no merge.
fn refuse_erased(customer: &Customer) -> ServiceResult<()> {
    if customer.status == CustomerStatus::Erased.as_str() {
        return Err(ServiceError::Conflict(format!(
            "customer {} was erased",
            customer.id
        )));
    }
    Ok(())
}

/// What a merge would do, changing nothing (not even the audit log): for a read unit of
/// work.
pub fn merge_dry_run(
    ctx: &mut Ctx,
    survivor_id: &str,
    command: MergeCommand,
) -> ServiceResult<MergeOutcome> {
    let prepared = prepare(ctx, survivor_id, &command)?;
    if command
        .expected
        .is_some_and(|v| v != prepared.survivor.version)
    {
        return Err(ServiceError::Stale {
            current_version: prepared.survivor.version,
        });
    }
    let source_ids: Vec<String> = prepared.sources.iter().map(|s| s.id.clone()).collect();
    let moved = count_related(ctx.conn, ctx.org_id(), &prepared.survivor.id, &source_ids)?;
    let mut merged = prepared.merged;
    merged.version += 1;
    merged.updated_at = ctx.now();
    let mut contacts = CustomerContact::of_customer(ctx.conn, &merged.id)?;
    let mut lifecycle = LifecycleChangeRow::of_customer(ctx.conn, &merged.id)?;
    for id in &source_ids {
        contacts.extend(CustomerContact::of_customer(ctx.conn, id)?);
        lifecycle.extend(LifecycleChangeRow::of_customer(ctx.conn, id)?);
    }
    for (i, c) in contacts.iter_mut().enumerate() {
        c.ordinal = i32::try_from(i).unwrap_or(i32::MAX);
    }
    lifecycle.sort_by(|a, b| (a.changed_at, &a.id).cmp(&(b.changed_at, &b.id)));
    Ok(MergeOutcome {
        survivor: CustomerView {
            customer: merged,
            contacts,
            lifecycle,
        },
        source_ids,
        conflicts: prepared.conflicts,
        changes: prepared.changes,
        moved,
    })
}

/// Merges the sources into the survivor, in the caller's transaction: every related row
/// moves, the survivor takes the chosen values and every phone and document, the sources
/// keep their rows as `merged` (without personal values) and answer 410 from now on.
/// Audited, with `customer.merged`.
pub fn merge(
    ctx: &mut Ctx,
    survivor_id: &str,
    command: MergeCommand,
) -> ServiceResult<MergeOutcome> {
    // Lock the parties in a fixed order, so that two merges over them cannot deadlock.
    let mut ids: Vec<&str> = std::iter::once(survivor_id)
        .chain(command.source_ids.iter().map(String::as_str))
        .collect();
    ids.sort_unstable();
    for id in ids {
        lock_row(ctx.conn, Customer::TABLE, id)?;
    }
    let prepared = prepare(ctx, survivor_id, &command)?;
    let survivor_id = prepared.survivor.id.clone();
    let source_ids: Vec<String> = prepared.sources.iter().map(|s| s.id.clone()).collect();
    let at = ctx.now();

    // The sources first: the survivor may take one of their phones, whose index is unique.
    for source in &prepared.sources {
        records::update(
            ctx,
            &source.id,
            None,
            |_: &Customer| true,
            |_, row| {
                row.status = CustomerStatus::Merged.as_str().to_owned();
                row.phone_ciphertext = None;
                row.phone_blind_index = None;
                row.phone_masked = None;
                row.personal_ciphertext = None;
                row.personal_masked = None;
                Ok(())
            },
        )?;
    }
    let moved = move_related(ctx.conn, ctx.org_id(), &survivor_id, &source_ids)?;
    let merged = prepared.merged;
    let survivor = records::update(
        ctx,
        &survivor_id,
        command.expected,
        |_: &Customer| true,
        |_, row| {
            let version = row.version;
            *row = merged;
            row.version = version;
            Ok(())
        },
    )?;
    customers::reindex(ctx.pii(), ctx.conn, &survivor)?;
    crate::customers::service::index_needs(ctx, &survivor)?;
    crate::tags::service::recompute(ctx, &survivor_id)?;

    let merged_by = match ctx.actor() {
        Actor::Principal(p) => p.id.clone(),
        Actor::System { name, .. } => format!("system:{name}"),
        Actor::Anonymous => return Err(ServiceError::Forbidden),
    };
    let choices: BTreeMap<String, String> = prepared
        .choices
        .iter()
        .map(|(f, c)| (f.as_str().to_owned(), choice_name(c)))
        .collect();
    let choices_json = serde_json::to_string(&choices).map_err(ServiceError::internal)?;
    let moved_json = serde_json::to_string(&moved).map_err(ServiceError::internal)?;
    for source_id in &source_ids {
        CustomerMerge {
            id: new_id(),
            org_id: ctx.org_id().to_owned(),
            survivor_id: survivor_id.clone(),
            source_id: source_id.clone(),
            field_choices: choices_json.clone(),
            moved: moved_json.clone(),
            merged_by: merged_by.clone(),
            merged_at: at,
        }
        .insert(ctx.conn)?;
        ctx.record(
            Change::new("customer.merged_into", "customer", source_id)
                .detail(serde_json::json!({ "survivor_id": survivor_id })),
        )?;
    }
    let changed_fields: Vec<String> = prepared
        .changes
        .iter()
        .map(|c| c.field.as_str().to_owned())
        .collect();
    ctx.record(
        Change::new("customer.merged", "customer", &survivor_id)
            .detail(serde_json::json!({
                "source_ids": source_ids, "choices": choices, "moved": moved,
            }))
            .event(events::CustomerMerged {
                survivor_id: survivor_id.clone(),
                source_ids: source_ids.clone(),
                moved: moved.clone(),
                changed_fields,
                version: survivor.version,
            }),
    )?;
    Ok(MergeOutcome {
        survivor: customers::view(ctx, survivor)?,
        source_ids,
        conflicts: prepared.conflicts,
        changes: prepared.changes,
        moved,
    })
}

/// Everything held on one person.
pub struct PersonalDataExport {
    pub exported_at: DateTime<Utc>,
    pub customer: CustomerView,
    pub clear: Revealed,
    pub consents: Vec<ConsentRow>,
    pub activities: Vec<Activity>,
    pub behavior_events: Vec<BehaviorEventRow>,
    pub devices: Vec<DeviceLink>,
    pub vehicles: Vec<VehicleWithMileage>,
    pub tags: (Vec<Tag>, Vec<DynamicTagRow>),
    pub applications: Vec<FinancingApplication>,
    pub attachments: Vec<AttachmentInfo>,
    pub merged_customer_ids: Vec<String>,
    /// The customer's leads (the sealed payload as received is never shown).
    pub leads: Vec<crate::leads::dto::ShownLead>,
    /// The customer's deals with their documents, collaborators and stage history.
    pub deals: Vec<crate::sales::deals::service::DealView>,
    /// The customer's test drives (the driving licence number masked).
    pub test_drives: Vec<crate::sales::test_drives::service::Shown>,
}

/// All personal data held on a customer, in clear (the person's access request). Audited
/// (`customer.personal_data_exported`, with what each section held); not a reveal, so the
/// daily reveal cap does not count it.
pub fn export(ctx: &mut Ctx, id: &str) -> ServiceResult<PersonalDataExport> {
    const ALL: i64 = i64::MAX;
    let customer = customers::find_visible(ctx, id)?;
    let org = ctx.org_id();
    let clear = customers::clear_values(ctx, &customer, None)?;
    let consents = ConsentRow::all_for_customer(ctx.conn, org, &customer.id)?;
    let activities = Activity::for_customer(ctx.conn, org, &customer.id, None, ALL)?;
    let behavior_events = BehaviorEventRow::all_for_customer(ctx.conn, org, &customer.id)?;
    let devices = devices_of(ctx.conn, org, &customer.id)?;
    let vehicles = crate::garage::service::list(ctx, &customer.id)?;
    let tags = crate::tags::service::of_customer(ctx, &customer.id)?;
    let applications = applications_of(ctx.conn, org, &customer.id)?;
    let attachments =
        crate::attachments::service::list(ctx, OwnerType::Customer, &customer.id, None, ALL)?;
    let merged_customer_ids = CustomerMerge::sources_of(ctx.conn, org, &customer.id)?;
    let leads = autocrm_persistence::models::Lead::of_customer(ctx.conn, org, &customer.id)?;
    let leads = crate::leads::service::shown(ctx, leads)?;
    let deal_rows = autocrm_persistence::models::Deal::list(
        ctx.conn,
        ctx.org_id(),
        &autocrm_persistence::models::DealFilter {
            scope: autocrm_persistence::models::DealScope::All,
            stage: None,
            owner_id: None,
            store_id: None,
            customer_id: Some(customer.id.clone()),
            lead_id: None,
            after_id: None,
            limit: ALL,
        },
    )?;
    let mut deals = Vec::with_capacity(deal_rows.len());
    for deal in deal_rows {
        deals.push(crate::sales::deals::service::view(ctx, deal)?);
    }
    let test_drives = autocrm_persistence::models::TestDrive::list(
        ctx.conn,
        ctx.org_id(),
        &autocrm_persistence::models::TestDriveFilter {
            customer_id: Some(customer.id.clone()),
            limit: ALL,
            ..Default::default()
        },
    )?
    .into_iter()
    .map(crate::sales::test_drives::service::present)
    .collect::<Vec<_>>();
    let view = customers::view(ctx, customer)?;
    ctx.record(
        Change::new(EXPORT_ACTION, "customer", &view.customer.id).detail(serde_json::json!({
            "consents": consents.len(), "activities": activities.len(),
            "behavior_events": behavior_events.len(), "devices": devices.len(),
            "vehicles": vehicles.len(), "financing_applications": applications.len(),
            "attachments": attachments.len(), "contacts": view.contacts.len(),
            "leads": leads.len(), "deals": deals.len(), "test_drives": test_drives.len(),
        })),
    )?;
    Ok(PersonalDataExport {
        exported_at: ctx.now_utc(),
        customer: view,
        clear,
        consents,
        activities,
        behavior_events,
        devices,
        vehicles,
        tags,
        applications,
        attachments,
        merged_customer_ids,
        leads,
        deals,
        test_drives,
    })
}

/// An erasure done: the anonymised record, and the attachments whose content is to leave
/// the file store once the transaction has committed.
pub struct Erasure {
    pub customer: CustomerView,
    pub attachments: Vec<Attachment>,
}

/// Replaces every string of a JSON document that is one of `values` (names, emails of an
/// erased person) by the erased name, and drops masked phones; true when anything changed.
fn scrub(value: &mut serde_json::Value, values: &BTreeSet<String>) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) if values.contains(s.as_str()) => {
            *value = Value::String(ERASED_NAME.to_owned());
            true
        }
        Value::Array(items) => {
            let mut changed = false;
            for item in items {
                changed |= scrub(item, values);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for (key, v) in map.iter_mut() {
                if key == "phone_masked" && !v.is_null() {
                    *v = Value::Null;
                    changed = true;
                } else {
                    changed = scrub(v, values) || changed;
                }
            }
            changed
        }
        _ => false,
    }
}

/// Erases a customer's personal data for good (PIPL): the customer row keeps its id, kind,
/// stage, needs, city and dates, as `erased` and named [`ERASED_NAME`]; every personal
/// value of it, of the customers merged into it and of their related rows is removed
/// (lookups, contacts, device links, activity texts, VINs and plates, notes, attachments,
/// sign-in codes), and the names in stored events are replaced. Erasing an erased
/// customer again changes nothing. Audited with the reason; emits `customer.erased`.
pub fn erase(ctx: &mut Ctx, id: &str, reason: &str) -> ServiceResult<Erasure> {
    lock_row(ctx.conn, Customer::TABLE, id)?;
    let customer = customers::find_visible(ctx, id)?;
    if customer.status == CustomerStatus::Erased.as_str() {
        return Ok(Erasure {
            customer: customers::view(ctx, customer)?,
            attachments: Vec::new(),
        });
    }
    let org = ctx.org_id();
    let mut ids = vec![customer.id.clone()];
    ids.extend(CustomerMerge::sources_of(ctx.conn, org, &customer.id)?);

    // What must disappear from stored events too, and the phones' sign-in codes.
    let mut values = BTreeSet::new();
    let mut phone_indexes = Vec::new();
    for cid in &ids {
        let Some(row) = Customer::find(ctx.conn, org, cid)? else {
            continue;
        };
        values.insert(row.name.clone());
        values.extend(row.email.clone());
        if let Some(b) = business_of(&row) {
            values.extend(b.registered_name);
        }
        let clear = customers::clear_values(ctx, &row, None)?;
        let phones = clear.phone.into_iter().chain(
            clear
                .phones
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.number),
        );
        for phone in phones {
            phone_indexes.extend(ctx.pii().blind_indexes(&phone));
        }
        for (_, name, _) in clear.contacts.unwrap_or_default() {
            values.insert(name);
        }
    }
    values.retain(|v| !v.trim().is_empty() && v != ERASED_NAME);
    delete_sign_in_codes(ctx.conn, org, &phone_indexes)?;

    // Attachments of the customers and of their financing applications.
    let mut application_ids = Vec::new();
    for cid in &ids {
        application_ids.extend(
            applications_of(ctx.conn, org, cid)?
                .into_iter()
                .map(|a| a.id),
        );
    }
    let mut attachments = live_attachments_of(ctx.conn, org, OwnerType::Customer.as_str(), &ids)?;
    attachments.extend(live_attachments_of(
        ctx.conn,
        org,
        OwnerType::FinancingApplication.as_str(),
        &application_ids,
    )?);
    let mut deleted = Vec::new();
    for row in attachments {
        if crate::attachments::service::delete_owned(ctx, &row, "customer_erased")? {
            deleted.push(row);
        }
    }

    let rows = erase_related(ctx.conn, org, &ids)?;
    let mut erased = None;
    for cid in &ids {
        let main = *cid == customer.id;
        let row = records::update(
            ctx,
            cid,
            None,
            |_: &Customer| true,
            |_, row| {
                row.name = ERASED_NAME.to_owned();
                row.phone_ciphertext = None;
                row.phone_blind_index = None;
                row.phone_masked = None;
                row.personal_ciphertext = None;
                row.personal_masked = None;
                row.email = None;
                row.gender = None;
                row.birthday = None;
                row.notes = None;
                row.source_detail = None;
                row.custom_attributes = None;
                row.business = None;
                row.marketing_consent = false;
                if main {
                    row.status = CustomerStatus::Erased.as_str().to_owned();
                }
                Ok(())
            },
        )?;
        if main {
            erased = Some(row);
        }
    }
    for (table, row_id, payload) in event_payloads(ctx.conn, org, &ids)? {
        let Ok(mut json) = serde_json::from_str::<serde_json::Value>(&payload) else {
            continue;
        };
        if scrub(&mut json, &values) {
            set_event_payload(ctx.conn, table, &row_id, &json.to_string())?;
        }
    }
    for cid in &ids {
        forget_stored_answers(ctx.conn, org, cid)?;
    }
    let erased = erased.ok_or(ServiceError::Internal)?;
    ctx.record(
        Change::new("customer.erased", "customer", &erased.id)
            .detail(serde_json::json!({
                "reason": reason,
                "merged_customers": ids.len() - 1,
                "attachments_deleted": deleted.len(),
                "rows": rows,
            }))
            .event(events::CustomerErased {
                customer_id: erased.id.clone(),
            }),
    )?;
    Ok(Erasure {
        customer: customers::view(ctx, erased)?,
        attachments: deleted,
    })
}
