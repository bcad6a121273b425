//! The lifecycle view (`L`): the dry run, editing and applying, read-only, ECR's preview.

use super::*;

/// The summary line the lifecycle view shows for `repository`'s current policy.
fn expected_summary(sandbox: &Sandbox, repository: &str) -> String {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let text = client
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .unwrap()
            .lifecycle_policy_text()
            .unwrap()
            .to_string();
        let candidates = independent_candidates(&client, repository).await;
        let plan = evaluate(&parse_policy(&text).unwrap(), &candidates, Timestamp::now());
        format!(
            "{} of {} images expire",
            plan.expired_count,
            candidates.len()
        )
    })
}

#[test]
fn l_opens_the_dry_run_of_the_repositorys_policy() {
    let sandbox = Sandbox::shared();
    let expected = expected_summary(sandbox, "web/frontend");
    let mut tui = Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("lifecycle dry run · web/frontend · current policy");
    let screen = tui.wait_for(&expected);
    assert!(screen.contains("\"rulePriority\": 1,"), "{screen}");
    assert!(
        screen.contains("images with a tag starting with \"pr-\": keep the newest 30"),
        "{screen}"
    );
    tui.send(keys::ESC);
    tui.wait_gone("lifecycle dry run");
}

#[test]
fn a_puts_the_edited_policy_after_the_repository_name_is_typed() {
    let sandbox = Sandbox::standard();
    // An "editor" that replaces the file with the aggressive policy.
    let dir = tempfile::tempdir().unwrap();
    let replacement = write_temp(&dir, "replacement.json", AGGRESSIVE);
    let editor = write_temp(
        &dir,
        "editor.sh",
        &format!("#!/bin/sh\ncp '{replacement}' \"$1\"\n"),
    );
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut env = sandbox.env();
    env.push(("EDITOR".into(), editor));
    let mut tui = Tui::spawn(&["web/admin"], &env, 200, 50);
    tui.wait_for("repositories › web/admin");
    tui.send("L");
    tui.wait_for("lifecycle dry run · web/admin · no policy");
    tui.wait_for("no policy — nothing expires");
    tui.send("e");
    tui.wait_for("edited, not applied");
    tui.wait_for("dry run updated");
    tui.send("a");
    tui.wait_for("Type the repository name to apply");
    tui.send("web/admin");
    tui.send(keys::ENTER);
    tui.wait_for("lifecycle policy applied to web/admin");
    let text = Sandbox::runtime().block_on(async {
        sandbox
            .ecr("us-east-1")
            .await
            .get_lifecycle_policy()
            .repository_name("web/admin")
            .send()
            .await
            .expect("the policy was put")
            .lifecycle_policy_text()
            .map(str::to_string)
    });
    assert_eq!(text.as_deref(), Some(AGGRESSIVE));
    // The change went through the safety gate: one audit line with the policy text.
    let log = sandbox.test_home().join("state/berth/audit.jsonl");
    let log = std::fs::read_to_string(&log).expect("the audit log was written");
    let entry: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(entry["action"], "put_lifecycle_policy");
    assert_eq!(entry["repository"], "web/admin");
    assert_eq!(entry["policy"], AGGRESSIVE);
}

#[test]
fn read_only_mode_refuses_to_apply() {
    let sandbox = Sandbox::shared();
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let mut tui = Tui::spawn(&["--read-only", "web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("current policy");
    tui.send("o");
    tui.wait_for("policy file (JSON):");
    tui.send(&policy);
    tui.send(keys::ENTER);
    tui.wait_for("not applied");
    tui.send("a");
    tui.wait_for("read-only mode: putting a lifecycle policy on web/frontend was not attempted");
}

#[test]
fn p_reports_that_the_sandbox_has_no_ecr_preview() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&["web/frontend"], &sandbox.env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.send("L");
    tui.wait_for("current policy");
    tui.wait_for(" images expire");
    tui.send("p");
    tui.wait_for("ECR preview: this endpoint does not offer ECR's lifecycle preview");
    // The dry run itself is untouched.
    assert!(tui.screen().contains(" images expire"));
}
