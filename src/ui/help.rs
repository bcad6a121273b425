//! The help overlay, generated from the live keymap.

use super::Theme;
use crate::app::State;
use crate::app::keymap::Command;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    for command in Command::ALL {
        let keys: Vec<String> = state
            .keymap
            .keys_for(command)
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{:>16}  ", keys.join(" ")), theme.column_header),
            Span::raw(command.description()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("any key closes this help", theme.dim));
    let width = 56.min(area.width);
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
