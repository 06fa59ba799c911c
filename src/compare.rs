//! `handoff compare BEFORE.json AFTER.json`: two JSON reports side by side (the monthly review).
//!
//! The comparison reads the reports as JSON values, not as [`crate::audit::figures::Report`],
//! so that a report written by an older or newer version is read as long as the keys it needs
//! are there; a missing key is refused with a message naming it. A key whose parent is `null`
//! (e.g. `/definition/...` when no definition was configured) is read as `null`.
//!
//! Every headline figure ([`HEADLINE_FIGURES`]) has a direction: higher is better (follow-up,
//! SLA-met and coverage rates), lower is better (breach rate, hours to first touch, unowned
//! handoffs, mismatches, touches before handover), or neutral (volumes: `handed_over`,
//! `eligible`), whose verdict is always `same`. A figure that is `null` on either side has a
//! `null` change and the verdict `same`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::report::table::{push_table, section, table};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether a figure moving up is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A rise is better.
    HigherIsBetter,
    /// A rise is worse.
    LowerIsBetter,
    /// A volume: neither better nor worse.
    Neutral,
}

/// The figures compared: JSON Pointer, label, direction.
pub const HEADLINE_FIGURES: &[(&str, &str, Direction)] = &[
    (
        "/follow_up/handed_over",
        "Handed over (MQLs)",
        Direction::Neutral,
    ),
    (
        "/follow_up/eligible",
        "Eligible handoffs",
        Direction::Neutral,
    ),
    (
        "/follow_up/follow_up_rate",
        "Follow-up rate",
        Direction::HigherIsBetter,
    ),
    (
        "/follow_up/sla_met_rate",
        "SLA met rate",
        Direction::HigherIsBetter,
    ),
    (
        "/follow_up/breach_rate",
        "Breach rate",
        Direction::LowerIsBetter,
    ),
    (
        "/follow_up/hours_to_first_touch/median",
        "Median hours to first touch",
        Direction::LowerIsBetter,
    ),
    (
        "/follow_up/hours_to_first_touch/p90",
        "p90 hours to first touch",
        Direction::LowerIsBetter,
    ),
    (
        "/ownership/unowned",
        "Unowned handoffs",
        Direction::LowerIsBetter,
    ),
    (
        "/feedback/coverage",
        "Disposition coverage",
        Direction::HigherIsBetter,
    ),
    (
        "/definition/mismatches/mql_not_ready",
        "MQLs not ready",
        Direction::LowerIsBetter,
    ),
    (
        "/definition/mismatches/ready_not_mql",
        "Ready, not handed over",
        Direction::LowerIsBetter,
    ),
    (
        "/definition/mismatches/ready_rejected",
        "Ready, rejected by sales",
        Direction::LowerIsBetter,
    ),
    (
        "/definition/mismatches/not_ready_accepted",
        "Not ready, accepted by sales",
        Direction::LowerIsBetter,
    ),
    (
        "/data_quality/touches_before_handover",
        "Touches before handover",
        Direction::LowerIsBetter,
    ),
];

/// How many owners [`Comparison::owners`] lists at most.
pub const TOP_OWNERS: usize = 10;

/// Float noise allowed when a change is held to a tolerance: a change within this of the
/// tolerance counts as equal to it.
const EPSILON: f64 = 1e-12;

/// Whether a figure got better.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Moved in its good direction.
    Better,
    /// Moved in its bad direction.
    Worse,
    /// Did not move, is neutral, or is `null` on a side.
    Same,
}

impl Verdict {
    /// The JSON word.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Same => "same",
        }
    }
}

/// One headline figure before and after.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FigureDelta {
    /// JSON Pointer of the figure.
    pub path: String,
    /// Its value in BEFORE (a number, or `null`).
    pub before: Value,
    /// Its value in AFTER (a number, or `null`).
    pub after: Value,
    /// after − before; an integer when both are; `null` when either is `null`.
    pub change: Value,
    /// Better, worse or the same.
    pub verdict: Verdict,
}

