//! The commands: each turns parsed arguments into a resolved config, runs, and reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::audit;
use crate::cli::{
    AuditArgs, CheckArgs, Cli, Command, CompareArgs, CompareFormat, ExplainArgs, InitArgs,
    InputArgs,
};
use crate::config::{self, Config, DefinitionSource, PathOverrides};
use crate::load::csvfile::CsvFile;
use crate::report::redact::Redactor;
use crate::rules::{self, Definition};

/// Exit codes (SPEC "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// All went well.
    Ok = 0,
    /// `check` found a limit broken.
    LimitBroken = 1,
    /// Bad usage, config or input.
    BadInput = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Whether an error is a closed output pipe (`handoff audit | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Temporary files being written, removed if the user interrupts the run.
fn pending_outputs() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// On Ctrl-C, remove half-written temporary files and exit 130 (interrupted); outputs are
/// renamed into place only when complete, so no partial report is ever left behind.
pub fn handle_interrupts() {
    // If a handler cannot be installed, the default action (exit without cleanup) remains;
    // a leftover `.handoff-*` temporary file is the worst that can happen then.
    let _ = ctrlc::set_handler(|| {
        for p in pending_outputs().iter() {
            let _ = std::fs::remove_file(p);
        }
        std::process::exit(130);
    });
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Audit(a) => audit_cmd(&a),
        Command::Check(a) => check_cmd(&a),
        Command::Explain(a) => explain_cmd(&a),
        Command::Validate(a) => validate_cmd(&a),
        Command::Init(a) => init_cmd(&a),
        Command::Compare(a) => compare_cmd(&a),
    }
}

/// The config file to read: `--config`, else `./handoff.toml`.
fn config_path(input: &InputArgs) -> PathBuf {
    input
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("handoff.toml"))
}

/// Read and resolve the config named by the arguments.
pub fn load_config(input: &InputArgs) -> Result<Config> {
    let overrides = PathOverrides {
        marketing: input.marketing.clone(),
        crm: input.crm.clone(),
        activities: input.activities.clone(),
        definition: input.definition.clone(),
    };
    let mut cfg = config::load(&config_path(input), &overrides, input.as_of.as_deref())?;
    cfg.strict = input.strict;
    if let Some(n) = input.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        cfg.threads = n;
    }
    cfg.progress = !input.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    Ok(cfg)
}

/// Read the definition the config points at.
pub fn load_definition(cfg: &Config) -> Result<Option<Definition>> {
    Ok(match &cfg.definition {
        None => None,
        Some(DefinitionSource::File(p)) => Some(rules::load_file(p)?),
        Some(DefinitionSource::Inline(raw, file)) => {
            let text = std::fs::read_to_string(file).ok();
            Some(rules::resolve((**raw).clone(), file, text.as_deref())?)
        }
    })
}

/// Write text to a file atomically (temporary file, then rename), or to standard output.
pub fn emit(text: &str, output: Option<&Path>, inputs: &[&Path]) -> Result<()> {
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .context("writing to standard output")?;
            out.flush().context("writing to standard output")?;
        }
        Some(path) => {
            refuse_input_overwrite(path, inputs)?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // Readable like any file the user creates (the umask applies), not 0600.
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                builder.permissions(std::fs::Permissions::from_mode(0o666));
            }
            let mut tmp = builder
                .prefix(".handoff-")
                .tempfile_in(&dir)
                .with_context(|| format!("cannot write into `{}`", dir.display()))?;
            let tmp_path = tmp.path().to_path_buf();
            pending_outputs().push(tmp_path.clone());
            let written = tmp
                .write_all(text.as_bytes())
                .with_context(|| format!("writing `{}`", path.display()))
                .and_then(|()| {
                    tmp.persist(path).map(drop).map_err(|e| {
                        anyhow::anyhow!("cannot write `{}`: {}", path.display(), e.error)
                    })
                });
            pending_outputs().retain(|p| *p != tmp_path);
            written?;
        }
    }
    Ok(())
}

/// An output file must never replace an input.
fn refuse_input_overwrite(out: &Path, inputs: &[&Path]) -> Result<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    if let Some(o) = canon(out) {
        for i in inputs {
            if canon(i).as_ref() == Some(&o) {
                bail!(
                    "`{}` is an input of this audit; choose another output file",
                    out.display()
                );
            }
        }
    }
    Ok(())
}

fn input_paths(cfg: &Config) -> Vec<&Path> {
    let mut v: Vec<&Path> = vec![&cfg.path, &cfg.marketing.path, &cfg.crm.path];
    if let Some(a) = &cfg.activities {
        v.push(&a.path);
    }
    if let Some(DefinitionSource::File(p)) = &cfg.definition {
        v.push(p);
    }
    v
}

fn audit_cmd(a: &AuditArgs) -> Result<Exit> {
    let cfg = load_config(&a.input)?;
    let def = load_definition(&cfg)?;
    let inputs = input_paths(&cfg);
    for out in [&a.output, &a.details, &a.skipped].into_iter().flatten() {
        refuse_input_overwrite(out, &inputs)?;
    }
    let data = crate::load::load(&cfg, def.as_ref())?;
    let auditor = audit::Auditor::new(&cfg, &data, def.as_ref())?;
    let mut report = auditor.report();
    let redactor = a.redact.then(|| Redactor::new(&data, &cfg.sales));
    if let Some(r) = &redactor {
        r.report(&mut report);
    }
    audit::add_findings(&mut report, &cfg);
    if let Some(path) = &a.details {
        let text = crate::report::details::details(&auditor, &data, redactor.as_ref())?;
        emit(&text, Some(path), &inputs)?;
    }
    if let Some(path) = &a.skipped {
        emit(
            &crate::report::details::skipped(&data, redactor.as_ref())?,
            Some(path),
            &inputs,
        )?;
    }
    let text = crate::report::render(&report, a.format)?;
    emit(&text, a.output.as_deref(), &inputs)?;
    Ok(Exit::Ok)
}

/// One threshold checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckLine {
    /// The threshold's config name.
    pub name: &'static str,
    /// The limit.
    pub limit: f64,
    /// The figure.
    pub actual: f64,
    /// Whether it holds.
    pub pass: bool,
}

/// Hold the report's figures to the thresholds (SPEC rule 16).
pub fn check_thresholds(t: &config::Thresholds, r: &audit::figures::Report) -> Vec<CheckLine> {
    let f = &r.follow_up;
    let ratio = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let mql_not_ready = r
        .definition
        .as_ref()
        .map_or(0, |d| d.mismatches.mql_not_ready);
    let candidates: [(&'static str, Option<f64>, f64, bool); 7] = [
        (
            "min_follow_up_rate",
            t.min_follow_up_rate,
            f.follow_up_rate,
            true,
        ),
        ("min_sla_met_rate", t.min_sla_met_rate, f.sla_met_rate, true),
        ("max_breach_rate", t.max_breach_rate, f.breach_rate, false),
        (
            "min_disposition_coverage",
            t.min_disposition_coverage,
            r.feedback.coverage,
            true,
        ),
        (
            "max_mql_not_ready_rate",
            t.max_mql_not_ready_rate,
            ratio(mql_not_ready, f.handed_over),
            false,
        ),
        (
            "max_unowned_rate",
            t.max_unowned_rate,
            ratio(r.ownership.unowned, f.eligible),
            false,
        ),
        (
            "max_median_hours_to_first_touch",
            t.max_median_hours_to_first_touch,
            f.hours_to_first_touch.median.unwrap_or(0.0),
            false,
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(name, limit, actual, is_min)| {
            let limit = limit?;
            let pass = if is_min {
                actual >= limit
            } else {
                actual <= limit
            };
            Some(CheckLine {
                name,
                limit,
                actual,
                pass,
            })
        })
        .collect()
}

fn check_cmd(a: &CheckArgs) -> Result<Exit> {
    let cfg = load_config(&a.input)?;
    let def = load_definition(&cfg)?;
    let mut t = cfg.thresholds;
    let flags = [
        (&mut t.min_follow_up_rate, a.min_follow_up_rate),
        (&mut t.min_sla_met_rate, a.min_sla_met_rate),
        (&mut t.max_breach_rate, a.max_breach_rate),
        (&mut t.min_disposition_coverage, a.min_disposition_coverage),
        (&mut t.max_mql_not_ready_rate, a.max_mql_not_ready_rate),
        (&mut t.max_unowned_rate, a.max_unowned_rate),
        (
            &mut t.max_median_hours_to_first_touch,
            a.max_median_hours_to_first_touch,
        ),
    ];
    for (slot, flag) in flags {
        if flag.is_some() {
            *slot = flag;
        }
    }
    if let Some(j) = &a.junit {
        refuse_input_overwrite(j, &input_paths(&cfg))?;
    }
    let report = audit::run(&cfg, def.as_ref())?;
    let lines = check_thresholds(&t, &report);
    if lines.is_empty() {
        bail!(
            "no thresholds to check: add a [thresholds] section to `{}` (e.g. min_follow_up_rate = 0.35)",
            cfg.path.display()
        );
    }
    let mut text = String::new();
    for l in &lines {
        text.push_str(&format!(
            "{:<34} limit {:>8.4}  actual {:>8.4}  {}\n",
            l.name,
            l.limit,
            l.actual,
            if l.pass { "PASS" } else { "FAIL" }
        ));
    }
    let failed = lines.iter().filter(|l| !l.pass).count();
    text.push_str(&if failed == 0 {
        format!("all {} thresholds hold\n", lines.len())
    } else {
        format!("{failed} of {} thresholds broken\n", lines.len())
    });
    if let Some(j) = &a.junit {
        emit(&junit_xml(&lines), Some(j), &input_paths(&cfg))?;
    }
    emit(&text, None, &[])?;
    Ok(if failed > 0 {
        Exit::LimitBroken
    } else {
        Exit::Ok
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per threshold, failures carrying the limit and the value.
pub fn junit_xml(lines: &[CheckLine]) -> String {
    let failures = lines.iter().filter(|l| !l.pass).count();
    let n = lines.len();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"handoff check\" tests=\"{n}\" failures=\"{failures}\">\n"
    ));
    x.push_str(&format!(
        "  <testsuite name=\"thresholds\" tests=\"{n}\" failures=\"{failures}\">\n"
    ));
    for l in lines {
        let name = xml_escape(l.name);
        x.push_str(&format!(
            "    <testcase classname=\"handoff.thresholds\" name=\"{name}\">"
        ));
        if !l.pass {
            let kind = if l.name.starts_with("min_") {
                "below"
            } else {
                "above"
            };
            x.push_str(&format!(
                "\n      <failure message=\"{name}: {} is {kind} the limit {}\">limit {}, actual {}</failure>\n    ",
                l.actual, l.limit, l.limit, l.actual
            ));
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

fn explain_cmd(a: &ExplainArgs) -> Result<Exit> {
    let cfg = load_config(&a.input)?;
    let def = load_definition(&cfg)?;
    let data = crate::load::load(&cfg, def.as_ref())?;
    let text = crate::report::table::without_control_characters(crate::explain::explain(
        &cfg,
        def.as_ref(),
        &data,
        &a.key,
    )?);
    emit(&text, None, &[])?;
    Ok(Exit::Ok)
}

fn validate_cmd(a: &InputArgs) -> Result<Exit> {
    let cfg = load_config(a)?;
    let mut problems: Vec<String> = Vec::new();
    let mut ok: Vec<String> = vec![format!("config `{}` is valid", cfg.path.display())];
    let def = match load_definition(&cfg) {
        Ok(Some(d)) => {
            ok.push(format!(
                "definition `{}`: {} criteria, ready when {}",
                d.file.display(),
                d.criteria.len(),
                d.ready_when.describe()
            ));
            Some(d)
        }
        Ok(None) => None,
        Err(e) => {
            problems.push(format!("{e:#}"));
            None
        }
    };
    let mut opened: Vec<Option<CsvFile>> = Vec::new();
    let mut sources = vec![&cfg.marketing, &cfg.crm];
    if let Some(act) = &cfg.activities {
        sources.push(act);
    }
    for s in sources {
        match CsvFile::open(s).and_then(|f| check_columns(&f, s).map(|()| f)) {
            Ok(f) => {
                ok.push(format!(
                    "{} `{}`: {} columns, every mapped column found",
                    s.source.name(),
                    s.path.display(),
                    f.headers().len()
                ));
                opened.push(Some(f));
            }
            Err(e) => {
                problems.push(format!("{e:#}"));
                opened.push(None);
            }
        }
    }
    if let (Some(d), Some(Some(m)), Some(Some(c))) = (&def, opened.first(), opened.get(1)) {
        if let Err(e) = crate::load::resolve_criteria(d, m, c) {
            problems.push(format!("{e:#}"));
        }
    }
    let mut text = String::new();
    for line in &ok {
        text.push_str(&format!("ok: {line}\n"));
    }
    emit(&text, None, &[])?;
    if problems.is_empty() {
        return Ok(Exit::Ok);
    }
    for p in &problems {
        eprintln!("handoff: problem: {p}");
    }
    eprintln!("handoff: {} problem(s) found", problems.len());
    Ok(Exit::BadInput)
}

/// Every mapped column of a source exists (required ones always; optional ones when written).
fn check_columns(f: &CsvFile, s: &config::SourceConfig) -> Result<()> {
    let required: &[&str] = match s.source {
        config::Source::Marketing => &["key", "handed_over_at"],
        config::Source::Crm => &["key"],
        config::Source::Activities => &["key", "at"],
    };
    for (logical, col) in &s.columns {
        if required.contains(logical) || !matches!(col, config::ColumnRef::Aliases(_)) {
            f.require(s.source.name(), logical, col)?;
        } else {
            f.locate(logical, col)?;
        }
    }
    for r in required {
        if s.column(r).is_none() {
            bail!(
                "[{}] {r} is not set: name the column of `{}` that holds it",
                s.source.name(),
                s.path.display()
            );
        }
    }
    Ok(())
}

fn init_cmd(a: &InitArgs) -> Result<Exit> {
    let files = crate::init::starter_files(&a.preset, chrono::Local::now().date_naive())?;
    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create `{}`", a.dir.display()))?;
    for (name, _) in &files {
        let p = a.dir.join(name);
        if p.exists() && !a.force {
            bail!(
                "`{}` already exists; pass --force to overwrite it",
                p.display()
            );
        }
    }
    let mut text = String::new();
    for (name, content) in &files {
        let p = a.dir.join(name);
        emit(content, Some(&p), &[])?;
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    text.push_str("next: point the paths at your exports, then run `handoff validate`\n");
    emit(&text, None, &[])?;
    Ok(Exit::Ok)
}

fn read_report(path: &Path, which: &str) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {which} report `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "the {which} report `{}` is not JSON; write it with `handoff audit --format json`",
            path.display()
        )
    })
}

fn compare_cmd(a: &CompareArgs) -> Result<Exit> {
    if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
        bail!(
            "--tolerance {} must be a number from 0 (an absolute change in a rate)",
            a.tolerance
        );
    }
    let before = read_report(&a.before, "before")?;
    let after = read_report(&a.after, "after")?;
    let c = crate::compare::compare(&before, &after).with_context(|| {
        format!(
            "comparing `{}` with `{}`",
            a.before.display(),
            a.after.display()
        )
    })?;
    let text = match a.format {
        CompareFormat::Table => {
            crate::report::table::without_control_characters(crate::compare::render_table(&c))
        }
        CompareFormat::Markdown => crate::compare::render_markdown(&c),
        CompareFormat::Json => crate::compare::render_json(&c)?,
    };
    emit(&text, None, &[])?;
    if a.fail_on_regression {
        let worse = crate::compare::regressions(&c, a.tolerance);
        if !worse.is_empty() {
            for f in worse {
                eprintln!(
                    "handoff: regression: {} worsened by {} (tolerance {})",
                    f.path, f.change, a.tolerance
                );
            }
            return Ok(Exit::LimitBroken);
        }
    }
    Ok(Exit::Ok)
}
