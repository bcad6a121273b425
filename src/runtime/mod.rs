//! Executes Effects as tokio tasks, owns the channels, and runs the draw loop.

use crate::app::{self, Action, Effect, RepoStats, State};
use crate::cli::Cli;
use crate::ecr::model::{Page, RegistryTarget};
use crate::ecr::pager;
use crate::ecr::profiles::{AwsEnvironment, registry_targets};
use crate::ecr::{ClientOptions, EcrError, EcrRegistry, Registry, RegistryWrite};
use crate::retry::retryable;
use crate::terminal;
use crate::ui::{self, Theme};
use crossterm::event::Event;
use jiff::Timestamp;
use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell, Semaphore, mpsc};

/// How many repositories are swept for image counts at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

mod detail;
mod mutations;

/// A registry's clients, built on first use: reads, and writes through the safety gate.
#[derive(Clone)]
struct Connected {
    read: Arc<dyn Registry>,
    scan: Arc<dyn crate::ecr::findings::ScanBackend>,
    settings: Arc<dyn crate::ecr::settings::SettingsSource>,
    write: Arc<dyn RegistryWrite>,
}

type ClientCell = OnceCell<Connected>;

/// Runs effects against registries and reports results as Actions.
#[derive(Clone)]
pub struct Executor {
    options: ClientOptions,
    /// Clients by registry identity: the executor keeps no list of registries of its own,
    /// so an Effect reaches exactly the registry it names.
    clients: Arc<Mutex<HashMap<RegistryTarget, Arc<ClientCell>>>>,
    actions: mpsc::UnboundedSender<Action>,
    sweep_limit: Arc<Semaphore>,
    /// The newest generation asked for per kind of fetch; older loops stop early.
    latest_repositories: Arc<AtomicU64>,
    latest_images: Arc<AtomicU64>,
    /// Refuse mutations (`--read-only`); enforced again by the `Mutator`.
    read_only: bool,
    /// Calls in flight at once for sweeps (audit).
    concurrency: usize,
}

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
            concurrency: concurrency.max(1),
        }
    }

    /// Refuse every mutation.
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// The client for a registry, built once on first use.
    async fn client(&self, registry: &RegistryTarget) -> Result<Arc<dyn Registry>, EcrError> {
        Ok(self.connected(registry).await?.read)
    }

    /// Both clients of a registry, built once on first use.
    async fn connected(&self, registry: &RegistryTarget) -> Result<Connected, EcrError> {
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
                write: client,
            })
        })
        .await
        .cloned()
    }

    fn send(&self, action: Action) {
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
                                    return crate::findings::runner::failed(effect, err, send);
                                }
                            };
                            crate::findings::runner::run(effect, client.scan, gate, send).await
                        }
                        Err(err) => crate::findings::runner::failed(effect, err, send),
                    }
                });
            }
            Effect::FetchRepositoryDetail {
                registry,
                repository,
                arn,
                generation,
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    this.fetch_detail(&registry, &repository, &arn, generation)
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
            } => {
                let this = self.clone();
                tokio::spawn(async move {
                    // The usage sweep retries throttling itself, like the audit.
                    let options = ClientOptions {
                        max_attempts: 1,
                        ..this.options.clone()
                    };
                    let map = crate::usage::lookup(
                        &registry,
                        &options,
                        &account,
                        crate::usage::Limits::default(),
                    )
                    .await;
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
                    let result = crate::audit::sweep_one(
                        registry.clone(),
                        this.options.clone(),
                        this.concurrency,
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
                    let event =
                        crate::headless::lifecycle::perform(&target, &this.options, effect).await;
                    this.send(Action::Lifecycle(event));
                });
            }
            Effect::DeleteImages { delete } => {
                let this = self.clone();
                tokio::spawn(async move {
                    let result = this.delete(&delete).await;
                    this.send(Action::DeleteFinished { delete, result });
                });
            }
            Effect::SaveHistory { lines } => {
                if let Some(dir) = crate::paths::state_dir() {
                    let _ = std::fs::create_dir_all(&dir);
                    let _ = std::fs::write(dir.join(HISTORY_FILE), lines.join("\n") + "\n");
                }
            }
            Effect::RememberLocation {
                profile,
                region,
                repository,
            } => {
                if let Some(dir) = crate::paths::state_dir() {
                    let location = Location {
                        profile,
                        region,
                        repository,
                    };
                    let _ = std::fs::create_dir_all(&dir);
                    if let Ok(text) = serde_json::to_string(&location) {
                        let _ = std::fs::write(dir.join(LOCATION_FILE), text);
                    }
                }
            }
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

    async fn fetch_repositories(&self, registry: RegistryTarget, generation: u64) {
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

    async fn fetch_images(&self, registry: &RegistryTarget, repository: &str, generation: u64) {
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
                let parents = found
                    .into_iter()
                    .flat_map(|(index, children)| {
                        children
                            .into_iter()
                            .map(move |child| (child, index.clone()))
                    })
                    .collect();
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

    /// Run one registry call with berth's retry policy ([`retryable`]), telling the status
    /// line while it waits.
    async fn with_retries<T, Fut>(&self, call: impl FnMut() -> Fut) -> Result<T, EcrError>
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

    /// Count a registry's repositories page by page. Each call takes a slot of the sweep
    /// limit (shared with the image counts) and retries throttling quietly: the count
    /// runs in the background and its row shows it is still reading.
    async fn count_repositories(&self, registry: &RegistryTarget) -> Result<usize, EcrError> {
        let client = self.client(registry).await?;
        let mut count = 0;
        pager::for_each_page(
            |token| {
                let client = &client;
                crate::retry::retry_in_slots(
                    crate::retry::Backoff::THROTTLING,
                    &self.sweep_limit,
                    |err, _| retryable(err),
                    |_, _| {},
                    move || client.repositories_page(token.clone()),
                )
            },
            |page| {
                count += page.items.len();
                ControlFlow::Continue(())
            },
        )
        .await?;
        Ok(count)
    }

    async fn repository_stats(
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

const HISTORY_FILE: &str = "history";
const LOCATION_FILE: &str = "last-location.json";

/// Where the user was when berth last ran.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Location {
    profile: String,
    region: String,
    repository: Option<String>,
}

/// Command history and last location from the state directory (missing files are fine).
fn load_saved(state: &mut State) {
    let Some(dir) = crate::paths::state_dir() else {
        return;
    };
    if let Ok(text) = std::fs::read_to_string(dir.join(HISTORY_FILE)) {
        state.command_history = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
    }
    if state.jump.is_some() {
        return;
    }
    if let Some(location) = std::fs::read_to_string(dir.join(LOCATION_FILE))
        .ok()
        .and_then(|text| serde_json::from_str::<Location>(&text).ok())
    {
        reopen(state, location);
    }
}

/// Make the registry of a saved location the one `app::start` opens, when it is still on
/// offer, with its repository to select. The registry rows keep their order: what opens
/// is named by identity, so nothing else has to agree on positions.
fn reopen(state: &mut State, location: Location) {
    let Some(row) = state.registries.rows.iter().find(|r| {
        r.target.source.label() == location.profile && r.target.region == location.region
    }) else {
        return;
    };
    state.repositories.registry = row.target.clone();
    if let Some(repository) = location.repository {
        state.jump = Some(crate::app::state::Jump {
            repository,
            tag: None,
            open: false,
        });
    }
}

/// Client options from the command line.
pub fn client_options(cli: &Cli) -> ClientOptions {
    let defaults = ClientOptions::default();
    let operation_timeout = Duration::from_secs(cli.timeout_seconds());
    ClientOptions {
        endpoint_url: cli.endpoint_url.clone(),
        operation_timeout,
        attempt_timeout: defaults.attempt_timeout.min(operation_timeout),
        ..defaults
    }
}

/// What the config file decided for the TUI, loaded before the terminal is taken over.
pub struct Settings {
    pub config: crate::config::Config,
    /// Where the config came from (for messages about its lines).
    pub path: std::path::PathBuf,
    /// Warnings to show in the status line at start.
    pub warnings: Vec<String>,
}

/// Run the terminal UI until the user quits or the session ends.
pub async fn run_tui(cli: &Cli, settings: Settings) -> std::io::Result<()> {
    let config = &settings.config;
    let mut startup_messages = settings.warnings.clone();
    let targets = registry_targets(&AwsEnvironment::from_process(), &cli.profile, &cli.region);
    let themes_dir = crate::config::themes_dir();
    let theme_name = cli.theme.clone().unwrap_or_else(|| config.theme.clone());
    let no_color = crate::config::no_color_requested();
    let (theme, problem) =
        crate::config::select_theme(&theme_name, themes_dir.as_deref(), no_color);
    if let Some(problem) = problem {
        startup_messages.push(format!("{problem}; using dark"));
    }
    let (keymap, keymap_problem) = config.keymap(&settings.path);
    startup_messages.extend(keymap_problem);
    let (sender, mut actions) = mpsc::unbounded_channel();
    let executor = Executor::new(client_options(cli), sender.clone(), config.concurrency)
        .with_read_only(cli.read_only);

    let mut guard = terminal::enter(config.mouse)?;
    let size = guard.terminal.size()?;
    let mut state = State::new(targets, Timestamp::now());
    state.width = size.width;
    state.height = size.height;
    if let Some(target) = &cli.target
        && let crate::app::command::LineCommand::Jump { repository, tag } =
            crate::app::command::jump(target)
    {
        state.jump = Some(crate::app::state::Jump {
            repository,
            tag,
            open: true,
        });
    }
    load_saved(&mut state);
    state.read_only = cli.read_only;
    if cli.no_usage {
        state.usage = crate::app::usage::UsageBook::disabled();
    }
    state.keymap = keymap;
    state.theme = theme_name;
    state.theme_names = crate::config::theme_names(themes_dir.as_deref());
    state.time_style = crate::format::TimeStyle {
        absolute: config.date_format == crate::config::DateFormat::Absolute,
        local: config.timezone == crate::config::Timezone::Local,
    };
    for (list, order) in [
        (&mut state.repositories.list, config.sort.repositories),
        (&mut state.images.list, config.sort.images),
    ] {
        list.sort_column = order.column;
        list.descending = order.descending;
    }
    if !startup_messages.is_empty() {
        state.status.error(
            crate::app::status::Topic::Startup,
            startup_messages.join(" · "),
        );
    }
    let gate = crate::editor::InputGate::default();
    let mut front = Frontend {
        theme,
        outbox: Vec::new(),
        clipboard: crate::clipboard::Multiplexer::from_env(),
        editing: None,
    };
    spawn_input_reader(sender, gate.clone());
    for effect in app::start(&mut state) {
        executor.execute(effect);
    }

    use tokio::signal::unix::{SignalKind, signal};
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut ticks = tokio::time::interval(Duration::from_millis(200));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    loop {
        if let Some((text, generation)) = front.editing.take() {
            // The editor owns the terminal until it exits; the input reader waits.
            let result = tokio::task::block_in_place(|| {
                crate::editor::edit_in_terminal(
                    &mut guard.terminal,
                    &gate,
                    &text,
                    ".json",
                    config.mouse,
                )
            });
            let event = crate::app::lifecycle::LifecycleEvent::Edited {
                generation,
                result: result.map_err(|e| e.to_string()),
            };
            dispatch(&mut state, &executor, &mut front, Action::Lifecycle(event));
            state.dirty = true;
        }
        if !front.outbox.is_empty() {
            let backend = guard.terminal.backend_mut();
            backend.write_all(&front.outbox)?;
            backend.flush()?;
            front.outbox.clear();
        }
        if state.dirty {
            state.dirty = false;
            draw(&mut guard.terminal, &state, &front.theme)?;
        }
        tokio::select! {
            received = actions.recv() => {
                let Some(action) = received else { break };
                dispatch(&mut state, &executor, &mut front, action);
                // Coalesce a burst of results into one frame.
                while let Ok(action) = actions.try_recv() {
                    dispatch(&mut state, &executor, &mut front, action);
                }
            }
            _ = ticks.tick() => {
                dispatch(&mut state, &executor, &mut front, Action::Tick(Timestamp::now()));
            }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        }
        if state.should_quit {
            break;
        }
    }
    drop(guard);
    Ok(())
}

/// What the UI loop owns besides the state: everything that touches the terminal.
struct Frontend {
    theme: Theme,
    /// Bytes for the terminal that are not a frame (OSC 52 clipboard writes).
    outbox: Vec<u8>,
    clipboard: crate::clipboard::Multiplexer,
    /// A policy text to edit in `$EDITOR` before the next frame, with its generation.
    editing: Option<(String, u64)>,
}

/// Apply an action and run the effects it asks for. Effects that touch the terminal or
/// the theme are handled here; the rest go to the executor.
fn dispatch(state: &mut State, executor: &Executor, front: &mut Frontend, action: Action) {
    if let Action::Key(key) = &action
        && key.code == crossterm::event::KeyCode::F(12)
        && std::env::var_os("BERTH_DEBUG_PANIC_KEY").is_some()
    {
        // A hidden hook so tests can prove the terminal survives a panic.
        panic!("panic requested with F12 (BERTH_DEBUG_PANIC_KEY)");
    }
    let mut pending = std::collections::VecDeque::from(app::update(state, action));
    while let Some(effect) = pending.pop_front() {
        if let Effect::CopyToClipboard { text } = &effect {
            front
                .outbox
                .extend(crate::clipboard::sequence(text, front.clipboard));
            continue;
        }
        if let Effect::Lifecycle(crate::app::lifecycle::LifecycleEffect::Edit {
            text,
            generation,
        }) = effect
        {
            front.editing = Some((text, generation));
            continue;
        }
        if let Effect::LoadTheme { name } = &effect {
            let dir = crate::config::themes_dir();
            let no_color = crate::config::no_color_requested();
            let result = match crate::config::select_theme(name, dir.as_deref(), no_color) {
                (loaded, None) => {
                    front.theme = loaded;
                    Ok(())
                }
                (_, Some(problem)) => Err(format!("{problem}; theme unchanged")),
            };
            let loaded = Action::ThemeLoaded {
                name: name.clone(),
                result,
            };
            pending.extend(app::update(state, loaded));
            continue;
        }
        executor.execute(effect);
    }
}

/// Draw one frame inside a synchronized update, so slow links never show a half frame.
fn draw(terminal: &mut terminal::Tui, state: &State, theme: &Theme) -> std::io::Result<()> {
    crossterm::queue!(
        terminal.backend_mut(),
        crossterm::terminal::BeginSynchronizedUpdate
    )?;
    terminal.draw(|frame| ui::draw(frame, state, theme))?;
    crossterm::execute!(
        terminal.backend_mut(),
        crossterm::terminal::EndSynchronizedUpdate
    )?;
    terminal.backend_mut().flush()
}

/// Terminal input arrives on a plain thread: crossterm's reader blocks.
fn spawn_input_reader(sender: mpsc::UnboundedSender<Action>, gate: crate::editor::InputGate) {
    std::thread::spawn(move || {
        loop {
            let action = match gate.read_event() {
                Ok(Event::Key(key)) => Action::Key(key),
                Ok(Event::Resize(width, height)) => Action::Resize { width, height },
                Ok(Event::Mouse(mouse)) => Action::Mouse(mouse),
                Ok(_) => continue,
                // The terminal is gone (hang-up): nothing more will arrive.
                Err(_) => return,
            };
            if sender.send(action).is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{now, reg, targets};

    #[test]
    fn the_saved_location_reopens_the_second_registry_by_identity() {
        let mut state = State::new(targets(), now());
        reopen(
            &mut state,
            Location {
                profile: "prod".into(),
                region: "eu-west-1".into(),
                repository: Some("payments/api".into()),
            },
        );
        let effects = app::start(&mut state);
        let fetch = effects
            .iter()
            .find_map(|e| match e {
                Effect::FetchRepositories { registry, .. } => Some(registry),
                _ => None,
            })
            .expect("start lists the reopened registry");
        assert_eq!(*fetch, reg(1));
        assert_eq!(state.repositories.registry, reg(1));
        // The other registry is only counted, and the rows keep their order.
        assert!(effects.contains(&Effect::CountRepositories { registry: reg(0) }));
        assert_eq!(state.registries.rows[0].target, reg(0));
        assert_eq!(
            state.jump.as_ref().map(|j| j.repository.as_str()),
            Some("payments/api")
        );
    }

    #[test]
    fn a_location_no_longer_on_offer_opens_the_first_registry() {
        let mut state = State::new(targets(), now());
        reopen(
            &mut state,
            Location {
                profile: "gone".into(),
                region: "eu-west-1".into(),
                repository: Some("payments/api".into()),
            },
        );
        assert_eq!(state.repositories.registry, reg(0));
        assert!(state.jump.is_none());
    }
}
