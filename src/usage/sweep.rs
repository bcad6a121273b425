//! Walking ECS and Lambda with the same rules as the ECR sweeps: every page followed, a
//! bounded number of calls in flight, throttling retried with full-jitter backoff, and a
//! failure recorded as a gap while the rest of the survey goes on.

use super::{
    EcsService, EcsSource, FunctionVersion, Gap, LambdaSource, Reference, Source, UsageReport,
    UserKind, Workload, arn_name, ecs,
};
use crate::ecr::EcrError;
use crate::ecr::model::Page;
use crate::ecr::pager::all_pages;
use crate::retry::{Backoff, CallLimits, retry_in_slots, retryable_at};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How hard a survey may press the services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Calls in flight at once, ECS and Lambda together.
    pub concurrency: usize,
    /// Retry budget for throttled and transiently failed calls.
    pub backoff: Backoff,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 8,
            backoff: Backoff::THROTTLING,
        }
    }
}

impl Limits {
    /// These limits for one survey on its own.
    pub fn alone(self) -> SharedLimits {
        let concurrency = self.concurrency.max(1);
        SharedLimits {
            limits: Arc::new(CallLimits::new(concurrency, concurrency)),
            account: None,
            backoff: self.backoff,
        }
    }
}

/// Limits a survey shares with other work: the overall bound and, for a member account,
/// the account's (an organization's surveys and its sweep press the same accounts).
#[derive(Clone, Debug)]
pub struct SharedLimits {
    pub limits: Arc<CallLimits>,
    /// The limit of the surveyed account's calls (`CallLimits::account`), if any.
    pub account: Option<Arc<Semaphore>>,
    /// Retry budget for throttled and transiently failed calls.
    pub backoff: Backoff,
}

/// Shared by every call of one survey.
struct Calls {
    shared: SharedLimits,
}

impl Calls {
    /// One API call: waits for a slot and retries as berth's [`retryable`] policy allows,
    /// giving the slot back while it backs off.
    async fn call<T, F, Fut>(&self, call: F) -> Result<T, EcrError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, EcrError>>,
    {
        let shared = &self.shared;
        retry_in_slots(
            shared.backoff,
            &shared.limits.slots(shared.account.as_deref()),
            retryable_at,
            |_, _| {},
            call,
        )
        .await
    }

    /// Every item of a paginated listing, each page asked for once (retries aside).
    async fn all_pages<T, F, Fut>(&self, fetch: F) -> Result<Vec<T>, EcrError>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<Page<T>, EcrError>>,
    {
        let fetch = &fetch;
        all_pages(|token| self.call(move || fetch(token.clone()))).await
    }
}

/// Survey what ECS and Lambda run. Either source may be left out (`None`).
pub async fn survey(
    ecs: Option<Arc<dyn EcsSource>>,
    lambda: Option<Arc<dyn LambdaSource>>,
    limits: Limits,
) -> UsageReport {
    survey_sharing(ecs, lambda, limits.alone()).await
}

/// [`survey`] within limits shared with other work.
pub async fn survey_sharing(
    ecs: Option<Arc<dyn EcsSource>>,
    lambda: Option<Arc<dyn LambdaSource>>,
    shared: SharedLimits,
) -> UsageReport {
    let calls = Arc::new(Calls { shared });
    let ecs = ecs.map(|source| tokio::spawn(survey_ecs(source, calls.clone())));
    let lambda = lambda.map(|source| tokio::spawn(survey_lambda(source, calls.clone())));
    let mut report = UsageReport::default();
    for task in [ecs, lambda].into_iter().flatten() {
        let Some(part) = joined(task.await) else {
            continue;
        };
        report.references.extend(part.references);
        report.gaps.extend(part.gaps);
    }
    // Many clusters failing the same way is one thing to say.
    let mut seen = BTreeSet::new();
    report
        .gaps
        .retain(|gap| seen.insert((gap.source, gap.action.clone(), gap.code.clone())));
    report
}

/// A task's value, or its panic carried on to the caller. None when the task was
/// cancelled, which happens only while the runtime shuts down (berth is quitting, or
/// ending on another panic): the survey then ends quietly instead of adding a panic of its
/// own to the one the user must see.
fn joined<T>(result: Result<T, tokio::task::JoinError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => None,
    }
}

/// What one cluster's services and tasks showed.
#[derive(Default)]
struct ClusterPart {
    services: Vec<(String, EcsService)>,
    report: UsageReport,
}

