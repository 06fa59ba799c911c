//! The JSON report: serde structs that *are* the contract of SPEC "JSON report".
//!
//! Field names are the SPEC's words; renderers other than JSON read these same structs.

use serde::{Deserialize, Serialize};

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// The instant the audit looks from, RFC 3339 UTC.
    pub as_of: String,
    /// Where as_of came from: `flag`, `config`, `data` or `now`.
    pub as_of_source: String,
    /// The SLA.
    pub sla: Sla,
    /// Rows read per source.
    pub inputs: Inputs,
    /// Follow-up and speed to lead.
    pub follow_up: FollowUp,
    /// Who owned the handoffs.
    pub ownership: Ownership,
    /// The written definition against marketing's flag and sales' verdict.
    pub definition: Option<DefinitionFigures>,
    /// Whether sales tells marketing what happened.
    pub feedback: Feedback,
    /// Handoffs by month of handover.
    pub months: Vec<Month>,
    /// Data quality.
    pub data_quality: DataQuality,
    /// Things the user should know.
    pub warnings: Vec<String>,
    /// What is wrong, ranked by the number of leads it affects.
    pub findings: Vec<crate::audit::findings::Finding>,
}

/// `sla`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sla {
    /// `audit.sla_hours`.
    pub hours: f64,
    /// `calendar` or `business`.
    pub clock: String,
}

/// `inputs`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Inputs {
    /// The marketing export.
    pub marketing: InputFile,
    /// The CRM export.
    pub crm: InputFile,
    /// The activities export, when configured.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub activities: Option<InputFile>,
}

/// One input file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputFile {
    /// The path.
    pub path: String,
    /// Rows loaded.
    pub rows: u64,
    /// Rows skipped.
    pub skipped: u64,
    /// Footer lines after the data.
    pub footer_lines: u64,
}

/// `{median, p90}` of hours.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Quantiles {
    /// Median, `null` when there are no values.
    pub median: Option<f64>,
    /// 90th percentile, `null` when there are no values.
    pub p90: Option<f64>,
}

/// `follow_up`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FollowUp {
    /// Distinct handed-over keys.
    pub handed_over: u64,
    /// Handoffs whose SLA window has not closed at as_of.
    pub in_window: u64,
    /// handed_over − in_window.
    pub eligible: u64,
    /// Eligible handoffs with a first touch.
    pub followed_up: u64,
    /// Touched within the SLA.
    pub within_sla: u64,
    /// Touched after the SLA.
    pub late: u64,
    /// Never touched.
    pub never: u64,
    /// late + never.
    pub breaches: u64,
    /// followed_up / eligible.
    pub follow_up_rate: f64,
    /// within_sla / eligible.
    pub sla_met_rate: f64,
    /// breaches / eligible.
    pub breach_rate: f64,
    /// Hours to first touch on the SLA clock.
    pub hours_to_first_touch: Quantiles,
    /// Speed-to-lead buckets.
    pub buckets: Vec<Bucket>,
    /// Calendar hours to first touch (with the business clock only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hours_to_first_touch_calendar: Option<Quantiles>,
    /// Business hours to first touch (with the business clock only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hours_to_first_touch_business: Option<Quantiles>,
    /// Hours from assignment to first touch, on the SLA clock (when the CRM has `assigned_at`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hours_from_assignment: Option<Quantiles>,
    /// Eligible handoffs with a connecting activity (`[activities] connected` and `outcome`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub connected: Option<u64>,
    /// Hours to the first connecting activity, on the SLA clock.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hours_to_first_connection: Option<Quantiles>,
}

/// A speed-to-lead bucket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bucket {
    /// `<=5m`, `<=1h`, `<=24h`, `<=SLA`, `>SLA`, `never`.
    pub label: String,
    /// Eligible handoffs in it.
    pub count: u64,
}

/// `ownership`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Ownership {
    /// Eligible handoffs nobody owns.
    pub unowned: u64,
    /// Their breaches.
    pub unowned_breaches: u64,
    /// One row per owner with an eligible handoff.
    pub owners: Vec<OwnerRow>,
    /// Eligible handoffs of owners the roster marks inactive (part of `unowned`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inactive_owner: Option<u64>,
    /// Hours from handover to assignment (when the CRM has `assigned_at`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hours_unassigned: Option<Quantiles>,
}

