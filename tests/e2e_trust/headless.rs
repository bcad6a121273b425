//! Headless commands and table layout: what `berth images`, `berth uri`, `berth audit`
//! and `berth lifecycle preview` print, and what the repositories pane's tables show,
//! checked against the seed or an SDK read — never against berth's own output.

use crate::support::pty::{Tui, keys};
use crate::support::run::{berth, json_of, stderr, stdout};
use crate::support::{self, Sandbox};
use serde_json::Value;
use std::collections::BTreeMap;

/// A refused connection is named as such; "timed out" would send the user waiting for an
/// endpoint that is not there.
fn assert_says_refused(what: &str, message: &str) {
    let lower = message.to_lowercase();
    assert!(
        lower.contains("connection refused") || lower.contains("could not connect"),
        "{what} does not say the connection was refused: {message}"
    );
    assert!(
        !lower.contains("timed out"),
        "{what} says timed out: {message}"
    );
}

#[test]
fn headless_commands_call_a_refused_connection_refused_without_tui_hints() {
    let home = tempfile::tempdir().unwrap();
    let env = support::endpoint_env(&support::closed_endpoint(), home.path());
    // A short --timeout is where the SDK's own retries used to run into the deadline.
    for args in [
        &["--timeout", "2", "images", "--repo", "web/frontend"][..],
        &["--timeout", "2", "uri", "web/frontend:latest"][..],
    ] {
        let output = berth(&env, args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {message}");
        assert_says_refused(&format!("berth {}", args[2]), &message);
        assert!(
            !message.contains("press"),
            "berth {} prints a TUI key hint: {message}",
            args[2]
        );
    }
}

#[test]
fn the_tui_calls_a_refused_connection_refused() {
    let home = tempfile::tempdir().unwrap();
    let env = support::endpoint_env(&support::closed_endpoint(), home.path());
    let tui = Tui::spawn(&["--timeout", "2"], &env, 120, 30);
    let screen = tui.wait_until("an error about the endpoint", |s| {
        let text = s.contents().to_lowercase();
        text.contains("refused") || text.contains("timed out") || text.contains("cannot reach")
    });
    assert_says_refused("the TUI", &screen);
}

/// Milliseconds since the epoch, as ECR means an SDK timestamp (it sends three decimals).
fn sdk_millis(time: &aws_smithy_types::DateTime) -> i64 {
    time.secs() * 1000 + i64::from((time.subsec_nanos() + 500_000) / 1_000_000)
}

/// A printed RFC 3339 time: at most millisecond digits, and its value in milliseconds.
fn printed_millis(text: &str) -> i64 {
    let fraction = text
        .split_once('.')
        .map(|(_, rest)| rest.trim_end_matches('Z'))
        .unwrap_or("");
    assert!(
        fraction.len() <= 3 && text.ends_with('Z'),
        "{text} carries more than milliseconds"
    );
    let at: jiff::Timestamp = text.parse().unwrap();
    assert_eq!(at.subsec_nanosecond() % 1_000_000, 0, "{text}");
    at.as_millisecond()
}

#[test]
fn image_times_print_as_ecr_sent_them_in_json_and_csv() {
    let sandbox = Sandbox::shared();
    let repository = "web/frontend";
    let truth: BTreeMap<String, (i64, Option<i64>)> = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::all_images(&client, repository)
            .await
            .iter()
            .map(|i| {
                (
                    i.image_digest().unwrap().to_string(),
                    (
                        sdk_millis(i.image_pushed_at().unwrap()),
                        i.last_recorded_pull_time().map(sdk_millis),
                    ),
                )
            })
            .collect()
    });
    assert!(truth.len() > 10, "the seed has images in {repository}");

    let json = json_of(&berth(
        &sandbox.env(),
        &["images", "--repo", repository, "--output", "json"],
    ));
    let records = json.as_array().unwrap();
    assert_eq!(records.len(), truth.len());
    for record in records {
        let digest = record["digest"].as_str().unwrap();
        let (pushed, pulled) = truth[digest];
        assert_eq!(
            printed_millis(record["pushed_at"].as_str().unwrap()),
            pushed,
            "{digest} pushed_at"
        );
        assert_eq!(
            record["last_pulled_at"].as_str().map(printed_millis),
            pulled,
            "{digest} last_pulled_at"
        );
    }

    let csv = berth(
        &sandbox.env(),
        &["images", "--repo", repository, "--output", "csv"],
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (digest_at, pushed_at) = (column("digest"), column("pushed_at"));
    let mut seen = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(
            printed_millis(cells[pushed_at]),
            truth[cells[digest_at]].0,
            "{line}"
        );
        seen += 1;
    }
    assert_eq!(seen, truth.len());
}

