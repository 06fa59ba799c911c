//! Exact core figures on small fixtures (`fixtures/small/<case>/`) that can be checked by hand.
//!
//! Each test covers one case: follow-up with its buckets and median/p90, ownership, feedback,
//! months, data quality, inputs and `as_of`, all on the calendar clock. The working for every
//! figure is written next to its assertion and follows SPEC.md's "Definitions". It was not
//! copied from a run of `handoff`. Times in comments are UTC ("Z") unless marked otherwise.
//! The definition audit is covered elsewhere; none of these fixtures has a `[definition]`.

use serde_json::Value;

use crate::common::{assert_close, audit_json, fixture, int};

/// `handoff audit --config fixtures/small/<case>/handoff.toml --format json [extra...]`.
fn report(case: &str, extra: &[&str]) -> Value {
    audit_json(&fixture(&format!("small/{case}/handoff.toml")), extra)
}

/// The string at a JSON Pointer.
#[track_caller]
fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer}: expected a string, got {:?}", v.pointer(pointer)))
}

/// Assert the float at a JSON Pointer to a relative 1e-9.
#[track_caller]
fn close(v: &Value, pointer: &str, expected: f64) {
    let actual = v
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} is missing"));
    assert_close(actual, expected);
}

/// Assert several integers, each named by its JSON Pointer.
#[track_caller]
fn ints(v: &Value, expected: &[(&str, i64)]) {
    for &(pointer, want) in expected {
        assert_eq!(int(v, pointer), want, "{pointer}");
    }
}

/// The array at a JSON Pointer.
#[track_caller]
fn array<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{pointer}: expected an array, got {:?}", v.pointer(pointer)))
}

/// `[{<name>: .., <count>: ..}]` (buckets, dispositions, reasons) as `(name, count)` pairs.
#[track_caller]
fn pairs<'a>(v: &'a Value, pointer: &str, name: &str) -> Vec<(&'a str, i64)> {
    array(v, pointer)
        .iter()
        .map(|e| {
            let n = e[name]
                .as_str()
                .unwrap_or_else(|| panic!("{pointer}: {name} in {e}"));
            let c = e["count"]
                .as_i64()
                .unwrap_or_else(|| panic!("{pointer}: count in {e}"));
            (n, c)
        })
        .collect()
}

/// Read the named integer fields of one entry of a list such as `owners[]` or `months[]`.
#[track_caller]
fn fields<const N: usize>(e: &Value, names: [&str; N]) -> [i64; N] {
    names.map(|n| e[n].as_i64().unwrap_or_else(|| panic!("{n} in {e}")))
}

/// `ownership.owners[]` as `(owner, [eligible, followed_up, within_sla, breaches,
/// dispositioned])`, in report order.
#[track_caller]
fn owner_rows(v: &Value) -> Vec<(&str, [i64; 5])> {
    let names = [
        "eligible",
        "followed_up",
        "within_sla",
        "breaches",
        "dispositioned",
    ];
    array(v, "/ownership/owners")
        .iter()
        .map(|e| {
            (
                e["owner"].as_str().expect("owner is a string"),
                fields(e, names),
            )
        })
        .collect()
}

/// `months[]` as `(month, [handed_over, eligible, followed_up, breaches, dispositioned])`,
/// in report order. `mql_not_ready` needs a definition and is not read here.
#[track_caller]
fn months(v: &Value) -> Vec<(&str, [i64; 5])> {
    let names = [
        "handed_over",
        "eligible",
        "followed_up",
        "breaches",
        "dispositioned",
    ];
    array(v, "/months")
        .iter()
        .map(|e| {
            (
                e["month"].as_str().expect("month is a string"),
                fields(e, names),
            )
        })
        .collect()
}

/// `inputs.<source>` as `[rows, skipped, footer_lines]`.
#[track_caller]
fn input(v: &Value, source: &str) -> [i64; 3] {
    let e = v
        .pointer(&format!("/inputs/{source}"))
        .unwrap_or_else(|| panic!("inputs.{source} is missing"));
    fields(e, ["rows", "skipped", "footer_lines"])
}

