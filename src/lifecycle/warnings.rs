//! What a dry run must say beside its figures about OCI referrers (signatures, SBOMs,
//! attestations) and the platforms of multi-arch indexes: how the rules counted them,
//! and which images leave referrers behind.
//!
//! The AWS sentences this follows, from the Amazon ECR User Guide:
//!
//! - "Private images in Amazon ECR": [`REFERRERS_ARE_IMAGES`]. A referrer is an image
//!   to every rule: it is selected by its own tags (usually none, so `untagged`), takes
//!   a place in an `imageCountMoreThan` ranking and is expired by its own push time.
//! - "Automate the cleanup of images by using lifecycle policies in Amazon ECR":
//!   [`REFERRERS_CLEANED_UP`]. The referrers of an image a rule expires are deleted after
//!   it, not by the rule: they are listed in a warning, not counted in the plan. The
//!   same sentence makes a referrer whose subject is already gone (an orphan) go
//!   whatever the rules say: the plan lists those it keeps in a warning.
//! - The same page: [`MANIFEST_LIST_SHIELDS`]. Whether a platform an index refers to takes
//!   a place in a count rule's ranking is not documented; berth counts it, since a rule
//!   selects it as it selects any image, and says so.
//! - Nothing documents whether an archived image's referrers move to archive with it:
//!   berth leaves them where they are and says so.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::evaluate::Candidate;
use super::plan::{Disposition, ImageOutcome};
use super::policy::Count;

/// Referrers are images.
pub const REFERRERS_ARE_IMAGES: &str = "A set of artifacts for a container image is \
    transferred with that container and stored as a separate image that counts as an \
    image consumed for your repository.";
/// A deleted image's referrers go after it.
pub const REFERRERS_CLEANED_UP: &str = "Amazon ECR lifecycle policies will automatically \
    clean up those artifacts within 24 hours of the deletion of the subject image";
/// An index's platforms go only with it.
pub const MANIFEST_LIST_SHIELDS: &str = "If an image is referenced by a manifest list, it \
    cannot be expired or archived without the manifest list being deleted or archived \
    first.";

/// What a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A rule's selection holds referrers or platforms of an index, counted as images.
    CountsArtifacts,
    /// An image the plan expires or archives, whose referrers the plan does not.
    ReferrersLeftBehind,
    /// A referrer the plan expires while the image it refers to stays.
    ReferrerExpiredSubjectStays,
    /// Referrers whose image is not in the repository any more, which no rule of the
    /// plan expires: ECR's lifecycle cleans them up outside the rules.
    OrphanedReferrers,
}

/// One warning of a dry run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// The rule concerned; `None` for [`WarningKind::OrphanedReferrers`], which no rule
    /// decides.
    pub rule_priority: Option<u32>,
    /// The image concerned: the subject whose referrers stay, or the expired referrer;
    /// `None` for a rule's counting.
    pub digest: Option<String>,
    /// The referrers left behind (for [`WarningKind::ReferrersLeftBehind`]) or
    /// orphaned (for [`WarningKind::OrphanedReferrers`]).
    pub referrers: Vec<String>,
    /// The warning as a sentence.
    pub message: String,
}

/// How many of a rule's selected images were referrers and platforms of an index.
#[derive(Clone, Copy, Debug)]
pub(super) struct Counted {
    pub rule_priority: u32,
    pub count: Count,
    pub matched: usize,
    pub referrers: usize,
    pub children: usize,
}

/// The warning for a rule whose selection held referrers, or platforms of an index
/// that take places in an `imageCountMoreThan` ranking, if it did. (An age rule acts on
/// each image by its own times, so a platform it cannot expire changes nothing else.)
pub(super) fn counting(counted: Counted) -> Option<Warning> {
    let Counted {
        rule_priority,
        count,
        matched,
        referrers,
        children,
    } = counted;
    let ranks = matches!(count, Count::ImagesMoreThan(_));
    let children = if ranks { children } else { 0 };
    if referrers == 0 && children == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if referrers > 0 {
        parts.push(plural(
            referrers,
            "referrer (signature, SBOM, attestation)",
            "referrers (signatures, SBOMs, attestations)",
        ));
    }
    if children > 0 {
        parts.push(plural(
            children,
            "platform of a multi-arch index",
            "platforms of multi-arch indexes",
        ));
    }
    let mut message = format!(
        "rule {rule_priority} counts {} among the {matched} images it selects",
        parts.join(" and ")
    );
    if referrers > 0 {
        message.push_str(if ranks {
            "; ECR stores each artifact as a separate image, so referrers take places \
             among the images it keeps"
        } else {
            "; ECR stores each artifact as a separate image, so each goes by its own times"
        });
    }
    if children > 0 {
        message.push_str(
            "; a platform is never expired or archived apart from its index, and ECR's \
             documentation does not say whether it takes a place among the images kept \
             (berth counts it, as an image the rule selects)",
        );
    }
    Some(Warning {
        kind: WarningKind::CountsArtifacts,
        rule_priority: Some(rule_priority),
        digest: None,
        referrers: Vec::new(),
        message,
    })
}

