//! The mouse: the wheel scrolls, a click selects a row or sorts by the column header.

use super::user_moved;
use crate::app::action::Effect;
use crate::app::state::{IMAGE_SORTS, Mode, Pane, State};

/// First screen row of table rows (below the title and the column header).
const FIRST_ROW: u16 = 2;

/// A mouse event over the normal screen (dialogs, prompts and help take none).
pub(super) fn on_mouse(state: &mut State, mouse: crossterm::event::MouseEvent) -> Vec<Effect> {
    use crossterm::event::{MouseButton, MouseEventKind};
    if state.mode != Mode::Normal {
        return Vec::new();
    }
    if state.info.visible || state.image_detail.visible {
        let scroll_by = if state.image_detail.visible {
            crate::app::image_detail::scroll_by
        } else {
            crate::app::info::scroll_by
        };
        match mouse.kind {
            MouseEventKind::ScrollDown => scroll_by(state, 3),
            MouseEventKind::ScrollUp => scroll_by(state, -3),
            _ => return Vec::new(),
        }
        state.dirty = true;
        return Vec::new();
    }
    let height = state.body_height();
    match mouse.kind {
        MouseEventKind::ScrollDown => {
            state.current_list().move_by(3, height);
            user_moved(state);
        }
        MouseEventKind::ScrollUp => {
            state.current_list().move_by(-3, height);
            user_moved(state);
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if mouse.column >= crate::layout::table_width(state.width) {
                return Vec::new();
            }
            if mouse.row == FIRST_ROW - 1 {
                let absolute = state.time_style.absolute;
                let audit_view = state.repositories.audit_view;
                let table: &[crate::layout::Column] = match state.pane {
                    Pane::Registries | Pane::Findings | Pane::Triage => return Vec::new(),
                    Pane::Repositories if audit_view => &crate::layout::AUDIT_COLUMNS,
                    Pane::Repositories => &crate::layout::REPOSITORY_COLUMNS,
                    Pane::Images => &crate::layout::IMAGE_COLUMNS,
                };
                let Some(name) = crate::layout::sort_at(table, state.width, mouse.column, absolute)
                else {
                    return Vec::new();
                };
                let columns: &[&str] = match state.pane {
                    Pane::Images => &IMAGE_SORTS,
                    _ => &crate::app::state::ALL_REPOSITORY_SORTS,
                };
                let Some(column) = columns.iter().position(|c| *c == name) else {
                    return Vec::new();
                };
                let images = state.pane == Pane::Images;
                let list = state.current_list();
                if list.sort_column == column {
                    list.descending = !list.descending;
                } else {
                    list.sort_column = column;
                    list.descending = column != 0 || images;
                }
                state.rebuild_current();
                state.current_list().show_from_top();
            } else if mouse.row >= FIRST_ROW && usize::from(mouse.row - FIRST_ROW) < height {
                let list = state.current_list();
                let position = list.offset + usize::from(mouse.row - FIRST_ROW);
                if position < list.rows.len() {
                    list.select(position);
                    user_moved(state);
                }
            } else {
                return Vec::new();
            }
        }
        _ => return Vec::new(),
    }
    state.dirty = true;
    Vec::new()
}
