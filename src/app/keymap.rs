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
    SortNext,
    SortReverse,
    Refresh,
    Help,
    Quit,
}

impl Command {
    /// Every command, in the order the help screen lists them.
    pub const ALL: [Command; 14] = [
        Command::MoveDown,
        Command::MoveUp,
        Command::PageDown,
        Command::PageUp,
        Command::First,
        Command::Last,
        Command::Open,
        Command::Back,
        Command::Filter,
        Command::SortNext,
        Command::SortReverse,
        Command::Refresh,
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
            Command::Filter => "filter the list (fuzzy)",
            Command::SortNext => "sort by the next column",
            Command::SortReverse => "reverse the sort order",
            Command::Refresh => "refresh the current pane",
            Command::Help => "show or hide this help",
            Command::Quit => "quit",
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
    ("s", Command::SortNext),
    ("S", Command::SortReverse),
    ("r", Command::Refresh),
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
        assert_eq!(keymap.lookup(&press(KeyCode::Char('x'), none)), None);
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
