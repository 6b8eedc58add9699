//! Showroom use cases.
//!
//! Who sees a visit or an invitation: admins, general managers, finance and machine clients
//! every one; a sales manager those of their store; a consultant those they received or
//! sent. The statistics count the rows the caller sees.

use autocrm_domain::access::Role;
use autocrm_domain::contact::Phone;
use autocrm_domain::customer::ActivityKind;
use autocrm_domain::leads::SourceChannel;
use autocrm_domain::notification::NotificationKind;
use autocrm_domain::sales::visits::{
    InvitationCounts, InvitationStatus, PartySize, ShowroomVisit as Visit, VisitError, VisitKind,
    VisitRate, settle_invitation, visit_rate,
};
use autocrm_persistence::db::{lock_row, new_id};
use autocrm_persistence::models::{
    Customer, Lead, LookupKind, ShowroomFilter, ShowroomVisit, Store, StoreVisitInvitation,
    TenantRecord, User,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::activities::service::NewActivity;
use crate::app::{Actor, Change, Ctx, ServiceError, ServiceResult, records};
use crate::customers::personal::indexes_of;
use crate::events::catalogue::{ShowroomVisitRegistered, StoreVisitInvitationSettled};
use crate::leads::intake::service::{Contact, NewLead, StoreRef, intake};
use crate::notifications::service::{Notification, notify};
use crate::tasks::service::{NewTask, TaskKind};

/// A visit up to this many days after the appointment day still counts as showing up.
pub const GRACE_DAYS: u32 = 1;
/// How far ahead of the server's clock a departure or an arrival may be entered.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// A walk-in as the reception entered it.
pub struct NewVisit {
    pub customer_id: Option<String>,
    pub phone: Option<Phone>,
    pub name: Option<String>,
    pub store_id: Option<String>,
    pub consultant_id: Option<String>,
    /// `None`: now.
    pub arrived_at: Option<DateTime<Utc>>,
    pub departed_at: Option<DateTime<Utc>>,
    pub party_size: u8,
    pub invitation_id: Option<String>,
    pub note: Option<String>,
}

/// A departure (and corrections) of a registered visit.
pub struct VisitChanges {
    pub departed_at: Option<DateTime<Utc>>,
    pub party_size: Option<u8>,
    pub note: Option<String>,
}

/// An invitation as a consultant entered it.
pub struct NewInvitation {
    pub customer_id: String,
    pub lead_id: Option<String>,
    pub consultant_id: Option<String>,
    pub store_id: Option<String>,
    pub appointment_at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The outcome of an invitation.
pub struct Outcome {
    pub status: InvitationStatus,
    /// For `rescheduled`: the new appointment, carried by a new invitation.
    pub new_appointment_at: Option<DateTime<Utc>>,
    /// For `showed`: the visit that shows it (a visit of the same customer).
    pub visit_id: Option<String>,
    pub note: Option<String>,
}

/// What registering did.
pub struct Registered {
    pub visit: ShowroomVisit,
    pub customer_created: bool,
    pub lead_created: bool,
}

/// The statistics of a period.
pub struct Stats {
    pub visits: u32,
    pub first_visits: u32,
    pub repeat_visits: u32,
    pub invitations: InvitationCounts,
    pub rate: VisitRate,
}

enum Scope {
    All,
    Store(String),
    Consultant(String),
    Nothing,
}

fn scope(ctx: &Ctx) -> Scope {
    match ctx.actor() {
        Actor::System { .. } => Scope::All,
        Actor::Anonymous => Scope::Nothing,
        Actor::Principal(p) => match p.role {
            Role::Admin | Role::GeneralManager | Role::Finance | Role::Integration => Scope::All,
            Role::SalesManager => match &p.store_id {
                Some(s) => Scope::Store(s.clone()),
                None => Scope::All,
            },
            Role::SalesConsultant => Scope::Consultant(p.id.clone()),
            _ => Scope::Nothing,
        },
    }
}

impl Scope {
    fn admits(&self, store_id: Option<&str>, consultant_id: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Store(s) => store_id == Some(s.as_str()),
            Scope::Consultant(u) => consultant_id == Some(u.as_str()),
            Scope::Nothing => false,
        }
    }

    /// Narrows a filter to the scope; `false` when nothing can match.
    fn narrow(&self, f: &mut ShowroomFilter) -> bool {
        match self {
            Scope::All => true,
            Scope::Store(s) => {
                if f.store_id.as_ref().is_some_and(|x| x != s) {
                    return false;
                }
                f.store_id = Some(s.clone());
                true
            }
            Scope::Consultant(u) => {
                if f.consultant_id.as_ref().is_some_and(|x| x != u) {
                    return false;
                }
                f.consultant_id = Some(u.clone());
                true
            }
            Scope::Nothing => false,
        }
    }
}

fn not_found(field: &'static str) -> impl Fn(ServiceError) -> ServiceError {
    move |e| match e {
        ServiceError::NotFound => ServiceError::invalid(field, "not_found", "not found"),
        e => e,
    }
}

fn visit_problem(e: VisitError) -> ServiceError {
    let (field, code) = match e {
        VisitError::PartySize => ("party_size", "out_of_range"),
        VisitError::ArrivalInFuture => ("arrived_at", "in_future"),
        VisitError::DepartureNotAfterArrival => ("departed_at", "out_of_range"),
    };
    ServiceError::invalid(field, code, e.to_string())
}

fn party(size: u8) -> ServiceResult<PartySize> {
    PartySize::try_from(size).map_err(visit_problem)
}

fn active_user(ctx: &mut Ctx, id: &str, field: &'static str) -> ServiceResult<User> {
    User::find(ctx.conn, ctx.org_id(), id)?
        .filter(|u| u.active)
        .ok_or_else(|| ServiceError::invalid(field, "not_found", "no such active user"))
}

fn active_store(ctx: &mut Ctx, id: &str) -> ServiceResult<String> {
    if Store::find(ctx.conn, ctx.org_id(), id)?.is_some_and(|s| s.active) {
        Ok(id.to_owned())
    } else {
        Err(ServiceError::invalid(
            "store_id",
            "not_found",
            "no such active store",
        ))
    }
}

/// The consultant (the caller by default, when staff) and the store (the one named, else
/// the caller's, else the consultant's). Store staff register in their own store only.
fn who_and_where(
    ctx: &mut Ctx,
    consultant_id: Option<&str>,
    store_id: Option<&str>,
) -> ServiceResult<(Option<User>, Option<String>)> {
    let (caller_id, caller_store, store_staff) = match ctx.actor() {
        Actor::Principal(p) => (
            Some(p.id.clone()),
            p.store_id.clone(),
            matches!(p.role, Role::SalesConsultant | Role::SalesManager),
        ),
        _ => (None, None, false),
    };
    let consultant = match consultant_id.map(str::to_owned).or(caller_id) {
        Some(id) => Some(active_user(ctx, &id, "consultant_id")?),
        None => None,
    };
    let store = match store_id {
        Some(s) => Some(active_store(ctx, s)?),
        None => caller_store
            .clone()
            .or_else(|| consultant.as_ref().and_then(|c| c.store_id.clone())),
    };
    if store_staff && caller_store.is_some() && store != caller_store {
        return Err(ServiceError::Forbidden);
    }
    Ok((consultant, store))
}

/// The live customer with this phone (any of their phones, by blind index).
fn customer_by_phone(ctx: &mut Ctx, phone: &Phone) -> ServiceResult<Option<Customer>> {
    let indexes = indexes_of(ctx.pii(), LookupKind::Phone, phone.as_str());
    Ok(Customer::find_by_phone(ctx.conn, ctx.org_id(), &indexes)?
        .filter(|c| c.status == "active" || c.status == "archived"))
}

fn walk_in_lead(
    ctx: &mut Ctx,
    phone: &Phone,
    name: Option<String>,
    store: Option<String>,
    note: Option<String>,
) -> ServiceResult<crate::leads::intake::service::Intaken> {
    intake(
        ctx,
        NewLead {
            source: SourceChannel::parse("walk_in").map_err(ServiceError::internal)?,
            source_lead_id: None,
            store: store.map_or(StoreRef::None, StoreRef::Id),
            contact: Contact {
                name,
                phone: Some(phone.clone()),
                ..Contact::default()
            },
            needs: Default::default(),
            campaign_id: None,
            utm: None,
            referrer: None,
            note,
            raw: None,
        },
    )
}

/// Registers a walk-in. The customer is the one named by id (a customer the caller sees),
/// else the live customer with the phone, else a new prospect with a `walk_in` lead (through
/// the lead intake, in this unit of work). An existing customer's newest open lead is
/// linked; one without an open lead gets a new `walk_in` lead when the phone is known. First
/// or repeat visit from the customer's earlier visits (the customer's row is locked, so two
/// registrations at once count each other). Settles the invitation named, or the
/// customer's scheduled invitation due around the visit, as showed. Records a `store_visit`
/// activity when the caller sees the customer (scoring and behaviour triggers read it).
/// Emits `showroom.visit_registered` (and `store_visit_invitation.settled`).
pub fn register(ctx: &mut Ctx, new: NewVisit) -> ServiceResult<Registered> {
    let now = ctx.now_utc();
    let arrived_at = new.arrived_at.unwrap_or(now);
    let size = party(new.party_size)?;
    // The visit's own rules first: nothing is written for a visit that cannot be.
    Visit::register(arrived_at, new.departed_at, size, 0, now).map_err(visit_problem)?;
    if new.customer_id.is_none() && new.phone.is_none() {
        return Err(ServiceError::invalid(
            "customer_id",
            "required",
            "name the customer by id, or give the walk-in's phone",
        ));
    }
    let (consultant, store_id) =
        who_and_where(ctx, new.consultant_id.as_deref(), new.store_id.as_deref())?;
    let existing = match (&new.customer_id, &new.phone) {
        (Some(id), _) => Some(
            crate::customers::service::find_visible(ctx, id).map_err(not_found("customer_id"))?,
        ),
        (None, Some(phone)) => customer_by_phone(ctx, phone)?,
        (None, None) => None,
    };
    let invitation = match &new.invitation_id {
        Some(id) => {
            let inv = find_invitation(ctx, id).map_err(not_found("invitation_id"))?;
            if existing.as_ref().is_none_or(|c| c.id != inv.customer_id) {
                return Err(ServiceError::invalid(
                    "invitation_id",
                    "not_found",
                    "no such invitation of this customer",
                ));
            }
            Some(inv)
        }
        None => None,
    };
    let (customer_id, lead_id, customer_created, lead_created) = match existing {
        Some(customer) => {
            lock_row(ctx.conn, Customer::TABLE, &customer.id)?;
            match crate::leads::triggers::service::working_lead(ctx, &customer.id)? {
                Some(lead) => (customer.id, Some(lead.id), false, false),
                None => match &new.phone {
                    Some(phone) => {
                        let taken =
                            walk_in_lead(ctx, phone, new.name.clone(), store_id.clone(), None)?;
                        (customer.id, Some(taken.lead.id), false, true)
                    }
                    None => (customer.id, None, false, false),
                },
            }
        }
        None => {
            let phone = new.phone.as_ref().ok_or(ServiceError::Internal)?;
            let taken = walk_in_lead(
                ctx,
                phone,
                new.name.clone(),
                store_id.clone(),
                Some("展厅到店登记".to_owned()),
            )?;
            (
                taken.lead.customer_id.clone(),
                Some(taken.lead.id),
                taken.customer_created,
                true,
            )
        }
    };
    let previous = ShowroomVisit::count_of_customer(ctx.conn, ctx.org_id(), &customer_id)?;
    let visit = Visit::register(
        arrived_at,
        new.departed_at,
        size,
        u32::try_from(previous).unwrap_or(u32::MAX),
        now,
    )
    .map_err(visit_problem)?;
    let zone = ctx.time_zone()?;
    let today = ctx.today()?;
    let visit_day = zone.date_of(arrived_at);
    let settles = match invitation {
        Some(inv) => {
            status_of(&inv)?
                .transition(InvitationStatus::Showed)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            Some(inv)
        }
        None => StoreVisitInvitation::scheduled_of_customer(ctx.conn, ctx.org_id(), &customer_id)?
            .into_iter()
            .find(|inv| {
                settle_invitation(
                    zone.date_of(inv.created_at.and_utc()),
                    zone.date_of(inv.appointment_at.and_utc()),
                    &[visit_day],
                    today,
                    GRACE_DAYS,
                ) == InvitationStatus::Showed
            }),
    };
    let at = ctx.now();
    let row = ShowroomVisit {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        customer_id: customer_id.clone(),
        lead_id,
        consultant_id: consultant.map(|c| c.id),
        arrived_at: arrived_at.naive_utc(),
        departed_at: new.departed_at.map(|t| t.naive_utc()),
        party_size: i32::from(u8::from(visit.party_size)),
        kind: visit.kind.as_str().to_owned(),
        invitation_id: settles.as_ref().map(|i| i.id.clone()),
        note: new.note,
        registered_by: ctx.actor_id(),
        version: 1,
        created_at: at,
        updated_at: at,
    };
    row.insert(ctx.conn)?;
    ctx.record(
        Change::new("showroom.visit_registered", "showroom_visit", &row.id)
            .detail(serde_json::json!({
                "customer_id": row.customer_id, "kind": row.kind,
                "customer_created": customer_created, "lead_created": lead_created,
            }))
            .event(ShowroomVisitRegistered {
                visit_id: row.id.clone(),
                customer_id: row.customer_id.clone(),
                lead_id: row.lead_id.clone(),
                store_id: row.store_id.clone(),
                consultant_id: row.consultant_id.clone(),
                arrived_at,
                party_size: row.party_size,
                kind: row.kind.clone(),
                customer_created,
                invitation_id: row.invitation_id.clone(),
            }),
    )?;
    if let Some(inv) = settles {
        settle(
            ctx,
            &inv.id,
            InvitationStatus::Showed,
            Some(row.id.clone()),
            None,
        )?;
    }
    // The visit is engagement: as an activity, scoring and the behaviour triggers read it.
    if crate::customers::service::find_visible(ctx, &customer_id).is_ok() {
        crate::activities::service::create(
            ctx,
            &customer_id,
            NewActivity {
                kind: ActivityKind::StoreVisit,
                outcome: None,
                occurred_at: Some(arrived_at.naive_utc()),
                next_follow_up_at: None,
                content: Some(format!(
                    "展厅到店（{}人，{}）",
                    row.party_size,
                    kind_label(visit.kind)
                )),
                attachment_ids: Vec::new(),
            },
        )?;
    }
    Ok(Registered {
        visit: row,
        customer_created,
        lead_created,
    })
}

fn kind_label(kind: VisitKind) -> &'static str {
    match kind {
        VisitKind::FirstVisit => "首次到店",
        VisitKind::RepeatVisit => "再次到店",
    }
}

