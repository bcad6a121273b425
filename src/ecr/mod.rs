//! The only code that knows aws-sdk-ecr. Everything above works on [`model`] types.

pub mod artifacts;
pub mod assume;
pub mod client;
mod convert;
pub mod error;
pub mod findings;
pub mod manifests;
pub mod model;
pub mod mutate;
pub mod names;
pub mod organization;
pub mod pager;
pub mod policy;
pub mod profiles;
pub mod records;
pub mod settings;

pub use client::{ClientOptions, EcrRegistry};
pub use error::EcrError;
pub use mutate::{DeleteReport, ImageRef, RegistryWrite, TagOutcome};

use async_trait::async_trait;
use model::{Image, Page, Repository};

/// The boundary between berth and a registry: one real implementation on aws-sdk-ecr.
///
/// Reads are page-at-a-time so callers can stream pages to the UI and resume an
/// interrupted sweep from its last token.
#[async_trait]
pub trait Registry: Send + Sync {
    /// The account id that owns this registry.
    async fn account_id(&self) -> Result<String, EcrError>;

    /// One page of DescribeRepositories (up to 1000 repositories).
    async fn repositories_page(&self, next: Option<String>) -> Result<Page<Repository>, EcrError>;

    /// One page of DescribeImages for `repository` (up to 1000 images).
    async fn images_page(
        &self,
        repository: &str,
        next: Option<String>,
    ) -> Result<Page<Image>, EcrError>;

    /// Each of the manifest lists `indexes` (digests in `repository`) with the digests
    /// of the images it names (BatchGetImage). Registries that cannot say keep this
    /// default: no children known.
    async fn index_children(
        &self,
        _repository: &str,
        _indexes: &[String],
    ) -> Result<Vec<(String, Vec<manifests::IndexChild>)>, EcrError> {
        Ok(Vec::new())
    }

    /// The image `digest` of `repository` as DescribeImages describes it now, whatever
    /// its status; `None` when it is gone. Registries that cannot say keep this default.
    async fn image(&self, repository: &str, _digest: &str) -> Result<Option<Image>, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:DescribeImages".into(),
            subject: repository.to_string(),
        })
    }

    /// One page of ListImageReferrers: the artifacts of `repository` whose subject is
    /// the image `subject`, of every status. Registries that cannot say keep this default.
    async fn referrers_page(
        &self,
        repository: &str,
        _subject: &str,
        _next: Option<String>,
    ) -> Result<Page<artifacts::Referrer>, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:ListImageReferrers".into(),
            subject: repository.to_string(),
        })
    }

    /// DescribeImageReplicationStatus of the image `digest`: one status per destination.
    /// Registries that cannot say keep this default.
    async fn replication_statuses(
        &self,
        repository: &str,
        _digest: &str,
    ) -> Result<Vec<artifacts::ReplicationStatus>, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:DescribeImageReplicationStatus".into(),
            subject: repository.to_string(),
        })
    }

    /// DescribeImageSigningStatus of the image `digest`: one status per signing profile.
    /// Registries that cannot say keep this default.
    async fn signing_statuses(
        &self,
        repository: &str,
        _digest: &str,
    ) -> Result<Vec<artifacts::SigningStatus>, EcrError> {
        Err(EcrError::Unsupported {
            action: "ecr:DescribeImageSigningStatus".into(),
            subject: repository.to_string(),
        })
    }
}

/// The largest page ECR serves for DescribeRepositories / DescribeImages / ListImages.
pub const MAX_PAGE_SIZE: i32 = 1000;
