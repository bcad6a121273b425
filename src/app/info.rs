//! The repository info view (`i`): a repository's settings and the registry-level rules
//! that apply to it, read-only.
//!
//! What DescribeRepositories already said shows at once; everything else is fetched when
//! the view opens, one call per section, and each section loads and fails on its own: a
//! role without `ecr:GetRepositoryPolicy` still sees the tags, and an endpoint without
//! pull-through cache rules still shows the replication rules.

#[cfg(test)]
pub(crate) mod tests;

use super::action::Effect;
use super::keymap::{Command, ViewKey};
use super::state::{Pane, State};
use crate::app::findings::wrap;
use crate::app::lifecycle::pretty_lines;
use crate::ecr::EcrError;
use crate::ecr::findings::ScanningConfiguration;
use crate::ecr::model::{Encryption, Repository};
use crate::ecr::settings::{PullThroughRule, ReplicationRule, RepositoryFilter};
use crate::sanitize::sanitize;
use crossterm::event::KeyEvent;

/// One section's data as far as it got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fetch<T> {
    #[default]
    Loading,
    Ready(T),
    /// The endpoint lacks the operation (the IAM action named).
    Unsupported(String),
    /// The call failed; the message says what, on what, and what to do.
    Failed(String),
}

impl<T> Fetch<T> {
    pub(crate) fn from_result(result: Result<T, EcrError>) -> Self {
        match result {
            Ok(value) => Fetch::Ready(value),
            Err(EcrError::Unsupported { action, .. }) => Fetch::Unsupported(action),
            Err(err) => Fetch::Failed(err.to_string()),
        }
    }

    pub(crate) fn is_loading(&self) -> bool {
        matches!(self, Fetch::Loading)
    }
}

/// The result of one section's call.
#[derive(Debug)]
pub enum InfoPart {
    /// GetRepositoryPolicy; `None`: the repository has no policy.
    RepositoryPolicy(Result<Option<String>, EcrError>),
    /// GetLifecyclePolicy; `None`: the repository has no lifecycle policy.
    LifecyclePolicy(Result<Option<String>, EcrError>),
    /// ListTagsForResource.
    Tags(Result<Vec<(String, String)>, EcrError>),
    /// GetRegistryScanningConfiguration.
    Scanning(Result<ScanningConfiguration, EcrError>),
    /// DescribeRegistry's replication rules.
    Replication(Result<Vec<ReplicationRule>, EcrError>),
    /// DescribePullThroughCacheRules, every page.
    PullThrough(Result<Vec<PullThroughRule>, EcrError>),
    /// ListPullTimeUpdateExclusions, every page: principal ARNs.
    PullTimeExclusions(Result<Vec<String>, EcrError>),
}

/// The info view's state.
#[derive(Debug, Default)]
pub struct RepositoryInfo {
    /// On screen and taking the keys.
    pub visible: bool,
    pub registry: crate::app::action::RegistryId,
    /// The repository as DescribeRepositories reported it.
    pub repository: Option<Repository>,
    pub generation: u64,
    pub repository_policy: Fetch<Option<String>>,
    pub lifecycle_policy: Fetch<Option<String>>,
    pub tags: Fetch<Vec<(String, String)>>,
    pub scanning: Fetch<ScanningConfiguration>,
    pub replication: Fetch<Vec<ReplicationRule>>,
    pub pull_through: Fetch<Vec<PullThroughRule>>,
    pub pull_time_exclusions: Fetch<Vec<String>>,
    /// First line shown.
    pub scroll: usize,
}

impl RepositoryInfo {
    /// Whether any section is still being fetched.
    pub fn is_loading(&self) -> bool {
        self.visible
            && (self.repository_policy.is_loading()
                || self.lifecycle_policy.is_loading()
                || self.tags.is_loading()
                || self.scanning.is_loading()
                || self.replication.is_loading()
                || self.pull_through.is_loading()
                || self.pull_time_exclusions.is_loading())
    }

    /// Sections still loading, of all of them.
    pub fn progress(&self) -> (usize, usize) {
        let loading = [
            self.repository_policy.is_loading(),
            self.lifecycle_policy.is_loading(),
            self.tags.is_loading(),
            self.scanning.is_loading(),
            self.replication.is_loading(),
            self.pull_through.is_loading(),
            self.pull_time_exclusions.is_loading(),
        ];
        (loading.iter().filter(|l| **l).count(), loading.len())
    }

