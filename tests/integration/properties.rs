//! Property tests (issue 7): no panic on any input, and what the parsers promise.
//!
//! - the timestamp parser, the day/month order hint and the time zone: never panic on any
//!   string; every accepted form of a chrono datetime parses back to the same instant; local
//!   times follow SPEC rule 9 in gaps and folds;
//! - text hygiene: `trim` matches its definition and is idempotent, `normalize_key` is idempotent
//!   and case-insensitive for e-mails, Salesforce ids compare on 15 characters, Excel-damaged
//!   and empty keys are refused;
//! - numbers: `parse_number` agrees with the pattern `^[+-]?[0-9]+(\.[0-9]+)?$` after trimming
//!   (and the `thousands`/`decimal` settings), and reads back every `{}`-formatted number;
//! - criteria (parsed from TOML, resolved, evaluated): `present = false` is the negation of
//!   `present = true`, `in [x]` is `eq x`, `not_in` and `ne` are false on empty values and the
//!   negation of `in`/`eq` otherwise, numeric operators agree with each other, `within_days`
//!   agrees with exact arithmetic, and no operator name or operand panics;
//! - the whole audit in-process (config, definition, load, audit, renderers, `explain`) on
//!   extreme settings (`sla_hours`, `within_days`, `review_every_days`, `as_of`, time zones,
//!   timestamps from year 0 to 9999) and on a config with any TOML value under any key: never a
//!   panic;
//! - the CSV loader through the binary: any bytes never panic; on random files (quotes,
//!   embedded newlines, delimiters, ragged rows, blank lines, truncation) rows + skipped equals
//!   the data records counted by an independent RFC 4180 reader written here, the report footer
//!   included; large activity files read in two chunks count as one chunk does.
//!
//! Cases: `PROPTEST_CASES` (default 256). Failing seeds are saved to
//! `fixtures/regressions/proptest-seeds.txt` and replayed first; crash inputs found are kept in
//! `fixtures/regressions/` and replayed by `regressions_replay` (see its README).

use std::fmt;
use std::fs;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::Value;

use handoff::load::text::{EmptySpellings, KeyProblem, is_excel_scientific, normalize_key, trim};
use handoff::load::time::{self, DateOrder, OrderHint, Stamp, StampError, Zone};
use handoff::rules::{self, Criterion, Outcome, RawDefinition, parse_number};

use crate::common::fixture;

// ---------------------------------------------------------------------------------------------
// Configuration and shared strategies
// ---------------------------------------------------------------------------------------------

/// `PROPTEST_CASES`, default 256: CI can run a longer pass.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    let mut c = ProptestConfig::with_cases(cases());
    c.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(
        "fixtures/regressions/proptest-seeds.txt",
    )));
    c
}

const ZERO_WIDTH: [char; 5] = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

fn is_trim_char(c: char) -> bool {
    c.is_whitespace() || ZERO_WIDTH.contains(&c)
}

/// Values that broke or could break hand-written parsers.
const NASTY: &[&str] = &[
    "",
    " ",
    "9999-99-99T99:99",
    "9999-12-31T23:59:59.999999999999+23:59",
    "0000-01-01T00:00:00-23:59",
    "2026-02-29",
    "2024-02-29T24:00",
    "+99:99",
    "-99:99",
    "2026-11-24T15:04+99:99",
    "2026-11-24T15:04+2",
    "2026-11-24T15:04:60",
    "2026-11-24T15:04:05.",
    "2026-11-24 15:04 PM",
    "12/31/99 25:61 XM",
    "00/00/0000",
    "99/99/99",
    "1/1/1",
    "31.02.2026",
    "15 Sept, 2021 00:03:00",
    "Sept 31, 2021",
    "Ma 1, 2021",
    "99999999999999999999999999999999999999999999",
    "-0",
    "+.5",
    "1e3",
    "1.10416E+11",
    "1E+",
    "١٢٣",
    "２０２６-０１-０１",
    "2026‐01‐01",
    "\u{FEFF}2026-01-01\u{200B}",
    "\u{0}\u{1}\u{7f}",
    "🦀@🦀.rs",
    "İSTANBUL@EXAMPLE.COM",
    "ΑΣ@EXAMPLE.GR",
    "ß@x.de",
    "000000000000000AAA",
    "000000000000000aaa ",
];

/// Arbitrary strings, biased towards timestamp-like and number-like text.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => prop::sample::select(NASTY).prop_map(str::to_string),
        2 => concat!(
            "[0-9]{1,6}[-/. ][0-9]{1,3}[-/. ][0-9]{1,5}",
            "([ Tt,][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3}([.,][0-9]{0,12})?)?)?",
            "( ?[AaPp][Mm]?)?( ?(Z|z|UTC|GMT|[+-][0-9]{1,4}(:[0-9]{1,3})?))?",
        ),
        1 => "[A-Za-z]{2,9}\\.? [0-9]{1,3},? [0-9]{1,5}( [0-9]{1,2}:[0-9]{2}( [AP]M)?)?",
        1 => "[ \t]{0,2}[+-]{0,2}[0-9,.' ]{0,30}[ \t]{0,2}",
        1 => "[0-9]{20,400}",
        1 => "[ \u{a0}\u{200b}\u{feff}]{0,3}[a-zA-Z0-9@._-]{0,20}[ \u{a0}\u{2060}]{0,3}",
    ]
}

/// Zones with DST, odd offsets and a skipped day (Apia, 2011-12-30).
const ZONES: &[Tz] = &[
    Tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Europe::Berlin,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::St_Johns,
    chrono_tz::Pacific::Apia,
    chrono_tz::Asia::Kathmandu,
];

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES)
}

/// A datetime with microseconds in `years`.
fn datetime(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDateTime> {
    (
        years,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
        0u32..1_000_000,
    )
        .prop_filter_map("a real date", |(y, mo, d, h, mi, s, us)| {
            NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_micro_opt(h, mi, s, us)
        })
}

/// Datetimes near the DST changes of most zones (spring and autumn nights), or anywhere.
fn zone_datetime() -> impl Strategy<Value = NaiveDateTime> {
    let near_change = (
        1900i32..=2100,
        prop::sample::select(&[3u32, 4, 9, 10, 11][..]),
        1u32..=31,
        0u32..4,
        0u32..60,
    )
        .prop_filter_map("a real date", |(y, mo, d, h, mi)| {
            NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, 0)
        });
    prop_oneof![near_change, datetime(0..=9999)]
}

