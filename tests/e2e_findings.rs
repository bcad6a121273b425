//! Scan findings end to end: the real binary and the real ECR layer against the sandbox,
//! checked against an independent aws-sdk-ecr read of the same registry.

mod support;

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

#[test]
fn headless_json_matches_an_independent_sdk_read() {
    let repositories = ["web/frontend", "security/scanner"];
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let truth = rt.block_on(truth(&client, &repositories, |_| true));
    let report = berth_json(&[
        "findings",
        "--repo",
        "web/frontend",
        "--repo",
        "security/scanner",
        "--output",
        "json",
    ]);

    assert_eq!(report["min_severity"], "UNDEFINED");
    assert_eq!(report["registry"]["account"], "123456789012");
    assert_eq!(report["totals"]["images"], truth.images);
    let images = report["images"].as_array().unwrap();
    let with_findings: BTreeSet<&String> = truth
        .findings
        .iter()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(digest, _)| digest)
        .collect();
    assert_eq!(images.len(), with_findings.len());
    assert!(images.len() > 150, "both repositories are mostly scanned");
    let mut enhanced = 0;
    for image in images {
        let digest = image["digest"].as_str().unwrap().to_string();
        assert_eq!(
            keys_of(image),
            truth.findings[&digest],
            "findings of {digest}"
        );
        let counts: BTreeMap<String, i64> =
            serde_json::from_value(image["severity_counts"].clone()).unwrap();
        assert_eq!(counts, truth.counts[&digest], "counts of {digest}");
        assert_eq!(image["repository"], truth.repositories[&digest].as_str());
        assert!(
            image["uri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("@{digest}"))
        );
        if image["findings_shape"] == "enhanced" {
            enhanced += 1;
            // Inspector's answers carry no counts: berth counted these itself.
            assert_eq!(image["counts_reported"], false);
            assert!(image["findings"][0]["fix_available"].is_string());
        }
    }
    assert!(enhanced >= 10, "security/scanner is scanned by Inspector");
}

