use super::*;
use crate::storage::figures::{Bound, Figure};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Retries without waiting, so tests stay fast.
const QUICK: Backoff = Backoff {
    max_attempts: 3,
    base: Duration::from_millis(1),
    cap: Duration::from_millis(1),
};

fn settings() -> ReadSettings<'static> {
    ReadSettings {
        backoff: QUICK,
        limits: &[],
    }
}

/// A registry in memory: answers by digest, counting calls and the ids of each.
#[derive(Default)]
struct FakeSource {
    answers: HashMap<String, ManifestAnswer>,
    calls: AtomicUsize,
    batches: Mutex<Vec<usize>>,
    /// Calls that fail as a whole before any succeeds, and with what.
    failing_calls: Mutex<Vec<EcrError>>,
}

impl FakeSource {
    fn with(manifests: &[String]) -> Self {
        let mut source = FakeSource::default();
        for text in manifests {
            source.answers.insert(
                Digest::of(text.as_bytes()).to_string(),
                ManifestAnswer::Found {
                    manifest: text.clone(),
                    media_type: None,
                },
            );
        }
        source
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl ManifestSource for FakeSource {
    async fn manifests(
        &self,
        repository: &str,
        digests: &[String],
    ) -> Result<Vec<(String, ManifestAnswer)>, EcrError> {
        assert_eq!(repository, "web/api");
        assert!(digests.len() <= MAX_IDS_PER_CALL);
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.batches.lock().unwrap().push(digests.len());
        if let Some(err) = self.failing_calls.lock().unwrap().pop() {
            return Err(err);
        }
        Ok(digests
            .iter()
            .map(|d| {
                let answer = self.answers.get(d).cloned().unwrap_or(ManifestAnswer::Gone);
                (d.clone(), answer)
            })
            .collect())
    }
}

/// A digest from one number, for blobs.
fn blob_digest(n: u32) -> String {
    Digest::of(format!("blob {n}").as_bytes()).to_string()
}

/// An OCI image manifest over a shared base layer (1000 bytes), its own config (10) and
/// its own layer (100 + n).
fn image(n: u32) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":10}},"layers":[{{"digest":"{}","size":1000}},{{"digest":"{}","size":{}}}]}}"#,
        blob_digest(1_000_000 + n),
        blob_digest(0),
        blob_digest(500_000 + n),
        100 + n
    )
}

fn index(children: &[&String]) -> String {
    let entries: Vec<String> = children
        .iter()
        .map(|c| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{}}}"#,
                Digest::of(c.as_bytes()),
                c.len()
            )
        })
        .collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        entries.join(",")
    )
}

fn digest_of(text: &str) -> String {
    Digest::of(text.as_bytes()).to_string()
}

fn digests(texts: &[String]) -> Vec<String> {
    texts.iter().map(|t| digest_of(t)).collect()
}

#[tokio::test]
async fn a_second_read_of_the_same_digests_makes_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), ManifestCache::DEFAULT_MAX_BYTES);
    let images: Vec<String> = (0..250).map(image).collect();
    let source = FakeSource::with(&images);
    let asked = digests(&images);

    let first = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(source.calls(), 3, "250 digests: 100 + 100 + 50");
    assert_eq!(*source.batches.lock().unwrap(), [100, 100, 50]);
    assert_eq!(first.stats.fetched, 250);
    assert_eq!(first.stats.cache_hits, 0);
    assert!(first.unreadable.is_empty(), "{:?}", first.unreadable);

    let second = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(source.calls(), 3, "no call the second time");
    assert_eq!(second.stats.calls, 0);
    assert_eq!(second.stats.cache_hits, 250);
    assert_eq!(second.manifests, first.manifests);

    let storage = second.storage();
    assert!(storage.is_complete());
    // The base layer once, then each image's config and own layer.
    let own: u64 = (0..250u64).map(|n| 10 + 100 + n).sum();
    assert_eq!(storage.stored_bytes(), Figure::exact(1000 + own));
}

