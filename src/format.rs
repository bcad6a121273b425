//! How numbers, sizes and times read on screen.

use jiff::Timestamp;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Binary units, as the ECR console shows sizes: `1.21 GiB`.
pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
}

/// The widest text [`size`] can produce (`1023.99 MiB`: four integer digits, two
/// decimals, a three-letter unit), so a size column never cuts a figure.
pub const SIZE_WIDTH: usize = 11;

/// The terminal columns `text` takes: a CJK character or an emoji takes two, a combining
/// mark none.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The terminal columns one character takes (control characters, which sanitised text
/// never holds, count as none).
pub fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// A compact relative age: `now`, `42s`, `12m`, `5h`, `3d`, `4mo`, `2y`.
pub fn age(then: Timestamp, now: Timestamp) -> String {
    let seconds = now.as_second() - then.as_second();
    if seconds < 0 {
        return "future".to_string();
    }
    match seconds {
        0..=9 => "now".to_string(),
        10..=59 => format!("{seconds}s"),
        60..=3_599 => format!("{}m", seconds / 60),
        3_600..=86_399 => format!("{}h", seconds / 3_600),
        86_400..=5_183_999 => format!("{}d", seconds / 86_400),
        5_184_000..=31_535_999 => format!("{}mo", seconds / 2_592_000),
        _ => format!("{}y", seconds / 31_536_000),
    }
}

/// How table cells show times (from the config's `date_format` and `timezone`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeStyle {
    /// Absolute dates instead of ages.
    pub absolute: bool,
    /// The machine's time zone instead of UTC (absolute dates only).
    pub local: bool,
}

/// An optional time as an age, `-` when absent.
pub fn age_or_dash(then: Option<Timestamp>, now: Timestamp) -> String {
    then.map_or_else(|| "-".to_string(), |t| age(t, now))
}

/// A time for a table cell in the configured style, `-` when absent.
pub fn time_cell(then: Option<Timestamp>, now: Timestamp, style: TimeStyle) -> String {
    let Some(then) = then else {
        return "-".to_string();
    };
    if !style.absolute {
        return age(then, now);
    }
    if style.local {
        let zoned = then.to_zoned_datetime(jiff::tz::TimeZone::system());
        zoned.strftime("%Y-%m-%d %H:%M").to_string()
    } else {
        then.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// Absolute UTC to the second: `2026-01-31 12:00:00 UTC`.
pub fn utc(time: Timestamp) -> String {
    time.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// How many terminal columns to keep before and after the `…` when cutting a text to
/// `width` columns in the middle (the head gets the odd one).
pub fn middle_cut(width: usize) -> (usize, usize) {
    let keep = width.saturating_sub(1);
    let head = keep.div_ceil(2);
    (head, keep - head)
}

/// How many leading characters of `chars` fit in `room` terminal columns.
pub fn chars_fitting(chars: impl Iterator<Item = char>, room: usize) -> usize {
    let mut used = 0;
    let mut count = 0;
    for c in chars {
        used += char_width(c);
        if used > room {
            break;
        }
        count += 1;
    }
    count
}

/// Shorten `text` to `width` terminal columns by cutting the middle: `payments/…/worker`.
/// A wide character that would straddle the cut is left out, so the result may be a
/// column narrower than `width`, never wider.
pub fn truncate_middle(text: &str, width: usize) -> String {
    if self::width(text) <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    let (head, tail) = middle_cut(width);
    let count = text.chars().count();
    let head_chars = chars_fitting(text.chars(), head);
    let tail_chars = chars_fitting(text.chars().rev(), tail).min(count - head_chars);
    let mut out: String = text.chars().take(head_chars).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail_chars));
    out
}

/// Shorten `text` to `width` terminal columns by cutting its end: `delete the marked…`.
pub fn truncate_end(text: &str, width: usize) -> String {
    if self::width(text) <= width {
        return text.to_string();
    }
    let room = width.saturating_sub(1);
    let mut out: String = text
        .chars()
        .take(chars_fitting(text.chars(), room))
        .collect();
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_pick_the_largest_sensible_unit() {
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let ago = |s: i64| age(Timestamp::from_second(now.as_second() - s).unwrap(), now);
        assert_eq!(ago(3), "now");
        assert_eq!(ago(45), "45s");
        assert_eq!(ago(600), "10m");
        assert_eq!(ago(7_200), "2h");
        assert_eq!(ago(3 * 86_400), "3d");
        assert_eq!(ago(90 * 86_400), "3mo");
        assert_eq!(ago(400 * 86_400), "1y");
    }

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1536), "1.50 KiB");
        assert_eq!(size(1_300_000_000), "1.21 GiB");
    }

    #[test]
    fn middle_truncation_keeps_both_ends() {
        assert_eq!(truncate_middle("payments/api", 20), "payments/api");
        assert_eq!(
            truncate_middle("payments/settlement-worker", 12),
            "paymen…orker"
        );
        assert_eq!(truncate_middle("abc", 1), "…");
    }

    #[test]
    fn the_widest_size_fits_the_size_column() {
        // Just under each unit boundary humansize still shows four integer digits.
        for bytes in [
            1023 * 1024 + 1023,
            (1 << 30) - 1,
            (1 << 30) - (1 << 20) / 10,
            (1 << 40) - 1,
        ] {
            let text = size(bytes);
            assert!(text.chars().count() <= SIZE_WIDTH, "{text}");
        }
        assert_eq!(size((1 << 30) - (1 << 20) / 10), "1023.90 MiB");
        assert_eq!(size((1 << 30) - (1 << 20) / 10).len(), SIZE_WIDTH);
    }

    #[test]
    fn widths_count_terminal_columns_not_characters() {
        assert_eq!(width("web"), 3);
        assert_eq!(width("倉庫"), 4);
        assert_eq!(width("e\u{301}"), 1, "a combining accent takes no column");
    }

    #[test]
    fn middle_truncation_cuts_wide_characters_by_their_columns() {
        let name = "データ/パイプライン/ワーカー";
        let cut = truncate_middle(name, 12);
        assert!(width(&cut) <= 12, "{cut} is {} columns", width(&cut));
        assert!(width(&cut) >= 11, "{cut} wastes columns");
        assert!(cut.starts_with("データ"), "{cut}");
        assert!(cut.ends_with("カー"), "{cut}");
        // A wide character never straddles the cut: 5 columns leave 2 + 2 around the `…`.
        assert_eq!(truncate_middle("倉庫倉庫倉庫", 5), "倉…庫");
        assert_eq!(truncate_middle("倉庫倉庫倉庫", 4), "倉…");
        assert_eq!(truncate_end("倉庫倉庫倉庫", 6), "倉庫…");
    }

    #[test]
    fn end_truncation_keeps_the_start() {
        assert_eq!(truncate_end("delete the marked images", 11), "delete the…");
        assert_eq!(truncate_end("short", 11), "short");
    }

    #[test]
    fn utc_is_absolute_to_the_second() {
        let t: Timestamp = "2026-01-31T12:00:05Z".parse().unwrap();
        assert_eq!(utc(t), "2026-01-31 12:00:05 UTC");
    }
}
