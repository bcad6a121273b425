//! Listings through `update`: the first one, pages as they arrive, counts and sizes,
//! reloads that keep their rows until they are complete.

use super::{copied, selected_image_digest, three_images};
use crate::app::action::{Action, Effect, RepoStats};
use crate::app::fixtures::*;
use crate::app::state::{Pane, State, StatsState};
use crate::app::{start, update};
use crate::ecr::EcrError;
use crossterm::event::KeyCode;

#[test]
fn start_loads_accounts_and_the_current_registry() {
    let mut state = State::new(targets(), now());
    let effects = start(&mut state);
    assert_eq!(
        effects,
        vec![
            Effect::LoadAccount { registry: reg(0) },
            Effect::LoadAccount { registry: reg(1) },
            Effect::FetchRepositories {
                registry: reg(0),
                generation: 1
            },
            Effect::RememberLocation {
                profile: "env".into(),
                region: "us-east-1".into(),
                repository: None
            },
            Effect::CountRepositories { registry: reg(1) },
        ]
    );
    assert!(state.registries.rows.iter().all(|r| r.reading));
    assert_eq!(state.pane, Pane::Repositories);
    assert!(state.repositories.loading.is_some());
}

#[test]
fn repository_pages_append_and_ask_for_stats() {
    let mut state = State::new(targets(), now());
    start(&mut state);
    let effects = update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation: 1,
            result: Ok(page(vec![repo("web/frontend")], Some("t1"))),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::FetchRepositoryStats {
            registry: reg(0),
            generation: 1,
            repositories: vec!["web/frontend".into()]
        }]
    );
    assert!(state.repositories.loading.is_some(), "more pages to come");
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation: 1,
            result: Ok(page(vec![repo("base/python")], None)),
        },
    );
    assert_eq!(visible_repos(&state), ["base/python", "web/frontend"]);
    assert!(state.repositories.loading.is_none());
    assert_eq!(state.registries.rows[0].repositories, Some(2));
}

#[test]
fn a_new_page_does_not_move_the_selection() {
    let mut state = with_repositories(&["payments/api"]);
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects).cloned() else {
        panic!("expected a fetch");
    };
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(
                (0..50).map(|n| image(n, &["x"], n as i64)).collect(),
                Some("p2"),
            )),
        },
    );
    update(&mut state, char_key('j'));
    update(&mut state, char_key('j'));
    let selected = state.images.list.selected_item();
    let screen_row = state.images.list.selected - state.images.list.offset;
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(
                (50..100).map(|n| image(n, &["y"], n as i64)).collect(),
                None,
            )),
        },
    );
    assert_eq!(state.images.list.selected_item(), selected);
    assert_eq!(
        state.images.list.selected - state.images.list.offset,
        screen_row
    );
    assert!(state.images.loading.is_none());
    assert_eq!(state.images.images.len(), 100);
}

#[test]
fn a_complete_listing_sets_the_repository_count_and_size() {
    let mut state = with_repositories(&["web/app", "web/api"]);
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects) else {
        panic!("Enter should fetch images");
    };
    let generation = *generation;
    let first = vec![image(1, &["a"], 1), image(2, &[], 2)];
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(first, Some("next"))),
        },
    );
    let opened = state.images.repository.as_ref().unwrap().name.clone();
    let stats_of = |state: &State, name: &str| {
        state
            .repositories
            .rows
            .iter()
            .find(|r| r.repo.name == name)
            .map(|r| r.stats.clone())
    };
    let row = |state: &State| stats_of(state, &opened);
    assert_eq!(
        row(&state),
        Some(StatsState::Pending),
        "a partial listing says nothing about the total"
    );
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(vec![image(3, &["b"], 3)], None)),
        },
    );
    // Sizes are 1 MB × (n + 1): 2 + 3 + 4 MB.
    assert_eq!(
        row(&state),
        Some(StatsState::Loaded(RepoStats {
            images: 3,
            bytes: 9_000_000
        }))
    );
    let other = if opened == "web/app" {
        "web/api"
    } else {
        "web/app"
    };
    assert_eq!(stats_of(&state, other), Some(StatsState::Pending));

    // The size sweep that started with the repository list, before the listing, comes
    // back late with older figures: the listing's stay.
    let sweep = state.repositories.generation;
    assert!(sweep < generation);
    let late = |state: &mut State, generation: u64| {
        update(
            state,
            Action::RepositoryStatsLoaded {
                registry: reg(0),
                generation,
                repository: opened.clone(),
                result: Ok(RepoStats {
                    images: 5,
                    bytes: 1,
                }),
            },
        )
    };
    late(&mut state, sweep);
    assert_eq!(
        row(&state),
        Some(StatsState::Loaded(RepoStats {
            images: 3,
            bytes: 9_000_000
        }))
    );
    // A sweep newer than the listing does apply.
    let newer = generation + 1;
    state.repositories.generation = newer;
    late(&mut state, newer);
    assert_eq!(
        row(&state),
        Some(StatsState::Loaded(RepoStats {
            images: 5,
            bytes: 1
        }))
    );
}

