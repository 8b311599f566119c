//! The payment files end to end: a batch against the official pain.001.001.09 schema (through
//! `xmllint`, installed with the schema by `scripts/test-tools.sh`), its CSV, and status
//! reports written and read back, well formed and not.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::*;
use crate::iban::with_check_digits;

const ARABIC_NAME: &str = "فاطمة \"أم علي\" & <أولادها> 'الخالدي'";

fn debtor() -> Debtor {
    Debtor {
        name: "National Aid Fund - صندوق المعونة الوطنية".into(),
        iban: "JO94CBJO0010000000000131000302".into(),
        bic: "CBJOJOAX".into(),
    }
}

fn bank_payment(p: &Providers, seq: u64, bank: &str, amount_fils: i64, name: &str) -> Payment {
    let iban = with_check_digits("JO", &format!("{bank}0001000000{seq:012}"));
    Payment {
        end_to_end_id: format!("UCT202612-{seq:07}"),
        amount_fils,
        name: name.into(),
        national_id: format!("{:010}", 9_800_000_000 + seq),
        account: Account::bank(p, &iban).unwrap(),
        remittance: "UCT 2026-12 / برنامج الدعم النقدي".into(),
    }
}

fn wallet_payment(p: &Providers, seq: u64, provider: &str, amount_fils: i64) -> Payment {
    Payment {
        end_to_end_id: format!("UCT202612-{seq:07}"),
        amount_fils,
        name: "Omar Hassan".into(),
        national_id: format!("{:010}", 9_800_000_000 + seq),
        account: Account::wallet(p, &format!("079{:07}", seq), provider).unwrap(),
        remittance: String::new(),
    }
}

fn mixed(p: &Providers) -> Vec<Payment> {
    vec![
        bank_payment(p, 1, "ARAB", 40_000, ARABIC_NAME),
        wallet_payment(p, 2, "zain_cash", 136_000),
        bank_payment(p, 3, "HBHO", 1, &"محمد ".repeat(40)),
        wallet_payment(p, 4, "orange_money", 999),
        bank_payment(p, 5, "CBOJ", 1_000, "  "),
    ]
}

fn batch<'a>(debtor: &'a Debtor, payments: &'a [Payment]) -> Batch<'a> {
    Batch {
        message_id: "NAF-UCT-2026-12-01".into(),
        created_at: "2026-12-02T10:00:00".into(),
        execution_date: "2026-12-25".into(),
        debtor,
        currency: "JOD",
        payments,
        payment_info_id: "UCT-2026-12-ALL".into(),
    }
}

/// The schema: `NUR_PAIN001_XSD`, or where `scripts/test-tools.sh` puts it.
fn xsd() -> PathBuf {
    std::env::var_os("NUR_PAIN001_XSD").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/xsd/pain.001.001.09.xsd"),
        PathBuf::from,
    )
}

/// `xmllint --noout --schema XSD -` on the document; the error output when it is invalid.
/// Fails (never skips) when the tool or the schema is missing.
fn xmllint(xml: &str) -> Result<(), String> {
    let xsd = xsd();
    assert!(
        xsd.is_file(),
        "the pain.001.001.09 schema is missing at {}: run scripts/test-tools.sh",
        xsd.display()
    );
    let mut child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("xmllint cannot be run ({e}): run scripts/test-tools.sh"));
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(xml.as_bytes())
        .expect("xmllint reads the document");
    let out = child.wait_with_output().expect("xmllint runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn a_batch_of_bank_and_wallet_payments_is_valid_against_the_official_schema() {
    let p = Providers::jordan();
    let (d, payments) = (debtor(), mixed(&p));
    let xml = pain001(&batch(&d, &payments), &p).unwrap();
    if let Err(e) = xmllint(&xml) {
        panic!("the pain.001 is invalid:\n{e}\n{xml}");
    }
    // The check is real: one value outside the schema's code list is caught.
    let broken = xml.replace("<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>XXXX</ChrgBr>");
    assert!(xmllint(&broken).unwrap_err().contains("ChrgBr"));

    assert!(
        xml.contains("<Nm>فاطمة &quot;أم علي&quot; &amp; &lt;أولادها&gt; &apos;الخالدي&apos;</Nm>")
    );
    assert!(xml.contains("<InstdAmt Ccy=\"JOD\">40.000</InstdAmt>"));
    assert!(xml.contains("<InstdAmt Ccy=\"JOD\">136.000</InstdAmt>"));
    assert!(xml.contains("<InstdAmt Ccy=\"JOD\">0.001</InstdAmt>"));
    assert!(xml.contains("<InstdAmt Ccy=\"JOD\">0.999</InstdAmt>"));
    assert!(xml.contains("<InstdAmt Ccy=\"JOD\">1.000</InstdAmt>"));
    assert!(xml.contains("<BICFI>ARABJOAX</BICFI>"));
    assert!(xml.contains("<Id>JOMOPAY-ZAINCASH</Id>"));
    assert!(xml.contains("<Id>+962790000002</Id>"));
    assert!(xml.contains("<Prtry>MSISDN</Prtry>"));
    assert!(xml.contains("<Id>9800000001</Id>"));
    assert!(xml.contains("<Cd>NIDN</Cd>"));
    let long = format!("<Nm>{}</Nm>", "محمد ".repeat(28).trim_end());
    assert!(xml.contains(&long), "a name is cut at 140 characters");
    // The blank name and the empty remittance are left out, not written empty.
    assert_eq!(xml.matches("<Cdtr>").count(), 5);
    assert_eq!(xml.matches("<Nm>").count(), 2 + 4);
    assert_eq!(xml.matches("<Ustrd>").count(), 3);
}

