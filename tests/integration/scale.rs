//! The fast path (CRM read beside marketing, activities split across two threads) must give
//! exactly the figures of the general path (`--threads 1`: every file in one ordered pass).

use crate::common::{generate, run, stderr};

#[test]
fn parallel_and_single_threaded_reads_agree_on_generated_data() {
    // 100k leads (about 77 MB) in release mode, as `.ci/run` runs the tests; fewer in debug.
    let leads = if cfg!(debug_assertions) {
        "20000"
    } else {
        "100000"
    };
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--leads", leads, "--seed", "3"]);
    // Damage both halves of the activity file so the second chunk's skipped rows must carry
    // absolute line numbers: a ragged row, an unparsable time, a quoted newline before them.
    let path = dir.path().join("activities.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    lines.insert(n * 3 / 4, "x@y.z,not a time,Call,Ann,Hello,");
    lines.insert(n * 3 / 4, "ragged,row");
    lines.insert(
        n / 2 + 7,
        "q@y.z,2026-09-01T10:00:00Z,Call,Ann,\"two\nlines\",",
    );
    lines.insert(n / 4, "ragged,row");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let cfg = dir.path().join("handoff.toml");
    let cfg = cfg.to_str().unwrap();
    let fast = run(&[
        "audit",
        "--config",
        cfg,
        "--format",
        "json",
        "--threads",
        "2",
    ]);
    assert!(fast.status.success(), "{}", stderr(&fast));
    let general = run(&[
        "audit",
        "--config",
        cfg,
        "--format",
        "json",
        "--threads",
        "1",
    ]);
    assert!(general.status.success(), "{}", stderr(&general));
    let fast: serde_json::Value = serde_json::from_slice(&fast.stdout).unwrap();
    let general: serde_json::Value = serde_json::from_slice(&general.stdout).unwrap();
    assert!(fast["inputs"]["activities"]["rows"].as_u64().unwrap() > 90_000);
    assert_eq!(fast["inputs"]["activities"]["skipped"], 3);
    assert_eq!(fast, general);
}
