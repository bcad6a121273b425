//! Mutations end to end: berth's gate (`Mutator`) and registry writer against the sandbox
//! ECR, checked with independent SDK reads. `commands.rs` runs `berth uri` and
//! `berth restore` as real processes; `property.rs` checks what BatchDeleteImage is ever
//! asked to delete.

#[path = "../support/mod.rs"]
mod support;

mod commands;
mod property;

use async_trait::async_trait;
use berth::ecr::model::{CredentialSource, RegistryTarget};
use berth::ecr::mutate::{DeleteResponse, ImageRef, ManifestBatch, RegistryWrite};
use berth::ecr::{EcrError, EcrRegistry, Registry, TagOutcome};
use berth::headless::restore::PlannedImage;
use berth::journal::Journal;
use berth::safety::{JournalContext, Mutator, PutResult, Refused, RestoreImage};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use support::Sandbox;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// One empty sandbox for the whole file; each test works in its own repositories. The
/// server exits when this process does (it watches its stdin).
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(Sandbox::empty)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn digest_of(manifest: &str) -> String {
    format!("sha256:{}", sha256_hex(manifest.as_bytes()))
}

/// A distinct single-platform manifest per label.
fn manifest(label: &str) -> String {
    format!(
        concat!(
            r#"{{"schemaVersion":2,"mediaType":"{media}","#,
            r#""config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":"sha256:{config}"}},"#,
            r#""layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":31457280,"digest":"sha256:{layer}"}}]}}"#
        ),
        media = DOCKER_MANIFEST,
        config = sha256_hex(format!("config {label}").as_bytes()),
        layer = sha256_hex(format!("layer {label}").as_bytes()),
    )
}

async fn create_repository(client: &aws_sdk_ecr::Client, name: &str, immutable: bool) {
    client
        .create_repository()
        .repository_name(name)
        .image_tag_mutability(if immutable {
            aws_sdk_ecr::types::ImageTagMutability::Immutable
        } else {
            aws_sdk_ecr::types::ImageTagMutability::Mutable
        })
        .send()
        .await
        .expect("CreateRepository");
}

/// Push `manifest` with each tag (or untagged) the way a registry client would.
async fn push(
    client: &aws_sdk_ecr::Client,
    repository: &str,
    manifest: &str,
    media_type: &str,
    tags: &[&str],
) -> String {
    let digest = digest_of(manifest);
    let tags: Vec<Option<&str>> = if tags.is_empty() {
        vec![None]
    } else {
        tags.iter().map(|t| Some(*t)).collect()
    };
    for tag in tags {
        client
            .put_image()
            .repository_name(repository)
            .image_manifest(manifest)
            .image_manifest_media_type(media_type)
            .image_digest(&digest)
            .set_image_tag(tag.map(str::to_string))
            .send()
            .await
            .expect("PutImage");
    }
    digest
}

/// Digest → sorted tags, read independently of berth.
async fn registry_state(
    client: &aws_sdk_ecr::Client,
    repository: &str,
) -> BTreeMap<String, Vec<String>> {
    support::all_images(client, repository)
        .await
        .into_iter()
        .map(|detail| {
            let mut tags: Vec<String> = detail.image_tags().to_vec();
            tags.sort();
            (detail.image_digest().unwrap().to_string(), tags)
        })
        .collect()
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| t.to_string()).collect()
}

/// Delegates to a real writer and records every call, so a test can prove what reached
/// the registry (or that nothing did).
struct Counting<W> {
    inner: W,
    calls: Mutex<Vec<(&'static str, usize)>>,
}

impl<W> Counting<W> {
    fn new(inner: W) -> Self {
        Counting {
            inner,
            calls: Mutex::new(Vec::new()),
        }
    }

    fn calls(&self) -> Vec<(&'static str, usize)> {
        self.calls.lock().unwrap().clone()
    }

