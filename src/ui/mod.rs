//! Pure rendering: `draw` reads the state and never changes it.

mod dialog;
pub mod findings;
mod help;
mod image_detail;
pub mod images;
mod info;
mod layers;
pub mod lifecycle;
mod registries;
pub mod repositories;
mod scrolled;
mod status;
pub mod table;

pub use crate::config::Theme;

use crate::app::{Mode, Pane, State};
use crate::format;
use crate::layout::{PANEL_WIDTH, WIDE};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Smallest terminal berth draws into.
pub use crate::app::state::{MIN_HEIGHT, MIN_WIDTH};

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let message = format!(
            "terminal too small ({}x{}); berth needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(message).wrap(Default::default()), area);
        return;
    }
    let [header, body, footer, status_line] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state, theme);
    let (list, panel) = if area.width >= WIDE {
        let [list, _, panel] = Layout::horizontal([
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(PANEL_WIDTH),
        ])
        .areas(body);
        (list, Some(panel))
    } else {
        (body, None)
    };
    let layers_open = state.layers.visible && state.pane == Pane::Images;
    let detail_open = state.image_detail.visible && state.pane == Pane::Images;
    if detail_open {
        image_detail::draw(frame, body, &state.image_detail, theme);
    } else if layers_open {
        layers::draw(frame, body, state, theme);
    } else if state.info.visible {
        info::draw(frame, body, &state.info, theme);
    } else if state.lifecycle.is_visible() {
        lifecycle::draw(frame, body, &state.lifecycle, theme, state.now);
    } else {
        match state.pane {
            Pane::Registries => registries::draw(frame, list, state, theme),
            Pane::Repositories => repositories::draw(frame, list, state, theme),
            Pane::Images => images::draw(frame, list, state, theme),
            Pane::Findings => findings::draw(frame, list, &state.findings, theme, state.now),
            Pane::Triage => findings::draw_triage(frame, list, &state.triage, theme, state.now),
        }
    }
    let covered = state.lifecycle.is_visible() || state.info.visible || layers_open || detail_open;
    if let Some(panel) = panel.filter(|_| !covered) {
        let lines = match state.pane {
            Pane::Registries => registries::panel(state, theme),
            Pane::Findings => findings::panel(&state.findings, PANEL_WIDTH - 1, theme),
            Pane::Triage => findings::triage_panel(&state.triage, theme),
            Pane::Repositories => repositories::panel(state, theme),
            Pane::Images => images::panel(state, theme),
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(
                    ratatui::widgets::Block::default()
                        .borders(ratatui::widgets::Borders::LEFT)
                        .border_style(theme.dim),
                ),
            panel,
        );
    }
    let footer_text = match state.pane {
        _ if detail_open => image_detail::footer(&state.image_detail, &state.keymap),
        _ if layers_open => layers::footer(state),
        _ if state.info.visible => info::footer(&state.info, &state.keymap),
        _ if state.lifecycle.is_visible() => lifecycle::footer(&state.lifecycle),
        Pane::Registries => registries::footer(state),
        Pane::Repositories => repositories::footer(state),
        Pane::Images => images::footer(state),
        Pane::Findings => findings::footer(&state.findings),
        Pane::Triage => findings::triage_footer(&state.triage),
    };
    let width = usize::from(footer.width);
    let lines: Vec<Line> = footer_text
        .iter()
        .map(|text| Line::styled(format::truncate_middle(text, width), theme.dim))
        .collect();
    frame.render_widget(Paragraph::new(lines), footer);
    status::draw(frame, status_line, state, theme);
    if state.mode == Mode::Help {
        help::draw(frame, area, state, theme);
    }
    dialog::draw(frame, area, state, theme);
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let registry = state.registries.row(&state.repositories.registry);
    let mut spans = vec![Span::styled(" berth ", theme.header_accent)];
    // A triage across registries is about all of them, not the one last opened.
    let across = state.pane == Pane::Triage && state.triage.across_registries();
    if across {
        spans.push(Span::styled(
            format!("│ {} registries ", state.triage.targets.len()),
            theme.header,
        ));
    } else if let Some(row) = registry {
        spans.push(Span::styled(
            format!("│ {} ", row.target.label()),
            theme.header,
        ));
        if let Some(account) = &row.account {
            spans.push(Span::styled(format!("· {account} "), theme.header));
        }
    }
    let mut crumbs = format!("│ {}", state.pane.title());
    if state.pane == Pane::Images
        && let Some(repo) = &state.images.repository
    {
        crumbs = format!("│ repositories › {}", repo.name);
    }
    spans.push(Span::styled(crumbs, theme.header_accent));
    let used: usize = spans.iter().map(|s| format::width(&s.content)).sum();
    let pad = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(" ".repeat(pad), theme.header));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod image_detail_snapshot_tests;
#[cfg(test)]
mod info_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod storage_snapshots;
#[cfg(test)]
mod tree_snapshots;
