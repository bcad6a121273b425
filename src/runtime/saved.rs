//! Saved state between runs: the command history and the last location, read at start
//! and written when the app asks.

use crate::app::State;

const HISTORY_FILE: &str = "history";
const LOCATION_FILE: &str = "last-location.json";

/// Where the user was when berth last ran.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Location {
    pub(super) profile: String,
    pub(super) region: String,
    pub(super) repository: Option<String>,
}

/// Command history and last location from the state directory (missing files are fine).
pub(super) fn load_saved(state: &mut State) {
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

/// Write the command history, one line each.
pub(super) fn save_history(lines: &[String]) {
    if let Some(dir) = crate::paths::state_dir() {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(HISTORY_FILE), lines.join("\n") + "\n");
    }
}

/// Write where the user is, for the next start to reopen.
pub(super) fn remember_location(location: Location) {
    if let Some(dir) = crate::paths::state_dir() {
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(text) = serde_json::to_string(&location) {
            let _ = std::fs::write(dir.join(LOCATION_FILE), text);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{now, reg, targets};
    use crate::app::{self, Effect};

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
