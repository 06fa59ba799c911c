//! `handoff explain KEY`: one lead's record, every verdict with the values it rests on.

use std::fmt::Write as _;

use anyhow::{Result, bail};

use crate::audit::{Auditor, SlaStatus};
use crate::config::{Config, Source};
use crate::load::csvfile::{CsvFile, RowFate};
use crate::load::text::normalize_key;
use crate::load::time::{self, MICROS_PER_HOUR, format_utc};
use crate::load::{Dataset, effective_touch};
use crate::rules::{Definition, Outcome};

fn local(cfg: &Config, t: i64) -> String {
    let zone = cfg.audit.zone;
    format!(
        "{} ({} {})",
        format_utc(t),
        zone.local_datetime(t).format("%Y-%m-%d %H:%M:%S"),
        zone.tz().name()
    )
}

/// Render one lead's explanation.
pub fn explain(
    cfg: &Config,
    def: Option<&Definition>,
    data: &Dataset,
    raw_key: &str,
) -> Result<String> {
    let sf = cfg.audit.salesforce_ids;
    let n_leads = data.leads.len();
    let lead = match data.find_key(raw_key, sf) {
        Some(id) if (id as usize) < n_leads => id as usize,
        _ => {
            let mut files = format!("the marketing export `{}`", cfg.marketing.path.display());
            let also = if data.is_crm_key(raw_key, sf) {
                format!(
                    "; it appears only in the CRM export `{}`",
                    cfg.crm.path.display()
                )
            } else {
                format!(" nor in the CRM export `{}`", cfg.crm.path.display())
            };
            files.push_str(&also);
            bail!(
                "no such key `{raw_key}` in {files}; keys are e-mails (any case) or ids exactly as exported"
            );
        }
    };
    let auditor = Auditor::new(cfg, data, def)?;
    let v = auditor.view(lead);
    let mut out = String::new();
    let key = data.keys.key(lead as u32);
    writeln!(out, "Lead {key}")?;
    writeln!(
        out,
        "as of {} · SLA {} h ({} clock)",
        local(cfg, auditor.as_of),
        cfg.audit.sla_hours,
        cfg.audit.clock.as_str()
    )?;

    writeln!(out, "\nMarketing (`{}`)", cfg.marketing.path.display())?;
    match v.handover {
        Some(h) => writeln!(out, "  handed over: {}", local(cfg, h))?,
        None => writeln!(out, "  handed over: no (no handoff row)")?,
    }
    for (slot, header) in data.criteria.marketing_headers.iter().enumerate() {
        writeln!(
            out,
            "  {header}: {}",
            data.marketing_value(lead, slot)
                .unwrap_or_else(|| "(empty)".into())
        )?;
    }

    writeln!(out, "\nCRM (`{}`)", cfg.crm.path.display())?;
    let crm = data.crm(lead);
    if crm.present {
        let owner = data.owners.get(crm.owner);
        writeln!(
            out,
            "  owner: {}{}",
            if owner.is_empty() { "(empty)" } else { owner },
            if v.unowned { " → unowned" } else { "" }
        )?;
        let disp = data.dispositions.get(crm.disposition);
        writeln!(
            out,
            "  disposition: {} → sales verdict {}",
            if disp.is_empty() { "(empty)" } else { disp },
            v.verdict.as_str()
        )?;
        let reason = data.reasons.get(crm.reason);
        if !reason.is_empty() {
            writeln!(out, "  reason: {reason}")?;
        }
        if let Some(t) = crm.assigned_at {
            writeln!(out, "  assigned at: {}", local(cfg, t))?;
        }
        if let Some(t) = crm.first_touch {
            writeln!(out, "  first touch (CRM): {}", local(cfg, t.at))?;
        }
        for (slot, header) in data.criteria.crm_headers.iter().enumerate() {
            writeln!(
                out,
                "  {header}: {}",
                data.crm_value(lead, slot)
                    .unwrap_or_else(|| "(empty)".into())
            )?;
        }
    } else {
        writeln!(out, "  no CRM row → unowned, sales verdict none")?;
    }

    if let Some(ac) = &cfg.activities {
        writeln!(out, "\nActivities (`{}`)", ac.path.display())?;
        let lines = activity_lines(cfg, data, lead, auditor.as_of, v.first_touch)?;
        if lines.is_empty() {
            writeln!(out, "  none")?;
        }
        for l in lines {
            writeln!(out, "  {l}")?;
        }
    }

    writeln!(out, "\nSpeed to lead")?;
    match v.status {
        SlaStatus::NotHandedOver => writeln!(out, "  not handed over: no SLA applies")?,
        SlaStatus::InWindow => writeln!(
            out,
            "  in window: the SLA has not run out at as_of, so the lead is not counted yet"
        )?,
        SlaStatus::Never => writeln!(out, "  never touched → breach")?,
        s => {
            let hours = v.elapsed.unwrap_or(0) as f64 / MICROS_PER_HOUR as f64;
            writeln!(
                out,
                "  first touch {} after {hours:.2} h → {}",
                v.first_touch.map(|t| local(cfg, t)).unwrap_or_default(),
                if s == SlaStatus::Within {
                    "within the SLA"
                } else {
                    "late: breach"
                }
            )?;
        }
    }

    if let (Some(def), Some(ready)) = (def, v.ready) {
        writeln!(
            out,
            "\nDefinition \"{}\" (ready when {}): {}",
            def.name,
            def.ready_when.describe(),
            if ready { "READY" } else { "NOT READY" }
        )?;
        for (i, c) in def.criteria.iter().enumerate() {
            let slot = data.criteria.slots[i];
            let value = match slot.source {
                Source::Crm => data.crm_value(lead, slot.slot),
                _ => data.marketing_value(lead, slot.slot),
            };
            let verdict = match v.outcomes[i] {
                Outcome::True => "true",
                Outcome::False => "false",
                Outcome::Unparsable => "false (unreadable value)",
            };
            writeln!(
                out,
                "  {:<14} {} {} · read `{}` → {verdict}",
                c.id,
                c.field.header,
                c.op.describe(),
                value.unwrap_or_else(|| "(empty)".into())
            )?;
        }
    }
    Ok(out)
}

