//! Registry text is untrusted: every pane, view and dialog is drawn with arbitrary Unicode
//! (wide characters, combining marks, control characters, escape sequences, empty strings)
//! in every field a registry provides, at several sizes, and must never panic.

use super::snapshot_tests::render;
use crate::app::action::{Action, Effect, RepoStats};
use crate::app::findings::{FindingsEvent, FindingsTarget};
use crate::app::fixtures::{now, open_with_images, with_repositories};
use crate::app::info::InfoPart;
use crate::app::lifecycle::{LifecycleEvent, LifecycleView, LoadedRepository};
use crate::app::operate::DeleteLine;
use crate::app::{Pane, State, update};
use crate::ecr::EcrError;
use crate::ecr::findings::sweep::ImageFindings;
use crate::ecr::findings::{
    Finding, FindingsPage, FindingsShape, FixAvailable, ImageScan, ScanningConfiguration,
    ScanningRule,
};
use crate::ecr::model::{Image, ManifestKind, ScanSummary, Severity, SeverityCounts};
use crate::ecr::mutate::ImageRef;
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewImage, PreviewStatus};
use crate::ecr::settings::{
    PullThroughRule, ReplicationDestination, ReplicationRule, RepositoryFilter,
};
use crate::lifecycle::ImageRecord;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;

/// Sizes from cramped to wide.
const SIZES: [(u16, u16); 4] = [(24, 6), (60, 15), (80, 24), (200, 50)];

/// Text a hostile or broken registry could send.
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("界"),
        Just("e\u{301}"),
        Just("\u{301}"),
        Just("👨\u{200d}👩\u{200d}👧"),
        Just("\u{1b}[2J"),
        Just("\u{1b}]52;c;SGVsbG8=\u{7}"),
        Just("\u{9b}31m"),
        Just("\u{7}"),
        Just("\u{0}"),
        Just("\t"),
        Just("\n"),
        Just("\r"),
        Just("\u{202e}"),
        Just("\u{200b}"),
        Just("\u{fe0f}"),
        Just("sha256:"),
        Just(":"),
        Just("/"),
        Just("a"),
        Just("0123456789abcdef"),
        Just(""),
    ];
    prop_oneof![
        prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat()),
        any::<String>(),
        ".{0,300}",
    ]
}

/// Every registry-provided field the screens show.
#[derive(Clone, Debug)]
struct Registry {
    repositories: Vec<String>,
    account: String,
    error: String,
    digests: Vec<String>,
    tags: Vec<Vec<String>>,
    words: Vec<String>,
}

impl Registry {
    /// The `n`th free-form word (scan statuses, finding fields, policy text, …).
    fn word(&self, n: usize) -> String {
        self.words[n % self.words.len()].clone()
    }
}

