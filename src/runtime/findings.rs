//! Performs the findings pane's and triage view's effects against a registry and reports
//! the results as [`FindingsEvent`]s. The runtime spawns [`run`] for each effect.

use crate::app::findings::{FindingsEffect, FindingsEvent};
use crate::ecr::EcrError;
use crate::ecr::findings::sweep::{Scope, Slots, SweepEvent, sweep_in};
use crate::ecr::findings::{PollSchedule, ScanBackend, has_results, wait_for_scan};
use crate::ecr::model::ScanSummary;
use crate::ecr::mutate::ImageRef;
use crate::ecr::pager::stream_pages;
use crate::retry::CallLimits;
use crate::safety::Mutator;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::task::JoinSet;

/// The newest generation asked for, per kind of work; older loops stop early. Generations
/// only grow, and each pane owns one kind, so one counter per kind suffices.
static LATEST_FINDINGS: AtomicU64 = AtomicU64::new(0);
static LATEST_TRIAGE: AtomicU64 = AtomicU64::new(0);

/// Sweep calls in flight at once for the triage view, all its registries together.
pub const TRIAGE_CONCURRENCY: usize = 8;
/// Scans started and watched at once.
pub const SCAN_CONCURRENCY: usize = 4;

/// Perform `effect` on `registry`, calling `send` with each result. Scans start through
/// `gate` (read-only refusal, audit line); without one, a scan fails before any call. The
/// clipboard effect is the caller's; it is ignored here.
///
/// A triage's sweeps take their call slots from `limits`, shared by every registry a
/// triage covers (overall, and per member account).
pub async fn run<F>(
    effect: FindingsEffect,
    registry: Arc<dyn ScanBackend>,
    gate: Option<Mutator>,
    limits: Arc<CallLimits>,
    send: F,
) where
    F: Fn(FindingsEvent) + Clone + Send + Sync + 'static,
{
    run_with(effect, registry, gate, limits, send, PollSchedule::DEFAULT).await
}

/// [`run`] with a chosen poll schedule (tests poll fast).
pub async fn run_with<F>(
    effect: FindingsEffect,
    registry: Arc<dyn ScanBackend>,
    gate: Option<Mutator>,
    limits: Arc<CallLimits>,
    send: F,
    schedule: PollSchedule,
) where
    F: Fn(FindingsEvent) + Clone + Send + Sync + 'static,
{
    match effect {
        FindingsEffect::FetchFindings {
            repository,
            digest,
            generation,
            ..
        } => {
            LATEST_FINDINGS.fetch_max(generation, Ordering::SeqCst);
            let image = ImageRef::Digest(digest);
            stream_pages(
                |token| registry.findings_page(&repository, &image, token),
                || LATEST_FINDINGS.load(Ordering::SeqCst) == generation,
                |result| send(FindingsEvent::Page { generation, result }),
            )
            .await;
        }
        FindingsEffect::StartScans {
            registry: index,
            repository,
            digests,
        } => {
            let Some(gate) = gate else {
                let error = EcrError::Other {
                    action: "ecr:StartImageScan".into(),
                    subject: repository.clone(),
                    detail: "no write gate for this registry; nothing was started".into(),
                };
                return failed(
                    FindingsEffect::StartScans {
                        registry: index,
                        repository,
                        digests,
                    },
                    error,
                    send,
                );
            };
            let limit = Arc::new(tokio::sync::Semaphore::new(SCAN_CONCURRENCY));
            let mut tasks = JoinSet::new();
            for digest in digests {
                let registry = registry.clone();
                let index = index.clone();
                let gate = gate.clone();
                let send = send.clone();
                let repository = repository.clone();
                let limit = limit.clone();
                tasks.spawn(async move {
                    let Ok(_permit) = limit.acquire_owned().await else {
                        return;
                    };
                    scan_one(
                        &*registry,
                        &gate,
                        &index,
                        &repository,
                        digest,
                        schedule,
                        &send,
                    )
                    .await;
                });
            }
            while tasks.join_next().await.is_some() {}
        }
        FindingsEffect::Triage {
            min_severity,
            generation,
            origin,
            ..
        } => {
            LATEST_TRIAGE.fetch_max(generation, Ordering::SeqCst);
            // Several registries' sweeps share the view's slots: the bound holds however
            // many accounts and regions the triage covers.
            let account = origin.as_ref().map(|o| o.account.as_str());
            let slots = Slots::shared(limits, account.filter(|a| !a.is_empty()));
            let place = origin.as_ref().map(|o| format!("{}: ", o.describe()));
            let mut events = sweep_in(registry, Scope::All, min_severity, slots, origin);
            while let Some(event) = events.recv().await {
                if LATEST_TRIAGE.load(Ordering::SeqCst) != generation {
                    // Dropping the receiver stops the sweep.
                    return;
                }
                send(match event {
                    SweepEvent::Repositories(names) => FindingsEvent::TriageRepositories {
                        generation,
                        count: names.len(),
                    },
                    SweepEvent::Image(image) => FindingsEvent::TriageImage { generation, image },
                    SweepEvent::Error(error) => FindingsEvent::TriageError {
                        generation,
                        message: format!("{}{}", place.as_deref().unwrap_or(""), error.error),
                    },
                });
            }
            send(FindingsEvent::TriageDone { generation });
        }
        FindingsEffect::CopyToClipboard(_) => {}
    }
}

