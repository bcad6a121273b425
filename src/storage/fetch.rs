//! Reading one repository's manifests: from the cache where it has them, from the
//! registry otherwise, following every index to its children.
//!
//! Only cache misses are asked for, at most [`MAX_IDS_PER_CALL`] digests a call, so a
//! second read of an unchanged repository makes no BatchGetImage call at all. Every
//! manifest is verified (its sha256 must be its digest) before it is cached or counted;
//! a digest whose manifest cannot be had is reported as [`Unreadable`], which leaves
//! that image's figures unknown and every other image's intact.

use super::blob::Digest;
use super::cache::{Lookup, ManifestCache};
use super::figures::{RepositoryStorage, StorageBuilder};
use super::manifest::{self, Manifest, ManifestError};
use crate::ecr::manifests::ManifestAnswer;
use crate::ecr::mutate::{MAX_IDS_PER_CALL, NOT_CONFIRMED};
use crate::ecr::{EcrError, EcrRegistry};
use crate::retry::{Backoff, retry, retry_in_slots, retryable_at};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashSet};
use tokio::sync::Semaphore;

/// Where manifests come from: one repository's, by digest.
#[async_trait]
pub trait ManifestSource: Send + Sync {
    /// One BatchGetImage call for at most [`MAX_IDS_PER_CALL`] `digests` of
    /// `repository`: each digest asked with its answer. Err when the call fails as a
    /// whole (retried by the caller as berth's retry policy allows).
    async fn manifests(
        &self,
        repository: &str,
        digests: &[String],
    ) -> Result<Vec<(String, ManifestAnswer)>, EcrError>;
}

#[async_trait]
impl ManifestSource for EcrRegistry {
    async fn manifests(
        &self,
        repository: &str,
        digests: &[String],
    ) -> Result<Vec<(String, ManifestAnswer)>, EcrError> {
        crate::ecr::manifests::manifests_by_digest(self, repository, digests).await
    }
}

/// Why a digest has no manifest to count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// The id is not a sha256 digest: nothing can be read or verified by it.
    InvalidDigest,
    /// The image is gone (deleted since it was listed): it stores nothing any more.
    Gone,
    /// The registry refused this digest (its failure code and reason).
    Failed { code: String, reason: String },
    /// The call for it failed after retries.
    Call(EcrError),
    /// The registry sent bytes whose sha256 is not the digest.
    Corrupt,
    /// The verified manifest is in a shape berth cannot count.
    Unparsable(ManifestError),
}

/// What reading cost and found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Manifests served from the cache.
    pub cache_hits: usize,
    /// Cache entries that failed verification and were removed (then fetched).
    pub discarded: usize,
    /// Manifests fetched from the registry and verified.
    pub fetched: usize,
    /// BatchGetImage calls made, retries included.
    pub calls: usize,
    /// Of those, retries after throttling or a transient failure.
    pub retries: usize,
    /// Cache reads or writes that failed (the manifest was fetched, or not kept).
    pub cache_errors: usize,
}

/// Everything the figures of one repository need: each manifest read, each digest that
/// could not be, and what it cost.
#[derive(Clone, Debug, Default)]
pub struct ManifestSet {
    /// Verified, parsed manifests by digest: the digests asked for and every child of
    /// an index among them.
    pub manifests: BTreeMap<Digest, Manifest>,
    /// Digests (as asked, or as an index named them) with why they have no manifest.
    pub unreadable: Vec<(String, Unreadable)>,
    pub stats: ReadStats,
}

impl ManifestSet {
    /// The repository's storage figures from these manifests. Gone images are left
    /// out (they store nothing now); every other unreadable digest is an unknown image.
    pub fn storage(&self) -> RepositoryStorage {
        let blobs = self.manifests.values().map(|m| m.blobs().count()).sum();
        let mut builder = StorageBuilder::with_capacity(self.manifests.len(), blobs);
        for (digest, manifest) in &self.manifests {
            builder.add_manifest(*digest, manifest);
        }
        for (text, why) in &self.unreadable {
            match (why, Digest::parse(text)) {
                (Unreadable::Gone, _) => {}
                (_, Some(digest)) => builder.add_unreadable(digest),
                (_, None) => builder.add_opaque(),
            }
        }
        builder.build()
    }
}

/// How to call the registry.
#[derive(Clone, Copy, Debug)]
pub struct ReadSettings<'a> {
    /// Retry budget for throttled and transiently failed calls.
    pub backoff: Backoff,
    /// Concurrency limits shared with other calls, narrowest first (none: unbounded):
    /// each attempt holds a slot of every one.
    pub limits: &'a [&'a Semaphore],
}

impl Default for ReadSettings<'_> {
    fn default() -> Self {
        ReadSettings {
            backoff: Backoff::THROTTLING,
            limits: &[],
        }
    }
}

