//! The lifecycle view's dialogs: the path of a policy file to load, and the confirmation
//! of an apply with what ECR would expire.

use crate::app::lifecycle::{Dialog, LifecycleView};
use crate::format;
use crate::sanitize::sanitize;
use crate::ui::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Draw the open dialog, if any, centred over `area`.
pub(super) fn draw_dialog(frame: &mut Frame, area: Rect, view: &LifecycleView, theme: &Theme) {
    let (title, lines) = match &view.dialog {
        Dialog::None => return,
        Dialog::LoadPath(input) => (
            " load a policy ",
            vec![
                Line::from("policy file (JSON):"),
                Line::styled(format!("> {}█", sanitize(input.value())), theme.text),
                Line::from(""),
                Line::styled("Enter loads · Esc cancels", theme.dim),
            ],
        ),
        Dialog::ConfirmApply { typed, needs_name } => {
            let mut lines = vec![Line::from(format!(
                "Put this lifecycle policy on {}?",
                view.repository
            ))];
            if let Some(run) = &view.dry_run {
                let s = &run.summary;
                lines.push(Line::styled(
                    format!(
                        "ECR would expire {} of {} images ({}) within about 24 hours.",
                        s.expired,
                        s.images,
                        format::size(s.bytes_reclaimed)
                    ),
                    if s.expired > 0 {
                        theme.warning
                    } else {
                        theme.text
                    },
                ));
                // The listed sizes count a shared layer once per image; this is what
                // the repository stops storing.
                lines.push(Line::from(format!(
                    "Storage freed: {} (the images' listed sizes: {}).",
                    super::freed_text(view),
                    format::size(s.bytes_reclaimed)
                )));
                let by_rule: Vec<String> = s
                    .rules
                    .iter()
                    .map(|r| format!("{}: {}", r.outcome.rule_priority, r.outcome.expired))
                    .collect();
                lines.push(Line::from(format!(
                    "Expired by rule: {}.",
                    by_rule.join(", ")
                )));
                if !s.warnings.is_empty() {
                    lines.push(Line::styled(
                        format!(
                            "{} about referrers and index platforms: see the dry run.",
                            super::plural(s.warnings.len(), "warning", "warnings")
                        ),
                        theme.warning,
                    ));
                }
                if !s.not_evaluated.is_empty() {
                    let skipped: Vec<String> = s
                        .not_evaluated
                        .iter()
                        .map(|r| r.rule_priority.to_string())
                        .collect();
                    lines.push(Line::styled(
                        format!("Rules {} are not in this dry run.", skipped.join(", ")),
                        theme.warning,
                    ));
                }
            }
            lines.push(Line::from(""));
            if *needs_name {
                lines.push(Line::from("Type the repository name to apply:"));
                lines.push(Line::styled(
                    format!("> {}█", sanitize(typed.value())),
                    theme.text,
                ));
                lines.push(Line::styled("Enter applies · Esc cancels", theme.dim));
            } else {
                lines.push(Line::styled("y applies · n or Esc cancels", theme.dim));
            }
            (" apply lifecycle policy ", lines)
        }
    };
    let width = 72.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.help_border)
                .title(title),
        ),
        popup,
    );
}
