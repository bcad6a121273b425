//! The derived view of a table: which items show, in what order, and where the cursor is.
//!
//! Filtering and sorting work on item indices; items are never cloned or moved.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::cell::RefCell;
use std::cmp::Ordering;

/// A fuzzy filter that keeps its matcher and buffers between keystrokes.
pub struct FuzzyFilter {
    text: String,
    pattern: Pattern,
    // The matcher is scratch space; highlighting visible rows borrows it from `view`.
    matcher: RefCell<Matcher>,
    buf: RefCell<Vec<char>>,
}

impl Default for FuzzyFilter {
    fn default() -> Self {
        Self {
            text: String::new(),
            pattern: Pattern::default(),
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
    }

    /// Whether `haystack` matches (always true with no filter).
    pub fn matches(&self, haystack: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let mut buf = self.buf.borrow_mut();
        let mut matcher = self.matcher.borrow_mut();
        self.pattern
            .score(Utf32Str::new(haystack, &mut buf), &mut matcher)
            .is_some()
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

/// Which items of a list are visible, in display order, plus cursor and scroll position.
#[derive(Debug, Default)]
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
        let previous = self.selected_item();
        let screen_row = self.selected.saturating_sub(self.offset);
        let mut text = String::new();
        let mut rows: Vec<usize> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            if self.filter.is_active() {
                text.clear();
                haystack(item, &mut text);
                if !self.filter.matches(&text) {
                    continue;
                }
            }
            rows.push(index);
        }
        let descending = self.descending;
        rows.sort_by(|&a, &b| {
            let order = compare(&items[a], &items[b]);
            let order = if descending { order.reverse() } else { order };
            // Ties fall back to arrival order so the result never depends on sort stability.
            order.then(a.cmp(&b))
        });
        self.rows = rows;
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
}
