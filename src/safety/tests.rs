use super::*;
use crate::ecr::mutate::tests::{FakeRegistry, digest_of};

fn gate(fake: Arc<FakeRegistry>, read_only: bool) -> (Mutator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let log = Journal::at(dir.path().join("state/berth/audit.jsonl"));
    let context = JournalContext::new(&CredentialSource::Environment, "123456789012", "us-east-1");
    (Mutator::new(fake, context, log, read_only), dir)
}

fn lines(mutator: &Mutator) -> Vec<serde_json::Value> {
    match std::fs::read_to_string(mutator.journal().path()) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn read_only_mode_makes_no_api_call_at_all() {
    let fake = Arc::new(FakeRegistry::with_images(3));
    let (mutator, _dir) = gate(fake.clone(), true);
    assert!(mutator.read_only());

    let tagged = mutator.tag("repo", &digest_of(0), "new").await;
    assert!(matches!(
        tagged,
        Err(Refused::ReadOnly { action: "tag", .. })
    ));
    let deleted = mutator
        .delete(
            "repo",
            &[ImageRef::Digest(digest_of(1)), ImageRef::Tag("t2".into())],
        )
        .await;
    assert!(matches!(
        deleted,
        Err(Refused::ReadOnly {
            action: "delete",
            ..
        })
    ));
    let image = RestoreImage {
        digest: digest_of(7),
        manifest: "{}".into(),
        media_type: None,
        tags: vec!["back".into()],
    };
    let restored = mutator.restore("repo", &image).await;
    assert!(matches!(
        restored,
        Err(Refused::ReadOnly {
            action: "restore",
            ..
        })
    ));

    assert_eq!(
        fake.calls(),
        Vec::<&str>::new(),
        "no call reached the registry"
    );
    assert_eq!(fake.state.lock().unwrap().images.len(), 3);
    assert!(lines(&mutator).is_empty(), "refusals are not attempts");
    let message = mutator
        .tag("repo", &digest_of(0), "x")
        .await
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("read-only mode"), "{message}");
}

#[tokio::test]
async fn invalid_names_are_refused_before_any_call() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let (mutator, _dir) = gate(fake.clone(), false);
    let bad_tag = mutator
        .tag("repo", &digest_of(0), ".bad")
        .await
        .unwrap_err();
    assert!(matches!(
        bad_tag,
        Refused::InvalidName(NameError::Tag { .. })
    ));
    let bad_repo = mutator
        .delete("Repo", &[ImageRef::Tag("t0".into())])
        .await
        .unwrap_err();
    assert!(matches!(
        bad_repo,
        Refused::InvalidName(NameError::Repository { .. })
    ));
    let empty = mutator.delete("repo", &[]).await.unwrap_err();
    assert!(matches!(empty, Refused::NothingToDo { .. }));
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn an_unwritable_audit_log_stops_the_mutation() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocker"), "").unwrap();
    let log = Journal::at(dir.path().join("blocker/audit.jsonl"));
    let context = JournalContext::new(&CredentialSource::Profile("prod".into()), "1", "eu-west-1");
    let mutator = Mutator::new(fake.clone(), context, log, false);
    let err = mutator
        .delete("repo", &[ImageRef::Digest(digest_of(0))])
        .await
        .unwrap_err();
    assert!(matches!(err, Refused::JournalUnavailable { .. }), "{err}");
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn each_attempt_writes_one_line_with_results_per_image() {
    let fake = Arc::new(FakeRegistry::with_images(3));
    fake.state.lock().unwrap().immutable = true;
    let (mutator, _dir) = gate(fake.clone(), false);

    let tagged = mutator.tag("repo", &digest_of(0), "stable").await.unwrap();
    assert_eq!(tagged.audit_error, None);
    assert!(matches!(tagged.outcome, Ok(TagOutcome::Tagged { .. })));
    let refused = mutator.tag("repo", &digest_of(0), "t1").await.unwrap();
    assert!(matches!(
        refused.outcome,
        Ok(TagOutcome::ImmutableTag { .. })
    ));
    let deleted = mutator
        .delete(
            "repo",
            &[
                ImageRef::Digest(digest_of(2)),
                ImageRef::Digest(digest_of(9)),
            ],
        )
        .await
        .unwrap();
    assert_eq!(deleted.outcome.deleted.len(), 1);

    let lines = lines(&mutator);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["action"], "tag");
    assert_eq!(lines[0]["profile"], "env");
    assert_eq!(lines[0]["account"], "123456789012");
    assert_eq!(lines[0]["images"][0]["result"], "tagged");
    assert_eq!(lines[1]["images"][0]["result"], "refused_immutable");
    assert_eq!(lines[1]["images"][0]["previous_digest"], digest_of(1));
    let images = lines[2]["images"].as_array().unwrap();
    assert_eq!(images[0]["result"], "deleted");
    assert_eq!(images[0]["digest"], digest_of(2));
    assert_eq!(images[0]["tags"][0], "t2");
    assert_eq!(
        images[0]["manifest"], "{\"n\":2}",
        "manifest recorded before the delete"
    );
    assert!(images[0]["media_type"].is_string());
    assert_eq!(images[1]["result"], "failed");
    assert_eq!(images[1]["error_code"], "ImageNotFound");
    assert!(
        images[1]["manifest_error"].is_null(),
        "failures carry no manifest fields"
    );
    let time = lines[0]["time"].as_str().unwrap();
    assert!(time.parse::<Timestamp>().is_ok(), "{time} is RFC 3339");
}

