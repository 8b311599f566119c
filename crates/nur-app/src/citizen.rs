//! A citizen's own door to the social registry. A citizen has no portal account: they sign
//! in with their national number and the number of their ID card (both checked against the
//! civil registry: a living person, a valid card), then a one-time code sent to the mobile
//! number the civil registry holds for them. The rules are the officers' (`signin`): per
//! address request rates; wrong card numbers hold back only the address they come from;
//! wrong codes count on the person, across all their sign-ins, and lock them for a while;
//! codes expire, allow a few attempts and are resent spaced and limited. Every step is
//! audited under the citizen's national number.
//!
//! Signed in, a citizen reaches their own household's applications (the family booklet the
//! civil registry puts them in) through the same use cases as a caseworker, and nothing else.

use crate::error::{AppError, Result};
use crate::signin::{code_hash, fresh, CodeStep, NewSession, ResendStep};
use crate::{App, Caller};
use nur_core::audit::NewEvent;
use nur_core::grant::Actor;
use nur_core::totp::constant_time_eq;
use nur_core::NationalNumber;
use nur_store::{citizen_session_name, now_ms, ApplicationRow, SessionRow, SessionWrite};
use serde_json::{Map, Value as Json};
use std::net::IpAddr;

/// A citizen's sign-in, code sent, second factor due.
pub const CITIZEN_CODE: &str = "citizen_code";
/// A signed-in citizen.
pub const CITIZEN: &str = "citizen";

/// Where a citizen's identity is read: the civil registry's ID cards (which cards sign in)
/// and the mobile number codes go to. Jordan's by default; a country names its own.
#[derive(Debug, Clone)]
pub struct CitizenDoor {
    pub card_table: String,
    pub card_column: String,
    /// The card's status column and the codes of a card that may sign in.
    pub card_status: Option<(String, Vec<String>)>,
    pub mobile_table: String,
    pub mobile_column: String,
    /// The address's governorate (the form starts with it) and the person's name parts.
    pub governorate_column: String,
    pub name_ar: Vec<String>,
    pub name_en: Vec<String>,
}

impl CitizenDoor {
    /// CSPD's ID cards (status 1, valid) and the mobile number of its address table.
    pub fn jordan() -> CitizenDoor {
        CitizenDoor {
            card_table: "CSPD_ID_Cards".into(),
            card_column: "Card_Number".into(),
            card_status: Some(("Card_Status".into(), vec!["1".into()])),
            mobile_table: "CSPD_Personal_Address".into(),
            mobile_column: "Mobile_Number".into(),
            governorate_column: "Governorate_Code".into(),
            name_ar: ["First_Name", "Second_Name", "Third_Name", "Family_Name"]
                .map(Into::into)
                .into(),
            name_en: [
                "First_Name_En",
                "Second_Name_En",
                "Third_Name_En",
                "Family_Name_En",
            ]
            .map(Into::into)
            .into(),
        }
    }
}

/// After the national number and card number.
#[derive(Debug)]
pub enum CitizenStep {
    /// A code was sent to the mobile ending in these digits; the second factor is due.
    CodeDue(Box<NewSession>, String),
    /// No living person with this national number holds this valid card (one answer for
    /// every reason, so the door tells nobody which national numbers exist).
    Invalid,
    /// Locked after wrong codes, or this address is held back after wrong card numbers.
    Locked,
    /// The civil registry holds no mobile number for the person: a code cannot reach them.
    NoMobile,
    SendFailed,
    TooFast,
}

/// A signed-in citizen as their pages show them.
#[derive(Debug, Clone)]
pub struct CitizenView {
    pub national_number: String,
    pub name_ar: String,
    pub name_en: String,
    /// Their family booklet (civil record number), the household they apply for.
    pub household: String,
    pub governorate: Option<String>,
    pub mobile_hint: String,
    pub applications: Vec<ApplicationRow>,
}

/// What the civil registry says of one person, for the door.
struct Identity {
    person: Map<String, Json>,
    alive: bool,
    cards: Vec<String>,
    mobile: Option<String>,
    governorate: Option<String>,
}

