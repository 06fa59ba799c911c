//! The business clock of SPEC "SLA" (`sla_clock = "business"`, `[audit.business]`, issue 8).
//!
//! A [`BusinessCalendar`] knows the working days of the week, the working hours of a day and the
//! holidays, in one IANA time zone, and measures elapsed *working* time between two instants
//! (integer microseconds since the Unix epoch, UTC, as everywhere in the audit).
//!
//! # Semantics
//!
//! - **Working time** is the union, over every *working date* D (a local date in the calendar's
//!   zone whose weekday is listed in `days` and which is not in `holidays`), of the interval
//!   `[opening(D), closing(D))`. `opening(D)` and `closing(D)` are the instants of the local
//!   wall-clock times `hours[0]` and `hours[1]` on D: an opening at 09:00 is 09:00 on the wall
//!   clock whatever the UTC offset. A wall-clock time that a DST change skips or repeats is read
//!   with SPEC rule 9 (in the skipped hour, the offset in force before the change; in the repeated
//!   hour, the earlier instant), like every timestamp of the exports. The interval is clipped to
//!   the local day D, so days never overlap.
//! - A working day that contains a DST change has its **real elapsed length**: with hours
//!   `00:00`–`23:59`, the spring-forward day counts 22 h 59 min and the fall-back day
//!   24 h 59 min; with hours `09:00`–`17:00` a change at 02:00 changes nothing (8 h).
//! - [`BusinessCalendar::elapsed`]`(s, e)` is the length of working time within `[s, e)`;
//!   0 when `e <= s`. A start outside working hours (evening, weekend, holiday) therefore
//!   effectively starts at the next opening, and an end outside working hours at the previous
//!   closing.
//! - [`BusinessCalendar::clock_start`]`(at)` is `at` when `at` lies in working time
//!   (`opening <= at < closing`), else the next opening: a handover at 17:00 sharp with hours
//!   `09:00`–`17:00` starts the clock at the next working day's 09:00.
//! - [`BusinessCalendar::add`]`(s, b)` is the earliest instant `t >= s` with
//!   `elapsed(s, t) >= b` (`s` itself when `b <= 0`). It can be a closing instant: 8 working
//!   hours from Monday 09:00 end on Monday 17:00, not Tuesday 09:00. Because `elapsed(s, ·)` is
//!   non-decreasing, for every `b > 0` and every `as_of`:
//!   `add(s, b) > as_of` ⇔ `elapsed(s, as_of) < b` (SPEC rule 8's in_window test on the business
//!   clock), and `elapsed(s, add(s, b)) == b`.
//! - Holidays are local dates in the calendar's zone; a holiday on a non-working weekday changes
//!   nothing.
//!
//! # Settings
//!
//! - `days`: `Mon` … `Sun` or the full English names (`Monday`), case-insensitive, surrounding
//!   spaces ignored; a day listed twice counts once; at least one day.
//! - `hours`: exactly two values, opening and closing, `H:MM`, `HH:MM` or `HH:MM:SS` on the
//!   24-hour clock; the closing may be `24:00` (the end of the day, so `["00:00", "24:00"]` on
//!   every day is the calendar clock). The opening must be before the closing: hours do not span
//!   midnight.
//! - Defaults when a setting is absent ([`BusinessCalendar::from_settings`]): days Mon–Fri,
//!   hours 09:00–17:00, no holidays.
//!
//! # Complexity
//!
//! The first calendar of a time zone samples the zone's UTC offset once a day from 1800 to 2199
//! (about 146,000 look-ups, a few milliseconds in a release build; none for UTC) and keeps the
//! days of offset change for the rest of the process; chrono-tz 0.10's database has no change
//! outside 1845–2099. [`BusinessCalendar::new`] then measures the working dates around those
//! changes and keeps the few whose interval is not of nominal length (a DST change inside the
//! hours, or an opening or closing in a skipped hour) with a running sum of their differences.
//!
//! The working time from a fixed origin to the start of any date is then closed-form: whole
//! weeks × working days per week plus the leftover days (a 7-entry table), minus the holidays
//! before it (binary search), times the nominal day, plus the differences before it (binary
//! search). So [`BusinessCalendar::elapsed`] costs O(log H + log C) and at most four time-zone
//! conversions (two local dates, two openings) whatever the span, a minute or a century: about
//! 0.5 µs in America/New_York in a release build. H is the number of holidays, C the number of
//! irregular dates. [`BusinessCalendar::add`] and [`BusinessCalendar::clock_start`] add an
//! exponential then binary search over dates: O(log(span in days) × (log H + log C)).
//! Nothing iterates minute by minute or day by day.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::{Result, bail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::load::time::Zone;

/// Working days when `days` is absent.
pub const DEFAULT_DAYS: [&str; 5] = ["Mon", "Tue", "Wed", "Thu", "Fri"];
/// Opening and closing when `hours` is absent.
pub const DEFAULT_HOURS: [&str; 2] = ["09:00", "17:00"];

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const FULL_DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const SECS_PER_DAY: i64 = 86_400;
const MICROS_PER_SEC: i64 = 1_000_000;
/// `num_days_from_ce` of 1970-01-01: day numbers below count days since the Unix epoch.
const EPOCH_CE_DAYS: i64 = 719_163;
/// 1970-01-01 was a Thursday (Monday = 0).
const EPOCH_WEEKDAY: i64 = 3;
/// The scanned range of UTC days for offset changes: 1800-01-01 to 2200-01-01.
const SCAN_FIRST_DAY: i64 = -62_091;
const SCAN_END_DAY: i64 = 84_006;

/// Working days, working hours and holidays in one time zone: the business clock.
///
/// One per zone: the audit zone, or each roster zone. Building one is cheap, except that the
/// first calendar of a zone in a process also finds the zone's offset changes (a few
/// milliseconds, then cached). Queries take `&self` and the type is `Send + Sync`. The module
/// documentation gives the exact semantics.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: Zone,
    /// Bit `i` set when weekday `i` (Monday = 0) is a working day.
    mask: u8,
    /// Working days in a week.
    per_week: i64,
    /// `prefix[r]`: working weekdays among the first `r` days of a week that starts on a
    /// Thursday (the weekday of day 0).
    prefix: [i64; 8],
    /// Opening and closing, seconds after local midnight (closing up to 86,400 = `24:00`).
    open_secs: i64,
    close_secs: i64,
    /// Nominal working microseconds of a day.
    nominal: i64,
    /// Holidays on working weekdays, as day numbers, sorted, without duplicates.
    holidays: Vec<i64>,
    /// Distinct holidays as listed (for [`BusinessCalendar::describe`]).
    listed_holidays: usize,
    /// Working dates whose interval is not `nominal` long, sorted, and their
    /// `real - nominal` differences as a running sum (`fix_sum[i]` = sum of the first `i`).
    fix_days: Vec<i64>,
    fix_sum: Vec<i64>,
    /// Day numbers within two days of a UTC offset change in the scanned years, sorted: only
    /// these (and days outside the scanned years) need the full computation of their interval.
    near_change: Vec<i64>,
}

