//! Key paths through `update`, asserted on state and effects.

use super::action::{Action, Effect, RepoStats};
use super::fixtures::*;
use super::state::{Mode, Pane, State, StatsState};
use super::{start, update};
use crate::ecr::EcrError;
use crate::ecr::model::{CredentialSource, RegistryTarget};
use crossterm::event::KeyCode;

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
fn navigation_moves_and_clamps() {
    let mut state = with_repositories(&["a/1", "a/2", "a/3"]);
    update(&mut state, char_key('j'));
    update(&mut state, key(KeyCode::Down));
    assert_eq!(state.repositories.list.selected, 2);
    update(&mut state, char_key('j'));
    assert_eq!(state.repositories.list.selected, 2, "clamped at the end");
    update(&mut state, key(KeyCode::Home));
    assert_eq!(state.repositories.list.selected, 0);
    update(&mut state, key(KeyCode::End));
    assert_eq!(state.repositories.list.selected, 2);
    update(&mut state, char_key('k'));
    assert_eq!(state.repositories.list.selected, 1);
}

#[test]
fn page_down_moves_by_the_visible_height() {
    let names: Vec<String> = (0..100).map(|i| format!("repo/{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut state = with_repositories(&refs);
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    update(&mut state, key(KeyCode::PageDown));
    assert_eq!(state.repositories.list.selected, 19);
    assert_eq!(state.repositories.list.offset, 1);
}

#[test]
fn filter_narrows_live_and_esc_clears() {
    let mut state = with_repositories(&["payments/api", "payments/worker", "web/frontend"]);
    update(&mut state, char_key('/'));
    assert_eq!(state.mode, Mode::Filter);
    for c in "pay".chars() {
        update(&mut state, char_key(c));
    }
    assert_eq!(visible_repos(&state), ["payments/api", "payments/worker"]);
    // j is text while filtering, not a move
    update(&mut state, char_key('w'));
    assert_eq!(visible_repos(&state), ["payments/worker"]);
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.mode, Mode::Normal);
    assert_eq!(
        visible_repos(&state),
        ["payments/worker"],
        "filter stays after Enter"
    );
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(
        visible_repos(&state).len(),
        3,
        "Esc clears the filter first"
    );
    assert_eq!(state.pane, Pane::Repositories);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.pane, Pane::Registries, "then goes back");
}

#[test]
fn esc_in_the_filter_prompt_restores_the_full_list() {
    let mut state = with_repositories(&["payments/api", "web/frontend"]);
    update(&mut state, char_key('/'));
    update(&mut state, char_key('w'));
    assert_eq!(visible_repos(&state), ["web/frontend"]);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.mode, Mode::Normal);
    assert_eq!(visible_repos(&state).len(), 2);
}

#[test]
fn images_default_to_newest_push_first_and_sort_cycles() {
    let mut state = with_repositories(&["payments/api"]);
    open_with_images(
        &mut state,
        vec![
            image(1, &["old"], 30),
            image(2, &["new"], 1),
            image(3, &["mid"], 10),
        ],
    );
    assert_eq!(state.pane, Pane::Images);
    assert_eq!(visible_tags(&state), ["new", "mid", "old"]);
    update(&mut state, char_key('S'));
    assert_eq!(visible_tags(&state), ["old", "mid", "new"]);
    update(&mut state, char_key('s')); // tags
    assert_eq!(visible_tags(&state), ["old", "new", "mid"]);
    update(&mut state, char_key('s')); // size, largest first
    assert_eq!(visible_tags(&state), ["mid", "new", "old"]);
}

#[test]
fn repositories_sort_by_size_once_stats_arrive() {
    let mut state = with_repositories(&["a", "b", "c"]);
    let generation = state.repositories.generation;
    for (name, bytes) in [("a", 10), ("b", 30), ("c", 20)] {
        update(
            &mut state,
            Action::RepositoryStatsLoaded {
                registry: reg(0),
                generation,
                repository: name.into(),
                result: Ok(RepoStats { images: 1, bytes }),
            },
        );
    }
    update(&mut state, char_key('s')); // images
    update(&mut state, char_key('s')); // size
    assert_eq!(visible_repos(&state), ["b", "c", "a"]);
}