    fn note(&self, operation: &'static str, ids: usize) {
        self.calls.lock().unwrap().push((operation, ids));
    }
}

#[async_trait]
impl<W: RegistryWrite> RegistryWrite for Counting<W> {
    async fn batch_get(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<ManifestBatch, EcrError> {
        self.note("BatchGetImage", ids.len());
        self.inner.batch_get(repository, ids).await
    }

    async fn put_manifest(
        &self,
        repository: &str,
        manifest: &str,
        media_type: Option<&str>,
        digest: Option<&str>,
        tag: Option<&str>,
    ) -> Result<String, EcrError> {
        self.note("PutImage", 1);
        self.inner
            .put_manifest(repository, manifest, media_type, digest, tag)
            .await
    }

    async fn resolve(&self, repository: &str, id: &ImageRef) -> Result<Option<String>, EcrError> {
        self.note("DescribeImages", 1);
        self.inner.resolve(repository, id).await
    }

    async fn batch_delete(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<DeleteResponse, EcrError> {
        self.note("BatchDeleteImage", ids.len());
        self.inner.batch_delete(repository, ids).await
    }

    async fn start_scan(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<berth::ecr::model::ScanSummary, EcrError> {
        self.note("StartImageScan", 1);
        self.inner.start_scan(repository, digest).await
    }

    async fn start_lifecycle_preview(
        &self,
        repository: &str,
        text: Option<&str>,
    ) -> Result<bool, EcrError> {
        self.note("StartLifecyclePolicyPreview", 1);
        self.inner.start_lifecycle_preview(repository, text).await
    }
}

/// berth's writer for the sandbox, the SDK client for independent reads, and a log path.
struct Setup {
    client: aws_sdk_ecr::Client,
    writer: Arc<Counting<EcrRegistry>>,
    state: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let sandbox = sandbox();
        let client = sandbox.ecr(REGION).await;
        let target = RegistryTarget::new(CredentialSource::Environment, REGION);
        let registry = EcrRegistry::from_sdk_client(sandbox.ecr(REGION).await, target);
        assert_eq!(registry.account_id().await.unwrap(), ACCOUNT);
        Setup {
            client,
            writer: Arc::new(Counting::new(registry)),
            state: tempfile::tempdir().unwrap(),
        }
    }

    fn log_path(&self) -> std::path::PathBuf {
        self.state.path().join("berth/audit.jsonl")
    }

    fn mutator(&self, read_only: bool) -> Mutator {
        let context = JournalContext::new(&CredentialSource::Environment, ACCOUNT, REGION);
        Mutator::new(
            self.writer.clone(),
            context,
            Journal::at(self.log_path()),
            read_only,
        )
    }

    fn audit_lines(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.log_path()) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("each line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

#[tokio::test]
async fn tagging_adds_a_tag_and_keeps_the_digest() {
    let setup = Setup::new().await;
    let repo = "e2e/tag-add";
    create_repository(&setup.client, repo, false).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("tag-add 1"),
        DOCKER_MANIFEST,
        &["v1"],
    )
    .await;

    let recorded = setup.mutator(false).tag(repo, &d1, "stable").await.unwrap();
    assert_eq!(recorded.audit_error, None);
    assert_eq!(
        recorded.outcome,
        Ok(TagOutcome::Tagged { digest: d1.clone() })
    );

    let state = registry_state(&setup.client, repo).await;
    assert_eq!(state, BTreeMap::from([(d1, tags(&["stable", "v1"]))]));
}

#[tokio::test]
async fn moving_a_tag_says_where_it_came_from() {
    let setup = Setup::new().await;
    let repo = "e2e/tag-move";
    create_repository(&setup.client, repo, false).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("move 1"),
        DOCKER_MANIFEST,
        &["v1", "latest"],
    )
    .await;
    let d2 = push(
        &setup.client,
        repo,
        &manifest("move 2"),
        DOCKER_MANIFEST,
        &["v2"],
    )
    .await;
    let mutator = setup.mutator(false);

    assert_eq!(
        mutator.tag_target(repo, "latest").await.unwrap(),
        Some(d1.clone())
    );
    assert_eq!(mutator.tag_target(repo, "nowhere").await.unwrap(), None);
    let moved = mutator.tag(repo, &d2, "latest").await.unwrap().outcome;
    assert_eq!(
        moved,
        Ok(TagOutcome::Moved {
            digest: d2.clone(),
            from: d1.clone()
        })
    );
    let again = mutator.tag(repo, &d2, "latest").await.unwrap().outcome;
    assert_eq!(again, Ok(TagOutcome::AlreadyTagged { digest: d2.clone() }));

    let state = registry_state(&setup.client, repo).await;
    assert_eq!(
        state,
        BTreeMap::from([(d1, tags(&["v1"])), (d2, tags(&["latest", "v2"]))])
    );
}

#[tokio::test]
async fn an_immutable_tag_is_refused_with_a_typed_outcome() {
    let setup = Setup::new().await;
    let repo = "e2e/immutable";
    create_repository(&setup.client, repo, true).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("imm 1"),
        DOCKER_MANIFEST,
        &["v1"],
    )
    .await;
    let d2 = push(
        &setup.client,
        repo,
        &manifest("imm 2"),
        DOCKER_MANIFEST,
        &["v2"],
    )
    .await;
    let mutator = setup.mutator(false);

    let refused = mutator.tag(repo, &d2, "v1").await.unwrap().outcome;
    assert_eq!(
        refused,
        Ok(TagOutcome::ImmutableTag {
            tag: "v1".into(),
            current: Some(d1.clone())
        })
    );
    // A new tag is fine on an immutable repository: only moving one is not.
    let added = mutator.tag(repo, &d2, "v2-extra").await.unwrap().outcome;
    assert_eq!(added, Ok(TagOutcome::Tagged { digest: d2.clone() }));

    let state = registry_state(&setup.client, repo).await;
    assert_eq!(
        state,
        BTreeMap::from([(d1, tags(&["v1"])), (d2, tags(&["v2", "v2-extra"]))])
    );
}

#[tokio::test]
async fn deleting_one_tag_of_a_multi_tag_image_keeps_the_image() {
    let setup = Setup::new().await;
    let repo = "e2e/untag";
    create_repository(&setup.client, repo, false).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("untag"),
        DOCKER_MANIFEST,
        &["a", "b"],
    )
    .await;

