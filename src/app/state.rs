//! Everything the UI shows, owned in one place and changed only by `update`.

use super::action::{RegistryId, RepoStats};
use super::keymap::Keymap;
use super::list::{Fields, ListView, SortKey, sort_key};
use crate::ecr::model::{Image, RegistryTarget, Repository};
use jiff::Timestamp;
use std::cmp::Ordering;
use std::collections::HashSet;
use tui_input::Input;

/// The four drill-down panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Registries,
    Repositories,
    Images,
    /// Scan findings of one image.
    Findings,
    /// A registry's findings grouped by CVE (`:criticals`).
    Triage,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Registries => "registries",
            Pane::Repositories => "repositories",
            Pane::Images => "images",
            Pane::Findings => "findings",
            Pane::Triage => "triage",
        }
    }
}

/// What keys currently go to.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing into the filter prompt of the current pane.
    Filter,
    /// Typing a `:` command.
    Command,
    /// The help overlay is open.
    Help,
}

/// Where to go once the data for it arrives (`berth payments/api:v1.2`, `:web/app`, or the
/// location remembered from the last run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jump {
    pub repository: String,
    pub tag: Option<String>,
    /// Open the repository's images, or only select it in the list.
    pub open: bool,
}

/// Progress of a paginated fetch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loading {
    pub pages: u32,
    pub items: usize,
}

/// A registry row: the target plus what we learned about it.
#[derive(Debug)]
pub struct RegistryRow {
    pub target: RegistryTarget,
    pub account: Option<String>,
    /// How many repositories the last complete listing or count found.
    pub repositories: Option<usize>,
    /// A listing or count of the repositories is running.
    pub reading: bool,
    pub error: Option<String>,
}

impl RegistryRow {
    /// A row for `target`, nothing learned yet.
    pub fn new(target: RegistryTarget) -> Self {
        RegistryRow {
            // A member account is known by its id before anything is read.
            account: target.source.member().map(|m| m.id.clone()),
            target,
            repositories: None,
            reading: false,
            error: None,
        }
    }

    /// Its repositories were listed or counted, or that failed: the row says all it can.
    pub fn is_read(&self) -> bool {
        !self.reading && (self.repositories.is_some() || self.error.is_some())
    }
}

/// Per-repository image statistics, filled in by a background sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsState {
    Pending,
    Loaded(RepoStats),
    Failed(String),
}

#[derive(Debug)]
pub struct RepoRow {
    pub repo: Repository,
    pub stats: StatsState,
    /// The generation of the images listing whose figures `stats` holds, if one did: a
    /// size sweep started before that listing must not overwrite them with older ones.
    pub listed: Option<u64>,
}

/// The registries pane: berth's one list of registries.
///
/// Invariant: no two rows have the same target. Everything else (the other panes, Effects,
/// Actions, the executor's clients) names a registry by its target, never by a position
/// in `rows`, so rows may be reordered or added without anything acting on another one.
#[derive(Debug, Default)]
pub struct RegistriesPane {
    pub rows: Vec<RegistryRow>,
    pub list: ListView,
}

impl RegistriesPane {
    /// The row of registry `id`; None for a registry berth has no row for.
    pub fn row(&self, id: &RegistryId) -> Option<&RegistryRow> {
        self.rows.iter().find(|r| &r.target == id)
    }

    /// The row of registry `id`, to change.
    pub fn row_mut(&mut self, id: &RegistryId) -> Option<&mut RegistryRow> {
        self.rows.iter_mut().find(|r| &r.target == id)
    }

    /// Member accounts whose every row [is read](RegistryRow::is_read), and how many
    /// member accounts there are; None without any.
    pub fn accounts_read(&self) -> Option<(usize, usize)> {
        let mut accounts: std::collections::HashMap<&str, bool> = Default::default();
        for row in &self.rows {
            if let Some(member) = row.target.source.member() {
                *accounts.entry(member.id.as_str()).or_insert(true) &= row.is_read();
            }
        }
        let read = accounts.values().filter(|read| **read).count();
        (!accounts.is_empty()).then_some((read, accounts.len()))
    }
}

