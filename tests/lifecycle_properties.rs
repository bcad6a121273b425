//! Properties of the lifecycle engine over generated inputs:
//!
//! - the parsers never panic, whatever they are given, and what the policy parser
//!   accepts satisfies ECR's cross-rule constraints;
//! - evaluation does not depend on the order of the images, and agrees with a naive
//!   reference written straight from ECR's rules (quadratic, unoptimised, its own glob).

use std::collections::{BTreeSet, HashMap};

use berth::lifecycle::{
    Action, Candidate, Count, Disposition, Policy, StorageClass, TagFilter, evaluate, parse_policy,
    read_image_records,
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

fn with_count(mut selection: Value, by_age: bool, number: u32) -> Value {
    if by_age {
        selection["countType"] = json!("sinceImagePushed");
        selection["countUnit"] = json!("days");
    } else {
        selection["countType"] = json!("imageCountMoreThan");
    }
    selection["countNumber"] = json!(number);
    selection
}

/// Policies ECR accepts: some tagged rules, maybe an untagged one, maybe an archiving
/// rule berth skips, maybe a final `any` rule, in a random priority order.
fn valid_policy() -> impl Strategy<Value = Value> {
    let counted = || (any::<bool>(), 1u32..6);
    (
        prop::collection::vec((tagged_selection(), counted()), 0..4),
        prop::option::of(counted()),
        prop::option::of(counted()),
        any::<bool>(),
        prop::collection::btree_set(1u32..200, 6),
    )
        .prop_flat_map(|(tagged, untagged, any_rule, archiving, priorities)| {
            let mut selections: Vec<(Value, Value)> = tagged
                .into_iter()
                .map(|(selection, (age, n))| (with_count(selection, age, n), expire()))
                .collect();
            if let Some((age, n)) = untagged {
                selections.push((
                    with_count(json!({"tagStatus": "untagged"}), age, n),
                    expire(),
                ));
            }
            if archiving {
                let selection = with_count(
                    json!({"tagStatus": "tagged",
                                                  "tagPrefixList": ["prod"]}),
                    true,
                    3,
                );
                let action = json!({"type": "transition", "targetStorageClass": "archive"});
                selections.push((selection, action));
            }
            if selections.is_empty() && any_rule.is_none() {
                selections.push((
                    with_count(json!({"tagStatus": "untagged"}), false, 1),
                    expire(),
                ));
            }
            let priorities: Vec<u32> = priorities.into_iter().collect();
            (
                Just(selections).prop_shuffle(),
                Just(any_rule),
                Just(priorities),
            )
        })
        .prop_map(|(selections, any_rule, priorities)| {
            let mut rules: Vec<Value> = selections
                .into_iter()
                .zip(&priorities)
                .map(|((selection, action), &priority)| {
                    json!({"rulePriority": priority, "selection": selection, "action": action})
                })
                .collect();
            if let Some((age, n)) = any_rule {
                let selection = with_count(json!({"tagStatus": "any"}), age, n);
                rules.push(json!({"rulePriority": 500, "selection": selection,
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

/// Images with unique digests, few distinct tags and coarse push times, so selections
/// overlap and equal push times are common.
fn images() -> impl Strategy<Value = Vec<Candidate>> {
    let body = (
        prop::collection::btree_set(select(TAGS.to_vec()), 0..3),
        0i64..12,
        select(vec![0i64, 0, 3600, 86_399, 86_400]),
        0u64..5_000,
        prop::bool::weighted(0.2),
    );
    (0usize..40)
        .prop_flat_map(move |n| {
            (
                prop::collection::btree_set(0u32..100_000, n),
                prop::collection::vec(body.clone(), n),
            )
        })
        .prop_map(|(seeds, bodies)| {
            seeds
                .into_iter()
                .zip(bodies)
                .map(
                    |(seed, (tags, days, seconds, size, referenced))| Candidate {
                        digest: format!("sha256:{seed:064x}"),
                        tags: tags.into_iter().map(str::to_owned).collect(),
                        pushed_at: now() - SignedDuration::from_secs(days * 86_400 + seconds),
                        size_bytes: size,
                        last_pulled_at: None,
                        referenced_by_manifest_list: referenced,
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

/// digest → priority of the rule that expires it, straight from ECR's rules.
fn reference(policy: &Policy, images: &[Candidate], now: Timestamp) -> HashMap<String, u32> {
    let mut newest_first: Vec<&Candidate> = images.iter().collect();
    newest_first.sort_by(|a, b| (b.pushed_at, &b.digest).cmp(&(a.pushed_at, &a.digest)));
    let mut claimed: HashMap<&str, u32> = HashMap::new();
    let mut expired = HashMap::new();
    for rule in policy.rules() {
        if rule.action != Action::Expire || rule.storage_class != StorageClass::Standard {
            continue;
        }
        let selected = newest_first.iter().filter(|c| selects(&rule.tags, &c.tags));
        for (rank, image) in selected.enumerate() {
            if claimed.contains_key(image.digest.as_str()) {
                continue;
            }
            claimed.insert(&image.digest, rule.priority);
            let due = match rule.count {
                Count::ImagesMoreThan(keep) => rank >= keep as usize,
                Count::DaysSincePushed(days) => {
                    now.duration_since(image.pushed_at)
                        > SignedDuration::from_hours(24 * i64::from(days))
                }
                _ => false,
            };
            if due && !image.referenced_by_manifest_list {
                expired.insert(image.digest.clone(), rule.priority);
            }
        }
    }
    expired
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
        let got: HashMap<String, u32> = plan
            .images
            .iter()
            .filter_map(|image| match image.disposition {
                Disposition::Expired { rule_priority } => Some((image.candidate.digest.clone(), rule_priority)),
                _ => None,
            })
            .collect();
        prop_assert_eq!(&got, &expected);

        prop_assert_eq!(plan.expired_count + plan.kept_count, images.len());
        let expired_images = plan.images.iter().filter(|i| i.disposition.is_expired()).count();
        prop_assert_eq!(expired_images, plan.expired_count);
        prop_assert_eq!(plan.expired.len(), expected.len());
        let oldest_first = plan
            .expired
            .windows(2)
            .all(|pair| (pair[0].pushed_at, &pair[0].digest) < (pair[1].pushed_at, &pair[1].digest));
        prop_assert!(oldest_first);
        let per_rule: usize = plan.rules.iter().map(|rule| rule.expired).sum();
        prop_assert_eq!(per_rule, plan.expired_count);
        let referenced: BTreeSet<&str> = images
            .iter()
            .filter(|image| image.referenced_by_manifest_list)
            .map(|image| image.digest.as_str())
            .collect();
        prop_assert!(plan.expired.iter().all(|image| !referenced.contains(image.digest)));
    }
}
