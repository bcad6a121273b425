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
use crate::ecr::findings::sweep::{self, Origin, Scope, Slots, SweepSettings};
use crate::ecr::model::RegistryTarget;
use crate::ecr::model::Severity;
use crate::ecr::{EcrError, EcrRegistry, Registry};
use render::{OutputFormat, Report};
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use tokio::task::JoinSet;

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
    /// API calls in flight at once, across every registry of the report.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
    /// API calls in flight at once into any one member account (--organization, the
    /// config's `accounts`), within --concurrency [default: 4, or `[organization]
    /// account_concurrency` from the config file].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub account_concurrency: Option<u64>,
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
    /// The member accounts could not be listed (`--organization`).
    #[error("cannot list the organization's accounts: {0}")]
    Accounts(String),
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
    let scope = if args.all {
        Scope::All
    } else {
        Scope::Repositories(args.repo.clone())
    };
    let swept = if cli.account_source().is_set() {
        let targets = cli
            .member_targets(false, &cli.client_options())
            .await
            .map_err(|err| FindingsError::Accounts(err.without_key_hint()))?;
        organization(cli, args, targets, scope).await
    } else {
        let target = single_target(cli, "berth findings").map_err(FindingsError::Usage)?;
        one_registry(cli, args, target, scope).await?
    };
    let Swept {
        registries,
        mut collected,
        mut notes,
    } = swept;
    // Across member accounts every message and row says which account it is about.
    let several = cli.account_source().is_set();
    let single = registries
        .first()
        .map(|r| format!("{}/{}", r.registry.profile, r.registry.region))
        .filter(|_| !several);
    let describe = |error: &sweep::SweepError| {
        let text = match (&error.repository, &error.image, &error.error) {
            (Some(repository), None, EcrError::NotFound { .. }) => match &single {
                Some(label) => format!("repository {repository} not found in {label}"),
                None => format!("repository {repository} not found"),
            },
            _ => error.error.without_key_hint(),
        };
        match &error.origin {
            Some(origin) if several => format!("{}: {text}", origin.describe()),
            _ => text,
        }
    };
    // A repository named with --repo lives in some accounts and not others: where it is
    // missing is worth a note, not an error — unless it is missing everywhere it could be
    // looked for (an account that could not be read does not count as having it).
    let nowhere: Vec<String> = if several && !args.all {
        args.repo
            .iter()
            .filter(|r| {
                let about = |e: &&sweep::SweepError| {
                    e.image.is_none() && e.repository.as_deref() == Some(r.as_str())
                };
                let missing = collected
                    .errors
                    .iter()
                    .filter(about)
                    .filter(|e| is_missing(e));
                let failed = collected.errors.iter().filter(about).count();
                missing.count() > 0 && failed == registries.len()
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if several && !args.all {
        collected.errors.retain(|error| {
            let note = is_missing(error)
                && !nowhere
                    .iter()
                    .any(|r| error.repository.as_deref() == Some(r));
            if note {
                notes.push(describe(error));
            }
            !note
        });
    }
    let read_nothing = registries.iter().all(|r| !r.listed)
        || (collected.images.is_empty()
            && !collected.errors.is_empty()
            && (!several || (!args.all && nowhere.len() == args.repo.len())));
    if read_nothing && !collected.errors.is_empty() {
        let all: Vec<String> = collected.errors.iter().map(describe).collect();
        return Err(FindingsError::NothingRead(all.join("; ")));
    }
    for note in &notes {
        eprintln!("berth findings: note: {note}");
    }
    for error in &collected.errors {
        eprintln!("berth findings: warning: {}", describe(error));
    }
    let triage = Triage::of(&collected.images, args.severity);
    let report = Report {
        generated_at: now,
        registries: registries.iter().map(|r| r.registry.clone()).collect(),
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

/// Whether `error` says a named repository is not in the registry.
fn is_missing(error: &sweep::SweepError) -> bool {
    matches!(
        (&error.repository, &error.image, &error.error),
        (Some(_), None, EcrError::NotFound { .. })
    )
}

/// One registry a report covers, and how its sweep went.
struct Covered {
    registry: render::ReportRegistry,
    /// Whether its repositories could be listed.
    listed: bool,
}

/// What the sweeps of a report read.
struct Swept {
    registries: Vec<Covered>,
    /// Every registry's images and errors; `repositories` holds distinct names.
    collected: sweep::Collected,
    notes: Vec<String>,
}

/// `berth findings` on one registry (`--profile`/`--region`).
async fn one_registry(
    cli: &Cli,
    args: &FindingsArgs,
    target: RegistryTarget,
    scope: Scope,
) -> Result<Swept, FindingsError> {
    let registry = Arc::new(EcrRegistry::connect(&target, &cli.client_options()).await?);
    let account = registry.account_id().await?;
    let settings = SweepSettings {
        min_severity: args.severity,
        concurrency: args.concurrency as usize,
    };
    let backend: Arc<dyn ScanBackend> = registry;
    let collected = sweep::collect(backend, scope, settings).await;
    Ok(Swept {
        registries: vec![Covered {
            registry: render::ReportRegistry {
                profile: target.source.label().to_string(),
                account,
                account_name: None,
                region: target.region.clone(),
                repositories: collected.repositories.len(),
            },
            listed: collected.listed,
        }],
        collected,
        notes: Vec::new(),
    })
}

/// `berth findings` across member accounts: every account × region swept at once, the
/// calls in flight bounded by `--concurrency` across them all and `--account-concurrency`
/// per account; one registry's failure is an error of that registry, never of the report.
async fn organization(
    cli: &Cli,
    args: &FindingsArgs,
    targets: Vec<RegistryTarget>,
    scope: Scope,
) -> Swept {
    let limits = super::call_limits(cli, args.concurrency, args.account_concurrency);
    let mut sweeps = JoinSet::new();
    for (index, target) in targets.iter().enumerate() {
        let member = target.source.member().cloned();
        let origin = Arc::new(Origin {
            account: member.as_ref().map(|m| m.id.clone()).unwrap_or_default(),
            account_name: member
                .as_ref()
                .map(|m| m.name.clone())
                .filter(|n| !n.is_empty()),
            region: target.region.clone(),
        });
        let (target, scope, options) = (target.clone(), scope.clone(), cli.client_options());
        let limit = Slots::shared(limits.clone(), member.as_ref().map(|m| m.id.as_str()));
        let min_severity = args.severity;
        sweeps.spawn(async move {
            let collected = match EcrRegistry::connect(&target, &options).await {
                Ok(registry) => {
                    let backend: Arc<dyn ScanBackend> = Arc::new(registry);
                    let events =
                        sweep::sweep_in(backend, scope, min_severity, limit, Some(origin.clone()));
                    sweep::collect_events(events).await
                }
                Err(error) => sweep::Collected {
                    errors: vec![sweep::SweepError {
                        repository: None,
                        image: None,
                        error,
                        origin: Some(origin.clone()),
                    }],
                    ..Default::default()
                },
            };
            (index, origin, collected)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = sweeps.join_next().await {
        if let Ok(swept) = joined {
            done.push(swept);
        }
    }
    // The order of the targets, whatever finished first.
    done.sort_by_key(|(index, _, _)| *index);
    let mut registries = Vec::new();
    let mut all = sweep::Collected::default();
    for (index, origin, collected) in done {
        // A named repository the registry does not have, or could not list, is not one
        // of the repositories read.
        let missing = collected
            .errors
            .iter()
            .filter(|e| e.repository.is_some() && e.image.is_none())
            .count();
        registries.push(Covered {
            registry: render::ReportRegistry {
                profile: targets[index].source.label().to_string(),
                account: origin.account.clone(),
                account_name: origin.account_name.clone(),
                region: origin.region.clone(),
                repositories: collected.repositories.len().saturating_sub(missing),
            },
            listed: collected.listed,
        });
        all.listed |= collected.listed;
        all.repositories.extend(collected.repositories);
        all.images.extend(collected.images);
        all.errors.extend(collected.errors);
    }
    all.repositories.sort();
    all.repositories.dedup();
    Swept {
        registries,
        collected: all,
        notes: Vec::new(),
    }
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
