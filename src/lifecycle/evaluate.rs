//! The dry run: which images a policy expires or archives, decided the way ECR decides it.
//!
//! The AWS sentences quoted next to the code come from the Amazon ECR User Guide: "How
//! lifecycle policies work" (its "Lifecycle policy evaluation rules"), "Lifecycle policy
//! properties in Amazon ECR", "Examples of lifecycle policies in Amazon ECR" and
//! "Archiving an image".

use std::cmp::Ordering;
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::plan::{Disposition, ExpiredImage, ImageOutcome, Plan, RuleOutcome, SkippedRule};
use super::policy::{Action, Count, NotEvaluated, Policy, Rule, StorageClass};
use super::warnings::{self, Counted};

/// `imageStatus` of an image: which storage class it is in, and whether it is moving.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImageStatus {
    /// In standard storage, pullable.
    #[default]
    Active,
    /// In archive storage: not pullable, still billed.
    Archived,
    /// Being restored from archive storage to standard storage.
    Activating,
    /// A status this berth does not know (a newer ECR's): neither class is assumed.
    Unknown,
}

impl ImageStatus {
    /// Every status with the word ECR uses for it.
    pub const ALL: [(ImageStatus, &'static str); 3] = [
        (ImageStatus::Active, "ACTIVE"),
        (ImageStatus::Archived, "ARCHIVED"),
        (ImageStatus::Activating, "ACTIVATING"),
    ];

    /// ECR's word for the status (`ACTIVE`, `ARCHIVED`, `ACTIVATING`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Active => "ACTIVE",
            ImageStatus::Archived => "ARCHIVED",
            ImageStatus::Activating => "ACTIVATING",
            ImageStatus::Unknown => "UNKNOWN",
        }
    }

    /// The status ECR's word names; [`ImageStatus::Unknown`] for any other word.
    pub fn parse(word: &str) -> ImageStatus {
        Self::from_word(word).unwrap_or(ImageStatus::Unknown)
    }

    /// The status ECR calls `word`, if any.
    pub fn from_word(word: &str) -> Option<ImageStatus> {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == word)
            .map(|(status, _)| *status)
    }

    /// The storage class a rule must select to consider an image with this status;
    /// `None` for an image being restored, whose class ECR's documentation does not give.
    pub fn storage_class(self) -> Option<StorageClass> {
        match self {
            ImageStatus::Active => Some(StorageClass::Standard),
            ImageStatus::Archived => Some(StorageClass::Archive),
            ImageStatus::Activating | ImageStatus::Unknown => None,
        }
    }
}

impl fmt::Display for ImageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One image as the evaluator sees it.
///
/// `Default` is an untagged, empty, active image pushed at the Unix epoch, for filling
/// in the fields a caller does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Candidate {
    /// Manifest digest, `sha256:…`; expected to be unique among the candidates.
    pub digest: String,
    /// Every tag of the image; empty for an untagged image.
    pub tags: Vec<String>,
    /// `imagePushedAt`.
    pub pushed_at: Timestamp,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// `lastRecordedPullTime`, if ECR recorded a pull.
    pub last_pulled_at: Option<Timestamp>,
    /// Whether a manifest list (image index) refers to this image.
    pub referenced_by_manifest_list: bool,
    /// `imageStatus`.
    pub status: ImageStatus,
    /// `lastArchivedAt`: when the image last moved to archive storage.
    pub last_archived_at: Option<Timestamp>,
    /// `lastActivatedAt`: when the image was last restored from archive storage.
    pub last_activated_at: Option<Timestamp>,
    /// For an OCI referrer (a signature, SBOM or attestation): the image it refers to
    /// (`subjectManifestDigest`). The evaluator treats a referrer as the image ECR stores
    /// it as; the plan's warnings say what that means.
    pub subject_digest: Option<String>,
    /// `artifactMediaType`, for the warnings.
    pub artifact_type: Option<String>,
}

/// What the rules have done to an image so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Acted {
    No,
    Expired,
    Transitioned,
    Shielded,
    Undecided,
}

