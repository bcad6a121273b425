//! What a repository really stores, what each image holds alone, and what a delete
//! would free: computed from manifests, each blob counted once.
//!
//! The model. An *image* is a manifest digest of the repository. A single-platform
//! image refers to its own blobs (config and layers); an index refers to child images.
//! An image's *closure* is its own blobs together with its children's closures: what
//! pulling it by digest would fetch. Then, for one repository:
//!
//! - `stored_bytes`: the distinct blobs over all closures, each counted once, as ECR
//!   stores (and bills) a blob once per repository however many images share it;
//! - an image's `unique_bytes`: the blobs of its closure that no other image's closure
//!   has; the rest of its closure is `shared_bytes`;
//! - `bytes_freed(set)`: the blobs of the set's closures that no image outside the set
//!   still references.
//!
//! An index and its children therefore both show 0 unique bytes for the blobs they
//! share, and that is the truth of each alone: deleting an index leaves its children
//! (and their blobs) stored, and ECR refuses to delete a child while an index still names
//! it (`ImageReferencedByManifestList`). Delete them together and `bytes_freed` of the set
//! counts those blobs.
//!
//! Unknown manifests. An image whose manifest was not read (a failed call, a corrupt or
//! unparsable manifest, an id that is not a digest), or an index with such a child, has
//! an unknown closure: its figures are `None`, and every figure it could change says in
//! which direction with a [`Bound`] instead of passing for exact. So a partial
//! repository never shows a wrong total, only a labelled bound.
//!
//! Cost: building is O(references) with one hash lookup per blob reference; every figure
//! after that is O(references) or less and allocates at most one counter per blob.

use super::blob::{BlobId, BlobTable, Digest, DigestIndex};
use super::manifest::{Blob, Manifest};

/// Bytes in a GiB: ECR prices storage per GB-month, and AWS's GB in billing is 2^30.
pub const GIB: u64 = 1 << 30;

/// How a [`Figure`]'s bytes relate to the true figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Every manifest the figure depends on was read: it is the true figure.
    Exact,
    /// Manifests it depends on are unknown; the true figure is at least `bytes`.
    AtLeast,
    /// Manifests it depends on are unknown; the true figure is at most `bytes`.
    AtMost,
    /// Unknown manifests could move it either way; `bytes` is what the known ones say.
    Unknown,
}

/// A byte figure with how far it can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Figure {
    pub bytes: u64,
    pub bound: Bound,
}

impl Figure {
    /// A figure known exactly.
    pub const fn exact(bytes: u64) -> Figure {
        Figure {
            bytes,
            bound: Bound::Exact,
        }
    }

    /// The bytes when the figure is exact.
    pub fn exact_bytes(&self) -> Option<u64> {
        (self.bound == Bound::Exact).then_some(self.bytes)
    }

    /// Whether the figure is exact.
    pub fn is_exact(&self) -> bool {
        self.bound == Bound::Exact
    }

    /// Whether `truth` is consistent with this figure: what the bound promises.
    pub fn admits(&self, truth: u64) -> bool {
        match self.bound {
            Bound::Exact => truth == self.bytes,
            Bound::AtLeast => truth >= self.bytes,
            Bound::AtMost => truth <= self.bytes,
            Bound::Unknown => true,
        }
    }

    /// The sum of two figures, bounded as loosely as either part requires.
    pub fn plus(self, other: Figure) -> Figure {
        use Bound::*;
        let bound = match (self.bound, other.bound) {
            (Exact, b) | (b, Exact) => b,
            (AtLeast, AtLeast) => AtLeast,
            (AtMost, AtMost) => AtMost,
            _ => Unknown,
        };
        Figure {
            bytes: self.bytes.saturating_add(other.bytes),
            bound,
        }
    }
}

/// One image's figures, for an image whose closure is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageFigures {
    /// The distinct blobs of its closure: what pulling it fetches (exact).
    pub closure_bytes: u64,
    /// Blobs no other image's closure has: what deleting only this image frees. At most
    /// this when other images are unknown (they may share some).
    pub unique_bytes: Figure,
    /// `closure_bytes - unique_bytes`: blobs other images reference too.
    pub shared_bytes: Figure,
}

/// What the builder has been told about an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Definition {
    /// Named as a child of an index, but its manifest was never given.
    Referenced,
    /// Its manifest was read.
    Read,
    /// Its manifest could not be read.
    Unreadable,
}

