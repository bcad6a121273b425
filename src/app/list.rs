//! The derived view of a table: which items show, in what order, and where the cursor is.
//!
//! Filtering and sorting work on item indices; items are never cloned or moved. At
//! 100,000 images (ECR's per-repository maximum) every rebuild has to finish well inside
//! a frame, so the sorted order is kept between rebuilds and reused while it still holds:
//! a filter keystroke only re-matches, a page of new images is sorted on its own and
//! merged in, and only a change of sort column or direction sorts everything again.

use std::cmp::Ordering;

mod filter;
pub use filter::{Fields, FuzzyFilter, Rank};
pub use sort_key::SortKey;

/// Order-preserving sort keys for `ListView::rebuild_keyed`. A key is compared as a
/// tuple of numbers; each helper maps its input so that a smaller input never gets a
/// larger number. Equal keys are allowed for different inputs (the comparator decides
/// those), but a part may only be followed by more parts while it is exact: a later part
/// must never decide between inputs that an earlier part merely could not tell apart.
pub mod sort_key {
    use jiff::Timestamp;

    /// Where an item sorts: compared element by element.
    pub type SortKey = [u64; 4];

    /// Exact: `None` before any time, then to the nanosecond.
    pub fn time(time: Option<Timestamp>) -> [u64; 2] {
        // Flipping the sign bit maps i128 order onto u128 order; no timestamp is near
        // i128::MIN nanoseconds, so 0 stays free for `None`.
        let value = time.map_or(0, |t| (t.as_nanosecond() as u128) ^ (1 << 127));
        [(value >> 64) as u64, value as u64]
    }

    /// Exact.
    pub fn number(number: u64) -> u64 {
        number
    }

    /// `text` (`None` first) by its first 14 bytes and its length, then `then` where
    /// that is exact (texts up to 14 bytes); longer texts sharing those 14 bytes tie and
    /// are left to the comparator.
    pub fn text_then(text: Option<&str>, then: [u64; 2]) -> SortKey {
        let Some(text) = text else {
            return [0, 0, then[0], then[1]];
        };
        let mut bytes = [0u8; 16];
        bytes[0] = 1;
        let prefix = &text.as_bytes()[..text.len().min(14)];
        bytes[1..=prefix.len()].copy_from_slice(prefix);
        // Within the same 14 bytes a shorter text sorts first (zero padding cannot tell
        // "a" from "a\0"); every text past 14 bytes shares the last value.
        bytes[15] = text.len().min(15) as u8;
        let high = u64::from_be_bytes(bytes[..8].try_into().expect("eight bytes"));
        let low = u64::from_be_bytes(bytes[8..].try_into().expect("eight bytes"));
        if text.len() <= 14 {
            [high, low, then[0], then[1]]
        } else {
            [high, low, 0, 0]
        }
    }
}

/// The last sort of a list's items, kept to be reused by the next rebuild.
#[derive(Default)]
struct SortedOrder {
    /// The key of every item it covers, by item index.
    keys: Vec<SortKey>,
    /// The same keys with their item indices, in display order.
    entries: Vec<(SortKey, u32)>,
    descending: bool,
    /// Scratch space for the next rebuild's keys (no allocation per keystroke).
    next_keys: Vec<SortKey>,
}

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

/// The user's place in a list being reloaded, by item identity (indices do not survive
/// a reload): the selected item's key first, then its neighbours, nearest first.
#[derive(Debug)]
struct Reload {
    keys: Vec<String>,
    screen_row: usize,
    position: usize,
    /// Items already searched for `keys[0]` (items only ever arrive at the end).
    scanned: usize,
}

