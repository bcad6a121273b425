//! The lifecycle view: one repository's policy, berth's dry run of it, and the keys that
//! change it (`e` edit, `o` load a file, `a` apply, `p` compare with ECR's own preview).
//!
//! Pure like the rest of `app`: keys and results go in, [`LifecycleEffect`]s come out,
//! and the clock arrives as an argument. The dry run is kept as owned data (a
//! digest → [`Disposition`] map and a [`Summary`]) because the engine's `Plan` borrows
//! the images it was computed from.

mod pretty;
#[cfg(test)]
pub(crate) mod tests;

pub use pretty::pretty_lines;

use super::keymap::Command;
use super::list::ListView;
use crate::ecr::EcrError;
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewStatus};
use crate::lifecycle::{
    Candidate, Disposition, ImageRecord, Plan, Policy, PolicyError, RuleOutcome, evaluate,
    parse_policy,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
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

/// Work the view asks the runtime for; the runtime answers with a [`LifecycleEvent`]
/// carrying the same generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleEffect {
    /// Read the repository's policy (GetLifecyclePolicy) and every image, with
    /// manifest-list children marked (DescribeImages + BatchGetImage).
    Load {
        registry: crate::app::action::RegistryId,
        repository: String,
        generation: u64,
    },
    /// Suspend the terminal and edit `text` in `$VISUAL` / `$EDITOR` / `vi`.
    Edit { text: String, generation: u64 },
    /// Read a policy file.
    ReadFile { path: PathBuf, generation: u64 },
    /// PutLifecyclePolicy, after the user confirmed.
    Apply(ConfirmedApply),
    /// Start ECR's own preview of `text` and wait a while for it.
    EcrPreview {
        registry: crate::app::action::RegistryId,
        repository: String,
        text: String,
        generation: u64,
    },
}

impl LifecycleEffect {
    /// Whether the effect needs the terminal (the editor), so the UI loop must run it
    /// itself instead of handing it to a background task.
    pub fn needs_terminal(&self) -> bool {
        matches!(self, LifecycleEffect::Edit { .. })
    }
}

/// A PutLifecyclePolicy the user confirmed. Only the view's confirmation dialog makes
/// one, so applying a policy cannot skip the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedApply {
    registry: crate::app::action::RegistryId,
    repository: String,
    text: String,
    generation: u64,
}

impl ConfirmedApply {
    /// The registry the repository is in.
    pub fn registry(&self) -> &crate::app::action::RegistryId {
        &self.registry
    }
    /// The repository to put the policy on.
    pub fn repository(&self) -> &str {
        &self.repository
    }
    /// The policy text, exactly as dry-run.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The view generation the answer must carry.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What the repository holds, as [`LifecycleEffect::Load`] read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedRepository {
    /// The current policy text; `None` when the repository has none.
    pub policy: Option<String>,
    pub images: Vec<ImageRecord>,
}

/// Results of the view's effects.
#[derive(Debug)]
pub enum LifecycleEvent {
    Loaded {
        generation: u64,
        result: Result<LoadedRepository, EcrError>,
    },
    /// The editor exited; `Ok` holds the saved text.
    Edited {
        generation: u64,
        result: Result<String, String>,
    },
    FileRead {
        generation: u64,
        path: PathBuf,
        result: Result<String, String>,
    },
    Applied {
        generation: u64,
        text: String,
        result: Result<(), EcrError>,
    },
    EcrPreviewed {
        generation: u64,
        text: String,
        result: Result<EcrPreview, EcrError>,
    },
}

impl LifecycleEvent {
    fn generation(&self) -> u64 {
        match self {
            LifecycleEvent::Loaded { generation, .. }
            | LifecycleEvent::Edited { generation, .. }
            | LifecycleEvent::FileRead { generation, .. }
            | LifecycleEvent::Applied { generation, .. }
            | LifecycleEvent::EcrPreviewed { generation, .. } => *generation,
        }
    }
}

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

