use super::*;
use std::time::Duration;

/// Manifest-like bytes of `len` bytes, distinct per `n`, with their digest.
fn manifest(n: u8, len: usize) -> (Digest, Vec<u8>) {
    let mut bytes = vec![b'a' + n % 26; len];
    bytes[0] = n;
    (Digest::of(&bytes), bytes)
}

fn age(cache: &ManifestCache, digest: &Digest, seconds: u64) {
    let file = File::options()
        .write(true)
        .open(cache.entry_path(digest))
        .unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + seconds))
        .unwrap();
}

#[test]
fn a_stored_manifest_is_a_hit_and_anything_else_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path().join("manifests"), 1 << 20);
    let (digest, bytes) = manifest(1, 300);
    // Nothing is created until something is written.
    assert_eq!(cache.get(&digest).unwrap(), Lookup::Miss);
    assert!(!cache.dir().exists());
    let stored = cache.put(&digest, &bytes).unwrap();
    assert_eq!(
        stored,
        Stored {
            written: true,
            evicted: 0
        }
    );
    assert_eq!(cache.get(&digest).unwrap(), Lookup::Hit(bytes));
    assert_eq!(cache.get(&manifest(2, 300).0).unwrap(), Lookup::Miss);
    // No write is left half-done.
    let names: Vec<String> = fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [format!("sha256-{}", digest.hex())]);
}

#[test]
fn a_corrupted_entry_is_discarded_and_can_be_stored_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), 1 << 20);
    let (digest, bytes) = manifest(1, 300);
    cache.put(&digest, &bytes).unwrap();
    fs::write(cache.entry_path(&digest), b"{\"schemaVersion\":2}").unwrap();
    assert_eq!(cache.get(&digest).unwrap(), Lookup::Discarded);
    assert!(!cache.entry_path(&digest).exists(), "the bad entry is gone");
    assert_eq!(cache.get(&digest).unwrap(), Lookup::Miss);
    cache.put(&digest, &bytes).unwrap();
    assert_eq!(cache.get(&digest).unwrap().into_hit(), Some(bytes));
}

#[test]
fn bytes_that_are_not_the_digest_are_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), 1 << 20);
    let (digest, _) = manifest(1, 300);
    let (_, other) = manifest(2, 300);
    assert!(matches!(
        cache.put(&digest, &other),
        Err(CacheError::NotTheDigest { .. })
    ));
    assert_eq!(cache.get(&digest).unwrap(), Lookup::Miss);
}

#[test]
fn the_least_recently_used_entries_are_evicted_first() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), 1000);
    let entries: Vec<(Digest, Vec<u8>)> = (0..10).map(|n| manifest(n, 100)).collect();
    for (seconds, (digest, bytes)) in entries.iter().enumerate() {
        assert_eq!(cache.put(digest, bytes).unwrap().evicted, 0);
        // Entry n was last used at second n: entry 0 is the oldest.
        age(&cache, digest, seconds as u64);
    }
    // Using entry 0 makes it the newest.
    assert!(matches!(cache.get(&entries[0].0).unwrap(), Lookup::Hit(_)));
    // An eleventh entry passes the bound: the oldest go until nine tenths are left.
    let (digest, bytes) = manifest(10, 100);
    assert_eq!(
        cache.put(&digest, &bytes).unwrap(),
        Stored {
            written: true,
            evicted: 2
        }
    );
    let present = |d: &Digest| cache.entry_path(d).exists();
    assert!(present(&entries[0].0), "used recently");
    assert!(!present(&entries[1].0) && !present(&entries[2].0), "oldest");
    assert!(entries[3..].iter().all(|(d, _)| present(d)));
    assert!(present(&digest), "the new entry");
}

#[test]
fn the_entry_just_written_is_never_the_one_evicted() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), 1000);
    let (small, small_bytes) = manifest(1, 100);
    cache.put(&small, &small_bytes).unwrap();
    age(&cache, &small, 0);
    let (large, large_bytes) = manifest(2, 950);
    assert_eq!(cache.put(&large, &large_bytes).unwrap().evicted, 1);
    assert!(matches!(cache.get(&large).unwrap(), Lookup::Hit(_)));
    // An entry larger than the whole bound is not written at all.
    let (huge, huge_bytes) = manifest(3, 1001);
    assert_eq!(cache.put(&huge, &huge_bytes).unwrap(), Stored::default());
    assert_eq!(cache.get(&huge).unwrap(), Lookup::Miss);
}

#[test]
fn the_bound_counts_entries_already_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let first = ManifestCache::new(dir.path(), 1000);
    let entries: Vec<(Digest, Vec<u8>)> = (0..9).map(|n| manifest(n, 100)).collect();
    for (seconds, (digest, bytes)) in entries.iter().enumerate() {
        first.put(digest, bytes).unwrap();
        age(&first, digest, seconds as u64);
    }
    // A later run starts from what is on disk.
    let second = ManifestCache::new(dir.path(), 1000);
    let (digest, bytes) = manifest(20, 200);
    assert_eq!(second.put(&digest, &bytes).unwrap().evicted, 2);
    assert!(!second.entry_path(&entries[0].0).exists());
}

#[test]
fn clear_removes_entries_and_unfinished_writes_and_says_what() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), 1 << 20);
    for n in 0..3 {
        let (digest, bytes) = manifest(n, 100 + usize::from(n));
        cache.put(&digest, &bytes).unwrap();
    }
    fs::write(dir.path().join(".tmp-1-2-abc"), b"half").unwrap();
    fs::write(dir.path().join("notes.txt"), b"not ours").unwrap();
    assert_eq!(
        cache.clear().unwrap(),
        Cleared {
            files: 4,
            bytes: 307
        }
    );
    let left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["notes.txt"]);
    assert_eq!(cache.clear().unwrap(), Cleared::default());
    let missing = ManifestCache::new(dir.path().join("never"), 10);
    assert_eq!(missing.clear().unwrap(), Cleared::default());
}

#[test]
fn entry_names_are_exactly_digests() {
    assert!(is_entry_name(&format!("sha256-{}", "0a".repeat(32))));
    assert!(!is_entry_name(&format!("sha256-{}", "0A".repeat(32))));
    assert!(!is_entry_name("sha256-"));
    assert!(!is_entry_name(&format!(".tmp-sha256-{}", "0a".repeat(32))));
}
