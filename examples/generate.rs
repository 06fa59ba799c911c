//! Deterministic generator of realistic `handoff` input data, for benchmarks and scale tests.
//!
//! ```text
//! cargo run --release --example generate -- --leads 1000000 --seed 1 --out DIR \
//!     [--activities-per-lead 5.0] [--no-activities] [--ready-when all|any|N]
//! ```
//!
//! Writes into `DIR` (created if missing): `marketing.csv`, `crm.csv`, `activities.csv`
//! (unless `--no-activities`), `handoff.toml` (the generic layout, every column named, `as_of`
//! pinned to 2026-11-05T12:00:00Z) and `sales-ready.toml` (four criteria). The same arguments
//! always give byte-identical files: one ChaCha8 stream per file, no clock, no hash-map order,
//! and no platform maths (`ln`/`exp` are computed here with plain IEEE arithmetic). Marketing
//! and CRM output do not depend on the activity flags.
//!
//! The data is a B2B lead funnel in `America/New_York`: handovers (MQL dates) on 2026-07-01 ..
//! 2026-10-31, plus about 1% in 2026-11-01 .. as_of (some still inside the SLA window) and a
//! handful written as naive times in the repeated hour of 2026-11-01 (01:00-01:59, DST end).
//! It contains the damage real exports carry, all valid per SPEC.md unless noted:
//!
//! - marketing: ~25% not handed over, ~3% MQL date set with `Is MQL` false, ~3% keys twice
//!   (later/earlier/no handover), mixed timestamp forms (`Z`, `-04:00`, `+0000`, naive with and
//!   without seconds), `Employees` of `1,200` or `unknown` (unparsable: intended damage), `None`
//!   budgets (an empty value), quoted titles with commas;
//! - crm: ~80% of marketing keys, ~1% keys twice, ~2% keys not in marketing, ~40 owners with a
//!   Zipf skew, queues, empty owners, ~30% empty status, statuses in varied case;
//! - activities: heavy-tailed counts (mean close to `--activities-per-lead`), ~30% of handed-over
//!   leads never touched, touch delays from seconds to weeks, touches before the handover,
//!   future tasks after as_of, `Z`/milliseconds/naive/date-only times, ~1% of rows on keys
//!   that marketing does not have;
//! - ~5% of duplicate, CRM and activity references spell the e-mail in another letter case.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Generate deterministic marketing, CRM and activity exports for `handoff`.
#[derive(Parser)]
#[command(name = "generate")]
struct Args {
    /// Number of distinct marketing leads.
    #[arg(long, default_value_t = 10_000)]
    leads: u64,
    /// Seed of the random streams; the same arguments give byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Mean number of activity rows per marketing lead.
    #[arg(long, default_value_t = 5.0, value_parser = parse_per_lead)]
    activities_per_lead: f64,
    /// Write no activities.csv and no [activities] section.
    #[arg(long)]
    no_activities: bool,
    /// `ready_when` of sales-ready.toml: `all`, `any` or a number of criteria (1-4).
    #[arg(long, default_value = "all", value_parser = parse_ready_when)]
    ready_when: String,
}

// ---------------------------------------------------------------------------------------------
// Time: Unix seconds, civil calendar and the America/New_York rules (US DST since 2007).

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const AS_OF: i64 = days_from_civil(2026, 11, 5) * DAY + 12 * HOUR;
const AS_OF_TEXT: &str = "2026-11-05T12:00:00Z";
const RANGE_START_DAY: i64 = days_from_civil(2026, 7, 1);
const RANGE_DAYS: u64 = 123; // 2026-07-01 ..= 2026-10-31
const NOV1_UTC: i64 = days_from_civil(2026, 11, 1) * DAY;

const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 0 = Sunday.
fn weekday(day: i64) -> i64 {
    (day + 4).rem_euclid(7)
}

/// Offset of America/New_York at the UTC instant `t`, in seconds.
fn ny_offset(t: i64) -> i64 {
    let (y, _, _) = civil_from_days(t.div_euclid(DAY));
    let sunday_on_or_after = |day: i64| day + (7 - weekday(day)) % 7;
    // Second Sunday of March 02:00 EST, first Sunday of November 02:00 EDT.
    let start = (sunday_on_or_after(days_from_civil(y, 3, 1)) + 7) * DAY + 7 * HOUR;
    let end = sunday_on_or_after(days_from_civil(y, 11, 1)) * DAY + 6 * HOUR;
    if (start..end).contains(&t) {
        -4 * HOUR
    } else {
        -5 * HOUR
    }
}

