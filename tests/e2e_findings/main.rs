//! Scan findings end to end: the real binary and the real ECR layer against the sandbox,
//! checked against an independent aws-sdk-ecr read of the same registry.

mod cli;
mod scans;
#[path = "../support/mod.rs"]
mod support;
mod tui;

use aws_sdk_ecr::types::{ImageIdentifier, ScanStatus};
use berth::app::findings::{FindingsEffect, FindingsEvent};
use berth::ecr::EcrError;
use berth::ecr::EcrRegistry;
use berth::ecr::RegistryWrite;
use berth::ecr::findings::{NOT_SCANNED, PollSchedule, ScanBackend, ScanRegistry, wait_for_scan};
use berth::ecr::model::{CredentialSource, RegistryTarget};
use berth::ecr::mutate::ImageRef;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::Sandbox;
use support::pty::{Tui, keys};

/// Another for the tests that start scans, each on images no other test touches.
fn scan_sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(Sandbox::standard)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Run `berth ARGS` against the sandbox: (exit code, stdout bytes, stderr).
fn berth(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = support::run::berth(&Sandbox::shared().env(), args);
    (
        support::run::code(&out),
        out.stdout.clone(),
        support::run::stderr(&out),
    )
}

fn berth_json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = berth(args);
    assert_eq!(code, 0, "berth {args:?} failed: {stderr}");
    serde_json::from_slice(&stdout).expect("berth findings --output json prints JSON")
}

/// A finding as both sides can name it.
type Key = (String, String, String); // (name, severity, package)

/// The truth, read with the SDK: each scanned image's findings and its DescribeImages
/// severity counts (UNTRIAGED read as UNDEFINED, as berth does).
#[derive(Debug, Default)]
struct Truth {
    images: usize,
    findings: BTreeMap<String, BTreeSet<Key>>,
    counts: BTreeMap<String, BTreeMap<String, i64>>,
    repositories: BTreeMap<String, String>,
}

fn severity_name(text: &str) -> String {
    if text == "UNTRIAGED" {
        "UNDEFINED".into()
    } else {
        text.to_string()
    }
}

async fn truth(
    client: &aws_sdk_ecr::Client,
    repositories: &[&str],
    only: impl Fn(&BTreeMap<String, i64>) -> bool,
) -> Truth {
    let mut truth = Truth::default();
    for repository in repositories {
        for image in support::all_images(client, repository).await {
            truth.images += 1;
            let status = image.image_scan_status().and_then(|s| s.status());
            if !matches!(status, Some(ScanStatus::Complete | ScanStatus::Active)) {
                continue;
            }
            let digest = image.image_digest().unwrap().to_string();
            let mut counts = BTreeMap::new();
            if let Some(map) = image
                .image_scan_findings_summary()
                .and_then(|s| s.finding_severity_counts())
            {
                for (severity, n) in map {
                    *counts.entry(severity_name(severity.as_str())).or_insert(0) += i64::from(*n);
                }
            }
            counts.retain(|_, n| *n > 0);
            if !only(&counts) {
                continue;
            }
            let mut keys = BTreeSet::new();
            let mut token = None;
            loop {
                // Small pages on purpose: the truth pages too.
                let page = client
                    .describe_image_scan_findings()
                    .repository_name(*repository)
                    .image_id(ImageIdentifier::builder().image_digest(&digest).build())
                    .max_results(50)
                    .set_next_token(token)
                    .send()
                    .await
                    .expect("DescribeImageScanFindings");
                let found = page.image_scan_findings().unwrap();
                for f in found.findings() {
                    let package = f
                        .attributes()
                        .iter()
                        .find(|a| a.key() == "package_name")
                        .and_then(|a| a.value())
                        .unwrap_or_default();
                    keys.insert((
                        f.name().unwrap().to_string(),
                        f.severity().unwrap().as_str().to_string(),
                        berth::sanitize::sanitize(package).into_owned(),
                    ));
                }
                for f in found.enhanced_findings() {
                    let details = f.package_vulnerability_details().unwrap();
                    keys.insert((
                        details.vulnerability_id().unwrap().to_string(),
                        severity_name(f.severity().unwrap()),
                        details.vulnerable_packages()[0].name().unwrap().to_string(),
                    ));
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            truth.findings.insert(digest.clone(), keys);
            truth.counts.insert(digest.clone(), counts);
            truth.repositories.insert(digest, repository.to_string());
        }
    }
    truth
}

fn keys_of(image: &Value) -> BTreeSet<Key> {
    image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["package_name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
