//! `tagPatternList` entries: literal text with `*` wildcards, matched against a whole tag.

use std::fmt;
use std::ops::Range;

/// One compiled `tagPatternList` entry.
///
/// Compiled once at parse time into the literal pieces between the stars, so matching
/// a tag is a prefix test, a suffix test and an in-order search for the middle pieces,
/// with no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagPattern {
    text: String,
    /// `None` when the pattern has no `*` and must equal the tag.
    wild: Option<Wildcards>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Wildcards {
    head: Range<usize>,
    tail: Range<usize>,
    /// Non-empty pieces between the first and last star, in order.
    middle: Vec<Range<usize>>,
    /// Sum of all literal lengths: a shorter tag cannot match.
    min_len: usize,
}

impl TagPattern {
    /// Compile a pattern; any text is accepted (the wildcard limit is checked by the parser).
    pub fn new(text: &str) -> TagPattern {
        let mut pieces = Vec::new();
        let mut start = 0;
        for (at, _) in text.match_indices('*') {
            pieces.push(start..at);
            start = at + 1;
        }
        if pieces.is_empty() {
            return TagPattern {
                text: text.to_owned(),
                wild: None,
            };
        }
        pieces.push(start..text.len());
        let head = pieces[0].clone();
        let tail = pieces[pieces.len() - 1].clone();
        let middle: Vec<Range<usize>> = pieces[1..pieces.len() - 1]
            .iter()
            .filter(|piece| !piece.is_empty())
            .cloned()
            .collect();
        let min_len = head.len() + tail.len() + middle.iter().map(Range::len).sum::<usize>();
        TagPattern {
            text: text.to_owned(),
            wild: Some(Wildcards {
                head,
                tail,
                middle,
                min_len,
            }),
        }
    }

    /// The pattern as written in the policy.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Number of `*` in the pattern.
    pub fn wildcard_count(&self) -> usize {
        self.text.bytes().filter(|&b| b == b'*').count()
    }

    /// Whether the whole of `tag` matches, each `*` standing for any run of characters.
    pub fn matches(&self, tag: &str) -> bool {
        let Some(wild) = &self.wild else {
            return tag == self.text;
        };
        if tag.len() < wild.min_len {
            return false;
        }
        let head = &self.text[wild.head.clone()];
        let tail = &self.text[wild.tail.clone()];
        if !tag.starts_with(head) || !tag.ends_with(tail) {
            return false;
        }
        // The length check above guarantees head and tail do not overlap. Taking each
        // middle piece at its leftmost place leaves the most room for the ones after it,
        // so a greedy scan finds a match whenever one exists.
        let mut rest = &tag[head.len()..tag.len() - tail.len()];
        for piece in &wild.middle {
            let piece = &self.text[piece.clone()];
            match rest.find(piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

impl fmt::Display for TagPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::TagPattern;

    fn matches(pattern: &str, tag: &str) -> bool {
        TagPattern::new(pattern).matches(tag)
    }

    #[test]
    fn pattern_without_wildcard_is_an_exact_match() {
        assert!(matches("prod", "prod"));
        assert!(!matches("prod", "prod1"));
        assert!(!matches("prod", "pro"));
    }

    #[test]
    fn trailing_star_is_a_prefix_match_and_leading_star_a_suffix_match() {
        assert!(matches("prod*", "prod"));
        assert!(matches("prod*", "prod-2024"));
        assert!(!matches("prod*", "preprod"));
        assert!(matches("*-rc", "v1-rc"));
        assert!(!matches("*-rc", "v1-rc2"));
    }

    #[test]
    fn middle_pieces_must_appear_in_order() {
        assert!(matches("*test*1*2*3", "my-test-1-2-3"));
        assert!(matches("test*1*2*3*", "test123"));
        assert!(!matches("test*1*2*3*", "test321"));
        assert!(matches("v*.*.*", "v1.2.3"));
        assert!(!matches("v*.*.*", "v1.2"));
    }

    #[test]
    fn head_and_tail_may_not_share_characters() {
        // "ab*ba" needs at least "abba"; "aba" would match only if the 'a' were reused.
        assert!(!matches("ab*ba", "aba"));
        assert!(matches("ab*ba", "abba"));
        assert!(matches("a*a", "aa"));
        assert!(!matches("a*a", "a"));
    }

    #[test]
    fn lone_and_doubled_stars_match_anything() {
        assert!(matches("*", "anything"));
        assert!(matches("**", "x"));
        assert!(matches("a**b", "ab"));
    }

    #[test]
    fn matching_is_case_sensitive_and_counts_stars() {
        assert!(!matches("prod*", "PROD1"));
        assert_eq!(TagPattern::new("*a*b*").wildcard_count(), 3);
        assert_eq!(TagPattern::new("plain").wildcard_count(), 0);
    }
}