/// Where the cursor was before the rows changed (see `ListView::restore`).
#[derive(Clone, Copy, Debug)]
pub struct Anchor {
    item: Option<usize>,
    screen_row: usize,
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

/// How many neighbours on each side a reload remembers, in case the item itself is gone.
const RELOAD_NEIGHBOURS: usize = 16;

impl ListView {
    /// The item index under the cursor.
    pub fn selected_item(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    /// Whether the user has moved the cursor since the list was opened.
    pub fn moved(&self) -> bool {
        self.moved
    }

    /// Rows the viewport shows, as last told (0 until known).
    pub fn height(&self) -> usize {
        self.height
    }

    /// The viewport is now `height` rows: keep the cursor in it and fill it.
    pub fn set_height(&mut self, height: usize) {
        self.scroll_into_view(height);
    }

    /// Put the cursor on `position` for the user (a click, a jump): it stays on that item
    /// from now on.
    pub fn select(&mut self, position: usize) {
        self.moved = true;
        self.reload = None;
        self.selected = position.min(self.rows.len().saturating_sub(1));
        self.clamp();
    }

    /// After a sort: the order on screen is new, so the old scroll position means
    /// nothing; scroll no further from the top than keeps the cursor visible.
    pub fn show_from_top(&mut self) {
        self.offset = 0;
        self.clamp();
    }

    /// Back to the first row, following it as rows arrive (a new filter, a fresh list).
    pub fn follow_first(&mut self) {
        self.moved = false;
        self.reload = None;
        self.selected = 0;
        self.offset = 0;
    }

    /// The cursor's item and screen row, to put it back after the rows change.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            item: self.selected_item(),
            screen_row: self.selected.saturating_sub(self.offset),
        }
    }

