//! Key paths and results through the lifecycle view, asserted on state and effects.

use super::*;
use crate::app::keymap::Keymap;
use crate::ecr::EcrError;
use crate::ecr::policy::PreviewImage;
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewStatus};
use crate::lifecycle::{Disposition, ImageRecord};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

pub(crate) fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// A digest whose short form tells images apart: `sha256:1111…`, `sha256:2222…`.
pub(crate) fn digest(n: u64) -> String {
    format!(
        "sha256:{}",
        format!("{n:x}").repeat(64).get(..64).unwrap_or_default()
    )
}

/// Image `n`, pushed `days_ago` days before [`now`], 1 MiB × n.
pub(crate) fn record(n: u64, tags: &[&str], days_ago: i64) -> ImageRecord {
    ImageRecord {
        digest: digest(n),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        pushed_at: Timestamp::from_second(now().as_second() - days_ago * 86_400).unwrap(),
        size_bytes: 1_048_576 * n,
        last_pulled_at: None,
        media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
        referenced_by_manifest_list: false,
    }
}

/// Untagged after 14 days; keep 2 `pr-` images.
pub(crate) const POLICY: &str = r#"{"rules":[
 {"rulePriority":1,"description":"untagged after 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},
 {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["pr-"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}"#;

const KEEP_ALL: &str = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}"#;

pub(crate) fn images() -> Vec<ImageRecord> {
    let mut child = record(7, &[], 40);
    child.referenced_by_manifest_list = true;
    vec![
        record(1, &[], 30),
        record(2, &[], 3),
        record(3, &["pr-1"], 20),
        record(4, &["pr-2"], 10),
        record(5, &["pr-3", "latest"], 1),
        record(6, &["v1.0.0"], 100),
        child,
    ]
}

/// A view on `web/app` loaded with [`images`] and `policy`.
pub(crate) fn loaded(policy: Option<&str>) -> LifecycleView {
    let mut view = LifecycleView::default();
    let effect = view.open(crate::app::fixtures::reg(0), "web/app", 7);
    assert_eq!(
        effect,
        LifecycleEffect::Load {
            registry: crate::app::fixtures::reg(0),
            repository: "web/app".into(),
            generation: 7
        }
    );
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 7,
            result: Ok(LoadedRepository {
                policy: policy.map(str::to_string),
                images: images(),
            }),
        },
        now(),
    );
    view
}

fn key(view: &mut LifecycleView, code: KeyCode, read_only: bool) -> KeyOutcome {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    let command = Keymap::default().lookup(&event);
    view.on_key(event, command, read_only, 10)
}

fn press(view: &mut LifecycleView, c: char) -> KeyOutcome {
    key(view, KeyCode::Char(c), false)
}

fn type_text(view: &mut LifecycleView, text: &str) {
    for c in text.chars() {
        assert_eq!(press(view, c), KeyOutcome::Handled);
    }
}

#[test]
fn loading_runs_the_dry_run_with_a_summary_and_per_image_dispositions() {
    let view = loaded(Some(POLICY));
    assert_eq!(view.stage, Stage::Ready);
    let run = view.dry_run.as_ref().expect("dry run");
    // Rule 1 takes the 30-day-old untagged image (the 40-day-old one is in an index);
    // rule 2 keeps pr-3 and pr-2 and takes pr-1.
    assert_eq!(run.summary.expired, 2);
    assert_eq!(run.summary.images, 7);
    assert_eq!(run.summary.protected, 1);
    assert_eq!(run.summary.bytes_reclaimed, 4 * 1_048_576);
    assert_eq!(run.summary.total_bytes, 28 * 1_048_576);
    let per_rule: Vec<(u32, usize, usize)> = run
        .summary
        .rules
        .iter()
        .map(|r| {
            (
                r.outcome.rule_priority,
                r.outcome.matched,
                r.outcome.expired,
            )
        })
        .collect();
    assert_eq!(per_rule, [(1, 3, 1), (2, 3, 1)]);
    assert!(run.summary.rules[0].description.contains("untagged"));
    assert_eq!(
        run.dispositions[&digest(1)],
        Disposition::Expired { rule_priority: 1 }
    );
    assert_eq!(
        run.dispositions[&digest(7)],
        Disposition::KeptForManifestList { rule_priority: 1 }
    );
    assert_eq!(
        view.disposition(&crate::app::fixtures::reg(0), "web/app", &digest(3)),
        Some(Disposition::Expired { rule_priority: 2 })
    );
    assert_eq!(
        view.disposition(&crate::app::fixtures::reg(0), "web/api", &digest(3)),
        None
    );
    // Newest first.
    let order: Vec<usize> = view.list.rows.clone();
    assert_eq!(order, [4, 1, 3, 2, 0, 6, 5]);
    assert_eq!(view.policy_lines[0], "{");
    assert!(
        view.policy_lines
            .iter()
            .any(|l| l.trim() == "\"rulePriority\": 2,")
    );
}