#[tokio::test]
async fn restore_puts_the_manifest_back_under_each_tag() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let (mutator, _dir) = gate(fake.clone(), false);
    let image = RestoreImage {
        digest: digest_of(5),
        manifest: "{\"n\":5}".into(),
        media_type: None,
        tags: vec!["a".into(), "b".into()],
    };
    let first = mutator.restore("repo", &image).await.unwrap();
    assert!(first.outcome.is_complete());
    assert_eq!(
        first.outcome.puts,
        [
            (Some("a".into()), PutResult::Restored),
            (Some("b".into()), PutResult::Restored)
        ]
    );
    let again = mutator.restore("repo", &image).await.unwrap();
    assert!(
        again
            .outcome
            .puts
            .iter()
            .all(|(_, r)| *r == PutResult::AlreadyPresent)
    );
    let lines = lines(&mutator);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["action"], "restore");
    assert_eq!(lines[1]["images"][0]["result"], "already_present");
}

#[tokio::test]
async fn restore_leaves_a_tag_that_now_names_another_image() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let (mutator, _dir) = gate(fake.clone(), false);
    let image = |n: usize, tags: &[&str]| RestoreImage {
        digest: digest_of(n),
        manifest: format!("{{\"n\":{n}}}"),
        media_type: None,
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };

    let partly = mutator
        .restore("repo", &image(5, &["t0", "x"]))
        .await
        .unwrap();
    assert_eq!(
        partly.outcome.puts,
        [
            (
                Some("t0".into()),
                PutResult::TagTaken {
                    current: digest_of(0)
                }
            ),
            (Some("x".into()), PutResult::Restored),
        ]
    );
    assert!(!partly.outcome.is_complete());

    // With every tag taken, the image still comes back, untagged.
    let untagged = mutator.restore("repo", &image(6, &["t0"])).await.unwrap();
    assert_eq!(untagged.outcome.puts[1], (None, PutResult::Restored));
    let state = fake.state.lock().unwrap();
    let tags_of = |n: usize| {
        state
            .images
            .iter()
            .find(|i| i.digest == digest_of(n))
            .map(|i| i.tags.clone())
    };
    assert_eq!(tags_of(0), Some(vec!["t0".to_string()]), "t0 was not moved");
    assert_eq!(tags_of(5), Some(vec!["x".to_string()]));
    assert_eq!(tags_of(6), Some(vec![]));
    drop(state);
    assert_eq!(lines(&mutator)[0]["images"][0]["result"], "tag_taken");
}

#[tokio::test]
async fn read_only_mode_refuses_scans_and_previews_without_a_call_or_a_line() {
    let fake = Arc::new(FakeRegistry::with_images(2));
    let (mutator, _dir) = gate(fake.clone(), true);

    let scan = mutator.start_scan("repo", &digest_of(0)).await;
    assert!(matches!(
        scan,
        Err(Refused::ReadOnly {
            action: START_SCAN,
            ..
        })
    ));
    let preview = mutator.start_lifecycle_preview("repo", Some("{}")).await;
    assert!(matches!(
        preview,
        Err(Refused::ReadOnly {
            action: START_LIFECYCLE_PREVIEW,
            ..
        })
    ));
    assert_eq!(
        scan.unwrap_err().to_string(),
        "read-only mode: start a scan on repo was not attempted"
    );
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    assert!(lines(&mutator).is_empty());
}

