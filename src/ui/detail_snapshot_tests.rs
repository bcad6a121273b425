//! The repository detail view at 60x15, 80x24 and 200x50, compared with reviewed
//! snapshots: every section answered, one denied and one the endpoint lacks.

use super::snapshot_tests::render;
use crate::app::detail::tests::{loaded_detail_sized, press};
use crossterm::event::KeyCode;

#[test]
fn repository_detail_view() {
    for (width, height) in [(60, 15), (80, 24), (200, 50)] {
        let state = loaded_detail_sized(width, height);
        insta::assert_snapshot!(
            format!("repository_detail_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn repository_detail_scrolled_to_the_end() {
    let mut state = loaded_detail_sized(60, 15);
    press(&mut state, KeyCode::Char('G'));
    insta::assert_snapshot!("repository_detail_60x15_end", render(&state, 60, 15));
}
