//! Acting on images: marks, tag, untag, delete, copy URIs — and the dialogs that guard
//! them. Pure: the API calls travel as Effects.
//!
//! A delete can only be asked for with a [`ConfirmedDelete`], which only this module can
//! make, and only from a plan the user saw and confirmed. A refresh arriving while the
//! dialog is open changes the list, never the plan.

use super::action::Effect;
use super::keymap::Command;
use super::state::{ImagesPane, Pane, State};
use super::status::{Kind, Scope, Topic};
use super::usage::DeleteUsage;
use crate::ecr::model::{Image, TagMutability, short_digest};
use crate::ecr::mutate::ImageRef;
use crate::ecr::names;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::{HashMap, HashSet};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// More images than this need the repository name typed to confirm a delete.
pub const TYPED_CONFIRM_ABOVE: usize = 10;

/// One image in a delete plan, as the dialog showed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    pub digest: String,
    pub tags: Vec<String>,
    pub size_bytes: u64,
    /// The id that will be sent: the digest (whole image) or one tag.
    pub id: ImageRef,
}

/// What a delete will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteKind {
    /// Whole images by digest, with all their tags.
    Images,
    /// One tag of an image that keeps other tags.
    Untag,
    /// The last tag of an image: ECR deletes the image with it.
    LastTag,
}

/// Everything a delete dialog shows, fixed when the dialog opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletePlan {
    pub registry: crate::app::action::RegistryId,
    pub repository: String,
    pub kind: DeleteKind,
    pub entries: Vec<PlanEntry>,
    /// What was asked for but left out before any call, and why (one line per reason).
    pub skipped: Vec<String>,
}

impl DeletePlan {
    pub fn total_bytes(&self) -> u64 {
        match self.kind {
            DeleteKind::Untag => 0,
            _ => self.entries.iter().map(|e| e.size_bytes).sum(),
        }
    }

    /// Whether confirming needs the repository name typed.
    pub fn needs_typed_confirmation(&self) -> bool {
        self.entries.len() > TYPED_CONFIRM_ABOVE
    }
}

/// Proof that the user confirmed a plan: the only way to ask the runtime to delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedDelete {
    plan: DeletePlan,
}

impl ConfirmedDelete {
    /// The confirmed plan.
    pub fn plan(&self) -> &DeletePlan {
        &self.plan
    }

    /// The ids to send: exactly those of the confirmed plan.
    pub fn ids(&self) -> Vec<ImageRef> {
        self.plan.entries.iter().map(|e| e.id.clone()).collect()
    }
}

/// Why a tag prompt was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagChoice {
    Untag,
    CopyTagged,
}

/// A modal dialog over the images pane.
#[derive(Debug)]
pub enum Dialog {
    /// Type a new tag for `digest`.
    TagPrompt {
        digest: String,
        input: Input,
        error: Option<String>,
    },
    /// `tag` names another image now; moving it needs a yes.
    ConfirmMove {
        digest: String,
        tag: String,
        from: String,
    },
    /// Pick one of an image's tags.
    ChooseTag {
        choice: TagChoice,
        digest: String,
        tags: Vec<String>,
        selected: usize,
    },
    /// Confirm a delete; `typed` holds the repository name being typed for bulk deletes.
    ConfirmDelete {
        plan: DeletePlan,
        typed: Option<Input>,
        error: Option<String>,
        /// What runs the images in the plan (listed first, in the warning colour).
        usage: DeleteUsage,
    },
    /// The plan deletes images something runs: only an explicit `Y` goes on.
    ConfirmInUse {
        plan: DeletePlan,
        usage: DeleteUsage,
    },
    /// Waiting for the registry.
    Busy { message: String },
    /// What happened, line by line (`true` marks a failure line).
    Report {
        title: String,
        lines: Vec<(String, bool)>,
    },
}

/// Results of mutations, as the runtime reports them to `update`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagResult {
    Tagged,
    Moved { from: String },
    AlreadyTagged,
    Immutable { current: Option<String> },
    Failed(String),
}

