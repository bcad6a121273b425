//! Browsing end to end: the real binary in a PTY against a real ECR stand-in.

mod support;

use berth::format;
use std::collections::BTreeMap;
use support::Sandbox;
use support::pty::{Tui, keys};

/// Image count and byte sum per repository, read through the SDK.
async fn truth(sandbox: &Sandbox) -> BTreeMap<String, (usize, u64)> {
    let client = sandbox.ecr("us-east-1").await;
    let mut out = BTreeMap::new();
    for name in support::all_repositories(&client).await {
        let images = support::all_images(&client, &name).await;
        let bytes = images
            .iter()
            .map(|i| i.image_size_in_bytes().unwrap_or(0) as u64)
            .sum();
        out.insert(name, (images.len(), bytes));
    }
    out
}

/// Open berth on the sandbox at 200x50 and wait for the repository list.
fn open(sandbox: &Sandbox) -> Tui {
    let tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("REPOSITORY");
    tui
}

/// Filter the repositories to `name` and open it.
fn open_repository(tui: &mut Tui, name: &str) {
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(name);
    tui.send(keys::ENTER);
    // Enter must have closed the prompt (the status line names the filter) before the
    // next Enter, or that Enter would only close the prompt.
    tui.wait_until(&format!("{name} first in the list, filter applied"), |s| {
        s.contents()
            .lines()
            .nth(2)
            .is_some_and(|l| l.starts_with(&format!("{name} ")))
            && Tui::status_line(s).contains(&format!("filter: {name}"))
    });
    tui.send(keys::ENTER);
    tui.wait_for(&format!("repositories › {name}"));
    tui.wait_until("the images to load", |s| {
        !s.contents().contains("loading images")
    });
}

#[test]
fn repositories_show_correct_image_counts_and_sizes() {
    let sandbox = Sandbox::standard();
    let expected = Sandbox::runtime().block_on(truth(&sandbox));
    assert!(
        expected.len() >= 40,
        "the standard seed has at least 40 repositories"
    );
    let tui = open(&sandbox);
    let screen = tui.wait_until("every repository counted", |s| {
        let status = Tui::status_line(s);
        status.split_whitespace().nth(1) == Some("repositories")
            && !status.contains("counting images")
            && !status.contains("loading")
    });
    let mut checked = 0;
    for line in screen.lines().skip(2) {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some((count, bytes)) = expected.get(name) else {
            continue;
        };
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[1], count.to_string(), "image count of {name}: {line}");
        let size = format::size(*bytes);
        assert!(
            line.contains(&format!(" {size} ")),
            "size of {name} should read {size}: {line}"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} rows checked:\n{screen}");
}

#[test]
fn images_newest_first_filter_and_back() {
    let sandbox = Sandbox::standard();
    let rt = Sandbox::runtime();
    let expected = rt.block_on(truth(&sandbox));
    // A repository with a handful of tagged images: enough to order, small enough to see.
    let (name, _) = expected
        .iter()
        .find(|(_, (count, _))| (5..=40).contains(count))
        .expect("a repository with 5 to 40 images");
    let client = rt.block_on(sandbox.ecr("us-east-1"));
    let mut images = rt.block_on(support::all_images(&client, name));
    images.sort_by_key(|i| std::cmp::Reverse(i.image_pushed_at().map(|t| t.secs())));

    let mut tui = open(&sandbox);
    open_repository(&mut tui, name);
    let screen = tui.screen();
    let rows: Vec<&str> = screen.lines().skip(2).take(3).collect();
    for (row, image) in rows.iter().zip(&images) {
        let hex = &image.image_digest().unwrap()["sha256:".len()..][..12];
        assert!(row.contains(hex), "expected {hex} in row {row:?}\n{screen}");
    }

    // `/^PREFIX` keeps the images with a tag starting with PREFIX (lower-case text ignores
    // case): the prefix of a tag up to its first `.` or `-`, which no digest or
    // `<untagged>` starts with.
    let tag = images
        .iter()
        .flat_map(|i| i.image_tags())
        .find(|t| t.starts_with('v'))
        .or_else(|| images.iter().flat_map(|i| i.image_tags()).next())
        .expect("a tagged image")
        .clone();
    let prefix = match tag.find(['.', '-']) {
        Some(at) if at > 0 => tag[..=at].to_lowercase(),
        _ => tag.to_lowercase(),
    };
    assert!(
        prefix.chars().any(|c| !c.is_ascii_hexdigit()) && !prefix.starts_with('<'),
        "{prefix} could match a digest or <untagged>"
    );
    let matching: std::collections::BTreeSet<String> = images
        .iter()
        .filter(|i| {
            i.image_tags()
                .iter()
                .any(|t| t.to_lowercase().starts_with(&prefix))
        })
        .map(|i| i.image_digest().unwrap()["sha256:".len()..][..12].to_string())
        .collect();
    let short_digests: std::collections::BTreeSet<String> = images
        .iter()
        .map(|i| i.image_digest().unwrap()["sha256:".len()..][..12].to_string())
        .collect();
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(&format!("^{prefix}"));
    tui.send(keys::ENTER);
    let screen = tui.wait_for(&format!("filter: ^{prefix}"));
    let shown = screen
        .lines()
        .rfind(|l| l.contains(" of "))
        .and_then(|l| l.split(" of ").next())
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("status line should say 'N of M images':\n{screen}"));
    assert_eq!(shown, matching.len(), "{screen}");
    assert!(
        shown < images.len(),
        "the filter narrows: {shown} of {}",
        images.len()
    );
    // Exactly the matching images are on screen (all fit at 200x50).
    let on_screen: std::collections::BTreeSet<String> = screen
        .lines()
        .skip(2)
        .flat_map(|l| l.split_whitespace())
        .filter(|cell| short_digests.contains(*cell))
        .map(str::to_string)
        .collect();
    assert_eq!(on_screen, matching, "{screen}");

    // Esc clears the filter, a second Esc goes back to the repositories.
    tui.send(keys::ESC);
    tui.wait_gone(&format!("filter: ^{prefix}"));
    tui.send(keys::ESC);
    tui.wait_until("the repositories pane", |s| {
        s.contents()
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with("│ repositories"))
    });
}

