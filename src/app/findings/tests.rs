use super::*;
use crate::ecr::findings::{FindingsShape, FixAvailable, NOT_SCANNED, count_severities};
use crate::ecr::model::{ManifestKind, SeverityCounts};

pub(crate) fn finding(
    name: &str,
    severity: Severity,
    score: Option<f64>,
    package: &str,
) -> Finding {
    Finding {
        name: name.into(),
        severity,
        description: format!("{package}: a problem described at some length for wrapping."),
        uri: Some(format!("https://nvd.nist.gov/vuln/detail/{name}")),
        package_name: Some(package.into()),
        package_version: Some("1.2.3".into()),
        fixed_in_version: None,
        score,
        fix_available: None,
        exploit_available: None,
        remediation: None,
        attributes: vec![("package_name".into(), package.into())],
        status: None,
    }
}

pub(crate) fn sample_findings() -> Vec<Finding> {
    let mut fixed = finding("CVE-2023-44487", Severity::High, Some(7.5), "libnghttp2-14");
    fixed.fixed_in_version = Some("1.52.0-1+deb12u1".into());
    fixed.fix_available = Some(FixAvailable::Yes);
    fixed.exploit_available = Some(true);
    vec![
        finding("CVE-2024-0001", Severity::Low, Some(3.3), "tar"),
        finding("CVE-2024-0002", Severity::High, Some(8.8), "libxml2"),
        finding("CVE-2023-45853", Severity::Critical, Some(9.8), "zlib1g"),
        fixed,
        finding(
            "CVE-2024-0003",
            Severity::Informational,
            None,
            "ncurses-base",
        ),
        finding("CVE-2024-0004", Severity::Medium, Some(5.3), "openssl"),
    ]
}

pub(crate) fn page(findings: Vec<Finding>, next: Option<&str>, reported: bool) -> FindingsPage {
    FindingsPage {
        status: "COMPLETE".into(),
        status_description: None,
        completed_at: None,
        source_updated_at: None,
        counts: reported.then(|| count_severities(&findings)),
        shape: Some(FindingsShape::Basic),
        findings,
        next_token: next.map(str::to_string),
    }
}

pub(crate) fn target() -> FindingsTarget {
    FindingsTarget {
        registry: crate::app::fixtures::reg(0),
        repository: "web/frontend".into(),
        digest: format!("sha256:{}", "ab".repeat(32)),
        tags: vec!["latest".into()],
    }
}

/// A pane showing `sample_findings()`, delivered in two pages.
pub(crate) fn loaded() -> FindingsPane {
    let mut pane = FindingsPane::default();
    pane.open(target());
    let mut findings = sample_findings();
    let rest = findings.split_off(3);
    let generation = pane.generation;
    assert!(pane.on_page(generation, Ok(page(findings, Some("t"), false))));
    assert!(pane.is_loading());
    assert!(pane.on_page(generation, Ok(page(rest, None, false))));
    pane
}

fn names(pane: &FindingsPane) -> Vec<&str> {
    pane.list
        .rows
        .iter()
        .map(|&i| pane.scan.findings[i].name.as_str())
        .collect()
}

#[test]
fn opening_asks_for_the_images_findings() {
    let mut pane = FindingsPane::default();
    let effects = pane.open(target());
    assert_eq!(
        effects,
        [FindingsEffect::FetchFindings {
            registry: crate::app::fixtures::reg(0),
            repository: "web/frontend".into(),
            digest: target().digest,
            generation: 1,
        }]
    );
    assert!(pane.is_loading());
}

#[test]
fn rows_sort_by_severity_then_score_and_counts_are_made_when_absent() {
    let pane = loaded();
    assert!(!pane.is_loading());
    assert_eq!(
        names(&pane),
        [
            "CVE-2023-45853",
            "CVE-2024-0002",
            "CVE-2023-44487",
            "CVE-2024-0004",
            "CVE-2024-0001",
            "CVE-2024-0003"
        ]
    );
    assert!(!pane.scan.counts_reported);
    assert_eq!(pane.scan.counts.compact(), "C1 H2 M1 L1 I1");
}

