//! Exact `definition` figures on the hand-checkable fixtures of `fixtures/small/definition/`:
//! one fixture per criterion operator, per `ready_when` form and per value rule of SPEC.md
//! (precise rules 1, 10, 11, 12, 14, 15), plus `explain` and `validate` on the same files.
//!
//! Every figure below was worked out by hand from the CSVs; the working sits beside each
//! assertion. Unless a fixture says otherwise: `as_of` = 2026-06-30T12:00:00Z, timezone UTC,
//! SLA 48 h, `sales.accepted` = Qualified/Converted/Working, `sales.rejected` =
//! Unqualified/Disqualified, definition "Sales-ready lead" version "2026-Q2" reviewed 2026-04-01
//! every 92 days (due 2026-07-02 00:00 UTC, after `as_of`, so not stale).
//!
//! Most operator fixtures share one layout of leads, chosen so that the crosstab pins every
//! lead's verdict: each (marketing, sales) group holds leads of a single expected verdict, so
//! one wrong verdict moves a lead to another cell and the test fails.
//!
//! | role  | handover                   | CRM status           | crosstab cell                  |
//! |-------|----------------------------|----------------------|--------------------------------|
//! | T-mql | 06-01, 06-03               | Qualified            | `(mql, ready, accepted)`       |
//! | T-not | none                       | Unqualified          | `(not_mql, ready, rejected)`   |
//! | F-mql | 05-20, 06-02, 06-29 12:00  | empty, or no CRM row | `(mql, not_ready, none)`       |
//! | F-not | none                       | Working              | `(not_mql, not_ready, accepted)` |
//!
//! The 06-29T12:00Z handover is still in its SLA window at `as_of` (06-29 12:00 + 48 h =
//! 07-01 12:00, after `as_of`); it is counted anyway, since mismatches cover every marketing
//! key and `months[].mql_not_ready` includes in-window handoffs (rule 6).

use std::path::PathBuf;

use serde_json::Value;

use crate::common::{audit_json, fixture, run, stderr, stdout};

const MQL: &str = "mql";
const NOT_MQL: &str = "not_mql";
const READY: &str = "ready";
const NOT_READY: &str = "not_ready";
const ACC: &str = "accepted";
const REJ: &str = "rejected";
const NONE: &str = "none";

/// `definition.mismatches`.
struct Mismatches {
    mql_not_ready: u64,
    ready_not_mql: u64,
    ready_rejected: u64,
    not_ready_accepted: u64,
}

/// The figures one fixture must produce.
struct Expected<'a> {
    evaluated: u64,
    ready: u64,
    mismatches: Mismatches,
    /// `failing_criteria` in definition order, zeros included.
    failing: &'a [(&'a str, u64)],
    /// Non-zero crosstab cells `(marketing, definition, sales, count)`, any order.
    crosstab: &'a [(&'a str, &'a str, &'a str, u64)],
    /// `months[]` as `(month, handed_over, mql_not_ready)`, ascending.
    months: &'a [(&'a str, u64, u64)],
    /// Non-zero `data_quality.unparsable` entries.
    unparsable: &'a [(&'a str, u64)],
}

fn config(case: &str) -> PathBuf {
    fixture(&format!("small/definition/{case}/handoff.toml"))
}

fn config_str(case: &str) -> String {
    config(case).to_str().expect("utf-8 path").to_owned()
}

#[track_caller]
fn count(v: &Value, what: &str) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{what}: expected a non-negative integer, got {v}"))
}

#[track_caller]
fn text(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, got {v}"))
        .to_owned()
}

fn owned_pairs(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|&(id, n)| (id.to_owned(), n)).collect()
}

