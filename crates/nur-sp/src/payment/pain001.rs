//! The customer credit transfer initiation (ISO 20022 pain.001.001.09) a paying agency sends
//! its bank: one group header, one payment information block debiting the agency's account,
//! one credit transfer per beneficiary. Bank accounts are named by IBAN and their bank by BIC;
//! e-wallets by mobile number (scheme `MSISDN`) and their provider by its configured
//! identifier. Every beneficiary carries their national ID (scheme `NIDN`).

use super::amount::{format_amount, write_amount};
use super::batch::Checked;
use super::xml::{truncate_chars, XmlWriter};
use super::{Account, Batch, Payment, PaymentError, Providers};

pub const PAIN001_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";

/// About what one credit transfer takes in the file besides its name and remittance, so
/// the output is allocated once.
const BYTES_PER_PAYMENT: usize = 480;

/// The batch as a pain.001.001.09 document. Refused whole (nothing written) when any payment
/// would be refused by the schema or the bank for its form.
pub fn pain001(batch: &Batch, providers: &Providers) -> Result<String, PaymentError> {
    let Checked {
        count,
        total_fils,
        digits,
    } = batch.check(providers)?;
    let texts: usize = batch
        .payments
        .iter()
        .map(|p| p.name.len().min(600) + p.remittance.len().min(600))
        .sum();
    let mut x = XmlWriter::with_capacity(4_096 + count * BYTES_PER_PAYMENT + texts);
    let count = count.to_string();
    let total = format_amount(total_fils, digits);
    let debtor = truncate_chars(batch.debtor.name.trim(), 140).trim_end();

    x.open_ns("Document", PAIN001_NAMESPACE);
    x.open("CstmrCdtTrfInitn");
    x.open("GrpHdr");
    x.leaf("MsgId", &batch.message_id);
    x.leaf("CreDtTm", &batch.created_at);
    x.leaf("NbOfTxs", &count);
    x.leaf("CtrlSum", &total);
    x.path(&["InitgPty", "Nm"], debtor);
    x.close("GrpHdr");

    x.open("PmtInf");
    x.leaf("PmtInfId", &batch.payment_info_id);
    x.leaf("PmtMtd", "TRF");
    x.leaf("NbOfTxs", &count);
    x.leaf("CtrlSum", &total);
    x.path(&["ReqdExctnDt", "Dt"], &batch.execution_date);
    x.path(&["Dbtr", "Nm"], debtor);
    x.path(&["DbtrAcct", "Id", "IBAN"], &batch.debtor.iban);
    x.path(&["DbtrAgt", "FinInstnId", "BICFI"], &batch.debtor.bic);
    // Charges as the clearing scheme's rules set them, the usual term for domestic transfers;
    // anything else (DEBT, SHAR) is a bilateral agreement a deployment would make with its bank.
    x.leaf("ChrgBr", "SLEV");
    let mut amount = String::with_capacity(24);
    for p in batch.payments {
        amount.clear();
        write_amount(&mut amount, p.amount_fils, digits);
        transfer(&mut x, p, batch.currency, &amount, providers);
    }
    x.close("PmtInf");
    x.close("CstmrCdtTrfInitn");
    x.close("Document");
    Ok(x.finish())
}

fn transfer(x: &mut XmlWriter, p: &Payment, currency: &str, amount: &str, providers: &Providers) {
    x.open_record("CdtTrfTxInf");
    x.path(&["PmtId", "EndToEndId"], &p.end_to_end_id);
    x.open("Amt");
    x.leaf_attr("InstdAmt", "Ccy", currency, amount);
    x.close("Amt");
    x.open("CdtrAgt");
    x.open("FinInstnId");
    match &p.account {
        Account::Bank { bank, .. } => {
            let bic = &providers.bank(bank).expect("checked with the batch").bic;
            x.leaf("BICFI", bic);
        }
        Account::Wallet { provider, .. } => {
            let id = &providers
                .wallet(provider)
                .expect("checked with the batch")
                .id;
            x.path(&["Othr", "Id"], id);
        }
    }
    x.close("FinInstnId");
    x.close("CdtrAgt");
    x.open("Cdtr");
    let name = truncate_chars(p.name.trim(), 140).trim_end();
    if !name.is_empty() {
        x.leaf("Nm", name);
    }
    x.open("Id");
    x.open("PrvtId");
    x.open("Othr");
    x.leaf("Id", p.national_id.trim());
    x.path(&["SchmeNm", "Cd"], "NIDN");
    x.close("Othr");
    x.close("PrvtId");
    x.close("Id");
    x.close("Cdtr");
    x.open("CdtrAcct");
    x.open("Id");
    match &p.account {
        Account::Bank { iban, .. } => x.leaf("IBAN", iban),
        Account::Wallet { mobile, .. } => {
            x.open("Othr");
            x.leaf("Id", mobile);
            x.path(&["SchmeNm", "Prtry"], "MSISDN");
            x.close("Othr");
        }
    }
    x.close("Id");
    x.close("CdtrAcct");
    let remittance = truncate_chars(p.remittance.trim(), 140).trim_end();
    if !remittance.is_empty() {
        x.path(&["RmtInf", "Ustrd"], remittance);
    }
    x.close_record("CdtTrfTxInf");
}
