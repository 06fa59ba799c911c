//! The figures of SPEC "Definitions", computed from a loaded [`Dataset`].
//!
//! Every figure is computed here; renderers only lay them out. One pass over the marketing keys
//! builds every section; [`LeadView`] is the per-key verdict shared with `--details` and
//! `explain`.

pub mod clock;
pub mod figures;
pub mod findings;

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use rustc_hash::FxHashMap;

use crate::config::{AsOfSetting, Config, SlaClock, Source, Verdict};
use crate::load::roster::Roster;
use crate::load::time::{self, DateOrder, MICROS_PER_HOUR, OrderHint, Zone, format_utc};
use crate::load::{
    Dataset, Interner, SlotValues, UNREADABLE, effective_touch, now_micros, reading_of,
};
use crate::rules::{Definition, Op, Outcome, parse_number};
use clock::BusinessCalendar;
use figures::*;

/// Where the SLA stands for one handoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStatus {
    /// Touched within the SLA.
    Within,
    /// Touched after the SLA.
    Late,
    /// Never touched.
    Never,
    /// The window has not closed.
    InWindow,
    /// Not handed over.
    NotHandedOver,
}

impl SlaStatus {
    /// The `--details` word.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaStatus::Within => "within",
            SlaStatus::Late => "late",
            SlaStatus::Never => "never",
            SlaStatus::InWindow => "in_window",
            SlaStatus::NotHandedOver => "not_handed_over",
        }
    }
}

/// Every verdict about one marketing key.
#[derive(Debug, Clone)]
pub struct LeadView {
    /// Handover instant.
    pub handover: Option<i64>,
    /// First touch in `[handover, as_of]`.
    pub first_touch: Option<i64>,
    /// Elapsed microseconds on the SLA clock.
    pub elapsed: Option<i64>,
    /// SLA status.
    pub status: SlaStatus,
    /// The owner string (interned id; 0 = none).
    pub owner: u32,
    /// Unowned.
    pub unowned: bool,
    /// Owned by someone the roster marks inactive (counted as unowned).
    pub inactive: bool,
    /// Sales verdict.
    pub verdict: Verdict,
    /// Definition verdict (when a definition is configured).
    pub ready: Option<bool>,
    /// Criterion outcomes, in definition order.
    pub outcomes: Vec<Outcome>,
}

/// Precomputed criterion outcomes per interned value, so each distinct value is read once.
struct CriterionTable {
    /// Outcome per value id (not for `within_days`).
    by_value: Vec<Outcome>,
    /// Parsed instants per value id (`within_days` only).
    times: Vec<Option<i64>>,
    within_span: Option<i64>,
}

/// The evaluation context: config, data, as_of, precomputed tables.
pub struct Auditor<'a> {
    cfg: &'a Config,
    data: &'a Dataset,
    def: Option<&'a Definition>,
    /// The as_of instant.
    pub as_of: i64,
    /// Where it came from.
    pub as_of_source: &'static str,
    tables: Vec<CriterionTable>,
    owner_unowned: Vec<bool>,
    /// Owners the roster marks inactive (by owner id).
    owner_inactive: Vec<bool>,
    roster: bool,
    /// The business clock, when `sla_clock = "business"`.
    clocks: Option<Clocks>,
    verdicts: Vec<(Verdict, Option<String>)>,
    warnings: Vec<String>,
}

/// Business calendars: the audit's, and one per other time zone of the roster.
struct Clocks {
    calendars: Vec<BusinessCalendar>,
    /// Calendar index per owner id (0: the audit's time zone).
    by_owner: Vec<usize>,
}

impl Clocks {
    fn new(cfg: &Config, data: &Dataset, roster: Option<&Roster>) -> Result<Self> {
        let b = cfg.audit.business.clone().unwrap_or_default();
        let holidays = b
            .holidays
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => clock::parse_holiday(s),
                toml::Value::Datetime(d) => clock::parse_holiday(&d.to_string()),
                other => {
                    bail!("[audit.business] holidays: `{other}` is not a date such as 2026-12-25")
                }
            })
            .collect::<Result<Vec<_>>>()
            .map_err(|e| anyhow::anyhow!("in `{}`: {e:#}", cfg.path.display()))?;
        let make = |tz: chrono_tz::Tz| {
            BusinessCalendar::from_settings(
                b.days.as_deref(),
                b.hours.as_deref(),
                Some(&holidays),
                tz,
            )
            .map_err(|e| anyhow::anyhow!("in `{}`: {e:#}", cfg.path.display()))
        };
        let mut calendars = vec![make(cfg.audit.zone.tz())?];
        let mut by_owner = vec![0; data.owners.values().len()];
        if let Some(roster) = roster {
            for (id, name) in data.owners.values().iter().enumerate() {
                let Some(tz) = roster.get(name).and_then(|e| e.tz) else {
                    continue;
                };
                by_owner[id] = match calendars.iter().position(|c| c.tz() == tz) {
                    Some(i) => i,
                    None => {
                        calendars.push(make(tz)?);
                        calendars.len() - 1
                    }
                };
            }
        }
        Ok(Self {
            calendars,
            by_owner,
        })
    }

    fn for_owner(&self, owner: u32) -> &BusinessCalendar {
        &self.calendars[self.by_owner.get(owner as usize).copied().unwrap_or(0)]
    }
}

