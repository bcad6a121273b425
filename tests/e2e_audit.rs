//! `berth audit` end to end: the real binary against the sandbox, its figures checked
//! against what the ECR API says when read independently.

mod support;

use berth::lifecycle::ImageStatus;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig, Reply, Request, Verdict};
use support::run::json_of;
use support::storage::RepositoryTruth;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const STALE_DAYS: i64 = 90;

/// Run `berth audit ARGS` against `endpoint` (the sandbox, or a proxy in front of it).
fn audit(endpoint: &str, args: &[&str]) -> Output {
    audit_with(Sandbox::shared().env(), endpoint, args)
}

/// [`audit`] in the environment `env` (for runs that share a HOME, and so a cache).
fn audit_with(mut env: Vec<(String, String)>, endpoint: &str, args: &[&str]) -> Output {
    env.push(("AWS_ENDPOINT_URL_ECR".into(), endpoint.to_string()));
    let mut all = vec!["audit"];
    all.extend(REGIONS.iter().flat_map(|r| ["--region", *r]));
    all.extend(args);
    support::run::berth(&env, &all)
}

/// What the test computes itself for one repository.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    images: u64,
    bytes: u64,
    /// Images whose status is not ACTIVE, and their listed sizes.
    archived_images: u64,
    archived_bytes: u64,
    /// OCI referrers, images a signature names, images none does, referrers whose
    /// subject is gone: from subjectManifestDigest and artifactMediaType.
    referrers: u64,
    signed_images: u64,
    unsigned_images: u64,
    orphaned_referrers: u64,
    untagged_images: u64,
    untagged_bytes: u64,
    stale_images: u64,
    stale_bytes: u64,
    oldest_push_ms: Option<i64>,
    newest_push_ms: Option<i64>,
    lifecycle_policy: bool,
    lifecycle_reclaimable_bytes: u64,
    /// From the manifests, read by the test (tests/support/storage.rs).
    stored_bytes: u64,
    lifecycle_freed_bytes: u64,
    pages: u64,
}

fn timestamp(time: &aws_smithy_types::DateTime) -> jiff::Timestamp {
    jiff::Timestamp::new(time.secs(), time.subsec_nanos() as i32).unwrap()
}

fn millis(time: &aws_smithy_types::DateTime) -> i64 {
    (time.as_secs_f64() * 1000.0).round() as i64
}

/// Read every repository of `region` through the SDK and compute the audit's figures,
/// with each repository's manifests.
async fn expected(
    region: &str,
    generated_at: jiff::Timestamp,
) -> BTreeMap<String, (Expected, RepositoryTruth)> {
    let client = Sandbox::shared().ecr(region).await;
    let threshold = generated_at.as_second() as f64 - (STALE_DAYS * 86_400) as f64;
    let mut all = BTreeMap::new();
    for name in support::all_repositories(&client).await {
        let images = support::all_images(&client, &name).await;
        let truth = RepositoryTruth::read(&client, &name).await;
        let mut e = Expected {
            pages: (images.len() as u64).div_ceil(1000).max(1),
            stored_bytes: truth.stored_bytes(),
            ..Expected::default()
        };
        let listed: BTreeSet<&str> = images.iter().filter_map(|i| i.image_digest()).collect();
        let signature = |t: &str| {
            t == "application/vnd.dev.cosign.artifact.sig.v1+json"
                || t == "application/vnd.cncf.notary.signature"
        };
        let signed: BTreeSet<&str> = images
            .iter()
            .filter(|i| i.artifact_media_type().is_some_and(signature))
            .filter_map(|i| i.subject_manifest_digest())
            .collect();
        for image in &images {
            match image.subject_manifest_digest() {
                Some(subject) => {
                    e.referrers += 1;
                    e.orphaned_referrers += u64::from(!listed.contains(subject));
                }
                None if signed.contains(image.image_digest().unwrap()) => e.signed_images += 1,
                None => e.unsigned_images += 1,
            }
        }
        let mut candidates = Vec::new();
        for image in &images {
            let size = image.image_size_in_bytes().unwrap_or(0) as u64;
            e.images += 1;
            e.bytes += size;
            if image
                .image_status()
                .is_some_and(|s| *s != aws_sdk_ecr::types::ImageStatus::Active)
            {
                e.archived_images += 1;
                e.archived_bytes += size;
            }
            if image.image_tags().is_empty() {
                e.untagged_images += 1;
                e.untagged_bytes += size;
            }
            let last = image.last_recorded_pull_time().or(image.image_pushed_at());
            if last.is_some_and(|t| t.as_secs_f64() < threshold) {
                e.stale_images += 1;
                e.stale_bytes += size;
            }
            let pushed = image.image_pushed_at().map(millis);
            e.oldest_push_ms = e.oldest_push_ms.min(pushed).or(e.oldest_push_ms.or(pushed));
            e.newest_push_ms = e.newest_push_ms.max(pushed);
            let pushed = image.image_pushed_at().expect("pushed at");
            candidates.push(berth::lifecycle::Candidate {
                digest: image.image_digest().unwrap().to_string(),
                tags: image.image_tags().to_vec(),
                pushed_at: jiff::Timestamp::new(pushed.secs(), pushed.subsec_nanos() as i32)
                    .unwrap(),
                size_bytes: size,
                last_pulled_at: image.last_recorded_pull_time().map(timestamp),
                referenced_by_manifest_list: false,
                status: image
                    .image_status()
                    .map_or(ImageStatus::Active, |s| ImageStatus::parse(s.as_str())),
                last_archived_at: image.last_archived_at().map(timestamp),
                last_activated_at: image.last_activated_at().map(timestamp),
                ..Default::default()
            });
        }
        if let Ok(out) = client
            .get_lifecycle_policy()
            .repository_name(&name)
            .send()
            .await
        {
            e.lifecycle_policy = true;
            let policy = berth::lifecycle::parse_policy(out.lifecycle_policy_text().unwrap())
                .expect("seeded policies parse");
            let plan = berth::lifecycle::evaluate(&policy, &candidates, generated_at);
            e.lifecycle_reclaimable_bytes = plan.bytes_reclaimed;
            // Standard storage: the expiring images the test read manifests for.
            let expired = plan
                .expired
                .iter()
                .map(|e| e.digest.to_string())
                .filter(|digest| truth.blobs.contains_key(digest))
                .collect();
            e.lifecycle_freed_bytes = truth.bytes_freed(&expired);
        }
        all.insert(name, (e, truth));
    }
    all
}

