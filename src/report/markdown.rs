//! The Markdown report (`--format markdown`): GitHub-flavoured Markdown that pastes cleanly into
//! a document or a pull-request comment.
//!
//! This module owns the layout and the escaping of Markdown; it computes no figure (shares are
//! formatted with the helpers of [`super`]). Every text that comes from the data (owner names,
//! dispositions, the definition's name, warnings) goes through [`escape`] or [`escape_inline`], so a value
//! can neither break a table nor render as a heading, a list, a link or HTML.

use std::fmt::Write as _;

use super::{hours, pct, share};
use crate::audit::figures::{DefinitionFigures, Report};

/// Render the whole report as GitHub-flavoured Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let f = &r.follow_up;
    out.push_str("# Lead handoff audit\n\n");
    let _ = writeln!(
        out,
        "As of **{}** ({}) · SLA **{} h** ({} clock)",
        escape(&r.as_of),
        escape(&r.as_of_source),
        r.sla.hours,
        escape(&r.sla.clock)
    );

    findings(r, &mut out);

    heading(&mut out, "Summary");
    let mut t = Table::new(&["Figure", "Value", "Rate"]);
    t.row([
        "Handed over (MQLs)".into(),
        f.handed_over.to_string(),
        String::new(),
    ]);
    t.row([
        "Still inside the SLA window".into(),
        f.in_window.to_string(),
        String::new(),
    ]);
    t.row([
        "Eligible handoffs".into(),
        f.eligible.to_string(),
        String::new(),
    ]);
    t.row([
        "Followed up".into(),
        f.followed_up.to_string(),
        pct(f.follow_up_rate),
    ]);
    t.row([
        "Touched within SLA".into(),
        f.within_sla.to_string(),
        pct(f.sla_met_rate),
    ]);
    t.row([
        "SLA breaches (late + never)".into(),
        f.breaches.to_string(),
        pct(f.breach_rate),
    ]);
    t.row([
        "Unowned handoffs".into(),
        r.ownership.unowned.to_string(),
        share(r.ownership.unowned, f.eligible),
    ]);
    t.row([
        "Sales verdict logged (disposition coverage)".into(),
        r.feedback.dispositioned.to_string(),
        pct(r.feedback.coverage),
    ]);
    if let Some(d) = &r.definition {
        t.row([
            "MQLs not sales-ready".into(),
            d.mismatches.mql_not_ready.to_string(),
            share(d.mismatches.mql_not_ready, f.handed_over),
        ]);
    }
    t.write(&mut out);

    heading(&mut out, "Speed to lead");
    let mut t = Table::new(&["Time to first touch", "Handoffs", "Share"]);
    for b in &f.buckets {
        t.row([
            bucket_label(&b.label, r.sla.hours),
            b.count.to_string(),
            share(b.count, f.eligible),
        ]);
    }
    t.write(&mut out);
    let _ = writeln!(
        out,
        "\nHours to first touch: median {}, p90 {} · late {}, never {}.",
        hours(f.hours_to_first_touch.median),
        hours(f.hours_to_first_touch.p90),
        f.late,
        f.never
    );

    heading(&mut out, "Owners");
    let mut t = Table::new(&[
        "Owner",
        "Eligible",
        "Followed up",
        "Within SLA",
        "Breaches",
        "Breach rate",
        "Verdicts",
    ]);
    for o in &r.ownership.owners {
        t.row([
            o.owner.clone(),
            o.eligible.to_string(),
            o.followed_up.to_string(),
            o.within_sla.to_string(),
            o.breaches.to_string(),
            share(o.breaches, o.eligible),
            o.dispositioned.to_string(),
        ]);
    }
    t.row([
        "(unowned)".into(),
        r.ownership.unowned.to_string(),
        String::new(),
        String::new(),
        r.ownership.unowned_breaches.to_string(),
        share(r.ownership.unowned_breaches, r.ownership.unowned),
        String::new(),
    ]);
    t.write(&mut out);

    heading(&mut out, "Feedback loop");
    let fb = &r.feedback;
    let _ = writeln!(
        out,
        "{} of {} eligible handoffs carry a sales verdict ({}).\n",
        fb.dispositioned,
        fb.eligible,
        pct(fb.coverage)
    );
    let mut t = Table::new(&["Disposition", "Handoffs", "Share"]);
    for d in &fb.dispositions {
        t.row([
            d.value.clone(),
            d.count.to_string(),
            share(d.count, fb.eligible),
        ]);
    }
    t.write(&mut out);
    if !fb.reasons.is_empty() {
        out.push('\n');
        let mut t = Table::new(&["Rejection reason", "Handoffs"]);
        for d in &fb.reasons {
            t.row([d.value.clone(), d.count.to_string()]);
        }
        t.write(&mut out);
    }

    if let Some(d) = &r.definition {
        definition(&mut out, r, d);
    }

    heading(&mut out, "Months");
    let mut t = Table::new(&[
        "Month",
        "Handed over",
        "Eligible",
        "Followed up",
        "Breaches",
        "Breach rate",
        "Verdicts",
        "Not ready",
    ]);
    for m in &r.months {
        t.row([
            m.month.clone(),
            m.handed_over.to_string(),
            m.eligible.to_string(),
            m.followed_up.to_string(),
            m.breaches.to_string(),
            share(m.breaches, m.eligible),
            m.dispositioned.to_string(),
            m.mql_not_ready.to_string(),
        ]);
    }
    t.write(&mut out);

    data_quality(&mut out, r);

    heading(&mut out, "Warnings");
    if r.warnings.is_empty() {
        out.push_str("None.\n");
    } else {
        for w in &r.warnings {
            let _ = writeln!(out, "- {}", escape(w));
        }
    }
    out
}

