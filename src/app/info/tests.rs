//! The info view through `update`: opening, results, stale results, errors, scrolling.

use super::{Fetch, InfoPart, SettingsKind};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::{image, open_with_images, with_repositories};
use crate::app::state::{Pane, State};
use crate::app::update;
use crate::ecr::EcrError;
use crate::ecr::findings::{ScanningConfiguration, ScanningRule};
use crate::ecr::model::Encryption;
use crate::ecr::settings::{ReplicationDestination, ReplicationRule, RepositoryFilter};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(crate) fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// `i` on the selected repository; the generation the fetch was asked with.
fn open(state: &mut State) -> u64 {
    let effects = press(state, KeyCode::Char('i'));
    match effects.as_slice() {
        [Effect::FetchRepositoryInfo { generation, .. }] => *generation,
        other => panic!("i should fetch the info view, got {other:?}"),
    }
}

fn deliver(state: &mut State, generation: u64, part: InfoPart) {
    update(state, Action::RepositoryInfo { generation, part });
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OrgAccountsPull","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::210987654321:root"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}"#;

fn denied(action: &str, subject: &str) -> EcrError {
    EcrError::AccessDenied {
        action: action.into(),
        subject: subject.into(),
        message: String::new(),
    }
}

/// The repositories pane with `payments/api` (KMS, immutable, scan on push) selected and
/// its info view open, every section answered: the lifecycle policy denied and the
/// pull-through cache rules unsupported, as moto answers them.
pub(crate) fn loaded_info() -> State {
    let mut state = with_repositories(&["base/python", "payments/api"]);
    let row = &mut state.repositories.rows[1].repo;
    row.encryption = Encryption::Kms {
        key: Some(
            "arn:aws:kms:us-east-1:123456789012:key/353d9de5-19c2-4872-a099-fe81d9d2ecbb".into(),
        ),
    };
    row.tag_mutability = crate::ecr::model::TagMutability::Immutable;
    row.scan_on_push = true;
    press(&mut state, KeyCode::Char('j'));
    let generation = open(&mut state);
    for part in [
        InfoPart::RepositoryPolicy(Ok(Some(POLICY.into()))),
        InfoPart::LifecyclePolicy(Err(denied("ecr:GetLifecyclePolicy", "payments/api"))),
        InfoPart::Tags(Ok(vec![
            ("team".into(), "payments".into()),
            ("managed-by".into(), "terraform".into()),
        ])),
        InfoPart::Scanning(Ok(ScanningConfiguration {
            scan_type: "BASIC".into(),
            rules: vec![ScanningRule {
                frequency: "SCAN_ON_PUSH".into(),
                filters: vec!["payments/*".into()],
            }],
        })),
        InfoPart::Replication(Ok(vec![ReplicationRule {
            destinations: vec![ReplicationDestination {
                region: "eu-west-1".into(),
                registry_id: "123456789012".into(),
            }],
            filters: vec![RepositoryFilter {
                filter: "payments/".into(),
                kind: "PREFIX_MATCH".into(),
            }],
        }])),
        InfoPart::PullThrough(Err(EcrError::Unsupported {
            action: "ecr:DescribePullThroughCacheRules".into(),
            subject: "env/us-east-1".into(),
        })),
        InfoPart::PullTimeExclusions(Ok(vec![
            "arn:aws:iam::123456789012:role/trivy-scanner".into(),
        ])),
    ] {
        deliver(&mut state, generation, part);
    }
    state
}

fn text(state: &State) -> Vec<String> {
    state
        .info
        .lines(usize::from(state.width))
        .into_iter()
        .map(|line| format!("{}{}", line.label, line.text))
        .collect()
}

#[test]
fn i_opens_the_selected_repository_with_what_describe_repositories_said() {
    let mut state = with_repositories(&["base/python", "payments/api"]);
    press(&mut state, KeyCode::Char('j'));
    let effects = press(&mut state, KeyCode::Char('i'));
    assert_eq!(
        effects,
        [Effect::FetchRepositoryInfo {
            registry: crate::app::fixtures::reg(0),
            repository: "payments/api".into(),
            arn: "arn:aws:ecr:us-east-1:123456789012:repository/payments/api".into(),
            generation: state.info.generation,
        }]
    );
    assert!(state.info.visible);
    assert!(state.is_loading(), "the spinner runs while sections load");
    let lines = text(&state);
    assert!(
        lines.contains(&"URI123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api".to_string())
    );
    assert!(lines.contains(&"tag mutabilityMUTABLE".to_string()));
    assert!(lines.contains(&"scan on pushno".to_string()));
    // Nothing fetched yet: every section says so.
    assert_eq!(lines.iter().filter(|l| *l == "loading…").count(), 7);
}

#[test]
fn i_in_the_images_pane_is_about_the_open_repository() {
    let mut state = with_repositories(&["base/python", "payments/api"]);
    press(&mut state, KeyCode::Char('j'));
    open_with_images(&mut state, vec![image(1, &["v1"], 1)]);
    assert_eq!(state.pane, Pane::Images);
    let effects = press(&mut state, KeyCode::Char('i'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::FetchRepositoryInfo { repository, .. }] if repository == "payments/api"
    ));
}

