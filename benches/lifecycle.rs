//! Lifecycle dry-run speed: a five-rule policy over repositories of 1k, 10k and 100k
//! images (ECR's per-repository maximum), unsigned and signed (every untagged image a
//! signature of the image pushed before it, so the plan's referrer warnings have work).
//! The target is 100k well under 50 ms.
//!
//! Run with `cargo bench --bench lifecycle`; divan prints the timings.

use berth::lifecycle::{Candidate, ImageRecord, evaluate, parse_policy, read_image_records};
use divan::{Bencher, black_box};
use jiff::{SignedDuration, Timestamp};

fn main() {
    divan::main();
}

/// A busy CI repository's policy: PR builds, release candidates, leftovers, releases,
/// and a cap on everything.
const POLICY: &str = r#"{"rules": [
  {"rulePriority": 10, "description": "keep the newest 20 PR builds",
   "selection": {"tagStatus": "tagged", "tagPrefixList": ["pr-"],
                 "countType": "imageCountMoreThan", "countNumber": 20},
   "action": {"type": "expire"}},
  {"rulePriority": 20, "description": "release candidates live two weeks",
   "selection": {"tagStatus": "tagged", "tagPatternList": ["release-*-rc*"],
                 "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
   "action": {"type": "expire"}},
  {"rulePriority": 30, "description": "untagged leftovers live a week",
   "selection": {"tagStatus": "untagged",
                 "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
   "action": {"type": "expire"}},
  {"rulePriority": 40, "description": "keep 200 semver releases",
   "selection": {"tagStatus": "tagged", "tagPatternList": ["v*.*.*"],
                 "countType": "imageCountMoreThan", "countNumber": 200},
   "action": {"type": "expire"}},
  {"rulePriority": 50, "description": "never more than 5000 images",
   "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5000},
   "action": {"type": "expire"}}
]}"#;

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// A deterministic repository: a push every 86 s or so (100k images ≈ 100 days), with
/// the mix of tags a CI pipeline leaves behind.
fn repository(count: usize) -> Vec<ImageRecord> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|i| {
            let random = next();
            let tags = match random % 10 {
                0..=3 => vec![format!("pr-{i}"), format!("sha-{:012x}", random >> 16)],
                4 => vec![format!("release-{i}-rc{}", random % 5)],
                5 | 6 => vec![format!("v{}.{}.{i}", random % 3, random % 11)],
                7 | 8 => Vec::new(),
                _ => vec![format!("dev-{i}")],
            };
            let age = SignedDuration::from_secs(i as i64 * 86 + (random % 60) as i64);
            ImageRecord {
                digest: format!("sha256:{random:016x}{i:048x}"),
                tags,
                pushed_at: now() - age,
                size_bytes: 20_000_000 + random % 300_000_000,
                last_pulled_at: None,
                media_type: None,
                referenced_by_manifest_list: random % 10 == 8 && random % 3 == 0,
                layers: None,
                unique_bytes: None,
                ..ImageRecord::default()
            }
        })
        .collect()
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 30)]
fn evaluate_five_rules(bencher: Bencher, count: usize) {
    let policy = parse_policy(POLICY).unwrap();
    let images: Vec<Candidate> = repository(count).into_iter().map(Candidate::from).collect();
    bencher.bench_local(|| evaluate(black_box(&policy), black_box(&images), now()));
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 30)]
fn evaluate_five_rules_signed(bencher: Bencher, count: usize) {
    let policy = parse_policy(POLICY).unwrap();
    let mut images: Vec<Candidate> = repository(count).into_iter().map(Candidate::from).collect();
    // Records are newest first: the image pushed just before is the next one.
    for i in 0..images.len().saturating_sub(1) {
        if images[i].tags.is_empty() {
            images[i].subject_digest = Some(images[i + 1].digest.clone());
        }
    }
    bencher.bench_local(|| evaluate(black_box(&policy), black_box(&images), now()));
}

#[divan::bench]
fn parse_five_rule_policy() {
    black_box(parse_policy(black_box(POLICY)).unwrap());
}

#[divan::bench(args = [100_000], sample_count = 10)]
fn read_image_records_file(bencher: Bencher, count: usize) {
    let text = serde_json::to_string(&repository(count)).unwrap();
    bencher.bench_local(|| read_image_records(black_box(&text)).unwrap());
}