#[test]
fn findings_json_times_carry_no_float_noise() {
    let sandbox = Sandbox::shared();
    let output = berth(
        &sandbox.env(),
        &["findings", "--repo", "web/frontend", "--output", "json"],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        stderr(&output)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let images = json["images"].as_array().unwrap();
    assert!(!images.is_empty());
    for image in images {
        printed_millis(image["pushed_at"].as_str().unwrap());
        if let Some(pulled) = image["last_pulled_at"].as_str() {
            printed_millis(pulled);
        }
    }
}

#[test]
fn the_images_footer_says_one_true_thing_about_shared_layers() {
    let sandbox = Sandbox::shared();
    let repository = "web/frontend";
    let (count, bytes) = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let images = support::all_images(&client, repository).await;
        let bytes: i64 = images.iter().filter_map(|i| i.image_size_in_bytes()).sum();
        (images.len(), bytes as u64)
    });
    let output = berth(&sandbox.env(), &["images", "--repo", repository]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let mut footer = text.lines().skip_while(|l| !l.ends_with("once per image)"));
    let sum = footer
        .next()
        .unwrap_or_else(|| panic!("no sum line:\n{text}"));
    let expected_start = format!("{count} images, {} (", berth::format::size(bytes));
    assert!(sum.starts_with(&expected_start), "{sum}");
    // The sum counts a shared layer once per image that has it: an upper bound. It must
    // not also claim the opposite (that shared layers count once).
    assert!(sum.contains("upper bound"), "{sum}");
    assert!(!sum.contains("are stored once)"), "{sum}");
    // The line after it gives what is stored, each layer once, as the manifests say.
    let truth = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::storage::RepositoryTruth::read(&client, repository).await
    });
    let stored = footer
        .next()
        .unwrap_or_else(|| panic!("no stored line:\n{text}"));
    let expected = format!(
        "stored: {} (each layer once)",
        berth::format::size(truth.stored_bytes())
    );
    assert!(stored.starts_with(&expected), "{stored} vs {expected}");
}

#[test]
fn the_audit_table_explains_only_the_columns_it_shows() {
    let sandbox = Sandbox::shared();
    let output = berth(&sandbox.env(), &["audit"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let header = text
        .lines()
        .find(|l| l.starts_with("REPOSITORY"))
        .unwrap_or_else(|| panic!("no header:\n{text}"));
    // The title, the table, then the notes, separated by blank lines.
    let notes: Vec<&str> = text.split("\n\n").skip(2).collect();
    let notes = notes.join("\n");
    for (column, note) in [
        ("IN USE", "IN USE:"),
        ("RECLAIM", "RECLAIM"),
        ("STALE", "STALE:"),
    ] {
        let explained = notes.contains(note);
        assert_eq!(
            header.contains(column),
            explained,
            "the {column} column and its note disagree:\n{text}"
        );
    }
}

/// A policy whose first rule is broken (countNumber 0) and an images file whose first
/// record is broken (a digest that is not one).
#[test]
fn broken_policies_and_records_name_positions_counting_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"rules":[
          {"rulePriority":10,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":0},"action":{"type":"expire"}}]}"#,
    )
    .unwrap();
    let images = dir.path().join("images.json");
    std::fs::write(&images, "[]").unwrap();
    let env = support::endpoint_env(&support::closed_endpoint(), dir.path());
    let run = |policy: &std::path::Path, images: &std::path::Path| {
        berth(
            &env,
            &[
                "lifecycle",
                "preview",
                "--images",
                images.to_str().unwrap(),
                "--policy",
                policy.to_str().unwrap(),
            ],
        )
    };
    let output = run(&policy, &images);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("rule #1 (priority 10): selection.countNumber"),
        "the first rule is rule #1: {message}"
    );
    assert!(!message.contains("rule #0"), "{message}");

    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"{"rules":[{"rulePriority":1,"description":"keep three","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}"#,
    )
    .unwrap();
    std::fs::write(
        &images,
        r#"[{"digest":"sha256:nothex","tags":["v1"],"pushed_at":"2026-01-01T00:00:00Z","size_bytes":1}]"#,
    )
    .unwrap();
    let output = run(&good, &images);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("record 1: digest"),
        "the first record is record 1: {message}"
    );
    assert!(!message.contains("record 0"), "{message}");
}

