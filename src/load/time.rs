//! Timestamps as exports write them, read into integer microseconds since the Unix epoch.
//!
//! Accepted forms (SPEC "Timestamps", issue "Real exports"):
//! - ISO 8601 / RFC 3339: `2026-11-24`, `2026-11-24T15:04`, `2026-11-24 15:04:05.123`, with an
//!   optional `Z`, `+02:00`, `+0200` or `+02` (and ` UTC` / ` GMT`);
//! - US / EU slash forms `11/24/2026 3:04 PM`, `24/11/2026 15:04`, two-digit years (`2/5/24 1:51`);
//! - dotted day-first `24.11.2026 15:04`;
//! - month names: `15 Apr, 2021 00:03:00`, `Apr 15, 2021 12:03 AM`.
//!
//! Values without an offset are local times in the audit's time zone; [`Zone`] turns them into
//! instants with SPEC rule 9 for DST gaps and folds. A slash date whose day/month order cannot be
//! told from the value itself is [`StampError::NeedsOrder`]: the loader settles the order per
//! column from the data, never per row.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

/// Microseconds in one hour, the unit SPEC rule 8 divides elapsed time by.
pub const MICROS_PER_HOUR: i64 = 3_600_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Day/month order of slash dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Month first: `11/24/2026`.
    Mdy,
    /// Day first: `24/11/2026`.
    Dmy,
}

impl DateOrder {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Mdy => "mdy",
            DateOrder::Dmy => "dmy",
        }
    }
}

/// A parsed timestamp before time-zone resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// An instant: the value carried `Z` or an offset. Microseconds since the epoch.
    Instant(i64),
    /// A wall-clock time without offset.
    Local(NaiveDateTime),
    /// A date without time of day.
    Date(NaiveDate),
}

/// Why a value is not a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampError {
    /// Not a timestamp in any accepted form.
    Invalid,
    /// A slash date such as `3/4/2026` whose order is not known.
    NeedsOrder,
}

/// What a slash date says about its column's day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderHint {
    /// Not a slash date, or nothing to learn.
    None,
    /// Both parts are 12 or less: either order reads it.
    Ambiguous,
    /// Only one order reads it.
    Settles(DateOrder),
    /// Neither order reads it (both parts above 12).
    Impossible,
}

/// Inspect a trimmed value: if it is a slash date, what does it say about the order?
pub fn order_hint(s: &str) -> OrderHint {
    let b = s.as_bytes();
    let mut p = Cursor { b, i: 0 };
    let Some(a) = p.digits(1, 2) else {
        return OrderHint::None;
    };
    if !p.eat(b'/') {
        return OrderHint::None;
    }
    let Some(c) = p.digits(1, 2) else {
        return OrderHint::None;
    };
    if !p.eat(b'/') {
        return OrderHint::None;
    }
    match (a > 12, c > 12) {
        (false, false) => OrderHint::Ambiguous,
        (true, false) => OrderHint::Settles(DateOrder::Dmy),
        (false, true) => OrderHint::Settles(DateOrder::Mdy),
        (true, true) => OrderHint::Impossible,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    fn skip_spaces(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ') | Some(b'\t')) {
            self.i += 1;
        }
        self.i - start
    }
    /// Between `min` and `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(c - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        if self.i - start < min {
            self.i = start;
            return None;
        }
        // A longer run of digits than allowed is not this form.
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i = start;
            return None;
        }
        Some(v)
    }
    /// Exactly `n` ASCII digits, whatever follows.
    fn exact(&mut self, n: usize) -> Option<u32> {
        let d = self.b.get(self.i..self.i + n)?;
        if !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(d.iter().fold(0, |v, c| v * 10 + u32::from(c - b'0')))
    }

    /// ASCII letters.
    fn word(&mut self) -> &[u8] {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }
}

