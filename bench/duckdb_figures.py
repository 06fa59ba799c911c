#!/usr/bin/env python3
"""The core figures of `handoff audit`, computed independently with DuckDB SQL.

    python bench/duckdb_figures.py DIR                        # figures as JSON on stdout
    python bench/duckdb_figures.py DIR --check HANDOFF.json   # compare with handoff's report
    python bench/duckdb_figures.py DIR --print-sql            # the SQL, for the duckdb CLI

DIR holds what `cargo run --release --example generate` writes: `handoff.toml` (the generic
layout, every column named), `sales-ready.toml`, `marketing.csv`, `crm.csv`, `activities.csv`.
The settings that change the figures (paths, column headers, timezone, as_of, SLA hours,
touch_types, sales lists, the definition's criteria) are read from those two TOML files; the
SQL is then plain DuckDB over the CSV files read with `all_varchar = true`, every value trimmed
and parsed in SQL, following SPEC.md (Definitions and Precise rules):

- values trimmed of Unicode White_Space and U+200B/C/D, U+2060, U+FEFF; the default empty
  spellings (`null`, `none`, `n/a`, ...) are empty; keys with `@` lowercased; a key Excel wrote
  as `1.1E+11` or an empty key skips the row; a row with an unparsable `handed_over_at` / `at` is
  skipped;
- a handoff row has a handover time and an `mql` flag in true/1/yes/y/x/mql; a key's handover is
  its earliest handoff row, which is also the row its definition verdict is evaluated on (ties:
  file order), else its first row; a CRM key keeps its first row in file order (`rowid` of a
  table created in file order);
- timestamps: ISO with `Z`, with `+HH:MM` / `+HHMM`, fractions, naive (with or without seconds)
  and date-only; naive values are `audit.timezone` local time (ICU); in the repeated hour of a
  DST change DuckDB reads the *later* instant, SPEC rule 9 wants the earlier one, so a naive
  time whose instant minus one hour shows the same wall time is moved one hour earlier; in a
  skipped hour DuckDB already uses the offset before the change, as rule 9 does;
- a date-only activity on the handover's local day counts at the handover instant, activities
  after as_of are ignored, touch types compare case-insensitively, in_window iff
  handover + SLA > as_of, within iff elapsed <= SLA, all in integer microseconds;
- median / p90 are `quantile_cont` (numpy's linear interpolation).

Not covered (the generated data needs none of it): presets (every column must be named),
`MM/DD/YYYY` export forms, delimiters other than a comma, other encodings, report footers, the
business SLA clock, `thousands` / `decimal`, `--as-of` (as_of must be set in `handoff.toml`).
Settings the script cannot honour stop it with a message; anything else that differs shows up
as a mismatch under `--check`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("duckdb_figures.py needs Python 3.11 or later (tomllib)")

import duckdb

# Unicode White_Space (what Rust's char::is_whitespace tests) and the zero-width characters.
TRIM_CHARS = [
    *range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
    0x202F, 0x205F, 0x3000, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,
]
DEFAULT_EMPTY = ["null", "none", "n/a", "#n/a", "[not provided]", "select", "000000000000000AAA"]
MQL_TRUE = ["true", "1", "yes", "y", "x", "mql"]
BUCKETS = ["<=5m", "<=1h", "<=24h", "<=SLA", ">SLA", "never"]
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 86_400_000_000


def q(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def in_list(expr: str, items) -> str:
    """`expr IN (items)` for strings, as one regular expression (no hash join)."""
    if not items:
        return "false"
    return f"regexp_full_match({expr}, {q('|'.join(re_escape(i) for i in items))})"


def parse_as_of(text: str, conn) -> int:
    """as_of from the config, in microseconds (a date-only value is 23:59:59 local)."""
    if len(text) == 10:
        text += " 23:59:59"
    row = conn.execute(f"SELECT {TS_US.format(s=q(text))}").fetchone()
    if row[0] is None:
        sys.exit(f"cannot read as_of {text!r}")
    return row[0]


# One timestamp string -> microseconds since the epoch (NULL when unparsable). A value without
# a zone (`2026-09-14 11:04[:05[.123]]`, `2026-09-14T11:04`, `2026-09-14`) is a local wall time:
# cast to TIMESTAMP and placed in the session time zone by `local_us` (with the rule-9 fold fix);
# any other value is cast to TIMESTAMPTZ, which reads ISO 8601 with `Z`, `+HH:MM`, `+HHMM`
# (values ending in `Z`, the common case, skip the pattern test).
# (`try_strptime` over a list of formats gives the same instants but is several times slower on
# the formats that do not match, which would handicap DuckDB; see bench/README.md.)
NAIVE_RE = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?"
TS_US = ("CASE WHEN ord({s}[-1]) IN (90, 122) THEN epoch_us(try_cast({s} AS TIMESTAMPTZ)) "
         "WHEN regexp_full_match({s}, '" + NAIVE_RE.replace("{", "{{").replace("}", "}}") + "') "
         "THEN local_us(try_cast({s} AS TIMESTAMP)) "
         "ELSE epoch_us(try_cast({s} AS TIMESTAMPTZ)) END")


def build_sql(dirpath: str, cfg: dict, definition: dict,
              headers: dict) -> tuple[list[str], dict, dict]:
    """The statements that build the per-lead table `lead`, the figure queries over it, and
    what the report needs to label them. `headers` maps each source to its CSV header."""
    audit = cfg.get("audit", {})
    if audit.get("sla_clock", "calendar") != "calendar":
        sys.exit("only sla_clock = \"calendar\" is supported")
    if "as_of" not in audit:
        sys.exit("handoff.toml must set audit.as_of")
    tz = audit.get("timezone", "UTC")
    sla_us = round(float(audit.get("sla_hours", 48)) * US_PER_HOUR)
    sf_ids = bool(audit.get("salesforce_ids", False))
    m, c, a = cfg["marketing"], cfg["crm"], cfg.get("activities")
    sales = cfg.get("sales", {})
    accepted = list(sales.get("accepted", []))
    rejected = list(sales.get("rejected", []))
    unowned = [s.lower() for s in sales.get("unowned", [])]

    def path(src):
        return os.path.join(dirpath, src["path"])

    def empties(src):
        return [e.lower() for e in src.get("empty", DEFAULT_EMPTY)]

    def read(name, cols):
        """Columns `cols` (headers) of source `name`, each trimmed, as a subquery."""
        src = cfg[name]
        trimmed = ", ".join(f"tr({ident(h)}) AS {ident(h)}" for h in dict.fromkeys(cols) if h)
        return (f"(SELECT {trimmed} FROM read_csv({q(path(src))}, all_varchar = true, "
                "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
                "columns = {" + ", ".join(f"{q(h)}: 'VARCHAR'" for h in headers[name]) + "}))")

    trim_chars = " || ".join(f"chr({c})" for c in TRIM_CHARS)
    pre = [
        f"SET TimeZone = {q(tz)}",
        # Trim; fast path: a value that starts and ends with a visible ASCII character.
        "CREATE OR REPLACE MACRO tr(v) AS CASE WHEN ascii(v) BETWEEN 33 AND 126 AND "
        f"ord(v[-1]) BETWEEN 33 AND 126 THEN v ELSE trim(v, {trim_chars}) END",
        # A local wall time (TIMESTAMP) -> microseconds. ICU reads a repeated wall time as the
        # later instant; when the instant one hour earlier shows the same wall time, take that
        # one (SPEC rule 9). Written without CASE so that DuckDB computes the cast once.
        "CREATE OR REPLACE MACRO local_us(n) AS epoch_us(n::TIMESTAMPTZ) - "
        f"{US_PER_HOUR} * ((n::TIMESTAMPTZ - INTERVAL 1 HOUR)::TIMESTAMP = n)::BIGINT",
    ]

    def clean(col, src):
        """A trimmed column with the source's empty spellings as NULL.

        `lower(x) IN (...)` would become a hash join evaluated on every row; a regular
        expression on the lowercased value, behind a length test that lets long ASCII values
        (e-mails, timestamps) through at once, is much cheaper."""
        t = ident(col)
        e = empties(src)
        if not e:
            return f"nullif({t}, '')"
        longest = max(len(x.encode()) for x in e)
        return (f"CASE WHEN (strlen({t}) <= {longest} OR (strlen({t}) <= {3 * longest} AND "
                f"strlen({t}) <> length({t}))) AND (strlen({t}) = 0 OR "
                f"{in_list(f'lower({t})', e)}) THEN NULL ELSE {t} END")

    def key_expr(col):
        k = col
        sf = (f"WHEN length({k}) IN (15, 18) AND regexp_full_match({k}, '[0-9A-Za-z]+') "
              f"THEN {k}[1:15] " if sf_ids else "")
        return (f"CASE WHEN contains({k}, '@') THEN lower({k}) "
                f"WHEN regexp_full_match({k}, '[0-9](\\.[0-9]+)?[eE]\\+[0-9]+') THEN NULL "
                f"{sf}ELSE {k} END")

    def ts(s):
        return TS_US.format(s=s)

    # --- criteria: field -> (source, header) ----------------------------------------------
    crit_fields = {}  # alias -> (source, header)
    criteria = definition.get("criteria", [])
    for i, cr in enumerate(criteria):
        field = cr["field"]
        src = None
        if field.startswith("crm:"):
            src, field = "crm", field[4:]
        elif field.startswith("marketing:"):
            src, field = "marketing", field[10:]
        elif field in headers["marketing"]:
            src = "marketing"
        elif field in headers["crm"]:
            src = "crm"
        if src is None:
            sys.exit(f"criterion {cr['id']}: no column {field!r}")
        crit_fields[f"f{i}"] = (src, field)
    m_crit = {al: h for al, (s, h) in crit_fields.items() if s == "marketing"}
    c_crit = {al: h for al, (s, h) in crit_fields.items() if s == "crm"}
    for src, name in ((m, "marketing"), (c, "crm")):
        if src.get("thousands") or src.get("decimal") not in (None, "."):
            sys.exit(f"[{name}] thousands/decimal are not supported here")

    mql_col = m.get("mql")
    stmts = list(pre)

    # --- marketing rows, in file order (rowid) ---------------------------------------------
    m_extra = "".join(f", {clean(h, m)} AS {al}" for al, h in m_crit.items())
    mql_clean = f"coalesce({in_list(f'lower({clean(mql_col, m)})', MQL_TRUE)}, false)" if mql_col else "true"
    stmts.append(f"""
