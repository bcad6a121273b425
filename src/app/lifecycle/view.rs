//! The lifecycle view's state: where it is, what it shows, and how results update it.

use super::{DryRun, EcrCheck, LifecycleEffect, LifecycleEvent, compare, pretty_lines};
use crate::app::list::ListView;
use crate::ecr::EcrError;
use crate::ecr::policy::{EcrPreview, PreviewStatus};
use crate::lifecycle::{Candidate, Disposition, PolicyError, evaluate, parse_policy};
use jiff::Timestamp;
use std::path::PathBuf;
use tui_input::Input;

/// Where the view is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Stage {
    /// Not opened yet.
    #[default]
    Closed,
    Loading,
    Ready,
    /// Loading failed; the message says why.
    Failed(String),
}

/// Where the policy text in use came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PolicySource {
    /// The repository's policy as ECR has it (or none).
    #[default]
    Repository,
    /// Edited in the editor, not applied yet.
    Edited,
    /// Loaded from this file, not applied yet.
    File(PathBuf),
}

/// A question the view is asking.
#[derive(Debug, Default)]
pub enum Dialog {
    #[default]
    None,
    /// `o`: the path being typed.
    LoadPath(Input),
    /// `a`: apply? When the dry run expires images, the repository name must be typed.
    ConfirmApply { typed: Input, needs_name: bool },
}

/// What the narrow layout shows below the rule table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Section {
    #[default]
    Images,
    Policy,
}

/// The lifecycle view's state.
#[derive(Debug, Default)]
pub struct LifecycleView {
    pub registry: crate::app::action::RegistryId,
    pub repository: String,
    pub generation: u64,
    pub stage: Stage,
    /// Every image of the repository.
    pub images: Vec<Candidate>,
    /// The policy ECR has for the repository; `None` when it has none.
    pub current: Option<String>,
    /// The text the dry run is of: `current`, or an unapplied edit or file.
    pub text: Option<String>,
    pub source: PolicySource,
    /// `text` laid out for reading.
    pub policy_lines: Vec<String>,
    /// Why `text` is not a valid policy; the text is kept for the next edit.
    pub error: Option<PolicyError>,
    pub dry_run: Option<DryRun>,
    pub ecr: EcrCheck,
    pub dialog: Dialog,
    pub applying: bool,
    /// A transient note (cleared by the next key).
    pub message: Option<String>,
    /// The last failure of an action in this view.
    pub problem: Option<String>,
    /// The image rows, newest push first; `rows` index into `images`.
    pub list: ListView,
    pub expiring_only: bool,
    pub section: Section,
    pub policy_scroll: usize,
    /// Whether the view is on screen. Closing it keeps its state, so reopening the same
    /// repository finds an unapplied edit where it was left.
    pub visible: bool,
    /// The generation of the storage read asked for this opening (0: none yet).
    pub storage_generation: u64,
    /// The repository's storage figures once read (or why they could not be).
    pub storage: Option<Result<crate::app::storage::StorageRead, String>>,
    /// What expiring the dry run's expired images really frees, from `storage`: None
    /// while either is unknown. Kept up to date with both.
    pub bytes_freed: Option<crate::storage::Figure>,
}

impl LifecycleView {
    /// Open the view on `repository` and ask for its policy and images. Reopening the
    /// same repository keeps an unapplied edit: `Esc` must not throw work away.
    pub fn open(
        &mut self,
        registry: crate::app::action::RegistryId,
        repository: &str,
        generation: u64,
    ) -> LifecycleEffect {
        let same = self.stage != Stage::Closed
            && self.registry == registry
            && self.repository == repository;
        let keep = same && self.source != PolicySource::Repository;
        let draft = keep.then(|| (self.text.take(), std::mem::take(&mut self.source)));
        *self = LifecycleView {
            registry,
            repository: repository.to_string(),
            generation,
            stage: Stage::Loading,
            visible: true,
            ..LifecycleView::default()
        };
        if let Some((text, source)) = draft {
            self.text = text;
            self.source = source;
        }
        self.load_effect()
    }

