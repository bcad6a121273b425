//! Marks, confirmations and the guarantee that only confirmed ids are deleted.

use super::action::{Action, Effect};
use super::fixtures::{digest, image, open_with_images, with_repositories};
use super::operate::{DeleteKind, DeleteLine, Dialog, TYPED_CONFIRM_ABOVE, TagResult};
use super::state::State;
use super::update;
use crate::ecr::model::TagMutability;
use crate::ecr::mutate::ImageRef;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

fn images_state(count: u64) -> State {
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

fn deleted_ids(effects: &[Effect]) -> Option<Vec<ImageRef>> {
    effects.iter().find_map(|e| match e {
        Effect::DeleteImages { delete } => Some(delete.ids()),
        _ => None,
    })
}

#[test]
fn space_marks_and_moves_and_marks_survive_sorting_and_filtering() {
    let mut state = images_state(6);
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char(' '));
    assert_eq!(state.images.marked.len(), 2);
    assert_eq!(state.images.list.selected, 2);
    press(&mut state, KeyCode::Char('s'));
    press(&mut state, KeyCode::Char('/'));
    chars(&mut state, "v4");
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        state.images.marked.len(),
        2,
        "sorting and filtering keep marks"
    );
    // V marks every visible row; again unmarks them.
    let visible = state.images.list.rows.len();
    press(&mut state, KeyCode::Char('V'));
    assert!(state.images.marked.len() >= visible);
    press(&mut state, KeyCode::Char('V'));
    assert_eq!(state.images.marked.len(), 2);
}

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
fn read_only_mode_blocks_every_mutating_key() {
    let mut state = images_state(3);
    state.read_only = true;
    // Every refused write reads the same: the gate's refusal, naming action and repository.
    for (key, action) in [('t', "tag"), ('T', "untag"), ('d', "delete")] {
        let effects = press(&mut state, KeyCode::Char(key));
        assert!(effects.is_empty());
        assert!(
            state.dialog.is_none(),
            "{key} opened a dialog in read-only mode"
        );
        let expected = crate::safety::Refused::ReadOnly {
            action,
            repository: "web/app".into(),
        }
        .to_string();
        assert_eq!(state.status.info_text(), Some(expected.as_str()));
        assert_eq!(
            expected,
            format!("read-only mode: {action} on web/app was not attempted")
        );
    }
    // Starting a scan is a write too, refused with the gate's words.
    let effects = press(&mut state, KeyCode::Char('x'));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        state.status.info_text(),
        Some("read-only mode: start a scan on web/app was not attempted")
    );
    // Reading still works: copy is not a mutation.
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::CopyToClipboard { .. }]
    ));
}

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

/// What the status line's marked total must equal: the listed marked images' sizes.
fn naive_marked_bytes(state: &State) -> u64 {
    let pane = &state.images;
    pane.images
        .iter()
        .filter(|i| pane.marked.contains(&i.digest))
        .map(|i| i.size_bytes)
        .sum()
}

#[derive(Clone, Debug)]
enum MarkStep {
    Key(KeyCode),
    /// `r`, then the listing arrives again in two pages, without the images whose
    /// number is a multiple of `dropped` (deleted elsewhere meanwhile).
    Refresh {
        dropped: u64,
    },
}

fn mark_step() -> impl Strategy<Value = MarkStep> {
    prop_oneof![
        4 => Just(MarkStep::Key(KeyCode::Char(' '))),
        2 => Just(MarkStep::Key(KeyCode::Char('V'))),
        2 => Just(MarkStep::Key(KeyCode::Down)),
        1 => Just(MarkStep::Key(KeyCode::Up)),
        1 => Just(MarkStep::Key(KeyCode::Char('s'))),
        1 => (2u64..5).prop_map(|dropped| MarkStep::Refresh { dropped }),
    ]
}

proptest! {
    /// The running total of marked bytes always equals a fresh sum, whatever order marks,
    /// mark-all, sorting and refreshes (with images gone meanwhile) come in.
    #[test]
    fn the_marked_total_always_equals_a_fresh_sum(
        steps in proptest::collection::vec(mark_step(), 1..40),
    ) {
        let mut state = images_state(12);
        for step in steps {
            match step {
                MarkStep::Key(code) => {
                    press(&mut state, code);
                }
                MarkStep::Refresh { dropped } => {
                    let effects = press(&mut state, KeyCode::Char('r'));
                    let generation = effects.iter().find_map(|e| match e {
                        Effect::FetchImages { generation, .. } => Some(*generation),
                        _ => None,
                    });
                    let Some(generation) = generation else {
                        continue;
                    };
                    let kept: Vec<_> = images_state(12).images.images.into_iter()
                        .enumerate()
                        .filter(|(n, _)| !(*n as u64).is_multiple_of(dropped))
                        .map(|(_, image)| image)
                        .collect();
                    let (first, second) = kept.split_at(kept.len() / 2);
                    for (items, next) in [(first, Some("more".to_string())), (second, None)] {
                        update(&mut state, Action::ImagesPage {
                            generation,
                            result: Ok(crate::ecr::model::Page {
                                items: items.to_vec(),
                                next_token: next,
                            }),
                        });
                        prop_assert_eq!(state.images.marked.bytes(), naive_marked_bytes(&state));
                    }
                }
            }
            prop_assert_eq!(state.images.marked.bytes(), naive_marked_bytes(&state));
        }
    }
}

