//! Marking a lead or a deal lost (战败) is a request with a reason that the store manager
//! approves or rejects, unless the organisation turns approval off.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// Why a lead or deal was lost.
    pub enum LostReason {
        Price = "price",
        Competitor = "competitor",
        FinancingRefused = "financing_refused",
        NoStock = "no_stock",
        Timing = "timing",
        /// Needs a note saying what happened.
        Other = "other",
    }
}

crate::text_enum! {
    pub enum LostRequestStatus {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
    }
}

crate::text_enum! {
    pub enum LostDecision {
        Approve = "approve",
        Reject = "reject",
    }
}

/// Longest note on a lost request, in characters.
pub const LOST_NOTE_MAX: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LostRequestError {
    #[error("the reason 'other' needs a note")]
    NoteRequired,
    #[error("the note is longer than {LOST_NOTE_MAX} characters")]
    NoteTooLong,
    #[error("the request was already {0}")]
    AlreadyDecided(LostRequestStatus),
}

/// The organisation's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LostPolicy {
    /// `false`: a lost request is approved the moment it is made.
    pub approval_required: bool,
}

impl Default for LostPolicy {
    fn default() -> Self {
        LostPolicy {
            approval_required: true,
        }
    }
}

/// The note that goes with a reason (of a lost request, or of a declined quote): a blank note
/// counts as none, `other` needs one, and none is longer than `LOST_NOTE_MAX` characters.
pub fn reason_note(
    reason: LostReason,
    note: Option<&str>,
) -> Result<Option<String>, LostRequestError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > LOST_NOTE_MAX) {
        return Err(LostRequestError::NoteTooLong);
    }
    if reason == LostReason::Other && note.is_none() {
        return Err(LostRequestError::NoteRequired);
    }
    Ok(note.map(str::to_owned))
}

/// A reason with its note, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostRequest {
    pub reason: LostReason,
    pub note: Option<String>,
    /// The state it starts in: requested, or approved when the policy needs no approval.
    pub status: LostRequestStatus,
}

impl LostRequest {
    /// Opens a request. A blank note counts as none.
    pub fn open(
        reason: LostReason,
        note: Option<&str>,
        policy: LostPolicy,
    ) -> Result<LostRequest, LostRequestError> {
        Ok(LostRequest {
            reason,
            note: reason_note(reason, note)?,
            status: if policy.approval_required {
                LostRequestStatus::Requested
            } else {
                LostRequestStatus::Approved
            },
        })
    }
}

impl LostRequestStatus {
    /// Only a pending request can be decided. Approving it is what marks the lead or deal
    /// lost; rejecting it leaves them open as they were.
    pub fn decide(self, decision: LostDecision) -> Result<LostRequestStatus, LostRequestError> {
        match self {
            LostRequestStatus::Requested => Ok(match decision {
                LostDecision::Approve => LostRequestStatus::Approved,
                LostDecision::Reject => LostRequestStatus::Rejected,
            }),
            decided => Err(LostRequestError::AlreadyDecided(decided)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_wait_for_approval_by_default() {
        let req = LostRequest::open(LostReason::Price, None, LostPolicy::default()).unwrap();
        assert_eq!(req.status, LostRequestStatus::Requested);
        let no_approval = LostPolicy {
            approval_required: false,
        };
        let req = LostRequest::open(LostReason::Timing, Some("  "), no_approval).unwrap();
        assert_eq!(req.status, LostRequestStatus::Approved);
        assert_eq!(req.note, None);
    }

    #[test]
    fn other_needs_a_note() {
        let policy = LostPolicy::default();
        assert_eq!(
            LostRequest::open(LostReason::Other, Some(" "), policy),
            Err(LostRequestError::NoteRequired)
        );
        let req = LostRequest::open(LostReason::Other, Some(" 搬家去外地 "), policy).unwrap();
        assert_eq!(req.note.as_deref(), Some("搬家去外地"));
        let long = "长".repeat(LOST_NOTE_MAX + 1);
        assert_eq!(
            LostRequest::open(LostReason::Price, Some(&long), policy),
            Err(LostRequestError::NoteTooLong)
        );
    }

    #[test]
    fn a_request_is_decided_once() {
        use LostDecision::*;
        use LostRequestStatus::*;
        assert_eq!(Requested.decide(Approve), Ok(Approved));
        assert_eq!(Requested.decide(Reject), Ok(Rejected));
        assert_eq!(
            Approved.decide(Reject),
            Err(LostRequestError::AlreadyDecided(Approved))
        );
        assert_eq!(
            Rejected.decide(Approve),
            Err(LostRequestError::AlreadyDecided(Rejected))
        );
    }
}