/// The repositories pane of one registry.
#[derive(Debug, Default)]
pub struct RepositoriesPane {
    pub registry: RegistryId,
    pub rows: Vec<RepoRow>,
    pub list: ListView,
    pub generation: u64,
    pub loading: Option<Loading>,
    pub error: Option<String>,
    /// Whether this pane holds data for `registry` (false until the first fetch starts).
    pub loaded: bool,
    /// Show the audit columns (`:audit`, `A`) instead of the settings columns.
    /// Invariant: `list.sort_column` is one of `repository_sort_cycle(audit_view)`, so
    /// the column the rows are ordered by is on screen with its arrow.
    pub audit_view: bool,
    /// The audit sweep's rows by repository name, once it has run for `registry`.
    pub audit: Option<std::collections::HashMap<String, crate::figures::RepositoryRow>>,
    /// An audit sweep is running.
    pub auditing: bool,
}

/// The smallest terminal berth draws its panes in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// The images pane of one repository.
#[derive(Debug, Default)]
pub struct ImagesPane {
    pub registry: RegistryId,
    pub repository: Option<Repository>,
    pub images: Vec<Image>,
    pub list: ListView,
    pub generation: u64,
    pub loading: Option<Loading>,
    pub error: Option<String>,
    /// Digests marked for bulk actions; survives sorting, filtering and refreshes.
    pub marked: Marks,
    /// `u` / `U`: only images in use / not in use.
    pub usage_filter: crate::app::usage::UsageFilter,
    /// `v`: all images, archived only, or active only.
    pub status_filter: crate::app::archive::StatusFilter,
    /// Child digest → digest of the multi-arch index that names it, for the listing's
    /// indexes read so far. ECR refuses to delete such a child while its index exists.
    pub parents: std::collections::HashMap<String, String>,
    /// A reload of the same repository in flight: its pages so far, and the index
    /// children read for them. The rows on screen (and what keys act on) stay the
    /// previous listing's until the reload is complete and replaces them at once.
    pub incoming: Option<(Vec<Image>, std::collections::HashMap<String, String>)>,
    /// True storage of the listing on screen, read from its manifests once it is complete.
    pub storage: crate::app::storage::ImagesStorage,
    /// `Z`: every manifest as its own row instead of referrers and platforms folded
    /// under their image. Kept across repositories.
    pub flat: bool,
    /// Rows unfolded with `z`, by digest: survives sorting, filtering and reloads.
    pub expanded: HashSet<String>,
    /// Which rows fold under which, derived from the listing on every rebuild.
    pub tree: crate::app::tree::ImageTree,
    /// Child digest → its platform (`linux/amd64`) as its index names it.
    pub platforms: std::collections::HashMap<String, String>,
}

/// The images marked for a bulk action, by digest, with the total size of those listed.
///
/// The total is kept up to date as marks and pages change, so the status line shows it
/// without summing 100,000 sizes on every frame.
#[derive(Debug, Default)]
pub struct Marks {
    digests: HashSet<String>,
    /// Sum of `size_bytes` over the listed images whose digest is marked.
    bytes: u64,
    /// Counts changes to the marked set, so figures derived from it (what deleting the
    /// marked images frees) are recomputed only when it changed.
    revision: u64,
}

impl Marks {
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    pub fn contains(&self, digest: &str) -> bool {
        self.digests.contains(digest)
    }

    /// Total size of the marked images that are listed.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The marked digests, in no particular order.
    pub fn digests(&self) -> impl Iterator<Item = &str> + '_ {
        self.digests.iter().map(String::as_str)
    }

    /// Changes with every change to the marked set.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Mark `image`, or unmark it when it already is.
    pub fn toggle(&mut self, image: &Image) {
        self.revision += 1;
        if self.digests.remove(&image.digest) {
            self.bytes = self.bytes.saturating_sub(image.size_bytes);
        } else {
            self.digests.insert(image.digest.clone());
            self.bytes += image.size_bytes;
        }
    }

    /// Mark `image` (a no-op when it already is).
    pub fn mark(&mut self, image: &Image) {
        if self.digests.insert(image.digest.clone()) {
            self.bytes += image.size_bytes;
            self.revision += 1;
        }
    }

    /// Unmark `image` (a no-op when it is not marked).
    pub fn unmark(&mut self, image: &Image) {
        if self.digests.remove(&image.digest) {
            self.bytes = self.bytes.saturating_sub(image.size_bytes);
            self.revision += 1;
        }
    }

    pub fn clear(&mut self) {
        self.revision += 1;
        self.digests.clear();
        self.bytes = 0;
    }

    /// The listed images were replaced by none (a refresh starts): marks stay, the total
    /// drops to what is listed, nothing.
    pub fn listing_cleared(&mut self) {
        self.bytes = 0;
    }

    /// The listing is complete: forget marks of images that are no longer there (deleted
    /// here or elsewhere), so counts and bulk actions see only what exists.
    pub fn retain_listed(&mut self, images: &[Image]) {
        if self.digests.is_empty() {
            return;
        }
        let listed: HashSet<&str> = images.iter().map(|i| i.digest.as_str()).collect();
        self.digests.retain(|d| listed.contains(d.as_str()));
        self.revision += 1;
    }

    /// `images` were appended to the listing: count the marked ones.
    pub fn listed<'a>(&mut self, images: impl IntoIterator<Item = &'a Image>) {
        self.bytes += images
            .into_iter()
            .filter(|i| self.digests.contains(&i.digest))
            .map(|i| i.size_bytes)
            .sum::<u64>();
    }
}

