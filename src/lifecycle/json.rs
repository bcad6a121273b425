//! Small helpers shared by the policy parser and the image-record reader.

use serde_json::Value;

/// How a JSON value's type reads in an error message ("found a string").
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Line, column and message of a syntax error, the message without serde_json's own
/// "at line … column …" suffix so callers can place the position consistently.
pub(super) fn syntax_error(err: &serde_json::Error) -> (usize, usize, String) {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    // serde_json reports column 0 for an error just after a newline (text ending early);
    // people count columns from 1.
    (err.line(), err.column().max(1), message)
}

/// A field name as it may appear in a message: user text with control characters escaped.
pub(super) fn shown(key: &str) -> String {
    key.escape_debug().to_string()
}

/// The known field an unknown one was probably meant to be, for "did you mean".
pub(super) fn suggest(unknown: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|&name| {
            let name_lower = name.to_ascii_lowercase();
            // A truncated or partial name ("tagPrefix", "priority") is as telling as a typo.
            let contained =
                lower.len() >= 5 && (name_lower.contains(&lower) || lower.contains(&name_lower));
            let distance = if contained {
                0
            } else {
                edit_distance(&lower, &name_lower)
            };
            (distance, name)
        })
        .filter(|&(distance, _)| distance <= 3)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over chars; inputs are short field names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_truncations_but_not_strangers() {
        let known = ["tagPrefixList", "tagPatternList", "countType"];
        assert_eq!(suggest("tagPrefix", &known), Some("tagPrefixList"));
        assert_eq!(suggest("tagPatternlist", &known), Some("tagPatternList"));
        assert_eq!(suggest("countTyp", &known), Some("countType"));
        assert_eq!(suggest("colour", &known), None);
    }

    #[test]
    fn syntax_error_position_is_split_from_the_message() {
        let err = serde_json::from_str::<Value>("{\n  \"rules\": [\n}").unwrap_err();
        let (line, column, message) = syntax_error(&err);
        assert_eq!((line, column), (3, 1));
        assert!(!message.contains("line"), "{message}");
    }
}
