//! Decoder for PostgreSQL logical replication messages produced by the
//! `pgoutput` output plugin, protocol version 1 (as sent by PostgreSQL 15).
//!
//! Each call to [`decode`] takes the payload of one logical replication
//! message (the `data` column of `pg_logical_slot_*_binary_changes`, or the
//! bytes after the `XLogData` header on a streaming replication connection).
//! Integers are big-endian, strings are NUL-terminated. Tuples must have been
//! requested in text format (the default; `binary` option off).
//!
//! The decoder never panics: every length is checked against the buffer and
//! counts are validated before allocating.

/// A WAL position (log sequence number).
pub type Lsn = u64;

/// Offset of the PostgreSQL epoch (2000-01-01 UTC) from the Unix epoch, in ms.
const PG_EPOCH_UNIX_MS: i64 = 946_684_800_000;

/// One decoded pgoutput message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// 'B': start of a transaction.
    Begin {
        final_lsn: Lsn,
        /// Microseconds since 2000-01-01 UTC, as sent.
        commit_ts_us: i64,
        xid: u32,
    },
    /// 'C': end of a transaction.
    Commit {
        commit_lsn: Lsn,
        end_lsn: Lsn,
        /// Microseconds since 2000-01-01 UTC, as sent.
        commit_ts_us: i64,
    },
    /// 'R': relation (table) schema; sent before the first change to a
    /// relation in a session and again whenever its schema changes.
    Relation(Relation),
    /// 'I'
    Insert { relation: u32, new: Tuple },
    /// 'U': `old` is present for 'K' (key columns only, when the key changed)
    /// or 'O' (whole old row, REPLICA IDENTITY FULL).
    Update {
        relation: u32,
        old: Option<Tuple>,
        new: Tuple,
    },
    /// 'D': `old` is the key ('K') or the whole old row ('O').
    Delete { relation: u32, old: Tuple },
    /// 'T'
    Truncate {
        relations: Vec<u32>,
        cascade: bool,
        restart_identity: bool,
    },
    /// 'Y': type definition (not decoded).
    Type,
    /// 'O': replication origin (not decoded).
    Origin,
    /// 'M': logical decoding message (not decoded).
    Message,
}

/// Schema of a published relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub id: u32,
    pub namespace: String,
    pub name: String,
    /// `d` default, `n` nothing, `f` full, `i` index.
    pub replica_identity: u8,
    pub columns: Vec<RelColumn>,
}

/// One column of a [`Relation`].
#[derive(Debug, Clone, PartialEq)]
pub struct RelColumn {
    /// Part of the replica identity key (flags & 1).
    pub key: bool,
    pub name: String,
    pub type_oid: u32,
    pub type_modifier: i32,
}

/// One column value of a tuple.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Null,
    /// A TOASTed value that did not change; its value is not sent.
    UnchangedToast,
    /// Value in PostgreSQL's text output format.
    Text(String),
}

/// Column values, in relation column order.
pub type Tuple = Vec<Datum>;

/// Errors from [`decode`]. Positions are byte offsets into the message.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("empty message")]
    Empty,
    #[error("message truncated: needed {needed} bytes at offset {at}, message is {len} bytes")]
    Truncated {
        at: usize,
        needed: usize,
        len: usize,
    },
    #[error("unknown message tag {tag:#04x} ({:?})", char::from(*tag))]
    UnknownTag { tag: u8 },
    #[error("unterminated string at offset {at}")]
    UnterminatedString { at: usize },
    #[error("invalid UTF-8 at offset {at}")]
    InvalidUtf8 { at: usize },
    #[error("unknown tuple column kind {kind:#04x} at offset {at}")]
    UnknownTupleKind { kind: u8, at: usize },
    #[error("binary format not requested (binary column at offset {at})")]
    BinaryFormat { at: usize },
    #[error("negative length {len} at offset {at}")]
    NegativeLength { len: i32, at: usize },
    #[error("expected {expected} at offset {at}, found {found:#04x}")]
    Unexpected {
        expected: &'static str,
        found: u8,
        at: usize,
    },
    #[error("{count} items claimed at offset {at} exceed the remaining message")]
    BadCount { count: usize, at: usize },
    #[error("{extra} trailing bytes after message at offset {at}")]
    TrailingBytes { extra: usize, at: usize },
}

