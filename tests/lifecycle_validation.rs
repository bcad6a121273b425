//! Every check ECR makes on a policy text, each with the exact message berth gives.

use berth::lifecycle::{
    Count, MAX_POLICY_CHARS, PolicyError, Problem, RuleRef, TagFilter, parse_policy,
};
use serde_json::{Value, json};

fn text(rules: Value) -> String {
    serde_json::to_string_pretty(&json!({ "rules": rules })).unwrap()
}

/// A rule that passes every check, to be spoilt one field at a time.
fn good_rule(priority: u64) -> Value {
    json!({
        "rulePriority": priority,
        "description": "keep ten releases",
        "selection": {
            "tagStatus": "tagged",
            "tagPrefixList": ["release-"],
            "countType": "imageCountMoreThan",
            "countNumber": 10
        },
        "action": { "type": "expire" }
    })
}

fn with_selection(priority: u64, selection: Value) -> Value {
    json!({ "rulePriority": priority, "selection": selection, "action": { "type": "expire" } })
}

fn error_of(rules: Value) -> String {
    match parse_policy(&text(rules)) {
        Ok(policy) => panic!("accepted: {policy:?}"),
        Err(err) => err.to_string(),
    }
}

fn spoilt(edit: impl FnOnce(&mut Value)) -> String {
    let mut rule = good_rule(10);
    edit(&mut rule);
    error_of(json!([good_rule(1), rule]))
}

// --- the text as a whole ---

