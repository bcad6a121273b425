//! The Executor: runs each Effect as a tokio task against the registry it names, with
//! clients built once per registry and berth's retry policy for every call.

use super::saved;
use crate::app::{Action, Effect};
use crate::ecr::model::RegistryTarget;
use crate::ecr::{ClientOptions, EcrError, EcrRegistry, Registry, RegistryWrite};
use crate::figures::sweep::StorageSettings;
use crate::retry::retryable;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, OnceCell, Semaphore, mpsc};

/// A registry's clients, built on first use: reads, and writes through the safety gate.
#[derive(Clone)]
pub(super) struct Connected {
    pub(super) read: Arc<dyn Registry>,
    pub(super) scan: Arc<dyn crate::ecr::findings::ScanBackend>,
    pub(super) settings: Arc<dyn crate::ecr::settings::SettingsSource>,
    pub(super) write: Arc<dyn RegistryWrite>,
    /// Manifests by digest, for the storage figures and the layers view.
    pub(super) manifests: Arc<dyn crate::storage::ManifestSource>,
}

type ClientCell = OnceCell<Connected>;

/// Runs effects against registries and reports results as Actions.
#[derive(Clone)]
pub struct Executor {
    pub(super) options: ClientOptions,
    /// Clients by registry identity: the executor keeps no list of registries of its own,
    /// so an Effect reaches exactly the registry it names.
    pub(super) clients: Arc<Mutex<HashMap<RegistryTarget, Arc<ClientCell>>>>,
    pub(super) actions: mpsc::UnboundedSender<Action>,
    pub(super) sweep_limit: Arc<Semaphore>,
    /// The newest generation asked for per kind of fetch; older loops stop early.
    pub(super) latest_repositories: Arc<AtomicU64>,
    pub(super) latest_images: Arc<AtomicU64>,
    /// Refuse mutations (`--read-only`); enforced again by the `Mutator`.
    pub(super) read_only: bool,
    /// Calls in flight at once for sweeps (audit).
    pub(super) concurrency: usize,
    /// The bounds of the in-use surveys of an organization's accounts (a member
    /// registry's images survey every account of the region at once): overall, and per
    /// account.
    pub(super) survey_limits: Arc<crate::retry::CallLimits>,
    /// The triage's sweeps, every registry of one together: `TRIAGE_CONCURRENCY` overall,
    /// the configured bound per member account.
    pub(super) triage_limits: Arc<crate::retry::CallLimits>,
    /// Where manifests are cached and what storage costs, for the storage figures.
    pub(super) storage: StorageSettings,
    /// The newest storage read asked for by the images pane and by the lifecycle view:
    /// an older read still running for the same one stops.
    pub(super) latest_storage: Arc<[tokio::sync::watch::Sender<u64>; 2]>,
    /// Organization members' workload surveys, shared by the registries of a region.
    pub(super) surveys: Arc<crate::usage::surveys::Surveys>,
}

