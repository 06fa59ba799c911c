//! Issue 5: the reports people share — Markdown, CSV and HTML — on the demo data set.
//!
//! - Snapshots (insta) of the demo's Markdown and CSV, reviewed like code.
//! - The Markdown parsed as GitHub-flavoured Markdown (pulldown-cmark with tables): every section
//!   holds its tables, and hostile names come back as the same text, never as markup or HTML.
//! - The HTML opened in headless Chromium with name resolution off and a net log: the dumped DOM
//!   holds the four charts with the demo's figures (compared with the JSON report), the page makes
//!   no request, and screenshots are written for a person to look at.
//!
//! The Chromium tests skip with a message when `/usr/bin/chromium` is missing and `CI` is not
//! set; under CI a missing Chromium fails them (`.ci/run` installs Debian's `chromium`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use handoff::audit::figures::{OwnerRow, Report};
use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use crate::common::{audit_json, run, stdout};

/// The demo's config, relative to the repository root (the tests' working directory), so the
/// input paths printed in the reports are the same on every machine.
const DEMO: &str = "fixtures/demo/handoff.toml";

/// `handoff audit --config fixtures/demo/handoff.toml --format FORMAT`, required to succeed.
fn demo(format: &str) -> String {
    let out = run(&["audit", "--config", DEMO, "--format", format]);
    assert!(
        out.status.success(),
        "handoff audit --format {format} failed with {}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// The demo's JSON report, as JSON and as the typed report.
fn demo_report() -> (Value, Report) {
    let json = audit_json(Path::new(DEMO), &[]);
    let report: Report = serde_json::from_value(json.clone()).expect("the JSON is a Report");
    (json, report)
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn demo_markdown_snapshot() {
    insta::assert_snapshot!("demo_markdown", demo("markdown"));
}

#[test]
fn demo_csv_snapshot() {
    insta::assert_snapshot!("demo_csv", demo("csv"));
}

// ---------------------------------------------------------------------------------------------
// Markdown, parsed

/// A table as a GFM parser sees it.
#[derive(Debug)]
struct MdTable {
    /// The `##` heading above it.
    section: String,
    /// The `###` heading above it, if any.
    subsection: String,
    align: Vec<Alignment>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// What the parser made of a document.
#[derive(Debug, Default)]
struct MdDoc {
    headings: Vec<(u8, String)>,
    tables: Vec<MdTable>,
    list_items: Vec<String>,
    /// Events that would render as HTML, links, images or code: none are expected.
    markup: Vec<String>,
}

fn parse_markdown(md: &str) -> MdDoc {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let mut doc = MdDoc::default();
    let (mut section, mut subsection) = (String::new(), String::new());
    let mut heading: Option<(u8, String)> = None;
    let mut table: Option<MdTable> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut item: Option<String> = None;
    for event in Parser::new_ext(md, opts) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                let (level, text) = heading.take().expect("a heading was open");
                match level {
                    2 => (section, subsection) = (text.clone(), String::new()),
                    3 => subsection = text.clone(),
                    _ => {}
                }
                doc.headings.push((level, text));
            }
            Event::Start(Tag::Table(align)) => {
                table = Some(MdTable {
                    section: section.clone(),
                    subsection: subsection.clone(),
                    align,
                    header: Vec::new(),
                    rows: Vec::new(),
                });
            }
            Event::End(TagEnd::Table) => doc.tables.push(table.take().expect("a table was open")),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().expect("a cell was open")),
            Event::End(TagEnd::TableHead) => {
                table.as_mut().expect("in a table").header = std::mem::take(&mut row);
            }
            Event::End(TagEnd::TableRow) => {
                table
                    .as_mut()
                    .expect("in a table")
                    .rows
                    .push(std::mem::take(&mut row));
            }
            Event::Start(Tag::Item) => item = Some(String::new()),
            Event::End(TagEnd::Item) => doc.list_items.push(item.take().expect("an item")),
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(i) = item.as_mut() {
                    i.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak if cell.is_some() || item.is_some() => {
                doc.markup.push(format!("{event:?}"));
            }
            Event::Html(_)
            | Event::InlineHtml(_)
            | Event::Code(_)
            | Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::Strikethrough)
            | Event::TaskListMarker(_)
            | Event::FootnoteReference(_) => doc.markup.push(format!("{event:?}")),
            Event::Start(Tag::List(_)) if item.is_some() => doc.markup.push("nested list".into()),
            _ => {}
        }
    }
    doc
}

