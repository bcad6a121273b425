//! Drawing the findings pane (one image's findings), a finding's card and the
//! triage view. Everything drawn from the registry was sanitized in `src/ecr/`.

use super::Theme;
use super::table::{draw_table, highlighted, highlighted_fields};
use crate::app::findings::grouping::CveGroup;
use crate::app::findings::{FINDING_SORTS, FindingsPane, LineKind, TriagePane, card_lines};
use crate::ecr::findings::{Finding, NOT_SCANNED, severity_word};
use crate::ecr::model::{Severity, SeverityCounts, short_digest};
use crate::format;
use crate::layout::Column;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const FINDING_COLUMNS: [Column; 8] = [
    Column::new("SEVERITY", 8, 0, Some("severity")),
    Column::new("NAME", 19, 0, Some("name")),
    Column::new("PACKAGE", 0, 0, Some("package")),
    Column::new("INSTALLED", 22, 3, None),
    Column::new("FIXED", 22, 2, None),
    Column::new("SCORE", 5, 1, Some("score")),
    Column::new("FIX", 7, 4, None),
    Column::new("EXPLOIT", 7, 5, None),
];

const TRIAGE_COLUMNS: [Column; 8] = [
    Column::new("SEVERITY", 8, 0, None),
    Column::new("CVE", 19, 0, None),
    Column::new("SCORE", 5, 2, None),
    Column::new("IMAGES", 6, 0, None),
    Column::new("REPOS", 5, 1, None),
    Column::new("FIX", 7, 3, None),
    Column::new("EXPLOIT", 7, 4, None),
    Column::new("PACKAGES", 0, 0, None),
];

/// The severity each toggle slot is drawn with.
const SLOT_SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Informational,
];

/// The style a severity is drawn in.
pub fn severity_style(severity: Severity, theme: &Theme) -> Style {
    match severity {
        Severity::Critical => theme.critical,
        Severity::High => theme.high,
        Severity::Medium => theme.medium,
        _ => theme.low,
    }
}

fn severity_cell(severity: Severity, theme: &Theme) -> Line<'static> {
    // Eight columns: the two long words are cut where they still read.
    let word = match severity {
        Severity::Informational => "INFO",
        Severity::Undefined => "UNDEF",
        other => severity_word(other),
    };
    Line::styled(word, severity_style(severity, theme))
}

fn score_cell(score: Option<f64>) -> Line<'static> {
    Line::from(score.map_or_else(|| "-".to_string(), |s| format!("{s:.1}"))).right_aligned()
}

fn counts_spans(counts: &SeverityCounts, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for severity in Severity::ALL {
        let n = counts.get(severity);
        if n > 0 {
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::styled(
                format!("{}{n}", severity.letter()),
                severity_style(severity, theme),
            ));
        }
    }
    spans
}

/// Draw the findings pane of one image in `area` (or, after Enter, the open finding's
/// card).
pub fn draw(frame: &mut Frame, area: Rect, pane: &FindingsPane, theme: &Theme, _now: Timestamp) {
    if let Some(finding) = pane.card_finding() {
        let scroll = pane.card.map_or(0, |c| c.scroll);
        draw_card(frame, area, finding, scroll, theme);
        return;
    }
    let [summary, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(summary_line(pane, theme)), summary);
    let sort = FINDING_SORTS
        .get(pane.list.sort_column)
        .map(|name| (*name, pane.list.descending));
    draw_table(
        frame,
        table,
        theme,
        &FINDING_COLUMNS,
        sort,
        &pane.list,
        empty_message(pane, theme),
        |index| finding_cells(&pane.scan.findings[index], pane, theme),
    );
}

fn summary_line(pane: &FindingsPane, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(target) = &pane.target {
        let name = match target.tags.first() {
            Some(tag) => format!("{}:{tag}", target.repository),
            None => format!("{}@{}", target.repository, short_digest(&target.digest)),
        };
        spans.push(Span::styled(name, theme.text.add_modifier(Modifier::BOLD)));
        spans.push(Span::styled(" · ", theme.dim));
    }
    if !pane.scan.status.is_empty() {
        spans.push(Span::styled(
            pane.scan.status.to_ascii_lowercase().replace('_', " "),
            theme.dim,
        ));
        spans.push(Span::styled(" · ", theme.dim));
    }
    if pane.has_results() {
        let counts = counts_spans(&pane.scan.counts, theme);
        if counts.is_empty() {
            spans.push(Span::styled("no findings", theme.ok));
        } else {
            spans.extend(counts);
            if !pane.scan.counts_reported {
                spans.push(Span::styled(" (counted)", theme.dim));
            }
        }
        spans.push(Span::styled(" · ", theme.dim));
    }
    // Keys 1–5 switch these; a hidden severity's letter is dimmed and struck through.
    spans.push(Span::styled("1-5:", theme.dim));
    for (slot, severity) in SLOT_SEVERITIES.into_iter().enumerate() {
        let style = if pane.hidden[slot] {
            theme.dim.add_modifier(Modifier::CROSSED_OUT)
        } else {
            severity_style(severity, theme)
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(severity.letter().to_string(), style));
    }
    if pane.loading && pane.pages > 0 {
        spans.push(Span::styled(
            format!(" · loading page {}…", pane.pages + 1),
            theme.dim,
        ));
    }
    Line::from(spans)
}

