//! The triage view (`:criticals`): every image of a registry with findings at a minimum
//! severity, grouped by CVE, filling in while the sweep runs.

use super::grouping::{CveGroup, Triage, compare_groups};
use super::{FindingsEffect, FindingsEvent};
use crate::app::keymap::Command;
use crate::app::list::ListView;
use crate::ecr::findings::sweep::ImageFindings;
use crate::ecr::model::Severity;
use crate::ecr::names::pinned_uri;

/// Rows the triage view draws above its table (the progress line).
pub const TRIAGE_SUMMARY_LINES: usize = 1;

/// Height of the affected-images section below the CVE table, in a pane `area` rows
/// tall (the table's header included).
pub fn affected_height(area: u16) -> u16 {
    (area.saturating_sub(1) * 2 / 5).max(3)
}

/// Rows of CVEs the table shows when the pane's body is `body_height` rows
/// (`State::body_height`, which excludes the table's header): what the summary line, the
/// header and the affected-images section leave.
pub fn table_rows(body_height: usize) -> usize {
    let area = u16::try_from(body_height + 1).unwrap_or(u16::MAX);
    let table = area.saturating_sub(TRIAGE_SUMMARY_LINES as u16 + affected_height(area));
    usize::from(table.saturating_sub(1)).max(1)
}

/// The triage view of one registry.
#[derive(Debug)]
pub struct TriagePane {
    pub registry: crate::app::action::RegistryId,
    pub region: String,
    pub min_severity: Severity,
    pub generation: u64,
    /// Images with at least one finding at `min_severity`, in arrival order.
    pub images: Vec<ImageFindings>,
    pub triage: Triage,
    pub list: ListView,
    pub loading: bool,
    /// Repositories the sweep reads, once known.
    pub repositories: Option<usize>,
    /// Every image the sweep has looked at, affected or not.
    pub images_seen: usize,
    pub errors: Vec<String>,
}

impl Default for TriagePane {
    fn default() -> Self {
        TriagePane {
            registry: Default::default(),
            region: String::new(),
            min_severity: Severity::High,
            generation: 0,
            images: Vec::new(),
            triage: Triage::new(Severity::High),
            list: ListView::default(),
            loading: false,
            repositories: None,
            images_seen: 0,
            errors: Vec::new(),
        }
    }
}

impl TriagePane {
    /// Start triage of `registry` at `min_severity` and above (`:criticals` asks for
    /// HIGH: critical and high findings).
    pub fn open(
        &mut self,
        registry: crate::app::action::RegistryId,
        region: &str,
        min_severity: Severity,
    ) -> Vec<FindingsEffect> {
        self.generation += 1;
        self.registry = registry.clone();
        self.region = region.to_string();
        self.min_severity = min_severity;
        self.images.clear();
        self.triage = Triage::new(min_severity);
        self.list.rows.clear();
        self.list.follow_first();
        self.list.filter.set("");
        self.loading = true;
        self.repositories = None;
        self.images_seen = 0;
        self.errors.clear();
        vec![FindingsEffect::Triage {
            registry,
            min_severity,
            generation: self.generation,
        }]
    }

    /// Sweep the same registry again.
    pub fn refresh(&mut self) -> Vec<FindingsEffect> {
        let region = self.region.clone();
        self.open(self.registry.clone(), &region, self.min_severity)
    }

    /// Whether a sweep is running (drives the spinner).
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// Take a sweep event; stale ones are dropped. Returns whether anything changed.
    pub fn on_event(&mut self, event: FindingsEvent) -> bool {
        let current = |generation: u64| generation == self.generation && self.loading;
        match event {
            FindingsEvent::TriageRepositories { generation, count } if current(generation) => {
                self.repositories = Some(count);
            }
            FindingsEvent::TriageImage { generation, image } if current(generation) => {
                self.images_seen += 1;
                if image.at_or_above(self.min_severity).next().is_none() {
                    return true;
                }
                self.triage.add(self.images.len(), &image);
                self.images.push(image);
                self.rebuild();
            }
            FindingsEvent::TriageError {
                generation,
                message,
            } if current(generation) => self.errors.push(message),
            FindingsEvent::TriageDone { generation } if current(generation) => {
                self.loading = false;
            }
            _ => return false,
        }
        true
    }

    /// Recompute the rows after groups, the filter or the sort changed.
    pub fn rebuild(&mut self) {
        // Until the user moves, the cursor stays on the first row, so the worst CVE found
        // so far is what someone watching the sweep sees; once moved, it follows its CVE.
        self.list
            .rebuild(&self.triage.groups, haystack, compare_groups);
    }

    /// The CVE under the cursor.
    pub fn selected(&self) -> Option<&CveGroup> {
        self.list
            .selected_item()
            .and_then(|i| self.triage.groups.get(i))
    }

    /// The images a CVE affects, in arrival order.
    pub fn affected<'a>(&'a self, group: &'a CveGroup) -> impl Iterator<Item = &'a ImageFindings> {
        group
            .affected
            .iter()
            .filter_map(|a| self.images.get(a.image))
    }

    /// Digest-pinned URIs of the selected CVE's images in `account`'s registry, one per
    /// line (with `:tag` for readers where the image has exactly one tag).
    pub fn selected_uris(&self, account: &str) -> Option<String> {
        let group = self.selected()?;
        let uris: Vec<String> = self
            .affected(group)
            .filter_map(|image| {
                let tag = match image.tags.as_slice() {
                    [one] => Some(one.as_str()),
                    _ => None,
                };
                pinned_uri(account, &self.region, &image.repository, tag, &image.digest).ok()
            })
            .collect();
        (!uris.is_empty()).then(|| uris.join("\n"))
    }

    /// Handle a command; `height` is the pane's body height (`State::body_height()`).
    pub fn on_command(&mut self, command: Command, height: usize) -> Vec<FindingsEffect> {
        let height = table_rows(height);
        match command {
            _ if self.list.navigate(command, height) => {}
            Command::SortReverse => {
                self.list.descending = !self.list.descending;
                self.rebuild();
                self.list.show_from_top();
            }
            Command::Refresh => return self.refresh(),
            _ => {}
        }
        Vec::new()
    }

    /// `y`: copy the selected CVE's image URIs. The registry's account (for the URI's
    /// host) may not be known yet, in which case nothing is copied.
    pub fn copy(&self, account: Option<&str>) -> Vec<FindingsEffect> {
        account
            .and_then(|account| self.selected_uris(account))
            .map(FindingsEffect::CopyToClipboard)
            .into_iter()
            .collect()
    }
}

fn haystack(group: &CveGroup, out: &mut crate::app::list::Fields) {
    out.text(&group.name);
    for text in group.packages.iter().chain(&group.repositories) {
        out.text(text);
    }
}