/// `data_quality.skipped_rows` as sorted `(source, line)` pairs; the reasons are free text.
#[track_caller]
fn skipped(v: &Value) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = array(v, "/data_quality/skipped_rows")
        .iter()
        .map(|e| {
            let source = e["source"]
                .as_str()
                .unwrap_or_else(|| panic!("source in {e}"));
            let line = e["line"].as_i64().unwrap_or_else(|| panic!("line in {e}"));
            (source.to_owned(), line)
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn basic() {
    // fixtures/small/basic: timezone left at its UTC default, SLA 48 h,
    // as_of 2026-03-12T12:00Z from the config.
    let r = report("basic", &[]);
    assert_eq!(text(&r, "/as_of"), "2026-03-12T12:00:00Z");
    assert_eq!(text(&r, "/as_of_source"), "config");
    close(&r, "/sla/hours", 48.0);
    assert_eq!(text(&r, "/sla/clock"), "calendar");
    // No [definition] section, so the whole block is null.
    assert_eq!(r.get("definition"), Some(&Value::Null));

    // Per lead: handover -> first touch of a Call/Email/Meeting type (case-insensitive),
    // handover <= at <= as_of:
    //   a 03-02 09:00 -> Call 03-02 09:00, at the handover instant: 0 h      within, <=5m
    //   b 03-02 10:00 -> Note 10:02 is not a touch type; Email 10:05:
    //                    5 min = 1/12 h (the 5 min bound is inclusive)       within, <=5m
    //   k 03-07 10:00 -> Meeting 11:00: 1 h (the 1 h bound is inclusive)     within, <=1h
    //   c 03-03 08:00 -> "call" 20:00: 12 h                                  within, <=24h
    //   d 03-04 06:00 -> "EMAIL" 03-06 06:00: exactly 48 h                   within, <=SLA
    //   g 03-10 12:00 -> window closes 03-12 12:00 = as_of, which is not > as_of, so g is
    //                    eligible; "meeting" at 03-12 12:00 = as_of counts: 48 h
    //                                                                        within, <=SLA
    //   j 03-01 00:00 -> Meeting 03-04 00:00 (listed first) and Call 03-03 06:00: the
    //                    earliest is the Call, 54 h                          late,   >SLA
    //   e 03-05 00:00 -> Call 03-08 12:00: 3 d 12 h = 84 h                   late,   >SLA
    //   f 03-06 12:00 -> its only Call, 03-13 09:00, is after as_of and ignored  never
    //   l 03-06 08:00 -> only a Note (not a touch type)                      never
    //   h 03-11 09:00 -> window closes 03-13 09:00 > as_of                   in_window
    //   i has no MQL Date                                                    not handed over
    // handed_over = 11 (all but i), in_window = 1 (h), eligible = 10;
    // followed_up = a b k c d g j e = 8, within_sla = a b k c d g = 6, late = j e = 2,
    // never = f l = 2, breaches = 2 + 2 = 4.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 11),
            ("/follow_up/in_window", 1),
            ("/follow_up/eligible", 10),
            ("/follow_up/followed_up", 8),
            ("/follow_up/within_sla", 6),
            ("/follow_up/late", 2),
            ("/follow_up/never", 2),
            ("/follow_up/breaches", 4),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 0.8); // 8 / 10
    close(&r, "/follow_up/sla_met_rate", 0.6); // 6 / 10
    close(&r, "/follow_up/breach_rate", 0.4); // 4 / 10
    // Sorted hours (n = 8): [0, 1/12, 1, 12, 48, 48, 54, 84].
    // median: h = 7 * 0.5 = 3.5 -> 12 + 0.5 * (48 - 12) = 30.
    // p90:    h = 7 * 0.9 = 6.3 -> 54 + 0.3 * (84 - 54) = 63.
    close(&r, "/follow_up/hours_to_first_touch/median", 30.0);
    close(&r, "/follow_up/hours_to_first_touch/p90", 63.0);
    // <=5m a b; <=1h k; <=24h c; <=SLA d g; >SLA j e; never f l. Sum 10 = eligible.
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 2),
            ("<=1h", 1),
            ("<=24h", 1),
            ("<=SLA", 2),
            (">SLA", 2),
            ("never", 2)
        ]
    );

    // Every CRM row is owned by Ann; i (no CRM row) is not handed over, so nobody eligible
    // is unowned. Ann: eligible 10, followed_up 8, within 6, breaches 4; dispositioned:
    // a Qualified (accepted) and e Unqualified (rejected) = 2. h's Working is in_window.
    ints(
        &r,
        &[
            ("/ownership/unowned", 0),
            ("/ownership/unowned_breaches", 0),
        ],
    );
    assert_eq!(owner_rows(&r), [("Ann", [10, 8, 6, 4, 2])]);
    ints(
        &r,
        &[("/feedback/eligible", 10), ("/feedback/dispositioned", 2)],
    );
    close(&r, "/feedback/coverage", 0.2); // 2 / 10
    // Count ties are ordered by value: "Qualified" < "Unqualified".
    assert_eq!(
        pairs(&r, "/feedback/dispositions", "value"),
        [("Qualified", 1), ("Unqualified", 1)]
    );
    // Only e is rejected, and its reason is "Timing".
    assert_eq!(pairs(&r, "/feedback/reasons", "value"), [("Timing", 1)]);

    // Every handover is in March 2026 (UTC). handed_over 11 (h included), eligible 10,
    // followed_up 8, breaches 4, dispositioned 2.
    assert_eq!(months(&r), [("2026-03", [11, 10, 8, 4, 2])]);

    // i is the only marketing key without a CRM row. Every activity key is a marketing key.
    // No touch-type activity lies before its key's handover (f's late Call is after as_of).
    ints(
        &r,
        &[
            ("/data_quality/duplicate_keys/marketing", 0),
            ("/data_quality/duplicate_keys/crm", 0),
            ("/data_quality/marketing_without_crm", 1),
            ("/data_quality/activities_without_marketing", 0),
            ("/data_quality/touches_before_handover", 0),
            ("/data_quality/skipped_rows_total", 0),
        ],
    );
    assert!(skipped(&r).is_empty());
    assert_eq!(input(&r, "marketing"), [12, 0, 0]);
    assert_eq!(input(&r, "crm"), [11, 0, 0]);
    assert_eq!(input(&r, "activities"), [12, 0, 0]);
}