    let report = setup
        .mutator(false)
        .delete(repo, &[ImageRef::Tag("a".into())])
        .await
        .unwrap()
        .outcome;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.deleted[0].tags, ["a"]);
    assert_eq!(report.deleted[0].digest.as_deref(), Some(d1.as_str()));

    let state = registry_state(&setup.client, repo).await;
    assert_eq!(state, BTreeMap::from([(d1, tags(&["b"]))]));
}

#[tokio::test]
async fn bulk_delete_of_150_images_crosses_the_batch_limit() {
    let setup = Setup::new().await;
    let repo = "e2e/bulk";
    create_repository(&setup.client, repo, false).await;
    let mut digests = Vec::new();
    for n in 0..160 {
        let tag = format!("build-{n}");
        let d = push(
            &setup.client,
            repo,
            &manifest(&format!("bulk {n}")),
            DOCKER_MANIFEST,
            &[&tag],
        )
        .await;
        digests.push(d);
    }
    let doomed: Vec<ImageRef> = digests[..150]
        .iter()
        .cloned()
        .map(ImageRef::Digest)
        .collect();

    let report = setup
        .mutator(false)
        .delete(repo, &doomed)
        .await
        .unwrap()
        .outcome;
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(report.deleted.len(), 150);

    let deletes: Vec<usize> = setup
        .writer
        .calls()
        .iter()
        .filter(|(op, _)| *op == "BatchDeleteImage")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(deletes, [100, 50]);
    let remaining: BTreeSet<String> = registry_state(&setup.client, repo)
        .await
        .into_keys()
        .collect();
    let expected: BTreeSet<String> = digests[150..].iter().cloned().collect();
    assert_eq!(remaining, expected);
}

