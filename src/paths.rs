//! Where berth keeps its files (XDG base directories).

use std::ffi::OsStr;
use std::path::PathBuf;

/// `$XDG_STATE_HOME/berth` or `~/.local/state/berth`: history, last location, audit log.
pub fn state_dir() -> Option<PathBuf> {
    base_dir(
        std::env::var_os("XDG_STATE_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
        ".local/state",
    )
}

/// `$XDG_CONFIG_HOME/berth` or `~/.config/berth`: config.toml and user themes.
pub fn config_dir() -> Option<PathBuf> {
    base_dir(
        std::env::var_os("XDG_CONFIG_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
        ".config",
    )
}

/// `$XDG_CACHE_HOME/berth` or `~/.cache/berth`: what berth can fetch again (manifests).
pub fn cache_dir() -> Option<PathBuf> {
    base_dir(
        std::env::var_os("XDG_CACHE_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
        ".cache",
    )
}

/// `xdg/berth`, or `home/fallback/berth`. The XDG spec says a relative XDG path is invalid
/// and must be ignored.
pub fn base_dir(xdg: Option<&OsStr>, home: Option<&OsStr>, fallback: &str) -> Option<PathBuf> {
    let base = xdg
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(fallback))
        })?;
    Some(base.join("berth"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_wins_when_absolute_and_home_is_the_fallback() {
        let home = Some(OsStr::new("/home/op"));
        assert_eq!(
            base_dir(Some(OsStr::new("/xdg")), home, ".local/state"),
            Some(PathBuf::from("/xdg/berth"))
        );
        assert_eq!(
            base_dir(Some(OsStr::new("relative")), home, ".local/state"),
            Some(PathBuf::from("/home/op/.local/state/berth"))
        );
        assert_eq!(base_dir(None, None, ".config"), None);
    }
}
