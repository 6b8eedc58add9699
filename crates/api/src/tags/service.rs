//! Tag use cases, and the recomputation of a customer's dynamic tags.

use std::collections::BTreeMap;

use autocrm_domain::access::CustomerScope;
use autocrm_domain::customer::{
    ActivityKind, ActivityOutcome, CustomerHistory, DynamicTag, TagColour, TagInputs, TagName,
    TagRuleSet,
};
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    Activity, Customer, CustomerTag, DynamicTagRow, Tag, TenantRecord,
};

use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::customers::service::find_visible;

/// A manual tag and how many customers in the caller's scope carry it.
pub struct TagWithCount {
    pub tag: Tag,
    pub customers: i64,
}

/// A dynamic tag's name, its rule, and how many customers in the caller's scope carry it.
pub struct DynamicCount {
    pub name: String,
    pub rule_id: String,
    pub customers: i64,
}

/// The caller's customer scope (the system sees every customer).
fn scope(ctx: &Ctx) -> CustomerScope {
    match ctx.actor() {
        Actor::Principal(p) => CustomerScope::of(p),
        Actor::System { .. } => CustomerScope::All,
        Actor::Anonymous => CustomerScope::Nothing,
    }
}

fn detail(tag: &Tag) -> serde_json::Value {
    serde_json::json!({"name": tag.name, "colour": tag.colour})
}

fn check_name_is_free(ctx: &mut Ctx, name: &TagName, own_id: &str) -> ServiceResult<()> {
    match Tag::find_by_name(ctx.conn, ctx.org_id(), name.as_str())? {
        Some(existing) if existing.id != own_id => Err(ServiceError::duplicate(
            "a tag with this name exists",
            Some(existing.id),
        )),
        _ => Ok(()),
    }
}

/// Adds a tag to the organisation's vocabulary. Audited (`tag.created`).
pub fn create(ctx: &mut Ctx, name: TagName, colour: TagColour) -> ServiceResult<Tag> {
    check_name_is_free(ctx, &name, "")?;
    let now = ctx.now();
    let tag = Tag {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        name: name.as_str().to_owned(),
        colour: colour.as_str().to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    tag.insert(ctx.conn)?;
    ctx.record(Change::new("tag.created", "tag", &tag.id).detail(detail(&tag)))?;
    Ok(tag)
}

/// Renames or recolours a tag, under its version. Audited (`tag.updated`).
pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    name: Option<TagName>,
    colour: Option<TagColour>,
) -> ServiceResult<Tag> {
    if let Some(name) = &name {
        check_name_is_free(ctx, name, id)?;
    }
    let tag = records::update(
        ctx,
        id,
        expected,
        |_: &Tag| true,
        |_, tag| {
            if let Some(name) = name {
                tag.name = name.as_str().to_owned();
            }
            if let Some(colour) = colour {
                tag.colour = colour.as_str().to_owned();
            }
            Ok(())
        },
    )?;
    ctx.record(Change::new("tag.updated", "tag", &tag.id).detail(detail(&tag)))?;
    Ok(tag)
}

/// Removes a tag and its assignments. Audited (`tag.deleted`).
pub fn delete(ctx: &mut Ctx, id: &str) -> ServiceResult<()> {
    let tag = records::find(ctx, id, |_: &Tag| true)?;
    Tag::delete(ctx.conn, ctx.org_id(), &tag.id)?;
    ctx.record(Change::new("tag.deleted", "tag", &tag.id).detail(detail(&tag)))
}

pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<Tag> {
    records::find(ctx, id, |_: &Tag| true)
}

/// The vocabulary with counts, and the dynamic tags with counts, in the caller's scope.
pub fn list(ctx: &mut Ctx) -> ServiceResult<(Vec<TagWithCount>, Vec<DynamicCount>)> {
    let scope = scope(ctx);
    let counts: BTreeMap<String, i64> = Tag::counts(ctx.conn, ctx.org_id(), &scope)?
        .into_iter()
        .collect();
    let manual = Tag::all(ctx.conn, ctx.org_id())?
        .into_iter()
        .map(|tag| TagWithCount {
            customers: counts.get(&tag.id).copied().unwrap_or(0),
            tag,
        })
        .collect();
    let mut dynamic: Vec<DynamicCount> = DynamicTagRow::counts(ctx.conn, ctx.org_id(), &scope)?
        .into_iter()
        .map(|(name, rule_id, customers)| DynamicCount {
            name,
            rule_id,
            customers,
        })
        .collect();
    dynamic.sort_by(|a, b| b.customers.cmp(&a.customers).then(a.name.cmp(&b.name)));
    Ok((manual, dynamic))
}

/// Assigns a tag to a customer the caller sees; assigning it twice changes nothing.
/// Audited (`customer.tagged`).
pub fn assign(ctx: &mut Ctx, customer_id: &str, tag_id: &str) -> ServiceResult<Tag> {
    let customer = find_visible(ctx, customer_id)?;
    let Some(tag) = Tag::find(ctx.conn, ctx.org_id(), tag_id)? else {
        return Err(ServiceError::invalid("tag_id", "not_found", "no such tag"));
    };
    if CustomerTag::exists(ctx.conn, ctx.org_id(), &customer.id, &tag.id)? {
        return Ok(tag);
    }
    CustomerTag {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        customer_id: customer.id.clone(),
        tag_id: tag.id.clone(),
        assigned_by: ctx.actor_id(),
        assigned_at: ctx.now(),
    }
    .insert(ctx.conn)?;
    ctx.record(
        Change::new("customer.tagged", "customer_tag", &customer.id)
            .detail(serde_json::json!({"tag_id": tag.id, "name": tag.name})),
    )?;
    Ok(tag)
}

