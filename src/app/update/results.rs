//! What the registry and the runtime answer: listings page by page, counts and sizes,
//! the in-use lookup, the audit sweep, the lifecycle view's work, the outcome of a tag or
//! a delete, a retry notice, a theme. Results of a generation or registry no longer on
//! screen are dropped here.

use super::jump::{apply_image_jump, apply_repository_jump};
use super::navigate::{reload_images, request_usage};
use crate::app::action::{Effect, RegistryId, RepoStats};
use crate::app::info::InfoPart;
use crate::app::lifecycle::LifecycleEvent;
use crate::app::operate::{self, ConfirmedDelete, DeleteLine, TagResult};
use crate::app::state::{IMAGE_SORTS, Loading, REPOSITORY_SORTS, RepoRow, State, StatsState};
use crate::app::status::{Kind, Scope, Topic};
use crate::app::storage::{StorageFor, StorageRead};
use crate::ecr::EcrError;
use crate::ecr::model::{Image, Page, RegistryTarget, Repository};
use crate::figures::RepositoryRow;
use crate::usage::UsageMap;
use std::time::Duration;

/// A registry's account arrived.
pub(super) fn on_account_loaded(
    state: &mut State,
    registry: RegistryId,
    result: Result<String, EcrError>,
) -> Vec<Effect> {
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
        Some(_) if registry == state.repositories.registry => request_usage(state, &registry),
        _ => Vec::new(),
    }
}

