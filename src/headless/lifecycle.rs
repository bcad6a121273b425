//! `berth lifecycle preview`: berth's offline dry run of a lifecycle policy, for scripts.
//! (The registry work behind the TUI's lifecycle view is `crate::runtime::lifecycle`.)
//!
//! ```text
//! berth lifecycle preview [--policy FILE] (--repo NAME | --images FILE)
//!                         [--now RFC3339] [--output table|json]
//! ```
//!
//! - `--repo NAME` reads the images from the registry (DescribeImages, and BatchGetImage
//!   of every manifest list so its children are never previewed as deletable); without
//!   `--policy`, the repository's current policy is previewed.
//! - `--images FILE` reads image records (`berth images --output json`); `-` is stdin.
//!   It needs `--policy`.
//! - The JSON output is the engine's `Plan`, `expired` and `transitioned` (the images a
//!   transition rule moves to archive storage) oldest push first, with
//!   `bytes_freed`: the bytes of the blobs only expiring images hold (from the manifests
//!   with `--repo`, from the records' `layers` with `--images`), or `null` with
//!   `bytes_freed_unknown` saying why. With `--repo`
//!   (unless `--no-usage`) each expired image also has `in_use` (the ECS services, tasks
//!   and Lambda functions using it), and the plan `in_use_expired_count` and
//!   `in_use_unknown` (what the lookup could not read).
//!
//! Exit codes: 0 success; 1 an invalid policy (the message names the rule and the
//! field), unreadable input, or a registry failure; 2 usage errors.

use super::single_target;
use crate::cli::Cli;
use crate::ecr::model::{RegistryTarget, short_digest};
use crate::ecr::records::{RecordsError, registry_image_records};
use crate::ecr::{ClientOptions, EcrError, EcrRegistry, policy};
use crate::format;
use crate::lifecycle::{
    Action, Candidate, ExpiredImage, Plan, Policy, PolicyError, evaluate, parse_policy,
    read_image_records,
};
use crate::storage::{Digest, RepositoryStorage, storage_of_records};
use crate::usage::{ImageUser, UsageMap};
use jiff::Timestamp;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `berth lifecycle`.
#[derive(Debug, clap::Args)]
pub struct LifecycleArgs {
    #[command(subcommand)]
    pub command: LifecycleCommand,
}

/// Subcommands of `berth lifecycle`.
#[derive(Debug, clap::Subcommand)]
pub enum LifecycleCommand {
    /// Dry-run a lifecycle policy: which images ECR would expire or archive, and why.
    ///
    /// Exit status: 0 success; 1 invalid policy (the message names rule and field),
    /// unreadable input or registry failure; 2 usage error.
    Preview(PreviewArgs),
}

/// Arguments of `berth lifecycle preview`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["repo", "images"])))]
pub struct PreviewArgs {
    /// The policy JSON to preview (`-` for stdin). Default with --repo: the repository's
    /// current policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Read the images of this repository from the registry.
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Read image records from FILE (`-` for stdin), as `berth images --output json`
    /// writes them.
    #[arg(long, value_name = "FILE", requires = "policy")]
    pub images: Option<PathBuf>,
    /// Evaluate as of this instant (RFC 3339, e.g. 2026-01-31T12:00:00Z). Default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PreviewFormat::Table)]
    pub output: PreviewFormat,
}

/// Output formats of `berth lifecycle preview`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PreviewFormat {
    Table,
    Json,
}