#[test]
fn results_for_an_earlier_opening_are_dropped() {
    let mut view = loaded(Some(POLICY));
    view.open(crate::app::fixtures::reg(0), "web/api", 8);
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 7,
            result: Ok(LoadedRepository {
                policy: None,
                images: Vec::new(),
            }),
        },
        now(),
    );
    assert_eq!(view.stage, Stage::Loading);
    assert_eq!(view.repository, "web/api");
}

#[test]
fn a_load_failure_is_shown() {
    let mut view = LifecycleView::default();
    view.open(crate::app::fixtures::reg(0), "web/app", 1);
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 1,
            result: Err(EcrError::AccessDenied {
                action: "ecr:GetLifecyclePolicy".into(),
                subject: "web/app".into(),
                message: String::new(),
            }),
        },
        now(),
    );
    assert!(matches!(&view.stage, Stage::Failed(m) if m.contains("AccessDenied")));
}

#[test]
fn without_a_policy_e_starts_from_a_template_and_the_edit_is_dry_run() {
    let mut view = loaded(None);
    assert!(view.dry_run.is_none());
    assert!(view.text.is_none());
    let KeyOutcome::Effect(LifecycleEffect::Edit { text, generation }) = press(&mut view, 'e')
    else {
        panic!("e should ask for the editor");
    };
    assert_eq!(text, STARTER_POLICY);
    assert_eq!(generation, 7);
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(view.source, PolicySource::Edited);
    assert!(view.is_unapplied());
    assert_eq!(view.dry_run.as_ref().unwrap().summary.expired, 2);
    assert_eq!(view.message.as_deref(), Some("dry run updated"));
}

#[test]
fn an_invalid_edit_keeps_its_text_and_errors_for_the_next_edit() {
    let mut view = loaded(Some(POLICY));
    let broken = POLICY.replace("\"countNumber\":2", "\"countNumber\":0");
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(broken.clone()),
        },
        now(),
    );
    let error = view.error.as_ref().expect("a parse error").to_string();
    assert!(
        error.contains("priority 2") && error.contains("selection.countNumber"),
        "{error}"
    );
    assert!(view.dry_run.is_none());
    assert_eq!(view.text.as_deref(), Some(broken.as_str()));
    // The next edit starts from the broken text, not from the repository's policy.
    assert_eq!(
        press(&mut view, 'e'),
        KeyOutcome::Effect(LifecycleEffect::Edit {
            text: broken,
            generation: 7
        })
    );
    assert_eq!(press(&mut view, 'a'), KeyOutcome::Handled);
    assert!(view.problem.as_deref().unwrap().contains("invalid"));
    assert_eq!(press(&mut view, 'p'), KeyOutcome::Handled);
    assert_eq!(view.ecr, EcrCheck::NotAsked);
}

#[test]
fn editing_back_to_the_current_policy_is_not_an_unapplied_change() {
    let mut view = loaded(Some(POLICY));
    for (text, message) in [
        ("  \n", "the policy is empty — nothing changed"),
        (POLICY, "policy unchanged"),
    ] {
        view.on_event(
            LifecycleEvent::Edited {
                generation: 7,
                result: Ok(text.into()),
            },
            now(),
        );
        assert_eq!(view.message.as_deref(), Some(message));
        assert!(!view.is_unapplied());
    }
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Err("vi exited with status 1".into()),
        },
        now(),
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("editor: vi exited with status 1")
    );
}

