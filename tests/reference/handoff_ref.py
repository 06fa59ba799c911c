#!/usr/bin/env python3
"""Independent reference implementation of the `handoff audit` JSON figures.

Written from shared/SPEC.md (sections "Inputs", "Definitions", "Precise rules" and
"JSON report") plus the project's recorded decisions, NOT from the Rust sources. The test
suite runs it on generated data and cross-checks the binary's `--format json` output with
tests/reference/compare.py.

Scope: the "generic" layout (every column named in the config) and sla_clock = "calendar".
Standard library only (Python 3.11+).

Usage:
    python3 tests/reference/handoff_ref.py --config PATH/handoff.toml [--as-of T]

Prints the JSON report on stdout. Exit 2 with a message on stderr on bad config or input.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import functools
import io
import json
import math
import os
import re
import sys
import tomllib
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class ConfigError(Exception):
    """Bad usage, config or input: the CLI prints the message and exits 2."""


def fail(msg: str) -> None:
    raise ConfigError(msg)


# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

# Unicode White_Space (not Python's str.isspace, which adds U+001C..U+001F) plus the
# zero-width characters the SPEC names.
_TRIM_CHARS = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
    + "\u200b\u200c\u200d\u2060\ufeff"
)

DEFAULT_EMPTY = ["", "null", "none", "n/a", "#n/a", "[not provided]", "select", "000000000000000AAA"]
MQL_TRUE = {"true", "1", "yes", "y", "x", "mql"}

EXCEL_KEY_RE = re.compile(r"[0-9](\.[0-9]+)?[eE]\+[0-9]+")
SFID_RE = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")
NUMBER_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

US_PER_SEC = 1_000_000
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 86_400_000_000
_US = timedelta(microseconds=1)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)

SOURCES = ("marketing", "crm", "activities")
OPERATORS = ("eq", "ne", "in", "not_in", "contains", "gte", "gt", "lte", "lt",
             "between", "present", "within_days")

BUCKETS = ("<=5m", "<=1h", "<=24h", "<=SLA", ">SLA", "never")


def trim(s: str) -> str:
    return s.strip(_TRIM_CHARS)


def round_half_away(x: float) -> int:
    """Round like Rust's f64::round (half away from zero), not Python's banker's round."""
    r = math.floor(abs(x) + 0.5)
    return int(r) if x >= 0 else -int(r)


def utf8_key(s: str) -> bytes:
    """Sort key for 'UTF-8 byte order' (rule 15)."""
    return s.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------

_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?",
    re.ASCII,
)
_SLASH_RE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?",
    re.ASCII,
)
_DOT_RE = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?",
    re.ASCII,
)
_MON_RE = re.compile(
    r"(\d{1,2})\s+([A-Za-z]+),\s*(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?",
    re.ASCII,
)
_MONTHS = {}
for _i, _n in enumerate(["january", "february", "march", "april", "may", "june", "july",
                         "august", "september", "october", "november", "december"], 1):
    _MONTHS[_n] = _i
    _MONTHS[_n[:3]] = _i


def naive_micros(dt: datetime) -> int:
    return (dt - _EPOCH_NAIVE) // _US


def local_to_micros(y, mo, d, h, mi, s, us, tz) -> int:
    """Naive local wall time -> UTC microseconds since epoch.

    fold=0 gives exactly SPEC rule 9: in a spring-forward gap the offset in force before the
    change, in the repeated hour the earlier instant. Raises ValueError on invalid fields.
    """
    naive = datetime(y, mo, d, h, mi, s, us)
    off = naive.replace(tzinfo=tz).utcoffset()
    return naive_micros(naive) - off // _US


def micros_to_local_date(us: int, tz) -> date:
    return (_EPOCH_UTC + timedelta(microseconds=us)).astimezone(tz).date()


def format_ts(us: int) -> str:
    """RFC 3339 UTC with 'Z'; fraction only when non-zero (3 or 6 digits)."""
    dt = _EPOCH_UTC + timedelta(microseconds=us)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    frac = us % US_PER_SEC
    if frac:
        s += f".{frac // 1000:03d}" if frac % 1000 == 0 else f".{frac:06d}"
    return s + "Z"


def slash_parts(v: str):
    """(first, second) numbers of a slash-form value, or None if v is not one."""
    m = _SLASH_RE.fullmatch(v)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2))


@functools.lru_cache(maxsize=1 << 18)
def parse_ts(v: str, order: str | None, tz) -> tuple | None:
    """Parse a trimmed non-empty value.

    Returns (utc_micros, date_only, local_date) or None when unparsable. `order` is the
    column's day/month order for slash forms ("mdy" / "dmy"); None means slash forms are not
    accepted (the caller settles the order for every column that has them).
    """
    try:
        m = _ISO_RE.fullmatch(v)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if m.group(4) is None:
                dl = date(y, mo, d)
                return local_to_micros(y, mo, d, 0, 0, 0, 0, tz), True, dl
            h, mi = int(m.group(4)), int(m.group(5))
            s = int(m.group(6)) if m.group(6) else 0
            frac = m.group(7)
            us = int((frac + "000000")[:6]) if frac else 0  # truncate beyond microseconds
            if m.group(8):  # Z
                off_min = 0
            elif m.group(9):
                oh = int(m.group(10))
                om = int(m.group(11)) if m.group(11) else 0
                if oh > 23 or om > 59:
                    return None
                off_min = (oh * 60 + om) * (1 if m.group(9) == "+" else -1)
            else:
                off_min = None
            naive = datetime(y, mo, d, h, mi, s, us)
            if off_min is None:
                return local_to_micros(y, mo, d, h, mi, s, us, tz), False, naive.date()
            utc_us = naive_micros(naive) - off_min * 60 * US_PER_SEC
            return utc_us, False, micros_to_local_date(utc_us, tz)

        m = _SLASH_RE.fullmatch(v)
        if m:
            if order is None:
                return None
            a, b = int(m.group(1)), int(m.group(2))
            ytxt = m.group(3)
            y = 2000 + int(ytxt) if len(ytxt) == 2 else int(ytxt)
            mo, d = (a, b) if order == "mdy" else (b, a)
            return _with_time(y, mo, d, m.group(4), m.group(5), m.group(6), m.group(7), tz)

        m = _DOT_RE.fullmatch(v)
        if m:  # always day-first
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            return _with_time(y, mo, d, m.group(4), m.group(5), m.group(6), None, tz)

        m = _MON_RE.fullmatch(v)
        if m:
            mo = _MONTHS.get(m.group(2).lower())
            if mo is None:
                return None
            d, y = int(m.group(1)), int(m.group(3))
            return _with_time(y, mo, d, m.group(4), m.group(5), m.group(6), None, tz)
    except (ValueError, OverflowError):
        return None
    return None


