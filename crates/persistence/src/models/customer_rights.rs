//! What merging and erasing a customer do to the rows that refer to it: the merge record,
//! the move of every related row from merge sources to the survivor (and its count, for a
//! dry run), and the removal of personal values from related rows on erasure.
//!
//! One list of the tables that refer to a customer lives here; a capability that adds such
//! a table adds it to [`move_related`], [`count_related`] and [`erase_related`].

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{
    attachments, behavior_events, consent_records, customer_activities, customer_contacts,
    customer_dynamic_tags, customer_lifecycle_changes, customer_lookups, customer_merges,
    customer_need_index, customer_sign_in_codes, customer_tags, customer_vehicles, customers,
    deal_comments, deals, deliveries, device_links, financing_application_events,
    financing_applications, idempotency_keys, leads, lost_requests, outbox_events, tasks,
    test_drives, vehicle_mileage_readings, vehicle_reservations,
};
use crate::schema::{lead_trigger_firings, showroom_visits, store_visit_invitations};

/// One merge source and the survivor that took its records.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_merges, treat_none_as_default_value = false)]
pub struct CustomerMerge {
    pub id: String,
    pub org_id: String,
    pub survivor_id: String,
    pub source_id: String,
    /// JSON: how each conflicting field was decided (`survivor`, `source:<id>`, `value`),
    /// never a clear personal value.
    pub field_choices: String,
    /// JSON: rows moved per table.
    pub moved: String,
    pub merged_by: String,
    pub merged_at: chrono::NaiveDateTime,
}

impl CustomerMerge {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(customer_merges::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// The survivor a merged customer went into.
    pub fn survivor_of(
        conn: &mut DbConn,
        org_id: &str,
        source_id: &str,
    ) -> QueryResult<Option<String>> {
        customer_merges::table
            .filter(customer_merges::org_id.eq(org_id))
            .filter(customer_merges::source_id.eq(source_id))
            .select(customer_merges::survivor_id)
            .first(conn)
            .optional()
    }

    /// The customers merged into a survivor (directly; earlier merges into a source are
    /// re-pointed to the survivor when the source is merged, so this is every one).
    pub fn sources_of(
        conn: &mut DbConn,
        org_id: &str,
        survivor_id: &str,
    ) -> QueryResult<Vec<String>> {
        customer_merges::table
            .filter(customer_merges::org_id.eq(org_id))
            .filter(customer_merges::survivor_id.eq(survivor_id))
            .order(customer_merges::source_id.asc())
            .select(customer_merges::source_id)
            .load(conn)
    }
}

/// Rows per table (by table name; `customers.referrer_id` for the referrals).
pub type RelatedCounts = BTreeMap<String, i64>;

/// The customer-owned rows of simple tables: `(table, column)` updated or counted alike.
macro_rules! each_simple_table {
    ($m:ident) => {
        $m!(customer_activities, customer_id);
        $m!(behavior_events, customer_id);
        $m!(device_links, customer_id);
        $m!(consent_records, customer_id);
        $m!(customer_lifecycle_changes, customer_id);
        $m!(financing_applications, customer_id);
        $m!(vehicle_reservations, customer_id);
        $m!(leads, customer_id);
        $m!(tasks, customer_id);
        $m!(deals, customer_id);
        $m!(lost_requests, customer_id);
        $m!(test_drives, customer_id);
        $m!(lead_trigger_firings, customer_id);
        $m!(showroom_visits, customer_id);
        $m!(store_visit_invitations, customer_id);
    };
}

/// What [`move_related`] would answer for the same customers, without changing anything.
pub fn count_related(
    conn: &mut DbConn,
    org_id: &str,
    survivor_id: &str,
    source_ids: &[String],
) -> QueryResult<RelatedCounts> {
    let mut counts = RelatedCounts::new();
    macro_rules! count {
        ($table:ident, $column:ident) => {
            let n: i64 = $table::table
                .filter($table::org_id.eq(org_id))
                .filter($table::$column.eq_any(source_ids))
                .count()
                .get_result(conn)?;
            counts.insert(stringify!($table).to_owned(), n);
        };
    }
    each_simple_table!(count);
    count!(customer_contacts, customer_id);
    count!(customer_vehicles, customer_id);
    // Derived from the sources' needs: dropped on merge (the survivor's is rewritten).
    count!(customer_need_index, customer_id);
    let n: i64 = attachments::table
        .filter(attachments::org_id.eq(org_id))
        .filter(attachments::owner_type.eq("customer"))
        .filter(attachments::owner_id.eq_any(source_ids))
        .count()
        .get_result(conn)?;
    counts.insert("attachments".into(), n);
    // A tag the survivor (or an earlier source) has already is not moved twice.
    let held: BTreeSet<String> = tag_ids_of(conn, &[survivor_id.to_owned()])?
        .into_iter()
        .collect();
    let incoming: BTreeSet<String> = tag_ids_of(conn, source_ids)?.into_iter().collect();
    let new_tags = incoming.difference(&held).count();
    counts.insert(
        "customer_tags".into(),
        i64::try_from(new_tags).unwrap_or(i64::MAX),
    );
    let n: i64 = referrals(org_id, survivor_id, source_ids)
        .count()
        .get_result(conn)?;
    counts.insert("customers.referrer_id".into(), n);
    Ok(counts)
}

fn tag_ids_of(conn: &mut DbConn, customer_ids: &[String]) -> QueryResult<Vec<String>> {
    customer_tags::table
        .filter(customer_tags::customer_id.eq_any(customer_ids))
        .order(customer_tags::id.asc())
        .select(customer_tags::tag_id)
        .load(conn)
}

/// Other customers referred by a source (the survivor and the sources themselves aside).
fn referrals<'a>(
    org_id: &'a str,
    survivor_id: &'a str,
    source_ids: &'a [String],
) -> customers::BoxedQuery<'a, crate::db::Db> {
    customers::table
        .filter(customers::org_id.eq(org_id))
        .filter(customers::referrer_id.eq_any(source_ids))
        .filter(customers::id.ne(survivor_id))
        .filter(customers::id.ne_all(source_ids))
        .into_boxed()
}

