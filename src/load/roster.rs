//! The owner roster (`[roster] path = "owners.csv"`): each owner's team, time zone and whether
//! they are still active. Columns `owner`, `team`, `timezone`, `active` (headers matched
//! case-insensitively; only `owner` is required).

use std::path::Path;

use anyhow::{Result, bail};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use crate::config::{ColumnRef, Reading};
use crate::load::csvfile::{CsvFile, RowFate};

/// One owner's line.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    /// The team, if given.
    pub team: String,
    /// The owner's time zone, if given.
    pub tz: Option<Tz>,
    /// False for owners marked inactive or departed.
    pub active: bool,
}

/// Owners by name (trimmed, compared case-insensitively).
#[derive(Debug, Clone, Default)]
pub struct Roster {
    entries: FxHashMap<String, RosterEntry>,
}

const INACTIVE: &[&str] = &[
    "false", "no", "n", "0", "inactive", "departed", "left", "disabled",
];
const ACTIVE: &[&str] = &["true", "yes", "y", "1", "active", ""];

impl Roster {
    /// Read a roster file.
    pub fn load(path: &Path) -> Result<Self> {
        let file = CsvFile::open_path(path, &Reading::default())?;
        let owner = file.require("roster", "owner", &ColumnRef::Named("owner".into()))?;
        let team = file.locate("team", &ColumnRef::Named("team".into()))?;
        let tz = file.locate("timezone", &ColumnRef::Named("timezone".into()))?;
        let active = file.locate("active", &ColumnRef::Named("active".into()))?;
        let mut entries = FxHashMap::default();
        let p = path.display().to_string();
        file.for_each_row(
            |row| {
                let name = row.get(owner);
                if name.is_empty() {
                    return Ok(RowFate::Skipped("empty owner".into()));
                }
                let zone = match tz.map(|i| row.get(i)).filter(|z| !z.is_empty()) {
                    None => None,
                    Some(z) => Some(z.parse::<Tz>().map_err(|_| {
                        anyhow::anyhow!(
                            "`{p}` line {}: timezone `{z}` of owner `{name}` is not an IANA time zone such as `Europe/Berlin`",
                            row.line
                        )
                    })?),
                };
                let flag = row.opt(active).to_ascii_lowercase();
                let is_active = if ACTIVE.contains(&flag.as_str()) {
                    true
                } else if INACTIVE.contains(&flag.as_str()) {
                    false
                } else {
                    bail!(
                        "`{p}` line {}: active = `{flag}` for owner `{name}`; write true or false",
                        row.line
                    );
                };
                entries.insert(
                    name.to_lowercase(),
                    RosterEntry { team: row.opt(team).to_string(), tz: zone, active: is_active },
                );
                Ok(RowFate::Loaded)
            },
            |_, _| {},
        )?;
        Ok(Self { entries })
    }

    /// The entry of an owner, if listed.
    pub fn get(&self, owner: &str) -> Option<&RosterEntry> {
        self.entries.get(&owner.to_lowercase())
    }
}
