//! The `:` line through `update`: registry switches, jumps, history, completion.

use crate::app::action::{Action, Effect};
use crate::app::fixtures::*;
use crate::app::state::{Pane, State};
use crate::app::{start, update};
use crate::ecr::model::{CredentialSource, RegistryTarget};
use crossterm::event::KeyCode;

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
    state.jump = Some(crate::app::state::Jump {
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
