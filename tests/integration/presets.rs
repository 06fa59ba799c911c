//! Vendor presets on real export layouts, and the quirks of real files.
//!
//! `fixtures/presets/<vendor>/` holds the demo company (`fixtures/demo/`) as each vendor's
//! exports write it (see its README.md and `make_presets.py`). Each folder's `handoff.toml`
//! names presets and no column, and must audit to the demo's figures: every section of
//! `follow_up`, `ownership`, `feedback`, `definition`, `months`, `data_quality` and `inputs`
//! (paths aside) equals the demo's, except the sections its `DIFFERS` file names, and those must
//! really differ (a stale `DIFFERS` line fails too).
//!
//! The other tests write small files to a temporary folder: the demo re-encoded three ways
//! (Windows-1252 with semicolons, UTF-8 with BOM and CRLF, UTF-16LE with BOM and tabs), an
//! ambiguous day/month column, Salesforce 15- and 18-character ids, a key Excel turned into a
//! number, and a header that appears twice.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{audit_json, fixture, run, stderr};

/// Sections compared with the demo's report.
const SECTIONS: [&str; 7] = [
    "follow_up",
    "ownership",
    "feedback",
    "definition",
    "months",
    "data_quality",
    "inputs",
];

/// Config keys that name a column; a preset fixture's config must use none of them.
const COLUMN_KEYS: [&str; 14] = [
    "key",
    "handed_over_at",
    "mql",
    "created_at",
    "owner",
    "assigned_at",
    "disposition",
    "disposition_reason",
    "disposition_at",
    "first_touch_at",
    "at",
    "type",
    "subject",
    "outcome",
];

/// The demo's report, computed once.
fn demo() -> &'static Value {
    static DEMO: OnceLock<Value> = OnceLock::new();
    DEMO.get_or_init(|| audit_json(&fixture("demo/handoff.toml"), &[]))
}

/// A section of a report; `inputs` without the paths, which always differ.
fn section(report: &Value, name: &str) -> Value {
    let mut v = report
        .get(name)
        .unwrap_or_else(|| panic!("the report has no `{name}`"))
        .clone();
    if name == "inputs" {
        for source in v.as_object_mut().expect("inputs is an object").values_mut() {
            source.as_object_mut().expect("a source").remove("path");
        }
    }
    v
}

/// The first place where two JSON values differ (floats to a relative 1e-9), as a pointer.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64()?, y.as_f64()?);
            let close = x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs());
            (!close).then(|| format!("{at}: {x} vs {y}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{at}: {} vs {} entries", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}")))
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let here = format!("{at}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, &here) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{here}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}

/// `DIFFERS` of a vendor folder: `section: reason` lines, sections known and listed once.
fn differs(folder: &Path) -> Vec<String> {
    let path = folder.join("DIFFERS");
    let Ok(text) = fs::read_to_string(&path) else {
        return Vec::new();
    };
    let mut sections = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (name, reason) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{}: `{line}` is not `section: reason`", path.display()));
        let name = name.trim();
        assert!(
            SECTIONS.contains(&name),
            "{}: unknown section `{name}`",
            path.display()
        );
        assert!(
            !reason.trim().is_empty(),
            "{}: `{name}` gives no reason",
            path.display()
        );
        assert!(
            !sections.iter().any(|s| s == name),
            "{}: `{name}` listed twice",
            path.display()
        );
        sections.push(name.to_string());
    }
    sections
}

/// The config names presets for every source and no column.
fn assert_presets_only(config: &Path, vendor: &str) {
    let text = fs::read_to_string(config).expect("config readable");
    let table: toml::Table = toml::from_str(&text).expect("config is TOML");
    for source in ["marketing", "crm", "activities"] {
        let s = table
            .get(source)
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("{vendor}: no [{source}]"));
        let preset = s.get("preset").and_then(toml::Value::as_str);
        assert!(
            preset.is_some_and(|p| p != "generic"),
            "{vendor}: [{source}] names no vendor preset"
        );
        for key in COLUMN_KEYS {
            assert!(
                !s.contains_key(key),
                "{vendor}: [{source}] names the column `{key}`; the preset must find it"
            );
        }
    }
    if let Some(s) = table.get("definition").and_then(toml::Value::as_table) {
        assert!(
            s.keys().all(|k| k == "path"),
            "{vendor}: [definition] is not just a path"
        );
    }
}

