//! `berth lifecycle preview`, `berth images` and the lifecycle view end to end: the real
//! binary against the sandbox, its answers checked against what the ECR API says when
//! read independently and run through the engine directly.

mod cli;
mod registry;
#[path = "../support/mod.rs"]
mod support;
mod tui;

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
                ..Default::default()
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