/// Where the view is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Stage {
    /// Not opened yet.
    #[default]
    Closed,
    Loading,
    Ready,
    /// Loading failed; the message says why.
    Failed(String),
}

/// Where the policy text in use came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PolicySource {
    /// The repository's policy as ECR has it (or none).
    #[default]
    Repository,
    /// Edited in the editor, not applied yet.
    Edited,
    /// Loaded from this file, not applied yet.
    File(PathBuf),
}

/// One evaluated rule with its description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub outcome: RuleOutcome,
    /// `Rule::describe`, control characters escaped.
    pub description: String,
}

/// A rule berth did not evaluate, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedRow {
    pub rule_priority: u32,
    pub reason: String,
    pub description: String,
}

/// The totals of a dry run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub images: usize,
    pub expired: usize,
    /// Images a rule would take but a manifest list protects.
    pub protected: usize,
    pub bytes_reclaimed: u64,
    pub total_bytes: u64,
    pub rules: Vec<RuleRow>,
    pub not_evaluated: Vec<SkippedRow>,
}

/// One rule of a dry run as the rule table lists it: evaluated or left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLine<'a> {
    Evaluated(&'a RuleRow),
    NotEvaluated(&'a SkippedRow),
}

impl RuleLine<'_> {
    /// The rule's `rulePriority`.
    pub fn priority(self) -> u32 {
        match self {
            RuleLine::Evaluated(row) => row.outcome.rule_priority,
            RuleLine::NotEvaluated(row) => row.rule_priority,
        }
    }
}

impl Summary {
    /// Every rule, evaluated or not, by priority (the order ECR applies them); at equal
    /// priority evaluated rules come first.
    pub fn rules_by_priority(&self) -> Vec<RuleLine<'_>> {
        let mut lines: Vec<RuleLine> = self.rules.iter().map(RuleLine::Evaluated).collect();
        lines.extend(self.not_evaluated.iter().map(RuleLine::NotEvaluated));
        lines.sort_by_key(|line| line.priority());
        lines
    }
}

/// berth's dry run of one policy text over the loaded images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    /// The policy text evaluated.
    pub text: String,
    /// The instant it was evaluated for.
    pub at: Timestamp,
    pub dispositions: HashMap<String, Disposition>,
    pub summary: Summary,
}

impl DryRun {
    /// Owned figures from a plan of `policy` over `images`.
    pub fn from_plan(
        text: &str,
        policy: &Policy,
        plan: &Plan<'_>,
        images: &[Candidate],
        at: Timestamp,
    ) -> DryRun {
        let describe = |priority: u32| {
            policy
                .rules()
                .iter()
                .find(|rule| rule.priority == priority)
                .map(|rule| rule.describe())
                .unwrap_or_default()
        };
        let dispositions: HashMap<String, Disposition> = plan
            .images
            .iter()
            .map(|outcome| (outcome.candidate.digest.clone(), outcome.disposition))
            .collect();
        let protected = dispositions
            .values()
            .filter(|d| matches!(d, Disposition::KeptForManifestList { .. }))
            .count();
        DryRun {
            text: text.to_string(),
            at,
            summary: Summary {
                images: images.len(),
                expired: plan.expired_count,
                protected,
                bytes_reclaimed: plan.bytes_reclaimed,
                total_bytes: images
                    .iter()
                    .fold(0u64, |sum, i| sum.saturating_add(i.size_bytes)),
                rules: plan
                    .rules
                    .iter()
                    .map(|outcome| RuleRow {
                        outcome: *outcome,
                        description: describe(outcome.rule_priority),
                    })
                    .collect(),
                not_evaluated: plan
                    .not_evaluated
                    .iter()
                    .map(|skipped| SkippedRow {
                        rule_priority: skipped.rule_priority,
                        reason: skipped.reason.to_string(),
                        description: describe(skipped.rule_priority),
                    })
                    .collect(),
            },
            dispositions,
        }
    }
}

