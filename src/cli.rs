//! The command-line surface.

use clap::{Parser, Subcommand};

/// berth — a terminal console for Amazon ECR.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about, long_about = None)]
pub struct Cli {
    /// AWS profile to use (repeatable). Default: AWS_PROFILE or the default chain, plus
    /// every profile in the AWS config files.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Vec<String>,
    /// AWS region (repeatable). Default: AWS_REGION or the profile's region.
    #[arg(long, global = true, value_name = "NAME")]
    pub region: Vec<String>,
    /// ECR endpoint URL (otherwise AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL apply).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Upper bound in seconds for one API call, retries included.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Refuse every mutation (tag, delete, restore); reads work as usual.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Open at a repository, optionally selecting a tag: `payments/api` or `web/app:v1.2`.
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub target: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal UI (the default).
    Tui,
    /// Print the digest-pinned URI of an image (REPO:TAG, REPO@sha256:…, or REPO when it
    /// holds exactly one image).
    Uri(UriArgs),
    /// Put recently deleted images back from the manifests recorded in the audit log.
    Restore(RestoreArgs),
}

/// Arguments of `berth uri`.
#[derive(Debug, clap::Args)]
pub struct UriArgs {
    /// REPO:TAG, REPO@sha256:…, REPO:TAG@sha256:…, or REPO alone when it holds one image.
    #[arg(value_name = "REPO[:TAG]")]
    pub image: String,
}

/// Arguments of `berth restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// Restore from the audit log (at PATH, or the standard place).
    #[arg(long, value_name = "PATH", required = true)]
    pub from_audit_log: Option<Option<std::path::PathBuf>>,
    /// How many of the most recent delete operations to undo.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub last: usize,
    /// Say what would be restored without calling the registry.
    #[arg(long)]
    pub dry_run: bool,
}
