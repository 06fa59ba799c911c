//! Findings: the ranked diagnosis that opens every report (SPEC "JSON report", `findings`).
//!
//! Every finding is computed from the figures of a finished [`Report`] and nothing else, so a
//! reader can check it against the report itself: each [`Evidence`] names a figure by its JSON
//! Pointer (RFC 6901) and carries the value found there, taken from the serialized report.
//!
//! A finding tests one rate against one limit (SPEC rule 16: a `min_` limit fails when the rate
//! is below it, a `max_` limit when it is above; equal passes). The limit comes from the
//! config's `[findings]` table, else from the matching `[thresholds]` key, else from its default
//! ([`DEFAULTS`]). A rate whose denominator is 0 has nothing to judge and raises no finding.
//! The limit is reported on the first evidence item, the figure the finding rests on; when the
//! tested rate is not itself a figure of the report, the headline spells it out and the
//! following evidence items hold its denominator.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::figures::{Month, Report};
use crate::config::Thresholds;

/// One finding: what is wrong, how many leads it touches, the figures it rests on, what to do.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    /// Stable id, e.g. `low_follow_up`.
    pub id: String,
    /// `follow_up`, `ownership`, `definition`, `feedback` or `data`.
    pub area: String,
    /// One sentence in plain words, with the figure in it.
    pub headline: String,
    /// Leads affected; the ranking key.
    pub leads: u64,
    /// The figures the finding rests on.
    pub evidence: Vec<Evidence>,
    /// The change the finding calls for.
    pub action: String,
}

/// A figure a finding rests on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    /// JSON Pointer (RFC 6901) into the same report.
    pub path: String,
    /// The value at `path`, exactly as the report holds it.
    pub value: Value,
    /// The limit the finding held the figure to (`null` for context figures).
    pub limit: Option<f64>,
}

/// The `[findings]` table of the config: one optional limit per finding.
///
/// Every key is optional; an unset key falls back to the `[thresholds]` key of the same name
/// when there is one, then to [`DEFAULTS`]. Unknown keys are an error.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FindingLimits {
    /// `low_follow_up`: lowest acceptable `follow_up.follow_up_rate`.
    pub min_follow_up_rate: Option<f64>,
    /// `breaches_concentrated`: highest acceptable share of all SLA breaches held by one owner.
    pub max_owner_breach_share: Option<f64>,
    /// `breaches_concentrated`: fewest breaches an owner must hold for the finding to be raised.
    pub min_owner_breaches: Option<f64>,
    /// `unowned`: highest acceptable `ownership.unowned / follow_up.eligible`.
    pub max_unowned_rate: Option<f64>,
    /// `mql_not_ready`: highest acceptable `mql_not_ready / follow_up.handed_over`.
    pub max_mql_not_ready_rate: Option<f64>,
    /// `ready_rejected`: highest acceptable `ready_rejected / definition.ready`.
    pub max_ready_rejected_rate: Option<f64>,
    /// `low_disposition_coverage`: lowest acceptable `feedback.coverage`.
    pub min_disposition_coverage: Option<f64>,
    /// `reasons_missing`: highest acceptable `rejected_without_reason / rejected`.
    pub max_reasons_missing_rate: Option<f64>,
    /// `late_handover_timestamps`: highest acceptable
    /// `touches_before_handover / follow_up.handed_over`.
    pub max_touches_before_handover_rate: Option<f64>,
    /// `worsening`: largest acceptable month-on-month fall of the follow-up rate or rise of the
    /// breach rate, absolute.
    pub max_monthly_worsening: Option<f64>,
}

impl FindingLimits {
    /// Check that every limit set is a sensible number: rates and shares in [0, 1],
    /// `min_owner_breaches` a whole number ≥ 0. The error names the key and what to change.
    pub fn validate(&self) -> anyhow::Result<()> {
        let rates = [
            ("min_follow_up_rate", self.min_follow_up_rate),
            ("max_owner_breach_share", self.max_owner_breach_share),
            ("max_unowned_rate", self.max_unowned_rate),
            ("max_mql_not_ready_rate", self.max_mql_not_ready_rate),
            ("max_ready_rejected_rate", self.max_ready_rejected_rate),
            ("min_disposition_coverage", self.min_disposition_coverage),
            ("max_reasons_missing_rate", self.max_reasons_missing_rate),
            (
                "max_touches_before_handover_rate",
                self.max_touches_before_handover_rate,
            ),
            ("max_monthly_worsening", self.max_monthly_worsening),
        ];
        for (key, v) in rates {
            if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
                anyhow::bail!(
                    "[findings] {key} = {v}: a rate is a fraction between 0 and 1 (write 0.35 for 35%)"
                );
            }
        }
        let whole = |v: &f64| *v >= 0.0 && v.is_finite() && v.fract() == 0.0;
        if let Some(v) = self.min_owner_breaches.filter(|v| !whole(v)) {
            anyhow::bail!(
                "[findings] min_owner_breaches = {v}: write a whole number of breaches, e.g. 5"
            );
        }
        Ok(())
    }
}

