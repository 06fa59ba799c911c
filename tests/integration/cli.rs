//! The command line as a user meets it: the JSON contract, errors that say what to change,
//! `init` + `validate`, `check` and JUnit.

use std::fs;

use serde_json::Value;

use crate::common::{audit_json, fixture, run, stderr, stdout};

/// Every key of SPEC "JSON report" for the sections the core audit fills.
#[test]
fn demo_json_has_every_spec_key() {
    let r = audit_json(&fixture("demo/handoff.toml"), &[]);
    let paths = [
        "/as_of",
        "/as_of_source",
        "/sla/hours",
        "/sla/clock",
        "/inputs/marketing/path",
        "/inputs/marketing/rows",
        "/inputs/marketing/skipped",
        "/inputs/marketing/footer_lines",
        "/inputs/crm/rows",
        "/inputs/activities/rows",
        "/follow_up/handed_over",
        "/follow_up/in_window",
        "/follow_up/eligible",
        "/follow_up/followed_up",
        "/follow_up/within_sla",
        "/follow_up/late",
        "/follow_up/never",
        "/follow_up/breaches",
        "/follow_up/follow_up_rate",
        "/follow_up/sla_met_rate",
        "/follow_up/breach_rate",
        "/follow_up/hours_to_first_touch/median",
        "/follow_up/hours_to_first_touch/p90",
        "/follow_up/buckets/0/label",
        "/follow_up/buckets/0/count",
        "/ownership/unowned",
        "/ownership/unowned_breaches",
        "/ownership/owners/0/owner",
        "/ownership/owners/0/eligible",
        "/ownership/owners/0/followed_up",
        "/ownership/owners/0/within_sla",
        "/ownership/owners/0/breaches",
        "/ownership/owners/0/dispositioned",
        "/definition/name",
        "/definition/version",
        "/definition/reviewed",
        "/definition/stale",
        "/definition/evaluated",
        "/definition/ready",
        "/definition/mismatches/mql_not_ready",
        "/definition/mismatches/ready_not_mql",
        "/definition/mismatches/ready_rejected",
        "/definition/mismatches/not_ready_accepted",
        "/definition/failing_criteria/0/id",
        "/definition/failing_criteria/0/count",
        "/definition/crosstab/0/marketing",
        "/definition/crosstab/0/definition",
        "/definition/crosstab/0/sales",
        "/definition/crosstab/0/count",
        "/feedback/eligible",
        "/feedback/dispositioned",
        "/feedback/coverage",
        "/feedback/dispositions/0/value",
        "/feedback/dispositions/0/count",
        "/feedback/reasons/0/value",
        "/feedback/reasons/0/count",
        "/months/0/month",
        "/months/0/handed_over",
        "/months/0/eligible",
        "/months/0/followed_up",
        "/months/0/breaches",
        "/months/0/dispositioned",
        "/months/0/mql_not_ready",
        "/data_quality/duplicate_keys/marketing",
        "/data_quality/duplicate_keys/crm",
        "/data_quality/marketing_without_crm",
        "/data_quality/activities_without_marketing",
        "/data_quality/touches_before_handover",
        "/data_quality/skipped_rows",
        "/data_quality/skipped_rows_total",
        "/data_quality/unparsable",
        "/warnings",
    ];
    for p in paths {
        assert!(r.pointer(p).is_some(), "missing {p}");
    }
    let labels: Vec<&str> = r["follow_up"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["<=5m", "<=1h", "<=24h", "<=SLA", ">SLA", "never"]);
}

