//! berth under faults: a loopback proxy between berth and the sandbox fails a seeded 20%
//! of ECR calls (500/503 with JSON or HTML bodies, throttling, connection resets), stalls
//! every call, or keeps failing one call, and the sweeps still end with exactly the
//! seeded rows — or with a clear message in bounded time, never a spinner forever.
//!
//! The seeded plan decides from each request's content and how often that request was
//! seen (see `FaultPlan`), so a sweep meets the same faults on every run: the figures
//! printed here (`--nocapture`) are the ones the README's test matrix quotes.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::Sandbox;
use support::proxy::{Fault, FaultPlan, Proxy, ProxyConfig, Request, Verdict};
use support::pty::{Tui, keys};
use support::run::{berth, json_of};

/// The fault seed; change it and the README's figures change with it.
const SEED: u64 = 0x00be_57f4;
const PERCENT: u64 = 20;
/// Everything an unhealthy endpoint or the path to it sends back, except stalls (their
/// own test) and a 500 HTML page (which means "this endpoint lacks the operation" and is
/// not retried: its own test too).
const MIX: [Fault; 6] = [
    Fault::ServerError,
    Fault::Unavailable,
    Fault::UnavailableHtml,
    Fault::Throttling,
    Fault::Reset,
    Fault::Throttling,
];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The standard seed's repository with more than one 1,000-image page.
const BIG: &str = "ci/build-cache";

/// Image count, byte sum and digests per repository of `region`, read straight from the
/// sandbox through the SDK (no proxy, no berth).
fn truth(region: &str) -> BTreeMap<String, (usize, u64, BTreeSet<String>)> {
    Sandbox::runtime().block_on(async {
        let client = Sandbox::shared().ecr(region).await;
        let mut out = BTreeMap::new();
        for name in support::all_repositories(&client).await {
            let images = support::all_images(&client, &name).await;
            let bytes = images
                .iter()
                .map(|i| i.image_size_in_bytes().unwrap_or(0) as u64)
                .sum();
            let digests = images
                .iter()
                .filter_map(|i| i.image_digest().map(str::to_string))
                .collect();
            out.insert(name, (images.len(), bytes, digests));
        }
        out
    })
}

/// A proxy in front of the sandbox that fails a seeded 20% of ECR calls.
fn faulty_proxy() -> (Proxy, Arc<FaultPlan>) {
    let plan = Arc::new(FaultPlan::seeded(SEED, PERCENT, &MIX));
    let config =
        ProxyConfig::new(&Sandbox::shared().endpoint, Duration::ZERO).with_fault(plan.rule());
    (Proxy::start(config).expect("start the proxy"), plan)
}

/// The sandbox's environment, with ECR reached through `endpoint`.
fn env_via(endpoint: &str) -> Vec<(String, String)> {
    let mut env = Sandbox::shared().env();
    env.push(("AWS_ENDPOINT_URL_ECR".into(), endpoint.to_string()));
    env
}

