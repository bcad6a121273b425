//! ECR's own preview, compared with berth's dry run of the same text.

use super::*;
use crate::ecr::EcrError;
use crate::ecr::policy::PreviewImage;
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewStatus};
use crossterm::event::KeyCode;

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
    let rule = |fate: Option<crate::app::lifecycle::Fate>| fate.and_then(|f| f.rule);
    let differences: Vec<(String, Option<u32>, Option<u32>)> = comparison
        .differences
        .iter()
        .map(|d| (d.digest.clone(), rule(d.berth), rule(d.ecr)))
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

/// Archive untagged images idle for 14 days, expire `pr-` builds beyond the newest two.
const ARCHIVE_POLICY: &str = r#"{"rules":[
 {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePulled","countUnit":"days","countNumber":14},"action":{"type":"transition","targetStorageClass":"archive"}},
 {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["pr-"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}"#;

#[test]
fn the_comparison_covers_transitions_to_archive_as_well_as_expirations() {
    let mut view = loaded(Some(ARCHIVE_POLICY));
    press(&mut view, 'p');
    let image = |n: u64, rule: u32, action| PreviewImage {
        digest: digest(n),
        tags: Vec::new(),
        pushed_at: None,
        rule_priority: Some(rule),
        action,
    };
    // berth archives image 1 (untagged, 30 days idle) and expires image 3 (the oldest
    // pr- build). ECR agrees on 3, but expires 1 instead of archiving it.
    let preview = EcrPreview {
        status: PreviewStatus::Complete,
        images: vec![
            image(1, 1, PreviewAction::Expire),
            image(3, 2, PreviewAction::Expire),
        ],
        expiring_total: Some(2),
        policy_text: Some(ARCHIVE_POLICY.into()),
        started: true,
    };
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: ARCHIVE_POLICY.into(),
            result: Ok(preview),
        },
        now(),
    );
    let EcrCheck::Done(c) = &view.ecr else {
        panic!("expected a comparison, got {:?}", view.ecr);
    };
    assert_eq!(
        (
            c.agree,
            c.berth_expiring,
            c.berth_archiving,
            c.ecr_expiring,
            c.ecr_archiving
        ),
        (1, 1, 1, 2, 0)
    );
    assert_eq!(c.differences.len(), 1, "{:?}", c.differences);
    let d = &c.differences[0];
    assert_eq!(d.digest, digest(1));
    assert_eq!(
        d.berth.map(|f| f.describe()).as_deref(),
        Some("rule 1 archives")
    );
    assert_eq!(
        d.ecr.map(|f| f.describe()).as_deref(),
        Some("rule 1 expires")
    );
}
