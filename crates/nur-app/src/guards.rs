//! What keeps the doors that take secrets from being turned against the platform:
//!
//! - **password checks on a few threads of their own**: argon2id takes ~19 MiB and tens of
//!   milliseconds per check, so a flood of sign-ins (or token requests) could exhaust memory.
//!   `password_checks` threads run them (their memory is reused, not left behind in the
//!   allocator of every request thread that ever ran one), a few more wait briefly, the rest
//!   are told the service is busy;
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one check may take once started (argon2id takes tens of milliseconds; a loaded
/// machine, more).
const CHECK_TIME: Duration = Duration::from_secs(10);

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

type Job = Box<dyn FnOnce() + Send>;

/// The threads password checks run on, fed through a short queue.
struct Checks {
    jobs: mpsc::SyncSender<(Instant, Job)>,
    /// Checks waiting or running (for the tests' sake, and the queue's bound).
    pending: Arc<AtomicUsize>,
}

impl Checks {
    fn new(threads: usize, queue: usize) -> Checks {
        let (tx, rx) = mpsc::sync_channel::<(Instant, Job)>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("nur-password-{i}"))
                .spawn(move || loop {
                    let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((deadline, job)) = next else { return };
                    // A check whose caller has stopped waiting is not worth running.
                    if Instant::now() <= deadline {
                        job();
                    }
                })
                .expect("the operating system starts a thread");
        }
        Checks {
            jobs: tx,
            pending: Arc::new(AtomicUsize::new(0)),
        }
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
            checks: Checks::new(limits.password_checks, limits.password_queue),
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

    /// Runs `check` (a password hash or verification) on the password threads and waits for
    /// it: briefly, and only while the queue is short.
    pub fn password_check<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refused> {
        let c = &self.checks;
        let deadline = Instant::now() + self.limits.password_wait;
        let (done, answer) = mpsc::channel();
        let pending = c.pending.clone();
        pending.fetch_add(1, Ordering::SeqCst);
        let job: Job = Box::new(move || {
            let _ = done.send(check());
        });
        let sent = c.jobs.try_send((deadline, job));
        let out = match sent {
            Ok(()) => answer
                .recv_timeout(deadline.saturating_duration_since(Instant::now()) + CHECK_TIME)
                .map_err(|_| Refused::Busy),
            Err(_) => Err(Refused::Busy),
        };
        pending.fetch_sub(1, Ordering::SeqCst);
        out
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
        // The counts come out once the interval has ended, not before.
        let deadline = Instant::now() + Duration::from_secs(10);
        let flushed = loop {
            let f = g.flush(false);
            if !f.is_empty() {
                break f;
            }
            assert!(Instant::now() < deadline, "the interval never ended");
            std::thread::yield_now();
        };
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
    fn password_checks_run_on_their_threads_with_a_short_queue() {
        let g = std::sync::Arc::new(Guards::new(GuardLimits {
            password_checks: 1,
            password_queue: 1,
            password_wait: Duration::from_millis(500),
            ..Default::default()
        }));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        // The one thread is held by a first check, a second waits in the queue.
        let started = Arc::new(AtomicUsize::new(0));
        let spawn = |g: &Arc<Guards>| {
            let (g, hold, started) = (g.clone(), hold.clone(), started.clone());
            std::thread::spawn(move || {
                g.password_check(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    let _ = hold.lock().unwrap().recv_timeout(Duration::from_secs(5));
                    std::thread::current().name().map(str::to_owned)
                })
            })
        };
        let first = spawn(&g);
        let deadline = Instant::now() + Duration::from_secs(5);
        while started.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline);
            std::thread::yield_now();
        }
        let second = spawn(&g);
        while g.checks.pending.load(Ordering::SeqCst) < 2 {
            assert!(Instant::now() < deadline);
            std::thread::yield_now();
        }
        assert_eq!(
            g.password_check(|| 1),
            Err(Refused::Busy),
            "the queue is full"
        );
        release.send(()).unwrap();
        release.send(()).unwrap();
        let name = first.join().unwrap().unwrap();
        assert_eq!(name.as_deref(), Some("nur-password-0"));
        assert!(second.join().unwrap().is_ok());
        assert_eq!(g.password_check(|| 7), Ok(7));
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
