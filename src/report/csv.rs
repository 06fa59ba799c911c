//! The CSV report (`--format csv`): every figure of the report as a tidy row
//! `section,metric,dimension,value`, for spreadsheets and pivot tables.
//!
//! `section` is the JSON report's top-level key; `metric` the key below it (`a.b` for a nested
//! object, the array's name for a `{value, count}` list, `array.field` for a list of records);
//! `dimension` says which element of a list the row is about (an owner, a bucket label, a
//! month, a criterion id, `marketing|definition|sales` for a crosstab cell, a source name), and
//! is empty otherwise. Numbers are written as the tool computed them (rates are fractions,
//! hours are decimal hours); a missing number (`null` in JSON) is an empty cell.
//!
//! This module also owns [`neutralize`], the Excel formula-injection guard that every CSV the
//! tool writes applies to its text cells.

use std::borrow::Cow;

use crate::audit::figures::Report;

/// Prefix a text cell that a spreadsheet would read as a formula with `'`.
///
/// A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or becomes
/// one) in Excel, LibreOffice and Google Sheets; a leading apostrophe makes it text. Apply this
/// to every text cell of a CSV the tool writes — values from the data, and words the tool chose
/// — and never to a number the tool computed (a negative figure must stay a number).
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The value of a row.
enum Value {
    /// A count.
    Count(u64),
    /// A rate, a share or hours.
    Number(f64),
    /// A number the report leaves out (`null`).
    Missing,
    /// `true` / `false`.
    Flag(bool),
    /// Text: neutralised.
    Text(String),
}

impl Value {
    fn cell(&self) -> Cow<'_, str> {
        match self {
            Value::Count(n) => Cow::Owned(n.to_string()),
            Value::Number(x) => Cow::Owned(x.to_string()),
            Value::Missing => Cow::Borrowed(""),
            Value::Flag(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Text(s) => neutralize(s),
        }
    }
}

/// One tidy row.
struct Row {
    section: &'static str,
    metric: String,
    dimension: String,
    value: Value,
}

/// Collects rows of one section.
struct Rows {
    rows: Vec<Row>,
}

impl Rows {
    fn push(&mut self, section: &'static str, metric: &str, dimension: &str, value: Value) {
        self.rows.push(Row {
            section,
            metric: metric.to_string(),
            dimension: dimension.to_string(),
            value,
        });
    }

    fn count(&mut self, section: &'static str, metric: &str, dimension: &str, n: u64) {
        self.push(section, metric, dimension, Value::Count(n));
    }
}

/// Render every figure of the report as `section,metric,dimension,value` rows (header first).
pub fn render(r: &Report) -> String {
    let rows = rows(r);
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail, and every record has four fields.
    w.write_record(["section", "metric", "dimension", "value"])
        .expect("write to memory");
    for row in &rows {
        w.write_record([
            neutralize(row.section).as_ref(),
            neutralize(&row.metric).as_ref(),
            neutralize(&row.dimension).as_ref(),
            row.value.cell().as_ref(),
        ])
        .expect("write to memory");
    }
    let bytes = w.into_inner().expect("flush to memory");
    String::from_utf8(bytes).expect("the rows are UTF-8")
}

/// One group of rows per finding, in rank order (dimension = the finding's id).
fn findings(r: &Report, o: &mut Rows) {
    for (i, f) in r.findings.iter().enumerate() {
        o.count("findings", "rank", &f.id, i as u64 + 1);
        o.push("findings", "area", &f.id, Value::Text(f.area.clone()));
        o.count("findings", "leads", &f.id, f.leads);
        o.push(
            "findings",
            "headline",
            &f.id,
            Value::Text(f.headline.clone()),
        );
        o.push("findings", "action", &f.id, Value::Text(f.action.clone()));
    }
}