/// Moves every row that refers to one of `source_ids` to the survivor, and answers how
/// many of each table moved. Manual tags the survivor has already are dropped; a vehicle
/// whose VIN the survivor's garage holds already gives its readings to that vehicle; the
/// sources' dynamic tags are dropped (the caller recomputes the survivor's) and their
/// lookups deleted (the caller re-indexes the survivor's merged values). Earlier merges into
/// a source now name the survivor.
pub fn move_related(
    conn: &mut DbConn,
    org_id: &str,
    survivor_id: &str,
    source_ids: &[String],
) -> QueryResult<RelatedCounts> {
    let mut counts = RelatedCounts::new();
    macro_rules! relink {
        ($table:ident, $column:ident) => {
            let n = diesel::update(
                $table::table
                    .filter($table::org_id.eq(org_id))
                    .filter($table::$column.eq_any(source_ids)),
            )
            .set($table::$column.eq(survivor_id))
            .execute(conn)?;
            counts.insert(stringify!($table).to_owned(), n as i64);
        };
    }
    each_simple_table!(relink);
    // The sources' indexed needs are derived rows: dropped (the caller rewrites the
    // survivor's from its merged needs).
    let n = diesel::delete(
        customer_need_index::table
            .filter(customer_need_index::org_id.eq(org_id))
            .filter(customer_need_index::customer_id.eq_any(source_ids)),
    )
    .execute(conn)?;
    counts.insert("customer_need_index".to_owned(), n as i64);

    // Contact persons: after the survivor's own, in the sources' order.
    let mut next: i32 = customer_contacts::table
        .filter(customer_contacts::customer_id.eq(survivor_id))
        .select(diesel::dsl::max(customer_contacts::ordinal))
        .first::<Option<i32>>(conn)?
        .map_or(0, |m| m + 1);
    let mut moved_contacts = 0_i64;
    for source in source_ids {
        let contacts: Vec<(String, i32)> = customer_contacts::table
            .filter(customer_contacts::org_id.eq(org_id))
            .filter(customer_contacts::customer_id.eq(source))
            .order(customer_contacts::ordinal.asc())
            .select((customer_contacts::id, customer_contacts::ordinal))
            .load(conn)?;
        for (id, _) in contacts {
            diesel::update(customer_contacts::table.filter(customer_contacts::id.eq(&id)))
                .set((
                    customer_contacts::customer_id.eq(survivor_id),
                    customer_contacts::ordinal.eq(next),
                ))
                .execute(conn)?;
            next += 1;
            moved_contacts += 1;
        }
    }
    counts.insert("customer_contacts".into(), moved_contacts);

    // Vehicles: one per VIN in a garage.
    let vehicles: Vec<(String, Option<String>)> = customer_vehicles::table
        .filter(customer_vehicles::org_id.eq(org_id))
        .filter(customer_vehicles::customer_id.eq_any(source_ids))
        .order(customer_vehicles::id.asc())
        .select((customer_vehicles::id, customer_vehicles::vin))
        .load(conn)?;
    let mut moved_vehicles = 0_i64;
    for (id, vin) in vehicles {
        let held = match &vin {
            None => None,
            Some(vin) => customer_vehicles::table
                .filter(customer_vehicles::customer_id.eq(survivor_id))
                .filter(customer_vehicles::vin.eq(vin))
                .select(customer_vehicles::id)
                .first::<String>(conn)
                .optional()?,
        };
        match held {
            Some(kept) => {
                diesel::update(
                    vehicle_mileage_readings::table
                        .filter(vehicle_mileage_readings::vehicle_id.eq(&id)),
                )
                .set(vehicle_mileage_readings::vehicle_id.eq(&kept))
                .execute(conn)?;
                diesel::delete(customer_vehicles::table.filter(customer_vehicles::id.eq(&id)))
                    .execute(conn)?;
            }
            None => {
                diesel::update(customer_vehicles::table.filter(customer_vehicles::id.eq(&id)))
                    .set(customer_vehicles::customer_id.eq(survivor_id))
                    .execute(conn)?;
            }
        }
        moved_vehicles += 1;
    }
    counts.insert("customer_vehicles".into(), moved_vehicles);

    // Manual tags, without doubles.
    let mut held: BTreeSet<String> = tag_ids_of(conn, &[survivor_id.to_owned()])?
        .into_iter()
        .collect();
    let source_tags: Vec<(String, String)> = customer_tags::table
        .filter(customer_tags::org_id.eq(org_id))
        .filter(customer_tags::customer_id.eq_any(source_ids))
        .order(customer_tags::id.asc())
        .select((customer_tags::id, customer_tags::tag_id))
        .load(conn)?;
    let mut moved_tags = 0_i64;
    for (id, tag_id) in source_tags {
        if held.insert(tag_id) {
            diesel::update(customer_tags::table.filter(customer_tags::id.eq(&id)))
                .set(customer_tags::customer_id.eq(survivor_id))
                .execute(conn)?;
            moved_tags += 1;
        } else {
            diesel::delete(customer_tags::table.filter(customer_tags::id.eq(&id))).execute(conn)?;
        }
    }
    counts.insert("customer_tags".into(), moved_tags);

    let n = diesel::update(
        attachments::table
            .filter(attachments::org_id.eq(org_id))
            .filter(attachments::owner_type.eq("customer"))
            .filter(attachments::owner_id.eq_any(source_ids)),
    )
    .set(attachments::owner_id.eq(survivor_id))
    .execute(conn)?;
    counts.insert("attachments".into(), n as i64);

    let referred: Vec<String> = referrals(org_id, survivor_id, source_ids)
        .select(customers::id)
        .load(conn)?;
    let n = diesel::update(customers::table.filter(customers::id.eq_any(&referred)))
        .set(customers::referrer_id.eq(survivor_id))
        .execute(conn)?;
    counts.insert("customers.referrer_id".into(), n as i64);

    diesel::delete(
        customer_dynamic_tags::table
            .filter(customer_dynamic_tags::org_id.eq(org_id))
            .filter(customer_dynamic_tags::customer_id.eq_any(source_ids)),
    )
    .execute(conn)?;
    diesel::delete(
        customer_lookups::table
            .filter(customer_lookups::org_id.eq(org_id))
            .filter(customer_lookups::customer_id.eq_any(source_ids)),
    )
    .execute(conn)?;
    diesel::update(
        customer_merges::table
            .filter(customer_merges::org_id.eq(org_id))
            .filter(customer_merges::survivor_id.eq_any(source_ids)),
    )
    .set(customer_merges::survivor_id.eq(survivor_id))
    .execute(conn)?;
    Ok(counts)
}

