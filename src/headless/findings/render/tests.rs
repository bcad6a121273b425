use super::*;
use crate::ecr::findings::{FixAvailable, ImageScan, count_severities};

fn finding(name: &str, severity: Severity, package: &str) -> Finding {
    Finding {
        name: name.into(),
        severity,
        description: "a, \"quoted\" description".into(),
        uri: None,
        package_name: Some(package.into()),
        package_version: Some("1.0".into()),
        fixed_in_version: Some("1.1".into()),
        score: Some(7.5),
        fix_available: Some(FixAvailable::Yes),
        exploit_available: Some(false),
        remediation: None,
        attributes: vec![("package_name".into(), package.into())],
        status: None,
    }
}

fn images() -> Vec<ImageFindings> {
    let image = |repository: &str, digest: char, findings: Vec<Finding>| ImageFindings {
        repository: repository.into(),
        digest: format!("sha256:{}", digest.to_string().repeat(64)),
        tags: vec!["v1".into(), "latest".into()],
        pushed_at: None,
        last_pulled_at: None,
        scan: ImageScan {
            status: "COMPLETE".into(),
            counts: count_severities(&findings),
            counts_reported: true,
            findings,
            ..ImageScan::default()
        },
    };
    vec![
        image(
            "web/app",
            'a',
            vec![
                finding("CVE-2023-44487", Severity::High, "nghttp2"),
                finding("CVE-2024-1", Severity::Low, "tar"),
            ],
        ),
        image(
            "payments/api",
            'b',
            vec![finding("CVE-2023-44487", Severity::High, "netty")],
        ),
        image("payments/api", 'c', vec![]),
    ]
}

fn render(format: OutputFormat, min: Severity) -> String {
    let images = images();
    let triage = Triage::of(&images, min);
    let repositories = vec!["payments/api".to_string(), "web/app".to_string()];
    let report = Report {
        generated_at: "2026-11-25T12:00:00Z".parse().unwrap(),
        profile: "env".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        min_severity: min,
        all_repositories: true,
        repositories: &repositories,
        images: &images,
        triage: &triage,
        errors: &[],
    };
    let mut out = Vec::new();
    match format {
        OutputFormat::Table => table(&report, &mut out),
        OutputFormat::Json => json(&report, &mut out),
        OutputFormat::Csv => csv(&report, &mut out),
    }
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn table_lists_cves_with_images_and_repositories() {
    let text = render(OutputFormat::Table, Severity::High);
    insta::assert_snapshot!(text);
}

#[test]
fn json_is_stable_and_complete() {
    let value: serde_json::Value =
        serde_json::from_str(&render(OutputFormat::Json, Severity::High)).unwrap();
    assert_eq!(value["min_severity"], "HIGH");
    assert_eq!(value["totals"]["images_affected"], 2);
    assert_eq!(value["totals"]["images"], 3);
    assert_eq!(value["totals"]["by_severity"]["HIGH"], 2);
    let cve = &value["cves"][0];
    assert_eq!(cve["name"], "CVE-2023-44487");
    assert_eq!(cve["images"], 2);
    assert_eq!(cve["repositories"].as_array().unwrap().len(), 2);
    assert_eq!(cve["fix_available"], "YES");
    assert_eq!(
        cve["affected"][0]["uri"],
        format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/web/app@sha256:{}",
            "a".repeat(64)
        )
    );
    let image = &value["images"][0];
    assert_eq!(
        image["findings"].as_array().unwrap().len(),
        1,
        "LOW is below HIGH"
    );
    assert_eq!(image["severity_counts"]["LOW"], 1);
    assert_eq!(image["findings"][0]["attributes"][0]["key"], "package_name");
}

#[test]
fn csv_has_one_line_per_cve_and_image_with_quoting() {
    let text = render(OutputFormat::Csv, Severity::Low);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("CVE-2023-44487,HIGH,7.5,YES,false,nghttp2,1.0,1.1,web/app,"));
    assert!(lines[1].contains(",v1 latest,"));
    assert!(lines[3].starts_with("CVE-2024-1,LOW"));
}
