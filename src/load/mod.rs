//! The CSV loader: reads the marketing, CRM and activity exports into a compact [`Dataset`].
//!
//! Memory grows with the number of distinct keys, never with the number of activity rows:
//! activities are streamed and folded into each marketing key's first touch as they are read.
//! Owners, dispositions, reasons and criterion values are interned; timestamps are integer
//! microseconds. This module decides what a row *is* (key, timestamps, skip); what the rows
//! *mean* is `audit`'s business.

pub mod csvfile;
pub mod preset;
pub mod records;
pub mod text;
pub mod time;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::{AsOfSetting, Config, Reading, Source, SourceConfig};
use crate::rules::Definition;
use csvfile::{CsvFile, Decoding, RecordCounts, Row, RowFate};
use text::{EmptySpellings, KeyProblem, normalize_key};
use time::{DateOrder, OrderHint, Stamp, StampError, Zone};

/// Interned strings; id 0 is "no value".
#[derive(Debug, Clone)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        Self {
            map: FxHashMap::default(),
            values: vec!["".into()],
        }
    }
}

impl Interner {
    /// The id of `s` ("" is 0).
    #[inline]
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    /// The string of an id.
    #[inline]
    pub fn get(&self, id: u32) -> &str {
        &self.values[id as usize]
    }

    /// Every interned value, id 0 ("") first.
    pub fn values(&self) -> &[Box<str>] {
        &self.values
    }
}

/// What a marketing key carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lead {
    /// The earliest handoff instant (SPEC "Handoff"), if handed over.
    pub handover: Option<i64>,
    /// The first touch in `[handover, as_of]` from the activities export.
    pub first_activity: Option<i64>,
    /// A touch-type activity strictly before the handover (SPEC rule 3).
    pub touched_before: bool,
}

/// A timestamp that remembers whether it was written as a date alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The instant (a date's local midnight).
    pub at: i64,
    /// Written without time of day.
    pub date_only: bool,
}

/// A marketing key's CRM row (the first in file order).
#[derive(Debug, Clone, Copy, Default)]
pub struct CrmRec {
    /// A CRM row exists.
    pub present: bool,
    /// Owner (interned in [`Dataset::owners`]).
    pub owner: u32,
    /// Disposition as written, trimmed (interned in [`Dataset::dispositions`]).
    pub disposition: u32,
    /// Reason as written, trimmed (interned in [`Dataset::reasons`]).
    pub reason: u32,
    /// `assigned_at`.
    pub assigned_at: Option<i64>,
    /// `disposition_at`.
    pub disposition_at: Option<i64>,
    /// `first_touch_at`.
    pub first_touch: Option<Moment>,
}

/// Per-file figures for `inputs`.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// The path as configured.
    pub path: PathBuf,
    /// Loaded, skipped and footer counts.
    pub counts: RecordCounts,
}

/// One skipped row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Which export.
    pub source: Source,
    /// Physical line where the record starts.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// Where a criterion reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSlot {
    /// Marketing or CRM.
    pub source: Source,
    /// Index among that source's criterion columns.
    pub slot: usize,
    /// Column index in the file.
    pub column: usize,
}

/// The columns criteria read, and each criterion's slot.
#[derive(Debug, Clone, Default)]
pub struct CriteriaColumns {
    /// Marketing columns (file indexes), one slot each.
    pub marketing: Vec<usize>,
    /// CRM columns.
    pub crm: Vec<usize>,
    /// One per criterion, in definition order.
    pub slots: Vec<FieldSlot>,
    /// Header text of each slot's column, per source.
    pub marketing_headers: Vec<String>,
    /// Header text of CRM slots.
    pub crm_headers: Vec<String>,
}