/// Removes the personal values that rows related to these customers hold (PIPL erasure):
/// lookups, contact persons and device links are deleted; activities lose their free text;
/// behaviour events their device id and page; vehicles their VIN and plate; financing
/// applications their notes and document references, their history its notes. Amounts,
/// counts, kinds and dates stay.
/// Answers the rows touched per table.
pub fn erase_related(
    conn: &mut DbConn,
    org_id: &str,
    customer_ids: &[String],
) -> QueryResult<RelatedCounts> {
    let mut counts = RelatedCounts::new();
    let mut note = |table: &str, n: usize| {
        counts.insert(table.to_owned(), n as i64);
    };
    note(
        "customer_need_index",
        diesel::delete(
            customer_need_index::table
                .filter(customer_need_index::org_id.eq(org_id))
                .filter(customer_need_index::customer_id.eq_any(customer_ids)),
        )
        .execute(conn)?,
    );
    note(
        "customer_lookups",
        diesel::delete(
            customer_lookups::table
                .filter(customer_lookups::org_id.eq(org_id))
                .filter(customer_lookups::customer_id.eq_any(customer_ids)),
        )
        .execute(conn)?,
    );
    note(
        "customer_contacts",
        diesel::delete(
            customer_contacts::table
                .filter(customer_contacts::org_id.eq(org_id))
                .filter(customer_contacts::customer_id.eq_any(customer_ids)),
        )
        .execute(conn)?,
    );
    note(
        "device_links",
        diesel::delete(
            device_links::table
                .filter(device_links::org_id.eq(org_id))
                .filter(device_links::customer_id.eq_any(customer_ids)),
        )
        .execute(conn)?,
    );
    note(
        "customer_activities",
        diesel::update(
            customer_activities::table
                .filter(customer_activities::org_id.eq(org_id))
                .filter(customer_activities::customer_id.eq_any(customer_ids)),
        )
        .set(customer_activities::content.eq(None::<String>))
        .execute(conn)?,
    );
    note(
        "behavior_events",
        diesel::update(
            behavior_events::table
                .filter(behavior_events::org_id.eq(org_id))
                .filter(behavior_events::customer_id.eq_any(customer_ids)),
        )
        .set((
            behavior_events::device_id.eq(None::<String>),
            behavior_events::page.eq(None::<String>),
        ))
        .execute(conn)?,
    );
    note(
        "test_drives",
        diesel::update(
            test_drives::table
                .filter(test_drives::org_id.eq(org_id))
                .filter(test_drives::customer_id.eq_any(customer_ids)),
        )
        .set((
            test_drives::licence_ciphertext.eq(None::<String>),
            test_drives::licence_masked.eq(None::<String>),
            test_drives::note.eq(None::<String>),
            test_drives::feedback.eq(None::<String>),
        ))
        .execute(conn)?,
    );
    note(
        "showroom_visits",
        diesel::update(
            showroom_visits::table
                .filter(showroom_visits::org_id.eq(org_id))
                .filter(showroom_visits::customer_id.eq_any(customer_ids)),
        )
        .set(showroom_visits::note.eq(None::<String>))
        .execute(conn)?,
    );
    note(
        "store_visit_invitations",
        diesel::update(
            store_visit_invitations::table
                .filter(store_visit_invitations::org_id.eq(org_id))
                .filter(store_visit_invitations::customer_id.eq_any(customer_ids)),
        )
        .set(store_visit_invitations::note.eq(None::<String>))
        .execute(conn)?,
    );
    note(
        "customer_vehicles",
        diesel::update(
            customer_vehicles::table
                .filter(customer_vehicles::org_id.eq(org_id))
                .filter(customer_vehicles::customer_id.eq_any(customer_ids)),
        )
        .set((
            customer_vehicles::vin.eq(None::<String>),
            customer_vehicles::plate.eq(None::<String>),
        ))
        .execute(conn)?,
    );
    let applications: Vec<String> = financing_applications::table
        .filter(financing_applications::org_id.eq(org_id))
        .filter(financing_applications::customer_id.eq_any(customer_ids))
        .select(financing_applications::id)
        .load(conn)?;
    note(
        "financing_applications",
        diesel::update(
            financing_applications::table.filter(financing_applications::id.eq_any(&applications)),
        )
        .set((
            financing_applications::note.eq(None::<String>),
            // Document references name files (an ID scan of the person).
            financing_applications::documents.eq("[]"),
        ))
        .execute(conn)?,
    );
    note(
        "financing_application_events",
        diesel::update(
            financing_application_events::table
                .filter(financing_application_events::application_id.eq_any(&applications)),
        )
        .set(financing_application_events::note.eq(None::<String>))
        .execute(conn)?,
    );
    // Reservations keep their car, customer and times (the car's history); their free
    // texts may name the person.
    note(
        "vehicle_reservations",
        diesel::update(
            vehicle_reservations::table
                .filter(vehicle_reservations::org_id.eq(org_id))
                .filter(vehicle_reservations::customer_id.eq_any(customer_ids)),
        )
        .set((
            vehicle_reservations::note.eq(None::<String>),
            vehicle_reservations::release_note.eq(None::<String>),
        ))
        .execute(conn)?,
    );
    // Leads keep their source, grade, owner and dates (the funnel's history); the payload as
    // received, the stated needs and the referrer may name the person; so may their tasks'
    // notes and the reasons in their history.
    let lead_ids: Vec<String> = leads::table
        .filter(leads::org_id.eq(org_id))
        .filter(leads::customer_id.eq_any(customer_ids))
        .select(leads::id)
        .load(conn)?;
    note(
        "leads",
        diesel::update(leads::table.filter(leads::id.eq_any(&lead_ids)))
            .set((
                leads::raw_ciphertext.eq(None::<String>),
                leads::raw_expires_at.eq(None::<chrono::NaiveDateTime>),
                leads::needs.eq(None::<String>),
                leads::referrer.eq(None::<String>),
                leads::utm.eq(None::<String>),
            ))
            .execute(conn)?,
    );
    note(
        "lead_history",
        diesel::update(
            crate::schema::lead_history::table
                .filter(crate::schema::lead_history::lead_id.eq_any(&lead_ids)),
        )
        .set(crate::schema::lead_history::reason.eq(None::<String>))
        .execute(conn)?,
    );
    note(
        "tasks",
        diesel::update(
            tasks::table
                .filter(tasks::org_id.eq(org_id))
                .filter(tasks::customer_id.eq_any(customer_ids)),
        )
        .set(tasks::note.eq(None::<String>))
        .execute(conn)?,
    );
    // Deals keep their stages, amounts and dates (the pipeline's history); their notes,
    // their comments and the notes of lost requests may name the person.
    let deal_ids: Vec<String> = deals::table
        .filter(deals::org_id.eq(org_id))
        .filter(deals::customer_id.eq_any(customer_ids))
        .select(deals::id)
        .load(conn)?;
    note(
        "deals",
        diesel::update(deals::table.filter(deals::id.eq_any(&deal_ids)))
            .set(deals::note.eq(None::<String>))
            .execute(conn)?,
    );
    note(
        "deal_comments",
        diesel::update(
            deal_comments::table
                .filter(deal_comments::org_id.eq(org_id))
                .filter(deal_comments::deal_id.eq_any(&deal_ids)),
        )
        .set(deal_comments::body.eq(None::<String>))
        .execute(conn)?,
    );
    note(
        "lost_requests",
        diesel::update(
            lost_requests::table
                .filter(lost_requests::org_id.eq(org_id))
                .filter(lost_requests::customer_id.eq_any(customer_ids)),
        )
        .set((
            lost_requests::note.eq(None::<String>),
            lost_requests::decision_note.eq(None::<String>),
        ))
        .execute(conn)?,
    );
    Ok(counts)
}

