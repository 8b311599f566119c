//! The registry side of DCI: each endpoint's request checked (token, sender, envelope,
//! signature, duplicate message id), answered at once (sync) or acknowledged and answered
//! from the stored message (async, so a restart loses no answer), every answer signed.

use crate::criteria::{self, Cond, Query};
use crate::crvs::CrvsDef;
use crate::envelope::{
    self, ack, http_error, new_id, now_ts, AnswerHeader, Envelope, Refusal, MAX_ITEMS,
};
use crate::sign;
use crate::sr::{self, Sr};
use nur_app::{App, Args, Caller, PersonSearch};
use nur_store::{now_ms, MessageRow, OutboxRow, SenderRow, SubscriptionRow};
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

/// The registries NUR serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    Crvs,
    Sr,
}

impl Registry {
    pub fn as_str(self) -> &'static str {
        match self {
            Registry::Crvs => "crvs",
            Registry::Sr => "sr",
        }
    }

    pub fn parse(s: &str) -> Option<Registry> {
        match s {
            "crvs" => Some(Registry::Crvs),
            "sr" => Some(Registry::Sr),
            _ => None,
        }
    }
}

/// An endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    SyncSearch,
    Search,
    Subscribe,
    Unsubscribe,
    TxnStatus,
    SyncTxnStatus,
}

impl Endpoint {
    /// From the path after the registry's prefix (`registry/sync/search`, …).
    pub fn parse(path: &str) -> Option<Endpoint> {
        Some(match path.trim_matches('/') {
            "registry/sync/search" => Endpoint::SyncSearch,
            "registry/search" => Endpoint::Search,
            "registry/subscribe" => Endpoint::Subscribe,
            "registry/unsubscribe" => Endpoint::Unsubscribe,
            "registry/txn/status" => Endpoint::TxnStatus,
            "registry/sync/txn/status" => Endpoint::SyncTxnStatus,
            _ => return None,
        })
    }

    /// The action its requests carry.
    pub fn action(self) -> &'static str {
        match self {
            Endpoint::SyncSearch | Endpoint::Search => "search",
            Endpoint::Subscribe => "subscribe",
            Endpoint::Unsubscribe => "unsubscribe",
            Endpoint::TxnStatus | Endpoint::SyncTxnStatus => "txn-status",
        }
    }

    fn sync(self) -> bool {
        matches!(self, Endpoint::SyncSearch | Endpoint::SyncTxnStatus)
    }
}

/// The action an answer carries, and the path its callback goes to.
fn answer_action(action: &str) -> &'static str {
    match action {
        "search" => "on-search",
        "subscribe" => "on-subscribe",
        "unsubscribe" => "on-unsubscribe",
        _ => "txn-on-status",
    }
}

fn callback_path(action: &str) -> &'static str {
    match action {
        "search" => "/registry/on-search",
        "subscribe" => "/registry/on-subscribe",
        "unsubscribe" => "/registry/on-unsubscribe",
        _ => "/registry/txn/on-status",
    }
}