/// An owner whose breach rate (breaches / eligible) moved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OwnerDelta {
    /// The owner, present in both reports.
    pub owner: String,
    /// Breach rate in BEFORE.
    pub before_breach_rate: f64,
    /// Breach rate in AFTER.
    pub after_breach_rate: f64,
    /// after − before.
    pub change: f64,
}

/// Finding ids by what happened to them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FindingChanges {
    /// In AFTER only, in AFTER's ranking.
    pub new: Vec<String>,
    /// In both, in AFTER's ranking.
    pub persisting: Vec<String>,
    /// In BEFORE only, in BEFORE's ranking.
    pub resolved: Vec<String>,
}

/// Two reports compared: SPEC's `{figures, owners, findings}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// Every headline figure, in [`HEADLINE_FIGURES`] order.
    pub figures: Vec<FigureDelta>,
    /// Owners present in both whose breach rate moved, by |change| descending then name;
    /// at most [`TOP_OWNERS`].
    pub owners: Vec<OwnerDelta>,
    /// Findings new, persisting and resolved.
    pub findings: FindingChanges,
}

/// Compare two reports as written by `handoff audit --format json`.
///
/// Errors when a key the comparison needs is missing from either report, naming the report
/// (`before` / `after`) and the key.
pub fn compare(before: &Value, after: &Value) -> Result<Comparison> {
    for (which, doc) in [("before", before), ("after", after)] {
        if !doc.is_object() {
            bail!("the {which} report is not a handoff JSON report (expected a JSON object)");
        }
    }
    let mut figures = Vec::with_capacity(HEADLINE_FIGURES.len());
    for &(path, _, direction) in HEADLINE_FIGURES {
        let b = number(before, path, "before")?;
        let a = number(after, path, "after")?;
        figures.push(delta(path, b, a, direction));
    }
    Ok(Comparison {
        figures,
        owners: owners(before, after)?,
        findings: findings(before, after)?,
    })
}

/// The rates (paths ending in `_rate` or `coverage`) that got worse by more than `tolerance`
/// (absolute), for `--fail-on-regression`.
pub fn regressions(c: &Comparison, tolerance: f64) -> Vec<&FigureDelta> {
    c.figures
        .iter()
        .filter(|f| is_rate(&f.path) && f.verdict == Verdict::Worse)
        .filter(|f| {
            f.change
                .as_f64()
                .is_some_and(|d| d.abs() > tolerance + EPSILON)
        })
        .collect()
}

fn is_rate(path: &str) -> bool {
    path.ends_with("_rate") || path.ends_with("coverage")
}

fn missing(which: &str, path: &str, key: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "the {which} report has no `{path}` (key `{key}` is missing): it was written by a \
         version of handoff whose JSON report differs from this one; re-run \
         `handoff audit --format json` with this version to compare"
    )
}

/// The value at a JSON Pointer; `Ok(None)` when a parent on the way is `null`, an error naming
/// the key when one is missing.
fn lookup<'a>(doc: &'a Value, path: &str, which: &str) -> Result<Option<&'a Value>> {
    let mut cur = doc;
    for raw in path.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Null => return Ok(None),
            Value::Object(m) => m.get(&key).ok_or_else(|| missing(which, path, &key))?,
            Value::Array(v) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| v.get(i))
                .ok_or_else(|| missing(which, path, &key))?,
            _ => bail!(
                "the {which} report's `{path}`: `{key}` is under a value that is not an object"
            ),
        };
    }
    Ok(Some(cur))
}

/// A number (or `null`) at a JSON Pointer.
fn number(doc: &Value, path: &str, which: &str) -> Result<Value> {
    match lookup(doc, path, which)? {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(v @ Value::Number(_)) => Ok(v.clone()),
        Some(v) => bail!("the {which} report's `{path}` is {v}, not a number"),
    }
}