/// Parse a trimmed, non-empty value. `order` is the column's day/month order when known.
pub fn parse(s: &str, order: Option<DateOrder>) -> Result<Stamp, StampError> {
    let b = s.as_bytes();
    if let Some(stamp) = parse_common_iso(b) {
        return Ok(stamp);
    }
    if b.len() >= 10 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit) {
        return parse_iso(b).ok_or(StampError::Invalid);
    }
    match b.first() {
        Some(b'0'..=b'9') => parse_numeric_date(b, order),
        Some(c) if c.is_ascii_alphabetic() => parse_month_first(b).ok_or(StampError::Invalid),
        _ => Err(StampError::Invalid),
    }
}

/// The forms nearly every export writes, `2026-11-24T15:04:05Z` and `2026-11-24 15:04:05`, read
/// at fixed positions. `None` for anything else, which [`parse_iso`] reads (with the same
/// result for these forms).
#[inline]
fn parse_common_iso(b: &[u8]) -> Option<Stamp> {
    let utc = match b.len() {
        19 => false,
        20 if b[19] == b'Z' => true,
        _ => return None,
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let two = |i: usize| {
        let (h, l) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (h < 10 && l < 10).then(|| u32::from(h) * 10 + u32::from(l))
    };
    let year = two(0)? * 100 + two(2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(5)?, two(8)?)?;
    let local = date.and_time(NaiveTime::from_hms_opt(two(11)?, two(14)?, two(17)?)?);
    Some(if utc {
        Stamp::Instant(local.and_utc().timestamp_micros())
    } else {
        Stamp::Local(local)
    })
}

fn parse_iso(b: &[u8]) -> Option<Stamp> {
    let mut p = Cursor { b, i: 0 };
    let y = p.digits(4, 4)?;
    if !p.eat(b'-') {
        return None;
    }
    let m = p.digits(1, 2)?;
    if !p.eat(b'-') {
        return None;
    }
    let d = p.digits(1, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    if p.at_end() {
        return Some(Stamp::Date(date));
    }
    if !(p.eat(b'T') || p.eat(b't') || p.skip_spaces() > 0) {
        return None;
    }
    let time = time_of_day(&mut p, false)?;
    let local = date.and_time(time);
    p.skip_spaces();
    if p.at_end() {
        return Some(Stamp::Local(local));
    }
    let offset_secs = zone_suffix(&mut p)?;
    if !p.at_end() {
        return None;
    }
    let utc = local.and_utc().timestamp_micros() - i64::from(offset_secs) * 1_000_000;
    Some(Stamp::Instant(utc))
}

/// `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM`, `+HH` (also `-`). Seconds east of UTC.
fn zone_suffix(p: &mut Cursor<'_>) -> Option<i32> {
    match p.peek()? {
        b'Z' | b'z' => {
            p.i += 1;
            Some(0)
        }
        sign @ (b'+' | b'-') => {
            p.i += 1;
            let h = p.exact(2)?;
            let mut m = 0;
            // `+02:00`, `+0200` or `+02`.
            if p.eat(b':') || !p.at_end() {
                m = p.exact(2)?;
            }
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            Some(if sign == b'-' { -secs } else { secs })
        }
        _ => {
            let w = p.word();
            if w.eq_ignore_ascii_case(b"utc") || w.eq_ignore_ascii_case(b"gmt") {
                Some(0)
            } else {
                None
            }
        }
    }
}

/// `H:MM[:SS[.fraction]]`, optionally followed by `AM`/`PM` when `allow_meridiem`... ISO values
/// never carry a meridiem, export forms may.
fn time_of_day(p: &mut Cursor<'_>, allow_meridiem: bool) -> Option<NaiveTime> {
    let mut h = p.digits(1, 2)?;
    if !p.eat(b':') {
        return None;
    }
    let mi = p.digits(2, 2)?;
    let mut s = 0;
    let mut micros = 0;
    if p.eat(b':') {
        s = p.digits(2, 2)?;
        if p.eat(b'.') || p.eat(b',') {
            let start = p.i;
            let mut scale = 100_000u32;
            while let Some(c @ b'0'..=b'9') = p.peek() {
                micros += u32::from(c - b'0') * scale;
                scale /= 10;
                p.i += 1;
            }
            if p.i == start {
                return None;
            }
        }
    }
    if allow_meridiem {
        let save = p.i;
        p.skip_spaces();
        let w = p.word();
        let pm = if w.eq_ignore_ascii_case(b"am") || w.eq_ignore_ascii_case(b"a") {
            Some(false)
        } else if w.eq_ignore_ascii_case(b"pm") || w.eq_ignore_ascii_case(b"p") {
            Some(true)
        } else {
            p.i = save;
            None
        };
        if let Some(pm) = pm {
            if h == 0 || h > 12 {
                return None;
            }
            h = match (pm, h) {
                (false, 12) => 0,
                (false, h) => h,
                (true, 12) => 12,
                (true, h) => h + 12,
            };
        }
    }
    NaiveTime::from_hms_micro_opt(h, mi, s, micros)
}

fn two_or_four_digit_year(p: &mut Cursor<'_>) -> Option<i32> {
    let start = p.i;
    let y = p.digits(2, 4)?;
    match p.i - start {
        2 => Some(2000 + i32::try_from(y).ok()?),
        4 => i32::try_from(y).ok(),
        _ => None,
    }
}

/// Optional time after a date: end, or spaces/`,`/`T` then a time with optional meridiem.
fn optional_time(p: &mut Cursor<'_>, date: NaiveDate) -> Option<Stamp> {
    if p.at_end() {
        return Some(Stamp::Date(date));
    }
    let had_comma = p.eat(b',');
    if p.skip_spaces() == 0 && !had_comma && !p.eat(b'T') {
        return None;
    }
    let t = time_of_day(p, true)?;
    p.skip_spaces();
    if !p.at_end() {
        return None;
    }
    Some(Stamp::Local(date.and_time(t)))
}

/// `A/B/YYYY …`, `D.M.YYYY …`, `15 Apr, 2021 …`.
fn parse_numeric_date(b: &[u8], order: Option<DateOrder>) -> Result<Stamp, StampError> {
    let mut p = Cursor { b, i: 0 };
    let a = p.digits(1, 2).ok_or(StampError::Invalid)?;
    let sep = p.peek().ok_or(StampError::Invalid)?;
    match sep {
        b'/' | b'.' | b'-' => {
            p.i += 1;
            let c = p.digits(1, 2).ok_or(StampError::Invalid)?;
            if !p.eat(sep) {
                return Err(StampError::Invalid);
            }
            let y = two_or_four_digit_year(&mut p).ok_or(StampError::Invalid)?;
            let (month, day) = if sep == b'/' {
                match order_hint_parts(a, c, order)? {
                    DateOrder::Mdy => (a, c),
                    DateOrder::Dmy => (c, a),
                }
            } else {
                // `24.11.2026` and `24-11-2026` are day-first in every locale that writes them.
                (c, a)
            };
            let date = NaiveDate::from_ymd_opt(y, month, day).ok_or(StampError::Invalid)?;
            optional_time(&mut p, date).ok_or(StampError::Invalid)
        }
        b' ' => {
            // `15 Apr, 2021 00:03:00` / `15 April 2021`.
            p.skip_spaces();
            let month = month_number(p.word()).ok_or(StampError::Invalid)?;
            p.eat(b',');
            p.skip_spaces();
            let y = p.digits(4, 4).ok_or(StampError::Invalid)?;
            let date = NaiveDate::from_ymd_opt(
                i32::try_from(y).map_err(|_| StampError::Invalid)?,
                month,
                a,
            )
            .ok_or(StampError::Invalid)?;
            optional_time(&mut p, date).ok_or(StampError::Invalid)
        }
        _ => Err(StampError::Invalid),
    }
}

fn order_hint_parts(a: u32, c: u32, order: Option<DateOrder>) -> Result<DateOrder, StampError> {
    match (a > 12, c > 12, order) {
        (true, true, _) => Err(StampError::Invalid),
        (_, _, Some(o)) => Ok(o),
        (true, false, None) => Ok(DateOrder::Dmy),
        (false, true, None) => Ok(DateOrder::Mdy),
        (false, false, None) => Err(StampError::NeedsOrder),
    }
}

/// `Apr 15, 2021 12:03 AM`.
fn parse_month_first(b: &[u8]) -> Option<Stamp> {
    let mut p = Cursor { b, i: 0 };
    let month = month_number(p.word())?;
    p.eat(b'.');
    if p.skip_spaces() == 0 {
        return None;
    }
    let d = p.digits(1, 2)?;
    p.eat(b',');
    p.skip_spaces();
    let y = p.digits(4, 4)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, month, d)?;
    optional_time(&mut p, date)
}

fn month_number(w: &[u8]) -> Option<u32> {
    const NAMES: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    if w.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|name| {
            w.len() <= name.len()
                && name[..w.len()].eq_ignore_ascii_case(w)
                && (w.len() == 3
                    || w.len() == name.len()
                    || (w.len() == 4 && w.eq_ignore_ascii_case(b"sept")))
        })
        .map(|i| i as u32 + 1)
}

