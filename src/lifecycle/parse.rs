//! Policy text → [`Policy`], with every check ECR makes before it accepts a policy.
//!
//! The text is first read as untyped JSON (so syntax errors carry a line and column),
//! then walked by hand: serde's derive would report type errors without saying which
//! rule they are in, and a person fixing a 40-rule policy needs exactly that.

use std::collections::HashMap;

use serde_json::Value;

use super::error::{
    MAX_POLICY_CHARS, MAX_RULES, MAX_WILDCARDS, MIN_ARCHIVE_DAYS, MIN_POLICY_CHARS, PolicyError,
    Problem, RuleRef,
};
use super::json::{shown, suggest, syntax_error, type_name};
use super::pattern::TagPattern;
use super::policy::{Action, Count, Policy, Rule, StorageClass, TagFilter};
use super::reader::RuleReader;

const RULE_FIELDS: &[&str] = &["rulePriority", "description", "selection", "action"];
const SELECTION_FIELDS: &[&str] = &[
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
];
const ACTION_FIELDS: &[&str] = &["type", "targetStorageClass"];

/// Parse and validate a lifecycle policy text exactly as ECR would before accepting it.
pub fn parse_policy(text: &str) -> Result<Policy, PolicyError> {
    check_size(text)?;
    let document: Value = serde_json::from_str(text).map_err(|err| {
        let (line, column, message) = syntax_error(&err);
        PolicyError::Syntax {
            line,
            column,
            message,
        }
    })?;
    let Value::Object(root) = &document else {
        return Err(document_error(
            "document",
            Problem::WrongType {
                expected: "a JSON object",
                found: type_name(&document),
            },
        ));
    };
    if let Some(key) = root.keys().find(|key| key.as_str() != "rules") {
        return Err(document_error(
            &shown(key),
            Problem::UnknownField {
                suggestion: suggest(key, &["rules"]),
            },
        ));
    }
    let rules = match root.get("rules") {
        Some(Value::Array(rules)) => rules,
        Some(other) => {
            return Err(document_error(
                "rules",
                Problem::WrongType {
                    expected: "an array of rules",
                    found: type_name(other),
                },
            ));
        }
        None => return Err(document_error("rules", Problem::Missing)),
    };
    if rules.is_empty() {
        return Err(document_error("rules", Problem::Empty));
    }
    if rules.len() > MAX_RULES {
        return Err(document_error(
            "rules",
            Problem::TooManyRules { count: rules.len() },
        ));
    }
    let mut parsed = rules
        .iter()
        .enumerate()
        .map(|(index, value)| parse_rule(index, value))
        .collect::<Result<Vec<Rule>, PolicyError>>()?;
    check_across_rules(&parsed)?;
    parsed.sort_by_key(|rule| rule.priority);
    Ok(Policy { rules: parsed })
}

fn check_size(text: &str) -> Result<(), PolicyError> {
    // AWS length constraints count characters, not bytes: a Japanese description
    // counts per character.
    let chars = text.chars().count();
    if chars > MAX_POLICY_CHARS {
        return Err(PolicyError::TooLong { chars });
    }
    if chars < MIN_POLICY_CHARS {
        return Err(PolicyError::TooShort { chars });
    }
    Ok(())
}

fn document_error(field: &str, problem: Problem) -> PolicyError {
    PolicyError::Document {
        field: field.to_owned(),
        problem,
    }
}

