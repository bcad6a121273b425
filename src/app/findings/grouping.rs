//! Triage: findings across many images grouped by CVE, answering "which of our images
//! have CVE-X, in which repositories, and is there a fix?". Pure.
//!
//! The grouping is incremental so the terminal view can show it growing while the sweep
//! runs: images are added one at a time and groups keep their first-seen order (a list
//! view sorts them), which keeps a cursor on its row as more images arrive.

use crate::ecr::findings::sweep::ImageFindings;
use crate::ecr::findings::{Finding, FixAvailable};
use crate::ecr::model::Severity;
use std::cmp::Ordering;
use std::collections::HashMap;

/// Whether a fix exists for a CVE anywhere among the images it affects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FixState {
    /// At least one affected package has a fixed version.
    Yes,
    /// Only partial fixes (some of a finding's packages) are known.
    Partial,
    /// The scanner says no fix exists.
    No,
    /// The scanner did not say (basic scanning reports no fixes).
    Unknown,
}

impl FixState {
    /// `YES`, `PARTIAL`, `NO`, `UNKNOWN`.
    pub fn label(self) -> &'static str {
        match self {
            FixState::Yes => "YES",
            FixState::Partial => "PARTIAL",
            FixState::No => "NO",
            FixState::Unknown => "UNKNOWN",
        }
    }

    fn of(finding: &Finding) -> FixState {
        match finding.fix_available {
            Some(FixAvailable::Yes) => FixState::Yes,
            Some(FixAvailable::Partial) => FixState::Partial,
            Some(FixAvailable::No) => FixState::No,
            None => FixState::Unknown,
        }
    }
}

/// One affected image of a CVE, with the package the finding named there.
#[derive(Clone, Debug, PartialEq)]
pub struct Affected {
    /// Index into the images the triage was built from.
    pub image: usize,
    pub package_name: Option<String>,
    pub package_version: Option<String>,
    pub fixed_in_version: Option<String>,
    pub fix: FixState,
}

/// Every image a CVE was found in.
#[derive(Clone, Debug, PartialEq)]
pub struct CveGroup {
    pub name: String,
    /// The most severe rating any image's finding gave it.
    pub severity: Severity,
    /// The highest score seen.
    pub score: Option<f64>,
    pub description: String,
    pub uri: Option<String>,
    /// Distinct package names, sorted.
    pub packages: Vec<String>,
    /// Distinct fixed versions, sorted.
    pub fixed_in: Vec<String>,
    /// The best fix state seen: a fix exists if any affected package has one.
    pub fix: FixState,
    /// Whether any scanner reported a known exploit.
    pub exploit: bool,
    /// One entry per image, in the order images were added.
    pub affected: Vec<Affected>,
    /// Distinct repositories, sorted.
    pub repositories: Vec<String>,
    /// Distinct account ids of the affected images, sorted, when they came from several
    /// registries (empty for one registry's triage).
    pub accounts: Vec<String>,
}

/// Findings of many images grouped by CVE, at a minimum severity.
#[derive(Clone, Debug)]
pub struct Triage {
    pub min_severity: Severity,
    /// Groups in first-seen order.
    pub groups: Vec<CveGroup>,
    index: HashMap<String, usize>,
}

