#!/usr/bin/env bash
# Benchmark `handoff audit` against the same figures computed with DuckDB SQL.
#
#   bash bench/run.sh [--sizes 100000,1000000] [--runs 5] [--seed 1] [--no-duckdb] [--no-check]
#                     [--shuffled]
#
# Builds handoff (release) and the data generator, generates each size into bench/out/leads-N,
# installs the Python `duckdb` package into bench/out/venv, checks that every figure DuckDB
# computes equals handoff's JSON (at 20,000 leads and at every benchmarked size), then times
# both tools in alternating runs (handoff, DuckDB, handoff, DuckDB, ...), measuring the wall
# time and the peak RSS of each run (os.wait4 on the child process) and prints one Markdown table per size with the
# medians and the ratios handoff/DuckDB, plus, with several sizes, how handoff scales.
# --shuffled times a copy of each size whose activity rows are in random order (as in an export
# sorted by date), in bench/out/leads-N-shuffled: the generator writes them about in lead order.
# The tables also go to bench/out/results.md. See bench/README.md.
set -euo pipefail

sizes="100000,1000000"
runs=5
seed=1
duckdb=1
check=1
shuffled=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sizes) sizes="$2"; shift 2 ;;
        --sizes=*) sizes="${1#*=}"; shift ;;
        --runs) runs="$2"; shift 2 ;;
        --runs=*) runs="${1#*=}"; shift ;;
        --seed) seed="$2"; shift 2 ;;
        --seed=*) seed="${1#*=}"; shift ;;
        --no-duckdb) duckdb=0; shift ;;
        --no-check) check=0; shift ;;
        --shuffled) shuffled=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: --runs takes a positive integer, got '$runs'" >&2; exit 2
fi
IFS=',' read -r -a size_list <<< "$sizes"
for n in "${size_list[@]}"; do
    if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
        echo "run.sh: --sizes takes positive integers separated by commas, got '$sizes'" >&2; exit 2
    fi
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
mkdir -p "$out"
cd "$root"
say() { printf '\n== %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
say "building handoff and the generator (release)"
cargo build --release --quiet --bin handoff --example generate
handoff="$root/target/release/handoff"
generate="$root/target/release/examples/generate"

py="$out/venv/bin/python"
if [[ $duckdb -eq 1 || $check -eq 1 ]]; then
    # The DuckDB release the README's table was measured with; DUCKDB_VERSION overrides it.
    want="${DUCKDB_VERSION:-2.0.0}"
    if [[ "$("$py" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null)" != "$want" ]]; then
        say "installing duckdb $want into $out/venv"
        [[ -x "$py" ]] || python3 -m venv "$out/venv"
        "$out/venv/bin/pip" install --quiet --disable-pip-version-check "duckdb==$want"
    fi
    duckdb_version="$("$py" -c 'import duckdb; print(duckdb.__version__)')"
fi

# --- data --------------------------------------------------------------------------------------
# bench/out/leads-N, regenerated when missing or when the generator binary is newer.
data_dir() {
    local n="$1" dir="$out/leads-$1"
    if [[ ! -f "$dir/.complete" || "$generate" -nt "$dir/.complete" \
          || "$(cat "$dir/.complete")" != "seed $seed" ]]; then
        say "generating $n leads (seed $seed) into $dir"
        rm -rf "$dir"
        "$generate" --leads "$n" --seed "$seed" --out "$dir" >&2
        echo "seed $seed" > "$dir/.complete"
    fi
    if [[ $shuffled -eq 1 ]]; then
        local sdir="$dir-shuffled"
        if [[ ! -f "$sdir/.complete" || "$dir/.complete" -nt "$sdir/.complete" ]]; then
            say "shuffling the activity rows of $dir into $sdir"
            rm -rf "$sdir"
            mkdir -p "$sdir"
            for f in marketing.csv crm.csv handoff.toml sales-ready.toml; do
                [[ -e "$dir/$f" ]] && ln -s "$dir/$f" "$sdir/$f"
            done
            python3 - "$dir/activities.csv" "$sdir/activities.csv" "$seed" <<'PY'
import random, sys
with open(sys.argv[1], "rb") as f:
    header, *rows = f.read().split(b"\n")
if rows and rows[-1] == b"":
    rows.pop()
random.Random(int(sys.argv[3])).shuffle(rows)
with open(sys.argv[2], "wb") as f:
    f.write(b"\n".join([header, *rows]) + b"\n")
PY
            echo "seed $seed" > "$sdir/.complete"
        fi
        dir="$sdir"
    fi
    printf '%s' "$dir"
}

# --- equality of the figures ---------------------------------------------------------------
if [[ $check -eq 1 ]]; then
    check_sizes=(20000)
    for n in "${size_list[@]}"; do
        [[ "$n" != 20000 ]] && check_sizes+=("$n")
    done
    for n in "${check_sizes[@]}"; do
        dir="$(data_dir "$n")"
        say "checking DuckDB's figures against handoff's at $n leads"
        "$handoff" audit --quiet --config "$dir/handoff.toml" --format json > "$dir/handoff.json"
        # Exits non-zero (and stops this script) when any figure differs.
        "$py" "$root/bench/duckdb_figures.py" "$dir" --check "$dir/handoff.json"
    done
fi

# --- timing ------------------------------------------------------------------------------------
runs_tsv="$out/runs.tsv"
printf 'size\ttool\trun\twall_s\tpeak_rss_kib\n' > "$runs_tsv"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# One run of a command: wall seconds (monotonic clock around fork/exec/wait) and the peak RSS
# of the child from os.wait4 (the same figure as GNU time's %M, in KiB, at a finer clock).
timer='
import os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=open(os.environ["TIMER_ERR"], "w"))
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
code = os.waitstatus_to_exitcode(status)
print(f"{wall:.3f} {ru.ru_maxrss} {code}")
'
timed() { # timed SIZE TOOL RUN COMMAND... : one run, appended to runs.tsv
    local n="$1" tool="$2" run="$3"; shift 3
    local wall rss code
    read -r wall rss code < <(TIMER_ERR="$out/.stderr" python3 -c "$timer" "$@")
    if [[ "$code" != 0 ]]; then
        echo "run.sh: $tool failed (exit $code) at $n leads:" >&2
        cat "$out/.stderr" >&2
        exit 1
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$run" "$wall" "$rss" >> "$runs_tsv"
    printf '  %-8s run %d: %7.3f s %8.1f MiB\n' "$tool" "$run" "$wall" \
        "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" >&2
}
for n in "${size_list[@]}"; do
    dir="$(data_dir "$n")"
    say "timing at $n leads: $runs alternating runs each"
    for ((r = 1; r <= runs; r++)); do
        timed "$n" handoff "$r" "$handoff" audit --quiet --config "$dir/handoff.toml" --format json
        if [[ $duckdb -eq 1 ]]; then
            timed "$n" duckdb "$r" "$py" "$root/bench/duckdb_figures.py" "$dir"
        fi
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------------
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem_gib="$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
# HANDOFF_REV names the build when the tree is not a git checkout (an exported snapshot).
if commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
    if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
        commit="$commit (with uncommitted changes)"
    fi
