//! The terminal is always given back: on quit, SIGTERM, SIGHUP (a dropped SSH session) and
//! panic.

mod support;

use support::Sandbox;
use support::pty::Tui;

fn signal(tui: &Tui, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &tui.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

fn started(sandbox: &Sandbox, extra_env: &[(&str, &str)]) -> Tui {
    let mut env = sandbox.env();
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let tui = Tui::spawn(&[], &env, 80, 24);
    tui.wait_until("the alternate screen with berth drawn", |s| {
        s.alternate_screen() && s.contents().contains("berth")
    });
    tui
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    let sandbox = Sandbox::empty();
    for name in ["TERM", "HUP"] {
        let mut tui = started(&sandbox, &[]);
        signal(&tui, name);
        tui.wait_exit();
        assert!(
            tui.terminal_restored(),
            "SIG{name} left the terminal in the alternate screen or with a hidden cursor"
        );
    }
}

#[test]
fn a_panic_restores_the_terminal_and_prints_the_message() {
    let sandbox = Sandbox::empty();
    let mut tui = started(&sandbox, &[("BERTH_DEBUG_PANIC_KEY", "1")]);
    tui.send("\u{1b}[24~"); // F12
    let code = tui.wait_exit();
    assert_ne!(code, 0);
    assert!(tui.terminal_restored());
    let screen = tui.screen();
    assert!(screen.contains("panic requested with F12"), "{screen}");
}

/// The line settings `stty -a` printed after berth ended, as tokens (`echo`, `-icanon`, …).
fn stty_settings(screen: &str) -> Vec<String> {
    let after = screen
        .rsplit_once("BERTH_STTY_BEGIN")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let settings = after.split("BERTH_STTY_END").next().unwrap_or_default();
    settings
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_shell_gets_echo_and_line_editing_back_however_berth_ends() {
    let sandbox = Sandbox::empty();
    let mut env = sandbox.env();
    env.push(("BERTH_DEBUG_PANIC_KEY".into(), "1".into()));
    // The same terminal before and after berth, as the user's shell sees it: berth runs
    // in the foreground, then stty reports the line discipline berth left behind.
    let script = r#""$BERTH"; echo BERTH_STTY_BEGIN; stty -a; echo BERTH_STTY_END"#;
    let endings: [(&str, Ending); 4] = [
        ("q", |tui, _| tui.send("q")),
        ("SIGTERM", |_, pid| kill(pid, "TERM")),
        ("SIGHUP", |_, pid| kill(pid, "HUP")),
        ("a panic", |tui, _| tui.send("\u{1b}[24~")),
    ];
    for (how, end) in endings {
        let mut tui = Tui::spawn_shell(script, &env, 200, 40);
        tui.wait_until("berth on the alternate screen", |s| {
            s.alternate_screen() && s.contents().contains("berth")
        });
        let berth = tui.wait_child_pid();
        end(&mut tui, berth);
        let screen = tui.wait_for("BERTH_STTY_END");
        assert!(
            tui.terminal_restored(),
            "after {how}: still on the alternate screen or with a hidden cursor"
        );
        let settings = stty_settings(&screen);
        for wanted in ["echo", "icanon", "isig", "icrnl", "opost"] {
            assert!(
                settings.iter().any(|t| t == wanted),
                "after {how}: `{wanted}` is off; stty -a said {settings:?}"
            );
        }
        tui.wait_exit();
    }
}

/// One way for berth to end: given the terminal and berth's process id.
type Ending = fn(&mut Tui, u32);

fn kill(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}
