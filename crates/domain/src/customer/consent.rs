//! Consent under PIPL: who agreed to what, how and when; and what that allows today.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What a consent covers; each purpose needs its own (PIPL art. 14, 23, 29).
    pub enum ConsentPurpose {
        /// Marketing contact: calls, SMS, WeChat messages, campaigns.
        Marketing = "marketing",
        /// Sharing with finance partners for a loan or lease application.
        DataSharingFinance = "data_sharing_finance",
        /// Sensitive personal information, such as the ID number.
        SensitiveData = "sensitive_data",
    }
}

crate::text_enum! {
    /// Where the customer expressed the choice.
    pub enum ConsentChannel {
        InStore = "in_store",
        Phone = "phone",
        Sms = "sms",
        Email = "email",
        Wechat = "wechat",
        MiniProgram = "mini_program",
        App = "app",
        Website = "website",
        /// Entered by staff in the CRM without the customer's own channel.
        Crm = "crm",
        /// Brought over from another system or a file.
        Import = "import",
    }
}

crate::text_enum! {
    /// How the choice was captured.
    pub enum ConsentMethod {
        /// Ticked a box in a form, app or mini-program.
        Checkbox = "checkbox",
        /// Signed on paper or electronically.
        Signature = "signature",
        /// Said so on a recorded call.
        Verbal = "verbal",
        /// Replied to an SMS (for example `TD` to unsubscribe).
        SmsReply = "sms_reply",
        /// Recorded by staff on the customer's word, including through the legacy
        /// `marketing_consent` flag.
        StaffEntry = "staff_entry",
        Import = "import",
    }
}

crate::text_enum! {
    pub enum ConsentAction {
        Granted = "granted",
        Withdrawn = "withdrawn",
    }
}

/// Longest consent text version accepted (`marketing-2025-03`).
pub const MAX_TEXT_VERSION_CHARS: usize = 40;

/// One grant or withdrawal, as recorded. Records are only ever added, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    pub action: ConsentAction,
    pub channel: ConsentChannel,
    pub method: ConsentMethod,
    /// When the customer made the choice.
    pub at: DateTime<Utc>,
    /// The version of the consent text the customer saw, when there was one.
    pub text_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error(
        "text_version must be 1 to {MAX_TEXT_VERSION_CHARS} characters without control characters"
    )]
    InvalidTextVersion,
}

impl ConsentRecord {
    /// What setting the customer's `marketing_consent` flag records: a marketing grant or
    /// withdrawal entered by staff.
    pub fn from_marketing_flag(granted: bool, at: DateTime<Utc>) -> Self {
        Self {
            purpose: ConsentPurpose::Marketing,
            action: if granted {
                ConsentAction::Granted
            } else {
                ConsentAction::Withdrawn
            },
            channel: ConsentChannel::Crm,
            method: ConsentMethod::StaffEntry,
            at,
            text_version: None,
        }
    }

    pub fn check(&self) -> Result<(), ConsentError> {
        match &self.text_version {
            Some(v)
                if v.trim().is_empty()
                    || v.chars().count() > MAX_TEXT_VERSION_CHARS
                    || v.chars().any(char::is_control) =>
            {
                Err(ConsentError::InvalidTextVersion)
            }
            _ => Ok(()),
        }
    }
}

/// Where a purpose stands after all its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ConsentStatus {
    /// No record for the purpose: nothing was ever asked or given.
    NeverRecorded,
    Granted {
        at: DateTime<Utc>,
    },
    Withdrawn {
        at: DateTime<Utc>,
    },
}

/// Whether a purpose is allowed, and the status that decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConsentCheck {
    pub purpose: ConsentPurpose,
    pub allowed: bool,
    pub status: ConsentStatus,
}

impl ConsentCheck {
    /// A purpose is allowed only while its latest record is a grant. Records may come in any
    /// order; between a grant and a withdrawal made at the same instant the withdrawal wins,
    /// so a doubt never counts as consent.
    pub fn of(records: &[ConsentRecord], purpose: ConsentPurpose) -> Self {
        let latest = records
            .iter()
            .filter(|r| r.purpose == purpose)
            .max_by_key(|r| (r.at, r.action == ConsentAction::Withdrawn));
        let status = match latest {
            None => ConsentStatus::NeverRecorded,
            Some(r) if r.action == ConsentAction::Granted => ConsentStatus::Granted { at: r.at },
            Some(r) => ConsentStatus::Withdrawn { at: r.at },
        };
        Self {
            purpose,
            allowed: matches!(status, ConsentStatus::Granted { .. }),
            status,
        }
    }

    /// Marketing may contact the customer only with a granted, unwithdrawn consent; the
    /// customer's derived `marketing_consent` flag is this check's `allowed`.
    pub fn marketing(records: &[ConsentRecord]) -> Self {
        Self::of(records, ConsentPurpose::Marketing)
    }