/// Deletes the sign-in codes sent to phones with these blind indexes.
pub fn delete_sign_in_codes(
    conn: &mut DbConn,
    org_id: &str,
    phone_indexes: &[String],
) -> QueryResult<usize> {
    diesel::delete(
        customer_sign_in_codes::table
            .filter(customer_sign_in_codes::org_id.eq(org_id))
            .filter(customer_sign_in_codes::phone_blind_index.eq_any(phone_indexes)),
    )
    .execute(conn)
}

/// Forgets the stored answers of idempotent requests that mention a record (its id in the
/// answer): a replay of them would show values that are gone.
pub fn forget_stored_answers(conn: &mut DbConn, org_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::org_id.eq(org_id))
            .filter(idempotency_keys::response_body.like(format!("%{id}%"))),
    )
    .execute(conn)
}

/// Where an event payload is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadTable {
    OutboxEvents,
    Deliveries,
}

/// The payloads of the events about these records, and of their webhook deliveries:
/// `(table, row id, payload)`.
pub fn event_payloads(
    conn: &mut DbConn,
    org_id: &str,
    aggregate_ids: &[String],
) -> QueryResult<Vec<(PayloadTable, String, String)>> {
    let events: Vec<(String, String)> = outbox_events::table
        .filter(outbox_events::org_id.eq(org_id))
        .filter(outbox_events::aggregate_id.eq_any(aggregate_ids))
        .select((outbox_events::id, outbox_events::payload))
        .load(conn)?;
    let ids: Vec<String> = events.iter().map(|(id, _)| id.clone()).collect();
    let sent: Vec<(String, String)> = deliveries::table
        .filter(deliveries::org_id.eq(org_id))
        .filter(deliveries::event_id.eq_any(&ids))
        .select((deliveries::id, deliveries::payload))
        .load(conn)?;
    Ok(events
        .into_iter()
        .map(|(id, p)| (PayloadTable::OutboxEvents, id, p))
        .chain(
            sent.into_iter()
                .map(|(id, p)| (PayloadTable::Deliveries, id, p)),
        )
        .collect())
}

