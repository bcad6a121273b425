//! Retagging or untagging a multi-arch index says that its platforms stay as they are,
//! with their count once the index has been read.

use super::press;
use super::refused::{index_state, index_state_tagged};
use crate::app::operate::{DeleteKind, Dialog};
use crossterm::event::KeyCode;

#[test]
fn tagging_an_index_says_its_platforms_stay() {
    let mut state = index_state();
    press(&mut state, KeyCode::Char('t'));
    let Some(Dialog::TagPrompt { note, .. }) = &state.dialog else {
        panic!("t opens the tag prompt: {:?}", state.dialog);
    };
    assert_eq!(
        note.as_deref(),
        Some(
            "a multi-arch index: the new tag names the index alone; its 2 platforms \
             (child images) stay as they are"
        )
    );
    // A plain image gets no such note.
    press(&mut state, KeyCode::Esc);
    for _ in 0..3 {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Char('t'));
    assert!(matches!(
        &state.dialog,
        Some(Dialog::TagPrompt { note: None, .. })
    ));
}

#[test]
fn removing_the_last_tag_of_an_index_says_its_platforms_stay() {
    let mut state = index_state();
    press(&mut state, KeyCode::Char('T'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!(
            "T on a single-tag image confirms a delete: {:?}",
            state.dialog
        );
    };
    assert_eq!(plan.kind, DeleteKind::LastTag);
    assert_eq!(
        plan.notes,
        [
            "a multi-arch index: ECR deletes the index with its last tag; its 2 platforms \
          (child images) stay as they are"
        ]
    );
}

#[test]
fn removing_one_of_an_index_s_tags_says_its_platforms_stay() {
    let mut state = index_state_tagged(&["v1.5.0", "stable"]);
    press(&mut state, KeyCode::Char('T'));
    assert!(matches!(state.dialog, Some(Dialog::ChooseTag { .. })));
    press(&mut state, KeyCode::Enter);
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("choosing a tag confirms the untag: {:?}", state.dialog);
    };
    assert_eq!(plan.kind, DeleteKind::Untag);
    assert_eq!(
        plan.notes,
        [
            "a multi-arch index: removing a tag changes the index alone; its 2 platforms \
          (child images) stay as they are"
        ]
    );
}

#[test]
fn before_the_index_is_read_the_count_is_said_to_be_unknown() {
    let mut state = index_state();
    state.images.parents.clear();
    press(&mut state, KeyCode::Char('t'));
    let Some(Dialog::TagPrompt {
        note: Some(note), ..
    }) = &state.dialog
    else {
        panic!("the index still gets a note: {:?}", state.dialog);
    };
    assert!(
        note.ends_with("its platforms (child images) stay as they are (how many is not known yet)"),
        "{note}"
    );
}
