//! `handoff.toml` → a resolved [`Config`]: paths made absolute, presets applied, limits checked.
//!
//! Parsing is strict (SPEC "Config"): an unknown key is an error naming the key, the file, the
//! line and the closest known key. This module owns the file format; it does not open the data
//! files (see `load`) nor read the definition's criteria (see `rules`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::load::preset::{self, Preset};
use crate::load::text::EmptySpellings;
use crate::load::time::{DateOrder, MICROS_PER_HOUR, Zone};
use crate::rules::RawDefinition;

/// `[audit]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    timezone: Option<String>,
    sla_hours: Option<f64>,
    sla_clock: Option<String>,
    as_of: Option<toml::Value>,
    salesforce_ids: Option<bool>,
    business: Option<RawBusiness>,
}

/// `[audit.business]`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawBusiness {
    /// Working days, `Mon` … `Sun`.
    pub days: Option<Vec<String>>,
    /// Opening and closing time, `["09:00", "17:00"]`.
    pub hours: Option<Vec<String>>,
    /// Days off, `YYYY-MM-DD`.
    pub holidays: Option<Vec<toml::Value>>,
}

/// The reading settings every source accepts.
macro_rules! raw_source {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            path: Option<String>,
            preset: Option<String>,
            encoding: Option<String>,
            delimiter: Option<String>,
            date_order: Option<String>,
            empty: Option<Vec<String>>,
            thousands: Option<String>,
            decimal: Option<String>,
            $($field: $ty,)*
        }
    };
}

raw_source!(RawMarketing {
    key: Option<String>,
    handed_over_at: Option<String>,
    mql: Option<String>,
    created_at: Option<String>,
});

raw_source!(RawCrm {
    key: Option<String>,
    owner: Option<String>,
    assigned_at: Option<String>,
    disposition: Option<String>,
    disposition_reason: Option<String>,
    disposition_at: Option<String>,
    first_touch_at: Option<String>,
});

raw_source!(RawActivities {
    key: Option<String>,
    at: Option<String>,
    r#type: Option<String>,
    owner: Option<String>,
    subject: Option<String>,
    outcome: Option<String>,
    touch_types: Option<Vec<String>>,
    owner_only: Option<bool>,
    exclude: Option<Vec<String>>,
    connected: Option<Vec<String>>,
});

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoster {
    path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSales {
    accepted: Option<Vec<String>>,
    rejected: Option<Vec<String>>,
    unowned: Option<Vec<String>>,
}

/// `[thresholds]`: limits `handoff check` holds the figures to (SPEC rule 16).
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Lowest acceptable `follow_up.follow_up_rate`.
    pub min_follow_up_rate: Option<f64>,
    /// Lowest acceptable `follow_up.sla_met_rate`.
    pub min_sla_met_rate: Option<f64>,
    /// Highest acceptable `follow_up.breach_rate`.
    pub max_breach_rate: Option<f64>,
    /// Lowest acceptable `feedback.coverage`.
    pub min_disposition_coverage: Option<f64>,
    /// Highest acceptable `mql_not_ready / handed_over`.
    pub max_mql_not_ready_rate: Option<f64>,
    /// Highest acceptable share of eligible handoffs that are unowned.
    pub max_unowned_rate: Option<f64>,
    /// Highest acceptable median hours to first touch.
    pub max_median_hours_to_first_touch: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    audit: Option<RawAudit>,
    marketing: Option<RawMarketing>,
    crm: Option<RawCrm>,
    activities: Option<RawActivities>,
    roster: Option<RawRoster>,
    sales: Option<RawSales>,
    definition: Option<RawDefinition>,
    thresholds: Option<Thresholds>,
    findings: Option<crate::audit::findings::FindingLimits>,
}

/// Which export a column or row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The marketing-automation export.
    Marketing,
    /// The CRM export.
    Crm,
    /// The sales activities export.
    Activities,
}