/// The tables under a `##` section (and `###` subsection, when given).
fn tables<'a>(doc: &'a MdDoc, section: &str, subsection: Option<&str>) -> Vec<&'a MdTable> {
    doc.tables
        .iter()
        .filter(|t| t.section == section && subsection.is_none_or(|s| t.subsection == s))
        .collect()
}

/// The one table of a section whose header starts with `first`.
#[track_caller]
fn table<'a>(doc: &'a MdDoc, section: &str, first: &str) -> &'a MdTable {
    let found: Vec<_> = tables(doc, section, None)
        .into_iter()
        .filter(|t| t.header.first().map(String::as_str) == Some(first))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one `{first}` table under `## {section}`; tables: {:#?}",
        doc.tables
    );
    found[0]
}

/// Text first column, right-aligned figures.
#[track_caller]
fn assert_figure_table(t: &MdTable, header: &[&str], rows: usize) {
    assert_eq!(t.header, header, "header of {t:#?}");
    assert_eq!(t.rows.len(), rows, "rows of {t:#?}");
    for r in &t.rows {
        assert_eq!(r.len(), header.len(), "row width in {t:#?}");
    }
    assert_eq!(t.align[0], Alignment::Left);
}

#[test]
fn markdown_renders_as_tables_in_every_section() {
    let md = demo("markdown");
    let (_, r) = demo_report();
    let doc = parse_markdown(&md);
    assert!(doc.markup.is_empty(), "unexpected markup: {:?}", doc.markup);

    let h2: Vec<&str> = doc
        .headings
        .iter()
        .filter(|(l, _)| *l == 2)
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        h2,
        [
            "Findings",
            "Summary",
            "Speed to lead",
            "Owners",
            "Feedback loop",
            "Definition alignment",
            "Months",
            "Data quality",
            "Warnings"
        ]
    );
    assert_eq!(doc.headings[0], (1, "Lead handoff audit".to_string()));

    let summary = table(&doc, "Summary", "Figure");
    assert_figure_table(summary, &["Figure", "Value", "Rate"], 9);
    assert_eq!(summary.align[1..], [Alignment::Right, Alignment::Right]);
    assert_eq!(summary.rows[3], ["Followed up", "197", "65.9%"]);

    let speed = table(&doc, "Speed to lead", "Time to first touch");
    assert_figure_table(speed, &["Time to first touch", "Handoffs", "Share"], 6);
    let counts: Vec<u64> = speed.rows.iter().map(|r| r[1].parse().unwrap()).collect();
    let expected: Vec<u64> = r.follow_up.buckets.iter().map(|b| b.count).collect();
    assert_eq!(counts, expected);

    let owners = table(&doc, "Owners", "Owner");
    assert_figure_table(
        owners,
        &[
            "Owner",
            "Eligible",
            "Followed up",
            "Within SLA",
            "Breaches",
            "Breach rate",
            "Verdicts",
        ],
        r.ownership.owners.len() + 1,
    );
    assert!(owners.align[1..].iter().all(|a| *a == Alignment::Right));
    for (row, o) in owners.rows.iter().zip(&r.ownership.owners) {
        assert_eq!(row[0], o.owner);
        assert_eq!(row[4], o.breaches.to_string());
    }
    assert_eq!(owners.rows.last().unwrap()[0], "(unowned)");
    assert_eq!(owners.rows.last().unwrap()[4], "29");

    let disp = table(&doc, "Feedback loop", "Disposition");
    assert_figure_table(
        disp,
        &["Disposition", "Handoffs", "Share"],
        r.feedback.dispositions.len(),
    );
    let reasons = table(&doc, "Feedback loop", "Rejection reason");
    assert_figure_table(
        reasons,
        &["Rejection reason", "Handoffs"],
        r.feedback.reasons.len(),
    );

    let d = r.definition.as_ref().expect("the demo has a definition");
    let cross = tables(
        &doc,
        "Definition alignment",
        Some("Marketing × definition × sales"),
    );
    assert_eq!(cross.len(), 1);
    assert_figure_table(
        cross[0],
        &[
            "Marketing",
            "Definition",
            "Sales accepted",
            "Sales rejected",
            "No verdict",
            "Total",
        ],
        4,
    );
    let matrix_total: u64 = cross[0]
        .rows
        .iter()
        .map(|row| row[5].parse::<u64>().unwrap())
        .sum();
    assert_eq!(matrix_total, d.evaluated);
    let mism = tables(&doc, "Definition alignment", Some("Mismatches"));
    assert_eq!(mism.len(), 1);
    assert_figure_table(mism[0], &["Mismatch", "Leads", "Share", "Of"], 4);
    assert_eq!(mism[0].rows[0][..3], ["MQL but not ready", "109", "35.6%"]);
    let crit = tables(&doc, "Definition alignment", Some("Criteria the MQLs fail"));
    assert_eq!(crit.len(), 1);
    assert_figure_table(
        crit[0],
        &["Criterion", "MQLs not ready failing it", "Share"],
        d.failing_criteria.len(),
    );

    let months = table(&doc, "Months", "Month");
    assert_eq!(months.rows.len(), r.months.len());
    assert_eq!(months.rows[0][0], "2026-08");

    let inputs = table(&doc, "Data quality", "Source");
    assert_figure_table(
        inputs,
        &["Source", "File", "Rows loaded", "Skipped", "Footer lines"],
        3,
    );
    let checks = table(&doc, "Data quality", "Check");
    assert_figure_table(
        checks,
        &["Check", "Count"],
        6 + r.data_quality.unparsable.len(),
    );

    assert_eq!(doc.list_items.len(), r.findings.len() + r.warnings.len());
    // Findings come first as list items; the warnings are the last list.
    let warnings = &doc.list_items[doc.list_items.len() - r.warnings.len()..];
    assert_eq!(warnings, r.warnings.as_slice());
}

