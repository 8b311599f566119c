//! The audit trail: one event per data access and per administrative change, append-only and
//! hash-chained. Each event's hash covers the previous event's hash and every field of the
//! event (the persons it returned through their digest), so editing, deleting, reordering or
//! truncating events breaks the chain at the first touched event.
//!
//! From the event a [`ChainKey`] names on, the hash is an HMAC-SHA-256 under a key kept
//! outside the database: whoever can write to the database but does not hold the key cannot
//! recompute the chain after changing it. (A truncation of the newest events leaves a shorter
//! chain that is still whole: anchors exported elsewhere catch it.)

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The secret that keys the chain, and the first event it keys (events before it were
/// chained with plain SHA-256, by a build or a deployment that had no key yet).
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey {
    pub key: Vec<u8>,
    pub since_seq: i64,
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainKey")
            .field("key", &"[redacted]")
            .field("since_seq", &self.since_seq)
            .finish()
    }
}

impl ChainKey {
    fn applies(&self, seq: i64) -> bool {
        seq >= self.since_seq
    }

    /// Names the key without revealing it (a hash of it under a fixed label, shortened), so
    /// a database can tell the key its chain is kept with from any other.
    pub fn fingerprint(&self) -> String {
        let mut data = b"nur audit key fingerprint\0".to_vec();
        data.extend_from_slice(&self.key);
        sha256_hex(&data)[..16].to_owned()
    }
}

/// Results naming more persons than this keep only their count and digest.
pub const MAX_LISTED_PERSONS: usize = 1000;

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Position in the chain, from 1, consecutive.
    pub seq: i64,
    pub at_ms: i64,
    /// `user`, `client` or `operator`.
    pub actor_kind: String,
    pub actor: String,
    /// The officer named in `X-NUR-User-Id` when a client acts for one.
    pub on_behalf_of: Option<String>,
    pub entity: Option<String>,
    pub purpose: Option<String>,
    /// What was done: `query.run`, `procedure.call`, `operation.call`, `person.lookup`,
    /// `grant`, `revoke`, `client.create`, …
    pub action: String,
    /// What it was done to: a procedure, an operation, a grant target, a client id.
    pub target: String,
    /// The columns (or properties) returned.
    pub columns: Vec<String>,
    /// The national numbers returned (empty when more than [`MAX_LISTED_PERSONS`]).
    pub persons: Vec<String>,
    pub persons_count: i64,
    /// SHA-256 over the sorted national numbers returned ("" when none).
    pub persons_digest: String,
    pub client_ip: Option<String>,
    /// `ok`, or `refused: …` / `failed: …` with the reason.
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// An event before it takes its place in the chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEvent {
    pub actor_kind: String,
    pub actor: String,
    pub on_behalf_of: Option<String>,
    pub entity: Option<String>,
    pub purpose: Option<String>,
    pub action: String,
    pub target: String,
    pub columns: Vec<String>,
    pub persons: Vec<String>,
    pub client_ip: Option<String>,
    pub outcome: String,
}

impl NewEvent {
    /// Chains the event after `prev_hash` at position `seq`, with plain SHA-256.
    pub fn seal(self, seq: i64, at_ms: i64, prev_hash: &str) -> AuditEvent {
        self.seal_with(seq, at_ms, prev_hash, None)
    }

