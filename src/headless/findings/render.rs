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
    /// The registries swept, in the order asked: one, or every member account × region.
    pub registries: Vec<ReportRegistry>,
    pub min_severity: Severity,
    pub all_repositories: bool,
    /// Distinct repository names.
    pub repositories: &'a [String],
    pub images: &'a [ImageFindings],
    pub triage: &'a Triage,
    pub errors: &'a [SweepError],
}

/// One registry a report covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRegistry {
    /// The profile, or the member account's name.
    pub profile: String,
    pub account: String,
    /// The member account's name in the organization.
    pub account_name: Option<String>,
    pub region: String,
    /// Repositories read in it.
    pub repositories: usize,
}

/// Where one image (or error) of a report lives.
struct Place<'a> {
    account: &'a str,
    account_name: Option<&'a str>,
    region: &'a str,
}

impl Report<'_> {
    /// Whether the report covers member accounts (rows say which).
    pub fn across_accounts(&self) -> bool {
        self.registries.iter().any(|r| r.account_name.is_some()) || self.accounts().len() > 1
    }

    /// Distinct account ids, in the registries' order.
    fn accounts(&self) -> Vec<&ReportRegistry> {
        let mut seen: Vec<&ReportRegistry> = Vec::new();
        for registry in &self.registries {
            if !seen.iter().any(|r| r.account == registry.account) {
                seen.push(registry);
            }
        }
        seen
    }

    fn place<'b>(&'b self, origin: Option<&'b crate::ecr::findings::sweep::Origin>) -> Place<'b> {
        match (origin, self.registries.first()) {
            (Some(origin), _) => Place {
                account: &origin.account,
                account_name: origin.account_name.as_deref(),
                region: &origin.region,
            },
            (None, Some(registry)) => Place {
                account: &registry.account,
                account_name: registry.account_name.as_deref(),
                region: &registry.region,
            },
            (None, None) => Place {
                account: "",
                account_name: None,
                region: "",
            },
        }
    }

    fn uri(&self, image: &ImageFindings) -> String {
        let place = self.place(image.origin.as_deref());
        pinned_uri(
            place.account,
            place.region,
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
        let repositories = self.registries.iter().map(|r| r.repositories).sum();
        self.totals_where(|_| true, repositories)
    }

    /// Totals of the images `keep` picks, `repositories` of them read.
    fn totals_where(&self, keep: impl Fn(&ImageFindings) -> bool, repositories: usize) -> Totals {
        let mut by_severity = BTreeMap::new();
        let mut findings = 0;
        let mut cves = std::collections::BTreeSet::new();
        for image in self.affected().filter(|i| keep(i)) {
            for finding in image.at_or_above(self.min_severity) {
                *by_severity.entry(finding.severity).or_insert(0) += 1;
                findings += 1;
                cves.insert(finding.name.as_str());
            }
        }
        let images: Vec<&ImageFindings> = self.images.iter().filter(|i| keep(i)).collect();
        let scanned = images.iter().filter(|i| i.scan.has_results()).count();
        let not_scanned = images
            .iter()
            .filter(|i| i.scan.status == crate::ecr::findings::NOT_SCANNED)
            .count();
        Totals {
            repositories,
            images: images.len(),
            images_scanned: scanned,
            images_not_scanned: not_scanned,
            images_other_status: images.len() - scanned - not_scanned,
            images_affected: self.affected().filter(|i| keep(i)).count(),
            findings,
            cves: cves.len(),
            by_severity: by_severity
                .into_iter()
                .map(|(s, n)| (severity_word(s), n))
                .collect(),
        }
    }

    /// Totals per member account, in the registries' order (empty for one account).
    pub fn account_totals(&self) -> Vec<AccountTotals> {
        if !self.across_accounts() {
            return Vec::new();
        }
        self.accounts()
            .into_iter()
            .map(|first| {
                let account = first.account.as_str();
                let in_account = |image: &ImageFindings| {
                    image.origin.as_ref().is_some_and(|o| o.account == account)
                };
                let repositories = self
                    .registries
                    .iter()
                    .filter(|r| r.account == account)
                    .map(|r| r.repositories)
                    .sum();
                AccountTotals {
                    account: account.to_string(),
                    account_name: first.account_name.clone(),
                    regions: self
                        .registries
                        .iter()
                        .filter(|r| r.account == account)
                        .map(|r| r.region.clone())
                        .collect(),
                    totals: self.totals_where(in_account, repositories),
                    errors: self
                        .errors
                        .iter()
                        .filter(|e| e.origin.as_ref().is_some_and(|o| o.account == account))
                        .count(),
                }
            })
            .collect()
    }
}

