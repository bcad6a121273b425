//! The help overlay's own state (its search, whether keys go to it, how far it is
//! scrolled) and its keys.

use crate::app::keymap::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// The help overlay's own state: its search and how far it is scrolled.
#[derive(Debug, Default)]
pub struct HelpView {
    pub search: Input,
    /// Keys go to the search field.
    pub typing: bool,
    pub scroll: usize,
}

/// What a key did to the help.
#[derive(Debug, PartialEq, Eq)]
pub enum HelpOutcome {
    Stay,
    Close,
    Quit,
}

impl HelpView {
    pub fn open() -> Self {
        Self::default()
    }

    pub fn query(&self) -> &str {
        self.search.value()
    }

    /// Handle a key; `command` is what the keymap makes of it.
    pub fn on_key(&mut self, key: KeyEvent, command: Option<Command>) -> HelpOutcome {
        let quit = command == Some(Command::Quit);
        if self.typing {
            // Letters are the search's; only a chord bound to quit (ctrl-c) leaves berth.
            if quit && key.modifiers.contains(KeyModifiers::CONTROL) {
                return HelpOutcome::Quit;
            }
            match key.code {
                KeyCode::Esc => {
                    self.search.reset();
                    self.typing = false;
                }
                KeyCode::Enter => self.typing = false,
                KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
                KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
                _ => {
                    self.search.handle_event(&crossterm::event::Event::Key(key));
                    self.scroll = 0;
                }
            }
            return HelpOutcome::Stay;
        }
        // Quitting from help works, except with a plain `q`: that closes the help.
        if quit && key.code != KeyCode::Char('q') {
            return HelpOutcome::Quit;
        }
        match (key.code, command) {
            (KeyCode::Char('/'), _) | (_, Some(Command::Filter)) => {
                self.typing = true;
                HelpOutcome::Stay
            }
            (_, Some(Command::MoveDown)) => {
                self.scroll = self.scroll.saturating_add(1);
                HelpOutcome::Stay
            }
            (_, Some(Command::MoveUp)) => {
                self.scroll = self.scroll.saturating_sub(1);
                HelpOutcome::Stay
            }
            (_, Some(Command::PageDown)) => {
                self.scroll = self.scroll.saturating_add(10);
                HelpOutcome::Stay
            }
            (_, Some(Command::PageUp)) => {
                self.scroll = self.scroll.saturating_sub(10);
                HelpOutcome::Stay
            }
            (_, Some(Command::First)) => {
                self.scroll = 0;
                HelpOutcome::Stay
            }
            (_, Some(Command::Last)) => {
                self.scroll = usize::MAX;
                HelpOutcome::Stay
            }
            // A search that is kept: Esc clears it before it closes the help.
            (KeyCode::Esc, _) if !self.search.value().is_empty() => {
                self.search.reset();
                self.scroll = 0;
                HelpOutcome::Stay
            }
            // The help closes with its own keys only (`q` among them: quitting takes a
            // second `q`); any other key does nothing rather than close and be lost.
            (KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'), _) | (_, Some(Command::Help)) => {
                HelpOutcome::Close
            }
            _ => HelpOutcome::Stay,
        }
    }
}
