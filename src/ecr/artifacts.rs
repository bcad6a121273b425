//! What ECR says about one image beyond DescribeImages, for the image detail view: its
//! OCI referrers (ListImageReferrers), where it was replicated
//! (DescribeImageReplicationStatus) and how managed signing went
//! (DescribeImageSigningStatus). Every text is sanitised here.

use super::client::EcrRegistry;
use super::error::{EcrError, classify};
use super::model::Page;
use crate::sanitize::sanitize;
use aws_sdk_ecr::types::{ArtifactStatusFilter, ImageIdentifier, ListImageReferrersFilter};

/// ListImageReferrers' largest page: "This value can be between 1 and 50."
pub const REFERRERS_PAGE_SIZE: i32 = 50;

/// One artifact whose `subject` is the image (ImageReferrer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Referrer {
    pub digest: String,
    pub media_type: String,
    /// `artifactType`, when the referrer has one.
    pub artifact_type: Option<String>,
    /// "The size, in bytes, of the artifact."
    pub size: u64,
    /// The referrer's annotations, sorted by key.
    pub annotations: Vec<(String, String)>,
    /// ACTIVE, ARCHIVED or ACTIVATING, when ECR says.
    pub status: Option<String>,
}

/// The image's replication to one destination (ImageReplicationStatus).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicationStatus {
    pub region: String,
    pub registry_id: String,
    /// IN_PROGRESS, COMPLETE or FAILED.
    pub status: String,
    /// "The failure code for a replication that has failed."
    pub failure_code: Option<String>,
}

/// The image's managed signing under one signing profile (ImageSigningStatus).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SigningStatus {
    pub profile_arn: String,
    /// IN_PROGRESS, COMPLETE or FAILED.
    pub status: String,
    pub failure_code: Option<String>,
    pub failure_reason: Option<String>,
}

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

fn by_digest(digest: &str) -> ImageIdentifier {
    ImageIdentifier::builder().image_digest(digest).build()
}

/// One page of the referrers of `subject` in `repository`, of every artifact status:
/// without a filter ECR answers only the ACTIVE ones, and an archived signature is still
/// the image's signature.
pub async fn referrers_page(
    registry: &EcrRegistry,
    repository: &str,
    subject: &str,
    next: Option<String>,
) -> Result<Page<Referrer>, EcrError> {
    let subject_id = aws_sdk_ecr::types::SubjectIdentifier::builder()
        .image_digest(subject)
        .build()
        .map_err(|err| EcrError::Other {
            action: "ecr:ListImageReferrers".into(),
            subject: repository.to_string(),
            detail: clean(&err.to_string()),
        })?;
    let out = registry
        .sdk()
        .list_image_referrers()
        .repository_name(repository)
        .subject_id(subject_id)
        .filter(
            ListImageReferrersFilter::builder()
                .artifact_status(ArtifactStatusFilter::Any)
                .build(),
        )
        .max_results(REFERRERS_PAGE_SIZE)
        .set_next_token(next)
        .send()
        .await
        .map_err(|e| classify(e, "ecr:ListImageReferrers", repository))?;
    Ok(Page {
        items: out
            .referrers()
            .iter()
            .map(|r| {
                let mut annotations: Vec<(String, String)> = r
                    .annotations()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (clean(k), clean(v)))
                    .collect();
                annotations.sort();
                Referrer {
                    digest: clean(r.digest()),
                    media_type: clean(r.media_type()),
                    artifact_type: r.artifact_type().map(clean),
                    size: u64::try_from(r.size()).unwrap_or(0),
                    annotations,
                    status: r.artifact_status().map(|s| clean(s.as_str())),
                }
            })
            .collect(),
        next_token: out.next_token().map(str::to_string),
    })
}

/// The replication status of image `digest` per destination.
pub async fn replication_statuses(
    registry: &EcrRegistry,
    repository: &str,
    digest: &str,
) -> Result<Vec<ReplicationStatus>, EcrError> {
    let out = registry
        .sdk()
        .describe_image_replication_status()
        .repository_name(repository)
        .image_id(by_digest(digest))
        .send()
        .await
        .map_err(|e| classify(e, "ecr:DescribeImageReplicationStatus", repository))?;
    Ok(out
        .replication_statuses()
        .iter()
        .map(|s| ReplicationStatus {
            region: clean(s.region().unwrap_or_default()),
            registry_id: clean(s.registry_id().unwrap_or_default()),
            status: clean(s.status().map_or("", |s| s.as_str())),
            failure_code: s.failure_code().map(clean),
        })
        .collect())
}

/// The signing status of image `digest` per signing profile.
pub async fn signing_statuses(
    registry: &EcrRegistry,
    repository: &str,
    digest: &str,
) -> Result<Vec<SigningStatus>, EcrError> {
    let out = registry
        .sdk()
        .describe_image_signing_status()
        .repository_name(repository)
        .image_id(by_digest(digest))
        .send()
        .await
        .map_err(|e| classify(e, "ecr:DescribeImageSigningStatus", repository))?;
    Ok(out
        .signing_statuses()
        .iter()
        .map(|s| SigningStatus {
            profile_arn: clean(s.signing_profile_arn().unwrap_or_default()),
            status: clean(s.status().map_or("", |s| s.as_str())),
            failure_code: s.failure_code().map(clean),
            failure_reason: s.failure_reason().map(clean),
        })
        .collect())
}
