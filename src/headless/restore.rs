//! `berth restore --from-audit-log [PATH] [--last N] [--dry-run]`: put back the images of
//! the most recent delete operations, from the manifests recorded before each delete.
//!
//! A restore is a PutImage of the recorded manifest with its digest and tags. ECR accepts
//! it only while the layers (and, for an index, the child manifests) are still in the
//! repository; it answers `LayersNotFoundException` or
//! `ReferencedImagesNotFoundException` otherwise, and berth says so per image. moto and
//! the sandbox do not check layers, so there a restore succeeds where ECR might refuse.
//!
//! `--last N` counts delete operations (audit lines), newest first; `--profile` /
//! `--region` narrow which operations are considered. Each operation is restored with
//! the credentials and region it was made with, after checking they still reach the same
//! account.

use crate::cli::{Cli, RestoreArgs};
use crate::ecr::model::{CredentialSource, ManifestKind, RegistryTarget, short_digest};
use crate::ecr::{EcrError, EcrRegistry, Registry};
use crate::journal::{ImageResult, Journal, JournalAction, JournalEntry};
use crate::safety::{JournalContext, Mutator, PutResult, Refused, RestoreImage};
use std::process::ExitCode;
use std::sync::Arc;

/// One delete operation to undo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedOperation {
    pub time: String,
    pub profile: String,
    pub account: String,
    /// The role assumed in a member account, when the deletion was made through one.
    pub role: Option<String>,
    pub region: String,
    pub repository: String,
    pub images: Vec<PlannedImage>,
}

/// One deleted image: restorable from its manifest, or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlannedImage {
    Restore(RestoreImage),
    /// No manifest was recorded for it (the fetch before the delete failed).
    Missing {
        digest: Option<String>,
        tags: Vec<String>,
        reason: String,
    },
}

/// Which deletions to restore: the `last` most recent delete operations that deleted
/// anything, newest first, limited to the given profiles and regions when any are given.
pub fn plan(
    entries: &[JournalEntry],
    last: usize,
    profiles: &[String],
    regions: &[String],
) -> Vec<PlannedOperation> {
    entries
        .iter()
        .rev()
        .filter(|e| e.action == JournalAction::Delete)
        .filter(|e| profiles.is_empty() || profiles.contains(&e.profile))
        .filter(|e| regions.is_empty() || regions.contains(&e.region))
        .filter(|e| e.images.iter().any(|i| i.result == ImageResult::Deleted))
        .take(last)
        .map(plan_operation)
        .collect()
}

fn plan_operation(entry: &JournalEntry) -> PlannedOperation {
    // One image can appear several times (deleted by two of its tags): merge by digest.
    let mut images: Vec<PlannedImage> = Vec::new();
    for deleted in entry
        .images
        .iter()
        .filter(|i| i.result == ImageResult::Deleted)
    {
        let (Some(digest), Some(manifest)) = (&deleted.digest, &deleted.manifest) else {
            images.push(PlannedImage::Missing {
                digest: deleted.digest.clone(),
                tags: deleted.tags.clone(),
                reason: deleted
                    .manifest_error
                    .clone()
                    .unwrap_or_else(|| "no manifest was recorded".into()),
            });
            continue;
        };
        let existing = images.iter_mut().find_map(|p| match p {
            PlannedImage::Restore(r) if &r.digest == digest => Some(r),
            _ => None,
        });
        match existing {
            Some(image) => {
                for tag in &deleted.tags {
                    if !image.tags.contains(tag) {
                        image.tags.push(tag.clone());
                    }
                }
            }
            None => images.push(PlannedImage::Restore(RestoreImage {
                digest: digest.clone(),
                manifest: manifest.clone(),
                media_type: deleted.media_type.clone(),
                tags: deleted.tags.clone(),
            })),
        }
    }
    // An index can only be put back once the images it lists exist again.
    images.sort_by_key(|p| match p {
        PlannedImage::Restore(r) => is_index(r),
        PlannedImage::Missing { .. } => false,
    });
    PlannedOperation {
        time: entry.time.clone(),
        profile: entry.profile.clone(),
        account: entry.account.clone(),
        role: entry.role.clone(),
        region: entry.region.clone(),
        repository: entry.repository.clone(),
        images,
    }
}