#[test]
fn a_cursor_on_the_first_row_stays_there_as_pages_arrive() {
    let pane = loaded();
    // The second page brought a more severe finding than the first page's best.
    assert_eq!(pane.selected().unwrap().name, "CVE-2023-45853");
    assert_eq!((pane.list.selected, pane.list.offset), (0, 0));

    let mut moved = FindingsPane::default();
    moved.open(target());
    let mut findings = sample_findings();
    let rest = findings.split_off(3);
    moved.on_page(moved.generation, Ok(page(findings, Some("t"), false)));
    moved.on_command(Command::MoveDown, 80, 20);
    let chosen = moved.selected().unwrap().name.clone();
    moved.on_page(moved.generation, Ok(page(rest, None, false)));
    assert_eq!(
        moved.selected().unwrap().name,
        chosen,
        "a moved cursor follows its finding"
    );
}

#[test]
fn stale_pages_are_dropped() {
    let mut pane = loaded();
    let old = pane.generation;
    pane.refresh();
    assert!(!pane.on_page(old, Ok(page(sample_findings(), None, true))));
    assert!(pane.scan.findings.is_empty());
    let error = EcrError::AccessDenied {
        action: "ecr:DescribeImageScanFindings".into(),
        subject: "web/frontend".into(),
        message: String::new(),
    };
    assert!(pane.on_page(pane.generation, Err(error)));
    assert!(pane.error.as_deref().unwrap().starts_with("AccessDenied"));
    assert!(!pane.is_loading());
}

#[test]
fn number_keys_toggle_severities_and_keep_the_cursor() {
    let mut pane = loaded();
    pane.on_command(Command::MoveDown, 80, 20); // CVE-2024-0002 (high)
    pane.toggle_severity(0);
    assert_eq!(names(&pane)[0], "CVE-2024-0002");
    assert_eq!(pane.selected().unwrap().name, "CVE-2024-0002");
    pane.toggle_severity(4);
    pane.toggle_severity(3);
    assert_eq!(
        names(&pane),
        ["CVE-2024-0002", "CVE-2023-44487", "CVE-2024-0004"]
    );
    pane.toggle_severity(0);
    assert_eq!(names(&pane).len(), 4);
    pane.toggle_severity(9); // no such slot: nothing happens
    assert_eq!(names(&pane).len(), 4);
}

#[test]
fn filter_matches_names_and_packages() {
    let mut pane = loaded();
    pane.list.filter.set("zlib");
    pane.rebuild();
    assert_eq!(names(&pane), ["CVE-2023-45853"]);
    pane.list.filter.set("44487");
    pane.rebuild();
    assert_eq!(names(&pane), ["CVE-2023-44487"]);
}

#[test]
fn sorting_cycles_columns_and_reverses() {
    let mut pane = loaded();
    pane.on_command(Command::SortNext, 80, 20);
    assert_eq!(FINDING_SORTS[pane.list.sort_column], "score");
    assert_eq!(names(&pane)[..2], ["CVE-2023-45853", "CVE-2024-0002"]);
    assert_eq!(
        names(&pane).last(),
        Some(&"CVE-2024-0003"),
        "no score sorts last"
    );
    pane.on_command(Command::SortNext, 80, 20);
    assert_eq!(
        names(&pane)[0],
        "CVE-2023-44487",
        "libnghttp2-14 first by package"
    );
    pane.on_command(Command::SortReverse, 80, 20);
    assert_eq!(names(&pane)[0], "CVE-2023-45853", "zlib1g first reversed");
}

#[test]
fn enter_opens_the_card_which_scrolls_and_esc_closes() {
    let mut pane = loaded();
    pane.scan.findings[2].description = "word ".repeat(400);
    pane.on_command(Command::Open, 40, 10);
    let card = pane.card.unwrap();
    assert_eq!(pane.card_finding().unwrap().name, "CVE-2023-45853");
    assert_eq!(card.scroll, 0);
    pane.on_command(Command::MoveDown, 40, 10);
    pane.on_command(Command::PageDown, 40, 10);
    assert_eq!(pane.card.unwrap().scroll, 11);
    pane.on_command(Command::Last, 40, 10);
    let lines = card_lines(pane.card_finding().unwrap(), 40).len();
    assert_eq!(pane.card.unwrap().scroll, lines - 10);
    pane.on_command(Command::PageDown, 40, 10);
    assert_eq!(pane.card.unwrap().scroll, lines - 10, "never past the end");
    pane.on_command(Command::First, 40, 10);
    assert_eq!(pane.card.unwrap().scroll, 0);
    assert!(pane.on_back());
    assert!(pane.card.is_none());
    assert!(
        !pane.on_back(),
        "nothing left to close: the caller goes back"
    );
}

