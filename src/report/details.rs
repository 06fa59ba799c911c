//! Row-level CSV files: `--details` (one row per marketing key with every verdict) and
//! `--skipped` (every row that could not be loaded).
//!
//! Every text cell that comes from the data goes through [`neutralize`], so a value such as
//! `=HYPERLINK("x")` cannot run as a formula when the file is opened in Excel.

use anyhow::Result;

use super::csv::neutralize;
use super::redact::Redactor;
use crate::audit::Auditor;
use crate::load::Dataset;
use crate::load::time::{MICROS_PER_HOUR, format_utc};
use crate::rules::Outcome;

/// The `--details` columns, in order (SPEC "Command line").
pub const DETAILS_COLUMNS: [&str; 12] = [
    "key",
    "owner",
    "unowned",
    "handed_over_at",
    "first_touch_at",
    "hours_to_first_touch",
    "sla_status",
    "definition",
    "failing_criteria",
    "sales_verdict",
    "disposition",
    "disposition_reason",
];

/// One row per distinct marketing key, in the order keys first appear in the marketing export.
pub fn details(
    auditor: &Auditor<'_>,
    data: &Dataset,
    redactor: Option<&Redactor>,
) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // With the business clock, `hours_to_first_touch` is business hours and the wall-clock
    // hours follow in an extra column.
    let business = auditor.business_clock();
    let mut header: Vec<&str> = DETAILS_COLUMNS.to_vec();
    if business {
        header.push("calendar_hours_to_first_touch");
    }
    w.write_record(&header)?;
    let hours = |micros: i64| (micros as f64 / MICROS_PER_HOUR as f64).to_string();
    let time = |t: Option<i64>| t.map(format_utc).unwrap_or_default();
    for lead in 0..data.leads.len() {
        let v = auditor.view(lead);
        let crm = data.crm(lead);
        let key = match redactor {
            Some(r) => r.lead(lead),
            None => data.keys.key(lead as u32).to_string(),
        };
        let owner = data.owners.get(v.owner);
        let owner = redactor.map_or(owner, |r| r.owner(owner));
        let failing: Vec<&str> = auditor
            .definition()
            .map(|d| d.criteria.as_slice())
            .unwrap_or_default()
            .iter()
            .zip(&v.outcomes)
            .filter(|(_, o)| **o != Outcome::True)
            .map(|(c, _)| c.id.as_str())
            .collect();
        let (disposition, reason) = if crm.present {
            (
                data.dispositions.get(crm.disposition),
                data.reasons.get(crm.reason),
            )
        } else {
            ("", "")
        };
        let mut record: Vec<std::borrow::Cow<'_, str>> = vec![
            neutralize(&key),
            neutralize(owner),
            (if v.unowned { "true" } else { "false" }).into(),
            time(v.handover).into(),
            time(v.first_touch).into(),
            v.elapsed.map(hours).unwrap_or_default().into(),
            v.status.as_str().into(),
            match v.ready {
                Some(true) => "ready",
                Some(false) => "not_ready",
                None => "",
            }
            .into(),
            neutralize(&failing.join(";")).into_owned().into(),
            v.verdict.as_str().into(),
            neutralize(disposition),
            neutralize(reason),
        ];
        if business {
            let calendar = v
                .handover
                .zip(v.first_touch)
                .filter(|_| v.elapsed.is_some());
            record.push(
                calendar
                    .map(|(h, t)| hours(t - h))
                    .unwrap_or_default()
                    .into(),
            );
        }
        w.write_record(record.iter().map(|c| c.as_ref()))?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

/// Every skipped row: `source,line,reason`.
pub fn skipped(data: &Dataset, redactor: Option<&Redactor>) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["source", "line", "reason"])?;
    for s in &data.skipped {
        let reason = match redactor {
            Some(r) => r.text(&s.reason),
            None => s.reason.clone(),
        };
        w.write_record([
            s.source.name(),
            &s.line.to_string(),
            neutralize(&reason).as_ref(),
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}
