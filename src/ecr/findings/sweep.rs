//! Reading findings across a registry: repositories, their images, and the findings of
//! every image whose scan could hold something at the asked severity.
//!
//! Results stream out as [`SweepEvent`]s so the terminal view fills in while the sweep
//! runs and the headless command can print once it ends. At most `concurrency` calls are
//! in flight; dropping the receiver stops the sweep.

use super::{Finding, ImageScan, NOT_SCANNED, ScanBackend, has_results};
use crate::ecr::EcrError;
use crate::ecr::model::{Image, Severity};
use crate::ecr::mutate::ImageRef;
use crate::ecr::pager::{all_pages, for_each_page};
use jiff::Timestamp;
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

/// One image and its scan, as a sweep read it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageFindings {
    pub repository: String,
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at: Option<Timestamp>,
    pub last_pulled_at: Option<Timestamp>,
    /// Status and counts always; findings only when they were fetched.
    pub scan: ImageScan,
    /// The registry the image is in, when the sweep covers several (`None` for one).
    pub origin: Option<Arc<Origin>>,
}

/// The registry of an image swept among several (an organization's accounts × regions).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub account: String,
    /// The member account's name, when the organization gave one.
    pub account_name: Option<String>,
    pub region: String,
}

impl Origin {
    /// How people name the account: its name, else its id.
    pub fn account_label(&self) -> &str {
        self.account_name.as_deref().unwrap_or(&self.account)
    }

    /// `payments-dev (161803398874) eu-west-1`, for messages about this registry.
    pub fn describe(&self) -> String {
        match &self.account_name {
            Some(name) if !self.account.is_empty() => {
                format!("{name} ({}) {}", self.account, self.region)
            }
            _ => format!("{} {}", self.account_label(), self.region),
        }
    }
}

impl ImageFindings {
    /// The findings at `min` and above (`Severity` orders most severe first).
    pub fn at_or_above(&self, min: Severity) -> impl Iterator<Item = &Finding> {
        self.scan.findings.iter().filter(move |f| f.severity <= min)
    }
}

/// Which repositories a sweep reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Repositories(Vec<String>),
}

/// Something that failed during a sweep; the rest of the sweep goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepError {
    /// None when listing the registry's repositories failed.
    pub repository: Option<String>,
    /// The image digest, when reading one image's findings failed.
    pub image: Option<String>,
    pub error: EcrError,
    /// The registry, when the sweep covers several.
    pub origin: Option<Arc<Origin>>,
}

/// What a sweep reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepEvent {
    /// The repositories the sweep will read.
    Repositories(Vec<String>),
    /// One image: its scan status and counts, and its findings when they could matter.
    Image(ImageFindings),
    Error(SweepError),
}

/// Sweep settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweepSettings {
    /// Findings below this severity are not needed: images whose counts show none at or
    /// above it are not asked for their findings.
    pub min_severity: Severity,
    pub concurrency: usize,
}

/// The call slots a sweep takes before each call: its own `concurrency`, and the
/// semaphores it shares with other sweeps (an account's, the whole organization's).
///
/// Every caller takes the semaphores in the order given, one after the other, so two
/// sweeps sharing them can never each hold what the other waits for.
#[derive(Clone, Debug)]
pub struct Slots(Vec<Arc<Semaphore>>);

impl Slots {
    /// `concurrency` slots of the sweep's own.
    pub fn own(concurrency: usize) -> Self {
        Slots(vec![Arc::new(Semaphore::new(concurrency.max(1)))])
    }

    /// These slots, and one of `shared` as well for each call.
    pub fn within(mut self, shared: Arc<Semaphore>) -> Self {
        self.0.push(shared);
        self
    }

    /// Wait for a slot of every semaphore; the call may go while the permits live.
    pub async fn acquire(&self) -> Vec<tokio::sync::SemaphorePermit<'_>> {
        let mut permits = Vec::with_capacity(self.0.len());
        for semaphore in &self.0 {
            permits.push(semaphore.acquire().await.expect("semaphore open"));
        }
        permits
    }
}

