//! Building an ECR client for one registry target (profile × region × endpoint).

use super::error::{EcrError, classify};
use super::model::{Image, Page, RegistryTarget, Repository};
use super::{MAX_PAGE_SIZE, Registry, convert};
use crate::sanitize::sanitize;
use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use std::time::Duration;

/// Knobs for every client berth builds.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Overrides the endpoint (otherwise `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL` apply).
    pub endpoint_url: Option<String>,
    /// Upper bound for one API call including retries. The SDK has none by default, so a
    /// server that accepts and never answers would hang a call forever.
    pub operation_timeout: Duration,
    /// Upper bound for a single attempt.
    pub attempt_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_attempts: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoint_url: None,
            operation_timeout: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            max_attempts: 4,
        }
    }
}

/// A registry reached through aws-sdk-ecr.
pub struct EcrRegistry {
    client: aws_sdk_ecr::Client,
    target: RegistryTarget,
}

/// aws-config for `target` with berth's timeouts and retries: every AWS client berth
/// builds (ECR, and ECS / Lambda for the in-use lookup) starts here. The endpoint is left
/// to the caller, since `--endpoint-url` names the ECR endpoint only.
pub fn config_loader(
    target: &RegistryTarget,
    options: &ClientOptions,
) -> Result<aws_config::ConfigLoader, EcrError> {
    if target.region == "?" || target.region.is_empty() {
        return Err(EcrError::NoRegion {
            subject: target.source.label().to_string(),
        });
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(options.operation_timeout)
                .operation_attempt_timeout(options.attempt_timeout)
                .connect_timeout(options.connect_timeout)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(options.max_attempts));
    match &target.source {
        // The member account's role, assumed from the base credentials (shared by every
        // client of the account, see `assume`).
        super::model::CredentialSource::Member(account) if !account.role.is_empty() => {
            // The provider is the cache (one per account, renewed before expiry or when a
            // registry says the session ended): a client-side cache would keep handing
            // out credentials the provider has dropped.
            loader = loader
                .credentials_provider(super::assume::provider(account, &target.region, options))
                .identity_cache(aws_config::identity::IdentityCache::no_cache());
        }
        source => {
            if let Some(profile) = source.profile() {
                loader = loader.profile_name(profile);
            }
        }
    }
    Ok(loader)
}

impl EcrRegistry {
    /// Load AWS configuration for `target` and build a client. Fails early, with a message
    /// saying how to fix it, when there is no region.
    pub async fn connect(
        target: &RegistryTarget,
        options: &ClientOptions,
    ) -> Result<Self, EcrError> {
        let mut loader = config_loader(target, options)?;
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let config =
            super::assume::classified!(aws_sdk_ecr::config::Builder::from(&config), target).build();
        Ok(Self {
            client: aws_sdk_ecr::Client::from_conf(config),
            target: target.clone(),
        })
    }

    /// Wrap an SDK client that is already configured (tests build one for a sandbox
    /// without touching the process environment).
    pub fn from_sdk_client(client: aws_sdk_ecr::Client, target: RegistryTarget) -> Self {
        Self { client, target }
    }

    /// The target this client was built for.
    pub fn target(&self) -> &RegistryTarget {
        &self.target
    }

    /// The SDK client, for ECR calls that live in sibling modules of `src/ecr/`.
    pub(crate) fn sdk(&self) -> &aws_sdk_ecr::Client {
        &self.client
    }
}

#[async_trait]
impl Registry for EcrRegistry {
    async fn account_id(&self) -> Result<String, EcrError> {
        let subject = self.target.label();
        match self.client.describe_registry().send().await {
            Ok(out) => {
                if let Some(id) = out.registry_id() {
                    return Ok(sanitize(id).into_owned());
                }
            }
            Err(err) => {
                let err = classify(err, "ecr:DescribeRegistry", &subject);
                // Some roles and endpoints lack DescribeRegistry; a repository's registryId
                // names the same account.
                if !matches!(
                    err,
                    EcrError::AccessDenied { .. } | EcrError::Unsupported { .. }
                ) {
                    return Err(err);
                }
            }
        }
        let out = self
            .client
            .describe_repositories()
            .max_results(1)
            .send()
            .await
            .map_err(|e| classify(e, "ecr:DescribeRepositories", &subject))?;
        out.repositories()
            .first()
            .and_then(|r| r.registry_id())
            .map(|id| sanitize(id).into_owned())
            .ok_or_else(|| EcrError::Other {
                action: "ecr:DescribeRegistry".into(),
                subject,
                detail: "the endpoint did not say which account it serves".into(),
            })
    }

    async fn repositories_page(&self, next: Option<String>) -> Result<Page<Repository>, EcrError> {
        let out = self
            .client
            .describe_repositories()
            .max_results(MAX_PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| classify(e, "ecr:DescribeRepositories", &self.target.label()))?;
        Ok(Page {
            items: out.repositories().iter().map(convert::repository).collect(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn index_children(
        &self,
        repository: &str,
        indexes: &[String],
    ) -> Result<Vec<(String, Vec<super::manifests::IndexChild>)>, EcrError> {
        super::manifests::index_children(self, repository, indexes).await
    }

    async fn images_page(
        &self,
        repository: &str,
        next: Option<String>,
    ) -> Result<Page<Image>, EcrError> {
        let out = self
            .client
            .describe_images()
            .repository_name(repository)
            // Archived images are stored and billed: without this filter DescribeImages
            // answers only the active ones.
            .filter(
                aws_sdk_ecr::types::DescribeImagesFilter::builder()
                    .image_status(aws_sdk_ecr::types::ImageStatusFilter::Any)
                    .build(),
            )
            .max_results(MAX_PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| classify(e, "ecr:DescribeImages", repository))?;
        Ok(Page {
            items: out
                .image_details()
                .iter()
                .filter_map(convert::image)
                .collect(),
            next_token: out.next_token().map(str::to_string),
        })
    }

    async fn referrers_page(
        &self,
        repository: &str,
        subject: &str,
        next: Option<String>,
    ) -> Result<Page<super::artifacts::Referrer>, EcrError> {
        super::artifacts::referrers_page(self, repository, subject, next).await
    }

    async fn replication_statuses(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<super::artifacts::ReplicationStatus>, EcrError> {
        super::artifacts::replication_statuses(self, repository, digest).await
    }

    async fn signing_statuses(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<super::artifacts::SigningStatus>, EcrError> {
        super::artifacts::signing_statuses(self, repository, digest).await
    }

    async fn image(&self, repository: &str, digest: &str) -> Result<Option<Image>, EcrError> {
        let result = self
            .client
            .describe_images()
            .repository_name(repository)
            .image_ids(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_digest(digest)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.image_details().first().and_then(convert::image)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_image_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(classify(err, "ecr:DescribeImages", repository)),
        }
    }
}
