//! Why a policy text was rejected, worded so a person can fix it without the ECR docs.

use std::fmt;

/// ECR's lower bound on `lifecyclePolicyText` (PutLifecyclePolicy), in characters.
///
/// The shortest policy that passes every other check is 138 characters
/// (`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any",…}]}`), so this bound
/// can only ever fire on text that is wrong in some other way too. It is checked first
/// anyway, because that is the complaint ECR itself makes first.
pub const MIN_POLICY_CHARS: usize = 100;
/// ECR's upper bound on `lifecyclePolicyText`, in characters.
pub const MAX_POLICY_CHARS: usize = 30_720;
/// ECR's limit on rules per policy.
pub const MAX_RULES: usize = 50;
/// ECR's limit on `*` wildcards in one `tagPatternList` entry.
pub const MAX_WILDCARDS: usize = 4;
/// Archived images must stay archived this long before a rule may expire them.
pub const MIN_ARCHIVE_DAYS: u32 = 90;

/// A policy text that ECR would refuse, and where in it the fault lies.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text exceeds ECR's size limit.
    #[error("policy text is {chars} characters long; ECR accepts at most {MAX_POLICY_CHARS}")]
    TooLong { chars: usize },
    /// The text is under ECR's minimum size.
    #[error("policy text is {chars} characters long; ECR requires at least {MIN_POLICY_CHARS}")]
    TooShort { chars: usize },
    /// The text is not JSON at all.
    #[error("policy is not valid JSON: {message} (line {line}, column {column})")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A fault outside any one rule (the document itself, `rules`, an unknown top-level key).
    #[error("{field}: {problem}")]
    Document { field: String, problem: Problem },
    /// A fault in one rule; `field` is the path inside the rule, e.g. `selection.tagPrefixList`.
    #[error("{rule}: {field}: {problem}")]
    Rule {
        rule: RuleRef,
        field: String,
        problem: Problem,
    },
}

/// Which rule an error is about: its position in `rules` and, once known, its priority.
///
/// Shown counting from 1 (`rule #1` is the first rule), as people count; the bracketed
/// JSON paths in messages (`rules[0]`, `tagPatternList[0]`) keep JSON's own indexing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// Position in the policy's `rules` array, counting from 0.
    pub index: usize,
    /// The rule's `rulePriority`, if it had a valid one.
    pub priority: Option<u32>,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.priority {
            Some(priority) => write!(f, "rule #{} (priority {priority})", self.index + 1),
            None => write!(f, "rule #{}", self.index + 1),
        }
    }
}

/// What is wrong with a field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A required field is absent.
    #[error("is required")]
    Missing,
    /// A field ECR's schema does not have; ECR rejects these rather than ignoring them.
    #[error("is not a lifecycle policy field{}", did_you_mean(.suggestion))]
    UnknownField { suggestion: Option<&'static str> },
    /// The JSON type is wrong.
    #[error("must be {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A string outside a fixed vocabulary.
    #[error("must be one of {allowed}; found {found:?}")]
    NotOneOf {
        allowed: &'static str,
        found: String,
    },
    /// A number that is not an integer in range.
    #[error("must be an integer from {min} to {max}, found {found}")]
    OutOfRange { min: u32, max: u32, found: String },
    /// An empty list where ECR needs at least one entry.
    #[error("must not be empty")]
    Empty,
    /// More rules than ECR allows.
    #[error("has {count} rules; ECR allows at most {MAX_RULES}")]
    TooManyRules { count: usize },
    /// Two rules share a `rulePriority`; `other` is a 0-based position, shown from 1.
    #[error("{priority} is already the priority of rule #{}", .other + 1)]
    DuplicatePriority { priority: u32, other: usize },
    /// A second rule selecting untagged images; `other` is shown counting from 1.
    #[error("only one rule may select untagged images, and rule #{} already does", .other + 1)]
    SecondUntagged { other: usize },
    /// An `any` rule that is not evaluated last; `other` is shown counting from 1.
    #[error(
        "a rule with tagStatus \"any\" must have the highest rulePriority, \
         but rule #{} has priority {other_priority}",
        .other + 1
    )]
    AnyNotLast { other: usize, other_priority: u32 },
    /// A `tagged` rule with neither tag list.
    #[error("tagStatus \"tagged\" needs a tagPrefixList or a tagPatternList")]
    NoTagList,
    /// A `tagged` rule with both tag lists.
    #[error("cannot be combined with tagPrefixList; a tagged rule takes exactly one of them")]
    BothTagLists,
    /// A field that the rest of the rule rules out.
    #[error("is not allowed when {when}")]
    NotAllowed { when: &'static str },
    /// A field that the rest of the rule makes mandatory.
    #[error("is required when {when}")]
    RequiredWhen { when: &'static str },
    /// A value that the rest of the rule constrains.
    #[error("must be {expected} when {when}")]
    MustBeWhen {
        expected: &'static str,
        when: &'static str,
    },
    /// A pattern with too many `*`.
    #[error("{pattern:?} has {count} wildcards (*); ECR allows at most {MAX_WILDCARDS}")]
    TooManyWildcards { pattern: String, count: usize },
    /// An archive expiry shorter than ECR's minimum archive duration.
    #[error(
        "must be at least {MIN_ARCHIVE_DAYS} when expiring archived images \
         (ECR's minimum archive duration), found {found}"
    )]
    ArchiveTooShort { found: u32 },
}

fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean {name:?}?"),
        None => String::new(),
    }
}
