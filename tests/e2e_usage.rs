//! "In use" end to end: ECS services and tasks and Lambda functions seeded in the sandbox
//! (scripts/sandbox/usage.py), read by berth's library and by the real binary, compared
//! with the seed's own account of them (`GET /moto-api/berth/usage`).

mod support;

use berth::usage::ecs::EcsClient;
use berth::usage::lambda::LambdaClient;
use berth::usage::{EcsSource, LambdaSource, Limits, UsageMap, survey};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig, Reply, Verdict};
use support::pty::{Tui, keys};
use support::run::json_of;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// The seed's truth: repository → digest → users (as berth serializes them).
fn truth() -> BTreeMap<String, BTreeMap<String, Vec<Value>>> {
    truth_of(Sandbox::shared())
}

/// [`truth`] of a given sandbox.
fn truth_of(sandbox: &Sandbox) -> BTreeMap<String, BTreeMap<String, Vec<Value>>> {
    let url = format!("{}/moto-api/berth/usage", sandbox.endpoint);
    let output = Command::new(support::python())
        .args([
            "-c",
            "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            &url,
        ])
        .output()
        .expect("ask the sandbox for its usage seed");
    assert!(output.status.success(), "GET {url} failed");
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    body["repositories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(repository, images)| {
            let by_digest = images
                .as_array()
                .unwrap()
                .iter()
                .map(|image| {
                    let mut users = image["users"].as_array().unwrap().clone();
                    users.sort_by_key(|u| u.to_string());
                    (image["digest"].as_str().unwrap().to_string(), users)
                })
                .collect();
            (repository.clone(), by_digest)
        })
        .collect()
}

/// `berth ARGS` against the sandbox, with `extra` added to its environment.
fn berth(args: &[&str], extra: &[(&str, String)]) -> Output {
    let mut env = Sandbox::shared().env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    support::run::berth(&env, args)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every image of a repository with its current tags, read independently through
/// aws-sdk-ecr.
async fn images_of(repository: &str) -> Vec<(String, Vec<String>)> {
    let ecr = Sandbox::shared().ecr(REGION).await;
    support::all_images(&ecr, repository)
        .await
        .iter()
        .map(|i| {
            (
                i.image_digest().unwrap().to_string(),
                i.image_tags().to_vec(),
            )
        })
        .collect()
}

async fn library_map() -> UsageMap {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&Sandbox::shared().endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            "sandbox", "sandbox", None, None, "tests",
        ))
        .load()
        .await;
    let target = berth::ecr::model::RegistryTarget::new(
        berth::ecr::model::CredentialSource::Environment,
        REGION.to_string(),
    );
    let ecs: Arc<dyn EcsSource> = Arc::new(EcsClient::for_target(&config, &target));
    let lambda: Arc<dyn LambdaSource> = Arc::new(LambdaClient::for_target(&config, &target));
    let report = survey(Some(ecs), Some(lambda), Limits::default()).await;
    UsageMap::build(report, ACCOUNT, REGION)
}

#[test]
fn the_library_finds_exactly_the_seeded_users() {
    let truth = truth();
    assert_eq!(truth.len(), 5, "the seed uses five repositories: {truth:?}");
    let rt = runtime();
    let map = rt.block_on(library_map());
    assert!(map.is_complete(), "{:?}", map.gaps);
    // The sidecar from public.ecr.aws (in the service's definition and its task) and the
    // other account's function are not ours.
    assert_eq!(map.foreign_references, 3);
    let mut repositories: Vec<&str> = map.repositories().collect();
    repositories.sort();
    assert_eq!(
        repositories,
        truth.keys().map(String::as_str).collect::<Vec<_>>()
    );
    // Every image of those repositories: the seeded ones have exactly the seeded users,
    // every other has none. In data/etl that includes the image the batch task's tag
    // names now: the task runs an older digest, and the digest wins.
    for (repository, expected) in &truth {
        let images = rt.block_on(images_of(repository));
        for (digest, tags) in &images {
            let mut users: Vec<Value> = map
                .users(repository, digest, tags)
                .iter()
                .map(|u| serde_json::to_value(u).unwrap())
                .collect();
            users.sort_by_key(|u| u.to_string());
            let none = Vec::new();
            let want = expected.get(digest).unwrap_or(&none);
            assert_eq!(&users, want, "{repository} {digest} {tags:?}");
        }
        assert_eq!(
            map.in_use_count(
                repository,
                images.iter().map(|(d, t)| (d.as_str(), t.as_slice()))
            ),
            expected.len() as u64
        );
    }
}

