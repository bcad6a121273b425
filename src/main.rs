use berth::cli::{Cli, Command};
use berth::config::{Config, ConfigError, ConfigLocation};
use berth::runtime::Settings;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    // The config file is read before anything else, so a bad line stops berth before it
    // touches the terminal or a registry.
    let settings = match load_settings(&cli) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("berth: {err}");
            return ExitCode::from(1);
        }
    };
    cli.apply_config(&settings.config);
    if !matches!(cli.command, None | Some(Command::Tui)) {
        // The TUI shows these in its status line; a script's user reads stderr.
        for warning in &settings.warnings {
            eprintln!("berth: {warning}");
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("berth: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        None | Some(Command::Tui) => runtime.block_on(berth::runtime::run_tui(&cli, settings)),
        Some(Command::Findings(ref args)) => {
            return runtime.block_on(berth::headless::findings::run(&cli, args));
        }
        Some(Command::Uri(ref args)) => {
            return runtime.block_on(berth::headless::uri::run(&cli, args));
        }
        Some(Command::Restore(ref args)) => {
            return runtime.block_on(berth::headless::restore::run(&cli, args));
        }
        Some(Command::Lifecycle(ref args)) => {
            return runtime.block_on(berth::headless::lifecycle::run(&cli, args));
        }
        Some(Command::Cache(ref args)) => return berth::headless::cache::run(args),
        Some(Command::Images(ref args)) => {
            return runtime.block_on(berth::headless::images::run(&cli, args));
        }
        Some(Command::Audit(ref args)) => {
            return match runtime.block_on(berth::headless::audit::run(&cli, args)) {
                Ok(outcome) => ExitCode::from(outcome.exit_code()),
                Err(err) => {
                    eprintln!("berth: {err}");
                    ExitCode::from(1)
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("berth: {err}");
            ExitCode::from(1)
        }
    }
}

fn load_settings(cli: &Cli) -> Result<Settings, ConfigError> {
    let Some(location) = ConfigLocation::find(cli.config.as_deref()) else {
        return Ok(Settings {
            config: Config::default(),
            path: Default::default(),
            warnings: Vec::new(),
        });
    };
    let (config, warnings) = location.load()?;
    Ok(Settings {
        config,
        path: location.path,
        warnings: warnings.iter().map(ToString::to_string).collect(),
    })
}
