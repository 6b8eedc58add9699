//! The context a use case runs in: one connection inside one transaction, the actor, the
//! request it serves, the time, the personal-data cipher. Audit lines and outbox events are
//! written through it, so each change is audited with its request by construction. They are
//! kept until the use case returns and then written in multi-row statements, inside its
//! transaction: a lead intake records six, a batch of 500 leads thousands, and one statement
//! per line was a large part of their cost.

use autocrm_domain::access::{Principal, PrincipalKind};
use autocrm_domain::time::TimeZone;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{
    AuditEntry, NotificationRow, Organization, OutboxEvent, Subject,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::error::{ServiceError, ServiceResult};
use crate::pii::PiiCipher;

/// Who acts: a verified principal, the system itself (a job, an importer), or nobody yet
/// (signing in).
#[derive(Debug, Clone)]
pub enum Actor {
    Principal(std::sync::Arc<Principal>),
    System { org_id: String, name: &'static str },
    Anonymous,
}

impl Actor {
    /// The organisation acted in; empty for an anonymous caller, who reaches no
    /// organisation's records through the context.
    pub fn org_id(&self) -> &str {
        match self {
            Actor::Principal(p) => &p.org_id,
            Actor::System { org_id, .. } => org_id,
            Actor::Anonymous => "",
        }
    }
}

/// What the request carries beside identity, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    /// The request's `Idempotency-Key`: a retry finds the change it made by it.
    pub idempotency_key: Option<String>,
}

/// A change worth an audit line, and, when integrators care, an outbox event of the same
/// name about the same record.
#[derive(Debug)]
pub struct Change {
    action: &'static str,
    entity_type: &'static str,
    entity_id: String,
    detail: serde_json::Value,
    /// The catalogued type of the payload, and the payload.
    event: Option<(&'static str, serde_json::Value)>,
}

impl Change {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: &str) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_owned(),
            detail: serde_json::Value::Object(Default::default()),
            event: None,
        }
    }

    /// What the audit line says beyond the action (never a clear personal value).
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// Also publish an event named after the action, with this payload: only catalogued
    /// payloads (`crate::events::catalogue`) can be published, and only under their own type.
    pub fn event<E: crate::events::Event>(mut self, data: E) -> Self {
        let value = serde_json::to_value(&data).unwrap_or(serde_json::Value::Null);
        self.event = Some((E::TYPE, value));
        self
    }
}

