//! Reading the customer payment status report (ISO 20022 pain.002) a bank or wallet provider
//! sends back for a payment file: a stream of XML events, so a report on a national payroll is
//! read in one pass without a tree.
//!
//! Versions 03 to 12 are read: elements are matched by their local names, and what is read
//! (message ids, counts, each transaction's end-to-end id, status, reasons and amount) has
//! the same place in all of them.

use std::collections::HashSet;

use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::amount::parse_amount;
use super::status::{reason_text, status_code, Code, Position};
use super::{Status, StatusError, StatusReport};

const NAMESPACE_STEM: &str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.";
const VERSIONS: std::ops::RangeInclusive<u32> = 3..=12;
/// Payments are in dinars; a report in another currency is about another file.
pub(crate) const CURRENCY: &str = "JOD";
pub(crate) const DIGITS: u32 = 3;

/// The elements the reader looks at; every other is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Document,
    Report,
    GrpHdr,
    MsgId,
    OrgnlGrpInfAndSts,
    OrgnlMsgId,
    OrgnlNbOfTxs,
    OrgnlCtrlSum,
    GrpSts,
    OrgnlPmtInfAndSts,
    OrgnlPmtInfId,
    PmtInfSts,
    TxInfAndSts,
    OrgnlEndToEndId,
    TxSts,
    StsRsnInf,
    Rsn,
    Cd,
    Prtry,
    AddtlInf,
    OrgnlTxRef,
    Amt,
    InstdAmt,
    Other,
}

impl Tag {
    fn of(local: &str) -> Tag {
        match local {
            "Document" => Tag::Document,
            "CstmrPmtStsRpt" => Tag::Report,
            "GrpHdr" => Tag::GrpHdr,
            "MsgId" => Tag::MsgId,
            "OrgnlGrpInfAndSts" => Tag::OrgnlGrpInfAndSts,
            "OrgnlMsgId" => Tag::OrgnlMsgId,
            "OrgnlNbOfTxs" => Tag::OrgnlNbOfTxs,
            "OrgnlCtrlSum" => Tag::OrgnlCtrlSum,
            "GrpSts" => Tag::GrpSts,
            "OrgnlPmtInfAndSts" => Tag::OrgnlPmtInfAndSts,
            "OrgnlPmtInfId" => Tag::OrgnlPmtInfId,
            "PmtInfSts" => Tag::PmtInfSts,
            "TxInfAndSts" => Tag::TxInfAndSts,
            "OrgnlEndToEndId" => Tag::OrgnlEndToEndId,
            "TxSts" => Tag::TxSts,
            "StsRsnInf" => Tag::StsRsnInf,
            "Rsn" => Tag::Rsn,
            "Cd" => Tag::Cd,
            "Prtry" => Tag::Prtry,
            "AddtlInf" => Tag::AddtlInf,
            "OrgnlTxRef" => Tag::OrgnlTxRef,
            "Amt" => Tag::Amt,
            "InstdAmt" => Tag::InstdAmt,
            _ => Tag::Other,
        }
    }

    /// Whether the element's text is kept (the others' text is skipped unread).
    fn has_text(self) -> bool {
        matches!(
            self,
            Tag::MsgId
                | Tag::OrgnlMsgId
                | Tag::OrgnlNbOfTxs
                | Tag::OrgnlCtrlSum
                | Tag::GrpSts
                | Tag::OrgnlPmtInfId
                | Tag::PmtInfSts
                | Tag::OrgnlEndToEndId
                | Tag::TxSts
                | Tag::Cd
                | Tag::Prtry
                | Tag::AddtlInf
                | Tag::InstdAmt
        )
    }
}

