//! How a parsed policy reads in the TUI and tables: one line per rule, archive-era
//! rules included.

use berth::lifecycle::{Action, Count, StorageClass, parse_policy};
use serde_json::{Value, json};

fn text(rules: Value) -> String {
    serde_json::to_string_pretty(&json!({ "rules": rules })).unwrap()
}

#[test]
fn archive_policies_from_the_guide_parse_and_describe() {
    let policy = parse_policy(&text(json!([
        {"rulePriority": 1, "description": "Archive images older than 30 days",
         "selection": {"tagStatus": "any", "countType": "sinceImagePushed",
                       "countUnit": "days", "countNumber": 30},
         "action": {"type": "transition", "targetStorageClass": "archive"}},
        {"rulePriority": 2, "description": "Expire images archived for more than 365 days",
         "selection": {"tagStatus": "any", "storageClass": "archive",
                       "countType": "sinceImageTransitioned", "countUnit": "days",
                       "countNumber": 365},
         "action": {"type": "expire"}}
    ])))
    .unwrap();
    let rules = policy.rules();
    assert_eq!(rules[0].action, Action::TransitionToArchive);
    assert_eq!(rules[1].storage_class, StorageClass::Archive);
    assert_eq!(rules[1].count, Count::DaysSinceTransitioned(365));
    assert_eq!(
        policy.describe(),
        "priority 1: all images: archive when pushed more than 30 days ago (\"Archive images \
         older than 30 days\")\n\
         priority 2: all archived images: expire when archived more than 365 days ago \
         (\"Expire images archived for more than 365 days\")\n"
    );
}

#[test]
fn describe_gives_one_line_per_rule_in_priority_order() {
    let policy = parse_policy(&text(json!([
        {"rulePriority": 1, "description": "Rule 1",
         "selection": {"tagStatus": "tagged", "tagPrefixList": ["alpha", "beta"],
                       "countType": "imageCountMoreThan", "countNumber": 1},
         "action": {"type": "expire"}},
        {"rulePriority": 3, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                          "countNumber": 50}, "action": {"type": "expire"}},
        {"rulePriority": 2, "description": "tab\there, esc \u{1b}[2J",
         "selection": {"tagStatus": "tagged", "tagPatternList": ["v*.*.*"],
                       "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": 1},
         "action": {"type": "expire"}}
    ])))
    .unwrap();
    let lines: Vec<String> = policy.rules().iter().map(|rule| rule.describe()).collect();
    assert_eq!(
        lines,
        [
            "priority 1: images with a tag starting with \"alpha\" and a tag starting with \
             \"beta\": keep the newest image by push time, expire the rest (\"Rule 1\")",
            // Control characters in user text are shown escaped, never sent raw.
            "priority 2: images with a tag matching \"v*.*.*\": expire when pushed more than \
             1 day ago (\"tab\\there, esc \\u{1b}[2J\")",
            "priority 3: all images: keep the newest 50 images by push time, expire the rest",
        ]
    );
}
