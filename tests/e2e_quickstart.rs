//! The README's first command, `scripts/sandbox/run`: it starts a seeded sandbox, opens
//! berth on it with every service berth reads pointed at the sandbox, and quitting berth
//! ends the script cleanly.

mod support;

use support::pty::Tui;

#[test]
fn the_quickstart_opens_berth_on_the_seeded_sandbox_and_q_ends_it() {
    let home = tempfile::tempdir().expect("temp dir");
    let home_dir = home.path().display().to_string();
    let env: Vec<(String, String)> = vec![
        ("HOME".into(), home_dir.clone()),
        ("XDG_CONFIG_HOME".into(), format!("{home_dir}/config")),
        ("XDG_STATE_HOME".into(), format!("{home_dir}/state")),
    ];
    // The binary under test instead of a nested `cargo build`.
    let script = format!(
        r#"BERTH_BIN="$BERTH" '{}/scripts/sandbox/run'; echo "QUICKSTART_EXIT=$?""#,
        env!("CARGO_MANIFEST_DIR")
    );
    let mut tui = Tui::spawn_shell(&script, &env, 200, 50);
    tui.wait_until("the seeded repositories, counted", |s| {
        let status = Tui::status_line(s);
        s.contents().contains("payments/api")
            && status.contains("repositories")
            && !status.contains("counting")
    });
    // The IN USE column needs ECS and Lambda, which the script points at the sandbox too.
    tui.send(":web/frontend\r");
    let screen = tui.wait_for("ecs:1");
    assert!(
        !screen.contains("in-use unknown"),
        "ECS and Lambda should answer from the sandbox:\n{screen}"
    );
    tui.send("q");
    tui.wait_for("QUICKSTART_EXIT=0");
    tui.wait_exit();
}
