//! The report for people: aligned columns that fit the terminal's 80 columns.

use super::progress::thousands;
use super::report::{Report, Totals};
use crate::figures::RepositoryRow;
use crate::format;
use jiff::Timestamp;
use std::io::{self, Write};

/// Table columns, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Repository,
    Images,
    Size,
    /// What the repository stores, each blob once; only when manifests were read.
    Stored,
    /// The estimated monthly cost of what it stores.
    Cost,
    Untagged,
    UntaggedCount,
    Stale,
    StaleCount,
    Reclaim,
    /// What the policy would really free: blobs only expiring images reference.
    Frees,
    /// Images in use by ECS or Lambda; only when the lookup ran.
    InUse,
    Oldest,
    Newest,
    Registry,
    /// The registry column when every registry uses the same credentials.
    Region,
    Account,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Repository => "REPOSITORY",
            Column::Images => "IMAGES",
            Column::Size => "SIZE",
            Column::Stored => "STORED",
            Column::Cost => "$/MONTH",
            Column::Untagged => "UNTAGGED",
            Column::UntaggedCount => "UNT#",
            Column::Stale => "STALE",
            Column::StaleCount => "STALE#",
            Column::Reclaim => "RECLAIM",
            Column::Frees => "FREES",
            Column::InUse => "IN USE",
            Column::Oldest => "OLDEST",
            Column::Newest => "NEWEST",
            Column::Registry => "REGISTRY",
            Column::Region => "REGION",
            Column::Account => "ACCOUNT",
        }
    }

    fn left_aligned(self) -> bool {
        matches!(
            self,
            Column::Repository | Column::Registry | Column::Region | Column::Account
        )
    }
}

/// How the table gives way when it is too wide, in order: the least useful columns go
/// first, then long repository names are shortened, then secondary figures go.
enum Step {
    Drop(Column),
    ShrinkRepository(usize),
}

const FIT_STEPS: &[Step] = &[
    Step::Drop(Column::Account),
    Step::Drop(Column::UntaggedCount),
    Step::Drop(Column::StaleCount),
    Step::Drop(Column::Newest),
    Step::Drop(Column::Cost),
    Step::ShrinkRepository(28),
    Step::Drop(Column::Oldest),
    Step::ShrinkRepository(20),
    Step::Drop(Column::InUse),
    Step::Drop(Column::Untagged),
    Step::Drop(Column::Stale),
    Step::Drop(Column::Images),
    Step::ShrinkRepository(16),
    Step::Drop(Column::Reclaim),
    Step::Drop(Column::Size),
    Step::Drop(Column::Frees),
    Step::ShrinkRepository(8),
];

const GAP: usize = 2;

/// One table line before layout: a cell per column.
struct Line {
    cells: Vec<(Column, String)>,
}

impl Line {
    fn cell(&self, column: Column) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map_or("", |(_, text)| text.as_str())
    }
}

fn reclaim_cell(policy: Option<bool>, bytes: Option<u64>) -> String {
    match (policy, bytes) {
        (Some(false), _) => "-".to_string(),
        (_, Some(bytes)) => format::size(bytes),
        _ => "?".to_string(),
    }
}

/// A stored figure: `≥` marks a lower bound (some manifests could not be read).
fn stored_cell(bytes: Option<u64>, exact: Option<bool>) -> String {
    match (bytes, exact) {
        (Some(bytes), Some(true)) => format::size(bytes),
        (Some(bytes), _) => format!("≥{}", format::size(bytes)),
        (None, _) => "?".to_string(),
    }
}

/// A monthly cost estimate in dollars, `≥` when the stored figure is a lower bound.
fn cost_cell(usd: Option<f64>, exact: Option<bool>) -> String {
    match (usd, exact) {
        (Some(usd), Some(true)) => format!("{usd:.2}"),
        (Some(usd), _) => format!("≥{usd:.2}"),
        (None, _) => "?".to_string(),
    }
}

