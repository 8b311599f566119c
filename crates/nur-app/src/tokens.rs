//! Access tokens of machine clients: OAuth2 client credentials (as the DCI standard asks)
//! give a short-lived JWT signed with EdDSA (Ed25519) through `jsonwebtoken`. The key pairs
//! live in the database (so every server of a deployment signs and verifies alike; the
//! private keys are never printed); their public halves are published as a JWK set (RFC
//! 7517) whose `kid` is each key's RFC 7638 thumbprint. `nur keys rotate` adds a new
//! signing key and keeps the old one for verification until the tokens it signed expire.
//!
//! Each request's token is checked against the stored client as well: a revoked client, or a
//! token older than the client's last rotation (its generation), is refused at once however
//! long the token would otherwise live.

use crate::caller::Caller;
use crate::clients::ip_allowed;
use crate::error::{no_randomness, AppError, Result};
use crate::App;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use nur_core::grant::Actor;
use nur_core::Ident;
use nur_store::{now_ms, SigningKeyRow, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::RwLock;
use std::time::{Duration, Instant};

const ISSUER: &str = "nur";
const ALG: &str = "EdDSA";

/// How often a server re-reads the keys, so a rotation made elsewhere reaches it.
const REFRESH: Duration = Duration::from_secs(30);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    ent: String,
    gen: i64,
    iat: u64,
    exp: u64,
}

/// A token as handed to a client.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

/// A key that verifies tokens: its public JWK and until when it may (a retired key only
/// as long as the tokens it signed can live).
struct Verifier {
    jwk: Jwk,
    key: DecodingKey,
    until_ms: Option<i64>,
}

impl Verifier {
    fn valid(&self, now_ms: i64) -> bool {
        self.until_ms.is_none_or(|t| t > now_ms)
    }
}

struct Ring {
    signing: Option<(String, EncodingKey)>,
    verifying: HashMap<String, Verifier>,
    loaded: Instant,
}

/// The signing and verification keys of this server, re-read from the database now and
/// then and whenever a token names a key it does not know.
pub struct TokenKeys {
    pub ttl_secs: u64,
    ring: RwLock<Ring>,
}

fn now_secs() -> u64 {
    (now_ms() / 1000) as u64
}

/// A fresh Ed25519 key pair as stored, its kid the RFC 7638 thumbprint of its public JWK.
pub(crate) fn new_key() -> Result<SigningKeyRow> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(no_randomness)?;
    // PKCS#8 v1 (the private key alone): the form `jsonwebtoken` reads an Ed25519 key in.
    let der = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: seed,
        public_key: None,
    }
    .to_pkcs8_der()
    .map_err(AppError::internal)?;
    let der = der.as_bytes().to_vec();
    let jwk = Jwk::from_encoding_key(&EncodingKey::from_ed_der(&der), Algorithm::EdDSA)
        .map_err(AppError::internal)?;
    let x = match &jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => p.x.clone(),
        _ => return Err(AppError::internal("an Ed25519 JWK is an octet key pair")),
    };
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(AppError::internal)?;
    Ok(SigningKeyRow {
        kid,
        alg: ALG.into(),
        private_key: B64.encode(&der),
        public_key: x,
        created_at_ms: now_ms(),
        retired_at_ms: None,
        verify_until_ms: None,
    })
}

