//! The written sales-ready definition: its TOML model, validation and criterion evaluation.
//!
//! Value semantics (SPEC rules 10–11): numeric operators (`gte`, `gt`, `lte`, `lt`, `between`)
//! read `[+-]digits[.digits]` after the source's `thousands`/`decimal` settings; every other
//! operator compares trimmed strings case-insensitively; `within_days` reads a date. A missing,
//! empty or unparsable value makes a criterion false (`present = false` excepted); unparsable
//! values are reported so the user can fix the setting. This module does not read CSV files.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::config::{Source, closest, toml_date};
use crate::load::time::MICROS_PER_DAY;

/// The definition as written (in `sales-ready.toml` or inline in `[definition]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefinition {
    /// Only inline: the file holding the definition.
    pub path: Option<String>,
    /// The definition's name.
    pub name: Option<String>,
    /// Its version.
    pub version: Option<toml::Value>,
    /// Who signed it.
    pub owners: Option<Vec<String>>,
    /// When both teams last reviewed it.
    pub reviewed: Option<toml::Value>,
    /// How often it must be reviewed (default 92 days).
    pub review_every_days: Option<i64>,
    /// `all`, `any` or an integer N.
    pub ready_when: Option<toml::Value>,
    /// The criteria, each an id, a field and one operator.
    pub criteria: Option<Vec<toml::Table>>,
}

impl RawDefinition {
    /// Whether only `path` is set (the inline form sets the other keys).
    pub fn is_only_path(&self) -> bool {
        self.name.is_none()
            && self.version.is_none()
            && self.owners.is_none()
            && self.reviewed.is_none()
            && self.review_every_days.is_none()
            && self.ready_when.is_none()
            && self.criteria.is_none()
    }
}

/// How many criteria must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyWhen {
    /// Every criterion.
    All,
    /// At least one.
    Any,
    /// At least N.
    AtLeast(usize),
}

impl ReadyWhen {
    /// Combine the number of true criteria out of `total`.
    pub fn ready(self, true_count: usize, total: usize) -> bool {
        match self {
            ReadyWhen::All => true_count == total,
            ReadyWhen::Any => true_count >= 1,
            ReadyWhen::AtLeast(n) => true_count >= n,
        }
    }

    /// As written in the file.
    pub fn describe(self) -> String {
        match self {
            ReadyWhen::All => "all".into(),
            ReadyWhen::Any => "any".into(),
            ReadyWhen::AtLeast(n) => format!("at least {n}"),
        }
    }
}

/// A criterion's operator and operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Equal text.
    Eq(String),
    /// Different text (a value must be present).
    Ne(String),
    /// One of the texts.
    In(Vec<String>),
    /// None of the texts (a value must be present).
    NotIn(Vec<String>),
    /// Contains the text.
    Contains(String),
    /// Number ≥.
    Gte(f64),
    /// Number >.
    Gt(f64),
    /// Number ≤.
    Lte(f64),
    /// Number <.
    Lt(f64),
    /// Number within [a, b].
    Between(f64, f64),
    /// Value present (true) or absent (false).
    Present(bool),
    /// A date within N days before the reference.
    WithinDays(f64),
}

/// Every operator name, in the SPEC's order.
pub const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "gte",
    "gt",
    "lte",
    "lt",
    "between",
    "present",
    "within_days",
];

