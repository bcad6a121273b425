//! The dry run: which images a policy expires, decided the way ECR decides it.

use std::cmp::Ordering;

use jiff::{SignedDuration, Timestamp};

use super::plan::{Disposition, ExpiredImage, ImageOutcome, Plan, RuleOutcome, SkippedRule};
use super::policy::{Count, Policy, Rule};

/// One image as the evaluator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Manifest digest, `sha256:…`; expected to be unique among the candidates.
    pub digest: String,
    /// Every tag of the image; empty for an untagged image.
    pub tags: Vec<String>,
    /// `imagePushedAt`.
    pub pushed_at: Timestamp,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// `lastRecordedPullTime`; only archive-era rules would read it, and berth does not
    /// evaluate those, so it is carried for display and for a future evaluator.
    pub last_pulled_at: Option<Timestamp>,
    /// Whether a manifest list (image index) refers to this image.
    pub referenced_by_manifest_list: bool,
}

/// What the rules have done to an image so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Acted {
    No,
    Expired,
    Shielded,
}

/// `claimed` value of an image no evaluated rule has selected yet.
const UNCLAIMED: u8 = u8::MAX;
/// Selection-mask bit for "a manifest list refers to this image"; rule bits are 0..50.
const REFERENCED: u64 = 1 << 63;

/// Apply `policy` to `images` as ECR would at `now`, without touching anything.
///
/// The semantics, from ECR's evaluation rules and worked examples:
///
/// - Rules run in ascending `rulePriority`. Each rule *selects* the images its tag status
///   and tag list match, ranks them newest push first, and picks the ones it is *due* to
///   act on: those beyond the first `countNumber` (`imageCountMoreThan`), or those pushed
///   more than `countNumber` × 24 hours before `now` (`sinceImagePushed`; an image
///   exactly that old is kept).
/// - An image selected by an earlier rule is *claimed* by it, whether that rule expired
///   it or kept it. A later rule never acts on a claimed image, but the image still
///   takes its place in the later rule's ranking. The ECR user guide's example: images
///   A (oldest), B and C (newest) tagged `prod-1,beta-1`, `prod-2,beta-2` and `beta-3`;
///   rule 1 keeps one `prod*`, rule 2 keeps one `beta*`. Rule 1 selects A and B and
///   expires A. Rule 2 ranks C, B, A, keeps C and is due on B and A, but both are
///   claimed by rule 1, so only A is expired. Counting works the same way: with rule 1 "expire `pr-*` beyond
///   the newest 1" and rule 2 "keep the newest 3 of any image", an expired `pr-` image
///   still occupies one of rule 2's three places.
/// - An expired image goes whole, with every tag it has.
/// - An image a manifest list refers to is never expired on its own; it is reported as
///   [`Disposition::KeptForManifestList`] and still counts in rankings.
/// - Equal push times are ordered by digest (the larger digest counts as newer), so the
///   plan does not depend on the order of `images`.
/// - Rules berth does not evaluate (archive storage) neither expire nor claim images;
///   they are listed in [`Plan::not_evaluated`].
pub fn evaluate<'a>(policy: &Policy, images: &'a [Candidate], now: Timestamp) -> Plan<'a> {
    let (evaluated, skipped): (Vec<&Rule>, Vec<&Rule>) = policy
        .rules()
        .iter()
        .partition(|rule| rule.not_evaluated().is_none());
    // Every rule's selection in one pass over the images in input order: each image's
    // tags are read once, and the per-rule scans below touch only these bitmasks.
    let masks: Vec<u64> = images
        .iter()
        .map(|image| selection_mask(&evaluated, image))
        .collect();
    let ranked = newest_first(images);
    let ranked_masks: Vec<u64> = ranked.iter().map(|key| masks[key.index as usize]).collect();
    drop(masks);
    let mut claimed = vec![UNCLAIMED; ranked.len()];
    let mut acted = vec![Acted::No; ranked.len()];

    let mut rules: Vec<RuleOutcome> = Vec::with_capacity(evaluated.len());
    for (slot, rule) in evaluated.iter().enumerate() {
        let bit = 1u64 << slot;
        let due = Due::new(rule.count, now);
        let mut outcome = RuleOutcome {
            rule_priority: rule.priority,
            matched: 0,
            expired: 0,
            bytes: 0,
        };
        for (position, &mask) in ranked_masks.iter().enumerate() {
            if mask & bit == 0 {
                continue;
            }
            let rank = outcome.matched;
            outcome.matched += 1;
            if claimed[position] != UNCLAIMED {
                continue;
            }
            // At most 50 rules (validated), so a slot always fits below UNCLAIMED.
            claimed[position] = slot as u8;
            if !due.is_due(rank, &ranked[position]) {
                continue;
            }
            if mask & REFERENCED != 0 {
                acted[position] = Acted::Shielded;
            } else {
                acted[position] = Acted::Expired;
                outcome.expired += 1;
            }
        }
        rules.push(outcome);
    }

    let expired_count = rules.iter().map(|rule| rule.expired).sum();
    let mut plan = Plan {
        expired: Vec::with_capacity(expired_count),
        kept_count: 0,
        expired_count: 0,
        bytes_reclaimed: 0,
        rules,
        not_evaluated: skipped
            .iter()
            .filter_map(|rule| {
                rule.not_evaluated().map(|reason| SkippedRule {
                    rule_priority: rule.priority,
                    reason,
                })
            })
            .collect(),
        images: Vec::with_capacity(ranked.len()),
    };
    for (position, key) in ranked.iter().enumerate().rev() {
        let image = &images[key.index as usize];
        let slot = usize::from(claimed[position]);
        let disposition = match acted[position] {
            Acted::Expired => Disposition::Expired {
                rule_priority: evaluated[slot].priority,
            },
            Acted::Shielded => Disposition::KeptForManifestList {
                rule_priority: evaluated[slot].priority,
            },
            Acted::No => Disposition::Kept {
                selected_by: (claimed[position] != UNCLAIMED).then(|| evaluated[slot].priority),
            },
        };
        if let Disposition::Expired { rule_priority } = disposition {
            plan.expired.push(ExpiredImage {
                digest: &image.digest,
                tags: &image.tags,
                rule_priority,
                size_bytes: image.size_bytes,
                pushed_at: image.pushed_at,
            });
            plan.bytes_reclaimed = plan.bytes_reclaimed.saturating_add(image.size_bytes);
            let bytes = &mut plan.rules[slot].bytes;
            *bytes = bytes.saturating_add(image.size_bytes);
        }
        plan.images.push(ImageOutcome {
            candidate: image,
            disposition,
        });
    }
    plan.expired_count = expired_count;
    plan.kept_count = ranked.len() - expired_count;
    plan
}