/// Warnings about referrers: subjects the plan takes without their referrers, oldest
/// first, then referrers it expires while their subject stays, oldest first, then the
/// referrers whose subject is gone that no rule expires.
pub(super) fn referrers(images: &[ImageOutcome<'_>]) -> Vec<Warning> {
    // Most repositories hold no referrer: they cost one pass, not a map of every image.
    if images
        .iter()
        .all(|outcome| outcome.candidate.subject_digest.is_none())
    {
        return Vec::new();
    }
    // Only subjects are mapped, never every image: a 100,000-image plan stays in budget.
    let mut of_subject: HashMap<&str, Vec<&ImageOutcome>> = HashMap::new();
    for outcome in images {
        if let Some(subject) = outcome.candidate.subject_digest.as_deref() {
            of_subject.entry(subject).or_default().push(outcome);
        }
    }
    let mut subjects: HashMap<&str, &ImageOutcome> = HashMap::with_capacity(of_subject.len());
    let mut warnings = Vec::new();
    for outcome in images {
        let digest = outcome.candidate.digest.as_str();
        let Some(referrers) = of_subject.get(digest) else {
            continue;
        };
        subjects.insert(digest, outcome);
        warnings.extend(left_behind(outcome, referrers));
    }
    let mut orphaned: Vec<String> = Vec::new();
    for outcome in images {
        let Some(subject) = outcome.candidate.subject_digest.as_deref() else {
            continue;
        };
        match (subjects.get(subject), outcome.disposition) {
            (Some(subject), Disposition::Expired { rule_priority })
                if !subject.disposition.is_expired() =>
            {
                warnings.push(stripped(outcome, subject, rule_priority));
            }
            (None, disposition) if !disposition.is_expired() => {
                orphaned.push(outcome.candidate.digest.clone());
            }
            _ => {}
        }
    }
    // "Amazon ECR lifecycle policies will automatically clean up those artifacts within
    // 24 hours of the deletion of the subject image": a referrer whose subject is gone
    // goes whatever the rules say, so a plan that keeps it says so.
    if !orphaned.is_empty() {
        warnings.push(Warning {
            kind: WarningKind::OrphanedReferrers,
            rule_priority: None,
            digest: None,
            message: format!(
                "{} an image that is not in the repository ({}): ECR documents that \
                 lifecycle policies clean up a deleted image's referrers within 24 hours, \
                 so {} outside the rules; not counted in this dry run",
                if orphaned.len() == 1 {
                    "1 referrer names"
                } else {
                    "these referrers name"
                },
                ShortList(&orphaned),
                if orphaned.len() == 1 {
                    "it goes"
                } else {
                    "they go"
                },
            ),
            referrers: orphaned,
        });
    }
    warnings
}

/// The warning for `subject`, which the plan expires or archives, when some of its
/// `referrers` do not go with it.
fn left_behind(subject: &ImageOutcome<'_>, referrers: &[&ImageOutcome<'_>]) -> Option<Warning> {
    let (rule_priority, archive) = match subject.disposition {
        Disposition::Expired { rule_priority } => (rule_priority, false),
        Disposition::Transitioned { rule_priority } => (rule_priority, true),
        _ => return None,
    };
    // A referrer the plan expires too goes with it; one it archives too moves with it.
    let left: Vec<String> = referrers
        .iter()
        .filter(|r| match r.disposition {
            Disposition::Expired { .. } => false,
            Disposition::Transitioned { .. } => !archive,
            _ => true,
        })
        .map(|r| r.candidate.digest.clone())
        .collect();
    if left.is_empty() {
        return None;
    }
    let verb = if archive { "archives" } else { "expires" };
    let what = if archive {
        "ECR's documentation does not say whether an image's referrers move to archive \
         storage with it; they stay in standard storage in this dry run"
    } else {
        "ECR documents that lifecycle policies clean up a deleted image's referrers \
         within 24 hours; that cleanup is not counted in this dry run"
    };
    Some(Warning {
        kind: WarningKind::ReferrersLeftBehind,
        rule_priority: Some(rule_priority),
        digest: Some(subject.candidate.digest.clone()),
        message: format!(
            "rule {rule_priority} {verb} {} but not its {}: {}; {what}",
            Named(subject.candidate),
            plural(left.len(), "referrer", "referrers"),
            ShortList(&left),
        ),
        referrers: left,
    })
}