#[test]
fn the_same_batch_gives_the_same_bytes_with_its_sums_and_counts() {
    let p = Providers::jordan();
    let (d, payments) = (debtor(), mixed(&p));
    let b = batch(&d, &payments);
    let first = pain001(&b, &p).unwrap();
    assert_eq!(first, pain001(&b, &p).unwrap());
    assert_eq!(payments_csv(&b, &p).unwrap(), payments_csv(&b, &p).unwrap());
    // 40.000 + 136.000 + 0.001 + 0.999 + 1.000
    assert_eq!(first.matches("<CtrlSum>178.000</CtrlSum>").count(), 2);
    assert_eq!(first.matches("<NbOfTxs>5</NbOfTxs>").count(), 2);
    assert_eq!(first.matches("<CdtTrfTxInf>").count(), 5);
    assert!(first.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\">"));
}

#[test]
fn a_national_payroll_is_written_in_one_piece() {
    let p = Providers::jordan();
    let d = debtor();
    let template = [
        bank_payment(&p, 0, "ARAB", 56_000, "سارة محمود العلي"),
        wallet_payment(&p, 0, "zain_cash", 40_000),
    ];
    let payments: Vec<Payment> = (0..220_000u64)
        .map(|i| {
            let mut pay = template[(i % 2) as usize].clone();
            pay.end_to_end_id = format!("UCT202612-{i:07}");
            pay
        })
        .collect();
    let xml = pain001(&batch(&d, &payments), &p).unwrap();
    assert_eq!(xml.matches("<CdtTrfTxInf>").count(), 220_000);
    assert!(xml.contains("<CtrlSum>10560000.000</CtrlSum>"));
    let csv = payments_csv(&batch(&d, &payments), &p).unwrap();
    assert_eq!(csv.lines().count(), 220_001);
}

#[test]
fn a_batch_a_bank_would_refuse_is_refused_before_it_is_written() {
    let p = Providers::jordan();
    let d = debtor();
    let good = mixed(&p);
    let check = |payments: &[Payment], code: &str| {
        let err = pain001(&batch(&d, payments), &p).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(payments_csv(&batch(&d, payments), &p).unwrap_err(), err);
    };
    check(&[], "payment.empty");
    let mut long_id = good.clone();
    long_id[1].end_to_end_id = "X".repeat(36);
    check(&long_id, "payment.id");
    let mut twice = good.clone();
    twice[2].end_to_end_id = twice[0].end_to_end_id.clone();
    check(&twice, "payment.duplicate");
    for amount in [0, -40_000] {
        let mut bad = good.clone();
        bad[0].amount_fils = amount;
        check(&bad, "payment.amount");
    }
    let mut no_id = good.clone();
    no_id[3].national_id = " ".into();
    check(&no_id, "payment.national_id");
    let mut tampered = good.clone();
    tampered[0].account = Account::Bank {
        iban: "JO94CBJO0010000000000131000303".into(),
        bank: "CBJO".into(),
    };
    check(&tampered, "payment.account");

    let mut b = batch(&d, &good);
    b.currency = "XYZ";
    assert_eq!(pain001(&b, &p).unwrap_err().code(), "payment.currency");
    let mut b = batch(&d, &good);
    b.execution_date = "25/12/2026".into();
    assert_eq!(pain001(&b, &p).unwrap_err().code(), "payment.date");
    let mut b = batch(&d, &good);
    b.message_id = String::new();
    assert_eq!(pain001(&b, &p).unwrap_err().code(), "payment.id");
    let bad_debtor = Debtor {
        iban: "JO94CBJO0010000000000131000303".into(),
        ..debtor()
    };
    let err = pain001(&batch(&bad_debtor, &good), &p).unwrap_err();
    assert_eq!(err.code(), "payment.debtor");

    // A bank dropped from the configuration refuses the payments to it.
    let json = include_str!("../../config/jordan-banks.json").replace("\"HBHO\"", "\"HBHX\"");
    let without = Providers::from_json(&json).unwrap();
    let err = pain001(&batch(&d, &good), &without).unwrap_err();
    assert_eq!(
        err.to_string(),
        "payment UCT202612-0000003: no bank with the code HBHO is configured"
    );
}

