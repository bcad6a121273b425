//! Answers that must not land, and answers that failed: stale generations, results for
//! another registry, errors, expired credentials and retries.

use crate::app::action::{Action, Effect, RepoStats};
use crate::app::fixtures::*;
use crate::app::state::{Pane, State, StatsState};
use crate::app::{start, update};
use crate::ecr::EcrError;
use crate::ecr::model::{CredentialSource, RegistryTarget};
use crossterm::event::KeyCode;

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
