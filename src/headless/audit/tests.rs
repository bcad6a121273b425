//! The audit against an in-memory registry: the sweep's pagination, concurrency,
//! retries and failures (`crate::figures`), seen through the report they make.

use super::report::{Report, SortKey};
use super::*;
use crate::ecr::EcrError;
use crate::ecr::manifests::ManifestAnswer;
use crate::ecr::model::{
    CredentialSource, Encryption, Image, ManifestKind, Page, Repository, TagMutability,
};
use crate::figures::progress::Progress;
use crate::figures::source::SweepSource;
use crate::figures::sweep::{Connect, LifecycleFigures, UsageLookup, collect};
use crate::figures::{RegistryResult, RepositoryRow};
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const NOW: &str = "2026-06-01T00:00:00Z";
const KEEP_TWO: &str = r#"{"rules":[{"rulePriority":1,"description":"keep two",
  "selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},
  "action":{"type":"expire"}}]}"#;

/// The manifest of image `i`: its own config and layer, and one base layer every image
/// shares. Sizes: config 10, base 1,000, own layer 100 + i.
fn manifest_of(i: u64) -> String {
    let blob = |kind: &str, n: u64, size: u64| {
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.{kind}","digest":"sha256:{n:064x}","size":{size}}}"#
        )
    };
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[{},{}]}}"#,
        blob("config.v1+json", 0xc000 + i, 10),
        blob("layer.v1.tar+gzip", 0xba5e, 1_000),
        blob("layer.v1.tar+gzip", 0x1000 + i, 100 + i),
    )
}

pub(super) fn image(i: u64, tagged: bool) -> Image {
    Image {
        digest: crate::storage::Digest::of(manifest_of(i).as_bytes()).to_string(),
        tags: if tagged {
            vec![format!("v{i}")]
        } else {
            vec![]
        },
        pushed_at: Some(Timestamp::from_second(1_700_000_000 + i as i64 * 86_400).unwrap()),
        last_pulled_at: None,
        size_bytes: 100 + i,
        manifest_media_type: None,
        kind: ManifestKind::Image,
        scan: None,
        status: Default::default(),
        last_archived_at: None,
        last_activated_at: None,
        subject_digest: None,
        artifact_type: None,
    }
}

/// A registry with small pages, so every sweep paginates.
#[derive(Default)]
struct Fake {
    repositories: Vec<(String, Vec<Image>)>,
    policies: HashMap<String, String>,
    denied_images: HashSet<String>,
    denied_manifests: HashSet<String>,
    /// Every digest BatchGetImage was asked for.
    asked_manifests: Mutex<Vec<String>>,
    deny_listing: bool,
    /// Calls that answer ThrottlingException the first time they are made.
    throttle_once: Mutex<HashSet<String>>,
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

const REPOSITORY_PAGE: usize = 2;
const IMAGE_PAGE: usize = 3;

impl Fake {
    async fn enter(&self, call: String) -> Result<(), EcrError> {
        self.calls.lock().unwrap().push(call.clone());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.throttle_once.lock().unwrap().remove(&call) {
            return Err(EcrError::Throttled {
                action: call.clone(),
                subject: call,
            });
        }
        Ok(())
    }

