//! The runtime: owns the channels and runs the UI loop (input, dispatch, draw); the
//! Executor that runs Effects, its fetchers and the saved state live in submodules.

use crate::app::{self, Action, Effect, State};
use crate::cli::Cli;
use crate::ecr::profiles::{AwsEnvironment, registry_targets};
use crate::terminal;
use crate::ui::{self, Theme};
use crossterm::event::Event;
use jiff::Timestamp;
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// How many repositories are swept for image counts at once.
pub const DEFAULT_CONCURRENCY: usize = 8;

mod executor;
mod fetch;
pub mod findings;
mod image_detail;
mod info;
pub mod lifecycle;
mod mutations;
mod saved;
mod storage;

pub use executor::Executor;

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
    let targets = if cli.account_source().is_set() {
        // The organization's accounts are listed before the screen opens: a failure
        // here (not the management account, no organization) is for stderr.
        eprintln!("berth: listing the organization's accounts…");
        cli.member_targets(false, &cli.client_options())
            .await
            .map_err(|err| {
                std::io::Error::other(format!("cannot list the organization's accounts: {err}"))
            })?
    } else {
        registry_targets(&AwsEnvironment::from_process(), &cli.profile, &cli.region)
    };
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
    let executor = Executor::new(cli.client_options(), sender.clone(), config.concurrency)
        .with_read_only(cli.read_only)
        .with_account_concurrency(
            config
                .account_concurrency
                .unwrap_or(crate::config::DEFAULT_ACCOUNT_CONCURRENCY),
        )
        .with_storage(crate::figures::sweep::StorageSettings {
            cache: crate::storage::ManifestCache::in_user_cache(
                crate::storage::ManifestCache::DEFAULT_MAX_BYTES,
            ),
            prices: config.cost.clone(),
        });

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
    saved::load_saved(&mut state);
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
