//! The layers view (`l` in the images pane): the selected image's config and layers as
//! its manifest lists them (each platform's, for a multi-arch index), with each blob's
//! size and how many images of the repository hold it. Nothing is pulled: the manifests
//! come from the manifest cache or BatchGetImage, and the counts from the repository's
//! storage figures (`ImagesPane::storage`).

use super::action::{Effect, RegistryId};
use super::keymap::{Command, ViewKey};
use super::state::{Pane, State};
use super::status::Topic;
use super::storage::StorageRead;
use crate::format;
use crate::storage::Digest;
use crossterm::event::KeyEvent;

/// What a blob is to its manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobKind {
    Config,
    Layer,
}

/// One blob of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerBlob {
    pub kind: BlobKind,
    pub digest: Digest,
    pub size: u64,
}

/// The blobs of one manifest: the image itself, or one platform of an index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerSection {
    /// The manifest's digest.
    pub digest: String,
    /// The platform (`linux/arm64/v8`) of an index's entry, or `attestation`; None for
    /// a single-platform image.
    pub platform: Option<String>,
    /// Config first, then the layers in the manifest's order.
    pub blobs: Vec<LayerBlob>,
    /// Why this manifest's blobs are unknown, when they are.
    pub problem: Option<String>,
}

/// The layers view's state.
///
/// Invariant: `sections` is None while the read for `generation` is under way; results
/// of another generation are dropped, so the view never shows another image's layers.
#[derive(Debug, Default)]
pub struct LayersView {
    /// On screen over the images pane, taking the keys.
    pub visible: bool,
    pub registry: RegistryId,
    pub repository: String,
    /// The image whose layers these are.
    pub digest: String,
    /// Its tags as the pane shows them.
    pub label: String,
    pub generation: u64,
    pub sections: Option<Result<Vec<LayerSection>, String>>,
    /// First line shown.
    pub scroll: usize,
}

/// How a line of the view reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Heading,
    Row,
    Note,
    Error,
}

/// One line of the view, laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerLine {
    pub kind: LineKind,
    pub text: String,
}

/// Width of the digest column: `sha256:` and 12 hex, as elsewhere.
const DIGEST_WIDTH: usize = 19;

impl LayersView {
    /// The view's lines, with each blob's count of images holding it from `storage`
    /// (None while the repository's storage is unknown).
    pub fn lines(&self, storage: Option<&StorageRead>) -> Vec<LayerLine> {
        let line = |kind, text: String| LayerLine { kind, text };
        let sections = match &self.sections {
            None => return vec![line(LineKind::Note, "reading the manifest…".into())],
            Some(Err(error)) => return vec![line(LineKind::Error, error.clone())],
            Some(Ok(sections)) => sections,
        };
        let mut lines = vec![
            line(
                LineKind::Note,
                "HELD BY: images of this repository holding the blob, this one included".into(),
            ),
            line(
                LineKind::Heading,
                format!(
                    "{:<6}  {:<DIGEST_WIDTH$}  {:>w$}  HELD BY",
                    "BLOB",
                    "DIGEST",
                    "SIZE",
                    w = format::SIZE_WIDTH
                ),
            ),
        ];
        if storage.is_none() {
            lines.push(line(
                LineKind::Note,
                "the repository's storage figures are not read yet: counts show as …".into(),
            ));
        }
        for section in sections {
            lines.push(line(LineKind::Note, String::new()));
            let short = crate::ecr::model::short_digest(&section.digest);
            lines.push(line(
                LineKind::Heading,
                match &section.platform {
                    Some(platform) => format!("{platform} · {short}"),
                    None => format!("image · {short}"),
                },
            ));
            if let Some(problem) = &section.problem {
                lines.push(line(LineKind::Error, problem.clone()));
                continue;
            }
            let total: u64 = section.blobs.iter().map(|b| b.size).sum();
            for blob in &section.blobs {
                let kind = match blob.kind {
                    BlobKind::Config => "config",
                    BlobKind::Layer => "layer",
                };
                let digest = blob.digest.to_string();
                lines.push(line(
                    LineKind::Row,
                    format!(
                        "{kind:<6}  {:<DIGEST_WIDTH$}  {:>w$}  {}",
                        crate::ecr::model::short_digest(&digest),
                        format::size(blob.size),
                        held_by(storage, &blob.digest),
                        w = format::SIZE_WIDTH
                    ),
                ));
            }
            lines.push(line(
                LineKind::Note,
                format!(
                    "{} blob{} · {} ({total} bytes)",
                    section.blobs.len(),
                    if section.blobs.len() == 1 { "" } else { "s" },
                    format::size(total)
                ),
            ));
        }
        lines
    }
}