#[test]
fn dst() {
    // fixtures/small/dst: naive local times in America/New_York; EST = UTC-5, EDT = UTC-4.
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT. 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    // as_of 2026-11-15T17:00Z; every window has closed by then, so in_window = 0.
    let r = report("dst", &[]);
    assert_eq!(text(&r, "/as_of"), "2026-11-15T17:00:00Z");
    assert_eq!(text(&r, "/as_of_source"), "config");

    // s1: handover 2026-03-08 02:30 is in the skipped hour, so it is read with the offset
    //     before the change (EST): 07:30Z. Touch 03:40 EDT = 07:40Z -> 10 min = 1/6 h
    //     -> within, <=1h. (Read as EDT, 02:30 would be 06:30Z: 70 min, <=24h.)
    // s2: handover 2026-11-01 01:30 is in the repeated hour; the earlier instant is
    //     01:30 EDT = 05:30Z. Touch 06:00Z -> 0.5 h -> within, <=1h. (The later instant,
    //     06:30Z, would put the touch before the handover.)
    // s3: 2026-03-07 09:00 EST = 14:00Z -> touch 03-09 09:00 EDT = 13:00Z:
    //     48 wall-clock hours but 47 elapsed -> within, <=SLA.
    // s5: 2026-03-07 10:00 EST = 15:00Z -> touch 03-09 11:00 EDT = 15:00Z:
    //     49 wall-clock hours but exactly 48 elapsed -> within, <=SLA.
    // s4: 2026-10-31 10:00 EDT = 14:00Z -> touch 11-02 10:00 EST = 15:00Z:
    //     48 wall-clock hours but 49 elapsed -> late, >SLA.
    // s6: 2026-10-30 12:00 EDT = 16:00Z -> touch 11-01 11:30 EST = 16:30Z:
    //     47.5 wall-clock hours but 48.5 elapsed -> late, >SLA.
    // s7: 2026-10-31 22:30 EDT = 2026-11-01T02:30Z, never touched -> never.
    // handed_over 7, eligible 7, followed_up 6, within 4 (s1 s2 s3 s5), late 2 (s4 s6),
    // never 1 (s7), breaches 3.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 7),
            ("/follow_up/in_window", 0),
            ("/follow_up/eligible", 7),
            ("/follow_up/followed_up", 6),
            ("/follow_up/within_sla", 4),
            ("/follow_up/late", 2),
            ("/follow_up/never", 1),
            ("/follow_up/breaches", 3),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 6.0 / 7.0);
    close(&r, "/follow_up/sla_met_rate", 4.0 / 7.0);
    close(&r, "/follow_up/breach_rate", 3.0 / 7.0);
    // Sorted hours (n = 6): [1/6, 0.5, 47, 48, 48.5, 49].
    // median: h = 5 * 0.5 = 2.5 -> 47 + 0.5 * (48 - 47) = 47.5.
    // p90:    h = 5 * 0.9 = 4.5 -> 48.5 + 0.5 * (49 - 48.5) = 48.75.
    close(&r, "/follow_up/hours_to_first_touch/median", 47.5);
    close(&r, "/follow_up/hours_to_first_touch/p90", 48.75);
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 0),
            ("<=1h", 2),
            ("<=24h", 0),
            ("<=SLA", 2),
            (">SLA", 2),
            ("never", 1)
        ]
    );
    // Months are local: s7 (02:30Z on Nov 1) falls in October in New York.
    //   2026-03: s1 s3 s5, all followed up within the SLA   -> [3, 3, 3, 0, 0]
    //   2026-10: s4 s6 (late) and s7 (never)                -> [3, 3, 2, 3, 0]
    //   2026-11: s2                                         -> [1, 1, 1, 0, 0]
    assert_eq!(
        months(&r),
        [
            ("2026-03", [3, 3, 3, 0, 0]),
            ("2026-10", [3, 3, 2, 3, 0]),
            ("2026-11", [1, 1, 1, 0, 0]),
        ]
    );
    // No touch precedes its handover: each key's only Call is after it, as shown above.
    ints(&r, &[("/data_quality/touches_before_handover", 0)]);
    assert_eq!(owner_rows(&r), [("Dee", [7, 6, 4, 3, 0])]);
}

