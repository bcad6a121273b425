//! berth at scale, end to end: a 20,000-image repository streams onto the screen page by
//! page while the user's selection stays where they put it.
//!
//! The `#[ignore]`d `measure_*` tests are measurements, not checks: `scripts/bench` runs
//! them (`cargo test --test e2e_scale -- --ignored`) with `BERTH_BENCH_BIN` naming the
//! release binary, and they print `BENCH name value unit` lines for its table.

mod support;

use std::cell::RefCell;
use std::time::Instant;
use support::Sandbox;
use support::measure::{
    keypress, look, median, memory, millis, report, report_keys, spawn_measured, time_until,
    time_until_within,
};
use support::pty::{Tui, keys};

const COLUMNS: u16 = 120;
const ROWS: u16 = 30;
/// The screen row of the first table row (below the header and the column titles).
const FIRST_ROW: usize = 2;

/// Seed repositories through the sandbox's seed route; returns the seconds it reports.
fn seed(sandbox: &Sandbox, repositories: serde_json::Value) -> f64 {
    let body = serde_json::json!({"region": "us-east-1", "repositories": repositories});
    let answer = support::post_json(&format!("{}/moto-api/berth/seed", sandbox.endpoint), &body);
    answer["seconds"]
        .as_f64()
        .expect("the seed route reports seconds")
}

fn seed_repository(sandbox: &Sandbox, name: &str, images: usize) -> f64 {
    seed(
        sandbox,
        serde_json::json!([{"name": name, "images": images}]),
    )
}

/// One row of the screen. Measurements read single rows rather than the whole screen:
/// the harness shares the machine's cores with berth, and polls should cost it little.
fn row(screen: &vt100::Screen, row: usize) -> String {
    let cols = screen.size().1.get();
    screen.contents_between(row as u16, 0, row as u16, cols)
}

/// The status line (the last row).
fn status(screen: &vt100::Screen) -> String {
    row(screen, usize::from(screen.size().0.get()) - 1)
}

/// The selected image's digest as its 12 hex characters (the DIGEST column's form), read
/// from the detail line under the table.
fn selected_digest(screen: &vt100::Screen) -> Option<String> {
    let rows = usize::from(screen.size().0.get());
    let detail = row(screen, rows - 3);
    let hex = detail.trim_start().strip_prefix("sha256:")?;
    (hex.len() >= 12).then(|| hex[..12].to_string())
}

