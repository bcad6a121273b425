//! The `/` filter: what it matches (the texts a row shows, each on its own), its syntax,
//! and how matches rank.
//!
//! Syntax, one term per word; a row must satisfy every term:
//! - `text`: a field equal to, starting with, containing, or fuzzily matching `text`;
//!   rows rank in that order (fuzzy matches by score), the sort order within each rank.
//! - `'text`: a field equal to `text`. `^text`: a field starting with it. `text$`: a
//!   field ending with it (`^text$` is `'text`).
//! - `!text`: no field contains `text` (also `!'text`, `!^text`, `!text$`).
//! - Lower-case text ignores case; text with a capital letter matches case exactly.
//! - Identifier fields (image digests) match only by prefix, with or without `sha256:`.

use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};
use std::cell::{RefCell, RefMut};

/// What the filter matches: the texts one row shows, each matched on its own.
#[derive(Debug, Default)]
pub struct Fields {
    text: String,
    /// Byte ranges of `text`, and whether each is an identifier (matched by prefix only).
    spans: Vec<(usize, usize, bool)>,
}

impl Fields {
    /// A text the row shows (a name, one tag, a package).
    pub fn text(&mut self, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.spans.push((start, self.text.len(), false));
    }

    /// An identifier (a digest): matched by prefix only, so that its long run of hex
    /// digits cannot make every row a fuzzy match.
    pub fn id(&mut self, id: &str) {
        let id = strip_digest_algorithm(id);
        let start = self.text.len();
        self.text.push_str(id);
        self.spans.push((start, self.text.len(), true));
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    fn iter(&self) -> impl Iterator<Item = (&str, bool)> {
        self.spans
            .iter()
            .map(|&(start, end, id)| (&self.text[start..end], id))
    }
}

fn strip_digest_algorithm(text: &str) -> &str {
    text.strip_prefix("sha256:").unwrap_or(text)
}

/// How a term must match a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Equal, prefix, substring or fuzzy: ranked.
    Any,
    Equal,
    Prefix,
    Suffix,
}

/// One word of the filter.
#[derive(Clone, Debug)]
struct Term {
    kind: Kind,
    negative: bool,
    ignore_case: bool,
    /// The text to find, already lower-cased when `ignore_case`.
    needle: String,
    /// `needle` without `sha256:`, for identifier fields.
    id_needle: String,
    /// `needle` for the fuzzy matcher (which wants ASCII text in its ASCII form).
    utf32: Utf32String,
    /// `needle`'s length in characters.
    chars: usize,
}

impl Term {
    fn parse(word: &str) -> Option<Term> {
        let (negative, word) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let (kind, word) = if let Some(rest) = word.strip_prefix('\'') {
            (Kind::Equal, rest)
        } else if let Some(rest) = word.strip_prefix('^') {
            match rest.strip_suffix('$') {
                Some(both) if !both.is_empty() => (Kind::Equal, both),
                _ => (Kind::Prefix, rest),
            }
        } else if let Some(rest) = word.strip_suffix('$').filter(|r| !r.is_empty()) {
            (Kind::Suffix, rest)
        } else {
            (Kind::Any, word)
        };
        if word.is_empty() {
            // A lone operator is still being typed: it filters nothing yet.
            return None;
        }
        let ignore_case = !word.chars().any(char::is_uppercase);
        let needle = fold(word, ignore_case);
        let id_needle = strip_digest_algorithm(&needle).to_string();
        Some(Term {
            kind,
            negative,
            ignore_case,
            utf32: Utf32String::from(needle.as_str()),
            chars: needle.chars().count(),
            needle,
            id_needle,
        })
    }

    /// How well this term matches one (folded) field: the rank class and, for fuzzy
    /// matches, the score. `None` when it does not.
    fn match_field(&self, field: &str, id: bool, matcher: &mut Matcher) -> Option<(u32, u16)> {
        if id {
            return match self.kind {
                Kind::Suffix => None,
                _ if field == self.id_needle => Some((EXACT, 0)),
                Kind::Equal => None,
                _ => field.starts_with(&self.id_needle).then_some((PREFIX, 0)),
            };
        }
        if field == self.needle {
            return Some((EXACT, 0));
        }
        match self.kind {
            Kind::Equal => None,
            Kind::Prefix => field.starts_with(&self.needle).then_some((PREFIX, 0)),
            Kind::Suffix => field.ends_with(&self.needle).then_some((SUBSTRING, 0)),
            Kind::Any if field.starts_with(&self.needle) => Some((PREFIX, 0)),
            Kind::Any if field.contains(&self.needle) => Some((SUBSTRING, 0)),
            // Negative terms exclude by substring only: `!v1` should not drop `latest`.
            Kind::Any if self.negative => None,
            Kind::Any => {
                let mut buf = Vec::new();
                let haystack = Utf32Str::new(field, &mut buf);
                let needle = self.utf32.slice(..);
                matcher
                    .fuzzy_match_greedy(haystack, needle)
                    .map(|score| (FUZZY, score))
            }
        }
    }
}

/// Rank classes, best first.
const EXACT: u32 = 0;
const PREFIX: u32 = 1;
const SUBSTRING: u32 = 2;
const FUZZY: u32 = 3;

/// Lower-case `text` character by character (one character in, one out, so positions
/// in the folded text are positions in the original).
fn fold(text: &str, ignore_case: bool) -> String {
    if !ignore_case {
        return text.to_string();
    }
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The row filter of a list, with its scratch space kept between keystrokes.
pub struct FuzzyFilter {
    text: String,
    terms: Vec<Term>,
    // The matcher is scratch space; highlighting visible rows borrows it from `view`.
    matcher: RefCell<Matcher>,
}

impl Default for FuzzyFilter {
    fn default() -> Self {
        let mut config = Config::DEFAULT;
        // Both sides arrive folded already (smart case is decided per term).
        config.ignore_case = false;
        config.normalize = false;
        Self {
            text: String::new(),
            terms: Vec::new(),
            matcher: RefCell::new(Matcher::new(config)),
        }
    }
}

impl std::fmt::Debug for FuzzyFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FuzzyFilter").field(&self.text).finish()
    }
}