fn empty_message(pane: &FindingsPane, theme: &Theme) -> Line<'static> {
    if let Some(error) = &pane.error {
        return Line::styled(error.clone(), theme.error);
    }
    if pane.loading {
        return Line::styled("loading findings…", theme.dim);
    }
    match pane.scan.status.as_str() {
        NOT_SCANNED => {
            return Line::styled("this image has never been scanned", theme.dim);
        }
        "IN_PROGRESS" | "PENDING" => return Line::styled("the scan is in progress", theme.dim),
        "COMPLETE" | "ACTIVE" => {}
        other => {
            let text = pane
                .scan
                .status_description
                .clone()
                .unwrap_or_else(|| format!("no findings: scan status {other}"));
            return Line::styled(text, theme.warning);
        }
    }
    if pane.scan.findings.is_empty() {
        Line::styled("no findings: the scan found nothing", theme.ok)
    } else {
        Line::styled(
            "no finding matches the filter and severity toggles",
            theme.dim,
        )
    }
}

fn finding_cells(finding: &Finding, pane: &FindingsPane, theme: &Theme) -> Vec<Line<'static>> {
    // Versions are matched by the filter too: show where.
    let text = |value: &Option<String>| match value {
        Some(value) => highlighted(
            value,
            &pane.list.filter,
            ratatui::style::Style::default(),
            theme.match_highlight,
        ),
        None => Line::from("-"),
    };
    let fix = match finding.fix_available {
        Some(fix) => Line::styled(
            fix.label().to_lowercase(),
            if fix == crate::ecr::findings::FixAvailable::No {
                theme.dim
            } else {
                theme.ok
            },
        ),
        None => Line::styled("?", theme.dim),
    };
    let exploit = match finding.exploit_available {
        Some(true) => Line::styled("yes", theme.error),
        Some(false) => Line::styled("no", theme.dim),
        None => Line::styled("?", theme.dim),
    };
    vec![
        severity_cell(finding.severity, theme),
        highlighted(
            &finding.name,
            &pane.list.filter,
            theme.text,
            theme.match_highlight,
        ),
        match &finding.package_name {
            Some(package) => highlighted(
                package,
                &pane.list.filter,
                theme.text,
                theme.match_highlight,
            ),
            // The placeholder is not matched, so never highlighted.
            None => Line::styled("-", theme.text),
        },
        text(&finding.package_version),
        text(&finding.fixed_in_version),
        score_cell(finding.score),
        fix,
        exploit,
    ]
}

fn draw_card(frame: &mut Frame, area: Rect, finding: &Finding, scroll: usize, theme: &Theme) {
    let lines: Vec<Line> = styled_card(finding, usize::from(area.width), theme)
        .into_iter()
        .skip(scroll)
        .take(usize::from(area.height))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The side panel of a wide terminal: the selected finding in full.
pub fn panel(pane: &FindingsPane, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    match pane.selected() {
        Some(finding) => styled_card(finding, usize::from(width), theme),
        None => Vec::new(),
    }
}

/// The side panel of a wide terminal in the triage view: the selected CVE.
pub fn triage_panel(pane: &TriagePane, theme: &Theme) -> Vec<Line<'static>> {
    let Some(group) = pane.selected() else {
        return triage_errors(pane, theme);
    };
    let label = |text: &str| Span::styled(format!("{text:<10}"), theme.dim);
    let field = |name: &str, value: String| Line::from(vec![label(name), Span::raw(value)]);
    let mut lines = vec![
        Line::styled(
            group.name.clone(),
            severity_style(group.severity, theme).add_modifier(Modifier::BOLD),
        ),
        field("severity", severity_word(group.severity).to_string()),
        field(
            "score",
            group
                .score
                .map_or_else(|| "-".into(), |s| format!("{s:.1}")),
        ),
        field("packages", group.packages.join(", ")),
        field(
            "fixed in",
            if group.fixed_in.is_empty() {
                "-".into()
            } else {
                group.fixed_in.join(", ")
            },
        ),
        field("fix", group.fix.label().to_lowercase()),
        field("exploit", if group.exploit { "known" } else { "-" }.into()),
        field(
            "images",
            format!(
                "{} in {} repositories",
                group.affected.len(),
                pane.repository_count(group)
            ),
        ),
    ];
    if let Some(uri) = &group.uri {
        lines.push(field("link", uri.clone()));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(group.description.clone(), theme.text));
    let errors = triage_errors(pane, theme);
    if !errors.is_empty() {
        lines.push(Line::from(""));
        lines.extend(errors);
    }
    lines
}

