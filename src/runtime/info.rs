//! Fetching the repository info view's sections: all at once, each reported as soon as
//! it arrives, each with the same app-level retries as the listings.

use super::Executor;
use crate::app::Action;
use crate::app::info::InfoPart;
use crate::ecr::EcrError;
use crate::ecr::settings::{PullThroughRule, SettingsSource};

impl Executor {
    /// Run the seven reads behind the info view of `repository` concurrently, sending a
    /// `RepositoryInfo` action for each.
    pub(super) async fn fetch_info(
        &self,
        registry: &crate::ecr::model::RegistryTarget,
        repository: &str,
        arn: &str,
        generation: u64,
    ) {
        let connected = match self.connected(registry).await {
            Ok(connected) => connected,
            Err(err) => {
                for part in every_part_failed(&err) {
                    self.send(Action::RepositoryInfo { generation, part });
                }
                return;
            }
        };
        let source = connected.settings.as_ref();
        let scan = connected.scan.as_ref();
        let send = |part| self.send(Action::RepositoryInfo { generation, part });
        tokio::join!(
            async {
                let r = self
                    .with_retries(|| source.repository_policy(repository))
                    .await;
                send(InfoPart::RepositoryPolicy(r));
            },
            async {
                let r = self
                    .with_retries(|| source.lifecycle_policy(repository))
                    .await;
                send(InfoPart::LifecyclePolicy(r));
            },
            async {
                let r = self
                    .with_retries(|| source.repository_tags(repository, arn))
                    .await;
                send(InfoPart::Tags(r));
            },
            async {
                let r = self.with_retries(|| scan.scanning_configuration()).await;
                send(InfoPart::Scanning(r));
            },
            async {
                let r = self.with_retries(|| source.replication_rules()).await;
                send(InfoPart::Replication(r));
            },
            async {
                let r = self.pull_through_rules(source).await;
                send(InfoPart::PullThrough(r));
            },
            async {
                let r = crate::ecr::pager::all_pages(|token| {
                    self.with_retries(move || source.pull_time_exclusions_page(token.clone()))
                })
                .await;
                send(InfoPart::PullTimeExclusions(r));
            },
        );
    }

    /// Every page of the registry's pull-through cache rules.
    async fn pull_through_rules(
        &self,
        source: &dyn SettingsSource,
    ) -> Result<Vec<PullThroughRule>, EcrError> {
        crate::ecr::pager::all_pages(|token| {
            self.with_retries(move || source.pull_through_rules_page(token.clone()))
        })
        .await
    }
}

/// Every section failing with the error that kept berth from reaching the registry.
fn every_part_failed(err: &EcrError) -> [InfoPart; 7] {
    [
        InfoPart::RepositoryPolicy(Err(err.clone())),
        InfoPart::LifecyclePolicy(Err(err.clone())),
        InfoPart::Tags(Err(err.clone())),
        InfoPart::Scanning(Err(err.clone())),
        InfoPart::Replication(Err(err.clone())),
        InfoPart::PullThrough(Err(err.clone())),
        InfoPart::PullTimeExclusions(Err(err.clone())),
    ]
}