/// One vendor folder: presets only, and the demo's figures except where `DIFFERS` says.
fn check_vendor(vendor: &str) {
    let folder = fixture(&format!("presets/{vendor}"));
    let config = folder.join("handoff.toml");
    assert_presets_only(&config, vendor);
    let listed = differs(&folder);
    let report = audit_json(&config, &[]);
    let demo = demo();
    for name in SECTIONS {
        let (got, want) = (section(&report, name), section(demo, name));
        let diff = first_difference(&want, &got, &format!("/{name}"));
        if listed.iter().any(|s| s == name) {
            assert!(
                diff.is_some(),
                "{vendor}: DIFFERS names `{name}` but it equals the demo's; remove the line"
            );
        } else if let Some(d) = diff {
            panic!("{vendor}: `{name}` differs from the demo's (demo vs {vendor}) at {d}");
        }
    }
}

#[test]
fn salesforce_reports_and_data_loader_tasks() {
    check_vendor("salesforce");
}

#[test]
fn hubspot_contacts_and_activities() {
    check_vendor("hubspot");
}

#[test]
fn marketo_extract_with_salesforce() {
    check_vendor("marketo");
}

#[test]
fn pardot_prospects_with_salesforce() {
    check_vendor("pardot");
}

#[test]
fn dynamics_views_resaved_by_excel() {
    check_vendor("dynamics");
}

#[test]
fn pipedrive_list_views() {
    check_vendor("pipedrive");
}

#[test]
fn zoho_leads_and_calls() {
    check_vendor("zoho");
}

#[test]
fn salesforce_report_footers_are_counted_not_loaded() {
    let r = audit_json(&fixture("presets/salesforce/handoff.toml"), &[]);
    for source in ["marketing", "crm"] {
        assert_eq!(r["inputs"][source]["footer_lines"], 5, "{source}");
        assert_eq!(r["inputs"][source]["skipped"], 0, "{source}");
    }
    assert_eq!(r["inputs"]["marketing"]["rows"], 405);
    // ISO-8859-1 reports: read as Windows-1252 and said so.
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("salesforce/marketing.csv") && warnings.contains("windows-1252"),
        "{warnings}"
    );
}

// ---------------------------------------------------------------------------------------------
// The demo saved three other ways.
// ---------------------------------------------------------------------------------------------

/// How a variant writes bytes.
#[derive(Clone, Copy)]
enum Encoding {
    Windows1252,
    Utf8Bom,
    Utf16LeBom,
}

/// The demo folder (config, definition, CSVs) rewritten with another delimiter, CRLF line
/// endings and another encoding; the report must be the clean file's.
fn check_variant(delimiter: u8, encoding: Encoding) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["handoff.toml", "sales-ready.toml"] {
        fs::copy(fixture(&format!("demo/{name}")), dir.path().join(name)).expect("copy");
    }
    for name in ["marketing.csv", "crm.csv", "activities.csv"] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(fixture(&format!("demo/{name}")))
            .expect("demo CSV");
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for record in reader.records() {
            writer
                .write_record(&record.expect("record"))
                .expect("write");
        }
        let text = String::from_utf8(writer.into_inner().expect("flush")).expect("UTF-8");
        let bytes = match encoding {
            Encoding::Windows1252 => {
                let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
                assert!(!lossy, "{name} has characters outside Windows-1252");
                if name == "marketing.csv" {
                    // Søren, Lucía, Müller: the legacy decoding is exercised.
                    assert!(std::str::from_utf8(&bytes).is_err());
                }
                bytes.into_owned()
            }
            Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Utf16LeBom => {
                let mut bytes = vec![0xFF, 0xFE];
                for unit in text.encode_utf16() {
                    bytes.extend_from_slice(&unit.to_le_bytes());
                }
                bytes
            }
        };
        fs::write(dir.path().join(name), bytes).expect("write variant");
    }
    let report = audit_json(&dir.path().join("handoff.toml"), &[]);
    let demo = demo();
    for name in SECTIONS {
        if let Some(d) = first_difference(
            &section(demo, name),
            &section(&report, name),
            &format!("/{name}"),
        ) {
            panic!("the re-encoded demo differs from the clean one at {d}");
        }
    }
    report
}

#[test]
fn windows_1252_with_semicolons_gives_the_clean_figures() {
    let report = check_variant(b';', Encoding::Windows1252);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("marketing.csv") && warnings.contains("windows-1252"),
        "the legacy encoding is named in warnings: {warnings}"
    );
}

#[test]
fn utf8_with_bom_and_crlf_gives_the_clean_figures() {
    let report = check_variant(b',', Encoding::Utf8Bom);
    assert!(
        !report["warnings"].to_string().contains("windows-1252"),
        "UTF-8 with a BOM is not a legacy encoding"
    );
}

#[test]
fn utf16le_with_bom_and_tabs_gives_the_clean_figures() {
    check_variant(b'\t', Encoding::Utf16LeBom);
}