fn ring_from(rows: &[SigningKeyRow]) -> Result<Ring> {
    let now = now_ms();
    let mut ring = Ring {
        signing: None,
        verifying: HashMap::new(),
        loaded: Instant::now(),
    };
    for k in rows
        .iter()
        .filter(|k| k.alg == ALG && k.verify_until_ms.is_none_or(|t| t > now))
    {
        let der = B64.decode(&k.private_key).map_err(AppError::internal)?;
        let enc = EncodingKey::from_ed_der(&der);
        let mut jwk = Jwk::from_encoding_key(&enc, Algorithm::EdDSA).map_err(AppError::internal)?;
        jwk.common.key_id = Some(k.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        ring.verifying.insert(
            k.kid.clone(),
            Verifier {
                jwk,
                key: DecodingKey::from_ed_components(&k.public_key).map_err(AppError::internal)?,
                until_ms: k.verify_until_ms,
            },
        );
        if k.retired_at_ms.is_none() {
            // The newest key not retired signs (rows come oldest first).
            ring.signing = Some((k.kid.clone(), enc));
        }
    }
    Ok(ring)
}

impl TokenKeys {
    /// Loads the keys, creating the first signing key when there is none.
    pub fn load(store: &Store, ttl_secs: u64) -> Result<TokenKeys> {
        let rows = store.signing_keys_or_init(|| {
            new_key().expect("the operating system provides randomness")
        })?;
        Ok(TokenKeys {
            ttl_secs,
            ring: RwLock::new(ring_from(&rows)?),
        })
    }

    fn reload(&self, store: &Store) -> Result<()> {
        let ring = ring_from(&store.signing_keys()?)?;
        *self.ring.write().unwrap_or_else(|e| e.into_inner()) = ring;
        Ok(())
    }

    fn fresh(&self, store: &Store) -> Result<()> {
        let stale = self
            .ring
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .loaded
            .elapsed()
            > REFRESH;
        if stale {
            self.reload(store)?;
        }
        Ok(())
    }

    /// Runs `f` with the current signing key and its id.
    fn with_signing_key<T>(
        &self,
        store: &Store,
        f: impl FnOnce(&str, &EncodingKey) -> Result<T>,
    ) -> Result<T> {
        self.fresh(store)?;
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let (kid, key) = ring
            .signing
            .as_ref()
            .ok_or_else(|| AppError::internal("no signing key (run `nur keys rotate`)"))?;
        f(kid, key)
    }

    fn sign(&self, store: &Store, c: &Claims) -> Result<String> {
        self.with_signing_key(store, |kid, key| {
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(kid.to_owned());
            jsonwebtoken::encode(&header, c, key).map_err(AppError::internal)
        })
    }

    /// Signs `message` with the current key: its id and the Ed25519 signature, base64url.
    fn sign_bytes(&self, store: &Store, message: &[u8]) -> Result<(String, String)> {
        self.with_signing_key(store, |kid, key| {
            let sig = jsonwebtoken::crypto::sign(message, key, Algorithm::EdDSA)
                .map_err(AppError::internal)?;
            Ok((kid.to_owned(), sig))
        })
    }

    fn verify(&self, store: &Store, token: &str) -> Result<Claims> {
        let bad = |m: &str| AppError::unauthorized(m.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| bad("the token is not a JWT"))?;
        if header.alg != Algorithm::EdDSA {
            return Err(bad("the token is not signed with EdDSA"));
        }
        let kid = header.kid.ok_or_else(|| bad("the token names no key"))?;
        self.fresh(store)?;
        let known = self
            .ring
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .verifying
            .contains_key(&kid);
        if !known {
            // Perhaps a key made since the last read (another server rotated).
            self.reload(store)?;
        }
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let key = &ring
            .verifying
            .get(&kid)
            .filter(|v| v.valid(now_ms()))
            .ok_or_else(|| bad("the token is signed by an unknown key"))?
            .key;
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[ISSUER]);
        v.validate_aud = false;
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        jsonwebtoken::decode::<Claims>(token, key, &v)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => bad("the token has expired"),
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    bad("the token signature is not valid")
                }
                _ => bad("the token is malformed"),
            })
    }

    /// The published key set (RFC 7517): every key that still verifies.
    pub fn jwks(&self, store: &Store) -> Result<JwkSet> {
        self.fresh(store)?;
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let now = now_ms();
        let mut keys: Vec<&Verifier> = ring.verifying.values().filter(|v| v.valid(now)).collect();
        keys.sort_by(|a, b| a.jwk.common.key_id.cmp(&b.jwk.common.key_id));
        Ok(JwkSet {
            keys: keys.into_iter().map(|v| v.jwk.clone()).collect(),
        })
    }
}