#[test]
fn audit_counts_in_use_images_per_repository() {
    let truth = truth();
    let output = berth(&["audit", "--output", "json", "--sort", "name"], &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    let mut total = 0;
    for row in report["repositories"].as_array().unwrap() {
        let name = row["repository"].as_str().unwrap();
        let expected = truth.get(name).map_or(0, |images| images.len() as u64);
        total += expected;
        assert_eq!(row["in_use"], json!(expected), "{name}");
    }
    assert_eq!(total, 5);
    assert_eq!(report["totals"]["in_use_images"], json!(total));
    assert_eq!(report["registries"][0]["in_use_unknown"], json!([]));

    let table = berth(&["audit", "--output", "table", "--sort", "name"], &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    // At 80 columns the table may give the IN USE column up for the size columns; its
    // note then goes too, since it would explain a column that is not there.
    let header = text.lines().find(|l| l.starts_with("REPOSITORY")).unwrap();
    assert_eq!(
        header.contains("IN USE"),
        text.contains("IN USE:"),
        "{text}"
    );

    // --no-usage asks nothing and claims nothing.
    let skipped = json_of(&berth(&["audit", "--output", "json", "--no-usage"], &[]));
    assert!(
        skipped["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["in_use"].is_null())
    );
    let csv = berth(&["audit", "--output", "csv", "--sort", "name"], &[]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let column = header.iter().position(|h| h == "in_use").unwrap();
    let name = header.iter().position(|h| h == "repository").unwrap();
    for record in reader.records().map(Result::unwrap) {
        if &record[0] == "repository" && &record[name] == "web/frontend" {
            assert_eq!(&record[column], "1");
        }
    }
}

const KEEP_NEWEST: &str = r#"{"rules":[{"rulePriority":1,"description":"keep the newest",
  "selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},
  "action":{"type":"expire"}}]}"#;

/// Under [`KEEP_NEWEST`], computed from an SDK listing and the seed: how many images of
/// `repository` expire (all but the newest push) and how many of those are in use.
fn keep_newest_figures(
    sandbox: &Sandbox,
    truth: &BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    repository: &str,
) -> (usize, usize) {
    let images = Sandbox::runtime()
        .block_on(async { support::all_images(&sandbox.ecr(REGION).await, repository).await });
    let pushed = |i: &aws_sdk_ecr::types::ImageDetail| {
        i.image_pushed_at().map(|t| (t.secs(), t.subsec_nanos()))
    };
    let newest = images.iter().filter_map(pushed).max();
    assert_eq!(
        images.iter().filter(|i| pushed(i) == newest).count(),
        1,
        "one newest image"
    );
    let expiring: Vec<&str> = images
        .iter()
        .filter(|i| pushed(i) != newest)
        .map(|i| i.image_digest().unwrap())
        .collect();
    let in_use = &truth[repository];
    let running = expiring
        .iter()
        .filter(|d| in_use.get(**d).is_some_and(|users| !users.is_empty()))
        .count();
    (expiring.len(), running)
}

fn policy_file() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), KEEP_NEWEST).unwrap();
    file
}