fn row_line(row: &RepositoryRow, now: Timestamp) -> Line {
    Line {
        cells: vec![
            (Column::Repository, row.repository.clone()),
            (Column::Images, thousands(row.images)),
            (Column::Size, format::size(row.bytes)),
            (
                Column::Stored,
                stored_cell(row.stored_bytes, row.stored_bytes_exact),
            ),
            (
                Column::Cost,
                cost_cell(row.monthly_cost_usd, row.stored_bytes_exact),
            ),
            (Column::Untagged, format::size(row.untagged_bytes)),
            (Column::UntaggedCount, thousands(row.untagged_images)),
            (Column::Stale, format::size(row.stale_bytes)),
            (Column::StaleCount, thousands(row.stale_images)),
            (
                Column::Reclaim,
                reclaim_cell(row.lifecycle_policy, row.lifecycle_reclaimable_bytes),
            ),
            (
                Column::Frees,
                reclaim_cell(row.lifecycle_policy, row.lifecycle_freed_bytes),
            ),
            (
                Column::InUse,
                row.in_use.map_or_else(|| "?".to_string(), thousands),
            ),
            (Column::Oldest, format::age_or_dash(row.oldest_push, now)),
            (Column::Newest, format::age_or_dash(row.newest_push, now)),
            (Column::Registry, row.registry()),
            (Column::Region, row.region.clone()),
            (Column::Account, row.account.clone()),
        ],
    }
}

fn totals_line(
    label: &str,
    registry: [&str; 2],
    account: &str,
    t: &Totals,
    now: Timestamp,
) -> Line {
    let reclaim = if t.repositories_with_policy == 0 {
        "-".to_string()
    } else {
        format::size(t.lifecycle_reclaimable_bytes)
    };
    let frees = match (t.repositories_with_policy, t.lifecycle_freed_unknown) {
        (0, _) => "-".to_string(),
        (_, 0) => format::size(t.lifecycle_freed_bytes),
        // Some repositories' figures are unknown: the sum is only what is known.
        _ => format!("≥{}", format::size(t.lifecycle_freed_bytes)),
    };
    Line {
        cells: vec![
            (Column::Repository, label.to_string()),
            (Column::Images, thousands(t.images)),
            (Column::Size, format::size(t.bytes)),
            (
                Column::Stored,
                stored_cell(t.stored_bytes, t.stored_bytes_exact),
            ),
            (
                Column::Cost,
                cost_cell(t.monthly_cost_usd, t.stored_bytes_exact),
            ),
            (Column::Untagged, format::size(t.untagged_bytes)),
            (Column::UntaggedCount, thousands(t.untagged_images)),
            (Column::Stale, format::size(t.stale_bytes)),
            (Column::StaleCount, thousands(t.stale_images)),
            (Column::Reclaim, reclaim),
            (Column::Frees, frees),
            (Column::InUse, thousands(t.in_use_images)),
            (Column::Oldest, format::age_or_dash(t.oldest_push, now)),
            (Column::Newest, format::age_or_dash(t.newest_push, now)),
            (Column::Registry, registry[0].to_string()),
            (Column::Region, registry[1].to_string()),
            (Column::Account, account.to_string()),
        ],
    }
}

/// Lay `lines` out in at most `width` characters; returns the columns kept and their widths.
fn layout(lines: &[Line], mut columns: Vec<Column>, width: usize) -> Vec<(Column, usize)> {
    let natural = |column: Column| {
        lines
            .iter()
            .map(|l| format::width(l.cell(column)))
            .chain([column.title().len()])
            .max()
            .unwrap_or(0)
    };
    let mut repository_cap = usize::MAX;
    let measure = |columns: &[Column], cap: usize| -> Vec<(Column, usize)> {
        columns
            .iter()
            .map(|&c| {
                let w = natural(c);
                (
                    c,
                    if c == Column::Repository {
                        w.min(cap)
                    } else {
                        w
                    },
                )
            })
            .collect()
    };
    let total = |widths: &[(Column, usize)]| {
        widths.iter().map(|(_, w)| w).sum::<usize>() + GAP * widths.len().saturating_sub(1)
    };
    let mut widths = measure(&columns, repository_cap);
    for step in FIT_STEPS {
        if total(&widths) <= width {
            break;
        }
        match step {
            Step::Drop(column) => columns.retain(|c| c != column),
            Step::ShrinkRepository(cap) => {
                let others = total(&measure(
                    &columns
                        .iter()
                        .copied()
                        .filter(|c| *c != Column::Repository)
                        .collect::<Vec<_>>(),
                    repository_cap,
                ));
                repository_cap = width.saturating_sub(others + GAP).max(*cap);
            }
        }
        widths = measure(&columns, repository_cap);
    }
    widths
}