/// One id of a finished delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteLine {
    pub id: ImageRef,
    /// None when deleted; the code and reason when not.
    pub failure: Option<(String, String)>,
}

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
    if state.pane != Pane::Images {
        state
            .status
            .info(Topic::Command, "open a repository's images first (Enter)");
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

fn selected_image(state: &State) -> Option<&Image> {
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
fn targets(state: &State) -> Vec<&Image> {
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

fn plan_entry(image: &Image, id: ImageRef) -> PlanEntry {
    PlanEntry {
        digest: image.digest.clone(),
        tags: image.tags.clone(),
        size_bytes: image.size_bytes,
        id,
    }
}

fn open_delete(state: &mut State) {
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return;
    };
    let chosen = targets(state);
    if chosen.is_empty() {
        state.status.info(Topic::Command, "nothing selected");
        return;
    }
    let mut entries = Vec::new();
    let mut opaque = 0;
    let mut platforms = 0;
    let mut refusal = None;
    for image in &chosen {
        match undeletable(state, image) {
            None => entries.push(plan_entry(image, ImageRef::Digest(image.digest.clone()))),
            Some(reason) => {
                refusal.get_or_insert(reason);
                if image.has_valid_digest() {
                    platforms += 1;
                } else {
                    opaque += 1;
                }
            }
        }
    }
    if chosen.len() == 1
        && let Some(reason) = refusal
    {
        // One image, refused: say exactly why, and ask nothing.
        state.status.info(Topic::Command, reason);
        return;
    }
    let mut skipped = Vec::new();
    if platforms > 0 {
        skipped.push(format!(
            "{platforms} skipped: platform{} of a multi-arch index (ECR refuses to delete them; delete the index)",
            if platforms == 1 { "" } else { "s" }
        ));
    }
    if opaque > 0 {
        skipped.push(format!(
            "{opaque} skipped: the registry sent no valid digest for {}",
            if opaque == 1 { "it" } else { "them" }
        ));
    }
    if entries.is_empty() {
        state.status.info(
            Topic::Command,
            format!("nothing to delete: {}", skipped.join("; ")),
        );
        return;
    }
    let plan = DeletePlan {
        registry: state.images.registry.clone(),
        repository,
        kind: DeleteKind::Images,
        entries,
        skipped,
    };
    open_confirm(state, plan);
}

/// Why berth will not ask the registry to delete `image`, or None when it may.
///
/// A platform of a multi-arch index cannot be deleted while the index exists (ECR answers
/// ImageReferencedByManifestList), and an image without a valid digest cannot be named
/// safely: both are refused before any call, naming the reason.
fn undeletable(state: &State, image: &Image) -> Option<String> {
    if !image.has_valid_digest() {
        return Some(opaque_refusal("delete it", image));
    }
    let parent = index_description(&state.images, &image.digest)?;
    Some(format!(
        "cannot delete {}: it is a platform of the multi-arch index {parent} — ECR refuses while the index exists; delete the index instead",
        image.short_digest(),
    ))
}

/// The multi-arch index that names `digest`, briefly, as the images pane's TAGS column
/// shows it: its first tag, or its short digest when it has none. None for an image no
/// index read so far names.
pub fn index_label(pane: &ImagesPane, digest: &str) -> Option<String> {
    let (short, tag) = index_of(pane, digest)?;
    Some(tag.unwrap_or(short).to_string())
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

/// The refusal of an action that needs a real digest, for an image whose digest is not
/// one (shown sanitised; never parsed).
fn opaque_refusal(action: &str, image: &Image) -> String {
    format!(
        "cannot {action}: the registry sent {} as this image's digest, which is not a sha256 digest",
        image.short_digest()
    )
}

fn open_confirm(state: &mut State, mut plan: DeletePlan) {
    // Images in use go first, so they are never below the fold of a long list.
    let usage = DeleteUsage::of(&state.usage, &plan);
    let order = usage.order(plan.entries.len());
    plan.entries = order.iter().map(|&i| plan.entries[i].clone()).collect();
    let usage = DeleteUsage::of(&state.usage, &plan);
    let typed = plan.needs_typed_confirmation().then(Input::default);
    state.dialog = Some(Dialog::ConfirmDelete {
        plan,
        typed,
        error: None,
        usage,
    });
}

fn untag(state: &mut State, image: &Image) {
    match image.tags.len() {
        0 => state
            .status
            .info(Topic::Command, "this image has no tags; d deletes it"),
        1 => untag_plan(state, image, &image.tags[0].clone()),
        _ => {
            state.dialog = Some(Dialog::ChooseTag {
                choice: TagChoice::Untag,
                digest: image.digest.clone(),
                tags: image.tags.clone(),
                selected: 0,
            })
        }
    }
}

fn untag_plan(state: &mut State, image: &Image, tag: &str) {
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return;
    };
    let kind = if image.tags.len() == 1 {
        DeleteKind::LastTag
    } else {
        DeleteKind::Untag
    };
    if kind == DeleteKind::LastTag
        && let Some(reason) = undeletable(state, image)
    {
        // Removing the last tag deletes the image: the same refusal as `d`.
        state.status.info(Topic::Command, reason);
        return;
    }
    let plan = DeletePlan {
        registry: state.images.registry.clone(),
        repository,
        kind,
        entries: vec![plan_entry(image, ImageRef::Tag(tag.to_string()))],
        skipped: Vec::new(),
    };
    open_confirm(state, plan);
}

/// Copy digest-pinned URIs: `tag` None → `REPO@sha256:…`; Some(Some(t)) → `REPO:t@…`;
/// Some(None) → each image's first tag where it has one.
fn copy(state: &mut State, tag: Option<Option<String>>) -> Vec<Effect> {
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

/// Keys while a dialog is open.
pub fn on_dialog_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(dialog) = state.dialog.take() else {
        return Vec::new();
    };
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Enter);
    let no = matches!(key.code, KeyCode::Char('n') | KeyCode::Esc);
    match dialog {
        Dialog::TagPrompt {
            digest,
            mut input,
            error,
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let tag = input.value().trim().to_string();
                match names::validate_tag(&tag) {
                    Ok(()) => return check_tag(state, digest, tag),
                    Err(err) => {
                        state.dialog = Some(Dialog::TagPrompt {
                            digest,
                            input,
                            error: Some(err.to_string()),
                        })
                    }
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                let _ = error;
                state.dialog = Some(Dialog::TagPrompt {
                    digest,
                    input,
                    error: None,
                });
            }
        },
        Dialog::ConfirmMove { digest, tag, from } => {
            if yes {
                return put_tag(state, digest, tag);
            }
            if !no {
                state.dialog = Some(Dialog::ConfirmMove { digest, tag, from });
            }
        }
        Dialog::ChooseTag {
            choice,
            digest,
            tags,
            mut selected,
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let tag = tags[selected].clone();
                match choice {
                    TagChoice::CopyTagged => return copy(state, Some(Some(tag))),
                    TagChoice::Untag => {
                        let image = state.images.images.iter().find(|i| i.digest == digest);
                        if let Some(image) = image.cloned() {
                            untag_plan(state, &image, &tag);
                        }
                    }
                }
            }
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1).min(tags.len() - 1);
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                });
            }
            KeyCode::Up | KeyCode::Char('k') => {
                selected = selected.saturating_sub(1);
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                });
            }
            _ => {
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                })
            }
        },
        Dialog::ConfirmDelete {
            plan,
            typed: Some(mut input),
            usage,
            ..
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter if input.value() == plan.repository => {
                return confirmed(state, plan, usage);
            }
            KeyCode::Enter => {
                let error = Some(format!(
                    "type the repository name ({}) exactly to confirm",
                    plan.repository
                ));
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: Some(input),
                    error,
                    usage,
                });
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: Some(input),
                    error: None,
                    usage,
                });
            }
        },
        Dialog::ConfirmDelete {
            plan,
            typed: None,
            usage,
            ..
        } => {
            if yes {
                return confirmed(state, plan, usage);
            }
            if !no {
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: None,
                    error: None,
                    usage,
                });
            }
        }
        Dialog::ConfirmInUse { plan, usage } => match key.code {
            KeyCode::Char('Y') => return delete_confirmed(state, plan),
            KeyCode::Esc | KeyCode::Char('n') => {}
            _ => state.dialog = Some(Dialog::ConfirmInUse { plan, usage }),
        },
        // The registry call is in flight: it cannot be taken back, so wait for it. The
        // key is held, not lost: it acts once the answer has arrived.
        busy @ Dialog::Busy { .. } => {
            super::update::hold(state, key);
            state.dialog = Some(busy);
        }
        // A report closes with its own keys only: any other key would be taken by the
        // dialog and lost, so it does nothing (the report's last line says so).
        report @ Dialog::Report { .. } => {
            if !closes_report(&key) {
                state.dialog = Some(report);
            }
        }
    }
    Vec::new()
}