/// What the triage could not read, one line each (the summary only counts them).
fn triage_errors(pane: &TriagePane, theme: &Theme) -> Vec<Line<'static>> {
    if pane.errors.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::styled("not read", theme.dim)];
    lines.extend(
        pane.errors
            .iter()
            .map(|error| Line::styled(error.clone(), theme.error)),
    );
    lines
}

/// A finding's card, styled: the title in its severity's colour, labels dimmed.
fn styled_card(finding: &Finding, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    card_lines(finding, width)
        .into_iter()
        .map(|line| {
            let style = match line.kind {
                LineKind::Title => {
                    severity_style(finding.severity, theme).add_modifier(Modifier::BOLD)
                }
                LineKind::Heading => theme.column_header,
                LineKind::Field | LineKind::Blank => theme.text,
                LineKind::Body => theme.text,
            };
            if line.kind == LineKind::Field
                && let Some((label, value)) = line.text.split_once(": ")
            {
                return Line::from(vec![
                    Span::styled(format!("{label}: "), theme.dim),
                    Span::styled(value.to_string(), style),
                ]);
            }
            Line::styled(line.text, style)
        })
        .collect()
}

/// The two footer lines under the findings pane.
pub fn footer(pane: &FindingsPane) -> [String; 2] {
    if pane.card.is_some() {
        return ["j/k scroll · esc closes the finding".into(), String::new()];
    }
    let Some(finding) = pane.selected() else {
        return Default::default();
    };
    let package = match (&finding.package_name, &finding.package_version) {
        (Some(name), Some(version)) => format!(" · {name} {version}"),
        (Some(name), None) => format!(" · {name}"),
        _ => String::new(),
    };
    let fixed = finding
        .fixed_in_version
        .as_ref()
        .map(|v| format!(" → {v}"))
        .unwrap_or_default();
    [
        format!("{}{package}{fixed}", finding.name),
        finding.description.clone(),
    ]
}

/// Draw the triage view: CVEs on top, the selected CVE's images below.
pub fn draw_triage(
    frame: &mut Frame,
    area: Rect,
    pane: &TriagePane,
    theme: &Theme,
    now: Timestamp,
) {
    let affected_height = crate::app::findings::affected_height(area.height);
    let [summary, table, affected] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(affected_height),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(triage_summary(pane, theme)), summary);
    let registries = match pane.targets.len() {
        1 => "the registry".to_string(),
        n => format!("{n} registries"),
    };
    let empty = if pane.is_loading() {
        Line::styled(format!("sweeping {registries}…"), theme.dim)
    } else if pane.list.filter.is_active() {
        Line::styled("no CVE matches the filter", theme.dim)
    } else if let Some(first) = pane.errors.first() {
        // Not "no findings": part of what was asked could not be read.
        Line::styled(
            format!(
                "no findings at {} or above in what could be read; {} not read: {first}",
                severity_word(pane.min_severity),
                match pane.errors.len() {
                    1 => "1 part".to_string(),
                    n => format!("{n} parts, the first"),
                }
            ),
            theme.error,
        )
    } else {
        Line::styled(
            format!(
                "no findings at {} or above in {registries}",
                severity_word(pane.min_severity)
            ),
            theme.ok,
        )
    };
    draw_table(
        frame,
        table,
        theme,
        &TRIAGE_COLUMNS,
        None,
        &pane.list,
        empty,
        |index| group_cells(&pane.triage.groups[index], pane, theme),
    );
    if let Some(group) = pane.selected() {
        draw_affected(frame, affected, pane, group, theme, now);
    }
}