impl BusinessCalendar {
    /// A calendar from explicit settings: `days` like `["Mon", "Tue"]` (case-insensitive, also
    /// full names), `hours` `["09:00", "17:00"]` (opening before closing, within one day),
    /// `holidays` as local dates, in zone `tz`.
    ///
    /// Every list is taken as given: an empty `days` or a `hours` without exactly two values is an
    /// error. Use [`BusinessCalendar::from_settings`] to apply the defaults of absent settings
    /// (Mon–Fri, 09:00–17:00, no holidays). Errors name the setting and the bad value.
    pub fn new(days: &[String], hours: &[String], holidays: &[NaiveDate], tz: Tz) -> Result<Self> {
        let mut mask = 0u8;
        for d in days {
            let Some(i) = parse_weekday(d) else {
                bail!(
                    "[audit.business] days: `{d}` is not a day of the week; write Mon, Tue, Wed, \
                     Thu, Fri, Sat or Sun (or the full name)"
                );
            };
            mask |= 1 << i;
        }
        if mask == 0 {
            bail!(
                "[audit.business] days is empty: list at least one working day, e.g. \
                 days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]"
            );
        }
        let [open, close] = hours else {
            bail!(
                "[audit.business] hours = {hours:?}: write exactly two times, the opening and the \
                 closing, e.g. hours = [\"09:00\", \"17:00\"]"
            );
        };
        let open_secs = parse_time_of_day(open, "opening")?;
        let close_secs = parse_time_of_day(close, "closing")?;
        if open_secs >= close_secs {
            bail!(
                "[audit.business] hours = [\"{open}\", \"{close}\"]: the opening `{open}` must be \
                 before the closing `{close}` (working hours lie within one day; use \"24:00\" \
                 for the end of the day)"
            );
        }

        let weekday_of = |n: i64| (n + EPOCH_WEEKDAY).rem_euclid(7);
        let mut prefix = [0i64; 8];
        for r in 0..7 {
            prefix[r + 1] = prefix[r] + i64::from((mask >> weekday_of(r as i64)) & 1);
        }
        let mut holiday_days: Vec<i64> = holidays.iter().map(|&d| day_number(d)).collect();
        holiday_days.sort_unstable();
        holiday_days.dedup();
        let listed_holidays = holiday_days.len();
        holiday_days.retain(|&n| (mask >> weekday_of(n)) & 1 == 1);

        let mut cal = Self {
            zone: Zone::new(tz),
            mask,
            per_week: prefix[7],
            prefix,
            open_secs,
            close_secs,
            nominal: (close_secs - open_secs) * MICROS_PER_SEC,
            holidays: holiday_days,
            listed_holidays,
            fix_days: Vec::new(),
            fix_sum: vec![0],
            near_change: Vec::new(),
        };
        cal.find_irregular_days();
        Ok(cal)
    }

    /// A calendar from `[audit.business]` as read from the config, applying the defaults of
    /// absent settings: `days` Mon–Fri ([`DEFAULT_DAYS`]), `hours` 09:00–17:00
    /// ([`DEFAULT_HOURS`]), no holidays. A setting that is present is taken as given (an empty
    /// `days = []` is an error, not the default).
    pub fn from_settings(
        days: Option<&[String]>,
        hours: Option<&[String]>,
        holidays: Option<&[NaiveDate]>,
        tz: Tz,
    ) -> Result<Self> {
        let default_days: Vec<String> = DEFAULT_DAYS.iter().map(|s| s.to_string()).collect();
        let default_hours: Vec<String> = DEFAULT_HOURS.iter().map(|s| s.to_string()).collect();
        Self::new(
            days.unwrap_or(&default_days),
            hours.unwrap_or(&default_hours),
            holidays.unwrap_or(&[]),
            tz,
        )
    }

    /// The calendar's time zone.
    pub fn tz(&self) -> Tz {
        self.zone.tz()
    }

    /// A one-line description for reports, e.g. `Mon–Fri 09:00–17:00 America/New_York,
    /// 2 holidays`.
    pub fn describe(&self) -> String {
        let mut runs: Vec<String> = Vec::new();
        let mut i = 0;
        while i < 7 {
            if (self.mask >> i) & 1 == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 7 && (self.mask >> (i + 1)) & 1 == 1 {
                i += 1;
            }
            runs.push(match i - start {
                0 => DAY_NAMES[start].to_string(),
                1 => format!("{}, {}", DAY_NAMES[start], DAY_NAMES[i]),
                _ => format!("{}–{}", DAY_NAMES[start], DAY_NAMES[i]),
            });
            i += 1;
        }
        let holidays = match self.listed_holidays {
            0 => String::new(),
            1 => ", 1 holiday".to_string(),
            n => format!(", {n} holidays"),
        };
        format!(
            "{} {}–{} {}{holidays}",
            runs.join(", "),
            format_secs(self.open_secs),
            format_secs(self.close_secs),
            self.zone.tz().name()
        )
    }

    /// Working microseconds between two instants (µs since the epoch, UTC); 0 if
    /// `end <= start`. Only working time counts (a start outside working hours effectively starts
    /// at the next opening); DST-correct (see the module documentation). O(log) whatever the
    /// span.
    pub fn elapsed(&self, start: i64, end: i64) -> i64 {
        if end <= start {
            return 0;
        }
        let (first, last) = (self.zone.local_date(start), self.zone.local_date(end));
        if first == last {
            return match self.window(first) {
                Some((open, close)) => end.clamp(open, close) - start.clamp(open, close),
                None => 0,
            };
        }
        let before_end = self.worked_before_day(day_number(last)) + self.partial(last, end);
        let before_start = self.worked_before_day(day_number(first)) + self.partial(first, start);
        before_end - before_start
    }

