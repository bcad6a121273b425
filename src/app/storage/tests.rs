//! True storage through `update`: the images pane asks for its figures once a listing
//! is complete, shows them (or `…` / `?` / a bound), sorts by them, and the marks, the
//! delete confirmation and the lifecycle view take what they free from them.

use crate::app::action::{Action, Effect};
use crate::app::fixtures::{
    digest, fetch_images, fixture_storage, image, lifecycle_storage, open_with_images,
    open_with_storage, page, press, read_storage, reg, with_repositories,
};
use crate::app::operate::Dialog;
use crate::app::state::{IMAGE_SORTS, State};
use crate::app::status::Topic;
use crate::app::update;
use crate::ecr::model::Image;
use crate::storage::{Bound, Figure};
use crossterm::event::KeyCode;

/// The generation of the listing `effects` start.
fn listing(effects: &[Effect]) -> u64 {
    match fetch_images(effects) {
        Some(Effect::FetchImages { generation, .. }) => *generation,
        _ => panic!("a listing should start: {effects:?}"),
    }
}

/// Open the selected repository and list `images` in one page; the listing's effects.
fn list(state: &mut State, images: Vec<Image>) -> Vec<Effect> {
    let effects = press(state, KeyCode::Enter);
    let generation = listing(&effects);
    update(
        state,
        Action::ImagesPage {
            generation,
            result: Ok(page(images, None)),
        },
    )
}

/// Three images 0, 1, 2 (1, 2 and 3 MB listed), all sharing the fixture base layer.
fn three() -> Vec<Image> {
    vec![
        image(0, &["v0"], 3),
        image(1, &["v1"], 2),
        image(2, &["v2"], 1),
    ]
}

fn state_with(images: Vec<Image>, unreadable: &[&str]) -> State {
    let mut state = with_repositories(&["web/app"]);
    state.registries.rows[0].account = Some("123456789012".into());
    open_with_storage(&mut state, images, unreadable);
    state
}

/// What the fixture says deleting only image `n` frees: its config and its own layer.
fn unique_of(n: u64) -> u64 {
    1_000 + 1_000_000 * (n + 1) / 2
}

fn row_of(state: &State, n: u64) -> usize {
    let wanted = digest(n);
    state
        .images
        .images
        .iter()
        .position(|i| i.digest == wanted)
        .unwrap()
}

#[test]
fn a_complete_listing_asks_for_the_storage_of_exactly_its_images() {
    let mut state = with_repositories(&["web/app"]);
    let effects = press(&mut state, KeyCode::Enter);
    let generation = listing(&effects);
    // A first page: the listing is not complete, nothing is read yet.
    let effects = update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(vec![image(0, &[], 1)], Some("next"))),
        },
    );
    assert_eq!(read_storage(&effects), None);
    assert!(!state.images.storage.reading);
    let effects = update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(vec![image(1, &[], 2)], None)),
        },
    );
    let (repository, digests, _) = read_storage(&effects).expect("the complete listing asks");
    assert_eq!(repository, "web/app");
    assert_eq!(digests, vec![digest(0), digest(1)]);
    assert!(state.images.storage.reading);
    assert!(
        state.is_loading(),
        "the spinner turns while manifests are read"
    );
    assert_eq!(state.images.storage.unique_text(0), "…");
}

#[test]
fn the_figures_fill_the_unique_column_once_they_arrive() {
    let state = state_with(three(), &[]);
    let storage = &state.images.storage;
    assert!(!storage.reading);
    for n in 0..3 {
        assert_eq!(
            storage.unique_of(row_of(&state, n)),
            Some(Figure::exact(unique_of(n)))
        );
    }
    assert_eq!(
        storage.unique_text(row_of(&state, 0)),
        crate::format::size(unique_of(0))
    );
    assert!(state.status.about(Topic::Storage).is_none());
}

#[test]
fn a_stale_read_is_dropped_and_a_reload_asks_again() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, three());
    let first = state.images.storage.generation;
    // `r`: a reload. The rows on screen stay, and their (unknown) figures with them.
    let effects = press(&mut state, KeyCode::Char('r'));
    let generation = listing(&effects);
    let effects = update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(three(), None)),
        },
    );
    let (_, _, second) = read_storage(&effects).expect("the new listing asks again");
    assert_ne!(first, second);
    // The first read answers late: dropped.
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository: "web/app".into(),
            generation: first,
            result: Ok(fixture_storage(&three(), &[])),
        },
    );
    assert!(state.images.storage.read.is_none());
    assert!(state.images.storage.reading);
    // Another repository's read with the right number: dropped too.
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository: "web/other".into(),
            generation: second,
            result: Ok(fixture_storage(&three(), &[])),
        },
    );
    assert!(state.images.storage.read.is_none());
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository: "web/app".into(),
            generation: second,
            result: Ok(fixture_storage(&three(), &[])),
        },
    );
    assert!(state.images.storage.read.is_some());
}

