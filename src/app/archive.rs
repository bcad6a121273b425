//! Archive storage in the images pane: archive the selected image (`a`), restore an archived
//! one (`w`, and follow it while it is ACTIVATING), and show archived or active images only (`v`).
//!
//! ECR's archive storage class keeps an image (and bills it) but it cannot be pulled;
//! restoring takes time, and archive storage has a 90-day minimum. The confirmations say
//! so, and warn before archiving an image something runs or an index names. The call
//! itself travels as [`Effect::UpdateStorageClass`] to the write gate.

use crate::app::action::{Effect, RegistryId};
use crate::app::keymap::Command;
use crate::app::operate::Dialog;
use crate::app::state::State;
use crate::app::status::{Kind, Scope, Topic};
use crate::ecr::model::{Image, ImageStatus, StorageClass, short_digest};
use jiff::{SignedDuration, Timestamp};

/// ECR's minimum storage duration for archived images, in days: deleting one sooner is
/// still charged for the whole period.
pub const MINIMUM_ARCHIVE_DAYS: i64 = 90;

/// One image moving between storage classes, as the user confirmed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageClassRequest {
    pub registry: RegistryId,
    pub repository: String,
    pub digest: String,
    /// How the user knows the image: `repo:tag` or `repo@sha256:…` (short).
    pub label: String,
    pub target: StorageClass,
}

/// `v`: which images the images pane shows by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    All,
    /// ARCHIVED and ACTIVATING images only.
    Archived,
    /// ACTIVE images only.
    Active,
}

impl StatusFilter {
    /// The next filter of the cycle all → archived → active → all.
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Archived,
            StatusFilter::Archived => StatusFilter::Active,
            StatusFilter::Active => StatusFilter::All,
        }
    }

    /// Whether an image of `status` is shown.
    pub fn keeps(self, status: &ImageStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Archived => *status != ImageStatus::Active,
            StatusFilter::Active => *status == ImageStatus::Active,
        }
    }

    /// What the status line says while the filter is on.
    pub fn title(self) -> Option<&'static str> {
        match self {
            StatusFilter::All => None,
            StatusFilter::Archived => Some("archived only"),
            StatusFilter::Active => Some("active only"),
        }
    }
}

/// `a`, `w` and `v` in the images pane; `None` for any other command.
pub fn on_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let target = match command {
        Command::Archive => StorageClass::Archive,
        Command::RestoreFromArchive => StorageClass::Standard,
        Command::FilterArchived => {
            if state.in_images_pane() {
                let pane = &mut state.images;
                pane.status_filter = pane.status_filter.next();
                let said = pane.status_filter.title().unwrap_or("all images");
                state.status.info(Topic::Command, format!("showing {said}"));
                state.rebuild_images();
            }
            return Some(Vec::new());
        }
        _ => return None,
    };
    if !state.in_images_pane() {
        return Some(Vec::new());
    }
    let Some(repository) = state.images.repository.as_ref().map(|r| r.name.clone()) else {
        return Some(Vec::new());
    };
    if state.read_only {
        let refused = crate::safety::Refused::ReadOnly {
            action: match target {
                StorageClass::Archive => crate::safety::ARCHIVE,
                StorageClass::Standard => crate::safety::RESTORE_FROM_ARCHIVE,
            },
            repository,
        };
        state.status.info(Topic::Archive, refused.to_string());
        return Some(Vec::new());
    }
    let Some(image) = state
        .images
        .list
        .selected_item()
        .map(|i| state.images.images[i].clone())
    else {
        state.status.info(Topic::Archive, "no image selected");
        return Some(Vec::new());
    };
    if !image.has_valid_digest() {
        state.status.info(
            Topic::Archive,
            format!(
                "{} is not a sha256 digest: berth does not act on it",
                image.digest
            ),
        );
        return Some(Vec::new());
    }
    let label = label(&repository, &image);
    let refusal = match (target, &image.status) {
        (StorageClass::Archive, ImageStatus::Archived) => Some("is archived already"),
        (StorageClass::Archive, ImageStatus::Activating) => {
            Some("is being restored; archive it once it is active")
        }
        (StorageClass::Standard, ImageStatus::Active) => Some("is not archived"),
        (StorageClass::Standard, ImageStatus::Activating) => Some("is being restored already"),
        _ => None,
    };
    if let Some(why) = refusal {
        state.status.info(Topic::Archive, format!("{label} {why}"));
        return Some(Vec::new());
    }
    let request = StorageClassRequest {
        registry: state.images.registry.clone(),
        repository,
        digest: image.digest.clone(),
        label,
        target,
    };
    let lines = confirmation_lines(state, &request, &image);
    state.dialog = Some(Dialog::ConfirmStorageClass { request, lines });
    Some(Vec::new())
}

