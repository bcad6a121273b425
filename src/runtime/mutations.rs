//! Running confirmed mutations through the safety gate (`Mutator`), and turning its
//! reports into what the UI shows.

use super::Executor;
use crate::app::findings::FindingsEffect;
use crate::app::operate::{ConfirmedDelete, DeleteLine, TagResult};
use crate::ecr::mutate::TagOutcome;
use crate::ecr::policy::EcrPreview;
use crate::ecr::{EcrError, EcrRegistry};
use crate::journal::Journal;
use crate::safety::{JournalContext, Mutator};

impl Executor {
    /// The gate for one registry: its writer, who is acting, the audit log.
    async fn mutator(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
    ) -> Result<Mutator, String> {
        let connected = self.connected(registry).await.map_err(|e| e.to_string())?;
        let account = connected
            .read
            .account_id()
            .await
            .map_err(|e| e.to_string())?;
        let target = registry;
        let log = Journal::standard().map_err(|e| e.to_string())?;
        Ok(Mutator::new(
            connected.write,
            JournalContext::new(&target.source, &account, &target.region),
            log,
            self.read_only,
        ))
    }

    pub(super) async fn check_tag(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        repository: &str,
        tag: &str,
    ) -> Result<Option<String>, String> {
        let mutator = self.mutator(registry).await?;
        mutator
            .tag_target(repository, tag)
            .await
            .map_err(|e| e.to_string())
    }

    pub(super) async fn put_tag(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        repository: &str,
        digest: &str,
        tag: &str,
    ) -> TagResult {
        let mutator = match self.mutator(registry).await {
            Ok(mutator) => mutator,
            Err(error) => return TagResult::Failed(error),
        };
        match mutator.tag(repository, digest, tag).await {
            Err(refused) => TagResult::Failed(refused.to_string()),
            Ok(recorded) => match recorded.outcome {
                Err(error) => TagResult::Failed(error.to_string()),
                Ok(TagOutcome::Tagged { .. }) => TagResult::Tagged,
                Ok(TagOutcome::Moved { from, .. }) => TagResult::Moved { from },
                Ok(TagOutcome::AlreadyTagged { .. }) => TagResult::AlreadyTagged,
                Ok(TagOutcome::ImmutableTag { current, .. }) => TagResult::Immutable { current },
                Ok(TagOutcome::DigestChanged { expected, actual }) => TagResult::Failed(format!(
                    "the registry stored the manifest as {actual}, not {expected}: the tag names a different image now"
                )),
            },
        }
    }

    /// Put a lifecycle policy through the gate (read-only refusal, audit line).
    pub(super) async fn put_policy(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        repository: &str,
        text: &str,
    ) -> Result<(), crate::ecr::EcrError> {
        let as_error = |detail: String| crate::ecr::EcrError::Other {
            action: "ecr:PutLifecyclePolicy".into(),
            subject: repository.to_string(),
            detail,
        };
        let mutator = self.mutator(registry).await.map_err(as_error)?;
        match mutator.put_lifecycle_policy(repository, text).await {
            Ok(recorded) => recorded.outcome,
            Err(refused) => Err(as_error(refused.to_string())),
        }
    }

    /// The gate a findings effect needs: one for starting scans, none for reads.
    pub(super) async fn findings_gate(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        effect: &FindingsEffect,
    ) -> Result<Option<Mutator>, EcrError> {
        let FindingsEffect::StartScans { repository, .. } = effect else {
            return Ok(None);
        };
        self.mutator(registry)
            .await
            .map(Some)
            .map_err(|detail| EcrError::Other {
                action: "ecr:StartImageScan".into(),
                subject: repository.clone(),
                detail,
            })
    }