impl Source {
    /// The SPEC name, as in `inputs.<source>`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Marketing => "marketing",
            Source::Crm => "crm",
            Source::Activities => "activities",
        }
    }
}

/// How a logical column is found in a file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The header named in the config (matched trimmed, case-insensitively).
    Named(String),
    /// Any of a preset's aliases, first match in alias order.
    Aliases(Vec<String>),
    /// The 1-based position (`"#7"`), for files whose headers repeat.
    Position(usize),
}

impl ColumnRef {
    fn from_config(s: &str) -> Result<Self> {
        if let Some(n) = s.strip_prefix('#') {
            let pos: usize =
                n.trim().parse().ok().filter(|&p| p >= 1).with_context(|| {
                    format!("column `{s}`: a position is `#` and a number from 1")
                })?;
            return Ok(ColumnRef::Position(pos));
        }
        Ok(ColumnRef::Named(s.to_string()))
    }

    /// How the config would spell this reference, for messages.
    pub fn describe(&self) -> String {
        match self {
            ColumnRef::Named(n) => format!("`{n}`"),
            ColumnRef::Aliases(a) => {
                let shown: Vec<String> = a.iter().take(4).map(|s| format!("`{s}`")).collect();
                format!("{} (preset aliases)", shown.join(" / "))
            }
            ColumnRef::Position(p) => format!("`#{p}`"),
        }
    }
}

/// How a file is read: everything in a source's section except its columns.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// `encoding`, when set: an encoding_rs label.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// `delimiter`, when set.
    pub delimiter: Option<u8>,
    /// `date_order`, when set.
    pub date_order: Option<DateOrder>,
    /// Empty spellings.
    pub empty: EmptySpellings,
    /// Thousands separator for numbers in criteria.
    pub thousands: Option<String>,
    /// Decimal separator for numbers in criteria.
    pub decimal: Option<String>,
}

/// One configured source.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Which source.
    pub source: Source,
    /// The file, absolute or relative to the working directory.
    pub path: PathBuf,
    /// The preset applied, `generic` when none was named.
    pub preset: &'static str,
    /// Logical column name → how to find it. Only columns the config or preset provide.
    pub columns: BTreeMap<&'static str, ColumnRef>,
    /// Reading settings.
    pub reading: Reading,
}

impl SourceConfig {
    /// The reference of a logical column, if mapped.
    pub fn column(&self, logical: &str) -> Option<&ColumnRef> {
        self.columns.get(logical)
    }
}

/// `sla_clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaClock {
    /// Elapsed wall time.
    Calendar,
    /// Working time only.
    Business,
}

impl SlaClock {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SlaClock::Calendar => "calendar",
            SlaClock::Business => "business",
        }
    }
}

/// The as_of setting before the data is read.
#[derive(Debug, Clone, PartialEq)]
pub enum AsOfSetting {
    /// `--as-of` or `audit.as_of`: an instant, and where it came from (`flag` or `config`).
    Fixed(i64, &'static str),
    /// Derived from the data.
    FromData,
}

/// The audit settings.
#[derive(Debug, Clone)]
pub struct Audit {
    /// `timezone`.
    pub zone: Zone,
    /// `sla_hours`.
    pub sla_hours: f64,
    /// The SLA in microseconds.
    pub sla_micros: i64,
    /// `sla_clock`.
    pub clock: SlaClock,
    /// `salesforce_ids`.
    pub salesforce_ids: bool,
    /// `[audit.business]`, kept for the business clock.
    pub business: Option<RawBusiness>,
}

/// `[sales]`, lowercased for matching but keeping the config's spelling for display.
#[derive(Debug, Clone, Default)]
pub struct Sales {
    /// Accepted dispositions, as written.
    pub accepted: Vec<String>,
    /// Rejected dispositions, as written.
    pub rejected: Vec<String>,
    /// Owner values that mean "nobody".
    pub unowned: Vec<String>,
}

/// A sales verdict (SPEC "sales verdict").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// The disposition is in `sales.accepted`.
    Accepted,
    /// The disposition is in `sales.rejected`.
    Rejected,
    /// Anything else, or none.
    None,
}