/// Reads a pain.002 status report. Refused whole, with the place named, when it is not XML,
/// not a pain.002, truncated, or when a payment's status lacks its end-to-end id, has an
/// unknown status, a bad amount or a second status.
pub fn read_pain002(xml: &[u8]) -> Result<StatusReport, StatusError> {
    let mut reader = Reader::from_reader(xml);
    let mut p = Parser::new(xml);
    loop {
        let at = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(p.xml_error(&e, reader.error_position())),
        };
        match event {
            Event::Start(e) => p.start(&e, at)?,
            Event::Empty(e) => {
                p.start(&e, at)?;
                p.end()?;
            }
            Event::End(_) => p.end()?,
            Event::Text(t) => p.text(&t, at)?,
            Event::CData(t) => p.text(&t, at)?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .ok_or_else(|| StatusError::NotXml {
                            at: Position::of(xml, at),
                            detail: format!("unknown entity &{};", &*r),
                        })?
                        .to_string(),
                    Err(e) => return Err(p.xml_error(&e, at)),
                };
                p.text(&c, at)?;
            }
            Event::Eof => return p.finish(reader.buffer_position()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

#[derive(Default)]
struct Tx {
    at: u64,
    end_to_end_id: Option<String>,
    status: Option<Code>,
    reasons: Vec<String>,
    amount_fils: Option<i64>,
}

#[derive(Default)]
struct Reason {
    code: Option<String>,
    info: String,
}

/// A level's own status (the group's or the payment block's) and its reasons.
#[derive(Default)]
struct Level {
    status: Option<(String, u64)>,
    reasons: Vec<String>,
}

struct Parser<'x> {
    xml: &'x [u8],
    /// Open elements with the offset of their `<`.
    path: Vec<(Tag, u64)>,
    root_closed: bool,
    keep_text: bool,
    text: String,
    text_at: u64,
    report: StatusReport,
    /// Where each status's `TxInfAndSts` starts, for an error found once all are read.
    starts: Vec<u64>,
    tx: Tx,
    reason: Reason,
    group: Level,
    block: Level,
}

