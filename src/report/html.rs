//! The HTML report (`--format html`): one self-contained page a consultant can mail to a
//! leadership team.
//!
//! The page carries everything inline: one `<style>` block, charts drawn as inline SVG, no
//! script, font, image or stylesheet from anywhere (it opens offline and makes no request). It
//! prints on A4 (`@media print`) and reads on a phone (fluid widths, SVG `viewBox`). Each chart
//! is an `<svg data-chart="…">` whose marks carry `data-*` attributes holding the figures, so a
//! test (or a curious reader) can check the drawing against the JSON report.
//!
//! This module lays out figures; it computes none beyond the shares it prints. Every text from
//! the data goes through [`escape`], in element content and in attributes alike.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{hours, pct, share};
use crate::audit::figures::{DefinitionFigures, Report};

/// The SVG namespace: the only URL the page contains (it is a name, never fetched).
const SVG_NS: &str = "http://www.w3.org/2000/svg";
/// Chart width in SVG user units; every chart scales to its box with `viewBox`.
const W: f64 = 440.0;

/// Escape text for HTML element content and quoted attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Render the whole report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = format!("Lead handoff audit · as of {}", day(&r.as_of));
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"handoff {}\">\n<title>{}</title>\n<style>{}</style>\n\
         </head>\n<body>\n<main class=\"page\">\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title),
        CSS
    );
    masthead(&mut o, r);
    kpis(&mut o, r);
    findings(&mut o, r);

    o.push_str("<section class=\"charts\" aria-label=\"Charts\">\n");
    figure(
        &mut o,
        "Speed to lead",
        &format!(
            "Time from handover to the first sales touch, {} eligible handoffs. Median {}, p90 {}.",
            int(r.follow_up.eligible),
            hours(r.follow_up.hours_to_first_touch.median),
            hours(r.follow_up.hours_to_first_touch.p90)
        ),
        &buckets_chart(r),
    );
    figure(
        &mut o,
        "Follow-up and SLA breaches by month",
        "Share of each month's eligible handoffs that sales ever touched, and that missed the \
         SLA (touched late or never). n = eligible handoffs.",
        &months_chart(r),
    );
    figure(
        &mut o,
        "SLA breaches per owner",
        "Eligible handoffs touched late or never, by the CRM owner; \u{201c}of\u{201d} = the \
         owner's eligible handoffs.",
        &owners_chart(r),
    );
    match &r.definition {
        Some(d) => figure(
            &mut o,
            "Where marketing, the definition and sales disagree",
            "Every marketing lead by marketing's MQL flag, the written definition's verdict and \
             the sales verdict. Outlined cells are mismatches.",
            &crosstab_chart(d),
        ),
        None => o.push_str(
            "<figure class=\"card chart\"><h2>Definition alignment</h2>\
             <p class=\"muted\">No written sales-ready definition is configured, so MQLs cannot \
             be checked against it.</p></figure>\n",
        ),
    }
    o.push_str("</section>\n");

    owners_table(&mut o, r);
    feedback(&mut o, r);
    if let Some(d) = &r.definition {
        definition(&mut o, r, d);
    }
    months_table(&mut o, r);
    data_quality(&mut o, r);
    warnings(&mut o, r);
    glossary(&mut o, r);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// The "Findings" section (issue 9 fills it from `Report::findings`); writes nothing yet.
/// The ranked findings, right under the headline figures.
fn findings(o: &mut String, r: &Report) {
    section_open(o, "findings", "Findings");
    if r.findings.is_empty() {
        o.push_str("<p>No findings: every figure is within its limit.</p>\n</section>\n");
        return;
    }
    o.push_str("<ol class=\"findings\">\n");
    for f in &r.findings {
        let _ = writeln!(
            o,
            "<li data-finding=\"{}\"><p><strong>{}</strong> <span class=\"muted\">({} leads · {})</span></p><p>→ {}</p></li>",
            escape(&f.id),
            escape(&f.headline),
            f.leads,
            escape(&f.area),
            escape(&f.action)
        );
    }
    o.push_str("</ol>\n</section>\n");
}

fn masthead(o: &mut String, r: &Report) {
    let source = match r.as_of_source.as_str() {
        "flag" => "set with --as-of",
        "config" => "set in the config",
        "data" => "latest date in the data",
        "now" => "time of the run",
        _ => "",
    };
    let _ = write!(
        o,
        "<header class=\"masthead\">\n<p class=\"eyebrow\">Marketing \u{2192} sales lead handoff \
         audit</p>\n<h1>Lead handoff audit</h1>\n<p class=\"meta\">\
         <span>As of <time datetime=\"{}\">{}</time>{}</span>\
         <span>SLA {} h, {} clock</span>",
        escape(&r.as_of),
        escape(&when(&r.as_of)),
        if source.is_empty() {
            String::new()
        } else {
            format!(" ({source})")
        },
        num(r.sla.hours),
        escape(&r.sla.clock),
    );
    if let Some(d) = &r.definition {
        let _ = write!(
            o,
            "<span>Definition \u{201c}{}\u{201d}{}</span>",
            escape(&d.name),
            if d.version.is_empty() {
                String::new()
            } else {
                format!(" {}", escape(&d.version))
            }
        );
    }
    o.push_str("</p>\n</header>\n");
}