/// The demo's headline figures, as its generator computed them independently
/// (fixtures/demo/README.md) and as the Python reference implementation agrees.
#[test]
fn demo_headline_figures() {
    let r = audit_json(&fixture("demo/handoff.toml"), &[]);
    let f = &r["follow_up"];
    assert_eq!(f["handed_over"], 306);
    assert_eq!(f["in_window"], 7);
    assert_eq!(f["eligible"], 299);
    assert_eq!(f["followed_up"], 197);
    assert_eq!(f["within_sla"], 171);
    assert_eq!(f["late"], 26);
    assert_eq!(f["never"], 102);
    assert_eq!(f["breaches"], 128);
    let buckets: Vec<u64> = f["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(buckets, [30, 32, 82, 27, 26, 102]);
    assert_eq!(r["ownership"]["unowned"], 33);
    assert_eq!(r["ownership"]["unowned_breaches"], 29);
    assert_eq!(r["feedback"]["dispositioned"], 191);
    let d = &r["definition"];
    assert_eq!(d["ready"], 214);
    assert_eq!(d["mismatches"]["mql_not_ready"], 109);
    assert_eq!(d["mismatches"]["ready_not_mql"], 17);
    assert_eq!(d["mismatches"]["ready_rejected"], 24);
    assert_eq!(d["mismatches"]["not_ready_accepted"], 23);
    assert_eq!(d["stale"], true);
    assert_eq!(r["data_quality"]["touches_before_handover"], 8);
    assert_eq!(r["data_quality"]["unparsable"]["size"], 5);
}

#[test]
fn table_report_has_every_section_within_100_columns() {
    let out = run(&[
        "audit",
        "--config",
        fixture("demo/handoff.toml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for section in [
        "Summary",
        "Speed to lead",
        "Owners",
        "Feedback loop",
        "Definition alignment",
        "Months",
        "Data quality",
        "Warnings",
    ] {
        assert!(text.lines().any(|l| l == section), "no section {section}");
    }
    assert!(text.starts_with("handoff audit · as of 2026-11-03T22:00:00Z (config) · SLA 48 h"));
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "line wider than 100 columns: {line}"
        );
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

const MARKETING: &str = "Email,MQL Date\na@x.io,2026-03-01T10:00:00Z\n";
const CRM: &str = "Email,Owner\na@x.io,Ann\n";

fn config(extra_audit: &str, key: &str) -> String {
    format!(
        "[audit]\n{extra_audit}\n[marketing]\npath = \"m.csv\"\nkey = \"{key}\"\nhanded_over_at = \"MQL Date\"\n[crm]\npath = \"c.csv\"\nkey = \"Email\"\nowner = \"Owner\"\n"
    )
}

#[test]
fn missing_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.csv", CRM);
    let cfg = write(dir.path(), "handoff.toml", &config("", "Email"));
    let out = run(&["audit", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("m.csv") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn missing_required_column_names_it_and_lists_headers() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.csv", MARKETING);
    write(dir.path(), "c.csv", CRM);
    let cfg = write(dir.path(), "handoff.toml", &config("", "E-mail Address"));
    let out = run(&["audit", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("m.csv"), "{err}");
    assert!(err.contains("`E-mail Address`"), "{err}");
    assert!(err.contains("headers found: `Email`, `MQL Date`"), "{err}");
    assert!(err.contains("closest header is `Email`"), "{err}");
}

#[test]
fn config_typo_names_key_file_line_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.csv", MARKETING);
    write(dir.path(), "c.csv", CRM);
    let cfg = write(
        dir.path(),
        "handoff.toml",
        &config("sla_hour = 24", "Email"),
    );
    let out = run(&["audit", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("handoff.toml"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(
        err.contains("`sla_hour`") && err.contains("did you mean `sla_hours`?"),
        "{err}"
    );
}

#[test]
fn unknown_time_zone_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.csv", MARKETING);
    write(dir.path(), "c.csv", CRM);
    let cfg = write(
        dir.path(),
        "handoff.toml",
        &config("timezone = \"Europe/Berlinn\"", "Email"),
    );
    let out = run(&["audit", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("Europe/Berlinn") && err.contains("`Europe/Berlin`"),
        "{err}"
    );
}

#[test]
fn no_config_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::handoff()
        .current_dir(dir.path())
        .arg("audit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("handoff.toml") && err.contains("handoff init"),
        "{err}"
    );
}

#[test]
fn init_then_validate_reports_only_the_missing_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run(&["init", "--dir", d]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("handoff.toml").is_file());
    assert!(dir.path().join("sales-ready.toml").is_file());
    // A second init refuses to overwrite.
    let again = run(&["init", "--dir", d]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"));

    let cfg = dir.path().join("handoff.toml");
    let out = run(&["validate", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("handoff: problem:"))
        .collect();
    assert_eq!(problems.len(), 3, "{err}");
    for (p, file) in problems
        .iter()
        .zip(["marketing.csv", "crm.csv", "activities.csv"])
    {
        assert!(p.contains(file) && p.contains("no such file"), "{p}");
    }
    assert!(stdout(&out).contains("ok: definition"), "{}", stdout(&out));
}

#[test]
fn validate_passes_on_the_demo() {
    let out = run(&[
        "validate",
        "--config",
        fixture("demo/handoff.toml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("ok: definition") && text.contains("4 criteria"),
        "{text}"
    );
}

#[test]
fn check_fails_on_a_broken_limit_and_passes_when_all_hold() {
    let cfg = fixture("demo/handoff.toml");
    let cfg = cfg.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = run(&["check", "--config", cfg, "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    // Demo: breach rate 128/299 = 0.428 > 0.20.
    let breach = text
        .lines()
        .find(|l| l.starts_with("max_breach_rate"))
        .unwrap();
    assert!(breach.ends_with("FAIL"), "{breach}");
    let follow = text
        .lines()
        .find(|l| l.starts_with("min_follow_up_rate"))
        .unwrap();
    assert!(follow.ends_with("PASS"), "{follow}");
    let xml = fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert_eq!(xml.matches("<failure ").count(), 3);
    assert!(xml.contains("failures=\"3\""));

    let out = run(&[
        "check",
        "--config",
        cfg,
        "--max-breach-rate",
        "0.5",
        "--min-disposition-coverage",
        "0.6",
        "--max-mql-not-ready-rate",
        "0.4",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("all 4 thresholds hold"));
}

#[test]
fn as_of_flag_changes_the_window() {
    let cfg = fixture("demo/handoff.toml");
    let r: Value = audit_json(&cfg, &["--as-of", "2026-08-01"]);
    assert_eq!(r["as_of_source"], "flag");
    // 2026-08-01 23:59:59 EDT = 2026-08-02T03:59:59Z.
    assert_eq!(r["as_of"], "2026-08-02T03:59:59Z");
}

#[test]
fn details_has_one_row_per_key_and_every_csv_is_safe_in_excel() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.csv",
        "Email,MQL Date\na@x.io,2026-03-01T10:00:00Z\nb@x.io,2026-03-01T11:00:00Z\nA@X.io,2026-03-02T10:00:00Z\nc@x.io,\n=cmd|' /C calc'!A0,2026-03-01T10:00:00Z\n",
    );
    write(
        dir.path(),
        "c.csv",
        "Email,Owner\na@x.io,\"=HYPERLINK(\"\"x\"\")\"\nb@x.io,<script>alert(1)</script>\n",
    );
    let cfg = write(
        dir.path(),
        "handoff.toml",
        &config("as_of = \"2026-03-10\"", "Email"),
    );
    let cfg = cfg.to_str().unwrap();
    let details = dir.path().join("details.csv");
    let out = run(&[
        "audit",
        "--config",
        cfg,
        "--format",
        "csv",
        "--details",
        details.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Keys: a@x.io (twice, mixed case), b@x.io, c@x.io and the formula-looking key: 4 distinct.
    let text = fs::read_to_string(&details).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][1], "'=HYPERLINK(\"x\")");
    assert_eq!(&rows[3][0], "'=cmd|' /C calc'!A0");
    for cell in rows.iter().flat_map(|r| r.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@']),
            "unsafe cell {cell}"
        );
    }
    let report = stdout(&out);
    assert!(report.contains("'=HYPERLINK"), "{report}");
    assert!(!report.contains(",=HYPERLINK"), "{report}");

    let out = run(&["audit", "--config", cfg, "--format", "html"]);
    let html = stdout(&out);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>"));
}

#[test]
fn windows_1252_bytes_after_the_first_64_kib_are_read_again_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = b"Email,MQL Date\n".to_vec();
    for i in 0..3000 {
        m.extend_from_slice(format!("user{i}@x.io,2026-03-01T10:00:00Z\n").as_bytes());
    }
    // `é` as Windows-1252 (0xE9), about 100 KB into the file.
    m.extend_from_slice(b"jos\xe9@x.io,2026-03-01T10:00:00Z\n");
    fs::write(dir.path().join("m.csv"), m).unwrap();
    write(dir.path(), "c.csv", "Email,Owner\njosé@x.io,Ann\n");
    let cfg = write(
        dir.path(),
        "handoff.toml",
        &config("as_of = \"2026-03-10\"", "Email"),
    );
    let r = audit_json(&cfg, &[]);
    // Read as Windows-1252 the key is josé@x.io, which the (UTF-8) CRM export has.
    assert_eq!(r["inputs"]["marketing"]["rows"], 3001);
    assert_eq!(r["data_quality"]["marketing_without_crm"], 3000);
    assert_eq!(r["ownership"]["owners"][0]["owner"], "Ann");
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("not valid UTF-8") && warnings.contains("m.csv"),
        "{warnings}"
    );
}