/// A range into one of the builder's flat lists.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn of<T>(self, list: &[T]) -> &[T] {
        &list[self.start..self.end]
    }
}

/// Collects one repository's manifests, then [`StorageBuilder::build`]s its figures.
///
/// Images are numbered by digest as they are first named (added, or listed by an index);
/// the first definition of a digest wins, since a digest names one manifest.
pub struct StorageBuilder {
    blobs: BlobTable,
    images: DigestIndex,
    /// By image number, like `own` and `children`.
    defined: Vec<Definition>,
    own: Vec<Span>,
    own_blobs: Vec<BlobId>,
    children: Vec<Span>,
    child_images: Vec<u32>,
    /// Images whose ids are not digests: never readable, so the figures stay partial.
    opaque: usize,
}

impl Default for StorageBuilder {
    fn default() -> Self {
        StorageBuilder::with_capacity(0, 0)
    }
}

impl StorageBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        StorageBuilder::default()
    }

    /// An empty builder with room for `images` images and `blobs` distinct blobs, so a
    /// large repository is built without regrowing its tables.
    pub fn with_capacity(images: usize, blobs: usize) -> Self {
        StorageBuilder {
            blobs: BlobTable::with_capacity(blobs),
            images: DigestIndex::with_capacity(images),
            defined: Vec::with_capacity(images),
            own: Vec::with_capacity(images),
            own_blobs: Vec::new(),
            children: Vec::with_capacity(images),
            child_images: Vec::new(),
            opaque: 0,
        }
    }

    /// The number of image `digest`, numbering it when new; None when it is already
    /// defined (or the numbering is full, which also leaves it out).
    fn undefined(&mut self, digest: Digest) -> Option<usize> {
        let Some((number, new)) = self.images.insert(digest) else {
            self.opaque += 1;
            return None;
        };
        if new {
            self.defined.push(Definition::Referenced);
            self.own.push(Span::default());
            self.children.push(Span::default());
        }
        let number = number as usize;
        (self.defined[number] == Definition::Referenced).then_some(number)
    }

    /// Add the image `digest` with the manifest read for it.
    pub fn add_manifest(&mut self, digest: Digest, manifest: &Manifest) {
        match manifest {
            Manifest::Image { .. } => self.add_image(digest, manifest.blobs()),
            Manifest::Index { .. } => self.add_index(digest, manifest.children()),
        }
    }

    /// Add a single-platform image that refers to `blobs` (config and layers).
    pub fn add_image(&mut self, digest: Digest, blobs: impl IntoIterator<Item = Blob>) {
        let Some(image) = self.undefined(digest) else {
            return;
        };
        let start = self.own_blobs.len();
        for blob in blobs {
            let Some(id) = self.blobs.intern(blob.digest, blob.size) else {
                // The blob table is full: this image cannot be counted.
                self.own_blobs.truncate(start);
                self.defined[image] = Definition::Unreadable;
                return;
            };
            self.own_blobs.push(id);
        }
        self.own[image] = Span {
            start,
            end: self.own_blobs.len(),
        };
        self.defined[image] = Definition::Read;
    }

    /// Add an index (manifest list) whose children are the images `children`.
    pub fn add_index(&mut self, digest: Digest, children: impl IntoIterator<Item = Digest>) {
        let Some(image) = self.undefined(digest) else {
            return;
        };
        let start = self.child_images.len();
        for child in children {
            let Some((number, new)) = self.images.insert(child) else {
                self.child_images.truncate(start);
                self.defined[image] = Definition::Unreadable;
                return;
            };
            if new {
                self.defined.push(Definition::Referenced);
                self.own.push(Span::default());
                self.children.push(Span::default());
            }
            self.child_images.push(number);
        }
        self.children[image] = Span {
            start,
            end: self.child_images.len(),
        };
        self.defined[image] = Definition::Read;
    }

    /// Add an image whose manifest could not be read (or parsed, or verified).
    pub fn add_unreadable(&mut self, digest: Digest) {
        if let Some(image) = self.undefined(digest) {
            self.defined[image] = Definition::Unreadable;
        }
    }

    /// Count an image whose id is not a valid digest: it can never be read.
    pub fn add_opaque(&mut self) {
        self.opaque += 1;
    }

    /// Compute every figure: closures, reference counts, stored and unique bytes.
    pub fn build(self) -> RepositoryStorage {
        let images = self.defined.len();
        let known = self.known_images();
        let sizes = self.blobs.sizes();
        let mut blob_stamp = vec![0u32; self.blobs.len()];
        let mut image_stamp = vec![0u32; images];
        let mut closure_start = Vec::with_capacity(images + 1);
        let mut closure: Vec<BlobId> = Vec::with_capacity(self.own_blobs.len());
        let mut pending: Vec<u32> = Vec::new();
        closure_start.push(0);
        for root in 0..images {
            if known[root] {
                // Stamps are per root (root + 1, never 0), so nothing needs clearing.
                let stamp = root as u32 + 1;
                pending.push(root as u32);
                image_stamp[root] = stamp;
                while let Some(image) = pending.pop() {
                    let image = image as usize;
                    for &blob in self.own[image].of(&self.own_blobs) {
                        if blob_stamp[blob.index()] != stamp {
                            blob_stamp[blob.index()] = stamp;
                            closure.push(blob);
                        }
                    }
                    for &child in self.children[image].of(&self.child_images) {
                        if image_stamp[child as usize] != stamp {
                            image_stamp[child as usize] = stamp;
                            pending.push(child);
                        }
                    }
                }
            }
            closure_start.push(closure.len());
        }
        drop(blob_stamp);
        drop(image_stamp);

        let mut refcount = vec![0u32; self.blobs.len()];
        for blob in &closure {
            refcount[blob.index()] += 1;
        }
        let stored_bytes = refcount
            .iter()
            .zip(sizes)
            .filter(|(count, _)| **count > 0)
            .map(|(_, size)| *size)
            .sum();
        let mut closure_bytes = vec![0u64; images];
        let mut unique_bytes = vec![0u64; images];
        for image in 0..images {
            for blob in &closure[closure_start[image]..closure_start[image + 1]] {
                let size = sizes[blob.index()];
                closure_bytes[image] += size;
                if refcount[blob.index()] == 1 {
                    unique_bytes[image] += size;
                }
            }
        }
        let unknown = known.iter().filter(|k| !**k).count() + self.opaque;
        RepositoryStorage {
            blobs: self.blobs,
            images: self.images,
            known,
            closure_start,
            closure,
            refcount,
            closure_bytes,
            unique_bytes,
            stored_bytes,
            unknown,
        }
    }

    /// Which images have a known closure: read, with every image they reach read too.
    /// Unknown spreads from each unread image to every index above it.
    fn known_images(&self) -> Vec<bool> {
        let images = self.defined.len();
        let mut parents_start = vec![0usize; images + 1];
        for &child in &self.child_images {
            parents_start[child as usize + 1] += 1;
        }
        for i in 0..images {
            parents_start[i + 1] += parents_start[i];
        }
        let mut fill = parents_start.clone();
        let mut parents = vec![0u32; self.child_images.len()];
        for (image, span) in self.children.iter().enumerate() {
            for &child in span.of(&self.child_images) {
                parents[fill[child as usize]] = image as u32;
                fill[child as usize] += 1;
            }
        }
        let mut known: Vec<bool> = self
            .defined
            .iter()
            .map(|d| *d == Definition::Read)
            .collect();
        let mut pending: Vec<usize> = (0..images).filter(|&i| !known[i]).collect();
        while let Some(image) = pending.pop() {
            for &parent in &parents[parents_start[image]..parents_start[image + 1]] {
                if known[parent as usize] {
                    known[parent as usize] = false;
                    pending.push(parent as usize);
                }
            }
        }
        known
    }
}