#[test]
fn card_shows_every_field_wrapped() {
    let mut item = sample_findings().remove(3);
    item.remediation = Some("Upgrade libnghttp2-14 to 1.52.0-1+deb12u1 or later.".into());
    item.description = format!("short words then {}", "x".repeat(95));
    let lines = card_lines(&item, 40);
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(text[0], "CVE-2023-44487 · HIGH · score 7.5");
    assert!(text.contains(&"fix available: yes"));
    assert!(text.contains(&"exploit available: yes"));
    assert!(text.contains(&"fixed in: 1.52.0-1+deb12u1"));
    assert!(text.contains(&"Description"));
    assert!(text.contains(&"Attributes"));
    for line in &lines {
        assert!(crate::format::width(&line.text) <= 40, "{line:?}");
    }
    assert!(text.contains(&"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
}

#[test]
fn wrapping_breaks_words_and_long_tokens() {
    assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert_eq!(wrap("", 10), [""]);
    assert_eq!(wrap("x 漢字漢字", 4), ["x", "漢字", "漢字"]);
}

#[test]
fn a_finished_scan_of_the_open_image_refetches_it_and_updates_the_row() {
    let mut findings = loaded();
    let mut triage = TriagePane::default();
    let before = findings.generation;
    let routed = route(
        FindingsEvent::ScanStatus {
            registry: crate::app::fixtures::reg(0),
            repository: "web/frontend".into(),
            digest: target().digest,
            result: Ok(ScanSummary {
                status: "COMPLETE".into(),
                counts: Some(SeverityCounts(vec![(Severity::High, 1)])),
            }),
        },
        &mut findings,
        &mut triage,
    );
    assert_eq!(findings.generation, before + 1);
    assert!(matches!(
        routed.effects[..],
        [FindingsEffect::FetchFindings { .. }]
    ));
    let update = routed.scan.unwrap();
    let mut images = vec![Image {
        digest: target().digest,
        tags: vec![],
        pushed_at: None,
        last_pulled_at: None,
        size_bytes: 0,
        manifest_media_type: None,
        kind: ManifestKind::Image,
        scan: None,
        status: Default::default(),
        last_archived_at: None,
        last_activated_at: None,
        subject_digest: None,
        artifact_type: None,
    }];
    assert!(update.apply(&mut images));
    assert_eq!(images[0].scan.as_ref().unwrap().status, "COMPLETE");

    let limited = route(
        FindingsEvent::ScanStatus {
            registry: crate::app::fixtures::reg(0),
            repository: "web/frontend".into(),
            digest: target().digest,
            result: Err(EcrError::Service {
                action: "ecr:StartImageScan".into(),
                subject: "web/frontend".into(),
                code: "LimitExceededException".into(),
                message: "The scan quota per image has been exceeded. Wait and try again.".into(),
            }),
        },
        &mut findings,
        &mut triage,
    );
    assert!(limited.effects.is_empty());
    let update = limited.scan.unwrap();
    assert!(update.result.as_ref().unwrap_err().contains("scan quota"));
    assert!(!update.apply(&mut images), "an error leaves the row alone");
}

#[test]
fn never_scanned_images_say_so() {
    let mut pane = FindingsPane::default();
    pane.open(target());
    let mut answer = page(Vec::new(), None, false);
    answer.status = NOT_SCANNED.into();
    answer.shape = None;
    pane.on_page(pane.generation, Ok(answer));
    assert!(!pane.has_results());
    assert!(pane.list.rows.is_empty());
}

pub(crate) mod triage_view {
    use super::*;
    use crate::ecr::findings::ImageScan;

    pub(crate) fn image(
        repository: &str,
        n: u8,
        tags: &[&str],
        findings: Vec<Finding>,
    ) -> ImageFindings {
        ImageFindings {
            repository: repository.into(),
            digest: format!("sha256:{}", format!("{n:02x}").repeat(32)),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at: None,
            last_pulled_at: None,
            origin: None,
            scan: ImageScan {
                status: "COMPLETE".into(),
                counts: count_severities(&findings),
                findings,
                ..ImageScan::default()
            },
        }
    }

    pub(crate) fn opened() -> TriagePane {
        let mut pane = TriagePane::default();
        let target = TriageTarget {
            registry: crate::app::fixtures::reg(0),
            origin: None,
        };
        let effects = pane.open(vec![target], Severity::High);
        assert_eq!(
            effects,
            [FindingsEffect::Triage {
                registry: crate::app::fixtures::reg(0),
                origin: None,
                min_severity: Severity::High,
                generation: 1
            }]
        );
        pane
    }

    pub(crate) fn fed(pane: &mut TriagePane) {
        let generation = pane.generation;
        let all = sample_findings();
        let events = [
            FindingsEvent::TriageRepositories {
                generation,
                count: 3,
            },
            FindingsEvent::TriageImage {
                generation,
                image: image("web/frontend", 1, &["latest"], all.clone()),
            },
            FindingsEvent::TriageImage {
                generation,
                image: image(
                    "payments/api",
                    2,
                    &["v1.4.2", "production"],
                    all[3..4].to_vec(),
                ),
            },
            FindingsEvent::TriageImage {
                generation,
                image: image("base/python", 3, &[], all[..1].to_vec()),
            },
            FindingsEvent::TriageError {
                generation,
                message: "AccessDenied on ecr:DescribeImages for secret/repo".into(),
            },
        ];
        for event in events {
            assert!(pane.on_event(event));
        }
    }

    #[test]
    fn groups_arrive_while_sweeping_and_only_affected_images_are_kept() {
        let mut pane = opened();
        fed(&mut pane);
        assert!(pane.is_loading());
        assert_eq!(pane.images_seen, 3);
        assert_eq!(pane.images.len(), 2, "base/python has only a LOW finding");
        assert_eq!(pane.errors.len(), 1);
        let names: Vec<&str> = pane
            .list
            .rows
            .iter()
            .map(|&i| pane.triage.groups[i].name.as_str())
            .collect();
        assert_eq!(names, ["CVE-2023-45853", "CVE-2023-44487", "CVE-2024-0002"]);
        pane.on_command(Command::MoveDown, 20);
        let group = pane.selected().unwrap();
        assert_eq!(group.name, "CVE-2023-44487");
        assert_eq!(group.repositories, ["payments/api", "web/frontend"]);
        assert!(!pane.on_event(FindingsEvent::TriageDone { generation: 99 }));
        assert!(pane.on_event(FindingsEvent::TriageDone {
            generation: pane.generation
        }));
        assert!(!pane.is_loading());
    }

    #[test]
    fn the_worst_cve_stays_on_top_while_the_sweep_runs() {
        let mut pane = opened();
        let generation = pane.generation;
        let all = sample_findings();
        for (n, findings) in [(1, all[1..2].to_vec()), (2, all.clone())] {
            pane.on_event(FindingsEvent::TriageImage {
                generation,
                image: image("web/frontend", n, &[], findings),
            });
        }
        assert_eq!(pane.selected().unwrap().name, "CVE-2023-45853");
        assert_eq!(pane.list.offset, 0);
    }

    #[test]
    fn y_copies_the_pinned_uris_of_the_selected_cves_images() {
        let mut pane = opened();
        fed(&mut pane);
        pane.on_command(Command::MoveDown, 20);
        let [FindingsEffect::CopyToClipboard(text)] = &pane.copy(Some("123456789012"))[..] else {
            panic!("expected one copy effect");
        };
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                format!(
                    "123456789012.dkr.ecr.us-east-1.amazonaws.com/web/frontend:latest@sha256:{}",
                    "01".repeat(32)
                ),
                format!(
                    "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api@sha256:{}",
                    "02".repeat(32)
                ),
            ]
        );
        assert!(
            pane.copy(None).is_empty(),
            "no account yet, nothing to copy"
        );
    }

    #[test]
    fn a_new_sweep_drops_the_old_ones_results() {
        let mut pane = opened();
        fed(&mut pane);
        let old = pane.generation;
        pane.refresh();
        assert!(pane.images.is_empty() && pane.list.rows.is_empty());
        assert!(!pane.on_event(FindingsEvent::TriageImage {
            generation: old,
            image: image("web/frontend", 1, &[], sample_findings()),
        }));
    }

    #[test]
    fn the_filter_matches_cves_packages_and_repositories() {
        let mut pane = opened();
        fed(&mut pane);
        pane.list.filter.set("payments");
        pane.rebuild();
        assert_eq!(pane.list.rows.len(), 1);
        pane.list.filter.set("libxml");
        pane.rebuild();
        assert_eq!(pane.selected().unwrap().name, "CVE-2024-0002");
    }
}

