//! The image detail view (`I`) end to end: the real binary in a terminal against the
//! sandbox, each section compared with what the ECR API says when read independently
//! with aws-sdk-ecr, and against plain moto, which lacks the operations.

mod support;

use aws_sdk_ecr::types::{
    ArtifactStatusFilter, ImageIdentifier, ListImageReferrersFilter, SubjectIdentifier,
};
use support::Sandbox;
use support::pty::{Tui, keys};
use support::screen::{field, section};

fn by_digest(digest: &str) -> ImageIdentifier {
    ImageIdentifier::builder().image_digest(digest).build()
}

/// The tagged images of `repository`, newest push first: (first tag, digest).
async fn tagged_newest_first(
    client: &aws_sdk_ecr::Client,
    repository: &str,
) -> Vec<(String, String)> {
    let mut images = support::all_images(client, repository).await;
    images.retain(|i| !i.image_tags().is_empty());
    images.sort_by_key(|i| std::cmp::Reverse(i.image_pushed_at().map(|t| t.secs())));
    images
        .iter()
        .map(|i| {
            (
                i.image_tags()[0].clone(),
                i.image_digest().unwrap().to_string(),
            )
        })
        .collect()
}

/// berth at `repository:tag` (the image selected), its detail open and every section
/// answered; the screen.
fn detail_of(sandbox: &Sandbox, repository: &str, tag: &str) -> (Tui, String) {
    let target = format!("{repository}:{tag}");
    // Tall enough for every referrer of a subject with more than a page of them.
    let mut tui = Tui::spawn(&["--no-usage", &target], &sandbox.env(), 200, 150);
    tui.wait_until("the images pane loaded", |s| {
        let text = s.contents();
        text.contains(&format!("repositories › {repository}")) && !text.contains("loading images")
    });
    tui.send("I");
    tui.wait_for(&format!("image detail · {repository}"));
    let screen = tui.wait_gone("loading");
    (tui, screen)
}

/// `q` closes the view, a second `q` quits berth, which exits cleanly.
fn close_and_quit(mut tui: Tui) {
    tui.send("q");
    tui.wait_gone("image detail");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

/// The referrer lines of a Referrers section: (digest, the line after it), from each
/// referrer's first line (its word in the label column, then the digest).
fn shown_referrers(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !line.starts_with(' ') && line.len() > 16)
        .map(|(n, line)| {
            let digest = line[16..].split(' ').next().unwrap().to_string();
            (digest, lines[n + 1].trim().to_string())
        })
        .collect()
}