impl Verdict {
    /// The SPEC word.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::None => "none",
        }
    }
}

impl Sales {
    /// The verdict of a trimmed disposition, and the config's spelling when it is listed.
    pub fn verdict(&self, disposition: &str) -> (Verdict, Option<&str>) {
        let lower = disposition.to_lowercase();
        fn find<'a>(list: &'a [String], lower: &str) -> Option<&'a String> {
            list.iter().find(|v| v.trim().to_lowercase() == lower)
        }
        if let Some(v) = find(&self.accepted, &lower) {
            (Verdict::Accepted, Some(v.trim()))
        } else if let Some(v) = find(&self.rejected, &lower) {
            (Verdict::Rejected, Some(v.trim()))
        } else {
            (Verdict::None, None)
        }
    }

    /// Whether an owner value means "nobody" (case-insensitive).
    pub fn is_unowned_value(&self, owner: &str) -> bool {
        let lower = owner.to_lowercase();
        self.unowned
            .iter()
            .any(|u| u.trim().to_lowercase() == lower)
    }
}

/// Paths given on the command line, which win over the config's.
#[derive(Debug, Clone, Default)]
pub struct PathOverrides {
    /// `--marketing`.
    pub marketing: Option<PathBuf>,
    /// `--crm`.
    pub crm: Option<PathBuf>,
    /// `--activities`.
    pub activities: Option<PathBuf>,
    /// `--definition`.
    pub definition: Option<PathBuf>,
}

/// Where the definition comes from.
#[derive(Debug, Clone)]
pub enum DefinitionSource {
    /// A separate file.
    File(PathBuf),
    /// Written inline in `[definition]` of the config.
    Inline(Box<RawDefinition>, PathBuf),
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file.
    pub path: PathBuf,
    /// `[audit]`.
    pub audit: Audit,
    /// `as_of` before the data is read.
    pub as_of: AsOfSetting,
    /// `[marketing]`.
    pub marketing: SourceConfig,
    /// `[crm]`.
    pub crm: SourceConfig,
    /// `[activities]`, when configured.
    pub activities: Option<SourceConfig>,
    /// First-touch rules of `[activities]`.
    pub touch: TouchRules,
    /// `[roster] path`.
    pub roster: Option<PathBuf>,
    /// `[sales]`.
    pub sales: Sales,
    /// `[definition]`.
    pub definition: Option<DefinitionSource>,
    /// `[thresholds]`.
    pub thresholds: Thresholds,
    /// `[findings]`: limits of the findings.
    pub findings: crate::audit::findings::FindingLimits,
    /// `--strict`: the first row that cannot be loaded is an error.
    pub strict: bool,
    /// `--threads`: how many threads may read (1 reads every file in one pass, in order).
    pub threads: usize,
    /// Show a progress bar while loading (standard error is a terminal and not `--quiet`).
    pub progress: bool,
}

/// Which activities count as touches.
#[derive(Debug, Clone, Default)]
pub struct TouchRules {
    /// `touch_types`, lowercased; `None` means every type.
    pub touch_types: Option<Vec<String>>,
    /// `owner_only`.
    pub owner_only: bool,
    /// `exclude`, lowercased substrings.
    pub exclude: Vec<String>,
    /// `connected`, lowercased outcomes.
    pub connected: Vec<String>,
}

impl TouchRules {
    /// Whether an activity counts as a touch: a touch type, not excluded by its subject or
    /// type, and (with `owner_only`) logged by the lead's owner (`lead_owner`, "" when none).
    pub fn is_touch(
        &self,
        ty: Option<&str>,
        subject: &str,
        activity_owner: &str,
        lead_owner: &str,
    ) -> bool {
        self.is_touch_row(ty, subject) && self.owner_agrees(activity_owner, lead_owner)
    }

