//! Presets: for each vendor, the header aliases of every logical column and the usual
//! disposition values. A config names a preset per source and overrides any column by name.

use crate::config::Source;

/// A logical column and the headers that may carry it, tried in order.
pub type ColumnAliases = (&'static str, &'static [&'static str]);

/// One vendor's layout.
#[derive(Debug)]
pub struct Preset {
    /// The preset's name in the config.
    pub name: &'static str,
    /// Marketing columns.
    pub marketing: &'static [ColumnAliases],
    /// CRM columns.
    pub crm: &'static [ColumnAliases],
    /// Activity columns.
    pub activities: &'static [ColumnAliases],
    /// Usual accepted dispositions, used when `[sales]` names none.
    pub accepted: &'static [&'static str],
    /// Usual rejected dispositions, used when `[sales]` names none.
    pub rejected: &'static [&'static str],
}

impl Preset {
    /// The columns this preset knows for a source.
    pub fn columns(&self, source: Source) -> &'static [ColumnAliases] {
        match source {
            Source::Marketing => self.marketing,
            Source::Crm => self.crm,
            Source::Activities => self.activities,
        }
    }
}

/// The `generic` layout: headers spelled like the logical columns.
const GENERIC: Preset = Preset {
    name: "generic",
    marketing: &[
        ("key", &["key", "email"]),
        ("handed_over_at", &["handed_over_at", "handed over at"]),
        ("mql", &["mql"]),
        ("created_at", &["created_at", "created at"]),
    ],
    crm: &[
        ("key", &["key", "email"]),
        ("owner", &["owner"]),
        ("assigned_at", &["assigned_at", "assigned at"]),
        ("disposition", &["disposition"]),
        (
            "disposition_reason",
            &["disposition_reason", "disposition reason"],
        ),
        ("disposition_at", &["disposition_at", "disposition at"]),
        ("first_touch_at", &["first_touch_at", "first touch at"]),
    ],
    activities: &[
        ("key", &["key", "email"]),
        ("at", &["at", "date"]),
        ("type", &["type"]),
        ("owner", &["owner"]),
        ("subject", &["subject"]),
        ("outcome", &["outcome"]),
    ],
    accepted: &[],
    rejected: &[],
};

const ALL: &[&Preset] = &[&GENERIC];

/// The preset of that name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Preset> {
    ALL.iter()
        .copied()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// Every preset name.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name).collect()
}
