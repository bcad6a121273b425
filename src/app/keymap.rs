//! Keys → commands. One vocabulary (snake_case command names) for the keymap, the help
//! screen and, later, the config file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something the user asked for, independent of the key that asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    First,
    Last,
    Open,
    Back,
    Filter,
    CommandLine,
    SortNext,
    SortReverse,
    Refresh,
    Mark,
    MarkAll,
    Tag,
    Untag,
    Delete,
    CopyUri,
    CopyTaggedUri,
    Lifecycle,
    /// Settings and policies of the selected repository, read-only: the info view. Its
    /// name stays `repository_detail`, the name users' `[keys]` tables use.
    RepositoryDetail,
    Audit,
    FilterInUse,
    FilterNotInUse,
    /// Open the scan findings of the selected image.
    Findings,
    /// The selected image's config and layers, read from its manifest.
    Layers,
    /// The selected image's referrers, platforms, replication and signing status.
    ImageDetail,
    /// Move the selected image to ECR's archive storage class (asks first).
    Archive,
    /// Restore the selected archived image to standard storage (asks first).
    RestoreFromArchive,
    /// Cycle the images shown: all, archived only, active only.
    FilterArchived,
    /// Unfold or fold the referrers and platforms under the selected image.
    Fold,
    /// Show every manifest as its own row, or fold them into the tree again.
    FlatView,
    /// Start a scan of the selected (or marked) images.
    Scan,
    /// Show or hide CRITICAL findings (`1`), HIGH (`2`), MEDIUM (`3`), LOW (`4`), the
    /// rest (`5`).
    ToggleCritical,
    ToggleHigh,
    ToggleMedium,
    ToggleLow,
    ToggleOther,
    Help,
    Quit,
}

impl Command {
    /// Every command, in the order the help screen lists them.
    pub const ALL: [Command; 41] = [
        Command::MoveDown,
        Command::MoveUp,
        Command::PageDown,
        Command::PageUp,
        Command::First,
        Command::Last,
        Command::Open,
        Command::Back,
        Command::Filter,
        Command::CommandLine,
        Command::SortNext,
        Command::SortReverse,
        Command::Refresh,
        Command::Mark,
        Command::MarkAll,
        Command::Tag,
        Command::Untag,
        Command::Delete,
        Command::CopyUri,
        Command::CopyTaggedUri,
        Command::Lifecycle,
        Command::RepositoryDetail,
        Command::Audit,
        Command::FilterInUse,
        Command::FilterNotInUse,
        Command::Findings,
        Command::Layers,
        Command::ImageDetail,
        Command::Archive,
        Command::RestoreFromArchive,
        Command::FilterArchived,
        Command::Fold,
        Command::FlatView,
        Command::Scan,
        Command::ToggleCritical,
        Command::ToggleHigh,
        Command::ToggleMedium,
        Command::ToggleLow,
        Command::ToggleOther,
        Command::Help,
        Command::Quit,
    ];

    /// What the command does, for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Command::MoveUp => "move up",
            Command::MoveDown => "move down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::First => "go to the first row",
            Command::Last => "go to the last row",
            Command::Open => "open the selection (drill in)",
            Command::Back => "go back / clear the filter",
            Command::Filter => "filter the list (best matches first)",
            Command::CommandLine => "command line (:repos, :region NAME, :payments/api, …)",
            Command::SortNext => "sort by the next column",
            Command::SortReverse => "reverse the sort order",
            Command::Refresh => "refresh the current pane",
            Command::Mark => "mark / unmark the image (bulk actions)",
            Command::MarkAll => "mark all visible images (again: unmark)",
            Command::Tag => "add or move a tag on the image",
            Command::Untag => "remove one tag (the last one deletes the image)",
            Command::Delete => "delete the marked or selected images",
            Command::CopyUri => "copy the digest-pinned URI (REPO@sha256:…)",
            Command::CopyTaggedUri => "copy REPO:TAG@sha256:…",
            Command::Lifecycle => "lifecycle policy dry run of the repository",
            Command::RepositoryDetail => "repository detail: settings, policies, registry rules",
            Command::Audit => "audit columns: untagged, stale, reclaimable (toggle)",
            Command::FilterInUse => "only images in use by ECS or Lambda (toggle)",
            Command::FilterNotInUse => "only images not in use (toggle)",
            Command::Findings => "scan findings of the selected image",
            Command::Layers => "the image's layers and how many images share each",
            Command::ImageDetail => "image detail: referrers, platforms, replication, signing",
            Command::Archive => "archive the image: kept and billed, no longer pullable (asks)",
            Command::RestoreFromArchive => "restore the archived image to standard storage (asks)",
            Command::FilterArchived => "show all images → archived only → active only",
            Command::Fold => "unfold / fold the image's signatures, SBOMs, platforms",
            Command::FlatView => "every manifest its own row ↔ folded under its image",
            Command::Scan => "start a scan of the selected or marked images",
            Command::ToggleCritical => "findings: show or hide critical",
            Command::ToggleHigh => "findings: show or hide high",
            Command::ToggleMedium => "findings: show or hide medium",
            Command::ToggleLow => "findings: show or hide low",
            Command::ToggleOther => "findings: show or hide informational and undefined",
            Command::Help => "show or hide this help",
            Command::Quit => "quit",
        }
    }
}

