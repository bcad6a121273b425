//! Marks, confirmations and the guarantee that only confirmed ids are deleted.

mod delete;
mod index;
mod marks;
mod refused;
mod tag;

use crate::app::action::{Action, Effect};
use crate::app::fixtures::{image, open_with_images, with_repositories};
use crate::app::state::State;
use crate::app::update;
use crate::ecr::mutate::ImageRef;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(super) fn chars(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

pub(super) fn images_state(count: u64) -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    let images = (0..count)
        .map(|n| match n % 3 {
            0 => image(n, &[], n as i64),
            1 => image(n, &[&format!("v{n}")], n as i64),
            _ => image(n, &[&format!("v{n}"), &format!("main-{n}")], n as i64),
        })
        .collect();
    open_with_images(&mut state, images);
    state
}

pub(super) fn deleted_ids(effects: &[Effect]) -> Option<Vec<ImageRef>> {
    effects.iter().find_map(|e| match e {
        Effect::DeleteImages { delete } => Some(delete.ids()),
        _ => None,
    })
}

/// What the status line's marked total must equal: the listed marked images' sizes.
pub(super) fn naive_marked_bytes(state: &State) -> u64 {
    let pane = &state.images;
    pane.images
        .iter()
        .filter(|i| pane.marked.contains(&i.digest))
        .map(|i| i.size_bytes)
        .sum()
}
