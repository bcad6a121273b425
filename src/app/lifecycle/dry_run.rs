//! berth's dry run of a policy kept as owned data (totals, rule rows, dispositions), and its
//! comparison with ECR's own preview.

use crate::ecr::policy::{EcrPreview, PreviewAction};
use crate::lifecycle::{Candidate, Disposition, Plan, Policy, RuleOutcome};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};

/// One evaluated rule with its description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub outcome: RuleOutcome,
    /// `Rule::describe`, control characters escaped.
    pub description: String,
}

/// A rule berth did not evaluate, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedRow {
    pub rule_priority: u32,
    pub reason: String,
    pub description: String,
}

/// The totals of a dry run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub images: usize,
    pub expired: usize,
    /// Images moved to archive storage, and their listed sizes.
    pub transitioned: usize,
    pub bytes_transitioned: u64,
    /// Images a rule would take but a manifest list protects.
    pub protected: usize,
    pub bytes_reclaimed: u64,
    pub total_bytes: u64,
    pub rules: Vec<RuleRow>,
    pub not_evaluated: Vec<SkippedRow>,
    /// The plan's warnings (referrers and index platforms), as sentences.
    pub warnings: Vec<String>,
}

/// One rule of a dry run as the rule table lists it: evaluated or left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLine<'a> {
    Evaluated(&'a RuleRow),
    NotEvaluated(&'a SkippedRow),
}

impl RuleLine<'_> {
    /// The rule's `rulePriority`.
    pub fn priority(self) -> u32 {
        match self {
            RuleLine::Evaluated(row) => row.outcome.rule_priority,
            RuleLine::NotEvaluated(row) => row.rule_priority,
        }
    }
}

impl Summary {
    /// Every rule, evaluated or not, by priority (the order ECR applies them); at equal
    /// priority evaluated rules come first.
    pub fn rules_by_priority(&self) -> Vec<RuleLine<'_>> {
        let mut lines: Vec<RuleLine> = self.rules.iter().map(RuleLine::Evaluated).collect();
        lines.extend(self.not_evaluated.iter().map(RuleLine::NotEvaluated));
        lines.sort_by_key(|line| line.priority());
        lines
    }
}

/// berth's dry run of one policy text over the loaded images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    /// The policy text evaluated.
    pub text: String,
    /// The instant it was evaluated for.
    pub at: Timestamp,
    pub dispositions: HashMap<String, Disposition>,
    pub summary: Summary,
}

impl DryRun {
    /// Owned figures from a plan of `policy` over `images`.
    pub fn from_plan(
        text: &str,
        policy: &Policy,
        plan: &Plan<'_>,
        images: &[Candidate],
        at: Timestamp,
    ) -> DryRun {
        let describe = |priority: u32| {
            policy
                .rules()
                .iter()
                .find(|rule| rule.priority == priority)
                .map(|rule| rule.describe())
                .unwrap_or_default()
        };
        let dispositions: HashMap<String, Disposition> = plan
            .images
            .iter()
            .map(|outcome| (outcome.candidate.digest.clone(), outcome.disposition))
            .collect();
        let protected = dispositions
            .values()
            .filter(|d| matches!(d, Disposition::KeptForManifestList { .. }))
            .count();
        DryRun {
            text: text.to_string(),
            at,
            summary: Summary {
                images: images.len(),
                expired: plan.expired_count,
                transitioned: plan.transitioned_count,
                bytes_transitioned: plan.bytes_transitioned,
                protected,
                bytes_reclaimed: plan.bytes_reclaimed,
                total_bytes: images
                    .iter()
                    .fold(0u64, |sum, i| sum.saturating_add(i.size_bytes)),
                rules: plan
                    .rules
                    .iter()
                    .map(|outcome| RuleRow {
                        outcome: *outcome,
                        description: describe(outcome.rule_priority),
                    })
                    .collect(),
                not_evaluated: plan
                    .not_evaluated
                    .iter()
                    .map(|skipped| SkippedRow {
                        rule_priority: skipped.rule_priority,
                        reason: skipped.reason.to_string(),
                        description: describe(skipped.rule_priority),
                    })
                    .collect(),
                warnings: plan
                    .warnings
                    .iter()
                    .map(|warning| crate::sanitize::sanitize(&warning.message).into_owned())
                    .collect(),
            },
            dispositions,
        }
    }
}

