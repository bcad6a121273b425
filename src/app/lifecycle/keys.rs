//! The lifecycle view's keys: movement, edit, load a file, apply with confirmation, and
//! ask for ECR's preview.

use super::{ConfirmedApply, Dialog, EcrCheck, LifecycleEffect, LifecycleView, Section, Stage};
use crate::app::keymap::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// What `e` opens when the repository has no policy yet: a common, harmless first rule.
pub const STARTER_POLICY: &str = r#"{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Expire untagged images after 14 days",
      "selection": {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14
      },
      "action": {
        "type": "expire"
      }
    }
  ]
}
"#;

/// The view's own keys, for the help screen: key, short label, what it does. Movement,
/// `r` and `Esc` follow the keymap.
pub const KEY_HELP: [(&str, &str, &str); 6] = [
    (
        "e",
        "edit",
        "edit the policy in $EDITOR (the dry run reruns on save)",
    ),
    ("o", "open", "load a policy from a file"),
    (
        "a",
        "apply",
        "apply the policy to the repository (asks first)",
    ),
    (
        "p",
        "ECR preview",
        "compare with ECR's own lifecycle preview",
    ),
    (
        "x",
        "expiring",
        "show only the images that expire / every image",
    ),
    (
        "tab",
        "policy",
        "switch between the images and the policy text",
    ),
];

/// What a key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    /// A global key (quit, help, `:`): handle it as usual.
    Ignored,
    /// Handled; redraw.
    Handled,
    /// The user left the view (`Esc`); it is no longer visible.
    Close,
    /// Handled, and the runtime has work to do.
    Effect(LifecycleEffect),
}

