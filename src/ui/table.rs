//! Drawing a list view as a table: only the visible rows are built.

use super::Theme;
use crate::app::list::{FuzzyFilter, ListView};
use crate::format;
use crate::layout::{Column, FLEX_MIN, drawn_widths, fit_columns};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

/// `line` cut to `width` terminal columns in the middle (`payments/…/worker`), each kept
/// character in its own style, so long names keep both ends in a narrow column. Widths
/// are display columns: a CJK character takes two and is never split by the cut.
pub fn fit_middle(line: Line<'_>, width: usize) -> Line<'_> {
    let columns: usize = line.spans.iter().map(|s| format::width(&s.content)).sum();
    if columns <= width {
        return line;
    }
    let styled: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|span| {
            let style = line.style.patch(span.style);
            span.content.chars().map(move |c| (c, style))
        })
        .collect();
    let (head, tail) = format::middle_cut(width);
    let count = styled.len();
    let head = format::chars_fitting(styled.iter().map(|(c, _)| *c), head);
    let tail = format::chars_fitting(styled.iter().rev().map(|(c, _)| *c), tail).min(count - head);
    let kept = styled[..head]
        .iter()
        .copied()
        .chain((width > 0).then_some(('…', line.style)))
        .chain(styled[count - tail..].iter().copied());
    let mut spans: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut run_style: Option<Style> = None;
    for (c, style) in kept {
        if run_style.is_some_and(|s| s != style) {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                run_style.unwrap_or_default(),
            ));
        }
        run_style = Some(style);
        run.push(c);
    }
    if let Some(style) = run_style {
        spans.push(Span::styled(run, style));
    }
    let mut out = Line::from(spans);
    out.alignment = line.alignment;
    out
}

/// Draw `list` in `area`: a header row, then the visible rows built by `cells`.
#[allow(clippy::too_many_arguments)]
pub fn draw_table<'a>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    columns: &[Column],
    sort: Option<(&str, bool)>,
    list: &ListView,
    empty_message: Line<'a>,
    mut cells: impl FnMut(usize) -> Vec<Line<'a>>,
) {
    let keep = fit_columns(columns, area.width);
    let drawn = drawn_widths(columns, &keep, area.width);
    let body_height = usize::from(area.height.saturating_sub(1));
    let position = rows_shown(list.offset, body_height, list.rows.len());
    // Set when the flexible column's header is too narrow for the position: it is then
    // drawn at the right end of the header row instead, so it never disappears.
    let mut placed = false;
    let header = Row::new(keep.iter().zip(&drawn).map(|(&i, &width)| {
        let column = columns[i];
        let arrow = match (column.sort, sort) {
            (Some(name), Some((active, descending))) if name == active => {
                if descending {
                    "▼"
                } else {
                    "▲"
                }
            }
            _ => "",
        };
        let title = format!("{}{}", column.title, arrow);
        if column.width != 0 {
            return Line::from(title);
        }
        // The flexible column's header also says which rows are on screen, so rows
        // scrolled off either end are never a surprise.
        let fitted = position
            .as_deref()
            .and_then(|p| with_position(&title, p, width));
        match fitted {
            Some(position) => {
                placed = true;
                Line::from(vec![Span::raw(title), Span::styled(position, theme.dim)])
            }
            None => Line::from(title),
        }
    }))
    .style(theme.column_header);
    let corner = position
        .as_deref()
        .filter(|_| !placed)
        .map(|p| format!(" {}", short_position(p)));
    let widths: Vec<Constraint> = keep
        .iter()
        .zip(&drawn)
        .map(|(&i, &w)| match columns[i].width {
            0 => Constraint::Min(FLEX_MIN.min(w)),
            _ => Constraint::Length(w),
        })
        .collect();
    if list.rows.is_empty() {
        let table = Table::new(Vec::<Row>::new(), widths.clone()).header(header);
        frame.render_widget(table, area);
        if area.height > 2 {
            // Wrapped: an error says what to do at its end, which must not be cut off.
            let message_area = Rect {
                y: area.y + 2,
                height: area.height - 2,
                ..area
            };
            frame.render_widget(
                Paragraph::new(empty_message).wrap(ratatui::widgets::Wrap { trim: true }),
                message_area,
            );
        }
        return;
    }
    let end = (list.offset + body_height).min(list.rows.len());
    let rows: Vec<Row> = (list.offset..end)
        .map(|position| {
            // `keep` is ascending: walk the row's cells once, keeping the fitted ones.
            let mut all = cells(list.rows[position]).into_iter();
            let mut next = 0;
            let picked = keep.iter().zip(&drawn).map(|(&i, &width)| {
                let cell = all.nth(i - next).unwrap_or_default();
                next = i + 1;
                fit_middle(cell, usize::from(width))
            });
            let row = Row::new(picked);
            if position == list.selected {
                row.style(theme.selected)
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, area);
    if let Some(corner) = corner {
        let width = u16::try_from(format::width(&corner))
            .unwrap_or(u16::MAX)
            .min(area.width);
        let corner_area = Rect {
            x: area.x + area.width - width,
            width,
            height: 1,
            ..area
        };
        let style = theme.column_header.patch(theme.dim);
        frame.render_widget(Paragraph::new(Line::styled(corner, style)), corner_area);
    }
}

/// The short form of a position (`rows 21–40 of 95` → `21–40/95`).
fn short_position(position: &str) -> String {
    position
        .trim_start_matches("rows ")
        .replacen(" of ", "/", 1)
}

/// Which rows a table `body_height` rows high shows from `offset` on: `rows 21–40 of 95`
/// (counting from 1, as people do), or None for an empty list.
pub fn rows_shown(offset: usize, body_height: usize, total: usize) -> Option<String> {
    if total == 0 || body_height == 0 {
        return None;
    }
    let first = offset.min(total - 1) + 1;
    let last = (offset + body_height).min(total);
    Some(format!("rows {first}–{last} of {total}"))
}

/// The text that follows `title` in a header cell `width` columns wide to say which rows
/// show (`  rows 1–25 of 48`, or in a narrow cell ` 1–25/48`), if it fits.
fn with_position(title: &str, position: &str, width: u16) -> Option<String> {
    let room = usize::from(width).saturating_sub(format::width(title));
    if format::width(position) + 2 <= room {
        return Some(format!("  {position}"));
    }
    let short = short_position(position);
    (format::width(&short) < room).then(|| format!(" {short}"))
}

/// Several texts the filter matches one by one (an image's tags), joined by `separator`,
/// each with its matched characters drawn in `highlight`.
pub fn highlighted_fields(
    texts: &[String],
    separator: &str,
    filter: &FuzzyFilter,
    base: Style,
    highlight: Style,
) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(separator.to_string(), base));
        }
        spans.extend(highlighted(text, filter, base, highlight).spans);
    }
    Line::from(spans)
}

