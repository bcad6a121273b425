//! Fetching the image detail view's sections: all at once, each reported as soon as it
//! arrives, each with the same app-level retries as the listings.

use super::Executor;
use crate::app::Action;
use crate::app::image_detail::ImagePart;
use crate::ecr::model::RegistryTarget;

impl Executor {
    /// Run the reads behind the detail of image `digest` concurrently (its index
    /// manifest only when `platforms`), sending an `ImageDetail` action for each.
    pub(super) async fn fetch_image_detail(
        &self,
        registry: &RegistryTarget,
        repository: &str,
        digest: &str,
        platforms: bool,
        generation: u64,
    ) {
        let send = |part| self.send(Action::ImageDetail { generation, part });
        let read = match self.client(registry).await {
            Ok(read) => read,
            Err(err) => {
                send(ImagePart::Referrers(Err(err.clone())));
                send(ImagePart::Replication(Err(err.clone())));
                send(ImagePart::Signing(Err(err.clone())));
                if platforms {
                    send(ImagePart::Platforms(Err(err.to_string())));
                }
                return;
            }
        };
        let read = read.as_ref();
        tokio::join!(
            async {
                let r = crate::ecr::pager::all_pages(|token| {
                    self.with_retries(move || {
                        read.referrers_page(repository, digest, token.clone())
                    })
                })
                .await;
                send(ImagePart::Referrers(r));
            },
            async {
                if platforms {
                    let r = self.read_platforms(registry, repository, digest).await;
                    send(ImagePart::Platforms(r));
                }
            },
            async {
                let r = self
                    .with_retries(|| read.replication_statuses(repository, digest))
                    .await;
                send(ImagePart::Replication(r));
            },
            async {
                let r = self
                    .with_retries(|| read.signing_statuses(repository, digest))
                    .await;
                send(ImagePart::Signing(r));
            },
        );
    }
}
