//! ECR lifecycle semantics, case by case, from the data files in `tests/data/lifecycle/`.
//!
//! Each file holds a policy, a repository's images in the `--images` format, the instant
//! to evaluate at, and what must happen:
//!
//! - `expected.expired`: `{digest, rule_priority}` in plan order (oldest push first), with
//!   `tags` where the case is about an image going whole;
//! - optionally `transitioned` (the images moved to archive storage, same shape),
//!   `kept_count`, per-rule `rules` figures (`matched`, `expired`, and `action` /
//!   `transitioned` where given), `not_evaluated` (priorities, or `{rule_priority,
//!   reason}` with a substring of the reason), `kept_for_manifest_list` and `undecided`
//!   images, and `warnings` (`{kind, rule_priority}` with `digest` and `referrers` where
//!   the warning names them, in plan order). Absent lists mean "none".
//!
//! The `ecr_*` files restate the worked examples of the ECR user guide's "Examples of
//! lifecycle policies" page; the archive ones (`ecr_archive_*`) also give repository
//! contents, which the guide's archive examples leave out. Every file's `source` names
//! the documentation it follows; the rest pin down edge cases the guide leaves implicit,
//! and cases where it is silent, which berth reports as not evaluated.

use std::fs;
use std::path::{Path, PathBuf};

use berth::lifecycle::{
    Candidate, Disposition, Plan, Policy, evaluate, parse_policy, read_image_records,
};
use jiff::Timestamp;
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lifecycle")
}

struct Case {
    name: String,
    description: String,
    policy: Policy,
    images: Vec<Candidate>,
    now: Timestamp,
    expected: Value,
}

fn load(name: &str) -> Case {
    let path = data_dir().join(format!("{name}.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let description = case["description"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no description"))
        .to_owned();
    let now: Timestamp = case["now"]
        .as_str()
        .and_then(|now| now.parse().ok())
        .unwrap_or_else(|| panic!("{name}: `now` must be an RFC 3339 timestamp"));
    let policy_text = serde_json::to_string_pretty(&case["policy"]).unwrap();
    let policy =
        parse_policy(&policy_text).unwrap_or_else(|e| panic!("{name}: policy rejected: {e}"));
    let records = read_image_records(&case["images"].to_string())
        .unwrap_or_else(|e| panic!("{name}: images rejected: {e}"));
    let images: Vec<Candidate> = records.into_iter().map(Candidate::from).collect();
    Case {
        name: name.to_owned(),
        description,
        policy,
        images,
        now,
        expected: case["expected"].clone(),
    }
}

