//! The images pane as a tree: referrers and platforms folded under their image with its
//! badges, unfolded with `z`, and every manifest flat with `Z`.

use super::snapshot_tests::render;
use crate::app::State;
use crate::app::action::Action;
use crate::app::fixtures::{digest, image, open_with_images, press, with_repositories};
use crate::app::update;
use crate::ecr::model::{Image, ManifestKind};
use crossterm::event::KeyCode;

fn referrer(n: u64, subject: u64, artifact_type: &str) -> Image {
    Image {
        subject_digest: Some(digest(subject)),
        artifact_type: Some(artifact_type.into()),
        ..image(n, &[], n as i64)
    }
}

/// A signed image (two signatures, an SBOM, an attestation), a signed multi-arch index
/// with two platforms, a plain image and a signature whose image is gone.
fn tree_state() -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    let index = Image {
        kind: ManifestKind::ManifestList,
        ..image(1, &["v2.0.0", "latest"], 1)
    };
    open_with_images(
        &mut state,
        vec![
            index,
            image(2, &[], 2),
            image(3, &[], 3),
            referrer(4, 1, "application/vnd.dev.cosign.artifact.sig.v1+json"),
            image(5, &["v1.9.0"], 5),
            referrer(6, 5, "application/vnd.dev.cosign.artifact.sig.v1+json"),
            referrer(7, 5, "application/vnd.cncf.notary.signature"),
            referrer(8, 5, "application/spdx+json"),
            referrer(9, 5, "application/vnd.in-toto+json"),
            image(10, &["v1.8.0"], 10),
            referrer(11, 40, "application/vnd.dev.cosign.artifact.sig.v1+json"),
        ],
    );
    let generation = state.images.generation;
    update(
        &mut state,
        Action::IndexPlatforms {
            generation,
            platforms: vec![
                (digest(2), "linux/amd64".into()),
                (digest(3), "linux/arm64/v8".into()),
            ],
        },
    );
    update(
        &mut state,
        Action::IndexChildren {
            generation,
            parents: vec![(digest(2), digest(1)), (digest(3), digest(1))],
        },
    );
    state
}

#[test]
fn folded_unfolded_and_flat() {
    let mut state = tree_state();
    insta::assert_snapshot!("tree_folded_120x20", render(&state, 120, 20));
    // Unfold the index (first row) and the signed image below it.
    press(&mut state, KeyCode::Char('z'));
    for _ in 0..4 {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Char('z'));
    insta::assert_snapshot!("tree_unfolded_120x20", render(&state, 120, 20));
    press(&mut state, KeyCode::Char('Z'));
    insta::assert_snapshot!("tree_flat_120x20", render(&state, 120, 20));
}