/// `claimed` value of an image no rule has selected yet.
const UNCLAIMED: u8 = u8::MAX;
/// Selection-mask bit for "a manifest list refers to this image"; rule bits are 0..50.
const REFERENCED: u64 = 1 << 63;
/// Selection-mask bit for "an active image restored from archive storage".
const RESTORED: u64 = 1 << 62;
/// Selection-mask bit for "an OCI referrer: its manifest names a subject".
const REFERRER: u64 = 1 << 61;

/// Apply `policy` to `images` as ECR would at `now`, without touching anything.
///
/// The semantics, from ECR's evaluation rules and worked examples (the sentences are
/// quoted where the code applies them):
///
/// - Rules run in ascending `rulePriority`. Each rule *selects* the images of its
///   storage class (standard: `ACTIVE`; archive: `ARCHIVED`) that its tag status and tag
///   list match, ranks them newest push first, and picks the ones it is *due* to act
///   on: those beyond the first `countNumber` (`imageCountMoreThan`), or those whose
///   age, counted from the time its count type names, is more than `countNumber` × 24
///   hours (an image exactly that old is kept).
/// - An image selected by an earlier rule is *claimed* by it, whether that rule acted
///   on it or kept it. A later rule never acts on a claimed image, but the image still
///   takes its place in the later rule's ranking. The ECR user guide's example: images
///   A (oldest), B and C (newest) tagged `prod-1,beta-1`, `prod-2,beta-2` and `beta-3`;
///   rule 1 keeps one `prod*`, rule 2 keeps one `beta*`. Rule 1 selects A and B and
///   expires A. Rule 2 ranks C, B, A, keeps C and is due on B and A, but both are
///   claimed by rule 1, so only A is expired. Counting works the same way: with rule 1 "expire `pr-*` beyond
///   the newest 1" and rule 2 "keep the newest 3 of any image", an expired `pr-` image
///   still occupies one of rule 2's three places. Claims are per storage class, as
///   selection is: a standard rule never claims an archived image.
/// - An expired image goes whole, with every tag it has; an archived one likewise moves
///   whole.
/// - An image a manifest list refers to is never expired or archived on its own; it is
///   reported as [`Disposition::KeptForManifestList`] and still counts in rankings
///   (ECR's documentation does not say; [`Plan::warnings`] says so where it matters).
/// - An OCI referrer (a signature, SBOM or attestation: `subject_digest` is set) is an
///   image like any other, as ECR stores it. [`Plan::warnings`] says how many each rule
///   counted, which expired or archived images leave referrers behind (ECR cleans up an
///   expired image's referrers within 24 hours, outside the rules), and which referrers
///   are expired while their image stays.
/// - Equal push times are ordered by digest (the larger digest counts as newer), so the
///   plan does not depend on the order of `images`.
/// - Where the outcome of a rule depends on a point ECR's documentation leaves open, or
///   on a time the images lack, the rule is listed in [`Plan::not_evaluated`] with the
///   reason ([`NotEvaluated`]) and acts on nothing; it still claims the images it
///   selects (claiming depends only on selection, which is certain), so later rules are
///   evaluated exactly, and those images are [`Disposition::Undecided`].
pub fn evaluate<'a>(policy: &Policy, images: &'a [Candidate], now: Timestamp) -> Plan<'a> {
    let rules = policy.rules();
    // Every rule's selection in one pass over the images in input order: each image's
    // tags are read once, and the per-rule scans below mostly touch only these bitmasks.
    let masks: Vec<u64> = images
        .iter()
        .map(|image| selection_mask(rules, image))
        .collect();
    // Rules whose tags match an image being restored. "imageStatus … Valid Values:
    // ACTIVE | ARCHIVED | ACTIVATING" (ImageDetail), but the evaluation rules speak of
    // standard and archived images only: such a rule's outcome is not documented.
    let activating = images
        .iter()
        .filter(|image| image.status.storage_class().is_none())
        .fold(0u64, |hits, image| hits | tag_mask(rules, image));
    let ranked = newest_first(images);
    let ranked_masks: Vec<u64> = ranked.iter().map(|key| masks[key.index as usize]).collect();
    drop(masks);
    let mut claimed = vec![UNCLAIMED; ranked.len()];
    let mut acted = vec![Acted::No; ranked.len()];
    let mut outcomes: Vec<RuleOutcome> = Vec::with_capacity(rules.len());
    let mut not_evaluated: Vec<SkippedRule> = Vec::new();
    let mut due_positions: Vec<usize> = Vec::new();
    let mut plan_warnings = Vec::new();

    for (slot, rule) in rules.iter().enumerate() {
        let bit = 1u64 << slot;
        let due = Due::new(rule.count, now);
        let mut reason = (activating & bit != 0).then_some(NotEvaluated::ActivatingImage);
        let mut matched = 0;
        let mut referrers = 0;
        let mut children = 0;
        let mut ranks_restored = false;
        due_positions.clear();
        for (position, &mask) in ranked_masks.iter().enumerate() {
            if mask & bit == 0 {
                continue;
            }
            // "Rules can never mark images that are marked by higher priority rules,
            // but can still identify them as if they haven't been expired or archived."
            let rank = matched;
            matched += 1;
            // "A set of artifacts for a container image is … stored as a separate image
            // that counts as an image consumed for your repository": a referrer ranks and
            // is due like any image, and so does a platform an index refers to (see
            // `warnings`); the plan's warnings say how many each rule counted.
            referrers += usize::from(mask & REFERRER != 0);
            children += usize::from(mask & REFERENCED != 0);
            ranks_restored |= mask & RESTORED != 0;
            if claimed[position] != UNCLAIMED {
                continue;
            }
            // "An image that matches the tagging requirements of a rule cannot be
            // expired or archived by a rule with a lower priority." At most 50 rules
            // (validated), so a slot always fits below UNCLAIMED.
            claimed[position] = slot as u8;
            let key = &ranked[position];
            match due.is_due(rank, key, &images[key.index as usize]) {
                Some(true) => due_positions.push(position),
                Some(false) => {}
                None => reason = reason.or(Some(NotEvaluated::NoArchiveTime)),
            }
        }
        plan_warnings.extend(warnings::counting(Counted {
            rule_priority: rule.priority,
            count: rule.count,
            matched,
            referrers,
            children,
        }));
        if reason.is_none()
            && ranks_restored
            && restored_order_differs(
                rule,
                slot,
                now,
                &due_positions,
                &ranked,
                &ranked_masks,
                &claimed,
                images,
            )
        {
            reason = Some(NotEvaluated::RestoredImageOrder);
        }
        if let Some(reason) = reason {
            for (position, &owner) in claimed.iter().enumerate() {
                if usize::from(owner) == slot {
                    acted[position] = Acted::Undecided;
                }
            }
            not_evaluated.push(SkippedRule {
                rule_priority: rule.priority,
                reason,
            });
            continue;
        }
        let mut outcome = RuleOutcome {
            rule_priority: rule.priority,
            action: rule.action,
            matched,
            expired: 0,
            transitioned: 0,
            bytes: 0,
        };
        for &position in &due_positions {
            // "If an image is referenced by a manifest list, it cannot be expired or
            // archived without the manifest list being deleted or archived first."
            if ranked_masks[position] & REFERENCED != 0 {
                acted[position] = Acted::Shielded;
                continue;
            }
            // "An image is expired or archived by exactly one or zero rules."
            match rule.action {
                Action::Expire => {
                    acted[position] = Acted::Expired;
                    outcome.expired += 1;
                }
                Action::TransitionToArchive => {
                    acted[position] = Acted::Transitioned;
                    outcome.transitioned += 1;
                }
            }
            let size = images[ranked[position].index as usize].size_bytes;
            outcome.bytes = outcome.bytes.saturating_add(size);
        }
        outcomes.push(outcome);
    }

    let expired_count = outcomes.iter().map(|rule| rule.expired).sum();
    let transitioned_count = outcomes.iter().map(|rule| rule.transitioned).sum();
    let mut plan = Plan {
        expired: Vec::with_capacity(expired_count),
        transitioned: Vec::with_capacity(transitioned_count),
        kept_count: ranked.len() - expired_count - transitioned_count,
        expired_count,
        transitioned_count,
        bytes_reclaimed: 0,
        bytes_transitioned: 0,
        rules: outcomes,
        not_evaluated,
        warnings: plan_warnings,
        images: Vec::with_capacity(ranked.len()),
    };
    let priority = |slot: u8| rules[usize::from(slot)].priority;
    for (position, key) in ranked.iter().enumerate().rev() {
        let image = &images[key.index as usize];
        let owner = claimed[position];
        let disposition = match acted[position] {
            Acted::Expired => Disposition::Expired {
                rule_priority: priority(owner),
            },
            Acted::Transitioned => Disposition::Transitioned {
                rule_priority: priority(owner),
            },
            Acted::Shielded => Disposition::KeptForManifestList {
                rule_priority: priority(owner),
            },
            Acted::Undecided => Disposition::Undecided {
                rule_priority: priority(owner),
            },
            Acted::No if image.status.storage_class().is_none() => match tag_mask(rules, image) {
                0 => Disposition::Kept { selected_by: None },
                hits => Disposition::Undecided {
                    rule_priority: rules[hits.trailing_zeros() as usize].priority,
                },
            },
            Acted::No => Disposition::Kept {
                selected_by: (owner != UNCLAIMED).then(|| priority(owner)),
            },
        };
        let entry = |rule_priority| ExpiredImage {
            digest: &image.digest,
            tags: &image.tags,
            rule_priority,
            size_bytes: image.size_bytes,
            pushed_at: image.pushed_at,
        };
        match disposition {
            Disposition::Expired { rule_priority } => {
                plan.expired.push(entry(rule_priority));
                plan.bytes_reclaimed = plan.bytes_reclaimed.saturating_add(image.size_bytes);
            }
            Disposition::Transitioned { rule_priority } => {
                plan.transitioned.push(entry(rule_priority));
                plan.bytes_transitioned = plan.bytes_transitioned.saturating_add(image.size_bytes);
            }
            _ => {}
        }
        plan.images.push(ImageOutcome {
            candidate: image,
            disposition,
        });
    }
    let left_behind = warnings::referrers(&plan.images);
    plan.warnings.extend(left_behind);
    plan
}

