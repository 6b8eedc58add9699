//! Customers: what they want, who they are, and the rules over their records.

mod needs;

pub use needs::{NeedCriterion, Needs, NeedsError, PaymentMethod, PurchaseTimeframe, TradeIn};
