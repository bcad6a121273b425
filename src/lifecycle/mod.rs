//! Lifecycle policy parsing, validation and offline evaluation (pure, no I/O).
//!
//! ```
//! use berth::lifecycle::{Candidate, evaluate, parse_policy, read_image_records};
//!
//! let policy = parse_policy(r#"{"rules": [{
//!     "rulePriority": 1,
//!     "description": "keep the two newest images",
//!     "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
//!     "action": {"type": "expire"}
//! }]}"#)?;
//! assert_eq!(
//!     policy.describe(),
//!     "priority 1: all images: keep the newest 2 images by push time, expire the rest \
//!      (\"keep the two newest images\")\n"
//! );
//!
//! let record = |hex: char, tag: &str, day: u32| {
//!     let digest = format!("sha256:{}", hex.to_string().repeat(64));
//!     format!(r#"{{"digest": "{digest}", "tags": ["{tag}"],
//!                 "pushed_at": "2026-01-{day:02}T12:00:00Z", "size_bytes": 1000}}"#)
//! };
//! let file = format!("[{}, {}, {}]", record('a', "v1", 1), record('b', "v2", 2), record('c', "v3", 3));
//! let images: Vec<Candidate> = read_image_records(&file)?.into_iter().map(Candidate::from).collect();
//! let plan = evaluate(&policy, &images, "2026-02-01T00:00:00Z".parse()?);
//! assert_eq!(plan.expired_count, 1);
//! assert_eq!(plan.expired[0].tags, ["v1"]);
//! assert_eq!(
//!     serde_json::to_string(&plan)?,
//!     format!(r#"{{"expired":[{{"digest":"sha256:{}","tags":["v1"],"rule_priority":1,"size_bytes":1000}}],"transitioned":[],"kept_count":2,"expired_count":1,"transitioned_count":0,"bytes_reclaimed":1000,"bytes_transitioned":0,"rules":[{{"rule_priority":1,"action":"expire","matched":3,"expired":1,"transitioned":0,"bytes":1000}}],"not_evaluated":[],"warnings":[]}}"#, "a".repeat(64))
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`parse_policy`] applies every check ECR makes before accepting a policy and names
//!   the rule (`rule #2 (priority 20)`) and field (`selection.tagPrefixList`) at fault.
//! - [`evaluate`] decides, for a given instant, which images ECR would expire and which
//!   it would move to archive storage; its doc spells out how berth reads ECR's
//!   semantics, and the code quotes the AWS sentence behind each step.
//! - [`read_image_records`] reads the `--images FILE` format into [`ImageRecord`]s.
//!
//! Archive-era rules (`sinceImagePulled`, `sinceImageTransitioned`, `storageClass`,
//! `transition`) are evaluated like the others. Where a rule's outcome depends on a
//! point the documentation leaves open (an image being restored, the order of restored
//! images), the plan lists it under `not_evaluated` with the reason instead of guessing.

mod error;
mod evaluate;
mod json;
mod parse;
mod pattern;
mod plan;
mod policy;
mod reader;
mod records;
mod warnings;

pub use error::{MAX_POLICY_CHARS, MIN_POLICY_CHARS, PolicyError, Problem, RuleRef};
pub use evaluate::{Candidate, ImageStatus, evaluate};
pub use parse::parse_policy;
pub use pattern::TagPattern;
pub use plan::{Disposition, ExpiredImage, ImageOutcome, Plan, RuleOutcome, SkippedRule};
pub use policy::{Action, Count, NotEvaluated, Policy, Rule, StorageClass, TagFilter};
pub use records::{
    ChildRecord, ImageRecord, ImageRecordError, LayerRecord, RECORD_FIELDS, RecordProblem,
    ReferrerRecord, read_image_records,
};
pub use warnings::{
    MANIFEST_LIST_SHIELDS, REFERRERS_ARE_IMAGES, REFERRERS_CLEANED_UP, Warning, WarningKind,
};
