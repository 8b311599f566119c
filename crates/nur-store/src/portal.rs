//! Portal accounts and sessions, over [`Tx`] for both backends. Session ids and codes arrive
//! here already hashed: the store never sees a live secret.

use crate::access::append;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store, StoreError};
use nur_core::account::{NewAccount, Role};
use nur_core::audit::NewEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub entity: Option<String>,
    pub password_hash: String,
    pub disabled: bool,
    pub totp_secret: Option<String>,
    pub contact: Option<String>,
    pub failed_logins: i64,
    pub locked_until_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id_hash: String,
    pub username: Option<String>,
    /// `anonymous` (before sign-in), `code` (password accepted, second factor due), `signed_in`.
    pub stage: String,
    pub csrf: String,
    pub created_at_ms: i64,
    pub seen_at_ms: i64,
    pub code_hash: Option<String>,
    pub code_expires_ms: Option<i64>,
    pub code_attempts: i64,
    pub code_sent_at_ms: Option<i64>,
    pub resends: i64,
    pub totp_step: Option<i64>,
}

const ACCOUNT: &str = "SELECT username, display_name, role, entity, password_hash, disabled, totp_secret, contact, failed_logins, locked_until FROM nur_account";
const SESSION: &str = "SELECT id_hash, username, stage, csrf, created_at, seen_at, code_hash, code_expires, code_attempts, code_sent_at, resends, totp_step FROM nur_session";

fn account_row(r: Vec<Cell>) -> Result<AccountRow> {
    Ok(AccountRow {
        username: r[0].text(),
        display_name: r[1].text(),
        role: Role::parse(&r[2].text())
            .ok_or_else(|| StoreError::Invalid(format!("account role {}", r[2].text())))?,
        entity: r[3].opt_text(),
        password_hash: r[4].text(),
        disabled: r[5].int() != 0,
        totp_secret: r[6].opt_text(),
        contact: r[7].opt_text(),
        failed_logins: r[8].int(),
        locked_until_ms: r[9].opt_int(),
    })
}

fn session_row(r: Vec<Cell>) -> SessionRow {
    SessionRow {
        id_hash: r[0].text(),
        username: r[1].opt_text(),
        stage: r[2].text(),
        csrf: r[3].text(),
        created_at_ms: r[4].int(),
        seen_at_ms: r[5].int(),
        code_hash: r[6].opt_text(),
        code_expires_ms: r[7].opt_int(),
        code_attempts: r[8].int(),
        code_sent_at_ms: r[9].opt_int(),
        resends: r[10].int(),
        totp_step: r[11].opt_int(),
    }
}

/// A change to an account's sign-in state.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// A failed password or code: one more failure, locked until the given time when set.
    Failed {
        lock_until_ms: Option<i64>,
    },
    /// A successful sign-in clears failures and the lock.
    SignedIn,
    Password {
        hash: String,
    },
    Totp {
        secret: Option<String>,
    },
    Disabled(bool),
    Contact(Option<String>),
}

/// How a session changes in a sign-in step.
#[derive(Debug, Clone)]
pub enum SessionWrite {
    /// Stores (or replaces) a session.
    Put(SessionRow),
    /// Replaces a session by another (a new id at each change of stage).
    Replace {
        old_hash: String,
        new: SessionRow,
    },
    Delete {
        id_hash: String,
    },
    /// Ends every session of an account (locked, disabled, new password).
    EndAll {
        username: String,
    },
}

/// How a pending password reset changes.
#[derive(Debug, Clone)]
pub enum ResetWrite {
    Put {
        code_hash: String,
        expires_at_ms: i64,
    },
    /// One more wrong code.
    Attempt,
    /// Used, or given up: removed.
    Done,
}

/// A pending password reset.
#[derive(Debug, Clone, PartialEq)]
pub struct ResetRow {
    pub code_hash: String,
    pub expires_at_ms: i64,
    pub attempts: i64,
    pub sent_at_ms: i64,
}

/// One step of signing in or of managing an account, written in one transaction with its
/// audit events: nothing about an account changes unrecorded.
#[derive(Debug, Clone, Default)]
pub struct AccountWrite {
    pub username: String,
    pub change: Vec<AccountChange>,
    pub sessions: Vec<SessionWrite>,
    pub reset: Option<ResetWrite>,
    pub events: Vec<NewEvent>,
}

pub(crate) fn account(tx: &mut dyn Tx, username: &str) -> Result<Option<AccountRow>> {
    tx.row(
        &format!("{ACCOUNT} WHERE username = $1"),
        &[username.into()],
    )?
    .map(account_row)
    .transpose()
}

