//! The user's config file (`$XDG_CONFIG_HOME/berth/config.toml`), themes and key bindings.
//!
//! Severity is chosen by what a mistake can cost. An invalid value in config.toml is an
//! error and berth does not start: half-applying a file whose `read_only = "yes"` was
//! ignored could let a mutation through. Unknown keys only warn, so a config written for a
//! newer berth still loads. A broken theme or a key conflict is cosmetic: berth starts with
//! the default theme or the default keys and says why in the status line, so a typo can
//! never lock anyone out at 3 a.m.

mod document;
mod keys;
mod parse;
mod styles;
pub mod theme;

pub use keys::KeyEntry;
pub use parse::is_role_name;
pub use styles::Theme;
pub use theme::{ThemeError, no_color_requested, select_theme, theme_names};

use crate::app::keymap::{Keymap, KeymapError};
use crate::storage::StoragePrices;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Settings read from config.toml; every field has a default.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// AWS profiles to open; empty means the AWS defaults.
    pub profiles: Vec<String>,
    /// AWS regions to open; empty means each profile's region.
    pub regions: Vec<String>,
    /// Member accounts to open (12-digit ids), reached by assuming the organization
    /// role in each; empty means profiles only (unless `--organization`).
    pub accounts: Vec<String>,
    /// `[organization] role`: the role assumed in member accounts.
    pub organization_role: Option<String>,
    /// `[organization] account_concurrency`: calls in flight at once into any one member
    /// account; `None` for the default ([`DEFAULT_ACCOUNT_CONCURRENCY`]).
    pub account_concurrency: Option<usize>,
    /// Refuse every mutation. The command line can turn this on, never off.
    pub read_only: bool,
    /// Theme name: a built-in or a file in the user's theme folder.
    pub theme: String,
    pub date_format: DateFormat,
    pub timezone: Timezone,
    pub sort: SortConfig,
    /// How many registry calls run at once (1..=64).
    pub concurrency: usize,
    /// Upper bound in seconds for one API call, retries included.
    pub timeout_seconds: u64,
    /// Mouse clicks and wheel.
    pub mouse: bool,
    /// Changes to the default key bindings, in file order.
    pub keys: Vec<KeyEntry>,
    /// The storage price the cost estimates use.
    pub cost: StoragePrices,
}

/// How times are shown in tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormat {
    /// `3d`, `5h`: ages.
    Relative,
    /// `2026-01-31 12:00:00`.
    Absolute,
}

/// The zone absolute times are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timezone {
    Utc,
    Local,
}

/// The sort each table opens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortConfig {
    pub repositories: SortOrder,
    pub images: SortOrder,
}

/// A column and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortOrder {
    /// Index into `app::state::REPOSITORY_SORTS` or `IMAGE_SORTS`, matching
    /// `ListView::sort_column`.
    pub column: usize,
    pub descending: bool,
}

/// Default number of concurrent registry calls.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default number of concurrent calls into one member account of an organization: a
/// quarter of what `berth audit --concurrency 16` allows overall, so a few accounts cannot
/// hold every slot while the others wait.
pub const DEFAULT_ACCOUNT_CONCURRENCY: usize = 4;
/// Default upper bound for one API call, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
/// The theme used when none is named or the named one cannot be loaded.
pub const DEFAULT_THEME: &str = "dark";

impl Default for Config {
    fn default() -> Self {
        Config {
            profiles: Vec::new(),
            regions: Vec::new(),
            accounts: Vec::new(),
            organization_role: None,
            account_concurrency: None,
            read_only: false,
            theme: DEFAULT_THEME.to_string(),
            date_format: DateFormat::Relative,
            timezone: Timezone::Utc,
            sort: SortConfig {
                // Names read best A→Z; images newest first, as the panes open today.
                repositories: SortOrder {
                    column: 0,
                    descending: false,
                },
                images: SortOrder {
                    column: 0,
                    descending: true,
                },
            },
            concurrency: DEFAULT_CONCURRENCY,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            mouse: true,
            keys: Vec::new(),
            cost: StoragePrices::default(),
        }
    }
}

/// A problem in a config or theme file, located by file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    /// The dotted key the problem is about (`sort.images`), empty for syntax errors.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Something in the config that was ignored; berth runs on, and shows it.
pub type Warning = Diagnostic;

