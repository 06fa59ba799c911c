#!/usr/bin/env python3
"""Compare two `handoff` JSON reports figure by figure.

Usage: python3 tests/reference/compare.py A.json B.json

A is normally the Rust binary's report, B the reference's (handoff_ref.py). Prints every
differing JSON path with both values; exits 1 on any difference, 0 when they agree, 2 on
bad usage or unreadable input.

Rules:
- numbers: ints and floats compare numerically; floats to a relative 1e-9 (absolute 1e-12
  near zero); booleans are not numbers;
- strings that both read as RFC 3339 timestamps compare as instants (so "…:59Z" equals
  "…:59.000Z" and "+00:00");
- ignored: `warnings`, `findings`, `inputs.<source>.path`, the text of
  `data_quality.skipped_rows[].reason`, and any key present on one side only that is not a
  key of the SPEC's "JSON report" list (later features may add keys);
- `definition.crosstab` compares as a set of cells keyed by (marketing, definition, sales);
  cells with count 0 may be omitted (SPEC rule 15);
- `data_quality.unparsable` is a map of criterion id -> count; a missing id equals 0.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone

# The SPEC's keys, as a tree: a dict maps a key to its subtree, a list [subtree] describes
# the items of a JSON array, None a leaf. "*" stands for any key (a data-valued map).
_PAIR = {"value": None, "count": None}
_INPUT = {"path": None, "rows": None, "skipped": None, "footer_lines": None}
SPEC = {
    "as_of": None,
    "as_of_source": None,
    "sla": {"hours": None, "clock": None},
    "inputs": {"marketing": _INPUT, "crm": _INPUT, "activities": _INPUT},
    "follow_up": {
        "handed_over": None, "in_window": None, "eligible": None, "followed_up": None,
        "within_sla": None, "late": None, "never": None, "breaches": None,
        "follow_up_rate": None, "sla_met_rate": None, "breach_rate": None,
        "hours_to_first_touch": {"median": None, "p90": None},
        "buckets": [{"label": None, "count": None}],
    },
    "ownership": {
        "unowned": None, "unowned_breaches": None,
        "owners": [{"owner": None, "eligible": None, "followed_up": None, "within_sla": None,
                    "breaches": None, "dispositioned": None}],
    },
    "definition": {
        "name": None, "version": None, "reviewed": None, "stale": None, "evaluated": None,
        "ready": None,
        "mismatches": {"mql_not_ready": None, "ready_not_mql": None, "ready_rejected": None,
                       "not_ready_accepted": None},
        "failing_criteria": [{"id": None, "count": None}],
        "crosstab": [{"marketing": None, "definition": None, "sales": None, "count": None}],
    },
    "feedback": {"eligible": None, "dispositioned": None, "coverage": None,
                 "dispositions": [_PAIR], "reasons": [_PAIR]},
    "months": [{"month": None, "handed_over": None, "eligible": None, "followed_up": None,
                "breaches": None, "dispositioned": None, "mql_not_ready": None}],
    "data_quality": {
        "duplicate_keys": {"marketing": None, "crm": None},
        "marketing_without_crm": None, "activities_without_marketing": None,
        "touches_before_handover": None,
        "skipped_rows": [{"source": None, "line": None, "reason": None}],
        "skipped_rows_total": None,
        "unparsable": {"*": None},
    },
    "warnings": None,
    "findings": None,
}

IGNORED = [
    re.compile(r"^warnings$"),
    re.compile(r"^findings$"),
    re.compile(r"^inputs\.[^.]+\.path$"),
    re.compile(r"^data_quality\.skipped_rows\[\d+\]\.reason$"),
]

REL_TOL = 1e-9
ABS_TOL = 1e-12

_TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _instant(s: str):
    if not _TS_RE.fullmatch(s):
        return None
    t = s.replace("z", "Z").replace("t", "T")
    m = re.match(r"(.*?:\d{2})(\.(\d+))?(Z|[+-]\d{2}:\d{2})$", t)
    frac = (m.group(3) or "")[:6].ljust(6, "0")
    try:
        dt = datetime.fromisoformat(m.group(1) + "." + frac + m.group(4).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.astimezone(timezone.utc)


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _numbers_equal(a, b) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


class Comparer:
    def __init__(self):
        self.diffs: list = []

    def report(self, path: str, a, b) -> None:
        self.diffs.append((path, a, b))

    def ignored(self, path: str) -> bool:
        return any(r.match(path) for r in IGNORED)

    def compare(self, a, b, path: str, spec) -> None:
        if self.ignored(path):
            return
        if path == "definition.crosstab" and isinstance(a, list) and isinstance(b, list):
            return self.compare_crosstab(a, b, path)
        if path == "data_quality.unparsable" and isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                self.compare(a.get(k, 0), b.get(k, 0), f"{path}.{k}", None)
            return
        if isinstance(a, dict) and isinstance(b, dict):
            keys = list(a) + [k for k in b if k not in a]
            for k in keys:
                sub = f"{path}.{k}" if path else k
                if self.ignored(sub):
                    continue
                known = isinstance(spec, dict) and (k in spec or "*" in spec)
                child = spec.get(k, spec.get("*")) if isinstance(spec, dict) else None
                if k not in a or k not in b:
                    if known:
                        self.report(sub, a.get(k, "<missing>"), b.get(k, "<missing>"))
                    continue
                self.compare(a[k], b[k], sub, child)
            return
        if isinstance(a, list) and isinstance(b, list):
            child = spec[0] if isinstance(spec, list) and spec else None
            if len(a) != len(b):
                self.report(f"{path}.length", len(a), len(b))
            for i in range(min(len(a), len(b))):
                self.compare(a[i], b[i], f"{path}[{i}]", child)
            return
        if _is_num(a) and _is_num(b):
            if not _numbers_equal(a, b):
                self.report(path, a, b)
            return
        if isinstance(a, str) and isinstance(b, str):
            if a != b:
                ia, ib = _instant(a), _instant(b)
                if ia is None or ib is None or ia != ib:
                    self.report(path, a, b)
            return
        if a != b or type(a) is not type(b):
            self.report(path, a, b)

    def compare_crosstab(self, a: list, b: list, path: str) -> None:
        def cells(lst):
            out = {}
            for c in lst:
                if not isinstance(c, dict):
                    continue
                k = (c.get("marketing"), c.get("definition"), c.get("sales"))
                if c.get("count", 0):
                    out[k] = out.get(k, 0) + c.get("count", 0)
            return out
        ca, cb = cells(a), cells(b)
        for k in sorted(set(ca) | set(cb), key=str):
            va, vb = ca.get(k, 0), cb.get(k, 0)
            if not (_is_num(va) and _is_num(vb) and _numbers_equal(va, vb)):
                self.report(f"{path}[{'/'.join(str(x) for x in k)}].count", va, vb)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: compare.py A.json B.json", file=sys.stderr)
        return 2
    docs = []
    for p in argv:
        try:
            with open(p, encoding="utf-8") as fh:
                docs.append(json.load(fh))
        except (OSError, json.JSONDecodeError) as e:
            print(f"compare.py: cannot read {p}: {e}", file=sys.stderr)
            return 2
    c = Comparer()
    c.compare(docs[0], docs[1], "", SPEC)
    for path, va, vb in c.diffs:
        print(f"{path}: A={json.dumps(va, ensure_ascii=False)} B={json.dumps(vb, ensure_ascii=False)}")
    if c.diffs:
        print(f"{len(c.diffs)} difference(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