async fn survey_ecs(source: Arc<dyn EcsSource>, calls: Arc<Calls>) -> UsageReport {
    let mut report = UsageReport::default();
    let clusters = match calls.all_pages(|token| source.clusters_page(token)).await {
        Ok(clusters) => clusters,
        Err(err) => {
            report.gaps.push(Gap::new(Source::Ecs, &err));
            return report;
        }
    };
    let mut parts = JoinSet::new();
    for cluster in clusters {
        parts.spawn(survey_cluster(source.clone(), calls.clone(), cluster));
    }
    let mut services = Vec::new();
    while let Some(part) = parts.join_next().await {
        let Some(part) = joined(part) else {
            continue;
        };
        services.extend(part.services);
        report.references.extend(part.report.references);
        report.gaps.extend(part.report.gaps);
    }

    // Services often share task definitions; each is described once.
    let definitions: BTreeSet<String> = services
        .iter()
        .flat_map(|(_, service)| service.task_definitions.iter().cloned())
        .collect();
    let mut described = JoinSet::new();
    for definition in definitions {
        let source = source.clone();
        let calls = calls.clone();
        described.spawn(async move {
            let images = calls
                .call(|| source.task_definition_images(&definition))
                .await;
            (definition, images)
        });
    }
    let mut images_of = std::collections::HashMap::new();
    while let Some(done) = described.join_next().await {
        let Some((definition, images)) = joined(done) else {
            continue;
        };
        match images {
            Ok(images) => {
                images_of.insert(definition, images);
            }
            Err(err) => report.gaps.push(Gap::new(Source::Ecs, &err)),
        }
    }
    for (cluster, service) in services {
        let workload = Workload {
            kind: UserKind::EcsService,
            name: service.name.clone(),
            cluster: Some(cluster.clone()),
            service: None,
            account: None,
        };
        for definition in &service.task_definitions {
            for image in images_of.get(definition).into_iter().flatten() {
                report.references.push(Reference {
                    workload: workload.clone(),
                    image: image.clone(),
                    running_digest: None,
                });
            }
        }
    }
    report
}

async fn survey_cluster(
    source: Arc<dyn EcsSource>,
    calls: Arc<Calls>,
    cluster_arn: String,
) -> ClusterPart {
    let cluster = arn_name(&cluster_arn).to_string();
    let mut part = ClusterPart::default();
    let services = async {
        let arns = calls
            .all_pages(|token| source.services_page(&cluster_arn, token))
            .await?;
        let mut services = Vec::new();
        for batch in arns.chunks(ecs::DESCRIBE_SERVICES_BATCH) {
            services.extend(
                calls
                    .call(|| source.describe_services(&cluster_arn, batch))
                    .await?,
            );
        }
        Ok::<_, EcrError>(services)
    };
    let tasks = async {
        let arns = calls
            .all_pages(|token| source.tasks_page(&cluster_arn, token))
            .await?;
        let mut tasks = Vec::new();
        for batch in arns.chunks(ecs::DESCRIBE_TASKS_BATCH) {
            tasks.extend(
                calls
                    .call(|| source.describe_tasks(&cluster_arn, batch))
                    .await?,
            );
        }
        Ok::<_, EcrError>(tasks)
    };
    let (services, tasks) = tokio::join!(services, tasks);
    match services {
        Ok(services) => {
            part.services = services
                .into_iter()
                .map(|service| (cluster.clone(), service))
                .collect();
        }
        Err(err) => part.report.gaps.push(Gap::new(Source::Ecs, &err)),
    }
    match tasks {
        Ok(tasks) => {
            for task in tasks {
                let workload = Workload {
                    kind: UserKind::EcsTask,
                    name: task.id.clone(),
                    cluster: Some(cluster.clone()),
                    service: task.service.clone(),
                    account: None,
                };
                for container in task.containers {
                    part.report.references.push(Reference {
                        workload: workload.clone(),
                        image: container.image,
                        running_digest: container.digest,
                    });
                }
            }
        }
        Err(err) => part.report.gaps.push(Gap::new(Source::Ecs, &err)),
    }
    part
}

async fn survey_lambda(source: Arc<dyn LambdaSource>, calls: Arc<Calls>) -> UsageReport {
    let mut report = UsageReport::default();
    let functions = match calls
        .all_pages(|token| source.image_functions_page(token))
        .await
    {
        Ok(functions) => functions,
        Err(err) => {
            report.gaps.push(Gap::new(Source::Lambda, &err));
            return report;
        }
    };
    let mut read = JoinSet::new();
    for function in functions {
        let source = source.clone();
        let calls = calls.clone();
        read.spawn(async move {
            let image = calls.call(|| source.function_image(&function)).await;
            (function, image)
        });
    }
    while let Some(done) = read.join_next().await {
        let Some((function, image)): Option<(FunctionVersion, _)> = joined(done) else {
            continue;
        };
        match image {
            Ok(image) => {
                let Some(uri) = image.image_uri.or_else(|| image.resolved_image_uri.clone()) else {
                    continue;
                };
                let running_digest = image
                    .resolved_image_uri
                    .as_deref()
                    .and_then(|resolved| resolved.split_once('@'))
                    .map(|(_, digest)| digest.to_string());
                report.references.push(Reference {
                    workload: Workload {
                        kind: UserKind::Lambda,
                        name: function.name,
                        cluster: None,
                        service: None,
                        account: None,
                    },
                    image: uri,
                    running_digest,
                });
            }
            // Deleted between the listing and the read: it uses nothing any more.
            Err(EcrError::NotFound { .. }) => {}
            Err(err) => report.gaps.push(Gap::new(Source::Lambda, &err)),
        }
    }
    report
}

#[cfg(test)]
mod cancelled {
    use super::joined;

    /// A survey task cancelled by the runtime's shutdown ends the survey quietly: a panic
    /// here would print over the message of the panic that ended berth.
    #[tokio::test]
    async fn a_cancelled_task_is_none_not_a_panic() {
        let task = tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            1
        });
        task.abort();
        assert_eq!(joined(task.await), None);
        let task = tokio::spawn(async { 2 });
        assert_eq!(joined(task.await), Some(2));
    }
}
