//! OCI referrers end to end: deleting a signed image takes its signatures and SBOMs in
//! the same confirmed batch, checked with ListImageReferrers against the sandbox; and
//! `berth images --output json` gives each image the referrers and each index the
//! platforms an SDK read of the seed finds.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use support::Sandbox;
use support::pty::Tui;
use support::run::{berth, code, json_of, stderr};

/// Referrers of `subject` in `repository`, as ListImageReferrers answers.
fn referrers_of(sandbox: &Sandbox, repository: &str, subject: &str) -> Vec<String> {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let out = client
            .list_image_referrers()
            .repository_name(repository)
            .subject_id(
                aws_sdk_ecr::types::SubjectIdentifier::builder()
                    .image_digest(subject)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("ListImageReferrers");
        out.referrers()
            .iter()
            .map(|r| r.digest().to_string())
            .collect()
    })
}

#[test]
fn deleting_a_signed_image_takes_its_referrers_and_leaves_no_orphan() {
    // Its own sandbox: this test deletes images.
    let sandbox = Sandbox::standard();
    let repository = "checkout/cart";
    // A tagged image with referrers, found with the SDK.
    let (tag, subject) = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let images = support::all_images(&client, repository).await;
        images
            .iter()
            .filter(|i| !i.image_tags().is_empty())
            .find(|i| {
                let digest = i.image_digest().unwrap();
                images
                    .iter()
                    .any(|r| r.subject_manifest_digest() == Some(digest))
            })
            .map(|i| {
                (
                    i.image_tags()[0].clone(),
                    i.image_digest().unwrap().to_string(),
                )
            })
            .expect("a signed, tagged image in the seed")
    });
    let before = referrers_of(&sandbox, repository, &subject);
    assert!(!before.is_empty());

    let target = format!("{repository}:{tag}");
    let mut tui = Tui::spawn(&[&target], &sandbox.env(), 160, 40);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading images")
    });
    tui.send("d");
    tui.wait_for("of these are referrers");
    tui.send("y");
    let count = before.len() + 1;
    tui.wait_until("the delete to finish", |s| {
        Tui::status_line(s).contains(&format!("deleted {count} images from {repository}"))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert_eq!(
        referrers_of(&sandbox, repository, &subject),
        Vec::<String>::new(),
        "no referrer names the deleted image"
    );
}

/// What folds under what in `repository`, read with the SDK: every image's digest, and
/// for each image the listed images that fold under it — its referrers (DescribeImages'
/// subjectManifestDigest) and, for an index, the platforms its manifest names
/// (BatchGetImage).
struct Graph {
    digests: Vec<String>,
    children: std::collections::HashMap<String, Vec<String>>,
    /// Child digest → `os/architecture[/variant]`, as its index names it.
    platforms: std::collections::HashMap<String, String>,
}

impl Graph {
    fn read(sandbox: &Sandbox, repository: &str) -> Graph {
        Sandbox::runtime().block_on(async {
            let client = sandbox.ecr("us-east-1").await;
            let images = support::all_images(&client, repository).await;
            let digests: Vec<String> = images
                .iter()
                .map(|i| i.image_digest().unwrap().to_string())
                .collect();
            let listed: std::collections::HashSet<&String> = digests.iter().collect();
            let mut children: std::collections::HashMap<String, Vec<String>> = Default::default();
            let mut folded = std::collections::HashSet::new();
            let mut platforms = std::collections::HashMap::new();
            for image in &images {
                if let Some(subject) = image.subject_manifest_digest()
                    && listed.contains(&subject.to_string())
                {
                    let digest = image.image_digest().unwrap().to_string();
                    folded.insert(digest.clone());
                    children
                        .entry(subject.to_string())
                        .or_default()
                        .push(digest);
                }
            }
            let indexes: Vec<&str> = images
                .iter()
                .filter(|i| {
                    i.image_manifest_media_type()
                        .is_some_and(|t| t.contains("index") || t.contains("list"))
                })
                .map(|i| i.image_digest().unwrap())
                .collect();
            for index in indexes {
                let out = client
                    .batch_get_image()
                    .repository_name(repository)
                    .image_ids(
                        aws_sdk_ecr::types::ImageIdentifier::builder()
                            .image_digest(index)
                            .build(),
                    )
                    .accepted_media_types("application/vnd.oci.image.index.v1+json")
                    .accepted_media_types(
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                    )
                    .send()
                    .await
                    .expect("BatchGetImage");
                let manifest: serde_json::Value =
                    serde_json::from_str(out.images()[0].image_manifest().unwrap()).unwrap();
                for entry in manifest["manifests"].as_array().unwrap() {
                    let child = entry["digest"].as_str().unwrap().to_string();
                    let platform = &entry["platform"];
                    let parts: Vec<&str> = ["os", "architecture", "variant"]
                        .iter()
                        .filter_map(|key| platform[*key].as_str())
                        .collect();
                    if !parts.is_empty() {
                        platforms.insert(child.clone(), parts.join("/"));
                    }
                    // A referrer of a listed image folds under its subject first.
                    if listed.contains(&child) && folded.insert(child.clone()) {
                        children.entry(index.to_string()).or_default().push(child);
                    }
                }
            }
            Graph {
                digests,
                children,
                platforms,
            }
        })
    }

    fn folded(&self) -> usize {
        self.children.values().map(Vec::len).sum()
    }

    fn is_folded(&self, digest: &str) -> bool {
        self.children.values().flatten().any(|d| d == digest)
    }

    /// The full digest whose hex starts with `short`.
    fn full(&self, short: &str) -> &str {
        self.digests
            .iter()
            .find(|d| d["sha256:".len()..].starts_with(short))
            .unwrap_or_else(|| panic!("{short} is not a digest of the repository"))
    }
}

/// The 12-hex short digests on the body rows of the screen, top to bottom.
fn rows_on_screen(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    // Header line, column titles, then rows; the last three lines are footer and status.
    lines[2..lines.len().saturating_sub(3)]
        .iter()
        .filter_map(|line| {
            line.split_whitespace()
                .find(|word| word.len() == 12 && word.chars().all(|c| c.is_ascii_hexdigit()))
                .map(str::to_string)
        })
        .collect()
}

/// The tree folds exactly the referrers and platforms an SDK read finds; `z` shows the
/// children of a row right below it; `Z` lists every manifest.
fn tree_folds_what_the_sdk_reads(repository: &str) {
    let sandbox = Sandbox::shared();
    let graph = Graph::read(sandbox, repository);
    let total = graph.digests.len();
    let folded = graph.folded();
    assert!(
        folded > 0,
        "{repository} has referrers or platforms in the seed"
    );
    let mut tui = Tui::open_images(&sandbox.env(), repository, &[]);
    tui.resize(200, 60);
    let screen = tui.wait_until("the platforms and referrers folded", |s| {
        Tui::status_line(s).contains(&format!("{total} images · {folded} folded"))
    });
    let rows = rows_on_screen(&screen);
    assert!(rows.len() > 5, "{screen}");
    for short in &rows {
        assert!(
            !graph.is_folded(graph.full(short)),
            "{short} folds under another image yet is a row:\n{screen}"
        );
    }

    // Unfold the first row that carries something: its children, exactly, right below.
    let (at, parent) = rows
        .iter()
        .enumerate()
        .find_map(|(at, short)| {
            let digest = graph.full(short);
            graph.children.contains_key(digest).then_some((at, digest))
        })
        .expect("a row on screen carries referrers or platforms");
    for _ in 0..at {
        tui.send("j");
    }
    tui.send("z");
    let expected = &graph.children[parent];
    let screen = tui.wait_until("the row unfolded", |s| {
        rows_on_screen(&s.contents()).len() > rows.len()
    });
    let unfolded = rows_on_screen(&screen);
    let below: std::collections::BTreeSet<&str> = unfolded[at + 1..at + 1 + expected.len()]
        .iter()
        .map(|short| graph.full(short))
        .collect();
    let expected: std::collections::BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(below, expected, "{screen}");
    // A platform says which one, as its index names it.
    for child in &expected {
        if let Some(platform) = graph.platforms.get(*child) {
            let short = &child["sha256:".len()..][..12];
            assert!(
                screen
                    .lines()
                    .any(|l| l.contains(short) && l.contains(&format!("└ {platform} "))),
                "{child} is {platform}:\n{screen}"
            );
        }
    }

    // Flat: nothing folded any more.
    tui.send("Z");
    tui.wait_until("every manifest listed", |s| {
        let status = Tui::status_line(s);
        status.contains(&format!("{total} images")) && !status.contains("folded")
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_tree_folds_the_referrers_of_signed_images() {
    tree_folds_what_the_sdk_reads("checkout/cart");
}

#[test]
fn the_tree_folds_platforms_and_signatures_under_their_index() {
    tree_folds_what_the_sdk_reads("infra/nginx");
}

/// What an SDK read says of `repository`: each image's referrers (digest, artifact type)
/// from DescribeImages' `subjectManifestDigest`, and each index's children (digest,
/// `os/arch[/variant]`) from its manifest read with BatchGetImage.
type Referrers = BTreeMap<String, BTreeSet<(String, Option<String>)>>;
type Children = BTreeMap<String, Vec<(String, Option<String>)>>;

fn sdk_graph(sandbox: &Sandbox, repository: &str) -> (Referrers, Children) {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let images = support::all_images(&client, repository).await;
        let mut referrers: Referrers = BTreeMap::new();
        for image in &images {
            if let Some(subject) = image.subject_manifest_digest() {
                referrers.entry(subject.to_string()).or_default().insert((
                    image.image_digest().unwrap().to_string(),
                    image.artifact_media_type().map(str::to_string),
                ));
            }
        }
        let mut children: Children = BTreeMap::new();
        for image in &images {
            let media = image.image_manifest_media_type().unwrap_or_default();
            if !media.contains("index") && !media.contains("manifest.list") {
                continue;
            }
            let digest = image.image_digest().unwrap();
            let out = client
                .batch_get_image()
                .repository_name(repository)
                .image_ids(
                    aws_sdk_ecr::types::ImageIdentifier::builder()
                        .image_digest(digest)
                        .build(),
                )
                .accepted_media_types(media)
                .send()
                .await
                .expect("BatchGetImage");
            let manifest: Value =
                serde_json::from_str(out.images()[0].image_manifest().unwrap()).unwrap();
            let listed = manifest["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| {
                    let platform = entry.get("platform").map(|p| {
                        let mut text = format!(
                            "{}/{}",
                            p["os"].as_str().unwrap(),
                            p["architecture"].as_str().unwrap()
                        );
                        if let Some(variant) = p.get("variant").and_then(Value::as_str) {
                            text.push('/');
                            text.push_str(variant);
                        }
                        text
                    });
                    (entry["digest"].as_str().unwrap().to_string(), platform)
                })
                .collect();
            children.insert(digest.to_string(), listed);
        }
        (referrers, children)
    })
}

/// The same graph as `berth images --repo REPOSITORY --output json` gives it.
fn berth_graph(sandbox: &Sandbox, repository: &str) -> (Referrers, Children, usize) {
    let output = berth(
        &sandbox.env(),
        &["images", "--repo", repository, "--output", "json"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let records = json_of(&output);
    let records = records.as_array().unwrap();
    let mut referrers: Referrers = BTreeMap::new();
    let mut children: Children = BTreeMap::new();
    for record in records {
        let digest = record["digest"].as_str().unwrap().to_string();
        // The fields the records had before are all still there.
        for field in [
            "subject_digest",
            "artifact_type",
            "layers",
            "status",
            "tags",
        ] {
            assert!(record.get(field).is_some(), "{field} missing: {record}");
        }
        let listed: BTreeSet<(String, Option<String>)> = record["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["digest"].as_str().unwrap().to_string(),
                    r["artifact_type"].as_str().map(str::to_string),
                )
            })
            .collect();
        if !listed.is_empty() {
            referrers.insert(digest.clone(), listed);
        }
        if let Some(platforms) = record.get("children") {
            children.insert(
                digest,
                platforms
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        (
                            c["digest"].as_str().unwrap().to_string(),
                            c["platform"].as_str().map(str::to_string),
                        )
                    })
                    .collect(),
            );
        }
    }
    (referrers, children, records.len())
}