/// Sortable columns of the repositories pane, in `s` cycling order.
pub const REPOSITORY_SORTS: [&str; 4] = ["name", "images", "size", "created"];
/// Every sort of the repositories pane by `sort_column`: REPOSITORY_SORTS, then the
/// columns only the audit view (`A`) shows.
pub const ALL_REPOSITORY_SORTS: [&str; 8] = [
    "name", "images", "size", "created", "untagged", "stale", "reclaim", "stored",
];

/// The `sort_column`s `s` cycles through in the repositories pane: the columns the
/// current view shows, in their order on screen, so the sort arrow is always on screen.
pub fn repository_sort_cycle(audit_view: bool) -> &'static [usize] {
    if audit_view {
        &[0, 1, 2, 7, 4, 5, 6]
    } else {
        &[0, 1, 2, 3]
    }
}
/// Sortable columns of the images pane, in `s` cycling order.
pub const IMAGE_SORTS: [&str; 5] = ["pushed", "tags", "size", "pulled", "unique"];

/// The whole application state.
#[derive(Debug)]
pub struct State {
    pub now: Timestamp,
    pub width: u16,
    pub height: u16,
    pub pane: Pane,
    pub mode: Mode,
    pub filter_input: Input,
    pub command_input: Input,
    /// Earlier command lines, oldest first (kept across runs by the runtime).
    pub command_history: Vec<String>,
    /// Position while walking the history with Up/Down.
    pub history_cursor: Option<usize>,
    /// Candidates of the last Tab completion, for the status line.
    pub completions: Vec<String>,
    pub jump: Option<Jump>,
    /// Names of the themes that can be switched to, and the one in use.
    pub theme_names: Vec<String>,
    pub theme: String,
    /// What the status line says, each message tied to its context.
    pub status: super::status::Status,
    /// A modal dialog (confirmations, prompts, results).
    pub dialog: Option<super::operate::Dialog>,
    /// Refuse every mutating key (`--read-only`).
    pub read_only: bool,
    /// A retry in progress, for the status line; cleared by the next result.
    pub retrying: Option<String>,
    /// What runs which images, per registry (ECS, Lambda).
    pub usage: crate::app::usage::UsageBook,
    /// "3 of 41 expiring images are running", for the lifecycle dry run on screen.
    pub lifecycle_running: Option<String>,
    /// The lifecycle dry-run view (over the repositories or images pane when open).
    pub lifecycle: crate::app::lifecycle::LifecycleView,
    /// The `?` overlay's search and scroll.
    pub help: crate::app::help::HelpView,
    /// The repository info view (`i`, over the repositories or images pane when open).
    pub info: crate::app::info::RepositoryInfo,
    /// The layers of an image (`l`, over the images pane when open).
    pub layers: crate::app::layers::LayersView,
    /// The detail of an image (`I`, over the images pane when open).
    pub image_detail: crate::app::image_detail::ImageDetail,
    /// How times show in tables.
    pub time_style: crate::format::TimeStyle,
    pub registries: RegistriesPane,
    pub repositories: RepositoriesPane,
    pub images: ImagesPane,
    pub findings: crate::app::findings::FindingsPane,
    pub triage: crate::app::findings::TriagePane,
    /// Where Esc from the triage view (`:criticals`) goes back to.
    pub triage_return: Pane,
    pub spinner: usize,
    pub keymap: Keymap,
    next_generation: u64,
    /// Set by `update` when the screen needs redrawing.
    pub dirty: bool,
    pub should_quit: bool,
    /// Keys pressed while a registry call the user waits for was in flight, to act once
    /// it has answered (never dropped silently).
    pub held_keys: Vec<crossterm::event::KeyEvent>,
}