/// An image whose fate berth and ECR's preview see differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub digest: String,
    pub tags: Vec<String>,
    /// The rule that expires it in berth's dry run, if any.
    pub berth: Option<u32>,
    /// The rule that expires it in ECR's preview, if any.
    pub ecr: Option<u32>,
}

/// berth's dry run next to ECR's preview of the same text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The policy text both evaluated.
    pub text: String,
    /// False when ECR already had a preview running and berth read that one.
    pub started: bool,
    /// Images both expire, by the same rule.
    pub agree: usize,
    pub ecr_expiring: usize,
    pub berth_expiring: usize,
    /// Images only one side expires, or both by different rules.
    pub differences: Vec<Difference>,
}

/// ECR's own preview, as far as it got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EcrCheck {
    #[default]
    NotAsked,
    Running,
    /// ECR was still evaluating when berth stopped waiting.
    StillRunning,
    /// The endpoint lacks the preview operations (moto, some proxies).
    Unsupported(String),
    Failed(String),
    Done(Comparison),
}

/// A question the view is asking.
#[derive(Debug, Default)]
pub enum Dialog {
    #[default]
    None,
    /// `o`: the path being typed.
    LoadPath(Input),
    /// `a`: apply? When the dry run expires images, the repository name must be typed.
    ConfirmApply { typed: Input, needs_name: bool },
}

/// What the narrow layout shows below the rule table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Section {
    #[default]
    Images,
    Policy,
}

/// The lifecycle view's state.
#[derive(Debug, Default)]
pub struct LifecycleView {
    pub registry: crate::app::action::RegistryId,
    pub repository: String,
    pub generation: u64,
    pub stage: Stage,
    /// Every image of the repository.
    pub images: Vec<Candidate>,
    /// The policy ECR has for the repository; `None` when it has none.
    pub current: Option<String>,
    /// The text the dry run is of: `current`, or an unapplied edit or file.
    pub text: Option<String>,
    pub source: PolicySource,
    /// `text` laid out for reading.
    pub policy_lines: Vec<String>,
    /// Why `text` is not a valid policy; the text is kept for the next edit.
    pub error: Option<PolicyError>,
    pub dry_run: Option<DryRun>,
    pub ecr: EcrCheck,
    pub dialog: Dialog,
    pub applying: bool,
    /// A transient note (cleared by the next key).
    pub message: Option<String>,
    /// The last failure of an action in this view.
    pub problem: Option<String>,
    /// The image rows, newest push first; `rows` index into `images`.
    pub list: ListView,
    pub expiring_only: bool,
    pub section: Section,
    pub policy_scroll: usize,
    /// Whether the view is on screen. Closing it keeps its state, so reopening the same
    /// repository finds an unapplied edit where it was left.
    pub visible: bool,
}

impl LifecycleView {
    /// Open the view on `repository` and ask for its policy and images. Reopening the
    /// same repository keeps an unapplied edit: `Esc` must not throw work away.
    pub fn open(
        &mut self,
        registry: crate::app::action::RegistryId,
        repository: &str,
        generation: u64,
    ) -> LifecycleEffect {
        let same = self.stage != Stage::Closed
            && self.registry == registry
            && self.repository == repository;
        let keep = same && self.source != PolicySource::Repository;
        let draft = keep.then(|| (self.text.take(), std::mem::take(&mut self.source)));
        *self = LifecycleView {
            registry,
            repository: repository.to_string(),
            generation,
            stage: Stage::Loading,
            visible: true,
            ..LifecycleView::default()
        };
        if let Some((text, source)) = draft {
            self.text = text;
            self.source = source;
        }
        self.load_effect()
    }

    /// Whether the view has been opened.
    pub fn is_open(&self) -> bool {
        self.stage != Stage::Closed
    }

    /// Whether the view is on screen and takes the keys.
    pub fn is_visible(&self) -> bool {
        self.visible && self.is_open()
    }

