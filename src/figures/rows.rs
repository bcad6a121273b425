//! What a sweep produces: one row of figures per repository, the calls that failed, and
//! one result per registry, in the shape `berth audit`'s JSON output documents.

use crate::ecr::EcrError;
use crate::ecr::model::{Image, ImageStatus, RegistryTarget};
use jiff::{SignedDuration, Timestamp};
use serde::{Serialize, Serializer};

/// One repository's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepositoryRow {
    /// The credentials' label: the profile name, or `env` for the default chain.
    pub profile: String,
    /// The account that owns the registry.
    pub account: String,
    /// The account's name in the organization, for a member account (`--organization`,
    /// or the config's `accounts`); `None` for a profile's registry.
    pub account_name: Option<String>,
    pub region: String,
    pub repository: String,
    /// Images (manifests, manifest lists included) in the repository.
    pub images: u64,
    /// Sum of `imageSizeInBytes`; layers shared between images count once per image, so
    /// this is an upper bound of what the repository stores (see `stored_bytes`).
    pub bytes: u64,
    /// What the repository stores: the sizes of the distinct blobs (configs and layers,
    /// the children of indexes included) that its images' manifests name, each once, as
    /// ECR stores and bills them. `None` when manifests were not read; a lower bound
    /// when some could not be (`stored_bytes_exact` false, `storage_note` says why).
    pub stored_bytes: Option<u64>,
    /// Whether `stored_bytes` is exact: every manifest was read.
    pub stored_bytes_exact: Option<bool>,
    /// Images in archive storage (ARCHIVED, or ACTIVATING on their way back): counted in
    /// `images` and `bytes`, but not in `stored_bytes`, since an archived image's
    /// manifest cannot be read.
    pub archived_images: u64,
    /// Sum of their `imageSizeInBytes`.
    pub archived_bytes: u64,
    /// Images that are OCI referrers (a signature, SBOM or attestation naming a subject).
    pub referrers: u64,
    /// Images (not referrers) that a signature in the repository names as its subject.
    pub signed_images: u64,
    /// Images (not referrers) that no signature names.
    pub unsigned_images: u64,
    /// Referrers whose subject is not in the repository any more.
    pub orphaned_referrers: u64,
    /// `stored_bytes` × the region's price per GiB-month (`[cost]`): an estimate.
    pub monthly_cost_usd: Option<f64>,
    pub untagged_images: u64,
    pub untagged_bytes: u64,
    /// Images not pulled for the stale threshold (push time where never pulled).
    pub stale_images: u64,
    pub stale_bytes: u64,
    #[serde(serialize_with = "rfc3339")]
    pub oldest_push: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339")]
    pub newest_push: Option<Timestamp>,
    /// Whether the repository has a lifecycle policy; `None` when it could not be read.
    pub lifecycle_policy: Option<bool>,
    /// Images the policy would expire now; 0 without a policy, `None` when unknown.
    pub lifecycle_expired_images: Option<u64>,
    /// Bytes those images hold (an upper bound, as for `bytes`).
    pub lifecycle_reclaimable_bytes: Option<u64>,
    /// Bytes of standard storage only the expiring images reference: what the policy
    /// would really free there (archived images it expires free their archive storage,
    /// their listed size). `None` when unknown (no policy figures, manifests not read or
    /// not all readable).
    pub lifecycle_freed_bytes: Option<u64>,
    /// Why the lifecycle figures are missing or partial, when they are.
    pub lifecycle_note: Option<String>,
    /// Why the storage figures are partial, when they are.
    pub storage_note: Option<String>,
    /// Images an ECS service or running task or a Lambda function uses; `None` when the
    /// lookup was skipped (`--no-usage`) or part of it failed (see the registry's
    /// `in_use_unknown`).
    pub in_use: Option<u64>,
    /// Other accounts whose ECS or Lambda workloads use images of this repository (an
    /// organization's member accounts pulling from it), by name and id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub in_use_by_accounts: Vec<String>,
}

impl RepositoryRow {
    /// `profile/region`, as registries are named everywhere else.
    pub fn registry(&self) -> String {
        format!("{}/{}", self.profile, self.region)
    }
}

