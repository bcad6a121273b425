//! `berth audit`: a size and hygiene report of repositories across profiles and regions,
//! as a table, JSON or CSV.
//!
//! The sweep (`crate::figures::sweep`, shared with the TUI's audit columns) reads each
//! registry's repositories, then each repository's images and lifecycle policy, with at
//! most `--concurrency` calls in flight overall. The figures are computed per repository
//! as its pages arrive; the report ([`report`]) sums and orders them and is printed once
//! everything has been read ([`table`], [`export`]). A registry or repository that fails
//! is listed in the report's errors while the rest completes.

pub mod export;
pub mod progress;
pub mod regions;
pub mod report;
pub mod table;

use crate::cli::Cli;
use crate::ecr::ClientOptions;
use crate::ecr::model::RegistryTarget;
use crate::ecr::profiles::{AwsEnvironment, registry_targets};
use crate::figures::progress::Progress;
use crate::figures::sweep::{self, Settings, StorageSettings};
use crate::figures::{DEFAULT_STALE_DAYS, connect_ecr};
use crate::retry::{Backoff, CallLimits};
use crate::storage::ManifestCache;
use export::OutputFormat;
use progress::ProgressLine;
use report::{Outcome, Report, SortKey};
use std::io::{self, Write};
use std::sync::Arc;

/// Options of `berth audit` (`--profile`, `--region` and `--endpoint-url` are global).
#[derive(Clone, Debug, clap::Args)]
pub struct AuditArgs {
    /// Also sweep every default-enabled ECR region (opt-in regions: add them with --region).
    #[arg(long)]
    pub all_regions: bool,
    /// Only repositories whose names start with this.
    #[arg(long, value_name = "PREFIX")]
    pub repo_prefix: Option<String>,
    /// An image not pulled for this many days is stale (push time counts if never pulled).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_STALE_DAYS)]
    pub stale_days: u32,
    /// Order of the repository rows.
    #[arg(long, value_enum, default_value_t = SortKey::Size)]
    pub sort: SortKey,
    /// List only the first N repositories after sorting (totals still count all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub top: Option<u64>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Skip reading manifests: no BatchGetImage calls, and the true-storage figures
    /// (stored bytes, cost, bytes freed, cross-repository bytes) stay unknown.
    #[arg(long)]
    pub no_storage: bool,
    /// API calls in flight at once, across all registries.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// API calls in flight at once into any one member account (--organization, the
    /// config's `accounts`), within --concurrency [default: 4, or `[organization]
    /// account_concurrency` from the config file].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub account_concurrency: Option<u64>,
}

impl AuditArgs {
    /// The bounds of the sweep's calls: `--concurrency` overall, and per member account
    /// `--account-concurrency`, else the config's, else
    /// [`crate::config::DEFAULT_ACCOUNT_CONCURRENCY`].
    pub fn call_limits(&self, cli: &Cli) -> Arc<CallLimits> {
        super::call_limits(cli, self.concurrency, self.account_concurrency)
    }
}

/// Why an audit could not produce its report at all.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Writing the report to stdout failed.
    #[error("cannot write the report: {0}")]
    Output(#[from] io::Error),
    /// The member accounts could not be listed (`--organization`).
    #[error("cannot list the organization's accounts: {0}")]
    Accounts(crate::ecr::EcrError),
}

/// The registries to audit: `--profile`s (or, without any, only the current credentials —
/// a report should not depend on which other profiles happen to be configured) × the
/// `--region`s, plus every default region with `--all-regions`.
pub fn audit_targets(
    env: &AwsEnvironment,
    profiles: &[String],
    regions: &[String],
    all_regions: bool,
) -> Vec<RegistryTarget> {
    let regions = if all_regions {
        regions::with_all_regions(regions)
    } else {
        regions.to_vec()
    };
    let mut targets = registry_targets(env, profiles, &regions);
    if profiles.is_empty()
        && let Some(current) = targets.first().map(|t| t.source.clone())
    {
        targets.retain(|t| t.source == current);
    }
    targets
}

/// Client options for the sweep: the command line's, with the SDK's own retries off.
///
/// The sweep retries throttling itself (with full jitter, releasing its concurrency slot
/// while it waits); leaving the SDK's standard retries on as well would multiply the two
/// budgets (4 × 6 attempts per call).
pub fn sweep_client_options(cli: &Cli) -> ClientOptions {
    ClientOptions {
        max_attempts: 1,
        ..cli.client_options()
    }
}

