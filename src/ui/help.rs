//! The help overlay, generated from the live keymap.

use super::Theme;
use super::format::{truncate_end, truncate_middle};
use crate::app::State;
use crate::app::keymap::Command;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Width of the key column of one entry.
const KEYS_WIDTH: usize = 14;
/// The widest a column of entries gets.
const COLUMN_WIDTH: usize = 62;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let entries: Vec<(String, &str)> = Command::ALL
        .iter()
        .map(|&command| {
            let keys: Vec<String> = state
                .keymap
                .keys_for(command)
                .iter()
                .map(ToString::to_string)
                .collect();
            (keys.join(" "), command.description())
        })
        .collect();
    // As many columns as it takes to show every key without scrolling.
    let rows = usize::from(area.height.saturating_sub(5)).max(1);
    let columns = entries.len().div_ceil(rows).max(1);
    let rows = entries.len().div_ceil(columns);
    let column_width = (usize::from(area.width.saturating_sub(2)) / columns).min(COLUMN_WIDTH);
    let mut lines: Vec<Line> = Vec::with_capacity(rows + 2);
    for row in 0..rows {
        let mut spans = Vec::new();
        for column in 0..columns {
            let Some((keys, description)) = entries.get(column * rows + row) else {
                continue;
            };
            let keys = truncate_middle(keys, KEYS_WIDTH);
            let room = column_width.saturating_sub(KEYS_WIDTH + 2);
            let description = truncate_end(description, room);
            spans.push(Span::styled(
                format!("{keys:>KEYS_WIDTH$}  "),
                theme.column_header,
            ));
            spans.push(Span::raw(format!("{description:<room$}")));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("any key closes this help", theme.dim));
    let width = ((column_width * columns) as u16 + 2).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.help_border)
                .title(" keys "),
        ),
        popup,
    );
}