/// The page number in `loading images: page N · …`, while images are loading.
fn loading_page(screen: &vt100::Screen) -> Option<u32> {
    let status = Tui::status_line(screen);
    let rest = status.split("loading images: page ").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Table rows on screen (rows showing a digest).
fn listed_rows(screen: &vt100::Screen) -> usize {
    let rows = usize::from(screen.size().0.get());
    (FIRST_ROW..rows - 3)
        .filter(|&index| {
            row(screen, index)
                .split_whitespace()
                .any(|word| word.len() == 12 && word.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .count()
}

#[test]
fn a_large_repository_streams_in_and_the_selection_stays_put() {
    const REPOSITORY: &str = "scale/ci-cache";
    const IMAGES: usize = 20_000;
    let started = Instant::now();
    let sandbox = Sandbox::empty();
    let seeded = seed_repository(&sandbox, REPOSITORY, IMAGES);
    eprintln!("seeded {IMAGES} images in {seeded:.1} s");

    let mut tui = Tui::spawn(&[REPOSITORY], &sandbox.env(), COLUMNS, ROWS);
    let opened = Instant::now();
    let first = tui.wait_until("the first rows while later pages still load", |s| {
        loading_page(s).is_some_and(|page| page >= 2) && listed_rows(s) >= 10
    });
    eprintln!("first rows after {:?}", opened.elapsed());
    assert!(
        !first.contains(&format!("{IMAGES} images")),
        "rows must show before the fetch completes:\n{first}"
    );

    // Move a few rows down while pages keep arriving.
    const MOVES: usize = 3;
    for _ in 0..MOVES {
        tui.send(keys::DOWN);
    }
    let cursor_row = FIRST_ROW + MOVES;
    let held = tui.wait_until("the cursor three rows down", |s| {
        selected_digest(s).is_some_and(|digest| row(s, cursor_row).contains(&digest))
    });
    let chosen = held
        .lines()
        .nth(usize::from(ROWS) - 3)
        .and_then(|l| l.trim_start().strip_prefix("sha256:"))
        .map(|hex| hex[..12].to_string())
        .expect("the detail line names the selected digest");

    // Watch every frame until the fetch completes: the chosen image stays selected, on
    // the same screen row, while the page counter moves on. A frame caught half-drawn
    // can disagree for a moment, so only a disagreement that lasts counts.
    let pages_seen = RefCell::new(Vec::<u32>::new());
    let strikes = RefCell::new(0u32);
    let worst = RefCell::new(String::new());
    let done = tui.wait_until("every page loaded", |s| {
        let page = loading_page(s);
        let digest = selected_digest(s);
        let in_place =
            digest.as_deref() == Some(chosen.as_str()) && row(s, cursor_row).contains(&chosen);
        if in_place {
            *strikes.borrow_mut() = 0;
        } else {
            *strikes.borrow_mut() += 1;
            if *strikes.borrow() >= 3 {
                *worst.borrow_mut() = s.contents();
            }
        }
        if let Some(page) = page
            && pages_seen.borrow().last() != Some(&page)
        {
            pages_seen.borrow_mut().push(page);
        }
        page.is_none() && Tui::status_line(s).contains(&format!("{IMAGES} images"))
    });
    let worst = worst.into_inner();
    assert!(
        worst.is_empty(),
        "the selection moved while pages arrived:\n{worst}"
    );
    let pages_seen = pages_seen.into_inner();
    assert!(
        pages_seen.len() >= 2,
        "pages should keep arriving after the cursor moved; saw {pages_seen:?}"
    );
    let rows = usize::from(ROWS);
    let detail = done.lines().nth(rows - 3).unwrap_or_default();
    assert!(
        detail.trim_start().starts_with(&format!("sha256:{chosen}")),
        "the same image is selected after loading:\n{done}"
    );
    assert!(
        done.lines()
            .nth(cursor_row)
            .is_some_and(|l| l.contains(&chosen)),
        "on the same screen row:\n{done}"
    );
    eprintln!(
        "all {IMAGES} images after {:?} (pages seen while holding: {}); test took {:?}",
        opened.elapsed(),
        pages_seen.len(),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Measurements for scripts/bench (ignored in normal runs).

/// Move, page, jump and type in a loaded list, timing each until it shows.
fn measure_keys(tui: &mut Tui, prefix: &str) {
    let detail_row = usize::from(ROWS_MEASURED) - 3;
    let mut moves = Vec::new();
    let mut pages = Vec::new();
    let mut jumps = Vec::new();
    for round in 0..10 {
        let (down, page, jump) = if round % 2 == 0 {
            (keys::DOWN, keys::PAGE_DOWN, keys::END)
        } else {
            (keys::UP, "\u{1b}[5~", keys::HOME)
        };
        for (key, samples) in [(down, &mut moves), (page, &mut pages), (jump, &mut jumps)] {
            let before = look(tui, |s| row(s, detail_row));
            samples.push(keypress(tui, key, "the selection to move", |s| {
                row(s, detail_row) != before
            }));
        }
    }
    report_keys(prefix, "move", moves);
    report_keys(prefix, "page_down", pages);
    report_keys(prefix, "end_home", jumps);

    let mut sorts = Vec::new();
    for _ in 0..8 {
        let before = look(tui, |s| row(s, FIRST_ROW - 1));
        sorts.push(keypress(tui, "s", "the sort column to change", |s| {
            row(s, FIRST_ROW - 1) != before
        }));
    }
    report_keys(prefix, "sort", sorts);

    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    let mut typed = String::new();
    let mut filters = Vec::new();
    for c in ["m", "a", "i", "n"] {
        typed.push_str(c);
        let prompt = format!("/{typed}");
        filters.push(keypress(tui, c, "the filter to apply", |s| {
            status(s).trim_end() == prompt
        }));
    }
    for _ in 0..4 {
        typed.pop();
        let prompt = format!("/{typed}");
        filters.push(keypress(tui, "\u{7f}", "the filter to widen", |s| {
            status(s).trim_end() == prompt
        }));
    }
    report_keys(prefix, "filter_keystroke", filters);
    tui.send(keys::ESC);
}

/// How long a measurement waits for moto to serve everything.
const LOADING_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20 * 60);
const COLUMNS_MEASURED: u16 = 200;
const ROWS_MEASURED: u16 = 50;

/// One repository of `BERTH_BENCH_IMAGES` images (default 100,000, ECR's maximum):
/// seeding, streaming, memory, and keypress-to-frame in the real binary.
#[test]
#[ignore = "a measurement for scripts/bench"]
fn measure_a_large_repository() {
    let images: usize = std::env::var("BERTH_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let repository = "scale/monorepo";
    let sandbox = Sandbox::empty();
    report("images", images as f64, "images");
    report(
        "seed_images_s",
        seed_repository(&sandbox, repository, images),
        "s",
    );
    let mut tui = spawn_measured(
        &[repository],
        &sandbox.env(),
        COLUMNS_MEASURED,
        ROWS_MEASURED,
    );
    let opened = Instant::now();
    let first = time_until(&tui, "the first rows", |s| {
        status(s).contains("loading images: page 2")
    });
    report(
        "images_first_page_s",
        first.duration_since(opened).as_secs_f64(),
        "s",
    );
    let total = format!("{images} images");
    let loaded = time_until_within(&tui, "every image", LOADING_DEADLINE, |s| {
        let status = status(s);
        status.contains(&total) && !status.contains("loading images")
    });
    report(
        "images_all_pages_s",
        loaded.duration_since(opened).as_secs_f64(),
        "s",
    );
    let (rss, peak) = memory(tui.pid());
    report("images_rss_mib", rss, "MiB");
    report("images_peak_rss_mib", peak, "MiB");
    // The repository's image count is swept in the background too (a second pass over
    // the same pages, competing for the CPU): time the keys once it is done, from the
    // repositories pane and back (the images stay loaded).
    tui.send(keys::ESC);
    let counted = time_until_within(&tui, "the image count sweep", LOADING_DEADLINE, |s| {
        let status = status(s);
        status.contains("1 repositories") && !status.contains("counting images")
    });
    report(
        "images_counted_s",
        counted.duration_since(opened).as_secs_f64(),
        "s",
    );
    tui.send(keys::ENTER);
    time_until(&tui, "the images again", |s| status(s).contains(&total));
    let (rss, peak) = memory(tui.pid());
    report("images_settled_rss_mib", rss, "MiB");
    report("images_settled_peak_rss_mib", peak, "MiB");
    measure_keys(&mut tui, "images");
}

/// 5,000 repositories in one registry: time to list them, and keypress-to-frame while
/// the per-repository image counts are still arriving.
#[test]
#[ignore = "a measurement for scripts/bench"]
fn measure_many_repositories() {
    let count: usize = std::env::var("BERTH_BENCH_REPOSITORIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let sandbox = Sandbox::empty();
    let repositories: Vec<serde_json::Value> = (0..count)
        .map(|i| serde_json::json!({"name": format!("team-{}/service-{i}", i % 40), "images": i % 2}))
        .collect();
    report(
        "seed_repositories_s",
        seed(&sandbox, serde_json::Value::Array(repositories)),
        "s",
    );
    let mut tui = spawn_measured(&[], &sandbox.env(), COLUMNS_MEASURED, ROWS_MEASURED);
    let opened = Instant::now();
    report("repositories", count as f64, "repositories");
    let total = format!("{count} repositories");
    let listed = time_until_within(&tui, "every repository listed", LOADING_DEADLINE, |s| {
        let status = status(s);
        status.contains(&total) && !status.contains("loading repositories")
    });
    report(
        "repositories_listed_s",
        listed.duration_since(opened).as_secs_f64(),
        "s",
    );
    let (rss, _) = memory(tui.pid());
    report("repositories_listed_rss_mib", rss, "MiB");
    let counted = |screen: &vt100::Screen| -> f64 {
        let status = status(screen);
        let Some(rest) = status.split("counting images: ").nth(1) else {
            return count as f64;
        };
        rest.split('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(f64::NAN)
    };
    // Timed while the per-repository image counts are still arriving.
    report(
        "repositories_counted_before_keys",
        look(&tui, counted),
        "repositories",
    );
    measure_keys(&mut tui, "repositories");
    tui.wait_until("the status line back", |s| {
        !Tui::status_line(s).starts_with('/')
    });
    report(
        "repositories_counted_after_keys",
        look(&tui, counted),
        "repositories",
    );
    let (rss, _) = memory(tui.pid());
    report("repositories_rss_mib", rss, "MiB");
    let swept = time_until_within(&tui, "every repository counted", LOADING_DEADLINE, |s| {
        !status(s).contains("counting images")
    });
    report(
        "repositories_counted_s",
        swept.duration_since(opened).as_secs_f64(),
        "s",
    );
    let (rss, peak) = memory(tui.pid());
    report("repositories_counted_rss_mib", rss, "MiB");
    report("repositories_peak_rss_mib", peak, "MiB");
}

/// Exec to the end of the first synchronized frame, with no registry reachable (the
/// endpoint is a closed port): berth's own start-up cost.
#[test]
#[ignore = "a measurement for scripts/bench"]
fn measure_cold_start() {
    let home = tempfile::tempdir().expect("temp dir");
    let closed = support::free_port();
    let path = |name: &str| home.path().join(name).display().to_string();
    std::fs::write(home.path().join("aws-config"), "").unwrap();
    std::fs::write(home.path().join("aws-credentials"), "").unwrap();
    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL_ECR", format!("http://127.0.0.1:{closed}")),
        ("AWS_ACCESS_KEY_ID", "bench".into()),
        ("AWS_SECRET_ACCESS_KEY", "bench".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_CONFIG_FILE", path("aws-config")),
        ("AWS_SHARED_CREDENTIALS_FILE", path("aws-credentials")),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HOME", path("")),
        ("XDG_CONFIG_HOME", path("config")),
        ("XDG_STATE_HOME", path("state")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    const END_OF_FRAME: &[u8] = b"\x1b[?2026l";
    let mut samples = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let tui = spawn_measured(&[], &env, 120, 30);
        let deadline = started + support::pty::DEADLINE;
        loop {
            if tui
                .raw_output()
                .windows(END_OF_FRAME.len())
                .any(|w| w == END_OF_FRAME)
            {
                samples.push(millis(started.elapsed()));
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no frame; screen:\n{}",
                tui.screen()
            );
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    }
    // What berth holds with nothing loaded: the floor under the figures above.
    let tui = spawn_measured(&[], &env, 120, 30);
    tui.wait_for("cannot reach the ECR endpoint");
    report("idle_rss_mib", memory(tui.pid()).0, "MiB");
    let worst = samples.iter().copied().fold(0.0, f64::max);
    let best = samples.iter().copied().fold(f64::MAX, f64::min);
    report("cold_start_median", median(samples), "ms");
    report("cold_start_best", best, "ms");
    report("cold_start_worst", worst, "ms");
}