CREATE OR REPLACE TEMP TABLE m_rows AS
SELECT *, key IS NULL OR (ho_s IS NOT NULL AND ho IS NULL) AS skip,
       ho IS NOT NULL AND is_mql AS handoff
FROM (SELECT {key_expr('k0')} AS key, ho_s, {ts('ho_s')} AS ho, is_mql
             {''.join(f', {al}' for al in m_crit)}
      FROM (SELECT {clean(m['key'], m)} AS k0, {clean(m['handed_over_at'], m)} AS ho_s,
                   {mql_clean} AS is_mql
                   {m_extra}
            FROM {read("marketing", [m['key'], m['handed_over_at'], mql_col, *m_crit.values()])}))""")
    ev_fields = list(m_crit)
    ev_struct = "{" + ", ".join(f"{q(f)}: {f}" for f in ev_fields) + "}" if ev_fields else "{'x': 0}"
    stmts.append(f"""
CREATE OR REPLACE TEMP TABLE mk AS
SELECT key, bool_or(handoff) AS handed, min(ho) FILTER (WHERE handoff) AS ho,
       arg_min({ev_struct}, {{'nh': NOT handoff, 'h': CASE WHEN handoff THEN ho ELSE 0 END, 'rn': rowid}}) AS ev
FROM m_rows WHERE NOT skip GROUP BY key""")

    # --- CRM rows, first per key in file order -----------------------------------------------
    c_cols = {"owner": c.get("owner"), "disp": c.get("disposition"),
              "reason": c.get("disposition_reason")}
    c_sel = ", ".join(f"{clean(h, c) if h else 'NULL'} AS {al}" for al, h in c_cols.items())
    c_sel += "".join(f", {clean(h, c)} AS {al}" for al, h in c_crit.items())
    stmts.append(f"""
