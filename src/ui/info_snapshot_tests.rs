//! The repository info view at 60x15, 80x24 and 200x50, compared with reviewed
//! snapshots: every section answered, one denied and one the endpoint lacks.

use super::snapshot_tests::render;
use crate::app::info::tests::{loaded_info_sized, press};
use crossterm::event::KeyCode;

#[test]
fn repository_info_view() {
    for (width, height) in [(60, 15), (80, 24), (200, 50)] {
        let state = loaded_info_sized(width, height);
        insta::assert_snapshot!(
            format!("repository_info_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn repository_info_scrolled_to_the_end() {
    let mut state = loaded_info_sized(60, 15);
    press(&mut state, KeyCode::Char('G'));
    insta::assert_snapshot!("repository_info_60x15_end", render(&state, 60, 15));
}