fn render_line(line: &Line, widths: &[(Column, usize)]) -> String {
    let mut out = String::new();
    for (i, (column, width)) in widths.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(GAP));
        }
        let text = format::truncate_middle(line.cell(*column), *width);
        let pad = width.saturating_sub(format::width(&text));
        let last = i + 1 == widths.len();
        if column.left_aligned() {
            out.push_str(&text);
            if !last {
                out.push_str(&" ".repeat(pad));
            }
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    out
}

/// Write `report` as a table no wider than `width` (headers, notes and warnings are
/// wrapped by the terminal if they must be).
pub fn table(report: &Report, width: usize, out: &mut impl Write) -> io::Result<()> {
    let now = report.generated_at;
    let single_registry = report.registries.len() == 1;
    let mut accounts: Vec<&str> = report
        .registries
        .iter()
        .filter_map(|r| r.account.as_deref())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();

    let title = match (&report.registries[..], accounts.as_slice()) {
        ([one], [account]) => format!("{} ({account})", one.registry),
        ([one], _) => one.registry.clone(),
        (many, _) => format!("{} registries", many.len()),
    };
    writeln!(out, "berth audit of {title} · {}", format::utc(now))?;
    writeln!(out)?;

    let mut columns = vec![
        Column::Repository,
        Column::Images,
        Column::Size,
        Column::Untagged,
        Column::UntaggedCount,
        Column::Stale,
        Column::StaleCount,
        Column::Reclaim,
        Column::Oldest,
        Column::Newest,
    ];
    // The in-use column only when the lookup ran (not with --no-usage).
    let usage_ran = report.repositories.iter().any(|r| r.in_use.is_some())
        || report
            .registries
            .iter()
            .any(|r| !r.in_use_unknown.is_empty());
    if usage_ran {
        columns.insert(8, Column::InUse);
    }
    // The storage columns only when manifests were read (not with --no-storage).
    let storage_read = report.totals.totals.stored_bytes.is_some();
    if storage_read {
        for (after, column) in [
            (Column::Reclaim, Column::Frees),
            (Column::Size, Column::Stored),
            (Column::Stored, Column::Cost),
        ] {
            let at = columns
                .iter()
                .position(|c| *c == after)
                .map_or(0, |i| i + 1);
            columns.insert(at, column);
        }
    }
    let one_profile = report
        .registries
        .windows(2)
        .all(|pair| pair[0].profile == pair[1].profile);
    match (single_registry, one_profile) {
        (true, _) => {}
        (false, true) => columns.push(Column::Region),
        (false, false) => columns.push(Column::Registry),
    }
    if accounts.len() > 1 {
        columns.push(Column::Account);
    }

    let mut lines: Vec<Line> = report
        .repositories
        .iter()
        .map(|row| row_line(row, now))
        .collect();
    let body = lines.len();
    if !single_registry {
        for registry in &report.registries {
            let account = registry.account.as_deref().unwrap_or("?");
            let names = [registry.registry.as_str(), registry.region.as_str()];
            lines.push(totals_line("TOTAL", names, account, &registry.totals, now));
        }
    }
    lines.push(totals_line(
        "TOTAL",
        ["all", "all"],
        "",
        &report.totals.totals,
        now,
    ));

    let widths = layout(&lines, columns, width);
    // A note explains a column only when the table kept it (narrow tables drop some).
    let shown = |column: Column| widths.iter().any(|(c, _)| *c == column);
    let header = Line {
        cells: widths
            .iter()
            .map(|(c, _)| (*c, c.title().to_string()))
            .collect(),
    };
    let rule_width = widths.iter().map(|(_, w)| w).sum::<usize>() + GAP * (widths.len() - 1);
    writeln!(out, "{}", render_line(&header, &widths))?;
    for (i, line) in lines.iter().enumerate() {
        if i == body {
            writeln!(out, "{}", "─".repeat(rule_width))?;
        }
        writeln!(out, "{}", render_line(line, &widths))?;
    }
    writeln!(out)?;
    if report.repositories.len() < report.repositories_audited {
        writeln!(
            out,
            "Showing {} of {} repositories; totals count all of them.",
            report.repositories.len(),
            report.repositories_audited
        )?;
    }
    writeln!(
        out,
        "SIZE adds up imageSizeInBytes per image: shared layers count more than once."
    )?;
    if shown(Column::Stale) {
        writeln!(
            out,
            "STALE: not pulled for {} days (push time if never pulled).",
            report.stale_days
        )?;
    }
    if shown(Column::Reclaim) {
        writeln!(
            out,
            "RECLAIM: what the lifecycle policy would expire now, per berth's evaluator"
        )?;
        writeln!(out, "(- no policy, ? unknown).")?;
    }
    if shown(Column::InUse) {
        writeln!(
            out,
            "IN USE: images an ECS service or task or a Lambda function uses (? unknown)."
        )?;
    }
    if storage_read {
        storage_notes(report, &shown, out)?;
    }
    for registry in &report.registries {
        for note in &registry.in_use_unknown {
            writeln!(out, "note: {}: {note}", registry.registry)?;
        }
    }
    for error in &report.errors {
        let subject = match &error.repository {
            Some(repository) => format!("{}: {repository}", error.registry),
            None => error.registry.clone(),
        };
        writeln!(out, "warning: {subject}: {}", error.error)?;
    }
    Ok(())
}