/// What a rule does to an image: expire it, or move it to archive storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    pub rule: Option<u32>,
    pub archive: bool,
}

impl Fate {
    /// `rule 3 expires` / `rule 1 archives` (`rule ? …` when ECR names no rule).
    pub fn describe(self) -> String {
        let rule = self
            .rule
            .map_or("rule ?".to_string(), |p| format!("rule {p}"));
        let verb = if self.archive { "archives" } else { "expires" };
        format!("{rule} {verb}")
    }
}

/// An image whose fate berth and ECR's preview see differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub digest: String,
    pub tags: Vec<String>,
    /// What berth's dry run does to it (None: keeps it).
    pub berth: Option<Fate>,
    /// What ECR's preview does to it (None: keeps it).
    pub ecr: Option<Fate>,
}

/// berth's dry run next to ECR's preview of the same text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The policy text both evaluated.
    pub text: String,
    /// False when ECR already had a preview running and berth read that one.
    pub started: bool,
    /// Images both expire, or both archive, by the same rule.
    pub agree: usize,
    pub ecr_expiring: usize,
    pub berth_expiring: usize,
    pub ecr_archiving: usize,
    pub berth_archiving: usize,
    /// Images only one side acts on, or both differently.
    pub differences: Vec<Difference>,
}

/// ECR's own preview, as far as it got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EcrCheck {
    #[default]
    NotAsked,
    Running,
    /// ECR was still evaluating when berth stopped waiting.
    StillRunning,
    /// The endpoint lacks the preview operations (moto, some proxies).
    Unsupported(String),
    Failed(String),
    Done(Comparison),
}

/// berth's plan next to ECR's preview: agreements, and every image where they differ,
/// expirations and transitions to archive alike.
pub fn compare(text: &str, plan: &Plan<'_>, preview: &EcrPreview) -> Comparison {
    let mut ecr: HashMap<&str, (Fate, &[String])> = HashMap::new();
    for image in &preview.images {
        let archive = match image.action {
            PreviewAction::Expire => false,
            PreviewAction::Transition => true,
            PreviewAction::Other(_) => continue,
        };
        let fate = Fate {
            rule: image.rule_priority,
            archive,
        };
        ecr.entry(image.digest.as_str())
            .or_insert((fate, image.tags.as_slice()));
    }
    let berth: Vec<(&str, &[String], Fate)> = plan
        .expired
        .iter()
        .map(|image| (image.digest, image.tags, false, image.rule_priority))
        .chain(
            plan.transitioned
                .iter()
                .map(|image| (image.digest, image.tags, true, image.rule_priority)),
        )
        .map(|(digest, tags, archive, rule)| {
            (
                digest,
                tags,
                Fate {
                    rule: Some(rule),
                    archive,
                },
            )
        })
        .collect();
    let mut differences = Vec::new();
    let mut agree = 0;
    for (digest, tags, fate) in &berth {
        match ecr.get(digest) {
            Some((theirs, _)) if theirs == fate => agree += 1,
            other => differences.push(Difference {
                digest: digest.to_string(),
                tags: tags.to_vec(),
                berth: Some(*fate),
                ecr: other.map(|(theirs, _)| *theirs),
            }),
        }
    }
    let ours: HashSet<&str> = berth.iter().map(|(digest, _, _)| *digest).collect();
    for image in &preview.images {
        let Some((fate, tags)) = ecr.get(image.digest.as_str()) else {
            continue;
        };
        if ours.contains(image.digest.as_str())
            || differences
                .iter()
                .any(|d: &Difference| d.digest == image.digest)
        {
            continue;
        }
        differences.push(Difference {
            digest: image.digest.clone(),
            tags: tags.to_vec(),
            berth: None,
            ecr: Some(*fate),
        });
    }
    let count = |archive: bool| ecr.values().filter(|(f, _)| f.archive == archive).count();
    Comparison {
        text: text.to_string(),
        started: preview.started,
        agree,
        ecr_expiring: count(false),
        berth_expiring: plan.expired_count,
        ecr_archiving: count(true),
        berth_archiving: plan.transitioned_count,
        differences,
    }
}