#[test]
fn read_only_mode_blocks_apply_before_any_question() {
    let mut view = loaded(Some(POLICY));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(KEEP_ALL.into()),
        },
        now(),
    );
    assert_eq!(
        key(&mut view, KeyCode::Char('a'), true),
        KeyOutcome::Handled
    );
    assert!(matches!(view.dialog, Dialog::None));
    assert_eq!(
        view.problem.as_deref(),
        Some("read-only mode: putting a lifecycle policy on web/app was not attempted")
    );
}

#[test]
fn read_only_mode_refuses_ecrs_preview_without_an_effect() {
    let mut view = loaded(Some(POLICY));
    assert_eq!(
        key(&mut view, KeyCode::Char('p'), true),
        KeyOutcome::Handled
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("read-only mode: start a lifecycle preview on web/app was not attempted")
    );
    assert!(matches!(
        key(&mut view, KeyCode::Char('p'), false),
        KeyOutcome::Effect(LifecycleEffect::EcrPreview { .. })
    ));
}

#[test]
fn applying_a_policy_that_expires_images_needs_the_repository_name() {
    let mut view = loaded(None);
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(press(&mut view, 'a'), KeyOutcome::Handled);
    assert!(matches!(
        view.dialog,
        Dialog::ConfirmApply {
            needs_name: true,
            ..
        }
    ));
    // `y` is only a letter of the name here.
    type_text(&mut view, "yweb/ap");
    assert_eq!(key(&mut view, KeyCode::Enter, false), KeyOutcome::Handled);
    assert!(
        view.problem
            .as_deref()
            .unwrap()
            .contains("type web/app exactly")
    );
    for _ in 0.."yweb/ap".len() {
        key(&mut view, KeyCode::Backspace, false);
    }
    type_text(&mut view, "web/app");
    let KeyOutcome::Effect(LifecycleEffect::Apply(apply)) = key(&mut view, KeyCode::Enter, false)
    else {
        panic!("Enter with the name typed should apply");
    };
    assert_eq!(
        (
            apply.registry(),
            apply.repository(),
            apply.text(),
            apply.generation()
        ),
        (&crate::app::fixtures::reg(0), "web/app", POLICY, 7)
    );
    assert!(view.applying);
    assert!(matches!(view.dialog, Dialog::None));
    view.on_event(
        LifecycleEvent::Applied {
            generation: 7,
            text: POLICY.into(),
            result: Ok(()),
        },
        now(),
    );
    assert!(!view.applying);
    assert_eq!(view.current.as_deref(), Some(POLICY));
    assert_eq!(view.source, PolicySource::Repository);
    assert!(
        view.message
            .as_deref()
            .unwrap()
            .contains("applied to web/app")
    );
    // Now it is the repository's own policy: nothing to apply.
    press(&mut view, 'a');
    assert_eq!(
        view.problem.as_deref(),
        Some("this is already web/app's policy")
    );
}

#[test]
fn a_policy_that_expires_nothing_is_confirmed_with_y_and_esc_cancels() {
    let mut view = loaded(Some(POLICY));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(KEEP_ALL.into()),
        },
        now(),
    );
    press(&mut view, 'a');
    assert!(matches!(
        view.dialog,
        Dialog::ConfirmApply {
            needs_name: false,
            ..
        }
    ));
    assert_eq!(key(&mut view, KeyCode::Esc, false), KeyOutcome::Handled);
    assert!(matches!(view.dialog, Dialog::None));
    press(&mut view, 'a');
    assert!(matches!(
        press(&mut view, 'y'),
        KeyOutcome::Effect(LifecycleEffect::Apply(_))
    ));
    view.on_event(
        LifecycleEvent::Applied {
            generation: 7,
            text: KEEP_ALL.into(),
            result: Err(EcrError::Service {
                action: "ecr:PutLifecyclePolicy".into(),
                subject: "web/app".into(),
                code: "InvalidParameterException".into(),
                message: "nope".into(),
            }),
        },
        now(),
    );
    assert!(
        view.problem
            .as_deref()
            .unwrap()
            .contains("InvalidParameterException")
    );
    assert!(view.is_unapplied());
}

