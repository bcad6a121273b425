//! The findings pane (one image's scan findings) and the triage view (a registry's
//! findings grouped by CVE): their state, the work they ask for and their key handling.
//! Pure, like the rest of `app`.
//!
//! The panes are self-contained: they own their generations, ask for work as
//! [`FindingsEffect`]s and take results as [`FindingsEvent`]s (see [`route`]), so `update`
//! and the runtime only pass those through.

mod card;
pub mod grouping;
#[cfg(test)]
pub(crate) mod tests;
mod triage_view;

pub use card::{CardLine, LineKind, card_lines, wrap};
pub use triage_view::{TriagePane, TriageTarget, affected_height, table_rows};

use super::keymap::Command;
use super::list::ListView;
use crate::ecr::EcrError;
use crate::ecr::findings::sweep::ImageFindings;
use crate::ecr::findings::{Finding, FindingsPage, ImageScan, has_results, is_settled};
use crate::ecr::model::{Image, ScanSummary, Severity};
use grouping::compare_scores;
use std::cmp::Ordering;

/// Rows the findings pane draws above its table (the scan summary line).
pub const SUMMARY_LINES: usize = 1;

/// Sortable columns of the findings pane, in `s` cycling order.
pub const FINDING_SORTS: [&str; 4] = ["severity", "score", "package", "name"];

/// What the keys `1`–`5` toggle.
pub const SEVERITY_SLOTS: [&str; 5] = ["critical", "high", "medium", "low", "other"];

/// The toggle slot (0-based) a severity belongs to: INFORMATIONAL and UNDEFINED share
/// the fifth.
pub fn severity_slot(severity: Severity) -> usize {
    match severity {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Informational | Severity::Undefined => 4,
    }
}

/// The image a findings pane shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingsTarget {
    pub registry: crate::app::action::RegistryId,
    pub repository: String,
    pub digest: String,
    pub tags: Vec<String>,
}

/// Work the findings pane and the triage view ask the runtime for
/// (`crate::runtime::findings` performs all but the clipboard).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingsEffect {
    /// Page through DescribeImageScanFindings, sending one `FindingsEvent::Page` per page.
    FetchFindings {
        registry: crate::app::action::RegistryId,
        repository: String,
        digest: String,
        generation: u64,
    },
    /// StartImageScan each image, then poll until each scan settles, sending a
    /// `FindingsEvent::ScanStatus` for every status seen.
    StartScans {
        registry: crate::app::action::RegistryId,
        repository: String,
        digests: Vec<String>,
    },
    /// Sweep the registry for findings at `min_severity` and above, sending
    /// `TriageRepositories`, `TriageImage`/`TriageError` events, then `TriageDone`.
    Triage {
        registry: crate::app::action::RegistryId,
        /// The registry's place among several (its images carry it); `None` for one.
        origin: Option<std::sync::Arc<crate::ecr::findings::sweep::Origin>>,
        min_severity: Severity,
        generation: u64,
    },
    /// Put text on the clipboard (digest-pinned URIs of a CVE's images).
    CopyToClipboard(String),
}

impl FindingsEffect {
    /// The registry the effect works on (None for the clipboard).
    pub fn registry(&self) -> Option<&crate::app::action::RegistryId> {
        match self {
            FindingsEffect::FetchFindings { registry, .. }
            | FindingsEffect::StartScans { registry, .. }
            | FindingsEffect::Triage { registry, .. } => Some(registry),
            FindingsEffect::CopyToClipboard(_) => None,
        }
    }
}

/// Results of findings work, as the runtime sends them back.
#[derive(Debug)]
pub enum FindingsEvent {
    Page {
        generation: u64,
        result: Result<FindingsPage, EcrError>,
    },
    ScanStatus {
        registry: crate::app::action::RegistryId,
        repository: String,
        digest: String,
        result: Result<ScanSummary, EcrError>,
    },
    TriageRepositories {
        generation: u64,
        count: usize,
    },
    TriageImage {
        generation: u64,
        image: ImageFindings,
    },
    TriageError {
        generation: u64,
        message: String,
    },
    TriageDone {
        generation: u64,
    },
}

/// A scan status for the images pane to show on an image's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanUpdate {
    pub registry: crate::app::action::RegistryId,
    pub repository: String,
    pub digest: String,
    /// The new status, or the error to show (ECR's message, e.g. the 24-hour limit).
    pub result: Result<ScanSummary, String>,
}