mod triage_across_registries {
    use super::triage_view::image;
    use super::*;
    use crate::ecr::findings::sweep::Origin;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn origin(account: &str, name: &str, region: &str) -> Arc<Origin> {
        Arc::new(Origin {
            account: account.into(),
            account_name: Some(name.into()),
            region: region.into(),
        })
    }

    /// Three registries: payments-prod in two regions and payments-dev in one.
    fn targets() -> Vec<TriageTarget> {
        [
            ("271828182845", "payments-prod", "us-east-1"),
            ("271828182845", "payments-prod", "eu-west-1"),
            ("161803398874", "payments-dev", "us-east-1"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (account, name, region))| {
            let mut registry = crate::app::fixtures::reg(0);
            registry.region = region.to_string();
            if i == 2 {
                registry.source = crate::ecr::model::CredentialSource::Profile("dev".into());
            }
            TriageTarget {
                registry,
                origin: Some(origin(account, name, region)),
            }
        })
        .collect()
    }

    fn placed(n: u8, target: &TriageTarget, findings: Vec<Finding>) -> ImageFindings {
        ImageFindings {
            origin: target.origin.clone(),
            ..image("payments/api", n, &["v1"], findings)
        }
    }

    #[test]
    fn one_sweep_per_registry_and_done_when_every_one_is() {
        let mut pane = TriagePane::default();
        let targets = targets();
        let effects = pane.open(targets.clone(), Severity::High);
        assert_eq!(effects.len(), 3);
        for (effect, target) in effects.iter().zip(&targets) {
            let FindingsEffect::Triage {
                registry,
                origin,
                generation,
                ..
            } = effect
            else {
                panic!("{effect:?}");
            };
            assert_eq!((registry, origin), (&target.registry, &target.origin));
            assert_eq!(*generation, pane.generation);
        }
        let generation = pane.generation;
        for count in [2, 3] {
            pane.on_event(FindingsEvent::TriageRepositories { generation, count });
        }
        assert_eq!(pane.repositories, Some(5), "summed over the registries");
        for left in [2, 1] {
            pane.on_event(FindingsEvent::TriageDone { generation });
            assert!(pane.is_loading(), "{left} sweeps still run");
        }
        pane.on_event(FindingsEvent::TriageDone { generation });
        assert!(!pane.is_loading());
    }

