//! The bottom line: filter prompt, progress, the status messages and a help hint.

use super::Theme;
use crate::app::keymap::Command;
use crate::app::state::StatsState;
use crate::app::status::{Kind, Topic};
use crate::app::{Mode, Pane, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let prompt = match state.mode {
        Mode::Filter => Some(("/", &state.filter_input)),
        Mode::Command => Some((":", &state.command_input)),
        _ => None,
    };
    if let Some((prompt, input)) = prompt {
        let value = input.value();
        let mut spans = vec![
            Span::styled(prompt, theme.header_accent),
            Span::raw(value.to_string()),
        ];
        if !state.completions.is_empty() {
            spans.push(Span::styled(
                format!("   {}", state.completions.join("  ")),
                theme.dim,
            ));
        }
        let line = Line::from(spans);
        frame.render_widget(Paragraph::new(line), area);
        let cursor = input.visual_cursor() as u16 + prompt.len() as u16;
        frame.set_cursor_position((area.x + cursor.min(area.width.saturating_sub(1)), area.y));
        return;
    }
    if let Some(message) = state.status.about(Topic::Copy).filter(|m| m.copied) {
        // Shown alone and whole, so it can be selected with the mouse where OSC 52 is
        // blocked.
        frame.render_widget(
            Paragraph::new(Line::styled(message.text.clone(), theme.ok)),
            area,
        );
        return;
    }
    let mut spans: Vec<Span> = vec![Span::styled(count_summary(state), theme.status)];
    if let Some(progress) = progress(state) {
        spans.push(Span::styled(
            format!("{} {progress}  ", SPINNER[state.spinner % SPINNER.len()]),
            theme.status,
        ));
    }
    if state.pane == Pane::Images && !state.images.marked.is_empty() {
        let bytes = state.images.marked.bytes();
        spans.push(Span::styled(
            format!(
                "{} marked · {}  ",
                state.images.marked.len(),
                crate::format::size(bytes)
            ),
            theme.header_accent,
        ));
    }
    if state.read_only {
        spans.push(Span::styled("read-only  ", theme.warning));
    }
    let filter = match state.pane {
        Pane::Registries => &state.registries.list.filter,
        Pane::Repositories => &state.repositories.list.filter,
        Pane::Images => &state.images.list.filter,
        Pane::Findings => &state.findings.list.filter,
        Pane::Triage => &state.triage.list.filter,
    };
    if filter.is_active() {
        spans.push(Span::styled(
            format!("filter: {}  ", filter.text()),
            theme.match_highlight,
        ));
    }
    if state.lifecycle.is_visible()
        && let Some(running) = &state.lifecycle_running
    {
        spans.push(Span::styled(format!("{running}  "), theme.warning));
    }
    if matches!(state.pane, Pane::Images | Pane::Repositories)
        && let Some(note) = state.usage.note(&state.repositories.registry)
    {
        spans.push(Span::styled(format!("{note}  "), theme.dim));
    }
    if state.pane == Pane::Images {
        let complete = state
            .usage
            .map(&state.images.registry)
            .is_some_and(|m| m.is_complete());
        if let Some(title) = state.images.usage_filter.title(complete) {
            spans.push(Span::styled(format!("[{title}]  "), theme.match_highlight));
        }
    }
    if let Some(retrying) = &state.retrying {
        spans.push(Span::styled(format!("{retrying}  "), theme.warning));
    }
    // What happened and what is under way first, then what failed.
    let messages = state.status.messages();
    for message in messages.iter().filter(|m| m.kind != Kind::Error) {
        spans.push(Span::styled(format!("{}  ", message.text), theme.ok));
    }
    for message in messages.iter().filter(|m| m.kind == Kind::Error) {
        spans.push(Span::styled(format!("{}  ", message.text), theme.error));
    }
    let hint = format!(" {} help ", state.keymap.hint(Command::Help));
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let width = usize::from(area.width);
    if used + hint.len() < width {
        spans.push(Span::raw(" ".repeat(width - used - hint.len())));
        spans.push(Span::styled(hint, theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What is loading, with page and item counts.
fn progress(state: &State) -> Option<String> {
    if let Some(loading) = state.images.loading
        && state.pane == Pane::Images
    {
        return Some(format!(
            "loading images: page {} · {} images",
            loading.pages + 1,
            loading.items
        ));
    }
    if let Some(loading) = state.repositories.loading
        && state.pane != Pane::Images
    {
        return Some(format!(
            "loading repositories: page {} · {}",
            loading.pages + 1,
            loading.items
        ));
    }
    if state.pane == Pane::Images {
        return None;
    }
    if state.repositories.auditing {
        return Some("auditing: untagged, stale and lifecycle figures…".into());
    }
    let rows = &state.repositories.rows;
    let pending = rows
        .iter()
        .filter(|r| r.stats == StatsState::Pending)
        .count();
    (pending > 0).then(|| {
        format!(
            "counting images: {}/{} repositories",
            rows.len() - pending,
            rows.len()
        )
    })
}

fn count_summary(state: &State) -> String {
    let (shown, total, noun) = match state.pane {
        Pane::Registries => (
            state.registries.list.rows.len(),
            state.registries.rows.len(),
            "registries",
        ),
        Pane::Repositories => (
            state.repositories.list.rows.len(),
            state.repositories.rows.len(),
            "repositories",
        ),
        Pane::Images => (
            state.images.list.rows.len(),
            state.images.images.len(),
            "images",
        ),
        Pane::Findings => (
            state.findings.list.rows.len(),
            state.findings.scan.findings.len(),
            "findings",
        ),
        Pane::Triage => (
            state.triage.list.rows.len(),
            state.triage.triage.groups.len(),
            "CVEs",
        ),
    };
    // Rows are listed but a later page failed: say the list is not the whole story.
    let partial = match state.pane {
        Pane::Registries | Pane::Triage => false,
        Pane::Findings => state.findings.error.is_some() && total > 0,
        Pane::Repositories => state.repositories.error.is_some() && total > 0,
        Pane::Images => state.images.error.is_some() && total > 0,
    };
    let partial = if partial { " (partial)" } else { "" };
    if shown == total {
        format!("{total} {noun}{partial}  ")
    } else {
        format!("{shown} of {total} {noun}{partial}  ")
    }
}