fn settle_order(
    values: &[Box<str>],
    configured: Option<DateOrder>,
) -> Result<Option<DateOrder>, String> {
    if configured.is_some() {
        return Ok(configured);
    }
    let (mut d, mut m, mut ambiguous) = (None, None, None);
    for v in values {
        match time::order_hint(v) {
            OrderHint::Settles(DateOrder::Dmy) => d = Some(v.to_string()),
            OrderHint::Settles(DateOrder::Mdy) => m = Some(v.to_string()),
            OrderHint::Ambiguous => ambiguous = Some(v.to_string()),
            _ => {}
        }
    }
    match (d, m, ambiguous) {
        (Some(_), None, _) => Ok(Some(DateOrder::Dmy)),
        (None, Some(_), _) => Ok(Some(DateOrder::Mdy)),
        (Some(a), Some(b), _) => Err(format!(
            "mixes day-first (`{a}`) and month-first (`{b}`) dates"
        )),
        (None, None, Some(a)) => Err(format!(
            "has dates such as `{a}` that read as month/day or day/month"
        )),
        (None, None, None) => Ok(None),
    }
}

impl<'a> Auditor<'a> {
    /// Prepare the audit: settle as_of, precompute criterion tables.
    pub fn new(cfg: &'a Config, data: &'a Dataset, def: Option<&'a Definition>) -> Result<Self> {
        let mut warnings = Vec::new();
        let (as_of, as_of_source) = match cfg.as_of {
            AsOfSetting::Fixed(t, src) => (t, src),
            AsOfSetting::FromData => match data.latest {
                Some(t) => (t, "data"),
                None => {
                    warnings.push(
                        "no timestamp in the data to derive as_of from; the current time is used (set audit.as_of or pass --as-of)".to_string(),
                    );
                    (now_micros() / 1_000_000 * 1_000_000, "now")
                }
            },
        };
        let zone = cfg.audit.zone;
        let mut tables = Vec::new();
        if let Some(def) = def {
            for (crit, slot) in def.criteria.iter().zip(&data.criteria.slots) {
                let store: &SlotValues = match slot.source {
                    Source::Crm => &data.crm_interners[slot.slot],
                    _ => &data.marketing_interners[slot.slot],
                };
                let reading = reading_of(cfg, slot.source);
                let table = match (store, &crit.op) {
                    // Parsed while loading: the column is read by `within_days` only.
                    (SlotValues::Time { times, .. }, Op::WithinDays(days)) => CriterionTable {
                        by_value: Vec::new(),
                        times: times
                            .iter()
                            .map(|&t| (t != UNREADABLE).then_some(t))
                            .collect(),
                        within_span: Some(day_span(*days)),
                    },
                    (SlotValues::Text(interner), Op::WithinDays(days)) => {
                        let values = interner.values();
                        let order =
                            settle_order(&values[1..], reading.date_order).map_err(|why| {
                                anyhow::anyhow!(
                                    "criterion `{}`: column `{}` {why}; set date_order = \"mdy\" or \"dmy\" under [{}]",
                                    crit.id,
                                    crit.field.header,
                                    slot.source.name()
                                )
                            })?;
                        let times = values
                            .iter()
                            .map(|v| {
                                if v.is_empty() {
                                    return None;
                                }
                                time::parse(v, order).ok().map(|s| zone.resolve(s))
                            })
                            .collect();
                        CriterionTable {
                            by_value: Vec::new(),
                            times,
                            within_span: Some(day_span(*days)),
                        }
                    }
                    (SlotValues::Text(interner), _) => {
                        let th = reading.thousands.as_deref();
                        let dec = reading.decimal.as_deref();
                        let by_value = interner
                            .values()
                            .iter()
                            .map(|v| {
                                let v = (!v.is_empty()).then_some(v.as_ref());
                                crit.eval(v, |s| parse_number(s, th, dec), |_| None, 0)
                            })
                            .collect();
                        CriterionTable {
                            by_value,
                            times: Vec::new(),
                            within_span: None,
                        }
                    }
                    (SlotValues::Time { .. }, _) => {
                        bail!(
                            "criterion `{}`: internal: a timestamp column read as text",
                            crit.id
                        )
                    }
                };
                tables.push(table);
            }
        }
        let owner_unowned = data
            .owners
            .values()
            .iter()
            .map(|o| o.is_empty() || cfg.sales.is_unowned_value(o))
            .collect();
        let roster = cfg.roster.as_deref().map(Roster::load).transpose()?;
        let owner_inactive = data
            .owners
            .values()
            .iter()
            .map(|o| {
                roster
                    .as_ref()
                    .and_then(|r| r.get(o))
                    .is_some_and(|e| !e.active)
            })
            .collect();
        let clocks = match cfg.audit.clock {
            SlaClock::Business => Some(Clocks::new(cfg, data, roster.as_ref())?),
            SlaClock::Calendar => None,
        };
        let verdicts = data
            .dispositions
            .values()
            .iter()
            .map(|d| {
                if d.is_empty() {
                    (Verdict::None, None)
                } else {
                    let (v, spelling) = cfg.sales.verdict(d);
                    (v, spelling.map(str::to_string))
                }
            })
            .collect();
        Ok(Self {
            cfg,
            data,
            def,
            as_of,
            as_of_source,
            tables,
            owner_unowned,
            owner_inactive,
            roster: roster.is_some(),
            clocks,
            verdicts,
            warnings,
        })
    }

