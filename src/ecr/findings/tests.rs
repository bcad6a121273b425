use super::convert::{basic_finding, counts, enhanced_finding, page};
use super::*;
use aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsOutput;
use aws_sdk_ecr::types::{
    Attribute, CvssScore, EnhancedImageScanFinding, FindingSeverity, ImageScanFinding,
    ImageScanFindings, ImageScanStatus, PackageVulnerabilityDetails, Recommendation, Remediation,
    ScanStatus, VulnerablePackage,
};
use std::collections::HashMap;
use std::sync::Mutex;

fn attribute(key: &str, value: &str) -> Attribute {
    Attribute::builder().key(key).value(value).build().unwrap()
}

fn basic(name: &str, severity: FindingSeverity) -> ImageScanFinding {
    ImageScanFinding::builder()
        .name(name)
        .severity(severity)
        .description("zlib1g: an integer overflow.")
        .uri("https://security-tracker.debian.org/tracker/CVE-2023-45853")
        .attributes(attribute("package_version", "1:1.2.13.dfsg-1"))
        .attributes(attribute("package_name", "zlib1g"))
        .attributes(attribute("CVSS3_SCORE", "9.8"))
        .build()
}

fn enhanced(severity: &str) -> EnhancedImageScanFinding {
    EnhancedImageScanFinding::builder()
        .severity(severity)
        .title("CVE-2023-44487 - golang.org/x/net")
        .description("HTTP/2 rapid reset.")
        .status("ACTIVE")
        .fix_available("PARTIAL")
        .exploit_available("YES")
        .score(7.5)
        .package_vulnerability_details(
            PackageVulnerabilityDetails::builder()
                .vulnerability_id("CVE-2023-44487")
                .source_url("https://nvd.nist.gov/vuln/detail/CVE-2023-44487")
                .cvss(
                    CvssScore::builder()
                        .base_score(7.5)
                        .scoring_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")
                        .build(),
                )
                .vulnerable_packages(
                    VulnerablePackage::builder()
                        .name("libnghttp2-14")
                        .version("1.52.0")
                        .release("1")
                        .epoch(0)
                        .fixed_in_version("1.52.0-1+deb12u1")
                        .package_manager("OS")
                        .build(),
                )
                .vulnerable_packages(
                    VulnerablePackage::builder()
                        .name("nghttp2")
                        .version("1.52.0")
                        .fixed_in_version("NotAvailable")
                        .build(),
                )
                .build(),
        )
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text("Upgrade libnghttp2-14 to 1.52.0-1+deb12u1 or later.")
                        .build(),
                )
                .build(),
        )
        .build()
}

#[test]
fn basic_findings_read_package_and_score_from_attributes() {
    let finding = basic_finding(&basic("CVE-2023-45853", FindingSeverity::Critical));
    assert_eq!(finding.name, "CVE-2023-45853");
    assert_eq!(finding.severity, Severity::Critical);
    assert_eq!(finding.package_name.as_deref(), Some("zlib1g"));
    assert_eq!(finding.package_version.as_deref(), Some("1:1.2.13.dfsg-1"));
    assert_eq!(finding.score, Some(9.8));
    assert_eq!(finding.fix_available, None);
    assert_eq!(finding.fixed_in_version, None);
    assert_eq!(finding.attributes.len(), 3);
}

#[test]
fn enhanced_findings_read_packages_fixes_and_untriaged() {
    let finding = enhanced_finding(&enhanced("HIGH"));
    assert_eq!(finding.name, "CVE-2023-44487");
    assert_eq!(finding.severity, Severity::High);
    assert_eq!(finding.package_name.as_deref(), Some("libnghttp2-14"));
    assert_eq!(finding.package_version.as_deref(), Some("1.52.0-1"));
    assert_eq!(
        finding.fixed_in_version.as_deref(),
        Some("1.52.0-1+deb12u1")
    );
    assert_eq!(finding.fix_available, Some(FixAvailable::Partial));
    assert_eq!(finding.exploit_available, Some(true));
    assert_eq!(finding.score, Some(7.5));
    assert_eq!(finding.status.as_deref(), Some("ACTIVE"));
    assert_eq!(
        finding.uri.as_deref(),
        Some("https://nvd.nist.gov/vuln/detail/CVE-2023-44487")
    );
    assert!(
        finding
            .remediation
            .unwrap()
            .starts_with("Upgrade libnghttp2-14")
    );
    let packages: Vec<&str> = finding
        .attributes
        .iter()
        .filter(|(k, _)| k == "vulnerable_package")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        packages,
        [
            "libnghttp2-14 1.52.0-1 → 1.52.0-1+deb12u1 (OS)",
            "nghttp2 1.52.0 → no fix"
        ]
    );
    assert_eq!(
        enhanced_finding(&enhanced("UNTRIAGED")).severity,
        Severity::Undefined
    );
}

#[test]
fn registry_text_is_sanitized() {
    let hostile = ImageScanFinding::builder()
        .name("CVE-1\u{1b}[2J")
        .description("a\u{1b}]52;c;cHduZWQ=\u{7}b\u{7}c\u{1b}[6n")
        .attributes(attribute("package_name", "ssl\u{1b}]0;title\u{7}"))
        .build();
    let finding = basic_finding(&hostile);
    let all = format!(
        "{}{}{:?}{:?}",
        finding.name, finding.description, finding.package_name, finding.attributes
    );
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all}");
    assert!(!all.contains("cHduZWQ") && !all.contains("title"), "{all}");
    assert_eq!(finding.description, "a\u{fffd}b\u{fffd}c\u{fffd}");
}

