//! Decodes real `pg_logical_slot_peek_binary_changes` output captured from
//! PostgreSQL 15.20 (proto_version 1, publication scratch_pub). See the
//! fixture files for the raw hex; the SQL that produced them was:
//!
//! ```sql
//! create table items (id int primary key, name text, price numeric(10,2), big text);
//! alter table items alter column big set storage external;
//! create table audit (a int, b text);
//! alter table audit replica identity full;
//! create publication scratch_pub for table items, audit;
//! insert into items values (1, 'apple', 1.50, repeat('x', 5000));
//! begin;
//! insert into items values (2, 'pear', null, null);
//! insert into items values (3, 'héllo wörld', 3.00, 'small');
//! commit;
//! update items set name = 'green apple' where id = 1;
//! update items set id = 20 where id = 2;
//! delete from items where id = 3;
//! insert into audit values (7, 'seven');
//! update audit set b = 'SEVEN' where a = 7;
//! delete from audit where a = 7;
//! truncate items, audit restart identity cascade;
//! -- fixture_binary_messages.hex, peeked with 'messages','true','binary','true':
//! select pg_logical_emit_message(true, 'pfx', 'hello');
//! insert into audit values (8, 'eight');
//! ```

use nur_ingest::cdc::pgoutput::*;
use std::collections::HashMap;

fn unhex(line: &str) -> Vec<u8> {
    (0..line.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&line[i..i + 2], 16).expect("hex"))
        .collect()
}

fn load(text: &str) -> Vec<Result<Message, DecodeError>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| decode(&unhex(l.trim())))
        .collect()
}

fn t(s: &str) -> Datum {
    Datum::Text(s.into())
}

fn tag(m: &Message) -> &'static str {
    match m {
        Message::Begin { .. } => "B",
        Message::Commit { .. } => "C",
        Message::Relation(_) => "R",
        Message::Insert { .. } => "I",
        Message::Update { .. } => "U",
        Message::Delete { .. } => "D",
        Message::Truncate { .. } => "T",
        Message::Type => "Y",
        Message::Origin => "O",
        Message::Message => "M",
    }
}

