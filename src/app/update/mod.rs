//! The only place state changes: `update(state, action) -> effects`. Pure: no I/O, no
//! clock reads, no terminal.

use super::action::{Action, Effect, RegistryId, RepoStats};
use super::command::{self, CompletionSources, LineCommand};
use super::findings::{FindingsEffect, FindingsEvent, FindingsTarget, route, start_scans};
use super::keymap::Command;
use super::operate;
use super::state::{
    IMAGE_SORTS, Jump, Loading, Mode, Pane, REPOSITORY_SORTS, RegistryRow, RepoRow, State,
    StatsState,
};
use super::status::{Kind, Place, Scope, Topic};
use crate::ecr::model::{CredentialSource, RegistryTarget, Severity};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use tui_input::backend::crossterm::EventHandler;

/// The effects to run when berth starts: learn each registry's account, open the current
/// registry's repositories (the first row, or the one the saved location named) and count
/// every other registry's repositories in the background.
pub fn start(state: &mut State) -> Vec<Effect> {
    // The runtime sets the terminal's size after `State::new`: every list's viewport
    // must know it before the first rows arrive.
    state.set_list_heights();
    let mut effects = load_accounts(state);
    let current = state.repositories.registry.clone();
    effects.extend(open_registry(state, current.clone()));
    effects.extend(count_repositories(state, |row| row.target != current));
    effects
}

/// Look up the account of every registry.
fn load_accounts(state: &State) -> Vec<Effect> {
    state
        .registries
        .rows
        .iter()
        .map(|row| Effect::LoadAccount {
            registry: row.target.clone(),
        })
        .collect()
}

/// Count the repositories of the registries `which` picks, marking their rows as reading.
fn count_repositories(state: &mut State, which: impl Fn(&RegistryRow) -> bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    for row in state.registries.rows.iter_mut().filter(|row| which(row)) {
        row.reading = true;
        effects.push(Effect::CountRepositories {
            registry: row.target.clone(),
        });
    }
    effects
}

