//! Signing in to the portal: username and password (argon2id), then a second factor — TOTP
//! from an authenticator app when the account has enrolled one, otherwise a one-time code
//! sent through the [`Delivery`]. Codes expire, are compared in constant time and allow a
//! few attempts. Wrong *codes* count on the account, across all its sign-ins, and lock it
//! (every pending sign-in ends); wrong *passwords* only hold back the address they come from
//! (`guards`), so knowing a username is not enough to lock its owner out. A reset code, sent
//! to the account's contact, ends a lock. Every failure, lock, sign-in and sign-out is
//! audited (repeated refusals from one address as one event per interval). A session is made
//! only once a password is right, with a new id at each step after. Also: resend
//! (rate-limited), forgotten password, TOTP enrolment, and the server-side sessions (idle and
//! absolute timeouts).
//!
//! The pages (forms, redirects, cookies) are the portal's; the rules are here.

use crate::error::{no_randomness, Result};
use crate::App;
use nur_core::account::{hash_password, verify_password};
use nur_core::audit::NewEvent;
use nur_core::totp::{constant_time_eq, Totp};
use nur_store::{
    now_ms, AccountChange, AccountRow, AccountWrite, ResetWrite, SessionRow, SessionWrite,
};
use std::net::IpAddr;

pub const ANONYMOUS: &str = "anonymous";
pub const CODE: &str = "code";
pub const SIGNED_IN: &str = "signed_in";

/// Where one-time codes go: an SMS gateway or SMTP relay in production, an outbox file in
/// development.
pub trait Delivery: Send + Sync {
    /// Sends `text` to the account's contact (phone or e-mail).
    fn send(&self, username: &str, contact: Option<&str>, text: &str) -> Result<(), String>;
}

/// The sign-in rules of a deployment.
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    /// Sessions end after this long without a request, and this long after sign-in.
    pub idle_ms: i64,
    pub absolute_ms: i64,
    /// Code lifetime and attempts; resend spacing and count; lockout.
    pub code_ttl_ms: i64,
    pub code_attempts: i64,
    pub resend_after_ms: i64,
    pub max_resends: i64,
    pub max_failed_logins: i64,
    pub lock_ms: i64,
}

impl Default for SignInPolicy {
    fn default() -> SignInPolicy {
        SignInPolicy {
            idle_ms: 15 * 60_000,
            absolute_ms: 8 * 3_600_000,
            code_ttl_ms: 5 * 60_000,
            code_attempts: 5,
            resend_after_ms: 30_000,
            max_resends: 3,
            max_failed_logins: 5,
            lock_ms: 15 * 60_000,
        }
    }
}

/// A new session and the cookie value that names it (only its hash is stored).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session: SessionRow,
    pub cookie: String,
}

/// After the password.
#[derive(Debug)]
pub enum PasswordStep {
    /// The second factor is due in this new session.
    CodeDue(Box<NewSession>),
    Invalid,
    /// The account is locked, or this address is held back for it after wrong passwords.
    Locked,
    /// The password was right but no code could be sent.
    SendFailed,
    /// Too many requests from this address.
    TooFast,
    /// Too many password checks under way.
    Busy,
}

/// After a second-factor code.
#[derive(Debug)]
pub enum CodeStep {
    SignedIn(Box<NewSession>),
    Wrong,
    Expired,
    /// The account is locked (too many wrong codes in any of its sign-ins), or this sign-in
    /// used up its attempts: it is ended.
    Locked,
    /// The session is not waiting for a code.
    NotPending,
    TooFast,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResendStep {
    Resent,
    Wait,
    SendFailed,
    NotPending,
    TooFast,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ForgotStep {
    /// Sent when the account exists; the visitor is told the same either way.
    Sent,
    TooFast,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResetStep {
    Done,
    /// The new password is too short.
    Weak,
    /// Wrong, expired or used-up code (one answer for all).
    Invalid,
    TooFast,
    Busy,
}

/// 32 random bytes, URL-safe base64: session ids and CSRF tokens.
pub fn random_token() -> Result<String> {
    use base64::Engine;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(no_randomness)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b))
}

/// How a session id or code is stored.
pub fn hash(s: &str) -> String {
    nur_core::audit::sha256_hex(s.as_bytes())
}

/// A six-digit code, uniformly drawn.
fn six_digits() -> Result<String> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(no_randomness)?;
        let n = u32::from_le_bytes(b);
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

pub(crate) fn code_hash(session: &SessionRow, code: &str) -> String {
    hash(&format!("{}:{code}", session.id_hash))
}

/// An argon2id hash with the same parameters as real ones, verified against when the account
/// is unknown (a hash that did not parse would answer faster and give the username away).
pub(crate) fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such account", &[0x5a; 16]).unwrap_or_default())
}

