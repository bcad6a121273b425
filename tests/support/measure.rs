//! Measurements of the real binary for `scripts/bench` and the README: figures printed
//! as `BENCH name value unit` lines, screens watched until something shows.

use super::pty::Tui;
use std::time::Instant;

/// Start the binary being measured: `BERTH_BENCH_BIN` when set (scripts/bench points it at
/// the release build), else this build's own.
pub fn spawn_measured(args: &[&str], env: &[(String, String)], cols: u16, rows: u16) -> Tui {
    let Ok(binary) = std::env::var("BERTH_BENCH_BIN") else {
        return Tui::spawn(args, env, cols, rows);
    };
    let mut env = env.to_vec();
    env.push(("BERTH_BENCH_BIN".into(), binary));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    // `exec`: the shell becomes berth (same pid), so /proc readings are berth's own.
    let script = format!("exec \"$BERTH_BENCH_BIN\" {}", quoted.join(" "));
    Tui::spawn_shell(&script, &env, cols, rows)
}

/// Print one figure for scripts/bench's table.
pub fn report(name: &str, value: f64, unit: &str) {
    println!("BENCH {name} {value:.1} {unit}");
}

pub fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Poll the screen every millisecond until `check` holds; returns when it did.
pub fn time_until(tui: &Tui, what: &str, check: impl Fn(&vt100::Screen) -> bool) -> Instant {
    time_until_within(tui, what, super::pty::DEADLINE, check)
}

/// `time_until` with its own deadline (loading 100,000 images from moto takes minutes).
pub fn time_until_within(
    tui: &Tui,
    what: &str,
    within: std::time::Duration,
    check: impl Fn(&vt100::Screen) -> bool,
) -> Instant {
    let deadline = Instant::now() + within;
    loop {
        // One look at the screen: `wait_until` returns at once when its check says so.
        let held = std::cell::Cell::new(false);
        tui.wait_until(what, |s| {
            held.set(check(s));
            true
        });
        if held.get() {
            return Instant::now();
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; screen:\n{}",
            tui.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Send `key` and measure until the screen shows its effect.
pub fn keypress(
    tui: &mut Tui,
    key: &str,
    what: &str,
    check: impl Fn(&vt100::Screen) -> bool,
) -> f64 {
    let sent = Instant::now();
    tui.send(key);
    millis(time_until(tui, what, check).duration_since(sent))
}

/// One look at the screen.
pub fn look<T>(tui: &Tui, f: impl Fn(&vt100::Screen) -> T) -> T {
    let seen = std::cell::RefCell::new(None);
    tui.wait_until("a look at the screen", |s| {
        *seen.borrow_mut() = Some(f(s));
        true
    });
    seen.into_inner().expect("looked")
}

/// Resident set size now and at its peak, in MiB, from /proc.
pub fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Keypress-to-frame in the real binary: the median and worst of `times` presses.
pub fn report_keys(prefix: &str, name: &str, samples: Vec<f64>) {
    let worst = samples.iter().copied().fold(0.0, f64::max);
    report(&format!("{prefix}_{name}_median"), median(samples), "ms");
    report(&format!("{prefix}_{name}_worst"), worst, "ms");
}