/// Apply one action to the state and return the work it asks for.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let is_key = matches!(action, Action::Key(_));
    let mut effects = apply(state, action);
    if !is_key && !state.held_keys.is_empty() && !operate::is_busy(state) {
        let held = std::mem::take(&mut state.held_keys);
        if state.dialog.is_some() {
            // The answer asks a question (move the tag?) or reports a failure: keys typed
            // before it was on screen must never answer it. Say they were not used.
            let count = held.len();
            state.status.info(
                Topic::Command,
                format!(
                    "{count} key{} typed while berth waited not used: the dialog needs an answer",
                    if count == 1 { "" } else { "s" }
                ),
            );
        } else {
            // The registry answered: the keys pressed while it was busy act now, in
            // order, on what the screen shows after the answer.
            for key in held {
                effects.extend(apply(state, Action::Key(key)));
            }
        }
    }
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
        Action::Mouse(mouse) => on_mouse(state, mouse),
        Action::Findings(event) => on_findings_event(state, event),
        Action::RepositoryDetail { generation, part } => {
            if state.detail.on_part(generation, part) {
                // A section's answer ends the retry the status line may show for it.
                state.retrying = None;
                state.dirty = true;
            }
            Vec::new()
        }
        Action::UsageLoaded {
            registry,
            generation,
            map,
        } => {
            if state.usage.loaded(&registry, generation, map) {
                state.rebuild_images();
                update_lifecycle_running(state);
                state.dirty = true;
            }
            Vec::new()
        }
        Action::AuditLoaded {
            registry,
            result,
            errors,
        } => {
            let pane = &mut state.repositories;
            if pane.registry != registry {
                return Vec::new();
            }
            pane.auditing = false;
            state.dirty = true;
            match result {
                Ok(rows) => {
                    pane.audit = Some(
                        rows.into_iter()
                            .map(|r| (r.repository.clone(), r))
                            .collect(),
                    );
                    if pane.list.sort_column >= REPOSITORY_SORTS.len() {
                        state.rebuild_repositories();
                    }
                    if let Some(first) = errors.first() {
                        state.status.post(
                            Kind::Error,
                            Topic::Audit,
                            Scope::Registry(registry),
                            format!(
                                "audit partial: {first}{}",
                                if errors.len() > 1 {
                                    format!(" (+{} more)", errors.len() - 1)
                                } else {
                                    String::new()
                                }
                            ),
                        );
                    } else {
                        state
                            .status
                            .succeeded(Topic::Audit, &Scope::Registry(registry));
                    }
                }
                Err(error) => {
                    state
                        .status
                        .post(Kind::Error, Topic::Audit, Scope::Registry(registry), error)
                }
            }
            Vec::new()
        }
        Action::Lifecycle(event) => {
            state.dirty = true;
            let now = state.now;
            state.lifecycle.on_event(event, now);
            update_lifecycle_running(state);
            Vec::new()
        }
        Action::Retrying { reason, delay } => {
            state.retrying = Some(format!("retrying {reason} in {:.1} s", delay.as_secs_f64()));
            state.dirty = true;
            Vec::new()
        }
        Action::TagChecked {
            digest,
            tag,
            result,
        } => {
            state.dirty = true;
            operate::on_tag_checked(state, digest, tag, result)
        }
        Action::TagPut { tag, result } => {
            state.dirty = true;
            if operate::on_tag_put(state, &tag, result) {
                return reload_images(state);
            }
            Vec::new()
        }
        Action::DeleteFinished { delete, result } => {
            state.dirty = true;
            let touched = result.is_ok();
            operate::on_delete_finished(state, delete.plan(), result);
            // Reload from the registry: only what it confirmed deleted disappears.
            if touched {
                return reload_images(state);
            }
            Vec::new()
        }
        Action::ThemeLoaded { name, result } => {
            state.dirty = true;
            match result {
                Ok(()) => {
                    state.status.info(Topic::Theme, format!("theme {name}"));
                    state.theme = name;
                }
                Err(error) => state.status.error(Topic::Theme, error),
            }
            Vec::new()
        }
        Action::Resize { width, height } => {
            state.width = width;
            state.height = height;
            state.set_list_heights();
            if state.detail.visible {
                // Wider lines wrap less: keep the view within its new last screenful.
                super::detail::scroll_by(state, 0);
            }
            if state.mode == Mode::Help {
                clamp_help_scroll(state);
            }
            state.dirty = true;
            Vec::new()
        }
        Action::Tick(now) => {
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
        Action::AccountLoaded { registry, result } => {
            let Some(row) = state.registries.row_mut(&registry) else {
                return Vec::new();
            };
            let account = match result {
                Ok(account) => {
                    row.account = Some(account.clone());
                    Some(account)
                }
                Err(err) => {
                    row.error = Some(explain(&row.target, &err));
                    None
                }
            };
            state.rebuild_registries();
            state.dirty = true;
            // Knowing the account of the open registry, find what runs its images.
            match account {
                Some(_) if registry == state.repositories.registry => {
                    request_usage(state, &registry)
                }
                _ => Vec::new(),
            }
        }
        Action::RepositoriesPage {
            registry,
            generation,
            result,
        } => on_repositories_page(state, registry, generation, result),
        Action::RepositoryCount { registry, result } => {
            let Some(row) = state.registries.row_mut(&registry) else {
                return Vec::new();
            };
            row.reading = false;
            match result {
                Ok(count) => {
                    row.repositories = Some(count);
                    row.error = None;
                }
                // The row says what went wrong; the status line stays with what the user
                // is looking at.
                Err(err) => row.error = Some(explain(&registry, &err)),
            }
            state.rebuild_registries();
            state.dirty = true;
            Vec::new()
        }
        Action::RepositoryStatsLoaded {
            registry,
            generation,
            repository,
            result,
        } => {
            let pane = &mut state.repositories;
            if pane.registry != registry || pane.generation != generation {
                return Vec::new();
            }
            // A size sweep retries too; its result ends the retry the status line shows.
            state.retrying = None;
            state.dirty = true;
            if let Some(row) = pane.rows.iter_mut().find(|r| r.repo.name == repository) {
                if row.listed.is_some_and(|listed| listed > generation) {
                    // A complete listing newer than this sweep already set the figures.
                    return Vec::new();
                }
                row.stats = match result {
                    Ok(stats) => StatsState::Loaded(stats),
                    Err(err) => {
                        let message = explain(&registry, &err);
                        state.status.post(
                            Kind::Error,
                            Topic::Stats,
                            Scope::Registry(registry.clone()),
                            message.clone(),
                        );
                        StatsState::Failed(message)
                    }
                };
                state.rebuild_repositories();
                state.dirty = true;
            }
            Vec::new()
        }
        Action::IndexChildren {
            generation,
            parents,
        } => {
            let pane = &mut state.images;
            if pane.generation == generation {
                // During a reload they belong to the listing that will replace the rows.
                match pane.incoming.as_mut() {
                    Some((_, incoming)) => incoming.extend(parents),
                    None => pane.parents.extend(parents),
                }
                state.dirty = true;
            }
            Vec::new()
        }
        Action::ImagesPage { generation, result } => {
            let pane = &mut state.images;
            if pane.generation != generation {
                return Vec::new();
            }
            state.dirty = true;
            state.retrying = None;
            match result {
                Ok(page) => {
                    let done = page.next_token.is_none();
                    let received = match pane.incoming.as_mut() {
                        Some((incoming, _)) => {
                            incoming.extend(page.items);
                            incoming.len()
                        }
                        None => {
                            pane.marked.listed(&page.items);
                            pane.images.extend(page.items);
                            pane.images.len()
                        }
                    };
                    let loading = pane.loading.get_or_insert_with(Loading::default);
                    loading.pages += 1;
                    loading.items = received;
                    if done {
                        pane.loading = None;
                        if let Some((images, parents)) = pane.incoming.take() {
                            // The reload is complete: its rows replace the old ones at
                            // once, the user's image found again by digest.
                            let old = &pane.images;
                            pane.list.start_reload(|i| old[i].digest.clone());
                            pane.images = images;
                            pane.parents = parents;
                            pane.marked.listing_cleared();
                            pane.marked.listed(&pane.images);
                        }
                        pane.marked.retain_listed(&pane.images);
                        record_listing_stats(state);
                    } else if pane.incoming.is_some() {
                        // The old rows stay as they are until the reload is complete.
                        let scope = operate::images_scope(state);
                        state.status.succeeded(Topic::Listing, &scope);
                        return Vec::new();
                    }
                    state.rebuild_images();
                    let scope = operate::images_scope(state);
                    state.status.succeeded(Topic::Listing, &scope);
                    apply_image_jump(state, done);
                }
                Err(err) => {
                    pane.loading = None;
                    // A failed reload leaves the rows it would have replaced.
                    pane.incoming = None;
                    let message = explain(&pane.registry, &err);
                    pane.error = Some(message.clone());
                    // A jump waiting for this listing will not happen: the error says why.
                    state.jump = None;
                    let scope = operate::images_scope(state);
                    state
                        .status
                        .post(Kind::Error, Topic::Listing, scope, message);
                }
            }
            Vec::new()
        }
    }
}

