//! The `:` command line: editing, history, completion, and running what was typed.

use super::findings::findings_effects;
use super::jump::apply_repository_jump;
use super::navigate::{current_target, refresh, switch_registry, toggle_audit};
use super::{on_command, open_help, quit};
use crate::app::action::Effect;
use crate::app::command::{self, CompletionSources, LineCommand};
use crate::app::findings::TriageTarget;
use crate::app::keymap::Command;
use crate::app::state::{Jump, Mode, Pane, State};
use crate::app::status::{Scope, Topic};
use crate::ecr::findings::sweep::Origin;
use crate::ecr::model::{CredentialSource, RegistryTarget, Severity};
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

/// Keys while the `:` line is open: edit, complete (tab), recall (up/down), run (enter).
pub(super) fn on_command_line_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.mode = Mode::Normal;
            state.completions.clear();
            Vec::new()
        }
        KeyCode::Enter => {
            state.mode = Mode::Normal;
            state.completions.clear();
            let line = state.command_input.value().trim().to_string();
            if line.is_empty() {
                return Vec::new();
            }
            if state.command_history.last() != Some(&line) {
                state.command_history.push(line.clone());
                let excess = state.command_history.len().saturating_sub(HISTORY_LIMIT);
                state.command_history.drain(..excess);
            }
            let mut effects = vec![Effect::SaveHistory {
                lines: state.command_history.clone(),
            }];
            match command::parse(&line) {
                Ok(parsed) => {
                    // A command line that parses answers the one that did not.
                    state.status.succeeded(Topic::Command, &Scope::Here);
                    effects.extend(run_line(state, parsed));
                }
                // A bare word that is no command but names a repository of this
                // registry (`:nginx`) is a jump to it.
                Err(_)
                    if state
                        .repositories
                        .rows
                        .iter()
                        .any(|row| row.repo.name == line.trim()) =>
                {
                    state.status.succeeded(Topic::Command, &Scope::Here);
                    effects.extend(run_line(state, command::jump(line.trim())));
                }
                Err(err) => state.status.error(Topic::Command, err.to_string()),
            }
            effects
        }
        KeyCode::Tab => {
            let repositories: Vec<&str> = state
                .repositories
                .rows
                .iter()
                .map(|r| r.repo.name.as_str())
                .collect();
            let mut profiles: Vec<String> = Vec::new();
            let mut regions: Vec<String> = Vec::new();
            for row in &state.registries.rows {
                let profile = row.target.source.label().to_string();
                if !profiles.contains(&profile) {
                    profiles.push(profile);
                }
                if !regions.contains(&row.target.region) {
                    regions.push(row.target.region.clone());
                }
            }
            let sources = CompletionSources {
                profiles: &profiles,
                regions: &regions,
                themes: &state.theme_names,
                repositories: &repositories,
            };
            let (completed, candidates) = command::complete(state.command_input.value(), &sources);
            state.command_input = tui_input::Input::new(completed);
            state.completions = if candidates.len() > 1 {
                candidates
            } else {
                Vec::new()
            };
            Vec::new()
        }
        KeyCode::Up | KeyCode::Down => {
            let history = &state.command_history;
            if history.is_empty() {
                return Vec::new();
            }
            let cursor = match (state.history_cursor, key.code) {
                (None, KeyCode::Up) => Some(history.len() - 1),
                (Some(i), KeyCode::Up) => Some(i.saturating_sub(1)),
                (Some(i), KeyCode::Down) if i + 1 < history.len() => Some(i + 1),
                _ => None,
            };
            state.history_cursor = cursor;
            let text = cursor.map(|i| history[i].clone()).unwrap_or_default();
            state.command_input = tui_input::Input::new(text);
            Vec::new()
        }
        _ => {
            state
                .command_input
                .handle_event(&crossterm::event::Event::Key(key));
            Vec::new()
        }
    }
}

/// How many command lines are kept.
const HISTORY_LIMIT: usize = 200;

/// Run a parsed command line.
fn run_line(state: &mut State, line: LineCommand) -> Vec<Effect> {
    // A command that goes somewhere else closes the view over the pane, which would
    // otherwise keep showing the repository it was opened on.
    let moves = !matches!(
        line,
        LineCommand::Quit | LineCommand::Help(_) | LineCommand::Theme(_) | LineCommand::Refresh
    );
    if moves {
        state.info.visible = false;
        state.lifecycle.visible = false;
        state.image_detail.visible = false;
    }
    match line {
        LineCommand::Quit => quit(state),
        LineCommand::Help(search) => {
            open_help(state);
            state.help.search = tui_input::Input::new(search);
            Vec::new()
        }
        LineCommand::Refresh => refresh(state),
        LineCommand::Findings => on_command(state, Command::Findings),
        LineCommand::Criticals { everywhere } => {
            // From the registries pane, the registries are what the user is looking at.
            let everywhere = everywhere || state.pane == Pane::Registries;
            if state.pane != Pane::Triage {
                state.triage_return = state.pane;
            }
            let targets = if everywhere && state.registries.rows.len() > 1 {
                state
                    .registries
                    .rows
                    .iter()
                    .map(|row| TriageTarget {
                        registry: row.target.clone(),
                        origin: Some(std::sync::Arc::new(Origin {
                            account: row.account.clone().unwrap_or_default(),
                            account_name: row
                                .target
                                .source
                                .member()
                                .map(|m| m.name.clone())
                                .filter(|n| !n.is_empty())
                                .or_else(|| {
                                    // A profile's registry: the profile names it.
                                    Some(row.target.source.label().to_string())
                                }),
                            region: row.target.region.clone(),
                        })),
                    })
                    .collect()
            } else {
                vec![TriageTarget {
                    registry: state.repositories.registry.clone(),
                    origin: None,
                }]
            };
            state.pane = Pane::Triage;
            findings_effects(state.triage.open(targets, Severity::High))
        }
        LineCommand::Audit => toggle_audit(state),
        LineCommand::Registries => {
            state.pane = Pane::Registries;
            Vec::new()
        }
        LineCommand::Repositories => {
            state.pane = Pane::Repositories;
            Vec::new()
        }
        LineCommand::Images => {
            if state.images.repository.is_some() {
                state.pane = Pane::Images;
            } else {
                state.status.error(
                    Topic::Command,
                    "no repository opened yet — pick one and press Enter",
                );
            }
            Vec::new()
        }
        LineCommand::Theme(name) => vec![Effect::LoadTheme { name }],
        LineCommand::Profile(profile) => {
            let region = current_target(state).region;
            let source = if profile == "env" {
                CredentialSource::Environment
            } else {
                CredentialSource::Profile(profile)
            };
            switch_registry(state, RegistryTarget::new(source, region))
        }
        LineCommand::Region(region) => {
            let source = current_target(state).source;
            switch_registry(state, RegistryTarget::new(source, region))
        }
        LineCommand::Jump { repository, tag } => {
            state.jump = Some(Jump {
                repository,
                tag,
                open: true,
            });
            // While repositories are still listed, a later page may bring it.
            let done = state.repositories.loading.is_none();
            apply_repository_jump(state, done)
        }
    }
}
