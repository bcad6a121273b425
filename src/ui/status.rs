//! The bottom line: filter prompt, progress, the status messages and a help hint.

use super::Theme;
use crate::app::keymap::Command;
use crate::app::state::StatsState;
use crate::app::status::{Kind, Topic};
use crate::app::{Mode, Pane, State};
use crate::format;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let prompt = match state.mode {
        Mode::Filter => Some(("/", &state.filter_input)),
        Mode::Command => Some((":", &state.command_input)),
        _ => None,
    };
    if let Some((prompt, input)) = prompt {
        let value = input.value();
        let mut spans = vec![
            Span::styled(prompt, theme.header_accent),
            Span::raw(value.to_string()),
        ];
        if !state.completions.is_empty() {
            spans.push(Span::styled(
                format!("   {}", state.completions.join("  ")),
                theme.dim,
            ));
        }
        let line = Line::from(spans);
        frame.render_widget(Paragraph::new(line), area);
        let cursor = input.visual_cursor() as u16 + prompt.len() as u16;
        frame.set_cursor_position((area.x + cursor.min(area.width.saturating_sub(1)), area.y));
        return;
    }
    if let Some(message) = state.status.about(Topic::Copy).filter(|m| m.copied) {
        // Shown alone and whole, so it can be selected with the mouse where OSC 52 is
        // blocked.
        let text = cut_keeping_end(&message.text, usize::from(area.width));
        frame.render_widget(Paragraph::new(Line::styled(text, theme.ok)), area);
        return;
    }
    let mut spans: Vec<Span> = vec![Span::styled(count_summary(state), theme.status)];
    if let Some(progress) = progress(state) {
        spans.push(Span::styled(
            format!("{} {progress}  ", SPINNER[state.spinner % SPINNER.len()]),
            theme.status,
        ));
    }
    if state.pane == Pane::Images && !state.images.marked.is_empty() {
        let bytes = state.images.marked.bytes();
        // The listed sizes are an upper bound; what deleting them frees, once the
        // manifests are read, is the figure that counts.
        let freed = state
            .images
            .storage
            .marked_freed()
            .map_or_else(|| "?".to_string(), crate::app::storage::figure_text);
        spans.push(Span::styled(
            format!(
                "{} marked · {} listed · frees {freed}  ",
                state.images.marked.len(),
                crate::format::size(bytes)
            ),
            theme.header_accent,
        ));
    }
    if state.read_only {
        spans.push(Span::styled("read-only  ", theme.warning));
    }
    let filter = match state.pane {
        Pane::Registries => &state.registries.list.filter,
        Pane::Repositories => &state.repositories.list.filter,
        Pane::Images => &state.images.list.filter,
        Pane::Findings => &state.findings.list.filter,
        Pane::Triage => &state.triage.list.filter,
    };
    if filter.is_active() {
        spans.push(Span::styled(
            format!("filter: {}  ", filter.text()),
            theme.match_highlight,
        ));
    }
    if state.lifecycle.is_visible()
        && let Some(running) = &state.lifecycle_running
    {
        spans.push(Span::styled(format!("{running}  "), theme.warning));
    }
    if matches!(state.pane, Pane::Images | Pane::Repositories)
        && let Some(note) = state.usage.note(&state.repositories.registry)
    {
        spans.push(Span::styled(format!("{note}  "), theme.dim));
    }
    if state.pane == Pane::Images {
        let complete = state
            .usage
            .map(&state.images.registry)
            .is_some_and(|m| m.is_complete());
        if let Some(title) = state.images.usage_filter.title(complete) {
            spans.push(Span::styled(format!("[{title}]  "), theme.match_highlight));
        }
        if let Some(title) = state.images.status_filter.title() {
            spans.push(Span::styled(format!("[{title}]  "), theme.match_highlight));
        }
    }
    if let Some(retrying) = &state.retrying {
        spans.push(Span::styled(format!("{retrying}  "), theme.warning));
    }
    // What happened and what is under way first, then what failed.
    let messages = state.status.messages();
    for message in messages.iter().filter(|m| m.kind != Kind::Error) {
        spans.push(Span::styled(format!("{}  ", message.text), theme.ok));
    }
    for message in messages.iter().filter(|m| m.kind == Kind::Error) {
        spans.push(Span::styled(format!("{}  ", message.text), theme.error));
    }
    let hint = format!(" {} help ", state.keymap.hint(Command::Help));
    let used: usize = spans.iter().map(|s| format::width(&s.content)).sum();
    let hint_width = format::width(&hint);
    let width = usize::from(area.width);
    if used + hint_width < width {
        spans.push(Span::raw(" ".repeat(width - used - hint_width)));
        spans.push(Span::styled(hint, theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(fit_spans(spans, width))), area);
}