/// Bounds-checked big-endian reader.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let out = self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
            .ok_or(DecodeError::Truncated {
                at: self.pos,
                needed: n,
                len: self.buf.len(),
            })?;
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        self.array().map(i32::from_be_bytes)
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_be_bytes)
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        self.array().map(i64::from_be_bytes)
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Check that `count` items of at least `min_size` bytes each can fit.
    fn check_count(&self, count: usize, min_size: usize) -> Result<(), DecodeError> {
        match count.checked_mul(min_size) {
            Some(n) if n <= self.remaining() => Ok(()),
            _ => Err(DecodeError::BadCount {
                count,
                at: self.pos,
            }),
        }
    }

    fn utf8(bytes: &[u8], at: usize) -> Result<String, DecodeError> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(DecodeError::InvalidUtf8 {
                at: at + e.valid_up_to(),
            }),
        }
    }

    /// NUL-terminated string.
    fn cstr(&mut self) -> Result<String, DecodeError> {
        let at = self.pos;
        let rest = &self.buf[at..];
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(DecodeError::UnterminatedString { at })?;
        self.pos += nul + 1;
        Self::utf8(&rest[..nul], at)
    }

    fn expect(&mut self, expected: &'static str, ok: &[u8]) -> Result<u8, DecodeError> {
        let at = self.pos;
        let b = self.u8()?;
        if ok.contains(&b) {
            Ok(b)
        } else {
            Err(DecodeError::Unexpected {
                expected,
                found: b,
                at,
            })
        }
    }

    fn tuple(&mut self) -> Result<Tuple, DecodeError> {
        let n = usize::from(self.u16()?);
        self.check_count(n, 1)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let datum = match self.u8()? {
                b'n' => Datum::Null,
                b'u' => Datum::UnchangedToast,
                b't' => {
                    let len_at = self.pos;
                    let len = self.i32()?;
                    let len = usize::try_from(len)
                        .map_err(|_| DecodeError::NegativeLength { len, at: len_at })?;
                    let start = self.pos;
                    Datum::Text(Self::utf8(self.take(len)?, start)?)
                }
                b'b' => return Err(DecodeError::BinaryFormat { at }),
                kind => return Err(DecodeError::UnknownTupleKind { kind, at }),
            };
            out.push(datum);
        }
        Ok(out)
    }

    fn relation(&mut self) -> Result<Relation, DecodeError> {
        let id = self.u32()?;
        let namespace = self.cstr()?;
        let name = self.cstr()?;
        let replica_identity = self.u8()?;
        let n = usize::from(self.u16()?);
        // Each column is at least flags + NUL + type oid + typmod = 10 bytes.
        self.check_count(n, 10)?;
        let mut columns = Vec::with_capacity(n);
        for _ in 0..n {
            let flags = self.u8()?;
            columns.push(RelColumn {
                key: flags & 1 != 0,
                name: self.cstr()?,
                type_oid: self.u32()?,
                type_modifier: self.i32()?,
            });
        }
        Ok(Relation {
            id,
            namespace,
            name,
            replica_identity,
            columns,
        })
    }
}

