//! The only place state changes: `update(state, action) -> effects`. Pure: no I/O, no
//! clock reads, no terminal.
//!
//! This module is the entry and the routing: each Action to its handler, each key to the
//! dialog, prompt or view that takes it, each Command to the module that acts on it. The
//! handlers live beside it: `navigate` (open, back, refresh, sort, filter, switching
//! registries, the views over a pane), `jump` (`:repository:tag`), `results` (what the
//! registry and the runtime answer), `command_line` (the `:` line), `mouse`, `findings`
//! (the findings pane and the triage view) and `held` (keys pressed while the registry
//! was busy).

mod command_line;
mod findings;
mod held;
mod jump;
mod mouse;
mod navigate;
mod results;
#[cfg(test)]
mod tests;

pub(super) use held::hold;

use super::action::{Action, Effect};
use super::keymap::Command;
use super::operate;
use super::state::{Mode, Pane, State};
use super::status::Place;
use crossterm::event::{KeyEvent, KeyEventKind};

/// The effects to run when berth starts: learn each registry's account, open the current
/// registry's repositories (the first row, or the one the saved location named) and count
/// every other registry's repositories in the background.
pub fn start(state: &mut State) -> Vec<Effect> {
    // The runtime sets the terminal's size after `State::new`: every list's viewport
    // must know it before the first rows arrive.
    state.set_list_heights();
    let mut effects = navigate::load_accounts(state);
    let current = state.repositories.registry.clone();
    effects.extend(navigate::open_registry(state, current.clone()));
    effects.extend(navigate::count_repositories(state, |row| {
        row.target != current
    }));
    effects
}

/// Apply one action to the state and return the work it asks for.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let is_key = matches!(action, Action::Key(_));
    // Every answer from the registry changes what the screen says (a row, a figure, a
    // status message): draw it now, not when something else next asks for a frame. Keys
    // and ticks decide for themselves (a key release or a quiet tick draws nothing).
    if !matches!(action, Action::Key(_) | Action::Tick(_)) {
        state.dirty = true;
    }
    let mut effects = apply(state, action);
    if !is_key {
        effects.extend(held::replay(state));
    }
    if state.pane != Pane::Images {
        // The layers and image detail views are over the images pane: they leave with it.
        state.layers.visible = false;
        state.image_detail.visible = false;
    }
    // Marks or storage may have changed: what the marked images free follows both.
    let images = &mut state.images;
    images.storage.follow_marks(&images.marked, &images.images);
    // Status messages raised by this action belong where it left the user; those whose
    // context it left go.
    let here = place(state);
    state.status.moved_to(here);
    effects
}

/// Where the user is, for the status line's messages.
fn place(state: &State) -> Place {
    match state.pane {
        Pane::Images | Pane::Findings => Place {
            pane: state.pane,
            registry: state.images.registry.clone(),
            repository: state.images.repository.as_ref().map(|r| r.name.clone()),
        },
        pane => Place {
            pane,
            registry: state.repositories.registry.clone(),
            repository: None,
        },
    }
}