/// `repo:tag` (the first tag) or `repo@sha256:…` (short) for the status line.
fn label(repository: &str, image: &Image) -> String {
    match image.tags.first() {
        Some(tag) => format!("{repository}:{tag}"),
        None => format!("{repository}@{}", short_digest(&image.digest)),
    }
}

/// What the confirmation says: what archiving or restoring means, and (`true`) warnings.
fn confirmation_lines(
    state: &State,
    request: &StorageClassRequest,
    image: &Image,
) -> Vec<(String, bool)> {
    let mut lines = Vec::new();
    match request.target {
        StorageClass::Archive => {
            lines.push((format!("Archive {}?", request.label), false));
            lines.push((
                "An archived image stays listed and billed (archive storage), but it cannot \
                 be pulled until it is restored, which takes time."
                    .into(),
                false,
            ));
            lines.push((
                format!(
                    "Archive storage has a {MINIMUM_ARCHIVE_DAYS}-day minimum: deleting it \
                     sooner is still charged for {MINIMUM_ARCHIVE_DAYS} days."
                ),
                false,
            ));
            let usage = state.usage.image(
                &request.registry,
                &request.repository,
                &image.digest,
                &image.tags,
            );
            let users = crate::app::usage::column_text(&usage, state.usage.map(&request.registry));
            if usage.in_use() {
                lines.push((
                    format!("IN USE ({users}): pulls of it will fail once archived."),
                    true,
                ));
            }
            if let Some(index) = crate::app::operate::index_label(&state.images, &image.digest) {
                lines.push((
                    format!(
                        "It is a platform of index {index}: pulling that index for this \
                         platform will fail."
                    ),
                    true,
                ));
            }
            lines.push(("y / enter: archive · n / esc: cancel".into(), false));
        }
        StorageClass::Standard => {
            lines.push((format!("Restore {} from archive?", request.label), false));
            lines.push((
                "It is ACTIVATING until ECR has restored it, which takes time; berth follows \
                 it and says when it is ACTIVE (pullable) again."
                    .into(),
                false,
            ));
            lines.push(("y / enter: restore · n / esc: cancel".into(), false));
        }
    }
    lines
}

/// For an image archived less than [`MINIMUM_ARCHIVE_DAYS`] days before `now`: what
/// deleting it costs anyway. ("If you must delete images that have been archived for
/// less than 90 days, you need to use the batch-delete-image API, but you will be
/// charged for the 90-day minimum storage duration.")
pub fn minimum_charge_note(image: &Image, now: Timestamp) -> Option<String> {
    if image.status == ImageStatus::Active {
        return None;
    }
    let archived = image.last_archived_at?;
    let days = now.duration_since(archived).as_hours() / 24;
    (days < MINIMUM_ARCHIVE_DAYS).then(|| {
        format!(
            "archived {days} days ago: deleting it now is still charged for archive \
             storage's {MINIMUM_ARCHIVE_DAYS}-day minimum ({} more days)",
            MINIMUM_ARCHIVE_DAYS - days
        )
    })
}

/// The dialog's keys: yes sends the call and waits for it; no closes.
pub fn on_confirm_key(
    state: &mut State,
    request: StorageClassRequest,
    lines: Vec<(String, bool)>,
    yes: bool,
    no: bool,
) -> Vec<Effect> {
    if yes {
        let verb = match request.target {
            StorageClass::Archive => "archiving",
            StorageClass::Standard => "restoring",
        };
        state.dialog = Some(Dialog::Busy {
            message: format!("{verb} {}…", request.label),
        });
        return vec![Effect::UpdateStorageClass { request }];
    }
    if !no {
        state.dialog = Some(Dialog::ConfirmStorageClass { request, lines });
    }
    Vec::new()
}

