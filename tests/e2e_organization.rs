//! Organization-wide berth end to end: `berth audit --organization` against the sandbox's
//! organization seed, its rows checked against an SDK read of every member account made
//! in the test with its own assumed-role credentials.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig};
use support::run::json_of;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const ROLE: &str = "OrganizationAccountAccessRole";

/// One member account as the test finds it: reachable with these credentials, or not.
struct Member {
    id: String,
    name: String,
    credentials: Result<aws_sdk_ecr::config::Credentials, String>,
}

async fn base_config(sandbox: &Sandbox, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(&sandbox.endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            "sandbox", "sandbox", None, None, "tests",
        ))
        .load()
        .await
}

/// The organization's active accounts, and for each the credentials AssumeRole gives
/// (the management account: the base credentials themselves).
async fn members(sandbox: &Sandbox) -> Vec<Member> {
    let config = base_config(sandbox, "us-east-1").await;
    let own = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity")
        .account()
        .unwrap()
        .to_string();
    let organizations = aws_sdk_organizations::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = organizations
            .list_accounts()
            .set_next_token(token)
            .send()
            .await
            .expect("ListAccounts");
        for account in page.accounts() {
            if account.state() != Some(&aws_sdk_organizations::types::AccountState::Active) {
                continue;
            }
            let id = account.id().unwrap().to_string();
            let credentials = if id == own {
                Ok(aws_sdk_ecr::config::Credentials::new(
                    "sandbox", "sandbox", None, None, "tests",
                ))
            } else {
                match sts
                    .assume_role()
                    .role_arn(format!("arn:aws:iam::{id}:role/{ROLE}"))
                    .role_session_name("oracle")
                    .send()
                    .await
                {
                    Ok(out) => {
                        let c = out.credentials().unwrap();
                        Ok(aws_sdk_ecr::config::Credentials::new(
                            c.access_key_id(),
                            c.secret_access_key(),
                            Some(c.session_token().to_string()),
                            None,
                            "oracle",
                        ))
                    }
                    Err(err) => Err(format!("{err:?}")),
                }
            };
            found.push(Member {
                id,
                name: account.name().unwrap_or_default().to_string(),
                credentials,
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    found
}

/// (account, region, repository) → (images, summed sizes), read with the member's own
/// credentials.
async fn repositories(
    sandbox: &Sandbox,
    members: &[Member],
) -> BTreeMap<(String, String, String), (u64, u64)> {
    let mut truth = BTreeMap::new();
    for repository in member_repositories(sandbox, members).await {
        let bytes = repository
            .images
            .iter()
            .map(|i| i.image_size_in_bytes().unwrap_or(0) as u64);
        truth.insert(
            (
                repository.member.id.clone(),
                repository.region.to_string(),
                repository.name.clone(),
            ),
            (repository.images.len() as u64, bytes.sum()),
        );
    }
    truth
}

/// One repository of a reachable member account, read with the member's own credentials.
struct MemberRepository<'m> {
    member: &'m Member,
    region: &'static str,
    ecr: aws_sdk_ecr::Client,
    name: String,
    images: Vec<aws_sdk_ecr::types::ImageDetail>,
}

/// Every repository of every reachable member account in every region, with its images
/// (DescribeRepositories and DescribeImages with the member's credentials).
async fn member_repositories<'m>(
    sandbox: &Sandbox,
    members: &'m [Member],
) -> Vec<MemberRepository<'m>> {
    let mut clients = Vec::new();
    for member in members {
        let Ok(credentials) = &member.credentials else {
            continue;
        };
        for region in REGIONS {
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(region.to_string()))
                .endpoint_url(&sandbox.endpoint)
                .credentials_provider(credentials.clone())
                .load()
                .await;
            let ecr = aws_sdk_ecr::Client::new(&config);
            let repos = ecr
                .describe_repositories()
                .send()
                .await
                .expect("DescribeRepositories");
            for repo in repos.repositories() {
                let name = repo.repository_name().unwrap().to_string();
                clients.push(MemberRepository {
                    member,
                    region,
                    images: support::all_images(&ecr, &name).await,
                    ecr: ecr.clone(),
                    name,
                });
            }
        }
    }
    clients
}

