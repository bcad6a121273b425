//! The triage view (`:criticals`): every image of a registry — or of every registry of
//! the registries pane, an organization's accounts × regions — with findings at a
//! minimum severity, grouped by CVE, filling in while the sweeps run.

use super::grouping::{CveGroup, Triage, compare_groups};
use super::{FindingsEffect, FindingsEvent};
use crate::app::keymap::Command;
use crate::app::list::ListView;
use crate::ecr::findings::sweep::{ImageFindings, Origin};
use crate::ecr::model::Severity;
use crate::ecr::names::pinned_uri;
use std::sync::Arc;

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

/// One registry a triage sweeps.
#[derive(Clone, Debug, PartialEq)]
pub struct TriageTarget {
    pub registry: crate::app::action::RegistryId,
    /// Where its images are, when the triage covers several registries (each image then
    /// carries it, for its row and its URI).
    pub origin: Option<Arc<Origin>>,
}

/// The triage view of one registry or several.
///
/// Invariants: `pending` counts the sweeps of `generation` not yet done (the view is
/// loading while it is above zero); `images` holds only images of `generation` with a finding at
/// `min_severity` or above, and `triage` groups exactly them (by index into `images`).
#[derive(Debug)]
pub struct TriagePane {
    pub targets: Vec<TriageTarget>,
    pub min_severity: Severity,
    pub generation: u64,
    /// Images with at least one finding at `min_severity`, in arrival order.
    pub images: Vec<ImageFindings>,
    pub triage: Triage,
    pub list: ListView,
    /// Sweeps of this generation still running.
    pub pending: usize,
    /// Repositories the sweeps read, once each has listed them (summed).
    pub repositories: Option<usize>,
    /// Every image the sweep has looked at, affected or not.
    pub images_seen: usize,
    pub errors: Vec<String>,
}

impl Default for TriagePane {
    fn default() -> Self {
        TriagePane {
            targets: Vec::new(),
            min_severity: Severity::High,
            generation: 0,
            images: Vec::new(),
            triage: Triage::new(Severity::High),
            list: ListView::default(),
            pending: 0,
            repositories: None,
            images_seen: 0,
            errors: Vec::new(),
        }
    }
}

impl TriagePane {
    /// Start triage of `targets` at `min_severity` and above (`:criticals` asks for
    /// HIGH: critical and high findings): one sweep per registry, all of one generation.
    pub fn open(
        &mut self,
        targets: Vec<TriageTarget>,
        min_severity: Severity,
    ) -> Vec<FindingsEffect> {
        self.generation += 1;
        self.targets = targets;
        self.min_severity = min_severity;
        self.images.clear();
        self.triage = Triage::new(min_severity);
        self.list.rows.clear();
        self.list.follow_first();
        self.list.filter.set("");
        self.pending = self.targets.len();
        self.repositories = None;
        self.images_seen = 0;
        self.errors.clear();
        self.targets
            .iter()
            .map(|target| FindingsEffect::Triage {
                registry: target.registry.clone(),
                origin: target.origin.clone(),
                min_severity,
                generation: self.generation,
            })
            .collect()
    }

    /// Sweep the same registries again.
    pub fn refresh(&mut self) -> Vec<FindingsEffect> {
        self.open(self.targets.clone(), self.min_severity)
    }

    /// Whether the triage covers more than one registry (rows then name their account).
    pub fn across_registries(&self) -> bool {
        self.targets.iter().any(|t| t.origin.is_some())
    }

    /// Whether a sweep is running (drives the spinner).
    pub fn is_loading(&self) -> bool {
        self.pending > 0
    }

    /// Take a sweep event; stale ones are dropped. Returns whether anything changed.
    pub fn on_event(&mut self, event: FindingsEvent) -> bool {
        let loading = self.is_loading();
        let current = |generation: u64| generation == self.generation && loading;
        match event {
            FindingsEvent::TriageRepositories { generation, count } if current(generation) => {
                self.repositories = Some(self.repositories.unwrap_or(0) + count);
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
                self.pending = self.pending.saturating_sub(1);
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

    /// How many repositories a CVE's images are in: the same name in two registries (an
    /// organization's accounts or regions) is two repositories.
    pub fn repository_count(&self, group: &CveGroup) -> usize {
        let mut seen: Vec<(Option<&Origin>, &str)> = self
            .affected(group)
            .map(|image| (image.origin.as_deref(), image.repository.as_str()))
            .collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }

    /// Digest-pinned URIs of the selected CVE's images, one per line (with `:tag` for
    /// readers where the image has exactly one tag): each in its own account and region
    /// across registries, else in `account`'s registry.
    pub fn selected_uris(&self, account: Option<&str>) -> Option<String> {
        let group = self.selected()?;
        let home = self.targets.first().map(|t| t.registry.region.as_str());
        let uris: Vec<String> = self
            .affected(group)
            .filter_map(|image| {
                let tag = match image.tags.as_slice() {
                    [one] => Some(one.as_str()),
                    _ => None,
                };
                let (account, region) = match &image.origin {
                    Some(origin) => (origin.account.as_str(), origin.region.as_str()),
                    None => (account?, home?),
                };
                pinned_uri(account, region, &image.repository, tag, &image.digest).ok()
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
    /// host) may not be known yet, in which case its images are not copied; images of an
    /// organization's registries carry theirs.
    pub fn copy(&self, account: Option<&str>) -> Vec<FindingsEffect> {
        self.selected_uris(account)
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