/// Everything the audit needs from the files.
pub struct Dataset {
    /// Normalized key → id. Marketing keys are ids `0..leads.len()`.
    pub key_ids: FxHashMap<Box<str>, u32>,
    /// Normalized keys by id.
    pub keys: Vec<Box<str>>,
    /// Per marketing key.
    pub leads: Vec<Lead>,
    /// Per marketing key: its CRM row.
    pub crm: Vec<CrmRec>,
    /// Owners.
    pub owners: Interner,
    /// Dispositions.
    pub dispositions: Interner,
    /// Rejection reasons.
    pub reasons: Interner,
    /// Criterion values: `marketing_values[lead * marketing_columns + slot]` into
    /// `marketing_interners[slot]`.
    pub marketing_values: Vec<u32>,
    /// One interner per marketing criterion column.
    pub marketing_interners: Vec<Interner>,
    /// Criterion values of CRM columns, same layout.
    pub crm_values: Vec<u32>,
    /// One interner per CRM criterion column.
    pub crm_interners: Vec<Interner>,
    /// Criteria column layout.
    pub criteria: CriteriaColumns,
    /// `inputs.marketing`.
    pub marketing_file: FileSummary,
    /// `inputs.crm`.
    pub crm_file: FileSummary,
    /// `inputs.activities`.
    pub activities_file: Option<FileSummary>,
    /// Every skipped row, in source order then line order.
    pub skipped: Vec<SkippedRow>,
    /// Loaded marketing rows − distinct marketing keys.
    pub duplicate_marketing: u64,
    /// Loaded CRM rows − distinct CRM keys.
    pub duplicate_crm: u64,
    /// Distinct keys of loaded activity rows that are not marketing keys.
    pub activities_without_marketing: u64,
    /// The latest timestamp not later than now, for a derived as_of.
    pub latest: Option<i64>,
    /// The as_of used to cut activities (fixed as_of, or the current time).
    pub cutoff: i64,
    /// Loader warnings (encodings, Excel damage, unreadable optional timestamps).
    pub warnings: Vec<String>,
}

impl Dataset {
    /// The id of a key as written (normalized like the loader does), if any file has it.
    pub fn find_key(&self, raw: &str, salesforce_ids: bool) -> Option<u32> {
        let k = normalize_key(raw, &EmptySpellings::default(), salesforce_ids).ok()?;
        self.key_ids.get(k.as_ref()).copied()
    }

    /// The cleaned marketing criterion value of `lead` in `slot`.
    pub fn marketing_value(&self, lead: usize, slot: usize) -> Option<&str> {
        let stride = self.criteria.marketing.len();
        let id = self.marketing_values[lead * stride + slot];
        (id != 0).then(|| self.marketing_interners[slot].get(id))
    }

    /// The cleaned CRM criterion value of `lead` in `slot` (`None` without a CRM row).
    pub fn crm_value(&self, lead: usize, slot: usize) -> Option<&str> {
        if !self.crm[lead].present {
            return None;
        }
        let stride = self.criteria.crm.len();
        let id = self.crm_values[lead * stride + slot];
        (id != 0).then(|| self.crm_interners[slot].get(id))
    }
}

/// A timestamp column of a source and what it has seen.
struct TimeColumn {
    idx: usize,
    logical: &'static str,
    order: Option<DateOrder>,
    from_config: bool,
    bad: u64,
    example: Option<String>,
}

struct TimeCtx<'a> {
    cfg: &'a SourceConfig,
    headers: Vec<String>,
    zone: Zone,
}

