//! Marks (their running total against a fresh sum) and copies of digest-pinned URIs.

use super::{chars, images_state, naive_marked_bytes, press};
use crate::app::action::{Action, Effect};
use crate::app::update;
use crossterm::event::KeyCode;
use proptest::prelude::*;

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
