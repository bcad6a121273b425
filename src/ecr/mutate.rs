//! Writes to a registry: retag, delete, fetching and re-putting manifests, lifecycle
//! policies, scans and lifecycle previews. Every SDK call that changes server state lives
//! here, behind [`RegistryWrite`], so `crate::safety::Mutator` is the only way to make one.
//!
//! [`RegistryWrite`] has a few required methods, one API call each, and provided methods
//! that build the real operations (retag, batched delete) on top of them. That split keeps
//! the batching and response-matching rules testable with a fake registry, and makes every
//! implementation follow them.

use super::EcrRegistry;
use super::error::{EcrError, classify};
use super::model::{ImageStatus, ScanSummary, StorageClass, short_digest};
use crate::sanitize::sanitize;
use async_trait::async_trait;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::ImageIdentifier;
use serde::{Deserialize, Serialize};
use std::fmt;

/// BatchDeleteImage and BatchGetImage take at most this many image ids per call.
pub const MAX_IDS_PER_CALL: usize = 100;

/// Manifest media types berth asks BatchGetImage for. Naming them all keeps ECR from
/// converting a manifest to another schema, which would change its digest on re-put.
pub const ACCEPTED_MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
];

/// Failure code berth gives an id that the registry neither confirmed nor refused.
pub const NOT_CONFIRMED: &str = "NotConfirmed";
/// Failure code berth gives ids left unsent after an earlier batch failed as a whole.
pub const NOT_ATTEMPTED: &str = "NotAttempted";

/// One image id as ECR's batch calls take it: a tag or a digest.
///
/// Deleting a tag removes only that tag, unless it is the image's last one, in which case
/// ECR deletes the image; deleting a digest removes the image with all its tags.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageRef {
    Tag(String),
    Digest(String),
}

impl ImageRef {
    fn to_sdk(&self) -> ImageIdentifier {
        match self {
            ImageRef::Tag(tag) => ImageIdentifier::builder().image_tag(tag).build(),
            ImageRef::Digest(digest) => ImageIdentifier::builder().image_digest(digest).build(),
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageRef::Tag(tag) => write!(f, "tag {tag}"),
            ImageRef::Digest(digest) => write!(f, "{}", short_digest(digest)),
        }
    }
}

/// An image id as a registry answered it (either part may be missing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReturnedId {
    pub digest: Option<String>,
    pub tag: Option<String>,
}

impl ReturnedId {
    fn from_sdk(id: Option<&ImageIdentifier>) -> Self {
        ReturnedId {
            digest: id.and_then(|i| i.image_digest()).map(str::to_string),
            tag: id.and_then(|i| i.image_tag()).map(str::to_string),
        }
    }
}

/// A per-id failure as a registry answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnedFailure {
    pub id: ReturnedId,
    pub code: String,
    pub reason: String,
}

/// One BatchDeleteImage answer, before it is matched to the ids asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteResponse {
    pub deleted: Vec<ReturnedId>,
    pub failures: Vec<ReturnedFailure>,
}

/// An id the registry did not act on, with the registry's code (or berth's
/// [`NOT_CONFIRMED`] / [`NOT_ATTEMPTED`]) and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdFailure {
    pub id: ImageRef,
    pub code: String,
    pub reason: String,
}

/// A manifest as BatchGetImage returned it: the exact bytes, so a re-put keeps the digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestRecord {
    /// The id it was asked for.
    pub id: ImageRef,
    pub digest: String,
    pub manifest: String,
    pub media_type: Option<String>,
}

/// Manifests found and ids that failed, from one or more BatchGetImage calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestBatch {
    pub found: Vec<ManifestRecord>,
    pub failures: Vec<IdFailure>,
}

/// An id the registry confirmed deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub id: ImageRef,
    /// The image's digest, as the registry reported it.
    pub digest: Option<String>,
    /// Tags the registry reported removed with this id.
    pub tags: Vec<String>,
}

/// The outcome of deleting a set of ids: each id asked appears exactly once, either in
/// `deleted` (the registry listed it as deleted) or in `failed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub deleted: Vec<Deleted>,
    pub failed: Vec<IdFailure>,
    /// Errors that failed a whole BatchDeleteImage call (AccessDenied, timeouts, …).
    pub errors: Vec<EcrError>,
}

