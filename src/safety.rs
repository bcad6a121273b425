//! The one gate every mutation passes through: read-only mode, name checks, and the
//! audit log.
//!
//! `Err(Refused)` always means no API call was made. `Ok(Recorded)` means an attempt was
//! made and recorded (or, rarely, the record failed: `audit_error` says so).

use crate::ecr::EcrError;
use crate::ecr::model::{CredentialSource, ImageStatus, ScanSummary, StorageClass};
use crate::ecr::mutate::{DeleteReport, ImageRef, ManifestBatch, RegistryWrite, TagOutcome};
use crate::ecr::names::{self, NameError};
use crate::journal::{ImageResult, Journal, JournalAction, JournalEntry, JournalImage};
use jiff::Timestamp;
use std::sync::Arc;

/// How [`Refused::ReadOnly`] names starting a scan; the UI refuses with the same words.
pub const START_SCAN: &str = "start a scan";
/// How [`Refused::ReadOnly`] names starting ECR's lifecycle preview.
pub const START_LIFECYCLE_PREVIEW: &str = "start a lifecycle preview";
/// The refused action's words for archiving an image.
pub const ARCHIVE: &str = "archive an image";
/// The refused action's words for restoring an archived image.
pub const RESTORE_FROM_ARCHIVE: &str = "restore an image from archive";

/// Why the gate refused a mutation before any API call.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("read-only mode: {action} on {repository} was not attempted")]
    ReadOnly {
        action: &'static str,
        repository: String,
    },
    #[error(transparent)]
    InvalidName(#[from] NameError),
    #[error("nothing to {action}: no images were given")]
    NothingToDo { action: &'static str },
    #[error("{detail} — nothing was changed (fix the audit log location or permissions)")]
    JournalUnavailable { detail: String },
}

/// The result of an attempt, and whether its audit line was written.
#[derive(Debug)]
pub struct Recorded<T> {
    pub outcome: T,
    /// Set when the attempt happened but its line could not be appended.
    pub audit_error: Option<String>,
}

/// Who is acting where: the fields every audit line starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalContext {
    pub profile: String,
    pub account: String,
    /// The role assumed in a member account.
    pub role: Option<String>,
    pub region: String,
}

impl JournalContext {
    /// The context for a credential source, account and region.
    pub fn new(source: &CredentialSource, account: &str, region: &str) -> Self {
        JournalContext {
            profile: source.label().to_string(),
            account: account.to_string(),
            role: source
                .member()
                .map(|m| m.role.clone())
                .filter(|role| !role.is_empty()),
            region: region.to_string(),
        }
    }
}

/// One image to put back: its exact manifest and the tags it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreImage {
    pub digest: String,
    pub manifest: String,
    pub media_type: Option<String>,
    pub tags: Vec<String>,
}

/// What one PutImage of a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutResult {
    Restored,
    /// The registry already holds this manifest with this tag (or untagged).
    AlreadyPresent,
    /// The tag now names another image (`current`) and was left there.
    TagTaken {
        current: String,
    },
    Failed(EcrError),
}

/// What happened to each tag of one restored image (`None`: the untagged put).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    pub puts: Vec<(Option<String>, PutResult)>,
}

impl RestoreReport {
    /// Whether the image and every tag are back.
    pub fn is_complete(&self) -> bool {
        self.puts
            .iter()
            .all(|(_, r)| matches!(r, PutResult::Restored | PutResult::AlreadyPresent))
    }
}

/// Wraps a registry writer; every mutation berth makes goes through one of its methods.
#[derive(Clone)]
pub struct Mutator {
    writer: Arc<dyn RegistryWrite>,
    context: JournalContext,
    log: Journal,
    read_only: bool,
}

impl Mutator {
    /// A gate for `writer`, recording to `log` with `context`.
    pub fn new(
        writer: Arc<dyn RegistryWrite>,
        context: JournalContext,
        log: Journal,
        read_only: bool,
    ) -> Self {
        Mutator {
            writer,
            context,
            log,
            read_only,
        }
    }

    /// Whether mutations are refused.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The audit log this gate writes to.
    pub fn journal(&self) -> &Journal {
        &self.log
    }