/// How long the TUI uses an account's workload survey for other registries of the region.
const SURVEYS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl Executor {
    pub fn new(
        options: ClientOptions,
        actions: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Self {
        Self {
            options,
            clients: Arc::default(),
            actions,
            sweep_limit: Arc::new(Semaphore::new(concurrency.max(1))),
            latest_repositories: Arc::default(),
            latest_images: Arc::default(),
            read_only: false,
            storage: StorageSettings::default(),
            latest_storage: Arc::new([
                tokio::sync::watch::Sender::new(0),
                tokio::sync::watch::Sender::new(0),
            ]),
            concurrency: concurrency.max(1),
            surveys: Arc::new(crate::usage::surveys::Surveys::new(SURVEYS_FRESH_FOR)),
            survey_limits: Arc::new(crate::retry::CallLimits::new(
                concurrency,
                crate::config::DEFAULT_ACCOUNT_CONCURRENCY,
            )),
            triage_limits: Arc::new(crate::retry::CallLimits::new(
                super::findings::TRIAGE_CONCURRENCY,
                crate::config::DEFAULT_ACCOUNT_CONCURRENCY,
            )),
        }
    }

    /// At most `per_account` calls at once into any one member account while surveying
    /// an organization's uses of an image or sweeping its registries for the triage.
    pub fn with_account_concurrency(mut self, per_account: usize) -> Self {
        self.survey_limits = Arc::new(crate::retry::CallLimits::new(self.concurrency, per_account));
        self.triage_limits = Arc::new(crate::retry::CallLimits::new(
            super::findings::TRIAGE_CONCURRENCY,
            per_account,
        ));
        self
    }

    /// Refuse every mutation.
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Read manifests through `storage.cache` and price storage with `storage.prices`.
    pub fn with_storage(mut self, storage: StorageSettings) -> Self {
        self.storage = storage;
        self
    }

    /// The client for a registry, built once on first use.
    pub(super) async fn client(
        &self,
        registry: &RegistryTarget,
    ) -> Result<Arc<dyn Registry>, EcrError> {
        Ok(self.connected(registry).await?.read)
    }

    /// Both clients of a registry, built once on first use.
    pub(super) async fn connected(&self, registry: &RegistryTarget) -> Result<Connected, EcrError> {
        let cell = self
            .clients
            .lock()
            .await
            .entry(registry.clone())
            .or_default()
            .clone();
        let target = registry.clone();
        let options = self.options.clone();
        cell.get_or_try_init(|| async move {
            let client = Arc::new(EcrRegistry::connect(&target, &options).await?);
            Ok::<Connected, EcrError>(Connected {
                read: client.clone(),
                scan: client.clone(),
                settings: client.clone(),
                manifests: client.clone(),
                write: client,
            })
        })
        .await
        .cloned()
    }

    pub(super) fn send(&self, action: Action) {
        // The receiver only goes away when the UI is shutting down.
        let _ = self.actions.send(action);
    }

    /// Start the work an effect asks for. Never blocks.
    pub fn execute(&self, effect: Effect) {
        match effect {
            // Handled by the UI loop, which owns the theme and the terminal.
            Effect::Quit | Effect::LoadTheme { .. } | Effect::CopyToClipboard { .. } => {}
            Effect::Findings(effect) => {
                let Some(registry) = effect.registry().cloned() else {
                    return;
                };
                let this = self.clone();
                tokio::spawn(async move {
                    let sender = this.clone();
                    let send = move |event| sender.send(Action::Findings(event));
                    match this.connected(&registry).await {
                        Ok(client) => {
                            // Starting scans is a write: it goes through the gate.
                            let gate = match this.findings_gate(&registry, &effect).await {
                                Ok(gate) => gate,
                                Err(err) => {
                                    return super::findings::failed(effect, err, send);
                                }
                            };
                            let limits = this.triage_limits.clone();
                            super::findings::run(effect, client.scan, gate, limits, send).await
                        }
                        Err(err) => super::findings::failed(effect, err, send),
                    }
                });
            }
            Effect::FetchRepositoryInfo {
                registry,
                repository,
                arn,
                generation,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    this.fetch_info(&registry, &repository, &arn, generation)
                        .await
                });
            }
            Effect::CheckTag {
                registry,
                repository,
                digest,
                tag,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.check_tag(&registry, &repository, &tag).await;
                    this.send(Action::TagChecked {
                        digest,
                        tag,
                        result,
                    });
                });
            }
            Effect::PutTag {
                registry,
                repository,
                digest,
                tag,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.put_tag(&registry, &repository, &digest, &tag).await;
                    this.send(Action::TagPut { tag, result });
                });
            }
            Effect::FetchUsage {
                registry,
                account,
                generation,
                others,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    // The usage sweep retries throttling itself, like the audit.
                    let options = ClientOptions {
                        max_attempts: 1,
                        ..this.options.clone()
                    };
                    let limits = crate::usage::Limits::default();
                    let map = if others.is_empty() {
                        crate::usage::lookup(&registry, &options, &account, limits).await
                    } else {
                        // This account and every other one of the region, at once, within
                        // the bounds overall and per account; a survey made for another
                        // registry of the region a moment ago is used again.
                        let targets = std::iter::once(registry.clone()).chain(others);
                        let read = this
                            .surveys
                            .survey_all(targets, &options, &this.survey_limits, limits.backoff)
                            .await;
                        crate::usage::combine_surveys(&registry, &read, &account)
                    };
                    this.send(Action::UsageLoaded {
                        registry,
                        generation,
                        map,
                    });
                });
            }
            Effect::RunAudit { registry } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = crate::figures::sweep_one(
                        registry.clone(),
                        this.options.clone(),
                        this.concurrency,
                        this.storage.clone(),
                    )
                    .await;
                    let errors = result.errors.iter().map(|e| e.error.clone()).collect();
                    let rows = if result.listed {
                        Ok(result.rows)
                    } else {
                        Err(format!(
                            "audit failed: {}",
                            result
                                .errors
                                .first()
                                .map_or("no repositories listed", |e| e.error.as_str())
                        ))
                    };
                    this.send(Action::AuditLoaded {
                        registry,
                        result: rows,
                        errors,
                    });
                });
            }
            Effect::Lifecycle(effect) => {
                let this = self.clone();
                tokio::spawn(async move {
                    use crate::app::lifecycle::LifecycleEffect as E;
                    if let E::EcrPreview {
                        registry,
                        repository,
                        text,
                        generation,
                    } = &effect
                    {
                        // Starting ECR's preview is a write: it goes through the gate.
                        let result = this.ecr_preview(registry, repository, text).await;
                        this.send(Action::Lifecycle(
                            crate::app::lifecycle::LifecycleEvent::EcrPreviewed {
                                generation: *generation,
                                text: text.clone(),
                                result,
                            },
                        ));
                        return;
                    }
                    if let E::Apply(apply) = &effect {
                        // A policy change is a mutation: it goes through the gate.
                        let result = this
                            .put_policy(apply.registry(), apply.repository(), apply.text())
                            .await;
                        this.send(Action::Lifecycle(
                            crate::app::lifecycle::LifecycleEvent::Applied {
                                generation: apply.generation(),
                                text: apply.text().to_string(),
                                result,
                            },
                        ));
                        return;
                    }
                    // Editing and reading a file reach no registry; the target is unused.
                    let target = match &effect {
                        E::Load { registry, .. } | E::EcrPreview { registry, .. } => {
                            registry.clone()
                        }
                        E::Apply(apply) => apply.registry().clone(),
                        E::Edit { .. } | E::ReadFile { .. } => RegistryTarget::default(),
                    };
                    let event = super::lifecycle::perform(&target, &this.options, effect).await;
                    this.send(Action::Lifecycle(event));
                });
            }
            Effect::ReadStorage {
                registry,
                repository,
                digests,
                generation,
                asker,
            } => {
                let latest = &self.latest_storage[asker as usize];
                latest.send_replace(generation);
                let mut newer = latest.subscribe();
                let this = self.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        result = this.read_storage(&registry, &repository, &digests) => {
                            this.send(Action::StorageRead {
                                registry,
                                repository,
                                generation,
                                result,
                            });
                        }
                        // A newer read for the same asker: this one's answer would be
                        // dropped anyway, so its calls stop.
                        _ = newer.wait_for(|latest| *latest != generation) => {}
                    }
                });
            }
            Effect::FetchImageDetail {
                registry,
                repository,
                digest,
                platforms,
                generation,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    this.fetch_image_detail(&registry, &repository, &digest, platforms, generation)
                        .await;
                });
            }
            Effect::ReadLayers {
                registry,
                repository,
                digest,
                generation,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.read_layers(&registry, &repository, &digest).await;
                    this.send(Action::LayersRead { generation, result });
                });
            }
            Effect::UpdateStorageClass { request } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.update_storage_class(&request).await;
                    this.send(Action::StorageClassUpdated { request, result });
                });
            }
            Effect::WatchRestore { request } => {
                let this = self.clone();
                tokio::spawn(async move { this.watch_restore(request).await });
            }
            Effect::DeleteImages { delete } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.delete(&delete).await;
                    this.send(Action::DeleteFinished { delete, result });
                });
            }
            Effect::SaveHistory { lines } => saved::save_history(&lines),
            Effect::RememberLocation {
                profile,
                region,
                repository,
            } => saved::remember_location(saved::Location {
                profile,
                region,
                repository,
            }),
            Effect::LoadAccount { registry } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = match this.client(&registry).await {
                        Ok(client) => client.account_id().await,
                        Err(err) => Err(err),
                    };
                    this.send(Action::AccountLoaded { registry, result });
                });
            }
            Effect::FetchRepositories {
                registry,
                generation,
            } => {
                self.latest_repositories.store(generation, Ordering::SeqCst);
                let this = self.clone();
                tokio::spawn(async move { this.fetch_repositories(registry, generation).await });
            }
            Effect::CountRepositories { registry } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.count_repositories(&registry).await;
                    this.send(Action::RepositoryCount { registry, result });
                });
            }
            Effect::FetchRepositoryStats {
                registry,
                generation,
                repositories,
            } => {
                // Take a permit before spawning each fetch: a spawned task holds its whole
                // future while it waits (about 12 KB, mostly the client set-up path), so
                // spawning 5,000 up front held 60 MB for the length of the sweep.
                let this = self.clone();
                tokio::spawn(async move {
                    for repository in repositories {
                        let Ok(permit) = this.sweep_limit.clone().acquire_owned().await else {
                            return;
                        };
                        if this.latest_repositories.load(Ordering::SeqCst) != generation {
                            return;
                        }
                        let this = this.clone();
                        let registry = registry.clone();
                        tokio::spawn(async move {
                            let _permit = permit;
                            let result = this.repository_stats(&registry, &repository).await;
                            this.send(Action::RepositoryStatsLoaded {
                                registry,
                                generation,
                                repository,
                                result,
                            });
                        });
                    }
                });
            }
            Effect::FetchImages {
                registry,
                repository,
                generation,
            } => {
                self.latest_images.store(generation, Ordering::SeqCst);
                let this = self.clone();
                tokio::spawn(
                    async move { this.fetch_images(&registry, &repository, generation).await },
                );
            }
        }
    }

    /// Run one registry call with berth's retry policy ([`retryable`]), telling the status
    /// line while it waits.
    pub(super) async fn with_retries<T, Fut>(
        &self,
        call: impl FnMut() -> Fut,
    ) -> Result<T, EcrError>
    where
        Fut: std::future::Future<Output = Result<T, EcrError>>,
    {
        crate::retry::retry(
            crate::retry::Backoff::THROTTLING,
            |err, _| retryable(err),
            |err, delay| {
                self.send(Action::Retrying {
                    reason: format!("{} ({})", retry_subject(err), err.code()),
                    delay,
                })
            },
            call,
        )
        .await
    }
}

fn retry_subject(err: &EcrError) -> String {
    match err {
        EcrError::Throttled { action, subject }
        | EcrError::Service {
            action, subject, ..
        }
        | EcrError::Unreachable {
            action, subject, ..
        } => {
            format!("{action} for {subject}")
        }
        other => other.code().to_string(),
    }
}
