//! Deals (opportunities), their stage moves, documents, collaborators and comments, and lost
//! requests (战败申请) of leads and deals (issue 10).

use diesel::prelude::*;

use crate::DbConn;
use crate::schema::{
    deal_collaborators, deal_comments, deal_documents, deal_stage_changes, deals, lost_requests,
};

/// One customer's way to a purchase. `stage` is the domain's `DealStage`; `payment` its
/// `PaymentMethod`; `lead_id` the lead it was opened from; `note` free text (cleared when the
/// customer is erased).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = deals, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct Deal {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub owner_id: Option<String>,
    pub title: String,
    pub stage: String,
    pub payment: Option<String>,
    pub amount_cents: Option<i64>,
    /// `YYYY-MM-DD`.
    pub expected_close_date: Option<String>,
    pub vehicle_id: Option<String>,
    pub note: Option<String>,
    pub lost_reason: Option<String>,
    /// When it was won or lost.
    pub closed_at: Option<chrono::NaiveDateTime>,
    pub created_by: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(Deal, deals);

/// Which deals a caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DealScope {
    All,
    /// A store's deals, and those the user collaborates on.
    Store {
        store: String,
        user: String,
    },
    /// The user's own deals, and those they collaborate on.
    Owner(String),
    /// Only the deals the user collaborates on (finance).
    Collaborator(String),
    Nothing,
}

