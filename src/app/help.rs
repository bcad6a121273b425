//! The `?` help: the live keymap grouped by pane, the current pane first, searchable.
//!
//! This file: what the help lists (the groups, their entries, the search). Beside it:
//! `view` (the overlay's state and keys) and `layout` (the groups in columns for a
//! terminal size).

mod layout;
#[cfg(test)]
mod tests;
mod view;

pub use layout::{Layout, Row, layout};
pub use view::{HelpOutcome, HelpView};

use super::keymap::{Command, Keymap, command_name};
use super::state::Pane;

/// Where a command does something. Commands not listed for a pane do nothing there.
fn panes(command: Command) -> &'static [Pane] {
    use Pane::*;
    match command {
        Command::Lifecycle | Command::RepositoryDetail => &[Repositories, Images],
        Command::Audit => &[Repositories],
        Command::Mark
        | Command::MarkAll
        | Command::Tag
        | Command::Untag
        | Command::Delete
        | Command::FilterInUse
        | Command::FilterNotInUse
        | Command::Findings
        | Command::Layers
        | Command::ImageDetail
        | Command::Archive
        | Command::RestoreFromArchive
        | Command::FilterArchived
        | Command::Fold
        | Command::FlatView
        | Command::Scan => &[Images],
        Command::CopyUri | Command::CopyTaggedUri => &[Images, Triage],
        Command::ToggleCritical
        | Command::ToggleHigh
        | Command::ToggleMedium
        | Command::ToggleLow
        | Command::ToggleOther => &[Findings],
        // Movement, filter, sort, refresh, the command line, help and quit: everywhere.
        _ => &[],
    }
}

/// Panes in drill-down order, for the groups after the current one.
const PANES: [Pane; 5] = [
    Pane::Registries,
    Pane::Repositories,
    Pane::Images,
    Pane::Findings,
    Pane::Triage,
];

/// Keys of the lifecycle view that are its own rather than the keymap's.
pub const LIFECYCLE_KEYS: [(&str, &str); 6] = [
    ("e", "edit the policy in $EDITOR, then dry-run it"),
    ("o", "load a policy from a file"),
    ("p", "ask ECR for its own preview and compare"),
    ("a", "apply the policy to the repository (asks first)"),
    ("x", "only the images that would expire (toggle)"),
    ("tab", "switch between the images and the policy text"),
];

/// How the status line and dialogs behave, as the help states it (README says the same).
pub const STATUS_RULES: [(&str, &str); 4] = [
    (
        "messages",
        "belong to a pane, registry or repository; leave with it",
    ),
    (
        "errors",
        "stay through keys until you move on or it succeeds",
    ),
    ("notices", "work under way (a scan) ends with its outcome"),
    (
        "dialogs",
        "close only with their own keys (esc); others do nothing",
    ),
];

/// A group of fixed (keys, description) lines that are not keymap commands (the
/// lifecycle view's keys, the filter syntax, the status-line rules).
fn text_group(title: &str, lines: &[(&str, &'static str)]) -> Group {
    Group {
        title: title.into(),
        entries: lines
            .iter()
            .map(|&(keys, description)| Entry {
                keys: keys.to_string(),
                description,
                name: String::new(),
            })
            .collect(),
    }
}

/// The `:` commands, made from the command line's own table.
fn command_line_group() -> Group {
    let (jump, jump_description) = crate::app::command::JUMP_HELP;
    let entries = crate::app::command::COMMANDS
        .iter()
        .map(|(word, _, description)| Entry {
            keys: format!(":{word}"),
            description,
            name: (*word).to_string(),
        })
        .chain(std::iter::once(Entry {
            keys: format!(":{jump}"),
            description: jump_description,
            name: "jump".into(),
        }))
        .collect();
    Group {
        title: "command line (:)".into(),
        entries,
    }
}

/// The `/` filter's syntax, one line each (see `list::filter`).
pub const FILTER_SYNTAX: [(&str, &str); 6] = [
    (
        "text",
        "rows showing text: equal, then prefix, substring, fuzzy",
    ),
    ("'text", "filter: a field (tag, name) equal to text"),
    ("^text", "filter: a field starting with text"),
    ("text$", "filter: a field ending with text"),
    ("!text", "filter: no field contains text"),
    ("a b", "filter: every word must match; digests by prefix"),
];

/// One line of the help: the keys, what they do and the command's config name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub keys: String,
    pub description: &'static str,
    /// The snake_case name `[keys]` in the config uses; empty for view-local keys.
    pub name: String,
}

/// A titled group of entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub title: String,
    pub entries: Vec<Entry>,
}

