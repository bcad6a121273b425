//! The sweep: every registry's repositories and their images, read with bounded
//! concurrency and each page asked for exactly once.
//!
//! One semaphore bounds the calls in flight across all registries and repositories, so
//! `--concurrency` means what it says however the work is spread; in an organization each
//! member account has its own bound too (`--account-concurrency`), so no account takes
//! every slot while the others wait, nor presses its own API rate. A repository is read
//! as soon as the listing page naming it arrives, and its lifecycle policy is fetched
//! alongside its first images page, which keeps the server busy from the first reply.

use super::progress::Progress;
use super::rows::{ErrorEntry, ImageStats, RegistryResult, RepositoryRow};
use super::source::SweepSource;
use crate::ecr::EcrError;
use crate::ecr::model::{Image, ImageStatus, RegistryTarget, Repository};
use crate::ecr::pager::for_each_page;
use crate::lifecycle::{self, Candidate};
use crate::retry::{Backoff, CallLimits, retry_in_slots, retryable_at};
use crate::storage::{
    Digest, ManifestCache, ReadSettings, RepositoryStorage, StoragePrices, Unreadable,
    monthly_cost_usd, read_manifests,
};
use crate::usage::UsageMap;
use jiff::Timestamp;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use tokio::task::JoinSet;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Builds the source for a registry (the real one connects aws-sdk-ecr).
pub type Connect =
    Arc<dyn Fn(RegistryTarget) -> BoxFuture<Result<Arc<dyn SweepSource>, EcrError>> + Send + Sync>;

/// Looks up which images of a registry (target, account) ECS and Lambda use.
pub type UsageLookup = Arc<dyn Fn(RegistryTarget, String) -> BoxFuture<UsageMap> + Send + Sync>;

/// What to sweep and how.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The instant staleness and lifecycle rules are judged at.
    pub now: Timestamp,
    /// Images not pulled for this many days count as stale.
    pub stale_days: u32,
    /// Only repositories whose names start with this.
    pub repo_prefix: Option<String>,
    /// Calls in flight at once, across every registry and into each member account;
    /// shared with whatever else should count against the same bounds (the
    /// organization's in-use survey).
    pub limits: Arc<CallLimits>,
    /// Retry budget for throttled and transiently failed calls.
    pub backoff: Backoff,
    /// Read every image's manifest for the true-storage figures; `None` leaves them
    /// unknown and makes no BatchGetImage call.
    pub storage: Option<StorageSettings>,
}

/// How the sweep reads manifests and prices what they store.
#[derive(Clone, Debug, Default)]
pub struct StorageSettings {
    /// Manifests kept by digest between runs, so an unchanged registry is read without
    /// BatchGetImage; `None` asks the registry for every manifest.
    pub cache: Option<ManifestCache>,
    /// The storage price per region, for `monthly_cost_usd`.
    pub prices: StoragePrices,
}

/// Shared by every task of one sweep.
struct Sweep {
    settings: Settings,
    progress: Arc<Progress>,
}

/// The sweep as one registry's tasks use it: with the limit of its account, if it is a
/// member account's.
#[derive(Clone)]
struct RegistrySweep {
    sweep: Arc<Sweep>,
    account: Option<Arc<tokio::sync::Semaphore>>,
}

impl RegistrySweep {
    fn settings(&self) -> &Settings {
        &self.sweep.settings
    }

    fn progress(&self) -> &Progress {
        &self.sweep.progress
    }

    /// The limits each call holds, its account's first.
    fn slots(&self) -> Vec<&tokio::sync::Semaphore> {
        self.settings().limits.slots(self.account.as_deref())
    }

    /// One API call: waits for a slot of its account and one overall, retries as berth's
    /// [`retryable_at`] policy allows, and gives both back while backing off so other calls
    /// can use them.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, EcrError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, EcrError>>,
    {
        retry_in_slots(
            self.settings().backoff,
            &self.slots(),
            retryable_at,
            |_, _| self.progress().note_retry(),
            call,
        )
        .await
    }
}

