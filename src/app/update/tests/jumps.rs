//! Jumps act at once or say why not, and status messages leave with their context.

use crate::app::action::{Action, Effect};
use crate::app::fixtures::{image, open_with_images, with_repositories};
use crate::app::state::{Mode, Pane, State};
use crate::app::update;
use crate::ecr::model::Page;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_line(state: &mut State, text: &str) -> Vec<Effect> {
    press(state, KeyCode::Char(':'));
    assert_eq!(state.mode, Mode::Command);
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
    press(state, KeyCode::Enter)
}

fn selected_tags(state: &State) -> Vec<String> {
    let item = state.images.list.selected_item().expect("a selected image");
    state.images.images[item].tags.clone()
}

/// `a/x` open with three images, the newest (v1) selected.
fn open_a() -> State {
    let mut state = with_repositories(&["a/x", "b/y"]);
    open_with_images(
        &mut state,
        vec![
            image(1, &["v1"], 1),
            image(2, &["v2"], 5),
            image(3, &["v3"], 9),
        ],
    );
    assert_eq!(selected_tags(&state), ["v1"]);
    state
}

#[test]
fn a_tag_jump_inside_the_open_repository_selects_at_once() {
    let mut state = open_a();
    let effects = type_line(&mut state, "a/x:v3");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchImages { .. })),
        "nothing to fetch: {effects:?}"
    );
    assert_eq!(state.pane, Pane::Images);
    assert_eq!(selected_tags(&state), ["v3"]);
    assert!(state.jump.is_none(), "nothing left to fire later");
}

#[test]
fn a_tag_jump_to_a_missing_tag_says_so_and_ends() {
    let mut state = open_a();
    type_line(&mut state, "a/x:nosuchtag");
    assert_eq!(
        state.status.error_text(),
        Some("no image tagged nosuchtag in a/x")
    );
    assert!(state.jump.is_none());
    assert_eq!(selected_tags(&state), ["v1"], "the selection stays");
}

#[test]
fn a_tag_jump_clears_a_filter_that_hides_the_image() {
    let mut state = open_a();
    press(&mut state, KeyCode::Char('/'));
    for c in "v1".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.images.list.rows.len(), 1);
    type_line(&mut state, "a/x:v2");
    assert!(!state.images.list.filter.is_active());
    assert_eq!(selected_tags(&state), ["v2"]);
}

#[test]
fn a_repository_jump_finds_a_repository_the_filter_hides() {
    let mut state = with_repositories(&["a/x", "b/y"]);
    press(&mut state, KeyCode::Char('/'));
    press(&mut state, KeyCode::Char('b'));
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.repositories.list.rows.len(), 1);
    let effects = type_line(&mut state, "a/x");
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::FetchImages { repository, .. } if repository == "a/x"
    )));
    assert!(!state.repositories.list.filter.is_active());
    assert_eq!(state.repositories.list.rows.len(), 2);
    assert_eq!(state.status.error_text(), None);
}

#[test]
fn a_jump_waiting_for_later_pages_ends_with_the_last_one() {
    let mut state = with_repositories(&["a/x"]);
    let effects = type_line(&mut state, "a/x:v9");
    let Some(Effect::FetchImages { generation, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::FetchImages { .. }))
        .cloned()
    else {
        panic!("the jump opens a/x: {effects:?}");
    };
    let deliver = |state: &mut State, items, next: Option<&str>| {
        update(
            state,
            Action::ImagesPage {
                generation,
                result: Ok(Page {
                    items,
                    next_token: next.map(str::to_string),
                }),
            },
        )
    };
    deliver(&mut state, vec![image(1, &["v1"], 1)], Some("more"));
    assert!(state.jump.is_some(), "a later page may hold the tag");
    deliver(&mut state, vec![image(2, &["v2"], 2)], None);
    assert!(state.jump.is_none());
    assert_eq!(state.status.error_text(), Some("no image tagged v9 in a/x"));
}

#[test]
fn moving_cancels_a_jump_that_waits_for_its_listing() {
    let mut state = with_repositories(&["a/x"]);
    let effects = type_line(&mut state, "a/x:v9");
    assert!(state.jump.is_some());
    let Some(Effect::FetchImages { generation, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::FetchImages { .. }))
        .cloned()
    else {
        panic!("the jump opens a/x: {effects:?}");
    };
    // Nothing listed yet: a movement key moves nothing, and the jump still waits.
    press(&mut state, KeyCode::Char('j'));
    assert!(state.jump.is_some(), "j on an empty list moved nothing");
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(Page {
                items: vec![image(1, &["v1"], 1), image(2, &["v2"], 2)],
                next_token: Some("more".into()),
            }),
        },
    );
    assert!(state.jump.is_some(), "a later page may hold the tag");
    press(&mut state, KeyCode::Char('j'));
    assert!(
        state.jump.is_none(),
        "the user moved: the jump must not fire later"
    );
}