fn kpis(o: &mut String, r: &Report) {
    let f = &r.follow_up;
    o.push_str("<section class=\"kpis\" aria-label=\"Summary\">\n");
    let mut kpi = |key: &str, label: &str, value: String, note: String| {
        let _ = writeln!(
            o,
            "<div class=\"kpi\" data-kpi=\"{key}\"><p class=\"kpi-label\">{label}</p>\
             <p class=\"kpi-value\">{value}</p><p class=\"kpi-note\">{note}</p></div>"
        );
    };
    kpi(
        "follow_up_rate",
        "Follow-up rate",
        pct(f.follow_up_rate),
        format!(
            "{} of {} eligible handoffs were ever touched by sales",
            int(f.followed_up),
            int(f.eligible)
        ),
    );
    kpi(
        "breach_rate",
        "SLA breach rate",
        pct(f.breach_rate),
        format!(
            "{} not touched within {} h: {} late, {} never",
            int(f.breaches),
            num(r.sla.hours),
            int(f.late),
            int(f.never)
        ),
    );
    kpi(
        "unowned",
        "Unowned handoffs",
        int(r.ownership.unowned),
        format!(
            "{} of eligible handoffs; {} of them breached the SLA",
            share(r.ownership.unowned, f.eligible),
            int(r.ownership.unowned_breaches)
        ),
    );
    kpi(
        "coverage",
        "Disposition coverage",
        pct(r.feedback.coverage),
        format!(
            "{} of {} carry an accepted or rejected verdict",
            int(r.feedback.dispositioned),
            int(r.feedback.eligible)
        ),
    );
    match &r.definition {
        Some(d) => kpi(
            "mql_not_ready",
            "MQLs not sales-ready",
            int(d.mismatches.mql_not_ready),
            format!(
                "{} of {} MQLs fail the written definition",
                share(d.mismatches.mql_not_ready, f.handed_over),
                int(f.handed_over)
            ),
        ),
        None => kpi(
            "mql_not_ready",
            "MQLs not sales-ready",
            "\u{2013}".into(),
            "no written definition configured".into(),
        ),
    }
    o.push_str("</section>\n");
}

fn figure(o: &mut String, title: &str, caption: &str, svg: &str) {
    let _ = write!(
        o,
        "<figure class=\"card chart\">\n<h2>{}</h2>\n<p class=\"caption\">{}</p>\n{}</figure>\n",
        escape(title),
        escape(caption),
        svg
    );
}

fn svg_open(o: &mut String, chart: &str, height: f64, label: &str) {
    let _ = writeln!(
        o,
        "<svg xmlns=\"{SVG_NS}\" data-chart=\"{chart}\" viewBox=\"0 0 {W} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">",
        escape(label)
    );
}

/// A text label in a chart.
fn label(o: &mut String, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
    let _ = writeln!(
        o,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" class=\"{class}\">{}</text>",
        num(x),
        num(y),
        escape(text)
    );
}

/// A bucket's label for people.
fn bucket_label(label: &str, sla_hours: f64) -> String {
    match label {
        "<=5m" => "\u{2264} 5 minutes".into(),
        "<=1h" => "\u{2264} 1 hour".into(),
        "<=24h" => "\u{2264} 24 hours".into(),
        "<=SLA" => format!("\u{2264} SLA ({} h)", num(sla_hours)),
        ">SLA" => "after the SLA".into(),
        "never" => "never touched".into(),
        other => other.into(),
    }
}

fn bucket_class(label: &str) -> &'static str {
    match label {
        "<=5m" | "<=1h" => "m-fast",
        "<=24h" | "<=SLA" => "m-ok",
        ">SLA" => "m-late",
        "never" => "m-never",
        _ => "m-neutral",
    }
}

fn buckets_chart(r: &Report) -> String {
    let f = &r.follow_up;
    let row = 34.0;
    let (left, right) = (128.0, 96.0);
    let height = 8.0 + row * f.buckets.len().max(1) as f64 + 4.0;
    let max = f.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let span = W - left - right;
    let mut o = String::new();
    svg_open(&mut o, "buckets", height, "Speed-to-lead buckets");
    for (i, b) in f.buckets.iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let w = span * b.count as f64 / max;
        let text = bucket_label(&b.label, r.sla.hours);
        label(&mut o, left - 8.0, y + 18.0, "end", "t-label", &text);
        let _ = writeln!(
            o,
            "<rect class=\"{}\" x=\"{left}\" y=\"{}\" width=\"{}\" height=\"24\" rx=\"3\" \
             data-label=\"{}\" data-value=\"{}\"><title>{}: {} ({})</title></rect>",
            bucket_class(&b.label),
            num(y),
            num(w),
            escape(&b.label),
            b.count,
            escape(&text),
            int(b.count),
            share(b.count, f.eligible)
        );
        label(
            &mut o,
            left + w + 6.0,
            y + 17.0,
            "start",
            "t-value",
            &format!("{} ({})", int(b.count), share(b.count, f.eligible)),
        );
    }
    o.push_str("</svg>\n");
    o
}