#[test]
fn stale_results_are_dropped() {
    let mut state = with_repositories(&["payments/api", "web/frontend"]);
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchImages {
        generation: first, ..
    }) = fetch_images(&effects).cloned()
    else {
        panic!("expected a fetch");
    };
    // The user leaves and opens another repository before the first answer arrives.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, char_key('j'));
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchImages {
        generation: second,
        repository,
        ..
    }) = fetch_images(&effects).cloned()
    else {
        panic!("expected a fetch");
    };
    assert_eq!(repository, "web/frontend");
    assert_ne!(first, second);
    update(
        &mut state,
        Action::ImagesPage {
            generation: first,
            result: Ok(page(vec![image(1, &["from-payments"], 1)], None)),
        },
    );
    assert!(state.images.images.is_empty(), "stale page was applied");
    update(
        &mut state,
        Action::ImagesPage {
            generation: second,
            result: Ok(page(vec![image(2, &["from-web"], 1)], None)),
        },
    );
    assert_eq!(visible_tags(&state), ["from-web"]);

    // Stats from before a refresh are dropped too.
    let old = state.repositories.generation;
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.pane, Pane::Repositories);
    update(&mut state, char_key('r'));
    let fresh = state.repositories.generation;
    assert_ne!(fresh, old);
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation: fresh,
            result: Ok(page(vec![repo("web/frontend")], None)),
        },
    );
    update(
        &mut state,
        Action::RepositoryStatsLoaded {
            registry: reg(0),
            generation: old,
            repository: "web/frontend".into(),
            result: Ok(RepoStats {
                images: 9,
                bytes: 9,
            }),
        },
    );
    assert_eq!(state.repositories.rows[0].stats, StatsState::Pending);
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
fn errors_are_shown_and_the_rest_keeps_working() {
    let mut state = with_repositories(&["payments/api", "secret/repo"]);
    let generation = state.repositories.generation;
    update(
        &mut state,
        Action::RepositoryStatsLoaded {
            registry: reg(0),
            generation,
            repository: "secret/repo".into(),
            result: Err(EcrError::AccessDenied {
                action: "ecr:DescribeImages".into(),
                subject: "secret/repo".into(),
                message: String::new(),
            }),
        },
    );
    assert!(
        state
            .status
            .error_text()
            .unwrap()
            .contains("AccessDenied on ecr:DescribeImages for secret/repo")
    );
    update(&mut state, char_key('j'));
    assert_eq!(state.repositories.list.selected, 1, "keys still work");
}

#[test]
fn enter_on_a_registry_switches_and_refetches() {
    let mut state = with_repositories(&["payments/api"]);
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.pane, Pane::Registries);
    // Opening the same registry again does not refetch.
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, char_key('j'));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(matches!(
        effects.as_slice(),
        [
            Effect::FetchRepositories { registry, .. },
            Effect::RememberLocation { .. }
        ] if *registry == reg(1)
    ));
    assert!(state.repositories.rows.is_empty());
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let mut state = with_repositories(&["a"]);
    update(&mut state, char_key('?'));
    assert_eq!(state.mode, Mode::Help);
    update(&mut state, char_key('q'));
    assert_eq!(state.mode, Mode::Normal);
    assert!(!state.should_quit, "q closes help before it quits");
    let effects = update(&mut state, char_key('q'));
    assert_eq!(effects, vec![Effect::Quit]);
    assert!(state.should_quit);
}

#[test]
fn command_line_switches_region_adding_a_registry() {
    let mut state = with_repositories(&["payments/api"]);
    let effects = type_line(&mut state, "region ap-south-1");
    assert_eq!(state.registries.rows.len(), 3);
    assert_eq!(state.registries.rows[2].target.label(), "env/ap-south-1");
    let added = RegistryTarget::new(CredentialSource::Environment, "ap-south-1");
    // The new registry's effects name it: the executor needs no list of its own.
    assert!(effects.contains(&Effect::LoadAccount {
        registry: added.clone()
    }));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchRepositories { registry, .. } if *registry == added))
    );
    assert_eq!(state.repositories.registry, added);
    // An existing registry is reused, not duplicated.
    type_line(&mut state, "profile prod");
    assert_eq!(state.registries.rows.len(), 4, "prod × ap-south-1 is new");
    type_line(&mut state, "region eu-west-1");
    assert_eq!(
        state.registries.rows.len(),
        4,
        "prod × eu-west-1 already existed"
    );
    assert_eq!(state.repositories.registry, reg(1));
}