    /// Apply one section's result; results for an earlier opening are dropped. True when
    /// something changed.
    pub fn on_part(&mut self, generation: u64, part: InfoPart) -> bool {
        if generation != self.generation || self.repository.is_none() {
            return false;
        }
        match part {
            InfoPart::RepositoryPolicy(r) => self.repository_policy = Fetch::from_result(r),
            InfoPart::LifecyclePolicy(r) => self.lifecycle_policy = Fetch::from_result(r),
            InfoPart::Tags(r) => self.tags = Fetch::from_result(r),
            InfoPart::Scanning(r) => self.scanning = Fetch::from_result(r),
            InfoPart::Replication(r) => self.replication = Fetch::from_result(r),
            InfoPart::PullThrough(r) => self.pull_through = Fetch::from_result(r),
            InfoPart::PullTimeExclusions(r) => self.pull_time_exclusions = Fetch::from_result(r),
        }
        true
    }

    /// The view's text wrapped to `width` columns.
    pub fn lines(&self, width: usize) -> Vec<SettingsLine> {
        let mut out = Lines {
            out: Vec::new(),
            width: width.max(20),
        };
        let Some(repo) = &self.repository else {
            return out.out;
        };
        out.heading("Repository");
        out.field("URI", &repo.uri);
        out.field("ARN", &repo.arn);
        if let Some(created) = repo.created_at {
            out.field("created", &crate::format::utc(created));
        }
        out.field("tag mutability", repo.tag_mutability.label());
        out.field("scan on push", if repo.scan_on_push { "yes" } else { "no" });
        match &repo.encryption {
            Encryption::Aes256 => out.field("encryption", "AES256 (ECR-managed key)"),
            Encryption::Kms { key } => {
                out.field("encryption", "KMS");
                out.field(
                    "KMS key",
                    key.as_deref().unwrap_or("AWS managed key (aws/ecr)"),
                );
            }
        }

        out.heading("Repository tags");
        out.section(&self.tags, "no tags", |out, tags| {
            for (key, value) in tags {
                out.field(key, value);
            }
        });

        out.heading("Repository policy");
        out.policy(&self.repository_policy, "no repository policy");

        out.heading("Lifecycle policy");
        out.policy(&self.lifecycle_policy, "no lifecycle policy");

        out.heading("Scanning configuration (registry)");
        out.section(&self.scanning, "", |out, config| {
            let kind = match config.scan_type.as_str() {
                "ENHANCED" => "ENHANCED (Amazon Inspector)",
                "BASIC" => "BASIC",
                other => other,
            };
            out.field("scan type", kind);
            if config.rules.is_empty() {
                out.note("no rules: scan on push is the repository's own setting");
            }
            for (n, rule) in config.rules.iter().enumerate() {
                let filters = if rule.filters.is_empty() {
                    EVERY_REPOSITORY.to_string()
                } else {
                    rule.filters.join(", ")
                };
                let here = rule.filters.is_empty()
                    || rule.filters.iter().any(|f| wildcard_matches(f, &repo.name));
                let text = format!("{} · {filters} · {}", rule.frequency, applies(here));
                out.field(&format!("rule {}", n + 1), &text);
            }
        });

        out.heading("Replication rules (registry)");
        out.section(&self.replication, "no replication rules", |out, rules| {
            for (n, rule) in rules.iter().enumerate() {
                let to: Vec<String> = rule
                    .destinations
                    .iter()
                    .map(|d| format!("{} ({})", d.region, d.registry_id))
                    .collect();
                let here = rule.filters.is_empty()
                    || rule
                        .filters
                        .iter()
                        .any(|f| f.kind == "PREFIX_MATCH" && repo.name.starts_with(&f.filter));
                let text = format!(
                    "→ {} · {} · {}",
                    to.join(", "),
                    filters(&rule.filters),
                    applies(here)
                );
                out.field(&format!("rule {}", n + 1), &text);
            }
        });

        out.heading("Pull-through cache rules (registry)");
        out.section(
            &self.pull_through,
            "no pull-through cache rules",
            |out, rules| {
                for rule in rules {
                    let mut text = format!("→ {}", rule.upstream_url);
                    if let Some(upstream) = &rule.upstream_registry {
                        text.push_str(&format!(" ({upstream})"));
                    }
                    if let Some(prefix) = &rule.upstream_prefix {
                        text.push_str(&format!(" · upstream prefix {prefix}"));
                    }
                    if let Some(arn) = &rule.credential_arn {
                        text.push_str(&format!(" · credentials {arn}"));
                    }
                    out.field(&rule.prefix, &text);
                }
            },
        );

        out.heading("Pull-time update exclusions (registry)");
        out.section(
            &self.pull_time_exclusions,
            "none: every pull updates the last recorded pull time",
            |out, principals| {
                out.note(
                    "pulls by these principals leave the last recorded pull time unchanged, \
                     which sinceImagePulled lifecycle rules read",
                );
                for principal in principals {
                    out.field("principal", principal);
                }
            },
        );
        out.out
    }
}

