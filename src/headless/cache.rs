//! `berth cache clear`: empty berth's manifest cache. Nothing in it is needed: every
//! manifest is read again from the registry (and verified) when next asked for.

use crate::format;
use crate::storage::ManifestCache;
use std::process::ExitCode;

/// Arguments of `berth cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

/// Subcommands of `berth cache`.
#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// Remove every cached manifest ($XDG_CACHE_HOME/berth/manifests).
    Clear,
}

/// Run `berth cache …`.
pub fn run(args: &CacheArgs) -> ExitCode {
    match args.command {
        CacheCommand::Clear => {
            let Some(cache) = ManifestCache::in_user_cache(ManifestCache::DEFAULT_MAX_BYTES) else {
                eprintln!(
                    "berth cache clear: no cache folder: neither XDG_CACHE_HOME nor HOME is set"
                );
                return ExitCode::from(1);
            };
            match cache.clear() {
                Ok(cleared) => {
                    println!(
                        "removed {} cached manifests ({}) from {}",
                        cleared.files,
                        format::size(cleared.bytes),
                        cache.dir().display()
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("berth cache clear: {err}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