/// Takes a tag off a customer the caller sees (404 when it was not on). Audited
/// (`customer.untagged`).
pub fn unassign(ctx: &mut Ctx, customer_id: &str, tag_id: &str) -> ServiceResult<()> {
    let customer = find_visible(ctx, customer_id)?;
    if !CustomerTag::remove(ctx.conn, ctx.org_id(), &customer.id, tag_id)? {
        return Err(ServiceError::NotFound);
    }
    ctx.record(
        Change::new("customer.untagged", "customer_tag", &customer.id)
            .detail(serde_json::json!({"tag_id": tag_id})),
    )
}

/// A customer's manual and dynamic tags (the customer in the caller's scope).
pub fn of_customer(
    ctx: &mut Ctx,
    customer_id: &str,
) -> ServiceResult<(Vec<Tag>, Vec<DynamicTagRow>)> {
    let customer = find_visible(ctx, customer_id)?;
    tags_of(ctx, &customer.id)
}

/// A customer's manual and dynamic tags (no scope check: for callers that already found
/// the customer).
pub fn tags_of(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<(Vec<Tag>, Vec<DynamicTagRow>)> {
    Ok((
        Tag::of_customer(ctx.conn, ctx.org_id(), customer_id)?,
        DynamicTagRow::of_customer(ctx.conn, ctx.org_id(), customer_id)?,
    ))
}

/// Whether an activity took place, as the tag rules count it: contact that reached the
/// customer, a visit or test drive that was not a no-show, and every note.
fn took_place(outcome: Option<ActivityOutcome>) -> bool {
    use ActivityOutcome::*;
    match outcome {
        Some(NoAnswer | Unreachable | NoShow) => false,
        Some(_) | None => true,
    }
}

/// What the rules read of a customer's history.
fn history(ctx: &mut Ctx, customer: &Customer) -> ServiceResult<CustomerHistory> {
    let mut activity_counts = BTreeMap::new();
    for (kind, outcome) in Activity::kinds_and_outcomes(ctx.conn, ctx.org_id(), &customer.id)? {
        let Ok(kind) = kind.parse::<ActivityKind>() else {
            continue;
        };
        let outcome = outcome.and_then(|o| o.parse().ok());
        if took_place(outcome) {
            *activity_counts.entry(kind).or_insert(0) += 1;
        }
    }
    Ok(CustomerHistory {
        stage: None,
        source: customer
            .source_channel
            .as_deref()
            .and_then(|s| s.parse().ok()),
        activity_counts,
    })
}

/// The dynamic tags the standard rules give a customer now.
fn evaluate(ctx: &mut Ctx, customer: &Customer) -> ServiceResult<Vec<DynamicTag>> {
    let needs = customer.stated_needs().unwrap_or_default();
    let behavior = crate::behavior::service::summary_of(ctx, &customer.id)?;
    let history = history(ctx, customer)?;
    let today = ctx.today()?;
    Ok(TagRuleSet::standard().evaluate(&TagInputs {
        needs: &needs,
        behavior: &behavior,
        history: &history,
        today,
    }))
}

/// Recomputes a customer's dynamic tags from their needs, behaviour and history, and
/// stores what changed, each tag with the rule that set it and the facts behind it. Called
/// after a behaviour batch, an activity and a change of needs, inside that change's unit
/// of work; no scope check (the caller found the customer already). Audited
/// (`customer.dynamic_tags_changed`) when a tag came or went.
pub fn recompute(ctx: &mut Ctx, customer_id: &str) -> ServiceResult<()> {
    let Some(customer) = Customer::find(ctx.conn, ctx.org_id(), customer_id)? else {
        return Err(ServiceError::NotFound);
    };
    let tags = evaluate(ctx, &customer)?;
    let stored = DynamicTagRow::of_customer(ctx.conn, ctx.org_id(), &customer.id)?;
    let now = ctx.now();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for row in &stored {
        if !tags.iter().any(|t| t.rule_id.as_str() == row.rule_id) {
            DynamicTagRow::delete(ctx.conn, ctx.org_id(), &row.id)?;
            removed.push(row.name.clone());
        }
    }
    for tag in &tags {
        let reasons = serde_json::to_string(&tag.reasons).map_err(ServiceError::internal)?;
        match stored.iter().find(|r| r.rule_id == tag.rule_id.as_str()) {
            Some(row) if row.reasons == reasons && row.name == tag.name.as_str() => {}
            Some(row) => {
                DynamicTagRow::update_reasons(ctx.conn, &row.id, tag.name.as_str(), &reasons, now)?
            }
            None => {
                DynamicTagRow {
                    id: new_id(),
                    org_id: ctx.org_id().to_owned(),
                    customer_id: customer.id.clone(),
                    name: tag.name.as_str().to_owned(),
                    rule_id: tag.rule_id.as_str().to_owned(),
                    reasons,
                    computed_at: now,
                }
                .insert(ctx.conn)?;
                added.push(tag.name.as_str().to_owned());
            }
        }
    }
    if !(added.is_empty() && removed.is_empty()) {
        ctx.record(
            Change::new(
                "customer.dynamic_tags_changed",
                "customer_tag",
                &customer.id,
            )
            .detail(serde_json::json!({"added": added, "removed": removed})),
        )?;
    }
    Ok(())
}