/// Decode one pgoutput (protocol version 1) message.
pub fn decode(buf: &[u8]) -> Result<Message, DecodeError> {
    let mut r = Reader { buf, pos: 0 };
    let tag = *buf.first().ok_or(DecodeError::Empty)?;
    r.pos = 1;
    let msg = match tag {
        b'B' => Message::Begin {
            final_lsn: r.u64()?,
            commit_ts_us: r.i64()?,
            xid: r.u32()?,
        },
        b'C' => {
            let _flags = r.u8()?;
            Message::Commit {
                commit_lsn: r.u64()?,
                end_lsn: r.u64()?,
                commit_ts_us: r.i64()?,
            }
        }
        b'R' => Message::Relation(r.relation()?),
        b'I' => {
            let relation = r.u32()?;
            r.expect("'N'", b"N")?;
            Message::Insert {
                relation,
                new: r.tuple()?,
            }
        }
        b'U' => {
            let relation = r.u32()?;
            let old = match r.expect("'K', 'O' or 'N'", b"KON")? {
                b'N' => None,
                _ => {
                    let old = r.tuple()?;
                    r.expect("'N'", b"N")?;
                    Some(old)
                }
            };
            Message::Update {
                relation,
                old,
                new: r.tuple()?,
            }
        }
        b'D' => {
            let relation = r.u32()?;
            r.expect("'K' or 'O'", b"KO")?;
            Message::Delete {
                relation,
                old: r.tuple()?,
            }
        }
        b'T' => {
            let n = r.u32()? as usize;
            let options = r.u8()?;
            r.check_count(n, 4)?;
            let relations = (0..n).map(|_| r.u32()).collect::<Result<_, _>>()?;
            Message::Truncate {
                relations,
                cascade: options & 1 != 0,
                restart_identity: options & 2 != 0,
            }
        }
        b'Y' => return Ok(Message::Type),
        b'O' => return Ok(Message::Origin),
        b'M' => return Ok(Message::Message),
        tag => return Err(DecodeError::UnknownTag { tag }),
    };
    match r.remaining() {
        0 => Ok(msg),
        extra => Err(DecodeError::TrailingBytes { extra, at: r.pos }),
    }
}

impl Relation {
    /// Pair each tuple value with its column name (stops at the shorter one).
    pub fn named<'a>(&'a self, t: &'a Tuple) -> impl Iterator<Item = (&'a str, &'a Datum)> {
        self.columns.iter().map(|c| c.name.as_str()).zip(t.iter())
    }
}

/// Microseconds since 2000-01-01 UTC → Unix milliseconds (floored).
pub fn pg_ts_to_unix_ms(us: i64) -> i64 {
    us.div_euclid(1000).saturating_add(PG_EPOCH_UNIX_MS)
}

/// Parse a textual LSN such as `16/B374D848` (two hex parts of 1–8 digits).
pub fn parse_lsn(s: &str) -> Option<Lsn> {
    let (hi, lo) = s.split_once('/')?;
    let part = |p: &str| -> Option<u64> {
        if p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(p, 16).ok()
    };
    Some((part(hi)? << 32) | part(lo)?)
}

