//! The sweep: every registry's repositories and their images, read with bounded
//! concurrency and each page asked for exactly once.
//!
//! One semaphore bounds the calls in flight across all registries and repositories, so
//! `--concurrency` means what it says however the work is spread. A repository is read
//! as soon as the listing page naming it arrives, and its lifecycle policy is fetched
//! alongside its first images page, which keeps the server busy from the first reply.

use super::progress::Progress;
use super::rows::{ErrorEntry, ImageStats, RegistryResult, RepositoryRow};
use super::source::SweepSource;
use crate::ecr::EcrError;
use crate::ecr::model::{Image, RegistryTarget, Repository};
use crate::ecr::pager::for_each_page;
use crate::lifecycle::{self, Candidate};
use crate::retry::{Backoff, retry_in_slots, retryable};
use crate::usage::UsageMap;
use jiff::Timestamp;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Semaphore;
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
    /// Calls in flight at once, across every registry.
    pub concurrency: usize,
    /// Retry budget for throttled and transiently failed calls.
    pub backoff: Backoff,
}

/// Shared by every task of one sweep.
struct Sweep {
    settings: Settings,
    limit: Semaphore,
    progress: Arc<Progress>,
}

impl Sweep {
    /// One API call: waits for a slot, retries as berth's [`retryable`] policy allows, and
    /// gives the slot back while backing off so other calls can use it.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, EcrError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, EcrError>>,
    {
        retry_in_slots(
            self.settings.backoff,
            &self.limit,
            |err, _| retryable(err),
            |_, _| self.progress.note_retry(),
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
    let sweep = Arc::new(Sweep {
        limit: Semaphore::new(settings.concurrency.max(1)),
        settings,
        progress,
    });
    let tasks: Vec<_> = targets
        .into_iter()
        .map(|target| {
            tokio::spawn(sweep_registry(
                sweep.clone(),
                connect.clone(),
                usage.clone(),
                target,
            ))
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
    let mut result = RegistryResult {
        target: target.clone(),
        account: None,
        rows: Vec::new(),
        errors: Vec::new(),
        listed: false,
        usage_gaps: Vec::new(),
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
                let wanted = match &sweep.settings.repo_prefix {
                    Some(prefix) => repository.name.starts_with(prefix.as_str()),
                    None => true,
                };
                if wanted {
                    sweep.progress.add_repositories(1);
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
    while let Some(done) = repositories.join_next().await {
        let (row, errors, images) = joined(done);
        if row.is_some() {
            images_of.push(images);
        }
        result.rows.extend(row);
        result.errors.extend(errors);
    }
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
        result.usage_gaps = map.gaps.iter().map(|g| g.summary()).collect();
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

async fn sweep_repository(
    sweep: Arc<Sweep>,
    source: Arc<dyn SweepSource>,
    target: RegistryTarget,
    repository: Repository,
    keep_images: bool,
) -> (
    Option<RepositoryRow>,
    Vec<ErrorEntry>,
    Vec<(String, Vec<String>)>,
) {
    let name = repository.name.as_str();
    let images = async {
        let source = &source;
        let mut images: Vec<Image> = Vec::new();
        for_each_page(
            |token| sweep.call(move || source.images_page(name, token.clone())),
            |page| {
                sweep.progress.add_images(page.items.len() as u64);
                images.extend(page.items);
                ControlFlow::Continue(())
            },
        )
        .await
        .map(|()| images)
    };
    let policy = sweep.call(|| source.lifecycle_policy(name));
    let (images, policy) = tokio::join!(images, policy);
    sweep.progress.repository_done();

    let mut errors = Vec::new();
    if let Err(err) = &policy {
        errors.push(ErrorEntry::new(&target, Some(name), err));
    }
    let images = match images {
        Ok(images) => images,
        Err(err) => {
            // Without its images a row would be wrong, not just incomplete: leave it out.
            errors.insert(0, ErrorEntry::new(&target, Some(name), &err));
            return (None, errors, Vec::new());
        }
    };
    let stats = ImageStats::of(&images, sweep.settings.now, sweep.settings.stale_days);
    let lifecycle = LifecycleFigures::of(policy.ok(), &images, sweep.settings.now);
    let row = RepositoryRow {
        profile: target.source.label().to_string(),
        account: repository.registry_id.clone(),
        region: target.region.clone(),
        repository: repository.name.clone(),
        images: stats.images,
        bytes: stats.bytes,
        untagged_images: stats.untagged_images,
        untagged_bytes: stats.untagged_bytes,
        stale_images: stats.stale_images,
        stale_bytes: stats.stale_bytes,
        oldest_push: stats.oldest_push,
        newest_push: stats.newest_push,
        lifecycle_policy: lifecycle.policy,
        lifecycle_expired_images: lifecycle.expired_images,
        lifecycle_reclaimable_bytes: lifecycle.reclaimable_bytes,
        lifecycle_note: lifecycle.note,
        in_use: None,
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
    (Some(row), errors, kept)
}

/// The lifecycle columns of one row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LifecycleFigures {
    pub policy: Option<bool>,
    pub expired_images: Option<u64>,
    pub reclaimable_bytes: Option<u64>,
    pub note: Option<String>,
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
                "rules with priority {} not evaluated (archive storage); figures cover the rest",
                priorities.join(", ")
            )
        });
        LifecycleFigures {
            policy: Some(true),
            expired_images: Some(plan.expired_count as u64),
            reclaimable_bytes: Some(plan.bytes_reclaimed),
            note,
        }
    }
}
