//! Moving around through `update`: keys, the filter prompt, sorting, the mouse, help, a
//! terminal too small to draw in.

use super::{selected_image_digest, three_images};
use crate::app::action::{Action, Effect, RepoStats};
use crate::app::fixtures::*;
use crate::app::state::{Mode, Pane};
use crate::app::update;
use crossterm::event::KeyCode;

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
fn enter_before_the_repositories_are_listed_says_why_nothing_opened() {
    let mut state = crate::app::State::new(targets(), now());
    let effects = crate::app::update::start(&mut state);
    assert!(!effects.is_empty(), "the listing is asked for");
    assert!(state.repositories.loading.is_some());
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.pane, Pane::Repositories);
    assert!(
        state
            .status
            .messages()
            .iter()
            .any(|m| m.text.contains("still being listed")),
        "a key is never swallowed silently: {:?}",
        state.status.messages()
    );
}
