//! Property: BatchDeleteImage is only ever asked for ids the user confirmed, each once,
//! at most 100 per call, and every confirmed id is reported exactly once.

use super::{ACCOUNT, REGION, digest_of};
use async_trait::async_trait;
use berth::ecr::EcrError;
use berth::ecr::model::CredentialSource;
use berth::ecr::mutate::{
    DeleteResponse, ImageRef, ManifestBatch, NOT_ATTEMPTED, NOT_CONFIRMED, RegistryWrite,
    ReturnedFailure, ReturnedId,
};
use berth::journal::Journal;
use berth::safety::{JournalContext, Mutator};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

/// A registry that records every id it is asked to delete and answers each one with a
/// fate fixed by the test (deleted, refused, or left out of the answer).
struct Recorder {
    fates: BTreeMap<ImageRef, Fate>,
    deny_from_call: Option<usize>,
    sent: Mutex<Vec<Vec<ImageRef>>>,
}

#[derive(Clone, Copy, Debug)]
enum Fate {
    Deleted,
    Refused,
    Omitted,
}

#[async_trait]
impl RegistryWrite for Recorder {
    async fn batch_get(&self, _: &str, _: &[ImageRef]) -> Result<ManifestBatch, EcrError> {
        Ok(ManifestBatch::default())
    }

    async fn put_manifest(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: Option<&str>,
        _: Option<&str>,
    ) -> Result<String, EcrError> {
        panic!("a delete never puts a manifest")
    }

    async fn resolve(&self, _: &str, _: &ImageRef) -> Result<Option<String>, EcrError> {
        panic!("a delete never resolves ids")
    }

    async fn batch_delete(
        &self,
        repository: &str,
        ids: &[ImageRef],
    ) -> Result<DeleteResponse, EcrError> {
        let call = {
            let mut sent = self.sent.lock().unwrap();
            sent.push(ids.to_vec());
            sent.len() - 1
        };
        if self.deny_from_call.is_some_and(|from| call >= from) {
            return Err(EcrError::AccessDenied {
                action: "ecr:BatchDeleteImage".into(),
                subject: repository.into(),
                message: String::new(),
            });
        }
        let mut response = DeleteResponse::default();
        for id in ids {
            let returned = match id {
                ImageRef::Tag(t) => ReturnedId {
                    digest: Some(fake_digest(t)),
                    tag: Some(t.clone()),
                },
                ImageRef::Digest(d) => ReturnedId {
                    digest: Some(d.clone()),
                    tag: None,
                },
            };
            match self.fates.get(id).copied().unwrap_or(Fate::Deleted) {
                Fate::Deleted => response.deleted.push(returned),
                Fate::Refused => response.failures.push(ReturnedFailure {
                    id: returned,
                    code: "ImageNotFound".into(),
                    reason: "refused".into(),
                }),
                Fate::Omitted => {}
            }
        }
        Ok(response)
    }
}

fn fake_digest(seed: &str) -> String {
    digest_of(&format!("tag {seed}"))
}

fn image_ref() -> impl Strategy<Value = ImageRef> {
    prop_oneof![
        (0u16..400).prop_map(|n| ImageRef::Tag(format!("t{n}"))),
        (0u16..400).prop_map(|n| ImageRef::Digest(fake_digest(&n.to_string()))),
    ]
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![6 => Just(Fate::Deleted), 2 => Just(Fate::Refused), 1 => Just(Fate::Omitted)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_delete_only_ever_sees_confirmed_ids(
        confirmed in proptest::collection::vec(image_ref(), 1..320),
        fates in proptest::collection::vec(fate(), 320),
        deny_from_call in proptest::option::of(0usize..4),
    ) {
        let recorder = Arc::new(Recorder {
            fates: confirmed.iter().cloned().zip(fates).collect(),
            deny_from_call,
            sent: Mutex::new(Vec::new()),
        });
        let state = tempfile::tempdir().unwrap();
        let context = JournalContext::new(&CredentialSource::Environment, ACCOUNT, REGION);
        let mutator = Mutator::new(
            recorder.clone(),
            context,
            Journal::at(state.path().join("audit.jsonl")),
            false,
        );
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let report = runtime
            .block_on(mutator.delete("repo", &confirmed))
            .unwrap()
            .outcome;

        let allowed: HashSet<&ImageRef> = confirmed.iter().collect();
        let sent = recorder.sent.lock().unwrap();
        let mut seen = HashSet::new();
        for batch in sent.iter() {
            prop_assert!(!batch.is_empty() && batch.len() <= 100);
            for id in batch {
                prop_assert!(allowed.contains(id), "{id:?} was never confirmed");
                prop_assert!(seen.insert(id.clone()), "{id:?} sent twice");
            }
        }
        // Every confirmed id is accounted for exactly once; deleted ones were sent.
        let deleted: HashSet<&ImageRef> = report.deleted.iter().map(|d| &d.id).collect();
        let failed: HashSet<&ImageRef> = report.failed.iter().map(|f| &f.id).collect();
        prop_assert_eq!(deleted.len(), report.deleted.len());
        prop_assert_eq!(failed.len(), report.failed.len());
        prop_assert!(deleted.is_disjoint(&failed));
        let union: HashSet<&ImageRef> = deleted.union(&failed).copied().collect();
        prop_assert_eq!(union, allowed);
        for id in &deleted {
            prop_assert!(seen.contains(*id));
            prop_assert!(matches!(recorder.fates.get(*id), Some(Fate::Deleted) | None));
        }
        for failure in &report.failed {
            if failure.code == NOT_ATTEMPTED {
                prop_assert!(!seen.contains(&failure.id));
            }
            if failure.code == NOT_CONFIRMED {
                prop_assert!(matches!(recorder.fates.get(&failure.id), Some(Fate::Omitted)));
            }
        }
        // The gate wrote exactly one line for the attempt.
        let log = std::fs::read_to_string(state.path().join("audit.jsonl")).unwrap();
        prop_assert_eq!(log.lines().count(), 1);
    }
}
