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
    assert!(fast["inputs"]["activities"]["rows"].as_u64().unwrap() > 100_000);
    assert_eq!(fast, general);
}