fn describe(plan: &FaultPlan) -> String {
    plan.injected()
        .iter()
        .map(|(fault, n)| format!("{n}× {}", fault.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every kind in the mix was really injected, and enough of them to matter.
fn assert_faults_were_injected(plan: &FaultPlan, requests: u64) {
    let injected = plan.injected();
    for fault in MIX {
        assert!(
            injected.get(&fault).copied().unwrap_or(0) > 0,
            "no {} injected: {}",
            fault.name(),
            describe(plan)
        );
    }
    let rate = plan.injected_total() as f64 / requests as f64;
    assert!(
        (0.1..0.3).contains(&rate),
        "{} faults in {requests} requests is not about {PERCENT}%",
        plan.injected_total()
    );
}

#[test]
fn audit_under_20_percent_faults_reports_exactly_the_seeded_rows() {
    let (proxy, plan) = faulty_proxy();
    // ECR only: the ECS / Lambda "in use" lookup is another service behind no proxy.
    let mut args = vec!["audit", "--output", "json", "--no-usage"];
    args.extend(REGIONS.iter().flat_map(|r| ["--region", r]));
    let output = berth(&env_via(&proxy.url()), &args);
    let report = json_of(&output);
    assert_eq!(
        (output.status.code(), &report["errors"]),
        (Some(0), &Value::Array(vec![])),
        "injected: {}; stderr: {}",
        describe(&plan),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(report["complete"], true);

    let mut seeded_rows = 0;
    let mut lost = Vec::new();
    for region in REGIONS {
        let expected = truth(region);
        let mut got: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for row in report["repositories"].as_array().unwrap() {
            if row["region"] != region {
                continue;
            }
            let name = row["repository"].as_str().unwrap().to_string();
            let figures = (
                row["images"].as_u64().unwrap(),
                row["bytes"].as_u64().unwrap(),
            );
            assert!(
                got.insert(name.clone(), figures).is_none(),
                "{region} {name} reported twice"
            );
        }
        for (name, (images, bytes, _)) in &expected {
            seeded_rows += 1 + images;
            match got.get(name) {
                Some(&(n, b)) => {
                    assert_eq!((n, b), (*images as u64, *bytes), "{region} {name}");
                }
                None => lost.push(format!("{region} {name}")),
            }
        }
        assert_eq!(
            got.keys().collect::<BTreeSet<_>>(),
            expected.keys().collect::<BTreeSet<_>>(),
            "repositories of {region}"
        );
    }
    assert!(lost.is_empty(), "lost repositories: {lost:?}");
    let stats = proxy.stats();
    assert_faults_were_injected(&plan, stats.requests);
    eprintln!(
        "audit sweep: {} requests, {} faults injected ({}); {seeded_rows} seeded rows \
         (repositories + images), lost 0, duplicated 0",
        stats.requests,
        plan.injected_total(),
        describe(&plan)
    );
}

#[test]
fn the_tui_settles_on_the_seeded_counts_under_20_percent_faults() {
    let expected = truth("us-east-1");
    let (proxy, plan) = faulty_proxy();
    // Tall enough for every repository of the seed to be on screen at once.
    let rows = (expected.len() + 8) as u16;
    let mut tui = Tui::spawn(&[], &env_via(&proxy.url()), 200, rows);
    let total = expected.len();
    let screen = tui.wait_until("every repository counted", |s| {
        let status = Tui::status_line(s);
        status.starts_with(&format!("{total} repositories"))
            && !status.contains("counting images")
            && !status.contains("loading")
            && !status.contains("retrying")
    });
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(!status.contains("partial"), "{status}");
    let mut counted = BTreeMap::new();
    for line in screen.lines().skip(2) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if let [name, images, ..] = cells[..]
            && expected.contains_key(name)
        {
            assert!(
                counted
                    .insert(name.to_string(), images.to_string())
                    .is_none(),
                "{name} listed twice:\n{screen}"
            );
        }
    }
    for (name, (images, _, _)) in &expected {
        assert_eq!(
            counted.get(name).map(String::as_str),
            Some(images.to_string().as_str()),
            "image count of {name}:\n{screen}"
        );
    }

    // The big repository, read again through the faults: every image, none twice.
    let (count, _, _) = &expected[BIG];
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send(BIG);
    tui.send(keys::ENTER);
    tui.wait_until(&format!("all {count} images of {BIG}"), |s| {
        let status = Tui::status_line(s);
        s.contents().contains(&format!("repositories › {BIG}"))
            && status.starts_with(&format!("{count} images"))
            && !status.contains("loading")
    });
    let status = tui.current_status_line();
    assert!(!status.contains("partial"), "{status}");
    let stats = proxy.stats();
    assert_faults_were_injected(&plan, stats.requests);
    eprintln!(
        "TUI sweep: {} requests, {} faults injected ({}); {} repositories and {count} \
         images of {BIG} shown, lost 0, duplicated 0",
        stats.requests,
        plan.injected_total(),
        describe(&plan),
        expected.len()
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn berth_images_lists_every_digest_once_under_20_percent_faults() {
    let (_, _, digests) = truth("us-east-1").remove(BIG).unwrap();
    let (proxy, plan) = faulty_proxy();
    let output = berth(
        &env_via(&proxy.url()),
        &["images", "--repo", BIG, "--output", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Vec<String> = json_of(&output)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a digest listed twice");
    assert_eq!(unique, digests);
    eprintln!(
        "berth images: {} requests, {} faults injected ({}); {} digests, lost 0, duplicated 0",
        proxy.stats().requests,
        plan.injected_total(),
        describe(&plan),
        listed.len()
    );
}

/// Distinct SDK calls (not attempts) per operation, as a rule sees them: an app-level
/// retry is a new call, an SDK retry is another attempt of the same one.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<BTreeMap<String, BTreeSet<String>>>>);

impl Calls {
    fn record(&self, request: &Request) {
        let operation = request.operation().unwrap_or("-").to_string();
        let id = request.invocation_id().unwrap_or("-").to_string();
        self.0
            .lock()
            .unwrap()
            .entry(operation)
            .or_default()
            .insert(id);
    }

    fn count(&self, operation: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .get(operation)
            .map_or(0, BTreeSet::len)
    }
}

/// A proxy that accepts every request and never answers. Nothing is forwarded, so it
/// needs no sandbox behind it.
fn stalled_endpoint() -> (Proxy, Calls) {
    let nowhere = format!("127.0.0.1:{}", support::free_port());
    let calls = Calls::default();
    let seen = calls.clone();
    let config = ProxyConfig::new(&nowhere, Duration::ZERO).with_fault(move |request| {
        seen.record(request);
        Verdict::Stall
    });
    (Proxy::start(config).expect("start the proxy"), calls)
}

/// The moment berth's first request reached the stalled endpoint.
fn wait_for_stall(proxy: &Proxy) -> Instant {
    let deadline = Instant::now() + support::pty::DEADLINE;
    while proxy.stats().stalled_now == 0 {
        assert!(Instant::now() < deadline, "berth never called the endpoint");
        std::thread::sleep(Duration::from_millis(10));
    }
    Instant::now()
}

#[test]
fn a_stalled_endpoint_ends_in_a_timeout_message_within_the_timeout() {
    const TIMEOUT: Duration = Duration::from_secs(3);
    let (proxy, calls) = stalled_endpoint();
    let home = tempfile::tempdir().unwrap();
    let env = support::endpoint_env(&proxy.url(), home.path());
    let mut tui = Tui::spawn(
        &["--timeout", &TIMEOUT.as_secs().to_string()],
        &env,
        160,
        24,
    );
    let stalled_at = wait_for_stall(&proxy);
    let screen = tui.wait_until("a timeout message", |s| s.contents().contains("timed out"));
    let waited = stalled_at.elapsed();
    assert!(
        waited >= TIMEOUT.mul_f64(0.8) && waited < TIMEOUT * 3,
        "the message came after {waited:?}; the timeout is {TIMEOUT:?}"
    );
    assert!(
        screen.contains("ecr:DescribeRepositories timed out for env/us-east-1"),
        "{screen}"
    );
    assert!(
        screen.contains("the endpoint did not answer in time"),
        "{screen}"
    );
    tui.wait_gone("loading repositories");
    eprintln!(
        "stalled endpoint: \"timed out\" shown {waited:.1?} after the first stalled call (--timeout {TIMEOUT:?})"
    );
    // One call, not retried behind the user's back: a stalled endpoint stays stalled, and
    // the operation timeout bounds the call with its attempts.
    assert_eq!(calls.count("DescribeRepositories"), 1);
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn keys_work_while_every_request_is_stalled_and_q_quits_at_once() {
    let (proxy, _) = stalled_endpoint();
    let home = tempfile::tempdir().unwrap();
    let env = support::endpoint_env(&proxy.url(), home.path());
    // A long timeout: everything below happens while the requests are still stalled.
    let mut tui = Tui::spawn(&["--timeout", "60"], &env, 120, 50);
    wait_for_stall(&proxy);
    tui.wait_for("loading repositories");
    tui.send("?");
    tui.wait_for("go to the first row");
    tui.send(keys::ESC);
    tui.wait_gone("go to the first row");
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send("regi");
    tui.wait_until("typed text in the prompt", |s| {
        Tui::status_line(s) == ":regi"
    });
    tui.send(keys::ESC);
    tui.wait_until("the prompt closed", |s| {
        !Tui::status_line(s).starts_with(':')
    });
    assert!(
        proxy.stats().stalled_now > 0,
        "the requests should still be stalled"
    );
    let quit_at = Instant::now();
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert!(
        quit_at.elapsed() < Duration::from_secs(5),
        "quitting waited for the stalled requests ({:?})",
        quit_at.elapsed()
    );
    assert!(tui.terminal_restored());
}

/// DescribeImages of one repository, and nothing else.
fn images_of(repository: &'static str) -> impl Fn(&Request) -> bool {
    move |request| {
        request.operation() == Some("DescribeImages")
            && request
                .body_text()
                .contains(&format!("\"repositoryName\":\"{repository}\""))
    }
}

#[test]
fn a_retry_shows_in_the_status_line_and_the_page_then_arrives() {
    // Every attempt of the first DescribeImages call for the repository is throttled, so
    // the SDK gives up and berth's own retry takes over; later calls are held a moment so
    // the status line can be seen saying so.
    const REPO: &str = "web/frontend";
    let expected = truth("us-east-1")[REPO].0;
    let first_call: Mutex<Option<String>> = Mutex::default();
    let hits = images_of(REPO);
    let config =
        ProxyConfig::new(&Sandbox::shared().endpoint, Duration::ZERO).with_fault(move |r| {
            if !hits(r) {
                return Verdict::Forward;
            }
            let id = r.invocation_id().unwrap_or("-").to_string();
            let mut first = first_call.lock().unwrap();
            if first.get_or_insert_with(|| id.clone()) == &id {
                Fault::Throttling.verdict()
            } else {
                Verdict::ForwardAfter(Duration::from_millis(1500))
            }
        });
    let proxy = Proxy::start(config).unwrap();
    let mut tui = Tui::spawn(&[REPO], &env_via(&proxy.url()), 200, 30);
    tui.wait_until("the retry in the status line", |s| {
        Tui::status_line(s).contains(&format!(
            "retrying ecr:DescribeImages for {REPO} (ThrottlingException)"
        ))
    });
    tui.wait_until("every image, and the retry notice gone", |s| {
        let status = Tui::status_line(s);
        s.contents().contains(&format!("repositories › {REPO}"))
            && status.starts_with(&format!("{expected} images"))
            && !status.contains("retrying")
            && !status.contains("partial")
    });
    assert!(
        proxy.stats().faults >= 4,
        "the SDK's attempts were throttled"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn an_html_500_is_not_supported_and_is_not_retried_forever() {
    const REPO: &str = "web/admin";
    let hits = images_of(REPO);
    let calls = Calls::default();
    let seen = calls.clone();
    let config =
        ProxyConfig::new(&Sandbox::shared().endpoint, Duration::ZERO).with_fault(move |r| {
            if hits(r) {
                seen.record(r);
                Fault::ServerErrorHtml.verdict()
            } else {
                Verdict::Forward
            }
        });
    let proxy = Proxy::start(config).unwrap();
    let mut tui = Tui::spawn(&[REPO], &env_via(&proxy.url()), 200, 30);
    // The size sweep's call may give up first and say so in the status line; the pane's
    // own call ends when its spinner does.
    tui.wait_until("the images pane's error", |s| {
        s.contents().contains(&format!("repositories › {REPO}"))
            && s.contents().contains(&format!(
                "ecr:DescribeImages is not supported by this endpoint ({REPO})"
            ))
            && !s.contents().contains("loading images")
    });
    // Two calls asked (the size sweep and the pane), each with the SDK's own attempts and
    // no app-level retry: the pane's message only appears once its call has given up, so
    // a retry would show here as a third call.
    assert!(
        calls.count("DescribeImages") <= 2,
        "{} calls",
        calls.count("DescribeImages")
    );
    assert!(proxy.stats().faults <= 8, "{:?}", proxy.stats());
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
