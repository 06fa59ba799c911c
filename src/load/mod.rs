//! The CSV loader: reads the marketing, CRM and activity exports into a compact [`Dataset`].
//!
//! Memory grows with the number of distinct keys, never with the number of activity rows:
//! activities are streamed and folded into each marketing key's first touch as they are read.
//! Owners, dispositions, reasons and criterion values are interned; timestamps are integer
//! microseconds. This module decides what a row *is* (key, timestamps, skip); what the rows
//! *mean* is `audit`'s business.

pub mod csvfile;
pub mod keys;
pub mod preset;
pub mod records;
pub mod roster;
pub mod text;
pub mod time;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use rustc_hash::FxHashMap;

use crate::config::{AsOfSetting, Config, Reading, Source, SourceConfig};
use crate::rules::Definition;
use csvfile::{CsvFile, Decoding, RecordCounts, Row, RowFate, Split};
use keys::KeyTable;
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

/// The distinct values of one criterion column. Text is interned; a column read only by
/// `within_days` keeps one parsed instant per key instead, since timestamps are nearly all
/// distinct and interning them would cost a string and a map entry each.
#[derive(Debug, Clone)]
pub enum SlotValues {
    /// Interned text; a value id indexes the interner.
    Text(Interner),
    /// Instants; a value id indexes `times` (id 0: empty).
    Time {
        /// Parsed instants, [`UNREADABLE`] for a value that is not a timestamp.
        times: Vec<i64>,
        /// The first value that was not a timestamp, for the warning.
        bad_example: Option<String>,
    },
}

/// A criterion value as read from a row, before it is known whether the row is the one its key
/// is evaluated on.
#[derive(Debug, Clone, Copy)]
enum SlotRead {
    /// An interned text, or an empty value (0).
    Id(u32),
    /// A timestamp slot's instant ([`UNREADABLE`] when it is not a timestamp).
    Time(i64),
}

/// A present value that is not a timestamp.
pub const UNREADABLE: i64 = i64::MIN + 1;

impl SlotValues {
    fn new(time: bool) -> Self {
        if time {
            SlotValues::Time {
                times: vec![NO_TIME],
                bad_example: None,
            }
        } else {
            SlotValues::Text(Interner::default())
        }
    }

    /// Store a cleaned value ("" for empty) and return its id.
    fn store(&mut self, v: &str, parse: impl FnOnce(&str) -> Result<Option<i64>>) -> Result<u32> {
        let read = self.read(v, parse)?;
        Ok(self.keep(read))
    }

    /// Read a cleaned value of a row, kept or not: text is interned and a timestamp parsed
    /// on every row, so that a column's values, their first-seen order and its first
    /// unreadable value come from every row, however the file was split for reading.
    fn read(
        &mut self,
        v: &str,
        parse: impl FnOnce(&str) -> Result<Option<i64>>,
    ) -> Result<SlotRead> {
        match self {
            SlotValues::Text(i) => Ok(SlotRead::Id(i.intern(v))),
            SlotValues::Time { bad_example, .. } => {
                if v.is_empty() {
                    return Ok(SlotRead::Id(0));
                }
                Ok(SlotRead::Time(match parse(v)? {
                    Some(t) => t,
                    None => {
                        if bad_example.is_none() {
                            *bad_example = Some(v.to_string());
                        }
                        UNREADABLE
                    }
                }))
            }
        }
    }

    /// The id of a value read from the row a key is evaluated on.
    fn keep(&mut self, read: SlotRead) -> u32 {
        match (self, read) {
            (_, SlotRead::Id(id)) => id,
            (SlotValues::Time { times, .. }, SlotRead::Time(t)) => {
                times.push(t);
                (times.len() - 1) as u32
            }
            // `read` gives instants for timestamp slots only.
            (SlotValues::Text(_), SlotRead::Time(_)) => 0,
        }
    }

    /// Fold in the same slot as read by the next chunk of the file; returns, per value id of
    /// `next`, its id here.
    fn absorb(&mut self, next: SlotValues) -> Result<Vec<u32>> {
        Ok(match (self, next) {
            (SlotValues::Text(a), SlotValues::Text(b)) => {
                b.values.iter().map(|v| a.intern(v)).collect()
            }
            (
                SlotValues::Time { times, bad_example },
                SlotValues::Time {
                    times: more,
                    bad_example: more_bad,
                },
            ) => {
                if bad_example.is_none() {
                    *bad_example = more_bad;
                }
                // Id 0 (empty) stays 0; the others are appended.
                let base = times.len() as u32 - 1;
                times.extend_from_slice(&more[1..]);
                (0..more.len() as u32)
                    .map(|id| if id == 0 { 0 } else { base + id })
                    .collect()
            }
            // Both chunks read the same definition: the kinds always agree.
            _ => bail!(
                "internal: a criterion column read as text in one chunk and as timestamps in another"
            ),
        })
    }

    /// The value of an id as text (a timestamp in RFC 3339), `None` when empty.
    pub fn display(&self, id: u32) -> Option<String> {
        if id == 0 {
            return None;
        }
        Some(match self {
            SlotValues::Text(i) => i.get(id).to_string(),
            SlotValues::Time { times, .. } => match times[id as usize] {
                UNREADABLE => "(not a timestamp)".to_string(),
                t => time::format_utc(t),
            },
        })
    }
}

/// What a marketing key carries: 24 bytes, a million of them fit in 24 MB.
#[derive(Debug, Clone, Copy)]
pub struct Lead {
    /// The earliest handoff instant (SPEC "Handoff"), or [`NO_TIME`].
    handover: i64,
    /// The first touch in `[handover, cutoff]` from the activities export, or [`NO_TIME`].
    first_activity: i64,
    /// A touch-type activity strictly before the handover (SPEC rule 3).
    touched_before: bool,
}

/// "No instant" in compact per-lead state.
const NO_TIME: i64 = i64::MIN;

fn some_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

impl Default for Lead {
    fn default() -> Self {
        Self {
            handover: NO_TIME,
            first_activity: NO_TIME,
            touched_before: false,
        }
    }
}

impl Lead {
    /// The earliest handoff instant, if handed over.
    #[inline]
    pub fn handover(&self) -> Option<i64> {
        some_time(self.handover)
    }

    /// The first touch from the activities export.
    #[inline]
    pub fn first_activity(&self) -> Option<i64> {
        some_time(self.first_activity)
    }

    /// Whether a touch-type activity came strictly before the handover.
    #[inline]
    pub fn touched_before(&self) -> bool {
        self.touched_before
    }
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
    /// Per marketing slot: read only by `within_days`, so stored as instants.
    pub marketing_time: Vec<bool>,
    /// Per CRM slot: read only by `within_days`.
    pub crm_time: Vec<bool>,
}

