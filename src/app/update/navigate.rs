//! Moving around: opening a registry, a repository or a view over a pane, going back,
//! refreshing, sorting and filtering the list, switching registries.

use super::findings;
use crate::app::action::{Effect, RegistryId};
use crate::app::keymap::Command;
use crate::app::state::{IMAGE_SORTS, Loading, Mode, Pane, REPOSITORY_SORTS, RegistryRow, State};
use crate::app::status::{Scope, Topic};
use crate::ecr::model::RegistryTarget;
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

/// Look up the account of every registry.
pub(super) fn load_accounts(state: &State) -> Vec<Effect> {
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
pub(super) fn count_repositories(
    state: &mut State,
    which: impl Fn(&RegistryRow) -> bool,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    for row in state.registries.rows.iter_mut().filter(|row| which(row)) {
        row.reading = true;
        effects.push(Effect::CountRepositories {
            registry: row.target.clone(),
        });
    }
    effects
}

/// Keys while the `/` prompt is open: the filter narrows the list as it is typed.
pub(super) fn on_filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
                return super::on_command(state, command);
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
            super::user_moved(state);
        }
    }
    Vec::new()
}

/// `s` sorts by the next column, `S` reverses the order.
pub(super) fn sort(state: &mut State, command: Command) {
    let columns = match state.pane {
        Pane::Registries | Pane::Findings | Pane::Triage => return,
        Pane::Repositories => REPOSITORY_SORTS.len(),
        Pane::Images => IMAGE_SORTS.len(),
    };
    // The audit view (`A`) sorts by its own columns too: `s` visits the ones on screen.
    let cycle = (state.pane == Pane::Repositories)
        .then(|| crate::app::state::repository_sort_cycle(state.repositories.audit_view));
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

/// Enter: drill into the selected registry or repository.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
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
                // Never swallowed: say why nothing opened.
                let why = if state.repositories.loading.is_some() {
                    "nothing to open yet: the repositories are still being listed"
                } else if state.repositories.list.filter.is_active() {
                    "nothing to open: no repository matches the filter"
                } else {
                    "nothing to open: no repositories here"
                };
                state.status.info(Topic::Command, why);
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
        pane.platforms.clear();
        pane.expanded.clear();
        pane.marked.listing_cleared();
        pane.incoming = None;
        pane.storage.clear();
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
pub(super) fn open_registry(state: &mut State, registry: RegistryId) -> Vec<Effect> {
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

/// Esc: clear the filter, or go back up one pane.
pub(super) fn back(state: &mut State) {
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

/// `r`: fetch what the current pane shows again.
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
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
        Pane::Findings => findings::findings_effects(state.findings.refresh()),
        Pane::Triage => findings::findings_effects(state.triage.refresh()),
        Pane::Images => match state.images.repository.clone() {
            Some(repo) => open_images(state, repo),
            None => Vec::new(),
        },
    }
}

/// The registry whose repositories are open.
pub(super) fn current_target(state: &State) -> RegistryTarget {
    state.repositories.registry.clone()
}

/// Open `target`'s repositories, adding a registry row for it if it is new.
pub(super) fn switch_registry(state: &mut State, target: RegistryTarget) -> Vec<Effect> {
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

/// Reload the open repository's images after a mutation: the filter, the sort, the marks
/// that still exist and the selected image stay (see `ListView`).
pub(super) fn reload_images(state: &mut State) -> Vec<Effect> {
    let Some(repo) = state.images.repository.clone() else {
        return Vec::new();
    };
    open_images(state, repo)
}

/// Open the lifecycle dry run of the selected (or open) repository.
pub(super) fn open_lifecycle(state: &mut State) -> Vec<Effect> {
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
pub(super) fn toggle_audit(state: &mut State) -> Vec<Effect> {
    state.pane = Pane::Repositories;
    let pane = &mut state.repositories;
    pane.audit_view = !pane.audit_view;
    // A sort by a column the new view lacks would order rows by something off screen.
    if !crate::app::state::repository_sort_cycle(pane.audit_view).contains(&pane.list.sort_column) {
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

/// `u` / `U`: only the images in use, or only those not in use (again: every image).
pub(super) fn toggle_usage_filter(state: &mut State, command: Command) -> Vec<Effect> {
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
    Vec::new()
}

/// Ask for the in-use lookup of `registry` once its account is known (and not before, or
/// again, unless a refresh asks).
pub(super) fn request_usage(state: &mut State, registry: &RegistryId) -> Vec<Effect> {
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
    // Across an organization, another account's workloads may pull from this registry.
    let others = match registry.source.member() {
        Some(_) => state
            .registries
            .rows
            .iter()
            .map(|row| &row.target)
            .filter(|t| {
                t.source.member().is_some() && t.region == registry.region && *t != registry
            })
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    vec![Effect::FetchUsage {
        registry: registry.clone(),
        account,
        generation,
        others,
    }]
}
