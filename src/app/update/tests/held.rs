//! Keys pressed while the registry was busy: they act once it has answered, and never
//! answer a question the answer raises.

use super::{copied, selected_image_digest, three_images};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::*;
use crate::app::update;
use crossterm::event::KeyCode;

#[test]
fn a_key_pressed_while_the_registry_answers_acts_once_it_has() {
    let mut state = three_images();
    let digest = selected_image_digest(&state);
    update(&mut state, char_key('t'));
    for c in "v9".chars() {
        update(&mut state, char_key(c));
    }
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::CheckTag { .. })),
        "{effects:?}"
    );
    // `y` straight after: held, not lost, not acted on under the busy dialog.
    let effects = update(&mut state, char_key('y'));
    assert!(copied(&effects).is_none());
    let effects = update(
        &mut state,
        Action::TagChecked {
            digest: digest.clone(),
            tag: "v9".into(),
            result: Ok(None),
        },
    );
    assert!(copied(&effects).is_none(), "still waiting for PutImage");
    let effects = update(
        &mut state,
        Action::TagPut {
            tag: "v9".into(),
            result: crate::app::operate::TagResult::Tagged,
        },
    );
    let text = copied(&effects).expect("the held y copies once the tag is put");
    assert!(text.ends_with(&format!("web/app@{digest}")), "{text}");
    assert!(state.held_keys.is_empty());
}

/// A key typed while the registry checked the tag must never answer the question the
/// answer raises (the tag names another image: move it?).
#[test]
fn a_held_key_never_answers_a_question_it_was_typed_before() {
    let mut state = three_images();
    let digest = selected_image_digest(&state);
    let other = state.images.images[1].digest.clone();
    update(&mut state, char_key('t'));
    for c in "v9".chars() {
        update(&mut state, char_key(c));
    }
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, char_key('y'));
    let effects = update(
        &mut state,
        Action::TagChecked {
            digest,
            tag: "v9".into(),
            result: Ok(Some(other)),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::PutTag { .. })),
        "the held y must not confirm the move: {effects:?}"
    );
    assert!(state.dialog.is_some(), "the move question is on screen");
    assert!(state.held_keys.is_empty());
    assert_eq!(
        state.status.info_text(),
        Some("1 key typed while berth waited not used: the dialog needs an answer")
    );
}