#[test]
fn image_records_list_the_referrers_and_platforms_an_sdk_read_finds() {
    let sandbox = Sandbox::shared();
    // Signatures, SBOMs, attestations and an orphaned signature; signed indexes.
    for repository in ["checkout/cart", "infra/nginx"] {
        let (want_referrers, want_children) = sdk_graph(sandbox, repository);
        let (referrers, children, records) = berth_graph(sandbox, repository);
        assert!(
            !want_referrers.is_empty(),
            "{repository}: the seed signs images"
        );
        // Only subjects that are listed carry referrers: the orphaned signature's subject
        // is gone, so no record lists it.
        let listed: BTreeSet<String> = Sandbox::runtime().block_on(async {
            support::all_images(&sandbox.ecr("us-east-1").await, repository)
                .await
                .iter()
                .map(|i| i.image_digest().unwrap().to_string())
                .collect()
        });
        assert_eq!(listed.len(), records, "{repository}: one record per image");
        let want_referrers: Referrers = want_referrers
            .into_iter()
            .filter(|(subject, _)| listed.contains(subject))
            .collect();
        assert_eq!(referrers, want_referrers, "{repository}: referrers");
        assert_eq!(children, want_children, "{repository}: index children");
        if repository == "infra/nginx" {
            assert!(!children.is_empty(), "the seed has indexes in {repository}");
            assert!(
                children
                    .values()
                    .flatten()
                    .all(|(_, platform)| platform.is_some()),
                "every platform is named: {children:?}"
            );
        }
    }
}