/// A page of the open registry's repositories; it asks for their sizes.
pub(super) fn on_repositories_page(
    state: &mut State,
    registry: RegistryId,
    generation: u64,
    result: Result<Page<Repository>, EcrError>,
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

/// A background count of a registry's repositories.
pub(super) fn on_repository_count(
    state: &mut State,
    registry: RegistryId,
    result: Result<usize, EcrError>,
) -> Vec<Effect> {
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

/// One repository's image count and size from the size sweep.
pub(super) fn on_repository_stats(
    state: &mut State,
    registry: RegistryId,
    generation: u64,
    repository: String,
    result: Result<RepoStats, EcrError>,
) -> Vec<Effect> {
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

/// Platforms of the listing's multi-arch indexes.
pub(super) fn on_index_children(
    state: &mut State,
    generation: u64,
    parents: Vec<(String, String)>,
) -> Vec<Effect> {
    let pane = &mut state.images;
    if pane.generation == generation {
        // During a reload they belong to the listing that will replace the rows.
        match pane.incoming.as_mut() {
            Some((_, incoming)) => incoming.extend(parents),
            None => {
                pane.parents.extend(parents);
                // The platforms now fold under their index.
                state.rebuild_images();
            }
        }
        state.dirty = true;
    }
    Vec::new()
}

/// A page of the open repository's images.
pub(super) fn on_images_page(
    state: &mut State,
    generation: u64,
    result: Result<Page<Image>, EcrError>,
) -> Vec<Effect> {
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
            if done {
                // The listing on screen is complete: read what it really stores.
                return request_storage(state);
            }
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

/// Ask for the storage figures of the images pane's listing (complete, on screen): its
/// figures are unknown until they arrive.
fn request_storage(state: &mut State) -> Vec<Effect> {
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Vec::new();
    };
    let generation = state.new_generation();
    let pane = &mut state.images;
    pane.storage.request(generation);
    vec![Effect::ReadStorage {
        registry: pane.registry.clone(),
        repository,
        digests: pane.images.iter().map(|i| i.digest.clone()).collect(),
        generation,
        asker: StorageFor::ImagesPane,
    }]
}

/// Storage figures arrived for the images pane or the lifecycle view; dropped unless
/// the one that asked still waits for exactly this read.
pub(super) fn on_storage_read(
    state: &mut State,
    registry: RegistryId,
    repository: String,
    generation: u64,
    result: Result<StorageRead, String>,
) -> Vec<Effect> {
    let pane = &mut state.images;
    let ours = pane.registry == registry
        && pane.repository.as_ref().map(|r| r.name.as_str()) == Some(repository.as_str())
        && pane.storage.generation == generation;
    if !ours {
        if state
            .lifecycle
            .storage_arrived(&registry, &repository, generation, result)
        {
            state.dirty = true;
        }
        return Vec::new();
    }
    if !pane.storage.arrived(generation, result, &pane.images) {
        return Vec::new();
    }
    state.dirty = true;
    let scope = operate::images_scope(state);
    let storage = &state.images.storage;
    match (&storage.read, &storage.error) {
        (Some(read), _) => match read.partial_note() {
            Some(note) => state.status.post(Kind::Error, Topic::Storage, scope, note),
            None => state.status.succeeded(Topic::Storage, &scope),
        },
        (None, Some(error)) => state.status.post(
            Kind::Error,
            Topic::Storage,
            scope,
            format!("cannot read the manifests: {error} — sizes are the listed upper bounds"),
        ),
        (None, None) => {}
    }
    if IMAGE_SORTS.get(state.images.list.sort_column) == Some(&"unique") {
        state.rebuild_images();
    }
    Vec::new()
}

/// Storage figures for the lifecycle view's dry run: the images pane's when they are of
/// the same repository, otherwise a read of its own.
fn lifecycle_storage(state: &mut State) -> Vec<Effect> {
    let view = &state.lifecycle;
    if !view.wants_storage() {
        return Vec::new();
    }
    let pane = &state.images;
    let shared = (pane.registry == view.registry
        && pane.repository.as_ref().map(|r| r.name.as_str()) == Some(view.repository.as_str()))
    .then(|| pane.storage.read.clone())
    .flatten();
    let generation = state.new_generation();
    let view = &mut state.lifecycle;
    match shared {
        Some(read) => {
            view.storage_requested(generation);
            let (registry, repository) = (view.registry.clone(), view.repository.clone());
            view.storage_arrived(&registry, &repository, generation, Ok(read));
            Vec::new()
        }
        None => {
            view.storage_requested(generation);
            vec![Effect::ReadStorage {
                registry: view.registry.clone(),
                repository: view.repository.clone(),
                digests: view.images.iter().map(|i| i.digest.clone()).collect(),
                generation,
                asker: StorageFor::Lifecycle,
            }]
        }
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

/// One section of the repository info view.
pub(super) fn on_info_part(state: &mut State, generation: u64, part: InfoPart) -> Vec<Effect> {
    if state.info.on_part(generation, part) {
        // A section's answer ends the retry the status line may show for it.
        state.retrying = None;
        state.dirty = true;
    }
    Vec::new()
}

/// The in-use lookup of a registry.
pub(super) fn on_usage_loaded(
    state: &mut State,
    registry: RegistryId,
    generation: u64,
    map: UsageMap,
) -> Vec<Effect> {
    if state.usage.loaded(&registry, generation, map) {
        state.rebuild_images();
        update_lifecycle_running(state);
        state.dirty = true;
    }
    Vec::new()
}

/// The audit sweep of a registry.
pub(super) fn on_audit_loaded(
    state: &mut State,
    registry: RegistryId,
    result: Result<Vec<RepositoryRow>, String>,
    errors: Vec<String>,
) -> Vec<Effect> {
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

/// Something the lifecycle view asked for.
pub(super) fn on_lifecycle_event(state: &mut State, event: LifecycleEvent) -> Vec<Effect> {
    state.dirty = true;
    let now = state.now;
    state.lifecycle.on_event(event, now);
    update_lifecycle_running(state);
    lifecycle_storage(state)
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

/// A registry call will be tried again after `delay`.
pub(super) fn on_retrying(state: &mut State, reason: String, delay: Duration) -> Vec<Effect> {
    state.retrying = Some(format!("retrying {reason} in {:.1} s", delay.as_secs_f64()));
    state.dirty = true;
    Vec::new()
}

/// Where the tag the user typed points now.
pub(super) fn on_tag_checked(
    state: &mut State,
    digest: String,
    tag: String,
    result: Result<Option<String>, String>,
) -> Vec<Effect> {
    state.dirty = true;
    operate::on_tag_checked(state, digest, tag, result)
}

/// A tag was put (or refused).
pub(super) fn on_tag_put(state: &mut State, tag: String, result: TagResult) -> Vec<Effect> {
    state.dirty = true;
    if operate::on_tag_put(state, &tag, result) {
        return reload_images(state);
    }
    Vec::new()
}

/// A confirmed delete finished.
pub(super) fn on_delete_finished(
    state: &mut State,
    delete: ConfirmedDelete,
    result: Result<Vec<DeleteLine>, String>,
) -> Vec<Effect> {
    state.dirty = true;
    let touched = result.is_ok();
    operate::on_delete_finished(state, delete.plan(), result);
    // Reload from the registry: only what it confirmed deleted disappears.
    if touched {
        return reload_images(state);
    }
    Vec::new()
}

/// The runtime tried to switch themes.
pub(super) fn on_theme_loaded(
    state: &mut State,
    name: String,
    result: Result<(), String>,
) -> Vec<Effect> {
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

/// An error as the status line says it. Expired credentials get the exact command that
/// renews them for this registry's profile.
fn explain(target: &RegistryTarget, err: &EcrError) -> String {
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
