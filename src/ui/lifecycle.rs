//! The lifecycle view: the policy (pretty-printed, or "no policy"), the dry run's
//! summary and per-rule table, rules berth does not evaluate, ECR's preview next to
//! berth's, and every image with what the policy does to it.
//!
//! Wide terminals show the policy text in a left column; narrow ones show it in place
//! of the image table (`tab` switches).
//!
//! This file: the layout, the lines above the tables, the policy text and the footer.
//! Beside it: `tables` (the rule table and the image table) and `dialog` (loading a
//! policy file, confirming an apply).

mod dialog;
mod tables;

use super::Theme;
use crate::app::lifecycle::{
    Comparison, EcrCheck, KEY_HELP, LifecycleView, PolicySource, Section, Stage,
};
use crate::ecr::model::short_digest;
use crate::format;
use crate::sanitize::sanitize;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// From this width the policy text gets its own column.
pub const WIDE: u16 = 140;

/// Width of the policy column in the wide layout.
const POLICY_COLUMN: u16 = 64;

/// Draw the view into `area` (the body between the header and the footer).
pub fn draw(frame: &mut Frame, area: Rect, view: &LifecycleView, theme: &Theme, now: Timestamp) {
    let (policy_area, main) = if area.width >= WIDE {
        let [left, right] =
            Layout::horizontal([Constraint::Length(POLICY_COLUMN), Constraint::Min(40)])
                .spacing(1)
                .areas(area);
        (Some(left), right)
    } else {
        (None, area)
    };
    if let Some(left) = policy_area {
        draw_policy(frame, left, view, theme, true);
    }
    let notes = notes(view, theme);
    let error = error_lines(view, theme);
    let rules = tables::rule_rows(view);
    let rule_height = if rules.is_empty() {
        0
    } else {
        // Keep at least a few image rows; long policies scroll in the policy text.
        (rules.len() as u16 + 1).min(main.height.saturating_sub(6).max(2))
    };
    let error_height = error
        .iter()
        .map(|line| line.width().div_ceil(usize::from(main.width.max(1))))
        .sum::<usize>()
        .min(3) as u16;
    let [title, summary, notes_area, error_area, rules_area, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(notes.len() as u16),
        Constraint::Length(error_height),
        Constraint::Length(rule_height),
        Constraint::Min(0),
    ])
    .areas(main);
    frame.render_widget(Paragraph::new(title_line(view, theme)), title);
    frame.render_widget(
        Paragraph::new(fit_spans(summary_line(view, theme), summary.width)),
        summary,
    );
    frame.render_widget(Paragraph::new(notes), notes_area);
    frame.render_widget(Paragraph::new(error).wrap(Wrap { trim: false }), error_area);
    tables::draw_rules(frame, rules_area, rules, theme);
    if policy_area.is_none() && view.section == Section::Policy {
        draw_policy(frame, rest, view, theme, false);
    } else {
        tables::draw_images(frame, rest, view, theme, now);
    }
    dialog::draw_dialog(frame, area, view, theme);
}

/// The two footer lines under the view: the keys, then the selected image.
pub fn footer(view: &LifecycleView) -> [String; 2] {
    let mut keys: Vec<String> = KEY_HELP
        .iter()
        .map(|(key, label, _)| format!("{key} {label}"))
        .collect();
    keys.push("esc back".into());
    let keys = keys.join(" · ");
    let image = view
        .list
        .selected_item()
        .and_then(|i| view.images.get(i))
        .map(|image| {
            let pulled = image.last_pulled_at.map_or_else(
                || "never pulled".to_string(),
                |t| format!("pulled {}", format::utc(t)),
            );
            format!(
                "{} · pushed {} · {pulled} · {} bytes",
                image.digest,
                format::utc(image.pushed_at),
                image.size_bytes
            )
        })
        .unwrap_or_default();
    [keys, image]
}