/// Why the config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Every invalid value found, one per line of the message, in file order.
    #[error("{}", lines(problems))]
    Invalid { problems: Vec<Diagnostic> },
}

fn lines(problems: &[Diagnostic]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

impl Config {
    /// Read a config file. A missing file gives the defaults and no warning.
    pub fn load(path: &Path) -> Result<(Config, Vec<Warning>), ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Ok((Config::default(), Vec::new()))
            }
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Read config text; `path` only names the file in messages.
    pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<Warning>), ConfigError> {
        let locate = |problem: document::Problem| Diagnostic {
            path: path.to_path_buf(),
            line: problem.line,
            key: problem.key,
            message: problem.message,
        };
        let (config, errors, warnings) = parse::parse(text);
        if errors.is_empty() {
            Ok((config, warnings.into_iter().map(locate).collect()))
        } else {
            Err(ConfigError::Invalid {
                problems: errors.into_iter().map(locate).collect(),
            })
        }
    }

    /// The key bindings this config asks for. When they conflict, the defaults and the
    /// message to show (naming the line, both commands and the key) are returned instead.
    pub fn keymap(&self, path: &Path) -> (Keymap, Option<String>) {
        let overrides: Vec<_> = self.keys.iter().map(|e| e.change.clone()).collect();
        match Keymap::with_overrides(&overrides) {
            Ok(keymap) => (keymap, None),
            Err(errors) => {
                let reasons: Vec<String> = errors
                    .iter()
                    .map(|err| self.locate_keymap_error(err, path))
                    .collect();
                let message = format!("default keys kept: {}", reasons.join("; "));
                (Keymap::default(), Some(message))
            }
        }
    }

    fn locate_keymap_error(&self, err: &KeymapError, path: &Path) -> String {
        let line = match err {
            // The entry that brought the key in last is the one to look at.
            KeymapError::Conflict { key, .. } => self
                .keys
                .iter()
                .rev()
                .find(|e| e.change.keys.contains(key))
                .map(|e| e.line),
            KeymapError::QuitUnbound => self
                .keys
                .iter()
                .rev()
                .find(|e| e.change.command == crate::app::keymap::Command::Quit)
                .map(|e| e.line),
        };
        match line {
            Some(line) => format!("{}:{line}: {err}", path.display()),
            None => err.to_string(),
        }
    }
}

/// Where the config file is, and whether it has to exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    /// Named explicitly (flag or `BERTH_CONFIG`): a typo there must not silently mean
    /// "defaults". The standard place may simply not have a file yet.
    pub required: bool,
}

impl ConfigLocation {
    /// `explicit` (a command-line flag), else `BERTH_CONFIG`, else the XDG place; `None`
    /// when not even a home directory is known.
    pub fn find(explicit: Option<&Path>) -> Option<ConfigLocation> {
        ConfigLocation::find_with(explicit, |name| std::env::var_os(name))
    }

    /// As `find`, with the environment passed in (for tests).
    pub fn find_with(
        explicit: Option<&Path>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Option<ConfigLocation> {
        if let Some(path) = explicit {
            return Some(ConfigLocation {
                path: path.to_path_buf(),
                required: true,
            });
        }
        if let Some(path) = env("BERTH_CONFIG").filter(|p| !p.is_empty()) {
            return Some(ConfigLocation {
                path: PathBuf::from(path),
                required: true,
            });
        }
        config_dir_with(env).map(|dir| ConfigLocation {
            path: dir.join("config.toml"),
            required: false,
        })
    }

    /// Read the file (defaults when it is optional and absent).
    pub fn load(&self) -> Result<(Config, Vec<Warning>), ConfigError> {
        if self.required && !self.path.exists() {
            return Err(ConfigError::Read {
                path: self.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        Config::load(&self.path)
    }
}

/// berth's config folder: `$XDG_CONFIG_HOME/berth`, else `~/.config/berth`.
pub fn config_dir() -> Option<PathBuf> {
    crate::paths::config_dir()
}

/// The user's theme folder: `themes/` inside the config folder.
pub fn themes_dir() -> Option<PathBuf> {
    config_dir().map(|dir| dir.join("themes"))
}

/// As `config_dir`, with the environment passed in (for tests).
pub fn config_dir_with(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let xdg = env("XDG_CONFIG_HOME");
    let home = env("HOME");
    crate::paths::base_dir(xdg.as_deref(), home.as_deref(), ".config")
}