/// The longest purpose or officer id a request may carry.
pub const MAX_HEADER_TEXT: usize = 200;

impl App {
    /// OAuth2 client credentials: a token for a client that proves its secret, from an
    /// allowed address. Every issuance is audited; refusals too (one event per address per
    /// interval when they repeat).
    pub fn issue_token(&self, client_id: &str, secret: &str, ip: IpAddr) -> Result<IssuedToken> {
        let refusal = |why: &str| nur_core::audit::NewEvent {
            actor_kind: "client".into(),
            actor: client_id.to_owned(),
            action: "client.token".into(),
            target: "oauth2".into(),
            client_ip: Some(ip.to_string()),
            outcome: format!("refused: {why}"),
            ..Default::default()
        };
        if self.guards.token_request(ip).is_err() {
            self.refused(ip, refusal("too many requests from this address"));
            return Err(AppError::too_many(
                "slow_down",
                "too many token requests from this address; wait and retry",
            ));
        }
        let client = self.store.client(client_id)?;
        // One answer, after the same work, for unknown, revoked and wrong-secret: neither the
        // answer nor its time tells which client ids exist.
        let live = client.filter(|c| c.revoked_at_ms.is_none());
        let hash = live
            .as_ref()
            .map_or(crate::signin::dummy_hash(), |c| c.secret_hash.as_str());
        let (given, hash) = (secret.to_owned(), hash.to_owned());
        let ok = self
            .guards
            .password_check(move || nur_core::account::verify_password(&given, &hash))
            .map_err(|_| AppError::busy("too many token requests at once; retry shortly"))?;
        let Some(client) = ok.then_some(live).flatten() else {
            self.refused(ip, refusal("invalid client credentials"));
            return Err(AppError::unauthorized(
                "unknown client, wrong secret or revoked client",
            ));
        };
        if !ip_allowed(&client.ip_allowlist, ip) {
            self.refused(ip, refusal("address not on the client's allowlist"));
            return Err(AppError::forbidden(
                "address_not_allowed",
                "this client may not connect from this address",
            ));
        }
        let now = now_secs();
        let claims = Claims {
            iss: ISSUER.into(),
            sub: client.client_id.clone(),
            ent: client.entity.clone(),
            gen: client.generation,
            iat: now,
            exp: now + self.tokens.ttl_secs,
        };
        let token = self.tokens.sign(&self.store, &claims)?;
        let mut ev = Caller::new(
            Actor::Client {
                client_id: client.client_id.clone(),
                entity: Ident::parse(&client.entity).map_err(AppError::internal)?,
            },
            Some(ip),
        )
        .event("client.token", "oauth2");
        ev.outcome = format!("ok; expires in {} s", self.tokens.ttl_secs);
        self.store.audit(ev)?;
        Ok(IssuedToken {
            access_token: token,
            expires_in: self.tokens.ttl_secs,
        })
    }

