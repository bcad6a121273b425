//! The audit report: rows, totals and errors, in the shape the JSON output documents.
//! The rows and errors are the sweep's (`crate::figures`); totals, order and outcome are
//! the report's.

use crate::figures::rows::{
    ErrorEntry, RegistryResult, RepositoryRow, earliest, latest, rfc3339, rfc3339_text,
};
use jiff::Timestamp;
use serde::{Serialize, Serializer};

/// Which column orders the repository rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    /// Total bytes (summed image sizes), largest first.
    Size,
    /// Stored bytes (each blob once), largest first; unknown last.
    Stored,
    /// Image count, most first.
    Images,
    /// Untagged bytes, largest first.
    Untagged,
    /// Stale bytes, largest first.
    Stale,
    /// Repository name, A to Z.
    Name,
}

/// Sums over a set of repositories.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub repositories: u64,
    pub images: u64,
    pub bytes: u64,
    /// Sum of the repositories' `stored_bytes` (each repository stores its own copy of a
    /// blob); `None` when no repository's manifests were read.
    pub stored_bytes: Option<u64>,
    /// Whether every repository's `stored_bytes` is known and exact.
    pub stored_bytes_exact: Option<bool>,
    /// Sum of the repositories' `monthly_cost_usd`.
    pub monthly_cost_usd: Option<f64>,
    pub archived_images: u64,
    pub archived_bytes: u64,
    pub referrers: u64,
    pub signed_images: u64,
    pub unsigned_images: u64,
    pub orphaned_referrers: u64,
    /// That sum in millionths of a dollar: whole numbers add up the same in any order.
    #[serde(skip)]
    cost_micros: Option<u64>,
    pub untagged_images: u64,
    pub untagged_bytes: u64,
    pub stale_images: u64,
    pub stale_bytes: u64,
    #[serde(serialize_with = "rfc3339")]
    pub oldest_push: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339")]
    pub newest_push: Option<Timestamp>,
    pub repositories_with_policy: u64,
    /// Sums over the repositories whose lifecycle figures are known.
    pub lifecycle_expired_images: u64,
    pub lifecycle_reclaimable_bytes: u64,
    /// Sum over the repositories whose freed bytes are known (see
    /// `lifecycle_freed_unknown` for how many are not).
    pub lifecycle_freed_bytes: u64,
    /// Repositories with a lifecycle policy whose freed bytes are unknown.
    pub lifecycle_freed_unknown: u64,
    /// Sum over the repositories whose in-use count is known.
    pub in_use_images: u64,
}

impl Totals {
    fn add(&mut self, row: &RepositoryRow) {
        self.repositories += 1;
        self.images += row.images;
        self.bytes += row.bytes;
        self.archived_images += row.archived_images;
        self.archived_bytes += row.archived_bytes;
        self.referrers += row.referrers;
        self.signed_images += row.signed_images;
        self.unsigned_images += row.unsigned_images;
        self.orphaned_referrers += row.orphaned_referrers;
        if let Some(stored) = row.stored_bytes {
            *self.stored_bytes.get_or_insert(0) += stored;
        }
        let exact = row.stored_bytes_exact == Some(true);
        self.stored_bytes_exact = Some(self.stored_bytes_exact.unwrap_or(true) && exact);
        if let Some(cost) = row.monthly_cost_usd {
            *self.cost_micros.get_or_insert(0) += (cost * 1e6).round() as u64;
        }
        self.untagged_images += row.untagged_images;
        self.untagged_bytes += row.untagged_bytes;
        self.stale_images += row.stale_images;
        self.stale_bytes += row.stale_bytes;
        self.oldest_push = earliest(self.oldest_push, row.oldest_push);
        self.newest_push = latest(self.newest_push, row.newest_push);
        self.repositories_with_policy += u64::from(row.lifecycle_policy == Some(true));
        self.lifecycle_expired_images += row.lifecycle_expired_images.unwrap_or(0);
        self.lifecycle_reclaimable_bytes += row.lifecycle_reclaimable_bytes.unwrap_or(0);
        match row.lifecycle_freed_bytes {
            Some(freed) => self.lifecycle_freed_bytes += freed,
            None => self.lifecycle_freed_unknown += u64::from(row.lifecycle_policy == Some(true)),
        }
        self.in_use_images += row.in_use.unwrap_or(0);
    }

