//! The keys that sign access tokens, over [`Tx`] for both backends.

use crate::access::append;
use crate::sql::{Cell, Tx};
use crate::{now_ms, Result, Store};
use nur_core::audit::NewEvent;

/// A signing key as stored. `private_key` is PKCS#8 DER in base64; `public_key` the JWK `x`.
#[derive(Clone, PartialEq)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub private_key: String,
    pub public_key: String,
    pub created_at_ms: i64,
    pub retired_at_ms: Option<i64>,
    pub verify_until_ms: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_key", &"[redacted]")
            .field("created_at_ms", &self.created_at_ms)
            .field("retired_at_ms", &self.retired_at_ms)
            .field("verify_until_ms", &self.verify_until_ms)
            .finish()
    }
}

fn key_from(r: &[Cell]) -> SigningKeyRow {
    SigningKeyRow {
        kid: r[0].text(),
        alg: r[1].text(),
        private_key: r[2].text(),
        public_key: r[3].text(),
        created_at_ms: r[4].int(),
        retired_at_ms: r[5].opt_int(),
        verify_until_ms: r[6].opt_int(),
    }
}

fn keys(tx: &mut dyn Tx) -> Result<Vec<SigningKeyRow>> {
    Ok(tx
        .rows(
            "SELECT kid, alg, private_key, public_key, created_at, retired_at, verify_until FROM nur_signing_key ORDER BY created_at, kid",
            &[],
        )?
        .iter()
        .map(|r| key_from(r))
        .collect())
}

fn insert(tx: &mut dyn Tx, k: &SigningKeyRow) -> Result<()> {
    tx.exec(
        "INSERT INTO nur_signing_key (kid, alg, private_key, public_key, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[k.kid.as_str().into(), k.alg.as_str().into(), k.private_key.as_str().into(), k.public_key.as_str().into(), k.created_at_ms.into()],
    )?;
    Ok(())
}

impl Store {
    /// Every key still stored, oldest first.
    pub fn signing_keys(&self) -> Result<Vec<SigningKeyRow>> {
        self.read(keys)
    }

    /// Stores `make()` as the signing key if there is none yet (the first writer wins, so
    /// servers starting together agree on one key); returns the keys. The first key is part
    /// of setting a database up (`nur init`) and is not an audited change; rotations are.
    pub fn signing_keys_or_init(
        &self,
        make: impl FnOnce() -> SigningKeyRow,
    ) -> Result<Vec<SigningKeyRow>> {
        let existing = self.signing_keys()?;
        if existing.iter().any(|k| k.retired_at_ms.is_none()) {
            return Ok(existing);
        }
        self.write(|tx| {
            let existing = keys(tx)?;
            if existing.iter().any(|k| k.retired_at_ms.is_none()) {
                return Ok(existing);
            }
            insert(tx, &make())?;
            keys(tx)
        })
    }

    /// Makes `new` the signing key: the others are retired and verify what they signed
    /// until `verify_until_ms`; keys past their time are removed. Audited with the change.
    pub fn rotate_signing_key(
        &self,
        new: &SigningKeyRow,
        verify_until_ms: i64,
        event: NewEvent,
    ) -> Result<Vec<SigningKeyRow>> {
        self.write(|tx| {
            let now = now_ms();
            tx.exec(
                "DELETE FROM nur_signing_key WHERE verify_until IS NOT NULL AND verify_until < $1",
                &[now.into()],
            )?;
            tx.exec(
                "UPDATE nur_signing_key SET retired_at = $1, verify_until = $2 WHERE retired_at IS NULL",
                &[now.into(), verify_until_ms.into()],
            )?;
            insert(tx, new)?;
            append(tx, event)?;
            keys(tx)
        })
    }
}
