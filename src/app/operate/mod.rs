//! Acting on images: marks, tag, untag, delete, copy URIs — and the dialogs that guard
//! them. Pure: the API calls travel as Effects.
//!
//! A delete can only be asked for with a [`ConfirmedDelete`], which only `plan` can make,
//! and only from a plan the user saw and confirmed. A refresh arriving while the dialog
//! is open changes the list, never the plan.
//!
//! This file: the images pane's commands, marks and copies. Beside it: `dialog` (the
//! dialogs and their keys), `plan` (what a delete or a tag will do, and the Effects that
//! ask for it) and `results` (what the registry answered).

mod dialog;
mod plan;
mod results;
#[cfg(test)]
mod tests;

pub use dialog::{Dialog, TagChoice, closes_report, on_dialog_key};
pub use plan::{ConfirmedDelete, DeleteKind, DeletePlan, PlanEntry, TYPED_CONFIRM_ABOVE};
pub use results::{DeleteLine, TagResult, on_delete_finished, on_tag_checked, on_tag_put};

use plan::{open_delete, untag};

use crate::app::action::Effect;
use crate::app::keymap::Command;
use crate::app::state::{ImagesPane, State};
use crate::app::status::{Scope, Topic};
use crate::ecr::model::Image;
use crate::ecr::names;
use std::collections::HashSet;
use tui_input::Input;

/// Whether a key is a mutating command (blocked in read-only mode).
fn mutates(command: Command) -> bool {
    matches!(command, Command::Tag | Command::Untag | Command::Delete)
}

/// Handle an images-pane command; `None` when the command is not one of these.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    if !matches!(
        command,
        Command::Mark
            | Command::MarkAll
            | Command::Tag
            | Command::Untag
            | Command::Delete
            | Command::CopyUri
            | Command::CopyTaggedUri
    ) {
        return None;
    }
    if !state.in_images_pane() {
        return Some(Vec::new());
    }
    if state.read_only && mutates(command) {
        // The gate's own refusal, so every refused write reads the same.
        let action = match command {
            Command::Tag => "tag",
            Command::Untag => "untag",
            _ => "delete",
        };
        let repository = state
            .images
            .repository
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let refused = crate::safety::Refused::ReadOnly { action, repository };
        state.status.info(Topic::Command, refused.to_string());
        return Some(Vec::new());
    }
    let selected = selected_image(state).cloned();
    if let Some(image) = &selected
        && state.images.marked.is_empty()
        && !image.has_valid_digest()
        && matches!(
            command,
            Command::Tag | Command::Untag | Command::CopyUri | Command::CopyTaggedUri
        )
    {
        let action = match command {
            Command::Tag => "tag it",
            Command::Untag => "untag it",
            _ => "copy a pinned URI",
        };
        state
            .status
            .info(Topic::Command, opaque_refusal(action, image));
        return Some(Vec::new());
    }
    let effects = match command {
        Command::Mark => {
            if let Some(image) = selected {
                state.images.marked.toggle(&image);
                let height = state.body_height();
                state.images.list.move_by(1, height);
                super::update::user_moved(state);
            }
            Vec::new()
        }
        Command::MarkAll => {
            mark_all_visible(state);
            Vec::new()
        }
        Command::Tag => {
            if let Some(image) = selected {
                state.dialog = Some(Dialog::TagPrompt {
                    note: platforms_stay(
                        &state.images,
                        &image,
                        "the new tag names the index alone",
                    ),
                    digest: image.digest,
                    input: Input::default(),
                    error: None,
                });
            }
            Vec::new()
        }
        Command::Untag => {
            if let Some(image) = selected {
                untag(state, &image);
            }
            Vec::new()
        }
        Command::Delete => {
            open_delete(state);
            Vec::new()
        }
        Command::CopyUri => copy(state, None),
        Command::CopyTaggedUri => {
            let marked = !state.images.marked.is_empty();
            match selected {
                Some(image) if !marked && image.tags.len() > 1 => {
                    state.dialog = Some(Dialog::ChooseTag {
                        choice: TagChoice::CopyTagged,
                        digest: image.digest,
                        tags: image.tags,
                        selected: 0,
                    });
                    Vec::new()
                }
                Some(image) if !marked => copy(state, Some(image.tags.first().cloned())),
                _ => copy(state, Some(None)),
            }
        }
        _ => Vec::new(),
    };
    Some(effects)
}

pub(super) fn selected_image(state: &State) -> Option<&Image> {
    state
        .images
        .list
        .selected_item()
        .map(|i| &state.images.images[i])
}

/// Mark every visible image, or unmark them all when they already are.
fn mark_all_visible(state: &mut State) {
    let pane = &mut state.images;
    let visible = pane.list.rows.iter().map(|&i| &pane.images[i]);
    if visible
        .clone()
        .all(|image| pane.marked.contains(&image.digest))
    {
        visible.for_each(|image| pane.marked.unmark(image));
    } else {
        visible.for_each(|image| pane.marked.mark(image));
    }
}

/// The images a bulk action applies to: the marked ones still listed, or the selection.
pub(super) fn targets(state: &State) -> Vec<&Image> {
    let pane = &state.images;
    if pane.marked.is_empty() {
        return selected_image(state).into_iter().collect();
    }
    // Visible ones first, in the order shown, then marked ones the filter hides.
    let mut seen: HashSet<&str> = HashSet::with_capacity(pane.marked.len());
    pane.list
        .rows
        .iter()
        .map(|&i| &pane.images[i])
        .chain(pane.images.iter())
        .filter(|image| pane.marked.contains(&image.digest) && seen.insert(&image.digest))
        .collect()
}

