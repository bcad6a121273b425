//! The sweep's two bounds (`crate::retry::CallLimits`), overall and per member account,
//! under load: an organization of several accounts whose calls all wait on the
//! registry, some of them throttled, so slots are given back and taken again while
//! others wait.

use super::tests::{image, repository};
use crate::ecr::EcrError;
use crate::ecr::manifests::ManifestAnswer;
use crate::ecr::model::{CredentialSource, Image, MemberAccount, Page, RegistryTarget, Repository};
use crate::figures::RegistryResult;
use crate::figures::progress::Progress;
use crate::figures::source::SweepSource;
use crate::figures::sweep::{Connect, Settings, StorageSettings, collect};
use crate::retry::{Backoff, CallLimits};
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Calls in flight now and the most ever seen, overall and per account.
#[derive(Default)]
struct InFlight {
    overall: (usize, usize),
    accounts: HashMap<String, (usize, usize)>,
}

/// One member account's registry in one region: `REPOSITORIES` repositories of one
/// image each, every call taking a few milliseconds.
struct Member {
    account: String,
    counts: Arc<Mutex<InFlight>>,
    calls: Mutex<u64>,
}

const REPOSITORIES: usize = 6;

impl Member {
    async fn call(&self) -> Result<(), EcrError> {
        {
            let mut counts = self.counts.lock().unwrap();
            counts.overall.0 += 1;
            counts.overall.1 = counts.overall.1.max(counts.overall.0);
            let account = counts.accounts.entry(self.account.clone()).or_default();
            account.0 += 1;
            account.1 = account.1.max(account.0);
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
        {
            let mut counts = self.counts.lock().unwrap();
            counts.overall.0 -= 1;
            counts.accounts.get_mut(&self.account).unwrap().0 -= 1;
        }
        let mut calls = self.calls.lock().unwrap();
        *calls += 1;
        // Every fifth call is throttled: the caller backs off holding no slot.
        if (*calls).is_multiple_of(5) {
            return Err(EcrError::Throttled {
                action: "ecr:DescribeImages".into(),
                subject: self.account.clone(),
            });
        }
        Ok(())
    }
}

#[async_trait]
impl SweepSource for Member {
    async fn account_id(&self) -> Result<String, EcrError> {
        self.call().await?;
        Ok(self.account.clone())
    }

    async fn repositories_page(&self, _: Option<String>) -> Result<Page<Repository>, EcrError> {
        self.call().await?;
        let items = (0..REPOSITORIES)
            .map(|r| repository(&format!("repo{r}"), &self.account))
            .collect();
        Ok(Page {
            items,
            next_token: None,
        })
    }

    async fn images_page(
        &self,
        repository: &str,
        _: Option<String>,
    ) -> Result<Page<Image>, EcrError> {
        self.call().await?;
        let index = repository.trim_start_matches("repo").parse().unwrap();
        Ok(Page {
            items: vec![image(index, true)],
            next_token: None,
        })
    }

    async fn lifecycle_policy(&self, _: &str) -> Result<Option<String>, EcrError> {
        self.call().await?;
        Ok(None)
    }
}

#[async_trait]
impl crate::storage::ManifestSource for Member {
    async fn manifests(
        &self,
        _: &str,
        digests: &[String],
    ) -> Result<Vec<(String, ManifestAnswer)>, EcrError> {
        self.call().await?;
        Ok(digests
            .iter()
            .map(|d| (d.clone(), ManifestAnswer::Gone))
            .collect())
    }
}

fn member(i: usize) -> CredentialSource {
    CredentialSource::Member(MemberAccount {
        id: format!("{:012}", 100_000_000_000u64 + i as u64),
        name: format!("team-{i}"),
        role: "OrganizationAccountAccessRole".into(),
        via: None,
    })
}

/// Sweep `accounts` member accounts × 2 regions with the given bounds (manifests read
/// too, so BatchGetImage counts against them) and return the most calls seen in flight
/// overall and in each account.
async fn sweep_organization(
    accounts: usize,
    overall: usize,
    per_account: usize,
) -> (usize, Vec<usize>, Vec<RegistryResult>) {
    let counts = Arc::new(Mutex::new(InFlight::default()));
    let targets: Vec<RegistryTarget> = (0..accounts)
        .flat_map(|i| {
            ["us-east-1", "eu-west-1"].map(|region| RegistryTarget::new(member(i), region))
        })
        .collect();
    let connect: Connect = {
        let counts = counts.clone();
        Arc::new(move |target: RegistryTarget| {
            let source = Member {
                account: target.source.member().unwrap().id.clone(),
                counts: counts.clone(),
                calls: Mutex::new(0),
            };
            Box::pin(async move { Ok(Arc::new(source) as Arc<dyn SweepSource>) })
        })
    };
    let settings = Settings {
        now: Timestamp::from_second(1_800_000_000).unwrap(),
        stale_days: 90,
        repo_prefix: None,
        limits: Arc::new(CallLimits::new(overall, per_account)),
        backoff: Backoff {
            max_attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
        },
        storage: Some(StorageSettings::default()),
    };
    let progress = Arc::new(Progress::default());
    let results = collect(targets, connect, settings, progress.clone()).await;
    let read = progress.snapshot();
    assert_eq!(
        (read.accounts, read.accounts_done),
        (accounts as u64, accounts as u64),
        "every account counted once, and done once its two regions are"
    );
    let counts = counts.lock().unwrap();
    let mut per: Vec<(String, usize)> = counts
        .accounts
        .iter()
        .map(|(account, (_, most))| (account.clone(), *most))
        .collect();
    per.sort();
    let (now, most) = counts.overall;
    assert_eq!(now, 0, "every call has ended");
    (
        most,
        per.into_iter().map(|(_, most)| most).collect(),
        results,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_account_and_no_sweep_ever_exceeds_its_bound() {
    let (overall, per_account, results) = sweep_organization(5, 6, 2).await;
    for result in &results {
        assert!(result.errors.is_empty(), "{:?}", result.errors);
        assert_eq!(result.rows.len(), REPOSITORIES);
    }
    // Under this load both bounds are reached, and neither is ever passed.
    assert_eq!(overall, 6, "overall");
    assert_eq!(per_account, vec![2; 5], "per account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_account_alone_is_held_to_its_own_bound() {
    // With the overall bound far above it, only the account's bound holds calls back.
    let (overall, per_account, _) = sweep_organization(1, 16, 3).await;
    assert_eq!(per_account, vec![3]);
    assert_eq!(overall, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_account_bound_above_the_overall_one_is_the_overall_one() {
    let (overall, per_account, _) = sweep_organization(3, 4, 16).await;
    assert_eq!(overall, 4);
    assert!(per_account.iter().all(|most| *most <= 4), "{per_account:?}");
}
