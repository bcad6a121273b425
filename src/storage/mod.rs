//! True storage: what a repository really stores, what each image holds alone, and what
//! a delete would free, computed from the images' manifests with every blob counted once.
//!
//! `imageSizeInBytes` summed over images is only an upper bound: ECR stores a blob
//! (config or layer) once per repository however many images refer to it, and an index's
//! listed size is its largest child's, not a sum. This module reads the manifests and
//! counts blobs instead:
//!
//! - [`manifest`] parses a manifest's bytes into its blobs or its children;
//! - [`blob`] keeps each digest once, as 32 bytes behind a 4-byte id;
//! - [`figures`] computes stored, unique and freed bytes, bounded when manifests are
//!   missing;
//! - [`cache`] keeps manifests on disk by digest, verified on every read;
//! - [`fetch`] reads manifests through the cache and BatchGetImage;
//! - [`cost`] prices stored bytes per region;
//! - [`records`] carries the figures in image records and back.
//!
//! Pure apart from [`cache`] (files) and [`fetch`] (the registry); nothing here knows
//! the SDK, which stays behind `crate::ecr::manifests`.

pub mod blob;
pub mod cache;
pub mod cost;
pub mod fetch;
pub mod figures;
pub mod manifest;
pub mod records;

pub use blob::{BlobId, BlobTable, Digest};
pub use cache::{CacheError, Cleared, Lookup, ManifestCache};
pub use cost::{DEFAULT_STORAGE_USD_PER_GIB_MONTH, StoragePrices};
pub use fetch::{ManifestSet, ManifestSource, ReadSettings, ReadStats, Unreadable, read_manifests};
pub use figures::{
    Bound, Figure, GIB, ImageFigures, RegistryFigures, RepositoryStorage, StorageBuilder,
    cross_repository_bytes, monthly_cost_usd, registry_figures,
};
pub use manifest::{Manifest, ManifestError};
pub use records::{add_children, annotate_records, storage_of_records};
