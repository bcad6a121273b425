//! The images pane as a tree: an OCI referrer (a signature, an SBOM, an attestation) folds
//! under the image it names, a platform of a multi-arch index under the index. `z` unfolds
//! or folds the row under the cursor, `Z` shows every manifest as its own row (the listing
//! as ECR gives it).
//!
//! ECR lists referrers and index children as images like any other; shown flat, a
//! signature reads as a mysterious untagged image and a platform as one that could be
//! deleted on its own. Folded, the row they belong to says what it carries (`SIG 2`,
//! `SBOM`, `2 platforms`) and the count line says how many rows are folded; unfolded, a
//! platform's row names it (`linux/arm64/v8`).

use crate::app::action::Effect;
use crate::app::keymap::Command;
use crate::app::state::{ImagesPane, State};
use crate::app::status::Topic;
use crate::ecr::model::Image;
use std::collections::{HashMap, HashSet};

/// How deep rows nest (a signature of a platform of an index is 2). Registry data that
/// would nest deeper (or loop) is shown with the deeper links cut.
pub(crate) const MAX_DEPTH: u8 = 4;

/// The folding of the images pane's rows, derived from the listing on every rebuild.
///
/// Invariants, after every [`ImageTree::arrange`] (checked by the property test in
/// `tree/tests.rs` over random listings and random sequences of keys):
/// - In flat mode the rows are exactly the rows the filters keep, in their order.
/// - Otherwise a row the filters keep is shown iff it is linked to no listed image that
///   the filters keep (it is top level), or its parent is shown and unfolded. Every row
///   is shown at most once.
/// - A shown child comes after its parent, and a parent's shown descendants come right
///   after it (a subtree is contiguous), children in the filters' order.
/// - `folded` is the number of rows the filters keep that a folded row hides.
/// - The links never loop and never nest deeper than [`MAX_DEPTH`].
#[derive(Debug, Default)]
pub struct ImageTree {
    /// Listing index → listing index of the image it folds under: its subject (for a
    /// referrer) or the index that names it (for a platform).
    parent: HashMap<usize, usize>,
    /// Listing index → the listed images folded directly under it, in listing order.
    children: HashMap<usize, Vec<usize>>,
    /// Listing index → depth, for the rows shown under another (top-level rows are absent).
    depth: HashMap<usize, u8>,
    /// Rows the filters keep that a folded row hides.
    pub folded: usize,
}

/// What is folded directly under one image, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    pub signatures: usize,
    pub sboms: usize,
    pub attestations: usize,
    /// Referrers of any other artifact type.
    pub other: usize,
    pub platforms: usize,
}

impl Carried {
    /// `SIG 2 · SBOM · ATT · 3 platforms`: a kind's count shows when above one.
    pub fn badges(&self) -> String {
        self.parts(" ", " platforms", " · ")
    }

    /// The badges for a narrow column: `SIG2 SBOM ATT 3p`.
    pub fn short_badges(&self) -> String {
        self.parts("", "p", " ")
    }

    fn parts(&self, before_count: &str, platforms: &str, between: &str) -> String {
        let mut parts = Vec::new();
        for (word, n) in [
            ("SIG", self.signatures),
            ("SBOM", self.sboms),
            ("ATT", self.attestations),
            ("REF", self.other),
        ] {
            match n {
                0 => {}
                1 => parts.push(word.to_string()),
                n => parts.push(format!("{word}{before_count}{n}")),
            }
        }
        match self.platforms {
            0 => {}
            1 => parts.push(format!("1{}", platforms.trim_end_matches('s'))),
            n => parts.push(format!("{n}{platforms}")),
        }
        parts.join(between)
    }

    /// Everything folded directly under the image.
    pub fn total(&self) -> usize {
        self.signatures + self.sboms + self.attestations + self.other + self.platforms
    }

    pub fn is_empty(&self) -> bool {
        *self == Carried::default()
    }
}

impl ImageTree {
    /// Whether any listed image folds under another: the pane then draws a fold column.
    pub fn has_links(&self) -> bool {
        !self.parent.is_empty()
    }

