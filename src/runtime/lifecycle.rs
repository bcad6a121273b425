//! The registry work of the lifecycle view: loading a repository's policy and image
//! records, reading a policy file, and ECR's own preview, started through the safety
//! gate and polled until it finishes.

use crate::app::lifecycle::{LifecycleEffect, LifecycleEvent, LoadedRepository};
use crate::ecr::model::RegistryTarget;
use crate::ecr::policy::{self, EcrPreview, PreviewStatus};
use crate::ecr::records::{RecordsError, registry_image_records};
use crate::ecr::{ClientOptions, EcrError, EcrRegistry};
use crate::lifecycle::ImageRecord;
use crate::safety::Mutator;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the TUI waits for ECR's asynchronous preview before reporting it still
/// running; pressing `p` again picks up the same preview.
pub const ECR_PREVIEW_WAIT: Duration = Duration::from_secs(20);
/// How often the TUI reads a running ECR preview's status.
pub const ECR_PREVIEW_POLL: Duration = Duration::from_secs(2);

/// Do the registry work a lifecycle view asked for and say how it went.
///
/// The reads run here, off the UI loop; the editor needs the terminal, so the UI loop
/// runs [`LifecycleEffect::Edit`] with [`crate::editor::edit_in_terminal`]. Writes (apply,
/// ECR's preview) need the safety gate, which the runtime's executor owns: they are
/// refused here without any API call.
pub async fn perform(
    target: &RegistryTarget,
    options: &ClientOptions,
    effect: LifecycleEffect,
) -> LifecycleEvent {
    match effect {
        LifecycleEffect::Load {
            repository,
            generation,
            ..
        } => {
            let result = async {
                let registry = EcrRegistry::connect(target, options).await?;
                load(&registry, &repository).await
            }
            .await;
            LifecycleEvent::Loaded { generation, result }
        }
        LifecycleEffect::Edit { generation, .. } => LifecycleEvent::Edited {
            generation,
            result: Err("the editor needs the terminal; the UI loop runs it".into()),
        },
        LifecycleEffect::ReadFile { path, generation } => {
            let path = expand_home(&path);
            let result = tokio::fs::read_to_string(&path)
                .await
                .map_err(|err| err.to_string());
            LifecycleEvent::FileRead {
                generation,
                path,
                result,
            }
        }
        LifecycleEffect::Apply(apply) => LifecycleEvent::Applied {
            generation: apply.generation(),
            text: apply.text().to_string(),
            result: Err(needs_gate("ecr:PutLifecyclePolicy", apply.repository())),
        },
        LifecycleEffect::EcrPreview {
            repository,
            text,
            generation,
            ..
        } => LifecycleEvent::EcrPreviewed {
            generation,
            text,
            result: Err(needs_gate("ecr:StartLifecyclePolicyPreview", &repository)),
        },
    }
}

/// The refusal of a write asked of [`perform`], which has no safety gate.
fn needs_gate(action: &str, repository: &str) -> EcrError {
    EcrError::Other {
        action: action.into(),
        subject: repository.to_string(),
        detail: "writes go through the safety gate; nothing was sent".into(),
    }
}

/// The repository's policy and image records, for the lifecycle view.
async fn load(registry: &EcrRegistry, repository: &str) -> Result<LoadedRepository, EcrError> {
    let images: Vec<ImageRecord> =
        registry_image_records(registry, repository)
            .await
            .map_err(|err| match err {
                RecordsError::Registry(err) => err,
                other => EcrError::Other {
                    action: "ecr:DescribeImages".into(),
                    subject: repository.to_string(),
                    detail: other.to_string(),
                },
            })?;
    let policy = policy::lifecycle_policy(registry, repository).await?;
    Ok(LoadedRepository { policy, images })
}

/// `~/x` as `$HOME/x`: people type paths the way their shell accepts them.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// Ask ECR to preview `text` (or, with `None`, the repository's current policy) on
/// `repository`, then poll every `poll` until it finishes or `wait` has passed.
///
/// ECR evaluates previews asynchronously; a preview still running after `wait` comes
/// back with [`PreviewStatus::InProgress`] and no images, and a later call (which finds
/// it running and does not start another) picks up its results. An endpoint without
/// the operation (moto answers an HTML 500) gives [`EcrError::Unsupported`].
///
/// The start is a mutation: `gate` refuses it in read-only mode (as
/// [`EcrError::Other`] carrying the refusal, with no API call) and records the attempt.
pub async fn lifecycle_policy_preview(
    registry: &EcrRegistry,
    gate: &Mutator,
    repository: &str,
    text: Option<&str>,
    wait: Duration,
    poll: Duration,
) -> Result<EcrPreview, EcrError> {
    let started = match gate.start_lifecycle_preview(repository, text).await {
        Ok(recorded) => recorded.outcome?,
        Err(refused) => {
            return Err(EcrError::Other {
                action: "ecr:StartLifecyclePolicyPreview".into(),
                subject: repository.to_string(),
                detail: refused.to_string(),
            });
        }
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let mut preview = policy::preview_pages(registry, repository).await?;
        preview.started = started;
        if preview.status != PreviewStatus::InProgress || tokio::time::Instant::now() >= deadline {
            return Ok(preview);
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_is_expanded_only_at_the_start() {
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                expand_home(Path::new("~/p.json")),
                PathBuf::from(home).join("p.json")
            );
        }
        assert_eq!(
            expand_home(Path::new("a/~/p.json")),
            PathBuf::from("a/~/p.json")
        );
    }
}
