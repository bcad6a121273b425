//! How numbers, sizes and times read on screen.

use jiff::Timestamp;

/// Binary units, as the ECR console shows sizes: `1.21 GiB`.
pub fn size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::BINARY)
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

/// How many characters to keep before and after the `…` when cutting a text to `width`
/// in the middle (the head gets the odd one).
pub fn middle_cut(width: usize) -> (usize, usize) {
    let keep = width.saturating_sub(1);
    let head = keep.div_ceil(2);
    (head, keep - head)
}

/// Shorten `text` to `width` characters by cutting the middle: `payments/…/worker`.
pub fn truncate_middle(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    let (head, tail) = middle_cut(width);
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// Shorten `text` to `width` characters by cutting its end: `delete the marked…`.
pub fn truncate_end(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
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