/// Which deals a board shows, by id.
#[derive(Debug, Clone)]
pub struct DealFilter {
    pub scope: DealScope,
    pub stage: Option<String>,
    pub owner_id: Option<String>,
    pub store_id: Option<String>,
    pub customer_id: Option<String>,
    pub lead_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl Deal {
    pub fn list(conn: &mut DbConn, org_id: &str, filter: &DealFilter) -> QueryResult<Vec<Self>> {
        let mut query = deals::table
            .filter(deals::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        let collaborating = |user: &str| {
            deal_collaborators::table
                .filter(deal_collaborators::org_id.eq(org_id.to_owned()))
                .filter(deal_collaborators::user_id.eq(user.to_owned()))
                .select(deal_collaborators::deal_id)
        };
        match &filter.scope {
            DealScope::All => {}
            DealScope::Store { store, user } => {
                query = query.filter(
                    deals::store_id
                        .eq(store.clone())
                        .or(deals::id.eq_any(collaborating(user))),
                )
            }
            DealScope::Owner(user) => {
                query = query.filter(
                    deals::owner_id
                        .eq(user.clone())
                        .or(deals::id.eq_any(collaborating(user))),
                )
            }
            DealScope::Collaborator(user) => {
                query = query.filter(deals::id.eq_any(collaborating(user)))
            }
            DealScope::Nothing => return Ok(Vec::new()),
        }
        if let Some(stage) = &filter.stage {
            query = query.filter(deals::stage.eq(stage.clone()));
        }
        if let Some(owner) = &filter.owner_id {
            query = query.filter(deals::owner_id.eq(owner.clone()));
        }
        if let Some(store) = &filter.store_id {
            query = query.filter(deals::store_id.eq(store.clone()));
        }
        if let Some(customer) = &filter.customer_id {
            query = query.filter(deals::customer_id.eq(customer.clone()));
        }
        if let Some(lead) = &filter.lead_id {
            query = query.filter(deals::lead_id.eq(lead.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(deals::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(deals::id.asc()), filter.limit)
    }
}

/// One stage move of a deal. Never changed once written.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deal_stage_changes, treat_none_as_default_value = false)]
pub struct DealStageChange {
    pub id: String,
    pub org_id: String,
    pub deal_id: String,
    /// `None` for the stage it was opened in.
    pub from_stage: Option<String>,
    pub to_stage: String,
    /// JSON object: document kind → the reason it was waived.
    pub waivers: Option<String>,
    pub actor: String,
    pub created_at: chrono::NaiveDateTime,
}

impl DealStageChange {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(deal_stage_changes::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// The deal's moves, oldest first.
    pub fn of_deal(conn: &mut DbConn, org_id: &str, deal_id: &str) -> QueryResult<Vec<Self>> {
        deal_stage_changes::table
            .filter(deal_stage_changes::org_id.eq(org_id))
            .filter(deal_stage_changes::deal_id.eq(deal_id))
            .order(deal_stage_changes::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}

/// An attachment of a deal and the kind of document it is.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deal_documents, treat_none_as_default_value = false)]
pub struct DealDocument {
    pub id: String,
    pub org_id: String,
    pub deal_id: String,
    pub attachment_id: String,
    /// The domain's `sales::deals::AttachmentKind`.
    pub kind: String,
    pub added_by: String,
    pub created_at: chrono::NaiveDateTime,
}

impl DealDocument {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(deal_documents::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    /// The deal's documents, oldest first.
    pub fn of_deal(conn: &mut DbConn, org_id: &str, deal_id: &str) -> QueryResult<Vec<Self>> {
        deal_documents::table
            .filter(deal_documents::org_id.eq(org_id))
            .filter(deal_documents::deal_id.eq(deal_id))
            .order(deal_documents::id.asc())
            .select(Self::as_select())
            .load(conn)
    }
}

/// A colleague invited to a deal (专家会诊).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deal_collaborators, treat_none_as_default_value = false)]
pub struct DealCollaborator {
    pub id: String,
    pub org_id: String,
    pub deal_id: String,
    pub user_id: String,
    pub role_note: Option<String>,
    pub added_by: String,
    pub created_at: chrono::NaiveDateTime,
}

impl DealCollaborator {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(deal_collaborators::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn of_deal(conn: &mut DbConn, org_id: &str, deal_id: &str) -> QueryResult<Vec<Self>> {
        deal_collaborators::table
            .filter(deal_collaborators::org_id.eq(org_id))
            .filter(deal_collaborators::deal_id.eq(deal_id))
            .order(deal_collaborators::id.asc())
            .select(Self::as_select())
            .load(conn)
    }

    pub fn exists(
        conn: &mut DbConn,
        org_id: &str,
        deal_id: &str,
        user_id: &str,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            deal_collaborators::table
                .filter(deal_collaborators::org_id.eq(org_id))
                .filter(deal_collaborators::deal_id.eq(deal_id))
                .filter(deal_collaborators::user_id.eq(user_id)),
        ))
        .get_result(conn)
    }
}

/// A comment on a deal, with the users it mentions (JSON array of ids).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deal_comments, treat_none_as_default_value = false)]
pub struct DealComment {
    pub id: String,
    pub org_id: String,
    pub deal_id: String,
    pub author_id: String,
    /// Free text (cleared when the customer is erased).
    pub body: Option<String>,
    pub mentions: String,
    pub created_at: chrono::NaiveDateTime,
}

impl DealComment {
    pub fn insert(&self, conn: &mut DbConn) -> QueryResult<()> {
        diesel::insert_into(deal_comments::table)
            .values(self)
            .execute(conn)
            .map(drop)
    }

    pub fn of_deal(
        conn: &mut DbConn,
        org_id: &str,
        deal_id: &str,
        after_id: Option<&str>,
        limit: i64,
    ) -> QueryResult<Vec<Self>> {
        let mut query = deal_comments::table
            .filter(deal_comments::org_id.eq(org_id))
            .filter(deal_comments::deal_id.eq(deal_id))
            .select(Self::as_select())
            .into_boxed();
        if let Some(after) = after_id {
            query = query.filter(deal_comments::id.gt(after.to_owned()));
        }
        crate::db::first_rows(conn, query.order(deal_comments::id.asc()), limit)
    }
}

/// A request to mark a lead or a deal lost (战败), and its decision. `status` is the domain's
/// `LostRequestStatus`; `note` and `decision_note` are free text (cleared on erasure).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = lost_requests, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct LostRequestRow {
    pub id: String,
    pub org_id: String,
    pub store_id: Option<String>,
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub reason: String,
    pub note: Option<String>,
    pub status: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub decision_note: Option<String>,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

super::record::versioned_record!(LostRequestRow, lost_requests);

/// Which lost requests a queue shows, by id.
#[derive(Debug, Clone, Default)]
pub struct LostRequestFilter {
    /// `None`: every store; `Some(None)`: requests without a store.
    pub store_id: Option<Option<String>>,
    /// Only the requests this user made.
    pub requested_by: Option<String>,
    pub status: Option<String>,
    pub lead_id: Option<String>,
    pub deal_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl LostRequestRow {
    pub fn list(
        conn: &mut DbConn,
        org_id: &str,
        filter: &LostRequestFilter,
    ) -> QueryResult<Vec<Self>> {
        let mut query = lost_requests::table
            .filter(lost_requests::org_id.eq(org_id))
            .select(Self::as_select())
            .into_boxed();
        match &filter.store_id {
            None => {}
            Some(Some(store)) => query = query.filter(lost_requests::store_id.eq(store.clone())),
            Some(None) => query = query.filter(lost_requests::store_id.is_null()),
        }
        if let Some(user) = &filter.requested_by {
            query = query.filter(lost_requests::requested_by.eq(user.clone()));
        }
        if let Some(status) = &filter.status {
            query = query.filter(lost_requests::status.eq(status.clone()));
        }
        if let Some(lead) = &filter.lead_id {
            query = query.filter(lost_requests::lead_id.eq(lead.clone()));
        }
        if let Some(deal) = &filter.deal_id {
            query = query.filter(lost_requests::deal_id.eq(deal.clone()));
        }
        if let Some(after) = &filter.after_id {
            query = query.filter(lost_requests::id.gt(after.clone()));
        }
        crate::db::first_rows(conn, query.order(lost_requests::id.asc()), filter.limit)
    }
}
