//! The layers view through `update`: `l` asks for the selected image's manifest, the
//! answer fills the view (another image's is dropped), keys scroll, close or are told
//! why they do nothing, and each blob's count comes from the repository's figures.

use super::{LayerSection, LineKind};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::{
    digest, fixture_section, image, open_with_images, open_with_storage, press, with_repositories,
};
use crate::app::state::{Pane, State};
use crate::app::status::Topic;
use crate::app::update;
use crate::ecr::model::Image;
use crossterm::event::KeyCode;

fn three() -> Vec<Image> {
    vec![
        image(0, &["v0"], 3),
        image(1, &["v1"], 2),
        image(2, &["v2"], 1),
    ]
}

/// The ReadLayers effect's digest and generation.
fn read_layers(effects: &[Effect]) -> Option<(String, u64)> {
    effects.iter().find_map(|e| match e {
        Effect::ReadLayers {
            digest, generation, ..
        } => Some((digest.clone(), *generation)),
        _ => None,
    })
}

/// `l` on the selected image of a pane with storage, answered with its fixture layers.
fn opened_with_layers() -> State {
    let mut state = with_repositories(&["web/app"]);
    open_with_storage(&mut state, three(), &[]);
    let (_, generation) = read_layers(&press(&mut state, KeyCode::Char('l'))).unwrap();
    update(
        &mut state,
        Action::LayersRead {
            generation,
            result: Ok(sections_of(&three()[2])),
        },
    );
    state
}

fn sections_of(image: &Image) -> Vec<LayerSection> {
    vec![fixture_section(image, None)]
}

#[test]
fn l_asks_for_the_selected_images_layers_and_shows_them() {
    let mut state = with_repositories(&["web/app"]);
    open_with_storage(&mut state, three(), &[]);
    let effects = press(&mut state, KeyCode::Char('l'));
    let (wanted, generation) = read_layers(&effects).expect("l reads the manifest");
    // Newest first: image 2 is selected.
    assert_eq!(wanted, digest(2));
    assert!(state.layers.visible);
    assert_eq!(state.layers.label, "v2");
    let storage = state.images.storage.read.clone();
    assert_eq!(
        state.layers.lines(storage.as_ref())[0].text,
        "reading the manifest…"
    );
    update(
        &mut state,
        Action::LayersRead {
            generation,
            result: Ok(sections_of(&three()[2])),
        },
    );
    let lines = state.layers.lines(storage.as_ref());
    let rows: Vec<&str> = lines
        .iter()
        .filter(|l| l.kind == LineKind::Row)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(rows.len(), 3);
    // The base layer is in all three images; the others only in this one.
    assert!(rows[0].ends_with("3 images"), "{rows:?}");
    assert!(rows[1].starts_with("config"), "{rows:?}");
    assert!(rows[1].ends_with("only this image"), "{rows:?}");
    assert!(rows[2].ends_with("only this image"), "{rows:?}");
}

#[test]
fn another_images_answer_is_dropped() {
    let mut state = with_repositories(&["web/app"]);
    open_with_storage(&mut state, three(), &[]);
    let (_, first) = read_layers(&press(&mut state, KeyCode::Char('l'))).unwrap();
    press(&mut state, KeyCode::Esc);
    assert!(!state.layers.visible);
    press(&mut state, KeyCode::Char('j'));
    let (wanted, second) = read_layers(&press(&mut state, KeyCode::Char('l'))).unwrap();
    assert_eq!(wanted, digest(1));
    update(
        &mut state,
        Action::LayersRead {
            generation: first,
            result: Ok(sections_of(&three()[2])),
        },
    );
    assert_eq!(state.layers.sections, None);
    update(
        &mut state,
        Action::LayersRead {
            generation: second,
            result: Err("AccessDenied on ecr:BatchGetImage".into()),
        },
    );
    let lines = state.layers.lines(None);
    assert_eq!(lines[0].kind, LineKind::Error);
}

#[test]
fn counts_wait_for_the_figures() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, three());
    let (_, generation) = read_layers(&press(&mut state, KeyCode::Char('l'))).unwrap();
    update(
        &mut state,
        Action::LayersRead {
            generation,
            result: Ok(sections_of(&three()[2])),
        },
    );
    let lines = state.layers.lines(state.images.storage.read.as_ref());
    assert!(
        lines
            .iter()
            .filter(|l| l.kind == LineKind::Row)
            .all(|l| l.text.ends_with('…'))
    );
}

#[test]
fn keys_the_view_does_not_take_are_told_not_swallowed() {
    let mut state = with_repositories(&["web/app"]);
    open_with_storage(&mut state, three(), &[]);
    press(&mut state, KeyCode::Char('l'));
    let effects = press(&mut state, KeyCode::Char('d'));
    assert!(effects.is_empty());
    assert!(state.dialog.is_none(), "d must not delete under the view");
    let told = state.status.about(Topic::Command).expect("a hint");
    assert!(told.text.contains("esc"), "{}", told.text);
    // r reads again, with a new generation.
    let old = state.layers.generation;
    let (_, generation) = read_layers(&press(&mut state, KeyCode::Char('r'))).unwrap();
    assert_ne!(generation, old);
    // q closes the view, not berth.
    press(&mut state, KeyCode::Char('q'));
    assert!(!state.layers.visible);
    assert!(!state.should_quit);
}

#[test]
fn l_outside_the_images_pane_says_where_it_works() {
    let mut state = with_repositories(&["web/app"]);
    let effects = press(&mut state, KeyCode::Char('l'));
    assert!(effects.is_empty());
    assert_eq!(state.pane, Pane::Repositories);
    assert!(!state.layers.visible);
    assert!(state.status.about(Topic::Command).is_some());
}

#[test]
fn the_view_scrolls_within_its_lines() {
    let mut state = opened_with_layers();
    press(&mut state, KeyCode::Char('G'));
    // Everything fits on a 24-line screen: nothing to scroll.
    assert_eq!(state.layers.scroll, 0);
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.layers.scroll, 0);
}