fn rows(r: &Report) -> Vec<Row> {
    let mut o = Rows { rows: Vec::new() };
    let text = |s: &str| Value::Text(s.to_string());

    o.push("report", "as_of", "", text(&r.as_of));
    o.push("report", "as_of_source", "", text(&r.as_of_source));
    o.push("sla", "hours", "", Value::Number(r.sla.hours));
    o.push("sla", "clock", "", text(&r.sla.clock));

    let i = &r.inputs;
    let mut files = vec![("marketing", &i.marketing), ("crm", &i.crm)];
    if let Some(a) = &i.activities {
        files.push(("activities", a));
    }
    for (name, file) in files {
        o.push("inputs", "path", name, text(&file.path));
        o.count("inputs", "rows", name, file.rows);
        o.count("inputs", "skipped", name, file.skipped);
        o.count("inputs", "footer_lines", name, file.footer_lines);
    }

    findings(r, &mut o);

    let f = &r.follow_up;
    for (metric, n) in [
        ("handed_over", f.handed_over),
        ("in_window", f.in_window),
        ("eligible", f.eligible),
        ("followed_up", f.followed_up),
        ("within_sla", f.within_sla),
        ("late", f.late),
        ("never", f.never),
        ("breaches", f.breaches),
    ] {
        o.count("follow_up", metric, "", n);
    }
    for (metric, x) in [
        ("follow_up_rate", f.follow_up_rate),
        ("sla_met_rate", f.sla_met_rate),
        ("breach_rate", f.breach_rate),
    ] {
        o.push("follow_up", metric, "", Value::Number(x));
    }
    let q = f.hours_to_first_touch;
    for (metric, x) in [
        ("hours_to_first_touch.median", q.median),
        ("hours_to_first_touch.p90", q.p90),
    ] {
        o.push(
            "follow_up",
            metric,
            "",
            x.map_or(Value::Missing, Value::Number),
        );
    }
    for b in &f.buckets {
        o.count("follow_up", "buckets", &b.label, b.count);
    }

    let own = &r.ownership;
    o.count("ownership", "unowned", "", own.unowned);
    o.count("ownership", "unowned_breaches", "", own.unowned_breaches);
    for w in &own.owners {
        for (metric, n) in [
            ("owners.eligible", w.eligible),
            ("owners.followed_up", w.followed_up),
            ("owners.within_sla", w.within_sla),
            ("owners.breaches", w.breaches),
            ("owners.dispositioned", w.dispositioned),
        ] {
            o.count("ownership", metric, &w.owner, n);
        }
    }

    if let Some(d) = &r.definition {
        o.push("definition", "name", "", text(&d.name));
        o.push("definition", "version", "", text(&d.version));
        o.push(
            "definition",
            "reviewed",
            "",
            d.reviewed.as_deref().map_or(Value::Missing, text),
        );
        o.push("definition", "stale", "", Value::Flag(d.stale));
        o.count("definition", "evaluated", "", d.evaluated);
        o.count("definition", "ready", "", d.ready);
        let m = &d.mismatches;
        for (metric, n) in [
            ("mismatches.mql_not_ready", m.mql_not_ready),
            ("mismatches.ready_not_mql", m.ready_not_mql),
            ("mismatches.ready_rejected", m.ready_rejected),
            ("mismatches.not_ready_accepted", m.not_ready_accepted),
        ] {
            o.count("definition", metric, "", n);
        }
        for c in &d.failing_criteria {
            o.count("definition", "failing_criteria", &c.id, c.count);
        }
        for c in &d.crosstab {
            let dim = format!("{}|{}|{}", c.marketing, c.definition, c.sales);
            o.count("definition", "crosstab", &dim, c.count);
        }
    }

    let fb = &r.feedback;
    o.count("feedback", "eligible", "", fb.eligible);
    o.count("feedback", "dispositioned", "", fb.dispositioned);
    o.push("feedback", "coverage", "", Value::Number(fb.coverage));
    o.count("feedback", "rejected", "", fb.rejected);
    o.count(
        "feedback",
        "rejected_without_reason",
        "",
        fb.rejected_without_reason,
    );
    for v in &fb.dispositions {
        o.count("feedback", "dispositions", &v.value, v.count);
    }
    for v in &fb.reasons {
        o.count("feedback", "reasons", &v.value, v.count);
    }

    for m in &r.months {
        for (metric, n) in [
            ("handed_over", m.handed_over),
            ("eligible", m.eligible),
            ("followed_up", m.followed_up),
            ("breaches", m.breaches),
            ("dispositioned", m.dispositioned),
            ("mql_not_ready", m.mql_not_ready),
        ] {
            o.count("months", metric, &m.month, n);
        }
    }

    let dq = &r.data_quality;
    o.count(
        "data_quality",
        "duplicate_keys.marketing",
        "",
        dq.duplicate_keys.marketing,
    );
    o.count(
        "data_quality",
        "duplicate_keys.crm",
        "",
        dq.duplicate_keys.crm,
    );
    o.count(
        "data_quality",
        "marketing_without_crm",
        "",
        dq.marketing_without_crm,
    );
    o.count(
        "data_quality",
        "activities_without_marketing",
        "",
        dq.activities_without_marketing,
    );
    o.count(
        "data_quality",
        "touches_before_handover",
        "",
        dq.touches_before_handover,
    );
    o.count(
        "data_quality",
        "skipped_rows_total",
        "",
        dq.skipped_rows_total,
    );
    for (id, n) in &dq.unparsable {
        o.count("data_quality", "unparsable", id, *n);
    }
    for s in &dq.skipped_rows {
        let dim = format!("{}:{}", s.source, s.line);
        o.push("data_quality", "skipped_rows", &dim, text(&s.reason));
    }

    for (n, w) in r.warnings.iter().enumerate() {
        o.push("warnings", "warning", &(n + 1).to_string(), text(w));
    }
    o.rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::figures::{OwnerRow, ValueCount};

    fn demo() -> Report {
        super::super::demo_report()
    }

    fn read(text: &str) -> Vec<[String; 4]> {
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            rd.headers().expect("a header"),
            vec!["section", "metric", "dimension", "value"]
        );
        rd.records()
            .map(|rec| {
                let rec = rec.expect("a well-formed record");
                assert_eq!(rec.len(), 4, "{rec:?}");
                [0, 1, 2, 3].map(|i| rec[i].to_string())
            })
            .collect()
    }

    fn value<'a>(rows: &'a [[String; 4]], s: &str, m: &str, d: &str) -> &'a str {
        let hits: Vec<_> = rows
            .iter()
            .filter(|r| r[0] == s && r[1] == m && r[2] == d)
            .collect();
        assert_eq!(hits.len(), 1, "one row {s},{m},{d}");
        &hits[0][3]
    }

    #[test]
    fn neutralize_prefixes_formula_starts_only() {
        for (input, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain", "plain"),
            ("", ""),
            ("'=already", "'=already"),
            ("a=b", "a=b"),
            (" =x", " =x"),
            ("2026-08", "2026-08"),
        ] {
            assert_eq!(neutralize(input), want, "{input:?}");
        }
        assert!(matches!(neutralize("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn round_trips_every_figure_of_the_demo() {
        let r = demo();
        let text = render(&r);
        assert!(text.starts_with("section,metric,dimension,value\n"));
        let rows = read(&text);
        assert_eq!(value(&rows, "report", "as_of", ""), r.as_of);
        assert_eq!(value(&rows, "sla", "hours", ""), "48");
        assert_eq!(value(&rows, "inputs", "rows", "activities"), "625");
        assert_eq!(value(&rows, "follow_up", "eligible", ""), "299");
        let rate: f64 = value(&rows, "follow_up", "breach_rate", "")
            .parse()
            .unwrap();
        assert_eq!(rate, r.follow_up.breach_rate);
        let p90: f64 = value(&rows, "follow_up", "hours_to_first_touch.p90", "")
            .parse()
            .unwrap();
        assert_eq!(Some(p90), r.follow_up.hours_to_first_touch.p90);
        assert_eq!(value(&rows, "follow_up", "buckets", "<=5m"), "30");
        assert_eq!(value(&rows, "follow_up", "buckets", "never"), "102");
        assert_eq!(value(&rows, "ownership", "unowned", ""), "33");
        assert_eq!(
            value(&rows, "ownership", "owners.breaches", "Trevor Dunn"),
            "16"
        );
        assert_eq!(value(&rows, "definition", "stale", ""), "true");
        assert_eq!(
            value(&rows, "definition", "mismatches.mql_not_ready", ""),
            "109"
        );
        assert_eq!(
            value(&rows, "definition", "failing_criteria", "budget"),
            "56"
        );
        assert_eq!(
            value(&rows, "definition", "crosstab", "mql|ready|accepted"),
            "101"
        );
        assert_eq!(value(&rows, "feedback", "dispositions", "Qualified"), "60");
        assert_eq!(value(&rows, "feedback", "reasons", "Wrong persona"), "29");
        assert_eq!(value(&rows, "months", "breaches", "2026-10"), "54");
        assert_eq!(value(&rows, "data_quality", "duplicate_keys.crm", ""), "1");
        assert_eq!(value(&rows, "data_quality", "unparsable", "size"), "5");
        assert!(value(&rows, "warnings", "warning", "1").contains("last reviewed"));

        // One row per figure: per owner 5, per month 6, per bucket, per crosstab cell...
        let d = r.definition.as_ref().unwrap();
        let expected = 2
            + 2
            + 3 * 4
            + 11
            + 2
            + r.follow_up.buckets.len()
            + 2
            + 5 * r.ownership.owners.len()
            + 6
            + 4
            + d.failing_criteria.len()
            + d.crosstab.len()
            + 5
            + r.feedback.dispositions.len()
            + r.feedback.reasons.len()
            + 6 * r.months.len()
            + 6
            + r.data_quality.unparsable.len()
            + r.data_quality.skipped_rows.len()
            + r.warnings.len()
            + 5 * r.findings.len();
        assert_eq!(rows.len(), expected);
    }

    #[test]
    fn text_cells_are_neutralized_and_quoted() {
        let mut r = demo();
        r.ownership.owners[0].owner = "=HYPERLINK(\"http://x\",\"y\")".into();
        r.ownership.owners.push(OwnerRow {
            owner: "@evil,\nname".into(),
            eligible: 1,
            followed_up: 0,
            within_sla: 0,
            breaches: 1,
            dispositioned: 0,
        });
        r.feedback.reasons.push(ValueCount {
            value: "-1 budget".into(),
            count: 2,
        });
        r.definition.as_mut().unwrap().name = "+Ready".into();
        r.warnings.push("=cmd|' /C calc'!A0".into());
        let rows = read(&render(&r));
        assert_eq!(
            value(
                &rows,
                "ownership",
                "owners.eligible",
                "'=HYPERLINK(\"http://x\",\"y\")"
            ),
            "20"
        );
        assert_eq!(
            value(&rows, "ownership", "owners.breaches", "'@evil,\nname"),
            "1"
        );
        assert_eq!(value(&rows, "feedback", "reasons", "'-1 budget"), "2");
        assert_eq!(value(&rows, "definition", "name", ""), "'+Ready");
        assert!(rows.iter().any(|r| r[3] == "'=cmd|' /C calc'!A0"));
        for row in &rows {
            for c in row {
                assert!(
                    !matches!(
                        c.as_bytes().first(),
                        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
                    ),
                    "unneutralised cell {c:?}"
                );
            }
        }
    }

    #[test]
    fn missing_numbers_are_empty_cells() {
        let mut r = demo();
        r.follow_up.hours_to_first_touch.median = None;
        r.definition = None;
        let rows = read(&render(&r));
        assert_eq!(
            value(&rows, "follow_up", "hours_to_first_touch.median", ""),
            ""
        );
        assert!(!rows.iter().any(|r| r[0] == "definition"));
    }
}
