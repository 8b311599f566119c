//! Message signatures, a setting per partner (DCI leaves the scheme open): draft-cavage with
//! Ed25519 over the SHA-256 digest of the compact, sorted-key JSON of `{header, message}`
//! (OpenSPP's), and compact JWS over the same bytes, the payload attached or detached
//! (OpenCRVS's, OpenG2P's). NUR signs with the key its JWKS publishes; a partner's signature
//! is checked with the JWK on file for it.

use crate::envelope::Refusal;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// How long a cavage signature NUR makes stays valid.
pub const CAVAGE_TTL_SECS: i64 = 300;

/// Compact JSON with every object's keys sorted, whatever order they came in.
pub fn canonical(v: &Json) -> String {
    match v {
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Json::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Json::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The bytes a signature covers.
pub fn signed_bytes(header: &Json, message: &Json) -> Vec<u8> {
    canonical(&json!({"header": header, "message": message})).into_bytes()
}

fn cavage_string(created: i64, expires: i64, body: &[u8]) -> String {
    let digest = STANDARD.encode(Sha256::digest(body));
    format!("(created): {created}\n(expires): {expires}\ndigest: SHA-256={digest}")
}

/// A signer: the key id and an Ed25519 signature (base64url) of the bytes given.
pub type Signer<'a> = dyn Fn(&[u8]) -> Result<(String, String), String> + 'a;

/// Signs `{header, message}` by `scheme` (`cavage-ed25519`, or compact JWS for any other).
pub fn sign(
    scheme: &str,
    sender_id: &str,
    header: &Json,
    message: &Json,
    signer: &Signer<'_>,
) -> Result<String, String> {
    let body = signed_bytes(header, message);
    if scheme == "cavage-ed25519" {
        let created = jiff::Timestamp::now().as_second();
        let expires = created + CAVAGE_TTL_SECS;
        let (kid, sig) = signer(cavage_string(created, expires, &body).as_bytes())?;
        let sig = STANDARD.encode(URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?);
        return Ok(format!(
            "Signature: namespace=\"dci\", kidId=\"{sender_id}|{kid}|ed25519\", algorithm=\"ed25519\", created=\"{created}\", expires=\"{expires}\", headers=\"(created) (expires) digest\", signature=\"{sig}\""
        ));
    }
    // Compact JWS; the kid is known only after signing, so the signer is asked first for it.
    let (kid, _) = signer(b"")?;
    let protected = URL_SAFE_NO_PAD.encode(canonical(&json!({"alg": "EdDSA", "kid": kid})));
    let payload = URL_SAFE_NO_PAD.encode(&body);
    let input = format!("{protected}.{payload}");
    let (_, sig) = signer(input.as_bytes())?;
    Ok(format!("{input}.{sig}"))
}

fn invalid(m: impl Into<String>) -> Refusal {
    Refusal::new("err.signature.invalid", m)
}

fn key_of(jwk: &str) -> Result<(DecodingKey, Algorithm), Refusal> {
    let jwk: Jwk = serde_json::from_str(jwk)
        .map_err(|e| invalid(format!("the key on file is not a JWK: {e}")))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| invalid(format!("the key on file: {e}")))?;
    let alg = match &jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
        jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
        jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
        _ => {
            return Err(invalid(
                "the key on file is not an Ed25519, RSA or EC public key",
            ))
        }
    };
    Ok((key, alg))
}

/// Checks a received signature by the partner's scheme and key (a JWK); `none` checks nothing.
pub fn verify(
    scheme: &str,
    jwk: Option<&str>,
    signature: Option<&str>,
    header: &Json,
    message: &Json,
) -> Result<(), Refusal> {
    if scheme == "none" {
        return Ok(());
    }
    let jwk = jwk.ok_or_else(|| invalid("no key on file for this sender"))?;
    let signature = signature.ok_or_else(|| {
        Refusal::new(
            "err.signature.missing",
            format!("a {scheme} signature is required"),
        )
    })?;
    let (key, alg) = key_of(jwk)?;
    let body = signed_bytes(header, message);
    if scheme == "cavage-ed25519" {
        let param = |name: &str| -> Option<String> {
            let at = signature.find(&format!("{name}=\""))? + name.len() + 2;
            let end = signature[at..].find('"')? + at;
            Some(signature[at..end].to_owned())
        };
        let created: i64 = param("created")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("the signature has no created time"))?;
        let expires: i64 = param("expires")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("the signature has no expiry"))?;
        if expires < jiff::Timestamp::now().as_second() {
            return Err(invalid("the signature has expired"));
        }
        let sig = param("signature").ok_or_else(|| invalid("the signature has no value"))?;
        let raw = STANDARD
            .decode(sig.as_bytes())
            .map_err(|_| invalid("the signature value is not base64"))?;
        let ok = jsonwebtoken::crypto::verify(
            &URL_SAFE_NO_PAD.encode(raw),
            cavage_string(created, expires, &body).as_bytes(),
            &key,
            Algorithm::EdDSA,
        )
        .unwrap_or(false);
        return if ok {
            Ok(())
        } else {
            Err(invalid(
                "the signature does not verify with the key on file",
            ))
        };
    }
    let parts: Vec<&str> = signature.split('.').collect();
    let [protected, payload, sig] = parts[..] else {
        return Err(invalid("a JWS has three parts"));
    };
    let payload = if payload.is_empty() {
        URL_SAFE_NO_PAD.encode(&body)
    } else {
        let sent = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| serde_json::from_slice::<Json>(&b).ok())
            .ok_or_else(|| invalid("the JWS payload is not JSON"))?;
        if canonical(&sent).as_bytes() != body.as_slice() {
            return Err(invalid("the JWS payload is not this message"));
        }
        payload.to_owned()
    };
    let ok =
        jsonwebtoken::crypto::verify(sig, format!("{protected}.{payload}").as_bytes(), &key, alg)
            .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "the signature does not verify with the key on file",
        ))
    }
}
