//! Progress of a sweep: counters the fetchers bump and a reader (`berth audit`'s
//! progress line) reads while the sweep runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by every fetcher of one sweep.
#[derive(Debug, Default)]
pub struct Progress {
    repositories: AtomicU64,
    done: AtomicU64,
    images: AtomicU64,
    manifests: AtomicU64,
    retries: AtomicU64,
}

/// A consistent-enough reading of [`Progress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Repositories found so far (grows while listings are still paging).
    pub repositories: u64,
    /// Repositories fully read.
    pub done: u64,
    /// Images seen.
    pub images: u64,
    /// Manifests read for the storage figures (from the cache or the registry).
    pub manifests: u64,
    /// Calls retried after throttling or a transient failure.
    pub retries: u64,
}

impl Progress {
    /// More repositories to read.
    pub fn add_repositories(&self, count: u64) {
        self.repositories.fetch_add(count, Ordering::Relaxed);
    }

    /// One repository finished, successfully or not.
    pub fn repository_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// A page of images arrived.
    pub fn add_images(&self, count: u64) {
        self.images.fetch_add(count, Ordering::Relaxed);
    }

    /// Manifests were read.
    pub fn add_manifests(&self, count: u64) {
        self.manifests.fetch_add(count, Ordering::Relaxed);
    }

    /// A call is being retried.
    pub fn note_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            repositories: self.repositories.load(Ordering::Relaxed),
            done: self.done.load(Ordering::Relaxed),
            images: self.images.load(Ordering::Relaxed),
            manifests: self.manifests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}