/// A match's place in the ranking: smaller is better.
pub type Rank = u32;

/// The class of a rank: 0 equal, 1 prefix, 2 substring, 3 fuzzy.
pub fn class(rank: Rank) -> u32 {
    rank >> 24
}

impl FuzzyFilter {
    /// The filter text as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether any term filters (a lone operator being typed does not).
    pub fn is_active(&self) -> bool {
        !self.terms.is_empty()
    }

    pub fn set(&mut self, text: &str) {
        if text == self.text {
            return;
        }
        self.text = text.to_string();
        self.terms = text.split_whitespace().filter_map(Term::parse).collect();
    }

    /// A matcher for many rows in a row: borrows the scratch space once.
    pub(super) fn batch(&self) -> Batch<'_> {
        Batch {
            filter: self,
            matcher: self.matcher.borrow_mut(),
            folded: Fields::default(),
        }
    }

    /// Whether a row with `fields` matches (always true with no filter).
    pub fn matches(&self, fields: &Fields) -> bool {
        self.rank(fields).is_some()
    }

    /// Where a row with `fields` ranks, or `None` when it does not match.
    pub fn rank(&self, fields: &Fields) -> Option<Rank> {
        self.batch().rank(fields)
    }

    /// Character positions of one text field that the filter matched, sorted, for
    /// highlighting.
    pub fn highlights(&self, text: &str) -> Vec<usize> {
        let mut marks = Vec::new();
        let mut matcher = self.matcher.borrow_mut();
        for term in self.terms.iter().filter(|t| !t.negative) {
            let field = fold(text, term.ignore_case);
            let Some((class, _)) = term.match_field(&field, false, &mut matcher) else {
                continue;
            };
            let needle_chars = term.chars;
            let field_chars = field.chars().count();
            match (class, term.kind) {
                (EXACT, _) => marks.extend(0..field_chars),
                (PREFIX, _) => marks.extend(0..needle_chars),
                (SUBSTRING, Kind::Suffix) => marks.extend(field_chars - needle_chars..field_chars),
                (SUBSTRING, _) => {
                    if let Some(byte) = field.find(&term.needle) {
                        let start = field[..byte].chars().count();
                        marks.extend(start..start + needle_chars);
                    }
                }
                _ => {
                    let mut buf = Vec::new();
                    let mut indices = Vec::new();
                    matcher.fuzzy_indices(
                        Utf32Str::new(&field, &mut buf),
                        term.utf32.slice(..),
                        &mut indices,
                    );
                    marks.extend(indices.into_iter().map(|i| i as usize));
                }
            }
        }
        marks.sort_unstable();
        marks.dedup();
        marks
    }

    /// How many leading characters of an identifier (a digest, with or without
    /// `sha256:`; the count is of the part after it) the filter matched.
    pub fn id_highlight(&self, id: &str) -> usize {
        let id = strip_digest_algorithm(id);
        let mut matcher = self.matcher.borrow_mut();
        self.terms
            .iter()
            .filter(|t| !t.negative)
            .filter_map(|term| {
                let folded = fold(id, term.ignore_case);
                term.match_field(&folded, true, &mut matcher)
                    .map(|_| term.id_needle.chars().count())
            })
            .max()
            .unwrap_or(0)
    }
}

/// The filter with its scratch space held for a whole pass over the rows.
pub(super) struct Batch<'a> {
    filter: &'a FuzzyFilter,
    matcher: RefMut<'a, Matcher>,
    /// `fields` lower-cased, for terms that ignore case.
    folded: Fields,
}

impl Batch<'_> {
    /// Where a row with `fields` ranks, or `None` when it does not match.
    pub(super) fn rank(&mut self, fields: &Fields) -> Option<Rank> {
        let terms = &self.filter.terms;
        if terms.is_empty() {
            return Some(0);
        }
        if terms.iter().any(|t| t.ignore_case) {
            self.folded.clear();
            for (text, id) in fields.iter() {
                let start = self.folded.text.len();
                if text.is_ascii() {
                    self.folded.text.push_str(text);
                    self.folded.text[start..].make_ascii_lowercase();
                } else {
                    self.folded.text.extend(text.chars().map(fold_char));
                }
                self.folded.spans.push((start, self.folded.text.len(), id));
            }
        }
        let mut worst = EXACT;
        let mut score: u32 = 0;
        for term in terms {
            let source = if term.ignore_case {
                &self.folded
            } else {
                fields
            };
            let mut best: Option<(u32, u16)> = None;
            for (field, id) in source.iter() {
                if let Some(found) = term.match_field(field, id, &mut self.matcher) {
                    best = Some(match best {
                        Some(old) if (old.0, u16::MAX - old.1) <= (found.0, u16::MAX - found.1) => {
                            old
                        }
                        _ => found,
                    });
                    if found.0 == EXACT {
                        break;
                    }
                }
            }
            match (best, term.negative) {
                (Some(_), true) | (None, false) => return None,
                (None, true) => {}
                (Some((class, points)), false) => {
                    worst = worst.max(class);
                    if class == FUZZY {
                        score += u32::from(points);
                    }
                }
            }
        }
        // The class first, then (for fuzzy matches) the higher score.
        Some((worst << 24) | (0x00ff_ffff - score.min(0x00ff_ffff)))
    }
}