/// What each repository's lifecycle policy would reclaim now, computed independently:
/// an SDK read of its images and policy, evaluated by the lifecycle engine.
fn reclaim_by_repository(sandbox: &Sandbox) -> BTreeMap<String, u64> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let now = jiff::Timestamp::now();
        let mut out = BTreeMap::new();
        for name in support::all_repositories(&client).await {
            let Ok(policy) = client
                .get_lifecycle_policy()
                .repository_name(&name)
                .send()
                .await
            else {
                continue;
            };
            let Some(text) = policy.lifecycle_policy_text() else {
                continue;
            };
            let policy = berth::lifecycle::parse_policy(text).expect("the seed's policy parses");
            let candidates: Vec<berth::lifecycle::Candidate> = support::all_images(&client, &name)
                .await
                .iter()
                .map(|image| {
                    let pushed = image.image_pushed_at().unwrap();
                    berth::lifecycle::Candidate {
                        digest: image.image_digest().unwrap().to_string(),
                        tags: image.image_tags().to_vec(),
                        pushed_at: jiff::Timestamp::new(
                            pushed.secs(),
                            pushed.subsec_nanos() as i32,
                        )
                        .unwrap(),
                        size_bytes: image.image_size_in_bytes().unwrap_or(0) as u64,
                        last_pulled_at: None,
                        referenced_by_manifest_list: false,
                        ..Default::default()
                    }
                })
                .collect();
            let plan = berth::lifecycle::evaluate(&policy, &candidates, now);
            out.insert(name, plan.bytes_reclaimed);
        }
        out
    })
}

/// The repositories pane's audit view, opened at the repositories list.
fn audit_view(sandbox: &Sandbox, cols: u16, rows: u16) -> Tui {
    let mut tui = Tui::spawn(&[], &sandbox.env(), cols, rows);
    tui.wait_for("REPOSITORY");
    tui.send(":audit\r");
    tui.wait_for("UNTAG SIZE");
    tui.wait_until("the audit figures", |s| {
        s.contents()
            .lines()
            .nth(2)
            .is_some_and(|l| !l.contains('…') && l.contains("iB"))
    });
    tui
}

#[test]
fn the_audit_view_sorts_by_reclaim_biggest_first() {
    let sandbox = Sandbox::shared();
    let reclaim = reclaim_by_repository(sandbox);
    let bytes = *reclaim
        .values()
        .max()
        .expect("the seed has repositories with a lifecycle policy");
    assert!(bytes > 0, "the seed's policies expire something");
    let biggest: Vec<&String> = reclaim
        .iter()
        .filter(|(_, b)| **b == bytes)
        .map(|(name, _)| name)
        .collect();
    let mut tui = audit_view(sandbox, 140, 40);
    // name → images → size → stored → untagged → stale → reclaim: six presses of `s`.
    for _ in 0..6 {
        tui.send("s");
    }
    tui.wait_until("RECLAIM sorted, arrow shown", |s| {
        s.contents()
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("RECLAIM▼"))
    });
    // The selection follows its repository through the sort; the order is read from
    // the top of the list.
    tui.send(keys::HOME);
    let screen = tui.wait_until("the top of the sorted list", |s| {
        s.contents()
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("RECLAIM▼") && l.contains("rows 1–"))
    });
    let first = screen.lines().nth(2).unwrap();
    assert!(
        biggest
            .iter()
            .any(|name| first.starts_with(&format!("{name} "))),
        "{biggest:?} reclaim the most ({}), but the first row is {first:?}\n{screen}",
        berth::format::size(bytes)
    );
    assert!(
        first.contains(&berth::format::size(bytes)),
        "{first:?} lacks {}",
        berth::format::size(bytes)
    );
    // One more `s` comes back to the name: the cycle visits only the view's columns.
    tui.send("s");
    tui.wait_until("back to the name sort", |s| {
        s.contents()
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("REPOSITORY▲"))
    });
}

#[test]
fn the_created_column_shows_its_sort_arrow() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 120, 30);
    tui.wait_for("REPOSITORY");
    // name → images → size → created.
    for _ in 0..3 {
        tui.send("s");
    }
    tui.wait_until("CREATED with its arrow", |s| {
        s.contents()
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("CREATED▼"))
    });
}

#[test]
fn each_table_says_which_rows_it_shows() {
    let sandbox = Sandbox::shared();
    let total = Sandbox::runtime().block_on(async {
        support::all_repositories(&sandbox.ecr("us-east-1").await)
            .await
            .len()
    });
    let rows: u16 = 30;
    // Header line, table header, two detail lines and the status line leave the rest.
    let body = usize::from(rows) - 5;
    assert!(
        total > body,
        "the seed has more repositories than one screen"
    );
    let mut tui = Tui::spawn(&[], &sandbox.env(), 120, rows);
    tui.wait_for(&format!("rows 1–{body} of {total}"));
    tui.send(keys::END);
    tui.wait_for(&format!("rows {}–{total} of {total}", total - body + 1));
    // The images pane says the same of its rows.
    let repository = "web/frontend";
    let images = Sandbox::runtime().block_on(async {
        support::all_images(&sandbox.ecr("us-east-1").await, repository)
            .await
            .len()
    });
    let tui = Tui::spawn(&[repository], &sandbox.env(), 120, rows);
    tui.wait_for(&format!("rows 1–{} of {images}", body.min(images)));
}