impl ScanUpdate {
    /// Put the new status on the matching image of `images`; whether one matched.
    /// Errors leave the row as it was.
    pub fn apply(&self, images: &mut [Image]) -> bool {
        let Ok(summary) = &self.result else {
            return false;
        };
        match images.iter_mut().find(|i| i.digest == self.digest) {
            Some(image) => {
                image.scan = Some(summary.clone());
                true
            }
            None => false,
        }
    }
}

/// What routing an event produced for the caller.
#[derive(Debug, Default)]
pub struct Routed {
    /// A status for the images pane.
    pub scan: Option<ScanUpdate>,
    /// More work (a finished scan of the open image refetches its findings).
    pub effects: Vec<FindingsEffect>,
    /// Whether either pane changed.
    pub dirty: bool,
}

/// Hand an event to the pane it belongs to.
pub fn route(event: FindingsEvent, findings: &mut FindingsPane, triage: &mut TriagePane) -> Routed {
    match event {
        FindingsEvent::Page { generation, result } => Routed {
            dirty: findings.on_page(generation, result),
            ..Routed::default()
        },
        FindingsEvent::ScanStatus {
            registry,
            repository,
            digest,
            result,
        } => {
            let mut effects = Vec::new();
            if let Ok(summary) = &result {
                let open = findings.target.as_ref().is_some_and(|t| {
                    t.registry == registry && t.repository == repository && t.digest == digest
                });
                if open && is_settled(&summary.status) {
                    effects = findings.refresh();
                }
            }
            Routed {
                scan: Some(ScanUpdate {
                    registry,
                    repository,
                    digest,
                    result: result.map_err(|e| e.to_string()),
                }),
                effects,
                dirty: true,
            }
        }
        other => Routed {
            dirty: triage.on_event(other),
            ..Routed::default()
        },
    }
}

/// The effect that starts scans of `digests` (the selected or marked images).
pub fn start_scans(
    registry: crate::app::action::RegistryId,
    repository: &str,
    digests: Vec<String>,
) -> FindingsEffect {
    FindingsEffect::StartScans {
        registry,
        repository: repository.to_string(),
        digests,
    }
}

/// The finding whose card is open (Enter), and how far it is scrolled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Card {
    /// Index into the scan's findings.
    pub finding: usize,
    /// First line shown.
    pub scroll: usize,
}

/// The findings pane of one image.
#[derive(Debug, Default)]
pub struct FindingsPane {
    pub target: Option<FindingsTarget>,
    pub generation: u64,
    /// The pages read so far.
    pub scan: ImageScan,
    pub pages: u32,
    pub loading: bool,
    pub error: Option<String>,
    pub list: ListView,
    /// Severity slots switched off with `1`–`5`.
    pub hidden: [bool; 5],
    pub card: Option<Card>,
}

impl FindingsPane {
    /// Show `target`'s findings, fetching them afresh. Severity toggles stay as they were:
    /// someone looking only at criticals wants the same for the next image.
    pub fn open(&mut self, target: FindingsTarget) -> Vec<FindingsEffect> {
        self.target = Some(target);
        self.list.filter.set("");
        self.list.follow_first();
        self.fetch()
    }

    /// Fetch the open image's findings again.
    pub fn refresh(&mut self) -> Vec<FindingsEffect> {
        if self.target.is_none() {
            return Vec::new();
        }
        self.fetch()
    }

    fn fetch(&mut self) -> Vec<FindingsEffect> {
        let Some(target) = &self.target else {
            return Vec::new();
        };
        self.generation += 1;
        self.scan = ImageScan::default();
        self.pages = 0;
        self.loading = true;
        self.error = None;
        self.card = None;
        let effect = FindingsEffect::FetchFindings {
            registry: target.registry.clone(),
            repository: target.repository.clone(),
            digest: target.digest.clone(),
            generation: self.generation,
        };
        self.rebuild();
        vec![effect]
    }

    /// Take one page of findings; stale pages (an image the user left) are dropped.
    /// Returns whether anything changed.
    pub fn on_page(&mut self, generation: u64, result: Result<FindingsPage, EcrError>) -> bool {
        if generation != self.generation || !self.loading {
            return false;
        }
        match result {
            Ok(page) => {
                self.loading = page.next_token.is_some();
                self.pages += 1;
                self.scan.push_page(page);
            }
            Err(err) => {
                self.loading = false;
                self.error = Some(err.to_string());
            }
        }
        self.rebuild();
        true
    }

    /// Whether a fetch is in flight (drives the spinner).
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// Whether the scan has findings to show (COMPLETE or ACTIVE).
    pub fn has_results(&self) -> bool {
        has_results(&self.scan.status)
    }