#[test]
fn the_csv_lists_the_batch_row_by_row() {
    let p = Providers::jordan();
    let (d, payments) = (debtor(), mixed(&p));
    let csv = payments_csv(&batch(&d, &payments), &p).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], PAYMENTS_CSV_HEADER.join(","));
    let iban = match &payments[0].account {
        Account::Bank { iban, .. } => iban.clone(),
        Account::Wallet { .. } => unreachable!(),
    };
    assert_eq!(
        lines[1],
        format!(
            "UCT202612-0000001,9800000001,\"فاطمة \"\"أم علي\"\" & <أولادها> 'الخالدي'\",bank,ARAB,{iban},,40000,40.000,JOD,2026-12-25,UCT 2026-12 / برنامج الدعم النقدي"
        )
    );
    assert_eq!(
        lines[2],
        "UCT202612-0000002,9800000002,Omar Hassan,ewallet,zain_cash,,+962790000002,136000,136.000,JOD,2026-12-25,"
    );
    assert_eq!(lines.len(), 6);
}

fn sample_report() -> StatusReport {
    StatusReport {
        message_id: "ARAB-STS-0001".into(),
        original_message_id: Some("NAF-UCT-2026-12-01".into()),
        original_payment_info_id: Some("UCT-2026-12-ALL".into()),
        number_of_transactions: Some(4),
        control_sum_fils: Some(177_999),
        group_outcome: None,
        group_reason: None,
        statuses: vec![
            Status {
                end_to_end_id: "UCT202612-0000001".into(),
                outcome: Outcome::Accepted,
                reason: None,
                amount_fils: Some(40_000),
            },
            Status {
                end_to_end_id: "UCT202612-0000002".into(),
                outcome: Outcome::Rejected,
                reason: Some("AC01: رقم الحساب غير صحيح & <مغلق>".into()),
                amount_fils: Some(136_000),
            },
            Status {
                end_to_end_id: "UCT202612-0000003".into(),
                outcome: Outcome::Returned,
                reason: Some("MD07".into()),
                amount_fils: None,
            },
            Status {
                end_to_end_id: "UCT202612-0000004".into(),
                outcome: Outcome::Rejected,
                reason: Some("the account holder is unknown".into()),
                amount_fils: Some(999),
            },
        ],
        pending: 0,
    }
}

#[test]
fn a_status_report_written_is_read_back_the_same() {
    let report = sample_report();
    let xml = pain002(&report, "NAF-UCT-2026-12-01", "2026-12-26T08:00:00");
    assert!(xml.contains("<TxSts>RTND</TxSts>"));
    assert_eq!(read_pain002(xml.as_bytes()).unwrap(), report);

    let refused = StatusReport {
        message_id: "ARAB-STS-0002".into(),
        original_message_id: Some("NAF-UCT-2026-12-01".into()),
        group_outcome: Some(Outcome::Rejected),
        group_reason: Some("FF01: invalid file format".into()),
        ..StatusReport::default()
    };
    let xml = pain002(&refused, "NAF-UCT-2026-12-01", "2026-12-26T08:00:00");
    assert!(xml.contains("<GrpSts>RJCT</GrpSts>"));
    assert_eq!(read_pain002(xml.as_bytes()).unwrap(), refused);

    let many = StatusReport {
        statuses: (0..220_000)
            .map(|i| Status {
                end_to_end_id: format!("UCT202612-{i:07}"),
                outcome: if i % 10 == 0 {
                    Outcome::Rejected
                } else {
                    Outcome::Accepted
                },
                reason: (i % 10 == 0).then(|| "AC04".to_string()),
                amount_fils: Some(56_000),
            })
            .collect(),
        ..sample_report()
    };
    let xml = pain002(&many, "NAF-UCT-2026-12-01", "2026-12-26T08:00:00");
    let back = read_pain002(xml.as_bytes()).unwrap();
    assert_eq!(back.statuses.len(), 220_000);
    assert_eq!(back, many);
}

