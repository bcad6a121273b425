//! Storage figures and image records (`berth images --output json`, the `--images` file
//! of `berth lifecycle preview`): records carry each image's blobs and unique bytes, and
//! a set of records that all carry their blobs gives the repository's figures back.

use super::blob::Digest;
use super::figures::{RepositoryStorage, StorageBuilder};
use super::manifest::{Blob, Manifest, Platform};
use crate::lifecycle::{ChildRecord, ImageRecord, LayerRecord};
use std::collections::BTreeMap;

/// Fill in each record's `layers` (its closure: config and layers, children's included)
/// and `unique_bytes` (only when exact) from `storage`; records whose manifests are
/// unknown keep `None` in both.
pub fn annotate_records(records: &mut [ImageRecord], storage: &RepositoryStorage) {
    for record in records {
        let Some(digest) = Digest::parse(&record.digest) else {
            continue;
        };
        record.layers = storage.closure(&digest).map(|blobs| {
            blobs
                .map(|(digest, size)| LayerRecord {
                    digest: digest.to_string(),
                    size,
                })
                .collect()
        });
        record.unique_bytes = storage
            .image(&digest)
            .and_then(|figures| figures.unique_bytes.exact_bytes());
    }
}

/// Give each record that is an index in `manifests` its `children`: the manifests the
/// index lists, in its order, with their platforms as `os/architecture[/variant]`.
pub fn add_children(records: &mut [ImageRecord], manifests: &BTreeMap<Digest, Manifest>) {
    for record in records {
        let Some(Manifest::Index { children, .. }) =
            Digest::parse(&record.digest).and_then(|digest| manifests.get(&digest))
        else {
            continue;
        };
        record.children = Some(
            children
                .iter()
                .map(|child| ChildRecord {
                    digest: child.digest.to_string(),
                    platform: child.platform.as_ref().map(Platform::label),
                })
                .collect(),
        );
    }
}

/// The repository's figures from `records` alone, when every record carries its
/// `layers`; otherwise the record that does not (by index), since a figure from part of
/// the repository would be wrong, not just partial.
pub fn storage_of_records(records: &[ImageRecord]) -> Result<RepositoryStorage, usize> {
    let mut builder = StorageBuilder::with_capacity(records.len(), records.len() * 8);
    for (index, record) in records.iter().enumerate() {
        let (Some(digest), Some(layers)) = (Digest::parse(&record.digest), &record.layers) else {
            return Err(index);
        };
        let mut blobs = Vec::with_capacity(layers.len());
        for layer in layers {
            let Some(blob) = Digest::parse(&layer.digest) else {
                return Err(index);
            };
            blobs.push(Blob {
                digest: blob,
                size: layer.size,
            });
        }
        // A record's layers are its whole closure, so an index is counted as an image
        // holding its children's blobs: the figures are the same.
        builder.add_image(digest, blobs);
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::manifest::Manifest;

    fn digest(n: u8) -> Digest {
        Digest::parse(&format!("sha256:{}", format!("{n:02x}").repeat(32))).unwrap()
    }

    fn record(image: Digest) -> ImageRecord {
        ImageRecord {
            digest: image.to_string(),
            tags: Vec::new(),
            pushed_at: jiff::Timestamp::UNIX_EPOCH,
            size_bytes: 0,
            last_pulled_at: None,
            media_type: None,
            referenced_by_manifest_list: false,
            layers: None,
            unique_bytes: None,
            ..ImageRecord::default()
        }
    }

    fn blob(n: u8, size: u64) -> Blob {
        Blob {
            digest: digest(n),
            size,
        }
    }

    #[test]
    fn records_carry_their_closure_and_give_the_same_figures_back() {
        // Two platform images on one base (blob 10), and an index over both.
        let mut builder = StorageBuilder::new();
        builder.add_image(digest(1), [blob(10, 1_000), blob(11, 5)]);
        builder.add_image(digest(2), [blob(10, 1_000), blob(12, 7)]);
        builder.add_image(digest(3), [blob(10, 1_000), blob(13, 9)]);
        builder.add_manifest(
            digest(4),
            &Manifest::Index {
                format: crate::storage::manifest::Format::OciIndex,
                children: vec![
                    crate::storage::manifest::Child {
                        digest: digest(1),
                        platform: None,
                        attestation: false,
                    },
                    crate::storage::manifest::Child {
                        digest: digest(2),
                        platform: None,
                        attestation: false,
                    },
                ],
            },
        );
        let storage = builder.build();
        let mut records: Vec<ImageRecord> = (1..=4).map(|n| record(digest(n))).collect();
        annotate_records(&mut records, &storage);

        let index = &records[3];
        let mut blobs: Vec<u64> = index
            .layers
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| l.size)
            .collect();
        blobs.sort();
        assert_eq!(blobs, [5, 7, 1_000], "an index holds its children's blobs");
        assert_eq!(records[2].unique_bytes, Some(9));
        assert_eq!(records[0].unique_bytes, Some(0), "the index holds it too");

        let back = storage_of_records(&records).unwrap();
        assert_eq!(back.stored_bytes(), storage.stored_bytes());
        for set in [
            vec![digest(3)],
            vec![digest(4)],
            vec![digest(1), digest(2), digest(4)],
        ] {
            assert_eq!(back.bytes_freed(&set), storage.bytes_freed(&set), "{set:?}");
        }
    }

    #[test]
    fn a_record_without_layers_gives_no_figures() {
        let mut records = vec![record(digest(1)), record(digest(2))];
        records[0].layers = Some(Vec::new());
        assert_eq!(storage_of_records(&records).err(), Some(1));
    }

    #[test]
    fn an_index_record_lists_its_children_with_their_platforms() {
        use crate::storage::manifest::{Child, Format};
        let platform = |arch: &str, variant: Option<&str>| Platform {
            os: "linux".into(),
            architecture: arch.into(),
            variant: variant.map(str::to_string),
        };
        let manifests: BTreeMap<Digest, Manifest> = [
            (
                digest(4),
                Manifest::Index {
                    format: Format::OciIndex,
                    children: vec![
                        Child {
                            digest: digest(1),
                            platform: Some(platform("amd64", None)),
                            attestation: false,
                        },
                        Child {
                            digest: digest(2),
                            platform: Some(platform("arm64", Some("v8"))),
                            attestation: false,
                        },
                        Child {
                            digest: digest(3),
                            platform: None,
                            attestation: false,
                        },
                    ],
                },
            ),
            (
                digest(1),
                Manifest::Image {
                    format: Format::OciManifest,
                    config: blob(10, 1),
                    layers: Vec::new(),
                },
            ),
        ]
        .into();
        let mut records = vec![record(digest(4)), record(digest(1)), record(digest(9))];
        add_children(&mut records, &manifests);
        let children = records[0].children.as_ref().unwrap();
        let listed: Vec<(String, Option<&str>)> = children
            .iter()
            .map(|c| (c.digest.clone(), c.platform.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (digest(1).to_string(), Some("linux/amd64")),
                (digest(2).to_string(), Some("linux/arm64/v8")),
                (digest(3).to_string(), None),
            ]
        );
        // An image, and an image whose manifest was not read, have no children.
        assert_eq!(records[1].children, None);
        assert_eq!(records[2].children, None);
    }
}
