//! The images pane's tree: what folds under what, the keys that unfold and flatten it, and
//! its invariants over random listings and random sequences of keys.

use crate::app::action::Action;
use crate::app::fixtures::{char_key, digest, image, key, open_with_images, with_repositories};
use crate::app::state::State;
use crate::app::update;
use crate::ecr::model::{Image, ImageStatus, ManifestKind};
use crossterm::event::KeyCode;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const COSIGN: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const SPDX: &str = "application/spdx+json";

/// Image `n`, a referrer of image `subject` with `artifact_type`.
fn referrer(n: u64, subject: u64, artifact_type: &str) -> Image {
    Image {
        subject_digest: Some(digest(subject)),
        artifact_type: Some(artifact_type.to_string()),
        ..image(n, &[], n as i64)
    }
}

/// Image `n`, a multi-arch index.
fn index(n: u64, tags: &[&str]) -> Image {
    Image {
        kind: ManifestKind::ManifestList,
        ..image(n, tags, n as i64)
    }
}

fn images_pane(images: Vec<Image>) -> State {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, images);
    state.images.list.set_height(30);
    state
}

/// Index `index` names the images `children`, as the background read reports it.
fn children_read(state: &mut State, index: u64, children: &[u64]) {
    let generation = state.images.generation;
    update(
        state,
        Action::IndexChildren {
            generation,
            parents: children
                .iter()
                .map(|&child| (digest(child), digest(index)))
                .collect(),
        },
    );
}

/// The digests' numbers on screen, in order (`image(n)` has `digest(n)`).
fn shown(state: &State) -> Vec<u64> {
    let numbers: HashMap<String, u64> = (0..64).map(|n| (digest(n), n)).collect();
    let pane = &state.images;
    pane.list
        .rows
        .iter()
        .map(|&i| numbers[&pane.images[i].digest])
        .collect()
}

fn selected(state: &State) -> u64 {
    let pane = &state.images;
    let index = pane.list.selected_item().expect("a row is selected");
    (0..64)
        .find(|&n| digest(n) == pane.images[index].digest)
        .expect("a fixture digest")
}

/// Whether a status-line message contains `text`.
fn said(state: &State, text: &str) -> bool {
    state
        .status
        .messages()
        .iter()
        .any(|m| m.text.contains(text))
}

fn go_to(state: &mut State, n: u64) {
    while selected(state) != n {
        update(state, key(KeyCode::Down));
    }
}

#[test]
fn referrers_fold_under_the_image_they_name_and_its_row_counts_them() {
    // Newest first: 1 (signed), 2 and 3 its signatures, 4 its SBOM, 5 plain.
    let mut state = images_pane(vec![
        image(1, &["v1"], 1),
        referrer(2, 1, COSIGN),
        referrer(3, 1, "application/vnd.cncf.notary.signature"),
        referrer(4, 1, SPDX),
        image(5, &["v0"], 9),
    ]);
    assert_eq!(shown(&state), vec![1, 5]);
    let pane = &state.images;
    assert_eq!(pane.tree.folded, 3);
    let signed = pane.list.rows[0];
    assert_eq!(
        pane.tree.carried(&pane.images, signed).badges(),
        "SIG 2 · SBOM"
    );

    // z unfolds: the children right after their image, one level in.
    update(&mut state, char_key('z'));
    assert_eq!(shown(&state), vec![1, 2, 3, 4, 5]);
    assert_eq!(state.images.tree.folded, 0);
    let depths: Vec<u8> = state
        .images
        .list
        .rows
        .iter()
        .map(|&i| state.images.tree.depth_of(i))
        .collect();
    assert_eq!(depths, vec![0, 1, 1, 1, 0]);

    // z on a child folds it back under its image, and the cursor goes there.
    go_to(&mut state, 3);
    update(&mut state, char_key('z'));
    assert_eq!(shown(&state), vec![1, 5]);
    assert_eq!(selected(&state), 1);
}

#[test]
fn platforms_fold_under_their_index_once_the_index_is_read() {
    let mut state = images_pane(vec![
        index(1, &["v2"]),
        image(2, &[], 2),
        image(3, &[], 3),
        image(4, &["old"], 5),
    ]);
    // Until the index's manifest is read, nothing says they are its platforms.
    assert_eq!(shown(&state), vec![1, 2, 3, 4]);
    children_read(&mut state, 1, &[2, 3]);
    assert_eq!(shown(&state), vec![1, 4]);
    let pane = &state.images;
    assert_eq!(
        pane.tree.carried(&pane.images, pane.list.rows[0]).badges(),
        "2 platforms"
    );
    // The count line counts folded rows as listed.
    assert_eq!(pane.tree.folded, 2);
}