#[tokio::test]
async fn a_partly_failing_delete_reports_exactly_the_failed_ids() {
    let setup = Setup::new().await;
    let repo = "e2e/partial";
    create_repository(&setup.client, repo, false).await;
    let child_manifest = manifest("partial child").replace(DOCKER_MANIFEST, OCI_MANIFEST);
    let child = push(&setup.client, repo, &child_manifest, OCI_MANIFEST, &[]).await;
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{child}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#,
        child_manifest.len()
    );
    let index_digest = push(&setup.client, repo, &index, OCI_INDEX, &["multi"]).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("partial 1"),
        DOCKER_MANIFEST,
        &["one"],
    )
    .await;
    let d2 = push(
        &setup.client,
        repo,
        &manifest("partial 2"),
        DOCKER_MANIFEST,
        &["two"],
    )
    .await;
    let absent = digest_of("never pushed");

    let ids = vec![
        ImageRef::Digest(d1.clone()),
        ImageRef::Digest(absent.clone()),
        ImageRef::Tag("no-such-tag".into()),
        ImageRef::Digest(child.clone()),
        ImageRef::Digest("sha256:not-hex".into()),
        ImageRef::Tag("two".into()),
    ];
    let report = setup
        .mutator(false)
        .delete(repo, &ids)
        .await
        .unwrap()
        .outcome;

    let deleted: Vec<&ImageRef> = report.deleted.iter().map(|d| &d.id).collect();
    assert_eq!(deleted, [&ids[0], &ids[5]]);
    let failed: BTreeMap<&ImageRef, &str> = report
        .failed
        .iter()
        .map(|f| (&f.id, f.code.as_str()))
        .collect();
    assert_eq!(
        failed,
        BTreeMap::from([
            (&ids[1], "ImageNotFound"),
            (&ids[2], "ImageNotFound"),
            (&ids[3], "ImageReferencedByManifestList"),
            (&ids[4], "InvalidImageDigest"),
        ])
    );
    assert!(report.errors.is_empty());

    let state = registry_state(&setup.client, repo).await;
    let remaining: BTreeSet<&String> = state.keys().collect();
    assert_eq!(remaining, BTreeSet::from([&child, &index_digest]));
    assert!(!state.contains_key(&d1) && !state.contains_key(&d2));
}

#[tokio::test]
async fn read_only_mode_blocks_every_mutation_before_any_call() {
    let setup = Setup::new().await;
    let repo = "e2e/read-only";
    create_repository(&setup.client, repo, false).await;
    let body = manifest("read-only");
    let d1 = push(&setup.client, repo, &body, DOCKER_MANIFEST, &["keep"]).await;
    let before = registry_state(&setup.client, repo).await;
    let mutator = setup.mutator(true);

    let tagged = mutator.tag(repo, &d1, "new").await;
    assert!(
        matches!(tagged, Err(Refused::ReadOnly { .. })),
        "{tagged:?}"
    );
    let deleted = mutator
        .delete(
            repo,
            &[ImageRef::Digest(d1.clone()), ImageRef::Tag("keep".into())],
        )
        .await;
    assert!(
        matches!(deleted, Err(Refused::ReadOnly { .. })),
        "{deleted:?}"
    );
    let restore = RestoreImage {
        digest: d1.clone(),
        manifest: body,
        media_type: Some(DOCKER_MANIFEST.into()),
        tags: vec!["again".into()],
    };
    let restored = mutator.restore(repo, &restore).await;
    assert!(
        matches!(restored, Err(Refused::ReadOnly { .. })),
        "{restored:?}"
    );

    assert_eq!(setup.writer.calls(), [], "no API call was made");
    assert_eq!(registry_state(&setup.client, repo).await, before);
    assert!(!setup.log_path().exists(), "refusals are not attempts");
}

/// Whether the sandbox holds a scan of `digest` (DescribeImageScanFindings answers
/// ScanNotFoundException for an image never scanned).
async fn has_scan(client: &aws_sdk_ecr::Client, repo: &str, digest: &str) -> bool {
    client
        .describe_image_scan_findings()
        .repository_name(repo)
        .image_id(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_digest(digest)
                .build(),
        )
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn scans_and_lifecycle_previews_go_through_the_gate() {
    let setup = Setup::new().await;
    let repo = "e2e/scan-gate";
    create_repository(&setup.client, repo, false).await;
    let d1 = push(
        &setup.client,
        repo,
        &manifest("scan gate"),
        DOCKER_MANIFEST,
        &["v1"],
    )
    .await;

    let read_only = setup.mutator(true);
    let scan = read_only.start_scan(repo, &d1).await;
    assert!(matches!(scan, Err(Refused::ReadOnly { .. })), "{scan:?}");
    let preview = read_only.start_lifecycle_preview(repo, None).await;
    assert!(
        matches!(preview, Err(Refused::ReadOnly { .. })),
        "{preview:?}"
    );
    assert_eq!(setup.writer.calls(), [], "no API call was made");
    assert!(!setup.log_path().exists(), "refusals are not attempts");
    assert!(!has_scan(&setup.client, repo, &d1).await);

    let recorded = setup.mutator(false).start_scan(repo, &d1).await.unwrap();
    assert!(recorded.outcome.is_ok(), "{:?}", recorded.outcome);
    assert_eq!(setup.writer.calls(), [("StartImageScan", 1)]);
    assert!(has_scan(&setup.client, repo, &d1).await);
    let lines = setup.audit_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "start_scan");
    assert_eq!(lines[0]["images"][0]["digest"], d1.as_str());
}