impl Command {
    /// How far a movement command scrolls a view of `page` lines: None for a command
    /// that does not move.
    pub fn scroll_delta(self, page: isize) -> Option<isize> {
        match self {
            Command::MoveDown => Some(1),
            Command::MoveUp => Some(-1),
            Command::PageDown => Some(page),
            Command::PageUp => Some(-page),
            Command::First => Some(isize::MIN),
            Command::Last => Some(isize::MAX),
            _ => None,
        }
    }
}

/// What a command does in a read-only text view over a pane (the repository info, layers
/// and image detail views): they scroll, close, reload and copy alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKey {
    /// Scroll by this many lines.
    Scroll(isize),
    Close,
    Reload,
    CopyUri,
    /// Not the view's key: help, the command line and ctrl-c act as everywhere.
    PassOn,
    /// A key of the pane underneath, which must not act on rows the user cannot see.
    Other,
}

impl Command {
    /// What this command, pressed as `key`, does in a view of `page` lines that `own`
    /// opens (and closes again).
    pub fn in_view(self, key: &KeyEvent, own: Command, page: isize) -> ViewKey {
        if let Some(delta) = self.scroll_delta(page) {
            return ViewKey::Scroll(delta);
        }
        match self {
            // `q` leaves the view, as it leaves help; ctrl-c still quits.
            Command::Quit if key.code != KeyCode::Char('q') => ViewKey::PassOn,
            Command::Back | Command::Quit => ViewKey::Close,
            command if command == own => ViewKey::Close,
            Command::Refresh => ViewKey::Reload,
            Command::CopyUri => ViewKey::CopyUri,
            Command::Help | Command::CommandLine => ViewKey::PassOn,
            _ => ViewKey::Other,
        }
    }
}

/// A key with modifiers, parsed from and printed as `ctrl-c`, `j`, `pgdn`, `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// Parse a key description. Uppercase letters imply shift.
    pub fn parse(text: &str) -> Option<Key> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key { code, modifiers })
    }

    /// Normalise a terminal key event so it compares equal to a parsed key.
    pub fn from_event(event: &KeyEvent) -> Key {
        // Terminals report shift with uppercase letters and symbols inconsistently; the
        // character itself already says it.
        let modifiers = match event.code {
            KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
            _ => event.modifiers,
        };
        Key {
            code: event.code,
            modifiers,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            write!(f, "ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            write!(f, "alt-")?;
        }
        match self.code {
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::PageUp => write!(f, "pgup"),
            KeyCode::PageDown => write!(f, "pgdn"),
            KeyCode::Home => write!(f, "home"),
            KeyCode::End => write!(f, "end"),
            KeyCode::Enter => write!(f, "enter"),
            KeyCode::Esc => write!(f, "esc"),
            KeyCode::Tab => write!(f, "tab"),
            KeyCode::Backspace => write!(f, "backspace"),
            KeyCode::Char(' ') => write!(f, "space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The live key bindings.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<(Key, Command)>,
}

const DEFAULT_BINDINGS: &[(&str, Command)] = &[
    ("j", Command::MoveDown),
    ("down", Command::MoveDown),
    ("k", Command::MoveUp),
    ("up", Command::MoveUp),
    ("pgdn", Command::PageDown),
    ("ctrl-f", Command::PageDown),
    ("pgup", Command::PageUp),
    ("ctrl-b", Command::PageUp),
    ("home", Command::First),
    ("g", Command::First),
    ("end", Command::Last),
    ("G", Command::Last),
    ("enter", Command::Open),
    ("esc", Command::Back),
    ("/", Command::Filter),
    (":", Command::CommandLine),
    ("s", Command::SortNext),
    ("S", Command::SortReverse),
    ("r", Command::Refresh),
    ("space", Command::Mark),
    ("V", Command::MarkAll),
    ("*", Command::MarkAll),
    ("t", Command::Tag),
    ("T", Command::Untag),
    ("d", Command::Delete),
    ("y", Command::CopyUri),
    ("Y", Command::CopyTaggedUri),
    ("L", Command::Lifecycle),
    ("i", Command::RepositoryDetail),
    ("A", Command::Audit),
    ("u", Command::FilterInUse),
    ("U", Command::FilterNotInUse),
    ("f", Command::Findings),
    ("l", Command::Layers),
    ("I", Command::ImageDetail),
    ("a", Command::Archive),
    ("w", Command::RestoreFromArchive),
    ("v", Command::FilterArchived),
    ("z", Command::Fold),
    ("Z", Command::FlatView),
    ("x", Command::Scan),
    ("1", Command::ToggleCritical),
    ("2", Command::ToggleHigh),
    ("3", Command::ToggleMedium),
    ("4", Command::ToggleLow),
    ("5", Command::ToggleOther),
    ("?", Command::Help),
    ("q", Command::Quit),
    ("ctrl-c", Command::Quit),
];

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULT_BINDINGS
            .iter()
            .map(|(key, command)| (Key::parse(key).expect("default key parses"), *command))
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    /// The command bound to a key event.
    pub fn lookup(&self, event: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(event);
        self.bindings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, command)| *command)
    }

    /// The keys bound to a command, in binding order.
    pub fn keys_for(&self, command: Command) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, c)| *c == command)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The first key bound to a command, as text, for hints in the UI.
    pub fn hint(&self, command: Command) -> String {
        self.keys_for(command)
            .first()
            .map_or_else(|| "unbound".to_string(), Key::to_string)
    }
}