impl TimeCtx<'_> {
    /// Parse a cleaned, non-empty value of a timestamp column.
    fn parse(&self, col: &mut TimeColumn, v: &str) -> Result<Option<Moment>> {
        let stamp = match time::parse(v, col.order) {
            Ok(s) => s,
            Err(StampError::Invalid) => return Ok(None),
            Err(StampError::NeedsOrder) => {
                col.order = Some(scan_order(self.cfg, col.idx, &self.headers[col.idx], v)?);
                match time::parse(v, col.order) {
                    Ok(s) => s,
                    Err(_) => return Ok(None),
                }
            }
        };
        if !col.from_config {
            if let OrderHint::Settles(o) = time::order_hint(v) {
                match col.order {
                    None => col.order = Some(o),
                    Some(prev) if prev != o => bail!(
                        "`{}`: column `{}` mixes month-first and day-first dates (`{v}` is {}); set date_order under [{}] and fix the other values",
                        self.cfg.path.display(),
                        self.headers[col.idx],
                        if o == DateOrder::Dmy {
                            "day-first"
                        } else {
                            "month-first"
                        },
                        self.cfg.source.name()
                    ),
                    Some(_) => {}
                }
            }
        }
        let date_only = matches!(stamp, Stamp::Date(_));
        Ok(Some(Moment {
            at: self.zone.resolve(stamp),
            date_only,
        }))
    }

    /// An optional timestamp: unreadable values are empty, counted for a warning.
    fn optional(
        &self,
        col: &mut Option<TimeColumn>,
        row: &Row<'_>,
        empty: &EmptySpellings,
    ) -> Result<Option<Moment>> {
        let Some(c) = col else { return Ok(None) };
        let Some(v) = empty.clean(row.get(c.idx)) else {
            return Ok(None);
        };
        let parsed = self.parse(c, v)?;
        if parsed.is_none() {
            c.bad += 1;
            if c.example.is_none() {
                c.example = Some(v.to_string());
            }
        }
        Ok(parsed)
    }
}

/// Settle a column's day/month order from all its values (SPEC "Timestamps").
fn scan_order(cfg: &SourceConfig, idx: usize, header: &str, example: &str) -> Result<DateOrder> {
    let file = CsvFile::open(cfg)?;
    let (mut dmy, mut mdy) = (None::<String>, None::<String>);
    file.for_each_row(
        |row| {
            let v = row.get(idx);
            match time::order_hint(v) {
                OrderHint::Settles(DateOrder::Dmy) if dmy.is_none() => dmy = Some(v.to_string()),
                OrderHint::Settles(DateOrder::Mdy) if mdy.is_none() => mdy = Some(v.to_string()),
                _ => {}
            }
            Ok(RowFate::Loaded)
        },
        |_, _| {},
    )?;
    let section = cfg.source.name();
    match (dmy, mdy) {
        (Some(_), None) => Ok(DateOrder::Dmy),
        (None, Some(_)) => Ok(DateOrder::Mdy),
        (Some(d), Some(m)) => bail!(
            "`{}`: column `{header}` mixes day-first (`{d}`) and month-first (`{m}`) dates; set date_order = \"dmy\" or \"mdy\" under [{section}] and fix the other values",
            cfg.path.display()
        ),
        (None, None) => bail!(
            "`{}`: column `{header}` has dates such as `{example}` that read as month/day or day/month, and no value settles it; set date_order = \"mdy\" or date_order = \"dmy\" under [{section}]",
            cfg.path.display()
        ),
    }
}

fn time_column(
    file: &CsvFile,
    cfg: &SourceConfig,
    logical: &'static str,
    required: bool,
) -> Result<Option<TimeColumn>> {
    let Some(col) = cfg.column(logical) else {
        if required {
            bail!(
                "[{}] {logical} is not set: name the column that holds it",
                cfg.source.name()
            );
        }
        return Ok(None);
    };
    let idx = if required {
        Some(file.require(cfg.source.name(), logical, col)?)
    } else {
        optional_column(file, cfg, logical)?
    };
    Ok(idx.map(|idx| TimeColumn {
        idx,
        logical,
        order: cfg.reading.date_order,
        from_config: cfg.reading.date_order.is_some(),
        bad: 0,
        example: None,
    }))
}

/// An optional column: a name the config wrote must exist; preset aliases may be absent.
fn optional_column(file: &CsvFile, cfg: &SourceConfig, logical: &str) -> Result<Option<usize>> {
    match cfg.column(logical) {
        None => Ok(None),
        Some(c @ crate::config::ColumnRef::Aliases(_)) => file.locate(logical, c),
        Some(c) => file.require(cfg.source.name(), logical, c).map(Some),
    }
}

fn encoding_warning(file: &CsvFile, source: Source, warnings: &mut Vec<String>) {
    if let Decoding::Transcoded(enc) = file.decoding {
        if file.detected_legacy {
            warnings.push(format!(
                "{} file `{}` is not valid UTF-8; read as {} (set encoding = \"{}\" under [{}] to say so)",
                source.name(),
                file.path().display(),
                enc.name(),
                enc.name().to_ascii_lowercase(),
                source.name()
            ));
        }
    }
}