#[test]
fn a_lifecycle_preview_names_the_signatures_it_takes_from_images_that_stay() {
    let sandbox = Sandbox::shared();
    let repository = "checkout/cart";
    let now = jiff::Timestamp::now();
    let day_ago = now.as_second() - 86_400;
    // The oracle, from an SDK read: an untagged referrer pushed more than a day ago
    // whose image is listed and tagged is expired by "untagged after 1 day" while its
    // image stays.
    let (want, untagged_referrers) = Sandbox::runtime().block_on(async {
        let images = support::all_images(&sandbox.ecr("us-east-1").await, repository).await;
        let tagged: BTreeSet<&str> = images
            .iter()
            .filter(|i| !i.image_tags().is_empty())
            .map(|i| i.image_digest().unwrap())
            .collect();
        let referrers: Vec<_> = images
            .iter()
            .filter(|i| i.subject_manifest_digest().is_some() && i.image_tags().is_empty())
            .collect();
        let want: BTreeSet<String> = referrers
            .iter()
            .filter(|i| i.image_pushed_at().unwrap().secs() < day_ago)
            .filter(|i| tagged.contains(i.subject_manifest_digest().unwrap()))
            .map(|i| i.image_digest().unwrap().to_string())
            .collect();
        (want, referrers.len())
    });
    assert!(
        !want.is_empty(),
        "the seed has old signatures on tagged images"
    );
    let policy = sandbox.test_home().join("untagged-after-a-day.json");
    std::fs::write(
        &policy,
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged",
            "countType":"sinceImagePushed","countUnit":"days","countNumber":1},
            "action":{"type":"expire"}}]}"#,
    )
    .unwrap();
    let policy = policy.to_string_lossy().into_owned();
    let now_text = now.to_string();
    let output = berth(
        &sandbox.env(),
        &[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--policy",
            &policy,
            "--now",
            &now_text,
            "--no-usage",
            "--output",
            "json",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let plan = json_of(&output);
    let warnings = plan["warnings"].as_array().unwrap();
    let of_kind =
        |kind: &str| -> Vec<&Value> { warnings.iter().filter(|w| w["kind"] == kind).collect() };
    let stripped: BTreeSet<String> = of_kind("referrer_expired_subject_stays")
        .iter()
        .map(|w| w["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stripped, want);
    let counted = of_kind("counts_artifacts");
    assert_eq!(counted.len(), 1, "{warnings:?}");
    assert!(
        counted[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("rule 1 counts {untagged_referrers} referrers")),
        "{}",
        counted[0]["message"]
    );
}