/// A report as another bank's system writes it: version 03, a namespace prefix, entities,
/// CDATA, a comment, pending statuses and reasons in two parts.
const FOREIGN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- produced by the bank -->
<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <p:CstmrPmtStsRpt>
  <p:GrpHdr><p:MsgId>HBHO&#x2D;2026&amp;12</p:MsgId><p:CreDtTm>2026-12-26T08:00:00</p:CreDtTm></p:GrpHdr>
  <p:OrgnlGrpInfAndSts>
   <p:OrgnlMsgId>NAF-UCT-2026-12-01</p:OrgnlMsgId><p:OrgnlMsgNmId>pain.001.001.09</p:OrgnlMsgNmId>
   <p:OrgnlNbOfTxs>4</p:OrgnlNbOfTxs><p:OrgnlCtrlSum>232.5</p:OrgnlCtrlSum><p:GrpSts>PART</p:GrpSts>
  </p:OrgnlGrpInfAndSts>
  <p:OrgnlPmtInfAndSts>
   <p:OrgnlPmtInfId>UCT-2026-12-ALL</p:OrgnlPmtInfId>
   <p:TxInfAndSts>
    <p:OrgnlEndToEndId>E1</p:OrgnlEndToEndId><p:TxSts>ACSC</p:TxSts>
    <p:OrgnlTxRef><p:Amt><p:InstdAmt Ccy="JOD">40</p:InstdAmt></p:Amt>
     <p:CdtrAcct><p:Id><p:Othr><p:Id>x</p:Id><p:SchmeNm><p:Cd>BBAN</p:Cd></p:SchmeNm></p:Othr></p:Id></p:CdtrAcct></p:OrgnlTxRef>
   </p:TxInfAndSts>
   <p:TxInfAndSts>
    <p:OrgnlEndToEndId>E2</p:OrgnlEndToEndId><p:TxSts>RJCT</p:TxSts>
    <p:StsRsnInf><p:Rsn><p:Prtry>NOACC</p:Prtry></p:Rsn><p:AddtlInf>account</p:AddtlInf><p:AddtlInf><![CDATA[closed <2019>]]></p:AddtlInf></p:StsRsnInf>
    <p:StsRsnInf><p:Rsn><p:Cd>AC04</p:Cd></p:Rsn></p:StsRsnInf>
   </p:TxInfAndSts>
   <p:TxInfAndSts><p:OrgnlEndToEndId>E3</p:OrgnlEndToEndId><p:TxSts>PDNG</p:TxSts></p:TxInfAndSts>
   <p:TxInfAndSts><p:OrgnlEndToEndId>E4</p:OrgnlEndToEndId><p:TxSts>RCVD</p:TxSts></p:TxInfAndSts>
  </p:OrgnlPmtInfAndSts>
 </p:CstmrPmtStsRpt>
</p:Document>
"#;

#[test]
fn another_version_with_prefixes_entities_and_pending_statuses_is_read() {
    let r = read_pain002(FOREIGN.as_bytes()).unwrap();
    assert_eq!(r.message_id, "HBHO-2026&12");
    assert_eq!(r.original_message_id.as_deref(), Some("NAF-UCT-2026-12-01"));
    assert_eq!(r.number_of_transactions, Some(4));
    assert_eq!(r.control_sum_fils, Some(232_500));
    assert_eq!(r.group_outcome, None);
    assert_eq!(r.pending, 2);
    assert_eq!(
        r.statuses,
        vec![
            Status {
                end_to_end_id: "E1".into(),
                outcome: Outcome::Accepted,
                reason: None,
                amount_fils: Some(40_000),
            },
            Status {
                end_to_end_id: "E2".into(),
                outcome: Outcome::Rejected,
                reason: Some("NOACC: account closed <2019>; AC04".into()),
                amount_fils: None,
            },
        ]
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), FOREIGN.as_bytes()].concat();
    assert_eq!(read_pain002(&bom).unwrap(), r);
}

