//! What keeps the doors that take secrets from being turned against the platform:
//!
//! - **a bound on concurrent password checks**: argon2id takes ~19 MiB and tens of
//!   milliseconds per check, so a flood of sign-ins (or token requests) could exhaust memory.
//!   At most `checks` run at once, a few more wait briefly, the rest are told the service is
//!   busy;
//! - **per-address request rates** (`governor`) on sign-in, code, resend, reset and token
//!   requests: beyond them, an answer without any work;
//! - **failure throttles** per (account, address) and per address: wrong passwords slow down
//!   only the address they come from, so knowing a username is not enough to lock its owner
//!   out (the account itself locks on wrong *codes*, which need the password);
//! - **refusal aggregation**: repeated refusals from one address become one audit event per
//!   interval, so a flood of bad requests cannot flood the audit trail.
//!
//! These live in the process (each server counts for itself); the account lock is in the
//! database.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use nur_core::audit::NewEvent;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The limits of a deployment.
#[derive(Debug, Clone)]
pub struct GuardLimits {
    /// Password (and client secret) checks at once; about the number of cores.
    pub password_checks: usize,
    /// Checks that may wait for a free slot, and for how long.
    pub password_queue: usize,
    pub password_wait: Duration,
    /// Sign-in requests (password, code, resend, reset) per address per minute.
    pub signin_per_minute: u32,
    /// Token requests per address per minute.
    pub token_per_minute: u32,
    /// Wrong passwords for one account from one address before that address is refused for
    /// the account, and wrong passwords from one address (any account) before it is refused
    /// altogether, for `failure_window`.
    pub pair_failures: u32,
    pub address_failures: u32,
    pub failure_window: Duration,
    /// One audit event per address and refusal kind per this interval.
    pub refusal_interval: Duration,
}

impl Default for GuardLimits {
    fn default() -> GuardLimits {
        GuardLimits {
            password_checks: std::thread::available_parallelism().map_or(2, |n| n.get()),
            password_queue: 8,
            password_wait: Duration::from_secs(2),
            signin_per_minute: 120,
            token_per_minute: 120,
            pair_failures: 5,
            address_failures: 20,
            failure_window: Duration::from_secs(15 * 60),
            refusal_interval: Duration::from_secs(60),
        }
    }
}

/// Why a request was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Too many requests from this address: try later.
    Rate,
    /// Too many failures from this address (for this account, or at all).
    Throttled,
    /// Too many password checks under way: the service is busy.
    Busy,
}

/// A bounded semaphore for password checks, with a short queue.
struct Checks {
    state: Mutex<(usize, usize)>,
    freed: Condvar,
}

/// A slot of the semaphore; freed on drop.
pub(crate) struct Slot<'a>(&'a Checks);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut st = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 -= 1;
        self.0.freed.notify_one();
    }
}

/// Failures counted in a window.
#[derive(Debug, Clone, Copy)]
struct Window {
    since: Instant,
    count: u32,
}

/// A refusal kind's window from one address: the first event is written, the rest counted.
struct RefusalWindow {
    since: Instant,
    since_ms: i64,
    suppressed: u64,
    sample: NewEvent,
}

pub(crate) struct Guards {
    pub limits: GuardLimits,
    checks: Checks,
    signin: DefaultKeyedRateLimiter<IpAddr>,
    token: DefaultKeyedRateLimiter<IpAddr>,
    pairs: Mutex<HashMap<(String, IpAddr), Window>>,
    addresses: Mutex<HashMap<IpAddr, Window>>,
    refusals: Mutex<HashMap<(IpAddr, String), RefusalWindow>>,
}

fn quota(per_minute: u32) -> Quota {
    let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
    // A burst of a third of the minute's allowance, so a person retyping is never refused.
    let burst = NonZeroU32::new((per_minute / 3).max(3)).expect("at least three");
    Quota::per_minute(n).allow_burst(burst)
}

/// The most keys the failure maps hold; beyond it, expired windows are cleared first, and an
/// address is refused rather than remembered when nothing has expired.
const MAX_TRACKED: usize = 100_000;