fn delta(path: &str, before: Value, after: Value, direction: Direction) -> FigureDelta {
    let change = match (&before, &after) {
        (Value::Number(b), Value::Number(a)) => match (b.as_i64(), a.as_i64()) {
            (Some(b), Some(a)) => a
                .checked_sub(b)
                .map(Value::from)
                .unwrap_or_else(|| Value::from(a as f64 - b as f64)),
            _ => match (b.as_f64(), a.as_f64()) {
                (Some(b), Some(a)) => Value::from(a - b),
                _ => Value::Null,
            },
        },
        _ => Value::Null,
    };
    let verdict = match change.as_f64() {
        Some(d) if d != 0.0 && direction != Direction::Neutral => {
            if (d > 0.0) == (direction == Direction::HigherIsBetter) {
                Verdict::Better
            } else {
                Verdict::Worse
            }
        }
        _ => Verdict::Same,
    };
    FigureDelta {
        path: path.into(),
        before,
        after,
        change,
        verdict,
    }
}

/// Owner → breach rate, from `/ownership/owners`.
fn owner_rates(doc: &Value, which: &str) -> Result<BTreeMap<String, f64>> {
    let path = "/ownership/owners";
    let list = lookup(doc, path, which)?
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow::anyhow!("the {which} report's `{path}` is not a list"))?;
    let mut out = BTreeMap::new();
    for (i, row) in list.iter().enumerate() {
        let field = |key: &str| -> Result<&Value> {
            row.get(key)
                .ok_or_else(|| missing(which, &format!("{path}/{i}/{key}"), key))
        };
        let owner = field("owner")?.as_str().unwrap_or_default().to_string();
        let eligible = field("eligible")?.as_f64().unwrap_or(0.0);
        let breaches = field("breaches")?.as_f64().unwrap_or(0.0);
        let rate = if eligible > 0.0 {
            breaches / eligible
        } else {
            0.0
        };
        out.insert(owner, rate);
    }
    Ok(out)
}

fn owners(before: &Value, after: &Value) -> Result<Vec<OwnerDelta>> {
    let b = owner_rates(before, "before")?;
    let a = owner_rates(after, "after")?;
    let mut out: Vec<OwnerDelta> = a
        .iter()
        .filter_map(|(owner, &after_rate)| {
            let before_rate = *b.get(owner)?;
            let change = after_rate - before_rate;
            (change != 0.0).then(|| OwnerDelta {
                owner: owner.clone(),
                before_breach_rate: before_rate,
                after_breach_rate: after_rate,
                change,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.change
            .abs()
            .total_cmp(&x.change.abs())
            .then_with(|| x.owner.cmp(&y.owner))
    });
    out.truncate(TOP_OWNERS);
    Ok(out)
}

/// Finding ids from `/findings`, in report order.
fn finding_ids(doc: &Value, which: &str) -> Result<Vec<String>> {
    let path = "/findings";
    let list = lookup(doc, path, which)?
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow::anyhow!("the {which} report's `{path}` is not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, f)| {
            f.get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| missing(which, &format!("{path}/{i}/id"), "id"))
        })
        .collect()
}

fn findings(before: &Value, after: &Value) -> Result<FindingChanges> {
    let b = finding_ids(before, "before")?;
    let a = finding_ids(after, "after")?;
    let bs: BTreeSet<&String> = b.iter().collect();
    let as_: BTreeSet<&String> = a.iter().collect();
    Ok(FindingChanges {
        new: a.iter().filter(|id| !bs.contains(id)).cloned().collect(),
        persisting: a.iter().filter(|id| bs.contains(id)).cloned().collect(),
        resolved: b.iter().filter(|id| !as_.contains(id)).cloned().collect(),
    })
}

fn label(path: &str) -> &str {
    HEADLINE_FIGURES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map_or(path, |(_, l, _)| l)
}

