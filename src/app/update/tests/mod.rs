//! Key paths through `update`, asserted on state and effects, one file per handler.

mod command_line;
mod held;
mod jumps;
mod listing;
mod navigate;
mod organization;
mod stale_and_failed;

use crate::app::action::Effect;
use crate::app::fixtures::*;
use crate::app::state::State;

#[test]
fn fixture_digests_are_valid_and_tell_images_apart_in_their_short_form() {
    let mut shorts = std::collections::HashSet::new();
    for n in 0..4096 {
        let digest = digest(n);
        let hex = digest.strip_prefix("sha256:").expect("sha256: prefix");
        assert_eq!(hex.len(), 64, "{digest}");
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{digest}"
        );
        assert!(
            shorts.insert(hex[..12].to_string()),
            "{digest} repeats a short form"
        );
        assert_eq!(image(n, &[], 0).digest, digest);
    }
}

/// An images pane on `web/app` with three images and the account known (copies work).
pub(super) fn three_images() -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    open_with_images(
        &mut state,
        vec![
            image(1, &["v1"], 1),
            image(2, &["v2"], 2),
            image(3, &["v3"], 3),
        ],
    );
    state
}

pub(super) fn copied(effects: &[Effect]) -> Option<&str> {
    effects.iter().find_map(|e| match e {
        Effect::CopyToClipboard { text } => Some(text.as_str()),
        _ => None,
    })
}

pub(super) fn selected_image_digest(state: &State) -> String {
    let item = state.images.list.selected_item().expect("a selection");
    state.images.images[item].digest.clone()
}