#[test]
fn markdown_hostile_text_comes_back_as_text() {
    let (_, mut r) = demo_report();
    let names = [
        "Eve | <b>bold</b>",
        "multi\nline\r\nname",
        "# not a heading",
        "back\\slash\\|pipe",
        "*star* _under_ `tick` [link](http://x.invalid) ~~strike~~ ![img](y)",
        "<script>alert(1)</script>",
        "&amp; stays literal",
        "- not a list",
    ];
    r.ownership.owners = names
        .iter()
        .map(|n| OwnerRow {
            owner: (*n).to_string(),
            eligible: 3,
            followed_up: 1,
            within_sla: 1,
            breaches: 2,
            dispositioned: 1,
        })
        .collect();
    r.warnings = vec![
        "- leading dash".into(),
        "# leading hash".into(),
        "1. leading number".into(),
        "> leading quote".into(),
        "+ plus".into(),
        "<img src=x onerror=alert(1)>".into(),
    ];
    let md = handoff::report::markdown::render(&r);
    let doc = parse_markdown(&md);
    assert!(
        doc.markup.is_empty(),
        "markup leaked: {:?}\n{md}",
        doc.markup
    );
    let owners = table(&doc, "Owners", "Owner");
    assert_eq!(owners.rows.len(), names.len() + 1);
    for (row, name) in owners.rows.iter().zip(names) {
        assert_eq!(row.len(), 7, "{row:?}");
        let want = name.replace("\r\n", " ").replace('\n', " ");
        assert_eq!(row[0], want);
    }
    // Findings come first as list items; the warnings are the last list.
    let warnings = &doc.list_items[doc.list_items.len() - r.warnings.len()..];
    assert_eq!(warnings, r.warnings.as_slice());
    // Only the report's own headings.
    assert!(
        doc.headings
            .iter()
            .all(|(_, h)| !h.contains("not a heading"))
    );
}