/// Format an LSN the way PostgreSQL does (`%X/%X`).
pub fn format_lsn(l: Lsn) -> String {
    format!("{:X}/{:X}", l >> 32, l & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimal test-only encoder for pgoutput messages.
    #[derive(Default)]
    struct Enc(Vec<u8>);

    impl Enc {
        fn tag(t: u8) -> Self {
            Enc(vec![t])
        }
        fn u8(mut self, v: u8) -> Self {
            self.0.push(v);
            self
        }
        fn u16(mut self, v: u16) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn u32(mut self, v: u32) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn i32(self, v: i32) -> Self {
            self.u32(v as u32)
        }
        fn u64(mut self, v: u64) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn cstr(mut self, s: &str) -> Self {
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(0);
            self
        }
        fn tuple(mut self, t: &[Datum]) -> Self {
            self = self.u16(t.len() as u16);
            for d in t {
                self = match d {
                    Datum::Null => self.u8(b'n'),
                    Datum::UnchangedToast => self.u8(b'u'),
                    Datum::Text(s) => {
                        let mut e = self.u8(b't').u32(s.len() as u32);
                        e.0.extend_from_slice(s.as_bytes());
                        e
                    }
                };
            }
            self
        }
    }

    fn text(s: &str) -> Datum {
        Datum::Text(s.into())
    }

    fn relation_msg() -> Vec<u8> {
        Enc::tag(b'R')
            .u32(16388)
            .cstr("public")
            .cstr("items")
            .u8(b'd')
            .u16(2)
            .u8(1)
            .cstr("id")
            .u32(23)
            .i32(-1)
            .u8(0)
            .cstr("name")
            .u32(25)
            .i32(-1)
            .0
    }

    /// Valid messages of every kind, with their expected decodings.
    fn samples() -> Vec<(Vec<u8>, Message)> {
        let row = vec![text("1"), Datum::Null, Datum::UnchangedToast, text("héllo")];
        let key = vec![text("1"), Datum::Null];
        vec![
            (
                Enc::tag(b'B').u64(0x16_B374_D848).u64(1234).u32(77).0,
                Message::Begin {
                    final_lsn: 0x16_B374_D848,
                    commit_ts_us: 1234,
                    xid: 77,
                },
            ),
            (
                Enc::tag(b'C').u8(0).u64(10).u64(20).u64(u64::MAX).0,
                Message::Commit {
                    commit_lsn: 10,
                    end_lsn: 20,
                    commit_ts_us: -1,
                },
            ),
            (
                relation_msg(),
                Message::Relation(Relation {
                    id: 16388,
                    namespace: "public".into(),
                    name: "items".into(),
                    replica_identity: b'd',
                    columns: vec![
                        RelColumn {
                            key: true,
                            name: "id".into(),
                            type_oid: 23,
                            type_modifier: -1,
                        },
                        RelColumn {
                            key: false,
                            name: "name".into(),
                            type_oid: 25,
                            type_modifier: -1,
                        },
                    ],
                }),
            ),
            (
                Enc::tag(b'I').u32(5).u8(b'N').tuple(&row).0,
                Message::Insert {
                    relation: 5,
                    new: row.clone(),
                },
            ),
            (
                Enc::tag(b'U').u32(5).u8(b'N').tuple(&row).0,
                Message::Update {
                    relation: 5,
                    old: None,
                    new: row.clone(),
                },
            ),
            (
                Enc::tag(b'U')
                    .u32(5)
                    .u8(b'K')
                    .tuple(&key)
                    .u8(b'N')
                    .tuple(&row)
                    .0,
                Message::Update {
                    relation: 5,
                    old: Some(key.clone()),
                    new: row.clone(),
                },
            ),
            (
                Enc::tag(b'U')
                    .u32(5)
                    .u8(b'O')
                    .tuple(&row)
                    .u8(b'N')
                    .tuple(&[])
                    .0,
                Message::Update {
                    relation: 5,
                    old: Some(row.clone()),
                    new: vec![],
                },
            ),
            (
                Enc::tag(b'D').u32(5).u8(b'K').tuple(&key).0,
                Message::Delete {
                    relation: 5,
                    old: key.clone(),
                },
            ),
            (
                Enc::tag(b'D').u32(5).u8(b'O').tuple(&row).0,
                Message::Delete {
                    relation: 5,
                    old: row.clone(),
                },
            ),
            (
                Enc::tag(b'T').u32(2).u8(3).u32(5).u32(6).0,
                Message::Truncate {
                    relations: vec![5, 6],
                    cascade: true,
                    restart_identity: true,
                },
            ),
            (
                Enc::tag(b'T').u32(0).u8(2).0,
                Message::Truncate {
                    relations: vec![],
                    cascade: false,
                    restart_identity: true,
                },
            ),
            (Enc::tag(b'Y').u32(1).cstr("pg_catalog").0, Message::Type),
            (Enc::tag(b'O').u64(1).cstr("origin").0, Message::Origin),
            (Enc::tag(b'M').u8(1).cstr("prefix").0, Message::Message),
        ]
    }

    #[test]
    fn decodes_every_kind() {
        for (buf, want) in samples() {
            assert_eq!(decode(&buf), Ok(want), "buf {buf:02x?}");
        }
    }

    #[test]
    fn named_pairs_columns_with_values() {
        let Ok(Message::Relation(rel)) = decode(&relation_msg()) else {
            panic!("relation did not decode");
        };
        let t = vec![text("7"), Datum::Null];
        let got: Vec<_> = rel.named(&t).collect();
        assert_eq!(got, vec![("id", &text("7")), ("name", &Datum::Null)]);
    }

    #[test]
    fn errors() {
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        assert_eq!(decode(b"Z"), Err(DecodeError::UnknownTag { tag: b'Z' }));
        assert_eq!(
            decode(b"B\0\0"),
            Err(DecodeError::Truncated {
                at: 1,
                needed: 8,
                len: 3
            })
        );
        let bin = Enc::tag(b'I').u32(1).u8(b'N').u16(1).u8(b'b').u32(0).0;
        assert_eq!(decode(&bin), Err(DecodeError::BinaryFormat { at: 8 }));
        let bad_kind = Enc::tag(b'I').u32(1).u8(b'N').u16(1).u8(b'x').0;
        assert_eq!(
            decode(&bad_kind),
            Err(DecodeError::UnknownTupleKind { kind: b'x', at: 8 })
        );
        let neg = Enc::tag(b'I').u32(1).u8(b'N').u16(1).u8(b't').i32(-5).0;
        assert_eq!(
            decode(&neg),
            Err(DecodeError::NegativeLength { len: -5, at: 9 })
        );
        let mut bad_utf8 = Enc::tag(b'I').u32(1).u8(b'N').u16(1).u8(b't').u32(2).0;
        bad_utf8.extend_from_slice(&[b'a', 0xff]);
        assert_eq!(decode(&bad_utf8), Err(DecodeError::InvalidUtf8 { at: 14 }));
        let no_nul = Enc::tag(b'R')
            .u32(1)
            .0
            .into_iter()
            .chain(*b"pub")
            .collect::<Vec<_>>();
        assert_eq!(
            decode(&no_nul),
            Err(DecodeError::UnterminatedString { at: 5 })
        );
        assert_eq!(
            decode(&Enc::tag(b'D').u32(1).u8(b'N').tuple(&[]).0),
            Err(DecodeError::Unexpected {
                expected: "'K' or 'O'",
                found: b'N',
                at: 5
            })
        );
        let huge = Enc::tag(b'T').u32(u32::MAX).u8(0).0;
        assert_eq!(
            decode(&huge),
            Err(DecodeError::BadCount {
                count: u32::MAX as usize,
                at: 6
            })
        );
        let mut trailing = Enc::tag(b'B').u64(1).u64(2).u32(3).0;
        trailing.push(0);
        assert_eq!(
            decode(&trailing),
            Err(DecodeError::TrailingBytes { extra: 1, at: 21 })
        );
        // Error messages render.
        assert!(decode(&bin).unwrap_err().to_string().contains("binary"));
    }

    #[test]
    fn prefixes_never_panic_and_fail() {
        for (buf, _) in samples() {
            let skipped = matches!(buf[0], b'Y' | b'O' | b'M');
            for n in 0..buf.len() {
                let r = decode(&buf[..n]);
                if !skipped || n == 0 {
                    assert!(r.is_err(), "prefix {n} of {buf:02x?} decoded: {r:?}");
                }
            }
        }
    }

    #[test]
    fn random_input_never_panics() {
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let tags = b"BCRIUDTYOMNKnutbx";
        let samples = samples();
        for i in 0..20_000 {
            let len = (next() % 64) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if i % 2 == 0 && !buf.is_empty() {
                buf[0] = tags[(next() % tags.len() as u64) as usize];
            }
            let _ = decode(&buf);
            // Also mutate a valid message at a random position.
            let mut m = samples[i % samples.len()].0.clone();
            let at = (next() % m.len() as u64) as usize;
            m[at] = next() as u8;
            let _ = decode(&m);
        }
    }

    #[test]
    fn lsn_round_trip() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(format_lsn(0), "0/0");
        assert_eq!(parse_lsn("16/B374D848"), Some(0x16_B374_D848));
        assert_eq!(format_lsn(0x16_B374_D848), "16/B374D848");
        assert_eq!(parse_lsn("16/b374d848"), Some(0x16_B374_D848));
        assert_eq!(format_lsn(u64::MAX), "FFFFFFFF/FFFFFFFF");
        assert_eq!(parse_lsn("FFFFFFFF/FFFFFFFF"), Some(u64::MAX));
        for bad in [
            "",
            "/",
            "0/",
            "/0",
            "0",
            "+1/0",
            "1/-0",
            "123456789/0",
            "g/0",
            "0/0/0",
        ] {
            assert_eq!(parse_lsn(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn timestamp_conversion() {
        assert_eq!(pg_ts_to_unix_ms(0), 946_684_800_000);
        assert_eq!(pg_ts_to_unix_ms(1_500), 946_684_800_001);
        assert_eq!(pg_ts_to_unix_ms(-1), 946_684_799_999);
        // 2024-01-01T00:00:00Z = 1704067200000 ms.
        assert_eq!(
            pg_ts_to_unix_ms((1_704_067_200_000 - 946_684_800_000) * 1000),
            1_704_067_200_000
        );
        let _ = pg_ts_to_unix_ms(i64::MAX);
        let _ = pg_ts_to_unix_ms(i64::MIN);
    }
}
