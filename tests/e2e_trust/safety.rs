//! The write gate and untrusted registry data: every write goes through the gate (refused
//! in read-only mode, one audit line when attempted), hostile digests never crash the
//! screen, and a platform of a multi-arch index is never offered for deletion.
//!
//! The oracle is the sandbox itself (an aws-sdk-ecr read) and the audit log file, never
//! berth's own output.

use crate::support::Sandbox;
use crate::support::pty::Tui;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn digest_of(manifest: &str) -> String {
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(manifest.as_bytes()))
    )
}

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
    runtime().block_on(async {
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
            let digest = digest_of(&body);
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
    runtime().block_on(async {
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

fn audit_log(sandbox: &Sandbox) -> PathBuf {
    sandbox.home.path().join("state/berth/audit.jsonl")
}

fn audit_lines(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    match std::fs::read_to_string(audit_log(sandbox)) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
            .collect(),
        Err(_) => Vec::new(),
    }
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

/// berth on `repository`'s images, loaded.
fn open(sandbox: &Sandbox, repository: &str, extra: &[&str]) -> Tui {
    let mut args: Vec<&str> = extra.to_vec();
    args.push(repository);
    let tui = Tui::spawn(&args, &sandbox.env(), 160, 40);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading images")
    });
    tui
}

#[test]
fn read_only_refuses_a_scan_before_any_call_and_logs_nothing() {
    let sandbox = Sandbox::empty();
    let repository = "trust/scan-read-only";
    let digests = seed(&sandbox, repository, &[("ro", "v1")]);
    let mut tui = open(&sandbox, repository, &["--read-only"]);
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
        !audit_log(&sandbox).exists(),
        "a refusal is not an attempt: {:?}",
        audit_lines(&sandbox)
    );
}

#[test]
fn a_scan_started_with_x_writes_one_audit_line() {
    let sandbox = Sandbox::empty();
    let repository = "trust/scan-audited";
    let digests = seed(&sandbox, repository, &[("audited", "v1")]);
    let mut tui = open(&sandbox, repository, &[]);
    tui.send("x");
    assert!(
        eventually(|| has_scan(&sandbox, repository, &digests[0])),
        "the sandbox shows the scan started"
    );
    assert!(
        eventually(|| !audit_lines(&sandbox).is_empty()),
        "the scan was attempted but the audit log has no line"
    );
    tui.send("q");
    tui.wait_exit();
    let lines = audit_lines(&sandbox);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "start_scan");
    assert_eq!(lines[0]["repository"], repository);
    assert_eq!(lines[0]["images"][0]["digest"], digests[0].as_str());
}