#[test]
fn untriaged_counts_fold_into_undefined() {
    let map = HashMap::from([
        (FindingSeverity::High, 2),
        (FindingSeverity::from("UNTRIAGED"), 3),
        (FindingSeverity::Undefined, 1),
        (FindingSeverity::Low, 0),
    ]);
    assert_eq!(
        counts(&map),
        SeverityCounts(vec![(Severity::High, 2), (Severity::Undefined, 4)])
    );
}

fn output(
    status: ScanStatus,
    findings: ImageScanFindings,
    next: Option<&str>,
) -> DescribeImageScanFindingsOutput {
    DescribeImageScanFindingsOutput::builder()
        .image_scan_status(ImageScanStatus::builder().status(status).build())
        .image_scan_findings(findings)
        .set_next_token(next.map(str::to_string))
        .build()
}

#[test]
fn scans_count_severities_when_the_registry_does_not() {
    let first = page(&output(
        ScanStatus::Active,
        ImageScanFindings::builder()
            .enhanced_findings(enhanced("HIGH"))
            .enhanced_findings(enhanced("CRITICAL"))
            .build(),
        Some("token"),
    ));
    assert_eq!(first.shape, Some(FindingsShape::Enhanced));
    assert_eq!(first.counts, None);
    assert_eq!(first.next_token.as_deref(), Some("token"));
    let second = page(&output(
        ScanStatus::Active,
        ImageScanFindings::builder()
            .enhanced_findings(enhanced("HIGH"))
            .build(),
        None,
    ));
    let mut scan = ImageScan::default();
    scan.push_page(first);
    scan.push_page(second);
    assert!(!scan.counts_reported);
    assert_eq!(
        scan.counts,
        SeverityCounts(vec![(Severity::Critical, 1), (Severity::High, 2)])
    );
    assert_eq!(scan.summary().status, "ACTIVE");
    assert_eq!(scan.summary().counts.unwrap().compact(), "C1 H2");
}

#[test]
fn reported_counts_win_over_counting() {
    let answer = page(&output(
        ScanStatus::Complete,
        ImageScanFindings::builder()
            .findings(basic("CVE-1", FindingSeverity::Low))
            .finding_severity_counts(FindingSeverity::Low, 7)
            .build(),
        Some("more"),
    ));
    assert_eq!(answer.shape, Some(FindingsShape::Basic));
    let mut scan = ImageScan::default();
    scan.push_page(answer);
    assert!(scan.counts_reported);
    assert_eq!(scan.counts.get(Severity::Low), 7);
}

#[test]
fn poll_delays_double_up_to_the_cap_with_half_jitter() {
    let schedule = PollSchedule::DEFAULT;
    assert_eq!(schedule.delay(0, 0.0), Duration::from_secs(1));
    assert_eq!(
        schedule.delay(0, 0.999_999),
        Duration::from_millis(1_999) + Duration::from_nanos(999_000)
    );
    assert_eq!(schedule.delay(2, 0.5), Duration::from_secs(6));
    assert_eq!(schedule.delay(10, 0.0), Duration::from_secs(15));
    assert_eq!(schedule.delay(40, 1.0), Duration::from_secs(30));
    assert!(is_settled("COMPLETE") && is_settled("FAILED") && is_settled("UNSUPPORTED_IMAGE"));
    assert!(!is_settled("IN_PROGRESS") && !is_settled("PENDING"));
}

/// Answers scan status reads from a script.
struct Scripted(Mutex<Vec<Result<Option<ScanSummary>, EcrError>>>);

#[async_trait]
impl ScanRegistry for Scripted {
    async fn findings_page(
        &self,
        _: &str,
        _: &ImageRef,
        _: Option<String>,
    ) -> Result<FindingsPage, EcrError> {
        unreachable!()
    }
    async fn scan_status(&self, _: &str, _: &ImageRef) -> Result<Option<ScanSummary>, EcrError> {
        self.0.lock().unwrap().remove(0)
    }
    async fn scanning_configuration(&self) -> Result<ScanningConfiguration, EcrError> {
        unreachable!()
    }
}

fn status(word: &str) -> Result<Option<ScanSummary>, EcrError> {
    Ok(Some(ScanSummary {
        status: word.into(),
        counts: None,
    }))
}

const INSTANT: PollSchedule = PollSchedule {
    first: Duration::ZERO,
    cap: Duration::ZERO,
    max_polls: 5,
};

#[tokio::test]
async fn waiting_reports_each_status_until_settled() {
    let throttled = Err(EcrError::Throttled {
        action: "ecr:DescribeImages".into(),
        subject: "web/app".into(),
    });
    let registry = Scripted(Mutex::new(vec![
        status("IN_PROGRESS"),
        throttled,
        Ok(None),
        status("COMPLETE"),
    ]));
    let mut seen = Vec::new();
    let image = ImageRef::Tag("v1".into());
    let last = wait_for_scan(&registry, "web/app", &image, INSTANT, |s| {
        seen.push(s.status.clone())
    })
    .await
    .unwrap();
    assert_eq!(last.status, "COMPLETE");
    assert_eq!(seen, ["IN_PROGRESS", "COMPLETE"]);
}

#[tokio::test]
async fn waiting_gives_up_after_the_schedule_and_stops_on_errors() {
    let registry = Scripted(Mutex::new((0..5).map(|_| status("IN_PROGRESS")).collect()));
    let image = ImageRef::Tag("v1".into());
    let last = wait_for_scan(&registry, "web/app", &image, INSTANT, |_| {})
        .await
        .unwrap();
    assert!(!is_settled(&last.status));
    let denied = Scripted(Mutex::new(vec![Err(EcrError::AccessDenied {
        action: "ecr:DescribeImages".into(),
        subject: "web/app".into(),
        message: String::new(),
    })]));
    assert!(
        wait_for_scan(&denied, "web/app", &image, INSTANT, |_| {})
            .await
            .is_err()
    );
}
