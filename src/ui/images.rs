//! The images pane of one repository.

use super::Theme;
use super::format;
use super::table::{Column, draw_table, highlighted};
use crate::app::State;
use crate::app::state::IMAGE_SORTS;
use crate::ecr::model::{Image, ManifestKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const COLUMNS: [Column; 7] = [
    Column {
        title: "TAGS",
        width: 0,
        priority: 0,
        sort: Some("tags"),
    },
    Column {
        title: "DIGEST",
        width: 19,
        priority: 2,
        sort: None,
    },
    Column {
        title: "SIZE",
        width: 10,
        priority: 1,
        sort: Some("size"),
    },
    Column {
        title: "PUSHED",
        width: 7,
        priority: 1,
        sort: Some("pushed"),
    },
    Column {
        title: "PULLED",
        width: 7,
        priority: 4,
        sort: Some("pulled"),
    },
    Column {
        title: "SCAN",
        width: 12,
        priority: 3,
        sort: None,
    },
    Column {
        title: "TYPE",
        width: 8,
        priority: 5,
        sort: None,
    },
];

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let pane = &state.images;
    let sort = IMAGE_SORTS
        .get(pane.list.sort_column)
        .map(|name| (*name, pane.list.descending));
    let empty = if let Some(error) = &pane.error {
        Line::styled(error.clone(), theme.error)
    } else if pane.loading.is_some() {
        Line::styled("loading images…", theme.dim)
    } else if pane.list.filter.is_active() {
        Line::styled("no image matches the filter", theme.dim)
    } else {
        Line::styled("no images in this repository", theme.dim)
    };
    draw_table(
        frame,
        area,
        theme,
        &COLUMNS,
        sort,
        &pane.list,
        empty,
        |index| {
            let image = &pane.images[index];
            let tags = if image.tags.is_empty() {
                Line::styled("<untagged>", theme.dim)
            } else {
                highlighted(
                    &image.tags.join(", "),
                    &pane.list.filter,
                    theme.text,
                    theme.match_highlight,
                )
            };
            let kind = match image.kind {
                ManifestKind::ManifestList => Line::styled("index", theme.ok),
                kind => Line::from(kind.label()),
            };
            vec![
                tags,
                Line::styled(image.short_digest().to_string(), theme.dim),
                Line::from(format::size(image.size_bytes)).right_aligned(),
                Line::from(format::age_or_dash(image.pushed_at, state.now)),
                Line::from(format::age_or_dash(image.last_pulled_at, state.now)),
                scan_cell(image, theme),
                kind,
            ]
        },
    );
}

fn scan_cell(image: &Image, theme: &Theme) -> Line<'static> {
    let Some(scan) = &image.scan else {
        return Line::styled("-", theme.dim);
    };
    match (&scan.counts, scan.status.as_str()) {
        (Some(counts), "COMPLETE" | "ACTIVE") => {
            let text = counts.compact();
            if text.is_empty() {
                return Line::styled("clean", theme.ok);
            }
            let style = if counts.get(crate::ecr::model::Severity::Critical) > 0 {
                theme.critical
            } else if counts.get(crate::ecr::model::Severity::High) > 0 {
                theme.high
            } else {
                theme.text
            };
            Line::from(Span::styled(text, style))
        }
        (None, "COMPLETE" | "ACTIVE") => Line::styled("clean", theme.ok),
        (_, "FAILED") => Line::styled("failed", theme.error),
        (_, status) => Line::styled(status.to_ascii_lowercase().replace('_', " "), theme.dim),
    }
}

/// The detail line for the selected image: full digest, absolute times, every tag.
pub fn detail(state: &State) -> String {
    let pane = &state.images;
    let Some(image) = pane.list.selected_item().map(|i| &pane.images[i]) else {
        return String::new();
    };
    let mut parts = vec![image.digest.clone()];
    if let Some(pushed) = image.pushed_at {
        parts.push(format!("pushed {}", format::utc(pushed)));
    }
    match image.last_pulled_at {
        Some(pulled) => parts.push(format!("pulled {}", format::utc(pulled))),
        None => parts.push("never pulled".into()),
    }
    if image.kind == ManifestKind::ManifestList {
        parts.push(
            "multi-platform index (size is the index's own figure, not its children's)".into(),
        );
    } else if let Some(media) = &image.manifest_media_type {
        parts.push(media.clone());
    }
    parts.join(" · ")
}