impl Triage {
    pub fn new(min_severity: Severity) -> Self {
        Triage {
            min_severity,
            groups: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Group every image of `images`.
    pub fn of(images: &[ImageFindings], min_severity: Severity) -> Self {
        let mut triage = Triage::new(min_severity);
        for (index, image) in images.iter().enumerate() {
            triage.add(index, image);
        }
        triage
    }

    /// Add image number `index` (its position in the caller's list of images).
    pub fn add(&mut self, index: usize, image: &ImageFindings) {
        for finding in image.at_or_above(self.min_severity) {
            let position = match self.index.get(&finding.name) {
                Some(&position) => position,
                None => {
                    self.index.insert(finding.name.clone(), self.groups.len());
                    self.groups.push(CveGroup {
                        name: finding.name.clone(),
                        severity: finding.severity,
                        score: None,
                        description: String::new(),
                        uri: None,
                        packages: Vec::new(),
                        fixed_in: Vec::new(),
                        fix: FixState::Unknown,
                        exploit: false,
                        affected: Vec::new(),
                        repositories: Vec::new(),
                        accounts: Vec::new(),
                    });
                    self.groups.len() - 1
                }
            };
            let group = &mut self.groups[position];
            group.severity = group.severity.min(finding.severity);
            group.score = match (group.score, finding.score) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            if group.description.is_empty() {
                group.description = finding.description.clone();
            }
            if group.uri.is_none() {
                group.uri = finding.uri.clone();
            }
            insert_sorted(&mut group.packages, finding.package_name.as_deref());
            insert_sorted(&mut group.fixed_in, finding.fixed_in_version.as_deref());
            let fix = FixState::of(finding);
            group.fix = group.fix.min(fix);
            group.exploit |= finding.exploit_available == Some(true);
            insert_sorted(&mut group.repositories, Some(&image.repository));
            if let Some(origin) = &image.origin {
                insert_sorted(&mut group.accounts, Some(&origin.account));
            }
            // One image can list a CVE once per vulnerable package; count the image once.
            if group.affected.last().is_none_or(|a| a.image != index) {
                group.affected.push(Affected {
                    image: index,
                    package_name: finding.package_name.clone(),
                    package_version: finding.package_version.clone(),
                    fixed_in_version: finding.fixed_in_version.clone(),
                    fix,
                });
            }
        }
    }

    /// The groups in triage order: most severe first, then most images, highest score,
    /// name.
    pub fn sorted(&self) -> Vec<&CveGroup> {
        let mut groups: Vec<&CveGroup> = self.groups.iter().collect();
        groups.sort_by(|a, b| compare_groups(a, b));
        groups
    }
}

fn insert_sorted(list: &mut Vec<String>, value: Option<&str>) {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return;
    };
    if let Err(position) = list.binary_search_by(|probe| probe.as_str().cmp(value)) {
        list.insert(position, value.to_string());
    }
}

/// Triage order: severity, then images affected (more first), score (higher first), name.
pub fn compare_groups(a: &CveGroup, b: &CveGroup) -> Ordering {
    a.severity
        .cmp(&b.severity)
        .then_with(|| b.affected.len().cmp(&a.affected.len()))
        .then_with(|| compare_scores(b.score, a.score))
        .then_with(|| a.name.cmp(&b.name))
}

/// Scores compared with `None` lowest.
pub fn compare_scores(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::findings::{ImageScan, count_severities};

    fn finding(name: &str, severity: Severity, package: &str) -> Finding {
        Finding {
            name: name.into(),
            severity,
            description: format!("{name} in {package}"),
            uri: None,
            package_name: Some(package.into()),
            package_version: Some("1.0".into()),
            fixed_in_version: None,
            score: None,
            fix_available: None,
            exploit_available: None,
            remediation: None,
            attributes: Vec::new(),
            status: None,
        }
    }

    fn image(repository: &str, digest: &str, findings: Vec<Finding>) -> ImageFindings {
        ImageFindings {
            repository: repository.into(),
            digest: digest.into(),
            tags: vec![],
            pushed_at: None,
            last_pulled_at: None,
            origin: None,
            scan: ImageScan {
                status: "COMPLETE".into(),
                counts: count_severities(&findings),
                findings,
                ..ImageScan::default()
            },
        }
    }

    #[test]
    fn groups_a_cve_across_images_and_repositories() {
        let mut fixed = finding("CVE-2023-44487", Severity::High, "golang.org/x/net");
        fixed.fix_available = Some(FixAvailable::Yes);
        fixed.fixed_in_version = Some("v0.17.0".into());
        fixed.exploit_available = Some(true);
        fixed.score = Some(7.5);
        let images = vec![
            image(
                "web/app",
                "sha256:a",
                vec![
                    finding("CVE-2023-44487", Severity::High, "libnghttp2-14"),
                    finding("CVE-2024-1", Severity::Low, "tar"),
                ],
            ),
            image("web/app", "sha256:b", vec![fixed]),
            image(
                "payments/api",
                "sha256:c",
                vec![
                    finding("CVE-2023-44487", Severity::High, "libnghttp2-14"),
                    finding("CVE-2023-45853", Severity::Critical, "zlib1g"),
                ],
            ),
        ];
        let triage = Triage::of(&images, Severity::High);
        let sorted = triage.sorted();
        let names: Vec<&str> = sorted.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["CVE-2023-45853", "CVE-2023-44487"]);
        let shared = sorted[1];
        assert_eq!(shared.affected.len(), 3);
        assert_eq!(shared.repositories, ["payments/api", "web/app"]);
        assert_eq!(shared.packages, ["golang.org/x/net", "libnghttp2-14"]);
        assert_eq!(shared.fix, FixState::Yes);
        assert_eq!(shared.fixed_in, ["v0.17.0"]);
        assert!(shared.exploit);
        assert_eq!(shared.score, Some(7.5));
        assert_eq!(sorted[0].fix, FixState::Unknown);
        assert_eq!(Triage::of(&images, Severity::Low).groups.len(), 3);
    }

    #[test]
    fn an_image_counts_once_per_cve() {
        let images = vec![image(
            "web/app",
            "sha256:a",
            vec![
                finding("CVE-1", Severity::Medium, "openssl"),
                finding("CVE-1", Severity::High, "libssl3"),
            ],
        )];
        let triage = Triage::of(&images, Severity::Undefined);
        assert_eq!(triage.groups[0].affected.len(), 1);
        assert_eq!(triage.groups[0].severity, Severity::High);
        assert_eq!(triage.groups[0].packages, ["libssl3", "openssl"]);
    }

    #[test]
    fn more_images_rank_first_within_a_severity() {
        let images = vec![
            image("a", "1", vec![finding("CVE-B", Severity::High, "x")]),
            image(
                "a",
                "2",
                vec![
                    finding("CVE-B", Severity::High, "x"),
                    finding("CVE-A", Severity::High, "y"),
                ],
            ),
        ];
        let triage = Triage::of(&images, Severity::Critical);
        assert!(triage.groups.is_empty());
        let triage = Triage::of(&images, Severity::High);
        let names: Vec<&str> = triage.sorted().iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["CVE-B", "CVE-A"]);
        assert_eq!(
            compare_scores(Some(1.0), None),
            Ordering::Greater,
            "a score beats no score"
        );
    }
}
