//! A title line over a body of text scrolled with the movement keys: the layout shared by
//! the repository info view and the layers view.

use super::Theme;
use crate::app::keymap::{Command, Keymap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The title row and the body of `area`.
pub fn areas(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area)
}

/// The first line shown of `total` lines in `height` rows, asked for as `scroll`: never
/// past the point where the last line is at the bottom.
pub fn first_line(scroll: usize, total: usize, height: usize) -> usize {
    scroll.min(total.saturating_sub(height))
}

/// Draw `spans` as the title (with "· lines a–b of n" when the body does not fit) and
/// `lines` from `scroll` (see [`first_line`]) in the body.
pub fn draw(
    frame: &mut Frame,
    [title, body]: [Rect; 2],
    mut spans: Vec<Span<'static>>,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
) {
    let height = usize::from(body.height);
    if lines.len() > height {
        let last = (scroll + height).min(lines.len());
        spans.push(Span::styled(
            format!(" · lines {}–{last} of {}", scroll + 1, lines.len()),
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown), body);
}

/// The keys of a detail view (repository or image) as the live keymap has them, for the
/// first footer line.
pub fn footer_keys(keymap: &Keymap) -> String {
    let key = |command| keymap.hint(command);
    format!(
        "{}/{}/{}/{} scroll · {} copy URI · {} reload · {} back",
        key(Command::MoveDown),
        key(Command::MoveUp),
        key(Command::PageDown),
        key(Command::PageUp),
        key(Command::CopyUri),
        key(Command::Refresh),
        key(Command::Back)
    )
}