def _with_time(y, mo, d, hh, mm, ss, ampm, tz):
    """Local date plus optional time (and optional AM/PM) -> parse_ts result."""
    if hh is None:
        dl = date(y, mo, d)
        return local_to_micros(y, mo, d, 0, 0, 0, 0, tz), True, dl
    h, mi = int(hh), int(mm)
    s = int(ss) if ss else 0
    if ampm:
        if not 1 <= h <= 12:
            return None
        pm = ampm.lower() == "pm"
        h = (0 if h == 12 else h) + (12 if pm else 0)
    dl = date(y, mo, d)
    return local_to_micros(y, mo, d, h, mi, s, 0, tz), False, dl


def parse_as_of_text(text: str, tz) -> int:
    """--as-of / audit.as_of string: ISO forms; date-only means 23:59:59 local."""
    v = trim(text)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", v, re.ASCII)
    try:
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return local_to_micros(y, mo, d, 23, 59, 59, 0, tz)
    except ValueError:
        pass
    r = parse_ts(v, None, tz) if _ISO_RE.fullmatch(v) else None
    if r is None:
        fail(f"as_of: cannot read '{text}' as a date or an RFC 3339 timestamp "
             "(e.g. 2026-11-30 or 2026-11-30T23:59:59Z)")
    return r[0]


def as_of_from_toml(value, tz) -> int:
    if isinstance(value, str):
        return parse_as_of_text(value, tz)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return (value - _EPOCH_UTC) // _US
        return local_to_micros(value.year, value.month, value.day, value.hour, value.minute,
                               value.second, value.microsecond, tz)
    if isinstance(value, date):
        return local_to_micros(value.year, value.month, value.day, 23, 59, 59, 0, tz)
    fail(f"audit.as_of: expected a date, a datetime or a string, found {value!r}")


# --------------------------------------------------------------------------------------
# File reading
# --------------------------------------------------------------------------------------


def _c1_fallback(err):
    # Bytes undefined in cp1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the same code point,
    # as in the WHATWG windows-1252 decoder.
    b = err.object[err.start]
    return chr(b), err.start + 1


codecs.register_error("handoff_c1", _c1_fallback)

_UTF8_NAMES = {"utf-8", "utf8"}
_CP1252_NAMES = {"windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1", "iso8859-1"}


def decode_bytes(data: bytes, encoding: str | None, label: str, warnings: list) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace")
    enc = encoding.lower() if encoding else None
    if enc in _UTF8_NAMES:
        return data.decode("utf-8", errors="replace")
    if enc in _CP1252_NAMES:
        warnings.append(f"{label}: read as Windows-1252 (encoding set in the config)")
        return data.decode("cp1252", errors="handoff_c1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"{label}: not valid UTF-8, read as Windows-1252 "
                        "(set encoding = \"windows-1252\" to silence this)")
        return data.decode("cp1252", errors="handoff_c1")


def detect_delimiter(text: str) -> str:
    """The one of , ; TAB | occurring most often outside quotes in the header line
    (the first non-blank line); comma on ties or when none occurs."""
    counts = {",": 0, ";": 0, "\t": 0, "|": 0}
    in_q = False
    seen_content = False
    for ch in text:
        if ch == '"':
            in_q = not in_q
            seen_content = True
        elif not in_q and ch in "\r\n":
            if seen_content:
                break
        elif not in_q and ch in counts:
            counts[ch] += 1
            seen_content = True
        elif not ch.isspace():
            seen_content = True
    best = max(counts.values())
    if best == 0:
        return ","
    winners = [d for d, c in counts.items() if c == best]
    return winners[0] if len(winners) == 1 else ","


class Reading:
    """Per-source reading options."""

    def __init__(self, sec: dict, name: str):
        self.delimiter = sec.get("delimiter")
        if self.delimiter is not None:
            if self.delimiter in ("tab", "TAB", "\\t"):
                self.delimiter = "\t"
            if self.delimiter not in (",", ";", "\t", "|"):
                fail(f"[{name}] delimiter: expected one of \",\", \";\", \"\\t\", \"|\", "
                     f"found {self.delimiter!r}")
        self.encoding = sec.get("encoding")
        if self.encoding is not None and (not isinstance(self.encoding, str) or
                                          self.encoding.lower() not in _UTF8_NAMES | _CP1252_NAMES):
            fail(f"[{name}] encoding: expected \"utf-8\" or \"windows-1252\", found {self.encoding!r}")
        self.date_order = sec.get("date_order")
        if self.date_order is not None:
            if not isinstance(self.date_order, str) or self.date_order.lower() not in ("mdy", "dmy"):
                fail(f"[{name}] date_order: expected \"mdy\" or \"dmy\", found {self.date_order!r}")
            self.date_order = self.date_order.lower()
        empty = sec.get("empty")
        if empty is None:
            empty = DEFAULT_EMPTY
        elif not isinstance(empty, list) or not all(isinstance(e, str) for e in empty):
            fail(f"[{name}] empty: expected a list of strings")
        self.empty = {trim(e).lower() for e in empty} | {""}
        self.thousands = sec.get("thousands")
        self.decimal = sec.get("decimal")
        for k in ("thousands", "decimal"):
            val = getattr(self, k)
            if val is not None and (not isinstance(val, str) or val == ""):
                fail(f"[{name}] {k}: expected a non-empty string")


