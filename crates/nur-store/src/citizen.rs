//! What a citizen's sign-in to the social registry keeps (migration 0008): the wrong codes
//! counted on the person, whatever sign-in they came from, and the lock they lead to. The
//! citizen's sessions are portal sessions named `citizen:<national number>`.

use crate::access::append;
use crate::portal::{put_session, write_session};
use crate::sql::Tx;
use crate::{now_ms, Result, SessionRow, SessionWrite, Store};
use nur_core::audit::NewEvent;

/// The session name of a citizen (no portal account can be named so: usernames hold no `:`).
pub fn citizen_session_name(national_number: &str) -> String {
    format!("citizen:{national_number}")
}

/// A citizen's sign-in record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CitizenSignin {
    pub failed_codes: i64,
    pub locked_until_ms: Option<i64>,
    pub signed_in_at_ms: Option<i64>,
}

fn ensure(tx: &mut dyn Tx, nn: &str) -> Result<()> {
    tx.exec(
        "INSERT INTO sp_citizen_signin (national_number) VALUES ($1) ON CONFLICT (national_number) DO NOTHING",
        &[nn.into()],
    )?;
    Ok(())
}

impl Store {
    pub fn citizen_signin(&self, national_number: &str) -> Result<CitizenSignin> {
        self.read(|tx| {
            Ok(tx
                .row(
                    "SELECT failed_codes, locked_until, signed_in_at FROM sp_citizen_signin WHERE national_number = $1",
                    &[national_number.into()],
                )?
                .map(|r| CitizenSignin {
                    failed_codes: r[0].int(),
                    locked_until_ms: r[1].opt_int(),
                    signed_in_at_ms: r[2].opt_int(),
                })
                .unwrap_or_default())
        })
    }

    /// A wrong code from a citizen: one more failure (with `failed`) and, when that makes
    /// `max`, the lock until `lock_until_ms`, every pending sign-in of the person ended and
    /// `locked` recorded, in one transaction. `session` is the sign-in's own new state, when it
    /// goes on. Returns whether the citizen is now locked.
    pub fn count_citizen_code_failure(
        &self,
        national_number: &str,
        session: Option<&SessionRow>,
        (max, lock_until_ms): (i64, i64),
        failed: NewEvent,
        locked: NewEvent,
    ) -> Result<bool> {
        self.write(|tx| {
            let nn = national_number.into();
            ensure(tx, national_number)?;
            tx.exec(
                "UPDATE sp_citizen_signin SET failed_codes = failed_codes + 1 WHERE national_number = $1",
                &[nn],
            )?;
            let row = tx
                .row(
                    "SELECT failed_codes, locked_until FROM sp_citizen_signin WHERE national_number = $1",
                    &[nn],
                )?
                .expect("the row was just written");
            if let Some(s) = session {
                put_session(tx, s)?;
            }
            append(tx, failed)?;
            let already = row[1].opt_int().is_some_and(|t| t > now_ms());
            if row[0].int() < max || already {
                return Ok(already);
            }
            tx.exec(
                "UPDATE sp_citizen_signin SET locked_until = $2, failed_codes = 0 WHERE national_number = $1",
                &[nn, lock_until_ms.into()],
            )?;
            let name = citizen_session_name(national_number);
            tx.exec(
                "DELETE FROM nur_session WHERE username = $1 AND stage <> 'citizen'",
                &[name.as_str().into()],
            )?;
            append(tx, locked)?;
            Ok(true)
        })
    }

    /// A citizen's right code: the count starts again, the sign-in's session is replaced by
    /// the signed-in one, with its event, in one transaction.
    pub fn citizen_signed_in(
        &self,
        national_number: &str,
        session: SessionWrite,
        event: NewEvent,
    ) -> Result<()> {
        self.write(|tx| {
            ensure(tx, national_number)?;
            tx.exec(
                "UPDATE sp_citizen_signin SET failed_codes = 0, signed_in_at = $2 WHERE national_number = $1",
                &[national_number.into(), now_ms().into()],
            )?;
            write_session(tx, &session)?;
            append(tx, event)?;
            Ok(())
        })
    }

    /// Session changes with their event (a citizen's code sent, a sign-out).
    pub fn write_sessions_with(&self, writes: &[SessionWrite], event: NewEvent) -> Result<()> {
        self.write(|tx| {
            for w in writes {
                write_session(tx, w)?;
            }
            append(tx, event)?;
            Ok(())
        })
    }
}