fn title_line(view: &LifecycleView, theme: &Theme) -> Line<'static> {
    let source = match &view.source {
        PolicySource::Repository if view.text.is_some() => "current policy".to_string(),
        PolicySource::Repository => "no policy".to_string(),
        PolicySource::Edited => "edited, not applied".to_string(),
        PolicySource::File(path) => {
            format!(
                "from {}, not applied",
                sanitize(&path.display().to_string())
            )
        }
    };
    let style = if view.is_unapplied() {
        theme.warning
    } else {
        theme.dim
    };
    let mut spans = vec![
        Span::styled("lifecycle dry run · ", theme.column_header),
        Span::styled(view.repository.clone(), theme.header_accent),
        Span::styled(format!(" · {source}"), style),
    ];
    if view.applying {
        spans.push(Span::styled(" · applying…", theme.warning));
    }
    Line::from(spans)
}

/// Drop trailing parts of `line` that would be cut off, keeping at least the first:
/// half a timestamp reads worse than none.
fn fit_spans(mut line: Line<'static>, width: u16) -> Line<'static> {
    while line.spans.len() > 1 && line.width() > usize::from(width) {
        line.spans.pop();
    }
    line
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What the dry run's expired images really free: `…` while the manifests are read,
/// `?` when they could not be.
pub(super) fn freed_text(view: &LifecycleView) -> String {
    match (&view.bytes_freed, &view.storage) {
        (Some(figure), _) => crate::app::storage::figure_text(*figure),
        (None, Some(Err(_))) => "?".into(),
        (None, _) => "…".into(),
    }
}

fn summary_line(view: &LifecycleView, theme: &Theme) -> Line<'static> {
    match &view.stage {
        Stage::Closed => Line::default(),
        Stage::Loading => Line::styled("loading the policy and every image…", theme.dim),
        Stage::Failed(error) => Line::styled(error.clone(), theme.error),
        Stage::Ready => match (&view.dry_run, &view.text) {
            (Some(run), _) => {
                let s = &run.summary;
                let mut spans = vec![
                    Span::styled(
                        format!(
                            "{} of {} expire",
                            s.expired,
                            plural(s.images, "image", "images")
                        ),
                        if s.expired > 0 {
                            theme.warning
                        } else {
                            theme.ok
                        },
                    ),
                    Span::styled(
                        format!(
                            " · {} of {} reclaimed",
                            format::size(s.bytes_reclaimed),
                            format::size(s.total_bytes)
                        ),
                        theme.text,
                    ),
                    // The listed sizes overstate: what the expired images really free.
                    Span::styled(format!(" · frees {}", freed_text(view)), theme.text),
                ];
                if s.transitioned > 0 {
                    spans.insert(
                        1,
                        Span::styled(
                            format!(
                                " · {} archived ({})",
                                s.transitioned,
                                format::size(s.bytes_transitioned)
                            ),
                            theme.warning,
                        ),
                    );
                }
                if s.protected > 0 {
                    spans.push(Span::styled(
                        format!(" · {} kept for manifest lists", s.protected),
                        theme.ok,
                    ));
                }
                spans.push(Span::styled(
                    format!(" · as of {}", format::utc(run.at)),
                    theme.dim,
                ));
                Line::from(spans)
            }
            (None, Some(_)) => Line::styled("no dry run: the policy is invalid", theme.error),
            (None, None) => Line::styled(
                "no policy — nothing expires. e writes one, o loads a file",
                theme.dim,
            ),
        },
    }
}

/// The view's message, last problem, and ECR's preview, one line each when present.
fn notes(view: &LifecycleView, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(problem) = &view.problem {
        lines.push(Line::styled(problem.clone(), theme.error));
    }
    if let Some(message) = &view.message {
        lines.push(Line::styled(message.clone(), theme.ok));
    }
    let ecr = match &view.ecr {
        EcrCheck::NotAsked => None,
        EcrCheck::Running => Some(Line::styled(
            "ECR preview: running (ECR evaluates asynchronously)…",
            theme.dim,
        )),
        EcrCheck::StillRunning => Some(Line::styled(
            "ECR preview: still running — press p again later to read it",
            theme.dim,
        )),
        EcrCheck::Unsupported(why) => Some(Line::styled(format!("ECR preview: {why}"), theme.dim)),
        EcrCheck::Failed(why) => Some(Line::styled(format!("ECR preview: {why}"), theme.error)),
        EcrCheck::Done(comparison) => Some(comparison_line(view, comparison, theme)),
    };
    lines.extend(ecr);
    lines.extend(warning_lines(view, theme));
    lines
}

/// At most this many of the dry run's warnings are shown, so the tables keep their room;
/// `berth lifecycle preview` lists them all.
const SHOWN_WARNINGS: usize = 2;

/// The dry run's warnings about referrers and index platforms, one line each.
fn warning_lines(view: &LifecycleView, theme: &Theme) -> Vec<Line<'static>> {
    let Some(run) = &view.dry_run else {
        return Vec::new();
    };
    let warnings = &run.summary.warnings;
    let mut lines: Vec<Line<'static>> = warnings
        .iter()
        .take(SHOWN_WARNINGS)
        .map(|warning| Line::styled(format!("warning: {warning}"), theme.warning))
        .collect();
    if warnings.len() > SHOWN_WARNINGS {
        lines.push(Line::styled(
            format!(
                "and {} more {} (berth lifecycle preview --repo {} lists every warning)",
                warnings.len() - SHOWN_WARNINGS,
                if warnings.len() - SHOWN_WARNINGS == 1 {
                    "warning"
                } else {
                    "warnings"
                },
                sanitize(&view.repository)
            ),
            theme.warning,
        ));
    }
    lines
}