#[test]
fn a_referrer_whose_image_is_not_listed_stays_a_row_of_its_own() {
    // 9 is not in the repository: its signature is an orphan and must stay visible.
    let state = images_pane(vec![image(1, &["v1"], 1), referrer(2, 9, COSIGN)]);
    assert_eq!(shown(&state), vec![1, 2]);
    assert_eq!(state.images.tree.folded, 0);
}

#[test]
fn the_cursor_on_a_row_that_gets_folded_away_moves_to_the_row_that_folds_it() {
    let mut state = images_pane(vec![
        image(0, &["top"], 0),
        index(1, &["v2"]),
        image(2, &[], 2),
        image(3, &[], 3),
    ]);
    go_to(&mut state, 3);
    // The read arrives while the cursor is on what turns out to be a platform.
    children_read(&mut state, 1, &[2, 3]);
    assert_eq!(shown(&state), vec![0, 1]);
    assert_eq!(selected(&state), 1);
}

#[test]
fn a_filter_that_matches_only_a_child_shows_it() {
    let mut state = images_pane(vec![
        image(1, &["v1"], 1),
        Image {
            tags: vec!["sig-tag".into()],
            ..referrer(2, 1, COSIGN)
        },
    ]);
    assert_eq!(shown(&state), vec![1]);
    update(&mut state, char_key('/'));
    for c in "sig-tag".chars() {
        update(&mut state, char_key(c));
    }
    update(&mut state, key(KeyCode::Enter));
    // Its image is filtered out, so it is not folded under anything.
    assert_eq!(shown(&state), vec![2]);
}

#[test]
fn capital_z_shows_every_manifest_flat_and_back() {
    let mut state = images_pane(vec![image(1, &["v1"], 1), referrer(2, 1, COSIGN)]);
    update(&mut state, char_key('Z'));
    assert!(state.images.flat);
    assert_eq!(shown(&state), vec![1, 2]);
    assert_eq!(state.images.tree.folded, 0);
    // z in the flat view says why it does nothing.
    update(&mut state, char_key('z'));
    assert!(said(&state, "flat"), "{:?}", state.status.messages());
    update(&mut state, char_key('Z'));
    assert_eq!(shown(&state), vec![1]);
}

#[test]
fn z_on_an_image_with_nothing_folded_says_so() {
    let mut state = images_pane(vec![image(1, &["v1"], 1)]);
    update(&mut state, char_key('z'));
    assert!(
        said(&state, "nothing is folded"),
        "a key is never swallowed silently"
    );
}

#[test]
fn links_that_loop_are_cut_and_every_image_still_shows() {
    // Hostile data: 1 names 2 as its subject and 2 names 1. Neither folds under the other.
    let state = images_pane(vec![referrer(1, 2, COSIGN), referrer(2, 1, COSIGN)]);
    let mut rows = shown(&state);
    rows.sort_unstable();
    assert_eq!(rows, vec![1, 2]);
    assert!(!state.images.tree.has_links());
}

#[test]
fn unfolded_rows_stay_unfolded_across_a_reload_and_reset_in_another_repository() {
    let mut state = images_pane(vec![image(1, &["v1"], 1), referrer(2, 1, COSIGN)]);
    update(&mut state, char_key('z'));
    assert_eq!(shown(&state), vec![1, 2]);
    state.rebuild_images();
    assert_eq!(shown(&state), vec![1, 2]);
    assert!(state.images.expanded.contains(&digest(1)));
}

/// One random listing: which images are indexes, which are referrers of which, which
/// are platforms of which index, and which are archived.
#[derive(Clone, Debug)]
struct Listing {
    images: Vec<Image>,
    /// (child, index) pairs the index read reports.
    platforms: Vec<(u64, u64)>,
}

fn listing() -> impl Strategy<Value = Listing> {
    // For image n: 0 plain, 1 referrer of an earlier image, 2 referrer of an unlisted
    // image, 3 platform of an earlier index; and archived or not.
    (2usize..14)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec((0u8..4, any::<prop::sample::Index>(), any::<bool>()), n),
                proptest::collection::vec(any::<bool>(), n),
            )
        })
        .prop_map(|(links, is_index)| {
            let mut images = Vec::new();
            let mut platforms = Vec::new();
            for (n, ((link, pick, archived), index_kind)) in
                links.into_iter().zip(is_index).enumerate()
            {
                let n = n as u64;
                let mut image = image(n, &[], n as i64);
                if index_kind {
                    image.kind = ManifestKind::ManifestList;
                }
                if archived {
                    image.status = ImageStatus::Archived;
                }
                let earlier = if n == 0 {
                    None
                } else {
                    Some(pick.index(n as usize) as u64)
                };
                match (link, earlier) {
                    (1, Some(subject)) => {
                        image.subject_digest = Some(digest(subject));
                        image.artifact_type = Some(COSIGN.into());
                    }
                    (2, _) => {
                        image.subject_digest = Some(digest(60));
                        image.artifact_type = Some(SPDX.into());
                    }
                    (3, Some(parent)) => platforms.push((n, parent)),
                    _ => {}
                }
                images.push(image);
            }
            Listing { images, platforms }
        })
}

