//! The real ECR layer's scans: started, polled to completion, refused as ECR refuses.

use super::*;

fn registry(rt: &tokio::runtime::Runtime) -> EcrRegistry {
    EcrRegistry::from_sdk_client(
        rt.block_on(scan_sandbox().ecr("us-east-1")),
        RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
    )
}

const FAST: PollSchedule = PollSchedule {
    first: Duration::from_millis(10),
    cap: Duration::from_millis(40),
    max_polls: 20,
};

#[test]
fn a_started_scan_is_polled_to_complete_and_a_second_is_refused_with_ecrs_message() {
    let rt = runtime();
    let ecr = registry(&rt);
    let image = ImageRef::Tag("latest".into());
    let before = rt
        .block_on(ecr.findings_page("web/admin", &image, None))
        .unwrap();
    assert_eq!(before.status, NOT_SCANNED);

    // Scans start by digest, as berth starts them.
    let digest = rt
        .block_on(ecr.resolve("web/admin", &image))
        .unwrap()
        .unwrap();
    let started = rt.block_on(ecr.start_scan("web/admin", &digest)).unwrap();
    assert_eq!(started.status, "IN_PROGRESS");
    let seen = Mutex::new(Vec::new());
    let last = rt
        .block_on(wait_for_scan(&ecr, "web/admin", &image, FAST, |s| {
            seen.lock().unwrap().push(s.status.clone())
        }))
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["IN_PROGRESS", "IN_PROGRESS", "COMPLETE"]
    );
    let scan = rt
        .block_on(ecr.image_findings("web/admin", &image))
        .unwrap();
    assert_eq!(Some(scan.counts.clone()), last.counts);
    assert!(scan.counts_reported);
    assert_eq!(
        scan.findings.len() as u32,
        scan.counts.0.iter().map(|(_, n)| n).sum::<u32>()
    );

    let refused = rt
        .block_on(ecr.start_scan("web/admin", &digest))
        .unwrap_err();
    assert_eq!(refused.code(), "LimitExceededException");
    assert!(
        refused
            .to_string()
            .contains("The scan quota per image has been exceeded"),
        "ECR's words reach the user: {refused}"
    );
}

#[test]
fn the_runner_starts_scans_and_reports_every_status() {
    let rt = runtime();
    let client = rt.block_on(scan_sandbox().ecr("us-east-1"));
    let digests: Vec<String> = rt
        .block_on(support::all_images(&client, "data/dbt"))
        .iter()
        .take(2)
        .map(|i| i.image_digest().unwrap().to_string())
        .collect();
    let backend: Arc<dyn ScanBackend> = Arc::new(registry(&rt));
    let state = tempfile::tempdir().unwrap();
    let gate = berth::safety::Mutator::new(
        Arc::new(registry(&rt)),
        berth::safety::JournalContext::new(
            &CredentialSource::Environment,
            "123456789012",
            "us-east-1",
        ),
        berth::journal::Journal::at(state.path().join("audit.jsonl")),
        false,
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    rt.block_on(berth::runtime::findings::run_with(
        FindingsEffect::StartScans {
            registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
            repository: "data/dbt".into(),
            digests: digests.clone(),
        },
        backend,
        Some(gate),
        Arc::new(berth::retry::CallLimits::new(1, 1)),
        move |event| sink.lock().unwrap().push(event),
        FAST,
    ));
    let events = events.lock().unwrap();
    for digest in &digests {
        let statuses: Vec<(String, bool)> = events
            .iter()
            .filter_map(|e| match e {
                FindingsEvent::ScanStatus {
                    digest: d, result, ..
                } if d == digest => {
                    let s = result.as_ref().unwrap();
                    Some((s.status.clone(), s.counts.is_some()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses,
            [
                ("IN_PROGRESS".to_string(), false),
                ("IN_PROGRESS".to_string(), false),
                ("IN_PROGRESS".to_string(), false),
                ("COMPLETE".to_string(), true)
            ],
            "StartImageScan's answer, two polls in progress, then done with counts"
        );
    }
}

#[test]
fn unscannable_images_get_ecrs_refusal_and_the_configuration_reads() {
    let rt = runtime();
    let ecr = registry(&rt);
    let client = rt.block_on(scan_sandbox().ecr("us-east-1"));
    let index = rt
        .block_on(support::all_images(&client, "base/node"))
        .into_iter()
        .find(|i| {
            i.image_manifest_media_type()
                .is_some_and(|m| m.contains("list"))
        })
        .unwrap();
    let digest = index.image_digest().unwrap().to_string();
    match rt.block_on(ecr.start_scan("base/node", &digest)) {
        Err(EcrError::Service { code, message, .. }) => {
            assert_eq!(code, "UnsupportedImageTypeException");
            assert!(message.contains("cannot be scanned"));
        }
        other => panic!("expected ECR's refusal, got {other:?}"),
    }
    let config = rt.block_on(ecr.scanning_configuration()).unwrap();
    assert_eq!(config.scan_type, "BASIC");
}
