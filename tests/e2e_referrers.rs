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