fn parse_rule(index: usize, value: &Value) -> Result<Rule, PolicyError> {
    let mut reader = RuleReader {
        rule: RuleRef {
            index,
            priority: None,
        },
    };
    let Value::Object(rule) = value else {
        // Said of the rule as a whole ("rule #2: must be a JSON object"), not of a field.
        return Err(document_error(
            &reader.rule.to_string(),
            Problem::WrongType {
                expected: "a JSON object",
                found: type_name(value),
            },
        ));
    };
    // The priority comes first so that every later error can name the rule by it.
    let priority = reader.integer(rule.get("rulePriority"), "rulePriority", 1)?;
    reader.rule.priority = Some(priority);
    reader.reject_unknown(rule, RULE_FIELDS, "")?;
    let description = match rule.get("description") {
        None => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            return Err(reader.error(
                "description",
                Problem::WrongType {
                    expected: "a string",
                    found: type_name(other),
                },
            ));
        }
    };

    let selection = reader.object(rule, "selection")?;
    reader.reject_unknown(selection, SELECTION_FIELDS, "selection.")?;
    let tag_status = reader.required_word(
        selection,
        "selection.tagStatus",
        "tagStatus",
        &["tagged", "untagged", "any"],
        "\"tagged\", \"untagged\", \"any\"",
    )?;
    let prefixes = reader.string_list(selection, "tagPrefixList")?;
    let patterns = reader.string_list(selection, "tagPatternList")?;
    let count_type = reader.required_word(
        selection,
        "selection.countType",
        "countType",
        &[
            "imageCountMoreThan",
            "sinceImagePushed",
            "sinceImagePulled",
            "sinceImageTransitioned",
        ],
        "\"imageCountMoreThan\", \"sinceImagePushed\", \"sinceImagePulled\", \
         \"sinceImageTransitioned\"",
    )?;
    let count_unit = reader.word(
        selection,
        "selection.countUnit",
        "countUnit",
        &["days"],
        "\"days\"",
    )?;
    let count_number = reader.integer(selection.get("countNumber"), "selection.countNumber", 1)?;
    let storage_class = reader.word(
        selection,
        "selection.storageClass",
        "storageClass",
        &["standard", "archive"],
        "\"standard\", \"archive\"",
    )?;

    let action = reader.object(rule, "action")?;
    reader.reject_unknown(action, ACTION_FIELDS, "action.")?;
    let action_type = reader.required_word(
        action,
        "action.type",
        "type",
        &["expire", "transition"],
        "\"expire\", \"transition\"",
    )?;
    let target = reader.word(
        action,
        "action.targetStorageClass",
        "targetStorageClass",
        &["archive"],
        "\"archive\"",
    )?;

    let tags = tag_filter(&reader, tag_status, prefixes, patterns)?;
    let count = count(&reader, count_type, count_unit, count_number)?;
    let storage_class = storage(&reader, count_type, storage_class)?;
    let action = action_of(&reader, count_type, action_type, target)?;
    // "Archived images have a minimum storage duration of 90 days. You cannot configure
    // lifecycle policies that delete images that have been in archive for less than 90
    // days." (Archiving an image; also under the guide's archive examples.)
    if let (Count::DaysSinceTransitioned(days), Action::Expire) = (count, action)
        && days < MIN_ARCHIVE_DAYS
    {
        return Err(reader.error(
            "selection.countNumber",
            Problem::ArchiveTooShort { found: days },
        ));
    }
    Ok(Rule {
        priority,
        index,
        description,
        tags,
        storage_class,
        count,
        action,
    })
}

fn tag_filter(
    reader: &RuleReader,
    tag_status: &str,
    prefixes: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
) -> Result<TagFilter, PolicyError> {
    let when = match tag_status {
        "tagged" => return tagged_filter(reader, prefixes, patterns),
        "untagged" => "tagStatus is \"untagged\"",
        _ => "tagStatus is \"any\"",
    };
    if prefixes.is_some() {
        return Err(reader.error("selection.tagPrefixList", Problem::NotAllowed { when }));
    }
    if patterns.is_some() {
        return Err(reader.error("selection.tagPatternList", Problem::NotAllowed { when }));
    }
    Ok(if tag_status == "untagged" {
        TagFilter::Untagged
    } else {
        TagFilter::Any
    })
}

fn tagged_filter(
    reader: &RuleReader,
    prefixes: Option<Vec<String>>,
    patterns: Option<Vec<String>>,
) -> Result<TagFilter, PolicyError> {
    match (prefixes, patterns) {
        (None, None) => Err(reader.error("selection", Problem::NoTagList)),
        (Some(_), Some(_)) => Err(reader.error("selection.tagPatternList", Problem::BothTagLists)),
        (Some(prefixes), None) if prefixes.is_empty() => {
            Err(reader.error("selection.tagPrefixList", Problem::Empty))
        }
        (Some(prefixes), None) => Ok(TagFilter::Prefixes(prefixes)),
        (None, Some(patterns)) if patterns.is_empty() => {
            Err(reader.error("selection.tagPatternList", Problem::Empty))
        }
        (None, Some(patterns)) => {
            let mut compiled = Vec::with_capacity(patterns.len());
            for (at, text) in patterns.iter().enumerate() {
                let pattern = TagPattern::new(text);
                let count = pattern.wildcard_count();
                if count > MAX_WILDCARDS {
                    return Err(reader.error(
                        format!("selection.tagPatternList[{at}]"),
                        Problem::TooManyWildcards {
                            pattern: text.clone(),
                            count,
                        },
                    ));
                }
                compiled.push(pattern);
            }
            Ok(TagFilter::Patterns(compiled))
        }
    }
}

fn when_count_type(count_type: &str) -> &'static str {
    match count_type {
        "imageCountMoreThan" => "countType is imageCountMoreThan",
        "sinceImagePushed" => "countType is sinceImagePushed",
        "sinceImagePulled" => "countType is sinceImagePulled",
        _ => "countType is sinceImageTransitioned",
    }
}

fn count(
    reader: &RuleReader,
    count_type: &str,
    count_unit: Option<&str>,
    number: u32,
) -> Result<Count, PolicyError> {
    let when = when_count_type(count_type);
    if count_type == "imageCountMoreThan" {
        return match count_unit {
            Some(_) => Err(reader.error("selection.countUnit", Problem::NotAllowed { when })),
            None => Ok(Count::ImagesMoreThan(number)),
        };
    }
    // `word` already limited the unit to "days"; here only its presence matters.
    // countUnit: "Required: yes, only if countType is set to sinceImagePushed,
    // sinceImagePulled, or sinceImageTransitioned" (Lifecycle policy properties).
    if count_unit.is_none() {
        return Err(reader.error("selection.countUnit", Problem::RequiredWhen { when }));
    }
    Ok(match count_type {
        "sinceImagePushed" => Count::DaysSincePushed(number),
        "sinceImagePulled" => Count::DaysSincePulled(number),
        _ => Count::DaysSinceTransitioned(number),
    })
}

