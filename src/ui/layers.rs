//! The layers view: the selected image's config and layers, one manifest under another,
//! scrolled with the movement keys.

use super::Theme;
use crate::app::State;
use crate::app::keymap::Command;
use crate::app::layers::LineKind;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draw the view into `area` (the body between the header and the footer).
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.layers;
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let lines = view.lines(state.images.storage.read.as_ref());
    let height = usize::from(body.height);
    let scroll = view.scroll.min(lines.len().saturating_sub(height));
    let mut spans = vec![
        Span::styled("layers · ", theme.column_header),
        Span::styled(view.label.clone(), theme.header_accent),
        Span::styled(
            format!(" · {}", crate::ecr::model::short_digest(&view.digest)),
            theme.dim,
        ),
    ];
    if lines.len() > height {
        let last = (scroll + height).min(lines.len());
        spans.push(Span::styled(
            format!(" · lines {}–{last} of {}", scroll + 1, lines.len()),
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(scroll)
        .take(height)
        .map(|line| {
            let style = match line.kind {
                LineKind::Heading => theme.column_header,
                LineKind::Row => theme.text,
                LineKind::Note => theme.dim,
                LineKind::Error => theme.error,
            };
            Line::styled(line.text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), body);
}

/// The two footer lines under the view: the keys (as the live keymap has them), then the
/// image's full digest.
pub fn footer(state: &State) -> [String; 2] {
    let key = |command| state.keymap.hint(command);
    [
        format!(
            "{}/{}/{}/{} scroll · {} read again · {} back",
            key(Command::MoveDown),
            key(Command::MoveUp),
            key(Command::PageDown),
            key(Command::PageUp),
            key(Command::Refresh),
            key(Command::Back)
        ),
        state.layers.digest.clone(),
    ]
}