impl<'x> Parser<'x> {
    fn new(xml: &'x [u8]) -> Parser<'x> {
        Parser {
            xml,
            path: Vec::with_capacity(16),
            root_closed: false,
            keep_text: false,
            text: String::new(),
            text_at: 0,
            report: StatusReport::default(),
            starts: Vec::new(),
            tx: Tx::default(),
            reason: Reason::default(),
            group: Level::default(),
            block: Level::default(),
        }
    }

    fn at(&self, byte: u64) -> Position {
        Position::of(self.xml, byte)
    }

    /// The `n`-th enclosing element of the one just closed (0: its parent).
    fn up(&self, n: usize) -> Tag {
        let len = self.path.len();
        if n < len {
            self.path[len - 1 - n].0
        } else {
            Tag::Other
        }
    }

    /// The name written at `byte` (an element's `<`), for messages about unknown elements.
    fn name_at(&self, byte: u64) -> String {
        let rest = self.xml.get(byte as usize + 1..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
            .unwrap_or(rest.len());
        String::from_utf8_lossy(&rest[..end]).into_owned()
    }

    fn xml_error(&self, e: &XmlError, byte: u64) -> StatusError {
        // A file cut inside markup is a truncated report, not a different kind of file.
        if let XmlError::Syntax(
            SyntaxError::UnclosedTag
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) = e
        {
            if let Some(&(_, open)) = self.path.last() {
                return StatusError::Truncated {
                    at: self.at(self.xml.len() as u64),
                    element: self.name_at(open),
                };
            }
        }
        StatusError::NotXml {
            at: self.at(byte),
            detail: e.to_string(),
        }
    }

    fn start(&mut self, e: &BytesStart, at: u64) -> Result<(), StatusError> {
        let local = e.local_name();
        let tag = Tag::of(local.as_ref());
        match self.path.len() {
            0 if self.root_closed => {
                return Err(StatusError::NotXml {
                    at: self.at(at),
                    detail: "a second root element".into(),
                })
            }
            0 if tag != Tag::Document => {
                return Err(StatusError::NotPain002 {
                    detail: format!("the root element is <{}>, not <Document>", local.as_ref()),
                })
            }
            0 => check_namespace(e)?,
            1 if tag != Tag::Report => {
                return Err(StatusError::NotPain002 {
                    detail: format!(
                        "<Document> holds <{}>, not <CstmrPmtStsRpt>",
                        local.as_ref()
                    ),
                })
            }
            _ => {}
        }
        match tag {
            Tag::TxInfAndSts => {
                self.tx = Tx {
                    at,
                    ..Tx::default()
                }
            }
            Tag::StsRsnInf => self.reason = Reason::default(),
            Tag::InstdAmt if self.in_transaction_amount() => {
                let ccy = attribute(e, "Ccy");
                if ccy.as_deref() != Some(CURRENCY) {
                    return Err(StatusError::Currency {
                        at: self.at(at),
                        currency: ccy.unwrap_or_default(),
                    });
                }
            }
            _ => {}
        }
        self.path.push((tag, at));
        self.keep_text = tag.has_text();
        self.text.clear();
        self.text_at = at;
        Ok(())
    }

    /// An `InstdAmt` about to open under `TxInfAndSts/OrgnlTxRef/Amt`.
    fn in_transaction_amount(&self) -> bool {
        (self.up(0), self.up(1), self.up(2)) == (Tag::Amt, Tag::OrgnlTxRef, Tag::TxInfAndSts)
    }

    fn text(&mut self, s: &str, at: u64) -> Result<(), StatusError> {
        if self.path.is_empty() {
            if !s.trim().is_empty() {
                return Err(StatusError::NotXml {
                    at: self.at(at),
                    detail: "text outside the root element".into(),
                });
            }
        } else if self.keep_text {
            self.text.push_str(s);
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), StatusError> {
        let (tag, _) = self
            .path
            .pop()
            .expect("the XML reader matches every end tag");
        self.keep_text = false;
        if self.path.is_empty() {
            self.root_closed = true;
        }
        if !tag.has_text() && !matches!(tag, Tag::StsRsnInf | Tag::TxInfAndSts) {
            return Ok(());
        }
        // The buffer goes back for the next element's text: one allocation for the report.
        let text = std::mem::take(&mut self.text);
        let result = self.closed(tag, text.trim());
        self.text = text;
        result
    }

    /// What a closed element says, by its place.
    fn closed(&mut self, tag: Tag, value: &str) -> Result<(), StatusError> {
        let at = self.text_at;
        match (tag, self.up(0)) {
            (Tag::MsgId, Tag::GrpHdr) => self.report.message_id = value.to_string(),
            (Tag::OrgnlMsgId, Tag::OrgnlGrpInfAndSts) => {
                self.report.original_message_id = Some(value.to_string())
            }
            (Tag::OrgnlNbOfTxs, Tag::OrgnlGrpInfAndSts) => {
                let n = value.parse().map_err(|_| StatusError::BadCount {
                    at: self.at(at),
                    element: "OrgnlNbOfTxs",
                    value: value.to_string(),
                })?;
                self.report.number_of_transactions = Some(n);
                self.report.statuses.reserve(n.min(1_000_000) as usize);
            }
            (Tag::OrgnlCtrlSum, Tag::OrgnlGrpInfAndSts) => {
                let fils = self.amount("OrgnlCtrlSum", value, at)?;
                self.report.control_sum_fils = Some(fils);
            }
            (Tag::GrpSts, Tag::OrgnlGrpInfAndSts) => {
                self.group.status = Some((value.to_string(), at))
            }
            // The first payment block's: NUR writes one per file.
            (Tag::OrgnlPmtInfId, Tag::OrgnlPmtInfAndSts)
                if self.report.original_payment_info_id.is_none() =>
            {
                self.report.original_payment_info_id = Some(value.to_string());
            }
            (Tag::PmtInfSts, Tag::OrgnlPmtInfAndSts) if self.block.status.is_none() => {
                self.block.status = Some((value.to_string(), at));
            }
            (Tag::OrgnlEndToEndId, Tag::TxInfAndSts) => {
                self.tx.end_to_end_id = Some(value.to_string())
            }
            (Tag::TxSts, Tag::TxInfAndSts) => {
                let code = status_code(value).ok_or_else(|| StatusError::UnknownStatus {
                    at: self.at(at),
                    status: value.to_string(),
                })?;
                self.tx.status = Some(code);
            }
            (Tag::Cd | Tag::Prtry, Tag::Rsn) if self.up(1) == Tag::StsRsnInf => {
                self.reason.code = Some(value.to_string())
            }
            (Tag::AddtlInf, Tag::StsRsnInf) => {
                if !self.reason.info.is_empty() && !value.is_empty() {
                    self.reason.info.push(' ');
                }
                self.reason.info.push_str(value);
            }
            (Tag::InstdAmt, Tag::Amt) if self.up(1) == Tag::OrgnlTxRef => {
                let fils = self.amount("InstdAmt", value, at)?;
                self.tx.amount_fils = Some(fils);
            }
            (Tag::StsRsnInf, parent) => {
                let r = std::mem::take(&mut self.reason);
                if let Some(text) = reason_text(r.code.as_deref(), &r.info) {
                    match parent {
                        Tag::TxInfAndSts => self.tx.reasons.push(text),
                        Tag::OrgnlPmtInfAndSts => self.block.reasons.push(text),
                        Tag::OrgnlGrpInfAndSts => self.group.reasons.push(text),
                        _ => {}
                    }
                }
            }
            (Tag::TxInfAndSts, Tag::OrgnlPmtInfAndSts) => self.transaction()?,
            _ => {}
        }
        Ok(())
    }

    fn amount(&self, element: &'static str, value: &str, at: u64) -> Result<i64, StatusError> {
        parse_amount(value, DIGITS).map_err(|why| StatusError::BadAmount {
            at: self.at(at),
            element,
            value: value.to_string(),
            why,
        })
    }

    /// One `TxInfAndSts` closed: a status, or one more pending.
    fn transaction(&mut self) -> Result<(), StatusError> {
        let tx = std::mem::take(&mut self.tx);
        // Lines are counted only for an error: counting them for every status would read the
        // report again for each one.
        let Some(end_to_end_id) = tx.end_to_end_id.filter(|id| !id.is_empty()) else {
            return Err(StatusError::MissingEndToEndId { at: self.at(tx.at) });
        };
        let outcome = match tx.status {
            Some(Code::Final(o)) => o,
            Some(Code::Pending) => {
                self.report.pending += 1;
                return Ok(());
            }
            None => {
                return Err(StatusError::MissingStatus {
                    at: self.at(tx.at),
                    end_to_end_id,
                })
            }
        };
        self.starts.push(tx.at);
        self.report.statuses.push(Status {
            end_to_end_id,
            outcome,
            reason: (!tx.reasons.is_empty()).then(|| tx.reasons.join("; ")),
            amount_fils: tx.amount_fils,
        });
        Ok(())
    }

    fn finish(mut self, end: u64) -> Result<StatusReport, StatusError> {
        if let Some(&(_, open)) = self.path.last() {
            return Err(StatusError::Truncated {
                at: self.at(end),
                element: self.name_at(open),
            });
        }
        if !self.root_closed {
            return Err(StatusError::NotXml {
                at: self.at(end),
                detail: "no root element".into(),
            });
        }
        let mut seen = HashSet::with_capacity(self.report.statuses.len());
        for (s, &at) in self.report.statuses.iter().zip(&self.starts) {
            if !seen.insert(s.end_to_end_id.as_str()) {
                return Err(StatusError::Duplicate {
                    at: self.at(at),
                    end_to_end_id: s.end_to_end_id.clone(),
                });
            }
        }
        // The group's own status first; a payment block's when the group has none (a bank
        // answering one block at a time).
        for level in [
            std::mem::take(&mut self.group),
            std::mem::take(&mut self.block),
        ] {
            let Some((code, at)) = level.status else {
                continue;
            };
            match status_code(&code) {
                Some(Code::Final(o)) => {
                    self.report.group_outcome = Some(o);
                    self.report.group_reason =
                        (!level.reasons.is_empty()).then(|| level.reasons.join("; "));
                    break;
                }
                // PART: partly accepted, the transactions say which.
                Some(Code::Pending) => {}
                None if code == "PART" => {}
                None => {
                    return Err(StatusError::UnknownStatus {
                        at: self.at(at),
                        status: code,
                    })
                }
            }
        }
        Ok(self.report)
    }
}

/// An attribute's value with its references resolved; `None` when absent or unreadable.
fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    Some(
        a.normalized_value(XmlVersion::Implicit1_0)
            .ok()?
            .into_owned(),
    )
}

/// The root's namespace must be a pain.002 of a version read here.
fn check_namespace(e: &BytesStart) -> Result<(), StatusError> {
    let binding = match e.name().prefix() {
        Some(p) => format!("xmlns:{}", p.as_ref()),
        None => "xmlns".to_string(),
    };
    let Some(ns) = attribute(e, &binding) else {
        return Err(StatusError::NotPain002 {
            detail: "the root <Document> has no namespace".into(),
        });
    };
    let version = ns
        .strip_prefix(NAMESPACE_STEM)
        .ok_or_else(|| StatusError::NotPain002 {
            detail: format!("the namespace is {ns:?}"),
        })?;
    match version.parse::<u32>() {
        Ok(v) if version.len() == 2 && VERSIONS.contains(&v) => Ok(()),
        _ => Err(StatusError::NotPain002 {
            detail: format!("pain.002.001.{version} is not a version read here (03 to 12 are)"),
        }),
    }
}