/// A visit the caller sees; `NotFound` otherwise.
pub fn find_visit(ctx: &mut Ctx, id: &str) -> ServiceResult<ShowroomVisit> {
    let scope = scope(ctx);
    records::find(ctx, id, |v: &ShowroomVisit| {
        scope.admits(v.store_id.as_deref(), v.consultant_id.as_deref())
    })
}

/// Records the departure (and corrects the party size or note) of a visit the caller sees.
/// The departure is after the arrival and not in the future (422). Audited
/// `showroom.visit_updated`.
pub fn update_visit(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: VisitChanges,
) -> ServiceResult<ShowroomVisit> {
    let now = ctx.now_utc();
    if changes
        .departed_at
        .is_some_and(|t| t > now + TimeDelta::minutes(CLOCK_SKEW_MINUTES))
    {
        return Err(ServiceError::invalid(
            "departed_at",
            "in_future",
            "the departure cannot be in the future",
        ));
    }
    let size = changes.party_size.map(party).transpose()?;
    let scope = scope(ctx);
    let visit = records::update(
        ctx,
        id,
        expected,
        |v: &ShowroomVisit| scope.admits(v.store_id.as_deref(), v.consultant_id.as_deref()),
        |_, v| {
            let departed = changes.departed_at.or(v.departed_at.map(|t| t.and_utc()));
            let size = match size {
                Some(s) => s,
                None => party(u8::try_from(v.party_size).unwrap_or(0))?,
            };
            let arrived = v.arrived_at.and_utc();
            Visit::register(arrived, departed, size, 0, arrived).map_err(visit_problem)?;
            v.departed_at = departed.map(|t| t.naive_utc());
            v.party_size = i32::from(u8::from(size));
            if let Some(note) = changes.note {
                v.note = Some(note);
            }
            Ok(())
        },
    )?;
    ctx.record(
        Change::new("showroom.visit_updated", "showroom_visit", &visit.id).detail(
            serde_json::json!({
                "departed_at": visit.departed_at.map(|t| t.and_utc()),
                "party_size": visit.party_size,
            }),
        ),
    )?;
    Ok(visit)
}