/// The "Findings" section (issue 9 fills it from `Report::findings`). It writes nothing yet, so
/// the report has no empty heading.
/// The ranked findings, first thing in the report.
fn findings(r: &Report, out: &mut String) {
    heading(out, "Findings");
    if r.findings.is_empty() {
        out.push_str("No findings: every figure is within its limit.\n");
        return;
    }
    for (i, f) in r.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. **{}** ({} leads · {}) → {}",
            i + 1,
            escape_inline(&f.headline),
            f.leads,
            escape_inline(&f.area),
            escape_inline(&f.action)
        );
    }
}

fn definition(out: &mut String, r: &Report, d: &DefinitionFigures) {
    heading(out, "Definition alignment");
    let version = if d.version.is_empty() {
        "-".to_string()
    } else {
        escape(&d.version)
    };
    let review = match &d.reviewed {
        Some(date) if d.stale => format!("last reviewed {} — **review overdue**", escape(date)),
        Some(date) => format!("last reviewed {}", escape(date)),
        None => "**never reviewed**".to_string(),
    };
    let _ = writeln!(
        out,
        "Definition **{}**, version {} · {} · {} of {} marketing leads are sales-ready.",
        escape(&d.name),
        version,
        review,
        d.ready,
        d.evaluated
    );

    out.push_str("\n### Marketing × definition × sales\n\n");
    let cell = |m: &str, def: &str, s: &str| {
        d.crosstab
            .iter()
            .find(|c| c.marketing == m && c.definition == def && c.sales == s)
            .map_or(0, |c| c.count)
    };
    let mut t = Table::new(&[
        "Marketing",
        "Definition",
        "Sales accepted",
        "Sales rejected",
        "No verdict",
        "Total",
    ]);
    for (m, mlabel) in [("mql", "MQL"), ("not_mql", "not MQL")] {
        for (def, dlabel) in [("ready", "ready"), ("not_ready", "not ready")] {
            let a = cell(m, def, "accepted");
            let rj = cell(m, def, "rejected");
            let n = cell(m, def, "none");
            t.row([
                mlabel.into(),
                dlabel.into(),
                a.to_string(),
                rj.to_string(),
                n.to_string(),
                (a + rj + n).to_string(),
            ]);
        }
    }
    t.write(out);

    out.push_str("\n### Mismatches\n\n");
    let mm = &d.mismatches;
    let not_ready = d.evaluated.saturating_sub(d.ready);
    let mut t = Table::new(&["Mismatch", "Leads", "Share", "Of"]);
    t.row([
        "MQL but not ready".into(),
        mm.mql_not_ready.to_string(),
        share(mm.mql_not_ready, r.follow_up.handed_over),
        "MQLs".into(),
    ]);
    t.row([
        "Ready but never handed over".into(),
        mm.ready_not_mql.to_string(),
        share(mm.ready_not_mql, d.ready),
        "ready leads".into(),
    ]);
    t.row([
        "Ready but rejected by sales".into(),
        mm.ready_rejected.to_string(),
        share(mm.ready_rejected, d.ready),
        "ready leads".into(),
    ]);
    t.row([
        "Not ready but accepted by sales".into(),
        mm.not_ready_accepted.to_string(),
        share(mm.not_ready_accepted, not_ready),
        "not-ready leads".into(),
    ]);
    t.write(out);

    out.push_str("\n### Criteria the MQLs fail\n\n");
    let mut failing: Vec<_> = d.failing_criteria.iter().collect();
    failing.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    let mut t = Table::new(&["Criterion", "MQLs not ready failing it", "Share"]);
    for c in failing {
        t.row([
            c.id.clone(),
            c.count.to_string(),
            share(c.count, mm.mql_not_ready),
        ]);
    }
    t.write(out);
}

