//! Which images are in use: ECS services and running tasks, and Lambda functions.
//!
//! Deleting an image production still runs (or letting a lifecycle rule expire it) is the
//! worst mistake a registry console can help make, and ECR itself cannot tell. This module
//! reads, for one registry (account × region), what ECS and Lambda run:
//!
//! - [`ecs`] and [`lambda`] are the only code that knows aws-sdk-ecs / aws-sdk-lambda; they
//!   answer one page or one batch per call behind [`EcsSource`] / [`LambdaSource`];
//! - [`sweep`] walks them with ECR's rules: every page followed, at most N calls in flight,
//!   throttling retried with jittered backoff, a failure recorded as a [`Gap`] while the
//!   rest goes on;
//! - [`resolve`] turns the image references found into a [`UsageMap`] for the registry:
//!   only `ACCOUNT.dkr.ecr.REGION…` references of this account and region count; a digest
//!   matches exactly, a tag matches the image that tag names now.
//!
//! A missing permission never fails the caller: it becomes a gap, shown as
//! "in-use unknown (missing ecs:ListClusters)".

pub mod ecs;
pub mod lambda;
pub mod resolve;
pub mod surveys;
pub mod sweep;

pub use resolve::{ImageUri, ImageUser, MatchedBy, UsageCounts, UsageMap};
pub use sweep::{Limits, SharedLimits, survey, survey_sharing};

use crate::ecr::model::{Page, RegistryTarget};
use crate::ecr::{ClientOptions, EcrError};
use async_trait::async_trait;
use serde::Serialize;
use std::sync::Arc;

/// What kind of workload uses an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// An ECS service, through the task definitions of its deployments.
    EcsService,
    /// A running ECS task.
    EcsTask,
    /// A Lambda function of package type Image.
    Lambda,
}

impl UserKind {
    /// The word used in footer lines and warnings.
    pub fn label(self) -> &'static str {
        match self {
            UserKind::EcsService => "service",
            UserKind::EcsTask => "task",
            UserKind::Lambda => "λ",
        }
    }
}

/// A workload that refers to an image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Workload {
    pub kind: UserKind,
    /// The service name, the task id, or the function name.
    pub name: String,
    /// The ECS cluster of a service or task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The service that started a task, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The account the workload runs in, when it is not the registry's own: a task of
    /// one member account pulling from another's registry (`payments-prod (2718…)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// One image reference made by a workload, as ECS or Lambda report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub workload: Workload,
    /// The image as configured (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`, `…@sha256:…`).
    pub image: String,
    /// The digest the workload actually runs, where the service reports one (a task
    /// container's `imageDigest`, a function's `ResolvedImageUri`). It wins over the tag:
    /// a tag may have moved since the workload started.
    pub running_digest: Option<String>,
}

/// Which service a reference or a gap comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Ecs,
    Lambda,
}

impl Source {
    /// `ecs` / `lambda`, as in IAM action names.
    pub fn label(self) -> &'static str {
        match self {
            Source::Ecs => "ecs",
            Source::Lambda => "lambda",
        }
    }
}

/// Part of the lookup that failed: while any gap exists, "not in use" cannot be claimed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub source: Source,
    /// The IAM action that failed (`ecs:ListClusters`).
    pub action: String,
    /// A short class: `AccessDenied`, `Unreachable`, `Timeout`, …
    pub code: String,
    /// What failed, on what, and what to do.
    pub error: String,
}

impl Gap {
    /// A gap for `err`, raised by a call to `source`.
    pub fn new(source: Source, err: &EcrError) -> Gap {
        let action = match err {
            EcrError::AccessDenied { action, .. }
            | EcrError::NotFound { action, .. }
            | EcrError::CredentialsExpired { action, .. }
            | EcrError::Throttled { action, .. }
            | EcrError::Timeout { action, .. }
            | EcrError::Unreachable { action, .. }
            | EcrError::Unsupported { action, .. }
            | EcrError::UnrecognizedCredentials { action, .. }
            | EcrError::Service { action, .. }
            | EcrError::Other { action, .. } => action.clone(),
            EcrError::NoCredentials { .. } | EcrError::NoRegion { .. } => {
                format!("{}:*", source.label())
            }
        };
        Gap {
            source,
            action,
            code: err.code().to_string(),
            error: err.to_string(),
        }
    }

    /// `in-use unknown (missing ecs:ListClusters)`, or the failure's class for other
    /// errors: the short form for status lines and report notes.
    pub fn summary(&self) -> String {
        if self.code == "AccessDenied" {
            format!("in-use unknown (missing {})", self.action)
        } else {
            format!("in-use unknown ({} on {})", self.code, self.action)
        }
    }
}

/// What a survey of one registry's workloads found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageReport {
    pub references: Vec<Reference>,
    pub gaps: Vec<Gap>,
}

/// An ECS service as DescribeServices reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsService {
    pub name: String,
    /// The task definitions of the service and of its deployments in progress (old tasks
    /// run the old definition until the deployment finishes).
    pub task_definitions: Vec<String>,
}

/// A running ECS task as DescribeTasks reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcsTask {
    /// The task id (the last part of its ARN).
    pub id: String,
    /// The service that started it, from its `service:NAME` group.
    pub service: Option<String>,
    pub containers: Vec<ContainerImage>,
}

/// One container of a task: its configured image and, once pulled, the digest it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerImage {
    pub image: String,
    pub digest: Option<String>,
}

