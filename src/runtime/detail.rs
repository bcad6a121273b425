//! Fetching the repository detail view's sections: all at once, each reported as soon as
//! it arrives, each with the same app-level retries as the listings.

use super::Executor;
use crate::app::Action;
use crate::app::detail::DetailPart;
use crate::ecr::EcrError;
use crate::ecr::settings::{PullThroughRule, SettingsSource};

impl Executor {
    /// Run the six reads behind the detail view of `repository` concurrently, sending a
    /// `RepositoryDetail` action for each.
    pub(super) async fn fetch_detail(
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
                    self.send(Action::RepositoryDetail { generation, part });
                }
                return;
            }
        };
        let source = connected.settings.as_ref();
        let scan = connected.scan.as_ref();
        let send = |part| self.send(Action::RepositoryDetail { generation, part });
        tokio::join!(
            async {
                let r = self
                    .with_retries(|| source.repository_policy(repository))
                    .await;
                send(DetailPart::RepositoryPolicy(r));
            },
            async {
                let r = self
                    .with_retries(|| source.lifecycle_policy(repository))
                    .await;
                send(DetailPart::LifecyclePolicy(r));
            },
            async {
                let r = self
                    .with_retries(|| source.repository_tags(repository, arn))
                    .await;
                send(DetailPart::Tags(r));
            },
            async {
                let r = self.with_retries(|| scan.scanning_configuration()).await;
                send(DetailPart::Scanning(r));
            },
            async {
                let r = self.with_retries(|| source.replication_rules()).await;
                send(DetailPart::Replication(r));
            },
            async {
                let r = self.pull_through_rules(source).await;
                send(DetailPart::PullThrough(r));
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
fn every_part_failed(err: &EcrError) -> [DetailPart; 6] {
    [
        DetailPart::RepositoryPolicy(Err(err.clone())),
        DetailPart::LifecyclePolicy(Err(err.clone())),
        DetailPart::Tags(Err(err.clone())),
        DetailPart::Scanning(Err(err.clone())),
        DetailPart::Replication(Err(err.clone())),
        DetailPart::PullThrough(Err(err.clone())),
    ]
}
