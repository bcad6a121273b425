//! The survey against in-memory ECS and Lambda: pagination, batch limits, retries, gaps.

use super::*;
use crate::retry::Backoff;
use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const PAGE: usize = 2;

fn page<T: Clone>(items: &[T], next: Option<String>) -> Page<T> {
    let start: usize = next.map_or(0, |n| n.parse().unwrap());
    let end = (start + PAGE).min(items.len());
    Page {
        items: items[start..end].to_vec(),
        next_token: (end < items.len()).then(|| end.to_string()),
    }
}

fn denied(action: &str) -> EcrError {
    EcrError::AccessDenied {
        action: action.into(),
        subject: "env/us-east-1".into(),
        message: String::new(),
    }
}

/// Two clusters; `prod` with 12 services (so DescribeServices needs two batches) and a
/// task per service.
#[derive(Default)]
struct FakeEcs {
    deny_clusters: bool,
    deny_tasks: bool,
    throttle_once: Mutex<HashSet<String>>,
    /// Calls answered ExpiredToken once (the session ended and is renewed).
    expire_once: Mutex<HashSet<String>>,
    /// Every call answered ExpiredToken (a session that cannot be renewed).
    expired: bool,
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl FakeEcs {
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
        if self.expired || self.expire_once.lock().unwrap().remove(&call) {
            return Err(EcrError::CredentialsExpired {
                action: call.clone(),
                subject: call,
            });
        }
        Ok(())
    }

    fn services(cluster: &str) -> Vec<String> {
        let count = if cluster.ends_with("prod") { 12 } else { 1 };
        (0..count).map(|i| format!("{cluster}-svc{i}")).collect()
    }
}

#[async_trait]
impl EcsSource for FakeEcs {
    async fn clusters_page(&self, next: Option<String>) -> Result<Page<String>, EcrError> {
        self.enter(format!("clusters {next:?}")).await?;
        if self.deny_clusters {
            return Err(denied("ecs:ListClusters"));
        }
        let all = [
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod".to_string(),
            "arn:aws:ecs:us-east-1:123456789012:cluster/batch".to_string(),
        ];
        Ok(page(&all, next))
    }

    async fn services_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        self.enter(format!("services {} {next:?}", arn_name(cluster)))
            .await?;
        Ok(page(&FakeEcs::services(arn_name(cluster)), next))
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, EcrError> {
        assert!(services.len() <= ecs::DESCRIBE_SERVICES_BATCH);
        self.enter(format!("describe-services {}", services.join(",")))
            .await?;
        let _ = cluster;
        Ok(services
            .iter()
            .map(|name| EcsService {
                name: name.clone(),
                // Every service of a cluster shares one definition.
                task_definitions: vec![format!("td-{}", name.split('-').next().unwrap())],
            })
            .collect())
    }

    async fn task_definition_images(&self, definition: &str) -> Result<Vec<String>, EcrError> {
        self.enter(format!("definition {definition}")).await?;
        let repository = definition.trim_start_matches("td-");
        Ok(vec![
            format!("{HOST}/{repository}:live"),
            "public.ecr.aws/aws-observability/aws-otel-collector:latest".to_string(),
        ])
    }

    async fn tasks_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        self.enter(format!("tasks {} {next:?}", arn_name(cluster)))
            .await?;
        if self.deny_tasks {
            return Err(denied("ecs:ListTasks"));
        }
        let tasks: Vec<String> = FakeEcs::services(arn_name(cluster))
            .iter()
            .map(|s| format!("arn:aws:ecs:us-east-1:123456789012:task/{s}-task"))
            .collect();
        Ok(page(&tasks, next))
    }

    async fn describe_tasks(
        &self,
        cluster: &str,
        tasks: &[String],
    ) -> Result<Vec<EcsTask>, EcrError> {
        assert!(tasks.len() <= ecs::DESCRIBE_TASKS_BATCH);
        self.enter(format!("describe-tasks {}", arn_name(cluster)))
            .await?;
        Ok(tasks
            .iter()
            .map(|arn| {
                let id = arn_name(arn).to_string();
                let service = id.trim_end_matches("-task").to_string();
                EcsTask {
                    containers: vec![ContainerImage {
                        image: format!("{HOST}/{}:live", arn_name(cluster)),
                        digest: Some(format!("sha256:{}", "a".repeat(64))),
                    }],
                    id,
                    service: Some(service),
                }
            })
            .collect())
    }
}

#[derive(Default)]
struct FakeLambda {
    deny: bool,
}

#[async_trait]
impl LambdaSource for FakeLambda {
    async fn image_functions_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<FunctionVersion>, EcrError> {
        if self.deny {
            return Err(denied("lambda:ListFunctions"));
        }
        let all: Vec<FunctionVersion> =
            [("thumbs", "$LATEST"), ("thumbs", "3"), ("gone", "$LATEST")]
                .iter()
                .map(|(name, version)| FunctionVersion {
                    name: name.to_string(),
                    version: version.to_string(),
                })
                .collect();
        Ok(page(&all, next))
    }