    /// What the dry run does to `digest` in `repository`, for marking rows in the
    /// images pane; `None` when the view is about another repository or has no dry run.
    pub fn disposition(
        &self,
        registry: &crate::app::action::RegistryId,
        repository: &str,
        digest: &str,
    ) -> Option<Disposition> {
        if &self.registry != registry || self.repository != repository {
            return None;
        }
        self.dry_run.as_ref()?.dispositions.get(digest).copied()
    }

    /// Whether the text in use differs from what ECR has.
    pub fn is_unapplied(&self) -> bool {
        self.source != PolicySource::Repository
    }

    fn load_effect(&self) -> LifecycleEffect {
        LifecycleEffect::Load {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            generation: self.generation,
        }
    }

    /// Apply a result. Results for an earlier opening of the view are dropped.
    pub fn on_event(&mut self, event: LifecycleEvent, now: Timestamp) {
        if event.generation() != self.generation || !self.is_open() {
            return;
        }
        match event {
            LifecycleEvent::Loaded { result, .. } => match result {
                Ok(loaded) => {
                    self.images = loaded.images.into_iter().map(Candidate::from).collect();
                    self.current = loaded.policy;
                    if self.source == PolicySource::Repository {
                        self.text = self.current.clone();
                    }
                    self.stage = Stage::Ready;
                    self.reevaluate(now);
                }
                Err(err) => self.stage = Stage::Failed(err.to_string()),
            },
            LifecycleEvent::Edited { result, .. } => match result {
                Ok(text) => self.replace_text(text, PolicySource::Edited, now),
                Err(err) => self.problem = Some(format!("editor: {err}")),
            },
            LifecycleEvent::FileRead { path, result, .. } => match result {
                Ok(text) => self.replace_text(text, PolicySource::File(path), now),
                Err(err) => {
                    self.problem = Some(format!("cannot read {}: {err}", path.display()));
                }
            },
            LifecycleEvent::Applied { text, result, .. } => {
                self.applying = false;
                match result {
                    Ok(()) => {
                        self.current = Some(text.clone());
                        if self.text.as_ref() == Some(&text) {
                            self.source = PolicySource::Repository;
                        }
                        self.message = Some(format!(
                            "lifecycle policy applied to {} — ECR acts on it within about 24 hours",
                            self.repository
                        ));
                    }
                    Err(err) => self.problem = Some(err.to_string()),
                }
            }
            LifecycleEvent::EcrPreviewed { text, result, .. } => {
                self.ecr = self.ecr_check(&text, result, now);
            }
        }
    }

    /// Take `text` as the policy in use (from the editor or a file) and rerun the dry run.
    fn replace_text(&mut self, text: String, source: PolicySource, now: Timestamp) {
        if text.trim().is_empty() {
            self.message = Some("the policy is empty — nothing changed".into());
            return;
        }
        if self.text.as_deref() == Some(text.as_str()) && self.error.is_none() {
            self.message = Some("policy unchanged".into());
            return;
        }
        self.source = if self.current.as_deref() == Some(text.as_str()) {
            PolicySource::Repository
        } else {
            source
        };
        self.text = Some(text);
        self.reevaluate(now);
        self.message = Some(match &self.error {
            Some(_) => "the policy has an error — press e to fix it".into(),
            None => "dry run updated".into(),
        });
    }

    /// Parse the text in use and rerun the dry run at `now`.
    pub fn reevaluate(&mut self, now: Timestamp) {
        self.error = None;
        self.dry_run = None;
        self.policy_lines = self.text.as_deref().map(pretty_lines).unwrap_or_default();
        if let Some(text) = &self.text {
            match parse_policy(text) {
                Ok(policy) => {
                    let plan = evaluate(&policy, &self.images, now);
                    self.dry_run = Some(DryRun::from_plan(text, &policy, &plan, &self.images, now));
                }
                Err(err) => self.error = Some(err),
            }
        }
        self.rebuild_rows();
    }

