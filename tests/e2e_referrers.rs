//! OCI referrers end to end: deleting a signed image takes its signatures and SBOMs in
//! the same confirmed batch, checked with ListImageReferrers against the sandbox.

mod support;

use support::Sandbox;
use support::pty::Tui;

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
                    // A referrer of a listed image folds under its subject first.
                    if listed.contains(&child) && folded.insert(child.clone()) {
                        children.entry(index.to_string()).or_default().push(child);
                    }
                }
            }
            Graph { digests, children }
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
