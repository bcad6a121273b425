//! Progress of a sweep: counters the fetchers bump and a reader (`berth audit`'s
//! progress line) reads while the sweep runs.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by every fetcher of one sweep.
#[derive(Debug, Default)]
pub struct Progress {
    repositories: AtomicU64,
    done: AtomicU64,
    images: AtomicU64,
    manifests: AtomicU64,
    retries: AtomicU64,
    accounts: Mutex<Accounts>,
}

/// The member accounts of a sweep: how many, and the registries each still has to read.
#[derive(Debug, Default)]
struct Accounts {
    total: u64,
    /// Account id → its registries not yet read and the account's name; an account
    /// leaves when its last registry is read.
    pending: BTreeMap<String, (u64, String)>,
}

/// A consistent-enough reading of [`Progress`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// Member accounts swept (0 without any).
    pub accounts: u64,
    /// Member accounts whose every registry has been read, successfully or not.
    pub accounts_done: u64,
    /// The accounts still being read, by name, when at most [`NAMED_PENDING`] are left
    /// (the slowest, at the end of a sweep); empty otherwise.
    pub pending: Vec<String>,
}

/// How few accounts must be left for the snapshot to name them.
pub const NAMED_PENDING: usize = 3;

impl Progress {
    /// The member accounts about to be read: one `(id, name)` per registry, the name as
    /// people know the account (its id when it has none).
    pub fn expect_accounts(&self, registries: impl IntoIterator<Item = (String, String)>) {
        let mut guard = self.accounts();
        let accounts = &mut *guard;
        for (id, name) in registries {
            let (pending, _) = accounts.pending.entry(id).or_insert((0, name));
            if *pending == 0 {
                accounts.total += 1;
            }
            *pending += 1;
        }
    }

    /// One registry of the account `id` has been read, successfully or not.
    pub fn registry_done(&self, id: &str) {
        let mut accounts = self.accounts();
        if let Some((pending, _)) = accounts.pending.get_mut(id) {
            *pending = pending.saturating_sub(1);
            if *pending == 0 {
                accounts.pending.remove(id);
            }
        }
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

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
        let accounts = self.accounts();
        let left = accounts.pending.len();
        Snapshot {
            accounts: accounts.total,
            accounts_done: accounts.total - left as u64,
            pending: if left <= NAMED_PENDING {
                accounts
                    .pending
                    .values()
                    .map(|(_, name)| name.clone())
                    .collect()
            } else {
                Vec::new()
            },
            repositories: self.repositories.load(Ordering::Relaxed),
            done: self.done.load(Ordering::Relaxed),
            images: self.images.load(Ordering::Relaxed),
            manifests: self.manifests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_done_when_their_last_registry_is_and_the_last_few_are_named() {
        let progress = Progress::default();
        let names = ["a", "a", "b", "b", "c", "d", "e"];
        progress.expect_accounts(names.map(|name| (format!("id-{name}"), name.to_string())));
        let snapshot = progress.snapshot();
        assert_eq!((snapshot.accounts, snapshot.accounts_done), (5, 0));
        assert!(snapshot.pending.is_empty(), "five left: too many to name");

        progress.registry_done("id-a");
        assert_eq!(progress.snapshot().accounts_done, 0, "a has a region left");
        progress.registry_done("id-a");
        progress.registry_done("id-c");
        let snapshot = progress.snapshot();
        assert_eq!(snapshot.accounts_done, 2);
        assert_eq!(snapshot.pending, ["b", "d", "e"]);

        for name in ["b", "b", "d", "e", "e"] {
            progress.registry_done(&format!("id-{name}"));
        }
        let snapshot = progress.snapshot();
        assert_eq!((snapshot.accounts, snapshot.accounts_done), (5, 5));
        assert!(snapshot.pending.is_empty());
    }
}
