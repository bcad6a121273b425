use berth::cli::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        None | Some(Command::Tui) => runtime.block_on(berth::runtime::run_tui(&cli)),
        Some(Command::Uri(ref args)) => {
            return runtime.block_on(berth::headless::uri::run(&cli, args));
        }
        Some(Command::Restore(ref args)) => {
            return runtime.block_on(berth::headless::restore::run(&cli, args));
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