#[test]
fn audit_of_the_organization_equals_a_read_of_every_member_account() {
    let sandbox = Sandbox::organization();
    let (members, truth) = Sandbox::runtime().block_on(async {
        let members = members(&sandbox).await;
        let truth = repositories(&sandbox, &members).await;
        (members, truth)
    });
    let denied: Vec<&Member> = members.iter().filter(|m| m.credentials.is_err()).collect();
    assert!(
        !denied.is_empty(),
        "the seed has an account whose role is denied"
    );
    assert!(truth.len() > 5, "the members hold repositories");

    // STS through a counting proxy: one AssumeRole per account, whatever the regions.
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let mut env = sandbox.env();
    env.push(("AWS_ENDPOINT_URL_STS".into(), proxy.url()));
    let mut args = vec!["audit", "--organization", "--output", "json"];
    args.extend(REGIONS.iter().flat_map(|r| ["--region", *r]));
    let out = support::run::berth(&env, &args);
    assert_eq!(
        out.status.code(),
        Some(3),
        "partial: one account's role cannot be assumed\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = json_of(&out);

    // Every repository row equals the SDK read of its account and region.
    let rows: BTreeMap<(String, String, String), (u64, u64)> = report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["account"].as_str().unwrap().to_string(),
                    r["region"].as_str().unwrap().to_string(),
                    r["repository"].as_str().unwrap().to_string(),
                ),
                (r["images"].as_u64().unwrap(), r["bytes"].as_u64().unwrap()),
            )
        })
        .collect();
    assert_eq!(rows, truth);
    for row in report["repositories"].as_array().unwrap() {
        let member = members
            .iter()
            .find(|m| m.id == row["account"].as_str().unwrap())
            .unwrap();
        assert_eq!(row["account_name"].as_str(), Some(member.name.as_str()));
    }

    // The denied account: one error per region naming the IAM action; nobody else fails.
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), denied.len() * REGIONS.len(), "{errors:#?}");
    for error in errors {
        let text = error["error"].as_str().unwrap();
        assert_eq!(error["code"], "AccessDenied");
        assert!(text.contains("sts:AssumeRole"), "{text}");
        assert!(
            denied.iter().any(|m| text.contains(&m.id)),
            "{text} names a denied account"
        );
    }

    // Totals per account add up the rows of the SDK read.
    let accounts = report["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), members.len());
    for account in accounts {
        let id = account["account"].as_str().unwrap();
        let (images, bytes) = truth
            .iter()
            .filter(|((owner, _, _), _)| owner == id)
            .fold((0, 0), |(i, b), (_, (images, bytes))| {
                (i + images, b + bytes)
            });
        assert_eq!(account["images"].as_u64(), Some(images), "{id}");
        assert_eq!(account["bytes"].as_u64(), Some(bytes), "{id}");
        let reachable = members.iter().any(|m| m.id == id && m.credentials.is_ok());
        assert_eq!(account["complete"].as_bool(), Some(reachable), "{id}");
    }

    // One AssumeRole per member account (the management account needs none), not one
    // per region or per call.
    let assumable = members.len() - 1;
    assert_eq!(proxy.stats().count("AssumeRole"), assumable as u64);

    // In use, across accounts: every repository's count of images in use and the other
    // accounts using them equal the seed's record of its ECS services, tasks and Lambda
    // functions (the account they run in named on each user).
    let seed = seeded_organization(&sandbox);
    let mut in_use: BTreeMap<(String, String, String), (u64, Vec<String>)> = BTreeMap::new();
    for image in seed["usage"].as_array().unwrap() {
        let key = (
            image["account"].as_str().unwrap().to_string(),
            image["region"].as_str().unwrap().to_string(),
            image["repository"].as_str().unwrap().to_string(),
        );
        let entry = in_use.entry(key).or_default();
        entry.0 += 1;
        for user in image["users"].as_array().unwrap() {
            if user["account"] != image["account"] {
                entry.1.push(format!(
                    "{} ({})",
                    user["account_name"].as_str().unwrap(),
                    user["account"].as_str().unwrap()
                ));
            }
        }
    }
    assert!(
        in_use.values().any(|(_, others)| !others.is_empty()),
        "the seed has a cross-account pull"
    );
    for row in report["repositories"].as_array().unwrap() {
        let key = (
            row["account"].as_str().unwrap().to_string(),
            row["region"].as_str().unwrap().to_string(),
            row["repository"].as_str().unwrap().to_string(),
        );
        let (count, mut others) = in_use.get(&key).cloned().unwrap_or_default();
        others.sort();
        others.dedup();
        assert_eq!(row["in_use"].as_u64(), Some(count), "{key:?}");
        let named: Vec<String> = row["in_use_by_accounts"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!(named, others, "{key:?}");
    }
}

/// Every (account, region, repository, digest, CVE) at HIGH and above, and the images
/// per account, read with each member's own credentials: DescribeImages, then
/// DescribeImageScanFindings (every page) of each image whose scan finished.
async fn high_findings(
    sandbox: &Sandbox,
    members: &[Member],
) -> (
    std::collections::BTreeSet<(String, String, String, String, String)>,
    BTreeMap<String, u64>,
) {
    let mut found = std::collections::BTreeSet::new();
    let mut images_per_account = BTreeMap::new();
    for repository in member_repositories(sandbox, members).await {
        let MemberRepository {
            member,
            region,
            ecr,
            name,
            images,
        } = repository;
        let name = name.as_str();
        *images_per_account.entry(member.id.clone()).or_default() += images.len() as u64;
        for image in images {
            let finished = image
                .image_scan_status()
                .and_then(|s| s.status())
                .is_some_and(|s| matches!(s.as_str(), "COMPLETE" | "ACTIVE"));
            if !finished {
                continue;
            }
            let digest = image.image_digest().unwrap().to_string();
            let mut pages = ecr
                .describe_image_scan_findings()
                .repository_name(name)
                .image_id(
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_digest(&digest)
                        .build(),
                )
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.expect("DescribeImageScanFindings");
                let findings = page.image_scan_findings();
                let basic = findings.map(|f| f.findings()).unwrap_or_default();
                let names = basic
                    .iter()
                    .filter(|f| {
                        f.severity()
                            .is_some_and(|s| matches!(s.as_str(), "CRITICAL" | "HIGH"))
                    })
                    .filter_map(|f| f.name().map(str::to_string));
                let enhanced = findings.map(|f| f.enhanced_findings()).unwrap_or_default();
                let more = enhanced
                    .iter()
                    .filter(|f| {
                        f.severity()
                            .is_some_and(|s| matches!(s, "CRITICAL" | "HIGH"))
                    })
                    .filter_map(|f| {
                        f.package_vulnerability_details()
                            .and_then(|d| d.vulnerability_id())
                            .map(str::to_string)
                    });
                for cve in names.chain(more) {
                    found.insert((
                        member.id.clone(),
                        region.to_string(),
                        name.to_string(),
                        digest.clone(),
                        cve,
                    ));
                }
            }
        }
    }
    (found, images_per_account)
}