    async fn function_image(&self, function: &FunctionVersion) -> Result<FunctionImage, EcrError> {
        if function.name == "gone" {
            return Err(EcrError::NotFound {
                action: "lambda:GetFunction".into(),
                subject: "gone".into(),
                message: String::new(),
            });
        }
        let digest = format!("sha256:{}", "b".repeat(64));
        Ok(FunctionImage {
            image_uri: Some(format!("{HOST}/prod:v{}", function.version.len())),
            resolved_image_uri: Some(format!("{HOST}/prod@{digest}")),
        })
    }
}

fn limits(concurrency: usize) -> Limits {
    Limits {
        concurrency,
        backoff: Backoff {
            max_attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        },
    }
}

#[tokio::test]
async fn every_page_and_batch_is_read_within_the_concurrency() {
    let ecs = Arc::new(FakeEcs::default());
    ecs.throttle_once
        .lock()
        .unwrap()
        .insert("services prod Some(\"2\")".into());
    let report = survey(
        Some(ecs.clone() as Arc<dyn EcsSource>),
        Some(Arc::new(FakeLambda::default()) as Arc<dyn LambdaSource>),
        limits(3),
    )
    .await;
    assert!(report.gaps.is_empty(), "{:?}", report.gaps);
    let calls = ecs.calls.lock().unwrap().clone();
    let count = |prefix: &str| calls.iter().filter(|c| c.starts_with(prefix)).count();
    // 12 services in pages of 2, plus the throttled page asked again; 1 in batch.
    assert_eq!(count("services prod"), 6 + 1);
    assert_eq!(count("describe-services"), 2 + 1);
    // Two distinct task definitions, each described once.
    assert_eq!(count("definition"), 2);
    assert!(ecs.most_in_flight.load(Ordering::SeqCst) <= 3);

    let services = report
        .references
        .iter()
        .filter(|r| r.workload.kind == UserKind::EcsService)
        .count();
    // 13 services × 2 containers (one not in ECR, left for the resolver to drop).
    assert_eq!(services, 26);
    let tasks = report
        .references
        .iter()
        .filter(|r| r.workload.kind == UserKind::EcsTask)
        .count();
    assert_eq!(tasks, 13);

    let map = UsageMap::build(report, "123456789012", "us-east-1");
    assert_eq!(map.foreign_references, 13);
    let live = vec!["live".to_string()];
    let users = map.users("prod", "sha256:other", &live);
    assert_eq!(users.len(), 12, "the services of prod, by tag");
    assert_eq!(UsageCounts::of(&users).ecs, 12);
    let running = map.users("prod", &format!("sha256:{}", "a".repeat(64)), &[]);
    assert_eq!(running.len(), 12, "prod's tasks, by digest");
    let lambda = map.users("prod", &format!("sha256:{}", "b".repeat(64)), &[]);
    assert_eq!(lambda.len(), 1, "two versions of one function are one user");
    assert_eq!(lambda[0].by, MatchedBy::Digest);
}

#[tokio::test]
async fn missing_permissions_become_gaps_naming_the_action() {
    let ecs = Arc::new(FakeEcs {
        deny_clusters: true,
        ..FakeEcs::default()
    });
    let report = survey(
        Some(ecs as Arc<dyn EcsSource>),
        Some(Arc::new(FakeLambda::default()) as Arc<dyn LambdaSource>),
        limits(2),
    )
    .await;
    assert_eq!(report.gaps.len(), 1);
    assert_eq!(
        report.gaps[0].summary(),
        "in-use unknown (missing ecs:ListClusters)"
    );
    // Lambda was still read.
    assert_eq!(report.references.len(), 2);

    let ecs = Arc::new(FakeEcs {
        deny_tasks: true,
        ..FakeEcs::default()
    });
    let report = survey(
        Some(ecs as Arc<dyn EcsSource>),
        Some(Arc::new(FakeLambda { deny: true }) as Arc<dyn LambdaSource>),
        limits(2),
    )
    .await;
    let summaries: Vec<String> = report.gaps.iter().map(Gap::summary).collect();
    assert_eq!(
        summaries,
        [
            "in-use unknown (missing ecs:ListTasks)",
            "in-use unknown (missing lambda:ListFunctions)"
        ],
        "one gap per action, however many clusters failed"
    );
    // Services were still read.
    assert!(
        report
            .references
            .iter()
            .any(|r| r.workload.kind == UserKind::EcsService)
    );
    let map = UsageMap::build(report, "123456789012", "us-east-1");
    assert!(!map.is_complete());
}