impl Op {
    /// The operator's name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Contains(_) => "contains",
            Op::Gte(_) => "gte",
            Op::Gt(_) => "gt",
            Op::Lte(_) => "lte",
            Op::Lt(_) => "lt",
            Op::Between(..) => "between",
            Op::Present(_) => "present",
            Op::WithinDays(_) => "within_days",
        }
    }

    /// Whether the operator reads numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Op::Gte(_) | Op::Gt(_) | Op::Lte(_) | Op::Lt(_) | Op::Between(..)
        )
    }

    /// Human text of the condition: `in [Confirmed, Allocated]`.
    pub fn describe(&self) -> String {
        let n = |x: &f64| fmt_num(*x);
        match self {
            Op::Eq(s) => format!("= {s:?}"),
            Op::Ne(s) => format!("≠ {s:?}"),
            Op::In(l) => format!("in [{}]", l.join(", ")),
            Op::NotIn(l) => format!("not in [{}]", l.join(", ")),
            Op::Contains(s) => format!("contains {s:?}"),
            Op::Gte(x) => format!(">= {}", n(x)),
            Op::Gt(x) => format!("> {}", n(x)),
            Op::Lte(x) => format!("<= {}", n(x)),
            Op::Lt(x) => format!("< {}", n(x)),
            Op::Between(a, b) => format!("between {} and {}", n(a), n(b)),
            Op::Present(true) => "is present".into(),
            Op::Present(false) => "is empty".into(),
            Op::WithinDays(d) => format!("within {} days", n(d)),
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Where a criterion's field lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// `crm:` or `marketing:` prefix, when written.
    pub source: Option<Source>,
    /// The header.
    pub header: String,
}

/// One criterion.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// Its id (unique).
    pub id: String,
    /// Its description, as written.
    pub description: Option<String>,
    /// The field it reads.
    pub field: FieldRef,
    /// What it checks.
    pub op: Op,
}

/// The resolved definition.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Where it was read from.
    pub file: PathBuf,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `owners`.
    pub owners: Vec<String>,
    /// `reviewed`.
    pub reviewed: Option<NaiveDate>,
    /// `review_every_days`.
    pub review_every_days: i64,
    /// `ready_when`.
    pub ready_when: ReadyWhen,
    /// The criteria, in the file's order.
    pub criteria: Vec<Criterion>,
}

/// Read a definition file.
pub fn load_file(path: &Path) -> Result<Definition> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read definition file `{}`: {e}; set [definition] path in the config, or pass --definition",
            path.display()
        )
    })?;
    let raw: RawDefinition =
        toml::from_str(&text).map_err(|e| crate::config::explain_toml_error(&e, path))?;
    if raw.path.is_some() {
        bail!(
            "in `{}`: `path` belongs in the config's [definition], not in the definition file",
            path.display()
        );
    }
    resolve(raw, path, Some(&text))
}