    /// The image `index` folds under, when it is listed.
    pub fn parent_of(&self, index: usize) -> Option<usize> {
        self.parent.get(&index).copied()
    }

    /// The listed images folded directly under `index`.
    pub fn children_of(&self, index: usize) -> &[usize] {
        self.children.get(&index).map_or(&[], Vec::as_slice)
    }

    /// How deep the row of `index` is drawn: 0 for a top-level row.
    pub fn depth_of(&self, index: usize) -> u8 {
        self.depth.get(&index).copied().unwrap_or(0)
    }

    /// What is folded directly under `index`, by kind.
    pub fn carried(&self, images: &[Image], index: usize) -> Carried {
        let mut carried = Carried::default();
        for &child in self.children_of(index) {
            let image = &images[child];
            if image.subject_digest.as_deref() == Some(images[index].digest.as_str()) {
                match crate::app::operate::artifact_word(image.artifact_type.as_deref()) {
                    "signature" => carried.signatures += 1,
                    "SBOM" => carried.sboms += 1,
                    "attestation" => carried.attestations += 1,
                    _ => carried.other += 1,
                }
            } else {
                carried.platforms += 1;
            }
        }
        carried
    }

    /// Read the links from the listing: each image with a listed subject folds under it,
    /// else each image a listed index names folds under that index (`parents`: child
    /// digest → index digest).
    fn link(&mut self, images: &[Image], parents: &HashMap<String, String>) {
        self.parent.clear();
        self.children.clear();
        let wanted: HashSet<&str> = images
            .iter()
            .filter_map(|image| image.subject_digest.as_deref())
            .chain(parents.values().map(String::as_str))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mut listed: HashMap<&str, usize> = HashMap::new();
        for (index, image) in images.iter().enumerate() {
            if wanted.contains(image.digest.as_str()) {
                listed.entry(image.digest.as_str()).or_insert(index);
            }
        }
        for (index, image) in images.iter().enumerate() {
            let parent = image
                .subject_digest
                .as_deref()
                .and_then(|subject| listed.get(subject))
                .or_else(|| {
                    parents
                        .get(&image.digest)
                        .and_then(|index| listed.get(index.as_str()))
                });
            if let Some(&parent) = parent
                && parent != index
            {
                self.parent.insert(index, parent);
            }
        }
        // Registry data could make the links loop or nest without end: cut any link whose
        // chain of parents is too long (a loop is a chain without end).
        let cut: Vec<usize> = self
            .parent
            .keys()
            .copied()
            .filter(|&index| {
                let mut at = index;
                for _ in 0..=MAX_DEPTH {
                    match self.parent.get(&at) {
                        Some(&up) => at = up,
                        None => return false,
                    }
                }
                true
            })
            .collect();
        for index in cut {
            self.parent.remove(&index);
        }
        for (&child, &parent) in &self.parent {
            self.children.entry(parent).or_default().push(child);
        }
        for children in self.children.values_mut() {
            children.sort_unstable();
        }
    }