/// The visits the caller sees under the filter, by id.
pub fn list_visits(ctx: &mut Ctx, mut filter: ShowroomFilter) -> ServiceResult<Vec<ShowroomVisit>> {
    if !scope(ctx).narrow(&mut filter) {
        return Ok(Vec::new());
    }
    Ok(ShowroomVisit::list(ctx.conn, ctx.org_id(), &filter)?)
}

fn status_of(inv: &StoreVisitInvitation) -> ServiceResult<InvitationStatus> {
    inv.status.parse().map_err(ServiceError::internal)
}

/// An invitation the caller sees; `NotFound` otherwise.
pub fn find_invitation(ctx: &mut Ctx, id: &str) -> ServiceResult<StoreVisitInvitation> {
    let scope = scope(ctx);
    records::find(ctx, id, |i: &StoreVisitInvitation| {
        scope.admits(i.store_id.as_deref(), Some(i.consultant_id.as_str()))
    })
}

pub(super) fn insert_invitation(
    ctx: &mut Ctx,
    new: NewInvitation,
    consultant: String,
    store_id: Option<String>,
    rescheduled_from_id: Option<String>,
) -> ServiceResult<StoreVisitInvitation> {
    let at = ctx.now();
    let row = StoreVisitInvitation {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        store_id,
        customer_id: new.customer_id,
        lead_id: new.lead_id,
        consultant_id: consultant,
        appointment_at: new.appointment_at.naive_utc(),
        status: InvitationStatus::Scheduled.as_str().to_owned(),
        note: new.note,
        visit_id: None,
        rescheduled_from_id,
        rescheduled_to_id: None,
        outcome_at: None,
        outcome_by: None,
        created_by: ctx.actor_id(),
        version: 1,
        created_at: at,
        updated_at: at,
    };
    row.insert(ctx.conn)?;
    ctx.record(
        Change::new(
            "store_visit_invitation.created",
            "store_visit_invitation",
            &row.id,
        )
        .detail(serde_json::json!({
            "customer_id": row.customer_id, "consultant_id": row.consultant_id,
            "appointment_at": new.appointment_at,
            "rescheduled_from_id": row.rescheduled_from_id,
        })),
    )?;
    Ok(row)
}

