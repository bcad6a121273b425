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
use crate::retry::CallLimits;
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

/// The call slots a sweep takes before each call: a bound of its own, or one it shares
/// with the other sweeps of a report (overall, and per member account).
#[derive(Clone, Debug)]
pub struct Slots {
    limits: Arc<CallLimits>,
    account: Option<Arc<Semaphore>>,
}

impl Slots {
    /// `concurrency` calls at once, for this sweep alone.
    pub fn own(concurrency: usize) -> Self {
        Slots {
            limits: Arc::new(CallLimits::new(concurrency, concurrency)),
            account: None,
        }
    }

    /// Calls within `limits`, shared with other sweeps, and within the bound of the
    /// member account `account` when there is one.
    pub fn shared(limits: Arc<CallLimits>, account: Option<&str>) -> Self {
        let account = account.map(|id| limits.account(id));
        Slots { limits, account }
    }

    /// Wait for a slot of every bound (the account's first, as every caller does); the
    /// call may go while the permits live.
    pub async fn acquire(&self) -> Vec<tokio::sync::SemaphorePermit<'_>> {
        let mut permits = Vec::new();
        for semaphore in self.limits.slots(self.account.as_deref()) {
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

#[cfg(test)]
mod bound_tests {
    use super::*;
    use crate::ecr::Registry;
    use crate::ecr::findings::{FindingsPage, ScanRegistry, ScanningConfiguration};
    use crate::ecr::model::{Page, Repository, ScanSummary, SeverityCounts};
    use async_trait::async_trait;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Calls in flight, per account and overall, as the fakes see them.
    #[derive(Default)]
    struct InFlight {
        now: Mutex<HashMap<String, usize>>,
        most: Mutex<HashMap<String, usize>>,
        overall: AtomicUsize,
        most_overall: AtomicUsize,
    }

    impl InFlight {
        async fn call(&self, account: &str) {
            {
                let mut now = self.now.lock().unwrap();
                let n = now.entry(account.to_string()).or_default();
                *n += 1;
                let mut most = self.most.lock().unwrap();
                let m = most.entry(account.to_string()).or_default();
                *m = (*m).max(*n);
            }
            let overall = self.overall.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_overall.fetch_max(overall, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            self.overall.fetch_sub(1, Ordering::SeqCst);
            *self.now.lock().unwrap().get_mut(account).unwrap() -= 1;
        }
    }

    /// A registry of one account: 3 repositories of 6 scanned images, each with a HIGH
    /// finding to read.
    struct Fake {
        account: String,
        calls: Arc<InFlight>,
    }

    #[async_trait]
    impl Registry for Fake {
        async fn account_id(&self) -> Result<String, EcrError> {
            Ok(self.account.clone())
        }
        async fn repositories_page(&self, _: Option<String>) -> Result<Page<Repository>, EcrError> {
            self.calls.call(&self.account).await;
            let items = (0..3)
                .map(|i| Repository {
                    name: format!("team/r{i}"),
                    registry_id: self.account.clone(),
                    uri: String::new(),
                    arn: String::new(),
                    created_at: None,
                    tag_mutability: crate::ecr::model::TagMutability::Mutable,
                    scan_on_push: false,
                    encryption: crate::ecr::model::Encryption::Aes256,
                })
                .collect();
            Ok(Page {
                items,
                next_token: None,
            })
        }
        async fn images_page(&self, _: &str, _: Option<String>) -> Result<Page<Image>, EcrError> {
            self.calls.call(&self.account).await;
            let items = (0..6)
                .map(|i: u64| Image {
                    digest: format!("sha256:{i:064x}"),
                    tags: Vec::new(),
                    pushed_at: None,
                    last_pulled_at: None,
                    size_bytes: 0,
                    manifest_media_type: None,
                    kind: crate::ecr::model::ManifestKind::Image,
                    scan: Some(ScanSummary {
                        status: "COMPLETE".into(),
                        counts: Some(SeverityCounts(vec![(Severity::High, 1)])),
                    }),
                    status: Default::default(),
                    last_archived_at: None,
                    last_activated_at: None,
                    subject_digest: None,
                    artifact_type: None,
                })
                .collect();
            Ok(Page {
                items,
                next_token: None,
            })
        }
    }

    #[async_trait]
    impl ScanRegistry for Fake {
        async fn findings_page(
            &self,
            _: &str,
            _: &ImageRef,
            _: Option<String>,
        ) -> Result<FindingsPage, EcrError> {
            self.calls.call(&self.account).await;
            Ok(FindingsPage::without_findings("COMPLETE"))
        }
        async fn scan_status(
            &self,
            _: &str,
            _: &ImageRef,
        ) -> Result<Option<ScanSummary>, EcrError> {
            unreachable!("a sweep reads no scan status")
        }
        async fn scanning_configuration(&self) -> Result<ScanningConfiguration, EcrError> {
            unreachable!("a sweep reads no scanning configuration")
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sweeps_sharing_limits_keep_to_the_bound_overall_and_per_account() {
        let calls = Arc::new(InFlight::default());
        let limits = Arc::new(CallLimits::new(5, 2));
        // Four accounts, two regions each: eight sweeps at once.
        let mut sweeps = tokio::task::JoinSet::new();
        for account in [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444",
        ] {
            for _region in 0..2 {
                let registry: Arc<dyn ScanBackend> = Arc::new(Fake {
                    account: account.to_string(),
                    calls: calls.clone(),
                });
                let slots = Slots::shared(limits.clone(), Some(account));
                let events = sweep_in(registry, Scope::All, Severity::High, slots, None);
                sweeps.spawn(collect_events(events));
            }
        }
        let mut images = 0;
        while let Some(swept) = sweeps.join_next().await {
            let swept = swept.unwrap();
            assert!(swept.errors.is_empty(), "{:?}", swept.errors);
            images += swept.images.len();
        }
        assert_eq!(images, 8 * 3 * 6, "every image read");
        let most = calls.most.lock().unwrap().clone();
        assert!(most.values().all(|n| *n <= 2), "per account: {most:?}");
        assert!(
            most.values().any(|n| *n == 2),
            "the account bound is reached: {most:?}"
        );
        assert_eq!(calls.most_overall.load(Ordering::SeqCst), 5, "overall");
        assert_eq!(
            limits.overall().available_permits(),
            5,
            "every slot given back"
        );
    }
}
