//! Properties of the lifecycle engine over generated inputs:
//!
//! - the parsers never panic, whatever they are given, and what the policy parser
//!   accepts satisfies ECR's cross-rule constraints;
//! - evaluation does not depend on the order of the images, and agrees with a naive
//!   reference written straight from ECR's rules (quadratic, unoptimised, its own glob),
//!   for every rule shape: expire and transition, standard and archive storage, every
//!   count type, over active, archived, restored and restoring images, OCI referrers
//!   (whose subject never changes an image's fate: ECR stores them as images) included;
//! - the plan's warnings name exactly the referrers it leaves behind and the referrers
//!   it expires while their image stays.

use std::collections::{BTreeSet, HashMap, HashSet};

use berth::lifecycle::{
    Action, Candidate, Count, Disposition, ImageStatus, Policy, StorageClass, TagFilter,
    WarningKind, evaluate, parse_policy, read_image_records,
};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

// --- generators ---

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Values a careless or hostile policy author might put in any field.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(vec![
            "tagged",
            "untagged",
            "any",
            "imageCountMoreThan",
            "sinceImagePushed",
            "sinceImagePulled",
            "sinceImageTransitioned",
            "days",
            "expire",
            "transition",
            "archive",
            "standard",
            "",
        ])
        .prop_map(Value::from),
        select(vec![
            -1i64,
            0,
            1,
            2,
            3,
            90,
            2_147_483_647,
            2_147_483_648,
            i64::MAX
        ])
        .prop_map(Value::from),
        Just(json!(1.5)),
        Just(Value::Null),
        prop::collection::vec(
            select(vec!["v*", "prod", "*a*b*c*d*e", "", "*", "rc"]),
            0..4
        )
        .prop_map(|list| json!(list)),
    ]
}