#[test]
fn o_loads_a_policy_file_typed_at_a_prompt() {
    let mut view = loaded(None);
    assert_eq!(press(&mut view, 'o'), KeyOutcome::Handled);
    type_text(&mut view, "policies/web.json");
    let outcome = key(&mut view, KeyCode::Enter, false);
    assert_eq!(
        outcome,
        KeyOutcome::Effect(LifecycleEffect::ReadFile {
            path: "policies/web.json".into(),
            generation: 7
        })
    );
    view.on_event(
        LifecycleEvent::FileRead {
            generation: 7,
            path: "policies/web.json".into(),
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(view.source, PolicySource::File("policies/web.json".into()));
    assert!(view.dry_run.is_some());
    view.on_event(
        LifecycleEvent::FileRead {
            generation: 7,
            path: "nope.json".into(),
            result: Err("No such file or directory (os error 2)".into()),
        },
        now(),
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("cannot read nope.json: No such file or directory (os error 2)")
    );
}

#[test]
fn ecr_preview_is_compared_with_the_dry_run_of_the_same_text() {
    let mut view = loaded(Some(POLICY));
    let KeyOutcome::Effect(LifecycleEffect::EcrPreview { text, .. }) = press(&mut view, 'p') else {
        panic!("p should ask ECR");
    };
    assert_eq!(text, POLICY);
    assert_eq!(view.ecr, EcrCheck::Running);
    assert_eq!(press(&mut view, 'p'), KeyOutcome::Handled);
    let expire = |n: u64, rule: u32| PreviewImage {
        digest: digest(n),
        tags: Vec::new(),
        pushed_at: None,
        rule_priority: Some(rule),
        action: PreviewAction::Expire,
    };
    let preview = EcrPreview {
        status: PreviewStatus::Complete,
        // ECR agrees on image 1, expires image 3 by another rule, and image 2 too.
        images: vec![expire(1, 1), expire(3, 1), expire(2, 1)],
        expiring_total: Some(3),
        policy_text: Some(POLICY.into()),
        started: true,
    };
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Ok(preview),
        },
        now(),
    );
    let EcrCheck::Done(comparison) = &view.ecr else {
        panic!("expected a comparison, got {:?}", view.ecr);
    };
    assert_eq!(
        (
            comparison.agree,
            comparison.ecr_expiring,
            comparison.berth_expiring
        ),
        (1, 3, 2)
    );
    let differences: Vec<(String, Option<u32>, Option<u32>)> = comparison
        .differences
        .iter()
        .map(|d| (d.digest.clone(), d.berth, d.ecr))
        .collect();
    assert_eq!(
        differences,
        [(digest(3), Some(2), Some(1)), (digest(2), None, Some(1))]
    );
}

#[test]
fn an_endpoint_without_ecr_preview_says_so() {
    let mut view = loaded(Some(POLICY));
    press(&mut view, 'p');
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Err(EcrError::Unsupported {
                action: "ecr:StartLifecyclePolicyPreview".into(),
                subject: "web/app".into(),
            }),
        },
        now(),
    );
    assert!(matches!(&view.ecr, EcrCheck::Unsupported(m) if m.contains("does not offer")));
    // A preview ECR has not finished is not an error.
    press(&mut view, 'p');
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Ok(EcrPreview {
                status: PreviewStatus::InProgress,
                images: Vec::new(),
                expiring_total: None,
                policy_text: None,
                started: true,
            }),
        },
        now(),
    );
    assert_eq!(view.ecr, EcrCheck::StillRunning);
}

