//! Showroom traffic (展厅客流登记) and store-visit invitations (邀约到店) with their outcomes, so
//! that the invitation-to-visit rate (到店率) is counted, not estimated.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    pub enum VisitKind {
        FirstVisit = "first_visit",
        RepeatVisit = "repeat_visit",
    }
}

impl VisitKind {
    /// A customer's first recorded visit is their first; every later one a repeat.
    pub fn from_previous_visits(previous_visits: u32) -> VisitKind {
        if previous_visits == 0 {
            VisitKind::FirstVisit
        } else {
            VisitKind::RepeatVisit
        }
    }
}

/// Largest party registered as one visit.
pub const PARTY_SIZE_MAX: u8 = 50;

/// How many people came together: 1 to [`PARTY_SIZE_MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct PartySize(u8);

impl TryFrom<u8> for PartySize {
    type Error = VisitError;
    fn try_from(size: u8) -> Result<Self, Self::Error> {
        if (1..=PARTY_SIZE_MAX).contains(&size) {
            Ok(PartySize(size))
        } else {
            Err(VisitError::PartySize)
        }
    }
}

impl From<PartySize> for u8 {
    fn from(size: PartySize) -> u8 {
        size.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum VisitError {
    #[error("a party is 1 to {PARTY_SIZE_MAX} people")]
    PartySize,
    #[error("the arrival cannot be in the future")]
    ArrivalInFuture,
    #[error("the departure must be after the arrival")]
    DepartureNotAfterArrival,
}

/// One walk-in as the reception registers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShowroomVisit {
    pub arrived_at: DateTime<Utc>,
    pub departed_at: Option<DateTime<Utc>>,
    pub party_size: PartySize,
    pub kind: VisitKind,
}

impl ShowroomVisit {
    /// A visit registered at `now`, classified by the customer's earlier visits.
    pub fn register(
        arrived_at: DateTime<Utc>,
        departed_at: Option<DateTime<Utc>>,
        party_size: PartySize,
        previous_visits: u32,
        now: DateTime<Utc>,
    ) -> Result<ShowroomVisit, VisitError> {
        if arrived_at > now {
            return Err(VisitError::ArrivalInFuture);
        }
        if departed_at.is_some_and(|left| left <= arrived_at) {
            return Err(VisitError::DepartureNotAfterArrival);
        }
        Ok(ShowroomVisit {
            arrived_at,
            departed_at,
            party_size,
            kind: VisitKind::from_previous_visits(previous_visits),
        })
    }