/// Bit `slot` set for each rule that selects `image`, plus [`REFERENCED`] and
/// [`RESTORED`].
fn selection_mask(rules: &[Rule], image: &Candidate) -> u64 {
    let mut mask = 0;
    if image.referenced_by_manifest_list {
        mask |= REFERENCED;
    }
    if is_restored(image) {
        mask |= RESTORED;
    }
    if image.subject_digest.is_some() {
        mask |= REFERRER;
    }
    // "The rule will only select images of this storage class." An archived image
    // is one whose "image status will be shown as ARCHIVED" (Archiving an image).
    let Some(class) = image.status.storage_class() else {
        return mask;
    };
    for (slot, rule) in rules.iter().enumerate() {
        if rule.storage_class == class && rule.tags.selects(&image.tags) {
            mask |= 1 << slot;
        }
    }
    mask
}

/// Bit `slot` set for each rule whose tag status and tag list match `image`, whatever
/// its storage class.
fn tag_mask(rules: &[Rule], image: &Candidate) -> u64 {
    rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.tags.selects(&image.tags))
        .fold(0, |mask, (slot, _)| mask | 1 << slot)
}

/// An active image that was restored from archive storage at some point.
fn is_restored(image: &Candidate) -> bool {
    image.status == ImageStatus::Active && image.last_activated_at.is_some()
}

