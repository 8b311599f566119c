//! Machine clients: OAuth2 client credentials (`POST /oauth2/client/token`, as the DCI
//! standard specifies) issuing short-lived HS256 JWTs, and the [`Caller`] every data request
//! resolves to: the client, its entity, the officer (`X-NUR-User-Id`), the purpose
//! (`X-NUR-Purpose`) and the client's address.
//!
//! A token is checked on every request against the stored client: a revoked client, or a
//! token older than the client's last rotation (its generation), is refused at once, however
//! long the token would otherwise live.

use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use nur_core::audit::NewEvent;
use nur_core::grant::Actor;
use nur_core::Ident;
use nur_store::{ClientRow, Store};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};

/// The longest purpose or officer id a request may carry.
const MAX_HEADER_TEXT: usize = 200;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    ent: String,
    gen: i64,
    iat: u64,
    exp: u64,
}

/// The signing key and token lifetime.
#[derive(Clone)]
pub struct TokenKeys {
    key: Vec<u8>,
    pub ttl_secs: u64,
}

impl TokenKeys {
    /// The key is shared through the database (created once, first writer wins), so every
    /// server of one deployment accepts the others' tokens.
    pub fn load(store: &Store, ttl_secs: u64) -> nur_store::Result<TokenKeys> {
        let hex = store.setting_or_init("jwt_hs256_key", || {
            let mut k = [0u8; 32];
            getrandom::fill(&mut k).expect("the operating system provides randomness");
            nur_core::audit::hex(&k)
        })?;
        Ok(TokenKeys {
            key: hex.into_bytes(),
            ttl_secs,
        })
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length")
    }

    fn sign(&self, c: &Claims) -> String {
        let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = B64.encode(serde_json::to_vec(c).expect("plain struct"));
        let input = format!("{header}.{body}");
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        let sig = B64.encode(mac.finalize().into_bytes());
        format!("{input}.{sig}")
    }

    fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(b), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the token is not a JWT");
        };
        let header: serde_json::Value = B64
            .decode(h)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or("the token header is malformed")?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err("the token is not signed with HS256");
        }
        let sig = B64
            .decode(s)
            .map_err(|_| "the token signature is malformed")?;
        let mut mac = self.mac();
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(b.as_bytes());
        // verify_slice compares in constant time.
        mac.verify_slice(&sig)
            .map_err(|_| "the token signature is not valid")?;
        let claims: Claims = B64
            .decode(b)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the token claims are malformed")?;
        if claims.exp <= now_secs() {
            return Err("the token has expired");
        }
        Ok(claims)
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A new client's credentials; the secret exists only here and in what is shown to the
/// operator once. Returns the row to store (with the secret's argon2id hash) and the secret.
pub fn new_client(
    entity: &Ident,
    name: &str,
    ip_allowlist: Vec<String>,
) -> Result<(ClientRow, String), CredentialError> {
    for ip in &ip_allowlist {
        parse_net(ip).map_err(CredentialError)?;
    }
    let mut id = [0u8; 6];
    getrandom::fill(&mut id).map_err(|e| CredentialError(format!("no randomness: {e}")))?;
    let client_id = format!(
        "{}-{}",
        entity.as_str().to_ascii_lowercase(),
        nur_core::audit::hex(&id)
    );
    let (secret, hash) = new_secret()?;
    Ok((
        ClientRow {
            client_id,
            entity: entity.to_string(),
            name: name.to_owned(),
            secret_hash: hash,
            generation: 1,
            ip_allowlist,
            created_at_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
            rotated_at_ms: None,
            revoked_at_ms: None,
        },
        secret,
    ))
}

/// A fresh secret and its hash, for rotation.
pub fn new_secret() -> Result<(String, String), CredentialError> {
    let mut secret = [0u8; 32];
    let mut salt = [0u8; 16];
    getrandom::fill(&mut secret).map_err(|e| CredentialError(format!("no randomness: {e}")))?;
    getrandom::fill(&mut salt).map_err(|e| CredentialError(format!("no randomness: {e}")))?;
    let secret = B64.encode(secret);
    let hash = nur_core::account::hash_password(&secret, &salt)
        .map_err(|e| CredentialError(e.to_string()))?;
    Ok((secret, hash))
}

