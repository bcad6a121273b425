//! Scan findings: DescribeImageScanFindings (basic and enhanced shapes) read into berth's
//! own [`Finding`], polling a started scan, the registry's scanning configuration, and
//! the sweep that reads findings across a registry ([`sweep`]). Starting a scan is a write: it lives in `crate::ecr::mutate` and runs through
//! `crate::safety::Mutator`.
//!
//! ECR answers in two shapes. Basic scanning lists `findings[]` with loose key/value
//! `attributes` and reports severity counts; enhanced scanning (Amazon Inspector) lists
//! `enhancedFindings[]` with packages, fixes and scores but may leave the counts out.
//! Both become the same [`Finding`], and [`ImageScan`] counts severities itself whenever
//! the registry did not.

mod convert;
pub mod sweep;
pub(crate) use convert::scan_summary;
pub(crate) use convert::status_word as scan_status_word;
#[cfg(test)]
mod tests;

use super::EcrRegistry;
use super::error::{EcrError, classify};
use super::model::{ScanSummary, Severity, SeverityCounts, short_digest};
use super::mutate::ImageRef;
use super::{MAX_PAGE_SIZE, Registry};
use async_trait::async_trait;
use aws_sdk_ecr::types::ImageIdentifier;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The status berth reports for an image ECR has no scan of (`ScanNotFoundException`).
pub const NOT_SCANNED: &str = "NOT_SCANNED";

/// Whether a version update fixes a finding (Inspector's `fixAvailable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FixAvailable {
    Yes,
    Partial,
    No,
}

impl FixAvailable {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "YES" => Some(FixAvailable::Yes),
            "PARTIAL" => Some(FixAvailable::Partial),
            "NO" => Some(FixAvailable::No),
            _ => None,
        }
    }

    /// `YES`, `PARTIAL`, `NO`, as ECR spells them.
    pub fn label(self) -> &'static str {
        match self {
            FixAvailable::Yes => "YES",
            FixAvailable::Partial => "PARTIAL",
            FixAvailable::No => "NO",
        }
    }
}

/// Which answer shape a scan came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingsShape {
    /// `imageScanFindings.findings[]` (basic scanning).
    Basic,
    /// `imageScanFindings.enhancedFindings[]` (Amazon Inspector).
    Enhanced,
}

/// One finding of an image scan, whichever shape it came in. All text is sanitized.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Usually a CVE id.
    pub name: String,
    pub severity: Severity,
    pub description: String,
    /// A link to the advisory.
    pub uri: Option<String>,
    pub package_name: Option<String>,
    /// The installed version.
    pub package_version: Option<String>,
    pub fixed_in_version: Option<String>,
    /// CVSS (basic) or Inspector score (enhanced).
    pub score: Option<f64>,
    /// Known only for enhanced findings (and basic ones that name a fixed version).
    pub fix_available: Option<FixAvailable>,
    pub exploit_available: Option<bool>,
    pub remediation: Option<String>,
    /// Every other detail, as `key`/`value` pairs in the registry's order.
    pub attributes: Vec<(String, String)>,
    /// Inspector's finding status (ACTIVE, SUPPRESSED, CLOSED); none for basic findings.
    pub status: Option<String>,
}

/// One page of DescribeImageScanFindings.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingsPage {
    /// ECR's scan status word (COMPLETE, ACTIVE, IN_PROGRESS, FAILED, …) or [`NOT_SCANNED`].
    pub status: String,
    pub status_description: Option<String>,
    pub completed_at: Option<Timestamp>,
    pub source_updated_at: Option<Timestamp>,
    /// Severity counts as the registry reported them, when it did.
    pub counts: Option<SeverityCounts>,
    pub shape: Option<FindingsShape>,
    pub findings: Vec<Finding>,
    pub next_token: Option<String>,
}

impl FindingsPage {
    /// A last page with status `status` and nothing else: no findings, counts or times.
    pub fn without_findings(status: &str) -> Self {
        FindingsPage {
            status: status.to_string(),
            status_description: None,
            completed_at: None,
            source_updated_at: None,
            counts: None,
            shape: None,
            findings: Vec::new(),
            next_token: None,
        }
    }
}

impl super::pager::Paged for FindingsPage {
    fn next_token_mut(&mut self) -> &mut Option<String> {
        &mut self.next_token
    }
}

