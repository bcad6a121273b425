//! True storage, headless, end to end: `berth images` and `berth lifecycle preview`
//! against the sandbox and plain moto, every figure checked against manifests the test
//! reads itself with aws-sdk-ecr (tests/support/storage.rs), and the manifest cache seen
//! from the wire.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig};
use support::run::{berth, code, json_of, stderr, stdout};
use support::storage::RepositoryTruth;

/// The truth of `repository` in us-east-1 of `sandbox`.
fn truth(sandbox: &Sandbox, repository: &str) -> RepositoryTruth {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        RepositoryTruth::read(&client, repository).await
    })
}

/// `berth images --repo REPO --output json` through `endpoint` in `env`.
fn images_json(env: &[(String, String)], endpoint: &str, repository: &str) -> Value {
    let mut env = env.to_vec();
    env.push(("AWS_ENDPOINT_URL_ECR".into(), endpoint.to_string()));
    let output = berth(&env, &["images", "--repo", repository, "--output", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    json_of(&output)
}

/// Each record's `layers` are the blobs its manifests name and its `unique_bytes` what
/// deleting it alone frees, as the test computes them.
fn assert_records_match(records: &Value, truth: &RepositoryTruth, repository: &str) {
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), truth.listed_sizes.len(), "{repository}");
    for record in records {
        let digest = record["digest"].as_str().unwrap();
        let layers: BTreeSet<(String, u64)> = record["layers"]
            .as_array()
            .unwrap_or_else(|| panic!("{repository} {digest}: no layers in {record}"))
            .iter()
            .map(|l| {
                (
                    l["digest"].as_str().unwrap().to_string(),
                    l["size"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            layers,
            truth.closure(digest),
            "{repository} {digest} layers"
        );
        assert_eq!(
            record["unique_bytes"].as_u64(),
            Some(truth.unique_bytes(digest)),
            "{repository} {digest} unique_bytes"
        );
    }
}

#[test]
fn images_carry_their_layers_and_unique_bytes_as_the_manifests_give_them() {
    let sandbox = Sandbox::shared();
    let env = sandbox.env();
    // web/frontend: images on one base; base/python: multi-arch indexes over children.
    for repository in ["web/frontend", "base/python"] {
        let truth = truth(sandbox, repository);
        let listed: u64 = truth.listed_sizes.values().sum();
        assert!(
            truth.stored_bytes() < listed,
            "{repository}: the seed shares layers, so summed sizes overstate"
        );
        let records = images_json(&env, &sandbox.endpoint, repository);
        assert_records_match(&records, &truth, repository);
    }
}

#[test]
fn the_manifest_cache_spares_the_registry_until_cleared() {
    let sandbox = Sandbox::shared();
    let env = sandbox.env();
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let calls = || proxy.stats().count("BatchGetImage");

    let first = images_json(&env, &proxy.url(), "web/admin");
    let after_first = calls();
    assert!(after_first > 0);
    let second = images_json(&env, &proxy.url(), "web/admin");
    assert_eq!(calls(), after_first, "the second run read only the cache");
    assert_eq!(first, second);

    let cleared = berth(&env, &["cache", "clear"]);
    assert_eq!(code(&cleared), 0, "{}", stderr(&cleared));
    let manifests = first.as_array().unwrap().len();
    assert!(
        stdout(&cleared).starts_with(&format!("removed {manifests} cached manifests")),
        "{}",
        stdout(&cleared)
    );
    let third = images_json(&env, &proxy.url(), "web/admin");
    assert!(
        calls() > after_first,
        "after clearing, manifests are read again"
    );
    assert_eq!(third, first);
}

/// The current lifecycle policy of `repository`, written to a file in `dir`.
fn policy_file(sandbox: &Sandbox, repository: &str, dir: &std::path::Path) -> String {
    let text = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let out = client
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .expect("the seed gives it a policy");
        out.lifecycle_policy_text().unwrap().to_string()
    });
    let path = dir.join("policy.json");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn expired_digests(plan: &Value) -> BTreeSet<String> {
    plan["expired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_lifecycle_preview_says_what_the_expiring_images_really_free() {
    let sandbox = Sandbox::shared();
    let env = sandbox.env();
    let repository = "web/frontend";
    let truth = truth(sandbox, repository);
    let dir = tempfile::tempdir().unwrap();
    let policy = policy_file(sandbox, repository, dir.path());

    let online = berth(
        &env,
        &[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--output",
            "json",
            "--no-usage",
        ],
    );
    assert_eq!(code(&online), 0, "{}", stderr(&online));
    let online = json_of(&online);
    let expired = expired_digests(&online);
    assert!(!expired.is_empty(), "the seeded policy expires images");
    let freed = truth.bytes_freed(&expired);
    assert_eq!(online["bytes_freed"].as_u64(), Some(freed));
    assert_eq!(
        online["bytes_reclaimed"].as_u64(),
        Some(truth.listed_bytes(&expired))
    );
    assert!(freed < truth.listed_bytes(&expired), "shared layers stay");

    // Offline, from the records berth images writes: the same figure.
    let records = images_json(&env, &sandbox.endpoint, repository);
    let images = dir.path().join("images.json");
    std::fs::write(&images, records.to_string()).unwrap();
    let offline = |images: &std::path::Path| {
        let output = berth(
            &env,
            &[
                "lifecycle",
                "preview",
                "--policy",
                &policy,
                "--images",
                images.to_str().unwrap(),
                "--output",
                "json",
            ],
        );
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        json_of(&output)
    };
    let from_records = offline(&images);
    assert_eq!(expired_digests(&from_records), expired);
    assert_eq!(from_records["bytes_freed"].as_u64(), Some(freed));

    // Records without layers: the figure is unknown, never guessed.
    let mut bare = records.clone();
    for record in bare.as_array_mut().unwrap() {
        record.as_object_mut().unwrap().remove("layers");
    }
    let bare_path = dir.path().join("bare.json");
    std::fs::write(&bare_path, bare.to_string()).unwrap();
    let unknown = offline(&bare_path);
    assert_eq!(unknown["bytes_freed"], Value::Null);
    assert!(
        unknown["bytes_freed_unknown"]
            .as_str()
            .is_some_and(|why| why.contains("layers")),
        "{unknown}"
    );
}

/// A Docker v2 manifest of image `n`: a shared 5 MB base layer, its own config and app
/// layer.
fn manifest(n: u64) -> String {
    serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "size": 1000 + n, "digest": format!("sha256:{:064x}", n + 1)},
                "layers": [
                {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                 "size": 5_000_000, "digest": format!("sha256:{:064x}", 0xba5e)},
                    {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 20_000 * (n + 1), "digest": format!("sha256:{:064x}", n + 100)}
                ]
    })
    .to_string()
}