/// The registry's answer to UpdateImageStorageClass.
pub fn on_updated(
    state: &mut State,
    request: StorageClassRequest,
    result: Result<ImageStatus, String>,
) -> Vec<Effect> {
    if matches!(state.dialog, Some(Dialog::Busy { .. })) {
        state.dialog = None;
    }
    let scope = Scope::Repository {
        registry: request.registry.clone(),
        name: request.repository.clone(),
    };
    match result {
        Err(err) => {
            state.status.post(Kind::Error, Topic::Archive, scope, err);
            Vec::new()
        }
        Ok(status) => {
            set_status(state, &request, &status, None);
            match (request.target, &status) {
                (StorageClass::Standard, ImageStatus::Active) => {
                    state.status.post(
                        Kind::Info,
                        Topic::Archive,
                        scope,
                        format!("restored {}: ACTIVE", request.label),
                    );
                    Vec::new()
                }
                (StorageClass::Standard, _) => {
                    state.status.post(
                        Kind::Progress,
                        Topic::Archive,
                        scope,
                        format!("restoring {}: {}", request.label, status.as_str()),
                    );
                    vec![Effect::WatchRestore { request }]
                }
                (StorageClass::Archive, _) => {
                    state.status.post(
                        Kind::Info,
                        Topic::Archive,
                        scope,
                        format!("archived {}: {}", request.label, status.as_str()),
                    );
                    Vec::new()
                }
            }
        }
    }
}

/// A restoring image's status as the runtime read it again.
pub fn on_restore_progress(
    state: &mut State,
    request: StorageClassRequest,
    status: Option<ImageStatus>,
    last_activated_at: Option<Timestamp>,
    done: bool,
    note: Option<String>,
) {
    let scope = Scope::Repository {
        registry: request.registry.clone(),
        name: request.repository.clone(),
    };
    if let Some(status) = &status {
        set_status(state, &request, status, last_activated_at);
    }
    let (kind, text) = match (&status, done) {
        (Some(ImageStatus::Active), _) => (
            Kind::Info,
            format!("restored {}: ACTIVE, pullable again", request.label),
        ),
        (_, false) => (
            Kind::Progress,
            format!(
                "restoring {}: {}",
                request.label,
                status.map_or("?", ImageStatus::as_str)
            ),
        ),
        (_, true) => (
            Kind::Error,
            format!(
                "stopped following the restore of {}: {}",
                request.label,
                note.as_deref().unwrap_or("no answer")
            ),
        ),
    };
    state.status.post(kind, Topic::Archive, scope, text);
}

/// Show `status` on the image's row when its repository is on screen.
fn set_status(
    state: &mut State,
    request: &StorageClassRequest,
    status: &ImageStatus,
    last_activated_at: Option<Timestamp>,
) {
    let pane = &mut state.images;
    let here = pane.registry == request.registry
        && pane.repository.as_ref().map(|r| r.name.as_str()) == Some(request.repository.as_str());
    if !here {
        return;
    }
    if let Some(image) = pane.images.iter_mut().find(|i| i.digest == request.digest) {
        image.status = *status;
        if request.target == StorageClass::Archive && *status == ImageStatus::Archived {
            // The registry's own time arrives with the next listing; until then, now.
            image.last_archived_at = Some(state.now);
        }
        if last_activated_at.is_some() {
            image.last_activated_at = last_activated_at;
        }
    }
    state.rebuild_images();
}

/// How long berth waits between two reads of a restoring image's status: every 2 s
/// for the first minute (a short restore is seen at once), then backing off to a read a
/// minute.
pub fn restore_poll_interval(polls: u32) -> std::time::Duration {
    let seconds = if polls < 30 {
        2
    } else {
        (2u64 << (polls - 30).min(5)).min(60)
    };
    std::time::Duration::from_secs(seconds)
}

/// How long berth follows a restore before it stops and says so.
pub const RESTORE_FOLLOW_FOR: SignedDuration = SignedDuration::from_hours(2);

#[cfg(test)]
mod tests;