impl Guards {
    pub fn new(limits: GuardLimits) -> Guards {
        Guards {
            checks: Checks {
                state: Mutex::new((0, 0)),
                freed: Condvar::new(),
            },
            signin: RateLimiter::hashmap(quota(limits.signin_per_minute)),
            token: RateLimiter::hashmap(quota(limits.token_per_minute)),
            pairs: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
            refusals: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// A sign-in request (password, code, resend, reset) from `ip`.
    pub fn signin_request(&self, ip: IpAddr) -> Result<(), Refused> {
        self.signin.check_key(&ip).map_err(|_| Refused::Rate)
    }

    /// A token request from `ip`.
    pub fn token_request(&self, ip: IpAddr) -> Result<(), Refused> {
        self.token.check_key(&ip).map_err(|_| Refused::Rate)
    }

    /// Waits for a password-check slot (briefly, and only while the queue is short).
    pub fn password_check(&self) -> Result<Slot<'_>, Refused> {
        let c = &self.checks;
        let mut st = c.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.0 < self.limits.password_checks {
            st.0 += 1;
            return Ok(Slot(c));
        }
        if st.1 >= self.limits.password_queue {
            return Err(Refused::Busy);
        }
        st.1 += 1;
        let deadline = Instant::now() + self.limits.password_wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                st.1 -= 1;
                return Err(Refused::Busy);
            }
            st = c
                .freed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if st.0 < self.limits.password_checks {
                st.1 -= 1;
                st.0 += 1;
                return Ok(Slot(c));
            }
        }
    }

    fn live(&self, w: &Window) -> bool {
        w.since.elapsed() < self.limits.failure_window
    }

    /// Whether `ip` may try a password for `username` now.
    pub fn may_try(&self, username: &str, ip: IpAddr) -> Result<(), Refused> {
        let pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        let pair = pairs
            .get(&(username.to_owned(), ip))
            .filter(|w| self.live(w))
            .is_some_and(|w| w.count >= self.limits.pair_failures);
        drop(pairs);
        let addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        let address = addresses
            .get(&ip)
            .filter(|w| self.live(w))
            .is_some_and(|w| w.count >= self.limits.address_failures);
        if pair || address {
            Err(Refused::Throttled)
        } else {
            Ok(())
        }
    }

    /// Counts a wrong password for `username` from `ip`; returns whether this failure is the
    /// one that throttles the pair.
    pub fn failed(&self, username: &str, ip: IpAddr) -> bool {
        let bump = |w: &mut Window| {
            if w.since.elapsed() >= self.limits.failure_window {
                *w = Window {
                    since: Instant::now(),
                    count: 0,
                };
            }
            w.count += 1;
            w.count
        };
        let fresh = || Window {
            since: Instant::now(),
            count: 0,
        };
        let mut addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        if addresses.len() >= MAX_TRACKED {
            let window = self.limits.failure_window;
            addresses.retain(|_, w| w.since.elapsed() < window);
        }
        bump(addresses.entry(ip).or_insert_with(fresh));
        drop(addresses);
        let mut pairs = self.pairs.lock().unwrap_or_else(|e| e.into_inner());
        if pairs.len() >= MAX_TRACKED {
            let window = self.limits.failure_window;
            pairs.retain(|_, w| w.since.elapsed() < window);
        }
        bump(pairs.entry((username.to_owned(), ip)).or_insert_with(fresh))
            == self.limits.pair_failures
    }

    /// Forgets the failures of `username` from `ip` (a sign-in from there has succeeded).
    pub fn succeeded(&self, username: &str, ip: IpAddr) {
        self.pairs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(username.to_owned(), ip));
    }

    /// Forgets an account's failures (its owner proved who they are with a delivered code).
    pub fn forgive(&self, username: &str) {
        self.pairs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(u, _), _| u != username);
    }

    /// The events to write for a refusal now: the first of its kind from its address in an
    /// interval (with a count of those held back in the previous one), or none.
    pub fn refusal(&self, ip: IpAddr, ev: NewEvent) -> Vec<NewEvent> {
        let mut map = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        let key = (ip, ev.action.clone());
        let mut out = Vec::new();
        if let Some(w) = map.get_mut(&key) {
            if w.since.elapsed() < self.limits.refusal_interval {
                w.suppressed += 1;
                return out;
            }
            if w.suppressed > 0 {
                out.push(summary(w));
            }
        }
        map.insert(
            key,
            RefusalWindow {
                since: Instant::now(),
                since_ms: nur_store::now_ms(),
                suppressed: 0,
                sample: ev.clone(),
            },
        );
        out.push(ev);
        out
    }

    /// The counts of refusals held back in windows that have ended; also trims the rate
    /// limiters' and throttles' memory. Called now and then by a server.
    /// With `all`, every count held back, ended or not (a server stopping).
    pub fn flush(&self, all: bool) -> Vec<NewEvent> {
        let mut map = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        let interval = self.limits.refusal_interval;
        let mut out = Vec::new();
        map.retain(|_, w| {
            if !all && w.since.elapsed() < interval {
                return true;
            }
            if w.suppressed > 0 {
                out.push(summary(w));
            }
            false
        });
        drop(map);
        self.signin.retain_recent();
        self.token.retain_recent();
        let window = self.limits.failure_window;
        self.pairs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, w| w.since.elapsed() < window);
        self.addresses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, w| w.since.elapsed() < window);
        out
    }
}