#[test]
fn offsets() {
    // fixtures/small/offsets: timezone Asia/Tokyo (UTC+09:00, no DST), sla_hours left at its
    // default of 48, as_of 2026-04-30T00:00Z.
    let r = report("offsets", &[]);
    close(&r, "/sla/hours", 48.0);
    // o1: handover 2026-03-31T16:00:00Z (Z) = 04-01 01:00 JST. Activity "2026-04-01" is
    //     date-only on the handover's local day, so it counts at the handover instant: 0 h.
    //     -> <=5m. (With the UTC day, 03-31, it would be local midnight 03-31T15:00Z, before
    //     the handover.)
    // o2: 2026-04-03T10:00:00+02:00 = 08:00Z -> activity 2026-04-03T09:00:00+0000 (offset
    //     without a colon) = 09:00Z: 1 h -> <=1h.
    // o3: naive 2026-04-05 09:00 JST = 04-05T00:00Z -> Email 2026-04-05T12:00:00Z: 12 h
    //     -> <=24h. Its date-only Call "2026-04-04" (a different day) is local midnight
    //     04-04 00:00 JST = 04-03T15:00Z, before the handover.
    // o4: date-only handover "2026-04-06" = local midnight = 04-05T15:00Z -> Call
    //     2026-04-07T15:00:00+09:00 = 04-07T06:00Z: 39 h -> <=SLA.
    // o5: 2026-04-08T10:00:00+09:00 = 04-08T01:00Z -> date-only Meeting "2026-04-11" on a
    //     later day = local midnight 04-11 00:00 JST = 04-10T15:00Z: 2 d 14 h = 62 h
    //     -> late, >SLA.
    // o6: "2026-04-12 17:00+09:00" (space, no seconds, offset) = 08:00Z -> Call
    //     2026-04-12T08:03:00.000Z (fraction): 3 min = 0.05 h -> <=5m.
    // handed_over = eligible = followed_up = 6; within 5; late 1 (o5); never 0.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 6),
            ("/follow_up/in_window", 0),
            ("/follow_up/eligible", 6),
            ("/follow_up/followed_up", 6),
            ("/follow_up/within_sla", 5),
            ("/follow_up/late", 1),
            ("/follow_up/never", 0),
            ("/follow_up/breaches", 1),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 1.0);
    close(&r, "/follow_up/sla_met_rate", 5.0 / 6.0);
    close(&r, "/follow_up/breach_rate", 1.0 / 6.0);
    // Sorted hours (n = 6): [0, 0.05, 1, 12, 39, 62].
    // median: h = 2.5 -> 1 + 0.5 * (12 - 1) = 6.5.
    // p90:    h = 4.5 -> 39 + 0.5 * (62 - 39) = 50.5.
    close(&r, "/follow_up/hours_to_first_touch/median", 6.5);
    close(&r, "/follow_up/hours_to_first_touch/p90", 50.5);
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 2),
            ("<=1h", 1),
            ("<=24h", 1),
            ("<=SLA", 1),
            (">SLA", 1),
            ("never", 0)
        ]
    );
    // o1's handover is 03-31 in UTC but 04-01 in Tokyo, so there is one month only.
    assert_eq!(months(&r), [("2026-04", [6, 6, 6, 1, 0])]);
    // Only o3 has a touch-type activity strictly before its handover (the 04-04 Call). o1's
    // same-day date-only Call is at the handover instant, so it is not before it.
    ints(&r, &[("/data_quality/touches_before_handover", 1)]);
    assert_eq!(input(&r, "activities"), [7, 0, 0]);
}

#[test]
fn keys() {
    // fixtures/small/keys: UTC, as_of 2026-05-31T00:00Z, marketing `mql` mapped to "Is MQL".
    // The CRM header is spelled "EMAIL,owner,..." while the config says "Email"/"Owner".
    let r = report("keys", &[]);
    // Marketing rows, keyed after trimming and e-mail case folding:
    //   2 Ann@Example.com  yes  05-04 10:00   handoff row
    //   3 ann@example.com  Yes  05-01 10:00   handoff row, the earliest -> ann's handover
    //   4 ANN@EXAMPLE.COM  no   04-20 10:00   flag "no": not a handoff row although earlier
    //   5 bob@example.com  x    05-02 09:00   handed over, no CRM row
    //   6 "  Cat@Example.com<U+200B>"  Y  05-03 12:00 -> cat@example.com, handed over
    //   7 dan@example.com  no   05-03 12:00   not handed over
    //   8 eve@example.com  MQL  05-06 08:00   handoff row
    //   9 eve@example.com  1    05-05 08:00   handoff row, the earliest -> eve's handover
    //  10 fay@example.com  ""   05-06 08:00   empty flag: not handed over
    //  11 gus@example.com  true (no date)     not handed over
    // 10 rows, distinct keys ann bob cat dan eve fay gus = 7 -> duplicate_keys.marketing = 3.
    // CRM: ann, cat, eve (Rep One, Unqualified, "Budget"), Eve again (Rep Two, Qualified:
    // dropped, the first row wins), dan, zed -> 6 rows, 5 keys, duplicate_keys.crm = 1.
    // Follow-up (handed over: ann bob cat eve, all eligible):
    //   ann 05-01 10:00 -> Call 05-01 12:00 (key "ann@EXAMPLE.com"): 2 h   within, <=24h
    //   cat 05-03 12:00 -> Email 12:30 (key "<NBSP>cat@example.com "): 0.5 h  within, <=1h
    //   eve 05-05 08:00 -> Meeting 05-08 08:00: 72 h                       late, >SLA
    //   bob: no activity                                                   never
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 4),
            ("/follow_up/in_window", 0),
            ("/follow_up/eligible", 4),
            ("/follow_up/followed_up", 3),
            ("/follow_up/within_sla", 2),
            ("/follow_up/late", 1),
            ("/follow_up/never", 1),
            ("/follow_up/breaches", 2),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 0.75); // 3 / 4
    close(&r, "/follow_up/sla_met_rate", 0.5); // 2 / 4
    close(&r, "/follow_up/breach_rate", 0.5); // 2 / 4
    // Sorted hours (n = 3): [0.5, 2, 72]. median: h = 1 -> 2.
    // p90: h = 2 * 0.9 = 1.8 -> 2 + 0.8 * (72 - 2) = 58.
    close(&r, "/follow_up/hours_to_first_touch/median", 2.0);
    close(&r, "/follow_up/hours_to_first_touch/p90", 58.0);
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 0),
            ("<=1h", 1),
            ("<=24h", 1),
            ("<=SLA", 0),
            (">SLA", 1),
            ("never", 1)
        ]
    );
    // Owners: ann -> Rep One (the CRM key "ANN@example.COM"), cat -> Rep Two, eve -> Rep One
    // (first CRM row), bob -> unowned (no CRM row), and bob never got a touch.
    //   Rep One: ann (within, Qualified), eve (late, Unqualified) -> [2, 2, 1, 1, 2]
    //   Rep Two: cat (within, no status)                          -> [1, 1, 1, 0, 0]
    ints(
        &r,
        &[
            ("/ownership/unowned", 1),
            ("/ownership/unowned_breaches", 1),
        ],
    );
    assert_eq!(
        owner_rows(&r),
        [("Rep One", [2, 2, 1, 1, 2]), ("Rep Two", [1, 1, 1, 0, 0])]
    );
    ints(
        &r,
        &[("/feedback/eligible", 4), ("/feedback/dispositioned", 2)],
    );
    close(&r, "/feedback/coverage", 0.5); // 2 / 4
    assert_eq!(
        pairs(&r, "/feedback/dispositions", "value"),
        [("Qualified", 1), ("Unqualified", 1)]
    );
    assert_eq!(pairs(&r, "/feedback/reasons", "value"), [("Budget", 1)]);
    assert_eq!(months(&r), [("2026-05", [4, 4, 3, 2, 2])]);
    // marketing_without_crm: bob, fay, gus (ann, cat, dan, eve have CRM rows) = 3.
    // activities_without_marketing: x1 (two rows, "x1@" and "X1@", one key; a Call and a
    // Note), x2 (a Note), zed (only in the CRM) = 3. dan's activity is on a marketing key.
    // touches_before_handover: ann's Call (05-01 12:00) is after her handover, which is
    // 05-01 10:00 and not the flag-"no" row of 04-20. dan is not handed over. -> 0.
    ints(
        &r,
        &[
            ("/data_quality/duplicate_keys/marketing", 3),
            ("/data_quality/duplicate_keys/crm", 1),
            ("/data_quality/marketing_without_crm", 3),
            ("/data_quality/activities_without_marketing", 3),
            ("/data_quality/touches_before_handover", 0),
        ],
    );
    assert_eq!(input(&r, "marketing"), [10, 0, 0]);
    assert_eq!(input(&r, "crm"), [6, 0, 0]);
    assert_eq!(input(&r, "activities"), [8, 0, 0]);
}