#[test]
fn a_partial_read_shows_bounds_and_says_why() {
    let unreadable = digest(1);
    let state = state_with(three(), &[&unreadable]);
    let storage = &state.images.storage;
    assert_eq!(storage.unique_text(row_of(&state, 1)), "?");
    let figure = storage.unique_of(row_of(&state, 0)).unwrap();
    assert_eq!(figure.bound, Bound::AtMost, "an unknown image may share");
    assert!(storage.unique_text(row_of(&state, 0)).starts_with('≤'));
    let note = state
        .status
        .about(Topic::Storage)
        .expect("the status says so");
    assert!(note.text.contains("1 image"), "{}", note.text);
    assert!(note.text.contains("AccessDenied"), "{}", note.text);
}

#[test]
fn a_failed_read_leaves_every_figure_unknown() {
    let mut state = with_repositories(&["web/app"]);
    let effects = list(&mut state, three());
    let (_, _, generation) = read_storage(&effects).unwrap();
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository: "web/app".into(),
            generation,
            result: Err("no route to the registry".into()),
        },
    );
    assert_eq!(state.images.storage.unique_text(0), "?");
    assert!(
        state
            .status
            .about(Topic::Storage)
            .is_some_and(|m| m.text.contains("no route"))
    );
}

#[test]
fn s_reaches_the_unique_column_and_sorts_largest_first() {
    let mut state = state_with(three(), &[]);
    let unique = IMAGE_SORTS.iter().position(|s| *s == "unique").unwrap();
    while state.images.list.sort_column != unique {
        press(&mut state, KeyCode::Char('s'));
    }
    assert!(state.images.list.descending);
    let order: Vec<String> = state
        .images
        .list
        .rows
        .iter()
        .map(|&i| state.images.images[i].digest.clone())
        .collect();
    assert_eq!(order, vec![digest(2), digest(1), digest(0)]);
    press(&mut state, KeyCode::Char('S'));
    assert_eq!(
        state
            .images
            .list
            .rows
            .first()
            .map(|&i| &state.images.images[i].digest),
        Some(&digest(0))
    );
}

#[test]
fn marks_show_what_deleting_them_frees() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, three());
    // Before the figures arrive: unknown, never a guess.
    press(&mut state, KeyCode::Char(' '));
    assert_eq!(state.images.storage.marked_freed(), None);
    let generation = state.images.storage.generation;
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository: "web/app".into(),
            generation,
            result: Ok(fixture_storage(&three(), &[])),
        },
    );
    let first = state.images.list.rows[0];
    let n_first = (0..3)
        .find(|&n| state.images.images[first].digest == digest(n))
        .unwrap();
    assert_eq!(
        state.images.storage.marked_freed(),
        Some(Figure::exact(unique_of(n_first)))
    );
    // Mark every image: the shared base layer is freed too.
    press(&mut state, KeyCode::Char('V'));
    let all: u64 = (0..3).map(unique_of).sum::<u64>() + 700_000;
    assert_eq!(
        state.images.storage.marked_freed(),
        Some(Figure::exact(all))
    );
    // And unmark them all.
    press(&mut state, KeyCode::Char('V'));
    assert_eq!(state.images.storage.marked_freed(), Some(Figure::exact(0)));
}

#[test]
fn the_delete_confirmation_carries_what_the_delete_frees() {
    let mut state = state_with(three(), &[]);
    press(&mut state, KeyCode::Char('V'));
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("d confirms");
    };
    let all: u64 = (0..3).map(unique_of).sum::<u64>() + 700_000;
    assert_eq!(plan.freed, Some(Figure::exact(all)));
    assert_eq!(plan.total_bytes(), 6_000_000);
}

#[test]
fn a_delete_before_the_figures_arrive_frees_an_unknown_amount() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, three());
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("d confirms");
    };
    assert_eq!(plan.freed, None);
}

#[test]
fn an_untag_frees_nothing_and_a_last_tag_frees_the_image() {
    let mut images = three();
    images[0].tags = vec!["a".into(), "b".into()];
    let mut state = state_with(images, &[]);
    // Select image 0 (pushed first, so last in the default newest-first order).
    press(&mut state, KeyCode::Char('G'));
    press(&mut state, KeyCode::Char('T'));
    press(&mut state, KeyCode::Enter);
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("T then a tag confirms: {:?}", state.dialog);
    };
    assert_eq!(plan.freed, Some(Figure::exact(0)));
    press(&mut state, KeyCode::Esc);
    // Image 1 has one tag: removing it deletes the image.
    press(&mut state, KeyCode::Char('k'));
    press(&mut state, KeyCode::Char('T'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("T on a single tag confirms: {:?}", state.dialog);
    };
    assert_eq!(plan.freed, Some(Figure::exact(unique_of(1))));
}