/// One change to a valid policy.
#[derive(Clone, Debug)]
enum Edit {
    Priority(prop::sample::Index, u32),
    SamePriority(prop::sample::Index, prop::sample::Index),
    Retag(prop::sample::Index, &'static str),
    Field(prop::sample::Index, usize, &'static str, Option<Value>),
}

/// Valid policies with a few changes: about half stay valid, the rest fail close to
/// validity, where the interesting checks are. Priority and tag-status edits are
/// frequent so that duplicate priorities, misplaced `any` rules and second untagged
/// rules come up often.
fn near_policy() -> impl Strategy<Value = Value> {
    let keys = vec![
        "rulePriority",
        "description",
        "tagStatus",
        "tagPrefixList",
        "tagPatternList",
        "countType",
        "countUnit",
        "countNumber",
        "storageClass",
        "type",
        "targetStorageClass",
        "colour",
    ];
    let edit = prop_oneof![
        (any::<prop::sample::Index>(), 1u32..600).prop_map(|(at, p)| Edit::Priority(at, p)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(from, to)| Edit::SamePriority(from, to)),
        (
            any::<prop::sample::Index>(),
            select(vec!["untagged", "any"])
        )
            .prop_map(|(at, status)| Edit::Retag(at, status)),
        (
            any::<prop::sample::Index>(),
            0usize..3,
            select(keys),
            prop::option::of(field_value()),
        )
            .prop_map(|(at, part, key, value)| Edit::Field(at, part, key, value)),
    ];
    (valid_policy(), prop::collection::vec(edit, 0..3)).prop_map(|(mut document, edits)| {
        let rules = document["rules"].as_array_mut().unwrap();
        let count = rules.len();
        for edit in edits {
            match edit {
                Edit::Priority(at, priority) => {
                    rules[at.index(count)]["rulePriority"] = json!(priority);
                }
                Edit::SamePriority(from, to) => {
                    let priority = rules[from.index(count)]["rulePriority"].clone();
                    rules[to.index(count)]["rulePriority"] = priority;
                }
                Edit::Retag(at, status) => {
                    let selection = rules[at.index(count)]["selection"].as_object_mut().unwrap();
                    selection.remove("tagPrefixList");
                    selection.remove("tagPatternList");
                    selection.insert("tagStatus".into(), json!(status));
                }
                Edit::Field(at, part, key, value) => {
                    let rule = &mut rules[at.index(count)];
                    let target = match part {
                        0 => rule,
                        1 => &mut rule["selection"],
                        _ => &mut rule["action"],
                    };
                    let object = target.as_object_mut().unwrap();
                    match value {
                        Some(value) => object.insert(key.to_owned(), value),
                        None => object.remove(key),
                    };
                }
            }
        }
        document
    })
}

const TAGS: &[&str] = &[
    "v1",
    "v1.2",
    "v1.2.3",
    "prod",
    "prod-1",
    "prod-2",
    "beta-1",
    "rc",
    "release-3",
    "latest",
];

fn tagged_selection() -> impl Strategy<Value = Value> {
    let prefixes = prop::collection::vec(select(vec!["v", "v1", "prod", "beta", "re", "l"]), 1..3)
        .prop_map(|list| json!({"tagStatus": "tagged", "tagPrefixList": list}));
    let patterns = prop::collection::vec(
        select(vec![
            "v*", "*.*", "prod*", "*-1", "*e*", "v*.*.*", "*", "rc",
        ]),
        1..3,
    )
    .prop_map(|list| json!({"tagStatus": "tagged", "tagPatternList": list}));
    prop_oneof![prefixes, patterns]
}

/// How a standard-storage rule counts, and what it does.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Count,
    Pushed,
    /// `sinceImagePulled`, which ECR pairs with `transition` only.
    Pulled,
}

/// A standard-storage rule's count and action: any count type with either action,
/// except `sinceImagePulled`, which only archives.
fn standard_count() -> impl Strategy<Value = (Kind, u32, bool)> {
    (
        select(vec![Kind::Count, Kind::Pushed, Kind::Pulled]),
        1u32..6,
        any::<bool>(),
    )
        .prop_map(|(kind, number, archive)| (kind, number, archive || matches!(kind, Kind::Pulled)))
}

fn with_count(mut selection: Value, (kind, number, _): (Kind, u32, bool)) -> Value {
    let count_type = match kind {
        Kind::Count => "imageCountMoreThan",
        Kind::Pushed => "sinceImagePushed",
        Kind::Pulled => "sinceImagePulled",
    };
    selection["countType"] = json!(count_type);
    if !matches!(kind, Kind::Count) {
        selection["countUnit"] = json!("days");
    }
    selection["countNumber"] = json!(number);
    selection
}

fn action((_, _, archive): (Kind, u32, bool)) -> Value {
    if archive {
        json!({"type": "transition", "targetStorageClass": "archive"})
    } else {
        expire()
    }
}

/// An archive-storage rule: expire images archived more than `days` days ago.
fn archived_for(mut selection: Value, days: u32) -> Value {
    selection["storageClass"] = json!("archive");
    selection["countType"] = json!("sinceImageTransitioned");
    selection["countUnit"] = json!("days");
    selection["countNumber"] = json!(days);
    selection
}

/// Policies ECR accepts. Standard storage: some tagged rules, maybe an untagged one,
/// maybe a final `any` rule, each expiring or archiving by any count type it allows.
/// Archive storage: some tagged rules, maybe an untagged one, maybe a final `any` one,
/// each expiring images archived at least 90 days. All in a random priority order.
fn valid_policy() -> impl Strategy<Value = Value> {
    let archive_days = || select(vec![90u32, 91, 120, 150]);
    (
        prop::collection::vec((tagged_selection(), standard_count()), 0..4),
        prop::option::of(standard_count()),
        prop::option::of(standard_count()),
        prop::collection::vec((tagged_selection(), archive_days()), 0..3),
        prop::option::of(archive_days()),
        prop::option::of(archive_days()),
        prop::collection::btree_set(1u32..200, 9),
    )
        .prop_flat_map(
            |(
                tagged,
                untagged,
                any_rule,
                archive_tagged,
                archive_untagged,
                archive_any,
                priorities,
            )| {
                let mut rules: Vec<(Value, Value)> = tagged
                    .into_iter()
                    .map(|(selection, count)| (with_count(selection, count), action(count)))
                    .collect();
                if let Some(count) = untagged {
                    rules.push((
                        with_count(json!({"tagStatus": "untagged"}), count),
                        action(count),
                    ));
                }
                for (selection, days) in archive_tagged {
                    rules.push((archived_for(selection, days), expire()));
                }
                if let Some(days) = archive_untagged {
                    rules.push((
                        archived_for(json!({"tagStatus": "untagged"}), days),
                        expire(),
                    ));
                }
                if rules.is_empty() && any_rule.is_none() && archive_any.is_none() {
                    rules.push((
                        with_count(json!({"tagStatus": "untagged"}), (Kind::Count, 1, false)),
                        expire(),
                    ));
                }
                let priorities: Vec<u32> = priorities.into_iter().collect();
                (
                    Just(rules).prop_shuffle(),
                    Just((any_rule, archive_any)),
                    Just(priorities),
                )
            },
        )
        .prop_map(|(selections, (any_rule, archive_any), priorities)| {
            let mut rules: Vec<Value> = selections
                .into_iter()
                .zip(&priorities)
                .map(|((selection, action), &priority)| {
                    json!({"rulePriority": priority, "selection": selection, "action": action})
                })
                .collect();
            // Each `any` rule has the highest priority of its storage class.
            if let Some(count) = any_rule {
                let selection = with_count(json!({"tagStatus": "any"}), count);
                rules.push(json!({"rulePriority": 500, "selection": selection,
                                  "action": action(count)}));
            }
            if let Some(days) = archive_any {
                let selection = archived_for(json!({"tagStatus": "any"}), days);
                rules.push(json!({"rulePriority": 400, "selection": selection,
                                  "action": expire()}));
            }
            json!({ "rules": rules })
        })
}

fn expire() -> Value {
    json!({"type": "expire"})
}

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// A time `days` days and `seconds` seconds before [`now`].
fn ago(days: i64, seconds: i64) -> Timestamp {
    now() - SignedDuration::from_secs(days * 86_400 + seconds)
}

/// Where an image is stored, with the times that go with it.
#[derive(Clone, Debug)]
enum Storage {
    /// Active; restored `Some(days)` ago, or never archived.
    Active {
        restored: Option<i64>,
    },
    /// Archived `Some(days)` ago (`None`: the record lacks the time).
    Archived {
        archived: Option<i64>,
    },
    Activating,
}

fn storage() -> impl Strategy<Value = Storage> {
    prop_oneof![
        60 => Just(Storage::Active { restored: None }),
        12 => (0i64..12).prop_map(|days| Storage::Active { restored: Some(days) }),
        26 => (0i64..200).prop_map(|days| Storage::Archived { archived: Some(days) }),
        1 => Just(Storage::Archived { archived: None }),
        1 => Just(Storage::Activating),
    ]
}

/// Images with unique digests, few distinct tags and coarse times, so selections
/// overlap and equal times (and times exactly at a rule's limit) are common.
fn images() -> impl Strategy<Value = Vec<Candidate>> {
    let seconds = || select(vec![0i64, 0, 3600, 86_399, 86_400]);
    let body = move || {
        (
            prop::collection::btree_set(select(TAGS.to_vec()), 0..3),
            (0i64..12, seconds()),
            0u64..5_000,
            prop::bool::weighted(0.2),
            prop::option::weighted(0.5, (0i64..12, seconds())),
            (storage(), seconds()),
            // A referrer: the index of its subject among the images (one past the last
            // names an image that is gone).
            prop::option::weighted(0.3, 0usize..41),
        )
    };
    (0usize..40)
        .prop_flat_map(move |n| {
            (
                prop::collection::btree_set(0u32..100_000, n),
                prop::collection::vec(body(), n),
            )
        })
        .prop_map(|(seeds, bodies)| {
            let digests: Vec<String> = seeds
                .iter()
                .map(|seed| format!("sha256:{seed:064x}"))
                .collect();
            let subject = |at: usize| {
                digests
                    .get(at)
                    .cloned()
                    .unwrap_or_else(|| format!("sha256:{}", "f".repeat(64)))
            };
            seeds
                .into_iter()
                .zip(bodies)
                .map(
                    |(
                        seed,
                        (tags, (days, seconds), size, referenced, pulled, (storage, at), refers),
                    )| {
                        let mut image = Candidate {
                            digest: format!("sha256:{seed:064x}"),
                            tags: tags.into_iter().map(str::to_owned).collect(),
                            pushed_at: ago(days, seconds),
                            size_bytes: size,
                            last_pulled_at: pulled.map(|(days, seconds)| ago(days, seconds)),
                            referenced_by_manifest_list: referenced,
                            subject_digest: refers.map(subject),
                            ..Candidate::default()
                        };
                        match storage {
                            Storage::Active { restored } => {
                                image.last_activated_at = restored.map(|days| ago(days, at));
                                image.last_archived_at = restored.map(|days| ago(days + 30, at));
                            }
                            Storage::Archived { archived } => {
                                image.status = ImageStatus::Archived;
                                image.last_archived_at = archived.map(|days| ago(days, at));
                            }
                            Storage::Activating => {
                                image.status = ImageStatus::Activating;
                                image.last_archived_at = Some(ago(100, at));
                            }
                        }
                        image
                    },
                )
                .collect()
        })
}

// --- the reference ---

fn glob(pattern: &[u8], tag: &[u8]) -> bool {
    match pattern.split_first() {
        None => tag.is_empty(),
        Some((b'*', rest)) => (0..=tag.len()).any(|skip| glob(rest, &tag[skip..])),
        Some((byte, rest)) => tag.first() == Some(byte) && glob(rest, &tag[1..]),
    }
}

fn selects(filter: &TagFilter, tags: &[String]) -> bool {
    match filter {
        TagFilter::Any => true,
        TagFilter::Untagged => tags.is_empty(),
        TagFilter::Prefixes(prefixes) => prefixes
            .iter()
            .all(|p| tags.iter().any(|t| t.starts_with(p.as_str()))),
        TagFilter::Patterns(patterns) => patterns.iter().all(|p| {
            tags.iter()
                .any(|t| glob(p.as_str().as_bytes(), t.as_bytes()))
        }),
    }
}

/// What a rule does to an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Expired(u32),
    Archived(u32),
}