/// The real in-use lookup: ECS and Lambda of the registry's account and region.
pub fn usage_lookup(options: ClientOptions, limits: crate::usage::Limits) -> sweep::UsageLookup {
    Arc::new(move |target: RegistryTarget, account: String| {
        let options = options.clone();
        Box::pin(async move { crate::usage::lookup(&target, &options, &account, limits).await })
    })
}

/// The in-use lookup of an organization's registries: each account's ECS and Lambda in
/// each region are surveyed once, and every registry learns the uses of its images by
/// any of the accounts (a task in one account pulling from another's registry), the
/// using account named. Its calls count against `limits`, overall and per account, like
/// the sweep's they run beside.
pub fn organization_usage_lookup(
    options: ClientOptions,
    limits: Arc<CallLimits>,
    backoff: Backoff,
    targets: &[RegistryTarget],
) -> sweep::UsageLookup {
    // Each account's survey is made once for the whole report.
    let surveys = Arc::new(crate::usage::surveys::Surveys::new(
        std::time::Duration::MAX,
    ));
    let targets: Arc<Vec<RegistryTarget>> = Arc::new(targets.to_vec());
    Arc::new(move |target: RegistryTarget, account: String| {
        let (surveys, targets, options) = (surveys.clone(), targets.clone(), options.clone());
        let limits = limits.clone();
        Box::pin(async move {
            let region = targets
                .iter()
                .filter(|t| t.region == target.region)
                .cloned();
            let read = surveys.survey_all(region, &options, &limits, backoff).await;
            crate::usage::combine_surveys(&target, &read, &account)
        })
    })
}

/// Run `berth audit`: sweep, print the report on stdout, and say how it went.
pub async fn run(cli: &Cli, args: &AuditArgs) -> Result<Outcome, AuditError> {
    // Whole seconds: the report's `generated_at` reads better, and nothing needs more.
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let targets = if cli.account_source().is_set() {
        cli.member_targets(args.all_regions, &sweep_client_options(cli))
            .await
            .map_err(AuditError::Accounts)?
    } else {
        audit_targets(
            &AwsEnvironment::from_process(),
            &cli.profile,
            &cli.region,
            args.all_regions,
        )
    };
    let limits = args.call_limits(cli);
    let settings = Settings {
        now,
        stale_days: args.stale_days,
        repo_prefix: args.repo_prefix.clone().filter(|p| !p.is_empty()),
        limits: limits.clone(),
        backoff: Backoff::THROTTLING,
        storage: (!args.no_storage).then(|| StorageSettings {
            cache: ManifestCache::in_user_cache(ManifestCache::DEFAULT_MAX_BYTES),
            prices: cli.prices.clone(),
        }),
    };
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone());
    let usage_limits = crate::usage::Limits {
        concurrency: args.concurrency as usize,
        backoff: Backoff::THROTTLING,
    };
    let usage = (!cli.no_usage).then(|| {
        if cli.account_source().is_set() {
            organization_usage_lookup(
                sweep_client_options(cli),
                limits.clone(),
                Backoff::THROTTLING,
                &targets,
            )
        } else {
            usage_lookup(sweep_client_options(cli), usage_limits)
        }
    });
    let results = sweep::collect_with_usage(
        targets,
        connect_ecr(sweep_client_options(cli)),
        settings,
        progress,
        usage,
    )
    .await;
    line.finish().await;

    let top = args.top.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let report = Report::build(now, args.stale_days, results, args.sort, top);
    let outcome = report.outcome();
    match write_report(&report, args.output) {
        Ok(()) => {}
        // A reader that stopped early (`| head`) got what it wanted.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        Err(err) => return Err(err.into()),
    }
    if args.output == OutputFormat::Csv {
        // CSV has no room for them, and the caller must still learn what is missing.
        for error in &report.errors {
            eprintln!("berth: warning: {}", error.error);
        }
        for registry in &report.registries {
            for note in &registry.in_use_unknown {
                eprintln!("berth: note: {}: {note}", registry.registry);
            }
        }
    }
    Ok(outcome)
}

/// The terminal's width when stdout is one (at least 80), else 80: a report piped to a
/// file or a mail reads the same everywhere.
fn table_width() -> usize {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return 80;
    }
    crossterm::terminal::size().map_or(80, |(columns, _)| usize::from(columns).max(80))
}

fn write_report(report: &Report, format: OutputFormat) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match format {
        OutputFormat::Table => table::table(report, table_width(), &mut out)?,
        OutputFormat::Json => export::json(report, &mut out)?,
        OutputFormat::Csv => export::csv(report, &mut out)?,
    }
    out.flush()
}

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
