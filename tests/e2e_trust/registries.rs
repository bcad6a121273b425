//! Several registries: berth acts on the registry it shows, after a restart too, and the
//! registries pane counts every registry's repositories, not only the one opened.
//!
//! Two registries: the default credentials in us-east-1 and a profile `euro` in eu-west-1,
//! as the AWS config files of a new user would have them. The standard seed puts a few
//! repositories in eu-west-1 and many more in us-east-1.

use crate::support::Sandbox;
use crate::support::pty::{Tui, keys};
use std::collections::BTreeSet;

const EU: &str = "eu-west-1";

/// The sandbox's environment with berth's own scratch home: AWS config files naming two
/// registries and a state directory that outlives one run. The region comes from the
/// config files, not `AWS_REGION` (which would put every profile in one region).
fn two_registries(sandbox: &Sandbox) -> (tempfile::TempDir, Vec<(String, String)>) {
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        home.path().join("aws-config"),
        "[default]\nregion = us-east-1\n\n[profile euro]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join("aws-credentials"),
        "[euro]\naws_access_key_id = sandbox\naws_secret_access_key = sandbox\n",
    )
    .unwrap();
    // The same `home` for every run of one test: a restart finds the state left behind.
    let env = sandbox
        .env_in(home.path())
        .into_iter()
        .filter(|(key, _)| key != "AWS_REGION")
        .collect();
    (home, env)
}

/// Repository names of a region and its account id, read through the SDK.
fn truth(sandbox: &Sandbox, region: &str) -> (BTreeSet<String>, String) {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr(region).await;
        let names = crate::support::all_repositories(&client)
            .await
            .into_iter()
            .collect();
        let account = client
            .describe_registry()
            .send()
            .await
            .expect("DescribeRegistry")
            .registry_id()
            .expect("a registry id")
            .to_string();
        (names, account)
    })
}

/// Digests of a repository's images in a region, read through the SDK.
fn digests(sandbox: &Sandbox, region: &str, repository: &str) -> BTreeSet<String> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr(region).await;
        crate::support::all_images(&client, repository)
            .await
            .iter()
            .filter_map(|i| i.image_digest().map(str::to_string))
            .collect()
    })
}

/// Wait until the repositories pane of `label` has finished listing and counting.
fn wait_for_repositories(tui: &Tui, label: &str) -> String {
    tui.wait_until(&format!("the repositories of {label}"), |s| {
        let status = Tui::status_line(s);
        s.contents().contains(&format!("│ {label} "))
            && s.contents().contains("REPOSITORY")
            && status.split_whitespace().nth(1) == Some("repositories")
            && !status.contains("loading")
            && !status.contains("counting")
    })
}

/// The repository names among `known` that start a table row on `screen`.
fn shown_repositories(screen: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    screen
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| known.contains(*name))
        .map(str::to_string)
        .collect()
}

/// The registries pane's row of `profile`, split into cells (the `●` marker dropped).
fn registry_row(screen: &str, profile: &str) -> Option<Vec<String>> {
    screen
        .lines()
        .map(|l| l.trim_start_matches(['●', ' ']))
        .find(|l| l.split_whitespace().next() == Some(profile))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
}

