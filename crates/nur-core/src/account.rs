//! Portal accounts: roles and password hashing (argon2id). The salt is passed in so this
//! crate stays free of IO; callers draw it from the operating system.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything administrative (the platform operator).
    SuperAdmin,
    /// One entity's grants (as custodian), users, clients and procedures (as consumer).
    EntityAdmin,
    /// Runs the entity's procedures and person lookups.
    EntityUser,
    /// Reads the whole audit trail and every citizen's full access report; changes nothing
    /// and reads no registry data (an oversight body's officer).
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::EntityAdmin => "entity_admin",
            Role::EntityUser => "entity_user",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "super_admin" => Some(Role::SuperAdmin),
            "entity_admin" => Some(Role::EntityAdmin),
            "entity_user" => Some(Role::EntityUser),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::SuperAdmin => "Super Admin",
            Role::EntityAdmin => "Entity Admin",
            Role::EntityUser => "Entity User",
            Role::Auditor => "Auditor",
        })
    }
}

/// A new account as stored: the password only as its argon2id hash.
#[derive(Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub entity: Option<String>,
    pub password_hash: String,
    /// Where one-time codes are delivered (an e-mail address or a mobile number).
    pub contact: Option<String>,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("entity", &self.entity)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// argon2id with the crate's default (OWASP-recommended) parameters, in PHC string form.
pub fn hash_password(password: &str, salt: &[u8; 16]) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Constant-time verification of a password against a stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("s3cret-pass", &[7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("s3cret-pass", &h));
        assert!(!verify_password("s3cret-pasS", &h));
        assert!(!verify_password("s3cret-pass", "not a hash"));
    }
}
