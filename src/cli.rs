//! The command line, declared once with clap derive.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit the marketing-to-sales lead handoff from CRM and marketing-automation exports.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the handoff report: follow-up, 48-hour SLA, owners, definition, feedback loop.
    Audit(AuditArgs),
    /// Check the figures against the [thresholds]; exit 1 when a limit is broken.
    Check(CheckArgs),
    /// Show one lead's record: values, handover, touches, SLA verdict, criteria.
    Explain(ExplainArgs),
    /// Check the config, the definition and the files' headers without running the audit.
    Validate(InputArgs),
    /// Write a commented starter handoff.toml and sales-ready.toml.
    Init(InitArgs),
    /// Compare two JSON reports (the monthly review): figures, owners, findings.
    Compare(CompareArgs),
}

/// `handoff compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier report (`handoff audit --format json`).
    pub before: PathBuf,
    /// The later report.
    pub after: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Exit 1 when any rate is worse by more than the tolerance.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// How much a rate may worsen (absolute) before it is a regression.
    #[arg(long, default_value_t = 0.02, value_name = "T")]
    pub tolerance: f64,
}

/// Formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// A terminal table.
    Table,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JSON.
    Json,
}

/// Where the inputs are.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// The config file [default: ./handoff.toml].
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The marketing export (overrides [marketing] path).
    #[arg(long, value_name = "FILE")]
    pub marketing: Option<PathBuf>,
    /// The CRM export (overrides [crm] path).
    #[arg(long, value_name = "FILE")]
    pub crm: Option<PathBuf>,
    /// The activities export (overrides [activities] path).
    #[arg(long, value_name = "FILE")]
    pub activities: Option<PathBuf>,
    /// The sales-ready definition (overrides [definition] path).
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
    /// The instant to audit from: `2026-11-30` (23:59:59 local) or `2026-11-30T12:00:00Z`.
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
    /// Stop at the first row that cannot be loaded instead of skipping and counting it.
    #[arg(long)]
    pub strict: bool,
    /// Threads to read with [default: the number of cores, at most 2 used].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A terminal report.
    #[default]
    Table,
    /// The JSON contract of SPEC "JSON report".
    Json,
    /// GitHub-flavoured Markdown, for documents and pull-request comments.
    Markdown,
    /// Tidy rows `section,metric,dimension,value`, for spreadsheets.
    Csv,
    /// One self-contained HTML page with charts, to mail or print.
    Html,
}

/// `handoff audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write one CSV row per marketing key with every verdict.
    #[arg(long, value_name = "FILE.csv")]
    pub details: Option<PathBuf>,
    /// Also write every skipped row (source, line, reason) as CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub skipped: Option<PathBuf>,
    /// Replace e-mail keys and owner names with pseudonyms in every output.
    #[arg(long)]
    pub redact: bool,
}

/// `handoff check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Lowest acceptable follow-up rate (overrides [thresholds]).
    #[arg(long, value_name = "RATE")]
    pub min_follow_up_rate: Option<f64>,
    /// Lowest acceptable share of eligible handoffs touched within the SLA.
    #[arg(long, value_name = "RATE")]
    pub min_sla_met_rate: Option<f64>,
    /// Highest acceptable SLA breach rate.
    #[arg(long, value_name = "RATE")]
    pub max_breach_rate: Option<f64>,
    /// Lowest acceptable disposition coverage.
    #[arg(long, value_name = "RATE")]
    pub min_disposition_coverage: Option<f64>,
    /// Highest acceptable share of handoffs that fail the written definition.
    #[arg(long, value_name = "RATE")]
    pub max_mql_not_ready_rate: Option<f64>,
    /// Highest acceptable share of eligible handoffs nobody owns.
    #[arg(long, value_name = "RATE")]
    pub max_unowned_rate: Option<f64>,
    /// Highest acceptable median hours to first touch.
    #[arg(long, value_name = "HOURS")]
    pub max_median_hours_to_first_touch: Option<f64>,
    /// Also write the results as JUnit XML, one test case per threshold.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// `handoff explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The lead's key (e-mail or id), as in any of the exports.
    pub key: String,
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `handoff init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The preset whose column names the starter config uses.
    #[arg(long, default_value = "generic")]
    pub preset: String,
    /// The folder to write into.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