#[test]
fn lifecycle_preview_flags_expiring_images_that_are_in_use() {
    let truth = truth();
    let policy = policy_file();
    let path = policy.path().to_str().unwrap();
    for repository in ["web/frontend", "payments/api"] {
        let output = berth(
            &[
                "lifecycle",
                "preview",
                "--repo",
                repository,
                "--policy",
                path,
                "--output",
                "json",
            ],
            &[],
        );
        let plan = json_of(&output);
        let expired = plan["expired"].as_array().unwrap();
        let (digest, users) = truth[repository].iter().next().unwrap();
        let flagged: Vec<&Value> = expired
            .iter()
            .filter(|e| !e["in_use"].as_array().unwrap().is_empty())
            .collect();
        assert_eq!(flagged.len(), 1, "{repository}");
        assert_eq!(flagged[0]["digest"], json!(digest));
        let mut found = flagged[0]["in_use"].as_array().unwrap().clone();
        found.sort_by_key(|u| u.to_string());
        assert_eq!(&found, users);
        assert_eq!(plan["in_use_expired_count"], json!(1));
        assert_eq!(plan["in_use_unknown"], json!([]));
    }

    let table = berth(
        &[
            "lifecycle",
            "preview",
            "--repo",
            "web/frontend",
            "--policy",
            path,
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&table.stdout);
    let (expiring, running) = keep_newest_figures(Sandbox::shared(), &truth, "web/frontend");
    assert_eq!(
        running, 1,
        "the seed runs one image of web/frontend that is not the newest"
    );
    assert!(
        text.contains(&format!(
            "{running} of {expiring} expiring images are running"
        )),
        "{text}"
    );
    assert!(
        text.contains("IN USE by service web-frontend (prod) by tag"),
        "{text}"
    );

    // --no-usage: exactly the engine's plan, as before.
    let plain = json_of(&berth(
        &[
            "lifecycle",
            "preview",
            "--repo",
            "web/frontend",
            "--policy",
            path,
            "--output",
            "json",
            "--no-usage",
        ],
        &[],
    ));
    assert!(plain.get("in_use_expired_count").is_none());
    assert!(plain["expired"][0].get("in_use").is_none());
}

/// A proxy in front of the sandbox that denies every ECS call with HTTP 403.
fn ecs_denied() -> Proxy {
    Proxy::start(
        ProxyConfig::new(&Sandbox::shared().endpoint, Duration::ZERO).with_fault(|request| {
            let ecs = request
                .header("x-amz-target")
                .is_some_and(|t| t.starts_with("AmazonEC2ContainerService"));
            if ecs {
                Verdict::Reply(Reply::access_denied())
            } else {
                Verdict::Forward
            }
        }),
    )
    .unwrap()
}

#[test]
fn a_missing_ecs_permission_degrades_to_unknown_and_names_the_action() {
    let proxy = ecs_denied();
    let via_proxy = [("AWS_ENDPOINT_URL_ECS", proxy.url())];
    let output = berth(&["audit", "--output", "json"], &via_proxy);
    // ECR itself was read completely: the report is complete, "in use" is unknown.
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert_eq!(
        report["registries"][0]["in_use_unknown"],
        json!(["in-use unknown (missing ecs:ListClusters)"])
    );
    assert!(
        report["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["in_use"].is_null())
    );
    let table = berth(&["audit", "--output", "table"], &via_proxy);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("in-use unknown (missing ecs:ListClusters)"),
        "{text}"
    );

    let policy = policy_file();
    let preview = berth(
        &[
            "lifecycle",
            "preview",
            "--repo",
            "checkout/pricing",
            "--policy",
            policy.path().to_str().unwrap(),
        ],
        &via_proxy,
    );
    assert!(preview.status.success());
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(
        text.contains("in-use unknown (missing ecs:ListClusters)"),
        "{text}"
    );
    // Lambda was still read: the function using a pricing image is flagged.
    assert!(text.contains("IN USE by λ invoice-renderer"), "{text}");

    // Lambda at a closed port: unreachable, not denied, and still not an error.
    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let output = berth(
        &["audit", "--output", "json"],
        &[("AWS_ENDPOINT_URL_LAMBDA", closed)],
    );
    assert_eq!(output.status.code(), Some(0));
    let report = json_of(&output);
    assert_eq!(
        report["registries"][0]["in_use_unknown"],
        json!(["in-use unknown (Unreachable on lambda:ListFunctions)"])
    );
}

// ---------------------------------------------------------------------------------------
// The TUI: the in-use column, the u / U filters, the delete warning and the status note.

#[test]
fn images_pane_shows_the_in_use_column_and_filters_with_u() {
    let tui = Tui::spawn(&["web/frontend"], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("ecs:1");
    let mut tui = tui;
    tui.send("u");
    let screen = tui.wait_until("only images in use", |screen| {
        screen.contents().contains("in use") && screen.contents().matches("ecs:1").count() == 1
    });
    assert!(screen.contains("ecs:1"), "{screen}");
    tui.send("U");
    let screen = tui.wait_gone("ecs:1");
    assert!(screen.contains("not in use"), "{screen}");
    tui.send("q");
}

#[test]
fn deleting_an_in_use_image_warns_and_needs_a_second_yes() {
    let mut tui = Tui::spawn(&["web/frontend"], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("ecs:1");
    tui.send("u");
    tui.wait_until("the in-use filter on", |s| {
        Tui::status_line(s).contains("[in use]")
    });
    tui.send("d");
    let screen = tui.wait_for("IN USE");
    assert!(
        screen.contains("service web-frontend (prod) by tag"),
        "{screen}"
    );
    tui.send("y");
    tui.wait_for("in-use image anyway");
    tui.send(keys::ESC);
    tui.wait_gone("in-use image anyway");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_missing_ecs_permission_shows_in_use_unknown_in_the_tui() {
    let proxy = ecs_denied();
    let mut env = Sandbox::shared().env();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL_ECS");
    env.push(("AWS_ENDPOINT_URL_ECS".into(), proxy.url()));
    let mut tui = Tui::spawn(&["web/frontend"], &env, 200, 50);
    tui.wait_for("in-use unknown (missing ecs:ListClusters)");
    tui.send("q");
}

#[test]
fn the_lifecycle_view_says_how_many_expiring_images_are_running() {
    // A sandbox of its own: web/frontend's policy becomes KEEP_NEWEST, whose outcome the
    // test computes from an SDK listing and the seed.
    let sandbox = Sandbox::standard();
    Sandbox::runtime().block_on(async {
        sandbox
            .ecr(REGION)
            .await
            .put_lifecycle_policy()
            .repository_name("web/frontend")
            .lifecycle_policy_text(KEEP_NEWEST)
            .send()
            .await
            .expect("PutLifecyclePolicy")
    });
    let truth = truth_of(&sandbox);
    let (expiring, running) = keep_newest_figures(&sandbox, &truth, "web/frontend");
    assert!(expiring > 1 && running >= 1, "{running} of {expiring}");
    let expected = format!("{running} of {expiring} expiring images are running");
    let mut tui = Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("ecs:1");
    tui.send("L");
    tui.wait_for("lifecycle dry run · web/frontend");
    tui.wait_for(&expected);
    tui.send("q");
}