class Source:
    """One CSV input: header, data records (non-ragged), skipped rows, footer."""

    def __init__(self, name: str, sec: dict, cfg_dir: str, warnings: list):
        self.name = name
        if "path" not in sec or not isinstance(sec["path"], str):
            fail(f"[{name}] path: required (a CSV file, relative to the config)")
        self.cfg_path = sec["path"]
        self.path = os.path.join(cfg_dir, sec["path"])
        self.reading = Reading(sec, name)
        self.warnings = warnings
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            fail(f"[{name}] path: cannot read {self.path}: {e.strerror}")
        text = decode_bytes(data, self.reading.encoding, self.path, warnings)
        delim = self.reading.delimiter or detect_delimiter(text)

        csv.field_size_limit(1 << 30)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                            doublequote=True, strict=False)
        records = []  # (start_line, n_physical_lines, fields, blank)
        prev = 0
        try:
            for rec in reader:
                start, n = prev + 1, reader.line_num - prev
                prev = reader.line_num
                blank = len(rec) == 0 or (len(rec) == 1 and trim(rec[0]) == "")
                records.append((start, n, rec, blank))
        except csv.Error as e:
            fail(f"{self.path}: line {prev + 1}: CSV error: {e}")

        # Header: the first non-blank record.
        hi = next((i for i, r in enumerate(records) if not r[3]), None)
        if hi is None:
            fail(f"{self.path}: the file has no header row")
        self.header_raw = records[hi][2]
        self.headers = [trim(h) for h in self.header_raw]
        self.hnorm = [h.lower() for h in self.headers]
        ncols = len(self.headers)
        body = records[hi + 1:]

        # Footer: after the last blank line that is followed by a non-blank record, if every
        # non-blank record there has a field count different from the header's.
        self.footer_lines = 0
        last_blank = None
        seen_nonblank_after = False
        for i in range(len(body) - 1, -1, -1):
            if body[i][3]:
                if seen_nonblank_after:
                    last_blank = i
                    break
            else:
                seen_nonblank_after = True
        if last_blank is not None:
            tail = [r for r in body[last_blank + 1:] if not r[3]]
            if tail and all(len(r[2]) != ncols for r in tail):
                self.footer_lines = sum(r[1] for r in tail)
                body = body[:last_blank + 1]

        self.records = []  # (line, fields) of data rows with the header's field count
        self.skipped = []  # (line, reason)
        for start, _n, fields, blank in body:
            if blank:
                continue
            if len(fields) != ncols:
                self.skipped.append((start, f"ragged row: {len(fields)} fields, "
                                            f"the header has {ncols}"))
            else:
                self.records.append((start, fields))
        self.rows = 0  # loaded rows, set by the loaders
        self._orders = {}

    # -- values -----------------------------------------------------------------------

    def clean(self, raw: str) -> str:
        """Trimmed value, or "" when it is one of the empty spellings."""
        v = trim(raw)
        return "" if v.lower() in self.reading.empty else v

    def find(self, spec: str) -> list:
        """Indices of columns matching a header spelling (not '#N')."""
        s = trim(spec).lower()
        return [i for i, h in enumerate(self.hnorm) if h == s]

    def resolve(self, spec, what: str) -> int:
        if not isinstance(spec, str):
            fail(f"[{self.name}] {what}: expected a header name or \"#N\", found {spec!r}")
        s = trim(spec)
        m = re.fullmatch(r"#(\d+)", s)
        if m:
            n = int(m.group(1))
            if not 1 <= n <= len(self.headers):
                fail(f"[{self.name}] {what} = \"{spec}\": {self.path} has {len(self.headers)} columns")
            return n - 1
        idx = self.find(s)
        if not idx:
            fail(f"[{self.name}] {what} = \"{spec}\": no such header in {self.path} "
                 f"(headers: {', '.join(self.headers)})")
        if len(idx) > 1:
            fail(f"[{self.name}] {what} = \"{spec}\": the header appears {len(idx)} times in "
                 f"{self.path} (columns {', '.join(str(i + 1) for i in idx)}); name the column "
                 f"by position, e.g. \"#{idx[0] + 1}\"")
        return idx[0]

    def opt_col(self, sec: dict, what: str):
        return self.resolve(sec[what], what) if sec.get(what) is not None else None

    # -- dates ------------------------------------------------------------------------

    def order_for(self, col: int) -> str | None:
        """Day/month order of a timestamp column (from the source setting or its data)."""
        if col in self._orders:
            return self._orders[col]
        order = self.reading.date_order
        if order is None:
            first_gt = second_gt = any_slash = False
            for _line, fields in self.records:
                p = slash_parts(self.clean(fields[col]))
                if p is None:
                    continue
                any_slash = True
                first_gt |= p[0] > 12
                second_gt |= p[1] > 12
            hdr = self.headers[col]
            if first_gt and second_gt:
                fail(f"{self.path}: column '{hdr}' has both day-first and month-first dates "
                     f"(values with a first part above 12 and others with a second part above "
                     f"12); fix the data or set date_order in [{self.name}]")
            if first_gt:
                order = "dmy"
            elif second_gt:
                order = "mdy"
            elif any_slash:
                fail(f"{self.path}: column '{hdr}': cannot tell month/day order of its "
                     f"slash dates from the data; set date_order = \"mdy\" or \"dmy\" in "
                     f"[{self.name}]")
        self._orders[col] = order
        return order

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append((line, reason))