/// The keys that close a report (named on its last line).
pub fn closes_report(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'))
}

/// The user said yes to the plan; images in use need one more, explicit yes.
fn confirmed(state: &mut State, plan: DeletePlan, usage: DeleteUsage) -> Vec<Effect> {
    if usage.needs_extra_confirmation() {
        state.dialog = Some(Dialog::ConfirmInUse { plan, usage });
        return Vec::new();
    }
    delete_confirmed(state, plan)
}

fn delete_confirmed(state: &mut State, plan: DeletePlan) -> Vec<Effect> {
    let count = plan.entries.len();
    state.dialog = Some(Dialog::Busy {
        message: format!("deleting {count} from {}…", plan.repository),
    });
    vec![Effect::DeleteImages {
        delete: ConfirmedDelete { plan },
    }]
}

fn check_tag(state: &mut State, digest: String, tag: String) -> Vec<Effect> {
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Vec::new();
    };
    state.dialog = Some(Dialog::Busy {
        message: format!("checking whether {tag} is in use…"),
    });
    vec![Effect::CheckTag {
        registry: state.images.registry.clone(),
        repository,
        digest,
        tag,
    }]
}

fn put_tag(state: &mut State, digest: String, tag: String) -> Vec<Effect> {
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Vec::new();
    };
    state.dialog = Some(Dialog::Busy {
        message: format!("tagging {} as {tag}…", short_digest(&digest)),
    });
    vec![Effect::PutTag {
        registry: state.images.registry.clone(),
        repository,
        digest,
        tag,
    }]
}

