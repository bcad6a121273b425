//! What a manifest stores: an image manifest's config and layer blobs, or an index's
//! child manifests.
//!
//! berth asks BatchGetImage for the four schema-2 media types only (Docker v2, Docker
//! manifest list, OCI manifest, OCI index), so those are the shapes read here. Everything
//! else (schema 1, an unknown media type, text that is not JSON, a descriptor without a
//! digest or size) is a [`ManifestError`]: the manifest comes from a registry, so its
//! shape is never assumed, and an image whose manifest cannot be read has unknown
//! figures rather than wrong ones.
//!
//! The kind is decided from the manifest's own bytes, never from the media type ECR
//! reports beside it: a manifest read back from the cache has only its bytes, and the
//! same bytes must always give the same figures.

use super::blob::Digest;
use crate::sanitize::sanitize;
use serde::Deserialize;

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Schema 1 media types (unsigned and signed): layers without sizes, so nothing to count.
const SCHEMA_1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
/// The annotation buildx puts on an index entry that is an attestation, not a platform.
const REFERENCE_TYPE_ATTESTATION: &str = "attestation-manifest";
/// Media types in error messages are cut to this many characters: they are registry
/// text, shown on one status line.
const SHOWN_CHARS: usize = 80;

/// Which of the four schema-2 formats a manifest is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/vnd.docker.distribution.manifest.v2+json`.
    DockerV2,
    /// `application/vnd.docker.distribution.manifest.list.v2+json`.
    DockerManifestList,
    /// `application/vnd.oci.image.manifest.v1+json` (also when the manifest omits it).
    OciManifest,
    /// `application/vnd.oci.image.index.v1+json` (also when the manifest omits it).
    OciIndex,
}

/// A content blob a manifest refers to: the config or a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blob {
    pub digest: Digest,
    /// Bytes as stored in the registry (compressed, for a layer).
    pub size: u64,
}

/// The platform an index entry is for, as the index says (sanitised registry text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// `os/architecture`, and `/variant` when there is one.
    pub fn label(&self) -> String {
        match &self.variant {
            Some(variant) => format!("{}/{}/{variant}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// One manifest an index lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub digest: Digest,
    /// The platform, when the index gives one.
    pub platform: Option<Platform>,
    /// Whether buildx marked this entry as an attestation of another entry (it has an
    /// `unknown/unknown` platform and holds provenance, not a runnable image).
    pub attestation: bool,
}

/// A parsed manifest: what an image stores, or which manifests an index groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manifest {
    /// A single-platform image (or an OCI artifact): its config blob and its layers, in
    /// the manifest's order.
    Image {
        format: Format,
        config: Blob,
        layers: Vec<Blob>,
    },
    /// A manifest list or image index: the child manifests it names, in its order.
    Index {
        format: Format,
        children: Vec<Child>,
    },
}

impl Manifest {
    /// The format the manifest is in.
    pub fn format(&self) -> Format {
        match self {
            Manifest::Image { format, .. } | Manifest::Index { format, .. } => *format,
        }
    }

    /// The blobs this manifest itself refers to, config first; none for an index.
    pub fn blobs(&self) -> impl Iterator<Item = Blob> + '_ {
        let (config, layers) = match self {
            Manifest::Image { config, layers, .. } => (Some(*config), layers.as_slice()),
            Manifest::Index { .. } => (None, &[][..]),
        };
        config.into_iter().chain(layers.iter().copied())
    }

    /// The child manifests' digests; none for an image.
    pub fn children(&self) -> impl Iterator<Item = Digest> + '_ {
        let children = match self {
            Manifest::Index { children, .. } => children.as_slice(),
            Manifest::Image { .. } => &[][..],
        };
        children.iter().map(|child| child.digest)
    }
}

/// Why a manifest's bytes say nothing berth can count.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not JSON: {detail}")]
    NotJson { detail: String },
    #[error("the manifest is JSON of the wrong shape: {detail}")]
    Malformed { detail: String },
    #[error(
        "the manifest is Docker schema 1, which lists no layer sizes; push it again with a current client"
    )]
    Schema1,
    #[error("the manifest has schemaVersion {version}; berth reads schema 2")]
    UnsupportedSchemaVersion { version: i64 },
    #[error("the manifest's media type {media_type} is not one berth reads")]
    UnsupportedMediaType { media_type: String },
    #[error("the manifest has no {field}")]
    MissingField { field: String },
    #[error("the manifest's {field} is not a sha256 digest")]
    InvalidDigest { field: String },
    #[error("the manifest's {field} is negative")]
    InvalidSize { field: String },
    #[error("the manifest has neither layers nor child manifests")]
    UnknownShape,
}

/// The parts of any schema-2 manifest berth reads; every other field is ignored.
#[derive(Deserialize)]
struct RawManifest {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    config: Option<RawDescriptor>,
    layers: Option<Vec<RawDescriptor>>,
    manifests: Option<Vec<RawDescriptor>>,
}

/// A descriptor: of a blob (config, layer) or of a child manifest (index entry).
#[derive(Deserialize)]
struct RawDescriptor {
    digest: Option<String>,
    size: Option<i64>,
    platform: Option<RawPlatform>,
    annotations: Option<RawAnnotations>,
}