impl State {
    /// The help's groups as they show now: current pane first, the search applied.
    pub fn help_groups(&self) -> Vec<crate::app::help::Group> {
        crate::app::help::groups(
            &self.keymap,
            self.pane,
            if self.info.visible {
                crate::app::help::View::Info
            } else if self.image_detail.visible {
                crate::app::help::View::ImageDetail
            } else if self.lifecycle.is_visible() {
                crate::app::help::View::Lifecycle
            } else {
                crate::app::help::View::None
            },
            self.help.query(),
        )
    }

    /// A fresh state with `targets` as registries, the first one current.
    pub fn new(targets: Vec<RegistryTarget>, now: Timestamp) -> Self {
        let repositories = RepositoriesPane {
            registry: targets.first().cloned().unwrap_or_default(),
            ..RepositoriesPane::default()
        };
        let mut registries = RegistriesPane {
            rows: targets.into_iter().map(RegistryRow::new).collect(),
            list: ListView::default(),
        };
        // Registries keep the order they were given: the current one first.
        registries
            .list
            .rebuild(&registries.rows, registry_haystack, |_, _| Ordering::Equal);
        let mut images = ImagesPane::default();
        images.list.descending = true;
        let mut state = State {
            now,
            width: 80,
            height: 24,
            pane: Pane::Repositories,
            mode: Mode::Normal,
            filter_input: Input::default(),
            command_input: Input::default(),
            command_history: Vec::new(),
            history_cursor: None,
            completions: Vec::new(),
            jump: None,
            theme_names: vec!["dark".into()],
            theme: "dark".into(),
            status: Default::default(),
            dialog: None,
            read_only: false,
            time_style: Default::default(),
            retrying: None,
            lifecycle: Default::default(),
            help: Default::default(),
            info: Default::default(),
            layers: Default::default(),
            image_detail: Default::default(),
            usage: Default::default(),
            lifecycle_running: None,
            registries,
            repositories,
            images,
            findings: Default::default(),
            triage: Default::default(),
            triage_return: Pane::Repositories,
            spinner: 0,
            keymap: Keymap::default(),
            next_generation: 1,
            dirty: true,
            should_quit: false,
            held_keys: Vec::new(),
        };
        state.set_list_heights();
        state
    }

