//! The storage figures on screen: the layers view, and the delete confirmation's freed
//! bytes with and without the manifests read.

use super::snapshot_tests::{images_state, render};
use crate::app::action::Action;
use crate::app::fixtures::{fixture_section, image, open_with_images, press, with_repositories};
use crate::app::update;
use crossterm::event::KeyCode;

#[test]
fn layers_view() {
    let mut state = images_state();
    press(&mut state, KeyCode::Char('l'));
    let selected = state.images.list.selected_item().unwrap();
    let image = state.images.images[selected].clone();
    let mut unread = fixture_section(&image, Some("linux/arm64/v8"));
    unread.blobs.clear();
    unread.problem = Some("its manifest could not be read: AccessDenied".into());
    let generation = state.layers.generation;
    update(
        &mut state,
        Action::LayersRead {
            generation,
            result: Ok(vec![fixture_section(&image, Some("linux/amd64")), unread]),
        },
    );
    insta::assert_snapshot!("layers_80x24", render(&state, 80, 24));
}

#[test]
fn delete_confirmation_says_what_it_frees() {
    let mut state = images_state();
    press(&mut state, KeyCode::Char('V'));
    press(&mut state, KeyCode::Char('d'));
    insta::assert_snapshot!("delete_frees_80x24", render(&state, 80, 24));
}

#[test]
fn delete_confirmation_before_the_manifests_are_read() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, vec![image(1, &["v1"], 2), image(2, &[], 3)]);
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char('d'));
    insta::assert_snapshot!("delete_frees_unknown_80x24", render(&state, 80, 24));
}
