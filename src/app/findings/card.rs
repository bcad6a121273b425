//! A finding's card: everything about one finding (name, severity, score, package, fix,
//! description, attributes) as lines of text wrapped to a width. Enter in the findings
//! pane opens it full screen; the wide side panel shows the selected finding's card. Kept
//! in `app` because scrolling needs the line count that drawing will produce.

use crate::ecr::findings::{Finding, severity_word};
use crate::format;

/// How a card line is meant to look; the UI picks the style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// The finding's name, severity and score.
    Title,
    /// A section heading (`Description`, `Attributes`).
    Heading,
    /// A `label: value` line.
    Field,
    /// Running text.
    Body,
    Blank,
}

/// One line of a finding's card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardLine {
    pub kind: LineKind,
    pub text: String,
}

fn line(kind: LineKind, text: impl Into<String>) -> CardLine {
    CardLine {
        kind,
        text: text.into(),
    }
}

/// The card of `finding` wrapped to `width` columns.
pub fn card_lines(finding: &Finding, width: usize) -> Vec<CardLine> {
    let width = width.max(10);
    let mut out = Vec::new();
    let push_wrapped = |out: &mut Vec<CardLine>, kind: LineKind, text: &str| {
        for part in wrap(text, width) {
            out.push(line(kind, part));
        }
    };
    let score = finding
        .score
        .map(|s| format!(" · score {s:.1}"))
        .unwrap_or_default();
    push_wrapped(
        &mut out,
        LineKind::Title,
        &format!(
            "{} · {}{score}",
            finding.name,
            severity_word(finding.severity)
        ),
    );
    let package = match (&finding.package_name, &finding.package_version) {
        (Some(name), Some(version)) => Some(format!("{name} {version}")),
        (Some(name), None) => Some(name.clone()),
        _ => None,
    };
    let yes_no = |v: bool| if v { "yes" } else { "no" };
    let fields: [(&str, Option<String>); 7] = [
        ("package", package),
        ("fixed in", finding.fixed_in_version.clone()),
        (
            "fix available",
            finding.fix_available.map(|f| f.label().to_lowercase()),
        ),
        (
            "exploit available",
            finding.exploit_available.map(|e| yes_no(e).to_string()),
        ),
        ("status", finding.status.clone()),
        ("reference", finding.uri.clone()),
        ("remediation", finding.remediation.clone()),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            push_wrapped(&mut out, LineKind::Field, &format!("{label}: {value}"));
        }
    }
    out.push(line(LineKind::Blank, ""));
    out.push(line(LineKind::Heading, "Description"));
    if finding.description.is_empty() {
        out.push(line(LineKind::Body, "(none given)"));
    } else {
        push_wrapped(&mut out, LineKind::Body, &finding.description);
    }
    if !finding.attributes.is_empty() {
        out.push(line(LineKind::Blank, ""));
        out.push(line(LineKind::Heading, "Attributes"));
        for (key, value) in &finding.attributes {
            push_wrapped(&mut out, LineKind::Field, &format!("{key}: {value}"));
        }
    }
    out
}

/// Word-wrap `text` to `width` columns; words longer than a line are cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let mut word_width = format::width(word);
        if used > 0 && used + 1 + word_width <= width {
            current.push(' ');
            current.push_str(word);
            used += 1 + word_width;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        while word_width > width {
            let mut cut = 0;
            let mut taken = 0;
            for (index, c) in rest.char_indices() {
                let w = format::width(c.encode_utf8(&mut [0; 4]));
                if taken + w > width {
                    break;
                }
                taken += w;
                cut = index + c.len_utf8();
            }
            if cut == 0 {
                // A character wider than the line: give it a line of its own.
                cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
            }
            lines.push(rest[..cut].to_string());
            rest = &rest[cut..];
            word_width = format::width(rest);
        }
        current.push_str(rest);
        used = word_width;
    }
    if used > 0 || lines.is_empty() {
        lines.push(current);
    }
    lines
}