/// The line of the `n`-th `[[criteria]]` header in `text` (1-based), if it can be found.
fn criterion_line(text: Option<&str>, n: usize) -> Option<usize> {
    let text = text?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            t.starts_with("[[")
                && t.trim_start_matches('[')
                    .trim_start()
                    .starts_with("criteria")
                || t.starts_with("[[") && t.contains("definition.criteria")
        })
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// Resolve a raw definition. `text` is the source text, used to point at lines.
pub fn resolve(raw: RawDefinition, file: &Path, text: Option<&str>) -> Result<Definition> {
    let f = file.display();
    let criteria_raw = raw.criteria.unwrap_or_default();
    let mut criteria: Vec<Criterion> = Vec::with_capacity(criteria_raw.len());
    for (i, table) in criteria_raw.into_iter().enumerate() {
        let at = match criterion_line(text, i) {
            Some(line) => format!("`{f}` line {line}"),
            None => format!("`{f}`"),
        };
        let id = match table.get("id") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(toml::Value::Integer(n)) => n.to_string(),
            _ => bail!(
                "in {at}: criterion #{} has no `id`; give every criterion a short unique id",
                i + 1
            ),
        };
        if criteria.iter().any(|c| c.id == id) {
            bail!("in {at}: criterion id `{id}` is used twice; ids must be unique");
        }
        let field = match table.get("field") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => parse_field(s.trim()),
            _ => bail!(
                "in {at}: criterion `{id}` has no `field`; name a header of the marketing or CRM export"
            ),
        };
        let description = match table.get("description") {
            None => None,
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(other) => {
                bail!("in {at}: criterion `{id}`: description must be text, found {other}")
            }
        };
        let mut op: Option<Op> = None;
        for (key, value) in &table {
            if matches!(key.as_str(), "id" | "field" | "description") {
                continue;
            }
            if !OPERATORS.contains(&key.as_str()) {
                let hint = closest(key, OPERATORS)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                bail!(
                    "in {at}: criterion `{id}`: unknown operator `{key}`{hint}; operators are {}",
                    OPERATORS.join(", ")
                );
            }
            let parsed = parse_op(key, value).map_err(|why| {
                anyhow::anyhow!("in {at}: criterion `{id}`: `{key} = {value}`: {why}")
            })?;
            if let Some(prev) = &op {
                bail!(
                    "in {at}: criterion `{id}` has two operators, `{}` and `{key}`; write one criterion per condition",
                    prev.name()
                );
            }
            op = Some(parsed);
        }
        let Some(op) = op else {
            bail!(
                "in {at}: criterion `{id}` has no operator; use one of {}",
                OPERATORS.join(", ")
            );
        };
        criteria.push(Criterion {
            id,
            description,
            field,
            op,
        });
    }
    let ready_when = match &raw.ready_when {
        None => ReadyWhen::All,
        Some(toml::Value::String(s)) if s.trim().eq_ignore_ascii_case("all") => ReadyWhen::All,
        Some(toml::Value::String(s)) if s.trim().eq_ignore_ascii_case("any") => ReadyWhen::Any,
        Some(toml::Value::Integer(n)) if *n >= 1 => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX);
            if n > criteria.len() {
                bail!(
                    "in `{f}`: ready_when = {n} but the definition has {} criteria; use a number from 1 to {}, `all` or `any`",
                    criteria.len(),
                    criteria.len()
                );
            }
            ReadyWhen::AtLeast(n)
        }
        Some(other) => bail!(
            "in `{f}`: ready_when = {other} must be `\"all\"`, `\"any\"` or a whole number of criteria from 1"
        ),
    };
    let reviewed = match &raw.reviewed {
        None => None,
        Some(v) => Some(toml_date(v).ok_or_else(|| {
            anyhow::anyhow!("in `{f}`: reviewed = {v} must be a date such as 2026-10-01")
        })?),
    };
    let review_every_days = raw.review_every_days.unwrap_or(92);
    if review_every_days < 1 {
        bail!("in `{f}`: review_every_days = {review_every_days} must be at least 1");
    }
    let version = match raw.version {
        None => String::new(),
        Some(toml::Value::String(s)) => s,
        Some(other) => other.to_string(),
    };
    Ok(Definition {
        file: file.to_path_buf(),
        name: raw.name.unwrap_or_else(|| "Sales-ready lead".into()),
        version,
        owners: raw.owners.unwrap_or_default(),
        reviewed,
        review_every_days,
        ready_when,
        criteria,
    })
}

fn parse_field(s: &str) -> FieldRef {
    let lower = s.to_ascii_lowercase();
    for (prefix, source) in [("crm:", Source::Crm), ("marketing:", Source::Marketing)] {
        if lower.starts_with(prefix) {
            return FieldRef {
                source: Some(source),
                header: s[prefix.len()..].trim().to_string(),
            };
        }
    }
    FieldRef {
        source: None,
        header: s.to_string(),
    }
}

/// TOML scalar as the text string operators compare (`eq = 200` is the text "200").
fn text_operand(v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(crate::load::text::trim(s).to_lowercase()),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Float(x) => Ok(x.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        other => Err(format!("expected text, found {}", other.type_str())),
    }
}

fn number_operand(v: &toml::Value) -> Result<f64, String> {
    match v {
        toml::Value::Integer(n) => Ok(*n as f64),
        toml::Value::Float(x) if x.is_finite() => Ok(*x),
        toml::Value::String(s) => parse_number(s, None, None)
            .ok_or_else(|| format!("expected a number, found the text {s:?}")),
        other => Err(format!("expected a number, found {}", other.type_str())),
    }
}

