//! Which images a manifest list (image index) refers to, read with BatchGetImage.
//!
//! DescribeImages does not say which images are children of a manifest list, yet ECR's
//! lifecycle never expires such a child on its own. A dry run that missed this would
//! preview a multi-platform image's platforms as deletable, so berth reads each index's
//! manifest and marks the digests it lists.

use super::client::EcrRegistry;
use super::error::{EcrError, classify};
use super::model::{Image, ManifestKind, is_valid_digest};
use super::mutate::{ACCEPTED_MANIFEST_TYPES, MAX_IDS_PER_CALL, NOT_CONFIRMED};
use aws_sdk_ecr::operation::batch_get_image::BatchGetImageOutput;
use aws_sdk_ecr::types::ImageIdentifier;
use serde::Deserialize;
use std::collections::BTreeSet;

/// The failure code ECR gives an id whose image is gone; an index deleted between
/// DescribeImages and BatchGetImage refers to nothing any more.
const IMAGE_NOT_FOUND: &str = "ImageNotFound";

/// The part of an OCI image index / Docker manifest list that names its children.
#[derive(Deserialize)]
struct IndexManifest {
    #[serde(default)]
    manifests: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    digest: Option<String>,
    platform: Option<EntryPlatform>,
}

#[derive(Deserialize)]
struct EntryPlatform {
    os: Option<String>,
    architecture: Option<String>,
    variant: Option<String>,
}

/// One image an index names: its digest and, when the index gives one, its platform as
/// `os/architecture[/variant]` (sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexChild {
    pub digest: String,
    pub platform: Option<String>,
}