/// One repository's storage figures, built from its manifests by [`StorageBuilder`].
///
/// Invariants: `closure` holds each known image's closure, distinct blobs, at
/// `closure_start[i]..closure_start[i + 1]` (empty for an unknown image);
/// `refcount[b]` is the number of known images whose closure has blob `b`; the per-image
/// columns (`known`, `closure_bytes`, `unique_bytes`) are indexed by image number;
/// `unknown` counts unknown images, opaque ids included.
pub struct RepositoryStorage {
    blobs: BlobTable,
    images: DigestIndex,
    known: Vec<bool>,
    closure_start: Vec<usize>,
    closure: Vec<BlobId>,
    refcount: Vec<u32>,
    closure_bytes: Vec<u64>,
    unique_bytes: Vec<u64>,
    stored_bytes: u64,
    unknown: usize,
}

impl RepositoryStorage {
    /// Whether every image's manifests were read: all figures are then exact.
    pub fn is_complete(&self) -> bool {
        self.unknown == 0
    }

    /// How many images have an unknown closure (unread, or an index over one).
    pub fn unknown_images(&self) -> usize {
        self.unknown
    }

    /// How many images the figures cover: read or not, children included, opaque ids not.
    pub fn image_count(&self) -> usize {
        self.images.len()
    }