fn on_repositories_page(
    state: &mut State,
    registry: RegistryId,
    generation: u64,
    result: Result<crate::ecr::model::Page<crate::ecr::model::Repository>, crate::ecr::EcrError>,
) -> Vec<Effect> {
    let pane = &mut state.repositories;
    if pane.registry != registry || pane.generation != generation {
        return Vec::new();
    }
    state.dirty = true;
    state.retrying = None;
    match result {
        Ok(page) => {
            let done = page.next_token.is_none();
            let names: Vec<String> = page.items.iter().map(|r| r.name.clone()).collect();
            pane.rows.extend(page.items.into_iter().map(|repo| RepoRow {
                repo,
                stats: StatsState::Pending,
                listed: None,
            }));
            let loading = pane.loading.get_or_insert_with(Loading::default);
            loading.pages += 1;
            loading.items = pane.rows.len();
            let count = pane.rows.len();
            if done {
                pane.loading = None;
                if let Some(row) = state.registries.row_mut(&registry) {
                    row.repositories = Some(count);
                    row.reading = false;
                    row.error = None;
                }
            }
            state.rebuild_repositories();
            state
                .status
                .succeeded(Topic::Listing, &Scope::Registry(registry.clone()));
            let mut effects = apply_repository_jump(state, done);
            if !names.is_empty() {
                effects.insert(
                    0,
                    Effect::FetchRepositoryStats {
                        registry,
                        generation,
                        repositories: names,
                    },
                );
            }
            effects
        }
        Err(err) => {
            pane.loading = None;
            let message = explain(&registry, &err);
            pane.error = Some(message.clone());
            if let Some(row) = state.registries.row_mut(&registry) {
                row.reading = false;
                row.error = Some(message.clone());
            }
            state.jump = None;
            state.status.post(
                Kind::Error,
                Topic::Listing,
                Scope::Registry(registry),
                message,
            );
            Vec::new()
        }
    }
}

/// Select (and maybe open) the repository a pending jump names, once it has arrived.
/// Every repository is searched, not only the rows the filter shows: a filter that hides
/// the target is cleared. When `done` and it is not there, the jump ends saying so.
fn apply_repository_jump(state: &mut State, done: bool) -> Vec<Effect> {
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
    let effects = open(state);
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
fn apply_image_jump(state: &mut State, done: bool) {
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

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if state.dialog.is_some() {
        return operate::on_dialog_key(state, key);
    }
    match state.mode {
        Mode::Filter => on_filter_key(state, key),
        Mode::Command => on_command_line_key(state, key),
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
            if state.detail.visible
                && let Some(effects) = super::detail::on_key(state, key, command)
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

fn on_filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.filter_input.reset();
            state.current_list().filter.set("");
            state.mode = Mode::Normal;
            state.rebuild_current();
        }
        KeyCode::Enter => state.mode = Mode::Normal,
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
            // Moving while filtering is what fzf users expect.
            if let Some(command) = state.keymap.lookup(&key) {
                return on_command(state, command);
            }
        }
        _ => {
            state
                .filter_input
                .handle_event(&crossterm::event::Event::Key(key));
            let text = state.filter_input.value().to_string();
            state.current_list().filter.set(&text);
            state.rebuild_current();
            state.current_list().follow_first();
            // A new filter is the user's choice of rows: a waiting jump must not undo it.
            user_moved(state);
        }
    }
    Vec::new()
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
    if let Some(effects) = findings_command(state, command) {
        return effects;
    }
    if let Some(effects) = operate::on_command(state, command) {
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
        Command::SortNext | Command::SortReverse => sort(state, command),
        Command::Open => return open(state),
        Command::Back => back(state),
        Command::Refresh => return refresh(state),
        Command::Lifecycle => return open_lifecycle(state),
        Command::RepositoryDetail => return super::detail::open(state),
        Command::Audit => return toggle_audit(state),
        Command::FilterInUse | Command::FilterNotInUse => {
            use crate::app::usage::UsageFilter;
            if state.pane != Pane::Images {
                state.status.info(
                    Topic::Command,
                    "u / U filter a repository's images: open one first",
                );
                return Vec::new();
            }
            let wanted = if command == Command::FilterInUse {
                UsageFilter::InUse
            } else {
                UsageFilter::NotInUse
            };
            state.images.usage_filter = state.images.usage_filter.toggle(wanted);
            state.rebuild_images();
            state.images.list.follow_first();
        }
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

fn sort(state: &mut State, command: Command) {
    let columns = match state.pane {
        Pane::Registries | Pane::Findings | Pane::Triage => return,
        Pane::Repositories => REPOSITORY_SORTS.len(),
        Pane::Images => IMAGE_SORTS.len(),
    };
    // The audit view (`A`) sorts by its own columns too: `s` visits the ones on screen.
    let cycle = (state.pane == Pane::Repositories)
        .then(|| super::state::repository_sort_cycle(state.repositories.audit_view));
    let images = state.pane == Pane::Images;
    let list = state.current_list();
    if command == Command::SortReverse {
        list.descending = !list.descending;
    } else {
        list.sort_column = match cycle {
            Some(cycle) => {
                let at = cycle.iter().position(|&c| c == list.sort_column);
                cycle[at.map_or(0, |at| (at + 1) % cycle.len())]
            }
            None => (list.sort_column + 1) % columns,
        };
        // Names read best A→Z; numbers and times read best largest/newest first.
        list.descending = list.sort_column != 0 || images;
    }
    state.rebuild_current();
    state.current_list().show_from_top();
}

fn open(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => match state
            .registries
            .list
            .selected_item()
            .map(|i| state.registries.rows[i].target.clone())
        {
            Some(registry) => {
                state.pane = Pane::Repositories;
                if state.repositories.loaded && state.repositories.registry == registry {
                    Vec::new()
                } else {
                    open_registry(state, registry)
                }
            }
            None => Vec::new(),
        },
        Pane::Repositories => {
            let Some(index) = state.repositories.list.selected_item() else {
                return Vec::new();
            };
            let repo = state.repositories.rows[index].repo.clone();
            state.pane = Pane::Images;
            let same = state.images.registry == state.repositories.registry
                && state.images.repository.as_ref().map(|r| &r.name) == Some(&repo.name);
            if same && state.images.error.is_none() {
                return Vec::new();
            }
            open_images(state, repo)
        }
        Pane::Images | Pane::Findings | Pane::Triage => Vec::new(),
    }
}