    fn denied(action: &str, subject: &str) -> EcrError {
        EcrError::AccessDenied {
            action: action.into(),
            subject: subject.into(),
            message: String::new(),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

/// Repository `name` of the registry of account `registry_id`.
pub(super) fn repository(name: &str, registry_id: &str) -> Repository {
    Repository {
        name: name.to_string(),
        registry_id: registry_id.to_string(),
        uri: String::new(),
        arn: String::new(),
        created_at: None,
        tag_mutability: TagMutability::Mutable,
        scan_on_push: false,
        encryption: Encryption::Aes256,
    }
}

fn page<T: Clone>(items: &[T], next: Option<String>, size: usize) -> Page<T> {
    let start: usize = next.map_or(0, |n| n.parse().unwrap());
    let end = (start + size).min(items.len());
    Page {
        items: items[start..end].to_vec(),
        next_token: (end < items.len()).then(|| end.to_string()),
    }
}

#[async_trait]
impl SweepSource for Fake {
    async fn account_id(&self) -> Result<String, EcrError> {
        self.enter("account".into()).await?;
        Ok("210987654321".into())
    }

    async fn repositories_page(&self, next: Option<String>) -> Result<Page<Repository>, EcrError> {
        self.enter(format!("repos {next:?}")).await?;
        if self.deny_listing {
            return Err(Fake::denied("ecr:DescribeRepositories", "registry"));
        }
        let all: Vec<Repository> = self
            .repositories
            .iter()
            .map(|(name, _)| repository(name, "123456789012"))
            .collect();
        Ok(page(&all, next, REPOSITORY_PAGE))
    }

    async fn images_page(
        &self,
        repository: &str,
        next: Option<String>,
    ) -> Result<Page<Image>, EcrError> {
        self.enter(format!("images {repository} {next:?}")).await?;
        if self.denied_images.contains(repository) {
            return Err(Fake::denied("ecr:DescribeImages", repository));
        }
        let (_, images) = self
            .repositories
            .iter()
            .find(|(name, _)| name == repository)
            .unwrap();
        Ok(page(images, next, IMAGE_PAGE))
    }

    async fn lifecycle_policy(&self, repository: &str) -> Result<Option<String>, EcrError> {
        self.enter(format!("policy {repository}")).await?;
        Ok(self.policies.get(repository).cloned())
    }
}

#[async_trait]
impl crate::storage::ManifestSource for Fake {
    async fn manifests(
        &self,
        repository: &str,
        digests: &[String],
    ) -> Result<Vec<(String, ManifestAnswer)>, EcrError> {
        self.enter(format!("manifests {repository} {}", digests.len()))
            .await?;
        if self.denied_manifests.contains(repository) {
            return Err(Fake::denied("ecr:BatchGetImage", repository));
        }
        self.asked_manifests
            .lock()
            .unwrap()
            .extend(digests.iter().cloned());
        Ok(digests
            .iter()
            .map(|digest| {
                let found = (0..100).map(manifest_of).find(|manifest| {
                    crate::storage::Digest::of(manifest.as_bytes()).to_string() == *digest
                });
                let answer = match found {
                    Some(manifest) => ManifestAnswer::Found {
                        manifest,
                        media_type: None,
                    },
                    None => ManifestAnswer::Gone,
                };
                (digest.clone(), answer)
            })
            .collect())
    }
}

fn fake() -> Fake {
    let mut fake = Fake::default();
    for (r, count) in [
        ("web/api", 7u64),
        ("web/admin", 3),
        ("data/etl", 1),
        ("empty", 0),
    ] {
        let images = (0..count).map(|i| image(i, i % 2 == 0)).collect();
        fake.repositories.push((r.to_string(), images));
    }
    fake.policies.insert("web/api".into(), KEEP_TWO.into());
    fake
}

fn settings(concurrency: usize) -> Settings {
    Settings {
        now: NOW.parse().unwrap(),
        stale_days: 90,
        repo_prefix: None,
        limits: Arc::new(crate::retry::CallLimits::new(concurrency, concurrency)),
        backoff: crate::retry::Backoff {
            max_attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        },
        storage: None,
    }
}

fn connect_to(fakes: Vec<Arc<Fake>>) -> Connect {
    Arc::new(move |target: RegistryTarget| {
        let index = if target.region == "us-east-1" { 0 } else { 1 };
        let fake = fakes[index].clone();
        Box::pin(async move { Ok(fake as Arc<dyn SweepSource>) })
    })
}

fn target(region: &str) -> RegistryTarget {
    RegistryTarget::new(CredentialSource::Environment, region)
}

async fn sweep(fakes: Vec<Arc<Fake>>, regions: &[&str], settings: Settings) -> Report {
    let targets = regions.iter().map(|r| target(r)).collect();
    let now = settings.now;
    let results = collect(
        targets,
        connect_to(fakes),
        settings,
        Arc::new(Progress::default()),
    )
    .await;
    Report::build(now, 90, results, SortKey::Name, None)
}

#[tokio::test]
async fn every_page_is_asked_for_once_and_figures_add_up() {
    let fake = Arc::new(fake());
    let report = sweep(vec![fake.clone()], &["us-east-1"], settings(3)).await;
    assert!(report.complete, "{:?}", report.errors);

    let calls = fake.calls();
    let unique: HashSet<&String> = calls.iter().collect();
    assert_eq!(unique.len(), calls.len(), "a call was repeated: {calls:?}");
    // 4 repositories in pages of 2; images in pages of 3: 7 → 3 pages, 3 → 1, 1 → 1, 0 → 1.
    let count = |prefix: &str| calls.iter().filter(|c| c.starts_with(prefix)).count();
    assert_eq!(count("repos "), 2);
    assert_eq!(count("images "), 6);
    assert_eq!(count("policy "), 4);
    assert_eq!(count("account"), 0, "the listing already named the account");

    let api = &report
        .repositories
        .iter()
        .find(|r| r.repository == "web/api")
        .unwrap();
    assert_eq!(api.images, 7);
    assert_eq!(api.bytes, (0..7).map(|i| 100 + i).sum::<u64>());
    assert_eq!(api.untagged_images, 3);
    assert_eq!(api.lifecycle_policy, Some(true));
    // keep the two newest (i = 6, 5): expire i = 0..=4
    assert_eq!(api.lifecycle_expired_images, Some(5));
    assert_eq!(
        api.lifecycle_reclaimable_bytes,
        Some(100 + 101 + 102 + 103 + 104)
    );
    let admin = &report
        .repositories
        .iter()
        .find(|r| r.repository == "web/admin")
        .unwrap();
    assert_eq!(
        (admin.lifecycle_policy, admin.lifecycle_reclaimable_bytes),
        (Some(false), Some(0))
    );
    assert_eq!(report.totals.totals.images, 11);
    assert_eq!(report.totals.totals.repositories, 4);
    assert_eq!(
        report.registries[0].account.as_deref(),
        Some("123456789012")
    );
}

#[tokio::test]
async fn calls_in_flight_never_exceed_the_concurrency() {
    let mut many = Fake::default();
    for r in 0..20 {
        many.repositories
            .push((format!("r{r}"), (0..7).map(|i| image(i, true)).collect()));
    }
    let many = Arc::new(many);
    sweep(vec![many.clone()], &["us-east-1"], settings(4)).await;
    let most = many.most_in_flight.load(Ordering::SeqCst);
    assert!(most <= 4, "{most} calls in flight");
    assert!(most >= 2, "the sweep did not run calls concurrently");
}

#[tokio::test]
async fn throttled_calls_are_retried_and_the_report_is_complete() {
    let fake = fake();
    fake.throttle_once.lock().unwrap().extend([
        "repos None".to_string(),
        "images web/api Some(\"3\")".to_string(),
        "policy web/api".to_string(),
    ]);
    let fake = Arc::new(fake);
    let report = sweep(vec![fake.clone()], &["us-east-1"], settings(2)).await;
    assert!(report.complete, "{:?}", report.errors);
    assert_eq!(report.totals.totals.images, 11);
    // Three retried calls, nothing else repeated.
    assert_eq!(fake.calls().len(), 2 + 6 + 4 + 3);
}

#[tokio::test]
async fn a_failing_repository_or_registry_leaves_the_rest_intact() {
    let mut us = fake();
    us.denied_images.insert("web/admin".into());
    let eu = Fake {
        deny_listing: true,
        ..Fake::default()
    };
    let report = sweep(
        vec![Arc::new(us), Arc::new(eu)],
        &["us-east-1", "eu-west-1"],
        settings(8),
    )
    .await;
    let names: Vec<&str> = report
        .repositories
        .iter()
        .map(|r| r.repository.as_str())
        .collect();
    assert_eq!(names, ["data/etl", "empty", "web/api"]);
    let errors: Vec<(String, Option<String>, String)> = report
        .errors
        .iter()
        .map(|e| (e.registry.clone(), e.repository.clone(), e.code.clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "env/us-east-1".into(),
                Some("web/admin".into()),
                "AccessDenied".into()
            ),
            ("env/eu-west-1".into(), None, "AccessDenied".into()),
        ]
    );
    assert!(!report.registries[1].complete);
    assert_eq!(report.outcome().exit_code(), 3);
}

#[tokio::test]
async fn an_empty_registry_still_names_its_account_and_prefix_filters() {
    let empty = Arc::new(Fake::default());
    let report = sweep(vec![empty.clone()], &["us-east-1"], settings(2)).await;
    assert_eq!(
        report.registries[0].account.as_deref(),
        Some("210987654321")
    );
    assert!(report.complete);

    let fake = Arc::new(fake());
    let mut only_web = settings(2);
    only_web.repo_prefix = Some("web/".into());
    let report = sweep(vec![fake.clone()], &["us-east-1"], only_web).await;
    assert_eq!(report.repositories.len(), 2);
    assert!(!fake.calls().iter().any(|c| c.contains("data/etl")));
}

#[test]
fn lifecycle_figures_distinguish_none_unknown_and_unreadable() {
    let now: Timestamp = NOW.parse().unwrap();
    let images: Vec<Image> = (0..4).map(|i| image(i, true)).collect();
    assert_eq!(
        LifecycleFigures::of(None, &images, now),
        LifecycleFigures::default()
    );
    assert_eq!(
        LifecycleFigures::of(Some(None), &images, now).policy,
        Some(false)
    );
    let bad = LifecycleFigures::of(Some(Some("{}".into())), &images, now);
    assert_eq!(bad.policy, Some(true));
    assert_eq!(bad.reclaimable_bytes, None);
    assert!(bad.note.unwrap().contains("cannot evaluate"));
}

#[test]
fn without_profile_flags_only_the_current_credentials_are_audited() {
    let env = AwsEnvironment {
        profile: None,
        region: Some("us-east-1".into()),
        config_file: Some("[profile other]\nregion = eu-west-1\n".into()),
        credentials_file: None,
    };
    let labels = |t: Vec<RegistryTarget>| t.iter().map(RegistryTarget::label).collect::<Vec<_>>();
    assert_eq!(
        labels(audit_targets(&env, &[], &[], false)),
        ["env/us-east-1"]
    );
    assert_eq!(
        labels(audit_targets(
            &env,
            &["other".into()],
            &["eu-west-1".into()],
            false
        )),
        ["other/eu-west-1"]
    );
    let all = audit_targets(&env, &[], &[], true);
    assert_eq!(all.len(), regions::ALL_REGIONS.len());
}

fn sample_row(region: &str, name: &str, bytes: u64) -> RepositoryRow {
    RepositoryRow {
        profile: "production-readonly".into(),
        account: format!("1234567890{}", region.len()),
        account_name: None,
        region: region.into(),
        repository: name.into(),
        images: 12_345,
        bytes,
        untagged_images: 1_234,
        untagged_bytes: bytes / 3,
        stale_images: 2_345,
        stale_bytes: bytes / 2,
        oldest_push: Some("2024-01-01T00:00:00Z".parse().unwrap()),
        newest_push: Some("2026-11-01T00:00:00Z".parse().unwrap()),
        lifecycle_policy: Some(true),
        lifecycle_expired_images: Some(10),
        lifecycle_reclaimable_bytes: Some(bytes / 4),
        stored_bytes: Some(bytes / 5),
        stored_bytes_exact: Some(true),
        archived_images: 0,
        archived_bytes: 0,
        referrers: 0,
        signed_images: 0,
        unsigned_images: 0,
        orphaned_referrers: 0,
        monthly_cost_usd: Some((bytes / 5) as f64 / (1u64 << 30) as f64 * 0.10),
        lifecycle_freed_bytes: Some(bytes / 8),
        lifecycle_note: Some("a note, with \"quotes\"".into()),
        storage_note: None,
        in_use: Some(3),
        in_use_by_accounts: Vec::new(),
    }
}

/// A report with long names and big numbers, for the output tests.
pub(super) fn sample_report(regions: &[&str]) -> Report {
    let results = regions
        .iter()
        .map(|region| RegistryResult {
            cross_repository_bytes: Some(crate::storage::Figure::exact(1 << 30)),
            target: RegistryTarget::new(
                CredentialSource::Profile("production-readonly".into()),
                *region,
            ),
            account: Some(format!("1234567890{}", region.len())),
            rows: vec![
                sample_row(
                    region,
                    "payments/settlement-reconciliation-worker",
                    987_654_321_000,
                ),
                sample_row(region, "web/api", 1_234_567),
            ],
            errors: Vec::new(),
            listed: true,
            usage_gaps: Vec::new(),
        })
        .collect();
    Report::build(
        "2026-11-25T12:00:00Z".parse().unwrap(),
        90,
        results,
        SortKey::Size,
        None,
    )
}

/// A usage lookup answering `references` (and `gaps`) for every registry.
fn usage_of(references: Vec<crate::usage::Reference>, gaps: Vec<crate::usage::Gap>) -> UsageLookup {
    Arc::new(move |target: RegistryTarget, account: String| {
        let report = crate::usage::UsageReport {
            references: references.clone(),
            gaps: gaps.clone(),
        };
        Box::pin(async move { crate::usage::UsageMap::build(report, &account, &target.region) })
    })
}

#[tokio::test]
async fn in_use_counts_images_per_repository_and_is_unknown_while_the_lookup_has_gaps() {
    let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let reference = |name: &str, image: String| crate::usage::Reference {
        workload: crate::usage::Workload {
            kind: crate::usage::UserKind::Lambda,
            name: name.into(),
            cluster: None,
            service: None,
            account: None,
        },
        image,
        running_digest: None,
    };
    // web/api: v0 by tag and image 1 by digest; web/admin: v2 by tag.
    let references = vec![
        reference("a", format!("{host}/web/api:v0")),
        reference("b", format!("{host}/web/api@{}", image(1, false).digest)),
        reference("c", format!("{host}/web/admin:v2")),
        reference("d", format!("{host}/web/admin:no-such-tag")),
    ];
    let run = |gaps| {
        let references = references.clone();
        async move {
            let results = crate::figures::sweep::collect_with_usage(
                vec![target("us-east-1")],
                connect_to(vec![Arc::new(fake())]),
                settings(4),
                Arc::new(Progress::default()),
                Some(usage_of(references, gaps)),
            )
            .await;
            Report::build(NOW.parse().unwrap(), 90, results, SortKey::Name, None)
        }
    };
    let report = run(Vec::new()).await;
    let in_use = |report: &Report, name: &str| {
        report
            .repositories
            .iter()
            .find(|r| r.repository == name)
            .unwrap()
            .in_use
    };
    assert_eq!(in_use(&report, "web/api"), Some(2));
    assert_eq!(in_use(&report, "web/admin"), Some(1));
    assert_eq!(in_use(&report, "data/etl"), Some(0));
    assert_eq!(report.totals.totals.in_use_images, 3);
    assert!(report.complete);

    let gap = crate::usage::Gap {
        source: crate::usage::Source::Ecs,
        action: "ecs:ListClusters".into(),
        code: "AccessDenied".into(),
        error: String::new(),
    };
    let report = run(vec![gap]).await;
    assert_eq!(in_use(&report, "web/api"), None);
    assert_eq!(
        report.registries[0].in_use_unknown,
        ["in-use unknown (missing ecs:ListClusters)"]
    );
    // The in-use lookup never makes the ECR report partial.
    assert!(report.complete);
}

/// Storage figures: on, with the manifest cache in `dir`.
fn with_storage(mut settings: Settings, dir: &std::path::Path) -> Settings {
    settings.storage = Some(StorageSettings {
        cache: Some(ManifestCache::new(dir, ManifestCache::DEFAULT_MAX_BYTES)),
        prices: crate::storage::StoragePrices::default(),
    });
    settings
}

#[tokio::test]
async fn stored_bytes_count_each_blob_once_and_a_second_sweep_reads_only_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let fake = Arc::new(fake());
    let report = sweep(
        vec![fake.clone()],
        &["us-east-1"],
        with_storage(settings(3), cache.path()),
    )
    .await;
    assert!(report.complete, "{:?}", report.errors);
    let row = |name: &str| {
        report
            .repositories
            .iter()
            .find(|r| r.repository == name)
            .unwrap()
            .clone()
    };
    // web/api: seven configs of 10, the base once, own layers 100..=106.
    let api = row("web/api");
    assert_eq!(
        api.stored_bytes,
        Some(7 * 10 + 1_000 + (100..=106).sum::<u64>())
    );
    assert_eq!(api.stored_bytes_exact, Some(true));
    // keep-two expires images 0..=4: their configs and own layers, never the base.
    assert_eq!(
        api.lifecycle_freed_bytes,
        Some(5 * 10 + (100..=104).sum::<u64>())
    );
    assert_eq!(row("empty").stored_bytes, Some(0));
    let cost = api.monthly_cost_usd.unwrap();
    // To the millionth of a dollar.
    let expected =
        (api.stored_bytes.unwrap() as f64 / (1u64 << 30) as f64 * 0.10 * 1e6).round() / 1e6;
    assert!((cost - expected).abs() < 1e-12, "{cost} vs {expected}");
    // Images 0..=2 are in web/api and web/admin, image 0 in data/etl too: the base, three
    // configs and three own layers are stored more than once.
    assert_eq!(
        report.registries[0].cross_repository_bytes,
        Some(1_000 + 3 * 10 + 100 + 101 + 102)
    );
    assert_eq!(
        report.registries[0].cross_repository_bytes_exact,
        Some(true)
    );
    let manifest_calls = |fake: &Fake| {
        fake.calls()
            .iter()
            .filter(|c| c.starts_with("manifests "))
            .count()
    };
    assert_eq!(
        manifest_calls(&fake),
        3,
        "one call per repository with images"
    );

    let again = Arc::new(self::fake());
    let second = sweep(
        vec![again.clone()],
        &["us-east-1"],
        with_storage(settings(3), cache.path()),
    )
    .await;
    assert_eq!(manifest_calls(&again), 0, "{:?}", again.calls());
    assert_eq!(
        second.totals.totals.stored_bytes,
        report.totals.totals.stored_bytes
    );
}

#[tokio::test]
async fn unreadable_manifests_make_stored_bytes_a_labelled_lower_bound() {
    let cache = tempfile::tempdir().unwrap();
    let mut fake = fake();
    fake.denied_manifests.insert("web/admin".into());
    let report = sweep(
        vec![Arc::new(fake)],
        &["us-east-1"],
        with_storage(settings(3), cache.path()),
    )
    .await;
    let admin = report
        .repositories
        .iter()
        .find(|r| r.repository == "web/admin")
        .unwrap();
    assert_eq!(admin.stored_bytes, Some(0));
    assert_eq!(admin.stored_bytes_exact, Some(false));
    let note = admin.storage_note.as_deref().unwrap();
    assert!(note.contains("3 manifests could not be read"), "{note}");
    assert!(note.contains("ecr:BatchGetImage"), "{note}");
    assert_eq!(report.totals.totals.stored_bytes_exact, Some(false));
    assert_eq!(
        report.registries[0].cross_repository_bytes_exact,
        Some(false)
    );
    // The other repositories are whole.
    let api = report
        .repositories
        .iter()
        .find(|r| r.repository == "web/api")
        .unwrap();
    assert_eq!(api.stored_bytes_exact, Some(true));
}

#[tokio::test]
async fn archived_images_are_counted_apart_and_their_manifests_never_asked_for() {
    let cache = tempfile::tempdir().unwrap();
    let mut fake = fake();
    // web/api's newest image (6) is archived: it cannot be pulled, manifest included.
    let archived = image(6, true).digest;
    for (name, images) in &mut fake.repositories {
        if name == "web/api" {
            images[6].status = crate::ecr::model::ImageStatus::Archived;
        }
    }
    let fake = Arc::new(fake);
    let report = sweep(
        vec![fake.clone()],
        &["us-east-1"],
        with_storage(settings(3), cache.path()),
    )
    .await;
    let api = report
        .repositories
        .iter()
        .find(|r| r.repository == "web/api")
        .unwrap();
    assert_eq!(
        api.images, 7,
        "archived images are images of the repository"
    );
    assert_eq!((api.archived_images, api.archived_bytes), (1, 106));
    // Images 0..=5 only: six configs, the base, own layers 100..=105.
    assert_eq!(
        api.stored_bytes,
        Some(6 * 10 + 1_000 + (100..=105).sum::<u64>())
    );
    assert_eq!(api.stored_bytes_exact, Some(true));
    assert_eq!(report.totals.totals.archived_images, 1);
    let asked = fake.asked_manifests.lock().unwrap().clone();
    assert!(!asked.is_empty());
    assert!(!asked.contains(&archived), "{asked:?}");
}