CREATE OR REPLACE TEMP TABLE c_raw AS
SELECT {key_expr('k0')} AS key, * EXCLUDE (k0)
FROM (SELECT {clean(c['key'], c)} AS k0, {c_sel}
      FROM {read("crm", [c['key'], *c_cols.values(), *c_crit.values()])})""")
    c_struct = "{" + ", ".join(f"{q(f)}: {f}" for f in [*c_cols, *c_crit]) + "}"
    stmts.append(f"""
CREATE OR REPLACE TEMP TABLE ck AS
SELECT key, arg_min({c_struct}, rowid) AS cr FROM c_raw WHERE key IS NOT NULL GROUP BY key""")

    # --- activities: one pass, joined to the marketing keys ----------------------------------
    as_of = f"getvariable('as_of')"
    if a:
        touch = [t.lower() for t in a.get("touch_types", [])]
        type_col = a.get("type")
        touch_expr = (f"coalesce({in_list(f'lower({ident(type_col)})', touch)}, false)"
                      if touch and type_col else "true")
        stmts.append(f"""
CREATE OR REPLACE TEMP TABLE act AS
WITH raw AS (
  SELECT {key_expr('k0')} AS key, at_s, {ts('at_s')} AS t, touch
  FROM (SELECT {clean(a['key'], a)} AS k0, {clean(a['at'], a)} AS at_s, {touch_expr} AS touch
        FROM {read("activities", [a['key'], a['at'], type_col])})),