fn data_quality(out: &mut String, r: &Report) {
    heading(out, "Data quality");
    let i = &r.inputs;
    let mut files = vec![("marketing", &i.marketing), ("crm", &i.crm)];
    if let Some(a) = &i.activities {
        files.push(("activities", a));
    }
    let mut t = Table::new(&["Source", "File", "Rows loaded", "Skipped", "Footer lines"]);
    for (name, file) in files {
        t.row([
            name.into(),
            file.path.clone(),
            file.rows.to_string(),
            file.skipped.to_string(),
            file.footer_lines.to_string(),
        ]);
    }
    t.write(out);
    out.push('\n');

    let dq = &r.data_quality;
    let mut t = Table::new(&["Check", "Count"]);
    t.row([
        "Duplicate marketing keys".into(),
        dq.duplicate_keys.marketing.to_string(),
    ]);
    t.row([
        "Duplicate CRM keys".into(),
        dq.duplicate_keys.crm.to_string(),
    ]);
    t.row([
        "Marketing leads without a CRM record".into(),
        dq.marketing_without_crm.to_string(),
    ]);
    t.row([
        "Activity keys unknown to marketing".into(),
        dq.activities_without_marketing.to_string(),
    ]);
    t.row([
        "Handoffs touched before their handover".into(),
        dq.touches_before_handover.to_string(),
    ]);
    t.row(["Skipped rows".into(), dq.skipped_rows_total.to_string()]);
    for (id, n) in &dq.unparsable {
        t.row([
            format!("Unreadable values for criterion {id}"),
            n.to_string(),
        ]);
    }
    t.write(out);

    if !dq.skipped_rows.is_empty() {
        const SHOWN: usize = 100;
        let _ = write!(out, "\nSkipped rows");
        if dq.skipped_rows_total > SHOWN as u64 {
            let _ = write!(
                out,
                " (first {SHOWN} of {}; `--skipped FILE.csv` lists all)",
                dq.skipped_rows_total
            );
        }
        out.push_str(":\n\n");
        let mut t = Table::new(&["Source", "Line", "Reason"]);
        for s in dq.skipped_rows.iter().take(SHOWN) {
            t.row([s.source.clone(), s.line.to_string(), s.reason.clone()]);
        }
        t.write(out);
    }
}