/// `n / d`, 0 when `d` is 0 (SPEC: every rate is 0 when its denominator is 0).
fn rate(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn months_chart(r: &Report) -> String {
    let (left, right, top, bottom) = (40.0, 8.0, 34.0, 40.0);
    let plot_h = 170.0;
    let height = top + plot_h + bottom;
    let n = r.months.len().max(1);
    let gw = (W - left - right) / n as f64;
    let bw = (gw * 0.34).min(30.0);
    let mut o = String::new();
    svg_open(
        &mut o,
        "months",
        height,
        "Follow-up rate and SLA breach rate by month",
    );
    // Legend.
    let _ = writeln!(
        o,
        "<rect class=\"s-follow\" x=\"{left}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\"/>"
    );
    label(
        &mut o,
        left + 18.0,
        16.5,
        "start",
        "t-small",
        "Follow-up rate",
    );
    let _ = writeln!(
        o,
        "<rect class=\"s-breach\" x=\"{}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\"/>",
        left + 130.0
    );
    label(
        &mut o,
        left + 148.0,
        16.5,
        "start",
        "t-small",
        "SLA breach rate",
    );
    // Grid.
    for k in 0..=4 {
        let y = top + plot_h - plot_h * f64::from(k) / 4.0;
        let _ = writeln!(
            o,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>",
            W - right
        );
        label(
            &mut o,
            left - 6.0,
            y + 4.0,
            "end",
            "t-axis",
            &format!("{}%", k * 25),
        );
    }
    let step = (52.0 / gw).ceil().max(1.0) as usize;
    let show_values = gw >= 2.0 * bw + 16.0 && bw >= 14.0;
    for (i, m) in r.months.iter().enumerate() {
        let cx = left + gw * (i as f64 + 0.5);
        let series = [
            (
                "follow_up_rate",
                "s-follow",
                rate(m.followed_up, m.eligible),
            ),
            ("breach_rate", "s-breach", rate(m.breaches, m.eligible)),
        ];
        for (j, (name, class, v)) in series.iter().enumerate() {
            let x = cx - bw - 2.0 + j as f64 * (bw + 4.0);
            let h = plot_h * v.clamp(0.0, 1.0);
            let y = top + plot_h - h;
            let shown = if m.eligible == 0 {
                "n/a".to_string()
            } else {
                pct0(*v)
            };
            let _ = writeln!(
                o,
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 data-month=\"{}\" data-series=\"{name}\" data-value=\"{v}\">\
                 <title>{} {}: {}</title></rect>",
                num(x),
                num(y),
                num(bw),
                num(h),
                escape(&m.month),
                escape(&m.month),
                if j == 0 {
                    "follow-up rate"
                } else {
                    "SLA breach rate"
                },
                shown
            );
            if show_values && m.eligible > 0 {
                label(&mut o, x + bw / 2.0, y - 4.0, "middle", "t-tiny", &shown);
            }
        }
        if m.eligible == 0 && gw >= 56.0 {
            label(
                &mut o,
                cx,
                top + plot_h - 6.0,
                "middle",
                "t-tiny muted",
                "in window",
            );
        }
        if i % step == 0 {
            label(
                &mut o,
                cx,
                top + plot_h + 16.0,
                "middle",
                "t-axis",
                &m.month,
            );
            label(
                &mut o,
                cx,
                top + plot_h + 30.0,
                "middle",
                "t-tiny muted",
                &format!("n = {}", int(m.eligible)),
            );
        }
    }
    if r.months.is_empty() {
        label(
            &mut o,
            W / 2.0,
            top + plot_h / 2.0,
            "middle",
            "t-label muted",
            "No handoffs",
        );
    }
    o.push_str("</svg>\n");
    o
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('\u{2026}');
        t
    }
}

fn owners_chart(r: &Report) -> String {
    let own = &r.ownership;
    // (label, breaches, eligible, unowned?)
    let mut rows: Vec<(&str, u64, u64, bool)> = own
        .owners
        .iter()
        .map(|o| (o.owner.as_str(), o.breaches, o.eligible, false))
        .collect();
    rows.push(("(unowned)", own.unowned_breaches, own.unowned, true));
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    let row = 24.0;
    let (left, right) = (150.0, 70.0);
    let height = 6.0 + row * rows.len() as f64 + 4.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let span = W - left - right;
    let mut o = String::new();
    svg_open(&mut o, "owner-breaches", height, "SLA breaches per owner");
    for (i, (name, breaches, eligible, unowned)) in rows.iter().enumerate() {
        let y = 6.0 + row * i as f64;
        let w = span * *breaches as f64 / max;
        let class = if *unowned { "m-unowned" } else { "m-breach" };
        label(
            &mut o,
            left - 8.0,
            y + 13.5,
            "end",
            if *unowned { "t-label em" } else { "t-label" },
            &clip(name, 18),
        );
        let _ = writeln!(
            o,
            "<rect class=\"{class}\" x=\"{left}\" y=\"{}\" width=\"{}\" height=\"17\" rx=\"2\" \
             data-label=\"{}\" data-value=\"{breaches}\"><title>{}: {} of {} eligible handoffs \
             breached the SLA</title></rect>",
            num(y),
            num(w),
            escape(name),
            escape(name),
            int(*breaches),
            int(*eligible)
        );
        label(
            &mut o,
            left + w + 6.0,
            y + 13.0,
            "start",
            "t-value",
            &format!("{} of {}", int(*breaches), int(*eligible)),
        );
    }
    o.push_str("</svg>\n");
    o
}

