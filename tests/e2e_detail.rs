//! The repository detail view (`i`) end to end: the real binary in a terminal against the
//! sandbox, every section compared with what the ECR API says when read independently.

mod support;

use serde_json::Value;
use support::Sandbox;
use support::pty::{Tui, keys};
use support::screen::{field, section};

/// What the API says about a repository, read with aws-sdk-ecr directly.
struct Truth {
    kms_key: Option<String>,
    scan_on_push: bool,
    mutability: String,
    tags: Vec<(String, String)>,
    policy: Option<Value>,
    lifecycle: Option<Value>,
}

fn truth(repository: &str) -> Truth {
    let rt = Sandbox::runtime();
    let ecr = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    rt.block_on(async {
        let described = ecr
            .describe_repositories()
            .repository_names(repository)
            .send()
            .await
            .unwrap();
        let repo = &described.repositories()[0];
        let tags = ecr
            .list_tags_for_resource()
            .resource_arn(repo.repository_arn().unwrap())
            .send()
            .await
            .unwrap();
        let policy = ecr
            .get_repository_policy()
            .repository_name(repository)
            .send()
            .await
            .ok()
            .and_then(|out| out.policy_text().map(|t| serde_json::from_str(t).unwrap()));
        let lifecycle = ecr
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .ok()
            .and_then(|out| {
                out.lifecycle_policy_text()
                    .map(|t| serde_json::from_str(t).unwrap())
            });
        Truth {
            kms_key: repo
                .encryption_configuration()
                .and_then(|c| c.kms_key())
                .map(str::to_string),
            scan_on_push: repo
                .image_scanning_configuration()
                .is_some_and(|c| c.scan_on_push()),
            mutability: repo.image_tag_mutability().unwrap().as_str().to_string(),
            tags: tags
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
            policy,
            lifecycle,
        }
    })
}

/// The JSON a section shows, parsed back from the screen.
fn json_in(screen: &str, heading: &str) -> Value {
    let text = section(screen, heading).join("\n");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{heading}: {e}\n{text}"))
}

/// berth at `repository`'s images, tall enough to show the whole detail view at once.
fn open_at(repository: &str) -> Tui {
    let tui = Tui::spawn(
        &["--no-usage", repository],
        &Sandbox::shared().env(),
        200,
        110,
    );
    tui.wait_for(&format!("repositories › {repository}"));
    tui
}

/// Wait until every section has answered (the slowest is the operation the sandbox lacks,
/// which the SDK tries a few times).
fn wait_loaded(tui: &Tui) -> String {
    tui.wait_for("not supported by this endpoint (ecr:DescribePullThroughCacheRules)");
    tui.wait_gone("loading")
}

#[test]
fn i_on_a_repository_shows_its_settings_policy_and_tags_as_the_api_has_them() {
    let truth = truth("payments/api");
    let mut tui = open_at("payments/api");
    // Back to the repositories pane, where the opened repository stays selected.
    tui.send(keys::ESC);
    tui.wait_gone("repositories › payments/api");
    tui.send("i");
    tui.wait_for("repository detail · payments/api");
    let screen = wait_loaded(&tui);

    let repository = section(&screen, "Repository");
    let kms_key = truth
        .kms_key
        .expect("payments/api is seeded with a KMS key");
    for line in [
        field("encryption", "KMS"),
        field("KMS key", &kms_key),
        field(
            "scan on push",
            if truth.scan_on_push { "yes" } else { "no" },
        ),
        field("tag mutability", &truth.mutability),
    ] {
        assert!(repository.contains(&line), "{line:?} in {repository:#?}");
    }
    assert!(truth.scan_on_push && truth.mutability == "IMMUTABLE");

    let tags: Vec<String> = truth.tags.iter().map(|(k, v)| field(k, v)).collect();
    assert_eq!(tags.len(), 2, "payments/api is seeded with two tags");
    assert_eq!(section(&screen, "Repository tags"), tags);

    let policy = truth.policy.expect("payments/api is seeded with a policy");
    assert_eq!(json_in(&screen, "Repository policy"), policy);
    assert!(truth.lifecycle.is_none());
    assert_eq!(
        section(&screen, "Lifecycle policy"),
        ["no lifecycle policy"]
    );
    assert_eq!(
        section(&screen, "Scanning configuration (registry)"),
        [
            field("scan type", "BASIC"),
            field(
                "rule 1",
                "SCAN_ON_PUSH · payments/* · applies to this repository"
            ),
        ]
    );
    assert_eq!(
        section(&screen, "Replication rules (registry)"),
        [field(
            "rule 1",
            "→ eu-west-1 (123456789012), us-west-2 (210987654321) · payments/ (PREFIX_MATCH) · applies to this repository"
        )]
    );
    assert_eq!(
        section(&screen, "Pull-through cache rules (registry)"),
        ["not supported by this endpoint (ecr:DescribePullThroughCacheRules)"]
    );

    // Esc closes the view back to the pane it was opened from.
    tui.send(keys::ESC);
    let screen = tui.wait_gone("repository detail");
    assert!(screen.contains("│ repositories"), "{screen}");
}

#[test]
fn i_in_the_images_pane_shows_the_open_repositorys_lifecycle_policy() {
    let truth = truth("payments/worker");
    let mut tui = open_at("payments/worker");
    tui.send("i");
    tui.wait_for("repository detail · payments/worker");
    let screen = wait_loaded(&tui);
    assert!(truth.policy.is_none());
    assert_eq!(
        section(&screen, "Repository policy"),
        ["no repository policy"]
    );
    let lifecycle = truth
        .lifecycle
        .expect("payments/worker has a lifecycle policy");
    assert_eq!(json_in(&screen, "Lifecycle policy"), lifecycle);
    assert!(
        section(&screen, "Repository").contains(&field("encryption", "KMS")),
        "{screen}"
    );
    // q closes the view without quitting.
    tui.send("q");
    tui.wait_gone("repository detail");
    tui.wait_for("repositories › payments/worker");
}

#[test]
fn a_small_terminal_scrolls_through_every_section() {
    let mut tui = Tui::spawn(
        &["--no-usage", "payments/api"],
        &Sandbox::shared().env(),
        80,
        24,
    );
    tui.wait_for("repositories › payments/api");
    tui.send("i");
    tui.wait_for("repository detail · payments/api");
    tui.wait_gone("loading");
    let top = tui.screen();
    assert!(top.contains("lines 1–19 of "), "{top}");
    assert!(!top.contains("Pull-through cache rules"), "{top}");
    tui.send("G");
    let bottom = tui.wait_for("Pull-through cache rules (registry)");
    assert!(
        bottom.contains("not supported by this endpoint"),
        "{bottom}"
    );
    assert!(!bottom.contains("URI             "), "{bottom}");
    tui.send("g");
    tui.wait_for("URI             ");
}
