//! NUR as a DCI client: a partner's token (OAuth2 client credentials, kept until shortly
//! before it expires), a signed sync search by identifier, and its answer read strictly —
//! anything that is not a DCI search response is `invalid`, never taken for an answer.

use crate::envelope::{new_id, now_ts};
use crate::sign;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nur_app::{MessageSigner, PartnerFailure, PartnerTransport};
use nur_store::PartnerRow;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// The most a partner's answer may weigh.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// Partners over HTTP.
#[derive(Default)]
pub struct HttpPartners {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

fn fail(kind: &str, m: impl Into<String>) -> PartnerFailure {
    PartnerFailure::new(kind, m)
}

impl HttpPartners {
    pub fn new() -> HttpPartners {
        HttpPartners::default()
    }

    /// Runs `f` on the current runtime's handle from a blocking thread, or on a runtime of
    /// its own where there is none (a command).
    fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, PartnerFailure> {
        match tokio::runtime::Handle::try_current() {
            Ok(h) => Ok(tokio::task::block_in_place(|| h.block_on(f))),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(f))
                .map_err(|e| fail("unavailable", e.to_string())),
        }
    }

    async fn post(
        p: &PartnerRow,
        url: &str,
        content_type: &str,
        bearer: Option<&str>,
        body: String,
    ) -> Result<(u16, Bytes), PartnerFailure> {
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        let mut req = hyper::Request::post(url).header("content-type", content_type);
        if let Some(t) = bearer {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| fail("invalid", format!("bad URL {url}: {e}")))?;
        let timeout = Duration::from_millis(p.timeout_ms.max(1) as u64);
        let work = async {
            let res = client.request(req).await.map_err(|e| {
                fail(
                    "unavailable",
                    format!("{} could not be reached: {e}", p.name),
                )
            })?;
            let status = res.status().as_u16();
            let body = http_body_util::Limited::new(res.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| fail("invalid", format!("{} answered unreadably: {e}", p.name)))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, work).await.map_err(|_| {
            fail(
                "timeout",
                format!("{} did not answer within {} ms", p.name, p.timeout_ms),
            )
        })?
    }

    async fn token(&self, p: &PartnerRow) -> Result<String, PartnerFailure> {
        if let Some((t, until)) = self.tokens.lock().expect("tokens").get(&p.name) {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            form_escape(&p.client_id),
            form_escape(&p.client_secret)
        );
        let (status, body) = Self::post(
            p,
            &p.token_url,
            "application/x-www-form-urlencoded",
            None,
            form,
        )
        .await?;
        if status != 200 {
            return Err(fail(
                "refused",
                format!("{} refused NUR's credentials (HTTP {status})", p.name),
            ));
        }
        let v: Json = serde_json::from_slice(&body)
            .map_err(|_| fail("invalid", format!("{}'s token answer is not JSON", p.name)))?;
        let token = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                fail(
                    "invalid",
                    format!("{}'s token answer has no access_token", p.name),
                )
            })?
            .to_owned();
        let secs = v["expires_in"].as_u64().unwrap_or(60);
        let until = Instant::now() + Duration::from_secs(secs.saturating_sub(10).max(1));
        self.tokens
            .lock()
            .expect("tokens")
            .insert(p.name.clone(), (token.clone(), until));
        Ok(token)
    }
}

impl PartnerTransport for HttpPartners {
    fn search(
        &self,
        p: &PartnerRow,
        id_value: &str,
        signer: &MessageSigner<'_>,
    ) -> Result<Vec<Json>, PartnerFailure> {
        let reference = new_id();
        let message = json!({"transaction_id": new_id(), "search_request": [{
            "reference_id": reference, "timestamp": now_ts(),
            "search_criteria": {"version": "1.0.0", "reg_type": p.reg_type, "query_type": "idtype-value",
                "query": {"type": p.id_type, "value": id_value},
                "pagination": {"page_size": 100, "page_number": 1}}}]});
        let body = signed_envelope(p, "search", None, message, signer)?;
        let url = format!("{}/registry/sync/search", p.base_url);
        let (status, answer) = Self::block_on(async {
            let token = self.token(p).await?;
            let got = Self::post(p, &url, "application/json", Some(&token), body.clone()).await?;
            if got.0 == 401 {
                // An expired or revoked token: one fresh try.
                self.tokens.lock().expect("tokens").remove(&p.name);
                let token = self.token(p).await?;
                return Self::post(p, &url, "application/json", Some(&token), body).await;
            }
            Ok(got)
        })??;
        read_answer(&p.name, status, &answer, &reference)
    }

    fn subscribe(
        &self,
        p: &PartnerRow,
        event: &str,
        sender_uri: &str,
        signer: &MessageSigner<'_>,
    ) -> Result<(), PartnerFailure> {
        let message = json!({"transaction_id": new_id(), "subscribe_request": [{
            "reference_id": new_id(), "timestamp": now_ts(),
            "subscribe_criteria": {"version": "1.0.0", "reg_type": p.reg_type, "reg_event_type": event}}]});
        let body = signed_envelope(p, "subscribe", Some(sender_uri), message, signer)?;
        let url = format!("{}/registry/subscribe", p.base_url);
        let (status, answer) = Self::block_on(async {
            let token = self.token(p).await?;
            Self::post(p, &url, "application/json", Some(&token), body).await
        })??;
        let v: Json = serde_json::from_slice(&answer).map_err(|_| {
            fail(
                "invalid",
                format!("{} answered HTTP {status} with no JSON", p.name),
            )
        })?;
        match v.pointer("/message/ack_status").and_then(Json::as_str) {
            Some("ACK") if status == 200 => Ok(()),
            Some(a) => Err(fail(
                "refused",
                format!(
                    "{} answered {a}: {}",
                    p.name,
                    v.pointer("/message/error/message")
                        .and_then(Json::as_str)
                        .unwrap_or("")
                ),
            )),
            None => Err(fail(
                "invalid",
                format!("{}'s answer is not a DCI acknowledgement", p.name),
            )),
        }
    }
}