/// Sweep every target and return one result per target, in the order given.
pub async fn collect(
    targets: Vec<RegistryTarget>,
    connect: Connect,
    settings: Settings,
    progress: Arc<Progress>,
) -> Vec<RegistryResult> {
    collect_with_usage(targets, connect, settings, progress, None).await
}

/// [`collect`], also counting each repository's images in use when `usage` is given
/// (the lookup runs alongside the image sweep of each registry).
pub async fn collect_with_usage(
    targets: Vec<RegistryTarget>,
    connect: Connect,
    settings: Settings,
    progress: Arc<Progress>,
    usage: Option<UsageLookup>,
) -> Vec<RegistryResult> {
    progress.expect_accounts(
        targets
            .iter()
            // Named as the progress line shows them: the name alone (the id when there
            // is none), so a few fit on one line.
            .filter_map(|target| {
                let id = target.source.member()?.id.clone();
                Some((id, target.source.label().to_string()))
            }),
    );
    let sweep = Arc::new(Sweep { settings, progress });
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|target| {
            let (sweep, connect, usage) = (sweep.clone(), connect.clone(), usage.clone());
            tokio::spawn(async move {
                let account = target.source.member().map(|member| member.id.clone());
                let progress = sweep.progress.clone();
                let result = sweep_registry(sweep, connect, usage, target).await;
                if let Some(account) = account {
                    progress.registry_done(&account);
                }
                result
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(joined(task.await));
    }
    results
}

/// A task's value, or its panic carried on to the caller.
fn joined<T>(result: Result<T, tokio::task::JoinError>) -> T {
    match result {
        Ok(value) => value,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("audit task cancelled: {err}"),
    }
}

async fn sweep_registry(
    sweep: Arc<Sweep>,
    connect: Connect,
    usage: Option<UsageLookup>,
    target: RegistryTarget,
) -> RegistryResult {
    let account = target
        .source
        .member()
        .map(|member| sweep.settings.limits.account(&member.id));
    let sweep = RegistrySweep { sweep, account };
    let mut result = RegistryResult {
        target: target.clone(),
        account: None,
        rows: Vec::new(),
        errors: Vec::new(),
        listed: false,
        usage_gaps: Vec::new(),
        cross_repository_bytes: None,
    };
    let keep_images = usage.is_some();
    let source = match connect(target.clone()).await {
        Ok(source) => source,
        Err(err) => {
            result.errors.push(ErrorEntry::new(&target, None, &err));
            return result;
        }
    };
    let mut repositories = JoinSet::new();
    let listing = for_each_page(
        |token| {
            let source = &source;
            sweep.call(move || source.repositories_page(token.clone()))
        },
        |page| {
            result.listed = true;
            for repository in page.items {
                if result.account.is_none() && !repository.registry_id.is_empty() {
                    result.account = Some(repository.registry_id.clone());
                }
                let wanted = match &sweep.settings().repo_prefix {
                    Some(prefix) => repository.name.starts_with(prefix.as_str()),
                    None => true,
                };
                if wanted {
                    sweep.progress().add_repositories(1);
                    repositories.spawn(sweep_repository(
                        sweep.clone(),
                        source.clone(),
                        target.clone(),
                        repository,
                        keep_images,
                    ));
                }
            }
            ControlFlow::Continue(())
        },
    )
    .await;
    if let Err(err) = listing {
        result.errors.push(ErrorEntry::new(&target, None, &err));
    }
    // The account is known once the listing named it; ECS and Lambda are read while the
    // repositories' images still are.
    let lookup = match (&usage, &result.account) {
        (Some(usage), Some(account)) => Some(tokio::spawn(usage(target.clone(), account.clone()))),
        _ => None,
    };
    let mut images_of = Vec::new();
    let mut stored = Vec::new();
    while let Some(done) = repositories.join_next().await {
        let swept = joined(done);
        if swept.row.is_some() {
            images_of.push(swept.images);
        }
        result.rows.extend(swept.row);
        result.errors.extend(swept.errors);
        stored.extend(swept.storage);
    }
    if sweep.settings().storage.is_some() {
        result.cross_repository_bytes = Some(crate::storage::cross_repository_bytes(&stored));
    }
    drop(stored);
    if let Some(lookup) = lookup {
        let map = joined(lookup.await);
        // While part of the lookup failed, "0 in use" would be a claim berth cannot make.
        let complete = map.is_complete();
        for (row, images) in result.rows.iter_mut().zip(&images_of) {
            row.in_use = complete.then(|| {
                map.in_use_count(
                    &row.repository,
                    images.iter().map(|(d, t)| (d.as_str(), t.as_slice())),
                )
            });
        }
        for (row, images) in result.rows.iter_mut().zip(&images_of) {
            row.in_use_by_accounts = map.using_accounts(
                &row.repository,
                images.iter().map(|(d, t)| (d.as_str(), t.as_slice())),
            );
        }
        result.usage_gaps = map.gap_summaries();
        result.usage_gaps.extend(map.notes.iter().cloned());
    }
    // Errors arrive in completion order; a stable order makes reports comparable.
    result
        .errors
        .sort_by(|a, b| a.repository.cmp(&b.repository));
    if result.listed && result.account.is_none() {
        // An empty registry names no account in its listing; this is the only call a
        // sweep makes beyond the listings and the lifecycle policies.
        result.account = sweep.call(|| source.account_id()).await.ok();
    }
    result
}

/// What the sweep of one repository gives its registry.
struct Swept {
    /// `None` when its images could not be listed.
    row: Option<RepositoryRow>,
    errors: Vec<ErrorEntry>,
    /// Digests and tags, when the in-use count needs them.
    images: Vec<(String, Vec<String>)>,
    /// Its storage figures, when manifests were read: the registry's cross-repository
    /// figure needs every repository's blobs.
    storage: Option<RepositoryStorage>,
}

async fn sweep_repository(
    sweep: RegistrySweep,
    source: Arc<dyn SweepSource>,
    target: RegistryTarget,
    repository: Repository,
    keep_images: bool,
) -> Swept {
    let name = repository.name.as_str();
    let images = async {
        let source = &source;
        let mut images: Vec<Image> = Vec::new();
        for_each_page(
            |token| sweep.call(move || source.images_page(name, token.clone())),
            |page| {
                sweep.progress().add_images(page.items.len() as u64);
                images.extend(page.items);
                ControlFlow::Continue(())
            },
        )
        .await
        .map(|()| images)
    };
    let policy = sweep.call(|| source.lifecycle_policy(name));
    let (images, policy) = tokio::join!(images, policy);

    let mut errors = Vec::new();
    if let Err(err) = &policy {
        errors.push(ErrorEntry::new(&target, Some(name), err));
    }
    let images = match images {
        Ok(images) => images,
        Err(err) => {
            sweep.progress().repository_done();
            // Without its images a row would be wrong, not just incomplete: leave it out.
            errors.insert(0, ErrorEntry::new(&target, Some(name), &err));
            return Swept {
                row: None,
                errors,
                images: Vec::new(),
                storage: None,
            };
        }
    };
    let storage = match &sweep.settings().storage {
        Some(settings) => Some(read_storage(&sweep, &*source, name, &images, settings).await),
        None => None,
    };
    sweep.progress().repository_done();
    let stats = ImageStats::of(&images, sweep.settings().now, sweep.settings().stale_days);
    let lifecycle = LifecycleFigures::of(policy.ok(), &images, sweep.settings().now);
    let stored = storage.as_ref().map(|(storage, _)| storage.stored_bytes());
    let price = sweep
        .settings()
        .storage
        .as_ref()
        .map(|settings| settings.prices.price(&target.region));
    let freed = match (&storage, &lifecycle.expired) {
        (Some((storage, _)), Some(expired)) => {
            // Standard storage only: an archived image's manifest cannot be read, and
            // the archive storage it frees is its listed size (in the reclaimed figure).
            let archived: std::collections::HashSet<&str> = images
                .iter()
                .filter(|image| image.status != ImageStatus::Active)
                .map(|image| image.digest.as_str())
                .collect();
            let expired: Vec<&String> = expired
                .iter()
                .filter(|digest| !archived.contains(digest.as_str()))
                .collect();
            let digests: Vec<Digest> = expired.iter().filter_map(|d| Digest::parse(d)).collect();
            let figure = storage.bytes_freed(&digests);
            // An id that is not a digest cannot be counted: the figure is then unknown.
            (digests.len() == expired.len())
                .then(|| figure.exact_bytes())
                .flatten()
        }
        _ => None,
    };
    let row = RepositoryRow {
        profile: target.source.label().to_string(),
        account: repository.registry_id.clone(),
        account_name: target.source.member().map(|m| m.name.clone()),
        region: target.region.clone(),
        repository: repository.name.clone(),
        images: stats.images,
        bytes: stats.bytes,
        stored_bytes: stored.map(|figure| figure.bytes),
        stored_bytes_exact: stored.map(|figure| figure.is_exact()),
        archived_images: stats.archived_images,
        archived_bytes: stats.archived_bytes,
        referrers: stats.referrers,
        signed_images: stats.signed_images,
        unsigned_images: stats.unsigned_images,
        orphaned_referrers: stats.orphaned_referrers,
        monthly_cost_usd: stored
            .zip(price)
            // To the millionth of a dollar, the precision the totals add up in.
            .map(|(figure, price)| (monthly_cost_usd(figure.bytes, price) * 1e6).round() / 1e6),
        untagged_images: stats.untagged_images,
        untagged_bytes: stats.untagged_bytes,
        stale_images: stats.stale_images,
        stale_bytes: stats.stale_bytes,
        oldest_push: stats.oldest_push,
        newest_push: stats.newest_push,
        lifecycle_policy: lifecycle.policy,
        lifecycle_expired_images: lifecycle.expired_images,
        lifecycle_reclaimable_bytes: lifecycle.reclaimable_bytes,
        lifecycle_freed_bytes: freed,
        lifecycle_note: lifecycle.note,
        storage_note: storage.as_ref().and_then(|(_, note)| note.clone()),
        in_use: None,
        in_use_by_accounts: Vec::new(),
    };
    // Only digests and tags: what the in-use count needs, and little memory.
    let kept = if keep_images {
        images
            .into_iter()
            .map(|image| (image.digest, image.tags))
            .collect()
    } else {
        Vec::new()
    };
    Swept {
        row: Some(row),
        errors,
        images: kept,
        storage: storage.map(|(storage, _)| storage),
    }
}

/// Read the manifests of the active `images` of `repository` (cache first) and compute
/// its storage figures, with a note on what could not be read when something could not.
/// An archived image cannot be pulled, its manifest included: it is left out (its
/// listed size is the row's `archived_bytes`).
async fn read_storage(
    sweep: &RegistrySweep,
    source: &dyn SweepSource,
    repository: &str,
    images: &[Image],
    settings: &StorageSettings,
) -> (RepositoryStorage, Option<String>) {
    let digests: Vec<String> = images
        .iter()
        .filter(|image| image.status == ImageStatus::Active)
        .map(|image| image.digest.clone())
        .collect();
    let slots = sweep.slots();
    let read = ReadSettings {
        backoff: sweep.settings().backoff,
        limits: &slots,
    };
    let set = read_manifests(source, settings.cache.as_ref(), repository, &digests, &read).await;
    sweep
        .progress()
        .add_manifests((set.stats.cache_hits + set.stats.fetched) as u64);
    for _ in 0..set.stats.retries {
        sweep.progress().note_retry();
    }
    let storage = set.storage();
    let note = (!storage.is_complete()).then(|| unreadable_note(&set.unreadable));
    (storage, note)
}

/// One line on why manifests could not be read: how many, and the first reason.
pub fn unreadable_note(unreadable: &[(String, Unreadable)]) -> String {
    let counted: Vec<&Unreadable> = unreadable
        .iter()
        .map(|(_, why)| why)
        .filter(|why| !matches!(why, Unreadable::Gone))
        .collect();
    let reason = match counted.first() {
        Some(Unreadable::InvalidDigest) => "an image id is not a sha256 digest".to_string(),
        Some(Unreadable::Failed { code, reason }) => format!("{code}: {reason}"),
        Some(Unreadable::Call(err)) => err.without_key_hint(),
        Some(Unreadable::Corrupt) => {
            "the registry sent a manifest whose sha256 is not its digest".to_string()
        }
        Some(Unreadable::Unparsable(err)) => format!("a manifest berth cannot read: {err}"),
        Some(Unreadable::Gone) | None => "an index names a child that is not here".to_string(),
    };
    let count = counted.len().max(1);
    let manifests = if count == 1 { "manifest" } else { "manifests" };
    format!("{count} {manifests} could not be read ({reason}); storage figures are bounds")
}

/// The lifecycle columns of one row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifecycleFigures {
    pub policy: Option<bool>,
    pub expired_images: Option<u64>,
    pub reclaimable_bytes: Option<u64>,
    pub note: Option<String>,
    /// The digests the policy would expire, when known (for the bytes it frees).
    pub expired: Option<Vec<String>>,
}

impl LifecycleFigures {
    /// Evaluate `policy` (outer `None`: it could not be read; inner `None`: there is none)
    /// against `images` at `now` with berth's own evaluator.
    pub fn of(policy: Option<Option<String>>, images: &[Image], now: Timestamp) -> Self {
        let text = match policy {
            None => return LifecycleFigures::default(),
            Some(None) => {
                return LifecycleFigures {
                    policy: Some(false),
                    expired_images: Some(0),
                    reclaimable_bytes: Some(0),
                    note: None,
                    expired: Some(Vec::new()),
                };
            }
            Some(Some(text)) => text,
        };
        let policy = match lifecycle::parse_policy(&text) {
            Ok(policy) => policy,
            Err(err) => {
                return LifecycleFigures {
                    policy: Some(true),
                    note: Some(format!("berth cannot evaluate this policy: {err}")),
                    ..LifecycleFigures::default()
                };
            }
        };
        // DescribeImages does not say which images a manifest list refers to; treating
        // none as referenced makes the figure an upper bound where indexes exist.
        let candidates: Vec<Candidate> = images
            .iter()
            .filter_map(|image| {
                Some(Candidate {
                    digest: image.digest.clone(),
                    tags: image.tags.clone(),
                    pushed_at: image.pushed_at?,
                    size_bytes: image.size_bytes,
                    last_pulled_at: image.last_pulled_at,
                    referenced_by_manifest_list: false,
                    status: image.status,
                    last_archived_at: image.last_archived_at,
                    last_activated_at: image.last_activated_at,
                    subject_digest: image.subject_digest.clone(),
                    artifact_type: image.artifact_type.clone(),
                })
            })
            .collect();
        let plan = lifecycle::evaluate(&policy, &candidates, now);
        let note = (!plan.not_evaluated.is_empty()).then(|| {
            let priorities: Vec<String> = plan
                .not_evaluated
                .iter()
                .map(|skipped| skipped.rule_priority.to_string())
                .collect();
            format!(
                "rules with priority {} not evaluated (see berth lifecycle preview); figures cover the rest",
                priorities.join(", ")
            )
        });
        LifecycleFigures {
            policy: Some(true),
            expired_images: Some(plan.expired_count as u64),
            reclaimable_bytes: Some(plan.bytes_reclaimed),
            note,
            expired: Some(plan.expired.iter().map(|e| e.digest.to_string()).collect()),
        }
    }
}