fn citizen_event(nn: &str, ip: Option<IpAddr>, action: &str, outcome: &str) -> NewEvent {
    NewEvent {
        actor_kind: "citizen".into(),
        actor: nn.into(),
        action: action.into(),
        target: format!("person:{nn}"),
        persons: vec![nn.into()],
        client_ip: ip.map(|i| i.to_string()),
        outcome: outcome.into(),
        ..Default::default()
    }
}

/// The last digits of a mobile number, for "a code was sent to …".
fn hint(mobile: &str) -> String {
    let digits: Vec<char> = mobile.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(3)..].iter().collect();
    format!("…{tail}")
}

fn normal_card(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

fn text_of(row: &Map<String, Json>, col: &str) -> Option<String> {
    match row.get(col)? {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The national number a citizen session names.
pub fn citizen_of(session: &SessionRow) -> Option<&str> {
    session
        .username
        .as_deref()
        .and_then(|u| u.strip_prefix("citizen:"))
}

impl App {
    /// The person's civil record, cards and mobile, read for the door itself (not an
    /// entity's access: the citizen proves who they are).
    fn identity(&self, nn: &str) -> Result<Option<Identity>> {
        let c = &self.catalog;
        let door = &self.sp.citizen;
        let person_table = c.person_table();
        let deaths = &self.sp.facts.deaths.table;
        let mut tables = vec![person_table];
        for t in [&door.card_table, &door.mobile_table, deaths] {
            if let Some(t) = c.table(t) {
                if !tables.iter().any(|x| x.name == t.name) {
                    tables.push(t);
                }
            }
        }
        let mut rows = self.store.registry_rows(&tables, &[nn])?;
        let Some(mut by_table) = rows.remove(nn) else {
            return Ok(None);
        };
        let Some(person) = by_table
            .remove(person_table.name.as_str())
            .and_then(|l| l.into_iter().next())
        else {
            return Ok(None);
        };
        let alive = by_table.get(deaths.as_str()).is_none_or(|l| l.is_empty());
        let cards = by_table
            .get(door.card_table.as_str())
            .map(|l| {
                l.iter()
                    .filter(|r| {
                        door.card_status.as_ref().is_none_or(|(col, ok)| {
                            text_of(r, col).is_some_and(|s| ok.contains(&s))
                        })
                    })
                    .filter_map(|r| text_of(r, &door.card_column))
                    .map(|s| normal_card(&s))
                    .collect()
            })
            .unwrap_or_default();
        let address = by_table
            .get(door.mobile_table.as_str())
            .and_then(|l| l.first());
        let mobile = address.and_then(|r| text_of(r, &door.mobile_column));
        let governorate = address.and_then(|r| text_of(r, &door.governorate_column));
        Ok(Some(Identity {
            person,
            alive,
            cards,
            mobile,
            governorate,
        }))
    }

    /// The first step: the national number and the ID card number.
    pub fn citizen_sign_in(
        &self,
        current: &SessionRow,
        national_number: &str,
        card: &str,
        ip: IpAddr,
    ) -> Result<CitizenStep> {
        let nn = national_number.trim();
        let key = citizen_session_name(nn);
        let refuse = |why: &str| {
            self.refused(
                ip,
                citizen_event(
                    nn,
                    Some(ip),
                    "citizen.login.failed",
                    &format!("refused: {why}"),
                ),
            )
        };
        if self.guards.signin_request(ip).is_err() {
            refuse("too many requests from this address");
            return Ok(CitizenStep::TooFast);
        }
        if self.guards.may_try(&key, ip).is_err() {
            refuse("this address is held back after wrong card numbers");
            return Ok(CitizenStep::Locked);
        }
        let wrong = |why: &str| {
            let held = self.guards.failed(&key, ip);
            refuse(why);
            Ok(if held {
                CitizenStep::Locked
            } else {
                CitizenStep::Invalid
            })
        };
        if NationalNumber::parse(&self.catalog.identity, nn).is_err() {
            return wrong("not a national number");
        }
        let now = now_ms();
        if self
            .store
            .citizen_signin(nn)?
            .locked_until_ms
            .is_some_and(|t| t > now)
        {
            refuse("locked after wrong codes");
            return Ok(CitizenStep::Locked);
        }
        let given = normal_card(card);
        let identity = self.identity(nn)?;
        // Every valid card is compared, in constant time: the answer takes as long whichever
        // card (if any) matches.
        let matched = identity.as_ref().is_some_and(|i| {
            i.alive
                && !given.is_empty()
                && i.cards.iter().fold(false, |m, c| {
                    constant_time_eq(c.as_bytes(), given.as_bytes()) | m
                })
        });
        let Some(identity) = identity.filter(|_| matched) else {
            return wrong("no living person with this national number holds this valid card");
        };
        let Some(mobile) = identity.mobile else {
            refuse("no mobile number on file");
            return Ok(CitizenStep::NoMobile);
        };
        let mut next = fresh(Some(&key), CITIZEN_CODE)?;
        if let Err(e) = self.deliver_code(&key, Some(&mobile), &mut next.session) {
            tracing::error!(error = %e, "could not deliver a citizen's sign-in code");
            return Ok(CitizenStep::SendFailed);
        }
        let p = &self.signin;
        self.store
            .expire_sessions(now - p.idle_ms, now - p.absolute_ms)?;
        self.store.write_sessions_with(
            &[SessionWrite::Replace {
                old_hash: current.id_hash.clone(),
                new: next.session.clone(),
            }],
            citizen_event(nn, Some(ip), "citizen.login.code_sent", "ok"),
        )?;
        Ok(CitizenStep::CodeDue(Box::new(next), hint(&mobile)))
    }

    /// The second step: the code sent to the citizen's mobile.
    pub fn citizen_code(&self, current: &SessionRow, code: &str, ip: IpAddr) -> Result<CodeStep> {
        let Some(nn) = citizen_of(current).filter(|_| current.stage == CITIZEN_CODE) else {
            return Ok(CodeStep::NotPending);
        };
        if self.guards.signin_request(ip).is_err() {
            return Ok(CodeStep::TooFast);
        }
        let now = now_ms();
        let key = citizen_session_name(nn);
        if self
            .store
            .citizen_signin(nn)?
            .locked_until_ms
            .is_some_and(|t| t > now)
        {
            self.store.write_sessions_with(
                &[SessionWrite::Delete {
                    id_hash: current.id_hash.clone(),
                }],
                citizen_event(nn, Some(ip), "citizen.login.failed", "refused: locked"),
            )?;
            return Ok(CodeStep::Locked);
        }
        if current.code_expires_ms.is_none_or(|t| t < now) {
            return Ok(CodeStep::Expired);
        }
        let want = current.code_hash.clone().unwrap_or_default();
        if !constant_time_eq(code_hash(current, code.trim()).as_bytes(), want.as_bytes()) {
            let mut sess = current.clone();
            sess.code_attempts += 1;
            let p = &self.signin;
            let used_up = sess.code_attempts >= p.code_attempts;
            let locked = self.store.count_citizen_code_failure(
                nn,
                (!used_up).then_some(&sess),
                (p.max_failed_logins, now + p.lock_ms),
                citizen_event(nn, Some(ip), "citizen.login.failed", "refused: wrong code"),
                citizen_event(
                    nn,
                    Some(ip),
                    "citizen.locked",
                    &format!(
                        "locked for {} min after {} wrong codes",
                        p.lock_ms / 60_000,
                        p.max_failed_logins
                    ),
                ),
            )?;
            if used_up && !locked {
                self.store.write_sessions(&[SessionWrite::Delete {
                    id_hash: sess.id_hash.clone(),
                }])?;
            }
            return Ok(if locked || used_up {
                CodeStep::Locked
            } else {
                CodeStep::Wrong
            });
        }
        let next = fresh(Some(&key), CITIZEN)?;
        self.store.citizen_signed_in(
            nn,
            SessionWrite::Replace {
                old_hash: current.id_hash.clone(),
                new: next.session.clone(),
            },
            citizen_event(nn, Some(ip), "citizen.login", "ok; one-time code"),
        )?;
        self.guards.succeeded(&key, ip);
        Ok(CodeStep::SignedIn(Box::new(next)))
    }

    /// A new code to the same mobile, spaced and limited as an officer's.
    pub fn citizen_resend(&self, current: &SessionRow, ip: IpAddr) -> Result<ResendStep> {
        let Some(nn) = citizen_of(current).filter(|_| current.stage == CITIZEN_CODE) else {
            return Ok(ResendStep::NotPending);
        };
        if self.guards.signin_request(ip).is_err() {
            return Ok(ResendStep::TooFast);
        }
        let now = now_ms();
        let too_soon = current
            .code_sent_at_ms
            .is_some_and(|t| now - t < self.signin.resend_after_ms);
        if too_soon || current.resends >= self.signin.max_resends {
            self.refused(
                ip,
                citizen_event(nn, Some(ip), "citizen.login.resend", "refused: rate limit"),
            );
            return Ok(ResendStep::Wait);
        }
        let Some(mobile) = self.identity(nn)?.and_then(|i| i.mobile) else {
            return Ok(ResendStep::SendFailed);
        };
        let mut sess = current.clone();
        sess.resends += 1;
        if let Err(e) = self.deliver_code(&citizen_session_name(nn), Some(&mobile), &mut sess) {
            tracing::error!(error = %e, "could not deliver a citizen's sign-in code");
            return Ok(ResendStep::SendFailed);
        }
        self.store.write_sessions(&[SessionWrite::Put(sess)])?;
        Ok(ResendStep::Resent)
    }

    /// The mobile hint of a sign-in waiting for its code.
    pub fn citizen_pending_hint(&self, current: &SessionRow) -> Result<Option<String>> {
        let Some(nn) = citizen_of(current).filter(|_| current.stage == CITIZEN_CODE) else {
            return Ok(None);
        };
        Ok(self.identity(nn)?.and_then(|i| i.mobile).map(|m| hint(&m)))
    }

    pub fn citizen_sign_out(&self, current: &SessionRow, ip: IpAddr) -> Result<()> {
        let nn = citizen_of(current).unwrap_or("");
        self.store.write_sessions_with(
            &[SessionWrite::Delete {
                id_hash: current.id_hash.clone(),
            }],
            citizen_event(nn, Some(ip), "citizen.logout", "ok"),
        )?;
        Ok(())
    }

    /// The citizen's household (their family booklet), read afresh: a citizen moved to
    /// another booklet applies for that one. `None` for a person the registry no longer holds
    /// or who has died.
    pub(crate) fn citizen_household(&self, nn: &str) -> Result<Option<String>> {
        let booklet = self.catalog.dimensions.person.civil_record_id.as_str();
        Ok(self
            .identity(nn)?
            .filter(|i| i.alive)
            .and_then(|i| text_of(&i.person, booklet)))
    }

    /// Whether `national_number` and `card` would pass the door (a living person, a valid
    /// card, a mobile on file), and their household: for the operator's demo and tests,
    /// which name a citizen who can sign in. Nothing is sent or recorded.
    pub fn citizen_may_sign_in(&self, national_number: &str, card: &str) -> Result<Option<String>> {
        let booklet = self.catalog.dimensions.person.civil_record_id.as_str();
        let given = normal_card(card);
        Ok(self
            .identity(national_number)?
            .filter(|i| i.alive && i.mobile.is_some() && i.cards.contains(&given))
            .and_then(|i| text_of(&i.person, booklet)))
    }

    /// A signed-in citizen's page: who they are, their household and its applications.
    pub fn citizen(&self, caller: &Caller) -> Result<CitizenView> {
        let Actor::Citizen {
            national_number: nn,
        } = &caller.actor
        else {
            return Err(AppError::forbidden(
                "not_a_citizen",
                "not a citizen's sign-in",
            ));
        };
        let Some(i) = self.identity(nn)?.filter(|i| i.alive) else {
            return Err(AppError::forbidden(
                "citizen_unknown",
                "the civil registry no longer holds this person",
            ));
        };
        let dims = &self.catalog.dimensions;
        let door = &self.sp.citizen;
        let name = |cols: &[String]| {
            cols.iter()
                .filter_map(|c| text_of(&i.person, c))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let household =
            text_of(&i.person, dims.person.civil_record_id.as_str()).unwrap_or_default();
        let applications = self.store.sp_applications_of(&household)?;
        Ok(CitizenView {
            national_number: nn.clone(),
            name_ar: name(&door.name_ar),
            name_en: name(&door.name_en),
            household,
            governorate: i.governorate,
            mobile_hint: i.mobile.as_deref().map(hint).unwrap_or_default(),
            applications,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_show_only_the_last_digits() {
        assert_eq!(hint("0791234567"), "…567");
        assert_eq!(hint("12"), "…12");
        assert_eq!(normal_card(" id0001 "), "ID0001");
    }
}