    #[test]
    fn the_same_repository_in_two_accounts_is_two_images_each_copied_from_its_own_registry() {
        let mut pane = TriagePane::default();
        let targets = targets();
        pane.open(targets.clone(), Severity::High);
        let generation = pane.generation;
        let all = sample_findings();
        for (n, target) in [(1, &targets[0]), (2, &targets[2])] {
            pane.on_event(FindingsEvent::TriageImage {
                generation,
                image: placed(n, target, all.clone()),
            });
        }
        let group = pane.selected().unwrap();
        assert_eq!(group.affected.len(), 2);
        assert_eq!(group.accounts, ["161803398874", "271828182845"]);
        assert_eq!(group.repositories, ["payments/api"], "one name");
        assert_eq!(
            pane.repository_count(group),
            2,
            "in two accounts: two repositories"
        );
        // No registry's account is needed from the pane: each image carries its own.
        let [FindingsEffect::CopyToClipboard(text)] = &pane.copy(None)[..] else {
            panic!("expected one copy effect");
        };
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                format!(
                    "271828182845.dkr.ecr.us-east-1.amazonaws.com/payments/api:v1@sha256:{}",
                    "01".repeat(32)
                ),
                format!(
                    "161803398874.dkr.ecr.us-east-1.amazonaws.com/payments/api:v1@sha256:{}",
                    "02".repeat(32)
                ),
            ]
        );
    }

    /// An event as a random sequence draws it.
    #[derive(Clone, Debug)]
    enum Step {
        Image {
            target: usize,
            n: u8,
            severe: bool,
            stale: bool,
        },
        Repositories {
            count: usize,
            stale: bool,
        },
        Error {
            stale: bool,
        },
        Done {
            stale: bool,
        },
        Refresh,
        Reopen {
            registries: usize,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0..3usize, any::<u8>(), any::<bool>(), prop::bool::weighted(0.2))
                .prop_map(|(target, n, severe, stale)| Step::Image { target, n, severe, stale }),
            1 => (0..50usize, any::<bool>()).prop_map(|(count, stale)| Step::Repositories { count, stale }),
            1 => any::<bool>().prop_map(|stale| Step::Error { stale }),
            2 => prop::bool::weighted(0.2).prop_map(|stale| Step::Done { stale }),
            1 => Just(Step::Refresh),
            1 => (0..4usize).prop_map(|registries| Step::Reopen { registries }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever arrives in whatever order, from this sweep or an older one: loading is
        /// exactly "some sweep of this generation has not said done", no image of an older
        /// sweep is shown, every image shown has a finding at the minimum severity, and the
        /// groups point at images that exist.
        #[test]
        fn triage_invariants_hold_for_any_sequence_of_events(steps in prop::collection::vec(step(), 0..60)) {
            let targets = targets();
            let mut pane = TriagePane::default();
            pane.open(targets.clone(), Severity::High);
            let mut done_this_generation = 0usize;
            let mut shown_model = 0usize;
            let all = sample_findings();
            let lows: Vec<Finding> = all.iter().filter(|f| f.severity > Severity::High).cloned().collect();
            prop_assume!(!lows.is_empty());
            for step in steps {
                let generation = pane.generation;
                let old = generation.saturating_sub(1);
                match step {
                    Step::Image { target, n, severe, stale } => {
                        let findings = if severe { all.clone() } else { lows.clone() };
                        let target = &targets[target.min(targets.len() - 1)];
                        let live = !stale && pane.is_loading();
                        pane.on_event(FindingsEvent::TriageImage {
                            generation: if stale { old } else { generation },
                            image: placed(n, target, findings),
                        });
                        if live && severe {
                            shown_model += 1;
                        }
                    }
                    Step::Repositories { count, stale } => {
                        pane.on_event(FindingsEvent::TriageRepositories {
                            generation: if stale { old } else { generation },
                            count,
                        });
                    }
                    Step::Error { stale } => {
                        pane.on_event(FindingsEvent::TriageError {
                            generation: if stale { old } else { generation },
                            message: "AccessDenied".into(),
                        });
                    }
                    Step::Done { stale } => {
                        let live = !stale && pane.is_loading();
                        pane.on_event(FindingsEvent::TriageDone {
                            generation: if stale { old } else { generation },
                        });
                        if live {
                            done_this_generation += 1;
                        }
                    }
                    Step::Refresh => {
                        pane.refresh();
                        done_this_generation = 0;
                        shown_model = 0;
                    }
                    Step::Reopen { registries } => {
                        pane.open(targets[..registries.min(targets.len())].to_vec(), Severity::High);
                        done_this_generation = 0;
                        shown_model = 0;
                    }
                }
                let expected_pending = pane.targets.len().saturating_sub(done_this_generation);
                prop_assert_eq!(pane.pending, expected_pending);
                prop_assert_eq!(pane.is_loading(), expected_pending > 0);
                prop_assert_eq!(pane.images.len(), shown_model);
                for image in &pane.images {
                    prop_assert!(image.at_or_above(Severity::High).next().is_some());
                }
                for group in &pane.triage.groups {
                    for affected in &group.affected {
                        prop_assert!(affected.image < pane.images.len());
                    }
                }
                prop_assert_eq!(pane.list.rows.len(), pane.triage.groups.len());
            }
        }
    }
}