// ---------------------------------------------------------------------------------------------
// CSV, parsed

#[test]
fn csv_round_trips_with_the_json_figures() {
    let text = demo("csv");
    let (json, _) = demo_report();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap(),
        vec!["section", "metric", "dimension", "value"]
    );
    let rows: Vec<[String; 4]> = rd
        .records()
        .map(|r| {
            let r = r.expect("a well-formed record");
            [0, 1, 2, 3].map(|i| r[i].to_string())
        })
        .collect();
    let get = |s: &str, m: &str, d: &str| -> String {
        let hits: Vec<_> = rows
            .iter()
            .filter(|r| r[0] == s && r[1] == m && r[2] == d)
            .collect();
        assert_eq!(hits.len(), 1, "one row {s},{m},{d}");
        hits[0][3].clone()
    };
    for key in [
        "handed_over",
        "in_window",
        "eligible",
        "followed_up",
        "within_sla",
        "late",
        "never",
        "breaches",
    ] {
        assert_eq!(
            get("follow_up", key, ""),
            json["follow_up"][key].to_string()
        );
    }
    for key in ["follow_up_rate", "sla_met_rate", "breach_rate"] {
        let v: f64 = get("follow_up", key, "").parse().unwrap();
        assert_eq!(v, json["follow_up"][key].as_f64().unwrap(), "{key}");
    }
    for b in json["follow_up"]["buckets"].as_array().unwrap() {
        assert_eq!(
            get("follow_up", "buckets", b["label"].as_str().unwrap()),
            b["count"].to_string()
        );
    }
    for o in json["ownership"]["owners"].as_array().unwrap() {
        let owner = o["owner"].as_str().unwrap();
        for key in [
            "eligible",
            "followed_up",
            "within_sla",
            "breaches",
            "dispositioned",
        ] {
            assert_eq!(
                get("ownership", &format!("owners.{key}"), owner),
                o[key].to_string()
            );
        }
    }
    for c in json["definition"]["crosstab"].as_array().unwrap() {
        let dim = format!(
            "{}|{}|{}",
            c["marketing"].as_str().unwrap(),
            c["definition"].as_str().unwrap(),
            c["sales"].as_str().unwrap()
        );
        assert_eq!(get("definition", "crosstab", &dim), c["count"].to_string());
    }
    for m in json["months"].as_array().unwrap() {
        let month = m["month"].as_str().unwrap();
        assert_eq!(get("months", "breaches", month), m["breaches"].to_string());
    }
    assert_eq!(
        get("inputs", "rows", "marketing"),
        json["inputs"]["marketing"]["rows"].to_string()
    );
}

// ---------------------------------------------------------------------------------------------
// HTML in headless Chromium

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium, or `None` (with a message) when it is missing outside CI. Under CI it must be there.
fn chromium() -> Option<&'static Path> {
    let path = Path::new(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{CHROMIUM} is missing but CI is set: .ci/run must install Debian's `chromium` \
             (apt-get install -y chromium) so the HTML report is checked in a browser"
        );
    }
    eprintln!(
        "SKIPPED: {CHROMIUM} is not installed, so the HTML report is not opened in a browser. \
         Install it with `apt-get install -y chromium` (CI always runs this test)."
    );
    None
}

/// A scratch folder for one test, kept under the target dir so screenshots stay to be looked at.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("reports")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

/// Run headless Chromium on `page` with the network off (every host name resolves to nothing),
/// its own throwaway profile, and `extra` flags; stdout goes to `out`. Returns stderr.
fn run_chromium(chrome: &Path, dir: &Path, page: &Path, extra: &[String], out: &Path) -> String {
    let profile = tempfile::tempdir().expect("a profile folder");
    let err_path = dir.join(format!(
        "{}.stderr",
        out.file_name().unwrap().to_string_lossy()
    ));
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-features=NetworkTimeServiceQuerying",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(File::create(out).expect("create the stdout file"))
    .stderr(File::create(&err_path).expect("create the stderr file"));
    let mut child = cmd.spawn().expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed with {status}: {cmd:?}\nstderr:\n{stderr}"
    );
    stderr
}

