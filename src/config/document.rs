//! Reading values out of a parsed TOML document while keeping the line each came from, so
//! every complaint can point at the line to fix.

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A parsed document and the problems found while reading it.
pub(crate) struct Reader<'t> {
    text: &'t str,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// One complaint about one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl<'t> Reader<'t> {
    pub fn new(text: &'t str) -> Self {
        Reader {
            text,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Parse the text; a syntax error is returned as the only problem.
    pub fn parse(&self) -> Result<Spanned<DeTable<'t>>, Problem> {
        DeTable::parse(self.text).map_err(|err| Problem {
            line: err.span().map_or(1, |span| self.line(span)),
            key: String::new(),
            message: format!("not valid TOML: {}", err.message().trim_end()),
        })
    }

    /// The 1-based line a span starts on.
    pub fn line(&self, span: Range<usize>) -> usize {
        // Bytes, not chars: a span from a fuzzed file may fall inside a character.
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let line = self.line(span);
        self.errors.push(Problem {
            line,
            key: key.to_string(),
            message: message.into(),
        });
    }

    pub fn warn(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let line = self.line(span);
        self.warnings.push(Problem {
            line,
            key: key.to_string(),
            message: message.into(),
        });
    }

    /// Warn about a key nobody reads, suggesting the nearest known one.
    pub fn unknown_key(&mut self, span: Range<usize>, path: &str, known: &[&str]) {
        let leaf = path.rsplit('.').next().unwrap_or(path);
        // Quoted TOML keys can hold anything, control characters included.
        let shown = path.escape_debug();
        let message = match closest(leaf, known.iter().copied()) {
            Some(near) => format!("unknown key \"{shown}\" ignored (did you mean \"{near}\"?)"),
            None => format!("unknown key \"{shown}\" ignored"),
        };
        self.warn(span, path, message);
    }

    /// A `true`/`false` value, or an error naming the key.
    pub fn boolean(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be true or false, not {found}"),
                );
                None
            }
        }
    }

    /// A whole number in `range`, or an error naming the key and the range.
    pub fn integer_in(
        &mut self,
        key: &str,
        value: &Spanned<DeValue>,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let (low, high) = (*range.start(), *range.end());
        match value.get_ref() {
            DeValue::Integer(number) => {
                let parsed = i64::from_str_radix(number.as_str(), number.radix()).ok();
                match parsed.filter(|n| range.contains(n)) {
                    Some(n) => Some(n),
                    None => {
                        self.error(
                            value.span(),
                            key,
                            format!("{key} must be between {low} and {high}"),
                        );
                        None
                    }
                }
            }
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be a whole number between {low} and {high}, not {found}"),
                );
                None
            }
        }
    }

    /// A number (whole or decimal) in `range`, or an error naming the key and the range.
    pub fn number_in(
        &mut self,
        key: &str,
        value: &Spanned<DeValue>,
        range: std::ops::RangeInclusive<f64>,
    ) -> Option<f64> {
        let (low, high) = (*range.start(), *range.end());
        let parsed = match value.get_ref() {
            DeValue::Integer(number) => i64::from_str_radix(number.as_str(), number.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(number) => number.as_str().replace('_', "").parse::<f64>().ok(),
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be a number between {low} and {high}, not {found}"),
                );
                return None;
            }
        };
        match parsed.filter(|n| range.contains(n)) {
            Some(n) => Some(n),
            None => {
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be between {low} and {high}"),
                );
                None
            }
        }
    }

    /// A string, or an error saying what was expected instead.
    pub fn string<'v>(
        &mut self,
        key: &str,
        value: &'v Spanned<DeValue>,
        expected: &str,
    ) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.as_ref()),
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be {expected}, not {found}"),
                );
                None
            }
        }
    }

    /// One string or a list of strings (`"x"` is short for `["x"]`), each with its span.
    pub fn strings<'v>(
        &mut self,
        key: &str,
        value: &'v Spanned<DeValue>,
        expected: &str,
    ) -> Option<Vec<(&'v str, Range<usize>)>> {
        match value.get_ref() {
            DeValue::String(text) => Some(vec![(text.as_ref(), value.span())]),
            DeValue::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(text) => out.push((text.as_ref(), item.span())),
                        other => {
                            let found = kind(other);
                            self.error(
                                item.span(),
                                key,
                                format!("{key} must be {expected}, not a list holding {found}"),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be {expected}, not {found}"),
                );
                None
            }
        }
    }

    /// A table, or an error saying what it should look like.
    pub fn table<'v, 'd>(
        &mut self,
        key: &str,
        value: &'v Spanned<DeValue<'d>>,
        example: &str,
    ) -> Option<&'v DeTable<'d>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                let found = kind(other);
                self.error(
                    value.span(),
                    key,
                    format!("{key} must be a table like {example}, not {found}"),
                );
                None
            }
        }
    }

    /// The errors and warnings in file order.
    pub fn finish(mut self) -> (Vec<Problem>, Vec<Problem>) {
        // The document is a sorted map, so problems arrive in key order; people read files
        // top to bottom.
        self.errors.sort_by_key(|p| p.line);
        self.warnings.sort_by_key(|p| p.line);
        (self.errors, self.warnings)
    }
}

/// What a value is, in words, for "must be X, not Y" messages.
pub(crate) fn kind(value: &DeValue) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a fractional number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// The known name a typo most likely meant, if any is close enough to be a fair guess.
pub(crate) fn closest<'k>(typo: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let limit = (typo.chars().count() / 3).max(1);
    known
        .map(|name| (edit_distance(typo, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Edit distance where swapping two neighbouring characters counts as one edit, since
/// that is the commonest typo ("bodl").
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_but_not_strangers() {
        let known = ["concurrency", "timeout_seconds", "mouse"];
        assert_eq!(
            closest("concurency", known.iter().copied()),
            Some("concurrency")
        );
        assert_eq!(closest("mose", known.iter().copied()), Some("mouse"));
        assert_eq!(closest("muose", known.iter().copied()), Some("mouse"));
        assert_eq!(closest("colour", known.iter().copied()), None);
    }

    #[test]
    fn lines_count_from_one_and_survive_odd_offsets() {
        let reader = Reader::new("a = 1\nb = 2\n");
        assert_eq!(reader.line(0..1), 1);
        assert_eq!(reader.line(6..7), 2);
        assert_eq!(reader.line(500..501), 3);
    }
}