    /// Place the cursor after the rows changed: on the first row until the user moved,
    /// else on the anchored item at the same screen row where the viewport allows, or
    /// on the nearest row when the item is gone.
    pub fn restore(&mut self, anchor: Anchor) {
        if !self.moved {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        match anchor
            .item
            .and_then(|item| self.rows.iter().position(|&r| r == item))
        {
            Some(position) => {
                self.selected = position;
                self.offset = position.saturating_sub(anchor.screen_row);
            }
            None => self.selected = self.selected.min(self.rows.len().saturating_sub(1)),
        }
        self.clamp();
    }

    /// Keep the cursor visible and the viewport full, for the last known height.
    fn clamp(&mut self) {
        if self.height == 0 {
            self.offset = self.offset.min(self.selected);
            return;
        }
        let height = self.height;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
    }

    /// The list is about to be emptied and listed again (a refresh, a reload after a
    /// change): remember the user's item by `key` so `resolve_reload` can find it again.
    pub fn start_reload(&mut self, key: impl Fn(usize) -> String) {
        if let Some(mut pending) = self.reload.take() {
            // Reloaded again before the item came back: still looking for the same one.
            pending.scanned = 0;
            self.rows.clear();
            self.follow_first();
            self.reload = Some(pending);
            return;
        }
        let reload = self.moved.then(|| {
            let mut keys: Vec<String> = self.selected_item().map(&key).into_iter().collect();
            for distance in 1..=RELOAD_NEIGHBOURS {
                let below = self.selected + distance;
                keys.extend(self.rows.get(below).map(|&i| key(i)));
                if let Some(above) = self.selected.checked_sub(distance) {
                    keys.extend(self.rows.get(above).map(|&i| key(i)));
                }
            }
            Reload {
                keys,
                screen_row: self.selected.saturating_sub(self.offset),
                position: self.selected,
                scanned: 0,
            }
        });
        self.rows.clear();
        self.follow_first();
        self.reload = reload.filter(|r| !r.keys.is_empty());
    }

    /// After a rebuild during a reload: select the remembered item once it has arrived;
    /// when the listing is `done` without it, its nearest remembered neighbour, or the
    /// row at its old position.
    pub fn resolve_reload<'a>(&mut self, key: impl Fn(usize) -> &'a str, items: usize, done: bool) {
        let Some(reload) = self.reload.as_mut() else {
            return;
        };
        let wanted = reload.keys[0].as_str();
        let found = (reload.scanned..items).find(|&i| key(i) == wanted);
        reload.scanned = items;
        if found.is_none() && !done {
            return;
        }
        let Some(reload) = self.reload.take() else {
            return;
        };
        let item = found.or_else(|| {
            reload.keys[1..]
                .iter()
                .find_map(|neighbour| (0..items).find(|&i| key(i) == neighbour.as_str()))
        });
        // An item that arrived but is filtered out leaves the cursor at its old place.
        let position = item
            .and_then(|item| self.rows.iter().position(|&r| r == item))
            .unwrap_or(reload.position);
        self.moved = true;
        self.selected = position.min(self.rows.len().saturating_sub(1));
        self.offset = self.selected.saturating_sub(reload.screen_row);
        self.clamp();
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

    /// Move the cursor as a movement command asks (a row, a page of `height` rows, the
    /// first or last row); false, and nothing moved, for any other command.
    pub fn navigate(&mut self, command: super::keymap::Command, height: usize) -> bool {
        use super::keymap::Command;
        let page = height.max(1) as isize;
        match command {
            Command::MoveDown => self.move_by(1, height),
            Command::MoveUp => self.move_by(-1, height),
            Command::PageDown => self.move_by(page, height),
            Command::PageUp => self.move_by(-page, height),
            Command::First => self.first(height),
            Command::Last => self.last(height),
            _ => return false,
        }
        true
    }

    /// Move the cursor by `delta` rows for the user, keeping it inside a viewport of
    /// `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        // Nothing to move on (a list still loading): the cursor keeps following row 0.
        if self.rows.is_empty() {
            return;
        }
        self.moved = true;
        self.reload = None;
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    /// The first row, for the user.
    pub fn first(&mut self, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        self.moved = true;
        self.reload = None;
        self.selected = 0;
        self.scroll_into_view(height);
    }

    /// The last row, for the user.
    pub fn last(&mut self, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        self.moved = true;
        self.reload = None;
        self.selected = self.rows.len().saturating_sub(1);
        self.scroll_into_view(height);
    }

    /// Adjust `offset` so the cursor is visible in a viewport of `height` rows (which
    /// becomes the viewport height later rebuilds keep to).
    pub fn scroll_into_view(&mut self, height: usize) {
        self.height = height.max(1);
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.clamp();
    }
}

impl SortedOrder {
    /// Bring `entries` up to date for `items`: keys reversed when `descending`, then
    /// `compare` (by item index) among equal keys, reversed too, then arrival order. The
    /// last tie-break makes the order total, so how it was reached never shows.
    fn update<T>(
        &mut self,
        items: &[T],
        key: impl Fn(&T) -> SortKey,
        descending: bool,
        compare: impl Fn(u32, u32) -> Ordering,
    ) {
        let mut keys = std::mem::take(&mut self.next_keys);
        keys.clear();
        // One sequential pass over the items.
        keys.extend(items.iter().map(key));
        let kept = self.keys.len();
        // Still valid for the items it covers when they kept their keys: items were only
        // appended (a page arrived) or only the filter changed. Any other change (another
        // column, a changed or replaced item) shows up as a different key.
        let reusable =
            self.descending == descending && kept <= keys.len() && self.keys[..] == keys[..kept];
        if reusable {
            if kept < keys.len() {
                let mut added: Vec<(SortKey, u32)> = (kept..keys.len())
                    .map(|index| (keys[index], index as u32))
                    .collect();
                sort_entries(&mut added, descending);
                self.entries = merge(&self.entries, &added, descending);
            }
        } else {
            sort_all(&keys, descending, &mut self.entries);
        }
        // Items with equal keys: the comparator decides (the keys cannot see everything
        // it looks at, and those items may have changed since the last rebuild).
        for run in self.entries.chunk_by_mut(|a, b| a.0 == b.0) {
            if run.len() > 1 {
                run.sort_unstable_by(|(_, a), (_, b)| {
                    let order = compare(*a, *b);
                    if descending { order.reverse() } else { order }.then(a.cmp(b))
                });
            }
        }
        self.next_keys = std::mem::replace(&mut self.keys, keys);
        self.descending = descending;
    }
}

/// Every item's entry, in key order (reversed when `descending`), then index order.
///
/// Sorting 16-byte (prefix, index) values is about twice as fast as sorting the 40-byte
/// entries themselves. The prefix is the first 64 bits of the key in which keys differ
/// at all: bits that are the same in every key cannot change the order, so dropping
/// them keeps it, and only keys that agree on all 64 kept bits need a second look.
fn sort_all(keys: &[SortKey], descending: bool, entries: &mut Vec<(SortKey, u32)>) {
    let spans = varying_spans(keys);
    let prefix = |key: &SortKey| {
        spans.iter().fold(0u64, |acc, &(word, shift, bits)| {
            let part = (key[word] >> shift) & (u64::MAX >> (64 - bits));
            acc.checked_shl(bits).unwrap_or(0) | part
        })
    };
    let mut packed: Vec<u128> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let prefix = if descending {
                !prefix(key)
            } else {
                prefix(key)
            };
            (u128::from(prefix) << 32) | index as u128
        })
        .collect();
    packed.sort_unstable();
    entries.clear();
    entries.extend(packed.iter().map(|&value| {
        let index = value as u32;
        (keys[index as usize], index)
    }));
    // Keys that share the prefix came out in index order: put them in key order.
    let mut start = 0;
    while start < packed.len() {
        let prefix = packed[start] >> 32;
        let end = start
            + packed[start..]
                .iter()
                .take_while(|&&value| value >> 32 == prefix)
                .count();
        if end - start > 1 {
            sort_entries(&mut entries[start..end], descending);
        }
        start = end;
    }
}

