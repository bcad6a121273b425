//! Keys pressed while a registry call the user waits for was in flight: held, not lost,
//! and acted on once the answer has arrived, unless the answer asks a question.

use crate::app::action::{Action, Effect};
use crate::app::operate;
use crate::app::state::State;
use crate::app::status::Topic;
use crossterm::event::KeyEvent;

/// How many keys pressed while a registry call is in flight are kept to act afterwards.
const MAX_HELD_KEYS: usize = 16;

/// Keep `key`, pressed while the registry is busy, to act on once it has answered.
pub(crate) fn hold(state: &mut State, key: KeyEvent) {
    if state.held_keys.len() < MAX_HELD_KEYS {
        state.held_keys.push(key);
    }
}

/// After an answer: the held keys act now, in order, or, when the answer opened a
/// dialog, the status line says they were not used.
pub(super) fn replay(state: &mut State) -> Vec<Effect> {
    if state.held_keys.is_empty() || operate::is_busy(state) {
        return Vec::new();
    }
    let mut effects = Vec::new();
    let held = std::mem::take(&mut state.held_keys);
    if state.dialog.is_some() {
        // The answer asks a question (move the tag?) or reports a failure: keys typed
        // before it was on screen must never answer it. Say they were not used.
        let count = held.len();
        state.status.info(
            Topic::Command,
            format!(
                "{count} key{} typed while berth waited not used: the dialog needs an answer",
                if count == 1 { "" } else { "s" }
            ),
        );
    } else {
        // The registry answered: the keys pressed while it was busy act now, in
        // order, on what the screen shows after the answer.
        for key in held {
            effects.extend(super::apply(state, Action::Key(key)));
        }
    }
    effects
}
