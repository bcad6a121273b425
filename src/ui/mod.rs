//! Pure rendering: `draw` reads the state and never changes it.

pub mod format;
mod help;
mod images;
mod registries;
mod repositories;
mod status;
pub mod table;
pub mod theme;

pub use theme::Theme;

use crate::app::{Mode, Pane, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Smallest terminal berth draws into.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 8;

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
    let [header, body, detail, status_line] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state, theme);
    match state.pane {
        Pane::Registries => registries::draw(frame, body, state, theme),
        Pane::Repositories => repositories::draw(frame, body, state, theme),
        Pane::Images => images::draw(frame, body, state, theme),
    }
    let detail_text = match state.pane {
        Pane::Registries => registries::detail(state),
        Pane::Repositories => repositories::detail(state),
        Pane::Images => images::detail(state),
    };
    let width = usize::from(detail.width);
    let lines: Vec<Line> = detail_text
        .iter()
        .map(|text| Line::styled(format::truncate_middle(text, width), theme.dim))
        .collect();
    frame.render_widget(Paragraph::new(lines), detail);
    status::draw(frame, status_line, state, theme);
    if state.mode == Mode::Help {
        help::draw(frame, area, state, theme);
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let registry = state.registries.rows.get(state.repositories.registry);
    let mut spans = vec![Span::styled(" berth ", theme.header_accent)];
    if let Some(row) = registry {
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
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = usize::from(area.width).saturating_sub(used);
    spans.push(Span::styled(" ".repeat(pad), theme.header));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod snapshot_tests;