#[test]
fn another_repository_forgets_the_figures() {
    let mut state = with_repositories(&["web/app", "web/other"]);
    open_with_storage(&mut state, three(), &[]);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Enter);
    assert!(state.images.storage.read.is_none());
    assert!(state.images.storage.unique.is_empty());
}

#[test]
fn the_lifecycle_view_reads_storage_and_shows_what_expiring_frees() {
    use crate::app::lifecycle::{LifecycleEffect, LifecycleEvent, LoadedRepository};
    let mut state = with_repositories(&["web/app"]);
    let effects = press(&mut state, KeyCode::Char('L'));
    let Some(Effect::Lifecycle(LifecycleEffect::Load { generation, .. })) = effects.first() else {
        panic!("L loads: {effects:?}");
    };
    let effects = update(
        &mut state,
        Action::Lifecycle(LifecycleEvent::Loaded {
            generation: *generation,
            result: Ok(LoadedRepository {
                policy: Some(crate::app::lifecycle::tests::POLICY.into()),
                images: crate::app::lifecycle::tests::images(),
            }),
        }),
    );
    let (repository, digests, generation) =
        read_storage(&effects).expect("the view asks for the storage it lacks");
    assert_eq!(repository, "web/app");
    assert_eq!(digests.len(), 7);
    assert_eq!(state.lifecycle.bytes_freed, None);
    update(
        &mut state,
        Action::StorageRead {
            registry: reg(0),
            repository,
            generation,
            result: Ok(lifecycle_storage(|listed| listed)),
        },
    );
    let run = state.lifecycle.dry_run.as_ref().unwrap();
    let expired: u64 = state
        .lifecycle
        .images
        .iter()
        .filter(|i| {
            run.dispositions
                .get(&i.digest)
                .is_some_and(|d| d.is_expired())
        })
        .map(|i| i.size_bytes)
        .sum();
    // The expired images' own layers; the base stays with the images kept.
    assert_eq!(state.lifecycle.bytes_freed, Some(Figure::exact(expired)));
    assert_eq!(expired, run.summary.bytes_reclaimed);

    // `r` reloads the images, and their figures are read again.
    let effects = press(&mut state, KeyCode::Char('r'));
    let Some(Effect::Lifecycle(LifecycleEffect::Load {
        generation: load, ..
    })) = effects.first()
    else {
        panic!("r reloads: {effects:?}");
    };
    assert_eq!(state.lifecycle.bytes_freed, None);
    let effects = update(
        &mut state,
        Action::Lifecycle(LifecycleEvent::Loaded {
            generation: *load,
            result: Ok(LoadedRepository {
                policy: Some(crate::app::lifecycle::tests::POLICY.into()),
                images: crate::app::lifecycle::tests::images(),
            }),
        }),
    );
    let (_, _, again) = read_storage(&effects).expect("a reload reads the figures again");
    assert_ne!(again, generation);
}

#[test]
fn the_lifecycle_view_shares_the_images_panes_figures() {
    use crate::app::lifecycle::{LifecycleEffect, LifecycleEvent, LoadedRepository};
    let mut state = state_with(three(), &[]);
    let effects = press(&mut state, KeyCode::Char('L'));
    let Some(Effect::Lifecycle(LifecycleEffect::Load { generation, .. })) = effects.first() else {
        panic!("L loads: {effects:?}");
    };
    let records = three()
        .iter()
        .map(|i| crate::lifecycle::ImageRecord {
            digest: i.digest.clone(),
            tags: i.tags.clone(),
            pushed_at: i.pushed_at.unwrap(),
            size_bytes: i.size_bytes,
            last_pulled_at: None,
            media_type: None,
            referenced_by_manifest_list: false,
            layers: None,
            unique_bytes: None,
            status: Default::default(),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            ..crate::lifecycle::ImageRecord::default()
        })
        .collect();
    let effects = update(
        &mut state,
        Action::Lifecycle(LifecycleEvent::Loaded {
            generation: *generation,
            result: Ok(LoadedRepository {
                policy: Some(
                    r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#.into(),
                ),
                images: records,
            }),
        }),
    );
    assert_eq!(read_storage(&effects), None, "no second read");
    // Keep the newest (image 2): images 0 and 1 expire, the base stays.
    assert_eq!(
        state.lifecycle.bytes_freed,
        Some(Figure::exact(unique_of(0) + unique_of(1)))
    );
}
