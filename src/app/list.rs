//! The derived view of a table: which items show, in what order, and where the cursor is.
//!
//! Filtering and sorting work on item indices; items are never cloned or moved. At
//! 100,000 images (ECR's per-repository maximum) every rebuild has to finish well inside
//! a frame, so the sorted order is kept between rebuilds and reused while it still holds:
//! a filter keystroke only re-matches, a page of new images is sorted on its own and
//! merged in, and only a change of sort column or direction sorts everything again.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::cell::{RefCell, RefMut};
use std::cmp::Ordering;

pub use sort_key::SortKey;

/// A fuzzy filter that keeps its matcher and buffers between keystrokes.
pub struct FuzzyFilter {
    text: String,
    pattern: Pattern,
    /// Per atom of `pattern`: the case and normalisation settings its own `score` uses.
    modes: Vec<AtomMode>,
    // The matcher is scratch space; highlighting visible rows borrows it from `view`.
    matcher: RefCell<Matcher>,
    buf: RefCell<Vec<char>>,
}

#[derive(Clone, Copy)]
struct AtomMode {
    ignore_case: bool,
    normalize: bool,
}

impl Default for FuzzyFilter {
    fn default() -> Self {
        Self {
            text: String::new(),
            pattern: Pattern::default(),
            modes: Vec::new(),
            matcher: RefCell::new(Matcher::new(Config::DEFAULT)),
            buf: RefCell::new(Vec::new()),
        }
    }
}

impl std::fmt::Debug for FuzzyFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FuzzyFilter").field(&self.text).finish()
    }
}

impl FuzzyFilter {
    /// The filter text as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_active(&self) -> bool {
        !self.text.is_empty()
    }

    pub fn set(&mut self, text: &str) {
        if text == self.text {
            return;
        }
        self.text = text.to_string();
        self.pattern
            .reparse(text, CaseMatching::Smart, Normalization::Smart);
        // nucleo keeps each atom's case and normalisation settings private, but every
        // `Atom::score` writes them into the matcher's config before matching: read them
        // back once here instead of re-deriving nucleo's smart-case rules.
        let matcher = self.matcher.get_mut();
        self.modes = self
            .pattern
            .atoms
            .iter()
            .map(|atom| {
                atom.score(Utf32Str::Ascii(b""), matcher);
                AtomMode {
                    ignore_case: matcher.config.ignore_case,
                    normalize: matcher.config.normalize,
                }
            })
            .collect();
    }

    /// A matcher for many haystacks in a row: borrows the scratch space once.
    fn batch(&self) -> BatchMatch<'_> {
        BatchMatch {
            filter: self,
            matcher: self.matcher.borrow_mut(),
            buf: self.buf.borrow_mut(),
        }
    }

    /// Whether `haystack` matches (always true with no filter).
    pub fn matches(&self, haystack: &str) -> bool {
        self.text.is_empty() || self.batch().matches(haystack)
    }

    /// Character positions of `haystack` that the filter matched, sorted, for highlighting.
    pub fn highlights(&self, haystack: &str) -> Vec<usize> {
        if self.text.is_empty() {
            return Vec::new();
        }
        let mut buf = self.buf.borrow_mut();
        let mut matcher = self.matcher.borrow_mut();
        let mut indices = Vec::new();
        self.pattern.indices(
            Utf32Str::new(haystack, &mut buf),
            &mut matcher,
            &mut indices,
        );
        indices.sort_unstable();
        indices.dedup();
        indices.into_iter().map(|i| i as usize).collect()
    }
}

/// The filter's pattern with its scratch space held for a whole pass over the items.
struct BatchMatch<'a> {
    filter: &'a FuzzyFilter,
    matcher: RefMut<'a, Matcher>,
    buf: RefMut<'a, Vec<char>>,
}

impl BatchMatch<'_> {
    /// Whether `Pattern::score` would be `Some` for `haystack`, answered more cheaply:
    /// only membership matters here, not the best score.
    fn matches(&mut self, haystack: &str) -> bool {
        let haystack = Utf32Str::new(haystack, &mut self.buf);
        let matcher = &mut *self.matcher;
        let atoms = &self.filter.pattern.atoms;
        atoms.iter().zip(&self.filter.modes).all(|(atom, mode)| {
            let needle = atom.needle_text();
            let ascii =
                matches!(haystack, Utf32Str::Ascii(_)) && matches!(needle, Utf32Str::Ascii(_));
            if atom.kind == AtomKind::Fuzzy && ascii {
                // For ASCII haystack and needle, the optimal matcher finds a match exactly
                // when the greedy one does (both start from the same prefilter); the
                // greedy one is linear where the optimal one fills a score matrix.
                matcher.config.ignore_case = mode.ignore_case;
                matcher.config.normalize = mode.normalize;
                matcher.fuzzy_match_greedy(haystack, needle).is_some() != atom.negative
            } else {
                atom.score(haystack, matcher).is_some()
            }
        })
    }
}

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
    sorted: SortedOrder,
}

