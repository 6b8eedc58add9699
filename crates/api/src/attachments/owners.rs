//! The records an attachment can belong to. An attachment is reached through its owner: the
//! caller needs the owner's own permission (read, or write to upload and delete) and must
//! see the owner in their data scope; an owner they cannot see makes its attachments 404.
//!
//! Adding an owner type (an activity, a deal, a vehicle, a ticket) is one line in `owners!`
//! below: its wire name, its table (for the sweep of attachments whose owner is gone), its
//! read and write permissions, and the use case that finds one in the caller's scope.

use autocrm_domain::access::Permission;

use crate::app::{Ctx, ServiceResult};

/// Whether the caller reads an owner's attachments or changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

macro_rules! owners {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, table $table:literal,
            read $read:ident, write $write:ident, visible $visible:path;
    )+) => {
        autocrm_domain::text_enum! {
            /// The kind of record an attachment belongs to.
            pub enum OwnerType {
                $($(#[$doc])* $variant = $name,)+
            }
        }

        impl OwnerType {
            /// The owners' table: an attachment whose owner row is gone from it is swept.
            pub const fn table(self) -> &'static str {
                match self {
                    $(OwnerType::$variant => $table,)+
                }
            }

            /// The permission the caller needs on the owner.
            pub const fn permission(self, access: Access) -> Permission {
                match (self, access) {
                    $(
                        (OwnerType::$variant, Access::Read) => Permission::$read,
                        (OwnerType::$variant, Access::Write) => Permission::$write,
                    )+
                }
            }

            /// `NotFound` unless the owner exists in the caller's organisation and scope.
            pub fn find_visible(self, ctx: &mut Ctx, id: &str) -> ServiceResult<()> {
                match self {
                    $(OwnerType::$variant => $visible(ctx, id).map(drop),)+
                }
            }
        }
    };
}

owners! {
    /// A customer: ID scans, business licences, photos, call recordings.
    Customer = "customer", table "customers",
        read CustomersRead, write CustomersWrite,
        visible crate::customers::service::find_visible;
    /// A financing application: the lender's documents (income proof, bank statements,
    /// signed contracts).
    FinancingApplication = "financing_application", table "financing_applications",
        read FinancingApplicationsRead, write FinancingApplicationsWrite,
        visible crate::financing::service::applications::find_visible;
    /// A car in inventory: its photos (实车照片), registration certificate, sale documents.
    Vehicle = "vehicle", table "vehicles",
        read InventoryRead, write InventoryWrite,
        visible crate::inventory::vehicles::service::find;
    /// An inspection report of a car: its photos (车况照片).
    InspectionReport = "inspection_report", table "inspection_reports",
        read InventoryRead, write InventoryWrite,
        visible crate::inventory::inspections::service::find_visible;
    /// A deal: its documents (试驾协议, signed contract, 车况确认单, ...), filed by kind
    /// through `POST /api/v1/deals/{id}/documents`.
    Deal = "deal", table "deals",
        read DealsRead, write DealsWrite,
        visible crate::sales::deals::service::find_visible;
    /// A test drive: the signed test-drive agreement (试驾协议), the licence scan.
    TestDrive = "test_drive", table "test_drives",
        read DealsRead, write DealsWrite,
        visible crate::sales::test_drives::service::find_visible;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owner_reads_and_writes_under_its_own_permissions() {
        for owner in OwnerType::ALL {
            let (read, write) = (
                owner.permission(Access::Read),
                owner.permission(Access::Write),
            );
            assert_ne!(read, write, "{owner}");
            // Whoever may write an owner's attachments may read them.
            for role in write.roles() {
                assert!(read.roles().contains(role), "{owner}: {role}");
            }
            // The attachment permissions admit every role some owner admits.
            for role in read.roles() {
                assert!(
                    Permission::AttachmentsRead.roles().contains(role),
                    "{owner}: {role}"
                );
            }
            for role in write.roles() {
                assert!(
                    Permission::AttachmentsWrite.roles().contains(role),
                    "{owner}: {role}"
                );
            }
            assert!(owner.table().ends_with('s'));
        }
    }
}
