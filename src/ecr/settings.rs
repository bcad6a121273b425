//! Repository and registry settings for the repository info view: read-only calls that
//! each answer on their own, so one missing permission or one operation an endpoint
//! lacks costs one section of the view, not the view. The registry's scanning
//! configuration is read by [`super::findings::ScanRegistry`].

use super::client::EcrRegistry;
use super::convert::timestamp;
use super::error::{EcrError, classify};
use super::model::Page;
use crate::sanitize::sanitize;
use async_trait::async_trait;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use jiff::Timestamp;

/// Which repositories a replication rule applies to (`payments/` as `PREFIX_MATCH`,
/// `team-*` as `WILDCARD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryFilter {
    pub filter: String,
    pub kind: String,
}

/// Where a replication rule copies images to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicationDestination {
    pub region: String,
    pub registry_id: String,
}

/// One rule of the registry's replication configuration (DescribeRegistry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicationRule {
    pub destinations: Vec<ReplicationDestination>,
    /// Empty: every repository is replicated.
    pub filters: Vec<RepositoryFilter>,
}

/// A pull-through cache rule of the registry (DescribePullThroughCacheRules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullThroughRule {
    /// Repositories whose names start with this prefix are pulled through.
    pub prefix: String,
    pub upstream_url: String,
    /// `docker-hub`, `quay`, `ecr`, …, when ECR says.
    pub upstream_registry: Option<String>,
    pub upstream_prefix: Option<String>,
    /// The Secrets Manager secret holding the upstream credentials.
    pub credential_arn: Option<String>,
    pub created_at: Option<Timestamp>,
}

/// The reads behind the repository info view. One real implementation on aws-sdk-ecr;
/// the view's loader is tested against small fakes.
#[async_trait]
pub trait SettingsSource: Send + Sync {
    /// The repository policy JSON, or `None` when the repository has none.
    async fn repository_policy(&self, repository: &str) -> Result<Option<String>, EcrError>;

    /// The lifecycle policy JSON, or `None` when the repository has none.
    async fn lifecycle_policy(&self, repository: &str) -> Result<Option<String>, EcrError>;

    /// The repository's resource tags as (key, value), in ECR's order. `arn` is the
    /// repository's ARN; `repository` names it in errors.
    async fn repository_tags(
        &self,
        repository: &str,
        arn: &str,
    ) -> Result<Vec<(String, String)>, EcrError>;

    /// The registry's replication rules (empty when it replicates nothing).
    async fn replication_rules(&self) -> Result<Vec<ReplicationRule>, EcrError>;

    /// One page of the registry's pull-through cache rules.
    async fn pull_through_rules_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<PullThroughRule>, EcrError>;

    /// One page of the registry's pull-time update exclusions: the IAM principals whose
    /// pulls leave an image's last recorded pull time unchanged. Sources that cannot
    /// list them keep this default.
    async fn pull_time_exclusions_page(
        &self,
        _next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:ListPullTimeUpdateExclusions".into(),
            subject: "registry".into(),
        })
    }
}

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

fn clean_opt(text: Option<&str>) -> Option<String> {
    text.map(clean)
}

/// The most entries DescribePullThroughCacheRules and ListPullTimeUpdateExclusions
/// return per page.
const PULL_THROUGH_PAGE_SIZE: i32 = 1000;

#[async_trait]
impl SettingsSource for EcrRegistry {
    async fn repository_policy(&self, repository: &str) -> Result<Option<String>, EcrError> {
        let result = self
            .sdk()
            .get_repository_policy()
            .repository_name(repository)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.policy_text().map(str::to_string)),
            // "No policy" is a normal state of a repository, not a failure.
            Err(err) if err.code() == Some("RepositoryPolicyNotFoundException") => Ok(None),
            Err(err) => Err(classify(err, "ecr:GetRepositoryPolicy", repository)),
        }
    }

    async fn lifecycle_policy(&self, repository: &str) -> Result<Option<String>, EcrError> {
        super::policy::lifecycle_policy(self, repository).await
    }

    async fn repository_tags(
        &self,
        repository: &str,
        arn: &str,
    ) -> Result<Vec<(String, String)>, EcrError> {
        let out = self
            .sdk()
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|err| classify(err, "ecr:ListTagsForResource", repository))?;
        Ok(out
            .tags()
            .iter()
            .map(|tag| (clean(tag.key()), clean(tag.value())))
            .collect())
    }

    async fn replication_rules(&self) -> Result<Vec<ReplicationRule>, EcrError> {
        let subject = self.target().label();
        let out = self
            .sdk()
            .describe_registry()
            .send()
            .await
            .map_err(|err| classify(err, "ecr:DescribeRegistry", &subject))?;
        Ok(out
            .replication_configuration()
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .map(|rule| ReplicationRule {
                destinations: rule
                    .destinations()
                    .iter()
                    .map(|d| ReplicationDestination {
                        region: clean(d.region()),
                        registry_id: clean(d.registry_id()),
                    })
                    .collect(),
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| RepositoryFilter {
                        filter: clean(f.filter()),
                        kind: clean(f.filter_type().as_str()),
                    })
                    .collect(),
            })
            .collect())
    }

    async fn pull_through_rules_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<PullThroughRule>, EcrError> {
        let subject = self.target().label();
        let out = self
            .sdk()
            .describe_pull_through_cache_rules()
            .max_results(PULL_THROUGH_PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|err| classify(err, "ecr:DescribePullThroughCacheRules", &subject))?;
        Ok(Page {
            items: out
                .pull_through_cache_rules()
                .iter()
                .map(|rule| PullThroughRule {
                    prefix: clean(rule.ecr_repository_prefix().unwrap_or_default()),
                    upstream_url: clean(rule.upstream_registry_url().unwrap_or_default()),
                    upstream_registry: clean_opt(rule.upstream_registry().map(|r| r.as_str())),
                    upstream_prefix: clean_opt(rule.upstream_repository_prefix()),
                    credential_arn: clean_opt(rule.credential_arn()),
                    created_at: timestamp(rule.created_at()),
                })
                .collect(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn pull_time_exclusions_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<String>, EcrError> {
        let subject = self.target().label();
        let out = self
            .sdk()
            .list_pull_time_update_exclusions()
            .max_results(PULL_THROUGH_PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|err| classify(err, "ecr:ListPullTimeUpdateExclusions", &subject))?;
        Ok(Page {
            items: out
                .pull_time_update_exclusions()
                .iter()
                .map(|arn| clean(arn))
                .collect(),
            next_token: out.next_token().map(str::to_string),
        })
    }
}