    fn sum<'a>(rows: impl IntoIterator<Item = &'a RepositoryRow>) -> Totals {
        let mut totals = Totals::default();
        for row in rows {
            totals.add(row);
        }
        totals.monthly_cost_usd = totals.cost_micros.map(|micros| micros as f64 / 1e6);
        if totals.stored_bytes.is_none() {
            // Nothing was read: "exact" would claim something about nothing.
            totals.stored_bytes_exact = None;
        }
        totals
    }
}

/// One registry's totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegistryTotals {
    /// `profile/region`.
    pub registry: String,
    pub profile: String,
    /// `None` when the registry could not be read at all.
    pub account: Option<String>,
    /// The member account's name (see `RepositoryRow::account_name`).
    pub account_name: Option<String>,
    pub region: String,
    /// False when any call for this registry failed (see `errors`).
    pub complete: bool,
    /// Why the in-use counts are unknown (`in-use unknown (missing ecs:ListClusters)`);
    /// empty when they are known or were not asked for.
    pub in_use_unknown: Vec<String>,
    #[serde(flatten)]
    pub totals: Totals,
    /// Bytes of the blobs stored in more than one of its repositories, each blob once:
    /// ECR bills every repository's copy, so this is what sharing could save. `None`
    /// when manifests were not read.
    pub cross_repository_bytes: Option<u64>,
    /// False when some manifests could not be read (the figure is then a lower bound).
    pub cross_repository_bytes_exact: Option<bool>,
}

/// One member account's totals over its registries in every region audited.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountTotals {
    pub account: String,
    pub account_name: String,
    pub registries: u64,
    /// False when any call for one of its registries failed (the role could not be
    /// assumed, a region is not enabled, …; see `errors`).
    pub complete: bool,
    #[serde(flatten)]
    pub totals: Totals,
}

impl AccountTotals {
    /// Per member account, in the order the registries came: registries that are not
    /// a member account's (a profile's) are not in any.
    fn group(registries: &[RegistryTotals], rows: &[RepositoryRow]) -> Vec<AccountTotals> {
        let mut accounts: Vec<AccountTotals> = Vec::new();
        for registry in registries {
            let (Some(account), Some(name)) = (&registry.account, &registry.account_name) else {
                continue;
            };
            match accounts.iter_mut().find(|a| &a.account == account) {
                Some(known) => {
                    known.registries += 1;
                    known.complete &= registry.complete;
                }
                None => accounts.push(AccountTotals {
                    account: account.clone(),
                    account_name: name.clone(),
                    registries: 1,
                    complete: registry.complete,
                    totals: Totals::default(),
                }),
            }
        }
        for account in &mut accounts {
            account.totals = Totals::sum(
                rows.iter()
                    .filter(|r| r.account == account.account && r.account_name.is_some()),
            );
        }
        accounts
    }
}

/// Totals over every registry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverallTotals {
    pub registries: u64,
    #[serde(flatten)]
    pub totals: Totals,
    /// The sum of the registries' `cross_repository_bytes` (registries never share).
    pub cross_repository_bytes: Option<u64>,
    pub cross_repository_bytes_exact: Option<bool>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(serialize_with = "rfc3339_required")]
    pub generated_at: Timestamp,
    pub stale_days: u32,
    /// True when every call succeeded.
    pub complete: bool,
    /// Sorted by `--sort` and cut to `--top`.
    pub repositories: Vec<RepositoryRow>,
    /// Repository rows before `--top` cut them (totals always count all of them).
    #[serde(skip)]
    pub repositories_audited: usize,
    pub registries: Vec<RegistryTotals>,
    /// Per member account (`--organization` or the config's `accounts`); absent when
    /// only profiles were audited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountTotals>,
    pub totals: OverallTotals,
    pub errors: Vec<ErrorEntry>,
    /// Whether any registry listed its repositories.
    #[serde(skip)]
    pub listed_any: bool,
}

