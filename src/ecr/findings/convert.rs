//! SDK scan shapes → berth's findings model. Every string from the registry is sanitized
//! here, so nothing above `src/ecr/` can forget to.

use super::{
    Finding, FindingsPage, FindingsShape, FixAvailable, ScanningConfiguration, ScanningRule,
    parse_severity,
};
use crate::ecr::convert::timestamp;
use crate::ecr::model::{ScanSummary, Severity, SeverityCounts};
use crate::sanitize::sanitize;
use aws_sdk_ecr::operation::describe_image_scan_findings::DescribeImageScanFindingsOutput;
use aws_sdk_ecr::types::{
    self as sdk, EnhancedImageScanFinding, FindingSeverity, ImageScanFinding, ImageScanStatus,
};
use std::collections::HashMap;

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

fn clean_opt(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

/// The status word of an `imageScanStatus` (UNKNOWN when the registry sent none).
pub(crate) fn status_word(status: Option<&ImageScanStatus>) -> String {
    status
        .and_then(|s| s.status())
        .map_or_else(|| "UNKNOWN".to_string(), |s| clean(s.as_str()))
}

/// Severity counts keyed by ECR's words; UNTRIAGED is folded into UNDEFINED.
pub(super) fn counts(map: &HashMap<FindingSeverity, i32>) -> SeverityCounts {
    let mut out = SeverityCounts::default();
    for severity in Severity::ALL {
        let n: i64 = map
            .iter()
            .filter(|(word, _)| parse_severity(word.as_str()) == severity)
            .map(|(_, n)| i64::from((*n).max(0)))
            .sum();
        if n > 0 {
            out.0.push((severity, n as u32));
        }
    }
    out
}

/// Status and counts of a DescribeImages entry, None when it has no scan.
pub(crate) fn scan_summary(detail: &sdk::ImageDetail) -> Option<ScanSummary> {
    let status = detail.image_scan_status()?;
    Some(ScanSummary {
        status: status_word(Some(status)),
        counts: detail
            .image_scan_findings_summary()
            .and_then(|s| s.finding_severity_counts())
            .map(counts),
    })
}

pub(super) fn page(out: &DescribeImageScanFindingsOutput) -> FindingsPage {
    let status = out.image_scan_status();
    let results = out.image_scan_findings();
    let basic = results.map(|r| r.findings()).unwrap_or_default();
    let enhanced = results.map(|r| r.enhanced_findings()).unwrap_or_default();
    // An empty list and a missing one read the same through the SDK; continuous
    // (ACTIVE) scanning is always Inspector's.
    let status_text = status_word(status);
    let shape = match results {
        None => None,
        Some(_) if !enhanced.is_empty() || status_text == "ACTIVE" => Some(FindingsShape::Enhanced),
        Some(_) => Some(FindingsShape::Basic),
    };
    let mut findings: Vec<Finding> = basic.iter().map(basic_finding).collect();
    findings.extend(enhanced.iter().map(enhanced_finding));
    FindingsPage {
        status: status_text,
        status_description: status.and_then(|s| clean_opt(s.description())),
        completed_at: timestamp(results.and_then(|r| r.image_scan_completed_at())),
        source_updated_at: timestamp(results.and_then(|r| r.vulnerability_source_updated_at())),
        counts: results
            .and_then(|r| r.finding_severity_counts())
            .map(counts),
        shape,
        findings,
        next_token: out.next_token().map(str::to_string),
    }
}

/// A basic finding: the package, version and score live in loose attributes.
pub(super) fn basic_finding(finding: &ImageScanFinding) -> Finding {
    let attributes: Vec<(String, String)> = finding
        .attributes()
        .iter()
        .map(|a| (clean(a.key()), clean(a.value().unwrap_or_default())))
        .collect();
    let attribute = |key: &str| {
        attributes
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let score = ["CVSS3_SCORE", "CVSS4_SCORE", "CVSS2_SCORE"]
        .iter()
        .find_map(|key| attribute(key).and_then(|v| v.trim().parse::<f64>().ok()))
        .filter(|s| s.is_finite());
    let fixed_in_version = attribute("fixed_in_version").or_else(|| attribute("fixedInVersion"));
    let fix_available = fixed_in_version.as_ref().map(|_| FixAvailable::Yes);
    Finding {
        name: clean(finding.name().unwrap_or_default()),
        severity: finding
            .severity()
            .map_or(Severity::Undefined, |s| parse_severity(s.as_str())),
        description: clean(finding.description().unwrap_or_default()),
        uri: clean_opt(finding.uri()),
        package_name: attribute("package_name"),
        package_version: attribute("package_version"),
        fixed_in_version,
        score,
        fix_available,
        exploit_available: None,
        remediation: None,
        attributes,
        status: None,
    }
}

/// `epoch:version-release`, as package managers print an installed version.
fn full_version(package: &sdk::VulnerablePackage) -> Option<String> {
    let version = package.version().filter(|v| !v.is_empty())?;
    let mut out = String::new();
    if let Some(epoch) = package.epoch().filter(|e| *e > 0) {
        out.push_str(&format!("{epoch}:"));
    }
    out.push_str(version);
    if let Some(release) = package.release().filter(|r| !r.is_empty()) {
        out.push('-');
        out.push_str(release);
    }
    Some(clean(&out))
}

/// Inspector says `NotAvailable` where there is no fixed version.
fn fixed_version(package: &sdk::VulnerablePackage) -> Option<String> {
    package
        .fixed_in_version()
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NotAvailable"))
        .map(clean)
}

/// An enhanced (Inspector) finding.
pub(super) fn enhanced_finding(finding: &EnhancedImageScanFinding) -> Finding {
    let details = finding.package_vulnerability_details();
    let packages = details.map(|d| d.vulnerable_packages()).unwrap_or_default();
    let first = packages.first();
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut push = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            attributes.push((key.to_string(), clean(value)));
        }
    };
    push("title", finding.title());
    push("type", finding.r#type());
    push("finding_arn", finding.finding_arn());
    if let Some(details) = details {
        push("source", details.source());
        push("vendor_severity", details.vendor_severity());
        for cvss in details.cvss() {
            push("cvss_vector", cvss.scoring_vector());
        }
        for url in details.reference_urls() {
            push("reference_url", Some(url));
        }
        for related in details.related_vulnerabilities() {
            push("related_vulnerability", Some(related));
        }
    }
    for package in packages {
        let text = format!(
            "{} {} → {}{}",
            package.name().unwrap_or("?"),
            full_version(package).unwrap_or_else(|| "?".into()),
            fixed_version(package).unwrap_or_else(|| "no fix".into()),
            package
                .package_manager()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default(),
        );
        push("vulnerable_package", Some(&text));
        push("file_path", package.file_path());
    }
    let observed =
        |time: Option<&aws_smithy_types::DateTime>| timestamp(time).map(|t| t.to_string());
    push(
        "first_observed_at",
        observed(finding.first_observed_at()).as_deref(),
    );
    push(
        "last_observed_at",
        observed(finding.last_observed_at()).as_deref(),
    );

    // The SDK reads a missing score as 0.0, and no real finding scores exactly zero.
    let score = [
        finding.score(),
        finding
            .score_details()
            .and_then(|d| d.cvss())
            .map_or(0.0, |c| c.score()),
        details
            .and_then(|d| d.cvss().first())
            .map_or(0.0, |c| c.base_score()),
    ]
    .into_iter()
    .find(|s| s.is_finite() && *s > 0.0);
    let remediation = finding
        .remediation()
        .and_then(|r| r.recommendation())
        .and_then(|r| {
            let text = r.text().filter(|t| !t.is_empty());
            match (text, r.url().filter(|u| !u.is_empty())) {
                (Some(text), Some(url)) => Some(format!("{text} ({url})")),
                (Some(text), None) => Some(text.to_string()),
                (None, Some(url)) => Some(url.to_string()),
                (None, None) => None,
            }
        })
        .map(|t| clean(&t));
    let name = details
        .and_then(|d| d.vulnerability_id())
        .or(finding.title())
        .unwrap_or_default();
    Finding {
        name: clean(name),
        severity: finding
            .severity()
            .map_or(Severity::Undefined, parse_severity),
        description: clean(finding.description().unwrap_or_default()),
        uri: details
            .and_then(|d| {
                d.source_url()
                    .or_else(|| d.reference_urls().first().map(String::as_str))
            })
            .and_then(|u| clean_opt(Some(u))),
        package_name: first.and_then(|p| clean_opt(p.name())),
        package_version: first.and_then(full_version),
        fixed_in_version: first.and_then(fixed_version),
        score,
        fix_available: finding.fix_available().and_then(FixAvailable::parse),
        exploit_available: finding.exploit_available().and_then(|e| {
            match e.to_ascii_uppercase().as_str() {
                "YES" => Some(true),
                "NO" => Some(false),
                _ => None,
            }
        }),
        remediation,
        attributes,
        status: clean_opt(finding.status()),
    }
}

pub(super) fn scanning_configuration(
    config: Option<&sdk::RegistryScanningConfiguration>,
) -> ScanningConfiguration {
    ScanningConfiguration {
        scan_type: config
            .and_then(|c| c.scan_type())
            .map_or_else(|| "BASIC".to_string(), |t| clean(t.as_str())),
        rules: config
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .map(|rule| ScanningRule {
                frequency: clean(rule.scan_frequency().as_str()),
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| clean(f.filter()))
                    .collect(),
            })
            .collect(),
    }
}
