//! The command-line surface.

use crate::ecr::ClientOptions;
use clap::{Parser, Subcommand};
use std::time::Duration;

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
    /// Every active account of the AWS Organization (organizations:ListAccounts with the
    /// current credentials, or the first --profile's), each reached by assuming
    /// --org-role in it, in each --region (default: the profile's region).
    #[arg(long, global = true)]
    pub organization: bool,
    /// The role assumed in each member account [default: OrganizationAccountAccessRole,
    /// or `[organization] role` from the config file].
    #[arg(long, global = true, value_name = "NAME", value_parser = role_name)]
    pub org_role: Option<String>,
    /// ECR endpoint URL (otherwise AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL apply).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Upper bound in seconds for one API call, retries included [default: 30, or
    /// timeout_seconds from the config file].
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Config file (default: $BERTH_CONFIG, or $XDG_CONFIG_HOME/berth/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Colour theme: dark, light, high-contrast, sixteen, monochrome, or a file's name in
    /// the user theme folder.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Refuse every mutation (tag, delete, restore); reads work as usual.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Skip the ECS / Lambda lookup of which images are in use (no ecs:* or lambda:*
    /// calls are made; "in use" shows as unknown).
    #[arg(long, global = true)]
    pub no_usage: bool,
    /// Open at a repository, optionally selecting a tag: `payments/api` or `web/app:v1.2`.
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub target: Option<String>,
    /// The profiles and regions came from the config file, not the command line (for
    /// messages that say where to look).
    #[arg(skip)]
    pub registries_from_config: bool,
    /// Member account ids from the config file (`accounts = [...]`).
    #[arg(skip)]
    pub accounts: Vec<String>,
    /// Calls in flight into one member account, from the config file
    /// (`[organization] account_concurrency`).
    #[arg(skip)]
    pub account_concurrency: Option<usize>,
    /// The storage price per region for cost estimates (config.toml's `[cost]`).
    #[arg(skip)]
    pub prices: crate::storage::StoragePrices,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The operation timeout in seconds.
    pub fn timeout_seconds(&self) -> u64 {
        self.timeout.unwrap_or(30).max(1)
    }

    /// Client options from the command line: the endpoint, and the timeout as the bound
    /// of one operation and of each attempt within it.
    pub fn client_options(&self) -> ClientOptions {
        let defaults = ClientOptions::default();
        let operation_timeout = Duration::from_secs(self.timeout_seconds());
        ClientOptions {
            endpoint_url: self.endpoint_url.clone(),
            operation_timeout,
            attempt_timeout: defaults.attempt_timeout.min(operation_timeout),
            ..defaults
        }
    }

    /// Fill in what the command line left open from the config file. Flags win; read-only
    /// can be added by either, never removed.
    pub fn apply_config(&mut self, config: &crate::config::Config) {
        if self.profile.is_empty() && !config.profiles.is_empty() {
            self.profile = config.profiles.clone();
            self.registries_from_config = true;
        }
        if self.region.is_empty() && !config.regions.is_empty() {
            self.region = config.regions.clone();
            self.registries_from_config = true;
        }
        self.accounts = config.accounts.clone();
        self.account_concurrency = config.account_concurrency;
        if self.org_role.is_none() {
            self.org_role = config.organization_role.clone();
        }
        self.read_only |= config.read_only;
        if self.timeout.is_none() {
            self.timeout = Some(config.timeout_seconds);
        }
        if self.theme.is_none() {
            self.theme = Some(config.theme.clone());
        }
        self.prices = config.cost.clone();
    }
}

impl Cli {
    /// The member accounts berth works on, if any: `--organization` and the config's
    /// `accounts`, reached through the first `--profile` (or the default chain).
    pub fn account_source(&self) -> crate::ecr::organization::AccountSource {
        crate::ecr::organization::AccountSource {
            organization: self.organization,
            listed: self.accounts.clone(),
            role: self
                .org_role
                .clone()
                .unwrap_or_else(|| crate::ecr::organization::DEFAULT_ROLE.to_string()),
            via: self.profile.first().cloned(),
        }
    }
}

impl Cli {
    /// The registries of the member accounts (`--organization`, the config's
    /// `accounts`): every account in every `--region` (default: the base profile's
    /// region), plus every default region with `all_regions`.
    pub async fn member_targets(
        &self,
        all_regions: bool,
        options: &ClientOptions,
    ) -> Result<Vec<crate::ecr::model::RegistryTarget>, crate::ecr::EcrError> {
        use crate::ecr::profiles::{AwsEnvironment, registry_targets};
        let source = self.account_source();
        let mut regions: Vec<String> = if self.region.is_empty() {
            // The region of the credentials that reach the accounts.
            let profiles: Vec<String> = source.via.iter().cloned().collect();
            registry_targets(&AwsEnvironment::from_process(), &profiles, &[])
                .into_iter()
                .take(1)
                .map(|t| t.region)
                .filter(|r| r != "?")
                .collect()
        } else {
            self.region.clone()
        };
        if all_regions {
            regions = crate::headless::audit::regions::with_all_regions(&regions);
        }
        if regions.is_empty() {
            return Err(crate::ecr::EcrError::NoRegion {
                subject: "the organization's accounts".into(),
            });
        }
        let accounts = source.accounts(options).await?;
        Ok(crate::ecr::organization::member_targets(
            &accounts, &regions,
        ))
    }
}

/// `--org-role`: an IAM role name.
fn role_name(text: &str) -> Result<String, String> {
    if crate::config::is_role_name(text) {
        Ok(text.to_string())
    } else {
        Err("an IAM role name is 1 to 64 of A-Z a-z 0-9 + = , . @ _ -".to_string())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal UI (the default).
    Tui,
    /// Size and hygiene report of repositories across profiles and regions.
    ///
    /// Without --profile, only the current credentials are audited, not every profile in
    /// the AWS config files. Exit status: 0 complete, 3 partial (see the report's errors),
    /// 1 nothing could be read, 2 usage error.
    Audit(crate::headless::audit::AuditArgs),
    /// Print the digest-pinned URI of an image (REPO:TAG, REPO@sha256:…, or REPO when it
    /// holds exactly one image).
    Uri(UriArgs),
    /// Put recently deleted images back from the manifests recorded in the audit log.
    Restore(RestoreArgs),
    /// Lifecycle policies: `berth lifecycle preview` dry-runs one offline.
    Lifecycle(crate::headless::lifecycle::LifecycleArgs),
    /// List a repository's images as records (`--output json` feeds
    /// `berth lifecycle preview --images`).
    Images(crate::headless::images::ImagesArgs),
    /// Scan findings grouped by CVE: which images (and repositories) have each, and
    /// whether a fix exists. Needs --repo NAME (repeatable) or --all.
    ///
    /// Exit status: 0 complete, 3 partial (see stderr and the report's errors), 1 nothing
    /// could be read, 2 usage error.
    Findings(crate::headless::findings::FindingsArgs),
    /// berth's manifest cache: `berth cache clear` empties it.
    Cache(crate::headless::cache::CacheArgs),
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
