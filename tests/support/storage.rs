//! What a repository really stores, worked out in the test from the manifests read with
//! aws-sdk-ecr: the oracle for berth's stored, unique and freed bytes.
//!
//! Written the plainest way (sets of digest strings, recursion over index children) and
//! sharing nothing with berth's own code, so a mistake there cannot hide here.

use std::collections::{BTreeMap, BTreeSet};

/// The manifest media types a registry may hold, all asked for so none is converted.
const ACCEPTED: [&str; 4] = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
];

/// A blob: its digest and size.
pub type Blob = (String, u64);

/// Every image of one repository with the blobs its manifest names and, for an index,
/// the child manifests it lists.
#[derive(Debug, Default)]
pub struct RepositoryTruth {
    /// Image digest → the config and layer blobs of its own manifest.
    pub blobs: BTreeMap<String, BTreeSet<Blob>>,
    /// Index digest → child manifest digests.
    pub children: BTreeMap<String, Vec<String>>,
    /// DescribeImages' `imageSizeInBytes` per image digest.
    pub listed_sizes: BTreeMap<String, u64>,
}

impl RepositoryTruth {
    /// Read every image of `repository`, and the manifests of its active images (an
    /// archived image cannot be pulled, its manifest included).
    pub async fn read(client: &aws_sdk_ecr::Client, repository: &str) -> RepositoryTruth {
        let mut truth = RepositoryTruth::default();
        let mut digests = Vec::new();
        for image in super::all_images(client, repository).await {
            let digest = image.image_digest().expect("a digest").to_string();
            let size = image.image_size_in_bytes().unwrap_or_default();
            truth
                .listed_sizes
                .insert(digest.clone(), size.max(0) as u64);
            let active = image
                .image_status()
                .is_none_or(|status| *status == aws_sdk_ecr::types::ImageStatus::Active);
            if active {
                digests.push(digest);
            }
        }
        for batch in digests.chunks(100) {
            let ids = batch
                .iter()
                .map(|d| {
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_digest(d)
                        .build()
                })
                .collect();
            let out = client
                .batch_get_image()
                .repository_name(repository)
                .set_image_ids(Some(ids))
                .set_accepted_media_types(Some(ACCEPTED.iter().map(|t| t.to_string()).collect()))
                .send()
                .await
                .expect("BatchGetImage");
            assert!(out.failures().is_empty(), "{:?}", out.failures());
            for image in out.images() {
                let digest = image.image_id().and_then(|id| id.image_digest()).unwrap();
                let manifest: serde_json::Value =
                    serde_json::from_str(image.image_manifest().unwrap()).unwrap();
                truth.add(digest, &manifest);
            }
        }
        truth
    }

    fn add(&mut self, digest: &str, manifest: &serde_json::Value) {
        if let Some(list) = manifest["manifests"].as_array() {
            let children = list
                .iter()
                .filter_map(|entry| entry["digest"].as_str().map(str::to_string))
                .collect();
            self.children.insert(digest.to_string(), children);
            self.blobs.insert(digest.to_string(), BTreeSet::new());
            return;
        }
        let blob = |entry: &serde_json::Value| {
            (
                entry["digest"].as_str().unwrap().to_string(),
                entry["size"].as_u64().unwrap(),
            )
        };
        let mut blobs: BTreeSet<Blob> = BTreeSet::new();
        if manifest["config"].is_object() {
            blobs.insert(blob(&manifest["config"]));
        }
        for layer in manifest["layers"].as_array().into_iter().flatten() {
            blobs.insert(blob(layer));
        }
        self.blobs.insert(digest.to_string(), blobs);
    }

    /// The blobs an image holds: its own, and its children's for an index.
    pub fn closure(&self, digest: &str) -> BTreeSet<Blob> {
        let mut all = self.blobs.get(digest).cloned().unwrap_or_default();
        for child in self.children.get(digest).into_iter().flatten() {
            all.extend(self.closure(child));
        }
        all
    }

    fn bytes_of(blobs: &BTreeSet<Blob>) -> u64 {
        blobs.iter().map(|(_, size)| size).sum()
    }

    /// The distinct blobs of every image, summed.
    pub fn stored_bytes(&self) -> u64 {
        let all: BTreeSet<Blob> = self.blobs.keys().flat_map(|d| self.closure(d)).collect();
        Self::bytes_of(&all)
    }

    /// What deleting the images `deleted` frees: their blobs no other image holds.
    pub fn bytes_freed(&self, deleted: &BTreeSet<String>) -> u64 {
        let gone: BTreeSet<Blob> = deleted.iter().flat_map(|d| self.closure(d)).collect();
        let kept: BTreeSet<Blob> = self
            .blobs
            .keys()
            .filter(|d| !deleted.contains(*d))
            .flat_map(|d| self.closure(d))
            .collect();
        Self::bytes_of(&gone.difference(&kept).cloned().collect())
    }

    /// What deleting only `digest` frees.
    pub fn unique_bytes(&self, digest: &str) -> u64 {
        self.bytes_freed(&BTreeSet::from([digest.to_string()]))
    }

    /// The sum of the listed sizes of `digests`: the upper bound berth also reports.
    pub fn listed_bytes<'a>(&self, digests: impl IntoIterator<Item = &'a String>) -> u64 {
        digests.into_iter().map(|d| self.listed_sizes[d]).sum()
    }
}

/// Bytes of the blobs that appear in more than one of `repositories`.
pub fn cross_repository_bytes(repositories: &[RepositoryTruth]) -> u64 {
    let mut seen: BTreeMap<Blob, usize> = BTreeMap::new();
    for truth in repositories {
        let blobs: BTreeSet<Blob> = truth.blobs.keys().flat_map(|d| truth.closure(d)).collect();
        for blob in blobs {
            *seen.entry(blob).or_default() += 1;
        }
    }
    seen.iter()
        .filter(|(_, count)| **count > 1)
        .map(|((_, size), _)| size)
        .sum()
}
