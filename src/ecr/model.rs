//! berth's own registry types. Nothing outside `src/ecr/` sees an SDK type.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a registry's credentials come from: a named profile, the process environment,
/// or a role assumed in a member account of an organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CredentialSource {
    #[default]
    /// The default chain with no profile named (env vars, default profile, instance role).
    Environment,
    /// A profile from the AWS config or credentials file.
    Profile(String),
    /// An account reached with sts:AssumeRole from the base credentials.
    Member(MemberAccount),
}

/// An account of an organization (or of the config's `accounts` list) and how berth
/// reaches it: the role `role` in it, assumed from the profile `via` (the default chain
/// when None).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberAccount {
    /// The 12-digit account id.
    pub id: String,
    /// The account's name in the organization (sanitised); empty when not known.
    pub name: String,
    /// The role name assumed in the account (`OrganizationAccountAccessRole` by default);
    /// empty for the account the base credentials belong to, which are used as they are.
    pub role: String,
    /// The profile whose credentials assume the role; None for the default chain.
    pub via: Option<String>,
}

impl MemberAccount {
    /// The role's ARN in the partition of `region` (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn role_arn(&self, region: &str) -> String {
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        format!("arn:{partition}:iam::{}:role/{}", self.id, self.role)
    }

    /// `payments-prod (111122223333)`, or the id alone when the name is not known.
    pub fn describe(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }
}

impl CredentialSource {
    /// The name shown in the UI and reports: the profile, `env`, or the member account's
    /// name (its id when it has none).
    pub fn label(&self) -> &str {
        match self {
            CredentialSource::Environment => "env",
            CredentialSource::Profile(name) => name,
            CredentialSource::Member(account) if account.name.is_empty() => &account.id,
            CredentialSource::Member(account) => &account.name,
        }
    }

    /// The profile name to pass to aws-config, if any: a member account's base profile.
    pub fn profile(&self) -> Option<&str> {
        match self {
            CredentialSource::Environment => None,
            CredentialSource::Profile(name) => Some(name),
            CredentialSource::Member(account) => account.via.as_deref(),
        }
    }

    /// The member account, for a registry reached by assuming a role.
    pub fn member(&self) -> Option<&MemberAccount> {
        match self {
            CredentialSource::Member(account) => Some(account),
            _ => None,
        }
    }
}

/// One registry as berth addresses it: credentials × region. This pair is the registry's
/// identity everywhere in berth (see `app::action::RegistryId`).
///
/// The default (no profile, empty region) names no registry: it is what a view holds
/// before it is first opened on one, and no registry row ever has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistryTarget {
    pub source: CredentialSource,
    pub region: String,
}

impl RegistryTarget {
    pub fn new(source: CredentialSource, region: impl Into<String>) -> Self {
        Self {
            source,
            region: region.into(),
        }
    }

    /// `profile/region`, the short form used in the header and status line.
    pub fn label(&self) -> String {
        format!("{}/{}", self.source.label(), self.region)
    }
}

/// Tag mutability setting of a repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagMutability {
    Mutable,
    Immutable,
}

impl TagMutability {
    pub fn label(self) -> &'static str {
        match self {
            TagMutability::Mutable => "MUTABLE",
            TagMutability::Immutable => "IMMUTABLE",
        }
    }
}

/// Encryption at rest of a repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encryption {
    Aes256,
    Kms { key: Option<String> },
}

impl Encryption {
    pub fn label(&self) -> &'static str {
        match self {
            Encryption::Aes256 => "AES256",
            Encryption::Kms { .. } => "KMS",
        }
    }
}

