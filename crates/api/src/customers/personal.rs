//! A customer's personal values at rest (PIPL, DESIGN §1): the other phones, WeChat ids,
//! identity documents and address are one AES-256-GCM ciphertext of their JSON (the key id
//! inside), beside their masked forms; exact lookups and duplicate checks go through keyed
//! blind indexes ([`lookup_values`]), never plaintext.

use autocrm_domain::contact::Phone;
use autocrm_domain::customer::{IdDocumentType, OtherIdDocument, ResidentIdNumber, masking};
use autocrm_persistence::models::{Customer, CustomerLookup, LookupKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::app::ServiceResult;
use crate::pii::PiiCipher;

/// The purpose label of the last-four-digits index key: a key of its own, so that an index
/// of four digits can never be compared with an index of a full value.
pub const LAST4_PURPOSE: &str = "phone-last4";

/// A phone and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPhone {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// An identity document other than the resident ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    #[serde(rename = "type")]
    pub document_type: String,
    pub number: String,
}

/// The encrypted personal values of a customer (clear in memory only), or their masked forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    /// The other phones (the primary one has its own column), E.164.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<LabelledPhone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_openid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_unionid: Option<String>,
    /// Mainland resident ID number, verified, upper-case `X`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card_number: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_id_documents: Vec<Document>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

fn masked_phone(number: &str) -> String {
    Phone::parse(number)
        .map(|p| p.masked())
        .unwrap_or_else(|_| "****".to_owned())
}

impl PersonalData {
    pub fn is_empty(&self) -> bool {
        *self == PersonalData::default()
    }

    /// The same values, masked for display (DESIGN §1, the domain's masking rules); `today`
    /// (the organisation's date) reads the ID number as it was accepted.
    pub fn masked(&self, today: NaiveDate) -> PersonalData {
        PersonalData {
            phones: masked_phones(&self.phones),
            wechat_openid: self.wechat_openid.as_deref().map(masking::wechat_id),
            wechat_unionid: self.wechat_unionid.as_deref().map(masking::wechat_id),
            id_card_number: self.id_card_number.as_deref().map(|n| {
                ResidentIdNumber::parse(n, today)
                    .map(|id| id.masked())
                    .unwrap_or_else(|_| "*".repeat(n.chars().count()))
            }),
            other_id_documents: self
                .other_id_documents
                .iter()
                .map(|d| Document {
                    document_type: d.document_type.clone(),
                    number: d
                        .document_type
                        .parse::<IdDocumentType>()
                        .ok()
                        .and_then(|t| OtherIdDocument::parse(t, &d.number).ok())
                        .map(|doc| doc.masked())
                        .unwrap_or_else(|| "****".to_owned()),
                })
                .collect(),
            address: self.address.as_deref().map(masking::address),
        }
    }

    /// The masked forms stored on a customer row.
    pub fn masked_of(customer: &Customer) -> PersonalData {
        customer
            .personal_masked
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default()
    }

    /// The clear values of a customer row (decrypted).
    pub fn read(pii: &PiiCipher, customer: &Customer) -> ServiceResult<PersonalData> {
        match customer.personal_ciphertext.as_deref() {
            None => Ok(PersonalData::default()),
            Some(stored) => {
                let clear = pii.decrypt(stored)?;
                serde_json::from_str(&clear).map_err(crate::app::ServiceError::internal)
            }
        }
    }

    /// Writes these values onto a customer row: encrypted, and masked beside.
    pub fn store(
        &self,
        pii: &PiiCipher,
        customer: &mut Customer,
        today: NaiveDate,
    ) -> ServiceResult<()> {
        if self.is_empty() {
            customer.personal_ciphertext = None;
            customer.personal_masked = None;
            return Ok(());
        }
        let clear = serde_json::to_string(self).map_err(crate::app::ServiceError::internal)?;
        customer.personal_ciphertext = Some(pii.encrypt(&clear)?);
        customer.personal_masked = Some(
            serde_json::to_string(&self.masked(today))
                .map_err(crate::app::ServiceError::internal)?,
        );
        Ok(())
    }
}

/// Phones masked, labels kept.
pub fn masked_phones(phones: &[LabelledPhone]) -> Vec<LabelledPhone> {
    phones
        .iter()
        .map(|p| LabelledPhone {
            number: masked_phone(&p.number),
            label: p.label.clone(),
        })
        .collect()
}