#[derive(Deserialize)]
struct RawPlatform {
    os: Option<String>,
    architecture: Option<String>,
    variant: Option<String>,
}

#[derive(Deserialize)]
struct RawAnnotations {
    #[serde(rename = "vnd.docker.reference.type")]
    reference_type: Option<String>,
}

/// Which shape a manifest announces.
enum Shape {
    Image(Format),
    Index(Format),
}

/// Read a manifest's bytes (exactly as stored: the same bytes its digest hashes).
pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let raw: RawManifest = serde_json::from_slice(bytes).map_err(|err| {
        let detail = err.to_string();
        if err.is_data() {
            ManifestError::Malformed { detail }
        } else {
            ManifestError::NotJson { detail }
        }
    })?;
    if raw
        .media_type
        .as_deref()
        .is_some_and(|t| SCHEMA_1.contains(&t))
    {
        return Err(ManifestError::Schema1);
    }
    match raw.schema_version {
        Some(2) => {}
        Some(1) => return Err(ManifestError::Schema1),
        Some(version) => return Err(ManifestError::UnsupportedSchemaVersion { version }),
        None => return Err(missing("schemaVersion")),
    }
    match shape(&raw)? {
        Shape::Image(format) => {
            let config = raw.config.as_ref().ok_or_else(|| missing("config"))?;
            let config = blob(config, "config")?;
            let layers = raw
                .layers
                .as_deref()
                .ok_or_else(|| missing("layers"))?
                .iter()
                .enumerate()
                .map(|(i, layer)| blob(layer, &format!("layers[{i}]")))
                .collect::<Result<_, _>>()?;
            Ok(Manifest::Image {
                format,
                config,
                layers,
            })
        }
        Shape::Index(format) => {
            let children = raw
                .manifests
                .as_deref()
                .ok_or_else(|| missing("manifests"))?
                .iter()
                .enumerate()
                .map(|(i, entry)| child(entry, &format!("manifests[{i}]")))
                .collect::<Result<_, _>>()?;
            Ok(Manifest::Index { format, children })
        }
    }
}

/// The shape from the manifest's own `mediaType`, or, where it omits one (OCI allows
/// that), from its fields: `manifests` makes an index, `config` or `layers` an image.
fn shape(raw: &RawManifest) -> Result<Shape, ManifestError> {
    match raw.media_type.as_deref() {
        Some(DOCKER_MANIFEST) => Ok(Shape::Image(Format::DockerV2)),
        Some(OCI_MANIFEST) => Ok(Shape::Image(Format::OciManifest)),
        Some(DOCKER_MANIFEST_LIST) => Ok(Shape::Index(Format::DockerManifestList)),
        Some(OCI_INDEX) => Ok(Shape::Index(Format::OciIndex)),
        Some(other) => Err(ManifestError::UnsupportedMediaType {
            media_type: shown(other),
        }),
        None => match (
            raw.manifests.is_some(),
            raw.config.is_some() || raw.layers.is_some(),
        ) {
            (true, false) => Ok(Shape::Index(Format::OciIndex)),
            (false, true) => Ok(Shape::Image(Format::OciManifest)),
            _ => Err(ManifestError::UnknownShape),
        },
    }
}

fn missing(field: &str) -> ManifestError {
    ManifestError::MissingField {
        field: field.to_string(),
    }
}

/// A descriptor's digest, which must be a valid sha256 digest.
fn digest(raw: &RawDescriptor, at: &str) -> Result<Digest, ManifestError> {
    let text = raw
        .digest
        .as_deref()
        .ok_or_else(|| missing(&format!("{at}.digest")))?;
    Digest::parse(text).ok_or_else(|| ManifestError::InvalidDigest {
        field: format!("{at}.digest"),
    })
}

/// A blob descriptor: a valid digest and a size of zero or more bytes.
fn blob(raw: &RawDescriptor, at: &str) -> Result<Blob, ManifestError> {
    let digest = digest(raw, at)?;
    let size = raw.size.ok_or_else(|| missing(&format!("{at}.size")))?;
    let size = u64::try_from(size).map_err(|_| ManifestError::InvalidSize {
        field: format!("{at}.size"),
    })?;
    Ok(Blob { digest, size })
}

/// An index entry: a valid digest, with the platform and attestation mark if given.
fn child(raw: &RawDescriptor, at: &str) -> Result<Child, ManifestError> {
    let digest = digest(raw, at)?;
    let platform = raw.platform.as_ref().map(|p| Platform {
        os: shown(p.os.as_deref().unwrap_or_default()),
        architecture: shown(p.architecture.as_deref().unwrap_or_default()),
        variant: p.variant.as_deref().map(shown),
    });
    let attestation = raw
        .annotations
        .as_ref()
        .and_then(|a| a.reference_type.as_deref())
        == Some(REFERENCE_TYPE_ATTESTATION);
    Ok(Child {
        digest,
        platform,
        attestation,
    })
}

/// Registry text made safe to show and cut to [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    let safe = sanitize(text);
    match safe.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &safe[..end]),
        None => safe.into_owned(),
    }
}

#[cfg(test)]
mod tests;
