//! The images pane of one repository.

use super::Theme;
use super::table::{draw_table, highlighted, highlighted_fields, highlighted_id};
use crate::app::State;
use crate::app::state::{IMAGE_SORTS, UNTAGGED};
use crate::ecr::model::{Image, ManifestKind};
use crate::format;
use crate::layout::{IMAGE_COLUMNS, with_time_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// What runs `image`, as far as the in-use lookup knows.
fn usage_of(state: &State, image: &Image) -> crate::app::usage::ImageUsage {
    let pane = &state.images;
    let repository = pane.repository.as_ref().map_or("", |r| r.name.as_str());
    state
        .usage
        .image(&pane.registry, repository, &image.digest, &image.tags)
}

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
    let columns = with_time_style(&IMAGE_COLUMNS, state.time_style.absolute);
    let tree = &pane.tree;
    // Room for the fold glyphs when some rows fold under others.
    let gutter = tree.has_links() && !pane.flat;
    let tags_width = {
        let keep = crate::layout::fit_columns(&columns, area.width);
        let drawn = crate::layout::drawn_widths(&columns, &keep, area.width);
        // TAGS is the first column and always kept.
        usize::from(drawn.first().copied().unwrap_or(0))
    };
    draw_table(
        frame,
        area,
        theme,
        &columns,
        sort,
        &pane.list,
        empty,
        |index| {
            let image = &pane.images[index];
            let parent = tree.parent_of(index).map(|p| &pane.images[p]);
            // What this row is to its parent: `signature`, `SBOM`, … or `platform`.
            let role = parent.map(|p| role_of(image, p));
            let depth = tree.depth_of(index);
            let mut tags = if image.tags.is_empty() && depth > 0 {
                // Folded under its parent, the row says what it is, not "untagged": a
                // platform also which one.
                let text = match (role, pane.platforms.get(&image.digest)) {
                    // Under its index, `linux/arm64/v8` says what the row is.
                    (Some("platform"), Some(platform)) => platform.clone(),
                    _ => role.unwrap_or_default().to_string(),
                };
                Line::styled(text, theme.dim)
            } else if image.tags.is_empty() {
                let mut line = highlighted(
                    UNTAGGED,
                    &pane.list.filter,
                    theme.dim,
                    theme.match_highlight,
                );
                if let (Some(role), Some(parent)) = (role, parent) {
                    // Say whose it is, not just "untagged".
                    line.spans.push(Span::styled(
                        format!(" {role} of {}", label_of(parent)),
                        theme.dim,
                    ));
                }
                line.style = theme.dim;
                line
            } else {
                highlighted_fields(
                    &image.tags,
                    ", ",
                    &pane.list.filter,
                    theme.text,
                    theme.match_highlight,
                )
            };
            // The badges say what is folded: they keep their room, the tags give way.
            let carried = tree.carried(&pane.images, index);
            let badges = if carried.is_empty() {
                String::new()
            } else {
                // Room for the tags: all of them, or at least 10 columns.
                let room = tags_width.saturating_sub(4 + 2 * usize::from(depth));
                let wanted = image
                    .tags
                    .join(", ")
                    .len()
                    .clamp(UNTAGGED.len().min(10), 10);
                [carried.badges(), carried.short_badges()]
                    .into_iter()
                    .map(|badges| format!("  {badges}"))
                    .find(|badges| format::width(badges) + wanted <= room)
                    .unwrap_or_else(|| format!("  +{}", carried.total()))
            };
            if !badges.is_empty() {
                let room =
                    tags_width.saturating_sub(4 + 2 * usize::from(depth) + format::width(&badges));
                tags = super::table::fit_middle(tags, room);
                tags.spans.push(Span::styled(badges, theme.ok));
            }
            if gutter {
                let fold = if depth > 0 {
                    format!("{}└ ", "  ".repeat(usize::from(depth) - 1))
                } else if tree.children_of(index).is_empty() {
                    "  ".to_string()
                } else if pane.expanded.contains(&image.digest) {
                    "▾ ".to_string()
                } else {
                    "▸ ".to_string()
                };
                tags.spans.insert(0, Span::styled(fold, theme.dim));
            }
            // A glyph as well as a style, so marks show without colour too.
            let mark = if pane.marked.contains(&image.digest) {
                Span::styled("● ", theme.marked)
            } else {
                Span::raw("  ")
            };
            tags.spans.insert(0, mark);
            let archived = image.status != crate::ecr::model::ImageStatus::Active;
            if archived {
                // Listed and billed, not pullable: the whole row reads quieter.
                tags.style = theme.dim;
            }
            let kind = match image.kind {
                _ if archived => Line::styled(image.status.as_str().to_lowercase(), theme.warning),
                ManifestKind::ManifestList => Line::styled("index", theme.ok),
                _ if role.is_some() => Line::styled(role.unwrap_or_default(), theme.dim),
                _ if image.subject_digest.is_some() => Line::styled(
                    crate::app::operate::artifact_word(image.artifact_type.as_deref()),
                    theme.dim,
                ),
                kind => Line::from(kind.label()),
            };
            vec![
                tags,
                highlighted_id(
                    image.short_digest().trim_start_matches("sha256:"),
                    &image.digest,
                    &pane.list.filter,
                    theme.dim,
                    theme.match_highlight,
                ),
                Line::from(format::size(image.size_bytes)).right_aligned(),
                // An archived image's manifest cannot be read: say why its figure is not
                // there (and so the status shows even where TYPE is left out).
                if archived {
                    Line::styled(image.status.as_str().to_lowercase(), theme.warning)
                        .right_aligned()
                } else {
                    Line::from(pane.storage.unique_text(index)).right_aligned()
                },
                Line::from(format::time_cell(
                    image.pushed_at,
                    state.now,
                    state.time_style,
                )),
                Line::from(format::time_cell(
                    image.last_pulled_at,
                    state.now,
                    state.time_style,
                )),
                scan_cell(image, theme),
                kind,
                Line::styled(
                    crate::app::usage::column_text(
                        &usage_of(state, image),
                        state.usage.map(&pane.registry),
                    ),
                    theme.warning,
                ),
            ]
        },
    );
}

