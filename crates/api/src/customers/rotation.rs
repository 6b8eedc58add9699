//! `autocrm rotate-pii-key` for customers: every customer's ciphertexts (primary phone, the
//! personal values, the contact persons' phones) rewritten under the current key, and its
//! lookup indexes rebuilt under it. One customer per transaction, with its row locked, so
//! it is safe while the API serves; walked in id order, so an interrupted run resumes from
//! the last id it printed (`--after`), and a repeated run skips what is already rotated.

use autocrm_persistence::DbConn;
use autocrm_persistence::db::{lock_row, write_tx};
use autocrm_persistence::models::{Customer, CustomerLookup, TenantRecord};

use super::service::rotate_customer;
use crate::app::ServiceResult;
use crate::pii::PiiCipher;

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RotationReport {
    /// Customers looked at.
    pub seen: usize,
    /// Customers whose ciphertexts were rewritten (or whose lookups were built anew).
    pub rewritten: usize,
}

/// Rotates every customer after `after` (by id), `batch` at a time; `progress` hears the
/// last id of each batch, from which a later run may resume.
pub fn rotate_customers(
    conn: &mut DbConn,
    pii: &PiiCipher,
    after: Option<String>,
    batch: i64,
    mut progress: impl FnMut(&str, RotationReport),
) -> ServiceResult<RotationReport> {
    let mut report = RotationReport::default();
    let mut after = after;
    loop {
        let page = Customer::page_all(conn, after.as_deref(), batch)?;
        let Some(last) = page.last().map(|c| c.id.clone()) else {
            return Ok(report);
        };
        for listed in page {
            report.seen += 1;
            let rewritten = write_tx(conn, |conn| -> ServiceResult<bool> {
                lock_row(conn, Customer::TABLE, &listed.id)?;
                let Some(mut customer) = Customer::find(conn, &listed.org_id, &listed.id)? else {
                    return Ok(false);
                };
                let unindexed = CustomerLookup::of_customer(conn, &customer.id)?.is_empty()
                    && (customer.phone_ciphertext.is_some()
                        || customer.personal_ciphertext.is_some());
                let rotated = rotate_customer(pii, conn, &mut customer, unindexed)?;
                Ok(rotated || unindexed)
            })?;
            if rewritten {
                report.rewritten += 1;
            }
        }
        progress(&last, report);
        after = Some(last);
    }
}