/// The audit's time zone: turns local times into instants and instants into local dates.
#[derive(Debug, Clone, Copy)]
pub struct Zone {
    tz: Tz,
}

impl Zone {
    /// A zone from an IANA name.
    pub fn new(tz: Tz) -> Self {
        Self { tz }
    }

    /// The IANA zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The instant of a local wall-clock time (SPEC rule 9: a time in a DST gap is read with the
    /// offset in force before the change; a repeated time is the earlier instant).
    pub fn local_to_micros(&self, local: NaiveDateTime) -> i64 {
        if self.tz == Tz::UTC {
            return local.and_utc().timestamp_micros();
        }
        use chrono::LocalResult;
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.timestamp_micros(),
            LocalResult::Ambiguous(a, b) => a.timestamp_micros().min(b.timestamp_micros()),
            LocalResult::None => {
                // The offset in force a day before is the one before the change: zones do not
                // change offset twice within a day.
                let before = local - chrono::Duration::days(1);
                let offset = self
                    .tz
                    .offset_from_utc_datetime(&before)
                    .fix()
                    .local_minus_utc();
                local.and_utc().timestamp_micros() - i64::from(offset) * 1_000_000
            }
        }
    }

    /// The instant a parsed stamp stands for; a date is its local midnight.
    pub fn resolve(&self, stamp: Stamp) -> i64 {
        match stamp {
            Stamp::Instant(t) => t,
            Stamp::Local(l) => self.local_to_micros(l),
            Stamp::Date(d) => self.local_to_micros(d.and_time(NaiveTime::MIN)),
        }
    }

    /// The local date of an instant.
    pub fn local_date(&self, micros: i64) -> NaiveDate {
        self.local_datetime(micros).date()
    }

    /// The local wall-clock time of an instant.
    pub fn local_datetime(&self, micros: i64) -> NaiveDateTime {
        let utc = chrono::DateTime::from_timestamp_micros(micros)
            .unwrap_or_default()
            .naive_utc();
        if self.tz == Tz::UTC {
            return utc;
        }
        self.tz.from_utc_datetime(&utc).naive_local()
    }

    /// The instant of the local midnight that starts `date`.
    pub fn midnight(&self, date: NaiveDate) -> i64 {
        self.local_to_micros(date.and_time(NaiveTime::MIN))
    }

    /// `YYYY-MM` of an instant's local date.
    pub fn month_of(&self, micros: i64) -> (i32, u32) {
        let d = self.local_date(micros);
        (d.year(), d.month())
    }
}

