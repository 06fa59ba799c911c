//! The terminal report: comfy-table sections that read in 100 columns.

use comfy_table::{Cell, CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};

use super::{hours, pct, share};
use crate::audit::figures::Report;

const WIDTH: u16 = 100;

/// A rule under the header and at the bottom; no row separators, so long tables stay compact.
const STYLE: TableStyle = TableStyle::new()
    .header_separator(LineStyle::none().fill('─').junction('─'))
    .bottom_border(LineStyle::none().fill('─').junction('─'));

/// A table in the report's style: header rule, bottom rule, numbers right-aligned.
pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header.iter().map(Cell::new));
    for i in 1..header.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// Wrapping options for a paragraph with a first-line and a continuation indent.
fn wrap<'a>(first: &'a str, rest: &'a str) -> textwrap::Options<'a> {
    textwrap::Options::new(usize::from(WIDTH))
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// A section title, underlined.
pub(crate) fn section(out: &mut String, title: &str) {
    out.push('\n');
    out.push_str(title);
    out.push('\n');
    out.push_str(&"─".repeat(title.chars().count()));
    out.push('\n');
}

/// Append a table without trailing spaces.
pub(crate) fn push_table(out: &mut String, t: &Table) {
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Render the terminal report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let f = &r.follow_up;
    out.push_str(&format!(
        "handoff audit · as of {} ({}) · SLA {} h ({} clock)\n",
        r.as_of, r.as_of_source, r.sla.hours, r.sla.clock
    ));

    section(&mut out, "Findings");
    if r.findings.is_empty() {
        out.push_str("No findings: every figure is within its limit.\n");
    }
    for (i, f) in r.findings.iter().enumerate() {
        let n = format!("{:>2}. ", i + 1);
        let head = format!("{} ({} leads · {})", f.headline, f.leads, f.area);
        out.push_str(&textwrap::fill(&head, wrap(&n, "    ")));
        out.push('\n');
        out.push_str(&textwrap::fill(
            &format!("→ {}", f.action),
            wrap("    ", "      "),
        ));
        out.push('\n');
    }

    section(&mut out, "Summary");
    let mut t = table(&["Figure", "Value", "Of"]);
    t.add_row(vec![
        "Handed over (MQLs)".into(),
        f.handed_over.to_string(),
        String::new(),
    ]);
    t.add_row(vec![
        "Still inside the SLA window".into(),
        f.in_window.to_string(),
        String::new(),
    ]);
    t.add_row(vec![
        "Eligible handoffs".into(),
        f.eligible.to_string(),
        String::new(),
    ]);
    t.add_row(vec![
        "Followed up".into(),
        f.followed_up.to_string(),
        pct(f.follow_up_rate),
    ]);
    t.add_row(vec![
        "Touched within SLA".into(),
        f.within_sla.to_string(),
        pct(f.sla_met_rate),
    ]);
    t.add_row(vec![
        "SLA breaches (late + never)".into(),
        f.breaches.to_string(),
        pct(f.breach_rate),
    ]);
    t.add_row(vec![
        "Unowned handoffs".into(),
        r.ownership.unowned.to_string(),
        share(r.ownership.unowned, f.eligible),
    ]);
    t.add_row(vec![
        "Sales verdict logged".into(),
        r.feedback.dispositioned.to_string(),
        pct(r.feedback.coverage),
    ]);
    if let Some(d) = &r.definition {
        t.add_row(vec![
            "MQLs not sales-ready".into(),
            d.mismatches.mql_not_ready.to_string(),
            share(d.mismatches.mql_not_ready, f.handed_over),
        ]);
    }
    push_table(&mut out, &t);

    section(&mut out, "Speed to lead");
    let mut t = table(&["Time to first touch", "Handoffs", "Share"]);
    for b in &f.buckets {
        let label = match b.label.as_str() {
            "<=5m" => "within 5 minutes".to_string(),
            "<=1h" => "within 1 hour".to_string(),
            "<=24h" => "within 24 hours".to_string(),
            "<=SLA" => format!("within the SLA ({} h)", r.sla.hours),
            ">SLA" => "after the SLA".to_string(),
            "never" => "never".to_string(),
            other => other.to_string(),
        };
        t.add_row(vec![label, b.count.to_string(), share(b.count, f.eligible)]);
    }
    push_table(&mut out, &t);
    out.push_str(&format!(
        "Hours to first touch: median {}, p90 {} · late {}, never {}\n",
        hours(f.hours_to_first_touch.median),
        hours(f.hours_to_first_touch.p90),
        f.late,
        f.never
    ));
    let q = |label: &str, q: &Option<crate::audit::figures::Quantiles>, out: &mut String| {
        if let Some(q) = q {
            out.push_str(&format!(
                "{label}: median {}, p90 {}\n",
                hours(q.median),
                hours(q.p90)
            ));
        }
    };
    q(
        "Business hours to first touch",
        &f.hours_to_first_touch_business,
        &mut out,
    );
    q(
        "Calendar hours to first touch",
        &f.hours_to_first_touch_calendar,
        &mut out,
    );
    q(
        "Hours from assignment to first touch",
        &f.hours_from_assignment,
        &mut out,
    );
    q(
        "Hours waiting unassigned",
        &r.ownership.hours_unassigned,
        &mut out,
    );
    if let Some(c) = f.connected {
        out.push_str(&format!(
            "Reached a conversation: {c} of {} eligible handoffs\n",
            f.eligible
        ));
        q(
            "Hours to first conversation",
            &f.hours_to_first_connection,
            &mut out,
        );
    }

    section(&mut out, "Owners");
    let mut t = table(&[
        "Owner",
        "Eligible",
        "Followed up",
        "Within SLA",
        "Breaches",
        "Breach rate",
        "Verdicts",
    ]);
    for o in &r.ownership.owners {
        t.add_row(vec![
            o.owner.clone(),
            o.eligible.to_string(),
            o.followed_up.to_string(),
            o.within_sla.to_string(),
            o.breaches.to_string(),
            share(o.breaches, o.eligible),
            o.dispositioned.to_string(),
        ]);
    }
    t.add_row(vec![
        "(unowned)".into(),
        r.ownership.unowned.to_string(),
        String::new(),
        String::new(),
        r.ownership.unowned_breaches.to_string(),
        share(r.ownership.unowned_breaches, r.ownership.unowned),
        String::new(),
    ]);
    if let Some(n) = r.ownership.inactive_owner {
        t.add_row(vec![
            "  of which inactive owners".into(),
            n.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    push_table(&mut out, &t);

    section(&mut out, "Feedback loop");
    let fb = &r.feedback;
    out.push_str(&format!(
        "{} of {} eligible handoffs carry a sales verdict ({}).\n",
        fb.dispositioned,
        fb.eligible,
        pct(fb.coverage)
    ));
    let mut t = table(&["Disposition", "Handoffs", "Share"]);
    for d in &fb.dispositions {
        t.add_row(vec![
            d.value.clone(),
            d.count.to_string(),
            share(d.count, fb.eligible),
        ]);
    }
    push_table(&mut out, &t);
    if !fb.reasons.is_empty() {
        let mut t = table(&["Rejection reason", "Handoffs"]);
        for d in &fb.reasons {
            t.add_row(vec![d.value.clone(), d.count.to_string()]);
        }
        push_table(&mut out, &t);
    }

    if let Some(d) = &r.definition {
        section(&mut out, "Definition alignment");
        out.push_str(&format!(
            "\"{}\" version {} · reviewed {}{} · {} of {} leads ready\n",
            d.name,
            if d.version.is_empty() {
                "-"
            } else {
                &d.version
            },
            d.reviewed.as_deref().unwrap_or("never"),
            if d.stale { " (STALE)" } else { "" },
            d.ready,
            d.evaluated
        ));
        let cell = |m: &str, def: &str, s: &str| {
            d.crosstab
                .iter()
                .find(|c| c.marketing == m && c.definition == def && c.sales == s)
                .map_or(0, |c| c.count)
        };
        let mut t = table(&[
            "Marketing / definition",
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
                t.add_row(vec![
                    format!("{mlabel} · {dlabel}"),
                    a.to_string(),
                    rj.to_string(),
                    n.to_string(),
                    (a + rj + n).to_string(),
                ]);
            }
        }
        push_table(&mut out, &t);
        let mm = &d.mismatches;
        let mut t = table(&["Mismatch", "Leads", "Share"]);
        t.add_row(vec![
            "MQL but not ready".into(),
            mm.mql_not_ready.to_string(),
            share(mm.mql_not_ready, f.handed_over),
        ]);
        t.add_row(vec![
            "Ready but never handed over".into(),
            mm.ready_not_mql.to_string(),
            share(mm.ready_not_mql, d.ready),
        ]);
        t.add_row(vec![
            "Ready but rejected by sales".into(),
            mm.ready_rejected.to_string(),
            share(mm.ready_rejected, d.ready),
        ]);
        t.add_row(vec![
            "Not ready but accepted by sales".into(),
            mm.not_ready_accepted.to_string(),
            share(mm.not_ready_accepted, d.evaluated - d.ready),
        ]);
        push_table(&mut out, &t);
        let mut failing: Vec<_> = d.failing_criteria.iter().collect();
        failing.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        let mut t = table(&["Criterion MQLs fail", "MQLs not ready failing it", "Share"]);
        for c in failing {
            t.add_row(vec![
                c.id.clone(),
                c.count.to_string(),
                share(c.count, mm.mql_not_ready),
            ]);
        }
        push_table(&mut out, &t);
    }

    section(&mut out, "Months");
    let mut t = table(&[
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
        t.add_row(vec![
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
    push_table(&mut out, &t);

    section(&mut out, "Data quality");
    let dq = &r.data_quality;
    let mut t = table(&["Check", "Count"]);
    let i = &r.inputs;
    let mut files = vec![("marketing", &i.marketing), ("crm", &i.crm)];
    if let Some(a) = &i.activities {
        files.push(("activities", a));
    }
    for (name, file) in files {
        let footer = if file.footer_lines > 0 {
            format!(", {} footer lines", file.footer_lines)
        } else {
            String::new()
        };
        t.add_row(vec![
            format!("{name} rows loaded / skipped{footer}"),
            format!("{} / {}", file.rows, file.skipped),
        ]);
    }
    t.add_row(vec![
        "Duplicate marketing keys".into(),
        dq.duplicate_keys.marketing.to_string(),
    ]);
    t.add_row(vec![
        "Duplicate CRM keys".into(),
        dq.duplicate_keys.crm.to_string(),
    ]);
    t.add_row(vec![
        "Marketing leads without a CRM record".into(),
        dq.marketing_without_crm.to_string(),
    ]);
    t.add_row(vec![
        "Activity keys unknown to marketing".into(),
        dq.activities_without_marketing.to_string(),
    ]);
    t.add_row(vec![
        "Handoffs touched before their handover".into(),
        dq.touches_before_handover.to_string(),
    ]);
    for (id, n) in &dq.unparsable {
        t.add_row(vec![
            format!("Unreadable values for criterion `{id}`"),
            n.to_string(),
        ]);
    }
    push_table(&mut out, &t);
    if dq.skipped_rows_total > 0 {
        out.push_str(&format!("Skipped rows: {}", dq.skipped_rows_total));
        if dq.skipped_rows_total > 100 {
            out.push_str(" (first 100 shown; --skipped FILE lists all)");
        }
        out.push('\n');
        for s in dq.skipped_rows.iter().take(100) {
            out.push_str(&format!("  {} line {}: {}\n", s.source, s.line, s.reason));
        }
    }

    section(&mut out, "Warnings");
    if r.warnings.is_empty() {
        out.push_str("none\n");
    } else {
        let opts = wrap("- ", "  ");
        for w in &r.warnings {
            out.push_str(&textwrap::fill(w, &opts));
            out.push('\n');
        }
    }
    without_control_characters(out)
}

/// Data can hold escape sequences and other control characters; none may reach the terminal.
pub(crate) fn without_control_characters(text: String) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
