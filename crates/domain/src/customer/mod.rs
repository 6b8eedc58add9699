//! Customers: what they want, who they are, and the rules over their records.

pub mod masking;

mod business;
mod documents;
mod identity;
mod names;
mod needs;
mod text;

pub use business::{CreditCodeError, RegistrationAuthority, UnifiedSocialCreditCode};
pub use documents::{IdDocumentError, IdDocumentType, MAX_DOCUMENT_NUMBER_CHARS, OtherIdDocument};
pub use identity::{
    Gender, IdHolderOrigin, IdentityMismatch, MAX_AGE_YEARS, ResidentIdError, ResidentIdNumber,
};
pub use names::{NameSimilarity, compare_names, normalise_name};
pub use needs::{NeedCriterion, Needs, NeedsError, PaymentMethod, PurchaseTimeframe, TradeIn};