fn time_warnings(
    source: Source,
    path: &Path,
    headers: &[String],
    cols: &[&Option<TimeColumn>],
    warnings: &mut Vec<String>,
) {
    for c in cols.iter().copied().flatten() {
        if c.bad > 0 {
            warnings.push(format!(
                "{} `{}`: {} value(s) of column `{}` ({}) are not timestamps and were read as empty, e.g. `{}`",
                source.name(),
                path.display(),
                c.bad,
                headers[c.idx],
                c.logical,
                c.example.as_deref().unwrap_or("")
            ));
        }
    }
}

/// Why a key makes its row skipped.
fn key_skip(problem: &KeyProblem, raw: &str) -> String {
    match problem {
        KeyProblem::Empty => "empty key".to_string(),
        KeyProblem::ExcelDamaged => format!("key `{raw}` was turned into a number by Excel"),
    }
}

/// Resolve each criterion's field to a column of the marketing or CRM export.
pub fn resolve_criteria(def: &Definition, m: &CsvFile, c: &CsvFile) -> Result<CriteriaColumns> {
    let mut out = CriteriaColumns::default();
    for crit in &def.criteria {
        let h = &crit.field.header;
        let find = |f: &CsvFile| -> Result<Option<usize>> {
            let found = f.find_header(h);
            match found.as_slice() {
                [] => Ok(None),
                [i] => Ok(Some(*i)),
                _ => bail!(
                    "criterion `{}`: the header `{h}` appears {} times in `{}`; criteria cannot tell them apart",
                    crit.id,
                    found.len(),
                    f.path().display()
                ),
            }
        };
        let (source, column) = match crit.field.source {
            Some(Source::Crm) => match find(c)? {
                Some(i) => (Source::Crm, i),
                None => bail!(
                    "criterion `{}`: field `crm:{h}` is not a header of the CRM export `{}`{}",
                    crit.id,
                    c.path().display(),
                    near(h, c)
                ),
            },
            Some(_) => match find(m)? {
                Some(i) => (Source::Marketing, i),
                None => bail!(
                    "criterion `{}`: field `marketing:{h}` is not a header of the marketing export `{}`{}",
                    crit.id,
                    m.path().display(),
                    near(h, m)
                ),
            },
            None => match (find(m)?, find(c)?) {
                (Some(i), None) => (Source::Marketing, i),
                (None, Some(i)) => (Source::Crm, i),
                (Some(_), Some(_)) => bail!(
                    "criterion `{}`: field `{h}` is a header of both `{}` and `{}`; write `marketing:{h}` or `crm:{h}`",
                    crit.id,
                    m.path().display(),
                    c.path().display()
                ),
                (None, None) => {
                    let mut all: Vec<&str> = m.headers().iter().map(String::as_str).collect();
                    all.extend(c.headers().iter().map(String::as_str));
                    let hint = crate::config::closest(h, &all)
                        .map(|x| format!("; did you mean `{x}`?"))
                        .unwrap_or_default();
                    bail!(
                        "criterion `{}`: field `{h}` is not a header of `{}` nor of `{}`{hint}",
                        crit.id,
                        m.path().display(),
                        c.path().display()
                    )
                }
            },
        };
        let (cols, headers) = match source {
            Source::Crm => (&mut out.crm, &mut out.crm_headers),
            _ => (&mut out.marketing, &mut out.marketing_headers),
        };
        let slot = match cols.iter().position(|&x| x == column) {
            Some(s) => s,
            None => {
                cols.push(column);
                headers.push(h.clone());
                cols.len() - 1
            }
        };
        out.slots.push(FieldSlot {
            source,
            slot,
            column,
        });
    }
    Ok(out)
}

fn near(h: &str, f: &CsvFile) -> String {
    let all: Vec<&str> = f.headers().iter().map(String::as_str).collect();
    crate::config::closest(h, &all)
        .map(|x| format!("; did you mean `{x}`?"))
        .unwrap_or_default()
}

