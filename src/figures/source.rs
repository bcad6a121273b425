//! What the sweep reads from a registry, as a trait so it is testable offline.

use crate::ecr::model::{Image, Page, Repository};
use crate::ecr::{EcrError, EcrRegistry, Registry, policy};
use crate::storage::ManifestSource;
use async_trait::async_trait;

/// The reads a sweep makes: these four, and the manifests of the storage figures
/// ([`ManifestSource`]). Implemented by [`EcrRegistry`]; tests use a fake.
#[async_trait]
pub trait SweepSource: ManifestSource {
    /// The registry's account id; only asked when no repository names it.
    async fn account_id(&self) -> Result<String, EcrError>;
    /// One DescribeRepositories page.
    async fn repositories_page(&self, next: Option<String>) -> Result<Page<Repository>, EcrError>;
    /// One DescribeImages page.
    async fn images_page(
        &self,
        repository: &str,
        next: Option<String>,
    ) -> Result<Page<Image>, EcrError>;
    /// The lifecycle policy text, `None` when the repository has none.
    async fn lifecycle_policy(&self, repository: &str) -> Result<Option<String>, EcrError>;
}

#[async_trait]
impl SweepSource for EcrRegistry {
    async fn account_id(&self) -> Result<String, EcrError> {
        Registry::account_id(self).await
    }

    async fn repositories_page(&self, next: Option<String>) -> Result<Page<Repository>, EcrError> {
        Registry::repositories_page(self, next).await
    }

    async fn images_page(
        &self,
        repository: &str,
        next: Option<String>,
    ) -> Result<Page<Image>, EcrError> {
        Registry::images_page(self, repository, next).await
    }

    async fn lifecycle_policy(&self, repository: &str) -> Result<Option<String>, EcrError> {
        policy::lifecycle_policy(self, repository).await
    }
}
