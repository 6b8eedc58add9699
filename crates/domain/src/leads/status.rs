//! A lead's lifecycle. Grades say how hot a lead is; the status says where it stands.

crate::text_enum! {
    pub enum LeadStatus {
        New = "new",
        Contacted = "contacted",
        Qualified = "qualified",
        /// A deal was opened for it.
        Converted = "converted",
        /// 战败: set only when a lost request is approved (see [`super::LostRequestStatus`]).
        Lost = "lost",
        /// Spam, a wrong number or a duplicate.
        Invalid = "invalid",
    }
}

/// A status change the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a lead cannot go from {from} to {to}")]
pub struct IllegalLeadTransition {
    pub from: LeadStatus,
    pub to: LeadStatus,
}

impl LeadStatus {
    /// Open leads are worked, scored, routed and can return to the pool.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified
        )
    }

    /// Position on the way to conversion.
    fn progress(self) -> Option<u8> {
        match self {
            LeadStatus::New => Some(0),
            LeadStatus::Contacted => Some(1),
            LeadStatus::Qualified => Some(2),
            LeadStatus::Converted => Some(3),
            LeadStatus::Lost | LeadStatus::Invalid => None,
        }
    }

    /// The legal moves: forward along new → contacted → qualified → converted (steps may be
    /// skipped: a walk-in is qualified at once); any open status to lost or invalid; and lost
    /// back to new, which reactivates the lead into the pool. Converted and invalid are final.
    pub fn transition(self, to: LeadStatus) -> Result<LeadStatus, IllegalLeadTransition> {
        let legal = match (self, to) {
            (from, LeadStatus::Lost | LeadStatus::Invalid) => from.is_open(),
            (LeadStatus::Lost, LeadStatus::New) => true,
            (from, to) => {
                matches!((from.progress(), to.progress()), (Some(a), Some(b)) if a < b && from.is_open())
            }
        };
        if legal {
            Ok(to)
        } else {
            Err(IllegalLeadTransition { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::*;
    use super::*;

    #[test]
    fn the_legal_moves_and_only_those() {
        let legal = [
            (New, Contacted),
            (New, Qualified),
            (New, Converted),
            (Contacted, Qualified),
            (Contacted, Converted),
            (Qualified, Converted),
            (New, Lost),
            (Contacted, Lost),
            (Qualified, Lost),
            (New, Invalid),
            (Contacted, Invalid),
            (Qualified, Invalid),
            (Lost, New),
        ];
        for &from in LeadStatus::ALL {
            for &to in LeadStatus::ALL {
                let expected = legal.contains(&(from, to));
                assert_eq!(from.transition(to).is_ok(), expected, "{from} -> {to}");
            }
        }
        assert_eq!(
            Converted.transition(Lost).unwrap_err().to_string(),
            "a lead cannot go from converted to lost"
        );
    }
}
