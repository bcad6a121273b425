//! The layers view: the selected image's config and layers, one manifest under another,
//! scrolled with the movement keys.

use super::Theme;
use crate::app::State;
use crate::app::keymap::Command;
use crate::app::layers::LineKind;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Draw the view into `area` (the body between the header and the footer).
pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.layers;
    let areas = super::scrolled::areas(area);
    let lines = view.lines(state.images.storage.read.as_ref());
    let scroll =
        super::scrolled::first_line(view.scroll, lines.len(), usize::from(areas[1].height));
    let spans = vec![
        Span::styled("layers · ", theme.column_header),
        Span::styled(view.label.clone(), theme.header_accent),
        Span::styled(
            format!(" · {}", crate::ecr::model::short_digest(&view.digest)),
            theme.dim,
        ),
    ];
    let lines = lines
        .into_iter()
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
    super::scrolled::draw(frame, areas, spans, lines, scroll, theme);
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