/// Put image `n` into `repository`, with the digest ECR would give it, or (`None`)
/// letting plain moto make up one that is not the manifest's sha256.
async fn put(client: &aws_sdk_ecr::Client, repository: &str, n: u64, digest: Option<String>) {
    client
        .put_image()
        .repository_name(repository)
        .image_manifest(manifest(n))
        .set_image_digest(digest)
        .image_tag(format!("v{n}"))
        .send()
        .await
        .unwrap();
}

#[test]
fn plain_moto_gives_the_same_figures_and_an_unverifiable_manifest_a_bound() {
    let sandbox = Sandbox::plain_moto();
    let repository = "plain/shared";
    let runtime = Sandbox::runtime();
    let client = runtime.block_on(sandbox.ecr("us-east-1"));
    runtime.block_on(async {
        client
            .create_repository()
            .repository_name(repository)
            .send()
            .await
            .unwrap();
        // moto names an image by the sha256 of its layer digests unless told its digest
        // (MOTO-NOTES): seed as ECR would name them.
        for n in 0..3u64 {
            put(
                &client,
                repository,
                n,
                Some(support::digest_of(manifest(n).as_bytes())),
            )
            .await;
        }
    });
    let truth = truth(&sandbox, repository);
    assert_eq!(
        truth.stored_bytes(),
        5_000_000 + 1000 + 1001 + 1002 + 20_000 + 40_000 + 60_000
    );
    let env = sandbox.env();
    let records = images_json(&env, &sandbox.endpoint, repository);
    assert_records_match(&records, &truth, repository);

    let mut env = env;
    env.push(("AWS_ENDPOINT_URL_ECR".into(), sandbox.endpoint.clone()));
    let audit = || {
        let output = berth(&env, &["audit", "--output", "json", "--no-usage"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        json_of(&output)["repositories"][0].clone()
    };
    let row = audit();
    assert_eq!(row["repository"], repository);
    assert_eq!(row["stored_bytes"].as_u64(), Some(truth.stored_bytes()));
    assert_eq!(row["stored_bytes_exact"], true);

    // An image whose digest is not its manifest's sha256 cannot be trusted: the figure
    // becomes a labelled lower bound, never a wrong total.
    runtime.block_on(put(&client, repository, 3, None));
    let row = audit();
    assert_eq!(row["stored_bytes"].as_u64(), Some(truth.stored_bytes()));
    assert_eq!(row["stored_bytes_exact"], false);
    let note = row["storage_note"].as_str().unwrap();
    assert!(note.contains("sha256 is not its digest"), "{note}");
}
