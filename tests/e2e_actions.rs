//! Acting on images through the real TUI: tag, move, untag, bulk delete, read-only —
//! each checked on screen and with a direct read of the registry.

mod support;

use support::Sandbox;
use support::pty::Tui;

/// Tags of every image in a repository, by digest, straight from the registry.
fn registry_tags(sandbox: &Sandbox, repository: &str) -> Vec<(String, Vec<String>)> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::all_images(&client, repository)
            .await
            .iter()
            .map(|i| {
                let mut tags = i.image_tags().to_vec();
                tags.sort();
                (i.image_digest().unwrap().to_string(), tags)
            })
            .collect()
    })
}

/// The first table row (the selected image) as shown.
fn first_row(screen: &str) -> String {
    screen.lines().nth(2).unwrap_or_default().to_string()
}

#[test]
fn tag_an_image_then_move_that_tag_to_another_image() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/tagging", 3, false);
    let mut tui = Tui::open_images(&sandbox.env(), "demo/tagging", &[]);
    // Wide enough for the TAGS column to hold both tags of the row beside the panel.
    tui.resize_and_redraw(200, 40);
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("hotfix-1\r");
    tui.wait_for("hotfix-1 now names this image");
    tui.wait_until("the new tag on the selected row", |s| {
        first_row(&s.contents()).contains("hotfix-1")
    });
    let tagged: Vec<_> = registry_tags(&sandbox, "demo/tagging")
        .into_iter()
        .filter(|(_, tags)| tags.contains(&"hotfix-1".to_string()))
        .collect();
    assert_eq!(
        tagged.len(),
        1,
        "exactly one image has the tag in the registry"
    );
    let first = tagged[0].0.clone();

    // The same tag on the next image: berth asks before moving it.
    tui.send("j");
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("hotfix-1\r");
    tui.wait_for("move tag?");
    tui.send("y");
    tui.wait_for("moved here from");
    let holders: Vec<_> = registry_tags(&sandbox, "demo/tagging")
        .into_iter()
        .filter(|(_, tags)| tags.contains(&"hotfix-1".to_string()))
        .collect();
    assert_eq!(holders.len(), 1);
    assert_ne!(holders[0].0, first, "the tag now names the second image");
}

#[test]
fn an_immutable_repository_refuses_to_move_a_tag_and_says_why() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/frozen", 2, true);
    let before = registry_tags(&sandbox, "demo/frozen");
    let taken = before
        .iter()
        .flat_map(|(_, tags)| tags.clone())
        .next()
        .expect("a tagged image");
    let mut tui = Tui::open_images(&sandbox.env(), "demo/frozen", &[]);
    // Select the image that does NOT hold the tag, then ask for it.
    let screen = tui.screen();
    if first_row(&screen).contains(&taken) {
        tui.send("j");
    }
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send(&format!("{taken}\r"));
    let screen = tui.wait_for("tag not moved");
    assert!(screen.contains("IMMUTABLE"), "{screen}");
    assert_eq!(
        registry_tags(&sandbox, "demo/frozen"),
        before,
        "nothing changed"
    );
}

#[test]
fn untagging_the_last_tag_asks_for_the_delete_confirmation() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/untag", 2, false);
    let before = registry_tags(&sandbox, "demo/untag");
    let mut tui = Tui::open_images(&sandbox.env(), "demo/untag", &[]);
    tui.send("T");
    let screen = tui.wait_for("confirm delete");
    assert!(screen.contains("LAST tag"), "{screen}");
    tui.send("n");
    tui.wait_gone("confirm delete");
    assert_eq!(
        registry_tags(&sandbox, "demo/untag"),
        before,
        "n changed nothing"
    );
    tui.send("T");
    tui.wait_for("confirm delete");
    tui.send("y");
    tui.wait_for("deleted 1");
    assert_eq!(
        registry_tags(&sandbox, "demo/untag").len(),
        before.len() - 1
    );
}

#[test]
fn bulk_delete_of_150_marked_images_needs_the_name_and_crosses_the_batch_limit() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/bulk", 160, false);
    let mut tui = Tui::open_images(&sandbox.env(), "demo/bulk", &[]);
    // Mark everything, then unmark the first ten: 150 marked.
    tui.send("V");
    tui.wait_for("160 marked");
    for _ in 0..10 {
        tui.send(" ");
    }
    tui.wait_for("150 marked");
    tui.send("d");
    tui.wait_for("type the repository name to confirm");
    tui.send("y");
    tui.send("\r");
    tui.wait_for("type the repository name (demo/bulk) exactly");
    tui.send("\u{7f}");
    tui.send("demo/bulk\r");
    tui.wait_for("deleted 150");
    tui.wait_until("the list reloaded from the registry", |s| {
        Tui::status_line(s).starts_with("10 images")
    });
    assert_eq!(registry_tags(&sandbox, "demo/bulk").len(), 10);
    // One audit line for the one attempt, listing 150 deleted images.
    let lines = support::audit_log_lines(&sandbox.test_home());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["action"], "delete");
    assert_eq!(lines[0]["images"].as_array().unwrap().len(), 150);
}

#[test]
fn read_only_mode_blocks_tag_untag_and_delete() {
    let sandbox = Sandbox::empty();
    sandbox.seed_repository("demo/readonly", 3, false);
    let before = registry_tags(&sandbox, "demo/readonly");
    let mut tui = Tui::open_images(&sandbox.env(), "demo/readonly", &["--read-only"]);
    for (key, action) in [("t", "tag"), ("T", "untag"), ("d", "delete")] {
        tui.send(key);
        tui.wait_for(&format!(
            "read-only mode: {action} on demo/readonly was not attempted"
        ));
        assert!(!tui.screen().contains("confirm delete"));
        tui.send("j");
        tui.wait_gone("read-only mode:");
    }
    assert_eq!(registry_tags(&sandbox, "demo/readonly"), before);
    assert!(
        !support::audit_log_path(&sandbox.test_home()).exists(),
        "no mutation was attempted, so nothing was logged"
    );
}
