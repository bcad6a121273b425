//! The lifecycle view's two tables: one row per rule in priority order, and every image
//! with what the policy does to it.

use crate::app::lifecycle::{LifecycleView, RuleLine, Stage};
use crate::ecr::model::short_digest;
use crate::format;
use crate::layout::{Column, SIZE_COLUMN, fit_columns};
use crate::lifecycle::Disposition;
use crate::ui::Theme;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table};

const IMAGE_COLUMNS: [Column; 5] = [
    Column::new("TAGS", 0, 0, None),
    Column::new("DIGEST", 12, 3, None),
    Column::new("SIZE", SIZE_COLUMN, 2, None),
    Column::new("PUSHED", 7, 2, None),
    Column::new("DRY RUN", 24, 1, None),
];

const RULE_COLUMNS: [Column; 5] = [
    Column::new("PRIORITY", 8, 0, None),
    Column::new("MATCHED", 7, 2, None),
    Column::new("ACTS ON", 10, 1, None),
    Column::new("SIZE", SIZE_COLUMN, 2, None),
    Column::new("RULE", 0, 0, None),
];

/// One row per rule in priority order, and whether berth left that rule out.
pub(super) fn rule_rows(view: &LifecycleView) -> Vec<([String; 5], bool)> {
    let Some(run) = &view.dry_run else {
        return Vec::new();
    };
    run.summary
        .rules_by_priority()
        .into_iter()
        .map(|line| match line {
            RuleLine::Evaluated(rule) => {
                let o = rule.outcome;
                let cells = [
                    o.rule_priority.to_string(),
                    o.matched.to_string(),
                    match o.action {
                        crate::lifecycle::Action::TransitionToArchive => {
                            format!("{} archive", o.transitioned)
                        }
                        _ => format!("{} expire", o.expired),
                    },
                    format::size(o.bytes),
                    strip_priority(&rule.description),
                ];
                (cells, false)
            }
            RuleLine::NotEvaluated(skipped) => {
                let cells = [
                    skipped.rule_priority.to_string(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    strip_priority(&skipped.description),
                ];
                (cells, true)
            }
        })
        .collect()
}

/// `priority 3: images with …` without the priority, which has its own column.
fn strip_priority(description: &str) -> String {
    description
        .split_once(": ")
        .map_or(description, |(_, rest)| rest)
        .to_string()
}

pub(super) fn draw_rules(
    frame: &mut Frame,
    area: Rect,
    rows: Vec<([String; 5], bool)>,
    theme: &Theme,
) {
    if area.height == 0 {
        return;
    }
    let keep = fit_columns(&RULE_COLUMNS, area.width);
    let header = Row::new(keep.iter().map(|&i| RULE_COLUMNS[i].title)).style(theme.column_header);
    let body: Vec<Row> = rows
        .into_iter()
        .map(|(row, skipped)| {
            let cells: Vec<Line> = keep
                .iter()
                .map(|&i| {
                    let text = row[i].clone();
                    match i {
                        4 if skipped => Line::styled(text, theme.warning),
                        4 => Line::styled(text, theme.text),
                        _ => Line::from(text).right_aligned(),
                    }
                })
                .collect();
            Row::new(cells)
        })
        .collect();
    frame.render_widget(
        Table::new(body, widths(&RULE_COLUMNS, &keep))
            .header(header)
            .column_spacing(1),
        area,
    );
}

fn widths(columns: &[Column], keep: &[usize]) -> Vec<Constraint> {
    keep.iter()
        .map(|&i| match columns[i].width {
            0 => Constraint::Min(14),
            w => Constraint::Length(w),
        })
        .collect()
}

fn outcome_cell(disposition: Option<Disposition>, theme: &Theme) -> (Line<'static>, Style) {
    match disposition {
        Some(Disposition::Expired { rule_priority }) => (
            Line::styled(format!("expires · rule {rule_priority}"), theme.critical),
            theme.warning,
        ),
        Some(Disposition::Transitioned { rule_priority }) => (
            Line::styled(format!("archives · rule {rule_priority}"), theme.warning),
            theme.text,
        ),
        Some(Disposition::Undecided { rule_priority }) => (
            Line::styled(format!("? · rule {rule_priority} not evaluated"), theme.dim),
            theme.text,
        ),
        Some(Disposition::KeptForManifestList { rule_priority }) => (
            Line::styled(format!("kept: in an index ({rule_priority})"), theme.ok),
            theme.text,
        ),
        Some(Disposition::Kept {
            selected_by: Some(rule_priority),
        }) => (
            Line::styled(format!("kept · rule {rule_priority}"), theme.dim),
            theme.text,
        ),
        Some(Disposition::Kept { selected_by: None }) => {
            (Line::styled("kept · no rule", theme.dim), theme.text)
        }
        None => (Line::styled("-", theme.dim), theme.text),
    }
}

pub(super) fn draw_images(
    frame: &mut Frame,
    area: Rect,
    view: &LifecycleView,
    theme: &Theme,
    now: Timestamp,
) {
    if area.height == 0 {
        return;
    }
    let keep = fit_columns(&IMAGE_COLUMNS, area.width);
    let header = Row::new(keep.iter().map(|&i| {
        if i == 0 && view.expiring_only {
            "TAGS (expiring only)"
        } else {
            IMAGE_COLUMNS[i].title
        }
    }))
    .style(theme.column_header);
    let visible = usize::from(area.height.saturating_sub(1));
    let list = &view.list;
    // The key handler pages with the app's body height; make sure the cursor row is
    // drawn whatever this area's height is.
    let offset = list
        .offset
        .min(list.selected)
        .max((list.selected + 1).saturating_sub(visible));
    let end = (offset + visible).min(list.rows.len());
    let rows: Vec<Row> = (offset..end)
        .map(|position| {
            let image = &view.images[list.rows[position]];
            let disposition = view
                .dry_run
                .as_ref()
                .and_then(|run| run.dispositions.get(&image.digest).copied());
            let (outcome, tag_style) = outcome_cell(disposition, theme);
            let tags = if image.tags.is_empty() {
                Line::styled("<untagged>", theme.dim)
            } else {
                Line::styled(image.tags.join(", "), tag_style)
            };
            let mut all = [
                Some(tags),
                Some(Line::styled(
                    short_digest(&image.digest)
                        .trim_start_matches("sha256:")
                        .to_string(),
                    theme.dim,
                )),
                Some(Line::from(format::size(image.size_bytes)).right_aligned()),
                Some(Line::from(format::age(image.pushed_at, now))),
                Some(outcome),
            ];
            let row = Row::new(keep.iter().map(|&i| all[i].take().unwrap_or_default()));
            if position == list.selected {
                row.style(theme.selected)
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths(&IMAGE_COLUMNS, &keep))
            .header(header)
            .column_spacing(1),
        area,
    );
    if list.rows.is_empty() && area.height > 2 {
        let message = match view.stage {
            Stage::Ready if view.expiring_only => "no image expires (x shows every image)",
            Stage::Ready => "no images in this repository",
            _ => "",
        };
        frame.render_widget(
            Paragraph::new(Line::styled(message, theme.dim)),
            Rect {
                y: area.y + 2,
                height: 1,
                ..area
            },
        );
    }
}