/// Where the keys differ: per word (in order), the shift and width of the span between
/// its highest and lowest bit that is not the same in every key, cut to 64 bits in all.
fn varying_spans(keys: &[SortKey]) -> Vec<(usize, u32, u32)> {
    let Some(first) = keys.first() else {
        return Vec::new();
    };
    let mut varying = [0u64; 4];
    for key in keys {
        for (word, bits) in varying.iter_mut().enumerate() {
            *bits |= key[word] ^ first[word];
        }
    }
    let mut spans = Vec::new();
    let mut room = 64;
    for (word, bits) in varying.into_iter().enumerate() {
        if bits == 0 || room == 0 {
            continue;
        }
        let high = 63 - bits.leading_zeros();
        let width = (high + 1 - bits.trailing_zeros()).min(room);
        spans.push((word, high + 1 - width, width));
        room -= width;
    }
    spans
}

/// The order of two entries: by key (reversed when `descending`), then by index.
fn entry_order(descending: bool, a: &(SortKey, u32), b: &(SortKey, u32)) -> Ordering {
    let order = a.0.cmp(&b.0);
    if descending { order.reverse() } else { order }.then(a.1.cmp(&b.1))
}

fn sort_entries(entries: &mut [(SortKey, u32)], descending: bool) {
    // Two loops rather than one comparator that branches on direction every call.
    if descending {
        entries.sort_unstable_by(|a, b| entry_order(true, a, b));
    } else {
        entries.sort_unstable_by(|a, b| entry_order(false, a, b));
    }
}