/// The time ECR's documentation also gives for ordering `image`: "If an image was
/// archived and then restored at any point in the past, the image's last_activated_at
/// is used instead of pushed_at_time."
fn restore_order_time(image: &Candidate) -> Timestamp {
    match image.last_activated_at {
        Some(activated) if is_restored(image) => activated,
        _ => image.pushed_at,
    }
}

/// Whether an `imageCountMoreThan` or `sinceImagePushed` rule would act on other images
/// if restored images were ordered by their restore time instead of their push time.
///
/// The guide gives both: "With countType = imageCountMoreThan, images are sorted from
/// youngest to oldest based on pushed_at_time" and "With countType = sinceImagePushed,
/// all images whose pushed_at_time is older than …", but also "Expiration is always
/// ordered by pushed_at_time or transitioned_at_time … If an image was archived and then
/// restored at any point in the past, the image's last_activated_at is used instead of
/// pushed_at_time." Where the two readings agree the rule is exact; `due` holds the
/// positions the push-time reading picked, ascending.
#[allow(clippy::too_many_arguments)]
fn restored_order_differs(
    rule: &Rule,
    slot: usize,
    now: Timestamp,
    due: &[usize],
    ranked: &[RankKey],
    ranked_masks: &[u64],
    claimed: &[u8],
    images: &[Candidate],
) -> bool {
    let bit = 1u64 << slot;
    let image_at = |position: usize| &images[ranked[position].index as usize];
    let mut selected: Vec<usize> = (0..ranked.len())
        .filter(|&position| ranked_masks[position] & bit != 0)
        .collect();
    let mut other: Vec<usize> = match rule.count {
        Count::ImagesMoreThan(keep) => {
            selected.sort_by(|&a, &b| {
                let (a, b) = (image_at(a), image_at(b));
                restore_order_time(b)
                    .cmp(&restore_order_time(a))
                    .then_with(|| tie_break(b, a))
            });
            selected
                .into_iter()
                .skip(keep as usize)
                .filter(|&position| usize::from(claimed[position]) == slot)
                .collect()
        }
        Count::DaysSincePushed(days) => match days_before(now, days) {
            Some(cutoff) => selected
                .into_iter()
                .filter(|&position| usize::from(claimed[position]) == slot)
                .filter(|&position| restore_order_time(image_at(position)) < cutoff)
                .collect(),
            None => Vec::new(),
        },
        // Their own sentences name the time to count from for restored images, or they
        // select archived images only.
        Count::DaysSincePulled(_) | Count::DaysSinceTransitioned(_) => return false,
    };
    other.sort_unstable();
    other != due
}

