//! The help overlay: the live keymap grouped by pane, searchable, scrolled when it does
//! not fit.

use super::Theme;
use crate::app::State;
use crate::app::help::{Row, layout};
use crate::format::{truncate_end, truncate_middle};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Width of the key column of one entry.
const KEYS_WIDTH: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let groups = state.help_groups();
    let layout = layout(&groups, area.width, area.height);
    let scroll = state.help.scroll.min(layout.max_scroll());
    let shown = layout.total_rows.min(layout.visible_rows);
    let width = layout.column_width;
    let room = width.saturating_sub(KEYS_WIDTH + 3);
    let mut lines: Vec<Line> = Vec::with_capacity(shown + 2);
    lines.push(search_line(state, theme));
    for row in scroll..scroll + shown {
        let mut spans = Vec::new();
        for column in &layout.columns {
            match column.get(row) {
                Some(Row::Heading(title)) => spans.push(Span::styled(
                    format!("{:<width$}", truncate_end(title, width)),
                    theme.header_accent,
                )),
                Some(Row::Entry(entry)) => {
                    let keys = truncate_middle(&entry.keys, KEYS_WIDTH);
                    let description = truncate_end(entry.description, room);
                    spans.push(Span::styled(
                        format!(" {keys:>KEYS_WIDTH$}  "),
                        theme.column_header,
                    ));
                    spans.push(Span::styled(format!("{description:<room$}"), theme.text));
                }
                Some(Row::Blank) | None => spans.push(Span::raw(" ".repeat(width))),
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(footer(
        &closers(state),
        groups.iter().map(|g| g.entries.len()).sum(),
        scroll,
        shown,
        layout.total_rows,
        theme,
    ));
    let box_width = ((width * layout.columns.len().max(1)) as u16 + 2)
        .max(40)
        .min(area.width);
    let box_height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - box_width) / 2,
        y: area.y + (area.height - box_height) / 2,
        width: box_width,
        height: box_height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.help_border)
                .title(format!(" keys · {} first ", state.pane.title())),
        ),
        popup,
    );
}

fn search_line(state: &State, theme: &Theme) -> Line<'static> {
    let query = state.help.query();
    if state.help.typing {
        Line::from(vec![
            Span::styled("/", theme.header_accent),
            Span::styled(format!("{query}▏"), theme.text),
        ])
    } else if !query.is_empty() {
        Line::from(vec![
            Span::styled("/", theme.header_accent),
            Span::styled(query.to_string(), theme.match_highlight),
            Span::styled("  (esc clears)", theme.dim),
        ])
    } else {
        Line::styled(
            format!("/ search · j/k scroll · {}", closers(state)),
            theme.dim,
        )
    }
}

/// The keys that close the help, as its lines name them: Esc, q, Enter and the help key.
fn closers(state: &State) -> String {
    let help = state.keymap.keys_for(crate::app::keymap::Command::Help);
    match help.first() {
        Some(key) => format!("esc, q, enter or {key} closes"),
        None => "esc, q or enter closes".to_string(),
    }
}

fn footer(
    closers: &str,
    entries: usize,
    scroll: usize,
    shown: usize,
    total: usize,
    theme: &Theme,
) -> Line<'static> {
    if entries == 0 {
        return Line::styled("no key matches the search", theme.warning);
    }
    if shown < total {
        return Line::styled(
            format!(
                "rows {}–{} of {total} · j/k scroll",
                scroll + 1,
                scroll + shown
            ),
            theme.dim,
        );
    }
    let noun = if entries == 1 { "key" } else { "keys" };
    Line::styled(format!("{entries} {noun} · {closers}"), theme.dim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_count_of_matches_is_singular_for_one() {
        let theme = Theme::dark();
        let closers = "esc, q, enter or ? closes";
        assert_eq!(
            text(&footer(closers, 1, 0, 2, 2, &theme)),
            "1 key · esc, q, enter or ? closes"
        );
        assert_eq!(
            text(&footer(closers, 3, 0, 4, 4, &theme)),
            "3 keys · esc, q, enter or ? closes"
        );
    }
}
