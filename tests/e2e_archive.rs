//! Archive storage end to end: `a` archives the selected image and `w` restores it,
//! through the write gate, against the sandbox (whose restores take two seconds, like a
//! short real one). The oracle is an aws-sdk-ecr read of the image and the audit log.

mod support;

use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig};
use support::pty::Tui;

const REPOSITORY: &str = "web/storybook";

/// The newest tagged image of `REPOSITORY`: (tag, digest).
fn newest_tagged(sandbox: &Sandbox) -> (String, String) {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let images = support::all_images(&client, REPOSITORY).await;
        let image = images
            .iter()
            .filter(|i| !i.image_tags().is_empty())
            .max_by_key(|i| i.image_pushed_at().map(|t| t.secs()))
            .expect("a tagged image");
        (
            image.image_tags()[0].clone(),
            image.image_digest().unwrap().to_string(),
        )
    })
}

/// The image's status and its last activation time, as DescribeImages says.
fn status_of(sandbox: &Sandbox, digest: &str) -> (String, Option<i64>) {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let out = client
            .describe_images()
            .repository_name(REPOSITORY)
            .image_ids(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_digest(digest)
                    .build(),
            )
            .send()
            .await
            .expect("DescribeImages");
        let detail = &out.image_details()[0];
        (
            detail
                .image_status()
                .map_or("ACTIVE".to_string(), |s| s.as_str().to_string()),
            detail.last_activated_at().map(|t| t.secs()),
        )
    })
}

/// Open berth on the image tagged `tag`, its repository's images loaded.
fn open_on(env: &[(String, String)], tag: &str, extra: &[&str]) -> Tui {
    let target = format!("{REPOSITORY}:{tag}");
    let mut args = extra.to_vec();
    args.push(&target);
    let tui = Tui::spawn(&args, env, 160, 40);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {REPOSITORY}")) && !text.contains("loading images")
    });
    tui
}

#[test]
fn a_archives_and_w_restores_the_selected_image_through_the_gate() {
    // Its own sandbox: this test changes an image.
    let sandbox = Sandbox::standard();
    let (tag, digest) = newest_tagged(&sandbox);
    let home = tempfile::tempdir().unwrap();
    let env = sandbox.env_in(home.path());
    let mut tui = open_on(&env, &tag, &[]);
    let label = format!("{REPOSITORY}:{tag}");

    tui.send("a");
    tui.wait_for(&format!("Archive {label}?"));
    tui.wait_for("cannot be pulled");
    tui.wait_for("90-day minimum");
    tui.send("y");
    tui.wait_until("the archive to be confirmed", |s| {
        Tui::status_line(s).contains(&format!("archived {label}: ARCHIVED"))
    });
    assert_eq!(status_of(&sandbox, &digest).0, "ARCHIVED");

    tui.send("w");
    tui.wait_for(&format!("Restore {label} from archive?"));
    tui.send("y");
    tui.wait_until("the restore to start", |s| {
        let status = Tui::status_line(s);
        status.contains(&format!("restoring {label}: ACTIVATING"))
            || status.contains(&format!("restored {label}: ACTIVE"))
    });
    // The registry took the restore: ACTIVATING, then ACTIVE (the sandbox restores in
    // two seconds), read here with the SDK on a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (status, activated) = loop {
        let (status, activated) = status_of(&sandbox, &digest);
        if status == "ACTIVE" || std::time::Instant::now() > deadline {
            break (status, activated);
        }
        assert_eq!(status, "ACTIVATING");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status, "ACTIVE");
    assert!(activated.is_some(), "the registry recorded the activation");
    // berth follows the restore and says so as soon as it reads it (every 2 s at first).
    tui.wait_until("berth to say the restore is done", |s| {
        Tui::status_line(s).contains(&format!("restored {label}: ACTIVE"))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    // One audit line per call, naming the image.
    let lines = support::audit_log_lines(home.path());
    let calls: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap(),
                l["images"][0]["digest"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("archive", digest.as_str()),
            ("restore_from_archive", digest.as_str())
        ]
    );
}

#[test]
fn read_only_mode_refuses_to_archive_without_a_call() {
    let sandbox = Sandbox::shared();
    let (tag, digest) = newest_tagged(sandbox);
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let mut env = sandbox.env();
    env.push(("AWS_ENDPOINT_URL_ECR".into(), proxy.url()));
    let mut tui = open_on(&env, &tag, &["--read-only"]);
    tui.send("a");
    tui.wait_until("the refusal", |s| {
        Tui::status_line(s).contains("read-only mode: archive an image")
    });
    assert!(!tui.screen().contains("Archive "), "no confirmation opens");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert_eq!(proxy.stats().count("UpdateImageStorageClass"), 0);
    assert_eq!(status_of(sandbox, &digest).0, "ACTIVE");
}

#[test]
fn archived_images_are_listed_with_their_status_and_v_shows_them_alone() {
    let sandbox = Sandbox::shared();
    let repository = "legacy/monolith";
    let archived: usize = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::all_images(&client, repository)
            .await
            .iter()
            .filter(|i| {
                i.image_status()
                    .is_some_and(|s| *s == aws_sdk_ecr::types::ImageStatus::Archived)
            })
            .count()
    });
    assert!(archived > 0, "the seed archives some of {repository}");
    let mut tui = Tui::open_images(&sandbox.env(), repository, &[]);
    tui.send("v");
    let screen = tui.wait_until("archived only", |s| {
        Tui::status_line(s).contains("[archived only]")
    });
    // Rows only: the status line ("showing archived only") is the last line.
    let lines: Vec<&str> = screen.lines().collect();
    let rows = lines[..lines.len() - 1]
        .iter()
        .filter(|line| line.split_whitespace().any(|cell| cell == "archived"))
        .count();
    assert_eq!(rows, archived, "{screen}");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