    /// The instant the clock starts for a handover at `at`: `at` itself when it lies in working
    /// time (`opening <= at < closing` of a working date), else the next opening.
    pub fn clock_start(&self, at: i64) -> i64 {
        // The first microsecond of working time at or after `at` ends `add(at, 1)`.
        self.add(at, 1) - 1
    }

    /// The earliest instant `t >= start` at which `budget` working microseconds have elapsed
    /// since `start` (`start` itself when `budget <= 0`). For `budget > 0`:
    /// `add(s, budget) > as_of` ⇔ `elapsed(s, as_of) < budget`, and
    /// `elapsed(s, add(s, budget)) == budget`. Saturates at `i64::MAX` beyond the last
    /// representable date.
    pub fn add(&self, start: i64, budget: i64) -> i64 {
        if budget <= 0 {
            return start;
        }
        let date = self.zone.local_date(start);
        let n = day_number(date);
        let done = self.worked_before_day(n) + self.partial(date, start);
        let target = done.saturating_add(budget);
        let Some(m) = self.day_reaching(n, target) else {
            return i64::MAX;
        };
        let Some(day) = date_of(m) else {
            return i64::MAX;
        };
        let before = self.worked_before_day(m);
        match self.window(day) {
            Some((open, close)) => (open + (target - before)).min(close).max(start),
            // Only reachable if the zone changed offset outside the scanned years.
            None => self.zone.midnight(day).max(start),
        }
    }

    /// Working microseconds of `date` before the instant `t` (which lies in that local date).
    fn partial(&self, date: NaiveDate, t: i64) -> i64 {
        match self.window(date) {
            Some((open, close)) => t.clamp(open, close) - open,
            None => 0,
        }
    }

    /// Working microseconds from the start of day 0 to the start of day `n` (negative for
    /// `n < 0`): closed form, O(log H + log C).
    fn worked_before_day(&self, n: i64) -> i64 {
        let weekdays = n.div_euclid(7) * self.per_week + self.prefix[n.rem_euclid(7) as usize];
        let holidays = self.holidays.partition_point(|&h| h < n) as i64;
        let fixes = self.fix_sum[self.fix_days.partition_point(|&d| d < n)];
        (weekdays - holidays) * self.nominal + fixes
    }

    /// The day `m >= from` with `worked_before_day(m) < target <= worked_before_day(m + 1)`,
    /// given `worked_before_day(from) < target`: exponential, then binary search.
    fn day_reaching(&self, from: i64, target: i64) -> Option<i64> {
        const LAST_DAY: i64 = 95_000_000; // within chrono's date range (±262,000 years)
        let mut lo = from;
        let mut step = 8i64;
        let mut hi = loop {
            let hi = lo.saturating_add(step);
            if hi > LAST_DAY {
                return None;
            }
            if self.worked_before_day(hi) >= target {
                break hi;
            }
            lo = hi;
            step = step.saturating_mul(2);
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.worked_before_day(mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(lo)
    }

    /// Whether `date` is a working date: a working weekday that is not a holiday.
    fn is_working(&self, date: NaiveDate) -> bool {
        let weekday = date.weekday().num_days_from_monday();
        (self.mask >> weekday) & 1 == 1 && self.holidays.binary_search(&day_number(date)).is_err()
    }

    /// The working interval `[opening, closing)` of `date` as instants, clipped to the local day;
    /// `None` for a non-working date or an empty interval.
    fn window(&self, date: NaiveDate) -> Option<(i64, i64)> {
        if !self.is_working(date) {
            return None;
        }
        let n = day_number(date);
        let steady = self.zone.tz() == Tz::UTC
            || ((SCAN_FIRST_DAY + 2..SCAN_END_DAY - 2).contains(&n)
                && self.near_change.binary_search(&n).is_err());
        if steady {
            // One offset all day long: the interval is the nominal one, no clipping needed.
            let opening = date
                .and_time(NaiveTime::MIN)
                .checked_add_signed(Duration::seconds(self.open_secs))?;
            let open = self.zone.local_to_micros(opening);
            return Some((open, open + self.nominal));
        }
        self.exact_window(date)
    }

    /// [`Self::window`] for a working date, computed from the four wall-clock instants.
    fn exact_window(&self, date: NaiveDate) -> Option<(i64, i64)> {
        let midnight = date.and_time(NaiveTime::MIN);
        let next = date.succ_opt()?.and_time(NaiveTime::MIN);
        let at = |secs: i64| -> Option<i64> {
            let local: NaiveDateTime = midnight.checked_add_signed(Duration::seconds(secs))?;
            Some(self.zone.local_to_micros(local))
        };
        let day_start = self.zone.local_to_micros(midnight);
        let day_end = self.zone.local_to_micros(next);
        let open = if self.open_secs == 0 {
            day_start
        } else {
            at(self.open_secs)?.max(day_start)
        };
        let close = if self.close_secs == SECS_PER_DAY {
            day_end
        } else {
            at(self.close_secs)?.min(day_end)
        };
        (open < close).then_some((open, close))
    }

    /// Fill `near_change`, `fix_days` and `fix_sum`: the working dates whose interval is not
    /// `nominal` long. Away from an offset change every instant of a date has the same offset, so
    /// its interval is exactly `nominal`; only the dates around each change are measured.
    fn find_irregular_days(&mut self) {
        let mut fixes: BTreeMap<i64, i64> = BTreeMap::new();
        let mut near: Vec<i64> = Vec::new();
        for &k in offset_change_days(self.zone.tz()).iter() {
            // The change lies in UTC day k; offsets stay within ±16 h, so only local dates
            // k − 2 ..= k + 2 can contain it.
            for n in k - 2..=k + 2 {
                near.push(n);
                let Some(date) = date_of(n) else { continue };
                if !self.is_working(date) {
                    continue;
                }
                let real = self
                    .exact_window(date)
                    .map_or(0, |(open, close)| close - open);
                if real != self.nominal {
                    fixes.insert(n, real - self.nominal);
                }
            }
        }
        near.sort_unstable();
        near.dedup();
        self.near_change = near;
        self.fix_days = fixes.keys().copied().collect();
        self.fix_sum = std::iter::once(0)
            .chain(fixes.values().scan(0i64, |sum, &fix| {
                *sum += fix;
                Some(*sum)
            }))
            .collect();
    }
}

/// The UTC days `k` (days since the epoch) in which `tz` changes its UTC offset, between 1800
/// and 2199: the offset is sampled at every UTC midnight. Offset changes are at least six days
/// apart in the time-zone database, so a daily sample cannot miss two that cancel out. Computed
/// once per zone per process (about 146,000 look-ups) and shared by every calendar in that zone.
fn offset_change_days(tz: Tz) -> Arc<Vec<i64>> {
    static CACHE: OnceLock<Mutex<HashMap<Tz, Arc<Vec<i64>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let cached = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&tz)
        .cloned();
    if let Some(days) = cached {
        return days;
    }
    let mut days = Vec::new();
    if tz != Tz::UTC {
        let offset_at = |day: i64| -> i32 {
            let utc = DateTime::from_timestamp(day * SECS_PER_DAY, 0)
                .unwrap_or_default()
                .naive_utc();
            tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()
        };
        let mut before = offset_at(SCAN_FIRST_DAY);
        for k in SCAN_FIRST_DAY..SCAN_END_DAY {
            let after = offset_at(k + 1);
            if after != before {
                days.push(k);
                before = after;
            }
        }
    }
    let days = Arc::new(days);
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(tz, Arc::clone(&days));
    days
}

/// Parse one holiday of `[audit.business] holidays`: `YYYY-MM-DD`.
pub fn parse_holiday(value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!(
            "[audit.business] holidays: `{value}` is not a date; write YYYY-MM-DD, e.g. \
             \"2026-12-25\""
        )
    })
}

