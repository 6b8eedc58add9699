//! Customers: what they want, who they are, and the rules over their records.

pub mod masking;

mod activity;
mod behavior;
mod business;
mod consent;
mod documents;
mod duplicates;
mod identity;
mod lifecycle;
mod merge;
mod names;
mod needs;
mod profile;
mod tags;
mod text;

pub use activity::{ActivityError, ActivityKind, ActivityOutcome};
pub use behavior::{
    BehaviorEvent, BehaviorEventError, BehaviorEventType, BehaviorSummary, MAX_COMPARED_MODELS,
    MAX_MODEL_NAME_CHARS, ModelInterest, ModelRef,
};
pub use business::{CreditCodeError, RegistrationAuthority, UnifiedSocialCreditCode};
pub use consent::{
    ConsentAction, ConsentChannel, ConsentCheck, ConsentError, ConsentMethod, ConsentPurpose,
    ConsentRecord, ConsentStatus, MAX_TEXT_VERSION_CHARS,
};
pub use documents::{IdDocumentError, IdDocumentType, MAX_DOCUMENT_NUMBER_CHARS, OtherIdDocument};
pub use duplicates::{
    DuplicateMatch, DuplicateVerdict, MatchFacts, MatchReason, RankedDuplicate, rank_duplicates,
};
pub use identity::{
    Gender, IdHolderOrigin, IdentityMismatch, MAX_AGE_YEARS, ResidentIdError, ResidentIdNumber,
};
pub use lifecycle::{LifecycleChange, LifecycleError, LifecycleMove, LifecycleStage};
pub use merge::{
    CustomerField, FieldChange, FieldChoice, FieldConflict, InvalidChoice, MergeError, MergePlan,
    MergeProblem, MergeProfile, Resolution, SourceValue, find_merge_conflicts, plan_merge,
};
pub use names::{NameSimilarity, compare_names, normalise_name};
pub use needs::{NeedCriterion, Needs, NeedsError, PaymentMethod, PurchaseTimeframe, TradeIn};
pub use profile::{CustomerKind, CustomerStatus, SourceChannel};
pub use tags::{
    CustomerHistory, DynamicTag, MAX_CONDITION_DEPTH, MAX_CONDITIONS_PER_RULE, MAX_RULE_ID_CHARS,
    MAX_RULES, MAX_TAG_NAME_CHARS, RuleId, RuleProblem, TagColour, TagCondition, TagError,
    TagEvidence, TagInputs, TagName, TagRule, TagRuleError, TagRuleSet,
};