fn change_account(tx: &mut dyn Tx, username: &str, change: &AccountChange) -> Result<()> {
    let u = username.into();
    let n = match change {
        AccountChange::Failed { lock_until_ms } => tx.exec(
            "UPDATE nur_account SET failed_logins = failed_logins + 1, locked_until = COALESCE(CAST($2 AS BIGINT), locked_until) WHERE username = $1",
            &[u, (*lock_until_ms).into()],
        )?,
        AccountChange::SignedIn => tx.exec(
            "UPDATE nur_account SET failed_logins = 0, locked_until = NULL WHERE username = $1",
            &[u],
        )?,
        AccountChange::Password { hash } => tx.exec(
            "UPDATE nur_account SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE username = $1",
            &[u, hash.as_str().into()],
        )?,
        AccountChange::Totp { secret } => tx.exec(
            "UPDATE nur_account SET totp_secret = $2 WHERE username = $1",
            &[u, secret.as_deref().into()],
        )?,
        AccountChange::Disabled(d) => tx.exec(
            "UPDATE nur_account SET disabled = (CAST($2 AS BIGINT) = 1) WHERE username = $1",
            &[u, i64::from(*d).into()],
        )?,
        AccountChange::Contact(c) => tx.exec(
            "UPDATE nur_account SET contact = $2 WHERE username = $1",
            &[u, c.as_deref().into()],
        )?,
    };
    if n == 0 {
        return Err(StoreError::NotFound(format!("account {username}")));
    }
    if matches!(
        change,
        AccountChange::Disabled(true) | AccountChange::Password { .. }
    ) {
        // A disabled account or a new password ends every open session.
        tx.exec("DELETE FROM nur_session WHERE username = $1", &[u])?;
    }
    Ok(())
}

pub(crate) fn write_session(tx: &mut dyn Tx, w: &SessionWrite) -> Result<()> {
    match w {
        SessionWrite::Put(s) => put_session(tx, s),
        SessionWrite::Replace { old_hash, new } => {
            tx.exec(
                "DELETE FROM nur_session WHERE id_hash = $1",
                &[old_hash.as_str().into()],
            )?;
            put_session(tx, new)
        }
        SessionWrite::Delete { id_hash } => {
            tx.exec(
                "DELETE FROM nur_session WHERE id_hash = $1",
                &[id_hash.as_str().into()],
            )?;
            Ok(())
        }
        SessionWrite::EndAll { username } => {
            tx.exec(
                "DELETE FROM nur_session WHERE username = $1",
                &[username.as_str().into()],
            )?;
            Ok(())
        }
    }
}

fn write_reset(tx: &mut dyn Tx, username: &str, w: &ResetWrite) -> Result<()> {
    let u = username.into();
    match w {
        ResetWrite::Put {
            code_hash,
            expires_at_ms,
        } => {
            tx.exec("DELETE FROM nur_password_reset WHERE username = $1", &[u])?;
            tx.exec(
                "INSERT INTO nur_password_reset (username, code_hash, expires_at, sent_at) VALUES ($1, $2, $3, $4)",
                &[u, code_hash.as_str().into(), (*expires_at_ms).into(), now_ms().into()],
            )?;
        }
        ResetWrite::Attempt => {
            tx.exec(
                "UPDATE nur_password_reset SET attempts = attempts + 1 WHERE username = $1",
                &[u],
            )?;
        }
        ResetWrite::Done => {
            tx.exec("DELETE FROM nur_password_reset WHERE username = $1", &[u])?;
        }
    }
    Ok(())
}

impl Store {
    /// Rows of the person table (the home page's count).
    pub fn person_count(&self, catalog: &nur_core::Catalog) -> Result<i64> {
        let sql = crate::ddl::count_rows(self.dialect(), catalog.person_table());
        self.read(|tx| Ok(tx.row(&sql, &[])?.map(|r| r[0].int()).unwrap_or(0)))
    }

    pub fn account(&self, username: &str) -> Result<Option<AccountRow>> {
        self.read(|tx| account(tx, username))
    }

    pub fn account_list(&self, entity: Option<&str>) -> Result<Vec<AccountRow>> {
        self.read(|tx| {
            tx.rows(
                &format!(
                    "{ACCOUNT} WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) ORDER BY username"
                ),
                &[entity.into()],
            )?
            .into_iter()
            .map(account_row)
            .collect()
        })
    }

    /// Accounts as (username, role, entity), by username.
    pub fn accounts(&self) -> Result<Vec<(String, String, Option<String>)>> {
        self.read(|tx| {
            Ok(tx
                .rows(
                    "SELECT username, role, entity FROM nur_account ORDER BY username",
                    &[],
                )?
                .into_iter()
                .map(|r| (r[0].text(), r[1].text(), r[2].opt_text()))
                .collect())
        })
    }

