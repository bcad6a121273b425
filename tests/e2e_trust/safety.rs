//! The write gate and untrusted registry data: every write goes through the gate (refused
//! in read-only mode, one audit line when attempted), hostile digests never crash the
//! screen, and a platform of a multi-arch index is never offered for deletion.
//!
//! The oracle is the sandbox itself (an aws-sdk-ecr read) and the audit log file, never
//! berth's own output.

use crate::support::Sandbox;
use crate::support::proxy::{Proxy, ProxyConfig};
use crate::support::pty::Tui;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";

/// A distinct single-platform manifest per label.
fn manifest(label: &str) -> String {
    let hash = |what: &str| hex::encode(Sha256::digest(format!("{what} {label}").as_bytes()));
    serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": 1469, "digest": format!("sha256:{}", hash("config"))},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 31_457_280, "digest": format!("sha256:{}", hash("layer"))}]
    })
    .to_string()
}

/// Create `repository` and push one image per `(label, tag)`; the digests, in order.
fn seed(sandbox: &Sandbox, repository: &str, images: &[(&str, &str)]) -> Vec<String> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr(REGION).await;
        client
            .create_repository()
            .repository_name(repository)
            .send()
            .await
            .unwrap();
        let mut digests = Vec::new();
        for (label, tag) in images {
            let body = manifest(label);
            let digest = crate::support::digest_of(body.as_bytes());
            client
                .put_image()
                .repository_name(repository)
                .image_manifest(&body)
                .image_digest(&digest)
                .image_tag(*tag)
                .send()
                .await
                .unwrap();
            digests.push(digest);
        }
        digests
    })
}

/// Whether the sandbox holds a scan of `digest` (it answers ScanNotFoundException for an
/// image never scanned).
fn has_scan(sandbox: &Sandbox, repository: &str, digest: &str) -> bool {
    Sandbox::runtime().block_on(async {
        sandbox
            .ecr(REGION)
            .await
            .describe_image_scan_findings()
            .repository_name(repository)
            .image_id(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_digest(digest)
                    .build(),
            )
            .send()
            .await
            .is_ok()
    })
}

/// Poll `check` until it holds or the deadline passes; whether it held.
fn eventually(check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + crate::support::pty::DEADLINE;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    check()
}

#[test]
fn read_only_refuses_a_scan_before_any_call_and_logs_nothing() {
    let sandbox = Sandbox::empty();
    let repository = "trust/scan-read-only";
    let digests = seed(&sandbox, repository, &[("ro", "v1")]);
    let mut tui = Tui::open_images(&sandbox.env(), repository, &["--read-only"]);
    tui.send("x");
    tui.wait_for(&format!(
        "read-only mode: start a scan on {repository} was not attempted"
    ));
    // Give a scan that slipped through every chance to reach the registry.
    tui.send("q");
    tui.wait_exit();
    assert!(
        !has_scan(&sandbox, repository, &digests[0]),
        "the sandbox shows no scan started"
    );
    assert!(
        !crate::support::audit_log_path(&sandbox.test_home()).exists(),
        "a refusal is not an attempt: {:?}",
        crate::support::audit_log_lines(&sandbox.test_home())
    );
}

#[test]
fn a_scan_started_with_x_writes_one_audit_line() {
    let sandbox = Sandbox::empty();
    let repository = "trust/scan-audited";
    let digests = seed(&sandbox, repository, &[("audited", "v1")]);
    let mut tui = Tui::open_images(&sandbox.env(), repository, &[]);
    tui.send("x");
    assert!(
        eventually(|| has_scan(&sandbox, repository, &digests[0])),
        "the sandbox shows the scan started"
    );
    assert!(
        eventually(|| !crate::support::audit_log_lines(&sandbox.test_home()).is_empty()),
        "the scan was attempted but the audit log has no line"
    );
    tui.send("q");
    tui.wait_exit();
    let lines = crate::support::audit_log_lines(&sandbox.test_home());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "start_scan");
    assert_eq!(lines[0]["repository"], repository);
    assert_eq!(lines[0]["images"][0]["digest"], digests[0].as_str());
}

/// POST one of the sandbox's own routes.
fn route(sandbox: &Sandbox, name: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, answer) = crate::support::proxy::http_call(
        &sandbox.endpoint,
        "POST",
        &format!("/moto-api/berth/{name}"),
        "application/json",
        body.to_string().as_bytes(),
    )
    .expect("call the sandbox");
    assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&answer));
    serde_json::from_slice(&answer).expect("the sandbox answers JSON")
}

/// The digest a hostile endpoint sends: the 19th byte falls inside `é`, where berth used
/// to cut every digest for display.
fn hostile_digest() -> String {
    format!("sha256:{}é界{}", "a".repeat(11), "b".repeat(40))
}