fn storage(
    reader: &RuleReader,
    count_type: &str,
    storage_class: Option<&str>,
) -> Result<StorageClass, PolicyError> {
    let when = when_count_type(count_type);
    let field = "selection.storageClass";
    // "When using a countType of imageCountMoreThan, sinceImagePushed, or
    // sinceImagePulled, the only supported value is standard. When using a count type of
    // sinceImageTransitioned, this is required, and the only supported value is archive.
    // If you omit this, the value of standard will be used." (Lifecycle policy
    // properties, storageClass.)
    match (count_type, storage_class) {
        ("sinceImageTransitioned", Some("archive")) => Ok(StorageClass::Archive),
        ("sinceImageTransitioned", None) => {
            Err(reader.error(field, Problem::RequiredWhen { when }))
        }
        ("sinceImageTransitioned", Some(_)) => Err(reader.error(
            field,
            Problem::MustBeWhen {
                expected: "\"archive\"",
                when,
            },
        )),
        (_, Some("archive")) => Err(reader.error(
            field,
            Problem::MustBeWhen {
                expected: "\"standard\"",
                when,
            },
        )),
        _ => Ok(StorageClass::Standard),
    }
}

fn action_of(
    reader: &RuleReader,
    count_type: &str,
    action_type: &str,
    target: Option<&str>,
) -> Result<Action, PolicyError> {
    // targetStorageClass: "Required: yes, if type is transition … archive is the only
    // supported value." (Lifecycle policy properties.) The documentation says nothing of
    // it on an expire action; berth refuses it there rather than ignore a field that
    // would do nothing (the README says so).
    let action = if action_type == "transition" {
        if target.is_none() {
            return Err(reader.error(
                "action.targetStorageClass",
                Problem::RequiredWhen {
                    when: "action.type is \"transition\"",
                },
            ));
        }
        Action::TransitionToArchive
    } else {
        if target.is_some() {
            return Err(reader.error(
                "action.targetStorageClass",
                Problem::NotAllowed {
                    when: "action.type is \"expire\"",
                },
            ));
        }
        Action::Expire
    };
    let when = when_count_type(count_type);
    // "The sinceImagePulled count type must be used with the transition action. It
    // cannot be used with the expire action." and "The sinceImageTransitioned count type
    // must be used with the expire action and the archive storage class." (Examples of
    // lifecycle policies.)
    match (count_type, action) {
        ("sinceImagePulled", Action::Expire) => Err(reader.error(
            "action.type",
            Problem::MustBeWhen {
                expected: "\"transition\"",
                when,
            },
        )),
        ("sinceImageTransitioned", Action::TransitionToArchive) => Err(reader.error(
            "action.type",
            Problem::MustBeWhen {
                expected: "\"expire\"",
                when,
            },
        )),
        _ => Ok(action),
    }
}

/// Checks that need the whole policy: unique priorities, one untagged rule, `any` last.
///
/// The untagged and `any` constraints are applied per storage class: "Only one rule
/// selecting a specific storage class is allowed to select untagged images." (How
/// lifecycle policies work), and ECR's own archive example ("Combining archive and
/// expire rules") pairs an `any` rule for standard images with a later `any` rule for
/// archived ones, which a policy-wide reading of "A rule with a tagStatus value of any
/// must have the highest value for rulePriority" would reject. For policies without
/// archive rules (all policies written before archive storage existed) the two
/// readings agree.
fn check_across_rules(rules: &[Rule]) -> Result<(), PolicyError> {
    let reject = |rule: &Rule, field: &str, problem: Problem| PolicyError::Rule {
        rule: RuleRef {
            index: rule.index,
            priority: Some(rule.priority),
        },
        field: field.to_owned(),
        problem,
    };
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for rule in rules {
        if let Some(&other) = seen.get(&rule.priority) {
            return Err(reject(
                rule,
                "rulePriority",
                Problem::DuplicatePriority {
                    priority: rule.priority,
                    other,
                },
            ));
        }
        seen.insert(rule.priority, rule.index);
    }
    for class in [StorageClass::Standard, StorageClass::Archive] {
        let in_class = || rules.iter().filter(move |rule| rule.storage_class == class);
        let mut untagged = in_class().filter(|rule| rule.tags == TagFilter::Untagged);
        if let (Some(first), Some(second)) = (untagged.next(), untagged.next()) {
            return Err(reject(
                second,
                "selection.tagStatus",
                Problem::SecondUntagged { other: first.index },
            ));
        }
        let last = in_class().max_by_key(|rule| rule.priority);
        for rule in in_class().filter(|rule| rule.tags == TagFilter::Any) {
            if let Some(last) = last
                && last.priority > rule.priority
            {
                return Err(reject(
                    rule,
                    "rulePriority",
                    Problem::AnyNotLast {
                        other: last.index,
                        other_priority: last.priority,
                    },
                ));
            }
        }
    }
    Ok(())
}
