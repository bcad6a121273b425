//! The registries pane: one row per credentials × region.

use super::Theme;
use super::table::{draw_table, highlighted, marked};
use crate::app::State;
use crate::app::list::FuzzyFilter;
use crate::app::state::RegistryRow;
use crate::ecr::model::RegistryTarget;
use crate::layout::Column;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

const COLUMNS: [Column; 5] = [
    Column::new("PROFILE", 0, 0, None),
    Column::new("REGION", 16, 1, None),
    Column::new("ACCOUNT", 13, 2, None),
    Column::new("REPOS", 6, 3, None),
    Column::new("STATUS", 24, 4, None),
];

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let pane = &state.registries;
    let current = &state.repositories.registry;
    draw_table(
        frame,
        area,
        theme,
        &COLUMNS,
        None,
        &pane.list,
        if pane.list.filter.is_active() {
            Line::styled("no registry matches the filter", theme.dim)
        } else {
            Line::styled("no registries configured", theme.dim)
        },
        |index| {
            let row = &pane.rows[index];
            let marker = if &row.target == current { "● " } else { "  " };
            let (mut name, region) = profile_and_region(&row.target, &pane.list.filter, theme);
            name.spans.insert(0, marker.into());
            let status = match (&row.error, row.repositories) {
                (Some(error), _) => Line::styled(error.clone(), theme.error),
                (None, _) if row.reading => Line::styled(READING, theme.dim),
                (None, Some(_)) => Line::styled("ok", theme.ok),
                (None, None) => Line::styled(NOT_READ, theme.dim),
            };
            vec![
                name,
                region,
                match &row.account {
                    Some(account) => highlighted(
                        account,
                        &pane.list.filter,
                        Style::default(),
                        theme.match_highlight,
                    ),
                    None => Line::from("…"),
                },
                Line::from(repositories(row)).right_aligned(),
                status,
            ]
        },
    );
}

/// The PROFILE and REGION cells with what the filter matched highlighted. The filter
/// matches a registry by its label, `profile/region`, as one text, so the marks come from
/// that label and are split at its slash.
fn profile_and_region(
    target: &RegistryTarget,
    filter: &FuzzyFilter,
    theme: &Theme,
) -> (Line<'static>, Line<'static>) {
    let marks = filter.highlights(&target.label());
    let profile = target.source.label();
    let split = profile.chars().count();
    let region_marks: Vec<usize> = marks
        .iter()
        .filter(|&&mark| mark > split)
        .map(|mark| mark - split - 1)
        .collect();
    (
        marked(profile, &marks, theme.text, theme.match_highlight),
        marked(
            &target.region,
            &region_marks,
            Style::default(),
            theme.match_highlight,
        ),
    )
}

/// The STATUS of a registry whose repositories are being listed or counted.
const READING: &str = "reading…";
/// The STATUS of a registry whose repositories were never listed nor counted.
const NOT_READ: &str = "not read yet";

/// The REPOS cell: the count, `…` while reading, `-` when not read (STATUS says why).
fn repositories(row: &RegistryRow) -> String {
    match row.repositories {
        Some(n) => n.to_string(),
        None if row.reading => "…".into(),
        None => "-".into(),
    }
}

/// The side panel of a wide terminal: the selected registry.
pub fn panel(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let pane = &state.registries;
    let Some(row) = pane.list.selected_item().map(|i| &pane.rows[i]) else {
        return Vec::new();
    };
    let label = |text: &str| Span::styled(format!("{text:<13}"), theme.column_header);
    let unknown = || "…".to_string();
    let mut lines = vec![
        Line::from(vec![
            label("credentials"),
            Span::raw(row.target.source.label().to_string()),
        ]),
        Line::from(vec![label("region"), Span::raw(row.target.region.clone())]),
        Line::from(vec![
            label("account"),
            Span::raw(row.account.clone().unwrap_or_else(unknown)),
        ]),
        Line::from(vec![
            label("registry"),
            Span::raw(row.account.as_ref().map_or_else(unknown, |account| {
                crate::ecr::model::registry_host(account, &row.target.region)
            })),
        ]),
        Line::from(vec![
            label("repositories"),
            Span::raw(match row.repositories {
                Some(n) => n.to_string(),
                None if row.reading => READING.into(),
                None => NOT_READ.into(),
            }),
        ]),
    ];
    if row.target == state.repositories.registry {
        lines.push(Line::styled("open (● in the list)", theme.dim));
    }
    if let Some(error) = &row.error {
        lines.push(Line::from(""));
        lines.push(Line::styled(error.clone(), theme.error));
    }
    lines
}

/// The footer lines for the selected registry.
pub fn footer(state: &State) -> [String; 2] {
    let pane = &state.registries;
    let Some(row) = pane.list.selected_item().map(|i| &pane.rows[i]) else {
        return Default::default();
    };
    let host = match &row.account {
        Some(account) => crate::ecr::model::registry_host(account, &row.target.region),
        None => row.target.label(),
    };
    [host, row.error.clone().unwrap_or_default()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::CredentialSource;

    /// The text of each span of `line` drawn in `style`.
    fn in_style(line: &Line, style: Style) -> Vec<String> {
        line.spans
            .iter()
            .filter(|span| span.style == style)
            .map(|span| span.content.to_string())
            .collect()
    }

    #[test]
    fn profile_and_region_show_what_the_filter_matched_in_the_label() {
        let theme = Theme::dark();
        let target = RegistryTarget::new(CredentialSource::Profile("prod".into()), "us-east-1");
        let mut filter = FuzzyFilter::default();
        filter.set("prod/us");
        let (profile, region) = profile_and_region(&target, &filter, &theme);
        assert_eq!(in_style(&profile, theme.match_highlight), ["prod"]);
        assert_eq!(in_style(&region, theme.match_highlight), ["us"]);
        filter.set("east");
        let (profile, region) = profile_and_region(&target, &filter, &theme);
        assert!(in_style(&profile, theme.match_highlight).is_empty());
        assert_eq!(in_style(&region, theme.match_highlight), ["east"]);
    }
}