/// A memo of the UTC offset of local days, for one reader: most local days have one offset
/// from midnight to midnight, and a time zone lookup costs more than reading the value.
pub struct DayOffsets {
    /// `(day since the Common Era, offset in seconds)` by day modulo the size; the offset is
    /// [`MIXED`] for a day with a change of offset (read the slow way, SPEC rule 9).
    slots: Vec<(i32, i32)>,
}

/// Marks a day whose offset changes within it.
const MIXED: i32 = i32::MIN;
/// Slots of the memo (a power of two): eleven years of days.
const DAY_SLOTS: usize = 4096;

impl Default for DayOffsets {
    fn default() -> Self {
        Self {
            slots: vec![(i32::MIN, MIXED); DAY_SLOTS],
        }
    }
}

impl DayOffsets {
    /// The instant a parsed stamp stands for, as [`Zone::resolve`] reads it.
    #[inline]
    pub fn resolve(&mut self, zone: &Zone, stamp: Stamp) -> i64 {
        let local = match stamp {
            Stamp::Instant(t) => return t,
            Stamp::Local(l) => l,
            Stamp::Date(d) => d.and_time(NaiveTime::MIN),
        };
        if zone.tz == Tz::UTC {
            return local.and_utc().timestamp_micros();
        }
        let day = local.date().num_days_from_ce();
        let slot = &mut self.slots[day as usize & (DAY_SLOTS - 1)];
        if slot.0 != day {
            *slot = (day, constant_offset(zone.tz, local.date()).unwrap_or(MIXED));
        }
        match slot.1 {
            MIXED => zone.local_to_micros(local),
            offset => local.and_utc().timestamp_micros() - i64::from(offset) * 1_000_000,
        }
    }
}

