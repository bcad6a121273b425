//! Reading a repository's lifecycle policy, and the results of ECR's own preview of one.
//! Writing a policy and starting a preview are mutations: their calls live in
//! `crate::ecr::mutate` and run through `crate::safety::Mutator`; the runtime starts a
//! preview through the gate and polls it here (`crate::runtime::lifecycle`).

use super::client::EcrRegistry;
use super::error::{EcrError, classify};
use super::pager::{self, Paged};
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::operation::get_lifecycle_policy_preview::GetLifecyclePolicyPreviewOutput;
use std::ops::ControlFlow;

/// The lifecycle policy text of `repository`, or `None` when it has no policy.
///
/// ECR answers "no policy" with `LifecyclePolicyNotFoundException`; that is a normal
/// state of a repository, not a failure, so it never reaches the caller as an error.
pub async fn lifecycle_policy(
    registry: &EcrRegistry,
    repository: &str,
) -> Result<Option<String>, EcrError> {
    let result = registry
        .sdk()
        .get_lifecycle_policy()
        .repository_name(repository)
        .send()
        .await;
    match result {
        Ok(out) => Ok(out.lifecycle_policy_text().map(str::to_string)),
        Err(err) if err.code() == Some("LifecyclePolicyNotFoundException") => Ok(None),
        Err(err) => Err(classify(err, "ecr:GetLifecyclePolicy", repository)),
    }
}

// ECR's own preview. Added below the reader so the reader, which `berth audit` depends
// on, stays exactly as it is.

use super::convert::timestamp;
use crate::sanitize::sanitize;
use aws_sdk_ecr::types::{ImageActionType, LifecyclePolicyPreviewStatus};
use jiff::Timestamp;

/// Where ECR's preview of a policy stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewStatus {
    /// ECR is still evaluating; ask again later.
    InProgress,
    /// The results are complete.
    Complete,
    /// The preview is too old and ECR discarded it; start a new one.
    Expired,
    /// ECR could not evaluate the policy.
    Failed,
    /// A status this SDK does not know.
    Other(String),
}

/// What ECR's preview does to an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewAction {
    Expire,
    /// Move to archive storage.
    Transition,
    Other(String),
}

/// One image in ECR's preview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewImage {
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at: Option<Timestamp>,
    /// The rule that acts on the image.
    pub rule_priority: Option<u32>,
    pub action: PreviewAction,
}

/// ECR's own lifecycle preview of a repository (StartLifecyclePolicyPreview +
/// GetLifecyclePolicyPreview).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcrPreview {
    pub status: PreviewStatus,
    /// The images ECR would act on, every page read; empty unless `Complete`.
    pub images: Vec<PreviewImage>,
    /// ECR's summary count of expiring images, when it gave one.
    pub expiring_total: Option<u32>,
    /// The policy text ECR previewed, as it echoes it.
    pub policy_text: Option<String>,
    /// False when a preview was already running and berth read that one instead of
    /// starting its own: its policy text may differ from the one asked for.
    pub started: bool,
}

/// The most results GetLifecyclePolicyPreview returns per page.
const PREVIEW_PAGE_SIZE: i32 = 100;

/// Read the preview's status and, once complete, every page of its results.
pub async fn preview_pages(
    registry: &EcrRegistry,
    repository: &str,
) -> Result<EcrPreview, EcrError> {
    let mut preview = EcrPreview {
        status: PreviewStatus::InProgress,
        images: Vec::new(),
        expiring_total: None,
        policy_text: None,
        started: true,
    };
    pager::for_each_page(
        |token| async move {
            registry
                .sdk()
                .get_lifecycle_policy_preview()
                .repository_name(repository)
                .max_results(PREVIEW_PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| classify(err, "ecr:GetLifecyclePolicyPreview", repository))
        },
        |out: GetLifecyclePolicyPreviewOutput| {
            preview.status = match out.status() {
                Some(LifecyclePolicyPreviewStatus::InProgress) | None => PreviewStatus::InProgress,
                Some(LifecyclePolicyPreviewStatus::Complete) => PreviewStatus::Complete,
                Some(LifecyclePolicyPreviewStatus::Expired) => PreviewStatus::Expired,
                Some(LifecyclePolicyPreviewStatus::Failed) => PreviewStatus::Failed,
                Some(other) => PreviewStatus::Other(sanitize(other.as_str()).into_owned()),
            };
            preview.policy_text = out.lifecycle_policy_text().map(str::to_string);
            preview.expiring_total = out
                .summary()
                .and_then(|s| s.expiring_image_total_count())
                .map(|n| n.max(0) as u32);
            if preview.status != PreviewStatus::Complete {
                preview.images.clear();
                return ControlFlow::Break(());
            }
            preview
                .images
                .extend(out.preview_results().iter().filter_map(|result| {
                    Some(PreviewImage {
                        digest: sanitize(result.image_digest()?).into_owned(),
                        tags: result
                            .image_tags()
                            .iter()
                            .map(|t| sanitize(t).into_owned())
                            .collect(),
                        pushed_at: timestamp(result.image_pushed_at()),
                        rule_priority: result
                            .applied_rule_priority()
                            .and_then(|p| u32::try_from(p).ok()),
                        action: match result.action().and_then(|a| a.r#type()) {
                            Some(ImageActionType::Expire) | None => PreviewAction::Expire,
                            Some(ImageActionType::Transition) => PreviewAction::Transition,
                            Some(other) => {
                                PreviewAction::Other(sanitize(other.as_str()).into_owned())
                            }
                        },
                    })
                }));
            ControlFlow::Continue(())
        },
    )
    .await?;
    Ok(preview)
}

/// The preview's result pages are followed like every other listing.
impl Paged for GetLifecyclePolicyPreviewOutput {
    fn next_token_mut(&mut self) -> &mut Option<String> {
        &mut self.next_token
    }
}
