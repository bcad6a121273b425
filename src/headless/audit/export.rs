//! The report for scripts: JSON and CSV.

use super::report::{Report, Totals};
use crate::figures::rows::rfc3339_text;
use jiff::Timestamp;
use std::io::{self, Write};

/// The output formats of `berth audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns that fit 80 characters, sizes in binary units.
    Table,
    /// One JSON document (documented in the README).
    Json,
    /// One header line, then one line per repository and per total.
    Csv,
}

/// Write `report` as pretty-printed JSON followed by a newline.
pub fn json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "row",
    "profile",
    "account",
    "account_name",
    "region",
    "repository",
    "repositories",
    "images",
    "bytes",
    "stored_bytes",
    "stored_bytes_exact",
    "monthly_cost_usd",
    "cross_repository_bytes",
    "archived_images",
    "archived_bytes",
    "referrers",
    "signed_images",
    "unsigned_images",
    "orphaned_referrers",
    "untagged_images",
    "untagged_bytes",
    "stale_images",
    "stale_bytes",
    "oldest_push",
    "newest_push",
    "lifecycle_policy",
    "repositories_with_policy",
    "lifecycle_expired_images",
    "lifecycle_reclaimable_bytes",
    "lifecycle_freed_bytes",
    "lifecycle_note",
    "in_use",
    "storage_note",
];

/// Write `report` as CSV: repository rows (`row` = `repository`), then one `registry` row
/// per registry and one `total` row. Empty cells mean "not applicable" or "unknown".
pub fn csv(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut out = crate::csv::Writer::new(out, crate::csv::LineEnding::Crlf);
    out.record(CSV_COLUMNS)?;
    let opt = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    let time = |t: Option<Timestamp>| t.map(rfc3339_text).unwrap_or_default();
    let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    let usd = |n: Option<f64>| n.map(|n| format!("{n:.6}")).unwrap_or_default();
    for row in &report.repositories {
        out.record([
            "repository".to_string(),
            row.profile.clone(),
            row.account.clone(),
            row.account_name.clone().unwrap_or_default(),
            row.region.clone(),
            row.repository.clone(),
            "1".to_string(),
            row.images.to_string(),
            row.bytes.to_string(),
            opt(row.stored_bytes),
            flag(row.stored_bytes_exact),
            usd(row.monthly_cost_usd),
            String::new(),
            row.archived_images.to_string(),
            row.archived_bytes.to_string(),
            row.referrers.to_string(),
            row.signed_images.to_string(),
            row.unsigned_images.to_string(),
            row.orphaned_referrers.to_string(),
            row.untagged_images.to_string(),
            row.untagged_bytes.to_string(),
            row.stale_images.to_string(),
            row.stale_bytes.to_string(),
            time(row.oldest_push),
            time(row.newest_push),
            row.lifecycle_policy
                .map(|p| p.to_string())
                .unwrap_or_default(),
            String::new(),
            opt(row.lifecycle_expired_images),
            opt(row.lifecycle_reclaimable_bytes),
            opt(row.lifecycle_freed_bytes),
            row.lifecycle_note.clone().unwrap_or_default(),
            opt(row.in_use),
            row.storage_note.clone().unwrap_or_default(),
        ])?;
    }
    let totals_line =
        |out: &mut crate::csv::Writer<_>, kind: &str, who: [String; 4], t: &Totals, cross| {
            let [profile, account, account_name, region] = who;
            out.record([
                kind.to_string(),
                profile,
                account,
                account_name,
                region,
                String::new(),
                t.repositories.to_string(),
                t.images.to_string(),
                t.bytes.to_string(),
                opt(t.stored_bytes),
                flag(t.stored_bytes_exact),
                usd(t.monthly_cost_usd),
                opt(cross),
                t.archived_images.to_string(),
                t.archived_bytes.to_string(),
                t.referrers.to_string(),
                t.signed_images.to_string(),
                t.unsigned_images.to_string(),
                t.orphaned_referrers.to_string(),
                t.untagged_images.to_string(),
                t.untagged_bytes.to_string(),
                t.stale_images.to_string(),
                t.stale_bytes.to_string(),
                time(t.oldest_push),
                time(t.newest_push),
                String::new(),
                t.repositories_with_policy.to_string(),
                t.lifecycle_expired_images.to_string(),
                t.lifecycle_reclaimable_bytes.to_string(),
                t.lifecycle_freed_bytes.to_string(),
                String::new(),
                t.in_use_images.to_string(),
                String::new(),
            ])
        };
    for registry in &report.registries {
        let who = [
            registry.profile.clone(),
            registry.account.clone().unwrap_or_default(),
            registry.account_name.clone().unwrap_or_default(),
            registry.region.clone(),
        ];
        let cross = registry.cross_repository_bytes;
        totals_line(&mut out, "registry", who, &registry.totals, cross)?;
    }
    let cross = report.totals.cross_repository_bytes;
    totals_line(
        &mut out,
        "total",
        Default::default(),
        &report.totals.totals,
        cross,
    )?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headless::audit::tests::sample_report as report;

    #[test]
    fn csv_quotes_what_needs_quoting_and_has_totals_rows() {
        let mut out = Vec::new();
        csv(&report(&["us-east-1"]), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert_eq!(lines.len(), 1 + 2 + 1 + 1);
        assert!(lines[1].ends_with(",\"a note, with \"\"quotes\"\"\",3,"));
        assert!(lines[3].starts_with("registry,production-readonly,12345678909,,us-east-1,,2,"));
        assert!(lines[4].starts_with("total,,,,,,2,"));
    }

    #[test]
    fn json_has_the_documented_top_level_keys() {
        let mut out = Vec::new();
        json(&report(&["us-east-1"]), &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        for key in [
            "generated_at",
            "stale_days",
            "complete",
            "repositories",
            "registries",
            "totals",
            "errors",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        assert_eq!(value["generated_at"], "2026-11-25T12:00:00Z");
        assert_eq!(
            value["repositories"][0]["oldest_push"],
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(value["totals"]["registries"], 1);
        assert_eq!(
            value["registries"][0]["registry"],
            "production-readonly/us-east-1"
        );
    }
}
