//! Group commit for audit appends. Every data access must have its event committed before it
//! answers; committing each event alone makes concurrent requests queue on the chain head and
//! on one durable commit each. Here the first caller to arrive becomes the leader, appends
//! every event queued at that moment in one transaction, and wakes the others with their
//! results; callers arriving meanwhile form the next group. No event is acknowledged before
//! its transaction has committed.

use crate::{Result, StoreError};
use nur_core::audit::{AuditEvent, NewEvent};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// The most events one group commits.
const MAX_GROUP: usize = 512;

#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<State>,
    done: Condvar,
    groups: AtomicU64,
    events: AtomicU64,
    commit_micros: AtomicU64,
}

/// What the group commit has done since the process started (for the metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Transactions that appended a group.
    pub groups: u64,
    /// Events appended through them.
    pub events: u64,
    /// Time spent in those transactions, in microseconds.
    pub commit_micros: u64,
}

#[derive(Default)]
struct State {
    next: u64,
    queue: Vec<(u64, NewEvent)>,
    results: HashMap<u64, std::result::Result<AuditEvent, String>>,
    leading: bool,
}

impl GroupCommit {
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            groups: self.groups.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            commit_micros: self.commit_micros.load(Ordering::Relaxed),
        }
    }

    /// Appends `event` through `commit`, which appends a group in one transaction and
    /// returns the sealed events in order.
    pub fn append(
        &self,
        event: NewEvent,
        commit: impl Fn(Vec<NewEvent>) -> Result<Vec<AuditEvent>>,
    ) -> Result<AuditEvent> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = st.next;
        st.next += 1;
        st.queue.push((ticket, event));
        loop {
            if let Some(r) = st.results.remove(&ticket) {
                return r.map_err(StoreError::Failed);
            }
            if st.leading {
                st = self.done.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            st.leading = true;
            let take = st.queue.len().min(MAX_GROUP);
            let group: Vec<(u64, NewEvent)> = st.queue.drain(..take).collect();
            drop(st);
            let (tickets, events): (Vec<u64>, Vec<NewEvent>) = group.into_iter().unzip();
            let started = Instant::now();
            let n = events.len() as u64;
            let outcome = commit(events);
            self.groups.fetch_add(1, Ordering::Relaxed);
            self.events.fetch_add(n, Ordering::Relaxed);
            self.commit_micros
                .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match outcome {
                Ok(sealed) => {
                    for (t, e) in tickets.into_iter().zip(sealed) {
                        st.results.insert(t, Ok(e));
                    }
                }
                Err(e) => {
                    let msg = format!("audit append failed: {e}");
                    for t in tickets {
                        st.results.insert(t, Err(msg.clone()));
                    }
                }
            }
            st.leading = false;
            self.done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::time::Duration;

    impl GroupCommit {
        fn queued(&self) -> usize {
            self.state.lock().unwrap().queue.len()
        }
    }

    #[test]
    fn every_caller_gets_its_own_sealed_event_and_groups_form() {
        let g = Arc::new(GroupCommit::default());
        let commits = Arc::new(AtomicUsize::new(0));
        let seq = Arc::new(Mutex::new(0i64));
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (g, commits, seq) = (g.clone(), commits.clone(), seq.clone());
                std::thread::spawn(move || {
                    (0..50).all(|j| {
                        let e = NewEvent {
                            actor: format!("{i}-{j}"),
                            ..Default::default()
                        };
                        let group = g.clone();
                        g.append(e, |events| {
                            // The first leader holds its commit until another caller has
                            // queued (or a deadline passes), so at least one group forms.
                            if commits.fetch_add(1, Ordering::SeqCst) == 0 {
                                let deadline = Instant::now() + Duration::from_secs(5);
                                while group.queued() == 0 && Instant::now() < deadline {
                                    std::thread::yield_now();
                                }
                            }
                            let mut s = seq.lock().unwrap();
                            Ok(events
                                .into_iter()
                                .map(|e| {
                                    *s += 1;
                                    e.seal(*s, 0, "")
                                })
                                .collect())
                        })
                        .unwrap()
                        .actor
                            == format!("{i}-{j}")
                    })
                })
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap(), "a caller got someone else's event");
        }
        assert_eq!(*seq.lock().unwrap(), 800);
        assert!(commits.load(Ordering::SeqCst) < 800, "no group formed");
    }

    #[test]
    fn a_failed_group_fails_each_of_its_callers() {
        let g = GroupCommit::default();
        let r = g.append(NewEvent::default(), |_| {
            Err(StoreError::Invalid("disk full".into()))
        });
        assert!(matches!(r, Err(StoreError::Failed(m)) if m.contains("disk full")));
    }
}
