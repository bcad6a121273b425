//! Where the cursor and the viewport are: moves for the user, the first row until the
//! user moves, the user's item across rebuilds, and across reloads by item identity.

use super::ListView;
use crate::app::keymap::Command;

/// The user's place in a list being reloaded, by item identity (indices do not survive
/// a reload): the selected item's key first, then its neighbours, nearest first.
#[derive(Debug)]
pub(super) struct Reload {
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

impl Anchor {
    /// The item the cursor was on.
    pub fn item(&self) -> Option<usize> {
        self.item
    }

    /// Put the cursor on `item` instead (where the rows now show the anchored item
    /// inside another, such as a row folded under its parent).
    pub fn move_to(&mut self, item: usize) {
        self.item = Some(item);
    }
}

/// How many neighbours on each side a reload remembers, in case the item itself is gone.
const RELOAD_NEIGHBOURS: usize = 16;

impl ListView {
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

    /// Move the cursor as a movement command asks (a row, a page of `height` rows, the
    /// first or last row); false, and nothing moved, for any other command.
    pub fn navigate(&mut self, command: Command, height: usize) -> bool {
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