/// UTC instant of a naive New York time (seconds since the epoch of the local wall clock):
/// the earlier instant in a repeated hour, the pre-change offset in a skipped one (SPEC rule 9).
fn local_to_utc(local: i64) -> i64 {
    let edt = local + 4 * HOUR;
    if ny_offset(edt) == -4 * HOUR {
        edt
    } else {
        local + 5 * HOUR
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ts {
    /// `2026-09-14T15:04:05Z`
    Z,
    /// `2026-09-14T15:04:05.123Z`
    Millis(u16),
    /// `2026-09-14T11:04:05-04:00`
    Offset,
    /// `2026-09-14T15:04:05+0000`
    Plus0000,
    /// `2026-09-14 11:04:05` (New York)
    Naive,
    /// `2026-09-14 11:04` (New York)
    NaiveMinutes,
    /// `2026-09-14` (New York)
    Date,
}

fn push2(buf: &mut Vec<u8>, v: i64) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// `1,200`: digits in groups of three separated by commas.
fn push_grouped(buf: &mut Vec<u8>, n: u64) {
    if n >= 1000 {
        push_grouped(buf, n / 1000);
        let rest = (n % 1000) as i64;
        buf.push(b',');
        buf.push(b'0' + (rest / 100) as u8);
        push2(buf, rest % 100);
    } else {
        push_u64(buf, n);
    }
}

fn push_date(buf: &mut Vec<u8>, day: i64) {
    let (y, m, d) = civil_from_days(day);
    push2(buf, y / 100);
    push2(buf, y % 100);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push2(buf, d);
}

fn push_clock(buf: &mut Vec<u8>, secs: i64, sep: u8, with_seconds: bool) {
    let rem = secs.rem_euclid(DAY);
    push_date(buf, secs.div_euclid(DAY));
    buf.push(sep);
    push2(buf, rem / HOUR);
    buf.push(b':');
    push2(buf, rem / MINUTE % 60);
    if with_seconds {
        buf.push(b':');
        push2(buf, rem % 60);
    }
}

fn push_ts(buf: &mut Vec<u8>, t: i64, form: Ts) {
    match form {
        Ts::Z => {
            push_clock(buf, t, b'T', true);
            buf.push(b'Z');
        }
        Ts::Millis(ms) => {
            push_clock(buf, t, b'T', true);
            let ms = i64::from(ms);
            buf.push(b'.');
            buf.push(b'0' + (ms / 100) as u8);
            push2(buf, ms % 100);
            buf.push(b'Z');
        }
        Ts::Plus0000 => {
            push_clock(buf, t, b'T', true);
            buf.extend_from_slice(b"+0000");
        }
        Ts::Offset => {
            let off = ny_offset(t);
            push_clock(buf, t + off, b'T', true);
            buf.extend_from_slice(if off == -4 * HOUR {
                b"-04:00"
            } else {
                b"-05:00"
            });
        }
        Ts::Naive => push_clock(buf, t + ny_offset(t), b' ', true),
        Ts::NaiveMinutes => push_clock(buf, t + ny_offset(t), b' ', false),
        Ts::Date => push_date(buf, (t + ny_offset(t)).div_euclid(DAY)),
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness: ChaCha8 words and portable maths (no libm, so every platform gives the same bytes).

const LN2: f64 = std::f64::consts::LN_2;

fn ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite());
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2 atanh(s), |s| <= 0.172
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    for _ in 0..12 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    e as f64 * LN2 + 2.0 * sum
}

fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    let k = (x / LN2).round();
    let r = x - k * LN2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for i in 1..16 {
        term *= r / f64::from(i);
        sum += term;
    }
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

struct R(ChaCha8Rng);

impl R {
    fn new(seed: u64, stream: u64) -> R {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        R(rng)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.0.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn f64(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Uniform in `lo..hi` seconds (`hi` > `lo`).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(1) as u64) as i64
    }

    /// Log-uniform in `[lo, hi)`, rounded down to whole seconds.
    fn log_uniform(&mut self, lo: i64, hi: i64) -> i64 {
        let (a, b) = (ln(lo as f64), ln(hi as f64));
        exp(a + self.f64() * (b - a)) as i64
    }

    /// Standard normal (Marsaglia's polar method: `ln` and `sqrt` only).
    fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.f64() - 1.0;
            let v = 2.0 * self.f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// Heavy-tailed count with mean about `mu` (log-normal, sigma 0.9, capped at 200).
    fn heavy_count(&mut self, mu: f64) -> u64 {
        if mu <= 0.0 {
            return 0;
        }
        const SIGMA: f64 = 0.9;
        let x = exp(SIGMA * self.normal() - SIGMA * SIGMA / 2.0);
        ((mu * x + self.f64()) as u64).min(200)
    }

    fn pick<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|item| item.1).sum();
        let mut x = self.below(u64::from(total)) as u32;
        for &(value, weight) in items {
            if x < weight {
                return value;
            }
            x -= weight;
        }
        items[items.len() - 1].0
    }

    fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// An index drawn with the weights whose running sums are `cdf`.
fn zipf(r: &mut R, cdf: &[u64]) -> usize {
    let x = r.below(cdf.last().copied().unwrap_or(1));
    cdf.partition_point(|&c| c <= x)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david",
    "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah",
    "chris", "karen", "daniel", "lisa", "matthew", "nancy", "anthony", "betty", "mark", "sandra",
    "paul", "ashley", "steven", "emily", "andrew", "michelle", "kevin", "amanda", "brian",
    "melissa", "george", "laura", "priya", "wei", "carlos", "sofia", "ahmed", "fatima", "lukas",
    "anna", "hiroshi", "yuki", "olivia", "noah", "emma", "liam", "ava", "ethan", "mia", "lucas",
    "chloe", "mateo",
];

#[rustfmt::skip]
const LAST: &[&str] = &[
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
    "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore",
    "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark",
    "ramirez", "lewis", "robinson", "walker", "young", "allen", "king", "wright", "scott", "torres",
    "nguyen", "hill", "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell",
    "mitchell", "carter", "roberts", "patel", "kim", "chen", "mueller", "schmidt", "rossi",
    "dubois", "tanaka", "kowalski", "novak",
];

#[rustfmt::skip]
const COMPANY: &[&str] = &[
    "acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "wonka",
    "tyrell", "cyberdyne", "soylent", "massive", "aperture", "oscorp", "monarch", "northwind",
    "contoso", "fabrikam", "adatum", "litware", "proseware", "tailspin", "woodgrove",
    "fourthcoffee", "alpine", "bluesky", "redwood", "summit", "keystone", "pinnacle", "meridian",
    "vertex", "horizon", "cascade", "evergreen", "ironclad", "silverline", "brightpath", "quantum",
];

#[rustfmt::skip]
const OWNERS: &[&str] = &[
    "Maria Garcia", "James O'Connor", "Wei Zhang", "Priya Sharma", "Daniel Kim", "Sarah Johnson",
    "Michael Brown", "Emily Davis", "David Martinez", "Jessica Wilson", "Chris Anderson",
    "Ashley Thomas", "Kevin Lee", "Laura Schmidt", "Ryan Murphy", "Nicole Taylor", "Brandon Clark",
    "Megan Lewis", "Tyler Walker", "Rachel Hall", "Jordan Allen", "Hannah Young", "Justin King",
    "Olivia Wright", "Aaron Scott", "Samantha Green", "Eric Baker", "Lauren Adams", "Adam Nelson",
    "Victoria Hill", "Sean Campbell", "Natalie Mitchell", "Kyle Roberts", "Rebecca Carter",
    "Nathan Phillips", "Julia Evans", "Ethan Turner", "Chloé Martin", "Lucas Müller", "Sofia Rossi",
];

const LEAD_SOURCES: &[(&str, u32)] = &[
    ("Webinar", 14),
    ("Content Download", 22),
    ("Demo Request", 10),
    ("Trade Show", 8),
    ("Paid Search", 15),
    ("Organic Search", 12),
    ("Referral", 5),
    ("Partner", 6),
    ("Contact Us", 5),
    ("", 3),
];

const BUDGET_MQL: &[(&str, u32)] = &[
    ("Confirmed", 40),
    ("Allocated", 28),
    ("Pending", 12),
    ("None", 8),
    ("", 12),
];

const BUDGET_COLD: &[(&str, u32)] = &[
    ("Confirmed", 10),
    ("Allocated", 10),
    ("Pending", 20),
    ("None", 25),
    ("", 35),
];

const COUNTRIES: &[(&str, u32)] = &[
    ("United States", 520),
    ("Canada", 80),
    ("United Kingdom", 100),
    ("Germany", 70),
    ("France", 50),
    ("Netherlands", 30),
    ("Australia", 40),
    ("India", 40),
    ("Brazil", 20),
    ("Spain", 20),
    ("Sweden", 10),
    ("Japan", 10),
    ("Antarctica", 2),
    ("", 18),
];

const TITLES: &[(&str, u32)] = &[
    ("Marketing Manager", 12),
    ("VP, Sales", 6),
    ("Director of IT", 8),
    ("CTO", 4),
    ("Head of Operations", 6),
    ("Software Engineer", 10),
    ("Student", 3),
    ("Procurement Specialist", 4),
    ("CEO", 4),
    ("Data Analyst", 7),
    ("Chief Financial Officer", 3),
    ("Owner", 3),
    ("Consultant", 5),
    ("IT Manager", 8),
    ("Senior Director, Demand Generation", 3),
    ("Marketing Coordinator", 6),
    ("Sales Operations Manager", 4),
    ("Product Manager", 6),
    ("Intern", 2),
    ("", 6),
];

const MQL_TRUE: &[(&str, u32)] = &[("true", 40), ("Yes", 25), ("1", 20), ("x", 15)];
const MQL_FALSE: &[(&str, u32)] = &[("false", 60), ("no", 40)];
const MQL_COLD: &[(&str, u32)] = &[("false", 50), ("", 30), ("no", 20)];

const ACCEPTED: &[(&str, u32)] = &[("Qualified", 45), ("Working", 35), ("Converted", 20)];
const REJECTED: &[(&str, u32)] = &[("Unqualified", 65), ("Disqualified", 35)];
const OTHER_STATUS: &[(&str, u32)] = &[("New", 55), ("Nurture", 45)];
const REASONS: &[(&str, u32)] = &[
    ("No budget", 30),
    ("Wrong persona", 30),
    ("Student", 10),
    ("Competitor", 10),
    ("", 20),
];

#[derive(Clone, Copy, PartialEq)]
enum Act {
    Call,
    Email,
    Meeting,
    Task,
    MarketingEmail,
}

impl Act {
    fn name(self) -> &'static str {
        match self {
            Act::Call => "Call",
            Act::Email => "Email",
            Act::Meeting => "Meeting",
            Act::Task => "Task",
            Act::MarketingEmail => "Marketing Email",
        }
    }

    fn subjects(self) -> &'static [&'static str] {
        match self {
            Act::Call => &[
                "Intro call",
                "Discovery call – next steps",
                "Follow-up call re: demo request",
                "Qualification call (BANT)",
                "Call: demo request from website",
                "Left message with the assistant",
            ],
            Act::Email => &[
                "Following up on your demo request",
                "Re: pricing for the Growth plan",
                "Quick question about your current setup",
                "Re: \"Pricing\", next steps",
                "Resources from today's webinar",
                "Checking in",
            ],
            Act::Meeting => &[
                "Discovery meeting",
                "Product demo (45 min)",
                "Demo, pricing review and next steps",
            ],
            Act::Task => &[
                "Follow up after the demo",
                "Send proposal and order form",
                "Research account",
                "Call back – asked for a later time",
            ],
            Act::MarketingEmail => &[
                "Newsletter – October 2026",
                "Webinar invitation",
                "Product update: what's new this quarter",
                "Event reminder – see you at the booth",
                "Case study: Acme, Inc.",
            ],
        }
    }

    fn outcomes(self) -> &'static [&'static str] {
        match self {
            Act::Call => &[
                "Connected",
                "Left voicemail",
                "No answer",
                "Wrong number",
                "",
            ],
            Act::Email => &["Sent", "Replied", "Bounced", ""],
            Act::Meeting => &["Completed", "No show", "Rescheduled"],
            Act::Task => &["Completed", "Open", "Not Started"],
            Act::MarketingEmail => &["Delivered", "Opened", "Clicked", ""],
        }
    }
}