/// A complete listing of a repository's images is also its count and size: put them on
/// its row, so the repositories pane agrees with what was just listed (after a delete,
/// say) without a second sweep of the same pages.
fn record_listing_stats(state: &mut State) {
    let images = &state.images;
    let (Some(repository), true) = (
        images.repository.as_ref(),
        images.registry == state.repositories.registry,
    ) else {
        return;
    };
    let stats = RepoStats {
        images: images.images.len(),
        bytes: images.images.iter().map(|i| i.size_bytes).sum(),
    };
    if let Some(row) = state
        .repositories
        .rows
        .iter_mut()
        .find(|r| r.repo.name == repository.name)
    {
        row.stats = StatsState::Loaded(stats);
        row.listed = Some(images.generation);
        state.rebuild_repositories();
    }
}

/// Show `repo`'s images, fetching them afresh.
fn open_images(state: &mut State, repo: crate::ecr::model::Repository) -> Vec<Effect> {
    let registry = state.repositories.registry.clone();
    let generation = state.new_generation();
    if state
        .jump
        .as_ref()
        .is_some_and(|j| j.repository != repo.name)
    {
        // Another repository opens: a jump that named a different one is void.
        state.jump = None;
    }
    let pane = &mut state.images;
    let same_repository =
        pane.registry == registry && pane.repository.as_ref().map(|r| &r.name) == Some(&repo.name);
    if same_repository {
        // A reload: the rows on screen stay (and keys act on them) until the new listing
        // is complete and replaces them, keeping the filter, the sort, the marks that
        // still exist and the user's image.
        pane.incoming = Some(Default::default());
    } else {
        pane.marked.clear();
        pane.list.filter.set("");
        pane.list.rows.clear();
        pane.list.follow_first();
        pane.images.clear();
        pane.parents.clear();
        pane.marked.listing_cleared();
        pane.incoming = None;
    }
    pane.registry = registry.clone();
    pane.error = None;
    pane.generation = generation;
    pane.loading = Some(Loading::default());
    let repository = repo.name.clone();
    pane.repository = Some(repo);
    let target = registry.clone();
    vec![
        Effect::FetchImages {
            registry,
            repository: repository.clone(),
            generation,
        },
        Effect::RememberLocation {
            profile: target.source.label().to_string(),
            region: target.region,
            repository: Some(repository),
        },
    ]
}

/// Point the repositories pane at `registry` and fetch its repositories.
fn open_registry(state: &mut State, registry: RegistryId) -> Vec<Effect> {
    let generation = state.new_generation();
    let pane = &mut state.repositories;
    if pane.loading.is_some()
        && let Some(row) = state.registries.row_mut(&pane.registry)
    {
        // Its listing is abandoned: the row no longer reads.
        row.reading = false;
    }
    if let Some(row) = state.registries.row_mut(&registry) {
        row.reading = true;
    }
    if pane.loaded && pane.registry == registry {
        // A refresh keeps the user's repository.
        let rows = &pane.rows;
        pane.list.start_reload(|i| rows[i].repo.name.clone());
    } else {
        pane.list.rows.clear();
        pane.list.follow_first();
    }
    pane.registry = registry.clone();
    pane.rows.clear();
    pane.error = None;
    pane.generation = generation;
    pane.loading = Some(Loading::default());
    pane.loaded = true;
    pane.audit = None;
    pane.auditing = false;
    let audit_view = pane.audit_view;
    // A new sweep starts: the old one's failures are no longer news.
    let scope = Scope::Registry(registry.clone());
    state.status.succeeded(Topic::Stats, &scope);
    state.status.succeeded(Topic::Audit, &scope);
    let target = registry.clone();
    let mut effects = vec![
        Effect::FetchRepositories {
            registry: registry.clone(),
            generation,
        },
        Effect::RememberLocation {
            profile: target.source.label().to_string(),
            region: target.region,
            repository: None,
        },
    ];
    if audit_view {
        state.repositories.auditing = true;
        effects.push(Effect::RunAudit {
            registry: registry.clone(),
        });
    }
    effects.extend(request_usage(state, &registry));
    effects
}

