//! An organization at the scale, measured: 50 member accounts × 3 regions × 100
//! repositories of 5 images each, opened in the TUI and audited.
//!
//! `#[ignore]`d: a measurement, not a check. Run it with the release binary:
//! `BERTH_BENCH_BIN=target/release/berth cargo test --release --test e2e_org_scale --
//! --ignored --nocapture`; it prints `BENCH name value unit` lines for the README's "An
//! organization" section.

mod support;

use std::time::{Duration, Instant};
use support::Sandbox;
use support::measure::{
    look, median, millis, report, spawn_measured, time_until, time_until_within,
};
use support::pty::Tui;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "us-west-2"];
const COLUMNS: u16 = 200;
const ROWS: u16 = 50;
/// How long the measurement waits for 150 registries (or an audit of them) at most.
const LOADING: Duration = Duration::from_secs(20 * 60);
/// The end of a synchronized frame: berth wraps every frame in one.
const END_OF_FRAME: &[u8] = b"\x1b[?2026l";

/// One row of the screen.
fn row(screen: &vt100::Screen, row: usize) -> String {
    let cols = screen.size().1.get();
    screen.contents_between(row as u16, 0, row as u16, cols)
}

/// The first footer line under the registries table: the selected registry's host,
/// which differs from row to row.
fn selected_host(screen: &vt100::Screen) -> String {
    row(screen, usize::from(ROWS) - 3)
}

/// `N of M accounts read` on the status line, while the registries still load.
fn accounts_read(screen: &vt100::Screen) -> Option<(usize, usize)> {
    let status = Tui::status_line(screen);
    let before = status.split(" accounts read").next()?;
    if before.len() == status.len() {
        return None;
    }
    let mut words = before.rsplit(' ');
    let total = words.next()?.parse().ok()?;
    let _of = words.next()?;
    let read = words.next()?.parse().ok()?;
    Some((read, total))
}

fn percentile(mut samples: Vec<f64>, at: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * at).round() as usize;
    samples[index]
}

#[test]
#[ignore = "a measurement, run by hand for the README"]
fn measure_an_organization_of_50_accounts() {
    let accounts: usize = std::env::var("BERTH_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let sandbox = Sandbox::empty();
    let seeded = support::post_json(
        &format!("{}/moto-api/berth/organization-members", sandbox.endpoint),
        &serde_json::json!({
            "count": accounts, "prefix": "team", "regions": REGIONS,
            "repositories": 100, "images": 5,
        }),
    );
    report(
        "org_seed_s",
        seeded["seconds"].as_f64().unwrap_or(f64::NAN),
        "s",
    );
    let env = sandbox.env();
    let mut args = vec!["--organization"];
    args.extend(REGIONS.iter().flat_map(|region| ["--region", *region]));

    // The TUI: first frame, every registries row answered, keys while they load.
    let started = Instant::now();
    let mut tui = spawn_measured(&args, &env, COLUMNS, ROWS);
    let deadline = started + LOADING;
    while !tui
        .raw_output()
        .windows(END_OF_FRAME.len())
        .any(|w| w == END_OF_FRAME)
    {
        assert!(Instant::now() < deadline, "no frame:\n{}", tui.screen());
        std::thread::sleep(Duration::from_micros(200));
    }
    report("org_tui_first_frame", millis(started.elapsed()), "ms");
    // The first registry opens at start; Esc goes up to the registries pane.
    tui.wait_for("repositories");
    tui.send(support::pty::keys::ESC);
    let counting = time_until_within(&tui, "the registries pane", LOADING, |s| {
        Tui::status_line(s).contains("registries")
    });
    let (read_before, total) = tui_accounts(&tui);
    report("org_registries_rows", rows_listed(&tui) as f64, "rows");
    report("org_accounts", total as f64, "accounts");
    report(
        "org_accounts_read_before_keys",
        read_before as f64,
        "accounts",
    );
    eprintln!(
        "registries pane after {:?}",
        counting.duration_since(started)
    );

    // 40 presses, 20 down then 20 up (fewer with fewer rows), each timed until the
    // selected row's host changes.
    let half = 20.min(rows_listed(&tui).saturating_sub(1));
    let mut samples = Vec::new();
    let mut while_loading = 0;
    for press in 0..2 * half {
        let key = if press < half { "j" } else { "k" };
        let before = look(&tui, selected_host);
        let loading = look(&tui, |s| accounts_read(s).is_some());
        let sent = Instant::now();
        tui.send(key);
        let shown = time_until(&tui, "the selection to move", |s| {
            selected_host(s) != before
        });
        samples.push(millis(shown.duration_since(sent)));
        while_loading += usize::from(loading);
    }
    report("org_keys_while_loading", while_loading as f64, "presses");
    report("org_key_p50", median(samples.clone()), "ms");
    report("org_key_p99", percentile(samples.clone(), 0.99), "ms");
    report(
        "org_key_max",
        samples.iter().copied().fold(0.0, f64::max),
        "ms",
    );

    let loaded = time_until_within(&tui, "every registries row answered", LOADING, |s| {
        accounts_read(s).is_none() && Tui::status_line(s).contains("registries")
    });
    report(
        "org_tui_all_rows_s",
        loaded.duration_since(started).as_secs_f64(),
        "s",
    );
    let screen = tui.screen();
    let failed = screen
        .lines()
        .filter(|line| line.contains("AccessDenied") || line.contains("cannot"))
        .count();
    report("org_tui_rows_failed_on_screen", failed as f64, "rows");
    tui.send("q");
    tui.wait_exit();

    // The audit of the same organization, as a user would run it, and without the
    // storage and in-use reads (the sweep alone).
    for (name, extra) in [
        ("org_audit_s", &[][..]),
        (
            "org_audit_no_storage_no_usage_s",
            &["--no-storage", "--no-usage"][..],
        ),
    ] {
        let mut command = measured_command(&env);
        command
            .arg("audit")
            .args(&args)
            .args(["--output", "json"])
            .args(extra);
        let started = Instant::now();
        let output = command.output().expect("run berth audit");
        let elapsed = started.elapsed().as_secs_f64();
        let code = output.status.code().unwrap_or(-1);
        assert!(
            code == 0,
            "{name}: exit {code}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report_json: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("the audit's JSON");
        report(name, elapsed, "s");
        let rows = report_json["repositories"].as_array().map_or(0, Vec::len);
        report(&format!("{name}_rows"), rows as f64, "repositories");
    }
}

/// The measured binary (`BERTH_BENCH_BIN`, else this build's) with only `env`.
fn measured_command(env: &[(String, String)]) -> std::process::Command {
    let binary =
        std::env::var("BERTH_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_berth").into());
    let mut command = std::process::Command::new(binary);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// Accounts read and in all, from the status line (all read when it no longer says).
fn tui_accounts(tui: &Tui) -> (usize, usize) {
    look(tui, |s| accounts_read(s).unwrap_or((0, 0)))
}

/// The registries the status line counts (`153 registries`).
fn rows_listed(tui: &Tui) -> usize {
    look(tui, |s| {
        let status = Tui::status_line(s);
        let before = status.split(" registries").next().unwrap_or_default();
        before
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    })
}