/// Every page of an image's findings, with severity counts one can rely on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageScan {
    pub status: String,
    pub status_description: Option<String>,
    pub completed_at: Option<Timestamp>,
    pub source_updated_at: Option<Timestamp>,
    /// The registry's counts when it gave them, otherwise counted from `findings`.
    pub counts: SeverityCounts,
    /// Whether `counts` came from the registry.
    pub counts_reported: bool,
    pub shape: Option<FindingsShape>,
    pub findings: Vec<Finding>,
}

impl ImageScan {
    /// Add a page; the first page's status and times stand for the whole scan.
    pub fn push_page(&mut self, page: FindingsPage) {
        if self.status.is_empty() {
            self.status = page.status;
            self.status_description = page.status_description;
            self.completed_at = page.completed_at;
            self.source_updated_at = page.source_updated_at;
            self.shape = page.shape;
            if let Some(counts) = page.counts {
                self.counts = counts;
                self.counts_reported = true;
            }
        }
        self.findings.extend(page.findings);
        if !self.counts_reported {
            self.counts = count_severities(&self.findings);
        }
    }

    /// Whether the scan finished with findings to show (COMPLETE or ACTIVE).
    pub fn has_results(&self) -> bool {
        has_results(&self.status)
    }

    /// Status and counts, as the images pane shows them.
    pub fn summary(&self) -> ScanSummary {
        ScanSummary {
            status: self.status.clone(),
            counts: self.has_results().then(|| self.counts.clone()),
        }
    }
}

/// Whether a scan in this status has findings to read.
pub fn has_results(status: &str) -> bool {
    matches!(status, "COMPLETE" | "ACTIVE")
}

/// Whether a scan status will not change without a new scan (polling can stop).
pub fn is_settled(status: &str) -> bool {
    !matches!(status, "IN_PROGRESS" | "PENDING")
}

/// Count findings per severity, most severe first, zero counts left out.
pub fn count_severities(findings: &[Finding]) -> SeverityCounts {
    let mut counts = SeverityCounts::default();
    for severity in Severity::ALL {
        let n = findings.iter().filter(|f| f.severity == severity).count();
        if n > 0 {
            counts.0.push((severity, n as u32));
        }
    }
    counts
}

/// ECR's word for a severity: `CRITICAL`, `HIGH`, …
pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Informational => "INFORMATIONAL",
        Severity::Undefined => "UNDEFINED",
    }
}

/// A severity word from ECR. Inspector's UNTRIAGED is basic scanning's UNDEFINED.
pub fn parse_severity(text: &str) -> Severity {
    Severity::parse(text).unwrap_or(Severity::Undefined)
}

/// The registry-level scanning configuration (GetRegistryScanningConfiguration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanningConfiguration {
    /// `BASIC` or `ENHANCED`.
    pub scan_type: String,
    pub rules: Vec<ScanningRule>,
}

/// One rule: how often repositories matching the filters are scanned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanningRule {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub frequency: String,
    /// Repository name filters (wildcards allowed).
    pub filters: Vec<String>,
}

/// Scanning calls on one registry.
#[async_trait]
pub trait ScanRegistry: Send + Sync {
    /// One page of DescribeImageScanFindings (up to 1000 findings). An image that was
    /// never scanned answers a page with status [`NOT_SCANNED`] rather than an error.
    async fn findings_page(
        &self,
        repository: &str,
        image: &ImageRef,
        next: Option<String>,
    ) -> Result<FindingsPage, EcrError>;

    /// The scan status and counts of one image (DescribeImages by id); None when the image
    /// has no scan.
    async fn scan_status(
        &self,
        repository: &str,
        image: &ImageRef,
    ) -> Result<Option<ScanSummary>, EcrError>;

    /// GetRegistryScanningConfiguration.
    async fn scanning_configuration(&self) -> Result<ScanningConfiguration, EcrError>;

    /// Every page of an image's findings.
    async fn image_findings(
        &self,
        repository: &str,
        image: &ImageRef,
    ) -> Result<ImageScan, EcrError> {
        let mut scan = ImageScan::default();
        super::pager::for_each_page(
            |token| self.findings_page(repository, image, token),
            |page| {
                scan.push_page(page);
                std::ops::ControlFlow::Continue(())
            },
        )
        .await?;
        Ok(scan)
    }
}

/// A registry that can be browsed and scanned; what the findings sweep and runner need.
pub trait ScanBackend: Registry + ScanRegistry {}

impl<T: Registry + ScanRegistry + ?Sized> ScanBackend for T {}

/// How patiently to poll a started scan: the delay doubles from `first` up to `cap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollSchedule {
    pub first: Duration,
    pub cap: Duration,
    /// Status reads before giving up (the scan goes on; only the watching stops).
    pub max_polls: u32,
}