#[test]
fn command_line_jumps_to_a_repository_and_tag() {
    let mut state = with_repositories(&["payments/api", "web/frontend"]);
    let effects = type_line(&mut state, "web/frontend:v2");
    let Some(Effect::FetchImages {
        repository,
        generation,
        ..
    }) = effects
        .iter()
        .find(|e| matches!(e, Effect::FetchImages { .. }))
        .cloned()
    else {
        panic!("the jump should open the repository: {effects:?}");
    };
    assert_eq!(repository, "web/frontend");
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(
                vec![
                    image(1, &["v1"], 1),
                    image(2, &["v2"], 5),
                    image(3, &["v3"], 9),
                ],
                None,
            )),
        },
    );
    let selected = state.images.list.selected_item().unwrap();
    assert_eq!(state.images.images[selected].tags, ["v2"]);
    assert!(state.jump.is_none());
}

#[test]
fn a_jump_waits_for_the_repository_to_arrive() {
    let mut state = State::new(targets(), now());
    state.jump = Some(super::state::Jump {
        repository: "web/frontend".into(),
        tag: None,
        open: true,
    });
    start(&mut state);
    let effects = update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation: 1,
            result: Ok(page(vec![repo("payments/api"), repo("web/frontend")], None)),
        },
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::FetchImages { repository, .. } if repository == "web/frontend"
    )));
    assert_eq!(state.pane, Pane::Images);
}

#[test]
fn unknown_commands_are_reported_with_a_suggestion_and_history_is_kept() {
    let mut state = with_repositories(&["a"]);
    let effects = type_line(&mut state, "regoin x");
    assert_eq!(
        state.status.error_text(),
        Some("unknown command :regoin — did you mean :region?")
    );
    assert_eq!(
        effects,
        vec![Effect::SaveHistory {
            lines: vec!["regoin x".into()]
        }]
    );
    type_line(&mut state, "repos");
    update(&mut state, char_key(':'));
    update(&mut state, key(KeyCode::Up));
    assert_eq!(state.command_input.value(), "repos");
    update(&mut state, key(KeyCode::Up));
    assert_eq!(state.command_input.value(), "regoin x");
    update(&mut state, key(KeyCode::Down));
    assert_eq!(state.command_input.value(), "repos");
}

#[test]
fn tab_completes_repository_names_in_the_command_line() {
    let mut state = with_repositories(&["payments/api", "payments/worker", "web/frontend"]);
    update(&mut state, char_key(':'));
    update(&mut state, char_key('w'));
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.command_input.value(), "web/frontend");
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, char_key(':'));
    for c in "pay".chars() {
        update(&mut state, char_key(c));
    }
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.command_input.value(), "payments/");
    assert_eq!(state.completions, ["payments/api", "payments/worker"]);
}

#[test]
fn mouse_clicks_select_rows_and_sort_by_header() {
    let mut state = with_repositories(&["a", "b", "c"]);
    update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    click(&mut state, 5, 4); // third row
    assert_eq!(state.repositories.list.selected, 2);
    click(&mut state, 5, 20); // below the rows: nothing
    assert_eq!(state.repositories.list.selected, 2);
    // The REPOSITORY header sorts by name; clicking again reverses.
    click(&mut state, 2, 1);
    assert_eq!(visible_repos(&state), ["c", "b", "a"]);
    click(&mut state, 2, 1);
    assert_eq!(visible_repos(&state), ["a", "b", "c"]);
}

#[test]
fn expired_credentials_name_the_command_that_renews_them() {
    let mut state = State::new(targets(), now());
    start(&mut state);
    // Registry 1 is the prod profile.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, char_key('j'));
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchRepositories { generation, .. }) = effects.first().cloned() else {
        panic!("expected a fetch");
    };
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(1),
            generation,
            result: Err(EcrError::CredentialsExpired {
                action: "ecr:DescribeRepositories".into(),
                subject: "prod/eu-west-1".into(),
            }),
        },
    );
    let error = state.status.error_text().unwrap();
    assert!(error.contains("aws sso login --profile prod"), "{error}");
    assert!(error.contains("press r"), "{error}");
}