/// What the storage columns mean, and how much of what is stored is stored twice.
fn storage_notes(
    report: &Report,
    shown: &impl Fn(Column) -> bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let totals = &report.totals;
    if shown(Column::Stored) {
        writeln!(
            out,
            "STORED: distinct layers and configs from the manifests, each once per repository"
        )?;
        writeln!(out, "(≥ where some manifests could not be read).")?;
    }
    if shown(Column::Cost) {
        writeln!(
            out,
            "$/MONTH: STORED at the [cost] price per GiB-month (default 0.10): an estimate."
        )?;
    }
    if shown(Column::Frees) {
        writeln!(
            out,
            "FREES: what the expiring images alone hold, the bytes the policy really frees."
        )?;
    }
    if let Some(cross) = totals.cross_repository_bytes.filter(|bytes| *bytes > 0) {
        let bound = if totals.cross_repository_bytes_exact == Some(true) {
            ""
        } else {
            "at least "
        };
        writeln!(
            out,
            "{bound}{} of layers are stored in more than one repository; ECR stores and",
            format::size(cross)
        )?;
        writeln!(out, "bills each repository's copy.")?;
    }
    for row in &report.repositories {
        if let Some(note) = &row.storage_note {
            writeln!(out, "note: {}: {}: {note}", row.registry(), row.repository)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headless::audit::tests::sample_report as report;

    fn table_text(report: &Report) -> String {
        let mut out = Vec::new();
        table(report, 80, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_lines_fit_80_columns_with_one_or_many_registries() {
        for regions in [&["us-east-1"][..], &["us-east-1", "ap-southeast-2"][..]] {
            let text = table_text(&report(regions));
            let table_lines = text.lines().skip(2).take_while(|l| !l.is_empty());
            for line in table_lines {
                assert!(line.chars().count() <= 80, "too wide: {line:?}\n{text}");
            }
            assert!(text.contains("REPOSITORY"), "{text}");
            assert!(text.contains("SIZE"), "{text}");
            assert!(text.contains("RECLAIM"), "{text}");
        }
    }

    #[test]
    fn notes_explain_only_the_columns_the_table_kept() {
        let text = table_text(&report(&["us-east-1", "ap-southeast-2"]));
        let header = text.lines().nth(2).unwrap();
        for (title, note) in [
            ("IN USE", "IN USE:"),
            ("STALE", "STALE:"),
            ("RECLAIM", "RECLAIM:"),
        ] {
            assert_eq!(
                header.contains(title),
                text.contains(note),
                "{title} column and its note disagree:\n{text}"
            );
        }
    }

    #[test]
    fn low_value_columns_go_first() {
        let text = table_text(&report(&["us-east-1", "ap-southeast-2"]));
        assert!(!text.contains("ACCOUNT"), "{text}");
        assert!(!text.contains("UNT#"), "{text}");
        assert!(text.contains("REGION"), "{text}");
        assert!(text.contains("919.83 GiB"), "{text}");
    }
}