rows AS (SELECT key, t, touch, strlen(at_s) = 10 AS is_date FROM raw WHERE key IS NOT NULL),
j AS (
  SELECT mk.rowid AS id, CASE WHEN mk.key IS NULL THEN r.key END AS stray, r.t,
         CASE WHEN r.is_date AND mk.ho IS NOT NULL
                   AND timezone({q(tz)}, make_timestamptz(mk.ho))::DATE
                     = timezone({q(tz)}, make_timestamptz(r.t))::DATE
              THEN mk.ho ELSE r.t END AS eff,
         r.touch AND r.t <= {as_of} AS touch, mk.ho
  FROM rows r LEFT JOIN mk ON r.key = mk.key)
-- A row whose `at` did not parse (t NULL) is skipped: not counted, never a touch (every
-- comparison with NULL is NULL), and a key seen only on such rows is no stray key (n = 0).
SELECT id, stray, count(t) AS n,
       min(eff) FILTER (WHERE touch AND eff >= ho AND eff <= {as_of}) AS first_touch,
       bool_or(touch AND eff < ho) AS before
FROM j GROUP BY id, stray""")
    else:
        stmts.append("CREATE OR REPLACE TEMP TABLE act AS SELECT NULL::BIGINT AS id, NULL::VARCHAR AS stray, "
                     "0 AS n, NULL::BIGINT AS first_touch, NULL::BOOLEAN AS before WHERE false")

    # --- criteria as SQL ------------------------------------------------------------------------
    def val(al):
        return f"ev.{al}" if al in m_crit else f"cr.{al}"

    time_cols = []  # timestamps that criteria read, parsed once in the `base` subquery

    num_re = "'[+-]?[0-9]+(\\.[0-9]+)?'"
    crit_sql, unparsable_sql = [], []
    for i, cr in enumerate(criteria):
        v = val(f"f{i}")
        ops = [k for k in cr if k not in ("id", "field", "description")]
        if len(ops) != 1:
            sys.exit(f"criterion {cr['id']}: one operator expected")
        op, x = ops[0], cr[ops[0]]
        unp = "false"
        if op == "present":
            e = f"({v} IS NOT NULL)" if x else f"({v} IS NULL)"
        elif op in ("eq", "ne", "contains"):
            sx = q(str(x).lower())
            e = {"eq": f"lower({v}) = {sx}", "ne": f"lower({v}) <> {sx}",
                 "contains": f"contains(lower({v}), {sx})"}[op]
        elif op in ("in", "not_in"):
            e = f"{'NOT ' if op == 'not_in' else ''}{in_list(f'lower({v})', [str(s).lower() for s in x])}"
        elif op in ("gte", "gt", "lte", "lt", "between"):
            n = f"TRY_CAST({v} AS DOUBLE)"
            ok = f"regexp_full_match({v}, {num_re})"
            cmp = {"gte": f"{n} >= {float(x)!r}", "gt": f"{n} > {float(x)!r}",
                   "lte": f"{n} <= {float(x)!r}", "lt": f"{n} < {float(x)!r}",
                   "between": f"{n} BETWEEN {float(x[0])!r} AND {float(x[1])!r}"
                   if op == "between" else ""}[op]
            e = f"CASE WHEN {ok} THEN {cmp} ELSE false END"
            unp = f"({v} IS NOT NULL AND NOT {ok})"
        elif op == "within_days":
            t = f"t{i}"
            time_cols.append(f"{ts(v)} AS t{i}")
            span = round(float(x) * US_PER_DAY)
            ref = f"coalesce(ho, {as_of})"
            e = f"({t} BETWEEN {ref} - {span} AND {ref})"
            unp = f"({v} IS NOT NULL AND {t} IS NULL)"
        else:
            sys.exit(f"criterion {cr['id']}: operator {op} not supported")
        crit_sql.append(f"coalesce({e}, false)")
        unparsable_sql.append(unp)
    rw = definition.get("ready_when", "all")
    nc = len(criteria)
    need = nc if rw == "all" else 1 if rw == "any" else int(rw)
    ready = (" + ".join(f"c{i}::INT" for i in range(nc)) + f" >= {need}") if nc else "false"

    stmts.append(f"""