fn is_index(image: &RestoreImage) -> bool {
    let declared = image.media_type.clone().or_else(|| {
        serde_json::from_str::<serde_json::Value>(&image.manifest)
            .ok()
            .and_then(|v| v.get("mediaType")?.as_str().map(str::to_string))
    });
    ManifestKind::classify(declared.as_deref(), None) == ManifestKind::ManifestList
}

/// Advice for a PutImage failure during a restore, by ECR error code.
pub fn hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "LayersNotFoundException" => {
            "its layers are no longer in the registry (ECR removes layers no image uses); push the image again from its build"
        }
        "ReferencedImagesNotFoundException" => {
            "it is an image index whose platform images are gone; restore or push those first"
        }
        "ImageTagAlreadyExistsException" => {
            "the tag now names another image and the repository's tags are immutable"
        }
        "ImageDigestDoesNotMatchException" => {
            "the recorded manifest does not hash to the recorded digest; the log line may have been edited"
        }
        "NotFound" => "the repository no longer exists; create it first",
        "AccessDenied" => "your role lacks ecr:PutImage",
        _ => return None,
    })
}

fn describe(digest: &str, tags: &[String]) -> String {
    if tags.is_empty() {
        format!("{} (untagged)", short_digest(digest))
    } else {
        format!("{} tags {}", short_digest(digest), tags.join(", "))
    }
}

fn failure_line(repository: &str, what: &str, err: &EcrError) -> String {
    let mut line = format!(
        "cannot restore {repository} {what}: {}",
        err.without_key_hint()
    );
    if let Some(hint) = hint(err.code()) {
        line.push_str(" — ");
        line.push_str(hint);
    }
    line
}