fn registry() -> impl Strategy<Value = Registry> {
    (
        prop::collection::vec(hostile(), 1..4),
        hostile(),
        hostile(),
        prop::collection::vec(hostile(), 1..5),
        prop::collection::vec(prop::collection::vec(hostile(), 0..4), 1..5),
        prop::collection::vec(hostile(), 1..8),
    )
        .prop_map(
            |(repositories, account, error, digests, tags, words)| Registry {
                repositories,
                account,
                error,
                digests,
                tags,
                words,
            },
        )
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn draw_all_sizes(state: &mut State) {
    for (width, height) in SIZES {
        update(state, Action::Resize { width, height });
        render(state, width, height);
    }
}

/// The repositories pane of `r`'s repositories, with stats, an account and an error.
fn repositories(r: &Registry) -> State {
    let names: Vec<&str> = r.repositories.iter().map(String::as_str).collect();
    let mut state = with_repositories(&names);
    state.registries.rows[0].account = Some(r.account.clone());
    state.registries.rows[1].error = Some(r.error.clone());
    state
        .status
        .error(crate::app::status::Topic::Listing, r.error.clone());
    state
        .status
        .info(crate::app::status::Topic::Command, r.word(0));
    let generation = state.repositories.generation;
    let name = r.repositories[0].clone();
    let registry = state.registries.rows[0].target.clone();
    update(
        &mut state,
        Action::RepositoryStatsLoaded {
            registry,
            generation,
            repository: name,
            result: Ok(RepoStats {
                images: 3,
                bytes: 1 << 40,
            }),
        },
    );
    state
}

fn images(r: &Registry) -> Vec<Image> {
    r.digests
        .iter()
        .enumerate()
        .map(|(n, digest)| Image {
            digest: digest.clone(),
            tags: r.tags[n % r.tags.len()].clone(),
            pushed_at: Some(now()),
            last_pulled_at: (n % 2 == 0).then(now),
            size_bytes: (n as u64) << 30,
            manifest_media_type: Some(r.word(n)),
            kind: if n == 0 {
                ManifestKind::ManifestList
            } else {
                ManifestKind::Image
            },
            scan: Some(ScanSummary {
                status: r.word(n + 1),
                counts: (n % 2 == 1).then(|| SeverityCounts(vec![(Severity::Critical, 1)])),
            }),
            // As the registry's answer becomes one: through the parser that sanitises.
            status: crate::ecr::model::ImageStatus::parse(&r.word(n + 2)),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            artifact_type: None,
        })
        .collect()
}

/// The images pane of `r`'s first repository, every image a platform of the first.
fn images_state(r: &Registry) -> State {
    let mut state = repositories(r);
    open_with_images(&mut state, images(r));
    let generation = state.images.generation;
    let parents = r
        .digests
        .iter()
        .skip(1)
        .map(|d| (d.clone(), r.digests[0].clone()))
        .collect();
    update(
        &mut state,
        Action::IndexChildren {
            generation,
            parents,
        },
    );
    state
}

fn finding(r: &Registry, n: usize) -> Finding {
    Finding {
        name: r.word(n),
        severity: [Severity::Critical, Severity::High, Severity::Low][n % 3],
        description: r.word(n + 1),
        uri: Some(r.word(n + 2)),
        package_name: Some(r.word(n + 3)),
        package_version: Some(r.word(n + 4)),
        fixed_in_version: Some(r.word(n + 5)),
        score: Some(9.8),
        fix_available: Some(FixAvailable::Partial),
        exploit_available: Some(true),
        remediation: Some(r.word(n + 6)),
        attributes: vec![(r.word(n + 7), r.word(n))],
        status: Some(r.word(n + 1)),
    }
}

fn findings(r: &Registry) -> Vec<Finding> {
    (0..3).map(|n| finding(r, n)).collect()
}

fn findings_state(r: &Registry) -> State {
    let mut state = images_state(r);
    let registry = state.registries.rows[0].target.clone();
    state.findings.open(FindingsTarget {
        registry,
        repository: r.repositories[0].clone(),
        digest: r.digests[0].clone(),
        tags: r.tags[0].clone(),
    });
    let generation = state.findings.generation;
    state.findings.on_page(
        generation,
        Ok(FindingsPage {
            status: r.word(0),
            status_description: Some(r.word(1)),
            completed_at: Some(now()),
            source_updated_at: None,
            counts: None,
            shape: Some(FindingsShape::Basic),
            findings: findings(r),
            next_token: None,
        }),
    );
    state.pane = Pane::Findings;
    state
}

fn triage_state(r: &Registry) -> State {
    let mut state = repositories(r);
    let mut registry = state.registries.rows[0].target.clone();
    registry.region = r.word(2);
    let target = crate::app::findings::TriageTarget {
        registry,
        origin: None,
    };
    state.triage.open(vec![target], Severity::Low);
    let generation = state.triage.generation;
    let mut events = vec![FindingsEvent::TriageRepositories {
        generation,
        count: r.repositories.len(),
    }];
    for (n, digest) in r.digests.iter().enumerate() {
        let found = findings(r);
        events.push(FindingsEvent::TriageImage {
            generation,
            image: ImageFindings {
                repository: r.repositories[n % r.repositories.len()].clone(),
                digest: digest.clone(),
                tags: r.tags[n % r.tags.len()].clone(),
                pushed_at: Some(now()),
                last_pulled_at: None,
                origin: None,
                scan: ImageScan {
                    status: r.word(n),
                    counts: crate::ecr::findings::count_severities(&found),
                    findings: found,
                    ..ImageScan::default()
                },
            },
        });
    }
    events.push(FindingsEvent::TriageError {
        generation,
        message: r.error.clone(),
    });
    for event in events {
        state.triage.on_event(event);
    }
    state.pane = Pane::Triage;
    state
}

fn lifecycle_state(r: &Registry) -> State {
    let mut state = images_state(r);
    let mut view = LifecycleView::default();
    view.open(
        state.registries.rows[0].target.clone(),
        &r.repositories[0],
        7,
    );
    let records = r
        .digests
        .iter()
        .enumerate()
        .map(|(n, digest)| ImageRecord {
            digest: digest.clone(),
            tags: r.tags[n % r.tags.len()].clone(),
            pushed_at: now(),
            size_bytes: 1 << 20,
            last_pulled_at: None,
            media_type: Some(r.word(n)),
            referenced_by_manifest_list: n == 1,
            layers: None,
            unique_bytes: None,
            ..ImageRecord::default()
        })
        .collect();
    let policy = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#;
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 7,
            result: Ok(LoadedRepository {
                policy: Some(policy.into()),
                images: records,
            }),
        },
        now(),
    );
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: policy.into(),
            result: Ok(EcrPreview {
                status: PreviewStatus::Complete,
                images: r
                    .digests
                    .iter()
                    .enumerate()
                    .map(|(n, digest)| PreviewImage {
                        digest: digest.clone(),
                        tags: r.tags[n % r.tags.len()].clone(),
                        pushed_at: Some(now()),
                        rule_priority: Some(1),
                        action: PreviewAction::Other(r.word(n)),
                    })
                    .collect(),
                expiring_total: Some(3),
                policy_text: Some(r.word(3)),
                started: true,
            }),
        },
        now(),
    );
    state.lifecycle = view;
    state
}

