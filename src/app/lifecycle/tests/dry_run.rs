//! The dry run: loading it, dropping stale results, a failed load, the rule table, the
//! expiring-only filter, closing and reloading.

use super::*;
use crate::ecr::EcrError;
use crate::lifecycle::Disposition;
use crossterm::event::KeyCode;

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
fn transition_rules_are_evaluated_beside_expire_rules() {
    let policy = r#"{"rules":[
      {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},
      {"rulePriority":2,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}}]}"#;
    let view = loaded(Some(policy));
    let run = view.dry_run.as_ref().unwrap();
    assert_eq!(run.summary.rules.len(), 2);
    assert!(run.summary.not_evaluated.is_empty());
    // Image 6 (100 days, never pulled) is archived. Image 7 (untagged, 40 days) is
    // rule 1's, which would expire it but for the index that refers to it.
    assert_eq!(
        run.dispositions[&digest(6)],
        Disposition::Transitioned { rule_priority: 2 }
    );
    assert_eq!(
        run.dispositions[&digest(7)],
        Disposition::KeptForManifestList { rule_priority: 1 }
    );
    assert_eq!(
        run.dispositions[&digest(1)],
        Disposition::Expired { rule_priority: 1 }
    );
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
    assert!(matches!(lines[0], RuleLine::Evaluated(_)));
    assert!(matches!(lines[1], RuleLine::Evaluated(_)));
}