fn back(state: &mut State) {
    let list = state.current_list();
    if list.filter.is_active() {
        list.filter.set("");
        state.filter_input.reset();
        state.rebuild_current();
        return;
    }
    state.pane = match state.pane {
        Pane::Images => Pane::Repositories,
        // Back where `:criticals` was typed.
        Pane::Triage => state.triage_return,
        Pane::Findings => Pane::Images,
        Pane::Repositories | Pane::Registries => {
            let current = &state.repositories.registry;
            let rows = &state.registries.rows;
            if let Some(position) = state
                .registries
                .list
                .rows
                .iter()
                .position(|&r| &rows[r].target == current)
            {
                state.registries.list.select(position);
            }
            Pane::Registries
        }
    };
}

fn refresh(state: &mut State) -> Vec<Effect> {
    match state.pane {
        Pane::Registries => {
            let mut effects = load_accounts(state);
            effects.extend(count_repositories(state, |_| true));
            effects
        }
        Pane::Repositories => {
            let registry = state.repositories.registry.clone();
            open_registry(state, registry)
        }
        Pane::Findings => findings_effects(state.findings.refresh()),
        Pane::Triage => findings_effects(state.triage.refresh()),
        Pane::Images => match state.images.repository.clone() {
            Some(repo) => open_images(state, repo),
            None => Vec::new(),
        },
    }
}

fn on_command_line_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.completions.clear();
            Vec::new()
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            state.completions.clear();
            let line = state.command_input.value().trim().to_string();
            if line.is_empty() {
                return Vec::new();
            }
            if state.command_history.last() != Some(&line) {
                state.command_history.push(line.clone());
                let excess = state.command_history.len().saturating_sub(HISTORY_LIMIT);
                state.command_history.drain(..excess);
            }
            let mut effects = vec![Effect::SaveHistory {
                lines: state.command_history.clone(),
            }];
            match command::parse(&line) {
                Ok(parsed) => {
                    // A command line that parses answers the one that did not.
                    state.status.succeeded(Topic::Command, &Scope::Here);
                    effects.extend(run_line(state, parsed));
                }
                // A bare word that is no command but names a repository of this
                // registry (`:nginx`) is a jump to it.
                Err(_)
                    if state
                        .repositories
                        .rows
                        .iter()
                        .any(|row| row.repo.name == line.trim()) =>
                {
                    state.status.succeeded(Topic::Command, &Scope::Here);
                    effects.extend(run_line(state, command::jump(line.trim())));
                }
                Err(err) => state.status.error(Topic::Command, err.to_string()),
            }
            effects
        }
        KeyCode::Tab => {
            let repositories: Vec<&str> = state
                .repositories
                .rows
                .iter()
                .map(|r| r.repo.name.as_str())
                .collect();
            let mut profiles: Vec<String> = Vec::new();
            let mut regions: Vec<String> = Vec::new();
            for row in &state.registries.rows {
                let profile = row.target.source.label().to_string();
                if !profiles.contains(&profile) {
                    profiles.push(profile);
                }
                if !regions.contains(&row.target.region) {
                    regions.push(row.target.region.clone());
                }
            }
            let sources = CompletionSources {
                profiles: &profiles,
                regions: &regions,
                themes: &state.theme_names,
                repositories: &repositories,
            };
            let (completed, candidates) = command::complete(state.command_input.value(), &sources);
            state.command_input = tui_input::Input::new(completed);
            state.completions = if candidates.len() > 1 {
                candidates
            } else {
                Vec::new()
            };
            Vec::new()
        }
        KeyCode::Up | KeyCode::Down => {
            let history = &state.command_history;
            if history.is_empty() {
                return Vec::new();
            }
            let cursor = match (state.history_cursor, key.code) {
                (None, KeyCode::Up) => Some(history.len() - 1),
                (Some(i), KeyCode::Up) => Some(i.saturating_sub(1)),
                (Some(i), KeyCode::Down) if i + 1 < history.len() => Some(i + 1),
                _ => None,
            };
            state.history_cursor = cursor;
            let text = cursor.map(|i| history[i].clone()).unwrap_or_default();
            state.command_input = tui_input::Input::new(text);
            Vec::new()
        }
        _ => {
            state
                .command_input
                .handle_event(&crossterm::event::Event::Key(key));
            Vec::new()
        }
    }
}

/// How many command lines are kept.
const HISTORY_LIMIT: usize = 200;