/// The image figures of one repository, before lifecycle evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageStats {
    pub images: u64,
    pub bytes: u64,
    pub archived_images: u64,
    pub archived_bytes: u64,
    pub referrers: u64,
    pub signed_images: u64,
    pub unsigned_images: u64,
    pub orphaned_referrers: u64,
    pub untagged_images: u64,
    pub untagged_bytes: u64,
    pub stale_images: u64,
    pub stale_bytes: u64,
    pub oldest_push: Option<Timestamp>,
    pub newest_push: Option<Timestamp>,
}

impl ImageStats {
    /// Count `images`; an image is stale when its last pull (or, never pulled, its push)
    /// is more than `stale_days` days before `now`.
    pub fn of(images: &[Image], now: Timestamp, stale_days: u32) -> ImageStats {
        let threshold = now
            .checked_sub(SignedDuration::from_hours(24 * i64::from(stale_days)))
            .unwrap_or(Timestamp::MIN);
        let mut stats = ImageStats::default();
        for image in images {
            stats.images += 1;
            stats.bytes += image.size_bytes;
            if image.status != ImageStatus::Active {
                stats.archived_images += 1;
                stats.archived_bytes += image.size_bytes;
            }
            if image.tags.is_empty() {
                stats.untagged_images += 1;
                stats.untagged_bytes += image.size_bytes;
            }
            if image
                .last_pulled_at
                .or(image.pushed_at)
                .is_some_and(|last| last < threshold)
            {
                stats.stale_images += 1;
                stats.stale_bytes += image.size_bytes;
            }
            stats.oldest_push = earliest(stats.oldest_push, image.pushed_at);
            stats.newest_push = latest(stats.newest_push, image.pushed_at);
        }
        stats.count_referrers(images);
        stats
    }

    /// Referrers, signed and unsigned images, and referrers whose subject is gone.
    fn count_referrers(&mut self, images: &[Image]) {
        let digests: std::collections::HashSet<&str> =
            images.iter().map(|i| i.digest.as_str()).collect();
        let signed: std::collections::HashSet<&str> = images
            .iter()
            .filter(|i| i.artifact_type.as_deref().is_some_and(is_signature))
            .filter_map(|i| i.subject_digest.as_deref())
            .collect();
        for image in images {
            match image.subject_digest.as_deref() {
                Some(subject) => {
                    self.referrers += 1;
                    if !digests.contains(subject) {
                        self.orphaned_referrers += 1;
                    }
                }
                None if signed.contains(image.digest.as_str()) => self.signed_images += 1,
                None => self.unsigned_images += 1,
            }
        }
    }
}

/// Artifact types of image signatures: Sigstore cosign's and Notary Project's.
pub const SIGNATURE_TYPES: [&str; 2] = [
    "application/vnd.dev.cosign.artifact.sig.v1+json",
    "application/vnd.cncf.notary.signature",
];

/// Whether an artifact of `artifact_type` is a signature.
pub fn is_signature(artifact_type: &str) -> bool {
    SIGNATURE_TYPES.contains(&artifact_type)
}

pub(crate) fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(crate) fn latest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A call that failed; the report is partial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorEntry {
    /// `profile/region`.
    pub registry: String,
    /// The repository, when the failure concerned one.
    pub repository: Option<String>,
    /// A short machine-readable class: `AccessDenied`, `Unreachable`, `Timeout`, …
    pub code: String,
    /// What failed, on what, and what to do.
    pub error: String,
}

impl ErrorEntry {
    /// An entry for `err`, raised while auditing `target` (and `repository`, if any).
    pub fn new(target: &RegistryTarget, repository: Option<&str>, err: &EcrError) -> Self {
        ErrorEntry {
            registry: target.label(),
            repository: repository.map(str::to_string),
            code: err.code().to_string(),
            error: err.without_key_hint(),
        }
    }
}