#[tokio::test]
async fn a_corrupted_cache_entry_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), ManifestCache::DEFAULT_MAX_BYTES);
    let images: Vec<String> = (0..5).map(image).collect();
    let source = FakeSource::with(&images);
    let asked = digests(&images);
    let first = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    let damaged = Digest::parse(&asked[2]).unwrap();
    std::fs::write(
        dir.path().join(format!("sha256-{}", damaged.hex())),
        image(99),
    )
    .unwrap();

    let second = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(source.calls(), 2, "one call for the damaged entry");
    assert_eq!(*source.batches.lock().unwrap(), [5, 1]);
    assert_eq!(second.stats.discarded, 1);
    assert_eq!(second.stats.cache_hits, 4);
    assert_eq!(second.stats.fetched, 1);
    assert_eq!(second.manifests, first.manifests);
    // And the entry is whole again.
    assert!(matches!(cache.get(&damaged).unwrap(), Lookup::Hit(_)));
}

#[tokio::test]
async fn a_failure_for_one_digest_leaves_only_that_image_unknown() {
    let images: Vec<String> = (0..4).map(image).collect();
    let mut source = FakeSource::with(&images);
    let asked = digests(&images);
    source.answers.insert(
        asked[1].clone(),
        ManifestAnswer::Failed {
            code: "KmsError".into(),
            reason: "the key is disabled".into(),
        },
    );
    let set = read_manifests(&source, None, "web/api", &asked, &settings()).await;
    assert_eq!(
        set.unreadable,
        [(
            asked[1].clone(),
            Unreadable::Failed {
                code: "KmsError".into(),
                reason: "the key is disabled".into()
            }
        )]
    );
    let storage = set.storage();
    assert!(!storage.is_complete());
    let failed = Digest::parse(&asked[1]).unwrap();
    assert_eq!(storage.image(&failed), None);
    for (n, digest) in asked.iter().enumerate() {
        if n == 1 {
            continue;
        }
        let figures = storage.image(&Digest::parse(digest).unwrap()).unwrap();
        assert_eq!(figures.closure_bytes, 1000 + 10 + 100 + n as u64);
        // Its own blobs, unless the unread image shares them.
        assert_eq!(
            figures.unique_bytes,
            Figure {
                bytes: 110 + n as u64,
                bound: Bound::AtMost
            }
        );
    }
    assert_eq!(storage.stored_bytes().bound, Bound::AtLeast);
}

#[tokio::test]
async fn bytes_that_are_not_the_digest_are_neither_counted_nor_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), ManifestCache::DEFAULT_MAX_BYTES);
    let images: Vec<String> = (0..2).map(image).collect();
    let mut source = FakeSource::with(&images);
    let asked = digests(&images);
    source.answers.insert(
        asked[0].clone(),
        ManifestAnswer::Found {
            manifest: image(7),
            media_type: None,
        },
    );
    let set = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(set.unreadable, [(asked[0].clone(), Unreadable::Corrupt)]);
    assert_eq!(set.manifests.len(), 1);
    let lied = Digest::parse(&asked[0]).unwrap();
    assert_eq!(cache.get(&lied).unwrap(), Lookup::Miss);
}

#[tokio::test]
async fn an_unparsable_manifest_is_unknown_and_stays_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), ManifestCache::DEFAULT_MAX_BYTES);
    let schema1 = r#"{"schemaVersion":1,"name":"web/api","fsLayers":[]}"#.to_string();
    let images = vec![image(0), schema1.clone()];
    let source = FakeSource::with(&images);
    let asked = digests(&images);
    let set = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(
        set.unreadable,
        [(
            asked[1].clone(),
            Unreadable::Unparsable(ManifestError::Schema1)
        )]
    );
    let storage = set.storage();
    assert_eq!(storage.unknown_images(), 1);
    assert!(storage.image(&Digest::parse(&asked[0]).unwrap()).is_some());
    // The bytes are the manifest (verified): reading again needs no call.
    let again = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!((source.calls(), again.stats.cache_hits), (1, 2));
}