fn run_line(state: &mut State, line: LineCommand) -> Vec<Effect> {
    // A command that goes somewhere else closes the view over the pane, which would
    // otherwise keep showing the repository it was opened on.
    let moves = !matches!(
        line,
        LineCommand::Quit | LineCommand::Help(_) | LineCommand::Theme(_) | LineCommand::Refresh
    );
    if moves {
        state.detail.visible = false;
        state.lifecycle.visible = false;
    }
    match line {
        LineCommand::Quit => quit(state),
        LineCommand::Help(search) => {
            open_help(state);
            state.help.search = tui_input::Input::new(search);
            Vec::new()
        }
        LineCommand::Refresh => refresh(state),
        LineCommand::Findings => on_command(state, Command::Findings),
        LineCommand::Criticals => {
            if state.pane != Pane::Triage {
                state.triage_return = state.pane;
            }
            let registry = state.repositories.registry.clone();
            let region = registry.region.clone();
            state.pane = Pane::Triage;
            findings_effects(state.triage.open(registry, &region, Severity::High))
        }
        LineCommand::Audit => toggle_audit(state),
        LineCommand::Registries => {
            state.pane = Pane::Registries;
            Vec::new()
        }
        LineCommand::Repositories => {
            state.pane = Pane::Repositories;
            Vec::new()
        }
        LineCommand::Images => {
            if state.images.repository.is_some() {
                state.pane = Pane::Images;
            } else {
                state.status.error(
                    Topic::Command,
                    "no repository opened yet — pick one and press Enter",
                );
            }
            Vec::new()
        }
        LineCommand::Theme(name) => vec![Effect::LoadTheme { name }],
        LineCommand::Profile(profile) => {
            let region = current_target(state).region;
            let source = if profile == "env" {
                CredentialSource::Environment
            } else {
                CredentialSource::Profile(profile)
            };
            switch_registry(state, RegistryTarget::new(source, region))
        }
        LineCommand::Region(region) => {
            let source = current_target(state).source;
            switch_registry(state, RegistryTarget::new(source, region))
        }
        LineCommand::Jump { repository, tag } => {
            state.jump = Some(Jump {
                repository,
                tag,
                open: true,
            });
            // While repositories are still listed, a later page may bring it.
            let done = state.repositories.loading.is_none();
            apply_repository_jump(state, done)
        }
    }
}

fn current_target(state: &State) -> RegistryTarget {
    state.repositories.registry.clone()
}

/// Open `target`'s repositories, adding a registry row for it if it is new.
fn switch_registry(state: &mut State, target: RegistryTarget) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.registries.row(&target).is_none() {
        state.registries.rows.push(RegistryRow::new(target.clone()));
        state.rebuild_registries();
        effects.push(Effect::LoadAccount {
            registry: target.clone(),
        });
    }
    state.pane = Pane::Repositories;
    effects.extend(open_registry(state, target));
    effects
}

/// First screen row of table rows (below the title and the column header).
const FIRST_ROW: u16 = 2;

fn on_mouse(state: &mut State, mouse: crossterm::event::MouseEvent) -> Vec<Effect> {
    use crossterm::event::{MouseButton, MouseEventKind};
    if state.mode != Mode::Normal {
        return Vec::new();
    }
    if state.detail.visible {
        match mouse.kind {
            MouseEventKind::ScrollDown => super::detail::scroll_by(state, 3),
            MouseEventKind::ScrollUp => super::detail::scroll_by(state, -3),
            _ => return Vec::new(),
        }
        state.dirty = true;
        return Vec::new();
    }
    let height = state.body_height();
    match mouse.kind {
        MouseEventKind::ScrollDown => {
            state.current_list().move_by(3, height);
            user_moved(state);
        }
        MouseEventKind::ScrollUp => {
            state.current_list().move_by(-3, height);
            user_moved(state);
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if mouse.column >= crate::layout::table_width(state.width) {
                return Vec::new();
            }
            if mouse.row == FIRST_ROW - 1 {
                let absolute = state.time_style.absolute;
                let audit_view = state.repositories.audit_view;
                let table: &[crate::layout::Column] = match state.pane {
                    Pane::Registries | Pane::Findings | Pane::Triage => return Vec::new(),
                    Pane::Repositories if audit_view => &crate::layout::AUDIT_COLUMNS,
                    Pane::Repositories => &crate::layout::REPOSITORY_COLUMNS,
                    Pane::Images => &crate::layout::IMAGE_COLUMNS,
                };
                let Some(name) = crate::layout::sort_at(table, state.width, mouse.column, absolute)
                else {
                    return Vec::new();
                };
                let columns: &[&str] = match state.pane {
                    Pane::Images => &IMAGE_SORTS,
                    _ => &super::state::ALL_REPOSITORY_SORTS,
                };
                let Some(column) = columns.iter().position(|c| *c == name) else {
                    return Vec::new();
                };
                let images = state.pane == Pane::Images;
                let list = state.current_list();
                if list.sort_column == column {
                    list.descending = !list.descending;
                } else {
                    list.sort_column = column;
                    list.descending = column != 0 || images;
                }
                state.rebuild_current();
                state.current_list().show_from_top();
            } else if mouse.row >= FIRST_ROW && usize::from(mouse.row - FIRST_ROW) < height {
                let list = state.current_list();
                let position = list.offset + usize::from(mouse.row - FIRST_ROW);
                if position < list.rows.len() {
                    list.select(position);
                    user_moved(state);
                }
            } else {
                return Vec::new();
            }
        }
        _ => return Vec::new(),
    }
    state.dirty = true;
    Vec::new()
}