/// An image's place in the ranking: its push time, and where it is in the input.
struct RankKey {
    second: i64,
    nanosecond: i32,
    index: u32,
}

/// When a rule acts on a selected image.
enum Due {
    /// Beyond this many newer selected images.
    BeyondRank(usize),
    /// The image's time from `since` strictly before `cutoff`; `None` when the cutoff
    /// precedes all representable time, so nothing is old enough.
    Before {
        since: Since,
        cutoff: Option<Timestamp>,
    },
}

/// The time an age rule counts from.
#[derive(Clone, Copy)]
enum Since {
    Push,
    Pull,
    Archive,
}

/// `now` less `days` × 24 hours, if representable.
fn days_before(now: Timestamp, days: u32) -> Option<Timestamp> {
    now.checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
        .ok()
}

impl Due {
    fn new(count: Count, now: Timestamp) -> Due {
        let before = |since, days| Due::Before {
            since,
            cutoff: days_before(now, days),
        };
        match count {
            // "With countType = imageCountMoreThan, images are sorted from youngest to
            // oldest based on pushed_at_time and then all images greater than the
            // specified count are expired or archived."
            Count::ImagesMoreThan(keep) => Due::BeyondRank(keep as usize),
            // "With countType = sinceImagePushed, all images whose pushed_at_time is
            // older than the specified number of days based on countNumber are expired
            // or archived."
            Count::DaysSincePushed(days) => before(Since::Push, days),
            // "With countType = sinceImagePulled, all images whose
            // last_recorded_pulltime is older than the specified number of days based on
            // countNumber are archived." (See `pull_age_from` for the fallbacks.)
            Count::DaysSincePulled(days) => before(Since::Pull, days),
            // "With countType = sinceImageTransitioned, all archived images whose
            // last_archived_at is older than the specified number of days based on
            // countNumber are expired." Validation keeps countNumber at 90 or more:
            // "You cannot configure lifecycle policies that delete images that have been
            // in archive for less than 90 days."
            Count::DaysSinceTransitioned(days) => before(Since::Archive, days),
        }
    }