fn row_figures(row: &Value) -> Expected {
    let n = |key: &str| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {row}"))
    };
    let ms = |key: &str| {
        row[key]
            .as_str()
            .map(|t| t.parse::<jiff::Timestamp>().unwrap().as_millisecond())
    };
    Expected {
        images: n("images"),
        bytes: n("bytes"),
        archived_images: n("archived_images"),
        archived_bytes: n("archived_bytes"),
        referrers: n("referrers"),
        signed_images: n("signed_images"),
        unsigned_images: n("unsigned_images"),
        orphaned_referrers: n("orphaned_referrers"),
        untagged_images: n("untagged_images"),
        untagged_bytes: n("untagged_bytes"),
        stale_images: n("stale_images"),
        stale_bytes: n("stale_bytes"),
        oldest_push_ms: ms("oldest_push"),
        newest_push_ms: ms("newest_push"),
        lifecycle_policy: row["lifecycle_policy"].as_bool().unwrap(),
        lifecycle_reclaimable_bytes: n("lifecycle_reclaimable_bytes"),
        stored_bytes: n("stored_bytes"),
        lifecycle_freed_bytes: n("lifecycle_freed_bytes"),
        pages: 0,
    }
}

fn rows_of<'a>(report: &'a Value, region: &str) -> BTreeMap<String, &'a Value> {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["region"] == region)
        .map(|row| (row["repository"].as_str().unwrap().to_string(), row))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_figures_match_the_api_and_every_page_is_read_once() {
    let sandbox = Sandbox::shared();
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let url = proxy.url();
    // The environment is made on the test's thread: a blocking-pool thread would give
    // another test's home, and its manifest cache.
    let env = sandbox.env();
    let output = tokio::task::spawn_blocking(move || audit_with(env, &url, &["--output", "json"]))
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "stderr is not a terminal: no progress, no noise"
    );
    let report = json_of(&output);
    let stats = proxy.stats();
    assert_eq!(report["complete"], true);
    assert_eq!(report["errors"], Value::Array(vec![]));

    let generated_at: jiff::Timestamp = report["generated_at"].as_str().unwrap().parse().unwrap();
    let mut pages = 0;
    let mut repositories = 0;
    let mut manifest_calls = 0;
    for (index, region) in REGIONS.iter().enumerate() {
        let truth = expected(region, generated_at).await;
        let rows = rows_of(&report, region);
        assert_eq!(
            rows.keys().collect::<Vec<_>>(),
            truth.keys().collect::<Vec<_>>(),
            "repositories of {region}"
        );
        for (name, (e, manifests)) in &truth {
            let mut got = row_figures(rows[name]);
            got.pages = e.pages;
            assert_eq!(&got, e, "{region} {name}");
            assert_eq!(rows[name]["stored_bytes_exact"], true, "{region} {name}");
            pages += e.pages;
            // At most 100 image ids a call; index children are listed images too.
            manifest_calls += (manifests.listed_sizes.len() as u64).div_ceil(100);
        }
        repositories += truth.len() as u64;
        let manifests: Vec<RepositoryTruth> = truth.into_values().map(|(_, t)| t).collect();
        assert_eq!(
            report["registries"][index]["cross_repository_bytes"].as_u64(),
            Some(support::storage::cross_repository_bytes(&manifests)),
            "{region}"
        );

        let totals = &report["registries"][index];
        assert_eq!(totals["registry"], format!("env/{region}"));
        assert_eq!(totals["account"], "123456789012");
        assert_eq!(totals["complete"], true);
        for key in [
            "images",
            "bytes",
            "untagged_bytes",
            "stale_bytes",
            "stored_bytes",
        ] {
            let sum: u64 = rows.values().map(|row| row[key].as_u64().unwrap()).sum();
            assert_eq!(totals[key].as_u64(), Some(sum), "{region} total {key}");
        }
    }
    let sum = |key: &str| -> u64 {
        report["registries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[key].as_u64().unwrap())
            .sum()
    };
    assert_eq!(report["totals"]["bytes"].as_u64(), Some(sum("bytes")));
    assert_eq!(report["totals"]["images"].as_u64(), Some(sum("images")));
    assert_eq!(report["totals"]["registries"], 2);
    // The seed signs images and leaves an orphaned signature: the counts are not vacuous.
    for key in ["referrers", "signed_images", "orphaned_referrers"] {
        assert!(report["totals"][key].as_u64() > Some(0), "{key}");
    }

    // One listing page per registry, each images page once, one policy read per
    // repository, and each manifest asked for once (HOME, and so the cache, is new).
    assert_eq!(stats.count("DescribeRepositories"), REGIONS.len() as u64);
    assert_eq!(stats.count("DescribeImages"), pages);
    assert_eq!(stats.count("GetLifecyclePolicy"), repositories);
    assert_eq!(stats.count("BatchGetImage"), manifest_calls);
    assert_eq!(
        stats.requests,
        REGIONS.len() as u64 + pages + repositories + manifest_calls
    );
}