// ---------------------------------------------------------------------------------------------
// Small files in a temporary folder.
// ---------------------------------------------------------------------------------------------

/// Write `files` (name, contents) to a new temporary folder.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

fn config_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("handoff.toml")
}

/// `handoff audit --config <dir>/handoff.toml --format json`, any exit status.
fn audit_raw(dir: &tempfile::TempDir) -> std::process::Output {
    let config = config_path(dir);
    run(&[
        "audit",
        "--config",
        config.to_str().expect("UTF-8 path"),
        "--format",
        "json",
    ])
}

const AS_OF: &str =
    "[audit]\ntimezone = \"America/New_York\"\nas_of = \"2026-11-03T17:00:00-05:00\"\n";

#[test]
fn ambiguous_day_month_column_exits_2_naming_date_order() {
    // Every `MQL Date` reads as month/day and as day/month: no value settles the order.
    let marketing = "\"Email\",\"MQL Date\"\n\"a@x.com\",\"3/4/2026 10:00 AM\"\n\"b@x.com\",\"5/6/2026 2:30 PM\"\n\"c@x.com\",\"2/11/2026 9:15 AM\"\n";
    let crm = "\"Email\",\"Lead Owner\",\"Lead Status\"\n\"a@x.com\",\"Ann Lee\",\"Working\"\n";
    let config = format!(
        "{AS_OF}[marketing]\npath = \"marketing.csv\"\npreset = \"salesforce\"\n[crm]\npath = \"crm.csv\"\npreset = \"salesforce\"\n"
    );
    let dir = folder(&[
        ("marketing.csv", marketing),
        ("crm.csv", crm),
        ("handoff.toml", &config),
    ]);
    let out = audit_raw(&dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("date_order"), "names the setting: {err}");
    assert!(err.contains("MQL Date"), "names the column: {err}");

    // Saying the order reads the file.
    let config = config.replacen(
        "preset = \"salesforce\"\n",
        "preset = \"salesforce\"\ndate_order = \"dmy\"\n",
        1,
    );
    fs::write(config_path(&dir), config).expect("write");
    let r = audit_json(&config_path(&dir), &[]);
    assert_eq!(r["follow_up"]["handed_over"], 3);
    // Day first: 3 April, 5 June and 2 November 2026 (still in its window at as_of).
    let months: Vec<&str> = r["months"]
        .as_array()
        .expect("months")
        .iter()
        .map(|m| m["month"].as_str().expect("month"))
        .collect();
    assert_eq!(months, ["2026-04", "2026-06", "2026-11"]);
}

#[test]
fn salesforce_15_char_report_ids_match_18_char_data_loader_ids() {
    // Lead 00QDn0000004OFT is 00QDn0000004OFTMA2 in API files (the suffix encodes the capitals
    // of each 5-character block). 00QDn0000004oft… is another record: ids are case-sensitive.
    let marketing = "\"Lead ID\",\"Email\",\"MQL Date\",\"Is MQL\"\n\"00QDn0000004OFT\",\"a@x.com\",\"8/13/2026 6:13 PM\",\"1\"\n\n\"MQL Leads\"\n\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\n";
    let crm =
        "\"ID\",\"OWNER.NAME\",\"STATUS\"\n\"00QDn0000004OFTMA2\",\"Priya Raman\",\"Working\"\n";
    let activities = "\"ID\",\"WHOID\",\"TYPE\",\"COMPLETEDDATETIME\"\n\"00TDn0000004OFTMA2\",\"00QDn0000004OFTMA2\",\"Call\",\"2026-08-13T22:20:00.000Z\"\n\"00TDn0000004QJCMA2\",\"00QDn0000004oftMAA\",\"Call\",\"2026-08-13T22:15:00.000Z\"\n";
    let config = format!(
        "{AS_OF}[marketing]\npath = \"marketing.csv\"\npreset = \"salesforce\"\n[crm]\npath = \"crm.csv\"\npreset = \"salesforce\"\n[activities]\npath = \"activities.csv\"\npreset = \"salesforce\"\n[sales]\naccepted = [\"Working\"]\nrejected = [\"Unqualified\"]\n"
    );
    let dir = folder(&[
        ("marketing.csv", marketing),
        ("crm.csv", crm),
        ("activities.csv", activities),
        ("handoff.toml", &config),
    ]);
    let r = audit_json(&config_path(&dir), &[]);
    assert_eq!(r["data_quality"]["marketing_without_crm"], 0);
    assert_eq!(r["data_quality"]["activities_without_marketing"], 1);
    assert_eq!(r["inputs"]["marketing"]["footer_lines"], 2);
    assert_eq!(r["follow_up"]["followed_up"], 1);
    assert_eq!(r["follow_up"]["within_sla"], 1);
    assert_eq!(r["ownership"]["owners"][0]["owner"], "Priya Raman");
    assert_eq!(r["feedback"]["dispositioned"], 1);
    // 18:13 EDT = 22:13Z; the call at 22:20Z is 7 minutes later.
    crate::common::assert_close(
        &r["follow_up"]["hours_to_first_touch"]["median"],
        7.0 / 60.0,
    );

    // Without salesforce_ids the 15- and 18-character forms are different keys.
    let off = config.replacen("[audit]\n", "[audit]\nsalesforce_ids = false\n", 1);
    fs::write(config_path(&dir), off).expect("write");
    let r = audit_json(&config_path(&dir), &[]);
    assert_eq!(r["data_quality"]["marketing_without_crm"], 1);
    assert_eq!(r["follow_up"]["followed_up"], 0);
}