/// A bucket's label for people.
fn bucket_label(label: &str, sla_hours: f64) -> String {
    match label {
        "<=5m" => "within 5 minutes".into(),
        "<=1h" => "within 1 hour".into(),
        "<=24h" => "within 24 hours".into(),
        "<=SLA" => format!("within the SLA ({sla_hours} h)"),
        ">SLA" => "after the SLA".into(),
        "never" => "never".into(),
        other => other.into(),
    }
}

fn heading(out: &mut String, title: &str) {
    out.push_str("\n## ");
    out.push_str(title);
    out.push_str("\n\n");
}

/// A GFM table: the first column is text, the others are right-aligned figures. Every cell is
/// escaped with [`escape_inline`] when the table is written.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn row<const N: usize>(&mut self, cells: [String; N]) {
        debug_assert_eq!(N, self.header.len(), "row width matches the header");
        self.rows.push(cells.into());
    }

    /// Which columns are text (left-aligned): the first, plus any column whose cells are not
    /// all figures (a file path, a skip reason).
    fn text_columns(&self) -> Vec<bool> {
        (0..self.header.len())
            .map(|i| {
                i == 0
                    || self.rows.iter().any(|r| {
                        !r[i].is_empty()
                            && !r[i]
                                .chars()
                                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '-'))
                    })
            })
            .collect()
    }

    fn write(&self, out: &mut String) {
        let text_cols = self.text_columns();
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for c in cells {
                out.push(' ');
                out.push_str(&escape_inline(c));
                out.push_str(" |");
            }
            out.push('\n');
        };
        line(out, &self.header);
        out.push('|');
        for text in &text_cols {
            out.push_str(if *text { " :--- |" } else { " ---: |" });
        }
        out.push('\n');
        for r in &self.rows {
            line(out, r);
        }
    }
}

/// Escape a value for running Markdown text (a paragraph, a list item): as [`escape_inline`],
/// and a value that would start a block (`#` heading, `-`/`+` or `1.`/`1)` list item) has the
/// marker escaped. (`>` is already an entity, and `*` is always escaped.)
pub fn escape(s: &str) -> String {
    let out = escape_inline(s);
    let bytes = out.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    // A marker counts only when followed by a space or the end of the line.
    let marker_at = |i: usize| matches!(bytes.get(i + 1), None | Some(b' ' | b'\t'));
    match bytes.first() {
        Some(b'#') => {
            let hashes = bytes.iter().take_while(|b| **b == b'#').count();
            if hashes <= 6 && marker_at(hashes - 1) {
                return format!("\\{out}");
            }
        }
        Some(b'-' | b'+') if marker_at(0) => return format!("\\{out}"),
        Some(b'0'..=b'9')
            if digits <= 9
                && matches!(bytes.get(digits), Some(b'.' | b')'))
                && marker_at(digits) =>
        {
            return format!("{}\\{}", &out[..digits], &out[digits..]);
        }
        _ => {}
    }
    out
}