/// Every string-level entry point, with every setting: none may panic.
fn exercise_value(s: &str) {
    for order in [None, Some(DateOrder::Mdy), Some(DateOrder::Dmy)] {
        for v in [s, trim(s)] {
            if let Ok(stamp) = time::parse(v, order) {
                for tz in ZONES {
                    let z = Zone::new(*tz);
                    let t = z.resolve(stamp);
                    let _ = z.local_datetime(t);
                    let _ = z.month_of(t);
                    let _ = time::format_utc(t);
                }
            }
        }
    }
    let _ = time::order_hint(s);
    let _ = time::order_hint(trim(s));
    let empty = EmptySpellings::default();
    let _ = empty.clean(s);
    for sf in [false, true] {
        let _ = normalize_key(s, &empty, sf);
    }
    let _ = is_excel_scientific(s);
    for (th, dec) in [
        (None, None),
        (Some(","), None),
        (None, Some(",")),
        (Some("."), Some(",")),
        (Some(" "), Some(".")),
        (Some(""), None),
    ] {
        let _ = parse_number(s, th, dec);
    }
    for tz in [Tz::UTC, chrono_tz::America::New_York] {
        let _ = handoff::config::parse_as_of(s, &Zone::new(tz));
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

fn iso_date(dt: &NaiveDateTime) -> String {
    dt.format("%Y-%m-%d").to_string()
}

fn micros_utc(dt: &NaiveDateTime) -> i64 {
    dt.and_utc().timestamp_micros()
}

fn at_minute(dt: &NaiveDateTime) -> NaiveDateTime {
    dt.with_second(0)
        .and_then(|d| d.with_nanosecond(0))
        .unwrap()
}

fn at_second(dt: &NaiveDateTime) -> NaiveDateTime {
    dt.with_nanosecond(0).unwrap()
}

fn offset_text(minutes: i32, colon: bool) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    if colon {
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn string_functions_never_panic(s in nasty_string()) {
        exercise_value(&s);
    }

    /// ISO 8601 / RFC 3339 forms with `Z`, an offset, ` UTC`, or none, read back exactly.
    #[test]
    fn iso_forms_round_trip(
        dt in datetime(0..=9999),
        off in -(23 * 60 + 59)..=(23 * 60 + 59),
        sep in prop::sample::select(&["T", " ", "t"][..]),
    ) {
        let date = iso_date(&dt);
        let secs = at_second(&dt);
        let hms = dt.format("%H:%M:%S").to_string();
        let hm = dt.format("%H:%M").to_string();
        let frac6 = dt.format("%.6f").to_string();
        let frac3 = dt.format("%.3f").to_string();
        let ms = micros_utc(&dt).div_euclid(1000) * 1000;
        let off_us = i64::from(off) * 60_000_000;
        let cases: Vec<(String, Stamp)> = vec![
            (format!("{date}{sep}{hms}{frac6}Z"), Stamp::Instant(micros_utc(&dt))),
            (format!("{date}{sep}{hms}{frac3}z"), Stamp::Instant(ms)),
            (format!("{date}{sep}{hms}Z"), Stamp::Instant(micros_utc(&secs))),
            (format!("{date}{sep}{hms} UTC"), Stamp::Instant(micros_utc(&secs))),
            (format!("{date}{sep}{hms} GMT"), Stamp::Instant(micros_utc(&secs))),
            (
                format!("{date}{sep}{hms}{frac6}{}", offset_text(off, true)),
                Stamp::Instant(micros_utc(&dt) - off_us),
            ),
            (
                format!("{date}{sep}{hms}{}", offset_text(off, false)),
                Stamp::Instant(micros_utc(&secs) - off_us),
            ),
            (
                format!("{date}{sep}{hm}{}", &offset_text(off - off % 60, false)[..3]),
                Stamp::Instant(
                    micros_utc(&at_minute(&dt)) - i64::from(off - off % 60) * 60_000_000,
                ),
            ),
            (format!("{date}{sep}{hm}"), Stamp::Local(at_minute(&dt))),
            (format!("{date}{sep}{hms}"), Stamp::Local(secs)),
            (format!("{date}{sep}{hms}{frac6}"), Stamp::Local(dt)),
            (date.clone(), Stamp::Date(dt.date())),
        ];
        for (text, expected) in cases {
            prop_assert_eq!(time::parse(&text, None), Ok(expected), "{}", text);
            prop_assert_eq!(time::order_hint(&text), OrderHint::None, "{}", text);
        }
    }

    /// Every instant `format_utc` writes parses back to itself.
    #[test]
    fn format_utc_round_trips(dt in datetime(0..=9999)) {
        let t = micros_utc(&dt);
        let text = time::format_utc(t);
        prop_assert_eq!(time::parse(&text, None), Ok(Stamp::Instant(t)), "{}", text);
    }

    /// US and EU export forms, dotted dates, two-digit years and month names.
    #[test]
    fn export_forms_round_trip(dt in datetime(1000..=9999), yy in 2000i32..=2099) {
        let minute = at_minute(&dt);
        let second = at_second(&dt);
        let day = dt.format("%d").to_string().parse::<u32>().unwrap();
        let month = dt.format("%m").to_string().parse::<u32>().unwrap();
        let us = dt.format("%m/%d/%Y %I:%M %p").to_string();
        let us_short = dt.format("%-m/%-d/%Y %-I:%M %P").to_string();
        let eu = dt.format("%d/%m/%Y %H:%M").to_string();
        let cases: Vec<(String, Option<DateOrder>, Stamp)> = vec![
            (us.clone(), Some(DateOrder::Mdy), Stamp::Local(minute)),
            (us_short, Some(DateOrder::Mdy), Stamp::Local(minute)),
            (eu.clone(), Some(DateOrder::Dmy), Stamp::Local(minute)),
            (
                dt.format("%m/%d/%Y %H:%M:%S").to_string(),
                Some(DateOrder::Mdy),
                Stamp::Local(second),
            ),
            (dt.format("%d/%m/%Y").to_string(), Some(DateOrder::Dmy), Stamp::Date(dt.date())),
            (dt.format("%d.%m.%Y %H:%M").to_string(), None, Stamp::Local(minute)),
            (dt.format("%d-%m-%Y").to_string(), None, Stamp::Date(dt.date())),
            (dt.format("%d %b, %Y %H:%M:%S").to_string(), None, Stamp::Local(second)),
            (dt.format("%d %B %Y").to_string(), None, Stamp::Date(dt.date())),
            (dt.format("%b %d, %Y %I:%M %p").to_string(), None, Stamp::Local(minute)),
            (dt.format("%B %-d, %Y").to_string(), None, Stamp::Date(dt.date())),
        ];
        for (text, order, expected) in cases {
            prop_assert_eq!(time::parse(&text, order), Ok(expected), "{} {:?}", text, order);
        }
        // Two-digit years are 20YY.
        if let Some(d2) = NaiveDate::from_ymd_opt(yy, month, day) {
            let text = format!("{}/{}/{:02} {}", month, day, yy % 100, dt.format("%-H:%M"));
            let expected = Stamp::Local(d2.and_time(minute.time()));
            prop_assert_eq!(time::parse(&text, Some(DateOrder::Mdy)), Ok(expected), "{}", text);
        }
        // Without an order, only a first or second part above 12 settles the slash form.
        let (hint, bare) = (time::order_hint(&us), time::parse(&us, None));
        if day > 12 {
            prop_assert_eq!(hint, OrderHint::Settles(DateOrder::Mdy));
            prop_assert_eq!(bare, Ok(Stamp::Local(minute)));
            prop_assert_eq!(time::order_hint(&eu), OrderHint::Settles(DateOrder::Dmy));
            prop_assert_eq!(time::parse(&eu, None), Ok(Stamp::Local(minute)));
        } else {
            prop_assert_eq!(hint, OrderHint::Ambiguous);
            prop_assert_eq!(bare, Err(StampError::NeedsOrder));
        }
    }

    /// Two parts above 12 read in neither order.
    #[test]
    fn impossible_slash_dates_are_invalid(a in 13u32..=99, c in 13u32..=99, y in 1000u32..=9999) {
        let text = format!("{a}/{c}/{y}");
        prop_assert_eq!(time::order_hint(&text), OrderHint::Impossible);
        for order in [None, Some(DateOrder::Mdy), Some(DateOrder::Dmy)] {
            prop_assert_eq!(time::parse(&text, order), Err(StampError::Invalid));
        }
    }

    /// Local times: exact in a single-offset hour, the earlier instant in a repeated hour, the
    /// offset before the change in a skipped hour (SPEC rule 9).
    #[test]
    fn zone_resolution_follows_rule_9(tz in zone(), dt in zone_datetime()) {
        let z = Zone::new(tz);
        let t = z.local_to_micros(dt);
        prop_assert_eq!(z.resolve(Stamp::Local(dt)), t);
        match tz.from_local_datetime(&dt) {
            chrono::LocalResult::Single(x) => {
                prop_assert_eq!(t, x.timestamp_micros());
                prop_assert_eq!(z.local_datetime(t), dt);
            }
            chrono::LocalResult::Ambiguous(a, b) => {
                prop_assert_eq!(t, a.timestamp_micros().min(b.timestamp_micros()));
                prop_assert_eq!(z.local_datetime(t), dt);
            }
            chrono::LocalResult::None => {
                let read = z.local_datetime(t);
                prop_assert!(read > dt, "{} in a gap read as {}", dt, read);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text: trim, keys
// ---------------------------------------------------------------------------------------------

/// ASCII letters of `s` with their case flipped where `mask` says so.
fn flip_case(s: &str, mask: &[bool]) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask.get(i % mask.len().max(1)).copied().unwrap_or(false) {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

fn padding() -> impl Strategy<Value = String> {
    "[ \t\n\r\u{a0}\u{2003}\u{3000}\u{200b}\u{200c}\u{200d}\u{2060}\u{feff}]{0,4}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn trim_matches_its_definition_and_is_idempotent(
        s in nasty_string(),
        left in padding(),
        right in padding(),
    ) {
        let t = trim(&s);
        prop_assert_eq!(t, s.trim_matches(is_trim_char));
        prop_assert_eq!(trim(t), t);
        prop_assert!(t.chars().next().is_none_or(|c| !is_trim_char(c)));
        prop_assert!(t.chars().last().is_none_or(|c| !is_trim_char(c)));
        let padded = format!("{left}{s}{right}");
        prop_assert_eq!(trim(&padded), t);
    }

    #[test]
    fn normalize_key_is_idempotent(s in nasty_string(), sf in any::<bool>()) {
        let empty = EmptySpellings::default();
        if let Ok(k) = normalize_key(&s, &empty, sf) {
            prop_assert!(!k.is_empty());
            prop_assert_eq!(trim(&k), k.as_ref());
            let again = normalize_key(&k, &empty, sf);
            prop_assert_eq!(again.as_deref(), Ok(k.as_ref()), "{:?}", s);
        }
    }

    #[test]
    fn email_keys_compare_case_insensitively(
        local in "[a-zA-Z0-9._%+-]{1,12}",
        domain in "[a-zA-Z0-9-]{1,10}\\.[a-zA-Z]{2,6}",
        left in padding(),
        right in padding(),
        mask in prop::collection::vec(any::<bool>(), 1..8),
        sf in any::<bool>(),
    ) {
        let empty = EmptySpellings::default();
        let email = format!("{local}@{domain}");
        let a = normalize_key(&email, &empty, sf).unwrap();
        let flipped = format!("{left}{}{right}", flip_case(&email, &mask));
        let b = normalize_key(&flipped, &empty, sf).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.as_ref(), email.to_lowercase());
    }

    /// Any e-mail-like key (one with `@`), Unicode included, equals its lowercase form.
    #[test]
    fn any_email_key_equals_its_lowercase(
        s in (nasty_string(), nasty_string()).prop_map(|(a, b)| format!("{a}@{b}")),
        sf in any::<bool>(),
    ) {
        let empty = EmptySpellings::default();
        let a = normalize_key(&s, &empty, sf);
        let lower = s.to_lowercase();
        let b = normalize_key(&lower, &empty, sf);
        if let (Ok(a), Ok(b)) = (&a, &b) {
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn salesforce_ids_compare_on_15_characters(
        id in "[0-9A-Za-z]{18}",
        mask in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        prop_assume!(!id.eq_ignore_ascii_case("000000000000000AAA"));
        let empty = EmptySpellings::default();
        let long = normalize_key(&id, &empty, true).unwrap();
        let short = normalize_key(&id[..15], &empty, true).unwrap();
        prop_assert_eq!(long.as_ref(), &id[..15]);
        prop_assert_eq!(&long, &short);
        let exact = normalize_key(&id, &empty, false).unwrap();
        prop_assert_eq!(exact.as_ref(), id.as_str());
        // Case-sensitive: another case of the first 15 characters is another key.
        let other = flip_case(&id, &mask);
        if other[..15] != id[..15] {
            prop_assert_ne!(normalize_key(&other, &empty, true).unwrap(), long);
        }
    }

    #[test]
    fn excel_numbers_and_empty_spellings_are_refused(
        excel in "[1-9](\\.[0-9]{1,6})?[eE]\\+[0-9]{1,3}",
        spelling in prop::sample::select(handoff::load::text::DEFAULT_EMPTY),
        mask in prop::collection::vec(any::<bool>(), 1..8),
        left in padding(),
        right in padding(),
        sf in any::<bool>(),
    ) {
        let empty = EmptySpellings::default();
        prop_assert!(is_excel_scientific(&excel));
        let padded = format!("{left}{excel}{right}");
        prop_assert_eq!(normalize_key(&padded, &empty, sf), Err(KeyProblem::ExcelDamaged));
        let cased = format!("{left}{}{right}", flip_case(spelling, &mask));
        prop_assert_eq!(normalize_key(&cased, &empty, sf), Err(KeyProblem::Empty));
        prop_assert_eq!(normalize_key(&left, &empty, sf), Err(KeyProblem::Empty));
    }

    #[test]
    fn no_exponent_no_excel(s in "[^eE]{0,30}") {
        prop_assert!(!is_excel_scientific(&s));
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// The SPEC rule 10 pattern, `^[+-]?[0-9]+(\.[0-9]+)?$`, after trimming and the separators.
fn number_oracle(s: &str, thousands: Option<&str>, decimal: Option<&str>) -> Option<f64> {
    let mut t = s.trim_matches(is_trim_char).to_string();
    if let Some(th) = thousands {
        t = t.replace(th, "");
    }
    if let Some(dec) = decimal {
        t = t.replace(dec, ".");
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let ok = match body.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(body),
    };
    ok.then(|| t.parse::<f64>().expect("the pattern is a Rust float"))
}

fn bits(x: Option<f64>) -> Option<u64> {
    x.map(f64::to_bits)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_number_agrees_with_the_pattern(s in nasty_string()) {
        let settings = [
            (None, None),
            (Some(","), None),
            (None, Some(",")),
            (Some("."), Some(",")),
            (Some("'"), None),
        ];
        for (th, dec) in settings {
            prop_assert_eq!(
                bits(parse_number(&s, th, dec)),
                bits(number_oracle(&s, th, dec)),
                "{:?} thousands {:?} decimal {:?}", s, th, dec
            );
        }
    }

    #[test]
    fn pattern_numbers_parse(s in "[ \t]{0,2}[+-]?[0-9]{1,40}(\\.[0-9]{1,40})?[ \t]{0,2}") {
        let expected: f64 = s.trim().parse().unwrap();
        prop_assert_eq!(bits(parse_number(&s, None, None)), Some(expected.to_bits()));
    }

    #[test]
    fn formatted_numbers_parse_back(x in any::<f64>(), n in any::<i64>()) {
        prop_assume!(x.is_finite());
        let text = format!("{x}");
        prop_assert_eq!(parse_number(&text, None, None), Some(x), "{}", text);
        prop_assert_eq!(parse_number(&format!("{n}"), None, None), Some(n as f64));
        prop_assert_eq!(parse_number(&format!(" {n} "), Some(","), Some(".")), Some(n as f64));
    }
}

// ---------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------

/// One criterion `{ id = "c", field = "F", <op> = <operand> }` written as TOML, parsed into a
/// `RawDefinition` and resolved.
fn criterion(op: &str, operand: toml::Value) -> anyhow::Result<Criterion> {
    let mut c = toml::Table::new();
    c.insert("id".into(), "c".into());
    c.insert("field".into(), "F".into());
    c.insert(op.into(), operand);
    let mut root = toml::Table::new();
    root.insert(
        "criteria".into(),
        toml::Value::Array(vec![toml::Value::Table(c)]),
    );
    let text = toml::to_string(&root)?;
    let raw: RawDefinition = toml::from_str(&text)?;
    let mut def = rules::resolve(raw, Path::new("sales-ready.toml"), Some(&text))?;
    Ok(def.criteria.remove(0))
}

fn eval(c: &Criterion, v: Option<&str>) -> Outcome {
    c.eval(v, |s| parse_number(s, None, None), |_| None, 0)
}

/// A value as the loader passes it: trimmed, empty spellings as `None`.
fn cleaned(raw: &str) -> Option<String> {
    EmptySpellings::default().clean(raw).map(str::to_string)
}

fn text_operand() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,10}",
        nasty_string(),
        Just("Confirmed".to_string())
    ]
}

fn value_for(x: String) -> impl Strategy<Value = Option<String>> {
    let upper = x.to_ascii_uppercase();
    let padded = format!("  {x}\u{a0}");
    prop_oneof![
        nasty_string().prop_map(|s| cleaned(&s)),
        Just(cleaned(&x)),
        Just(cleaned(&upper)),
        Just(cleaned(&padded)),
        Just(None),
        "[+-]?[0-9]{1,6}(\\.[0-9]{1,3})?".prop_map(|s| cleaned(&s)),
    ]
}

/// Micros from 0000-01-01 to 9999-12-31, a day of margin each side.
const MIN_MICROS: i64 = -62_167_219_200_000_000 - 86_400_000_000;
const MAX_MICROS: i64 = 253_402_300_800_000_000 + 86_400_000_000;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn present_false_is_the_negation_of_present_true(
        raw in nasty_string(),
        missing in any::<bool>(),
    ) {
        let yes = criterion("present", toml::Value::Boolean(true)).unwrap();
        let no = criterion("present", toml::Value::Boolean(false)).unwrap();
        let v = if missing { None } else { cleaned(&raw) };
        prop_assert_eq!(eval(&no, v.as_deref()).holds(), !eval(&yes, v.as_deref()).holds());
        prop_assert_eq!(eval(&no, None), Outcome::True);
    }

    #[test]
    fn in_one_equals_eq_and_not_in_negates_on_present_values(
        (x, v) in text_operand().prop_flat_map(|x| (Just(x.clone()), value_for(x))),
        others in prop::collection::vec("[a-z]{1,4}", 0..3),
    ) {
        let eq = criterion("eq", x.clone().into()).unwrap();
        let one = criterion("in", toml::Value::Array(vec![x.clone().into()])).unwrap();
        let ne = criterion("ne", x.clone().into()).unwrap();
        let mut list: Vec<toml::Value> = vec![x.clone().into()];
        list.extend(others.into_iter().map(toml::Value::from));
        let any_of = criterion("in", toml::Value::Array(list.clone())).unwrap();
        let none_of = criterion("not_in", toml::Value::Array(list)).unwrap();
        let v = v.as_deref();
        prop_assert_eq!(eval(&one, v), eval(&eq, v));
        match v {
            None => {
                prop_assert_eq!(eval(&none_of, v), Outcome::False);
                prop_assert_eq!(eval(&ne, v), Outcome::False);
                prop_assert_eq!(eval(&eq, v), Outcome::False);
                prop_assert_eq!(eval(&any_of, v), Outcome::False);
            }
            Some(_) => {
                prop_assert_eq!(eval(&none_of, v).holds(), !eval(&any_of, v).holds());
                prop_assert_eq!(eval(&ne, v).holds(), !eval(&eq, v).holds());
                prop_assert!(!eval(&eq, v).holds() || eval(&any_of, v).holds());
            }
        }
        // Case-insensitive on ASCII: the operand itself, in another case, matches.
        if let Some(x_clean) = cleaned(&x) {
            if x_clean.is_ascii() {
                prop_assert_eq!(eval(&eq, Some(&x_clean.to_ascii_uppercase())), Outcome::True);
            }
        }
    }

    #[test]
    fn numeric_operators_agree(
        a in prop_oneof![any::<i64>().prop_map(|n| n as f64), -1e6f64..1e6, any::<f64>()],
        b in prop_oneof![any::<i64>().prop_map(|n| n as f64), -1e6f64..1e6],
        raw in prop_oneof![nasty_string(), "[+-]?[0-9]{1,8}(\\.[0-9]{1,4})?"],
    ) {
        prop_assume!(a.is_finite() && b.is_finite());
        let v = cleaned(&raw);
        let v = v.as_deref();
        let gte = criterion("gte", a.into()).unwrap();
        let gt = criterion("gt", a.into()).unwrap();
        let lte = criterion("lte", a.into()).unwrap();
        let lt = criterion("lt", a.into()).unwrap();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let between = criterion("between", toml::Value::Array(vec![lo.into(), hi.into()])).unwrap();
        let to_lo = criterion("gte", lo.into()).unwrap();
        let to_hi = criterion("lte", hi.into()).unwrap();
        match v.and_then(|s| parse_number(s, None, None)) {
            _ if v.is_none() => {
                for c in [&gte, &gt, &lte, &lt, &between] {
                    prop_assert_eq!(eval(c, v), Outcome::False);
                }
            }
            None => {
                for c in [&gte, &gt, &lte, &lt, &between] {
                    prop_assert_eq!(eval(c, v), Outcome::Unparsable);
                }
            }
            Some(n) => {
                prop_assert_eq!(eval(&gt, v).holds(), !eval(&lte, v).holds());
                prop_assert_eq!(eval(&lt, v).holds(), !eval(&gte, v).holds());
                prop_assert_eq!(eval(&gte, v).holds(), n >= a);
                prop_assert_eq!(
                    eval(&between, v).holds(),
                    eval(&to_lo, v).holds() && eval(&to_hi, v).holds()
                );
            }
        }
        // `between` with the bounds reversed is refused, not evaluated.
        if lo < hi {
            let reversed = toml::Value::Array(vec![hi.into(), lo.into()]);
            prop_assert!(criterion("between", reversed).is_err());
        }
    }

    /// `within_days = d` holds when ref - d days <= value <= ref, for any d and any instant
    /// from year 0 to 9999 (computed exactly here); the evaluation must not overflow.
    #[test]
    fn within_days_agrees_with_exact_arithmetic(
        d in prop_oneof![
            (0u32..=400).prop_map(f64::from),
            0.0f64..1e6,
            0.0f64..1e300,
            Just(f64::MAX),
            Just(1e20),
        ],
        reference in MIN_MICROS..=MAX_MICROS,
        t in MIN_MICROS..=MAX_MICROS,
    ) {
        let c = criterion("within_days", d.into()).unwrap();
        let got = c.eval(Some("x"), |_| None, |_| Some(t), reference);
        let span = (d * 86_400_000_000.0).round();
        let diff = i128::from(reference) - i128::from(t);
        let expected = diff >= 0 && (span >= 1e30 || diff <= span as i128);
        prop_assert_eq!(got.holds(), expected);
        prop_assert_eq!(c.eval(Some("x"), |_| None, |_| None, reference), Outcome::Unparsable);
        prop_assert_eq!(c.eval(None, |_| None, |_| Some(t), reference), Outcome::False);
    }

    /// Any operator name and operand: resolved or refused with a message, never a panic.
    #[test]
    fn any_operator_and_operand_never_panics(
        op in prop_oneof![
            prop::sample::select(rules::OPERATORS).prop_map(str::to_string),
            "[a-z_]{1,12}",
            any::<String>(),
        ],
        operand in prop_oneof![
            any::<i64>().prop_map(toml::Value::Integer),
            any::<f64>().prop_map(toml::Value::Float),
            any::<bool>().prop_map(toml::Value::Boolean),
            nasty_string().prop_map(toml::Value::String),
            prop::collection::vec(prop_oneof![
                any::<i64>().prop_map(toml::Value::Integer),
                any::<f64>().prop_map(toml::Value::Float),
                nasty_string().prop_map(toml::Value::String),
            ], 0..4).prop_map(toml::Value::Array),
        ],
        raw in nasty_string(),
        reference in MIN_MICROS..=MAX_MICROS,
        t in MIN_MICROS..=MAX_MICROS,
    ) {
        prop_assume!(!matches!(op.as_str(), "id" | "field" | "description"));
        match criterion(&op, operand) {
            Ok(c) => {
                prop_assert!(rules::OPERATORS.contains(&op.as_str()));
                let v = cleaned(&raw);
                let number = |s: &str| parse_number(s, None, None);
                let _ = c.eval(v.as_deref(), number, |_| Some(t), reference);
                let _ = c.op.describe();
            }
            Err(e) => {
                let msg = format!("{e:#}");
                if !rules::OPERATORS.contains(&op.as_str()) {
                    prop_assert!(msg.contains("unknown operator"), "{}", msg);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole audit on extreme settings, in-process
// ---------------------------------------------------------------------------------------------

/// A timestamp from year 0 to 9999, as `YYYY-MM-DDTHH:MM:SS` + a suffix.
fn any_stamp() -> impl Strategy<Value = String> {
    (
        datetime(0..=9999),
        prop::sample::select(&["Z", "", "+23:59", "-23:59", "+05:45"][..]),
    )
        .prop_map(|(dt, suffix)| format!("{}{suffix}", dt.format("%Y-%m-%dT%H:%M:%S")))
}

#[derive(Debug, Clone)]
struct Extreme {
    tz: &'static str,
    sla_hours: f64,
    within_days: f64,
    gte: f64,
    reviewed: (i32, u32, u32),
    review_every_days: i64,
    as_of: Option<String>,
    as_of_flag: Option<String>,
    stamps: Vec<String>,
}

fn extreme() -> impl Strategy<Value = Extreme> {
    let positive = prop_oneof![
        0.001f64..1e4,
        1e4f64..1e300,
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE)
    ];
    let days = prop_oneof![0.0f64..1e4, 1e4f64..1e300, Just(f64::MAX)];
    (
        prop::sample::select(
            &[
                "UTC",
                "America/New_York",
                "Pacific/Apia",
                "Australia/Lord_Howe",
            ][..],
        ),
        positive,
        days,
        any::<f64>(),
        (1i32..=9999, 1u32..=12, 1u32..=28),
        prop_oneof![1i64..1000, 1i64..=i64::MAX, Just(i64::MAX), any::<i64>()],
        prop::option::of(any_stamp()),
        prop::option::weighted(0.3, any_stamp()),
        prop::collection::vec(prop_oneof![3 => any_stamp(), 1 => Just(String::new())], 14),
    )
        .prop_map(
            |(
                tz,
                sla_hours,
                within_days,
                gte,
                reviewed,
                review_every_days,
                as_of,
                as_of_flag,
                stamps,
            )| Extreme {
                tz,
                sla_hours,
                within_days,
                gte,
                reviewed,
                review_every_days,
                as_of,
                as_of_flag,
                stamps,
            },
        )
}

/// Write the case's files into `dir`; the config path.
fn write_extreme(dir: &Path, e: &Extreme) -> std::path::PathBuf {
    let toml_float = |x: f64| {
        if x.is_finite() {
            format!("{x:?}")
        } else {
            "1.0".to_string()
        }
    };
    let mut config = format!(
        "[audit]\ntimezone = \"{}\"\nsla_hours = {}\n",
        e.tz,
        toml_float(e.sla_hours)
    );
    if let Some(a) = &e.as_of {
        config.push_str(&format!("as_of = \"{a}\"\n"));
    }
    config.push_str(
        "[marketing]\npath = \"marketing.csv\"\nkey = \"Email\"\nhanded_over_at = \"MQL Date\"\n\
         created_at = \"Created\"\n\
         [crm]\npath = \"crm.csv\"\nkey = \"Email\"\nowner = \"Owner\"\ndisposition = \"Status\"\n\
         first_touch_at = \"First Touch\"\nassigned_at = \"Assigned\"\n\
         [activities]\npath = \"activities.csv\"\nkey = \"Email\"\nat = \"Date\"\ntype = \"Type\"\n\
         [sales]\naccepted = [\"Qualified\"]\nrejected = [\"Unqualified\"]\n\
         [definition]\npath = \"sales-ready.toml\"\n\
         [thresholds]\nmin_follow_up_rate = 0.5\n",
    );
    let (y, m, d) = e.reviewed;
    let definition = format!(
        "reviewed = {y:04}-{m:02}-{d:02}\nreview_every_days = {}\nready_when = \"any\"\n\
         [[criteria]]\nid = \"recent\"\nfield = \"Touched\"\nwithin_days = {}\n\
         [[criteria]]\nid = \"size\"\nfield = \"Touched\"\ngte = {}\n\
         [[criteria]]\nid = \"known\"\nfield = \"Status\"\npresent = true\n",
        e.review_every_days,
        toml_float(e.within_days),
        toml_float(e.gte),
    );
    let s = &e.stamps;
    let marketing = format!(
        "Email,MQL Date,Created,Touched\na@x.test,{},{},{}\nb@x.test,{},{},{}\nc@x.test,{},,{}\n",
        s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
    );
    let crm = format!(
        "Email,Owner,Status,First Touch,Assigned\n\
         a@x.test,Ann,Qualified,{},{}\nb@x.test,Bob,,{},{}\n",
        s[8], s[9], s[10], s[11]
    );
    let day = |x: &str| x.get(..10).unwrap_or_default().to_string();
    let activities = format!(
        "Email,Date,Type\na@x.test,{},Call\nb@x.test,{},Email\n\
         a@x.test,{},Call\nc@x.test,{},Call\n",
        s[12],
        day(&s[2]),
        day(&s[0]),
        s[13]
    );
    fs::write(dir.join("activities.csv"), activities).unwrap();
    fs::write(dir.join("handoff.toml"), config).unwrap();
    fs::write(dir.join("sales-ready.toml"), definition).unwrap();
    fs::write(dir.join("marketing.csv"), marketing).unwrap();
    fs::write(dir.join("crm.csv"), crm).unwrap();
    dir.join("handoff.toml")
}

/// Config, definition, load, audit, every renderer and `explain`: errors allowed, panics not.
fn run_extreme(path: &Path, as_of_flag: Option<&str>) {
    let text = fs::read_to_string(path).unwrap();
    let overrides = handoff::config::PathOverrides::default();
    let Ok(cfg) = handoff::config::parse(&text, path, &overrides, as_of_flag) else {
        return;
    };
    let Ok(def) = handoff::app::load_definition(&cfg) else {
        return;
    };
    if let Ok(report) = handoff::audit::run(&cfg, def.as_ref()) {
        for format in [handoff::cli::Format::Json, handoff::cli::Format::Table] {
            let _ = handoff::report::render(&report, format);
        }
        let _ = handoff::app::check_thresholds(&cfg.thresholds, &report);
    }
    if let Ok(data) = handoff::load::load(&cfg, def.as_ref()) {
        for key in ["a@x.test", "c@x.test", "nobody@x.test"] {
            let _ = handoff::explain::explain(&cfg, def.as_ref(), &data, key);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn audit_never_panics_on_extreme_settings(e in extreme()) {
        let dir = tempfile::tempdir().unwrap();
        let path = write_extreme(dir.path(), &e);
        run_extreme(&path, e.as_of_flag.as_deref());
    }
}

// ---------------------------------------------------------------------------------------------
// The config parser: any value under any key
// ---------------------------------------------------------------------------------------------

/// A valid config naming every kind of setting; the property replaces one value at a time.
const BASE_CONFIG: &str = r#"
[audit]
timezone = "America/New_York"
sla_hours = 48
sla_clock = "calendar"
as_of = "2026-03-12T12:00:00Z"
salesforce_ids = false

[marketing]
path = "marketing.csv"
key = "Email"
handed_over_at = "MQL Date"
mql = "Is MQL"
created_at = "Created"
delimiter = ","
empty = ["null", "-"]

[crm]
path = "crm.csv"
key = "Email"
owner = "Owner"
disposition = "Status"
disposition_reason = "Reason"
first_touch_at = "First Touch"

[activities]
path = "activities.csv"
key = "Email"
at = "Date"
type = "Type"
touch_types = ["Call", "Email"]

[sales]
accepted = ["Qualified"]
rejected = ["Unqualified"]
unowned = ["Queue"]

[definition]
path = "sales-ready.toml"

[thresholds]
min_follow_up_rate = 0.35
max_breach_rate = 0.2
"#;

const CONFIG_KEYS: &[(&str, &str)] = &[
    ("audit", "timezone"),
    ("audit", "sla_hours"),
    ("audit", "sla_clock"),
    ("audit", "as_of"),
    ("audit", "salesforce_ids"),
    ("audit", "business"),
    ("marketing", "path"),
    ("marketing", "preset"),
    ("marketing", "key"),
    ("marketing", "handed_over_at"),
    ("marketing", "mql"),
    ("marketing", "created_at"),
    ("marketing", "encoding"),
    ("marketing", "delimiter"),
    ("marketing", "date_order"),
    ("marketing", "empty"),
    ("marketing", "thousands"),
    ("marketing", "decimal"),
    ("crm", "key"),
    ("crm", "owner"),
    ("crm", "preset"),
    ("crm", "first_touch_at"),
    ("crm", "delimiter"),
    ("activities", "at"),
    ("activities", "type"),
    ("activities", "touch_types"),
    ("activities", "owner_only"),
    ("activities", "exclude"),
    ("sales", "accepted"),
    ("sales", "unowned"),
    ("definition", "path"),
    ("definition", "ready_when"),
    ("definition", "review_every_days"),
    ("definition", "reviewed"),
    ("definition", "criteria"),
    ("thresholds", "min_follow_up_rate"),
    ("findings", "unowned"),
    ("roster", "path"),
];

/// Strings that mean something somewhere in a config.
const CONFIG_WORDS: &[&str] = &[
    "",
    " ",
    "#0",
    "#1",
    "#2",
    "#99",
    "#18446744073709551616",
    "#-1",
    "Email",
    "MQL Date",
    "\t",
    "tab",
    ";",
    "\"",
    "utf-16",
    "windows-1252",
    "latin1",
    "dmy",
    "mdy",
    "all",
    "any",
    "salesforce",
    "hubspot",
    "marketo",
    "business",
    "calendar",
    ".",
    "..",
    "/",
    "crm.csv",
    "handoff.toml",
    "sales-ready.toml",
    "UTC",
    "Etc/GMT+12",
    "2026-02-30",
    "2026-03-12",
    "0000-01-01T00:00:00Z",
    "9999-12-31",
    "Mon",
    "09:00",
    "25:99",
];

fn toml_scalar() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(i64::MAX),
            Just(i64::MIN)
        ]
        .prop_map(toml::Value::Integer),
        any::<f64>().prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        prop::sample::select(CONFIG_WORDS).prop_map(|w| toml::Value::String(w.to_string())),
        nasty_string().prop_map(toml::Value::String),
        prop::sample::select(
            &[
                "1979-05-27T07:32:00Z",
                "2026-03-01",
                "07:32:00",
                "0001-01-01"
            ][..]
        )
        .prop_map(|d| toml::Value::Datetime(d.parse().unwrap())),
    ]
}

fn toml_value() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        4 => toml_scalar(),
        1 => prop::collection::vec(toml_scalar(), 0..4).prop_map(toml::Value::Array),
        1 => prop::collection::btree_map("[a-z_]{1,12}", toml_scalar(), 0..3).prop_map(|m| {
            toml::Value::Table(m.into_iter().collect())
        }),
    ]
}

fn write_config_inputs(dir: &Path) {
    fs::write(
        dir.join("marketing.csv"),
        "Email,MQL Date,Is MQL,Created,Employees\na@x.test,2026-03-02 09:00,yes,2026-02-01,250\n\
         b@x.test,2026-03-03 10:00,no,,40\nc@x.test,,yes,2026-02-02,\n",
    )
    .unwrap();
    fs::write(
        dir.join("crm.csv"),
        "Email,Owner,Status,Reason,First Touch\na@x.test,Ann,Qualified,,2026-03-02 10:00\n\
         b@x.test,Queue,Unqualified,Budget,\n",
    )
    .unwrap();
    fs::write(
        dir.join("activities.csv"),
        "Email,Date,Type\na@x.test,2026-03-02 11:00,Call\nb@x.test,2026-03-04,Email\n",
    )
    .unwrap();
    fs::write(
        dir.join("sales-ready.toml"),
        "name = \"Ready\"\nreviewed = 2026-01-01\n[[criteria]]\nid = \"size\"\n\
         field = \"Employees\"\ngte = 200\n",
    )
    .unwrap();
}

proptest! {
    #![proptest_config(config())]

    /// One key of a valid config set to any TOML value (or any text as the whole config): the
    /// config is accepted or refused with a message; an accepted one runs to a report.
    #[test]
    fn config_with_any_value_never_panics(
        edits in prop::collection::vec((prop::sample::select(CONFIG_KEYS), toml_value()), 1..4),
        whole in prop::option::weighted(0.1, nasty_string()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        write_config_inputs(dir.path());
        let mut table: toml::Table = BASE_CONFIG.parse().unwrap();
        for ((section, key), value) in edits {
            let entry = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = entry {
                t.insert(key.to_string(), value);
            }
        }
        let text = match whole {
            Some(w) => w,
            None => toml::to_string(&table).unwrap(),
        };
        let path = dir.path().join("handoff.toml");
        fs::write(&path, &text).unwrap();
        run_extreme(&path, None);
    }
}

// ---------------------------------------------------------------------------------------------
// The CSV loader through the binary, against an independent RFC 4180 record counter
// ---------------------------------------------------------------------------------------------

/// One record as an RFC 4180 reader sees it.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    fields: usize,
    /// One field holding only white space (or nothing): a blank line, not data.
    blank: bool,
    /// Line breaks inside quoted fields.
    inner_newlines: u64,
    /// A blank line (or a blank record) right before it.
    after_blank: bool,
}

/// Records of a CSV text, written from RFC 4180 (`"` quotes, `""` inside quotes, `,` between
/// fields; CRLF, LF or CR end a record; a quote left open runs to the end of the input).
fn rfc4180_records(b: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut prev_blank = false;
    loop {
        let mut breaks = 0;
        while i < b.len() && (b[i] == b'\n' || b[i] == b'\r') {
            breaks += u64::from(b[i] == b'\n');
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let after_blank = !out.is_empty() && (breaks >= 2 || prev_blank);
        let mut fields = 1;
        let mut content: Vec<u8> = Vec::new();
        let mut inner_newlines = 0;
        loop {
            if i < b.len() && b[i] == b'"' {
                i += 1;
                while i < b.len() {
                    if b[i] == b'"' {
                        if b.get(i + 1) == Some(&b'"') {
                            content.push(b'"');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    inner_newlines += u64::from(b[i] == b'\n');
                    content.push(b[i]);
                    i += 1;
                }
            }
            while i < b.len() && !matches!(b[i], b',' | b'\n' | b'\r') {
                content.push(b[i]);
                i += 1;
            }
            if i < b.len() && b[i] == b',' {
                fields += 1;
                content.push(b',');
                i += 1;
                continue;
            }
            break;
        }
        let blank = fields == 1
            && String::from_utf8_lossy(&content)
                .chars()
                .all(char::is_whitespace);
        out.push(Record {
            fields,
            blank,
            inner_newlines,
            after_blank,
        });
        prev_blank = blank;
    }
    out
}

/// (data rows = loaded + skipped, footer lines) by SPEC "Files": records after the header,
/// blank lines excluded; the records after the last blank line are a footer when every one of
/// them has a field count different from the header's.
fn expected_counts(text: &[u8]) -> (u64, u64) {
    let records = rfc4180_records(text);
    let Some(header) = records.first() else {
        return (0, 0);
    };
    let width = header.fields;
    let data: Vec<&Record> = records[1..].iter().filter(|r| !r.blank).collect();
    let footer_start = data
        .iter()
        .rposition(|r| r.after_blank)
        .filter(|&k| data[k..].iter().all(|r| r.fields != width));
    match footer_start {
        None => (data.len() as u64, 0),
        Some(k) => (
            k as u64,
            data[k..].iter().map(|r| r.inner_newlines + 1).sum(),
        ),
    }
}

#[test]
fn rfc4180_counter_on_known_files() {
    let cases: [(&[u8], (u64, u64)); 8] = [
        (b"a,b\n1,2\n3,4\n", (2, 0)),
        (b"a,b\n1,2\n\n3,4", (2, 0)),
        (b"a,b\n1,2\n\"x\ny\",3\n", (2, 0)),
        (b"a,b\n1,2\n\nReport\n\"(c) 2026\nAll rights\"\n", (1, 3)),
        (b"a,b\n1,2\n3\n\nfoot\n5,6\n", (4, 0)),
        (b"a,b\n1,2\n  \nfoot\n", (1, 1)),
        (b"a,b\r\n1,2\r\n\"open,3\r\n4,5\r\n", (2, 0)),
        (b"a,b\n\"\"\n1,2\n", (1, 0)),
    ];
    for (text, expected) in cases {
        assert_eq!(
            expected_counts(text),
            expected,
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[derive(Debug, Clone)]
enum Field {
    Plain(String),
    Quoted(String),
}

#[derive(Debug, Clone)]
enum Line {
    Blank(String),
    Record(Vec<Field>),
}

#[derive(Clone)]
struct CsvCase {
    width: usize,
    lines: Vec<(Line, bool)>,
    trailing_newline: bool,
    cut: Option<prop::sample::Index>,
}

impl CsvCase {
    fn text(&self) -> String {
        let header: Vec<String> = (0..self.width)
            .map(|i| match i {
                0 => "Email".to_string(),
                1 => "MQL Date".to_string(),
                _ => format!("C{i}"),
            })
            .collect();
        let mut s = header.join(",");
        s.push('\n');
        let header_len = s.len();
        for (n, (line, crlf)) in self.lines.iter().enumerate() {
            match line {
                Line::Blank(ws) => s.push_str(ws),
                Line::Record(fields) => {
                    let parts: Vec<String> = fields
                        .iter()
                        .map(|f| match f {
                            Field::Plain(v) => v.clone(),
                            Field::Quoted(v) => format!("\"{}\"", v.replace('"', "\"\"")),
                        })
                        .collect();
                    s.push_str(&parts.join(","));
                }
            }
            if n + 1 < self.lines.len() || self.trailing_newline {
                s.push_str(if *crlf { "\r\n" } else { "\n" });
            }
        }
        if let Some(cut) = &self.cut {
            if s.len() > header_len {
                let mut at = header_len + cut.index(s.len() - header_len);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                s.truncate(at);
            }
        }
        s
    }
}

impl fmt::Debug for CsvCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CsvCase({:?})", self.text())
    }
}

fn plain_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z0-9@._ -]{0,8}",
        1 => "[ \t]{0,3}",
        1 => "[a-zA-Z0-9:;|+ éü日\u{a0}]{0,10}",
    ]
    .boxed()
}

fn quoted_text() -> impl Strategy<Value = String> {
    prop_oneof!["([a-z ,;|\"é]|\r\n|\n){0,10}", plain_text(),]
}

fn field(text: BoxedStrategy<String>) -> impl Strategy<Value = Field> {
    prop_oneof![
        3 => text.clone().prop_map(Field::Plain),
        1 => text.prop_map(|t| Field::Quoted(t.replace(['\r', '\n'], " "))),
        1 => quoted_text().prop_map(Field::Quoted),
    ]
}

fn record(width: usize) -> impl Strategy<Value = Vec<Field>> {
    let key = prop_oneof![
        4 => "[a-d]@x\\.test",
        1 => "[A-D]@X\\.TEST ",
        1 => Just(String::new()),
        1 => Just("1.10416E+11".to_string()),
        1 => plain_text(),
    ]
    .boxed();
    let date = prop_oneof![
        4 => "2026-03-0[1-9]T0[0-9]:00:00Z",
        1 => "2026-03-[0-2][1-9]",
        1 => Just(String::new()),
        1 => Just("null".to_string()),
        1 => plain_text(),
    ]
    .boxed();
    let n = prop_oneof![3 => Just(width), 1 => 1..=width + 2];
    n.prop_flat_map(move |n| {
        (
            field(key.clone()),
            field(date.clone()),
            prop::collection::vec(field(plain_text()), n.saturating_sub(2)),
        )
            .prop_map(move |(k, d, rest)| {
                let mut v = vec![k];
                if n >= 2 {
                    v.push(d);
                }
                v.extend(rest);
                v
            })
    })
}

fn csv_case() -> impl Strategy<Value = CsvCase> {
    (2usize..=5)
        .prop_flat_map(|width| {
            let line = prop_oneof![
                1 => "[ \t]{0,2}".prop_map(Line::Blank),
                6 => record(width).prop_map(Line::Record),
            ];
            (
                Just(width),
                prop::collection::vec((line, any::<bool>()), 0..25),
                any::<bool>(),
                prop::option::weighted(0.25, any::<prop::sample::Index>()),
            )
        })
        .prop_map(|(width, lines, trailing_newline, cut)| CsvCase {
            width,
            lines,
            trailing_newline,
            cut,
        })
}

const LOADER_CONFIG: &str = "[audit]\nas_of = \"2026-03-12T12:00:00Z\"\n\
    [marketing]\npath = \"marketing.csv\"\nkey = \"Email\"\nhanded_over_at = \"MQL Date\"\n\
    delimiter = \",\"\n\
    [crm]\npath = \"crm.csv\"\nkey = \"Email\"\nowner = \"Owner\"\n\
    [sales]\naccepted = [\"Qualified\"]\nrejected = [\"Unqualified\"]\n";

/// Run the binary with `marketing` as the marketing export; the exit code and the report.
fn load_marketing(marketing: &[u8]) -> (Option<i32>, String, Option<Value>) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("handoff.toml"), LOADER_CONFIG).unwrap();
    fs::write(dir.path().join("crm.csv"), "Email,Owner\na@x.test,Ann\n").unwrap();
    fs::write(dir.path().join("marketing.csv"), marketing).unwrap();
    let config = dir.path().join("handoff.toml");
    let out = crate::common::run(&[
        "audit",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.code(),
        err,
        serde_json::from_slice(&out.stdout).ok(),
    )
}

/// The loader's counts of `marketing` equal the RFC 4180 counter's.
fn check_loader_counts(marketing: &[u8]) -> Result<(), TestCaseError> {
    let (code, err, report) = load_marketing(marketing);
    prop_assert!(code.is_some(), "killed by a signal");
    prop_assert_ne!(code, Some(101), "{}", err);
    prop_assert!(!err.contains("panicked at"), "{}", err);
    prop_assert_eq!(code, Some(0), "{}", err);
    let report = report.expect("a JSON report");
    let m = &report["inputs"]["marketing"];
    let (rows, skipped, footer) = (
        m["rows"].as_u64().unwrap(),
        m["skipped"].as_u64().unwrap(),
        m["footer_lines"].as_u64().unwrap(),
    );
    let (data, footer_lines) = expected_counts(marketing);
    prop_assert_eq!(rows + skipped, data, "rows {} + skipped {}", rows, skipped);
    prop_assert_eq!(footer, footer_lines);
    let listed = report["data_quality"]["skipped_rows"].as_array().unwrap();
    prop_assert_eq!(listed.len() as u64, skipped.min(1000));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn loader_counts_every_data_record(case in csv_case()) {
        check_loader_counts(case.text().as_bytes())?;
    }
}

// ---------------------------------------------------------------------------------------------
// Large activity files, read in two chunks on two threads
// ---------------------------------------------------------------------------------------------

/// Activity files from this size are read in two chunks (`PARALLEL_MIN_BYTES` of the loader).
const TWO_CHUNKS: usize = 8 << 20;

/// Run the binary with `activities` as the activity export and `--threads N`.
fn load_activities(activities: &Path, threads: &str) -> (Option<i32>, String, Option<Value>) {
    let dir = activities.parent().unwrap();
    let config = format!(
        "{LOADER_CONFIG}[activities]\npath = \"{}\"\nkey = \"Email\"\nat = \"MQL Date\"\n",
        activities.file_name().unwrap().to_str().unwrap()
    );
    fs::write(dir.join("handoff.toml"), config).unwrap();
    fs::write(dir.join("crm.csv"), "Email,Owner\na@x.test,Ann\n").unwrap();
    fs::write(
        dir.join("marketing.csv"),
        "Email,MQL Date\na@x.test,2026-03-02T09:00:00Z\n",
    )
    .unwrap();
    let config = dir.join("handoff.toml");
    let out = crate::common::run(&[
        "audit",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "--threads",
        threads,
    ]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.code(),
        err,
        serde_json::from_slice(&out.stdout).ok(),
    )
}

/// `inputs.activities` read with one thread and with two equals the RFC 4180 counter's.
fn check_two_chunk_counts(text: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activities.csv");
    fs::write(&path, text).unwrap();
    let (data, footer_lines) = expected_counts(text);
    for threads in ["1", "2"] {
        let (code, err, report) = load_activities(&path, threads);
        prop_assert!(!err.contains("panicked at"), "{}", err);
        prop_assert_eq!(code, Some(0), "--threads {}: {}", threads, err);
        let report = report.expect("a JSON report");
        let a = &report["inputs"]["activities"];
        let (rows, skipped, footer) = (
            a["rows"].as_u64().unwrap(),
            a["skipped"].as_u64().unwrap(),
            a["footer_lines"].as_u64().unwrap(),
        );
        prop_assert_eq!(
            (rows + skipped, footer),
            (data, footer_lines),
            "--threads {}: rows {} + skipped {}, footer {}",
            threads,
            rows,
            skipped,
            footer
        );
    }
    Ok(())
}

/// A report footer that starts right after the split point (the blank line before it ends the
/// first chunk): two threads must still see the blank line, and count the footer as one does.
#[test]
fn two_chunk_read_keeps_a_footer_that_starts_at_the_split() {
    let row = "a@x.test,2026-03-02T10:00:00Z\n";
    let rows = TWO_CHUNKS / 2 / row.len() + 1;
    let header = "Email,MQL Date\n";
    // The loader splits at the first line break at or after the middle of the data: make the
    // blank line's own line break the middle byte.
    let footer_len = row.len() * rows - 1;
    let mut footer = String::new();
    let mut i = 0;
    while footer.len() + 64 < footer_len {
        footer.push_str(&format!("Confidential - do not distribute {i:012}\n"));
        i += 1;
    }
    footer.push_str(&"x".repeat(footer_len - footer.len() - 1));
    footer.push('\n');
    let text = format!("{header}{}\n{footer}", row.repeat(rows));
    assert!(text.len() >= TWO_CHUNKS);
    if let Err(e) = check_two_chunk_counts(text.as_bytes()) {
        panic!("{e}");
    }
}

/// Random files repeated past the two-chunk size: one thread and two count alike, and as the
/// RFC 4180 counter does, wherever the split falls. Each case writes and reads 8 MB twice, so
/// this runs `PROPTEST_CASES / 64` cases (at least 3), through a `TestRunner` of its own
/// (the `proptest!` macro would let `PROPTEST_CASES` override the count).
#[test]
fn two_chunk_read_counts_like_one() {
    let mut c = config();
    c.cases = (cases() / 64).max(3);
    c.max_shrink_iters = 32;
    let mut runner = proptest::test_runner::TestRunner::new(c);
    let result = runner.run(&csv_case(), |case| {
        let text = case.text();
        let header_len = text.find('\n').map_or(text.len(), |i| i + 1);
        let mut body = text[header_len..].to_string();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        // Ordinary rows between the copies keep the record count (and the run time) moderate
        // however short the random part is.
        body.push_str(&"a@x.test,2026-03-02T10:00:00Z\n".repeat(100));
        let copies = TWO_CHUNKS / body.len() + 2;
        let big = format!("{}{}", &text[..header_len], body.repeat(copies));
        check_two_chunk_counts(big.as_bytes())
    });
    if let Err(e) = result {
        panic!("{e}\n{runner}");
    }
}

/// What a file may start with: nothing, a BOM, a header.
const PREFIXES: &[&[u8]] = &[
    b"",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"Email,MQL Date\n",
    b"Email;MQL Date\r\n",
];

proptest! {
    #![proptest_config(config())]

    /// Any bytes as the marketing export, bare or behind a BOM or a valid header: a report or
    /// exit 2 naming the file; never a panic.
    #[test]
    fn loader_never_panics_on_any_bytes(
        prefix in prop::sample::select(PREFIXES),
        body in prop::collection::vec(
            prop_oneof![
                3 => any::<u8>(),
                1 => prop::sample::select(&b",;\t|\"\r\n \0"[..]),
            ],
            0..400,
        ),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(body);
        let (code, err, _) = load_marketing(&bytes);
        prop_assert!(code.is_some(), "killed by a signal");
        prop_assert!(!err.contains("panicked at"), "{}", err);
        prop_assert!(matches!(code, Some(0) | Some(2)), "exit {:?}: {}", code, err);
        if code == Some(2) {
            prop_assert!(err.contains("marketing.csv"), "{}", err);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions: every crash input found is kept and replayed
// ---------------------------------------------------------------------------------------------

/// Replays `fixtures/regressions/`:
/// - `<name>/handoff.toml` (with its files): `audit` (JSON, table, `--strict`), `validate`,
///   `check` and `explain` through the binary, and the in-process audit: no panic, exit 0-2,
///   exit 2 with a `handoff: error:` message;
/// - `<name>.csv`: a marketing export whose counts must match the RFC 4180 counter;
/// - `<name>.values`: one value per line for every string-level function.
#[test]
fn regressions_replay() {
    let dir = fixture("regressions");
    let mut entries: Vec<std::path::PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut replayed = 0;
    for path in entries {
        let name = path.display().to_string();
        if path.join("handoff.toml").is_file() {
            replayed += 1;
            let config = path.join("handoff.toml");
            let c = config.to_str().unwrap();
            for args in crate::common::every_command(c, "a@x.test") {
                let out = crate::common::run(&args);
                crate::common::assert_orderly_exit(
                    &out,
                    &format!("{name}: handoff {}", args.join(" ")),
                );
            }
            let result = std::panic::catch_unwind(|| run_extreme(&config, None));
            assert!(result.is_ok(), "{name}: the in-process audit panicked");
        } else if path.extension().is_some_and(|e| e == "csv") {
            replayed += 1;
            let bytes = fs::read(&path).unwrap();
            if let Err(e) = check_loader_counts(&bytes) {
                panic!("{name}: {e}");
            }
        } else if path.extension().is_some_and(|e| e == "values") {
            replayed += 1;
            for line in fs::read_to_string(&path).unwrap().lines() {
                let result = std::panic::catch_unwind(|| exercise_value(line));
                assert!(result.is_ok(), "{name}: {line:?} panicked");
            }
        }
    }
    assert!(replayed > 0, "nothing to replay in {}", dir.display());
}