fn info_state(r: &Registry) -> State {
    let mut state = repositories(r);
    let effects = press(&mut state, KeyCode::Char('i'));
    let Some(Effect::FetchRepositoryInfo { generation, .. }) = effects.first() else {
        panic!("i fetches the info view, got {effects:?}");
    };
    let generation = *generation;
    let service = EcrError::Service {
        action: "ecr:GetLifecyclePolicy".into(),
        subject: r.repositories[0].clone(),
        code: r.word(1),
        message: r.error.clone(),
    };
    for part in [
        InfoPart::RepositoryPolicy(Ok(Some(r.word(0)))),
        InfoPart::LifecyclePolicy(Err(service)),
        InfoPart::Tags(Ok(vec![(r.word(1), r.word(2)), (r.word(3), r.word(4))])),
        InfoPart::Scanning(Ok(ScanningConfiguration {
            scan_type: r.word(5),
            rules: vec![ScanningRule {
                frequency: r.word(6),
                filters: vec![r.word(7)],
            }],
        })),
        InfoPart::Replication(Ok(vec![ReplicationRule {
            destinations: vec![ReplicationDestination {
                region: r.word(0),
                registry_id: r.account.clone(),
            }],
            filters: vec![RepositoryFilter {
                filter: r.word(1),
                kind: r.word(2),
            }],
        }])),
        InfoPart::PullThrough(Ok(vec![PullThroughRule {
            prefix: r.word(3),
            upstream_url: r.word(4),
            upstream_registry: Some(r.word(5)),
            upstream_prefix: Some(r.word(6)),
            credential_arn: Some(r.word(7)),
            created_at: Some(now()),
        }])),
    ] {
        update(&mut state, Action::RepositoryInfo { generation, part });
    }
    state
}