const MQL_TRUE: &[&str] = &["true", "1", "yes", "y", "x", "mql"];

/// Current time in microseconds.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Load the three exports.
pub fn load(cfg: &Config, def: Option<&Definition>) -> Result<Dataset> {
    let zone = cfg.audit.zone;
    let sf = cfg.audit.salesforce_ids;
    let now = now_micros();
    let cutoff = match cfg.as_of {
        AsOfSetting::Fixed(t, _) => t,
        AsOfSetting::FromData => now,
    };
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    let mut latest: Option<i64> = None;
    let mut see = |t: i64| {
        if t <= now && latest.is_none_or(|l| t > l) {
            latest = Some(t);
        }
    };

    let mfile = CsvFile::open(&cfg.marketing)?.strict(cfg.strict);
    let cfile = CsvFile::open(&cfg.crm)?.strict(cfg.strict);
    let criteria = match def {
        Some(d) => resolve_criteria(d, &mfile, &cfile)?,
        None => CriteriaColumns::default(),
    };
    encoding_warning(&mfile, Source::Marketing, &mut warnings);
    encoding_warning(&cfile, Source::Crm, &mut warnings);

    // ---- marketing ----
    let mc = &cfg.marketing;
    let m_key = mfile.require(
        "marketing",
        "key",
        mc.column("key")
            .unwrap_or(&crate::config::ColumnRef::Named("key".into())),
    )?;
    let mut m_handover = time_column(&mfile, mc, "handed_over_at", true)?.expect("required");
    let m_mql = optional_column(&mfile, mc, "mql")?;
    let mut m_created = time_column(&mfile, mc, "created_at", false)?;
    let m_headers = mfile.headers().to_vec();
    let m_ctx = TimeCtx {
        cfg: mc,
        headers: m_headers.clone(),
        zone,
    };
    let m_empty = &mc.reading.empty;
    let mut key_ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
    let mut keys: Vec<Box<str>> = Vec::new();
    let mut leads: Vec<Lead> = Vec::new();
    let mut chosen_handoff: Vec<bool> = Vec::new();
    let mstride = criteria.marketing.len();
    let mut marketing_interners = vec![Interner::default(); mstride];
    let mut marketing_values: Vec<u32> = Vec::new();
    let mut excel_damaged = [0u64; 3];
    let mut m_rows = 0u64;
    let m_counts = mfile.for_each_row(
        |row| {
            let key = match normalize_key(row.get(m_key), m_empty, sf) {
                Ok(k) => k,
                Err(p) => {
                    if p == KeyProblem::ExcelDamaged {
                        excel_damaged[0] += 1;
                    }
                    return Ok(RowFate::Skipped(key_skip(&p, row.get(m_key))));
                }
            };
            let handover = match m_empty.clean(row.get(m_handover.idx)) {
                None => None,
                Some(v) => match m_ctx.parse(&mut m_handover, v)? {
                    Some(t) => Some(t.at),
                    None => {
                        return Ok(RowFate::Skipped(format!(
                            "unparsable handed_over_at `{v}` in column `{}`",
                            m_headers[m_handover.idx]
                        )));
                    }
                },
            };
            let flag = match m_mql {
                None => true,
                Some(i) => m_empty
                    .clean(row.get(i))
                    .is_some_and(|v| MQL_TRUE.iter().any(|t| t.eq_ignore_ascii_case(v))),
            };
            if let Some(t) = handover {
                see(t);
            }
            if let Some(t) = m_ctx.optional(&mut m_created, row, m_empty)? {
                see(t.at);
            }
            let handoff = if flag { handover } else { None };
            m_rows += 1;
            let (id, new) = match key_ids.get(key.as_ref()) {
                Some(&id) => (id as usize, false),
                None => {
                    let id = keys.len();
                    let boxed: Box<str> = key.as_ref().into();
                    key_ids.insert(boxed.clone(), id as u32);
                    keys.push(boxed);
                    leads.push(Lead::default());
                    chosen_handoff.push(false);
                    marketing_values.resize(marketing_values.len() + mstride, 0);
                    (id, true)
                }
            };
            // SPEC rule 1: the earliest handoff row (ties: first in file order), else the first row.
            let replace = new
                || match handoff {
                    Some(t) => !chosen_handoff[id] || leads[id].handover.is_some_and(|h| t < h),
                    None => false,
                };
            if replace {
                leads[id].handover = handoff;
                chosen_handoff[id] = handoff.is_some();
                for (slot, &col) in criteria.marketing.iter().enumerate() {
                    let v = m_empty.clean(row.get(col)).unwrap_or("");
                    marketing_values[id * mstride + slot] = marketing_interners[slot].intern(v);
                }
            }
            Ok(RowFate::Loaded)
        },
        |line, reason| {
            skipped.push(SkippedRow {
                source: Source::Marketing,
                line,
                reason,
            })
        },
    )?;
    debug_assert_eq!(m_counts.rows, m_rows);
    time_warnings(
        Source::Marketing,
        &mc.path,
        &m_headers,
        &[&Some(m_handover), &m_created],
        &mut warnings,
    );
    let n_leads = leads.len();
    let duplicate_marketing = m_rows - n_leads as u64;

    // ---- crm ----
    let cc = &cfg.crm;
    let c_key = cfile.require(
        "crm",
        "key",
        cc.column("key")
            .unwrap_or(&crate::config::ColumnRef::Named("key".into())),
    )?;
    let c_owner = optional_column(&cfile, cc, "owner")?;
    let c_disp = optional_column(&cfile, cc, "disposition")?;
    let c_reason = optional_column(&cfile, cc, "disposition_reason")?;
    let mut c_assigned = time_column(&cfile, cc, "assigned_at", false)?;
    let mut c_disp_at = time_column(&cfile, cc, "disposition_at", false)?;
    let mut c_first = time_column(&cfile, cc, "first_touch_at", false)?;
    let c_headers = cfile.headers().to_vec();
    let c_ctx = TimeCtx {
        cfg: cc,
        headers: c_headers.clone(),
        zone,
    };
    let c_empty = &cc.reading.empty;
    let cstride = criteria.crm.len();
    let mut crm_interners = vec![Interner::default(); cstride];
    let mut crm_values = vec![0u32; n_leads * cstride];
    let mut crm = vec![CrmRec::default(); n_leads];
    let mut crm_other: FxHashSet<u32> = FxHashSet::default();
    let mut owners = Interner::default();
    let mut dispositions = Interner::default();
    let mut reasons = Interner::default();
    let mut c_rows = 0u64;
    let c_counts = cfile.for_each_row(
        |row| {
            let key = match normalize_key(row.get(c_key), c_empty, sf) {
                Ok(k) => k,
                Err(p) => {
                    if p == KeyProblem::ExcelDamaged {
                        excel_damaged[1] += 1;
                    }
                    return Ok(RowFate::Skipped(key_skip(&p, row.get(c_key))));
                }
            };
            let assigned = c_ctx.optional(&mut c_assigned, row, c_empty)?;
            let disp_at = c_ctx.optional(&mut c_disp_at, row, c_empty)?;
            let first = c_ctx.optional(&mut c_first, row, c_empty)?;
            for t in [assigned, disp_at, first].into_iter().flatten() {
                see(t.at);
            }
            c_rows += 1;
            let id = match key_ids.get(key.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = keys.len() as u32;
                    let boxed: Box<str> = key.as_ref().into();
                    key_ids.insert(boxed.clone(), id);
                    keys.push(boxed);
                    id
                }
            };
            if (id as usize) >= n_leads {
                crm_other.insert(id);
                return Ok(RowFate::Loaded);
            }
            let rec = &mut crm[id as usize];
            if rec.present {
                return Ok(RowFate::Loaded);
            }
            let clean = |i: Option<usize>| i.and_then(|i| c_empty.clean(row.get(i))).unwrap_or("");
            *rec = CrmRec {
                present: true,
                owner: owners.intern(clean(c_owner)),
                disposition: dispositions.intern(clean(c_disp)),
                reason: reasons.intern(clean(c_reason)),
                assigned_at: assigned.map(|t| t.at),
                disposition_at: disp_at.map(|t| t.at),
                first_touch: first,
            };
            let base = id as usize * cstride;
            for (slot, &col) in criteria.crm.iter().enumerate() {
                let v = c_empty.clean(row.get(col)).unwrap_or("");
                crm_values[base + slot] = crm_interners[slot].intern(v);
            }
            Ok(RowFate::Loaded)
        },
        |line, reason| {
            skipped.push(SkippedRow {
                source: Source::Crm,
                line,
                reason,
            })
        },
    )?;
    debug_assert_eq!(c_counts.rows, c_rows);
    time_warnings(
        Source::Crm,
        &cc.path,
        &c_headers,
        &[&c_assigned, &c_disp_at, &c_first],
        &mut warnings,
    );
    let crm_distinct = crm.iter().filter(|r| r.present).count() as u64 + crm_other.len() as u64;
    let duplicate_crm = c_rows - crm_distinct;

    // ---- activities ----
    let mut activities_without_marketing = 0u64;
    let activities_file = match &cfg.activities {
        None => None,
        Some(ac) => {
            let afile = CsvFile::open(ac)?.strict(cfg.strict);
            encoding_warning(&afile, Source::Activities, &mut warnings);
            let a_key = afile.require(
                "activities",
                "key",
                ac.column("key")
                    .unwrap_or(&crate::config::ColumnRef::Named("key".into())),
            )?;
            let mut a_at = time_column(&afile, ac, "at", true)?.expect("required");
            let a_type = optional_column(&afile, ac, "type")?;
            let a_owner = optional_column(&afile, ac, "owner")?;
            let a_subject = optional_column(&afile, ac, "subject")?;
            if cfg.touch.touch_types.is_some() && a_type.is_none() {
                bail!(
                    "`{}`: [activities] touch_types is set but no `type` column is mapped; set type = \"<header>\"",
                    ac.path.display()
                );
            }
            if cfg.touch.owner_only && a_owner.is_none() {
                bail!(
                    "`{}`: [activities] owner_only = true needs the activity `owner` column; set owner = \"<header>\"",
                    ac.path.display()
                );
            }
            let a_headers = afile.headers().to_vec();
            let a_ctx = TimeCtx {
                cfg: ac,
                headers: a_headers.clone(),
                zone,
            };
            let a_empty = &ac.reading.empty;
            let touch = &cfg.touch;
            let mut unknown: FxHashSet<Box<str>> = FxHashSet::default();
            let mut unknown_known_ids: FxHashSet<u32> = FxHashSet::default();
            let counts = afile.for_each_row(
                |row| {
                    let key = match normalize_key(row.get(a_key), a_empty, sf) {
                        Ok(k) => k,
                        Err(p) => {
                            if p == KeyProblem::ExcelDamaged {
                                excel_damaged[2] += 1;
                            }
                            return Ok(RowFate::Skipped(key_skip(&p, row.get(a_key))));
                        }
                    };
                    let at = match a_empty.clean(row.get(a_at.idx)) {
                        None => {
                            return Ok(RowFate::Skipped(format!(
                                "empty at in column `{}`",
                                a_headers[a_at.idx]
                            )));
                        }
                        Some(v) => match a_ctx.parse(&mut a_at, v)? {
                            Some(t) => t,
                            None => {
                                return Ok(RowFate::Skipped(format!(
                                    "unparsable at `{v}` in column `{}`",
                                    a_headers[a_at.idx]
                                )));
                            }
                        },
                    };
                    see(at.at);
                    let id = match key_ids.get(key.as_ref()) {
                        Some(&id) if (id as usize) < n_leads => id as usize,
                        Some(&id) => {
                            unknown_known_ids.insert(id);
                            return Ok(RowFate::Loaded);
                        }
                        None => {
                            if !unknown.contains(key.as_ref()) {
                                unknown.insert(key.as_ref().into());
                            }
                            return Ok(RowFate::Loaded);
                        }
                    };
                    if at.at > cutoff {
                        return Ok(RowFate::Loaded);
                    }
                    let lead = &mut leads[id];
                    let Some(handover) = lead.handover else {
                        return Ok(RowFate::Loaded);
                    };
                    let ty = a_type
                        .map(|i| row.get(i))
                        .filter(|t| !a_empty.is_empty_value(t));
                    if !touch.is_touch_type(ty) {
                        return Ok(RowFate::Loaded);
                    }
                    if !touch.exclude.is_empty() {
                        let subject = row.opt(a_subject).to_lowercase();
                        let ty = ty.unwrap_or("").to_lowercase();
                        if touch
                            .exclude
                            .iter()
                            .any(|x| subject.contains(x.as_str()) || ty.contains(x.as_str()))
                        {
                            return Ok(RowFate::Loaded);
                        }
                    }
                    if touch.owner_only {
                        let owner = owners.get(crm[id].owner);
                        let a = row.opt(a_owner);
                        if owner.is_empty()
                            || !a.eq_ignore_ascii_case(owner)
                                && a.to_lowercase() != owner.to_lowercase()
                        {
                            return Ok(RowFate::Loaded);
                        }
                    }
                    let eff = effective_touch(at, handover, &zone);
                    if eff >= handover {
                        if lead.first_activity.is_none_or(|f| eff < f) {
                            lead.first_activity = Some(eff);
                        }
                    } else {
                        lead.touched_before = true;
                    }
                    Ok(RowFate::Loaded)
                },
                |line, reason| {
                    skipped.push(SkippedRow {
                        source: Source::Activities,
                        line,
                        reason,
                    })
                },
            )?;
            time_warnings(
                Source::Activities,
                &ac.path,
                &a_headers,
                &[&Some(a_at)],
                &mut warnings,
            );
            activities_without_marketing = (unknown.len() + unknown_known_ids.len()) as u64;
            Some(FileSummary {
                path: ac.path.clone(),
                counts,
            })
        }
    };

    for (i, n) in excel_damaged.iter().enumerate() {
        if *n > 0 {
            let (source, path) = match i {
                0 => (Source::Marketing, &cfg.marketing.path),
                1 => (Source::Crm, &cfg.crm.path),
                _ => (
                    Source::Activities,
                    &cfg.activities
                        .as_ref()
                        .map(|a| a.path.clone())
                        .unwrap_or_default(),
                ),
            };
            warnings.push(format!(
                "{} file `{}`: {n} row(s) skipped because Excel turned their key into a number (such as `1.10416E+11`); export the file again without opening it in Excel, or format the key column as text",
                source.name(),
                path.display()
            ));
        }
    }

    Ok(Dataset {
        key_ids,
        keys,
        leads,
        crm,
        owners,
        dispositions,
        reasons,
        marketing_values,
        marketing_interners,
        crm_values,
        crm_interners,
        criteria,
        marketing_file: FileSummary {
            path: cfg.marketing.path.clone(),
            counts: m_counts,
        },
        crm_file: FileSummary {
            path: cfg.crm.path.clone(),
            counts: c_counts,
        },
        activities_file,
        skipped,
        duplicate_marketing,
        duplicate_crm,
        activities_without_marketing,
        latest,
        cutoff,
        warnings,
    })
}

/// A touch's instant for first-touch purposes: a date-only touch on the handover's own local day
/// counts at the handover instant (SPEC "Timestamps").
pub fn effective_touch(t: Moment, handover: i64, zone: &Zone) -> i64 {
    if t.date_only && t.at == zone.midnight(zone.local_date(handover)) {
        handover
    } else {
        t.at
    }
}

/// Read settings of a source, for criterion numbers.
pub fn reading_of(cfg: &Config, source: Source) -> &Reading {
    match source {
        Source::Marketing => &cfg.marketing.reading,
        Source::Crm => &cfg.crm.reading,
        Source::Activities => &cfg.activities.as_ref().unwrap_or(&cfg.crm).reading,
    }
}