#[test]
fn malformed_json_reports_line_and_column() {
    let broken = "{\n  \"rules\": [\n    {\"rulePriority\": 1,, \"selection\": {}}\n  ]\n}\n\
                  \n                                                                  ";
    let err = parse_policy(broken).unwrap_err();
    let PolicyError::Syntax { line, column, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((*line, *column), (3, 24));
    assert!(
        err.to_string().starts_with("policy is not valid JSON: "),
        "{err}"
    );
    assert!(err.to_string().ends_with("(line 3, column 24)"), "{err}");
}

#[test]
fn text_over_30720_characters_is_rejected() {
    let mut rule = good_rule(1);
    rule["description"] = json!("x".repeat(MAX_POLICY_CHARS));
    let err = parse_policy(&text(json!([rule]))).unwrap_err();
    assert!(matches!(err, PolicyError::TooLong { .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("characters long; ECR accepts at most 30720"),
        "{err}"
    );
}

#[test]
fn length_is_counted_in_characters_not_bytes() {
    // 20,000 three-byte characters: 60,000 bytes, but well under ECR's character limit.
    let mut rule = good_rule(1);
    rule["description"] = json!("寿".repeat(20_000));
    assert!(parse_policy(&text(json!([rule]))).is_ok());
}

#[test]
fn text_under_100_characters_is_rejected_before_anything_else() {
    assert_eq!(
        parse_policy(r#"{"rules": []}"#).unwrap_err().to_string(),
        "policy text is 13 characters long; ECR requires at least 100"
    );
}

#[test]
fn document_must_be_an_object_with_only_rules() {
    let padded = |body: &str| format!("{body}{}", " ".repeat(100));
    assert_eq!(
        parse_policy(&padded("[1, 2]")).unwrap_err().to_string(),
        "document: must be a JSON object, found an array"
    );
    assert_eq!(
        parse_policy(&padded(r#"{"rule": []}"#))
            .unwrap_err()
            .to_string(),
        "rule: is not a lifecycle policy field; did you mean \"rules\"?"
    );
    assert_eq!(
        parse_policy(&padded("{}")).unwrap_err().to_string(),
        "rules: is required"
    );
    assert_eq!(
        parse_policy(&padded(r#"{"rules": {}}"#))
            .unwrap_err()
            .to_string(),
        "rules: must be an array of rules, found an object"
    );
    assert_eq!(
        parse_policy(&padded(r#"{"rules": []}"#))
            .unwrap_err()
            .to_string(),
        "rules: must not be empty"
    );
}

#[test]
fn at_most_50_rules() {
    let rules: Vec<Value> = (1..=51).map(good_rule).collect();
    assert_eq!(
        error_of(json!(rules)),
        "rules: has 51 rules; ECR allows at most 50"
    );
    let fifty: Vec<Value> = (1..=50).map(good_rule).collect();
    assert_eq!(parse_policy(&text(json!(fifty))).unwrap().rules().len(), 50);
}

// --- rulePriority ---

#[test]
fn rule_must_be_an_object() {
    assert_eq!(
        error_of(json!([good_rule(1), "rule two"])),
        "rule #2: must be a JSON object, found a string"
    );
}

#[test]
fn rule_priority_is_required_and_a_positive_integer() {
    let without = |value: Option<Value>| {
        let mut rule = good_rule(1);
        match value {
            Some(value) => rule["rulePriority"] = value,
            None => {
                rule.as_object_mut().unwrap().remove("rulePriority");
            }
        }
        error_of(json!([good_rule(1), rule]))
    };
    assert_eq!(without(None), "rule #2: rulePriority: is required");
    assert_eq!(
        without(Some(json!(0))),
        "rule #2: rulePriority: must be an integer from 1 to 2147483647, found 0"
    );
    assert_eq!(
        without(Some(json!(-3))),
        "rule #2: rulePriority: must be an integer from 1 to 2147483647, found -3"
    );
    assert_eq!(
        without(Some(json!(1.5))),
        "rule #2: rulePriority: must be an integer from 1 to 2147483647, found 1.5"
    );
    assert_eq!(
        without(Some(json!("2"))),
        "rule #2: rulePriority: must be an integer, found a string"
    );
}

#[test]
fn rule_priorities_must_be_unique() {
    let err = parse_policy(&text(json!([good_rule(20), good_rule(5), good_rule(20)]))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rule #3 (priority 20): rulePriority: 20 is already the priority of rule #1"
    );
    assert_eq!(
        err,
        PolicyError::Rule {
            rule: RuleRef {
                index: 2,
                priority: Some(20)
            },
            field: "rulePriority".into(),
            problem: Problem::DuplicatePriority {
                priority: 20,
                other: 0
            },
        }
    );
}

// --- tagStatus and the tag lists ---

#[test]
fn any_rule_must_have_the_highest_priority() {
    let any = with_selection(
        30,
        json!({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}),
    );
    assert_eq!(
        error_of(json!([good_rule(10), any.clone(), good_rule(40)])),
        "rule #2 (priority 30): rulePriority: a rule with tagStatus \"any\" must have the \
         highest rulePriority, but rule #3 has priority 40"
    );
    // Listed first but numbered last is fine: order in the text does not matter.
    let policy = parse_policy(&text(json!([any, good_rule(10)]))).unwrap();
    let priorities: Vec<u32> = policy.rules().iter().map(|rule| rule.priority).collect();
    assert_eq!(priorities, [10, 30]);
}

#[test]
fn at_most_one_untagged_rule() {
    let untagged = |priority| {
        with_selection(
            priority,
            json!({"tagStatus": "untagged", "countType": "sinceImagePushed",
                   "countUnit": "days", "countNumber": 14}),
        )
    };
    assert_eq!(
        error_of(json!([untagged(1), good_rule(2), untagged(3)])),
        "rule #3 (priority 3): selection.tagStatus: only one rule may select untagged images, \
         and rule #1 already does"
    );
}

#[test]
fn tag_status_must_be_a_known_word() {
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagStatus"] = json!("TAGGED")),
        "rule #2 (priority 10): selection.tagStatus: must be one of \"tagged\", \"untagged\", \
         \"any\"; found \"TAGGED\""
    );
    assert_eq!(
        spoilt(|rule| {
            rule["selection"]
                .as_object_mut()
                .unwrap()
                .remove("tagStatus");
        }),
        "rule #2 (priority 10): selection.tagStatus: is required"
    );
}

#[test]
fn tagged_rule_needs_exactly_one_non_empty_tag_list() {
    assert_eq!(
        spoilt(|rule| {
            rule["selection"]
                .as_object_mut()
                .unwrap()
                .remove("tagPrefixList");
        }),
        "rule #2 (priority 10): selection: tagStatus \"tagged\" needs a tagPrefixList or a \
         tagPatternList"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagPatternList"] = json!(["release-*"])),
        "rule #2 (priority 10): selection.tagPatternList: cannot be combined with \
         tagPrefixList; a tagged rule takes exactly one of them"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagPrefixList"] = json!([])),
        "rule #2 (priority 10): selection.tagPrefixList: must not be empty"
    );
    assert_eq!(
        spoilt(|rule| {
            let selection = rule["selection"].as_object_mut().unwrap();
            selection.remove("tagPrefixList");
            selection.insert("tagPatternList".into(), json!([]));
        }),
        "rule #2 (priority 10): selection.tagPatternList: must not be empty"
    );
}

#[test]
fn tag_lists_must_hold_strings() {
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagPrefixList"] = json!("release-")),
        "rule #2 (priority 10): selection.tagPrefixList: must be an array of strings, found a \
         string"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagPrefixList"] = json!(["v1", 2])),
        "rule #2 (priority 10): selection.tagPrefixList[1]: must be a string, found a number"
    );
}

#[test]
fn untagged_and_any_rules_take_no_tag_list() {
    let untagged = with_selection(
        10,
        json!({"tagStatus": "untagged", "tagPrefixList": ["v"],
               "countType": "imageCountMoreThan", "countNumber": 1}),
    );
    assert_eq!(
        error_of(json!([untagged])),
        "rule #1 (priority 10): selection.tagPrefixList: is not allowed when tagStatus is \
         \"untagged\""
    );
    let any = with_selection(
        10,
        json!({"tagStatus": "any", "tagPatternList": ["*"],
               "countType": "imageCountMoreThan", "countNumber": 1}),
    );
    assert_eq!(
        error_of(json!([any])),
        "rule #1 (priority 10): selection.tagPatternList: is not allowed when tagStatus is \
         \"any\""
    );
}

#[test]
fn patterns_allow_at_most_four_wildcards() {
    let patterns = |list: Value| {
        spoilt(|rule| {
            let selection = rule["selection"].as_object_mut().unwrap();
            selection.remove("tagPrefixList");
            selection.insert("tagPatternList".into(), list);
        })
    };
    assert_eq!(
        patterns(json!(["*test*1*2*3", "test*1*2*3*4*5*6"])),
        "rule #2 (priority 10): selection.tagPatternList[1]: \"test*1*2*3*4*5*6\" has 6 \
         wildcards (*); ECR allows at most 4"
    );
    let four = json!(["*test*1*2*3", "test*1*2*3*"]);
    let mut rule = good_rule(10);
    let selection = rule["selection"].as_object_mut().unwrap();
    selection.remove("tagPrefixList");
    selection.insert("tagPatternList".into(), four);
    let policy = parse_policy(&text(json!([rule]))).unwrap();
    let TagFilter::Patterns(parsed) = &policy.rules()[0].tags else {
        panic!("{:?}", policy.rules()[0].tags);
    };
    assert_eq!(parsed[1].as_str(), "test*1*2*3*");
}

// --- countType, countUnit, countNumber ---

#[test]
fn count_unit_goes_only_with_age_count_types() {
    assert_eq!(
        spoilt(|rule| rule["selection"]["countUnit"] = json!("days")),
        "rule #2 (priority 10): selection.countUnit: is not allowed when countType is \
         imageCountMoreThan"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["countType"] = json!("sinceImagePushed")),
        "rule #2 (priority 10): selection.countUnit: is required when countType is \
         sinceImagePushed"
    );
    assert_eq!(
        spoilt(|rule| {
            rule["selection"]["countType"] = json!("sinceImagePushed");
            rule["selection"]["countUnit"] = json!("hours");
        }),
        "rule #2 (priority 10): selection.countUnit: must be one of \"days\"; found \"hours\""
    );
}

#[test]
fn count_type_must_be_a_known_word() {
    assert_eq!(
        spoilt(|rule| rule["selection"]["countType"] = json!("imageCountLessThan")),
        "rule #2 (priority 10): selection.countType: must be one of \"imageCountMoreThan\", \
         \"sinceImagePushed\", \"sinceImagePulled\", \"sinceImageTransitioned\"; found \
         \"imageCountLessThan\""
    );
}

#[test]
fn count_number_is_required_and_at_least_one() {
    assert_eq!(
        spoilt(|rule| rule["selection"]["countNumber"] = json!(0)),
        "rule #2 (priority 10): selection.countNumber: must be an integer from 1 to \
         2147483647, found 0"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["countNumber"] = json!(2_147_483_648u64)),
        "rule #2 (priority 10): selection.countNumber: must be an integer from 1 to \
         2147483647, found 2147483648"
    );
    assert_eq!(
        spoilt(|rule| {
            rule["selection"]
                .as_object_mut()
                .unwrap()
                .remove("countNumber");
        }),
        "rule #2 (priority 10): selection.countNumber: is required"
    );
    let mut rule = good_rule(1);
    rule["selection"]["countNumber"] = json!(2_147_483_647u64);
    let policy = parse_policy(&text(json!([rule]))).unwrap();
    assert_eq!(
        policy.rules()[0].count,
        Count::ImagesMoreThan(2_147_483_647)
    );
}

// --- action ---

#[test]
fn action_type_is_expire_or_transition_to_archive() {
    assert_eq!(
        spoilt(|rule| rule["action"]["type"] = json!("delete")),
        "rule #2 (priority 10): action.type: must be one of \"expire\", \"transition\"; found \
         \"delete\""
    );
    assert_eq!(
        spoilt(|rule| rule["action"]["type"] = json!("transition")),
        "rule #2 (priority 10): action.targetStorageClass: is required when action.type is \
         \"transition\""
    );
    assert_eq!(
        spoilt(|rule| {
            rule["action"]["type"] = json!("transition");
            rule["action"]["targetStorageClass"] = json!("glacier");
        }),
        "rule #2 (priority 10): action.targetStorageClass: must be one of \"archive\"; found \
         \"glacier\""
    );
    assert_eq!(
        spoilt(|rule| rule["action"]["targetStorageClass"] = json!("archive")),
        "rule #2 (priority 10): action.targetStorageClass: is not allowed when action.type is \
         \"expire\""
    );
    assert_eq!(
        spoilt(|rule| {
            rule.as_object_mut().unwrap().remove("action");
        }),
        "rule #2 (priority 10): action: is required"
    );
}

// --- unknown fields and wrong types ---

#[test]
fn unknown_fields_are_rejected_with_a_suggestion() {
    assert_eq!(
        spoilt(|rule| rule["priority"] = json!(3)),
        "rule #2 (priority 10): priority: is not a lifecycle policy field; did you mean \
         \"rulePriority\"?"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagPrefix"] = json!(["v"])),
        "rule #2 (priority 10): selection.tagPrefix: is not a lifecycle policy field; did you \
         mean \"tagPrefixList\"?"
    );
    assert_eq!(
        spoilt(|rule| rule["action"]["when"] = json!("now")),
        "rule #2 (priority 10): action.when: is not a lifecycle policy field"
    );
}

#[test]
fn wrong_json_types_are_named() {
    assert_eq!(
        spoilt(|rule| rule["description"] = json!(7)),
        "rule #2 (priority 10): description: must be a string, found a number"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"] = json!(["tagged"])),
        "rule #2 (priority 10): selection: must be an object, found an array"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["tagStatus"] = json!(null)),
        "rule #2 (priority 10): selection.tagStatus: must be a string, found null"
    );
}

// --- archive-era rules ---

#[test]
fn archive_rules_follow_ecrs_pairings() {
    let archive_rule = |selection: Value, action: Value| json!([{ "rulePriority": 1, "selection": selection, "action": action }]);
    let pulled = json!({"tagStatus": "any", "countType": "sinceImagePulled",
                        "countUnit": "days", "countNumber": 90});
    assert_eq!(
        error_of(archive_rule(pulled, json!({"type": "expire"}))),
        "rule #1 (priority 1): action.type: must be \"transition\" when countType is \
         sinceImagePulled"
    );
    let transitioned = json!({"tagStatus": "any", "countType": "sinceImageTransitioned",
                              "countUnit": "days", "countNumber": 365});
    assert_eq!(
        error_of(archive_rule(
            transitioned.clone(),
            json!({"type": "expire"})
        )),
        "rule #1 (priority 1): selection.storageClass: is required when countType is \
         sinceImageTransitioned"
    );
    let mut archived = transitioned;
    archived["storageClass"] = json!("archive");
    assert_eq!(
        error_of(archive_rule(
            archived.clone(),
            json!({"type": "transition", "targetStorageClass": "archive"})
        )),
        "rule #1 (priority 1): action.type: must be \"expire\" when countType is \
         sinceImageTransitioned"
    );
    archived["countNumber"] = json!(30);
    assert_eq!(
        error_of(archive_rule(archived, json!({"type": "expire"}))),
        "rule #1 (priority 1): selection.countNumber: must be at least 90 when expiring \
         archived images (ECR's minimum archive duration), found 30"
    );
    assert_eq!(
        spoilt(|rule| rule["selection"]["storageClass"] = json!("archive")),
        "rule #2 (priority 10): selection.storageClass: must be \"standard\" when countType is \
         imageCountMoreThan"
    );
}