/// Start one scan through the gate and watch it settle, reporting every status.
#[allow(clippy::too_many_arguments)]
async fn scan_one<F>(
    registry: &dyn ScanBackend,
    gate: &Mutator,
    index: &crate::app::action::RegistryId,
    repository: &str,
    digest: String,
    schedule: PollSchedule,
    send: &F,
) where
    F: Fn(FindingsEvent) + Sync,
{
    let report = |result: Result<ScanSummary, EcrError>| {
        send(FindingsEvent::ScanStatus {
            registry: index.clone(),
            repository: repository.to_string(),
            digest: digest.clone(),
            result,
        })
    };
    let image = ImageRef::Digest(digest.clone());
    let started = match gate.start_scan(repository, &digest).await {
        Ok(recorded) => recorded.outcome,
        // Read-only mode or an invalid digest: nothing was sent.
        Err(refused) => Err(EcrError::Other {
            action: "ecr:StartImageScan".into(),
            subject: repository.to_string(),
            detail: refused.to_string(),
        }),
    };
    match started {
        Ok(started) => report(Ok(started)),
        // ECR's own words (the 24-hour limit, an unsupported image type) reach the user.
        Err(err) => return report(Err(err)),
    }
    let last = wait_for_scan(registry, repository, &image, schedule, |status| {
        if !crate::ecr::findings::is_settled(&status.status) {
            report(Ok(status.clone()));
        }
    })
    .await;
    let last = match last {
        Ok(last) if has_results(&last.status) && last.counts.is_none() => {
            // The registry left the counts out: count the findings.
            registry
                .image_findings(repository, &image)
                .await
                .map(|scan| scan.summary())
        }
        other => other,
    };
    report(last);
}

/// Report `effect` as failed with `error` (the registry's client could not be built).
pub fn failed<F>(effect: FindingsEffect, error: EcrError, send: F)
where
    F: Fn(FindingsEvent),
{
    match effect {
        FindingsEffect::FetchFindings { generation, .. } => send(FindingsEvent::Page {
            generation,
            result: Err(error),
        }),
        FindingsEffect::StartScans {
            registry,
            repository,
            digests,
        } => {
            for digest in digests {
                send(FindingsEvent::ScanStatus {
                    registry: registry.clone(),
                    repository: repository.clone(),
                    digest,
                    result: Err(error.clone()),
                });
            }
        }
        FindingsEffect::Triage {
            generation, origin, ..
        } => {
            let place = origin
                .map(|o| format!("{}: ", o.describe()))
                .unwrap_or_default();
            send(FindingsEvent::TriageError {
                generation,
                message: format!("{place}{error}"),
            });
            send(FindingsEvent::TriageDone { generation });
        }
        FindingsEffect::CopyToClipboard(_) => {}
    }
}