#[test]
fn x_shows_only_expiring_images_and_movement_follows_the_keymap() {
    let mut view = loaded(Some(POLICY));
    assert_eq!(press(&mut view, 'x'), KeyOutcome::Handled);
    assert_eq!(view.list.rows, [2, 0]);
    assert_eq!(press(&mut view, 'j'), KeyOutcome::Handled);
    assert_eq!(view.list.selected_item(), Some(0));
    press(&mut view, 'x');
    assert_eq!(view.list.rows.len(), 7);
    assert_eq!(
        view.list.selected_item(),
        Some(0),
        "the cursor stays on its image"
    );
    // Tab moves scrolling to the policy text.
    assert_eq!(key(&mut view, KeyCode::Tab, false), KeyOutcome::Handled);
    press(&mut view, 'j');
    assert_eq!(view.policy_scroll, 1);
    assert_eq!(view.list.selected_item(), Some(0));
}

#[test]
fn esc_closes_r_reloads_only_global_keys_pass_through() {
    let mut view = loaded(Some(POLICY));
    assert!(view.is_visible());
    assert_eq!(press(&mut view, 'q'), KeyOutcome::Ignored);
    assert_eq!(press(&mut view, '?'), KeyOutcome::Ignored);
    assert_eq!(press(&mut view, ':'), KeyOutcome::Ignored);
    // Pane keys (delete, filter, unbound keys) never reach the pane underneath.
    assert_eq!(press(&mut view, 'd'), KeyOutcome::Handled);
    assert_eq!(press(&mut view, '/'), KeyOutcome::Handled);
    assert_eq!(press(&mut view, 'Z'), KeyOutcome::Handled);
    assert_eq!(key(&mut view, KeyCode::Esc, false), KeyOutcome::Close);
    assert!(!view.is_visible() && view.is_open());
    assert!(matches!(
        press(&mut view, 'r'),
        KeyOutcome::Effect(LifecycleEffect::Load { .. })
    ));
    assert_eq!(view.stage, Stage::Loading);
    assert_eq!(press(&mut view, 'e'), KeyOutcome::Handled);
    assert!(view.message.as_deref().unwrap().contains("wait"));
}

#[test]
fn reopening_the_same_repository_keeps_an_unapplied_edit() {
    let mut view = loaded(Some(KEEP_ALL));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    view.open(crate::app::fixtures::reg(0), "web/app", 9);
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 9,
            result: Ok(LoadedRepository {
                policy: Some(KEEP_ALL.into()),
                images: images(),
            }),
        },
        now(),
    );
    assert_eq!(view.text.as_deref(), Some(POLICY));
    assert_eq!(view.source, PolicySource::Edited);
    assert_eq!(view.current.as_deref(), Some(KEEP_ALL));
    // Another repository starts clean.
    view.open(crate::app::fixtures::reg(0), "web/api", 10);
    assert!(view.text.is_none());
    assert_eq!(view.source, PolicySource::Repository);
}

#[test]
fn archive_rules_are_listed_as_not_evaluated() {
    let policy = r#"{"rules":[
      {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},
      {"rulePriority":2,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}}]}"#;
    let view = loaded(Some(policy));
    let run = view.dry_run.as_ref().unwrap();
    assert_eq!(run.summary.rules.len(), 1);
    assert_eq!(run.summary.not_evaluated.len(), 1);
    assert_eq!(run.summary.not_evaluated[0].rule_priority, 2);
    assert!(run.summary.not_evaluated[0].reason.contains("archive"));
}

#[test]
fn the_rule_table_lists_every_rule_by_priority() {
    let policy = r#"{"rules":[
      {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPatternList":["old-*"],"countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},
      {"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;
    let view = loaded(Some(policy));
    let run = view.dry_run.as_ref().unwrap();
    let lines = run.summary.rules_by_priority();
    let priorities: Vec<u32> = lines.iter().map(|line| line.priority()).collect();
    assert_eq!(priorities, [1, 2]);
    assert!(matches!(lines[0], RuleLine::NotEvaluated(_)));
    assert!(matches!(lines[1], RuleLine::Evaluated(_)));
}
