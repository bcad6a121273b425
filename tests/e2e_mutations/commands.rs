//! `berth uri` and `berth restore` as real processes against the sandbox.

use super::*;
use std::path::Path;

/// Run the real binary against the sandbox with `state` as XDG_STATE_HOME.
fn berth(args: &[&str], state: &Path) -> (i32, String, String) {
    let mut env = sandbox().env();
    env.push(("XDG_STATE_HOME".into(), state.display().to_string()));
    let output = crate::support::run::berth(&env, args);
    (
        crate::support::run::code(&output),
        crate::support::run::stdout(&output),
        crate::support::run::stderr(&output),
    )
}

#[tokio::test]
async fn berth_uri_prints_the_digest_pinned_uri() {
    let setup = Setup::new().await;
    create_repository(&setup.client, "e2e/uri", false).await;
    create_repository(&setup.client, "e2e/uri-single", false).await;
    let d1 = push(
        &setup.client,
        "e2e/uri",
        &manifest("uri 1"),
        DOCKER_MANIFEST,
        &["v1"],
    )
    .await;
    push(
        &setup.client,
        "e2e/uri",
        &manifest("uri 2"),
        DOCKER_MANIFEST,
        &["v2"],
    )
    .await;
    let only = push(
        &setup.client,
        "e2e/uri-single",
        &manifest("uri only"),
        DOCKER_MANIFEST,
        &[],
    )
    .await;
    let host = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com");
    let state = setup.state.path();
    let run = |args: &[&str]| berth(args, state);

    let (code, out, err) = run(&["uri", "e2e/uri:v1"]);
    assert_eq!(
        (code, out.as_str()),
        (0, format!("{host}/e2e/uri:v1@{d1}\n").as_str()),
        "{err}"
    );
    let (code, out, _) = run(&["uri", &format!("e2e/uri@{d1}")]);
    assert_eq!((code, out), (0, format!("{host}/e2e/uri@{d1}\n")));
    let (code, out, _) = run(&["uri", &format!("e2e/uri:v1@{d1}")]);
    assert_eq!((code, out), (0, format!("{host}/e2e/uri:v1@{d1}\n")));
    let (code, out, _) = run(&["uri", "e2e/uri-single"]);
    assert_eq!((code, out), (0, format!("{host}/e2e/uri-single@{only}\n")));

    let (code, out, err) = run(&["uri", "e2e/uri"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("holds 2 images"), "{err}");
    let (code, _, err) = run(&["uri", "e2e/uri:nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("no image tagged nope in e2e/uri"), "{err}");
    let (code, _, err) = run(&["uri", "e2e/missing:v1"]);
    assert_eq!(code, 1);
    assert!(err.contains("repository e2e/missing not found"), "{err}");
    let (code, _, err) = run(&["uri", &format!("e2e/uri:v2@{d1}")]);
    assert_eq!(code, 1);
    assert!(err.contains("points at"), "{err}");
    let (code, _, err) = run(&["uri", "E2E/Bad:v1"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(&["uri"]);
    assert_eq!(code, 2, "a missing argument is a usage error");
}

#[tokio::test]
async fn berth_restore_puts_a_deleted_image_back() {
    let setup = Setup::new().await;
    let repo = "e2e/restore";
    create_repository(&setup.client, repo, false).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("restore 1"),
        DOCKER_MANIFEST,
        &["r1", "r2"],
    )
    .await;
    let d2 = push(
        &setup.client,
        repo,
        &manifest("restore 2"),
        DOCKER_MANIFEST,
        &["stays"],
    )
    .await;
    let before = registry_state(&setup.client, repo).await;

    let report = setup
        .mutator(false)
        .delete(repo, &[ImageRef::Digest(d1.clone())])
        .await
        .unwrap()
        .outcome;
    assert!(report.is_complete());
    let left: Vec<String> = registry_state(&setup.client, repo)
        .await
        .into_keys()
        .collect();
    assert_eq!(left, std::slice::from_ref(&d2));
    let log = setup.log_path();
    let log_arg = log.to_str().unwrap();
    let state = setup.state.path();

    let (code, out, err) = berth(
        &["restore", "--from-audit-log", log_arg, "--dry-run"],
        state,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("would restore e2e/restore sha256:"), "{out}");
    assert!(out.contains("tags r1, r2"), "{out}");
    let (code, out, _) = berth(
        &["--read-only", "restore", "--from-audit-log", log_arg],
        state,
    );
    assert_eq!(code, 1);
    assert!(out.contains("read-only mode"), "{out}");
    assert_eq!(
        registry_state(&setup.client, repo).await.len(),
        1,
        "nothing restored yet"
    );

    let (code, out, err) = berth(&["restore", "--from-audit-log", log_arg], state);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored e2e/restore"), "{out}");
    assert_eq!(registry_state(&setup.client, repo).await, before);

    // Restoring again finds the image there already, and the restore was itself audited.
    let (code, out, _) = berth(&["restore", "--from-audit-log", log_arg], state);
    assert_eq!(code, 0);
    assert!(out.contains("already present"), "{out}");
    let actions: Vec<String> = setup
        .audit_lines()
        .iter()
        .map(|l| l["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["delete", "restore", "restore"]);

    // The standard location is used when no path is given.
    let (code, _, err) = berth(&["restore", "--from-audit-log", "--dry-run"], state);
    assert_eq!(code, 0, "{err}");
}
