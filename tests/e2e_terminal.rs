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