/// The offset (seconds east of UTC) in force all day long on a local date, if it does not
/// change that day (zones change offset at most once a day).
fn constant_offset(tz: Tz, date: NaiveDate) -> Option<i32> {
    use chrono::LocalResult;
    let at = |t: NaiveTime| match tz.offset_from_local_datetime(&date.and_time(t)) {
        LocalResult::Single(o) => Some(o.fix().local_minus_utc()),
        _ => None,
    };
    let first = at(NaiveTime::MIN)?;
    let last = at(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)?)?;
    (first == last).then_some(first)
}

/// RFC 3339 in UTC with `Z`, with a fraction only when there is one.
pub fn format_utc(micros: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_micros(micros) else {
        return micros.to_string();
    };
    if t.nanosecond() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else if t.nanosecond() % 1_000_000 == 0 {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_micros()
    }
    fn ny() -> Zone {
        Zone::new(chrono_tz::America::New_York)
    }
    fn at(s: &str, order: Option<DateOrder>) -> i64 {
        ny().resolve(parse(s, order).unwrap_or_else(|e| panic!("{s}: {e:?}")))
    }

    #[test]
    fn the_fixed_position_forms_read_as_the_general_reader_does() {
        for v in [
            "2026-11-24T15:04:05Z",
            "2026-11-24 15:04:05",
            "2026-11-24T15:04:05",
            "2024-02-29 23:59:59",
            "2023-02-29 10:00:00",
            "2026-13-01T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T15:60:00Z",
            "2026-11-24T15:04:60Z",
            "2026-11-24X15:04:05Z",
            "2026-11-24T15:04:05z",
            "2026-1a-24T15:04:05Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31 23:59:59",
        ] {
            let fast = parse_common_iso(v.as_bytes());
            let general = parse_iso(v.as_bytes());
            match fast {
                Some(f) => assert_eq!(Some(f), general, "{v}"),
                // Not a fixed-position form, or not a valid one: the general reader decides.
                None => assert!(
                    general.is_none() || v.ends_with('z') || v.contains("X"),
                    "{v}: {general:?}"
                ),
            }
        }
        assert!(parse_common_iso(b"2026-11-24T15:04:05Z").is_some());
        assert!(parse_common_iso(b"2026-11-24 15:04:05").is_some());
    }

    #[test]
    fn memoized_day_offsets_resolve_as_the_zone_does() {
        // Every 17 minutes over two years (two DST changes each), in zones with changes at
        // 02:00, at midnight and on the half hour, read through the memo and directly.
        for tz in [
            chrono_tz::America::New_York,
            chrono_tz::America::Santiago,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Europe::Berlin,
            chrono_tz::Asia::Kolkata,
            chrono_tz::UTC,
        ] {
            let zone = Zone::new(tz);
            let mut memo = DayOffsets::default();
            let start = NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN);
            for i in 0..(2 * 366 * 24 * 60 / 17) {
                let local = start + chrono::Duration::minutes(17 * i);
                for stamp in [Stamp::Local(local), Stamp::Date(local.date())] {
                    assert_eq!(
                        memo.resolve(&zone, stamp),
                        zone.resolve(stamp),
                        "{tz} {stamp:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn iso_forms() {
        assert_eq!(
            at("2026-11-24T15:04:05Z", None),
            utc("2026-11-24T15:04:05Z")
        );
        assert_eq!(
            at("2026-11-24T15:04:05.250Z", None),
            utc("2026-11-24T15:04:05.25Z")
        );
        assert_eq!(
            at("2026-11-24 15:04:05+02:00", None),
            utc("2026-11-24T13:04:05Z")
        );
        assert_eq!(
            at("2013-09-26T06:56:35+0000", None),
            utc("2013-09-26T06:56:35Z")
        );
        assert_eq!(at("2026-11-24T15:04-05", None), utc("2026-11-24T20:04:00Z"));
        assert_eq!(
            at("2026-11-24 15:04:05 UTC", None),
            utc("2026-11-24T15:04:05Z")
        );
        // Naive: New York local time (EST in November).
        assert_eq!(at("2026-11-24 10:04", None), utc("2026-11-24T15:04:00Z"));
        assert_eq!(at("2026-11-24", None), utc("2026-11-24T05:00:00Z"));
        assert!(matches!(parse("2026-11-24", None), Ok(Stamp::Date(_))));
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026-11-24T25:00",
            "2026-11-24X",
            "2026-11-24T10",
            "2026-11-24T10:00+1",
        ] {
            assert_eq!(parse(bad, None), Err(StampError::Invalid), "{bad}");
        }
    }

    #[test]
    fn export_forms() {
        assert_eq!(
            at("11/24/2026 3:04 PM", Some(DateOrder::Mdy)),
            utc("2026-11-24T20:04:00Z")
        );
        assert_eq!(at("11/24/2026 12:04 am", None), utc("2026-11-24T05:04:00Z"));
        assert_eq!(at("24/11/2026 15:04", None), utc("2026-11-24T20:04:00Z"));
        assert_eq!(
            at("2/5/24 1:51", Some(DateOrder::Mdy)),
            utc("2024-02-05T06:51:00Z")
        );
        assert_eq!(at("24.11.2026 15:04", None), utc("2026-11-24T20:04:00Z"));
        assert_eq!(
            at("15 Apr, 2021 00:03:00", None),
            utc("2021-04-15T04:03:00Z")
        );
        assert_eq!(
            at("Apr 15, 2021 12:03 AM", None),
            utc("2021-04-15T04:03:00Z")
        );
        assert_eq!(at("15 April 2021", None), utc("2021-04-15T04:00:00Z"));
        assert_eq!(parse("3/4/2026", None), Err(StampError::NeedsOrder));
        assert_eq!(parse("13/14/2026", None), Err(StampError::Invalid));
        assert_eq!(parse("11/24/2026 13:04 PM", None), Err(StampError::Invalid));
        assert_eq!(parse("unknown", None), Err(StampError::Invalid));
    }

    #[test]
    fn order_hints() {
        assert_eq!(order_hint("3/4/2026"), OrderHint::Ambiguous);
        assert_eq!(
            order_hint("13/4/2026 10:00"),
            OrderHint::Settles(DateOrder::Dmy)
        );
        assert_eq!(order_hint("3/14/26"), OrderHint::Settles(DateOrder::Mdy));
        assert_eq!(order_hint("2026-03-04"), OrderHint::None);
    }

    #[test]
    fn dst_gap_and_fold() {
        // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 is read with EST (-5).
        assert_eq!(at("2026-03-08 02:30", None), utc("2026-03-08T07:30:00Z"));
        // Fall back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 is the earlier instant (EDT).
        assert_eq!(at("2026-11-01 01:30", None), utc("2026-11-01T05:30:00Z"));
        assert_eq!(at("2026-11-01 00:59", None), utc("2026-11-01T04:59:00Z"));
        assert_eq!(at("2026-11-01 02:00", None), utc("2026-11-01T07:00:00Z"));
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(
            format_utc(utc("2026-11-24T15:04:05Z")),
            "2026-11-24T15:04:05Z"
        );
        assert_eq!(
            format_utc(utc("2026-11-24T15:04:05.5Z")),
            "2026-11-24T15:04:05.500Z"
        );
    }
}