/// Load `page`, dump its DOM, and record a net log; returns (DOM, requests made for the page,
/// Chromium's own background requests).
fn load(chrome: &Path, dir: &Path, page: &Path) -> (String, Vec<String>, Vec<String>) {
    let dom_path = dir.join(format!(
        "{}.dom.html",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let netlog = dir.join(format!(
        "{}.netlog.json",
        page.file_stem().unwrap().to_string_lossy()
    ));
    run_chromium(
        chrome,
        dir,
        page,
        &[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
        ],
        &dom_path,
    );
    let dom = std::fs::read_to_string(&dom_path).expect("the dumped DOM");
    let (page_requests, background) = requests(&netlog);
    (dom, page_requests, background)
}

/// The http(s) requests in a Chromium net log, split into those made for a page opened from a
/// `file://` URL and Chromium's own background requests (component updater, account checks),
/// which carry no page as initiator and are not the report's doing.
fn requests(netlog: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(netlog)
        .unwrap_or_else(|e| panic!("no net log at {}: {e}", netlog.display()));
    // A net log cut short (Chromium killed) lacks its closing brackets.
    let log: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or_else(|e| panic!("{} is not a net log: {e}", netlog.display()));
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the net log names URL_REQUEST_START_JOB");
    let (mut page, mut background) = (Vec::new(), Vec::new());
    for e in log["events"].as_array().expect("net log events") {
        if e["type"].as_u64() != Some(start_job) {
            continue;
        }
        let p = &e["params"];
        let url = p["url"].as_str().unwrap_or_default();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            continue;
        }
        let initiator = p["initiator"].as_str().unwrap_or_default();
        let nik = p["network_isolation_key"].as_str().unwrap_or_default();
        if initiator != "not an origin" || nik.contains("file://") {
            page.push(url.to_string());
        } else {
            background.push(url.to_string());
        }
    }
    (page, background)
}

/// Every start tag of serialized HTML: its name and its attributes, entities decoded.
/// (Chromium serializes every attribute value in double quotes; text never holds a raw `<`
/// followed by a letter.)
fn start_tags(html: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'<' || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        i += 1;
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        let mut attrs = BTreeMap::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let attr_start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
                i += 1;
            }
            let attr = html[attr_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                assert_eq!(
                    b.get(i),
                    Some(&b'"'),
                    "a quoted value for {attr} in <{name}>"
                );
                let close = i + 1 + html[i + 1..].find('"').expect("a closing quote");
                value = unescape(&html[i + 1..close]);
                i = close + 1;
            }
            attrs.insert(attr, value);
        }
        tags.push((name, attrs));
    }
    tags
}

/// The attributes of every `<tag>` element.
fn elements(html: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    start_tags(html)
        .into_iter()
        .filter(|(name, _)| name == tag)
        .map(|(_, attrs)| attrs)
        .collect()
}

/// Nothing that runs script or fetches: no `<script>`, `<img>`, `<iframe>`, `<link>`,
/// `<object>`, `<embed>`, SVG `<image>`/`<use>`, no `on*` handler, no `src`/`href`.
#[track_caller]
fn assert_inert(dom: &str) {
    for (name, attrs) in start_tags(dom) {
        assert!(
            !matches!(
                name.as_str(),
                "script" | "img" | "iframe" | "link" | "object" | "embed" | "image" | "use"
            ),
            "a <{name}> element in the DOM: {attrs:?}"
        );
        for attr in attrs.keys() {
            assert!(
                !attr.starts_with("on") && !matches!(attr.as_str(), "src" | "href" | "xlink:href"),
                "<{name}> has a `{attr}` attribute: {attrs:?}"
            );
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The `<svg data-chart=NAME>` element's markup in a DOM.
#[track_caller]
fn chart<'a>(dom: &'a str, name: &str) -> &'a str {
    let marker = format!("data-chart=\"{name}\"");
    assert_eq!(dom.matches(&marker).count(), 1, "one `{name}` chart");
    let at = dom.find(&marker).unwrap();
    let start = dom[..at].rfind("<svg").expect("the chart is an <svg>");
    let end = at + dom[at..].find("</svg>").expect("a closed <svg>");
    &dom[start..end]
}

/// The marks of a chart: its `<rect>`s that carry `data-value`.
fn marks(svg: &str) -> Vec<BTreeMap<String, String>> {
    elements(svg, "rect")
        .into_iter()
        .filter(|a| a.contains_key("data-value"))
        .collect()
}

fn num(a: &BTreeMap<String, String>) -> f64 {
    a["data-value"].parse().expect("data-value is a number")
}

#[track_caller]
fn assert_rate(actual: f64, expected: f64, what: &str) {
    let tol = 1e-9 * expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: chart shows {actual}, JSON says {expected}"
    );
}