/// One member account's share of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountTotals {
    pub account: String,
    pub account_name: Option<String>,
    pub regions: Vec<String>,
    pub totals: Totals,
    /// Errors in this account's registries.
    pub errors: usize,
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
    /// The one registry of a single-registry report.
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<JsonRegistry<'a>>,
    registries: &'a [ReportRegistry],
    min_severity: &'static str,
    scope: JsonScope<'a>,
    totals: Totals,
    /// Totals per member account (reports across accounts only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    accounts: Vec<AccountTotals>,
    cves: Vec<JsonCve<'a>>,
    images: Vec<JsonImage<'a>>,
    errors: Vec<JsonError<'a>>,
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
    /// Account ids of the affected images.
    accounts: Vec<&'a str>,
    affected: Vec<JsonAffected<'a>>,
}

/// Which image, where: the fields every image row of the JSON starts with.
#[derive(Serialize)]
struct JsonImageId<'a> {
    account: &'a str,
    account_name: Option<&'a str>,
    region: &'a str,
    repository: &'a str,
    digest: &'a str,
    tags: &'a [String],
    uri: String,
}

impl<'a> JsonImageId<'a> {
    fn of(report: &'a Report<'a>, image: &'a ImageFindings) -> Self {
        let place = report.place(image.origin.as_deref());
        JsonImageId {
            account: place.account,
            account_name: place.account_name,
            region: place.region,
            repository: &image.repository,
            digest: &image.digest,
            tags: &image.tags,
            uri: report.uri(image),
        }
    }
}

#[derive(Serialize)]
struct JsonAffected<'a> {
    #[serde(flatten)]
    image: JsonImageId<'a>,
    package_name: Option<&'a str>,
    package_version: Option<&'a str>,
    fixed_in_version: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonImage<'a> {
    #[serde(flatten)]
    image: JsonImageId<'a>,
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
struct JsonError<'a> {
    account: &'a str,
    account_name: Option<&'a str>,
    region: &'a str,
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
        accounts: if group.accounts.is_empty() {
            report
                .registries
                .first()
                .map(|r| r.account.as_str())
                .into_iter()
                .collect()
        } else {
            group.accounts.iter().map(String::as_str).collect()
        },
        affected: group
            .affected
            .iter()
            .map(|a| JsonAffected {
                image: JsonImageId::of(report, &report.images[a.image]),
                package_name: a.package_name.as_deref(),
                package_version: a.package_version.as_deref(),
                fixed_in_version: a.fixed_in_version.as_deref(),
            })
            .collect(),
    }
}

