//! What a customer record holds beside its row: the keyed lookups of its personal values,
//! its contact persons and its lifecycle history.

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{customer_contacts, customer_lifecycle_changes, customer_lookups};

autocrm_domain::text_enum! {
    /// What a [`CustomerLookup`] indexes.
    pub enum LookupKind {
        /// Every phone of the customer (primary and others), E.164.
        Phone = "phone",
        /// The last four digits of every phone, under their own derived key.
        PhoneLast4 = "phone_last4",
        /// The resident ID number and other identity documents (type and number).
        IdNumber = "id_number",
        /// WeChat openid and unionid.
        Wechat = "wechat",
    }
}

/// One keyed blind index of one personal value of a customer: exact lookups and duplicate
/// checks without decrypting, and without plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_lookups, treat_none_as_default_value = false)]
pub struct CustomerLookup {
    pub org_id: String,
    pub kind: String,
    pub blind_index: String,
    pub customer_id: String,
}

impl CustomerLookup {
    /// Inserts the lookups of many new customers in multi-row statements.
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, customer_lookups::table, rows)
    }

    /// Replaces every lookup of a customer with these.
    pub fn replace_for(
        conn: &mut DbConn,
        customer_id: &str,
        lookups: &[CustomerLookup],
    ) -> QueryResult<()> {
        diesel::delete(
            customer_lookups::table.filter(customer_lookups::customer_id.eq(customer_id)),
        )
        .execute(conn)?;
        for lookup in lookups {
            diesel::insert_into(customer_lookups::table)
                .values(lookup)
                .execute(conn)?;
        }
        Ok(())
    }

    /// The lookups of one customer.
    pub fn of_customer(conn: &mut DbConn, customer_id: &str) -> QueryResult<Vec<Self>> {
        customer_lookups::table
            .filter(customer_lookups::customer_id.eq(customer_id))
            .select(Self::as_select())
            .load(conn)
    }

    /// The lookups of the organisation's customers that have one of these indexes of a kind
    /// (other customers than `except`), at most `limit`.
    /// The entries of any of these kinds with any of these indexes (batch intake's match:
    /// several leads' phones and WeChat ids in one statement).
    pub fn matching_any(
        conn: &mut DbConn,
        org_id: &str,
        kinds: &[LookupKind],
        indexes: &[String],
    ) -> QueryResult<Vec<Self>> {
        if indexes.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        customer_lookups::table
            .filter(customer_lookups::org_id.eq(org_id))
            .filter(customer_lookups::kind.eq_any(kinds))
            .filter(customer_lookups::blind_index.eq_any(indexes))
            .select(Self::as_select())
            .load(conn)
    }

    pub fn matching(
        conn: &mut DbConn,
        org_id: &str,
        kind: LookupKind,
        indexes: &[String],
        except: &str,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        customer_lookups::table
            .filter(customer_lookups::org_id.eq(org_id))
            .filter(customer_lookups::kind.eq(kind.as_str()))
            .filter(customer_lookups::blind_index.eq_any(indexes))
            .filter(customer_lookups::customer_id.ne(except))
            .select(Self::as_select())
            .limit(limit)
            .load(conn)
    }
}

/// A contact person of a (business) customer. Phones are a ciphertext of their JSON list.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_contacts, treat_none_as_default_value = false)]
pub struct CustomerContact {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    pub ordinal: i32,
    pub name: String,
    pub role: Option<String>,
    pub phones_ciphertext: Option<String>,
    pub phones_masked: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

impl CustomerContact {
    /// A customer's contacts, in their order.
    pub fn of_customer(conn: &mut DbConn, customer_id: &str) -> QueryResult<Vec<Self>> {
        customer_contacts::table
            .filter(customer_contacts::customer_id.eq(customer_id))
            .order(customer_contacts::ordinal.asc())
            .select(Self::as_select())
            .load(conn)
    }

    /// Replaces a customer's contacts with these.
    pub fn replace_for(
        conn: &mut DbConn,
        customer_id: &str,
        contacts: &[CustomerContact],
    ) -> QueryResult<()> {
        diesel::delete(
            customer_contacts::table.filter(customer_contacts::customer_id.eq(customer_id)),
        )
        .execute(conn)?;
        for contact in contacts {
            diesel::insert_into(customer_contacts::table)
                .values(contact)
                .execute(conn)?;
        }
        Ok(())
    }

    /// Rewrites the phones of one contact (key rotation).
    pub fn set_phones(
        conn: &mut DbConn,
        id: &str,
        phones_ciphertext: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(customer_contacts::table.filter(customer_contacts::id.eq(id)))
            .set(customer_contacts::phones_ciphertext.eq(phones_ciphertext))
            .execute(conn)
            .map(drop)
    }
}

/// A lifecycle stage a customer entered, and when.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_lifecycle_changes, treat_none_as_default_value = false)]
pub struct LifecycleChangeRow {
    pub id: String,
    pub org_id: String,
    pub customer_id: String,
    /// `None` for the stage the record was created at.
    pub from_stage: Option<String>,
    pub to_stage: String,
    /// The domain's name for the move (`converted`, `lost`, ...); `None` at creation.
    pub change_reason: Option<String>,
    pub actor_id: Option<String>,
    pub changed_at: chrono::NaiveDateTime,
}

impl LifecycleChangeRow {
    pub fn insert_many(conn: &mut DbConn, rows: &[Self]) -> QueryResult<usize> {
        crate::insert_batch!(conn, customer_lifecycle_changes::table, rows)
    }

    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(customer_lifecycle_changes::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// A customer's stages, oldest first.
    pub fn of_customer(conn: &mut DbConn, customer_id: &str) -> QueryResult<Vec<Self>> {
        customer_lifecycle_changes::table
            .filter(customer_lifecycle_changes::customer_id.eq(customer_id))
            .order((
                customer_lifecycle_changes::changed_at.asc(),
                customer_lifecycle_changes::id.asc(),
            ))
            .select(Self::as_select())
            .load(conn)
    }
}

/// How many times a person did `action` (a reveal) since `since`, from the audit log: the
/// count every node sees, so that a daily cap holds across nodes.
pub fn reveals_since(
    conn: &mut DbConn,
    org_id: &str,
    actor_id: &str,
    action: &str,
    since: chrono::NaiveDateTime,
) -> QueryResult<i64> {
    use crate::schema::audit_log;
    audit_log::table
        .filter(audit_log::org_id.eq(org_id))
        .filter(audit_log::actor_id.eq(actor_id))
        .filter(audit_log::action.eq(action))
        .filter(audit_log::created_at.ge(since))
        .count()
        .get_result(conn)
}
