//! Drawing a list view as a table: only the visible rows are built.

use super::theme::Theme;
use crate::app::list::{FuzzyFilter, ListView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

/// A table column. `width` 0 marks the one flexible column.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    /// Lower survives longer when the terminal is narrow.
    pub priority: u8,
    /// The sort name this column shows (`pushed`, `size`, …), if sortable.
    pub sort: Option<&'static str>,
}

impl Column {
    pub const fn new(
        title: &'static str,
        width: u16,
        priority: u8,
        sort: Option<&'static str>,
    ) -> Self {
        Column {
            title,
            width,
            priority,
            sort,
        }
    }
}

/// Width of a time column showing absolute dates (`2026-01-31 12:00`).
const ABSOLUTE_TIME_WIDTH: u16 = 16;

/// `columns` with the time columns widened when times show as absolute dates.
pub fn with_time_style(columns: &[Column], absolute: bool) -> Vec<Column> {
    columns
        .iter()
        .map(|c| match c.sort {
            Some("pushed" | "pulled" | "created") if absolute => Column {
                width: ABSOLUTE_TIME_WIDTH,
                ..*c
            },
            _ => *c,
        })
        .collect()
}

const FLEX_MIN: u16 = 14;

/// Which columns fit in `width`, dropping the least important first.
pub fn fit_columns(columns: &[Column], width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..columns.len()).collect();
    loop {
        let fixed: u16 = keep.iter().map(|&i| columns[i].width).sum();
        let gaps = keep.len().saturating_sub(1) as u16;
        let flex = keep.iter().any(|&i| columns[i].width == 0);
        let needed = fixed + gaps + if flex { FLEX_MIN } else { 0 };
        if needed <= width || keep.len() <= 1 {
            return keep;
        }
        let drop = keep
            .iter()
            .enumerate()
            .filter(|&(_, &i)| columns[i].width != 0)
            .max_by_key(|&(_, &i)| columns[i].priority)
            .map(|(position, _)| position);
        match drop {
            Some(position) => {
                keep.remove(position);
            }
            None => return keep,
        }
    }
}

/// The drawn width of each kept column: fixed ones as declared, the flexible one the rest.
fn drawn_widths(columns: &[Column], keep: &[usize], width: u16) -> Vec<u16> {
    let fixed: u16 = keep.iter().map(|&i| columns[i].width).sum();
    let gaps = keep.len().saturating_sub(1) as u16;
    let flex = width.saturating_sub(fixed + gaps);
    keep.iter()
        .map(|&i| match columns[i].width {
            0 => flex,
            w => w,
        })
        .collect()
}

/// The index (into `columns`) of the column drawn at `x` in a table `width` wide.
pub fn column_at(columns: &[Column], width: u16, x: u16) -> Option<usize> {
    let keep = fit_columns(columns, width);
    let mut start = 0u16;
    for (&i, w) in keep.iter().zip(drawn_widths(columns, &keep, width)) {
        if x >= start && x < start + w {
            return Some(i);
        }
        start += w + 1;
    }
    None
}

/// `line` cut to `width` characters in the middle (`payments/…/worker`), each kept
/// character in its own style, so long names keep both ends in a narrow column.
pub fn fit_middle(line: Line<'_>, width: usize) -> Line<'_> {
    let count: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
    if count <= width {
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
    let (head, tail) = super::format::middle_cut(width);
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
    let header = Row::new(keep.iter().map(|&i| {
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
        Line::from(format!("{}{}", column.title, arrow))
    }))
    .style(theme.column_header);
    let drawn = drawn_widths(columns, &keep, area.width);
    let widths: Vec<Constraint> = keep
        .iter()
        .zip(&drawn)
        .map(|(&i, &w)| match columns[i].width {
            0 => Constraint::Min(FLEX_MIN.min(w)),
            _ => Constraint::Length(w),
        })
        .collect();
    let body_height = usize::from(area.height.saturating_sub(1));
    if list.rows.is_empty() {
        let table = Table::new(Vec::<Row>::new(), widths.clone()).header(header);
        frame.render_widget(table, area);
        if area.height > 2 {
            let message_area = Rect {
                y: area.y + 2,
                height: 1,
                ..area
            };
            frame.render_widget(Paragraph::new(empty_message), message_area);
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
    let marks = filter.highlights(text);
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

    const fn col(title: &'static str, width: u16, priority: u8) -> Column {
        Column {
            title,
            width,
            priority,
            sort: None,
        }
    }

    #[test]
    fn clicks_map_to_the_column_under_them() {
        let columns = [col("NAME", 0, 0), col("SIZE", 10, 1), col("TYPE", 8, 5)];
        // 40 wide: NAME gets 40 - 18 - 2 = 20 columns, then SIZE, then TYPE.
        assert_eq!(column_at(&columns, 40, 0), Some(0));
        assert_eq!(column_at(&columns, 40, 19), Some(0));
        assert_eq!(column_at(&columns, 40, 20), None, "the gap");
        assert_eq!(column_at(&columns, 40, 21), Some(1));
        assert_eq!(column_at(&columns, 40, 32), Some(2));
    }

    #[test]
    fn narrow_terminals_drop_low_priority_columns_first() {
        let columns = [
            col("NAME", 0, 0),
            col("SIZE", 10, 1),
            col("TYPE", 8, 5),
            col("SCAN", 10, 3),
        ];
        assert_eq!(fit_columns(&columns, 80), [0, 1, 2, 3]);
        assert_eq!(fit_columns(&columns, 40), [0, 1, 3]);
        assert_eq!(fit_columns(&columns, 30), [0, 1]);
        assert_eq!(fit_columns(&columns, 5), [0]);
    }
}
