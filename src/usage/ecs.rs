//! The only code that knows aws-sdk-ecs: the calls a usage survey makes, converted to
//! berth's own types.

use super::{ContainerImage, EcsService, EcsSource, EcsTask, arn_name};
use crate::ecr::EcrError;
use crate::ecr::assume::classified;
use crate::ecr::error::classify;
use crate::ecr::model::{Page, RegistryTarget};
use crate::sanitize::sanitize;
use async_trait::async_trait;
use aws_sdk_ecs::types::DesiredStatus;

/// The most services one DescribeServices call accepts.
pub const DESCRIBE_SERVICES_BATCH: usize = 10;
/// The most tasks one DescribeTasks call accepts.
pub const DESCRIBE_TASKS_BATCH: usize = 100;
/// The largest page ListClusters / ListServices / ListTasks serve.
const MAX_LIST_PAGE: i32 = 100;

/// ECS reached through aws-sdk-ecs.
pub struct EcsClient {
    client: aws_sdk_ecs::Client,
    /// `profile/region`, the subject of error messages about listings.
    subject: String,
}

impl EcsClient {
    /// The client for `target`'s account and region, from its loaded AWS configuration
    /// (see [`super::sdk_config`]); see `classified!` for how calls are retried.
    pub fn for_target(config: &aws_config::SdkConfig, target: &RegistryTarget) -> Self {
        let builder = classified!(aws_sdk_ecs::config::Builder::from(config), target);
        EcsClient {
            client: aws_sdk_ecs::Client::from_conf(builder.build()),
            subject: target.label(),
        }
    }
}

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

#[async_trait]
impl EcsSource for EcsClient {
    async fn clusters_page(&self, next: Option<String>) -> Result<Page<String>, EcrError> {
        let out = self
            .client
            .list_clusters()
            .max_results(MAX_LIST_PAGE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| classify(e, "ecs:ListClusters", &self.subject))?;
        Ok(Page {
            items: out.cluster_arns().to_vec(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn services_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        let out = self
            .client
            .list_services()
            .cluster(cluster)
            .max_results(MAX_LIST_PAGE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| classify(e, "ecs:ListServices", arn_name(cluster)))?;
        Ok(Page {
            items: out.service_arns().to_vec(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, EcrError> {
        let out = self
            .client
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services.to_vec()))
            .send()
            .await
            .map_err(|e| classify(e, "ecs:DescribeServices", arn_name(cluster)))?;
        Ok(out
            .services()
            .iter()
            .map(|service| {
                let mut task_definitions: Vec<String> = service
                    .task_definition()
                    .into_iter()
                    .chain(
                        service
                            .deployments()
                            .iter()
                            .filter_map(|d| d.task_definition()),
                    )
                    .map(str::to_string)
                    .collect();
                task_definitions.sort();
                task_definitions.dedup();
                EcsService {
                    name: clean(service.service_name().unwrap_or_default()),
                    task_definitions,
                }
            })
            .collect())
    }

    async fn task_definition_images(&self, task_definition: &str) -> Result<Vec<String>, EcrError> {
        let out = self
            .client
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| classify(e, "ecs:DescribeTaskDefinition", arn_name(task_definition)))?;
        Ok(out
            .task_definition()
            .map(|definition| {
                definition
                    .container_definitions()
                    .iter()
                    .filter_map(|container| container.image())
                    .map(clean)
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn tasks_page(
        &self,
        cluster: &str,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        let out = self
            .client
            .list_tasks()
            .cluster(cluster)
            .desired_status(DesiredStatus::Running)
            .max_results(MAX_LIST_PAGE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| classify(e, "ecs:ListTasks", arn_name(cluster)))?;
        Ok(Page {
            items: out.task_arns().to_vec(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn describe_tasks(
        &self,
        cluster: &str,
        tasks: &[String],
    ) -> Result<Vec<EcsTask>, EcrError> {
        let out = self
            .client
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(tasks.to_vec()))
            .send()
            .await
            .map_err(|e| classify(e, "ecs:DescribeTasks", arn_name(cluster)))?;
        Ok(out
            .tasks()
            .iter()
            .map(|task| EcsTask {
                id: clean(arn_name(task.task_arn().unwrap_or_default())),
                service: task
                    .group()
                    .and_then(|group| group.strip_prefix("service:"))
                    .map(clean),
                containers: task
                    .containers()
                    .iter()
                    .filter_map(|container| {
                        Some(ContainerImage {
                            image: clean(container.image()?),
                            digest: container.image_digest().map(clean),
                        })
                    })
                    .collect(),
            })
            .collect())
    }
}