    /// Creates a portal account (or replaces one: `nur demo` resets its demo accounts), with
    /// its audit event.
    pub fn put_account(&self, a: &NewAccount, event: NewEvent) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO nur_account (username, display_name, role, entity, password_hash, contact, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, entity = excluded.entity, password_hash = excluded.password_hash, contact = excluded.contact",
                &[
                    a.username.as_str().into(),
                    a.display_name.as_str().into(),
                    a.role.as_str().into(),
                    a.entity.as_deref().into(),
                    a.password_hash.as_str().into(),
                    a.contact.as_deref().into(),
                    now_ms().into(),
                ],
            )?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// One step on an account (sign-in, lock, reset, administration) with its sessions and
    /// audit events, in one transaction.
    pub fn write_account(&self, w: &AccountWrite) -> Result<()> {
        self.write(|tx| {
            for c in &w.change {
                change_account(tx, &w.username, c)?;
            }
            for s in &w.sessions {
                write_session(tx, s)?;
            }
            if let Some(r) = &w.reset {
                write_reset(tx, &w.username, r)?;
            }
            for e in &w.events {
                append(tx, e.clone())?;
            }
            Ok(())
        })
    }

    /// A wrong second-factor code, counted on the account whatever session it came from
    /// (several open sign-ins share one count): one more failure and `failed`, and — when
    /// that makes `max` — the lock until `lock_until_ms`, every pending sign-in of the account
    /// ended and `locked` recorded, all in one transaction. `session` is the session's own
    /// new state (its attempts), written with it. Returns whether the account is now locked.
    pub fn count_code_failure(
        &self,
        username: &str,
        session: Option<&SessionRow>,
        (max, lock_until_ms): (i64, i64),
        failed: NewEvent,
        locked: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let u = username.into();
            tx.exec(
                "UPDATE nur_account SET failed_logins = failed_logins + 1 WHERE username = $1",
                &[u],
            )?;
            let row = tx
                .row(
                    "SELECT failed_logins, locked_until FROM nur_account WHERE username = $1",
                    &[u],
                )?
                .ok_or_else(|| StoreError::NotFound(format!("account {username}")))?;
            if let Some(s) = session {
                put_session(tx, s)?;
            }
            append(tx, failed)?;
            let now = now_ms();
            let already = row[1].opt_int().is_some_and(|t| t > now);
            if row[0].int() < max || already {
                return Ok(already);
            }
            tx.exec(
                "UPDATE nur_account SET locked_until = $2 WHERE username = $1",
                &[u, lock_until_ms.into()],
            )?;
            tx.exec(
                "DELETE FROM nur_session WHERE username = $1 AND stage = 'code'",
                &[u],
            )?;
            append(tx, locked)?;
            Ok(true)
        })
    }

    /// Session changes that are no step of an account (a visitor's first page, a touch).
    pub fn write_sessions(&self, writes: &[SessionWrite]) -> Result<()> {
        self.write(|tx| {
            for w in writes {
                write_session(tx, w)?;
            }
            Ok(())
        })
    }

    pub fn session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        self.read(|tx| {
            Ok(tx
                .row(&format!("{SESSION} WHERE id_hash = $1"), &[id_hash.into()])?
                .map(session_row))
        })
    }

    /// Removes sessions idle since `idle_before` or created before `created_before`.
    pub fn expire_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM nur_session WHERE seen_at < $1 OR created_at < $2",
                &[idle_before.into(), created_before.into()],
            )
        })
    }

    /// The pending reset of an account.
    pub fn reset(&self, username: &str) -> Result<Option<ResetRow>> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT code_hash, expires_at, attempts, sent_at FROM nur_password_reset WHERE username = $1",
                    &[username.into()],
                )?
                .map(|r| ResetRow {
                    code_hash: r[0].text(),
                    expires_at_ms: r[1].int(),
                    attempts: r[2].int(),
                    sent_at_ms: r[3].int(),
                }))
        })
    }
}

pub(crate) fn put_session(tx: &mut dyn Tx, s: &SessionRow) -> Result<()> {
    tx.exec(
        "DELETE FROM nur_session WHERE id_hash = $1",
        &[s.id_hash.as_str().into()],
    )?;
    tx.exec(
        "INSERT INTO nur_session (id_hash, username, stage, csrf, created_at, seen_at, code_hash, code_expires, code_attempts, code_sent_at, resends, totp_step) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            s.id_hash.as_str().into(),
            s.username.as_deref().into(),
            s.stage.as_str().into(),
            s.csrf.as_str().into(),
            s.created_at_ms.into(),
            s.seen_at_ms.into(),
            s.code_hash.as_deref().into(),
            s.code_expires_ms.into(),
            s.code_attempts.into(),
            s.code_sent_at_ms.into(),
            s.resends.into(),
            s.totp_step.into(),
        ],
    )?;
    Ok(())
}