    /// The distinct blobs the images refer to.
    pub fn blobs(&self) -> &BlobTable {
        &self.blobs
    }

    /// Bytes the repository stores: each distinct blob once. At least this when some
    /// manifests are unknown (their blobs are not counted).
    pub fn stored_bytes(&self) -> Figure {
        Figure {
            bytes: self.stored_bytes,
            bound: if self.is_complete() {
                Bound::Exact
            } else {
                Bound::AtLeast
            },
        }
    }

    /// The figures of image `digest`; None when its closure is unknown or it is not an
    /// image of this repository.
    pub fn image(&self, digest: &Digest) -> Option<ImageFigures> {
        self.figures_of(self.images.get(digest)? as usize)
    }

    /// Every image with its figures (None when unknown), in the order they were named.
    pub fn images(&self) -> impl Iterator<Item = (&Digest, Option<ImageFigures>)> + '_ {
        self.images
            .digests()
            .iter()
            .enumerate()
            .map(|(image, digest)| (digest, self.figures_of(image)))
    }

    fn figures_of(&self, image: usize) -> Option<ImageFigures> {
        if !self.known[image] {
            return None;
        }
        let closure = self.closure_bytes[image];
        let unique = self.unique_bytes[image];
        let (unique_bound, shared_bound) = if self.is_complete() {
            (Bound::Exact, Bound::Exact)
        } else {
            // An unknown image may share blobs this one seems to hold alone.
            (Bound::AtMost, Bound::AtLeast)
        };
        Some(ImageFigures {
            closure_bytes: closure,
            unique_bytes: Figure {
                bytes: unique,
                bound: unique_bound,
            },
            shared_bytes: Figure {
                bytes: closure - unique,
                bound: shared_bound,
            },
        })
    }

    /// How many images' closures have the blob `digest` (0 when none known does): the
    /// "shared with N images" of a layer.
    pub fn images_referencing(&self, blob: &Digest) -> u32 {
        self.blobs
            .get(blob)
            .map_or(0, |id| self.refcount[id.index()])
    }

    /// Bytes that deleting the images `delete` (digests; repeats ignored) would free: the
    /// blobs of their closures that no image left in the repository references.
    ///
    /// Each blob of the set's closures is counted once per deleted image that has it;
    /// when that count reaches the blob's count over all images, nothing else holds it.
    /// O(references of the set) plus one counter per blob.
    ///
    /// Partial knowledge: a deleted image that is unknown (or a digest that is not an
    /// image here) may free more than counted ([`Bound::AtLeast`]); an unknown image left
    /// behind may hold blobs counted as freed ([`Bound::AtMost`]); both make the figure
    /// [`Bound::Unknown`].
    pub fn bytes_freed<'a>(&self, delete: impl IntoIterator<Item = &'a Digest>) -> Figure {
        let mut deleted = vec![false; self.images.len()];
        let mut deleted_known = Vec::new();
        let mut unknown_deleted = 0usize;
        let mut outside = false;
        for digest in delete {
            let Some(image) = self.images.get(digest) else {
                outside = true;
                continue;
            };
            let image = image as usize;
            if std::mem::replace(&mut deleted[image], true) {
                continue;
            }
            if self.known[image] {
                deleted_known.push(image);
            } else {
                unknown_deleted += 1;
            }
        }
        let mut hits = vec![0u32; self.blobs.len()];
        for &image in &deleted_known {
            for blob in self.closure_of(image) {
                hits[blob.index()] += 1;
            }
        }
        let sizes = self.blobs.sizes();
        let mut freed = 0u64;
        for &image in &deleted_known {
            for blob in self.closure_of(image) {
                let b = blob.index();
                if hits[b] == self.refcount[b] {
                    freed += sizes[b];
                    // Counted: a refcount is never 0, so the blob cannot match again.
                    hits[b] = 0;
                }
            }
        }
        let more_possible = outside || unknown_deleted > 0;
        let less_possible = self.unknown > unknown_deleted;
        let bound = match (more_possible, less_possible) {
            (false, false) => Bound::Exact,
            (true, false) => Bound::AtLeast,
            (false, true) => Bound::AtMost,
            (true, true) => Bound::Unknown,
        };
        Figure {
            bytes: freed,
            bound,
        }
    }

    /// The blobs of image `digest`'s closure (its own, and its children's for an index)
    /// with their sizes, each once; None when its closure is unknown or it is not an
    /// image of this repository.
    pub fn closure(&self, digest: &Digest) -> Option<impl Iterator<Item = (&Digest, u64)> + '_> {
        let image = self.images.get(digest)? as usize;
        if !self.known[image] {
            return None;
        }
        Some(
            self.closure_of(image)
                .iter()
                .map(|&blob| (self.blobs.digest(blob), self.blobs.size(blob))),
        )
    }

    fn closure_of(&self, image: usize) -> &[BlobId] {
        &self.closure[self.closure_start[image]..self.closure_start[image + 1]]
    }

    /// The stored blobs: those some known image's closure has.
    pub fn stored_blobs(&self) -> impl Iterator<Item = (&Digest, u64)> + '_ {
        self.refcount
            .iter()
            .zip(self.blobs.digests())
            .zip(self.blobs.sizes())
            .filter(|((count, _), _)| **count > 0)
            .map(|((_, digest), size)| (digest, *size))
    }
}