    /// What the activity row alone says: a touch type, and not excluded.
    pub fn is_touch_row(&self, ty: Option<&str>, subject: &str) -> bool {
        if !self.is_touch_type(ty) {
            return false;
        }
        if !self.exclude.is_empty() {
            let subject = subject.to_lowercase();
            let ty = ty.unwrap_or("").to_lowercase();
            if self
                .exclude
                .iter()
                .any(|x| subject.contains(x.as_str()) || ty.contains(x.as_str()))
            {
                return false;
            }
        }
        true
    }

    /// Whether the activity's owner passes `owner_only` (always, when it is off).
    pub fn owner_agrees(&self, activity_owner: &str, lead_owner: &str) -> bool {
        if !self.owner_only {
            return true;
        }
        let same = activity_owner.eq_ignore_ascii_case(lead_owner)
            || activity_owner.to_lowercase() == lead_owner.to_lowercase();
        !lead_owner.is_empty() && same
    }

    /// Whether an activity type (trimmed) is a touch type.
    pub fn is_touch_type(&self, ty: Option<&str>) -> bool {
        match &self.touch_types {
            None => true,
            Some(list) => {
                let Some(t) = ty else { return false };
                list.iter()
                    .any(|l| l.len() == t.len() && l.eq_ignore_ascii_case(t))
                    || (!t.is_ascii() && list.contains(&t.to_lowercase()))
            }
        }
    }
}

/// Read and resolve a config file.
pub fn load(path: &Path, overrides: &PathOverrides, as_of_flag: Option<&str>) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "config file `{}` not found: pass --config FILE, or run `handoff init` to write a starter",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot read config file `{}`: {e}", path.display())
        }
    })?;
    parse(&text, path, overrides, as_of_flag)
}

/// Make the serde message actionable: add "did you mean" for unknown keys.
pub fn explain_toml_error(err: &toml::de::Error, file: &Path) -> anyhow::Error {
    let msg = err.message();
    let mut text = format!("in `{}`", file.display());
    if let Some(span) = err.span() {
        text = format!("{} (byte {}..{})", text, span.start, span.end);
    }
    let mut out = format!("{err}");
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once("`, expected ") {
            let candidates: Vec<&str> = expected
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s)
                .collect();
            if let Some(best) = closest(field, &candidates) {
                out.push_str(&format!("\nhelp: did you mean `{best}`?"));
            }
        }
    }
    anyhow::anyhow!("{text}: {out}")
}

/// The candidate closest to `word` (Jaro-Winkler), if any is reasonably close.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_lowercase()), *c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn parse_tz(name: &str, file: &Path) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
        let hint = closest(name, &names)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        anyhow::anyhow!(
            "in `{}`: [audit] timezone = `{name}` is not an IANA time zone{hint}; use a name such as `America/New_York`, `Europe/Berlin` or `UTC`",
            file.display()
        )
    })
}

/// Parse an as_of value: a TOML datetime/date or a string in any accepted timestamp form.
/// A date alone means 23:59:59 of that day in the audit's time zone.
pub fn parse_as_of(value: &str, zone: &Zone) -> Option<i64> {
    use crate::load::time::{Stamp, parse};
    let v = crate::load::text::trim(value);
    match parse(v, Some(DateOrder::Mdy)).ok()? {
        Stamp::Date(d) => Some(zone.local_to_micros(d.and_hms_opt(23, 59, 59)?)),
        other => Some(zone.resolve(other)),
    }
}

fn parse_order(s: &str, what: &str) -> Result<DateOrder> {
    match s.trim().to_ascii_lowercase().as_str() {
        "mdy" => Ok(DateOrder::Mdy),
        "dmy" => Ok(DateOrder::Dmy),
        other => bail!("{what}: date_order = `{other}` is not `mdy` or `dmy`"),
    }
}

