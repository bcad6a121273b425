//! The repositories pane of one registry.

use super::Theme;
use super::table::{draw_table, highlighted};
use crate::app::State;
use crate::app::state::{ALL_REPOSITORY_SORTS, StatsState};
use crate::ecr::model::{Encryption, TagMutability};
use crate::format;
use crate::layout::{AUDIT_COLUMNS, REPOSITORY_COLUMNS, with_time_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let pane = &state.repositories;
    let sort = ALL_REPOSITORY_SORTS
        .get(pane.list.sort_column)
        .map(|name| (*name, pane.list.descending));
    let empty = if let Some(error) = &pane.error {
        Line::styled(error.clone(), theme.error)
    } else if pane.loading.is_some() {
        Line::styled("loading repositories…", theme.dim)
    } else if pane.list.filter.is_active() {
        Line::styled("no repository matches the filter", theme.dim)
    } else {
        Line::styled("no repositories in this registry", theme.dim)
    };
    if pane.audit_view {
        return draw_audit(frame, area, state, theme, empty);
    }
    let columns = with_time_style(&REPOSITORY_COLUMNS, state.time_style.absolute);
    draw_table(
        frame,
        area,
        theme,
        &columns,
        sort,
        &pane.list,
        empty,
        |index| {
            let row = &pane.rows[index];
            let repo = &row.repo;
            let (images, size) = match &row.stats {
                StatsState::Pending => (Line::styled("…", theme.dim), Line::styled("…", theme.dim)),
                StatsState::Loaded(stats) => (
                    Line::from(stats.images.to_string()),
                    Line::from(format::size(stats.bytes)),
                ),
                StatsState::Failed(_) => (Line::styled("error", theme.error), Line::from("")),
            };
            let mutability = match repo.tag_mutability {
                TagMutability::Mutable => Line::from("mutable"),
                TagMutability::Immutable => Line::styled("immutable", theme.warning),
            };
            vec![
                highlighted(
                    &repo.name,
                    &pane.list.filter,
                    theme.text,
                    theme.match_highlight,
                ),
                images.right_aligned(),
                size.right_aligned(),
                mutability,
                Line::from(if repo.scan_on_push { "push" } else { "-" }),
                Line::from(repo.encryption.label()),
                Line::from(format::time_cell(
                    repo.created_at,
                    state.now,
                    state.time_style,
                )),
            ]
        },
    );
}

fn draw_audit(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, empty: Line<'static>) {
    let pane = &state.repositories;
    let sort = ALL_REPOSITORY_SORTS
        .get(pane.list.sort_column)
        .map(|name| (*name, pane.list.descending));
    let pending = || Line::styled("…", theme.dim);
    draw_table(
        frame,
        area,
        theme,
        &AUDIT_COLUMNS,
        sort,
        &pane.list,
        empty,
        |index| {
            let repo = &pane.rows[index].repo;
            let name = highlighted(
                &repo.name,
                &pane.list.filter,
                theme.text,
                theme.match_highlight,
            );
            let Some(row) = pane.audit.as_ref().and_then(|a| a.get(&repo.name)) else {
                let missing = if pane.auditing {
                    pending()
                } else {
                    Line::styled("-", theme.dim)
                };
                return vec![
                    name,
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing.clone(),
                    missing,
                ];
            };
            let size = |bytes: u64| Line::from(format::size(bytes)).right_aligned();
            let count = |n: u64| Line::from(n.to_string()).right_aligned();
            let policy = match row.lifecycle_policy {
                Some(true) => Line::styled("yes", theme.ok),
                Some(false) => Line::from("no"),
                None => Line::styled("?", theme.warning),
            };
            let reclaim = match row.lifecycle_reclaimable_bytes {
                Some(bytes) => size(bytes),
                None => Line::styled("?", theme.warning).right_aligned(),
            };
            // The manifests' figure: `≥` when some could not be read, `?` when not read.
            let stored = match (row.stored_bytes, row.stored_bytes_exact) {
                (Some(bytes), Some(true)) => size(bytes),
                (Some(bytes), _) => {
                    Line::styled(format!("≥{}", format::size(bytes)), theme.warning).right_aligned()
                }
                (None, _) => Line::styled("?", theme.warning).right_aligned(),
            };
            let archived = if row.archived_images == 0 {
                Line::styled("-", theme.dim).right_aligned()
            } else {
                Line::styled(format::size(row.archived_bytes), theme.warning).right_aligned()
            };
            vec![
                name,
                count(row.images),
                size(row.bytes),
                stored,
                archived,
                count(row.untagged_images),
                size(row.untagged_bytes),
                count(row.stale_images),
                size(row.stale_bytes),
                policy,
                reclaim,
            ]
        },
    );
}

/// The footer lines for the selected repository.
pub fn footer(state: &State) -> [String; 2] {
    let pane = &state.repositories;
    let Some(row) = pane.list.selected_item().map(|i| &pane.rows[i]) else {
        return Default::default();
    };
    let repo = &row.repo;
    let mut parts = Vec::new();
    if let Some(created) = repo.created_at {
        parts.push(format!("created {}", format::utc(created)));
    }
    if let Encryption::Kms { key: Some(key) } = &repo.encryption {
        parts.push(format!("kms {key}"));
    }
    match &row.stats {
        StatsState::Loaded(stats) => parts.push(format!(
            "{} images · {} (sum of image sizes: an upper bound, shared layers count per image)",
            stats.images,
            format::size(stats.bytes)
        )),
        StatsState::Failed(error) => parts.push(error.clone()),
        StatsState::Pending => {}
    }
    [repo.uri.clone(), parts.join(" · ")]
}

