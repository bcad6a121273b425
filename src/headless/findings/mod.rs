//! `berth findings`: scan findings across a registry, grouped by CVE, for scripts.
//!
//! It shares its parts with the terminal's triage view: the registry sweep
//! (`crate::ecr::findings::sweep`) and the pure grouping by CVE
//! (`crate::app::findings::grouping`). What is its own is the command line and the
//! output ([`render`]: the table, JSON and CSV reports).

pub mod render;

use super::single_target;
use crate::app::findings::grouping::Triage;
use crate::cli::Cli;
use crate::ecr::findings::ScanBackend;
use crate::ecr::findings::sweep::{self, Scope, SweepSettings};
use crate::ecr::model::Severity;
use crate::ecr::{EcrError, EcrRegistry, Registry};
use render::{OutputFormat, Report};
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// Options of `berth findings` (`--profile`, `--region` and `--endpoint-url` are global).
#[derive(Clone, Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["repo", "all"])))]
pub struct FindingsArgs {
    /// Keep findings at this severity and above: CRITICAL, HIGH, MEDIUM, LOW,
    /// INFORMATIONAL, UNDEFINED (or ALL, the default).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level, default_value = "ALL")]
    pub severity: Severity,
    /// Only this repository (repeatable).
    #[arg(long, value_name = "NAME")]
    pub repo: Vec<String>,
    /// Every repository of the registry.
    #[arg(long)]
    pub all: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// API calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
}

/// A severity name as `--severity` takes it, case-insensitively; ALL means every severity.
pub fn parse_level(text: &str) -> Result<Severity, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(Severity::Undefined);
    }
    Severity::parse(text).ok_or_else(|| {
        format!(
            "unknown severity {text:?}: use CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED or ALL"
        )
    })
}

/// Why `berth findings` printed no report.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    #[error("{0}")]
    Usage(String),
    /// Said without the TUI's key hints: this is printed on the command line.
    #[error("{}", .0.without_key_hint())]
    Registry(#[from] EcrError),
    #[error("nothing could be read: {0}")]
    NothingRead(String),
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
}

impl FindingsError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            FindingsError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Run `berth findings`. Exit status: 0 complete, 3 partial (some repositories or images
/// could not be read; see stderr and the report's `errors`), 1 nothing could be read,
/// 2 usage error.
pub async fn run(cli: &Cli, args: &FindingsArgs) -> ExitCode {
    match report(cli, args).await {
        Ok(partial) => ExitCode::from(if partial { 3 } else { 0 }),
        Err(err) => {
            eprintln!("berth findings: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

async fn report(cli: &Cli, args: &FindingsArgs) -> Result<bool, FindingsError> {
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let target = single_target(cli, "berth findings").map_err(FindingsError::Usage)?;
    let registry = Arc::new(EcrRegistry::connect(&target, &cli.client_options()).await?);
    let account = registry.account_id().await?;
    let scope = if args.all {
        Scope::All
    } else {
        Scope::Repositories(args.repo.clone())
    };
    let settings = SweepSettings {
        min_severity: args.severity,
        concurrency: args.concurrency as usize,
    };
    let backend: Arc<dyn ScanBackend> = registry;
    let collected = sweep::collect(backend, scope, settings).await;
    let describe = |error: &sweep::SweepError| match (&error.repository, &error.image, &error.error)
    {
        (Some(repository), None, EcrError::NotFound { .. }) => {
            format!("repository {repository} not found in {}", target.label())
        }
        _ => error.error.without_key_hint(),
    };
    if collected.images.is_empty() && !collected.errors.is_empty() {
        let all: Vec<String> = collected.errors.iter().map(describe).collect();
        return Err(FindingsError::NothingRead(all.join("; ")));
    }
    for error in &collected.errors {
        eprintln!("berth findings: warning: {}", describe(error));
    }
    let triage = Triage::of(&collected.images, args.severity);
    let report = Report {
        generated_at: now,
        profile: target.source.label().to_string(),
        region: target.region.clone(),
        account,
        min_severity: args.severity,
        all_repositories: args.all,
        repositories: &collected.repositories,
        images: &collected.images,
        triage: &triage,
        errors: &collected.errors,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = match args.output {
        OutputFormat::Table => render::table(&report, &mut out),
        OutputFormat::Json => render::json(&report, &mut out),
        OutputFormat::Csv => render::csv(&report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // A reader that stopped early (`| head`) got what it wanted.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        Err(err) => return Err(err.into()),
    }
    Ok(!collected.errors.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_case_insensitively_and_all_means_everything() {
        assert_eq!(parse_level("high"), Ok(Severity::High));
        assert_eq!(parse_level("CRITICAL"), Ok(Severity::Critical));
        assert_eq!(parse_level("All"), Ok(Severity::Undefined));
        assert!(parse_level("severe").unwrap_err().contains("CRITICAL"));
    }
}
