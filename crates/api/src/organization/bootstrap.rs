//! `autocrm bootstrap`: a new organisation and its first admin, from the command line.

use autocrm_domain::access::Role;
use autocrm_domain::contact::Email;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{is_unique_violation, write_tx};
use autocrm_persistence::models::{Organization, TenantRecord, User};

use crate::auth::password::{self, PasswordHasher};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{0}")]
    Invalid(String),
    #[error("an organisation named {0:?} already exists")]
    OrgExists(String),
    #[error("a user with email {0} already exists")]
    EmailTaken(String),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

pub struct Bootstrapped {
    pub org: Organization,
    pub admin: User,
}

pub fn bootstrap(
    conn: &mut DbConn,
    hasher: &PasswordHasher,
    at: chrono::NaiveDateTime,
    org_name: &str,
    admin_email: &str,
    admin_password: &str,
) -> Result<Bootstrapped, BootstrapError> {
    let org_name = org_name.trim();
    if org_name.is_empty() || org_name.chars().count() > 100 {
        return Err(BootstrapError::Invalid(
            "the organisation name must be 1 to 100 characters".into(),
        ));
    }
    let email = Email::parse(admin_email)
        .map_err(|e| BootstrapError::Invalid(format!("admin email: {e}")))?;
    password::check_strength(admin_password).map_err(|e| {
        let message = e.message.unwrap_or_default();
        BootstrapError::Invalid(format!("admin password {message}"))
    })?;
    let password_hash = hasher
        .hash(admin_password)
        .map_err(|_| BootstrapError::Invalid("could not hash the password".into()))?;
    write_tx(conn, |conn| {
        if Organization::find_by_name(conn, org_name)?.is_some() {
            return Err(BootstrapError::OrgExists(org_name.to_owned()));
        }
        let org = Organization::new(org_name, at);
        org.insert(conn)?;
        let admin = User::new(
            &org.id,
            None,
            "Administrator".into(),
            email.as_str().to_owned(),
            None,
            Role::Admin.as_str(),
            password_hash,
            at,
        );
        admin.insert(conn).map_err(|e| {
            if is_unique_violation(&e) {
                BootstrapError::EmailTaken(email.as_str().to_owned())
            } else {
                e.into()
            }
        })?;
        Ok(Bootstrapped { org, admin })
    })
}