/// The limits in force, after `[findings]` → `[thresholds]` → default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolvedLimits {
    /// See [`FindingLimits::min_follow_up_rate`].
    pub min_follow_up_rate: f64,
    /// See [`FindingLimits::max_owner_breach_share`].
    pub max_owner_breach_share: f64,
    /// See [`FindingLimits::min_owner_breaches`].
    pub min_owner_breaches: f64,
    /// See [`FindingLimits::max_unowned_rate`].
    pub max_unowned_rate: f64,
    /// See [`FindingLimits::max_mql_not_ready_rate`].
    pub max_mql_not_ready_rate: f64,
    /// See [`FindingLimits::max_ready_rejected_rate`].
    pub max_ready_rejected_rate: f64,
    /// See [`FindingLimits::min_disposition_coverage`].
    pub min_disposition_coverage: f64,
    /// See [`FindingLimits::max_reasons_missing_rate`].
    pub max_reasons_missing_rate: f64,
    /// See [`FindingLimits::max_touches_before_handover_rate`].
    pub max_touches_before_handover_rate: f64,
    /// See [`FindingLimits::max_monthly_worsening`].
    pub max_monthly_worsening: f64,
}

/// The default limits.
pub const DEFAULTS: ResolvedLimits = ResolvedLimits {
    min_follow_up_rate: 0.35,
    max_owner_breach_share: 0.25,
    min_owner_breaches: 5.0,
    max_unowned_rate: 0.05,
    max_mql_not_ready_rate: 0.25,
    max_ready_rejected_rate: 0.10,
    min_disposition_coverage: 0.80,
    max_reasons_missing_rate: 0.10,
    max_touches_before_handover_rate: 0.05,
    max_monthly_worsening: 0.05,
};

impl Default for ResolvedLimits {
    fn default() -> Self {
        DEFAULTS
    }
}

/// Resolve every limit: the `[findings]` key, else the `[thresholds]` key of the same name
/// (`min_follow_up_rate`, `max_unowned_rate`, `max_mql_not_ready_rate`,
/// `min_disposition_coverage`), else the default.
pub fn limits(findings: &FindingLimits, thresholds: &Thresholds) -> ResolvedLimits {
    let d = DEFAULTS;
    let pick = |f: Option<f64>, t: Option<f64>, d: f64| f.or(t).unwrap_or(d);
    ResolvedLimits {
        min_follow_up_rate: pick(
            findings.min_follow_up_rate,
            thresholds.min_follow_up_rate,
            d.min_follow_up_rate,
        ),
        max_owner_breach_share: pick(
            findings.max_owner_breach_share,
            None,
            d.max_owner_breach_share,
        ),
        min_owner_breaches: pick(findings.min_owner_breaches, None, d.min_owner_breaches),
        max_unowned_rate: pick(
            findings.max_unowned_rate,
            thresholds.max_unowned_rate,
            d.max_unowned_rate,
        ),
        max_mql_not_ready_rate: pick(
            findings.max_mql_not_ready_rate,
            thresholds.max_mql_not_ready_rate,
            d.max_mql_not_ready_rate,
        ),
        max_ready_rejected_rate: pick(
            findings.max_ready_rejected_rate,
            None,
            d.max_ready_rejected_rate,
        ),
        min_disposition_coverage: pick(
            findings.min_disposition_coverage,
            thresholds.min_disposition_coverage,
            d.min_disposition_coverage,
        ),
        max_reasons_missing_rate: pick(
            findings.max_reasons_missing_rate,
            None,
            d.max_reasons_missing_rate,
        ),
        max_touches_before_handover_rate: pick(
            findings.max_touches_before_handover_rate,
            None,
            d.max_touches_before_handover_rate,
        ),
        max_monthly_worsening: pick(
            findings.max_monthly_worsening,
            None,
            d.max_monthly_worsening,
        ),
    }
}

/// A JSON Pointer (RFC 6901) from reference tokens: each token is prefixed with `/`, with `~`
/// written `~0` and `/` written `~1`.
pub fn pointer<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for t in tokens {
        out.push('/');
        out.push_str(&t.as_ref().replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// Sort findings as SPEC ranks them: `leads` descending, then `id`.
pub fn rank(findings: &mut [Finding]) {
    findings.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.id.cmp(&b.id)));
}

/// Compute the findings of a report, ranked. A healthy report gives an empty list.
pub fn compute(r: &Report, limits: &ResolvedLimits) -> Vec<Finding> {
    let doc = serde_json::to_value(r).unwrap_or_default();
    let b = Builder { doc: &doc };
    let mut out: Vec<Finding> = [
        low_follow_up(r, limits, &b),
        breaches_concentrated(r, limits, &b),
        unowned(r, limits, &b),
        mql_not_ready(r, limits, &b),
        ready_rejected(r, limits, &b),
        low_disposition_coverage(r, limits, &b),
        reasons_missing(r, limits, &b),
        stale_definition(r, &b),
        late_handover_timestamps(r, limits, &b),
        worsening(r, limits, &b),
    ]
    .into_iter()
    .flatten()
    .collect();
    rank(&mut out);
    out
}

/// Builds evidence from the serialized report, so `value` is the figure at `path`.
struct Builder<'a> {
    doc: &'a Value,
}

impl Builder<'_> {
    fn ev<S: AsRef<str>>(&self, tokens: &[S], limit: Option<f64>) -> Evidence {
        let path = pointer(tokens);
        let value = self.doc.pointer(&path).cloned().unwrap_or(Value::Null);
        debug_assert!(self.doc.pointer(&path).is_some(), "no figure at {path}");
        Evidence { path, value, limit }
    }
}

fn finding(
    id: &str,
    area: &str,
    headline: String,
    leads: u64,
    evidence: Vec<Evidence>,
    action: String,
) -> Option<Finding> {
    Some(Finding {
        id: id.into(),
        area: area.into(),
        headline,
        leads,
        evidence,
        action,
    })
}