#[test]
fn owners() {
    // fixtures/small/owners: UTC, as_of 2026-07-10T00:00Z, sales.unowned = ["Lead Queue"].
    let r = report("owners", &[]);
    // lead  handover     CRM owner     status        reason      first touch        elapsed
    // p1    06-01 09:00  Zoe           qualified     fit         Call 06-01 10:00   1 h
    //       (p1's Note on 05-30 is not a touch type)
    // p2    06-02 09:00  ana           Unqualified   no budget   Call 06-06 09:00   96 h
    // p3    06-03 09:00  lead queue    recycled      -           -                  never
    // p4    06-04 09:00  (empty)       Nurture       -           Email 06-04 21:00  12 h
    // p5    06-05 09:00  Zoe           nurture       -           Call 06-08 09:00   72 h
    //       (p5's Call on 06-04 09:00 is before the handover)
    // p6    06-29 09:00  ana           DISQUALIFIED  No Budget   Meeting 06-30 09:00 24 h
    // p7    07-01 09:00  Zoe           unqualified   competitor  -                  never
    // p8    07-02 09:00  "Ana " = Ana  Recycled      spam        Call 07-02 09:30   0.5 h
    // p9    07-09 09:00  Zoe           Qualified     -           (window ends 07-11 09:00
    //                                                            > as_of: in_window)
    // p10   07-03 09:00  (no CRM row)  -             -           Call 07-06 09:00   72 h
    // p11   06-15 09:00  Zoe           nurture       -           Call 06-15 09:04   1/15 h
    // p12   not handed over (empty MQL Date), CRM Zoe / Unqualified / late: not counted.
    // handed_over 11, in_window 1 (p9), eligible 10; followed_up p1 p2 p4 p5 p6 p8 p10 p11
    // = 8; within (<= 48 h) p1 p4 p6 p8 p11 = 5; late p2 p5 p10 = 3; never p3 p7 = 2;
    // breaches 5.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 11),
            ("/follow_up/in_window", 1),
            ("/follow_up/eligible", 10),
            ("/follow_up/followed_up", 8),
            ("/follow_up/within_sla", 5),
            ("/follow_up/late", 3),
            ("/follow_up/never", 2),
            ("/follow_up/breaches", 5),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 0.8);
    close(&r, "/follow_up/sla_met_rate", 0.5);
    close(&r, "/follow_up/breach_rate", 0.5);
    // Sorted hours (n = 8): [1/15, 0.5, 1, 12, 24, 72, 72, 96].
    // median: h = 3.5 -> 12 + 0.5 * (24 - 12) = 18. p90: h = 6.3 -> 72 + 0.3 * 24 = 79.2.
    close(&r, "/follow_up/hours_to_first_touch/median", 18.0);
    close(&r, "/follow_up/hours_to_first_touch/p90", 79.2);
    // <=5m p11; <=1h p1 (1 h inclusive) p8; <=24h p4 p6 (24 h inclusive); >SLA p2 p5 p10.
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 1),
            ("<=1h", 2),
            ("<=24h", 2),
            ("<=SLA", 0),
            (">SLA", 3),
            ("never", 2)
        ]
    );

    // unowned (eligible only): p3 "lead queue" (in sales.unowned, case-insensitively),
    // p4 empty owner, p10 no CRM row = 3. unowned_breaches: p3 never + p10 late = 2 (p4 was
    // within).
    ints(
        &r,
        &[
            ("/ownership/unowned", 3),
            ("/ownership/unowned_breaches", 2),
        ],
    );
    // Owners by UTF-8 byte order: "Ana" (0x41) < "Zoe" (0x5A) < "ana" (0x61); "Ana " is
    // trimmed to "Ana", which is a different owner from "ana".
    //   Ana: p8 within, Recycled (no verdict)                       -> [1, 1, 1, 0, 0]
    //   Zoe: p1 within + accepted, p5 late, p7 never + rejected, p11 within; p9 is in_window
    //        -> eligible 4, followed_up 3, within 2, breaches 2, dispositioned 2
    //   ana: p2 late + rejected, p6 within + rejected             -> [2, 2, 1, 1, 2]
    // 1 + 4 + 2 owned + 3 unowned = 10 eligible.
    assert_eq!(
        owner_rows(&r),
        [
            ("Ana", [1, 1, 1, 0, 0]),
            ("Zoe", [4, 3, 2, 2, 2]),
            ("ana", [2, 2, 1, 1, 2])
        ]
    );

    // Verdicts of the eligible leads: accepted p1; rejected p2 p6 p7; every other lead has
    // none. dispositioned = 4, coverage 4 / 10.
    ints(
        &r,
        &[("/feedback/eligible", 10), ("/feedback/dispositioned", 4)],
    );
    close(&r, "/feedback/coverage", 0.4);
    // Dispositions of eligible leads with a non-empty one (9 of them; p10 has no CRM row),
    // grouped case-insensitively:
    //   nurture: p4 "Nurture", p5 "nurture", p11 "nurture" -> 3; not a configured value, so
    //            it is shown in its most frequent spelling, "nurture" (2 against 1)
    //   unqualified: p2 "Unqualified", p7 "unqualified" -> 2, shown as configured "Unqualified"
    //   recycled: p3 "recycled", p8 "Recycled" -> 2, a 1-1 tie, so the smallest string is
    //            shown: "Recycled" (R = 0x52 < r = 0x72)
    //   qualified: p1 "qualified" -> 1, shown as configured "Qualified" (p9's "Qualified"
    //            is in_window and not counted)
    //   disqualified: p6 "DISQUALIFIED" -> 1, shown as configured "Disqualified"
    // Sorted by count descending, then value: "Recycled" < "Unqualified";
    // "Disqualified" < "Qualified".
    assert_eq!(
        pairs(&r, "/feedback/dispositions", "value"),
        [
            ("nurture", 3),
            ("Recycled", 2),
            ("Unqualified", 2),
            ("Disqualified", 1),
            ("Qualified", 1),
        ]
    );
    // Reasons only for rejected verdicts: p2 "no budget" + p6 "No Budget" (a tie, so the
    // smallest string "No Budget" is shown) = 2, and p7 "competitor" = 1. p1's "fit"
    // (accepted), p8's "spam" (no verdict) and p12's "late" (not handed over) do not count.
    assert_eq!(
        pairs(&r, "/feedback/reasons", "value"),
        [("No Budget", 2), ("competitor", 1)]
    );

    // Months (rule 6):
    //   2026-06: p1 p2 p3 p4 p5 p6 p11 -> handed_over 7, eligible 7,
    //            followed_up p1 p2 p4 p5 p6 p11 = 6, breaches p2 p3 p5 = 3,
    //            dispositioned p1 p2 p6 = 3
    //   2026-07: p7 p8 p9 p10 -> handed_over 4 (p9 in_window included), eligible 3,
    //            followed_up p8 p10 = 2, breaches p7 p10 = 2, dispositioned p7 = 1
    assert_eq!(
        months(&r),
        [("2026-06", [7, 7, 6, 3, 3]), ("2026-07", [4, 3, 2, 2, 1])]
    );

    // touches_before_handover (rule 3, in_window included): p5 (Call 06-04 < 06-05) and
    // p9 (Call 07-08 < 07-09) = 2. p1's earlier activity is a Note, not a touch type.
    // marketing_without_crm: p10 = 1.
    ints(
        &r,
        &[
            ("/data_quality/touches_before_handover", 2),
            ("/data_quality/marketing_without_crm", 1),
            ("/data_quality/activities_without_marketing", 0),
            ("/data_quality/duplicate_keys/marketing", 0),
            ("/data_quality/duplicate_keys/crm", 0),
        ],
    );
    assert_eq!(input(&r, "marketing"), [12, 0, 0]);
    assert_eq!(input(&r, "crm"), [11, 0, 0]);
    assert_eq!(input(&r, "activities"), [11, 0, 0]);
}

