//! The demo's DCI partner: NAF's case system ("NAF MIS") as a DCI sender, and one request
//! of each kind written to DATA_DIR/dci/ with the curl line that sends it.

use crate::demo::write_private;
use anyhow::Result;
use nur_app::{App, Caller};
use nur_store::Store;
use serde_json::{json, Value};
use std::path::Path;

const SENDER: &str = "naf-mis";

/// Registers "NAF MIS" and prints an example of each DCI call.
pub fn dci(app: &App, store: &Store, dir: &Path, api_at: std::net::SocketAddr) -> Result<()> {
    let actor = Caller::operator("demo");
    let client_file = dir.join("demo-dci-client.json");
    if !client_file.exists() {
        let c = app.create_client(&actor, "NAF", "NAF MIS", vec![])?;
        write_private(
            &client_file,
            &json!({"client_id": c.client.client_id, "client_secret": c.secret}).to_string(),
        )?;
    }
    let creds: Value = serde_json::from_str(&std::fs::read_to_string(&client_file)?)?;
    let (id, secret) = (
        creds["client_id"].as_str().unwrap_or(""),
        creds["client_secret"].as_str().unwrap_or(""),
    );
    app.register_dci_sender(&actor, id, SENDER, "none", None)?;
    let Some((household, members)) = store
        .sp_households_after(app.catalog(), "", 1)?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let person = members.first().cloned().unwrap_or_default();
    let out = dir.join("dci");
    std::fs::create_dir_all(&out)?;
    // Message ids are unique per demo run: sending a file twice is refused as a duplicate.
    let run = nur_store::now_ms();
    let envelope = |n: usize, action: &str, sender_uri: Option<&str>, message: Value| {
        let mut h = json!({"version": "1.0.0", "message_id": format!("demo-{run}-{n}"),
            "message_ts": nur_dci::envelope::now_ts(), "action": action, "sender_id": SENDER,
            "receiver_id": "nur", "total_count": 1});
        if let Some(u) = sender_uri {
            h["sender_uri"] = u.into();
        }
        json!({"signature": "", "header": h, "message": message})
    };
    let search = |reg_type: &str, entity: Option<&str>, query_type: &str, query: Value| {
        let mut c = json!({"version": "1.0.0", "reg_type": reg_type, "query_type": query_type,
            "query": query, "pagination": {"page_size": 10, "page_number": 1}});
        if let Some(e) = entity {
            c["response_entity"] = e.into();
        }
        json!({"transaction_id": format!("demo-{run}"), "search_request": [
            {"reference_id": "r1", "timestamp": nur_dci::envelope::now_ts(), "search_criteria": c}]})
    };
    let civil = "ns:org:RegistryType:Civil";
    let social = nur_dci::sr::REG_TYPE;
    // Where NAF MIS would listen for answers and notifications: edit the files to point at
    // a real receiver.
    let callbacks = "http://127.0.0.1:8089/naf-mis".to_owned();
    let examples = [
        (
            "crvs-uin",
            "/dci/crvs/registry/sync/search",
            envelope(1, "search", None, search(civil, None, "idtype-value", json!({"type": "UIN", "value": person}))),
            "a person by national number (CRVSPerson, NAF's granted columns)",
        ),
        (
            "crvs-predicate",
            "/dci/crvs/registry/sync/search",
            envelope(2, "search", None, search(civil, None, "predicate", json!([{"seq_num": 1,
                "expression1": {"attribute_name": "household_id", "operator": "eq", "attribute_value": household}}]))),
            "everyone of a family booklet, by predicate",
        ),
        (
            "sr-household",
            "/dci/sr/registry/sync/search",
            envelope(3, "search", None, search(social, Some("Group"), "idtype-value", json!({"type": "HOUSEHOLD_ID", "value": household}))),
            "a household as a Group with its poverty score and members",
        ),
        (
            "sr-poorest",
            "/dci/sr/registry/sync/search",
            envelope(4, "search", None, {
                let mut m = search(social, Some("Group"), "expression", json!({"collection": "Group",
                    "query": {"$and": [{"group_size": {"$gte": 5}}, {"disability": {"$eq": true}}]}}));
                m["search_request"][0]["search_criteria"]["sort"] = json!([{"attribute_name": "poverty_score", "sort_order": "asc"}]);
                m
            }),
            "households of five or more with a member with a disability, poorest first",
        ),
        (
            "crvs-async",
            "/dci/crvs/registry/search",
            envelope(5, "search", Some(&callbacks), search(civil, None, "idtype-value", json!({"type": "UIN", "value": person}))),
            "the same search, async: ACK now, the answer POSTed to header.sender_uri + /registry/on-search (edit it in the file)",
        ),
        (
            "crvs-subscribe",
            "/dci/crvs/registry/subscribe",
            envelope(6, "subscribe", Some(&callbacks), json!({"transaction_id": format!("demo-{run}"), "subscribe_request": [
                {"reference_id": "s1", "timestamp": nur_dci::envelope::now_ts(), "subscribe_criteria": {
                    "version": "1.0.0", "reg_type": civil, "reg_event_type": "death"}}]})),
            "deaths applied by ingestion, notified to sender_uri + /registry/notify",
        ),
        (
            "txn-status",
            "/dci/crvs/registry/sync/txn/status",
            envelope(7, "txn-status", None, json!({"transaction_id": format!("demo-{run}"), "txnstatus_request": {
                "reference_id": "q1", "txn_type": "search", "attribute_type": "transaction_id",
                "attribute_value": format!("demo-{run}")}})),
            "the status of this run's transaction",
        ),
    ];
    println!("\nDCI (NAF MIS, sender_id {SENDER}; docs/dci.md):");
    println!("  TOKEN=$(curl -s http://{api_at}/oauth2/client/token -d grant_type=client_credentials -d client_id={id} -d client_secret={secret} | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')");
    for (name, path, body, what) in examples {
        let file = out.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(&body)?)?;
        println!("  # {what}");
        println!(
            "  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d @{} http://{api_at}{path}",
            file.display()
        );
    }
    println!("  curl -s http://{api_at}/.well-known/locations.json   curl -s http://{api_at}/.well-known/jwks.json");
    Ok(())
}