/// Reload the open repository's images after a mutation: the filter, the sort, the marks
/// that still exist and the selected image stay (see `ListView`).
fn reload_images(state: &mut State) -> Vec<Effect> {
    let Some(repo) = state.images.repository.clone() else {
        return Vec::new();
    };
    open_images(state, repo)
}

/// An error as the status line says it. Expired credentials get the exact command that
/// renews them for this registry's profile.
fn explain(target: &RegistryTarget, err: &crate::ecr::EcrError) -> String {
    match err {
        crate::ecr::EcrError::CredentialsExpired { .. } => match target.source.profile() {
            Some(profile) => format!(
                "credentials for profile {profile} have expired — run `aws sso login --profile {profile}` (or refresh its keys), then press r"
            ),
            None => "the session credentials in the environment have expired — export fresh ones (or aws sso login), restart berth or press r".to_string(),
        },
        other => other.to_string(),
    }
}

/// Open the lifecycle dry run of the selected (or open) repository.
fn open_lifecycle(state: &mut State) -> Vec<Effect> {
    let target = match state.pane {
        Pane::Repositories => state.repositories.list.selected_item().map(|i| {
            (
                state.repositories.registry.clone(),
                state.repositories.rows[i].repo.name.clone(),
            )
        }),
        Pane::Images => state
            .images
            .repository
            .as_ref()
            .map(|r| (state.images.registry.clone(), r.name.clone())),
        Pane::Registries | Pane::Findings | Pane::Triage => None,
    };
    let Some((registry, repository)) = target else {
        state
            .status
            .info(Topic::Command, "L works on a repository: select one first");
        return Vec::new();
    };
    let generation = state.new_generation();
    vec![Effect::Lifecycle(state.lifecycle.open(
        registry,
        &repository,
        generation,
    ))]
}

/// Show or hide the audit columns; the first time for a registry, sweep it.
fn toggle_audit(state: &mut State) -> Vec<Effect> {
    state.pane = Pane::Repositories;
    let pane = &mut state.repositories;
    pane.audit_view = !pane.audit_view;
    // A sort by a column the new view lacks would order rows by something off screen.
    if !super::state::repository_sort_cycle(pane.audit_view).contains(&pane.list.sort_column) {
        pane.list.sort_column = 0;
        pane.list.descending = false;
        state.rebuild_repositories();
    }
    let pane = &mut state.repositories;
    if pane.audit_view && pane.audit.is_none() && !pane.auditing {
        pane.auditing = true;
        return vec![Effect::RunAudit {
            registry: pane.registry.clone(),
        }];
    }
    Vec::new()
}

/// Ask for the in-use lookup of `registry` once its account is known (and not before, or
/// again, unless a refresh asks).
fn request_usage(state: &mut State, registry: &RegistryId) -> Vec<Effect> {
    let Some(account) = state
        .registries
        .row(registry)
        .and_then(|r| r.account.clone())
    else {
        return Vec::new();
    };
    if !state.usage.wants_lookup(registry) {
        return Vec::new();
    }
    let generation = state.new_generation();
    state.usage.requested(registry, generation);
    vec![Effect::FetchUsage {
        registry: registry.clone(),
        account,
        generation,
    }]
}

/// Count the dry run's expiring images that something runs, for the lifecycle summary.
fn update_lifecycle_running(state: &mut State) {
    use crate::lifecycle::Disposition;
    let view = &state.lifecycle;
    state.lifecycle_running = view.dry_run.as_ref().and_then(|dry_run| {
        state.usage.map(&view.registry)?;
        let mut expiring = 0;
        let mut running = 0;
        for image in &view.images {
            if !matches!(
                dry_run.dispositions.get(&image.digest),
                Some(Disposition::Expired { .. })
            ) {
                continue;
            }
            expiring += 1;
            let usage =
                state
                    .usage
                    .image(&view.registry, &view.repository, &image.digest, &image.tags);
            if usage.in_use() {
                running += 1;
            }
        }
        Some(crate::app::usage::expiring_summary(running, expiring))
    });
}
/// Findings effects as app effects: the clipboard goes the usual way.
fn findings_effects(effects: Vec<FindingsEffect>) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|effect| match effect {
            FindingsEffect::CopyToClipboard(text) => Effect::CopyToClipboard { text },
            other => Effect::Findings(other),
        })
        .collect()
}