/// Run `berth restore`.
pub async fn run(cli: &Cli, args: &RestoreArgs) -> ExitCode {
    let log = match args.from_audit_log.as_ref().and_then(Option::as_deref) {
        Some(path) => Journal::at(path),
        None => match Journal::standard() {
            Ok(log) => log,
            Err(err) => {
                eprintln!("berth restore: {err}");
                return ExitCode::from(1);
            }
        },
    };
    let read = match log.read() {
        Ok(read) => read,
        Err(err) => {
            eprintln!("berth restore: {err}");
            return ExitCode::from(1);
        }
    };
    if read.unreadable_lines > 0 {
        eprintln!(
            "berth restore: skipped {} unreadable line(s) of {}",
            read.unreadable_lines,
            log.path().display()
        );
    }
    let operations = plan(&read.entries, args.last.max(1), &cli.profile, &cli.region);
    if operations.is_empty() {
        eprintln!(
            "berth restore: nothing to restore: {} records no deletions{}",
            log.path().display(),
            if cli.profile.is_empty() && cli.region.is_empty() {
                ""
            } else {
                " for the given --profile/--region"
            }
        );
        return ExitCode::SUCCESS;
    }
    let mut all_restored = true;
    for operation in &operations {
        println!(
            "delete of {} image(s) in {} at {} ({}/{}, account {})",
            operation.images.len(),
            operation.repository,
            operation.time,
            operation.profile,
            operation.region,
            operation.account
        );
        all_restored &= if args.dry_run {
            dry_run(operation)
        } else {
            restore_operation(cli, &log, operation).await
        };
    }
    if all_restored {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn dry_run(operation: &PlannedOperation) -> bool {
    let mut complete = true;
    for image in &operation.images {
        match image {
            PlannedImage::Restore(r) => println!(
                "would restore {} {}",
                operation.repository,
                describe(&r.digest, &r.tags)
            ),
            PlannedImage::Missing {
                digest,
                tags,
                reason,
            } => {
                complete = false;
                println!(
                    "cannot restore {} {}: {reason}",
                    operation.repository,
                    describe(digest.as_deref().unwrap_or("?"), tags)
                );
            }
        }
    }
    complete
}

/// The credential source an audit line names.
/// The credentials an operation was made with: its profile, or the member account it
/// reached through `role` (assumed again from the first `--profile`, or the default chain).
fn source_of(cli: &Cli, operation: &PlannedOperation) -> CredentialSource {
    let profile = operation.profile.as_str();
    if let Some(role) = &operation.role {
        return CredentialSource::Member(crate::ecr::model::MemberAccount {
            id: operation.account.clone(),
            name: profile.to_string(),
            role: role.clone(),
            via: cli.profile.first().cloned(),
        });
    }
    if profile == CredentialSource::Environment.label() {
        CredentialSource::Environment
    } else {
        CredentialSource::Profile(profile.to_string())
    }
}

async fn restore_operation(cli: &Cli, log: &Journal, operation: &PlannedOperation) -> bool {
    let repository = &operation.repository;
    let fail_all = |why: String| {
        println!("cannot restore {repository}: {why}");
        false
    };
    let target = RegistryTarget::new(source_of(cli, operation), operation.region.clone());
    let registry = match EcrRegistry::connect(&target, &cli.client_options()).await {
        Ok(registry) => registry,
        Err(err) => return fail_all(err.without_key_hint()),
    };
    match registry.account_id().await {
        Ok(account) if account == operation.account => {}
        Ok(account) => {
            return fail_all(format!(
                "the deletion was in account {} but {} reaches account {account}",
                operation.account,
                target.label()
            ));
        }
        Err(err) => return fail_all(err.without_key_hint()),
    }
    let context = JournalContext::new(&target.source, &operation.account, &operation.region);
    let mutator = Mutator::new(Arc::new(registry), context, log.clone(), cli.read_only);
    let mut complete = true;
    for image in &operation.images {
        let restore = match image {
            PlannedImage::Restore(restore) => restore,
            PlannedImage::Missing {
                digest,
                tags,
                reason,
            } => {
                complete = false;
                println!(
                    "cannot restore {repository} {}: {reason}",
                    describe(digest.as_deref().unwrap_or("?"), tags)
                );
                continue;
            }
        };
        let recorded = match mutator.restore(repository, restore).await {
            Ok(recorded) => recorded,
            Err(refused @ Refused::ReadOnly { .. }) => return fail_all(refused.to_string()),
            Err(refused) => {
                complete = false;
                println!(
                    "cannot restore {repository} {}: {refused}",
                    describe(&restore.digest, &restore.tags)
                );
                continue;
            }
        };
        if let Some(err) = &recorded.audit_error {
            eprintln!("berth restore: warning: {err}");
        }
        for (tag, result) in &recorded.outcome.puts {
            let what = describe(&restore.digest, &tag.iter().cloned().collect::<Vec<_>>());
            match result {
                PutResult::Restored => println!("restored {repository} {what}"),
                PutResult::AlreadyPresent => println!("already present {repository} {what}"),
                PutResult::TagTaken { current } => {
                    complete = false;
                    println!(
                        "left in place {repository} {what}: the tag now names {}; move it yourself if the restored image should have it",
                        short_digest(current)
                    );
                }
                PutResult::Failed(err) => {
                    complete = false;
                    println!("{}", failure_line(repository, &what, err));
                }
            }
        }
    }
    complete
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::ImageRef;
    use crate::journal::JournalImage;

    fn digest(n: u8) -> String {
        format!("sha256:{}", format!("{n:02x}").repeat(32))
    }

    fn deleted(n: u8, tags: &[&str], manifest: Option<&str>, media: Option<&str>) -> JournalImage {
        JournalImage {
            id: Some(ImageRef::Digest(digest(n))),
            digest: Some(digest(n)),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            manifest: manifest.map(str::to_string),
            media_type: media.map(str::to_string),
            manifest_error: manifest
                .is_none()
                .then(|| "AccessDenied: no ecr:BatchGetImage".to_string()),
            ..JournalImage::new(ImageResult::Deleted)
        }
    }

    fn entry(action: JournalAction, region: &str, images: Vec<JournalImage>) -> JournalEntry {
        JournalEntry {
            role: None,
            time: "2026-11-25T10:00:00Z".into(),
            profile: "env".into(),
            account: "123456789012".into(),
            region: region.into(),
            repository: "web".into(),
            action,
            images,
            policy: None,
            error_code: None,
            error: None,
        }
    }

    #[test]
    fn the_newest_deletions_come_first_and_other_actions_are_skipped() {
        let entries = vec![
            entry(
                JournalAction::Delete,
                "us-east-1",
                vec![deleted(1, &["a"], Some("{}"), None)],
            ),
            entry(
                JournalAction::Delete,
                "eu-west-1",
                vec![deleted(2, &[], Some("{}"), None)],
            ),
            entry(JournalAction::Tag, "us-east-1", vec![]),
            entry(
                JournalAction::Delete,
                "us-east-1",
                vec![JournalImage::new(ImageResult::Failed)],
            ),
        ];
        let one = plan(&entries, 1, &[], &[]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].region, "eu-west-1");
        let two = plan(&entries, 5, &[], &[]);
        assert_eq!(
            two.len(),
            2,
            "failed-only deletes and tags are not restorable"
        );
        let filtered = plan(&entries, 5, &[], &["us-east-1".into()]);
        assert_eq!(filtered.len(), 1);
        assert_eq!(
            filtered[0].images,
            [PlannedImage::Restore(RestoreImage {
                digest: digest(1),
                manifest: "{}".into(),
                media_type: None,
                tags: vec!["a".into()],
            })]
        );
    }

    #[test]
    fn images_merge_by_digest_indexes_go_last_and_gaps_are_kept() {
        let index = r#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let entries = vec![entry(
            JournalAction::Delete,
            "us-east-1",
            vec![
                deleted(9, &["multi"], Some(index), None),
                deleted(1, &["a"], Some("{}"), None),
                deleted(1, &["b"], Some("{}"), None),
                deleted(3, &["lost"], None, None),
            ],
        )];
        let planned = &plan(&entries, 1, &[], &[])[0].images;
        assert_eq!(planned.len(), 3);
        assert!(
            matches!(&planned[0], PlannedImage::Restore(r) if r.digest == digest(1) && r.tags == ["a", "b"])
        );
        assert!(
            matches!(&planned[1], PlannedImage::Missing { reason, .. } if reason.contains("AccessDenied"))
        );
        assert!(matches!(&planned[2], PlannedImage::Restore(r) if r.digest == digest(9)));
    }

    #[test]
    fn failures_get_plain_advice() {
        let err = EcrError::Service {
            action: "ecr:PutImage".into(),
            subject: "web".into(),
            code: "LayersNotFoundException".into(),
            message: "layer missing".into(),
        };
        let line = failure_line("web", "sha256:abc (untagged)", &err);
        assert!(line.starts_with("cannot restore web sha256:abc"), "{line}");
        assert!(line.contains("push the image again"), "{line}");
    }

    #[test]
    fn an_operation_is_restored_with_the_credentials_it_was_made_with() {
        use clap::Parser;
        let cli = Cli::parse_from(["berth", "--profile", "admin"]);
        let operation = |profile: &str, role: Option<&str>| PlannedOperation {
            time: String::new(),
            profile: profile.into(),
            account: "111122223333".into(),
            role: role.map(str::to_string),
            region: "us-east-1".into(),
            repository: "web".into(),
            images: Vec::new(),
        };
        assert_eq!(
            source_of(&cli, &operation("env", None)),
            CredentialSource::Environment
        );
        assert_eq!(
            source_of(&cli, &operation("prod", None)),
            CredentialSource::Profile("prod".into())
        );
        // A member account: its role again, assumed from the first --profile.
        let member = source_of(&cli, &operation("payments-prod", Some("BerthAdmin")));
        let member = member.member().expect("a member account");
        assert_eq!(member.id, "111122223333");
        assert_eq!(member.role, "BerthAdmin");
        assert_eq!(member.via.as_deref(), Some("admin"));
    }
}