#[test]
fn i_elsewhere_says_what_it_needs() {
    let mut state = with_repositories(&["base/python"]);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.pane, Pane::Registries);
    assert!(press(&mut state, KeyCode::Char('i')).is_empty());
    assert!(!state.info.visible);
    assert!(state.status.info_text().unwrap().contains("select one"));
}

#[test]
fn each_section_shows_its_own_value_error_or_gap() {
    let state = loaded_info();
    assert!(!state.info.is_loading());
    let lines = state.info.lines(80);
    let find = |wanted: &str| {
        lines
            .iter()
            .find(|l| l.text.contains(wanted))
            .unwrap_or_else(|| panic!("no line with {wanted:?} in {lines:#?}"))
    };
    assert_eq!(
        find("\"Sid\": \"OrgAccountsPull\",").kind,
        SettingsKind::Code
    );
    let denied = find("AccessDenied on ecr:GetLifecyclePolicy for payments/api");
    assert_eq!(denied.kind, SettingsKind::Error);
    let gap = find("not supported by this endpoint (ecr:DescribePullThroughCacheRules)");
    assert_eq!(gap.kind, SettingsKind::Unsupported);
    let tag = lines
        .iter()
        .find(|l| l.label == "team")
        .expect("the team tag");
    assert_eq!(
        (tag.text.as_str(), tag.kind),
        ("payments", SettingsKind::Field)
    );
    assert!(find("353d9de5-19c2-4872").label == "KMS key");
    find("SCAN_ON_PUSH · payments/*");
    find("→ eu-west-1 (123456789012) · payments/ (PREFIX_MATCH)");
    let excluded = find("arn:aws:iam::123456789012:role/trivy-scanner");
    assert_eq!(excluded.label, "principal");
    find("pulls by these principals leave the last recorded pull time unchanged");
}

#[test]
fn missing_policies_and_empty_lists_say_none() {
    let mut state = with_repositories(&["base/python"]);
    let generation = open(&mut state);
    deliver(&mut state, generation, InfoPart::RepositoryPolicy(Ok(None)));
    deliver(&mut state, generation, InfoPart::LifecyclePolicy(Ok(None)));
    deliver(&mut state, generation, InfoPart::Tags(Ok(Vec::new())));
    deliver(
        &mut state,
        generation,
        InfoPart::Replication(Ok(Vec::new())),
    );
    deliver(
        &mut state,
        generation,
        InfoPart::PullThrough(Ok(Vec::new())),
    );
    deliver(
        &mut state,
        generation,
        InfoPart::PullTimeExclusions(Ok(Vec::new())),
    );
    let lines = text(&state);
    for none in [
        "no repository policy",
        "no lifecycle policy",
        "no tags",
        "no replication rules",
        "no pull-through cache rules",
        "none: every pull updates the last recorded pull time",
    ] {
        assert!(
            lines.iter().any(|l| l == none),
            "{none} missing: {lines:#?}"
        );
    }
    assert_eq!(state.info.progress(), (1, 7), "scanning is still loading");
}