#[test]
fn a_retry_shows_in_the_status_and_a_failed_later_page_marks_the_list_partial() {
    let mut state = with_repositories(&["web/app"]);
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects).cloned() else {
        panic!("expected a fetch");
    };
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Ok(page(vec![image(1, &["a"], 1)], Some("p2"))),
        },
    );
    update(
        &mut state,
        Action::Retrying {
            reason: "ecr:DescribeImages for web/app (ThrottlingException)".into(),
            delay: std::time::Duration::from_millis(400),
        },
    );
    assert_eq!(
        state.retrying.as_deref(),
        Some("retrying ecr:DescribeImages for web/app (ThrottlingException) in 0.4 s")
    );
    update(
        &mut state,
        Action::ImagesPage {
            generation,
            result: Err(EcrError::Throttled {
                action: "ecr:DescribeImages".into(),
                subject: "web/app".into(),
            }),
        },
    );
    assert!(state.retrying.is_none());
    assert_eq!(state.images.images.len(), 1, "rows already shown stay");
    assert!(state.images.error.is_some());
    assert!(state.images.loading.is_none());
}

#[test]
fn a_size_sweep_result_ends_the_retry_notice() {
    let mut state = with_repositories(&["web/app"]);
    let generation = state.repositories.generation;
    update(
        &mut state,
        Action::Retrying {
            reason: "ecr:DescribeImages for web/app (ThrottlingException)".into(),
            delay: std::time::Duration::from_millis(100),
        },
    );
    assert!(state.retrying.is_some());
    update(
        &mut state,
        Action::RepositoryStatsLoaded {
            registry: reg(0),
            generation,
            repository: "web/app".into(),
            result: Ok(RepoStats {
                images: 3,
                bytes: 30,
            }),
        },
    );
    assert!(
        state.retrying.is_none(),
        "the retried call came back; the notice must not stay forever"
    );
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

/// Registry rows may be reordered or added; results find their row by identity.
#[test]
fn a_result_for_one_registry_never_lands_in_another() {
    let mut state = with_repositories(&["web/app"]);
    let generation = state.repositories.generation;
    // A listing page and a size sweep result of registry 1, with the open pane's generation.
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(1),
            generation,
            result: Ok(page(vec![repo("other/only")], None)),
        },
    );
    update(
        &mut state,
        Action::RepositoryStatsLoaded {
            registry: reg(1),
            generation,
            repository: "web/app".into(),
            result: Ok(RepoStats {
                images: 99,
                bytes: 1,
            }),
        },
    );
    let names: Vec<&str> = state
        .repositories
        .rows
        .iter()
        .map(|r| r.repo.name.as_str())
        .collect();
    assert_eq!(names, ["web/app"]);
    assert_eq!(state.repositories.rows[0].stats, StatsState::Pending);
    assert_eq!(state.registries.rows[1].repositories, None);

    // Reordered rows: the account still lands on the row it belongs to.
    state.registries.rows.swap(0, 1);
    update(
        &mut state,
        Action::AccountLoaded {
            registry: reg(1),
            result: Ok("222222222222".into()),
        },
    );
    let row = state.registries.row(&reg(1)).unwrap();
    assert_eq!(row.account.as_deref(), Some("222222222222"));
    assert_eq!(state.registries.row(&reg(0)).unwrap().account, None);

    // A result for a registry berth has no row for is dropped.
    let stranger = RegistryTarget::new(CredentialSource::Profile("gone".into()), "us-west-2");
    update(
        &mut state,
        Action::AccountLoaded {
            registry: stranger.clone(),
            result: Ok("333333333333".into()),
        },
    );
    update(
        &mut state,
        Action::RepositoryCount {
            registry: stranger,
            result: Ok(5),
        },
    );
    assert_eq!(state.registries.rows.len(), 2);
    assert!(
        state
            .registries
            .rows
            .iter()
            .all(|r| r.account.as_deref() != Some("333333333333") && r.repositories != Some(5))
    );
}