/// What one registry's sweep produced.
#[derive(Clone, Debug)]
pub struct RegistryResult {
    pub target: RegistryTarget,
    pub account: Option<String>,
    pub rows: Vec<RepositoryRow>,
    pub errors: Vec<ErrorEntry>,
    /// Whether the repository listing itself succeeded (at least its first page).
    pub listed: bool,
    /// What the in-use lookup could not read, as short notes.
    pub usage_gaps: Vec<String>,
    /// Blobs stored in more than one repository of this registry, when manifests were
    /// read.
    pub cross_repository_bytes: Option<crate::storage::Figure>,
}

/// RFC 3339 in UTC to the millisecond, as ECR keeps times: the SDK's floating-point
/// epoch seconds would otherwise print as `…02.783999919Z`.
pub fn rfc3339_text(at: Timestamp) -> String {
    at.round(jiff::Unit::Millisecond).unwrap_or(at).to_string()
}

/// Timestamps as RFC 3339 strings, `null` when absent (jiff here has no serde feature).
pub(crate) fn rfc3339<S: Serializer>(
    at: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&rfc3339_text(*at)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::ManifestKind;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn image(tags: &[&str], size: u64, pushed: &str, pulled: Option<&str>) -> Image {
        Image {
            digest: format!("sha256:{size:064}"),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at: Some(at(pushed)),
            last_pulled_at: pulled.map(at),
            size_bytes: size,
            manifest_media_type: None,
            kind: ManifestKind::Image,
            scan: None,
            status: Default::default(),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            artifact_type: None,
        }
    }

    #[test]
    fn signatures_sign_their_subjects_and_a_referrer_without_one_is_orphaned() {
        let pushed = "2026-05-01T00:00:00Z";
        let mut images = vec![
            image(&["v1"], 1, pushed, None),
            image(&["v2"], 2, pushed, None),
            image(&[], 3, pushed, None),
            image(&[], 4, pushed, None),
            image(&[], 5, pushed, None),
        ];
        let referrer = |image: &mut Image, subject: &str, artifact: &str| {
            image.subject_digest = Some(subject.to_string());
            image.artifact_type = Some(artifact.to_string());
        };
        let (v1, v2) = (images[0].digest.clone(), images[1].digest.clone());
        referrer(&mut images[2], &v1, SIGNATURE_TYPES[0]);
        // An SBOM is a referrer, but signs nothing.
        referrer(&mut images[3], &v2, "application/spdx+json");
        referrer(
            &mut images[4],
            &format!("sha256:{}", "e".repeat(64)),
            SIGNATURE_TYPES[1],
        );
        let stats = ImageStats::of(&images, at("2026-06-01T00:00:00Z"), 90);
        assert_eq!(
            (
                stats.referrers,
                stats.signed_images,
                stats.unsigned_images,
                stats.orphaned_referrers
            ),
            (3, 1, 1, 1)
        );
    }

    #[test]
    fn stale_means_not_pulled_for_n_days_falling_back_to_push_time() {
        let now = at("2026-06-01T00:00:00Z");
        let images = [
            // pushed long ago, pulled yesterday: fresh
            image(
                &["a"],
                1,
                "2025-01-01T00:00:00Z",
                Some("2026-05-31T00:00:00Z"),
            ),
            // pushed long ago, never pulled: stale
            image(&[], 10, "2025-01-01T00:00:00Z", None),
            // pulled 100 days ago: stale
            image(
                &["b"],
                100,
                "2026-05-01T00:00:00Z",
                Some("2026-02-21T00:00:00Z"),
            ),
            // pushed 10 days ago, never pulled: fresh
            image(&[], 1000, "2026-05-22T00:00:00Z", None),
        ];
        let stats = ImageStats::of(&images, now, 90);
        assert_eq!((stats.images, stats.bytes), (4, 1111));
        assert_eq!((stats.untagged_images, stats.untagged_bytes), (2, 1010));
        assert_eq!((stats.stale_images, stats.stale_bytes), (2, 110));
        assert_eq!(stats.oldest_push, Some(at("2025-01-01T00:00:00Z")));
        assert_eq!(stats.newest_push, Some(at("2026-05-22T00:00:00Z")));
    }
}