/// A fill between a pale and a deep blue for `t` in [0, 1].
fn heat(t: f64) -> String {
    let (a, b) = ((241.0, 245.0, 249.0), (23.0, 55.0, 120.0));
    let t = t.clamp(0.0, 1.0);
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

fn crosstab_chart(d: &DefinitionFigures) -> String {
    let count = |m: &str, def: &str, s: &str| {
        d.crosstab
            .iter()
            .find(|c| c.marketing == m && c.definition == def && c.sales == s)
            .map_or(0, |c| c.count)
    };
    let rows = [
        ("mql", "ready", "MQL", "ready"),
        ("mql", "not_ready", "MQL", "not ready"),
        ("not_mql", "ready", "not MQL", "ready"),
        ("not_mql", "not_ready", "not MQL", "not ready"),
    ];
    let cols = [
        ("accepted", "accepted"),
        ("rejected", "rejected"),
        ("none", "no verdict"),
    ];
    let (left, top, ch, gap) = (132.0, 44.0, 46.0, 4.0);
    let cw = (W - left - 4.0) / 3.0;
    let height = top + 4.0 * (ch + gap) + 10.0 + 30.0;
    let max = d.crosstab.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
    let mut o = String::new();
    svg_open(
        &mut o,
        "crosstab",
        height,
        "Marketing flag by definition verdict by sales verdict",
    );
    label(
        &mut o,
        left + 1.5 * cw,
        12.0,
        "middle",
        "t-small strong",
        "Sales verdict",
    );
    let _ = writeln!(
        o,
        "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"18\" y2=\"18\"/>",
        num(left + 2.0),
        num(W - 6.0)
    );
    for (j, (_, title)) in cols.iter().enumerate() {
        let cx = left + cw * (j as f64 + 0.5);
        label(&mut o, cx, top - 9.0, "middle", "t-label strong", title);
    }
    for (i, (m, def, mlabel, dlabel)) in rows.iter().enumerate() {
        // A small gap separates the MQL rows from the others.
        let y = top + i as f64 * (ch + gap) + if i >= 2 { 10.0 } else { 0.0 };
        label(
            &mut o,
            left - 10.0,
            y + 20.0,
            "end",
            "t-label strong",
            mlabel,
        );
        label(&mut o, left - 10.0, y + 36.0, "end", "t-small", dlabel);
        for (j, (s, _)) in cols.iter().enumerate() {
            let n = count(m, def, s);
            let x = left + cw * j as f64;
            // Square root so that small but important cells still show.
            let t = (n as f64 / max).sqrt();
            let mismatch = (*m == "mql" && *def == "not_ready")
                || (*m == "not_mql" && *def == "ready")
                || (*def == "ready" && *s == "rejected")
                || (*def == "not_ready" && *s == "accepted");
            let _ = writeln!(
                o,
                "<rect class=\"cell{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{ch}\" rx=\"3\" \
                 fill=\"{}\" data-marketing=\"{m}\" data-definition=\"{def}\" data-sales=\"{s}\" \
                 data-value=\"{n}\"><title>{mlabel}, {dlabel}, sales {}: {}</title></rect>",
                if mismatch { " mismatch" } else { "" },
                num(x + 2.0),
                num(y),
                num(cw - 4.0),
                heat(t),
                cols[j].1,
                int(n)
            );
            label(
                &mut o,
                x + cw / 2.0,
                y + ch / 2.0 + 6.0,
                "middle",
                if t > 0.55 { "t-cell on-dark" } else { "t-cell" },
                &int(n),
            );
        }
    }
    let ly = height - 16.0;
    let _ = writeln!(
        o,
        "<rect class=\"cell mismatch\" x=\"{left}\" y=\"{}\" width=\"22\" height=\"14\" rx=\"2\" \
         fill=\"#f1f5f9\"/>",
        ly - 11.0
    );
    label(
        &mut o,
        left + 30.0,
        ly,
        "start",
        "t-small",
        "mismatch: the teams disagree",
    );
    o.push_str("</svg>\n");
    o
}

/// A table: `cols` are (heading, numeric?); cells are already escaped HTML.
fn table(o: &mut String, class: &str, cols: &[(&str, bool)], rows: &[Vec<String>]) {
    let _ = write!(
        o,
        "<div class=\"table-wrap\"><table class=\"{class}\">\n<thead><tr>"
    );
    for (h, numeric) in cols {
        let _ = write!(
            o,
            "<th scope=\"col\"{}>{}</th>",
            if *numeric { " class=\"num\"" } else { "" },
            escape(h)
        );
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        o.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let numeric = cols.get(i).is_some_and(|c| c.1);
            let _ = write!(
                o,
                "<td{}>{c}</td>",
                if numeric { " class=\"num\"" } else { "" }
            );
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}

fn section_open(o: &mut String, id: &str, title: &str) {
    let _ = writeln!(
        o,
        "<section class=\"card\" id=\"{id}\">\n<h2>{}</h2>",
        escape(title)
    );
}

fn owners_table(o: &mut String, r: &Report) {
    let own = &r.ownership;
    section_open(o, "owners", "Owners");
    let mut rows: Vec<Vec<String>> = own
        .owners
        .iter()
        .map(|w| {
            vec![
                escape(&w.owner).into_owned(),
                int(w.eligible),
                int(w.followed_up),
                int(w.within_sla),
                int(w.breaches),
                share(w.breaches, w.eligible),
                int(w.dispositioned),
            ]
        })
        .collect();
    rows.push(vec![
        "<em>(unowned)</em>".into(),
        int(own.unowned),
        String::new(),
        String::new(),
        int(own.unowned_breaches),
        share(own.unowned_breaches, own.unowned),
        String::new(),
    ]);
    table(
        o,
        "owners",
        &[
            ("Owner", false),
            ("Eligible", true),
            ("Followed up", true),
            ("Within SLA", true),
            ("Breaches", true),
            ("Breach rate", true),
            ("Verdicts", true),
        ],
        &rows,
    );
    o.push_str(
        "<p class=\"note\">Unowned: no CRM record, an empty owner, or a queue listed under \
         <code>sales.unowned</code>.</p>\n</section>\n",
    );
}

fn feedback(o: &mut String, r: &Report) {
    let fb = &r.feedback;
    section_open(o, "feedback", "Feedback loop");
    let _ = writeln!(
        o,
        "<p>{} of {} eligible handoffs carry a sales verdict (<strong>{}</strong>).</p>\n\
         <div class=\"pair\">",
        int(fb.dispositioned),
        int(fb.eligible),
        pct(fb.coverage)
    );
    let rows: Vec<Vec<String>> = fb
        .dispositions
        .iter()
        .map(|d| {
            vec![
                escape(&d.value).into_owned(),
                int(d.count),
                share(d.count, fb.eligible),
            ]
        })
        .collect();
    o.push_str("<div>");
    table(
        o,
        "dispositions",
        &[("Disposition", false), ("Handoffs", true), ("Share", true)],
        &rows,
    );
    o.push_str("</div><div>");
    if fb.reasons.is_empty() {
        o.push_str("<p class=\"muted\">No rejection reasons recorded.</p>");
    } else {
        let rows: Vec<Vec<String>> = fb
            .reasons
            .iter()
            .map(|d| vec![escape(&d.value).into_owned(), int(d.count)])
            .collect();
        table(
            o,
            "reasons",
            &[("Rejection reason", false), ("Handoffs", true)],
            &rows,
        );
    }
    o.push_str("</div></div>\n</section>\n");
}

fn definition(o: &mut String, r: &Report, d: &DefinitionFigures) {
    section_open(o, "definition", "Definition alignment");
    let review = match &d.reviewed {
        Some(date) if d.stale => format!(
            "last reviewed {} <span class=\"badge bad\">review overdue</span>",
            escape(date)
        ),
        Some(date) => format!("last reviewed {}", escape(date)),
        None => "<span class=\"badge bad\">never reviewed</span>".into(),
    };
    let _ = writeln!(
        o,
        "<p>\u{201c}{}\u{201d}{} \u{00b7} {} \u{00b7} {} of {} marketing leads are sales-ready.</p>",
        escape(&d.name),
        if d.version.is_empty() {
            String::new()
        } else {
            format!(", version {}", escape(&d.version))
        },
        review,
        int(d.ready),
        int(d.evaluated)
    );
    let mm = &d.mismatches;
    let not_ready = d.evaluated.saturating_sub(d.ready);
    let rows = vec![
        vec![
            "MQL but not ready".into(),
            int(mm.mql_not_ready),
            share(mm.mql_not_ready, r.follow_up.handed_over),
            "of MQLs".into(),
        ],
        vec![
            "Ready but never handed over".into(),
            int(mm.ready_not_mql),
            share(mm.ready_not_mql, d.ready),
            "of ready leads".into(),
        ],
        vec![
            "Ready but rejected by sales".into(),
            int(mm.ready_rejected),
            share(mm.ready_rejected, d.ready),
            "of ready leads".into(),
        ],
        vec![
            "Not ready but accepted by sales".into(),
            int(mm.not_ready_accepted),
            share(mm.not_ready_accepted, not_ready),
            "of not-ready leads".into(),
        ],
    ];
    o.push_str("<div class=\"pair\"><div>");
    table(
        o,
        "mismatches",
        &[
            ("Mismatch", false),
            ("Leads", true),
            ("Share", true),
            ("", false),
        ],
        &rows,
    );
    o.push_str("</div><div>");
    let mut failing: Vec<_> = d.failing_criteria.iter().collect();
    failing.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    let rows: Vec<Vec<String>> = failing
        .iter()
        .map(|c| {
            vec![
                format!("<code>{}</code>", escape(&c.id)),
                int(c.count),
                share(c.count, mm.mql_not_ready),
            ]
        })
        .collect();
    table(
        o,
        "criteria",
        &[
            ("Criterion the MQLs fail", false),
            ("MQLs not ready failing it", true),
            ("Share", true),
        ],
        &rows,
    );
    o.push_str("</div></div>\n</section>\n");
}

fn months_table(o: &mut String, r: &Report) {
    section_open(o, "months", "Months");
    let rows: Vec<Vec<String>> = r
        .months
        .iter()
        .map(|m| {
            vec![
                escape(&m.month).into_owned(),
                int(m.handed_over),
                int(m.eligible),
                int(m.followed_up),
                share(m.followed_up, m.eligible),
                int(m.breaches),
                share(m.breaches, m.eligible),
                int(m.dispositioned),
                int(m.mql_not_ready),
            ]
        })
        .collect();
    table(
        o,
        "months",
        &[
            ("Month", false),
            ("Handed over", true),
            ("Eligible", true),
            ("Followed up", true),
            ("Follow-up rate", true),
            ("Breaches", true),
            ("Breach rate", true),
            ("Verdicts", true),
            ("Not ready", true),
        ],
        &rows,
    );
    o.push_str(
        "<p class=\"note\">Handed over and not ready count every handoff of the month; the \
         other columns count eligible handoffs (SLA window closed).</p>\n</section>\n",
    );
}

fn data_quality(o: &mut String, r: &Report) {
    section_open(o, "data-quality", "Data quality");
    let i = &r.inputs;
    let mut files = vec![("marketing", &i.marketing), ("crm", &i.crm)];
    if let Some(a) = &i.activities {
        files.push(("activities", a));
    }
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|(name, f)| {
            vec![
                (*name).to_string(),
                format!("<code>{}</code>", escape(&f.path)),
                int(f.rows),
                int(f.skipped),
                int(f.footer_lines),
            ]
        })
        .collect();
    table(
        o,
        "inputs",
        &[
            ("Source", false),
            ("File", false),
            ("Rows loaded", true),
            ("Skipped", true),
            ("Footer lines", true),
        ],
        &rows,
    );
    let dq = &r.data_quality;
    let mut rows = vec![
        vec![
            "Duplicate marketing keys".into(),
            int(dq.duplicate_keys.marketing),
        ],
        vec!["Duplicate CRM keys".into(), int(dq.duplicate_keys.crm)],
        vec![
            "Marketing leads without a CRM record".into(),
            int(dq.marketing_without_crm),
        ],
        vec![
            "Activity keys unknown to marketing".into(),
            int(dq.activities_without_marketing),
        ],
        vec![
            "Handoffs touched before their handover".into(),
            int(dq.touches_before_handover),
        ],
        vec!["Skipped rows".into(), int(dq.skipped_rows_total)],
    ];
    for (id, n) in &dq.unparsable {
        rows.push(vec![
            format!("Unreadable values for <code>{}</code>", escape(id)),
            int(*n),
        ]);
    }
    o.push_str("<h3>Checks</h3>\n");
    table(o, "checks", &[("Check", false), ("Count", true)], &rows);
    if !dq.skipped_rows.is_empty() {
        const SHOWN: usize = 100;
        let _ = writeln!(
            o,
            "<h3>Skipped rows{}</h3>",
            if dq.skipped_rows_total > SHOWN as u64 {
                format!(
                    " <span class=\"muted\">(first {SHOWN} of {}; <code>--skipped FILE.csv</code> \
                     lists all)</span>",
                    int(dq.skipped_rows_total)
                )
            } else {
                String::new()
            }
        );
        let rows: Vec<Vec<String>> = dq
            .skipped_rows
            .iter()
            .take(SHOWN)
            .map(|s| {
                vec![
                    escape(&s.source).into_owned(),
                    s.line.to_string(),
                    escape(&s.reason).into_owned(),
                ]
            })
            .collect();
        table(
            o,
            "skipped",
            &[("Source", false), ("Line", true), ("Reason", false)],
            &rows,
        );
    }
    o.push_str("</section>\n");
}

fn warnings(o: &mut String, r: &Report) {
    section_open(o, "warnings", "Warnings");
    if r.warnings.is_empty() {
        o.push_str("<p class=\"muted\">None.</p>\n");
    } else {
        o.push_str("<ul class=\"warnings\">\n");
        for w in &r.warnings {
            let _ = writeln!(o, "<li>{}</li>", escape(w));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn glossary(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<footer class=\"glossary\">\n<h2>How to read this report</h2>\n<dl>\
         <dt>Handoff (MQL)</dt><dd>A lead marketing handed over to sales.</dd>\
         <dt>Eligible</dt><dd>Handoffs whose {sla} h SLA window had closed at the as-of time; \
         the rates count only these.</dd>\
         <dt>Follow-up rate</dt><dd>Eligible handoffs with any sales touch after the handover.\
         </dd>\
         <dt>SLA breach</dt><dd>An eligible handoff touched after {sla} h, or never.</dd>\
         <dt>Disposition coverage</dt><dd>Eligible handoffs on which sales logged an accepted \
         or rejected verdict.</dd>\
         <dt>Not sales-ready</dt><dd>A lead that fails the written definition both teams \
         agreed.</dd></dl>\n<p class=\"muted\">Generated by handoff {version} \u{00b7} as of \
         {asof}.</p>\n</footer>\n",
        sla = num(r.sla.hours),
        version = env!("CARGO_PKG_VERSION"),
        asof = escape(&r.as_of),
    );
}

/// A count with thousands separators: `12,345`.
fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A coordinate or a setting: at most two decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A rate as a whole percentage, for chart labels: `43%`.
fn pct0(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// `2026-11-03T22:00:00Z` as `3 Nov 2026, 22:00 UTC`; anything else as it is.
fn when(as_of: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(as_of).map_or_else(
        |_| as_of.to_string(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%-d %b %Y, %H:%M UTC")
                .to_string()
        },
    )
}

/// The date part of as_of, for the title.
fn day(as_of: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(as_of).map_or_else(
        |_| as_of.to_string(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%-d %b %Y")
                .to_string()
        },
    )
}

const CSS: &str = r#"
:root{--ink:#1b2533;--muted:#5b6777;--line:#e3e8ef;--bg:#f5f7fa;--card:#fff;--accent:#1d4e89;
--fast:#2f7d6d;--ok:#5fa397;--late:#d98b2b;--never:#c2413b;--follow:#2563a8;--breach:#c2413b;
--unowned:#8a94a3;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Noto Sans",sans-serif;font-variant-numeric:tabular-nums}
.page{max-width:1080px;margin:0 auto;padding:28px 24px 40px}
h1{font-size:28px;line-height:1.2;margin:2px 0 8px;letter-spacing:-.01em}
h2{font-size:17px;margin:0 0 4px;letter-spacing:-.005em}
h3{font-size:14px;margin:18px 0 6px}
p{margin:0 0 10px}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2f6;
padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
.masthead{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:20px}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:12px;font-weight:600;
color:var(--accent);margin:0}
.meta{color:var(--muted);margin:0;display:flex;flex-wrap:wrap;gap:4px 18px}
.meta span{white-space:nowrap}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;
margin-bottom:20px}
.kpi{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--accent);
border-radius:6px;padding:12px 14px}
.kpi-label{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;
color:var(--muted);margin:0}
.kpi-value{font-size:34px;font-weight:700;line-height:1.15;margin:4px 0 2px;color:var(--ink)}
.kpi-note{font-size:12.5px;color:var(--muted);margin:0;line-height:1.35}
.kpi[data-kpi=breach_rate]{border-top-color:var(--never)}
.kpi[data-kpi=unowned]{border-top-color:var(--unowned)}
.kpi[data-kpi=coverage]{border-top-color:var(--fast)}
.kpi[data-kpi=mql_not_ready]{border-top-color:var(--late)}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;
padding:16px 18px;margin:0 0 16px;min-width:0}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-bottom:16px}
.charts .card{margin:0}
figure{margin:0}
.caption,.note{color:var(--muted);font-size:13px;line-height:1.4}
.caption{margin-bottom:10px}
.note{margin:8px 0 0}
.muted{color:var(--muted)}
svg{display:block;width:100%;height:auto;max-width:100%;overflow:visible}
svg text{font-family:inherit;fill:var(--ink)}
svg .t-label{font-size:13px}
svg .t-value{font-size:12.5px;font-weight:600}
svg .t-small{font-size:12px;fill:var(--muted)}
svg .t-axis{font-size:11.5px;fill:var(--muted)}
svg .t-tiny{font-size:10.5px}
svg .t-cell{font-size:16px;font-weight:700}
svg .on-dark{fill:#fff}
svg .strong{font-weight:600}
svg .em{font-style:italic;fill:var(--muted)}
svg text.muted{fill:var(--muted)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .m-fast{fill:var(--fast)}svg .m-ok{fill:var(--ok)}svg .m-late{fill:var(--late)}
svg .m-never{fill:var(--never)}svg .m-neutral{fill:var(--accent)}
svg .m-breach{fill:var(--breach)}svg .m-unowned{fill:var(--unowned)}
svg .s-follow{fill:var(--follow)}svg .s-breach{fill:var(--breach)}
svg .cell{stroke:#fff;stroke-width:1}
svg .cell.mismatch{stroke:var(--late);stroke-width:3;stroke-dasharray:6 3}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:8px 24px;
align-items:start}
.table-wrap{overflow-x:auto;margin:6px 0 0}
table{border-collapse:collapse;width:100%;font-size:13.5px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;font-weight:600;color:var(--muted);text-transform:uppercase;
letter-spacing:.03em;border-bottom:2px solid var(--line);white-space:nowrap}
td{overflow-wrap:break-word}
td:first-child{min-width:8.5em}
td code{overflow-wrap:normal}
.num{text-align:right;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
table.checks{max-width:640px}
table.owners tbody tr:last-child td{border-top:2px solid var(--line)}
.badge{display:inline-block;font-size:11.5px;font-weight:600;padding:1px 7px;border-radius:10px;
text-transform:uppercase;letter-spacing:.04em;vertical-align:1px}
.badge.bad{background:#fbe9e7;color:#a3332d}
.warnings{margin:0;padding-left:20px}
.warnings li{margin:0 0 6px;overflow-wrap:anywhere}
.glossary{margin-top:24px;padding-top:12px;border-top:1px solid var(--line);font-size:13px;
color:var(--muted)}
.glossary h2{font-size:14px;color:var(--ink)}
.glossary dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:8px 0 12px}
.glossary dt{font-weight:600;color:var(--ink)}
.glossary dd{margin:0}
@media (max-width:760px){
.page{padding:18px 14px 28px}
h1{font-size:23px}
.charts{grid-template-columns:minmax(0,1fr)}
.kpis{grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.kpi-value{font-size:28px}
.card{padding:14px 14px}
.pair{grid-template-columns:minmax(0,1fr)}
.glossary dl{grid-template-columns:1fr}
.glossary dd{margin-bottom:6px}
table{font-size:13px}
th,td{padding:6px 8px}
svg .t-label{font-size:14px}
svg .t-value{font-size:13.5px}
svg .t-small{font-size:13px}
svg .t-axis{font-size:12.5px}
svg .t-tiny{font-size:11.5px}
}
@page{size:A4;margin:14mm 12mm}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:10pt}
.page{max-width:none;padding:0}
.masthead{margin-bottom:12px}
.kpis{grid-template-columns:repeat(5,minmax(0,1fr));gap:8px}
.kpi{padding:8px 10px}
.kpi-value{font-size:22pt}
.kpi-note{font-size:8pt}
.card{border:1px solid #d5dbe3;padding:10px 12px;margin-bottom:10px;break-inside:avoid;
page-break-inside:avoid}
.charts{grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.table-wrap{overflow:visible}
table{font-size:8.5pt}
th{font-size:7.5pt}
th,td{padding:3px 6px}
tr,figure,.kpi,svg{break-inside:avoid;page-break-inside:avoid}
h2,h3{break-after:avoid;page-break-after:avoid}
#owners{break-before:page;page-break-before:always}
.glossary{break-inside:avoid;page-break-inside:avoid}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::figures::{OwnerRow, ValueCount};

    fn demo() -> Report {
        super::super::demo_report()
    }

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert!(matches!(escape("Kevin"), Cow::Borrowed(_)));
    }

    #[test]
    fn data_is_escaped_everywhere() {
        let mut r = demo();
        let evil = "<script>alert(1)</script>";
        r.ownership.owners[0].owner = evil.into();
        r.ownership.owners.push(OwnerRow {
            owner: "Q\" onmouseover=\"alert(2)".into(),
            eligible: 2,
            followed_up: 0,
            within_sla: 0,
            breaches: 2,
            dispositioned: 0,
        });
        r.feedback.reasons.push(ValueCount {
            value: "<img src=x onerror=alert(3)>".into(),
            count: 1,
        });
        r.months[0].month = "<b>".into();
        r.warnings.push("</ul><script>".into());
        r.definition.as_mut().unwrap().name = "</title><script>".into();
        let html = render(&r);
        assert!(!html.contains("<script"), "a raw <script> tag");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Inside SVG text and in data attributes.
        assert!(
            html.contains("data-label=\"&lt;script&gt;alert(1)&lt;/script&gt;\" data-value=\"9\"")
        );
        assert!(html.contains("class=\"t-label\">&lt;script&gt;alert(1)&lt;\u{2026}</text>"));
        assert!(html.contains("data-label=\"Q&quot; onmouseover=&quot;alert(2)\""));
        assert!(!html.contains("onmouseover=\"alert"));
        assert!(html.contains("data-month=\"&lt;b&gt;\""));
    }

    #[test]
    fn self_contained_no_references_out() {
        let html = render(&demo());
        let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for bad in [
            "http://", "https://", "src=", "href=", "<script", "<link", "<img", "@import", "url(",
            "<iframe", "<object", "<embed",
        ] {
            assert!(!without_ns.contains(bad), "found {bad:?}");
        }
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains("<meta name=\"viewport\""));
        assert!(html.contains("@media print"));
        assert!(html.contains("@page{size:A4"));
    }

    #[test]
    fn four_charts_with_the_figures() {
        let r = demo();
        let html = render(&r);
        for c in ["buckets", "months", "owner-breaches", "crosstab"] {
            assert_eq!(
                html.matches(&format!("data-chart=\"{c}\"")).count(),
                1,
                "{c}"
            );
        }
        for b in &r.follow_up.buckets {
            assert!(html.contains(&format!(
                "data-label=\"{}\" data-value=\"{}\"",
                escape(&b.label),
                b.count
            )));
        }
        assert!(html.contains("data-label=\"(unowned)\" data-value=\"29\""));
        assert!(html.contains("data-label=\"Trevor Dunn\" data-value=\"16\""));
        assert!(html.contains(
            "data-marketing=\"mql\" data-definition=\"not_ready\" data-sales=\"rejected\" \
             data-value=\"52\""
        ));
        assert!(html.contains(
            "data-month=\"2026-10\" data-series=\"breach_rate\" data-value=\"0.5094339622641509\""
        ));
        assert!(
            html.contains("data-month=\"2026-11\" data-series=\"follow_up_rate\" data-value=\"0\"")
        );
        assert_eq!(html.matches("data-series=").count(), 2 * r.months.len());
        assert_eq!(html.matches("data-marketing=").count(), 12);
        // The summary figures as large numbers.
        assert!(html.contains("<p class=\"kpi-value\">65.9%</p>"));
        assert!(html.contains("<p class=\"kpi-value\">42.8%</p>"));
        assert!(html.contains("<p class=\"kpi-value\">33</p>"));
        assert!(html.contains("<p class=\"kpi-value\">63.9%</p>"));
        assert!(html.contains("<p class=\"kpi-value\">109</p>"));
    }

    #[test]
    fn without_definition_or_months() {
        let mut r = demo();
        r.definition = None;
        r.months.clear();
        r.ownership.owners.clear();
        let html = render(&r);
        assert!(!html.contains("data-chart=\"crosstab\""));
        assert!(html.contains("No written sales-ready definition"));
        assert!(html.contains("No handoffs"));
        assert!(html.contains("data-label=\"(unowned)\""));
    }

    #[test]
    fn helpers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1234567), "1,234,567");
        assert_eq!(num(48.0), "48");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(when("2026-11-03T22:00:00Z"), "3 Nov 2026, 22:00 UTC");
        assert_eq!(when("garbage"), "garbage");
        assert_eq!(heat(0.0), "#f1f5f9");
        assert_eq!(heat(1.0), "#173778");
        assert_eq!(clip("abcdef", 4), "abc\u{2026}");
    }
}
