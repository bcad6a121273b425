//! An in-memory registry that follows ECR's delete and tag rules and counts every call,
//! and the tests of the provided `RegistryWrite` methods that run on it.

use super::*;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// One image of the fake registry.
#[derive(Clone, Debug)]
pub(crate) struct FakeImage {
    pub digest: String,
    pub tags: Vec<String>,
    pub manifest: String,
}

/// What the fake holds and what it was asked.
#[derive(Debug, Default)]
pub(crate) struct FakeState {
    pub images: Vec<FakeImage>,
    pub immutable: bool,
    /// Every API call, by ECR operation name.
    pub calls: Vec<&'static str>,
    /// Every id BatchDeleteImage was asked for, per call.
    pub delete_batches: Vec<Vec<ImageRef>>,
    /// Ids that BatchDeleteImage refuses with this code.
    pub refuse: Vec<(ImageRef, &'static str)>,
    /// Fail every BatchDeleteImage call from this one on (0-based) as a whole.
    pub deny_deletes_from_call: Option<usize>,
    /// Leave these ids out of the answer entirely (neither deleted nor failed).
    pub omit: Vec<ImageRef>,
}

/// A registry in memory, for tests of everything above the SDK.
#[derive(Debug, Default)]
pub(crate) struct FakeRegistry {
    pub state: Mutex<FakeState>,
}

pub(crate) fn digest_of(n: usize) -> String {
    format!("sha256:{n:064x}")
}

impl FakeRegistry {
    /// A repository of `count` images, image n tagged `t{n}`.
    pub fn with_images(count: usize) -> Self {
        let fake = FakeRegistry::default();
        fake.state.lock().unwrap().images = (0..count)
            .map(|n| FakeImage {
                digest: digest_of(n),
                tags: vec![format!("t{n}")],
                manifest: format!("{{\"n\":{n}}}"),
            })
            .collect();
        fake
    }

    pub fn calls(&self) -> Vec<&'static str> {
        self.state.lock().unwrap().calls.clone()
    }

    fn denied(action: &str) -> EcrError {
        EcrError::AccessDenied {
            action: action.into(),
            subject: "repo".into(),
            message: String::new(),
        }
    }
}

fn find<'a>(images: &'a [FakeImage], id: &ImageRef) -> Option<&'a FakeImage> {
    images.iter().find(|i| match id {
        ImageRef::Tag(t) => i.tags.contains(t),
        ImageRef::Digest(d) => &i.digest == d,
    })
}