/// Merge two sorted runs of entries into one.
fn merge(
    left: &[(SortKey, u32)],
    right: &[(SortKey, u32)],
    descending: bool,
) -> Vec<(SortKey, u32)> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if entry_order(descending, &right[j], &left[i]) == Ordering::Less {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<&'static str> {
        vec![
            "web/frontend",
            "payments/api",
            "base/python",
            "payments/worker",
        ]
    }

    fn rebuild(view: &mut ListView, items: &[&str]) {
        view.rebuild(items, |s, out| out.text(s), |a, b| a.cmp(b));
    }

    #[test]
    fn sorts_by_comparator_and_reverses() {
        let items = names();
        let mut view = ListView::default();
        rebuild(&mut view, &items);
        assert_eq!(view.rows, [2, 1, 3, 0]);
        view.descending = true;
        rebuild(&mut view, &items);
        assert_eq!(view.rows, [0, 3, 1, 2]);
    }

    #[test]
    fn fuzzy_filter_narrows_and_highlights() {
        let items = names();
        let mut view = ListView::default();
        view.filter.set("pay");
        rebuild(&mut view, &items);
        assert_eq!(view.rows, [1, 3]);
        assert_eq!(view.filter.highlights("payments/api"), [0, 1, 2]);
        view.filter.set("pywk");
        rebuild(&mut view, &items);
        assert_eq!(view.rows, [3]);
    }

    #[test]
    fn cursor_follows_its_item_when_rows_change() {
        let mut items = names();
        let mut view = ListView::default();
        rebuild(&mut view, &items);
        view.move_by(2, 10); // payments/worker
        assert_eq!(view.selected_item(), Some(3));
        items.push("aaa/first");
        rebuild(&mut view, &items);
        assert_eq!(view.selected_item(), Some(3));
        assert_eq!(view.selected, 3);
    }

    #[test]
    fn cursor_clamps_when_its_item_is_filtered_out() {
        let items = names();
        let mut view = ListView::default();
        rebuild(&mut view, &items);
        view.last(10);
        view.filter.set("base");
        rebuild(&mut view, &items);
        assert_eq!(view.selected, 0);
        assert_eq!(view.selected_item(), Some(2));
    }

    #[test]
    fn scrolling_keeps_cursor_in_viewport() {
        let items: Vec<String> = (0..100).map(|i| format!("{i:03}")).collect();
        let mut view = ListView::default();
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        view.move_by(15, 10);
        assert_eq!((view.selected, view.offset), (15, 6));
        view.move_by(-12, 10);
        assert_eq!((view.selected, view.offset), (3, 3));
        view.last(10);
        assert_eq!((view.selected, view.offset), (99, 90));
        view.move_by(50, 10);
        assert_eq!(view.selected, 99);
    }

    fn numbered(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("{i:03}")).collect()
    }

    #[test]
    fn clearing_a_filter_never_leaves_blank_rows_below() {
        let items = numbered(30);
        let mut view = ListView::default();
        view.set_height(10);
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        view.filter.set("29");
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        view.last(10);
        assert_eq!(view.selected_item(), Some(29));
        view.filter.set("");
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        // The cursor's item is the last row: the viewport ends there, full.
        assert_eq!((view.selected, view.offset), (29, 20));
        view.descending = true;
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        // Now first: it cannot keep its screen row without blank rows above the top.
        assert_eq!((view.selected, view.offset), (0, 0));
    }

    #[test]
    fn the_cursor_follows_the_first_row_until_the_user_moves() {
        let mut items = vec!["b".to_string()];
        let mut view = ListView::default();
        view.set_height(10);
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        items.push("a".into());
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        assert_eq!(view.selected_item(), Some(1), "the new first row");
        view.move_by(1, 10);
        items.push("0".into());
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        assert_eq!(view.selected_item(), Some(0), "the user's item");
    }

    #[test]
    fn a_reload_finds_the_users_item_or_its_neighbour() {
        let items = numbered(30);
        let mut view = ListView::default();
        view.set_height(10);
        view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
        view.move_by(12, 10);
        view.start_reload(|i| items[i].clone());
        assert!(view.rows.is_empty());
        // The item comes back in the second page, after the first row was shown.
        let mut again: Vec<String> = Vec::new();
        for page in [&items[20..], &items[..20]] {
            again.extend(page.iter().cloned());
            view.rebuild(&again, |s, o| o.text(s), |a, b| a.cmp(b));
            view.resolve_reload(|i| again[i].as_str(), again.len(), again.len() == 30);
        }
        assert_eq!(view.selected_item().map(|i| again[i].as_str()), Some("012"));
        // Gone: the nearest neighbour below it.
        view.start_reload(|i| again[i].clone());
        let without: Vec<String> = items.iter().filter(|s| *s != "012").cloned().collect();
        view.rebuild(&without, |s, o| o.text(s), |a, b| a.cmp(b));
        view.resolve_reload(|i| without[i].as_str(), without.len(), true);
        assert_eq!(
            view.selected_item().map(|i| without[i].as_str()),
            Some("013")
        );
    }

    #[test]
    fn better_matches_rank_first_in_sort_order() {
        let items: Vec<Vec<&str>> = vec![
            vec!["v1.2.8"],
            vec!["v1.2.5-rc1"],
            vec!["v1.2.5"],
            vec!["xv1.2.5"],
            vec!["v1.20.5"],
            vec!["latest"],
        ];
        let mut view = ListView::default();
        view.filter.set("v1.2.5");
        view.rebuild(
            &items,
            |tags, o| tags.iter().for_each(|t| o.text(t)),
            |a, b| a.cmp(b),
        );
        // equal, prefix, substring, fuzzy; v1.2.8 and latest do not match.
        assert_eq!(view.rows, [2, 1, 3, 4]);
        assert_eq!(view.filter.highlights("xv1.2.5"), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn syntax_operators_and_identifiers() {
        let fields = |texts: &[&str], id: &str| {
            let mut fields = Fields::default();
            texts.iter().for_each(|t| fields.text(t));
            fields.id(id);
            fields
        };
        let row = fields(&["main-3f2a", "Latest"], "sha256:abc123");
        let mut filter = FuzzyFilter::default();
        for (pattern, matches) in [
            ("'latest", true),
            ("'main", false),
            ("^main", true),
            ("^3f2a", false),
            ("3f2a$", true),
            ("!main", false),
            ("!beta", true),
            ("abc1", true),
            ("sha256:abc", true),
            ("bc12", false),
            ("LATEST", false),
            ("Latest main", true),
            ("!", true),
        ] {
            filter.set(pattern);
            assert_eq!(filter.matches(&row), matches, "{pattern}");
        }
        filter.set("sha256:ab");
        assert_eq!(filter.id_highlight("sha256:abc123"), 2);
    }

    pub(super) mod keyed {
        use super::super::{ListView, SortKey, sort_key};
        use jiff::Timestamp;
        use proptest::prelude::*;
        use std::cmp::Ordering;

        type Item = (Option<String>, Option<Timestamp>, u64);

        fn time() -> impl Strategy<Value = Option<Timestamp>> {
            // Negative times (before 1970), sub-millisecond differences (the key's
            // resolution) and the whole range; a small pool of values so that ties happen.
            prop_oneof![
                Just(None),
                (-3i64..3, -2i32..2, 0i32..3).prop_map(|(s, ms, ns)| {
                    Timestamp::new(s * 100_000_000, ms * 250_000_000 + ns * 300_000).ok()
                }),
                (Timestamp::MIN.as_second()..=Timestamp::MAX.as_second())
                    .prop_map(|s| Some(Timestamp::from_second(s).unwrap())),
            ]
        }

        fn text() -> impl Strategy<Value = Option<String>> {
            // Shared prefixes and lengths around the key's 14 bytes, so keys tie and the
            // comparator must decide; NUL against the key's zero padding.
            proptest::option::of("(main-|main-3f2a9c1d|main-3f2a9c1d0e4b5a|)[a\x00é]{0,3}")
        }

        fn item() -> impl Strategy<Value = Item> {
            (
                text(),
                time(),
                prop_oneof![0u64..4, Just(u64::MAX - 1), Just(u64::MAX)],
            )
        }

        fn compare(a: &Item, b: &Item, column: usize) -> Ordering {
            match column {
                0 => a.0.cmp(&b.0),
                1 => a.1.cmp(&b.1),
                _ => a.2.cmp(&b.2),
            }
            .then_with(|| a.1.cmp(&b.1))
        }

        fn key(item: &Item, column: usize) -> SortKey {
            let [high, low] = sort_key::time(item.1);
            match column {
                0 => sort_key::text_then(item.0.as_deref(), [high, low]),
                1 => [high, low, 0, 0],
                _ => [sort_key::number(item.2), high, low, 0],
            }
        }

        fn haystack(item: &Item, out: &mut super::super::Fields) {
            out.text(item.0.as_deref().unwrap_or(""));
        }

        /// Something that happens to a list between two rebuilds.
        #[derive(Clone, Debug)]
        enum Step {
            /// A page arrives.
            Append(Vec<Item>),
            /// An item changes in place (a repository's image count arrives).
            Change(usize, Item),
            /// All items are replaced (a refresh).
            Replace(Vec<Item>),
            Column(usize),
            Reverse,
            Filter(String),
            Move(isize),
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                3 => proptest::collection::vec(item(), 0..20).prop_map(Step::Append),
                1 => (0usize..40, item()).prop_map(|(i, item)| Step::Change(i, item)),
                1 => proptest::collection::vec(item(), 0..20).prop_map(Step::Replace),
                1 => (0usize..3).prop_map(Step::Column),
                1 => Just(Step::Reverse),
                1 => proptest::sample::select(vec!["", "m", "ma", "1", "é", "!a", "a$", "^m", "m a"])
                    .prop_map(|text| Step::Filter(text.to_string())),
                1 => (-5isize..5).prop_map(Step::Move),
            ]
        }

        proptest! {
            #[test]
            fn keys_never_invert_the_order(a in item(), b in item(), column in 0usize..3) {
                if compare(&a, &b, column) == Ordering::Less {
                    prop_assert!(key(&a, column) <= key(&b, column));
                }
            }

            /// A keyed list that reuses its sorted order across rebuilds ends up exactly
            /// where a comparator-only list that sorts everything every time does.
            #[test]
            fn keyed_rebuilds_match_full_comparator_sorts(
                steps in proptest::collection::vec(step(), 1..25),
            ) {
                let mut items: Vec<Item> = Vec::new();
                let mut plain = ListView::default();
                let mut keyed = ListView::default();
                for step in steps {
                    for view in [&mut plain, &mut keyed] {
                        match &step {
                            Step::Column(column) => view.sort_column = *column,
                            Step::Reverse => view.descending = !view.descending,
                            Step::Filter(text) => view.filter.set(text),
                            Step::Move(delta) => view.move_by(*delta, 4),
                            _ => {}
                        }
                    }
                    match step {
                        Step::Append(page) => items.extend(page),
                        Step::Change(i, item) => {
                            if let Some(slot) = items.get_mut(i) {
                                *slot = item;
                            }
                        }
                        Step::Replace(all) => items = all,
                        _ => {}
                    }
                    let column = plain.sort_column;
                    plain.rebuild(&items, haystack, |a, b| compare(a, b, column));
                    keyed.rebuild_keyed(
                        &items,
                        haystack,
                        |item| key(item, column),
                        |a, b| compare(a, b, column),
                    );
                    prop_assert_eq!(&plain.rows, &keyed.rows);
                    prop_assert_eq!(
                        (plain.selected, plain.offset),
                        (keyed.selected, keyed.offset)
                    );
                }
                // And both agree with a plain stable sort of the matching items, better
                // matches first.
                let column = plain.sort_column;
                let rank = |i: usize| {
                    let mut fields = super::super::Fields::default();
                    haystack(&items[i], &mut fields);
                    plain.filter.rank(&fields)
                };
                let mut expected: Vec<usize> =
                    (0..items.len()).filter(|&i| rank(i).is_some()).collect();
                expected.sort_by(|&a, &b| {
                    let order = compare(&items[a], &items[b], column);
                    rank(a).cmp(&rank(b)).then(if plain.descending { order.reverse() } else { order })
                });
                prop_assert_eq!(&plain.rows, &expected);
            }

            /// The filter agrees with a naive reading of its documented syntax: which rows
            /// match, and in which rank class (equal, prefix, substring, fuzzy).
            #[test]
            fn filter_matches_its_naive_model(
                pattern in "(!|'|\\^)?[aAbé.-]{0,3}[$]?( [!^]?[ab1]{1,2})?",
                rows in proptest::collection::vec(
                    (proptest::collection::vec("[ aAbBéÉ.\\-_/1]{0,8}", 0..3), "[ab1]{0,4}"),
                    1..20,
                ),
            ) {
                let mut filter = super::super::FuzzyFilter::default();
                filter.set(&pattern);
                for (texts, id) in rows {
                    let mut fields = super::super::Fields::default();
                    for text in &texts {
                        fields.text(text);
                    }
                    fields.id(&format!("sha256:{id}"));
                    let expected = naive::rank(&pattern, &texts, &id);
                    let got = filter.rank(&fields).map(|rank| rank >> 24);
                    prop_assert_eq!(
                        got,
                        expected,
                        "pattern {:?} texts {:?} id {:?}",
                        pattern,
                        texts,
                        id
                    );
                }
            }
        }

        /// The filter syntax written the slow, obvious way.
        pub(in crate::app::list) mod naive {
            fn fold(text: &str, ignore_case: bool) -> Vec<char> {
                text.chars()
                    .map(|c| {
                        if ignore_case {
                            c.to_lowercase().next().unwrap_or(c)
                        } else {
                            c
                        }
                    })
                    .collect()
            }

            fn subsequence(needle: &[char], hay: &[char]) -> bool {
                let mut rest = hay.iter();
                needle.iter().all(|n| rest.any(|h| h == n))
            }

            fn contains(hay: &[char], needle: &[char]) -> bool {
                needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
            }

            /// The rank class of a row (0 equal … 3 fuzzy), `None` when it is filtered out.
            pub fn rank(pattern: &str, texts: &[String], id: &str) -> Option<u32> {
                let mut worst = 0;
                for word in pattern.split_whitespace() {
                    let (negative, word) = match word.strip_prefix('!') {
                        Some(rest) => (true, rest),
                        None => (false, word),
                    };
                    // 0 any, 1 equal, 2 prefix, 3 suffix
                    let (kind, word) = if let Some(rest) = word.strip_prefix('\'') {
                        (1, rest)
                    } else if let Some(rest) = word.strip_prefix('^') {
                        match rest.strip_suffix('$') {
                            Some(both) if !both.is_empty() => (1, both),
                            _ => (2, rest),
                        }
                    } else if word.len() > 1 && word.ends_with('$') {
                        (3, &word[..word.len() - 1])
                    } else {
                        (0, word)
                    };
                    if word.is_empty() {
                        continue;
                    }
                    let ignore_case = !word.chars().any(char::is_uppercase);
                    let needle = fold(word, ignore_case);
                    let id_needle: Vec<char> = {
                        let folded: String = needle.iter().collect();
                        folded
                            .strip_prefix("sha256:")
                            .unwrap_or(&folded)
                            .chars()
                            .collect()
                    };
                    let mut best: Option<u32> = None;
                    let mut consider =
                        |class: u32| best = Some(best.map_or(class, |b| b.min(class)));
                    for text in texts {
                        let hay = fold(text, ignore_case);
                        if hay == needle {
                            consider(0);
                        } else if hay.starts_with(&needle) && kind != 1 && kind != 3 {
                            consider(1);
                        } else if (kind == 3 && hay.ends_with(&needle))
                            || (kind == 0 && contains(&hay, &needle))
                        {
                            consider(2);
                        } else if kind == 0 && !negative && subsequence(&needle, &hay) {
                            consider(3);
                        }
                    }
                    let hay = fold(id, ignore_case);
                    if hay == id_needle && kind != 3 {
                        consider(0);
                    } else if (kind == 0 || kind == 2) && hay.starts_with(&id_needle) {
                        consider(1);
                    }
                    match (best, negative) {
                        (Some(_), true) | (None, false) => return None,
                        (None, true) => {}
                        (Some(class), false) => worst = worst.max(class),
                    }
                }
                Some(worst)
            }
        }
    }
}