/// A repository as DescribeRepositories reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    /// The account that owns the registry (ECR's `registryId`).
    pub registry_id: String,
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`
    pub uri: String,
    /// `arn:aws:ecr:REGION:ACCOUNT:repository/NAME`, what ListTagsForResource names.
    pub arn: String,
    pub created_at: Option<Timestamp>,
    pub tag_mutability: TagMutability,
    pub scan_on_push: bool,
    pub encryption: Encryption,
}

/// An image's status (`imageStatus`: ACTIVE, ARCHIVED, ACTIVATING) and the storage
/// classes UpdateImageStorageClass moves between: the lifecycle engine's own types,
/// since its rules select images by them.
pub use crate::lifecycle::{ImageStatus, StorageClass};

/// What kind of manifest an image is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestKind {
    /// A single-platform image manifest (Docker v2 schema 2 or OCI).
    Image,
    /// A multi-platform manifest list or OCI image index.
    ManifestList,
    /// An OCI artifact (Helm chart, signature, SBOM, …).
    Artifact,
    Unknown,
}

impl ManifestKind {
    /// Classify from the manifest media type and, where present, the artifact media type.
    pub fn classify(manifest_media_type: Option<&str>, artifact_media_type: Option<&str>) -> Self {
        let Some(media) = manifest_media_type else {
            return ManifestKind::Unknown;
        };
        if media.contains("manifest.list") || media.contains("image.index") {
            return ManifestKind::ManifestList;
        }
        if let Some(artifact) = artifact_media_type
            && !artifact.contains("container.image")
            && !artifact.contains("docker.container")
        {
            return ManifestKind::Artifact;
        }
        if media.contains("manifest") {
            ManifestKind::Image
        } else {
            ManifestKind::Unknown
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ManifestKind::Image => "image",
            ManifestKind::ManifestList => "index",
            ManifestKind::Artifact => "artifact",
            ManifestKind::Unknown => "?",
        }
    }
}

/// Severity of a scan finding, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Informational,
    Undefined,
}

impl Severity {
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
        Severity::Undefined,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "CRITICAL" => Severity::Critical,
            "HIGH" => Severity::High,
            "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            "INFORMATIONAL" => Severity::Informational,
            "UNDEFINED" => Severity::Undefined,
            _ => return None,
        })
    }

    /// One-letter form for compact columns (`C2 H5`).
    pub fn letter(self) -> char {
        match self {
            Severity::Critical => 'C',
            Severity::High => 'H',
            Severity::Medium => 'M',
            Severity::Low => 'L',
            Severity::Informational => 'I',
            Severity::Undefined => 'U',
        }
    }
}

/// Counts of findings per severity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeverityCounts(pub Vec<(Severity, u32)>);

impl SeverityCounts {
    pub fn get(&self, severity: Severity) -> u32 {
        self.0
            .iter()
            .find(|(s, _)| *s == severity)
            .map_or(0, |(_, n)| *n)
    }

    /// `C2 H5 M12`, most severe first, zero counts omitted.
    pub fn compact(&self) -> String {
        let mut parts = Vec::new();
        for severity in Severity::ALL {
            let n = self.get(severity);
            if n > 0 {
                parts.push(format!("{}{}", severity.letter(), n));
            }
        }
        parts.join(" ")
    }
}

/// The scan state of an image as DescribeImages reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanSummary {
    /// ECR's status word: COMPLETE, IN_PROGRESS, FAILED, UNSUPPORTED_IMAGE, ACTIVE, …
    pub status: String,
    pub counts: Option<SeverityCounts>,
}

/// One image (one manifest digest) in a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at: Option<Timestamp>,
    pub last_pulled_at: Option<Timestamp>,
    pub size_bytes: u64,
    pub manifest_media_type: Option<String>,
    pub kind: ManifestKind,
    pub scan: Option<ScanSummary>,
    /// ACTIVE, ARCHIVED or ACTIVATING (archive storage); ACTIVE when not reported.
    pub status: ImageStatus,
    /// When the image was last moved to archive, if ever.
    pub last_archived_at: Option<Timestamp>,
    /// When the image was last restored from archive, if ever.
    pub last_activated_at: Option<Timestamp>,
    /// The image this one refers to (`subject`), for an OCI referrer: a signature, an
    /// SBOM, an attestation. Sanitised.
    pub subject_digest: Option<String>,
    /// The artifact's media type (`artifactType`, or its config's), sanitised.
    pub artifact_type: Option<String>,
}

impl Image {
    /// `sha256:3f2a9c1d0e4b` — the digest cut to 12 hex characters.
    pub fn short_digest(&self) -> &str {
        short_digest(&self.digest)
    }

    /// Whether the registry gave this image a real digest (`sha256:` + 64 lowercase hex).
    /// Otherwise `digest` is an opaque id: shown, never acted on.
    pub fn has_valid_digest(&self) -> bool {
        is_valid_digest(&self.digest)
    }
}

/// Characters [`short_digest`] keeps: `sha256:` and 12 hex characters.
const SHORT_DIGEST_CHARS: usize = 19;

/// Whether `digest` is what ECR's digests are: `sha256:` followed by 64 lowercase hex
/// characters. Anything else from a registry is an opaque, untrusted id.
pub fn is_valid_digest(digest: &str) -> bool {
    super::names::validate_digest(digest).is_ok()
}

/// Cut a `sha256:…` digest to its algorithm and first 12 hex characters. An opaque id (a
/// digest that is not valid) is cut to as many characters, never inside one, and never
/// parsed.
pub fn short_digest(digest: &str) -> &str {
    if is_valid_digest(digest) {
        // Valid digests are ASCII: byte and character positions agree.
        return &digest[..SHORT_DIGEST_CHARS];
    }
    let end = digest
        .char_indices()
        .nth(SHORT_DIGEST_CHARS)
        .map_or(digest.len(), |(at, _)| at);
    &digest[..end]
}

/// The registry host of an account and region, `ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
pub fn registry_host(account: &str, region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("{account}.dkr.ecr.{region}.{suffix}")
}