fn future(ctx: &Ctx, field: &str, at: DateTime<Utc>) -> ServiceResult<()> {
    if at <= ctx.now_utc() {
        return Err(ServiceError::invalid(
            field,
            "in_past",
            "the appointment must be in the future",
        ));
    }
    Ok(())
}

/// Invites a customer the caller sees to the store at a future time, by a consultant (the
/// caller by default), for one of the customer's leads (the newest open one by default).
/// Audited `store_visit_invitation.created`.
pub fn invite(ctx: &mut Ctx, new: NewInvitation) -> ServiceResult<StoreVisitInvitation> {
    future(ctx, "appointment_at", new.appointment_at)?;
    let customer = crate::customers::service::find_visible(ctx, &new.customer_id)
        .map_err(not_found("customer_id"))?;
    let (consultant, store_id) =
        who_and_where(ctx, new.consultant_id.as_deref(), new.store_id.as_deref())?;
    let consultant = consultant.ok_or_else(|| {
        ServiceError::invalid("consultant_id", "required", "name the inviting consultant")
    })?;
    let lead_id = match &new.lead_id {
        Some(id) => {
            let lead = Lead::find(ctx.conn, ctx.org_id(), id)?;
            if lead.is_none_or(|l| l.customer_id != customer.id) {
                return Err(ServiceError::invalid(
                    "lead_id",
                    "not_found",
                    "no such lead of this customer",
                ));
            }
            Some(id.clone())
        }
        None => crate::leads::triggers::service::working_lead(ctx, &customer.id)?.map(|l| l.id),
    };
    insert_invitation(
        ctx,
        NewInvitation {
            customer_id: customer.id,
            lead_id,
            ..new
        },
        consultant.id,
        store_id,
        None,
    )
}