/// Escape a value for a table cell or inside a line: every character that could start inline
/// markup (`\`, `|`, `` ` ``, `*`, `_`, `[`, `]`, `~`) is backslash-escaped, `<`, `>` and `&`
/// become entities (so nothing renders as HTML), and line breaks become spaces (a table row is
/// one line). Block markers need no escape inside a table cell.
pub fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(' ');
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::figures::{OwnerRow, ValueCount};

    fn demo() -> Report {
        super::super::demo_report()
    }

    /// The table rows of `md` (lines starting with `|`), split into unescaped-pipe cells.
    fn table_lines(md: &str) -> Vec<&str> {
        md.lines().filter(|l| l.starts_with('|')).collect()
    }

    fn cells(line: &str) -> usize {
        // Count unescaped pipes: each row is `| a | b |`, so cells = pipes - 1.
        let mut n = 0;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '|' && prev != '\\' {
                n += 1;
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        n - 1
    }

    #[test]
    fn escapes_markup_html_and_line_breaks() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape("R&D"), "R&amp;D");
        assert_eq!(escape("two\nlines\r\nthree\rfour"), "two lines three four");
        assert_eq!(escape("# Heading"), "\\# Heading");
        assert_eq!(escape("###"), "\\###");
        assert_eq!(escape("#hashtag"), "#hashtag");
        assert_eq!(escape("> quote"), "&gt; quote");
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("-"), "\\-");
        assert_eq!(escape("+ item"), "\\+ item");
        assert_eq!(escape("-1 budget"), "-1 budget");
        assert_eq!(escape("12. item"), "12\\. item");
        assert_eq!(escape("3) item"), "3\\) item");
        assert_eq!(escape("65.9%"), "65.9%");
        assert_eq!(escape("2026-08"), "2026-08");
        assert_eq!(
            escape("*bold* _it_ `code` [l](u) ~s~ ![i]"),
            "\\*bold\\* \\_it\\_ \\`code\\` \\[l\\](u) \\~s\\~ !\\[i\\]"
        );
        assert_eq!(escape("Kevin O'Brien - AE"), "Kevin O'Brien - AE");
        assert_eq!(escape(""), "");
        // In a table cell, block markers are harmless and stay as they are.
        assert_eq!(escape_inline("- 1."), "- 1.");
    }

    #[test]
    fn hostile_names_keep_the_table_shape() {
        let mut r = demo();
        r.ownership.owners.push(OwnerRow {
            owner: "Eve | <b>x</b>\n# not a heading \\|".into(),
            eligible: 3,
            followed_up: 1,
            within_sla: 1,
            breaches: 2,
            dispositioned: 0,
        });
        r.feedback.dispositions.push(ValueCount {
            value: "- | -".into(),
            count: 1,
        });
        let md = render(&r);
        for l in table_lines(&md) {
            assert!(!l.contains('\n'));
        }
        // Every table's rows have the width of its header.
        let mut width = None;
        for block in md.split("\n\n") {
            let lines = table_lines(block);
            if lines.is_empty() {
                continue;
            }
            for l in &lines {
                let w = cells(l);
                assert_eq!(*width.get_or_insert(w), w, "ragged row {l:?} in\n{block}");
            }
            width = None;
        }
        assert!(md.contains("| Eve \\| &lt;b&gt;x&lt;/b&gt; # not a heading \\\\\\| |"));
        assert!(!md.contains("<b>"));
    }

    #[test]
    fn sections_and_alignment() {
        let md = render(&demo());
        assert!(md.starts_with("# Lead handoff audit\n\nAs of **2026-11-03T22:00:00Z** (config)"));
        for h in [
            "## Summary",
            "## Speed to lead",
            "## Owners",
            "## Feedback loop",
            "## Definition alignment",
            "### Marketing × definition × sales",
            "### Mismatches",
            "### Criteria the MQLs fail",
            "## Months",
            "## Data quality",
            "## Warnings",
        ] {
            assert!(md.contains(&format!("\n{h}\n")), "missing {h}");
        }
        assert!(md.contains("| Figure | Value | Rate |\n| :--- | ---: | ---: |\n"));
        assert!(md.contains("| Source | File | Rows loaded | Skipped | Footer lines |\n"));
        assert!(md.contains("| :--- | :--- | ---: | ---: | ---: |\n"));
        assert!(md.contains("| MQL | ready | 101 | 23 | 73 | 197 |"));
        assert!(md.contains("review overdue"));
        assert!(md.contains("| Trevor Dunn | 25 | 13 | 9 | 16 | 64.0% | 12 |"));
        assert!(md.contains("| (unowned) | 33 |  |  | 29 | 87.9% |  |"));
    }
}
