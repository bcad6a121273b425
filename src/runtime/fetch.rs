//! The listing fetchers: repository and image pages streamed to the UI, and the
//! background sweeps that count repositories and images per registry.

use super::Executor;
use crate::app::{Action, RepoStats};
use crate::ecr::model::{Page, RegistryTarget};
use crate::ecr::pager;
use crate::ecr::{EcrError, Registry};
use crate::retry::retryable;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

impl Executor {
    pub(super) async fn fetch_repositories(&self, registry: RegistryTarget, generation: u64) {
        let client = self.client(&registry).await;
        let deliver = |result| Action::RepositoriesPage {
            registry: registry.clone(),
            generation,
            result,
        };
        let client = match client {
            Ok(client) => client,
            Err(err) => return self.send(deliver(Err(err))),
        };
        self.page_through(&self.latest_repositories, generation, deliver, |token| {
            let client = client.clone();
            async move { client.repositories_page(token).await }
        })
        .await;
    }

    pub(super) async fn fetch_images(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        generation: u64,
    ) {
        let deliver = |result| Action::ImagesPage { generation, result };
        let client = match self.client(registry).await {
            Ok(client) => client,
            Err(err) => return self.send(deliver(Err(err))),
        };
        self.page_through(&self.latest_images, generation, deliver, |token| {
            let client = client.clone();
            let repository = repository.to_string();
            let this = self.clone();
            async move {
                let page = client.images_page(&repository, token).await;
                if let Ok(page) = &page {
                    this.read_index_children(&client, &repository, &page.items, generation);
                }
                page
            }
        })
        .await;
    }

    /// Read which images the multi-arch indexes among `images` name, in the background,
    /// so the images pane can mark them and refuse to delete them. A failed read marks
    /// nothing; ECR still refuses such a delete itself.
    fn read_index_children(
        &self,
        client: &Arc<dyn Registry>,
        repository: &str,
        images: &[crate::ecr::model::Image],
        generation: u64,
    ) {
        let indexes = crate::ecr::manifests::index_digests(images);
        if indexes.is_empty() {
            return;
        }
        let (this, client, repository) = (self.clone(), client.clone(), repository.to_string());
        tokio::spawn(async move {
            if let Ok(found) = client.index_children(&repository, &indexes).await {
                let mut parents = Vec::new();
                let mut platforms = Vec::new();
                for (index, children) in found {
                    for child in children {
                        if let Some(platform) = child.platform {
                            platforms.push((child.digest.clone(), platform));
                        }
                        parents.push((child.digest, index.clone()));
                    }
                }
                // The platforms first: the rows they name are drawn with the parents.
                this.send(Action::IndexPlatforms {
                    generation,
                    platforms,
                });
                this.send(Action::IndexChildren {
                    generation,
                    parents,
                });
            }
        });
    }

    /// Deliver every page of a listing as it arrives, until the user moves on (a newer
    /// generation) or a page fails for good. A throttled or server-failed page is asked
    /// for again with the same token, so an interrupted sweep resumes where it stopped
    /// and never loses or repeats rows.
    async fn page_through<T, Fut>(
        &self,
        latest: &AtomicU64,
        generation: u64,
        deliver: impl Fn(Result<Page<T>, EcrError>) -> Action,
        fetch: impl Fn(Option<String>) -> Fut,
    ) where
        Fut: std::future::Future<Output = Result<Page<T>, EcrError>>,
    {
        let fetch = &fetch;
        pager::stream_pages(
            |token| self.with_retries(move || fetch(token.clone())),
            || latest.load(Ordering::SeqCst) == generation,
            |result| self.send(deliver(result)),
        )
        .await;
    }

    /// Count a registry's repositories page by page. Each call takes a slot of the sweep
    /// limit (shared with the image counts) and retries throttling quietly: the count
    /// runs in the background and its row shows it is still reading.
    pub(super) async fn count_repositories(
        &self,
        registry: &RegistryTarget,
    ) -> Result<usize, EcrError> {
        let client = self.client(registry).await?;
        let mut count = 0;
        pager::for_each_page(
            |token| {
                let client = &client;
                let limit = &*self.sweep_limit;
                async move {
                    crate::retry::retry_in_slots(
                        crate::retry::Backoff::THROTTLING,
                        &[limit],
                        |err, _| retryable(err),
                        |_, _| {},
                        move || client.repositories_page(token.clone()),
                    )
                    .await
                }
            },
            |page| {
                count += page.items.len();
                ControlFlow::Continue(())
            },
        )
        .await?;
        Ok(count)
    }

    pub(super) async fn repository_stats(
        &self,
        registry: &RegistryTarget,
        repository: &str,
    ) -> Result<RepoStats, EcrError> {
        let client = self.client(registry).await?;
        let mut stats = RepoStats {
            images: 0,
            bytes: 0,
        };
        pager::for_each_page(
            |token| {
                let client = &client;
                self.with_retries(move || client.images_page(repository, token.clone()))
            },
            |page| {
                stats.images += page.items.len();
                stats.bytes += page.items.iter().map(|i| i.size_bytes).sum::<u64>();
                ControlFlow::Continue(())
            },
        )
        .await?;
        Ok(stats)
    }
}