#[test]
fn a_section_answer_ends_the_retry_notice() {
    let mut state = with_repositories(&["base/python"]);
    let generation = open(&mut state);
    update(
        &mut state,
        Action::Retrying {
            reason: "ecr:GetRepositoryPolicy for base/python (ThrottlingException)".into(),
            delay: std::time::Duration::from_millis(300),
        },
    );
    assert!(state.retrying.is_some());
    deliver(&mut state, generation, InfoPart::RepositoryPolicy(Ok(None)));
    assert_eq!(state.retrying, None);
}

#[test]
fn results_of_an_earlier_opening_are_dropped() {
    let mut state = with_repositories(&["base/python", "payments/api"]);
    let first = open(&mut state);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('j'));
    let second = open(&mut state);
    assert_ne!(first, second);
    deliver(
        &mut state,
        first,
        InfoPart::Tags(Ok(vec![("team".into(), "platform".into())])),
    );
    assert_eq!(state.info.tags, Fetch::Loading);
    deliver(
        &mut state,
        second,
        InfoPart::Tags(Ok(vec![("team".into(), "payments".into())])),
    );
    assert_eq!(
        state.info.tags,
        Fetch::Ready(vec![("team".into(), "payments".into())])
    );
    assert_eq!(state.info.repository.as_ref().unwrap().name, "payments/api");
}

#[test]
fn registry_text_is_sanitised_before_it_is_laid_out() {
    let mut state = with_repositories(&["base/python"]);
    let generation = open(&mut state);
    deliver(
        &mut state,
        generation,
        InfoPart::Tags(Ok(vec![(
            "\u{1b}]52;c;aGk=\u{7}team".into(),
            "x\u{1b}[2Jy\u{9b}".into(),
        )])),
    );
    let policy = "{\"Statement\":[{\"Sid\":\"a\u{1b}[31mb\"}]}";
    deliver(
        &mut state,
        generation,
        InfoPart::RepositoryPolicy(Ok(Some(policy.into()))),
    );
    for line in state.info.lines(60) {
        for text in [&line.label, &line.text] {
            assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
        }
    }
}

/// [`loaded_info`] on a `width` × `height` terminal.
pub(crate) fn loaded_info_sized(width: u16, height: u16) -> State {
    let mut state = loaded_info();
    update(&mut state, Action::Resize { width, height });
    state
}

#[test]
fn scrolling_stays_between_the_first_line_and_the_last_screenful() {
    let mut state = loaded_info_sized(60, 15);
    let total = state.info.lines(60).len();
    let height = state.body_height();
    assert!(
        total > height + 5,
        "the fixture must overflow: {total} lines"
    );
    let last = total - height;
    press(&mut state, KeyCode::Char('k'));
    assert_eq!(state.info.scroll, 0);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.info.scroll, 2);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.info.scroll, (2 + height).min(last));
    press(&mut state, KeyCode::Char('G'));
    assert_eq!(state.info.scroll, last);
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.info.scroll, last, "never past the last screenful");
    press(&mut state, KeyCode::PageUp);
    assert_eq!(state.info.scroll, last - height);
    press(&mut state, KeyCode::Char('g'));
    assert_eq!(state.info.scroll, 0);
    // A larger terminal shows more at once: the scroll follows its new last screenful.
    press(&mut state, KeyCode::Char('G'));
    update(
        &mut state,
        Action::Resize {
            width: 200,
            height: 50,
        },
    );
    let last = state
        .info
        .lines(200)
        .len()
        .saturating_sub(state.body_height());
    assert_eq!(state.info.scroll, last);
    // The list underneath did not move.
    assert_eq!(state.repositories.list.selected, 1);
}

#[test]
fn esc_and_q_close_back_to_the_pane_and_ctrl_c_still_quits() {
    let mut state = loaded_info();
    press(&mut state, KeyCode::Esc);
    assert!(!state.info.visible);
    assert_eq!(state.pane, Pane::Repositories);
    assert_eq!(state.repositories.list.selected, 1);

    let mut state = loaded_info();
    press(&mut state, KeyCode::Char('q'));
    assert!(!state.info.visible);
    assert!(
        !state.should_quit,
        "q closes the view, it does not quit berth"
    );

    let mut state = loaded_info();
    let effects = update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(effects, [Effect::Quit]);
}

