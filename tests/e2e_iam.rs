//! Least privilege against moto's real IAM enforcement (not a proxy pretending): IAM users
//! with inline policies are created in the sandbox, enforcement is switched on with moto's
//! own `POST /moto-api/reset-auth` (body `0`), and berth runs with a user's keys.
//!
//! - `operator` may do `ecr:*` except `ecr:BatchDeleteImage` and `ecr:PutImage` (explicit
//!   Deny): browsing works, delete and tag end in AccessDenied naming the action, and the
//!   image is untouched.
//! - `reader` may only describe, list, get and batch-get: a fully working read-only
//!   experience, TUI and headless.
//! - `no-policy-reads` is a reader denied `ecr:GetRepositoryPolicy`: the repository
//!   detail view names that action in its one section and shows the others.
//! - `no-signing-status` is a reader denied `ecr:DescribeImageSigningStatus`: the image
//!   detail view names it in the signing section and reads the others.
//!
//! moto signs nothing for us: every request is checked against the caller's SigV4
//! signature and policies, and a denied one is HTTP 403 with IAM's XML `AccessDenied`
//! body (ECR itself would answer JSON `AccessDeniedException`); berth treats any 403 as
//! access denied.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use support::Sandbox;
use support::proxy::http_call;
use support::pty::{Tui, keys};

const REPOS: [(&str, usize); 2] = [("team/api", 12), ("team/worker", 5)];
const API: &str = "team/api";

/// The sandbox, seeded, with users created and enforcement on; shared by the tests (the
/// switch is server-wide, and nothing here is allowed to change the data).
struct World {
    sandbox: Sandbox,
    keys: BTreeMap<String, (String, String)>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let sandbox = Sandbox::empty();
        // Data first, while anyone may write.
        let seed = json!({"region": "us-east-1", "repositories": REPOS.iter().map(|(name, images)| {
            json!({"name": name, "images": images, "tagged_fraction": 1.0})
        }).collect::<Vec<_>>()});
        call_route(&sandbox, "seed", &seed);
        let allow_all_ecr_but = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["ecr:BatchDeleteImage", "ecr:PutImage"], "Resource": "*"}
        ]});
        let read_only = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Resource": "*", "Action": [
                "ecr:Describe*", "ecr:List*", "ecr:Get*", "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability"
            ]}
        ]});
        let admin = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ]});
        let no_policy_reads = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Resource": "*", "Action": [
                "ecr:Describe*", "ecr:List*", "ecr:Get*", "ecr:BatchGetImage"
            ]},
            {"Effect": "Deny", "Resource": "*", "Action": "ecr:GetRepositoryPolicy"}
        ]});
        let no_signing_status = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Resource": "*", "Action": [
                "ecr:Describe*", "ecr:List*", "ecr:Get*", "ecr:BatchGetImage"
            ]},
            {"Effect": "Deny", "Resource": "*", "Action": "ecr:DescribeImageSigningStatus"}
        ]});
        let created = call_route(
            &sandbox,
            "iam-users",
            &json!({"users": [
                {"name": "operator", "policy": allow_all_ecr_but},
                {"name": "reader", "policy": read_only},
                {"name": "admin", "policy": admin},
                {"name": "no-policy-reads", "policy": no_policy_reads},
                {"name": "no-signing-status", "policy": no_signing_status},
            ]}),
        );
        let keys = created["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let text = |k: &str| u[k].as_str().unwrap().to_string();
                (
                    text("name"),
                    (text("access_key_id"), text("secret_access_key")),
                )
            })
            .collect();
        // moto's own switch: check every request from now on.
        let (status, body) = http_call(
            &sandbox.endpoint,
            "POST",
            "/moto-api/reset-auth",
            "text/plain",
            b"0",
        )
        .expect("POST /moto-api/reset-auth");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        World { sandbox, keys }
    })
}

fn call_route(sandbox: &Sandbox, route: &str, body: &Value) -> Value {
    let (status, answer) = http_call(
        &sandbox.endpoint,
        "POST",
        &format!("/moto-api/berth/{route}"),
        "application/json",
        body.to_string().as_bytes(),
    )
    .unwrap_or_else(|err| panic!("POST {route}: {err}"));
    let answer: Value = serde_json::from_slice(&answer).expect("a JSON answer");
    assert_eq!(status, 200, "POST {route}: {answer}");
    answer
}

/// The sandbox's environment with `user`'s keys.
fn env_as(user: &str) -> Vec<(String, String)> {
    let world = world();
    let (id, secret) = &world.keys[user];
    let mut env = world.sandbox.env();
    env.push(("AWS_ACCESS_KEY_ID".into(), id.clone()));
    env.push(("AWS_SECRET_ACCESS_KEY".into(), secret.clone()));
    env
}