CREATE OR REPLACE TEMP TABLE lead AS
SELECT *, handed AND NOT in_window AS eligible, {ready} AS ready,
       CASE WHEN {in_list('disp_l', [x.lower() for x in accepted])} THEN 'accepted'
            WHEN {in_list('disp_l', [x.lower() for x in rejected])} THEN 'rejected'
            ELSE 'none' END AS verdict,
       first_touch - ho AS elapsed
FROM (
  SELECT key, handed, ho, handed AND ho + {sla_us} > {as_of} AS in_window,
         first_touch, coalesce(before, false) AS before, in_crm,
         cr.owner AS owner,
         cr.owner IS NULL OR {in_list('lower(cr.owner)', unowned)} AS unowned,
         cr.disp AS disp, lower(cr.disp) AS disp_l, cr.reason AS reason,
         strftime(timezone({q(tz)}, make_timestamptz(ho)), '%Y-%m') AS month
         {''.join(f', {e} AS c{i}' for i, e in enumerate(crit_sql))}
         {''.join(f', {e} AS u{i}' for i, e in enumerate(unparsable_sql))}
  FROM (SELECT mk.key, mk.handed, mk.ho, mk.ev, ck.key IS NOT NULL AS in_crm, ck.cr,
               act.first_touch, act.before{''.join(', ' + c for c in time_cols)}
        FROM mk LEFT JOIN ck ON ck.key = mk.key LEFT JOIN act ON act.id = mk.rowid) base)""")

    queries = {}
    ft = "followed"
    queries["follow_up"] = f"""
WITH l AS (SELECT *, first_touch IS NOT NULL AS followed FROM lead WHERE handed)
SELECT count(*) AS handed_over, count(*) FILTER (WHERE in_window) AS in_window,
       count(*) FILTER (WHERE eligible) AS eligible,
       count(*) FILTER (WHERE eligible AND {ft}) AS followed_up,
       count(*) FILTER (WHERE eligible AND {ft} AND elapsed <= {sla_us}) AS within_sla,
       count(*) FILTER (WHERE eligible AND {ft} AND elapsed > {sla_us}) AS late,
       count(*) FILTER (WHERE eligible AND NOT {ft}) AS never,
       count(*) FILTER (WHERE eligible AND (NOT {ft} OR elapsed > {sla_us})) AS breaches,
       quantile_cont(elapsed / 3.6e9, [0.5, 0.9]) FILTER (WHERE eligible AND {ft}) AS q,
       count(*) FILTER (WHERE eligible AND elapsed <= 300000000) AS b0,
       count(*) FILTER (WHERE eligible AND elapsed > 300000000 AND elapsed <= {US_PER_HOUR}) AS b1,
       count(*) FILTER (WHERE eligible AND elapsed > {US_PER_HOUR} AND elapsed <= {24 * US_PER_HOUR}) AS b2,
       count(*) FILTER (WHERE eligible AND elapsed > {24 * US_PER_HOUR} AND elapsed <= {sla_us}) AS b3,
       count(*) FILTER (WHERE eligible AND elapsed > {sla_us}) AS b4,
       count(*) FILTER (WHERE eligible AND NOT {ft}) AS b5,
       count(*) FILTER (WHERE eligible AND verdict <> 'none') AS dispositioned,
       count(*) FILTER (WHERE eligible AND unowned) AS unowned,
       count(*) FILTER (WHERE eligible AND unowned AND (NOT {ft} OR elapsed > {sla_us})) AS unowned_breaches,
       count(*) FILTER (WHERE before) AS touches_before_handover
