//! The image detail view at 60x15, 80x24 and 200x50, compared with reviewed snapshots: a
//! multi-arch index with signatures, an SBOM, its platforms, a failed replication and a
//! failed signing.

use super::snapshot_tests::render;
use crate::app::image_detail::tests::loaded_detail_sized;
use crate::app::info::tests::press;
use crossterm::event::KeyCode;

#[test]
fn image_detail_view() {
    for (width, height) in [(60, 15), (80, 24), (200, 50)] {
        let state = loaded_detail_sized(width, height);
        insta::assert_snapshot!(
            format!("image_detail_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn image_detail_scrolled_to_the_end() {
    let mut state = loaded_detail_sized(80, 24);
    press(&mut state, KeyCode::Char('G'));
    insta::assert_snapshot!("image_detail_80x24_end", render(&state, 80, 24));
}
