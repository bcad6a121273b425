//! Jumps (`:repository` or `:repository:tag`): select, and open, what the jump names once
//! its listing has brought it, clearing a filter that hides it.

use crate::app::action::Effect;
use crate::app::state::{Jump, Pane, State};
use crate::app::status::Topic;

/// Select (and maybe open) the repository a pending jump names, once it has arrived.
/// Every repository is searched, not only the rows the filter shows: a filter that hides
/// the target is cleared. When `done` and it is not there, the jump ends saying so.
pub(super) fn apply_repository_jump(state: &mut State, done: bool) -> Vec<Effect> {
    let Some(jump) = state.jump.clone() else {
        return Vec::new();
    };
    let pane = &state.repositories;
    let Some(item) = pane
        .rows
        .iter()
        .position(|r| r.repo.name == jump.repository)
    else {
        if done {
            state.jump = None;
            state.status.error(
                Topic::Command,
                format!("repository {} not found in this registry", jump.repository),
            );
        }
        return Vec::new();
    };
    if !state.repositories.list.rows.contains(&item) {
        state.repositories.list.filter.set("");
        state.filter_input.reset();
        state.rebuild_repositories();
    }
    let list = &mut state.repositories.list;
    if let Some(position) = list.rows.iter().position(|&i| i == item) {
        list.select(position);
    }
    if !jump.open {
        state.jump = None;
        return Vec::new();
    }
    if jump.tag.is_none() {
        state.jump = None;
    }
    state.pane = Pane::Repositories;
    let effects = super::navigate::open(state);
    // The repository's images are on screen already: select the tag now, or say why not.
    if effects.is_empty() {
        let done = state.images.loading.is_none();
        apply_image_jump(state, done);
    }
    effects
}

/// Select the image a pending jump names, once it has arrived. Every image is searched,
/// and a filter that hides it is cleared. When `done` and no image has the tag, the jump
/// ends saying so: it never waits for a later listing.
pub(super) fn apply_image_jump(state: &mut State, done: bool) {
    let Some(Jump {
        tag: Some(tag),
        repository,
        ..
    }) = state.jump.clone()
    else {
        return;
    };
    if state.images.repository.as_ref().map(|r| &r.name) != Some(&repository) {
        return;
    }
    let pane = &mut state.images;
    let Some(item) = pane.images.iter().position(|i| i.tags.contains(&tag)) else {
        if done {
            state.jump = None;
            state.status.error(
                Topic::Command,
                format!("no image tagged {tag} in {repository}"),
            );
        }
        return;
    };
    if !pane.list.rows.contains(&item) {
        pane.list.filter.set("");
        pane.usage_filter = crate::app::usage::UsageFilter::All;
        state.filter_input.reset();
        state.rebuild_images();
    }
    let list = &mut state.images.list;
    if let Some(position) = list.rows.iter().position(|&i| i == item) {
        list.select(position);
    }
    state.jump = None;
}
