//! Surveys of accounts' workloads kept for a while, so that an organization's registries
//! of one region share one ECS/Lambda survey per account instead of each repeating every
//! other account's.
//!
//! One survey per registry target runs at a time: callers that ask while it runs wait
//! for it. A finished survey is handed out until it is older than the cache's `fresh_for`;
//! the next caller then surveys again.

use super::{SharedLimits, UsageReport};
use crate::ecr::ClientOptions;
use crate::ecr::model::RegistryTarget;
use crate::retry::{Backoff, CallLimits};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio::time::Instant;

type Cell = Arc<OnceCell<(Instant, Arc<UsageReport>)>>;

/// Surveys by registry target (account × region).
#[derive(Debug)]
pub struct Surveys {
    fresh_for: Duration,
    cells: Mutex<HashMap<RegistryTarget, Cell>>,
}

impl Surveys {
    /// Surveys handed out while younger than `fresh_for` (`Duration::MAX`: for good, as a
    /// one-shot report wants).
    pub fn new(fresh_for: Duration) -> Self {
        Surveys {
            fresh_for,
            cells: Mutex::default(),
        }
    }

    /// The survey of `target`: a fresh enough one already made or being made, else the
    /// one `survey` makes now.
    pub async fn get<F, Fut>(&self, target: &RegistryTarget, survey: F) -> Arc<UsageReport>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = UsageReport>,
    {
        let cell = {
            let mut cells = self.cells.lock().expect("surveys lock");
            let stale = cells
                .get(target)
                .and_then(|cell| cell.get())
                .is_some_and(|(at, _)| at.elapsed() >= self.fresh_for);
            if stale {
                cells.remove(target);
            }
            cells.entry(target.clone()).or_default().clone()
        };
        cell.get_or_init(|| async { (Instant::now(), Arc::new(survey().await)) })
            .await
            .1
            .clone()
    }

    /// The workloads of every target's account (ECS and Lambda), surveyed at once or
    /// taken from the cache, in target order whatever finished first; the calls count
    /// against `limits`, overall and per member account.
    pub async fn survey_all(
        self: &Arc<Self>,
        targets: impl IntoIterator<Item = RegistryTarget>,
        options: &ClientOptions,
        limits: &Arc<CallLimits>,
        backoff: Backoff,
    ) -> Vec<(RegistryTarget, Arc<UsageReport>)> {
        let mut reads = tokio::task::JoinSet::new();
        for target in targets {
            let (surveys, options) = (self.clone(), options.clone());
            let shared = SharedLimits {
                account: target.source.member().map(|m| limits.account(&m.id)),
                limits: limits.clone(),
                backoff,
            };
            reads.spawn(async move {
                let report = surveys
                    .get(&target, || {
                        super::survey_target_sharing(&target, &options, shared)
                    })
                    .await;
                (target, report)
            });
        }
        let mut read = Vec::new();
        while let Some(done) = reads.join_next().await {
            if let Ok(survey) = done {
                read.push(survey);
            }
        }
        read.sort_by(|a, b| a.0.cmp(&b.0));
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn target(region: &str) -> RegistryTarget {
        RegistryTarget::new(
            crate::ecr::model::CredentialSource::Profile("p".into()),
            region.to_string(),
        )
    }

    async fn counted(made: Arc<AtomicUsize>) -> UsageReport {
        made.fetch_add(1, Ordering::SeqCst);
        UsageReport::default()
    }

    #[tokio::test]
    async fn callers_during_a_survey_share_it() {
        let surveys = Arc::new(Surveys::new(Duration::MAX));
        let made = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let (surveys, made, gate) = (surveys.clone(), made.clone(), gate.clone());
            callers.spawn(async move {
                surveys
                    .get(&target("us-east-1"), || async move {
                        made.fetch_add(1, Ordering::SeqCst);
                        gate.notified().await;
                        UsageReport::default()
                    })
                    .await
            });
        }
        // One test thread: every caller runs up to its wait before the gate opens.
        while made.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        gate.notify_waiters();
        gate.notify_one();
        while callers.join_next().await.is_some() {}
        assert_eq!(made.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_fresh_survey_is_used_again_and_a_stale_one_is_not() {
        let made = Arc::new(AtomicUsize::new(0));
        let kept = Surveys::new(Duration::MAX);
        for _ in 0..3 {
            kept.get(&target("us-east-1"), || counted(made.clone()))
                .await;
        }
        assert_eq!(made.load(Ordering::SeqCst), 1, "fresh: surveyed once");
        kept.get(&target("eu-west-1"), || counted(made.clone()))
            .await;
        assert_eq!(
            made.load(Ordering::SeqCst),
            2,
            "another target is its own survey"
        );

        let never = Surveys::new(Duration::ZERO);
        for _ in 0..3 {
            never
                .get(&target("us-east-1"), || counted(made.clone()))
                .await;
        }
        assert_eq!(
            made.load(Ordering::SeqCst),
            5,
            "stale at once: surveyed each time"
        );
    }
}