#[test]
fn the_detail_of_a_signed_image_lists_exactly_the_referrers_ecr_lists() {
    let sandbox = Sandbox::shared();
    let repository = "checkout/cart";
    let client = Sandbox::runtime().block_on(sandbox.ecr("us-east-1"));
    // The tagged image with the most referrers, by DescribeImages' subjectManifestDigest.
    let (tag, subject) = Sandbox::runtime().block_on(async {
        let images = support::all_images(&client, repository).await;
        images
            .iter()
            .filter(|i| !i.image_tags().is_empty())
            .max_by_key(|i| {
                images
                    .iter()
                    .filter(|r| r.subject_manifest_digest() == i.image_digest())
                    .count()
            })
            .map(|i| {
                (
                    i.image_tags()[0].clone(),
                    i.image_digest().unwrap().to_string(),
                )
            })
            .unwrap()
    });
    // The oracle: every page of ListImageReferrers, of every artifact status.
    let truth = Sandbox::runtime().block_on(async {
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let page = client
                .list_image_referrers()
                .repository_name(repository)
                .subject_id(
                    SubjectIdentifier::builder()
                        .image_digest(&subject)
                        .build()
                        .unwrap(),
                )
                .filter(
                    ListImageReferrersFilter::builder()
                        .artifact_status(ArtifactStatusFilter::Any)
                        .build(),
                )
                .max_results(2)
                .set_next_token(token)
                .send()
                .await
                .expect("ListImageReferrers");
            found.extend(page.referrers().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        found
    });
    assert!(
        truth.len() >= 3,
        "the seed signs a release twice and adds an SBOM and an attestation: {truth:?}"
    );

    let (mut tui, screen) = detail_of(sandbox, repository, &tag);
    assert!(
        section(&screen, "Image").contains(&field("digest", &subject)),
        "{screen}"
    );
    let lines = section(&screen, "Referrers");
    let shown = shown_referrers(&lines);
    let mut shown_digests: Vec<&str> = shown.iter().map(|(d, _)| d.as_str()).collect();
    let mut true_digests: Vec<&str> = truth.iter().map(|r| r.digest()).collect();
    shown_digests.sort();
    true_digests.sort();
    assert_eq!(shown_digests, true_digests, "{lines:#?}");
    for referrer in &truth {
        let (_, kind) = shown.iter().find(|(d, _)| d == referrer.digest()).unwrap();
        assert_eq!(Some(kind.as_str()), referrer.artifact_type(), "{lines:#?}");
        let created = referrer
            .annotations()
            .and_then(|a| a.get("org.opencontainers.image.created"))
            .expect("the seed dates every referrer");
        assert!(
            lines
                .iter()
                .any(|l| l.trim() == format!("created: {created}")),
            "{created} in {lines:#?}"
        );
    }
    // Esc goes back to the images pane with the image still selected.
    tui.send(keys::ESC);
    let screen = tui.wait_gone("image detail");
    assert!(screen.contains(&format!("repositories › {repository}")));
    tui.send("y");
    tui.wait_until("the pinned URI copied", |s| {
        Tui::status_line(s).contains(&format!("@{subject}"))
    });
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_replication_section_shows_the_statuses_ecr_reports_with_the_failure_code() {
    let sandbox = Sandbox::shared();
    let repository = "payments/api";
    let client = Sandbox::runtime().block_on(sandbox.ecr("us-east-1"));
    // The newest tagged image whose replication failed somewhere, and what ECR says of
    // each destination.
    let (tag, statuses) = Sandbox::runtime().block_on(async {
        for (tag, digest) in tagged_newest_first(&client, repository).await {
            let out = client
                .describe_image_replication_status()
                .repository_name(repository)
                .image_id(by_digest(&digest))
                .send()
                .await
                .expect("DescribeImageReplicationStatus");
            let statuses = out.replication_statuses().to_vec();
            if statuses
                .iter()
                .any(|s| s.status().map(|s| s.as_str()) == Some("FAILED"))
            {
                return (tag, statuses);
            }
        }
        panic!("the seed has a failed replication destination in {repository}");
    });
    assert!(statuses.len() >= 2, "{statuses:?}");
    let expected: Vec<String> = statuses
        .iter()
        .map(|s| {
            let mut text = format!(
                "{} · {}",
                s.registry_id().unwrap(),
                s.status().unwrap().as_str()
            );
            if let Some(code) = s.failure_code() {
                text.push_str(&format!(" · {code}"));
            }
            field(s.region().unwrap(), &text)
        })
        .collect();
    assert!(
        expected.iter().any(|l| l.contains("FAILED · ")),
        "a failure code goes with FAILED: {expected:?}"
    );
    let (tui, screen) = detail_of(sandbox, repository, &tag);
    assert_eq!(section(&screen, "Replication"), expected, "{screen}");
    // No referrers, not an index: each section says so rather than showing nothing.
    assert_eq!(
        section(&screen, "Platforms"),
        ["not an index: a single manifest, no platforms to list"]
    );
    close_and_quit(tui);
}

#[test]
fn the_signing_section_shows_each_profiles_status_as_ecr_reports_it() {
    let sandbox = Sandbox::shared();
    let repository = "platform/gateway";
    let client = Sandbox::runtime().block_on(sandbox.ecr("us-east-1"));
    let (tag, statuses) = Sandbox::runtime().block_on(async {
        for (tag, digest) in tagged_newest_first(&client, repository).await {
            let out = client
                .describe_image_signing_status()
                .repository_name(repository)
                .image_id(by_digest(&digest))
                .send()
                .await
                .expect("DescribeImageSigningStatus");
            let statuses = out.signing_statuses().to_vec();
            if statuses
                .iter()
                .any(|s| s.status().map(|s| s.as_str()) == Some("FAILED"))
            {
                return (tag, statuses);
            }
        }
        panic!("the seed has a failed signing in {repository}");
    });
    let mut expected = Vec::new();
    for status in &statuses {
        // The ARN on a line of its own, the status under it in the value column.
        expected.push(status.signing_profile_arn().unwrap().to_string());
        expected.push(field("", status.status().unwrap().as_str()));
        if let (Some(code), Some(reason)) = (status.failure_code(), status.failure_reason()) {
            expected.push(field("", &format!("{code}: {reason}")));
        }
    }
    let (tui, screen) = detail_of(sandbox, repository, &tag);
    assert_eq!(section(&screen, "Signing"), expected, "{screen}");
    close_and_quit(tui);
}

#[test]
fn an_index_lists_the_platforms_its_manifest_names() {
    let sandbox = Sandbox::shared();
    let repository = "infra/nginx";
    let client = Sandbox::runtime().block_on(sandbox.ecr("us-east-1"));
    let (tag, manifest) = Sandbox::runtime().block_on(async {
        let images = support::all_images(&client, repository).await;
        let index = images
            .iter()
            .find(|i| {
                !i.image_tags().is_empty()
                    && i.image_manifest_media_type()
                        .is_some_and(|m| m.contains("index") || m.contains("list"))
            })
            .expect("a tagged multi-arch index in the seed");
        let out = client
            .batch_get_image()
            .repository_name(repository)
            .image_ids(by_digest(index.image_digest().unwrap()))
            .send()
            .await
            .expect("BatchGetImage");
        let manifest: serde_json::Value =
            serde_json::from_str(out.images()[0].image_manifest().unwrap()).unwrap();
        (index.image_tags()[0].clone(), manifest)
    });
    let expected: Vec<String> = manifest["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let digest = entry["digest"].as_str().unwrap();
            let attestation =
                entry["annotations"]["vnd.docker.reference.type"] == "attestation-manifest";
            let platform = &entry["platform"];
            let label = if attestation {
                "attestation".to_string()
            } else {
                let mut text = format!(
                    "{}/{}",
                    platform["os"].as_str().unwrap(),
                    platform["architecture"].as_str().unwrap()
                );
                if let Some(variant) = platform["variant"].as_str() {
                    text.push_str(&format!("/{variant}"));
                }
                text
            };
            field(&label, digest)
        })
        .collect();
    assert!(expected.len() >= 2, "{manifest}");
    let (tui, screen) = detail_of(sandbox, repository, &tag);
    assert_eq!(section(&screen, "Platforms"), expected, "{screen}");
    close_and_quit(tui);
}

#[test]
fn against_plain_moto_the_sections_say_not_supported_and_the_rest_works() {
    let sandbox = Sandbox::plain_moto();
    let digest = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        client
            .create_repository()
            .repository_name("plain/app")
            .send()
            .await
            .unwrap();
        support::put_small_image(&client, "plain/app", 0, "v1").await
    });
    let mut tui = Tui::spawn(&["--no-usage", "plain/app:v1"], &sandbox.env(), 200, 60);
    tui.wait_for("repositories › plain/app");
    tui.wait_for("v1");
    tui.send("I");
    tui.wait_for("image detail · plain/app:v1");
    let screen = tui.wait_gone("loading");
    for (heading, action) in [
        ("Referrers", "ecr:ListImageReferrers"),
        ("Replication", "ecr:DescribeImageReplicationStatus"),
        ("Signing", "ecr:DescribeImageSigningStatus"),
    ] {
        assert_eq!(
            section(&screen, heading),
            [format!("not supported by this endpoint ({action})")],
            "{screen}"
        );
    }
    let image = section(&screen, "Image");
    assert!(image.contains(&field("digest", &digest)), "{image:#?}");
    assert!(image.contains(&field("tags", "v1")), "{image:#?}");
    // The rest of berth still works: back to the pane, and its keys act again.
    tui.send(keys::ESC);
    tui.wait_gone("image detail");
    tui.send("l");
    tui.wait_for("layers · v1");
    tui.send("q");
    tui.wait_gone("layers · v1");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn referrers_past_the_first_page_are_listed_too() {
    // Its own sandbox: this test pushes referrers.
    let sandbox = Sandbox::empty();
    let repository = "paging/app";
    sandbox.seed_repository(repository, 1, false);
    // More referrers than ListImageReferrers' largest page (50).
    const COUNT: usize = 55;
    let (tag, pushed) = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let images = support::all_images(&client, repository).await;
        let subject = &images[0];
        let subject_digest = subject.image_digest().unwrap().to_string();
        let subject_type = subject.image_manifest_media_type().unwrap().to_string();
        let mut pushed = Vec::new();
        for n in 0..COUNT {
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
                "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                           "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                           "size": 2},
                "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                            "digest": format!("sha256:{:064x}", 5000 + n), "size": 240}],
                "subject": {"mediaType": subject_type, "digest": subject_digest, "size": 500},
            })
            .to_string();
            let digest = support::digest_of(manifest.as_bytes());
            client
                .put_image()
                .repository_name(repository)
                .image_manifest(&manifest)
                .image_manifest_media_type("application/vnd.oci.image.manifest.v1+json")
                .image_digest(&digest)
                .send()
                .await
                .expect("PutImage of a referrer");
            pushed.push(digest);
        }
        (subject.image_tags()[0].clone(), pushed)
    });
    let (tui, screen) = detail_of(&sandbox, repository, &tag);
    let mut shown: Vec<String> = shown_referrers(&section(&screen, "Referrers"))
        .into_iter()
        .map(|(digest, _)| digest)
        .collect();
    let mut pushed = pushed;
    shown.sort();
    pushed.sort();
    assert_eq!(shown.len(), COUNT, "{screen}");
    assert_eq!(shown, pushed);
    close_and_quit(tui);
}
