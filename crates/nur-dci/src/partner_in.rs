//! What partner registries send back to NUR's subscriptions (`POST /dci/partners/{name}/
//! registry/on-subscribe|notify`): verified with the partner's key on file (nothing
//! unverified is applied, and a partner without a key is refused), the subscription's code
//! recorded, and each notified record turned into a row of the event's table and applied
//! through the subscription's change source, like any other change.

use crate::envelope::{self, ack, http_error, new_id};
use crate::service::{Dci, Reply};
use crate::sign;
use serde_json::{json, Value as Json};

fn reply(status: u16, body: Json) -> Reply {
    Reply { status, body }
}

impl Dci {
    /// Answers one callback of partner `name` at `path` (`registry/notify`, …).
    /// Blocking (store calls).
    pub fn partner_callback(&self, name: &str, path: &str, body: &[u8]) -> Reply {
        let action = match path.trim_matches('/') {
            "registry/on-subscribe" => "on-subscribe",
            "registry/notify" => "notify",
            _ => {
                return reply(
                    404,
                    http_error("err.request.not_found", "no such DCI endpoint"),
                )
            }
        };
        let partner = match self.app.partner(name) {
            Ok(Some(p)) => p,
            Ok(None) => return reply(404, http_error("err.request.not_found", "no such partner")),
            Err(e) => return reply(500, http_error("err.service.unavailable", &e.message)),
        };
        let Some(key) = partner
            .public_key
            .as_deref()
            .filter(|_| partner.scheme != "none")
        else {
            return reply(
                403,
                http_error(
                    "err.request.forbidden",
                    "this partner has no key on file: nothing it sends is applied",
                ),
            );
        };
        let env = match envelope::parse(body, action) {
            Ok(e) => e,
            Err(r) => return reply(400, ack("ERR", &new_id(), Some(&r))),
        };
        if let Err(r) = sign::verify(
            &partner.scheme,
            Some(key),
            env.signature.as_deref(),
            &env.raw_header,
            &env.raw_message,
        ) {
            return reply(401, ack("ERR", &new_id(), Some(&r)));
        }
        let outcome = if action == "on-subscribe" {
            self.partner_subscribed(name, &env.message)
        } else {
            self.partner_notified(name, &env.message)
        };
        match outcome {
            Ok(()) => reply(200, ack("ACK", &new_id(), None)),
            Err(m) => reply(
                400,
                ack(
                    "ERR",
                    &new_id(),
                    Some(&envelope::Refusal::new("err.request.bad", m)),
                ),
            ),
        }
    }

    fn partner_subscribed(
        &self,
        name: &str,
        m: &serde_json::Map<String, Json>,
    ) -> Result<(), String> {
        for item in m
            .get("subscribe_response")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            for s in item["subscriptions"].as_array().into_iter().flatten() {
                if let (Some(event), Some(code)) =
                    (s["reg_event_type"].as_str(), s["code"].as_str())
                {
                    self.app
                        .partner_subscribed(name, event, Some(code))
                        .map_err(|e| e.message)?;
                }
            }
            if item["status"] == "rjct" {
                tracing::warn!(partner = name, reason = %item["status_reason_message"], "a partner refused a subscription");
            }
        }
        Ok(())
    }

    fn partner_notified(
        &self,
        name: &str,
        m: &serde_json::Map<String, Json>,
    ) -> Result<(), String> {
        let catalog = self.app.catalog();
        let events = m
            .get("notify_event")
            .and_then(Json::as_array)
            .ok_or("message.notify_event must be a list")?;
        for (i, ev) in events.iter().enumerate() {
            let data = &ev["data"];
            let event = data["reg_event_type"]
                .as_str()
                .ok_or("each notify_event needs data.reg_event_type")?;
            let short = event.rsplit(':').next().unwrap_or(event).to_lowercase();
            let table = self
                .crvs
                .events
                .get(&short)
                .ok_or_else(|| format!("event {event:?} names no table here"))?;
            let records: Vec<&Json> = match &data["reg_records"] {
                Json::Array(a) => a.iter().collect(),
                o @ Json::Object(_) => vec![o],
                _ => return Err("data.reg_records must be a record or a list".into()),
            };
            let now = nur_store::now_ms();
            let changes: Vec<Json> = records
                .iter()
                .enumerate()
                .filter_map(|(j, r)| {
                    let row = self.crvs.row_of(catalog, table, r)?;
                    // Positions grow with time: a notification applies after the ones before.
                    let lsn = (now as u64) * 10_000 + (i as u64) * 100 + j as u64;
                    Some(
                        json!({"op": "c", "before": null, "ts_ms": now, "after": row,
                                "source": {"table": table, "lsn": lsn, "ts_ms": now}}),
                    )
                })
                .collect();
            if changes.is_empty() {
                return Err("no record names a person (UIN)".into());
            }
            self.app
                .apply_partner_events(name, &short, &changes)
                .map_err(|e| e.message)?;
        }
        Ok(())
    }
}
