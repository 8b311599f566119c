//! The DCI envelope `{signature, header, message}`: read liberally (the official samples send
//! `total_count` as a string, `""` for absent fields, `locale` as `en`), written exactly (every
//! answer NUR sends validates against the official schemas).

use serde_json::{json, Map, Value as Json};

/// What was wrong with a message, as DCI names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// An `err.*` code (acks, HTTP errors) or a `rjct.*` reason (headers, items).
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: cut(message.into()),
        }
    }
}

/// DCI texts have at most 999 characters.
pub fn cut(mut s: String) -> String {
    if s.chars().count() > 999 {
        s = s.chars().take(996).collect::<String>() + "...";
    }
    s
}

/// A request's header, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub version: String,
    pub message_id: String,
    pub message_ts: String,
    pub action: String,
    pub sender_id: String,
    pub sender_uri: Option<String>,
    pub receiver_id: Option<String>,
    pub total_count: u64,
    pub is_msg_encrypted: bool,
}

/// A request as read: its signature (if any), header and message, and the parsed body for
/// signature checks.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub signature: Option<String>,
    pub header: Header,
    pub message: Map<String, Json>,
    /// `header` and `message` exactly as received.
    pub raw_header: Json,
    pub raw_message: Json,
}

/// An absent value: missing, null or the samples' `""`.
fn absent(v: Option<&Json>) -> bool {
    match v {
        None | Some(Json::Null) => true,
        Some(Json::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// A text field (`None` when absent); a number or a boolean is refused.
pub fn text<'a>(o: &'a Map<String, Json>, key: &str) -> Result<Option<&'a str>, String> {
    match o.get(key) {
        v if absent(v) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        _ => Err(format!("{key} must be a string")),
    }
}

/// A count given as a number or, as the samples do, as a numeric string.
pub fn count(o: &Map<String, Json>, key: &str) -> Result<Option<u64>, String> {
    match o.get(key) {
        v if absent(v) => Ok(None),
        Some(Json::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a whole number ≥ 0")),
        Some(Json::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{key} must be a whole number ≥ 0, not {s:?}")),
        _ => Err(format!("{key} must be a whole number")),
    }
}

/// A timestamp in ISO 8601 with its zone offset (`Z` or `±hh:mm`).
pub fn check_ts(ts: &str) -> bool {
    ts.parse::<jiff::Timestamp>().is_ok()
}

/// Now, as DCI timestamps are written.
pub fn now_ts() -> String {
    let now = jiff::Timestamp::now();
    format!("{:.3}", now).replace("+00:00", "Z")
}

/// A fresh identifier (128 random bits as hex, in UUID form).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the system's random source");
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The largest message NUR reads (items of one request).
pub const MAX_ITEMS: usize = 100;

/// Reads a request body. `expected` is the action its endpoint takes.
pub fn parse(body: &[u8], expected: &str) -> Result<Envelope, Refusal> {
    let bad = |m: String| Refusal::new("err.request.bad", m);
    let root: Json =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let Json::Object(mut root) = root else {
        return Err(bad(
            "the body must be an object {signature, header, message}".into(),
        ));
    };
    let signature = match root.get("signature") {
        v if absent(v) => None,
        Some(Json::String(s)) => Some(s.clone()),
        _ => return Err(bad("signature must be a string".into())),
    };
    let raw_header = root.remove("header").unwrap_or(Json::Null);
    let Json::Object(h) = &raw_header else {
        return Err(bad("header must be an object".into()));
    };
    let field = |k: &str| text(h, k).map_err(|m| bad(format!("header.{m}")));
    let required = |k: &str, code: &'static str| -> Result<String, Refusal> {
        field(k)?
            .map(str::to_owned)
            .ok_or_else(|| Refusal::new(code, format!("header.{k} is required")))
    };
    let message_id = required("message_id", "err.request.bad")?;
    if message_id.len() > 99 {
        return Err(bad("header.message_id has at most 99 characters".into()));
    }
    let message_ts = required("message_ts", "rjct.message_ts.invalid")?;
    if !check_ts(&message_ts) {
        return Err(Refusal::new(
            "rjct.message_ts.invalid",
            format!("header.message_ts {message_ts:?} is not an ISO 8601 time with its zone"),
        ));
    }
    let action = required("action", "rjct.action.invalid")?;
    if action != expected {
        return Err(Refusal::new(
            "rjct.action.invalid",
            format!("header.action is {action:?}; this endpoint takes {expected:?}"),
        ));
    }
    let sender_id = required("sender_id", "err.sender_id.invalid")?;
    let version = field("version")?.unwrap_or("1.0.0").to_owned();
    if !version.starts_with("1.") {
        return Err(Refusal::new(
            "err.version.not_supported",
            format!("version {version} is not supported; this registry speaks 1.0.0"),
        ));
    }
    let total_count = count(h, "total_count")
        .map_err(|m| Refusal::new("rjct.total_count.invalid", format!("header.{m}")))?
        .ok_or_else(|| {
            Refusal::new("rjct.total_count.invalid", "header.total_count is required")
        })?;
    let sender_uri = field("sender_uri")?.map(str::to_owned);
    if let Some(u) = &sender_uri {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(Refusal::new(
                "err.sender_uri.invalid",
                format!("header.sender_uri {u:?} is not an http(s) URL"),
            ));
        }
    }
    let is_msg_encrypted = matches!(h.get("is_msg_encrypted"), Some(Json::Bool(true)));
    if is_msg_encrypted {
        return Err(Refusal::new(
            "err.encryption.invalid",
            "encrypted messages are not accepted by this registry",
        ));
    }
    let header = Header {
        version,
        message_id,
        message_ts,
        action,
        sender_id,
        sender_uri,
        receiver_id: field("receiver_id")?.map(str::to_owned),
        total_count,
        is_msg_encrypted,
    };
    let raw_message = root.remove("message").unwrap_or(Json::Null);
    let Json::Object(message) = raw_message.clone() else {
        return Err(bad("message must be an object".into()));
    };
    Ok(Envelope {
        signature,
        header,
        message,
        raw_header,
        raw_message,
    })
}

/// The header of an answer (sync response, callback, notification).
pub struct AnswerHeader<'a> {
    pub action: &'a str,
    pub status: &'a str,
    pub reason: Option<&'a Refusal>,
    pub total_count: usize,
    pub completed_count: usize,
    pub sender_id: &'a str,
    pub receiver_id: Option<&'a str>,
}