/// Commands of the findings pane and the triage view, and the ones that open them.
fn findings_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let height = state.body_height();
    let width = crate::layout::table_width(state.width);
    let slot = match command {
        Command::ToggleCritical => Some(0),
        Command::ToggleHigh => Some(1),
        Command::ToggleMedium => Some(2),
        Command::ToggleLow => Some(3),
        Command::ToggleOther => Some(4),
        _ => None,
    };
    match (state.pane, command) {
        (Pane::Images, Command::Findings) => Some(open_findings(state)),
        (Pane::Images, Command::Scan) => Some(start_scan(state)),
        (_, Command::Findings | Command::Scan) => {
            state
                .status
                .info(Topic::Command, "open a repository's images first (Enter)");
            Some(Vec::new())
        }
        (Pane::Findings, _) if slot.is_some() => {
            state.findings.toggle_severity(slot.unwrap_or_default());
            Some(Vec::new())
        }
        (_, _) if slot.is_some() => Some(Vec::new()),
        (Pane::Findings, Command::Back) => state.findings.on_back().then(Vec::new),
        (
            Pane::Findings,
            Command::MoveUp
            | Command::MoveDown
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last
            | Command::Open
            | Command::SortNext
            | Command::SortReverse
            | Command::Refresh,
        ) => Some(findings_effects(
            state.findings.on_command(command, width, height),
        )),
        (Pane::Triage, Command::CopyUri | Command::CopyTaggedUri) => {
            let account = state
                .registries
                .row(&state.triage.registry)
                .and_then(|r| r.account.as_deref());
            let effects = findings_effects(state.triage.copy(account));
            match (state.triage.selected(), account) {
                (_, None) => state.status.info(
                    Topic::Copy,
                    "the registry's account is not known yet; try again",
                ),
                (Some(group), Some(_)) => state
                    .status
                    .copied(format!("copied {} image URIs", group.affected.len())),
                (None, Some(_)) => state.status.info(Topic::Copy, "no CVE selected"),
            }
            Some(effects)
        }
        (
            Pane::Triage,
            Command::MoveUp
            | Command::MoveDown
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last
            | Command::SortReverse
            | Command::Refresh,
        ) => Some(findings_effects(state.triage.on_command(command, height))),
        (
            Pane::Findings | Pane::Triage,
            Command::Mark
            | Command::MarkAll
            | Command::Tag
            | Command::Untag
            | Command::Delete
            | Command::CopyUri
            | Command::CopyTaggedUri
            | Command::SortNext
            | Command::Open,
        ) => Some(Vec::new()),
        _ => None,
    }
}

/// `f` on an image: its findings.
fn open_findings(state: &mut State) -> Vec<Effect> {
    let pane = &state.images;
    let (Some(repository), Some(image)) = (
        pane.repository.as_ref(),
        pane.list.selected_item().map(|i| &pane.images[i]),
    ) else {
        return Vec::new();
    };
    let target = FindingsTarget {
        registry: pane.registry.clone(),
        repository: repository.name.clone(),
        digest: image.digest.clone(),
        tags: image.tags.clone(),
    };
    state.pane = Pane::Findings;
    findings_effects(state.findings.open(target))
}

/// `x` on images: scan the marked images, or the selected one.
fn start_scan(state: &mut State) -> Vec<Effect> {
    let pane = &state.images;
    let Some(repository) = pane.repository.as_ref() else {
        return Vec::new();
    };
    if state.read_only {
        // The gate refuses too; saying so here sends nothing and names the same refusal.
        state.status.info(
            Topic::Scan,
            crate::safety::Refused::ReadOnly {
                action: crate::safety::START_SCAN,
                repository: repository.name.clone(),
            }
            .to_string(),
        );
        return Vec::new();
    }
    let mut digests: Vec<String> = pane
        .images
        .iter()
        .filter(|i| pane.marked.contains(&i.digest))
        .map(|i| i.digest.clone())
        .collect();
    if digests.is_empty() {
        digests.extend(
            pane.list
                .selected_item()
                .map(|i| pane.images[i].digest.clone()),
        );
    }
    if digests.is_empty() {
        return Vec::new();
    }
    let scope = Scope::Repository {
        registry: pane.registry.clone(),
        name: repository.name.clone(),
    };
    let text = format!("starting {} scan(s)", digests.len());
    let effect = Effect::Findings(start_scans(
        pane.registry.clone(),
        &repository.name,
        digests,
    ));
    state.status.post(Kind::Progress, Topic::Scan, scope, text);
    vec![effect]
}

/// The scan notice ends with the scan's outcome (the latest one of several).
fn report_scan(state: &mut State, update: &super::findings::ScanUpdate) {
    let scope = Scope::Repository {
        registry: update.registry.clone(),
        name: update.repository.clone(),
    };
    let image = crate::ecr::model::short_digest(&update.digest);
    let (kind, text) = match &update.result {
        Ok(summary) if crate::ecr::findings::is_settled(&summary.status) => (
            Kind::Info,
            format!("scan of {image}: {}", summary.status.to_lowercase()),
        ),
        Ok(summary) => (
            Kind::Progress,
            format!("scanning {image}: {}", summary.status.to_lowercase()),
        ),
        Err(message) => (Kind::Error, format!("scan of {image} failed: {message}")),
    };
    state.status.post(kind, Topic::Scan, scope, text);
}

fn on_findings_event(state: &mut State, event: FindingsEvent) -> Vec<Effect> {
    let routed = route(event, &mut state.findings, &mut state.triage);
    if let Some(update) = routed.scan {
        let images = &mut state.images;
        let here = images.registry == update.registry
            && images
                .repository
                .as_ref()
                .is_some_and(|r| r.name == update.repository);
        if here && update.apply(&mut images.images) {
            state.rebuild_images();
        }
        report_scan(state, &update);
    }
    state.dirty |= routed.dirty;
    findings_effects(routed.effects)
}
