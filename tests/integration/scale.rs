//! The fast path (the marketing file in two chunks on two threads, then the CRM file and part
//! of the activity file on one thread while the rest of the activities are read on the other)
//! must give exactly the figures of the general path (`--threads 1`: every file in one ordered
//! pass).

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
    // The marketing file too: a ragged row in each half, an unreadable handover in the second,
    // and a key of the first half handed over again, earlier, in the second (SPEC rule 1 must
    // pick that row across the cut).
    let path = dir.path().join("marketing.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len();
    let early = lines[10].split(',').next().unwrap().to_uppercase();
    lines.insert(n * 3 / 4, "ragged,row".into());
    lines.insert(n * 2 / 3, "late@y.z,yesterday,yes,,,,,,".into());
    lines.insert(
        n * 2 / 3,
        format!("{early},2024-01-02T03:04:05Z,yes,2023-12-01,Webinar,Confirmed,500,Canada,CEO"),
    );
    lines.insert(n / 4, "ragged,row".into());
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let cfg = dir.path().join("handoff.toml");
    let cfg = cfg.to_str().unwrap();
    let audit = |threads: &str| {
        let details = dir.path().join(format!("details-{threads}.csv"));
        let out = run(&[
            "audit",
            "--config",
            cfg,
            "--format",
            "json",
            "--threads",
            threads,
            "--details",
            details.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (json, std::fs::read_to_string(details).unwrap())
    };
    let (fast, fast_details) = audit("2");
    let (general, general_details) = audit("1");
    assert!(fast["inputs"]["activities"]["rows"].as_u64().unwrap() > 90_000);
    assert_eq!(fast["inputs"]["activities"]["skipped"], 3);
    assert_eq!(fast["inputs"]["marketing"]["skipped"], 3);
    assert_eq!(fast, general);
    // Per lead, in first-seen order, with the values each criterion read.
    assert_eq!(fast_details, general_details);
    let row = fast_details
        .lines()
        .find(|l| l.to_uppercase().contains(&early))
        .unwrap();
    assert!(row.contains("2024-01-02T03:04:05Z"), "{row}");
}

/// A column whose first half settles day-first and whose second half settles month-first (no
/// value of either half reads both ways): one pass settles the order on the first half and
/// reads the second half's values as unreadable. Two chunks settle it differently, so the file
/// is read again in one piece: the same report either way.
#[test]
fn a_date_order_that_changes_between_chunks_reads_as_one_pass_does() {
    if cfg!(debug_assertions) {
        return; // needs a file above the size read in two chunks
    }
    let dir = tempfile::tempdir().unwrap();
    let mut m = String::from("Email,MQL Date,Created\n");
    let rows = 200_000;
    for i in 0..rows {
        let created = if i < rows / 2 {
            format!("{}/03/2026 10:00", 13 + i % 15)
        } else {
            format!("03/{}/2026 10:00", 13 + i % 15)
        };
        m.push_str(&format!(
            "lead{i}@example.com,2026-04-01T10:00:00Z,{created}\n"
        ));
    }
    std::fs::write(dir.path().join("m.csv"), m).unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "Email,Owner\nlead1@example.com,Ann\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("handoff.toml"),
        "[audit]\nas_of = \"2026-05-01T00:00:00Z\"\n\
         [marketing]\npath = \"m.csv\"\nkey = \"Email\"\nhanded_over_at = \"MQL Date\"\ncreated_at = \"Created\"\n\
         [crm]\npath = \"c.csv\"\nkey = \"Email\"\nowner = \"Owner\"\n",
    )
    .unwrap();
    let cfg = dir.path().join("handoff.toml");
    let audit = |threads: &str| {
        let out = run(&[
            "audit",
            "--config",
            cfg.to_str().unwrap(),
            "--format",
            "json",
            "--threads",
            threads,
        ]);
        assert!(out.status.success(), "threads {threads}: {}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (fast, general) = (audit("2"), audit("1"));
    assert_eq!(fast, general);
    let warnings = fast["warnings"].to_string();
    assert!(
        warnings.contains("100000 value(s) of column `Created`"),
        "{warnings}"
    );
    // The first value of the second half: lead 100000, day 13 + 100000 % 15.
    assert!(warnings.contains("e.g. `03/23/2026 10:00`"), "{warnings}");
}