/// Why a preview could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("invalid policy in {}: {source}", path.display())]
    InvalidPolicy { path: PathBuf, source: PolicyError },
    #[error(
        "the current policy of {repository} is not one berth can evaluate: {source} \
         (pass --policy FILE to preview another)"
    )]
    InvalidCurrentPolicy {
        repository: String,
        source: PolicyError,
    },
    #[error("invalid image records in {}: {source}", path.display())]
    InvalidImages {
        path: PathBuf,
        source: crate::lifecycle::ImageRecordError,
    },
    #[error("repository {repository} has no lifecycle policy; pass --policy FILE to preview one")]
    NoPolicy { repository: String },
    #[error(transparent)]
    Images(#[from] RecordsError),
    /// Said without the TUI's key hints: this is printed on the command line.
    #[error("{}", .0.without_key_hint())]
    Registry(#[from] EcrError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

impl PreviewError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            PreviewError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Run `berth lifecycle …`.
pub async fn run(cli: &Cli, args: &LifecycleArgs) -> ExitCode {
    match &args.command {
        LifecycleCommand::Preview(args) => match preview(cli, args).await {
            Ok(()) => ExitCode::SUCCESS,
            // The reader stopped early (`| head`): it has what it wanted.
            Err(PreviewError::Output(err)) if err.kind() == io::ErrorKind::BrokenPipe => {
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("berth lifecycle preview: {err}");
                ExitCode::from(err.exit_code())
            }
        },
    }
}

/// Where the policy being previewed came from, for the table's heading.
enum PolicyOrigin {
    File(PathBuf),
    Repository(String),
}

async fn preview(cli: &Cli, args: &PreviewArgs) -> Result<(), PreviewError> {
    let stdin = |path: &Option<PathBuf>| path.as_deref() == Some(Path::new("-"));
    if stdin(&args.policy) && stdin(&args.images) {
        return Err(PreviewError::Usage(
            "--policy and --images cannot both read stdin".into(),
        ));
    }
    let now = args.now.unwrap_or_else(Timestamp::now);
    let file_policy = match &args.policy {
        Some(path) => {
            let text = read_input(path, "policy")?;
            let policy = parse_policy(&text).map_err(|source| PreviewError::InvalidPolicy {
                path: path.clone(),
                source,
            })?;
            Some((policy, PolicyOrigin::File(path.clone())))
        }
        None => None,
    };
    let mut usage_of_repository = None;
    let (policy, origin, records) = match (&args.repo, &args.images) {
        (Some(repository), None) => {
            let target =
                single_target(cli, "berth lifecycle preview").map_err(PreviewError::Usage)?;
            let registry = EcrRegistry::connect(&target, &cli.client_options()).await?;
            if !cli.no_usage {
                usage_of_repository = Some((
                    repository.clone(),
                    usage_map(&registry, &target, &cli.client_options()).await,
                ));
            }
            // Images first: a missing repository is then reported as such, not as a
            // missing policy.
            let mut records = registry_image_records(&registry, repository).await?;
            if let Some(note) = super::add_storage(&registry, repository, &mut records).await {
                eprintln!("berth lifecycle preview: note: {note}");
            }
            let (policy, origin) = match file_policy {
                Some(found) => found,
                None => {
                    let text = policy::lifecycle_policy(&registry, repository)
                        .await?
                        .ok_or_else(|| PreviewError::NoPolicy {
                            repository: repository.clone(),
                        })?;
                    let policy = parse_policy(&text).map_err(|source| {
                        PreviewError::InvalidCurrentPolicy {
                            repository: repository.clone(),
                            source,
                        }
                    })?;
                    (policy, PolicyOrigin::Repository(repository.clone()))
                }
            };
            (policy, origin, records)
        }
        (None, Some(path)) => {
            let text = read_input(path, "image records")?;
            let records =
                read_image_records(&text).map_err(|source| PreviewError::InvalidImages {
                    path: path.clone(),
                    source,
                })?;
            let (policy, origin) = file_policy
                .ok_or_else(|| PreviewError::Usage("--images needs --policy FILE".into()))?;
            (policy, origin, records)
        }
        // clap's argument group makes exactly one of them present.
        _ => {
            return Err(PreviewError::Usage(
                "give exactly one of --repo NAME and --images FILE".into(),
            ));
        }
    };
    let storage = storage_of_records(&records).map_err(|index| records[index].digest.clone());
    let candidates: Vec<Candidate> = records.iter().cloned().map(Candidate::from).collect();
    let plan = evaluate(&policy, &candidates, now);
    let freed = Freed::of(&plan, storage.as_ref().map_err(Clone::clone));
    let usage = usage_of_repository
        .as_ref()
        .map(|(repository, map)| ExpiredUsage::of(&plan, repository, map));
    let mut out = io::stdout().lock();
    write_plan(
        &mut out,
        &plan,
        &policy,
        &origin,
        candidates.len(),
        now,
        args.output,
        usage.as_ref(),
        &freed,
    )
    .and_then(|()| out.flush())
    .map_err(PreviewError::Output)
}

/// Read `path`, or stdin for `-`.
fn read_input(path: &Path, what: &'static str) -> Result<String, PreviewError> {
    let fail = |source| PreviewError::Read {
        what,
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).map_err(fail)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(fail)
    }
}

/// What the expiring images really free: the blobs no kept image holds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Freed {
    Bytes(u64),
    /// Unknown, and why.
    Unknown(String),
}