/// `n / d`, 0 when `d` is 0 (SPEC: every rate is 0 when its denominator is 0).
fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// A limit as a percentage, without needless decimals: `35%`, `12.5%`.
fn pct_limit(x: f64) -> String {
    let s = format!("{:.4}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// A rate next to its limit: one decimal, more when one decimal would print the limit itself
/// (`34.99%` against `35%`, not `35.0%`).
fn pct_near(x: f64, limit: f64) -> String {
    for decimals in 1..=4 {
        let a = format!("{:.*}", decimals, x * 100.0);
        let b = format!("{:.*}", decimals, limit * 100.0);
        if a != b || decimals == 4 {
            return format!("{a}%");
        }
    }
    unreachable!()
}

/// A rate with one decimal: `42.8%`.
fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn low_follow_up(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let f = &r.follow_up;
    let limit = l.min_follow_up_rate;
    if f.eligible == 0 || f.follow_up_rate >= limit {
        return None;
    }
    finding(
        "low_follow_up",
        "follow_up",
        format!(
            "Sales followed up on {} of {} whose SLA window has closed, below the agreed {}; {} never touched.",
            pct_near(f.follow_up_rate, limit),
            plural(f.eligible, "handed-over lead", "handed-over leads"),
            pct_limit(limit),
            if f.never == 1 {
                "1 was".to_string()
            } else {
                format!("{} were", f.never)
            },
        ),
        f.never,
        vec![
            b.ev(&["follow_up", "follow_up_rate"], Some(limit)),
            b.ev(&["follow_up", "never"], None),
            b.ev(&["follow_up", "eligible"], None),
        ],
        format!(
            "Route every MQL to a named rep with a follow-up task due within the SLA, and work through the {} untouched leads with their owners now.",
            f.never
        ),
    )
}

fn breaches_concentrated(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let total = r.follow_up.breaches;
    // The owner with the most breaches; ties go to the first in report order (by name).
    let (i, o) = r
        .ownership
        .owners
        .iter()
        .enumerate()
        .rev()
        .max_by_key(|(_, o)| o.breaches)?;
    let limit = l.max_owner_breach_share;
    let share = ratio(o.breaches, total);
    if total == 0 || (o.breaches as f64) < l.min_owner_breaches || share <= limit {
        return None;
    }
    let idx = i.to_string();
    finding(
        "breaches_concentrated",
        "ownership",
        format!(
            "{} holds {} of the {} SLA breaches ({}), more than the {} one owner should hold.",
            o.owner,
            o.breaches,
            total,
            pct_near(share, limit),
            pct_limit(limit),
        ),
        o.breaches,
        vec![
            b.ev(&["ownership", "owners", &idx, "breaches"], Some(limit)),
            b.ev(&["follow_up", "breaches"], None),
            b.ev(&["ownership", "owners", &idx, "owner"], None),
            b.ev(&["ownership", "owners", &idx, "eligible"], None),
        ],
        format!(
            "Rebalance {}'s lead assignment or add capacity, and have their manager review the {} breached leads.",
            o.owner, o.breaches
        ),
    )
}

fn unowned(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let f = &r.follow_up;
    let o = &r.ownership;
    let limit = l.max_unowned_rate;
    let share = ratio(o.unowned, f.eligible);
    if o.unowned == 0 || share <= limit {
        return None;
    }
    let owned = f.eligible.saturating_sub(o.unowned);
    let owned_breaches = f.breaches.saturating_sub(o.unowned_breaches);
    let against = if owned == 0 {
        "no eligible handoff had an owner".to_string()
    } else {
        format!(
            "against {} of owned ones",
            pct(ratio(owned_breaches, owned))
        )
    };
    finding(
        "unowned",
        "ownership",
        format!(
            "{} of {} eligible handoffs ({}) have no owner, above the {} limit, and {} of them breached the SLA {}.",
            o.unowned,
            f.eligible,
            pct_near(share, limit),
            pct_limit(limit),
            pct(ratio(o.unowned_breaches, o.unowned)),
            against,
        ),
        o.unowned,
        vec![
            b.ev(&["ownership", "unowned"], Some(limit)),
            b.ev(&["follow_up", "eligible"], None),
            b.ev(&["ownership", "unowned_breaches"], None),
            b.ev(&["follow_up", "breaches"], None),
        ],
        "Assign every lead to a named rep at handover (round-robin or territory rules) and empty the queues and \"Unassigned\" buckets within the SLA.".to_string(),
    )
}

fn mql_not_ready(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let def = r.definition.as_ref()?;
    let handed = r.follow_up.handed_over;
    let n = def.mismatches.mql_not_ready;
    let limit = l.max_mql_not_ready_rate;
    let share = ratio(n, handed);
    if handed == 0 || share <= limit {
        return None;
    }
    let mut evidence = vec![
        b.ev(&["definition", "mismatches", "mql_not_ready"], Some(limit)),
        b.ev(&["follow_up", "handed_over"], None),
    ];
    // The criterion failed most; ties go to the first in the definition's order.
    let top = def
        .failing_criteria
        .iter()
        .enumerate()
        .rev()
        .max_by_key(|(_, c)| c.count)
        .filter(|(_, c)| c.count > 0);
    let mut headline = format!(
        "{} of the {} handed-over leads ({}) do not meet the written sales-ready definition, above the {} limit",
        n,
        handed,
        pct_near(share, limit),
        pct_limit(limit),
    );
    let mut action = String::from(
        "Make the MAP check the written definition before it sets the MQL flag, or revise the definition with sales",
    );
    if let Some((i, c)) = top {
        let idx = i.to_string();
        evidence.push(b.ev(&["definition", "failing_criteria", &idx, "id"], None));
        evidence.push(b.ev(&["definition", "failing_criteria", &idx, "count"], None));
        headline.push_str(&format!("; most fail \"{}\" ({} leads)", c.id, c.count));
        action = format!(
            "Make the MAP check \"{}\" before it sets the MQL flag, or revise that criterion with sales if it no longer describes a ready lead",
            c.id
        );
        if let Some(&bad) = r.data_quality.unparsable.get(&c.id).filter(|n| **n > 0) {
            evidence.push(b.ev(&["data_quality", "unparsable", c.id.as_str()], None));
            action.push_str(&format!(
                "; first fix the {} whose \"{}\" value could not be read as a number (see the warnings)",
                plural(bad, "lead", "leads"),
                c.id
            ));
        }
    }
    headline.push('.');
    action.push('.');
    finding("mql_not_ready", "definition", headline, n, evidence, action)
}

fn ready_rejected(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let def = r.definition.as_ref()?;
    let n = def.mismatches.ready_rejected;
    let limit = l.max_ready_rejected_rate;
    let share = ratio(n, def.ready);
    if def.ready == 0 || share <= limit {
        return None;
    }
    let mut evidence = vec![
        b.ev(&["definition", "mismatches", "ready_rejected"], Some(limit)),
        b.ev(&["definition", "ready"], None),
    ];
    let mut headline = format!(
        "Sales rejected {} of the {} leads that meet the written definition ({}), above the {} limit",
        n,
        def.ready,
        pct_near(share, limit),
        pct_limit(limit),
    );
    let action;
    if let Some(top) = r.feedback.reasons.first() {
        evidence.push(b.ev(&["feedback", "reasons", "0", "value"], None));
        evidence.push(b.ev(&["feedback", "reasons", "0", "count"], None));
        headline.push_str(&format!(
            "; the most common rejection reason is \"{}\" ({}).",
            top.value,
            plural(top.count, "rejected handoff", "rejected handoffs"),
        ));
        action = format!(
            "Review these rejections with sales: add a criterion to the definition that catches \"{}\", or agree that sales applies the definition as written.",
            top.value
        );
    } else {
        headline.push_str("; no rejection reason was logged.");
        action = "Review these rejections with sales and have them log a reason, then add the missing criterion to the definition or agree that sales applies it as written.".to_string();
    }
    finding(
        "ready_rejected",
        "definition",
        headline,
        n,
        evidence,
        action,
    )
}

fn low_disposition_coverage(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let fb = &r.feedback;
    let limit = l.min_disposition_coverage;
    if fb.eligible == 0 || fb.coverage >= limit {
        return None;
    }
    let missing = fb.eligible.saturating_sub(fb.dispositioned);
    finding(
        "low_disposition_coverage",
        "feedback",
        format!(
            "Sales logged an accepted or rejected verdict on {} of eligible handoffs, below the agreed {}; {} have none.",
            pct_near(fb.coverage, limit),
            pct_limit(limit),
            missing,
        ),
        missing,
        vec![
            b.ev(&["feedback", "coverage"], Some(limit)),
            b.ev(&["feedback", "dispositioned"], None),
            b.ev(&["feedback", "eligible"], None),
        ],
        "Make a disposition (accepted, or rejected with a reason) a required step in the CRM within the SLA, and review leads without one every week.".to_string(),
    )
}

fn reasons_missing(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let fb = &r.feedback;
    let n = fb.rejected_without_reason;
    let limit = l.max_reasons_missing_rate;
    let share = ratio(n, fb.rejected);
    if fb.rejected == 0 || share <= limit {
        return None;
    }
    finding(
        "reasons_missing",
        "feedback",
        format!(
            "{} of the {} rejected handoffs ({}) have no rejection reason, above the {} limit.",
            n,
            fb.rejected,
            pct_near(share, limit),
            pct_limit(limit),
        ),
        n,
        vec![
            b.ev(&["feedback", "rejected_without_reason"], Some(limit)),
            b.ev(&["feedback", "rejected"], None),
        ],
        "Make the rejection reason a required field (a picklist) whenever sales rejects a lead, so marketing can learn from every rejection.".to_string(),
    )
}

fn stale_definition(r: &Report, b: &Builder) -> Option<Finding> {
    let def = r.definition.as_ref()?;
    if !def.stale {
        return None;
    }
    let headline = match &def.reviewed {
        Some(d) => format!(
            "The sales-ready definition \"{}\" (version {}) was last reviewed on {d} and is overdue for review.",
            def.name, def.version
        ),
        None => format!(
            "The sales-ready definition \"{}\" (version {}) has no review date, so nobody knows whether sales still agrees with it.",
            def.name, def.version
        ),
    };
    finding(
        "stale_definition",
        "definition",
        headline,
        r.follow_up.handed_over,
        vec![
            b.ev(&["definition", "stale"], None),
            b.ev(&["definition", "reviewed"], None),
            b.ev(&["follow_up", "handed_over"], None),
        ],
        "Review the definition with the heads of sales and marketing, then record the date in `reviewed` of the definition file.".to_string(),
    )
}

fn late_handover_timestamps(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let handed = r.follow_up.handed_over;
    let n = r.data_quality.touches_before_handover;
    let limit = l.max_touches_before_handover_rate;
    let share = ratio(n, handed);
    if handed == 0 || share <= limit {
        return None;
    }
    finding(
        "late_handover_timestamps",
        "data",
        format!(
            "{} of the {} handed-over leads ({}) were touched by sales before their handover time, above the {} limit, which suggests the handover is stamped late.",
            n,
            handed,
            pct_near(share, limit),
            pct_limit(limit),
        ),
        n,
        vec![
            b.ev(&["data_quality", "touches_before_handover"], Some(limit)),
            b.ev(&["follow_up", "handed_over"], None),
        ],
        "Check how the MAP sets the handover date (a nightly sync or a later status change) and stamp it when the lead actually reaches sales; until then, speed-to-lead figures are too kind.".to_string(),
    )
}

/// `a/b − c/d`, computed from exact integer cross products so that a difference equal to a
/// decimal limit compares equal to it.
fn rate_diff(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let num = i128::from(a) * i128::from(d) - i128::from(c) * i128::from(b);
    num as f64 / (i128::from(b) * i128::from(d)) as f64
}

fn worsening(r: &Report, l: &ResolvedLimits, b: &Builder) -> Option<Finding> {
    let mut judged = r
        .months
        .iter()
        .enumerate()
        .filter(|(_, m)| m.eligible > 0)
        .rev();
    let (j, last) = judged.next()?;
    let (i, prev) = judged.next()?;
    let limit = l.max_monthly_worsening;
    let rate = |m: &Month, n: u64| ratio(n, m.eligible);
    // Fall of the follow-up rate and rise of the breach rate, previous → latest.
    let fall = rate_diff(
        prev.followed_up,
        prev.eligible,
        last.followed_up,
        last.eligible,
    );
    let rise = rate_diff(last.breaches, last.eligible, prev.breaches, prev.eligible);
    let follow = fall > limit;
    let breach = rise > limit;
    if !follow && !breach {
        return None;
    }
    let (ji, ii) = (j.to_string(), i.to_string());
    let follow_txt = format!(
        "the follow-up rate fell from {} to {}",
        pct(rate(prev, prev.followed_up)),
        pct(rate(last, last.followed_up))
    );
    let breach_txt = format!(
        "the breach rate rose from {} to {}",
        pct(rate(prev, prev.breaches)),
        pct(rate(last, last.breaches))
    );
    let points = pct_limit(limit).trim_end_matches('%').to_string();
    let what = match (follow, breach) {
        (true, true) => format!("{follow_txt} and {breach_txt}"),
        (true, false) => format!("{follow_txt} ({} points)", pct(fall).trim_end_matches('%')),
        _ => format!("{breach_txt} ({} points)", pct(rise).trim_end_matches('%')),
    };
    let headline = format!(
        "From {} to {} {what}, more than the {points}-point limit.",
        prev.month, last.month
    );
    let first = if follow { "followed_up" } else { "breaches" };
    let second = if follow { "breaches" } else { "followed_up" };
    let evidence = vec![
        b.ev(&["months", &ji, first], Some(limit)),
        b.ev(&["months", &ji, second], None),
        b.ev(&["months", &ji, "eligible"], None),
        b.ev(&["months", &ji, "month"], None),
        b.ev(&["months", &ii, "followed_up"], None),
        b.ev(&["months", &ii, "breaches"], None),
        b.ev(&["months", &ii, "eligible"], None),
        b.ev(&["months", &ii, "month"], None),
    ];
    finding(
        "worsening",
        "follow_up",
        headline,
        last.eligible,
        evidence,
        format!(
            "Find out with the sales manager what changed in {} (staffing, routing rules, a campaign's volume) and fix it before the next month closes.",
            last.month
        ),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::audit::figures::*;
    use std::collections::BTreeMap;

    fn owner(name: &str, eligible: u64, breaches: u64) -> OwnerRow {
        OwnerRow {
            owner: name.into(),
            eligible,
            followed_up: eligible - breaches / 2,
            within_sla: eligible - breaches,
            breaches,
            dispositioned: eligible,
        }
    }

    fn month(m: &str, eligible: u64, followed_up: u64, breaches: u64) -> Month {
        Month {
            month: m.into(),
            handed_over: eligible,
            eligible,
            followed_up,
            breaches,
            dispositioned: eligible,
            mql_not_ready: 0,
        }
    }

    /// A report where nothing is wrong: every finding is well inside its default limit.
    pub(crate) fn healthy() -> Report {
        Report {
            as_of: "2026-11-30T23:59:59Z".into(),
            as_of_source: "config".into(),
            sla: Sla {
                hours: 48.0,
                clock: "calendar".into(),
            },
            inputs: Inputs {
                marketing: InputFile {
                    path: "m.csv".into(),
                    rows: 250,
                    skipped: 0,
                    footer_lines: 0,
                },
                crm: InputFile {
                    path: "c.csv".into(),
                    rows: 200,
                    skipped: 0,
                    footer_lines: 0,
                },
                activities: None,
            },
            follow_up: FollowUp {
                handed_over: 200,
                in_window: 0,
                eligible: 200,
                followed_up: 180,
                within_sla: 170,
                late: 10,
                never: 20,
                breaches: 30,
                follow_up_rate: 0.9,
                sla_met_rate: 0.85,
                breach_rate: 0.15,
                hours_to_first_touch: Quantiles {
                    median: Some(2.5),
                    p90: Some(30.0),
                },
                buckets: vec![],
                ..FollowUp::default()
            },
            ownership: Ownership {
                unowned: 4,
                unowned_breaches: 1,
                owners: vec![
                    owner("Ann", 48, 7),
                    owner("Bob", 48, 7),
                    owner("Cy", 48, 7),
                    owner("Di", 48, 7),
                    owner("Ed", 4, 1),
                ],
                ..Ownership::default()
            },
            definition: Some(DefinitionFigures {
                name: "Sales-ready lead".into(),
                version: "2026-Q4".into(),
                reviewed: Some("2026-10-01".into()),
                stale: false,
                evaluated: 250,
                ready: 200,
                mismatches: Mismatches {
                    mql_not_ready: 20,
                    ready_not_mql: 20,
                    ready_rejected: 10,
                    not_ready_accepted: 3,
                },
                failing_criteria: vec![
                    CriterionCount {
                        id: "budget".into(),
                        count: 12,
                    },
                    CriterionCount {
                        id: "size".into(),
                        count: 12,
                    },
                ],
                crosstab: vec![],
            }),
            feedback: Feedback {
                eligible: 200,
                dispositioned: 180,
                coverage: 0.9,
                rejected: 40,
                rejected_without_reason: 2,
                dispositions: vec![],
                reasons: vec![
                    ValueCount {
                        value: "No budget".into(),
                        count: 30,
                    },
                    ValueCount {
                        value: "Student".into(),
                        count: 8,
                    },
                ],
            },
            months: vec![
                month("2026-09", 100, 90, 15),
                month("2026-10", 100, 90, 15),
                month("2026-11", 0, 0, 0),
            ],
            data_quality: DataQuality {
                duplicate_keys: DuplicateKeys {
                    marketing: 0,
                    crm: 0,
                },
                marketing_without_crm: 0,
                activities_without_marketing: 0,
                touches_before_handover: 2,
                skipped_rows: vec![],
                skipped_rows_total: 0,
                unparsable: BTreeMap::new(),
            },
            warnings: vec![],
            findings: vec![],
        }
    }

    /// Findings with every evidence value checked against the serialized report.
    fn run(r: &Report) -> Vec<Finding> {
        run_with(r, &DEFAULTS)
    }

    fn run_with(r: &Report, l: &ResolvedLimits) -> Vec<Finding> {
        let out = compute(r, l);
        let doc = serde_json::to_value(r).unwrap();
        for f in &out {
            assert!(!f.evidence.is_empty(), "{} has no evidence", f.id);
            assert!(
                f.evidence[0].limit.is_some() || f.id == "stale_definition",
                "{}: the first evidence carries the limit",
                f.id
            );
            for e in &f.evidence {
                assert_eq!(doc.pointer(&e.path), Some(&e.value), "{}: {}", f.id, e.path);
            }
            assert!(
                ["follow_up", "ownership", "definition", "feedback", "data"]
                    .contains(&f.area.as_str())
            );
            assert!(
                f.headline.ends_with('.') && f.action.ends_with('.'),
                "{f:?}"
            );
        }
        out
    }

    fn ids(v: &[Finding]) -> Vec<&str> {
        v.iter().map(|f| f.id.as_str()).collect()
    }

    /// The single finding of a report, which must have exactly one.
    fn only(r: &Report) -> Finding {
        let v = run(r);
        assert_eq!(v.len(), 1, "{:?}", ids(&v));
        v.into_iter().next().unwrap()
    }

    #[test]
    fn healthy_report_has_no_finding() {
        assert!(run(&healthy()).is_empty());
    }

    #[test]
    fn low_follow_up_fires_strictly_below_the_limit() {
        let mut r = healthy();
        // 70 of 200 = 0.35 exactly: not below.
        r.follow_up.followed_up = 70;
        r.follow_up.never = 130;
        r.follow_up.follow_up_rate = 70.0 / 200.0;
        assert!(run(&r).iter().all(|f| f.id != "low_follow_up"));
        r.follow_up.followed_up = 69;
        r.follow_up.never = 131;
        r.follow_up.follow_up_rate = 69.0 / 200.0;
        let v = run(&r);
        let f = v.iter().find(|f| f.id == "low_follow_up").unwrap();
        assert_eq!(f.leads, 131);
        assert_eq!(f.area, "follow_up");
        assert_eq!(
            f.headline,
            "Sales followed up on 34.5% of 200 handed-over leads whose SLA window has closed, below the agreed 35%; 131 were never touched."
        );
        assert_eq!(f.evidence[0].path, "/follow_up/follow_up_rate");
        assert_eq!(f.evidence[0].value, serde_json::json!(0.345));
        assert_eq!(f.evidence[0].limit, Some(0.35));
    }

    #[test]
    fn low_follow_up_needs_eligible_handoffs() {
        let mut r = healthy();
        r.follow_up.eligible = 0;
        r.follow_up.follow_up_rate = 0.0;
        assert!(run(&r).iter().all(|f| f.id != "low_follow_up"));
    }

    #[test]
    fn limits_resolve_findings_then_thresholds_then_default() {
        let t = Thresholds {
            min_follow_up_rate: Some(0.5),
            max_unowned_rate: Some(0.2),
            ..Thresholds::default()
        };
        let f = FindingLimits {
            min_follow_up_rate: Some(0.6),
            ..FindingLimits::default()
        };
        let l = limits(&f, &t);
        assert_eq!(l.min_follow_up_rate, 0.6);
        assert_eq!(l.max_unowned_rate, 0.2);
        assert_eq!(l.max_mql_not_ready_rate, 0.25);
        assert_eq!(
            limits(&FindingLimits::default(), &Thresholds::default()),
            DEFAULTS
        );

        // The configured limit is the one applied and reported.
        let mut r = healthy();
        r.follow_up.follow_up_rate = 0.55;
        let v = run_with(&r, &l);
        assert_eq!(ids(&v), ["low_follow_up"]);
        assert_eq!(v[0].evidence[0].limit, Some(0.6));
        assert!(v[0].headline.contains("55.0%") && v[0].headline.contains("agreed 60%"));
    }

    #[test]
    fn finding_limits_parse_from_toml() {
        let l: FindingLimits =
            toml::from_str("min_follow_up_rate = 0.4\nmin_owner_breaches = 3\n").unwrap();
        assert_eq!(l.min_follow_up_rate, Some(0.4));
        assert_eq!(l.min_owner_breaches, Some(3.0));
        let err = toml::from_str::<FindingLimits>("min_folow_up_rate = 0.4").unwrap_err();
        assert!(err.to_string().contains("min_folow_up_rate"), "{err}");
        assert!(l.validate().is_ok());
        let bad = FindingLimits {
            max_unowned_rate: Some(5.0),
            ..FindingLimits::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("max_unowned_rate")
        );
        let bad = FindingLimits {
            min_owner_breaches: Some(2.5),
            ..FindingLimits::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn breaches_concentrated_fires_strictly_above_the_share() {
        let mut r = healthy();
        // 40 breaches in all; Cy holds 10 = 25% exactly: not above.
        r.follow_up.breaches = 40;
        r.ownership.owners[2].breaches = 10;
        assert!(run(&r).is_empty());
        r.ownership.owners[2].breaches = 11;
        let f = only(&r);
        assert_eq!(f.id, "breaches_concentrated");
        assert_eq!(f.leads, 11);
        assert!(
            f.headline
                .starts_with("Cy holds 11 of the 40 SLA breaches (27.5%)")
        );
        assert_eq!(f.evidence[0].path, "/ownership/owners/2/breaches");
        assert_eq!(f.evidence[2].value, serde_json::json!("Cy"));
    }

    #[test]
    fn breaches_concentrated_needs_enough_breaches() {
        let mut r = healthy();
        r.follow_up.breaches = 8;
        for o in &mut r.ownership.owners {
            o.breaches = 1;
        }
        r.ownership.owners[1].breaches = 4; // 50% of breaches, but only 4
        assert!(run(&r).is_empty());
        r.follow_up.breaches = 10;
        r.ownership.owners[1].breaches = 5;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("breaches_concentrated", 5));
        assert!(f.headline.starts_with("Bob holds"));
    }

    #[test]
    fn breaches_concentrated_ties_go_to_the_first_owner() {
        let mut r = healthy();
        r.follow_up.breaches = 30;
        r.ownership.owners[1].breaches = 12;
        r.ownership.owners[3].breaches = 12;
        let f = only(&r);
        assert!(f.headline.starts_with("Bob holds 12"), "{}", f.headline);
    }

    #[test]
    fn unowned_fires_strictly_above_the_share() {
        let mut r = healthy();
        r.ownership.unowned = 10; // 5% of 200: not above
        r.ownership.unowned_breaches = 8;
        assert!(run(&r).is_empty());
        r.ownership.unowned = 11;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("unowned", 11));
        // Unowned: 8 of 11 breached; owned: 22 of 189.
        assert_eq!(
            f.headline,
            "11 of 200 eligible handoffs (5.5%) have no owner, above the 5% limit, and 72.7% of them breached the SLA against 11.6% of owned ones."
        );
        assert_eq!(f.evidence[0].path, "/ownership/unowned");
    }

    #[test]
    fn mql_not_ready_names_the_criterion_failed_most() {
        let mut r = healthy();
        let def = r.definition.as_mut().unwrap();
        def.mismatches.mql_not_ready = 50; // 25% of 200: not above
        assert!(run(&r).is_empty());
        let def = r.definition.as_mut().unwrap();
        def.mismatches.mql_not_ready = 51;
        def.failing_criteria[1].count = 40;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("mql_not_ready", 51));
        assert_eq!(
            f.headline,
            "51 of the 200 handed-over leads (25.5%) do not meet the written sales-ready definition, above the 25% limit; most fail \"size\" (40 leads)."
        );
        assert_eq!(f.evidence[2].path, "/definition/failing_criteria/1/id");
        assert!(f.action.contains("\"size\""));
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(pointer(&["a", "b/c", "d~e", "~1"]), "/a/b~1c/d~0e/~01");
        assert_eq!(pointer::<&str>(&[]), "");
        // A criterion id with both characters: the evidence still resolves.
        let mut r = healthy();
        let def = r.definition.as_mut().unwrap();
        def.mismatches.mql_not_ready = 60;
        def.failing_criteria[0].id = "size/emp~loyees".into();
        def.failing_criteria[0].count = 45;
        r.data_quality
            .unparsable
            .insert("size/emp~loyees".into(), 7);
        let f = only(&r);
        let e = f.evidence.last().unwrap();
        assert_eq!(e.path, "/data_quality/unparsable/size~1emp~0loyees");
        assert_eq!(e.value, serde_json::json!(7));
        assert!(f.action.contains("7 leads whose \"size/emp~loyees\" value"));
    }

    #[test]
    fn ready_rejected_names_the_top_reason() {
        let mut r = healthy();
        r.definition.as_mut().unwrap().mismatches.ready_rejected = 20; // 10% of 200
        assert!(run(&r).is_empty());
        r.definition.as_mut().unwrap().mismatches.ready_rejected = 21;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("ready_rejected", 21));
        assert!(
            f.headline.ends_with(
                "the most common rejection reason is \"No budget\" (30 rejected handoffs)."
            ),
            "{}",
            f.headline
        );
        assert_eq!(f.evidence[2].path, "/feedback/reasons/0/value");
        r.feedback.reasons.clear();
        let f = only(&r);
        assert!(f.headline.ends_with("no rejection reason was logged."));
    }

    #[test]
    fn low_disposition_coverage_fires_strictly_below() {
        let mut r = healthy();
        r.feedback.dispositioned = 160;
        r.feedback.coverage = 160.0 / 200.0; // 0.8 exactly
        assert!(run(&r).is_empty());
        r.feedback.dispositioned = 159;
        r.feedback.coverage = 159.0 / 200.0;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("low_disposition_coverage", 41));
        assert!(f.headline.contains("79.5%") && f.headline.contains("41 have none"));
    }

    #[test]
    fn reasons_missing_fires_strictly_above() {
        let mut r = healthy();
        r.feedback.rejected_without_reason = 4; // 10% of 40
        assert!(run(&r).is_empty());
        r.feedback.rejected_without_reason = 5;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("reasons_missing", 5));
        assert_eq!(
            f.headline,
            "5 of the 40 rejected handoffs (12.5%) have no rejection reason, above the 10% limit."
        );
        r.feedback.rejected = 0;
        r.feedback.rejected_without_reason = 0;
        assert!(run(&r).is_empty());
    }

    #[test]
    fn stale_definition_fires_when_stale() {
        let mut r = healthy();
        r.definition.as_mut().unwrap().stale = true;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("stale_definition", 200));
        assert!(f.headline.contains("last reviewed on 2026-10-01"));
        assert_eq!(f.evidence[0].value, serde_json::json!(true));
        r.definition.as_mut().unwrap().reviewed = None;
        assert!(only(&r).headline.contains("has no review date"));
        r.definition = None;
        assert!(run(&r).is_empty());
    }

    #[test]
    fn late_handover_timestamps_fires_strictly_above() {
        let mut r = healthy();
        r.data_quality.touches_before_handover = 10; // 5% of 200
        assert!(run(&r).is_empty());
        r.data_quality.touches_before_handover = 11;
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("late_handover_timestamps", 11));
        assert_eq!(f.area, "data");
    }

    #[test]
    fn worsening_follow_up_fires_strictly_above() {
        let mut r = healthy();
        // 90% → 85%: a fall of exactly 5 points.
        r.months[1] = month("2026-10", 100, 85, 15);
        assert!(run(&r).is_empty());
        r.months[1] = month("2026-10", 100, 84, 15);
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("worsening", 100));
        assert_eq!(
            f.headline,
            "From 2026-09 to 2026-10 the follow-up rate fell from 90.0% to 84.0% (6.0 points), more than the 5-point limit."
        );
        assert_eq!(f.evidence[0].path, "/months/1/followed_up");
    }

    #[test]
    fn worsening_breach_rate_fires_strictly_above() {
        let mut r = healthy();
        // 7/20 = 35% → 16/40 = 40%: a rise of exactly 5 points, which plain float
        // subtraction (0.4 − 0.35 = 0.05000000000000004) would call above.
        r.months[0] = month("2026-09", 20, 18, 7);
        r.months[1] = month("2026-10", 40, 36, 16);
        assert!(run(&r).is_empty());
        r.months[1] = month("2026-10", 40, 36, 17);
        let f = only(&r);
        assert_eq!((f.id.as_str(), f.leads), ("worsening", 40));
        assert!(
            f.headline
                .contains("the breach rate rose from 35.0% to 42.5% (7.5 points)")
        );
        assert_eq!(f.evidence[0].path, "/months/1/breaches");
        // Both at once.
        r.months[1] = month("2026-10", 40, 30, 17);
        let f = only(&r);
        assert!(
            f.headline
                .contains("fell from 90.0% to 75.0% and the breach rate rose")
        );
    }

    #[test]
    fn worsening_skips_months_without_eligible_handoffs() {
        let mut r = healthy();
        r.months = vec![
            month("2026-08", 100, 95, 5),
            month("2026-09", 0, 0, 0),
            month("2026-10", 100, 80, 20),
            month("2026-11", 0, 0, 0),
        ];
        let f = only(&r);
        assert!(
            f.headline.starts_with("From 2026-08 to 2026-10"),
            "{}",
            f.headline
        );
        assert_eq!(f.evidence[0].path, "/months/2/followed_up");
        assert_eq!(f.evidence[4].path, "/months/0/followed_up");
        r.months.truncate(2);
        assert!(run(&r).is_empty());
    }

    #[test]
    fn findings_rank_by_leads_then_id() {
        let mut r = healthy();
        r.definition.as_mut().unwrap().stale = true; // 200
        r.feedback.rejected_without_reason = 11; // 11
        r.data_quality.touches_before_handover = 11; // 11
        r.ownership.unowned = 30; // 30
        r.follow_up.follow_up_rate = 0.3; // never = 20
        let v = run(&r);
        assert_eq!(
            ids(&v),
            [
                "stale_definition",
                "unowned",
                "low_follow_up",
                "late_handover_timestamps",
                "reasons_missing"
            ]
        );
        let mut shuffled = v.clone();
        shuffled.reverse();
        rank(&mut shuffled);
        assert_eq!(shuffled, v);
    }

    #[test]
    fn finding_serializes_in_the_spec_shape() {
        let mut r = healthy();
        r.feedback.rejected_without_reason = 11;
        let v = serde_json::to_value(run(&r)).unwrap();
        let f = &v[0];
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys.len(), 6);
        for k in ["id", "area", "headline", "leads", "evidence", "action"] {
            assert!(keys.contains(&k), "{k}");
        }
        assert_eq!(f["evidence"][1]["limit"], Value::Null);
        let back: Vec<Finding> = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), v);
    }

    #[test]
    fn limit_and_rate_print_apart_near_the_boundary() {
        assert_eq!(pct_limit(0.35), "35%");
        assert_eq!(pct_limit(0.125), "12.5%");
        assert_eq!(pct_near(0.34996, 0.35), "34.996%");
        assert_eq!(pct_near(0.3499, 0.35), "34.99%");
        assert_eq!(pct_near(0.271, 0.35), "27.1%");
    }
}
