//! `berth lifecycle preview`, `berth images` and the lifecycle view end to end: the real
//! binary against the sandbox, its answers checked against what the ECR API says when
//! read independently and run through the engine directly.

mod support;

use berth::lifecycle::{Candidate, evaluate, parse_policy};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::Sandbox;
use support::pty::{Tui, keys};
use support::run::{json_of, stderr};

/// The seeded repositories that carry a lifecycle policy.
const WITH_POLICY: [&str; 4] = [
    "web/frontend",
    "payments/worker",
    "data/etl",
    "ci/build-cache",
];

/// Untagged older than a day, and at most three images of any kind: on every seeded
/// repository this expires something, and on a multi-platform one it reaches the
/// platform images that only the manifest-list rule protects.
const AGGRESSIVE: &str = r#"{"rules":[
  {"rulePriority":1,"description":"untagged after a day","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},
  {"rulePriority":5,"description":"three images at most","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}"#;

/// Run `berth ARGS` against `sandbox`, with `stdin` piped in when given.
fn berth_in(sandbox: &Sandbox, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(sandbox.env())
        // These tests compare the engine's plan exactly; the in-use fields a `--repo`
        // preview adds are tested in e2e_usage.rs.
        .arg("--no-usage")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run berth");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().expect("berth output")
}

/// The engine's plan in a preview's JSON: without `bytes_freed` (and why it is unknown),
/// which the preview adds from the manifests (checked in e2e_storage).
fn engine_plan(preview: &Value) -> Value {
    let mut plan = preview.clone();
    let fields = plan.as_object_mut().expect("an object");
    assert!(
        fields.remove("bytes_freed").is_some_and(|b| b.is_u64()),
        "the sandbox's manifests give every repository's bytes_freed: {preview}"
    );
    assert_eq!(fields.remove("bytes_freed_unknown"), Some(Value::Null));
    plan
}

fn berth(args: &[&str]) -> Output {
    berth_in(Sandbox::shared(), args, None)
}

/// A fixed evaluation instant, to the second, so both sides evaluate the same moment.
fn fixed_now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The repository's images as evaluator candidates, read through the SDK alone: every
/// page of DescribeImages, and BatchGetImage of each manifest list for its children.
/// Tags are sorted, as berth lists them.
async fn independent_candidates(client: &aws_sdk_ecr::Client, repository: &str) -> Vec<Candidate> {
    let images = support::all_images(client, repository).await;
    let indexes: Vec<String> = images
        .iter()
        .filter(|i| {
            i.image_manifest_media_type()
                .is_some_and(|m| m.contains("manifest.list") || m.contains("image.index"))
        })
        .filter_map(|i| i.image_digest().map(str::to_string))
        .collect();
    let mut children = BTreeSet::new();
    for batch in indexes.chunks(100) {
        let out = client
            .batch_get_image()
            .repository_name(repository)
            .set_image_ids(Some(
                batch
                    .iter()
                    .map(|d| {
                        aws_sdk_ecr::types::ImageIdentifier::builder()
                            .image_digest(d)
                            .build()
                    })
                    .collect(),
            ))
            .accepted_media_types("application/vnd.oci.image.index.v1+json")
            .accepted_media_types("application/vnd.docker.distribution.manifest.list.v2+json")
            .send()
            .await
            .expect("BatchGetImage");
        assert!(out.failures().is_empty(), "{:?}", out.failures());
        for image in out.images() {
            let manifest: Value = serde_json::from_str(image.image_manifest().unwrap()).unwrap();
            for entry in manifest["manifests"].as_array().unwrap() {
                children.insert(entry["digest"].as_str().unwrap().to_string());
            }
        }
    }
    images
        .iter()
        .map(|image| {
            let pushed = image.image_pushed_at().expect("pushed at");
            let digest = image.image_digest().unwrap().to_string();
            let mut tags = image.image_tags().to_vec();
            tags.sort();
            Candidate {
                referenced_by_manifest_list: children.contains(&digest),
                digest,
                tags,
                pushed_at: Timestamp::new(pushed.secs(), pushed.subsec_nanos() as i32).unwrap(),
                size_bytes: image.image_size_in_bytes().unwrap_or(0) as u64,
                last_pulled_at: image
                    .last_recorded_pull_time()
                    .map(|t| Timestamp::new(t.secs(), t.subsec_nanos() as i32).unwrap()),
            }
        })
        .collect()
}

/// The engine's JSON for `policy` over the repository's images, computed in-process.
async fn independent_plan(repository: &str, policy: Option<&str>, now: Timestamp) -> Value {
    let client = Sandbox::shared().ecr("us-east-1").await;
    let text = match policy {
        Some(text) => text.to_string(),
        None => client
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .expect("GetLifecyclePolicy")
            .lifecycle_policy_text()
            .unwrap()
            .to_string(),
    };
    let policy = parse_policy(&text).expect("the policy parses");
    let candidates = independent_candidates(&client, repository).await;
    serde_json::to_value(evaluate(&policy, &candidates, now)).unwrap()
}

#[test]
fn preview_of_each_seeded_policy_matches_the_engine_run_on_the_api_answers() {
    let now = fixed_now();
    let mut expired_somewhere = 0;
    for repository in WITH_POLICY {
        let ours = json_of(&berth(&[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--now",
            &now.to_string(),
            "--output",
            "json",
        ]));
        let theirs = Sandbox::runtime().block_on(independent_plan(repository, None, now));
        assert_eq!(engine_plan(&ours), theirs, "{repository}");
        let expired = ours["expired"].as_array().unwrap();
        expired_somewhere += expired.len();
        // Oldest push first: the digests appear in the order the engine ranks them.
        let count = ours["expired_count"].as_u64().unwrap() as usize;
        assert_eq!(expired.len(), count);
        assert_eq!(
            ours["kept_count"].as_u64().unwrap() as usize + count,
            Sandbox::runtime().block_on(async {
                support::all_images(&Sandbox::shared().ecr("us-east-1").await, repository)
                    .await
                    .len()
            })
        );
    }
    assert!(
        expired_somewhere > 0,
        "the seeded policies should expire something"
    );
}

#[test]
fn platform_images_of_a_manifest_list_are_never_previewed_as_expiring() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "aggressive.json", AGGRESSIVE);
    let now = fixed_now();
    for repository in ["base/python", "base/node", "infra/otel-collector"] {
        let ours = json_of(&berth(&[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--policy",
            &policy,
            "--now",
            &now.to_string(),
            "--output",
            "json",
        ]));
        let theirs =
            Sandbox::runtime().block_on(independent_plan(repository, Some(AGGRESSIVE), now));
        assert_eq!(engine_plan(&ours), theirs, "{repository}");
        let client = Sandbox::runtime().block_on(Sandbox::shared().ecr("us-east-1"));
        let children: BTreeSet<String> = Sandbox::runtime()
            .block_on(independent_candidates(&client, repository))
            .into_iter()
            .filter(|c| c.referenced_by_manifest_list)
            .map(|c| c.digest)
            .collect();
        assert!(
            !children.is_empty(),
            "{repository} should hold platform images"
        );
        for image in ours["expired"].as_array().unwrap() {
            assert!(
                !children.contains(image["digest"].as_str().unwrap()),
                "{repository}: a platform image is previewed as expiring: {image}"
            );
        }
    }
}

