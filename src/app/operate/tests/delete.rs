//! Deletes: confirmed with y or the typed repository name, exactly the ids the dialog
//! showed, reported id by id.

use super::{chars, deleted_ids, images_state, naive_marked_bytes, press};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::image;
use crate::app::operate::{DeleteKind, DeleteLine, Dialog, TYPED_CONFIRM_ABOVE};
use crate::app::update;
use crate::ecr::mutate::ImageRef;
use crossterm::event::KeyCode;
use proptest::prelude::*;

#[test]
fn delete_confirms_with_y_and_sends_exactly_the_listed_digests() {
    let mut state = images_state(5);
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, typed, .. }) = &state.dialog else {
        panic!("d should open the confirmation");
    };
    assert!(typed.is_none(), "two images need only y");
    assert_eq!(plan.kind, DeleteKind::Images);
    let shown: Vec<ImageRef> = plan.entries.iter().map(|e| e.id.clone()).collect();
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(deleted_ids(&effects), Some(shown));
    assert!(matches!(state.dialog, Some(Dialog::Busy { .. })));
}

#[test]
fn n_or_esc_cancels_without_any_effect() {
    for key in [KeyCode::Char('n'), KeyCode::Esc] {
        let mut state = images_state(3);
        press(&mut state, KeyCode::Char('d'));
        let effects = press(&mut state, key);
        assert!(effects.is_empty());
        assert!(state.dialog.is_none());
    }
}

#[test]
fn bulk_deletes_need_the_repository_name_typed() {
    let mut state = images_state(TYPED_CONFIRM_ABOVE as u64 + 5);
    press(&mut state, KeyCode::Char('V'));
    press(&mut state, KeyCode::Char('d'));
    assert!(matches!(
        &state.dialog,
        Some(Dialog::ConfirmDelete { typed: Some(_), .. })
    ));
    assert!(
        press(&mut state, KeyCode::Char('y')).is_empty(),
        "y is text here"
    );
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        deleted_ids(&effects).is_none(),
        "'y' is not the repository name"
    );
    for _ in 0..1 {
        press(&mut state, KeyCode::Backspace);
    }
    chars(&mut state, "web/app");
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(deleted_ids(&effects).map(|ids| ids.len()), Some(15));
}

#[test]
fn a_refresh_during_the_dialog_cannot_change_what_is_deleted() {
    let mut state = images_state(4);
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("expected the confirmation");
    };
    let shown: Vec<ImageRef> = plan.entries.iter().map(|e| e.id.clone()).collect();
    // New data arrives: different images under the cursor, more marks.
    let generation = state.images.generation;
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(crate::ecr::model::Page {
                items: vec![image(99, &["new"], 0)],
                next_token: None,
            }),
        },
    );
    state.images.marked.mark(&image(99, &[], 0));
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(deleted_ids(&effects), Some(shown));
}

#[test]
fn untagging_the_last_tag_is_a_delete_and_says_so() {
    let mut state = images_state(3);
    // Rows are newest first: image 0 (untagged), 1 (one tag), 2 (two tags).
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('T'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("T on a single-tag image should ask for delete confirmation");
    };
    assert_eq!(plan.kind, DeleteKind::LastTag);
    assert_eq!(plan.entries[0].id, ImageRef::Tag("v1".into()));
    press(&mut state, KeyCode::Esc);
    // Two tags: choose one; the image stays.
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('T'));
    assert!(matches!(state.dialog, Some(Dialog::ChooseTag { .. })));
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Enter);
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("choosing a tag should ask for confirmation");
    };
    assert_eq!(plan.kind, DeleteKind::Untag);
    assert_eq!(plan.entries[0].id, ImageRef::Tag("main-2".into()));
}