    /// Every purpose, in [`ConsentPurpose::ALL`] order: the consents section of the 360° view.
    pub fn all(records: &[ConsentRecord]) -> Vec<Self> {
        ConsentPurpose::ALL
            .iter()
            .map(|purpose| Self::of(records, *purpose))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
    }

    fn record(purpose: ConsentPurpose, action: ConsentAction, at: DateTime<Utc>) -> ConsentRecord {
        ConsentRecord {
            purpose,
            action,
            channel: ConsentChannel::MiniProgram,
            method: ConsentMethod::Checkbox,
            at,
            text_version: Some("privacy-2025-01".into()),
        }
    }

    use ConsentAction::{Granted, Withdrawn};
    use ConsentPurpose::{DataSharingFinance, Marketing, SensitiveData};

    #[test]
    fn nothing_recorded_allows_nothing() {
        let check = ConsentCheck::marketing(&[]);
        assert!(!check.allowed);
        assert_eq!(check.status, ConsentStatus::NeverRecorded);
    }

    #[test]
    fn a_withdrawal_after_a_grant_removes_it() {
        let records = [
            record(Marketing, Granted, at(1, 9)),
            record(Marketing, Withdrawn, at(5, 9)),
        ];
        let check = ConsentCheck::marketing(&records);
        assert!(!check.allowed);
        assert_eq!(check.status, ConsentStatus::Withdrawn { at: at(5, 9) });
    }

    #[test]
    fn the_latest_record_wins_whatever_the_order() {
        let records = [
            record(Marketing, Granted, at(9, 9)),
            record(Marketing, Withdrawn, at(5, 9)),
            record(Marketing, Granted, at(1, 9)),
        ];
        assert_eq!(
            ConsentCheck::marketing(&records).status,
            ConsentStatus::Granted { at: at(9, 9) }
        );
    }

    #[test]
    fn a_tie_counts_as_withdrawn() {
        let records = [
            record(Marketing, Withdrawn, at(1, 9)),
            record(Marketing, Granted, at(1, 9)),
        ];
        assert!(!ConsentCheck::marketing(&records).allowed);
    }

    #[test]
    fn purposes_are_independent() {
        let records = [
            record(DataSharingFinance, Granted, at(2, 9)),
            record(Marketing, Withdrawn, at(3, 9)),
        ];
        let all = ConsentCheck::all(&records);
        assert_eq!(
            all.iter()
                .map(|c| (c.purpose, c.allowed))
                .collect::<Vec<_>>(),
            [
                (Marketing, false),
                (DataSharingFinance, true),
                (SensitiveData, false)
            ]
        );
    }

    #[test]
    fn the_legacy_flag_records_a_staff_entry() {
        let grant = ConsentRecord::from_marketing_flag(true, at(1, 9));
        assert_eq!(grant.method, ConsentMethod::StaffEntry);
        assert_eq!(grant.channel, ConsentChannel::Crm);
        assert!(ConsentCheck::marketing(std::slice::from_ref(&grant)).allowed);
        let withdrawal = ConsentRecord::from_marketing_flag(false, at(2, 9));
        assert!(!ConsentCheck::marketing(&[grant, withdrawal]).allowed);
    }

    #[test]
    fn text_versions_are_checked() {
        let mut r = record(Marketing, Granted, at(1, 9));
        assert!(r.check().is_ok());
        r.text_version = Some(" ".into());
        assert_eq!(r.check(), Err(ConsentError::InvalidTextVersion));
        r.text_version = None;
        assert!(r.check().is_ok());
    }

    #[test]
    fn status_serialises_with_its_tag() {
        let json = serde_json::to_value(ConsentCheck::marketing(&[record(
            Marketing,
            Granted,
            at(1, 9),
        )]))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"purpose": "marketing", "allowed": true,
                "status": {"status": "granted", "at": "2025-03-01T09:00:00Z"}})
        );
    }

    fn any_record() -> impl Strategy<Value = ConsentRecord> {
        (0usize..3, any::<bool>(), 1u32..28, 0u32..24).prop_map(|(p, granted, day, hour)| {
            record(
                ConsentPurpose::ALL[p],
                if granted { Granted } else { Withdrawn },
                at(day, hour),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_later_record_decides(mut records in prop::collection::vec(any_record(), 0..12), granted: bool) {
            records.push(record(Marketing, if granted { Granted } else { Withdrawn }, at(28, 12)));
            prop_assert_eq!(ConsentCheck::marketing(&records).allowed, granted);
            records.reverse();
            prop_assert_eq!(ConsentCheck::marketing(&records).allowed, granted);
        }
    }
}
