//! A content-addressed cache of manifests on disk, so a second look at an unchanged
//! registry reads no manifest from it.
//!
//! A manifest is immutable for its digest, so an entry never goes stale; it can only be
//! damaged or planted. Every entry is therefore re-hashed when read: bytes whose sha256
//! is not the digest they are filed under are removed and reported as a miss, and the
//! caller fetches them again. That check is also why writes need no fsync: a write cut
//! short by a crash leaves a file that fails it.
//!
//! Layout: one file per manifest, `sha256-<64 hex>`, in one folder (by default
//! `$XDG_CACHE_HOME/berth/manifests/`). Writes go to a temporary file in the same folder
//! and are renamed into place, so a reader never sees half an entry. The folder is
//! bounded in size: a hit sets the entry's modification time to now, and a write that
//! takes the folder past the bound removes entries oldest first until it is back under
//! nine tenths of it (so the folder is not listed again on every write).
//!
//! The running total is an estimate kept by this process and corrected whenever the
//! folder is listed for eviction; another berth writing the same folder at the same time
//! can take it past the bound until one of them evicts.

use super::blob::Digest;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// File names of entries start with this, then the digest's hex.
const ENTRY_PREFIX: &str = "sha256-";
/// File names of writes in progress start with this.
const TEMP_PREFIX: &str = ".tmp-";

/// What a lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The manifest's bytes, verified: their sha256 is the digest.
    Hit(Vec<u8>),
    /// No entry.
    Miss,
    /// An entry whose bytes did not hash to its digest: removed, so a miss.
    Discarded,
}

impl Lookup {
    /// The bytes of a hit.
    pub fn into_hit(self) -> Option<Vec<u8>> {
        match self {
            Lookup::Hit(bytes) => Some(bytes),
            Lookup::Miss | Lookup::Discarded => None,
        }
    }
}

/// What a write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Whether the entry was written (false when it alone is larger than the bound).
    pub written: bool,
    /// Entries removed to make room.
    pub evicted: usize,
}

/// What [`ManifestCache::clear`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cleared {
    pub files: usize,
    pub bytes: u64,
}

/// Why the cache could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("refusing to cache bytes that are not the manifest {digest}")]
    NotTheDigest { digest: Digest },
}

/// A bounded, content-addressed manifest cache in one folder; cheap to clone (clones
/// share the running total).
#[derive(Clone, Debug)]
pub struct ManifestCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes of the entries, as far as this process knows; None until first listed.
    total: Mutex<Option<u64>>,
}

impl ManifestCache {
    /// The default bound: 256 MiB holds the manifests of about 100,000 images.
    pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

    /// A cache in `dir` (created on the first write) of at most `max_bytes`.
    pub fn new(dir: impl Into<PathBuf>, max_bytes: u64) -> Self {
        ManifestCache {
            inner: Arc::new(Inner {
                dir: dir.into(),
                max_bytes,
                total: Mutex::new(None),
            }),
        }
    }

    /// The user's manifest cache, `$XDG_CACHE_HOME/berth/manifests` (or
    /// `~/.cache/berth/manifests`); None when neither is set.
    pub fn in_user_cache(max_bytes: u64) -> Option<Self> {
        crate::paths::cache_dir().map(|dir| ManifestCache::new(dir.join("manifests"), max_bytes))
    }

    /// The folder the entries are in.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The bound on the entries' total size.
    pub fn max_bytes(&self) -> u64 {
        self.inner.max_bytes
    }

    fn entry_path(&self, digest: &Digest) -> PathBuf {
        self.inner
            .dir
            .join(format!("{ENTRY_PREFIX}{}", digest.hex()))
    }