/// `sender_uri` + an on-* path (a base already ending in `/registry` is not repeated).
pub fn join_uri(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    match base.strip_suffix("/registry") {
        Some(b) => format!("{b}{path}"),
        None => format!("{base}{path}"),
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Json,
}

/// The most persons a search counts before it asks for a narrower one.
pub const MAX_MATCHES: u32 = 10_000;

pub struct Dci {
    pub app: Arc<App>,
    pub crvs: CrvsDef,
    /// NUR's own sender id in what it sends.
    pub sender_id: String,
    /// Woken when there is work for the worker (an async message, an event).
    pub wake: tokio::sync::Notify,
}

impl Dci {
    pub fn new(app: Arc<App>, sender_id: &str) -> Result<Dci, String> {
        let crvs = CrvsDef::jordan(app.catalog())?;
        app.use_partner_transport(Arc::new(crate::client::HttpPartners::new()));
        Ok(Dci {
            app,
            crvs,
            sender_id: sender_id.into(),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Answers one request. `caller` is the bearer token's client, or why there is none.
    /// Blocking (store calls): run it off the async runtime.
    pub fn handle(
        &self,
        registry: Registry,
        endpoint: Endpoint,
        caller: Result<Caller, String>,
        body: &[u8],
    ) -> Reply {
        let caller = match caller {
            Ok(c) => c,
            Err(why) => {
                return Reply {
                    status: 401,
                    body: http_error("err.request.unauthorized", &why),
                }
            }
        };
        let sender = match self.app.dci_sender_of(&caller) {
            Ok(s) => s,
            Err(e) => {
                return Reply {
                    status: 403,
                    body: http_error("err.request.forbidden", &e.message),
                }
            }
        };
        let refuse = |r: Refusal| -> Reply {
            if endpoint.sync() {
                Reply {
                    status: 400,
                    body: self.signed(&sender, self.rejected_answer(endpoint.action(), &r, None)),
                }
            } else {
                Reply {
                    status: 400,
                    body: ack("ERR", &new_id(), Some(&r)),
                }
            }
        };
        let env = match envelope::parse(body, endpoint.action()) {
            Ok(e) => e,
            Err(r) => return refuse(r),
        };
        if env.header.sender_id != sender.sender_id {
            return refuse(Refusal::new(
                "err.sender_id.invalid",
                format!(
                    "header.sender_id {:?} is not the sender this token's client is registered as",
                    env.header.sender_id
                ),
            ));
        }
        if let Err(r) = sign::verify(
            &sender.scheme,
            sender.public_key.as_deref(),
            env.signature.as_deref(),
            &env.raw_header,
            &env.raw_message,
        ) {
            return refuse(r);
        }
        if env.header.total_count > MAX_ITEMS as u64 {
            return refuse(Refusal::new(
                "rjct.total_count.limit_exceeded",
                format!("at most {MAX_ITEMS} items per message"),
            ));
        }
        if !endpoint.sync() && endpoint != Endpoint::Unsubscribe && env.header.sender_uri.is_none()
        {
            return refuse(Refusal::new(
                "err.sender_uri.invalid",
                "an async request needs header.sender_uri for its answer",
            ));
        }
        let correlation_id = new_id();
        let transaction_id = envelope::text(&env.message, "transaction_id")
            .ok()
            .flatten()
            .unwrap_or("")
            .to_owned();
        let reply_to = env
            .header
            .sender_uri
            .as_deref()
            .filter(|_| !endpoint.sync())
            .map(|u| join_uri(u, callback_path(endpoint.action())));
        let row = MessageRow {
            sender_id: sender.sender_id.clone(),
            message_id: env.header.message_id.clone(),
            registry: registry.as_str().into(),
            action: endpoint.action().into(),
            client_id: sender.client_id.clone(),
            transaction_id,
            correlation_id: correlation_id.clone(),
            status: "rcvd".into(),
            request: String::from_utf8_lossy(body).into_owned(),
            response: None,
            reply_to,
            created_at_ms: now_ms(),
            completed_at_ms: None,
        };
        let duplicate = |row: &MessageRow| {
            refuse(Refusal::new(
                "rjct.message_id.duplicate",
                format!(
                    "rjct.message_id.duplicate: message {} was received from {} before",
                    row.message_id, row.sender_id
                ),
            ))
        };
        let unrecorded = |e: nur_app::AppError| {
            tracing::error!(error = %e, "could not record a DCI message");
            Reply {
                status: 500,
                body: http_error(
                    "err.service.unavailable",
                    "the message could not be recorded",
                ),
            }
        };
        if endpoint.sync() {
            // Answered first and recorded with its answer in one write (a repeated id is
            // refused before the search; one racing it, when the write finds it taken).
            match self.app.dci_received(&row.sender_id, &row.message_id) {
                Ok(true) => return duplicate(&row),
                Ok(false) => {}
                Err(e) => return unrecorded(e),
            }
            let (status, answer) = self.answer(&row, &env, &caller, &sender);
            let mut row = row;
            row.status = status;
            row.response = Some(answer.to_string());
            row.completed_at_ms = Some(now_ms());
            return match self.app.dci_receive(&row) {
                Ok(true) => Reply {
                    status: 200,
                    body: answer,
                },
                Ok(false) => duplicate(&row),
                Err(e) => unrecorded(e),
            };
        }
        match self.app.dci_receive(&row) {
            Ok(true) => {}
            Ok(false) => return duplicate(&row),
            Err(e) => return unrecorded(e),
        }
        self.wake.notify_one();
        Reply {
            status: 200,
            body: ack("ACK", &correlation_id, None),
        }
    }

    /// Answers a stored async message and queues its callback (the worker's part; once).
    pub fn answer_stored(&self, m: &MessageRow) -> Result<(), String> {
        let sender = self
            .app
            .dci_sender(&m.sender_id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("sender {} is no longer registered", m.sender_id))?;
        let env = envelope::parse(m.request.as_bytes(), &m.action).map_err(|r| r.message)?;
        let (status, answer) = match self.app.dci_caller(&m.client_id) {
            Ok(caller) => self.answer(m, &env, &caller, &sender),
            Err(e) => {
                let r = Refusal::new("err.request.forbidden", e.message);
                (
                    "rjct".to_owned(),
                    self.signed(&sender, self.rejected_answer(&m.action, &r, Some(m))),
                )
            }
        };
        let callback = m.reply_to.as_ref().map(|url| {
            OutboxRow::new(
                format!("cb-{}", m.correlation_id),
                "callback",
                url.clone(),
                answer.to_string(),
            )
        });
        self.app
            .dci_answer(m, &status, &answer.to_string(), callback.as_ref())
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The answer to a message: its status and the signed envelope.
    fn answer(
        &self,
        m: &MessageRow,
        env: &Envelope,
        caller: &Caller,
        sender: &SenderRow,
    ) -> (String, Json) {
        let action = m.action.as_str();
        let (items, message) = match action {
            "search" => self.search(m, env, caller),
            "subscribe" => self.subscribe(m, env, caller),
            "unsubscribe" => self.unsubscribe(m, env, caller),
            _ => self.txn_status(m, env),
        };
        let done = items.iter().filter(|s| s.as_str() == "succ").count();
        let status = if items.is_empty() || done > 0 {
            "succ"
        } else {
            "rjct"
        };
        let header = AnswerHeader {
            action: answer_action(action),
            status,
            reason: None,
            total_count: items.len(),
            completed_count: done,
            sender_id: &self.sender_id,
            receiver_id: Some(&m.sender_id),
        }
        .to_json();
        (
            status.to_owned(),
            self.signed(sender, json!({"header": header, "message": message})),
        )
    }

    /// An answer refusing the whole message (its header says why).
    fn rejected_answer(&self, action: &str, r: &Refusal, m: Option<&MessageRow>) -> Json {
        let header = AnswerHeader {
            action: answer_action(action),
            status: "rjct",
            reason: Some(r),
            total_count: 0,
            completed_count: 0,
            sender_id: &self.sender_id,
            receiver_id: m.map(|m| m.sender_id.as_str()),
        }
        .to_json();
        json!({"header": header})
    }

    /// Adds NUR's signature by the partner's scheme.
    fn signed(&self, sender: &SenderRow, mut body: Json) -> Json {
        let header = body.get("header").cloned().unwrap_or(Json::Null);
        let message = body.get("message").cloned().unwrap_or(Json::Null);
        let signer = |b: &[u8]| self.app.sign_message(b).map_err(|e| e.to_string());
        match sign::sign(&sender.scheme, &self.sender_id, &header, &message, &signer) {
            Ok(s) => body["signature"] = s.into(),
            Err(e) => tracing::error!(error = %e, "could not sign a DCI answer"),
        }
        body
    }

    fn items<'a>(env: &'a Envelope, key: &str) -> Result<&'a Vec<Json>, Refusal> {
        match env.message.get(key) {
            Some(Json::Array(a)) if a.len() <= MAX_ITEMS => Ok(a),
            Some(Json::Array(_)) => Err(Refusal::new(
                "rjct.total_count.limit_exceeded",
                format!("at most {MAX_ITEMS} items per message"),
            )),
            _ => Err(Refusal::new(
                "err.request.bad",
                format!("message.{key} must be a list"),
            )),
        }
    }

    fn search(&self, m: &MessageRow, env: &Envelope, caller: &Caller) -> (Vec<String>, Json) {
        let items = match Self::items(env, "search_request") {
            Ok(i) => i.clone(),
            Err(r) => {
                return (
                    vec!["rjct".into()],
                    self.whole_refused(m, "search_response", &r),
                )
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut statuses = Vec::new();
        let mut out = Vec::new();
        let mut by_uin = if m.registry == Registry::Crvs.as_str() {
            self.uin_batch(caller, &items)
        } else {
            None
        };
        for (i, item) in items.iter().enumerate() {
            let reference_id = reference_of(m, item, i);
            let answer = if !seen.insert(reference_id.clone()) {
                Err(Refusal::new(
                    "rjct.reference_id.duplicate",
                    format!("reference_id {reference_id} appears twice in this message"),
                ))
            } else if let Some(answer) = by_uin.as_mut().and_then(|b| b.remove(&i)) {
                Ok(answer)
            } else {
                self.search_item(&m.registry, caller, item)
            };
            let mut r = json!({"reference_id": reference_id, "timestamp": now_ts()});
            match answer {
                Ok((data, pagination)) => {
                    r["status"] = "succ".into();
                    r["data"] = data;
                    r["pagination"] = pagination;
                    statuses.push("succ".to_owned());
                }
                Err(e) => {
                    r["status"] = "rjct".into();
                    r["status_reason_code"] = e.code.into();
                    r["status_reason_message"] = e.message.into();
                    statuses.push("rjct".to_owned());
                }
            }
            if let Some(l) = item
                .get("locale")
                .and_then(Json::as_str)
                .filter(|l| l.len() == 3)
            {
                r["locale"] = l.into();
            }
            out.push(r);
        }
        (
            statuses,
            json!({"transaction_id": m.transaction_id, "correlation_id": m.correlation_id, "search_response": out}),
        )
    }

    fn whole_refused(&self, m: &MessageRow, key: &str, r: &Refusal) -> Json {
        json!({
            "transaction_id": m.transaction_id,
            "correlation_id": m.correlation_id,
            key: [{
                "reference_id": format!("{}-1", m.message_id),
                "timestamp": now_ts(),
                "status": "rjct",
                "status_reason_message": r.message,
            }],
        })
    }

    /// Many items each asking for one person by national number are read together: one
    /// query, one page across the tables, one audit event; each item gets its person's
    /// answer. `None` (each item on its own) for fewer than two such items or when the
    /// joint query is refused (a malformed number among them is then refused alone).
    fn uin_batch(
        &self,
        caller: &Caller,
        items: &[Json],
    ) -> Option<std::collections::BTreeMap<usize, (Json, Json)>> {
        let mut asked: Vec<(usize, String, criteria::Criteria)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Ok(c) =
                criteria::search_criteria(item.get("search_criteria").unwrap_or(&Json::Null))
            else {
                continue;
            };
            if let Query::Id { id_type, value } = &c.query {
                if matches!(id_type.as_str(), "UIN" | "NIN") && c.page_number == 1 {
                    asked.push((i, value.clone(), c.clone()));
                }
            }
        }
        if asked.len() < 2 {
            return None;
        }
        let values: Vec<Json> = asked
            .iter()
            .map(|(_, v, _)| Json::from(v.clone()))
            .collect();
        let joint = criteria::Criteria::first(
            Query::Where(Cond::Test {
                attribute: "UIN".into(),
                cmp: criteria::Cmp::In,
                value: Json::Array(values),
            }),
            asked.len(),
        );
        let catalog = self.app.catalog();
        let page = self
            .crvs_page(caller, &joint, MAX_MATCHES, "dci.crvs search")
            .ok()?;
        let found: std::collections::BTreeMap<&str, Json> = page
            .persons
            .iter()
            .map(|p| (p.national_number.as_str(), self.crvs.record(catalog, p)))
            .collect();
        Some(
            asked
                .into_iter()
                .map(|(i, nn, c)| {
                    let records: Vec<Json> = found.get(nn.as_str()).cloned().into_iter().collect();
                    let total = records.len();
                    (
                        i,
                        (
                            search_data(&self.crvs.reg_type, &self.crvs.reg_record_type, records),
                            json!({"page_size": c.page_size, "page_number": 1, "total_count": total}),
                        ),
                    )
                })
                .collect(),
        )
    }

    fn search_item(
        &self,
        registry: &str,
        caller: &Caller,
        item: &Json,
    ) -> Result<(Json, Json), Refusal> {
        let c = criteria::search_criteria(item.get("search_criteria").unwrap_or(&Json::Null))?;
        let catalog = self.app.catalog();
        let (reg_type, record_type, records, total) = if registry == Registry::Sr.as_str() {
            let sr = Sr {
                app: &self.app,
                crvs: &self.crvs,
                caller,
                origin: "dci.sr search",
            };
            let found = sr.search(&c)?;
            (sr::REG_TYPE, found.record_type, found.records, found.total)
        } else {
            let page = self.crvs_page(caller, &c, MAX_MATCHES, "dci.crvs search")?;
            if page.truncated {
                return Err(Refusal::new(
                    "rjct.search.too_many_records_found",
                    format!("more than {MAX_MATCHES} persons match; narrow the search"),
                ));
            }
            let records: Vec<Json> = page
                .persons
                .iter()
                .map(|p| self.crvs.record(catalog, p))
                .collect();
            (
                self.crvs.reg_type.as_str(),
                self.crvs.reg_record_type.as_str(),
                records,
                page.total,
            )
        };
        Ok((
            search_data(reg_type, record_type, records),
            json!({"page_size": c.page_size, "page_number": c.page_number, "total_count": total}),
        ))
    }

    /// The page a civil criteria asks for, read across the CRVS tables under the caller's
    /// grants (one audited search; at most `limit` persons counted).
    fn crvs_page(
        &self,
        caller: &Caller,
        c: &criteria::Criteria,
        limit: u32,
        origin: &str,
    ) -> Result<nur_app::PersonPage, Refusal> {
        let spec = self.crvs.spec(self.app.catalog(), c, limit)?;
        let tables = self.crvs.table_refs();
        self.app
            .search_persons(
                caller,
                PersonSearch {
                    spec,
                    args: Args::default(),
                    offset: (c.page_number - 1) * c.page_size,
                    page_size: c.page_size,
                    tables: &tables,
                    origin,
                },
            )
            .map_err(|e| Refusal::new("rjct.search_criteria.invalid", e.message))
    }

    fn subscribe(&self, m: &MessageRow, env: &Envelope, caller: &Caller) -> (Vec<String>, Json) {
        let items = match Self::items(env, "subscribe_request") {
            Ok(i) => i.clone(),
            Err(r) => {
                return (
                    vec!["rjct".into()],
                    self.whole_refused(m, "subscribe_response", &r),
                )
            }
        };
        let notify_base = env.header.sender_uri.clone().unwrap_or_default();
        let mut statuses = Vec::new();
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let reference_id = reference_of(m, item, i);
            let mut r = json!({"reference_id": reference_id, "timestamp": now_ts()});
            match self.subscription(m, item, &notify_base) {
                Ok(sub) => match self.app.dci_subscribe(caller, std::slice::from_ref(&sub)) {
                    Ok(()) => {
                        r["status"] = "succ".into();
                        r["subscriptions"] = json!([{
                            "code": sub.code,
                            "status": "subscribe",
                            "timestamp": now_ts(),
                            "reg_type": self.reg_type(&m.registry),
                            "reg_event_type": sub.event_type,
                        }]);
                        statuses.push("succ".to_owned());
                    }
                    Err(e) => {
                        r["status"] = "rjct".into();
                        r["status_reason_message"] = e.message.into();
                        statuses.push("rjct".to_owned());
                    }
                },
                Err(e) => {
                    r["status"] = "rjct".into();
                    if SUBSCRIBE_REASONS.contains(&e.code) {
                        r["status_reason_code"] = e.code.into();
                    }
                    r["status_reason_message"] = e.message.into();
                    statuses.push("rjct".to_owned());
                }
            }
            out.push(r);
        }
        (
            statuses,
            json!({"transaction_id": m.transaction_id, "correlation_id": m.correlation_id, "subscribe_response": out}),
        )
    }

    fn subscription(
        &self,
        m: &MessageRow,
        item: &Json,
        notify_base: &str,
    ) -> Result<SubscriptionRow, Refusal> {
        let c = item
            .get("subscribe_criteria")
            .and_then(Json::as_object)
            .ok_or_else(|| {
                Refusal::new(
                    "rjct.notify_details.invalid",
                    "subscribe_criteria must be an object",
                )
            })?;
        let event = c
            .get("reg_event_type")
            .and_then(Json::as_str)
            .map(|e| e.rsplit(':').next().unwrap_or(e).to_lowercase())
            .unwrap_or_default();
        let events = self.events_of(&m.registry);
        let (event, table) = events
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&event))
            .cloned()
            .ok_or_else(|| {
                Refusal::new(
                    "rjct.notify_types.invalid",
                    format!(
                        "reg_event_type {event:?} is not one of {}",
                        events
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        // The filter is checked now, so a bad one is refused rather than never matching.
        if let Some(f) = c
            .get("filter")
            .filter(|f| !matches!(f, Json::Null) && f.as_str() != Some(""))
        {
            let ft = c.get("filter_type").and_then(Json::as_str).unwrap_or("");
            filter_cond(ft, f)
                .map_err(|r| Refusal::new("rjct.notify_details.invalid", r.message))?;
        }
        let existing = self
            .app
            .dci_subscriptions(&m.sender_id)
            .map_err(|e| Refusal::new("rjct.notify_details.invalid", e.message))?;
        let criteria = Json::Object(c.clone()).to_string();
        if existing
            .iter()
            .any(|s| s.event_type == event && s.criteria == criteria && s.registry == m.registry)
        {
            return Err(Refusal::new(
                "rjct.event.already_subscribed",
                format!("this sender is already subscribed to {event} with these criteria"),
            ));
        }
        if notify_base.is_empty() {
            return Err(Refusal::new(
                "rjct.notify_details.invalid",
                "a subscription needs header.sender_uri",
            ));
        }
        Ok(SubscriptionRow {
            code: new_id(),
            registry: m.registry.clone(),
            sender_id: m.sender_id.clone(),
            client_id: m.client_id.clone(),
            event_type: event,
            table_name: table,
            criteria,
            notify_uri: join_uri(notify_base, "/registry/notify"),
            created_at_ms: now_ms(),
            ended_at_ms: None,
        })
    }

    /// The events a registry's subscriptions may ask for, and the tables they listen on.
    fn events_of(&self, registry: &str) -> Vec<(String, String)> {
        if registry == Registry::Sr.as_str() {
            sr::events(&self.crvs)
                .into_iter()
                .map(|(n, t)| (n.to_owned(), t))
                .collect()
        } else {
            self.crvs
                .events
                .iter()
                .map(|(n, t)| (n.clone(), t.clone()))
                .collect()
        }
    }

    fn reg_type(&self, registry: &str) -> &str {
        if registry == Registry::Sr.as_str() {
            sr::REG_TYPE
        } else {
            &self.crvs.reg_type
        }
    }

    fn unsubscribe(&self, m: &MessageRow, env: &Envelope, caller: &Caller) -> (Vec<String>, Json) {
        // Jan-2025's schema spells it `sunscription_codes`.
        let codes: Vec<String> = env
            .message
            .get("subscription_codes")
            .or_else(|| env.message.get("sunscription_codes"))
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut status_list = Vec::new();
        let mut bad = Vec::new();
        for code in codes.iter().take(MAX_ITEMS) {
            match self.app.dci_unsubscribe(caller, &m.sender_id, code) {
                Ok(true) => status_list.push(json!({"code": code, "status": "unsubscribe"})),
                _ => bad.push(code.clone()),
            }
        }
        let status = if codes.is_empty() || !bad.is_empty() {
            "rjct"
        } else {
            "succ"
        };
        let mut msg = json!({
            "transaction_id": m.transaction_id,
            "correlation_id": m.correlation_id,
            "timestamp": now_ts(),
            "status": status,
            "subscription_status": status_list,
        });
        if codes.is_empty() {
            msg["status_reason_message"] = "no subscription_codes given".into();
        } else if !bad.is_empty() {
            msg["status_reason_code"] = "rjct.subscription_code.invalid".into();
            msg["status_reason_message"] =
                format!("no live subscription of this sender: {}", bad.join(", ")).into();
        }
        (vec![status.to_owned()], msg)
    }

    fn txn_status(&self, m: &MessageRow, env: &Envelope) -> (Vec<String>, Json) {
        let req = env
            .message
            .get("txnstatus_request")
            .and_then(Json::as_object);
        let attr_type = req
            .and_then(|r| r.get("attribute_type"))
            .and_then(Json::as_str)
            .unwrap_or("transaction_id");
        let value = req.and_then(|r| r.get("attribute_value"));
        let found: Vec<MessageRow> = match (attr_type, value.and_then(Json::as_str)) {
            ("correlation_id", Some(c)) => self
                .app
                .dci_correlated(&m.sender_id, c)
                .ok()
                .flatten()
                .into_iter()
                .collect(),
            (_, Some(t)) => self
                .app
                .dci_transaction(&m.sender_id, t)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let answered = found
            .iter()
            .filter(|f| f.action != "txn-status")
            .find_map(|f| {
                f.response
                    .as_deref()
                    .and_then(|r| serde_json::from_str::<Json>(r).ok())
                    .map(|r| (f, r))
            });
        let txn_type = req
            .and_then(|r| r.get("txn_type"))
            .and_then(Json::as_str)
            .unwrap_or("search");
        let (status, txn_status) = match answered {
            // The status without the records: they went with the answer, and the official
            // schema of a status describes `reg_records` as one object, not the list a
            // search answers with.
            Some((_, r)) => (
                "succ",
                without_records(r.get("message").cloned().unwrap_or(Json::Null)),
            ),
            None => match found.iter().find(|f| f.action != "txn-status") {
                Some(f) => (
                    "succ",
                    json!({"transaction_id": f.transaction_id, "correlation_id": f.correlation_id, "search_response": [
                        {"reference_id": format!("{}-1", f.message_id), "timestamp": now_ts(), "status": "pdng"}]}),
                ),
                None => (
                    "rjct",
                    json!({"transaction_id": m.transaction_id, "correlation_id": m.correlation_id, "search_response": [
                        {"reference_id": format!("{}-1", m.message_id), "timestamp": now_ts(), "status": "rjct",
                         "status_reason_message": "no transaction of this sender by that id"}]}),
                ),
            },
        };
        (
            vec![status.to_owned()],
            json!({"transaction_id": m.transaction_id, "correlation_id": m.correlation_id,
                   "txnstatus_response": {"txn_type": txn_type, "txn_status": txn_status}}),
        )
    }

    /// Turns waiting events into notifications (the worker's part).
    pub fn notify_events(&self, limit: u32) -> Result<usize, String> {
        let events = self.app.dci_events(limit).map_err(|e| e.to_string())?;
        let n = events.len();
        for ev in events {
            let Some(sub) = self
                .app
                .dci_subscription(&ev.subscription)
                .map_err(|e| e.to_string())?
            else {
                self.app
                    .dci_notify(&[&ev.id], None)
                    .map_err(|e| e.to_string())?;
                continue;
            };
            let notification = self.notification(&sub, &ev);
            let outbox = notification.map(|body| {
                OutboxRow::new(
                    format!("nt-{}", envelope_id(&ev.id)),
                    "notify",
                    sub.notify_uri.clone(),
                    body.to_string(),
                )
            });
            self.app
                .dci_notify(&[&ev.id], outbox.as_ref())
                .map_err(|e| e.to_string())?;
        }
        Ok(n)
    }

    /// The notification of one event to one subscription; `None` when it is not to be sent
    /// (a deletion, a person not visible to the subscriber, a filter that leaves it out, a
    /// revoked client).
    fn notification(&self, sub: &SubscriptionRow, ev: &nur_store::EventRow) -> Option<Json> {
        if ev.op != "upsert" {
            return None;
        }
        let caller = self.app.dci_caller(&sub.client_id).ok()?;
        let criteria: Map<String, Json> = serde_json::from_str(&sub.criteria).unwrap_or_default();
        let filter = match criteria
            .get("filter")
            .filter(|f| !f.is_null() && f.as_str() != Some(""))
        {
            Some(f) => {
                let ft = criteria
                    .get("filter_type")
                    .and_then(Json::as_str)
                    .unwrap_or("");
                Some(filter_cond(ft, f).ok()?)
            }
            None => None,
        };
        let origin = format!("dci.{} notify {}", sub.registry, sub.code);
        let (reg_type, record_type, record) = if sub.registry == Registry::Sr.as_str() {
            let sr = Sr {
                app: &self.app,
                crvs: &self.crvs,
                caller: &caller,
                origin: &origin,
            };
            let (t, r) = sr.event_record(
                &sub.event_type,
                Some(ev.row_key.as_str()),
                ev.person.as_deref(),
                filter.as_ref(),
            )?;
            (sr::REG_TYPE, t, r)
        } else {
            let r =
                self.crvs_event_record(&caller, ev.person.as_deref()?, &origin, filter.as_ref())?;
            (
                self.crvs.reg_type.as_str(),
                self.crvs.reg_record_type.as_str(),
                r,
            )
        };
        let sender = self.app.dci_sender(&sub.sender_id).ok()??;
        let header = AnswerHeader {
            action: "notify",
            status: "succ",
            reason: None,
            total_count: 1,
            completed_count: 1,
            sender_id: &self.sender_id,
            receiver_id: Some(&sub.sender_id),
        }
        .to_json();
        let message = json!({
            "transaction_id": new_id(),
            "notify_event": [{
                "reference_id": sub.code,
                "timestamp": now_ts(),
                "data": {
                    "version": "1.0.0",
                    "reg_type": reg_type,
                    "reg_event_type": sub.event_type,
                    "reg_record_type": record_type,
                    "reg_records": record,
                },
            }],
        });
        Some(self.signed(&sender, json!({"header": header, "message": message})))
    }

    /// A person's civil record for a CRVS notification, when the subscriber may see them and
    /// the filter keeps them.
    fn crvs_event_record(
        &self,
        caller: &Caller,
        person: &str,
        origin: &str,
        filter: Option<&Cond>,
    ) -> Option<Json> {
        let c = criteria::Criteria::first(
            Query::Id {
                id_type: "UIN".into(),
                value: person.into(),
            },
            1,
        );
        let catalog = self.app.catalog();
        let page = self
            .crvs_page(caller, &c, 1, origin)
            .map_err(
                |e| tracing::warn!(origin, error = %e.message, "a notification could not be read"),
            )
            .ok()?;
        let p = page.persons.first()?;
        if filter.is_some_and(|f| !f.holds(&self.crvs.flat(catalog, p))) {
            return None;
        }
        Some(self.crvs.record(catalog, p))
    }
}

/// A search item's `data`.
fn search_data(reg_type: &str, record_type: &str, records: Vec<Json>) -> Json {
    json!({"version": "1.0.0", "reg_type": reg_type, "reg_record_type": record_type, "reg_records": records})
}

/// The reasons a subscribe item may carry.
const SUBSCRIBE_REASONS: [&str; 7] = [
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.notify_types.invalid",
    "rjct.notify_details.invalid",
    "rjct.person_id.invalid",
    "rjct.event.already_subscribed",
];

/// An item's `reference_id`, or one made from the message's id and the item's place.
fn reference_of(m: &MessageRow, item: &Json, i: usize) -> String {
    item.get("reference_id")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}-{}", m.message_id, i + 1))
}

/// An answer's message with each item's `data` left out.
fn without_records(mut m: Json) -> Json {
    for key in ["search_response", "subscribe_response"] {
        if let Some(items) = m.get_mut(key).and_then(Json::as_array_mut) {
            for it in items {
                if let Some(o) = it.as_object_mut() {
                    o.remove("data");
                }
            }
        }
    }
    m
}

/// A short, stable id from an event's (long) id.
fn envelope_id(id: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(id.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A subscription's filter as a condition over a person's attributes (an identifier filter
/// compares that identifier).
pub fn filter_cond(filter_type: &str, f: &Json) -> Result<Cond, Refusal> {
    Ok(match criteria::query(filter_type, f)? {
        Query::Where(c) => c,
        Query::Id { id_type, value } => Cond::Test {
            attribute: id_type,
            cmp: criteria::Cmp::Eq,
            value: Json::String(value),
        },
    })
}
