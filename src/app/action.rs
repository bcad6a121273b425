//! Everything that can happen to the app (Actions) and everything it can ask for (Effects).

use super::operate::{ConfirmedDelete, DeleteLine, TagResult};
use crate::ecr::EcrError;
use crate::ecr::model::{Image, Page, RegistryTarget, Repository};
use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

/// Which registry an Effect works on, or an Action reports on: its identity (credential
/// source and region), never a position in a list.
///
/// Invariant: nothing outside `State` holds a list of registries. The executor builds and
/// keys its clients by this identity, and `update` resolves it to its own registry row when
/// a result arrives, dropping results for a registry it has no row for. So reordering rows
/// (the saved location reopening the second registry) or adding them (`:region`,
/// `:profile`) can never make a listing, a copy or a write reach another registry.
pub type RegistryId = RegistryTarget;

/// An input to `update`: a key, a clock tick, or the result of background work.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock, for relative ages and the spinner.
    Tick(Timestamp),
    AccountLoaded {
        registry: RegistryId,
        result: Result<String, EcrError>,
    },
    RepositoriesPage {
        registry: RegistryId,
        generation: u64,
        result: Result<Page<Repository>, EcrError>,
    },
    /// A background count of a registry's repositories finished.
    RepositoryCount {
        registry: RegistryId,
        result: Result<usize, EcrError>,
    },
    RepositoryStatsLoaded {
        registry: RegistryId,
        generation: u64,
        repository: String,
        result: Result<RepoStats, EcrError>,
    },
    ImagesPage {
        generation: u64,
        result: Result<Page<Image>, EcrError>,
    },
    /// Platforms of the listing's multi-arch indexes: `(child digest, index digest)`.
    IndexChildren {
        generation: u64,
        parents: Vec<(String, String)>,
    },
    /// The platform (`linux/arm64/v8`) of each child of the listing's indexes that has
    /// one, read with the children: for the rows folded under their index.
    IndexPlatforms {
        generation: u64,
        platforms: Vec<(String, String)>,
    },
    TagChecked {
        digest: String,
        tag: String,
        result: Result<Option<String>, String>,
    },
    TagPut {
        tag: String,
        result: TagResult,
    },
    DeleteFinished {
        delete: ConfirmedDelete,
        result: Result<Vec<DeleteLine>, String>,
    },
    /// UpdateImageStorageClass answered (`UpdateStorageClass`): the image's new status.
    StorageClassUpdated {
        request: crate::app::archive::StorageClassRequest,
        result: Result<crate::ecr::model::ImageStatus, String>,
    },
    /// A restoring image's status, read again (`WatchRestore`); `done` when berth stops
    /// following it (ACTIVE, gone, failed or out of time), with why in `note`.
    RestoreProgress {
        request: crate::app::archive::StorageClassRequest,
        status: Option<crate::ecr::model::ImageStatus>,
        last_activated_at: Option<jiff::Timestamp>,
        done: bool,
        note: Option<String>,
    },
    /// The in-use lookup (ECS, Lambda) of a registry finished.
    UsageLoaded {
        registry: RegistryId,
        generation: u64,
        map: crate::usage::UsageMap,
    },
    /// The audit sweep of a registry finished (rows by repository name).
    AuditLoaded {
        registry: RegistryId,
        result: Result<Vec<crate::figures::RepositoryRow>, String>,
        errors: Vec<String>,
    },
    /// Something the lifecycle view asked for finished.
    Lifecycle(crate::app::lifecycle::LifecycleEvent),
    /// A registry call failed in a way worth retrying; the runtime waits `delay` first.
    Retrying {
        reason: String,
        delay: std::time::Duration,
    },
    /// Results of findings work (pages, scan statuses, triage sweep progress).
    Findings(crate::app::findings::FindingsEvent),
    /// One section of the repository info view arrived.
    RepositoryInfo {
        generation: u64,
        part: crate::app::info::InfoPart,
    },
    /// A repository's manifests were read and its storage figures computed (or the read
    /// failed as a whole), for the images pane or the lifecycle view that asked.
    StorageRead {
        registry: RegistryId,
        repository: String,
        generation: u64,
        result: Result<crate::app::storage::StorageRead, String>,
    },
    /// One section of the image detail view arrived.
    ImageDetail {
        generation: u64,
        part: crate::app::image_detail::ImagePart,
    },
    /// The layers of one image, read from its manifests, for the layers view.
    LayersRead {
        generation: u64,
        result: Result<Vec<crate::app::layers::LayerSection>, String>,
    },
    /// The runtime tried to switch themes.
    ThemeLoaded {
        name: String,
        result: Result<(), String>,
    },
}

