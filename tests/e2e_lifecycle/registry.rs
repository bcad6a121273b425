//! The real ECR layer's policy writes and ECR's own preview, against the sandbox.

use super::*;

#[test]
fn put_lifecycle_policy_is_read_back_by_the_api() {
    // Its own sandbox: this test changes a repository.
    let sandbox = Sandbox::standard();
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let target = berth::ecr::model::RegistryTarget::new(
            berth::ecr::model::CredentialSource::Environment,
            "us-east-1",
        );
        let registry = berth::ecr::EcrRegistry::from_sdk_client(client.clone(), target);
        berth::ecr::RegistryWrite::put_lifecycle_policy(&registry, "web/admin", AGGRESSIVE)
            .await
            .expect("PutLifecyclePolicy");
        let read = client
            .get_lifecycle_policy()
            .repository_name("web/admin")
            .send()
            .await
            .expect("GetLifecyclePolicy");
        assert_eq!(read.lifecycle_policy_text(), Some(AGGRESSIVE));
        // And berth's own reader agrees.
        assert_eq!(
            berth::ecr::policy::lifecycle_policy(&registry, "web/admin")
                .await
                .unwrap()
                .as_deref(),
            Some(AGGRESSIVE)
        );
        // A repository that does not exist is NotFound, not a generic failure.
        let err =
            berth::ecr::RegistryWrite::put_lifecycle_policy(&registry, "no/such-repo", AGGRESSIVE)
                .await
                .unwrap_err();
        assert!(
            matches!(err, berth::ecr::EcrError::NotFound { .. }),
            "{err:?}"
        );
    });
}

#[test]
fn the_sandbox_lacks_ecrs_lifecycle_preview_and_berth_says_unsupported() {
    Sandbox::runtime().block_on(async {
        let client = Sandbox::shared().ecr("us-east-1").await;
        let target = berth::ecr::model::RegistryTarget::new(
            berth::ecr::model::CredentialSource::Environment,
            "us-east-1",
        );
        let registry = berth::ecr::EcrRegistry::from_sdk_client(client, target.clone());
        let state = tempfile::tempdir().unwrap();
        let gate = berth::safety::Mutator::new(
            std::sync::Arc::new(berth::ecr::EcrRegistry::from_sdk_client(
                Sandbox::shared().ecr("us-east-1").await,
                target,
            )),
            berth::safety::JournalContext::new(
                &berth::ecr::model::CredentialSource::Environment,
                "123456789012",
                "us-east-1",
            ),
            berth::journal::Journal::at(state.path().join("audit.jsonl")),
            false,
        );
        let err = berth::runtime::lifecycle::lifecycle_policy_preview(
            &registry,
            &gate,
            "web/frontend",
            Some(AGGRESSIVE),
            std::time::Duration::from_secs(5),
            std::time::Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, berth::ecr::EcrError::Unsupported { .. }),
            "moto has no StartLifecyclePolicyPreview; got {err:?}"
        );
    });
}