/// The children an index or manifest list names, with their platforms, in its order;
/// an empty list for a manifest that is not one (as [`child_digests`]).
pub fn child_entries(manifest: &str) -> Vec<IndexChild> {
    serde_json::from_str::<IndexManifest>(manifest)
        .map(|index| {
            index
                .manifests
                .into_iter()
                .filter_map(|entry| {
                    let platform = entry.platform.and_then(|p| {
                        let parts: Vec<String> = [p.os, p.architecture, p.variant]
                            .into_iter()
                            .flatten()
                            .filter(|part| !part.is_empty())
                            .collect();
                        (!parts.is_empty())
                            .then(|| crate::sanitize::sanitize(&parts.join("/")).into_owned())
                    });
                    Some(IndexChild {
                        digest: entry.digest?,
                        platform,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The child digests an index or manifest list names, in the order it lists them.
///
/// A manifest that is not JSON or lists nothing gives an empty list: ECR accepted the
/// manifest, so a shape berth does not know is not a reason to fail a whole dry run.
pub fn child_digests(manifest: &str) -> Vec<String> {
    serde_json::from_str::<IndexManifest>(manifest)
        .map(|index| {
            index
                .manifests
                .into_iter()
                .filter_map(|entry| entry.digest)
                .collect()
        })
        .unwrap_or_default()
}

/// The digests of the images in `images` that are manifest lists or image indexes.
pub fn index_digests(images: &[Image]) -> Vec<String> {
    images
        .iter()
        .filter(|image| image.kind == ManifestKind::ManifestList)
        .map(|image| image.digest.clone())
        .collect()
}

/// Every digest that one of the manifest lists `indexes` (digests in `repository`)
/// refers to, reading their manifests with BatchGetImage, at most
/// [`MAX_IDS_PER_CALL`] ids per call.
///
/// An index that no longer exists is skipped; any other failure fails the whole call,
/// because a missing answer would let a dry run expire children it must keep.
pub async fn manifest_list_children(
    registry: &EcrRegistry,
    repository: &str,
    indexes: &[String],
) -> Result<BTreeSet<String>, EcrError> {
    Ok(index_children(registry, repository, indexes)
        .await?
        .into_iter()
        .flat_map(|(_, children)| children.into_iter().map(|child| child.digest))
        .collect())
}

/// Each of the manifest lists `indexes` (digests in `repository`) with the children it
/// names (digest and platform), read with BatchGetImage; failures as for
/// [`manifest_list_children`].
///
/// Child digests come from manifest text the registry holds: only those that are valid
/// digests are kept, so nothing downstream shows or compares anything else.
pub async fn index_children(
    registry: &EcrRegistry,
    repository: &str,
    indexes: &[String],
) -> Result<Vec<(String, Vec<IndexChild>)>, EcrError> {
    let mut found = Vec::new();
    for batch in indexes.chunks(MAX_IDS_PER_CALL) {
        let out = batch_get_image(registry, repository, by_digest(batch)).await?;
        if let Some(failure) = out.failures().iter().find(|failure| {
            failure.failure_code().map(|code| code.as_str()) != Some(IMAGE_NOT_FOUND)
        }) {
            let digest = failure
                .image_id()
                .and_then(|id| id.image_digest())
                .unwrap_or("an index");
            return Err(EcrError::Other {
                action: "ecr:BatchGetImage".into(),
                subject: repository.to_string(),
                detail: crate::sanitize::sanitize(&format!(
                    "cannot read the manifest of {digest}: {}: {}",
                    failure.failure_code().map_or("?", |code| code.as_str()),
                    failure.failure_reason().unwrap_or_default()
                ))
                .into_owned(),
            });
        }
        for image in out.images() {
            let (Some(index), Some(manifest)) = (
                image.image_id().and_then(|id| id.image_digest()),
                image.image_manifest(),
            ) else {
                continue;
            };
            let children = child_entries(manifest)
                .into_iter()
                .filter(|child| is_valid_digest(&child.digest))
                .collect();
            found.push((index.to_string(), children));
        }
    }
    Ok(found)
}

/// Image ids for `digests`.
fn by_digest(digests: &[String]) -> Vec<ImageIdentifier> {
    digests
        .iter()
        .map(|digest| ImageIdentifier::builder().image_digest(digest).build())
        .collect()
}

/// One BatchGetImage call for `ids` (at most [`MAX_IDS_PER_CALL`]) of `repository`.
///
/// Every manifest type is named as accepted: ECR would otherwise convert a manifest to
/// another schema, which changes its bytes and so its digest.
pub(super) async fn batch_get_image(
    registry: &EcrRegistry,
    repository: &str,
    ids: Vec<ImageIdentifier>,
) -> Result<BatchGetImageOutput, EcrError> {
    registry
        .sdk()
        .batch_get_image()
        .repository_name(repository)
        .set_image_ids(Some(ids))
        .set_accepted_media_types(Some(
            ACCEPTED_MANIFEST_TYPES
                .iter()
                .map(|t| t.to_string())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| classify(e, "ecr:BatchGetImage", repository))
}

/// What BatchGetImage answered for one digest asked of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestAnswer {
    /// The manifest exactly as the registry stores it (its sha256 should be the digest;
    /// the caller checks), with the media type ECR reports when it gives one.
    Found {
        manifest: String,
        media_type: Option<String>,
    },
    /// `ImageNotFound`: the image is gone, deleted since it was listed.
    Gone,
    /// Any other answer for this digest: ECR's failure code and reason (sanitised), or
    /// [`NOT_CONFIRMED`] when the answer did not mention the digest.
    Failed { code: String, reason: String },
}

/// The manifests of the images `digests` of `repository`, read with BatchGetImage in
/// calls of at most [`MAX_IDS_PER_CALL`] ids (one call for a batch that size): every
/// digest asked, once, in the order asked, with its answer. A call that fails as a
/// whole is the error.
pub async fn manifests_by_digest(
    registry: &EcrRegistry,
    repository: &str,
    digests: &[String],
) -> Result<Vec<(String, ManifestAnswer)>, EcrError> {
    let mut answers = Vec::with_capacity(digests.len());
    for batch in digests.chunks(MAX_IDS_PER_CALL) {
        let out = batch_get_image(registry, repository, by_digest(batch)).await?;
        let found = out.images().iter().filter_map(|image| {
            Some((
                image.image_id()?.image_digest()?,
                image.image_manifest()?,
                image.image_manifest_media_type(),
            ))
        });
        let failures = out.failures().iter().filter_map(|failure| {
            Some((
                failure.image_id()?.image_digest()?,
                failure.failure_code().map_or("?", |code| code.as_str()),
                failure.failure_reason().unwrap_or_default(),
            ))
        });
        answers.extend(match_manifest_answers(batch, found, failures));
    }
    Ok(answers)
}

/// Pair each digest of `asked` with what one BatchGetImage answer says of it: `found`
/// (digest, manifest, media type) wins over `failures` (digest, code, reason); a digest
/// the answer does not mention failed with [`NOT_CONFIRMED`]; anything not asked for is
/// ignored.
pub fn match_manifest_answers<'a>(
    asked: &[String],
    found: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    failures: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<(String, ManifestAnswer)> {
    let mut answers: Vec<(String, Option<ManifestAnswer>)> =
        asked.iter().map(|digest| (digest.clone(), None)).collect();
    let mut answer = |digest: &str, given: ManifestAnswer| {
        if let Some((_, slot)) = answers.iter_mut().find(|(asked, _)| asked == digest) {
            let found_already = matches!(slot, Some(ManifestAnswer::Found { .. }));
            if !found_already {
                *slot = Some(given);
            }
        }
    };
    for (digest, manifest, media_type) in found {
        answer(
            digest,
            ManifestAnswer::Found {
                manifest: manifest.to_string(),
                media_type: media_type.map(str::to_string),
            },
        );
    }
    for (digest, code, reason) in failures {
        answer(
            digest,
            if code == IMAGE_NOT_FOUND {
                ManifestAnswer::Gone
            } else {
                ManifestAnswer::Failed {
                    code: crate::sanitize::sanitize(code).into_owned(),
                    reason: crate::sanitize::sanitize(reason).into_owned(),
                }
            },
        );
    }
    answers
        .into_iter()
        .map(|(digest, answer)| {
            let answer = answer.unwrap_or_else(|| ManifestAnswer::Failed {
                code: NOT_CONFIRMED.to_string(),
                reason: "the registry's answer did not mention this image".to_string(),
            });
            (digest, answer)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_read_from_oci_indexes_and_docker_lists() {
        let index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
            "manifests":[{"digest":"sha256:aa","platform":{"architecture":"amd64"}},
                         {"digest":"sha256:bb","annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#;
        assert_eq!(child_digests(index), ["sha256:aa", "sha256:bb"]);
        let list =
            r#"{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:cc","size":1}]}"#;
        assert_eq!(child_digests(list), ["sha256:cc"]);
    }

    #[test]
    fn every_digest_asked_gets_exactly_one_answer() {
        let asked = ["sha256:aa", "sha256:bb", "sha256:cc", "sha256:dd"].map(String::from);
        let answers = match_manifest_answers(
            &asked,
            [
                (
                    "sha256:aa",
                    "{}",
                    Some("application/vnd.oci.image.manifest.v1+json"),
                ),
                ("sha256:zz", "{}", None),
            ],
            [
                ("sha256:aa", "ImageNotFound", "late failure"),
                ("sha256:bb", "ImageNotFound", "Requested image not found"),
                ("sha256:cc", "KmsError", "key \u{1b}[31mdisabled"),
            ],
        );
        assert_eq!(
            answers,
            [
                (
                    asked[0].clone(),
                    ManifestAnswer::Found {
                        manifest: "{}".into(),
                        media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
                    }
                ),
                (asked[1].clone(), ManifestAnswer::Gone),
                (
                    asked[2].clone(),
                    ManifestAnswer::Failed {
                        code: "KmsError".into(),
                        reason: "key \u{fffd}disabled".into(),
                    }
                ),
                (
                    asked[3].clone(),
                    ManifestAnswer::Failed {
                        code: NOT_CONFIRMED.into(),
                        reason: "the registry's answer did not mention this image".into(),
                    }
                ),
            ]
        );
    }

    #[test]
    fn children_come_with_their_platforms() {
        let index = r#"{"manifests":[
            {"digest":"sha256:a","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
            {"digest":"sha256:b","platform":{"os":"linux","architecture":"amd64"}},
            {"digest":"sha256:c"}
        ]}"#;
        let entries = child_entries(index);
        let platforms: Vec<Option<&str>> = entries.iter().map(|e| e.platform.as_deref()).collect();
        assert_eq!(
            platforms,
            [Some("linux/arm64/v8"), Some("linux/amd64"), None]
        );
        assert_eq!(entries[2].digest, "sha256:c");
        assert!(child_entries("not json").is_empty());
    }

    #[test]
    fn manifests_without_children_give_none() {
        assert!(child_digests(r#"{"schemaVersion":2,"layers":[]}"#).is_empty());
        assert!(child_digests("not json").is_empty());
        assert!(child_digests(r#"{"manifests":[{"size":1}]}"#).is_empty());
    }
}