/// `spans` cut to `width` terminal columns, ending in `…` when something was cut (the
/// blanks that separate messages do not count).
fn fit_spans(mut spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    while spans
        .last()
        .is_some_and(|s| s.content.trim_end().is_empty())
    {
        spans.pop();
    }
    let used: usize = spans.iter().map(|s| format::width(&s.content)).sum();
    let trailing = spans.last().map_or(0, |s| {
        format::width(&s.content) - format::width(s.content.trim_end())
    });
    if used - trailing <= width {
        return spans;
    }
    let mut room = width.saturating_sub(1);
    let mut out = Vec::new();
    for span in spans {
        let span_width = format::width(&span.content);
        if span_width <= room {
            room -= span_width;
            out.push(span);
            continue;
        }
        let keep = format::chars_fitting(span.content.chars(), room);
        let text: String = span.content.chars().take(keep).collect();
        out.push(Span::styled(format!("{}…", text.trim_end()), span.style));
        return out;
    }
    out
}

/// `text` cut to `width` terminal columns keeping its end: a copied URI's digest (or
/// tag) stays whole while it fits, the middle of the rest gives way; when even that is
/// too long, its last columns are kept.
fn cut_keeping_end(text: &str, width: usize) -> String {
    if format::width(text) <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    // '@' and ':' are ASCII, so the split falls on a character boundary.
    let tail = text
        .rfind('@')
        .or_else(|| text.rfind(':'))
        .map_or("", |at| &text[at..]);
    let tail_width = format::width(tail);
    if tail_width + 2 <= width {
        let head = format::chars_fitting(text.chars(), width - 1 - tail_width);
        let head: String = text.chars().take(head).collect();
        return format!("{head}…{tail}");
    }
    let count = text.chars().count();
    let keep = format::chars_fitting(text.chars().rev(), width - 1);
    let end: String = text.chars().skip(count - keep).collect();
    format!("…{end}")
}

/// What is loading, with page and item counts.
fn progress(state: &State) -> Option<String> {
    // Across an organization the registries pane's rows load on their own, each with its
    // own state; the line says how far they have come.
    let accounts = state
        .registries
        .accounts_read()
        .filter(|(read, total)| read < total)
        .map(|(read, total)| format!("{read} of {total} accounts read"));
    if state.pane == Pane::Registries && accounts.is_some() {
        return accounts;
    }
    let loading = loading(state);
    if loading.is_none() {
        return accounts;
    }
    loading
}

/// What the pane on screen (or the registry it shows) is loading.
fn loading(state: &State) -> Option<String> {
    if let Some(loading) = state.images.loading
        && state.pane == Pane::Images
    {
        return Some(format!(
            "loading images: page {} · {} images",
            loading.pages + 1,
            loading.items
        ));
    }
    if let Some(loading) = state.repositories.loading
        && state.pane != Pane::Images
    {
        return Some(format!(
            "loading repositories: page {} · {}",
            loading.pages + 1,
            loading.items
        ));
    }
    if state.pane == Pane::Images {
        let storage = &state.images.storage;
        return storage.reading.then(|| {
            format!(
                "reading manifests: {} images (storage figures)…",
                state.images.images.len()
            )
        });
    }
    if state.repositories.auditing {
        return Some("auditing: untagged, stale and lifecycle figures…".into());
    }
    let rows = &state.repositories.rows;
    let pending = rows
        .iter()
        .filter(|r| r.stats == StatsState::Pending)
        .count();
    (pending > 0).then(|| {
        format!(
            "counting images: {}/{} repositories",
            rows.len() - pending,
            rows.len()
        )
    })
}