class OptTs:
    """Reads an optional timestamp column; unparsable values become empty + a warning."""

    def __init__(self, src: Source, col, what: str, tz):
        self.src, self.col, self.what, self.tz = src, col, what, tz
        self.order = src.order_for(col) if col is not None else None
        self.bad = 0
        self.example = None

    def get(self, fields):
        if self.col is None:
            return None
        v = self.src.clean(fields[self.col])
        if not v:
            return None
        r = parse_ts(v, self.order, self.tz)
        if r is None:
            self.bad += 1
            if self.example is None:
                self.example = v
        return r

    def warn(self, warnings):
        if self.bad:
            warnings.append(f"{self.src.path}: {self.bad} unparsable {self.what} value(s) read "
                            f"as empty (e.g. '{self.example}')")


# --------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------


def make_key_normalizer(salesforce_ids: bool):
    def norm(v: str):
        """v is already cleaned. Returns (key, skip_reason)."""
        if v == "":
            return None, "empty key"
        if EXCEL_KEY_RE.fullmatch(v):
            return None, f"key '{v}' looks like a number Excel converted (scientific notation)"
        if "@" in v:
            return v.lower(), None
        if salesforce_ids and SFID_RE.fullmatch(v):
            return v[:15], None
        return v, None
    return norm


# --------------------------------------------------------------------------------------
# Definition
# --------------------------------------------------------------------------------------