#[test]
fn skips() {
    // fixtures/small/skips: UTC, as_of 2026-08-31T00:00Z. Physical lines, header = line 1.
    let r = report("skips", &[]);
    // marketing.csv (header Email,MQL Date,Notes: 3 fields)
    //   2 k1  loaded, handed over 08-03 09:00
    //   3 k2  2 fields: ragged                             -> skipped
    //   4 (empty key)                                      -> skipped
    //   5 k3  "not a date": unparsable handed_over_at      -> skipped
    //   6 k4  "N/A"             empty: loaded, not handed over
    //   7 k5  "null"            empty: loaded, not handed over
    //   8 k6  "[not provided]"  empty: loaded, not handed over
    //   9 k7  loaded, handed over 08-04 09:00; its quoted Notes field spans lines 9-10
    //  11 k8  4 fields: ragged                             -> skipped (line 11, not 10)
    //  12 k9  loaded, handed over 08-06 09:00
    //  13 blank; 14-16 three one-field records after the last blank line: a footer, 3 lines
    // 10 data records = 6 rows + 4 skipped.
    assert_eq!(input(&r, "marketing"), [6, 4, 3]);
    // crm.csv (CRLF): 2 k1 Sam Qualified; 3 "k7,Sam" 2 fields: ragged -> skipped;
    // 4 k9 Sam Working. 2 rows + 1 skipped, no blank line, so no footer.
    assert_eq!(input(&r, "crm"), [2, 1, 0]);
    // activities.csv: 2 k1 Call 08-03 10:00; 3 k7 "yesterday": unparsable at -> skipped;
    // 4 blank; 5 k7 Call 08-07 09:00; 6 key "  " is empty after trimming -> skipped;
    // 7 k9 Email 08-06 09:30. The records after the blank line have the header's 3 fields,
    // so they are data, not a footer: 3 rows + 2 skipped.
    assert_eq!(input(&r, "activities"), [3, 2, 0]);
    assert_eq!(
        skipped(&r),
        [
            ("activities".to_owned(), 3),
            ("activities".to_owned(), 6),
            ("crm".to_owned(), 3),
            ("marketing".to_owned(), 3),
            ("marketing".to_owned(), 4),
            ("marketing".to_owned(), 5),
            ("marketing".to_owned(), 11),
        ]
    );
    ints(&r, &[("/data_quality/skipped_rows_total", 7)]);

    // Handed over: k1, k7, k9 (the null spellings are not handovers); all eligible.
    //   k1 08-03 09:00 -> Call 10:00: 1 h within; k7 08-04 09:00 -> Call 08-07 09:00: 72 h
    //   late; k9 08-06 09:00 -> Email 09:30: 0.5 h within.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 3),
            ("/follow_up/in_window", 0),
            ("/follow_up/eligible", 3),
            ("/follow_up/followed_up", 3),
            ("/follow_up/within_sla", 2),
            ("/follow_up/late", 1),
            ("/follow_up/never", 0),
            ("/follow_up/breaches", 1),
        ],
    );
    // k7's CRM row was skipped, so k7 has no CRM row: it is unowned, and a late breach.
    // Sam: k1 (Qualified) and k9 (Working), both within and accepted.
    ints(
        &r,
        &[
            ("/ownership/unowned", 1),
            ("/ownership/unowned_breaches", 1),
        ],
    );
    assert_eq!(owner_rows(&r), [("Sam", [2, 2, 2, 0, 2])]);
    // Loaded marketing keys k1 k4 k5 k6 k7 k9; CRM keys k1 k9 -> without CRM: k4 k5 k6 k7.
    ints(
        &r,
        &[
            ("/data_quality/marketing_without_crm", 4),
            ("/data_quality/activities_without_marketing", 0),
            ("/data_quality/duplicate_keys/marketing", 0),
        ],
    );
}