    /// A new generation id; results tagged with an older one are dropped.
    pub fn new_generation(&mut self) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        generation
    }

    /// Rows available to the table body (screen minus header, table header, footer and
    /// status lines).
    pub fn body_height(&self) -> usize {
        usize::from(self.height.saturating_sub(5)).max(1)
    }

    /// Tell every list how many rows its viewport shows (at start and on every resize),
    /// so rebuilds keep the cursor visible and the viewport full.
    /// Whether the terminal is below the smallest size berth draws in (the screen then
    /// shows only a notice, and keys other than quit do nothing).
    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    pub fn set_list_heights(&mut self) {
        let height = self.body_height();
        self.registries.list.set_height(height);
        self.repositories.list.set_height(height);
        self.images.list.set_height(height);
        let findings = height.saturating_sub(crate::app::findings::SUMMARY_LINES);
        self.findings.list.set_height(findings.max(1));
        self.triage
            .list
            .set_height(crate::app::findings::table_rows(height));
    }

    /// The list view of the current pane.
    pub fn current_list(&mut self) -> &mut ListView {
        match self.pane {
            Pane::Registries => &mut self.registries.list,
            Pane::Repositories => &mut self.repositories.list,
            Pane::Images => &mut self.images.list,
            Pane::Findings => &mut self.findings.list,
            Pane::Triage => &mut self.triage.list,
        }
    }

    /// Recompute the current pane's rows after its items, filter or sort changed.
    pub fn rebuild_current(&mut self) {
        match self.pane {
            Pane::Registries => self.rebuild_registries(),
            Pane::Repositories => self.rebuild_repositories(),
            Pane::Images => self.rebuild_images(),
            Pane::Findings => self.findings.rebuild(),
            Pane::Triage => self.triage.rebuild(),
        }
    }

    pub fn rebuild_registries(&mut self) {
        let pane = &mut self.registries;
        pane.list
            .rebuild(&pane.rows, registry_haystack, |_, _| Ordering::Equal);
    }

    pub fn rebuild_repositories(&mut self) {
        let pane = &mut self.repositories;
        let column = pane.list.sort_column;
        let audit = pane.audit.as_ref();
        pane.list.rebuild(
            &pane.rows,
            |row, out| out.text(&row.repo.name),
            |a, b| compare_repositories(a, b, column, audit),
        );
        let rows = &pane.rows;
        pane.list.resolve_reload(
            |i| rows[i].repo.name.as_str(),
            rows.len(),
            pane.loading.is_none(),
        );
    }

    pub fn rebuild_images(&mut self) {
        let pane = &mut self.images;
        let column = pane.list.sort_column;
        // Keyed: at 100,000 images a comparator alone misses the cache on every call.
        if IMAGE_SORTS.get(column) == Some(&"unique") {
            // The figures are by listing index: the key needs each image's index.
            let storage = &pane.storage;
            let indexed: Vec<(usize, &Image)> = pane.images.iter().enumerate().collect();
            pane.list.rebuild_keyed(
                &indexed,
                |(_, image), out| image_haystack(image, out),
                |(index, image)| unique_sort_key(image, storage.unique_of(*index)),
                |(_, a), (_, b)| compare_images(a, b, column),
            );
        } else {
            pane.list.rebuild_keyed(
                &pane.images,
                image_haystack,
                |image| image_sort_key(image, column),
                |a, b| compare_images(a, b, column),
            );
        }
        self.apply_usage_filter();
        crate::app::tree::arrange(&mut self.images);
        // A reload finds the user's image again as the pages bring it back.
        let pane = &mut self.images;
        let images = &pane.images;
        pane.list.resolve_reload(
            |i| images[i].digest.as_str(),
            images.len(),
            pane.loading.is_none(),
        );
    }

    /// Drop rows the `u` / `U` and `v` filters exclude, keeping the cursor on its image
    /// when it stays.
    fn apply_usage_filter(&mut self) {
        let status_filter = self.images.status_filter;
        if status_filter != crate::app::archive::StatusFilter::All {
            let pane = &mut self.images;
            let anchor = pane.list.anchor();
            let images = &pane.images;
            pane.list
                .rows
                .retain(|&i| status_filter.keeps(&images[i].status));
            pane.list.restore(anchor);
        }
        let filter = self.images.usage_filter;
        if filter == crate::app::usage::UsageFilter::All {
            return;
        }
        let pane = &mut self.images;
        let Some(repository) = pane.repository.as_ref().map(|r| r.name.clone()) else {
            return;
        };
        let anchor = pane.list.anchor();
        let usage = &self.usage;
        let images = &pane.images;
        let registry = &pane.registry;
        pane.list.rows.retain(|&i| {
            let image = &images[i];
            filter.keeps(&usage.image(registry, &repository, &image.digest, &image.tags))
        });
        pane.list.restore(anchor);
    }

    /// Whether the images pane is on screen; if not, the status line says that the
    /// command needs it (a key is never swallowed silently).
    pub fn in_images_pane(&mut self) -> bool {
        if self.pane == Pane::Images {
            return true;
        }
        self.status.info(
            crate::app::status::Topic::Command,
            "open a repository's images first (Enter)",
        );
        false
    }

    /// Whether any fetch is in flight (drives the spinner).
    pub fn is_loading(&self) -> bool {
        self.repositories.loading.is_some()
            || self.repositories.auditing
            || self.images.loading.is_some()
            || self.images.storage.reading
            || self.findings.is_loading()
            || self.triage.is_loading()
            || self.info.is_loading()
            || self.image_detail.is_loading()
            || self
                .repositories
                .rows
                .iter()
                .any(|r| r.stats == StatsState::Pending)
    }
}

fn registry_haystack(row: &RegistryRow, out: &mut Fields) {
    out.text(&row.target.label());
    if let Some(account) = &row.account {
        out.text(account);
    }
}