/// A first password for a person (16 characters from an alphabet without look-alikes).
pub fn random_password() -> Result<String, CredentialError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[*b as usize % ALPHABET.len()]))
        .collect())
}

/// Why credentials could not be made (no randomness, a bad allowlist entry).
#[derive(Debug)]
pub struct CredentialError(pub String);

impl std::fmt::Display for CredentialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CredentialError {}

/// An allowlist entry: an address or a CIDR network.
fn parse_net(s: &str) -> Result<(IpAddr, u8), String> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b
            .parse::<u8>()
            .ok()
            .filter(|b| *b <= max)
            .ok_or_else(|| format!("{s:?}: prefix length must be 0 to {max}"))?,
        None => max,
    };
    Ok((ip, bits))
}

fn ip_allowed(allowlist: &[String], ip: IpAddr) -> bool {
    if allowlist.is_empty() {
        return true;
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    allowlist
        .iter()
        .filter_map(|s| parse_net(s).ok())
        .any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
}

#[derive(Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An OAuth2 error response (RFC 6749 §5.2), the shape OAuth2 clients expect.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub async fn token(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(req)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded with grant_type, client_id and client_secret",
        );
    };
    if req.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let (Some(id), Some(secret)) = (req.client_id, req.client_secret) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required",
        );
    };
    let store = s.store.clone();
    let ip = peer.ip();
    let checked = blocking(move || {
        let client = store.client(&id).map_err(ApiError::from)?;
        // One answer for unknown, revoked and wrong-secret, so ids cannot be probed.
        let ok = client.filter(|c| {
            c.revoked_at_ms.is_none() && nur_core::account::verify_password(&secret, &c.secret_hash)
        });
        Ok((ok, id))
    })
    .await;
    let (client, id) = match checked {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Some(client) = client else {
        let store = s.store.clone();
        let _ = blocking(move || {
            store
                .audit(NewEvent {
                    actor_kind: "client".into(),
                    actor: id,
                    action: "client.token".into(),
                    target: "oauth2".into(),
                    client_ip: Some(ip.to_string()),
                    outcome: "refused: invalid client credentials".into(),
                    ..Default::default()
                })
                .map_err(ApiError::from)
        })
        .await;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, wrong secret or revoked client",
        );
    };
    if !ip_allowed(&client.ip_allowlist, ip) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "this client may not connect from this address",
        );
    }
    let now = now_secs();
    let claims = Claims {
        iss: "nur".into(),
        sub: client.client_id.clone(),
        ent: client.entity.clone(),
        gen: client.generation,
        iat: now,
        exp: now + s.keys.ttl_secs,
    };
    Json(serde_json::json!({
        "access_token": s.keys.sign(&claims),
        "token_type": "Bearer",
        "expires_in": s.keys.ttl_secs,
    }))
    .into_response()
}

/// Who is asking, and why.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub entity: Ident,
    pub on_behalf_of: Option<String>,
    pub purpose: Option<String>,
    pub ip: IpAddr,
}

impl Caller {
    /// An audit event for this caller, to be completed by the handler.
    pub fn event(&self, action: &str, target: String) -> NewEvent {
        NewEvent {
            actor_kind: self.actor.kind().into(),
            actor: self.actor.name().into(),
            on_behalf_of: self.on_behalf_of.clone(),
            entity: Some(self.entity.to_string()),
            purpose: self.purpose.clone(),
            action: action.into(),
            target,
            client_ip: Some(self.ip.to_string()),
            outcome: "ok".into(),
            ..Default::default()
        }
    }
}