FROM l"""
    queries["owners"] = f"""
SELECT owner, count(*) AS eligible, count(first_touch) AS followed_up,
       count(*) FILTER (WHERE elapsed <= {sla_us}) AS within_sla,
       count(*) FILTER (WHERE first_touch IS NULL OR elapsed > {sla_us}) AS breaches,
       count(*) FILTER (WHERE verdict <> 'none') AS dispositioned
FROM lead WHERE eligible AND NOT unowned GROUP BY owner ORDER BY owner"""
    queries["months"] = f"""
SELECT month, count(*) AS handed_over, count(*) FILTER (WHERE eligible) AS eligible,
       count(*) FILTER (WHERE eligible AND first_touch IS NOT NULL) AS followed_up,
       count(*) FILTER (WHERE eligible AND (first_touch IS NULL OR elapsed > {sla_us})) AS breaches,
       count(*) FILTER (WHERE eligible AND verdict <> 'none') AS dispositioned,
       count(*) FILTER (WHERE NOT ready) AS mql_not_ready
FROM lead WHERE handed GROUP BY month ORDER BY month"""
    cfg_spelling = " ".join(f"WHEN {q(s.lower())} THEN {q(s)}" for s in accepted + rejected)
    spelled = f"CASE g {cfg_spelling} ELSE top END" if cfg_spelling else "top"
    queries["dispositions"] = f"""
WITH s AS (SELECT lower(disp) AS g, disp, count(*) AS n FROM lead
           WHERE eligible AND disp IS NOT NULL GROUP BY ALL),
     g AS (SELECT g, first(disp ORDER BY n DESC, disp) AS top, sum(n)::BIGINT AS count FROM s GROUP BY g)
SELECT {spelled} AS value, count FROM g ORDER BY count DESC, value"""
    queries["reasons"] = """
WITH s AS (SELECT lower(reason) AS g, reason, count(*) AS n FROM lead
           WHERE eligible AND verdict = 'rejected' AND reason IS NOT NULL GROUP BY ALL),
     g AS (SELECT g, first(reason ORDER BY n DESC, reason) AS value, sum(n)::BIGINT AS count FROM s GROUP BY g)
SELECT value, count FROM g ORDER BY count DESC, value"""
    fail_cols = ", ".join(f"count(*) FILTER (WHERE handed AND NOT ready AND NOT c{i}) AS fail{i}"
                          for i in range(nc))
    unp_cols = ", ".join(f"count(*) FILTER (WHERE u{i}) AS unp{i}" for i in range(nc))
    queries["definition"] = f"""
SELECT count(*) AS evaluated, count(*) FILTER (WHERE ready) AS ready,
       count(*) FILTER (WHERE handed AND NOT ready) AS mql_not_ready,
       count(*) FILTER (WHERE ready AND NOT handed) AS ready_not_mql,
       count(*) FILTER (WHERE ready AND verdict = 'rejected') AS ready_rejected,
       count(*) FILTER (WHERE NOT ready AND verdict = 'accepted') AS not_ready_accepted,
       count(*) FILTER (WHERE NOT in_crm) AS marketing_without_crm
       {(', ' + fail_cols) if nc else ''}{(', ' + unp_cols) if nc else ''}
FROM lead"""
    queries["crosstab"] = """
SELECT CASE WHEN handed THEN 'mql' ELSE 'not_mql' END AS marketing,
       CASE WHEN ready THEN 'ready' ELSE 'not_ready' END AS definition, verdict AS sales,
       count(*) AS count
FROM lead GROUP BY ALL"""
    queries["inputs"] = """