/// The figures of one registry (profile × region) over its repositories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryFigures {
    /// The sum of the repositories' stored bytes: what ECR bills, since it stores a blob
    /// once per repository, not once per registry.
    pub stored_bytes: Figure,
    /// Bytes of the blobs stored in more than one repository: what sharing blobs across
    /// repositories could save.
    pub cross_repository_bytes: Figure,
}

/// The figures of a registry whose repositories are `repositories`.
pub fn registry_figures<'a>(
    repositories: impl IntoIterator<Item = &'a RepositoryStorage> + Clone,
) -> RegistryFigures {
    let stored_bytes = repositories
        .clone()
        .into_iter()
        .fold(Figure::exact(0), |sum, repository| {
            sum.plus(repository.stored_bytes())
        });
    RegistryFigures {
        stored_bytes,
        cross_repository_bytes: cross_repository_bytes(repositories),
    }
}

/// Bytes of the blobs that more than one of `repositories` stores, each blob once. At
/// least this when a repository is partial: its unknown blobs could be shared too, while
/// a blob seen in two known sets is surely in both.
pub fn cross_repository_bytes<'a>(
    repositories: impl IntoIterator<Item = &'a RepositoryStorage>,
) -> Figure {
    let mut seen = DigestIndex::with_capacity(0);
    // By blob number in `seen`: the first repository storing it, its size, and whether
    // another repository stores it too.
    let mut first: Vec<usize> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    let mut shared: Vec<bool> = Vec::new();
    let mut partial = false;
    for (repository, storage) in repositories.into_iter().enumerate() {
        partial |= !storage.is_complete();
        for (digest, size) in storage.stored_blobs() {
            let Some((number, new)) = seen.insert(*digest) else {
                partial = true;
                continue;
            };
            if new {
                first.push(repository);
                sizes.push(size);
                shared.push(false);
            } else if first[number as usize] != repository {
                shared[number as usize] = true;
            }
        }
    }
    let bytes = sizes
        .iter()
        .zip(&shared)
        .filter(|(_, shared)| **shared)
        .map(|(size, _)| *size)
        .sum();
    Figure {
        bytes,
        bound: if partial {
            Bound::AtLeast
        } else {
            Bound::Exact
        },
    }
}

/// The monthly cost in USD of storing `stored_bytes` at `usd_per_gib_month` per GiB
/// (2^30 bytes). An estimate: ECR bills per GB-month prorated over the month.
pub fn monthly_cost_usd(stored_bytes: u64, usd_per_gib_month: f64) -> f64 {
    stored_bytes as f64 / GIB as f64 * usd_per_gib_month
}

#[cfg(test)]
mod tests;