/// How the process should end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every call succeeded.
    Complete,
    /// Some registries or repositories failed; the rest is reported.
    Partial,
    /// No registry could be read at all.
    Failed,
}

impl Outcome {
    /// The documented exit status: 0 complete, 3 partial, 1 nothing could be read.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Complete => 0,
            Outcome::Partial => 3,
            Outcome::Failed => 1,
        }
    }
}

impl Report {
    /// Assemble the report from the registries' results, in the order they were asked for.
    pub fn build(
        generated_at: Timestamp,
        stale_days: u32,
        results: Vec<RegistryResult>,
        sort: SortKey,
        top: Option<usize>,
    ) -> Report {
        let mut repositories = Vec::new();
        let mut registries = Vec::new();
        let mut errors = Vec::new();
        let mut listed_any = false;
        for result in results {
            listed_any |= result.listed;
            registries.push(RegistryTotals {
                registry: result.target.label(),
                profile: result.target.source.label().to_string(),
                // A member account is known by its id even when nothing could be read.
                account: result
                    .account
                    .or_else(|| result.target.source.member().map(|m| m.id.clone())),
                account_name: result.target.source.member().map(|m| m.name.clone()),
                region: result.target.region.clone(),
                complete: result.errors.is_empty(),
                in_use_unknown: result.usage_gaps,
                totals: Totals::sum(&result.rows),
                cross_repository_bytes: result.cross_repository_bytes.map(|f| f.bytes),
                cross_repository_bytes_exact: result.cross_repository_bytes.map(|f| f.is_exact()),
            });
            repositories.extend(result.rows);
            errors.extend(result.errors);
        }
        let cross: Vec<(u64, bool)> = registries
            .iter()
            .filter_map(|r| Some((r.cross_repository_bytes?, r.cross_repository_bytes_exact?)))
            .collect();
        let totals = OverallTotals {
            registries: registries.len() as u64,
            totals: Totals::sum(&repositories),
            cross_repository_bytes: (!cross.is_empty())
                .then(|| cross.iter().map(|(bytes, _)| bytes).sum()),
            cross_repository_bytes_exact: (!cross.is_empty())
                .then(|| cross.iter().all(|(_, exact)| *exact) && cross.len() == registries.len()),
        };
        let accounts = AccountTotals::group(&registries, &repositories);
        sort_rows(&mut repositories, sort);
        let repositories_audited = repositories.len();
        if let Some(top) = top {
            repositories.truncate(top);
        }
        Report {
            generated_at,
            stale_days,
            complete: errors.is_empty(),
            repositories,
            repositories_audited,
            registries,
            accounts,
            totals,
            errors,
            listed_any,
        }
    }

    /// Complete, partial, or failed (when no registry listed its repositories).
    pub fn outcome(&self) -> Outcome {
        if self.errors.is_empty() {
            Outcome::Complete
        } else if !self.listed_any {
            Outcome::Failed
        } else {
            Outcome::Partial
        }
    }
}

/// Sort by `key`; ties (and `name`) by repository, then profile, then region.
pub fn sort_rows(rows: &mut [RepositoryRow], key: SortKey) {
    rows.sort_by(|a, b| {
        let primary = match key {
            SortKey::Size => b.bytes.cmp(&a.bytes),
            SortKey::Stored => b.stored_bytes.cmp(&a.stored_bytes),
            SortKey::Images => b.images.cmp(&a.images),
            SortKey::Untagged => {
                (b.untagged_bytes, b.untagged_images).cmp(&(a.untagged_bytes, a.untagged_images))
            }
            SortKey::Stale => (b.stale_bytes, b.stale_images).cmp(&(a.stale_bytes, a.stale_images)),
            SortKey::Name => std::cmp::Ordering::Equal,
        };
        primary
            .then_with(|| a.repository.cmp(&b.repository))
            .then_with(|| a.profile.cmp(&b.profile))
            .then_with(|| a.region.cmp(&b.region))
    });
}