#[tokio::test]
async fn children_of_an_index_are_read_even_when_not_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ManifestCache::new(dir.path(), ManifestCache::DEFAULT_MAX_BYTES);
    let amd64 = image(1);
    let arm64 = image(2);
    let head = index(&[&amd64, &arm64]);
    let source = FakeSource::with(&[amd64.clone(), arm64.clone(), head.clone()]);
    let asked = vec![digest_of(&head)];
    let set = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!(source.calls(), 2, "the index, then its children");
    assert_eq!(set.manifests.len(), 3);
    let storage = set.storage();
    let figures = storage.image(&Digest::parse(&asked[0]).unwrap()).unwrap();
    assert_eq!(figures.closure_bytes, 1000 + 110 + 1 + 110 + 2);
    assert_eq!(
        storage.bytes_freed(set.manifests.keys()),
        storage.stored_bytes()
    );

    // From the cache, the children come in a second round too, without a call.
    let again = read_manifests(&source, Some(&cache), "web/api", &asked, &settings()).await;
    assert_eq!((source.calls(), again.stats.cache_hits), (2, 3));
}

#[tokio::test]
async fn an_index_whose_child_is_gone_is_unknown_but_a_gone_image_is_not() {
    let amd64 = image(1);
    let head = index(&[&amd64, &image(2)]);
    let source = FakeSource::with(&[amd64.clone(), head.clone()]);
    let asked = vec![digest_of(&head), digest_of(&amd64), digest_of(&image(3))];
    let set = read_manifests(&source, None, "web/api", &asked, &settings()).await;
    let storage = set.storage();
    // image(3) is gone: it stores nothing. image(2) is gone too, but the index names
    // it, so the index's closure is unknown.
    assert_eq!(storage.unknown_images(), 2, "{:?}", set.unreadable);
    assert_eq!(storage.image(&Digest::parse(&asked[0]).unwrap()), None);
    assert!(storage.image(&Digest::parse(&asked[1]).unwrap()).is_some());
}

#[tokio::test]
async fn throttled_calls_are_retried_and_failed_calls_leave_their_batch_unknown() {
    let images: Vec<String> = (0..3).map(image).collect();
    let source = FakeSource::with(&images);
    let asked = digests(&images);
    let throttled = EcrError::Throttled {
        action: "ecr:BatchGetImage".into(),
        subject: "web/api".into(),
    };
    source.failing_calls.lock().unwrap().push(throttled);
    let set = read_manifests(&source, None, "web/api", &asked, &settings()).await;
    assert_eq!((set.stats.calls, set.stats.retries), (2, 1));
    assert_eq!(set.manifests.len(), 3);

    let denied = EcrError::AccessDenied {
        action: "ecr:BatchGetImage".into(),
        subject: "web/api".into(),
        message: String::new(),
    };
    source.failing_calls.lock().unwrap().push(denied.clone());
    let set = read_manifests(&source, None, "web/api", &asked, &settings()).await;
    assert_eq!(set.stats.calls, 1, "a refusal is not retried");
    assert_eq!(set.unreadable.len(), 3);
    assert!(
        set.unreadable
            .iter()
            .all(|(_, why)| *why == Unreadable::Call(denied.clone()))
    );
    assert_eq!(set.storage().unknown_images(), 3);
}

#[tokio::test]
async fn invalid_and_repeated_digests_are_never_asked() {
    let images: Vec<String> = (0..2).map(image).collect();
    let source = FakeSource::with(&images);
    let mut asked = digests(&images);
    asked.push(asked[0].clone());
    asked.push("sha256:ABC".into());
    asked.push("sha256:ABC".into());
    let set = read_manifests(&source, None, "web/api", &asked, &settings()).await;
    assert_eq!(*source.batches.lock().unwrap(), [2]);
    assert_eq!(
        set.unreadable,
        [("sha256:ABC".to_string(), Unreadable::InvalidDigest)]
    );
    let storage = set.storage();
    assert_eq!(storage.unknown_images(), 1, "the opaque id");
    assert_eq!(storage.image_count(), 2);
}

#[tokio::test]
async fn calls_share_a_concurrency_limit_when_given_one() {
    let images: Vec<String> = (0..2).map(image).collect();
    let source = FakeSource::with(&images);
    let limit = Semaphore::new(1);
    let settings = ReadSettings {
        backoff: QUICK,
        limits: &[&limit],
    };
    let set = read_manifests(&source, None, "web/api", &digests(&images), &settings).await;
    assert_eq!(set.manifests.len(), 2);
    assert_eq!(limit.available_permits(), 1, "the slot is given back");
}