    /// Chains the event after `prev_hash` at position `seq`, keyed by `key` when it applies.
    pub fn seal_with(
        self,
        seq: i64,
        at_ms: i64,
        prev_hash: &str,
        key: Option<&ChainKey>,
    ) -> AuditEvent {
        let mut persons = self.persons;
        persons.sort_unstable();
        persons.dedup();
        let persons_count = persons.len() as i64;
        let persons_digest = digest_persons(&persons);
        if persons.len() > MAX_LISTED_PERSONS {
            persons.clear();
        }
        let mut e = AuditEvent {
            seq,
            at_ms,
            actor_kind: self.actor_kind,
            actor: self.actor,
            on_behalf_of: self.on_behalf_of,
            entity: self.entity,
            purpose: self.purpose,
            action: self.action,
            target: self.target,
            columns: self.columns,
            persons,
            persons_count,
            persons_digest,
            client_ip: self.client_ip,
            outcome: self.outcome,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        e.hash = e.hash_with(key);
        e
    }

    /// The persons as they will be recorded: sorted, without repeats (all of them, however
    /// many; the event itself keeps only their count and digest above
    /// [`MAX_LISTED_PERSONS`]).
    pub fn persons_sorted(&self) -> Vec<String> {
        let mut p = self.persons.clone();
        p.sort_unstable();
        p.dedup();
        p
    }
}

/// The digest of a sorted list of national numbers, as events record it.
pub fn digest_persons(sorted: &[String]) -> String {
    if sorted.is_empty() {
        return String::new();
    }
    let mut h = Sha256::new();
    for p in sorted {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

impl AuditEvent {
    /// SHA-256 over the previous hash and every field, each length-prefixed so no two
    /// different events encode the same bytes.
    pub fn compute_hash(&self) -> String {
        self.hash_with(None)
    }

    /// The event's hash: an HMAC-SHA-256 under `key` when the key applies to its position,
    /// else plain SHA-256, over the same encoding.
    pub fn hash_with(&self, key: Option<&ChainKey>) -> String {
        match key.filter(|k| k.applies(self.seq)) {
            Some(k) => {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&k.key)
                    .expect("HMAC takes a key of any length");
                self.encode(&mut |b| mac.update(b));
                hex(&mac.finalize().into_bytes())
            }
            None => {
                let mut h = Sha256::new();
                self.encode(&mut |b| h.update(b));
                hex(&h.finalize())
            }
        }
    }

    fn encode(&self, out: &mut dyn FnMut(&[u8])) {
        let mut field = |s: &str| {
            out(&(s.len() as u64).to_be_bytes());
            out(s.as_bytes());
        };
        field(&self.prev_hash);
        field(&self.seq.to_string());
        field(&self.at_ms.to_string());
        field(&self.actor_kind);
        field(&self.actor);
        field(self.on_behalf_of.as_deref().unwrap_or("\u{0}"));
        field(self.entity.as_deref().unwrap_or("\u{0}"));
        field(self.purpose.as_deref().unwrap_or("\u{0}"));
        field(&self.action);
        field(&self.target);
        field(&self.columns.len().to_string());
        for c in &self.columns {
            field(c);
        }
        field(&self.persons.len().to_string());
        for p in &self.persons {
            field(p);
        }
        field(&self.persons_count.to_string());
        field(&self.persons_digest);
        field(self.client_ip.as_deref().unwrap_or("\u{0}"));
        field(&self.outcome);
    }
}

/// Where a chain first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The position expected at the break.
    pub seq: i64,
    pub reason: String,
}

/// Checks a chain one event at a time, in stored order, so a long chain is never held in
/// memory at once.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    count: i64,
    key: Option<ChainKey>,
}

impl Default for ChainVerifier {
    fn default() -> ChainVerifier {
        ChainVerifier::keyed(None)
    }
}

impl ChainVerifier {
    /// A verifier expecting keyed hashes from where `key` applies.
    pub fn keyed(key: Option<ChainKey>) -> ChainVerifier {
        ChainVerifier {
            prev: GENESIS.to_owned(),
            count: 0,
            key,
        }
    }

    /// The last event verified: (position, hash).
    pub fn last(&self) -> (i64, &str) {
        (self.count, &self.prev)
    }

    pub fn push(&mut self, e: &AuditEvent) -> Result<(), Broken> {
        let expected = self.count + 1;
        let broken = |reason: String| Broken {
            seq: expected,
            reason,
        };
        if e.seq != expected {
            return Err(broken(format!(
                "expected event {expected}, found event {} (events deleted or reordered)",
                e.seq
            )));
        }
        if e.prev_hash != self.prev {
            return Err(broken(format!(
                "event {} does not follow the event before it (previous hash differs)",
                e.seq
            )));
        }
        if e.hash_with(self.key.as_ref()) != e.hash {
            return Err(broken(format!(
                "event {} was altered (its hash differs{})",
                e.seq,
                if self.key.as_ref().is_some_and(|k| k.applies(e.seq)) {
                    ", or it was not written with this deployment's audit key"
                } else {
                    ""
                }
            )));
        }
        self.prev = e.hash.clone();
        self.count = expected;
        Ok(())
    }