#[test]
fn findings_across_the_organization_equal_a_read_of_every_member_account() {
    let sandbox = Sandbox::organization();
    let (members, (truth, images)) = Sandbox::runtime().block_on(async {
        let members = members(&sandbox).await;
        let truth = high_findings(&sandbox, &members).await;
        (members, truth)
    });
    let accounts_with_findings: std::collections::BTreeSet<&String> =
        truth.iter().map(|(account, ..)| account).collect();
    assert!(
        accounts_with_findings.len() >= 2,
        "the seed has findings in more than one account: {accounts_with_findings:?}"
    );

    let mut args = vec![
        "findings",
        "--all",
        "--organization",
        "--severity",
        "HIGH",
        "--output",
        "json",
    ];
    args.extend(REGIONS.iter().flat_map(|r| ["--region", *r]));
    let out = support::run::berth(&sandbox.env(), &args);
    assert_eq!(
        out.status.code(),
        Some(3),
        "partial: one account's role cannot be assumed\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = json_of(&out);

    // Every affected image of every CVE, with its account and region, equals the read.
    let mut rows = std::collections::BTreeSet::new();
    for cve in report["cves"].as_array().unwrap() {
        let mut accounts = std::collections::BTreeSet::new();
        for affected in cve["affected"].as_array().unwrap() {
            let account = affected["account"].as_str().unwrap().to_string();
            let member = members.iter().find(|m| m.id == account).unwrap();
            assert_eq!(
                affected["account_name"].as_str(),
                Some(member.name.as_str())
            );
            let region = affected["region"].as_str().unwrap();
            let digest = affected["digest"].as_str().unwrap();
            let repository = affected["repository"].as_str().unwrap();
            assert_eq!(
                affected["uri"].as_str().unwrap(),
                format!("{account}.dkr.ecr.{region}.amazonaws.com/{repository}@{digest}")
            );
            rows.insert((
                account.clone(),
                region.to_string(),
                repository.to_string(),
                digest.to_string(),
                cve["name"].as_str().unwrap().to_string(),
            ));
            accounts.insert(account);
        }
        let listed: std::collections::BTreeSet<String> = cve["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, accounts, "{}", cve["name"]);
    }
    assert_eq!(rows, truth);

    // Totals per account: every reachable account's images; the denied one has its two
    // registries' errors and nothing else fails.
    for account in report["accounts"].as_array().unwrap() {
        let id = account["account"].as_str().unwrap();
        let reachable = members.iter().any(|m| m.id == id && m.credentials.is_ok());
        assert_eq!(
            account["totals"]["images"].as_u64(),
            Some(images.get(id).copied().unwrap_or(0)),
            "{id}"
        );
        let expected_errors = if reachable { 0 } else { REGIONS.len() as u64 };
        assert_eq!(account["errors"].as_u64(), Some(expected_errors), "{id}");
    }
    assert_eq!(
        report["accounts"].as_array().unwrap().len(),
        members.len(),
        "one entry per active account"
    );
    for error in report["errors"].as_array().unwrap() {
        let account = error["account"].as_str().unwrap();
        assert!(
            members
                .iter()
                .any(|m| m.id == account && m.credentials.is_err()),
            "{error}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("sts:AssumeRole")
        );
    }
}

/// `--repo` across accounts reads the repository where it exists: an account without it
/// is a note, not an error, and a repository no account has is "nothing could be read".
#[test]
fn findings_of_a_named_repository_read_it_in_every_account_that_has_it() {
    let sandbox = Sandbox::organization();
    let repository = "payments/api";
    let (members, (truth, _)) = Sandbox::runtime().block_on(async {
        let members = members(&sandbox).await;
        let truth = high_findings(&sandbox, &members).await;
        (members, truth)
    });
    let holders: std::collections::BTreeSet<String> = Sandbox::runtime().block_on(async {
        member_repositories(&sandbox, &members)
            .await
            .into_iter()
            .filter(|r| r.name == repository && r.region == "us-east-1")
            .map(|r| r.member.id.clone())
            .collect()
    });
    assert!(
        holders.len() >= 2,
        "the seed has {repository} in two accounts"
    );
    let args = [
        "findings",
        "--repo",
        repository,
        "--organization",
        "--region",
        "us-east-1",
        "--severity",
        "HIGH",
        "--output",
        "json",
    ];
    let out = support::run::berth(&sandbox.env(), &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "the denied account: {stderr}");
    let report: Value = json_of(&out);
    for account in report["accounts"].as_array().unwrap() {
        let id = account["account"].as_str().unwrap();
        let has = u64::from(holders.contains(id));
        assert_eq!(
            account["totals"]["repositories"].as_u64(),
            Some(has),
            "{id}"
        );
        let reachable = members.iter().any(|m| m.id == id && m.credentials.is_ok());
        if reachable && has == 0 {
            assert!(stderr.contains(&format!(
                "({id}) us-east-1: repository {repository} not found"
            )));
        }
    }
    let rows: std::collections::BTreeSet<(String, String)> = report["cves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|cve| {
            cve["affected"].as_array().unwrap().iter().map(|a| {
                (
                    a["digest"].as_str().unwrap().to_string(),
                    cve["name"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let expected: std::collections::BTreeSet<(String, String)> = truth
        .iter()
        .filter(|(_, region, repo, _, _)| repo == repository && region == "us-east-1")
        .map(|(_, _, _, digest, cve)| (digest.clone(), cve.clone()))
        .collect();
    assert_eq!(rows, expected);

    let out = support::run::berth(
        &sandbox.env(),
        &["findings", "--repo", "nowhere/at-all", "--organization"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing could be read"));
}

/// `:criticals` from the registries pane of an organization sweeps every account ×
/// region: the counts equal the SDK read, the denied account's two registries are its
/// only errors, and `y` copies each affected image's URI in its own account and region.
#[test]
fn criticals_from_the_registries_pane_cover_every_account() {
    let sandbox = Sandbox::organization();
    let (members, (truth, images)) = Sandbox::runtime().block_on(async {
        let members = members(&sandbox).await;
        let truth = high_findings(&sandbox, &members).await;
        (members, truth)
    });
    let cves: std::collections::BTreeSet<&String> = truth.iter().map(|t| &t.4).collect();
    let affected: std::collections::BTreeSet<_> = truth
        .iter()
        .map(|(a, r, repo, digest, _)| (a, r, repo, digest))
        .collect();
    let seen: u64 = images.values().sum();
    let registries = members.len() * REGIONS.len();

    let mut args = vec!["--organization"];
    args.extend(REGIONS.iter().flat_map(|r| ["--region", *r]));
    let mut tui = support::pty::Tui::spawn(&args, &sandbox.env(), 200, 40);
    tui.wait_for("repositories");
    tui.send("\u{1b}");
    tui.wait_for(&format!("{registries} registries"));
    tui.send(":criticals\r");
    let summary = format!("{} CVEs · {} of {seen} images", cves.len(), affected.len());
    let screen = tui.wait_until("every registry swept", |s| {
        let text = s.contents();
        text.contains(&format!("{registries}/{registries} registries read"))
            && !text.contains("sweeping")
    });
    assert!(screen.contains(&summary), "{summary}\n{screen}");
    assert!(
        screen.contains(&format!("· {} errors", REGIONS.len())),
        "the denied account's registries, no more:\n{screen}"
    );

    // The selected CVE's images, copied: each URI in its own account and region, and
    // exactly the images the read found with that CVE.
    let before = tui.clipboard().len();
    tui.send("y");
    tui.wait_for("copied");
    let copied = tui.clipboard()[before].clone();
    let uris: std::collections::BTreeSet<(String, String, String, String)> = copied
        .lines()
        .map(|uri| {
            let (host, rest) = uri.split_once('/').unwrap();
            let (name, digest) = rest.split_once('@').unwrap();
            let repository = name.split_once(':').map_or(name, |(r, _)| r);
            let parts: Vec<&str> = host.split('.').collect();
            (
                parts[0].to_string(),
                parts[3].to_string(),
                repository.to_string(),
                digest.to_string(),
            )
        })
        .collect();
    let matching: Vec<&&String> = cves
        .iter()
        .filter(|cve| {
            let images: std::collections::BTreeSet<(String, String, String, String)> = truth
                .iter()
                .filter(|t| &&t.4 == *cve)
                .map(|t| (t.0.clone(), t.1.clone(), t.2.clone(), t.3.clone()))
                .collect();
            images == uris
        })
        .collect();
    assert!(
        matching.iter().any(|cve| screen.contains(cve.as_str())),
        "the copied URIs are one CVE's images: {copied}"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// What the organization seed wrote, as the sandbox records it (`GET
/// /moto-api/berth/organization`): an oracle independent of berth.
fn seeded_organization(sandbox: &Sandbox) -> Value {
    let url = format!("{}/moto-api/berth/organization", sandbox.endpoint);
    let output = std::process::Command::new(support::python())
        .args([
            "-c",
            "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            &url,
        ])
        .output()
        .expect("ask the sandbox what it seeded");
    assert!(output.status.success(), "GET {url} failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `berth --organization --region us-east-1` in a 200x40 terminal, walked to the
/// repositories of `account` (its us-east-1 registry) once `repository` is listed there.
fn open_account(env: &[(String, String)], account: &str, repository: &str) -> support::pty::Tui {
    open_account_with(env, account, repository, &[])
}

/// [`open_account`] with more command-line arguments.
fn open_account_with(
    env: &[(String, String)],
    account: &str,
    repository: &str,
    extra: &[&str],
) -> support::pty::Tui {
    use support::pty::keys::{ENTER, ESC};
    let mut args = vec!["--organization", "--region", "us-east-1"];
    args.extend(extra);
    let mut tui = support::pty::Tui::spawn(&args, env, 200, 40);
    tui.wait_for("repositories");
    tui.send(ESC);
    tui.wait_for("registries");
    tui.send(&format!("/{account}"));
    tui.send(ENTER);
    tui.wait_for("rows 1–1 of 1");
    tui.send(ENTER);
    tui.wait_until("the account's repositories", |s| {
        let text = s.contents();
        text.contains(&format!("{account}/us-east-1")) && text.contains(repository)
    });
    tui
}

/// From an account's repositories, open `repository` (filtered to it first, so Enter
/// acts on exactly that row).
fn open_repository(tui: &mut support::pty::Tui, repository: &str) {
    use support::pty::keys::ENTER;
    tui.send(&format!("/{repository}"));
    tui.send(ENTER);
    tui.wait_until("the repository filtered", |s| {
        support::pty::Tui::status_line(s).contains(&format!("filter: {repository}"))
    });
    tui.send(ENTER);
}

/// The digests of `repository` in us-east-1, read with a member's own credentials.
fn digests(
    sandbox: &Sandbox,
    credentials: &aws_sdk_ecr::config::Credentials,
    repository: &str,
) -> Vec<String> {
    Sandbox::runtime().block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&sandbox.endpoint)
            .credentials_provider(credentials.clone())
            .load()
            .await;
        let client = aws_sdk_ecr::Client::new(&config);
        support::all_images(&client, repository)
            .await
            .iter()
            .map(|i| i.image_digest().unwrap().to_string())
            .collect()
    })
}

/// A delete an organization's guardrail refuses (payments-prod's service control policy
/// denies ecr:BatchDeleteImage): the result names the policy, not a missing permission of
/// the user's role, and the image is still there.
#[test]
fn a_delete_a_service_control_policy_denies_says_so_and_deletes_nothing() {
    let sandbox = Sandbox::organization();
    let members = Sandbox::runtime().block_on(members(&sandbox));
    let (prod, credentials) = reachable(&members, "payments-prod");
    let repository = "payments/worker";
    let before = digests(&sandbox, &credentials, repository);

    let mut tui = open_images(&sandbox.env(), "payments-prod", repository, &[]);
    // The oldest image: not in use, so the plain confirmation applies.
    tui.send("Z");
    tui.send("G");
    tui.send("d");
    tui.wait_for(&format!("in account payments-prod ({})", prod.id));
    tui.send("y");
    let screen = tui.wait_for("1 failed");
    let text = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("a service control policy of the organization denies it"),
        "{screen}"
    );
    assert!(!text.contains("lacks that permission"), "{screen}");
    tui.send("q");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert_eq!(digests(&sandbox, &credentials, repository), before);
}

/// `--read-only` holds in every member account: a delete there is refused before any
/// call, and nothing is written to the audit log.
#[test]
fn read_only_holds_in_a_member_account() {
    let sandbox = Sandbox::organization();
    let members = Sandbox::runtime().block_on(members(&sandbox));
    let (_, credentials) = reachable(&members, "payments-dev");
    let repository = "payments/worker";
    let before = digests(&sandbox, &credentials, repository);
    let env = sandbox.env();
    let home = std::path::PathBuf::from(&env.iter().find(|(k, _)| k == "HOME").unwrap().1);
    let mut tui = open_images(&env, "payments-dev", repository, &["--read-only"]);
    tui.send("Z");
    tui.send("G");
    tui.send("d");
    tui.wait_for("read-only mode");
    tui.send("q");
    tui.wait_exit();
    assert_eq!(digests(&sandbox, &credentials, repository), before);
    assert!(
        !support::audit_log_path(&home).exists(),
        "a refusal is not an attempt"
    );
}

/// The member named `name` and the credentials its role gives.
fn reachable<'m>(
    members: &'m [Member],
    name: &str,
) -> (&'m Member, aws_sdk_ecr::config::Credentials) {
    let member = members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("the seed has {name}"));
    let credentials = member
        .credentials
        .clone()
        .unwrap_or_else(|err| panic!("{name}'s role can be assumed: {err}"));
    (member, credentials)
}

/// `berth --organization` (with `extra`) on `repository`'s images in `account`'s
/// us-east-1 registry, once they are listed.
fn open_images(
    env: &[(String, String)],
    account: &str,
    repository: &str,
    extra: &[&str],
) -> support::pty::Tui {
    let mut tui = open_account_with(env, account, repository, extra);
    open_repository(&mut tui, repository);
    tui.wait_until("the images pane", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading images")
    });
    tui
}

/// The registries pane of `berth --organization`: one row per account × region with the
/// account's name and id, its repository count equal to the SDK read, and the account
/// whose role is denied failing on its own rows with the IAM action named.
#[test]
fn the_registries_pane_lists_every_account_in_every_region() {
    let sandbox = Sandbox::organization();
    let (members, truth) = Sandbox::runtime().block_on(async {
        let members = members(&sandbox).await;
        let truth = repositories(&sandbox, &members).await;
        (members, truth)
    });
    let mut args = vec!["--organization"];
    args.extend(REGIONS.iter().flat_map(|r| ["--region", *r]));
    let mut tui = support::pty::Tui::spawn(&args, &sandbox.env(), 160, 40);
    // From the first registry's repositories up to the registries pane.
    tui.wait_for("repositories");
    tui.send("\u{1b}");
    let rows = members.len() * REGIONS.len();
    let screen = tui.wait_until("every registry counted or failed", |s| {
        let text = s.contents();
        text.contains(&format!("{rows} registries"))
            && text
                .lines()
                .filter(|l| l.contains(" ok") || l.contains("AccessDenied"))
                .count()
                >= rows
    });
    for member in &members {
        for region in REGIONS {
            let line = screen
                .lines()
                .find(|l| {
                    let words: Vec<&str> = l.split_whitespace().filter(|w| *w != "●").collect();
                    words.len() >= 3 && words[0] == member.name && words[1] == region
                })
                .unwrap_or_else(|| panic!("no row for {} {region}:\n{screen}", member.name));
            assert!(line.contains(&member.id), "{line}");
            if member.credentials.is_ok() {
                let count = truth
                    .keys()
                    .filter(|(account, r, _)| account == &member.id && r == region)
                    .count();
                let words: Vec<&str> = line.split_whitespace().collect();
                let at = words.iter().position(|w| *w == member.id).unwrap();
                assert_eq!(words[at + 1], count.to_string(), "{line}");
            } else {
                assert!(line.contains("AccessDenied"), "{line}");
            }
        }
    }
    // The denied row's full error names the IAM action and the role.
    let denied = members.iter().find(|m| m.credentials.is_err()).unwrap();
    let position = screen
        .lines()
        .skip(2)
        .position(|l| l.contains(&denied.name))
        .unwrap();
    tui.send("g");
    for _ in 0..position {
        tui.send("j");
    }
    tui.wait_for(&format!(
        "AccessDenied on sts:AssumeRole for arn:aws:iam::{}:role/{ROLE}",
        denied.id
    ));
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A delete in a member account: the confirmation names the account, the call is made
/// with that account's assumed role (the image is gone when the test reads the account
/// with its own credentials), and the audit-log line names the account and the role.
#[test]
fn a_delete_in_a_member_account_names_the_account_and_reaches_it() {
    let sandbox = Sandbox::organization();
    let members = Sandbox::runtime().block_on(members(&sandbox));
    let (dev, credentials) = reachable(&members, "payments-dev");
    let repository = "payments/api";
    let before = digests(&sandbox, &credentials, repository);

    let env = sandbox.env();
    let home = std::path::PathBuf::from(&env.iter().find(|(k, _)| k == "HOME").unwrap().1);
    let mut tui = open_images(&env, "payments-dev", repository, &[]);
    // Every manifest as its own row, so the first row is exactly one image.
    tui.send("Z");
    tui.send("d");
    tui.wait_for(&format!("in account payments-dev ({}), us-east-1", dev.id));
    // The title of every question in a member registry names the account too.
    assert!(
        tui.screen().contains(&format!(
            "confirm delete · account payments-dev ({})",
            dev.id
        )),
        "{}",
        tui.screen()
    );
    tui.send("y");
    tui.wait_until("the delete to finish", |s| {
        support::pty::Tui::status_line(s).contains("deleted")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    let after = digests(&sandbox, &credentials, repository);
    let gone: Vec<&String> = before.iter().filter(|d| !after.contains(d)).collect();
    assert!(
        !gone.is_empty(),
        "an image is gone from payments-dev's own registry"
    );
    let lines = support::audit_log_lines(&home);
    let line = lines.last().expect("one audit line");
    assert_eq!(line["account"], dev.id.as_str());
    assert_eq!(line["profile"], "payments-dev");
    assert_eq!(line["role"], ROLE);
    let logged: Vec<&str> = line["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["digest"].as_str())
        .collect();
    for digest in gone {
        assert!(
            logged.contains(&digest.as_str()),
            "{digest} is in the audit line"
        );
    }
}

/// The TUI's IN USE across accounts: platform-shared's shared/envoy image that a
/// payments-prod service pulls is in use, and its footer names the using account, as the
/// organization seed records it.
#[test]
fn an_image_another_account_pulls_is_in_use_in_the_tui() {
    let sandbox = Sandbox::organization();
    let seed = seeded_organization(&sandbox);
    let (digest, user_account, user_name) = seed["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|image| {
            let user = image["users"]
                .as_array()?
                .iter()
                .find(|u| u["account"] != image["account"])?;
            (image["repository"] == "shared/envoy").then(|| {
                (
                    image["digest"].as_str().unwrap().to_string(),
                    user["account"].as_str().unwrap().to_string(),
                    user["account_name"].as_str().unwrap().to_string(),
                )
            })
        })
        .expect("the seed has a cross-account pull of shared/envoy");
    let short = &digest["sha256:".len()..][..12];

    // ECS through a counting proxy: each account's workloads are surveyed once for the
    // registries of the region, not again for every registry opened.
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let mut env = sandbox.env();
    env.retain(|(name, _)| name != "AWS_ENDPOINT_URL_ECS");
    env.push(("AWS_ENDPOINT_URL_ECS".into(), proxy.url()));
    let mut tui = open_account(&env, "platform-shared", "shared/envoy");
    open_repository(&mut tui, "shared/envoy");
    let screen = tui.wait_until("the images and their use", |s| {
        let text = s.contents();
        text.contains("repositories › shared/envoy")
            && text
                .lines()
                .any(|l| l.contains(short) && l.contains("ecs:"))
    });
    // Put the cursor on the image in use and read its footer.
    let row = screen
        .lines()
        .skip(2)
        .position(|l| l.contains(short))
        .unwrap();
    for _ in 0..row {
        tui.send("j");
    }
    tui.wait_for(&format!("in {user_name} ({user_account})"));
    let surveyed = proxy.stats().count("ListClusters");
    assert!(surveyed >= 1, "the survey went through the proxy");

    // Another account's registry of the same region: its in-use column fills from the
    // surveys already made (payments-prod's own service runs one payments/api image).
    let own = seed["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["repository"] == "payments/api")
        .and_then(|i| i["digest"].as_str())
        .expect("the seed has payments/api in use");
    let own_short = &own["sha256:".len()..][..12];
    tui.send(":registries\r");
    tui.wait_until("the registries pane, filtered", |s| {
        support::pty::Tui::header(s).contains("│ registries")
            && support::pty::Tui::status_line(s).contains("filter: platform-shared")
    });
    // Esc alone (a key right after it would read as Alt+key): the filter goes.
    tui.send(support::pty::keys::ESC);
    tui.wait_until("the filter cleared", |s| {
        !support::pty::Tui::status_line(s).contains("filter:")
    });
    tui.send("/payments-prod\r");
    tui.wait_for("rows 1–1 of 1");
    tui.send("\r");
    // The repositories pane keeps its filter (shared/envoy) across registries: clear it.
    tui.wait_until("payments-prod's repositories, filtered", |s| {
        support::pty::Tui::header(s).contains("payments-prod/us-east-1")
            && support::pty::Tui::status_line(s).contains("filter: shared/envoy")
    });
    tui.send(support::pty::keys::ESC);
    tui.wait_until("payments-prod's repositories", |s| {
        let text = s.contents();
        text.contains("payments-prod/us-east-1") && text.contains("payments/api")
    });
    open_repository(&mut tui, "payments/api");
    tui.wait_until("payments/api's image in use", |s| {
        s.contents()
            .lines()
            .any(|l| l.contains(own_short) && l.contains("ecs:"))
    });
    assert_eq!(
        proxy.stats().count("ListClusters"),
        surveyed,
        "no account's workloads surveyed twice"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// A member account's session that ends before its time (the sandbox's
/// /expire-credentials, as an administrator revoking sessions would) is renewed on the
/// spot: the next call is answered ExpiredTokenException, berth assumes the role again and
/// retries, and the user sees the listing, not an error.
#[test]
fn a_session_that_ends_early_is_renewed_without_the_user_seeing_it() {
    let sandbox = Sandbox::organization();
    let members = Sandbox::runtime().block_on(members(&sandbox));
    let dev = members.iter().find(|m| m.name == "payments-dev").unwrap();
    let proxy = Proxy::start(ProxyConfig::new(&sandbox.endpoint, Duration::ZERO)).unwrap();
    let mut env = sandbox.env();
    env.push(("AWS_ENDPOINT_URL_STS".into(), proxy.url()));
    env.push(("AWS_ENDPOINT_URL_ECR".into(), proxy.url()));
    let mut tui = open_account(&env, "payments-dev", "payments/api");
    let assumed = proxy.stats().count("AssumeRole");

    // End every session into the account now.
    let url = format!("{}/moto-api/berth/expire-credentials", sandbox.endpoint);
    let body = format!("{{\"account\": \"{}\"}}", dev.id);
    let posted = std::process::Command::new(support::python())
        .args([
            "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'})).read()",
            &url,
            &body,
        ])
        .status()
        .unwrap();
    assert!(posted.success());

    let listed = proxy.stats().count("DescribeRepositories");
    tui.send("r");
    // The listing is asked for again (the first attempt is refused: the session ended)…
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while proxy.stats().count("DescribeRepositories") < listed + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no retried listing:\n{}",
            tui.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // …and answered.
    let screen = tui.wait_until("the repositories listed again", |s| {
        let status = support::pty::Tui::status_line(s);
        !status.contains("loading") && s.contents().contains("payments/api")
    });
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        !status.contains("expired") && !status.contains("ExpiredToken"),
        "no error for the user: {status}"
    );
    assert_eq!(
        proxy.stats().count("AssumeRole"),
        assumed + 1,
        "the role was assumed once more"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// An opt-in region only one member account enabled: the others' registries there fail
/// on their own, saying the region may not be enabled for the account, and the account
/// that enabled it is read.
#[test]
fn a_region_not_enabled_in_an_account_says_so_for_that_account_only() {
    let sandbox = Sandbox::organization();
    let seed = seeded_organization(&sandbox);
    let enabled: Vec<String> = seed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["opt_in_regions_enabled"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r == "eu-south-1"))
        })
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !enabled.is_empty(),
        "the seed enables eu-south-1 somewhere: {seed:#}"
    );
    let out = support::run::berth(
        &sandbox.env(),
        &[
            "audit",
            "--organization",
            "--region",
            "eu-south-1",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "partial");
    let report: Value = json_of(&out);
    for registry in report["registries"].as_array().unwrap() {
        let account = registry["account"].as_str().unwrap_or_default();
        if enabled.iter().any(|id| id == account) {
            assert_eq!(registry["complete"], true, "{registry:#}");
        }
    }
    // The account that enabled it has its repositories there in the report.
    assert!(
        report["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| {
                enabled.iter().any(|id| row["account"] == id.as_str())
                    && row["region"] == "eu-south-1"
            }),
        "{:#}",
        report["repositories"]
    );
    let unrecognised: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "UnrecognizedClientException")
        .collect();
    assert!(!unrecognised.is_empty(), "{:#}", report["errors"]);
    for error in unrecognised {
        let text = error["error"].as_str().unwrap();
        assert!(
            text.contains("may not be enabled for this account"),
            "{text}"
        );
        assert!(
            !enabled.iter().any(|id| text.contains(id.as_str())),
            "the account that enabled the region reads it: {text}"
        );
    }
}