/// One page of a paginated listing.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_digest_keeps_twelve_hex_characters() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(short_digest(&digest), "sha256:abababababab");
        assert_eq!(short_digest("sha256:abc"), "sha256:abc");
        assert!(is_valid_digest(&digest));
        assert!(!is_valid_digest("sha256:abc"));
        assert!(!is_valid_digest(&format!("sha256:{}", "AB".repeat(32))));
    }

    #[test]
    fn short_digest_never_cuts_inside_a_character() {
        // Where byte 19 falls inside a character: the old byte slice panicked here.
        let digest = format!("sha256:{}é{}", "a".repeat(11), "b".repeat(60));
        assert_eq!(short_digest(&digest), "sha256:aaaaaaaaaaaé");
        assert!(!is_valid_digest(&digest));
        assert_eq!(
            short_digest("sha256:界界界界界界界界界界界界界界"),
            "sha256:界界界界界界界界界界界界"
        );
        assert_eq!(short_digest("界"), "界");
        assert_eq!(short_digest(""), "");
    }

    proptest::proptest! {
        #[test]
        fn short_digest_takes_a_prefix_of_any_text(text in ".*") {
            let short = short_digest(&text);
            proptest::prop_assert!(text.starts_with(short));
            proptest::prop_assert!(short.chars().count() <= SHORT_DIGEST_CHARS);
        }
    }

    #[test]
    fn manifest_kind_recognises_indexes_and_artifacts() {
        assert_eq!(
            ManifestKind::classify(
                Some("application/vnd.docker.distribution.manifest.list.v2+json"),
                None
            ),
            ManifestKind::ManifestList
        );
        assert_eq!(
            ManifestKind::classify(Some("application/vnd.oci.image.index.v1+json"), None),
            ManifestKind::ManifestList
        );
        assert_eq!(
            ManifestKind::classify(
                Some("application/vnd.oci.image.manifest.v1+json"),
                Some("application/vnd.cncf.helm.config.v1+json")
            ),
            ManifestKind::Artifact
        );
        assert_eq!(
            ManifestKind::classify(
                Some("application/vnd.docker.distribution.manifest.v2+json"),
                Some("application/vnd.docker.container.image.v1+json")
            ),
            ManifestKind::Image
        );
        assert_eq!(ManifestKind::classify(None, None), ManifestKind::Unknown);
    }

    #[test]
    fn severity_counts_compact_form_skips_zeroes() {
        let counts = SeverityCounts(vec![
            (Severity::Medium, 12),
            (Severity::Critical, 2),
            (Severity::Low, 0),
            (Severity::High, 5),
        ]);
        assert_eq!(counts.compact(), "C2 H5 M12");
    }

    #[test]
    fn registry_host_uses_china_suffix_for_china_regions() {
        assert_eq!(
            registry_host("123456789012", "eu-west-1"),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            registry_host("123456789012", "cn-north-1"),
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
        );
    }
}