#[test]
fn csv_parses_with_a_header_and_totals_rows() {
    let sandbox = Sandbox::shared();
    let output = audit(&sandbox.endpoint, &["--output", "csv", "--sort", "name"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        &header[..7],
        [
            "row",
            "profile",
            "account",
            "account_name",
            "region",
            "repository",
            "repositories"
        ]
    );
    assert!(header.contains(&"lifecycle_reclaimable_bytes".to_string()));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let kind = |r: &csv::StringRecord| r[column("row")].to_string();
    let repositories: Vec<_> = records.iter().filter(|r| kind(r) == "repository").collect();
    let registries = records.iter().filter(|r| kind(r) == "registry").count();
    let totals: Vec<_> = records.iter().filter(|r| kind(r) == "total").collect();
    assert_eq!(registries, 2);
    assert_eq!(totals.len(), 1);
    assert!(repositories.len() > 40);
    let bytes: u64 = repositories
        .iter()
        .map(|r| r[column("bytes")].parse::<u64>().unwrap())
        .sum();
    assert_eq!(totals[0][column("bytes")].parse::<u64>().unwrap(), bytes);
    let names: Vec<&str> = repositories
        .iter()
        .map(|r| &r[column("repository")])
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "--sort name");
}

/// Deny every request signed for eu-west-1, and DescribeImages of one us-east-1 repository.
fn deny_one_region_and_one_repository(request: &Request) -> Verdict {
    let denied_repository = request.operation() == Some("DescribeImages")
        && request.signing_region() == Some("us-east-1")
        && request
            .body_text()
            .contains(r#""repositoryName":"payments/api""#);
    if request.signing_region() == Some("eu-west-1") || denied_repository {
        Verdict::Reply(Reply::access_denied())
    } else {
        Verdict::Forward
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_region_and_repository_give_a_partial_report_with_exit_3() {
    let sandbox = Sandbox::shared();
    let proxy = Proxy::start(
        ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)
            .with_fault(deny_one_region_and_one_repository),
    )
    .unwrap();
    let (url, direct) = (proxy.url(), sandbox.endpoint.clone());
    let env = sandbox.env();
    let (partial, complete, table) = tokio::task::spawn_blocking(move || {
        (
            audit_with(env.clone(), &url, &["--output", "json"]),
            audit_with(env.clone(), &direct, &["--output", "json"]),
            audit_with(env, &url, &["--output", "table"]),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        partial.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );
    let partial_report = json_of(&partial);
    let complete_report = json_of(&complete);
    assert_eq!(partial_report["complete"], false);

    let errors: Vec<(String, Value, String)> = partial_report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["registry"].as_str().unwrap().to_string(),
                e["repository"].clone(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "env/us-east-1".into(),
                Value::from("payments/api"),
                "AccessDenied".into()
            ),
            ("env/eu-west-1".into(), Value::Null, "AccessDenied".into()),
        ]
    );
    assert!(
        partial_report["errors"][1]["error"]
            .as_str()
            .unwrap()
            .contains("ecr:DescribeRepositories")
    );

    // Every other us-east-1 row is exactly what the complete run reported.
    let mut expected = rows_of(&complete_report, "us-east-1");
    expected.remove("payments/api");
    assert_eq!(rows_of(&partial_report, "us-east-1"), expected);
    assert!(rows_of(&partial_report, "eu-west-1").is_empty());
    assert_eq!(partial_report["registries"][1]["complete"], false);
    assert_eq!(partial_report["registries"][1]["account"], Value::Null);

    assert_eq!(table.status.code(), Some(3));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("warning: env/eu-west-1: AccessDenied"),
        "{text}"
    );
    assert!(
        text.contains("warning: env/us-east-1: payments/api: AccessDenied"),
        "{text}"
    );
    let table_lines = text.lines().skip(2).take_while(|line| !line.is_empty());
    for line in table_lines {
        assert!(
            line.chars().count() <= 80,
            "wider than 80 columns: {line:?}"
        );
    }
}

/// The TUI's audit columns show web/frontend's figures as the API gives them, cell by cell.
#[test]
fn the_tuis_audit_columns_agree_with_the_api() {
    let sandbox = Sandbox::shared();
    let truth = Sandbox::runtime().block_on(expected("us-east-1", jiff::Timestamp::now()));
    let e = &truth["web/frontend"].0;
    // What the repository stores, each blob once, from manifests read with the SDK.
    let stored = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        RepositoryTruth::read(&client, "web/frontend")
            .await
            .stored_bytes()
    });
    // Sizes as the `humansize` crate writes them in binary units (`3.81 MiB`).
    let size = |bytes: u64| humansize::format_size(bytes, humansize::BINARY);
    let cells = [
        "web/frontend".to_string(),
        e.images.to_string(),
        size(e.bytes),
        size(stored),
        // ARCHIVED: web/frontend has no archived image.
        if e.archived_images == 0 {
            "-".to_string()
        } else {
            size(e.archived_bytes)
        },
        e.untagged_images.to_string(),
        size(e.untagged_bytes),
        e.stale_images.to_string(),
        size(e.stale_bytes),
        if e.lifecycle_policy { "yes" } else { "no" }.to_string(),
        size(e.lifecycle_reclaimable_bytes),
    ];
    assert!(e.lifecycle_policy, "the seed gives web/frontend a policy");
    let wanted: Vec<&str> = cells.iter().flat_map(|c| c.split_whitespace()).collect();

    let mut tui = support::pty::Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send(support::pty::keys::ESC);
    tui.wait_until("the repositories pane", |s| {
        s.contents()
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with("│ repositories"))
    });
    tui.send(":audit\r");
    tui.wait_for("UNTAG SIZE");
    let screen = tui.wait_until("the audit figures of web/frontend", |s| {
        s.contents()
            .lines()
            .any(|l| l.starts_with("web/frontend ") && !l.contains('…'))
    });
    let line = screen
        .lines()
        .find(|l| l.starts_with("web/frontend "))
        .unwrap();
    // Every cell, in column order, and nothing else on the row but the scroll bar.
    let scroll_bar = |cell: &str| cell.chars().all(|c| ('\u{2500}'..='\u{259f}').contains(&c));
    let shown: Vec<&str> = line
        .split_whitespace()
        .filter(|cell| !scroll_bar(cell))
        .collect();
    assert_eq!(shown, wanted, "{line:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_audit_of_an_unchanged_registry_reads_no_manifest_from_it() {
    let sandbox = Sandbox::shared();
    let home = tempfile::tempdir().unwrap();
    let env = sandbox.env_in(home.path());
    let first_proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let second_proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let (first_url, second_url) = (first_proxy.url(), second_proxy.url());
    let (first, second) = tokio::task::spawn_blocking(move || {
        let args = ["--output", "json", "--no-usage"];
        (
            audit_with(env.clone(), &first_url, &args),
            audit_with(env, &second_url, &args),
        )
    })
    .await
    .unwrap();
    let (first, second) = (json_of(&first), json_of(&second));
    assert!(first_proxy.stats().count("BatchGetImage") > 0);
    assert_eq!(
        second_proxy.stats().count("BatchGetImage"),
        0,
        "every manifest came from the cache"
    );
    assert!(second_proxy.stats().count("DescribeImages") > 0);
    for key in ["stored_bytes", "cross_repository_bytes", "monthly_cost_usd"] {
        assert_eq!(first["totals"][key], second["totals"][key], "{key}");
    }
    assert!(first["totals"]["stored_bytes"].as_u64().unwrap() > 0);
}
