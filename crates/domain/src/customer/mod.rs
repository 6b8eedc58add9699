//! Customers: what they want, who they are, and the rules over their records.

mod kinds;
mod needs;

pub use kinds::{CustomerKind, CustomerStatus, SourceChannel};
pub use needs::{NeedCriterion, Needs, NeedsError, PaymentMethod, PurchaseTimeframe, TradeIn};
