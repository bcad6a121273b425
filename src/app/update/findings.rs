//! The findings pane and the triage view: the commands that open them and act in them,
//! scans, and their results. The panes themselves are `app::findings`; this passes
//! their Effects and events through.

use crate::app::action::Effect;
use crate::app::findings::{FindingsEffect, FindingsEvent, FindingsTarget, route, start_scans};
use crate::app::keymap::Command;
use crate::app::state::{Pane, State};
use crate::app::status::{Kind, Scope, Topic};

/// Findings effects as app effects: the clipboard goes the usual way.
pub(super) fn findings_effects(effects: Vec<FindingsEffect>) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|effect| match effect {
            FindingsEffect::CopyToClipboard(text) => Effect::CopyToClipboard { text },
            other => Effect::Findings(other),
        })
        .collect()
}

/// Commands of the findings pane and the triage view, and the ones that open them.
pub(super) fn findings_command(state: &mut State, command: Command) -> Option<Vec<Effect>> {
    let height = state.body_height();
    let width = crate::layout::table_width(state.width);
    let slot = match command {
        Command::ToggleCritical => Some(0),
        Command::ToggleHigh => Some(1),
        Command::ToggleMedium => Some(2),
        Command::ToggleLow => Some(3),
        Command::ToggleOther => Some(4),
        _ => None,
    };
    match (state.pane, command) {
        (Pane::Images, Command::Findings) => Some(open_findings(state)),
        (Pane::Images, Command::Scan) => Some(start_scan(state)),
        (_, Command::Findings | Command::Scan) => {
            state.in_images_pane();
            Some(Vec::new())
        }
        (Pane::Findings, _) if slot.is_some() => {
            state.findings.toggle_severity(slot.unwrap_or_default());
            Some(Vec::new())
        }
        (_, _) if slot.is_some() => Some(Vec::new()),
        (Pane::Findings, Command::Back) => state.findings.on_back().then(Vec::new),
        (
            Pane::Findings,
            Command::MoveUp
            | Command::MoveDown
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last
            | Command::Open
            | Command::SortNext
            | Command::SortReverse
            | Command::Refresh,
        ) => Some(findings_effects(
            state.findings.on_command(command, width, height),
        )),
        (Pane::Triage, Command::CopyUri | Command::CopyTaggedUri) => {
            let account = match state.triage.targets.as_slice() {
                [one] => state
                    .registries
                    .row(&one.registry)
                    .and_then(|r| r.account.as_deref()),
                _ => None,
            };
            let copy = state.triage.copy(account);
            let copied = match copy.first() {
                Some(FindingsEffect::CopyToClipboard(text)) => text.lines().count(),
                _ => 0,
            };
            match state.triage.selected() {
                None => state.status.info(Topic::Copy, "no CVE selected"),
                Some(_) if copied == 0 => state.status.info(
                    Topic::Copy,
                    "the registry's account is not known yet; try again",
                ),
                Some(group) if copied < group.affected.len() => state.status.copied(format!(
                    "copied {copied} of {} image URIs (the other registries' accounts are not known yet)",
                    group.affected.len()
                )),
                Some(_) => state.status.copied(format!("copied {copied} image URIs")),
            }
            Some(findings_effects(copy))
        }
        (
            Pane::Triage,
            Command::MoveUp
            | Command::MoveDown
            | Command::PageUp
            | Command::PageDown
            | Command::First
            | Command::Last
            | Command::SortReverse
            | Command::Refresh,
        ) => Some(findings_effects(state.triage.on_command(command, height))),
        (
            Pane::Findings | Pane::Triage,
            Command::Mark
            | Command::MarkAll
            | Command::Tag
            | Command::Untag
            | Command::Delete
            | Command::CopyUri
            | Command::CopyTaggedUri
            | Command::SortNext
            | Command::Open,
        ) => {
            // Said, never swallowed: these keys act on a repository's images.
            let text = if state.pane == Pane::Triage {
                "not in the triage: it lists CVEs — y copies the selected CVE's image URIs, esc goes back"
            } else {
                "not in the findings pane: esc goes back to the image to act on it"
            };
            state.status.info(Topic::Command, text);
            Some(Vec::new())
        }
        _ => None,
    }
}

/// `f` on an image: its findings.
fn open_findings(state: &mut State) -> Vec<Effect> {
    let pane = &state.images;
    let (Some(repository), Some(image)) = (
        pane.repository.as_ref(),
        pane.list.selected_item().map(|i| &pane.images[i]),
    ) else {
        return Vec::new();
    };
    let target = FindingsTarget {
        registry: pane.registry.clone(),
        repository: repository.name.clone(),
        digest: image.digest.clone(),
        tags: image.tags.clone(),
    };
    state.pane = Pane::Findings;
    findings_effects(state.findings.open(target))
}

/// `x` on images: scan the marked images, or the selected one.
fn start_scan(state: &mut State) -> Vec<Effect> {
    let pane = &state.images;
    let Some(repository) = pane.repository.as_ref() else {
        return Vec::new();
    };
    if state.read_only {
        // The gate refuses too; saying so here sends nothing and names the same refusal.
        state.status.info(
            Topic::Scan,
            crate::safety::Refused::ReadOnly {
                action: crate::safety::START_SCAN,
                repository: repository.name.clone(),
            }
            .to_string(),
        );
        return Vec::new();
    }
    let mut digests: Vec<String> = pane
        .images
        .iter()
        .filter(|i| pane.marked.contains(&i.digest))
        .map(|i| i.digest.clone())
        .collect();
    if digests.is_empty() {
        digests.extend(
            pane.list
                .selected_item()
                .map(|i| pane.images[i].digest.clone()),
        );
    }
    if digests.is_empty() {
        return Vec::new();
    }
    let scope = Scope::Repository {
        registry: pane.registry.clone(),
        name: repository.name.clone(),
    };
    let text = format!("starting {} scan(s)", digests.len());
    let effect = Effect::Findings(start_scans(
        pane.registry.clone(),
        &repository.name,
        digests,
    ));
    state.status.post(Kind::Progress, Topic::Scan, scope, text);
    vec![effect]
}

/// The scan notice ends with the scan's outcome (the latest one of several).
fn report_scan(state: &mut State, update: &crate::app::findings::ScanUpdate) {
    let scope = Scope::Repository {
        registry: update.registry.clone(),
        name: update.repository.clone(),
    };
    let image = crate::ecr::model::short_digest(&update.digest);
    let (kind, text) = match &update.result {
        Ok(summary) if crate::ecr::findings::is_settled(&summary.status) => (
            Kind::Info,
            format!("scan of {image}: {}", summary.status.to_lowercase()),
        ),
        Ok(summary) => (
            Kind::Progress,
            format!("scanning {image}: {}", summary.status.to_lowercase()),
        ),
        Err(message) => (Kind::Error, format!("scan of {image} failed: {message}")),
    };
    state.status.post(kind, Topic::Scan, scope, text);
}

/// Results of findings work: the panes take theirs; a scan's outcome also updates the
/// image's row and the status line.
pub(super) fn on_findings_event(state: &mut State, event: FindingsEvent) -> Vec<Effect> {
    let routed = route(event, &mut state.findings, &mut state.triage);
    if let Some(update) = routed.scan {
        let images = &mut state.images;
        let here = images.registry == update.registry
            && images
                .repository
                .as_ref()
                .is_some_and(|r| r.name == update.repository);
        if here && update.apply(&mut images.images) {
            state.rebuild_images();
        }
        report_scan(state, &update);
    }
    state.dirty |= routed.dirty;
    findings_effects(routed.effects)
}