#[async_trait]
impl RegistryWrite for FakeRegistry {
    async fn update_storage_class(
        &self,
        _repository: &str,
        digest: &str,
        target: StorageClass,
    ) -> Result<ImageStatus, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("UpdateImageStorageClass");
        if !state.images.iter().any(|i| i.digest == digest) {
            return Err(EcrError::NotFound {
                action: "ecr:UpdateImageStorageClass".into(),
                subject: "repo".into(),
                message: "Requested image not found".into(),
            });
        }
        Ok(match target {
            StorageClass::Archive => ImageStatus::Archived,
            StorageClass::Standard => ImageStatus::Activating,
        })
    }

    async fn start_scan(&self, _repository: &str, digest: &str) -> Result<ScanSummary, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("StartImageScan");
        if state.images.iter().any(|i| i.digest == digest) {
            Ok(ScanSummary {
                status: "IN_PROGRESS".into(),
                counts: None,
            })
        } else {
            Err(EcrError::NotFound {
                action: "ecr:StartImageScan".into(),
                subject: "repo".into(),
                message: "Requested image not found".into(),
            })
        }
    }

    async fn start_lifecycle_preview(
        &self,
        _repository: &str,
        _text: Option<&str>,
    ) -> Result<bool, EcrError> {
        self.state
            .lock()
            .unwrap()
            .calls
            .push("StartLifecyclePolicyPreview");
        Ok(true)
    }

    async fn batch_get(
        &self,
        _repository: &str,
        ids: &[ImageRef],
    ) -> Result<ManifestBatch, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("BatchGetImage");
        assert!(ids.len() <= MAX_IDS_PER_CALL);
        let mut batch = ManifestBatch::default();
        for id in ids {
            match find(&state.images, id) {
                Some(image) => batch.found.push(ManifestRecord {
                    id: id.clone(),
                    digest: image.digest.clone(),
                    manifest: image.manifest.clone(),
                    media_type: Some(ACCEPTED_MANIFEST_TYPES[0].into()),
                }),
                None => batch.failures.push(IdFailure {
                    id: id.clone(),
                    code: "ImageNotFound".into(),
                    reason: "Requested image not found".into(),
                }),
            }
        }
        Ok(batch)
    }

    async fn put_manifest(
        &self,
        _repository: &str,
        manifest: &str,
        _media_type: Option<&str>,
        digest: Option<&str>,
        tag: Option<&str>,
    ) -> Result<String, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("PutImage");
        let digest = digest.expect("berth always passes the digest").to_string();
        let immutable = state.immutable;
        let service = |code: &str| EcrError::Service {
            action: "ecr:PutImage".into(),
            subject: "repo".into(),
            code: code.into(),
            message: String::new(),
        };
        if let Some(tag) = tag
            && let Some(holder) = state
                .images
                .iter_mut()
                .find(|i| i.tags.iter().any(|t| t == tag))
        {
            if holder.digest == digest {
                return Err(service("ImageAlreadyExistsException"));
            }
            if immutable {
                return Err(service("ImageTagAlreadyExistsException"));
            }
            holder.tags.retain(|t| t != tag);
        }
        match state.images.iter_mut().find(|i| i.digest == digest) {
            Some(image) => image.tags.extend(tag.map(str::to_string)),
            None => state.images.push(FakeImage {
                digest: digest.clone(),
                tags: tag.map(str::to_string).into_iter().collect(),
                manifest: manifest.to_string(),
            }),
        }
        Ok(digest)
    }

    async fn resolve(&self, _repository: &str, id: &ImageRef) -> Result<Option<String>, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("DescribeImages");
        Ok(find(&state.images, id).map(|i| i.digest.clone()))
    }

    async fn batch_delete(
        &self,
        _repository: &str,
        ids: &[ImageRef],
    ) -> Result<DeleteResponse, EcrError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push("BatchDeleteImage");
        assert!(
            ids.len() <= MAX_IDS_PER_CALL,
            "a batch of {} ids",
            ids.len()
        );
        let call = state.delete_batches.len();
        state.delete_batches.push(ids.to_vec());
        if state
            .deny_deletes_from_call
            .is_some_and(|from| call >= from)
        {
            return Err(FakeRegistry::denied("ecr:BatchDeleteImage"));
        }
        let mut response = DeleteResponse::default();
        for id in ids {
            if state.omit.contains(id) {
                continue;
            }
            if let Some((_, code)) = state.refuse.iter().find(|(r, _)| r == id) {
                let code = code.to_string();
                response.failures.push(ReturnedFailure {
                    id: returned(id),
                    code,
                    reason: "refused by the fake".into(),
                });
                continue;
            }
            let Some(index) = state
                .images
                .iter()
                .position(|i| find(std::slice::from_ref(i), id).is_some())
            else {
                response.failures.push(ReturnedFailure {
                    id: returned(id),
                    code: "ImageNotFound".into(),
                    reason: "Requested image not found".into(),
                });
                continue;
            };
            let image = &mut state.images[index];
            match id {
                ImageRef::Tag(tag) if image.tags.len() > 1 => {
                    image.tags.retain(|t| t != tag);
                    response.deleted.push(ReturnedId {
                        digest: Some(image.digest.clone()),
                        tag: Some(tag.clone()),
                    });
                }
                _ => {
                    let image = state.images.remove(index);
                    if image.tags.is_empty() {
                        response.deleted.push(ReturnedId {
                            digest: Some(image.digest),
                            tag: None,
                        });
                    } else {
                        response
                            .deleted
                            .extend(image.tags.iter().map(|t| ReturnedId {
                                digest: Some(image.digest.clone()),
                                tag: Some(t.clone()),
                            }));
                    }
                }
            }
        }
        Ok(response)
    }
}

fn returned(id: &ImageRef) -> ReturnedId {
    match id {
        ImageRef::Tag(t) => ReturnedId {
            digest: None,
            tag: Some(t.clone()),
        },
        ImageRef::Digest(d) => ReturnedId {
            digest: Some(d.clone()),
            tag: None,
        },
    }
}

fn tag(t: &str) -> ImageRef {
    ImageRef::Tag(t.into())
}