/// Monday = 0 … Sunday = 6 for `Mon` or `Monday`, case-insensitive.
fn parse_weekday(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    FULL_DAY_NAMES
        .iter()
        .position(|full| s == *full || s == full[..3])
        .map(|i| i as u32)
}

/// Seconds after midnight of `H:MM`, `HH:MM` or `HH:MM:SS` (24-hour clock; `24:00` allowed).
fn parse_time_of_day(value: &str, which: &str) -> Result<i64> {
    let parsed = (|| {
        let mut parts = value.trim().split(':');
        let mut field = |min_len: usize, max_len: usize| -> Option<i64> {
            let p = parts.next()?;
            if p.len() < min_len || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let h = field(1, 2)?;
        let m = field(2, 2)?;
        let s = match parts.next() {
            None => 0,
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
        };
        if parts.next().is_some() || m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
            return None;
        }
        Some(h * 3600 + m * 60 + s)
    })();
    match parsed {
        Some(secs) => Ok(secs),
        None => bail!(
            "[audit.business] hours: the {which} `{value}` is not a time of day; write HH:MM on \
             the 24-hour clock, e.g. \"09:00\" or \"17:30\""
        ),
    }
}

fn format_secs(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Days since 1970-01-01.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_CE_DAYS
}

/// The date of a day number.
fn date_of(n: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(n + EPOCH_CE_DAYS).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::time::MICROS_PER_HOUR;
    use chrono::Timelike;
    use chrono_tz::America::{Havana, Los_Angeles, New_York, Santiago, Sao_Paulo};
    use chrono_tz::Australia::Lord_Howe;
    use chrono_tz::Europe::Berlin;
    use chrono_tz::Pacific::Apia;

    const H: i64 = MICROS_PER_HOUR;
    const MIN: i64 = 60_000_000;
    const ALL_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    fn cal(days: &[&str], hours: [&str; 2], holidays: &[&str], tz: Tz) -> BusinessCalendar {
        let days: Vec<String> = days.iter().map(|s| s.to_string()).collect();
        let hours: Vec<String> = hours.iter().map(|s| s.to_string()).collect();
        let holidays: Vec<NaiveDate> = holidays.iter().map(|s| parse_holiday(s).unwrap()).collect();
        BusinessCalendar::new(&days, &hours, &holidays, tz).unwrap()
    }

    /// Mon–Fri 09:00–17:00 with the given holidays.
    fn office(tz: Tz, holidays: &[&str]) -> BusinessCalendar {
        cal(&DEFAULT_DAYS, DEFAULT_HOURS, holidays, tz)
    }

    /// A local wall-clock time `YYYY-MM-DD HH:MM` in `tz` (SPEC rule 9 in gaps and folds).
    fn local(tz: Tz, s: &str) -> i64 {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        Zone::new(tz).local_to_micros(naive)
    }

    /// A UTC time `YYYY-MM-DD HH:MM`.
    fn utc(s: &str) -> i64 {
        local(Tz::UTC, s)
    }

    fn err(days: &[&str], hours: &[&str]) -> String {
        let days: Vec<String> = days.iter().map(|s| s.to_string()).collect();
        let hours: Vec<String> = hours.iter().map(|s| s.to_string()).collect();
        format!(
            "{:#}",
            BusinessCalendar::new(&days, &hours, &[], New_York).unwrap_err()
        )
    }

    /// A small deterministic generator (64-bit LCG), so the loops need no external crate.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: i64) -> i64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as i64
        }
    }

    #[test]
    fn friday_evening_handover_touched_monday_morning() {
        let c = office(New_York, &[]);
        // 2026-11-20 is a Friday. 19:30 is after the 17:00 closing: Friday counts nothing,
        // Saturday and Sunday are not working days, the clock starts Monday 09:00.
        let handover = local(New_York, "2026-11-20 19:30");
        let touch = local(New_York, "2026-11-23 09:45");
        assert_eq!(c.clock_start(handover), local(New_York, "2026-11-23 09:00"));
        // Monday 09:00 → 09:45 = 45 min (the calendar clock says 62 h 15 min).
        assert_eq!(c.elapsed(handover, touch), 45 * MIN);
        assert_eq!(touch - handover, 62 * H + 15 * MIN);
    }

    #[test]
    fn friday_16_touched_monday_10_is_two_hours() {
        let c = office(New_York, &[]);
        // Friday 16:00 → 17:00 = 1 h; weekend 0; Monday 09:00 → 10:00 = 1 h; total 2 h.
        let handover = local(New_York, "2026-11-20 16:00");
        let touch = local(New_York, "2026-11-23 10:00");
        assert_eq!(c.elapsed(handover, touch), 2 * H);
        assert_eq!(c.clock_start(handover), handover);
        // The 48 working hours end 6 working days later at 16:00: Fri 1 h, Mon–Fri 5 × 8 h = 41 h,
        // then 7 h of Monday 2026-11-30 (09:00 → 16:00) = 48 h.
        assert_eq!(c.add(handover, 48 * H), local(New_York, "2026-11-30 16:00"));
    }

    #[test]
    fn holiday_in_between() {
        // 2026-12-25 is a Friday and a holiday.
        let c = office(New_York, &["2026-12-25"]);
        let handover = local(New_York, "2026-12-24 16:00");
        let touch = local(New_York, "2026-12-28 10:00");
        // Thu 16:00 → 17:00 = 1 h; Fri holiday 0; weekend 0; Mon 09:00 → 10:00 = 1 h: 2 h.
        assert_eq!(c.elapsed(handover, touch), 2 * H);
        // Without the holiday Friday adds its 8 h: 10 h.
        assert_eq!(office(New_York, &[]).elapsed(handover, touch), 10 * H);
        // A mid-week holiday (Thanksgiving, Thu 2026-11-26): Wed 8 h + Thu 0 + Fri 8 h = 16 h.
        let c = office(New_York, &["2026-11-26"]);
        let (s, e) = (
            local(New_York, "2026-11-25 09:00"),
            local(New_York, "2026-11-27 17:00"),
        );
        assert_eq!(c.elapsed(s, e), 16 * H);
        // A holiday on a Saturday changes nothing; a duplicated holiday counts once.
        let c = office(New_York, &["2026-11-21", "2026-11-26", "2026-11-26"]);
        assert_eq!(c.elapsed(s, e), 16 * H);
    }

    #[test]
    fn start_on_a_holiday() {
        let c = office(New_York, &["2026-12-25"]);
        // Handover on the holiday itself, inside what would be working hours: the clock starts at
        // the next opening, Monday 2026-12-28 09:00; touched 11:00 → 2 h.
        let handover = local(New_York, "2026-12-25 11:00");
        let touch = local(New_York, "2026-12-28 11:00");
        assert_eq!(c.clock_start(handover), local(New_York, "2026-12-28 09:00"));
        assert_eq!(c.elapsed(handover, touch), 2 * H);
        // Touched on the holiday itself: nothing elapsed.
        assert_eq!(c.elapsed(handover, local(New_York, "2026-12-25 15:00")), 0);
    }

    #[test]
    fn inside_working_hours_touched_next_morning() {
        let c = office(New_York, &[]);
        // Tue 2026-11-17 15:30 → 17:00 = 1 h 30 min; Wed 09:00 → 09:30 = 30 min; total 2 h.
        let handover = local(New_York, "2026-11-17 15:30");
        let touch = local(New_York, "2026-11-18 09:30");
        assert_eq!(c.clock_start(handover), handover);
        assert_eq!(c.elapsed(handover, touch), 2 * H);
    }

    #[test]
    fn handover_and_touch_on_the_same_day() {
        let c = office(New_York, &[]);
        let t = |s: &str| local(New_York, s);
        // 10:15 → 14:45 inside the hours: 4 h 30 min.
        assert_eq!(
            c.elapsed(t("2026-11-17 10:15"), t("2026-11-17 14:45")),
            4 * H + 30 * MIN
        );
        // 07:00 (before opening) → 10:00: only 09:00 → 10:00 counts, 1 h.
        assert_eq!(c.elapsed(t("2026-11-17 07:00"), t("2026-11-17 10:00")), H);
        // 07:00 → 08:30, both before opening: 0. 18:00 → 20:00, both after closing: 0.
        assert_eq!(c.elapsed(t("2026-11-17 07:00"), t("2026-11-17 08:30")), 0);
        assert_eq!(c.elapsed(t("2026-11-17 18:00"), t("2026-11-17 20:00")), 0);
        // 07:00 → 20:00: the whole day, 8 h.
        assert_eq!(
            c.elapsed(t("2026-11-17 07:00"), t("2026-11-17 20:00")),
            8 * H
        );
        // A handover at 17:00 sharp starts the clock at the next opening; one at 09:00 sharp at
        // once.
        assert_eq!(c.clock_start(t("2026-11-17 17:00")), t("2026-11-18 09:00"));
        assert_eq!(c.clock_start(t("2026-11-17 09:00")), t("2026-11-17 09:00"));
        assert_eq!(c.clock_start(t("2026-11-17 16:59")), t("2026-11-17 16:59"));
        // 8 working hours from 09:00 end at 17:00 the same day (the earliest instant), not at
        // 09:00 the next day; 8 h from 10:00 end at 10:00 the next day.
        assert_eq!(c.add(t("2026-11-17 09:00"), 8 * H), t("2026-11-17 17:00"));
        assert_eq!(c.add(t("2026-11-17 10:00"), 8 * H), t("2026-11-18 10:00"));
    }

    #[test]
    fn end_before_start_or_equal_is_zero() {
        let c = office(New_York, &[]);
        let a = local(New_York, "2026-11-17 10:00");
        let b = local(New_York, "2026-11-18 10:00");
        assert_eq!(c.elapsed(a, b), 8 * H);
        assert_eq!(c.elapsed(b, a), 0);
        assert_eq!(c.elapsed(a, a), 0);
        assert_eq!(c.add(a, 0), a);
        assert_eq!(c.add(a, -5), a);
    }

    #[test]
    fn spring_forward_night_new_york() {
        // 2026-03-08 is a Sunday; at 02:00 EST (07:00Z) clocks jump to 03:00 EDT.
        let t = |s: &str| local(New_York, s);

        // Hours 00:00–23:59 on every day: Sunday is 23 h 59 min of wall clock minus the skipped
        // hour = 22 h 59 min (00:00 EST = 05:00Z → 23:59 EDT = 03:59Z next day).
        let c = cal(&ALL_DAYS, ["00:00", "23:59"], &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-03-08 00:00"), t("2026-03-09 00:00")),
            22 * H + 59 * MIN
        );
        assert_eq!(
            utc("2026-03-09 03:59") - utc("2026-03-08 05:00"),
            22 * H + 59 * MIN
        );
        // Sat 12:00 → Mon 12:00: Sat 12:00–23:59 = 11 h 59 min, Sun 22 h 59 min,
        // Mon 00:00–12:00 = 12 h; total 46 h 58 min (the calendar clock says 47 h).
        let (s, e) = (t("2026-03-07 12:00"), t("2026-03-09 12:00"));
        assert_eq!(c.elapsed(s, e), 46 * H + 58 * MIN);
        assert_eq!(e - s, 47 * H);

        // Hours 01:00–04:00 span the change: Sunday 01:00 EST = 06:00Z → 04:00 EDT = 08:00Z,
        // 2 h; Saturday 3 h. Sat 00:00 → Mon 00:00 = 5 h.
        let c = cal(&ALL_DAYS, ["01:00", "04:00"], &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-03-07 00:00"), t("2026-03-09 00:00")),
            5 * H
        );

        // Opening in the skipped hour: 02:30 does not exist on Sunday; SPEC rule 9 reads it with
        // the offset before the change, EST: 07:30Z (= 03:30 EDT). Closing 05:00 EDT = 09:00Z:
        // 1 h 30 min. A handover at 01:00 EST starts the clock at 07:30Z.
        let c = cal(&ALL_DAYS, ["02:30", "05:00"], &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-03-08 00:00"), t("2026-03-09 00:00")),
            90 * MIN
        );
        assert_eq!(
            c.clock_start(t("2026-03-08 01:00")),
            utc("2026-03-08 07:30")
        );

        // Normal hours Mon–Fri 09:00–17:00: Fri 16:00 EST → Mon 10:00 EDT is 1 h + 1 h = 2 h
        // (calendar: 66 h of wall clock minus the skipped hour = 65 h).
        let c = office(New_York, &[]);
        let (s, e) = (t("2026-03-06 16:00"), t("2026-03-09 10:00"));
        assert_eq!(c.elapsed(s, e), 2 * H);
        assert_eq!(e - s, 65 * H);
        // The week after the change is still 5 × 8 h = 40 h.
        assert_eq!(
            c.elapsed(t("2026-03-09 00:00"), t("2026-03-14 00:00")),
            40 * H
        );
        // Weekend working with normal hours (Sat, Sun 09:00–17:00): the change at 02:00 is
        // outside the hours, Sunday stays 8 h: Sat 8 h + Sun 8 h = 16 h.
        let c = cal(&["Sat", "Sun"], DEFAULT_HOURS, &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-03-07 00:00"), t("2026-03-09 00:00")),
            16 * H
        );
    }

    #[test]
    fn fall_back_night_new_york() {
        // 2026-11-01 is a Sunday; at 02:00 EDT (06:00Z) clocks go back to 01:00 EST.
        let t = |s: &str| local(New_York, s);

        // Hours 00:00–23:59 every day: Sunday is 23 h 59 min + the repeated hour = 24 h 59 min
        // (00:00 EDT = 04:00Z → 23:59 EST = 04:59Z next day).
        let c = cal(&ALL_DAYS, ["00:00", "23:59"], &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-11-01 00:00"), t("2026-11-02 00:00")),
            24 * H + 59 * MIN
        );
        assert_eq!(
            utc("2026-11-02 04:59") - utc("2026-11-01 04:00"),
            24 * H + 59 * MIN
        );
        // A handover in the repeated hour, second pass (01:30 EST = 06:30Z), touched 04:00 EST
        // (09:00Z): 2 h 30 min; first pass (01:30 EDT = 05:30Z): 3 h 30 min.
        assert_eq!(
            c.elapsed(utc("2026-11-01 06:30"), utc("2026-11-01 09:00")),
            150 * MIN
        );
        assert_eq!(
            c.elapsed(utc("2026-11-01 05:30"), utc("2026-11-01 09:00")),
            210 * MIN
        );
        // Sat 12:00 EDT → Mon 12:00 EST: 11 h 59 min + 24 h 59 min + 12 h = 48 h 58 min
        // (calendar 49 h).
        let (s, e) = (t("2026-10-31 12:00"), t("2026-11-02 12:00"));
        assert_eq!(c.elapsed(s, e), 48 * H + 58 * MIN);
        assert_eq!(e - s, 49 * H);

        // Hours 01:00–04:00: 01:00 is repeated, rule 9 takes the earlier instant, 01:00 EDT =
        // 05:00Z; 04:00 EST = 09:00Z: 4 h.
        let c = cal(&ALL_DAYS, ["01:00", "04:00"], &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-11-01 00:00"), t("2026-11-02 00:00")),
            4 * H
        );
        assert_eq!(
            c.clock_start(t("2026-11-01 00:00")),
            utc("2026-11-01 05:00")
        );

        // Normal hours: Fri 16:00 EDT → Mon 10:00 EST = 1 h + 1 h = 2 h (calendar 67 h).
        let c = office(New_York, &[]);
        let (s, e) = (t("2026-10-30 16:00"), t("2026-11-02 10:00"));
        assert_eq!(c.elapsed(s, e), 2 * H);
        assert_eq!(e - s, 67 * H);
        // Weekend working with normal hours: Sunday 2026-11-01 09:00–17:00 is 8 h.
        let c = cal(&["Sun"], DEFAULT_HOURS, &[], New_York);
        assert_eq!(
            c.elapsed(t("2026-11-01 00:00"), t("2026-11-02 00:00")),
            8 * H
        );
    }

    #[test]
    fn two_time_zones_give_different_elapsed_for_the_same_instants() {
        // Wed 2026-06-10 12:00Z → 20:00Z.
        let (s, e) = (utc("2026-06-10 12:00"), utc("2026-06-10 20:00"));
        // Berlin (CEST, +2): 14:00 → 22:00 local, 14:00 → 17:00 counts: 3 h.
        let berlin = office(Berlin, &[]);
        assert_eq!(berlin.elapsed(s, e), 3 * H);
        assert_eq!(berlin.clock_start(s), s);
        // Los Angeles (PDT, −7): 05:00 → 13:00 local, 09:00 → 13:00 counts: 4 h.
        let la = office(Los_Angeles, &[]);
        assert_eq!(la.elapsed(s, e), 4 * H);
        assert_eq!(la.clock_start(s), utc("2026-06-10 16:00"));
        // A holiday is a local date: Berlin's 2026-06-10 off, LA working.
        assert_eq!(office(Berlin, &["2026-06-10"]).elapsed(s, e), 0);
        assert_eq!(office(Los_Angeles, &["2026-06-11"]).elapsed(s, e), 4 * H);
    }

    #[test]
    fn long_spans_are_whole_weeks() {
        // 2024-01-01 is a Monday; 521 weeks later (3,647 days) is Monday 2033-12-26.
        // 521 weeks × 5 days × 8 h = 20,840 h, in UTC and in New York (DST never inside 9–17).
        for tz in [Tz::UTC, New_York] {
            let c = office(tz, &[]);
            let s = local(tz, "2024-01-01 00:00");
            let e = local(tz, "2033-12-26 00:00");
            assert_eq!(c.elapsed(s, e), 20_840 * H);
            // The 20,840th working hour ends at the last closing, Friday 2033-12-23 17:00.
            assert_eq!(c.add(s, 20_840 * H), local(tz, "2033-12-23 17:00"));
        }
        // A century (1950-01-02, a Monday, + 5,218 weeks = 2050-01-03, also a Monday):
        // 5,218 × 40 h = 208,720 h; with 3 holidays on weekdays inside, minus 24 h.
        let hol = ["1999-12-31", "2000-01-03", "2025-12-25", "2025-12-27"];
        let c = office(Berlin, &hol);
        let (s, e) = (
            local(Berlin, "1950-01-02 00:00"),
            local(Berlin, "2050-01-03 00:00"),
        );
        assert_eq!(c.elapsed(s, e), 208_720 * H - 24 * H);
        // 1999-12-31 is a Friday, 2000-01-03 a Monday, 2025-12-25 a Thursday, 2025-12-27 a
        // Saturday (ignored): 3 × 8 h.
        assert_eq!(c.add(s, c.elapsed(s, e)), local(Berlin, "2049-12-31 17:00"));
        // Every day 00:00–24:00 over a year in New York is the calendar clock, DST included.
        let c = cal(&ALL_DAYS, ["00:00", "24:00"], &[], New_York);
        let (s, e) = (
            local(New_York, "2026-01-01 00:00"),
            local(New_York, "2027-01-01 00:00"),
        );
        assert_eq!(c.elapsed(s, e), 365 * 24 * H);
    }

    #[test]
    fn round_the_clock_calendar_is_the_calendar_clock_in_awkward_zones() {
        // Santiago and Havana change at midnight, Sao Paulo fell back at midnight (2018),
        // Lord Howe changes by 30 min, Apia skipped all of 2011-12-30.
        let zones = [
            (New_York, "2026-03-01 00:00"),
            (Santiago, "2026-04-01 00:00"),
            (Havana, "2026-03-01 00:00"),
            (Sao_Paulo, "2018-02-10 00:00"),
            (Lord_Howe, "2026-04-01 00:00"),
            (Apia, "2011-12-25 00:00"),
            (Berlin, "2026-03-25 00:00"),
        ];
        let mut rng = Lcg(7);
        for (tz, around) in zones {
            let c = cal(&ALL_DAYS, ["00:00", "24:00"], &[], tz);
            let base = local(tz, around);
            for _ in 0..300 {
                let s = base + rng.below(20 * 24 * 60) * MIN + rng.below(MIN);
                let e = s + rng.below(30 * 24 * 60) * MIN;
                assert_eq!(c.elapsed(s, e), e - s, "{tz} {s} {e}");
                assert_eq!(c.add(s, e - s + 1), e + 1, "{tz} {s} {e}");
                assert_eq!(c.clock_start(s), s, "{tz} {s}");
            }
        }
        // Apia: Thu 2011-12-29 23:00 (−10) → Sat 2011-12-31 01:00 (+14) is 2 h of real time.
        let c = cal(&ALL_DAYS, ["00:00", "24:00"], &[], Apia);
        let (s, e) = (
            local(Apia, "2011-12-29 23:00"),
            local(Apia, "2011-12-31 01:00"),
        );
        assert_eq!(c.elapsed(s, e), 2 * H);
    }

    #[test]
    fn a_date_that_never_happened_has_no_working_time() {
        // Samoa skipped Friday 2011-12-30: Thursday 24:00 (−10) was Saturday 00:00 (+14).
        // 09:00–17:00 every day, Thu 29 00:00 → Mon 2012-01-02 00:00: Thu 8 h, Fri 0 (its 09:00
        // read with rule 9 would fall on Saturday 09:00; clipping to the empty day drops it),
        // Sat 8 h, Sun 8 h: 24 h.
        let c = cal(&ALL_DAYS, DEFAULT_HOURS, &[], Apia);
        let (s, e) = (
            local(Apia, "2011-12-29 00:00"),
            local(Apia, "2012-01-02 00:00"),
        );
        assert_eq!(c.elapsed(s, e), 24 * H);
        // A handover Thursday evening starts the clock Saturday 09:00 (+14) = Fri 19:00Z.
        assert_eq!(
            c.clock_start(local(Apia, "2011-12-29 18:00")),
            utc("2011-12-30 19:00")
        );
        assert_eq!(
            c.add(local(Apia, "2011-12-29 16:00"), 2 * H),
            utc("2011-12-30 20:00")
        );
    }

    /// Working time by brute force: walk real time in 5-minute steps and count the steps whose
    /// local wall-clock time falls in the hours of a working date. Exact when every opening and
    /// closing is an existing, unrepeated wall-clock time on a 5-minute boundary.
    fn brute(
        c: &BusinessCalendar,
        days: &[&str],
        hours: [&str; 2],
        hol: &[&str],
        s: i64,
        e: i64,
    ) -> i64 {
        let step = 5 * MIN;
        let zone = Zone::new(c.tz());
        let mask: Vec<u32> = days.iter().map(|d| parse_weekday(d).unwrap()).collect();
        let hol: Vec<NaiveDate> = hol.iter().map(|h| parse_holiday(h).unwrap()).collect();
        let open = parse_time_of_day(hours[0], "").unwrap();
        let close = parse_time_of_day(hours[1], "").unwrap();
        let mut total = 0;
        let mut t = s;
        while t < e {
            let l = zone.local_datetime(t);
            let tod = i64::from(l.time().num_seconds_from_midnight());
            if mask.contains(&l.weekday().num_days_from_monday())
                && !hol.contains(&l.date())
                && (open..close).contains(&tod)
            {
                total += step;
            }
            t += step;
        }
        total
    }

    #[test]
    fn matches_brute_force_around_dst_changes() {
        /// Days, hours, holidays, zone, and the start of the 12 days the starts are drawn from.
        type Case<'a> = (&'a [&'a str], [&'a str; 2], &'a [&'a str], Tz, &'a str);
        let cases: [Case; 5] = [
            (
                &DEFAULT_DAYS,
                DEFAULT_HOURS,
                &["2026-03-10"],
                New_York,
                "2026-03-01 00:00",
            ),
            (
                &ALL_DAYS,
                ["00:05", "23:55"],
                &["2026-11-03"],
                New_York,
                "2026-10-25 00:00",
            ),
            (
                &["Tue", "Thu", "Sat", "Sun"],
                ["00:30", "12:15"],
                &[],
                Berlin,
                "2026-03-22 00:00",
            ),
            (
                &ALL_DAYS,
                ["01:00", "04:00"],
                &[],
                New_York,
                "2026-03-01 00:00",
            ),
            (
                &["Mon", "Fri", "Sun"],
                ["07:00", "19:00"],
                &[],
                Los_Angeles,
                "2026-10-25 00:00",
            ),
        ];
        let mut rng = Lcg(11);
        for (days, hours, hol, tz, around) in cases {
            let c = cal(days, hours, hol, tz);
            let base = local(tz, around);
            for _ in 0..60 {
                let s = base + rng.below(12 * 24 * 12) * 5 * MIN;
                let e = s + rng.below(9 * 24 * 12) * 5 * MIN;
                let want = brute(&c, days, hours, hol, s, e);
                assert_eq!(c.elapsed(s, e), want, "{tz} {hours:?} {s} {e}");
            }
        }
    }

    #[test]
    fn add_is_the_inverse_of_elapsed() {
        let calendars = [
            office(New_York, &["2026-03-10", "2026-11-26"]),
            cal(&ALL_DAYS, ["00:00", "23:59"], &[], New_York),
            cal(&ALL_DAYS, ["02:30", "05:00"], &[], New_York),
            cal(&["Tue", "Sat"], ["08:15", "11:45"], &["2026-11-07"], Berlin),
            office(Los_Angeles, &[]),
        ];
        let budgets = [
            1,
            MIN,
            59 * MIN,
            H,
            8 * H - 1,
            8 * H,
            8 * H + 1,
            48 * H,
            200 * H,
            2000 * H,
        ];
        let mut rng = Lcg(3);
        for c in &calendars {
            for window in ["2026-02-25 00:00", "2026-10-20 00:00"] {
                let mut s = local(c.tz(), window);
                // A start every 97 minutes (plus some microseconds) for 40 days: every time of
                // day, weekends, holidays and the DST night are hit.
                for _ in 0..(40 * 24 * 60 / 97) {
                    s += 97 * MIN + rng.below(1_000_000);
                    for &b in &budgets {
                        let t = c.add(s, b);
                        assert!(t > s, "{} {s} {b}", c.describe());
                        assert_eq!(c.elapsed(s, t), b, "{} {s} {b}", c.describe());
                        // The earliest such instant.
                        assert_eq!(c.elapsed(s, t - 1), b - 1, "{} {s} {b}", c.describe());
                        // The in_window test both ways round.
                        for as_of in [t - 1, t, t + 1, s + rng.below(4 * (t - s) + 1)] {
                            assert_eq!(c.add(s, b) > as_of, c.elapsed(s, as_of) < b);
                        }
                    }
                    // The clock starts at a point from which time accrues immediately.
                    let start = c.clock_start(s);
                    assert!(start >= s);
                    assert_eq!(c.elapsed(s, start), 0);
                    assert_eq!(c.elapsed(start, start + 1), 1);
                }
            }
        }
    }

    #[test]
    fn invalid_settings_name_the_value_and_the_setting() {
        let e = err(&["Mon", "Funday"], &DEFAULT_HOURS);
        assert!(
            e.contains("`Funday`") && e.contains("[audit.business] days"),
            "{e}"
        );
        let e = err(&DEFAULT_DAYS, &["17:00", "09:00"]);
        assert!(
            e.contains("`17:00`") && e.contains("`09:00`") && e.contains("hours"),
            "{e}"
        );
        let e = err(&DEFAULT_DAYS, &["9am", "17:00"]);
        assert!(
            e.contains("`9am`") && e.contains("[audit.business] hours"),
            "{e}"
        );
        let e = err(&DEFAULT_DAYS, &["09:00", "5pm"]);
        assert!(e.contains("closing `5pm`"), "{e}");
        for bad in [
            "25:00", "09:60", "24:30", "09:00:60", "9", "09-00", "09:0", "", "+9:00",
        ] {
            let e = err(&DEFAULT_DAYS, &[bad, "23:00"]);
            assert!(
                e.contains(&format!("`{bad}`")) && e.contains("hours"),
                "{bad}: {e}"
            );
        }
        let e = err(&DEFAULT_DAYS, &["09:00"]);
        assert!(
            e.contains("[audit.business] hours") && e.contains("exactly two"),
            "{e}"
        );
        let e = err(&DEFAULT_DAYS, &["09:00", "12:00", "13:00"]);
        assert!(e.contains("exactly two"), "{e}");
        let e = err(&DEFAULT_DAYS, &["09:00", "09:00"]);
        assert!(e.contains("must be before"), "{e}");
        let e = err(&DEFAULT_DAYS, &["24:00", "24:00"]);
        assert!(e.contains("must be before"), "{e}");
        let e = err(&[], &DEFAULT_HOURS);
        assert!(e.contains("[audit.business] days is empty"), "{e}");
        let e = format!("{:#}", parse_holiday("25/12/2026").unwrap_err());
        assert!(e.contains("`25/12/2026`") && e.contains("holidays"), "{e}");
    }

    #[test]
    fn day_names_hours_forms_and_defaults() {
        let c = cal(
            &["monday", " TUE ", "Wednesday", "wed"],
            ["9:00", "17:00:00"],
            &[],
            Tz::UTC,
        );
        assert_eq!(c.describe(), "Mon–Wed 09:00–17:00 UTC");
        let c = cal(
            &["Sun", "sat", "Mon", "WED"],
            ["08:30:30", "24:00"],
            &["2026-01-01"],
            Berlin,
        );
        assert_eq!(
            c.describe(),
            "Mon, Wed, Sat, Sun 08:30:30–24:00 Europe/Berlin, 1 holiday"
        );
        // 2026-01-03 is a Saturday: 08:30:30 → 24:00 = 15 h 29 min 30 s.
        let s = local(Berlin, "2026-01-03 00:00");
        assert_eq!(c.elapsed(s, s + 24 * H), 15 * H + 29 * MIN + 30_000_000);
        let d = BusinessCalendar::from_settings(None, None, None, New_York).unwrap();
        assert_eq!(d.describe(), "Mon–Fri 09:00–17:00 America/New_York");
        // The defaults are the standard office week: Fri 16:00 → Mon 10:00 = 2 h.
        let (s, e) = (
            local(New_York, "2026-11-20 16:00"),
            local(New_York, "2026-11-23 10:00"),
        );
        assert_eq!(d.elapsed(s, e), 2 * H);
        let hours = vec!["10:00".to_string(), "12:00".to_string()];
        let d = BusinessCalendar::from_settings(None, Some(&hours), None, New_York).unwrap();
        assert_eq!(d.describe(), "Mon–Fri 10:00–12:00 America/New_York");
        let empty: Vec<String> = Vec::new();
        assert!(BusinessCalendar::from_settings(Some(&empty), None, None, New_York).is_err());
    }
}