/// Every activity row of the lead, with what the audit made of it.
fn activity_lines(
    cfg: &Config,
    data: &Dataset,
    lead: usize,
    as_of: i64,
    first: Option<i64>,
) -> Result<Vec<String>> {
    let Some(ac) = &cfg.activities else {
        return Ok(Vec::new());
    };
    let file = CsvFile::open(ac)?;
    let key_col = file.require(
        "activities",
        "key",
        ac.column("key")
            .unwrap_or(&crate::config::ColumnRef::Named("key".into())),
    )?;
    let at_col = file.require(
        "activities",
        "at",
        ac.column("at")
            .unwrap_or(&crate::config::ColumnRef::Named("at".into())),
    )?;
    let optional = |logical: &str| -> Result<Option<usize>> {
        match ac.column(logical) {
            Some(c) => file.locate(logical, c),
            None => Ok(None),
        }
    };
    let (type_col, subject_col, owner_col) =
        (optional("type")?, optional("subject")?, optional("owner")?);
    let crm = data.crm(lead);
    let lead_owner = if crm.present {
        data.owners.get(crm.owner)
    } else {
        ""
    };
    let want = data.keys.key(lead as u32);
    let handover = data.leads[lead].handover();
    let zone = cfg.audit.zone;
    let empty = &ac.reading.empty;
    let mut lines = Vec::new();
    let mut first_marked = false;
    file.for_each_row(
        |row| {
            let Ok(k) = normalize_key(row.get(key_col), empty, cfg.audit.salesforce_ids) else {
                return Ok(RowFate::Loaded);
            };
            if k.as_ref() != want {
                return Ok(RowFate::Loaded);
            }
            let raw_at = row.get(at_col);
            let ty = row.opt(type_col);
            let stamp = time::parse(raw_at, ac.reading.date_order.or(Some(time::DateOrder::Mdy)));
            let note = match stamp {
                Err(_) => "unreadable time: skipped".to_string(),
                Ok(s) => {
                    let at = zone.resolve(s);
                    let m = crate::load::Moment {
                        at,
                        date_only: matches!(s, time::Stamp::Date(_)),
                    };
                    let eff = handover.map(|h| effective_touch(m, h, &zone)).unwrap_or(at);
                    let ty_opt = (!ty.is_empty()).then_some(ty);
                    if !cfg.touch.is_touch(
                        ty_opt,
                        row.opt(subject_col),
                        row.opt(owner_col),
                        lead_owner,
                    ) {
                        "not a touch (type, exclude or owner_only)".to_string()
                    } else if at > as_of {
                        "after as_of: ignored".to_string()
                    } else if handover.is_none() {
                        "lead not handed over".to_string()
                    } else if handover.is_some_and(|h| eff < h) {
                        "before the handover".to_string()
                    } else if Some(eff) == first && !first_marked {
                        first_marked = true;
                        "FIRST TOUCH".to_string()
                    } else {
                        "touch".to_string()
                    }
                }
            };
            lines.push(format!(
                "line {:>6}  {raw_at}  {}  → {note}",
                row.line,
                if ty.is_empty() { "-" } else { ty }
            ));
            Ok(RowFate::Loaded)
        },
        |_, _| {},
    )?;
    Ok(lines)
}