/// An identifier shown shortened (`shown`, a prefix of `id` after any `sha256:`), with
/// the leading characters the filter matched by prefix drawn in `highlight`.
pub fn highlighted_id(
    shown: &str,
    id: &str,
    filter: &FuzzyFilter,
    base: Style,
    highlight: Style,
) -> Line<'static> {
    let matched = if filter.is_active() {
        filter.id_highlight(id)
    } else {
        0
    };
    let split = shown
        .char_indices()
        .nth(matched)
        .map_or(shown.len(), |(byte, _)| byte);
    let (head, tail) = shown.split_at(split);
    let mut spans = Vec::new();
    if !head.is_empty() {
        spans.push(Span::styled(head.to_string(), highlight));
    }
    if !tail.is_empty() {
        spans.push(Span::styled(tail.to_string(), base));
    }
    Line::from(spans)
}

/// `text` with the characters the filter matched drawn in `highlight`.
pub fn highlighted(
    text: &str,
    filter: &FuzzyFilter,
    base: Style,
    highlight: Style,
) -> Line<'static> {
    marked(text, &filter.highlights(text), base, highlight)
}

/// `text` with the characters at `marks` (sorted character positions) drawn in
/// `highlight`.
pub fn marked(text: &str, marks: &[usize], base: Style, highlight: Style) -> Line<'static> {
    if marks.is_empty() {
        return Line::from(Span::styled(text.to_string(), base));
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (index, c) in text.chars().enumerate() {
        let marked = marks.binary_search(&index).is_ok();
        if marked != run_marked && !run.is_empty() {
            let style = if run_marked { highlight } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_marked = marked;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_marked { highlight } else { base }));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_in_the_middle_keeping_styles() {
        use ratatui::style::Color;
        let red = Style::default().fg(Color::Red);
        let line = Line::from(vec![
            Span::raw("● "),
            Span::styled("payments", red),
            Span::raw("/settlement-worker"),
        ]);
        let cut = fit_middle(line, 12);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "● paym…orker");
        assert_eq!(cut.spans[1].content, "paym");
        assert_eq!(cut.spans[1].style, red);
        let short = Line::from("api").right_aligned();
        assert_eq!(fit_middle(short.clone(), 12), short);
        let aligned = fit_middle(Line::from("1234567890").right_aligned(), 5);
        assert_eq!(aligned.alignment, Some(ratatui::layout::Alignment::Right));
    }

    #[test]
    fn the_visible_rows_are_counted_from_one() {
        assert_eq!(rows_shown(0, 25, 48).as_deref(), Some("rows 1–25 of 48"));
        assert_eq!(rows_shown(23, 25, 48).as_deref(), Some("rows 24–48 of 48"));
        assert_eq!(rows_shown(0, 25, 3).as_deref(), Some("rows 1–3 of 3"));
        assert_eq!(rows_shown(0, 25, 0), None);
        assert_eq!(
            with_position("REPOSITORY", "rows 1–3 of 3", 30).as_deref(),
            Some("  rows 1–3 of 3")
        );
        assert_eq!(
            with_position("REPOSITORY", "rows 1–3 of 3", 24).as_deref(),
            Some(" 1–3/3")
        );
        assert_eq!(with_position("REPOSITORY", "rows 1–3 of 3", 15), None);
    }

    #[test]
    fn wide_characters_are_cut_by_the_columns_they_take() {
        let line = Line::from(vec![Span::raw("倉庫"), Span::raw("/データ/パイプライン")]);
        let cut = fit_middle(line, 12);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(format::width(&text) <= 12, "{text}");
        assert!(text.starts_with("倉庫/"), "{text}");
        assert!(text.ends_with("イン"), "{text}");
        // Fits exactly: 6 wide characters are 12 columns though only 6 characters.
        let exact = Line::from("倉庫倉庫倉庫");
        assert_eq!(fit_middle(exact.clone(), 12), exact);
        let one_short = fit_middle(exact, 11);
        let text: String = one_short.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "倉庫…倉庫");
    }
}