/// Start a sweep of `registry`; events arrive on the returned channel, which closes when
/// the sweep is done.
pub fn sweep(
    registry: Arc<dyn ScanBackend>,
    scope: Scope,
    settings: SweepSettings,
) -> mpsc::UnboundedReceiver<SweepEvent> {
    let limit = Slots::own(settings.concurrency);
    sweep_in(registry, scope, settings.min_severity, limit, None)
}

/// A sweep of one registry among several: its calls take `limit`'s slots, shared with
/// the other sweeps, and its images carry `origin`.
pub fn sweep_in(
    registry: Arc<dyn ScanBackend>,
    scope: Scope,
    min_severity: Severity,
    limit: Slots,
    origin: Option<Arc<Origin>>,
) -> mpsc::UnboundedReceiver<SweepEvent> {
    let (events, receiver) = mpsc::unbounded_channel();
    let limit = Arc::new(limit);
    let settings = Sweeping {
        min_severity,
        origin,
    };
    tokio::spawn(async move {
        let repositories = match scope {
            Scope::Repositories(names) => names,
            Scope::All => match all_repositories(&*registry, &limit).await {
                Ok(names) => names,
                Err(error) => {
                    let _ = events.send(SweepEvent::Error(SweepError {
                        repository: None,
                        image: None,
                        error,
                        origin: settings.origin.clone(),
                    }));
                    return;
                }
            },
        };
        if events
            .send(SweepEvent::Repositories(repositories.clone()))
            .is_err()
        {
            return;
        }
        let mut tasks = JoinSet::new();
        for repository in repositories {
            let registry = registry.clone();
            let limit = limit.clone();
            let events = events.clone();
            let settings = settings.clone();
            tasks.spawn(async move {
                sweep_repository(registry, repository, settings, limit, events).await
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    receiver
}

/// What every task of one sweep needs to know.
#[derive(Clone, Debug)]
struct Sweeping {
    min_severity: Severity,
    origin: Option<Arc<Origin>>,
}

async fn all_repositories(
    registry: &dyn ScanBackend,
    limit: &Slots,
) -> Result<Vec<String>, EcrError> {
    let repositories = all_pages(|token| async move {
        let _permits = limit.acquire().await;
        registry.repositories_page(token).await
    })
    .await?;
    Ok(repositories.into_iter().map(|r| r.name).collect())
}

async fn sweep_repository(
    registry: Arc<dyn ScanBackend>,
    repository: String,
    settings: Sweeping,
    limit: Arc<Slots>,
    events: mpsc::UnboundedSender<SweepEvent>,
) {
    let mut fetches = JoinSet::new();
    if events.is_closed() {
        return;
    }
    let listing = for_each_page(
        |token| async {
            let _permits = limit.acquire().await;
            registry.images_page(&repository, token).await
        },
        |page| {
            for image in page.items {
                if !needs_findings(&image, settings.min_severity) {
                    let mut image = without_findings(&repository, image);
                    image.origin = settings.origin.clone();
                    let _ = events.send(SweepEvent::Image(image));
                    continue;
                }
                let registry = registry.clone();
                let limit = limit.clone();
                let events = events.clone();
                let repository = repository.clone();
                let origin = settings.origin.clone();
                fetches.spawn(async move {
                    let result = {
                        let _permits = limit.acquire().await;
                        if events.is_closed() {
                            return;
                        }
                        let id = ImageRef::Digest(image.digest.clone());
                        registry.image_findings(&repository, &id).await
                    };
                    let event = match result {
                        Ok(scan) => SweepEvent::Image(ImageFindings {
                            origin,
                            ..with_scan(&repository, image, scan)
                        }),
                        Err(error) => SweepEvent::Error(SweepError {
                            repository: Some(repository.clone()),
                            image: Some(image.digest.clone()),
                            error,
                            origin,
                        }),
                    };
                    let _ = events.send(event);
                });
            }
            if events.is_closed() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .await;
    if let Err(error) = listing {
        let _ = events.send(SweepEvent::Error(SweepError {
            repository: Some(repository.clone()),
            image: None,
            error,
            origin: settings.origin.clone(),
        }));
    }
    while fetches.join_next().await.is_some() {}
}

/// Whether an image's findings must be read: its scan finished and its counts (when the
/// registry gave them) show something at `min` or above.
pub fn needs_findings(image: &Image, min: Severity) -> bool {
    let Some(scan) = &image.scan else {
        return false;
    };
    if !has_results(&scan.status) {
        return false;
    }
    match &scan.counts {
        // UNTRIAGED counts may not survive DescribeImages' conversion; asking for every
        // severity means asking every scanned image.
        Some(counts) if min != Severity::Undefined => Severity::ALL
            .iter()
            .any(|s| *s <= min && counts.get(*s) > 0),
        _ => true,
    }
}

fn without_findings(repository: &str, image: Image) -> ImageFindings {
    let scan = match &image.scan {
        Some(summary) => ImageScan {
            status: summary.status.clone(),
            counts: summary.counts.clone().unwrap_or_default(),
            counts_reported: summary.counts.is_some(),
            ..ImageScan::default()
        },
        None => ImageScan {
            status: NOT_SCANNED.into(),
            ..ImageScan::default()
        },
    };
    with_scan(repository, image, scan)
}

fn with_scan(repository: &str, image: Image, scan: ImageScan) -> ImageFindings {
    ImageFindings {
        repository: repository.to_string(),
        digest: image.digest,
        tags: image.tags,
        pushed_at: image.pushed_at,
        last_pulled_at: image.last_pulled_at,
        scan,
        origin: None,
    }
}

/// Run a sweep to the end and collect what it found.
pub async fn collect(
    registry: Arc<dyn ScanBackend>,
    scope: Scope,
    settings: SweepSettings,
) -> Collected {
    collect_events(sweep(registry, scope, settings)).await
}

/// Read a sweep's events to the end.
pub async fn collect_events(mut events: mpsc::UnboundedReceiver<SweepEvent>) -> Collected {
    let mut out = Collected::default();
    while let Some(event) = events.recv().await {
        match event {
            SweepEvent::Repositories(names) => {
                out.listed = true;
                out.repositories = names;
            }
            SweepEvent::Image(image) => out.images.push(image),
            SweepEvent::Error(error) => out.errors.push(error),
        }
    }
    // Arrival order depends on timing; reports should not.
    out.images.sort_by(|a, b| {
        (&a.origin, &a.repository, &a.digest).cmp(&(&b.origin, &b.repository, &b.digest))
    });
    out
}

/// Everything a finished sweep read.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// Whether the registry's repositories could be listed (or were named).
    pub listed: bool,
    pub repositories: Vec<String>,
    pub images: Vec<ImageFindings>,
    pub errors: Vec<SweepError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::{ManifestKind, ScanSummary, SeverityCounts};

    fn image(status: &str, counts: Option<Vec<(Severity, u32)>>) -> Image {
        Image {
            digest: "sha256:a".into(),
            tags: vec![],
            pushed_at: None,
            last_pulled_at: None,
            size_bytes: 0,
            manifest_media_type: None,
            kind: ManifestKind::Image,
            scan: Some(ScanSummary {
                status: status.into(),
                counts: counts.map(SeverityCounts),
            }),
            status: Default::default(),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            artifact_type: None,
        }
    }

    #[test]
    fn only_finished_scans_with_relevant_counts_are_read() {
        let lows = image("COMPLETE", Some(vec![(Severity::Low, 4)]));
        assert!(!needs_findings(&lows, Severity::High));
        assert!(needs_findings(&lows, Severity::Low));
        assert!(needs_findings(&lows, Severity::Undefined));
        assert!(needs_findings(&image("ACTIVE", None), Severity::Critical));
        assert!(!needs_findings(&image("FAILED", None), Severity::Low));
        assert!(!needs_findings(&image("IN_PROGRESS", None), Severity::Low));
        let mut never = image("COMPLETE", None);
        never.scan = None;
        assert!(!needs_findings(&never, Severity::Undefined));
    }
}
