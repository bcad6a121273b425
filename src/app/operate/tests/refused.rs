//! Refusals before any call: read-only mode, platforms of a multi-arch index, images
//! whose digest is not one.

use super::{deleted_ids, images_state, press};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::{digest, image, open_with_images, with_repositories};
use crate::app::operate::Dialog;
use crate::app::state::State;
use crate::app::update;
use crate::ecr::mutate::ImageRef;
use crossterm::event::KeyCode;

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

/// A repository with a multi-arch index (tagged v1.5.0), its two platforms (untagged)
/// and one plain untagged image, newest first in that order, with the index read.
pub(super) fn index_state() -> State {
    index_state_tagged(&["v1.5.0"])
}

/// [`index_state`] with the index tagged `tags`.
pub(super) fn index_state_tagged(tags: &[&str]) -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    let mut index = image(10, tags, 0);
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
    // The platforms fold under their index: unfold it and go to the first.
    press(&mut state, KeyCode::Char('z'));
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
    // Every manifest as its own row, so mark-all marks the platforms too.
    press(&mut state, KeyCode::Char('Z'));
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
    press(&mut state, KeyCode::Char('Z'));
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
