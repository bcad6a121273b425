//! `berth findings` output: a triage table for people, JSON and CSV for scripts.
//!
//! Every string in a report is registry text that `src/ecr/` already sanitized, so no
//! terminal control sequence can reach stdout through it.

use crate::app::findings::grouping::{CveGroup, Triage};
use crate::ecr::findings::sweep::{ImageFindings, SweepError};
use crate::ecr::findings::{Finding, severity_word};
use crate::ecr::model::{Severity, SeverityCounts};
use crate::ecr::names::pinned_uri;
use crate::format;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The output formats of `berth findings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One line per CVE, most severe and most widespread first.
    Table,
    /// One JSON document (documented in the README).
    Json,
    /// One line per CVE and affected image.
    Csv,
}

/// A finished findings report, ready to print.
pub struct Report<'a> {
    pub generated_at: Timestamp,
    pub profile: String,
    pub region: String,
    pub account: String,
    pub min_severity: Severity,
    pub all_repositories: bool,
    pub repositories: &'a [String],
    pub images: &'a [ImageFindings],
    pub triage: &'a Triage,
    pub errors: &'a [SweepError],
}

impl Report<'_> {
    fn uri(&self, image: &ImageFindings) -> String {
        pinned_uri(
            &self.account,
            &self.region,
            &image.repository,
            None,
            &image.digest,
        )
        .unwrap_or_else(|_| format!("{}@{}", image.repository, image.digest))
    }

    /// Affected images: those with at least one finding at the minimum severity.
    fn affected(&self) -> impl Iterator<Item = &ImageFindings> {
        let min = self.min_severity;
        self.images
            .iter()
            .filter(move |i| i.at_or_above(min).next().is_some())
    }

    pub fn totals(&self) -> Totals {
        let mut by_severity = BTreeMap::new();
        let mut findings = 0;
        for image in self.affected() {
            for finding in image.at_or_above(self.min_severity) {
                *by_severity.entry(finding.severity).or_insert(0) += 1;
                findings += 1;
            }
        }
        let scanned = self.images.iter().filter(|i| i.scan.has_results()).count();
        let not_scanned = self
            .images
            .iter()
            .filter(|i| i.scan.status == crate::ecr::findings::NOT_SCANNED)
            .count();
        Totals {
            repositories: self.repositories.len(),
            images: self.images.len(),
            images_scanned: scanned,
            images_not_scanned: not_scanned,
            images_other_status: self.images.len() - scanned - not_scanned,
            images_affected: self.affected().count(),
            findings,
            cves: self.triage.groups.len(),
            by_severity: by_severity
                .into_iter()
                .map(|(s, n)| (severity_word(s), n))
                .collect(),
        }
    }
}

/// Report totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub repositories: usize,
    pub images: usize,
    /// Scans COMPLETE or ACTIVE.
    pub images_scanned: usize,
    pub images_not_scanned: usize,
    /// IN_PROGRESS, FAILED, UNSUPPORTED_IMAGE, …
    pub images_other_status: usize,
    pub images_affected: usize,
    pub findings: usize,
    pub cves: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
}

fn counts_map(counts: &SeverityCounts) -> BTreeMap<&'static str, u32> {
    counts
        .0
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (severity_word(*s), *n))
        .collect()
}

// ---------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonReport<'a> {
    generated_at: String,
    registry: JsonRegistry<'a>,
    min_severity: &'static str,
    scope: JsonScope<'a>,
    totals: Totals,
    cves: Vec<JsonCve<'a>>,
    images: Vec<JsonImage<'a>>,
    errors: Vec<JsonError>,
}

#[derive(Serialize)]
struct JsonRegistry<'a> {
    profile: &'a str,
    region: &'a str,
    account: &'a str,
}

#[derive(Serialize)]
struct JsonScope<'a> {
    all: bool,
    repositories: &'a [String],
}

#[derive(Serialize)]
struct JsonCve<'a> {
    name: &'a str,
    severity: &'static str,
    score: Option<f64>,
    description: &'a str,
    uri: Option<&'a str>,
    packages: &'a [String],
    fix_available: &'static str,
    fixed_in_versions: &'a [String],
    exploit_available: bool,
    images: usize,
    repositories: &'a [String],
    affected: Vec<JsonAffected<'a>>,
}

#[derive(Serialize)]
struct JsonAffected<'a> {
    repository: &'a str,
    digest: &'a str,
    tags: &'a [String],
    uri: String,
    package_name: Option<&'a str>,
    package_version: Option<&'a str>,
    fixed_in_version: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonImage<'a> {
    repository: &'a str,
    digest: &'a str,
    tags: &'a [String],
    uri: String,
    pushed_at: Option<String>,
    last_pulled_at: Option<String>,
    scan_status: &'a str,
    severity_counts: BTreeMap<&'static str, u32>,
    counts_reported: bool,
    findings_shape: Option<crate::ecr::findings::FindingsShape>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    name: &'a str,
    severity: &'static str,
    score: Option<f64>,
    package_name: Option<&'a str>,
    package_version: Option<&'a str>,
    fixed_in_version: Option<&'a str>,
    fix_available: Option<&'static str>,
    exploit_available: Option<bool>,
    uri: Option<&'a str>,
    description: &'a str,
    remediation: Option<&'a str>,
    status: Option<&'a str>,
    attributes: Vec<JsonAttribute<'a>>,
}

#[derive(Serialize)]
struct JsonAttribute<'a> {
    key: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct JsonError {
    repository: Option<String>,
    image: Option<String>,
    code: String,
    message: String,
}

fn json_finding(finding: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        name: &finding.name,
        severity: severity_word(finding.severity),
        score: finding.score,
        package_name: finding.package_name.as_deref(),
        package_version: finding.package_version.as_deref(),
        fixed_in_version: finding.fixed_in_version.as_deref(),
        fix_available: finding.fix_available.map(|f| f.label()),
        exploit_available: finding.exploit_available,
        uri: finding.uri.as_deref(),
        description: &finding.description,
        remediation: finding.remediation.as_deref(),
        status: finding.status.as_deref(),
        attributes: finding
            .attributes
            .iter()
            .map(|(key, value)| JsonAttribute { key, value })
            .collect(),
    }
}

fn json_cve<'a>(report: &'a Report<'a>, group: &'a CveGroup) -> JsonCve<'a> {
    JsonCve {
        name: &group.name,
        severity: severity_word(group.severity),
        score: group.score,
        description: &group.description,
        uri: group.uri.as_deref(),
        packages: &group.packages,
        fix_available: group.fix.label(),
        fixed_in_versions: &group.fixed_in,
        exploit_available: group.exploit,
        images: group.affected.len(),
        repositories: &group.repositories,
        affected: group
            .affected
            .iter()
            .map(|a| {
                let image = &report.images[a.image];
                JsonAffected {
                    repository: &image.repository,
                    digest: &image.digest,
                    tags: &image.tags,
                    uri: report.uri(image),
                    package_name: a.package_name.as_deref(),
                    package_version: a.package_version.as_deref(),
                    fixed_in_version: a.fixed_in_version.as_deref(),
                }
            })
            .collect(),
    }
}

/// Write the report as one pretty-printed JSON document and a newline.
pub fn json(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let min = report.min_severity;
    let document = JsonReport {
        generated_at: report.generated_at.to_string(),
        registry: JsonRegistry {
            profile: &report.profile,
            region: &report.region,
            account: &report.account,
        },
        min_severity: severity_word(min),
        scope: JsonScope {
            all: report.all_repositories,
            repositories: report.repositories,
        },
        totals: report.totals(),
        cves: report
            .triage
            .sorted()
            .into_iter()
            .map(|group| json_cve(report, group))
            .collect(),
        images: report
            .affected()
            .map(|image| JsonImage {
                repository: &image.repository,
                digest: &image.digest,
                tags: &image.tags,
                uri: report.uri(image),
                pushed_at: image.pushed_at.map(|t| t.to_string()),
                last_pulled_at: image.last_pulled_at.map(|t| t.to_string()),
                scan_status: &image.scan.status,
                severity_counts: counts_map(&image.scan.counts),
                counts_reported: image.scan.counts_reported,
                findings_shape: image.scan.shape,
                findings: image.at_or_above(min).map(json_finding).collect(),
            })
            .collect(),
        errors: report
            .errors
            .iter()
            .map(|e| JsonError {
                repository: e.repository.clone(),
                image: e.image.clone(),
                code: e.error.code().to_string(),
                message: e.error.without_key_hint(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

// ---------------------------------------------------------------------------------------
// CSV

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "cve",
    "severity",
    "score",
    "fix_available",
    "exploit_available",
    "package_name",
    "package_version",
    "fixed_in_version",
    "repository",
    "digest",
    "tags",
    "uri",
];

/// Write one line per CVE and affected image, in triage order. Tags are space-separated;
/// empty cells mean unknown.
pub fn csv(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let mut out = crate::csv::Writer::new(out, crate::csv::LineEnding::Crlf);
    out.record(CSV_COLUMNS)?;
    for group in report.triage.sorted() {
        for affected in &group.affected {
            let image = &report.images[affected.image];
            out.record([
                group.name.clone(),
                severity_word(group.severity).to_string(),
                group.score.map(|s| s.to_string()).unwrap_or_default(),
                affected.fix.label().to_string(),
                group.exploit.to_string(),
                affected.package_name.clone().unwrap_or_default(),
                affected.package_version.clone().unwrap_or_default(),
                affected.fixed_in_version.clone().unwrap_or_default(),
                image.repository.clone(),
                image.digest.clone(),
                image.tags.join(" "),
                report.uri(image),
            ])?;
        }
    }
    out.finish()
}

// ---------------------------------------------------------------------------------------
// Table

const TABLE_HEADERS: [&str; 8] = [
    "SEVERITY", "CVE", "SCORE", "IMAGES", "REPOS", "FIX", "EXPLOIT", "PACKAGES",
];

/// Write the triage as aligned columns (packages last, unbounded), then a totals line.
pub fn table(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let totals = report.totals();
    writeln!(
        out,
        "berth findings · {} ({}) · {} and above · {}",
        report.region,
        report.account,
        severity_word(report.min_severity),
        format::utc(report.generated_at)
    )?;
    writeln!(out)?;
    let rows: Vec<[String; 8]> = report
        .triage
        .sorted()
        .into_iter()
        .map(|group| {
            [
                severity_word(group.severity).to_string(),
                group.name.clone(),
                group
                    .score
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_else(|| "-".into()),
                group.affected.len().to_string(),
                group.repositories.len().to_string(),
                group.fix.label().to_string(),
                if group.exploit { "yes" } else { "-" }.to_string(),
                group.packages.join(", "),
            ]
        })
        .collect();
    let mut widths = TABLE_HEADERS.map(crate::format::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(crate::format::width(cell));
        }
    }
    let right = [false, false, true, true, true, false, false, false];
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = widths[i].saturating_sub(crate::format::width(cell));
            if i == cells.len() - 1 {
                text.push_str(cell);
            } else if right[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(&TABLE_HEADERS.map(String::from)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    if rows.is_empty() {
        writeln!(
            out,
            "no findings at {} or above",
            severity_word(report.min_severity)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} CVEs in {} of {} images across {} repositories · {} scanned, {} never scanned, {} other status",
        totals.cves,
        totals.images_affected,
        totals.images,
        totals.repositories,
        totals.images_scanned,
        totals.images_not_scanned,
        totals.images_other_status,
    )?;
    if !report.errors.is_empty() {
        writeln!(out, "{} errors (see stderr)", report.errors.len())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