    /// The finding under the cursor.
    pub fn selected(&self) -> Option<&Finding> {
        self.list
            .selected_item()
            .and_then(|i| self.scan.findings.get(i))
    }

    /// The finding whose card is open.
    pub fn card_finding(&self) -> Option<&Finding> {
        self.card.and_then(|c| self.scan.findings.get(c.finding))
    }

    /// Switch severity slot `slot` (0 = critical … 4 = informational and undefined).
    pub fn toggle_severity(&mut self, slot: usize) {
        if let Some(hidden) = self.hidden.get_mut(slot) {
            *hidden = !*hidden;
            self.rebuild();
        }
    }

    /// Recompute the rows after findings, the filter, toggles or the sort changed.
    pub fn rebuild(&mut self) {
        let column = self.list.sort_column;
        let anchor = self.list.anchor();
        self.list
            .rebuild(&self.scan.findings, haystack, |a, b| compare(a, b, column));
        // The list view only knows the text filter; the severity toggles narrow its rows
        // afterwards, and the cursor is placed again against the narrowed rows (on the
        // first row, the most severe finding, until the user moves).
        let hidden = self.hidden;
        let findings = &self.scan.findings;
        self.list
            .rows
            .retain(|&i| !hidden[severity_slot(findings[i].severity)]);
        self.list.restore(anchor);
    }

    /// Close the finding's card if it is open; false when there was nothing to close (the
    /// caller then clears the filter or goes back to the images).
    pub fn on_back(&mut self) -> bool {
        self.card.take().is_some()
    }

    /// Handle a command. `width` and `height` are the pane's body size (the caller's
    /// `State::width` and `State::body_height()`).
    pub fn on_command(
        &mut self,
        command: Command,
        width: u16,
        height: usize,
    ) -> Vec<FindingsEffect> {
        if let Some(card) = self.card {
            return self.on_card_command(card, command, width, height);
        }
        let height = height.saturating_sub(SUMMARY_LINES).max(1);
        match command {
            _ if self.list.navigate(command, height) => {}
            Command::Open => {
                if let Some(finding) = self.list.selected_item() {
                    self.card = Some(Card { finding, scroll: 0 });
                }
            }
            Command::Back => {
                self.on_back();
            }
            Command::SortNext => {
                self.list.sort_column = (self.list.sort_column + 1) % FINDING_SORTS.len();
                // Scores read best highest first; the rest in their natural order.
                self.list.descending = FINDING_SORTS[self.list.sort_column] == "score";
                self.rebuild();
                self.list.show_from_top();
            }
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

    fn on_card_command(
        &mut self,
        mut card: Card,
        command: Command,
        width: u16,
        height: usize,
    ) -> Vec<FindingsEffect> {
        let Some(finding) = self.scan.findings.get(card.finding) else {
            self.card = None;
            return Vec::new();
        };
        let lines = card_lines(finding, usize::from(width)).len();
        let last = lines.saturating_sub(height.max(1));
        let page = height.max(1);
        card.scroll = match command {
            Command::MoveDown => card.scroll + 1,
            Command::MoveUp => card.scroll.saturating_sub(1),
            Command::PageDown => card.scroll + page,
            Command::PageUp => card.scroll.saturating_sub(page),
            Command::First => 0,
            Command::Last => last,
            Command::Back => {
                self.card = None;
                return Vec::new();
            }
            Command::Refresh => return self.refresh(),
            _ => card.scroll,
        }
        .min(last);
        self.card = Some(card);
        Vec::new()
    }
}

/// The text the findings filter matches against: name, package, versions.
fn haystack(finding: &Finding, out: &mut super::list::Fields) {
    out.text(&finding.name);
    for part in [
        &finding.package_name,
        &finding.package_version,
        &finding.fixed_in_version,
    ]
    .into_iter()
    .flatten()
    {
        out.text(part);
    }
}

/// Findings order by sort column; ties fall back to severity, higher score, name.
pub fn compare(a: &Finding, b: &Finding, column: usize) -> Ordering {
    let by_severity = || {
        a.severity
            .cmp(&b.severity)
            .then_with(|| compare_scores(b.score, a.score))
    };
    match FINDING_SORTS.get(column).copied().unwrap_or("severity") {
        "score" => compare_scores(a.score, b.score),
        "package" => a.package_name.cmp(&b.package_name),
        "name" => a.name.cmp(&b.name),
        _ => by_severity(),
    }
    .then_with(by_severity)
    .then_with(|| a.name.cmp(&b.name))
    .then_with(|| a.package_name.cmp(&b.package_name))
}