impl AnswerHeader<'_> {
    pub fn to_json(&self) -> Json {
        let mut h = json!({
            "version": "1.0.0",
            "message_id": new_id(),
            "message_ts": now_ts(),
            "action": self.action,
            "status": self.status,
            "total_count": self.total_count,
            "completed_count": self.completed_count,
            "sender_id": self.sender_id,
            "is_msg_encrypted": false,
        });
        if let Some(r) = self.reason {
            // Only the header's own reasons go in its code; the others are said in words.
            if HEADER_REASONS.contains(&r.code) {
                h["status_reason_code"] = r.code.into();
                h["status_reason_message"] = r.message.clone().into();
            } else if r.message.starts_with(r.code) {
                h["status_reason_message"] = r.message.clone().into();
            } else {
                // The official header takes only its own reasons: another code (a bad
                // signature, a wrong sender) leads the message instead.
                h["status_reason_message"] = format!("{}: {}", r.code, r.message).into();
            }
        }
        if let Some(rcv) = self.receiver_id {
            h["receiver_id"] = rcv.into();
        }
        h
    }
}

/// The reasons a callback header may carry.
pub const HEADER_REASONS: [&str; 8] = [
    "rjct.version.invalid",
    "rjct.message_id.duplicate",
    "rjct.message_ts.invalid",
    "rjct.action.invalid",
    "rjct.action.not_supported",
    "rjct.total_count.invalid",
    "rjct.total_count.limit_exceeded",
    "rjct.errors.too_many",
];

/// The error codes of an ack.
pub const ERROR_CODES: [&str; 14] = [
    "err.request.bad",
    "err.request.unauthorized",
    "err.request.forbidden",
    "err.request.not_found",
    "err.request.timeout",
    "err.version.not_supported",
    "err.request.too_many_requests",
    "err.sender_id.invalid",
    "err.sender_uri.invalid",
    "err.receiver_id.invalid",
    "err.signature.missing",
    "err.signature.invalid",
    "err.encryption.invalid",
    "err.service.unavailable",
];

/// An async endpoint's immediate answer.
pub fn ack(status: &str, correlation_id: &str, error: Option<&Refusal>) -> Json {
    let mut m = json!({
        "ack_status": status,
        "timestamp": now_ts(),
        "correlation_id": correlation_id,
    });
    if let Some(e) = error {
        let code = if ERROR_CODES.contains(&e.code) {
            e.code
        } else {
            "err.request.bad"
        };
        m["error"] = json!({"code": code, "message": e.message});
    }
    json!({ "message": m })
}

/// An HTTP-level error body (`401`, `403`, `500`).
pub fn http_error(code: &str, message: &str) -> Json {
    json!({"errors": [{"code": code, "message": message}]})
}