fn parse_delimiter(s: &str, what: &str) -> Result<u8> {
    match s {
        "\t" | "\\t" | "tab" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        other => bail!(
            "{what}: delimiter = `{other}` must be one character such as `,`, `;`, `|` or `\\t`"
        ),
    }
}

fn parse_encoding(s: &str, what: &str) -> Result<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label(s.trim().as_bytes()).with_context(|| {
        format!("{what}: encoding = `{s}` is not known; use `utf-8`, `windows-1252`, `iso-8859-1` or `utf-16`")
    })
}

#[allow(clippy::too_many_arguments)]
fn reading(
    what: &str,
    encoding: Option<&str>,
    delimiter: Option<&str>,
    date_order: Option<&str>,
    empty: Option<&Vec<String>>,
    thousands: Option<&String>,
    decimal: Option<&String>,
) -> Result<Reading> {
    let thousands = thousands.cloned().filter(|s| !s.is_empty());
    let decimal = decimal.cloned().filter(|s| !s.is_empty());
    if thousands.is_some() && thousands == decimal {
        bail!("{what}: thousands and decimal separators must differ");
    }
    Ok(Reading {
        encoding: encoding.map(|e| parse_encoding(e, what)).transpose()?,
        delimiter: delimiter.map(|d| parse_delimiter(d, what)).transpose()?,
        date_order: date_order.map(|d| parse_order(d, what)).transpose()?,
        empty: match empty {
            Some(list) => EmptySpellings::new(list.iter().map(String::as_str)),
            None => EmptySpellings::default(),
        },
        thousands,
        decimal,
    })
}