const FIRST_TOUCH: &[(Act, u32)] = &[(Act::Call, 50), (Act::Email, 40), (Act::Meeting, 10)];
const LATER: &[(Act, u32)] = &[
    (Act::Call, 30),
    (Act::Email, 30),
    (Act::Meeting, 8),
    (Act::Task, 12),
    (Act::MarketingEmail, 20),
];
const BEFORE: &[(Act, u32)] = &[
    (Act::MarketingEmail, 70),
    (Act::Email, 12),
    (Act::Call, 10),
    (Act::Meeting, 3),
    (Act::Task, 5),
];
const COLD: &[(Act, u32)] = &[
    (Act::MarketingEmail, 70),
    (Act::Email, 15),
    (Act::Call, 10),
    (Act::Task, 5),
];

// ---------------------------------------------------------------------------------------------
// Rows.

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Lower,
    Title,
    Upper,
}

fn push_word(buf: &mut Vec<u8>, word: &str, case: Case) {
    match case {
        Case::Lower => buf.extend_from_slice(word.as_bytes()),
        Case::Title => {
            let bytes = word.as_bytes();
            buf.push(bytes[0].to_ascii_uppercase());
            buf.extend_from_slice(&bytes[1..]);
        }
        Case::Upper => buf.extend(word.bytes().map(|b| b.to_ascii_uppercase())),
    }
}