/// How many images hold `blob`, as the HELD BY column says it.
fn held_by(storage: Option<&StorageRead>, blob: &Digest) -> String {
    let Some(read) = storage else {
        return "…".into();
    };
    let count = read.storage.images_referencing(blob);
    // Images whose manifests are unknown may hold it too.
    let at_least = if read.storage.is_complete() {
        ""
    } else {
        "≥"
    };
    match count {
        0 => "?".into(),
        1 if at_least.is_empty() => "only this image".into(),
        n => format!("{at_least}{n} images"),
    }
}

/// `l`: open the layers of the selected image.
pub fn open(state: &mut State) -> Vec<Effect> {
    if state.pane != Pane::Images || state.lifecycle.is_visible() || state.info.visible {
        state.status.info(
            Topic::Command,
            "l lists an image's layers: open a repository's images first (Enter)",
        );
        return Vec::new();
    }
    let Some(image) = super::operate::selected_image(state).cloned() else {
        state.status.info(Topic::Command, "no image selected");
        return Vec::new();
    };
    if !image.has_valid_digest() {
        state.status.info(
            Topic::Command,
            super::operate::opaque_refusal("read its layers", &image),
        );
        return Vec::new();
    }
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Vec::new();
    };
    let generation = state.new_generation();
    state.layers = LayersView {
        visible: true,
        registry: state.images.registry.clone(),
        repository,
        label: if image.tags.is_empty() {
            super::state::UNTAGGED.to_string()
        } else {
            image.tags.join(", ")
        },
        digest: image.digest,
        generation,
        sections: None,
        scroll: 0,
    };
    vec![read_effect(&state.layers)]
}

fn read_effect(view: &LayersView) -> Effect {
    Effect::ReadLayers {
        registry: view.registry.clone(),
        repository: view.repository.clone(),
        digest: view.digest.clone(),
        generation: view.generation,
    }
}

/// The layers read for `generation` arrived.
pub fn on_read(
    state: &mut State,
    generation: u64,
    result: Result<Vec<LayerSection>, String>,
) -> bool {
    if state.layers.generation != generation || state.layers.sections.is_some() {
        return false;
    }
    state.layers.sections = Some(result);
    true
}

/// Keys while the view is on screen; None hands the key on (help, the command line,
/// ctrl-c).
pub fn on_key(state: &mut State, key: KeyEvent, command: Option<Command>) -> Option<Vec<Effect>> {
    let height = state.body_height() as isize;
    let Some(command) = command else {
        state.status.info(Topic::Command, close_hint(state));
        return Some(Vec::new());
    };
    match command.in_view(&key, Command::Layers, height) {
        ViewKey::Scroll(delta) => scroll_by(state, delta),
        ViewKey::PassOn => return None,
        ViewKey::Close => state.layers.visible = false,
        ViewKey::Reload => {
            let generation = state.new_generation();
            state.layers.generation = generation;
            state.layers.sections = None;
            return Some(vec![read_effect(&state.layers)]);
        }
        ViewKey::CopyUri | ViewKey::Other => {
            state.status.info(Topic::Command, close_hint(state));
        }
    }
    Some(Vec::new())
}

/// What a key the view does not take is told instead of doing nothing.
fn close_hint(state: &State) -> String {
    format!(
        "the layers view is open: {} closes it",
        state.keymap.hint(Command::Back)
    )
}

/// Move the view `delta` lines, staying between the first line and the last screenful.
pub fn scroll_by(state: &mut State, delta: isize) {
    let height = state.body_height().saturating_sub(1);
    let lines = state.layers.lines(state.images.storage.read.as_ref()).len();
    let last = lines.saturating_sub(height);
    state.layers.scroll = state.layers.scroll.saturating_add_signed(delta).min(last);
}

#[cfg(test)]
mod tests;