/// A referrer, for the footer: `signature (application/vnd.dev.cosign…) of v1.2
/// (sha256:…)`, or that the image it names is not in the repository.
fn referrer_description(state: &State, image: &Image, subject: &str) -> String {
    let pane = &state.images;
    let word = crate::app::operate::artifact_word(image.artifact_type.as_deref());
    let kind = match &image.artifact_type {
        Some(t) => format!("{word} ({t})"),
        None => word.to_string(),
    };
    let short = crate::ecr::model::short_digest(subject);
    let parent = pane
        .list
        .selected_item()
        .and_then(|index| pane.tree.parent_of(index))
        .map(|p| &pane.images[p]);
    match parent {
        Some(parent) if parent.digest == subject => match parent.tags.first() {
            Some(tag) => format!("{kind} of {tag} ({short})"),
            None => format!("{kind} of {short}"),
        },
        _ if pane.loading.is_some() => format!("{kind} of {short}"),
        _ => format!("{kind} of {short}, which is not in this repository (orphaned)"),
    }
}

/// What `image` is to `parent`, the listed image it folds under: the artifact word of a
/// referrer (`signature`, `SBOM`, `attestation`, `referrer`), else `platform`.
fn role_of(image: &Image, parent: &Image) -> &'static str {
    if image.subject_digest.as_deref() == Some(parent.digest.as_str()) {
        crate::app::operate::artifact_word(image.artifact_type.as_deref())
    } else {
        "platform"
    }
}