#[test]
fn keys_of_the_pane_underneath_do_nothing_while_the_view_is_open() {
    let mut state = loaded_info();
    for c in ['d', 't', 's', '/', 'L', ' '] {
        assert!(press(&mut state, KeyCode::Char(c)).is_empty(), "{c}");
    }
    assert!(state.dialog.is_none());
    assert!(!state.lifecycle.is_visible());
    assert_eq!(state.mode, crate::app::Mode::Normal);
    assert_eq!(state.repositories.list.sort_column, 0);
}

#[test]
fn y_copies_the_uri_and_r_fetches_again() {
    let mut state = loaded_info();
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::CopyToClipboard {
            text: "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api".into()
        }]
    );
    let before = state.info.generation;
    let effects = press(&mut state, KeyCode::Char('r'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::FetchRepositoryInfo { generation, .. }] if *generation > before
    ));
    assert_eq!(state.info.tags, Fetch::Loading);
    assert!(state.info.visible);
}

#[test]
fn wildcard_filters_match_as_ecr_describes() {
    use super::wildcard_matches as matches;
    assert!(matches("payments/*", "payments/api"));
    assert!(matches("*", "anything/at/all"));
    assert!(matches("*api", "payments/api"));
    assert!(matches("pay*/a*i", "payments/api"));
    assert!(matches("web/app", "web/app"));
    assert!(!matches("web/app", "web/app2"));
    assert!(!matches("payments/*", "web/payments/api"));
    assert!(!matches("*api", "payments/api-v2"));
    assert!(
        !matches("a*a", "a"),
        "the two a's cannot share one character"
    );
    assert!(matches("a*a", "aa"));
}

#[test]
fn registry_rules_say_whether_they_cover_the_repository() {
    let mut state = loaded_info();
    let text = |state: &State| -> Vec<String> {
        state
            .info
            .lines(200)
            .into_iter()
            .filter(|l| l.label.starts_with("rule 1"))
            .map(|l| l.text)
            .collect()
    };
    let lines = text(&state);
    assert_eq!(
        lines.len(),
        2,
        "a scanning and a replication rule: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|t| t.ends_with("applies to this repository")),
        "{lines:?}"
    );
    if let Some(repo) = state.info.repository.as_mut() {
        repo.name = "web/frontend".into();
    }
    let lines = text(&state);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines.iter().all(|t| t.ends_with("not this repository")),
        "{lines:?}"
    );
}

#[test]
fn policy_lines_wrap_without_changing_a_character() {
    use super::wrap_exact;
    let text = r#""Condition": {"StringEquals": {"aws:PrincipalTag/team": "a  b   c"}}"#;
    for room in 1..text.len() + 2 {
        let parts = wrap_exact(text, room);
        assert_eq!(parts.concat(), text, "room {room}");
        assert!(
            parts.iter().all(|p| p.chars().count() <= room),
            "room {room}: {parts:?}"
        );
    }
    assert_eq!(wrap_exact("ab cd", 3), ["ab ", "cd"]);
}

#[test]
fn a_label_too_long_for_its_column_stands_on_its_own_line() {
    let mut state = loaded_info();
    let long = "k".repeat(40);
    if let Fetch::Ready(tags) = &mut state.info.tags {
        tags.push((long.clone(), "v".into()));
    }
    let lines = state.info.lines(60);
    let at = lines
        .iter()
        .position(|l| l.text == long)
        .expect("the long key on a line");
    assert_eq!(lines[at].kind, SettingsKind::Label);
    assert_eq!(lines[at + 1].kind, SettingsKind::Field);
    assert_eq!(lines[at + 1].text, "v");
}

#[test]
fn a_command_line_that_goes_elsewhere_closes_the_view() {
    for line in [":registries", ":criticals", ":region eu-west-1", ":web/app"] {
        let mut state = loaded_info();
        assert!(state.info.visible);
        for c in line.chars() {
            press(&mut state, KeyCode::Char(c));
        }
        press(&mut state, KeyCode::Enter);
        assert!(!state.info.visible, "{line} left the info view open");
    }
    // Help and themes stay over it.
    let mut state = loaded_info();
    for c in ":help".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Enter);
    assert!(state.info.visible);
}
