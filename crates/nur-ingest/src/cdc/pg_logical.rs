//! PostgreSQL logical replication straight from a source database: a publication over the
//! mapped tables and a `pgoutput` replication slot, read with
//! `pg_logical_slot_peek_binary_changes` and confirmed with `pg_replication_slot_advance`
//! only after NUR has committed the changes.
//!
//! The first run creates the slot, then copies every mapped table (the snapshot) and marks the
//! snapshot done; streaming starts from the slot's creation point. Changes committed between
//! the slot's creation and the snapshot's start are both in the snapshot and in the stream;
//! replaying them is harmless because each change carries the full row (or the key, for a
//! delete) and changes are applied in commit order, so the end state is the source's state.
//!
//! Positions are (commit LSN, index in the transaction); a transaction's end is recorded as
//! (commit LSN, MAX), so a re-read transaction is recognised whole as a duplicate.

use super::event::{Cell, Event, Op, Row};
use super::mapping::{Mapper, Received};
use super::pgoutput::{self, Datum, Message, Relation};
use super::position;
use super::source::SourceDef;
use super::Control;
use nur_store::Store;
use postgres::{Client, NoTls, SimpleQueryMessage};
use std::collections::HashMap;
use std::time::Duration;

pub(crate) fn run(
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
) -> Result<(), String> {
    let c = &def.config;
    let url = c.url.as_deref().expect("checked");
    let slot = c.slot.as_deref().expect("defaulted");
    let publication = c.publication.as_deref().expect("defaulted");
    let mut db = Client::connect(url, NoTls).map_err(|e| format!("connect: {}", pg_err(&e)))?;
    let tables: Vec<String> = mapper.maps().map(|(m, _)| m.source.clone()).collect();
    prepare(&mut db, slot, publication, &tables)?;
    let state = store.source(&def.name).map_err(|e| e.to_string())?;
    if !state.snapshot_done {
        snapshot(&mut db, store, def, mapper, stop)?;
    }
    let every = Duration::from_millis(c.every_ms.unwrap_or(50));
    let max = c.batch.unwrap_or(5_000) as i32;
    let mut relations: HashMap<u32, Relation> = HashMap::new();
    while !stop.stopped() {
        let rows = db
            .query(
                "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, $2, 'proto_version', '1', 'publication_names', $3)",
                &[&slot, &max, &publication],
            )
            .map_err(|e| format!("read slot {slot}: {}", pg_err(&e)))?;
        if rows.is_empty() {
            stop.sleep(every);
            continue;
        }
        let mut received = Vec::new();
        let mut positions = Vec::new();
        let mut txn: Option<(u64, i64, u64)> = None; // commit lsn, commit ms, next index
        let mut confirm = None;
        let mut end_position = None;
        for r in &rows {
            let data: &[u8] = r.get(0);
            let msg = pgoutput::decode(data).map_err(|e| format!("pgoutput: {e}"))?;
            match msg {
                Message::Begin {
                    final_lsn,
                    commit_ts_us,
                    ..
                } => {
                    txn = Some((final_lsn, pgoutput::pg_ts_to_unix_ms(commit_ts_us), 0));
                }
                Message::Commit {
                    commit_lsn,
                    end_lsn,
                    ..
                } => {
                    confirm = Some(end_lsn);
                    end_position = Some(position::encode(&[commit_lsn, u64::MAX]));
                    txn = None;
                }
                Message::Relation(rel) => {
                    relations.insert(rel.id, rel);
                }
                Message::Insert { relation, new } => {
                    let rel = relation_of(&relations, relation)?;
                    push(
                        &mut received,
                        &mut positions,
                        &mut txn,
                        rel,
                        Op::Create,
                        None,
                        Some(row(rel, &new, false)),
                    )?;
                }
                Message::Update { relation, old, new } => {
                    let rel = relation_of(&relations, relation)?;
                    let before = old.map(|o| row(rel, &o, true));
                    push(
                        &mut received,
                        &mut positions,
                        &mut txn,
                        rel,
                        Op::Update,
                        before,
                        Some(row(rel, &new, false)),
                    )?;
                }
                Message::Delete { relation, old } => {
                    let rel = relation_of(&relations, relation)?;
                    push(
                        &mut received,
                        &mut positions,
                        &mut txn,
                        rel,
                        Op::Delete,
                        Some(row(rel, &old, true)),
                        None,
                    )?;
                }
                Message::Truncate { relations: ids, .. } => {
                    for id in ids {
                        let rel = relation_of(&relations, id)?;
                        push(
                            &mut received,
                            &mut positions,
                            &mut txn,
                            rel,
                            Op::Truncate,
                            None,
                            None,
                        )?;
                    }
                }
                Message::Type | Message::Origin | Message::Message => {}
            }
        }
        let Some(confirm) = confirm else {
            continue;
        };
        let mut batch = mapper.batch(&def.name, "", received, |i| positions.get(i).cloned());
        batch.end_position = end_position;
        let applied = store.apply_changes(&batch).map_err(|e| e.to_string())?;
        stop.committed(&def.name, &batch, &applied);
        db.execute(
            "SELECT 1 FROM pg_replication_slot_advance($1, CAST(CAST($2 AS TEXT) AS pg_lsn))",
            &[&slot, &pgoutput::format_lsn(confirm)],
        )
        .map_err(|e| format!("advance slot {slot}: {}", pg_err(&e)))?;
    }
    Ok(())
}