/// `definition.failing_criteria` as `(id, count)` in report order.
#[track_caller]
fn failing_criteria(def: &Value, case: &str) -> Vec<(String, u64)> {
    def["failing_criteria"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: failing_criteria is not an array: {def}"))
        .iter()
        .map(|f| {
            (
                text(&f["id"], "failing_criteria.id"),
                count(&f["count"], "failing_criteria.count"),
            )
        })
        .collect()
}

/// The non-zero `definition.crosstab` cells, sorted.
#[track_caller]
fn crosstab(def: &Value, case: &str) -> Vec<(String, String, String, u64)> {
    let mut cells: Vec<(String, String, String, u64)> = def["crosstab"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: crosstab is not an array: {def}"))
        .iter()
        .map(|c| {
            (
                text(&c["marketing"], "crosstab.marketing"),
                text(&c["definition"], "crosstab.definition"),
                text(&c["sales"], "crosstab.sales"),
                count(&c["count"], "crosstab.count"),
            )
        })
        .filter(|c| c.3 > 0)
        .collect();
    cells.sort();
    cells
}

/// `months[]` as `(month, handed_over, mql_not_ready)` in report order.
#[track_caller]
fn months(report: &Value, case: &str) -> Vec<(String, u64, u64)> {
    report["months"]
        .as_array()
        .unwrap_or_else(|| panic!("{case}: months is not an array: {report}"))
        .iter()
        .map(|m| {
            (
                text(&m["month"], "months.month"),
                count(&m["handed_over"], "months.handed_over"),
                count(&m["mql_not_ready"], "months.mql_not_ready"),
            )
        })
        .collect()
}

/// The non-zero `data_quality.unparsable` entries, sorted.
#[track_caller]
fn unparsable(report: &Value, case: &str) -> Vec<(String, u64)> {
    let mut got: Vec<(String, u64)> = report["data_quality"]["unparsable"]
        .as_object()
        .unwrap_or_else(|| panic!("{case}: data_quality.unparsable is not an object: {report}"))
        .iter()
        .map(|(id, n)| (id.clone(), count(n, "unparsable count")))
        .filter(|(_, n)| *n > 0)
        .collect();
    got.sort();
    got
}

/// Run the audit on `case`, assert every figure of `e`, return the report.
#[track_caller]
fn check(case: &str, e: &Expected) -> Value {
    let report = audit_json(&config(case), &[]);
    let def = &report["definition"];
    assert!(
        def.is_object(),
        "{case}: no `definition` object in {report}"
    );

    assert_eq!(
        count(&def["evaluated"], "evaluated"),
        e.evaluated,
        "{case}: evaluated"
    );
    assert_eq!(count(&def["ready"], "ready"), e.ready, "{case}: ready");
    let m = &def["mismatches"];
    let got = [
        count(&m["mql_not_ready"], "mql_not_ready"),
        count(&m["ready_not_mql"], "ready_not_mql"),
        count(&m["ready_rejected"], "ready_rejected"),
        count(&m["not_ready_accepted"], "not_ready_accepted"),
    ];
    let want = [
        e.mismatches.mql_not_ready,
        e.mismatches.ready_not_mql,
        e.mismatches.ready_rejected,
        e.mismatches.not_ready_accepted,
    ];
    assert_eq!(
        got, want,
        "{case}: mismatches [mql_not_ready, ready_not_mql, ready_rejected, not_ready_accepted]"
    );

    assert_eq!(
        failing_criteria(def, case),
        owned_pairs(e.failing),
        "{case}: failing_criteria (definition order, zeros included)"
    );

    let mut want: Vec<(String, String, String, u64)> = e
        .crosstab
        .iter()
        .map(|&(m, d, s, n)| (m.to_owned(), d.to_owned(), s.to_owned(), n))
        .collect();
    want.sort();
    assert_eq!(crosstab(def, case), want, "{case}: non-zero crosstab cells");

    let want: Vec<(String, u64, u64)> = e
        .months
        .iter()
        .map(|&(m, h, n)| (m.to_owned(), h, n))
        .collect();
    assert_eq!(
        months(&report, case),
        want,
        "{case}: months [(month, handed_over, mql_not_ready)]"
    );

    let mut want = owned_pairs(e.unparsable);
    want.sort();
    assert_eq!(
        unparsable(&report, case),
        want,
        "{case}: non-zero data_quality.unparsable entries"
    );

    report
}

/// `check`, plus the definition header every fixture but the stale ones shares.
#[track_caller]
fn check_standard(case: &str, e: &Expected) {
    let report = check(case, e);
    let def = &report["definition"];
    assert_eq!(def["name"], "Sales-ready lead", "{case}: name");
    assert_eq!(def["version"], "2026-Q2", "{case}: version");
    assert_eq!(def["reviewed"], "2026-04-01", "{case}: reviewed");
    // 2026-04-01 + 92 days = 2026-07-02; its 00:00 UTC is after as_of 2026-06-30T12:00Z.
    assert_eq!(def["stale"], false, "{case}: stale");
}

/// Figures of the six-lead layout (T-mql a, T-not b, F-mql c/d/e, F-not f) where the
/// operator holds for exactly a and b.
const SIX: Expected<'static> = Expected {
    evaluated: 6, // a b c d e f
    ready: 2,     // a b
    mismatches: Mismatches {
        mql_not_ready: 3,      // c d e (e in_window, still counted)
        ready_not_mql: 1,      // b
        ready_rejected: 1,     // b (Unqualified)
        not_ready_accepted: 1, // f (Working)
    },
    failing: &[], // set per fixture: its one criterion fails c d e -> 3
    crosstab: &[
        (MQL, READY, ACC, 1),         // a
        (NOT_MQL, READY, REJ, 1),     // b
        (MQL, NOT_READY, NONE, 3),    // c d (empty status), e (no CRM row)
        (NOT_MQL, NOT_READY, ACC, 1), // f
    ],
    months: &[
        ("2026-05", 1, 1), // c (05-20), not ready
        ("2026-06", 3, 2), // a (06-01), d (06-02), e (06-29 in_window); d e not ready
    ],
    unparsable: &[],
};

/// Figures of the seven-lead layout (T-mql a b, T-not c, F-mql d/e/f, F-not g) where the
/// operator holds for exactly a, b and c.
const SEVEN: Expected<'static> = Expected {
    evaluated: 7, // a..g
    ready: 3,     // a b c
    mismatches: Mismatches {
        mql_not_ready: 3,      // d e f (f in_window, still counted)
        ready_not_mql: 1,      // c
        ready_rejected: 1,     // c (Unqualified)
        not_ready_accepted: 1, // g (Working)
    },
    failing: &[], // set per fixture: its one criterion fails d e f -> 3
    crosstab: &[
        (MQL, READY, ACC, 2),         // a b
        (NOT_MQL, READY, REJ, 1),     // c
        (MQL, NOT_READY, NONE, 3),    // d e (empty status), f (no CRM row)
        (NOT_MQL, NOT_READY, ACC, 1), // g
    ],
    months: &[
        ("2026-05", 1, 1), // d (05-20), not ready
        ("2026-06", 4, 2), // a (06-01), e (06-02), b (06-03), f (06-29); e f not ready
    ],
    unparsable: &[],
};

