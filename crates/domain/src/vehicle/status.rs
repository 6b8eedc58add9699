//! Where a car is in its life in stock, where a transfer between stores is, and whether a
//! reservation still holds. Each status is a small state machine whose moves are listed once,
//! so "a transfer cannot skip a state" and "sold is final" are one function: [`transition`].

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

crate::text_enum! {
    /// A car's status in stock.
    pub enum VehicleStatus {
        /// Ordered or moving between stores; not yet on the lot.
        InTransit = "in_transit",
        InStock = "in_stock",
        /// Held for one customer until the reservation ends.
        Reserved = "reserved",
        Sold = "sold",
        /// Left the organisation (sold on to another dealer, returned to the maker).
        TransferredOut = "transferred_out",
    }
}

impl VehicleStatus {
    /// Cars that can be offered to customers: on the lot, or arriving (在途车).
    pub fn is_offerable(self) -> bool {
        matches!(self, Self::InStock | Self::InTransit)
    }
}

crate::text_enum! {
    /// A transfer of a car between two stores of one organisation (调车).
    pub enum TransferStatus {
        Requested = "requested",
        Approved = "approved",
        /// Handed to the carrier.
        InTransit = "in_transit",
        /// Arrived at the destination store; the car now belongs to it.
        Received = "received",
        Cancelled = "cancelled",
    }
}

/// A status with a fixed set of legal moves.
pub trait StatusMachine: Copy + Eq + fmt::Debug + fmt::Display + 'static {
    /// The statuses this one may move to; empty for a final status.
    fn next(self) -> &'static [Self];

    fn is_final(self) -> bool {
        self.next().is_empty()
    }
}

impl StatusMachine for VehicleStatus {
    fn next(self) -> &'static [Self] {
        use VehicleStatus::*;
        match self {
            InTransit => &[InStock],
            // A car moves between stores from the lot; a reserved car is released first, so a
            // reservation never travels without its car.
            InStock => &[Reserved, Sold, InTransit, TransferredOut],
            Reserved => &[InStock, Sold],
            // Undoing a sale is a correction with its own audit trail, not a status change.
            Sold | TransferredOut => &[],
        }
    }
}

impl StatusMachine for TransferStatus {
    fn next(self) -> &'static [Self] {
        use TransferStatus::*;
        match self {
            Requested => &[Approved, Cancelled],
            Approved => &[InTransit, Cancelled],
            // Cancelled on the road: the carrier brings the car back.
            InTransit => &[Received, Cancelled],
            Received | Cancelled => &[],
        }
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError<S: StatusMachine> {
    /// The record already has this status. A caller that treats a repeat as a no-op (an ERP
    /// sending the same status twice) checks for equality before calling [`transition`]; a
    /// reservation must not, so a second reservation of a reserved car fails here.
    #[error("the status is already {0}")]
    Unchanged(S),
    #[error("{from} is final and cannot change to {to}")]
    Final { from: S, to: S },
    #[error("cannot change from {from} to {to}; allowed: {}", list(.allowed))]
    NotAllowed {
        from: S,
        to: S,
        allowed: &'static [S],
    },
}

impl<S: StatusMachine> TransitionError<S> {
    /// A stable machine code for API problem responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unchanged(_) => "status_unchanged",
            Self::Final { .. } => "status_final",
            Self::NotAllowed { .. } => "status_transition_not_allowed",
        }
    }
}

fn list<S: fmt::Display>(statuses: &[S]) -> String {
    statuses
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `from` may become `to`.
///
/// ```
/// use autocrm_domain::vehicle::{transition, TransferStatus, TransitionError};
/// assert!(transition(TransferStatus::Requested, TransferStatus::Approved).is_ok());
/// assert!(matches!(
///     transition(TransferStatus::Requested, TransferStatus::Received),
///     Err(TransitionError::NotAllowed { .. })
/// ));
/// ```
pub fn transition<S: StatusMachine>(from: S, to: S) -> Result<(), TransitionError<S>> {
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    let allowed = from.next();
    if allowed.is_empty() {
        return Err(TransitionError::Final { from, to });
    }
    if allowed.contains(&to) {
        Ok(())
    } else {
        Err(TransitionError::NotAllowed { from, to, allowed })
    }
}

/// The time limits of reservations, set per organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationPolicy {
    /// Longest hold a consultant may give; longer holds keep a car from other buyers.
    pub max_hold: Duration,
    /// The hold when the request names no expiry.
    pub default_hold: Duration,
}

impl Default for ReservationPolicy {
    fn default() -> Self {
        Self {
            max_hold: Duration::days(7),
            default_hold: Duration::hours(48),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReservationError {
    #[error("the expiry must be in the future")]
    ExpiryNotInFuture,
    #[error("a car can be held for at most {max_hours} hours")]
    HoldTooLong { max_hours: i64 },
}

impl ReservationError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ExpiryNotInFuture => "expiry_not_in_future",
            Self::HoldTooLong { .. } => "hold_too_long",
        }
    }
}