/// What an image row shows, as the filter matches it: each tag (or `<untagged>`), and
/// the digest by prefix.
pub fn image_haystack(image: &Image, out: &mut Fields) {
    if image.tags.is_empty() {
        out.text(UNTAGGED);
    }
    for tag in &image.tags {
        out.text(tag);
    }
    out.id(&image.digest);
}

/// How an image without tags shows in the TAGS column (and what `/untagged` finds).
pub const UNTAGGED: &str = "<untagged>";

fn stats_key(row: &RepoRow) -> Option<RepoStats> {
    match row.stats {
        StatsState::Loaded(stats) => Some(stats),
        _ => None,
    }
}

/// The audit sweep's rows by repository name.
type AuditRows = std::collections::HashMap<String, crate::figures::RepositoryRow>;

fn compare_repositories(
    a: &RepoRow,
    b: &RepoRow,
    column: usize,
    audit: Option<&AuditRows>,
) -> Ordering {
    // Rows the audit has not reached (or could not read) sort as unknown: below every
    // figure when the largest come first.
    let audited = |row: &RepoRow| audit.and_then(|rows| rows.get(&row.repo.name));
    match ALL_REPOSITORY_SORTS.get(column).copied().unwrap_or("name") {
        "untagged" => audited(a)
            .map(|r| (r.untagged_images, r.untagged_bytes))
            .cmp(&audited(b).map(|r| (r.untagged_images, r.untagged_bytes))),
        "stale" => audited(a)
            .map(|r| (r.stale_images, r.stale_bytes))
            .cmp(&audited(b).map(|r| (r.stale_images, r.stale_bytes))),
        "reclaim" => audited(a)
            .and_then(|r| r.lifecycle_reclaimable_bytes)
            .cmp(&audited(b).and_then(|r| r.lifecycle_reclaimable_bytes)),
        // A partial figure (at least this much) sorts by what is known.
        "stored" => audited(a)
            .and_then(|r| r.stored_bytes)
            .cmp(&audited(b).and_then(|r| r.stored_bytes)),
        "images" => stats_key(a)
            .map(|s| s.images)
            .cmp(&stats_key(b).map(|s| s.images)),
        "size" => stats_key(a)
            .map(|s| s.bytes)
            .cmp(&stats_key(b).map(|s| s.bytes)),
        "created" => a.repo.created_at.cmp(&b.repo.created_at),
        _ => Ordering::Equal,
    }
    .then_with(|| a.repo.name.cmp(&b.repo.name))
}

/// `compare_images` up to the digest, as a key (see `ListView::rebuild_keyed`).
fn image_sort_key(image: &Image, column: usize) -> SortKey {
    let pushed = sort_key::time(image.pushed_at);
    match IMAGE_SORTS.get(column).copied().unwrap_or("pushed") {
        "tags" => sort_key::text_then(image.tags.first().map(String::as_str), pushed),
        "size" => [sort_key::number(image.size_bytes), pushed[0], pushed[1], 0],
        "pulled" => {
            let [high, low] = sort_key::time(image.last_pulled_at);
            [high, low, pushed[0], pushed[1]]
        }
        _ => [pushed[0], pushed[1], 0, 0],
    }
}

/// The UNIQUE column's key: unknown figures first (last when the largest come first),
/// then by bytes, then by push time like the other columns.
fn unique_sort_key(image: &Image, unique: Option<crate::storage::Figure>) -> SortKey {
    let pushed = sort_key::time(image.pushed_at);
    let bytes = unique.map_or(0, |figure| figure.bytes.saturating_add(1));
    [sort_key::number(bytes), pushed[0], pushed[1], 0]
}

/// Orders images with equal keys. The UNIQUE column's keys are exact, so its ties are
/// ties in bytes, which push time then orders (the default arm).
fn compare_images(a: &Image, b: &Image, column: usize) -> Ordering {
    match IMAGE_SORTS.get(column).copied().unwrap_or("pushed") {
        "tags" => a.tags.first().cmp(&b.tags.first()),
        "size" => a.size_bytes.cmp(&b.size_bytes),
        "pulled" => a.last_pulled_at.cmp(&b.last_pulled_at),
        _ => a.pushed_at.cmp(&b.pushed_at),
    }
    .then_with(|| a.pushed_at.cmp(&b.pushed_at))
    .then_with(|| a.digest.cmp(&b.digest))
}