/// Whether a registry rule covers the repository on screen.
fn applies(here: bool) -> &'static str {
    if here {
        "applies to this repository"
    } else {
        "not this repository"
    }
}

/// ECR's WILDCARD repository filter: `*` stands for any run of characters, everything
/// else matches itself.
pub fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole name must be the pattern.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// What a rule without repository filters applies to.
const EVERY_REPOSITORY: &str = "every repository";

fn filters(filters: &[RepositoryFilter]) -> String {
    if filters.is_empty() {
        return EVERY_REPOSITORY.into();
    }
    filters
        .iter()
        .map(|f| format!("{} ({})", f.filter, f.kind))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a line is meant to look; the UI picks the style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsKind {
    Heading,
    /// A `label  value` line; wrapped parts after the first have an empty label.
    Field,
    /// A label too long for its column, on a line of its own.
    Label,
    /// A line of policy JSON.
    Code,
    /// "none", "loading…".
    Note,
    /// The endpoint lacks the operation.
    Unsupported,
    Error,
    Blank,
}

/// One screen line of the info view. Every text is sanitised: registry strings never
/// reach the terminal raw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsLine {
    pub kind: SettingsKind,
    pub label: String,
    pub text: String,
}

/// Width of the label column of field lines.
pub const LABEL_WIDTH: usize = 16;
/// Indent of everything under a heading.
pub(crate) const INDENT: usize = 2;

/// Builds wrapped, sanitised lines (the image detail view builds its text with it too).
pub(crate) struct Lines {
    pub(crate) out: Vec<SettingsLine>,
    pub(crate) width: usize,
}

impl Lines {
    fn push(&mut self, kind: SettingsKind, label: &str, text: &str) {
        self.out.push(SettingsLine {
            kind,
            label: sanitize(label).into_owned(),
            text: sanitize(text).into_owned(),
        });
    }

    pub(crate) fn heading(&mut self, text: &str) {
        if !self.out.is_empty() {
            self.push(SettingsKind::Blank, "", "");
        }
        self.push(SettingsKind::Heading, "", text);
    }

    /// `text` wrapped after an indent of `indent` columns.
    fn wrapped(&mut self, kind: SettingsKind, label: &str, text: &str, indent: usize) {
        let room = self.width.saturating_sub(indent).max(8);
        for (n, part) in wrap(&sanitize(text), room).into_iter().enumerate() {
            self.push(kind, if n == 0 { label } else { "" }, &part);
        }
    }

    pub(crate) fn field(&mut self, label: &str, value: &str) {
        let label = sanitize(label);
        // A label longer than its column gets a line of its own.
        if label.chars().count() >= LABEL_WIDTH {
            self.wrapped(SettingsKind::Label, "", &label, INDENT);
            self.wrapped(SettingsKind::Field, "", value, INDENT + LABEL_WIDTH);
        } else {
            self.wrapped(SettingsKind::Field, &label, value, INDENT + LABEL_WIDTH);
        }
    }

    pub(crate) fn note(&mut self, text: &str) {
        self.wrapped(SettingsKind::Note, "", text, INDENT);
    }

    /// A section's body: the value, or loading / none / unsupported / failed.
    pub(crate) fn section<T>(
        &mut self,
        fetch: &Fetch<T>,
        none: &str,
        show: impl FnOnce(&mut Self, &T),
    ) where
        T: IsEmpty,
    {
        match fetch {
            Fetch::Loading => self.note("loading…"),
            Fetch::Unsupported(action) => self.wrapped(
                SettingsKind::Unsupported,
                "",
                &format!("not supported by this endpoint ({action})"),
                INDENT,
            ),
            Fetch::Failed(message) => self.wrapped(SettingsKind::Error, "", message, INDENT),
            Fetch::Ready(value) if value.is_empty() && !none.is_empty() => self.note(none),
            Fetch::Ready(value) => show(self, value),
        }
    }

    /// Policy JSON laid out one member per line, long lines wrapped under their indent.
    fn policy(&mut self, fetch: &Fetch<Option<String>>, none: &str) {
        self.section(fetch, none, |out, text| {
            for line in pretty_lines(text.as_deref().unwrap_or_default()) {
                let line = sanitize(&line);
                let depth = line.chars().take_while(|c| *c == ' ').count();
                let indent = INDENT + depth;
                let room = out.width.saturating_sub(indent).max(8);
                for part in wrap_exact(line.trim_start(), room) {
                    let text = format!("{}{part}", " ".repeat(depth));
                    out.push(SettingsKind::Code, "", &text);
                }
            }
        });
    }
}