#[test]
fn decodes_real_pg15_stream() {
    let msgs: Vec<Message> = load(include_str!("../fixtures/pgoutput.hex"))
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every line decodes");
    let seq: Vec<&str> = msgs.iter().map(tag).collect();
    assert_eq!(
        seq.join(""),
        "BRIC BIIC BUC BUC BDC BRIC BUC BDC BRRTC".replace(' ', "")
    );

    let mut rels: HashMap<u32, Relation> = HashMap::new();
    let mut open: Option<(Lsn, i64, u32)> = None;
    let mut last_xid = 0;
    let mut changes = Vec::new();
    for m in &msgs {
        match m {
            Message::Begin {
                final_lsn,
                commit_ts_us,
                xid,
            } => {
                assert!(open.is_none());
                assert!(*xid > last_xid);
                last_xid = *xid;
                open = Some((*final_lsn, *commit_ts_us, *xid));
            }
            Message::Commit {
                commit_lsn,
                end_lsn,
                commit_ts_us,
            } => {
                let (final_lsn, ts, _) = open.take().expect("commit without begin");
                assert_eq!(final_lsn, *commit_lsn);
                assert_eq!(ts, *commit_ts_us);
                assert!(end_lsn > commit_lsn);
                assert_eq!(parse_lsn(&format_lsn(*end_lsn)), Some(*end_lsn));
                let ms = pg_ts_to_unix_ms(*commit_ts_us);
                assert!((1_700_000_000_000..4_102_444_800_000).contains(&ms), "{ms}");
            }
            Message::Relation(r) => {
                rels.insert(r.id, r.clone());
            }
            Message::Insert { relation, new } => changes.push(("I", *relation, None, Some(new))),
            Message::Update { relation, old, new } => {
                changes.push(("U", *relation, old.as_ref(), Some(new)))
            }
            Message::Delete { relation, old } => changes.push(("D", *relation, Some(old), None)),
            Message::Truncate {
                relations,
                cascade,
                restart_identity,
            } => {
                assert!(*cascade && *restart_identity);
                let names: Vec<&str> = relations.iter().map(|id| rels[id].name.as_str()).collect();
                assert_eq!(names, ["items", "audit"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(open.is_none());

    let items = rels.values().find(|r| r.name == "items").unwrap();
    assert_eq!(items.namespace, "public");
    assert_eq!(items.replica_identity, b'd');
    let cols: Vec<_> = items
        .columns
        .iter()
        .map(|c| (c.key, c.name.as_str(), c.type_oid, c.type_modifier))
        .collect();
    assert_eq!(
        cols,
        [
            (true, "id", 23, -1),
            (false, "name", 25, -1),
            (false, "price", 1700, (10 << 16 | 2) + 4),
            (false, "big", 25, -1),
        ]
    );
    let audit = rels.values().find(|r| r.name == "audit").unwrap();
    assert_eq!(audit.replica_identity, b'f');
    assert!(
        audit.columns.iter().all(|c| c.key),
        "FULL marks every column as key"
    );

    let big = t(&"x".repeat(5000));
    let n = Datum::Null;
    let u = Datum::UnchangedToast;
    let (i, a) = (items.id, audit.id);
    let expected: Vec<(&str, u32, Option<Tuple>, Option<Tuple>)> = vec![
        ("I", i, None, Some(vec![t("1"), t("apple"), t("1.50"), big])),
        (
            "I",
            i,
            None,
            Some(vec![t("2"), t("pear"), n.clone(), n.clone()]),
        ),
        (
            "I",
            i,
            None,
            Some(vec![t("3"), t("héllo wörld"), t("3.00"), t("small")]),
        ),
        // Key unchanged: no old tuple; unchanged out-of-line TOAST value is 'u'.
        (
            "U",
            i,
            None,
            Some(vec![t("1"), t("green apple"), t("1.50"), u]),
        ),
        // Key changed: 'K' old tuple with only key columns filled in.
        (
            "U",
            i,
            Some(vec![t("2"), n.clone(), n.clone(), n.clone()]),
            Some(vec![t("20"), t("pear"), n.clone(), n.clone()]),
        ),
        (
            "D",
            i,
            Some(vec![t("3"), n.clone(), n.clone(), n.clone()]),
            None,
        ),
        ("I", a, None, Some(vec![t("7"), t("seven")])),
        // REPLICA IDENTITY FULL: 'O' old tuple with the whole row.
        (
            "U",
            a,
            Some(vec![t("7"), t("seven")]),
            Some(vec![t("7"), t("SEVEN")]),
        ),
        ("D", a, Some(vec![t("7"), t("SEVEN")]), None),
    ];
    let got: Vec<_> = changes
        .iter()
        .map(|(k, r, o, nw)| (*k, *r, o.cloned(), nw.cloned()))
        .collect();
    assert_eq!(got, expected);

    // named() pairs values with column names.
    let (_, _, _, Some(row)) = changes[2] else {
        panic!()
    };
    let named: Vec<_> = items.named(row).collect();
    assert_eq!(named[1], ("name", &t("héllo wörld")));
    assert_eq!(named[3], ("big", &t("small")));
}

#[test]
fn binary_option_and_messages_option() {
    let got = load(include_str!("../fixtures/pgoutput-binary-messages.hex"));
    let tags: Vec<_> = got.iter().map(|r| r.as_ref().map(tag)).collect();
    assert_eq!(
        tags,
        [
            Ok("B"),
            Ok("M"),
            Ok("C"),
            Ok("B"),
            Ok("R"),
            // 'I' oid 'N' ncols(2) then the first column kind is at offset 8.
            Err(&DecodeError::BinaryFormat { at: 8 }),
            Ok("C"),
        ]
    );
}