#[test]
fn no_activities() {
    // fixtures/small/no_activities: no [activities]; UTC, as_of 2026-09-30T00:00Z; the first
    // touch is the CRM "First Touch" when handover <= t <= as_of.
    let r = report("no_activities", &[]);
    assert!(
        r["inputs"].get("activities").is_none(),
        "inputs: {}",
        r["inputs"]
    );
    assert_eq!(input(&r, "marketing"), [7, 0, 0]);
    assert_eq!(input(&r, "crm"), [7, 0, 0]);
    //   n1 09-01 09:00 -> 09-01 09:30: 0.5 h                              within, <=1h
    //   n2 09-02 09:00 -> 09-01 08:00 is before the handover: no touch    never
    //   n3 09-03 09:00 -> 09-06 09:00: 72 h                               late, >SLA
    //   n4 09-04 09:00 -> empty                                           never
    //   n5 09-05 09:00 -> 10-05 09:00 is after as_of                      never
    //   n6 09-06 09:00 -> date-only "2026-09-06", the handover's day: at the handover,
    //                     0 h                                             within, <=5m
    //   n7 09-29 09:00 -> window closes 10-01 09:00 > as_of               in_window
    // handed_over 7, in_window 1, eligible 6, followed_up 3 (n1 n3 n6), within 2 (n1 n6),
    // late 1 (n3), never 3 (n2 n4 n5), breaches 4.
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 7),
            ("/follow_up/in_window", 1),
            ("/follow_up/eligible", 6),
            ("/follow_up/followed_up", 3),
            ("/follow_up/within_sla", 2),
            ("/follow_up/late", 1),
            ("/follow_up/never", 3),
            ("/follow_up/breaches", 4),
        ],
    );
    close(&r, "/follow_up/follow_up_rate", 0.5); // 3 / 6
    close(&r, "/follow_up/sla_met_rate", 1.0 / 3.0); // 2 / 6
    close(&r, "/follow_up/breach_rate", 2.0 / 3.0); // 4 / 6
    // Sorted hours (n = 3): [0, 0.5, 72]. median: h = 1 -> 0.5.
    // p90: h = 1.8 -> 0.5 + 0.8 * (72 - 0.5) = 57.7.
    close(&r, "/follow_up/hours_to_first_touch/median", 0.5);
    close(&r, "/follow_up/hours_to_first_touch/p90", 57.7);
    assert_eq!(
        pairs(&r, "/follow_up/buckets", "label"),
        [
            ("<=5m", 1),
            ("<=1h", 1),
            ("<=24h", 0),
            ("<=SLA", 0),
            (">SLA", 1),
            ("never", 3)
        ]
    );
    assert_eq!(owner_rows(&r), [("Noa", [6, 3, 2, 4, 0])]);
    assert_eq!(months(&r), [("2026-09", [7, 6, 3, 4, 0])]);
    ints(&r, &[("/data_quality/activities_without_marketing", 0)]);
}