    /// Fold `rows` (the rows the filters keep, in order) into the tree, unfolding the rows
    /// whose digest is in `expanded`; in flat mode leave them as they are.
    fn arrange(
        &mut self,
        rows: &mut Vec<usize>,
        images: &[Image],
        expanded: &HashSet<String>,
        flat: bool,
    ) {
        self.depth.clear();
        self.folded = 0;
        if flat || self.parent.is_empty() {
            return;
        }
        let position: HashMap<usize, usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, index)| {
                self.parent.contains_key(index) || self.children.contains_key(index)
            })
            .map(|(at, &index)| (index, at))
            .collect();
        let kept = |index: &usize| position.contains_key(index);
        let mut arranged = Vec::with_capacity(rows.len());
        for &index in rows.iter() {
            let top = self.parent.get(&index).is_none_or(|parent| !kept(parent));
            if top {
                self.emit(index, 0, &mut arranged, images, expanded, &position);
            }
        }
        *rows = arranged;
    }

    /// Push `index` at `depth`, then its kept children when it is unfolded (counting them
    /// as folded when it is not).
    fn emit(
        &mut self,
        index: usize,
        depth: u8,
        out: &mut Vec<usize>,
        images: &[Image],
        expanded: &HashSet<String>,
        position: &HashMap<usize, usize>,
    ) {
        out.push(index);
        if depth > 0 {
            self.depth.insert(index, depth);
        }
        let Some(children) = self.children.get(&index) else {
            return;
        };
        let mut kept: Vec<usize> = children
            .iter()
            .copied()
            .filter(|child| position.contains_key(child))
            .collect();
        kept.sort_by_key(|child| position[child]);
        if expanded.contains(&images[index].digest) {
            for child in kept {
                self.emit(child, depth + 1, out, images, expanded, position);
            }
        } else {
            self.folded += kept
                .iter()
                .map(|&child| 1 + self.kept_descendants(child, position))
                .sum::<usize>();
        }
    }

    /// How many of `index`'s descendants the filters keep.
    fn kept_descendants(&self, index: usize, position: &HashMap<usize, usize>) -> usize {
        self.children_of(index)
            .iter()
            .filter(|child| position.contains_key(child))
            .map(|&child| 1 + self.kept_descendants(child, position))
            .sum()
    }
}

/// Fold the pane's rows (the rows the filters kept) into its tree, keeping the cursor on
/// its image — or, when that image is now folded away, on the row that folds it.
pub fn arrange(pane: &mut ImagesPane) {
    let anchor = pane.list.anchor();
    pane.tree.link(&pane.images, &pane.parents);
    pane.tree
        .arrange(&mut pane.list.rows, &pane.images, &pane.expanded, pane.flat);
    let mut anchor = anchor;
    while let Some(item) = anchor.item()
        && !pane.list.rows.contains(&item)
        && let Some(parent) = pane.tree.parent_of(item)
    {
        anchor.move_to(parent);
    }
    pane.list.restore(anchor);
}

/// `z` (fold or unfold the row under the cursor) and `Z` (tree or flat); None for other
/// commands.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if !matches!(command, Command::Fold | Command::FlatView) {
        return None;
    }
    if !state.in_images_pane() {
        return Some(Vec::new());
    }
    if command == Command::FlatView {
        let pane = &mut state.images;
        pane.flat = !pane.flat;
        let said = if pane.flat {
            "every manifest as its own row (Z: fold referrers and platforms again)"
        } else {
            "referrers and platforms folded under their image (Z: every manifest flat)"
        };
        state.status.info(Topic::Command, said);
        state.rebuild_images();
        return Some(Vec::new());
    }
    let pane = &mut state.images;
    let Some(index) = pane.list.selected_item() else {
        state.status.info(Topic::Command, "no image selected");
        return Some(Vec::new());
    };
    if pane.flat {
        state.status.info(
            Topic::Command,
            "rows are flat: Z folds referrers and platforms under their image",
        );
        return Some(Vec::new());
    }
    // On a folded row's child, fold its parent and go to it.
    let (row, child) = if pane.tree.children_of(index).is_empty() {
        match pane.tree.parent_of(index) {
            Some(parent) if pane.tree.depth_of(index) > 0 => (parent, Some(index)),
            _ => {
                state.status.info(
                    Topic::Command,
                    "nothing is folded under this image (no referrers or platforms listed)",
                );
                return Some(Vec::new());
            }
        }
    } else {
        (index, None)
    };
    let digest = pane.images[row].digest.clone();
    let unfolding = child.is_none() && !pane.expanded.contains(&digest);
    if unfolding {
        pane.expanded.insert(digest);
    } else {
        pane.expanded.remove(&digest);
        if let Some(position) = pane.list.rows.iter().position(|&r| r == row) {
            pane.list.select(position);
        }
    }
    state.rebuild_images();
    super::update::user_moved(state);
    Some(Vec::new())
}

#[cfg(test)]
mod tests;