/// What the reference expects: each acted-on image's fate, and the rules it leaves out.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    fates: HashMap<String, Fate>,
    not_evaluated: Vec<u32>,
}

/// Straight from ECR's rules, read naively: for each rule in priority order, its
/// storage class's images that its tags match, and among those not yet claimed, the
/// ones its count makes due. A rule whose result depends on what the documentation
/// leaves open (an ACTIVATING image its tags match; restored images ranked by push or
/// by restore time giving different picks; an archived image without an archive time)
/// acts on nothing, but claims its selection all the same.
fn reference(policy: &Policy, images: &[Candidate], now: Timestamp) -> Expected {
    let older_than = |at: Timestamp, days: u32| {
        now.duration_since(at) > SignedDuration::from_hours(24 * i64::from(days))
    };
    let restored = |c: &Candidate| c.status == ImageStatus::Active && c.last_activated_at.is_some();
    let class = |c: &Candidate| match c.status {
        ImageStatus::Active => Some(StorageClass::Standard),
        ImageStatus::Archived => Some(StorageClass::Archive),
        ImageStatus::Activating | ImageStatus::Unknown => None,
    };
    let by_push = |c: &Candidate| c.pushed_at;
    let by_restore = |c: &Candidate| {
        if restored(c) {
            c.last_activated_at.unwrap()
        } else {
            c.pushed_at
        }
    };
    let mut claimed: HashSet<&str> = HashSet::new();
    let mut expected = Expected {
        fates: HashMap::new(),
        not_evaluated: Vec::new(),
    };
    for rule in policy.rules() {
        let selected: Vec<&Candidate> = images
            .iter()
            .filter(|c| class(c) == Some(rule.storage_class) && selects(&rule.tags, &c.tags))
            .collect();
        let free: Vec<&Candidate> = selected
            .iter()
            .copied()
            .filter(|c| !claimed.contains(c.digest.as_str()))
            .collect();
        // The images the rule picks with `order` as the time images are ranked and aged
        // by; None when one it could pick has no time to count from.
        let picks = |order: &dyn Fn(&Candidate) -> Timestamp| -> Option<BTreeSet<String>> {
            let chosen: Vec<&Candidate> = match rule.count {
                Count::ImagesMoreThan(keep) => {
                    let mut ranked = selected.clone();
                    ranked.sort_by(|a, b| (order(b), &b.digest).cmp(&(order(a), &a.digest)));
                    ranked
                        .into_iter()
                        .skip(keep as usize)
                        .filter(|c| free.iter().any(|f| f.digest == c.digest))
                        .collect()
                }
                Count::DaysSincePushed(days) => free
                    .iter()
                    .copied()
                    .filter(|c| older_than(order(c), days))
                    .collect(),
                Count::DaysSincePulled(days) => free
                    .iter()
                    .copied()
                    .filter(|c| {
                        let since = [c.last_pulled_at, c.last_activated_at]
                            .into_iter()
                            .flatten()
                            .max()
                            .unwrap_or(c.pushed_at);
                        older_than(since, days)
                    })
                    .collect(),
                Count::DaysSinceTransitioned(days) => {
                    if free.iter().any(|c| c.last_archived_at.is_none()) {
                        return None;
                    }
                    free.iter()
                        .copied()
                        .filter(|c| older_than(c.last_archived_at.unwrap(), days))
                        .collect()
                }
            };
            Some(chosen.into_iter().map(|c| c.digest.clone()).collect())
        };
        let activating = images
            .iter()
            .any(|c| c.status == ImageStatus::Activating && selects(&rule.tags, &c.tags));
        let pushed = picks(&by_push);
        let certain = !activating && pushed.is_some() && pushed == picks(&by_restore);
        for image in &free {
            claimed.insert(&image.digest);
        }
        if !certain {
            expected.not_evaluated.push(rule.priority);
            continue;
        }
        for digest in pushed.unwrap() {
            let image = images.iter().find(|c| c.digest == digest).unwrap();
            if image.referenced_by_manifest_list {
                continue;
            }
            let fate = match rule.action {
                Action::Expire => Fate::Expired(rule.priority),
                Action::TransitionToArchive => Fate::Archived(rule.priority),
            };
            expected.fates.insert(digest, fate);
        }
    }
    expected
}

