//! Where tables sit on screen: the columns of each table, which of them fit a width, the
//! column under a click, and how wide the list is beside the side panel. The view draws
//! by it and `app` maps mouse clicks with it, so neither has to ask the other.

use crate::format;

/// From this width on, a side panel stands beside the list.
pub const WIDE: u16 = 150;
/// Width of the side panel, border included.
pub const PANEL_WIDTH: u16 = 52;

/// The table area for a terminal of `width` (the list narrows when the panel shows).
pub fn table_width(width: u16) -> u16 {
    if width >= WIDE {
        width - PANEL_WIDTH - 1
    } else {
        width
    }
}

/// The sort name of the header drawn at `x` in a table of `columns` in a terminal
/// `width` wide, if that column is sortable.
pub fn sort_at(
    columns: &[Column],
    width: u16,
    x: u16,
    absolute_times: bool,
) -> Option<&'static str> {
    let columns = with_time_style(columns, absolute_times);
    column_at(&columns, table_width(width), x).and_then(|i| columns[i].sort)
}

/// The repositories pane.
pub const REPOSITORY_COLUMNS: [Column; 7] = [
    Column::new("REPOSITORY", 0, 0, Some("name")),
    Column::new("IMAGES", 7, 1, Some("images")),
    Column::new("SIZE", SIZE_COLUMN, 1, Some("size")),
    Column::new("TAGS", 9, 4, None),
    Column::new("SCAN", 4, 5, None),
    Column::new("CRYPT", 6, 6, None),
    Column::new("CREATED", 8, 3, Some("created")),
];

/// The repositories pane in its audit view: the same figures as `berth audit`.
pub const AUDIT_COLUMNS: [Column; 11] = [
    Column::new("REPOSITORY", 0, 0, Some("name")),
    Column::new("IMAGES", 7, 1, Some("images")),
    Column::new("SIZE", SIZE_COLUMN, 1, Some("size")),
    // Each blob once, from the manifests; one more column for a partial figure's `≥`.
    Column::new("STORED", SIZE_COLUMN + 1, 1, Some("stored")),
    // Archive storage: listed, billed, not pullable (the listed size of those images).
    Column::new("ARCHIVED", SIZE_COLUMN, 6, None),
    Column::new("UNTAGGED", 8, 3, Some("untagged")),
    Column::new("UNTAG SIZE", SIZE_COLUMN, 2, None),
    Column::new("STALE", 6, 4, Some("stale")),
    // Goes before RECLAIM when narrow: without the STALE count beside it, it says less.
    Column::new("STALE SIZE", SIZE_COLUMN, 3, None),
    Column::new("POLICY", 6, 5, None),
    Column::new("RECLAIM", SIZE_COLUMN, 2, Some("reclaim")),
];

/// The images pane.
pub const IMAGE_COLUMNS: [Column; 9] = [
    Column::new("TAGS", 0, 0, Some("tags")),
    Column::new("DIGEST", 12, 2, None),
    Column::new("SIZE", SIZE_COLUMN, 1, Some("size")),
    // What deleting only this image frees; one more column for a bound's `≤`.
    Column::new("UNIQUE", SIZE_COLUMN + 1, 3, Some("unique")),
    Column::new("PUSHED", 7, 1, Some("pushed")),
    Column::new("PULLED", 7, 5, Some("pulled")),
    Column::new("SCAN", 12, 3, None),
    // Wide enough for `attestation` and `activating`.
    Column::new("TYPE", 11, 4, None),
    Column::new("IN USE", 10, 3, None),
];

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
    /// A column; a fixed-width sortable one is widened to hold its title and the sort
    /// arrow (`CREATED▼`), which would otherwise be cut off exactly when it matters.
    pub const fn new(
        title: &'static str,
        width: u16,
        priority: u8,
        sort: Option<&'static str>,
    ) -> Self {
        // Titles are ASCII, so bytes are columns.
        let with_arrow = title.len() as u16 + 1;
        let width = if sort.is_some() && width != 0 && width < with_arrow {
            with_arrow
        } else {
            width
        };
        Column {
            title,
            width,
            priority,
            sort,
        }
    }
}

/// Width of a size column: the widest text `format::size` produces (`1023.99 MiB`).
pub const SIZE_COLUMN: u16 = format::SIZE_WIDTH as u16;

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

/// The fewest columns the flexible column is drawn with.
pub const FLEX_MIN: u16 = 14;

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
pub fn drawn_widths(columns: &[Column], keep: &[usize], width: u16) -> Vec<u16> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sortable_header_has_room_for_its_arrow() {
        let panes: [&[Column]; 3] = [&REPOSITORY_COLUMNS, &AUDIT_COLUMNS, &IMAGE_COLUMNS];
        for column in panes.into_iter().flatten() {
            if column.sort.is_some() && column.width != 0 {
                assert!(
                    usize::from(column.width) > column.title.len(),
                    "{} is {} wide",
                    column.title,
                    column.width
                );
            }
        }
        assert_eq!(Column::new("CREATED", 7, 3, Some("created")).width, 8);
        assert_eq!(Column::new("CREATED", 7, 3, None).width, 7);
    }

    #[test]
    fn size_columns_hold_the_widest_size() {
        let widest = format::size((1 << 30) - (1 << 20) / 10);
        assert_eq!(widest, "1023.90 MiB");
        assert!(format::width(&widest) <= usize::from(SIZE_COLUMN));
        let size_columns = REPOSITORY_COLUMNS
            .iter()
            .chain(&AUDIT_COLUMNS)
            .chain(&IMAGE_COLUMNS)
            .filter(|c| {
                c.title.contains("SIZE") || ["RECLAIM", "STORED", "UNIQUE"].contains(&c.title)
            });
        for column in size_columns {
            assert!(
                column.width >= SIZE_COLUMN,
                "{} is {} wide",
                column.title,
                column.width
            );
        }
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