    /// How long the party stayed, once it left.
    pub fn stay(&self) -> Option<TimeDelta> {
        self.departed_at.map(|left| left - self.arrived_at)
    }
}

crate::text_enum! {
    pub enum InvitationStatus {
        /// Waiting for the appointment.
        Scheduled = "scheduled",
        Showed = "showed",
        NoShow = "no_show",
        /// Moved: a new invitation carries it on.
        Rescheduled = "rescheduled",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an invitation cannot go from {from} to {to}")]
pub struct IllegalInvitationTransition {
    pub from: InvitationStatus,
    pub to: InvitationStatus,
}

impl InvitationStatus {
    /// Only a scheduled invitation gets an outcome; outcomes are final.
    pub fn transition(
        self,
        to: InvitationStatus,
    ) -> Result<InvitationStatus, IllegalInvitationTransition> {
        if self == InvitationStatus::Scheduled && to != InvitationStatus::Scheduled {
            Ok(to)
        } else {
            Err(IllegalInvitationTransition { from: self, to })
        }
    }
}

/// The outcome a scheduled invitation has by `today` (local dates): showed when the customer
/// visited between the day of the invitation and `grace_days` after the appointment day, a
/// no-show once that day has passed without a visit, else still scheduled.
pub fn settle_invitation(
    invited_on: NaiveDate,
    appointment_on: NaiveDate,
    visit_dates: &[NaiveDate],
    today: NaiveDate,
    grace_days: u32,
) -> InvitationStatus {
    let last_day = appointment_on + TimeDelta::days(i64::from(grace_days));
    if visit_dates
        .iter()
        .any(|&d| invited_on <= d && d <= last_day && d <= today)
    {
        InvitationStatus::Showed
    } else if today > last_day {
        InvitationStatus::NoShow
    } else {
        InvitationStatus::Scheduled
    }
}

/// Invitations by status over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvitationCounts {
    pub scheduled: u32,
    pub showed: u32,
    pub no_show: u32,
    pub rescheduled: u32,
    pub cancelled: u32,
}

impl InvitationCounts {
    pub fn add(&mut self, status: InvitationStatus) {
        let count = match status {
            InvitationStatus::Scheduled => &mut self.scheduled,
            InvitationStatus::Showed => &mut self.showed,
            InvitationStatus::NoShow => &mut self.no_show,
            InvitationStatus::Rescheduled => &mut self.rescheduled,
            InvitationStatus::Cancelled => &mut self.cancelled,
        };
        *count += 1;
    }
}

/// 到店率 with what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRate {
    pub showed: u32,
    /// Invitations with a final outcome: showed + no-show.
    pub settled: u32,
    /// showed / settled in basis points, rounded half-up; `None` before any is settled.
    pub rate_basis_points: Option<u32>,
}

/// The invitation-to-visit rate: of the invitations whose appointment has been settled, the
/// share that showed. Rescheduled ones are counted through the invitation that replaced them,
/// cancelled ones were withdrawn and scheduled ones are not due yet, so none of those counts.
pub fn visit_rate(counts: &InvitationCounts) -> VisitRate {
    let settled = counts.showed + counts.no_show;
    let rate_basis_points = (settled > 0).then(|| {
        let (showed, settled) = (u64::from(counts.showed), u64::from(settled));
        ((showed * 20_000 + settled) / (2 * settled)) as u32
    });
    VisitRate {
        showed: counts.showed,
        settled,
        rate_basis_points,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap()
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
    }

    fn party(n: u8) -> PartySize {
        PartySize::try_from(n).unwrap()
    }

    #[test]
    fn walk_ins_are_first_or_repeat_visits() {
        let arrived = now() - TimeDelta::hours(1);
        let visit = ShowroomVisit::register(arrived, Some(now()), party(3), 0, now()).unwrap();
        assert_eq!(visit.kind, VisitKind::FirstVisit);
        assert_eq!(visit.stay(), Some(TimeDelta::hours(1)));
        let again = ShowroomVisit::register(arrived, None, party(1), 2, now()).unwrap();
        assert_eq!((again.kind, again.stay()), (VisitKind::RepeatVisit, None));
    }

    #[test]
    fn impossible_visits_are_refused() {
        assert_eq!(PartySize::try_from(0), Err(VisitError::PartySize));
        assert_eq!(PartySize::try_from(51), Err(VisitError::PartySize));
        assert!(serde_json::from_str::<PartySize>("0").is_err());
        assert_eq!(serde_json::from_str::<PartySize>("4").unwrap(), party(4));
        let later = now() + TimeDelta::minutes(1);
        assert_eq!(
            ShowroomVisit::register(later, None, party(1), 0, now()),
            Err(VisitError::ArrivalInFuture)
        );
        assert_eq!(
            ShowroomVisit::register(now(), Some(now()), party(1), 0, now()),
            Err(VisitError::DepartureNotAfterArrival)
        );
    }

    #[test]
    fn invitations_settle_by_visits_and_dates() {
        use InvitationStatus::*;
        let settle = |visits: &[NaiveDate], today, grace| {
            settle_invitation(date(10), date(15), visits, today, grace)
        };
        assert_eq!(settle(&[], date(15), 0), Scheduled);
        assert_eq!(settle(&[date(15)], date(15), 0), Showed);
        assert_eq!(settle(&[date(12)], date(13), 0), Showed, "came early");
        assert_eq!(
            settle(&[date(9)], date(16), 0),
            NoShow,
            "before the invitation"
        );
        assert_eq!(
            settle(&[date(16)], date(17), 0),
            NoShow,
            "after the appointment day"
        );
        assert_eq!(
            settle(&[date(16)], date(17), 1),
            Showed,
            "within the grace days"
        );
        assert_eq!(settle(&[], date(16), 1), Scheduled);
    }

    #[test]
    fn outcomes_are_final() {
        use InvitationStatus::*;
        assert_eq!(Scheduled.transition(Showed), Ok(Showed));
        assert_eq!(Scheduled.transition(Rescheduled), Ok(Rescheduled));
        assert!(Showed.transition(NoShow).is_err());
        assert!(Scheduled.transition(Scheduled).is_err());
    }

    #[test]
    fn the_visit_rate_counts_settled_invitations_only() {
        let mut counts = InvitationCounts::default();
        assert_eq!(visit_rate(&counts).rate_basis_points, None);
        for status in [
            InvitationStatus::Showed,
            InvitationStatus::Showed,
            InvitationStatus::NoShow,
            InvitationStatus::Rescheduled,
            InvitationStatus::Cancelled,
            InvitationStatus::Scheduled,
        ] {
            counts.add(status);
        }
        assert_eq!(
            visit_rate(&counts),
            VisitRate {
                showed: 2,
                settled: 3,
                rate_basis_points: Some(6_667)
            }
        );
    }
}