fn header_text(h: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = h.get(name) else {
        return Ok(None);
    };
    let s = v.to_str().map_err(|_| {
        ApiError::invalid(
            "invalid_header",
            format!("{name} must be visible ASCII text"),
        )
    })?;
    let s = s.trim();
    if s.len() > MAX_HEADER_TEXT {
        return Err(ApiError::invalid(
            "invalid_header",
            format!("{name} is longer than {MAX_HEADER_TEXT} characters"),
        ));
    }
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Caller, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let auth = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::unauthorized("a bearer token is required (POST /oauth2/client/token)")
            })?;
        let claims = s.keys.verify(auth.trim()).map_err(ApiError::unauthorized)?;
        let on_behalf_of = header_text(&parts.headers, "x-nur-user-id")?;
        let purpose = header_text(&parts.headers, "x-nur-purpose")?;
        let store = s.store.clone();
        let sub = claims.sub.clone();
        let (client, settings) = blocking(move || {
            let c = store.client(&sub).map_err(ApiError::from)?;
            let settings = match &c {
                Some(c) => store.entity_settings(&c.entity).map_err(ApiError::from)?,
                None => Default::default(),
            };
            Ok((c, settings))
        })
        .await?;
        let client = client
            .filter(|c| c.revoked_at_ms.is_none() && c.generation == claims.gen)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the client was revoked or its secret rotated; get a new token",
                )
            })?;
        if !ip_allowed(&client.ip_allowlist, ip) {
            return Err(ApiError::forbidden(
                "address_not_allowed",
                format!("client {} may not connect from {ip}", client.client_id),
            ));
        }
        if settings.purpose_required && purpose.is_none() {
            return Err(ApiError::invalid(
                "purpose_required",
                format!(
                    "{} requires X-NUR-Purpose on every data request",
                    client.entity
                ),
            ));
        }
        let entity = Ident::parse(&client.entity)
            .map_err(|e| ApiError::internal(format!("stored client entity: {e}")))?;
        Ok(Caller {
            actor: Actor::Client {
                client_id: client.client_id,
                entity: entity.clone(),
            },
            entity,
            on_behalf_of,
            purpose,
            ip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_expire() {
        let k = TokenKeys {
            key: b"k".to_vec(),
            ttl_secs: 60,
        };
        let c = Claims {
            iss: "nur".into(),
            sub: "naf-1".into(),
            ent: "NAF".into(),
            gen: 1,
            iat: now_secs(),
            exp: now_secs() + 60,
        };
        let t = k.sign(&c);
        assert_eq!(k.verify(&t).unwrap().sub, "naf-1");
        let other = TokenKeys {
            key: b"other".to_vec(),
            ttl_secs: 60,
        };
        assert_eq!(
            other.verify(&t).unwrap_err(),
            "the token signature is not valid"
        );
        let mut forged: Vec<&str> = t.split('.').collect();
        let body = B64
            .encode(br#"{"iss":"nur","sub":"x","ent":"DVLD","gen":1,"iat":0,"exp":99999999999}"#);
        forged[1] = &body;
        assert!(k.verify(&forged.join(".")).is_err());
        let old = Claims { exp: 1, ..c };
        assert_eq!(
            k.verify(&k.sign(&old)).unwrap_err(),
            "the token has expired"
        );
        assert!(k.verify("a.b").is_err());
        let none = format!(
            "{}.{}.",
            B64.encode(br#"{"alg":"none"}"#),
            B64.encode(b"{}")
        );
        assert_eq!(
            k.verify(&none).unwrap_err(),
            "the token is not signed with HS256"
        );
    }

    #[test]
    fn allowlists_match_addresses_and_networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let list = vec!["10.1.0.0/16".to_string(), "192.168.1.7".to_string()];
        assert!(ip_allowed(&list, ip("10.1.200.3")));
        assert!(ip_allowed(&list, ip("192.168.1.7")));
        assert!(ip_allowed(&list, ip("::ffff:10.1.0.1")));
        assert!(!ip_allowed(&list, ip("10.2.0.1")));
        assert!(!ip_allowed(&list, ip("192.168.1.8")));
        assert!(ip_allowed(&[], ip("8.8.8.8")));
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("example.org").is_err());
    }
}
