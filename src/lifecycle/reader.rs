//! Reading one rule's JSON fields, with errors that name the rule and the field.

use serde_json::{Map, Value};

use super::error::{PolicyError, Problem, RuleRef};
use super::json::{shown, suggest, type_name};

/// ECR stores these as Java ints; anything larger cannot round-trip.
pub(super) const MAX_INTEGER: u32 = i32::MAX as u32;

/// The rule being read, so every error can name it.
pub(super) struct RuleReader {
    pub(super) rule: RuleRef,
}

impl RuleReader {
    pub(super) fn error(&self, field: impl Into<String>, problem: Problem) -> PolicyError {
        PolicyError::Rule {
            rule: self.rule,
            field: field.into(),
            problem,
        }
    }

    pub(super) fn reject_unknown(
        &self,
        object: &Map<String, Value>,
        known: &[&'static str],
        prefix: &str,
    ) -> Result<(), PolicyError> {
        match object.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => Err(self.error(
                format!("{prefix}{}", shown(key)),
                Problem::UnknownField {
                    suggestion: suggest(key, known),
                },
            )),
            None => Ok(()),
        }
    }

    pub(super) fn object<'v>(
        &self,
        parent: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v Map<String, Value>, PolicyError> {
        match parent.get(key) {
            Some(Value::Object(object)) => Ok(object),
            Some(other) => Err(self.error(
                key,
                Problem::WrongType {
                    expected: "an object",
                    found: type_name(other),
                },
            )),
            None => Err(self.error(key, Problem::Missing)),
        }
    }

    /// A string from a fixed vocabulary; `allowed` is the quoted list for the message.
    pub(super) fn word<'v>(
        &self,
        parent: &'v Map<String, Value>,
        path: &str,
        key: &str,
        words: &[&str],
        allowed: &'static str,
    ) -> Result<Option<&'v str>, PolicyError> {
        match parent.get(key) {
            None => Ok(None),
            Some(Value::String(text)) if words.contains(&text.as_str()) => Ok(Some(text)),
            Some(Value::String(text)) => Err(self.error(
                path,
                Problem::NotOneOf {
                    allowed,
                    found: text.clone(),
                },
            )),
            Some(other) => Err(self.error(
                path,
                Problem::WrongType {
                    expected: "a string",
                    found: type_name(other),
                },
            )),
        }
    }

    pub(super) fn required_word<'v>(
        &self,
        parent: &'v Map<String, Value>,
        path: &str,
        key: &str,
        words: &[&str],
        allowed: &'static str,
    ) -> Result<&'v str, PolicyError> {
        self.word(parent, path, key, words, allowed)?
            .ok_or_else(|| self.error(path, Problem::Missing))
    }

    pub(super) fn integer(
        &self,
        value: Option<&Value>,
        path: &str,
        min: u32,
    ) -> Result<u32, PolicyError> {
        match value {
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (min..=MAX_INTEGER).contains(n))
                .ok_or_else(|| {
                    self.error(
                        path,
                        Problem::OutOfRange {
                            min,
                            max: MAX_INTEGER,
                            found: number.to_string(),
                        },
                    )
                }),
            Some(other) => Err(self.error(
                path,
                Problem::WrongType {
                    expected: "an integer",
                    found: type_name(other),
                },
            )),
            None => Err(self.error(path, Problem::Missing)),
        }
    }

    pub(super) fn string_list(
        &self,
        parent: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<Vec<String>>, PolicyError> {
        let path = format!("selection.{key}");
        match parent.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(at, item)| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(self.error(
                        format!("{path}[{at}]"),
                        Problem::WrongType {
                            expected: "a string",
                            found: type_name(other),
                        },
                    )),
                })
                .collect::<Result<Vec<String>, PolicyError>>()
                .map(Some),
            Some(other) => Err(self.error(
                path,
                Problem::WrongType {
                    expected: "an array of strings",
                    found: type_name(other),
                },
            )),
        }
    }
}