else
    commit="${HANDOFF_REV:-unknown revision}"
fi
export BENCH_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" BENCH_NPROC="$(nproc)" BENCH_CPU="$cpu" \
    BENCH_MEM="$mem_gib" BENCH_LOAD_BEFORE="$load_before" BENCH_LOAD_AFTER="$load_after" \
    BENCH_COMMIT="$commit" BENCH_DUCKDB="${duckdb_version:-}" BENCH_RUNS="$runs" \
    BENCH_OUT="$out" BENCH_SEED="$seed" BENCH_SHUFFLED="$shuffled"
python3 - "$runs_tsv" <<'PY' | tee "$out/results.md"
import csv, os, statistics, sys

env = os.environ
shuffled = env["BENCH_SHUFFLED"] == "1"
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
sizes = list(dict.fromkeys(int(r["size"]) for r in rows))


def runs_of(n, tool):
    return [r for r in rows if int(r["size"]) == n and r["tool"] == tool]


def med(n, tool, key):
    vals = [float(r[key]) for r in runs_of(n, tool)]
    return statistics.median(vals) if vals else None


def inputs(n):
    d = os.path.join(env["BENCH_OUT"], f"leads-{n}" + ("-shuffled" if shuffled else ""))
    total, parts = 0, []
    for name in ("marketing", "crm", "activities"):
        p = os.path.join(d, name + ".csv")
        if os.path.exists(p):
            total += os.path.getsize(p)
            with open(p, "rb") as f:
                lines = sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b"")) - 1
            parts.append(f"{lines:,} {name} rows")
    return f"{total / 1e6:,.0f} MB of CSV: " + ", ".join(parts)


print(f"# handoff vs DuckDB — {env['BENCH_DATE']}\n")
print(f"Machine: {env['BENCH_NPROC']} cores ({env['BENCH_CPU']}), {env['BENCH_MEM']} GiB RAM; "
      f"load average (1/5/15 min) {env['BENCH_LOAD_BEFORE']} before the timed runs, "
      f"{env['BENCH_LOAD_AFTER']} after.  ")
print(f"handoff {env['BENCH_COMMIT']}; DuckDB {env['BENCH_DUCKDB'] or '-'} (Python package, "
      f"all cores); data generated with `--seed {env['BENCH_SEED']}`"
      + (", activity rows shuffled (`--shuffled`); " if shuffled else "; ")
      + (f"{env['BENCH_RUNS']} alternating runs per tool and size, medians shown.\n"
         if any(r["tool"] == "duckdb" for r in rows)
         else f"{env['BENCH_RUNS']} runs of handoff alone per size (`--no-duckdb`), medians shown.\n"))
for n in sizes:
    print(f"## {n:,} leads\n\n{inputs(n)}.\n")
    print("| tool | median wall (s) | median peak RSS (MiB) | wall of each run (s) |")
    print("|---|---:|---:|---|")
    for tool, label in (("handoff", "`handoff audit --format json`"),
                        ("duckdb", "DuckDB SQL (`bench/duckdb_figures.py`)")):
        rs = runs_of(n, tool)
        if rs:
            print(f"| {label} | {med(n, tool, 'wall_s'):.2f} | "
                  f"{med(n, tool, 'peak_rss_kib') / 1024:.0f} | "
                  + ", ".join(r["wall_s"] for r in rs) + " |")
    if runs_of(n, "duckdb"):
        wr = med(n, "handoff", "wall_s") / med(n, "duckdb", "wall_s")
        rr = med(n, "handoff", "peak_rss_kib") / med(n, "duckdb", "peak_rss_kib")
        print(f"| **handoff / DuckDB** | **{wr:.3f}** | **{rr:.3f}** | |")
    print()
if len(sizes) > 1:
    print("## Scaling of handoff\n")
    print("| sizes | leads ratio | wall ratio | peak RSS ratio |")
    print("|---|---:|---:|---:|")
    for a, b in zip(sizes, sizes[1:]):
        print(f"| {b:,} / {a:,} | {b / a:.2f} | "
              f"{med(b, 'handoff', 'wall_s') / med(a, 'handoff', 'wall_s'):.2f} | "
              f"{med(b, 'handoff', 'peak_rss_kib') / med(a, 'handoff', 'peak_rss_kib'):.2f} |")
    print()
PY
echo "(written to $out/results.md; every run in $runs_tsv)" >&2