impl PollSchedule {
    /// Basic scans take seconds to a few minutes: 2 s, 4 s, 8 s, … then every 30 s, for
    /// about 20 minutes.
    pub const DEFAULT: PollSchedule = PollSchedule {
        first: Duration::from_secs(2),
        cap: Duration::from_secs(30),
        max_polls: 45,
    };

    /// The delay before poll `poll` (0 for the first) for a jitter draw in `[0, 1)`.
    ///
    /// Half the bound is fixed and half jittered: many scans started together spread
    /// their polls apart without any poll coming back almost at once.
    pub fn delay(&self, poll: u32, jitter: f64) -> Duration {
        let factor = 1u32.checked_shl(poll.min(31)).unwrap_or(u32::MAX);
        let bound = self.first.saturating_mul(factor).min(self.cap);
        bound / 2 + (bound / 2).mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// Poll `image`'s scan status with backoff until it settles (COMPLETE, FAILED, …) or the
/// schedule runs out; `on_status` hears every status read. Returns the last status: one
/// that [`is_settled`] rejects means the poll gave up.
///
/// Throttling does not end the wait (it counts as a poll); other errors do.
pub async fn wait_for_scan<R>(
    registry: &R,
    repository: &str,
    image: &ImageRef,
    schedule: PollSchedule,
    mut on_status: impl FnMut(&ScanSummary) + Send,
) -> Result<ScanSummary, EcrError>
where
    R: ScanRegistry + ?Sized,
{
    let mut last = ScanSummary {
        status: "IN_PROGRESS".into(),
        counts: None,
    };
    for poll in 0..schedule.max_polls {
        tokio::time::sleep(schedule.delay(poll, crate::retry::jitter())).await;
        match registry.scan_status(repository, image).await {
            Ok(Some(summary)) => {
                on_status(&summary);
                let settled = is_settled(&summary.status);
                last = summary;
                if settled {
                    return Ok(last);
                }
            }
            // ECR may not show a just-started scan at once.
            Ok(None) => {}
            Err(EcrError::Throttled { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(last)
}

/// `repo@sha256:3f2a9c1d0e4b` or `repo:tag`, for error messages.
fn subject(repository: &str, image: &ImageRef) -> String {
    match image {
        ImageRef::Tag(tag) => format!("{repository}:{tag}"),
        ImageRef::Digest(digest) => format!("{repository}@{}", short_digest(digest)),
    }
}

fn identifier(image: &ImageRef) -> ImageIdentifier {
    match image {
        ImageRef::Tag(tag) => ImageIdentifier::builder().image_tag(tag).build(),
        ImageRef::Digest(digest) => ImageIdentifier::builder().image_digest(digest).build(),
    }
}

#[async_trait]
impl ScanRegistry for EcrRegistry {
    async fn findings_page(
        &self,
        repository: &str,
        image: &ImageRef,
        next: Option<String>,
    ) -> Result<FindingsPage, EcrError> {
        let result = self
            .sdk()
            .describe_image_scan_findings()
            .repository_name(repository)
            .image_id(identifier(image))
            .max_results(MAX_PAGE_SIZE)
            .set_next_token(next)
            .send()
            .await;
        match result {
            Ok(out) => Ok(convert::page(&out)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_scan_not_found_exception()) =>
            {
                Ok(FindingsPage {
                    status_description: Some("this image has never been scanned".into()),
                    ..FindingsPage::without_findings(NOT_SCANNED)
                })
            }
            Err(err) => Err(classify(
                err,
                "ecr:DescribeImageScanFindings",
                &subject(repository, image),
            )),
        }
    }

    async fn scan_status(
        &self,
        repository: &str,
        image: &ImageRef,
    ) -> Result<Option<ScanSummary>, EcrError> {
        let out = self
            .sdk()
            .describe_images()
            .repository_name(repository)
            .image_ids(identifier(image))
            .send()
            .await
            .map_err(|e| classify(e, "ecr:DescribeImages", &subject(repository, image)))?;
        Ok(out.image_details().first().and_then(convert::scan_summary))
    }

    async fn scanning_configuration(&self) -> Result<ScanningConfiguration, EcrError> {
        let out = self
            .sdk()
            .get_registry_scanning_configuration()
            .send()
            .await
            .map_err(|e| {
                classify(
                    e,
                    "ecr:GetRegistryScanningConfiguration",
                    &self.target().label(),
                )
            })?;
        Ok(convert::scanning_configuration(
            out.scanning_configuration(),
        ))
    }
}
