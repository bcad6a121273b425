//! The help's groups laid out in columns for a terminal size, scrolled when they do not
//! fit.

use super::{Entry, Group};

/// One row of the laid-out help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Heading(&'a str),
    Entry(&'a Entry),
    Blank,
}

/// The groups laid out in columns for a terminal size, scrolled when they do not fit.
#[derive(Debug)]
pub struct Layout<'a> {
    pub columns: Vec<Vec<Row<'a>>>,
    /// Characters per column.
    pub column_width: usize,
    /// Rows of entries the box shows at once.
    pub visible_rows: usize,
    /// Rows of the longest column.
    pub total_rows: usize,
}

impl Layout<'_> {
    /// The furthest the help can scroll.
    pub fn max_scroll(&self) -> usize {
        self.total_rows.saturating_sub(self.visible_rows)
    }
}

/// The narrowest and widest a column gets.
const MIN_COLUMN: usize = 40;

const MAX_COLUMN: usize = 72;

/// Rows of the box that are not entries: two borders, the search line, the footer.
const CHROME_ROWS: u16 = 4;

/// Lay `groups` out for a `width` x `height` terminal: as few columns as show everything,
/// no more than fit side by side, a heading never alone at the foot of a column.
pub fn layout(groups: &[Group], width: u16, height: u16) -> Layout<'_> {
    let visible_rows = usize::from(height.saturating_sub(CHROME_ROWS)).max(1);
    let inner = usize::from(width.saturating_sub(2));
    let fit = (inner / MIN_COLUMN).max(1);
    // Rows that are not blank: each group's heading and entries. (A blank row between
    // groups is dropped at the top of a column, so counting blanks could start the
    // search above the shortest columns that fit.)
    let rows: usize = groups.iter().map(|g| g.entries.len() + 1).sum();
    let count = pack(groups, visible_rows).len().clamp(1, fit);
    // The shortest columns that still fit in `count` of them, so they come out even; when
    // even `fit` columns cannot show everything, they scroll.
    let columns = (rows.div_ceil(count).max(1)..)
        .map(|capacity| pack(groups, capacity))
        .find(|packed| packed.len() <= count)
        .unwrap_or_default();
    let count = columns.len().max(1);
    let total_rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    Layout {
        columns,
        column_width: (inner / count).clamp(1, MAX_COLUMN),
        visible_rows,
        total_rows,
    }
}

/// Fill columns of at most `capacity` rows in order, with a blank row between groups.
pub(super) fn pack(groups: &[Group], capacity: usize) -> Vec<Vec<Row<'_>>> {
    let mut columns: Vec<Vec<Row>> = vec![Vec::new()];
    for group in groups {
        for (index, row) in std::iter::once(Row::Heading(&group.title))
            .chain(group.entries.iter().map(Row::Entry))
            .enumerate()
        {
            let column = columns.last_mut().expect("one column at least");
            // A heading needs its first entry beside it; a blank row goes before it.
            let needed = if index == 0 {
                2 + usize::from(!column.is_empty())
            } else {
                1
            };
            if !column.is_empty() && column.len() + needed > capacity {
                columns.push(Vec::new());
            }
            let column = columns.last_mut().expect("one column at least");
            if index == 0 && !column.is_empty() {
                column.push(Row::Blank);
            }
            column.push(row);
        }
    }
    columns
}
