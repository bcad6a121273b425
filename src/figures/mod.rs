//! Per-repository figures: images and bytes, untagged and stale images, what the
//! lifecycle policy would expire and, when asked, how many images are in use, read by one
//! bounded-concurrency sweep over registries.
//!
//! `berth audit` (`crate::headless::audit`) prints them as a report; the terminal's audit
//! columns show the same rows through [`sweep_one`], so the console and the report agree.
//!
//! - [`sweep`]: reading each registry's repositories, then each repository's images and
//!   lifecycle policy, over the [`source`] trait so it runs offline in tests.
//! - [`rows`]: what the sweep produces, one [`RepositoryRow`] per repository.
//! - [`progress`]: counters the sweep bumps as it goes.

pub mod progress;
pub mod rows;
pub mod source;
pub mod sweep;

pub use rows::{ErrorEntry, RegistryResult, RepositoryRow};

use crate::ecr::model::RegistryTarget;
use crate::ecr::{ClientOptions, EcrRegistry};
use crate::retry::Backoff;
use progress::Progress;
use source::SweepSource;
use std::sync::Arc;
use sweep::{Connect, Settings, StorageSettings};

/// Images not pulled for this many days count as stale unless `--stale-days` says otherwise.
pub const DEFAULT_STALE_DAYS: u32 = 90;

/// The real connector: an aws-sdk-ecr client per registry.
pub fn connect_ecr(options: ClientOptions) -> Connect {
    Arc::new(move |target: RegistryTarget| {
        let options = options.clone();
        Box::pin(async move {
            let registry = EcrRegistry::connect(&target, &options).await?;
            Ok(Arc::new(registry) as Arc<dyn SweepSource>)
        })
    })
}

/// Sweep one registry exactly as `berth audit` does (default stale threshold, storage
/// figures read through `storage`), for the TUI's audit columns, so the console and the
/// report agree.
pub async fn sweep_one(
    target: RegistryTarget,
    options: ClientOptions,
    concurrency: usize,
    storage: StorageSettings,
) -> RegistryResult {
    let settings = Settings {
        now: jiff::Timestamp::now(),
        stale_days: DEFAULT_STALE_DAYS,
        repo_prefix: None,
        limits: Arc::new(crate::retry::CallLimits::new(concurrency, concurrency)),
        backoff: Backoff::THROTTLING,
        storage: Some(storage),
    };
    let options = ClientOptions {
        max_attempts: 1,
        ..options
    };
    let mut results = sweep::collect(
        vec![target],
        connect_ecr(options),
        settings,
        Arc::new(Progress::default()),
    )
    .await;
    results.remove(0)
}