/// `first.last<num>@company<n>.com`, the parts derived from `num` alone.
fn push_key(buf: &mut Vec<u8>, seed: u64, num: u64, case: Case) {
    let h = splitmix(seed ^ num.wrapping_mul(0xA076_1D64_78BD_642F));
    let first = FIRST[(h % FIRST.len() as u64) as usize];
    let last = LAST[((h >> 16) % LAST.len() as u64) as usize];
    let company = COMPANY[((h >> 32) % COMPANY.len() as u64) as usize];
    push_word(buf, first, case);
    buf.push(b'.');
    push_word(buf, last, case);
    push_u64(buf, num);
    buf.push(b'@');
    push_word(buf, company, case);
    push_u64(buf, (h >> 48) % 100);
    buf.extend_from_slice(if case == Case::Upper {
        b".COM"
    } else {
        b".com"
    });
}

fn push_field(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

fn other_case(r: &mut R) -> Case {
    match r.below(100) {
        0..=3 => Case::Title,
        4 => Case::Upper,
        _ => Case::Lower,
    }
}

#[derive(Clone, Copy)]
enum Employees {
    Num(u64),
    Thousands(u64),
    Unknown,
    Empty,
}

#[derive(Clone, Copy)]
struct MarketingRow {
    mql: Option<(i64, Ts)>,
    is_mql: &'static str,
    created: Option<(i64, Ts)>,
    source: &'static str,
    budget: &'static str,
    employees: Employees,
    country: &'static str,
    title: &'static str,
}

impl MarketingRow {
    fn is_handoff(&self) -> bool {
        self.mql.is_some() && MQL_TRUE.iter().any(|(v, _)| *v == self.is_mql)
    }

    fn push(&self, buf: &mut Vec<u8>) {
        if let Some((t, form)) = self.mql {
            push_ts(buf, t, form);
        }
        buf.push(b',');
        push_field(buf, self.is_mql);
        buf.push(b',');
        if let Some((t, form)) = self.created {
            push_ts(buf, t, form);
        }
        buf.push(b',');
        push_field(buf, self.source);
        buf.push(b',');
        push_field(buf, self.budget);
        buf.push(b',');
        match self.employees {
            Employees::Num(n) => push_u64(buf, n),
            Employees::Thousands(n) => {
                buf.push(b'"');
                push_grouped(buf, n);
                buf.push(b'"');
            }
            Employees::Unknown => buf.extend_from_slice(b"unknown"),
            Employees::Empty => {}
        }
        buf.push(b',');
        push_field(buf, self.country);
        buf.push(b',');
        push_field(buf, self.title);
        buf.push(b'\n');
    }
}

/// Who holds a lead in the CRM.
#[derive(Clone, Copy, PartialEq)]
enum Own {
    Rep(usize),
    Queue,
    Nobody,
}

/// How slow an owner is: 0.55 (keen) .. 1.45 (slow); queues and nobody are slowest.
fn slowness(own: Own) -> f64 {
    match own {
        Own::Rep(k) => 0.55 + 0.9 * ((k * 17 + 5) % 40) as f64 / 39.0,
        Own::Queue | Own::Nobody => 1.8,
    }
}

struct Lead {
    num: u64,
    /// Earliest handoff row's instant (the key's handover).
    handover: Option<i64>,
    created: i64,
    /// Budget confirmed/allocated and 200+ employees: what sales tends to accept.
    fit: bool,
}

struct Sink {
    out: BufWriter<File>,
    rows: u64,
    bytes: u64,
    path: PathBuf,
}

impl Sink {
    fn create(path: PathBuf, header: &str) -> io::Result<Sink> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        out.write_all(header.as_bytes())?;
        out.write_all(b"\n")?;
        Ok(Sink {
            out,
            rows: 0,
            bytes: header.len() as u64 + 1,
            path,
        })
    }

    fn row(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.rows += 1;
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    fn finish(mut self) -> io::Result<(PathBuf, u64, u64)> {
        self.out.flush()?;
        Ok((self.path, self.rows, self.bytes))
    }
}

/// Rows written later in the file than their lead (a duplicate key's second row).
#[derive(Default)]
struct Deferred {
    rows: BTreeMap<(u64, u64), Vec<u8>>,
    seq: u64,
}

impl Deferred {
    fn push(&mut self, at: u64, row: &[u8]) {
        self.seq += 1;
        self.rows.insert((at, self.seq), row.to_vec());
    }

    fn release(&mut self, upto: u64, sink: &mut Sink) -> io::Result<()> {
        while let Some(entry) = self.rows.first_entry() {
            if entry.key().0 > upto {
                break;
            }
            sink.row(&entry.remove())?;
        }
        Ok(())
    }
}

struct Generator {
    seed: u64,
    leads: u64,
    /// Lead index period of the naive handovers in the repeated hour of 2026-11-01.
    repeated_hour_every: u64,
    /// Mean extra activities after the first touch, and of a lead never handed over.
    post_mean: f64,
    cold_mean: f64,
    /// Share of activity rows written (below 1 only for fewer than ~1 activity a lead).
    keep: f64,
    /// Cumulative Zipf weights of `OWNERS`.
    owner_cdf: Vec<u64>,
    crm_only: u64,
    rm: R,
    rc: R,
    ra: R,
    row: Vec<u8>,
    marketing: Sink,
    crm: Sink,
    activities: Option<Sink>,
    marketing_later: Deferred,
    crm_later: Deferred,
}

impl Generator {
    fn run(&mut self) -> io::Result<()> {
        for i in 0..self.leads {
            self.marketing_later.release(i, &mut self.marketing)?;
            self.crm_later.release(i, &mut self.crm)?;
            let lead = self.marketing_lead(i)?;
            let own = self.crm_lead(&lead, i)?;
            if self.activities.is_some() {
                self.activities_of(&lead, own)?;
            }
            if self.rc.chance(0.02) {
                self.crm_only += 1;
                self.crm_only_row(self.leads + self.crm_only)?;
            }
        }
        self.marketing_later
            .release(u64::MAX, &mut self.marketing)?;
        self.crm_later.release(u64::MAX, &mut self.crm)
    }

    // --- marketing -------------------------------------------------------------------------

    fn sample_handover(&mut self, repeated_hour: bool) -> (i64, Ts) {
        let r = &mut self.rm;
        if repeated_hour {
            // 01:00-01:59 local on 2026-11-01, EDT then EST, written naive.
            let t = r.between(NOV1_UTC + 5 * HOUR, NOV1_UTC + 7 * HOUR);
            let form = if r.chance(0.7) {
                Ts::Naive
            } else {
                Ts::NaiveMinutes
            };
            return (t, form);
        }
        let t = if r.chance(0.012) {
            r.between(NOV1_UTC + 7 * HOUR, AS_OF)
        } else {
            loop {
                let day = RANGE_START_DAY + r.below(RANGE_DAYS) as i64;
                let wd = weekday(day);
                if (wd == 0 || wd == 6) && !r.chance(0.35) {
                    continue;
                }
                let sec = if r.chance(0.75) {
                    r.between(8 * HOUR, 18 * HOUR)
                } else {
                    r.between(0, DAY)
                };
                break local_to_utc(day * DAY + sec);
            }
        };
        (t, self.mql_form())
    }

    fn mql_form(&mut self) -> Ts {
        self.rm.pick(&[
            (Ts::Z, 35),
            (Ts::Offset, 20),
            (Ts::Plus0000, 10),
            (Ts::Naive, 25),
            (Ts::NaiveMinutes, 10),
        ])
    }

    fn created_form(&mut self) -> Ts {
        if self.rm.chance(0.5) {
            Ts::Date
        } else {
            Ts::Naive
        }
    }

    fn marketing_lead(&mut self, i: u64) -> io::Result<Lead> {
        let num = i + 1;
        let repeated_hour = i % self.repeated_hour_every == self.repeated_hour_every / 2;
        let (mut row, created) = if self.rm.chance(0.75) || repeated_hour {
            let (h, form) = self.sample_handover(repeated_hour);
            // A value written to the minute is the handover itself.
            let h = if form == Ts::NaiveMinutes {
                h - (h + ny_offset(h)).rem_euclid(60)
            } else {
                h
            };
            let age = if self.rm.chance(0.9) {
                self.rm.log_uniform(HOUR, 110 * DAY)
            } else {
                self.rm.log_uniform(120 * DAY, 500 * DAY)
            };
            let is_mql = if self.rm.chance(0.03) {
                MQL_FALSE
            } else {
                MQL_TRUE
            };
            let row = MarketingRow {
                mql: Some((h, form)),
                is_mql: self.rm.pick(is_mql),
                created: None,
                source: self.rm.pick(LEAD_SOURCES),
                budget: self.rm.pick(BUDGET_MQL),
                employees: self.employees(50, 50_000),
                country: self.rm.pick(COUNTRIES),
                title: self.rm.pick(TITLES),
            };
            (row, h - age)
        } else {
            let created = self.rm.between(
                days_from_civil(2025, 6, 1) * DAY,
                days_from_civil(2026, 11, 4) * DAY,
            );
            let row = MarketingRow {
                mql: None,
                is_mql: self.rm.pick(MQL_COLD),
                created: None,
                source: self.rm.pick(LEAD_SOURCES),
                budget: self.rm.pick(BUDGET_COLD),
                employees: self.employees(1, 20_000),
                country: self.rm.pick(COUNTRIES),
                title: self.rm.pick(TITLES),
            };
            (row, created)
        };
        if !self.rm.chance(0.02) {
            row.created = Some((created, self.created_form()));
        }
        self.row.clear();
        push_key(&mut self.row, self.seed, num, Case::Lower);
        self.row.push(b',');
        row.push(&mut self.row);
        self.marketing.row(&self.row)?;

        let mut handover = row.is_handoff().then(|| row.mql.map(|m| m.0)).flatten();
        if self.rm.chance(0.03) {
            let dup = self.duplicate(&row, created);
            if dup.is_handoff() {
                let t = dup.mql.map(|m| m.0).unwrap_or(i64::MAX);
                handover = Some(handover.map_or(t, |h| h.min(t)));
            }
            self.row.clear();
            let case = other_case(&mut self.rm);
            push_key(&mut self.row, self.seed, num, case);
            self.row.push(b',');
            dup.push(&mut self.row);
            let at = i + 1 + self.rm.below(5_000);
            self.marketing_later.push(at, &self.row);
        }
        let fit = matches!(row.budget, "Confirmed" | "Allocated")
            && matches!(row.employees, Employees::Num(n) | Employees::Thousands(n) if n >= 200);
        Ok(Lead {
            num,
            handover,
            created,
            fit,
        })
    }

    /// The second row of a duplicated key: re-MQL'd later, an older MQL date, or a stale record.
    fn duplicate(&mut self, first: &MarketingRow, created: i64) -> MarketingRow {
        let mut dup = *first;
        if self.rm.chance(0.3) {
            dup.budget = self.rm.pick(BUDGET_MQL);
        }
        let not_handed = |r: &mut R, dup: &mut MarketingRow| {
            dup.mql = None;
            dup.is_mql = r.pick(MQL_COLD);
        };
        match (first.is_handoff(), first.mql) {
            (true, Some((h, _))) => match self.rm.below(100) {
                0..=39 => {
                    let t = h + self.rm.log_uniform(DAY, 60 * DAY);
                    if t < AS_OF {
                        dup.mql = Some((t, self.mql_form()));
                        dup.is_mql = self.rm.pick(MQL_TRUE);
                    } else {
                        not_handed(&mut self.rm, &mut dup);
                    }
                }
                40..=64 => {
                    let t = (h - self.rm.log_uniform(6 * HOUR, 20 * DAY))
                        .max(created + HOUR)
                        .min(h);
                    dup.mql = Some((t, Ts::Z));
                    dup.is_mql = self.rm.pick(MQL_TRUE);
                }
                _ => not_handed(&mut self.rm, &mut dup),
            },
            _ => {
                if self.rm.chance(0.5) {
                    let (t, form) = self.sample_handover(false);
                    let t = t.max(created + 2 * HOUR).min(AS_OF);
                    dup.mql = Some((
                        t,
                        if form == Ts::NaiveMinutes {
                            Ts::Naive
                        } else {
                            form
                        },
                    ));
                    dup.is_mql = self.rm.pick(MQL_TRUE);
                } else {
                    not_handed(&mut self.rm, &mut dup);
                }
            }
        }
        dup
    }

    fn employees(&mut self, lo: i64, hi: i64) -> Employees {
        let r = &mut self.rm;
        match r.below(100) {
            0..=2 => Employees::Unknown,
            3..=6 => Employees::Empty,
            _ => {
                let n = r.log_uniform(lo, hi) as u64;
                let n = match n {
                    0..=99 => n.max(1),
                    100..=999 => n / 10 * 10,
                    _ => n / 100 * 100,
                };
                if n >= 1000 && r.chance(0.12) {
                    Employees::Thousands(n)
                } else {
                    Employees::Num(n)
                }
            }
        }
    }

    // --- crm -------------------------------------------------------------------------------

    fn owner(&mut self, handed: bool) -> Own {
        let (queue, nobody) = if handed { (9, 3) } else { (28, 5) };
        let x = self.rc.below(100);
        if x < queue {
            Own::Queue
        } else if x < queue + nobody {
            Own::Nobody
        } else {
            Own::Rep(zipf(&mut self.rc, &self.owner_cdf))
        }
    }

    fn push_owner(&mut self, own: Own) {
        let r = &mut self.rc;
        let name = match own {
            Own::Rep(k) => OWNERS[k],
            Own::Queue => r.pick(&[("Lead Queue", 60), ("Unassigned", 36), ("UNASSIGNED", 2)]),
            Own::Nobody => "",
        };
        if !name.is_empty() && r.chance(0.003) {
            self.row.push(b' ');
            push_field(&mut self.row, name);
            self.row.push(b' ');
        } else {
            push_field(&mut self.row, name);
        }
    }

    fn status(&mut self, lead: &Lead, own: Own) -> (&'static str, bool) {
        let r = &mut self.rc;
        let p_empty = match (lead.handover.is_some(), own) {
            (false, _) => 0.45,
            (true, Own::Rep(_)) => 0.22 * slowness(own),
            (true, _) => 0.5,
        };
        if r.chance(p_empty) {
            return ("", false);
        }
        let (acc, rej, other) = match (lead.handover.is_some(), lead.fit) {
            (false, _) => (10, 15, 75),
            (true, true) => (60, 12, 28),
            (true, false) => (28, 40, 32),
        };
        let table = r.pick(&[(ACCEPTED, acc), (REJECTED, rej), (OTHER_STATUS, other)]);
        (r.pick(table), table == REJECTED)
    }

    fn push_status(&mut self, status: &str) {
        match self.rc.below(100) {
            0..=3 => push_field(&mut self.row, &status.to_lowercase()),
            4 => push_field(&mut self.row, &status.to_uppercase()),
            _ => push_field(&mut self.row, status),
        }
    }

    fn crm_row(&mut self, num: u64, case: Case, lead: &Lead, own: Own) {
        self.row.clear();
        push_key(&mut self.row, self.seed, num, case);
        self.row.push(b',');
        self.push_owner(own);
        self.row.push(b',');
        let (status, rejected) = self.status(lead, own);
        self.push_status(status);
        self.row.push(b',');
        if rejected {
            let reason = self.rc.pick(REASONS);
            push_field(&mut self.row, reason);
        }
        self.row.push(b',');
        let r = &mut self.rc;
        let assigned = match lead.handover {
            Some(h) if !r.chance(0.08) => {
                let delay = match r.below(10) {
                    0..=5 => r.log_uniform(10, 10 * MINUTE),
                    6..=8 => r.log_uniform(10 * MINUTE, DAY),
                    _ => r.log_uniform(DAY, 7 * DAY),
                };
                let t = h + delay;
                Some(if t > AS_OF { h + (AS_OF - h) / 2 } else { t })
            }
            None if r.chance(0.4) => {
                Some((lead.created + r.log_uniform(HOUR, 30 * DAY)).min(AS_OF - HOUR))
            }
            _ => None,
        };
        if let Some(t) = assigned {
            push_ts(&mut self.row, t, Ts::Z);
        }
        self.row.push(b',');
        if !status.is_empty() && !r.chance(0.05) {
            let base = assigned
                .or(lead.handover)
                .unwrap_or(lead.created)
                .min(AS_OF);
            let t = base + r.log_uniform(HOUR, 45 * DAY);
            let t = if t > AS_OF {
                base + ((AS_OF - base) as f64 * r.f64()) as i64
            } else {
                t
            };
            push_ts(&mut self.row, t, Ts::Z);
        }
        self.row.push(b',');
        if !r.chance(0.15) {
            push_u64(
                &mut self.row,
                r.log_uniform(200_000, 5_000_000_000) as u64 / 1000 * 1000,
            );
        }
        self.row.push(b'\n');
    }

    fn crm_lead(&mut self, lead: &Lead, i: u64) -> io::Result<Own> {
        let p = if lead.handover.is_some() { 0.9 } else { 0.5 };
        if !self.rc.chance(p) {
            return Ok(Own::Nobody);
        }
        let own = self.owner(lead.handover.is_some());
        let case = if self.rc.chance(0.05) {
            Case::Title
        } else {
            Case::Lower
        };
        self.crm_row(lead.num, case, lead, own);
        self.crm.row(&self.row)?;
        if self.rc.chance(0.01) {
            // A second CRM record of the same person (the first one in file order counts).
            let again = self.owner(lead.handover.is_some());
            let case = other_case(&mut self.rc);
            self.crm_row(lead.num, case, lead, again);
            let at = i + 1 + self.rc.below(5_000);
            self.crm_later.push(at, &self.row);
        }
        Ok(own)
    }

    fn crm_only_row(&mut self, num: u64) -> io::Result<()> {
        let created = self.rc.between(RANGE_START_DAY * DAY, AS_OF - DAY);
        let lead = Lead {
            num,
            handover: None,
            created,
            fit: false,
        };
        let own = self.owner(false);
        self.crm_row(num, Case::Lower, &lead, own);
        self.crm.row(&self.row)
    }

    // --- activities ------------------------------------------------------------------------

    fn touch_delay(&mut self, own: Own) -> i64 {
        let r = &mut self.ra;
        let mut d = match r.below(1000) {
            0..=1 => 0,
            2..=3 => 48 * HOUR,
            4..=149 => r.between(20, 5 * MINUTE + 1),
            150..=349 => r.between(5 * MINUTE + 1, HOUR + 1),
            350..=599 => r.between(HOUR + 1, 24 * HOUR + 1),
            600..=719 => r.between(24 * HOUR + 1, 48 * HOUR),
            _ => r.log_uniform(48 * HOUR + 1, 30 * DAY),
        };
        if d > 0 && d != 48 * HOUR && r.chance((slowness(own) - 0.55) * 0.25) {
            d += r.log_uniform(2 * DAY, 10 * DAY);
        }
        d
    }

    fn activities_of(&mut self, lead: &Lead, own: Own) -> io::Result<()> {
        let Some(h) = lead.handover else {
            if self.ra.chance(0.55) {
                let n = 1 + self.ra.heavy_count(self.cold_mean);
                for _ in 0..n {
                    let kind = self.ra.pick(COLD);
                    let mut t = self.ra.between(lead.created, AS_OF + 10 * DAY);
                    if t > AS_OF && kind != Act::Task {
                        t = self.ra.between(lead.created, AS_OF);
                    }
                    self.activity(lead.num, t, kind, own, None)?;
                }
            }
            return Ok(());
        };
        // About 30% of handoffs get no activity at all after the handover.
        let never = if let Own::Rep(_) = own {
            0.25 * slowness(own)
        } else {
            0.55
        };
        let touched = !self.ra.chance(never);
        if self.ra.chance(if touched { 0.2 } else { 0.3 }) {
            for _ in 0..1 + self.ra.below(3) {
                let kind = self.ra.pick(BEFORE);
                let t = h - self.ra.log_uniform(HOUR, 60 * DAY);
                self.activity(lead.num, t, kind, own, None)?;
            }
        }
        if !touched {
            return Ok(());
        }
        if self.ra.chance(0.03) {
            // Sales called minutes before the MAP recorded the handover (sync lag).
            let t = h - self.ra.between(1, 2 * HOUR);
            let kind = self.ra.pick(FIRST_TOUCH);
            self.activity(lead.num, t, kind, own, None)?;
        }
        let delay = self.touch_delay(own);
        let first = h + delay;
        if first > AS_OF {
            // Not reached by as_of: at most a call scheduled as a task.
            if self.ra.chance(0.5) {
                self.activity(lead.num, first, Act::Task, own, None)?;
            }
            return Ok(());
        }
        let kind = self.ra.pick(FIRST_TOUCH);
        let exact = delay == 0 || delay == 48 * HOUR;
        self.activity(lead.num, first, kind, own, exact.then_some(Ts::Z))?;
        let mut t = first;
        for _ in 0..self.ra.heavy_count(self.post_mean) {
            t += self.ra.log_uniform(10 * MINUTE, 14 * DAY);
            let kind = self.ra.pick(LATER);
            // Logged calls and e-mails are in the past; only tasks are scheduled ahead.
            let at = if t > AS_OF && kind != Act::Task {
                self.ra.between(first, AS_OF + 1)
            } else {
                t
            };
            self.activity(lead.num, at, kind, own, None)?;
        }
        if self.ra.chance(0.06) {
            let t = AS_OF + self.ra.log_uniform(HOUR, 30 * DAY);
            self.activity(lead.num, t, Act::Task, own, None)?;
        }
        Ok(())
    }

    fn activity(
        &mut self,
        num: u64,
        t: i64,
        kind: Act,
        own: Own,
        form: Option<Ts>,
    ) -> io::Result<()> {
        if self.keep < 1.0 && !self.ra.chance(self.keep) {
            return Ok(());
        }
        let r = &mut self.ra;
        let form = form.unwrap_or_else(|| match r.below(100) {
            0..=85 => Ts::Z,
            86..=90 => Ts::Millis(r.below(1000) as u16),
            91..=97 => Ts::Naive,
            _ => Ts::Date,
        });
        let case = other_case(r);
        let owner = match (kind, own) {
            (Act::MarketingEmail, _) if r.chance(0.7) => "Marketing Automation",
            (Act::MarketingEmail, _) => "",
            (_, Own::Rep(k)) if r.chance(0.85) => OWNERS[k],
            _ if r.chance(0.1) => "",
            _ => OWNERS[zipf(r, &self.owner_cdf)],
        };
        self.write_activity(num, case, (t, form), kind, owner)?;
        if self.ra.chance(0.0101) {
            // An activity on a key marketing never saw: a CRM-only contact or an unknown one.
            let r = &mut self.ra;
            let num = if self.crm_only > 0 && r.chance(0.5) {
                self.leads + 1 + r.below(self.crm_only)
            } else {
                2 * self.leads + 1000 + r.below(self.leads / 50 + 10)
            };
            let t = r.between(days_from_civil(2026, 6, 1) * DAY, AS_OF);
            let kind = r.pick(LATER);
            let owner = r.one(OWNERS);
            self.write_activity(num, Case::Lower, (t, Ts::Z), kind, owner)?;
        }
        Ok(())
    }

    fn write_activity(
        &mut self,
        num: u64,
        case: Case,
        (t, form): (i64, Ts),
        kind: Act,
        owner: &str,
    ) -> io::Result<()> {
        let subject = self.ra.one(kind.subjects());
        let outcome = self.ra.one(kind.outcomes());
        let row = &mut self.row;
        row.clear();
        push_key(row, self.seed, num, case);
        row.push(b',');
        push_ts(row, t, form);
        row.push(b',');
        push_field(row, kind.name());
        row.push(b',');
        push_field(row, owner);
        row.push(b',');
        push_field(row, subject);
        row.push(b',');
        push_field(row, outcome);
        row.push(b'\n');
        match self.activities.as_mut() {
            Some(sink) => sink.row(&self.row),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

fn handoff_toml(activities: bool) -> String {
    let mut s = format!(
        "[audit]\n\
         timezone = \"America/New_York\"\n\
         sla_hours = 48\n\
         as_of = \"{AS_OF_TEXT}\"\n\
         [marketing]\n\
         path = \"marketing.csv\"\n\
         key = \"Email\"\n\
         handed_over_at = \"MQL Date\"\n\
         mql = \"Is MQL\"\n\
         created_at = \"Created\"\n\
         [crm]\n\
         path = \"crm.csv\"\n\
         key = \"Email\"\n\
         owner = \"Owner\"\n\
         disposition = \"Status\"\n\
         disposition_reason = \"Reason\"\n\
         assigned_at = \"Assigned\"\n\
         disposition_at = \"Status Changed\"\n"
    );
    if activities {
        s.push_str(
            "[activities]\n\
             path = \"activities.csv\"\n\
             key = \"Email\"\n\
             at = \"Date\"\n\
             type = \"Type\"\n\
             owner = \"Owner\"\n\
             subject = \"Subject\"\n\
             outcome = \"Outcome\"\n\
             touch_types = [\"Call\", \"Email\", \"Meeting\"]\n",
        );
    }
    s.push_str(
        "[sales]\n\
         accepted = [\"Qualified\", \"Converted\", \"Working\"]\n\
         rejected = [\"Unqualified\", \"Disqualified\"]\n\
         unowned = [\"Lead Queue\", \"Unassigned\"]\n\
         [definition]\n\
         path = \"sales-ready.toml\"\n\
         [thresholds]\n\
         min_follow_up_rate = 0.35\n\
         max_breach_rate = 0.20\n\
         min_disposition_coverage = 0.80\n\
         max_mql_not_ready_rate = 0.25\n",
    );
    s
}

fn sales_ready_toml(ready_when: &str) -> String {
    format!(
        "name = \"Sales-ready lead\"\n\
         version = \"2026-Q3\"\n\
         owners = [\"VP Sales\", \"Head of Marketing Ops\"]\n\
         reviewed = 2026-08-01\n\
         review_every_days = 92\n\
         ready_when = {ready_when}\n\
         \n\
         [[criteria]]\n\
         id = \"budget\"\n\
         description = \"Budget confirmed or allocated\"\n\
         field = \"Budget Status\"\n\
         in = [\"Confirmed\", \"Allocated\"]\n\
         \n\
         [[criteria]]\n\
         id = \"size\"\n\
         description = \"200 employees or more\"\n\
         field = \"Employees\"\n\
         gte = 200\n\
         \n\
         [[criteria]]\n\
         id = \"country\"\n\
         description = \"A country we sell to\"\n\
         field = \"Country\"\n\
         not_in = [\"Antarctica\"]\n\
         \n\
         [[criteria]]\n\
         id = \"fresh\"\n\
         description = \"Created at most 120 days before the handover\"\n\
         field = \"Created\"\n\
         within_days = 120\n"
    )
}

/// `ready_when` as TOML: `"all"`, `"any"` or a number of criteria.
fn parse_ready_when(arg: &str) -> Result<String, String> {
    match arg {
        "all" | "any" => Ok(format!("\"{arg}\"")),
        _ => match arg.parse::<u32>() {
            Ok(n @ 1..=4) => Ok(n.to_string()),
            _ => Err("use `all`, `any` or a number of criteria from 1 to 4".to_string()),
        },
    }
}

fn parse_per_lead(arg: &str) -> Result<f64, String> {
    match arg.parse::<f64>() {
        Ok(x) if (0.0..=1000.0).contains(&x) => Ok(x),
        _ => Err("use a number from 0 to 1000".to_string()),
    }
}

/// Mean extra activities after a first touch, mean extra activities of a lead never handed
/// over, and the share of activity rows kept, chosen so that the file averages about `per_lead`
/// rows per marketing lead. The model's fixed rows (first touches, touches before the handover,
/// future tasks, stray keys) come to 1.04 a lead, and each unit of the variable mean adds 0.551
/// (both measured on 100k leads); below 1.04 the rows are thinned at random.
fn activity_means(per_lead: f64) -> (f64, f64, f64) {
    const FIXED: f64 = 1.04;
    const SLOPE: f64 = 0.551;
    let variable = ((per_lead - FIXED) / SLOPE).max(0.0);
    (variable, 0.35 * variable, (per_lead / FIXED).min(1.0))
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> io::Result<()> {
    let started = Instant::now();
    fs::create_dir_all(&args.out)?;
    let dir: &Path = &args.out;
    let with_activities = !args.no_activities;
    fs::write(dir.join("handoff.toml"), handoff_toml(with_activities))?;
    fs::write(
        dir.join("sales-ready.toml"),
        sales_ready_toml(&args.ready_when),
    )?;

    let marketing = Sink::create(
        dir.join("marketing.csv"),
        "Email,MQL Date,Is MQL,Created,Lead Source,Budget Status,Employees,Country,Job Title",
    )?;
    let crm = Sink::create(
        dir.join("crm.csv"),
        "Email,Owner,Status,Reason,Assigned,Status Changed,Annual Revenue",
    )?;
    let activities = if with_activities {
        Some(Sink::create(
            dir.join("activities.csv"),
            "Email,Date,Type,Owner,Subject,Outcome",
        )?)
    } else {
        let stale = dir.join("activities.csv");
        if stale.exists() {
            fs::remove_file(stale)?;
        }
        None
    };
    let mut owner_cdf = Vec::with_capacity(OWNERS.len());
    let mut acc = 0u64;
    for rank in 1..=OWNERS.len() {
        // Zipf weight rank^-0.9, in millionths.
        acc += (1e6 * exp(-0.9 * ln(rank as f64))) as u64;
        owner_cdf.push(acc);
    }
    let (post_mean, cold_mean, keep) = activity_means(args.activities_per_lead);
    let mut g = Generator {
        seed: args.seed,
        leads: args.leads,
        repeated_hour_every: (args.leads / 5).clamp(50, 20_000),
        post_mean,
        cold_mean,
        keep,
        owner_cdf,
        crm_only: 0,
        rm: R::new(args.seed, 1),
        rc: R::new(args.seed, 2),
        ra: R::new(args.seed, 3),
        row: Vec::with_capacity(512),
        marketing,
        crm,
        activities,
        marketing_later: Deferred::default(),
        crm_later: Deferred::default(),
    };
    g.run()?;
    let mut total = 0;
    let sinks = [Some(g.marketing), Some(g.crm), g.activities];
    for sink in sinks.into_iter().flatten() {
        let (path, rows, bytes) = sink.finish()?;
        total += bytes;
        eprintln!("{:>12} rows {:>14} bytes  {}", rows, bytes, path.display());
    }
    eprintln!(
        "{total} bytes of CSV for {} leads in {:.2?} (seed {})",
        args.leads,
        started.elapsed(),
        args.seed
    );
    Ok(())
}
