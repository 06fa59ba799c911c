//! Cross-checks against an independent implementation: the data generator's output is audited
//! by `handoff` and by `tests/reference/handoff_ref.py` (a Python reading of SPEC.md written
//! separately), and every figure must agree (floats to a relative 1e-9).

use std::path::Path;
use std::process::Command;

use crate::common::{generate, root, run, stderr, stdout};

fn python() -> Command {
    Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
}

/// Figures the generated data must exercise for the comparison to be worth something.
const EXERCISED: &[&str] = &[
    "/follow_up/in_window",
    "/follow_up/late",
    "/follow_up/never",
    "/ownership/unowned",
    "/data_quality/duplicate_keys/marketing",
    "/data_quality/duplicate_keys/crm",
    "/data_quality/marketing_without_crm",
    "/definition/mismatches/mql_not_ready",
    "/definition/mismatches/ready_not_mql",
];

/// Audit `config` with both implementations and require identical figures, and that every
/// figure in `exercised` is above zero.
fn agree(config: &Path, exercised: &[&str]) {
    let cfg = config.to_str().unwrap();
    let ours = run(&["audit", "--config", cfg, "--format", "json"]);
    assert!(
        ours.status.success(),
        "{cfg}: handoff failed: {}",
        stderr(&ours)
    );
    let dir = config.parent().unwrap();
    std::fs::write(dir.join("handoff.json"), &ours.stdout).unwrap();
    let theirs = python()
        .arg(root().join("tests/reference/handoff_ref.py"))
        .args(["--config", cfg])
        .output()
        .expect("python3 runs the reference implementation");
    assert!(
        theirs.status.success(),
        "{cfg}: reference failed: {}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    std::fs::write(dir.join("reference.json"), &theirs.stdout).unwrap();
    let cmp = python()
        .arg(root().join("tests/reference/compare.py"))
        .arg(dir.join("handoff.json"))
        .arg(dir.join("reference.json"))
        .output()
        .unwrap();
    assert!(
        cmp.status.success(),
        "{cfg}: figures differ from the reference implementation:\n{}",
        String::from_utf8_lossy(&cmp.stdout)
    );
    let r: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    for p in exercised {
        let v = r
            .pointer(p)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        assert!(v > 0, "{p} is 0 in {}", stdout(&ours));
    }
}

#[test]
fn generated_data_matches_the_reference_implementation() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--leads", "20000", "--seed", "11"]);
    agree(&dir.path().join("handoff.toml"), EXERCISED);
}

#[test]
fn generated_data_without_activities_and_ready_when_any_matches_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        &[
            "--leads",
            "8000",
            "--seed",
            "12",
            "--no-activities",
            "--ready-when",
            "any",
        ],
    );
    // Without activities (and no CRM first-touch column) nothing is ever followed up.
    agree(&dir.path().join("handoff.toml"), &EXERCISED[3..]);
}

#[test]
fn every_fixture_matches_the_reference_implementation() {
    let mut configs = vec![root().join("fixtures/demo/handoff.toml")];
    for group in ["fixtures/small", "fixtures/small/definition"] {
        for entry in std::fs::read_dir(root().join(group)).unwrap() {
            let cfg = entry.unwrap().path().join("handoff.toml");
            let name = cfg
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            // Error fixtures exit 2 by design; their messages have their own tests.
            if cfg.is_file() && !name.starts_with("err_") {
                configs.push(cfg);
            }
        }
    }
    assert!(configs.len() > 30, "fixtures not found");
    for cfg in configs {
        let dir = tempfile::tempdir().unwrap();
        // Copy the fixture so the JSON files land outside the source tree.
        let src = cfg.parent().unwrap();
        for e in std::fs::read_dir(src).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
            }
        }
        agree(&dir.path().join("handoff.toml"), &[]);
    }
}
