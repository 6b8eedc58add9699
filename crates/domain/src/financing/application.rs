//! A financing application's life: draft → submitted → approved / rejected /
//! more_info_needed → signed → funded, or cancelled while it is still open.

use crate::access::{Principal, PrincipalKind, Role, Scope};

crate::text_enum! {
    pub enum ApplicationStatus {
        Draft = "draft",
        Submitted = "submitted",
        MoreInfoNeeded = "more_info_needed",
        Approved = "approved",
        Rejected = "rejected",
        Signed = "signed",
        Funded = "funded",
        Cancelled = "cancelled",
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepActor {
    /// Dealership staff preparing and closing the deal.
    Staff,
    /// The lender's decision: finance staff, or the finance system itself.
    Lender,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an application cannot go from {from} to {to}")]
pub struct InvalidTransition {
    pub from: ApplicationStatus,
    pub to: ApplicationStatus,
}

impl ApplicationStatus {
    /// Whether `self → to` is a step of the process, and who takes it.
    pub fn transition(self, to: ApplicationStatus) -> Result<StepActor, InvalidTransition> {
        use ApplicationStatus::*;
        Ok(match (self, to) {
            (Draft | MoreInfoNeeded, Submitted) => StepActor::Staff,
            (Draft | Submitted | MoreInfoNeeded | Approved, Cancelled) => StepActor::Staff,
            (Submitted, Approved | Rejected | MoreInfoNeeded) => StepActor::Lender,
            (Approved, Signed) => StepActor::Staff,
            (Signed, Funded) => StepActor::Lender,
            _ => return Err(InvalidTransition { from: self, to }),
        })
    }
}

impl StepActor {
    /// Whether `principal` may take a step of this kind.
    pub fn admits(self, principal: &Principal) -> bool {
        match self {
            StepActor::Staff => principal.is(&[
                Role::Admin,
                Role::GeneralManager,
                Role::SalesManager,
                Role::SalesConsultant,
                Role::Finance,
            ]),
            StepActor::Lender => match principal.kind {
                PrincipalKind::ApiClient => principal.has_scope(Scope::FinancingWrite),
                PrincipalKind::User => principal.is(&[Role::Admin, Role::Finance]),
                PrincipalKind::Customer => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::*;
    use super::*;

    #[test]
    fn the_process_and_nothing_else() {
        let legal = [
            (Draft, Submitted, StepActor::Staff),
            (MoreInfoNeeded, Submitted, StepActor::Staff),
            (Submitted, Approved, StepActor::Lender),
            (Submitted, Rejected, StepActor::Lender),
            (Submitted, MoreInfoNeeded, StepActor::Lender),
            (Approved, Signed, StepActor::Staff),
            (Signed, Funded, StepActor::Lender),
            (Draft, Cancelled, StepActor::Staff),
            (Approved, Cancelled, StepActor::Staff),
        ];
        for from in ApplicationStatus::ALL {
            for to in ApplicationStatus::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, t, _)| f == from && t == to)
                    .map(|(_, _, actor)| *actor);
                let expected = expected.or(match (from, to) {
                    (Submitted | MoreInfoNeeded, Cancelled) => Some(StepActor::Staff),
                    _ => None,
                });
                assert_eq!(from.transition(*to).ok(), expected, "{from} → {to}");
            }
        }
    }

    #[test]
    fn nothing_leaves_a_final_state() {
        for end in [Rejected, Funded, Cancelled] {
            assert!(
                ApplicationStatus::ALL
                    .iter()
                    .all(|to| end.transition(*to).is_err())
            );
        }
    }
}
