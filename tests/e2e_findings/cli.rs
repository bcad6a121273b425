//! `berth findings` headless: JSON against an independent SDK read, triage across
//! repositories, hostile finding text, usage errors.

use super::*;

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
