//! Enrollment cycles, payments and appeals through `nur-app`, on both backends: a UCT cycle
//! prepared from the run, refused to its preparer and approved by a second person; a death
//! applied before approval stops its household; payment files validated against the
//! official pain.001.001.09 schema and identical when exported twice; status reports that
//! name an unknown payment or another total change nothing; a rejected payment carried to
//! the next cycle once the account is fixed; accounts checked and held by one person; an
//! appeal overturned and applied in the next cycle; every step audited.

use super::intake::{grant_naf, sp_events};
use super::{operator, world, Backend};
use nur_app::{AccountInput, FileFormat, Kind, NewUser, TargetPlan};
use nur_core::account::Role;
use nur_sp::payment::{Outcome, Status, StatusReport};
use nur_store::AppealFilter;

fn account(w: &super::World, name: &str, role: Role) -> nur_app::Caller {
    w.app
        .create_user(
            &operator(),
            NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                entity: Some("NAF".into()),
                contact: None,
                password: None,
                replace: false,
            },
        )
        .unwrap();
    w.app.caller_for_account(name).unwrap()
}

/// Facts, a model, the truth, the pilots, one run of each and the account directory.
fn prepared(w: &super::World) {
    grant_naf(w);
    w.app
        .compute_all_facts(&operator(), 100, true, &mut |_, _| {})
        .unwrap();
    let model = super::targeting::fit(w);
    w.app.publish_model(&operator(), &model).unwrap();
    w.app
        .score_all(&operator(), None, 500, true, &mut |_, _| {})
        .unwrap();
    w.app.install_pilots(&operator()).unwrap();
    let (uct, _) = w.app.program(&operator(), "UCT", None).unwrap();
    // A quota that selects most households of the small population, so the cycle has
    // payments to every kind of provider.
    let def = uct
        .definition
        .replace("\"quota_share\": 0.0525", "\"quota_share\": 0.5");
    w.app.save_program(&operator(), &def, true).unwrap();
    w.app
        .target(
            &operator(),
            &["UCT".into(), "ENERGY".into()],
            &TargetPlan::default(),
        )
        .unwrap();
    let accounts = std::fs::read(w._data.path().join("SP_Accounts.csv")).unwrap();
    let r = w
        .app
        .import_accounts(&operator(), &mut accounts.as_slice())
        .unwrap();
    assert!(r.set > 0 && r.refused_count == 0, "{r:?}");
}

fn xsd() -> std::path::PathBuf {
    let p = std::env::var_os("NUR_PAIN001_XSD")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/xsd/pain.001.001.09.xsd")
        });
    assert!(
        p.exists(),
        "{} is missing: run scripts/test-tools.sh (it fetches the official schema)",
        p.display()
    );
    p
}