SELECT (SELECT count(*) FROM m_rows WHERE NOT skip), (SELECT count(*) FROM mk),
       (SELECT count(*) FROM c_raw WHERE key IS NOT NULL), (SELECT count(*) FROM ck),
       (SELECT coalesce(sum(n), 0)::BIGINT FROM act), (SELECT count(*) FROM act WHERE id IS NULL AND n > 0),
       (SELECT count(*) FROM m_rows), (SELECT count(*) FROM c_raw)"""
    meta = {"criteria": [cr["id"] for cr in criteria], "sla_hours": sla_us / US_PER_HOUR}
    return stmts, queries, meta


def re_escape(text: str) -> str:
    """A literal for an RE2 pattern."""
    return "".join("\\" + ch if ch in "\\.^$|?*+()[]{}" else ch for ch in text)


def headers_of(path: str) -> list[str]:
    """The header row of a CSV file."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


def compute(dirpath: str, threads: int | None = None, print_sql: bool = False) -> dict:
    with open(os.path.join(dirpath, "handoff.toml"), "rb") as f:
        cfg = tomllib.load(f)
    defn_cfg = cfg.get("definition", {})
    if "path" in defn_cfg:
        with open(os.path.join(dirpath, defn_cfg["path"]), "rb") as f:
            definition = tomllib.load(f)
    else:
        definition = defn_cfg
    headers = {}
    for name in ("marketing", "crm", "activities"):
        if name in cfg:
            headers[name] = headers_of(os.path.join(dirpath, cfg[name]["path"]))
    conn = duckdb.connect()
    if threads:
        conn.execute(f"SET threads = {int(threads)}")
    stmts, queries, meta = build_sql(dirpath, cfg, definition, headers)
    conn.execute(stmts[0])  # the timezone, before as_of is read
    for s in stmts[1:3]:
        conn.execute(s)
    as_of = parse_as_of(str(cfg["audit"]["as_of"]), conn)
    conn.execute(f"SET VARIABLE as_of = {as_of}::BIGINT")
    if print_sql:
        print(stmts[0] + ";")
        print(f"SET VARIABLE as_of = {as_of}::BIGINT;")
        for s in stmts[1:] + list(queries.values()):
            print(s.strip() + ";")
        return {}
    for s in stmts[3:]:
        conn.execute(s)
    res, cols = {}, {}
    for k, v in queries.items():
        cur = conn.execute(v)
        res[k] = cur.fetchall()
        cols[k] = [d[0] for d in cur.description]
    fu = dict(zip(cols["follow_up"], res["follow_up"][0]))
    df = dict(zip(cols["definition"], res["definition"][0]))
    elig = fu["eligible"]

    def rate(n, d):
        return n / d if d else 0.0

    qv = fu["q"]
    m_rows, m_keys, c_rows, c_keys, a_rows, a_stray, m_all, c_all = res["inputs"][0]
    out = {
        "inputs": {
            "marketing": {"rows": m_rows, "skipped": m_all - m_rows},
            "crm": {"rows": c_rows, "skipped": c_all - c_rows},
        },
        "follow_up": {
            **{k: fu[k] for k in ("handed_over", "in_window", "eligible", "followed_up",
                                  "within_sla", "late", "never", "breaches")},
            "follow_up_rate": rate(fu["followed_up"], elig),
            "sla_met_rate": rate(fu["within_sla"], elig),
            "breach_rate": rate(fu["breaches"], elig),
            "hours_to_first_touch": {"median": qv[0] if qv else None,
                                     "p90": qv[1] if qv else None},
            "buckets": [{"label": lab, "count": fu[f"b{i}"]} for i, lab in enumerate(BUCKETS)],
        },
        "ownership": {
            "unowned": fu["unowned"],
            "unowned_breaches": fu["unowned_breaches"],
            "owners": [dict(zip(("owner", "eligible", "followed_up", "within_sla", "breaches",
                                 "dispositioned"), r)) for r in res["owners"]],
        },
        "definition": {
            "evaluated": df["evaluated"], "ready": df["ready"],
            "mismatches": {k: df[k] for k in ("mql_not_ready", "ready_not_mql", "ready_rejected",
                                              "not_ready_accepted")},
            "failing_criteria": [{"id": cid, "count": df[f"fail{i}"]}
                                 for i, cid in enumerate(meta["criteria"])],
            "crosstab": sorted(
                ({"marketing": r[0], "definition": r[1], "sales": r[2], "count": r[3]}
                 for r in res["crosstab"]),
                key=lambda x: (x["marketing"], x["definition"], x["sales"])),
        },
        "feedback": {
            "eligible": elig, "dispositioned": fu["dispositioned"],
            "coverage": rate(fu["dispositioned"], elig),
            "dispositions": [{"value": v, "count": n} for v, n in res["dispositions"]],
            "reasons": [{"value": v, "count": n} for v, n in res["reasons"]],
        },
        "months": [dict(zip(("month", "handed_over", "eligible", "followed_up", "breaches",
                             "dispositioned", "mql_not_ready"), r)) for r in res["months"]],
        "data_quality": {
            "duplicate_keys": {"marketing": m_rows - m_keys, "crm": c_rows - c_keys},
            "marketing_without_crm": df["marketing_without_crm"],
            "activities_without_marketing": a_stray,
            "touches_before_handover": fu["touches_before_handover"],
            "unparsable": {cid: df[f"unp{i}"] for i, cid in enumerate(meta["criteria"])
                           if df[f"unp{i}"]},
        },
    }
    if "activities" in cfg:
        out["inputs"]["activities"] = {"rows": a_rows}
    return out