/// The image detail view over the images pane, the image, its referrers and every
/// status made of registry text, one section failing with it.
fn image_detail_state(r: &Registry) -> State {
    use crate::app::image_detail::{ImageDetail, PlatformEntry};
    use crate::app::info::Fetch;
    use crate::ecr::artifacts::{Referrer, ReplicationStatus, SigningStatus};
    let mut state = images_state(r);
    let mut image = images(r).remove(0);
    image.subject_digest = Some(r.word(0));
    image.artifact_type = Some(r.word(1));
    state.image_detail = ImageDetail {
        visible: true,
        repository: r.repositories[0].clone(),
        repository_uri: r.word(2),
        image: Some(image),
        subject: Some(r.word(3)),
        referrers: Fetch::Ready(
            r.digests
                .iter()
                .enumerate()
                .map(|(n, digest)| Referrer {
                    digest: digest.clone(),
                    media_type: r.word(n),
                    artifact_type: (n % 2 == 0).then(|| r.word(n + 1)),
                    size: (n as u64) << 40,
                    annotations: vec![
                        ("org.opencontainers.image.created".into(), r.word(n + 2)),
                        (format!("io.cncf.notary.{}", r.word(n + 3)), r.word(n + 4)),
                        (r.word(n + 5), r.word(n + 6)),
                    ],
                    status: Some(r.word(n + 7)),
                })
                .collect(),
        ),
        platforms: Fetch::Ready(
            r.digests
                .iter()
                .enumerate()
                .map(|(n, digest)| PlatformEntry {
                    digest: digest.clone(),
                    platform: (n % 2 == 0).then(|| r.word(n)),
                    attestation: n == 1,
                })
                .collect(),
        ),
        replication: Fetch::Ready(vec![ReplicationStatus {
            region: r.word(4),
            registry_id: r.account.clone(),
            status: r.word(5),
            failure_code: Some(r.word(6)),
        }]),
        signing: Fetch::Ready(vec![SigningStatus {
            profile_arn: r.word(7),
            status: r.word(0),
            failure_code: Some(r.word(1)),
            failure_reason: Some(r.error.clone()),
        }]),
        ..ImageDetail::default()
    };
    state
}

/// Every dialog of the images pane, drawn in turn.
fn draw_dialogs(r: &Registry) {
    let mut state = images_state(r);
    // Mark everything: a bulk delete plan (with whatever it skips) and its report.
    press(&mut state, KeyCode::Char('V'));
    press(&mut state, KeyCode::Char('d'));
    draw_all_sizes(&mut state);
    let effects = press(&mut state, KeyCode::Char('y'));
    if let Some(Effect::DeleteImages { delete }) = effects
        .iter()
        .find(|e| matches!(e, Effect::DeleteImages { .. }))
    {
        let lines = delete
            .ids()
            .into_iter()
            .map(|id| DeleteLine {
                id,
                failure: Some((r.word(2), r.error.clone())),
            })
            .chain([DeleteLine {
                id: ImageRef::Tag(r.word(3)),
                failure: None,
            }])
            .collect();
        update(
            &mut state,
            Action::DeleteFinished {
                delete: delete.clone(),
                result: Ok(lines),
            },
        );
        draw_all_sizes(&mut state);
    }
    state.dialog = None;
    press(&mut state, KeyCode::Char('V'));
    for key in ['t', 'T', 'd'] {
        press(&mut state, KeyCode::Char(key));
        for c in r.word(4).chars().take(20) {
            press(&mut state, KeyCode::Char(c));
        }
        draw_all_sizes(&mut state);
        state.dialog = None;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_pane_view_or_dialog_panics_on_hostile_registry_text(r in registry()) {
        let mut state = repositories(&r);
        press(&mut state, KeyCode::Esc);
        draw_all_sizes(&mut state); // registries
        draw_all_sizes(&mut repositories(&r));
        let mut state = images_state(&r);
        draw_all_sizes(&mut state);
        for _ in 0..r.digests.len() {
            // Each row selected once: the side panel and the footer follow it.
            press(&mut state, KeyCode::Char('j'));
            render(&state, 200, 50);
        }
        let mut state = findings_state(&r);
        draw_all_sizes(&mut state);
        press(&mut state, KeyCode::Enter);
        draw_all_sizes(&mut state);
        draw_all_sizes(&mut triage_state(&r));
        draw_all_sizes(&mut lifecycle_state(&r));
        draw_all_sizes(&mut info_state(&r));
        let mut state = image_detail_state(&r);
        draw_all_sizes(&mut state);
        press(&mut state, KeyCode::Char('G'));
        draw_all_sizes(&mut state);
        draw_dialogs(&r);
    }
}