impl Freed {
    /// From the repository's figures, or the digest of the first image whose blobs are
    /// not known.
    fn of(plan: &Plan<'_>, storage: Result<&RepositoryStorage, String>) -> Freed {
        let storage = match storage {
            Ok(storage) => storage,
            Err(digest) => {
                return Freed::Unknown(format!(
                    "the blobs of image {} are not known (image records carry them as \
                     `layers`, as berth images --output json writes them)",
                    short_digest(&digest)
                ));
            }
        };
        let expired: Vec<Digest> = plan
            .expired
            .iter()
            .filter_map(|image| Digest::parse(image.digest))
            .collect();
        match storage.bytes_freed(&expired).exact_bytes() {
            Some(bytes) if expired.len() == plan.expired.len() => Freed::Bytes(bytes),
            _ => Freed::Unknown("some expiring images' blobs are not known".into()),
        }
    }
}

/// Which workloads use each image a plan expires (`--repo` only).
struct ExpiredUsage {
    /// Per `plan.expired` entry, in order.
    users: Vec<Vec<ImageUser>>,
    /// Why the lookup is incomplete (`in-use unknown (missing ecs:ListClusters)`).
    unknown: Vec<String>,
}

impl ExpiredUsage {
    fn of(plan: &Plan<'_>, repository: &str, map: &UsageMap) -> ExpiredUsage {
        ExpiredUsage {
            users: plan
                .expired
                .iter()
                .map(|image| map.users(repository, image.digest, image.tags))
                .collect(),
            unknown: map.gap_summaries(),
        }
    }

    fn in_use(&self) -> usize {
        self.users.iter().filter(|u| !u.is_empty()).count()
    }
}