/// The masked phones stored on a contact row.
pub fn masked_phones_of(stored: Option<&str>) -> Vec<LabelledPhone> {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// Encrypts a list of phones (a contact person's): the ciphertext and the masked JSON.
pub fn store_phones(
    pii: &PiiCipher,
    phones: &[LabelledPhone],
) -> ServiceResult<(Option<String>, Option<String>)> {
    if phones.is_empty() {
        return Ok((None, None));
    }
    let clear = serde_json::to_string(phones).map_err(crate::app::ServiceError::internal)?;
    let masked = serde_json::to_string(&masked_phones(phones))
        .map_err(crate::app::ServiceError::internal)?;
    Ok((Some(pii.encrypt(&clear)?), Some(masked)))
}

/// Decrypts a contact person's phones.
pub fn read_phones(pii: &PiiCipher, stored: Option<&str>) -> ServiceResult<Vec<LabelledPhone>> {
    match stored {
        None => Ok(Vec::new()),
        Some(stored) => {
            serde_json::from_str(&pii.decrypt(stored)?).map_err(crate::app::ServiceError::internal)
        }
    }
}

/// The normalised values a customer is looked up by, each with its kind: every phone (and
/// its last four digits), the identity documents (type and number, so that a passport never
/// equals an ID number) and the WeChat ids.
pub fn lookup_values(primary: Option<&str>, data: &PersonalData) -> Vec<(LookupKind, String)> {
    let mut values = Vec::new();
    let phones = primary
        .into_iter()
        .chain(data.phones.iter().map(|p| p.number.as_str()));
    for phone in phones {
        values.push((LookupKind::Phone, phone.to_owned()));
        if let Ok(p) = Phone::parse(phone) {
            values.push((LookupKind::PhoneLast4, p.last4().to_owned()));
        }
    }
    if let Some(id) = &data.id_card_number {
        values.push((LookupKind::IdNumber, format!("resident_id:{id}")));
    }
    for doc in &data.other_id_documents {
        values.push((
            LookupKind::IdNumber,
            format!("{}:{}", doc.document_type, doc.number),
        ));
    }
    for id in [&data.wechat_openid, &data.wechat_unionid]
        .into_iter()
        .flatten()
    {
        values.push((LookupKind::Wechat, wechat_value(id)));
    }
    values.sort();
    values.dedup();
    values
}

/// The lookup value of a WeChat id (openid or unionid: one kind, so either finds the
/// customer).
pub fn wechat_value(id: &str) -> String {
    format!("wechat:{id}")
}

/// The index of a value under the current key (what is stored).
pub fn index_of(pii: &PiiCipher, kind: LookupKind, value: &str) -> String {
    match kind {
        LookupKind::PhoneLast4 => pii.purpose_index(LAST4_PURPOSE, value),
        _ => pii.blind_index(value),
    }
}

/// The indexes of a value under every key of the ring (what a lookup matches while rows
/// are not rotated yet).
pub fn indexes_of(pii: &PiiCipher, kind: LookupKind, value: &str) -> Vec<String> {
    match kind {
        LookupKind::PhoneLast4 => pii.purpose_indexes(LAST4_PURPOSE, value),
        _ => pii.blind_indexes(value),
    }
}

/// The lookup rows of a customer, under the current key.
pub fn lookups(
    pii: &PiiCipher,
    customer: &Customer,
    data: &PersonalData,
    primary: Option<&str>,
) -> Vec<CustomerLookup> {
    let mut rows: Vec<CustomerLookup> = lookup_values(primary, data)
        .into_iter()
        .map(|(kind, value)| CustomerLookup {
            org_id: customer.org_id.clone(),
            kind: kind.as_str().to_owned(),
            blind_index: index_of(pii, kind, &value),
            customer_id: customer.id.clone(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.kind, &a.blind_index).cmp(&(&b.kind, &b.blind_index)));
    rows.dedup();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_forms_hide_the_values() {
        let data = PersonalData {
            phones: vec![LabelledPhone {
                number: "+8613912345678".into(),
                label: Some("work".into()),
            }],
            wechat_openid: Some("oWx1234567890abc".into()),
            wechat_unionid: None,
            id_card_number: Some("11010519491231002X".into()),
            other_id_documents: vec![Document {
                document_type: "passport".into(),
                number: "E12345678".into(),
            }],
            address: Some("上海市浦东新区张杨路500号".into()),
        };
        let masked = data.masked(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let json = serde_json::to_string(&masked).unwrap();
        for clear in [
            "13912345678",
            "oWx1234567890abc",
            "11010519491231002X",
            "E12345678",
            "张杨路500号",
        ] {
            assert!(!json.contains(clear), "{clear} in {json}");
        }
        assert_eq!(masked.phones[0].number, "139****5678");
        assert_eq!(masked.id_card_number.as_deref(), Some("110105********002X"));
    }

    #[test]
    fn lookups_cover_every_phone_and_document_and_keep_kinds_apart() {
        let data = PersonalData {
            phones: vec![LabelledPhone {
                number: "+8613912345678".into(),
                label: None,
            }],
            id_card_number: Some("11010519491231002X".into()),
            ..PersonalData::default()
        };
        let values = lookup_values(Some("+8613812345678"), &data);
        let kinds = |k: LookupKind| values.iter().filter(|(kind, _)| *kind == k).count();
        assert_eq!(kinds(LookupKind::Phone), 2);
        assert_eq!(kinds(LookupKind::PhoneLast4), 1, "both end in 5678");
        assert_eq!(kinds(LookupKind::IdNumber), 1);
        let pii = PiiCipher::new("k");
        assert_ne!(
            index_of(&pii, LookupKind::PhoneLast4, "5678"),
            index_of(&pii, LookupKind::Phone, "5678"),
            "the last four digits have a key of their own"
        );
    }
}