    /// The caller a bearer token stands for, with the officer and purpose the request names
    /// (checked: visible text, at most [`MAX_HEADER_TEXT`] characters; a purpose is
    /// required where the entity asks for one).
    pub fn caller_from_token(
        &self,
        token: &str,
        ip: IpAddr,
        on_behalf_of: Option<String>,
        purpose: Option<String>,
    ) -> Result<Caller> {
        let claims = match self.tokens.verify(&self.store, token) {
            Ok(c) => c,
            Err(e) => {
                self.refused(
                    ip,
                    nur_core::audit::NewEvent {
                        actor_kind: "client".into(),
                        action: "api.refused".into(),
                        target: "bearer token".into(),
                        client_ip: Some(ip.to_string()),
                        outcome: format!("refused: {}", e.message),
                        ..Default::default()
                    },
                );
                return Err(e);
            }
        };
        // The client and its entity's settings, read at one moment.
        let (client, settings) = self.store.snapshot(|s| {
            let c = s.client(&claims.sub)?;
            let settings = match &c {
                Some(c) => s.entity_settings(&c.entity)?,
                None => Default::default(),
            };
            Ok((c, settings))
        })?;
        let client = client
            .filter(|c| c.revoked_at_ms.is_none() && c.generation == claims.gen)
            .ok_or_else(|| {
                AppError::unauthorized(
                    "the client was revoked or its secret rotated; get a new token",
                )
            })?;
        if !ip_allowed(&client.ip_allowlist, ip) {
            return Err(AppError::forbidden(
                "address_not_allowed",
                format!("client {} may not connect from {ip}", client.client_id),
            ));
        }
        for (name, v) in [
            ("X-NUR-User-Id", &on_behalf_of),
            ("X-NUR-Purpose", &purpose),
        ] {
            if v.as_ref()
                .is_some_and(|s| s.chars().count() > MAX_HEADER_TEXT)
            {
                return Err(AppError::invalid(
                    "invalid_header",
                    format!("{name} is longer than {MAX_HEADER_TEXT} characters"),
                ));
            }
        }
        if settings.purpose_required && purpose.is_none() {
            return Err(AppError::invalid(
                "purpose_required",
                format!(
                    "{} requires X-NUR-Purpose on every data request",
                    client.entity
                ),
            ));
        }
        let entity = Ident::parse(&client.entity).map_err(AppError::internal)?;
        Ok(Caller {
            actor: Actor::Client {
                client_id: client.client_id,
                entity,
            },
            on_behalf_of,
            purpose,
            ip: Some(ip),
        })
    }

    /// The public keys that verify NUR's tokens.
    pub fn jwks(&self) -> Result<JwkSet> {
        self.tokens.jwks(&self.store)
    }

    /// Signs an outgoing message (a DCI answer, callback or notification) with the key the
    /// JWKS publishes: the key id and the Ed25519 signature, base64url without padding.
    pub fn sign_message(&self, message: &[u8]) -> Result<(String, String)> {
        self.tokens.sign_bytes(&self.store, message)
    }

    /// Adds a new signing key; the others verify what they signed until those tokens have
    /// expired. Returns the new key's id.
    pub fn rotate_signing_key(&self, caller: &Caller) -> Result<String> {
        self.must_be_platform(caller)?;
        let k = new_key()?;
        let until = now_ms() + (self.tokens.ttl_secs as i64) * 1000;
        let ev = caller.event("keys.rotate", format!("signing key {}", k.kid));
        self.store.rotate_signing_key(&k, until, ev)?;
        self.tokens.reload(&self.store)?;
        Ok(k.kid)
    }
}

/// The public key of a JWK as base64url, for tests and tools.
pub fn jwk_x(jwk: &Jwk) -> Option<&str> {
    match &jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => Some(&p.x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_signs_and_its_jwk_verifies() {
        let k = new_key().unwrap();
        // A SHA-256 thumbprint in base64url has 43 characters.
        assert_eq!(k.kid.len(), 43);
        let ring = ring_from(std::slice::from_ref(&k)).unwrap();
        let (kid, enc) = ring.signing.as_ref().unwrap();
        assert_eq!(kid, &k.kid);
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(kid.clone());
        let claims = Claims {
            iss: ISSUER.into(),
            sub: "naf-1".into(),
            ent: "NAF".into(),
            gen: 1,
            iat: now_secs(),
            exp: now_secs() + 60,
        };
        let t = jsonwebtoken::encode(&h, &claims, enc).unwrap();
        let jwk = &ring.verifying[&k.kid].jwk;
        assert_eq!(jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), k.kid);
        let dec = DecodingKey::from_jwk(jwk).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_issuer(&[ISSUER]);
        let back = jsonwebtoken::decode::<Claims>(&t, &dec, &v).unwrap();
        assert_eq!(back.claims.sub, "naf-1");
        // Another key's JWK does not verify it.
        let other = ring_from(&[new_key().unwrap()]).unwrap();
        let dec = DecodingKey::from_jwk(&other.verifying.values().next().unwrap().jwk).unwrap();
        assert!(jsonwebtoken::decode::<Claims>(&t, &dec, &v).is_err());
    }
}