/// Image count and size of one repository, from a full DescribeImages sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepoStats {
    pub images: usize,
    /// Sum of `imageSizeInBytes`: an upper bound on storage, since layers shared between
    /// images are stored once.
    pub bytes: u64,
}

/// Work the runtime performs on `update`'s behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    LoadAccount {
        registry: RegistryId,
    },
    /// Page through DescribeRepositories, sending one `RepositoriesPage` per page.
    FetchRepositories {
        registry: RegistryId,
        generation: u64,
    },
    /// Count a registry's repositories (every DescribeRepositories page), sending
    /// `RepositoryCount`. Calls share the sweep limit with the image counts.
    CountRepositories {
        registry: RegistryId,
    },
    /// Sweep DescribeImages of each repository (bounded concurrency), sending
    /// `RepositoryStatsLoaded` for each.
    FetchRepositoryStats {
        registry: RegistryId,
        generation: u64,
        repositories: Vec<String>,
    },
    /// Page through DescribeImages, sending one `ImagesPage` per page.
    FetchImages {
        registry: RegistryId,
        repository: String,
        generation: u64,
    },
    /// Persist the command-line history.
    SaveHistory {
        lines: Vec<String>,
    },
    /// Remember where the user is, so the next run opens there.
    RememberLocation {
        profile: String,
        region: String,
        repository: Option<String>,
    },
    /// Ask where a tag points now, before putting it (`TagChecked`).
    CheckTag {
        registry: RegistryId,
        repository: String,
        digest: String,
        tag: String,
    },
    /// Put a tag on an image (`TagPut`).
    PutTag {
        registry: RegistryId,
        repository: String,
        digest: String,
        tag: String,
    },
    /// Delete exactly what the user confirmed (`DeleteFinished`).
    DeleteImages {
        delete: ConfirmedDelete,
    },
    /// Move one image to another storage class, as confirmed (`StorageClassUpdated`).
    UpdateStorageClass {
        request: crate::app::archive::StorageClassRequest,
    },
    /// Follow a restore until the image is ACTIVE (`RestoreProgress`).
    WatchRestore {
        request: crate::app::archive::StorageClassRequest,
    },
    /// Put text on the clipboard (OSC 52).
    CopyToClipboard {
        text: String,
    },
    /// Find what runs which images in a registry (ECS services and tasks, Lambda).
    FetchUsage {
        registry: RegistryId,
        account: String,
        generation: u64,
        /// For a member account of an organization: the other member registries of the
        /// same region, whose workloads may pull from this one.
        others: Vec<RegistryId>,
    },
    /// Sweep a registry like `berth audit` does, for the audit columns.
    RunAudit {
        registry: RegistryId,
    },
    /// Work for the lifecycle view (load, edit, read a file, apply, ECR preview).
    Lifecycle(crate::app::lifecycle::LifecycleEffect),
    /// Fetch every section of the repository info view at once, sending one
    /// `RepositoryInfo` per section as it arrives.
    FetchRepositoryInfo {
        registry: RegistryId,
        repository: String,
        /// The repository's ARN, which ListTagsForResource names.
        arn: String,
        generation: u64,
    },
    /// Read the manifests of the images `digests` of `repository` (through the manifest
    /// cache) and compute its storage figures, sending `StorageRead`.
    ReadStorage {
        registry: RegistryId,
        repository: String,
        digests: Vec<String>,
        generation: u64,
        /// Who asks: a newer read for the same one stops this one.
        asker: crate::app::storage::StorageFor,
    },
    /// Fetch every section of the image detail view of image `digest` at once (its
    /// index manifest only when `platforms`), sending one `ImageDetail` per section as it
    /// arrives.
    FetchImageDetail {
        registry: RegistryId,
        repository: String,
        digest: String,
        platforms: bool,
        generation: u64,
    },
    /// Read the manifest of image `digest` (and its children's, for an index) and send
    /// its blobs as `LayersRead`.
    ReadLayers {
        registry: RegistryId,
        repository: String,
        digest: String,
        generation: u64,
    },
    /// Switch the colour theme.
    LoadTheme {
        name: String,
    },
    /// Findings work: fetch findings, start scans, sweep for triage.
    Findings(crate::app::findings::FindingsEffect),
    Quit,
}
