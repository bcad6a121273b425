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
        origin: None,
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
        registries: vec![ReportRegistry {
            profile: "env".into(),
            account: "123456789012".into(),
            account_name: None,
            region: "us-east-1".into(),
            repositories: repositories.len(),
        }],
        min_severity: min,
        all_repositories: true,
        repositories: &repositories,
        images: &images,
        triage: &triage,
        errors: &[],
    };
    write(&report, format)
}

fn write(report: &Report<'_>, format: OutputFormat) -> String {
    let mut out = Vec::new();
    match format {
        OutputFormat::Table => table(report, &mut out),
        OutputFormat::Json => json(report, &mut out),
        OutputFormat::Csv => csv(report, &mut out),
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

/// The same images spread over two member accounts (the repository `payments/api` in
/// both), and a registry of a third account that could not be read.
fn render_across_accounts(format: OutputFormat) -> String {
    use crate::ecr::EcrError;
    use crate::ecr::findings::sweep::Origin;
    use std::sync::Arc;
    let origin = |account: &str, name: &str| {
        Some(Arc::new(Origin {
            account: account.into(),
            account_name: Some(name.into()),
            region: "eu-west-1".into(),
        }))
    };
    let prod = origin("271828182845", "payments-prod");
    let dev = origin("161803398874", "payments-dev");
    let denied = origin("141421356237", "sandbox-denied");
    let mut images = images();
    images[0].origin = prod.clone();
    images[1].origin = dev.clone();
    images[2].origin = prod.clone();
    let mut copy = images[1].clone();
    copy.origin = prod.clone();
    images.push(copy);
    let triage = Triage::of(&images, Severity::High);
    let registry = |origin: &Option<Arc<Origin>>, repositories| {
        let origin = origin.as_ref().unwrap();
        ReportRegistry {
            profile: origin.account_name.clone().unwrap(),
            account: origin.account.clone(),
            account_name: origin.account_name.clone(),
            region: origin.region.clone(),
            repositories,
        }
    };
    let errors = [SweepError {
        repository: None,
        image: None,
        error: EcrError::AccessDenied {
            action: "sts:AssumeRole".into(),
            subject: "sandbox-denied/eu-west-1".into(),
            message: "denied".into(),
        },
        origin: denied.clone(),
    }];
    let repositories = vec!["payments/api".to_string(), "web/app".to_string()];
    let report = Report {
        generated_at: "2026-11-25T12:00:00Z".parse().unwrap(),
        registries: vec![registry(&prod, 2), registry(&dev, 1), registry(&denied, 0)],
        min_severity: Severity::High,
        all_repositories: true,
        repositories: &repositories,
        images: &images,
        triage: &triage,
        errors: &errors,
    };
    write(&report, format)
}

#[test]
fn across_accounts_every_row_names_its_account_and_each_account_has_totals() {
    let value: serde_json::Value =
        serde_json::from_str(&render_across_accounts(OutputFormat::Json)).unwrap();
    assert!(value.get("registry").is_none(), "three registries, not one");
    assert_eq!(value["registries"].as_array().unwrap().len(), 3);
    let cve = &value["cves"][0];
    assert_eq!(cve["name"], "CVE-2023-44487");
    assert_eq!(cve["images"], 3);
    assert_eq!(
        cve["accounts"],
        serde_json::json!(["161803398874", "271828182845"])
    );
    let dev = cve["affected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account"] == "161803398874")
        .unwrap();
    assert_eq!(dev["account_name"], "payments-dev");
    assert_eq!(dev["region"], "eu-west-1");
    assert_eq!(
        dev["uri"],
        format!(
            "161803398874.dkr.ecr.eu-west-1.amazonaws.com/payments/api@sha256:{}",
            "b".repeat(64)
        )
    );
    let accounts = value["accounts"].as_array().unwrap();
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["account_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["payments-prod", "payments-dev", "sandbox-denied"]);
    assert_eq!(accounts[0]["totals"]["images"], 3);
    assert_eq!(accounts[0]["totals"]["images_affected"], 2);
    assert_eq!(accounts[0]["totals"]["repositories"], 2);
    assert_eq!(accounts[1]["totals"]["images"], 1);
    assert_eq!(accounts[1]["totals"]["cves"], 1);
    assert_eq!(accounts[2]["errors"], 1);
    assert_eq!(accounts[2]["totals"]["images"], 0);
    assert_eq!(value["totals"]["images"], 4);
    assert_eq!(value["totals"]["repositories"], 3);
    assert_eq!(value["errors"][0]["account_name"], "sandbox-denied");

    let csv = render_across_accounts(OutputFormat::Csv);
    let dev_line = csv
        .split("\r\n")
        .find(|l| l.contains("161803398874.dkr"))
        .unwrap();
    assert!(
        dev_line.ends_with(",161803398874,payments-dev,eu-west-1"),
        "{dev_line}"
    );
}

#[test]
fn the_table_across_accounts_counts_accounts_and_totals_each() {
    insta::assert_snapshot!(render_across_accounts(OutputFormat::Table));
}