/// The invitations the caller sees under the filter, by id.
pub fn list_invitations(
    ctx: &mut Ctx,
    mut filter: ShowroomFilter,
) -> ServiceResult<Vec<StoreVisitInvitation>> {
    if !scope(ctx).narrow(&mut filter) {
        return Ok(Vec::new());
    }
    Ok(StoreVisitInvitation::list(ctx.conn, ctx.org_id(), &filter)?)
}

/// Moves a scheduled invitation to its outcome (409 `invalid_transition` when it has one).
fn settle(
    ctx: &mut Ctx,
    id: &str,
    to: InvitationStatus,
    visit_id: Option<String>,
    rescheduled_to_id: Option<String>,
) -> ServiceResult<StoreVisitInvitation> {
    let scope = scope(ctx);
    let (by, at) = (ctx.actor_id(), ctx.now());
    let inv = records::update(
        ctx,
        id,
        None,
        |i: &StoreVisitInvitation| {
            scope.admits(i.store_id.as_deref(), Some(i.consultant_id.as_str()))
                || visit_id.is_some()
        },
        |_, i| {
            status_of(i)?
                .transition(to)
                .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
            i.status = to.as_str().to_owned();
            i.visit_id = visit_id.clone();
            i.rescheduled_to_id = rescheduled_to_id.clone();
            i.outcome_at = Some(at);
            i.outcome_by = Some(by.clone());
            Ok(())
        },
    )?;
    ctx.record(
        Change::new(
            "store_visit_invitation.settled",
            "store_visit_invitation",
            &inv.id,
        )
        .detail(
            serde_json::json!({"status": inv.status, "visit_id": inv.visit_id,
            "rescheduled_to_id": inv.rescheduled_to_id}),
        )
        .event(StoreVisitInvitationSettled {
            invitation_id: inv.id.clone(),
            customer_id: inv.customer_id.clone(),
            consultant_id: inv.consultant_id.clone(),
            appointment_at: inv.appointment_at.and_utc(),
            status: inv.status.clone(),
            visit_id: inv.visit_id.clone(),
            rescheduled_to_id: inv.rescheduled_to_id.clone(),
        }),
    )?;
    Ok(inv)
}