fn parse_op(key: &str, v: &toml::Value) -> Result<Op, String> {
    let list = |v: &toml::Value| -> Result<Vec<String>, String> {
        match v {
            toml::Value::Array(a) if !a.is_empty() => a.iter().map(text_operand).collect(),
            toml::Value::Array(_) => Err("the list is empty".into()),
            other => Err(format!(
                "expected a list such as [\"A\", \"B\"], found {}",
                other.type_str()
            )),
        }
    };
    Ok(match key {
        "eq" => Op::Eq(text_operand(v)?),
        "ne" => Op::Ne(text_operand(v)?),
        "contains" => Op::Contains(text_operand(v)?),
        "in" => Op::In(list(v)?),
        "not_in" => Op::NotIn(list(v)?),
        "gte" => Op::Gte(number_operand(v)?),
        "gt" => Op::Gt(number_operand(v)?),
        "lte" => Op::Lte(number_operand(v)?),
        "lt" => Op::Lt(number_operand(v)?),
        "between" => match v {
            toml::Value::Array(a) if a.len() == 2 => {
                let (lo, hi) = (number_operand(&a[0])?, number_operand(&a[1])?);
                if lo > hi {
                    return Err(format!(
                        "the lower bound {lo} is above the upper bound {hi}"
                    ));
                }
                Op::Between(lo, hi)
            }
            _ => return Err("expected two numbers, [low, high]".into()),
        },
        "present" => match v {
            toml::Value::Boolean(b) => Op::Present(*b),
            other => {
                return Err(format!(
                    "expected true or false, found {}",
                    other.type_str()
                ));
            }
        },
        "within_days" => {
            let d = number_operand(v)?;
            if d < 0.0 {
                return Err("expected a number of days from 0".into());
            }
            Op::WithinDays(d)
        }
        _ => return Err(format!("unknown operator `{key}`")),
    })
}

/// Parse `[+-]digits[.digits]` after removing `thousands` and reading `decimal` (SPEC rule 10).
pub fn parse_number(s: &str, thousands: Option<&str>, decimal: Option<&str>) -> Option<f64> {
    let t = crate::load::text::trim(s);
    let mut owned;
    let mut v: &str = t;
    if let Some(th) = thousands {
        owned = v.replace(th, "");
        v = &owned;
        if let Some(dec) = decimal {
            owned = v.replace(dec, ".");
            v = &owned;
        }
    } else if let Some(dec) = decimal {
        owned = v.replace(dec, ".");
        v = &owned;
    }
    let b = v.as_bytes();
    let body = match b.first() {
        Some(b'+') | Some(b'-') => &b[1..],
        _ => b,
    };
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(p) => (&body[..p], Some(&body[p + 1..])),
        None => (body, None),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    v.parse().ok()
}

/// What a criterion says of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Holds.
    True,
    /// Does not hold (or the value is missing).
    False,
    /// The value is present but cannot be read as the operator needs: false, and reported.
    Unparsable,
}

impl Outcome {
    /// Whether the criterion holds.
    pub fn holds(self) -> bool {
        self == Outcome::True
    }
}

fn b(x: bool) -> Outcome {
    if x { Outcome::True } else { Outcome::False }
}

impl Criterion {
    /// Evaluate on a cleaned value (`None` when missing or empty).
    ///
    /// `number` reads a number with the field's source settings; `time` reads a timestamp with
    /// the field's column settings; `reference` is the handover, or as_of for a key not handed
    /// over (for `within_days`).
    pub fn eval(
        &self,
        value: Option<&str>,
        number: impl Fn(&str) -> Option<f64>,
        time: impl Fn(&str) -> Option<i64>,
        reference: i64,
    ) -> Outcome {
        let Some(v) = value else {
            return b(self.op == Op::Present(false));
        };
        match &self.op {
            Op::Present(p) => b(*p),
            Op::Eq(s) => b(lower(v) == *s),
            Op::Ne(s) => b(lower(v) != *s),
            Op::In(l) => {
                let v = lower(v);
                b(l.contains(&v))
            }
            Op::NotIn(l) => {
                let v = lower(v);
                b(!l.contains(&v))
            }
            Op::Contains(s) => b(lower(v).contains(s.as_str())),
            Op::Gte(x) => num(v, number, |n| n >= *x),
            Op::Gt(x) => num(v, number, |n| n > *x),
            Op::Lte(x) => num(v, number, |n| n <= *x),
            Op::Lt(x) => num(v, number, |n| n < *x),
            Op::Between(lo, hi) => num(v, number, |n| *lo <= n && n <= *hi),
            Op::WithinDays(d) => match time(v) {
                None => Outcome::Unparsable,
                Some(t) => {
                    let span = (d * MICROS_PER_DAY as f64).round() as i64;
                    b(reference.saturating_sub(span) <= t && t <= reference)
                }
            },
        }
    }
}

