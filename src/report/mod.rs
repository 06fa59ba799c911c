//! Renderers: each lays out the computed [`Report`]; none computes a figure.

pub mod csv;
pub mod details;
pub mod html;
pub mod markdown;
pub mod redact;
pub mod table;

use anyhow::Result;

use crate::audit::figures::Report;
use crate::cli::Format;

/// Render the report in a format.
pub fn render(report: &Report, format: Format) -> Result<String> {
    Ok(match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        Format::Table => table::render(report),
        Format::Markdown => markdown::render(report),
        Format::Csv => csv::render(report),
        Format::Html => html::render(report),
    })
}

/// A rate as a percentage with one decimal: `42.8%`.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Hours for people: `-`, `0.5 h`, `12.3 h`, `3.2 d`.
pub fn hours(h: Option<f64>) -> String {
    match h {
        None => "-".into(),
        Some(h) if h < 48.0 => format!("{h:.1} h"),
        Some(h) => format!("{h:.1} h ({:.1} d)", h / 24.0),
    }
}

/// `n / d` as a share, or `-` when d is 0.
pub fn share(n: u64, d: u64) -> String {
    if d == 0 {
        "-".into()
    } else {
        pct(n as f64 / d as f64)
    }
}

/// The demo company's report (`fixtures/demo`), for the renderers' unit tests.
#[cfg(test)]
pub(crate) fn demo_report() -> Report {
    let args = crate::cli::InputArgs {
        config: Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/handoff.toml"),
        ),
        ..Default::default()
    };
    let cfg = crate::app::load_config(&args).expect("demo config loads");
    let def = crate::app::load_definition(&cfg).expect("demo definition loads");
    crate::audit::run(&cfg, def.as_ref()).expect("demo audits")
}
