//! The derived view of a table: which items show, in what order, and where the cursor is.
//!
//! Filtering and sorting work on item indices; items are never cloned or moved. At
//! 100,000 images (ECR's per-repository maximum) every rebuild has to finish well inside
//! a frame, so the sorted order is kept between rebuilds and reused while it still holds:
//! a filter keystroke only re-matches, a page of new images is sorted on its own and
//! merged in, and only a change of sort column or direction sorts everything again.
//!
//! The parts: `filter` (which rows match, and how well), `sort_key` and `order` (the
//! kept sorted order), `cursor` (where the cursor and the viewport are, across moves,
//! rebuilds and reloads).

use std::cmp::Ordering;

mod cursor;
mod filter;
mod order;
pub mod sort_key;

pub use cursor::Anchor;
pub use filter::{Fields, FuzzyFilter, Rank};
pub use sort_key::SortKey;

use cursor::Reload;
use order::SortedOrder;

/// Which items of a list are visible, in display order, plus cursor and scroll position.
///
/// Invariants, after every rebuild and every move:
/// - `rows` are the items the filter matches; with a filter, better matches first (equal,
///   prefix, substring, then fuzzy by score), the sort order within each rank.
/// - The cursor is on a row (when there are rows) and inside the viewport of `height`
///   rows, and the viewport never leaves blank rows at the bottom while rows exist above
///   it (`offset <= rows.len() - height`).
/// - After a sort the viewport starts as near the top as keeps the cursor visible
///   (`offset = max(0, selected + 1 - height)`, `show_from_top`).
/// - Until the user moves (`moved` is false), the cursor is on the first row, whatever
///   arrives or re-sorts; after that it stays on the user's item (or the nearest row when
///   the item is filtered out), including across a reload (`start_reload`).
#[derive(Default)]
pub struct ListView {
    /// Indices into the item vector, filtered and sorted.
    pub rows: Vec<usize>,
    /// Cursor position within `rows`.
    pub selected: usize,
    /// First visible position within `rows`.
    pub offset: usize,
    /// Index of the sort column in the pane's column list.
    pub sort_column: usize,
    pub descending: bool,
    pub filter: FuzzyFilter,
    /// Rows the viewport shows (0 until known).
    height: usize,
    /// The user put the cursor where it is (a key, the mouse, a jump).
    moved: bool,
    /// A reload in progress: where the user was, to be found again as items arrive.
    reload: Option<Reload>,
    sorted: SortedOrder,
}

impl std::fmt::Debug for ListView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The rows of a 100,000-image list would drown any debug print.
        f.debug_struct("ListView")
            .field("rows", &self.rows.len())
            .field("selected", &self.selected)
            .field("offset", &self.offset)
            .field("height", &self.height)
            .field("moved", &self.moved)
            .field("sort_column", &self.sort_column)
            .field("descending", &self.descending)
            .field("filter", &self.filter)
            .finish()
    }
}

impl ListView {
    /// The item index under the cursor.
    pub fn selected_item(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    /// Recompute `rows` from the items, keeping the same item under the cursor at the same
    /// screen row where it is still visible (new pages arriving must not move the user).
    pub fn rebuild<T>(
        &mut self,
        items: &[T],
        haystack: impl Fn(&T, &mut Fields),
        compare: impl Fn(&T, &T) -> Ordering,
    ) {
        self.rebuild_keyed(items, haystack, |_| SortKey::default(), compare);
    }

    /// `rebuild` for large lists: `key` places each item once, so sorting compares small
    /// keys instead of items scattered across memory, and the sorted order can be reused
    /// by the next rebuild while every item's key is unchanged. `compare` orders only
    /// items with equal keys; the two must agree (`key(a) < key(b)` implies
    /// `compare(a, b) == Less`). The `sort_key` helpers build such keys. `haystack` lists
    /// the texts a row shows, which the filter matches.
    pub fn rebuild_keyed<T>(
        &mut self,
        items: &[T],
        haystack: impl Fn(&T, &mut Fields),
        key: impl Fn(&T) -> SortKey,
        compare: impl Fn(&T, &T) -> Ordering,
    ) {
        let anchor = self.anchor();
        self.sorted.update(items, key, self.descending, |a, b| {
            compare(&items[a as usize], &items[b as usize])
        });
        let entries = &self.sorted.entries;
        self.rows.clear();
        if self.filter.is_active() {
            // Matched in item order (sequential memory), then read in display order.
            let mut batch = self.filter.batch();
            let mut fields = Fields::default();
            let ranks: Vec<Option<Rank>> = items
                .iter()
                .map(|item| {
                    fields.clear();
                    haystack(item, &mut fields);
                    batch.rank(&fields)
                })
                .collect();
            // One bucket per rank class, filled in display order so the sort order holds
            // within each; only fuzzy matches need sorting (by score, stably).
            let mut classes: [Vec<usize>; 3] = Default::default();
            let mut fuzzy: Vec<(Rank, usize)> = Vec::new();
            for &(_, index) in entries {
                let Some(rank) = ranks[index as usize] else {
                    continue;
                };
                match classes.get_mut(filter::class(rank) as usize) {
                    Some(bucket) => bucket.push(index as usize),
                    None => fuzzy.push((rank, index as usize)),
                }
            }
            fuzzy.sort_by_key(|&(rank, _)| rank);
            for bucket in &classes {
                self.rows.extend_from_slice(bucket);
            }
            self.rows.extend(fuzzy.into_iter().map(|(_, index)| index));
        } else {
            self.rows
                .extend(entries.iter().map(|&(_, index)| index as usize));
        }
        self.restore(anchor);
    }
}

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests;
