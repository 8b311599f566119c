//! Input readers: CSV (with a header row) and JSON lines (one object per line). Both yield
//! records with their line number and the byte offset just past them, so a batch can resume
//! exactly where its last committed chunk ended.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// One input record. `fields` are in header order; for JSON lines the header is the set of
/// keys in the first object.
pub struct Record {
    pub line: u64,
    pub end_offset: u64,
    /// The reader's line count after this record (where a resume continues counting).
    pub end_line: u64,
    pub fields: Result<Vec<String>, String>,
    pub raw: String,
}

pub enum Reader {
    Csv {
        rdr: csv::Reader<File>,
        rec: csv::ByteRecord,
    },
    Json {
        rdr: BufReader<File>,
        header: Vec<String>,
        offset: u64,
        line: u64,
        buf: Vec<u8>,
    },
}

impl Reader {
    /// Opens a file and reads its header. `resume` is (byte offset, line) after the last
    /// committed record, or None to start at the top.
    pub fn open(
        path: &Path,
        format: Format,
        resume: Option<(u64, u64)>,
    ) -> Result<(Reader, Vec<String>), String> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        match format {
            Format::Csv => {
                let mut rdr = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(true)
                    .buffer_capacity(1 << 20)
                    .from_reader(file);
                let header = rdr
                    .byte_headers()
                    .map_err(|e| format!("cannot read the header: {e}"))?
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect::<Vec<_>>();
                if header.iter().all(|h| h.trim().is_empty()) {
                    return Err("the file is empty or has no header row".into());
                }
                if let Some((offset, line)) = resume.filter(|r| r.0 > 0) {
                    let mut pos = csv::Position::new();
                    pos.set_byte(offset).set_line(line).set_record(0);
                    rdr.seek(pos).map_err(|e| format!("cannot resume: {e}"))?;
                }
                Ok((
                    Reader::Csv {
                        rdr,
                        rec: csv::ByteRecord::new(),
                    },
                    header,
                ))
            }
            Format::JsonLines => {
                let mut rdr = BufReader::with_capacity(1 << 20, file);
                let mut first = String::new();
                rdr.read_line(&mut first)
                    .map_err(|e| format!("cannot read: {e}"))?;
                let obj: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(first.trim())
                        .map_err(|e| format!("line 1 is not a JSON object: {e}"))?;
                let header: Vec<String> = obj.keys().cloned().collect();
                let (offset, line) = resume.filter(|r| r.0 > 0).unwrap_or((0, 0));
                rdr.seek(SeekFrom::Start(offset))
                    .map_err(|e| format!("cannot seek: {e}"))?;
                Ok((
                    Reader::Json {
                        rdr,
                        header: header.clone(),
                        offset,
                        line,
                        buf: Vec::new(),
                    },
                    header,
                ))
            }
        }
    }

    pub fn next(&mut self) -> Option<Record> {
        match self {
            Reader::Csv { rdr, rec } => match rdr.read_byte_record(rec) {
                Ok(false) => None,
                Ok(true) => {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    let end_offset = rdr.position().byte();
                    let end_line = rdr.position().line();
                    let raw = raw_csv(rec);
                    let fields = rec
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            std::str::from_utf8(f)
                                .map(str::to_owned)
                                .map_err(|_| format!("field {} is not valid UTF-8", i + 1))
                        })
                        .collect();
                    Some(Record {
                        line,
                        end_offset,
                        end_line,
                        fields,
                        raw,
                    })
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    let end_offset = rdr.position().byte();
                    Some(Record {
                        line,
                        end_offset,
                        end_line: rdr.position().line(),
                        fields: Err(format!("malformed CSV: {e}")),
                        raw: String::new(),
                    })
                }
            },
            Reader::Json {
                rdr,
                header,
                offset,
                line,
                buf,
            } => loop {
                buf.clear();
                let n = match rdr.read_until(b'\n', buf) {
                    Ok(0) => return None,
                    Ok(n) => n,
                    Err(e) => {
                        return Some(Record {
                            line: *line + 1,
                            end_offset: *offset,
                            end_line: *line,
                            fields: Err(format!("read error: {e}")),
                            raw: String::new(),
                        })
                    }
                };
                *offset += n as u64;
                *line += 1;
                let text = String::from_utf8_lossy(buf).trim().to_owned();
                if text.is_empty() {
                    continue;
                }
                let fields = json_fields(header, &text);
                return Some(Record {
                    line: *line,
                    end_offset: *offset,
                    end_line: *line,
                    fields,
                    raw: text,
                });
            },
        }
    }
}

fn json_fields(header: &[String], text: &str) -> Result<Vec<String>, String> {
    let obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    if let Some(k) = obj.keys().find(|k| !header.contains(k)) {
        return Err(format!("key {k} is not among the file's columns"));
    }
    header
        .iter()
        .map(|h| match obj.get(h) {
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Ok(b.to_string()),
            Some(other) => Err(format!("key {h}: {other} is not a scalar")),
        })
        .collect()
}

/// Re-renders a CSV record for the quarantine (the loader never keeps whole input lines).
fn raw_csv(rec: &csv::ByteRecord) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_byte_record(rec);
    let bytes = w.into_inner().unwrap_or_default();
    let s = String::from_utf8_lossy(&bytes);
    s.trim_end_matches(['\n', '\r']).to_owned()
}