impl std::fmt::Debug for ListView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The rows of a 100,000-image list would drown any debug print.
        f.debug_struct("ListView")
            .field("rows", &self.rows.len())
            .field("selected", &self.selected)
            .field("offset", &self.offset)
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
        haystack: impl Fn(&T, &mut String),
        compare: impl Fn(&T, &T) -> Ordering,
    ) {
        self.rebuild_keyed(items, haystack, |_| SortKey::default(), compare);
    }

    /// `rebuild` for large lists: `key` places each item once, so sorting compares small
    /// keys instead of items scattered across memory, and the sorted order can be reused
    /// by the next rebuild while every item's key is unchanged. `compare` orders only
    /// items with equal keys; the two must agree (`key(a) < key(b)` implies
    /// `compare(a, b) == Less`). The `sort_key` helpers build such keys.
    pub fn rebuild_keyed<T>(
        &mut self,
        items: &[T],
        haystack: impl Fn(&T, &mut String),
        key: impl Fn(&T) -> SortKey,
        compare: impl Fn(&T, &T) -> Ordering,
    ) {
        let previous = self.selected_item();
        let screen_row = self.selected.saturating_sub(self.offset);
        self.sorted.update(items, key, self.descending, |a, b| {
            compare(&items[a as usize], &items[b as usize])
        });
        let entries = &self.sorted.entries;
        self.rows.clear();
        if self.filter.is_active() {
            // Matched in item order (sequential memory), then read in display order.
            let mut matching = self.filter.batch();
            let mut text = String::new();
            let matched: Vec<bool> = items
                .iter()
                .map(|item| {
                    text.clear();
                    haystack(item, &mut text);
                    matching.matches(&text)
                })
                .collect();
            self.rows.extend(
                entries
                    .iter()
                    .map(|&(_, index)| index as usize)
                    .filter(|&index| matched[index]),
            );
        } else {
            self.rows
                .extend(entries.iter().map(|&(_, index)| index as usize));
        }
        match previous.and_then(|item| self.rows.iter().position(|&r| r == item)) {
            Some(position) => {
                self.selected = position;
                self.offset = position.saturating_sub(screen_row);
            }
            None => {
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
                self.offset = self.offset.min(self.selected);
            }
        }
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

    /// Move the cursor by `delta` rows, keeping it inside a viewport of `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    pub fn first(&mut self, height: usize) {
        self.selected = 0;
        self.scroll_into_view(height);
    }

    pub fn last(&mut self, height: usize) {
        self.selected = self.rows.len().saturating_sub(1);
        self.scroll_into_view(height);
    }

    /// Adjust `offset` so the cursor is visible in a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.rows.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
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
        view.rebuild(items, |s, out| out.push_str(s), |a, b| a.cmp(b));
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
        view.rebuild(&items, |s, o| o.push_str(s), |a, b| a.cmp(b));
        view.move_by(15, 10);
        assert_eq!((view.selected, view.offset), (15, 6));
        view.move_by(-12, 10);
        assert_eq!((view.selected, view.offset), (3, 3));
        view.last(10);
        assert_eq!((view.selected, view.offset), (99, 90));
        view.move_by(50, 10);
        assert_eq!(view.selected, 99);
    }

    mod keyed {
        use super::super::{ListView, SortKey, sort_key};
        use jiff::Timestamp;
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        use nucleo_matcher::{Config, Matcher, Utf32Str};
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

        fn haystack(item: &Item, out: &mut String) {
            out.push_str(item.0.as_deref().unwrap_or(""));
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
                // And both agree with a plain stable sort of the matching items.
                let column = plain.sort_column;
                let mut expected: Vec<usize> = (0..items.len())
                    .filter(|&i| {
                        let mut text = String::new();
                        haystack(&items[i], &mut text);
                        plain.filter.matches(&text)
                    })
                    .collect();
                expected.sort_by(|&a, &b| {
                    let order = compare(&items[a], &items[b], column);
                    if plain.descending { order.reverse() } else { order }
                });
                prop_assert_eq!(&plain.rows, &expected);
            }

            /// The membership shortcut answers exactly as nucleo's scoring would.
            #[test]
            fn filter_membership_matches_nucleo_scoring(
                pattern in "[ !^$'\\\\aAbBé.-]{0,6}",
                haystacks in proptest::collection::vec("[ aAbBéÉ.\\-_/0-9]{0,12}", 1..20),
            ) {
                let mut filter = super::super::FuzzyFilter::default();
                filter.set(&pattern);
                let reference = Pattern::parse(&pattern, CaseMatching::Smart, Normalization::Smart);
                let mut matcher = Matcher::new(Config::DEFAULT);
                let mut buf = Vec::new();
                for haystack in haystacks {
                    let expected = pattern.is_empty()
                        || reference
                            .score(Utf32Str::new(&haystack, &mut buf), &mut matcher)
                            .is_some();
                    prop_assert_eq!(
                        filter.matches(&haystack),
                        expected,
                        "pattern {:?} haystack {:?}",
                        pattern,
                        haystack
                    );
                }
            }
        }
    }
}
