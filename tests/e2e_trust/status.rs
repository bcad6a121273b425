//! Jumps, the status line and result dialogs: a `:` jump acts at once or says why not,
//! success goes to the status line without swallowing the next key, errors leave with
//! their context, and `?` lists the `:` commands.

use crate::support::Sandbox;
use crate::support::pty::{Tui, keys};

/// The digest of the image carrying `tag` in `repository`, from the SDK.
fn tagged_digest(sandbox: &Sandbox, repository: &str, tag: &str) -> Option<String> {
    images(sandbox, repository)
        .into_iter()
        .find(|(_, tags, _)| tags.iter().any(|t| t == tag))
        .map(|(digest, _, _)| digest)
}

/// Every image of `repository` as (digest, tags, pushed-at seconds), from the SDK.
fn images(sandbox: &Sandbox, repository: &str) -> Vec<(String, Vec<String>, i64)> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        crate::support::all_images(&client, repository)
            .await
            .iter()
            .map(|i| {
                (
                    i.image_digest().unwrap_or_default().to_string(),
                    i.image_tags().to_vec(),
                    i.image_pushed_at().map(|t| t.secs()).unwrap_or_default(),
                )
            })
            .collect()
    })
}

/// Wait until the clipboard received a text containing `needle`.
fn wait_copied(tui: &Tui, needle: &str) -> String {
    let copied = |tui: &Tui| tui.clipboard().into_iter().find(|t| t.contains(needle));
    tui.wait_until(&format!("a clipboard copy containing {needle}"), |_| {
        copied(tui).is_some()
    });
    copied(tui).unwrap_or_default()
}

/// berth opened on `repository`'s images, fully listed.
fn open_images(sandbox: &Sandbox, repository: &str) -> Tui {
    let tui = Tui::spawn(&[repository], &sandbox.env(), 200, 40);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading")
    });
    tui
}

/// Type a `:` command line and run it.
fn command(tui: &mut Tui, line: &str) {
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send(line);
    tui.send(keys::ENTER);
}

#[test]
fn a_tag_jump_inside_the_open_repository_selects_that_image_at_once() {
    let sandbox = Sandbox::shared();
    let repository = "base/python";
    let mut listed = images(sandbox, repository);
    listed.sort_by_key(|(_, _, pushed)| std::cmp::Reverse(*pushed));
    // A tag of an image that is not the newest: the one selected when the pane opens.
    let (digest, tags, _) = listed
        .iter()
        .skip(3)
        .find(|(_, tags, _)| !tags.is_empty())
        .expect("an older tagged image in the seed")
        .clone();
    let tag = &tags[0];
    let mut tui = open_images(sandbox, repository);

    command(&mut tui, &format!("{repository}:{tag}"));
    // Acting at once: the very next key copies the image that carries the tag.
    tui.send("y");
    wait_copied(&tui, &format!("{repository}@{digest}"));

    command(&mut tui, &format!("{repository}:nosuchtag"));
    tui.wait_until("the status line to say the tag is not there", |s| {
        Tui::status_line(s).contains("no image tagged nosuchtag")
    });
}

#[test]
fn a_repository_jump_finds_a_repository_the_filter_hides_and_clears_the_filter() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 40);
    tui.wait_for("base/jvm");
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send("payments");
    tui.send(keys::ENTER);
    tui.wait_until("the filter applied, base/jvm hidden", |s| {
        Tui::status_line(s).contains("filter: payments") && !s.contents().contains("base/jvm")
    });

    command(&mut tui, "base/jvm");
    tui.wait_until("base/jvm's images", |s| {
        Tui::header(s).contains("repositories › base/jvm")
    });
    tui.send(keys::ESC);
    let screen = tui.wait_until("the repositories pane", |s| {
        Tui::header(s).trim_end().ends_with("│ repositories")
    });
    let status = tui.current_status_line();
    assert!(
        !status.contains("filter:"),
        "the filter that hid the target is cleared: {status}\n{screen}"
    );
    assert!(
        screen.contains("base/node"),
        "every repository shows again:\n{screen}"
    );
}

#[test]
fn a_tag_success_goes_to_the_status_line_and_the_next_key_acts() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/status", 3, false);
    let mut tui = open_images(&sandbox, "demo/status");
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("hotfix-9\r");
    tui.wait_for("hotfix-9 now names");
    tui.wait_until("the reload after tagging", |s| {
        !s.contents().contains("loading")
            && s.contents()
                .lines()
                .nth(2)
                .is_some_and(|l| l.contains("hotfix-9"))
    });
    let status = tui.current_status_line();
    let digest =
        tagged_digest(&sandbox, "demo/status", "hotfix-9").expect("the registry has the new tag");

    tui.send("y");
    wait_copied(&tui, &format!("demo/status@{digest}"));
    assert!(
        status.contains("hotfix-9 now names"),
        "the success was on the status line: {status}"
    );
}

#[test]
fn an_error_leaves_the_status_line_when_the_user_moves_on() {
    let sandbox = Sandbox::shared();
    let mut tui = open_images(sandbox, "base/node");
    command(&mut tui, "nosuchrepo");
    tui.wait_until("the error", |s| {
        Tui::status_line(s).contains("unknown command :nosuchrepo")
    });
    // Another pane: the repositories.
    tui.send(keys::ESC);
    tui.wait_until("the repositories pane without the error", |s| {
        Tui::header(s).trim_end().ends_with("│ repositories")
            && !Tui::status_line(s).contains("nosuchrepo")
    });

    command(&mut tui, "no/such-repository");
    tui.wait_until("the not-found error", |s| {
        Tui::status_line(s).contains("no/such-repository")
    });
    // Another repository.
    command(&mut tui, "base/jvm");
    tui.wait_until("base/jvm's images without the error", |s| {
        Tui::header(s).contains("repositories › base/jvm")
            && !Tui::status_line(s).contains("no/such-repository")
    });
}