/// A Lambda function version of package type Image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionVersion {
    pub name: String,
    /// `$LATEST` or a published version number.
    pub version: String,
}

/// Where a function's image comes from, as GetFunction reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionImage {
    /// `Code.ImageUri`: what the function was configured with, by tag or digest.
    pub image_uri: Option<String>,
    /// `Code.ResolvedImageUri`: the digest Lambda resolved it to at deploy time.
    pub resolved_image_uri: Option<String>,
}

/// The ECS calls a survey makes, one page or one batch each. Implemented on aws-sdk-ecs
/// by [`ecs::EcsClient`]; tests use a fake.
#[async_trait]
pub trait EcsSource: Send + Sync {
    /// One ListClusters page of cluster ARNs.
    async fn clusters_page(&self, next: Option<String>) -> Result<Page<String>, EcrError>;
    /// One ListServices page of service ARNs in `cluster`.
    async fn services_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError>;
    /// DescribeServices for at most [`ecs::DESCRIBE_SERVICES_BATCH`] services.
    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, EcrError>;
    /// The container images of a task definition (DescribeTaskDefinition).
    async fn task_definition_images(&self, task_definition: &str) -> Result<Vec<String>, EcrError>;
    /// One ListTasks page of running task ARNs in `cluster`.
    async fn tasks_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError>;
    /// DescribeTasks for at most [`ecs::DESCRIBE_TASKS_BATCH`] tasks.
    async fn describe_tasks(
        &self,
        cluster: &str,
        tasks: &[String],
    ) -> Result<Vec<EcsTask>, EcrError>;
}

/// The Lambda calls a survey makes. Implemented on aws-sdk-lambda by
/// [`lambda::LambdaClient`]; tests use a fake.
#[async_trait]
pub trait LambdaSource: Send + Sync {
    /// One ListFunctions page (every version), keeping only package type Image.
    async fn image_functions_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<FunctionVersion>, EcrError>;
    /// GetFunction of one version: where its image comes from.
    async fn function_image(&self, function: &FunctionVersion) -> Result<FunctionImage, EcrError>;
}

/// The name at the end of an ARN (`…:cluster/prod` → `prod`, `…/prod/abc` → `abc`).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The AWS configuration for `target` with berth's timeouts, as the ECR client gets it.
///
/// `options.endpoint_url` is deliberately not applied: it names the ECR endpoint. ECS and
/// Lambda follow `AWS_ENDPOINT_URL_ECS` / `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`,
/// which aws-config reads by itself.
pub async fn sdk_config(
    target: &RegistryTarget,
    options: &ClientOptions,
) -> Result<aws_config::SdkConfig, EcrError> {
    Ok(crate::ecr::client::config_loader(target, options)?
        .load()
        .await)
}

/// Survey ECS and Lambda for `target` and resolve what they run against the registry of
/// `account` in the target's region. Never fails: what could not be read is a gap in the
/// map.
pub async fn lookup(
    target: &RegistryTarget,
    options: &ClientOptions,
    account: &str,
    limits: Limits,
) -> UsageMap {
    UsageMap::build(
        survey_target(target, options, limits).await,
        account,
        &target.region,
    )
}

/// Survey the ECS services and tasks and the Lambda functions of `target`'s account and
/// region: every image reference they make, into any registry.
pub async fn survey_target(
    target: &RegistryTarget,
    options: &ClientOptions,
    limits: Limits,
) -> UsageReport {
    survey_target_sharing(target, options, limits.alone()).await
}

/// [`survey_target`] within limits shared with other work (an organization's sweep).
pub async fn survey_target_sharing(
    target: &RegistryTarget,
    options: &ClientOptions,
    shared: SharedLimits,
) -> UsageReport {
    match sdk_config(target, options).await {
        Ok(config) => {
            let ecs = Arc::new(ecs::EcsClient::for_target(&config, target));
            let lambda = Arc::new(lambda::LambdaClient::for_target(&config, target));
            survey_sharing(Some(ecs), Some(lambda), shared).await
        }
        Err(err) => UsageReport {
            references: Vec::new(),
            gaps: vec![Gap::new(Source::Ecs, &err), Gap::new(Source::Lambda, &err)],
        },
    }
}

/// The surveys of several registries' accounts combined for the registry `target`: its
/// own account's references and gaps as they are; every other account's references with
/// that account named on the workload (`payments-prod (271828182845)`), and what could
/// not be read of it as a note.
pub fn combine_surveys(
    target: &RegistryTarget,
    surveys: &[(RegistryTarget, Arc<UsageReport>)],
    account: &str,
) -> UsageMap {
    let mut combined = UsageReport::default();
    let mut notes = Vec::new();
    for (surveyed, report) in surveys {
        let member = surveyed.source.member();
        let own = surveyed == target || member.is_some_and(|m| m.id == account);
        if own {
            combined
                .references
                .extend(report.references.iter().cloned());
            combined.gaps.extend(report.gaps.iter().cloned());
            continue;
        }
        let name = member.map_or_else(|| surveyed.label(), |m| m.describe());
        combined
            .references
            .extend(report.references.iter().cloned().map(|mut reference| {
                reference.workload.account = Some(name.clone());
                reference
            }));
        if let Some(gap) = report.gaps.first() {
            notes.push(format!(
                "uses by {name} unknown ({} on {})",
                gap.code, gap.action
            ));
        }
    }
    let mut map = UsageMap::build(combined, account, &target.region);
    map.notes = notes;
    map
}

#[cfg(test)]
mod tests;