#[test]
fn malformed_status_reports_are_refused_with_the_place_named() {
    let good = pain002(
        &sample_report(),
        "NAF-UCT-2026-12-01",
        "2026-12-26T08:00:00",
    );
    let cut_in_text = &good[..good.find("RTND").unwrap() + 2];
    let cut_in_tag = &good[..good.find("<TxSts>RTND").unwrap() + 4];
    let cases: Vec<(String, &str, &str)> = vec![
        ("hello".into(), "status.not_xml", "text outside the root element"),
        ("".into(), "status.not_xml", "no root element"),
        (
            format!("<Document xmlns=\"{PAIN002_NAMESPACE}\">\n<CstmrPmtStsRpt>\n<b></CstmrPmtStsRpt>"),
            "status.not_xml",
            "line 3",
        ),
        (cut_in_text.into(), "status.truncated", "inside <TxSts>"),
        (cut_in_tag.into(), "status.truncated", "inside <TxInfAndSts>"),
        ("<html><body/></html>".into(), "status.not_pain002", "<html>"),
        (
            r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>"#.into(),
            "status.not_pain002",
            "pain.001.001.09",
        ),
        (
            good.replace("pain.002.001.10", "pain.002.001.13"),
            "status.not_pain002",
            "pain.002.001.13 is not a version read here",
        ),
        ("<Document><CstmrPmtStsRpt/></Document>".into(), "status.not_pain002", "no namespace"),
        (good.replace("<TxSts>RTND", "<TxSts>XXXX"), "status.unknown", "\"XXXX\""),
        (good.replace(">136.000<", ">12.3456<"), "status.amount", "more than 3 decimals"),
        (good.replace("Ccy=\"JOD\">136", "Ccy=\"USD\">136"), "status.currency", "\"USD\""),
        (
            good.replace("<OrgnlEndToEndId>UCT202612-0000002</OrgnlEndToEndId>", ""),
            "status.end_to_end_id",
            "line 17",
        ),
        (
            good.replace("<TxSts>MD07", "").replace("<TxSts>RTND</TxSts>", ""),
            "status.missing",
            "UCT202612-0000003",
        ),
        (
            good.replace("UCT202612-0000004", "UCT202612-0000001"),
            "status.duplicate",
            "UCT202612-0000001",
        ),
        (good.replace("<OrgnlNbOfTxs>4", "<OrgnlNbOfTxs>four"), "status.count", "\"four\""),
        (good.replace("&amp;", "&nbsp;"), "status.not_xml", "&nbsp;"),
        (format!("{good}<Document/>"), "status.not_xml", "second root"),
    ];
    for (xml, code, needle) in cases {
        let err = read_pain002(xml.as_bytes()).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.code(), code, "{msg}\n{xml}");
        assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
    }
}

#[test]
fn status_csvs_are_read_with_line_numbers_on_errors() {
    let csv = "\u{FEFF}End_To_End_Id,Status,Reason,Amount_Fils\n\
               E1,accepted,,40000\n\
               E2, REJECTED ,AC04,\n\
               E3,Returned,\"MD07: deceased, 2026\",56000\n";
    let r = read_status_csv(csv.as_bytes()).unwrap();
    assert_eq!(r.message_id, "");
    assert_eq!(
        r.statuses
            .iter()
            .map(|s| (
                s.end_to_end_id.as_str(),
                s.outcome,
                s.reason.as_deref(),
                s.amount_fils
            ))
            .collect::<Vec<_>>(),
        vec![
            ("E1", Outcome::Accepted, None, Some(40_000)),
            ("E2", Outcome::Rejected, Some("AC04"), None),
            (
                "E3",
                Outcome::Returned,
                Some("MD07: deceased, 2026"),
                Some(56_000)
            ),
        ]
    );
    let short = read_status_csv(b"end_to_end_id,status,reason\nE1,accepted,\n").unwrap();
    assert_eq!(short.statuses[0].amount_fils, None);

    let cases: [(&[u8], &str, &str); 8] = [
        (
            b"id,status,reason\nE1,accepted,\n",
            "status.header",
            "end_to_end_id,status,reason[,amount_fils]",
        ),
        (
            b"end_to_end_id,status,reason\nE1,accepted,\nE2,paid,\n",
            "status.unknown",
            "line 3",
        ),
        (
            b"end_to_end_id,status,reason,amount_fils\nE1,accepted,,12.5\n",
            "status.amount",
            "line 2",
        ),
        (
            b"end_to_end_id,status,reason,amount_fils\nE1,accepted,,-5\n",
            "status.amount",
            "\"-5\"",
        ),
        (
            b"end_to_end_id,status,reason\n,accepted,\n",
            "status.end_to_end_id",
            "line 2",
        ),
        (
            b"end_to_end_id,status,reason\nE1,accepted,\nE1,rejected,AC01\n",
            "status.duplicate",
            "line 3",
        ),
        (
            b"end_to_end_id,status,reason\nE1,accepted\n",
            "status.csv",
            "line 2",
        ),
        (
            b"end_to_end_id,status,reason\nE1,accepted,\xff\n",
            "status.csv",
            "not UTF-8",
        ),
    ];
    for (text, code, needle) in cases {
        let err = read_status_csv(text).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.code(), code, "{msg}");
        assert!(msg.contains(needle), "{msg:?} should name {needle:?}");
    }
}