#[test]
fn copy_builds_digest_pinned_uris_one_per_marked_image() {
    let mut state = images_state(3);
    let effects = press(&mut state, KeyCode::Char('y'));
    let Some(Effect::CopyToClipboard { text }) = effects.first() else {
        panic!("y copies");
    };
    assert!(text.starts_with("123456789012.dkr.ecr.us-east-1.amazonaws.com/web/app@sha256:"));
    press(&mut state, KeyCode::Char('V'));
    let effects = press(&mut state, KeyCode::Char('Y'));
    let Some(Effect::CopyToClipboard { text }) = effects.first() else {
        panic!("Y copies");
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().any(|l| l.contains("/web/app:v1@sha256:")));
    assert!(
        lines.iter().any(|l| l.contains("/web/app@sha256:")),
        "untagged keeps the digest form"
    );
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

/// A repository with a multi-arch index (tagged v1.5.0), its two platforms (untagged)
/// and one plain untagged image, newest first in that order, with the index read.
fn index_state() -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    let mut index = image(10, &["v1.5.0"], 0);
    index.kind = crate::ecr::model::ManifestKind::ManifestList;
    let images = vec![
        index,
        image(11, &[], 1),
        image(12, &[], 2),
        image(13, &[], 3),
    ];
    let parents = vec![
        (image(11, &[], 0).digest, image(10, &[], 0).digest),
        (image(12, &[], 0).digest, image(10, &[], 0).digest),
    ];
    open_with_images(&mut state, images);
    let generation = state.images.generation;
    update(
        &mut state,
        Action::IndexChildren {
            generation,
            parents,
        },
    );
    state
}

#[test]
fn a_platform_of_an_index_is_refused_before_any_call_naming_the_index() {
    let mut state = index_state();
    press(&mut state, KeyCode::Char('j'));
    let effects = press(&mut state, KeyCode::Char('d'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.dialog.is_none(), "nothing to confirm");
    let message = state.status.info_text().unwrap_or_default().to_string();
    // The selected platform is image 11, its index image 10: each named by its own digest.
    let short = |n| digest(n)["sha256:".len()..][..12].to_string();
    assert!(
        message.starts_with(&format!("cannot delete sha256:{}", short(11)))
            && message.contains(&format!(
                "platform of the multi-arch index v1.5.0 (sha256:{})",
                short(10)
            )),
        "{message}"
    );
    // The plain untagged image below is still deletable.
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('d'));
    assert!(matches!(state.dialog, Some(Dialog::ConfirmDelete { .. })));
}

#[test]
fn a_bulk_delete_leaves_platforms_out_and_says_how_many() {
    let mut state = index_state();
    press(&mut state, KeyCode::Char('V'));
    assert_eq!(state.images.marked.len(), 4);
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("the deletable images are still offered");
    };
    let ids: Vec<ImageRef> = plan.entries.iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        ids,
        [
            ImageRef::Digest(image(10, &[], 0).digest),
            ImageRef::Digest(image(13, &[], 0).digest)
        ]
    );
    assert_eq!(plan.skipped.len(), 1);
    assert!(
        plan.skipped[0].starts_with("2 skipped: platforms of a multi-arch index"),
        "{:?}",
        plan.skipped
    );
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(deleted_ids(&effects), Some(ids));
}

#[test]
fn removing_the_last_tag_of_a_platform_is_refused_too() {
    let mut state = index_state();
    let generation = state.images.generation;
    update(
        &mut state,
        Action::IndexChildren {
            generation,
            parents: vec![(image(13, &[], 0).digest, image(10, &[], 0).digest)],
        },
    );
    state.images.images[3].tags = vec!["arm64".into()];
    state.rebuild_images();
    press(&mut state, KeyCode::Char('G'));
    press(&mut state, KeyCode::Char('T'));
    assert!(state.dialog.is_none());
    assert!(
        state
            .status
            .info_text()
            .is_some_and(|m| m.contains("platform of the multi-arch index")),
        "{:?}",
        state.status.info_text()
    );
}

#[test]
fn children_read_for_an_older_listing_are_ignored() {
    let mut state = index_state();
    let stale = state.images.generation - 1;
    state.images.parents.clear();
    update(
        &mut state,
        Action::IndexChildren {
            generation: stale,
            parents: vec![(image(11, &[], 0).digest, image(10, &[], 0).digest)],
        },
    );
    assert!(state.images.parents.is_empty());
}

#[test]
fn an_image_without_a_valid_digest_is_shown_but_never_acted_on() {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    let mut opaque = image(1, &["v1"], 0);
    opaque.digest = "sha256:ééééééééééééééé-not-hex".into();
    open_with_images(&mut state, vec![opaque]);
    for key in ['y', 'Y', 't', 'd'] {
        state.status.key();
        let effects = press(&mut state, KeyCode::Char(key));
        assert!(effects.is_empty(), "{key}: {effects:?}");
        assert!(state.dialog.is_none(), "{key} opened a dialog");
        let message = state.status.info_text().unwrap_or_default().to_string();
        assert!(
            message.starts_with("cannot ")
                && message.contains("sha256:éééééééééééé as this image's digest, which is not"),
            "{key}: {message}"
        );
    }
}
