//! Which images a manifest list (image index) refers to, read with BatchGetImage.
//!
//! DescribeImages does not say which images are children of a manifest list, yet ECR's
//! lifecycle never expires such a child on its own. A dry run that missed this would
//! preview a multi-platform image's platforms as deletable, so berth reads each index's
//! manifest and marks the digests it lists.

use super::client::EcrRegistry;
use super::error::{EcrError, classify};
use super::model::{Image, ManifestKind, is_valid_digest};
use super::mutate::{ACCEPTED_MANIFEST_TYPES, MAX_IDS_PER_CALL};
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
        .flat_map(|(_, children)| children)
        .collect())
}

/// Each of the manifest lists `indexes` (digests in `repository`) with the child digests
/// it names, read with BatchGetImage; failures as for [`manifest_list_children`].
///
/// Child digests come from manifest text the registry holds: only those that are valid
/// digests are kept, so nothing downstream shows or compares anything else.
pub async fn index_children(
    registry: &EcrRegistry,
    repository: &str,
    indexes: &[String],
) -> Result<Vec<(String, Vec<String>)>, EcrError> {
    let mut found = Vec::new();
    for batch in indexes.chunks(MAX_IDS_PER_CALL) {
        let ids: Vec<ImageIdentifier> = batch
            .iter()
            .map(|digest| ImageIdentifier::builder().image_digest(digest).build())
            .collect();
        let out = registry
            .sdk()
            .batch_get_image()
            .repository_name(repository)
            .set_image_ids(Some(ids))
            // Naming every type keeps ECR from converting a list to another schema.
            .set_accepted_media_types(Some(
                ACCEPTED_MANIFEST_TYPES
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| classify(e, "ecr:BatchGetImage", repository))?;
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
            let children = child_digests(manifest)
                .into_iter()
                .filter(|child| is_valid_digest(child))
                .collect();
            found.push((index.to_string(), children));
        }
    }
    Ok(found)
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
    fn manifests_without_children_give_none() {
        assert!(child_digests(r#"{"schemaVersion":2,"layers":[]}"#).is_empty());
        assert!(child_digests("not json").is_empty());
        assert!(child_digests(r#"{"manifests":[{"size":1}]}"#).is_empty());
    }
}