#[test]
fn a_report_closes_only_with_its_own_keys() {
    let mut state = images_state(3);
    state.dialog = Some(Dialog::Report {
        title: "deleted 1, 1 failed".into(),
        lines: vec![("FAILED x".into(), true)],
    });
    press(&mut state, KeyCode::Char('y'));
    assert!(state.dialog.is_some(), "y is not the report's key");
    press(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
}

#[test]
fn a_partial_delete_reports_each_failed_id_first() {
    let mut state = images_state(3);
    press(&mut state, KeyCode::Char('V'));
    let effects = {
        press(&mut state, KeyCode::Char('d'));
        press(&mut state, KeyCode::Char('y'))
    };
    let Some(Effect::DeleteImages { delete }) = effects.first().cloned() else {
        panic!("expected a delete");
    };
    let ids = delete.ids();
    let lines = vec![
        DeleteLine {
            id: ids[0].clone(),
            failure: None,
        },
        DeleteLine {
            id: ids[1].clone(),
            failure: Some(("ImageReferencedByManifestList".into(), "in use".into())),
        },
        DeleteLine {
            id: ids[2].clone(),
            failure: None,
        },
    ];
    update(
        &mut state,
        Action::DeleteFinished {
            delete,
            result: Ok(lines),
        },
    );
    let Some(Dialog::Report { title, lines }) = &state.dialog else {
        panic!("expected a report");
    };
    assert_eq!(title, "deleted 2, 1 failed");
    assert!(lines[0].1 && lines[0].0.contains("ImageReferencedByManifestList"));
    assert_eq!(
        state.images.marked.len(),
        1,
        "only the failed image stays marked"
    );
    assert_eq!(state.images.marked.bytes(), naive_marked_bytes(&state));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the user marks, filters and presses, the ids sent to BatchDeleteImage are
    /// a subset of what the confirmation dialog showed.
    #[test]
    fn deleted_ids_are_always_a_subset_of_the_dialog(
        keys in proptest::collection::vec(
            prop_oneof![
                Just(KeyCode::Char(' ')), Just(KeyCode::Char('j')), Just(KeyCode::Char('k')),
                Just(KeyCode::Char('V')), Just(KeyCode::Char('d')), Just(KeyCode::Char('y')),
                Just(KeyCode::Char('n')), Just(KeyCode::Char('T')), Just(KeyCode::Enter),
                Just(KeyCode::Esc), Just(KeyCode::Char('s')), Just(KeyCode::Char('w')),
            ],
            1..60,
        )
    ) {
        let mut state = images_state(14);
        for key in keys {
            let shown: Option<Vec<ImageRef>> = match &state.dialog {
                Some(Dialog::ConfirmDelete { plan, .. }) => {
                    Some(plan.entries.iter().map(|e| e.id.clone()).collect())
                }
                _ => None,
            };
            let effects = press(&mut state, key);
            if let Some(sent) = deleted_ids(&effects) {
                let shown = shown.expect("a delete was sent without a confirmation dialog");
                prop_assert!(sent.iter().all(|id| shown.contains(id)));
            }
            // Close result dialogs so the sequence keeps exploring.
            if matches!(state.dialog, Some(Dialog::Busy { .. })) {
                state.dialog = None;
            }
        }
    }
}

/// `web/app` with image 0 (`v0`), its cosign signature (1) and SBOM (2), and an
/// unrelated image 3 (`v3`).
fn signed_state() -> crate::app::state::State {
    let mut state = crate::app::fixtures::with_repositories(&["web/app"]);
    let mut images = vec![
        image(0, &["v0"], 4),
        image(1, &[], 3),
        image(2, &[], 2),
        image(3, &["v3"], 1),
    ];
    let subject = images[0].digest.clone();
    images[1].subject_digest = Some(subject.clone());
    images[1].artifact_type = Some("application/vnd.dev.cosign.artifact.sig.v1+json".into());
    images[2].subject_digest = Some(subject);
    images[2].artifact_type = Some("application/spdx+json".into());
    crate::app::fixtures::open_with_images(&mut state, images);
    state
}

/// Select the image tagged `tag` and press `d`.
fn delete_tagged(state: &mut crate::app::state::State, tag: &str) {
    press(state, KeyCode::Char('g'));
    while state
        .images
        .list
        .selected_item()
        .map(|i| state.images.images[i].tags.clone())
        != Some(vec![tag.to_string()])
    {
        press(state, KeyCode::Char('j'));
    }
    press(state, KeyCode::Char('d'));
}

fn planned(state: &crate::app::state::State) -> Vec<(String, bool)> {
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("expected the delete confirmation, got {:?}", state.dialog);
    };
    let mut entries: Vec<(String, bool)> = plan
        .entries
        .iter()
        .map(|e| (e.digest.clone(), e.referrer_of.is_some()))
        .collect();
    entries.sort();
    entries
}

#[test]
fn deleting_a_signed_image_takes_its_referrers_in_the_same_confirmed_batch() {
    let mut state = signed_state();
    let d = crate::app::fixtures::digest;
    delete_tagged(&mut state, "v0");
    let mut expected = vec![(d(0), false), (d(1), true), (d(2), true)];
    expected.sort();
    assert_eq!(planned(&state), expected);
    let effects = press(&mut state, KeyCode::Char('y'));
    let mut ids = deleted_ids(&effects).expect("a delete");
    ids.sort();
    let mut wanted: Vec<ImageRef> = [0, 1, 2].map(|n| ImageRef::Digest(d(n))).to_vec();
    wanted.sort();
    assert_eq!(ids, wanted);
}

#[test]
fn r_keeps_the_referrers_and_asks_again_for_the_image_alone() {
    let mut state = signed_state();
    let d = crate::app::fixtures::digest;
    delete_tagged(&mut state, "v0");
    assert!(press(&mut state, KeyCode::Char('r')).is_empty());
    assert_eq!(planned(&state), [(d(0), false)]);
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        unreachable!()
    };
    assert!(plan.skipped.iter().any(|s| s.starts_with("referrers kept")));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(deleted_ids(&effects), Some(vec![ImageRef::Digest(d(0))]));
}

#[test]
fn an_image_without_referrers_is_deleted_alone() {
    let mut state = signed_state();
    delete_tagged(&mut state, "v3");
    assert_eq!(planned(&state), [(crate::app::fixtures::digest(3), false)]);
}