impl ReservationPolicy {
    /// The expiry of a reservation made at `now`: the requested one when it lies within the
    /// policy, the default hold when none was requested.
    pub fn expiry(
        &self,
        now: DateTime<Utc>,
        requested: Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, ReservationError> {
        let Some(expires_at) = requested else {
            return Ok(now + self.default_hold);
        };
        if expires_at <= now {
            return Err(ReservationError::ExpiryNotInFuture);
        }
        if expires_at - now > self.max_hold {
            return Err(ReservationError::HoldTooLong {
                max_hours: self.max_hold.num_hours(),
            });
        }
        Ok(expires_at)
    }
}

/// The times that decide whether a reservation holds its car.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationTimes {
    pub reserved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was released early: cancelled, converted to a sale, or the car sold elsewhere.
    pub released_at: Option<DateTime<Utc>>,
}

/// Whether a reservation holds at a moment, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HoldState {
    /// The moment lies before the reservation was made.
    NotYetMade,
    Holding {
        /// Whole seconds left until it expires.
        remaining_seconds: i64,
    },
    Released {
        at: DateTime<Utc>,
    },
    Expired {
        at: DateTime<Utc>,
    },
}

impl ReservationTimes {
    /// The state at `at`. The expiry instant itself no longer holds, so the release job and a
    /// new reservation made at that instant agree. An early release counts only from its time.
    pub fn state_at(&self, at: DateTime<Utc>) -> HoldState {
        if at < self.reserved_at {
            return HoldState::NotYetMade;
        }
        match self.released_at {
            Some(released) if released <= at && released < self.expires_at => {
                HoldState::Released { at: released }
            }
            _ if at >= self.expires_at => HoldState::Expired {
                at: self.expires_at,
            },
            _ => HoldState::Holding {
                remaining_seconds: (self.expires_at - at).num_seconds(),
            },
        }
    }

    /// True while the reservation keeps the car from everyone else.
    pub fn is_holding(&self, at: DateTime<Utc>) -> bool {
        matches!(self.state_at(at), HoldState::Holding { .. })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn all_pairs<S: StatusMachine>(all: &[S]) -> impl Iterator<Item = (S, S)> + '_ {
        all.iter()
            .flat_map(move |a| all.iter().map(move |b| (*a, *b)))
    }

    #[test]
    fn vehicle_moves() {
        use VehicleStatus::*;
        let legal = [
            (InTransit, InStock),
            (InStock, Reserved),
            (InStock, Sold),
            (InStock, InTransit),
            (InStock, TransferredOut),
            (Reserved, InStock),
            (Reserved, Sold),
        ];
        for (from, to) in all_pairs(VehicleStatus::ALL) {
            assert_eq!(
                transition(from, to).is_ok(),
                legal.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
        assert_eq!(
            transition(Sold, InStock),
            Err(TransitionError::Final {
                from: Sold,
                to: InStock
            })
        );
        assert_eq!(
            transition(Reserved, Reserved),
            Err(TransitionError::Unchanged(Reserved))
        );
        assert!(InTransit.is_offerable() && InStock.is_offerable() && !Reserved.is_offerable());
    }

    #[test]
    fn a_transfer_cannot_skip_a_state() {
        use TransferStatus::*;
        let path = [Requested, Approved, InTransit, Received];
        for pair in path.windows(2) {
            assert_eq!(transition(pair[0], pair[1]), Ok(()));
        }
        let err = transition(Requested, InTransit).unwrap_err();
        assert_eq!(err.code(), "status_transition_not_allowed");
        assert_eq!(
            err.to_string(),
            "cannot change from requested to in_transit; allowed: approved, cancelled"
        );
        assert!(transition(Approved, Received).is_err());
        for from in [Requested, Approved, InTransit] {
            assert_eq!(transition(from, Cancelled), Ok(()));
        }
        for from in [Received, Cancelled] {
            assert!(from.is_final());
            for to in TransferStatus::ALL {
                assert!(transition(from, *to).is_err());
            }
        }
    }

    fn t(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_reservation_holds_until_its_expiry_or_release() {
        let r = ReservationTimes {
            reserved_at: t(8),
            expires_at: t(20),
            released_at: None,
        };
        assert_eq!(r.state_at(t(7)), HoldState::NotYetMade);
        assert!(r.is_holding(t(8)));
        assert_eq!(
            r.state_at(t(19)),
            HoldState::Holding {
                remaining_seconds: 3600
            }
        );
        assert_eq!(r.state_at(t(20)), HoldState::Expired { at: t(20) });
        let released = ReservationTimes {
            released_at: Some(t(10)),
            ..r
        };
        assert!(released.is_holding(t(9)));
        assert_eq!(released.state_at(t(11)), HoldState::Released { at: t(10) });
        // A release recorded after the expiry does not rewrite history.
        let late = ReservationTimes {
            released_at: Some(t(22)),
            ..r
        };
        assert_eq!(late.state_at(t(23)), HoldState::Expired { at: t(20) });
    }

    #[test]
    fn policy_bounds_the_expiry() {
        let policy = ReservationPolicy::default();
        assert_eq!(policy.expiry(t(8), None), Ok(t(8) + Duration::hours(48)));
        assert_eq!(policy.expiry(t(8), Some(t(9))), Ok(t(9)));
        assert_eq!(
            policy.expiry(t(8), Some(t(8))),
            Err(ReservationError::ExpiryNotInFuture)
        );
        assert_eq!(
            policy.expiry(t(8), Some(t(8) + Duration::days(8))),
            Err(ReservationError::HoldTooLong { max_hours: 168 })
        );
    }
}