/// Drops the source's replication slot and publication (when removing the source: a slot
/// nobody reads keeps the source's WAL forever).
pub fn release(def: &SourceDef) -> Result<(), String> {
    let c = &def.config;
    let (Some(url), Some(slot), Some(publication)) = (&c.url, &c.slot, &c.publication) else {
        return Ok(());
    };
    let mut db = Client::connect(url, NoTls).map_err(|e| format!("connect: {}", pg_err(&e)))?;
    db.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
        &[slot],
    )
    .map_err(|e| format!("drop slot {slot}: {}", pg_err(&e)))?;
    db.batch_execute(&format!(
        "DROP PUBLICATION IF EXISTS {}",
        quote(publication)
    ))
    .map_err(|e| format!("drop publication {publication}: {}", pg_err(&e)))
}

fn relation_of(rels: &HashMap<u32, Relation>, id: u32) -> Result<&Relation, String> {
    rels.get(&id)
        .ok_or_else(|| format!("pgoutput: change for relation {id} before its description"))
}

/// A tuple as a row image; an old tuple keeps only its key columns (the others are sent as
/// nulls when the replica identity is the key).
fn row(rel: &Relation, t: &pgoutput::Tuple, key_only: bool) -> Row {
    rel.columns
        .iter()
        .zip(t.iter())
        .filter(|(c, _)| !key_only || c.key)
        .map(|(c, d)| {
            let cell = match d {
                Datum::Null => Cell::Text(None),
                Datum::UnchangedToast => Cell::Unchanged,
                Datum::Text(s) => Cell::Text(Some(s.clone())),
            };
            (c.name.clone(), cell)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn push(
    received: &mut Vec<Received>,
    positions: &mut Vec<String>,
    txn: &mut Option<(u64, i64, u64)>,
    rel: &Relation,
    op: Op,
    before: Option<Row>,
    after: Option<Row>,
) -> Result<(), String> {
    let (lsn, ts, index) = txn
        .as_mut()
        .ok_or("pgoutput: a change outside a transaction")?;
    let image = after.as_ref().or(before.as_ref());
    let payload = format!(
        "{op:?} at {}#{index}: {}",
        pgoutput::format_lsn(*lsn),
        image
            .map(|r| super::event::row_json(&rel.name, r))
            .unwrap_or_else(|| rel.name.clone())
    );
    positions.push(position::encode(&[*lsn, *index]));
    *index += 1;
    received.push(Received::event(
        Event {
            table: rel.name.clone(),
            op,
            before,
            after,
            position: None,
            ts_ms: Some(*ts),
        },
        payload,
    ));
    Ok(())
}

/// Creates the publication and the slot when missing.
fn prepare(
    db: &mut Client,
    slot: &str,
    publication: &str,
    tables: &[String],
) -> Result<(), String> {
    let exists = |db: &mut Client, sql: &str, name: &str| -> Result<bool, String> {
        Ok(db
            .query_opt(sql, &[&name])
            .map_err(|e| pg_err(&e))?
            .is_some())
    };
    if !exists(
        db,
        "SELECT 1 FROM pg_publication WHERE pubname = $1",
        publication,
    )? {
        let list: Vec<String> = tables.iter().map(|t| quote(t)).collect();
        db.batch_execute(&format!(
            "CREATE PUBLICATION {} FOR TABLE {}",
            quote(publication),
            list.join(", ")
        ))
        .map_err(|e| format!("create publication {publication}: {}", pg_err(&e)))?;
    }
    if !exists(
        db,
        "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1",
        slot,
    )? {
        db.query(
            "SELECT 1 FROM pg_create_logical_replication_slot($1, 'pgoutput')",
            &[&slot],
        )
        .map_err(|e| format!("create slot {slot}: {}", pg_err(&e)))?;
    }
    Ok(())
}

/// Copies every mapped table (a repeatable-read transaction: one consistent view), then marks
/// the snapshot done in the same transaction as its last rows.
fn snapshot(
    db: &mut Client,
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
) -> Result<(), String> {
    let chunk = def.config.batch.unwrap_or(5_000);
    let mut tx = db
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| pg_err(&e))?;
    let tables: Vec<String> = mapper.maps().map(|(m, _)| m.source.clone()).collect();
    for t in &tables {
        let sql = format!("SELECT * FROM {}", quote(t));
        let rows = tx
            .simple_query(&sql)
            .map_err(|e| format!("snapshot {t}: {}", pg_err(&e)))?;
        let mut received = Vec::with_capacity(chunk);
        for m in rows {
            if stop.stopped() {
                return Ok(());
            }
            if let SimpleQueryMessage::Row(r) = m {
                let row: Row = r
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_owned(), Cell::Text(r.get(i).map(str::to_owned))))
                    .collect();
                let payload = super::event::row_json(t, &row);
                received.push(Received::event(Event::read(t, row), payload));
                if received.len() == chunk {
                    apply_snapshot(
                        store,
                        def,
                        mapper,
                        stop,
                        std::mem::take(&mut received),
                        false,
                    )?;
                }
            }
        }
        apply_snapshot(store, def, mapper, stop, received, false)?;
    }
    apply_snapshot(store, def, mapper, stop, Vec::new(), true)?;
    tx.commit().map_err(|e| pg_err(&e))
}

fn apply_snapshot(
    store: &Store,
    def: &SourceDef,
    mapper: &Mapper,
    stop: &Control,
    rows: Vec<Received>,
    done: bool,
) -> Result<(), String> {
    if rows.is_empty() && !done {
        return Ok(());
    }
    let zero = position::encode(&[0]);
    let mut batch = mapper.batch(&def.name, "", rows, |_| Some(zero.clone()));
    batch.snapshot = true;
    batch.snapshot_done = done;
    let applied = store.apply_changes(&batch).map_err(|e| e.to_string())?;
    stop.committed(&def.name, &batch, &applied);
    Ok(())
}

pub(crate) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub(crate) fn pg_err(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}