pub struct Ctx<'a> {
    pub conn: &'a mut DbConn,
    actor: &'a Actor,
    request: &'a RequestMeta,
    pii: &'a PiiCipher,
    now: DateTime<Utc>,
    time_zone: Option<TimeZone>,
    principal_verified: bool,
    /// The organisation's settings, read once per unit of work (intake reads four sections).
    settings: Option<autocrm_domain::organization::OrganizationSettings>,
    /// Notification recipients' `(active, channel preferences)` (`None`: no such user), read
    /// once per unit of work (a batch of leads notifies a few consultants hundreds of times).
    recipients: std::collections::HashMap<String, Option<(bool, Option<String>)>>,
    /// Audit lines and outbox events recorded and not yet written (see [`Ctx::flush`]).
    audit: Vec<AuditEntry>,
    events: Vec<OutboxEvent>,
    /// In-app notifications raised and not yet written; their positions are taken at the end
    /// (see [`Ctx::flush`]), so the recipients' counter rows are locked only until the commit
    /// that follows, not for the whole use case.
    notifications: Vec<NotificationRow>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        conn: &'a mut DbConn,
        actor: &'a Actor,
        request: &'a RequestMeta,
        pii: &'a PiiCipher,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            conn,
            actor,
            request,
            pii,
            now,
            time_zone: None,
            principal_verified: !matches!(actor, Actor::Principal(_)),
            settings: None,
            recipients: std::collections::HashMap::new(),
            audit: Vec::new(),
            events: Vec::new(),
            notifications: Vec::new(),
        }
    }

    /// The time of this unit of work: every row it writes shares it.
    pub fn now(&self) -> NaiveDateTime {
        self.now.naive_utc()
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// Who acts, as a row records it: the principal's id, or `system:<job>`.
    pub fn actor_id(&self) -> String {
        match self.actor {
            Actor::Principal(p) => p.id.clone(),
            Actor::System { name, .. } => format!("system:{name}"),
            Actor::Anonymous => "anonymous".to_owned(),
        }
    }

    /// The calling principal; `Forbidden` for the system, which acts for no one.
    pub fn principal(&self) -> ServiceResult<&'a Principal> {
        match self.actor {
            Actor::Principal(p) => Ok(p),
            Actor::System { .. } | Actor::Anonymous => Err(ServiceError::Forbidden),
        }
    }

    pub fn org_id(&self) -> &'a str {
        self.actor.org_id()
    }

    pub fn pii(&self) -> &'a PiiCipher {
        self.pii
    }

    pub fn request(&self) -> &'a RequestMeta {
        self.request
    }

    /// Checks the principal against the database once per unit of work (see `App`).
    pub(super) fn verify_principal(&mut self) -> ServiceResult<()> {
        if self.principal_verified {
            return Ok(());
        }
        if let Actor::Principal(principal) = self.actor {
            self.time_zone = Some(super::verify_principal(self.conn, principal)?);
        }
        self.principal_verified = true;
        Ok(())
    }

    /// The caller as the database must still know them, while that is not yet checked in
    /// this unit of work: a read may fold the check into its own statement.
    pub(super) fn unchecked_subject(&self) -> Option<Subject<'a>> {
        match self.actor {
            Actor::Principal(p) if !self.principal_verified => match p.kind {
                PrincipalKind::User => Some(Subject::User {
                    id: &p.id,
                    role: p.role.as_str(),
                    store_id: p.store_id.as_deref(),
                }),
                PrincipalKind::ApiClient => Some(Subject::ApiClient { id: &p.id }),
                // Checked on its own statement (`verify_principal`).
                PrincipalKind::Customer => None,
            },
            _ => None,
        }
    }

    /// For a statement that answered the principal check along with its own question.
    pub(super) fn principal_checked(&mut self) {
        self.principal_verified = true;
    }

    /// The organisation's time zone (read once per unit of work).
    pub fn time_zone(&mut self) -> ServiceResult<TimeZone> {
        if let Some(zone) = self.time_zone {
            return Ok(zone);
        }
        let org = Organization::find(self.conn, self.org_id())?.ok_or(ServiceError::NotFound)?;
        let zone = TimeZone::parse(&org.time_zone).unwrap_or_default();
        self.time_zone = Some(zone);
        Ok(zone)
    }

    /// Today in the organisation's time zone, not in UTC.
    pub fn today(&mut self) -> ServiceResult<NaiveDate> {
        let zone = self.time_zone()?;
        Ok(zone.date_of(self.now))
    }

    /// Runs `f` in a savepoint of this unit of work: its writes (audit and events included)
    /// stand or fall together, and a failure leaves the rest of the unit of work going on.
    /// For batches that answer a result per item.
    pub fn savepoint<T>(
        &mut self,
        f: impl FnOnce(&mut Ctx<'a>) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        use diesel::connection::{Connection, TransactionManager};
        type Manager = <autocrm_persistence::DbConn as Connection>::TransactionManager;
        Manager::begin_transaction(self.conn)?;
        let recorded = (
            self.audit.len(),
            self.events.len(),
            self.notifications.len(),
        );
        let outcome = match f(self) {
            Ok(value) => Manager::commit_transaction(self.conn)
                .map(|()| value)
                .map_err(ServiceError::from),
            Err(err) => Manager::rollback_transaction(self.conn)
                .map_err(ServiceError::from)
                .and(Err(err)),
        };
        if outcome.is_err() {
            // What the savepoint recorded falls with it; so may a settings change.
            self.audit.truncate(recorded.0);
            self.events.truncate(recorded.1);
            self.notifications.truncate(recorded.2);
            self.settings = None;
        }
        outcome
    }

    /// The organisation's settings as this unit of work last read or wrote them.
    pub(crate) fn cached_settings(
        &self,
    ) -> Option<&autocrm_domain::organization::OrganizationSettings> {
        self.settings.as_ref()
    }

    pub(crate) fn cache_settings(
        &mut self,
        settings: Option<autocrm_domain::organization::OrganizationSettings>,
    ) {
        self.settings = settings;
    }

    /// A notification recipient as this unit of work read them (`None`: not read yet).
    pub(crate) fn cached_recipient(
        &self,
        user_id: &str,
    ) -> Option<&Option<(bool, Option<String>)>> {
        self.recipients.get(user_id)
    }

    pub(crate) fn cache_recipient(
        &mut self,
        user_id: &str,
        recipient: Option<(bool, Option<String>)>,
    ) {
        self.recipients.insert(user_id.to_owned(), recipient);
    }

    /// After a change to the user's activity or notification preferences.
    pub(crate) fn forget_recipient(&mut self, user_id: &str) {
        self.recipients.remove(user_id);
    }

    /// Queues an in-app notification of this unit of work (`notifications::notify` does);
    /// its position is set when it is written.
    pub(crate) fn queue_notification(&mut self, row: NotificationRow) {
        self.notifications.push(row);
    }

    /// Writes the recorded audit lines and events, in the order recorded, then the queued
    /// notifications. The unit of work calls it when the use case returns; nothing else
    /// needs to.
    pub(super) fn flush(&mut self) -> ServiceResult<()> {
        if !self.audit.is_empty() {
            AuditEntry::insert_many(self.conn, &std::mem::take(&mut self.audit))?;
        }
        if !self.events.is_empty() {
            let started = std::time::Instant::now();
            let events = std::mem::take(&mut self.events);
            OutboxEvent::insert_many(self.conn, &events)?;
            crate::events::WRITE_COST.add(started.elapsed(), events.len());
        }
        if !self.notifications.is_empty() {
            let mut rows = std::mem::take(&mut self.notifications);
            // Counter rows are locked in recipient order, so that two units of work that
            // notify the same people never wait on each other in a circle; each recipient's
            // notifications keep the order they were raised in.
            rows.sort_by(|a, b| a.user_id.cmp(&b.user_id));
            for group in rows.chunk_by_mut(|a, b| a.user_id == b.user_id) {
                let count = i64::try_from(group.len()).map_err(ServiceError::internal)?;
                let last = NotificationRow::take_positions(self.conn, &group[0].user_id, count)?;
                for (row, position) in group.iter_mut().zip(last - count + 1..) {
                    row.position = position;
                }
            }
            NotificationRow::insert_many(self.conn, &rows)?;
        }
        Ok(())
    }

    /// Records the audit line of `change`, and its outbox event when it has one, for this
    /// transaction: they are written when the use case returns, and commit or roll back with
    /// the change itself.
    pub fn record(&mut self, change: Change) -> ServiceResult<()> {
        let (actor_id, actor_role) = match self.actor {
            Actor::Principal(p) => (Some(p.id.clone()), p.role.as_str().to_owned()),
            Actor::System { name, .. } => (None, format!("system:{name}")),
            Actor::Anonymous => {
                return Err(ServiceError::internal(
                    "an anonymous change cannot be audited",
                ));
            }
        };
        let at = self.now();
        self.audit.push(AuditEntry {
            id: new_id(),
            org_id: self.org_id().to_owned(),
            actor_id,
            actor_role,
            action: change.action.to_owned(),
            entity_type: change.entity_type.to_owned(),
            entity_id: Some(change.entity_id.clone()),
            detail: change.detail.to_string(),
            request_id: self.request.request_id.clone(),
            created_at: at,
            idempotency_key: self.request.idempotency_key.clone(),
        });
        if let Some((event_type, data)) = change.event {
            if event_type != change.action || !crate::events::is_known(event_type) {
                return Err(ServiceError::internal(format!(
                    "the action {} cannot publish a {event_type} event",
                    change.action
                )));
            }
            let id = new_id();
            let payload =
                crate::events::Envelope::new(id.clone(), event_type, self.now, self.org_id(), data)
                    .to_json();
            self.events.push(OutboxEvent {
                id,
                org_id: self.org_id().to_owned(),
                event_type: change.action.to_owned(),
                aggregate_type: change.entity_type.to_owned(),
                aggregate_id: change.entity_id,
                payload,
                created_at: at,
                published_at: None,
                feed_position: None,
            });
        }
        Ok(())
    }
}
