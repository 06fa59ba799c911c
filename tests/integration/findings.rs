//! Findings in the report and `handoff compare` on two small fixtures with hand-worked figures.
//!
//! `fixtures/findings/healthy`: five leads (three handed over in May, two in June), each touched
//! 30 minutes after its handover by its own owner, every one accepted by sales and meeting the
//! one-criterion definition reviewed on 2026-06-01. `fixtures/findings/worse`: the same leads,
//! but the two June handoffs are never touched.

use std::fs;

use serde_json::Value;

use crate::common::{audit_json, fixture, run, stderr, stdout};

#[test]
fn a_healthy_data_set_has_no_finding_and_says_so() {
    let r = audit_json(&fixture("findings/healthy/handoff.toml"), &[]);
    assert_eq!(r["findings"], Value::Array(vec![]));
    let out = run(&[
        "audit",
        "--config",
        fixture("findings/healthy/handoff.toml").to_str().unwrap(),
    ]);
    assert!(stdout(&out).contains("No findings: every figure is within its limit."));
}

#[test]
fn a_worse_june_raises_exactly_the_worsening_finding() {
    let r = audit_json(&fixture("findings/worse/handoff.toml"), &[]);
    let findings = r["findings"].as_array().unwrap();
    // May: 3 eligible, 3 followed (100%), 0 breaches. June: 2 eligible, 0 followed, 2 breaches.
    // Follow-up rate fell 100 points and breach rate rose 100 points (limit 5 points).
    // Overall: follow-up 3/5 = 0.6 (limit 0.35: fine), breaches 2, no owner holds 5 breaches.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["id"], "worsening");
    assert_eq!(f["area"], "follow_up");
    assert_eq!(f["leads"], 2);
    // Every evidence value is the figure at its path in the same report.
    for e in f["evidence"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        assert_eq!(r.pointer(path), Some(&e["value"]), "{path}");
    }
}

fn write_report(dir: &std::path::Path, name: &str, fixture_name: &str) -> String {
    let r = audit_json(&fixture(fixture_name), &[]);
    let p = dir.join(name);
    fs::write(&p, serde_json::to_vec(&r).unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn compare_reports_hand_worked_deltas_and_fails_on_regression() {
    let dir = tempfile::tempdir().unwrap();
    let before = write_report(dir.path(), "before.json", "findings/healthy/handoff.toml");
    let after = write_report(dir.path(), "after.json", "findings/worse/handoff.toml");
    let out = run(&["compare", &before, &after, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fig = |path: &str| {
        c["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("no figure {path}"))
            .clone()
    };
    // Follow-up rate 5/5 = 1.0 → 3/5 = 0.6: change −0.4, worse.
    let f = fig("/follow_up/follow_up_rate");
    assert_eq!(
        (f["before"].as_f64(), f["after"].as_f64()),
        (Some(1.0), Some(0.6))
    );
    assert!((f["change"].as_f64().unwrap() + 0.4).abs() < 1e-12);
    assert_eq!(f["verdict"], "worse");
    // Breach rate 0/5 = 0 → 2/5 = 0.4: change +0.4, worse.
    let f = fig("/follow_up/breach_rate");
    assert!((f["change"].as_f64().unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(f["verdict"], "worse");
    // Handed over 5 → 5.
    assert_eq!(fig("/follow_up/handed_over")["change"], 0);
    // The owners Dan Orr and Eve Kim went from 0 to 1 breach out of 1.
    let owners: Vec<&str> = c["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, ["Dan Orr", "Eve Kim"]);
    assert_eq!(c["findings"]["new"], serde_json::json!(["worsening"]));
    assert_eq!(c["findings"]["resolved"], serde_json::json!([]));

    let out = run(&["compare", &before, &after, "--fail-on-regression"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/follow_up/breach_rate"),
        "{}",
        stderr(&out)
    );
    let out = run(&["compare", &before, &before, "--fail-on-regression"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn compare_refuses_a_report_missing_a_needed_key() {
    let dir = tempfile::tempdir().unwrap();
    let before = write_report(dir.path(), "before.json", "findings/healthy/handoff.toml");
    let mut old: Value = serde_json::from_str(&fs::read_to_string(&before).unwrap()).unwrap();
    old["follow_up"]
        .as_object_mut()
        .unwrap()
        .remove("breach_rate");
    let old_path = dir.path().join("old.json");
    fs::write(&old_path, old.to_string()).unwrap();
    let out = run(&["compare", old_path.to_str().unwrap(), &before]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("breach_rate"), "{}", stderr(&out));
}