#[test]
fn html_opens_offline_in_chromium_with_the_demo_figures() {
    let Some(chrome) = chromium() else { return };
    let dir = scratch("demo");
    let page = dir.join("demo-report.html");
    let out = run(&[
        "audit",
        "--config",
        DEMO,
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (json, _) = demo_report();

    let (dom, page_requests, background) = load(chrome, &dir, &page);
    assert!(
        page_requests.is_empty(),
        "the report made requests: {page_requests:?}"
    );
    if !background.is_empty() {
        eprintln!(
            "note: Chromium's own background requests (not the page's; host resolution was off, \
             so none left the machine): {background:?}"
        );
    }
    assert_inert(&dom);

    // Speed-to-lead buckets.
    let buckets: Vec<(String, f64)> = marks(chart(&dom, "buckets"))
        .iter()
        .map(|a| (a["data-label"].clone(), num(a)))
        .collect();
    let expected: Vec<(String, f64)> = json["follow_up"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_string(),
                b["count"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(buckets, expected);

    // Follow-up and breach rate by month.
    let months = marks(chart(&dom, "months"));
    let json_months = json["months"].as_array().unwrap();
    assert_eq!(months.len(), 2 * json_months.len());
    for m in json_months {
        let month = m["month"].as_str().unwrap();
        let eligible = m["eligible"].as_f64().unwrap();
        for (series, key) in [
            ("follow_up_rate", "followed_up"),
            ("breach_rate", "breaches"),
        ] {
            let mark: Vec<_> = months
                .iter()
                .filter(|a| a["data-month"] == month && a["data-series"] == series)
                .collect();
            assert_eq!(mark.len(), 1, "one {series} mark for {month}");
            let expected = if eligible == 0.0 {
                0.0
            } else {
                m[key].as_f64().unwrap() / eligible
            };
            assert_rate(num(mark[0]), expected, &format!("{month} {series}"));
        }
    }

    // Breaches per owner, the unowned included.
    let owners: BTreeMap<String, f64> = marks(chart(&dom, "owner-breaches"))
        .iter()
        .map(|a| (a["data-label"].clone(), num(a)))
        .collect();
    let mut expected: BTreeMap<String, f64> = json["ownership"]["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner"].as_str().unwrap().to_string(),
                o["breaches"].as_f64().unwrap(),
            )
        })
        .collect();
    expected.insert(
        "(unowned)".into(),
        json["ownership"]["unowned_breaches"].as_f64().unwrap(),
    );
    assert_eq!(owners, expected);

    // The crosstab heatmap: all twelve cells, zeros where the JSON omits a cell.
    let cells = marks(chart(&dom, "crosstab"));
    assert_eq!(cells.len(), 12);
    let key = |a: &BTreeMap<String, String>| {
        (
            a["data-marketing"].clone(),
            a["data-definition"].clone(),
            a["data-sales"].clone(),
        )
    };
    let shown: BTreeMap<_, f64> = cells.iter().map(|a| (key(a), num(a))).collect();
    assert_eq!(shown.len(), 12);
    let mut listed = 0.0;
    for c in json["definition"]["crosstab"].as_array().unwrap() {
        let k = (
            c["marketing"].as_str().unwrap().to_string(),
            c["definition"].as_str().unwrap().to_string(),
            c["sales"].as_str().unwrap().to_string(),
        );
        assert_eq!(shown[&k], c["count"].as_f64().unwrap(), "{k:?}");
        listed += shown[&k];
    }
    assert_eq!(
        shown.values().sum::<f64>(),
        listed,
        "cells missing from the JSON are 0"
    );

    // The summary as large numbers.
    let f = &json["follow_up"];
    for (kpi, want) in [
        ("follow_up_rate", pct(f["follow_up_rate"].as_f64().unwrap())),
        ("breach_rate", pct(f["breach_rate"].as_f64().unwrap())),
        ("unowned", json["ownership"]["unowned"].to_string()),
        (
            "coverage",
            pct(json["feedback"]["coverage"].as_f64().unwrap()),
        ),
        (
            "mql_not_ready",
            json["definition"]["mismatches"]["mql_not_ready"].to_string(),
        ),
    ] {
        let marker = format!("data-kpi=\"{kpi}\"");
        let at = dom
            .find(&marker)
            .unwrap_or_else(|| panic!("no {kpi} figure"));
        let tile = &dom[at..at + dom[at..].find("</div>").unwrap()];
        assert!(
            tile.contains(&format!("class=\"kpi-value\">{want}</p>")),
            "{kpi}: expected {want} in {tile}"
        );
    }

    // Screenshots for a person: desktop and phone widths.
    for (name, size) in [("desktop", "1200,3000"), ("phone", "390,6000")] {
        let png = dir.join(format!("demo-report-{name}.png"));
        run_chromium(
            chrome,
            &dir,
            &page,
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={size}"),
            ],
            &dir.join(format!("{name}.stdout")),
        );
        let bytes = std::fs::read(&png).expect("the screenshot was written");
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is a PNG",
            png.display()
        );
        assert!(bytes.len() > 20_000, "{} is not blank", png.display());
        eprintln!("screenshot ({name}): {}", png.display());
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

#[test]
fn html_hostile_names_stay_text_in_chromium() {
    let Some(chrome) = chromium() else { return };
    let dir = scratch("hostile");
    let (_, mut r) = demo_report();
    let evil = "<script>alert(1)</script>";
    let quote = "Q\" onmouseover=\"alert(2)";
    r.ownership.owners[0].owner = evil.into();
    r.ownership.owners[1].owner = quote.into();
    r.warnings.push("<img src=x onerror=alert(3)>".into());
    let page = dir.join("hostile.html");
    std::fs::write(&page, handoff::report::html::render(&r)).unwrap();
    let (dom, page_requests, _) = load(chrome, &dir, &page);
    assert!(page_requests.is_empty(), "requests: {page_requests:?}");
    assert_inert(&dom);
    let owners: Vec<String> = marks(chart(&dom, "owner-breaches"))
        .iter()
        .map(|a| a["data-label"].clone())
        .collect();
    assert!(owners.iter().any(|o| o == evil), "{owners:?}");
    assert!(owners.iter().any(|o| o == quote), "{owners:?}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn net_log_check_sees_a_request_when_there_is_one() {
    // The control for the no-request assertions above: a page that does reference the network
    // must show up in the net log, or those assertions would pass vacuously. `.invalid` never
    // resolves, and host resolution is off anyway: nothing leaves the machine.
    let Some(chrome) = chromium() else { return };
    let dir = scratch("control");
    let page = dir.join("control.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><title>control</title><img src=\"http://handoff.invalid/x.png\">",
    )
    .unwrap();
    let (_, page_requests, _) = load(chrome, &dir, &page);
    assert_eq!(page_requests, ["http://handoff.invalid/x.png"]);
}

#[test]
fn html_is_written_self_contained_by_the_binary() {
    let html = demo("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let rest = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for bad in [
        "http://", "https://", "src=", "href=", "<script", "<link", "url(",
    ] {
        assert!(!rest.contains(bad), "found {bad:?}");
    }
}