// fixtures/small/as_of, timezone America/New_York (EDT = UTC-4 throughout):
//   a1 handover 2026-09-29 10:00 = 14:00Z, created 09-01 08:00; Call 09-30 09:00 = 13:00Z
//      -> 23 h after the handover
//   a2 handover 2026-09-30 15:00 = 19:00Z, created "2026-09-20"; Call 10-02 16:00 = 20:00Z
//      -> 49 h; and a Call scheduled for 2099-01-01
//   a3 not handed over, created 2026-10-03 08:00 = 12:00Z

#[test]
fn as_of_from_data() {
    // No --as-of and no audit.as_of: the latest loaded timestamp not later than now. The
    // 2099 Call is in the future and is passed over. The latest of the rest is a3's
    // created_at, 2026-10-03 08:00 EDT = 12:00Z (later than a2's Call at 10-02 20:00Z).
    let r = report("as_of", &[]);
    assert_eq!(text(&r, "/as_of"), "2026-10-03T12:00:00Z");
    assert_eq!(text(&r, "/as_of_source"), "data");
    // a1's window closed 10-01 14:00Z and a2's 10-02 19:00Z, both <= as_of: both eligible.
    // a1 23 h within; a2 49 h late (its Call at 10-02 20:00Z is before as_of).
    ints(
        &r,
        &[
            ("/follow_up/handed_over", 2),
            ("/follow_up/in_window", 0),
            ("/follow_up/eligible", 2),
            ("/follow_up/followed_up", 2),
            ("/follow_up/within_sla", 1),
            ("/follow_up/late", 1),
        ],
    );
    // [23, 49]: median 23 + 0.5 * 26 = 36; p90 23 + 0.9 * 26 = 46.4.
    close(&r, "/follow_up/hours_to_first_touch/median", 36.0);
    close(&r, "/follow_up/hours_to_first_touch/p90", 46.4);
}

#[test]
fn as_of_from_config() {
    // config_as_of.toml sets audit.as_of = "2026-10-05": date-only, so 23:59:59 EDT that day
    // = 2026-10-06T03:59:59Z. The figures are those of the data-derived run.
    let r = audit_json(&fixture("small/as_of/config_as_of.toml"), &[]);
    assert_eq!(text(&r, "/as_of"), "2026-10-06T03:59:59Z");
    assert_eq!(text(&r, "/as_of_source"), "config");
    ints(
        &r,
        &[
            ("/follow_up/eligible", 2),
            ("/follow_up/within_sla", 1),
            ("/follow_up/late", 1),
        ],
    );
}

#[test]
fn as_of_flag_overrides_config() {
    // --as-of 2026-10-01 (date-only) = 2026-10-01 23:59:59 EDT = 2026-10-02T03:59:59Z. It
    // wins over audit.as_of, and it is also used when the config has no as_of.
    let with_config = audit_json(
        &fixture("small/as_of/config_as_of.toml"),
        &["--as-of", "2026-10-01"],
    );
    let without = report("as_of", &["--as-of", "2026-10-01"]);
    for r in [&with_config, &without] {
        assert_eq!(text(r, "/as_of"), "2026-10-02T03:59:59Z");
        assert_eq!(text(r, "/as_of_source"), "flag");
        // a1: window closed 10-01 14:00Z <= as_of: eligible, Call 09-30 13:00Z: 23 h within.
        // a2: window closes 10-02 19:00Z > as_of: in_window.
        ints(
            r,
            &[
                ("/follow_up/handed_over", 2),
                ("/follow_up/in_window", 1),
                ("/follow_up/eligible", 1),
                ("/follow_up/followed_up", 1),
                ("/follow_up/within_sla", 1),
                ("/follow_up/never", 0),
            ],
        );
        // One value, 23: the median and the p90 are both 23.
        close(r, "/follow_up/hours_to_first_touch/median", 23.0);
        close(r, "/follow_up/hours_to_first_touch/p90", 23.0);
    }
}
