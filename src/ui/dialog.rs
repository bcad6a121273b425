//! Modal dialogs: prompts, confirmations and results of mutations.

use super::Theme;
use crate::app::State;
use crate::app::operate::{DeleteKind, DeletePlan, Dialog, TagChoice};
use crate::ecr::model::short_digest;
use crate::format;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// How many plan entries a confirmation lists before summarising the rest.
const LISTED: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(dialog) = &state.dialog else {
        return;
    };
    let (title, lines) = match dialog {
        Dialog::TagPrompt {
            digest,
            input,
            error,
            note,
        } => {
            let mut lines = vec![
                Line::from(format!("new tag for {}", short_digest(digest))),
                Line::from(vec![
                    Span::styled("tag: ", theme.column_header),
                    Span::raw(input.value().to_string()),
                    Span::styled("▏", theme.header_accent),
                ]),
            ];
            if let Some(note) = note {
                lines.push(Line::styled(note.clone(), theme.text));
            }
            if let Some(error) = error {
                lines.push(Line::styled(error.clone(), theme.error));
            }
            lines.push(Line::styled("enter: tag · esc: cancel", theme.dim));
            (" tag ".to_string(), lines)
        }
        Dialog::ConfirmMove { digest, tag, from } => (
            " move tag? ".to_string(),
            vec![
                Line::from(format!("{tag} names {} now.", short_digest(from))),
                Line::from(format!(
                    "Move it to {}? The other image keeps its other tags (or becomes untagged).",
                    short_digest(digest)
                )),
                Line::styled("y / enter: move · n / esc: cancel", theme.dim),
            ],
        ),
        Dialog::ChooseTag {
            choice,
            tags,
            selected,
            ..
        } => {
            let mut lines = vec![Line::from(match choice {
                TagChoice::Untag => "remove which tag?",
                TagChoice::CopyTagged => "copy the URI with which tag?",
            })];
            for (i, tag) in tags.iter().enumerate() {
                let style = if i == *selected {
                    theme.selected
                } else {
                    theme.text
                };
                lines.push(Line::styled(format!("  {tag}"), style));
            }
            lines.push(Line::styled(
                "j/k: move · enter: choose · esc: cancel",
                theme.dim,
            ));
            (" choose a tag ".to_string(), lines)
        }
        Dialog::ConfirmInUse { plan, usage } => {
            let mut lines: Vec<Line> = usage
                .warning_lines(plan)
                .into_iter()
                .map(|l| Line::styled(l, theme.warning))
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::styled(usage.extra_confirmation_prompt(), theme.error));
            (" images in use ".to_string(), lines)
        }
        Dialog::ConfirmDelete {
            plan,
            typed,
            error,
            usage,
        } => {
            let mut lines: Vec<Line> = usage
                .warning_lines(plan)
                .into_iter()
                .map(|l| Line::styled(l, theme.warning))
                .collect();
            lines.extend(plan_lines(plan, theme));
            lines.push(Line::from(""));
            match typed {
                Some(input) => {
                    lines.push(Line::styled(
                        format!(
                            "{} images: type the repository name to confirm",
                            plan.entries.len()
                        ),
                        theme.warning,
                    ));
                    lines.push(Line::from(vec![
                        Span::styled("repository: ", theme.column_header),
                        Span::raw(input.value().to_string()),
                        Span::styled("▏", theme.header_accent),
                    ]));
                    lines.push(Line::styled("enter: delete · esc: cancel", theme.dim));
                }
                None => {
                    // Say what the key does: an untag keeps the image.
                    let verb = match plan.kind {
                        DeleteKind::Untag => "untag",
                        DeleteKind::Images | DeleteKind::LastTag => "delete",
                    };
                    lines.push(Line::styled(
                        format!("y / enter: {verb} · n / esc: cancel"),
                        theme.dim,
                    ))
                }
            }
            if let Some(error) = error {
                lines.push(Line::styled(error.clone(), theme.error));
            }
            let title = match plan.kind {
                DeleteKind::Images => " confirm delete ",
                DeleteKind::Untag => " confirm untag ",
                // Removing the last tag deletes the image: the title says the worst part.
                DeleteKind::LastTag => " confirm delete (last tag) ",
            };
            (title.to_string(), lines)
        }
        Dialog::ConfirmStorageClass { request, lines } => {
            let lines = lines
                .iter()
                .map(|(text, warning)| {
                    let style = if *warning { theme.warning } else { theme.text };
                    Line::styled(text.clone(), style)
                })
                .collect();
            let title = match request.target {
                crate::ecr::model::StorageClass::Archive => " archive image ",
                crate::ecr::model::StorageClass::Standard => " restore from archive ",
            };
            (title.to_string(), lines)
        }
        Dialog::Busy { message } => (
            " working ".to_string(),
            vec![
                Line::from(message.clone()),
                Line::styled("keys are ignored until the registry answers", theme.dim),
            ],
        ),
        Dialog::Report { title, lines } => {
            let mut out: Vec<Line> = lines
                .iter()
                .map(|(text, failed)| {
                    Line::styled(text.clone(), if *failed { theme.error } else { theme.text })
                })
                .collect();
            out.push(Line::styled(
                "esc / enter / q closes · other keys do nothing here",
                theme.dim,
            ));
            (format!(" {title} "), out)
        }
    };
    // Across an organization every question says whose registry it is about.
    let registry = match state.pane {
        crate::app::state::Pane::Images | crate::app::state::Pane::Findings => {
            &state.images.registry
        }
        _ => &state.repositories.registry,
    };
    let title = match registry.source.member() {
        Some(account) => format!("{title}· account {} ", account.describe()),
        None => title,
    };
    let width = (area.width.saturating_sub(4)).clamp(20, 90);
    // Long lines wrap: count the rows they take so the last line (the prompt) shows.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (rows as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width: width.min(area.width),
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