/// Registries never opened are counted in the background; the row says what it knows.
#[test]
fn other_registries_are_counted_and_their_rows_say_so() {
    let mut state = State::new(targets(), now());
    let effects = start(&mut state);
    assert!(effects.contains(&Effect::CountRepositories { registry: reg(1) }));
    assert!(!effects.contains(&Effect::CountRepositories { registry: reg(0) }));
    assert!(state.registries.rows[1].reading);
    update(
        &mut state,
        Action::RepositoryCount {
            registry: reg(1),
            result: Ok(12),
        },
    );
    let row = &state.registries.rows[1];
    assert_eq!((row.repositories, row.reading), (Some(12), false));
    assert!(
        state.repositories.rows.is_empty(),
        "the open pane is untouched"
    );

    // A failure shows on the row, explained, and leaves the status line alone.
    update(&mut state, key(KeyCode::Esc));
    let effects = update(&mut state, char_key('r'));
    assert!(effects.contains(&Effect::CountRepositories { registry: reg(1) }));
    assert!(state.registries.rows[1].reading);
    update(
        &mut state,
        Action::RepositoryCount {
            registry: reg(1),
            result: Err(EcrError::CredentialsExpired {
                action: "ecr:DescribeRepositories".into(),
                subject: "prod/eu-west-1".into(),
            }),
        },
    );
    let row = &state.registries.rows[1];
    assert!(!row.reading);
    assert!(
        row.error
            .as_deref()
            .is_some_and(|e| e.contains("aws sso login --profile prod")),
        "{:?}",
        row.error
    );
    assert_eq!(state.status.error_text(), None);
}

/// A terminal taller than the default, sized before `start` as the runtime does: a jump
/// to the last repository must not scroll rows off the top while blank rows fill the
/// bottom (the list's viewport is the real one from the first row on).
#[test]
fn the_first_listing_uses_the_real_terminal_height() {
    let names: Vec<String> = (0..45).map(|n| format!("team/service-{n:02}")).collect();
    let mut state = State::new(targets(), now());
    state.width = 200;
    state.height = 53;
    state.jump = Some(crate::app::state::Jump {
        repository: "team/service-44".into(),
        tag: None,
        open: false,
    });
    let effects = start(&mut state);
    let Some(Effect::FetchRepositories { generation, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::FetchRepositories { .. }))
        .cloned()
    else {
        panic!("start should fetch repositories, got {effects:?}");
    };
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation,
            result: Ok(page(names.iter().map(|n| repo(n)).collect(), None)),
        },
    );
    let list = &state.repositories.list;
    assert_eq!(list.selected, 44, "the jump selected the last repository");
    assert!(45 <= state.body_height(), "every row fits");
    assert_eq!(
        list.offset, 0,
        "all 45 rows fit: none may be scrolled off the top"
    );
}

#[test]
fn a_reload_keeps_the_rows_keys_act_on_until_it_is_complete() {
    let mut state = three_images();
    update(&mut state, key(KeyCode::Down));
    let digest = selected_image_digest(&state);
    let shown: Vec<usize> = state.images.list.rows.clone();
    let effects = update(&mut state, char_key('r'));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects).cloned() else {
        panic!("r reloads the images: {effects:?}");
    };
    // A first page, in another order and without the selected image.
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(vec![image(4, &["v4"], 0)], Some("more"))),
        },
    );
    assert_eq!(state.images.list.rows, shown, "the old rows stay on screen");
    assert_eq!(selected_image_digest(&state), digest);
    let effects = update(&mut state, char_key('y'));
    let text = copied(&effects).expect("y copies the selected image");
    assert!(text.ends_with(&digest), "{text}");
    // The last page: the new listing replaces the rows, the user's image still selected.
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(
                vec![
                    image(3, &["v3"], 3),
                    image(2, &["v2"], 2),
                    image(1, &["v1"], 1),
                ],
                None,
            )),
        },
    );
    assert_eq!(state.images.list.rows.len(), 4);
    assert_eq!(selected_image_digest(&state), digest);
}