/// An SDK client with `user`'s keys.
async fn client_as(user: &str) -> aws_sdk_ecr::Client {
    let world = world();
    let (id, secret) = &world.keys[user];
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&world.sandbox.endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            id, secret, None, None, "tests",
        ))
        .load()
        .await;
    aws_sdk_ecr::Client::new(&config)
}

/// Digest → tags of every image of `repository`, read by the admin.
fn images_as_admin(repository: &str) -> BTreeMap<String, Vec<String>> {
    Sandbox::runtime().block_on(async {
        let client = client_as("admin").await;
        support::all_images(&client, repository)
            .await
            .iter()
            .map(|i| {
                let mut tags = i.image_tags().to_vec();
                tags.sort();
                (i.image_digest().unwrap().to_string(), tags)
            })
            .collect()
    })
}

/// The text inside the dialog box titled `title`, its wrapped lines joined: a message
/// that wrapped can be searched as one phrase.
fn dialog_text(screen: &vt100::Screen, title: &str) -> Option<String> {
    let (rows, cols) = screen.size();
    let lines: Vec<Vec<char>> = screen
        .rows(0, cols.get())
        .take(usize::from(rows.get()))
        .map(|row| row.chars().collect())
        .collect();
    let (top, left) = lines.iter().enumerate().find_map(|(r, line)| {
        let text: String = line.iter().collect();
        let at = text.find(&format!("┌ {title} "))?;
        Some((r, text[..at].chars().count()))
    })?;
    let right = lines[top][left + 1..].iter().position(|c| *c == '┐')? + left + 1;
    let mut out = String::new();
    for line in &lines[top + 1..] {
        if line.get(left) == Some(&'└') {
            break;
        }
        let inner: String = line.get(left + 1..right)?.iter().collect();
        out.push(' ');
        out.push_str(inner.trim());
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn enforcement_is_really_on() {
    let world = world();
    let denied = Sandbox::runtime().block_on(async {
        let stranger = world.sandbox.ecr("us-east-1").await;
        stranger.describe_repositories().send().await
    });
    let status = denied
        .err()
        .and_then(|e| e.raw_response().map(|r| r.status().as_u16()));
    assert_eq!(status, Some(403), "keys moto does not know must be refused");
}

#[test]
fn denied_delete_and_tag_name_the_action_and_change_nothing() {
    let before = images_as_admin(API);
    assert_eq!(before.len(), 12);
    let mut tui = Tui::spawn(&[], &env_as("operator"), 200, 40);
    let screen = tui.wait_until("both repositories counted", |s| {
        let status = Tui::status_line(s);
        status.starts_with("2 repositories") && !status.contains("counting")
    });
    for (name, images) in REPOS {
        assert!(
            screen
                .lines()
                .any(|l| l.split_whitespace().take(2).eq([name, &images.to_string()])),
            "{name} with {images} images:\n{screen}"
        );
    }
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send(API);
    tui.send(keys::ENTER);
    tui.wait_until("the images of team/api", |s| {
        s.contents().contains(&format!("repositories › {API}"))
            && Tui::status_line(s).starts_with("12 images")
    });

    // Delete the selected image: confirmed, then refused by IAM.
    tui.send("d");
    tui.wait_for("confirm delete");
    tui.send("y");
    let screen = tui.wait_until("the delete report", |s| {
        dialog_text(s, "deleted 0, 1 failed").is_some()
    });
    let parser_screen = screen_now(&tui);
    let report = dialog_text(&parser_screen, "deleted 0, 1 failed").unwrap();
    assert!(
        report.contains(&format!(
            "AccessDenied on ecr:BatchDeleteImage for {API} — your role lacks that permission"
        )),
        "{report}\n{screen}"
    );
    tui.send(keys::ESC);
    tui.wait_until("the images again, all 12", |s| {
        let status = Tui::status_line(s);
        !s.contents().contains("deleted 0") && status.starts_with("12 images")
    });

    // Tag the selected image: the tag is free, BatchGetImage is allowed, PutImage is not.
    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("iam-denied");
    tui.send(keys::ENTER);
    // One image, one failure: the status line says it, no dialog takes the next key.
    tui.wait_until("the tag failure on the status line", |s| {
        Tui::status_line(s).contains("tag failed")
    });
    let status = tui.current_status_line();
    assert!(
        status.contains(&format!(
            "AccessDenied on ecr:PutImage for {API} — your role lacks that permission"
        )),
        "{status}"
    );

    // Nothing else broke: a refresh still lists every image, and the other repository
    // opens.
    tui.send("r");
    tui.wait_until("a refreshed list of 12", |s| {
        let status = Tui::status_line(s);
        status.starts_with("12 images") && !status.contains("loading")
    });
    // Wait for Esc to land: an Esc followed at once by ':' reads as Alt-:.
    tui.send(keys::ESC);
    tui.wait_until("the repositories pane", |s| {
        Tui::status_line(s).starts_with("2 repositories")
    });
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send("team/worker");
    tui.send(keys::ENTER);
    tui.wait_until("the images of team/worker", |s| {
        s.contents().contains("repositories › team/worker")
            && Tui::status_line(s).starts_with("5 images")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    assert_eq!(
        images_as_admin(API),
        before,
        "the registry must be exactly as it was"
    );
}

/// A copy of the current screen.
fn screen_now(tui: &Tui) -> vt100::Screen {
    let screen = std::cell::RefCell::new(None);
    tui.wait_until("a screen", |s| {
        *screen.borrow_mut() = Some(s.clone());
        true
    });
    screen.into_inner().expect("set above")
}

#[test]
fn a_read_only_role_browses_and_audits_fully() {
    let mut tui = Tui::spawn(&[API], &env_as("reader"), 200, 40);
    tui.wait_until("the images of team/api", |s| {
        s.contents().contains(&format!("repositories › {API}"))
            && Tui::status_line(s).starts_with("12 images")
            && !Tui::status_line(s).contains("loading")
    });
    tui.send(keys::ESC);
    let screen = tui.wait_until("both repositories counted", |s| {
        let status = Tui::status_line(s);
        status.starts_with("2 repositories") && !status.contains("counting")
    });
    assert!(
        !screen.contains("AccessDenied"),
        "a reader's browsing needs no other permission:\n{screen}"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env_as("reader"))
        .args(["audit", "--output", "json", "--no-usage"])
        .output()
        .expect("run berth audit");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!("{}", String::from_utf8_lossy(&output.stderr));
    });
    assert_eq!(output.status.code(), Some(0), "{report}");
    let counts: BTreeMap<&str, u64> = report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap(),
                r["images"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        REPOS.iter().map(|(n, i)| (*n, *i as u64)).collect(),
        "{report}"
    );
}

#[test]
fn a_denied_detail_section_names_its_action_and_the_others_load() {
    let mut tui = Tui::spawn(&[], &env_as("no-policy-reads"), 200, 50);
    tui.wait_until("both repositories listed", |s| {
        Tui::status_line(s).starts_with("2 repositories")
    });
    // team/api sorts first; `i` opens its detail.
    tui.send("i");
    let screen = tui.wait_until("every section answered", |s| {
        let text = s.contents();
        text.contains("repository detail · team/api") && !text.contains("loading")
    });
    assert!(
        screen.contains("AccessDenied on ecr:GetRepositoryPolicy"),
        "the denied section names the action:\n{screen}"
    );
    assert_eq!(
        screen.matches("AccessDenied").count(),
        1,
        "only that section is denied:\n{screen}"
    );
    // The sections after it were read with the same role.
    assert!(screen.contains("no lifecycle policy"), "{screen}");
    assert!(screen.contains("managed-by"), "repository tags:\n{screen}");
    assert!(
        screen.contains("BASIC"),
        "scanning configuration:\n{screen}"
    );
    assert!(screen.contains("no replication rules"), "{screen}");
    // Esc, then `q` once it has been read: sent together they would arrive as alt-q.
    tui.send(keys::ESC);
    tui.wait_gone("repository detail ·");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn a_denied_image_detail_section_names_its_action_and_the_others_load() {
    let mut tui = Tui::spawn(&["--no-usage", API], &env_as("no-signing-status"), 200, 50);
    tui.wait_until("the images listed", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {API}")) && !text.contains("loading images")
    });
    tui.send("I");
    let screen = tui.wait_until("every section answered", |s| {
        let text = s.contents();
        text.contains(&format!("image detail · {API}")) && !text.contains("loading")
    });
    assert!(
        screen.contains("AccessDenied on ecr:DescribeImageSigningStatus"),
        "the denied section names the action:\n{screen}"
    );
    assert_eq!(
        screen.matches("AccessDenied").count(),
        1,
        "only that section is denied:\n{screen}"
    );
    // The other sections were read with the same role: this seed signs and replicates
    // nothing.
    assert!(
        screen.contains("none: no signature, SBOM or attestation names this image"),
        "{screen}"
    );
    assert!(
        screen.contains("ECR reports no replication of this image"),
        "{screen}"
    );
    tui.send(keys::ESC);
    tui.wait_gone("image detail ·");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
