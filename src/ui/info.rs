//! The repository info view: the repository's settings, tags and policies, and the
//! registry-level rules, one section under another, scrolled with the movement keys.

use super::Theme;
use crate::app::info::{LABEL_WIDTH, RepositoryInfo, SettingsKind, SettingsLine};
use crate::app::keymap::Keymap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Draw the view into `area` (the body between the header and the footer).
pub fn draw(frame: &mut Frame, area: Rect, view: &RepositoryInfo, theme: &Theme) {
    let areas = super::scrolled::areas(area);
    let lines = view.lines(usize::from(area.width));
    let scroll =
        super::scrolled::first_line(view.scroll, lines.len(), usize::from(areas[1].height));
    let name = view
        .repository
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let mut spans = vec![
        Span::styled("repository detail · ", theme.column_header),
        Span::styled(name, theme.header_accent),
    ];
    let (loading, sections) = view.progress();
    if loading > 0 {
        spans.push(Span::styled(
            format!(" · loading {loading} of {sections} sections…"),
            theme.dim,
        ));
    }
    let lines = lines.into_iter().map(|line| styled(line, theme)).collect();
    super::scrolled::draw(frame, areas, spans, lines, scroll, theme);
}

/// One line of the info or image detail view, styled by its kind.
pub(super) fn styled(line: SettingsLine, theme: &Theme) -> Line<'static> {
    let indent = Span::raw("  ");
    match line.kind {
        SettingsKind::Heading => Line::styled(line.text, theme.column_header),
        SettingsKind::Blank => Line::default(),
        SettingsKind::Field => Line::from(vec![
            indent,
            Span::styled(format!("{:<LABEL_WIDTH$}", line.label), theme.dim),
            Span::styled(line.text, theme.text),
        ]),
        SettingsKind::Label => Line::from(vec![indent, Span::styled(line.text, theme.dim)]),
        SettingsKind::Code => Line::from(vec![indent, Span::styled(line.text, theme.text)]),
        SettingsKind::Note => Line::from(vec![indent, Span::styled(line.text, theme.dim)]),
        SettingsKind::Unsupported => {
            Line::from(vec![indent, Span::styled(line.text, theme.warning)])
        }
        SettingsKind::Error => Line::from(vec![indent, Span::styled(line.text, theme.error)]),
    }
}

/// The two footer lines under the view: the keys (as the live keymap has them), then the
/// repository URI.
pub fn footer(view: &RepositoryInfo, keymap: &Keymap) -> [String; 2] {
    [
        super::scrolled::footer_keys(keymap),
        view.repository
            .as_ref()
            .map(|r| r.uri.clone())
            .unwrap_or_default(),
    ]
}