/// Write the report as one pretty-printed JSON document and a newline.
pub fn json(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let min = report.min_severity;
    let document = JsonReport {
        generated_at: report.generated_at.to_string(),
        registry: match report.registries.as_slice() {
            [one] if !report.across_accounts() => Some(JsonRegistry {
                profile: &one.profile,
                region: &one.region,
                account: &one.account,
            }),
            _ => None,
        },
        registries: &report.registries,
        min_severity: severity_word(min),
        scope: JsonScope {
            all: report.all_repositories,
            repositories: report.repositories,
        },
        totals: report.totals(),
        accounts: report.account_totals(),
        cves: report
            .triage
            .sorted()
            .into_iter()
            .map(|group| json_cve(report, group))
            .collect(),
        images: report
            .affected()
            .map(|image| JsonImage {
                image: JsonImageId::of(report, image),
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
            .map(|e| {
                let place = report.place(e.origin.as_deref());
                JsonError {
                    account: place.account,
                    account_name: place.account_name,
                    region: place.region,
                    repository: e.repository.clone(),
                    image: e.image.clone(),
                    code: e.error.code().to_string(),
                    message: e.error.without_key_hint(),
                }
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
    "account",
    "account_name",
    "region",
];

/// Write one line per CVE and affected image, in triage order. Tags are space-separated;
/// empty cells mean unknown.
pub fn csv(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let mut out = crate::csv::Writer::new(out, crate::csv::LineEnding::Crlf);
    out.record(CSV_COLUMNS)?;
    for group in report.triage.sorted() {
        for affected in &group.affected {
            let image = &report.images[affected.image];
            let place = report.place(image.origin.as_deref());
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
                place.account.to_string(),
                place.account_name.unwrap_or_default().to_string(),
                place.region.to_string(),
            ])?;
        }
    }
    out.finish()
}

// ---------------------------------------------------------------------------------------
// Table

const TABLE_HEADERS: [&str; 9] = [
    "SEVERITY", "CVE", "SCORE", "IMAGES", "REPOS", "ACCOUNTS", "FIX", "EXPLOIT", "PACKAGES",
];

/// Write the triage as aligned columns (packages last, unbounded), then a totals line,
/// and one per member account when the report covers several.
pub fn table(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let totals = report.totals();
    let across = report.across_accounts();
    let place = match report.registries.as_slice() {
        [one] if !across => format!("{} ({})", one.region, one.account),
        registries => {
            let accounts = report.accounts().len();
            format!(
                "{} registr{} in {accounts} account{}",
                registries.len(),
                if registries.len() == 1 { "y" } else { "ies" },
                if accounts == 1 { "" } else { "s" }
            )
        }
    };
    writeln!(
        out,
        "berth findings · {place} · {} and above · {}",
        severity_word(report.min_severity),
        format::utc(report.generated_at)
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = report
        .triage
        .sorted()
        .into_iter()
        .map(|group| {
            // The same repository name in two registries is two repositories.
            let repositories: std::collections::BTreeSet<_> = group
                .affected
                .iter()
                .map(|a| {
                    let image = &report.images[a.image];
                    (image.origin.clone(), image.repository.as_str())
                })
                .collect();
            let mut row = vec![
                severity_word(group.severity).to_string(),
                group.name.clone(),
                group
                    .score
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_else(|| "-".into()),
                group.affected.len().to_string(),
                repositories.len().to_string(),
                group.accounts.len().to_string(),
                group.fix.label().to_string(),
                if group.exploit { "yes" } else { "-" }.to_string(),
                group.packages.join(", "),
            ];
            if !across {
                row.remove(5);
            }
            row
        })
        .collect();
    let mut headers: Vec<String> = TABLE_HEADERS.iter().map(|h| h.to_string()).collect();
    let mut right = vec![false, false, true, true, true, true, false, false, false];
    if !across {
        headers.remove(5);
        right.remove(5);
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| crate::format::width(h)).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(crate::format::width(cell));
        }
    }
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
    writeln!(out, "{}", line(&headers))?;
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
    writeln!(out, "{}", totals_line(&totals))?;
    for account in report.account_totals() {
        let name = match &account.account_name {
            Some(name) => format!("{name} ({})", account.account),
            None => account.account.clone(),
        };
        let errors = match account.errors {
            0 => String::new(),
            1 => " · 1 error".to_string(),
            n => format!(" · {n} errors"),
        };
        writeln!(out, "  {name}: {}{errors}", totals_line(&account.totals))?;
    }
    if !report.errors.is_empty() {
        writeln!(out, "{} errors (see stderr)", report.errors.len())?;
    }
    Ok(())
}

fn totals_line(totals: &Totals) -> String {
    format!(
        "{} CVEs in {} of {} images across {} repositories · {} scanned, {} never scanned, {} other status",
        totals.cves,
        totals.images_affected,
        totals.images,
        totals.repositories,
        totals.images_scanned,
        totals.images_not_scanned,
        totals.images_other_status,
    )
}

#[cfg(test)]
mod tests;