#[test]
fn an_error_leaves_when_the_user_moves_to_another_pane() {
    let mut state = open_a();
    type_line(&mut state, "nosuchcommand");
    assert!(state.status.error_text().is_some());
    press(&mut state, KeyCode::Char('j'));
    assert!(state.status.error_text().is_some(), "a key alone keeps it");
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.pane, Pane::Repositories);
    assert_eq!(state.status.error_text(), None);
}

#[test]
fn a_command_line_that_works_clears_the_one_that_did_not() {
    let mut state = open_a();
    type_line(&mut state, "nosuchcommand");
    assert!(state.status.error_text().is_some());
    type_line(&mut state, "theme dark");
    assert_eq!(state.status.error_text(), None);
}

#[test]
fn esc_from_criticals_returns_where_it_was_typed() {
    let mut state = open_a();
    type_line(&mut state, "criticals");
    assert_eq!(state.pane, Pane::Triage);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.pane, Pane::Images);
}

#[test]
fn image_keys_in_the_triage_say_why_they_do_nothing() {
    let mut state = open_a();
    type_line(&mut state, "criticals");
    for key in ['d', 't', ' ', 's'] {
        state.status = Default::default();
        press(&mut state, KeyCode::Char(key));
        assert_eq!(state.pane, Pane::Triage);
        assert!(
            state
                .status
                .info_text()
                .is_some_and(|t| t.contains("not in the triage")),
            "{key:?}: a key is never swallowed silently: {:?}",
            state.status.messages()
        );
    }
    press(&mut state, KeyCode::Enter);
    assert!(
        state
            .status
            .info_text()
            .is_some_and(|t| t.contains("y copies"))
    );
}

#[test]
fn a_scan_notice_stays_through_keys_and_ends_with_the_outcome() {
    let mut state = open_a();
    press(&mut state, KeyCode::Char('x'));
    let notice = state.status.info_text().map(str::to_string);
    assert_eq!(notice.as_deref(), Some("starting 1 scan(s)"));
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.status.info_text(), notice.as_deref());
    let registry = state.registries.rows[0].target.clone();
    update(
        &mut state,
        Action::Findings(crate::app::findings::FindingsEvent::ScanStatus {
            registry,
            repository: "a/x".into(),
            digest: image(1, &[], 0).digest,
            result: Err(crate::ecr::EcrError::Service {
                action: "ecr:StartImageScan".into(),
                subject: "a/x".into(),
                code: "LimitExceededException".into(),
                message: "once a day".into(),
            }),
        }),
    );
    assert_eq!(state.status.info_text(), None);
    assert!(
        state
            .status
            .error_text()
            .is_some_and(|e| e.contains("once a day"))
    );
}

/// A step of the property below: a key or a typed command line.
#[derive(Clone, Debug)]
enum Step {
    Key(KeyCode),
    Line(&'static str),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        prop::sample::select(vec![
            KeyCode::Char('j'),
            KeyCode::Char('k'),
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Char('y'),
            KeyCode::Char('x'),
            KeyCode::Char('u'),
            KeyCode::Char('L'),
        ])
        .prop_map(Step::Key),
        prop::sample::select(vec![
            "nosuchcommand",
            "a/x:v2",
            "a/x:nosuchtag",
            "b/y",
            "no/such",
            "criticals",
            "repos",
            "registries",
        ])
        .prop_map(Step::Line),
    ]
}

proptest::proptest! {
    /// Whatever the user does, every message on the status line belongs where they are,
    /// and no jump is left waiting once the listing it waited for is complete.
    #[test]
    fn the_status_line_only_speaks_of_where_the_user_is(
        steps in proptest::collection::vec(step(), 1..30)
    ) {
        let mut state = with_repositories(&["a/x", "b/y"]);
        for step in steps {
            let effects = match step {
                Step::Key(code) => press(&mut state, code),
                Step::Line(line) => type_line(&mut state, line),
            };
            // Every listing asked for arrives complete at once.
            if let Some(Effect::FetchImages { generation, .. }) = effects
                .iter()
                .find(|e| matches!(e, Effect::FetchImages { .. }))
                .cloned()
            {
                update(
                    &mut state,
                    Action::ImagesPage {
                        generation,
                        result: Ok(Page {
                            items: vec![image(1, &["v1"], 1), image(2, &["v2"], 3)],
                            next_token: None,
                        }),
                    },
                );
            }
            let place = crate::app::status::Place {
                pane: state.pane,
                registry: if matches!(state.pane, Pane::Images | Pane::Findings) {
                    state.images.registry.clone()
                } else {
                    state.repositories.registry.clone()
                },
                repository: if matches!(state.pane, Pane::Images | Pane::Findings) {
                    state.images.repository.as_ref().map(|r| r.name.clone())
                } else {
                    None
                },
            };
            for message in state.status.messages() {
                proptest::prop_assert!(
                    message.scope.holds(&place),
                    "{:?} shown at {:?}",
                    message,
                    place
                );
            }
            if state.images.loading.is_none() && state.repositories.loading.is_none() {
                proptest::prop_assert!(state.jump.is_none(), "a jump lingers: {:?}", state.jump);
            }
        }
    }
}