#[test]
fn a_repository_larger_than_one_page_shows_every_image() {
    let sandbox = Sandbox::standard();
    let expected = Sandbox::runtime().block_on(truth(&sandbox));
    let (name, (count, _)) = expected
        .iter()
        .find(|(_, (count, _))| *count > 1000)
        .expect("the seed has a repository with more than one page of images");
    let mut tui = open(&sandbox);
    open_repository(&mut tui, name);
    tui.wait_for(&format!("{count} images"));
    // Newest push first: the oldest image is the last row.
    let client = Sandbox::runtime().block_on(sandbox.ecr("us-east-1"));
    let images = Sandbox::runtime().block_on(support::all_images(&client, name));
    assert_eq!(images.len(), *count);
    let oldest = images
        .iter()
        .filter_map(|i| i.image_pushed_at().map(|t| (t.secs(), t.subsec_nanos())))
        .min()
        .unwrap();
    let last: Vec<String> = images
        .iter()
        .filter(|i| i.image_pushed_at().map(|t| (t.secs(), t.subsec_nanos())) == Some(oldest))
        .map(|i| i.image_digest().unwrap()["sha256:".len()..][..12].to_string())
        .collect();
    assert_eq!(last.len(), 1, "one oldest image: {last:?}");
    let before = tui.screen();
    assert!(!before.contains(&last[0]), "the last row starts off screen");
    tui.send(keys::END);
    // The header's visible range (`rows A–B of N`) ends at the last image, and that image
    // is on screen.
    let range_end = format!("–{count} of {count}");
    tui.wait_until("the cursor on the last row", |s| {
        let text = s.contents();
        text.lines()
            .nth(1)
            .is_some_and(|header| header.contains(&range_end))
            && text.contains(&last[0])
    });
}

#[test]
fn q_quits_with_status_zero_and_restores_the_terminal() {
    let sandbox = Sandbox::empty();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 80, 24);
    tui.wait_for("no repositories in this registry");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert!(
        tui.terminal_restored(),
        "alternate screen left and cursor shown"
    );
}

#[test]
fn an_unreachable_endpoint_shows_an_error_instead_of_hanging() {
    let home = tempfile::tempdir().unwrap();
    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL_ECR", closed.as_str()),
        ("AWS_ACCESS_KEY_ID", "x"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HOME", home.path().to_str().unwrap()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut tui = Tui::spawn(&["--timeout", "5"], &env, 120, 24);
    // Refused connections are retried with backoff; within the 5 s bound the call ends
    // as either "cannot reach" or "timed out" — never a spinner forever.
    let screen = tui.wait_until("an error line for DescribeRepositories", |s| {
        let text = s.contents();
        text.contains("ecr:DescribeRepositories")
            && (text.contains("cannot reach") || text.contains("timed out"))
    });
    assert!(!screen.contains("loading repositories"), "{screen}");
    // The UI still answers keys.
    tui.send("?");
    tui.wait_for("show or hide this help");
    tui.send("q");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn works_against_plain_moto_server() {
    let sandbox = Sandbox::plain_moto();
    let rt = Sandbox::runtime();
    rt.block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        client
            .create_repository()
            .repository_name("plain/app")
            .send()
            .await
            .unwrap();
        for n in 0..3 {
            support::put_small_image(&client, "plain/app", n, &format!("v0.{n}")).await;
        }
    });
    let mut tui = Tui::spawn(&[], &sandbox.env(), 120, 30);
    tui.wait_for("plain/app");
    tui.send(keys::ENTER);
    tui.wait_for("repositories › plain/app");
    for n in 0..3 {
        tui.wait_for(&format!("v0.{n}"));
    }
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
