//! Writing a pain.002.001.10 status report, as a bank answers a payment file: for the
//! demonstration bank and the tests, which read it back with [`super::read_pain002`].

use super::amount::format_amount;
use super::pain002::{CURRENCY, DIGITS};
use super::status::split_reason;
use super::xml::{truncate_chars, XmlWriter};
use super::{Outcome, StatusReport};

/// The version [`pain002`] writes.
pub const PAIN002_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10";

/// A pain.002.001.10 report on the file `message_id_of_original`, dated `created_at`, as a
/// bank would send it: the group's outcome, then one transaction status per payment with its
/// reason and amount. Pending statuses are not written (a report lists what changed).
pub fn pain002(report: &StatusReport, message_id_of_original: &str, created_at: &str) -> String {
    let mut x = XmlWriter::with_capacity(2_048 + report.statuses.len() * 600);
    x.open_ns("Document", PAIN002_NAMESPACE);
    x.open("CstmrPmtStsRpt");
    x.open("GrpHdr");
    x.leaf("MsgId", &report.message_id);
    x.leaf("CreDtTm", created_at);
    x.close("GrpHdr");
    x.open("OrgnlGrpInfAndSts");
    x.leaf("OrgnlMsgId", message_id_of_original);
    x.leaf("OrgnlMsgNmId", "pain.001.001.09");
    if let Some(n) = report.number_of_transactions {
        x.leaf("OrgnlNbOfTxs", &n.to_string());
    }
    if let Some(sum) = report.control_sum_fils {
        x.leaf("OrgnlCtrlSum", &format_amount(sum, DIGITS));
    }
    if let Some(o) = report.group_outcome {
        x.leaf("GrpSts", group_code(o));
        if let Some(r) = &report.group_reason {
            reason(&mut x, r);
        }
    }
    x.close("OrgnlGrpInfAndSts");
    if !report.statuses.is_empty() {
        x.open("OrgnlPmtInfAndSts");
        let block = report.original_payment_info_id.as_deref();
        x.leaf("OrgnlPmtInfId", block.unwrap_or(message_id_of_original));
        for s in &report.statuses {
            x.open_record("TxInfAndSts");
            x.leaf("OrgnlEndToEndId", &s.end_to_end_id);
            x.leaf("TxSts", s.outcome.iso_code());
            if let Some(r) = &s.reason {
                reason(&mut x, r);
            }
            if let Some(fils) = s.amount_fils {
                x.open("OrgnlTxRef");
                x.open("Amt");
                x.leaf_attr("InstdAmt", "Ccy", CURRENCY, &format_amount(fils, DIGITS));
                x.close("Amt");
                x.close("OrgnlTxRef");
            }
            x.close_record("TxInfAndSts");
        }
        x.close("OrgnlPmtInfAndSts");
    }
    x.close("CstmrPmtStsRpt");
    x.close("Document");
    x.finish()
}

/// A group's status: ACCP (accepted) rather than a transaction's settled ACSC.
fn group_code(o: Outcome) -> &'static str {
    match o {
        Outcome::Accepted => "ACCP",
        o => o.iso_code(),
    }
}

/// One `StsRsnInf`: the code (`Rsn/Cd`) and the text (`AddtlInf`, at most 105 characters).
fn reason(x: &mut XmlWriter, reason: &str) {
    let (code, info) = split_reason(reason);
    x.open("StsRsnInf");
    if let Some(c) = code {
        x.path(&["Rsn", "Cd"], c);
    }
    if !info.is_empty() {
        x.leaf("AddtlInf", truncate_chars(info, 105));
    }
    x.close("StsRsnInf");
}
