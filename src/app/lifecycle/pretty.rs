//! Policy text laid out for reading, keeping the author's key order.
//!
//! serde_json (without `preserve_order`) would sort keys, putting `action` before
//! `rulePriority`; people read a rule top-down, so this re-indents the text itself.

/// `text` re-indented two spaces per level, one member per line, arrays of plain
/// values kept on one line. Text that is not a JSON object or array is returned line by
/// line as it is, so an invalid draft still shows what the user wrote.
pub fn pretty_lines(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    let valid = serde_json::from_str::<serde_json::Value>(trimmed)
        .is_ok_and(|value| value.is_object() || value.is_array());
    if !valid {
        return text.lines().map(str::to_string).collect();
    }
    let tokens = tokens(trimmed);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut depth = 0usize;
    let mut at = 0;
    while at < tokens.len() {
        let token = tokens[at];
        match token {
            "{" | "[" => {
                let close = if token == "{" { "}" } else { "]" };
                if tokens.get(at + 1) == Some(&close) {
                    line.push_str(token);
                    line.push_str(close);
                    at += 2;
                    continue;
                }
                if token == "["
                    && let Some(end) = flat_array_end(&tokens, at)
                {
                    line.push('[');
                    for (n, value) in tokens[at + 1..end]
                        .iter()
                        .filter(|t| **t != ",")
                        .enumerate()
                    {
                        if n > 0 {
                            line.push_str(", ");
                        }
                        line.push_str(value);
                    }
                    line.push(']');
                    at = end + 1;
                    continue;
                }
                line.push_str(token);
                lines.push(std::mem::take(&mut line));
                depth += 1;
                line = indent(depth);
            }
            "}" | "]" => {
                if !line.trim().is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                depth = depth.saturating_sub(1);
                line = indent(depth);
                line.push_str(token);
            }
            "," => {
                line.push(',');
                lines.push(std::mem::take(&mut line));
                line = indent(depth);
            }
            ":" => line.push_str(": "),
            value => line.push_str(value),
        }
        at += 1;
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

/// The position of the `]` closing the array at `open` when the array holds only
/// strings, numbers, booleans and nulls.
fn flat_array_end(tokens: &[&str], open: usize) -> Option<usize> {
    for (offset, token) in tokens[open + 1..].iter().enumerate() {
        match *token {
            "]" => return Some(open + 1 + offset),
            "{" | "[" | ":" => return None,
            _ => {}
        }
    }
    None
}

/// Structural characters, and each string or bare value as one token; whitespace
/// outside strings dropped. Only called on text that parsed as JSON.
fn tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\n' | b'\r' => at += 1,
            b'{' | b'}' | b'[' | b']' | b',' | b':' => {
                out.push(&text[at..at + 1]);
                at += 1;
            }
            b'"' => {
                let start = at;
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'\\' => at += 2,
                        b'"' => {
                            at += 1;
                            break;
                        }
                        _ => at += 1,
                    }
                }
                out.push(&text[start..at.min(bytes.len())]);
            }
            _ => {
                let start = at;
                while at < bytes.len()
                    && !matches!(
                        bytes[at],
                        b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'}' | b'[' | b']' | b',' | b':'
                    )
                {
                    at += 1;
                }
                out.push(&text[start..at]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_policy_reads_top_down_in_the_authors_order() {
        let text = r#"{"rules":[{"rulePriority":1,"description":"a, b: {c}","selection":{"tagStatus":"tagged","tagPrefixList":["v","rc"],"countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}"#;
        assert_eq!(
            pretty_lines(text).join("\n"),
            r#"{
  "rules": [
    {
      "rulePriority": 1,
      "description": "a, b: {c}",
      "selection": {
        "tagStatus": "tagged",
        "tagPrefixList": ["v", "rc"],
        "countType": "imageCountMoreThan",
        "countNumber": 3
      },
      "action": {
        "type": "expire"
      }
    }
  ]
}"#
        );
    }

    #[test]
    fn escapes_and_empty_containers_survive() {
        let text = r#"{"a":"q\"uo\\te","b":[],"c":{}}"#;
        assert_eq!(
            pretty_lines(text),
            [
                "{",
                r#"  "a": "q\"uo\\te","#,
                r#"  "b": [],"#,
                r#"  "c": {}"#,
                "}"
            ]
        );
    }

    #[test]
    fn invalid_text_is_shown_as_written() {
        assert_eq!(
            pretty_lines("{\"rules\": [\n  oops"),
            ["{\"rules\": [", "  oops"]
        );
    }
}