/// Bit `slot` set for each evaluated rule that selects `image`, plus [`REFERENCED`].
fn selection_mask(evaluated: &[&Rule], image: &Candidate) -> u64 {
    let mut mask = if image.referenced_by_manifest_list {
        REFERENCED
    } else {
        0
    };
    for (slot, rule) in evaluated.iter().enumerate() {
        if rule.tags.selects(&image.tags) {
            mask |= 1 << slot;
        }
    }
    mask
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
    /// Pushed strictly before this (second, nanosecond); `None` when the cutoff
    /// precedes all representable time, so nothing is old enough.
    PushedBefore(Option<(i64, i32)>),
}

impl Due {
    fn new(count: Count, now: Timestamp) -> Due {
        match count {
            Count::ImagesMoreThan(keep) => Due::BeyondRank(keep as usize),
            Count::DaysSincePushed(days) => {
                let age = SignedDuration::from_hours(24 * i64::from(days));
                let cutoff = now.checked_sub(age).ok();
                Due::PushedBefore(cutoff.map(|at| (at.as_second(), at.subsec_nanosecond())))
            }
            // Validation pairs these with transition or archive storage, which the
            // evaluator skips; a rule that reached here would act on nothing.
            Count::DaysSincePulled(_) | Count::DaysSinceTransitioned(_) => Due::PushedBefore(None),
        }
    }

    fn is_due(&self, rank: usize, key: &RankKey) -> bool {
        match self {
            Due::BeyondRank(keep) => rank >= *keep,
            Due::PushedBefore(Some(cutoff)) => (key.second, key.nanosecond) < *cutoff,
            Due::PushedBefore(None) => false,
        }
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
}