impl Case {
    fn plan(&self) -> Plan<'_> {
        evaluate(&self.policy, &self.images, self.now)
    }
    fn digest_priority_list(&self, key: &str) -> Vec<(String, u32)> {
        self.expected
            .get(key)
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        (
                            entry["digest"].as_str().unwrap().to_owned(),
                            entry["rule_priority"].as_u64().unwrap() as u32,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn check(&self) {
        let context = format!("{}: {}", self.name, self.description);
        let plan = &self.plan();
        let mut reversed = self.images.clone();
        reversed.reverse();
        assert_eq!(
            &evaluate(&self.policy, &reversed, self.now),
            plan,
            "the plan changed when the images were listed in reverse\n{context}"
        );

        let expired: Vec<(String, u32)> = plan
            .expired
            .iter()
            .map(|image| (image.digest.to_owned(), image.rule_priority))
            .collect();
        assert_eq!(
            expired,
            self.digest_priority_list("expired"),
            "expired images\n{context}"
        );
        let transitioned: Vec<(String, u32)> = plan
            .transitioned
            .iter()
            .map(|image| (image.digest.to_owned(), image.rule_priority))
            .collect();
        assert_eq!(
            transitioned,
            self.digest_priority_list("transitioned"),
            "images moved to archive storage\n{context}"
        );
        for entry in self.expected["expired"].as_array().unwrap() {
            if let Some(tags) = entry.get("tags") {
                let digest = entry["digest"].as_str().unwrap();
                let image = plan.expired.iter().find(|i| i.digest == digest).unwrap();
                let want: Vec<&str> = tags
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap())
                    .collect();
                assert_eq!(image.tags, want, "tags of {digest}\n{context}");
            }
        }

        assert_eq!(
            plan.kept_count + plan.expired_count + plan.transitioned_count,
            self.images.len(),
            "{context}"
        );
        assert_eq!(plan.expired_count, plan.expired.len(), "{context}");
        assert_eq!(
            plan.transitioned_count,
            plan.transitioned.len(),
            "{context}"
        );
        let expired_bytes: u64 = plan.expired.iter().map(|i| i.size_bytes).sum();
        assert_eq!(plan.bytes_reclaimed, expired_bytes, "{context}");
        let moved_bytes: u64 = plan.transitioned.iter().map(|i| i.size_bytes).sum();
        assert_eq!(plan.bytes_transitioned, moved_bytes, "{context}");
        if let Some(kept) = self.expected.get("kept_count") {
            assert_eq!(plan.kept_count as u64, kept.as_u64().unwrap(), "{context}");
        }

        if let Some(rules) = self.expected.get("rules").and_then(Value::as_array) {
            for want in rules {
                let priority = want["rule_priority"].as_u64().unwrap() as u32;
                let got = plan
                    .rules
                    .iter()
                    .find(|rule| rule.rule_priority == priority)
                    .unwrap_or_else(|| panic!("no outcome for rule {priority}\n{context}"));
                assert_eq!(
                    (got.matched as u64, got.expired as u64),
                    (
                        want["matched"].as_u64().unwrap(),
                        want["expired"].as_u64().unwrap()
                    ),
                    "rule {priority}: (matched, expired)\n{context}"
                );
                if let Some(count) = want.get("transitioned") {
                    assert_eq!(
                        got.transitioned as u64,
                        count.as_u64().unwrap(),
                        "rule {priority}: transitioned\n{context}"
                    );
                }
                if let Some(action) = want.get("action") {
                    assert_eq!(
                        got.action.as_str(),
                        action.as_str().unwrap(),
                        "rule {priority}: action\n{context}"
                    );
                }
            }
        }

        let skipped: Vec<u64> = plan
            .not_evaluated
            .iter()
            .map(|skip| u64::from(skip.rule_priority))
            .collect();
        let want_skipped: Vec<&Value> = self
            .expected
            .get("not_evaluated")
            .and_then(Value::as_array)
            .map(|list| list.iter().collect())
            .unwrap_or_default();
        let want_priorities: Vec<u64> = want_skipped
            .iter()
            .map(|entry| {
                entry
                    .as_u64()
                    .unwrap_or_else(|| entry["rule_priority"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(skipped, want_priorities, "rules not evaluated\n{context}");
        for (skip, want) in plan.not_evaluated.iter().zip(&want_skipped) {
            if let Some(reason) = want.get("reason") {
                let reason = reason.as_str().unwrap();
                assert!(
                    skip.reason.to_string().contains(reason),
                    "rule {}: reason {:?} lacks {reason:?}\n{context}",
                    skip.rule_priority,
                    skip.reason.to_string()
                );
            }
        }

        // The images of the plan with a disposition `pick` names the rule of.
        let with = |pick: fn(Disposition) -> Option<u32>| -> Vec<(String, u32)> {
            plan.images
                .iter()
                .filter_map(|image| {
                    pick(image.disposition).map(|rule| (image.candidate.digest.clone(), rule))
                })
                .collect()
        };
        assert_eq!(
            with(|d| match d {
                Disposition::KeptForManifestList { rule_priority } => Some(rule_priority),
                _ => None,
            }),
            self.digest_priority_list("kept_for_manifest_list"),
            "images kept because a manifest list refers to them\n{context}"
        );
        assert_eq!(
            with(|d| match d {
                Disposition::Undecided { rule_priority } => Some(rule_priority),
                _ => None,
            }),
            self.digest_priority_list("undecided"),
            "images whose fate a rule berth did not evaluate decides\n{context}"
        );

        let warnings: Vec<Value> = plan
            .warnings
            .iter()
            .map(|w| {
                let mut entry = serde_json::json!({
                    "kind": w.kind,
                    "rule_priority": w.rule_priority,
                });
                if let Some(digest) = &w.digest {
                    entry["digest"] = digest.clone().into();
                }
                if !w.referrers.is_empty() {
                    entry["referrers"] = w.referrers.clone().into();
                }
                entry
            })
            .collect();
        let want_warnings = self
            .expected
            .get("warnings")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        assert_eq!(
            Value::Array(warnings),
            want_warnings,
            "warnings (referrers and index platforms)\n{context}"
        );
    }
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                load(stringify!($name)).check();
            }
        )*
        const CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

cases!(
    ecr_age_tag_pattern,
    ecr_age_untagged,
    ecr_count_untagged,
    ecr_multiple_rules_a,
    ecr_multiple_rules_a_patterns,
    ecr_multiple_rules_b,
    ecr_multiple_tags_a,
    ecr_multiple_tags_b,
    ecr_all_images_a,
    ecr_all_images_b,
    pattern_list_whole_tag,
    pattern_several_wildcards,
    prefixes_one_tag_satisfies_several,
    untagged_then_any,
    ties_in_push_time,
    count_exactly_at_limit,
    age_exactly_at_limit,
    manifest_list_children,
    referrers_counted_and_left_behind,
    referrer_expired_while_its_image_stays,
    orphaned_referrer_kept,
    expired_image_still_counts,
    tags_no_rule_names,
    ecr_archive_pulled,
    ecr_archive_transitioned,
    ecr_archive_combined,
    ecr_archive_pushed,
    transition_then_expire_claims,
    archived_images_outside_standard_rules,
    manifest_list_child_not_archived,
    restored_image_orders_disagree,
    restored_image_orders_agree,
    restored_image_push_age_disagrees,
    activating_image_not_evaluated,
    archived_without_archive_time,
);

#[test]
fn every_data_file_has_a_test_and_every_test_a_file() {
    let mut on_disk: Vec<String> = fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|name| name.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn plan_json_has_the_documented_shape() {
    let case = load("ecr_all_images_b");
    let plan = case.plan();
    let json = serde_json::to_value(&plan).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "bytes_reclaimed",
        "bytes_transitioned",
        "expired",
        "expired_count",
        "kept_count",
        "not_evaluated",
        "rules",
        "transitioned",
        "transitioned_count",
        "warnings",
    ];
    want.sort();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    assert_eq!(keys_sorted, want);

    let first = &json["expired"][0];
    let mut fields: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    assert_eq!(fields, ["digest", "rule_priority", "size_bytes", "tags"]);
    assert_eq!(first["digest"], format!("sha256:{}", "a".repeat(64)));
    assert_eq!(first["tags"], serde_json::json!(["alpha-1", "beta-1"]));
    assert_eq!(first["rule_priority"], 1);
    assert_eq!(json["expired_count"], 3);
    assert_eq!(json["kept_count"], 2);
    let sizes: u64 = plan.expired.iter().map(|i| i.size_bytes).sum();
    assert_eq!(json["bytes_reclaimed"], sizes);
    assert_eq!(
        json["rules"][2],
        serde_json::json!({"rule_priority": 3, "action": "expire", "matched": 5, "expired": 1,
                           "transitioned": 0, "bytes": plan.expired[2].size_bytes})
    );
    assert_eq!(json["not_evaluated"], serde_json::json!([]));
    assert_eq!(json["transitioned"], serde_json::json!([]));
    assert_eq!(json["transitioned_count"], 0);
    assert_eq!(json["bytes_transitioned"], 0);
}

#[test]
fn skipped_rules_serialise_with_a_reason() {
    let case = load("activating_image_not_evaluated");
    let plan = case.plan();
    let json = serde_json::to_value(&plan).unwrap();
    let skipped = json["not_evaluated"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["rule_priority"], 1);
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(reason.contains("not evaluated by berth"), "{reason}");
    assert!(reason.contains("ACTIVATING"), "{reason}");
}

#[test]
fn archived_images_serialise_like_expired_ones() {
    let case = load("ecr_archive_combined");
    let plan = case.plan();
    let json = serde_json::to_value(&plan).unwrap();
    let fields = |entry: &Value| {
        let mut keys: Vec<String> = entry.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        fields(&json["transitioned"][0]),
        fields(&json["expired"][0])
    );
    assert_eq!(json["transitioned_count"], 1);
    assert_eq!(json["bytes_transitioned"], plan.transitioned[0].size_bytes);
    assert_eq!(json["rules"][0]["action"], "transition");
    assert_eq!(json["rules"][1]["action"], "expire");
}

#[test]
fn kept_images_name_the_rule_that_claimed_them() {
    let case = load("ecr_multiple_rules_a");
    let plan = case.plan();
    let disposition = |letter: &str| {
        let digest = format!("sha256:{}", letter.repeat(64));
        plan.images
            .iter()
            .find(|image| image.candidate.digest == digest)
            .unwrap()
            .disposition
    };
    assert_eq!(disposition("a"), Disposition::Expired { rule_priority: 1 });
    // B is rule 1's one kept prod image, which is why rule 2 could not expire it.
    assert_eq!(
        disposition("b"),
        Disposition::Kept {
            selected_by: Some(1)
        }
    );
    assert_eq!(
        disposition("c"),
        Disposition::Kept {
            selected_by: Some(2)
        }
    );
}