#[test]
fn triage_groups_a_shared_cve_across_repositories() {
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let all = rt.block_on(support::all_repositories(&client));
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let truth = rt.block_on(truth(&client, &names, |c| c.contains_key("CRITICAL")));
    let report = berth_json(&[
        "findings",
        "--all",
        "--severity",
        "critical",
        "--output",
        "json",
    ]);

    const SHARED: &str = "CVE-2023-45853";
    let expected: BTreeSet<&String> = truth
        .findings
        .iter()
        .filter(|(_, keys)| keys.iter().any(|(name, _, _)| name == SHARED))
        .map(|(digest, _)| digest)
        .collect();
    let expected_repositories: BTreeSet<&str> = expected
        .iter()
        .map(|d| truth.repositories[*d].as_str())
        .collect();
    assert!(expected.len() >= 20 && expected_repositories.len() >= 4);

    let cves = report["cves"].as_array().unwrap();
    let shared = cves
        .iter()
        .find(|c| c["name"] == SHARED)
        .expect("the shared CVE");
    assert_eq!(shared, &cves[0], "the most widespread critical comes first");
    assert_eq!(shared["images"], expected.len());
    let affected: BTreeSet<&str> = shared["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["digest"].as_str().unwrap())
        .collect();
    assert_eq!(affected, expected.iter().map(|d| d.as_str()).collect());
    let repositories: BTreeSet<&str> = shared["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(repositories, expected_repositories);
    assert_eq!(
        shared["fix_available"], "NO",
        "Inspector says no fix; basic says nothing"
    );
    // Only CRITICAL survives the threshold.
    assert!(cves.iter().all(|c| c["severity"] == "CRITICAL"));
    assert_eq!(report["totals"]["repositories"], all.len());

    let (code, csv, _) = berth(&[
        "findings",
        "--all",
        "--severity",
        "critical",
        "--output",
        "csv",
    ]);
    assert_eq!(code, 0);
    let text = String::from_utf8(csv).unwrap();
    let rows = text
        .lines()
        .filter(|l| l.starts_with(&format!("{SHARED},")))
        .count();
    assert_eq!(rows, expected.len());
}

#[test]
fn hostile_finding_text_reaches_no_output_raw() {
    for format in ["table", "json", "csv"] {
        let (code, stdout, stderr) = berth(&[
            "findings",
            "--repo",
            "web/frontend",
            "--severity",
            "high",
            "--output",
            format,
        ]);
        assert_eq!(code, 0, "{stderr}");
        let text = String::from_utf8(stdout.clone()).expect("UTF-8 output");
        assert!(
            text.contains("CVE-2025-0666"),
            "{format}: the hostile finding is listed"
        );
        assert!(
            !stdout.contains(&0x1b),
            "{format}: a raw ESC reached stdout"
        );
        assert!(
            !stdout.contains(&0x07),
            "{format}: a raw BEL reached stdout"
        );
        assert!(
            !text.contains('\u{9b}'),
            "{format}: a C1 CSI reached stdout"
        );
        for payload in ["cHduZWQtY2xpcGJvYXJk", "pwned-title", "\\u001b", "[6n"] {
            assert!(!text.contains(payload), "{format}: {payload:?} survived");
        }
    }
    let report = berth_json(&[
        "findings",
        "--repo",
        "web/frontend",
        "--severity",
        "high",
        "--output",
        "json",
    ]);
    let hostile = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["findings"].as_array().unwrap())
        .find(|f| f["name"] == "CVE-2025-0666")
        .unwrap();
    let description = hostile["description"].as_str().unwrap();
    assert!(description.starts_with("Terminal injection probe.\u{fffd}"));
    assert!(
        description.len() > 3000,
        "the long text is kept, only made inert"
    );
    assert_eq!(hostile["package_name"], "openssl\u{fffd}");
}

#[test]
fn usage_errors_and_missing_repositories() {
    let (code, _, stderr) = berth(&["findings"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--repo") && stderr.contains("--all"));
    let (code, _, stderr) = berth(&["findings", "--all", "--severity", "severe"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, stdout, stderr) = berth(&["findings", "--repo", "no/such-repo"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("repository no/such-repo not found"),
        "{stderr}"
    );
    let (code, stdout, stderr) = berth(&[
        "findings",
        "--repo",
        "no/such-repo",
        "--repo",
        "security/scanner",
    ]);
    assert_eq!(code, 3, "partial: {stderr}");
    assert!(String::from_utf8(stdout).unwrap().contains("CVE-"));
}

fn registry(rt: &tokio::runtime::Runtime) -> EcrRegistry {
    EcrRegistry::from_sdk_client(
        rt.block_on(scan_sandbox().ecr("us-east-1")),
        RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
    )
}

const FAST: PollSchedule = PollSchedule {
    first: Duration::from_millis(10),
    cap: Duration::from_millis(40),
    max_polls: 20,
};

#[test]
fn a_started_scan_is_polled_to_complete_and_a_second_is_refused_with_ecrs_message() {
    let rt = runtime();
    let ecr = registry(&rt);
    let image = ImageRef::Tag("latest".into());
    let before = rt
        .block_on(ecr.findings_page("web/admin", &image, None))
        .unwrap();
    assert_eq!(before.status, NOT_SCANNED);

    // Scans start by digest, as berth starts them.
    let digest = rt
        .block_on(ecr.resolve("web/admin", &image))
        .unwrap()
        .unwrap();
    let started = rt.block_on(ecr.start_scan("web/admin", &digest)).unwrap();
    assert_eq!(started.status, "IN_PROGRESS");
    let seen = Mutex::new(Vec::new());
    let last = rt
        .block_on(wait_for_scan(&ecr, "web/admin", &image, FAST, |s| {
            seen.lock().unwrap().push(s.status.clone())
        }))
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["IN_PROGRESS", "IN_PROGRESS", "COMPLETE"]
    );
    let scan = rt
        .block_on(ecr.image_findings("web/admin", &image))
        .unwrap();
    assert_eq!(Some(scan.counts.clone()), last.counts);
    assert!(scan.counts_reported);
    assert_eq!(
        scan.findings.len() as u32,
        scan.counts.0.iter().map(|(_, n)| n).sum::<u32>()
    );

    let refused = rt
        .block_on(ecr.start_scan("web/admin", &digest))
        .unwrap_err();
    assert_eq!(refused.code(), "LimitExceededException");
    assert!(
        refused
            .to_string()
            .contains("The scan quota per image has been exceeded"),
        "ECR's words reach the user: {refused}"
    );
}

#[test]
fn the_runner_starts_scans_and_reports_every_status() {
    let rt = runtime();
    let client = rt.block_on(scan_sandbox().ecr("us-east-1"));
    let digests: Vec<String> = rt
        .block_on(support::all_images(&client, "data/dbt"))
        .iter()
        .take(2)
        .map(|i| i.image_digest().unwrap().to_string())
        .collect();
    let backend: Arc<dyn ScanBackend> = Arc::new(registry(&rt));
    let state = tempfile::tempdir().unwrap();
    let gate = berth::safety::Mutator::new(
        Arc::new(registry(&rt)),
        berth::safety::JournalContext::new(
            &CredentialSource::Environment,
            "123456789012",
            "us-east-1",
        ),
        berth::journal::Journal::at(state.path().join("audit.jsonl")),
        false,
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    rt.block_on(berth::runtime::findings::run_with(
        FindingsEffect::StartScans {
            registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
            repository: "data/dbt".into(),
            digests: digests.clone(),
        },
        backend,
        Some(gate),
        move |event| sink.lock().unwrap().push(event),
        FAST,
    ));
    let events = events.lock().unwrap();
    for digest in &digests {
        let statuses: Vec<(String, bool)> = events
            .iter()
            .filter_map(|e| match e {
                FindingsEvent::ScanStatus {
                    digest: d, result, ..
                } if d == digest => {
                    let s = result.as_ref().unwrap();
                    Some((s.status.clone(), s.counts.is_some()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses,
            [
                ("IN_PROGRESS".to_string(), false),
                ("IN_PROGRESS".to_string(), false),
                ("IN_PROGRESS".to_string(), false),
                ("COMPLETE".to_string(), true)
            ],
            "StartImageScan's answer, two polls in progress, then done with counts"
        );
    }
}

#[test]
fn unscannable_images_get_ecrs_refusal_and_the_configuration_reads() {
    let rt = runtime();
    let ecr = registry(&rt);
    let client = rt.block_on(scan_sandbox().ecr("us-east-1"));
    let index = rt
        .block_on(support::all_images(&client, "base/node"))
        .into_iter()
        .find(|i| {
            i.image_manifest_media_type()
                .is_some_and(|m| m.contains("list"))
        })
        .unwrap();
    let digest = index.image_digest().unwrap().to_string();
    match rt.block_on(ecr.start_scan("base/node", &digest)) {
        Err(EcrError::Service { code, message, .. }) => {
            assert_eq!(code, "UnsupportedImageTypeException");
            assert!(message.contains("cannot be scanned"));
        }
        other => panic!("expected ECR's refusal, got {other:?}"),
    }
    let config = rt.block_on(ecr.scanning_configuration()).unwrap();
    assert_eq!(config.scan_type, "BASIC");
}

// ---------------------------------------------------------------------------------------
// The terminal UI: `f` opens an image's findings, `:criticals` the triage view, `x` scans.

fn open_web_frontend_latest() -> Tui {
    let mut tui = Tui::spawn(&["web/frontend:latest"], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.wait_until("the images to load", |s| {
        !s.contents().contains("loading images")
    });
    tui.send("f");
    tui.wait_for("CVE-");
    tui
}

#[test]
fn the_findings_pane_shows_hostile_text_harmlessly() {
    let mut tui = open_web_frontend_latest();
    tui.send("/");
    tui.send("0666");
    tui.send(keys::ENTER);
    tui.wait_until("the filter applied", |s| {
        Tui::status_line(s).contains("filter: 0666")
            && s.contents()
                .lines()
                .nth(3)
                .is_some_and(|l| l.starts_with("HIGH"))
    });
    tui.send(keys::ENTER);
    let screen = tui.wait_for("Description");
    // Each removed sequence or control character is marked with U+FFFD, in place.
    assert!(
        screen.contains("Terminal injection probe.\u{fffd}\u{fffd}\u{fffd}\u{fffd} bell:\u{fffd} status report:\u{fffd} colour:\u{fffd}red\u{fffd} c1:\u{fffd}31m"),
        "{screen}"
    );
    assert!(
        screen.contains("package: openssl\u{fffd} 3.0.11\u{fffd}"),
        "{screen}"
    );
    tui.send(keys::END);
    tui.wait_for("Attributes");
    let raw = tui.raw_output();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Terminal injection probe.\u{fffd}"));
    for payload in [
        "cHduZWQtY2xpcGJvYXJk",
        "pwned-title",
        "\u{1b}[6n",
        "\u{1b}]52",
        "\u{9b}",
    ] {
        assert!(!text.contains(payload), "{payload:?} reached the terminal");
    }
    assert!(!raw.contains(&0x07), "a BEL reached the terminal");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_findings_pane_lists_seeded_cves_in_severity_order_and_toggles_filter() {
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let truth = rt.block_on(truth(&client, &["web/frontend"], |_| true));
    let described = rt
        .block_on(
            client
                .describe_images()
                .repository_name("web/frontend")
                .image_ids(ImageIdentifier::builder().image_tag("latest").build())
                .send(),
        )
        .unwrap();
    let [latest] = described.image_details() else {
        panic!("one image tagged latest")
    };
    let expected = &truth.findings[latest.image_digest().unwrap()];
    let tui = open_web_frontend_latest();
    let rank = |s: &str| {
        ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNDEF"]
            .iter()
            .position(|w| *w == s)
    };
    let screen = tui.wait_until("every finding listed", |s| {
        let text = s.contents();
        expected
            .iter()
            .all(|(name, _, _)| text.contains(name.as_str()))
    });
    let severities: Vec<usize> = screen
        .lines()
        .filter_map(|l| l.split_whitespace().next().and_then(rank))
        .collect();
    assert_eq!(severities.len(), expected.len(), "{screen}");
    assert!(
        severities.windows(2).all(|w| w[0] <= w[1]),
        "severity order:\n{screen}"
    );
    let mut tui = tui;
    tui.send("3"); // hide MEDIUM
    let screen = tui.wait_until("medium rows hidden", |s| {
        !s.contents().lines().any(|l| l.starts_with("MEDIUM "))
    });
    assert!(screen.lines().any(|l| l.starts_with("HIGH ")), "{screen}");
}

#[test]
fn criticals_triage_groups_the_shared_cve() {
    // The truth: every high or critical finding of every us-east-1 image, read through the
    // SDK. The top row is the CVE of the worst severity on the most images.
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let all = rt.block_on(support::all_repositories(&client));
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let truth = rt.block_on(truth(&client, &names, |c| {
        c.contains_key("CRITICAL") || c.contains_key("HIGH")
    }));
    let mut affected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (digest, keys) in &truth.findings {
        for (name, severity, _) in keys {
            if severity == "CRITICAL" || severity == "HIGH" {
                affected
                    .entry((severity.clone(), name.clone()))
                    .or_default()
                    .insert(digest.clone());
            }
        }
    }
    let rank = |(severity, _): &(String, String), digests: &BTreeSet<String>| {
        (severity == "CRITICAL", digests.len())
    };
    let best = affected.iter().map(|(k, d)| rank(k, d)).max().unwrap();
    let top: Vec<_> = affected
        .iter()
        .filter(|(k, d)| rank(k, d) == best)
        .collect();
    assert_eq!(top.len(), 1, "one CVE leads the triage: {top:?}");
    let ((_, name), top_digests) = top[0];
    let name = name.as_str();
    let images = top_digests.len() as u64;
    let top_repositories: BTreeSet<&str> = top_digests
        .iter()
        .map(|d| truth.repositories[d].as_str())
        .collect();

    let mut tui = Tui::spawn(&[], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("REPOSITORY");
    tui.send(":criticals");
    tui.send(keys::ENTER);
    let screen = tui.wait_until("the sweep to finish with the top CVE listed", |s| {
        let text = s.contents();
        !text.contains("sweeping") && text.contains(name)
    });
    // The table row (the side panel names the selected CVE too): SEVERITY CVE SCORE
    // IMAGES REPOS …, and it is the first row, the one selected.
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| {
            let mut cells = l.split_whitespace();
            matches!(cells.next(), Some("CRITICAL" | "HIGH"))
                && cells.next().is_some_and(|c| c.starts_with("CVE-"))
        })
        .collect();
    assert_eq!(
        rows.first().and_then(|r| r.split_whitespace().nth(1)),
        Some(name),
        "{screen}"
    );
    let cells: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(cells[3], images.to_string(), "IMAGES of {:?}", rows[0]);
    assert_eq!(
        cells[4],
        top_repositories.len().to_string(),
        "REPOS of {:?}",
        rows[0]
    );

    // `y` copies the digest-pinned URIs of the CVE's images (OSC 52).
    let before = tui.clipboard().len();
    tui.send("y");
    tui.wait_for("copied");
    let copied = tui.clipboard()[before].clone();
    assert_eq!(copied.lines().count() as u64, images);
    let expected: BTreeSet<String> = top_digests
        .iter()
        .map(|d| {
            format!(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}@{d}",
                truth.repositories[d]
            )
        })
        .collect();
    // Each line pins the digest; a tagged image's line names one tag too (`repo:tag@…`),
    // which the comparison leaves out.
    let pinned: BTreeSet<String> = copied
        .lines()
        .map(|l| {
            let (name, digest) = l.split_once('@').expect("a digest-pinned URI");
            let (host, path) = name.split_once('/').expect("a host");
            let repository = path.split_once(':').map_or(path, |(r, _)| r);
            format!("{host}/{repository}@{digest}")
        })
        .collect();
    assert_eq!(pinned, expected);
}

#[test]
fn x_scans_the_selected_image_and_a_second_scan_shows_ecrs_message() {
    let mut tui = Tui::spawn(&["mobile/bff:latest"], &scan_sandbox().env(), 200, 50);
    tui.wait_for("repositories › mobile/bff");
    tui.wait_until("the images to load", |s| {
        !s.contents().contains("loading images")
    });
    let latest_row = |s: &vt100::Screen| latest_row_text(&s.contents());
    tui.send("x");
    let screen = tui.wait_until("the scan to complete on the row", |s| {
        let row = latest_row(s);
        row.contains("clean")
            || row.split_whitespace().any(|t| {
                let mut chars = t.chars();
                chars.next().is_some_and(|c| "CHMLIU".contains(c))
                    && chars.as_str().parse::<u32>().is_ok()
            })
    });
    assert!(
        !latest_row_text(&screen).contains("in progress"),
        "{screen}"
    );
    tui.send("x");
    tui.wait_until("ECR's refusal on the status line", |s| {
        let status = Tui::status_line(s);
        status.contains("LimitExceededException") && status.contains("scan quota")
    });
}

/// The images pane row of the image tagged `latest`.
fn latest_row_text(screen: &str) -> String {
    screen
        .lines()
        .skip(2)
        .find(|l| {
            l.split(|c: char| c == ',' || c.is_whitespace())
                .any(|t| t == "latest")
        })
        .unwrap_or_default()
        .to_string()
}