/// The registry said where `tag` points now.
pub fn on_tag_checked(
    state: &mut State,
    digest: String,
    tag: String,
    current: Result<Option<String>, String>,
) -> Vec<Effect> {
    let immutable = state
        .images
        .repository
        .as_ref()
        .is_some_and(|r| r.tag_mutability == TagMutability::Immutable);
    match current {
        Err(error) => {
            tag_outcome(state, Kind::Error, format!("tag failed: {error}"));
            Vec::new()
        }
        Ok(Some(current)) if current == digest => {
            tag_outcome(state, Kind::Info, format!("{tag} already names this image"));
            Vec::new()
        }
        Ok(Some(current)) if immutable => {
            let text = format!("tag not moved: {}", immutable_message(&tag, Some(&current)));
            tag_outcome(state, Kind::Error, text);
            Vec::new()
        }
        Ok(Some(from)) => {
            state.dialog = Some(Dialog::ConfirmMove { digest, tag, from });
            Vec::new()
        }
        Ok(None) => put_tag(state, digest, tag),
    }
}

fn immutable_message(tag: &str, current: Option<&str>) -> String {
    let holder = current.map(short_digest).unwrap_or("another image");
    format!("{tag} names {holder} and tags here are IMMUTABLE — pick a new tag")
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

/// A tag's outcome goes to the status line: one image, one line, nothing to decide.
fn tag_outcome(state: &mut State, kind: Kind, text: String) {
    state.dialog = None;
    let scope = images_scope(state);
    state.status.post(kind, Topic::Tag, scope, text);
}

fn report(title: &str, lines: Vec<(String, bool)>) -> Dialog {
    Dialog::Report {
        title: title.to_string(),
        lines,
    }
}

/// A tag was put (or refused): the outcome goes to the status line, so the next key
/// acts on the list. Whether the registry changed.
pub fn on_tag_put(state: &mut State, tag: &str, result: TagResult) -> bool {
    let (kind, text) = match result {
        TagResult::Tagged => (Kind::Info, format!("{tag} now names this image")),
        TagResult::Moved { from } => (
            Kind::Info,
            format!("{tag} moved here from {}", short_digest(&from)),
        ),
        TagResult::AlreadyTagged => (Kind::Info, format!("{tag} already named this image")),
        TagResult::Immutable { current } => (
            Kind::Error,
            format!(
                "tag not moved: {}",
                immutable_message(tag, current.as_deref())
            ),
        ),
        TagResult::Failed(error) => (Kind::Error, format!("tag failed: {error}")),
    };
    let changed = kind == Kind::Info;
    tag_outcome(state, kind, text);
    changed
}

/// A delete finished: report each id, forget marks of deleted images.
pub fn on_delete_finished(
    state: &mut State,
    plan: &DeletePlan,
    lines: Result<Vec<DeleteLine>, String>,
) {
    let scope = images_scope(state);
    let lines = match lines {
        Ok(lines) => lines,
        Err(error) => {
            state.dialog = None;
            let text = format!("nothing deleted: {error}");
            state.status.post(Kind::Error, Topic::Delete, scope, text);
            return;
        }
    };
    let deleted = lines.iter().filter(|l| l.failure.is_none()).count();
    let failed = lines.len() - deleted;
    let mut out: Vec<(String, bool)> = Vec::new();
    let by_id: HashMap<&ImageRef, &PlanEntry> = plan.entries.iter().map(|e| (&e.id, e)).collect();
    let mut gone: HashSet<&str> = HashSet::new();
    for line in &lines {
        let entry = by_id.get(&line.id).copied();
        let what = match (&line.id, entry) {
            (ImageRef::Tag(tag), Some(e)) => format!("tag {tag} of {}", short_digest(&e.digest)),
            (ImageRef::Digest(d), Some(e)) if !e.tags.is_empty() => {
                format!("{} ({})", short_digest(d), e.tags.join(", "))
            }
            (id, _) => id.to_string(),
        };
        match &line.failure {
            None => {
                if let Some(e) = entry
                    && plan.kind != DeleteKind::Untag
                {
                    gone.insert(&e.digest);
                }
                out.push((format!("deleted  {what}"), false));
            }
            Some((code, reason)) => out.push((format!("FAILED   {what}: {code} {reason}"), true)),
        }
    }
    // Deleted images are no longer marked (they stay listed until the refetch).
    let pane = &mut state.images;
    for image in pane
        .images
        .iter()
        .filter(|i| gone.contains(i.digest.as_str()))
    {
        pane.marked.unmark(image);
    }
    if failed == 0 {
        // Everything went: one line on the status line, and the next key acts.
        state.dialog = None;
        let text = match (plan.kind, plan.entries.first()) {
            (DeleteKind::Untag, Some(entry)) => {
                format!("removed {} from {}", entry.id, short_digest(&entry.digest))
            }
            (DeleteKind::LastTag, Some(entry)) => {
                format!("deleted 1 image with its last {}", entry.id)
            }
            _ => format!(
                "deleted {deleted} image{} from {}",
                if deleted == 1 { "" } else { "s" },
                plan.repository
            ),
        };
        state.status.post(Kind::Info, Topic::Delete, scope, text);
        return;
    }
    // Failures first: they are what needs attention.
    out.sort_by_key(|(_, failed)| !failed);
    let title = format!("deleted {deleted}, {failed} failed");
    state.dialog = Some(report(&title, out));
}