/// What the delete frees next to the listed sizes' sum (an upper bound): `frees 40 MiB
/// (of 120 MiB listed)`, with `?` while the manifests are not read.
fn frees(plan: &DeletePlan) -> String {
    let listed = format::size(plan.total_bytes());
    match plan.freed {
        Some(freed) => format!(
            "frees {} (of {listed} listed)",
            crate::app::storage::figure_text(freed)
        ),
        None => format!("frees ? (of {listed} listed; manifests not read yet)"),
    }
}

/// What a delete will remove, as the confirmation lists it.
fn plan_lines(plan: &DeletePlan, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let headline = match plan.kind {
        DeleteKind::Images => format!(
            "delete {} whole image{} (by digest, with all their tags) from {} — {}",
            plan.entries.len(),
            if plan.entries.len() == 1 { "" } else { "s" },
            plan.repository,
            frees(plan)
        ),
        DeleteKind::Untag => format!(
            "remove one tag in {}; the image stays — frees nothing",
            plan.repository
        ),
        DeleteKind::LastTag => format!(
            "remove the LAST tag of an image in {}: ECR deletes the image itself — {}",
            plan.repository,
            frees(plan)
        ),
    };
    let style = if plan.kind == DeleteKind::Untag {
        theme.text
    } else {
        theme.warning
    };
    lines.push(Line::styled(headline, style));
    if let Some(account) = plan.registry.source.member() {
        // Across an organization, say whose registry this is before anything else.
        lines.push(Line::styled(
            format!(
                "in account {}, {}",
                account.describe(),
                plan.registry.region
            ),
            theme.warning,
        ));
    }
    // What the user asked for but the plan leaves out, before the list, so it is seen.
    lines.extend(
        plan.notes
            .iter()
            .map(|line| Line::styled(line.clone(), theme.text)),
    );
    lines.extend(
        plan.skipped
            .iter()
            .chain(&plan.charges)
            .map(|line| Line::styled(line.clone(), theme.warning)),
    );
    let referrers = plan
        .entries
        .iter()
        .filter(|e| e.referrer_of.is_some())
        .count();
    if referrers > 0 {
        lines.push(Line::styled(
            format!(
                "{referrers} of these are referrers (signatures, SBOMs, attestations) of the \
                 images deleted: left behind they would name images that are gone · \
                 r: keep them"
            ),
            theme.warning,
        ));
    }
    for entry in plan.entries.iter().take(LISTED) {
        let tags = if entry.tags.is_empty() {
            "<untagged>".to_string()
        } else {
            entry.tags.join(", ")
        };
        let what = match (&entry.id, &entry.referrer_of) {
            (crate::ecr::mutate::ImageRef::Tag(tag), _) => format!("tag {tag} (image has: {tags})"),
            (_, Some((subject, artifact))) => format!(
                "{} of {}",
                crate::app::operate::artifact_word(artifact.as_deref()),
                short_digest(subject)
            ),
            (crate::ecr::mutate::ImageRef::Digest(_), None) => tags,
        };
        lines.push(Line::from(format!(
            "  {}  {:>10}  {what}",
            short_digest(&entry.digest),
            format::size(entry.size_bytes)
        )));
    }
    if plan.entries.len() > LISTED {
        lines.push(Line::styled(
            format!("  … and {} more", plan.entries.len() - LISTED),
            theme.dim,
        ));
    }
    lines
}