/// A figure for people: rates as `42.8%`, hours as `8.6 h`, counts as written; `-` for null.
fn show(path: &str, v: &Value) -> String {
    let Some(x) = v.as_f64() else {
        return "-".into();
    };
    if is_rate(path) {
        format!("{:.1}%", x * 100.0)
    } else if path.contains("hours") {
        format!("{x:.1} h")
    } else {
        v.to_string()
    }
}

/// A change for people: `+1.2 pts`, `-3.0 h`, `+12`; `-` for null.
fn show_change(path: &str, v: &Value) -> String {
    let Some(x) = v.as_f64() else {
        return "-".into();
    };
    if x == 0.0 {
        return if is_rate(path) {
            "0.0 pts".into()
        } else if path.contains("hours") {
            "0.0 h".into()
        } else {
            "0".into()
        };
    }
    if is_rate(path) {
        format!("{:+.1} pts", x * 100.0)
    } else if path.contains("hours") {
        format!("{x:+.1} h")
    } else if x > 0.0 {
        format!("+{v}")
    } else {
        v.to_string()
    }
}

fn rate(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn ids(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The comparison as terminal tables.
pub fn render_table(c: &Comparison) -> String {
    let mut out = String::from("handoff compare · before → after\n");
    section(&mut out, "Figures");
    let mut t = table(&["Figure", "Before", "After", "Change", "Verdict"]);
    for f in &c.figures {
        t.add_row(vec![
            label(&f.path).to_string(),
            show(&f.path, &f.before),
            show(&f.path, &f.after),
            show_change(&f.path, &f.change),
            f.verdict.as_str().to_string(),
        ]);
    }
    push_table(&mut out, &t);

    section(&mut out, "Owners whose breach rate moved most");
    if c.owners.is_empty() {
        out.push_str("No owner present in both reports changed breach rate.\n");
    } else {
        let mut t = table(&["Owner", "Before", "After", "Change"]);
        for o in &c.owners {
            t.add_row(vec![
                o.owner.clone(),
                rate(o.before_breach_rate),
                rate(o.after_breach_rate),
                format!("{:+.1} pts", o.change * 100.0),
            ]);
        }
        push_table(&mut out, &t);
    }

    section(&mut out, "Findings");
    let f = &c.findings;
    let _ = writeln!(out, "New:        {}", ids(&f.new));
    let _ = writeln!(out, "Persisting: {}", ids(&f.persisting));
    let _ = writeln!(out, "Resolved:   {}", ids(&f.resolved));
    out
}

/// Escape a cell for a Markdown table.
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn md_ids(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The comparison as Markdown (for a pull request or the monthly review notes).
pub fn render_markdown(c: &Comparison) -> String {
    let mut out = String::from("# handoff compare\n\n## Figures\n\n");
    out.push_str("| Figure | Before | After | Change | Verdict |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    for f in &c.figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            label(&f.path),
            show(&f.path, &f.before),
            show(&f.path, &f.after),
            show_change(&f.path, &f.change),
            f.verdict.as_str()
        );
    }
    out.push_str("\n## Owners whose breach rate moved most\n\n");
    if c.owners.is_empty() {
        out.push_str("No owner present in both reports changed breach rate.\n");
    } else {
        out.push_str("| Owner | Before | After | Change |\n|---|---:|---:|---:|\n");
        for o in &c.owners {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:+.1} pts |",
                md(&o.owner),
                rate(o.before_breach_rate),
                rate(o.after_breach_rate),
                o.change * 100.0
            );
        }
    }
    let f = &c.findings;
    let _ = write!(
        out,
        "\n## Findings\n\n- New: {}\n- Persisting: {}\n- Resolved: {}\n",
        md_ids(&f.new),
        md_ids(&f.persisting),
        md_ids(&f.resolved)
    );
    out
}