    /// Whether the SLA runs on the business clock.
    pub fn business_clock(&self) -> bool {
        self.clocks.is_some()
    }

    /// The definition the leads are evaluated against.
    pub fn definition(&self) -> Option<&'a Definition> {
        self.def
    }

    fn zone(&self) -> &Zone {
        &self.cfg.audit.zone
    }

    /// Evaluate one criterion for one lead.
    fn outcome(&self, lead: usize, c: usize, reference: i64) -> Outcome {
        let slot = self.data.criteria.slots[c];
        let id = match slot.source {
            Source::Crm => self.data.crm_value_id(lead, slot.slot),
            _ => self.data.marketing_value_id(lead, slot.slot),
        } as usize;
        let t = &self.tables[c];
        match t.within_span {
            None => t.by_value[id],
            Some(span) => {
                if id == 0 {
                    return Outcome::False;
                }
                match t.times[id] {
                    None => Outcome::Unparsable,
                    Some(v) => {
                        if reference.saturating_sub(span) <= v && v <= reference {
                            Outcome::True
                        } else {
                            Outcome::False
                        }
                    }
                }
            }
        }
    }

    /// The first touch of a lead in `[handover, as_of]`.
    fn first_touch(&self, lead: usize, handover: i64) -> Option<i64> {
        if self.cfg.activities.is_some() {
            return self.data.leads[lead]
                .first_activity()
                .filter(|&t| t <= self.as_of);
        }
        let m = self.data.crm(lead).first_touch?;
        let t = effective_touch(m, handover, self.zone());
        (handover <= t && t <= self.as_of).then_some(t)
    }

    /// The first connecting activity of a lead, if not after as_of.
    fn first_connection(&self, lead: usize) -> Option<i64> {
        self.data
            .first_connection(lead)
            .filter(|&t| t <= self.as_of)
    }

    /// Elapsed microseconds on the SLA clock (the owner's calendar on the business clock).
    fn elapsed(&self, owner: u32, from: i64, to: i64) -> i64 {
        match &self.clocks {
            None => to.saturating_sub(from),
            Some(c) => c.for_owner(owner).elapsed(from, to),
        }
    }

    /// Every verdict about a marketing key.
    pub fn view(&self, lead: usize) -> LeadView {
        let l = &self.data.leads[lead];
        let crm = self.data.crm(lead);
        let inactive = crm.present && self.owner_inactive[crm.owner as usize];
        let unowned = !crm.present || self.owner_unowned[crm.owner as usize] || inactive;
        let owner = if crm.present { crm.owner } else { 0 };
        let sla = self.cfg.audit.sla_micros;
        let verdict = if crm.present {
            self.verdicts[crm.disposition as usize].0
        } else {
            Verdict::None
        };
        let (status, first_touch, elapsed) = match l.handover() {
            None => (SlaStatus::NotHandedOver, None, None),
            // The window closes when the SLA has elapsed on the SLA clock.
            Some(h) if self.elapsed(owner, h, self.as_of) < sla => {
                (SlaStatus::InWindow, self.first_touch(lead, h), None)
            }
            Some(h) => match self.first_touch(lead, h) {
                None => (SlaStatus::Never, None, None),
                Some(t) => {
                    let e = self.elapsed(owner, h, t);
                    let s = if e <= sla {
                        SlaStatus::Within
                    } else {
                        SlaStatus::Late
                    };
                    (s, Some(t), Some(e))
                }
            },
        };
        let (ready, outcomes) = match self.def {
            None => (None, Vec::new()),
            Some(def) => {
                let reference = l.handover().unwrap_or(self.as_of);
                let outcomes: Vec<Outcome> = (0..def.criteria.len())
                    .map(|c| self.outcome(lead, c, reference))
                    .collect();
                let n_true = outcomes.iter().filter(|o| o.holds()).count();
                (Some(def.ready_when.ready(n_true, outcomes.len())), outcomes)
            }
        };
        LeadView {
            handover: l.handover(),
            first_touch,
            elapsed,
            status,
            owner,
            unowned,
            inactive,
            verdict,
            ready,
            outcomes,
        }
    }

    /// Compute the report.
    pub fn report(&self) -> Report {
        let data = self.data;
        let cfg = self.cfg;
        let mut notes = self.warnings.clone();
        let n = data.leads.len();

        // Every lead is tallied on its own: two threads take half the leads each.
        let n_crit = self.def.map_or(0, |d| d.criteria.len());
        let tally_of = |range: std::ops::Range<usize>| {
            let mut t = Tally::new(n_crit);
            for lead in range {
                t.add(self, lead);
            }
            t
        };
        let mid = n / 2;
        let tally = if cfg.threads > 1 && n >= PARALLEL_MIN_LEADS {
            std::thread::scope(|s| {
                let second = s.spawn(|| tally_of(mid..n));
                let mut t = tally_of(0..mid);
                // A tally thread only reads: it cannot fail but by a bug, which the join
                // passes on as the panic it is.
                t.merge(
                    second
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                );
                t
            })
        } else {
            tally_of(0..n)
        };
        let Tally {
            fu,
            mut elapsed_hours,
            mut calendar_hours,
            mut from_assignment,
            mut unassigned_hours,
            mut connection_hours,
            inactive_owner,
            buckets,
            unowned,
            unowned_breaches,
            per_owner,
            months,
            disp_counts,
            reason_counts,
            marketing_without_crm,
            touches_before,
            failing,
            unparsable,
            crosstab,
            mism,
            ready_total,
            rejected,
            rejected_without_reason,
        } = tally;

        let eligible = fu.eligible;
        let rate = |x: u64| {
            if eligible == 0 {
                0.0
            } else {
                x as f64 / eligible as f64
            }
        };
        for v in [
            &mut elapsed_hours,
            &mut calendar_hours,
            &mut from_assignment,
            &mut unassigned_hours,
            &mut connection_hours,
        ] {
            v.sort_by(f64::total_cmp);
        }
        let business = self.clocks.is_some();
        let assigned = data.crm_recs.iter().any(|c| c.assigned_at.is_some());
        let connections = self.data.tracks_connections;
        let labels = ["<=5m", "<=1h", "<=24h", "<=SLA", ">SLA", "never"];
        let follow_up = FollowUp {
            handed_over: fu.handed_over,
            in_window: fu.in_window,
            eligible,
            followed_up: fu.followed_up,
            within_sla: fu.within_sla,
            late: fu.followed_up - fu.within_sla,
            never: eligible - fu.followed_up,
            breaches: fu.breaches,
            follow_up_rate: rate(fu.followed_up),
            sla_met_rate: rate(fu.within_sla),
            breach_rate: rate(fu.breaches),
            hours_to_first_touch: quantiles(&elapsed_hours),
            buckets: labels
                .iter()
                .zip(buckets)
                .map(|(l, count)| Bucket {
                    label: l.to_string(),
                    count,
                })
                .collect(),
            hours_to_first_touch_calendar: business.then(|| quantiles(&calendar_hours)),
            hours_to_first_touch_business: business.then(|| quantiles(&elapsed_hours)),
            hours_from_assignment: assigned.then(|| quantiles(&from_assignment)),
            connected: connections.then_some(connection_hours.len() as u64),
            hours_to_first_connection: connections.then(|| quantiles(&connection_hours)),
        };

        let mut owners: Vec<OwnerRow> = per_owner
            .into_iter()
            .map(|(id, c)| OwnerRow {
                owner: data.owners.get(id).to_string(),
                eligible: c.eligible,
                followed_up: c.followed_up,
                within_sla: c.within_sla,
                breaches: c.breaches,
                dispositioned: c.dispositioned,
            })
            .collect();
        owners.sort_by(|a, b| a.owner.as_bytes().cmp(b.owner.as_bytes()));

        let dispositions = group_values(&data.dispositions, &disp_counts, |id| {
            self.verdicts[id as usize].1.clone()
        });
        let reasons = group_values(&data.reasons, &reason_counts, |_| None);
        let dispositioned = fu.dispositioned;
        let feedback = Feedback {
            eligible,
            dispositioned,
            coverage: rate(dispositioned),
            rejected,
            rejected_without_reason,
            dispositions,
            reasons,
        };

        let definition = self.def.map(|def| {
            let stale = match def.reviewed {
                None => true,
                Some(r) => {
                    // A review due beyond the calendar's end is not overdue.
                    let days = u64::try_from(def.review_every_days).unwrap_or(0);
                    match r.checked_add_days(chrono::Days::new(days)) {
                        Some(due) => self.as_of > self.zone().midnight(due),
                        None => false,
                    }
                }
            };
            if stale {
                notes.push(match def.reviewed {
                    Some(r) => format!(
                        "the definition `{}` was last reviewed on {r}, more than {} days before as_of; review it with sales and update `reviewed`",
                        def.name, def.review_every_days
                    ),
                    None => format!("the definition `{}` has no `reviewed` date; review it with sales and record the date", def.name),
                });
            }
            DefinitionFigures {
                name: def.name.clone(),
                version: def.version.clone(),
                reviewed: def.reviewed.map(|d| d.format("%Y-%m-%d").to_string()),
                stale,
                evaluated: n as u64,
                ready: ready_total,
                mismatches: mism,
                failing_criteria: def
                    .criteria
                    .iter()
                    .zip(&failing)
                    .map(|(c, &count)| CriterionCount { id: c.id.clone(), count })
                    .collect(),
                crosstab: crosstab
                    .iter()
                    .map(|(&(mql, ready, verdict), &count)| CrosstabCell {
                        marketing: if mql { "mql" } else { "not_mql" }.into(),
                        definition: if ready { "ready" } else { "not_ready" }.into(),
                        sales: verdict.as_str().into(),
                        count,
                    })
                    .collect(),
            }
        });
        if fu.eligible == 0 && fu.in_window > 0 {
            notes.push(format!(
                "no handoff is eligible yet: all {} handoffs are still inside their SLA window at as_of {}; pass a later --as-of",
                fu.in_window,
                format_utc(self.as_of)
            ));
        }
        if let Some(def) = self.def {
            for (c, &count) in def.criteria.iter().zip(&unparsable) {
                if count > 0 {
                    let example = self.unparsable_example(def, c);
                    let slot = data.criteria.slots
                        [def.criteria.iter().position(|x| x.id == c.id).unwrap_or(0)];
                    let hint = if c.op.is_numeric() {
                        number_hint(example.as_deref().unwrap_or(""), slot.source)
                    } else {
                        format!(
                            "set date_order under [{}] if the dates are day-first, or fix the values",
                            slot.source.name()
                        )
                    };
                    notes.push(format!(
                        "criterion `{}`: {count} lead(s) have a `{}` value that cannot be read, e.g. `{}`; {hint}",
                        c.id,
                        c.field.header,
                        example.unwrap_or_default()
                    ));
                }
            }
        }

        let skipped_rows = data
            .skipped
            .iter()
            .take(1000)
            .map(|s| SkippedRowOut {
                source: s.source.name().into(),
                line: s.line,
                reason: s.reason.clone(),
            })
            .collect();
        let mut warnings = data.warnings.clone();
        warnings.append(&mut notes);
        let input = |f: &crate::load::FileSummary| InputFile {
            path: f.path.display().to_string(),
            rows: f.counts.rows,
            skipped: f.counts.skipped,
            footer_lines: f.counts.footer_lines,
        };
        Report {
            as_of: format_utc(self.as_of),
            as_of_source: self.as_of_source.into(),
            sla: Sla {
                hours: cfg.audit.sla_hours,
                clock: cfg.audit.clock.as_str().into(),
            },
            inputs: Inputs {
                marketing: input(&data.marketing_file),
                crm: input(&data.crm_file),
                activities: data.activities_file.as_ref().map(input),
            },
            follow_up,
            ownership: Ownership {
                inactive_owner: self.roster.then_some(inactive_owner),
                hours_unassigned: assigned.then(|| quantiles(&unassigned_hours)),
                unowned,
                unowned_breaches,
                owners,
            },
            definition,
            feedback,
            months: months.into_values().collect(),
            data_quality: DataQuality {
                duplicate_keys: DuplicateKeys {
                    marketing: data.duplicate_marketing,
                    crm: data.duplicate_crm,
                },
                marketing_without_crm,
                activities_without_marketing: data.activities_without_marketing,
                touches_before_handover: touches_before,
                skipped_rows,
                skipped_rows_total: data.skipped.len() as u64,
                unparsable: self
                    .def
                    .map(|d| {
                        d.criteria
                            .iter()
                            .zip(&unparsable)
                            .filter(|(_, n)| **n > 0)
                            .map(|(c, n)| (c.id.clone(), *n))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            warnings,
            findings: Vec::new(),
        }
    }

    /// A value of criterion `c` that could not be read.
    fn unparsable_example(&self, def: &Definition, c: &crate::rules::Criterion) -> Option<String> {
        let idx = def.criteria.iter().position(|x| x.id == c.id)?;
        let slot = self.data.criteria.slots[idx];
        let store = match slot.source {
            Source::Crm => &self.data.crm_interners[slot.slot],
            _ => &self.data.marketing_interners[slot.slot],
        };
        let t = &self.tables[idx];
        match store {
            SlotValues::Time { bad_example, .. } => bad_example.clone(),
            SlotValues::Text(interner) => {
                interner
                    .values()
                    .iter()
                    .enumerate()
                    .skip(1)
                    .find_map(|(i, v)| {
                        let bad = match t.within_span {
                            None => t.by_value[i] == Outcome::Unparsable,
                            Some(_) => t.times[i].is_none(),
                        };
                        bad.then(|| v.to_string())
                    })
            }
        }
    }
}

/// The setting that would read an unparsable number.
fn number_hint(example: &str, source: Source) -> String {
    let s = source.name();
    if parse_number(example, Some(","), None).is_some() {
        format!("set thousands = \",\" under [{s}] to read `1,200` as 1200")
    } else if parse_number(example, Some("."), Some(",")).is_some() {
        format!("set thousands = \".\" and decimal = \",\" under [{s}] to read `1.200,5` as 1200.5")
    } else if parse_number(example, None, Some(",")).is_some() {
        format!("set decimal = \",\" under [{s}] to read `3,5` as 3.5")
    } else {
        "numbers are read as [+-]digits[.digits]; fix the values or change the criterion"
            .to_string()
    }
}

/// `N` days in microseconds.
fn day_span(days: f64) -> i64 {
    (days * time::MICROS_PER_DAY as f64).round() as i64
}

/// Tallies for one group of eligible handoffs.
/// Leads tallied with one thread under [`Auditor::report`]'s parallel path.
const PARALLEL_MIN_LEADS: usize = 100_000;

/// What the report counts over leads, for a range of them.
struct Tally {
    fu: Counts,
    elapsed_hours: Vec<f64>,
    calendar_hours: Vec<f64>,
    from_assignment: Vec<f64>,
    unassigned_hours: Vec<f64>,
    connection_hours: Vec<f64>,
    inactive_owner: u64,
    buckets: [u64; 6],
    unowned: u64,
    unowned_breaches: u64,
    per_owner: FxHashMap<u32, Counts>,
    months: BTreeMap<(i32, u32), Month>,
    disp_counts: FxHashMap<u32, u64>,
    reason_counts: FxHashMap<u32, u64>,
    marketing_without_crm: u64,
    touches_before: u64,
    failing: Vec<u64>,
    unparsable: Vec<u64>,
    crosstab: BTreeMap<(bool, bool, Verdict), u64>,
    mism: Mismatches,
    ready_total: u64,
    rejected: u64,
    rejected_without_reason: u64,
}

impl Tally {
    fn new(n_crit: usize) -> Self {
        Self {
            fu: Counts::default(),
            elapsed_hours: Vec::new(),
            calendar_hours: Vec::new(),
            from_assignment: Vec::new(),
            unassigned_hours: Vec::new(),
            connection_hours: Vec::new(),
            inactive_owner: 0,
            buckets: [0; 6],
            unowned: 0,
            unowned_breaches: 0,
            per_owner: FxHashMap::default(),
            months: BTreeMap::new(),
            disp_counts: FxHashMap::default(),
            reason_counts: FxHashMap::default(),
            marketing_without_crm: 0,
            touches_before: 0,
            failing: vec![0; n_crit],
            unparsable: vec![0; n_crit],
            crosstab: BTreeMap::new(),
            mism: Mismatches {
                mql_not_ready: 0,
                ready_not_mql: 0,
                ready_rejected: 0,
                not_ready_accepted: 0,
            },
            ready_total: 0,
            rejected: 0,
            rejected_without_reason: 0,
        }
    }

    /// Count one lead.
    fn add(&mut self, au: &Auditor, lead: usize) {
        let data = au.data;
        let sla = au.cfg.audit.sla_micros;
        let Tally {
            fu,
            elapsed_hours,
            calendar_hours,
            from_assignment,
            unassigned_hours,
            connection_hours,
            inactive_owner,
            buckets,
            unowned,
            unowned_breaches,
            per_owner,
            months,
            disp_counts,
            reason_counts,
            marketing_without_crm,
            touches_before,
            failing,
            unparsable,
            crosstab,
            mism,
            ready_total,
            rejected,
            rejected_without_reason,
        } = self;
        let v = au.view(lead);
        let crm = data.crm(lead);
        if !crm.present {
            *marketing_without_crm += 1;
        }
        let handed = v.handover.is_some();
        if handed && data.leads[lead].touched_before() {
            *touches_before += 1;
        }
        if let Some(ready) = v.ready {
            *ready_total += u64::from(ready);
            for (c, o) in v.outcomes.iter().enumerate() {
                if *o == Outcome::Unparsable {
                    unparsable[c] += 1;
                }
                if handed && !ready && !o.holds() {
                    failing[c] += 1;
                }
            }
            *crosstab.entry((handed, ready, v.verdict)).or_default() += 1;
            mism.mql_not_ready += u64::from(handed && !ready);
            mism.ready_not_mql += u64::from(!handed && ready);
            mism.ready_rejected += u64::from(ready && v.verdict == Verdict::Rejected);
            mism.not_ready_accepted += u64::from(!ready && v.verdict == Verdict::Accepted);
        }
        let Some(h) = v.handover else { return };
        fu.handed_over += 1;
        let (y, m) = au.zone().month_of(h);
        let month = months.entry((y, m)).or_insert_with(|| Month {
            month: format!("{y:04}-{m:02}"),
            handed_over: 0,
            eligible: 0,
            followed_up: 0,
            breaches: 0,
            dispositioned: 0,
            mql_not_ready: 0,
        });
        month.handed_over += 1;
        month.mql_not_ready += u64::from(v.ready == Some(false));
        if v.status == SlaStatus::InWindow {
            fu.in_window += 1;
            return;
        }
        let dispositioned = v.verdict != Verdict::None;
        let c = Counts::of(&v, dispositioned);
        fu.add(&c);
        month.eligible += 1;
        month.followed_up += c.followed_up;
        month.breaches += c.breaches;
        month.dispositioned += c.dispositioned;
        let hours = |micros: i64| micros as f64 / MICROS_PER_HOUR as f64;
        if let (Some(e), Some(t)) = (v.elapsed, v.first_touch) {
            elapsed_hours.push(hours(e));
            if au.clocks.is_some() {
                calendar_hours.push(hours(t - h));
            }
        }
        if let Some(a) = crm.assigned_at {
            unassigned_hours.push(hours(au.elapsed(v.owner, h, a.max(h))));
            if let Some(t) = v.first_touch.filter(|&t| t >= a) {
                from_assignment.push(hours(au.elapsed(v.owner, a.max(h), t)));
            }
        }
        if let Some(c) = au.first_connection(lead) {
            connection_hours.push(hours(au.elapsed(v.owner, h, c)));
        }
        *inactive_owner += u64::from(v.inactive);
        buckets[bucket(v.elapsed, sla)] += 1;
        if v.unowned {
            *unowned += 1;
            *unowned_breaches += c.breaches;
        } else {
            per_owner.entry(v.owner).or_default().add(&c);
        }
        if v.verdict == Verdict::Rejected {
            *rejected += 1;
            *rejected_without_reason += u64::from(crm.reason == 0);
        }
        if crm.present && crm.disposition != 0 {
            *disp_counts.entry(crm.disposition).or_default() += 1;
            if v.verdict == Verdict::Rejected && crm.reason != 0 {
                *reason_counts.entry(crm.reason).or_default() += 1;
            }
        }
    }

    /// Fold in the tally of the leads after these. Lists of hours are sorted before use, so
    /// their order does not matter.
    fn merge(&mut self, o: Tally) {
        self.fu.handed_over += o.fu.handed_over;
        self.fu.in_window += o.fu.in_window;
        self.fu.add(&o.fu);
        self.elapsed_hours.extend(o.elapsed_hours);
        self.calendar_hours.extend(o.calendar_hours);
        self.from_assignment.extend(o.from_assignment);
        self.unassigned_hours.extend(o.unassigned_hours);
        self.connection_hours.extend(o.connection_hours);
        self.inactive_owner += o.inactive_owner;
        for (x, y) in self.buckets.iter_mut().zip(o.buckets) {
            *x += y;
        }
        self.unowned += o.unowned;
        self.unowned_breaches += o.unowned_breaches;
        for (owner, c) in o.per_owner {
            self.per_owner.entry(owner).or_default().add(&c);
        }
        for (key, m) in o.months {
            match self.months.get_mut(&key) {
                None => {
                    self.months.insert(key, m);
                }
                Some(x) => {
                    x.handed_over += m.handed_over;
                    x.eligible += m.eligible;
                    x.followed_up += m.followed_up;
                    x.breaches += m.breaches;
                    x.dispositioned += m.dispositioned;
                    x.mql_not_ready += m.mql_not_ready;
                }
            }
        }
        for (d, c) in o.disp_counts {
            *self.disp_counts.entry(d).or_default() += c;
        }
        for (r, c) in o.reason_counts {
            *self.reason_counts.entry(r).or_default() += c;
        }
        self.marketing_without_crm += o.marketing_without_crm;
        self.touches_before += o.touches_before;
        for (x, y) in self.failing.iter_mut().zip(o.failing) {
            *x += y;
        }
        for (x, y) in self.unparsable.iter_mut().zip(o.unparsable) {
            *x += y;
        }
        for (k, c) in o.crosstab {
            *self.crosstab.entry(k).or_default() += c;
        }
        self.mism.mql_not_ready += o.mism.mql_not_ready;
        self.mism.ready_not_mql += o.mism.ready_not_mql;
        self.mism.ready_rejected += o.mism.ready_rejected;
        self.mism.not_ready_accepted += o.mism.not_ready_accepted;
        self.ready_total += o.ready_total;
        self.rejected += o.rejected;
        self.rejected_without_reason += o.rejected_without_reason;
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    handed_over: u64,
    in_window: u64,
    eligible: u64,
    followed_up: u64,
    within_sla: u64,
    breaches: u64,
    dispositioned: u64,
}

impl Counts {
    fn of(v: &LeadView, dispositioned: bool) -> Self {
        let followed = v.elapsed.is_some();
        let within = v.status == SlaStatus::Within;
        Self {
            eligible: 1,
            followed_up: u64::from(followed),
            within_sla: u64::from(within),
            breaches: u64::from(!within),
            dispositioned: u64::from(dispositioned),
            ..Self::default()
        }
    }

    fn add(&mut self, o: &Counts) {
        self.eligible += o.eligible;
        self.followed_up += o.followed_up;
        self.within_sla += o.within_sla;
        self.breaches += o.breaches;
        self.dispositioned += o.dispositioned;
    }
}

/// The bucket of an elapsed time (SPEC rule 7).
fn bucket(elapsed: Option<i64>, sla: i64) -> usize {
    let Some(e) = elapsed else { return 5 };
    let bounds = [
        5 * 60 * 1_000_000,
        MICROS_PER_HOUR,
        24 * MICROS_PER_HOUR,
        sla,
    ];
    bounds.iter().position(|&b| e <= b).unwrap_or(4)
}

/// Median and p90 by linear interpolation at h = (n − 1)·p on sorted values (numpy's default).
pub fn quantiles(sorted: &[f64]) -> Quantiles {
    Quantiles {
        median: quantile(sorted, 0.5),
        p90: quantile(sorted, 0.9),
    }
}

/// One quantile of sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Group counts of interned spellings case-insensitively (SPEC rule 5).
fn group_values(
    interner: &Interner,
    counts: &FxHashMap<u32, u64>,
    config_spelling: impl Fn(u32) -> Option<String>,
) -> Vec<ValueCount> {
    struct Group {
        total: u64,
        spellings: Vec<(String, u64)>,
        config: Option<String>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (&id, &count) in counts {
        let s = interner.get(id);
        let g = groups.entry(s.to_lowercase()).or_insert(Group {
            total: 0,
            spellings: Vec::new(),
            config: None,
        });
        g.total += count;
        g.spellings.push((s.to_string(), count));
        if g.config.is_none() {
            g.config = config_spelling(id);
        }
    }
    let mut out: Vec<ValueCount> = groups
        .into_values()
        .map(|g| {
            let value = g.config.unwrap_or_else(|| {
                g.spellings
                    .iter()
                    .max_by(|a, b| {
                        a.1.cmp(&b.1)
                            .then_with(|| b.0.as_bytes().cmp(a.0.as_bytes()))
                    })
                    .map(|s| s.0.clone())
                    .unwrap_or_default()
            });
            ValueCount {
                value,
                count: g.total,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.value.as_bytes().cmp(b.value.as_bytes()))
    });
    out
}

/// Load, audit and report in one call (findings included).
pub fn run(cfg: &Config, def: Option<&Definition>) -> Result<Report> {
    let data = crate::load::load(cfg, def)?;
    let auditor = Auditor::new(cfg, &data, def)?;
    let mut report = auditor.report();
    add_findings(&mut report, cfg);
    Ok(report)
}

/// Compute the findings of a finished report with the config's limits.
pub fn add_findings(report: &mut Report, cfg: &Config) {
    let limits = findings::limits(&cfg.findings, &cfg.thresholds);
    report.findings = findings::compute(report, &limits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_linear_quantiles() {
        // numpy.percentile([1, 2, 3, 4], 50) = 2.5; 90 -> 3.7
        let q = quantiles(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(q.median, Some(2.5));
        assert!((q.p90.unwrap() - 3.7).abs() < 1e-12);
        let q = quantiles(&[7.0]);
        assert_eq!((q.median, q.p90), (Some(7.0), Some(7.0)));
        assert_eq!(quantiles(&[]).median, None);
        // numpy.percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90) = 90
        let v: Vec<f64> = (0..=10).map(|i| f64::from(i) * 10.0).collect();
        assert_eq!(quantile(&v, 0.9), Some(90.0));
    }

    #[test]
    fn buckets_are_inclusive_first_match() {
        let h = MICROS_PER_HOUR;
        let sla = 48 * h;
        assert_eq!(bucket(Some(0), sla), 0);
        assert_eq!(bucket(Some(300_000_000), sla), 0);
        assert_eq!(bucket(Some(300_000_001), sla), 1);
        assert_eq!(bucket(Some(h), sla), 1);
        assert_eq!(bucket(Some(24 * h), sla), 2);
        assert_eq!(bucket(Some(48 * h), sla), 3);
        assert_eq!(bucket(Some(48 * h + 1), sla), 4);
        assert_eq!(bucket(None, sla), 5);
    }

    #[test]
    fn grouping_prefers_config_spelling_then_most_frequent_then_smallest() {
        let mut i = Interner::default();
        let a = i.intern("qualified");
        let b = i.intern("Qualified");
        let c = i.intern("nurture");
        let d = i.intern("Nurture");
        let counts: FxHashMap<u32, u64> = [(a, 2), (b, 1), (c, 1), (d, 1)].into_iter().collect();
        let out = group_values(&i, &counts, |id| {
            (id == a || id == b).then(|| "Qualified".to_string())
        });
        assert_eq!(
            out,
            vec![
                ValueCount {
                    value: "Qualified".into(),
                    count: 3
                },
                ValueCount {
                    value: "Nurture".into(),
                    count: 2
                },
            ]
        );
    }
}