fn event(username: &str, ip: IpAddr, action: &str, outcome: &str) -> NewEvent {
    NewEvent {
        actor_kind: "user".into(),
        actor: username.into(),
        action: action.into(),
        target: format!("account:{username}"),
        client_ip: Some(ip.to_string()),
        outcome: outcome.into(),
        ..Default::default()
    }
}

/// A new session at `stage` for `username`.
pub(crate) fn fresh(username: Option<&str>, stage: &str) -> Result<NewSession> {
    let cookie = random_token()?;
    let now = now_ms();
    Ok(NewSession {
        session: SessionRow {
            id_hash: hash(&cookie),
            username: username.map(str::to_owned),
            stage: stage.to_owned(),
            csrf: random_token()?,
            created_at_ms: now,
            seen_at_ms: now,
            code_hash: None,
            code_expires_ms: None,
            code_attempts: 0,
            code_sent_at_ms: None,
            resends: 0,
            totp_step: None,
        },
        cookie,
    })
}

/// A visitor who has no session: nothing is stored for them (a flood of first visits writes
/// nothing); `csrf` is the token their sign-in forms carry, kept in a cookie.
pub fn visitor(csrf: String) -> SessionRow {
    SessionRow {
        id_hash: String::new(),
        username: None,
        stage: ANONYMOUS.into(),
        csrf,
        created_at_ms: now_ms(),
        seen_at_ms: now_ms(),
        code_hash: None,
        code_expires_ms: None,
        code_attempts: 0,
        code_sent_at_ms: None,
        resends: 0,
        totp_step: None,
    }
}

impl App {
    /// The session a cookie names and its account, if the session is alive (touched at most
    /// once a minute: the idle timeout is counted in minutes and a touch costs a write).
    pub fn session(
        &self,
        cookie: Option<&str>,
    ) -> Result<(Option<SessionRow>, Option<AccountRow>)> {
        let Some(c) = cookie else {
            return Ok((None, None));
        };
        let h = hash(c);
        let Some(mut s) = self.store.session(&h)? else {
            return Ok((None, None));
        };
        let now = now_ms();
        let p = &self.signin;
        if now - s.seen_at_ms > p.idle_ms || now - s.created_at_ms > p.absolute_ms {
            self.store
                .write_sessions(&[SessionWrite::Delete { id_hash: h }])?;
            return Ok((None, None));
        }
        if now - s.seen_at_ms > 60_000 {
            s.seen_at_ms = now;
            self.store.write_sessions(&[SessionWrite::Put(s.clone())])?;
        }
        // A citizen's session names a person, not an account.
        let account = match &s.username {
            Some(u) if !s.stage.starts_with(crate::citizen::CITIZEN) => self.store.account(u)?,
            _ => None,
        };
        Ok((Some(s), account))
    }

    fn send_code(&self, a: &AccountRow, sess: &mut SessionRow) -> std::result::Result<(), String> {
        self.deliver_code(&a.username, a.contact.as_deref(), sess)
    }

    /// Draws a code, sends it to `contact` and keeps its hash, expiry and time in `sess`.
    pub(crate) fn deliver_code(
        &self,
        to: &str,
        contact: Option<&str>,
        sess: &mut SessionRow,
    ) -> std::result::Result<(), String> {
        let code = six_digits().map_err(|e| e.message)?;
        let delivery = self
            .delivery
            .as_ref()
            .ok_or("no delivery for one-time codes is configured")?;
        let text = format!(
            "NUR sign-in code: {code} (valid {} minutes)",
            self.signin.code_ttl_ms / 60_000
        );
        delivery.send(to, contact, &text)?;
        let now = now_ms();
        sess.code_hash = Some(code_hash(sess, &code));
        sess.code_expires_ms = Some(now + self.signin.code_ttl_ms);
        sess.code_sent_at_ms = Some(now);
        sess.code_attempts = 0;
        Ok(())
    }