/// Settles a scheduled invitation whose window has closed (its appointment day and
/// `GRACE_DAYS` after it, in the organisation's time zone) as a no-show, and opens a task to
/// invite the customer again (重新邀约) for whoever works the lead while the lead is open,
/// notified. A visit in the window needs no look: registering it settled a scheduled
/// invitation of the customer as showed. `false` when the invitation has its outcome or its
/// window is still open. Run under the invitation's row lock, so two nodes settle it once.
/// Emits `store_visit_invitation.settled`.
pub fn settle_if_no_show(ctx: &mut Ctx, id: &str) -> ServiceResult<bool> {
    // The lead before the invitation and the task it may get, as everywhere (an invitation's
    // lead never changes).
    if let Some(lead_id) = find_invitation(ctx, id)?.lead_id {
        lock_row(ctx.conn, Lead::TABLE, &lead_id)?;
    }
    lock_row(ctx.conn, StoreVisitInvitation::TABLE, id)?;
    let inv = find_invitation(ctx, id)?;
    let zone = ctx.time_zone()?;
    let today = ctx.today()?;
    let due = status_of(&inv)? == InvitationStatus::Scheduled
        && settle_invitation(
            zone.date_of(inv.created_at.and_utc()),
            zone.date_of(inv.appointment_at.and_utc()),
            &[],
            today,
            GRACE_DAYS,
        ) == InvitationStatus::NoShow;
    if !due {
        return Ok(false);
    }
    settle(ctx, &inv.id, InvitationStatus::NoShow, None, None)?;
    let lead = match &inv.lead_id {
        Some(lead_id) => Lead::find(ctx.conn, ctx.org_id(), lead_id)?
            .filter(|l| crate::leads::service::status_of(l).is_ok_and(|s| s.is_open())),
        None => None,
    };
    let Some(lead) = lead else {
        return Ok(true);
    };
    let owner = lead.owner_id.clone().unwrap_or(inv.consultant_id.clone());
    let appointment = zone
        .local(inv.appointment_at.and_utc())
        .format("%m月%d日 %H:%M");
    let task = crate::tasks::service::open(
        ctx,
        NewTask {
            kind: TaskKind::StoreVisitInvitation,
            title: "客户爽约，重新邀约到店".to_owned(),
            note: Some(format!(
                "客户未按邀约（{appointment}）到店，请联系客户重新约时间。"
            )),
            owner_id: Some(owner.clone()),
            store_id: lead.store_id.clone(),
            lead_id: Some(lead.id.clone()),
            deal_id: None,
            customer_id: Some(inv.customer_id.clone()),
            due_at: ctx.now_utc() + TimeDelta::days(1),
            dedupe_key: Some(format!("no_show:{}", inv.id)),
        },
    )?;
    if let Some(task) = task {
        notify(
            ctx,
            &owner,
            Notification {
                kind: NotificationKind::TaskAssigned,
                title: "邀约爽约：请重新邀约".to_owned(),
                body: format!("客户未按邀约（{appointment}）到店，已为你生成重新邀约任务。"),
                link: Some(format!("/api/v1/tasks/{}", task.id)),
            },
        )?;
    }
    Ok(true)
}

