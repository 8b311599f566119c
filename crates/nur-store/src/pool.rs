//! A bounded pool of connections, for both backends: at most `max` open at once, idle ones
//! reused; a caller beyond the bound waits for one to come back (up to `wait`) rather than
//! opening more. Unbounded, a burst of requests opens a connection (and, on SQLite, its page
//! cache) per request.

use crate::{Result, StoreError};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How many connections a pool keeps, and how long a caller waits for one.
pub const MAX_CONNECTIONS: usize = 16;
const WAIT: Duration = Duration::from_secs(30);

/// What a pool holds right now (for the metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub open: usize,
    pub idle: usize,
    pub max: usize,
    /// Callers waiting for a connection to come back (the pool is exhausted).
    pub waiting: usize,
}

struct State<C> {
    idle: Vec<C>,
    open: usize,
    waiting: usize,
}

pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    returned: Condvar,
    max: usize,
}

impl<C> Pool<C> {
    pub fn new(max: usize) -> Pool<C> {
        Pool {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
                waiting: 0,
            }),
            returned: Condvar::new(),
            max: max.max(1),
        }
    }

    /// An idle connection, or a new one from `connect` while under the bound, or the first
    /// one returned.
    pub fn get(&self, connect: impl FnOnce() -> Result<C>) -> Result<C> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(c) = st.idle.pop() {
                return Ok(c);
            }
            if st.open < self.max {
                st.open += 1;
                drop(st);
                return connect().inspect_err(|_| self.forget());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Failed(format!(
                    "all {} database connections stayed busy for {} s",
                    self.max,
                    WAIT.as_secs()
                )));
            }
            st.waiting += 1;
            st = self
                .returned
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            st.waiting -= 1;
        }
    }

    /// A connection back in the pool.
    pub fn put(&self, c: C) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.idle.push(c);
        self.returned.notify_one();
    }

    /// Closes the idle connections (the next ones are opened anew, with the settings of
    /// now); those in use come back and stay.
    pub fn close_idle(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let n = st.idle.len();
        st.idle.clear();
        st.open = st.open.saturating_sub(n);
        self.returned.notify_all();
    }

    /// A connection that will not come back (broken, dropped): its place is free.
    pub fn forget(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.open = st.open.saturating_sub(1);
        self.returned.notify_one();
    }

    /// Every idle connection, taken out (to close them elsewhere).
    pub fn drain(&self) -> Vec<C> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let n = st.idle.len();
        st.open = st.open.saturating_sub(n);
        std::mem::take(&mut st.idle)
    }

    pub fn stats(&self) -> PoolStats {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        PoolStats {
            open: st.open,
            idle: st.idle.len(),
            max: self.max,
            waiting: st.waiting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn at_most_max_are_open_and_waiters_get_returned_ones() {
        let p = Arc::new(Pool::<u32>::new(2));
        let a = p.get(|| Ok(1)).unwrap();
        let b = p.get(|| Ok(2)).unwrap();
        assert_eq!(
            p.stats(),
            PoolStats {
                open: 2,
                idle: 0,
                max: 2,
                waiting: 0
            }
        );
        let p2 = p.clone();
        let waiter = std::thread::spawn(move || p2.get(|| panic!("no third connection")));
        let deadline = Instant::now() + Duration::from_secs(10);
        while p.stats().waiting == 0 {
            assert!(Instant::now() < deadline, "the third caller never waited");
            std::thread::yield_now();
        }
        p.put(a);
        assert_eq!(waiter.join().unwrap().unwrap(), 1);
        p.forget();
        let c = p.get(|| Ok(3)).unwrap();
        assert_eq!((b, c), (2, 3));
    }

    #[test]
    fn closing_the_idle_ones_opens_new_ones_with_todays_settings() {
        let p = Pool::<u32>::new(2);
        let a = p.get(|| Ok(1)).unwrap();
        let b = p.get(|| Ok(2)).unwrap();
        p.put(a);
        p.close_idle();
        assert_eq!((p.stats().open, p.stats().idle), (1, 0));
        // The one in use comes back and stays; a new one is opened for the next caller.
        assert_eq!(p.get(|| Ok(3)).unwrap(), 3);
        p.put(b);
        assert_eq!(p.get(|| panic!("the returned one is reused")).unwrap(), 2);
    }
}