// --- properties ---

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn policy_parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_policy(&text);
        // Padding gets past the length check, so the JSON reader sees the bytes too.
        let _ = parse_policy(&format!("{text}{}", " ".repeat(100)));
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_json(value in any_json()) {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let _ = parse_policy(&format!("{text}{}", " ".repeat(100)));
        let _ = parse_policy(&serde_json::to_string(&json!({"rules": [value.clone()]})).unwrap());
        let _ = read_image_records(&text);
        let _ = read_image_records(&serde_json::to_string(&json!([value])).unwrap());
    }

    #[test]
    fn accepted_policies_satisfy_ecrs_cross_rule_constraints(document in near_policy()) {
        let text = serde_json::to_string_pretty(&document).unwrap();
        if let Ok(policy) = parse_policy(&text) {
            let rules = policy.rules();
            prop_assert!(!rules.is_empty() && rules.len() <= 50);
            prop_assert!(rules.windows(2).all(|pair| pair[0].priority < pair[1].priority));
            for class in [StorageClass::Standard, StorageClass::Archive] {
                let in_class: Vec<_> = rules.iter().filter(|r| r.storage_class == class).collect();
                let untagged = in_class.iter().filter(|r| r.tags == TagFilter::Untagged).count();
                prop_assert!(untagged <= 1);
                for (at, rule) in in_class.iter().enumerate() {
                    if rule.tags == TagFilter::Any {
                        prop_assert_eq!(at, in_class.len() - 1);
                    }
                }
            }
            for rule in rules {
                match &rule.tags {
                    TagFilter::Prefixes(list) => prop_assert!(!list.is_empty()),
                    TagFilter::Patterns(list) => {
                        prop_assert!(!list.is_empty());
                        prop_assert!(list.iter().all(|p| p.wildcard_count() <= 4));
                    }
                    _ => {}
                }
                // The archive-era pairings: sinceImagePulled only archives standard
                // images; sinceImageTransitioned only expires archived ones, archived
                // at least 90 days; nothing else selects archived images.
                match rule.count {
                    Count::DaysSincePulled(_) => {
                        prop_assert_eq!(rule.action, Action::TransitionToArchive);
                        prop_assert_eq!(rule.storage_class, StorageClass::Standard);
                    }
                    Count::DaysSinceTransitioned(days) => {
                        prop_assert_eq!(rule.action, Action::Expire);
                        prop_assert_eq!(rule.storage_class, StorageClass::Archive);
                        prop_assert!(days >= 90);
                    }
                    _ => prop_assert_eq!(rule.storage_class, StorageClass::Standard),
                }
            }
        }
    }

    #[test]
    fn evaluation_ignores_input_order_and_agrees_with_the_reference(
        document in valid_policy(),
        (images, shuffled) in images().prop_flat_map(|images| {
            let shuffled = Just(images.clone()).prop_shuffle();
            (Just(images), shuffled)
        }),
    ) {
        let text = serde_json::to_string_pretty(&document).unwrap();
        let policy = parse_policy(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let plan = evaluate(&policy, &images, now());
        prop_assert_eq!(&evaluate(&policy, &shuffled, now()), &plan);

        let expected = reference(&policy, &images, now());
        let fates: HashMap<String, Fate> = plan
            .images
            .iter()
            .filter_map(|image| {
                let fate = match image.disposition {
                    Disposition::Expired { rule_priority } => Fate::Expired(rule_priority),
                    Disposition::Transitioned { rule_priority } => Fate::Archived(rule_priority),
                    _ => return None,
                };
                Some((image.candidate.digest.clone(), fate))
            })
            .collect();
        prop_assert_eq!(&fates, &expected.fates);
        let skipped: Vec<u32> = plan.not_evaluated.iter().map(|rule| rule.rule_priority).collect();
        prop_assert_eq!(&skipped, &expected.not_evaluated);

        prop_assert_eq!(
            plan.expired_count + plan.transitioned_count + plan.kept_count,
            images.len()
        );
        let expired_images = plan.images.iter().filter(|i| i.disposition.is_expired()).count();
        prop_assert_eq!(expired_images, plan.expired_count);
        prop_assert_eq!(plan.expired.len(), plan.expired_count);
        prop_assert_eq!(plan.transitioned.len(), plan.transitioned_count);
        for list in [&plan.expired, &plan.transitioned] {
            let oldest_first = list
                .windows(2)
                .all(|pair| (pair[0].pushed_at, &pair[0].digest) < (pair[1].pushed_at, &pair[1].digest));
            prop_assert!(oldest_first);
        }
        let expired_rules: usize = plan.rules.iter().map(|rule| rule.expired).sum();
        prop_assert_eq!(expired_rules, plan.expired_count);
        let transitioned_rules: usize = plan.rules.iter().map(|rule| rule.transitioned).sum();
        prop_assert_eq!(transitioned_rules, plan.transitioned_count);
        let rule_bytes: u64 = plan.rules.iter().map(|rule| rule.bytes).sum();
        prop_assert_eq!(rule_bytes, plan.bytes_reclaimed + plan.bytes_transitioned);
        prop_assert_eq!(
            plan.bytes_transitioned,
            plan.transitioned.iter().map(|image| image.size_bytes).sum::<u64>()
        );
        let by_digest: HashMap<&str, &Candidate> =
            images.iter().map(|image| (image.digest.as_str(), image)).collect();
        for image in plan.expired.iter().chain(&plan.transitioned) {
            let candidate = by_digest[image.digest];
            // Never an image an index refers to, nor one being restored.
            prop_assert!(!candidate.referenced_by_manifest_list);
            prop_assert_ne!(candidate.status, ImageStatus::Activating);
        }
        for image in &plan.transitioned {
            prop_assert_eq!(by_digest[image.digest].status, ImageStatus::Active);
        }
        // ECR's 90-day minimum: an archived image is expired only after 90 days.
        for image in &plan.expired {
            let candidate = by_digest[image.digest];
            if candidate.status == ImageStatus::Archived {
                let archived = candidate.last_archived_at.unwrap();
                prop_assert!(now().duration_since(archived) > SignedDuration::from_hours(24 * 90));
            }
        }
        // Warnings: every referrer an expired or archived image leaves behind is
        // named, and every referrer expired while its image stays.
        let fate_of = |digest: &str| fates.get(digest).copied();
        let mut left: HashMap<String, Vec<String>> = HashMap::new();
        let mut orphaned: BTreeSet<String> = BTreeSet::new();
        let mut by_age: Vec<&Candidate> = images.iter().collect();
        by_age.sort_by(|a, b| (a.pushed_at, &a.digest).cmp(&(b.pushed_at, &b.digest)));
        for referrer in &by_age {
            let Some(subject) = referrer.subject_digest.as_deref() else { continue };
            let Some(subject_fate) = fate_of(subject) else {
                if by_digest.contains_key(subject) && matches!(fate_of(&referrer.digest), Some(Fate::Expired(_))) {
                    orphaned.insert(referrer.digest.clone());
                }
                continue;
            };
            let goes_along = matches!(
                (subject_fate, fate_of(&referrer.digest)),
                (_, Some(Fate::Expired(_))) | (Fate::Archived(_), Some(Fate::Archived(_)))
            );
            if !goes_along {
                left.entry(subject.to_string()).or_default().push(referrer.digest.clone());
            }
            if let (Fate::Archived(_), Some(Fate::Expired(_))) = (subject_fate, fate_of(&referrer.digest)) {
                orphaned.insert(referrer.digest.clone());
            }
        }
        let warned_left: HashMap<String, Vec<String>> = plan
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::ReferrersLeftBehind)
            .map(|w| (w.digest.clone().unwrap(), w.referrers.clone()))
            .collect();
        prop_assert_eq!(&warned_left, &left);
        let warned_orphans: BTreeSet<String> = plan
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::ReferrerExpiredSubjectStays)
            .map(|w| w.digest.clone().unwrap())
            .collect();
        prop_assert_eq!(&warned_orphans, &orphaned);
        // Referrers whose image is gone, which no rule expires: one warning lists them.
        let gone: Vec<String> = by_age
            .iter()
            .filter(|image| {
                image
                    .subject_digest
                    .as_deref()
                    .is_some_and(|subject| !by_digest.contains_key(subject))
                    && !matches!(fate_of(&image.digest), Some(Fate::Expired(_)))
            })
            .map(|image| image.digest.clone())
            .collect();
        let warned_gone: Vec<String> = plan
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::OrphanedReferrers)
            .flat_map(|w| w.referrers.clone())
            .collect();
        prop_assert_eq!(&warned_gone, &gone);
    }
}