    /// Whether the view has been opened.
    pub fn is_open(&self) -> bool {
        self.stage != Stage::Closed
    }

    /// Whether the view is on screen and takes the keys.
    pub fn is_visible(&self) -> bool {
        self.visible && self.is_open()
    }

    /// What the dry run does to `digest` in `repository`, for marking rows in the
    /// images pane; `None` when the view is about another repository or has no dry run.
    pub fn disposition(
        &self,
        registry: &crate::app::action::RegistryId,
        repository: &str,
        digest: &str,
    ) -> Option<Disposition> {
        if &self.registry != registry || self.repository != repository {
            return None;
        }
        self.dry_run.as_ref()?.dispositions.get(digest).copied()
    }

    /// Whether the view has its images and has not asked for their storage figures yet.
    pub fn wants_storage(&self) -> bool {
        self.is_open() && self.stage == Stage::Ready && self.storage_generation == 0
    }

    /// A storage read was asked for with `generation`.
    pub fn storage_requested(&mut self, generation: u64) {
        self.storage_generation = generation;
        self.storage = None;
        self.bytes_freed = None;
    }

    /// The storage read `generation` of `repository` answered; false when this view does
    /// not wait for it.
    pub fn storage_arrived(
        &mut self,
        registry: &crate::app::action::RegistryId,
        repository: &str,
        generation: u64,
        result: Result<crate::app::storage::StorageRead, String>,
    ) -> bool {
        if !self.is_open()
            || &self.registry != registry
            || self.repository != repository
            || self.storage_generation != generation
            || self.storage.is_some()
        {
            return false;
        }
        self.storage = Some(result);
        self.follow_storage();
        true
    }

    /// Recompute `bytes_freed` from the dry run and the storage figures.
    fn follow_storage(&mut self) {
        self.bytes_freed = match (&self.dry_run, &self.storage) {
            (Some(run), Some(Ok(read))) => Some(
                read.bytes_freed(
                    run.dispositions
                        .iter()
                        .filter(|(_, disposition)| disposition.is_expired())
                        .map(|(digest, _)| digest.as_str()),
                ),
            ),
            _ => None,
        };
    }

    /// Whether the text in use differs from what ECR has.
    pub fn is_unapplied(&self) -> bool {
        self.source != PolicySource::Repository
    }

    pub(super) fn load_effect(&self) -> LifecycleEffect {
        LifecycleEffect::Load {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            generation: self.generation,
        }
    }

    /// Apply a result. Results for an earlier opening of the view are dropped.
    pub fn on_event(&mut self, event: LifecycleEvent, now: Timestamp) {
        if event.generation() != self.generation || !self.is_open() {
            return;
        }
        match event {
            LifecycleEvent::Loaded { result, .. } => match result {
                Ok(loaded) => {
                    self.images = loaded.images.into_iter().map(Candidate::from).collect();
                    self.current = loaded.policy;
                    if self.source == PolicySource::Repository {
                        self.text = self.current.clone();
                    }
                    self.stage = Stage::Ready;
                    self.reevaluate(now);
                }
                Err(err) => self.stage = Stage::Failed(err.to_string()),
            },
            LifecycleEvent::Edited { result, .. } => match result {
                Ok(text) => self.replace_text(text, PolicySource::Edited, now),
                Err(err) => self.problem = Some(format!("editor: {err}")),
            },
            LifecycleEvent::FileRead { path, result, .. } => match result {
                Ok(text) => self.replace_text(text, PolicySource::File(path), now),
                Err(err) => {
                    self.problem = Some(format!("cannot read {}: {err}", path.display()));
                }
            },
            LifecycleEvent::Applied { text, result, .. } => {
                self.applying = false;
                match result {
                    Ok(()) => {
                        self.current = Some(text.clone());
                        if self.text.as_ref() == Some(&text) {
                            self.source = PolicySource::Repository;
                        }
                        self.message = Some(format!(
                            "lifecycle policy applied to {} — ECR acts on it within about 24 hours",
                            self.repository
                        ));
                    }
                    Err(err) => self.problem = Some(err.to_string()),
                }
            }
            LifecycleEvent::EcrPreviewed { text, result, .. } => {
                self.ecr = self.ecr_check(&text, result, now);
            }
        }
    }