fn comparison_line(view: &LifecycleView, c: &Comparison, theme: &Theme) -> Line<'static> {
    let stale = view.text.as_deref() != Some(c.text.as_str());
    let mut spans = Vec::new();
    if c.differences.is_empty() {
        let archive = if c.berth_archiving > 0 {
            format!(", {} archive", c.berth_archiving)
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!(
                "ECR preview agrees: {} expire{archive}",
                plural(c.berth_expiring, "image", "images")
            ),
            theme.ok,
        ));
    } else {
        spans.push(Span::styled(
            format!(
                "ECR preview differs on {} (ECR expires {} and archives {}, berth {} and {}, {} alike): ",
                plural(c.differences.len(), "image", "images"),
                c.ecr_expiring,
                c.ecr_archiving,
                c.berth_expiring,
                c.berth_archiving,
                c.agree
            ),
            theme.warning,
        ));
        let shown: Vec<String> = c
            .differences
            .iter()
            .take(3)
            .map(|d| {
                let fate = |f: Option<crate::app::lifecycle::Fate>| {
                    f.map_or("keeps".to_string(), |f| f.describe())
                };
                format!(
                    "{} berth {} / ECR {}",
                    short_digest(&d.digest).trim_start_matches("sha256:"),
                    fate(d.berth),
                    fate(d.ecr)
                )
            })
            .collect();
        spans.push(Span::styled(shown.join("; "), theme.text));
    }
    if stale {
        spans.push(Span::styled(" (for an earlier text)", theme.dim));
    }
    if !c.started {
        spans.push(Span::styled(
            " (read a preview that was already running)",
            theme.dim,
        ));
    }
    Line::from(spans)
}

fn error_lines(view: &LifecycleView, theme: &Theme) -> Vec<Line<'static>> {
    match &view.error {
        Some(err) => vec![Line::styled(
            format!("policy error: {}", sanitize(&err.to_string())),
            theme.error,
        )],
        None => Vec::new(),
    }
}

/// The policy text with line numbers (errors give a line and column), or a hint when
/// there is none.
fn draw_policy(frame: &mut Frame, area: Rect, view: &LifecycleView, theme: &Theme, column: bool) {
    if area.height == 0 {
        return;
    }
    let block = Block::default()
        .borders(if column { Borders::RIGHT } else { Borders::TOP })
        .border_style(theme.help_border)
        .title(Span::styled(" policy ", theme.column_header));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = if view.text.is_none() {
        let text = if view.stage == Stage::Loading {
            "loading…"
        } else {
            "no policy — nothing expires"
        };
        vec![Line::styled(text, theme.dim)]
    } else {
        let digits = view.policy_lines.len().to_string().len();
        view.policy_lines
            .iter()
            .enumerate()
            .skip(view.policy_scroll)
            .take(usize::from(inner.height))
            .map(|(n, line)| {
                Line::from(vec![
                    Span::styled(format!("{:>digits$} ", n + 1), theme.dim),
                    Span::styled(sanitize(line).into_owned(), theme.text),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod snapshots;