/// The multi-arch index that names `digest`, briefly, as the images pane's TAGS column
/// shows it: its first tag, or its short digest when it has none. None for an image no
/// index read so far names.
pub fn index_label(pane: &ImagesPane, digest: &str) -> Option<String> {
    let (short, tag) = index_of(pane, digest)?;
    Some(tag.unwrap_or(short).to_string())
}

/// What an OCI referrer is, by its artifact type: `signature`, `SBOM`, `attestation`,
/// or `referrer` for any other type.
pub fn artifact_word(artifact_type: Option<&str>) -> &'static str {
    match artifact_type {
        Some(t) if crate::figures::rows::is_signature(t) => "signature",
        Some(t) if t.contains("spdx") || t.contains("cyclonedx") => "SBOM",
        Some(t) if t.contains("in-toto") => "attestation",
        _ => "referrer",
    }
}

/// The multi-arch index that names `digest`, in full: `v1.5.0 (sha256:3f2a9c1d0e4b)`.
pub fn index_description(pane: &ImagesPane, digest: &str) -> Option<String> {
    let (short, tag) = index_of(pane, digest)?;
    Some(match tag {
        Some(tag) => format!("{tag} ({short})"),
        None => short.to_string(),
    })
}

/// The short digest and first tag of the index that names `digest`.
fn index_of<'a>(pane: &'a ImagesPane, digest: &str) -> Option<(&'a str, Option<&'a str>)> {
    let index = pane.parents.get(digest)?;
    let tag = pane
        .images
        .iter()
        .find(|image| &image.digest == index)
        .and_then(|image| image.tags.first());
    Some((
        crate::ecr::model::short_digest(index),
        tag.map(String::as_str),
    ))
}

/// For a multi-arch index, what a retag or untag leaves as it is: `a multi-arch index:
/// {what}; its 3 platforms (child images) stay as they are`, with the count when the
/// index's manifest has been read (the pane's `parents`). None for any other image.
pub(super) fn platforms_stay(pane: &ImagesPane, image: &Image, what: &str) -> Option<String> {
    if image.kind != crate::ecr::model::ManifestKind::ManifestList {
        return None;
    }
    let count = pane
        .parents
        .values()
        .filter(|index| **index == image.digest)
        .count();
    let platforms = match count {
        0 => "its platforms (child images) stay as they are (how many is not known yet)".into(),
        1 => "its 1 platform (child image) stays as it is".into(),
        n => format!("its {n} platforms (child images) stay as they are"),
    };
    Some(format!("a multi-arch index: {what}; {platforms}"))
}

/// The refusal of an action that needs a real digest, for an image whose digest is not
/// one (shown sanitised; never parsed).
pub(super) fn opaque_refusal(action: &str, image: &Image) -> String {
    format!(
        "cannot {action}: the registry sent {} as this image's digest, which is not a sha256 digest",
        image.short_digest()
    )
}

/// Copy digest-pinned URIs: `tag` None → `REPO@sha256:…`; Some(Some(t)) → `REPO:t@…`;
/// Some(None) → each image's first tag where it has one.
pub(super) fn copy(state: &mut State, tag: Option<Option<String>>) -> Vec<Effect> {
    let Some(account) = state
        .registries
        .row(&state.images.registry)
        .and_then(|r| r.account.clone())
    else {
        state.status.error(
            Topic::Copy,
            "the account id is not known yet; try again in a moment",
        );
        return Vec::new();
    };
    let region = state.images.registry.region.clone();
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Vec::new();
    };
    let mut uris = Vec::new();
    for image in targets(state) {
        if !image.has_valid_digest() {
            state
                .status
                .info(Topic::Copy, opaque_refusal("copy a pinned URI", image));
            return Vec::new();
        }
        let chosen = match &tag {
            None => None,
            Some(Some(t)) => Some(t.clone()),
            Some(None) => image.tags.first().cloned(),
        };
        match names::pinned_uri(
            &account,
            &region,
            &repository,
            chosen.as_deref(),
            &image.digest,
        ) {
            Ok(uri) => uris.push(uri),
            Err(err) => {
                state.status.error(Topic::Copy, err.to_string());
                return Vec::new();
            }
        }
    }
    if uris.is_empty() {
        // Never a silent key: say why nothing was copied.
        let why = if state.images.loading.is_some() {
            "nothing to copy yet: the images are still loading"
        } else {
            "nothing to copy: no image selected"
        };
        state.status.info(Topic::Copy, why);
        return Vec::new();
    }
    let text = uris.join("\n");
    state.status.copied(if uris.len() == 1 {
        format!("copied {text}")
    } else {
        format!("copied {} URIs", uris.len())
    });
    vec![Effect::CopyToClipboard { text }]
}

/// Whether a registry call the user waits for is in flight (its dialog is up).
pub fn is_busy(state: &State) -> bool {
    matches!(state.dialog, Some(Dialog::Busy { .. }))
}

/// The context of the open repository's messages: they leave when it does.
pub fn images_scope(state: &State) -> Scope {
    Scope::Repository {
        registry: state.images.registry.clone(),
        name: state
            .images
            .repository
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default(),
    }
}