    /// Take `text` as the policy in use (from the editor or a file) and rerun the dry run.
    fn replace_text(&mut self, text: String, source: PolicySource, now: Timestamp) {
        if text.trim().is_empty() {
            self.message = Some("the policy is empty — nothing changed".into());
            return;
        }
        if self.text.as_deref() == Some(text.as_str()) && self.error.is_none() {
            self.message = Some("policy unchanged".into());
            return;
        }
        self.source = if self.current.as_deref() == Some(text.as_str()) {
            PolicySource::Repository
        } else {
            source
        };
        self.text = Some(text);
        self.reevaluate(now);
        self.message = Some(match &self.error {
            Some(_) => "the policy has an error — press e to fix it".into(),
            None => "dry run updated".into(),
        });
    }

    /// Parse the text in use and rerun the dry run at `now`.
    pub fn reevaluate(&mut self, now: Timestamp) {
        self.error = None;
        self.dry_run = None;
        self.policy_lines = self.text.as_deref().map(pretty_lines).unwrap_or_default();
        if let Some(text) = &self.text {
            match parse_policy(text) {
                Ok(policy) => {
                    let plan = evaluate(&policy, &self.images, now);
                    self.dry_run = Some(DryRun::from_plan(text, &policy, &plan, &self.images, now));
                }
                Err(err) => self.error = Some(err),
            }
        }
        self.follow_storage();
        self.rebuild_rows();
    }

    /// Recompute the visible image rows: newest push first (ties: larger digest first,
    /// as the engine ranks them), only expiring ones when `x` is on.
    pub fn rebuild_rows(&mut self) {
        let previous = self.list.selected_item();
        let expired = |digest: &str| {
            self.dry_run
                .as_ref()
                .and_then(|run| run.dispositions.get(digest))
                .is_some_and(|d| d.is_expired())
        };
        let mut rows: Vec<usize> = (0..self.images.len())
            .filter(|&i| !self.expiring_only || expired(&self.images[i].digest))
            .collect();
        rows.sort_by(|&a, &b| {
            let (a, b) = (&self.images[a], &self.images[b]);
            b.pushed_at
                .cmp(&a.pushed_at)
                .then_with(|| b.digest.cmp(&a.digest))
        });
        self.list.rows = rows;
        self.list.selected = previous
            .and_then(|item| self.list.rows.iter().position(|&r| r == item))
            .unwrap_or(0);
        self.list.offset = self.list.offset.min(self.list.selected);
    }

    fn ecr_check(
        &self,
        text: &str,
        result: Result<EcrPreview, EcrError>,
        now: Timestamp,
    ) -> EcrCheck {
        let preview = match result {
            Ok(preview) => preview,
            Err(EcrError::Unsupported { .. }) => {
                return EcrCheck::Unsupported(
                    "this endpoint does not offer ECR's lifecycle preview; berth's dry run stands alone"
                        .into(),
                );
            }
            Err(err) => return EcrCheck::Failed(err.to_string()),
        };
        match preview.status {
            PreviewStatus::Complete => {}
            PreviewStatus::InProgress => return EcrCheck::StillRunning,
            PreviewStatus::Expired => {
                return EcrCheck::Failed(
                    "ECR discarded its preview (expired) — press p again".into(),
                );
            }
            PreviewStatus::Failed => {
                return EcrCheck::Failed("ECR could not evaluate the policy".into());
            }
            PreviewStatus::Other(status) => {
                return EcrCheck::Failed(format!("ECR's preview ended as {status}"));
            }
        }
        // The text may have been edited since `p`; compare with a dry run of the very
        // text ECR evaluated.
        let policy = match parse_policy(text) {
            Ok(policy) => policy,
            Err(err) => return EcrCheck::Failed(format!("the previewed policy is invalid: {err}")),
        };
        let plan = evaluate(&policy, &self.images, now);
        EcrCheck::Done(compare(text, &plan, &preview))
    }
}