/// An owner's figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OwnerRow {
    /// The owner as written (trimmed).
    pub owner: String,
    /// Eligible handoffs.
    pub eligible: u64,
    /// Followed up.
    pub followed_up: u64,
    /// Within the SLA.
    pub within_sla: u64,
    /// Breaches.
    pub breaches: u64,
    /// With a sales verdict.
    pub dispositioned: u64,
}

/// `definition`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DefinitionFigures {
    /// The definition's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Last review date, `YYYY-MM-DD`.
    pub reviewed: Option<String>,
    /// Not reviewed on schedule.
    pub stale: bool,
    /// Marketing keys evaluated.
    pub evaluated: u64,
    /// Of which ready.
    pub ready: u64,
    /// Where the teams disagree.
    pub mismatches: Mismatches,
    /// Per criterion: mql_not_ready leads that fail it.
    pub failing_criteria: Vec<CriterionCount>,
    /// Marketing × definition × sales.
    pub crosstab: Vec<CrosstabCell>,
}

/// `definition.mismatches`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mismatches {
    /// Handed over, not ready.
    pub mql_not_ready: u64,
    /// Ready, not handed over.
    pub ready_not_mql: u64,
    /// Ready, rejected by sales.
    pub ready_rejected: u64,
    /// Not ready, accepted by sales.
    pub not_ready_accepted: u64,
}

/// `{id, count}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CriterionCount {
    /// Criterion id.
    pub id: String,
    /// Count.
    pub count: u64,
}

/// One crosstab cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CrosstabCell {
    /// `mql` or `not_mql`.
    pub marketing: String,
    /// `ready` or `not_ready`.
    pub definition: String,
    /// `accepted`, `rejected` or `none`.
    pub sales: String,
    /// Marketing keys.
    pub count: u64,
}

/// `feedback`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Feedback {
    /// Eligible handoffs.
    pub eligible: u64,
    /// With an accepted or rejected verdict.
    pub dispositioned: u64,
    /// dispositioned / eligible.
    pub coverage: f64,
    /// Eligible handoffs whose verdict is rejected.
    pub rejected: u64,
    /// Of those, rejections logged without a reason.
    pub rejected_without_reason: u64,
    /// Dispositions of eligible handoffs.
    pub dispositions: Vec<ValueCount>,
    /// Reasons of rejected eligible handoffs.
    pub reasons: Vec<ValueCount>,
}

/// `{value, count}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ValueCount {
    /// The value shown.
    pub value: String,
    /// Count.
    pub count: u64,
}

/// One month of handoffs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Handoffs (in_window included).
    pub handed_over: u64,
    /// Eligible handoffs.
    pub eligible: u64,
    /// Followed up.
    pub followed_up: u64,
    /// Breaches.
    pub breaches: u64,
    /// With a verdict.
    pub dispositioned: u64,
    /// Handoffs not ready (in_window included).
    pub mql_not_ready: u64,
}

/// `data_quality`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataQuality {
    /// Loaded rows − distinct keys.
    pub duplicate_keys: DuplicateKeys,
    /// Marketing keys without a CRM row.
    pub marketing_without_crm: u64,
    /// Activity keys that are not marketing keys.
    pub activities_without_marketing: u64,
    /// Handed-over keys touched before their handover.
    pub touches_before_handover: u64,
    /// The first 1,000 skipped rows.
    pub skipped_rows: Vec<SkippedRowOut>,
    /// All skipped rows.
    pub skipped_rows_total: u64,
    /// Per criterion id: marketing keys whose value could not be read.
    pub unparsable: std::collections::BTreeMap<String, u64>,
}

/// `duplicate_keys`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct DuplicateKeys {
    /// Marketing.
    pub marketing: u64,
    /// CRM.
    pub crm: u64,
}

/// A skipped row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SkippedRowOut {
    /// `marketing`, `crm` or `activities`.
    pub source: String,
    /// Physical line.
    pub line: u64,
    /// Why.
    pub reason: String,
}
