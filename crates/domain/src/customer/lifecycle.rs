//! A customer's lifecycle stage and the moves between stages.

use serde::Serialize;

crate::text_enum! {
    pub enum LifecycleStage {
        /// Interested, not yet bought (潜客).
        Prospect = "prospect",
        /// Has ordered or signed a deal, car not yet delivered (成交客户).
        Customer = "customer",
        /// Owns a car the organisation sold or services (保有客户).
        Owner = "owner",
        /// Gave up, bought elsewhere, or can no longer be reached (战败/流失).
        Lost = "lost",
    }
}

crate::text_enum! {
    /// Why a stage changed; it names each allowed move.
    pub enum LifecycleChange {
        /// Prospect to customer: a deal was signed.
        Converted = "converted",
        /// Prospect or customer to owner: a car was delivered, or an owner came for service.
        BecameOwner = "became_owner",
        /// Customer back to prospect: the order was cancelled.
        OrderCancelled = "order_cancelled",
        /// Any active stage to lost.
        Lost = "lost",
        /// Lost back to prospect: the customer is interested again.
        Reactivated = "reactivated",
    }
}

/// Why a stage change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the customer is already at stage {0}")]
    Unchanged(LifecycleStage),
    #[error("a customer cannot move from {from} to {to}")]
    NotAllowed {
        from: LifecycleStage,
        to: LifecycleStage,
        /// Where the customer may go instead.
        allowed: &'static [LifecycleStage],
    },
}

/// An allowed stage change and the reason it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LifecycleMove {
    pub from: LifecycleStage,
    pub to: LifecycleStage,
    pub change: LifecycleChange,
}

impl LifecycleStage {
    /// The stage of a customer record created without one.
    pub const INITIAL: LifecycleStage = LifecycleStage::Prospect;

    /// The stages this one may move to. An owner who buys again stays an owner; a lost
    /// customer comes back through prospect.
    pub fn next_stages(self) -> &'static [LifecycleStage] {
        use LifecycleStage::*;
        match self {
            Prospect => &[Customer, Owner, Lost],
            Customer => &[Owner, Prospect, Lost],
            Owner => &[Lost],
            Lost => &[Prospect],
        }
    }

    /// Checks a move and names it.
    pub fn move_to(self, to: LifecycleStage) -> Result<LifecycleMove, LifecycleError> {
        use LifecycleStage::*;
        let change = match (self, to) {
            _ if self == to => return Err(LifecycleError::Unchanged(self)),
            (Prospect, Customer) => LifecycleChange::Converted,
            (Prospect | Customer, Owner) => LifecycleChange::BecameOwner,
            (Customer, Prospect) => LifecycleChange::OrderCancelled,
            (Prospect | Customer | Owner, Lost) => LifecycleChange::Lost,
            (Lost, Prospect) => LifecycleChange::Reactivated,
            _ => {
                return Err(LifecycleError::NotAllowed {
                    from: self,
                    to,
                    allowed: self.next_stages(),
                });
            }
        };
        Ok(LifecycleMove {
            from: self,
            to,
            change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LifecycleStage::*;
    use super::*;

    #[test]
    fn allowed_moves_and_their_names() {
        let change = |from: LifecycleStage, to| from.move_to(to).map(|m| m.change);
        assert_eq!(change(Prospect, Customer), Ok(LifecycleChange::Converted));
        assert_eq!(change(Customer, Owner), Ok(LifecycleChange::BecameOwner));
        assert_eq!(change(Prospect, Owner), Ok(LifecycleChange::BecameOwner));
        assert_eq!(
            change(Customer, Prospect),
            Ok(LifecycleChange::OrderCancelled)
        );
        assert_eq!(change(Owner, Lost), Ok(LifecycleChange::Lost));
        assert_eq!(change(Lost, Prospect), Ok(LifecycleChange::Reactivated));
    }

    #[test]
    fn refused_moves_say_where_the_customer_may_go() {
        assert_eq!(Owner.move_to(Owner), Err(LifecycleError::Unchanged(Owner)));
        assert_eq!(
            Lost.move_to(Customer),
            Err(LifecycleError::NotAllowed {
                from: Lost,
                to: Customer,
                allowed: &[Prospect]
            })
        );
        assert!(Owner.move_to(Prospect).is_err());
        assert!(Owner.move_to(Customer).is_err());
    }

    #[test]
    fn the_table_and_the_rule_agree() {
        for from in LifecycleStage::ALL {
            for to in LifecycleStage::ALL {
                let allowed = from.next_stages().contains(to);
                assert_eq!(from.move_to(*to).is_ok(), allowed, "{from} -> {to}");
            }
        }
    }
}