    /// Whether the image at `rank` is due; `None` when the time to count from is unknown.
    fn is_due(&self, rank: usize, key: &RankKey, image: &Candidate) -> Option<bool> {
        match *self {
            Due::BeyondRank(keep) => Some(rank >= keep),
            Due::Before { cutoff: None, .. } => Some(false),
            Due::Before {
                since: Since::Push,
                cutoff: Some(cutoff),
            } => Some(
                (key.second, key.nanosecond) < (cutoff.as_second(), cutoff.subsec_nanosecond()),
            ),
            Due::Before {
                since: Since::Pull,
                cutoff: Some(cutoff),
            } => Some(pull_age_from(image) < cutoff),
            Due::Before {
                since: Since::Archive,
                cutoff: Some(cutoff),
            } => image.last_archived_at.map(|archived| archived < cutoff),
        }
    }
}

/// The time a `sinceImagePulled` rule counts an image's age from.
///
/// "If an image was never pulled, the image's pushed_at_time is used instead of the
/// last_recorded_pulltime. If an image was archived and then restored at any point in
/// the past, but never pulled since the image was restored, the image's
/// last_activated_at is used instead of the last_recorded_pulltime." So: the later of
/// the last pull and the last restore, else the push.
fn pull_age_from(image: &Candidate) -> Timestamp {
    match (image.last_pulled_at, image.last_activated_at) {
        (Some(pulled), Some(activated)) => pulled.max(activated),
        (Some(pulled), None) => pulled,
        (None, Some(activated)) => activated,
        (None, None) => image.pushed_at,
    }
}

/// The images' rank keys, newest push first; ties broken on content, never on position.
fn newest_first(images: &[Candidate]) -> Vec<RankKey> {
    // Sorting compact keys keeps the common case (distinct push times) out of the
    // candidates themselves; only ties look further.
    let mut keys: Vec<RankKey> = images
        .iter()
        .enumerate()
        .map(|(index, image)| RankKey {
            second: image.pushed_at.as_second(),
            nanosecond: image.pushed_at.subsec_nanosecond(),
            index: index as u32,
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (b.second, b.nanosecond)
            .cmp(&(a.second, a.nanosecond))
            .then_with(|| tie_break(&images[b.index as usize], &images[a.index as usize]))
    });
    keys
}

/// Orders two images pushed at the same instant: by digest, then (for duplicate
/// digests, which ECR cannot have) by every other field, so equal inputs sort equally.
fn tie_break(a: &Candidate, b: &Candidate) -> Ordering {
    a.digest
        .cmp(&b.digest)
        .then_with(|| a.tags.cmp(&b.tags))
        .then_with(|| a.size_bytes.cmp(&b.size_bytes))
        .then_with(|| a.last_pulled_at.cmp(&b.last_pulled_at))
        .then_with(|| {
            a.referenced_by_manifest_list
                .cmp(&b.referenced_by_manifest_list)
        })
        .then_with(|| a.status.cmp(&b.status))
        .then_with(|| a.last_archived_at.cmp(&b.last_archived_at))
        .then_with(|| a.last_activated_at.cmp(&b.last_activated_at))
        .then_with(|| a.subject_digest.cmp(&b.subject_digest))
        .then_with(|| a.artifact_type.cmp(&b.artifact_type))
}
