//! The image detail view: what DescribeImages said of one image, then its referrers,
//! platforms, replication and signing, one section under another, scrolled with the
//! movement keys.

use super::Theme;
use crate::app::image_detail::ImageDetail;
use crate::app::keymap::Keymap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

/// Draw the view into `area` (the body between the header and the footer).
pub fn draw(frame: &mut Frame, area: Rect, view: &ImageDetail, theme: &Theme) {
    let areas = super::scrolled::areas(area);
    let lines = view.lines(usize::from(area.width));
    let scroll =
        super::scrolled::first_line(view.scroll, lines.len(), usize::from(areas[1].height));
    let name = view.image.as_ref().map_or_else(String::new, |image| {
        let short = image.short_digest();
        match image.tags.first() {
            Some(tag) => format!("{}:{tag} ({short})", view.repository),
            None => format!("{}@{short}", view.repository),
        }
    });
    let mut spans = vec![
        Span::styled("image detail · ", theme.column_header),
        Span::styled(
            crate::sanitize::sanitize(&name).into_owned(),
            theme.header_accent,
        ),
    ];
    let (loading, sections) = view.progress();
    if loading > 0 {
        spans.push(Span::styled(
            format!(" · loading {loading} of {sections} sections…"),
            theme.dim,
        ));
    }
    let lines = lines
        .into_iter()
        .map(|line| super::info::styled(line, theme))
        .collect();
    super::scrolled::draw(frame, areas, spans, lines, scroll, theme);
}

/// The two footer lines under the view: the keys (as the live keymap has them), then the
/// image's digest-pinned URI.
pub fn footer(view: &ImageDetail, keymap: &Keymap) -> [String; 2] {
    [
        super::scrolled::footer_keys(keymap),
        crate::sanitize::sanitize(&view.pinned_uri().unwrap_or_default()).into_owned(),
    ]
}