    /// ECR's own preview of `text`, its start through the gate (read-only refusal, audit
    /// line); the polling reads go straight to the registry.
    pub(super) async fn ecr_preview(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        repository: &str,
        text: &str,
    ) -> Result<EcrPreview, EcrError> {
        let as_error = |detail: String| EcrError::Other {
            action: "ecr:StartLifecyclePolicyPreview".into(),
            subject: repository.to_string(),
            detail,
        };
        let gate = self.mutator(registry).await.map_err(as_error)?;
        let reader = EcrRegistry::connect(registry, &self.options).await?;
        super::lifecycle::lifecycle_policy_preview(
            &reader,
            &gate,
            repository,
            Some(text),
            super::lifecycle::ECR_PREVIEW_WAIT,
            super::lifecycle::ECR_PREVIEW_POLL,
        )
        .await
    }

    /// Delete exactly the confirmed ids; every id comes back as deleted or failed.
    /// Move one image to another storage class through the gate; the status ECR answers.
    pub(super) async fn update_storage_class(
        &self,
        request: &crate::app::archive::StorageClassRequest,
    ) -> Result<crate::ecr::model::ImageStatus, String> {
        let mutator = self.mutator(&request.registry).await?;
        let recorded = mutator
            .update_storage_class(&request.repository, &request.digest, request.target)
            .await
            .map_err(|refused| refused.to_string())?;
        recorded.outcome.map_err(|err| err.to_string())
    }

    /// Read a restoring image's status until it is ACTIVE, gone or out of time, sending
    /// each change as `RestoreProgress`.
    pub(super) async fn watch_restore(&self, request: crate::app::archive::StorageClassRequest) {
        use crate::ecr::model::ImageStatus;
        let started = jiff::Timestamp::now();
        let mut last: Option<ImageStatus> = None;
        let mut polls = 0u32;
        loop {
            tokio::time::sleep(crate::app::archive::restore_poll_interval(polls)).await;
            polls += 1;
            let read = match self.client(&request.registry).await {
                Ok(client) => {
                    self.with_retries(|| client.image(&request.repository, &request.digest))
                        .await
                }
                Err(err) => Err(err),
            };
            let progress =
                |status, last_activated_at, done, note| crate::app::Action::RestoreProgress {
                    request: request.clone(),
                    status,
                    last_activated_at,
                    done,
                    note,
                };
            match read {
                Ok(Some(image)) => {
                    let active = image.status == ImageStatus::Active;
                    if active || last.as_ref() != Some(&image.status) {
                        last = Some(image.status);
                        self.send(progress(
                            Some(image.status),
                            image.last_activated_at,
                            active,
                            None,
                        ));
                    }
                    if active {
                        return;
                    }
                }
                Ok(None) => {
                    let note = Some("the image is gone".to_string());
                    return self.send(progress(None, None, true, note));
                }
                Err(err) => {
                    return self.send(progress(None, None, true, Some(err.to_string())));
                }
            }
            if jiff::Timestamp::now().duration_since(started)
                > crate::app::archive::RESTORE_FOLLOW_FOR
            {
                let note = Some(format!(
                    "still {} after {} hours; r reloads the images",
                    last.map_or("?", ImageStatus::as_str),
                    crate::app::archive::RESTORE_FOLLOW_FOR.as_hours()
                ));
                return self.send(progress(last, None, true, note));
            }
        }
    }

    pub(super) async fn delete(&self, delete: &ConfirmedDelete) -> Result<Vec<DeleteLine>, String> {
        let plan = delete.plan();
        let mutator = self.mutator(&plan.registry).await?;
        let recorded = mutator
            .delete(&plan.repository, &delete.ids())
            .await
            .map_err(|refused| refused.to_string())?;
        let report = recorded.outcome;
        let mut lines: Vec<DeleteLine> = report
            .deleted
            .into_iter()
            .map(|d| DeleteLine {
                id: d.id,
                failure: None,
            })
            .collect();
        lines.extend(report.failed.into_iter().map(|f| DeleteLine {
            id: f.id,
            failure: Some((f.code, f.reason)),
        }));
        Ok(lines)
    }
}