/// The side panel for the selected repository on wide terminals.
pub fn panel(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let pane = &state.repositories;
    let Some(row) = pane.list.selected_item().map(|i| &pane.rows[i]) else {
        return Vec::new();
    };
    let repo = &row.repo;
    let label = |text: &str| Span::styled(format!("{text:<11}"), theme.column_header);
    let mut lines = vec![
        Line::from(vec![label("name"), Span::raw(repo.name.clone())]),
        Line::from(vec![label("uri"), Span::raw(repo.uri.clone())]),
        Line::from(vec![label("tags"), Span::raw(repo.tag_mutability.label())]),
        Line::from(vec![
            label("scan"),
            Span::raw(if repo.scan_on_push {
                "on push"
            } else {
                "manual"
            }),
        ]),
        Line::from(vec![
            label("encryption"),
            Span::raw(match &repo.encryption {
                Encryption::Aes256 => "AES256".to_string(),
                Encryption::Kms { key } => {
                    format!("KMS {}", key.as_deref().unwrap_or("(AWS managed key)"))
                }
            }),
        ]),
    ];
    if let Some(created) = repo.created_at {
        lines.push(Line::from(vec![
            label("created"),
            Span::raw(format::utc(created)),
        ]));
    }
    match &row.stats {
        StatsState::Loaded(stats) => {
            lines.push(Line::from(vec![
                label("images"),
                Span::raw(stats.images.to_string()),
            ]));
            lines.push(Line::from(vec![
                label("size"),
                Span::raw(format!(
                    "{} (upper bound: layers shared between images count once per image)",
                    format::size(stats.bytes)
                )),
            ]));
        }
        StatsState::Failed(error) => lines.push(Line::styled(error.clone(), theme.error)),
        StatsState::Pending => lines.push(Line::styled("counting images…", theme.dim)),
    }
    lines
}

#[cfg(test)]
mod tests {
    use crate::app::action::Action;
    use crate::app::fixtures::{visible_repos, with_repositories};
    use crate::app::state::ALL_REPOSITORY_SORTS;
    use crate::app::update;
    use crate::figures::RepositoryRow;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn press(state: &mut crate::app::State, c: char) {
        update(
            state,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }

    fn row(
        name: &str,
        untagged: u64,
        stale: u64,
        reclaim: Option<u64>,
        stored: Option<u64>,
    ) -> RepositoryRow {
        RepositoryRow {
            profile: "env".into(),
            account: "123456789012".into(),
            account_name: None,
            region: "us-east-1".into(),
            repository: name.into(),
            images: 10,
            bytes: 1000,
            untagged_images: untagged,
            untagged_bytes: untagged * 10,
            stale_images: stale,
            stale_bytes: stale * 10,
            oldest_push: None,
            newest_push: None,
            lifecycle_policy: Some(reclaim.is_some()),
            lifecycle_expired_images: reclaim.map(|_| 1),
            lifecycle_reclaimable_bytes: reclaim,
            lifecycle_note: None,
            stored_bytes: stored,
            stored_bytes_exact: stored.map(|_| true),
            archived_images: 0,
            archived_bytes: 0,
            referrers: 0,
            signed_images: 0,
            unsigned_images: 0,
            orphaned_referrers: 0,
            monthly_cost_usd: None,
            lifecycle_freed_bytes: None,
            storage_note: None,
            in_use: None,
            in_use_by_accounts: Vec::new(),
        }
    }

    /// `s` in the audit view visits exactly the sortable columns that view shows, and
    /// each orders the rows by the figure its column shows, largest first.
    #[test]
    fn s_in_the_audit_view_cycles_through_its_own_columns() {
        let mut state = with_repositories(&["a", "b", "c"]);
        press(&mut state, 'A');
        assert!(state.repositories.audit_view);
        let rows = [
            row("a", 5, 1, Some(10), Some(700)),
            row("b", 1, 9, Some(300), None),
            row("c", 3, 4, None, Some(900)),
        ];
        let registry = state.registries.rows[0].target.clone();
        update(
            &mut state,
            Action::AuditLoaded {
                registry,
                result: Ok(rows.to_vec()),
                errors: Vec::new(),
            },
        );
        let mut visited = Vec::new();
        let mut orders = Vec::new();
        for _ in 0..7 {
            press(&mut state, 's');
            visited.push(ALL_REPOSITORY_SORTS[state.repositories.list.sort_column]);
            orders.push(visible_repos(&state));
        }
        assert_eq!(
            visited,
            [
                "images", "size", "stored", "untagged", "stale", "reclaim", "name"
            ]
        );
        assert_eq!(orders[2], ["c", "a", "b"], "by stored bytes, unknown last");
        assert_eq!(orders[3], ["a", "c", "b"], "by untagged images");
        assert_eq!(orders[4], ["b", "c", "a"], "by stale images");
        assert_eq!(orders[5], ["b", "a", "c"], "by reclaim, unknown last");
        let sortable: Vec<&str> = crate::layout::AUDIT_COLUMNS
            .iter()
            .filter_map(|c| c.sort)
            .collect();
        for name in &visited {
            assert!(
                sortable.contains(name),
                "{name} has no column to show its arrow"
            );
        }

        // Leaving the audit view while sorted by one of its columns falls back to the
        // name, which the settings view shows.
        for _ in 0..6 {
            press(&mut state, 's');
        }
        assert_eq!(
            ALL_REPOSITORY_SORTS[state.repositories.list.sort_column],
            "reclaim"
        );
        press(&mut state, 'A');
        assert!(!state.repositories.audit_view);
        assert_eq!(state.repositories.list.sort_column, 0);
        assert_eq!(visible_repos(&state), ["a", "b", "c"]);
    }
}