/// A view open over the pane, whose keys the help lists first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    None,
    Lifecycle,
    Info,
    ImageDetail,
}

/// What the movement keys do in a text view (the repository and image detail views).
const SCROLL_KEYS: [(Command, &str); 6] = [
    (Command::MoveDown, "scroll down"),
    (Command::MoveUp, "scroll up"),
    (Command::PageDown, "scroll a page down"),
    (Command::PageUp, "scroll a page up"),
    (Command::First, "to the top"),
    (Command::Last, "to the end"),
];

/// What the keymap's commands do in the repository info view (its title on screen says
/// "repository detail", as the README and `[keys]` name it), after scrolling.
const INFO_KEYS: [(Command, &str); 3] = [
    (Command::CopyUri, "copy the repository URI"),
    (Command::Refresh, "fetch every section again"),
    (Command::Back, "close the detail view"),
];

/// What the keymap's commands do in the image detail view, after scrolling.
const IMAGE_DETAIL_KEYS: [(Command, &str); 3] = [
    (Command::CopyUri, "copy the image's digest-pinned URI"),
    (Command::Refresh, "fetch every section again"),
    (Command::Back, "close the image detail"),
];

/// The help's groups for `pane` (and the view open over it), keeping the entries that
/// match `query`: every word of it in the keys, description or name.
pub fn groups(keymap: &Keymap, pane: Pane, view: View, query: &str) -> Vec<Group> {
    let entry = |command: Command| Entry {
        keys: keys_text(keymap, command),
        description: command.description(),
        name: command_name(command),
    };
    let for_pane = |pane: Pane| -> Vec<Entry> {
        Command::ALL
            .iter()
            .filter(|&&c| panes(c).contains(&pane))
            .map(|&c| entry(c))
            .collect()
    };
    let mut groups = Vec::new();
    let view_keys = match view {
        View::Info => Some(("repository detail view", &INFO_KEYS)),
        View::ImageDetail => Some(("image detail view", &IMAGE_DETAIL_KEYS)),
        View::None | View::Lifecycle => None,
    };
    if let Some((title, keys)) = view_keys {
        groups.push(Group {
            title: title.into(),
            entries: SCROLL_KEYS
                .iter()
                .chain(keys)
                .map(|&(command, description)| Entry {
                    description,
                    ..entry(command)
                })
                .collect(),
        });
    }
    if view == View::Lifecycle {
        groups.push(text_group("lifecycle view", &LIFECYCLE_KEYS));
    }
    groups.push(Group {
        title: pane.title().to_string(),
        entries: for_pane(pane),
    });
    groups.push(Group {
        title: "every pane".into(),
        entries: Command::ALL
            .iter()
            .filter(|&&c| panes(c).is_empty())
            .map(|&c| entry(c))
            .collect(),
    });
    groups.push(text_group("filter (/) syntax", &FILTER_SYNTAX));
    for other in PANES.into_iter().filter(|&p| p != pane) {
        groups.push(Group {
            title: other.title().to_string(),
            entries: for_pane(other),
        });
    }
    groups.push(command_line_group());
    groups.push(text_group("status line and dialogs", &STATUS_RULES));
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    for group in &mut groups {
        // A word may match the group's title: searching `status` lists the whole
        // "status line and dialogs" group.
        let title = group.title.to_lowercase();
        group.entries.retain(|e| matches(&title, e, &words));
    }
    groups.retain(|g| !g.entries.is_empty());
    groups
}

fn keys_text(keymap: &Keymap, command: Command) -> String {
    let keys: Vec<String> = keymap
        .keys_for(command)
        .iter()
        .map(ToString::to_string)
        .collect();
    if keys.is_empty() {
        "unbound".into()
    } else {
        keys.join(" ")
    }
}

/// Every word is in the entry's keys, description or name, or in its group's `title`.
fn matches(title: &str, entry: &Entry, words: &[String]) -> bool {
    let haystack = format!(
        "{title} {} {} {}",
        entry.keys.to_lowercase(),
        entry.description.to_lowercase(),
        entry.name.replace('_', " ")
    );
    words.iter().all(|w| haystack.contains(w.as_str()))
}