/// A one-item message to partner `p`, signed in its scheme, as the body to send.
fn signed_envelope(
    p: &PartnerRow,
    action: &str,
    sender_uri: Option<&str>,
    message: Json,
    signer: &MessageSigner<'_>,
) -> Result<String, PartnerFailure> {
    let mut header = json!({"version": "1.0.0", "message_id": new_id(), "message_ts": now_ts(),
        "action": action, "sender_id": p.sender_id, "receiver_id": p.name, "total_count": 1});
    if let Some(u) = sender_uri {
        header["sender_uri"] = u.into();
    }
    let signature = if p.scheme == "none" {
        String::new()
    } else {
        sign::sign(&p.scheme, &p.sender_id, &header, &message, signer)
            .map_err(|e| fail("unavailable", format!("could not sign: {e}")))?
    };
    Ok(json!({"signature": signature, "header": header, "message": message}).to_string())
}

/// The records of a sync search answer, strictly: an HTTP error is `refused`, a body that
/// is not a search response is `invalid`, a rejected item is `refused` with its reason.
pub fn read_answer(
    partner: &str,
    status: u16,
    body: &[u8],
    reference: &str,
) -> Result<Vec<Json>, PartnerFailure> {
    let v: Json = serde_json::from_slice(body).map_err(|_| {
        fail(
            "invalid",
            format!("{partner} answered HTTP {status} with no JSON"),
        )
    })?;
    let why = |v: &Json| {
        v["header"]["status_reason_message"]
            .as_str()
            .or(v["error"]["message"].as_str())
            .unwrap_or("")
            .to_owned()
    };
    if !(200..300).contains(&status) {
        return Err(fail(
            "refused",
            format!("{partner} answered HTTP {status} {}", why(&v))
                .trim()
                .to_owned(),
        ));
    }
    let bad = |what: &str| {
        fail(
            "invalid",
            format!("{partner}'s answer is not a DCI search response: {what}"),
        )
    };
    let header = v
        .get("header")
        .and_then(Json::as_object)
        .ok_or_else(|| bad("no header"))?;
    let items = v
        .pointer("/message/search_response")
        .and_then(Json::as_array)
        .ok_or_else(|| match header.get("status").and_then(Json::as_str) {
            Some("rjct") => fail(
                "refused",
                format!("{partner} rejected the message: {}", why(&v)),
            ),
            _ => bad("no message.search_response"),
        })?;
    let item = items
        .iter()
        .find(|i| i["reference_id"] == reference)
        .or_else(|| (items.len() == 1).then(|| &items[0]))
        .ok_or_else(|| bad("no answer to NUR's reference_id"))?;
    match item["status"].as_str() {
        Some("succ") => {}
        Some("rjct") => {
            return Err(fail(
                "refused",
                format!(
                    "{partner} rejected the search: {} {}",
                    item["status_reason_code"].as_str().unwrap_or(""),
                    item["status_reason_message"].as_str().unwrap_or("")
                )
                .trim()
                .to_owned(),
            ))
        }
        Some(s) => {
            return Err(fail(
                "refused",
                format!("{partner} answered the search {s:?}"),
            ))
        }
        None => return Err(bad("an item without a status")),
    }
    match item.pointer("/data/reg_records") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(a)) => Ok(a.clone()),
        Some(o @ Json::Object(_)) => Ok(vec![o.clone()]),
        Some(_) => Err(bad("data.reg_records is neither a list nor a record")),
    }
}

fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_strictly() {
        let ok = json!({"header": {"status": "succ"}, "message": {"search_response": [
            {"reference_id": "r", "status": "succ", "data": {"reg_records": [{"a": 1}]}}]}});
        assert_eq!(
            read_answer("p", 200, ok.to_string().as_bytes(), "r")
                .unwrap()
                .len(),
            1
        );
        for (status, body, kind) in [
            (500, "{\"error\": {\"message\": \"down\"}}".to_owned(), "refused"),
            (200, "<html>".to_owned(), "invalid"),
            (200, "{\"header\": {}, \"message\": {}}".to_owned(), "invalid"),
            (200, json!({"header": {}, "message": {"search_response": [{"reference_id": "r"}]}}).to_string(), "invalid"),
            (200, json!({"header": {}, "message": {"search_response": [{"reference_id": "r", "status": "rjct",
                "status_reason_code": "rjct.search_criteria.invalid"}]}}).to_string(), "refused"),
            (200, json!({"header": {}, "message": {"search_response": [{"reference_id": "r", "status": "succ",
                "data": {"reg_records": 5}}]}}).to_string(), "invalid"),
        ] {
            let e = read_answer("p", status, body.as_bytes(), "r").unwrap_err();
            assert_eq!(e.kind, kind, "{body}: {e:?}");
        }
        assert_eq!(form_escape("a b&c"), "a%20b%26c");
    }
}