/// Rewrites one payload read by [`event_payloads`].
pub fn set_event_payload(
    conn: &mut DbConn,
    table: PayloadTable,
    id: &str,
    payload: &str,
) -> QueryResult<()> {
    match table {
        PayloadTable::OutboxEvents => {
            diesel::update(outbox_events::table.filter(outbox_events::id.eq(id)))
                .set(outbox_events::payload.eq(payload))
                .execute(conn)?;
        }
        PayloadTable::Deliveries => {
            diesel::update(deliveries::table.filter(deliveries::id.eq(id)))
                .set(deliveries::payload.eq(payload))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The devices linked to a customer, oldest link first.
pub fn devices_of(
    conn: &mut DbConn,
    org_id: &str,
    customer_id: &str,
) -> QueryResult<Vec<super::DeviceLink>> {
    device_links::table
        .filter(device_links::org_id.eq(org_id))
        .filter(device_links::customer_id.eq(customer_id))
        .order(device_links::linked_at.asc())
        .select(super::DeviceLink::as_select())
        .load(conn)
}

/// The financing applications of a customer, oldest first.
pub fn applications_of(
    conn: &mut DbConn,
    org_id: &str,
    customer_id: &str,
) -> QueryResult<Vec<super::FinancingApplication>> {
    financing_applications::table
        .filter(financing_applications::org_id.eq(org_id))
        .filter(financing_applications::customer_id.eq(customer_id))
        .order(financing_applications::id.asc())
        .select(super::FinancingApplication::as_select())
        .load(conn)
}

/// Every attachment of these owners that is not deleted yet (stored or still pending).
pub fn live_attachments_of(
    conn: &mut DbConn,
    org_id: &str,
    owner_type: &str,
    owner_ids: &[String],
) -> QueryResult<Vec<super::Attachment>> {
    attachments::table
        .filter(attachments::org_id.eq(org_id))
        .filter(attachments::owner_type.eq(owner_type))
        .filter(attachments::owner_id.eq_any(owner_ids))
        .filter(attachments::status.eq(super::AttachmentStatus::Stored.as_str()))
        .order(attachments::id.asc())
        .select(super::Attachment::as_select())
        .load(conn)
}
