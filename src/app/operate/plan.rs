//! What a write will do, fixed before it is asked for: the delete plan the dialog shows
//! and the proof that the user confirmed it, untag plans, refusals made before any call,
//! and the Effects that send a delete or a tag.

use super::dialog::{Dialog, TagChoice};
use super::{index_description, opaque_refusal, targets};
use crate::app::action::Effect;
use crate::app::state::State;
use crate::app::status::Topic;
use crate::app::usage::DeleteUsage;
use crate::ecr::model::{Image, short_digest};
use crate::ecr::mutate::ImageRef;
use std::collections::HashSet;
use tui_input::Input;

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
    /// For an OCI referrer (a signature, an SBOM) added because the image it names is
    /// deleted too: that image's digest, and the referrer's artifact type.
    pub referrer_of: Option<(String, Option<String>)>,
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
    /// What the delete really frees: the blobs of the images it deletes that no image
    /// left behind holds (nothing for an untag, which deletes no image). None while the
    /// repository's storage figures are unknown: never a guess.
    pub freed: Option<crate::storage::Figure>,
    /// Images archived less than 90 days ago: deleting them now is still charged for
    /// archive storage's 90-day minimum (one line each).
    pub charges: Vec<String>,
    /// What the plan leaves as it is and the user should know: an untagged index's
    /// platforms (one line each).
    pub notes: Vec<String>,
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

pub(super) fn plan_entry(image: &Image, id: ImageRef) -> PlanEntry {
    PlanEntry {
        digest: image.digest.clone(),
        tags: image.tags.clone(),
        size_bytes: image.size_bytes,
        id,
        referrer_of: None,
    }
}

/// The referrers in the listing of the images `entries` deletes, not in it already: a
/// signature or an SBOM left behind names an image that is gone.
fn referrers_of(state: &State, entries: &[PlanEntry]) -> Vec<PlanEntry> {
    let deleted: HashSet<&str> = entries.iter().map(|e| e.digest.as_str()).collect();
    state
        .images
        .images
        .iter()
        .filter(|image| !deleted.contains(image.digest.as_str()) && image.has_valid_digest())
        .filter_map(|image| {
            let subject = image.subject_digest.as_deref()?;
            deleted.contains(subject).then(|| PlanEntry {
                referrer_of: Some((subject.to_string(), image.artifact_type.clone())),
                ..plan_entry(image, ImageRef::Digest(image.digest.clone()))
            })
        })
        .collect()
}

pub(super) fn open_delete(state: &mut State) {
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
    let charges = minimum_charges(state, &repository, chosen.iter().copied());
    // Deleting an image and keeping its signatures would orphan them: they go in the
    // same confirmed batch, listed as such (`r` in the confirmation keeps them).
    let referrers = referrers_of(state, &entries);
    entries.extend(referrers);
    let plan = DeletePlan {
        registry: state.images.registry.clone(),
        repository,
        kind: DeleteKind::Images,
        entries,
        skipped,
        freed: None,
        charges,
        notes: Vec::new(),
    };
    open_confirm(state, plan);
}

/// One line per image of `images` archived less than 90 days ago: deleting it now is
/// still charged for the rest of archive storage's minimum.
fn minimum_charges<'a>(
    state: &State,
    repository: &str,
    images: impl IntoIterator<Item = &'a Image>,
) -> Vec<String> {
    images
        .into_iter()
        .filter_map(|image| {
            let note = crate::app::archive::minimum_charge_note(image, state.now)?;
            let name = match image.tags.first() {
                Some(tag) => format!("{repository}:{tag}"),
                None => format!("{repository}@{}", image.short_digest()),
            };
            Some(format!("{name}: {note}"))
        })
        .collect()
}

/// Why berth will not ask the registry to delete `image`, or None when it may.
///
/// A platform of a multi-arch index cannot be deleted while the index exists (ECR answers
/// ImageReferencedByManifestList), and an image without a valid digest cannot be named
/// safely: both are refused before any call, naming the reason.
pub(super) fn undeletable(state: &State, image: &Image) -> Option<String> {
    if !image.has_valid_digest() {
        return Some(opaque_refusal("delete it", image));
    }
    let parent = index_description(&state.images, &image.digest)?;
    Some(format!(
        "cannot delete {}: it is a platform of the multi-arch index {parent} — ECR refuses while the index exists; delete the index instead",
        image.short_digest(),
    ))
}

pub(super) fn open_confirm(state: &mut State, mut plan: DeletePlan) {
    plan.freed = match plan.kind {
        DeleteKind::Untag => Some(crate::storage::Figure::exact(0)),
        // Only whole images free anything; the last tag's removal deletes its image.
        DeleteKind::Images | DeleteKind::LastTag => state
            .images
            .storage
            .freed(plan.entries.iter().map(|e| e.digest.as_str())),
    };
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

pub(super) fn untag(state: &mut State, image: &Image) {
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

pub(super) fn untag_plan(state: &mut State, image: &Image, tag: &str) {
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
    let charges = if kind == DeleteKind::LastTag {
        minimum_charges(state, &repository, [image])
    } else {
        Vec::new()
    };
    // An index's platforms are images of their own: neither a tag's removal nor the
    // index's deletion takes them.
    let what = if kind == DeleteKind::LastTag {
        "ECR deletes the index with its last tag"
    } else {
        "removing a tag changes the index alone"
    };
    let notes = super::platforms_stay(&state.images, image, what)
        .into_iter()
        .collect();
    let plan = DeletePlan {
        registry: state.images.registry.clone(),
        repository,
        kind,
        entries: vec![plan_entry(image, ImageRef::Tag(tag.to_string()))],
        skipped: Vec::new(),
        freed: None,
        charges,
        notes,
    };
    open_confirm(state, plan);
}

/// The user said yes to the plan; images in use need one more, explicit yes.
pub(super) fn confirmed(state: &mut State, plan: DeletePlan, usage: DeleteUsage) -> Vec<Effect> {
    if usage.needs_extra_confirmation() {
        state.dialog = Some(Dialog::ConfirmInUse { plan, usage });
        return Vec::new();
    }
    delete_confirmed(state, plan)
}

pub(super) fn delete_confirmed(state: &mut State, plan: DeletePlan) -> Vec<Effect> {
    let count = plan.entries.len();
    state.dialog = Some(Dialog::Busy {
        message: format!("deleting {count} from {}…", plan.repository),
    });
    vec![Effect::DeleteImages {
        delete: ConfirmedDelete { plan },
    }]
}

pub(super) fn check_tag(state: &mut State, digest: String, tag: String) -> Vec<Effect> {
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

pub(super) fn put_tag(state: &mut State, digest: String, tag: String) -> Vec<Effect> {
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