fn summary(w: &RefusalWindow) -> NewEvent {
    let mut e = w.sample.clone();
    e.outcome = format!(
        "{}; {} more refused like it from this address since {} ms",
        w.sample.outcome, w.suppressed, w.since_ms
    );
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str) -> NewEvent {
        NewEvent {
            action: action.into(),
            outcome: "refused: x".into(),
            ..Default::default()
        }
    }

    #[test]
    fn refusals_from_one_address_are_written_once_per_interval() {
        let g = Guards::new(GuardLimits {
            refusal_interval: Duration::from_millis(50),
            ..Default::default()
        });
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(g.refusal(a, ev("login.failed")).len(), 1);
        for _ in 0..100 {
            assert!(g.refusal(a, ev("login.failed")).is_empty());
        }
        assert_eq!(g.refusal(b, ev("login.failed")).len(), 1, "another address");
        assert_eq!(g.refusal(a, ev("client.token")).len(), 1, "another kind");
        std::thread::sleep(Duration::from_millis(60));
        let flushed = g.flush(false);
        let held: Vec<_> = flushed
            .iter()
            .filter(|e| e.outcome.contains("100 more"))
            .collect();
        assert_eq!(held.len(), 1, "{flushed:?}");
    }

    #[test]
    fn wrong_passwords_throttle_the_pair_and_the_address_not_the_account() {
        let g = Guards::new(GuardLimits {
            pair_failures: 3,
            address_failures: 5,
            ..Default::default()
        });
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(!g.failed("u", a) && !g.failed("u", a));
        assert!(g.failed("u", a), "the third throttles the pair");
        assert_eq!(g.may_try("u", a), Err(Refused::Throttled));
        assert_eq!(
            g.may_try("u", b),
            Ok(()),
            "the owner elsewhere is not locked out"
        );
        assert_eq!(g.may_try("v", a), Ok(()));
        g.failed("v", a);
        g.failed("w", a);
        assert_eq!(g.may_try("x", a), Err(Refused::Throttled), "the address is");
        g.forgive("u");
        assert_eq!(g.may_try("u", b), Ok(()));
    }

    #[test]
    fn password_checks_are_bounded_with_a_short_queue() {
        let g = std::sync::Arc::new(Guards::new(GuardLimits {
            password_checks: 1,
            password_queue: 1,
            password_wait: Duration::from_millis(200),
            ..Default::default()
        }));
        let first = g.password_check().unwrap();
        let g2 = g.clone();
        let waiter = std::thread::spawn(move || g2.password_check().map(|_| ()));
        // Give the waiter time to queue, then a third finds the queue full.
        let deadline = Instant::now() + Duration::from_secs(5);
        while g.checks.state.lock().unwrap().1 == 0 {
            assert!(Instant::now() < deadline);
            std::thread::yield_now();
        }
        assert!(matches!(g.password_check(), Err(Refused::Busy)));
        drop(first);
        assert_eq!(waiter.join().unwrap(), Ok(()));
    }

    #[test]
    fn requests_beyond_the_rate_are_refused_per_address() {
        let g = Guards::new(GuardLimits {
            signin_per_minute: 9,
            ..Default::default()
        });
        let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let allowed = (0..20).filter(|_| g.signin_request(a).is_ok()).count();
        assert_eq!(allowed, 3, "the burst");
        assert!(g.signin_request(b).is_ok());
    }
}