#[tokio::test]
async fn the_audit_log_gets_one_line_per_attempt() {
    let setup = Setup::new().await;
    let repo = "e2e/audit";
    create_repository(&setup.client, repo, true).await;
    let body = manifest("audit 1");
    let d1 = push(&setup.client, repo, &body, DOCKER_MANIFEST, &["v1"]).await;
    let d2 = push(
        &setup.client,
        repo,
        &manifest("audit 2"),
        DOCKER_MANIFEST,
        &["v2"],
    )
    .await;
    let mutator = setup.mutator(false);

    mutator.tag(repo, &d1, "prod").await.unwrap();
    mutator.tag(repo, &d2, "v1").await.unwrap();
    let missing = digest_of("missing");
    mutator
        .delete(
            repo,
            &[
                ImageRef::Digest(d1.clone()),
                ImageRef::Digest(missing.clone()),
            ],
        )
        .await
        .unwrap();
    mutator.tag(repo, &d1, "after-delete").await.unwrap();

    let lines = setup.audit_lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines {
        assert_eq!(line["account"], ACCOUNT);
        assert_eq!(line["region"], REGION);
        assert_eq!(line["profile"], "env");
        assert_eq!(line["repository"], repo);
        assert!(
            line["time"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .is_ok()
        );
    }
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["tag", "tag", "delete", "tag"]);
    assert_eq!(lines[0]["images"][0]["result"], "tagged");
    assert_eq!(lines[1]["images"][0]["result"], "refused_immutable");
    let deleted = &lines[2]["images"][0];
    assert_eq!(deleted["result"], "deleted");
    assert_eq!(deleted["digest"], d1.as_str());
    assert_eq!(deleted["tags"], serde_json::json!(["prod", "v1"]));
    assert_eq!(
        deleted["manifest"],
        body.as_str(),
        "the exact manifest bytes"
    );
    assert_eq!(deleted["media_type"], DOCKER_MANIFEST);
    let failed = &lines[2]["images"][1];
    assert_eq!(failed["result"], "failed");
    assert_eq!(failed["digest"], missing.as_str());
    assert_eq!(failed["error_code"], "ImageNotFound");
    assert_eq!(lines[3]["images"][0]["result"], "failed");
    assert_eq!(lines[3]["error_code"], "NotFound");
}

#[tokio::test]
async fn restore_from_the_log_never_takes_back_a_reused_tag() {
    let setup = Setup::new().await;
    let repo = "e2e/restore-reused";
    create_repository(&setup.client, repo, false).await;
    let body = manifest("reused 1");
    let d1 = push(
        &setup.client,
        repo,
        &body,
        DOCKER_MANIFEST,
        &["keep-me", "latest"],
    )
    .await;
    let mutator = setup.mutator(false);
    mutator
        .delete(repo, &[ImageRef::Digest(d1.clone())])
        .await
        .unwrap();
    // Someone pushes a new `latest` after the delete.
    let d2 = push(
        &setup.client,
        repo,
        &manifest("reused 2"),
        DOCKER_MANIFEST,
        &["latest"],
    )
    .await;

    let read = Journal::at(setup.log_path()).read().unwrap();
    let plan = berth::headless::restore::plan(&read.entries, 1, &[], &[]);
    let [PlannedImage::Restore(image)] = plan[0].images.as_slice() else {
        panic!("one restorable image expected: {plan:?}");
    };
    assert_eq!(
        image.manifest, body,
        "the exact manifest bytes were recorded"
    );
    let report = mutator.restore(repo, image).await.unwrap().outcome;
    assert_eq!(
        report.puts,
        [
            (Some("keep-me".into()), PutResult::Restored),
            (
                Some("latest".into()),
                PutResult::TagTaken {
                    current: d2.clone()
                }
            ),
        ]
    );
    let state = registry_state(&setup.client, repo).await;
    assert_eq!(
        state,
        BTreeMap::from([(d1, tags(&["keep-me"])), (d2, tags(&["latest"]))])
    );
}