def toml_text(v) -> str:
    """A TOML scalar as the text string operators compare."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    fail(f"definition: expected a string or number operand, found {v!r}")


def toml_number(v, where: str) -> float:
    if isinstance(v, bool):
        fail(f"{where}: expected a number, found {v!r}")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and NUMBER_RE.fullmatch(trim(v)):
        return float(trim(v))
    fail(f"{where}: expected a number, found {v!r}")


class Criterion:
    def __init__(self, c: dict, i: int):
        where = f"definition criteria[{i}]"
        if not isinstance(c, dict):
            fail(f"{where}: expected a table")
        self.id = c.get("id")
        if not isinstance(self.id, str) or not self.id:
            fail(f"{where}: id is required (a string)")
        where = f"definition criterion '{self.id}'"
        self.field = c.get("field")
        if not isinstance(self.field, str) or not trim(self.field):
            fail(f"{where}: field is required (a header of marketing or crm)")
        ops = [k for k in c if k in OPERATORS]
        if len(ops) != 1:
            fail(f"{where}: needs exactly one operator among {', '.join(OPERATORS)}; "
                 f"found {', '.join(ops) or 'none'}")
        self.op = op = ops[0]
        val = c[op]
        if op in ("eq", "ne", "contains"):
            self.text = trim(toml_text(val)).lower()
        elif op in ("in", "not_in"):
            if not isinstance(val, list):
                fail(f"{where}: {op} expects a list")
            self.texts = {trim(toml_text(x)).lower() for x in val}
        elif op in ("gte", "gt", "lte", "lt"):
            self.num = toml_number(val, f"{where}: {op}")
        elif op == "between":
            if not isinstance(val, list) or len(val) != 2:
                fail(f"{where}: between expects [low, high]")
            self.lo = toml_number(val[0], f"{where}: between")
            self.hi = toml_number(val[1], f"{where}: between")
        elif op == "present":
            if not isinstance(val, bool):
                fail(f"{where}: present expects true or false")
            self.present = val
        elif op == "within_days":
            n = toml_number(val, f"{where}: within_days")
            if n < 0:
                fail(f"{where}: within_days must not be negative")
            self.window_us = round_half_away(n * US_PER_DAY)
        # resolved later against the headers
        self.source = None  # "marketing" | "crm"
        self.col = None
        self.order = None


class Definition:
    def __init__(self, sec: dict, cfg_dir: str):
        if "path" in sec:
            p = os.path.join(cfg_dir, str(sec["path"]))
            try:
                with open(p, "rb") as fh:
                    d = tomllib.load(fh)
            except OSError as e:
                fail(f"[definition] path: cannot read {p}: {e.strerror}")
            except tomllib.TOMLDecodeError as e:
                fail(f"{p}: {e}")
        else:
            d = sec
        self.name = d.get("name", "")
        self.version = d.get("version", "")
        if not isinstance(self.name, str):
            self.name = toml_text(self.name)
        if not isinstance(self.version, str):
            self.version = toml_text(self.version)
        rv = d.get("reviewed")
        if isinstance(rv, datetime):
            rv = rv.date()
        elif isinstance(rv, str):
            try:
                rv = date.fromisoformat(trim(rv))
            except ValueError:
                fail(f"definition reviewed: expected a date like 2026-10-01, found {rv!r}")
        elif rv is not None and not isinstance(rv, date):
            fail(f"definition reviewed: expected a date, found {rv!r}")
        self.reviewed = rv
        every = d.get("review_every_days", 92)
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            fail(f"definition review_every_days: expected a non-negative integer, found {every!r}")
        self.review_every_days = every
        crits = d.get("criteria", [])
        if not isinstance(crits, list):
            fail("definition criteria: expected an array of tables ([[criteria]])")
        self.criteria = [Criterion(c, i) for i, c in enumerate(crits)]
        ids = [c.id for c in self.criteria]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            fail(f"definition: duplicate criterion id(s): {', '.join(sorted(dup))}")
        rw = d.get("ready_when", "all")
        if isinstance(rw, bool):
            fail(f"definition ready_when: expected \"all\", \"any\" or an integer, found {rw!r}")
        if isinstance(rw, str) and rw.lower() in ("all", "any"):
            self.ready_when = rw.lower()
        elif isinstance(rw, int) or (isinstance(rw, str) and re.fullmatch(r"\d+", trim(rw))):
            n = int(rw)
            if n < 0 or n > len(self.criteria):
                fail(f"definition ready_when = {n}: must be between 0 and the number of "
                     f"criteria ({len(self.criteria)})")
            self.ready_when = n
        else:
            fail(f"definition ready_when: expected \"all\", \"any\" or an integer, found {rw!r}")

    def resolve_fields(self, mkt: Source, crm: Source) -> None:
        for c in self.criteria:
            f = trim(c.field)
            low = f.lower()
            what = f"criterion '{c.id}' field"
            if low.startswith("crm:"):
                src, name = crm, f[4:]
            elif low.startswith("marketing:"):
                src, name = mkt, f[10:]
            else:
                if re.fullmatch(r"#\d+", f):
                    fail(f"{what} = \"{c.field}\": a column position needs a source prefix, "
                         f"e.g. \"marketing:{f}\" or \"crm:{f}\"")
                in_m, in_c = mkt.find(f), crm.find(f)
                if in_m and in_c:
                    fail(f"{what} = \"{c.field}\": both marketing and crm have this header; "
                         f"write \"marketing:{f}\" or \"crm:{f}\"")
                if not in_m and not in_c:
                    fail(f"{what} = \"{c.field}\": no such header in {mkt.path} or {crm.path}")
                src, name = (mkt, f) if in_m else (crm, f)
            c.source = src.name
            c.col = src.resolve(trim(name), what)
            if c.op == "within_days":
                c.order = src.order_for(c.col)


def parse_number(v: str, reading: Reading):
    s = v
    if reading.thousands:
        s = s.replace(reading.thousands, "")
    if reading.decimal:
        s = s.replace(reading.decimal, ".")
    return float(s) if NUMBER_RE.fullmatch(s) else None


# --------------------------------------------------------------------------------------
# Statistics helpers
# --------------------------------------------------------------------------------------


def quantile(sorted_vals: list, p: float):
    """Linear interpolation at h = (n-1)p (numpy's default)."""
    n = len(sorted_vals)
    if n == 0:
        return None
    h = (n - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    return sorted_vals[lo] + (h - lo) * (sorted_vals[hi] - sorted_vals[lo])


def rate(num: int, den: int) -> float:
    return num / den if den else 0.0


def group_spellings(values: list, config_spelling: dict) -> list:
    """Rule 5: group case-insensitively; show the config's spelling, else the most frequent
    spelling (ties: the smallest string); sort by count desc, then value."""
    groups: dict = {}
    for v in values:
        groups.setdefault(v.lower(), Counter())[v] += 1
    out = []
    for low, spellings in groups.items():
        count = sum(spellings.values())
        if low in config_spelling:
            shown = config_spelling[low]
        else:
            shown = min(spellings.items(), key=lambda kv: (-kv[1], utf8_key(kv[0])))[0]
        out.append({"value": shown, "count": count})
    out.sort(key=lambda e: (-e["count"], utf8_key(e["value"])))
    return out


# --------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------


class MRow:
    __slots__ = ("line", "fields", "key", "hand", "handoff")

    def __init__(self, line, fields, key, hand, handoff):
        self.line, self.fields, self.key, self.hand, self.handoff = line, fields, key, hand, handoff


def str_list(sec: dict, k: str, where: str) -> list:
    v = sec.get(k, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        fail(f"[{where}] {k}: expected a list of strings")
    return v


def audit(config_path: str, as_of_flag: str | None) -> dict:
    try:
        with open(config_path, "rb") as fh:
            cfg = tomllib.load(fh)
    except OSError as e:
        fail(f"{config_path}: cannot read the config: {e.strerror}")
    except tomllib.TOMLDecodeError as e:
        fail(f"{config_path}: {e}")
    cfg_dir = os.path.dirname(os.path.abspath(config_path))
    warnings: list = []

    # ---- [audit] ----
    a = cfg.get("audit", {})
    tzname = a.get("timezone", "UTC")
    try:
        tz = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        fail(f"[audit] timezone: unknown IANA time zone {tzname!r}")
    sla_hours = a.get("sla_hours", 48)
    if isinstance(sla_hours, bool) or not isinstance(sla_hours, (int, float)) or not sla_hours > 0 \
            or math.isinf(sla_hours):
        fail(f"[audit] sla_hours: expected a positive number, found {sla_hours!r}")
    sla_us = round_half_away(sla_hours * 3.6e9)
    clock = a.get("sla_clock", "calendar")
    if clock != "calendar":
        fail(f"[audit] sla_clock = {clock!r}: the reference implementation supports only \"calendar\"")
    sf_ids = a.get("salesforce_ids", False)
    if not isinstance(sf_ids, bool):
        fail("[audit] salesforce_ids: expected true or false")
    norm_key = make_key_normalizer(sf_ids)

    for name in SOURCES:
        sec = cfg.get(name)
        if sec is not None:
            if not isinstance(sec, dict):
                fail(f"[{name}]: expected a table")
            preset = sec.get("preset")
            if preset is not None and preset != "generic":
                fail(f"[{name}] preset = {preset!r}: the reference implementation supports "
                     "only the generic layout (name every column)")
    if "marketing" not in cfg:
        fail("[marketing] section is required")
    if "crm" not in cfg:
        fail("[crm] section is required")
    msec, csec, asec = cfg["marketing"], cfg["crm"], cfg.get("activities")

    sales = cfg.get("sales", {})
    accepted = str_list(sales, "accepted", "sales")
    rejected = str_list(sales, "rejected", "sales")
    unowned_names = {trim(x).lower() for x in str_list(sales, "unowned", "sales")}
    accepted_low = {trim(x).lower() for x in accepted}
    rejected_low = {trim(x).lower() for x in rejected}
    config_spelling: dict = {}
    for x in accepted + rejected:
        config_spelling.setdefault(trim(x).lower(), trim(x))

    definition = Definition(cfg["definition"], cfg_dir) if "definition" in cfg else None

    # ---- marketing ----
    mkt = Source("marketing", msec, cfg_dir, warnings)
    for req in ("key", "handed_over_at"):
        if msec.get(req) is None:
            fail(f"[marketing] {req}: required")
    m_key = mkt.resolve(msec["key"], "key")
    m_hand = mkt.resolve(msec["handed_over_at"], "handed_over_at")
    m_mql = mkt.opt_col(msec, "mql")
    m_created = OptTs(mkt, mkt.opt_col(msec, "created_at"), "created_at", tz)
    hand_order = mkt.order_for(m_hand)

    all_ts: list = []  # every loaded timestamp (for the derived as_of)
    mrows: list = []
    excel = Counter()
    for line, fields in mkt.records:
        key, why = norm_key(mkt.clean(fields[m_key]))
        if key is None:
            mkt.skip(line, why)
            excel[mkt.path] += why.startswith("key '")
            continue
        hv = mkt.clean(fields[m_hand])
        hand = None
        if hv:
            hand = parse_ts(hv, hand_order, tz)
            if hand is None:
                mkt.skip(line, f"unparsable handed_over_at '{hv}'")
                continue
        handoff = hand is not None
        if handoff and m_mql is not None:
            handoff = mkt.clean(fields[m_mql]).lower() in MQL_TRUE
        created = m_created.get(fields)
        for t in (hand, created):
            if t is not None:
                all_ts.append(t[0])
        mrows.append(MRow(line, fields, key, hand, handoff))
    mkt.rows = len(mrows)
    m_created.warn(warnings)

    # ---- crm ----
    crm = Source("crm", csec, cfg_dir, warnings)
    if csec.get("key") is None:
        fail("[crm] key: required")
    c_key = crm.resolve(csec["key"], "key")
    c_owner = crm.opt_col(csec, "owner")
    c_disp = crm.opt_col(csec, "disposition")
    c_reason = crm.opt_col(csec, "disposition_reason")
    c_opt = {w: OptTs(crm, crm.opt_col(csec, w), w, tz)
             for w in ("assigned_at", "disposition_at", "first_touch_at")}
    crm_first: dict = {}  # key -> (fields, first_touch)
    crm_rows = 0
    for line, fields in crm.records:
        key, why = norm_key(crm.clean(fields[c_key]))
        if key is None:
            crm.skip(line, why)
            excel[crm.path] += why.startswith("key '")
            continue
        crm_rows += 1
        ts = {w: o.get(fields) for w, o in c_opt.items()}
        for t in ts.values():
            if t is not None:
                all_ts.append(t[0])
        if key not in crm_first:
            crm_first[key] = (fields, ts["first_touch_at"])
    crm.rows = crm_rows
    for o in c_opt.values():
        o.warn(warnings)

    # ---- activities ----
    acts = None
    act_src = None
    act_keys: set = set()
    if asec is not None:
        act_src = Source("activities", asec, cfg_dir, warnings)
        for req in ("key", "at"):
            if asec.get(req) is None:
                fail(f"[activities] {req}: required")
        a_key = act_src.resolve(asec["key"], "key")
        a_at = act_src.resolve(asec["at"], "at")
        a_type = act_src.opt_col(asec, "type")
        for w in ("owner", "subject", "outcome"):
            act_src.opt_col(asec, w)  # validated, unused by the figures
        touch_types = asec.get("touch_types")
        if touch_types is not None:
            touch_types = {trim(t).lower() for t in str_list(asec, "touch_types", "activities")}
            if a_type is None:
                fail("[activities] touch_types needs the type column ([activities] type = \"...\")")
        at_order = act_src.order_for(a_at)
        acts = {}  # key -> list of (ts, is_touch_type)
        n = 0
        for line, fields in act_src.records:
            key, why = norm_key(act_src.clean(fields[a_key]))
            if key is None:
                act_src.skip(line, why)
                excel[act_src.path] += why.startswith("key '")
                continue
            av = act_src.clean(fields[a_at])
            if not av:
                act_src.skip(line, "empty at")
                continue
            t = parse_ts(av, at_order, tz)
            if t is None:
                act_src.skip(line, f"unparsable at '{av}'")
                continue
            n += 1
            ok = True if touch_types is None else act_src.clean(fields[a_type]).lower() in touch_types
            acts.setdefault(key, []).append((t, ok))
            all_ts.append(t[0])
        act_src.rows = n
        act_keys = set(acts)
    for path, cnt in excel.items():
        if cnt:
            warnings.append(f"{path}: {cnt} row(s) skipped because the key looks like a number "
                            "Excel converted (e.g. 1.10416E+11); re-export without Excel")

    if definition is not None:
        definition.resolve_fields(mkt, crm)

    # ---- as_of ----
    if as_of_flag is not None:
        as_of, as_of_source = parse_as_of_text(as_of_flag, tz), "flag"
    elif a.get("as_of") is not None:
        as_of, as_of_source = as_of_from_toml(a["as_of"], tz), "config"
    else:
        now_us = (datetime.now(timezone.utc) - _EPOCH_UTC) // _US
        past = [t for t in all_ts if t <= now_us]
        if past:
            as_of = max(past)
        else:
            as_of = now_us - now_us % US_PER_SEC
            warnings.append("no timestamp in the data: as_of is the current time")
        as_of_source = "data"

    # ---- per marketing key ----
    mkeys: dict = {}
    for r in mrows:
        mkeys.setdefault(r.key, []).append(r)

    fu = Counter()
    hours: list = []
    buckets = Counter()
    owners: dict = {}
    unowned_cnt = unowned_breaches = 0
    disp_values: list = []
    reason_values: list = []
    months: dict = {}
    mism = Counter()
    failing = Counter()
    crosstab = Counter()
    unparsable = Counter()
    unparsable_example: dict = {}
    evaluated = ready_cnt = 0
    marketing_without_crm = 0
    touches_before = 0
    crits = definition.criteria if definition else []

    for key, rows in mkeys.items():
        hrows = [r for r in rows if r.handoff]
        ev = min(hrows, key=lambda r: r.hand[0]) if hrows else rows[0]  # ties: file order
        handed = bool(hrows)
        hand_us = ev.hand[0] if handed else None
        hand_date = micros_to_local_date(hand_us, tz) if handed else None

        crow = crm_first.get(key)
        if crow is None:
            marketing_without_crm += 1
        cfields = crow[0] if crow else None

        def cval(col):
            return crm.clean(cfields[col]) if (cfields is not None and col is not None) else ""

        owner = cval(c_owner)
        is_unowned = crow is None or owner == "" or owner.lower() in unowned_names
        disposition = cval(c_disp)
        reason = cval(c_reason)
        dl = disposition.lower()
        verdict = ("accepted" if dl and dl in accepted_low else
                   "rejected" if dl and dl in rejected_low else "none")

        # -- definition verdict --
        ready = False
        fails = []
        if definition is not None:
            evaluated += 1
            results = []
            for c in crits:
                if c.source == "marketing":
                    v = mkt.clean(ev.fields[c.col])
                    reading = mkt.reading
                else:
                    v = crm.clean(cfields[c.col]) if cfields is not None else ""
                    reading = crm.reading
                results.append(eval_criterion(c, v, reading, handed, hand_us, as_of, tz,
                                              unparsable, unparsable_example))
            rw = definition.ready_when
            if rw == "all":
                ready = all(results)
            elif rw == "any":
                ready = any(results)
            else:
                ready = sum(results) >= rw
            fails = [c.id for c, ok in zip(crits, results) if not ok]
            if ready:
                ready_cnt += 1
            if handed and not ready:
                mism["mql_not_ready"] += 1
                for cid in fails:
                    failing[cid] += 1
            if ready and not handed:
                mism["ready_not_mql"] += 1
            if ready and verdict == "rejected":
                mism["ready_rejected"] += 1
            if not ready and verdict == "accepted":
                mism["not_ready_accepted"] += 1
            crosstab[("mql" if handed else "not_mql", "ready" if ready else "not_ready",
                      verdict)] += 1

        if not handed:
            continue

        # -- follow-up of a handoff --
        def eff(t):
            # date-only touch on the handover's local day = a touch at the handover instant
            return hand_us if (t[1] and t[2] == hand_date) else t[0]

        touch = None
        if acts is not None:
            for t, ok in acts.get(key, ()):
                if not ok:
                    continue
                e = eff(t)
                if e > as_of:
                    continue  # activities after as_of are ignored everywhere
                if e < hand_us:
                    continue
                if touch is None or e < touch:
                    touch = e
            if any(ok and eff(t) < hand_us and eff(t) <= as_of for t, ok in acts.get(key, ())):
                touches_before += 1
        elif crow is not None and crow[1] is not None:
            e = eff(crow[1])
            if hand_us <= e <= as_of:
                touch = e

        fu["handed_over"] += 1
        mkey = f"{hand_date.year:04d}-{hand_date.month:02d}"
        mo = months.setdefault(mkey, Counter())
        mo["handed_over"] += 1
        if definition is not None and not ready:
            mo["mql_not_ready"] += 1
        if hand_us + sla_us > as_of:
            fu["in_window"] += 1
            continue

        # eligible
        fu["eligible"] += 1
        mo["eligible"] += 1
        followed = touch is not None
        elapsed = touch - hand_us if followed else None
        within = followed and elapsed <= sla_us
        breach = not within
        dispositioned = verdict in ("accepted", "rejected")
        if followed:
            fu["followed_up"] += 1
            mo["followed_up"] += 1
            hours.append(elapsed / 3.6e9)
            if within:
                fu["within_sla"] += 1
        if breach:
            mo["breaches"] += 1
        if dispositioned:
            mo["dispositioned"] += 1
            fu["dispositioned"] += 1
        if not followed:
            b = "never"
        elif elapsed <= 300 * US_PER_SEC:
            b = "<=5m"
        elif elapsed <= US_PER_HOUR:
            b = "<=1h"
        elif elapsed <= 24 * US_PER_HOUR:
            b = "<=24h"
        elif elapsed <= sla_us:
            b = "<=SLA"
        else:
            b = ">SLA"
        buckets[b] += 1

        if is_unowned:
            unowned_cnt += 1
            unowned_breaches += breach
        else:
            o = owners.setdefault(owner, Counter())
            o["eligible"] += 1
            o["followed_up"] += followed
            o["within_sla"] += within
            o["breaches"] += breach
            o["dispositioned"] += dispositioned

        if disposition:
            disp_values.append(disposition)
        if verdict == "rejected" and reason:
            reason_values.append(reason)

    # ---- assemble ----
    eligible = fu["eligible"]
    followed_up = fu["followed_up"]
    within_sla = fu["within_sla"]
    late = followed_up - within_sla
    never = eligible - followed_up
    breaches = late + never
    hours.sort()

    def src_input(s: Source):
        return {"path": s.cfg_path, "rows": s.rows, "skipped": len(s.skipped),
                "footer_lines": s.footer_lines}

    inputs = {"marketing": src_input(mkt), "crm": src_input(crm)}
    if act_src is not None:
        inputs["activities"] = src_input(act_src)

    skipped_all = []
    for s in (mkt, crm, act_src):
        if s is None:
            continue
        for line, reason in sorted(s.skipped, key=lambda x: x[0]):
            skipped_all.append({"source": s.name, "line": line, "reason": reason})

    for cid, cnt in unparsable.items():
        c = next(c for c in crits if c.id == cid)
        src = mkt if c.source == "marketing" else crm
        if c.op == "within_days":
            hint = f"a date (set date_order in [{src.name}] if it is a slash date)"
        else:
            hint = f"a number (set thousands = \",\" / decimal = \",\" in [{src.name}] if needed)"
        warnings.append(f"criterion '{cid}': {cnt} lead(s) with an unparsable value in "
                        f"'{src.headers[c.col]}' (e.g. '{unparsable_example[cid]}'); expected {hint}")

    report = {
        "as_of": format_ts(as_of),
        "as_of_source": as_of_source,
        "sla": {"hours": float(sla_hours), "clock": "calendar"},
        "inputs": inputs,
        "follow_up": {
            "handed_over": fu["handed_over"],
            "in_window": fu["in_window"],
            "eligible": eligible,
            "followed_up": followed_up,
            "within_sla": within_sla,
            "late": late,
            "never": never,
            "breaches": breaches,
            "follow_up_rate": rate(followed_up, eligible),
            "sla_met_rate": rate(within_sla, eligible),
            "breach_rate": rate(breaches, eligible),
            "hours_to_first_touch": {"median": quantile(hours, 0.5), "p90": quantile(hours, 0.9)},
            "buckets": [{"label": b, "count": buckets[b]} for b in BUCKETS],
        },
        "ownership": {
            "unowned": unowned_cnt,
            "unowned_breaches": unowned_breaches,
            "owners": [
                {"owner": o, "eligible": c["eligible"], "followed_up": c["followed_up"],
                 "within_sla": c["within_sla"], "breaches": c["breaches"],
                 "dispositioned": c["dispositioned"]}
                for o, c in sorted(owners.items(), key=lambda kv: utf8_key(kv[0]))
            ],
        },
        "definition": None,
        "feedback": {
            "eligible": eligible,
            "dispositioned": fu["dispositioned"],
            "coverage": rate(fu["dispositioned"], eligible),
            "dispositions": group_spellings(disp_values, config_spelling),
            "reasons": group_spellings(reason_values, config_spelling),
        },
        "months": [
            {"month": m, "handed_over": c["handed_over"], "eligible": c["eligible"],
             "followed_up": c["followed_up"], "breaches": c["breaches"],
             "dispositioned": c["dispositioned"], "mql_not_ready": c["mql_not_ready"]}
            for m, c in sorted(months.items())
        ],
        "data_quality": {
            "duplicate_keys": {"marketing": mkt.rows - len(mkeys),
                               "crm": crm.rows - len(crm_first)},
            "marketing_without_crm": marketing_without_crm,
            "activities_without_marketing": len(act_keys - mkeys.keys()),
            "touches_before_handover": touches_before,
            "skipped_rows": skipped_all[:1000],
            "skipped_rows_total": len(skipped_all),
            "unparsable": {c.id: unparsable[c.id] for c in crits if unparsable[c.id]},
        },
        "warnings": warnings,
    }
    if definition is not None:
        if definition.reviewed is not None:
            due = definition.reviewed + timedelta(days=definition.review_every_days)
            due_us = local_to_micros(due.year, due.month, due.day, 0, 0, 0, 0, tz)
            stale = as_of > due_us
        else:
            stale = True  # never reviewed
        report["definition"] = {
            "name": definition.name,
            "version": definition.version,
            "reviewed": definition.reviewed.isoformat() if definition.reviewed else None,
            "stale": stale,
            "evaluated": evaluated,
            "ready": ready_cnt,
            "mismatches": {k: mism[k] for k in ("mql_not_ready", "ready_not_mql",
                                                 "ready_rejected", "not_ready_accepted")},
            "failing_criteria": [{"id": c.id, "count": failing[c.id]} for c in crits],
            "crosstab": [
                {"marketing": mk, "definition": dk, "sales": sk, "count": crosstab[(mk, dk, sk)]}
                for mk in ("mql", "not_mql") for dk in ("ready", "not_ready")
                for sk in ("accepted", "rejected", "none") if crosstab[(mk, dk, sk)]
            ],
        }
    return report


def eval_criterion(c: Criterion, v: str, reading: Reading, handed: bool, hand_us, as_of: int,
                   tz, unparsable: Counter, examples: dict) -> bool:
    """Rules 10 and 11. v is the cleaned value ("" when empty or missing)."""
    op = c.op
    if op == "present":
        return (v != "") == c.present
    if v == "":
        return False
    if op in ("gte", "gt", "lte", "lt", "between"):
        x = parse_number(v, reading)
        if x is None:
            unparsable[c.id] += 1
            examples.setdefault(c.id, v)
            return False
        if op == "gte":
            return x >= c.num
        if op == "gt":
            return x > c.num
        if op == "lte":
            return x <= c.num
        if op == "lt":
            return x < c.num
        return c.lo <= x <= c.hi
    if op == "within_days":
        t = parse_ts(v, c.order, tz)
        if t is None:
            unparsable[c.id] += 1
            examples.setdefault(c.id, v)
            return False
        ref = hand_us if handed else as_of
        return ref - c.window_us <= t[0] <= ref
    s = v.lower()
    if op == "eq":
        return s == c.text
    if op == "ne":
        return s != c.text
    if op == "in":
        return s in c.texts
    if op == "not_in":
        return s not in c.texts
    if op == "contains":
        return c.text in s
    raise AssertionError(op)


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Reference implementation of `handoff audit` (JSON).")
    p.add_argument("command", nargs="?", default="audit", choices=["audit"],
                   help="optional; only 'audit' is implemented")
    p.add_argument("--config", default="handoff.toml", help="path of handoff.toml")
    p.add_argument("--as-of", dest="as_of", default=None,
                   help="as_of: YYYY-MM-DD (23:59:59 local) or an ISO 8601 timestamp")
    args = p.parse_args(argv)
    try:
        report = audit(args.config, args.as_of)
    except ConfigError as e:
        print(f"handoff_ref: error: {e}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