#[tokio::test]
async fn put_tag_reuses_the_manifest_and_keeps_the_digest() {
    let fake = FakeRegistry::with_images(2);
    let outcome = fake.put_tag("repo", &digest_of(0), "stable").await.unwrap();
    assert_eq!(
        outcome,
        TagOutcome::Tagged {
            digest: digest_of(0)
        }
    );
    assert_eq!(
        fake.calls(),
        ["DescribeImages", "BatchGetImage", "PutImage"]
    );
    let state = fake.state.lock().unwrap();
    assert_eq!(state.images.len(), 2, "no new image was created");
    assert_eq!(state.images[0].tags, ["t0", "stable"]);
}

#[tokio::test]
async fn put_tag_moves_a_tag_and_says_from_where() {
    let fake = FakeRegistry::with_images(2);
    let outcome = fake.put_tag("repo", &digest_of(0), "t1").await.unwrap();
    assert_eq!(
        outcome,
        TagOutcome::Moved {
            digest: digest_of(0),
            from: digest_of(1)
        }
    );
}

#[tokio::test]
async fn put_tag_on_the_same_image_makes_no_write() {
    let fake = FakeRegistry::with_images(1);
    let outcome = fake.put_tag("repo", &digest_of(0), "t0").await.unwrap();
    assert_eq!(
        outcome,
        TagOutcome::AlreadyTagged {
            digest: digest_of(0)
        }
    );
    assert_eq!(fake.calls(), ["DescribeImages"]);
}

#[tokio::test]
async fn put_tag_on_an_immutable_repository_is_a_typed_refusal() {
    let fake = FakeRegistry::with_images(2);
    fake.state.lock().unwrap().immutable = true;
    let outcome = fake.put_tag("repo", &digest_of(0), "t1").await.unwrap();
    assert_eq!(
        outcome,
        TagOutcome::ImmutableTag {
            tag: "t1".into(),
            current: Some(digest_of(1))
        }
    );
}

/// A registry that answers an immutable overwrite the way plain moto does.
struct MotoStyle(FakeRegistry);

#[async_trait]
impl RegistryWrite for MotoStyle {
    async fn batch_get(&self, r: &str, ids: &[ImageRef]) -> Result<ManifestBatch, EcrError> {
        self.0.batch_get(r, ids).await
    }
    async fn put_manifest(
        &self,
        r: &str,
        m: &str,
        t: Option<&str>,
        d: Option<&str>,
        tag: Option<&str>,
    ) -> Result<String, EcrError> {
        self.0
            .put_manifest(r, m, t, d, tag)
            .await
            .map_err(|e| match e {
                EcrError::Service {
                    code,
                    action,
                    subject,
                    message,
                } if code == "ImageTagAlreadyExistsException" => EcrError::Service {
                    code: "ImageAlreadyExistsException".into(),
                    action,
                    subject,
                    message,
                },
                other => other,
            })
    }
    async fn resolve(&self, r: &str, id: &ImageRef) -> Result<Option<String>, EcrError> {
        self.0.resolve(r, id).await
    }
    async fn batch_delete(&self, r: &str, ids: &[ImageRef]) -> Result<DeleteResponse, EcrError> {
        self.0.batch_delete(r, ids).await
    }
}

#[tokio::test]
async fn image_already_exists_is_read_as_immutable_when_the_tag_is_elsewhere() {
    let fake = MotoStyle(FakeRegistry::with_images(2));
    fake.0.state.lock().unwrap().immutable = true;
    let outcome = fake.put_tag("repo", &digest_of(0), "t1").await.unwrap();
    assert!(
        matches!(outcome, TagOutcome::ImmutableTag { current: Some(d), .. } if d == digest_of(1))
    );
}

#[tokio::test]
async fn put_tag_of_a_missing_image_is_not_found() {
    let fake = FakeRegistry::with_images(1);
    let err = fake.put_tag("repo", &digest_of(9), "x").await.unwrap_err();
    assert!(
        matches!(err, EcrError::NotFound { ref message, .. } if message.contains("ImageNotFound")),
        "{err:?}"
    );
    assert!(!fake.calls().contains(&"PutImage"));
}

#[tokio::test]
async fn deletes_go_in_batches_of_at_most_100_and_each_id_once() {
    let fake = FakeRegistry::with_images(250);
    let mut ids: Vec<ImageRef> = (0..250).map(|n| ImageRef::Digest(digest_of(n))).collect();
    ids.push(ImageRef::Digest(digest_of(3)));
    let report = fake.delete_images("repo", &ids).await;
    let state = fake.state.lock().unwrap();
    let sizes: Vec<usize> = state.delete_batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(report.deleted.len(), 250);
    assert!(report.failed.is_empty() && report.is_complete());
    assert!(state.images.is_empty());
    assert_eq!(report.deleted[0].tags, ["t0"]);
}