/// `y` copies a URI of the registry whose images are on screen: its account and region.
#[test]
fn a_copy_names_the_registry_on_screen() {
    let mut state = State::new(targets(), now());
    start(&mut state);
    state.registries.rows[0].account = Some("111111111111".into());
    state.registries.rows[1].account = Some("222222222222".into());
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, char_key('j'));
    let effects = update(&mut state, key(KeyCode::Enter));
    let Some(Effect::FetchRepositories {
        registry,
        generation,
    }) = effects.first().cloned()
    else {
        panic!("Enter on the second registry lists it: {effects:?}");
    };
    assert_eq!(registry, reg(1));
    update(
        &mut state,
        Action::RepositoriesPage {
            registry,
            generation,
            result: Ok(page(vec![repo("payments/api")], None)),
        },
    );
    open_with_images(&mut state, vec![image(7, &["v1"], 1)]);
    let effects = update(&mut state, char_key('y'));
    let Some(Effect::CopyToClipboard { text }) = effects.first() else {
        panic!("y copies: {effects:?}");
    };
    assert_eq!(
        text,
        &format!(
            "222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments/api@{}",
            image(7, &[], 0).digest
        )
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

/// An images pane on `web/app` with three images and the account known (copies work).
fn three_images() -> State {
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

fn copied(effects: &[Effect]) -> Option<&str> {
    effects.iter().find_map(|e| match e {
        Effect::CopyToClipboard { text } => Some(text.as_str()),
        _ => None,
    })
}

fn selected_image_digest(state: &State) -> String {
    let item = state.images.list.selected_item().expect("a selection");
    state.images.images[item].digest.clone()
}

#[test]
fn keys_do_nothing_but_quit_while_the_terminal_is_too_small() {
    let mut state = three_images();
    update(&mut state, key(KeyCode::Down));
    let before = (state.images.list.selected, selected_image_digest(&state));
    update(
        &mut state,
        Action::Resize {
            width: 50,
            height: 12,
        },
    );
    for c in ['k', 'd', 'y', 't', ' '] {
        let effects = update(&mut state, char_key(c));
        assert!(effects.is_empty(), "{c}: {effects:?}");
    }
    assert!(
        state.dialog.is_none(),
        "nothing opened where it cannot be seen"
    );
    assert!(state.images.marked.is_empty());
    assert_eq!(
        (state.images.list.selected, selected_image_digest(&state)),
        before
    );
    update(&mut state, char_key('q'));
    assert!(state.should_quit, "quit still works");
}

#[test]
fn a_key_pressed_while_the_registry_answers_acts_once_it_has() {
    let mut state = three_images();
    let digest = selected_image_digest(&state);
    update(&mut state, char_key('t'));
    for c in "v9".chars() {
        update(&mut state, char_key(c));
    }
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::CheckTag { .. })),
        "{effects:?}"
    );
    // `y` straight after: held, not lost, not acted on under the busy dialog.
    let effects = update(&mut state, char_key('y'));
    assert!(copied(&effects).is_none());
    let effects = update(
        &mut state,
        Action::TagChecked {
            digest: digest.clone(),
            tag: "v9".into(),
            result: Ok(None),
        },
    );
    assert!(copied(&effects).is_none(), "still waiting for PutImage");
    let effects = update(
        &mut state,
        Action::TagPut {
            tag: "v9".into(),
            result: super::operate::TagResult::Tagged,
        },
    );
    let text = copied(&effects).expect("the held y copies once the tag is put");
    assert!(text.ends_with(&format!("web/app@{digest}")), "{text}");
    assert!(state.held_keys.is_empty());
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

#[test]
fn a_bare_repository_name_jumps_when_it_is_no_command() {
    let mut state = with_repositories(&["nginx", "web/app"]);
    let effects = type_line(&mut state, "nginx");
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::FetchImages { repository, .. } if repository == "nginx"
        )),
        "{effects:?}"
    );
    assert_eq!(state.status.error_text(), None);
    // A word that names no repository is still an unknown command.
    type_line(&mut state, "zzzzzz");
    assert_eq!(state.status.error_text(), Some("unknown command :zzzzzz"));
}

/// A key typed while the registry checked the tag must never answer the question the
/// answer raises (the tag names another image: move it?).
#[test]
fn a_held_key_never_answers_a_question_it_was_typed_before() {
    let mut state = three_images();
    let digest = selected_image_digest(&state);
    let other = state.images.images[1].digest.clone();
    update(&mut state, char_key('t'));
    for c in "v9".chars() {
        update(&mut state, char_key(c));
    }
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, char_key('y'));
    let effects = update(
        &mut state,
        Action::TagChecked {
            digest,
            tag: "v9".into(),
            result: Ok(Some(other)),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::PutTag { .. })),
        "the held y must not confirm the move: {effects:?}"
    );
    assert!(state.dialog.is_some(), "the move question is on screen");
    assert!(state.held_keys.is_empty());
    assert_eq!(
        state.status.info_text(),
        Some("1 key typed while berth waited not used: the dialog needs an answer")
    );
}