/// The manifests of the images `digests` of `repository` and of every child of an index
/// among them: from `cache` when it has them, otherwise from `source` (at most
/// [`MAX_IDS_PER_CALL`] a call), verified, then cached.
///
/// Cache files are read and written on tokio's blocking pool, so a large repository does
/// not hold up the runtime's workers.
pub async fn read_manifests<S: ManifestSource + ?Sized>(
    source: &S,
    cache: Option<&ManifestCache>,
    repository: &str,
    digests: &[String],
    settings: &ReadSettings<'_>,
) -> ManifestSet {
    let mut set = ManifestSet::default();
    let mut seen: HashSet<Digest> = HashSet::with_capacity(digests.len());
    let mut invalid: HashSet<&str> = HashSet::new();
    let mut round: Vec<Digest> = Vec::new();
    for text in digests {
        match Digest::parse(text) {
            Some(digest) => {
                if seen.insert(digest) {
                    round.push(digest);
                }
            }
            None => {
                if invalid.insert(text) {
                    set.unreadable
                        .push((text.clone(), Unreadable::InvalidDigest));
                }
            }
        }
    }
    while !round.is_empty() {
        let misses = from_cache(cache, round, &mut set).await;
        for batch in misses.chunks(MAX_IDS_PER_CALL) {
            fetch_batch(source, cache, repository, batch, settings, &mut set).await;
        }
        // Children not yet seen are the next round; an index's children are usually
        // listed images too, so this round is empty or small.
        round = Vec::new();
        for manifest in set.manifests.values() {
            for child in manifest.children() {
                if seen.insert(child) {
                    round.push(child);
                }
            }
        }
    }
    set
}

/// Serve `digests` from `cache` into `set`; the digests it does not have.
async fn from_cache(
    cache: Option<&ManifestCache>,
    digests: Vec<Digest>,
    set: &mut ManifestSet,
) -> Vec<Digest> {
    let Some(cache) = cache else {
        return digests;
    };
    let lookups = {
        let cache = cache.clone();
        let digests = digests.clone();
        tokio::task::spawn_blocking(move || {
            digests
                .iter()
                .map(|digest| cache.get(digest))
                .collect::<Vec<_>>()
        })
        .await
    };
    let Ok(lookups) = lookups else {
        // The lookup task died: the registry still has every manifest.
        set.stats.cache_errors += 1;
        return digests;
    };
    let mut misses = Vec::new();
    for (digest, lookup) in digests.into_iter().zip(lookups) {
        match lookup {
            Ok(Lookup::Hit(bytes)) => {
                set.stats.cache_hits += 1;
                accept(digest, &bytes, set);
            }
            Ok(Lookup::Miss) => misses.push(digest),
            Ok(Lookup::Discarded) => {
                set.stats.discarded += 1;
                misses.push(digest);
            }
            Err(_) => {
                set.stats.cache_errors += 1;
                misses.push(digest);
            }
        }
    }
    misses
}

/// Parse the verified manifest `bytes` of `digest` into `set`.
fn accept(digest: Digest, bytes: &[u8], set: &mut ManifestSet) {
    match manifest::parse(bytes) {
        Ok(manifest) => {
            set.manifests.insert(digest, manifest);
        }
        Err(err) => set
            .unreadable
            .push((digest.to_string(), Unreadable::Unparsable(err))),
    }
}

/// Fetch one batch of at most [`MAX_IDS_PER_CALL`] digests, retrying as berth's policy
/// allows; verify, cache and parse what comes back.
async fn fetch_batch<S: ManifestSource + ?Sized>(
    source: &S,
    cache: Option<&ManifestCache>,
    repository: &str,
    batch: &[Digest],
    settings: &ReadSettings<'_>,
    set: &mut ManifestSet,
) {
    let asked: Vec<String> = batch.iter().map(Digest::to_string).collect();
    let mut calls = 0usize;
    let mut retries = 0usize;
    let answered = {
        let call = || {
            calls += 1;
            source.manifests(repository, &asked)
        };
        let should_retry = |err: &EcrError, attempts| retryable_at(err, attempts);
        match settings.limits {
            [] => retry(settings.backoff, should_retry, |_, _| retries += 1, call).await,
            limits => {
                retry_in_slots(
                    settings.backoff,
                    limits,
                    should_retry,
                    |_, _| retries += 1,
                    call,
                )
                .await
            }
        }
    };
    set.stats.calls += calls;
    set.stats.retries += retries;
    let answers = match answered {
        Ok(answers) => answers,
        Err(err) => {
            for text in asked {
                set.unreadable.push((text, Unreadable::Call(err.clone())));
            }
            return;
        }
    };
    let mut unanswered: HashSet<Digest> = batch.iter().copied().collect();
    let mut verified: Vec<(Digest, Vec<u8>)> = Vec::new();
    for (text, answer) in answers {
        // Only digests asked in this batch count, each once.
        let Some(digest) = Digest::parse(&text).filter(|d| unanswered.remove(d)) else {
            continue;
        };
        match answer {
            ManifestAnswer::Found { manifest, .. } => {
                let bytes = manifest.into_bytes();
                if Digest::of(&bytes) == digest {
                    set.stats.fetched += 1;
                    verified.push((digest, bytes));
                } else {
                    set.unreadable.push((text, Unreadable::Corrupt));
                }
            }
            ManifestAnswer::Gone => set.unreadable.push((text, Unreadable::Gone)),
            ManifestAnswer::Failed { code, reason } => set
                .unreadable
                .push((text, Unreadable::Failed { code, reason })),
        }
    }
    for digest in batch.iter().filter(|d| unanswered.contains(d)) {
        set.unreadable.push((
            digest.to_string(),
            Unreadable::Failed {
                code: NOT_CONFIRMED.to_string(),
                reason: "the registry's answer did not mention this image".to_string(),
            },
        ));
    }
    for (digest, bytes) in &verified {
        accept(*digest, bytes, set);
    }
    if let Some(cache) = cache {
        let cache = cache.clone();
        let stored = tokio::task::spawn_blocking(move || {
            verified
                .iter()
                .filter(|(digest, bytes)| cache.put(digest, bytes).is_err())
                .count()
        })
        .await;
        set.stats.cache_errors += stored.unwrap_or(1);
    }
}

#[cfg(test)]
mod tests;
