//! The dialogs over the images pane and their keys: a tag to type, a tag to pick, a
//! move or a delete to confirm, a call in flight, a report.

use super::copy;
use super::plan::{DeletePlan, check_tag, confirmed, delete_confirmed, put_tag, untag_plan};
use crate::app::action::Effect;
use crate::app::state::State;
use crate::app::usage::DeleteUsage;
use crate::ecr::names;
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Why a tag prompt was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagChoice {
    Untag,
    CopyTagged,
}

/// A modal dialog over the images pane.
#[derive(Debug)]
pub enum Dialog {
    /// Type a new tag for `digest`.
    TagPrompt {
        digest: String,
        input: Input,
        error: Option<String>,
        /// For a multi-arch index: that the tag names the index alone, its platforms
        /// staying as they are.
        note: Option<String>,
    },
    /// `tag` names another image now; moving it needs a yes.
    ConfirmMove {
        digest: String,
        tag: String,
        from: String,
    },
    /// Pick one of an image's tags.
    ChooseTag {
        choice: TagChoice,
        digest: String,
        tags: Vec<String>,
        selected: usize,
    },
    /// Confirm a delete; `typed` holds the repository name being typed for bulk deletes.
    ConfirmDelete {
        plan: DeletePlan,
        typed: Option<Input>,
        error: Option<String>,
        /// What runs the images in the plan (listed first, in the warning colour).
        usage: DeleteUsage,
    },
    /// The plan deletes images something runs: only an explicit `Y` goes on.
    ConfirmInUse {
        plan: DeletePlan,
        usage: DeleteUsage,
    },
    /// Archive an image or restore it from archive: what that means, warnings (`true`).
    ConfirmStorageClass {
        request: crate::app::archive::StorageClassRequest,
        lines: Vec<(String, bool)>,
    },
    /// Waiting for the registry.
    Busy { message: String },
    /// What happened, line by line (`true` marks a failure line).
    Report {
        title: String,
        lines: Vec<(String, bool)>,
    },
}

/// Keys while a dialog is open.
pub fn on_dialog_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(dialog) = state.dialog.take() else {
        return Vec::new();
    };
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Enter);
    let no = matches!(key.code, KeyCode::Char('n') | KeyCode::Esc);
    match dialog {
        Dialog::TagPrompt {
            digest,
            mut input,
            error,
            note,
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let tag = input.value().trim().to_string();
                match names::validate_tag(&tag) {
                    Ok(()) => return check_tag(state, digest, tag),
                    Err(err) => {
                        state.dialog = Some(Dialog::TagPrompt {
                            digest,
                            input,
                            error: Some(err.to_string()),
                            note,
                        })
                    }
                }
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                let _ = error;
                state.dialog = Some(Dialog::TagPrompt {
                    digest,
                    input,
                    error: None,
                    note,
                });
            }
        },
        Dialog::ConfirmMove { digest, tag, from } => {
            if yes {
                return put_tag(state, digest, tag);
            }
            if !no {
                state.dialog = Some(Dialog::ConfirmMove { digest, tag, from });
            }
        }
        Dialog::ChooseTag {
            choice,
            digest,
            tags,
            mut selected,
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => {
                let tag = tags[selected].clone();
                match choice {
                    TagChoice::CopyTagged => return copy(state, Some(Some(tag))),
                    TagChoice::Untag => {
                        let image = state.images.images.iter().find(|i| i.digest == digest);
                        if let Some(image) = image.cloned() {
                            untag_plan(state, &image, &tag);
                        }
                    }
                }
            }
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1).min(tags.len() - 1);
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                });
            }
            KeyCode::Up | KeyCode::Char('k') => {
                selected = selected.saturating_sub(1);
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                });
            }
            _ => {
                state.dialog = Some(Dialog::ChooseTag {
                    choice,
                    digest,
                    tags,
                    selected,
                })
            }
        },
        Dialog::ConfirmDelete {
            plan,
            typed: Some(mut input),
            usage,
            ..
        } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter if input.value() == plan.repository => {
                return confirmed(state, plan, usage);
            }
            KeyCode::Enter => {
                let error = Some(format!(
                    "type the repository name ({}) exactly to confirm",
                    plan.repository
                ));
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: Some(input),
                    error,
                    usage,
                });
            }
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: Some(input),
                    error: None,
                    usage,
                });
            }
        },
        Dialog::ConfirmDelete {
            plan,
            typed: None,
            usage,
            ..
        } => {
            if yes {
                return confirmed(state, plan, usage);
            }
            let has_referrers = plan.entries.iter().any(|e| e.referrer_of.is_some());
            if key.code == KeyCode::Char('r') && has_referrers {
                // Keep the referrers: the plan shrinks to the images asked for, and the
                // confirmation is asked again for what is left.
                let mut plan = plan;
                plan.entries.retain(|e| e.referrer_of.is_none());
                plan.skipped
                    .push("referrers kept: they will name images that are gone".to_string());
                super::plan::open_confirm(state, plan);
                return Vec::new();
            }
            if !no {
                state.dialog = Some(Dialog::ConfirmDelete {
                    plan,
                    typed: None,
                    error: None,
                    usage,
                });
            }
        }
        Dialog::ConfirmInUse { plan, usage } => match key.code {
            KeyCode::Char('Y') => return delete_confirmed(state, plan),
            KeyCode::Esc | KeyCode::Char('n') => {}
            _ => state.dialog = Some(Dialog::ConfirmInUse { plan, usage }),
        },
        Dialog::ConfirmStorageClass { request, lines } => {
            return crate::app::archive::on_confirm_key(state, request, lines, yes, no);
        }
        // The registry call is in flight: it cannot be taken back, so wait for it. The
        // key is held, not lost: it acts once the answer has arrived.
        busy @ Dialog::Busy { .. } => {
            crate::app::update::hold(state, key);
            state.dialog = Some(busy);
        }
        // A report closes with its own keys only: any other key would be taken by the
        // dialog and lost, so it does nothing (the report's last line says so).
        report @ Dialog::Report { .. } => {
            if !closes_report(&key) {
                state.dialog = Some(report);
            }
        }
    }
    Vec::new()
}

/// The keys that close a report (named on its last line).
pub fn closes_report(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'))
}