fn triage_summary(pane: &TriagePane, theme: &Theme) -> Line<'static> {
    let levels: Vec<&str> = Severity::ALL
        .iter()
        .filter(|s| **s <= pane.min_severity)
        .map(|s| severity_word(*s))
        .collect();
    let mut spans = vec![
        Span::styled(
            format!("{} · ", levels.join("/").to_lowercase()),
            theme.text.add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "{} CVEs · {} of {} images",
                pane.triage.groups.len(),
                pane.images.len(),
                pane.images_seen
            ),
            theme.text,
        ),
    ];
    // Errors first: a narrow terminal cuts the end of the line, and what failed matters
    // more than how much was read.
    if !pane.errors.is_empty() {
        let n = pane.errors.len();
        spans.push(Span::styled(
            format!(" · {n} error{}", if n == 1 { "" } else { "s" }),
            theme.error,
        ));
    }
    if pane.is_loading() {
        spans.push(Span::styled(" · sweeping…", theme.dim));
    }
    if let Some(repositories) = pane.repositories {
        spans.push(Span::styled(
            format!(" · {repositories} repositories"),
            theme.text,
        ));
    }
    if pane.across_registries() {
        let total = pane.targets.len();
        spans.push(Span::styled(
            format!(" · {}/{total} registries read", total - pane.pending),
            theme.text,
        ));
    }
    Line::from(spans)
}

fn group_cells(group: &CveGroup, pane: &TriagePane, theme: &Theme) -> Vec<Line<'static>> {
    vec![
        severity_cell(group.severity, theme),
        highlighted(
            &group.name,
            &pane.list.filter,
            theme.text,
            theme.match_highlight,
        ),
        score_cell(group.score),
        Line::from(group.affected.len().to_string()).right_aligned(),
        Line::from(pane.repository_count(group).to_string()).right_aligned(),
        Line::styled(
            group.fix.label().to_lowercase(),
            if group.fix == crate::app::findings::grouping::FixState::Yes {
                theme.ok
            } else {
                theme.dim
            },
        ),
        if group.exploit {
            Line::styled("yes", theme.error)
        } else {
            Line::styled("-", theme.dim)
        },
        highlighted_fields(
            &group.packages,
            ", ",
            &pane.list.filter,
            theme.text,
            theme.match_highlight,
        ),
    ]
}

fn draw_affected(
    frame: &mut Frame,
    area: Rect,
    pane: &TriagePane,
    group: &CveGroup,
    theme: &Theme,
    now: Timestamp,
) {
    let accounts = match group.accounts.len() {
        0 => String::new(),
        1 => " · 1 account".to_string(),
        n => format!(" · {n} accounts"),
    };
    let mut lines = vec![Line::styled(
        format!(
            "{} in {} images{accounts} (y copies their pinned URIs) · {}",
            group.name,
            group.affected.len(),
            group.repositories.join(", ")
        ),
        theme.column_header,
    )];
    let room = usize::from(area.height).saturating_sub(1);
    let total = group.affected.len();
    for (shown, (affected, image)) in group
        .affected
        .iter()
        .filter_map(|a| pane.images.get(a.image).map(|i| (a, i)))
        .enumerate()
    {
        if shown + 1 == room && total > room {
            lines.push(Line::styled(
                format!("… and {} more", total - shown),
                theme.dim,
            ));
            break;
        }
        let tags = if image.tags.is_empty() {
            "<untagged>".to_string()
        } else {
            image.tags.join(",")
        };
        let package = match (&affected.package_name, &affected.package_version) {
            (Some(name), Some(version)) => format!("{name} {version}"),
            (Some(name), None) => name.clone(),
            _ => "-".into(),
        };
        let fixed = affected
            .fixed_in_version
            .as_ref()
            .map(|v| format!(" → {v}"))
            .unwrap_or_default();
        let mut spans = Vec::new();
        if let Some(origin) = &image.origin {
            spans.push(Span::styled(
                format!("{} {} · ", origin.account_label(), origin.region),
                theme.column_header,
            ));
        }
        spans.extend([
            Span::styled(format!("{}:", image.repository), theme.text),
            Span::styled(tags, theme.text.add_modifier(Modifier::BOLD)),
            Span::styled(
                format!(
                    " @{} · pushed {} · pulled {} · ",
                    short_digest(&image.digest).trim_start_matches("sha256:"),
                    format::age_or_dash(image.pushed_at, now),
                    format::age_or_dash(image.last_pulled_at, now),
                ),
                theme.dim,
            ),
            Span::styled(format!("{package}{fixed}"), theme.text),
        ]);
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The two footer lines under the triage view.
pub fn triage_footer(pane: &TriagePane) -> [String; 2] {
    let Some(group) = pane.selected() else {
        return Default::default();
    };
    let fixed = if group.fixed_in.is_empty() {
        String::new()
    } else {
        format!(" · fixed in {}", group.fixed_in.join(", "))
    };
    [
        format!(
            "{} · {}{fixed}{}",
            group.name,
            group.packages.join(", "),
            group
                .uri
                .as_ref()
                .map(|u| format!(" · {u}"))
                .unwrap_or_default()
        ),
        group.description.clone(),
    ]
}

#[cfg(test)]
mod tests;