/// `text` cut into lines of at most `room` characters, at a space where one falls in
/// the line, keeping every character: policy JSON must read exactly as the API has it,
/// runs of spaces inside strings included.
pub fn wrap_exact(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    while chars.len() - start > room {
        let window = &chars[start..start + room];
        let cut = match window.iter().rposition(|c| *c == ' ') {
            Some(at) if at > 0 => at + 1,
            _ => room,
        };
        out.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    out.push(chars[start..].iter().collect());
    out
}

/// Values a section can show "none" for.
pub(crate) trait IsEmpty {
    fn is_empty(&self) -> bool;
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

impl IsEmpty for Option<String> {
    fn is_empty(&self) -> bool {
        self.is_none()
    }
}

impl IsEmpty for ScanningConfiguration {
    fn is_empty(&self) -> bool {
        false
    }
}

/// The repository `i` is about: the selected one in the repositories pane, the open one
/// in the images pane.
fn target(state: &State) -> Option<(crate::app::action::RegistryId, Repository)> {
    match state.pane {
        Pane::Repositories => {
            let pane = &state.repositories;
            let row = pane.list.selected_item().map(|i| &pane.rows[i])?;
            Some((pane.registry.clone(), row.repo.clone()))
        }
        Pane::Images => {
            let pane = &state.images;
            Some((pane.registry.clone(), pane.repository.clone()?))
        }
        Pane::Registries | Pane::Findings | Pane::Triage => None,
    }
}

/// `i`: open the info view of the selected (or open) repository and fetch its sections.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some((registry, repository)) = target(state) else {
        state.status.info(
            crate::app::status::Topic::Command,
            "i works on a repository: select one first",
        );
        return Vec::new();
    };
    load(state, registry, repository, 0)
}

/// Show `repository`'s info from line `scroll` and fetch every section afresh.
fn load(
    state: &mut State,
    registry: crate::app::action::RegistryId,
    repository: Repository,
    scroll: usize,
) -> Vec<Effect> {
    let generation = state.new_generation();
    let effect = Effect::FetchRepositoryInfo {
        registry: registry.clone(),
        repository: repository.name.clone(),
        arn: repository.arn.clone(),
        generation,
    };
    state.info = RepositoryInfo {
        visible: true,
        registry,
        repository: Some(repository),
        generation,
        scroll,
        ..RepositoryInfo::default()
    };
    vec![effect]
}

/// Keys while the view is on screen. `None`: not the view's key (quit with ctrl-c, help,
/// the command line), handle it as usual.
pub fn on_key(state: &mut State, key: KeyEvent, command: Option<Command>) -> Option<Vec<Effect>> {
    let height = state.body_height() as isize;
    // Keys of the pane underneath must not act on rows the user cannot see.
    let Some(command) = command else {
        return Some(Vec::new());
    };
    match command.in_view(&key, Command::RepositoryDetail, height) {
        ViewKey::Scroll(delta) => scroll_by(state, delta),
        ViewKey::PassOn => return None,
        ViewKey::Close => state.info.visible = false,
        ViewKey::Reload => return Some(reload(state)),
        ViewKey::CopyUri => {
            let uri = state.info.repository.as_ref().map(|r| r.uri.clone());
            return Some(copy(state, uri));
        }
        ViewKey::Other => {}
    }
    Some(Vec::new())
}

/// Copy `text` (when there is one) and say so.
pub(crate) fn copy(state: &mut State, text: Option<String>) -> Vec<Effect> {
    let Some(text) = text else {
        return Vec::new();
    };
    state.status.copied(format!("copied {text}"));
    vec![Effect::CopyToClipboard { text }]
}

/// Move the view `delta` lines, staying between the first line and the last screenful.
pub fn scroll_by(state: &mut State, delta: isize) {
    let height = state.body_height();
    let view = &mut state.info;
    let last = view
        .lines(usize::from(state.width))
        .len()
        .saturating_sub(height);
    view.scroll = view.scroll.saturating_add_signed(delta).min(last);
}

/// `r`: fetch every section again, keeping the scroll position.
fn reload(state: &mut State) -> Vec<Effect> {
    let view = &state.info;
    let (registry, scroll) = (view.registry.clone(), view.scroll);
    let Some(repository) = view.repository.clone() else {
        return Vec::new();
    };
    load(state, registry, repository, scroll)
}