#[test]
fn excel_damaged_key_is_skipped_with_a_warning_naming_the_file() {
    // A HubSpot export opened and saved in Excel: the 11-digit Record ID became 1.10416E+11.
    let marketing = "Record ID,Email,Became a Marketing Qualified Lead Date\r\n51000000000,a@x.com,8/11/26 18:13\r\n1.10416E+11,b@x.com,8/12/26 9:00\r\n51000001013,c@x.com,8/13/26 10:30";
    let crm = "Record ID,Contact owner,Lead Status\n51000000000,Ann Lee,Working\n51000001013,Bo Chen,Working\n";
    let config = format!(
        "{AS_OF}[marketing]\npath = \"marketing.csv\"\npreset = \"hubspot\"\n[crm]\npath = \"crm.csv\"\npreset = \"hubspot\"\n"
    );
    let dir = folder(&[
        ("marketing.csv", marketing),
        ("crm.csv", crm),
        ("handoff.toml", &config),
    ]);
    let r = audit_json(&config_path(&dir), &[]);
    assert_eq!(r["inputs"]["marketing"]["rows"], 2);
    assert_eq!(r["inputs"]["marketing"]["skipped"], 1);
    assert_eq!(r["follow_up"]["handed_over"], 2);
    let skipped = &r["data_quality"]["skipped_rows"][0];
    assert_eq!(skipped["source"], "marketing");
    assert_eq!(skipped["line"], 3);
    let reason = skipped["reason"].as_str().expect("reason");
    assert!(
        reason.contains("1.10416E+11") && reason.contains("Excel"),
        "{reason}"
    );
    let warning = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.contains("Excel"))
        .unwrap_or_else(|| panic!("no Excel warning: {}", r["warnings"]));
    assert!(warning.contains("marketing.csv"), "{warning}");
}

/// A HubSpot export with the associated company repeats `Create Date`.
fn repeated_header_folder(extra: &str) -> tempfile::TempDir {
    let marketing = "Record ID,Email,Create Date,Became a Marketing Qualified Lead Date,Record ID - Company,Create Date\n51000000000,a@x.com,2026-05-28 12:13,2026-08-11 18:13,9100,2024-01-02 08:00\n";
    let crm = "Record ID,Contact owner,Lead Status\n51000000000,Ann Lee,Working\n";
    let config = format!(
        "{AS_OF}[marketing]\npath = \"marketing.csv\"\npreset = \"hubspot\"\n{extra}[crm]\npath = \"crm.csv\"\npreset = \"hubspot\"\n"
    );
    folder(&[
        ("marketing.csv", marketing),
        ("crm.csv", crm),
        ("handoff.toml", &config),
    ])
}

#[test]
fn used_header_twice_exits_2_unless_mapped_by_position() {
    let dir = repeated_header_folder("created_at = \"Create Date\"\n");
    let out = audit_raw(&dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains("Create Date") && err.contains("#3") && err.contains("#6"),
        "names the header and its positions: {err}"
    );

    // By position it loads.
    let dir = repeated_header_folder("created_at = \"#3\"\n");
    let r = audit_json(&config_path(&dir), &[]);
    assert_eq!(r["inputs"]["marketing"]["rows"], 1);
    assert_eq!(r["follow_up"]["handed_over"], 1);
}

#[test]
fn header_twice_found_by_a_preset_alias_is_not_read_and_says_so() {
    // The preset would read `Create Date` as created_at, an optional column: a repeated header
    // leaves it unread with a warning naming the positions, instead of failing the run (HubSpot
    // exports with associated records repeat `Create Date`).
    let dir = repeated_header_folder("");
    let out = audit_raw(&dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("Create Date") && report.contains("#3"),
        "{report}"
    );
    assert!(report.contains("not read"), "{report}");
}