/// Validates a pain.001 file with xmllint against the official schema.
fn validates(xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.xml");
    std::fs::write(&f, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd())
        .arg(&f)
        .output()
        .expect("xmllint (Debian's libxml2-utils; scripts/test-tools.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(super) fn payments(b: Backend) {
    let w = world(b);
    prepared(&w);
    let clerk = account(&w, "naf.clerk", Role::EntityUser);
    let admin = account(&w, "naf.admin", Role::EntityAdmin);
    let admin2 = account(&w, "naf.admin2", Role::EntityAdmin);

    // Bad periods and programs, then the draft.
    for (program, period, code) in [
        ("UCT", "2026-13", "bad_period"),
        ("UCT", "december", "bad_period"),
        ("NOPE", "2026-11", "no_program"),
    ] {
        assert_eq!(
            w.app
                .create_cycle(&clerk, program, period)
                .unwrap_err()
                .code,
            code
        );
    }
    let draft = w.app.create_cycle(&clerk, "UCT", "2026-11").unwrap();
    let id = draft.cycle.id.clone();
    assert_eq!(
        (id.as_str(), draft.cycle.state.as_str()),
        ("UCT-2026-11", "draft")
    );
    assert!(draft.cycle.households > 0, "{:?}", draft.counts);
    assert_eq!(
        w.app
            .create_cycle(&clerk, "UCT", "2026-11")
            .unwrap_err()
            .code,
        "cycle_exists"
    );
    assert_eq!(
        w.app
            .create_cycle(&clerk, "UCT", "2026-12")
            .unwrap_err()
            .code,
        "draft_open"
    );
    let members = w.app.cycle_members(&clerk, &id, Some("enrolled")).unwrap();
    let total: i64 = members.iter().map(|m| m.entitlement_fils).sum();
    assert_eq!(total, draft.cycle.total_fils);
    assert!(members
        .iter()
        .all(|m| m.entitlement_fils <= 136_000 && m.entitlement_fils > 0));

    // The preparer cannot approve; a clerk is no approver; an administrator is.
    let energy = w.app.create_cycle(&admin, "ENERGY", "2026-11").unwrap();
    assert_eq!(
        w.app
            .approve_cycle(&admin, &energy.cycle.id)
            .unwrap_err()
            .code,
        "approver_prepared"
    );
    assert_eq!(
        w.app.approve_cycle(&clerk, &id).unwrap_err().code,
        "approver_prepared"
    );
    assert_eq!(
        w.app
            .approve_cycle(&admin2, "UCT-1999-01")
            .unwrap_err()
            .kind,
        Kind::NotFound
    );

    // A caseworker pauses one household with a note; a death applied before approval stops
    // another (its beneficiary is read again at approval).
    let paused = &members[0];
    assert_eq!(
        w.app
            .set_membership(&clerk, &id, &paused.household, "paused", " ")
            .unwrap_err()
            .code,
        "note_required"
    );
    assert_eq!(
        w.app
            .set_membership(&clerk, &id, &paused.household, "gone", "x")
            .unwrap_err()
            .code,
        "bad_state"
    );
    w.app
        .set_membership(
            &clerk,
            &id,
            &paused.household,
            "paused",
            "moved abroad, to check",
        )
        .unwrap();
    let dead = &members[1];
    let nn = dead.payee.clone().unwrap();
    let cspd = super::user("cspdadmin", Role::EntityAdmin, Some("CSPD"));
    w.app
        .add_source(
            &cspd,
            nur_ingest::cdc::SourceDef {
                name: "cspd-feed".into(),
                kind: nur_ingest::cdc::Kind::Http,
                entity: "CSPD".into(),
                config: Default::default(),
            },
        )
        .unwrap();
    let event = serde_json::json!([{"op": "c", "before": null, "ts_ms": 1_700_000_000_000i64,
        "after": {"Certificate_Number": "DC-T-1", "National_Number": nn, "Death_Date": "2026-11-02",
                  "Death_Place": "11", "Death_Cause": "1", "Age_At_Death": 60, "Registration_Date": "2026-11-03"},
        "source": {"table": "CSPD_Death_Info", "lsn": 12, "ts_ms": 1_700_000_000_000i64}}]);
    w.app
        .ingest_events(
            &super::client_of("CSPD"),
            "cspd-feed",
            &serde_json::to_vec(&event).unwrap(),
        )
        .unwrap();

    let approved = w.app.approve_cycle(&admin, &id).unwrap();
    assert_eq!(approved.cycle.state, "approved");
    assert_eq!(approved.cycle.approved_by.as_deref(), Some("naf.admin"));
    let after = w.app.cycle_members(&clerk, &id, None).unwrap();
    let stopped = after
        .iter()
        .find(|m| m.household == dead.household)
        .unwrap();
    assert_eq!(
        (stopped.state.as_str(), stopped.reason.as_str()),
        ("exited", "died:2026-11-02")
    );
    let paid: Vec<_> = w.app.payments(&clerk, &id, None, None).unwrap();
    assert_eq!(paid.len() as i64, approved.cycle.households);
    assert!(paid
        .iter()
        .all(|p| p.household != dead.household && p.household != paused.household));
    assert_eq!(
        paid.iter().map(|p| p.amount_fils).sum::<i64>(),
        approved.cycle.total_fils
    );
    assert_eq!(
        w.app.approve_cycle(&admin2, &id).unwrap_err().code,
        "not_draft"
    );
    assert_eq!(
        sp_events(&w, "sp.cycle.approve").len(),
        5,
        "refusals are audited too"
    );

    // Payment files: each validates against the official schema, the same bytes twice, the
    // national ID in the creditor's identification; each export audited.
    let files = w
        .app
        .export_payments(&clerk, &id, FileFormat::Pain001, None)
        .unwrap();
    assert!(files.len() >= 2, "{}", files.len());
    for f in &files {
        validates(&f.content);
        assert!(f.content.contains("<Cd>NIDN</Cd>"));
    }
    let again = w
        .app
        .export_payments(&clerk, &id, FileFormat::Pain001, None)
        .unwrap();
    assert_eq!(
        files.iter().map(|f| &f.content).collect::<Vec<_>>(),
        again.iter().map(|f| &f.content).collect::<Vec<_>>()
    );
    let csv = w
        .app
        .export_payments(&clerk, &id, FileFormat::Csv, None)
        .unwrap();
    assert_eq!(csv.iter().map(|f| f.payments).sum::<usize>(), paid.len());
    assert_eq!(sp_events(&w, "sp.payments.export").len(), 3);

    // Status reports: the first provider's file answered, two payments rejected.
    let first = &files[0];
    let mine = w
        .app
        .payments(&clerk, &id, Some(&first.provider), None)
        .unwrap();
    let status = |p: &nur_store::PaymentRow, outcome| Status {
        end_to_end_id: p.end_to_end.clone(),
        outcome,
        reason: (outcome == Outcome::Rejected).then(|| "AC04: closed account".into()),
        amount_fils: Some(p.amount_fils),
    };
    let statuses: Vec<Status> = mine
        .iter()
        .enumerate()
        .map(|(i, p)| {
            status(
                p,
                if i == 0 {
                    Outcome::Rejected
                } else {
                    Outcome::Accepted
                },
            )
        })
        .collect();
    let report = |msg: &str, statuses: Vec<Status>, sum: Option<i64>| StatusReport {
        message_id: msg.into(),
        original_message_id: Some(first.name.trim_end_matches(".xml").into()),
        number_of_transactions: Some(statuses.len() as u64),
        control_sum_fils: sum,
        statuses,
        ..Default::default()
    };
    let sum: i64 = mine.iter().map(|p| p.amount_fils).sum();
    let xml = |r: &StatusReport| nur_sp::payment::pain002(r, "x", "2026-11-26T09:00:00");
    // Another total; an unknown payment; malformed: each refused, nothing changed.
    let wrong_total = report("R-1", statuses.clone(), Some(sum + 1));
    assert_eq!(
        w.app
            .reconcile(&clerk, xml(&wrong_total).as_bytes(), "pain002")
            .unwrap_err()
            .code,
        "total_mismatch"
    );
    let mut with_unknown = statuses.clone();
    with_unknown.push(Status {
        end_to_end_id: "UCT202611-9999999".into(),
        outcome: Outcome::Accepted,
        reason: None,
        amount_fils: None,
    });
    let unknown = report("R-2", with_unknown, None);
    let e = w
        .app
        .reconcile(&clerk, xml(&unknown).as_bytes(), "pain002")
        .unwrap_err();
    assert_eq!(e.code, "unknown_payments");
    assert!(e.message.contains("UCT202611-9999999"), "{}", e.message);
    assert!(w.app.reconcile(&clerk, b"<Document>", "pain002").is_err());
    assert!(w
        .app
        .reconcile(&clerk, b"end_to_end_id,status\nX,maybe\n", "csv")
        .is_err());
    assert!(w
        .app
        .payments(&clerk, &id, None, None)
        .unwrap()
        .iter()
        .all(|p| p.status == "pending"));
    let good = report("R-3", statuses, Some(sum));
    let r = w
        .app
        .reconcile(&clerk, xml(&good).as_bytes(), "pain002")
        .unwrap();
    assert_eq!((r.rejected, r.accepted), (1, mine.len() - 1));
    assert_eq!(
        w.app
            .reconcile(&clerk, xml(&good).as_bytes(), "pain002")
            .unwrap_err()
            .code,
        "report_imported"
    );
    // A CSV report returns an accepted payment; a rejected one cannot become accepted.
    if mine.len() > 1 {
        let csv = format!(
            "end_to_end_id,status,reason\n{},returned,MD07 deceased\n",
            mine[1].end_to_end
        );
        assert_eq!(
            w.app
                .reconcile(&clerk, csv.as_bytes(), "csv")
                .unwrap()
                .returned,
            1
        );
    }
    let back = format!(
        "end_to_end_id,status,reason\n{},accepted,\n",
        mine[0].end_to_end
    );
    assert_eq!(
        w.app
            .reconcile(&clerk, back.as_bytes(), "csv")
            .unwrap_err()
            .code,
        "status_conflict"
    );
    // Paid once no payment is pending: the other providers report too.
    assert_eq!(w.app.cycle(&clerk, &id).unwrap().cycle.state, "approved");
    assert_eq!(w.app.close_cycle(&clerk, &id).unwrap_err().code, "not_paid");
    let pending: Vec<String> = w
        .app
        .payments(&clerk, &id, None, Some("pending"))
        .unwrap()
        .iter()
        .map(|p| format!("{},accepted,", p.end_to_end))
        .collect();
    if !pending.is_empty() {
        let rest = format!("end_to_end_id,status,reason\n{}\n", pending.join("\n"));
        w.app.reconcile(&clerk, rest.as_bytes(), "csv").unwrap();
    }
    assert_eq!(w.app.cycle(&clerk, &id).unwrap().cycle.state, "paid");
    let rejected = w.app.rejections(&clerk, "UCT").unwrap();
    assert!(rejected
        .iter()
        .any(|r| r.payment.end_to_end == mine[0].end_to_end && !r.account_changed));

    // Accounts: a wrong check digit, an account of another person; then the fix.
    let payee = mine[0].payee.clone();
    let bad = AccountInput::Bank {
        iban: "JO94CBJO0010000000000131000303".into(),
    };
    assert_eq!(
        w.app.set_account(&clerk, &payee, &bad).unwrap_err().code,
        "iban.check"
    );
    let other = paid.iter().find(|p| p.payee != payee).unwrap();
    let taken = match (&other.iban, &other.mobile) {
        (Some(iban), _) => AccountInput::Bank { iban: iban.clone() },
        (None, Some(m)) => AccountInput::Ewallet {
            mobile: m.clone(),
            provider: other.provider.clone(),
        },
        _ => unreachable!("a payment has an account"),
    };
    assert_eq!(
        w.app.set_account(&clerk, &payee, &taken).unwrap_err().code,
        "account_held"
    );
    let fixed = AccountInput::Ewallet {
        mobile: "+962791234567".into(),
        provider: "zain_cash".into(),
    };
    let new = w.app.set_account(&clerk, &payee, &fixed).unwrap();
    let history = w.app.accounts_of(&clerk, &payee).unwrap();
    assert!(history[0].active && history[0].seq == new.seq && history.len() >= 2);
    assert!(history[1..]
        .iter()
        .all(|a| !a.active && a.ended_at_ms.is_some()));
    assert!(w
        .app
        .rejections(&clerk, "UCT")
        .unwrap()
        .iter()
        .any(|r| r.account_changed));

    // An appeal by a caseworker against a not-selected household's decision, overturned by
    // another officer; the filer cannot decide it; an unknown program is refused.
    let run = w.store.sp_runs(Some("UCT"), 1).unwrap().remove(0);
    let selected: std::collections::HashSet<String> = w
        .store
        .sp_run_selected(&run.id)
        .unwrap()
        .into_iter()
        .map(|e| e.household)
        .collect();
    let outside = w
        .store
        .sp_target_inputs("", 1000)
        .unwrap()
        .into_iter()
        .find(|i| !selected.contains(&i.household))
        .unwrap()
        .household;
    assert_eq!(
        w.app
            .submit_appeal(&clerk, &outside, "NOPE", "x", vec![])
            .unwrap_err()
            .code,
        "no_decision"
    );
    assert_eq!(
        w.app
            .submit_appeal(&clerk, &outside, "UCT", "  ", vec![])
            .unwrap_err()
            .code,
        "reason_required"
    );
    let bad_doc = nur_app::NewDocument {
        name: "x.pdf".into(),
        content_type: "application/pdf".into(),
        content: b"not a pdf".to_vec(),
    };
    assert_eq!(
        w.app
            .submit_appeal(&clerk, &outside, "UCT", "lost his job", vec![bad_doc])
            .unwrap_err()
            .code,
        "bad_document"
    );
    let doc = nur_app::NewDocument {
        name: "letter.pdf".into(),
        content_type: "application/pdf".into(),
        content: b"%PDF-1.4 a letter".to_vec(),
    };
    let a = w
        .app
        .submit_appeal(
            &clerk,
            &outside,
            "UCT",
            "lost his job last month",
            vec![doc],
        )
        .unwrap();
    assert_eq!(a.appeal.state, "submitted");
    assert_eq!(
        w.app
            .submit_appeal(&clerk, &outside, "UCT", "again", vec![])
            .unwrap_err()
            .code,
        "appeal_open"
    );
    let (_, _, bytes) = w.app.appeal_document(&clerk, &a.appeal.id, 1).unwrap();
    assert_eq!(bytes, b"%PDF-1.4 a letter");
    assert_eq!(
        w.app
            .appeal_step(&admin, &a.appeal.id, "overturned", "x")
            .unwrap_err()
            .code,
        "bad_step"
    );
    w.app
        .appeal_step(&admin, &a.appeal.id, "under_review", "asked SSC")
        .unwrap();
    assert_eq!(
        w.app
            .appeal_step(&clerk, &a.appeal.id, "overturned", "mine")
            .unwrap_err()
            .code,
        "own_appeal"
    );
    let decided = w
        .app
        .appeal_step(&admin, &a.appeal.id, "overturned", "SSC confirms")
        .unwrap();
    assert_eq!(decided.steps.len(), 3);
    assert!(w
        .app
        .appeals(&clerk, AppealFilter::OverdueAt(i64::MAX))
        .unwrap()
        .is_empty());

    // The next cycle: the overturned household enrolled by its appeal, the rejected
    // payment paid again to the fixed account.
    w.app.close_cycle(&clerk, &id).unwrap();
    let next = w.app.create_cycle(&clerk, "UCT", "2026-12").unwrap();
    let members = w.app.cycle_members(&clerk, &next.cycle.id, None).unwrap();
    let appealed = members.iter().find(|m| m.household == outside).unwrap();
    assert_eq!(appealed.source, "appeal");
    assert_eq!(
        w.store
            .sp_appeal(&a.appeal.id)
            .unwrap()
            .unwrap()
            .applied_cycle
            .as_deref(),
        Some(next.cycle.id.as_str())
    );
    let next = w.app.approve_cycle(&admin, &next.cycle.id).unwrap();
    assert_eq!(next.counts.carried, 1);
    let again: Vec<_> = w
        .app
        .payments(&clerk, &next.cycle.id, None, None)
        .unwrap()
        .into_iter()
        .filter(|p| p.carried_from.as_deref() == Some(mine[0].end_to_end.as_str()))
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].mobile.as_deref(), Some("+962791234567"));
    assert!(!sp_events(&w, "sp.appeal.step").is_empty());
    assert!(!sp_events(&w, "sp.account.set").is_empty());
}

both!(payments);
