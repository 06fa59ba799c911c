//! `handoff init`: a commented starter `handoff.toml` and `sales-ready.toml`.

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::config::Source;
use crate::load::preset;

/// The two starter files, as (file name, content).
pub fn starter_files(preset_name: &str, today: NaiveDate) -> Result<Vec<(&'static str, String)>> {
    let p = preset::find(preset_name).with_context(|| {
        format!(
            "--preset `{preset_name}` is not known; presets are {}",
            preset::names().join(", ")
        )
    })?;
    let first = |source: Source, logical: &str| -> String {
        p.columns(source)
            .iter()
            .find(|(l, _)| *l == logical)
            .and_then(|(_, aliases)| aliases.first())
            .map_or_else(|| logical.to_string(), |s| s.to_string())
    };
    let preset_line = if p.name == "generic" {
        String::new()
    } else {
        format!(
            "preset = \"{}\"                # header aliases of this vendor's exports\n",
            p.name
        )
    };
    let config = format!(
        r#"# handoff.toml: how to read your exports and what the teams agreed.
# Paths are relative to this file. Every key is documented in the README ("Config reference").

[audit]
timezone = "UTC"                  # IANA name of the zone naive export times are in
sla_hours = 48                    # marketing's SLA for sales' first touch
sla_clock = "calendar"            # or "business" (working hours, see [audit.business])
# as_of = "2026-11-30"            # pin the audit date; default: the latest timestamp in the data

[marketing]
path = "marketing.csv"            # the marketing-automation export, one row per lead
{preset_line}key = "{m_key}"                       # the lead's e-mail or id
handed_over_at = "{m_hand}"       # when marketing handed the lead to sales
# mql = "MQL"                     # optional flag column: true/yes/1/x
# created_at = "{m_created}"

[crm]
path = "crm.csv"                  # the CRM export, one row per lead or contact
{preset_line}key = "{c_key}"
owner = "{c_owner}"
disposition = "{c_disp}"
disposition_reason = "{c_reason}"
# assigned_at, disposition_at, first_touch_at: optional timestamps

[activities]                      # optional: remove this section if you have no activity export
path = "activities.csv"
{preset_line}key = "{a_key}"
at = "{a_at}"
type = "{a_type}"
touch_types = ["Call", "Email", "Meeting"]

[sales]
accepted = ["Qualified", "Converted", "Working"]
rejected = ["Unqualified", "Disqualified"]
unowned = ["Lead Queue", "Unassigned"]

[definition]
path = "sales-ready.toml"

[thresholds]                      # used by `handoff check`
min_follow_up_rate = 0.35
max_breach_rate = 0.20
min_disposition_coverage = 0.80
max_mql_not_ready_rate = 0.25
"#,
        m_key = first(Source::Marketing, "key"),
        m_hand = first(Source::Marketing, "handed_over_at"),
        m_created = first(Source::Marketing, "created_at"),
        c_key = first(Source::Crm, "key"),
        c_owner = first(Source::Crm, "owner"),
        c_disp = first(Source::Crm, "disposition"),
        c_reason = first(Source::Crm, "disposition_reason"),
        a_key = first(Source::Activities, "key"),
        a_at = first(Source::Activities, "at"),
        a_type = first(Source::Activities, "type"),
    );
    let definition = format!(
        r#"# sales-ready.toml: the definition of a sales-ready lead that marketing and sales signed.
# Each criterion names a header of the marketing or CRM export ("crm:Header" when both have it)
# and one operator: eq, ne, in, not_in, contains, gte, gt, lte, lt, between, present, within_days.

name = "Sales-ready lead"
version = "{today}"
owners = ["VP Sales", "Head of Marketing Ops"]
reviewed = {today}
review_every_days = 92
ready_when = "all"                # or "any", or a number of criteria that must hold

[[criteria]]
id = "budget"
description = "Budget: confirmed or allocated"
field = "Budget Status"
in = ["Confirmed", "Allocated"]

[[criteria]]
id = "authority"
description = "Authority: a decision maker or influencer"
field = "Job Title"
present = true

[[criteria]]
id = "need"
description = "Need: a company large enough to need the product"
field = "Employees"
gte = 200

[[criteria]]
id = "timeline"
description = "Timeline: buying within six months"
field = "Timeline"
in = ["0-3 months", "3-6 months"]
"#,
        today = today.format("%Y-%m-%d")
    );
    Ok(vec![
        ("handoff.toml", config),
        ("sales-ready.toml", definition),
    ])
}