    /// The manifest `digest`, if cached and intact. A hit becomes the newest entry; an
    /// entry that fails verification is removed.
    pub fn get(&self, digest: &Digest) -> Result<Lookup, CacheError> {
        let path = self.entry_path(digest);
        let io = |action, source| CacheError::Io {
            action,
            path: path.clone(),
            source,
        };
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(err) => return Err(io("open", err)),
        };
        let len = file.metadata().map_err(|e| io("read", e))?.len();
        let mut bytes = Vec::new();
        if len <= self.inner.max_bytes {
            file.read_to_end(&mut bytes).map_err(|e| io("read", e))?;
        }
        if len > self.inner.max_bytes || Digest::of(&bytes) != *digest {
            drop(file);
            match fs::remove_file(&path) {
                Ok(()) => self.forget(len),
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(io("remove", err)),
            }
            return Ok(Lookup::Discarded);
        }
        // The entry was just used: it is now the last to be evicted. A clock or file
        // system that refuses only makes eviction order less exact.
        let _ = file.set_modified(SystemTime::now());
        Ok(Lookup::Hit(bytes))
    }

    /// Cache `bytes` as the manifest `digest`, after checking that they are; evict the
    /// oldest entries if the folder grows past the bound.
    pub fn put(&self, digest: &Digest, bytes: &[u8]) -> Result<Stored, CacheError> {
        if Digest::of(bytes) != *digest {
            return Err(CacheError::NotTheDigest { digest: *digest });
        }
        let size = bytes.len() as u64;
        if size > self.inner.max_bytes {
            return Ok(Stored::default());
        }
        let dir = &self.inner.dir;
        let io = |action, path: &Path, source| CacheError::Io {
            action,
            path: path.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
        let path = self.entry_path(digest);
        let temp = dir.join(temp_name(digest));
        let written = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.set_modified(SystemTime::now())?;
            drop(file);
            fs::rename(&temp, &path)
        })();
        if let Err(err) = written {
            let _ = fs::remove_file(&temp);
            return Err(io("write", &path, err));
        }
        let mut total = self
            .inner
            .total
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // An entry replaced by the same bytes is counted twice until the next listing
        // corrects the total; that only brings eviction forward.
        let grown = match *total {
            Some(known) => known + size,
            None => self.listed_bytes()?,
        };
        *total = Some(grown);
        let evicted = if grown > self.inner.max_bytes {
            let (evicted, left) = self.evict(&path)?;
            *total = Some(left);
            evicted
        } else {
            0
        };
        Ok(Stored {
            written: true,
            evicted,
        })
    }

    /// Remove every entry (and any write left unfinished); the folder itself stays.
    pub fn clear(&self) -> Result<Cleared, CacheError> {
        let mut total = self
            .inner
            .total
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut cleared = Cleared::default();
        for entry in self.files(true)? {
            match fs::remove_file(&entry.path) {
                Ok(()) => {
                    cleared.files += 1;
                    cleared.bytes += entry.len;
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    *total = None;
                    return Err(CacheError::Io {
                        action: "remove",
                        path: entry.path,
                        source,
                    });
                }
            }
        }
        *total = Some(0);
        Ok(cleared)
    }

    /// Take `len` bytes of a removed entry off the running total.
    fn forget(&self, len: u64) {
        let mut total = self
            .inner
            .total
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = total.as_mut() {
            *known = known.saturating_sub(len);
        }
    }

    /// The entries' total size, from a listing of the folder.
    fn listed_bytes(&self) -> Result<u64, CacheError> {
        Ok(self.files(false)?.iter().map(|f| f.len).sum())
    }

    /// Remove entries oldest first (ties by name), never `keep` (the entry just written),
    /// until they total at most nine tenths of the bound; how many went and the bytes left.
    fn evict(&self, keep: &Path) -> Result<(usize, u64), CacheError> {
        let mut entries = self.files(false)?;
        let mut left: u64 = entries.iter().map(|f| f.len).sum();
        let target = self.inner.max_bytes / 10 * 9;
        entries.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
        let mut evicted = 0;
        for entry in entries {
            if left <= target {
                break;
            }
            if entry.path == keep {
                continue;
            }
            match fs::remove_file(&entry.path) {
                Ok(()) => evicted += 1,
                // Another process evicted it first.
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(CacheError::Io {
                        action: "remove",
                        path: entry.path,
                        source,
                    });
                }
            }
            left -= entry.len;
        }
        Ok((evicted, left))
    }

    /// The cache's files: entries, and unfinished writes too when `with_temp`. A missing
    /// folder has none.
    fn files(&self, with_temp: bool) -> Result<Vec<CacheFile>, CacheError> {
        let dir = &self.inner.dir;
        let io = |action, source| CacheError::Io {
            action,
            path: dir.clone(),
            source,
        };
        let listing = match fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(io("list", err)),
        };
        let mut files = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|e| io("list", e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = is_entry_name(&name) || (with_temp && name.starts_with(TEMP_PREFIX));
            if !ours {
                continue;
            }
            let metadata = match entry.metadata() {
                Ok(metadata) => metadata,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(io("list", err)),
            };
            if !metadata.is_file() {
                continue;
            }
            files.push(CacheFile {
                path: entry.path(),
                len: metadata.len(),
                modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
        Ok(files)
    }
}

/// One file of the cache folder.
struct CacheFile {
    path: PathBuf,
    len: u64,
    modified: SystemTime,
}

/// Whether `name` is an entry's file name: the prefix and 64 lowercase hex.
fn is_entry_name(name: &str) -> bool {
    name.strip_prefix(ENTRY_PREFIX).is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A temporary file name no other write (in this process or another) is using.
fn temp_name(digest: &Digest) -> String {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    format!(
        "{TEMP_PREFIX}{}-{}-{}",
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed),
        &digest.hex()[..16]
    )
}

#[cfg(test)]
mod tests;