fn rfc3339_required<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339_text(*at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::{CredentialSource, RegistryTarget};

    fn row(name: &str, region: &str, bytes: u64, policy: Option<bool>) -> RepositoryRow {
        RepositoryRow {
            profile: "env".into(),
            account: "123456789012".into(),
            account_name: None,
            region: region.into(),
            repository: name.into(),
            images: bytes / 10,
            bytes,
            untagged_images: 0,
            untagged_bytes: 0,
            stale_images: 0,
            stale_bytes: 0,
            oldest_push: None,
            newest_push: None,
            lifecycle_policy: policy,
            lifecycle_expired_images: policy.map(u64::from),
            lifecycle_reclaimable_bytes: policy.map(|p| if p { 5 } else { 0 }),
            lifecycle_note: None,
            stored_bytes: None,
            stored_bytes_exact: None,
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

    fn result(region: &str, rows: Vec<RepositoryRow>, errors: usize) -> RegistryResult {
        let target = RegistryTarget::new(CredentialSource::Environment, region);
        RegistryResult {
            cross_repository_bytes: None,
            errors: (0..errors)
                .map(|_| ErrorEntry {
                    registry: target.label(),
                    repository: None,
                    code: "AccessDenied".into(),
                    error: "denied".into(),
                })
                .collect(),
            account: (!rows.is_empty()).then(|| "123456789012".into()),
            listed: !rows.is_empty(),
            target,
            rows,
            usage_gaps: Vec::new(),
        }
    }

    #[test]
    fn totals_count_every_row_even_when_top_cuts_the_list() {
        let report = Report::build(
            Timestamp::UNIX_EPOCH,
            90,
            vec![
                result(
                    "us-east-1",
                    vec![
                        row("b", "us-east-1", 20, Some(true)),
                        row("a", "us-east-1", 30, None),
                    ],
                    0,
                ),
                result("eu-west-1", vec![row("c", "eu-west-1", 10, Some(false))], 0),
            ],
            SortKey::Size,
            Some(1),
        );
        assert_eq!(report.repositories.len(), 1);
        assert_eq!(report.repositories[0].repository, "a");
        assert_eq!(report.repositories_audited, 3);
        assert_eq!(report.totals.totals.bytes, 60);
        assert_eq!(report.totals.totals.repositories_with_policy, 1);
        assert_eq!(report.totals.totals.lifecycle_reclaimable_bytes, 5);
        assert_eq!(report.registries[0].totals.bytes, 50);
        assert_eq!(report.outcome(), Outcome::Complete);
    }

    #[test]
    fn outcome_is_partial_while_something_was_read_and_failed_otherwise() {
        let partial = Report::build(
            Timestamp::UNIX_EPOCH,
            90,
            vec![
                result("us-east-1", vec![row("a", "us-east-1", 1, None)], 0),
                result("eu-west-1", vec![], 1),
            ],
            SortKey::Name,
            None,
        );
        assert_eq!(partial.outcome().exit_code(), 3);
        let failed = Report::build(
            Timestamp::UNIX_EPOCH,
            90,
            vec![result("eu-west-1", vec![], 1)],
            SortKey::Name,
            None,
        );
        assert_eq!(failed.outcome().exit_code(), 1);
    }

    #[test]
    fn ties_sort_by_name_then_registry() {
        let mut rows = vec![
            row("b", "us-east-1", 10, None),
            row("a", "us-east-1", 10, None),
            row("a", "eu-west-1", 10, None),
        ];
        sort_rows(&mut rows, SortKey::Size);
        let order: Vec<_> = rows
            .iter()
            .map(|r| r.registry() + " " + &r.repository)
            .collect();
        assert_eq!(
            order,
            ["env/eu-west-1 a", "env/us-east-1 a", "env/us-east-1 b"]
        );
    }
}