    /// The digest `tag` names now (a read, allowed in read-only mode), so the UI can ask
    /// before moving a tag.
    pub async fn tag_target(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<String>, EcrError> {
        self.writer.tag_target(repository, tag).await
    }

    /// Put `tag` on the image `digest` (moving it if it names another image and the
    /// repository allows it).
    pub async fn tag(
        &self,
        repository: &str,
        digest: &str,
        tag: &str,
    ) -> Result<Recorded<Result<TagOutcome, EcrError>>, Refused> {
        self.admit("tag", repository)?;
        names::validate_repository_name(repository)?;
        names::validate_digest(digest)?;
        names::validate_tag(tag)?;
        self.ensure_log()?;

        let outcome = self.writer.put_tag(repository, digest, tag).await;
        let image = match &outcome {
            Ok(done) => tag_image(digest, tag, done),
            Err(err) => JournalImage {
                digest: Some(digest.to_string()),
                tags: vec![tag.to_string()],
                error_code: Some(err.code().to_string()),
                error: Some(err.to_string()),
                ..JournalImage::new(ImageResult::Failed)
            },
        };
        let mut entry = self.entry(repository, JournalAction::Tag, vec![image]);
        if let Err(err) = &outcome {
            entry.error_code = Some(err.code().to_string());
            entry.error = Some(err.to_string());
        }
        Ok(self.record(entry, outcome))
    }

    /// Delete `ids` (tags or digests). Their manifests are fetched first and recorded with
    /// the result, so the deletion can be undone while the layers remain. A failed
    /// manifest fetch does not stop the delete the user confirmed; the log says which
    /// manifests are missing and why.
    pub async fn delete(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<Recorded<DeleteReport>, Refused> {
        self.admit("delete", repository)?;
        names::validate_repository_name(repository)?;
        if ids.is_empty() {
            return Err(Refused::NothingToDo { action: "delete" });
        }
        self.ensure_log()?;

        let manifests = self.writer.get_manifests(repository, ids).await;
        let report = self.writer.delete_images(repository, ids).await;
        let images = delete_images(&report, &manifests);
        let mut entry = self.entry(repository, JournalAction::Delete, images);
        if let Some(err) = report.errors.first() {
            entry.error_code = Some(err.code().to_string());
            entry.error = Some(err.to_string());
        }
        Ok(self.record(entry, report))
    }

    /// Put a deleted image back: PutImage with its recorded manifest and digest (so the
    /// registry refuses anything but the same image), once per tag. A tag that now names
    /// another image is left where it is: moving `latest` back to an old image is a
    /// decision for a person, not a side effect of a restore. When no tag could be put, the
    /// image is put back untagged.
    pub async fn restore(
        &self,
        repository: &str,
        image: &RestoreImage,
    ) -> Result<Recorded<RestoreReport>, Refused> {
        self.admit("restore", repository)?;
        names::validate_repository_name(repository)?;
        names::validate_digest(&image.digest)?;
        for tag in &image.tags {
            names::validate_tag(tag)?;
        }
        self.ensure_log()?;

        let mut report = RestoreReport { puts: Vec::new() };
        for tag in &image.tags {
            let result = match self.writer.tag_target(repository, tag).await {
                Ok(Some(current)) if current == image.digest => PutResult::AlreadyPresent,
                Ok(Some(current)) => PutResult::TagTaken { current },
                Ok(None) => self.put_back(repository, image, Some(tag)).await,
                Err(err) => PutResult::Failed(err),
            };
            report.puts.push((Some(tag.clone()), result));
        }
        let image_is_back = report
            .puts
            .iter()
            .any(|(_, r)| matches!(r, PutResult::Restored | PutResult::AlreadyPresent));
        let gave_up = report
            .puts
            .iter()
            .any(|(_, r)| matches!(r, PutResult::Failed(_)));
        if !image_is_back && !gave_up {
            let result = self.put_back(repository, image, None).await;
            report.puts.push((None, result));
        }

        let images = report
            .puts
            .iter()
            .map(|(tag, result)| {
                let base = JournalImage {
                    digest: Some(image.digest.clone()),
                    tags: tag.iter().cloned().collect(),
                    ..JournalImage::new(ImageResult::Restored)
                };
                match result {
                    PutResult::Restored => base,
                    PutResult::AlreadyPresent => JournalImage {
                        result: ImageResult::AlreadyPresent,
                        ..base
                    },
                    PutResult::TagTaken { current } => JournalImage {
                        result: ImageResult::TagTaken,
                        previous_digest: Some(current.clone()),
                        ..base
                    },
                    PutResult::Failed(err) => JournalImage {
                        result: ImageResult::Failed,
                        error_code: Some(err.code().to_string()),
                        error: Some(err.to_string()),
                        ..base
                    },
                }
            })
            .collect();
        let entry = self.entry(repository, JournalAction::Restore, images);
        Ok(self.record(entry, report))
    }

    /// One PutImage of a recorded manifest.
    async fn put_back(
        &self,
        repository: &str,
        image: &RestoreImage,
        tag: Option<&str>,
    ) -> PutResult {
        let put = self
            .writer
            .put_manifest(
                repository,
                &image.manifest,
                image.media_type.as_deref(),
                Some(&image.digest),
                tag,
            )
            .await;
        match put {
            Ok(actual) if actual == image.digest => PutResult::Restored,
            Ok(actual) => PutResult::Failed(EcrError::Other {
                action: "ecr:PutImage".into(),
                subject: repository.to_string(),
                detail: format!("stored as {actual}, not {}", image.digest),
            }),
            Err(err) if err.code() == "ImageAlreadyExistsException" => PutResult::AlreadyPresent,
            Err(err) => PutResult::Failed(err),
        }
    }

    /// Put a lifecycle policy on `repository` (PutLifecyclePolicy), recording its text.
    pub async fn put_lifecycle_policy(
        &self,
        repository: &str,
        text: &str,
    ) -> Result<Recorded<Result<(), EcrError>>, Refused> {
        self.admit("put a lifecycle policy", repository)?;
        names::validate_repository_name(repository)?;
        self.ensure_log()?;
        let outcome = self.writer.put_lifecycle_policy(repository, text).await;
        let mut entry = self.entry(repository, JournalAction::PutLifecyclePolicy, Vec::new());
        entry.policy = Some(text.to_string());
        if let Err(err) = &outcome {
            entry.error_code = Some(err.code().to_string());
            entry.error = Some(err.to_string());
        }
        Ok(self.record(entry, outcome))
    }

    /// Start a scan of the image `digest` (StartImageScan). Scans count against ECR's
    /// one-a-day limit and cost money with enhanced scanning, so they are mutations.
    pub async fn start_scan(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<Recorded<Result<ScanSummary, EcrError>>, Refused> {
        self.admit(START_SCAN, repository)?;
        names::validate_repository_name(repository)?;
        names::validate_digest(digest)?;
        self.ensure_log()?;
        let outcome = self.writer.start_scan(repository, digest).await;
        let entry = self.one_image_entry(
            repository,
            JournalAction::StartScan,
            digest,
            ImageResult::ScanStarted,
            &outcome,
        );
        Ok(self.record(entry, outcome))
    }

    /// Start ECR's preview of `text` (None: the repository's own policy) on `repository`
    /// (StartLifecyclePolicyPreview). `Ok(false)`: one was already running and none was
    /// started; that is recorded too, since the attempt was made.
    pub async fn start_lifecycle_preview(
        &self,
        repository: &str,
        text: Option<&str>,
    ) -> Result<Recorded<Result<bool, EcrError>>, Refused> {
        self.admit(START_LIFECYCLE_PREVIEW, repository)?;
        names::validate_repository_name(repository)?;
        self.ensure_log()?;
        let outcome = self.writer.start_lifecycle_preview(repository, text).await;
        let mut entry = self.entry(repository, JournalAction::StartLifecyclePreview, Vec::new());
        entry.policy = text.map(str::to_string);
        if let Err(err) = &outcome {
            entry.error_code = Some(err.code().to_string());
            entry.error = Some(err.to_string());
        }
        Ok(self.record(entry, outcome))
    }

    /// Move the image `digest` to `target` storage (UpdateImageStorageClass): archive it
    /// (it can no longer be pulled) or restore it from archive. The status ECR answers.
    pub async fn update_storage_class(
        &self,
        repository: &str,
        digest: &str,
        target: StorageClass,
    ) -> Result<Recorded<Result<ImageStatus, EcrError>>, Refused> {
        let (verb, action, done) = match target {
            StorageClass::Archive => (ARCHIVE, JournalAction::Archive, ImageResult::Archived),
            StorageClass::Standard => (
                RESTORE_FROM_ARCHIVE,
                JournalAction::RestoreFromArchive,
                ImageResult::Activating,
            ),
        };
        self.admit(verb, repository)?;
        names::validate_repository_name(repository)?;
        names::validate_digest(digest)?;
        self.ensure_log()?;
        let outcome = self
            .writer
            .update_storage_class(repository, digest, target)
            .await;
        let entry = self.one_image_entry(repository, action, digest, done, &outcome);
        Ok(self.record(entry, outcome))
    }

    fn admit(&self, action: &'static str, repository: &str) -> Result<(), Refused> {
        if self.read_only {
            return Err(Refused::ReadOnly {
                action,
                repository: repository.to_string(),
            });
        }
        Ok(())
    }

    fn ensure_log(&self) -> Result<(), Refused> {
        self.log
            .check_writable()
            .map_err(|e| Refused::JournalUnavailable {
                detail: e.to_string(),
            })
    }

    fn entry(
        &self,
        repository: &str,
        action: JournalAction,
        images: Vec<JournalImage>,
    ) -> JournalEntry {
        JournalEntry {
            time: Timestamp::now().to_string(),
            profile: self.context.profile.clone(),
            account: self.context.account.clone(),
            role: self.context.role.clone(),
            region: self.context.region.clone(),
            repository: repository.to_string(),
            action,
            images,
            policy: None,
            error_code: None,
            error: None,
        }
    }

    /// The entry of a call on one image `digest`: `done` when it succeeded, the error
    /// (on the image and the entry) when it failed.
    fn one_image_entry<T>(
        &self,
        repository: &str,
        action: JournalAction,
        digest: &str,
        done: ImageResult,
        outcome: &Result<T, EcrError>,
    ) -> JournalEntry {
        let image = JournalImage {
            digest: Some(digest.to_string()),
            ..JournalImage::new(done)
        };
        let image = match outcome {
            Ok(_) => image,
            Err(err) => JournalImage {
                error_code: Some(err.code().to_string()),
                error: Some(err.to_string()),
                result: ImageResult::Failed,
                ..image
            },
        };
        let mut entry = self.entry(repository, action, vec![image]);
        if let Err(err) = outcome {
            entry.error_code = Some(err.code().to_string());
            entry.error = Some(err.to_string());
        }
        entry
    }

    fn record<T>(&self, entry: JournalEntry, outcome: T) -> Recorded<T> {
        Recorded {
            outcome,
            audit_error: self.log.append(&entry).err().map(|e| e.to_string()),
        }
    }
}

fn tag_image(digest: &str, tag: &str, outcome: &TagOutcome) -> JournalImage {
    let base = JournalImage {
        digest: Some(digest.to_string()),
        tags: vec![tag.to_string()],
        ..JournalImage::new(ImageResult::Tagged)
    };
    match outcome {
        TagOutcome::Tagged { .. } => base,
        TagOutcome::Moved { from, .. } => JournalImage {
            result: ImageResult::Moved,
            previous_digest: Some(from.clone()),
            ..base
        },
        TagOutcome::AlreadyTagged { .. } => JournalImage {
            result: ImageResult::AlreadyTagged,
            ..base
        },
        TagOutcome::ImmutableTag { current, .. } => JournalImage {
            result: ImageResult::RefusedImmutable,
            previous_digest: current.clone(),
            error_code: Some("ImageTagAlreadyExistsException".into()),
            ..base
        },
        TagOutcome::DigestChanged { actual, .. } => JournalImage {
            result: ImageResult::DigestChanged,
            error: Some(format!("the registry stored the manifest as {actual}")),
            ..base
        },
    }
}

/// One audit image per id asked, with the manifest fetched for it before the delete.
fn delete_images(report: &DeleteReport, manifests: &ManifestBatch) -> Vec<JournalImage> {
    let manifest_of = |id: &ImageRef| manifests.found.iter().find(|m| &m.id == id);
    let manifest_error = |id: &ImageRef| {
        manifests
            .failures
            .iter()
            .find(|f| &f.id == id)
            .map(|f| format!("{}: {}", f.code, f.reason))
    };
    let with_manifest = |id: &ImageRef, image: JournalImage| match manifest_of(id) {
        Some(record) => JournalImage {
            digest: image.digest.or_else(|| Some(record.digest.clone())),
            manifest: Some(record.manifest.clone()),
            media_type: record.media_type.clone(),
            ..image
        },
        None => JournalImage {
            manifest_error: manifest_error(id)
                .or_else(|| Some("the registry returned no manifest".into())),
            ..image
        },
    };
    let mut images = Vec::new();
    for deleted in &report.deleted {
        let image = JournalImage {
            id: Some(deleted.id.clone()),
            digest: deleted.digest.clone(),
            tags: deleted.tags.clone(),
            ..JournalImage::new(ImageResult::Deleted)
        };
        images.push(with_manifest(&deleted.id, image));
    }
    for failed in &report.failed {
        images.push(JournalImage {
            id: Some(failed.id.clone()),
            digest: match &failed.id {
                ImageRef::Digest(d) => Some(d.clone()),
                ImageRef::Tag(_) => manifest_of(&failed.id).map(|m| m.digest.clone()),
            },
            tags: match &failed.id {
                ImageRef::Tag(t) => vec![t.clone()],
                ImageRef::Digest(_) => Vec::new(),
            },
            error_code: Some(failed.code.clone()),
            error: Some(failed.reason.clone()),
            ..JournalImage::new(ImageResult::Failed)
        });
    }
    images
}

#[cfg(test)]
mod tests;