#[test]
fn help_lists_the_command_line_and_finds_its_commands() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("REPOSITORY");
    tui.send("?");
    tui.wait_for("keys ·");
    tui.send("/");
    tui.send("criticals");
    tui.send(keys::ENTER);
    let screen = tui.wait_for(":criticals");
    assert!(
        !screen.contains("no key matches"),
        "searching the help finds :criticals:\n{screen}"
    );
    // Esc clears the search; the whole help shows again.
    tui.send(keys::ESC);
    tui.wait_for("/ search · j/k scroll");
    tui.send("/");
    tui.send("region");
    tui.send(keys::ENTER);
    tui.wait_for(":region");
}

#[test]
fn esc_from_criticals_returns_where_the_user_came_from() {
    let sandbox = Sandbox::shared();
    let mut tui = open_images(sandbox, "base/distroless");
    command(&mut tui, "criticals");
    tui.wait_until("the triage pane", |s| {
        Tui::header(s).trim_end().ends_with("│ triage")
    });
    tui.send(keys::ESC);
    tui.wait_until("back on base/distroless's images", |s| {
        Tui::header(s).contains("repositories › base/distroless")
    });
}

#[test]
fn untagging_one_of_several_tags_is_titled_as_an_untag() {
    let sandbox = Sandbox::shared();
    let repository = "base/python";
    let (_, tags, _) = images(sandbox, repository)
        .into_iter()
        .find(|(_, tags, _)| tags.len() >= 2)
        .expect("an image with several tags in the seed");
    let target = format!("{repository}:{}", tags[0]);
    let mut tui = Tui::spawn(&[&target], &sandbox.env(), 200, 40);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading")
    });
    tui.send("T");
    tui.wait_for("remove which tag?");
    tui.send(keys::ENTER);
    let screen = tui.wait_for("the image stays");
    assert!(
        screen.contains("confirm untag") && !screen.contains("confirm delete"),
        "an untag that keeps the image is not titled as a delete:\n{screen}"
    );
    tui.send("n");
    tui.wait_gone("the image stays");
}

#[test]
fn a_scan_notice_stays_through_keys_and_ends_with_the_outcome() {
    // A scan is a write: a sandbox of its own.
    let sandbox = Sandbox::standard();
    let repository = "tools/debug-shell";
    let mut listed = images(&sandbox, repository);
    listed.sort_by_key(|(_, _, pushed)| std::cmp::Reverse(*pushed));
    let digest = listed[0].0.clone();
    let short = &digest[..19];
    let mut tui = open_images(&sandbox, repository);
    let screen = tui.screen();
    let first_row = screen.lines().nth(2).unwrap_or_default();
    assert!(
        first_row.contains(&digest[7..19]),
        "the newest image is selected:\n{screen}"
    );
    tui.send("x");
    tui.wait_until("the scan notice", |s| {
        Tui::status_line(s).contains("starting 1 scan(s)")
    });
    // Another key: the notice is not news the key has read, the scan is still running.
    tui.send("j");
    tui.wait_until("the scan's outcome on the status line", |s| {
        Tui::status_line(s).contains(&format!("scan of {short}: complete"))
    });
    let status = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        client
            .describe_image_scan_findings()
            .repository_name(repository)
            .image_id(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_digest(&digest)
                    .build(),
            )
            .send()
            .await
            .expect("DescribeImageScanFindings")
            .image_scan_status()
            .and_then(|s| s.status())
            .map(|s| s.as_str().to_string())
    });
    assert_eq!(status.as_deref(), Some("COMPLETE"), "the registry agrees");
}

/// `y` typed in the same burst as the tag's Enter (before the registry answered) is held,
/// not lost: once the tag is put it copies the image the screen shows selected, which the
/// registry says carries the new tag.
#[test]
fn a_key_typed_before_the_registry_answers_acts_once_it_has() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/held", 3, false);
    let mut tui = open_images(&sandbox, "demo/held");
    tui.send("j");
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("hotfix-8\ry");
    let copied = wait_copied(&tui, "demo/held@sha256:");
    let digest =
        tagged_digest(&sandbox, "demo/held", "hotfix-8").expect("the registry has the new tag");
    assert!(
        copied.ends_with(&format!("demo/held@{digest}")),
        "copied {copied}, the tag names {digest}"
    );
}

/// Below the smallest size berth draws in, the screen shows only a notice: keys must not
/// act on rows nobody can see. Nothing is deleted (the registry still lists every image)
/// and nothing is copied; quit still works.
#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/small", 3, false);
    let mut tui = open_images(&sandbox, "demo/small");
    tui.resize(50, 12);
    tui.wait_for("terminal too small");
    tui.send("kdy");
    tui.send("y");
    tui.resize(200, 40);
    tui.wait_gone("terminal too small");
    let screen = tui.wait_for("demo/small");
    assert!(!screen.contains("confirm delete"), "{screen}");
    assert!(tui.clipboard().is_empty(), "nothing was copied");
    assert_eq!(
        images(&sandbox, "demo/small").len(),
        3,
        "nothing was deleted"
    );
    tui.resize(50, 12);
    tui.wait_for("terminal too small");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
