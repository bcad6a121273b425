//! What the registry answered about a tag or a delete, reported on the status line or in
//! a report dialog.

use super::dialog::Dialog;
use super::images_scope;
use super::plan::{DeleteKind, DeletePlan, PlanEntry, put_tag};
use crate::app::action::Effect;
use crate::app::state::State;
use crate::app::status::{Kind, Topic};
use crate::ecr::model::{TagMutability, short_digest};
use crate::ecr::mutate::ImageRef;
use std::collections::{HashMap, HashSet};

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

pub(super) fn immutable_message(tag: &str, current: Option<&str>) -> String {
    let holder = current.map(short_digest).unwrap_or("another image");
    format!("{tag} names {holder} and tags here are IMMUTABLE — pick a new tag")
}

/// A tag's outcome goes to the status line: one image, one line, nothing to decide.
pub(super) fn tag_outcome(state: &mut State, kind: Kind, text: String) {
    state.dialog = None;
    let scope = images_scope(state);
    state.status.post(kind, Topic::Tag, scope, text);
}

pub(super) fn report(title: &str, lines: Vec<(String, bool)>) -> Dialog {
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
            // A whole call's failure already opens with its code ("AccessDenied on …").
            Some((code, reason)) if reason.starts_with(code.as_str()) => {
                out.push((format!("FAILED   {what}: {reason}"), true))
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