/// Everything the audit needs from the files.
pub struct Dataset {
    /// Marketing keys (normalized); a key's id is its lead index.
    pub keys: KeyTable,
    /// CRM keys (normalized) that marketing does not have.
    pub crm_only_keys: KeyTable,
    /// Per marketing key.
    pub leads: Vec<Lead>,
    /// CRM rows by CRM key (the first row of each key), in file order.
    pub crm_recs: Vec<CrmRec>,
    /// Per marketing key: the index of its CRM row in `crm_recs` (`u32::MAX`: none).
    pub crm_of: Vec<u32>,
    /// Owners.
    pub owners: Interner,
    /// Dispositions.
    pub dispositions: Interner,
    /// Rejection reasons.
    pub reasons: Interner,
    /// Criterion values: `marketing_values[lead * marketing_columns + slot]` into
    /// `marketing_interners[slot]`.
    pub marketing_values: Vec<u32>,
    /// The values of each marketing criterion column.
    pub marketing_interners: Vec<SlotValues>,
    /// Criterion values of CRM columns, same layout.
    pub crm_values: Vec<u32>,
    /// The values of each CRM criterion column.
    pub crm_interners: Vec<SlotValues>,
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
    /// Whether first connections were tracked (`connected` values and an `outcome` column).
    pub tracks_connections: bool,
    /// Per marketing key, its first connecting touch (`i64::MAX`: none); empty when not tracked.
    first_connection: Vec<i64>,
}

impl Dataset {
    /// The id of a key as written (normalized like the loader does), if any file has it.
    pub fn find_key(&self, raw: &str, salesforce_ids: bool) -> Option<u32> {
        let k = normalize_key(raw, &EmptySpellings::default(), salesforce_ids).ok()?;
        self.keys.get(&k)
    }

    /// Whether a key as written is a CRM key.
    pub fn is_crm_key(&self, raw: &str, salesforce_ids: bool) -> bool {
        normalize_key(raw, &EmptySpellings::default(), salesforce_ids).is_ok_and(|k| {
            match self.keys.get(&k) {
                Some(lead) => self.crm_of[lead as usize] != u32::MAX,
                None => self.crm_only_keys.get(&k).is_some(),
            }
        })
    }

    /// The first touch of `lead` whose outcome is a connection.
    pub fn first_connection(&self, lead: usize) -> Option<i64> {
        self.first_connection
            .get(lead)
            .copied()
            .filter(|&t| t != i64::MAX)
    }

    /// The cleaned marketing criterion value of `lead` in `slot`.
    pub fn marketing_value(&self, lead: usize, slot: usize) -> Option<String> {
        self.marketing_interners[slot].display(self.marketing_value_id(lead, slot))
    }

    /// The value id of `lead` in marketing `slot` (0: empty).
    #[inline]
    pub fn marketing_value_id(&self, lead: usize, slot: usize) -> u32 {
        self.marketing_values[lead * self.criteria.marketing.len() + slot]
    }

    /// The CRM row of a marketing key (a row with `present = false` when it has none).
    #[inline]
    pub fn crm(&self, lead: usize) -> &CrmRec {
        static NONE: CrmRec = CrmRec {
            present: false,
            owner: 0,
            disposition: 0,
            reason: 0,
            assigned_at: None,
            first_touch: None,
        };
        match self.crm_of[lead] {
            u32::MAX => &NONE,
            i => &self.crm_recs[i as usize],
        }
    }

    /// The interned id of the CRM criterion value of `lead` in `slot` (0: none).
    #[inline]
    pub fn crm_value_id(&self, lead: usize, slot: usize) -> u32 {
        match self.crm_of[lead] {
            u32::MAX => 0,
            i => self.crm_values[i as usize * self.criteria.crm.len() + slot],
        }
    }

    /// The cleaned CRM criterion value of `lead` in `slot` (`None` without a CRM row).
    pub fn crm_value(&self, lead: usize, slot: usize) -> Option<String> {
        self.crm_interners[slot].display(self.crm_value_id(lead, slot))
    }
}

/// A timestamp column of a source and what it has seen.
struct TimeColumn {
    idx: usize,
    /// The column's header.
    header: String,
    logical: &'static str,
    order: Option<DateOrder>,
    from_config: bool,
    bad: u64,
    example: Option<String>,
}

impl TimeColumn {
    /// Whether a pass over the next chunk of the file read this column as one pass over both
    /// would have. Chunks settle the day/month order on their own; when the first chunk settled
    /// it and the next settled it the other way, one pass would have read the next chunk's
    /// values with the first chunk's order: the file must be read again in one piece.
    fn agrees_with(&self, next: &TimeColumn) -> bool {
        self.from_config || self.order.is_none() || next.order.is_none() || self.order == next.order
    }

    /// Fold in the same column as read by the next chunk of the file.
    fn merge(&mut self, next: TimeColumn) {
        self.order = self.order.or(next.order);
        self.bad += next.bad;
        if self.example.is_none() {
            self.example = next.example;
        }
    }
}

struct TimeCtx<'a> {
    cfg: &'a SourceConfig,
    zone: Zone,
    offsets: std::cell::RefCell<time::DayOffsets>,
}

