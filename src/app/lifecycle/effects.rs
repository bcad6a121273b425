//! The work the lifecycle view asks of the runtime, and the results that come back.

use crate::ecr::EcrError;
use crate::ecr::policy::EcrPreview;
use crate::lifecycle::ImageRecord;
use std::path::PathBuf;

/// Work the view asks the runtime for; the runtime answers with a [`LifecycleEvent`]
/// carrying the same generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleEffect {
    /// Read the repository's policy (GetLifecyclePolicy) and every image, with
    /// manifest-list children marked (DescribeImages + BatchGetImage).
    Load {
        registry: crate::app::action::RegistryId,
        repository: String,
        generation: u64,
    },
    /// Suspend the terminal and edit `text` in `$VISUAL` / `$EDITOR` / `vi`.
    Edit { text: String, generation: u64 },
    /// Read a policy file.
    ReadFile { path: PathBuf, generation: u64 },
    /// PutLifecyclePolicy, after the user confirmed.
    Apply(ConfirmedApply),
    /// Start ECR's own preview of `text` and wait a while for it.
    EcrPreview {
        registry: crate::app::action::RegistryId,
        repository: String,
        text: String,
        generation: u64,
    },
}

impl LifecycleEffect {
    /// Whether the effect needs the terminal (the editor), so the UI loop must run it
    /// itself instead of handing it to a background task.
    pub fn needs_terminal(&self) -> bool {
        matches!(self, LifecycleEffect::Edit { .. })
    }
}

/// A PutLifecyclePolicy the user confirmed. Only the view's confirmation dialog makes
/// one (the fields are private to the lifecycle module), so applying a policy cannot
/// skip the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedApply {
    pub(super) registry: crate::app::action::RegistryId,
    pub(super) repository: String,
    pub(super) text: String,
    pub(super) generation: u64,
}

impl ConfirmedApply {
    /// The registry the repository is in.
    pub fn registry(&self) -> &crate::app::action::RegistryId {
        &self.registry
    }
    /// The repository to put the policy on.
    pub fn repository(&self) -> &str {
        &self.repository
    }
    /// The policy text, exactly as dry-run.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The view generation the answer must carry.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What the repository holds, as [`LifecycleEffect::Load`] read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedRepository {
    /// The current policy text; `None` when the repository has none.
    pub policy: Option<String>,
    pub images: Vec<ImageRecord>,
}

/// Results of the view's effects.
#[derive(Debug)]
pub enum LifecycleEvent {
    Loaded {
        generation: u64,
        result: Result<LoadedRepository, EcrError>,
    },
    /// The editor exited; `Ok` holds the saved text.
    Edited {
        generation: u64,
        result: Result<String, String>,
    },
    FileRead {
        generation: u64,
        path: PathBuf,
        result: Result<String, String>,
    },
    Applied {
        generation: u64,
        text: String,
        result: Result<(), EcrError>,
    },
    EcrPreviewed {
        generation: u64,
        text: String,
        result: Result<EcrPreview, EcrError>,
    },
}

impl LifecycleEvent {
    pub(super) fn generation(&self) -> u64 {
        match self {
            LifecycleEvent::Loaded { generation, .. }
            | LifecycleEvent::Edited { generation, .. }
            | LifecycleEvent::FileRead { generation, .. }
            | LifecycleEvent::Applied { generation, .. }
            | LifecycleEvent::EcrPreviewed { generation, .. } => *generation,
        }
    }
}
