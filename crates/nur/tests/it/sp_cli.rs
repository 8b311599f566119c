//! The social registry's targeting commands with bad input: each refused with a clear error
//! before anything runs, and nothing written.

use crate::{nur, run};

fn fails(args: &[&str]) -> String {
    let out = nur().args(args).output().unwrap();
    assert!(!out.status.success(), "nur {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn targeting_commands_refuse_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", tmp.path().join("nur.db").display());
    run(&["init", "--db", &db]);
    let file = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let out = tmp.path().join("model.json").display().to_string();
    let fit = |survey: &str| {
        fails(&[
            "sp", "pmt", "fit", "--db", &db, "--survey", survey, "--out", &out,
        ])
    };
    let header = "survey_id,governorate,members,consumption_pc_jod\n";
    assert!(fit(&file("empty.csv", "")).contains("consumption_pc_jod"));
    let e = fit(&file("bad.csv", &format!("{header}S1,11,three,80\n")));
    assert!(e.contains("no column"), "{e}");
    let e = fails(&[
        "sp",
        "pmt",
        "fit",
        "--db",
        &db,
        "--survey",
        &file("s.csv", header),
        "--by",
        "district",
        "--out",
        &out,
    ]);
    assert!(e.contains("urban_rural or governorate"), "{e}");
    assert!(!std::path::Path::new(&out).exists(), "nothing written");
    let e = fails(&[
        "sp",
        "pmt",
        "publish",
        "--db",
        &db,
        &file("m.json", "{\"name\": 1}"),
    ]);
    assert!(e.contains("not valid JSON"), "{e}");

    // Programs: the pilots listed; a rule that does not compile refused with its position.
    let list = run(&["sp", "programs", "list", "--db", &db]);
    assert_eq!(list.lines().count(), 6, "{list}");
    assert!(list.contains("UCT") && list.contains("JHCO"), "{list}");
    let uct = run(&["sp", "programs", "show", "--db", &db, "UCT"]);
    let broken = uct.replacen("facts.cars > 0 &&", "facts.cars > 0 &&&", 1);
    let e = fails(&[
        "sp",
        "programs",
        "save",
        "--db",
        &db,
        &file("uct.json", &broken),
    ]);
    assert!(e.contains("car_under_5_years") && e.contains(":1:"), "{e}");
    let e = fails(&[
        "sp",
        "programs",
        "save",
        "--db",
        &db,
        &file(
            "q.json",
            &uct.replacen("\"quota_share\": 0.0525", "\"quota\": -3", 1),
        ),
    ]);
    assert!(e.contains("quota"), "{e}");
    // Targeting before any model, and a malformed --set.
    let e = fails(&[
        "sp",
        "target",
        "--db",
        &db,
        "--program",
        "UCT",
        "--simulate",
    ]);
    assert!(e.contains("no model is published"), "{e}");
    let e = fails(&[
        "sp",
        "target",
        "--db",
        &db,
        "--program",
        "UCT",
        "--simulate",
        "--set",
        "nonsense",
    ]);
    assert!(e.contains("RULE=CEL"), "{e}");
    assert_eq!(
        run(&["sp", "programs", "list", "--db", &db])
            .lines()
            .count(),
        6,
        "nothing saved"
    );
}