/// Gives a scheduled invitation the caller sees its outcome: `showed` (optionally naming the
/// customer's visit), `no_show` (once the appointment has passed), `rescheduled` (with the
/// new time: a new scheduled invitation carries it on, answered as `next`), `cancelled`.
/// 409 `invalid_transition` for an invitation that has its outcome. Emits
/// `store_visit_invitation.settled`.
pub fn record_outcome(
    ctx: &mut Ctx,
    id: &str,
    outcome: Outcome,
) -> ServiceResult<(StoreVisitInvitation, Option<StoreVisitInvitation>)> {
    let current = find_invitation(ctx, id)?;
    status_of(&current)?
        .transition(outcome.status)
        .map_err(|e| ServiceError::InvalidTransition(e.to_string()))?;
    match outcome.status {
        InvitationStatus::Showed => {
            let visit = match &outcome.visit_id {
                Some(v) => {
                    let visit = find_visit(ctx, v).map_err(not_found("visit_id"))?;
                    if visit.customer_id != current.customer_id {
                        return Err(ServiceError::invalid(
                            "visit_id",
                            "not_found",
                            "no such visit of this customer",
                        ));
                    }
                    Some(visit.id)
                }
                None => None,
            };
            Ok((settle(ctx, id, outcome.status, visit, None)?, None))
        }
        InvitationStatus::NoShow => {
            if current.appointment_at.and_utc() > ctx.now_utc() {
                return Err(ServiceError::invalid(
                    "status",
                    "not_due",
                    "a no-show is recorded once the appointment has passed",
                ));
            }
            Ok((settle(ctx, id, outcome.status, None, None)?, None))
        }
        InvitationStatus::Rescheduled => {
            let Some(at) = outcome.new_appointment_at else {
                return Err(ServiceError::invalid(
                    "new_appointment_at",
                    "required",
                    "a rescheduled invitation names its new time",
                ));
            };
            future(ctx, "new_appointment_at", at)?;
            let next = insert_invitation(
                ctx,
                NewInvitation {
                    customer_id: current.customer_id.clone(),
                    lead_id: current.lead_id.clone(),
                    consultant_id: None,
                    store_id: None,
                    appointment_at: at,
                    note: outcome.note.or(current.note.clone()),
                },
                current.consultant_id.clone(),
                current.store_id.clone(),
                Some(current.id.clone()),
            )?;
            let old = settle(ctx, id, outcome.status, None, Some(next.id.clone()))?;
            Ok((old, Some(next)))
        }
        InvitationStatus::Cancelled => Ok((settle(ctx, id, outcome.status, None, None)?, None)),
        InvitationStatus::Scheduled => Err(ServiceError::invalid(
            "status",
            "not_allowed",
            "an outcome is showed, no_show, rescheduled or cancelled",
        )),
    }
}

/// Counts the caller's rows of a period: visits by arrival, invitations by appointment,
/// and 到店率 = showed / (showed + no-show) from the domain.
pub fn stats(ctx: &mut Ctx, mut filter: ShowroomFilter) -> ServiceResult<Stats> {
    if !scope(ctx).narrow(&mut filter) {
        return Ok(Stats {
            visits: 0,
            first_visits: 0,
            repeat_visits: 0,
            invitations: InvitationCounts::default(),
            rate: visit_rate(&InvitationCounts::default()),
        });
    }
    let kinds = ShowroomVisit::kinds(ctx.conn, ctx.org_id(), &filter)?;
    let first = kinds
        .iter()
        .filter(|k| k.as_str() == VisitKind::FirstVisit.as_str())
        .count();
    let mut invitations = InvitationCounts::default();
    for status in StoreVisitInvitation::statuses(ctx.conn, ctx.org_id(), &filter)? {
        if let Ok(s) = status.parse::<InvitationStatus>() {
            invitations.add(s);
        }
    }
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Stats {
        visits: count(kinds.len()),
        first_visits: count(first),
        repeat_visits: count(kinds.len() - first),
        rate: visit_rate(&invitations),
        invitations,
    })
}
