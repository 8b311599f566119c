//! Portal accounts: create (with a one-time first password), disable, enable, reset the
//! second factor, list. An Entity Admin manages its own entity's users, the Super Admin (and
//! the operator) everyone's; nobody changes their own account here. Every change is written
//! with its audit event in one transaction.

use crate::caller::Caller;
use crate::error::{no_randomness, AppError, Result};
use crate::App;
use nur_core::account::{hash_password, NewAccount, Role};
use nur_core::grant::Actor;
use nur_store::{AccountChange, AccountRow, AccountWrite};

/// A new account as asked for.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for Entity Admins and Users; an Entity Admin may only name their own.
    pub entity: Option<String>,
    pub contact: Option<String>,
    /// The first password; drawn at random when not given.
    pub password: Option<String>,
    /// Replace an account of the same name (the operator only: `nur demo` renews its demo
    /// accounts this way).
    pub replace: bool,
}

/// What can be done to an existing account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Disable,
    Enable,
    /// Removes the enrolled authenticator: the next sign-in uses a delivered code.
    ResetFactor,
}

impl UserChange {
    pub fn parse(s: &str) -> Option<UserChange> {
        match s {
            "disable" => Some(UserChange::Disable),
            "enable" => Some(UserChange::Enable),
            "reset_factor" => Some(UserChange::ResetFactor),
            _ => None,
        }
    }
    fn action(self) -> &'static str {
        match self {
            UserChange::Disable => "account.disable",
            UserChange::Enable => "account.enable",
            UserChange::ResetFactor => "account.reset_factor",
        }
    }
}

/// A first password for a person (16 characters from an alphabet without look-alikes).
pub fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(no_randomness)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[*b as usize % ALPHABET.len()]))
        .collect())
}

fn valid_username(u: &str) -> bool {
    (3..=40).contains(&u.len())
        && u.starts_with(|c: char| c.is_ascii_alphabetic())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// The entity whose accounts the actor manages: `None` for everyone's.
fn scope(actor: &Actor) -> Result<Option<String>> {
    match actor {
        Actor::Operator { .. }
        | Actor::User {
            role: Role::SuperAdmin,
            ..
        } => Ok(None),
        Actor::User {
            role: Role::EntityAdmin,
            entity: Some(e),
            ..
        } => Ok(Some(e.to_string())),
        _ => Err(AppError::forbidden(
            "not_admin",
            "only an Entity Admin or the Super Admin manages accounts",
        )),
    }
}

impl App {
    /// The accounts the caller manages.
    pub fn users(&self, caller: &Caller) -> Result<Vec<AccountRow>> {
        let scope = scope(&caller.actor)?;
        Ok(self.store.account_list(scope.as_deref())?)
    }

    /// Creates an account; returns its first password (shown once).
    pub fn create_user(&self, caller: &Caller, new: NewUser) -> Result<String> {
        let scope = scope(&caller.actor)?;
        let username = new.username.trim().to_owned();
        if !valid_username(&username) {
            return Err(AppError::invalid(
                "invalid_username",
                format!("username {username:?}: 3–40 letters, digits, '_', '.' or '-', starting with a letter"),
            ));
        }
        let entity = match (new.role, &scope) {
            (Role::SuperAdmin, None) => None,
            (Role::SuperAdmin, Some(_)) => {
                return Err(AppError::forbidden(
                    "not_super_admin",
                    "only the Super Admin creates Super Admins",
                ))
            }
            // An oversight body's officer: of no entity, made by the platform only.
            (Role::Auditor, None) if new.entity.is_none() => None,
            (Role::Auditor, None) => {
                return Err(AppError::invalid(
                    "auditor_entity",
                    "an Auditor belongs to no entity (it reads the whole trail)",
                ))
            }
            (Role::Auditor, Some(_)) => {
                return Err(AppError::forbidden(
                    "not_super_admin",
                    "only the Super Admin creates Auditors",
                ))
            }
            (_, Some(mine)) => {
                if new.entity.as_ref().is_some_and(|e| e != mine) {
                    return Err(AppError::forbidden(
                        "other_entity",
                        format!("an admin of {mine} creates accounts of {mine} only"),
                    ));
                }
                Some(mine.clone())
            }
            (_, None) => Some(
                new.entity
                    .clone()
                    .filter(|e| self.catalog.entity(e).is_some())
                    .ok_or_else(|| {
                        AppError::invalid(
                            "unknown_entity",
                            "an Entity Admin or User belongs to an entity of the catalog",
                        )
                    })?,
            ),
        };
        let may_replace = new.replace && matches!(caller.actor, Actor::Operator { .. });
        if !may_replace && self.store.account(&username)?.is_some() {
            return Err(AppError::invalid(
                "account_exists",
                format!("an account {username} exists"),
            ));
        }
        let password = match new.password {
            Some(p) => p,
            None => random_password()?,
        };
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(no_randomness)?;
        let mut ev = caller.event("account.create", format!("account:{username}"));
        ev.entity = entity.clone();
        ev.outcome = format!("ok; role {}", new.role.as_str());
        self.store.put_account(
            &NewAccount {
                username,
                display_name: new.display_name.trim().to_owned(),
                role: new.role,
                entity,
                password_hash: hash_password(&password, &salt).map_err(AppError::internal)?,
                contact: new
                    .contact
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            },
            ev,
        )?;
        Ok(password)
    }

    /// Disables, enables or resets the second factor of an account the caller manages.
    pub fn change_user(&self, caller: &Caller, username: &str, change: UserChange) -> Result<()> {
        let scope = scope(&caller.actor)?;
        let target = self.store.account(username)?.ok_or_else(|| {
            AppError::not_found("account_not_found", format!("no account {username}"))
        })?;
        let allowed = target.username != caller.actor.name()
            && match &scope {
                None => true,
                Some(mine) => {
                    target.role != Role::SuperAdmin && target.entity.as_deref() == Some(mine)
                }
            };
        if !allowed {
            return Err(AppError::forbidden(
                "not_your_account_to_change",
                format!(
                    "{} may not change the account {username}",
                    caller.actor.name()
                ),
            ));
        }
        let mut ev = caller.event(change.action(), format!("account:{username}"));
        ev.entity = target.entity.clone();
        self.store.write_account(&AccountWrite {
            username: username.to_owned(),
            change: vec![match change {
                UserChange::Disable => AccountChange::Disabled(true),
                UserChange::Enable => AccountChange::Disabled(false),
                UserChange::ResetFactor => AccountChange::Totp { secret: None },
            }],
            events: vec![ev],
            ..Default::default()
        })?;
        Ok(())
    }
}