#[tokio::test]
async fn a_started_scan_writes_one_audit_line() {
    let fake = Arc::new(FakeRegistry::with_images(2));
    let (mutator, _dir) = gate(fake.clone(), false);
    let recorded = mutator.start_scan("repo", &digest_of(1)).await.unwrap();
    assert_eq!(recorded.outcome.unwrap().status, "IN_PROGRESS");
    assert!(recorded.audit_error.is_none());
    assert_eq!(fake.calls(), ["StartImageScan"]);
    let entries = lines(&mutator);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "start_scan");
    assert_eq!(entries[0]["repository"], "repo");
    assert_eq!(entries[0]["images"][0]["digest"], digest_of(1));
    assert_eq!(entries[0]["images"][0]["result"], "scan_started");

    // A refused scan is an attempt too: recorded with the registry's code.
    let missing = mutator.start_scan("repo", &digest_of(9)).await.unwrap();
    assert!(missing.outcome.is_err());
    let entries = lines(&mutator);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["images"][0]["result"], "failed");
    assert_eq!(entries[1]["error_code"], "NotFound");
}

#[tokio::test]
async fn a_scan_of_an_invalid_digest_is_refused_before_any_call() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let (mutator, _dir) = gate(fake.clone(), false);
    let refused = mutator.start_scan("repo", "sha256:\u{e9}t\u{e9}").await;
    assert!(matches!(refused, Err(Refused::InvalidName(_))));
    assert!(fake.calls().is_empty());
    assert!(lines(&mutator).is_empty());
}

#[tokio::test]
async fn a_started_preview_writes_one_audit_line_with_the_policy() {
    let fake = Arc::new(FakeRegistry::with_images(1));
    let (mutator, _dir) = gate(fake.clone(), false);
    let recorded = mutator
        .start_lifecycle_preview("repo", Some("{\"rules\":[]}"))
        .await
        .unwrap();
    assert!(recorded.outcome.unwrap());
    assert_eq!(fake.calls(), ["StartLifecyclePolicyPreview"]);
    let entries = lines(&mutator);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "start_lifecycle_preview");
    assert_eq!(entries[0]["policy"], "{\"rules\":[]}");
}

#[tokio::test]
async fn archiving_and_restoring_go_through_the_gate_with_one_line_each() {
    let fake = Arc::new(FakeRegistry::with_images(2));
    let (read_only, _ro) = gate(fake.clone(), true);
    for target in [StorageClass::Archive, StorageClass::Standard] {
        let refused = read_only
            .update_storage_class("repo", &digest_of(0), target)
            .await;
        assert!(matches!(refused, Err(Refused::ReadOnly { .. })));
    }
    assert!(fake.calls().is_empty(), "read-only makes no call");
    assert!(lines(&read_only).is_empty());

    let (mutator, _dir) = gate(fake.clone(), false);
    let archived = mutator
        .update_storage_class("repo", &digest_of(0), StorageClass::Archive)
        .await
        .unwrap();
    assert_eq!(archived.outcome.unwrap(), ImageStatus::Archived);
    let restored = mutator
        .update_storage_class("repo", &digest_of(1), StorageClass::Standard)
        .await
        .unwrap();
    assert_eq!(restored.outcome.unwrap(), ImageStatus::Activating);
    let missing = mutator
        .update_storage_class("repo", &digest_of(7), StorageClass::Archive)
        .await
        .unwrap();
    assert!(missing.outcome.is_err());
    assert_eq!(fake.calls(), ["UpdateImageStorageClass"; 3]);
    let entries = lines(&mutator);
    let summary: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["images"][0]["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("archive", "archived"),
            ("restore_from_archive", "activating"),
            ("archive", "failed")
        ]
    );
    assert_eq!(entries[2]["error_code"], "NotFound");
    assert_eq!(entries[0]["images"][0]["digest"], digest_of(0));

    let invalid = mutator
        .update_storage_class("repo", "sha256:nope", StorageClass::Archive)
        .await;
    assert!(matches!(invalid, Err(Refused::InvalidName(_))));
    assert_eq!(fake.calls().len(), 3, "refused before any call");
}