/// Hand one action to what handles it.
fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return Vec::new();
            }
            state.dirty = true;
            if state.too_small() {
                // The screen shows only "terminal too small": a key must not act on rows
                // the user cannot see. Quitting still works.
                if state.keymap.lookup(&key) == Some(Command::Quit) {
                    return quit(state);
                }
                return Vec::new();
            }
            state.status.key();
            on_key(state, key)
        }
        Action::Mouse(_) if state.too_small() => Vec::new(),
        Action::Mouse(mouse) => mouse::on_mouse(state, mouse),
        Action::Findings(event) => findings::on_findings_event(state, event),
        Action::RepositoryInfo { generation, part } => {
            results::on_info_part(state, generation, part)
        }
        Action::UsageLoaded {
            registry,
            generation,
            map,
        } => results::on_usage_loaded(state, registry, generation, map),
        Action::AuditLoaded {
            registry,
            result,
            errors,
        } => results::on_audit_loaded(state, registry, result, errors),
        Action::Lifecycle(event) => results::on_lifecycle_event(state, event),
        Action::Retrying { reason, delay } => results::on_retrying(state, reason, delay),
        Action::TagChecked {
            digest,
            tag,
            result,
        } => results::on_tag_checked(state, digest, tag, result),
        Action::TagPut { tag, result } => results::on_tag_put(state, tag, result),
        Action::DeleteFinished { delete, result } => {
            results::on_delete_finished(state, delete, result)
        }
        Action::ThemeLoaded { name, result } => results::on_theme_loaded(state, name, result),
        Action::StorageClassUpdated { request, result } => {
            crate::app::archive::on_updated(state, request, result)
        }
        Action::RestoreProgress {
            request,
            status,
            last_activated_at,
            done,
            note,
        } => {
            crate::app::archive::on_restore_progress(
                state,
                request,
                status,
                last_activated_at,
                done,
                note,
            );
            Vec::new()
        }
        Action::StorageRead {
            registry,
            repository,
            generation,
            result,
        } => results::on_storage_read(state, registry, repository, generation, result),
        Action::ImageDetail { generation, part } => {
            if state.image_detail.on_part(generation, part) {
                // A section's answer ends the retry the status line may show for it.
                state.retrying = None;
                state.dirty = true;
            }
            Vec::new()
        }
        Action::LayersRead { generation, result } => {
            if super::layers::on_read(state, generation, result) {
                state.dirty = true;
            }
            Vec::new()
        }
        Action::Resize { width, height } => on_resize(state, width, height),
        Action::Tick(now) => on_tick(state, now),
        Action::AccountLoaded { registry, result } => {
            results::on_account_loaded(state, registry, result)
        }
        Action::RepositoriesPage {
            registry,
            generation,
            result,
        } => results::on_repositories_page(state, registry, generation, result),
        Action::RepositoryCount { registry, result } => {
            results::on_repository_count(state, registry, result)
        }
        Action::RepositoryStatsLoaded {
            registry,
            generation,
            repository,
            result,
        } => results::on_repository_stats(state, registry, generation, repository, result),
        Action::IndexPlatforms {
            generation,
            platforms,
        } => {
            if state.images.generation == generation {
                state.images.platforms.extend(platforms);
            }
            Vec::new()
        }
        Action::IndexChildren {
            generation,
            parents,
        } => results::on_index_children(state, generation, parents),
        Action::ImagesPage { generation, result } => {
            results::on_images_page(state, generation, result)
        }
    }
}

/// The terminal's new size: list viewports and the open view follow it.
fn on_resize(state: &mut State, width: u16, height: u16) -> Vec<Effect> {
    state.width = width;
    state.height = height;
    state.set_list_heights();
    if state.info.visible {
        // Wider lines wrap less: keep the view within its new last screenful.
        super::info::scroll_by(state, 0);
    }
    if state.image_detail.visible {
        super::image_detail::scroll_by(state, 0);
    }
    if state.mode == Mode::Help {
        clamp_help_scroll(state);
    }
    state.dirty = true;
    Vec::new()
}

/// The clock moved on: the spinner turns, relative ages follow the minute.
fn on_tick(state: &mut State, now: jiff::Timestamp) -> Vec<Effect> {
    let minute_changed = now.as_second() / 60 != state.now.as_second() / 60;
    state.now = now;
    if state.is_loading() {
        state.spinner = state.spinner.wrapping_add(1);
        state.dirty = true;
    } else if minute_changed {
        // Relative ages ("3m ago") move on.
        state.dirty = true;
    }
    Vec::new()
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if state.dialog.is_some() {
        return operate::on_dialog_key(state, key);
    }
    match state.mode {
        Mode::Filter => navigate::on_filter_key(state, key),
        Mode::Command => command_line::on_command_line_key(state, key),
        Mode::Help => {
            use crate::app::help::HelpOutcome;
            match state.help.on_key(key, state.keymap.lookup(&key)) {
                HelpOutcome::Stay => clamp_help_scroll(state),
                HelpOutcome::Close => state.mode = Mode::Normal,
                HelpOutcome::Quit => return quit(state),
            }
            Vec::new()
        }
        Mode::Normal => {
            let command = state.keymap.lookup(&key);
            if state.image_detail.visible
                && let Some(effects) = super::image_detail::on_key(state, key, command)
            {
                return effects;
            }
            if state.layers.visible
                && let Some(effects) = super::layers::on_key(state, key, command)
            {
                return effects;
            }
            if state.info.visible
                && let Some(effects) = super::info::on_key(state, key, command)
            {
                return effects;
            }
            if state.lifecycle.is_visible() {
                use crate::app::lifecycle::KeyOutcome;
                let height = state.body_height();
                match state
                    .lifecycle
                    .on_key(key, command, state.read_only, height)
                {
                    KeyOutcome::Effect(effect) => return vec![Effect::Lifecycle(effect)],
                    KeyOutcome::Handled | KeyOutcome::Close => return Vec::new(),
                    KeyOutcome::Ignored => {}
                }
            }
            match command {
                Some(command) => on_command(state, command),
                None => Vec::new(),
            }
        }
    }
}

