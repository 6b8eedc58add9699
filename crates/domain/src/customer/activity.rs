//! Timeline activities: what a consultant did with a customer, and how it went.

use chrono::{DateTime, Utc};

crate::text_enum! {
    pub enum ActivityKind {
        Call = "call",
        Wechat = "wechat",
        Sms = "sms",
        Email = "email",
        /// The customer came to the store (到店).
        StoreVisit = "store_visit",
        TestDrive = "test_drive",
        /// A note with no contact; it has no outcome.
        Note = "note",
    }
}

crate::text_enum! {
    pub enum ActivityOutcome {
        /// Spoke or chatted with the customer.
        Reached = "reached",
        /// Did not pick up, or did not reply.
        NoAnswer = "no_answer",
        /// Wrong or disconnected number, bounced email, blocked on WeChat.
        Unreachable = "unreachable",
        Interested = "interested",
        NotInterested = "not_interested",
        /// A store visit or test drive was booked (邀约).
        AppointmentBooked = "appointment_booked",
        /// The visit or test drive took place.
        Completed = "completed",
        /// Booked but did not come.
        NoShow = "no_show",
        /// Placed an order (下订).
        Ordered = "ordered",
        /// Bought another car elsewhere (战败).
        BoughtElsewhere = "bought_elsewhere",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActivityError {
    #[error("outcome {outcome} does not apply to a {kind}")]
    OutcomeNotForKind {
        kind: ActivityKind,
        outcome: ActivityOutcome,
    },
    #[error("the next follow-up must be after the activity")]
    FollowUpNotAfterActivity,
}

impl ActivityKind {
    /// The outcomes that make sense for this kind of activity.
    pub fn outcomes(self) -> &'static [ActivityOutcome] {
        use ActivityOutcome::*;
        match self {
            ActivityKind::Call | ActivityKind::Wechat | ActivityKind::Sms | ActivityKind::Email => {
                &[
                    Reached,
                    NoAnswer,
                    Unreachable,
                    Interested,
                    NotInterested,
                    AppointmentBooked,
                    Ordered,
                    BoughtElsewhere,
                ]
            }
            ActivityKind::StoreVisit | ActivityKind::TestDrive => &[
                Completed,
                NoShow,
                Interested,
                NotInterested,
                AppointmentBooked,
                Ordered,
                BoughtElsewhere,
            ],
            ActivityKind::Note => &[],
        }
    }

    /// The rules an activity keeps: its outcome fits its kind, and a next follow-up comes
    /// after it.
    pub fn check(
        self,
        outcome: Option<ActivityOutcome>,
        occurred_at: DateTime<Utc>,
        next_follow_up_at: Option<DateTime<Utc>>,
    ) -> Result<(), ActivityError> {
        if let Some(outcome) = outcome
            && !self.outcomes().contains(&outcome)
        {
            return Err(ActivityError::OutcomeNotForKind {
                kind: self,
                outcome,
            });
        }
        if next_follow_up_at.is_some_and(|next| next <= occurred_at) {
            return Err(ActivityError::FollowUpNotAfterActivity);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 5, 20, hour, 0, 0).unwrap()
    }

    #[test]
    fn outcomes_fit_their_kind() {
        use ActivityOutcome::*;
        assert!(
            ActivityKind::Call
                .check(Some(NoAnswer), at(9), None)
                .is_ok()
        );
        assert!(
            ActivityKind::TestDrive
                .check(Some(Completed), at(9), Some(at(10)))
                .is_ok()
        );
        assert!(ActivityKind::Note.check(None, at(9), Some(at(10))).is_ok());
        assert_eq!(
            ActivityKind::TestDrive.check(Some(NoAnswer), at(9), None),
            Err(ActivityError::OutcomeNotForKind {
                kind: ActivityKind::TestDrive,
                outcome: NoAnswer
            })
        );
        assert!(
            ActivityKind::Note
                .check(Some(Reached), at(9), None)
                .is_err()
        );
        assert!(ActivityKind::Call.check(Some(NoShow), at(9), None).is_err());
    }

    #[test]
    fn a_follow_up_comes_after_the_activity() {
        assert_eq!(
            ActivityKind::Call.check(None, at(9), Some(at(9))),
            Err(ActivityError::FollowUpNotAfterActivity)
        );
        assert!(ActivityKind::Call.check(None, at(9), Some(at(8))).is_err());
    }

    #[test]
    fn every_outcome_fits_some_kind() {
        for outcome in ActivityOutcome::ALL {
            assert!(
                ActivityKind::ALL
                    .iter()
                    .any(|k| k.outcomes().contains(outcome)),
                "{outcome}"
            );
        }
    }
}