fn count_summary(state: &State) -> String {
    let (shown, total, noun) = match state.pane {
        Pane::Registries => (
            state.registries.list.rows.len(),
            state.registries.rows.len(),
            "registries",
        ),
        Pane::Repositories => (
            state.repositories.list.rows.len(),
            state.repositories.rows.len(),
            "repositories",
        ),
        // Rows folded under their image are counted as shown: the filters keep them.
        Pane::Images => (
            state.images.list.rows.len() + state.images.tree.folded,
            state.images.images.len(),
            "images",
        ),
        Pane::Findings => (
            state.findings.list.rows.len(),
            state.findings.scan.findings.len(),
            "findings",
        ),
        Pane::Triage => (
            state.triage.list.rows.len(),
            state.triage.triage.groups.len(),
            "CVEs",
        ),
    };
    // Rows are listed but a later page failed: say the list is not the whole story.
    let partial = match state.pane {
        Pane::Registries | Pane::Triage => false,
        Pane::Findings => state.findings.error.is_some() && total > 0,
        Pane::Repositories => state.repositories.error.is_some() && total > 0,
        Pane::Images => state.images.error.is_some() && total > 0,
    };
    let partial = if partial { " (partial)" } else { "" };
    let folded = match state.pane {
        Pane::Images if state.images.tree.folded > 0 => {
            format!(" · {} folded", state.images.tree.folded)
        }
        _ => String::new(),
    };
    if shown == total {
        format!("{total} {noun}{partial}{folded}  ")
    } else {
        format!("{shown} of {total} {noun}{partial}{folded}  ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{digest, with_repositories};
    use crate::ui::snapshot_tests::screen_text;

    fn status_line(state: &State, width: u16) -> String {
        let theme = Theme::dark();
        let screen = screen_text(width, 1, |frame| {
            draw(frame, Rect::new(0, 0, width, 1), state, &theme)
        });
        screen.trim_end_matches('\n').to_string()
    }

    #[test]
    fn a_long_message_ends_in_an_ellipsis_when_cut() {
        let mut state = with_repositories(&["web/frontend"]);
        let long = "could not list images of web/frontend: AccessDeniedException: \
                    user is not authorized to perform ecr:DescribeImages on this resource";
        state.status.error(Topic::Command, long);
        for width in [60u16, 80] {
            let line = status_line(&state, width);
            assert!(line.ends_with('…'), "{width}: {line:?}");
            assert!(format::width(&line) <= usize::from(width), "{line:?}");
        }
        // Wide characters are counted by the columns they take.
        state.status.error(Topic::Command, "倉庫".repeat(60));
        let line = status_line(&state, 80);
        assert!(line.ends_with('…'), "{line:?}");
        // One symbol per cell on screen (a wide character's second cell is blank).
        assert!(line.chars().count() <= 80, "{line:?}");
        // What fits is shown whole, with the help hint.
        state.status.error(Topic::Command, "not found");
        let line = status_line(&state, 80);
        assert!(
            line.contains("not found") && !line.contains('…'),
            "{line:?}"
        );
        assert!(line.ends_with("help"), "{line:?}");
    }

    #[test]
    fn the_line_says_how_many_accounts_are_read_while_rows_load() {
        use crate::ecr::model::{CredentialSource, MemberAccount, RegistryTarget};
        let targets: Vec<RegistryTarget> = (0..3)
            .map(|i| {
                let member = MemberAccount {
                    id: format!("10000000000{i}"),
                    name: format!("team-{i}"),
                    ..MemberAccount::default()
                };
                RegistryTarget::new(CredentialSource::Member(member), "us-east-1")
            })
            .collect();
        let mut state = State::new(targets, crate::app::fixtures::now());
        state.pane = Pane::Registries;
        for row in &mut state.registries.rows {
            row.reading = true;
        }
        state.registries.rows[1].reading = false;
        state.registries.rows[1].repositories = Some(3);
        let line = status_line(&state, 100);
        assert!(line.contains("1 of 3 accounts read"), "{line:?}");
        for row in &mut state.registries.rows {
            row.reading = false;
            row.error = Some("AccessDenied".into());
        }
        let line = status_line(&state, 100);
        assert!(!line.contains("accounts read"), "all read: {line:?}");
    }

    #[test]
    fn a_copied_uri_shows_whole_or_keeps_its_digest() {
        let mut state = with_repositories(&["web/frontend"]);
        let digest = digest(7);
        let uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/web/frontend@{digest}");
        state.status.copied(format!("copied {uri}"));
        assert_eq!(status_line(&state, 200), format!("copied {uri}"));
        let line = status_line(&state, 100);
        assert!(line.contains('…'), "{line:?}");
        assert!(line.ends_with(&format!("@{digest}")), "{line:?}");
        assert!(line.starts_with("copied 1234"), "{line:?}");
        assert!(format::width(&line) <= 100);
        // 80 columns: the whole digest, the host and repository give way.
        let line = status_line(&state, 80);
        assert_eq!(line, format!("copied …@{digest}"));
        // Narrower than the digest: its last columns stay.
        let line = status_line(&state, 60);
        assert!(line.starts_with('…'), "{line:?}");
        assert!(line.ends_with(&digest[digest.len() - 40..]), "{line:?}");
        assert_eq!(format::width(&line), 60, "{line:?}");
    }
}