/// Keep the help within its last screenful (a bigger terminal shows more of it).
fn clamp_help_scroll(state: &mut State) {
    let groups = state.help_groups();
    let layout = crate::app::help::layout(&groups, state.width, state.height);
    state.help.scroll = state.help.scroll.min(layout.max_scroll());
}

fn open_help(state: &mut State) {
    state.help = crate::app::help::HelpView::open();
    state.mode = Mode::Help;
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.should_quit = true;
    vec![Effect::Quit]
}

/// The user moved the selection (a key, the mouse, a mark, a new filter): a jump still
/// waiting for its listing must not move them later (or clear their filter).
pub(super) fn user_moved(state: &mut State) {
    state.jump = None;
}

fn on_command(state: &mut State, command: Command) -> Vec<Effect> {
    if let Some(effects) = findings::findings_command(state, command) {
        return effects;
    }
    if let Some(effects) = operate::on_command(state, command) {
        return effects;
    }
    if let Some(effects) = crate::app::archive::on_command(state, command) {
        return effects;
    }
    if let Some(effects) = crate::app::tree::on_command(state, command) {
        return effects;
    }
    let height = state.body_height();
    let list = state.current_list();
    // On an empty list (still loading) a movement key moves nothing, so a waiting jump
    // stays.
    let had_rows = !list.rows.is_empty();
    if list.navigate(command, height) {
        if had_rows {
            user_moved(state);
        }
        return Vec::new();
    }
    match command {
        Command::Quit => return quit(state),
        Command::Help => open_help(state),
        Command::CommandLine => {
            state.command_input.reset();
            state.history_cursor = None;
            state.completions.clear();
            state.mode = Mode::Command;
        }
        Command::Filter => {
            let text = state.current_list().filter.text().to_string();
            state.filter_input = tui_input::Input::new(text);
            state.mode = Mode::Filter;
        }
        Command::SortNext | Command::SortReverse => navigate::sort(state, command),
        Command::Open => return navigate::open(state),
        Command::Back => navigate::back(state),
        Command::Refresh => return navigate::refresh(state),
        Command::Lifecycle => return navigate::open_lifecycle(state),
        Command::RepositoryDetail => return super::info::open(state),
        Command::Layers => return super::layers::open(state),
        Command::ImageDetail => return super::image_detail::open(state),
        Command::Audit => return navigate::toggle_audit(state),
        Command::FilterInUse | Command::FilterNotInUse => {
            return navigate::toggle_usage_filter(state, command);
        }
        // Handled by `archive` above.
        Command::Archive | Command::RestoreFromArchive | Command::FilterArchived => {}
        // Handled by `tree` above.
        Command::Fold | Command::FlatView => {}
        // Handled by `operate` above.
        Command::Mark
        | Command::MarkAll
        | Command::Tag
        | Command::Untag
        | Command::Delete
        | Command::CopyUri
        | Command::CopyTaggedUri => {}
        // Handled by `findings_command` above.
        Command::Findings
        | Command::Scan
        | Command::ToggleCritical
        | Command::ToggleHigh
        | Command::ToggleMedium
        | Command::ToggleLow
        | Command::ToggleOther => {}
        // Handled by `ListView::navigate` above.
        Command::MoveDown
        | Command::MoveUp
        | Command::PageDown
        | Command::PageUp
        | Command::First
        | Command::Last => {}
    }
    Vec::new()
}