    /// Compares the end of the chain with the recorded head (the last seq and hash, kept
    /// beside the events and updated in the same transaction); returns the events verified.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, Broken> {
        let last = self.count;
        match head {
            Some((seq, hash)) if seq == last && hash == self.prev => Ok(last),
            Some((seq, _)) => Err(Broken {
                seq: last + 1,
                reason: format!(
                    "the chain ends at event {last} but its head records event {seq} (events truncated or the head altered)"
                ),
            }),
            None => Err(Broken {
                seq: 1,
                reason: "the chain head is missing".into(),
            }),
        }
    }
}

/// Verifies events in stored order against the recorded head.
pub fn verify<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    head: Option<(i64, &str)>,
) -> Result<i64, Broken> {
    let mut v = ChainVerifier::default();
    for e in events {
        v.push(e)?;
    }
    v.finish(head)
}

pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of `data`, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|i| {
                let e = NewEvent {
                    actor_kind: "client".into(),
                    actor: "c1".into(),
                    action: "procedure.call".into(),
                    target: "NAF/p".into(),
                    persons: vec![format!("98210170{i:02}")],
                    outcome: "ok".into(),
                    ..Default::default()
                }
                .seal(i, 1000 + i, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(c: &[AuditEvent]) -> Option<(i64, &str)> {
        c.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, head(&c)), Ok(5));
        assert_eq!(verify(&[], Some((0, GENESIS))), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_caught_at_the_first_touched_event() {
        let c = chain(6);
        let h = head(&c).map(|(s, h)| (s, h.to_owned()));
        let h = h.as_ref().map(|(s, x)| (*s, x.as_str()));
        let mut edited = c.clone();
        edited[2].purpose = Some("nothing to see".into());
        assert_eq!(verify(&edited, h).unwrap_err().seq, 3);
        let mut deleted = c.clone();
        deleted.remove(3);
        assert_eq!(verify(&deleted, h).unwrap_err().seq, 4);
        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert_eq!(verify(&reordered, h).unwrap_err().seq, 2);
        let truncated = &c[..4];
        let e = verify(truncated, h).unwrap_err();
        assert!(e.reason.contains("truncated"), "{e:?}");
        // Re-hashing an edited event does not help: the next event no longer follows it.
        let mut rehashed = c.clone();
        rehashed[1].outcome = "refused".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(verify(&rehashed, h).unwrap_err().seq, 3);
    }

    #[test]
    fn a_keyed_chain_cannot_be_rewritten_without_the_key() {
        let key = ChainKey {
            key: b"kept outside the database".to_vec(),
            since_seq: 3,
        };
        let mut prev = GENESIS.to_owned();
        let c: Vec<AuditEvent> = (1..=5)
            .map(|i| {
                let e = NewEvent {
                    actor: format!("a{i}"),
                    outcome: "ok".into(),
                    ..Default::default()
                }
                .seal_with(i, i, &prev, Some(&key));
                prev = e.hash.clone();
                e
            })
            .collect();
        let h = c.last().map(|e| (e.seq, e.hash.as_str()));
        let verify_keyed = |events: &[AuditEvent], head| {
            let mut v = ChainVerifier::keyed(Some(key.clone()));
            for e in events {
                v.push(e)?;
            }
            v.finish(head)
        };
        assert_eq!(verify_keyed(&c, h), Ok(5));
        // Deleting an event and recomputing every later hash, without the key: caught.
        let mut rewritten: Vec<AuditEvent> = c.clone();
        rewritten.remove(3);
        let mut prev = rewritten[2].hash.clone();
        for (i, e) in rewritten.iter_mut().enumerate().skip(3) {
            e.seq = i as i64 + 1;
            e.prev_hash = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
        }
        let head = rewritten.last().map(|e| (e.seq, e.hash.as_str()));
        assert_eq!(verify_keyed(&rewritten, head).unwrap_err().seq, 4);
        // Events before the key's first event verify as they were written.
        assert_eq!(c[0].hash, c[0].compute_hash());
        assert_ne!(c[3].hash, c[3].compute_hash());
        assert!(!format!("{key:?}").contains("kept outside"));
    }

    #[test]
    fn large_results_keep_count_and_digest_only() {
        let persons: Vec<String> = (0..MAX_LISTED_PERSONS + 1)
            .map(|i| format!("{i:010}"))
            .collect();
        let e = NewEvent {
            persons,
            ..Default::default()
        }
        .seal(1, 0, GENESIS);
        assert!(e.persons.is_empty());
        assert_eq!(e.persons_count, MAX_LISTED_PERSONS as i64 + 1);
        assert_eq!(e.persons_digest.len(), 64);
    }
}