#[test]
fn a_digest_with_non_ascii_characters_is_shown_and_copy_refuses() {
    let sandbox = Sandbox::empty();
    let repository = "trust/hostile-digest";
    let digests = seed(&sandbox, repository, &[("hostile", "v1")]);
    route(
        &sandbox,
        "unchecked-digest",
        serde_json::json!({"region": REGION, "repository": repository,
                           "digest": digests[0], "new_digest": hostile_digest()}),
    );
    // The oracle: the registry really sends that digest.
    let sent = Sandbox::runtime().block_on(async {
        crate::support::all_images(&sandbox.ecr(REGION).await, repository)
            .await
            .iter()
            .map(|i| i.image_digest().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    });
    assert_eq!(sent, [hostile_digest()]);

    let mut tui = Tui::open_images(&sandbox.env(), repository, &[]);
    // Shown, cut on a character boundary: the 12 characters after `sha256:`.
    let screen = tui.wait_for("aaaaaaaaaaaé");
    assert!(screen.contains("v1"), "{screen}");
    let copied_before = tui.clipboard().len();
    tui.send("y");
    tui.wait_for("cannot copy a pinned URI");
    assert_eq!(
        tui.clipboard().len(),
        copied_before,
        "nothing was put on the clipboard"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "berth exits normally, no panic");
}

/// An OCI index over two platform manifests, pushed to `repository`: the index tagged
/// `tag`, the platforms untagged. Returns (index digest, [platform digests]).
fn push_index(sandbox: &Sandbox, repository: &str, tag: &str) -> (String, Vec<String>) {
    let platforms: Vec<String> = ["amd64", "arm64"]
        .iter()
        .map(|arch| manifest(&format!("{repository} {arch}")))
        .collect();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": platforms.iter().zip(["amd64", "arm64"]).map(|(body, arch)| serde_json::json!({
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "digest": crate::support::digest_of(body.as_bytes()),
            "size": body.len(),
            "platform": {"architecture": arch, "os": "linux"}
        })).collect::<Vec<_>>()
    })
    .to_string();
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr(REGION).await;
        for body in &platforms {
            client
                .put_image()
                .repository_name(repository)
                .image_manifest(body)
                .image_manifest_media_type("application/vnd.docker.distribution.manifest.v2+json")
                .image_digest(crate::support::digest_of(body.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        client
            .put_image()
            .repository_name(repository)
            .image_manifest(&index)
            .image_manifest_media_type("application/vnd.oci.image.index.v1+json")
            .image_digest(crate::support::digest_of(index.as_bytes()))
            .image_tag(tag)
            .send()
            .await
            .unwrap();
    });
    (
        crate::support::digest_of(index.as_bytes()),
        platforms
            .iter()
            .map(|b| crate::support::digest_of(b.as_bytes()))
            .collect(),
    )
}

/// The 12 hex characters the DIGEST column shows.
fn short_hex(digest: &str) -> &str {
    &digest["sha256:".len().."sha256:".len() + 12]
}

#[test]
fn d_on_a_platform_of_an_index_is_refused_before_any_call() {
    let sandbox = Sandbox::empty();
    let repository = "trust/multi-arch";
    seed(&sandbox, repository, &[("plain", "plain")]);
    let (index, platforms) = push_index(&sandbox, repository, "v1");
    // Every call goes through the proxy, which counts each operation it forwards.
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let mut env = sandbox.env();
    env.retain(|(name, _)| name != "AWS_ENDPOINT_URL_ECR");
    env.push(("AWS_ENDPOINT_URL_ECR".into(), proxy.url()));
    let mut tui = Tui::open_images(&env, repository, &[]);
    // Wide enough for the TAGS column to hold the whole note beside the size columns.
    tui.resize_and_redraw(200, 40);
    // Every manifest as its own row (the platforms fold under their index otherwise).
    tui.send("Z");
    // The platforms are marked as such, naming their index.
    let screen = tui.wait_for("<untagged> platform of v1");
    // Select the first platform's row (rows start on the third screen line).
    let row = screen
        .lines()
        .position(|line| line.contains(short_hex(&platforms[0])))
        .expect("the platform is listed");
    for _ in 2..row {
        tui.send("j");
    }
    tui.send("d");
    tui.wait_for(&format!(
        "cannot delete sha256:{}: it is a platform of the multi-arch index v1 (sha256:{})",
        short_hex(&platforms[0]),
        short_hex(&index)
    ));
    assert!(
        !tui.screen().contains("confirm delete"),
        "nothing to confirm"
    );

    // A bulk delete leaves both platforms out and says so.
    tui.send("V");
    tui.wait_for("4 marked");
    tui.send("d");
    tui.wait_for("2 skipped: platforms of a multi-arch index");
    tui.send("n");
    tui.wait_gone("confirm delete");
    tui.send("q");
    tui.wait_exit();
    // The listing went through the proxy, and no delete reached it.
    let stats = proxy.stats();
    assert!(stats.count("DescribeImages") > 0, "{}", stats.to_json());
    assert_eq!(stats.count("BatchDeleteImage"), 0, "{}", stats.to_json());

    let listed: Vec<String> = Sandbox::runtime().block_on(async {
        crate::support::all_images(&sandbox.ecr(REGION).await, repository)
            .await
            .iter()
            .map(|i| i.image_digest().unwrap_or_default().to_string())
            .collect()
    });
    for platform in &platforms {
        assert!(listed.contains(platform), "{platform} still exists");
    }
    assert!(
        !crate::support::audit_log_path(&sandbox.test_home()).exists(),
        "no delete was attempted: {:?}",
        crate::support::audit_log_lines(&sandbox.test_home())
    );
}
