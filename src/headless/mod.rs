//! Commands that answer without the terminal UI, for scripts.

pub mod audit;
pub mod cache;
pub mod findings;
pub mod images;
pub mod lifecycle;
pub mod restore;
pub mod uri;

use crate::cli::Cli;
use crate::ecr::EcrRegistry;
use crate::ecr::model::RegistryTarget;
use crate::ecr::profiles::{AwsEnvironment, registry_targets};
use crate::lifecycle::ImageRecord;
use crate::storage::{ManifestCache, ReadSettings, add_children, annotate_records, read_manifests};

/// The one registry a headless command acts on: the current credentials, or the single
/// `--profile`, in the single `--region` or the profile's own. Several of either is a usage
/// error, reported as text for stderr.
pub fn single_target(cli: &Cli, command: &str) -> Result<RegistryTarget, String> {
    if cli.profile.len() > 1 || cli.region.len() > 1 {
        let mut message =
            format!("{command} works on one registry: give at most one --profile and one --region");
        if cli.registries_from_config {
            // The lists came from `profiles` / `regions` in the config file.
            message.push_str(&format!(
                " (the config file lists profiles [{}] and regions [{}]; pick one with \
                 --profile NAME --region NAME)",
                cli.profile.join(", "),
                cli.region.join(", ")
            ));
        }
        return Err(message);
    }
    registry_targets(&AwsEnvironment::from_process(), &cli.profile, &cli.region)
        .into_iter()
        .next()
        .ok_or_else(|| "no registry to work on".to_string())
}

/// The bounds of a report's calls: `concurrency` overall, and per member account
/// `account_concurrency` (the command line's), else the config's, else
/// [`crate::config::DEFAULT_ACCOUNT_CONCURRENCY`].
pub fn call_limits(
    cli: &Cli,
    concurrency: u64,
    account_concurrency: Option<u64>,
) -> std::sync::Arc<crate::retry::CallLimits> {
    let per_account = account_concurrency
        .map(|n| n as usize)
        .or(cli.account_concurrency)
        .unwrap_or(crate::config::DEFAULT_ACCOUNT_CONCURRENCY);
    std::sync::Arc::new(crate::retry::CallLimits::new(
        concurrency as usize,
        per_account,
    ))
}

/// Read the manifests of the images `records` of `repository` (through the user's
/// cache) and fill in each record's `layers`, `unique_bytes` and, for an index,
/// `children`. A note says what could not be read, when something could not; those
/// records keep `None`.
pub async fn add_storage(
    registry: &EcrRegistry,
    repository: &str,
    records: &mut [ImageRecord],
) -> Option<String> {
    let cache = ManifestCache::in_user_cache(ManifestCache::DEFAULT_MAX_BYTES);
    // An archived image cannot be pulled, its manifest included.
    let digests: Vec<String> = records
        .iter()
        .filter(|r| r.status == crate::lifecycle::ImageStatus::Active)
        .map(|r| r.digest.clone())
        .collect();
    let set = read_manifests(
        registry,
        cache.as_ref(),
        repository,
        &digests,
        &ReadSettings::default(),
    )
    .await;
    let storage = set.storage();
    annotate_records(records, &storage);
    add_children(records, &set.manifests);
    (!storage.is_complete()).then(|| crate::figures::sweep::unreadable_note(&set.unreadable))
}