/// Defect: after reopening the second registry on restart, the header named it while the
/// rows, copies and mutations were the first registry's.
#[test]
fn a_restart_in_the_second_registry_shows_and_copies_that_registry() {
    let sandbox = Sandbox::shared();
    let (eu_names, account) = truth(sandbox, EU);
    let (us_names, _) = truth(sandbox, "us-east-1");
    assert!(!eu_names.is_empty(), "the seed has repositories in {EU}");
    let us_only: Vec<&String> = us_names.difference(&eu_names).collect();
    assert!(
        !us_only.is_empty(),
        "the regions hold different repositories"
    );
    let (_home, env) = two_registries(sandbox);

    // First run: open the eu-west-1 registry from the registries pane, then quit.
    let mut tui = Tui::spawn(&[], &env, 200, 50);
    wait_for_repositories(&tui, "env/us-east-1");
    tui.send(keys::ESC);
    tui.wait_for("PROFILE");
    tui.send(keys::DOWN);
    tui.wait_until("the euro registry selected", |s| {
        s.contents()
            .lines()
            .any(|l| l.contains("euro/eu-west-1") || l.contains(&format!("{account}.dkr.ecr.{EU}")))
    });
    tui.send(keys::ENTER);
    wait_for_repositories(&tui, "euro/eu-west-1");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);

    // Second run with the same state: berth reopens eu-west-1, and shows eu-west-1.
    let mut tui = Tui::spawn(&[], &env, 200, 50);
    let screen = wait_for_repositories(&tui, "euro/eu-west-1");
    let known: BTreeSet<String> = eu_names.union(&us_names).cloned().collect();
    let shown = shown_repositories(&screen, &known);
    assert_eq!(shown, eu_names, "rows after the restart:\n{screen}");
    let status = tui.current_status_line();
    assert!(
        status.starts_with(&format!("{} repositories", eu_names.len())),
        "{status}"
    );

    // `y` on an image of an eu-west-1 repository copies an eu-west-1 URI and digest.
    let repository = eu_names.iter().next().unwrap().clone();
    let eu_digests = digests(sandbox, EU, &repository);
    assert!(!eu_digests.is_empty(), "{repository} has images in {EU}");
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(&repository);
    tui.send(keys::ENTER);
    tui.wait_until("the repository first, filter applied", |s| {
        s.contents()
            .lines()
            .nth(2)
            .is_some_and(|l| l.starts_with(&format!("{repository} ")))
            && Tui::status_line(s).contains(&format!("filter: {repository}"))
    });
    tui.send(keys::ENTER);
    tui.wait_until("the images loaded", |s| {
        s.contents()
            .contains(&format!("repositories › {repository}"))
            && !s.contents().contains("loading images")
    });
    let before = tui.clipboard().len();
    tui.send("y");
    tui.wait_for("copied");
    let uri = tui.clipboard()[before].clone();
    let prefix = format!("{account}.dkr.ecr.{EU}.amazonaws.com/{repository}@");
    let digest = uri
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{uri:?} should start with {prefix:?}"));
    assert!(
        eu_digests.contains(digest),
        "{digest} is not an image of {repository} in {EU}"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// Defect: a registry never opened showed `… …` forever; its repositories are counted in
/// the background.
#[test]
fn a_registry_never_opened_shows_its_repository_count() {
    let sandbox = Sandbox::shared();
    let (eu_names, account) = truth(sandbox, EU);
    let (us_names, _) = truth(sandbox, "us-east-1");
    let (_home, env) = two_registries(sandbox);
    let mut tui = Tui::spawn(&[], &env, 200, 50);
    wait_for_repositories(&tui, "env/us-east-1");
    tui.send(keys::ESC);
    tui.wait_for("PROFILE");
    let screen = tui.wait_until("the euro registry's count", |s| {
        registry_row(&s.contents(), "euro")
            .is_some_and(|cells| cells.get(3).is_some_and(|c| c.parse::<usize>().is_ok()))
    });
    let cells = registry_row(&screen, "euro").unwrap();
    assert_eq!(cells[1], EU, "{screen}");
    assert_eq!(cells[2], account, "{screen}");
    assert_eq!(cells[3], eu_names.len().to_string(), "{screen}");

    // `:region` adds a registry while berth runs; it lists that region's repositories.
    tui.send(":region eu-west-1");
    tui.send(keys::ENTER);
    let screen = wait_for_repositories(&tui, "env/eu-west-1");
    let known: BTreeSet<String> = eu_names.union(&us_names).cloned().collect();
    assert_eq!(shown_repositories(&screen, &known), eu_names, "{screen}");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
