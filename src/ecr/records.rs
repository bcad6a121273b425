//! A repository's images as lifecycle image records ([`ImageRecord`]), read from the
//! registry: what `berth images` prints, `berth lifecycle preview --repo` evaluates and
//! the terminal's lifecycle view loads, listed the same way for all three.

use super::manifests::{index_digests, manifest_list_children};
use super::model::Image;
use super::{EcrError, EcrRegistry, Registry};
use crate::lifecycle::{ImageRecord, ReferrerRecord};
use std::collections::{BTreeSet, HashMap};

/// Why a repository's image records could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("repository {repository} not found in {registry}")]
    RepositoryNotFound {
        repository: String,
        registry: String,
    },
    #[error(
        "image {digest} in {repository} has no push time; ECR always reports one, so the \
         endpoint's answer is incomplete and no image list is safer than a wrong one"
    )]
    NoPushTime { repository: String, digest: String },
    /// Said without the TUI's key hints: this is printed on the command line.
    #[error("{}", .0.without_key_hint())]
    Registry(EcrError),
}

impl RecordsError {
    /// Say "not found" as a command-line user needs it, not the TUI's "press r".
    fn from_registry(err: EcrError, repository: &str, registry: &EcrRegistry) -> RecordsError {
        match err {
            EcrError::NotFound { action, .. } if action == "ecr:DescribeImages" => {
                RecordsError::RepositoryNotFound {
                    repository: repository.to_string(),
                    registry: registry.target().label(),
                }
            }
            other => RecordsError::Registry(other),
        }
    }
}

/// Every image of `repository` as an image record, newest push first, with
/// `referenced_by_manifest_list` set from the repository's manifest lists.
pub async fn registry_image_records(
    registry: &EcrRegistry,
    repository: &str,
) -> Result<Vec<ImageRecord>, RecordsError> {
    let fail = |err| RecordsError::from_registry(err, repository, registry);
    // Throttling and transient failures are retried with the same token, as the audit
    // does, so a busy registry costs time, not rows.
    let images = super::pager::all_pages(|token| {
        crate::retry::retry(
            crate::retry::Backoff::THROTTLING,
            |err, _| crate::retry::retryable(err),
            |_, _| {},
            move || registry.images_page(repository, token.clone()),
        )
    })
    .await
    .map_err(fail)?;
    let children = manifest_list_children(registry, repository, &index_digests(&images))
        .await
        .map_err(fail)?;
    records_from_images(repository, images, &children)
}

/// Image records from DescribeImages results, newest push first (ties: larger digest
/// first), marking the digests in `children` as referenced by a manifest list, and
/// giving each image the listed images whose subject it is as its `referrers`.
pub fn records_from_images(
    repository: &str,
    images: Vec<Image>,
    children: &BTreeSet<String>,
) -> Result<Vec<ImageRecord>, RecordsError> {
    let mut records = images
        .into_iter()
        .map(|image| {
            let pushed_at = image.pushed_at.ok_or_else(|| RecordsError::NoPushTime {
                repository: repository.to_string(),
                digest: image.digest.clone(),
            })?;
            Ok(ImageRecord {
                referenced_by_manifest_list: children.contains(&image.digest),
                layers: None,
                unique_bytes: None,
                digest: image.digest,
                tags: image.tags,
                pushed_at,
                size_bytes: image.size_bytes,
                last_pulled_at: image.last_pulled_at,
                media_type: image.manifest_media_type,
                status: image.status,
                last_archived_at: image.last_archived_at,
                last_activated_at: image.last_activated_at,
                subject_digest: image.subject_digest,
                artifact_type: image.artifact_type,
                referrers: Vec::new(),
                children: None,
            })
        })
        .collect::<Result<Vec<ImageRecord>, RecordsError>>()?;
    records.sort_by(|a, b| {
        b.pushed_at
            .cmp(&a.pushed_at)
            .then_with(|| b.digest.cmp(&a.digest))
    });
    add_referrers(&mut records);
    Ok(records)
}

/// Give each record the records whose `subject_digest` names it, in the records' order.
fn add_referrers(records: &mut [ImageRecord]) {
    let mut by_subject: HashMap<String, Vec<ReferrerRecord>> = HashMap::new();
    for record in records.iter() {
        if let Some(subject) = &record.subject_digest {
            by_subject
                .entry(subject.clone())
                .or_default()
                .push(ReferrerRecord {
                    digest: record.digest.clone(),
                    artifact_type: record.artifact_type.clone(),
                });
        }
    }
    for record in records.iter_mut() {
        if let Some(referrers) = by_subject.remove(&record.digest) {
            record.referrers = referrers;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::ManifestKind;

    #[test]
    fn an_image_without_push_time_is_refused_not_guessed() {
        let broken = Image {
            digest: format!("sha256:{}", "01".repeat(32)),
            tags: Vec::new(),
            pushed_at: None,
            last_pulled_at: None,
            size_bytes: 1000,
            manifest_media_type: None,
            kind: ManifestKind::Image,
            scan: None,
            status: Default::default(),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            artifact_type: None,
        };
        let err = records_from_images("web/app", vec![broken], &BTreeSet::new()).unwrap_err();
        assert!(err.to_string().contains("has no push time"), "{err}");
    }
}
