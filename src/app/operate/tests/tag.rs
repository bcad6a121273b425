//! Tags: validated, checked against the registry, moved only after a yes, refused with a
//! reason where tags are immutable.

use super::{chars, images_state, press};
use crate::app::action::{Action, Effect};
use crate::app::operate::{Dialog, TagResult};
use crate::app::update;
use crate::ecr::model::TagMutability;
use crossterm::event::KeyCode;

#[test]
fn tag_prompt_validates_then_checks_then_asks_before_moving() {
    let mut state = images_state(3);
    press(&mut state, KeyCode::Char('t'));
    chars(&mut state, "-bad");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    let Some(Dialog::TagPrompt { error: Some(_), .. }) = &state.dialog else {
        panic!("an invalid tag should be refused in the prompt");
    };
    for _ in 0..4 {
        press(&mut state, KeyCode::Backspace);
    }
    chars(&mut state, "v9");
    let effects = press(&mut state, KeyCode::Enter);
    let Some(Effect::CheckTag { digest, tag, .. }) = effects.first().cloned() else {
        panic!("a valid tag is checked first: {effects:?}");
    };
    assert_eq!(tag, "v9");
    update(
        &mut state,
        Action::TagChecked {
            digest: digest.clone(),
            tag: tag.clone(),
            result: Ok(Some("sha256:other".into())),
        },
    );
    assert!(matches!(state.dialog, Some(Dialog::ConfirmMove { .. })));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(effects.as_slice(), [Effect::PutTag { tag, .. }] if tag == "v9"));
    let effects = update(
        &mut state,
        Action::TagPut {
            tag: "v9".into(),
            result: TagResult::Moved {
                from: "sha256:other".into(),
            },
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchImages { .. })),
        "the list is reloaded from the registry"
    );
}

#[test]
fn an_immutable_repository_refuses_to_move_a_tag_with_a_reason() {
    let mut state = images_state(3);
    state.images.repository.as_mut().unwrap().tag_mutability = TagMutability::Immutable;
    press(&mut state, KeyCode::Char('t'));
    chars(&mut state, "v1");
    let effects = press(&mut state, KeyCode::Enter);
    let Some(Effect::CheckTag { digest, .. }) = effects.first().cloned() else {
        panic!("expected a check");
    };
    let effects = update(
        &mut state,
        Action::TagChecked {
            digest,
            tag: "v1".into(),
            result: Ok(Some("sha256:elsewhere".into())),
        },
    );
    assert!(effects.is_empty(), "nothing is put");
    // One refusal of one image: the status line says why, no dialog takes the next key.
    assert!(state.dialog.is_none());
    let error = state.status.error_text().expect("an explanation");
    assert!(error.contains("IMMUTABLE"), "{error}");
}

#[test]
fn a_tag_success_goes_to_the_status_line_and_the_next_key_acts() {
    let mut state = images_state(3);
    press(&mut state, KeyCode::Char('t'));
    chars(&mut state, "v9");
    let effects = press(&mut state, KeyCode::Enter);
    let Some(Effect::CheckTag { digest, .. }) = effects.first().cloned() else {
        panic!("expected a check");
    };
    update(
        &mut state,
        Action::TagChecked {
            digest,
            tag: "v9".into(),
            result: Ok(None),
        },
    );
    update(
        &mut state,
        Action::TagPut {
            tag: "v9".into(),
            result: TagResult::Tagged,
        },
    );
    assert!(state.dialog.is_none(), "no report for a success");
    assert_eq!(state.status.info_text(), Some("v9 now names this image"));
}