fn resolve_path(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

/// Columns of a source: preset aliases first, then the config's names on top.
fn columns(
    source: Source,
    preset: &Preset,
    explicit: &[(&'static str, Option<&String>)],
) -> Result<BTreeMap<&'static str, ColumnRef>> {
    let mut map = BTreeMap::new();
    for (logical, aliases) in preset.columns(source) {
        map.insert(
            *logical,
            ColumnRef::Aliases(aliases.iter().map(|s| s.to_string()).collect()),
        );
    }
    for (logical, name) in explicit {
        if let Some(name) = name {
            map.insert(*logical, ColumnRef::from_config(name)?);
        }
    }
    Ok(map)
}

fn find_preset(name: Option<&str>, what: &str) -> Result<&'static Preset> {
    let name = name.unwrap_or("generic");
    preset::find(name).with_context(|| {
        format!(
            "{what}: preset = `{name}` is not known; presets are {}",
            preset::names().join(", ")
        )
    })
}

/// Parse config text. `path` is the file it came from (paths are relative to its folder).
pub fn parse(
    text: &str,
    path: &Path,
    overrides: &PathOverrides,
    as_of_flag: Option<&str>,
) -> Result<Config> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| explain_toml_error(&e, path))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = path.display().to_string();

    let audit_raw = raw.audit.unwrap_or_default();
    let tz = match &audit_raw.timezone {
        Some(name) => parse_tz(name, path)?,
        None => Tz::UTC,
    };
    let zone = Zone::new(tz);
    let sla_hours = audit_raw.sla_hours.unwrap_or(48.0);
    if !(sla_hours.is_finite() && sla_hours > 0.0) {
        bail!(
            "in `{file}`: [audit] sla_hours = {sla_hours} must be a positive number of hours, such as 48"
        );
    }
    let clock = match audit_raw.sla_clock.as_deref().map(str::trim) {
        None | Some("calendar") => SlaClock::Calendar,
        Some("business") => SlaClock::Business,
        Some(other) => {
            bail!("in `{file}`: [audit] sla_clock = `{other}` must be `calendar` or `business`")
        }
    };
    let as_of = if let Some(flag) = as_of_flag {
        let t = parse_as_of(flag, &zone).with_context(|| {
            format!("--as-of `{flag}` is not a timestamp; use a date `2026-11-30` or `2026-11-30T23:59:59Z`")
        })?;
        AsOfSetting::Fixed(t, "flag")
    } else if let Some(v) = &audit_raw.as_of {
        let s = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => bail!("in `{file}`: [audit] as_of = {other} must be a date or timestamp"),
        };
        let t = parse_as_of(&s, &zone).with_context(|| {
            format!("in `{file}`: [audit] as_of = `{s}` is not a timestamp; use `2026-11-30` or `2026-11-30T23:59:59Z`")
        })?;
        AsOfSetting::Fixed(t, "config")
    } else {
        AsOfSetting::FromData
    };
    let salesforce_default = [
        raw.marketing.as_ref().and_then(|m| m.preset.as_deref()),
        raw.crm.as_ref().and_then(|c| c.preset.as_deref()),
        raw.activities.as_ref().and_then(|a| a.preset.as_deref()),
    ]
    .iter()
    .any(|p| p.is_some_and(|p| p.eq_ignore_ascii_case("salesforce")));
    let audit = Audit {
        zone,
        sla_hours,
        sla_micros: (sla_hours * MICROS_PER_HOUR as f64).round() as i64,
        clock,
        salesforce_ids: audit_raw.salesforce_ids.unwrap_or(salesforce_default),
        business: audit_raw.business,
    };

    let m = raw.marketing.with_context(|| {
        format!("in `{file}`: the [marketing] section is missing; it names the marketing export (path, key, handed_over_at)")
    })?;
    let m_preset = find_preset(m.preset.as_deref(), "[marketing]")?;
    let m_path = match (&overrides.marketing, &m.path) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => resolve_path(&dir, p),
        (None, None) => {
            bail!("in `{file}`: [marketing] path is missing: name the marketing export file")
        }
    };
    let marketing = SourceConfig {
        source: Source::Marketing,
        path: m_path,
        preset: m_preset.name,
        columns: columns(
            Source::Marketing,
            m_preset,
            &[
                ("key", m.key.as_ref()),
                ("handed_over_at", m.handed_over_at.as_ref()),
                ("mql", m.mql.as_ref()),
                ("created_at", m.created_at.as_ref()),
            ],
        )
        .with_context(|| format!("in `{file}` [marketing]"))?,
        reading: reading(
            "[marketing]",
            m.encoding.as_deref(),
            m.delimiter.as_deref(),
            m.date_order.as_deref(),
            m.empty.as_ref(),
            m.thousands.as_ref(),
            m.decimal.as_ref(),
        )?,
    };

    let c = raw.crm.with_context(|| {
        format!("in `{file}`: the [crm] section is missing; it names the CRM export (path, key, owner, disposition)")
    })?;
    let c_preset = find_preset(c.preset.as_deref(), "[crm]")?;
    let c_path = match (&overrides.crm, &c.path) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => resolve_path(&dir, p),
        (None, None) => bail!("in `{file}`: [crm] path is missing: name the CRM export file"),
    };
    let crm = SourceConfig {
        source: Source::Crm,
        path: c_path,
        preset: c_preset.name,
        columns: columns(
            Source::Crm,
            c_preset,
            &[
                ("key", c.key.as_ref()),
                ("owner", c.owner.as_ref()),
                ("assigned_at", c.assigned_at.as_ref()),
                ("disposition", c.disposition.as_ref()),
                ("disposition_reason", c.disposition_reason.as_ref()),
                ("disposition_at", c.disposition_at.as_ref()),
                ("first_touch_at", c.first_touch_at.as_ref()),
            ],
        )
        .with_context(|| format!("in `{file}` [crm]"))?,
        reading: reading(
            "[crm]",
            c.encoding.as_deref(),
            c.delimiter.as_deref(),
            c.date_order.as_deref(),
            c.empty.as_ref(),
            c.thousands.as_ref(),
            c.decimal.as_ref(),
        )?,
    };

    let mut touch = TouchRules::default();
    let activities = match (raw.activities, &overrides.activities) {
        (None, None) => None,
        (a, over) => {
            let a = a.unwrap_or_default();
            let a_preset = find_preset(a.preset.as_deref(), "[activities]")?;
            let a_path = match (over, &a.path) {
                (Some(p), _) => p.clone(),
                (None, Some(p)) => resolve_path(&dir, p),
                (None, None) => {
                    bail!(
                        "in `{file}`: [activities] path is missing: name the activities export file"
                    )
                }
            };
            let lower = |v: &Option<Vec<String>>| {
                v.as_ref().map(|l| {
                    l.iter()
                        .map(|s| s.trim().to_lowercase())
                        .collect::<Vec<_>>()
                })
            };
            touch = TouchRules {
                touch_types: lower(&a.touch_types),
                owner_only: a.owner_only.unwrap_or(false),
                exclude: lower(&a.exclude).unwrap_or_default(),
                connected: lower(&a.connected).unwrap_or_default(),
            };
            Some(SourceConfig {
                source: Source::Activities,
                path: a_path,
                preset: a_preset.name,
                columns: columns(
                    Source::Activities,
                    a_preset,
                    &[
                        ("key", a.key.as_ref()),
                        ("at", a.at.as_ref()),
                        ("type", a.r#type.as_ref()),
                        ("owner", a.owner.as_ref()),
                        ("subject", a.subject.as_ref()),
                        ("outcome", a.outcome.as_ref()),
                    ],
                )
                .with_context(|| format!("in `{file}` [activities]"))?,
                reading: reading(
                    "[activities]",
                    a.encoding.as_deref(),
                    a.delimiter.as_deref(),
                    a.date_order.as_deref(),
                    a.empty.as_ref(),
                    a.thousands.as_ref(),
                    a.decimal.as_ref(),
                )?,
            })
        }
    };

    let sales_raw = raw.sales.unwrap_or_default();
    let mut sales = Sales {
        accepted: sales_raw.accepted.unwrap_or_default(),
        rejected: sales_raw.rejected.unwrap_or_default(),
        unowned: sales_raw.unowned.unwrap_or_default(),
    };
    // A preset's usual disposition values apply when the config names none.
    if sales.accepted.is_empty() && sales.rejected.is_empty() {
        sales.accepted = c_preset.accepted.iter().map(|s| s.to_string()).collect();
        sales.rejected = c_preset.rejected.iter().map(|s| s.to_string()).collect();
    }
    if let Some(both) = sales.accepted.iter().find(|a| {
        sales
            .rejected
            .iter()
            .any(|r| r.trim().eq_ignore_ascii_case(a.trim()))
    }) {
        bail!("in `{file}`: [sales] `{both}` is both accepted and rejected; list it once");
    }

    let definition = match (&overrides.definition, raw.definition) {
        (Some(p), _) => Some(DefinitionSource::File(p.clone())),
        (None, None) => None,
        (None, Some(d)) => match &d.path {
            Some(p) if d.is_only_path() => Some(DefinitionSource::File(resolve_path(&dir, p))),
            Some(_) => bail!(
                "in `{file}`: [definition] has both `path` and inline keys; keep one or the other"
            ),
            None => Some(DefinitionSource::Inline(Box::new(d), path.to_path_buf())),
        },
    };

    let thresholds = raw.thresholds.unwrap_or_default();
    Ok(Config {
        path: path.to_path_buf(),
        audit,
        as_of,
        marketing,
        crm,
        activities,
        touch,
        roster: raw
            .roster
            .and_then(|r| r.path)
            .map(|p| resolve_path(&dir, &p)),
        sales,
        definition,
        thresholds,
        findings: {
            let f = raw.findings.unwrap_or_default();
            f.validate()
                .map_err(|e| anyhow::anyhow!("in `{file}` [findings]: {e:#}"))?;
            f
        },
        strict: false,
        threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        progress: false,
    })
}