    /// The first step: username and password, from the visitor's current session (a
    /// [`visitor`] on a first visit).
    pub fn sign_in_password(
        &self,
        current: &SessionRow,
        username: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<PasswordStep> {
        let refuse = |name: &str, why: &str| {
            self.refused(
                ip,
                event(name, ip, "login.failed", &format!("refused: {why}")),
            )
        };
        if self.guards.signin_request(ip).is_err() {
            refuse(username, "too many requests from this address");
            return Ok(PasswordStep::TooFast);
        }
        if self.guards.may_try(username, ip).is_err() {
            refuse(username, "this address is held back after wrong passwords");
            return Ok(PasswordStep::Locked);
        }
        let now = now_ms();
        let account = self.store.account(username)?.filter(|a| !a.disabled);
        // The check runs on the password threads, whatever the account: the same work either
        // way, so timing does not reveal which usernames exist.
        let (given, hash) = (
            password.to_owned(),
            account
                .as_ref()
                .map_or_else(|| dummy_hash().to_owned(), |a| a.password_hash.clone()),
        );
        let Ok(matched) = self
            .guards
            .password_check(move || verify_password(&given, &hash))
        else {
            return Ok(PasswordStep::Busy);
        };
        let right = matched && account.is_some();
        let Some(a) = account else {
            self.guards.failed(username, ip);
            refuse(username, "unknown or disabled account");
            return Ok(PasswordStep::Invalid);
        };
        if a.locked_until_ms.is_some_and(|t| t > now) {
            refuse(&a.username, "account locked");
            return Ok(PasswordStep::Locked);
        }
        if !right {
            let held = self.guards.failed(&a.username, ip);
            refuse(&a.username, "wrong password");
            if held {
                // Only this address is held back: the owner elsewhere signs in as usual.
                self.store.audit(event(
                    &a.username,
                    ip,
                    "account.locked",
                    &format!(
                        "locked from {ip} for {} min after {} wrong passwords",
                        self.guards.limits.failure_window.as_secs() / 60,
                        self.guards.limits.pair_failures
                    ),
                ))?;
                return Ok(PasswordStep::Locked);
            }
            return Ok(PasswordStep::Invalid);
        }
        let mut next = fresh(Some(&a.username), CODE)?;
        if a.totp_secret.is_none() {
            if let Err(e) = self.send_code(&a, &mut next.session) {
                tracing::error!(error = %e, "could not deliver a sign-in code");
                return Ok(PasswordStep::SendFailed);
            }
        }
        // Sessions are made here, so this is where the expired ones are cleared.
        let p = &self.signin;
        self.store
            .expire_sessions(now - p.idle_ms, now - p.absolute_ms)?;
        self.store.write_sessions(&[SessionWrite::Replace {
            old_hash: current.id_hash.clone(),
            new: next.session.clone(),
        }])?;
        Ok(PasswordStep::CodeDue(Box::new(next)))
    }

    /// The second step: a TOTP or one-time code in a session waiting for one.
    pub fn sign_in_code(
        &self,
        current: &SessionRow,
        account: Option<&AccountRow>,
        code: &str,
        ip: IpAddr,
    ) -> Result<CodeStep> {
        let Some(pending) = account.filter(|_| current.stage == CODE) else {
            return Ok(CodeStep::NotPending);
        };
        if self.guards.signin_request(ip).is_err() {
            return Ok(CodeStep::TooFast);
        }
        let now = now_ms();
        // The account as it stands now: another of its sign-ins may have locked it.
        let Some(a) = self
            .store
            .account(&pending.username)?
            .filter(|a| !a.disabled)
        else {
            return Ok(CodeStep::NotPending);
        };
        if a.locked_until_ms.is_some_and(|t| t > now) {
            self.store.write_account(&AccountWrite {
                username: a.username.clone(),
                sessions: vec![SessionWrite::Delete {
                    id_hash: current.id_hash.clone(),
                }],
                events: vec![event(
                    &a.username,
                    ip,
                    "login.failed",
                    "refused: account locked",
                )],
                ..Default::default()
            })?;
            return Ok(CodeStep::Locked);
        }
        let mut sess = current.clone();
        let ok = match &a.totp_secret {
            // A code is good once: the step it matched is remembered for this session.
            Some(secret) => {
                match Totp::from_base32(secret).and_then(|t| t.verify(code, (now / 1000) as u64)) {
                    Some(step) if sess.totp_step != Some(step as i64) => {
                        sess.totp_step = Some(step as i64);
                        true
                    }
                    _ => false,
                }
            }
            None => {
                if sess.code_expires_ms.is_none_or(|t| t < now) {
                    return Ok(CodeStep::Expired);
                }
                let want = sess.code_hash.clone().unwrap_or_default();
                constant_time_eq(code_hash(&sess, code).as_bytes(), want.as_bytes())
            }
        };
        if !ok {
            sess.code_attempts += 1;
            let p = &self.signin;
            let used_up = sess.code_attempts >= p.code_attempts;
            let locked = self.store.count_code_failure(
                &a.username,
                (!used_up).then_some(&sess),
                (p.max_failed_logins, now + p.lock_ms),
                event(&a.username, ip, "login.failed", "refused: wrong code"),
                event(
                    &a.username,
                    ip,
                    "account.locked",
                    &format!(
                        "locked for {} min after {} wrong codes",
                        p.lock_ms / 60_000,
                        p.max_failed_logins
                    ),
                ),
            )?;
            if locked || used_up {
                if used_up && !locked {
                    // This code's attempts are spent: the sign-in starts over.
                    self.store.write_sessions(&[SessionWrite::Delete {
                        id_hash: sess.id_hash.clone(),
                    }])?;
                }
                return Ok(CodeStep::Locked);
            }
            return Ok(CodeStep::Wrong);
        }
        let mut next = fresh(Some(&a.username), SIGNED_IN)?;
        next.session.totp_step = sess.totp_step;
        self.store.write_account(&AccountWrite {
            username: a.username.clone(),
            change: vec![AccountChange::SignedIn],
            sessions: vec![SessionWrite::Replace {
                old_hash: sess.id_hash.clone(),
                new: next.session.clone(),
            }],
            events: vec![event(
                &a.username,
                ip,
                "login",
                if a.totp_secret.is_some() {
                    "ok; totp"
                } else {
                    "ok; one-time code"
                },
            )],
            ..Default::default()
        })?;
        self.guards.succeeded(&a.username, ip);
        Ok(CodeStep::SignedIn(Box::new(next)))
    }

    /// Sends a new one-time code, spaced and limited.
    pub fn resend_code(
        &self,
        current: &SessionRow,
        account: Option<&AccountRow>,
        ip: IpAddr,
    ) -> Result<ResendStep> {
        let Some(a) = account.filter(|a| current.stage == CODE && a.totp_secret.is_none()) else {
            return Ok(ResendStep::NotPending);
        };
        if self.guards.signin_request(ip).is_err() {
            return Ok(ResendStep::TooFast);
        }
        let mut sess = current.clone();
        let now = now_ms();
        let too_soon = sess
            .code_sent_at_ms
            .is_some_and(|t| now - t < self.signin.resend_after_ms);
        if too_soon || sess.resends >= self.signin.max_resends {
            self.refused(
                ip,
                event(&a.username, ip, "login.resend", "refused: rate limit"),
            );
            return Ok(ResendStep::Wait);
        }
        sess.resends += 1;
        if let Err(e) = self.send_code(a, &mut sess) {
            tracing::error!(error = %e, "could not deliver a sign-in code");
            return Ok(ResendStep::SendFailed);
        }
        self.store.write_sessions(&[SessionWrite::Put(sess)])?;
        Ok(ResendStep::Resent)
    }

    /// Ends a signed-in session.
    pub fn sign_out(&self, current: &SessionRow, account: &AccountRow, ip: IpAddr) -> Result<()> {
        self.store.write_account(&AccountWrite {
            username: account.username.clone(),
            sessions: vec![SessionWrite::Delete {
                id_hash: current.id_hash.clone(),
            }],
            events: vec![event(&account.username, ip, "logout", "ok")],
            ..Default::default()
        })?;
        Ok(())
    }

    /// Sends a reset code when the account exists (the visitor is told the same either way).
    /// The code, delivered to the account's contact, also ends a lock.
    pub fn request_password_reset(&self, username: &str, ip: IpAddr) -> Result<ForgotStep> {
        if self.guards.signin_request(ip).is_err() {
            return Ok(ForgotStep::TooFast);
        }
        let now = now_ms();
        let Some(a) = self.store.account(username)?.filter(|a| !a.disabled) else {
            return Ok(ForgotStep::Sent);
        };
        let recent = self
            .store
            .reset(&a.username)?
            .is_some_and(|r| now - r.sent_at_ms < self.signin.resend_after_ms);
        if recent {
            return Ok(ForgotStep::Sent);
        }
        let code = format!("{}{}", six_digits()?, &six_digits()?[..2]);
        let h = hash(&format!("reset:{}:{code}", a.username));
        let sent = self
            .delivery
            .as_ref()
            .ok_or("no delivery configured".to_string())
            .and_then(|d| {
                d.send(
                    &a.username,
                    a.contact.as_deref(),
                    &format!("NUR password reset code: {code} (valid 15 minutes, once)"),
                )
            });
        match sent {
            Ok(()) => self.store.write_account(&AccountWrite {
                username: a.username.clone(),
                reset: Some(ResetWrite::Put {
                    code_hash: h,
                    expires_at_ms: now + 15 * 60_000,
                }),
                events: vec![event(&a.username, ip, "password.reset_requested", "ok")],
                ..Default::default()
            })?,
            Err(e) => tracing::error!(error = %e, "could not deliver a reset code"),
        }
        Ok(ForgotStep::Sent)
    }

    /// Sets a new password with a reset code; the account's failures and lock end with it.
    pub fn reset_password(
        &self,
        username: &str,
        code: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<ResetStep> {
        if self.guards.signin_request(ip).is_err() {
            return Ok(ResetStep::TooFast);
        }
        if password.chars().count() < 12 {
            return Ok(ResetStep::Weak);
        }
        let now = now_ms();
        let Some(r) = self.store.reset(username)? else {
            return Ok(ResetStep::Invalid);
        };
        let given = hash(&format!("reset:{username}:{code}"));
        if r.expires_at_ms < now
            || r.attempts >= 5
            || !constant_time_eq(given.as_bytes(), r.code_hash.as_bytes())
        {
            self.store.write_account(&AccountWrite {
                username: username.to_owned(),
                reset: Some(if r.attempts + 1 >= 5 {
                    ResetWrite::Done
                } else {
                    ResetWrite::Attempt
                }),
                events: vec![event(
                    username,
                    ip,
                    "password.reset",
                    "refused: wrong or expired code",
                )],
                ..Default::default()
            })?;
            return Ok(ResetStep::Invalid);
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(no_randomness)?;
        let new = password.to_owned();
        let Ok(hashed) = self
            .guards
            .password_check(move || hash_password(&new, &salt))
        else {
            return Ok(ResetStep::Busy);
        };
        let hash = hashed.map_err(crate::AppError::internal)?;
        self.store.write_account(&AccountWrite {
            username: username.to_owned(),
            change: vec![AccountChange::Password { hash }],
            reset: Some(ResetWrite::Done),
            events: vec![event(username, ip, "password.reset", "ok")],
            ..Default::default()
        })?;
        // The addresses held back for the account are forgiven with it.
        self.guards.forgive(username);
        Ok(ResetStep::Done)
    }

    /// Enrols an authenticator app: the secret shown to the person and a code it produced.
    pub fn enrol_totp(
        &self,
        account: &AccountRow,
        secret: &str,
        code: &str,
        ip: IpAddr,
    ) -> Result<bool> {
        let ok = Totp::from_base32(secret)
            .is_some_and(|t| t.verify(code, (now_ms() / 1000) as u64).is_some());
        if !ok || account.totp_secret.is_some() {
            return Ok(false);
        }
        self.store.write_account(&AccountWrite {
            username: account.username.clone(),
            change: vec![AccountChange::Totp {
                secret: Some(secret.to_owned()),
            }],
            events: vec![event(&account.username, ip, "account.totp_enrolled", "ok")],
            ..Default::default()
        })?;
        Ok(true)
    }
}