fn lower(v: &str) -> String {
    if v.is_ascii() {
        v.to_ascii_lowercase()
    } else {
        v.to_lowercase()
    }
}

fn num(v: &str, number: impl Fn(&str) -> Option<f64>, pred: impl Fn(f64) -> bool) -> Outcome {
    match number(v) {
        Some(n) => b(pred(n)),
        None => Outcome::Unparsable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(text: &str) -> Result<Definition> {
        let raw: RawDefinition = toml::from_str(text).unwrap();
        resolve(raw, Path::new("sales-ready.toml"), Some(text))
    }

    fn crit(op: &str) -> Criterion {
        def(&format!("[[criteria]]\nid='c'\nfield='F'\n{op}\n"))
            .unwrap()
            .criteria
            .remove(0)
    }

    fn eval(c: &Criterion, v: Option<&str>) -> Outcome {
        c.eval(v, |s| parse_number(s, None, None), |_| None, 0)
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(" 1200 ", None, None), Some(1200.0));
        assert_eq!(parse_number("-3.5", None, None), Some(-3.5));
        assert_eq!(parse_number("+7", None, None), Some(7.0));
        for bad in [
            "1,200", "unknown", "TBD", "1e3", ".5", "5.", "", "1 200", "--1",
        ] {
            assert_eq!(parse_number(bad, None, None), None, "{bad}");
        }
        assert_eq!(parse_number("1,200", Some(","), None), Some(1200.0));
        assert_eq!(parse_number("1.200,5", Some("."), Some(",")), Some(1200.5));
        assert_eq!(parse_number("3,5", None, Some(",")), Some(3.5));
    }

    #[test]
    fn string_operators() {
        let c = crit("eq = 200");
        assert_eq!(eval(&c, Some("200")), Outcome::True);
        assert_eq!(eval(&c, Some("200.0")), Outcome::False);
        let c = crit("in = ['Confirmed', 'Allocated']");
        assert_eq!(eval(&c, Some("CONFIRMED")), Outcome::True);
        assert_eq!(eval(&c, None), Outcome::False);
        let c = crit("ne = 'Education'");
        assert_eq!(eval(&c, Some("Retail")), Outcome::True);
        assert_eq!(eval(&c, None), Outcome::False);
        let c = crit("contains = 'vp'");
        assert_eq!(eval(&c, Some("SVP Sales")), Outcome::True);
        let c = crit("present = false");
        assert_eq!(eval(&c, None), Outcome::True);
        assert_eq!(eval(&c, Some("x")), Outcome::False);
    }

    #[test]
    fn numeric_operators() {
        let c = crit("between = [10, 20]");
        assert_eq!(eval(&c, Some("10")), Outcome::True);
        assert_eq!(eval(&c, Some("20")), Outcome::True);
        assert_eq!(eval(&c, Some("20.5")), Outcome::False);
        assert_eq!(eval(&c, Some("TBD")), Outcome::Unparsable);
        let c = crit("gte = 200");
        assert_eq!(eval(&c, Some("1,200")), Outcome::Unparsable);
    }

    #[test]
    fn errors_name_the_criterion() {
        let e = def("[[criteria]]\nid='size'\nfield='Employees'\ngreater_than=5\n").unwrap_err();
        let m = format!("{e:#}");
        assert!(
            m.contains("`size`") && m.contains("`greater_than`") && m.contains("line 1"),
            "{m}"
        );
        let e = def("ready_when = 3\n[[criteria]]\nid='a'\nfield='F'\npresent=true\n").unwrap_err();
        assert!(format!("{e:#}").contains("ready_when = 3"));
        let e = def("[[criteria]]\nid='a'\nfield='F'\neq='x'\nne='y'\n").unwrap_err();
        assert!(format!("{e:#}").contains("two operators"));
    }

    #[test]
    fn ready_when_forms() {
        assert!(ReadyWhen::All.ready(3, 3));
        assert!(!ReadyWhen::All.ready(2, 3));
        assert!(ReadyWhen::Any.ready(1, 3));
        assert!(!ReadyWhen::Any.ready(0, 3));
        assert!(ReadyWhen::AtLeast(2).ready(2, 3));
        assert!(!ReadyWhen::AtLeast(2).ready(1, 3));
    }
}