#[tokio::test]
async fn a_call_whose_session_ended_is_tried_once_more_and_no_more() {
    // The session ends under the survey: the call is asked again (by then the account's
    // credentials were renewed) and the survey is complete.
    let ecs = Arc::new(FakeEcs::default());
    ecs.expire_once
        .lock()
        .unwrap()
        .insert("clusters None".into());
    let report = survey(
        Some(ecs.clone() as Arc<dyn EcsSource>),
        Some(Arc::new(FakeLambda::default()) as Arc<dyn LambdaSource>),
        limits(2),
    )
    .await;
    assert!(report.gaps.is_empty(), "{:?}", report.gaps);
    let calls = ecs.calls.lock().unwrap().clone();
    assert_eq!(calls.iter().filter(|c| *c == "clusters None").count(), 2);

    // Credentials that stay expired: one more attempt, not the whole budget, then a gap.
    let ecs = Arc::new(FakeEcs {
        expired: true,
        ..FakeEcs::default()
    });
    let report = survey(
        Some(ecs.clone() as Arc<dyn EcsSource>),
        Some(Arc::new(FakeLambda::default()) as Arc<dyn LambdaSource>),
        limits(2),
    )
    .await;
    assert_eq!(report.gaps.len(), 1, "{:?}", report.gaps);
    let calls = ecs.calls.lock().unwrap().clone();
    assert_eq!(calls, ["clusters None", "clusters None"]);
}

#[test]
fn another_accounts_pull_from_a_registry_is_a_use_naming_that_account() {
    use crate::ecr::model::{CredentialSource, MemberAccount, RegistryTarget};
    let member = |id: &str, name: &str| {
        RegistryTarget::new(
            CredentialSource::Member(MemberAccount {
                id: id.into(),
                name: name.into(),
                role: "OrganizationAccountAccessRole".into(),
                via: None,
            }),
            "us-east-1",
        )
    };
    let (shared, prod, denied_account) = (
        member("314159265358", "platform-shared"),
        member("271828182845", "payments-prod"),
        member("141421356237", "sandbox-denied"),
    );
    let workload = Workload {
        kind: UserKind::EcsService,
        name: "gateway".into(),
        cluster: Some("payments".into()),
        service: None,
        account: None,
    };
    let digest = format!("sha256:{}", "a".repeat(64));
    let pull = |account: &str| Reference {
        workload: workload.clone(),
        image: format!("{account}.dkr.ecr.us-east-1.amazonaws.com/shared/envoy@{digest}"),
        running_digest: None,
    };
    let surveys = vec![
        (shared.clone(), Arc::new(UsageReport::default())),
        (
            prod,
            Arc::new(UsageReport {
                references: vec![pull("314159265358"), pull("271828182845")],
                gaps: Vec::new(),
            }),
        ),
        (
            denied_account,
            Arc::new(UsageReport {
                references: Vec::new(),
                gaps: vec![Gap::new(Source::Ecs, &denied("sts:AssumeRole"))],
            }),
        ),
    ];
    let map = combine_surveys(&shared, &surveys, "314159265358");
    // The pull into the shared registry counts; the one into prod's own does not.
    let images = [(digest.as_str(), &[][..])];
    assert_eq!(map.in_use_count("shared/envoy", images), 1);
    assert_eq!(
        map.using_accounts("shared/envoy", images),
        ["payments-prod (271828182845)"]
    );
    // The account that could not be read is a note; the registry's own survey is whole.
    assert!(map.is_complete());
    assert_eq!(map.notes.len(), 1);
    assert!(
        map.notes[0].contains("sandbox-denied (141421356237)"),
        "{:?}",
        map.notes
    );
}

#[test]
fn one_refusal_that_failed_both_surveys_is_one_note() {
    let refused = denied("sts:AssumeRole");
    let report = UsageReport {
        references: Vec::new(),
        gaps: vec![
            Gap::new(Source::Ecs, &refused),
            Gap::new(Source::Lambda, &refused),
            Gap::new(Source::Lambda, &denied("lambda:ListFunctions")),
        ],
    };
    let map = UsageMap::build(report, "123456789012", "us-east-1");
    assert_eq!(
        map.gap_summaries(),
        [
            "in-use unknown (missing sts:AssumeRole)",
            "in-use unknown (missing lambda:ListFunctions)"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn surveys_of_one_account_share_its_bound() {
    // Two regions of one account surveyed at once, as an organization's audit does: the
    // account's bound holds across both, well below the overall one.
    let ecs = Arc::new(FakeEcs::default());
    let limits = Arc::new(crate::retry::CallLimits::new(8, 2));
    let shared = SharedLimits {
        account: Some(limits.account("111122223333")),
        limits: limits.clone(),
        backoff: Backoff::THROTTLING,
    };
    let surveys = (0..2).map(|_| {
        let ecs = ecs.clone() as Arc<dyn EcsSource>;
        tokio::spawn(survey_sharing(Some(ecs), None, shared.clone()))
    });
    for survey in surveys.collect::<Vec<_>>() {
        let report = survey.await.unwrap();
        assert!(report.gaps.is_empty(), "{:?}", report.gaps);
    }
    assert_eq!(ecs.most_in_flight.load(Ordering::SeqCst), 2);
    assert_eq!(
        limits.overall().available_permits(),
        8,
        "every slot given back"
    );
}
