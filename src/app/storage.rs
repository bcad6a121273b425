//! True storage as the TUI shows it: a repository's figures read from its manifests in
//! the background (`crate::storage`), held for the listing on screen, and the figures
//! the images pane, its marks, the delete confirmation and the lifecycle view take
//! from them. Pure: the read itself is the runtime's.

use crate::ecr::model::Image;
use crate::format;
use crate::storage::{Bound, Digest, Figure, RepositoryStorage};
use std::sync::Arc;

/// Who a storage read is for. A newer read for the same one makes an older read that is
/// still running pointless: the runtime stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageFor {
    ImagesPane,
    Lifecycle,
}

/// One repository's storage figures as the runtime read them. Cheap to clone: the
/// images pane and the lifecycle view of the same repository can share one read.
#[derive(Clone)]
pub struct StorageRead {
    pub storage: Arc<RepositoryStorage>,
    /// Why the first image whose manifest could not be read could not be (gone images
    /// aside: they store nothing any more); None when every manifest was read.
    pub problem: Option<String>,
}

impl std::fmt::Debug for StorageRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The figures of 100,000 images would drown any debug print.
        f.debug_struct("StorageRead")
            .field("images", &self.storage.image_count())
            .field("unknown", &self.storage.unknown_images())
            .field("problem", &self.problem)
            .finish()
    }
}

impl StorageRead {
    /// A read with nothing unreadable; for tests and fixtures.
    pub fn complete(storage: RepositoryStorage) -> StorageRead {
        StorageRead {
            storage: Arc::new(storage),
            problem: None,
        }
    }

    /// What deleting the images `digests` frees. An id that is not a digest is left
    /// out: berth never deletes by one.
    pub fn bytes_freed<'a>(&self, digests: impl IntoIterator<Item = &'a str>) -> Figure {
        let parsed: Vec<Digest> = digests.into_iter().filter_map(Digest::parse).collect();
        self.storage.bytes_freed(parsed.iter())
    }

    /// The status line's word on a partial read: how many images are unknown and why
    /// the first one is.
    pub fn partial_note(&self) -> Option<String> {
        let unknown = self.storage.unknown_images();
        if unknown == 0 {
            return None;
        }
        let why = self
            .problem
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        Some(format!(
            "manifests of {unknown} image{} could not be read{why}: storage figures show as bounds (≥ / ≤)",
            if unknown == 1 { "" } else { "s" }
        ))
    }
}

/// A figure as a cell or a sentence shows it: exact as a size, a bound with `≥` or
/// `≤` before it, and `?` when unknown manifests could move it either way.
pub fn figure_text(figure: Figure) -> String {
    let size = format::size(figure.bytes);
    match figure.bound {
        Bound::Exact => size,
        Bound::AtLeast => format!("≥{size}"),
        Bound::AtMost => format!("≤{size}"),
        Bound::Unknown => "?".to_string(),
    }
}

/// The storage figures of the images pane's listing.
///
/// Invariants: `read` (when Some) was read for exactly the digests of the listing on
/// screen (`ImagesPane::images`), and `unique` is either empty or holds one entry per
/// image of that listing, by index; `reading` means a read for `generation` is under way
/// and `read` is None. A listing that replaces the rows asks again (`request`), so a
/// figure never outlives the images it was computed over.
#[derive(Debug, Default)]
pub struct ImagesStorage {
    /// The generation of the newest read asked for (0: none).
    pub generation: u64,
    pub reading: bool,
    pub read: Option<StorageRead>,
    /// Why the read failed as a whole (no client, say).
    pub error: Option<String>,
    /// Each listed image's unique bytes, by index into the listing; None where unknown.
    pub unique: Vec<Option<Figure>>,
    /// Each listed image's digest, parsed once, by index like `unique` (and set with
    /// it): what the marks free is recomputed on every mark, and parsing 100,000 digest
    /// texts each time would not fit in a frame.
    digests: Vec<Option<Digest>>,
    /// `bytes_freed` of the marked images, with the marks revision and the read
    /// generation it was computed for.
    marked: Option<(u64, u64, Figure)>,
}

impl ImagesStorage {
    /// A read for the listing on screen was asked for with `generation`: until it
    /// answers, every figure is unknown.
    pub fn request(&mut self, generation: u64) {
        *self = ImagesStorage {
            generation,
            reading: true,
            ..ImagesStorage::default()
        };
    }

    /// Forget everything (another repository opens).
    pub fn clear(&mut self) {
        *self = ImagesStorage::default();
    }

    /// The read of `generation` answered for `images` (the listing it was asked for).
    /// False when it is not the read this pane waits for.
    pub fn arrived(
        &mut self,
        generation: u64,
        result: Result<StorageRead, String>,
        images: &[Image],
    ) -> bool {
        if generation != self.generation || !self.reading {
            return false;
        }
        self.reading = false;
        self.marked = None;
        match result {
            Ok(read) => {
                self.digests = images.iter().map(|i| Digest::parse(&i.digest)).collect();
                self.unique = self
                    .digests
                    .iter()
                    .map(|digest| Some(read.storage.image(digest.as_ref()?)?.unique_bytes))
                    .collect();
                self.read = Some(read);
            }
            Err(error) => self.error = Some(error),
        }
        true
    }

    /// The unique bytes of the image at `index` of the listing; None while unknown.
    pub fn unique_of(&self, index: usize) -> Option<Figure> {
        self.unique.get(index).copied().flatten()
    }

    /// The UNIQUE cell of the image at `index`: its figure, `?` when its manifests could
    /// not be read, `…` while they are being read (or not asked for yet).
    pub fn unique_text(&self, index: usize) -> String {
        match (&self.read, self.unique_of(index)) {
            (Some(_), Some(figure)) => figure_text(figure),
            (Some(_), None) => "?".into(),
            (None, _) if self.error.is_some() => "?".into(),
            (None, _) => "…".into(),
        }
    }

    /// What deleting `digests` would free; None while the storage is unknown.
    pub fn freed<'a>(&self, digests: impl IntoIterator<Item = &'a str>) -> Option<Figure> {
        Some(self.read.as_ref()?.bytes_freed(digests))
    }

    /// Recompute what the marked images free when the marks or the read changed since.
    /// `images` is the listing the figures are for.
    pub fn follow_marks(&mut self, marks: &crate::app::state::Marks, images: &[Image]) {
        let Some(read) = &self.read else {
            self.marked = None;
            return;
        };
        let revision = marks.revision();
        if self
            .marked
            .is_some_and(|(r, g, _)| r == revision && g == self.generation)
        {
            return;
        }
        // Few marks: parse theirs. Many: look each listed image up among the marks and
        // take its digest parsed already, which is cheaper than parsing.
        let figure = if marks.len() < images.len() / 4 || self.digests.len() != images.len() {
            read.bytes_freed(marks.digests())
        } else {
            let marked: Vec<&Digest> = images
                .iter()
                .zip(&self.digests)
                .filter(|(image, _)| marks.contains(&image.digest))
                .filter_map(|(_, digest)| digest.as_ref())
                .collect();
            read.storage.bytes_freed(marked)
        };
        self.marked = Some((revision, self.generation, figure));
    }

    /// What the marked images free, as of the last `follow_marks`; None while unknown.
    pub fn marked_freed(&self) -> Option<Figure> {
        self.marked.map(|(_, _, figure)| figure)
    }
}

#[cfg(test)]
mod tests;