// ---------------------------------------------------------------------------------------------
// One fixture per operator (SPEC "Criterion operators", rules 10 and 11)
// ---------------------------------------------------------------------------------------------

#[test]
fn op_eq_compares_the_text_200() {
    // `eq = 200` is the text "200" (rule 10), compared trimmed and case-insensitively:
    //   a "200"    -> true            b " 200 " -> true (trimmed)
    //   c "200.0"  -> false (text)    d "0200"  -> false (text)
    //   e ""       -> false (empty)   f "+200"  -> false (text)
    // eq never parses numbers, so nothing is unparsable.
    check_standard(
        "op_eq",
        &Expected {
            failing: &[("size", 3)],
            ..SIX
        },
    );
}

#[test]
fn op_ne_is_false_on_empty_values() {
    // `ne = "Competitor"`:
    //   a "Customer" -> true          b "Partner"      -> true
    //   c "competitor" -> false       d " COMPETITOR " -> false (trim + case)
    //   e "" -> false: rule 11, a criterion on an empty value is false, even `ne`
    //   f "null" -> empty spelling -> false
    check_standard(
        "op_ne",
        &Expected {
            failing: &[("not_competitor", 3)],
            ..SIX
        },
    );
}

#[test]
fn op_in_matches_whole_values_case_insensitively() {
    // `in = ["Confirmed", "Allocated"]`:
    //   a "Confirmed" -> true   b " ALLOCATED" -> true   c "confirmed" -> true
    //   d "Pending" -> false    e "Confirmed, Allocated" -> false (not one of the values)
    //   f "" -> false           g "select" -> empty spelling -> false
    check_standard(
        "op_in",
        &Expected {
            failing: &[("budget", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_not_in_is_false_on_empty_values() {
    // `not_in = ["Student", "Competitor"]`:
    //   a "Buyer" -> true          b "Student Body" -> true (whole value, not a word)
    //   c "student" -> false       d " COMPETITOR " -> false (trim + case)
    //   e "" -> false (rule 11)    f "N/A" -> empty spelling -> false
    check_standard(
        "op_not_in",
        &Expected {
            failing: &[("persona", 3)],
            ..SIX
        },
    );
}

#[test]
fn op_contains_is_a_case_insensitive_substring() {
    // `contains = "Director"`:
    //   a "Director of Sales" -> true   b "Sales DIRECTOR" -> true
    //   c "Managing director" -> true   d "Dir. of Sales" -> false
    //   e "Manager" -> false            f "" -> false   g "none" -> empty -> false
    check_standard(
        "op_contains",
        &Expected {
            failing: &[("title", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_gte_includes_the_bound() {
    // `gte = 200`:
    //   a "200" -> true (bound)   b " 1500 " -> true   c "200.0" -> true (a number: 200)
    //   d "199.99" -> false       e "-300" -> false    f "" -> false, not unparsable
    //   g "N/A" -> empty -> false, not unparsable
    check_standard(
        "op_gte",
        &Expected {
            failing: &[("size", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_gt_excludes_the_bound() {
    // `gt = 200`:
    //   a "200.01" -> true   b "+1000" -> true (sign allowed)   c "201" -> true
    //   d "200" -> false     e "200.00" -> false (= 200)        f "" -> false
    //   g "-201" -> false
    check_standard(
        "op_gt",
        &Expected {
            failing: &[("size", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_lte_includes_the_bound() {
    // `lte = 50`:
    //   a "50" -> true    b "-3" -> true     c "49.5" -> true
    //   d "50.01" -> false  e "51" -> false  f "" -> false   g "#N/A" -> empty -> false
    check_standard(
        "op_lte",
        &Expected {
            failing: &[("score", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_lt_excludes_the_bound() {
    // `lt = 50`:
    //   a "49.99" -> true   b "-50" -> true      c "0" -> true
    //   d "50" -> false     e "50.0" -> false    f "" -> false
    //   g "[not provided]" -> empty spelling -> false
    check_standard(
        "op_lt",
        &Expected {
            failing: &[("score", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_between_is_inclusive_at_both_ends() {
    // `between = [10, 20]`:
    //   a "10" -> true (low end)   b "20" -> true (high end)   c "15.5" -> true
    //   d "9.99" -> false          e "20.01" -> false          f "" -> false
    //   g "-15" -> false
    check_standard(
        "op_between",
        &Expected {
            failing: &[("score", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn op_present_true_is_false_on_every_empty_spelling() {
    // `present = true` on Phone (8 leads):
    //   a "555-0100" -> true (mql 06-01, Qualified)
    //   b "0" -> true (mql 06-03, Qualified)
    //   c "false" -> true: the text is a value (not handed over, Unqualified)
    //   d "" -> false (mql 05-20, empty status)
    //   e "   " -> false: empty after trimming (mql 06-02, empty status)
    //   f "N/A" -> false: null spelling (mql 06-29 in_window, no CRM row)
    //   g U+200B U+FEFF -> false: empty after trimming (not handed over, Working)
    //   h "000000000000000AAA" -> false: Salesforce null id (not handed over, Working)
    check_standard(
        "op_present_true",
        &Expected {
            evaluated: 8,
            ready: 3, // a b c
            mismatches: Mismatches {
                mql_not_ready: 3,      // d e f
                ready_not_mql: 1,      // c
                ready_rejected: 1,     // c
                not_ready_accepted: 2, // g h
            },
            failing: &[("phone", 3)], // d e f
            crosstab: &[
                (MQL, READY, ACC, 2),         // a b
                (NOT_MQL, READY, REJ, 1),     // c
                (MQL, NOT_READY, NONE, 3),    // d e f
                (NOT_MQL, NOT_READY, ACC, 2), // g h
            ],
            months: &[
                ("2026-05", 1, 1), // d
                ("2026-06", 4, 2), // a b e f; e f not ready
            ],
            unparsable: &[],
        },
    );
}

#[test]
fn op_present_false_is_true_exactly_on_empty() {
    // `present = false` on Phone (8 leads):
    //   a "" -> true (mql 06-01, Qualified)
    //   b "n/a" -> true: null spelling (mql 06-03, Qualified)
    //   c "   " -> true: empty after trimming (not handed over, Unqualified)
    //   d "Select" -> true: unanswered picklist (not handed over, Disqualified)
    //   e "555-0100" -> false (mql 05-20, empty status)
    //   f "0" -> false (mql 06-02, empty status)
    //   g "x" -> false (mql 06-29 in_window, no CRM row)
    //   h "none of your business" -> false: not the spelling "none" (not handed over, Working)
    check_standard(
        "op_present_false",
        &Expected {
            evaluated: 8,
            ready: 4, // a b c d
            mismatches: Mismatches {
                mql_not_ready: 3,      // e f g
                ready_not_mql: 2,      // c d
                ready_rejected: 2,     // c (Unqualified) d (Disqualified)
                not_ready_accepted: 1, // h
            },
            failing: &[("no_phone", 3)], // e f g
            crosstab: &[
                (MQL, READY, ACC, 2),         // a b
                (NOT_MQL, READY, REJ, 2),     // c d
                (MQL, NOT_READY, NONE, 3),    // e f g
                (NOT_MQL, NOT_READY, ACC, 1), // h
            ],
            months: &[
                ("2026-05", 1, 1), // e
                ("2026-06", 4, 2), // a b f g; f g not ready
            ],
            unparsable: &[],
        },
    );
}

#[test]
fn op_within_days_uses_the_handover_or_as_of() {
    // `within_days = 30` on "Last Visit": ref - 720 h <= value <= ref, ref = the handover for
    // handed-over keys, as_of (2026-06-30T12:00Z) for the others (rule 11).
    //   a ho 06-10T09:00, visit 05-11T09:00 -> exactly 720 h before ref -> true
    //   b ho 06-10T09:00, visit 06-10T09:00 -> equal to ref -> true
    //   c no ho, visit 05-31T12:00 -> exactly 720 h before as_of -> true
    //   d no ho, visit "2026-06-01" (00:00 UTC) -> inside [05-31T12:00, as_of] -> true
    //   e ho 06-10T09:00, visit 05-11T08:59:59 -> 1 s too early -> false
    //   f ho 06-10T09:00, visit 06-10T09:00:01 -> 1 s after ref -> false
    //   g ho 06-29T12:00 (in_window), visit 06-30T00:00 -> after its handover -> false
    //     (before as_of: a reading with ref = as_of would wrongly say true)
    //   h ho 05-20T10:00, visit "" -> false
    //   i no ho, visit 05-20T10:00 -> 41 days before as_of -> false
    //   j no ho, visit "2026-07-01" -> after as_of -> false
    // CRM: a b Qualified; c Unqualified; d Disqualified; e f empty status; g h no CRM row;
    //      i Working; j Converted.
    check_standard(
        "op_within_days",
        &Expected {
            evaluated: 10,
            ready: 4, // a b c d
            mismatches: Mismatches {
                mql_not_ready: 4,      // e f g h
                ready_not_mql: 2,      // c d
                ready_rejected: 2,     // c d
                not_ready_accepted: 2, // i j
            },
            failing: &[("recent_visit", 4)], // e f g h
            crosstab: &[
                (MQL, READY, ACC, 2),         // a b
                (NOT_MQL, READY, REJ, 2),     // c d
                (MQL, NOT_READY, NONE, 4),    // e f g h
                (NOT_MQL, NOT_READY, ACC, 2), // i j
            ],
            months: &[
                ("2026-05", 1, 1), // h
                ("2026-06", 5, 3), // a b e f g; e f g not ready
            ],
            unparsable: &[],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Value semantics (rule 10, "Trimming", "Empty values")
// ---------------------------------------------------------------------------------------------

#[test]
fn strings_are_trimmed_of_unicode_spaces_and_compared_case_insensitively() {
    // `eq = "Confirmed"`:
    //   a U+200B "Confirmed" U+200B -> true
    //   b U+00A0 "CONFIRMED" U+2060 -> true
    //   c TAB "confirmed" U+FEFF -> true
    //   d "Con firmed" -> false (inner space kept)   e "Confirmed." -> false
    //   f "NONE" -> empty spelling -> false          g U+200B alone -> empty -> false
    check_standard(
        "strings_trim_case",
        &Expected {
            failing: &[("budget", 3)],
            ..SEVEN
        },
    );
}

#[test]
fn numbers_unparsable_are_false_and_counted_per_distinct_key() {
    // `gte = 1000` on marketing "Revenue"; `thousands = ","` is set on [crm] only, so the
    // marketing value "1,200" stays unparsable.
    //   a "1200" -> true (mql 06-01, Qualified)
    //   b "1000.5" -> true (not handed over, Unqualified)
    //   c "1,200" -> unparsable, false (mql 05-20, empty status)
    //   d "unknown" on its handoff row (06-02) and "unknown " on a later non-handoff row ->
    //     unparsable, false, one key (CRM empty status)
    //   e "" -> false, not unparsable (mql 06-29 in_window, no CRM row)
    //   f "TBD" -> unparsable (not handed over, Working)
    //   g "1e3" -> unparsable (not handed over, Converted)
    //   h "null" -> empty, false, not unparsable (not handed over, Working)
    // unparsable.revenue = c d f g = 4 distinct marketing keys (not 5 rows).
    check_standard(
        "numbers_unparsable",
        &Expected {
            evaluated: 8, // a..h (d has two rows)
            ready: 2,     // a b
            mismatches: Mismatches {
                mql_not_ready: 3,      // c d e
                ready_not_mql: 1,      // b
                ready_rejected: 1,     // b
                not_ready_accepted: 3, // f g h
            },
            failing: &[("revenue", 3)], // c d e
            crosstab: &[
                (MQL, READY, ACC, 1),         // a
                (NOT_MQL, READY, REJ, 1),     // b
                (MQL, NOT_READY, NONE, 3),    // c d e
                (NOT_MQL, NOT_READY, ACC, 3), // f g h
            ],
            months: &[
                ("2026-05", 1, 1), // c
                ("2026-06", 3, 2), // a d e; d e not ready
            ],
            unparsable: &[("revenue", 4)],
        },
    );
}

#[test]
fn numbers_with_thousands_comma_are_read() {
    // `gte = 1000`, [marketing] thousands = ",":
    //   a "1,200" = 1200 -> true   b "12,000,000" -> true   c "1,000.50" = 1000.5 -> true
    //   d "999" -> false           e "unknown" -> unparsable, false
    //   f "" -> false              g "-1,500" = -1500 -> false
    check_standard(
        "numbers_thousands",
        &Expected {
            failing: &[("revenue", 3)],
            unparsable: &[("revenue", 1)],
            ..SEVEN
        },
    );
}

#[test]
fn numbers_with_decimal_comma_are_read() {
    // `gt = 1200`, [marketing] thousands = "." decimal = ",":
    //   a "1.200,5" = 1200.5 -> true   b "1.200.000" = 1200000 -> true
    //   c "1200,25" = 1200.25 -> true  d "1.200" = 1200 -> false (not above)
    //   e "1,5" = 1.5 -> false         f "" -> false   g "TBD" -> unparsable, false
    check_standard(
        "numbers_decimal_comma",
        &Expected {
            failing: &[("revenue", 3)],
            unparsable: &[("revenue", 1)],
            ..SEVEN
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Fields: CRM rows missing, headers in both files
// ---------------------------------------------------------------------------------------------

#[test]
fn crm_field_of_a_key_without_crm_row_is_missing() {
    // industry: Industry in ["Software", "Fintech"]; no_partner: Partner Account present = false.
    //   a mql 06-01; CRM "software", ""            -> T T ready; Qualified
    //   b mql 05-20; no CRM row: both missing      -> F T;       none
    //   c mql 06-29 (in_window); "Fintech", "Acme Partners" -> T F; empty status -> none
    //   d not ho; no CRM row                       -> F T;       none
    //   e not ho; "Retail", ""                     -> F T;       Converted
    //   f not ho; "SOFTWARE ", "N/A"               -> T T ready; Disqualified
    check_standard(
        "crm_missing",
        &Expected {
            evaluated: 6,
            ready: 2, // a f
            mismatches: Mismatches {
                mql_not_ready: 2,      // b c
                ready_not_mql: 1,      // f
                ready_rejected: 1,     // f
                not_ready_accepted: 1, // e
            },
            // among b c: industry fails for b; no_partner fails for c
            failing: &[("industry", 1), ("no_partner", 1)],
            crosstab: &[
                (MQL, READY, ACC, 1),          // a
                (MQL, NOT_READY, NONE, 2),     // b c
                (NOT_MQL, NOT_READY, NONE, 1), // d
                (NOT_MQL, NOT_READY, ACC, 1),  // e
                (NOT_MQL, READY, REJ, 1),      // f
            ],
            months: &[
                ("2026-05", 1, 1), // b
                ("2026-06", 2, 1), // a c; c not ready
            ],
            unparsable: &[],
        },
    );
}

#[test]
fn prefixed_header_reads_the_named_file() {
    // "Lead Source" is in both files. crm_source: crm:Lead Source in ["Web", "Webinar"];
    // map_source: marketing:Lead Source ne "Purchased List". (marketing value, CRM value):
    //   a mql 06-02 ("Webinar", "Web")               -> T T ready; Qualified
    //   b mql 05-20 ("Purchased List", "Web")        -> crm T, map F; empty status
    //   c mql 06-29 ("Webinar", "Trade Show")        -> crm F, map T; empty status
    //   d not ho ("Purchased List", "Purchased List") -> F F; Working
    //   e not ho ("Trade Show", "Web")               -> T T ready; Unqualified
    // Reading the prefixes the wrong way round gives b failing crm_source, c ready, e not ready.
    check_standard(
        "prefixed_header",
        &Expected {
            evaluated: 5,
            ready: 2, // a e
            mismatches: Mismatches {
                mql_not_ready: 2,      // b c
                ready_not_mql: 1,      // e
                ready_rejected: 1,     // e
                not_ready_accepted: 1, // d
            },
            failing: &[("crm_source", 1), ("map_source", 1)], // c; b
            crosstab: &[
                (MQL, READY, ACC, 1),         // a
                (MQL, NOT_READY, NONE, 2),    // b c
                (NOT_MQL, NOT_READY, ACC, 1), // d
                (NOT_MQL, READY, REJ, 1),     // e
            ],
            months: &[
                ("2026-05", 1, 1), // b
                ("2026-06", 2, 1), // a c; c not ready
            ],
            unparsable: &[],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// ready_when: the same eight leads under "all", "any" and 2
// ---------------------------------------------------------------------------------------------
//
// budget: Budget Status in [Confirmed, Allocated]; size: Employees gte 200;
// authority: Authority eq "Yes".
//
// | key | handover        | budget      | size         | authority  | n | CRM status          |
// |-----|-----------------|-------------|--------------|------------|---|---------------------|
// | a   | 06-01           | Confirmed T | 500 T        | Yes T      | 3 | qualified -> acc    |
// | b   | 06-02           | Allocated T | 200 T        | Partial F  | 2 | UNQUALIFIED -> rej  |
// | c   | 05-20           | confirmed T | 50 F         | "" F       | 1 | Working -> acc      |
// | d   | 06-29 in_window | Pending F   | 10 F         | No F       | 0 | Nurture -> none     |
// | e   | -               | "" F        | 1000 T       | YES T      | 2 | " disqualified "->rej|
// | f   | -               | Pending F   | unknown F(u) | yes T      | 1 | Converted -> acc    |
// | g   | -               | Allocated T | 199 F        | Yes T      | 2 | no CRM row -> none  |
// | h   | 06-03           | None F(empty)| 250 T       | Maybe F    | 1 | Unqualified -> rej  |
//
// (u): "unknown" is unparsable, so data_quality.unparsable.size = 1 in all three.

#[test]
fn ready_when_all() {
    // ready: n = 3 -> a only.
    check_standard(
        "ready_all",
        &Expected {
            evaluated: 8,
            ready: 1, // a
            mismatches: Mismatches {
                mql_not_ready: 4,      // b c d h
                ready_not_mql: 0,      // a is handed over
                ready_rejected: 0,     // a is accepted
                not_ready_accepted: 2, // c f
            },
            // among b c d h: budget fails d h; size fails c d; authority fails b c d h
            failing: &[("budget", 2), ("size", 2), ("authority", 4)],
            crosstab: &[
                (MQL, READY, ACC, 1),          // a
                (MQL, NOT_READY, REJ, 2),      // b h
                (MQL, NOT_READY, ACC, 1),      // c
                (MQL, NOT_READY, NONE, 1),     // d
                (NOT_MQL, NOT_READY, REJ, 1),  // e
                (NOT_MQL, NOT_READY, ACC, 1),  // f
                (NOT_MQL, NOT_READY, NONE, 1), // g
            ],
            months: &[
                ("2026-05", 1, 1), // c
                ("2026-06", 4, 3), // a b d h; b d h not ready
            ],
            unparsable: &[("size", 1)], // f
        },
    );
}

#[test]
fn ready_when_any_with_inline_definition() {
    // The definition is written inline in handoff.toml. ready: n >= 1 -> all but d.
    check_standard(
        "ready_any",
        &Expected {
            evaluated: 8,
            ready: 7, // a b c e f g h
            mismatches: Mismatches {
                mql_not_ready: 1,      // d
                ready_not_mql: 3,      // e f g
                ready_rejected: 3,     // b e h
                not_ready_accepted: 0, // d is none
            },
            failing: &[("budget", 1), ("size", 1), ("authority", 1)], // d fails all three
            crosstab: &[
                (MQL, READY, ACC, 2),      // a c
                (MQL, READY, REJ, 2),      // b h
                (MQL, NOT_READY, NONE, 1), // d
                (NOT_MQL, READY, REJ, 1),  // e
                (NOT_MQL, READY, ACC, 1),  // f
                (NOT_MQL, READY, NONE, 1), // g
            ],
            months: &[
                ("2026-05", 1, 0), // c is ready
                ("2026-06", 4, 1), // a b d h; d not ready
            ],
            unparsable: &[("size", 1)],
        },
    );
}

#[test]
fn ready_when_two_of_three() {
    // ready: n >= 2 -> a b e g.
    check_standard(
        "ready_n",
        &Expected {
            evaluated: 8,
            ready: 4, // a b e g
            mismatches: Mismatches {
                mql_not_ready: 3,      // c d h
                ready_not_mql: 2,      // e g
                ready_rejected: 2,     // b e
                not_ready_accepted: 2, // c f
            },
            // among c d h: budget fails d h; size fails c d; authority fails c d h
            failing: &[("budget", 2), ("size", 2), ("authority", 3)],
            crosstab: &[
                (MQL, READY, ACC, 1),         // a
                (MQL, READY, REJ, 1),         // b
                (MQL, NOT_READY, ACC, 1),     // c
                (MQL, NOT_READY, NONE, 1),    // d
                (NOT_MQL, READY, REJ, 1),     // e
                (NOT_MQL, NOT_READY, ACC, 1), // f
                (NOT_MQL, READY, NONE, 1),    // g
                (MQL, NOT_READY, REJ, 1),     // h
            ],
            months: &[
                ("2026-05", 1, 1), // c
                ("2026-06", 4, 2), // a b d h; d h not ready
            ],
            unparsable: &[("size", 1)],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 1: duplicated marketing keys
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_key_is_evaluated_on_its_earliest_handoff_row() {
    // budget: Budget Status in [Confirmed, Allocated]. Rows in file order:
    //   a: (no ho, Pending), (A@x.test 06-10, Pending), (06-05, Allocated), (no ho, Pending)
    //      -> earliest handoff row 06-05 -> true. First row, first handoff row in file order
    //      and last row all say Pending; "A@x.test" is the same e-mail key.
    //   b: (06-08T10:00, Confirmed), (06-08T10:00, Pending) -> tie, first in file -> true
    //   c: (no ho, Allocated), (no ho, Pending) -> never handed over: first row -> true
    //   d: (no ho, Pending), (no ho, Confirmed) -> first row -> false
    //   e: (05-20, Pending) -> false      f: (06-29 in_window, Pending) -> false
    // CRM: a Qualified; b Converted; c Unqualified; d Working; e empty status; f no row.
    check_standard(
        "duplicate_key",
        &Expected {
            evaluated: 6, // distinct keys a..f, 12 rows
            ready: 3,     // a b c
            mismatches: Mismatches {
                mql_not_ready: 2,      // e f
                ready_not_mql: 1,      // c
                ready_rejected: 1,     // c
                not_ready_accepted: 1, // d
            },
            failing: &[("budget", 2)], // e f
            crosstab: &[
                (MQL, READY, ACC, 2),         // a b
                (NOT_MQL, READY, REJ, 1),     // c
                (NOT_MQL, NOT_READY, ACC, 1), // d
                (MQL, NOT_READY, NONE, 2),    // e f
            ],
            months: &[
                ("2026-05", 1, 1), // e
                ("2026-06", 3, 1), // a b f (keys, not rows); f not ready
            ],
            unparsable: &[],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 12: stale definition (timezone America/New_York, EDT = UTC-4 in June)
// ---------------------------------------------------------------------------------------------

/// Figures of the two-lead stale fixtures: a (mql 06-01, Confirmed, Qualified) is ready;
/// b (not handed over, Pending, no CRM row) is not.
const STALE_FIGURES: Expected<'static> = Expected {
    evaluated: 2,
    ready: 1, // a
    mismatches: Mismatches {
        mql_not_ready: 0,
        ready_not_mql: 0,
        ready_rejected: 0,
        not_ready_accepted: 0,
    },
    failing: &[("budget", 0)], // zeros included (rule 15)
    crosstab: &[
        (MQL, READY, ACC, 1),          // a
        (NOT_MQL, NOT_READY, NONE, 1), // b
    ],
    months: &[("2026-06", 1, 0)], // a: 06-01T10:00Z = 06:00 EDT
    unparsable: &[],
};

#[test]
fn stale_one_second_after_the_local_midnight() {
    // reviewed 2026-03-30, review_every_days absent -> 92: 03-30 + 92 days = 2026-06-30;
    // its local midnight is 2026-06-30T00:00 EDT = 04:00:00Z; as_of 04:00:01Z is later.
    let report = check("stale_just", &STALE_FIGURES);
    let def = &report["definition"];
    assert_eq!(def["name"], "Sales-ready lead");
    assert_eq!(def["version"], "2026-Q1");
    assert_eq!(def["reviewed"], "2026-03-30");
    assert_eq!(def["stale"], true);
}

#[test]
fn not_stale_at_exactly_the_local_midnight() {
    // reviewed 2026-04-29, review_every_days = 62: 04-29 + 62 days = 2026-06-30; its local
    // midnight is 04:00:00Z = as_of, which is not later, so not stale. (A UTC-midnight
    // reading, 00:00Z, would wrongly call it stale.)
    let report = check("stale_not", &STALE_FIGURES);
    let def = &report["definition"];
    assert_eq!(def["name"], "Sales-ready lead");
    assert_eq!(def["version"], "2026-Q2b");
    assert_eq!(def["reviewed"], "2026-04-29");
    assert_eq!(def["stale"], false);
}

// ---------------------------------------------------------------------------------------------
// Definition errors: exit 2 and a message naming the culprit
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn assert_exit_2_naming(cmd: &str, case: &str, needles: &[&str]) {
    let cfg = config_str(case);
    let out = run(&[cmd, "--config", &cfg]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{cmd} {case}: exit code; stderr:\n{err}"
    );
    for needle in needles {
        assert!(
            err.contains(needle),
            "{cmd} {case}: stderr does not name `{needle}`:\n{err}"
        );
    }
}

#[test]
fn unknown_operator_names_criterion_and_operator() {
    // criterion `budget_ok` uses `equals`, which is not an operator.
    assert_exit_2_naming("audit", "err_unknown_operator", &["budget_ok", "equals"]);
}

#[test]
fn field_in_neither_file_is_named() {
    assert_exit_2_naming("audit", "err_unknown_field", &["Budget Stauts"]);
}

#[test]
fn field_in_both_files_without_prefix_names_both_files() {
    assert_exit_2_naming(
        "audit",
        "err_ambiguous_field",
        &["Lead Source", "marketing.csv", "crm.csv"],
    );
}

#[test]
fn ready_when_above_the_number_of_criteria_is_an_error() {
    // ready_when = 4 with 3 criteria.
    assert_exit_2_naming("audit", "err_ready_when_too_high", &["ready_when"]);
}

// ---------------------------------------------------------------------------------------------
// `validate` and `explain`
// ---------------------------------------------------------------------------------------------

const GOOD_CASES: &[&str] = &[
    "op_eq",
    "op_ne",
    "op_in",
    "op_not_in",
    "op_contains",
    "op_gte",
    "op_gt",
    "op_lte",
    "op_lt",
    "op_between",
    "op_present_true",
    "op_present_false",
    "op_within_days",
    "strings_trim_case",
    "numbers_unparsable",
    "numbers_thousands",
    "numbers_decimal_comma",
    "crm_missing",
    "prefixed_header",
    "ready_all",
    "ready_any",
    "ready_n",
    "duplicate_key",
    "stale_just",
    "stale_not",
];

#[test]
fn validate_accepts_a_good_fixture() {
    let cfg = config_str("ready_n");
    let out = run(&["validate", "--config", &cfg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "validate ready_n; stderr:\n{}",
        stderr(&out)
    );
}

#[test]
fn validate_accepts_every_figures_fixture() {
    for case in GOOD_CASES {
        let cfg = config_str(case);
        let out = run(&["validate", "--config", &cfg]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "validate {case}; stderr:\n{}",
            stderr(&out)
        );
    }
}

#[test]
fn validate_rejects_unknown_operator() {
    assert_exit_2_naming("validate", "err_unknown_operator", &["budget_ok", "equals"]);
}

#[test]
fn validate_rejects_every_definition_error() {
    assert_exit_2_naming("validate", "err_unknown_field", &["Budget Stauts"]);
    assert_exit_2_naming(
        "validate",
        "err_ambiguous_field",
        &["Lead Source", "marketing.csv", "crm.csv"],
    );
    assert_exit_2_naming("validate", "err_ready_when_too_high", &["ready_when"]);
}

/// Whether `line` holds `word` as a whole word (letters, digits and `_` bound a word).
fn has_word(line: &str, word: &str) -> bool {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

#[test]
fn explain_shows_each_criterion_value_and_verdict() {
    // ready_n, lead b: budget "Allocated" -> true; size "200" -> true (gte 200);
    // authority "Partial" -> false.
    let cfg = config_str("ready_n");
    let out = run(&["explain", "b@x.test", "--config", &cfg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "explain b@x.test; stderr:\n{}",
        stderr(&out)
    );
    let text = stdout(&out);
    for (id, value, verdict, other) in [
        ("budget", "Allocated", "true", "false"),
        ("size", "200", "true", "false"),
        ("authority", "Partial", "false", "true"),
    ] {
        let line = text
            .lines()
            .find(|l| has_word(l, id) && l.contains(value))
            .unwrap_or_else(|| {
                panic!("explain: no line with criterion `{id}` and value `{value}`:\n{text}")
            });
        assert!(
            has_word(line, verdict) && !has_word(line, other),
            "explain: criterion `{id}` should read `{verdict}`: {line}\n{text}"
        );
    }
}

#[test]
fn explain_unknown_key_names_both_files() {
    let cfg = config_str("ready_n");
    let out = run(&["explain", "nobody@x.test", "--config", &cfg]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "explain nobody@x.test; stderr:\n{err}"
    );
    assert!(err.to_lowercase().contains("no such key"), "stderr:\n{err}");
    assert!(
        err.contains("marketing.csv"),
        "stderr does not name marketing.csv:\n{err}"
    );
    assert!(
        err.contains("crm.csv"),
        "stderr does not name crm.csv:\n{err}"
    );
}