/// The warning for `referrer`, which rule `rule_priority` expires while `subject` stays.
fn stripped(
    referrer: &ImageOutcome<'_>,
    subject: &ImageOutcome<'_>,
    rule_priority: u32,
) -> Warning {
    let artifact = referrer
        .candidate
        .artifact_type
        .as_deref()
        .map_or(String::new(), |t| format!(" ({t})"));
    Warning {
        kind: WarningKind::ReferrerExpiredSubjectStays,
        rule_priority: Some(rule_priority),
        digest: Some(referrer.candidate.digest.clone()),
        referrers: Vec::new(),
        message: format!(
            "rule {rule_priority} expires referrer {}{artifact} of {}, which stays: \
             that image loses this artifact (a signature, SBOM or attestation)",
            Short(&referrer.candidate.digest),
            Named(subject.candidate),
        ),
    }
}

/// `sha256:0123456789ab (v1, latest)`, or `sha256:0123456789ab (untagged)`.
struct Named<'a>(&'a Candidate);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", Short(&self.0.digest))?;
        if self.0.tags.is_empty() {
            f.write_str("untagged")?;
        }
        for (n, tag) in self.0.tags.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            f.write_str(tag)?;
        }
        f.write_str(")")
    }
}

/// Digests cut to `sha256:` and 12 characters, as berth shows digests in a sentence,
/// separated by commas; the warning's fields carry them whole.
struct Short<'a>(&'a str);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self
            .0
            .char_indices()
            .nth("sha256:".len() + 12)
            .map_or(self.0.len(), |(at, _)| at);
        f.write_str(&self.0[..end])
    }
}

/// [`Short`] digests separated by commas.
struct ShortList<'a>(&'a [String]);

impl fmt::Display for ShortList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, digest) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", Short(digest))?;
        }
        Ok(())
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{evaluate, parse_policy};
    use jiff::Timestamp;

    fn image(n: u8, tags: &[&str], day: i64) -> Candidate {
        Candidate {
            digest: format!("sha256:{}", format!("{n:02x}").repeat(32)),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at: Timestamp::from_second(1_780_000_000 + day * 86_400).unwrap(),
            size_bytes: 100,
            ..Candidate::default()
        }
    }

    fn referrer(n: u8, of: &Candidate, day: i64) -> Candidate {
        Candidate {
            subject_digest: Some(of.digest.clone()),
            artifact_type: Some("application/vnd.dev.cosign.artifact.sig.v1+json".into()),
            ..image(n, &[], day)
        }
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_780_000_000 + 400 * 86_400).unwrap()
    }

    #[test]
    fn archiving_an_image_says_ecr_is_silent_on_its_referrers() {
        let policy = parse_policy(
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged",
            "tagPatternList":["v*"],"countType":"sinceImagePushed","countUnit":"days",
            "countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}}]}"#,
        )
        .unwrap();
        let old = image(1, &["v1"], 0);
        let images = vec![old.clone(), referrer(2, &old, 0)];
        let plan = evaluate(&policy, &images, now());
        assert_eq!(plan.transitioned_count, 1);
        let [warning] = plan.warnings.as_slice() else {
            panic!("{:?}", plan.warnings);
        };
        assert_eq!(warning.kind, WarningKind::ReferrersLeftBehind);
        assert_eq!(warning.referrers, [images[1].digest.clone()]);
        assert!(
            warning.message.starts_with(
                "rule 1 archives sha256:010101010101 (v1) but not its 1 referrer: \
                 sha256:020202020202; ECR's documentation does not say whether"
            ),
            "{}",
            warning.message
        );
    }

    #[test]
    fn a_count_rule_says_how_it_counted_referrers_and_platforms() {
        let policy = parse_policy(
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any",
            "countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#,
        )
        .unwrap();
        let subject = image(1, &["v1"], 0);
        let platform = Candidate {
            referenced_by_manifest_list: true,
            ..image(3, &[], 0)
        };
        let images = vec![subject.clone(), referrer(2, &subject, 1), platform];
        let plan = evaluate(&policy, &images, now());
        let [warning] = plan.warnings.as_slice() else {
            panic!("{:?}", plan.warnings);
        };
        assert_eq!(warning.kind, WarningKind::CountsArtifacts);
        assert_eq!(
            warning.message,
            "rule 1 counts 1 referrer (signature, SBOM, attestation) and 1 platform of a \
             multi-arch index among the 3 images it selects; ECR stores each artifact as a \
             separate image, so referrers take places among the images it keeps; a platform \
             is never expired or archived apart from its index, and ECR's documentation does \
             not say whether it takes a place among the images kept (berth counts it, as an \
             image the rule selects)"
        );
    }
}
