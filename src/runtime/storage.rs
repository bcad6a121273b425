//! Reading manifests for the TUI: a repository's storage figures for the images pane
//! and the lifecycle view, and one image's layers for the layers view. Both go through
//! the manifest cache, so reading again after a refresh costs no registry call for the
//! manifests already read.

use super::Executor;
use crate::app::image_detail::PlatformEntry;
use crate::app::layers::{BlobKind, LayerBlob, LayerSection};
use crate::app::storage::StorageRead;
use crate::ecr::model::RegistryTarget;
use crate::storage::{
    Digest, Manifest, ManifestSet, ReadSettings, Unreadable, manifest::Platform, read_manifests,
};
use std::sync::Arc;

impl Executor {
    /// The storage figures of the images `digests` of `repository`. Err only when the
    /// registry cannot be reached at all; a manifest that cannot be read leaves its image
    /// unknown and the figures bounded.
    pub(super) async fn read_storage(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digests: &[String],
    ) -> Result<StorageRead, String> {
        let set = self.read_set(registry, repository, digests).await?;
        let problem = set
            .unreadable
            .iter()
            .find(|(_, why)| *why != Unreadable::Gone)
            .map(|(digest, why)| {
                format!(
                    "{}: {}",
                    crate::ecr::model::short_digest(digest),
                    unreadable_text(why)
                )
            });
        // Building is CPU work proportional to the references: off the async workers.
        let storage = tokio::task::spawn_blocking(move || set.storage())
            .await
            .map_err(|err| format!("computing the storage figures failed: {err}"))?;
        Ok(StorageRead {
            storage: Arc::new(storage),
            problem,
        })
    }

    /// The config and layers of image `digest` (each platform's, for an index).
    pub(super) async fn read_layers(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<LayerSection>, String> {
        let (set, root) = self.read_image(registry, repository, digest).await?;
        match set.manifests.get(&root) {
            Some(Manifest::Index { children, .. }) => Ok(children
                .iter()
                .map(|child| {
                    let platform = if child.attestation {
                        "attestation".to_string()
                    } else {
                        child
                            .platform
                            .as_ref()
                            .map_or_else(|| "platform not given".to_string(), Platform::label)
                    };
                    section(&set, child.digest, Some(platform))
                })
                .collect()),
            Some(Manifest::Image { .. }) => Ok(vec![section(&set, root, None)]),
            None => Err(unread_root(&set, root)),
        }
    }

    /// The manifests index `digest` lists, with each one's platform, for the image
    /// detail view.
    pub(super) async fn read_platforms(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<PlatformEntry>, String> {
        let (set, root) = self.read_image(registry, repository, digest).await?;
        match set.manifests.get(&root) {
            Some(Manifest::Index { children, .. }) => Ok(children
                .iter()
                .map(|child| PlatformEntry {
                    digest: child.digest.to_string(),
                    platform: child
                        .platform
                        .as_ref()
                        .map(crate::storage::manifest::Platform::label),
                    attestation: child.attestation,
                })
                .collect()),
            Some(Manifest::Image { .. }) => Ok(Vec::new()),
            None => Err(unread_root(&set, root)),
        }
    }

    /// The manifests of image `digest` (and its children's, for an index), and its
    /// digest parsed.
    async fn read_image(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digest: &str,
    ) -> Result<(ManifestSet, Digest), String> {
        let set = self
            .read_set(registry, repository, &[digest.to_string()])
            .await?;
        let root = Digest::parse(digest)
            .ok_or_else(|| "the image's digest is not a sha256 digest".to_string())?;
        Ok((set, root))
    }

    async fn read_set(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digests: &[String],
    ) -> Result<ManifestSet, String> {
        let connected = self
            .connected(registry)
            .await
            .map_err(|err| err.to_string())?;
        let settings = ReadSettings {
            limits: &[&self.sweep_limit],
            ..ReadSettings::default()
        };
        Ok(read_manifests(
            connected.manifests.as_ref(),
            self.storage.cache.as_ref(),
            repository,
            digests,
            &settings,
        )
        .await)
    }
}

/// The blobs of manifest `digest` from `set`, or why they are unknown.
fn section(set: &ManifestSet, digest: Digest, platform: Option<String>) -> LayerSection {
    let text = digest.to_string();
    let Some(manifest) = set.manifests.get(&digest) else {
        return LayerSection {
            problem: Some(format!(
                "its manifest could not be read: {}",
                why_unread(set, &text)
            )),
            digest: text,
            platform,
            blobs: Vec::new(),
        };
    };
    let blobs = match manifest {
        Manifest::Image { config, layers, .. } => std::iter::once((BlobKind::Config, config))
            .chain(layers.iter().map(|layer| (BlobKind::Layer, layer)))
            .map(|(kind, blob)| LayerBlob {
                kind,
                digest: blob.digest,
                size: blob.size,
            })
            .collect(),
        Manifest::Index { .. } => {
            return LayerSection {
                problem: Some("a nested index: berth lists one level of platforms".into()),
                digest: text,
                platform,
                blobs: Vec::new(),
            };
        }
    };
    LayerSection {
        digest: text,
        platform,
        blobs,
        problem: None,
    }
}

/// Why the manifest of the image asked for is not in `set`.
fn unread_root(set: &ManifestSet, root: Digest) -> String {
    format!(
        "the manifest could not be read: {}",
        why_unread(set, &root.to_string())
    )
}

fn why_unread(set: &ManifestSet, digest: &str) -> String {
    set.unreadable
        .iter()
        .find(|(d, _)| d == digest)
        .map_or_else(
            || "the registry did not send it".into(),
            |(_, why)| unreadable_text(why),
        )
}

/// Why a manifest could not be read, as a person reads it.
fn unreadable_text(why: &Unreadable) -> String {
    match why {
        Unreadable::InvalidDigest => "its id is not a sha256 digest".into(),
        Unreadable::Gone => "the image is gone".into(),
        Unreadable::Failed { code, reason } => format!("{code}: {reason}"),
        Unreadable::Call(err) => err.to_string(),
        Unreadable::Corrupt => "the registry sent bytes that do not hash to its digest".into(),
        Unreadable::Unparsable(err) => err.to_string(),
    }
}
