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
}