/// Which images of the registry ECS and Lambda use; a failure is a gap, never an error.
async fn usage_map(
    registry: &EcrRegistry,
    target: &RegistryTarget,
    options: &ClientOptions,
) -> UsageMap {
    let limits = crate::usage::Limits::default();
    // berth's own backoff retries throttling; the SDK's on top would multiply the budgets.
    let options = ClientOptions {
        max_attempts: 1,
        ..options.clone()
    };
    match crate::ecr::Registry::account_id(registry).await {
        Ok(account) => crate::usage::lookup(target, &options, &account, limits).await,
        Err(err) => UsageMap::build(
            crate::usage::UsageReport {
                references: Vec::new(),
                gaps: vec![crate::usage::Gap::new(crate::usage::Source::Ecs, &err)],
            },
            "",
            "",
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn write_plan(
    out: &mut impl Write,
    plan: &Plan<'_>,
    policy: &Policy,
    origin: &PolicyOrigin,
    total: usize,
    now: Timestamp,
    format: PreviewFormat,
    usage: Option<&ExpiredUsage>,
    freed: &Freed,
) -> io::Result<()> {
    if format == PreviewFormat::Table {
        return write_table(out, plan, policy, origin, total, now, usage, freed);
    }
    // The engine's plan, with what it really frees and what uses each expiring image
    // added alongside.
    let mut value = serde_json::to_value(plan)?;
    let (bytes, unknown) = match freed {
        Freed::Bytes(bytes) => (Some(*bytes), None),
        Freed::Unknown(why) => (None, Some(why.as_str())),
    };
    value["bytes_freed"] = serde_json::to_value(bytes)?;
    value["bytes_freed_unknown"] = serde_json::to_value(unknown)?;
    if let Some(usage) = usage {
        if let Some(expired) = value["expired"].as_array_mut() {
            for (entry, users) in expired.iter_mut().zip(&usage.users) {
                entry["in_use"] = serde_json::to_value(users)?;
            }
        }
        value["in_use_expired_count"] = usage.in_use().into();
        value["in_use_unknown"] = serde_json::to_value(&usage.unknown)?;
    }
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

#[allow(clippy::too_many_arguments)]
fn write_table(
    out: &mut impl Write,
    plan: &Plan<'_>,
    policy: &Policy,
    origin: &PolicyOrigin,
    total: usize,
    now: Timestamp,
    usage: Option<&ExpiredUsage>,
    freed: &Freed,
) -> io::Result<()> {
    match origin {
        PolicyOrigin::File(path) => writeln!(out, "policy from {}:", path.display())?,
        PolicyOrigin::Repository(name) => writeln!(out, "current policy of {name}:")?,
    }
    for line in policy.describe().lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "as of {}: {} of {total} images expire, {} reclaimed",
        format::utc(now),
        plan.expired_count,
        format::size(plan.bytes_reclaimed)
    )?;
    // Archiving is said apart from expiring: it frees nothing, and the images stay.
    let archives = policy
        .rules()
        .iter()
        .any(|rule| rule.action == Action::TransitionToArchive);
    if archives {
        writeln!(
            out,
            "{} of {total} images move to archive storage ({}), not pullable until restored",
            plan.transitioned_count,
            format::size(plan.bytes_transitioned)
        )?;
    }
    match freed {
        Freed::Bytes(bytes) => writeln!(
            out,
            "frees {} (layers no kept image holds; the size above counts shared layers)",
            format::size(*bytes)
        )?,
        Freed::Unknown(why) => writeln!(out, "bytes freed unknown: {why}")?,
    }
    if let Some(usage) = usage {
        writeln!(
            out,
            "{}",
            crate::app::usage::expiring_summary(usage.in_use(), plan.expired_count)
        )?;
        for note in &usage.unknown {
            writeln!(out, "{note}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:>8}  {:<7}  {:>8}  {:>8}  {:>8}  {:>11}",
        "PRIORITY", "ACTION", "MATCHED", "EXPIRED", "ARCHIVED", "SIZE"
    )?;
    for rule in &plan.rules {
        writeln!(
            out,
            "{:>8}  {:<7}  {:>8}  {:>8}  {:>8}  {:>11}",
            rule.rule_priority,
            action_word(rule.action),
            rule.matched,
            rule.expired,
            rule.transitioned,
            format::size(rule.bytes)
        )?;
    }
    for skipped in &plan.not_evaluated {
        writeln!(
            out,
            "priority {}: {}",
            skipped.rule_priority, skipped.reason
        )?;
    }
    if !plan.warnings.is_empty() {
        writeln!(out)?;
    }
    for warning in &plan.warnings {
        writeln!(
            out,
            "warning: {}",
            crate::sanitize::sanitize(&warning.message)
        )?;
    }
    if archives {
        if plan.transitioned.is_empty() {
            writeln!(out, "\nnothing is archived")?;
        } else {
            writeln!(out, "\nARCHIVED, oldest first")?;
            write_images(out, &plan.transitioned, None)?;
        }
    }
    if plan.expired.is_empty() {
        return writeln!(out, "\nnothing expires");
    }
    writeln!(out, "\nEXPIRED, oldest first")?;
    write_images(out, &plan.expired, usage)
}

/// How a rule's action reads in the table.
fn action_word(action: Action) -> &'static str {
    match action {
        Action::Expire => "expire",
        Action::TransitionToArchive => "archive",
    }
}

/// The images one outcome takes, oldest first, with who uses them where known.
fn write_images(
    out: &mut impl Write,
    images: &[ExpiredImage<'_>],
    usage: Option<&ExpiredUsage>,
) -> io::Result<()> {
    writeln!(
        out,
        "{:<23}  {:<12}  {:>11}  {:>8}  TAGS",
        "PUSHED (UTC)", "DIGEST", "SIZE", "PRIORITY"
    )?;
    for (index, image) in images.iter().enumerate() {
        let tags = if image.tags.is_empty() {
            "<untagged>".to_string()
        } else {
            image.tags.join(", ")
        };
        writeln!(
            out,
            "{:<23}  {:<12}  {:>11}  {:>8}  {tags}",
            format::utc(image.pushed_at),
            short_digest(image.digest).trim_start_matches("sha256:"),
            format::size(image.size_bytes),
            image.rule_priority,
        )?;
        let users = usage
            .and_then(|u| u.users.get(index))
            .map_or(&[][..], Vec::as_slice);
        if !users.is_empty() {
            let named: Vec<String> = users.iter().map(crate::app::usage::describe_user).collect();
            writeln!(out, "  ↳ IN USE by {}", named.join(", "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
