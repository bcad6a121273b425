//! Feeling at home: the command line, completion, remapped keys, resizing — end to end.

mod support;

use support::Sandbox;
use support::pty::{Tui, keys};

fn with_config(sandbox: &Sandbox, config: &str) -> Vec<(String, String)> {
    let path = sandbox.test_home().join("berth-config.toml");
    std::fs::write(&path, config).unwrap();
    let mut env = sandbox.env();
    env.push(("BERTH_CONFIG".into(), path.display().to_string()));
    env
}

#[test]
fn region_switch_and_tab_completion_in_the_command_line() {
    let sandbox = Sandbox::standard();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 120, 30);
    tui.wait_for("analytics/events-collector");
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send("region eu-west-1");
    tui.send(keys::ENTER);
    tui.wait_until("the eu-west-1 registry", |s| {
        Tui::header(s).contains("env/eu-west-1")
    });
    // eu-west-1 holds three repositories in the standard seed.
    tui.wait_for("data/gdpr-exporter");
    tui.wait_until("three repositories", |s| {
        Tui::status_line(s).starts_with("3 repositories")
    });

    // Tab completes a repository name; Enter jumps into it.
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send("data/gd");
    tui.send("\t");
    tui.wait_until("the completed name", |s| {
        Tui::status_line(s) == ":data/gdpr-exporter"
    });
    tui.send(keys::ENTER);
    tui.wait_until("the images of data/gdpr-exporter", |s| {
        Tui::header(s).contains("repositories › data/gdpr-exporter")
    });
}

#[test]
fn a_remapped_delete_key_opens_the_confirmation_and_d_does_not() {
    let sandbox = Sandbox::standard();
    let env = with_config(&sandbox, "[keys]\ndelete = \"D\"\n");
    let mut tui = Tui::spawn(&["web/admin"], &env, 120, 30);
    tui.wait_until("the images of web/admin", |s| {
        Tui::header(s).contains("repositories › web/admin")
            && !s.contents().contains("loading images")
    });
    tui.send("d");
    tui.send("?");
    // The help scrolls at this size: wait for its title, not for an entry.
    let help = tui.wait_for("keys · images first");
    assert!(
        !help.contains("confirm delete"),
        "d should no longer delete"
    );
    assert!(
        help.contains("D  delete the marked"),
        "help shows the live keymap:\n{help}"
    );
    assert!(help.contains("keys · images first"), "{help}");
    // Searching the help keeps only what matches, in every pane's group.
    tui.send("/untag");
    let found = tui.wait_until("the whole search typed", |s| {
        s.contents().contains("/untag▏")
    });
    assert!(found.contains("remove one tag"), "{found}");
    assert!(!found.contains("show or hide this help"), "{found}");
    // `quit` has a `u` but not `untag`: the filter used every letter.
    assert!(!found.contains("quit"), "{found}");
    tui.send(keys::ESC);
    tui.wait_for("/ search · j/k scroll");
    tui.send(keys::ESC);
    tui.wait_gone("keys · images first");
    tui.send("D");
    tui.wait_for("confirm delete");
    tui.send("n");
    tui.wait_gone("confirm delete");
}

#[test]
fn a_bad_config_line_stops_berth_before_the_terminal_is_touched() {
    let sandbox = Sandbox::empty();
    let env = with_config(&sandbox, "theme = \"dark\"\nconcurrency = 0\n");
    let mut tui = Tui::spawn(&[], &env, 100, 20);
    let code = tui.wait_exit();
    assert_eq!(code, 1);
    let screen = tui.screen();
    assert!(screen.contains(":2:"), "the line is named: {screen}");
    assert!(screen.contains("concurrency"), "{screen}");
    assert!(tui.terminal_restored());
}

#[test]
fn resizing_down_to_60x15_and_back_keeps_the_screen_correct() {
    let sandbox = Sandbox::standard();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("analytics/events-collector");
    tui.wait_until("the side panel on a wide terminal", |s| {
        s.contents().contains("encryption")
    });
    tui.resize(60, 15);
    tui.wait_until("a narrow layout without the side panel", |s| {
        let text = s.contents();
        !text.contains("encryption")
            && text
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("REPOSITORY"))
    });
    tui.resize(40, 10);
    tui.wait_for("terminal too small");
    tui.resize(200, 50);
    tui.wait_until("the wide layout again", |s| {
        let text = s.contents();
        text.contains("encryption") && !text.contains("terminal too small")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