/// A date in a TOML value: a TOML date or a `YYYY-MM-DD` string.
pub fn toml_date(v: &toml::Value) -> Option<NaiveDate> {
    let s = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<Config> {
        parse(
            text,
            Path::new("/tmp/x/handoff.toml"),
            &PathOverrides::default(),
            None,
        )
    }

    const MIN: &str = "[marketing]\npath='m.csv'\n[crm]\npath='c.csv'\n";

    #[test]
    fn unknown_key_names_closest() {
        let err = cfg(&format!("[audit]\nsla_hour = 48\n{MIN}")).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("sla_hour"), "{msg}");
        assert!(msg.contains("did you mean `sla_hours`"), "{msg}");
        assert!(msg.contains("/tmp/x/handoff.toml"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn defaults_and_paths() {
        let c = cfg(MIN).unwrap();
        assert_eq!(c.audit.sla_hours, 48.0);
        assert_eq!(c.audit.sla_micros, 48 * MICROS_PER_HOUR);
        assert_eq!(c.marketing.path, PathBuf::from("/tmp/x/m.csv"));
        assert_eq!(c.as_of, AsOfSetting::FromData);
        assert!(c.activities.is_none());
    }

    #[test]
    fn bad_timezone_is_named() {
        let err = cfg(&format!("[audit]\ntimezone='America/New_Yrok'\n{MIN}")).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("America/New_Yrok") && msg.contains("America/New_York"),
            "{msg}"
        );
    }

    #[test]
    fn as_of_forms() {
        let c = cfg(&format!(
            "[audit]\ntimezone='America/New_York'\nas_of=2026-11-30\n{MIN}"
        ))
        .unwrap();
        // 23:59:59 EST = 04:59:59Z next day.
        let want = chrono::DateTime::parse_from_rfc3339("2026-12-01T04:59:59Z")
            .unwrap()
            .timestamp_micros();
        assert_eq!(c.as_of, AsOfSetting::Fixed(want, "config"));
        let c = cfg(&format!("[audit]\nas_of='2026-11-30T12:00:00Z'\n{MIN}")).unwrap();
        let want = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .timestamp_micros();
        assert_eq!(c.as_of, AsOfSetting::Fixed(want, "config"));
    }

    #[test]
    fn touch_rules_combine_type_exclude_and_owner() {
        let t = TouchRules {
            touch_types: Some(vec!["call".into(), "email".into()]),
            owner_only: true,
            exclude: vec!["newsletter".into()],
            connected: vec![],
        };
        assert!(t.is_touch(Some("Call"), "Intro", "Ann Lee", "ann lee"));
        assert!(!t.is_touch(Some("Meeting"), "Intro", "Ann Lee", "Ann Lee"));
        assert!(!t.is_touch(Some("Email"), "Monthly Newsletter", "Ann Lee", "Ann Lee"));
        assert!(!t.is_touch(Some("Call"), "Intro", "Bob Ray", "Ann Lee"));
        assert!(!t.is_touch(Some("Call"), "Intro", "Ann Lee", ""));
        assert!(!t.is_touch(None, "Intro", "Ann Lee", "Ann Lee"));
        let open = TouchRules::default();
        assert!(open.is_touch(None, "", "", ""));
    }

    #[test]
    fn position_columns() {
        let c = cfg("[marketing]\npath='m.csv'\nkey='#3'\n[crm]\npath='c.csv'\n").unwrap();
        assert_eq!(c.marketing.column("key"), Some(&ColumnRef::Position(3)));
        assert!(cfg("[marketing]\npath='m.csv'\nkey='#0'\n[crm]\npath='c.csv'\n").is_err());
    }
}
