//! What a dry run decided: per image, per rule, and in total.
//!
//! `Plan` serialises to the stable JSON of `berth lifecycle preview --output json`:
//!
//! ```json
//! {"expired":[{"digest":"sha256:…","tags":["v1"],"rule_priority":2,"size_bytes":123}],
//!  "transitioned":[{"digest":"sha256:…","tags":["v0"],"rule_priority":1,"size_bytes":77}],
//!  "kept_count":8,"expired_count":1,"transitioned_count":1,
//!  "bytes_reclaimed":123,"bytes_transitioned":77,
//!  "rules":[{"rule_priority":1,"action":"transition","matched":4,"expired":0,
//!            "transitioned":1,"bytes":77},
//!           {"rule_priority":2,"action":"expire","matched":4,"expired":1,
//!            "transitioned":0,"bytes":123}],
//!  "not_evaluated":[{"rule_priority":3,"reason":"not evaluated by berth: …"}],
//!  "warnings":[{"kind":"referrers_left_behind","rule_priority":2,"digest":"sha256:…",
//!               "referrers":["sha256:…"],"message":"rule 2 expires sha256:… (v1) but …"}]}
//! ```

use jiff::Timestamp;
use serde::{Serialize, Serializer};

use super::evaluate::Candidate;
use super::policy::{Action, NotEvaluated};
use super::warnings::Warning;

/// The outcome of [`super::evaluate`]; equal inputs in any order give equal plans.
///
/// It borrows digests and tags from the candidates rather than copying them: at 100,000
/// images the copies would cost more than the evaluation itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan<'a> {
    /// Images the policy expires, oldest push first (ties by digest).
    pub expired: Vec<ExpiredImage<'a>>,
    /// Images the policy moves to archive storage, oldest push first (ties by digest).
    pub transitioned: Vec<ExpiredImage<'a>>,
    /// Images the policy neither expires nor archives, including those a rule picked
    /// but a manifest list protects, and those a rule berth did not evaluate selected.
    pub kept_count: usize,
    /// Images the policy expires.
    pub expired_count: usize,
    /// Images the policy moves to archive storage.
    pub transitioned_count: usize,
    /// Sum of the expired images' sizes. Layers shared with kept images are not freed,
    /// so this is an upper bound on the storage actually released.
    pub bytes_reclaimed: u64,
    /// Sum of the archived images' sizes: what moves from standard to archive storage
    /// (listed sizes, so shared layers count once per image).
    pub bytes_transitioned: u64,
    /// One entry per evaluated rule, in evaluation order.
    pub rules: Vec<RuleOutcome>,
    /// Rules berth left out, in evaluation order, and why.
    pub not_evaluated: Vec<SkippedRule>,
    /// How the rules counted referrers and index platforms, and the referrers the plan
    /// leaves behind: one entry per counting rule in evaluation order, then per image.
    pub warnings: Vec<Warning>,
    /// Every image with its disposition, oldest push first (ties by digest).
    #[serde(skip)]
    pub images: Vec<ImageOutcome<'a>>,
}

/// One image the policy expires (or, in [`Plan::transitioned`], archives).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiredImage<'a> {
    /// The manifest digest; expiring it deletes the image with every tag.
    pub digest: &'a str,
    /// All of the image's tags, including any the rule did not name.
    pub tags: &'a [String],
    /// The rule that expires (or archives) it.
    pub rule_priority: u32,
    /// `imageSizeInBytes` as ECR reports it.
    pub size_bytes: u64,
    /// When it was pushed; orders the list.
    #[serde(skip)]
    pub pushed_at: Timestamp,
}

/// What one evaluated rule did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    /// The rule's `rulePriority`.
    pub rule_priority: u32,
    /// `action.type`: `"expire"` or `"transition"`.
    pub action: Action,
    /// Images in the rule's selection (storage class, tag status and tag list),
    /// including images an earlier rule already claimed: those still count toward this
    /// rule's ranking.
    pub matched: usize,
    /// Images this rule expires (0 for a transition rule).
    pub expired: usize,
    /// Images this rule moves to archive storage (0 for an expire rule).
    pub transitioned: usize,
    /// Sum of the sizes of the images this rule expires or archives.
    pub bytes: u64,
}

/// A rule the plan does not account for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRule {
    /// The rule's `rulePriority`.
    pub rule_priority: u32,
    /// Why berth did not evaluate it.
    #[serde(serialize_with = "as_display")]
    pub reason: NotEvaluated,
}

/// One image and what the policy does to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageOutcome<'a> {
    /// The image as it was given to the evaluator.
    pub candidate: &'a Candidate,
    /// Expired or kept, and by which rule.
    pub disposition: Disposition,
}

/// What happens to one image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// The image stays. `selected_by` is the first rule whose selection included it:
    /// that rule kept it (too new, or within its count), and no later rule may expire it.
    Kept { selected_by: Option<u32> },
    /// The rule with this priority expires the image.
    Expired { rule_priority: u32 },
    /// The rule with this priority moves the image to archive storage.
    Transitioned { rule_priority: u32 },
    /// The rule with this priority would expire or archive the image, but a manifest
    /// list refers to it, and ECR does neither to such images on their own.
    KeptForManifestList { rule_priority: u32 },
    /// The first rule to select the image is one berth did not evaluate (see
    /// [`Plan::not_evaluated`]), so whether it stays is not known; no later rule may act
    /// on it. An image being restored (`ACTIVATING`) that some rule's tags match is
    /// reported so too, with the first such rule.
    Undecided { rule_priority: u32 },
}

impl Disposition {
    /// Whether the image is expired.
    pub fn is_expired(self) -> bool {
        matches!(self, Disposition::Expired { .. })
    }

    /// Whether the image moves to archive storage.
    pub fn is_transitioned(self) -> bool {
        matches!(self, Disposition::Transitioned { .. })
    }
}

fn as_display<S: Serializer>(reason: &NotEvaluated, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(reason)
}
