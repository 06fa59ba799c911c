//! `--redact`: reports that leave the company carry no personal data.
//!
//! Owner names become `Owner 01`, `Owner 02`, … (numbered in the byte order of the real names,
//! so the same name always gets the same pseudonym within a run); lead keys become
//! `lead-000001`, … by their first appearance in the marketing export; any remaining e-mail
//! address in free text (warnings, skip reasons) becomes `[e-mail]`. Owner values listed in
//! `[sales] unowned` (queues, "Unassigned") name no person and are kept.

use rustc_hash::FxHashMap;

use crate::audit::figures::Report;
use crate::config::Sales;
use crate::load::Dataset;

/// Pseudonyms of one run.
pub struct Redactor {
    owners: FxHashMap<String, String>,
    width: usize,
}

impl Redactor {
    /// Pseudonyms for every owner of the data.
    pub fn new(data: &Dataset, sales: &Sales) -> Self {
        let mut names: Vec<&str> = data
            .owners
            .values()
            .iter()
            .map(AsRef::as_ref)
            .filter(|o: &&str| !o.is_empty() && !sales.is_unowned_value(o))
            .collect();
        names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let digits = names.len().max(1).to_string().len().max(2);
        let owners = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), format!("Owner {:0digits$}", i + 1)))
            .collect();
        let width = data.leads.len().max(1).to_string().len().max(6);
        Self { owners, width }
    }

    /// The pseudonym of an owner (queues and empty values are kept as they are).
    pub fn owner<'a>(&'a self, name: &'a str) -> &'a str {
        self.owners.get(name).map_or(name, String::as_str)
    }

    /// The pseudonym of a marketing key by its lead index.
    pub fn lead(&self, lead: usize) -> String {
        format!("lead-{:0w$}", lead + 1, w = self.width)
    }

    /// Replace every e-mail address in free text.
    pub fn text(&self, s: &str) -> String {
        scrub_emails(s)
    }

    /// Redact a report in place (call before computing findings, whose headlines name owners).
    pub fn report(&self, r: &mut Report) {
        for o in &mut r.ownership.owners {
            o.owner = self.owner(&o.owner).to_string();
        }
        r.ownership
            .owners
            .sort_by(|a, b| a.owner.as_bytes().cmp(b.owner.as_bytes()));
        for w in &mut r.warnings {
            *w = self.text(w);
        }
        for s in &mut r.data_quality.skipped_rows {
            s.reason = self.text(&s.reason);
        }
    }
}

/// Replace each token that contains `@` (split at white space, quotes and backticks).
fn scrub_emails(s: &str) -> String {
    if !s.contains('@') {
        return s.to_string();
    }
    let is_sep =
        |c: char| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | ',' | ';' | '<' | '>');
    let mut out = String::with_capacity(s.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if token.contains('@') {
            out.push_str("[e-mail]");
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in s.chars() {
        if is_sep(c) {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_in_text_are_replaced() {
        assert_eq!(scrub_emails("key `Ann@x.io` bad"), "key `[e-mail]` bad");
        assert_eq!(scrub_emails("a@b.c, c@d.e"), "[e-mail], [e-mail]");
        assert_eq!(scrub_emails("no address here"), "no address here");
    }
}