    /// Recompute the visible image rows: newest push first (ties: larger digest first,
    /// as the engine ranks them), only expiring ones when `x` is on.
    pub fn rebuild_rows(&mut self) {
        let previous = self.list.selected_item();
        let expired = |digest: &str| {
            self.dry_run
                .as_ref()
                .and_then(|run| run.dispositions.get(digest))
                .is_some_and(|d| d.is_expired())
        };
        let mut rows: Vec<usize> = (0..self.images.len())
            .filter(|&i| !self.expiring_only || expired(&self.images[i].digest))
            .collect();
        rows.sort_by(|&a, &b| {
            let (a, b) = (&self.images[a], &self.images[b]);
            b.pushed_at
                .cmp(&a.pushed_at)
                .then_with(|| b.digest.cmp(&a.digest))
        });
        self.list.rows = rows;
        self.list.selected = previous
            .and_then(|item| self.list.rows.iter().position(|&r| r == item))
            .unwrap_or(0);
        self.list.offset = self.list.offset.min(self.list.selected);
    }

    fn ecr_check(
        &self,
        text: &str,
        result: Result<EcrPreview, EcrError>,
        now: Timestamp,
    ) -> EcrCheck {
        let preview = match result {
            Ok(preview) => preview,
            Err(EcrError::Unsupported { .. }) => {
                return EcrCheck::Unsupported(
                    "this endpoint does not offer ECR's lifecycle preview; berth's dry run stands alone"
                        .into(),
                );
            }
            Err(err) => return EcrCheck::Failed(err.to_string()),
        };
        match preview.status {
            PreviewStatus::Complete => {}
            PreviewStatus::InProgress => return EcrCheck::StillRunning,
            PreviewStatus::Expired => {
                return EcrCheck::Failed(
                    "ECR discarded its preview (expired) — press p again".into(),
                );
            }
            PreviewStatus::Failed => {
                return EcrCheck::Failed("ECR could not evaluate the policy".into());
            }
            PreviewStatus::Other(status) => {
                return EcrCheck::Failed(format!("ECR's preview ended as {status}"));
            }
        }
        // The text may have been edited since `p`; compare with a dry run of the very
        // text ECR evaluated.
        let policy = match parse_policy(text) {
            Ok(policy) => policy,
            Err(err) => return EcrCheck::Failed(format!("the previewed policy is invalid: {err}")),
        };
        let plan = evaluate(&policy, &self.images, now);
        EcrCheck::Done(compare(text, &plan, &preview))
    }

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

/// berth's plan next to ECR's preview: agreements, and every image where they differ.
pub fn compare(text: &str, plan: &Plan<'_>, preview: &EcrPreview) -> Comparison {
    let ecr: HashMap<&str, (Option<u32>, &[String])> = preview
        .images
        .iter()
        .filter(|image| image.action == PreviewAction::Expire)
        .map(|image| {
            (
                image.digest.as_str(),
                (image.rule_priority, image.tags.as_slice()),
            )
        })
        .collect();
    let berth: HashMap<&str, u32> = plan
        .expired
        .iter()
        .map(|image| (image.digest, image.rule_priority))
        .collect();
    let mut differences = Vec::new();
    let mut agree = 0;
    for image in &plan.expired {
        match ecr.get(image.digest) {
            Some((rule, _)) if *rule == Some(image.rule_priority) => agree += 1,
            other => differences.push(Difference {
                digest: image.digest.to_string(),
                tags: image.tags.to_vec(),
                berth: Some(image.rule_priority),
                ecr: other.and_then(|(rule, _)| *rule),
            }),
        }
    }
    let mut seen = HashSet::new();
    for image in preview
        .images
        .iter()
        .filter(|i| i.action == PreviewAction::Expire)
    {
        if berth.contains_key(image.digest.as_str()) || !seen.insert(image.digest.as_str()) {
            continue;
        }
        differences.push(Difference {
            digest: image.digest.clone(),
            tags: image.tags.clone(),
            berth: None,
            ecr: image.rule_priority,
        });
    }
    Comparison {
        text: text.to_string(),
        started: preview.started,
        agree,
        ecr_expiring: ecr.len(),
        berth_expiring: plan.expired_count,
        differences,
    }
}