def compare(ours, theirs, path="") -> list[str]:
    """Every leaf of `ours` against the same path in handoff's report."""
    bad = []
    if isinstance(ours, dict):
        if not isinstance(theirs, dict):
            return [f"{path}: handoff has {theirs!r}, DuckDB an object"]
        for k, v in ours.items():
            bad += compare(v, theirs.get(k, "<missing>"), f"{path}/{k}")
        if path.endswith("/unparsable"):
            for k in theirs.keys() - ours.keys():
                bad.append(f"{path}/{k}: handoff {theirs[k]!r}, DuckDB 0")
        return bad
    if isinstance(ours, list):
        if not isinstance(theirs, list):
            return [f"{path}: handoff has {theirs!r}, DuckDB a list"]
        if path.endswith("/crosstab"):  # may omit zero cells: compare as a set of non-zero cells
            key = lambda x: (x["marketing"], x["definition"], x["sales"])
            o = {key(x): x["count"] for x in ours if x["count"]}
            t = {key(x): x["count"] for x in theirs if x["count"]}
            return [f"{path}{list(k)}: handoff {t.get(k, 0)}, DuckDB {o.get(k, 0)}"
                    for k in sorted(o.keys() | t.keys()) if o.get(k, 0) != t.get(k, 0)]
        if len(ours) != len(theirs):
            bad.append(f"{path}: handoff has {len(theirs)} entries, DuckDB {len(ours)}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            bad += compare(a, b, f"{path}/{i}")
        return bad
    if isinstance(ours, float) or isinstance(theirs, float):
        if ours is None or theirs is None or not isinstance(theirs, (int, float)):
            return [] if ours == theirs else [f"{path}: handoff {theirs!r}, DuckDB {ours!r}"]
        if math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12):
            return []
        return [f"{path}: handoff {theirs!r}, DuckDB {ours!r}"]
    return [] if ours == theirs else [f"{path}: handoff {theirs!r}, DuckDB {ours!r}"]


def count_leaves(x) -> int:
    if isinstance(x, dict):
        return sum(count_leaves(v) for v in x.values())
    if isinstance(x, list):
        return sum(count_leaves(v) for v in x)
    return 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="directory with handoff.toml and the CSV files")
    ap.add_argument("--check", metavar="HANDOFF_JSON",
                    help="compare with `handoff audit --format json`; exit 1 on any difference")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    ap.add_argument("--print-sql", action="store_true", help="print the SQL and exit")
    args = ap.parse_args()
    started = time.perf_counter()
    figures = compute(args.dir, args.threads, args.print_sql)
    if args.print_sql:
        return 0
    if not args.check:
        json.dump(figures, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    with open(args.check, encoding="utf-8") as f:
        theirs = json.load(f)
    bad = compare(figures, theirs)
    n = count_leaves(figures)
    took = time.perf_counter() - started
    if bad:
        print(f"MISMATCH: {len(bad)} of {n} figures differ between DuckDB and handoff "
              f"({args.dir}):", file=sys.stderr)
        for line in bad[:50]:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"ok: all {n} figures equal ({args.dir}, DuckDB {took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