impl DeleteReport {
    /// Whether every id asked was deleted.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// What putting a tag on an image did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagOutcome {
    /// The tag named no image before and now names this one.
    Tagged { digest: String },
    /// The tag moved from another image (`from`) to this one.
    Moved { digest: String, from: String },
    /// The tag already named this image; nothing changed.
    AlreadyTagged { digest: String },
    /// The repository's tags are immutable and the tag already names another image
    /// (`current`, when the registry said which), so it cannot be moved.
    ImmutableTag {
        tag: String,
        current: Option<String>,
    },
    /// The registry stored the manifest under another digest than the image's: the tag
    /// now names a different image. Should never happen; reported so it is never hidden.
    DigestChanged { expected: String, actual: String },
}

/// Writes to one registry, plus the reads that writes need.
#[async_trait]
pub trait RegistryWrite: Send + Sync {
    /// One BatchGetImage call for at most [`MAX_IDS_PER_CALL`] ids.
    async fn batch_get(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<ManifestBatch, EcrError>;

    /// One PutImage call; returns the digest the registry stored the manifest under.
    async fn put_manifest(
        &self,
        repository: &str,
        manifest: &str,
        media_type: Option<&str>,
        digest: Option<&str>,
        tag: Option<&str>,
    ) -> Result<String, EcrError>;

    /// The digest an id names now, or None when no image matches (DescribeImages).
    async fn resolve(&self, repository: &str, id: &ImageRef) -> Result<Option<String>, EcrError>;

    /// One BatchDeleteImage call for at most [`MAX_IDS_PER_CALL`] ids.
    async fn batch_delete(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<DeleteResponse, EcrError>;

    /// One PutLifecyclePolicy call. Writers that cannot set policies keep this default.
    async fn put_lifecycle_policy(&self, repository: &str, _text: &str) -> Result<(), EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:PutLifecyclePolicy".into(),
            subject: repository.to_string(),
        })
    }

    /// One StartImageScan call for the image `digest`; the scan status the registry
    /// answers (IN_PROGRESS when accepted). Writers that cannot scan keep this default.
    async fn start_scan(&self, repository: &str, _digest: &str) -> Result<ScanSummary, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:StartImageScan".into(),
            subject: repository.to_string(),
        })
    }

    /// One StartLifecyclePolicyPreview call of `text` (None: the repository's own policy).
    /// `Ok(false)` when a preview was already running, so none was started. Writers that
    /// cannot preview keep this default.
    async fn start_lifecycle_preview(
        &self,
        repository: &str,
        _text: Option<&str>,
    ) -> Result<bool, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:StartLifecyclePolicyPreview".into(),
            subject: repository.to_string(),
        })
    }

    /// One UpdateImageStorageClass call moving the image `digest` to `target`; the status
    /// ECR answers (ARCHIVED, or ACTIVATING for a restore). Writers that cannot keep this
    /// default.
    async fn update_storage_class(
        &self,
        repository: &str,
        _digest: &str,
        _target: StorageClass,
    ) -> Result<ImageStatus, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:UpdateImageStorageClass".into(),
            subject: repository.to_string(),
        })
    }

    /// The digest `tag` points at, so a caller can ask before moving it.
    async fn tag_target(&self, repository: &str, tag: &str) -> Result<Option<String>, EcrError> {
        self.resolve(repository, &ImageRef::Tag(tag.to_string()))
            .await
    }

    /// Put `tag` on the image `digest`: BatchGetImage, then PutImage with the same
    /// manifest bytes, media type and digest, so the image itself is unchanged.
    async fn put_tag(
        &self,
        repository: &str,
        digest: &str,
        tag: &str,
    ) -> Result<TagOutcome, EcrError> {
        let previous = self.tag_target(repository, tag).await?;
        if previous.as_deref() == Some(digest) {
            return Ok(TagOutcome::AlreadyTagged {
                digest: digest.to_string(),
            });
        }
        let batch = self
            .batch_get(repository, &[ImageRef::Digest(digest.to_string())])
            .await?;
        let Some(record) = batch.found.into_iter().find(|r| r.digest == digest) else {
            let message = batch
                .failures
                .first()
                .map(|f| format!("{}: {}", f.code, f.reason))
                .unwrap_or_else(|| "the registry returned no manifest".into());
            return Err(EcrError::NotFound {
                action: "ecr:BatchGetImage".into(),
                subject: format!("{repository}@{}", short_digest(digest)),
                message,
            });
        };
        let put = self
            .put_manifest(
                repository,
                &record.manifest,
                record.media_type.as_deref(),
                Some(digest),
                Some(tag),
            )
            .await;
        match put {
            Ok(actual) if actual != digest => Ok(TagOutcome::DigestChanged {
                expected: digest.to_string(),
                actual,
            }),
            Ok(_) => Ok(match previous {
                Some(from) => TagOutcome::Moved {
                    digest: digest.to_string(),
                    from,
                },
                None => TagOutcome::Tagged {
                    digest: digest.to_string(),
                },
            }),
            Err(err) if err.code() == "ImageTagAlreadyExistsException" => {
                Ok(TagOutcome::ImmutableTag {
                    tag: tag.to_string(),
                    current: previous,
                })
            }
            // ECR says this when the manifest already carries the tag (someone tagged it
            // since we looked); moto says it for an immutable overwrite. Look again to
            // tell which.
            Err(err) if err.code() == "ImageAlreadyExistsException" => {
                match self.tag_target(repository, tag).await? {
                    Some(now) if now == digest => Ok(TagOutcome::AlreadyTagged { digest: now }),
                    current => Ok(TagOutcome::ImmutableTag {
                        tag: tag.to_string(),
                        current,
                    }),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Delete `ids` in batches of [`MAX_IDS_PER_CALL`]. Duplicates are sent once. After a
    /// batch fails as a whole, the remaining ids are not sent (a sick endpoint or a denied
    /// role would fail them too) and are reported as [`NOT_ATTEMPTED`].
    async fn delete_images(&self, repository: &str, ids: &[ImageRef]) -> DeleteReport {
        let ids = unique(ids);
        let mut report = DeleteReport::default();
        let mut batches = ids.chunks(MAX_IDS_PER_CALL);
        for batch in batches.by_ref() {
            match self.batch_delete(repository, batch).await {
                Ok(response) => {
                    let (deleted, failed) = match_delete_response(batch, &response);
                    report.deleted.extend(deleted);
                    report.failed.extend(failed);
                }
                Err(err) => {
                    report.failed.extend(batch.iter().map(|id| IdFailure {
                        id: id.clone(),
                        code: err.code().to_string(),
                        reason: err.to_string(),
                    }));
                    report.errors.push(err);
                    break;
                }
            }
        }
        for batch in batches {
            report.failed.extend(batch.iter().map(|id| IdFailure {
                id: id.clone(),
                code: NOT_ATTEMPTED.into(),
                reason: "not sent: an earlier batch failed as a whole".into(),
            }));
        }
        report
    }

    /// The manifests of `ids`, in batches of [`MAX_IDS_PER_CALL`]; a batch that fails as
    /// a whole fails each of its ids with the error's code.
    async fn get_manifests(&self, repository: &str, ids: &[ImageRef]) -> ManifestBatch {
        let ids = unique(ids);
        let mut all = ManifestBatch::default();
        for batch in ids.chunks(MAX_IDS_PER_CALL) {
            match self.batch_get(repository, batch).await {
                Ok(found) => {
                    all.found.extend(found.found);
                    all.failures.extend(found.failures);
                }
                Err(err) => all.failures.extend(batch.iter().map(|id| IdFailure {
                    id: id.clone(),
                    code: err.code().to_string(),
                    reason: err.to_string(),
                })),
            }
        }
        all
    }
}

/// `ids` without repeats, first occurrence first.
fn unique(ids: &[ImageRef]) -> Vec<ImageRef> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().filter(|id| seen.insert(*id)).cloned().collect()
}

/// Split the ids of one batch into confirmed deletions and failures.
///
/// A failure entry wins over a deletion entry (a digest can show up in both when its last
/// tag was deleted earlier in the same call), and an id the answer lists nowhere is a
/// failure: nothing counts as deleted unless the registry said so.
pub fn match_delete_response(
    batch: &[ImageRef],
    response: &DeleteResponse,
) -> (Vec<Deleted>, Vec<IdFailure>) {
    let mut deleted = Vec::new();
    let mut failed = Vec::new();
    for id in batch {
        let refused = response.failures.iter().find(|f| match id {
            ImageRef::Tag(tag) => f.id.tag.as_deref() == Some(tag),
            ImageRef::Digest(digest) => {
                f.id.digest.as_deref() == Some(digest) && f.id.tag.is_none()
            }
        });
        if let Some(failure) = refused {
            failed.push(IdFailure {
                id: id.clone(),
                code: failure.code.clone(),
                reason: failure.reason.clone(),
            });
            continue;
        }
        let confirming: Vec<&ReturnedId> = response
            .deleted
            .iter()
            .filter(|r| match id {
                ImageRef::Tag(tag) => r.tag.as_deref() == Some(tag),
                ImageRef::Digest(digest) => r.digest.as_deref() == Some(digest),
            })
            .collect();
        if confirming.is_empty() {
            failed.push(IdFailure {
                id: id.clone(),
                code: NOT_CONFIRMED.into(),
                reason: "the registry's answer did not list this id as deleted".into(),
            });
            continue;
        }
        let mut tags: Vec<String> = confirming.iter().filter_map(|r| r.tag.clone()).collect();
        tags.sort();
        tags.dedup();
        deleted.push(Deleted {
            id: id.clone(),
            digest: confirming.iter().find_map(|r| r.digest.clone()),
            tags,
        });
    }
    (deleted, failed)
}

fn failure_from_sdk(failure: &aws_sdk_ecr::types::ImageFailure) -> ReturnedFailure {
    ReturnedFailure {
        id: ReturnedId::from_sdk(failure.image_id()),
        code: failure.failure_code().map_or_else(
            || "Unknown".to_string(),
            |c| sanitize(c.as_str()).into_owned(),
        ),
        reason: sanitize(failure.failure_reason().unwrap_or_default()).into_owned(),
    }
}

/// The requested id a returned id answers: the tag form when a tag was asked and
/// returned, otherwise the digest form.
fn asked_form(asked: &[ImageRef], returned: &ReturnedId) -> Option<ImageRef> {
    if let Some(tag) = &returned.tag {
        let by_tag = ImageRef::Tag(tag.clone());
        if asked.contains(&by_tag) {
            return Some(by_tag);
        }
    }
    returned.digest.clone().map(ImageRef::Digest)
}

#[async_trait]
impl RegistryWrite for EcrRegistry {
    async fn put_lifecycle_policy(&self, repository: &str, text: &str) -> Result<(), EcrError> {
        self.sdk()
            .put_lifecycle_policy()
            .repository_name(repository)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| classify(err, "ecr:PutLifecyclePolicy", repository))
    }

    async fn start_scan(&self, repository: &str, digest: &str) -> Result<ScanSummary, EcrError> {
        let out = self
            .sdk()
            .start_image_scan()
            .repository_name(repository)
            .image_id(ImageRef::Digest(digest.to_string()).to_sdk())
            .send()
            .await
            .map_err(|e| {
                classify(
                    e,
                    "ecr:StartImageScan",
                    &format!("{repository}@{}", short_digest(digest)),
                )
            })?;
        Ok(ScanSummary {
            status: super::findings::scan_status_word(out.image_scan_status()),
            counts: None,
        })
    }

    async fn update_storage_class(
        &self,
        repository: &str,
        digest: &str,
        target: StorageClass,
    ) -> Result<ImageStatus, EcrError> {
        let class = match target {
            StorageClass::Archive => aws_sdk_ecr::types::TargetStorageClass::Archive,
            StorageClass::Standard => aws_sdk_ecr::types::TargetStorageClass::Standard,
        };
        let out = self
            .sdk()
            .update_image_storage_class()
            .repository_name(repository)
            .image_id(ImageRef::Digest(digest.to_string()).to_sdk())
            .target_storage_class(class)
            .send()
            .await
            .map_err(|e| {
                classify(
                    e,
                    "ecr:UpdateImageStorageClass",
                    &format!("{repository}@{}", short_digest(digest)),
                )
            })?;
        // An answer without a status says nothing about the image: assume nothing.
        Ok(out.image_status().map_or_else(
            || ImageStatus::Unknown,
            |status| ImageStatus::parse(status.as_str()),
        ))
    }

    async fn start_lifecycle_preview(
        &self,
        repository: &str,
        text: Option<&str>,
    ) -> Result<bool, EcrError> {
        let result = self
            .sdk()
            .start_lifecycle_policy_preview()
            .repository_name(repository)
            .set_lifecycle_policy_text(text.map(str::to_string))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("LifecyclePolicyPreviewInProgressException") => {
                Ok(false)
            }
            Err(err) => Err(classify(err, "ecr:StartLifecyclePolicyPreview", repository)),
        }
    }

    async fn batch_get(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<ManifestBatch, EcrError> {
        let sdk_ids = ids.iter().map(ImageRef::to_sdk).collect();
        let out = super::manifests::batch_get_image(self, repository, sdk_ids).await?;
        let mut batch = ManifestBatch::default();
        for image in out.images() {
            let returned = ReturnedId::from_sdk(image.image_id());
            let (Some(digest), Some(manifest), Some(id)) = (
                returned.digest.clone(),
                image.image_manifest(),
                asked_form(ids, &returned),
            ) else {
                continue;
            };
            batch.found.push(ManifestRecord {
                id,
                digest,
                manifest: manifest.to_string(),
                media_type: image.image_manifest_media_type().map(str::to_string),
            });
        }
        for failure in out.failures() {
            let failure = failure_from_sdk(failure);
            if let Some(id) = asked_form(ids, &failure.id) {
                batch.failures.push(IdFailure {
                    id,
                    code: failure.code,
                    reason: failure.reason,
                });
            }
        }
        Ok(batch)
    }

    async fn put_manifest(
        &self,
        repository: &str,
        manifest: &str,
        media_type: Option<&str>,
        digest: Option<&str>,
        tag: Option<&str>,
    ) -> Result<String, EcrError> {
        let out = self
            .sdk()
            .put_image()
            .repository_name(repository)
            .image_manifest(manifest)
            .set_image_manifest_media_type(media_type.map(str::to_string))
            .set_image_digest(digest.map(str::to_string))
            .set_image_tag(tag.map(str::to_string))
            .send()
            .await
            .map_err(|e| classify(e, "ecr:PutImage", repository))?;
        out.image()
            .and_then(|i| i.image_id())
            .and_then(|i| i.image_digest())
            .map(str::to_string)
            .ok_or_else(|| EcrError::Other {
                action: "ecr:PutImage".into(),
                subject: repository.to_string(),
                detail: "the registry did not say which digest it stored".into(),
            })
    }

    async fn resolve(&self, repository: &str, id: &ImageRef) -> Result<Option<String>, EcrError> {
        let result = self
            .sdk()
            .describe_images()
            .repository_name(repository)
            .image_ids(id.to_sdk())
            .send()
            .await;
        match result {
            Ok(out) => Ok(out
                .image_details()
                .first()
                .and_then(|d| d.image_digest())
                .map(str::to_string)),
            // classify folds this into NotFound together with a missing repository; here
            // a missing image is an answer, a missing repository an error.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_image_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(classify(err, "ecr:DescribeImages", repository)),
        }
    }

    async fn batch_delete(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<DeleteResponse, EcrError> {
        let out = self
            .sdk()
            .batch_delete_image()
            .repository_name(repository)
            .set_image_ids(Some(ids.iter().map(ImageRef::to_sdk).collect()))
            .send()
            .await
            .map_err(|e| classify(e, "ecr:BatchDeleteImage", repository))?;
        Ok(DeleteResponse {
            deleted: out
                .image_ids()
                .iter()
                .map(|id| ReturnedId::from_sdk(Some(id)))
                .collect(),
            failures: out.failures().iter().map(failure_from_sdk).collect(),
        })
    }
}

/// The in-memory fake registry is shared with the tests of the gate (`crate::safety`).
#[cfg(test)]
pub(crate) mod tests;
