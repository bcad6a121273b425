//! The typed form of a validated policy, and its one-line-per-rule description.

use std::fmt::{self, Write as _};

use super::pattern::TagPattern;

/// A lifecycle policy that passed every check ECR makes; obtain one with [`super::parse_policy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Sorted by ascending `rulePriority`, the order ECR applies them in.
    pub(super) rules: Vec<Rule>,
}

impl Policy {
    /// The rules in evaluation order (ascending `rulePriority`).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// One line per rule, in evaluation order, for the lifecycle pane and `--output table`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for rule in &self.rules {
            out.push_str(&rule.describe());
            out.push('\n');
        }
        out
    }
}

/// One rule of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `rulePriority`: lower numbers are applied first.
    pub priority: u32,
    /// Position in the policy text's `rules` array (0-based), for pointing back at the source.
    pub index: usize,
    /// The optional free-text `description`.
    pub description: Option<String>,
    /// Which images the rule considers.
    pub tags: TagFilter,
    /// The storage class the rule selects from (`selection.storageClass`, default standard).
    pub storage_class: StorageClass,
    /// How the rule picks the images it acts on among those it selects.
    pub count: Count,
    /// What happens to the picked images.
    pub action: Action,
}

/// `selection.tagStatus` with its tag list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagFilter {
    /// `any`: every image.
    Any,
    /// `untagged`: images with no tag.
    Untagged,
    /// `tagged` + `tagPrefixList`: every prefix must start some tag of the image.
    Prefixes(Vec<String>),
    /// `tagged` + `tagPatternList`: every pattern must match some tag of the image.
    Patterns(Vec<TagPattern>),
}

impl TagFilter {
    /// Whether an image with these tags is in the rule's selection.
    pub fn selects(&self, tags: &[String]) -> bool {
        match self {
            TagFilter::Any => true,
            TagFilter::Untagged => tags.is_empty(),
            TagFilter::Prefixes(prefixes) => prefixes
                .iter()
                .all(|prefix| tags.iter().any(|tag| tag.starts_with(prefix.as_str()))),
            TagFilter::Patterns(patterns) => patterns
                .iter()
                .all(|pattern| tags.iter().any(|tag| pattern.matches(tag))),
        }
    }
}

/// `selection.countType` with its `countNumber` (days are implied by `countUnit: days`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// `imageCountMoreThan`: keep this many newest images, act on the rest.
    ImagesMoreThan(u32),
    /// `sinceImagePushed`: act on images pushed more than this many days ago.
    DaysSincePushed(u32),
    /// `sinceImagePulled`: act on images not pulled for this many days (archive era).
    DaysSincePulled(u32),
    /// `sinceImageTransitioned`: act on images archived this many days ago (archive era).
    DaysSinceTransitioned(u32),
}

/// `selection.storageClass`, and the class UpdateImageStorageClass moves an image to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageClass {
    /// Ordinary, pullable images (the default).
    Standard,
    /// Images moved to archive storage.
    Archive,
}

/// `action.type` (with `targetStorageClass` for transitions); serialises as ECR's word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Action {
    /// Delete the image, all tags with it.
    #[serde(rename = "expire")]
    Expire,
    /// Move the image to archive storage.
    #[serde(rename = "transition")]
    TransitionToArchive,
}

impl Action {
    /// ECR's word for the action: `expire` or `transition`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Expire => "expire",
            Action::TransitionToArchive => "transition",
        }
    }
}

/// Why berth's evaluator leaves a rule out of a plan: the outcome would depend on a
/// point ECR's documentation leaves open, or on data the images lack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotEvaluated {
    /// An image the rule's tags match is being restored (or has a status berth does not
    /// know).
    #[error(
        "not evaluated by berth: its tags match an image being restored (ACTIVATING) or of \
         a status berth does not know, and ECR's documentation does not say which storage \
         class such an image is in"
    )]
    ActivatingImage,
    /// Ranking a restored image by push time or by restore time gives different results.
    #[error(
        "not evaluated by berth: it ranks an image restored from archive, which ECR's \
         documentation orders both by push time and by restore time, and here the two \
         orders pick different images"
    )]
    RestoredImageOrder,
    /// An archived image the rule could act on has no `last_archived_at`.
    #[error(
        "not evaluated by berth: an archived image it selects has no last_archived_at, \
         which its age is counted from"
    )]
    NoArchiveTime,
}

impl Rule {
    /// One readable line: priority, what is selected, what happens, then the description.
    ///
    /// User-supplied strings are shown in quotes with control characters escaped, so a
    /// hostile description cannot steer the terminal.
    pub fn describe(&self) -> String {
        let mut line = format!("priority {}: ", self.priority);
        self.write_selection(&mut line);
        line.push_str(": ");
        self.write_action(&mut line);
        if let Some(description) = &self.description {
            let _ = write!(line, " ({description:?})");
        }
        line
    }

    fn write_selection(&self, out: &mut String) {
        let archived = if self.storage_class == StorageClass::Archive {
            "archived "
        } else {
            ""
        };
        match &self.tags {
            TagFilter::Any => {
                let _ = write!(out, "all {archived}images");
            }
            TagFilter::Untagged => {
                let _ = write!(out, "untagged {archived}images");
            }
            TagFilter::Prefixes(prefixes) => {
                write_tag_list(
                    out,
                    archived,
                    "starting with",
                    prefixes.iter().map(String::as_str),
                );
            }
            TagFilter::Patterns(patterns) => {
                write_tag_list(
                    out,
                    archived,
                    "matching",
                    patterns.iter().map(|p| p.as_str()),
                );
            }
        }
    }

    fn write_action(&self, out: &mut String) {
        let verb = match self.action {
            Action::Expire => "expire",
            Action::TransitionToArchive => "archive",
        };
        let _ = match self.count {
            Count::ImagesMoreThan(1) => {
                write!(out, "keep the newest image by push time, {verb} the rest")
            }
            Count::ImagesMoreThan(n) => {
                write!(
                    out,
                    "keep the newest {n} images by push time, {verb} the rest"
                )
            }
            Count::DaysSincePushed(days) => {
                write!(out, "{verb} when pushed more than {} ago", days_text(days))
            }
            Count::DaysSincePulled(days) => {
                write!(
                    out,
                    "{verb} when not pulled for more than {}",
                    days_text(days)
                )
            }
            Count::DaysSinceTransitioned(days) => {
                write!(
                    out,
                    "{verb} when archived more than {} ago",
                    days_text(days)
                )
            }
        };
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

fn write_tag_list<'a>(
    out: &mut String,
    archived: &str,
    relation: &str,
    entries: impl Iterator<Item = &'a str>,
) {
    let _ = write!(out, "{archived}images with ");
    for (at, entry) in entries.enumerate() {
        if at > 0 {
            out.push_str(" and ");
        }
        let _ = write!(out, "a tag {relation} {entry:?}");
    }
}

fn days_text(days: u32) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}
