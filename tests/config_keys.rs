//! `[keys]`: replace, prepend and append, conflicts, and the rule that a broken keymap
//! falls back to the defaults instead of locking anyone out.

use berth::app::keymap::{BindMode, Command, Key, KeyOverride, Keymap, KeymapError, command_name};
use berth::config::Config;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;

fn config(text: &str) -> Config {
    let (config, warnings) = Config::parse(text, Path::new("config.toml")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

fn keymap(text: &str) -> Keymap {
    let (keymap, problem) = config(text).keymap(Path::new("config.toml"));
    assert_eq!(problem, None);
    keymap
}

fn lookup(keymap: &Keymap, key: &str) -> Option<Command> {
    let key = Key::parse(key).unwrap();
    keymap.lookup(&KeyEvent::new(key.code, key.modifiers))
}

fn keys(keymap: &Keymap, command: Command) -> Vec<String> {
    keymap
        .keys_for(command)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_keys_entry_replaces_the_default_keys() {
    let keymap = keymap("[keys]\nmove_down = [\"n\", \"ctrl-n\"]\nrefresh = \"R\"\n");
    assert_eq!(keys(&keymap, Command::MoveDown), ["n", "ctrl-n"]);
    assert_eq!(lookup(&keymap, "j"), None, "j was replaced");
    assert_eq!(lookup(&keymap, "down"), None, "down was replaced");
    assert_eq!(lookup(&keymap, "R"), Some(Command::Refresh));
    assert_eq!(lookup(&keymap, "r"), None);
    // Commands not mentioned keep their defaults.
    assert_eq!(lookup(&keymap, "k"), Some(Command::MoveUp));
}

#[test]
fn append_and_prepend_keep_the_defaults() {
    let keymap =
        keymap("[keys.append]\nmove_down = [\"n\"]\n\n[keys.prepend]\nrefresh = \"ctrl-r\"\n");
    assert_eq!(keys(&keymap, Command::MoveDown), ["j", "↓", "n"]);
    assert_eq!(lookup(&keymap, "j"), Some(Command::MoveDown));
    assert_eq!(lookup(&keymap, "n"), Some(Command::MoveDown));
    // Prepended keys come first, so hints in the UI show them.
    assert_eq!(keymap.hint(Command::Refresh), "ctrl-r");
    assert_eq!(lookup(&keymap, "r"), Some(Command::Refresh));
}

#[test]
fn replace_and_append_on_one_command_combine() {
    let keymap = keymap("[keys]\nquit = \"Q\"\n[keys.append]\nquit = \"ctrl-q\"\n");
    assert_eq!(keys(&keymap, Command::Quit), ["Q", "ctrl-q"]);
}

#[test]
fn two_commands_can_swap_keys_in_any_order() {
    let keymap = keymap("[keys]\nmove_up = \"j\"\nmove_down = \"k\"\n");
    assert_eq!(lookup(&keymap, "j"), Some(Command::MoveUp));
    assert_eq!(lookup(&keymap, "k"), Some(Command::MoveDown));
}

#[test]
fn scan_can_be_bound_to_capital_s_with_reverse_sort_moved() {
    // The README's recipe: `S` starts a scan, reversing the sort moves to `R`.
    let keymap = keymap("[keys]\nscan = \"S\"\nsort_reverse = \"R\"\n");
    assert_eq!(lookup(&keymap, "S"), Some(Command::Scan));
    assert_eq!(lookup(&keymap, "R"), Some(Command::SortReverse));
    assert_eq!(lookup(&keymap, "x"), None);
    assert_eq!(lookup(&keymap, "r"), Some(Command::Refresh));
}

#[test]
fn a_key_on_two_commands_keeps_the_defaults_and_names_both() {
    let config = config("mouse = true\n\n[keys]\nrefresh = [\"F\", \"q\"]\n");
    let (keymap, problem) = config.keymap(Path::new("/home/op/.config/berth/config.toml"));
    assert_eq!(
        problem.as_deref(),
        Some(
            "default keys kept: /home/op/.config/berth/config.toml:4: \
             key q is bound to both quit and refresh"
        )
    );
    // The defaults, untouched: q still quits and F does nothing.
    assert_eq!(lookup(&keymap, "q"), Some(Command::Quit));
    assert_eq!(lookup(&keymap, "r"), Some(Command::Refresh));
    assert_eq!(lookup(&keymap, "F"), None);
}

#[test]
fn an_appended_key_that_clashes_is_a_conflict_too() {
    let config = config("[keys.append]\nhelp = \"j\"\nquit = \"?\"\n");
    let (_, problem) = config.keymap(Path::new("config.toml"));
    let problem = problem.unwrap();
    assert!(
        problem.contains("config.toml:2: key j is bound to both move_down and help"),
        "{problem}"
    );
    assert!(
        problem.contains("config.toml:3: key ? is bound to both help and quit"),
        "{problem}"
    );
}

#[test]
fn quit_can_not_lose_every_key() {
    let config = config("[keys]\nquit = []\n");
    let (keymap, problem) = config.keymap(Path::new("config.toml"));
    assert_eq!(
        problem.as_deref(),
        Some(
            "default keys kept: config.toml:2: quit has no key left; \
             bind at least one so berth can be left"
        )
    );
    assert_eq!(lookup(&keymap, "q"), Some(Command::Quit));
}

#[test]
fn an_empty_list_unbinds_a_command() {
    let keymap = keymap("[keys]\nsort_reverse = []\n");
    assert!(keymap.keys_for(Command::SortReverse).is_empty());
    assert_eq!(keymap.hint(Command::SortReverse), "unbound");
}

#[test]
fn the_defaults_have_no_conflicts() {
    assert!(Keymap::with_overrides(&[]).is_ok());
}

#[test]
fn the_builder_reports_every_problem_at_once() {
    let change = |command, key: &str, mode| KeyOverride {
        command,
        keys: vec![Key::parse(key).unwrap()],
        mode,
    };
    let errors = Keymap::with_overrides(&[
        change(Command::Quit, "r", BindMode::Replace),
        change(Command::Help, "/", BindMode::Append),
    ])
    .unwrap_err();
    assert_eq!(
        errors,
        [
            KeymapError::Conflict {
                key: Key::parse("r").unwrap(),
                first: Command::Refresh,
                second: Command::Quit,
            },
            KeymapError::Conflict {
                key: Key::parse("/").unwrap(),
                first: Command::Filter,
                second: Command::Help,
            },
        ]
    );
}

#[test]
fn every_command_name_is_accepted_in_keys() {
    // Names come from `Command`'s serde spelling, so commands added later need nothing
    // from the config reader.
    // One distinct, otherwise unbound key per command, however many commands there are.
    let spare: Vec<char> = ('a'..='z').chain('0'..='9').chain('A'..='Z').collect();
    assert!(Command::ALL.len() <= spare.len());
    for (command, key) in Command::ALL.iter().zip(spare) {
        let name = command_name(*command);
        let text = format!("[keys.append]\n{name} = \"alt-{key}\"\n");
        let keymap = keymap(&text);
        assert!(
            keymap
                .keys_for(*command)
                .contains(&Key::parse(&format!("alt-{key}")).unwrap()),
            "{name}"
        );
    }
}

#[test]
fn ctrl_and_shifted_keys_from_the_terminal_match_config_keys() {
    let keymap = keymap("[keys]\nrefresh = \"ctrl-r\"\nlast = \"E\"\n");
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert_eq!(keymap.lookup(&ctrl_r), Some(Command::Refresh));
    let shift_e = KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT);
    assert_eq!(keymap.lookup(&shift_e), Some(Command::Last));
}