fn step() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => Just('z'),
        1 => Just('Z'),
        3 => Just('j'),
        2 => Just('k'),
        1 => Just('v'),
        1 => Just('s'),
        1 => Just('S'),
        1 => Just('G'),
    ]
}

/// The rows the tree must show, computed from the listing alone.
fn expected_rows(state: &State, listing: &Listing) -> HashSet<u64> {
    let pane = &state.images;
    let status = pane.status_filter;
    let kept: HashSet<u64> = listing
        .images
        .iter()
        .enumerate()
        .filter(|(_, image)| status.keeps(&image.status))
        .map(|(n, _)| n as u64)
        .collect();
    if pane.flat {
        return kept;
    }
    let listed: HashSet<String> = listing.images.iter().map(|i| i.digest.clone()).collect();
    // Subject first, then the index that names it; only listed images fold others.
    let link = |n: u64| -> Option<u64> {
        let image = &listing.images[n as usize];
        if let Some(subject) = &image.subject_digest
            && listed.contains(subject)
        {
            return (0..64).find(|&m| &digest(m) == subject);
        }
        listing
            .platforms
            .iter()
            .rev()
            .find(|(child, _)| *child == n)
            .map(|(_, index)| *index)
    };
    // A chain of more than MAX_DEPTH links is cut where it starts.
    let parent = |n: u64| -> Option<u64> {
        let mut ancestors = 0;
        let mut at = n;
        while let Some(up) = link(at) {
            ancestors += 1;
            at = up;
        }
        if ancestors > usize::from(super::MAX_DEPTH) {
            None
        } else {
            link(n)
        }
    };
    fn shown_naive(
        n: u64,
        kept: &HashSet<u64>,
        parent: &dyn Fn(u64) -> Option<u64>,
        expanded: &HashSet<String>,
    ) -> bool {
        if !kept.contains(&n) {
            return false;
        }
        match parent(n) {
            Some(p) if kept.contains(&p) => {
                expanded.contains(&digest(p)) && shown_naive(p, kept, parent, expanded)
            }
            _ => true,
        }
    }
    kept.iter()
        .copied()
        .filter(|&n| shown_naive(n, &kept, &parent, &pane.expanded))
        .collect()
}

proptest! {
    /// Whatever the listing and the keys: the rows are exactly the ones the tree must
    /// show, each once, every child right under its parent's subtree, the folded count
    /// adds up and the cursor is on a row.
    #[test]
    fn the_tree_shows_exactly_what_is_unfolded(
        listing in listing(),
        steps in proptest::collection::vec(step(), 0..30),
    ) {
        let mut state = images_pane(listing.images.clone());
        let generation = state.images.generation;
        update(&mut state, Action::IndexChildren {
            generation,
            parents: listing
                .platforms
                .iter()
                .map(|(child, index)| (digest(*child), digest(*index)))
                .collect(),
        });
        for c in steps {
            update(&mut state, char_key(c));
            let rows = shown(&state);
            let unique: HashSet<u64> = rows.iter().copied().collect();
            prop_assert_eq!(unique.len(), rows.len(), "a row shows twice: {:?}", rows);
            prop_assert_eq!(&unique, &expected_rows(&state, &listing), "after {:?}", c);
            let pane = &state.images;
            let kept = listing
                .images
                .iter()
                .filter(|image| pane.status_filter.keeps(&image.status))
                .count();
            prop_assert_eq!(rows.len() + pane.tree.folded, kept);
            // Depth: a row one level in sits inside the subtree of the nearest row above
            // it one level out, which is its parent.
            for (at, &index) in pane.list.rows.iter().enumerate() {
                let depth = pane.tree.depth_of(index);
                if depth == 0 {
                    continue;
                }
                let above = pane.list.rows[..at]
                    .iter()
                    .rev()
                    .find(|&&i| pane.tree.depth_of(i) < depth)
                    .copied();
                prop_assert_eq!(above, pane.tree.parent_of(index));
                prop_assert_eq!(pane.tree.depth_of(above.unwrap()) + 1, depth);
            }
            if !rows.is_empty() {
                prop_assert!(pane.list.selected < rows.len());
            }
        }
    }
}