impl TimeCtx<'_> {
    /// Parse a cleaned, non-empty value of a timestamp column.
    fn parse(&self, col: &mut TimeColumn, v: &str) -> Result<Option<Moment>> {
        let stamp = match time::parse(v, col.order) {
            Ok(s) => s,
            Err(StampError::Invalid) => return Ok(None),
            Err(StampError::NeedsOrder) => {
                col.order = Some(scan_order(self.cfg, col.idx, &col.header, v)?);
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
                        col.header,
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
            at: self.offsets.borrow_mut().resolve(&self.zone, stamp),
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
        header: file.headers()[idx].clone(),
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
        // A preset's guess that matches a repeated header (HubSpot exports with associated
        // records repeat `Create Date`) is dropped with a note rather than failing the run.
        Some(c @ crate::config::ColumnRef::Aliases(_)) => match file.locate(logical, c) {
            Ok(found) => Ok(found),
            Err(e) => {
                file.note(format!("{e:#}; the optional column {logical} is not read"));
                Ok(None)
            }
        },
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
    cols: &[Option<&TimeColumn>],
    warnings: &mut Vec<String>,
) {
    for c in cols.iter().flatten() {
        if c.bad > 0 {
            warnings.push(format!(
                "{} `{}`: {} value(s) of column `{}` ({}) are not timestamps and were read as empty, e.g. `{}`",
                source.name(),
                path.display(),
                c.bad,
                c.header,
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
        let (cols, headers, time) = match source {
            Source::Crm => (&mut out.crm, &mut out.crm_headers, &mut out.crm_time),
            _ => (
                &mut out.marketing,
                &mut out.marketing_headers,
                &mut out.marketing_time,
            ),
        };
        let is_date = matches!(crit.op, crate::rules::Op::WithinDays(_));
        let slot = match cols.iter().position(|&x| x == column) {
            Some(s) => {
                time[s] &= is_date;
                s
            }
            None => {
                cols.push(column);
                headers.push(h.clone());
                time.push(is_date);
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

/// The latest timestamp seen that is not later than `now` (for a derived as_of).
#[derive(Debug, Clone, Copy)]
struct Latest {
    now: i64,
    latest: Option<i64>,
}

impl Latest {
    fn see(&mut self, t: i64) {
        if t <= self.now && self.latest.is_none_or(|l| t > l) {
            self.latest = Some(t);
        }
    }
    fn merge(&mut self, other: Latest) {
        if let Some(t) = other.latest {
            self.see(t);
        }
    }
}

/// What one pass over one file produced besides its own state.
struct PassLog {
    counts: RecordCounts,
    /// A field read as text was not valid UTF-8: the file must be read again as Windows-1252.
    invalid_utf8: bool,
    skipped: Vec<SkippedRow>,
    latest: Latest,
    excel: u64,
    warnings: Vec<String>,
}

impl PassLog {
    fn new(now: i64) -> Self {
        Self {
            counts: RecordCounts::default(),
            invalid_utf8: false,
            skipped: Vec::new(),
            latest: Latest { now, latest: None },
            excel: 0,
            warnings: Vec::new(),
        }
    }
}

fn key_column(file: &CsvFile, cfg: &SourceConfig) -> Result<usize> {
    let named = crate::config::ColumnRef::Named("key".into());
    file.require(
        cfg.source.name(),
        "key",
        cfg.column("key").unwrap_or(&named),
    )
}

/// A key as the loader compares it, or why its row is skipped.
fn row_key<'r>(
    row: &'r Row<'_>,
    col: usize,
    empty: &EmptySpellings,
    sf: bool,
    excel: &mut u64,
) -> std::result::Result<std::borrow::Cow<'r, str>, String> {
    normalize_key(row.get(col), empty, sf).map_err(|p| {
        if p == KeyProblem::ExcelDamaged {
            *excel += 1;
        }
        key_skip(&p, row.get(col))
    })
}

/// The marketing export (or a chunk of it): one [`Lead`] per distinct key (SPEC rule 1).
struct MarketingPass {
    keys: KeyTable,
    leads: Vec<Lead>,
    values: Vec<u32>,
    interners: Vec<SlotValues>,
    log: PassLog,
    handover_col: TimeColumn,
    created_col: Option<TimeColumn>,
    slot_cols: Vec<Option<TimeColumn>>,
    /// The chunk ended inside a record (see [`ActivityPass::torn`]).
    torn: bool,
    /// The line after the chunk's last byte.
    end_line: u64,
}

/// Timestamp columns for the criterion slots read by `within_days` (day/month order settled
/// per column like any timestamp column).
fn slot_time_columns(
    file: &CsvFile,
    cfg: &SourceConfig,
    cols: &[usize],
    time: &[bool],
) -> Vec<Option<TimeColumn>> {
    cols.iter()
        .zip(time)
        .map(|(&idx, &t)| {
            t.then(|| TimeColumn {
                idx,
                header: file.headers()[idx].clone(),
                logical: "criterion",
                order: cfg.reading.date_order,
                from_config: cfg.reading.date_order.is_some(),
                bad: 0,
                example: None,
            })
        })
        .collect()
}

/// Marketing rows read and waiting for their keys to be looked up and inserted, a batch at a
/// time (see [`CrmBatch`]).
#[derive(Default)]
struct MarketingBatch {
    /// The rows' keys, end to end.
    text: String,
    /// Per row: its key in `text`, its handoff instant, its first criterion value in `reads`.
    rows: Vec<(std::ops::Range<usize>, Option<i64>, usize)>,
    /// Criterion values of the rows, one per slot each.
    reads: Vec<SlotRead>,
}

impl MarketingBatch {
    /// Rows looked up together.
    const ROWS: usize = 16;
}

/// The leads of the marketing file (or of a chunk of it) as its rows are settled.
struct LeadState {
    keys: KeyTable,
    leads: Vec<Lead>,
    values: Vec<u32>,
    stride: usize,
}

impl LeadState {
    /// Look a batch's keys up, then insert them and keep, per key, the row SPEC rule 1 picks,
    /// in file order.
    fn settle(&mut self, batch: &mut MarketingBatch, interners: &mut [SlotValues]) {
        let mut found = [None; MarketingBatch::ROWS];
        let keys = batch.rows.iter().map(|r| &batch.text[r.0.clone()]);
        self.keys.get_batch(keys, &mut found);
        let stride = self.stride;
        for ((key, handoff, first_read), found) in batch.rows.iter().zip(found) {
            // A key met twice in the batch was not there when the batch was looked up.
            let (id, new) = match found {
                Some(id) => (id, false),
                None => self.keys.get_or_insert(&batch.text[key.clone()]),
            };
            let id = id as usize;
            if new {
                self.leads.push(Lead::default());
                self.values.resize(self.values.len() + stride, 0);
            }
            // SPEC rule 1: the earliest handoff row (ties: first in file order), else the first
            // row. A key has a handover exactly when the row it is evaluated on is a handoff row.
            let replace =
                new || handoff.is_some_and(|t| self.leads[id].handover().is_none_or(|h| t < h));
            if replace {
                self.leads[id].handover = handoff.unwrap_or(NO_TIME);
                for (slot, store) in interners.iter_mut().enumerate() {
                    self.values[id * stride + slot] = store.keep(batch.reads[first_read + slot]);
                }
            }
        }
        batch.text.clear();
        batch.rows.clear();
        batch.reads.clear();
    }
}

fn load_marketing(
    cfg: &Config,
    file: CsvFile,
    criteria: &CriteriaColumns,
    now: i64,
) -> Result<MarketingPass> {
    let mc = &cfg.marketing;
    let zone = cfg.audit.zone;
    let sf = cfg.audit.salesforce_ids;
    let key_col = key_column(&file, mc)?;
    let mut handover_col = time_column(&file, mc, "handed_over_at", true)?.expect("required");
    let mql_col = optional_column(&file, mc, "mql")?;
    let mut created_col = time_column(&file, mc, "created_at", false)?;
    let created_idx = created_col.as_ref().map(|c| c.idx);
    let ctx = TimeCtx {
        cfg: mc,
        zone,
        offsets: Default::default(),
    };
    let empty = &mc.reading.empty;
    // Generous reservations: untouched pages cost no memory, while growing a full vector
    // briefly holds two copies of it. Sized for the whole file, also in a chunk: the first
    // chunk's table takes in the second's keys, and must not grow while it does.
    let (estimate, key_bytes) = reservation(file_len(&mc.path));
    let stride = criteria.marketing.len();
    let mut state = LeadState {
        keys: KeyTable::with_capacity(estimate, key_bytes),
        leads: Vec::with_capacity(estimate),
        values: Vec::with_capacity(estimate * stride),
        stride,
    };
    let mut interners: Vec<SlotValues> = criteria
        .marketing_time
        .iter()
        .map(|&t| SlotValues::new(t))
        .collect();
    let mut slot_cols = slot_time_columns(&file, mc, &criteria.marketing, &criteria.marketing_time);
    let mut batch = MarketingBatch::default();
    let mut log = PassLog::new(now);
    log.warnings.extend(file.take_notes());
    let end = file.for_each_row_torn(
        |row| {
            let key = match row_key(row, key_col, empty, sf, &mut log.excel) {
                Ok(k) => k,
                Err(why) => return Ok(RowFate::Skipped(why)),
            };
            let handover = match empty.clean(row.get(handover_col.idx)) {
                None => None,
                Some(v) => match ctx.parse(&mut handover_col, v)? {
                    Some(t) => Some(t.at),
                    None => {
                        return Ok(RowFate::Skipped(format!(
                            "unparsable handed_over_at `{}` in column `{}`; expected a timestamp such as 2026-03-02T09:00:00Z, 2026-03-02 09:00 or 03/02/2026 9:00 AM",
                            text::shown(v),
                            handover_col.header
                        )));
                    }
                },
            };
            let flag = match mql_col {
                None => true,
                Some(i) => empty
                    .clean(row.get(i))
                    .is_some_and(|v| MQL_TRUE.iter().any(|t| t.eq_ignore_ascii_case(v))),
            };
            if let Some(t) = handover {
                log.latest.see(t);
            }
            let created = ctx.optional(&mut created_col, row, empty)?;
            if let Some(t) = created {
                log.latest.see(t.at);
            }
            let handoff = if flag { handover } else { None };
            let first_read = batch.reads.len();
            for (slot, &col) in criteria.marketing.iter().enumerate() {
                let v = empty.clean(row.get(col)).unwrap_or("");
                let tc = &mut slot_cols[slot];
                let read = interners[slot].read(v, |v| {
                    Ok(match tc {
                        // `created_at` read by `within_days`: the same value, parsed once.
                        Some(c) if Some(c.idx) == created_idx => created.map(|m| m.at),
                        Some(c) => ctx.parse(c, v)?.map(|m| m.at),
                        None => None,
                    })
                })?;
                batch.reads.push(read);
            }
            let start = batch.text.len();
            batch.text.push_str(&key);
            batch.rows.push((start..batch.text.len(), handoff, first_read));
            if batch.rows.len() == MarketingBatch::ROWS {
                state.settle(&mut batch, &mut interners);
            }
            Ok(RowFate::Loaded)
        },
        |line, reason| {
            log.skipped.push(SkippedRow {
                source: Source::Marketing,
                line,
                reason,
            })
        },
    )?;
    state.settle(&mut batch, &mut interners);
    log.counts = end.counts;
    log.invalid_utf8 = end.invalid_utf8;
    let LeadState {
        keys,
        leads,
        values,
        ..
    } = state;
    Ok(MarketingPass {
        keys,
        leads,
        values,
        interners,
        log,
        handover_col,
        created_col,
        slot_cols,
        torn: end.torn,
        end_line: end.end_line,
    })
}

/// Fold the pass over the next chunk of the marketing file into `a`, as if one pass had read
/// both: ids stay in first-seen order, and a key seen in both keeps the row SPEC rule 1 picks
/// over all its rows (the earliest handoff, ties to the first chunk). `false` (and `a` left as
/// it was) when the first chunk ended inside a record or the chunks settled a column's
/// day/month order differently.
fn merge_marketing(a: &mut MarketingPass, b: MarketingPass) -> Result<bool> {
    let agree = !a.torn
        && a.handover_col.agrees_with(&b.handover_col)
        && optional_agrees(&a.created_col, &b.created_col)
        && a.slot_cols
            .iter()
            .zip(&b.slot_cols)
            .all(|(x, y)| optional_agrees(x, y));
    if !agree {
        return Ok(false);
    }
    let stride = a.interners.len();
    let MarketingPass {
        keys,
        leads,
        values,
        interners,
        log,
        handover_col,
        created_col,
        slot_cols,
        torn,
        end_line,
    } = b;
    a.handover_col.merge(handover_col);
    merge_optional(&mut a.created_col, created_col);
    for (mine, theirs) in a.slot_cols.iter_mut().zip(slot_cols) {
        merge_optional(mine, theirs);
    }
    let remap = a
        .interners
        .iter_mut()
        .zip(interners)
        .map(|(mine, theirs)| mine.absorb(theirs))
        .collect::<Result<Vec<_>>>()?;
    // The second chunk's keys are looked up a batch at a time before any is inserted: the
    // lookups' cache misses overlap, and the inserts then find their slots in cache. (The
    // chunk's keys are distinct: an insert cannot change another lookup's answer.)
    const BATCH: usize = 16;
    let mut known = [None; BATCH];
    for (tid, lead) in leads.iter().enumerate() {
        if tid % BATCH == 0 {
            let end = (tid + BATCH).min(leads.len());
            a.keys
                .get_batch((tid..end).map(|t| keys.key(t as u32)), &mut known);
        }
        let (id, new) = match known[tid % BATCH] {
            Some(id) => (id, false),
            None => a.keys.get_or_insert(keys.key(tid as u32)),
        };
        let id = id as usize;
        if new {
            a.leads.push(*lead);
            a.values.resize(a.values.len() + stride, 0);
        }
        let replace = new
            || lead
                .handover()
                .is_some_and(|t| a.leads[id].handover().is_none_or(|h| t < h));
        if replace {
            a.leads[id].handover = lead.handover;
            for slot in 0..stride {
                a.values[id * stride + slot] = remap[slot][values[tid * stride + slot] as usize];
            }
        }
    }
    merge_logs(&mut a.log, log, a.end_line);
    a.torn = torn;
    a.end_line = end_line + a.end_line - 1;
    Ok(true)
}

/// Fold a time column of the next chunk into this one's.
fn merge_optional(a: &mut Option<TimeColumn>, b: Option<TimeColumn>) {
    match (a.as_mut(), b) {
        (Some(x), Some(y)) => x.merge(y),
        (None, y) => *a = y,
        (Some(_), None) => {}
    }
}

/// Whether two chunks' passes read an optional time column alike (see
/// [`TimeColumn::agrees_with`]).
fn optional_agrees(a: &Option<TimeColumn>, b: &Option<TimeColumn>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.agrees_with(y),
        _ => true,
    }
}

/// Fold the log of the next chunk of a file into `a`'s; `a_end_line` is the line after `a`'s
/// chunk (the next chunk counted its lines from 1). The next chunk's warnings are the notes on
/// locating columns, which the first chunk already has.
fn merge_logs(a: &mut PassLog, b: PassLog, a_end_line: u64) {
    a.counts.rows += b.counts.rows;
    a.counts.skipped += b.counts.skipped;
    a.counts.footer_lines += b.counts.footer_lines;
    let offset = a_end_line - 1;
    a.skipped.extend(b.skipped.into_iter().map(|mut s| {
        s.line += offset;
        s
    }));
    a.latest.merge(b.latest);
    a.excel += b.excel;
    a.invalid_utf8 |= b.invalid_utf8;
}

/// The CRM export: the first row of every distinct key, joined to the marketing keys as it is
/// read (one lookup a row instead of a table of its own and a join).
struct CrmPass {
    /// Per marketing key: its CRM row in `recs` (`u32::MAX`: none).
    crm_of: Vec<u32>,
    /// CRM keys marketing does not have.
    crm_only: KeyTable,
    recs: Vec<CrmRec>,
    values: Vec<u32>,
    interners: Vec<SlotValues>,
    owners: Interner,
    dispositions: Interner,
    reasons: Interner,
    log: PassLog,
}

/// CRM rows read and waiting for their keys to be looked up in the marketing table. A row's
/// lookup lands far from the last one: a batch of lookups issued together overlap their cache
/// misses, where one lookup a row would wait for each in turn.
#[derive(Default)]
struct CrmBatch {
    /// The rows' key, owner, disposition, reason and criterion values, end to end.
    text: String,
    /// Where each row's values lie in `text`: key, owner, disposition, reason, then one per
    /// criterion slot.
    spans: Vec<std::ops::Range<usize>>,
    rows: Vec<PendingCrm>,
}

/// One CRM row of a [`CrmBatch`].
struct PendingCrm {
    /// Its first span in [`CrmBatch::spans`].
    first_span: usize,
    assigned: Option<Moment>,
    first_touch: Option<Moment>,
}

impl CrmBatch {
    /// Rows looked up together.
    const ROWS: usize = 16;

    fn push<'a>(
        &mut self,
        key: &'a str,
        fields: [&'a str; 3],
        slots: impl Iterator<Item = &'a str>,
        assigned: Option<Moment>,
        first_touch: Option<Moment>,
    ) {
        let first_span = self.spans.len();
        for v in [key].into_iter().chain(fields).chain(slots) {
            let start = self.text.len();
            self.text.push_str(v);
            self.spans.push(start..self.text.len());
        }
        self.rows.push(PendingCrm {
            first_span,
            assigned,
            first_touch,
        });
    }

    /// Value `i` of a row (0: key, 1-3: owner, disposition, reason, 4 on: criterion slots).
    fn value(&self, row: &PendingCrm, i: usize) -> &str {
        &self.text[self.spans[row.first_span + i].clone()]
    }
}

/// What the CRM pass builds.
struct CrmState {
    crm_of: Vec<u32>,
    crm_only: KeyTable,
    recs: Vec<CrmRec>,
    interners: Vec<SlotValues>,
    slot_cols: Vec<Option<TimeColumn>>,
    values: Vec<u32>,
    owners: Interner,
    dispositions: Interner,
    reasons: Interner,
}

impl CrmState {
    /// Look a batch's keys up, then keep the first row of each key, in file order.
    fn settle(&mut self, batch: &mut CrmBatch, leads: &KeyTable, ctx: &TimeCtx<'_>) -> Result<()> {
        let mut found = [None; CrmBatch::ROWS];
        leads.get_batch(batch.rows.iter().map(|r| batch.value(r, 0)), &mut found);
        for (row, found) in batch.rows.iter().zip(found) {
            let new = match found {
                Some(lead) => {
                    let slot = &mut self.crm_of[lead as usize];
                    let new = *slot == u32::MAX;
                    if new {
                        *slot = self.recs.len() as u32;
                    }
                    new
                }
                None => self.crm_only.get_or_insert(batch.value(row, 0)).1,
            };
            if !new {
                continue;
            }
            self.recs.push(CrmRec {
                present: true,
                owner: self.owners.intern(batch.value(row, 1)),
                disposition: self.dispositions.intern(batch.value(row, 2)),
                reason: self.reasons.intern(batch.value(row, 3)),
                assigned_at: row.assigned.map(|t| t.at),
                first_touch: row.first_touch,
            });
            for (slot, store) in self.interners.iter_mut().enumerate() {
                let tc = &mut self.slot_cols[slot];
                let id = store.store(batch.value(row, 4 + slot), |v| {
                    Ok(match tc {
                        Some(c) => ctx.parse(c, v)?.map(|m| m.at),
                        None => None,
                    })
                })?;
                self.values.push(id);
            }
        }
        batch.text.clear();
        batch.spans.clear();
        batch.rows.clear();
        Ok(())
    }
}

fn load_crm(
    cfg: &Config,
    file: CsvFile,
    criteria: &CriteriaColumns,
    leads: &KeyTable,
    now: i64,
) -> Result<CrmPass> {
    let cc = &cfg.crm;
    let zone = cfg.audit.zone;
    let sf = cfg.audit.salesforce_ids;
    let key_col = key_column(&file, cc)?;
    let owner_col = optional_column(&file, cc, "owner")?;
    let disp_col = optional_column(&file, cc, "disposition")?;
    let reason_col = optional_column(&file, cc, "disposition_reason")?;
    let mut assigned_col = time_column(&file, cc, "assigned_at", false)?;
    let mut disp_at_col = time_column(&file, cc, "disposition_at", false)?;
    let mut first_col = time_column(&file, cc, "first_touch_at", false)?;
    let ctx = TimeCtx {
        cfg: cc,
        zone,
        offsets: Default::default(),
    };
    let empty = &cc.reading.empty;
    let mut state = CrmState {
        crm_of: vec![u32::MAX; leads.len()],
        crm_only: KeyTable::default(),
        recs: Vec::with_capacity(reservation(file.byte_len()).0),
        interners: criteria
            .crm_time
            .iter()
            .map(|&t| SlotValues::new(t))
            .collect(),
        slot_cols: slot_time_columns(&file, cc, &criteria.crm, &criteria.crm_time),
        values: Vec::new(),
        owners: Interner::default(),
        dispositions: Interner::default(),
        reasons: Interner::default(),
    };
    let mut batch = CrmBatch::default();
    let mut log = PassLog::new(now);
    log.warnings.extend(file.take_notes());
    let end = file.for_each_row_torn(
        |row| {
            let key = match row_key(row, key_col, empty, sf, &mut log.excel) {
                Ok(k) => k,
                Err(why) => return Ok(RowFate::Skipped(why)),
            };
            let assigned = ctx.optional(&mut assigned_col, row, empty)?;
            let disp_at = ctx.optional(&mut disp_at_col, row, empty)?;
            let first = ctx.optional(&mut first_col, row, empty)?;
            for t in [assigned, disp_at, first].into_iter().flatten() {
                log.latest.see(t.at);
            }
            let clean = |i: Option<usize>| i.and_then(|i| empty.clean(row.get(i))).unwrap_or("");
            let fields = [clean(owner_col), clean(disp_col), clean(reason_col)];
            let slots = criteria.crm.iter().map(|&col| clean(Some(col)));
            batch.push(&key, fields, slots, assigned, first);
            if batch.rows.len() == CrmBatch::ROWS {
                state.settle(&mut batch, leads, &ctx)?;
            }
            Ok(RowFate::Loaded)
        },
        |line, reason| {
            log.skipped.push(SkippedRow {
                source: Source::Crm,
                line,
                reason,
            })
        },
    )?;
    state.settle(&mut batch, leads, &ctx)?;
    let CrmState {
        crm_of,
        crm_only,
        recs,
        interners,
        slot_cols: _,
        values,
        owners,
        dispositions,
        reasons,
    } = state;
    log.counts = end.counts;
    log.invalid_utf8 = end.invalid_utf8;
    time_warnings(
        Source::Crm,
        &cc.path,
        &[
            assigned_col.as_ref(),
            disp_at_col.as_ref(),
            first_col.as_ref(),
        ],
        &mut log.warnings,
    );
    Ok(CrmPass {
        crm_of,
        crm_only,
        recs,
        values,
        interners,
        owners,
        dispositions,
        reasons,
        log,
    })
}

/// What the activity pass needs to know about the leads (shared by every chunk).
struct LeadsView<'a> {
    keys: &'a KeyTable,
    leads: &'a [Lead],
    owners: &'a Interner,
    crm: &'a [CrmRec],
    crm_of: &'a [u32],
}

/// Activities folded into per-lead first touches (one chunk of the file).
struct ActivityPass {
    first: Vec<i64>,
    /// First connecting touch per lead (empty when connections are not tracked).
    first_conn: Vec<i64>,
    before: Vec<bool>,
    unknown: KeyTable,
    log: PassLog,
    /// The chunk's last record ended at the end of the chunk without a line break: the chunk
    /// boundary was not a record boundary.
    torn: bool,
    /// The line after the chunk's last byte.
    end_line: u64,
    /// The `at` column, for its day/month order.
    at_col: TimeColumn,
}

/// Activity rows read and waiting for their keys to be looked up in the marketing table, a
/// batch at a time (see [`CrmBatch`]): when the export is in date order, each row's lead is
/// far from the last one's.
#[derive(Default)]
struct ActivityBatch {
    /// Keys and (with `owner_only`) the activities' owners, end to end.
    text: String,
    rows: Vec<PendingActivity>,
}

/// One activity row of an [`ActivityBatch`].
struct PendingActivity {
    key: std::ops::Range<usize>,
    owner: std::ops::Range<usize>,
    at: Moment,
    /// A touch type, not excluded (SPEC rule 3), before `owner_only`.
    touch: bool,
    /// Its outcome is a connection.
    connected: bool,
}

impl ActivityBatch {
    /// Rows looked up together.
    const ROWS: usize = 16;

    fn push(&mut self, key: &str, owner: &str, at: Moment, touch: bool, connected: bool) {
        let mut span = |v: &str| {
            let start = self.text.len();
            self.text.push_str(v);
            start..self.text.len()
        };
        let (key, owner) = (span(key), span(owner));
        self.rows.push(PendingActivity {
            key,
            owner,
            at,
            touch,
            connected,
        });
    }
}

/// Per lead, what one chunk of the activity file says.
struct TouchState {
    first: Vec<i64>,
    first_conn: Vec<i64>,
    before: Vec<bool>,
    unknown: KeyTable,
}

impl TouchState {
    /// Look a batch's keys up, then fold its rows in, in file order.
    fn settle(
        &mut self,
        batch: &mut ActivityBatch,
        view: &LeadsView<'_>,
        touch: &crate::config::TouchRules,
        cutoff: i64,
        zone: &Zone,
    ) {
        let mut found = [None; ActivityBatch::ROWS];
        let keys = batch.rows.iter().map(|r| &batch.text[r.key.clone()]);
        view.keys.get_batch(keys, &mut found);
        for (row, found) in batch.rows.iter().zip(found) {
            let Some(id) = found else {
                self.unknown.get_or_insert(&batch.text[row.key.clone()]);
                continue;
            };
            let id = id as usize;
            if row.at.at > cutoff || !row.touch {
                continue;
            }
            let Some(handover) = view.leads[id].handover() else {
                continue;
            };
            // The lead's owner is one more lookup a row: only when `owner_only` asks for it
            // (the CRM is read beside the activities otherwise, and `view` has no CRM rows).
            if touch.owner_only {
                let lead_owner = match view.crm_of[id] {
                    u32::MAX => "",
                    i => view.owners.get(view.crm[i as usize].owner),
                };
                if !touch.owner_agrees(&batch.text[row.owner.clone()], lead_owner) {
                    continue;
                }
            }
            let eff = effective_touch(row.at, handover, zone);
            if eff >= handover {
                if eff < self.first[id] {
                    self.first[id] = eff;
                }
                if row.connected && eff < self.first_conn[id] {
                    self.first_conn[id] = eff;
                }
            } else {
                self.before[id] = true;
            }
        }
        batch.text.clear();
        batch.rows.clear();
    }
}

fn fold_activities(
    cfg: &Config,
    file: CsvFile,
    view: &LeadsView<'_>,
    cutoff: i64,
    now: i64,
) -> Result<ActivityPass> {
    let ac = cfg.activities.as_ref().expect("activities configured");
    let zone = cfg.audit.zone;
    let sf = cfg.audit.salesforce_ids;
    let key_col = key_column(&file, ac)?;
    let mut at_col = time_column(&file, ac, "at", true)?.expect("required");
    let type_col = optional_column(&file, ac, "type")?;
    let owner_col = optional_column(&file, ac, "owner")?;
    let subject_col = optional_column(&file, ac, "subject")?;
    let outcome_col =
        optional_column(&file, ac, "outcome")?.filter(|_| !cfg.touch.connected.is_empty());
    let touch = &cfg.touch;
    if touch.touch_types.is_some() && type_col.is_none() {
        bail!(
            "`{}`: [activities] touch_types is set but no `type` column is mapped; set type = \"<header>\"",
            ac.path.display()
        );
    }
    if touch.owner_only && owner_col.is_none() {
        bail!(
            "`{}`: [activities] owner_only = true needs the activity `owner` column; set owner = \"<header>\"",
            ac.path.display()
        );
    }
    let ctx = TimeCtx {
        cfg: ac,
        zone,
        offsets: Default::default(),
    };
    let empty = &ac.reading.empty;
    let n = view.leads.len();
    let mut state = TouchState {
        first: vec![i64::MAX; n],
        first_conn: vec![i64::MAX; if outcome_col.is_some() { n } else { 0 }],
        before: vec![false; n],
        unknown: KeyTable::default(),
    };
    let mut batch = ActivityBatch::default();
    let mut log = PassLog::new(now);
    log.warnings.extend(file.take_notes());
    let end = file.for_each_row_torn(
        |row| {
            let key = match row_key(row, key_col, empty, sf, &mut log.excel) {
                Ok(k) => k,
                Err(why) => return Ok(RowFate::Skipped(why)),
            };
            let at = match empty.clean(row.get(at_col.idx)) {
                None => {
                    return Ok(RowFate::Skipped(format!(
                        "empty at in column `{}`",
                        at_col.header
                    )));
                }
                Some(v) => match ctx.parse(&mut at_col, v)? {
                    Some(t) => t,
                    None => {
                        return Ok(RowFate::Skipped(format!(
                            "unparsable at `{}` in column `{}`; expected a timestamp such as 2026-03-02T09:00:00Z, 2026-03-02 09:00 or 03/02/2026 9:00 AM",
                            text::shown(v),
                            at_col.header
                        )));
                    }
                },
            };
            log.latest.see(at.at);
            // What the row says on its own; what it means needs its lead (after the lookup).
            let ty = type_col
                .map(|i| row.get(i))
                .filter(|t| !empty.is_empty_value(t));
            let touch_row = touch.is_touch_row(ty, row.opt(subject_col));
            let connected = outcome_col.is_some_and(|oc| {
                let outcome = row.get(oc);
                touch.connected.iter().any(|c| c.eq_ignore_ascii_case(outcome))
            });
            let owner = if touch.owner_only { row.opt(owner_col) } else { "" };
            batch.push(&key, owner, at, touch_row, connected);
            if batch.rows.len() == ActivityBatch::ROWS {
                state.settle(&mut batch, view, touch, cutoff, &zone);
            }
            Ok(RowFate::Loaded)
        },
        |line, reason| {
            log.skipped.push(SkippedRow {
                source: Source::Activities,
                line,
                reason,
            })
        },
    )?;
    state.settle(&mut batch, view, touch, cutoff, &zone);
    let TouchState {
        first,
        first_conn,
        before,
        unknown,
    } = state;
    log.counts = end.counts;
    log.invalid_utf8 = end.invalid_utf8;
    Ok(ActivityPass {
        first,
        first_conn,
        before,
        unknown,
        log,
        torn: end.torn,
        end_line: end.end_line,
        at_col,
    })
}

/// Capacity to reserve for the keys of a file of `len` bytes: (rows, key bytes). A data row is
/// rarely under 48 bytes and a key rarely over a third of its row.
fn reservation(len: usize) -> (usize, usize) {
    (len / 64, len / 2)
}

fn file_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// Files smaller than this are read by one thread.
const PARALLEL_MIN_BYTES: u64 = 8 << 20;

/// Whether a file is worth reading in two chunks on two threads. In strict mode the first bad
/// row must be reported with its line: files are read in one piece.
fn splits(cfg: &Config, file: &CsvFile) -> bool {
    cfg.threads > 1 && !cfg.strict && file.byte_len() as u64 >= PARALLEL_MIN_BYTES
}

/// Read a file in two chunks on two threads: `pass` over the first chunk (about `share` of the
/// data) on this thread, after `beside`, and over the second chunk on another thread; then
/// `merge` the second into the first. `beside` runs in any case. The file is read in one piece
/// on this thread when it cannot be cut (transcoded, or no clean line break near the cut), and
/// again in one piece when the second chunk failed (one pass may fail earlier, or not at all:
/// the first chunk's reading of a column carries over) or `merge` refuses (the cut fell inside
/// a quoted field, or the chunks read a column differently).
fn in_two<T: Send, B>(
    file: CsvFile,
    share: f64,
    pass: impl Fn(CsvFile) -> Result<T> + Sync,
    merge: impl FnOnce(&mut T, T) -> Result<bool>,
    reopen: impl FnOnce() -> Result<CsvFile>,
    beside: impl FnOnce() -> B,
) -> Result<(T, B)> {
    let (head, tail) = match file.split_at_share(share)? {
        Split::Two(head, tail) => (head, *tail),
        Split::Whole(file) => {
            let done = beside();
            return Ok((pass(file)?, done));
        }
    };
    let (a, b, done) = std::thread::scope(|s| {
        let tail_job = s.spawn(|| pass(tail));
        let done = beside();
        let a = pass(head);
        let b = tail_job
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("worker thread failed")));
        (a, b, done)
    });
    // The first chunk is read exactly as one pass reads it: its error is the file's.
    let mut a = a?;
    if let Ok(b) = b {
        if merge(&mut a, b)? {
            return Ok((a, done));
        }
    }
    Ok((pass(reopen()?)?, done))
}

/// A source's file, opened with the run's strictness and progress bar.
fn open_source(
    cfg: &Config,
    src: &SourceConfig,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<CsvFile> {
    Ok(CsvFile::open(src)?.strict(cfg.strict).progress(bar))
}

/// The marketing export, in two chunks when it is large.
fn read_marketing(
    cfg: &Config,
    file: CsvFile,
    criteria: &CriteriaColumns,
    now: i64,
    bar: Option<&indicatif::ProgressBar>,
    warnings: &mut Vec<String>,
) -> Result<MarketingPass> {
    let mc = &cfg.marketing;
    let mut m = if splits(cfg, &file) {
        in_two(
            file,
            0.5,
            |f| load_marketing(cfg, f, criteria, now),
            merge_marketing,
            || open_source(cfg, mc, bar),
            || (),
        )?
        .0
    } else {
        load_marketing(cfg, file, criteria, now)?
    };
    // A pass that met bytes that are not UTF-8 reads its file again as Windows-1252.
    if m.log.invalid_utf8 {
        let file = reopen_legacy(mc, cfg.strict, bar, warnings)?;
        m = load_marketing(cfg, file, criteria, now)?;
    }
    time_warnings(
        Source::Marketing,
        &mc.path,
        &[Some(&m.handover_col), m.created_col.as_ref()],
        &mut m.log.warnings,
    );
    Ok(m)
}

/// The CRM export, joined to the marketing keys.
fn read_crm(
    cfg: &Config,
    file: CsvFile,
    criteria: &CriteriaColumns,
    leads: &KeyTable,
    now: i64,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(CrmPass, Vec<String>)> {
    let mut warnings = Vec::new();
    let mut c = load_crm(cfg, file, criteria, leads, now)?;
    if c.log.invalid_utf8 {
        let file = reopen_legacy(&cfg.crm, cfg.strict, bar, &mut warnings)?;
        c = load_crm(cfg, file, criteria, leads, now)?;
    }
    Ok((c, warnings))
}

/// The activity export folded into first touches, in two chunks when it is large; `beside`
/// runs on this thread first (the CRM pass), while the other thread reads the second chunk.
/// The first chunk is `share` of the file, so that both threads end together.
#[allow(clippy::too_many_arguments)]
fn read_activities<B>(
    cfg: &Config,
    file: CsvFile,
    view: &LeadsView<'_>,
    share: f64,
    cutoff: i64,
    now: i64,
    bar: Option<&indicatif::ProgressBar>,
    beside: impl FnOnce() -> B,
) -> Result<(ActivityPass, B, Vec<String>)> {
    let ac = cfg.activities.as_ref().expect("activities configured");
    let mut warnings = Vec::new();
    encoding_warning(&file, Source::Activities, &mut warnings);
    let (mut a, done) = if splits(cfg, &file) {
        in_two(
            file,
            share,
            |f| fold_activities(cfg, f, view, cutoff, now),
            |a, b| Ok(merge_activities(a, b)),
            || open_source(cfg, ac, bar),
            beside,
        )?
    } else {
        let done = beside();
        (fold_activities(cfg, file, view, cutoff, now)?, done)
    };
    if a.log.invalid_utf8 {
        let file = reopen_legacy(ac, cfg.strict, bar, &mut warnings)?;
        a = fold_activities(cfg, file, view, cutoff, now)?;
    }
    Ok((a, done, warnings))
}

/// Fold the pass over the next chunk of the activity file into `a`; `false` (and `a` left as
/// it was) when the first chunk ended inside a record or the chunks settled the day/month
/// order of `at` differently.
fn merge_activities(a: &mut ActivityPass, b: ActivityPass) -> bool {
    if a.torn || !a.at_col.agrees_with(&b.at_col) {
        return false;
    }
    a.at_col.merge(b.at_col);
    for (x, y) in a.first.iter_mut().zip(&b.first) {
        if *y < *x {
            *x = *y;
        }
    }
    for (x, y) in a.first_conn.iter_mut().zip(&b.first_conn) {
        if *y < *x {
            *x = *y;
        }
    }
    for (x, y) in a.before.iter_mut().zip(&b.before) {
        *x |= *y;
    }
    for i in 0..b.unknown.len() {
        a.unknown.get_or_insert(b.unknown.key(i as u32));
    }
    merge_logs(&mut a.log, b.log, a.end_line);
    a.torn = b.torn;
    a.end_line = b.end_line + a.end_line - 1;
    true
}

/// Open a source again as Windows-1252, after a pass met bytes that are not UTF-8.
fn reopen_legacy(
    src: &SourceConfig,
    strict: bool,
    bar: Option<&indicatif::ProgressBar>,
    warnings: &mut Vec<String>,
) -> Result<CsvFile> {
    let mut reading = src.reading.clone();
    reading.encoding = Some(encoding_rs::WINDOWS_1252);
    warnings.push(format!(
        "{} file `{}` is not valid UTF-8; read as windows-1252 (set encoding = \"windows-1252\" under [{}] to say so)",
        src.source.name(),
        src.path.display(),
        src.source.name()
    ));
    Ok(CsvFile::open_path(&src.path, &reading)?
        .strict(strict)
        .progress(bar))
}

fn excel_warning(source: Source, path: &Path, n: u64, warnings: &mut Vec<String>) {
    if n > 0 {
        warnings.push(format!(
            "{} file `{}`: {n} row(s) skipped because Excel turned their key into a number (such as `1.10416E+11`); export the file again without opening it in Excel, or format the key column as text",
            source.name(),
            path.display()
        ));
    }
}

/// A progress bar over the bytes of every input, on standard error, when asked for.
fn progress_bar(cfg: &Config) -> Option<indicatif::ProgressBar> {
    if !cfg.progress {
        return None;
    }
    let mut total = file_len(&cfg.marketing.path) + file_len(&cfg.crm.path);
    if let Some(a) = &cfg.activities {
        total += file_len(&a.path);
    }
    // Small inputs load faster than a bar can draw.
    if total < 32 << 20 {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "reading {bytes:>10} of {total_bytes} {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Load the three exports.
///
/// The marketing file comes first (in two chunks on two threads when large): every other file
/// is joined to its keys as it is read. Then the CRM file and the first part of the activity
/// file are read on this thread while the rest of the activities are read on another, unless
/// `owner_only` needs each lead's owner before its activities (the CRM then comes first).
pub fn load(cfg: &Config, def: Option<&Definition>) -> Result<Dataset> {
    let now = now_micros();
    let cutoff = match cfg.as_of {
        AsOfSetting::Fixed(t, _) => t,
        AsOfSetting::FromData => now,
    };
    let mut warnings = Vec::new();
    let bar = progress_bar(cfg);
    let bar = bar.as_ref();
    let mfile = open_source(cfg, &cfg.marketing, bar)?;
    let cfile = open_source(cfg, &cfg.crm, bar)?;
    let criteria = match def {
        Some(d) => resolve_criteria(d, &mfile, &cfile)?,
        None => CriteriaColumns::default(),
    };
    encoding_warning(&mfile, Source::Marketing, &mut warnings);
    encoding_warning(&cfile, Source::Crm, &mut warnings);
    let mut m = read_marketing(cfg, mfile, &criteria, now, bar, &mut warnings)?;

    let mut tracks_connections = false;
    let mut first_connection = Vec::new();
    let crm_len = cfile.byte_len();
    let (mut c, crm_warnings, activities) = match &cfg.activities {
        None => {
            let (c, w) = read_crm(cfg, cfile, &criteria, &m.keys, now, bar)?;
            (c, w, None)
        }
        Some(ac) => {
            let afile = open_source(cfg, ac, bar)?;
            let no_owners = Interner::default();
            let mut view = LeadsView {
                keys: &m.keys,
                leads: &m.leads,
                owners: &no_owners,
                crm: &[],
                crm_of: &[],
            };
            let (crm, a, aw) = if cfg.touch.owner_only {
                let (c, w) = read_crm(cfg, cfile, &criteria, &m.keys, now, bar)?;
                view.owners = &c.owners;
                view.crm = &c.recs;
                view.crm_of = &c.crm_of;
                let (a, (), aw) = read_activities(cfg, afile, &view, 0.5, cutoff, now, bar, || ())?;
                ((c, w), a, aw)
            } else {
                // This thread reads the CRM file too: give it less of the activity file.
                let act_len = afile.byte_len() as f64;
                let share = (act_len - crm_len as f64 * CRM_WEIGHT) / (2.0 * act_len);
                let (a, crm, aw) =
                    read_activities(cfg, afile, &view, share, cutoff, now, bar, || {
                        read_crm(cfg, cfile, &criteria, &m.keys, now, bar)
                    })?;
                (crm?, a, aw)
            };
            (crm.0, crm.1, Some((ac, a, aw)))
        }
    };

    let mut latest = m.log.latest;
    latest.merge(c.log.latest);
    let mut skipped = std::mem::take(&mut m.log.skipped);
    skipped.append(&mut c.log.skipped);
    warnings.extend(crm_warnings);
    warnings.append(&mut m.log.warnings);
    warnings.append(&mut c.log.warnings);
    excel_warning(
        Source::Marketing,
        &cfg.marketing.path,
        m.log.excel,
        &mut warnings,
    );
    excel_warning(Source::Crm, &cfg.crm.path, c.log.excel, &mut warnings);

    let mut activities_without_marketing = 0;
    let activities_file = match activities {
        None => None,
        Some((ac, mut a, aw)) => {
            warnings.extend(aw);
            for (lead, l) in m.leads.iter_mut().enumerate() {
                if a.first[lead] != i64::MAX {
                    l.first_activity = a.first[lead];
                }
                l.touched_before = a.before[lead];
            }
            latest.merge(a.log.latest);
            skipped.append(&mut a.log.skipped);
            warnings.append(&mut a.log.warnings);
            excel_warning(Source::Activities, &ac.path, a.log.excel, &mut warnings);
            activities_without_marketing = a.unknown.len() as u64;
            tracks_connections = !a.first_conn.is_empty();
            first_connection = std::mem::take(&mut a.first_conn);
            Some(FileSummary {
                path: ac.path.clone(),
                counts: a.log.counts,
            })
        }
    };

    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let n = m.leads.len();
    let duplicate_marketing = m.log.counts.rows - n as u64;
    let crm_keys = c.recs.len() as u64;
    let duplicate_crm = c.log.counts.rows - crm_keys;
    Ok(Dataset {
        keys: m.keys,
        crm_only_keys: c.crm_only,
        leads: m.leads,
        crm_recs: c.recs,
        crm_of: c.crm_of,
        owners: c.owners,
        dispositions: c.dispositions,
        reasons: c.reasons,
        marketing_values: m.values,
        marketing_interners: m.interners,
        crm_values: c.values,
        crm_interners: c.interners,
        criteria,
        marketing_file: FileSummary {
            path: cfg.marketing.path.clone(),
            counts: m.log.counts,
        },
        crm_file: FileSummary {
            path: cfg.crm.path.clone(),
            counts: c.log.counts,
        },
        activities_file,
        skipped,
        duplicate_marketing,
        duplicate_crm,
        activities_without_marketing,
        latest: latest.latest,
        cutoff,
        warnings,
        tracks_connections,
        first_connection,
    })
}

/// Time to read a byte of the CRM export (a lookup far from the last one and a record kept for
/// nearly every row) against a byte of the activity export (whose rows mostly meet leads met a
/// few rows before), measured on generated data at 1M leads: it sets how much of the activity
/// file the thread that also reads the CRM gets (about 39% there), so that both threads end
/// together.
const CRM_WEIGHT: f64 = 1.6;

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