impl LifecycleView {
    /// Handle a key. `command` is what the keymap makes of it (for movement, `Esc`, `r`);
    /// `height` is the number of visible table rows, for paging.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        command: Option<Command>,
        read_only: bool,
        height: usize,
    ) -> KeyOutcome {
        self.message = None;
        match std::mem::take(&mut self.dialog) {
            Dialog::None => {}
            Dialog::LoadPath(input) => return self.on_path_key(key, input),
            Dialog::ConfirmApply { typed, needs_name } => {
                return self.on_confirm_key(key, typed, needs_name);
            }
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return self.on_command(command, height);
        }
        match key.code {
            KeyCode::Char('e') => self.edit(),
            KeyCode::Char('o') => {
                self.dialog = Dialog::LoadPath(Input::default());
                KeyOutcome::Handled
            }
            KeyCode::Char('a') => self.ask_apply(read_only),
            KeyCode::Char('p') => self.ask_ecr_preview(read_only),
            KeyCode::Char('x') => {
                self.expiring_only = !self.expiring_only;
                self.rebuild_rows();
                self.list.scroll_into_view(height);
                KeyOutcome::Handled
            }
            KeyCode::Tab => {
                self.section = match self.section {
                    Section::Images => Section::Policy,
                    Section::Policy => Section::Images,
                };
                KeyOutcome::Handled
            }
            _ => self.on_command(command, height),
        }
    }

    fn on_command(&mut self, command: Option<Command>, height: usize) -> KeyOutcome {
        // Keys of the panes underneath (delete, tag, filter, …) must not act on rows the
        // user cannot see: only quitting, help and the command line pass through.
        let Some(command) = command else {
            return KeyOutcome::Handled;
        };
        let page = height.max(1) as isize;
        let policy = self.section == Section::Policy;
        let scroll = |view: &mut LifecycleView, delta: isize| {
            let last = view.policy_lines.len().saturating_sub(1);
            view.policy_scroll = view.policy_scroll.saturating_add_signed(delta).min(last);
        };
        match command {
            Command::MoveDown if policy => scroll(self, 1),
            Command::MoveUp if policy => scroll(self, -1),
            Command::PageDown if policy => scroll(self, page),
            Command::PageUp if policy => scroll(self, -page),
            Command::First if policy => self.policy_scroll = 0,
            Command::Last if policy => scroll(self, isize::MAX),
            _ if self.list.navigate(command, height) => {}
            Command::Back => {
                self.visible = false;
                return KeyOutcome::Close;
            }
            Command::Refresh => {
                self.stage = Stage::Loading;
                self.ecr = EcrCheck::NotAsked;
                // The images may have changed: their storage figures are read again.
                self.storage_requested(0);
                return KeyOutcome::Effect(self.load_effect());
            }
            Command::Quit | Command::Help | Command::CommandLine => return KeyOutcome::Ignored,
            _ => {}
        }
        KeyOutcome::Handled
    }

    fn edit(&mut self) -> KeyOutcome {
        if self.stage != Stage::Ready {
            self.message = Some("wait until the policy and images are loaded".into());
            return KeyOutcome::Handled;
        }
        KeyOutcome::Effect(LifecycleEffect::Edit {
            text: self
                .text
                .clone()
                .unwrap_or_else(|| STARTER_POLICY.to_string()),
            generation: self.generation,
        })
    }

    fn on_path_key(&mut self, key: KeyEvent, mut input: Input) -> KeyOutcome {
        match key.code {
            KeyCode::Esc => KeyOutcome::Handled,
            KeyCode::Enter => {
                let path = input.value().trim().to_string();
                if path.is_empty() {
                    return KeyOutcome::Handled;
                }
                KeyOutcome::Effect(LifecycleEffect::ReadFile {
                    path: PathBuf::from(path),
                    generation: self.generation,
                })
            }
            _ if key.modifiers.contains(KeyModifiers::CONTROL)
                && key.code == KeyCode::Char('c') =>
            {
                KeyOutcome::Ignored
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                self.dialog = Dialog::LoadPath(input);
                KeyOutcome::Handled
            }
        }
    }

    fn ask_apply(&mut self, read_only: bool) -> KeyOutcome {
        let refusal = if read_only {
            Some(format!(
                "read-only mode: putting a lifecycle policy on {} was not attempted",
                self.repository
            ))
        } else if self.stage != Stage::Ready {
            Some("wait until the policy and images are loaded".into())
        } else if self.applying {
            Some("the policy is being applied".into())
        } else if self.text.is_none() {
            Some("no policy to apply — press e to write one or o to load a file".into())
        } else if let Some(err) = &self.error {
            Some(format!("the policy is invalid, fix it first (e): {err}"))
        } else if !self.is_unapplied() {
            Some(format!("this is already {}'s policy", self.repository))
        } else {
            None
        };
        if let Some(refusal) = refusal {
            self.problem = Some(refusal);
            return KeyOutcome::Handled;
        }
        let needs_name = self
            .dry_run
            .as_ref()
            .is_some_and(|run| run.summary.expired > 0);
        self.dialog = Dialog::ConfirmApply {
            typed: Input::default(),
            needs_name,
        };
        KeyOutcome::Handled
    }

    fn on_confirm_key(&mut self, key: KeyEvent, mut typed: Input, needs_name: bool) -> KeyOutcome {
        match key.code {
            KeyCode::Esc => return KeyOutcome::Handled,
            _ if key.modifiers.contains(KeyModifiers::CONTROL)
                && key.code == KeyCode::Char('c') =>
            {
                return KeyOutcome::Ignored;
            }
            KeyCode::Enter if needs_name => {
                if typed.value() != self.repository {
                    self.problem = Some(format!(
                        "type {} exactly to apply, or Esc to cancel",
                        self.repository
                    ));
                    self.dialog = Dialog::ConfirmApply { typed, needs_name };
                    return KeyOutcome::Handled;
                }
            }
            KeyCode::Char('y') | KeyCode::Enter if !needs_name => {}
            KeyCode::Char('n') if !needs_name => return KeyOutcome::Handled,
            _ => {
                if needs_name {
                    typed.handle_event(&crossterm::event::Event::Key(key));
                }
                self.dialog = Dialog::ConfirmApply { typed, needs_name };
                return KeyOutcome::Handled;
            }
        }
        let Some(text) = self.text.clone() else {
            return KeyOutcome::Handled;
        };
        self.applying = true;
        self.problem = None;
        KeyOutcome::Effect(LifecycleEffect::Apply(ConfirmedApply {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            text,
            generation: self.generation,
        }))
    }

    fn ask_ecr_preview(&mut self, read_only: bool) -> KeyOutcome {
        if read_only {
            // Starting ECR's preview is a write; the gate would refuse it too.
            self.problem = Some(
                crate::safety::Refused::ReadOnly {
                    action: crate::safety::START_LIFECYCLE_PREVIEW,
                    repository: self.repository.clone(),
                }
                .to_string(),
            );
            return KeyOutcome::Handled;
        }
        let refusal = if self.stage != Stage::Ready {
            Some("wait until the policy and images are loaded")
        } else if self.ecr == EcrCheck::Running {
            Some("ECR's preview is already running")
        } else if self.text.is_none() {
            Some("no policy to preview — press e to write one or o to load a file")
        } else if self.error.is_some() {
            Some("the policy is invalid, fix it first (e)")
        } else {
            None
        };
        if let Some(refusal) = refusal {
            self.message = Some(refusal.into());
            return KeyOutcome::Handled;
        }
        self.ecr = EcrCheck::Running;
        KeyOutcome::Effect(LifecycleEffect::EcrPreview {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            text: self.text.clone().unwrap_or_default(),
            generation: self.generation,
        })
    }
}