#[test]
fn images_json_feeds_the_offline_preview_through_a_file_and_through_stdin() {
    let repository = "web/frontend";
    let listed = berth(&["images", "--repo", repository, "--output", "json"]);
    let records = json_of(&listed);
    let client = Sandbox::runtime().block_on(Sandbox::shared().ecr("us-east-1"));
    let truth = Sandbox::runtime().block_on(independent_candidates(&client, repository));
    let records_array = records.as_array().unwrap();
    assert_eq!(records_array.len(), truth.len());
    // Each record is the engine's ImageRecord shape, with the API's figures.
    for record in records_array {
        let digest = record["digest"].as_str().unwrap();
        let image = truth
            .iter()
            .find(|c| c.digest == digest)
            .expect("a known digest");
        assert_eq!(record["size_bytes"].as_u64().unwrap(), image.size_bytes);
        assert_eq!(
            record["pushed_at"]
                .as_str()
                .unwrap()
                .parse::<Timestamp>()
                .unwrap(),
            // ECR's precision: the SDK's float reading carries nanosecond noise.
            image.pushed_at.round(jiff::Unit::Millisecond).unwrap()
        );
        let tags: Vec<&str> = record["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(tags, image.tags);
        assert!(record["media_type"].is_string());
        assert_eq!(record["referenced_by_manifest_list"], false);
    }

    let dir = tempfile::tempdir().unwrap();
    let images_file = write_temp(
        &dir,
        "images.json",
        &String::from_utf8_lossy(&listed.stdout),
    );
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let now = fixed_now().to_string();
    let online = json_of(&berth(&[
        "lifecycle",
        "preview",
        "--repo",
        repository,
        "--policy",
        &policy,
        "--now",
        &now,
        "--output",
        "json",
    ]));
    let from_file = json_of(&berth(&[
        "lifecycle",
        "preview",
        "--images",
        &images_file,
        "--policy",
        &policy,
        "--now",
        &now,
        "--output",
        "json",
    ]));
    let from_stdin = json_of(&berth_in(
        Sandbox::shared(),
        &[
            "lifecycle",
            "preview",
            "--images",
            "-",
            "--policy",
            &policy,
            "--now",
            &now,
            "--output",
            "json",
        ],
        Some(&listed.stdout),
    ));
    assert_eq!(from_file, online);
    assert_eq!(from_stdin, online);
    assert!(online["expired_count"].as_u64().unwrap() > 0);
}

#[test]
fn images_csv_and_table_list_every_image() {
    let repository = "payments/worker";
    let count = Sandbox::runtime().block_on(async {
        support::all_images(&Sandbox::shared().ecr("us-east-1").await, repository)
            .await
            .len()
    });
    let csv = berth(&["images", "--repo", repository, "--output", "csv"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "digest",
            "tags",
            "pushed_at",
            "size_bytes",
            "last_pulled_at",
            "media_type",
            "referenced_by_manifest_list",
            "layers",
            "unique_bytes"
        ]
    );
    assert_eq!(reader.records().count(), count);
    let table = berth(&["images", "--repo", repository]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("PUSHED (UTC)"), "{text}");
    assert!(text.contains(&format!("\n{count} images, ")), "{text}");
}

#[test]
fn table_output_names_the_policy_and_the_totals() {
    let output = berth(&["lifecycle", "preview", "--repo", "data/etl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("current policy of data/etl:\n"), "{text}");
    assert!(
        text.contains("priority 9: all images: keep the newest 200 images"),
        "{text}"
    );
    assert!(text.contains(" images expire, "), "{text}");
    assert!(text.contains("PRIORITY   MATCHED   EXPIRED"), "{text}");
}

#[test]
fn an_invalid_policy_exits_1_naming_the_rule_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let broken = AGGRESSIVE.replace("\"countNumber\":3", "\"countNumber\":0");
    let policy = write_temp(&dir, "broken.json", &broken);
    let images = write_temp(&dir, "images.json", "[]");
    for source in [["--images", images.as_str()], ["--repo", "web/frontend"]] {
        let output = berth(&[
            "lifecycle",
            "preview",
            "--policy",
            &policy,
            source[0],
            source[1],
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("rule #2 (priority 5)"), "{message}");
        assert!(message.contains("selection.countNumber"), "{message}");
        assert!(output.stdout.is_empty());
    }
    // Not JSON at all: the position is named.
    let policy = write_temp(&dir, "syntax.json", &AGGRESSIVE[..AGGRESSIVE.len() - 3]);
    let output = berth(&[
        "lifecycle",
        "preview",
        "--policy",
        &policy,
        "--images",
        &images,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));
}

#[test]
fn missing_policies_repositories_and_files_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let cases: [(&[&str], &str); 4] = [
        (
            &["lifecycle", "preview", "--repo", "web/admin"],
            "web/admin has no lifecycle policy",
        ),
        (
            &[
                "lifecycle",
                "preview",
                "--repo",
                "no/such-repo",
                "--policy",
                &policy,
            ],
            "repository no/such-repo not found",
        ),
        (
            &[
                "lifecycle",
                "preview",
                "--images",
                "/nonexistent/images.json",
                "--policy",
                &policy,
            ],
            "cannot read image records /nonexistent/images.json",
        ),
        (
            &["images", "--repo", "no/such-repo"],
            "repository no/such-repo not found",
        ),
    ];
    for (args, expected) in cases {
        let output = berth(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let bad_records = write_temp(&dir, "bad.json", r#"[{"digest":"sha256:abc"}]"#);
    let output = berth(&[
        "lifecycle",
        "preview",
        "--images",
        &bad_records,
        "--policy",
        &policy,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("record 1: digest"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let images = write_temp(&dir, "images.json", "[]");
    let cases: [&[&str]; 7] = [
        &["lifecycle", "preview"],
        &["lifecycle", "preview", "--policy", &policy],
        &[
            "lifecycle",
            "preview",
            "--repo",
            "web/frontend",
            "--images",
            &images,
            "--policy",
            &policy,
        ],
        &["lifecycle", "preview", "--images", &images],
        &[
            "lifecycle",
            "preview",
            "--images",
            &images,
            "--policy",
            &policy,
            "--now",
            "yesterday",
        ],
        &[
            "lifecycle",
            "preview",
            "--images",
            &images,
            "--policy",
            &policy,
            "--output",
            "xml",
        ],
        &["lifecycle", "preview", "--images", "-", "--policy", "-"],
    ];
    for args in cases {
        let output = berth(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let output = berth(&[
        "images",
        "--repo",
        "web/frontend",
        "--region",
        "a",
        "--region",
        "b",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = berth(&["images"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn put_lifecycle_policy_is_read_back_by_the_api() {
    // Its own sandbox: this test changes a repository.
    let sandbox = Sandbox::standard();
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let target = berth::ecr::model::RegistryTarget::new(
            berth::ecr::model::CredentialSource::Environment,
            "us-east-1",
        );
        let registry = berth::ecr::EcrRegistry::from_sdk_client(client.clone(), target);
        berth::ecr::RegistryWrite::put_lifecycle_policy(&registry, "web/admin", AGGRESSIVE)
            .await
            .expect("PutLifecyclePolicy");
        let read = client
            .get_lifecycle_policy()
            .repository_name("web/admin")
            .send()
            .await
            .expect("GetLifecyclePolicy");
        assert_eq!(read.lifecycle_policy_text(), Some(AGGRESSIVE));
        // And berth's own reader agrees.
        assert_eq!(
            berth::ecr::policy::lifecycle_policy(&registry, "web/admin")
                .await
                .unwrap()
                .as_deref(),
            Some(AGGRESSIVE)
        );
        // A repository that does not exist is NotFound, not a generic failure.
        let err =
            berth::ecr::RegistryWrite::put_lifecycle_policy(&registry, "no/such-repo", AGGRESSIVE)
                .await
                .unwrap_err();
        assert!(
            matches!(err, berth::ecr::EcrError::NotFound { .. }),
            "{err:?}"
        );
    });
}

#[test]
fn the_sandbox_lacks_ecrs_lifecycle_preview_and_berth_says_unsupported() {
    Sandbox::runtime().block_on(async {
        let client = Sandbox::shared().ecr("us-east-1").await;
        let target = berth::ecr::model::RegistryTarget::new(
            berth::ecr::model::CredentialSource::Environment,
            "us-east-1",
        );
        let registry = berth::ecr::EcrRegistry::from_sdk_client(client, target.clone());
        let state = tempfile::tempdir().unwrap();
        let gate = berth::safety::Mutator::new(
            std::sync::Arc::new(berth::ecr::EcrRegistry::from_sdk_client(
                Sandbox::shared().ecr("us-east-1").await,
                target,
            )),
            berth::safety::JournalContext::new(
                &berth::ecr::model::CredentialSource::Environment,
                "123456789012",
                "us-east-1",
            ),
            berth::journal::Journal::at(state.path().join("audit.jsonl")),
            false,
        );
        let err = berth::runtime::lifecycle::lifecycle_policy_preview(
            &registry,
            &gate,
            "web/frontend",
            Some(AGGRESSIVE),
            std::time::Duration::from_secs(5),
            std::time::Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, berth::ecr::EcrError::Unsupported { .. }),
            "moto has no StartLifecyclePolicyPreview; got {err:?}"
        );
    });
}

/// The summary line the lifecycle view shows for `repository`'s current policy.
fn expected_summary(sandbox: &Sandbox, repository: &str) -> String {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let text = client
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .unwrap()
            .lifecycle_policy_text()
            .unwrap()
            .to_string();
        let candidates = independent_candidates(&client, repository).await;
        let plan = evaluate(&parse_policy(&text).unwrap(), &candidates, Timestamp::now());
        format!(
            "{} of {} images expire",
            plan.expired_count,
            candidates.len()
        )
    })
}

#[test]
fn l_opens_the_dry_run_of_the_repositorys_policy() {
    let sandbox = Sandbox::shared();
    let expected = expected_summary(sandbox, "web/frontend");
    let mut tui = Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("lifecycle dry run · web/frontend · current policy");
    let screen = tui.wait_for(&expected);
    assert!(screen.contains("\"rulePriority\": 1,"), "{screen}");
    assert!(
        screen.contains("images with a tag starting with \"pr-\": keep the newest 30"),
        "{screen}"
    );
    tui.send(keys::ESC);
    tui.wait_gone("lifecycle dry run");
}

#[test]
fn a_puts_the_edited_policy_after_the_repository_name_is_typed() {
    let sandbox = Sandbox::standard();
    // An "editor" that replaces the file with the aggressive policy.
    let dir = tempfile::tempdir().unwrap();
    let replacement = write_temp(&dir, "replacement.json", AGGRESSIVE);
    let editor = write_temp(
        &dir,
        "editor.sh",
        &format!("#!/bin/sh\ncp '{replacement}' \"$1\"\n"),
    );
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut env = sandbox.env();
    env.push(("EDITOR".into(), editor));
    let mut tui = Tui::spawn(&["web/admin"], &env, 200, 50);
    tui.wait_for("repositories › web/admin");
    tui.send("L");
    tui.wait_for("lifecycle dry run · web/admin · no policy");
    tui.wait_for("no policy — nothing expires");
    tui.send("e");
    tui.wait_for("edited, not applied");
    tui.wait_for("dry run updated");
    tui.send("a");
    tui.wait_for("Type the repository name to apply");
    tui.send("web/admin");
    tui.send(keys::ENTER);
    tui.wait_for("lifecycle policy applied to web/admin");
    let text = Sandbox::runtime().block_on(async {
        sandbox
            .ecr("us-east-1")
            .await
            .get_lifecycle_policy()
            .repository_name("web/admin")
            .send()
            .await
            .expect("the policy was put")
            .lifecycle_policy_text()
            .map(str::to_string)
    });
    assert_eq!(text.as_deref(), Some(AGGRESSIVE));
    // The change went through the safety gate: one audit line with the policy text.
    let log = sandbox.test_home().join("state/berth/audit.jsonl");
    let log = std::fs::read_to_string(&log).expect("the audit log was written");
    let entry: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(entry["action"], "put_lifecycle_policy");
    assert_eq!(entry["repository"], "web/admin");
    assert_eq!(entry["policy"], AGGRESSIVE);
}

#[test]
fn read_only_mode_refuses_to_apply() {
    let sandbox = Sandbox::shared();
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let mut tui = Tui::spawn(&["--read-only", "web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("current policy");
    tui.send("o");
    tui.wait_for("policy file (JSON):");
    tui.send(&policy);
    tui.send(keys::ENTER);
    tui.wait_for("not applied");
    tui.send("a");
    tui.wait_for("read-only mode: putting a lifecycle policy on web/frontend was not attempted");
}

#[test]
fn p_reports_that_the_sandbox_has_no_ecr_preview() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("current policy");
    tui.wait_for(" images expire");
    tui.send("p");
    tui.wait_for("ECR preview: this endpoint does not offer ECR's lifecycle preview");
    // The dry run itself is untouched.
    assert!(tui.screen().contains(" images expire"));
}