/// How a config entry changes a command's default keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindMode {
    /// The keys become the command's only keys (`[keys]`).
    Replace,
    /// The keys go before the command's own, so hints show them (`[keys.prepend]`).
    Prepend,
    /// The keys go after the command's own (`[keys.append]`).
    Append,
}

/// One change to the default bindings, as the config file asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOverride {
    pub command: Command,
    pub keys: Vec<Key>,
    pub mode: BindMode,
}

/// Why a set of overrides was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("key {key} is bound to both {} and {}", command_name(*first), command_name(*second))]
    Conflict {
        key: Key,
        first: Command,
        second: Command,
    },
    #[error("quit has no key left; bind at least one so berth can be left")]
    QuitUnbound,
}

/// The snake_case name of a command, as the config file and the help screen spell it.
pub fn command_name(command: Command) -> String {
    // Serde owns the spelling, so commands added later are named without a second table.
    match serde_json::to_value(command) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{command:?}"),
    }
}

impl Keymap {
    /// The default bindings changed by `overrides`.
    ///
    /// Every replacement is applied before any prepend or append, so swapping two keys works
    /// in whatever order the entries come. All-or-nothing: when any key ends up on two
    /// commands (or quit loses all its keys) every problem is returned and nothing applies,
    /// so the caller can keep the defaults rather than run with a half-broken keymap.
    pub fn with_overrides(overrides: &[KeyOverride]) -> Result<Keymap, Vec<KeymapError>> {
        let mut bindings = Keymap::default().bindings;
        let replaced: Vec<Command> = overrides
            .iter()
            .filter(|o| o.mode == BindMode::Replace)
            .map(|o| o.command)
            .collect();
        bindings.retain(|(_, command)| !replaced.contains(command));
        let by_mode = |mode: BindMode| overrides.iter().filter(move |o| o.mode == mode);
        for change in by_mode(BindMode::Replace).chain(by_mode(BindMode::Append)) {
            for key in &change.keys {
                if !bindings.contains(&(*key, change.command)) {
                    bindings.push((*key, change.command));
                }
            }
        }
        for change in by_mode(BindMode::Prepend) {
            let mut at = bindings
                .iter()
                .position(|(_, command)| *command == change.command)
                .unwrap_or(bindings.len());
            for key in &change.keys {
                let binding = (*key, change.command);
                if let Some(existing) = bindings.iter().position(|b| *b == binding) {
                    bindings.remove(existing);
                    if existing < at {
                        at -= 1;
                    }
                }
                bindings.insert(at, binding);
                at += 1;
            }
        }

        let mut errors = Vec::new();
        for (index, (key, command)) in bindings.iter().enumerate() {
            let earlier = bindings[..index]
                .iter()
                .find(|(k, c)| k == key && c != command);
            if let Some((_, first)) = earlier {
                let conflict = KeymapError::Conflict {
                    key: *key,
                    first: *first,
                    second: *command,
                };
                if !errors.contains(&conflict) {
                    errors.push(conflict);
                }
            }
        }
        if !bindings.iter().any(|(_, c)| *c == Command::Quit) {
            errors.push(KeymapError::QuitUnbound);
        }
        if errors.is_empty() {
            Ok(Keymap { bindings })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn default_keys_follow_k9s_and_lazygit_habits() {
        let keymap = Keymap::default();
        let none = KeyModifiers::NONE;
        assert_eq!(
            keymap.lookup(&press(KeyCode::Char('j'), none)),
            Some(Command::MoveDown)
        );
        assert_eq!(
            keymap.lookup(&press(KeyCode::Down, none)),
            Some(Command::MoveDown)
        );
        assert_eq!(
            keymap.lookup(&press(KeyCode::Char('/'), none)),
            Some(Command::Filter)
        );
        assert_eq!(
            keymap.lookup(&press(KeyCode::Char('S'), KeyModifiers::SHIFT)),
            Some(Command::SortReverse)
        );
        assert_eq!(
            keymap.lookup(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            keymap.lookup(&press(KeyCode::Char('x'), none)),
            Some(Command::Scan)
        );
        assert_eq!(keymap.lookup(&press(KeyCode::Char('m'), none)), None);
    }

    #[test]
    fn every_command_has_a_key_and_keys_print_back() {
        let keymap = Keymap::default();
        for command in Command::ALL {
            assert!(!keymap.keys_for(command).is_empty(), "{command:?} unbound");
        }
        for text in ["ctrl-c", "j", "pgdn", "?", "G", "space", "alt-x"] {
            assert_eq!(Key::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Key::parse("nonsense"), None);
    }
}