/// How a row names its parent: the parent's first tag, or its short digest.
fn label_of(parent: &Image) -> &str {
    parent
        .tags
        .first()
        .map_or_else(|| parent.short_digest(), String::as_str)
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

/// The footer lines for the selected image: full digest and kind, then absolute times.
pub fn footer(state: &State) -> [String; 2] {
    let pane = &state.images;
    let Some(image) = pane.list.selected_item().map(|i| &pane.images[i]) else {
        return Default::default();
    };
    let kind = match (
        image.kind,
        crate::app::operate::index_description(pane, &image.digest),
    ) {
        (ManifestKind::ManifestList, _) => {
            "multi-platform index (size is the index's own figure, not its children's)".to_string()
        }
        (_, Some(index)) => {
            let platform = pane
                .platforms
                .get(&image.digest)
                .map(|p| format!("{p} "))
                .unwrap_or_default();
            format!(
                "{platform}platform of the multi-arch index {index} (deleted with the index, not alone)"
            )
        }
        _ => match &image.subject_digest {
            Some(subject) => referrer_description(state, image, subject),
            None => image.manifest_media_type.clone().unwrap_or_default(),
        },
    };
    let mut times = Vec::new();
    match image.status {
        crate::ecr::model::ImageStatus::Active => {}
        crate::ecr::model::ImageStatus::Archived => times.push(match image.last_archived_at {
            Some(at) => format!("ARCHIVED {} (not pullable)", format::utc(at)),
            None => "ARCHIVED (not pullable)".to_string(),
        }),
        status => times.push(format!("{} (not pullable yet)", status.as_str())),
    }
    if let Some(pushed) = image.pushed_at {
        times.push(format!("pushed {}", format::utc(pushed)));
    }
    times.push(match image.last_pulled_at {
        Some(pulled) => format!("pulled {}", format::utc(pulled)),
        None => "never pulled".into(),
    });
    times.push(format!("{} bytes", image.size_bytes));
    let usage = usage_of(state, image);
    if usage.in_use() {
        times.push(crate::app::usage::usage_line(
            &usage,
            state.usage.map(&pane.registry),
        ));
    }
    [format!("{} · {kind}", image.digest), times.join(" · ")]
}

/// The side panel for the selected image on wide terminals: everything about it.
pub fn panel(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let pane = &state.images;
    let Some(image) = pane.list.selected_item().map(|i| &pane.images[i]) else {
        return Vec::new();
    };
    let label = |text: &str| Span::styled(format!("{text:<8}"), theme.column_header);
    let mut lines = vec![
        Line::from(vec![label("digest"), Span::raw(image.digest.clone())]),
        Line::from(vec![
            label("size"),
            Span::raw(format!(
                "{} ({} bytes)",
                format::size(image.size_bytes),
                image.size_bytes
            )),
        ]),
        Line::from(vec![label("kind"), Span::raw(image.kind.label())]),
    ];
    if let Some(index) = pane.list.selected_item() {
        // What deleting only this image frees, exact to the byte like the size above.
        let bytes = pane
            .storage
            .unique_of(index)
            .map(|figure| format!(" ({} bytes)", figure.bytes))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            label("unique"),
            Span::raw(format!("{}{bytes}", pane.storage.unique_text(index))),
        ]));
    }
    if let Some(index) = crate::app::operate::index_description(pane, &image.digest) {
        lines.push(Line::from(vec![
            label("index"),
            Span::raw(format!("{index}: this is one of its platforms")),
        ]));
    }
    if let Some(pushed) = image.pushed_at {
        lines.push(Line::from(vec![
            label("pushed"),
            Span::raw(format!(
                "{} ({} ago)",
                format::utc(pushed),
                format::age(pushed, state.now)
            )),
        ]));
    }
    lines.push(Line::from(vec![
        label("pulled"),
        Span::raw(match image.last_pulled_at {
            Some(pulled) => format!(
                "{} ({} ago)",
                format::utc(pulled),
                format::age(pulled, state.now)
            ),
            None => "never (or not recorded)".into(),
        }),
    ]));
    lines.push(Line::from(vec![
        label("scan"),
        scan_cell(image, theme)
            .spans
            .into_iter()
            .next()
            .unwrap_or_default(),
    ]));
    if let Some(media) = &image.manifest_media_type {
        lines.push(Line::from(vec![
            label("media"),
            Span::styled(media.clone(), theme.dim),
        ]));
    }
    let usage = usage_of(state, image);
    lines.push(Line::styled(
        crate::app::usage::usage_line(&usage, state.usage.map(&pane.registry)),
        if usage.in_use() {
            theme.warning
        } else {
            theme.dim
        },
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!("tags ({})", image.tags.len()),
        theme.column_header,
    ));
    if image.tags.is_empty() {
        lines.push(Line::styled("  <untagged>", theme.dim));
    }
    for tag in &image.tags {
        lines.push(Line::from(format!("  {tag}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use crate::app::fixtures::{image, now, open_with_images, with_repositories};
    use crate::ecr::model::ImageStatus;

    #[test]
    fn an_archived_image_says_so_in_the_footer_whatever_the_width() {
        let mut state = with_repositories(&["web/app"]);
        let mut archived = image(0, &["v0"], 1);
        archived.status = ImageStatus::Archived;
        archived.last_archived_at = Some(now());
        open_with_images(&mut state, vec![archived]);
        let [_, times] = super::footer(&state);
        assert!(
            times.starts_with(&format!(
                "ARCHIVED {} (not pullable)",
                crate::format::utc(now())
            )),
            "{times}"
        );
        state.images.images[0].status = ImageStatus::Active;
        let [_, times] = super::footer(&state);
        assert!(times.starts_with("pushed "), "{times}");
    }
}