/// The comparison as pretty JSON, newline-terminated.
pub fn render_json(c: &Comparison) -> Result<String> {
    let mut s = serde_json::to_string_pretty(c)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(
        follow: (u64, u64, f64, f64, f64),
        median: Value,
        owners: Value,
        findings: &[&str],
    ) -> Value {
        let (handed_over, eligible, follow_up_rate, sla_met_rate, breach_rate) = follow;
        json!({
            "as_of": "2026-10-31T23:59:59Z",
            "follow_up": {
                "handed_over": handed_over,
                "eligible": eligible,
                "follow_up_rate": follow_up_rate,
                "sla_met_rate": sla_met_rate,
                "breach_rate": breach_rate,
                "hours_to_first_touch": {"median": median, "p90": 40.0}
            },
            "ownership": {"unowned": 10, "unowned_breaches": 5, "owners": owners},
            "definition": {
                "mismatches": {
                    "mql_not_ready": 30, "ready_not_mql": 5,
                    "ready_rejected": 8, "not_ready_accepted": 2
                }
            },
            "feedback": {"coverage": 0.7},
            "data_quality": {"touches_before_handover": 3},
            "findings": findings.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()
        })
    }

    fn before() -> Value {
        report(
            (100, 90, 0.5, 0.4, 0.6),
            json!(10.0),
            json!([
                {"owner": "Ann", "eligible": 10, "breaches": 5},
                {"owner": "Bob", "eligible": 20, "breaches": 4},
                {"owner": "Cy", "eligible": 10, "breaches": 1},
                {"owner": "Gone", "eligible": 10, "breaches": 9}
            ]),
            &["low_follow_up", "unowned", "stale_definition"],
        )
    }

    fn after() -> Value {
        let mut a = report(
            (120, 110, 0.75, 0.6, 0.25),
            json!(4.5),
            json!([
                {"owner": "Ann", "eligible": 20, "breaches": 2},
                {"owner": "Bob", "eligible": 20, "breaches": 8},
                {"owner": "Cy", "eligible": 10, "breaches": 1},
                {"owner": "New", "eligible": 10, "breaches": 9}
            ]),
            &["reasons_missing", "unowned"],
        );
        a["ownership"]["unowned"] = json!(12);
        a["feedback"]["coverage"] = json!(0.65);
        a["definition"]["mismatches"]["mql_not_ready"] = json!(20);
        a
    }

    fn fig<'a>(c: &'a Comparison, path: &str) -> &'a FigureDelta {
        c.figures.iter().find(|f| f.path == path).unwrap()
    }

    fn close(v: &Value, x: f64) -> bool {
        (v.as_f64().unwrap() - x).abs() < 1e-12
    }

    #[test]
    fn deltas_are_after_minus_before() {
        let c = compare(&before(), &after()).unwrap();
        assert_eq!(c.figures.len(), HEADLINE_FIGURES.len());

        let f = fig(&c, "/follow_up/handed_over");
        assert_eq!(
            (&f.before, &f.after, &f.change),
            (&json!(100), &json!(120), &json!(20))
        );
        assert_eq!(f.verdict, Verdict::Same, "a volume is neutral");

        let f = fig(&c, "/follow_up/follow_up_rate");
        assert!(close(&f.change, 0.25));
        assert_eq!(f.verdict, Verdict::Better);

        let f = fig(&c, "/follow_up/breach_rate");
        assert!(close(&f.change, -0.35));
        assert_eq!(f.verdict, Verdict::Better);

        let f = fig(&c, "/follow_up/hours_to_first_touch/median");
        assert!(close(&f.change, -5.5));
        assert_eq!(f.verdict, Verdict::Better);

        let f = fig(&c, "/follow_up/hours_to_first_touch/p90");
        assert_eq!((f.change.as_f64(), f.verdict), (Some(0.0), Verdict::Same));

        let f = fig(&c, "/ownership/unowned");
        assert_eq!((&f.change, f.verdict), (&json!(2), Verdict::Worse));

        let f = fig(&c, "/feedback/coverage");
        assert!(close(&f.change, -0.05));
        assert_eq!(f.verdict, Verdict::Worse);

        let f = fig(&c, "/definition/mismatches/mql_not_ready");
        assert_eq!((&f.change, f.verdict), (&json!(-10), Verdict::Better));
    }

    #[test]
    fn owners_present_in_both_sorted_by_movement() {
        let c = compare(&before(), &after()).unwrap();
        // Ann 0.5 → 0.1 (−0.4), Bob 0.2 → 0.4 (+0.2), Cy unchanged, Gone/New in one only.
        let names: Vec<&str> = c.owners.iter().map(|o| o.owner.as_str()).collect();
        assert_eq!(names, ["Ann", "Bob"]);
        assert!((c.owners[0].change - -0.4).abs() < 1e-12);
        assert_eq!(c.owners[0].before_breach_rate, 0.5);
        assert_eq!(c.owners[0].after_breach_rate, 0.1);
        assert!((c.owners[1].change - 0.2).abs() < 1e-12);
    }

    #[test]
    fn owners_capped_at_ten() {
        let list = |k: u64| {
            Value::Array(
                (0..15u64)
                    .map(|i| json!({"owner": format!("o{i:02}"), "eligible": 100, "breaches": i * k}))
                    .collect(),
            )
        };
        let b = report((1, 1, 0.5, 0.5, 0.5), json!(1.0), list(1), &[]);
        let a = report((1, 1, 0.5, 0.5, 0.5), json!(1.0), list(2), &[]);
        let c = compare(&b, &a).unwrap();
        assert_eq!(c.owners.len(), TOP_OWNERS);
        assert_eq!(c.owners[0].owner, "o14");
        assert_eq!(c.owners[9].owner, "o05");
    }

    #[test]
    fn findings_new_persisting_resolved() {
        let c = compare(&before(), &after()).unwrap();
        assert_eq!(c.findings.new, ["reasons_missing"]);
        assert_eq!(c.findings.persisting, ["unowned"]);
        assert_eq!(c.findings.resolved, ["low_follow_up", "stale_definition"]);
    }

    #[test]
    fn refuses_a_report_missing_breach_rate() {
        let mut b = before();
        b["follow_up"]
            .as_object_mut()
            .unwrap()
            .remove("breach_rate");
        let err = compare(&b, &after()).unwrap_err().to_string();
        assert!(err.contains("before report"), "{err}");
        assert!(err.contains("/follow_up/breach_rate"), "{err}");
        let err = compare(&after(), &b).unwrap_err().to_string();
        assert!(err.contains("after report"), "{err}");
    }

    #[test]
    fn refuses_a_report_without_findings_or_owners() {
        let mut a = after();
        a.as_object_mut().unwrap().remove("findings");
        let err = compare(&before(), &a).unwrap_err().to_string();
        assert!(err.contains("`/findings`"), "{err}");
        let mut a = after();
        a["ownership"]["owners"][1]
            .as_object_mut()
            .unwrap()
            .remove("breaches");
        let err = compare(&before(), &a).unwrap_err().to_string();
        assert!(err.contains("/ownership/owners/1/breaches"), "{err}");
        assert!(compare(&json!([1]), &a).is_err());
        let mut a = after();
        a["follow_up"]["breach_rate"] = json!("high");
        assert!(
            compare(&before(), &a)
                .unwrap_err()
                .to_string()
                .contains("not a number")
        );
    }

    #[test]
    fn null_figures_compare_as_same() {
        let mut b = before();
        b["definition"] = Value::Null;
        let a = report((1, 1, 0.5, 0.5, 0.5), Value::Null, json!([]), &[]);
        let c = compare(&b, &a).unwrap();
        let f = fig(&c, "/definition/mismatches/ready_rejected");
        assert_eq!(
            (&f.before, &f.after, &f.change),
            (&Value::Null, &json!(8), &Value::Null)
        );
        assert_eq!(f.verdict, Verdict::Same);
        let f = fig(&c, "/follow_up/hours_to_first_touch/median");
        assert_eq!(
            (&f.after, &f.change, f.verdict),
            (&Value::Null, &Value::Null, Verdict::Same)
        );
    }

    #[test]
    fn regressions_are_rates_worse_by_more_than_the_tolerance() {
        let c = compare(&before(), &after()).unwrap();
        // Coverage fell 5 points; unowned (a count) rose but is not a rate.
        let r: Vec<&str> = regressions(&c, 0.02)
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(r, ["/feedback/coverage"]);
        assert!(
            regressions(&c, 0.05).is_empty(),
            "exactly the tolerance is not more"
        );
        // Breach rate 0.20 → 0.22: exactly 2 points, despite float noise.
        let b = report((1, 1, 0.5, 0.5, 0.2), json!(1.0), json!([]), &[]);
        let a = report((1, 1, 0.5, 0.5, 0.22), json!(1.0), json!([]), &[]);
        let c = compare(&b, &a).unwrap();
        assert!(regressions(&c, 0.02).is_empty());
        let a = report((1, 1, 0.5, 0.5, 0.23), json!(1.0), json!([]), &[]);
        let c = compare(&b, &a).unwrap();
        let r = regressions(&c, 0.02);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].path, "/follow_up/breach_rate");
        // Nothing worsened.
        let c = compare(&b, &b).unwrap();
        assert!(regressions(&c, 0.0).is_empty());
        assert!(c.figures.iter().all(|f| f.verdict == Verdict::Same));
    }

    #[test]
    fn json_has_the_spec_shape() {
        let c = compare(&before(), &after()).unwrap();
        let v: Value = serde_json::from_str(&render_json(&c).unwrap()).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["figures", "findings", "owners"]);
        let f = &v["figures"][2];
        assert_eq!(f["path"], "/follow_up/follow_up_rate");
        assert_eq!(f["verdict"], "better");
        for k in ["path", "before", "after", "change", "verdict"] {
            assert!(f.get(k).is_some(), "{k}");
        }
        assert_eq!(v["findings"]["new"], json!(["reasons_missing"]));
        assert_eq!(v["owners"][0]["owner"], "Ann");
        let back: Comparison = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn compares_reports_written_by_this_version() {
        let mut r = crate::audit::findings::tests::healthy();
        let b = serde_json::to_value(&r).unwrap();
        r.follow_up.breach_rate = 0.5;
        r.ownership.owners[0].breaches = 20;
        let a = serde_json::to_value(&r).unwrap();
        let c = compare(&b, &a).unwrap();
        assert_eq!(regressions(&c, 0.02).len(), 1);
        assert_eq!(c.owners.len(), 1);
    }

    #[test]
    fn renderers_show_every_section() {
        let c = compare(&before(), &after()).unwrap();
        let t = render_table(&c);
        for s in [
            "Follow-up rate",
            "50.0%",
            "75.0%",
            "+25.0 pts",
            "better",
            "Ann",
            "-40.0 pts",
        ] {
            assert!(t.contains(s), "{s} in\n{t}");
        }
        assert!(t.contains("New:        reasons_missing"));
        assert!(t.contains("Resolved:   low_follow_up, stale_definition"));
        let m = render_markdown(&c);
        assert!(
            m.contains("| Follow-up rate | 50.0% | 75.0% | +25.0 pts | better |"),
            "{m}"
        );
        assert!(
            m.contains("| Handed over (MQLs) | 100 | 120 | +20 | same |"),
            "{m}"
        );
        assert!(m.contains("- Persisting: `unowned`"));
        assert_eq!(md("a|b"), "a\\|b");
    }
}