#[tokio::test]
async fn per_id_failures_are_reported_exactly() {
    let fake = FakeRegistry::with_images(5);
    fake.state.lock().unwrap().refuse.push((
        ImageRef::Digest(digest_of(2)),
        "ImageReferencedByManifestList",
    ));
    let ids = vec![
        ImageRef::Digest(digest_of(1)),
        ImageRef::Digest(digest_of(2)),
        ImageRef::Digest(digest_of(77)),
        tag("t3"),
    ];
    let report = fake.delete_images("repo", &ids).await;
    let deleted: Vec<&ImageRef> = report.deleted.iter().map(|d| &d.id).collect();
    assert_eq!(deleted, [&ids[0], &ids[3]]);
    let failed: Vec<(&ImageRef, &str)> = report
        .failed
        .iter()
        .map(|f| (&f.id, f.code.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (&ids[1], "ImageReferencedByManifestList"),
            (&ids[2], "ImageNotFound")
        ]
    );
}

#[tokio::test]
async fn an_id_missing_from_the_answer_is_not_reported_deleted() {
    let fake = FakeRegistry::with_images(3);
    fake.state.lock().unwrap().omit.push(tag("t1"));
    let report = fake.delete_images("repo", &[tag("t0"), tag("t1")]).await;
    assert_eq!(report.deleted.len(), 1);
    assert_eq!(report.failed[0].id, tag("t1"));
    assert_eq!(report.failed[0].code, NOT_CONFIRMED);
}

#[tokio::test]
async fn a_denied_batch_fails_its_ids_and_stops_the_rest() {
    let fake = FakeRegistry::with_images(250);
    fake.state.lock().unwrap().deny_deletes_from_call = Some(1);
    let ids: Vec<ImageRef> = (0..250).map(|n| ImageRef::Digest(digest_of(n))).collect();
    let report = fake.delete_images("repo", &ids).await;
    assert_eq!(report.deleted.len(), 100);
    assert_eq!(report.failed.len(), 150);
    assert!(
        report.failed[..100]
            .iter()
            .all(|f| f.code == "AccessDenied")
    );
    assert!(report.failed[100..].iter().all(|f| f.code == NOT_ATTEMPTED));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(fake.state.lock().unwrap().delete_batches.len(), 2);
}

#[test]
fn a_failure_wins_over_a_deletion_entry_for_the_same_digest() {
    // Tag t0 was the image's last tag: deleting it deleted the image, so the digest asked
    // next in the same call was not found, though the answer still mentions the digest.
    let d = digest_of(0);
    let response = DeleteResponse {
        deleted: vec![ReturnedId {
            digest: Some(d.clone()),
            tag: Some("t0".into()),
        }],
        failures: vec![ReturnedFailure {
            id: ReturnedId {
                digest: Some(d.clone()),
                tag: None,
            },
            code: "ImageNotFound".into(),
            reason: String::new(),
        }],
    };
    let (deleted, failed) =
        match_delete_response(&[tag("t0"), ImageRef::Digest(d.clone())], &response);
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].id, tag("t0"));
    assert_eq!(failed[0].id, ImageRef::Digest(d));
}

#[tokio::test]
async fn manifests_are_fetched_in_batches_and_failures_kept() {
    let fake = FakeRegistry::with_images(120);
    let mut ids: Vec<ImageRef> = (0..120).map(|n| ImageRef::Digest(digest_of(n))).collect();
    ids.push(tag("gone"));
    let batch = fake.get_manifests("repo", &ids).await;
    assert_eq!(batch.found.len(), 120);
    assert_eq!(batch.failures.len(), 1);
    assert_eq!(batch.found[5].manifest, "{\"n\":5}");
    assert_eq!(fake.calls(), ["BatchGetImage", "BatchGetImage"]);
    let unique_ids: BTreeSet<_> = batch.found.iter().map(|r| r.id.clone()).collect();
    assert_eq!(unique_ids.len(), 120);
}

#[test]
fn image_refs_serialise_as_tagged_objects() {
    let json = serde_json::to_string(&vec![tag("v1"), ImageRef::Digest(digest_of(1))]).unwrap();
    assert!(
        json.starts_with(r#"[{"tag":"v1"},{"digest":"sha256:"#),
        "{json}"
    );
    let back: Vec<ImageRef> = serde_json::from_str(&json).unwrap();
    assert_eq!(back[0], tag("v1"));
}
